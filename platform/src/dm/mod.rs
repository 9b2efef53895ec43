//! Data-model backends: what the agent calls for every parameter outside
//! `Device.ManagementServer.` (`cwmp_core::datamodel::DataModel`).
//!
//! Responsible for two implementations of that trait: [`builtin`], the default that needs no
//! other daemon (device identity plus a persisted parameter store seeded from a JSON file), and
//! [`bbfdm`], which forwards to iopsys/prplOS's `bbfdm` ubus object. Shared pieces: what values
//! each TR-106 type admits ([`syntax`]), a bounded streaming JSON reader ([`json`]) and the
//! limits ([`limits`]). Not responsible for the CWMP rules around the calls (the agent in
//! `cwmp-core`).

pub mod bbfdm;
pub mod builtin;
pub mod json;
pub mod limits;
pub mod syntax;
