//! A blocking ubus caller: one Unix socket to ubusd, driven by `cwmp_core::ubus::Client`.
//!
//! Responsible for connecting (HELLO), looking objects up, invoking a method and collecting
//! every DATA reply until the final STATUS, all within a deadline; for dropping the socket on
//! any I/O or framing error (the next call connects again); and for keeping its buffers small
//! between calls. Not responsible for what the methods mean (`bbfdm`). It serves nothing:
//! the daemon's own `tr069` object lives on its other, non-blocking connection.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use cwmp_core::time::Instant;
use cwmp_core::ubus::blob::{EncodeError, Writer};
use cwmp_core::ubus::blobmsg::Table;
use cwmp_core::ubus::client::{Client, Config, Event, RequestId};
use cwmp_core::ubus::msg::{Framing, Status};

use crate::dm::limits::{BBFDM_MAX_FRAME_LEN, BBFDM_RX_KEEP, BBFDM_TX_LEN};

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Why a call did not complete.
#[derive(Debug)]
pub enum CallError {
    /// The socket failed or closed.
    Io(io::Error),
    /// No final status within the timeout.
    Timeout,
    /// ubusd or the object answered with this status.
    Status(Status),
    /// ubusd sent something the client cannot accept (the connection was dropped).
    Protocol(String),
    /// The request does not fit the transmit buffer.
    TooLarge,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Io(e) => write!(f, "ubus socket: {e}"),
            CallError::Timeout => f.write_str("ubus call timed out"),
            CallError::Status(s) => write!(f, "ubus status {} ({})", s.code(), s.text()),
            CallError::Protocol(e) => write!(f, "ubus protocol error: {e}"),
            CallError::TooLarge => f.write_str("ubus request too large"),
        }
    }
}

/// An object found by [`Caller::lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its id on the current connection.
    pub id: u32,
    /// The method names its signature announces.
    pub methods: Vec<String>,
}

struct Link {
    stream: UnixStream,
    client: Client,
    /// Received bytes; frames start at `start`.
    rx: Vec<u8>,
    start: usize,
    tx: Vec<u8>,
}

/// What a wait collects besides the final status.
enum Collect<'c> {
    Data(&'c mut dyn FnMut(Table<'_>)),
    Objects(&'c mut Vec<Target>),
}

/// A lazily connected, blocking ubus caller.
pub struct Caller {
    socket: PathBuf,
    timeout: Duration,
    link: Option<Link>,
    epoch: std::time::Instant,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("socket", &self.socket)
            .field("timeout", &self.timeout)
            .field("connected", &self.link.is_some())
            .finish()
    }
}

impl Caller {
    /// A caller of ubusd at `socket`; every call (and the connection) must finish within
    /// `timeout`.
    pub fn new(socket: PathBuf, timeout: Duration) -> Caller {
        Caller {
            socket,
            timeout,
            link: None,
            epoch: std::time::Instant::now(),
        }
    }

    /// Drops the connection; the next call connects again.
    pub fn disconnect(&mut self) {
        self.link = None;
    }

    fn connect(&mut self) -> Result<(), CallError> {
        if self.link.is_some() {
            return Ok(());
        }
        let stream = UnixStream::connect(&self.socket).map_err(CallError::Io)?;
        stream
            .set_write_timeout(Some(self.timeout))
            .map_err(CallError::Io)?;
        let mut config = Config::new(None);
        config.request_timeout = self.timeout;
        config.max_frame_len = BBFDM_MAX_FRAME_LEN;
        let client = Client::new(config).map_err(|e| CallError::Protocol(e.to_string()))?;
        let mut link = Link {
            stream,
            client,
            rx: Vec::with_capacity(READ_CHUNK),
            start: 0,
            tx: vec![0; BBFDM_TX_LEN],
        };
        let deadline = now_of(self.epoch) + self.timeout;
        while link.client.client_id().is_none() {
            let now = now_of(self.epoch);
            if now >= deadline {
                return Err(CallError::Timeout);
            }
            read_some(&mut link, deadline, now)?;
            drain_frames(&mut link, None, &mut Collect::Objects(&mut Vec::new()))?;
        }
        self.link = Some(link);
        Ok(())
    }

    /// Runs `f` on the connected link; a failure other than a status or a timeout drops the
    /// connection.
    fn with_link<T>(
        &mut self,
        f: impl FnOnce(&mut Link, std::time::Instant) -> Result<T, CallError>,
    ) -> Result<T, CallError> {
        self.connect()?;
        let epoch = self.epoch;
        let Some(link) = self.link.as_mut() else {
            return Err(CallError::Io(io::ErrorKind::NotConnected.into()));
        };
        let result = f(link, epoch);
        // Replies too large for everyday calls do not keep their buffer.
        if link.rx.capacity() > BBFDM_RX_KEEP && link.rx.len() <= BBFDM_RX_KEEP {
            link.rx.shrink_to(BBFDM_RX_KEEP);
        }
        if matches!(result, Err(CallError::Io(_) | CallError::Protocol(_))) {
            self.link = None;
        }
        result
    }

