//! A blocking, cancellable byte stream for a transfer worker, built on [`AcsConnection`].
//!
//! Responsible for giving the worker thread plain `read`/`write_all` calls over the same
//! connection code the event loop uses (resolution, connect and handshake timeouts, TLS), with
//! a silence timeout on every call and prompt cancellation: the worker owns a private
//! `mio::Poll` whose waker the transfer handle fires. Not responsible for HTTP.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cwmp_core::http::url::Url;
use mio::{Events, Poll, Token, Waker};

use crate::net::{AcsConnection, ConnState, ConnectError, ConnectOptions, TlsConfig};

/// Token of the worker's waker (cancellation and resolver answers).
pub(crate) const WAKE: Token = Token(0);
/// Token of the worker's socket.
const SOCKET: Token = Token(1);

/// Why a blocking call did not complete.
#[derive(Debug)]
pub(crate) enum LinkError {
    /// The transfer handle asked the worker to stop.
    Cancelled,
    /// The connection could not be established.
    Connect(ConnectError),
    /// Nothing moved for the whole silence timeout.
    Timeout,
    /// A socket or TLS error once established.
    Io(io::Error),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Cancelled => f.write_str("cancelled"),
            LinkError::Connect(e) => write!(f, "{e}"),
            LinkError::Timeout => f.write_str("the server went silent"),
            LinkError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What a worker needs to open connections: its poll, waker and stop flag.
pub(crate) struct Reactor {
    poll: Poll,
    events: Events,
    waker: Arc<Waker>,
    cancel: Arc<AtomicBool>,
}

impl Reactor {
    /// Wraps the worker's poll (with `waker` registered on it under [`WAKE`]).
    pub(crate) fn new(poll: Poll, waker: Arc<Waker>, cancel: Arc<AtomicBool>) -> Self {
        Reactor {
            poll,
            events: Events::with_capacity(4),
            waker,
            cancel,
        }
    }

    /// True once cancellation was requested.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Acquire)
    }

    /// Waits for an event or until `until`; fails if cancelled.
    fn wait(&mut self, until: Option<Instant>) -> Result<(), LinkError> {
        if self.cancelled() {
            return Err(LinkError::Cancelled);
        }
        let timeout = until.map(|t| t.saturating_duration_since(Instant::now()));
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LinkError::Io(e)),
        }
        if self.cancelled() {
            return Err(LinkError::Cancelled);
        }
        Ok(())
    }
}

/// One established connection of a worker.
pub(crate) struct Link<'r> {
    reactor: &'r mut Reactor,
    conn: AcsConnection,
    silence: Duration,
}

impl<'r> Link<'r> {
    /// Connects (resolution, TCP, TLS) and blocks until established, failed or cancelled.
    pub(crate) fn open(
        reactor: &'r mut Reactor,
        url: &Url<'_>,
        tls: Option<&TlsConfig>,
        options: &ConnectOptions,
        silence: Duration,
    ) -> Result<Self, LinkError> {
        let conn = AcsConnection::open(
            url,
            tls,
            options,
            reactor.poll.registry(),
            SOCKET,
            Some(reactor.waker.clone()),
            Instant::now(),
        )
        .map_err(LinkError::Connect)?;
        let mut link = Link {
            reactor,
            conn,
            silence,
        };
        loop {
            if link.conn.state() == ConnState::Established {
                return Ok(link);
            }
            let deadline = link.conn.deadline();
            if let Err(e) = link.reactor.wait(deadline) {
                link.close();
                return Err(e);
            }
            link.conn
                .drive(link.reactor.poll.registry(), Instant::now())
                .map_err(LinkError::Connect)?;
        }
    }

    /// Reads at least one byte into `buf`, or `Ok(0)` when the peer closed.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, LinkError> {
        let deadline = Instant::now() + self.silence;
        loop {
            if self.reactor.cancelled() {
                return Err(LinkError::Cancelled);
            }
            match self.conn.read_into(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LinkError::Io(e)),
            }
            if Instant::now() >= deadline {
                return Err(LinkError::Timeout);
            }
            self.reactor.wait(Some(deadline))?;
        }
    }

    /// Writes all of `data` (and any queued TLS output), waiting while the socket is full.
    pub(crate) fn write_all(&mut self, mut data: &[u8]) -> Result<(), LinkError> {
        let mut deadline = Instant::now() + self.silence;
        while !data.is_empty() {
            if self.reactor.cancelled() {
                return Err(LinkError::Cancelled);
            }
            let n = self.conn.write(data).map_err(LinkError::Io)?;
            if n > 0 {
                data = data.get(n..).unwrap_or(&[]);
                deadline = Instant::now() + self.silence;
                continue;
            }
            if Instant::now() >= deadline {
                return Err(LinkError::Timeout);
            }
            self.reactor.wait(Some(deadline))?;
        }
        self.flush()
    }

    /// Waits until queued TLS output has reached the socket.
    pub(crate) fn flush(&mut self) -> Result<(), LinkError> {
        let deadline = Instant::now() + self.silence;
        while !self.conn.flush().map_err(LinkError::Io)? {
            if Instant::now() >= deadline {
                return Err(LinkError::Timeout);
            }
            self.reactor.wait(Some(deadline))?;
        }
        Ok(())
    }

    /// Closes the connection (close_notify, shutdown).
    pub(crate) fn close(mut self) {
        self.conn.close(self.reactor.poll.registry());
    }
}

impl Drop for Link<'_> {
    fn drop(&mut self) {
        self.conn.close(self.reactor.poll.registry());
    }
}
