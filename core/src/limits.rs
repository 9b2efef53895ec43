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
/// numeric codes (each kept once), one `M Reboot`, one `M` event per scheduled inform (pending
/// and fired-but-undelivered ones together are bounded by [`SCHEDULED_INFORMS_MAX`]) and per
/// transfer and per ChangeDUState; the margin covers an `M` event raised during a session.
/// Overflow answers 9004.
pub const EVENT_QUEUE_MAX: usize =
    15 + 1 + SCHEDULED_INFORMS_MAX + TRANSFERS_MAX + DU_CHANGES_MAX + 4;
/// Length of a command key (`CommandKeyType`, string(32) in the XSD).
pub const EVENT_KEY_MAX: usize = 32;
/// Pending ScheduleInform requests plus fired ones whose `M ScheduleInform` is not delivered yet;
/// one more is refused with 9004.
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
/// ChangeDUState requests kept until their DUStateChangeComplete is delivered (queued, running
/// or finished); one more is refused with 9004. ACSes send one per session and wait for it.
pub const DU_CHANGES_MAX: usize = 2;
/// Operations in one ChangeDUState the agent carries out; a request with more is refused with
/// 9004 (each costs about 1 KiB of agent state and up to 4 KiB of snapshot).
pub const DU_OPS_MAX: usize = 4;
/// Autonomous DU changes waiting for their AutonomousDUStateChangeComplete; the platform keeps
/// a change it could not hand over and offers it again later.
pub const DU_AUTONOMOUS_MAX: usize = 4;
/// A UUID in its RFC 4122 text form.
pub const DU_UUID_LEN: usize = 36;
/// Longest DU version kept (`string(32)` in the XSD).
pub const DU_VERSION_MAX: usize = 32;
/// Longest ExecutionEnvRef accepted: longer ones cannot name an execution environment of this
/// CPE (`Device.SoftwareModules.ExecEnv.{i}`) and are refused with 9023.
pub const DU_EE_REF_MAX: usize = 64;
/// Longest DeploymentUnitRef of a result (`Device.SoftwareModules.DeploymentUnit.{i}`).
pub const DU_REF_MAX: usize = 64;
/// Longest ExecutionUnitRefList of a result.
pub const DU_EU_LIST_MAX: usize = 128;
/// Longest FaultString of a result.
pub const DU_FAULT_STRING_MAX: usize = 128;
/// Longest `ManagementServer.DUStateChangeComplPolicy.FaultCodeFilter` kept, bytes: every
/// allowed code once fits; a longer one is refused with 9007.
pub const DU_FAULT_CODES_MAX: usize = 96;
/// `ManagementServer.InformParameter.{i}` entries; AddObject beyond answers 9004.
pub const INFORM_PARAMS_MAX: usize = 4;
/// Longest `ManagementServer.AutonomousTransferCompletePolicy.FileTypeFilter` kept, bytes (a
/// longer one is refused with 9007).
pub const ATC_FILE_TYPES_MAX: usize = 256;
/// Attribute rules (SetParameterAttributes on a name or partial path); one more answers 9004.
pub const ATTR_RULES_MAX: usize = 16;
/// Parameters watched for value changes (24 bytes each: hashes, not strings). A rule that
/// would watch more is refused with 9004; parameters that appear later beyond it are logged.
pub const NOTIFY_TRACKED_MAX: usize = 128;
// ---- http

/// Longest URL (ACS URL, redirect `Location`) accepted. TR-181 `ManagementServer.URL` is a
/// string(256); redirects may add a longer path, so twice that plus room for a query string.
pub const HTTP_MAX_URL_LEN: usize = 1024;

/// Most header fields in one ACS response. GenieACS sends 7–8; proxies and load balancers add a
/// few; beyond this the peer is not an ACS we can talk to (typed error, session fails).
pub const HTTP_MAX_RESPONSE_HEADERS: usize = 32;

/// Largest response head (status line + all header fields + blank line). 8 KiB is what common
/// servers (nginx, Node) accept for a whole request head, and it leaves room for one maximal
/// cookie.
pub const HTTP_MAX_HEAD_BYTES: usize = 8 * 1024;

/// Largest single header line of a response. RFC 6265 §6.1 asks for cookies of at least
/// 4096 bytes; the attribute text and the field name fit in the rest.
pub const HTTP_MAX_HEADER_LINE: usize = 5 * 1024;

/// Default cap on a response body when the caller does not configure one. Envelopes of at least
/// 32 KiB must be accepted (digest §1.1); large SetParameterValues/Download sets fit easily.
pub const HTTP_DEFAULT_MAX_BODY: usize = 256 * 1024;

/// Longest chunk-size line (hex size, extensions, CRLF). A size needs at most 16 hex digits;
/// extensions are legal but nobody sends long ones to a CPE.
pub const HTTP_MAX_CHUNK_LINE: usize = 128;

/// Largest trailer section after the last chunk. Trailers are read and dropped.
pub const HTTP_MAX_TRAILER_BYTES: usize = 1024;

/// Successive redirects followed before the session fails (TR-069 §3.4.5, digest §1.5).
pub const HTTP_MAX_REDIRECTS: u8 = 5;

/// Bytes of cookie storage per session (name + value + path + domain of every cookie). RFC 6265
/// §6.1 asks for 4096 bytes per cookie and TR-069 for at least 512 bytes in all; one session
/// with GenieACS needs about 25.
pub const COOKIE_JAR_BYTES: usize = 4096;

