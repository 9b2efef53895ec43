//! Filling and reading the state snapshot ([`crate::persist`]).

use core::time::Duration;

use super::autonomous::Autonomous;
use super::du::{self, AutonomousChange, DuChange, DuState, OpKind, OpResult, Operation};
use super::events::EventCode;
use super::mgmt::{InformParam, ManagementServer};
use super::notify::{Rule, Tracked};
use super::transfers::{Kind, State, Transfer};
use super::{Agent, Clock, Scheduled, copy_str};
use crate::persist::{
    self, AutonomousRec, DuAutonomousRec, DuChangeRec, DuOpRec, DuResultRec, EventRec,
    InformParamRec, MsRec, RuleRec, ScheduledRec, Snapshot, TimeText, TrackedRec, TransferRec,
};
use crate::soap::FaultCode;
use crate::time::{DateTime, Instant, UnixTime};

pub use crate::persist::SnapshotError;

fn time_text(t: &Option<DateTime>) -> TimeText {
    let mut s = TimeText::new();
    if let Some(t) = t {
        let _ = core::fmt::write(&mut s, format_args!("{t}"));
    }
    s
}

fn dt_text(t: &DateTime) -> TimeText {
    time_text(&Some(*t))
}

fn parse_time(s: &str) -> Option<DateTime> {
    if s.is_empty() {
        return None;
    }
    DateTime::parse(s).ok().filter(|t| !t.is_unknown())
}

fn ms_rec(ms: &ManagementServer) -> MsRec {
    let mut params = heapless::Vec::new();
    for p in &ms.inform_params {
        let _ = params.push(InformParamRec {
            instance: p.instance,
            enable: p.enable,
            alias: p.alias.clone(),
            name: p.parameter_name.clone(),
            events: p.event_list.clone(),
        });
    }
    MsRec {
        enable: ms.enable_cwmp,
        url: ms.url.clone(),
        username: ms.username.clone(),
        password: ms.password.clone(),
        periodic_enable: ms.periodic_enable,
        periodic_interval: ms.periodic_interval,
        periodic_time: time_text(&ms.periodic_time),
        parameter_key: ms.parameter_key.clone(),
        cr_username: ms.cr_username.clone(),
        cr_password: ms.cr_password.clone(),
        upgrades_managed: ms.upgrades_managed,
        throttle: ms.notification_throttle,
        retry_min_wait: ms.retry_min_wait,
        retry_multiplier: ms.retry_multiplier,
        heartbeat_enable: ms.heartbeat_enable,
        heartbeat_interval: ms.heartbeat_interval,
        heartbeat_time: time_text(&ms.heartbeat_time),
        inform_params: params,
        next_inform_instance: ms.next_inform_instance,
        atc_enable: ms.atc_enable,
        atc_transfer_type: ms.atc_transfer_type.clone(),
        atc_result_type: ms.atc_result_type.clone(),
        atc_file_types: ms.atc_file_types.clone(),
        du_enable: ms.du_policy_enable,
        du_operations: ms.du_policy_operations.clone(),
        du_result_type: ms.du_policy_result_type.clone(),
        du_fault_codes: ms.du_policy_fault_codes.clone(),
    }
}

