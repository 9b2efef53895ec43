//! The ubus client protocol as a sans-IO state machine.
//!
//! Responsible for everything a libubus client does on its connection to ubusd: taking the
//! HELLO (our client id), registering our object with its signature and, when event patterns
//! are configured, an anonymous listener object and its patterns (`ubus listen`); handing method
//! calls on our object to the caller and writing the DATA + STATUS answer; answering by itself
//! what libubus answers by itself (unknown method, unknown object, missing arguments, event
//! acknowledgements); calling other objects (LOOKUP, then INVOKE with sequence numbers, replies
//! matched by `(seq, peer)` and a timeout), sending events; and starting over after ubusd went
//! away ([`Client::reset`], then the next HELLO registers everything again).
//!
//! Not responsible for the socket, buffers or the clock: the caller splits its receive buffer
//! with [`Client::frame_len`], feeds whole frames to [`Client::handle_frame`], writes what
//! [`Client::poll_transmit`] and the request/reply methods put in its transmit buffer, asks
//! [`Client::poll_event`] for timeouts and aborted requests, and sleeps until
//! [`Client::poll_timeout`]. Method semantics belong to the caller (`crate::control` for `tr069`).
//!
//! Frames are written whole into a caller buffer rather than streamed into a `Sink`: the frame
//! and container lengths are back-patched once the contents are known, and a sink that accepted
//! half a frame would desynchronise the stream.

use core::fmt;
use core::time::Duration;

use heapless::{Deque, Vec};

use super::blob::{EncodeError, Writer};
use super::blobmsg::{self, Table};
use super::msg::{
    AttrError, AttrId, EVENT_OBJECT_ID, Frame, FrameError, Framing, Header, MsgAttrs, MsgType,
    Status, VERSION, frame_len, write_frame,
};
use super::object::ObjectDef;
use crate::limits::{
    UBUS_MAX_EVENT_PATTERNS, UBUS_MAX_MSG_LEN, UBUS_MAX_OWED_REPLIES, UBUS_MAX_PENDING_REQUESTS,
};
use crate::time::Instant;

/// Default time a request may wait for its final STATUS (the `ubus` CLI's default `-t 30`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the client registers and how long it waits.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The object to register after every HELLO (`None`: a pure caller, like `ubus call`).
    pub object: Option<&'static ObjectDef>,
    /// Event patterns to listen to (`*` suffix = prefix match); none means no listener object.
    pub event_patterns: &'static [&'static str],
    /// How long any request waits for its final STATUS.
    pub request_timeout: Duration,
    /// Largest frame accepted (padded root length); at most the caller's receive buffer.
    pub max_frame_len: usize,
}

impl Config {
    /// A configuration registering `object`, no event patterns, default timeout and frame limit.
    pub const fn new(object: Option<&'static ObjectDef>) -> Config {
        Config {
            object,
            event_patterns: &[],
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_frame_len: UBUS_MAX_MSG_LEN,
        }
    }
}

/// Why a [`Config`] cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// More event patterns than [`UBUS_MAX_EVENT_PATTERNS`].
    TooManyPatterns,
    /// An empty event pattern (ubusd refuses it).
    EmptyPattern,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::TooManyPatterns => "too many ubus event patterns",
            ConfigError::EmptyPattern => "empty ubus event pattern",
        })
    }
}

/// Identifies a request the caller made, in the events that answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u32);

/// What the client needs to answer one method call; copy it out of [`Invoke`] to answer later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvokeToken {
    generation: u32,
    seq: u16,
    peer: u32,
    obj_id: u32,
    no_reply: bool,
}

impl InvokeToken {
    /// The caller's client id (0 when ubusd itself delivers, e.g. an event).
    pub fn peer(&self) -> u32 {
        self.peer
    }

    /// True when the caller asked for no reply; answering writes nothing.
    pub fn no_reply(&self) -> bool {
        self.no_reply
    }
}

