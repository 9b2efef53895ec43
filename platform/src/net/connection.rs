//! The CPE's connection to the ACS (or to a file server), driven by a mio event loop.
//!
//! Responsible for getting from a URL to a byte stream without ever blocking: resolving the
//! host off-thread, a non-blocking TCP connect to each address in turn with a timeout per
//! attempt, the TLS handshake (rustls, SNI and certificate checks against the URL host) with a
//! timeout, then plaintext reads and backpressured writes, and an orderly close
//! (`close_notify`, then TCP shutdown). The phase is explicit in [`ConnState`] and every way a
//! connection can fail to come up is a [`ConnectError`]. Not responsible for HTTP (the caller
//! feeds and drains bytes, core parses them), nor for response timeouts once established (the
//! session layer owns those), nor for reconnecting.
//!
//! # How the loop drives it
//!
//! 1. [`AcsConnection::open`] with the loop's registry, a token and the loop's waker (the
//!    loop keeps its own `Arc` of the waker: a `mio::Waker` unregisters itself when the last
//!    reference goes). An `Err` here is a failed connection like one from `drive` (an IP
//!    literal is tried at once, so a refusal on loopback can already show up here).
//! 2. Whenever an event for that token arrives, the waker fires, or [`AcsConnection::deadline`]
//!    has passed: [`AcsConnection::drive`]. It returns the new [`ConnState`] or the error that
//!    ended the attempt (the connection is then closed and deregistered).
//! 3. Once `Established`: [`AcsConnection::write`] the request (it accepts what fits and
//!    returns how much; keep the rest and retry after the next event), and on every event call
//!    [`AcsConnection::read_into`] until it returns `WouldBlock` (readiness is edge-triggered).
//!    `Ok(0)` means the peer closed the connection.
//! 4. [`AcsConnection::close`] when done.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cwmp_core::http::url::Url;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token, Waker};

use super::resolve::{Lookup, Resolution, ResolveError};
use super::tls::{Handshake, TlsConfig, TlsSession};

/// Bytes of TLS output queued before [`AcsConnection::write`] pushes back: one caller buffer.
pub const DEFAULT_SEND_BUFFER: usize = 16 * 1024;

/// Timeouts and buffer sizes of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    /// How long the host-name lookup may take.
    pub resolve_timeout: Duration,
    /// How long each TCP connect attempt (one per address) may take.
    pub connect_timeout: Duration,
    /// How long the TLS handshake may take once TCP is up.
    pub handshake_timeout: Duration,
    /// Most TLS output bytes queued before `write` accepts nothing more.
    pub send_buffer: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            resolve_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(15),
            send_buffer: DEFAULT_SEND_BUFFER,
        }
    }
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Waiting for the host-name lookup.
    Resolving,
    /// TCP connect in progress.
    Connecting,
    /// TLS handshake in progress.
    Handshaking,
    /// Ready for application bytes.
    Established,
    /// Closed (by [`AcsConnection::close`] or after an error).
    Closed,
}

/// How the peer ended the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerClose {
    /// TCP FIN on a plain connection, or TLS `close_notify`.
    Clean,
    /// TCP FIN without `close_notify` on a TLS connection (common; HTTP framing tells whether
    /// anything was lost).
    WithoutCloseNotify,
}

