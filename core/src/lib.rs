//! cwmp-core: the TR-069 (CWMP) CPE protocol engine.
//!
//! Everything here is sans-IO: callers feed bytes, time and entropy in and drain bytes, deadlines
//! and effects out. The crate is `no_std` and never allocates; every capacity is a named constant
//! in [`limits`] and overflowing one is a defined, tested outcome.
#![no_std]

#[cfg(test)]
extern crate std;

#[macro_use]
mod logging;

pub mod agent;
pub mod config;
pub mod control;
pub mod datamodel;
pub mod http;
pub mod limits;
pub mod persist;
pub mod sink;
pub mod soap;
pub mod time;
pub mod ubus;
pub mod xml;
