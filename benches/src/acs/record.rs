//! What the test ACS recorded: HTTP exchanges, sessions, and the CPE's messages as owned values.
//!
//! Responsible for the types tests assert on (all owned, `Debug`, `Clone`, no lifetimes) and for
//! turning core's borrowed `CpeMessage` views into them. Not responsible for deciding anything
//! about a session (see `server`) or for building what the ACS sends (see `task`).

use std::time::Instant;

use cwmp_core::soap::ValueType;
use cwmp_core::soap::read::{self, CpeMessage};
use cwmp_core::time::DateTime;
use cwmp_core::xml::Text;

use super::task::Task;

/// Decodes a borrowed XML text into an owned string.
pub(crate) fn owned(t: Text<'_>) -> String {
    t.chars().collect()
}

fn owned_list<'a>(l: &read::List<'a, Text<'a>>) -> Vec<String> {
    l.iter().map(owned).collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP

/// One HTTP request the ACS received.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// When the whole request had been read.
    pub at: Instant,
    /// Request method (`POST`).
    pub method: String,
    /// Request target as sent (`/`, `/acs?x=1`).
    pub target: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The head exactly as received (request line and fields, CRLF kept, final CRLF included).
    pub head: String,
    /// The body after removing the chunked framing, if any.
    pub body: Vec<u8>,
    /// True when the body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
}

impl HttpRequest {
    /// The first value of a header field (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of the `session` cookie sent with the request, if any.
    pub fn session_cookie(&self) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split([';', ',']))
            .find_map(|c| {
                let (k, v) = c.split_once('=')?;
                (k.trim() == "session").then(|| v.trim().trim_matches('"'))
            })
    }
}

/// One HTTP response the ACS sent.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// When it was written.
    pub at: Instant,
    /// Status code.
    pub status: u16,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    /// The head exactly as sent (status line and fields, final CRLF included).
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header field (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One request and what the ACS did with it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The TCP connection it arrived on (numbered from 0 in accept order).
    pub connection: u64,
    /// Index of the session it belongs to (in [`super::Acs::sessions`]), if any.
    pub session: Option<usize>,
    /// The request.
    pub request: HttpRequest,
    /// The response; `None` when the ACS stayed silent or dropped the connection.
    pub response: Option<HttpResponse>,
}

/// One TCP connection the ACS accepted.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// Connection number (accept order, from 0).
    pub id: u64,
    /// The client's address.
    pub peer: std::net::SocketAddr,
    /// When it was accepted.
    pub opened: Instant,
    /// When it was closed (by either side), if it is.
    pub closed: Option<Instant>,
    /// True on the HTTPS server.
    pub tls: bool,
    /// The TLS server name (SNI) the client sent.
    pub sni: Option<String>,
    /// The client presented a certificate (mutual TLS).
    pub client_cert: bool,
    /// The first I/O or TLS error on the connection (a refused certificate shows here).
    pub error: Option<String>,
    /// Number of requests read on it.
    pub requests: usize,
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still going (or waiting for the CPE to come back on a new connection).
    InProgress,
    /// Ended normally with `204 No Content`.
    Completed,
    /// The Inform was redirected elsewhere (3xx).
    Redirected,
    /// Ended by an error; the text says which (`400 Bad session state`, `closed by the CPE`...).
    Failed(String),
    /// A later Inform of the same device started a new session while this one was unfinished.
    Abandoned,
}

/// One CWMP session: from the Inform to the final response.
#[derive(Debug, Clone)]
pub struct Session {
    /// Position in [`super::Acs::sessions`].
    pub index: usize,
    /// The `session` cookie handed out with the InformResponse.
    pub cookie: Option<String>,
    /// The accepted Inform (the last one received, when an earlier one was faulted).
    pub inform: Option<Inform>,
    /// How many Informs got past authentication in this session (more than 1 after 8005
    /// faults).
    pub inform_count: u32,
    /// The CWMP namespace the ACS answers in.
    pub namespace: String,
    /// CPE requests after the Inform (TransferComplete, GetRPCMethods...), in order.
    pub cpe_requests: Vec<Message>,
    /// The ACS requests sent, each with the CPE's reply.
    pub tasks: Vec<SentTask>,
    /// Every HTTP exchange of the session, in order.
    pub exchanges: Vec<Exchange>,
    /// Protocol problems the ACS noticed (missing cookie, request while HoldRequests...).
    pub errors: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// When its first request arrived.
    pub started: Instant,
    /// When it ended.
    pub ended: Option<Instant>,
    /// The connections it used, in order.
    pub connections: Vec<u64>,
}

