//! The bodies of the messages the agent sends, as [`Body`]s the framing can write whole or in
//! chunks: the Inform, the CPE requests, and the response (or fault) to each ACS request.
//!
//! Lists are produced from their sources on every pass (the data model, the ACS request still in
//! the receive buffer, the agent's own tables); nothing is collected. The decisions were taken
//! when the request arrived ([`Reply`]); this module only writes them.

use core::ops::ControlFlow;

use super::config::AgentConfig;
use super::du::{AutonomousChange, DuChanges, OpResult};
use super::events::EventQueue;
use super::inform::{FORCED_DATA_MODEL, event_list_matches, matches_pattern, pattern_root};
use super::mgmt::{self, ManagementServer};
use super::notify::Notifications;
use super::outgoing::{Body, Window};
use super::transfers::{State as TransferState, Transfers};
use crate::datamodel::{DataModel, Node, Param, fnv1a};
use crate::limits::{INFORM_SEEN_MAX, PATH_MAX_LEN, SPV_FAULTS_MAX};
use crate::sink::Sink;
use crate::soap::read::ParameterValue;
use crate::soap::write::{
    self, AllQueuedTransferOut, AllQueuedTransferStruct, DeviceIdOut, EncodeError, EntryWriter,
    EventStruct, HeaderOut, Message, OpResultEntry, OpResultOut, ParameterAttributeStruct,
    ParameterInfoStruct, ParameterValueStruct, QueuedTransferStruct, SpvFaultEntry,
    TransferFaultOut, Writer,
};
use crate::soap::{AcsMessage, CwmpNs, Envelope, FaultCode, List, Text};
use crate::time::{DateTime, UnixTime};

/// The RPCs this agent answers, for GetRPCMethodsResponse; the last, ChangeDUState, only with
/// [`AgentConfig::software_modules`].
pub const SUPPORTED_METHODS: [&str; 18] = [
    "GetRPCMethods",
    "SetParameterValues",
    "GetParameterValues",
    "GetParameterNames",
    "SetParameterAttributes",
    "GetParameterAttributes",
    "AddObject",
    "DeleteObject",
    "Reboot",
    "Download",
    "Upload",
    "FactoryReset",
    "GetQueuedTransfers",
    "GetAllQueuedTransfers",
    "ScheduleInform",
    "ScheduleDownload",
    "CancelTransfer",
    "ChangeDUState",
];

/// How the agent answers the ACS request it received (decided on receipt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A CWMP fault.
    Fault(FaultCode),
    /// Fault 9003 listing, per parameter of the SetParameterValues, its index and fault.
    SpvFault(heapless::Vec<(u32, FaultCode), SPV_FAULTS_MAX>),
    /// SOAP `MustUnderstand` fault for this header entry.
    MustUnderstand(heapless::String<64>),
    /// GetRPCMethodsResponse.
    GetRpcMethods,
    /// SetParameterValuesResponse with this Status.
    SetParameterValues(u8),
    /// GetParameterValuesResponse of `count` entries.
    GetParameterValues(usize),
    /// GetParameterNamesResponse of `count` entries.
    GetParameterNames(usize),
    /// GetParameterAttributesResponse of `count` entries.
    GetParameterAttributes(usize),
    /// An empty response element.
    Empty(write::Empty),
    /// AddObjectResponse.
    AddObject {
        /// The new instance.
        instance: u32,
        /// 0 or 1.
        status: u8,
    },
    /// DeleteObjectResponse with this Status.
    DeleteObject(u8),
    /// DownloadResponse (or UploadResponse) with Status 1: the transfer is queued.
    TransferPending {
        /// Upload rather than Download.
        upload: bool,
    },
    /// GetQueuedTransfersResponse.
    GetQueuedTransfers,
    /// GetAllQueuedTransfersResponse.
    GetAllQueuedTransfers,
}

/// What the next POST carries.
// Held once per session; the per-parameter fault list is the large variant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// The Inform.
    Inform,
    /// TransferComplete for this transfer slot.
    TransferComplete(u8),
    /// AutonomousTransferComplete for the autonomous transfer waiting.
    AutonomousTransferComplete,
    /// DUStateChangeComplete for this ChangeDUState slot.
    DuStateChangeComplete(u8),
    /// AutonomousDUStateChangeComplete for the first `n` autonomous DU changes waiting.
    AutonomousDuStateChangeComplete(usize),
    /// GetRPCMethods.
    GetRpcMethods,
    /// The empty POST.
    Empty,
    /// The answer to the ACS request in the receive buffer.
    Reply(Reply),
}

