//! Whole sessions in memory: the agent against a scripted ACS through the real HTTP and SOAP
//! layers, with a fake clock, fixed entropy and an in-memory data model. One rule per test.

mod du;
mod harness;
mod sessions;