impl Session {
    /// The CPE's replies to the tasks, in order (tasks not answered are skipped).
    pub fn replies(&self) -> Vec<&Message> {
        self.tasks.iter().filter_map(|t| t.reply.as_ref()).collect()
    }

    /// The reply to the first task whose method is `method` (`SetParameterValues`...).
    pub fn reply_to(&self, method: &str) -> Option<&Message> {
        self.tasks
            .iter()
            .find(|t| t.method == method)
            .and_then(|t| t.reply.as_ref())
    }

    /// The event codes of the accepted Inform.
    pub fn event_codes(&self) -> Vec<&str> {
        self.inform
            .as_ref()
            .map(|i| i.events.iter().map(|e| e.code.as_str()).collect())
            .unwrap_or_default()
    }

    /// True when the session ended with 204.
    pub fn is_completed(&self) -> bool {
        self.outcome == Outcome::Completed
    }
}

/// An ACS request sent in a session, and the CPE's answer.
#[derive(Debug, Clone)]
pub struct SentTask {
    /// The `cwmp:ID` it carried.
    pub id: String,
    /// Method name (`SetParameterValues`, or `Raw` for raw bodies).
    pub method: String,
    /// The task as queued.
    pub task: Task,
    /// The full envelope sent.
    pub body: String,
    /// The CPE's response or fault, once it arrived.
    pub reply: Option<Message>,
    /// The `cwmp:ID` of the reply.
    pub reply_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// CWMP values

/// `DeviceIdStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId {
    /// Manufacturer.
    pub manufacturer: String,
    /// OUI.
    pub oui: String,
    /// Product class.
    pub product_class: String,
    /// Serial number.
    pub serial_number: String,
}

impl DeviceId {
    /// The device id GenieACS derives: `OUI-ProductClass-SerialNumber` (`OUI-SerialNumber`
    /// without a product class), every byte outside `[A-Za-z0-9_]` written `%XX` in upper-case
    /// hex without zero padding, exactly as GenieACS' `generateDeviceId` does.
    pub fn acs_id(&self) -> String {
        let esc = |s: &str| {
            let mut out = String::new();
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || b == b'_' {
                    out.push(char::from(b));
                } else {
                    out.push_str(&format!("%{b:X}"));
                }
            }
            out
        };
        if self.product_class.is_empty() {
            format!("{}-{}", esc(&self.oui), esc(&self.serial_number))
        } else {
            format!(
                "{}-{}-{}",
                esc(&self.oui),
                esc(&self.product_class),
                esc(&self.serial_number)
            )
        }
    }
}

/// `EventStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Event code (`0 BOOTSTRAP`, `M Reboot`...).
    pub code: String,
    /// Command key.
    pub command_key: String,
}

/// `ParameterValueStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterValue {
    /// Path.
    pub name: String,
    /// Lexical value.
    pub value: String,
    /// `xsi:type` (`String` when absent).
    pub value_type: ValueType,
}

/// `ParameterInfoStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInfo {
    /// Path.
    pub name: String,
    /// Writable.
    pub writable: bool,
}

/// `ParameterAttributeStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterAttribute {
    /// Path.
    pub name: String,
    /// Notification 0..=6.
    pub notification: u8,
    /// Access list.
    pub access_list: Vec<String>,
}

/// `SetParameterValuesFault` entry of a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpvFault {
    /// The parameter.
    pub name: String,
    /// Its fault code.
    pub code: u32,
    /// Its fault string.
    pub string: String,
}

/// A SOAP fault from the CPE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// SOAP `faultcode` (`Client`/`Server`).
    pub faultcode: String,
    /// SOAP `faultstring`.
    pub faultstring: String,
    /// CWMP fault code.
    pub code: u32,
    /// CWMP fault string.
    pub string: String,
    /// Per-parameter faults of a SetParameterValues.
    pub spv_faults: Vec<SpvFault>,
}

/// `FaultStruct` of a transfer result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferFault {
    /// 0 on success.
    pub code: u32,
    /// Reason.
    pub string: String,
}

