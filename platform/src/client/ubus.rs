//! One `tr069` call over ubusd, blocking, like one `ubus call tr069 METHOD '{…}'`.
//!
//! Responsible for driving core's sans-IO ubus client over a `UnixStream`: wait for HELLO,
//! LOOKUP `tr069`, INVOKE the method with the blobmsg arguments, collect every DATA until the
//! final STATUS, with the caller's timeout on each step. Not responsible for what the reply
//! means (printing is `super::pretty`) nor for choosing ubus over the control socket
//! (`super::call`).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant as StdInstant};

use cwmp_core::control::Method;
use cwmp_core::time::Instant;
use cwmp_core::ubus::client::{Client, Config, Event, RequestError, RequestId, Transmit};
use cwmp_core::ubus::msg::{Framing, Status};

use super::pretty::JsonValue;
use super::{ArgValue, Args, ClientError};

/// The object cwmpd registers.
const OBJECT: &str = "tr069";

/// Transmit buffer: the largest frame this client writes is an INVOKE carrying the CLI's few
/// short arguments, a few hundred bytes; arguments that do not fit are refused.
const TX_BUF: usize = 4096;

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Shortest socket read timeout (a zero timeout would mean "block forever").
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Calls `method` of `tr069` on the ubusd at `socket`; the reply's DATA tables pretty-printed.
pub(super) fn call(
    socket: &Path,
    method: Method,
    args: &Args,
    timeout: Duration,
) -> Result<String, ClientError> {
    let unreachable = |error: io::Error| ClientError::Connect {
        socket: socket.to_path_buf(),
        error,
    };
    let stream = UnixStream::connect(socket).map_err(unreachable)?;
    stream
        .set_write_timeout(Some(timeout.max(MIN_WAIT)))
        .map_err(unreachable)?;
    let mut config = Config::new(None);
    config.request_timeout = timeout;
    let client = Client::new(config)
        .map_err(|e| ClientError::Protocol(format!("ubus client configuration: {e}")))?;
    let mut conn = Connection {
        stream,
        client,
        rx: Vec::new(),
        tx: vec![0; TX_BUF],
        epoch: StdInstant::now(),
    };
    conn.hello(timeout).map_err(|e| match e {
        ClientError::Io(error) => unreachable(error),
        ClientError::Protocol(m) => unreachable(io::Error::new(io::ErrorKind::InvalidData, m)),
        other => other,
    })?;
    let obj_id = conn.lookup().map_err(|e| match e {
        ClientError::Status(code, _) if code == Status::NotFound.code() => ClientError::NoObject {
            socket: socket.to_path_buf(),
        },
        other => other,
    })?;
    let replies = conn.invoke(obj_id, method, args)?;
    Ok(replies
        .iter()
        .map(JsonValue::pretty)
        .collect::<Vec<_>>()
        .join("\n"))
}

struct Connection {
    stream: UnixStream,
    client: Client,
    rx: Vec<u8>,
    tx: Vec<u8>,
    epoch: StdInstant,
}

fn status_error(status: Status) -> ClientError {
    ClientError::Status(status.code(), status.text())
}

fn request_error(e: RequestError) -> ClientError {
    match e {
        RequestError::Encode(_) => ClientError::ArgumentsTooLarge,
        other => ClientError::Protocol(other.to_string()),
    }
}

impl Connection {
    fn now(&self) -> Instant {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        Instant::from_millis(ms)
    }

