//! cwmp-platform: the thin std layer that moves bytes between the OS and cwmp-core.
//!
//! Built so far: [`net`] (the ACS connection: TLS, name resolution, non-blocking connect and
//! I/O for the mio loop) and [`transfer`] (Download/Upload file transfers in worker threads).
//! The rest is described in README.md ("What is not built yet").

pub mod client;
pub mod logging;
pub mod net;
pub mod transfer;