/// `Inform`, with the header entries that came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inform {
    /// Its `cwmp:ID`.
    pub id: Option<String>,
    /// The CWMP namespace URI of the envelope.
    pub namespace: Option<String>,
    /// `cwmp:SessionTimeout` header.
    pub session_timeout: Option<u32>,
    /// `cwmp:SupportedCWMPVersions` header.
    pub supported_cwmp_versions: Option<String>,
    /// Who the CPE is.
    pub device_id: DeviceId,
    /// Why the session was opened.
    pub events: Vec<Event>,
    /// MaxEnvelopes.
    pub max_envelopes: u32,
    /// The CPE's clock.
    pub current_time: DateTime,
    /// RetryCount.
    pub retry_count: u32,
    /// ParameterList.
    pub parameters: Vec<ParameterValue>,
}

impl Inform {
    /// True when an event with this code is present.
    pub fn has_event(&self, code: &str) -> bool {
        self.events.iter().any(|e| e.code == code)
    }

    /// The event codes in order.
    pub fn event_codes(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.code.as_str()).collect()
    }

    /// The value of a parameter in the ParameterList.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }
}

/// `TransferComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferComplete {
    /// Command key.
    pub command_key: String,
    /// Outcome.
    pub fault: TransferFault,
    /// Start.
    pub start_time: DateTime,
    /// Completion.
    pub complete_time: DateTime,
}

/// `AutonomousTransferComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousTransferComplete {
    /// AnnounceURL.
    pub announce_url: String,
    /// TransferURL.
    pub transfer_url: String,
    /// Download (true) or upload.
    pub is_download: bool,
    /// FileType.
    pub file_type: String,
    /// FileSize.
    pub file_size: u32,
    /// TargetFileName.
    pub target_file_name: String,
    /// Outcome.
    pub fault: TransferFault,
    /// Start.
    pub start_time: DateTime,
    /// Completion.
    pub complete_time: DateTime,
}

/// `QueuedTransferStruct` / `AllQueuedTransferStruct` (the extra fields are `None` for the
/// former).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTransfer {
    /// Command key.
    pub command_key: String,
    /// 1 not started, 2 in progress, 3 completed.
    pub state: u8,
    /// Download (true) or upload.
    pub is_download: Option<bool>,
    /// FileType.
    pub file_type: Option<String>,
    /// FileSize.
    pub file_size: Option<u32>,
    /// TargetFileName.
    pub target_file_name: Option<String>,
}

/// Result of one deployment-unit operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    /// UUID.
    pub uuid: String,
    /// DeploymentUnitRef.
    pub deployment_unit_ref: String,
    /// Version.
    pub version: String,
    /// CurrentState.
    pub current_state: String,
    /// Resolved.
    pub resolved: bool,
    /// ExecutionUnitRefList.
    pub execution_unit_ref_list: String,
    /// StartTime.
    pub start_time: DateTime,
    /// CompleteTime.
    pub complete_time: DateTime,
    /// Outcome.
    pub fault: TransferFault,
    /// OperationPerformed (`AutonOpResultStruct` only).
    pub operation_performed: Option<String>,
}