/// A call of one of our object's methods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Invoke<'a> {
    /// Needed to answer.
    pub token: InvokeToken,
    /// Index of the method in our [`ObjectDef`].
    pub method_index: usize,
    /// Method name.
    pub method: &'a [u8],
    /// Arguments, validated blobmsg.
    pub data: Table<'a>,
    /// Caller's user name, if ubusd sent it.
    pub user: Option<&'a [u8]>,
    /// Caller's group name, if ubusd sent it.
    pub group: Option<&'a [u8]>,
}

/// One object found by a lookup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectInfo<'a> {
    /// Object path.
    pub path: &'a [u8],
    /// Object id (changes whenever the object is registered again).
    pub id: u32,
    /// Object type id.
    pub type_id: Option<u32>,
    /// Method signatures: one table per method mapping argument names to type codes.
    pub signature: Option<Table<'a>>,
}

/// A registration the client makes on its own after each HELLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Our object.
    Object,
    /// The anonymous object that receives events.
    Listener,
    /// One event pattern.
    Pattern(&'static str),
}

/// Something the caller must know or act upon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// ubusd greeted us; registrations follow through [`Client::poll_transmit`].
    Connected {
        /// Our client id on this connection.
        client_id: u32,
    },
    /// Our object is registered (again, after each connect).
    ObjectRegistered {
        /// Its id on this connection.
        obj_id: u32,
    },
    /// An event pattern is registered.
    PatternRegistered {
        /// The pattern.
        pattern: &'static str,
    },
    /// A registration was refused or timed out; the client goes on with the next one.
    RegistrationFailed {
        /// What failed.
        what: Registration,
        /// Why (ubusd's status, or `Timeout`).
        status: Status,
    },
    /// A method of our object was called: answer with [`Client::reply`] or
    /// [`Client::reply_with`].
    Invoke(Invoke<'a>),
    /// One object found by a [`Client::lookup`].
    Object {
        /// The lookup.
        request: RequestId,
        /// The object.
        object: ObjectInfo<'a>,
    },
    /// Reply data for a [`Client::invoke`] (an object may send several before its status).
    Data {
        /// The call.
        request: RequestId,
        /// The data.
        data: Table<'a>,
    },
    /// A request ended: ubusd's or the object's status, `Timeout`, or `ConnectionFailed` when the
    /// connection was reset while it waited.
    Done {
        /// The request.
        request: RequestId,
        /// How it ended.
        status: Status,
    },
    /// An event matching one of our patterns.
    UbusEvent {
        /// Event name.
        name: &'a [u8],
        /// Event data.
        data: Table<'a>,
    },
    /// Our object gained its first subscriber (`true`) or lost its last one.
    SubscribersChanged {
        /// Whether anyone is subscribed.
        active: bool,
    },
}

/// Why a received frame was rejected. Processing can go on unless [`Error::is_fatal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Not a frame, or larger than the limit: the stream cannot be trusted any more.
    Frame(FrameError),
    /// The version byte is not 0 (libubus treats the stream as broken).
    BadVersion(u8),
    /// The first frame of a connection was not HELLO.
    ExpectedHello,
    /// HELLO gave a client id libubus refuses (0 or 1).
    BadHello(u32),
    /// A second HELLO on the same connection.
    UnexpectedHello,
    /// An undefined message type.
    UnknownType(u8),
    /// A defined type ubusd never sends to a client.
    Unexpected(MsgType),
    /// Malformed message attributes.
    Attr(AttrError),
    /// A required attribute is missing.
    MissingAttr(AttrId),
    /// Malformed blobmsg in `DATA` or `SIGNATURE`.
    BadData(blobmsg::Error),
}

impl Error {
    /// True when the connection must be dropped and [`Client::reset`] called.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Error::Frame(_)
                | Error::BadVersion(_)
                | Error::ExpectedHello
                | Error::BadHello(_)
                | Error::UnexpectedHello
        )
    }
}

