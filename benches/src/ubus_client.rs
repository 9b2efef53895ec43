//! A small std ubus client for tests, built on `cwmp_core::ubus`.
//!
//! Responsible for what end-to-end tests need from the `ubus` CLI: [`UbusConnection::call`]
//! (`ubus call OBJECT METHOD '{json}'`), [`UbusConnection::list`] (`ubus list`) and
//! [`UbusConnection::send`] (`ubus send`), with JSON converted to blobmsg by libubox's rules
//! ([`put_json`]) and replies converted back the way the CLI prints them ([`table_to_json`]);
//! and [`Tr069Server`], a loop that serves the `tr069` object for a [`ControlHandler`] over a
//! socket and starts over whenever ubusd goes away, the way the daemon's platform layer does.
//! Not responsible for the broker ([`crate::ubusd`]).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use cwmp_core::control::{self, ControlHandler, TR069_OBJECT};
use cwmp_core::time::Instant;
use cwmp_core::ubus::blob::{EncodeError, Writer};
use cwmp_core::ubus::blobmsg::{Table, Value};
use cwmp_core::ubus::client::{Client, Config, Event, RequestId, Transmit};
use cwmp_core::ubus::msg::{Framing, Status};
use serde_json::{Map, Value as Json};

/// libubox's JSON to blobmsg conversion (`blobmsg_add_json_element`): integers in the int32
/// range become int32, larger ones int64, booleans int8, fractions doubles, `null` unspec.
pub fn put_json(w: &mut Writer<'_>, name: &str, value: &Json) -> Result<(), EncodeError> {
    match value {
        Json::Null => w.put_null(name),
        Json::Bool(b) => w.put_bool(name, *b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => match i32::try_from(i) {
                Ok(small) => w.put_i32(name, small),
                Err(_) => w.put_i64(name, i),
            },
            None => w.put_f64(name, n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => w.put_str(name, s),
        Json::Array(items) => w.array(name, |w| {
            for item in items {
                put_json(w, "", item)?;
            }
            Ok(())
        }),
        Json::Object(map) => w.table(name, |w| put_members(w, map)),
    }
}

/// Writes the members of a JSON object as blobmsg table members.
pub fn put_members(w: &mut Writer<'_>, map: &Map<String, Json>) -> Result<(), EncodeError> {
    for (k, v) in map {
        put_json(w, k, v)?;
    }
    Ok(())
}

/// A blobmsg value as the `ubus` CLI prints it (int8 as a boolean, int32 signed).
pub fn value_to_json(value: Value<'_>) -> Json {
    match value {
        Value::Unspec(_) => Json::Null,
        Value::Array(a) => Json::Array(a.iter().map(value_to_json).collect()),
        Value::Table(t) => table_to_json(t),
        Value::String(s) => Json::String(String::from_utf8_lossy(s).into_owned()),
        Value::Int64(v) => Json::from(v),
        Value::Int32(v) => Json::from(v),
        Value::Int16(v) => Json::from(v),
        Value::Int8(v) => Json::Bool(v != 0),
        Value::Double(v) => Json::from(v),
    }
}

/// A blobmsg table as a JSON object (member order kept as far as the map allows).
pub fn table_to_json(table: Table<'_>) -> Json {
    let mut map = Map::new();
    for f in table.iter() {
        map.insert(
            String::from_utf8_lossy(f.name).into_owned(),
            value_to_json(f.value),
        );
    }
    Json::Object(map)
}

/// The answer to a call: every DATA message, then the final status.
#[derive(Debug, Clone, PartialEq)]
pub struct CallReply {
    /// The final STATUS (or `Timeout`).
    pub status: Status,
    /// Each DATA message's table.
    pub data: Vec<Json>,
}

/// One object from `ubus list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedObject {
    /// Path.
    pub path: String,
    /// Object id.
    pub id: u32,
    /// Signature: method name to `{argument: type code}`.
    pub signature: Json,
}

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// A caller connection to ubusd, like one `ubus` CLI invocation.
pub struct UbusConnection {
    stream: UnixStream,
    client: Client,
    rx: Vec<u8>,
    tx: Vec<u8>,
    epoch: std::time::Instant,
}

enum Collected {
    Data(Json),
    Object(ListedObject),
}

impl UbusConnection {
    /// Connects to the socket at `path` and waits for HELLO; calls time out after `timeout`.
    pub fn connect(path: &Path, timeout: Duration) -> io::Result<UbusConnection> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(Duration::from_millis(50)))?;
        let mut config = Config::new(None);
        config.request_timeout = timeout;
        let client = Client::new(config).map_err(err)?;
        let mut conn = UbusConnection {
            stream,
            client,
            rx: Vec::new(),
            tx: vec![0u8; 64 * 1024],
            epoch: std::time::Instant::now(),
        };
        let deadline = std::time::Instant::now() + timeout;
        while conn.client.client_id().is_none() {
            if std::time::Instant::now() > deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no HELLO"));
            }
            conn.read_frames(&mut |_| {})?;
        }
        Ok(conn)
    }

    /// Our client id.
    pub fn client_id(&self) -> Option<u32> {
        self.client.client_id()
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    /// Reads what is available and hands each event to `on_event`.
    fn read_frames(&mut self, on_event: &mut dyn FnMut(Event<'_>)) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => self.rx.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
        while let Framing::Complete { len } = self.client.frame_len(&self.rx).map_err(err)? {
            let frame: Vec<u8> = self.rx.drain(..len).collect();
            match self.client.handle_frame(&frame) {
                Ok(Some(event)) => on_event(event),
                Ok(None) => {}
                Err(e) if e.is_fatal() => return Err(err(e)),
                Err(_) => {}
            }
        }
        self.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        let now = self.now();
        while let Some(n) = self.client.poll_transmit(now, &mut self.tx).map_err(err)? {
            self.stream.write_all(&self.tx[..n])?;
        }
        Ok(())
    }

    fn send_request(&mut self, tx: Transmit) -> io::Result<RequestId> {
        self.stream.write_all(&self.tx[..tx.len])?;
        Ok(tx.request)
    }

    /// Waits for the end of `request`, collecting what comes for it.
    fn wait(&mut self, request: RequestId) -> io::Result<(Status, Vec<Collected>)> {
        let mut collected = Vec::new();
        let mut done = None;
        while done.is_none() {
            let mut on_event = |event: Event<'_>| match event {
                Event::Data { request: r, data } if r == request => {
                    collected.push(Collected::Data(table_to_json(data)));
                }
                Event::Object { request: r, object } if r == request => {
                    collected.push(Collected::Object(ListedObject {
                        path: String::from_utf8_lossy(object.path).into_owned(),
                        id: object.id,
                        signature: object.signature.map_or(Json::Null, table_to_json),
                    }));
                }
                Event::Done { request: r, status } if r == request => done = Some(status),
                _ => {}
            };
            self.read_frames(&mut on_event)?;
            let now = self.now();
            while let Some(event) = self.client.poll_event(now) {
                if let Event::Done { request: r, status } = event
                    && r == request
                {
                    done = Some(status);
                }
            }
        }
        Ok((done.unwrap_or(Status::NoData), collected))
    }

    /// `ubus list [pattern]`: the objects and the lookup's status.
    pub fn list(&mut self, pattern: Option<&str>) -> io::Result<(Status, Vec<ListedObject>)> {
        let now = self.now();
        let tx = self
            .client
            .lookup(pattern, now, &mut self.tx)
            .map_err(err)?;
        let request = self.send_request(tx)?;
        let (status, collected) = self.wait(request)?;
        let objects = collected
            .into_iter()
            .filter_map(|c| match c {
                Collected::Object(o) => Some(o),
                Collected::Data(_) => None,
            })
            .collect();
        Ok((status, objects))
    }

    /// `ubus call object method args`: looks the object up, then calls it. A missing object
    /// answers `NotFound` with no data, as the CLI does.
    pub fn call(&mut self, object: &str, method: &str, args: &Json) -> io::Result<CallReply> {
        let (status, objects) = self.list(Some(object))?;
        let Some(target) = objects.first() else {
            return Ok(CallReply {
                status,
                data: Vec::new(),
            });
        };
        self.invoke(target.id, method, args)
    }

    /// Calls `method` on the object with id `object` (from [`UbusConnection::list`]) without
    /// looking it up again, as a client that keeps the id does.
    pub fn invoke(&mut self, object: u32, method: &str, args: &Json) -> io::Result<CallReply> {
        let members = match args {
            Json::Object(map) => map.clone(),
            _ => return Err(err("arguments must be a JSON object")),
        };
        let now = self.now();
        let tx = self
            .client
            .invoke_with(object, method, now, &mut self.tx, |w| {
                put_members(w, &members)
            })
            .map_err(err)?;
        let request = self.send_request(tx)?;
        let (status, collected) = self.wait(request)?;
        let data = collected
            .into_iter()
            .filter_map(|c| match c {
                Collected::Data(d) => Some(d),
                Collected::Object(_) => None,
            })
            .collect();
        Ok(CallReply { status, data })
    }

    /// `ubus send name data`: the status ubusd answers.
    pub fn send(&mut self, name: &str, data: &Json) -> io::Result<Status> {
        let members = match data {
            Json::Object(map) => map.clone(),
            _ => return Err(err("event data must be a JSON object")),
        };
        let now = self.now();
        let tx = self
            .client
            .send_event(name, now, &mut self.tx, |w| put_members(w, &members))
            .map_err(err)?;
        let request = self.send_request(tx)?;
        Ok(self.wait(request)?.0)
    }
}

