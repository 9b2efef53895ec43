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