impl From<AttrError> for Error {
    fn from(e: AttrError) -> Self {
        Error::Attr(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Frame(e) => write!(f, "{e}"),
            Error::BadVersion(v) => write!(f, "ubus version {v}"),
            Error::ExpectedHello => f.write_str("ubusd did not start with HELLO"),
            Error::BadHello(id) => write!(f, "ubus HELLO with client id {id}"),
            Error::UnexpectedHello => f.write_str("second ubus HELLO"),
            Error::UnknownType(t) => write!(f, "unknown ubus message type {t}"),
            Error::Unexpected(t) => write!(f, "unexpected ubus message {t:?}"),
            Error::Attr(e) => write!(f, "{e}"),
            Error::MissingAttr(a) => write!(f, "ubus message without {a:?}"),
            Error::BadData(e) => write!(f, "{e}"),
        }
    }
}

/// Why a request could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// No HELLO yet on this connection.
    NotConnected,
    /// [`UBUS_MAX_PENDING_REQUESTS`] requests are already waiting.
    TooManyRequests,
    /// The transmit buffer is too small for the frame.
    Encode(EncodeError),
}

impl From<EncodeError> for RequestError {
    fn from(e: EncodeError) -> Self {
        RequestError::Encode(e)
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotConnected => f.write_str("not connected to ubusd"),
            RequestError::TooManyRequests => f.write_str("too many ubus requests in flight"),
            RequestError::Encode(e) => write!(f, "{e}"),
        }
    }
}

/// Why an answer to a method call could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyError {
    /// The call came on a connection that has since been reset.
    Stale,
    /// The transmit buffer is too small.
    Encode(EncodeError),
}

impl From<EncodeError> for ReplyError {
    fn from(e: EncodeError) -> Self {
        ReplyError::Encode(e)
    }
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Stale => f.write_str("ubus call from a previous connection"),
            ReplyError::Encode(e) => write!(f, "{e}"),
        }
    }
}

/// A request frame written into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// The request, as events will name it.
    pub request: RequestId,
    /// Frame length at the start of the buffer.
    pub len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    AwaitingHello,
    Connected { client_id: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    AddObject,
    AddListener,
    Pattern(usize),
    Done,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    seq: u16,
    peer: u32,
    deadline: Instant,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Lookup,
    Invoke,
    Ping,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    id: RequestId,
    seq: u16,
    peer: u32,
    kind: Kind,
    deadline: Instant,
    /// The connection was reset while it waited; reported by `poll_event`, never matched.
    aborted: bool,
}

#[derive(Debug, Clone, Copy)]
struct Owed {
    seq: u16,
    peer: u32,
    obj_id: u32,
    status: Status,
}

/// The client: a few hundred bytes of state (see the size test), no buffers of its own.
#[derive(Debug)]
pub struct Client {
    config: Config,
    link: Link,
    generation: u32,
    next_seq: u16,
    next_request: u32,
    obj_id: Option<u32>,
    listener_id: Option<u32>,
    step: Step,
    in_flight: Option<InFlight>,
    candidate_id: Option<u32>,
    owed: Deque<Owed, UBUS_MAX_OWED_REPLIES>,
    pending: Vec<Pending, UBUS_MAX_PENDING_REQUESTS>,
}

impl Client {
    /// A client waiting for its first HELLO.
    pub fn new(config: Config) -> Result<Client, ConfigError> {
        if config.event_patterns.len() > UBUS_MAX_EVENT_PATTERNS {
            return Err(ConfigError::TooManyPatterns);
        }
        if config.event_patterns.iter().any(|p| p.is_empty()) {
            return Err(ConfigError::EmptyPattern);
        }
        Ok(Client {
            config,
            link: Link::AwaitingHello,
            generation: 0,
            next_seq: 1,
            next_request: 1,
            obj_id: None,
            listener_id: None,
            step: Step::Done,
            in_flight: None,
            candidate_id: None,
            owed: Deque::new(),
            pending: Vec::new(),
        })
    }