/// The values of `rec` laid over `ms`, field by field, where `rec` differs from `base` (a field
/// the configuration changed since `rec` was written keeps the configuration's value).
fn overlay(ms: &mut ManagementServer, rec: &MsRec, base: &MsRec) {
    macro_rules! take {
        ($($f:ident => $g:ident),*) => {
            $( if rec.$f != base.$f { ms.$g = rec.$f.clone(); } )*
        };
    }
    let cfg = ms_rec(ms);
    // Only where the configuration still says what it said when the ACS changed the value.
    macro_rules! guarded {
        ($($f:ident => $g:ident),*) => {
            $( if cfg.$f == base.$f && rec.$f != base.$f { ms.$g = rec.$f.clone(); } )*
        };
    }
    guarded!(enable => enable_cwmp, url => url, username => username, password => password,
        periodic_enable => periodic_enable, periodic_interval => periodic_interval,
        cr_username => cr_username, cr_password => cr_password, upgrades_managed => upgrades_managed,
        throttle => notification_throttle, retry_min_wait => retry_min_wait,
        retry_multiplier => retry_multiplier, heartbeat_enable => heartbeat_enable,
        heartbeat_interval => heartbeat_interval);
    if cfg.periodic_time == base.periodic_time && rec.periodic_time != base.periodic_time {
        ms.periodic_time = parse_time(&rec.periodic_time);
    }
    if cfg.heartbeat_time == base.heartbeat_time && rec.heartbeat_time != base.heartbeat_time {
        ms.heartbeat_time = parse_time(&rec.heartbeat_time);
    }
    // Values only the ACS sets.
    take!(parameter_key => parameter_key, atc_enable => atc_enable,
        atc_transfer_type => atc_transfer_type, atc_result_type => atc_result_type,
        atc_file_types => atc_file_types, du_enable => du_policy_enable,
        du_operations => du_policy_operations, du_result_type => du_policy_result_type,
        du_fault_codes => du_policy_fault_codes);
    ms.inform_params.clear();
    for p in &rec.inform_params {
        let _ = ms.inform_params.push(InformParam {
            instance: p.instance,
            enable: p.enable,
            alias: p.alias.clone(),
            parameter_name: p.name.clone(),
            event_list: p.events.clone(),
        });
    }
    ms.next_inform_instance = rec.next_inform_instance.max(1);
    ms.periodic_interval = ms.periodic_interval.max(1);
    ms.retry_min_wait = ms.retry_min_wait.clamp(1, 65_535);
    ms.retry_multiplier = ms.retry_multiplier.clamp(1000, 65_535);
    ms.heartbeat_interval = ms
        .heartbeat_interval
        .max(super::mgmt::HEARTBEAT_MIN_INTERVAL);
}

const OP_KINDS: [OpKind; 3] = [OpKind::Install, OpKind::Update, OpKind::Uninstall];
const DU_STATES: [DuState; 3] = [DuState::Installed, DuState::Uninstalled, DuState::Failed];

fn kind_code(k: OpKind) -> u8 {
    OP_KINDS.iter().position(|x| *x == k).unwrap_or(0) as u8
}

fn du_result_rec(r: &OpResult) -> DuResultRec {
    DuResultRec {
        uuid: r.uuid.clone(),
        du_ref: r.deployment_unit_ref.clone(),
        version: r.version.clone(),
        state: DU_STATES
            .iter()
            .position(|x| *x == r.current_state)
            .unwrap_or(2) as u8,
        resolved: r.resolved,
        eu_refs: r.execution_unit_ref_list.clone(),
        start: dt_text(&r.start),
        complete: dt_text(&r.complete),
        fault: r.fault.0,
        fault_string: r.fault_string.clone(),
    }
}

fn du_result(r: &DuResultRec) -> OpResult {
    OpResult {
        uuid: r.uuid.clone(),
        deployment_unit_ref: r.du_ref.clone(),
        version: r.version.clone(),
        current_state: DU_STATES
            .get(usize::from(r.state))
            .copied()
            .unwrap_or(DuState::Failed),
        resolved: r.resolved,
        execution_unit_ref_list: r.eu_refs.clone(),
        start: DateTime::parse(&r.start).unwrap_or(DateTime::UNKNOWN),
        complete: DateTime::parse(&r.complete).unwrap_or(DateTime::UNKNOWN),
        fault: FaultCode(r.fault),
        fault_string: r.fault_string.clone(),
    }
}

/// Seconds from `now` until `due` (0 if past).
fn seconds_until(due: Instant, now: Instant) -> u64 {
    due.saturating_since(now).as_secs()
}

/// A deadline restored from its wall-clock form when possible, else from the seconds left.
fn restore_due(at: Option<i64>, in_secs: u64, clock: Clock) -> Instant {
    let secs = match (at, clock.wall) {
        (Some(at), Some(now)) => u64::try_from(at.saturating_sub(now.secs())).unwrap_or(0),
        _ => in_secs,
    };
    clock.mono + Duration::from_secs(secs)
}

