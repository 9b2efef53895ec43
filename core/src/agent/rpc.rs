//! Carrying out the ACS's requests (digest §3, §9.4, §10, §11) and deciding each answer.
//!
//! Side effects happen here, once, when the request arrives; the answer is only described (a
//! [`Reply`]) and written later by [`super::messages`], possibly in several chunks.

use core::ops::ControlFlow;
use core::time::Duration;

use super::du;
use super::events::EventCode;
use super::messages::{Ctx, Outbound, Producer, Reply, decode_name, walk_params};
use super::mgmt::ManagementServer;
use super::notify::{Change, Observed};
use super::outgoing::{fits, measure};
use super::transfers::{Kind, Request};
use super::{Agent, Clock, Scheduled, copy_str};
use crate::datamodel::{Applied, DataModel, check_path, is_partial};
use crate::limits::{
    DU_OPS_MAX, NOTIFY_TRACKED_MAX, PATH_MAX_LEN, SCHEDULED_INFORMS_MAX, SPV_FAULTS_MAX,
};
use crate::soap::read::{Operation as SoapOperation, SetParameterValues};
use crate::soap::write::Empty;
use crate::soap::{AcsMessage, CwmpNs, FaultCode, List, Text, ValueType};

/// A value from the request, decoded into `scratch` when it holds references.
fn decode_value<'s>(t: Text<'s>, scratch: &'s mut [u8]) -> Option<&'s str> {
    match t.borrowed() {
        Some(s) => Some(s),
        None => t.decode_into(scratch).ok(),
    }
}

