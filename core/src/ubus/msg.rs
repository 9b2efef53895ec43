//! The ubus message: an 8-byte header followed by one root `blob_attr` of message attributes.
//!
//! Responsible for the header, every message type, attribute id and status code used by ubusd
//! (with their numeric values), for splitting a byte stream into frames with the size limit
//! applied before a frame is buffered ([`frame_len`]), for a checked view over one frame
//! ([`Frame`]) and its attributes ([`MsgAttrs`]), and for writing a frame ([`write_frame`]).
//! Not responsible for what a peer does with a message: that is [`super::client`]'s job (and the
//! broker's in the test harness).
//!
//! Layout (ubusmsg.h, PROTOCOL.md §2): `u8 version` (0), `u8 type`, `u16 seq`, `u32 peer`, all
//! big endian, then the root attribute (id 0) whose length covers every message attribute.

use core::fmt;

use super::blob::{self, Attr, Attrs, BlobError, EncodeError, Walk, Writer, be_u32};
use super::blobmsg;

/// Size of the message header.
pub const HEADER_LEN: usize = 8;

/// Smallest frame: the header and an empty root attribute.
pub const MIN_FRAME_LEN: usize = HEADER_LEN + blob::HEADER_LEN;

/// The only protocol version (libubus treats another value as a broken stream).
pub const VERSION: u8 = 0;

/// Ids below this are ubusd's own objects and never handed out (`UBUS_SYSTEM_OBJECT_MAX`).
pub const SYSTEM_OBJECT_MAX: u32 = 1024;

/// Object id of ubusd's event object (`register`, `send`).
pub const EVENT_OBJECT_ID: u32 = 1;

/// Object id of ubusd's ACL object (`query`).
pub const ACL_OBJECT_ID: u32 = 2;

/// Object id of ubusd's monitor object (`add`, `remove`).
pub const MONITOR_OBJECT_ID: u32 = 3;

/// A message type (`enum ubus_msg_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MsgType {
    /// ubusd greets a new connection; the header peer is the client's id.
    Hello = 0,
    /// Ends every request with a status code.
    Status = 1,
    /// Carries reply data before the status.
    Data = 2,
    /// Liveness check, echoed as DATA.
    Ping = 3,
    /// Looks objects up by path.
    Lookup = 4,
    /// Calls a method.
    Invoke = 5,
    /// Registers an object.
    AddObject = 6,
    /// Unregisters an object.
    RemoveObject = 7,
    /// Subscribes to an object's notifications.
    Subscribe = 8,
    /// Ends a subscription.
    Unsubscribe = 9,
    /// Notifies subscribers, or tells an owner its subscription state.
    Notify = 10,
    /// A copy of traffic for `ubus monitor`.
    Monitor = 11,
}

impl MsgType {
    /// The type with this number, if defined.
    pub const fn from_u8(v: u8) -> Option<MsgType> {
        Some(match v {
            0 => MsgType::Hello,
            1 => MsgType::Status,
            2 => MsgType::Data,
            3 => MsgType::Ping,
            4 => MsgType::Lookup,
            5 => MsgType::Invoke,
            6 => MsgType::AddObject,
            7 => MsgType::RemoveObject,
            8 => MsgType::Subscribe,
            9 => MsgType::Unsubscribe,
            10 => MsgType::Notify,
            11 => MsgType::Monitor,
            _ => return None,
        })
    }

    /// The number on the wire.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }
}

/// A message attribute id (`enum ubus_msg_attr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AttrId {
    /// Unused.
    Unspec = 0,
    /// int32 status code.
    Status = 1,
    /// string object path.
    ObjPath = 2,
    /// int32 object id.
    ObjId = 3,
    /// string method (or event / notification) name.
    Method = 4,
    /// int32 object type id.
    ObjType = 5,
    /// nested blobmsg: one table per method.
    Signature = 6,
    /// nested blobmsg: the JSON-like payload.
    Data = 7,
    /// int32 object id watched by a subscription.
    Target = 8,
    /// int8: the object has subscribers.
    Active = 9,
    /// int8: the receiver must not answer.
    NoReply = 10,
    /// nested plain int32 attributes (id 0): subscriber object ids.
    Subscribers = 11,
    /// string: the caller's user name.
    User = 12,
    /// string: the caller's group name.
    Group = 13,
}