    /// Our client id, once connected.
    pub fn client_id(&self) -> Option<u32> {
        match self.link {
            Link::Connected { client_id } => Some(client_id),
            Link::AwaitingHello => None,
        }
    }

    /// Our object's id, once registered on this connection.
    pub fn object_id(&self) -> Option<u32> {
        self.obj_id
    }

    /// Finds the frame at the start of `buf` with this client's size limit.
    pub fn frame_len(&self, buf: &[u8]) -> Result<Framing, FrameError> {
        frame_len(buf, self.config.max_frame_len)
    }

    /// Forgets the connection (socket closed or a fatal error): requests in flight end with
    /// `ConnectionFailed` through [`Client::poll_event`] (they hold their slot until then), owed
    /// replies are dropped, and the next frame must be a HELLO, after which everything is
    /// registered again.
    pub fn reset(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        self.link = Link::AwaitingHello;
        self.next_seq = 1;
        self.obj_id = None;
        self.listener_id = None;
        self.step = Step::Done;
        self.in_flight = None;
        self.candidate_id = None;
        self.owed.clear();
        for p in &mut self.pending {
            p.aborted = true;
        }
    }

    /// The next sequence number not held by a request in flight (skipping 0). At most
    /// `UBUS_MAX_PENDING_REQUESTS + 1` numbers are held, so the loop ends within that many turns.
    fn next_seq(&mut self) -> u16 {
        loop {
            let seq = self.next_seq;
            self.next_seq = self.next_seq.wrapping_add(1).max(1);
            let busy = self.pending.iter().any(|p| p.seq == seq)
                || self.in_flight.is_some_and(|f| f.seq == seq);
            if !busy {
                return seq;
            }
        }
    }

    fn first_step(&self) -> Step {
        if self.config.object.is_some() {
            Step::AddObject
        } else {
            self.after_object()
        }
    }

    fn after_object(&self) -> Step {
        if self.config.event_patterns.is_empty() {
            Step::Done
        } else {
            Step::AddListener
        }
    }

    fn after_pattern(&self, i: usize) -> Step {
        if i + 1 < self.config.event_patterns.len() {
            Step::Pattern(i + 1)
        } else {
            Step::Done
        }
    }