impl Agent {
    fn snapshot(&self) -> Snapshot {
        let now = self.now;
        let wall_of = |due: Instant| {
            now.wall.map(|w| {
                w.secs()
                    .saturating_add(i64::try_from(seconds_until(due, now.mono)).unwrap_or(0))
            })
        };
        let mut s = Snapshot {
            version: persist::FORMAT_VERSION,
            written_at: now.wall.map(|w| w.secs()),
            bootstrapped_url: self.bootstrapped_url.clone(),
            ms: ms_rec(&self.ms),
            ms_base: ms_rec(&self.ms_base),
            software_version: self.software_version.clone(),
            autonomous: self.autonomous.as_ref().map(|a| AutonomousRec {
                announce_url: a.announce_url.clone(),
                transfer_url: a.transfer_url.clone(),
                is_download: a.is_download,
                file_type: a.file_type.clone(),
                file_size: a.file_size,
                target: a.target_file_name.clone(),
                fault: a.fault.0,
                start: dt_text(&a.start),
                complete: dt_text(&a.complete),
            }),
            ..Default::default()
        };
        for e in self.events.persistent() {
            let _ = s.events.push(EventRec {
                code: copy_str(e.code.as_str()),
                key: e.command_key.clone(),
                link: e.link,
            });
        }
        for t in self.transfers.iter() {
            let (state, fault, start, complete) = match t.state {
                State::Queued => (1, 0, TimeText::new(), TimeText::new()),
                State::InProgress => (2, 0, TimeText::new(), TimeText::new()),
                State::Done {
                    fault,
                    start,
                    complete,
                } => (3, fault.0, dt_text(&start), dt_text(&complete)),
            };
            let _ = s.transfers.push(TransferRec {
                id: t.id,
                kind: match t.kind {
                    Kind::Download => 0,
                    Kind::Upload => 1,
                    Kind::ScheduleDownload => 2,
                },
                key: t.command_key.clone(),
                file_type: t.file_type.clone(),
                url: t.url.clone(),
                username: t.username.clone(),
                password: t.password.clone(),
                file_size: t.file_size,
                target: t.target_file_name.clone(),
                due_at: wall_of(t.due),
                due_in: seconds_until(t.due, now.mono),
                deadline_at: t.deadline.and_then(wall_of),
                deadline_in: t.deadline.map(|d| seconds_until(d, now.mono)),
                state,
                fault,
                start,
                complete,
            });
        }
        for c in self.du.iter() {
            let mut ops = heapless::Vec::new();
            for op in &c.operations {
                // Arguments or result, never both: see `DuOpRec`.
                let rec = match &op.result {
                    Some(r) => DuOpRec {
                        kind: kind_code(op.kind),
                        result: Some(du_result_rec(r)),
                        ..Default::default()
                    },
                    None => DuOpRec {
                        kind: kind_code(op.kind),
                        url: op.url.clone(),
                        uuid: op.uuid.clone(),
                        version: op.version.clone(),
                        username: op.username.clone(),
                        password: op.password.clone(),
                        ee: op.execution_env_ref.clone(),
                        result: None,
                    },
                };
                // Both hold DU_OPS_MAX.
                let _ = ops.push(rec);
            }
            let _ = s.du.push(DuChangeRec {
                id: c.id,
                key: c.command_key.clone(),
                ops,
            });
        }
        for a in &self.du_autonomous {
            let _ = s.du_autonomous.push(DuAutonomousRec {
                kind: kind_code(a.kind),
                result: du_result_rec(&a.result),
            });
        }
        for sch in &self.scheduled {
            let _ = s.scheduled.push(ScheduledRec {
                key: sch.command_key.clone(),
                due_at: sch.due_wall.map(|w| w.secs()).or_else(|| wall_of(sch.due)),
                due_in: seconds_until(sch.due, now.mono),
            });
        }
        for r in self.notify.rules() {
            let _ = s.rules.push(RuleRec {
                path: r.path.clone(),
                notification: r.notification,
                subscriber: r.subscriber,
            });
        }
        for t in self.notify.tracked() {
            let _ = s.tracked.push(TrackedRec {
                name: t.name,
                value: t.value,
                changed: t.changed,
            });
        }
        s
    }

    /// Writes the state snapshot as JSON into `buf` (at most [`crate::limits::SNAPSHOT_MAX`]
    /// bytes are needed); returns its length. Store it atomically.
    pub fn write_snapshot(&self, buf: &mut [u8]) -> Result<usize, SnapshotError> {
        persist::encode(&self.snapshot(), buf)
    }