/// Number of defined attribute ids (`UBUS_ATTR_MAX`).
pub const ATTR_COUNT: usize = 14;

impl AttrId {
    /// The attribute with this id, if defined.
    pub const fn from_u8(v: u8) -> Option<AttrId> {
        Some(match v {
            0 => AttrId::Unspec,
            1 => AttrId::Status,
            2 => AttrId::ObjPath,
            3 => AttrId::ObjId,
            4 => AttrId::Method,
            5 => AttrId::ObjType,
            6 => AttrId::Signature,
            7 => AttrId::Data,
            8 => AttrId::Target,
            9 => AttrId::Active,
            10 => AttrId::NoReply,
            11 => AttrId::Subscribers,
            12 => AttrId::User,
            13 => AttrId::Group,
            _ => return None,
        })
    }

    /// The id on the wire.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The payload shape the receiver checks (PROTOCOL.md §6).
    const fn payload(self) -> Payload {
        match self {
            AttrId::Status | AttrId::ObjId | AttrId::ObjType | AttrId::Target => Payload::Int32,
            AttrId::Active | AttrId::NoReply => Payload::Int8,
            AttrId::ObjPath | AttrId::Method | AttrId::User | AttrId::Group => Payload::String,
            AttrId::Signature | AttrId::Data | AttrId::Subscribers => Payload::Nested,
            AttrId::Unspec => Payload::Any,
        }
    }

    /// True when ubusd type-checks this attribute in frames it receives (`ubus_policy` in
    /// ubusd_proto.c); the others it takes as they come.
    const fn checked_by_ubusd(self) -> bool {
        matches!(
            self,
            AttrId::Signature
                | AttrId::ObjType
                | AttrId::ObjPath
                | AttrId::ObjId
                | AttrId::Status
                | AttrId::Method
                | AttrId::User
                | AttrId::Group
        )
    }
}

#[derive(Clone, Copy)]
enum Payload {
    Int32,
    Int8,
    String,
    Nested,
    Any,
}

impl Payload {
    fn accepts(self, payload: &[u8]) -> bool {
        match self {
            Payload::Int32 => payload.len() == 4,
            Payload::Int8 => payload.len() == 1,
            Payload::String => payload.last() == Some(&0),
            Payload::Nested | Payload::Any => true,
        }
    }
}

/// A ubus status code (`enum ubus_msg_status`; text from libubus `ubus_strerror`).
///
/// Object servers may answer any `i32`; codes outside the table are [`Status::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: Success.
    Ok,
    /// 1: Invalid command (unknown message type, unknown event method).
    InvalidCommand,
    /// 2: Invalid argument.
    InvalidArgument,
    /// 3: Method not found.
    MethodNotFound,
    /// 4: Not found (unknown path or id).
    NotFound,
    /// 5: No response.
    NoData,
    /// 6: Permission denied.
    PermissionDenied,
    /// 7: Request timed out (client side only).
    Timeout,
    /// 8: Operation not supported.
    NotSupported,
    /// 9: Unknown error.
    UnknownError,
    /// 10: Connection failed (client side only).
    ConnectionFailed,
    /// 11: Out of memory.
    NoMemory,
    /// 12: Parsing message data failed.
    ParseError,
    /// 13: System error.
    SystemError,
    /// Any other code an object server returned.
    Other(i32),
}

impl Status {
    /// The status for a numeric code.
    pub const fn from_code(code: i32) -> Status {
        match code {
            0 => Status::Ok,
            1 => Status::InvalidCommand,
            2 => Status::InvalidArgument,
            3 => Status::MethodNotFound,
            4 => Status::NotFound,
            5 => Status::NoData,
            6 => Status::PermissionDenied,
            7 => Status::Timeout,
            8 => Status::NotSupported,
            9 => Status::UnknownError,
            10 => Status::ConnectionFailed,
            11 => Status::NoMemory,
            12 => Status::ParseError,
            13 => Status::SystemError,
            other => Status::Other(other),
        }
    }