/// Most cookies held at once. RFC 6265 §6.1 asks for 50 per domain from a browser; an ACS sets
/// one or two, a load balancer one more.
pub const COOKIE_JAR_MAX_COOKIES: usize = 16;

/// Longest Digest `realm` kept from a challenge (and configured for the Connection Request
/// server). Realms in the field are short names (`OpenWrt-CPE`, `GenieACS`, a company name).
pub const DIGEST_MAX_REALM: usize = 128;

/// Longest Digest `nonce` kept from a challenge. Servers send 32–64 characters; 256 leaves room
/// for base64 of a signed timestamp.
pub const DIGEST_MAX_NONCE: usize = 256;

/// Longest Digest `opaque` kept from a challenge.
pub const DIGEST_MAX_OPAQUE: usize = 256;

/// Most challenges looked at in the `WWW-Authenticate` fields of one response. Servers offer
/// one per algorithm plus Basic; more is noise.
pub const DIGEST_MAX_CHALLENGES: usize = 8;

/// Most `name=value` parameters read from one challenge or Authorization field. RFC 7616 defines
/// 13; anything beyond this is refused rather than scanned.
pub const DIGEST_MAX_PARAMS: usize = 24;

/// Consecutive rejected credentials (a 401 answering a request that carried Authorization,
/// without `stale=true`) before client authentication gives up with a typed failure.
pub const HTTP_AUTH_MAX_FAILURES: u8 = 2;

/// Longest Connection Request username or password stored by the server. TR-181 defines both as
/// string(256).
pub const CR_MAX_CREDENTIAL: usize = 256;

/// Longest configured Connection Request path. The path SHOULD be random; 64 characters is more
/// than a UUID plus a prefix.
pub const CR_MAX_PATH: usize = 64;

/// Longest Connection Request line (`GET <target> HTTP/1.1`). GenieACS sends about 20 bytes;
/// a path of [`CR_MAX_PATH`] with a query string fits easily.
pub const CR_MAX_REQUEST_LINE: usize = 512;

/// Most header fields in a Connection Request. GenieACS sends 3; a proxy adds a few.
pub const CR_MAX_HEADERS: usize = 16;

/// Longest single header line in a Connection Request (the Digest Authorization line is
/// about 250 bytes with a SHA-256 response and a 48-character nonce).
pub const CR_MAX_HEADER_LINE: usize = 1024;

/// Largest Connection Request head, and so the receive buffer a caller needs per connection.
/// GenieACS' authenticated request is about 350 bytes.
pub const CR_MAX_REQUEST_BYTES: usize = 2048;

/// Largest response the Connection Request server writes (a 401 with two challenges using a
/// realm of [`DIGEST_MAX_REALM`] bytes); a caller's send buffer of this size never fills.
pub const CR_MAX_RESPONSE_BYTES: usize = 1024;

/// Default number of Connection Requests handled per [`CR_DEFAULT_RATE_WINDOW_SECS`] before
/// answering 503, as icwmp does (50 per 5 s).
pub const CR_DEFAULT_RATE_LIMIT: u16 = 50;

/// Length of the rate-limit window, in seconds.
pub const CR_DEFAULT_RATE_WINDOW_SECS: u64 = 5;

/// Largest configurable rate limit: the limiter remembers this many timestamps (8 bytes each)
/// so the limit holds over every window, not only aligned ones.
pub const CR_MAX_RATE_LIMIT: u16 = 64;

/// Default lifetime of a Connection Request nonce, in seconds. GenieACS answers a challenge
/// within milliseconds; a minute absorbs slow networks and still keeps replays short.
pub const CR_DEFAULT_NONCE_LIFETIME_SECS: u64 = 60;
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
/// Longest user name or password in the file: what the agent keeps ([`CREDENTIAL_MAX`]), so
/// a value the agent could not hold is refused at load time, naming its line.
pub const CONFIG_CREDENTIAL_LEN: usize = CREDENTIAL_MAX;
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
/// The least time the agent waits for an ACS response (TR-069 §3.4.2: at least 30 s).
pub const SESSION_TIMEOUT_MIN: u32 = 30;
/// Times an identical request is re-sent after ACS fault 8005 before the session fails
/// (icwmp: 5; easycwmp: 10).
pub const RETRY_REQUEST_MAX: u8 = 5;
/// Pending outputs (connect, close, persist, effects) between two polls of the agent.
pub const AGENT_OUTPUTS_MAX: usize = 16;
/// Parameters in one Inform's ParameterList (forced, changed and InformParameter ones), checked
/// for repeats by name hash; beyond it the list is cut and the cut logged.
pub const INFORM_SEEN_MAX: usize = 256;
/// Per-parameter faults listed in a 9003 answer to SetParameterValues (the first ones in
/// request order; the fault itself is 9003 whatever their number).
pub const SPV_FAULTS_MAX: usize = 32;

// ---- persist

/// Largest state snapshot, bytes: every table full and every string at its capacity, made of
/// the character that costs most to write (a control character, six bytes as `\u0001`), stays
/// below it (160.9 KiB; tested). Real snapshots are a few KiB.
pub const SNAPSHOT_MAX: usize = 168 * 1024;
/// Scratch space for unescaping one JSON string of the snapshot (the longest field is a
/// 256-character URL; escapes only shrink it).
pub const SNAPSHOT_STRING_SCRATCH: usize = 1024;