impl Agent {
    /// Carries out one ACS request and decides the answer.
    pub(super) fn execute(
        &mut self,
        msg: &AcsMessage<'_>,
        request: &[u8],
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
        clock: Clock,
    ) -> Reply {
        match msg {
            AcsMessage::GetRPCMethods => Reply::GetRpcMethods,
            AcsMessage::SetParameterValues(spv) => self.set_parameter_values(spv, scratch, dm),
            AcsMessage::GetParameterValues { names } => {
                for n in names.iter() {
                    if !valid_name(n) {
                        return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                    }
                }
                self.list_reply(Reply::GetParameterValues(0), request, dm)
            }
            AcsMessage::GetParameterNames { path, next_level } => {
                if !valid_name(*path) {
                    return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                }
                let Some(p) = decode_name(*path) else {
                    return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                };
                if *next_level && !is_partial(&p) {
                    return Reply::Fault(FaultCode::INVALID_ARGUMENTS);
                }
                self.list_reply(Reply::GetParameterNames(0), request, dm)
            }
            AcsMessage::GetParameterAttributes { names } => {
                for n in names.iter() {
                    if !valid_name(n) {
                        return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                    }
                }
                self.list_reply(Reply::GetParameterAttributes(0), request, dm)
            }
            AcsMessage::SetParameterAttributes { parameters } => {
                self.set_parameter_attributes(parameters, dm)
            }
            AcsMessage::AddObject {
                object_name,
                parameter_key,
            } => {
                let Some(path) =
                    decode_name(*object_name).filter(|p| is_partial(p) && check_path(p).is_ok())
                else {
                    return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                };
                let result = if ManagementServer::owns(&path) {
                    self.ms
                        .add_inform_parameter(&path)
                        .map(|i| (i, Applied::Now))
                } else {
                    dm.add_object(&path)
                };
                match result {
                    Ok((instance, applied)) => {
                        self.set_parameter_key(*parameter_key);
                        Reply::AddObject {
                            instance,
                            status: applied.status(),
                        }
                    }
                    Err(code) => Reply::Fault(code),
                }
            }
            AcsMessage::DeleteObject {
                object_name,
                parameter_key,
            } => {
                let Some(path) =
                    decode_name(*object_name).filter(|p| is_partial(p) && check_path(p).is_ok())
                else {
                    return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
                };
                let result = if ManagementServer::owns(&path) {
                    self.ms
                        .delete_inform_parameter(&path)
                        .map(|()| Applied::Now)
                } else {
                    dm.delete_object(&path)
                };
                match result {
                    Ok(applied) => {
                        self.set_parameter_key(*parameter_key);
                        Reply::DeleteObject(applied.status())
                    }
                    Err(code) => Reply::Fault(code),
                }
            }
            AcsMessage::Reboot { command_key } => {
                self.end.reboot = Some(copy_str(&text(*command_key)));
                Reply::Empty(Empty::RebootResponse)
            }
            AcsMessage::FactoryReset => {
                self.end.factory_reset = true;
                Reply::Empty(Empty::FactoryResetResponse)
            }
            AcsMessage::Download(d) => {
                let r = Request {
                    kind: Kind::Download,
                    command_key: &text(d.command_key),
                    file_type: &text(d.file_type),
                    url: &text(d.url),
                    username: &text(d.username),
                    password: &text(d.password),
                    file_size: d.file_size,
                    target_file_name: &text(d.target_file_name),
                    due: clock.mono + Duration::from_secs(u64::from(d.delay_seconds)),
                    deadline: None,
                };
                self.queue_transfer(&r, false)
            }
            AcsMessage::Upload(u) => {
                let r = Request {
                    kind: Kind::Upload,
                    command_key: &text(u.command_key),
                    file_type: &text(u.file_type),
                    url: &text(u.url),
                    username: &text(u.username),
                    password: &text(u.password),
                    file_size: 0,
                    target_file_name: "",
                    due: clock.mono + Duration::from_secs(u64::from(u.delay_seconds)),
                    deadline: None,
                };
                self.queue_transfer(&r, true)
            }
            AcsMessage::ScheduleDownload(sd) => {
                let windows: heapless::Vec<(u32, u32), 2> =
                    sd.time_windows.iter().map(|w| (w.start, w.end)).collect();
                if windows.iter().any(|(s, e)| e < s) {
                    return Reply::Fault(FaultCode::INVALID_ARGUMENTS);
                }
                let start = windows.iter().map(|w| w.0).min().unwrap_or(0);
                let end = windows.iter().map(|w| w.1).max().unwrap_or(0);
                let r = Request {
                    kind: Kind::ScheduleDownload,
                    command_key: &text(sd.command_key),
                    file_type: &text(sd.file_type),
                    url: &text(sd.url),
                    username: &text(sd.username),
                    password: &text(sd.password),
                    file_size: sd.file_size,
                    target_file_name: &text(sd.target_file_name),
                    due: clock.mono + Duration::from_secs(u64::from(start)),
                    deadline: Some(clock.mono + Duration::from_secs(u64::from(end))),
                };
                match self.transfers.add(&r) {
                    Ok(_) => {
                        self.dirty = true;
                        Reply::Empty(Empty::ScheduleDownloadResponse)
                    }
                    Err(code) => Reply::Fault(code),
                }
            }
            AcsMessage::CancelTransfer { command_key } => {
                match self.transfers.cancel(&text(*command_key)) {
                    Ok(removed) => {
                        for id in removed {
                            self.events.remove_link(id);
                        }
                        self.dirty = true;
                        Reply::Empty(Empty::CancelTransferResponse)
                    }
                    Err(code) => Reply::Fault(code),
                }
            }
            AcsMessage::GetQueuedTransfers => Reply::GetQueuedTransfers,
            AcsMessage::GetAllQueuedTransfers => Reply::GetAllQueuedTransfers,
            AcsMessage::ScheduleInform {
                delay_seconds,
                command_key,
            } => {
                if *delay_seconds == 0 {
                    // TR-069 A.4.1.x: DelaySeconds must be greater than zero.
                    return Reply::Fault(FaultCode::INVALID_ARGUMENTS);
                }
                // Fired ones wait in the event queue as `M ScheduleInform` until delivered; they
                // count too, so that queue's bound (EVENT_QUEUE_MAX) holds even when the ACS
                // keeps scheduling informs that fire within one long session.
                let undelivered = self
                    .events
                    .iter()
                    .filter(|e| e.code == EventCode::MScheduleInform)
                    .count();
                if self.scheduled.len() + undelivered >= SCHEDULED_INFORMS_MAX {
                    return Reply::Fault(FaultCode::RESOURCES_EXCEEDED);
                }
                let entry = Scheduled {
                    due: clock.mono + Duration::from_secs(u64::from(*delay_seconds)),
                    due_wall: clock
                        .wall
                        .map(|w| crate::time::UnixTime(w.secs() + i64::from(*delay_seconds))),
                    command_key: copy_str(&text(*command_key)),
                };
                match self.scheduled.push(entry) {
                    Ok(()) => {
                        self.dirty = true;
                        Reply::Empty(Empty::ScheduleInformResponse)
                    }
                    Err(_) => Reply::Fault(FaultCode::RESOURCES_EXCEEDED),
                }
            }
            // Optional methods this agent does not implement (digest §3.1).
            AcsMessage::SetVouchers { .. } | AcsMessage::GetOptions { .. } => {
                Reply::Fault(FaultCode::METHOD_NOT_SUPPORTED)
            }
            AcsMessage::ChangeDUState {
                operations,
                command_key,
            } => self.change_du_state(operations, *command_key),
            AcsMessage::Unknown { .. } => Reply::Fault(FaultCode::METHOD_NOT_SUPPORTED),
            // Responses are not requests; the session layer never passes them here.
            _ => Reply::Fault(FaultCode::INTERNAL_ERROR),
        }
    }

