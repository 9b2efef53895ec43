//! cwmp-platform: the thin std layer that moves bytes between the OS and cwmp-core.
//!
//! Built so far: [`net`] (the ACS connection: TLS, name resolution, non-blocking connect and
//! I/O for the mio loop), [`transfer`] (Download/Upload file transfers in worker threads),
//! [`dm`] (the data-model back ends: built-in store and bbfdm), [`du`] (software modules:
//! ChangeDUState with the package manager, `Device.SoftwareModules.`), [`fsutil`] (atomic writes),
//! [`logging`] (stderr and syslog) and [`client`] (the `status`/`inform`/`command` client).

pub mod client;
pub mod dm;
pub mod du;
pub mod fsutil;
pub mod logging;
pub mod net;
pub mod runtime;
pub mod transfer;