/// A message the CPE sent, as owned values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `Inform`.
    Inform(Inform),
    /// `TransferComplete`.
    TransferComplete(TransferComplete),
    /// `AutonomousTransferComplete`.
    AutonomousTransferComplete(AutonomousTransferComplete),
    /// `GetRPCMethods` request.
    GetRPCMethods,
    /// `DUStateChangeComplete`.
    DUStateChangeComplete {
        /// Results.
        results: Vec<OpResult>,
        /// Command key.
        command_key: String,
    },
    /// `AutonomousDUStateChangeComplete`.
    AutonomousDUStateChangeComplete {
        /// Results.
        results: Vec<OpResult>,
    },
    /// `RequestDownload`.
    RequestDownload {
        /// FileType.
        file_type: String,
        /// Arguments (name, value).
        args: Vec<(String, String)>,
    },
    /// `Kicked`.
    Kicked {
        /// Command.
        command: String,
        /// Next.
        next: String,
    },
    /// `GetRPCMethodsResponse`.
    GetRPCMethodsResponse {
        /// Methods.
        methods: Vec<String>,
    },
    /// `SetParameterValuesResponse`.
    SetParameterValuesResponse {
        /// Status.
        status: u8,
    },
    /// `GetParameterValuesResponse`.
    GetParameterValuesResponse {
        /// Values.
        parameters: Vec<ParameterValue>,
    },
    /// `GetParameterNamesResponse`.
    GetParameterNamesResponse {
        /// Names.
        parameters: Vec<ParameterInfo>,
    },
    /// `SetParameterAttributesResponse`.
    SetParameterAttributesResponse,
    /// `GetParameterAttributesResponse`.
    GetParameterAttributesResponse {
        /// Attributes.
        parameters: Vec<ParameterAttribute>,
    },
    /// `AddObjectResponse`.
    AddObjectResponse {
        /// New instance.
        instance_number: u32,
        /// Status.
        status: u8,
    },
    /// `DeleteObjectResponse`.
    DeleteObjectResponse {
        /// Status.
        status: u8,
    },
    /// `RebootResponse`.
    RebootResponse,
    /// `DownloadResponse`.
    DownloadResponse {
        /// Status.
        status: u8,
        /// Start.
        start_time: DateTime,
        /// Completion.
        complete_time: DateTime,
    },
    /// `UploadResponse`.
    UploadResponse {
        /// Status.
        status: u8,
        /// Start.
        start_time: DateTime,
        /// Completion.
        complete_time: DateTime,
    },
    /// `FactoryResetResponse`.
    FactoryResetResponse,
    /// `GetQueuedTransfersResponse` / `GetAllQueuedTransfersResponse`.
    QueuedTransfersResponse {
        /// True for GetAllQueuedTransfersResponse.
        all: bool,
        /// Transfers.
        transfers: Vec<QueuedTransfer>,
    },
    /// `ScheduleInformResponse`.
    ScheduleInformResponse,
    /// `CancelTransferResponse`.
    CancelTransferResponse,
    /// Another response without arguments (`SetVouchersResponse`, `ChangeDUStateResponse`...).
    EmptyResponse {
        /// Its local name.
        name: String,
    },
    /// A SOAP fault.
    Fault(Fault),
    /// A method core's reader does not know.
    Unknown {
        /// Local name.
        name: String,
    },
    /// A known method whose arguments do not read (`field: reason`).
    Invalid {
        /// Local name.
        name: String,
        /// The argument error.
        error: String,
    },
}

impl Message {
    /// The method name (`Fault` for a fault).
    pub fn name(&self) -> &str {
        match self {
            Message::Inform(_) => "Inform",
            Message::TransferComplete(_) => "TransferComplete",
            Message::AutonomousTransferComplete(_) => "AutonomousTransferComplete",
            Message::GetRPCMethods => "GetRPCMethods",
            Message::DUStateChangeComplete { .. } => "DUStateChangeComplete",
            Message::AutonomousDUStateChangeComplete { .. } => "AutonomousDUStateChangeComplete",
            Message::RequestDownload { .. } => "RequestDownload",
            Message::Kicked { .. } => "Kicked",
            Message::GetRPCMethodsResponse { .. } => "GetRPCMethodsResponse",
            Message::SetParameterValuesResponse { .. } => "SetParameterValuesResponse",
            Message::GetParameterValuesResponse { .. } => "GetParameterValuesResponse",
            Message::GetParameterNamesResponse { .. } => "GetParameterNamesResponse",
            Message::SetParameterAttributesResponse => "SetParameterAttributesResponse",
            Message::GetParameterAttributesResponse { .. } => "GetParameterAttributesResponse",
            Message::AddObjectResponse { .. } => "AddObjectResponse",
            Message::DeleteObjectResponse { .. } => "DeleteObjectResponse",
            Message::RebootResponse => "RebootResponse",
            Message::DownloadResponse { .. } => "DownloadResponse",
            Message::UploadResponse { .. } => "UploadResponse",
            Message::FactoryResetResponse => "FactoryResetResponse",
            Message::QueuedTransfersResponse { all: true, .. } => "GetAllQueuedTransfersResponse",
            Message::QueuedTransfersResponse { all: false, .. } => "GetQueuedTransfersResponse",
            Message::ScheduleInformResponse => "ScheduleInformResponse",
            Message::CancelTransferResponse => "CancelTransferResponse",
            Message::Fault(_) => "Fault",
            Message::EmptyResponse { name }
            | Message::Unknown { name }
            | Message::Invalid { name, .. } => name,
        }
    }

    /// The fault, if this is one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Message::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// The parameter values of a GetParameterValuesResponse or Inform.
    pub fn values(&self) -> &[ParameterValue] {
        match self {
            Message::GetParameterValuesResponse { parameters } => parameters,
            Message::Inform(i) => &i.parameters,
            _ => &[],
        }
    }