    /// Ends the current registration step with `status` and moves on to the next one.
    fn finish_step(&mut self, status: Status) -> Option<Event<'static>> {
        let id = self.candidate_id.take();
        self.in_flight = None;
        let failed = |what: Registration| {
            // A success without the DATA carrying the id leaves us without an id: no data.
            let status = if status == Status::Ok {
                Status::NoData
            } else {
                status
            };
            warn!("ubus: registration refused, status {}", status.code());
            Some(Event::RegistrationFailed { what, status })
        };
        match self.step {
            Step::Done => None,
            Step::AddObject => {
                self.step = self.after_object();
                match (status, id) {
                    (Status::Ok, Some(obj_id)) => {
                        self.obj_id = Some(obj_id);
                        info!("ubus: object registered as {}", obj_id);
                        Some(Event::ObjectRegistered { obj_id })
                    }
                    _ => failed(Registration::Object),
                }
            }
            Step::AddListener => match (status, id) {
                (Status::Ok, Some(obj_id)) => {
                    self.listener_id = Some(obj_id);
                    // AddListener is only reached with at least one pattern configured.
                    self.step = Step::Pattern(0);
                    None
                }
                _ => {
                    self.step = Step::Done;
                    failed(Registration::Listener)
                }
            },
            Step::Pattern(i) => {
                let pattern = self.config.event_patterns.get(i).copied().unwrap_or("");
                self.step = self.after_pattern(i);
                if status == Status::Ok {
                    Some(Event::PatternRegistered { pattern })
                } else {
                    Some(Event::RegistrationFailed {
                        what: Registration::Pattern(pattern),
                        status,
                    })
                }
            }
        }
    }

    /// Handles one whole frame (as delimited by [`Client::frame_len`]).
    ///
    /// Answers the client owes ubusd on its own are queued for [`Client::poll_transmit`].
    pub fn handle_frame<'a>(&mut self, bytes: &'a [u8]) -> Result<Option<Event<'a>>, Error> {
        match frame_len(bytes, self.config.max_frame_len).map_err(Error::Frame)? {
            Framing::Complete { len } if len == bytes.len() => {}
            _ => return Err(Error::Frame(FrameError::LengthMismatch)),
        }
        let frame = Frame::new_checked(bytes).map_err(Error::Frame)?;
        let header = frame.header();
        if header.version != VERSION {
            return Err(Error::BadVersion(header.version));
        }
        let kind = header.kind().ok_or(Error::UnknownType(header.msg_type))?;
        match (self.link, kind) {
            (Link::AwaitingHello, MsgType::Hello) => {
                let client_id = header.peer;
                if client_id <= 1 {
                    return Err(Error::BadHello(client_id));
                }
                self.link = Link::Connected { client_id };
                self.step = self.first_step();
                self.in_flight = None;
                self.candidate_id = None;
                info!("ubus: connected as client {}", client_id);
                return Ok(Some(Event::Connected { client_id }));
            }
            (Link::AwaitingHello, _) => return Err(Error::ExpectedHello),
            (Link::Connected { .. }, MsgType::Hello) => return Err(Error::UnexpectedHello),
            (Link::Connected { .. }, _) => {}
        }
        let attrs = frame.attrs()?;
        match kind {
            MsgType::Status | MsgType::Data => self.handle_reply(kind, header, &attrs),
            MsgType::Invoke => self.handle_invoke(header, &attrs),
            MsgType::Notify => Ok(match (attrs.objid(), attrs.active()) {
                (Some(id), Some(active)) if Some(id) == self.obj_id => {
                    Some(Event::SubscribersChanged { active })
                }
                _ => None,
            }),
            // We never subscribe, so there is nothing to end.
            MsgType::Unsubscribe => Ok(None),
            other => Err(Error::Unexpected(other)),
        }
    }

    fn handle_reply<'a>(
        &mut self,
        kind: MsgType,
        header: Header,
        attrs: &MsgAttrs<'a>,
    ) -> Result<Option<Event<'a>>, Error> {
        if let Some(f) = self.in_flight
            && f.seq == header.seq
            && f.peer == header.peer
        {
            if kind == MsgType::Data {
                if matches!(self.step, Step::AddObject | Step::AddListener) {
                    self.candidate_id = attrs.objid();
                }
                return Ok(None);
            }
            let status = attrs.status().ok_or(Error::MissingAttr(AttrId::Status))?;
            return Ok(self.finish_step(status));
        }
        let Some(pos) = self
            .pending
            .iter()
            .position(|p| !p.aborted && p.seq == header.seq && p.peer == header.peer)
        else {
            debug!("ubus: reply to no request (seq {})", header.seq);
            return Ok(None);
        };
        // `pos` came from `position` over the same vector.
        let pending = self.pending[pos];
        if kind == MsgType::Status {
            let status = attrs.status().ok_or(Error::MissingAttr(AttrId::Status))?;
            self.pending.swap_remove(pos);
            return Ok(Some(Event::Done {
                request: pending.id,
                status,
            }));
        }
        match pending.kind {
            Kind::Lookup => {
                let path = attrs.objpath().ok_or(Error::MissingAttr(AttrId::ObjPath))?;
                let id = attrs.objid().ok_or(Error::MissingAttr(AttrId::ObjId))?;
                let signature = match attrs.signature() {
                    Some(sig) => Some(Table::new_checked(sig).map_err(Error::BadData)?),
                    None => None,
                };
                Ok(Some(Event::Object {
                    request: pending.id,
                    object: ObjectInfo {
                        path,
                        id,
                        type_id: attrs.objtype(),
                        signature,
                    },
                }))
            }
            Kind::Invoke => {
                let data = attrs
                    .data_table()
                    .ok_or(Error::MissingAttr(AttrId::Data))?
                    .map_err(Error::BadData)?;
                Ok(Some(Event::Data {
                    request: pending.id,
                    data,
                }))
            }
            // The echo of our own ping carries nothing worth reporting.
            Kind::Ping => Ok(None),
        }
    }

    fn owe(&mut self, header: Header, obj_id: u32, status: Status) {
        let owed = Owed {
            seq: header.seq,
            peer: header.peer,
            obj_id,
            status,
        };
        if self.owed.push_back(owed).is_err() {
            warn!(
                "ubus: owed-reply queue full, dropping status {}",
                status.code()
            );
        }
    }

    fn handle_invoke<'a>(
        &mut self,
        header: Header,
        attrs: &MsgAttrs<'a>,
    ) -> Result<Option<Event<'a>>, Error> {
        let obj_id = attrs.objid().ok_or(Error::MissingAttr(AttrId::ObjId))?;
        let no_reply = attrs.no_reply().unwrap_or(false);
        let owe = |client: &mut Client, status: Status| {
            if !no_reply {
                client.owe(header, obj_id, status);
            }
        };
        if Some(obj_id) == self.listener_id {
            let Some(name) = attrs.method() else {
                owe(self, Status::InvalidArgument);
                return Err(Error::MissingAttr(AttrId::Method));
            };
            let data = match attrs.data_table() {
                Some(Ok(t)) => t,
                None => Table::EMPTY,
                Some(Err(e)) => {
                    owe(self, Status::InvalidArgument);
                    return Err(Error::BadData(e));
                }
            };
            owe(self, Status::Ok);
            return Ok(Some(Event::UbusEvent { name, data }));
        }
        let object = match (self.obj_id, self.config.object) {
            (Some(ours), Some(def)) if ours == obj_id => def,
            _ => {
                owe(self, Status::NotFound);
                return Ok(None);
            }
        };
        // libubus checks, in this order: method present, method known, arguments present.
        let Some(method) = attrs.method() else {
            owe(self, Status::InvalidArgument);
            return Err(Error::MissingAttr(AttrId::Method));
        };
        let Some((method_index, _)) = object.method(method) else {
            owe(self, Status::MethodNotFound);
            return Ok(None);
        };
        let data = match attrs.data_table() {
            Some(Ok(t)) => t,
            None => {
                owe(self, Status::InvalidArgument);
                return Err(Error::MissingAttr(AttrId::Data));
            }
            Some(Err(e)) => {
                owe(self, Status::InvalidArgument);
                return Err(Error::BadData(e));
            }
        };
        Ok(Some(Event::Invoke(Invoke {
            token: InvokeToken {
                generation: self.generation,
                seq: header.seq,
                peer: header.peer,
                obj_id,
                no_reply,
            },
            method_index,
            method,
            data,
            user: attrs.user(),
            group: attrs.group(),
        })))
    }

    /// Writes the next frame the client owes ubusd (automatic answers, registration steps) into
    /// `buf` and returns its length; `None` when nothing is owed. Call until `None`.
    pub fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<usize>, EncodeError> {
        if self.client_id().is_none() {
            return Ok(None);
        }
        if let Some(owed) = self.owed.front().copied() {
            let n = write_frame(
                buf,
                Header::new(MsgType::Status, owed.seq, owed.peer),
                |w| {
                    w.put_status(owed.status)?;
                    w.put_attr_u32(AttrId::ObjId, owed.obj_id)
                },
            )?;
            self.owed.pop_front();
            return Ok(Some(n));
        }
        if self.in_flight.is_some() || self.step == Step::Done {
            return Ok(None);
        }
        let seq = self.next_seq();
        let (n, peer) = match self.step {
            Step::AddObject => match self.config.object {
                Some(def) => (def.write_add_object(buf, seq)?, 0),
                None => return Ok(None),
            },
            Step::AddListener => (
                write_frame(buf, Header::new(MsgType::AddObject, seq, 0), |_| Ok(()))?,
                0,
            ),
            Step::Pattern(i) => {
                let (Some(listener), Some(pattern)) =
                    (self.listener_id, self.config.event_patterns.get(i))
                else {
                    self.step = Step::Done;
                    return Ok(None);
                };
                let n = write_frame(
                    buf,
                    Header::new(MsgType::Invoke, seq, EVENT_OBJECT_ID),
                    |w| {
                        w.put_attr_u32(AttrId::ObjId, EVENT_OBJECT_ID)?;
                        w.put_attr_string(AttrId::Method, b"register")?;
                        w.put_data(|w| {
                            // ubusd reads the listener id as a blobmsg int32.
                            w.put_i32("object", listener as i32)?;
                            w.put_str("pattern", pattern)
                        })
                    },
                )?;
                (n, EVENT_OBJECT_ID)
            }
            Step::Done => return Ok(None),
        };
        self.in_flight = Some(InFlight {
            seq,
            peer,
            deadline: now + self.config.request_timeout,
        });
        Ok(Some(n))
    }

    /// The next event that does not come from a frame: a request ended by its timeout or by a
    /// reset, or a registration that timed out. Call until `None`.
    pub fn poll_event(&mut self, now: Instant) -> Option<Event<'static>> {
        if let Some(pos) = self.pending.iter().position(|p| p.aborted) {
            let pending = self.pending.swap_remove(pos);
            return Some(Event::Done {
                request: pending.id,
                status: Status::ConnectionFailed,
            });
        }
        if self.in_flight.is_some_and(|f| f.deadline <= now) {
            return self.finish_step(Status::Timeout);
        }
        let pos = self.pending.iter().position(|p| p.deadline <= now)?;
        let pending = self.pending.swap_remove(pos);
        Some(Event::Done {
            request: pending.id,
            status: Status::Timeout,
        })
    }

    /// When [`Client::poll_event`] must next be called, if anything is waiting.
    pub fn poll_timeout(&self) -> Option<Instant> {
        // An aborted request is due at once.
        let pending = self
            .pending
            .iter()
            .map(|p| if p.aborted { Instant::ZERO } else { p.deadline })
            .min();
        let step = self.in_flight.map(|f| f.deadline);
        match (pending, step) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn start_request<F>(
        &mut self,
        kind: Kind,
        msg_type: MsgType,
        peer: u32,
        now: Instant,
        buf: &mut [u8],
        body: F,
    ) -> Result<Transmit, RequestError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    {
        if self.client_id().is_none() {
            return Err(RequestError::NotConnected);
        }
        if self.pending.is_full() {
            return Err(RequestError::TooManyRequests);
        }
        let seq = self.next_seq();
        let len = write_frame(buf, Header::new(msg_type, seq, peer), body)?;
        let id = RequestId(self.next_request);
        self.next_request = self.next_request.wrapping_add(1);
        let pending = Pending {
            id,
            seq,
            peer,
            kind,
            deadline: now + self.config.request_timeout,
            aborted: false,
        };
        self.pending
            .push(pending)
            .map_err(|_| RequestError::TooManyRequests)?;
        Ok(Transmit { request: id, len })
    }

    /// Looks up objects by path (`*` suffix: prefix match; `None`: all objects). Each object
    /// found comes as [`Event::Object`], then [`Event::Done`] (`NotFound` when none matched).
    pub fn lookup(
        &mut self,
        path: Option<&str>,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Transmit, RequestError> {
        self.start_request(Kind::Lookup, MsgType::Lookup, 0, now, buf, |w| match path {
            Some(p) => w.put_attr_string(AttrId::ObjPath, p.as_bytes()),
            None => Ok(()),
        })
    }

    /// Calls `method` of object `obj_id` with `data`, the encoded blobmsg members of the
    /// argument table (empty for `{}`). Replies come as [`Event::Data`], then [`Event::Done`].
    pub fn invoke(
        &mut self,
        obj_id: u32,
        method: &str,
        data: &[u8],
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Transmit, RequestError> {
        self.invoke_with(obj_id, method, now, buf, |w| w.write_bytes(data))
    }

    /// Like [`Client::invoke`], with the argument members written in place by `args`.
    pub fn invoke_with<F>(
        &mut self,
        obj_id: u32,
        method: &str,
        now: Instant,
        buf: &mut [u8],
        args: F,
    ) -> Result<Transmit, RequestError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    {
        // The header peer of an INVOKE is the target object: replies come back with it.
        self.start_request(Kind::Invoke, MsgType::Invoke, obj_id, now, buf, |w| {
            w.put_attr_u32(AttrId::ObjId, obj_id)?;
            w.put_attr_string(AttrId::Method, method.as_bytes())?;
            w.put_data(args)
        })
    }

    /// Sends the event `name` whose data members `data` writes (`ubus send`). ubusd answers
    /// with [`Event::Done`]: `PermissionDenied` for names starting with `ubus.`.
    pub fn send_event<F>(
        &mut self,
        name: &str,
        now: Instant,
        buf: &mut [u8],
        data: F,
    ) -> Result<Transmit, RequestError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    {
        self.invoke_with(EVENT_OBJECT_ID, "send", now, buf, |w| {
            w.put_str("id", name)?;
            w.table("data", data)
        })
    }

    /// Pings ubusd; it answers with [`Event::Done`] `Ok`.
    pub fn ping(&mut self, now: Instant, buf: &mut [u8]) -> Result<Transmit, RequestError> {
        self.start_request(Kind::Ping, MsgType::Ping, 0, now, buf, |_| Ok(()))
    }

    fn check_token(&self, token: &InvokeToken) -> Result<(), ReplyError> {
        if token.generation != self.generation || self.client_id().is_none() {
            return Err(ReplyError::Stale);
        }
        Ok(())
    }

    fn write_status(
        token: &InvokeToken,
        status: Status,
        w: &mut Writer<'_>,
    ) -> Result<(), EncodeError> {
        w.write_bytes(&Header::new(MsgType::Status, token.seq, token.peer).emit())?;
        let root = w.begin(AttrId::Unspec.to_u8())?;
        w.put_status(status)?;
        w.put_attr_u32(AttrId::ObjId, token.obj_id)?;
        w.end(root);
        Ok(())
    }

    /// Answers a method call with a status only; returns the frame length (0 when the caller
    /// asked for no reply).
    pub fn reply(
        &self,
        token: &InvokeToken,
        status: Status,
        buf: &mut [u8],
    ) -> Result<usize, ReplyError> {
        self.check_token(token)?;
        if token.no_reply {
            return Ok(0);
        }
        let mut w = Writer::new(buf);
        Self::write_status(token, status, &mut w)?;
        Ok(w.len())
    }

    /// Answers a method call with DATA (members written by `data`) followed by STATUS, both
    /// frames back to back in `buf`; returns their total length (0 when the caller asked for no
    /// reply).
    pub fn reply_with<F>(
        &self,
        token: &InvokeToken,
        status: Status,
        buf: &mut [u8],
        data: F,
    ) -> Result<usize, ReplyError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    {
        self.check_token(token)?;
        if token.no_reply {
            return Ok(0);
        }
        let mut w = Writer::new(buf);
        w.write_bytes(&Header::new(MsgType::Data, token.seq, token.peer).emit())?;
        let root = w.begin(AttrId::Unspec.to_u8())?;
        w.put_attr_u32(AttrId::ObjId, token.obj_id)?;
        w.put_data(data)?;
        w.end(root);
        Self::write_status(token, status, &mut w)?;
        Ok(w.len())
    }
}

#[cfg(test)]
mod tests;