/// The FaultStruct of a (Autonomous)TransferComplete: an empty string with success.
fn transfer_fault(code: FaultCode) -> TransferFaultOut<'static> {
    TransferFaultOut {
        code,
        string: if code == FaultCode::NONE {
            ""
        } else {
            code.description()
        },
    }
}

/// The `Results` element of one DU operation.
fn op_result_out<'r>(r: &'r OpResult, performed: Option<&'r str>) -> OpResultOut<'r> {
    OpResultOut {
        uuid: &r.uuid,
        deployment_unit_ref: &r.deployment_unit_ref,
        version: &r.version,
        current_state: r.current_state.as_str(),
        resolved: r.resolved,
        execution_unit_ref_list: &r.execution_unit_ref_list,
        start_time: r.start,
        complete_time: r.complete,
        fault: TransferFaultOut {
            code: r.fault,
            string: r.fault_text(),
        },
        operation_performed: performed,
    }
}

/// Everything a body is written from.
pub struct Ctx<'a> {
    /// Settings.
    pub cfg: &'a AgentConfig,
    /// `Device.ManagementServer.`.
    pub ms: &'a ManagementServer,
    /// Events (the Inform's are marked in flight).
    pub events: &'a EventQueue,
    /// Transfers.
    pub transfers: &'a Transfers,
    /// The autonomous transfer waiting to be reported.
    pub autonomous: Option<&'a super::autonomous::Autonomous>,
    /// ChangeDUStates.
    pub du: &'a DuChanges,
    /// Autonomous DU changes waiting to be reported.
    pub du_autonomous: &'a [AutonomousChange],
    /// Attributes and changes (the reported ones are marked in flight).
    pub notify: &'a Notifications,
    /// The data model.
    pub dm: &'a mut dyn DataModel,
    /// The ACS envelope being answered (empty otherwise).
    pub request: &'a [u8],
    /// The namespace to write.
    pub ns: CwmpNs,
    /// `cwmp:ID` of this message.
    pub id: &'a str,
    /// `SessionTimeout` header (Informs of CWMP 1.3+).
    pub session_timeout: Option<u32>,
    /// `SupportedCWMPVersions` header (Informs of CWMP 1.4).
    pub supported_versions: Option<&'a str>,
    /// Wall clock.
    pub wall: Option<UnixTime>,
    /// RetryCount of the Inform.
    pub retry_count: u32,
}

/// Parameters at or under `path`, from the agent's subtree and the data model together.
/// Data-model entries under `Device.ManagementServer.` are ignored (the agent owns them).
pub fn walk_params(
    dm: &mut dyn DataModel,
    ms: &ManagementServer,
    path: &str,
    visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
) -> Result<(), FaultCode> {
    if ManagementServer::owns(path) {
        return ms.get(path, visit);
    }
    let mut stopped = false;
    dm.get(path, &mut |p| {
        if p.name.starts_with(mgmt::PREFIX) {
            return ControlFlow::Continue(());
        }
        let flow = visit(p);
        stopped = flow.is_break();
        flow
    })?;
    if !stopped && ManagementServer::covers(path) {
        ms.get(path, visit)?;
    }
    Ok(())
}

/// Names for GetParameterNames at or under `path`, from both sources.
pub fn walk_names(
    dm: &mut dyn DataModel,
    ms: &ManagementServer,
    path: &str,
    next_level: bool,
    visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
) -> Result<(), FaultCode> {
    if ManagementServer::owns(path) {
        return ms.names(path, next_level, visit);
    }
    let mut stopped = false;
    dm.names(path, next_level, &mut |n| {
        if n.name.starts_with(mgmt::PREFIX) {
            return ControlFlow::Continue(());
        }
        let flow = visit(n);
        stopped = flow.is_break();
        flow
    })?;
    if !stopped && ManagementServer::covers(path) {
        ms.names(path, next_level, visit)?;
    }
    Ok(())
}

