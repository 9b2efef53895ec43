//! Capacity limits of the data-model backends, each with the reason for its size.
//!
//! The protocol limits live in `cwmp_core::limits`; these bound what the platform's backends
//! accept from files and from bbfdm. Every limit has a test showing the typed error when it is
//! exceeded.

// ---- json (store files)

/// Largest store file read (seed or state). 10,000 parameters written with their types take
/// about 0.8 MiB; 8 MiB leaves room for large values without letting a runaway file exhaust
/// the router's RAM or hold the daemon at start-up.
pub const STORE_FILE_MAX_LEN: u64 = 8 * 1024 * 1024;

/// Deepest nesting of JSON containers. The store format needs 4 (document, list, entry, an
/// `enum` list); a few more keep room for growth while bounding the reader's state.
pub const JSON_MAX_DEPTH: usize = 8;

/// Longest JSON string token after unescaping: one value ([`VALUE_MAX_LEN`]) is the largest.
pub const JSON_STRING_MAX_LEN: usize = VALUE_MAX_LEN;

/// Longest JSON number token: an `unsignedLong` has 20 digits; 32 admits a sign, a fraction and
/// an exponent without admitting megabytes of digits.
pub const JSON_NUMBER_MAX_LEN: usize = 32;

// ---- builtin store

/// Longest parameter value held. TR-106 strings are mostly ≤ 256 or 1024 characters; 8 KiB also
/// admits certificates and URL lists, while a value still fits one SOAP element comfortably.
pub const VALUE_MAX_LEN: usize = 8 * 1024;

/// Most nodes (objects, instances and parameters) in the store: ten times the 10,000
/// parameters the store is sized for, about 3.5 MiB when full. An AddObject that would exceed
/// it is 9004.
pub const STORE_MAX_NODES: usize = 100_000;

/// Most children (parameters, objects or instances) of one object. TR-181 objects have at
/// most about a hundred parameters and CPE tables a few hundred instances; the bound keeps
/// finding a child, which scans the siblings, cheap even for a hostile store file. An
/// AddObject beyond it is 9004.
pub const OBJECT_MAX_CHILDREN: usize = 4096;

/// Most distinct parameter definitions (type, access, constraints). A data model shares a
/// handful per type; only parameters with their own ranges or enumerations add one. (Node
/// records refer to them with 16 bits.)
pub const STORE_MAX_SPECS: usize = 4096;

/// Most table declarations: the whole of TR-181 has about 700 multi-instance objects, and a
/// declaration is compared with the others when it is added.
pub const STORE_MAX_TABLES: usize = 1024;

/// Most entries in one `enum` constraint: TR-181 enumerations have at most a few dozen.
pub const ENUM_MAX_VALUES: usize = 64;

/// Most parameters in one table's instance template.
pub const TEMPLATE_MAX_PARAMS: usize = 256;

/// Deepest parameter path in segments (`Device.A.1.B.2.C` has 6). TR-181 paths stay below 12;
/// the walk keeps one small record per level.
pub const PATH_MAX_SEGMENTS: usize = 32;

/// Most values one SetParameterValues stages: the SOAP reader bounds the list anyway; this
/// stops a caller that never commits from growing the stage without end.
pub const STAGE_MAX_VALUES: usize = 1024;

// ---- bbfdm

/// Largest ubus frame accepted from bbfdm: ubusd's own limit (`UBUS_MAX_MSGLEN`), which is
/// `cwmp_core::limits::UBUS_MAX_MSG_LEN`. The receive buffer only grows that far for a reply
/// that large and shrinks back to [`BBFDM_RX_KEEP`] afterwards.
pub const BBFDM_MAX_FRAME_LEN: usize = cwmp_core::limits::UBUS_MAX_MSG_LEN;

/// Receive buffer capacity kept between calls: typical replies (one parameter, a small object)
/// fit in it without reallocation.
pub const BBFDM_RX_KEEP: usize = 64 * 1024;

/// Transmit buffer: a request carries one path and at most one value.
pub const BBFDM_TX_LEN: usize = VALUE_MAX_LEN + 2 * 1024;

// ---- device information

/// Largest `/etc/openwrt_release` read: the real file is about 300 bytes.
pub const RELEASE_FILE_MAX_LEN: u64 = 16 * 1024;
