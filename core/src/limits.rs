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

// ---- config

/// Largest configuration file read, in bytes. icwmp's default `/etc/config/cwmp` has about
/// 1.5 KiB; 64 KiB leaves room for comments and every option while bounding the parse.
pub const CONFIG_MAX_FILE_LEN: usize = 64 * 1024;
/// Longest physical line of a UCI file, in bytes without the line end. `uci export` writes one
/// statement per line and the longest cwmp value (a 256-byte URL or password) fits many times.
pub const UCI_MAX_LINE_LEN: usize = 4096;
/// Longest section type, section name or option name as written (quotes included). libuci
/// names are shell identifiers; icwmp's longest is `retry_interval_multiplier` (25).
pub const UCI_MAX_NAME_LEN: usize = 128;
/// Longest option value as written (quotes, escapes and continuation lines included). Every
/// typed cwmp value is at most 256 bytes; 4 KiB keeps multi-line values of unknown options.
pub const UCI_MAX_VALUE_LEN: usize = 4096;
/// Most `config` statements in one file. icwmp's default file has 3 sections.
pub const UCI_MAX_SECTIONS: usize = 64;
/// Most `option` and `list` statements in one file. icwmp's default file has about 45.
pub const UCI_MAX_OPTIONS: usize = 1024;
/// Most warnings kept for the caller; further ones are only counted. The default icwmp file
/// yields about 20 (the icwmp options cwmpd ignores).
pub const CONFIG_MAX_WARNINGS: usize = 32;
/// Characters of an offending value quoted in an error message, so a log line stays short.
pub const CONFIG_MESSAGE_VALUE_LEN: usize = 64;
/// Longest ACS URL (`Device.ManagementServer.URL` is `string(256)` in TR-181).
pub const CONFIG_URL_LEN: usize = 256;
/// Longest user name or password (`ManagementServer.Username`/`Password`,
/// `ConnectionRequestUsername`/`Password` are `string(256)` in TR-181).
pub const CONFIG_CREDENTIAL_LEN: usize = 256;
/// Longest file system path or Connection Request path. OpenWrt paths are short; PATH_MAX is
/// far more than a router's configuration ever uses.
pub const CONFIG_PATH_LEN: usize = 128;
/// Longest shell command line (reboot, factory reset, firmware and configuration apply).
pub const CONFIG_COMMAND_LEN: usize = 256;
/// Longest `DeviceInfo` override (Manufacturer, ProductClass, SerialNumber, versions, ModelName
/// are `string(64)` in TR-181).
pub const CONFIG_DEVICE_INFO_LEN: usize = 64;
/// Longest `DeviceInfo.Description` override (`string(256)` in TR-181).
pub const CONFIG_DESCRIPTION_LEN: usize = 256;
/// Longest `DeviceInfo.ProvisioningCode` (`string(64)` in TR-181).
pub const CONFIG_PROVISIONING_CODE_LEN: usize = 64;
/// Longest network interface name: a netifd interface (a UCI section name) or a Linux device
/// (IFNAMSIZ is 16).
pub const CONFIG_IFNAME_LEN: usize = 32;
/// Smallest and largest `tx_buffer` (bytes the daemon encodes an outgoing message chunk into).
/// Below 1 KiB not even an Inform header fits; above 1 MiB a router wastes RAM.
pub const CONFIG_TX_BUFFER_RANGE: (u32, u32) = (1024, 1024 * 1024);
/// Smallest and largest `max_envelope` (biggest ACS message accepted). 4 KiB holds any short
/// RPC; 4 MiB is more than any ACS sends and still fits a router's RAM.
pub const CONFIG_ENVELOPE_RANGE: (u32, u32) = (4096, 4 * 1024 * 1024);