    /// Reads a snapshot back at start-up.
    pub(super) fn restore(&mut self, bytes: &[u8], clock: Clock) -> Result<(), SnapshotError> {
        let s = persist::decode(bytes)?;
        self.bootstrapped_url = s.bootstrapped_url.clone();
        overlay(&mut self.ms, &s.ms, &s.ms_base);
        self.software_version = s.software_version.clone();
        self.autonomous = s.autonomous.as_ref().map(|a| Autonomous {
            announce_url: a.announce_url.clone(),
            transfer_url: a.transfer_url.clone(),
            is_download: a.is_download,
            file_type: a.file_type.clone(),
            file_size: a.file_size,
            target_file_name: a.target.clone(),
            fault: FaultCode(a.fault),
            start: DateTime::parse(&a.start).unwrap_or(DateTime::UNKNOWN),
            complete: DateTime::parse(&a.complete).unwrap_or(DateTime::UNKNOWN),
        });
        for e in &s.events {
            match EventCode::parse(&e.code) {
                Some(code) => {
                    let _ = self.events.push(code, &e.key, e.link);
                }
                None => warn!("snapshot: unknown event code dropped"),
            }
        }
        for t in &s.transfers {
            let kind = match t.kind {
                0 => Kind::Download,
                1 => Kind::Upload,
                _ => Kind::ScheduleDownload,
            };
            let state = match t.state {
                1 => State::Queued,
                // Interrupted by the restart: reported as failed rather than restarted blind.
                2 => State::Done {
                    fault: FaultCode::DOWNLOAD_INCOMPLETE,
                    start: DateTime::UNKNOWN,
                    complete: clock.datetime(),
                },
                _ => State::Done {
                    fault: FaultCode(t.fault),
                    start: DateTime::parse(&t.start).unwrap_or(DateTime::UNKNOWN),
                    complete: DateTime::parse(&t.complete).unwrap_or(DateTime::UNKNOWN),
                },
            };
            let interrupted = t.state == 2;
            let transfer = Transfer {
                id: t.id,
                kind,
                command_key: t.key.clone(),
                file_type: t.file_type.clone(),
                url: t.url.clone(),
                username: t.username.clone(),
                password: t.password.clone(),
                file_size: t.file_size,
                target_file_name: t.target.clone(),
                due: restore_due(t.due_at, t.due_in, clock),
                deadline: t.deadline_in.map(|d| restore_due(t.deadline_at, d, clock)),
                state,
            };
            if !self.transfers.restore(transfer) {
                warn!("snapshot: transfer dropped");
                continue;
            }
            if interrupted {
                self.transfer_finished_events(t.id);
            }
        }
        for c in &s.du {
            let mut ops = heapless::Vec::new();
            for o in &c.ops {
                let Some(kind) = OP_KINDS.get(usize::from(o.kind)).copied() else {
                    warn!("snapshot: DU operation of unknown kind dropped");
                    continue;
                };
                let _ = ops.push(Operation {
                    kind,
                    url: o.url.clone(),
                    uuid: o.uuid.clone(),
                    version: o.version.clone(),
                    username: o.username.clone(),
                    password: o.password.clone(),
                    execution_env_ref: o.ee.clone(),
                    result: o.result.as_ref().map(du_result),
                });
            }
            if ops.is_empty()
                || !self
                    .du
                    .restore(DuChange::restored(c.id, c.key.clone(), ops))
            {
                warn!("snapshot: ChangeDUState dropped");
                self.events.remove_link(du::event_link(c.id));
            }
        }
        for a in &s.du_autonomous {
            if let Some(kind) = OP_KINDS.get(usize::from(a.kind)).copied() {
                let _ = self.du_autonomous.push(AutonomousChange {
                    kind,
                    result: du_result(&a.result),
                });
            }
        }
        for sch in &s.scheduled {
            let _ = self.scheduled.push(Scheduled {
                due: restore_due(sch.due_at, sch.due_in, clock),
                due_wall: sch.due_at.map(UnixTime),
                command_key: sch.key.clone(),
            });
        }
        self.notify.restore(
            s.rules.iter().map(|r| Rule {
                path: r.path.clone(),
                notification: r.notification,
                subscriber: r.subscriber,
            }),
            s.tracked.iter().map(|t| Tracked {
                name: t.name,
                value: t.value,
                changed: t.changed,
                in_flight: false,
            }),
        );
        Ok(())
    }
}