/// Why a connection could not be established. Every case fails the CWMP session.
#[derive(Debug)]
pub enum ConnectError {
    /// An `https:` URL but no TLS configuration.
    TlsNotConfigured,
    /// An `https:` URL but this build has no TLS (the `tls` feature is off).
    TlsNotBuiltIn,
    /// The URL host is not a valid TLS server name.
    InvalidServerName,
    /// The host name did not resolve.
    Resolve(ResolveError),
    /// Every address refused or failed; the error of the last one.
    Connect {
        /// The last address tried.
        addr: SocketAddr,
        /// Its error.
        error: io::Error,
    },
    /// The last address did not answer within the connect timeout.
    ConnectTimeout {
        /// The last address tried.
        addr: SocketAddr,
    },
    /// The server certificate was rejected (unknown issuer, wrong host name, expired...).
    #[cfg(feature = "tls")]
    Certificate(rustls::CertificateError),
    /// The server sent a TLS alert (for example: it wants a client certificate).
    #[cfg(feature = "tls")]
    AlertReceived(rustls::AlertDescription),
    /// Any other TLS failure.
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
    /// The TLS handshake did not finish in time.
    HandshakeTimeout,
    /// The peer closed the connection during the TLS handshake.
    ClosedDuringHandshake,
    /// A socket error while handshaking.
    Io(io::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::TlsNotConfigured => f.write_str("https URL but TLS is not configured"),
            ConnectError::TlsNotBuiltIn => {
                f.write_str("https URL but this cwmpd was built without TLS support")
            }
            ConnectError::InvalidServerName => f.write_str("host is not a valid TLS server name"),
            ConnectError::Resolve(e) => write!(f, "{e}"),
            ConnectError::Connect { addr, error } => write!(f, "connect to {addr}: {error}"),
            ConnectError::ConnectTimeout { addr } => write!(f, "connect to {addr} timed out"),
            #[cfg(feature = "tls")]
            ConnectError::Certificate(e) => write!(f, "server certificate rejected: {e}"),
            #[cfg(feature = "tls")]
            ConnectError::AlertReceived(a) => write!(f, "TLS alert from server: {a:?}"),
            #[cfg(feature = "tls")]
            ConnectError::Tls(e) => write!(f, "TLS failure: {e}"),
            ConnectError::HandshakeTimeout => f.write_str("TLS handshake timed out"),
            ConnectError::ClosedDuringHandshake => {
                f.write_str("connection closed during the TLS handshake")
            }
            ConnectError::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

impl std::error::Error for ConnectError {}

enum Phase {
    Resolving(Resolution),
    Connecting {
        stream: TcpStream,
        addrs: Vec<SocketAddr>,
        index: usize,
        deadline: Instant,
    },
    Handshaking {
        stream: TcpStream,
        deadline: Instant,
    },
    Established {
        stream: TcpStream,
    },
    Closed,
}

/// A non-blocking client connection, plain TCP for `http:` and TLS for `https:`.
pub struct AcsConnection {
    phase: Phase,
    tls: Option<TlsSession>,
    port: u16,
    token: Token,
    options: ConnectOptions,
    peer_close: Option<PeerClose>,
}

impl fmt::Debug for AcsConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcsConnection")
            .field("state", &self.state())
            .field("tls", &self.tls.is_some())
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl AcsConnection {
    /// Starts connecting to the host and port of `url` (TLS when it is `https:`, using `tls`).
    /// The lookup wakes `waker` when it finishes; sockets are registered in `registry` under
    /// `token`. Already makes the first step, so the connection may come back `Connecting`.
    pub fn open(
        url: &Url<'_>,
        tls: Option<&TlsConfig>,
        options: &ConnectOptions,
        registry: &Registry,
        token: Token,
        waker: Option<Arc<Waker>>,
        now: Instant,
    ) -> Result<Self, ConnectError> {
        let tls = if url.is_secure() {
            let Some(config) = tls else {
                return Err(if cfg!(feature = "tls") {
                    ConnectError::TlsNotConfigured
                } else {
                    ConnectError::TlsNotBuiltIn
                });
            };
            Some(TlsSession::new(config, url.host(), options.send_buffer)?)
        } else {
            None
        };
        let resolution =
            Resolution::start(url.host(), url.port(), now + options.resolve_timeout, waker)
                .map_err(ConnectError::Resolve)?;
        let mut conn = AcsConnection {
            phase: Phase::Resolving(resolution),
            tls,
            port: url.port(),
            token,
            options: *options,
            peer_close: None,
        };
        conn.drive(registry, now)?;
        Ok(conn)
    }

    /// The current phase.
    pub fn state(&self) -> ConnState {
        match self.phase {
            Phase::Resolving(_) => ConnState::Resolving,
            Phase::Connecting { .. } => ConnState::Connecting,
            Phase::Handshaking { .. } => ConnState::Handshaking,
            Phase::Established { .. } => ConnState::Established,
            Phase::Closed => ConnState::Closed,
        }
    }

    /// True once bytes can be exchanged (and the peer has not closed).
    pub fn is_connected(&self) -> bool {
        self.state() == ConnState::Established && self.peer_close.is_none()
    }

    /// True for a TLS connection.
    pub fn is_secure(&self) -> bool {
        self.tls.is_some()
    }

    /// The token the socket is registered under.
    pub fn token(&self) -> Token {
        self.token
    }

    /// Set once a read has seen the peer close.
    pub fn peer_close(&self) -> Option<PeerClose> {
        self.peer_close
    }

    /// The address connected to, once TCP is up.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match &self.phase {
            Phase::Handshaking { stream, .. } | Phase::Established { stream } => {
                stream.peer_addr().ok()
            }
            _ => None,
        }
    }