    /// The value of one parameter of a GetParameterValuesResponse or Inform.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values()
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    /// True for messages a CPE sends as requests (Inform, TransferComplete...).
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Message::Inform(_)
                | Message::TransferComplete(_)
                | Message::AutonomousTransferComplete(_)
                | Message::GetRPCMethods
                | Message::DUStateChangeComplete { .. }
                | Message::AutonomousDUStateChangeComplete { .. }
                | Message::RequestDownload { .. }
                | Message::Kicked { .. }
        )
    }

    /// Converts core's borrowed view.
    pub fn from_cpe(m: &CpeMessage<'_>) -> Message {
        match m {
            CpeMessage::Inform(i) => Message::Inform(inform(i)),
            CpeMessage::TransferComplete(t) => Message::TransferComplete(TransferComplete {
                command_key: owned(t.command_key),
                fault: transfer_fault(&t.fault),
                start_time: t.start_time,
                complete_time: t.complete_time,
            }),
            CpeMessage::AutonomousTransferComplete(t) => {
                Message::AutonomousTransferComplete(AutonomousTransferComplete {
                    announce_url: owned(t.announce_url),
                    transfer_url: owned(t.transfer_url),
                    is_download: t.is_download,
                    file_type: owned(t.file_type),
                    file_size: t.file_size,
                    target_file_name: owned(t.target_file_name),
                    fault: transfer_fault(&t.fault),
                    start_time: t.start_time,
                    complete_time: t.complete_time,
                })
            }
            CpeMessage::GetRPCMethods => Message::GetRPCMethods,
            CpeMessage::DUStateChangeComplete {
                results,
                command_key,
            } => Message::DUStateChangeComplete {
                results: results.iter().map(|r| op_result(&r)).collect(),
                command_key: owned(*command_key),
            },
            CpeMessage::AutonomousDUStateChangeComplete { results } => {
                Message::AutonomousDUStateChangeComplete {
                    results: results.iter().map(|r| op_result(&r)).collect(),
                }
            }
            CpeMessage::RequestDownload { file_type, args } => Message::RequestDownload {
                file_type: owned(*file_type),
                args: args
                    .iter()
                    .map(|a| (owned(a.name), owned(a.value)))
                    .collect(),
            },
            CpeMessage::Kicked(k) => Message::Kicked {
                command: owned(k.command),
                next: owned(k.next),
            },
            CpeMessage::GetRPCMethodsResponse { methods } => Message::GetRPCMethodsResponse {
                methods: owned_list(methods),
            },
            CpeMessage::SetParameterValuesResponse { status } => {
                Message::SetParameterValuesResponse { status: *status }
            }
            CpeMessage::GetParameterValuesResponse { parameters } => {
                Message::GetParameterValuesResponse {
                    parameters: parameters.iter().map(|p| parameter_value(&p)).collect(),
                }
            }
            CpeMessage::GetParameterNamesResponse { parameters } => {
                Message::GetParameterNamesResponse {
                    parameters: parameters
                        .iter()
                        .map(|p| ParameterInfo {
                            name: owned(p.name),
                            writable: p.writable,
                        })
                        .collect(),
                }
            }
            CpeMessage::SetParameterAttributesResponse => Message::SetParameterAttributesResponse,
            CpeMessage::GetParameterAttributesResponse { parameters } => {
                Message::GetParameterAttributesResponse {
                    parameters: parameters
                        .iter()
                        .map(|p| ParameterAttribute {
                            name: owned(p.name),
                            notification: p.notification,
                            access_list: owned_list(&p.access_list),
                        })
                        .collect(),
                }
            }
            CpeMessage::AddObjectResponse {
                instance_number,
                status,
            } => Message::AddObjectResponse {
                instance_number: *instance_number,
                status: *status,
            },
            CpeMessage::DeleteObjectResponse { status } => {
                Message::DeleteObjectResponse { status: *status }
            }
            CpeMessage::RebootResponse => Message::RebootResponse,
            CpeMessage::DownloadResponse {
                status,
                start_time,
                complete_time,
            } => Message::DownloadResponse {
                status: *status,
                start_time: *start_time,
                complete_time: *complete_time,
            },
            CpeMessage::UploadResponse {
                status,
                start_time,
                complete_time,
            } => Message::UploadResponse {
                status: *status,
                start_time: *start_time,
                complete_time: *complete_time,
            },
            CpeMessage::FactoryResetResponse => Message::FactoryResetResponse,
            CpeMessage::GetQueuedTransfersResponse { transfers } => {
                Message::QueuedTransfersResponse {
                    all: false,
                    transfers: transfers
                        .iter()
                        .map(|t| QueuedTransfer {
                            command_key: owned(t.command_key),
                            state: t.state,
                            is_download: None,
                            file_type: None,
                            file_size: None,
                            target_file_name: None,
                        })
                        .collect(),
                }
            }
            CpeMessage::GetAllQueuedTransfersResponse { transfers } => {
                Message::QueuedTransfersResponse {
                    all: true,
                    transfers: transfers
                        .iter()
                        .map(|t| QueuedTransfer {
                            command_key: owned(t.command_key),
                            state: t.state,
                            is_download: Some(t.is_download),
                            file_type: Some(owned(t.file_type)),
                            file_size: Some(t.file_size),
                            target_file_name: Some(owned(t.target_file_name)),
                        })
                        .collect(),
                }
            }
            CpeMessage::ScheduleInformResponse => Message::ScheduleInformResponse,
            CpeMessage::CancelTransferResponse => Message::CancelTransferResponse,
            CpeMessage::SetVouchersResponse => empty("SetVouchersResponse"),
            CpeMessage::GetOptionsResponse { .. } => empty("GetOptionsResponse"),
            CpeMessage::ScheduleDownloadResponse => empty("ScheduleDownloadResponse"),
            CpeMessage::ChangeDUStateResponse => empty("ChangeDUStateResponse"),
            CpeMessage::Fault(f) => Message::Fault(Fault {
                faultcode: owned(f.faultcode),
                faultstring: owned(f.faultstring),
                code: f.code.0,
                string: owned(f.string),
                spv_faults: f
                    .spv_faults
                    .iter()
                    .map(|s| SpvFault {
                        name: owned(s.name),
                        code: s.code.0,
                        string: owned(s.string),
                    })
                    .collect(),
            }),
            CpeMessage::Unknown { name } => Message::Unknown {
                name: (*name).to_owned(),
            },
        }
    }
}