    /// Looks up the object `path` (exact name): its id and method names. `NotFound` when no
    /// such object is registered.
    pub fn lookup(&mut self, path: &str) -> Result<Target, CallError> {
        self.with_link(|link, epoch| {
            let tx = link
                .client
                .lookup(Some(path), now_of(epoch), &mut link.tx)
                .map_err(|_| CallError::TooLarge)?;
            send(link, tx.len)?;
            let mut found = Vec::new();
            let status = wait(link, tx.request, epoch, &mut Collect::Objects(&mut found))?;
            match (status, found.into_iter().next()) {
                (Status::Ok, Some(t)) => Ok(t),
                (Status::Ok, None) => Err(CallError::Status(Status::NotFound)),
                (s, _) => Err(CallError::Status(s)),
            }
        })
    }

    /// Calls `method` of object `id` with the argument members `args` writes, handing each DATA
    /// reply to `on_data`; `Ok` when the final status is `Ok`.
    pub fn call(
        &mut self,
        id: u32,
        method: &str,
        args: &dyn Fn(&mut Writer<'_>) -> Result<(), EncodeError>,
        on_data: &mut dyn FnMut(Table<'_>),
    ) -> Result<(), CallError> {
        self.with_link(|link, epoch| {
            let tx = link
                .client
                .invoke_with(id, method, now_of(epoch), &mut link.tx, args)
                .map_err(|_| CallError::TooLarge)?;
            send(link, tx.len)?;
            match wait(link, tx.request, epoch, &mut Collect::Data(on_data))? {
                Status::Ok => Ok(()),
                s => Err(CallError::Status(s)),
            }
        })
    }
}

fn now_of(epoch: std::time::Instant) -> Instant {
    Instant::from_millis(u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
}

fn send(link: &mut Link, len: usize) -> Result<(), CallError> {
    let bytes = link.tx.get(..len).ok_or(CallError::TooLarge)?;
    link.stream.write_all(bytes).map_err(CallError::Io)
}

/// Reads what arrives before `deadline` (at most one chunk) into the receive buffer.
fn read_some(link: &mut Link, deadline: Instant, now: Instant) -> Result<(), CallError> {
    let wait_ms = deadline.as_millis().saturating_sub(now.as_millis()).max(1);
    link.stream
        .set_read_timeout(Some(Duration::from_millis(wait_ms)))
        .map_err(CallError::Io)?;
    if link.start > 0 {
        link.rx.drain(..link.start);
        link.start = 0;
    }
    if link.rx.len() > BBFDM_MAX_FRAME_LEN + READ_CHUNK {
        return Err(CallError::Protocol("frame larger than the limit".into()));
    }
    let old = link.rx.len();
    link.rx.resize(old + READ_CHUNK, 0);
    let result = link.stream.read(link.rx.get_mut(old..).unwrap_or_default());
    match result {
        Ok(0) => {
            link.rx.truncate(old);
            Err(CallError::Io(io::ErrorKind::UnexpectedEof.into()))
        }
        Ok(n) => {
            link.rx.truncate(old + n);
            Ok(())
        }
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            link.rx.truncate(old);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            link.rx.truncate(old);
            Ok(())
        }
        Err(e) => {
            link.rx.truncate(old);
            Err(CallError::Io(e))
        }
    }
}

/// Handles every complete frame in the buffer; returns the final status of `request` if it
/// came.
fn drain_frames(
    link: &mut Link,
    request: Option<RequestId>,
    collect: &mut Collect<'_>,
) -> Result<Option<Status>, CallError> {
    let mut done = None;
    loop {
        let pending = link.rx.get(link.start..).unwrap_or_default();
        let len = match link.client.frame_len(pending) {
            Ok(Framing::Complete { len }) => len,
            Ok(Framing::Partial { .. }) => return Ok(done),
            Err(e) => return Err(CallError::Protocol(e.to_string())),
        };
        let frame = link
            .rx
            .get(link.start..link.start + len)
            .ok_or_else(|| CallError::Protocol("frame length".into()))?;
        match link.client.handle_frame(frame) {
            Ok(Some(Event::Data { request: r, data })) if Some(r) == request => {
                if let Collect::Data(f) = collect {
                    f(data);
                }
            }
            Ok(Some(Event::Object { request: r, object })) if Some(r) == request => {
                if let Collect::Objects(found) = collect {
                    let methods = object
                        .signature
                        .map(|sig| {
                            sig.iter()
                                .filter_map(|f| f.name_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    found.push(Target {
                        id: object.id,
                        methods,
                    });
                }
            }
            Ok(Some(Event::Done { request: r, status })) if Some(r) == request => {
                done = Some(status);
            }
            Ok(_) => {}
            Err(e) if e.is_fatal() => return Err(CallError::Protocol(e.to_string())),
            Err(e) => log::debug!("ubus: frame ignored: {e}"),
        }
        link.start += len;
    }
}

/// Waits for the final status of `request`, collecting replies.
fn wait(
    link: &mut Link,
    request: RequestId,
    epoch: std::time::Instant,
    collect: &mut Collect<'_>,
) -> Result<Status, CallError> {
    loop {
        if let Some(status) = drain_frames(link, Some(request), collect)? {
            return Ok(status);
        }
        let now = now_of(epoch);
        while let Some(event) = link.client.poll_event(now) {
            if let Event::Done { request: r, status } = event
                && r == request
            {
                return match status {
                    Status::Timeout => Err(CallError::Timeout),
                    s => Ok(s),
                };
            }
        }
        let deadline = link.client.poll_timeout().unwrap_or(now);
        read_some(link, deadline, now)?;
    }
}
