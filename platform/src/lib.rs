//! cwmp-platform: the thin std layer that moves bytes between the OS and cwmp-core.
//!
//! Not built yet: see README.md ("What is not built yet").

pub mod dm;
pub mod fsutil;