    /// The local address of the connection, once TCP is up: the address the ACS sees this
    /// device at (used for `ConnectionRequestURL`).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.phase {
            Phase::Handshaking { stream, .. } | Phase::Established { stream } => {
                stream.local_addr().ok()
            }
            _ => None,
        }
    }

    /// When [`AcsConnection::drive`] must be called even without an event (lookup, connect
    /// attempt or handshake timeout); `None` once established.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Resolving(r) => Some(r.deadline()),
            Phase::Connecting { deadline, .. } | Phase::Handshaking { deadline, .. } => {
                Some(*deadline)
            }
            Phase::Established { .. } | Phase::Closed => None,
        }
    }

    /// Moves the connection forward after an event, a wake-up or a deadline: collects the
    /// lookup, checks and retries connects, runs the handshake, flushes queued TLS output. On
    /// error the connection is closed and deregistered.
    pub fn drive(&mut self, registry: &Registry, now: Instant) -> Result<ConnState, ConnectError> {
        match self.step(registry, now) {
            Ok(state) => Ok(state),
            Err(e) => {
                log::debug!("connection failed: {e}");
                self.teardown(registry);
                Err(e)
            }
        }
    }

    fn step(&mut self, registry: &Registry, now: Instant) -> Result<ConnState, ConnectError> {
        loop {
            let before = self.state();
            match &mut self.phase {
                Phase::Resolving(r) => match r.poll(now) {
                    Lookup::Pending => {}
                    Lookup::Done(addrs) => self.start_connect(registry, addrs, 0, now, None)?,
                    Lookup::Failed(e) => return Err(ConnectError::Resolve(e)),
                },
                Phase::Connecting { .. } => self.check_connect(registry, now)?,
                Phase::Handshaking { .. } => self.handshake(now)?,
                Phase::Established { .. } => {
                    self.flush().map_err(ConnectError::Io)?;
                }
                Phase::Closed => {}
            }
            let after = self.state();
            if after == before {
                return Ok(after);
            }
        }
    }

    /// Opens a socket to the first address from `index` on that accepts a connect call.
    fn start_connect(
        &mut self,
        registry: &Registry,
        addrs: Vec<SocketAddr>,
        mut index: usize,
        now: Instant,
        mut last: Option<ConnectError>,
    ) -> Result<(), ConnectError> {
        while let Some(&addr) = addrs.get(index) {
            log::debug!("connecting to {addr}");
            match TcpStream::connect(addr) {
                Ok(mut stream) => {
                    registry
                        .register(
                            &mut stream,
                            self.token,
                            Interest::READABLE | Interest::WRITABLE,
                        )
                        .map_err(ConnectError::Io)?;
                    self.phase = Phase::Connecting {
                        stream,
                        addrs,
                        index,
                        deadline: now + self.options.connect_timeout,
                    };
                    return Ok(());
                }
                Err(error) => last = Some(ConnectError::Connect { addr, error }),
            }
            index += 1;
        }
        Err(last.unwrap_or(ConnectError::Resolve(ResolveError::NotFound)))
    }

    fn check_connect(&mut self, registry: &Registry, now: Instant) -> Result<(), ConnectError> {
        let Phase::Connecting {
            stream,
            addrs,
            index,
            deadline,
        } = &mut self.phase
        else {
            return Ok(());
        };
        let addr = addrs.get(*index).copied();
        let failure = match stream.take_error() {
            Ok(Some(error)) | Err(error) => Some(error),
            Ok(None) => match stream.peer_addr() {
                Ok(_) => None,
                Err(e) if is_in_progress(&e) => {
                    if now < *deadline {
                        return Ok(());
                    }
                    Some(io::Error::from(io::ErrorKind::TimedOut))
                }
                Err(error) => Some(error),
            },
        };
        match failure {
            None => {
                if let Err(e) = stream.set_nodelay(true) {
                    log::debug!("TCP_NODELAY not set: {e}");
                }
                let Phase::Connecting { stream, .. } =
                    std::mem::replace(&mut self.phase, Phase::Closed)
                else {
                    return Ok(());
                };
                self.phase = if self.tls.is_some() {
                    Phase::Handshaking {
                        stream,
                        deadline: now + self.options.handshake_timeout,
                    }
                } else {
                    Phase::Established { stream }
                };
                Ok(())
            }
            Some(error) => {
                let Phase::Connecting {
                    mut stream,
                    addrs,
                    index,
                    ..
                } = std::mem::replace(&mut self.phase, Phase::Closed)
                else {
                    return Ok(());
                };
                deregister(registry, &mut stream);
                let addr = addr.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], self.port)));
                log::debug!("connect to {addr} failed: {error}");
                let err = if error.kind() == io::ErrorKind::TimedOut {
                    ConnectError::ConnectTimeout { addr }
                } else {
                    ConnectError::Connect { addr, error }
                };
                self.start_connect(registry, addrs, index + 1, now, Some(err))
            }
        }
    }

    fn handshake(&mut self, now: Instant) -> Result<(), ConnectError> {
        let (Phase::Handshaking { stream, deadline }, Some(tls)) = (&mut self.phase, &mut self.tls)
        else {
            return Ok(());
        };
        match tls.handshake(stream)? {
            Handshake::Done => {}
            Handshake::Pending if now >= *deadline => return Err(ConnectError::HandshakeTimeout),
            Handshake::Pending => return Ok(()),
        }
        let Phase::Handshaking { stream, .. } = std::mem::replace(&mut self.phase, Phase::Closed)
        else {
            return Ok(());
        };
        self.phase = Phase::Established { stream };
        Ok(())
    }

    /// Reads received application bytes into `buf`. `Ok(0)`: the peer closed the connection
    /// (see [`AcsConnection::peer_close`]); `WouldBlock`: nothing more until the next event.
    /// A TLS failure is an `InvalidData` error carrying the `rustls::Error`.
    pub fn read_into(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Phase::Established { stream } = &mut self.phase else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let Some(tls) = &mut self.tls else {
            return loop {
                match stream.read(buf) {
                    Ok(0) => {
                        self.peer_close = Some(PeerClose::Clean);
                        break Ok(0);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
        };
        let (n, closed) = tls.read(stream, buf)?;
        if closed.is_some() {
            self.peer_close = closed;
        }
        Ok(n)
    }

    /// Offers application bytes; returns how many were accepted (0 when the send side is
    /// full: keep the rest and offer it again after the next event for this token). Plain TCP
    /// writes straight to the socket; TLS encrypts into at most `send_buffer` queued bytes
    /// and flushes what the socket takes.
    pub fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let Phase::Established { stream } = &mut self.phase else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        let Some(tls) = &mut self.tls else {
            return loop {
                match stream.write(data) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(0),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
        };
        tls.write(stream, data)
    }

    /// Pushes queued TLS output to the socket; `Ok(true)` when nothing is left queued.
    pub fn flush(&mut self) -> io::Result<bool> {
        match (&mut self.phase, &mut self.tls) {
            (Phase::Established { stream }, Some(tls)) => {
                tls.flush(stream)?;
                Ok(!tls.wants_write())
            }
            _ => Ok(true),
        }
    }

    /// True while TLS output is queued (wait for a writable event and call `flush` or `drive`).
    pub fn has_pending_output(&self) -> bool {
        matches!(self.phase, Phase::Established { .. })
            && self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// Closes the connection: TLS `close_notify` (best effort, non-blocking), TCP shutdown,
    /// deregistration. Safe to call in any state and more than once.
    pub fn close(&mut self, registry: &Registry) {
        if let (Phase::Established { stream }, Some(tls)) = (&mut self.phase, &mut self.tls) {
            tls.close_notify(stream);
        }
        self.teardown(registry);
    }

    fn teardown(&mut self, registry: &Registry) {
        match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::Connecting { mut stream, .. }
            | Phase::Handshaking { mut stream, .. }
            | Phase::Established { mut stream } => {
                if let Err(e) = stream.shutdown(Shutdown::Both)
                    && e.kind() != io::ErrorKind::NotConnected
                {
                    log::debug!("shutdown: {e}");
                }
                deregister(registry, &mut stream);
            }
            Phase::Resolving(_) | Phase::Closed => {}
        }
    }
}

fn deregister(registry: &Registry, stream: &mut TcpStream) {
    if let Err(e) = registry.deregister(stream) {
        log::debug!("deregister: {e}");
    }
}

/// `peer_addr` on a socket whose connect has not finished: ENOTCONN (or EINPROGRESS).
fn is_in_progress(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotConnected
        || e.raw_os_error() == Some(rustix::io::Errno::INPROGRESS.raw_os_error())
}