/// A parameter name from the request, decoded; `None` if it is too long to be one.
pub fn decode_name(t: Text<'_>) -> Option<heapless::String<PATH_MAX_LEN>> {
    t.to_heapless().ok()
}

/// The message being written.
pub struct Producer<'a, 'o> {
    /// Its sources.
    pub ctx: Ctx<'a>,
    /// What it is.
    pub what: &'o Outbound,
    /// The count of its list (learnt by a first measuring pass).
    pub count: usize,
    /// A data-model fault met while walking (the reply must become that fault).
    pub fault: Option<FaultCode>,
}

impl Producer<'_, '_> {
    fn header(&self) -> HeaderOut<'_> {
        HeaderOut {
            id: Some(self.ctx.id),
            session_timeout: self.ctx.session_timeout,
            supported_cwmp_versions: self.ctx.supported_versions,
        }
    }

    fn open(&self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
        write::envelope_open(sink, self.ctx.ns, &self.header())
    }

    /// A whole message in the prefix (no entries).
    fn whole(&self, sink: &mut dyn Sink, body: &dyn Message) -> Result<(), EncodeError> {
        self.open(sink)?;
        body.write(&mut Writer::new(sink))
    }

    fn inform_prefix(&self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
        self.open(sink)?;
        let mut w = Writer::new(&mut *sink);
        w.open_method("Inform")?;
        let d = &self.ctx.cfg.device;
        let id = DeviceIdOut {
            manufacturer: &d.manufacturer,
            oui: &d.oui,
            product_class: &d.product_class,
            serial_number: &d.serial_number,
        };
        w.open("DeviceId")?;
        w.string("Manufacturer", id.manufacturer)?;
        w.string("OUI", id.oui)?;
        w.string("ProductClass", id.product_class)?;
        w.string("SerialNumber", id.serial_number)?;
        w.close("DeviceId")?;
        let events = self.ctx.events.in_flight().count();
        w.array_open::<EventStruct>("Event", events)?;
        for e in self.ctx.events.in_flight() {
            EntryWriter::<EventStruct>::new(&mut *sink).push(e.code.as_str(), &e.command_key)?;
        }
        let mut w = Writer::new(&mut *sink);
        w.close("Event")?;
        w.unsigned("MaxEnvelopes", 1)?;
        let now = self
            .ctx
            .wall
            .map(DateTime::from_unix)
            .unwrap_or(DateTime::UNKNOWN);
        w.datetime("CurrentTime", &now)?;
        w.unsigned("RetryCount", u64::from(self.ctx.retry_count))?;
        w.array_open::<ParameterValueStruct>("ParameterList", self.count)
    }

    fn inform_entries(&mut self, window: &mut Window<'_>) {
        let mut seen: heapless::Vec<u64, INFORM_SEEN_MAX> = heapless::Vec::new();
        let ms = self.ctx.ms;
        let notify = self.ctx.notify;
        let mut emit = |p: &Param<'_>, window: &mut Window<'_>| -> ControlFlow<()> {
            let h = fnv1a(p.name.as_bytes());
            if seen.contains(&h) {
                return ControlFlow::Continue(());
            }
            if seen.push(h).is_err() {
                warn!(
                    "inform: more than {} parameters, the rest is left out",
                    INFORM_SEEN_MAX
                );
                return ControlFlow::Break(());
            }
            window.entry(|s| {
                EntryWriter::<ParameterValueStruct>::new(s).push(p.name, p.value, p.value_type)
            })
        };
        // 1. Forced Inform parameters (digest §4.3), in the order of the list.
        for name in FORCED_DATA_MODEL.iter().chain(mgmt::FORCED.iter()) {
            let mut flow = ControlFlow::Continue(());
            let _ = walk_params(&mut *self.ctx.dm, ms, name, &mut |p| {
                flow = emit(p, window);
                flow
            });
            if flow.is_break() {
                return;
            }
        }
        // 2. Changed notified parameters.
        for path in notify.watched_paths() {
            let mut flow = ControlFlow::Continue(());
            let _ = walk_params(&mut *self.ctx.dm, ms, path, &mut |p| {
                if notify.is_reported(p.name) {
                    flow = emit(p, window);
                }
                flow
            });
            if flow.is_break() {
                return;
            }
        }
        // 3. InformParameter entries whose event list matches this Inform.
        let events = self.ctx.events;
        let codes = || events.in_flight().map(|e| e.code);
        for ip in ms
            .inform_params
            .iter()
            .filter(|p| p.enable && !p.parameter_name.is_empty())
        {
            if !event_list_matches(&ip.event_list, codes()) {
                continue;
            }
            let pattern = ip.parameter_name.as_str();
            let mut flow = ControlFlow::Continue(());
            let _ = walk_params(&mut *self.ctx.dm, ms, pattern_root(pattern), &mut |p| {
                if matches_pattern(pattern, p.name) {
                    flow = emit(p, window);
                }
                flow
            });
            if flow.is_break() {
                return;
            }
        }
    }

    fn list_open<K: write::EntryKind>(
        &self,
        sink: &mut dyn Sink,
        method: &str,
        tag: &str,
    ) -> Result<(), EncodeError> {
        self.open(sink)?;
        let mut w = Writer::new(sink);
        w.open_method(method)?;
        w.array_open::<K>(tag, self.count)
    }

    fn list_close(sink: &mut dyn Sink, method: &str, tag: &str) -> Result<(), EncodeError> {
        let mut w = Writer::new(&mut *sink);
        w.close(tag)?;
        w.close_method(method)?;
        write::envelope_close(sink)
    }

    fn gpv_entries(&mut self, window: &mut Window<'_>) {
        let Ok(env) = Envelope::parse(self.ctx.request) else {
            return;
        };
        let Ok(AcsMessage::GetParameterValues { names }) = env.acs_message() else {
            return;
        };
        for name in names.iter() {
            let Some(name) = decode_name(name) else {
                self.fault = Some(FaultCode::INVALID_PARAMETER_NAME);
                return;
            };
            let mut flow = ControlFlow::Continue(());
            let r = walk_params(&mut *self.ctx.dm, self.ctx.ms, &name, &mut |p| {
                flow = window.entry(|s| {
                    EntryWriter::<ParameterValueStruct>::new(s).push(p.name, p.value, p.value_type)
                });
                flow
            });
            if let Err(code) = r {
                self.fault = Some(code);
                return;
            }
            if flow.is_break() {
                return;
            }
        }
    }

    fn gpn_entries(&mut self, window: &mut Window<'_>) {
        let Ok(env) = Envelope::parse(self.ctx.request) else {
            return;
        };
        let Ok(AcsMessage::GetParameterNames { path, next_level }) = env.acs_message() else {
            return;
        };
        let Some(path) = decode_name(path) else {
            self.fault = Some(FaultCode::INVALID_PARAMETER_NAME);
            return;
        };
        let r = walk_names(
            &mut *self.ctx.dm,
            self.ctx.ms,
            &path,
            next_level,
            &mut |n| {
                window
                    .entry(|s| EntryWriter::<ParameterInfoStruct>::new(s).push(n.name, n.writable))
            },
        );
        if let Err(code) = r {
            self.fault = Some(code);
        }
    }

    fn gpa_entries(&mut self, window: &mut Window<'_>) {
        let Ok(env) = Envelope::parse(self.ctx.request) else {
            return;
        };
        let Ok(AcsMessage::GetParameterAttributes { names }) = env.acs_message() else {
            return;
        };
        let notify = self.ctx.notify;
        for name in names.iter() {
            let Some(name) = decode_name(name) else {
                self.fault = Some(FaultCode::INVALID_PARAMETER_NAME);
                return;
            };
            let mut flow = ControlFlow::Continue(());
            let r = walk_params(&mut *self.ctx.dm, self.ctx.ms, &name, &mut |p| {
                let (notification, subscriber) = notify.effective(p.name);
                let access: &[&str] = if subscriber { &["Subscriber"] } else { &[] };
                flow = window.entry(|s| {
                    EntryWriter::<ParameterAttributeStruct>::new(s).push(
                        p.name,
                        notification,
                        &access,
                    )
                });
                flow
            });
            if let Err(code) = r {
                self.fault = Some(code);
                return;
            }
            if flow.is_break() {
                return;
            }
        }
    }

    fn spv_fault_entries(&mut self, faults: &[(u32, FaultCode)], window: &mut Window<'_>) {
        let Ok(env) = Envelope::parse(self.ctx.request) else {
            return;
        };
        let Ok(AcsMessage::SetParameterValues(spv)) = env.acs_message() else {
            return;
        };
        let list: &List<'_, ParameterValue<'_>> = &spv.parameters;
        for (i, p) in list.iter().enumerate() {
            let Some((_, code)) = faults.iter().find(|(idx, _)| *idx as usize == i) else {
                continue;
            };
            let name = decode_name(p.name).unwrap_or_default();
            if window
                .entry(|s| {
                    EntryWriter::<SpvFaultEntry>::new(s).push(&name, *code, code.description())
                })
                .is_break()
            {
                return;
            }
        }
    }
}