    /// The numeric code on the wire.
    pub const fn code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::InvalidCommand => 1,
            Status::InvalidArgument => 2,
            Status::MethodNotFound => 3,
            Status::NotFound => 4,
            Status::NoData => 5,
            Status::PermissionDenied => 6,
            Status::Timeout => 7,
            Status::NotSupported => 8,
            Status::UnknownError => 9,
            Status::ConnectionFailed => 10,
            Status::NoMemory => 11,
            Status::ParseError => 12,
            Status::SystemError => 13,
            Status::Other(code) => code,
        }
    }

    /// libubus's text for the code.
    pub const fn text(self) -> &'static str {
        match self {
            Status::Ok => "Success",
            Status::InvalidCommand => "Invalid command",
            Status::InvalidArgument => "Invalid argument",
            Status::MethodNotFound => "Method not found",
            Status::NotFound => "Not found",
            Status::NoData => "No response",
            Status::PermissionDenied => "Permission denied",
            Status::Timeout => "Request timed out",
            Status::NotSupported => "Operation not supported",
            Status::UnknownError | Status::Other(_) => "Unknown error",
            Status::ConnectionFailed => "Connection failed",
            Status::NoMemory => "Out of memory",
            Status::ParseError => "Parsing message data failed",
            Status::SystemError => "System error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.text(), self.code())
    }
}

/// The 8-byte message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Protocol version, [`VERSION`].
    pub version: u8,
    /// Message type number (see [`MsgType`]; unknown numbers are kept).
    pub msg_type: u8,
    /// Request sequence number.
    pub seq: u16,
    /// Peer: a client id, an object id or 0, depending on the message (PROTOCOL.md §5).
    pub peer: u32,
}

impl Header {
    /// A version-0 header.
    pub const fn new(msg_type: MsgType, seq: u16, peer: u32) -> Header {
        Header {
            version: VERSION,
            msg_type: msg_type.to_u8(),
            seq,
            peer,
        }
    }

    /// Reads a header.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Header {
        Header {
            version: b[0],
            msg_type: b[1],
            seq: u16::from_be_bytes([b[2], b[3]]),
            peer: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// The header bytes.
    pub fn emit(&self) -> [u8; HEADER_LEN] {
        let seq = self.seq.to_be_bytes();
        let peer = self.peer.to_be_bytes();
        [
            self.version,
            self.msg_type,
            seq[0],
            seq[1],
            peer[0],
            peer[1],
            peer[2],
            peer[3],
        ]
    }

    /// The message type, if it is a defined one.
    pub fn kind(&self) -> Option<MsgType> {
        MsgType::from_u8(self.msg_type)
    }
}

/// Why bytes are not one ubus frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer bytes than the header and root attribute need.
    Truncated,
    /// The root attribute's length is below its own header size.
    RootTooShort,
    /// The frame announces more than the size limit (`len` is the padded root length).
    TooLarge {
        /// Announced padded root length.
        len: usize,
    },
    /// The buffer holds more or fewer bytes than the root length says.
    LengthMismatch,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Truncated => f.write_str("truncated ubus frame"),
            FrameError::RootTooShort => f.write_str("ubus root attribute shorter than 4 bytes"),
            FrameError::TooLarge { len } => write!(f, "ubus frame of {len} bytes over the limit"),
            FrameError::LengthMismatch => f.write_str("ubus frame length does not match its root"),
        }
    }
}

/// How much of a frame a receive buffer holds (httparse style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Not a whole frame yet: at least `needed` bytes are required in total.
    Partial {
        /// Total bytes known to be needed (12 until the header is in, then the frame size).
        needed: usize,
    },
    /// The first `len` bytes are one whole frame.
    Complete {
        /// Frame size.
        len: usize,
    },
}

