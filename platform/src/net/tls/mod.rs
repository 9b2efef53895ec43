//! TLS client configuration for the ACS connection and file transfers (digest §1.6, §1.7).
//!
//! Responsible for turning the configured trust store (`ssl_capath`: one PEM file or a
//! directory of PEM files, plus Mozilla's roots when the `webpki-roots` feature is built in),
//! an optional client certificate and key (mutual TLS), and the `insecure_enable` switch into
//! one shared `rustls::ClientConfig` (ring provider, TLS 1.2 and 1.3), and for the TLS state of
//! one connection ([`TlsSession`]). Not responsible for sockets, SNI or host-name checks per
//! connection (rustls does those from the `ServerName` the connection passes), nor for reading
//! the UCI file: the caller fills [`TlsSettings`].
//!
//! Without the `tls` cargo feature nothing here links rustls: [`TlsConfig`] and the session
//! type have no values, [`TlsSettings::build`] answers [`TlsError::NotBuiltIn`] and `https:`
//! URLs are refused with a clear error.

#[cfg(not(feature = "tls"))]
mod disabled;
#[cfg(feature = "tls")]
mod enabled;

use std::path::PathBuf;

/// Where a handshake stands after the I/O the socket allowed.
// A build without TLS has no session, so nothing makes these.
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) enum Handshake {
    /// Finished: application data may flow.
    Done,
    /// Waiting for the socket.
    Pending,
}

#[cfg(not(feature = "tls"))]
pub(crate) use disabled::TlsSession;
#[cfg(not(feature = "tls"))]
pub use disabled::{TlsConfig, TlsError};
#[cfg(feature = "tls")]
pub(crate) use enabled::TlsSession;
#[cfg(feature = "tls")]
pub use enabled::{TlsConfig, TlsError};

/// Whether the bundled Mozilla roots join the trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundledRoots {
    /// Trust them too (only when the crate is built with the `webpki-roots` feature; without
    /// it this adds nothing).
    Include,
    /// Trust only the configured CA file or directory.
    Exclude,
}

/// Whether the server certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Chain to a trusted root and match the URL host (the default; TR-069 §3.3).
    Verify,
    /// Accept any certificate (`insecure_enable`): encryption without authentication.
    /// Every connection logs a warning.
    Insecure,
}

/// A client certificate chain and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The TLS part of the configuration, as read from `/etc/config/cwmp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// `ssl_capath`: a PEM file of CA certificates, or a directory of them.
    pub ca_path: Option<PathBuf>,
    /// Whether the compiled-in Mozilla roots are trusted too.
    pub bundled_roots: BundledRoots,
    /// Client certificate for mutual TLS, if any.
    pub client_identity: Option<ClientIdentity>,
    /// Certificate checking on or off.
    pub verification: Verification,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            ca_path: None,
            bundled_roots: BundledRoots::Include,
            client_identity: None,
            verification: Verification::Verify,
        }
    }
}
