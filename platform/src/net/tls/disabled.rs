//! The TLS layer of a build without the `tls` feature: no configuration can exist, so no
//! session can either, and every `https:` URL is refused before a socket is opened.

use std::fmt;
use std::io;

use mio::net::TcpStream;

use super::{Handshake, TlsSettings, Verification};
use crate::net::connection::{ConnectError, PeerClose};

/// A built TLS configuration; this build has none.
#[derive(Debug, Clone)]
pub enum TlsConfig {}

impl TlsConfig {
    /// Whether certificates are checked (no value exists to ask).
    pub fn verification(&self) -> Verification {
        match *self {}
    }
}

/// Why the TLS configuration cannot be built.
#[derive(Debug)]
pub enum TlsError {
    /// cwmpd was built without the `tls` feature.
    NotBuiltIn,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::NotBuiltIn => f.write_str("this cwmpd was built without TLS support"),
        }
    }
}

impl std::error::Error for TlsError {}

impl TlsSettings {
    /// Always [`TlsError::NotBuiltIn`] in this build.
    pub fn build(&self) -> Result<TlsConfig, TlsError> {
        Err(TlsError::NotBuiltIn)
    }
}

/// The TLS state of one connection; this build has none.
pub(crate) enum TlsSession {}

impl TlsSession {
    /// Refuses: this build speaks no TLS.
    pub(crate) fn new(
        config: &TlsConfig,
        _host: &str,
        _send_buffer: usize,
    ) -> Result<TlsSession, ConnectError> {
        match *config {}
    }

    pub(crate) fn handshake(&mut self, _: &mut TcpStream) -> Result<Handshake, ConnectError> {
        match *self {}
    }

    pub(crate) fn read(
        &mut self,
        _: &mut TcpStream,
        _: &mut [u8],
    ) -> io::Result<(usize, Option<PeerClose>)> {
        match *self {}
    }

    pub(crate) fn write(&mut self, _: &mut TcpStream, _: &[u8]) -> io::Result<usize> {
        match *self {}
    }

    pub(crate) fn flush(&mut self, _: &mut TcpStream) -> io::Result<()> {
        match *self {}
    }

    pub(crate) fn wants_write(&self) -> bool {
        match *self {}
    }

    pub(crate) fn close_notify(&mut self, _: &mut TcpStream) {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{AcsConnection, ConnectOptions};
    use cwmp_core::http::url::Url;
    use mio::{Poll, Token};

    #[test]
    fn no_configuration_can_be_built() {
        assert!(matches!(
            TlsSettings::default().build(),
            Err(TlsError::NotBuiltIn)
        ));
    }

    #[test]
    fn https_urls_are_refused_before_any_socket() {
        let poll = Poll::new().unwrap();
        let url = Url::parse("https://127.0.0.1:1/acs").unwrap();
        let err = AcsConnection::open(
            &url,
            None,
            &ConnectOptions::default(),
            poll.registry(),
            Token(1),
            None,
            std::time::Instant::now(),
        )
        .unwrap_err();
        assert!(matches!(err, ConnectError::TlsNotBuiltIn), "{err}");
        assert_eq!(
            err.to_string(),
            "https URL but this cwmpd was built without TLS support"
        );
    }
}
