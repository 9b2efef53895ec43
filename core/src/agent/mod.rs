//! The CWMP agent: one session at a time, events, retries, schedules, RPCs.

pub mod events;
pub mod inform;
pub mod mgmt;
pub mod notify;
pub mod outgoing;
pub mod retry;
pub mod schedule;
pub mod transfers;