    fn set_parameter_key(&mut self, key: Text<'_>) {
        self.ms.parameter_key = copy_str(&text(key));
        self.dirty = true;
    }

    fn queue_transfer(&mut self, r: &Request<'_>, upload: bool) -> Reply {
        match self.transfers.add(r) {
            Ok(_) => {
                self.dirty = true;
                Reply::TransferPending { upload }
            }
            Err(code) => Reply::Fault(code),
        }
    }

    /// ChangeDUState (digest §11.7): checks every operation, queues the request and answers at
    /// once; the operations run after (the platform), one request at a time.
    fn change_du_state(
        &mut self,
        operations: &List<'_, SoapOperation<'_>>,
        command_key: Text<'_>,
    ) -> Reply {
        if !self.cfg.software_modules {
            return Reply::Fault(FaultCode::METHOD_NOT_SUPPORTED);
        }
        let mut ops: heapless::Vec<du::Operation, DU_OPS_MAX> = heapless::Vec::new();
        for op in operations.iter() {
            let op = match du::Operation::from_request(&op) {
                Ok(op) => op,
                Err(code) => return Reply::Fault(code),
            };
            if ops.push(op).is_err() {
                return Reply::Fault(FaultCode::RESOURCES_EXCEEDED);
            }
        }
        match self.du.add(&text(command_key), ops) {
            Ok(_) => {
                self.dirty = true;
                self.run_du_changes();
                Reply::Empty(Empty::ChangeDUStateResponse)
            }
            Err(code) => Reply::Fault(code),
        }
    }

    /// Counts a list reply (and checks every name on the way); a fault if a name is unknown or
    /// the answer could not be sent through the transmit buffer.
    fn list_reply(&mut self, reply: Reply, request: &[u8], dm: &mut dyn DataModel) -> Reply {
        let what = Outbound::Reply(reply.clone());
        let mut producer = Producer {
            ctx: Ctx {
                cfg: &self.cfg,
                ms: &self.ms,
                events: &self.events,
                transfers: &self.transfers,
                autonomous: self.autonomous.as_ref(),
                du: &self.du,
                du_autonomous: &self.du_autonomous,
                notify: &self.notify,
                dm,
                request,
                ns: CwmpNs::V1_2,
                id: "",
                session_timeout: None,
                supported_versions: None,
                wall: None,
                retry_count: 0,
            },
            what: &what,
            count: 0,
            fault: None,
        };
        let m = match measure(&mut producer) {
            Ok(m) => m,
            Err(_) => return Reply::Fault(FaultCode::INTERNAL_ERROR),
        };
        if let Some(code) = producer.fault {
            return Reply::Fault(code);
        }
        if !fits(&m, self.cfg.tx_buffer) {
            return Reply::Fault(FaultCode::RESOURCES_EXCEEDED);
        }
        match reply {
            Reply::GetParameterValues(_) => Reply::GetParameterValues(m.entries),
            Reply::GetParameterNames(_) => Reply::GetParameterNames(m.entries),
            Reply::GetParameterAttributes(_) => Reply::GetParameterAttributes(m.entries),
            other => other,
        }
    }

