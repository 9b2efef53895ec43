//! cwmp-bench: benchmarks and the test harness shared by benchmarks and end-to-end tests.
//!
//! [`ubusd`] is a ubusd-compatible broker for machines without ubusd; [`ubus_client`] is a
//! small std client on top of `cwmp_core::ubus` (`ubus call`, `ubus list`, `ubus send`) and a
//! loop serving the `tr069` object, for end-to-end tests. [`acs`] is a scripted ACS that behaves
//! like GenieACS on the wire, for end-to-end tests of the daemon.

pub mod acs;
pub mod ubus_client;
pub mod ubusd;
