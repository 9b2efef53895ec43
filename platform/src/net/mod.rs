//! The network transport of the CPE: TLS configuration, non-blocking name resolution and the
//! connection to the ACS that the mio event loop drives.
//!
//! Responsible for moving bytes between a URL's server and the caller without blocking the
//! loop ([`connection`]), for the trust store and client identity ([`tls`]) and for host-name
//! lookups off the loop thread ([`resolve`]). Not responsible for HTTP or CWMP: core parses and
//! writes every byte; this module only carries them.

pub mod connection;
pub mod resolve;
pub mod tls;

pub use connection::{
    AcsConnection, ConnState, ConnectError, ConnectOptions, DEFAULT_SEND_BUFFER, PeerClose,
};
pub use resolve::{Lookup, Resolution, ResolveError};
pub use tls::{BundledRoots, ClientIdentity, TlsConfig, TlsError, TlsSettings, Verification};