    /// SetParameterValues: all checked first, then applied all or nothing (digest §9.4).
    fn set_parameter_values(
        &mut self,
        spv: &SetParameterValues<'_>,
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
    ) -> Reply {
        let mut faults: heapless::Vec<(u32, FaultCode), SPV_FAULTS_MAX> = heapless::Vec::new();
        let mut any_fault = false;
        let list = &spv.parameters;
        for (i, p) in list.iter().enumerate() {
            let Some(name) = decode_name(p.name)
                .filter(|n| !n.is_empty() && !is_partial(n) && check_path(n).is_ok())
            else {
                any_fault = true;
                let _ = faults.push((i as u32, FaultCode::INVALID_PARAMETER_NAME));
                continue;
            };
            // A name given twice makes the whole request invalid (digest §9.4).
            if list.iter().take(i).any(|q| q.name == p.name) {
                return Reply::Fault(FaultCode::INVALID_ARGUMENTS);
            }
            let check = if p.value_type == ValueType::Unknown {
                Err(FaultCode::INVALID_PARAMETER_TYPE)
            } else {
                match decode_value(p.value, scratch) {
                    None => Err(FaultCode::RESOURCES_EXCEEDED),
                    Some(value) => {
                        if ManagementServer::owns(&name) {
                            self.ms.check(&name, value, p.value_type)
                        } else {
                            dm.check(&name, value, p.value_type)
                        }
                    }
                }
            };
            match check {
                Ok(()) => {}
                // 9004 and other non-parameter faults are returned alone (digest §9.4).
                Err(code) if !matches!(code.0, 9005..=9008) => return Reply::Fault(code),
                Err(code) => {
                    any_fault = true;
                    if faults.push((i as u32, code)).is_err() {
                        warn!(
                            "SetParameterValues: more than {} faulty parameters; listing the first",
                            SPV_FAULTS_MAX
                        );
                    }
                }
            }
        }
        if any_fault {
            return Reply::SpvFault(faults);
        }
        // Apply: the backend's share in one transaction, then the agent's own parameters.
        let backend_count = list
            .iter()
            .filter(|p| decode_name(p.name).is_some_and(|n| !ManagementServer::owns(&n)))
            .count();
        let mut applied = Applied::Now;
        if backend_count > 0 {
            if let Err(code) = dm.begin() {
                return Reply::Fault(code);
            }
            for p in list.iter() {
                let Some(name) = decode_name(p.name) else {
                    continue;
                };
                if ManagementServer::owns(&name) {
                    continue;
                }
                let staged = match decode_value(p.value, scratch) {
                    Some(value) => dm.stage(&name, value, p.value_type),
                    None => Err(FaultCode::RESOURCES_EXCEEDED),
                };
                if let Err(code) = staged {
                    dm.abort();
                    return Reply::Fault(code);
                }
            }
            match dm.commit() {
                Ok(a) => applied = a,
                Err(code) => return Reply::Fault(code),
            }
        }
        let old_url = self.ms.url.clone();
        let (old_periodic, old_heartbeat) = (
            (
                self.ms.periodic_enable,
                self.ms.periodic_interval,
                self.ms.periodic_time,
            ),
            (
                self.ms.heartbeat_enable,
                self.ms.heartbeat_interval,
                self.ms.heartbeat_time,
            ),
        );
        for p in list.iter() {
            let Some(name) = decode_name(p.name) else {
                continue;
            };
            let Some(value) = decode_value(p.value, scratch) else {
                continue;
            };
            if ManagementServer::owns(&name) {
                // Checked above: cannot fail.
                let _ = self.ms.set(&name, value);
            }
            // A change the ACS made itself is not notified (digest §10).
            self.notify.rebase(&name, value);
        }
        if self.ms.url != old_url {
            info!("ACS URL changed by the ACS; bootstrap after the session");
            self.end.new_acs = true;
        }
        let periodic = (
            self.ms.periodic_enable,
            self.ms.periodic_interval,
            self.ms.periodic_time,
        );
        let heartbeat = (
            self.ms.heartbeat_enable,
            self.ms.heartbeat_interval,
            self.ms.heartbeat_time,
        );
        if periodic != old_periodic || heartbeat != old_heartbeat {
            self.end.rearm = true;
        }
        self.set_parameter_key(spv.parameter_key);
        Reply::SetParameterValues(applied.status())
    }