/// Finds the frame at the start of `buf`, refusing a length above `max_len` (padded root length,
/// like ubusd) as soon as the first 12 bytes are in.
pub fn frame_len(buf: &[u8], max_len: usize) -> Result<Framing, FrameError> {
    let Some(word) = be_u32(buf, HEADER_LEN) else {
        return Ok(Framing::Partial {
            needed: MIN_FRAME_LEN,
        });
    };
    let root_len = (word & 0x00ff_ffff) as usize;
    if root_len < blob::HEADER_LEN {
        return Err(FrameError::RootTooShort);
    }
    if blob::pad4(root_len) > max_len {
        return Err(FrameError::TooLarge {
            len: blob::pad4(root_len),
        });
    }
    let len = HEADER_LEN + root_len;
    if buf.len() < len {
        Ok(Framing::Partial { needed: len })
    } else {
        Ok(Framing::Complete { len })
    }
}

/// One whole frame: a checked view whose header and root length are consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    header: Header,
    root: Attr<'a>,
    bytes: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Checks that `bytes` is exactly one frame (header, root attribute, nothing after).
    pub fn new_checked(bytes: &'a [u8]) -> Result<Frame<'a>, FrameError> {
        let (head, rest) = bytes
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(FrameError::Truncated)?;
        let root = Attr::parse(rest).map_err(|e| match e {
            BlobError::LengthTooShort => FrameError::RootTooShort,
            BlobError::TruncatedHeader | BlobError::Overrun => FrameError::Truncated,
        })?;
        if root.raw_len() != rest.len() {
            return Err(FrameError::LengthMismatch);
        }
        Ok(Frame {
            header: Header::parse(head),
            root,
            bytes,
        })
    }

    /// The header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// The message type, if defined.
    pub fn kind(&self) -> Option<MsgType> {
        self.header.kind()
    }

    /// The sequence number.
    pub fn seq(&self) -> u16 {
        self.header.seq
    }

    /// The header peer.
    pub fn peer(&self) -> u32 {
        self.header.peer
    }

    /// The root attribute's payload: the message attributes.
    pub fn body(&self) -> &'a [u8] {
        self.root.payload()
    }

    /// The whole frame.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The attributes, every one well-formed and of the payload type its id calls for.
    pub fn attrs(&self) -> Result<MsgAttrs<'a>, AttrError> {
        MsgAttrs::parse(self.body())
    }

    /// The attributes as ubusd reads a client's frame (`blob_parse_untrusted`): walking stops
    /// at the first attribute that does not fit, attributes of the wrong type are ignored.
    pub fn attrs_lenient(&self) -> MsgAttrs<'a> {
        MsgAttrs::parse_lenient(self.body())
    }
}

/// Why a frame's attributes are not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrError {
    /// The attribute framing is broken.
    Blob(BlobError),
    /// A message attribute carries the blobmsg (extended) flag.
    Extended(u8),
    /// An attribute's payload does not have the shape its id calls for.
    BadPayload(AttrId),
}

impl From<BlobError> for AttrError {
    fn from(e: BlobError) -> Self {
        AttrError::Blob(e)
    }
}

impl fmt::Display for AttrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrError::Blob(e) => write!(f, "ubus attributes: {e}"),
            AttrError::Extended(id) => write!(f, "ubus attribute {id} has the blobmsg flag"),
            AttrError::BadPayload(id) => write!(f, "ubus attribute {id:?} of the wrong type"),
        }
    }
}

/// A frame's attributes indexed by id. As in libubox, when an id repeats the last one counts;
/// ids beyond [`AttrId::Group`] are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MsgAttrs<'a> {
    slots: [Option<Attr<'a>>; ATTR_COUNT],
}