fn empty(name: &str) -> Message {
    Message::EmptyResponse {
        name: name.to_owned(),
    }
}

fn inform(i: &read::Inform<'_>) -> Inform {
    Inform {
        id: None,
        namespace: None,
        session_timeout: None,
        supported_cwmp_versions: None,
        device_id: DeviceId {
            manufacturer: owned(i.device_id.manufacturer),
            oui: owned(i.device_id.oui),
            product_class: owned(i.device_id.product_class),
            serial_number: owned(i.device_id.serial_number),
        },
        events: i
            .events
            .iter()
            .map(|e| Event {
                code: owned(e.code),
                command_key: owned(e.command_key),
            })
            .collect(),
        max_envelopes: i.max_envelopes,
        current_time: i.current_time,
        retry_count: i.retry_count,
        parameters: i.parameters.iter().map(|p| parameter_value(&p)).collect(),
    }
}

fn parameter_value(p: &read::ParameterValue<'_>) -> ParameterValue {
    ParameterValue {
        name: owned(p.name),
        value: owned(p.value),
        value_type: p.value_type,
    }
}

fn transfer_fault(f: &read::TransferFault<'_>) -> TransferFault {
    TransferFault {
        code: f.code.0,
        string: owned(f.string),
    }
}

fn op_result(r: &read::OpResult<'_>) -> OpResult {
    OpResult {
        uuid: owned(r.uuid),
        deployment_unit_ref: owned(r.deployment_unit_ref),
        version: owned(r.version),
        current_state: owned(r.current_state),
        resolved: r.resolved,
        execution_unit_ref_list: owned(r.execution_unit_ref_list),
        start_time: r.start_time,
        complete_time: r.complete_time,
        fault: transfer_fault(&r.fault),
        operation_performed: r.operation_performed.map(owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(product_class: &str, serial: &str) -> DeviceId {
        DeviceId {
            manufacturer: "M".into(),
            oui: "A1B2C3".into(),
            product_class: product_class.into(),
            serial_number: serial.into(),
        }
    }

    #[test]
    fn acs_id_escapes_like_genieacs() {
        assert_eq!(
            id("Open Wrt", "S-1.\n").acs_id(),
            "A1B2C3-Open%20Wrt-S%2D1%2E%A"
        );
        assert_eq!(id("", "S_\u{e9}").acs_id(), "A1B2C3-S_%C3%A9");
        assert_eq!(id("P", "a\tb").acs_id(), "A1B2C3-P-a%9b");
    }
}