/// Serves the `tr069` object for a handler on a ubusd socket, in its own thread, reconnecting
/// (and so registering again) whenever ubusd goes away. Stops when dropped.
pub struct Tr069Server {
    stop: Arc<AtomicBool>,
    registrations: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Tr069Server {
    /// Starts serving `handler` on the socket at `path` (retrying until it exists).
    pub fn start<H: ControlHandler + Send + 'static>(path: &Path, handler: H) -> Tr069Server {
        let stop = Arc::new(AtomicBool::new(false));
        let registrations = Arc::new(AtomicUsize::new(0));
        let (s, r) = (Arc::clone(&stop), Arc::clone(&registrations));
        let path = path.to_path_buf();
        let thread = thread::Builder::new()
            .name("tr069-server".into())
            .spawn(move || serve_loop(&path, handler, &s, &r))
            .ok();
        Tr069Server {
            stop,
            registrations,
            thread,
        }
    }

    /// How many times the object has been registered (once per ubusd connection).
    pub fn registrations(&self) -> usize {
        self.registrations.load(Ordering::SeqCst)
    }

    /// Waits until the object has been registered `n` times; false on timeout.
    pub fn wait_registered(&self, n: usize, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while self.registrations() < n {
            if std::time::Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

impl Drop for Tr069Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_loop<H: ControlHandler>(
    path: &PathBuf,
    mut handler: H,
    stop: &AtomicBool,
    registrations: &AtomicUsize,
) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
    let Ok(mut client) = Client::new(Config::new(Some(&TR069_OBJECT))) else {
        return;
    };
    let mut tx = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        let Ok(mut stream) = UnixStream::connect(path) else {
            thread::sleep(Duration::from_millis(20));
            continue;
        };
        if stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .is_err()
        {
            continue;
        }
        let mut rx: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        // One connection: until ubusd goes away, breaks the protocol or we are stopped.
        'conn: while !stop.load(Ordering::SeqCst) {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => rx.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
            loop {
                let len = match client.frame_len(&rx) {
                    Ok(Framing::Complete { len }) => len,
                    Ok(Framing::Partial { .. }) => break,
                    Err(_) => break 'conn,
                };
                let frame: Vec<u8> = rx.drain(..len).collect();
                match client.handle_frame(&frame) {
                    Ok(Some(Event::Invoke(invoke))) => {
                        let Ok(n) =
                            control::blobmsg::serve(&client, &invoke, &mut handler, &mut tx)
                        else {
                            continue;
                        };
                        if stream.write_all(&tx[..n]).is_err() {
                            break 'conn;
                        }
                    }
                    Ok(Some(Event::ObjectRegistered { .. })) => {
                        registrations.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(_) => {}
                    Err(e) if e.is_fatal() => break 'conn,
                    Err(_) => {}
                }
            }
            let t = now();
            while let Ok(Some(n)) = client.poll_transmit(t, &mut tx) {
                if stream.write_all(&tx[..n]).is_err() {
                    break 'conn;
                }
            }
            while client.poll_event(t).is_some() {}
        }
        client.reset();
        while client.poll_event(now()).is_some() {}
    }
}
