//! Every capacity in cwmp-core, in one place, each with the reason for its size.
//!
//! Exceeding one of these is always a defined outcome (a typed error that maps to a CWMP fault,
//! an HTTP status or a ubus status), never a panic and never silent truncation.

// ---- ubus

/// Largest ubus message accepted (root attribute, padded): ubusd's `UBUS_MAX_MSGLEN`. ubusd
/// disconnects a client announcing more and libubus stops reading, so a bigger frame is never
/// valid; it is refused from its 12-byte prefix, before any of it is buffered.
pub const UBUS_MAX_MSG_LEN: usize = 1_048_576;

/// Deepest nesting of blobmsg tables and arrays accepted, the outer `DATA` table counting as one.
/// bbfdm and icwmp replies nest 3 to 4 levels; 16 leaves room and bounds the validator's recursion.
pub const UBUS_MAX_NESTING: usize = 16;

/// Requests the ubus client keeps in flight for its caller (lookups, calls, event sends). The
/// agent calls at most a few objects (bbfdm) one request at a time; 8 absorbs bursts.
pub const UBUS_MAX_PENDING_REQUESTS: usize = 8;

/// Status replies the ubus client can owe ubusd at once (answers to calls of unknown methods or
/// objects, acknowledgements of events). Each is 28 bytes on the wire and is drained by the next
/// `poll_transmit`; beyond this the extra replies are dropped and those callers time out.
pub const UBUS_MAX_OWED_REPLIES: usize = 8;

/// Event patterns (`ubus listen`) one client registers: the agent needs a handful
/// (`network.interface`, `bbfdm.event`, `ubus.object.add`).
pub const UBUS_MAX_EVENT_PATTERNS: usize = 8;

// ---- control

/// Longest request line on the local control socket, newline included. A request is a method
/// name and at most a command or an event name plus a boolean: well under 200 bytes.
pub const CONTROL_MAX_LINE: usize = 512;

/// Scratch for unescaping JSON strings of one control request: only the method, the command and
/// the event name are strings, each far shorter than this.
pub const CONTROL_UNESCAPE_BUF: usize = 128;
