//! The rustls implementation of the TLS layer (built with the `tls` feature).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use std::io::{Read, Write};

use mio::net::TcpStream;

use super::{BundledRoots, ClientIdentity, Handshake, TlsSettings, Verification};
use crate::net::connection::{ConnectError, PeerClose};

/// Why the TLS configuration cannot be built; each names the file at fault.
#[derive(Debug)]
pub enum TlsError {
    /// A CA file, CA directory, certificate or key cannot be read.
    Unreadable {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        error: io::Error,
    },
    /// A file is not valid PEM.
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file holds no certificate (CA file, client certificate) or no private key.
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The trust store is empty: no CA configured, none usable, and no bundled roots.
    NoRoots,
    /// rustls refused the client certificate and key (wrong key type, or a mismatch).
    ClientIdentity {
        /// The certificate file.
        cert: PathBuf,
        /// rustls' reason.
        error: rustls::Error,
    },
    /// rustls refused the protocol versions (cannot happen with the ring provider).
    Config(rustls::Error),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            TlsError::BadPem { path, reason } => {
                write!(f, "{} is not valid PEM: {reason}", path.display())
            }
            TlsError::Empty { path } => write!(f, "{} holds nothing usable", path.display()),
            TlsError::NoRoots => f.write_str("no trusted root certificates configured"),
            TlsError::ClientIdentity { cert, error } => {
                write!(
                    f,
                    "client certificate {} not usable: {error}",
                    cert.display()
                )
            }
            TlsError::Config(e) => write!(f, "TLS configuration refused: {e}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// A built TLS client configuration, cheap to clone and share between connections.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    config: Arc<ClientConfig>,
    verification: Verification,
}

impl TlsConfig {
    /// The rustls configuration.
    pub fn client_config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Whether certificates are checked.
    pub fn verification(&self) -> Verification {
        self.verification
    }
}

impl TlsSettings {
    /// Loads the files and builds the shared client configuration.
    pub fn build(&self) -> Result<TlsConfig, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(TlsError::Config)?;
        let builder = match self.verification {
            Verification::Verify => builder.with_root_certificates(self.root_store()?),
            Verification::Insecure => {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate {
                        algorithms: provider.signature_verification_algorithms,
                    }))
            }
        };
        let config = match &self.client_identity {
            None => builder.with_no_client_auth(),
            Some(id) => {
                let (chain, key) = load_identity(id)?;
                builder.with_client_auth_cert(chain, key).map_err(|error| {
                    TlsError::ClientIdentity {
                        cert: id.cert.clone(),
                        error,
                    }
                })?
            }
        };
        Ok(TlsConfig {
            config: Arc::new(config),
            verification: self.verification,
        })
    }

    fn root_store(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        if let Some(path) = &self.ca_path {
            let meta = fs::metadata(path).map_err(|error| TlsError::Unreadable {
                path: path.clone(),
                error,
            })?;
            if meta.is_dir() {
                add_ca_directory(&mut roots, path)?;
            } else if add_ca_file(&mut roots, path)? == 0 {
                return Err(TlsError::Empty { path: path.clone() });
            }
        }
        if self.bundled_roots == BundledRoots::Include {
            add_bundled(&mut roots);
        }
        if roots.is_empty() {
            return Err(TlsError::NoRoots);
        }
        log::debug!("TLS trust store holds {} roots", roots.len());
        Ok(roots)
    }
}

#[cfg(feature = "webpki-roots")]
fn add_bundled(roots: &mut RootCertStore) {
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
}

#[cfg(not(feature = "webpki-roots"))]
fn add_bundled(_roots: &mut RootCertStore) {
    log::debug!("built without the webpki-roots feature: no bundled roots");
}

/// Adds every CA certificate of one PEM file; returns how many were added. A file with a
/// bad PEM section adds nothing.
///
/// The file is read one certificate at a time: a bundle (`ca-certificates.crt`, ~220 KiB of
/// PEM, ~150 KiB of DER) is never held whole. Holding it raised the start-up heap peak by
/// ~370 KiB over what stays (the trust anchors), and an allocator that keeps freed memory
/// (glibc's) kept much of that resident.
fn add_ca_file(roots: &mut RootCertStore, path: &Path) -> Result<usize, TlsError> {
    let file = fs::File::open(path).map_err(|error| TlsError::Unreadable {
        path: path.to_path_buf(),
        error,
    })?;
    let mut from_file = RootCertStore::empty();
    for cert in CertificateDer::pem_reader_iter(file) {
        let cert = cert.map_err(|e| TlsError::BadPem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let (ok, _) = from_file.add_parsable_certificates([cert]);
        if ok == 0 {
            log::warn!("{}: a certificate is not a usable CA", path.display());
        }
    }
    let mut added = 0;
    for anchor in from_file.roots {
        // /etc/ssl/certs carries each root twice (its own file and the bundle): keep one.
        if roots.roots.contains(&anchor) {
            continue;
        }
        roots.roots.push(anchor);
        added += 1;
    }
    Ok(added)
}

/// Adds the `*.pem` and `*.crt` files of a directory (or, when there are none, the OpenSSL
/// hash links `xxxxxxxx.N`). A file that cannot be used is logged and skipped: one stray file
/// in `/etc/ssl/certs` must not cut the CPE off its ACS.
fn add_ca_directory(roots: &mut RootCertStore, dir: &Path) -> Result<(), TlsError> {
    let unreadable = |error| TlsError::Unreadable {
        path: dir.to_path_buf(),
        error,
    };
    let mut named = Vec::new();
    let mut hashed = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if !path.is_file() {
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("pem" | "crt") => named.push(path),
            _ if is_hash_link(&path) => hashed.push(path),
            _ => {}
        }
    }
    let mut files = if named.is_empty() { hashed } else { named };
    files.sort();
    for path in files {
        if let Err(e) = add_ca_file(roots, &path) {
            log::warn!("skipping CA file: {e}");
        }
    }
    Ok(())
}

