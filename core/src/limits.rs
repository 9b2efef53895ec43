//! Every capacity in cwmp-core, in one place, each with the reason for its size.
//!
//! Exceeding one of these is always a defined outcome (a typed error that maps to a CWMP fault,
//! an HTTP status or a ubus status), never a panic and never silent truncation.

// ---- xml

/// Deepest element nesting accepted. CWMP messages nest at most 8 levels (Envelope, Body,
/// Fault, detail, cwmp:Fault, SetParameterValuesFault, ParameterName); 16 leaves room for
/// vendor wrappers while bounding the reader's stack.
pub const XML_MAX_DEPTH: usize = 16;
/// Longest element or attribute name (prefix + local part). The longest CWMP name,
/// `AutonomousDUStateChangeCompleteResponse`, has 39 characters.
pub const XML_MAX_NAME_LEN: usize = 128;
/// Longest run of character data. Parameter values can legitimately be long (certificates,
/// configuration blobs in base64), so this is generous; the HTTP body cap bounds the total.
pub const XML_MAX_TEXT_LEN: usize = 64 * 1024;
/// Longest attribute value: namespace URIs, `xsi:type`, `soap-enc:arrayType`.
pub const XML_MAX_ATTR_VALUE_LEN: usize = 1024;
/// Most attributes on one element. A SOAP envelope start tag carries five or six declarations.
pub const XML_MAX_ATTRIBUTES: usize = 16;
/// Most namespace declarations in scope at once. Every element view carries a copy of its
/// scope, so this also sets the size of an [`crate::xml::Element`] (16 bytes per binding).
pub const XML_MAX_NS_BINDINGS: usize = 16;

// ---- soap

/// Longest `cwmp:ID` accepted. It must be echoed in the response, so the agent keeps a copy;
/// GenieACS uses 15 characters, other ACSs UUIDs (36).
pub const SOAP_MAX_ID_LEN: usize = 128;
/// Most entries in a list an ACS sends (ParameterNames, ParameterList...). Lists are read
/// lazily and cost no memory, so this only bounds the work per message; a larger list is
/// answered with fault 9004.
pub const SOAP_MAX_LIST_ITEMS: usize = 65_536;
/// Most events in an Inform (`EventList` maxOccurs in the XSD).
pub const SOAP_MAX_EVENTS: usize = 64;
/// Most transfers in a transfer list (`TransferList` maxOccurs in the XSD).
pub const SOAP_MAX_TRANSFERS: usize = 16;
/// Most time windows in a ScheduleDownload (`TimeWindowList` maxOccurs in the XSD).
pub const SOAP_MAX_TIME_WINDOWS: usize = 2;
/// Most operations in one ChangeDUState (unbounded in the XSD; each needs a result slot).
pub const SOAP_MAX_OPERATIONS: usize = 16;

// ---- datamodel

/// Longest parameter path (`string(256)` in the CWMP XSD).
pub const PATH_MAX_LEN: usize = 256;

// ---- agent

/// Undelivered events the agent can hold. By construction this is never reached: at most 15
/// numeric codes (each kept once), one `M Reboot`, one `M` event per scheduled inform and per
/// transfer; the margin covers an `M` event raised during a session. Overflow answers 9004.
pub const EVENT_QUEUE_MAX: usize = 15 + 1 + SCHEDULED_INFORMS_MAX + TRANSFERS_MAX + 4;
/// Length of a command key (`CommandKeyType`, string(32) in the XSD).
pub const EVENT_KEY_MAX: usize = 32;
/// Pending ScheduleInform requests; one more is refused with 9004.
pub const SCHEDULED_INFORMS_MAX: usize = 8;
/// Queued or unreported transfers (Download, Upload, ScheduleDownload); one more is refused
/// with 9004. The XSD allows lists of 16; routers rarely queue more than a firmware image and a
/// configuration file, and each slot costs about 600 bytes of agent state.
pub const TRANSFERS_MAX: usize = 4;
/// Longest URL the agent keeps (ACS URL, transfer URLs: `string(256)` in the XSD).
pub const URL_MAX: usize = 256;
/// Longest user name or password the agent keeps. TR-181 allows 256; 128 covers every
/// deployment seen and halves the state; a longer one is refused with 9007/9004.
pub const CREDENTIAL_MAX: usize = 128;
/// `ManagementServer.InformParameter.{i}` entries; AddObject beyond answers 9004.
pub const INFORM_PARAMS_MAX: usize = 4;
/// Attribute rules (SetParameterAttributes on a name or partial path); one more answers 9004.
pub const ATTR_RULES_MAX: usize = 16;
/// Parameters watched for value changes (24 bytes each: hashes, not strings). A rule that
/// would watch more is refused with 9004; parameters that appear later beyond it are logged.
pub const NOTIFY_TRACKED_MAX: usize = 128;