impl<'a> MsgAttrs<'a> {
    /// Parses strictly: any malformed attribute is an error.
    pub fn parse(body: &'a [u8]) -> Result<MsgAttrs<'a>, AttrError> {
        let mut out = MsgAttrs::default();
        for attr in Attrs::new(body, Walk::Strict) {
            let attr = attr?;
            let Some(id) = AttrId::from_u8(attr.id()) else {
                continue;
            };
            if attr.is_extended() {
                return Err(AttrError::Extended(attr.id()));
            }
            if !id.payload().accepts(attr.payload()) {
                return Err(AttrError::BadPayload(id));
            }
            out.set(id, attr);
        }
        Ok(out)
    }

    /// Parses like ubusd (see [`Frame::attrs_lenient`]).
    pub fn parse_lenient(body: &'a [u8]) -> MsgAttrs<'a> {
        let mut out = MsgAttrs::default();
        for attr in Attrs::new(body, Walk::Lenient).flatten() {
            let Some(id) = AttrId::from_u8(attr.id()) else {
                continue;
            };
            if id.checked_by_ubusd() && !id.payload().accepts(attr.payload()) {
                continue;
            }
            out.set(id, attr);
        }
        out
    }

    fn set(&mut self, id: AttrId, attr: Attr<'a>) {
        if let Some(slot) = self.slots.get_mut(usize::from(id.to_u8())) {
            *slot = Some(attr);
        }
    }

    /// The raw attribute with this id.
    pub fn get(&self, id: AttrId) -> Option<Attr<'a>> {
        self.slots.get(usize::from(id.to_u8())).copied().flatten()
    }

    fn int32(&self, id: AttrId) -> Option<u32> {
        let p = self.get(id)?.payload();
        be_u32(p, 0).filter(|_| p.len() == 4)
    }

    fn int8(&self, id: AttrId) -> Option<u8> {
        match self.get(id)?.payload() {
            [v] => Some(*v),
            _ => None,
        }
    }

    fn string(&self, id: AttrId) -> Option<&'a [u8]> {
        match self.get(id)?.payload().split_last() {
            Some((0, s)) => Some(s),
            _ => None,
        }
    }

    /// `STATUS`.
    pub fn status(&self) -> Option<Status> {
        // The int32 bits reinterpreted as signed, as libubus reads them.
        self.int32(AttrId::Status)
            .map(|v| Status::from_code(v as i32))
    }

    /// `OBJPATH`, without its NUL.
    pub fn objpath(&self) -> Option<&'a [u8]> {
        self.string(AttrId::ObjPath)
    }

    /// `OBJID`.
    pub fn objid(&self) -> Option<u32> {
        self.int32(AttrId::ObjId)
    }

    /// `METHOD`, without its NUL.
    pub fn method(&self) -> Option<&'a [u8]> {
        self.string(AttrId::Method)
    }

    /// `OBJTYPE`.
    pub fn objtype(&self) -> Option<u32> {
        self.int32(AttrId::ObjType)
    }

    /// `SIGNATURE`'s payload (blobmsg tables, one per method), unvalidated.
    pub fn signature(&self) -> Option<&'a [u8]> {
        self.get(AttrId::Signature).map(|a| a.payload())
    }

    /// `DATA`'s payload (blobmsg members), unvalidated.
    pub fn data(&self) -> Option<&'a [u8]> {
        self.get(AttrId::Data).map(|a| a.payload())
    }

    /// `DATA` validated as a blobmsg table.
    pub fn data_table(&self) -> Option<Result<blobmsg::Table<'a>, blobmsg::Error>> {
        self.data().map(blobmsg::Table::new_checked)
    }

    /// `TARGET`.
    pub fn target(&self) -> Option<u32> {
        self.int32(AttrId::Target)
    }

    /// `ACTIVE`.
    pub fn active(&self) -> Option<bool> {
        self.int8(AttrId::Active).map(|v| v != 0)
    }

    /// `NO_REPLY`.
    pub fn no_reply(&self) -> Option<bool> {
        self.int8(AttrId::NoReply).map(|v| v != 0)
    }

    /// `SUBSCRIBERS`: the subscriber object ids.
    pub fn subscribers(&self) -> Option<Subscribers<'a>> {
        self.get(AttrId::Subscribers).map(|a| Subscribers {
            attrs: Attrs::new(a.payload(), Walk::Strict),
        })
    }

    /// `USER`, without its NUL.
    pub fn user(&self) -> Option<&'a [u8]> {
        self.string(AttrId::User)
    }

    /// `GROUP`, without its NUL.
    pub fn group(&self) -> Option<&'a [u8]> {
        self.string(AttrId::Group)
    }
}