impl Body for Producer<'_, '_> {
    fn prefix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
        match self.what {
            Outbound::Inform => self.inform_prefix(sink),
            Outbound::TransferComplete(id) => {
                let Some(t) = self.ctx.transfers.get(*id) else {
                    return Err(EncodeError::CountMismatch {
                        declared: 1,
                        written: 0,
                    });
                };
                let (fault, start, complete) = match t.state {
                    TransferState::Done {
                        fault,
                        start,
                        complete,
                    } => (fault, start, complete),
                    _ => (
                        FaultCode::INTERNAL_ERROR,
                        DateTime::UNKNOWN,
                        DateTime::UNKNOWN,
                    ),
                };
                let body = write::TransferComplete {
                    command_key: &t.command_key,
                    fault: transfer_fault(fault),
                    start_time: start,
                    complete_time: complete,
                };
                self.whole(sink, &body)
            }
            Outbound::AutonomousTransferComplete => {
                let Some(a) = self.ctx.autonomous else {
                    return Err(EncodeError::CountMismatch {
                        declared: 1,
                        written: 0,
                    });
                };
                let body = write::AutonomousTransferComplete {
                    announce_url: &a.announce_url,
                    transfer_url: &a.transfer_url,
                    is_download: a.is_download,
                    file_type: &a.file_type,
                    file_size: a.file_size,
                    target_file_name: &a.target_file_name,
                    fault: transfer_fault(a.fault),
                    start_time: a.start,
                    complete_time: a.complete,
                };
                self.whole(sink, &body)
            }
            // Whole messages: at most DU_OPS_MAX (or DU_AUTONOMOUS_MAX) bounded results, well
            // within one chunk of the smallest transmit buffer (tested).
            Outbound::DuStateChangeComplete(id) => {
                let Some(c) = self.ctx.du.get(*id) else {
                    return Err(EncodeError::CountMismatch {
                        declared: 1,
                        written: 0,
                    });
                };
                let results = c.operations.iter().filter_map(|o| o.result.as_ref());
                let list = write::FnEntries::new(
                    results.clone().count(),
                    |out: &mut EntryWriter<'_, OpResultEntry>| {
                        results
                            .clone()
                            .try_for_each(|r| out.push(&op_result_out(r, None)))
                    },
                );
                self.whole(
                    sink,
                    &write::DuStateChangeComplete {
                        results: &list,
                        command_key: Some(&c.command_key),
                    },
                )
            }
            Outbound::AutonomousDuStateChangeComplete(n) => {
                let changes = self.ctx.du_autonomous.iter().take(*n);
                let list = write::FnEntries::new(
                    changes.clone().count(),
                    |out: &mut EntryWriter<'_, OpResultEntry>| {
                        changes.clone().try_for_each(|a| {
                            out.push(&op_result_out(&a.result, Some(a.kind.as_str())))
                        })
                    },
                );
                self.whole(
                    sink,
                    &write::DuStateChangeComplete {
                        results: &list,
                        command_key: None,
                    },
                )
            }
            Outbound::GetRpcMethods => self.whole(sink, &write::Empty::GetRPCMethods),
            Outbound::Empty => Ok(()),
            Outbound::Reply(r) => match r {
                Reply::Fault(code) => self.whole(sink, &write::Fault::new(*code)),
                Reply::MustUnderstand(entry) => {
                    self.whole(sink, &write::MustUnderstandFault { entry })
                }
                Reply::SpvFault(_) => {
                    self.open(sink)?;
                    sink.write_str(
                        "<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring>\
                         <detail><cwmp:Fault><FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>",
                    )?;
                    Ok(())
                }
                Reply::GetRpcMethods => {
                    let n = SUPPORTED_METHODS.len() - usize::from(!self.ctx.cfg.software_modules);
                    let methods: &[&str] = &SUPPORTED_METHODS[..n];
                    self.whole(sink, &write::GetRpcMethodsResponse { methods: &methods })
                }
                Reply::SetParameterValues(status) => {
                    self.whole(sink, &write::StatusResponse::SetParameterValues(*status))
                }
                Reply::DeleteObject(status) => {
                    self.whole(sink, &write::StatusResponse::DeleteObject(*status))
                }
                Reply::AddObject { instance, status } => self.whole(
                    sink,
                    &write::AddObjectResponse {
                        instance_number: *instance,
                        status: *status,
                    },
                ),
                Reply::Empty(e) => self.whole(sink, e),
                Reply::TransferPending { upload } => {
                    self.whole(sink, &write::TransferResponse::pending(*upload))
                }
                Reply::GetParameterValues(_) => self.list_open::<ParameterValueStruct>(
                    sink,
                    "GetParameterValuesResponse",
                    "ParameterList",
                ),
                Reply::GetParameterNames(_) => self.list_open::<ParameterInfoStruct>(
                    sink,
                    "GetParameterNamesResponse",
                    "ParameterList",
                ),
                Reply::GetParameterAttributes(_) => self.list_open::<ParameterAttributeStruct>(
                    sink,
                    "GetParameterAttributesResponse",
                    "ParameterList",
                ),
                Reply::GetQueuedTransfers => {
                    let t = self.ctx.transfers;
                    let list = write::FnEntries::new(
                        t.len(),
                        |out: &mut EntryWriter<'_, QueuedTransferStruct>| {
                            for x in t.iter() {
                                out.push(&x.command_key, x.state.code())?;
                            }
                            Ok(())
                        },
                    );
                    self.whole(
                        sink,
                        &write::GetQueuedTransfersResponse { transfers: &list },
                    )
                }
                Reply::GetAllQueuedTransfers => {
                    let t = self.ctx.transfers;
                    let list = write::FnEntries::new(
                        t.len(),
                        |out: &mut EntryWriter<'_, AllQueuedTransferStruct>| {
                            for x in t.iter() {
                                out.push(&AllQueuedTransferOut {
                                    command_key: &x.command_key,
                                    state: x.state.code(),
                                    is_download: x.kind.is_download(),
                                    file_type: &x.file_type,
                                    file_size: x.file_size,
                                    target_file_name: &x.target_file_name,
                                })?;
                            }
                            Ok(())
                        },
                    );
                    self.whole(
                        sink,
                        &write::GetAllQueuedTransfersResponse { transfers: &list },
                    )
                }
            },
        }
    }

    fn entries(&mut self, window: &mut Window<'_>) {
        match self.what {
            Outbound::Inform => self.inform_entries(window),
            Outbound::Reply(Reply::GetParameterValues(_)) => self.gpv_entries(window),
            Outbound::Reply(Reply::GetParameterNames(_)) => self.gpn_entries(window),
            Outbound::Reply(Reply::GetParameterAttributes(_)) => self.gpa_entries(window),
            Outbound::Reply(Reply::SpvFault(faults)) => self.spv_fault_entries(faults, window),
            _ => {}
        }
    }

    fn suffix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
        match self.what {
            Outbound::Empty => Ok(()),
            Outbound::Inform => Self::list_close(sink, "Inform", "ParameterList"),
            Outbound::Reply(Reply::GetParameterValues(_)) => {
                Self::list_close(sink, "GetParameterValuesResponse", "ParameterList")
            }
            Outbound::Reply(Reply::GetParameterNames(_)) => {
                Self::list_close(sink, "GetParameterNamesResponse", "ParameterList")
            }
            Outbound::Reply(Reply::GetParameterAttributes(_)) => {
                Self::list_close(sink, "GetParameterAttributesResponse", "ParameterList")
            }
            Outbound::Reply(Reply::SpvFault(_)) => {
                sink.write_str("</cwmp:Fault></detail></soap-env:Fault>")?;
                write::envelope_close(sink)
            }
            _ => write::envelope_close(sink),
        }
    }
}