    /// Reads once (waiting at most `wait`) and hands every whole frame's event to `on_event`;
    /// then writes what the client owes ubusd.
    fn pump(
        &mut self,
        wait: Duration,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ClientError> {
        self.stream
            .set_read_timeout(Some(wait.max(MIN_WAIT)))
            .map_err(ClientError::Io)?;
        let mut chunk = [0u8; READ_CHUNK];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                return Err(ClientError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "ubusd closed the connection",
                )));
            }
            // `n` is at most the chunk's length.
            Ok(n) => self.rx.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(ClientError::Io(e)),
        }
        loop {
            let len = match self.client.frame_len(&self.rx) {
                Ok(Framing::Complete { len }) => len,
                Ok(Framing::Partial { .. }) => break,
                Err(e) => return Err(ClientError::Protocol(e.to_string())),
            };
            let frame = self.rx.get(..len).unwrap_or(&[]);
            match self.client.handle_frame(frame) {
                Ok(Some(event)) => on_event(event),
                Ok(None) => {}
                Err(e) if e.is_fatal() => return Err(ClientError::Protocol(e.to_string())),
                // A frame we cannot use (for instance a reply to nothing): skip it, as libubus.
                Err(_) => {}
            }
            self.rx.drain(..len);
        }
        let now = self.now();
        while let Some(n) = self
            .client
            .poll_transmit(now, &mut self.tx)
            .map_err(|e| ClientError::Protocol(e.to_string()))?
        {
            self.stream
                .write_all(self.tx.get(..n).unwrap_or(&[]))
                .map_err(ClientError::Io)?;
        }
        while let Some(event) = self.client.poll_event(now) {
            on_event(event);
        }
        Ok(())
    }

    /// Waits for ubusd's HELLO.
    fn hello(&mut self, timeout: Duration) -> Result<(), ClientError> {
        let deadline = StdInstant::now() + timeout;
        while self.client.client_id().is_none() {
            let left = deadline.saturating_duration_since(StdInstant::now());
            if left.is_zero() {
                return Err(ClientError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no HELLO from ubusd",
                )));
            }
            self.pump(left, &mut |_| {})?;
        }
        Ok(())
    }

    fn send(&mut self, tx: Transmit) -> Result<(), ClientError> {
        self.stream
            .write_all(self.tx.get(..tx.len).unwrap_or(&[]))
            .map_err(ClientError::Io)
    }

    /// Pumps until core reports the end of `request` (its status, or a timeout), handing every
    /// other event to `on_event` with `state`.
    fn wait<T>(
        &mut self,
        request: RequestId,
        state: &mut T,
        on_event: &mut dyn FnMut(&mut T, Event<'_>),
    ) -> Result<Status, ClientError> {
        loop {
            let wait = self
                .client
                .poll_timeout()
                .map_or(MIN_WAIT, |due| due.saturating_since(self.now()));
            let mut done = None;
            self.pump(wait, &mut |event| match event {
                Event::Done { request: r, status } if r == request => done = Some(status),
                other => on_event(state, other),
            })?;
            if let Some(status) = done {
                return Ok(status);
            }
        }
    }

    /// Looks up `tr069`; its object id.
    fn lookup(&mut self) -> Result<u32, ClientError> {
        let now = self.now();
        let tx = self
            .client
            .lookup(Some(OBJECT), now, &mut self.tx)
            .map_err(request_error)?;
        self.send(tx)?;
        let mut found = None;
        let status = self.wait(tx.request, &mut found, &mut |found: &mut Option<u32>, e| {
            if let Event::Object { request, object } = e
                && request == tx.request
                && object.path == OBJECT.as_bytes()
                && found.is_none()
            {
                *found = Some(object.id);
            }
        })?;
        match (status, found) {
            (Status::Ok, Some(id)) => Ok(id),
            (Status::Ok, None) => Err(status_error(Status::NotFound)),
            (other, _) => Err(status_error(other)),
        }
    }

    /// Invokes `method` with `args`; the DATA tables of the reply.
    fn invoke(
        &mut self,
        obj_id: u32,
        method: Method,
        args: &Args,
    ) -> Result<Vec<JsonValue>, ClientError> {
        let now = self.now();
        let tx = self
            .client
            .invoke_with(obj_id, method.name(), now, &mut self.tx, |w| {
                for (name, value) in args.iter() {
                    match value {
                        ArgValue::String(s) => w.put_str(name, s)?,
                        ArgValue::Bool(b) => w.put_bool(name, *b)?,
                    }
                }
                Ok(())
            })
            .map_err(request_error)?;
        self.send(tx)?;
        let mut data = Vec::new();
        let status = self.wait(
            tx.request,
            &mut data,
            &mut |data: &mut Vec<JsonValue>, e| {
                if let Event::Data {
                    request,
                    data: table,
                } = e
                    && request == tx.request
                {
                    data.push(JsonValue::from_table(table));
                }
            },
        )?;
        match status {
            Status::Ok => Ok(data),
            other => Err(status_error(other)),
        }
    }
}