/// The object ids listed in a `SUBSCRIBERS` attribute (stops at the first malformed entry).
#[derive(Debug, Clone)]
pub struct Subscribers<'a> {
    attrs: Attrs<'a>,
}

impl Iterator for Subscribers<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let attr = self.attrs.next()?.ok()?;
        let p = attr.payload();
        be_u32(p, 0).filter(|_| p.len() == 4)
    }
}

/// Writes one frame into `buf`: the header, the root attribute with what `body` writes inside,
/// and returns the frame's length.
pub fn write_frame<F>(buf: &mut [u8], header: Header, body: F) -> Result<usize, EncodeError>
where
    F: FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
{
    let mut w = Writer::new(buf);
    w.write_bytes(&header.emit())?;
    let root = w.begin(AttrId::Unspec.to_u8())?;
    body(&mut w)?;
    w.end(root);
    Ok(w.len())
}

/// Helpers for the message attributes, on top of the blob [`Writer`].
impl Writer<'_> {
    /// Writes an int32 message attribute from a `u32` (ids, object types).
    pub fn put_attr_u32(&mut self, id: AttrId, value: u32) -> Result<(), EncodeError> {
        self.put_int32(id.to_u8(), value)
    }

    /// Writes a `STATUS` attribute.
    pub fn put_status(&mut self, status: Status) -> Result<(), EncodeError> {
        // The code's bits, as libubus writes the signed status.
        self.put_int32(AttrId::Status.to_u8(), status.code() as u32)
    }

    /// Writes a string message attribute.
    pub fn put_attr_string(&mut self, id: AttrId, value: &[u8]) -> Result<(), EncodeError> {
        self.put_cstring(id.to_u8(), value)
    }

    /// Writes a `DATA` attribute whose blobmsg members `body` writes.
    pub fn put_data<F>(&mut self, body: F) -> Result<(), EncodeError>
    where
        F: FnOnce(&mut Self) -> Result<(), EncodeError>,
    {
        let nest = self.begin(AttrId::Data.to_u8())?;
        body(self)?;
        self.end(nest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: [u8; 12] = [0, 0, 0, 0, 0xad, 0x6f, 0x2b, 0x21, 0, 0, 0, 4];

    #[test]
    fn hello_parses() {
        let f = Frame::new_checked(&HELLO).unwrap();
        assert_eq!(f.kind(), Some(MsgType::Hello));
        assert_eq!(f.peer(), 0xad6f_2b21);
        assert_eq!(f.seq(), 0);
        assert!(f.body().is_empty());
    }

    #[test]
    fn header_round_trips() {
        let h = Header::new(MsgType::Invoke, 0x1234, 0x7e54_ec4b);
        assert_eq!(Header::parse(&h.emit()), h);
    }

    #[test]
    fn frame_len_needs_twelve_bytes_first() {
        assert_eq!(
            frame_len(&HELLO[..11], 1024),
            Ok(Framing::Partial { needed: 12 })
        );
        assert_eq!(frame_len(&HELLO, 1024), Ok(Framing::Complete { len: 12 }));
    }

    #[test]
    fn frame_len_reports_total_once_header_is_in() {
        let mut buf = [0u8; 12];
        buf[8..].copy_from_slice(&100u32.to_be_bytes());
        assert_eq!(frame_len(&buf, 1024), Ok(Framing::Partial { needed: 108 }));
    }

    #[test]
    fn frame_len_refuses_oversized_before_reading_it() {
        let mut buf = [0u8; 12];
        buf[8..].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
        assert_eq!(
            frame_len(&buf, crate::limits::UBUS_MAX_MSG_LEN),
            Err(FrameError::TooLarge { len: 0x0100_0000 })
        );
        // Exactly the limit is fine.
        buf[8..].copy_from_slice(&1_048_576u32.to_be_bytes());
        assert!(frame_len(&buf, crate::limits::UBUS_MAX_MSG_LEN).is_ok());
    }

    #[test]
    fn frame_len_refuses_root_shorter_than_header() {
        let mut buf = HELLO;
        buf[11] = 3;
        assert_eq!(frame_len(&buf, 1024), Err(FrameError::RootTooShort));
        assert_eq!(Frame::new_checked(&buf), Err(FrameError::RootTooShort));
    }

    #[test]
    fn frame_with_trailing_bytes_is_rejected() {
        let mut buf = [0u8; 13];
        buf[..12].copy_from_slice(&HELLO);
        assert_eq!(Frame::new_checked(&buf), Err(FrameError::LengthMismatch));
        assert_eq!(Frame::new_checked(&HELLO[..10]), Err(FrameError::Truncated));
    }

    #[test]
    fn strict_attrs_reject_wrong_payload_type() {
        let mut buf = [0u8; 64];
        let n = write_frame(&mut buf, Header::new(MsgType::Status, 1, 0), |w| {
            w.put(AttrId::Status.to_u8(), &[0, 0])
        })
        .unwrap();
        let f = Frame::new_checked(&buf[..n]).unwrap();
        assert_eq!(f.attrs(), Err(AttrError::BadPayload(AttrId::Status)));
        assert_eq!(f.attrs_lenient().status(), None);
    }

    #[test]
    fn lenient_attrs_keep_unchecked_ids_but_accessors_stay_safe() {
        let mut buf = [0u8; 64];
        let n = write_frame(&mut buf, Header::new(MsgType::Notify, 1, 0), |w| {
            w.put(AttrId::NoReply.to_u8(), &[])?;
            w.put(AttrId::Target.to_u8(), &[1])
        })
        .unwrap();
        let f = Frame::new_checked(&buf[..n]).unwrap();
        let a = f.attrs_lenient();
        assert!(a.get(AttrId::NoReply).is_some());
        assert_eq!(a.no_reply(), None);
        assert_eq!(a.target(), None);
    }

    #[test]
    fn last_duplicate_wins_and_unknown_ids_are_ignored() {
        let mut buf = [0u8; 64];
        let n = write_frame(&mut buf, Header::new(MsgType::Data, 1, 0), |w| {
            w.put_attr_u32(AttrId::ObjId, 1)?;
            w.put_int32(99, 7)?;
            w.put_attr_u32(AttrId::ObjId, 2)
        })
        .unwrap();
        let f = Frame::new_checked(&buf[..n]).unwrap();
        assert_eq!(f.attrs().unwrap().objid(), Some(2));
    }

    #[test]
    fn extended_message_attribute_is_rejected() {
        let mut buf = [0u8; 64];
        let n = write_frame(&mut buf, Header::new(MsgType::Data, 1, 0), |w| {
            w.put_i32("x", 1)
        })
        .unwrap();
        let f = Frame::new_checked(&buf[..n]).unwrap();
        assert_eq!(f.attrs(), Err(AttrError::Extended(5)));
    }

    #[test]
    fn status_codes_round_trip() {
        for code in -3..20 {
            assert_eq!(Status::from_code(code).code(), code);
        }
        assert_eq!(Status::InvalidArgument.code(), 2);
        assert_eq!(Status::from_code(3), Status::MethodNotFound);
        assert_eq!(Status::from_code(-1), Status::Other(-1));
    }

    #[test]
    fn msg_types_and_attr_ids_round_trip() {
        for v in 0..=255u8 {
            if let Some(t) = MsgType::from_u8(v) {
                assert_eq!(t.to_u8(), v);
            }
            if let Some(a) = AttrId::from_u8(v) {
                assert_eq!(a.to_u8(), v);
            }
        }
        assert_eq!(MsgType::from_u8(12), None);
        assert_eq!(AttrId::from_u8(14), None);
    }
}