    /// SetParameterAttributes: every entry checked on every parameter it covers, then applied.
    fn set_parameter_attributes(
        &mut self,
        list: &crate::soap::List<'_, crate::soap::read::SetParameterAttribute<'_>>,
        dm: &mut dyn DataModel,
    ) -> Reply {
        let mut watched = self.notify.tracked().len();
        for entry in list.iter() {
            let Some(path) = decode_name(entry.name).filter(|p| check_path(p).is_ok()) else {
                return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
            };
            let subscriber = entry.access_list.iter().any(|a| a.eq_str("Subscriber"));
            if entry.access_list_change && entry.access_list.iter().any(|a| !a.eq_str("Subscriber"))
            {
                return Reply::Fault(FaultCode::INVALID_ARGUMENTS);
            }
            let change = Change {
                path: &path,
                notification_change: entry.notification_change,
                notification: entry.notification,
                access_list_change: entry.access_list_change,
                subscriber,
            };
            let mut refused = None;
            let mut seen = 0usize;
            let notify = &self.notify;
            let walked = walk_params(dm, &self.ms, &path, &mut |p| {
                seen += 1;
                if let Err(code) = notify.check_parameter(p.name, &change) {
                    refused = Some(code);
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            if let Err(code) = walked {
                return Reply::Fault(code);
            }
            if seen == 0 {
                return Reply::Fault(FaultCode::INVALID_PARAMETER_NAME);
            }
            if let Some(code) = refused {
                return Reply::Fault(code);
            }
            if entry.notification_change && entry.notification > 0 {
                watched += seen;
                if watched > NOTIFY_TRACKED_MAX {
                    return Reply::Fault(FaultCode::RESOURCES_EXCEEDED);
                }
            }
        }
        for entry in list.iter() {
            let Some(path) = decode_name(entry.name) else {
                continue;
            };
            let change = Change {
                path: &path,
                notification_change: entry.notification_change,
                notification: entry.notification,
                access_list_change: entry.access_list_change,
                subscriber: entry.access_list.iter().any(|a| a.eq_str("Subscriber")),
            };
            if let Err(code) = self.notify.apply(&change) {
                return Reply::Fault(code);
            }
            // Baseline the values now watched, so only later changes are reported.
            let notify = &mut self.notify;
            let _ = walk_params(dm, &self.ms, &path, &mut |p| {
                if let Observed::Changed(_) = notify.observe(p.name, p.value) {
                    notify.rebase(p.name, p.value);
                }
                ControlFlow::Continue(())
            });
        }
        self.dirty = true;
        Reply::Empty(Empty::SetParameterAttributesResponse)
    }
}

/// The decoded text as a fixed string (arguments are already length-checked by the reader).
fn text(t: Text<'_>) -> heapless::String<PATH_MAX_LEN> {
    let mut s = heapless::String::new();
    for c in t.chars() {
        if s.push(c).is_err() {
            break;
        }
    }
    s
}

/// A name or partial path with valid syntax (the empty path is the whole tree).
fn valid_name(t: Text<'_>) -> bool {
    decode_name(t).is_some_and(|n| check_path(&n).is_ok())
}