/// `0a1b2c3d.0`: the name OpenSSL's `c_rehash` gives a CA link.
fn is_hash_link(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some((hash, n)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let data = fs::read(path).map_err(|error| TlsError::Unreadable {
        path: path.to_path_buf(),
        error,
    })?;
    CertificateDer::pem_slice_iter(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadPem {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

fn load_identity(
    id: &ClientIdentity,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let chain = read_certificates(&id.cert)?;
    if chain.is_empty() {
        return Err(TlsError::Empty {
            path: id.cert.clone(),
        });
    }
    let data = fs::read(&id.key).map_err(|error| TlsError::Unreadable {
        path: id.key.clone(),
        error,
    })?;
    let key = PrivateKeyDer::from_pem_slice(&data).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::Empty {
            path: id.key.clone(),
        },
        other => TlsError::BadPem {
            path: id.key.clone(),
            reason: other.to_string(),
        },
    })?;
    Ok((chain, key))
}

/// `insecure_enable`: any certificate is accepted, but the handshake signatures are still
/// checked so the session keys are at least bound to the certificate the server sent.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The TLS state of one connection.
pub(crate) struct TlsSession(rustls::ClientConnection);

impl From<rustls::Error> for ConnectError {
    fn from(e: rustls::Error) -> Self {
        match e {
            rustls::Error::InvalidCertificate(c) => ConnectError::Certificate(c),
            rustls::Error::AlertReceived(a) => ConnectError::AlertReceived(a),
            other => ConnectError::Tls(other),
        }
    }
}

impl TlsSession {
    /// A client session for `host` (SNI and the name the certificate must carry); at most
    /// `send_buffer` bytes of output are queued.
    pub(crate) fn new(
        config: &TlsConfig,
        host: &str,
        send_buffer: usize,
    ) -> Result<TlsSession, ConnectError> {
        let name =
            ServerName::try_from(host.to_owned()).map_err(|_| ConnectError::InvalidServerName)?;
        if config.verification() == Verification::Insecure {
            log::warn!(
                "TLS certificate verification is DISABLED (insecure_enable): {host} is not authenticated"
            );
        }
        let mut conn = rustls::ClientConnection::new(config.client_config().clone(), name)?;
        conn.set_buffer_limit(Some(send_buffer));
        Ok(TlsSession(conn))
    }

    /// Moves the handshake as far as the socket allows.
    pub(crate) fn handshake(&mut self, stream: &mut TcpStream) -> Result<Handshake, ConnectError> {
        let tls = &mut self.0;
        loop {
            let mut progress = false;
            while tls.wants_write() {
                match tls.write_tls(stream) {
                    Ok(0) => return Err(ConnectError::Io(io::ErrorKind::WriteZero.into())),
                    Ok(_) => progress = true,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(ConnectError::Io(e)),
                }
            }
            if !tls.is_handshaking() {
                log::debug!(
                    "TLS established: {:?} {:?}",
                    tls.protocol_version(),
                    tls.negotiated_cipher_suite().map(|s| s.suite())
                );
                return Ok(Handshake::Done);
            }
            if tls.wants_read() {
                match tls.read_tls(stream) {
                    Ok(0) => return Err(ConnectError::ClosedDuringHandshake),
                    Ok(_) => {
                        progress = true;
                        if let Err(e) = tls.process_new_packets() {
                            // Best effort: tell the server why (the alert is queued).
                            let _ = tls.write_tls(stream);
                            return Err(e.into());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => progress = true,
                    Err(e) => return Err(ConnectError::Io(e)),
                }
            }
            if !progress {
                return Ok(Handshake::Pending);
            }
        }
    }

    /// Reads plaintext into `buf` (not empty). `Ok((0, Some(how)))`: the peer closed.
    /// A TLS failure is an `InvalidData` error carrying the `rustls::Error`.
    pub(crate) fn read(
        &mut self,
        stream: &mut TcpStream,
        buf: &mut [u8],
    ) -> io::Result<(usize, Option<PeerClose>)> {
        let tls = &mut self.0;
        loop {
            match tls.reader().read(buf) {
                Ok(0) => return Ok((0, Some(PeerClose::Clean))),
                Ok(n) => return Ok((n, None)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    log::debug!("peer closed the TLS connection without close_notify");
                    return Ok((0, Some(PeerClose::WithoutCloseNotify)));
                }
                Err(e) => return Err(e),
            }
            // Records are pulled only when the plaintext is wanted, so rustls holds at most
            // one record beyond what the caller reads.
            match tls.read_tls(stream) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if let Err(e) = tls.process_new_packets() {
                let _ = tls.write_tls(stream);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            // Post-handshake messages (tickets, key updates) may want an answer.
            flush(tls, stream)?;
        }
    }

    /// Encrypts what fits of `data` and flushes what the socket takes; returns the bytes
    /// accepted.
    pub(crate) fn write(&mut self, stream: &mut TcpStream, data: &[u8]) -> io::Result<usize> {
        // Make room first, so a full queue after a writable event accepts new bytes.
        self.flush(stream)?;
        let n = self.0.writer().write(data)?;
        self.flush(stream)?;
        Ok(n)
    }

    /// Pushes queued output to the socket until it would block.
    pub(crate) fn flush(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        flush(&mut self.0, stream)
    }

    /// True while output is queued.
    pub(crate) fn wants_write(&self) -> bool {
        self.0.wants_write()
    }

    /// Queues `close_notify` and sends what the socket takes.
    pub(crate) fn close_notify(&mut self, stream: &mut TcpStream) {
        self.0.send_close_notify();
        if let Err(e) = self.flush(stream) {
            log::debug!("close_notify not sent: {e}");
        }
    }
}

/// Pushes queued output of `tls` to the socket until it would block.
fn flush(tls: &mut rustls::ClientConnection, stream: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(stream) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cwmp-tls-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn missing_ca_file_names_the_file() {
        let s = TlsSettings {
            ca_path: Some(PathBuf::from("/nonexistent/ca.pem")),
            bundled_roots: BundledRoots::Exclude,
            ..TlsSettings::default()
        };
        match s.build() {
            Err(e @ TlsError::Unreadable { .. }) => {
                assert!(e.to_string().contains("/nonexistent/ca.pem"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_pem_names_the_file() {
        let dir = temp_dir("badpem");
        let path = dir.join("ca.pem");
        fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let s = TlsSettings {
            ca_path: Some(path.clone()),
            bundled_roots: BundledRoots::Exclude,
            ..TlsSettings::default()
        };
        match s.build() {
            Err(TlsError::BadPem { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ca_file_without_certificates_is_empty() {
        let dir = temp_dir("emptyca");
        let path = dir.join("ca.pem");
        fs::write(&path, "nothing here\n").unwrap();
        let s = TlsSettings {
            ca_path: Some(path.clone()),
            bundled_roots: BundledRoots::Exclude,
            ..TlsSettings::default()
        };
        assert!(matches!(s.build(), Err(TlsError::Empty { path: p }) if p == path));
    }

    #[test]
    fn no_ca_and_no_bundled_roots_is_no_roots() {
        let s = TlsSettings {
            bundled_roots: BundledRoots::Exclude,
            ..TlsSettings::default()
        };
        assert!(matches!(s.build(), Err(TlsError::NoRoots)));
        let dir = temp_dir("emptydir");
        let s = TlsSettings {
            ca_path: Some(dir),
            bundled_roots: BundledRoots::Exclude,
            ..TlsSettings::default()
        };
        assert!(matches!(s.build(), Err(TlsError::NoRoots)));
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn bundled_roots_alone_are_enough() {
        let tls = TlsSettings::default().build().unwrap();
        assert_eq!(tls.verification(), Verification::Verify);
    }

    #[test]
    fn insecure_needs_no_roots() {
        let s = TlsSettings {
            bundled_roots: BundledRoots::Exclude,
            verification: Verification::Insecure,
            ..TlsSettings::default()
        };
        assert_eq!(s.build().unwrap().verification(), Verification::Insecure);
    }

    #[test]
    fn missing_client_key_names_the_file() {
        let s = TlsSettings {
            verification: Verification::Insecure,
            client_identity: Some(ClientIdentity {
                cert: PathBuf::from("/nonexistent/client.pem"),
                key: PathBuf::from("/nonexistent/client.key"),
            }),
            ..TlsSettings::default()
        };
        assert!(matches!(
            s.build(),
            Err(TlsError::Unreadable { path, .. }) if path == Path::new("/nonexistent/client.pem")
        ));
    }

    #[test]
    fn hash_links_are_recognised() {
        assert!(is_hash_link(Path::new("/etc/ssl/certs/0a1b2c3d.0")));
        assert!(is_hash_link(Path::new("3513523f.12")));
        assert!(!is_hash_link(Path::new("ca-certificates.crt")));
        assert!(!is_hash_link(Path::new("0a1b2c3d.pem")));
    }
}
