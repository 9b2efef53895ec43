//! The CWMP agent: a deterministic, sans-IO state machine that decides when to open a session,
//! what to send, how to answer every ACS request and what to remember (digest §4–7, §9–12).
//!
//! Shaped like quinn-proto's `Connection`: the caller feeds it what happened — bytes from the
//! ACS ([`Agent::handle_received`]), connection events, Connection Requests, control requests,
//! transfer results, the passing of time ([`Agent::handle_timeout`]) — and drains what to do:
//! bytes to send ([`Agent::poll_transmit`]), outputs such as "connect", "close", "persist the
//! snapshot" or an effect to carry out ([`Agent::poll_output`]), and the next deadline
//! ([`Agent::poll_timeout`]). Time ([`Clock`]) and entropy are always passed in; buffers belong to
//! the caller; the data model is a [`DataModel`] passed to the calls that need it.
//!
//! One session runs at a time (digest §5.1): Inform first and alone; after the InformResponse,
//! queued CPE requests one per POST (TransferComplete, AutonomousTransferComplete,
//! DUStateChangeComplete, AutonomousDUStateChangeComplete, GetRPCMethods); then the empty POST;
//! then ACS requests answered in order until the ACS sends an empty response.

pub mod autonomous;
pub mod config;
pub mod du;
pub mod events;
pub mod inform;
pub mod messages;
pub mod mgmt;
pub mod notify;
pub mod outgoing;
pub mod retry;
pub mod schedule;
pub mod transfers;

mod control;
mod rpc;
mod session;
mod snapshot;

#[cfg(test)]
mod tests;

use core::time::Duration;

pub use config::{AgentConfig, ConnectionRequest, DeviceIdentity};
pub use session::Transmit;
pub use snapshot::SnapshotError;

use crate::datamodel::DataModel;
use crate::http::cr::rate::RateLimit;
use crate::http::cr::{CrConfig, CrServer, Handled, RequestReader, SessionState};
use crate::limits::{
    AGENT_OUTPUTS_MAX, DU_AUTONOMOUS_MAX, EVENT_KEY_MAX, SCHEDULED_INFORMS_MAX, TRANSFERS_MAX,
};
use crate::sink::{Full, Sink};
use crate::soap::FaultCode;
use crate::time::{DateTime, Instant, UnixTime};
use events::{EventCode, EventQueue};
use mgmt::ManagementServer;
use notify::{Notifications, Observed};
use outgoing::Outgoing;
use session::Session;
use transfers::{FileType, Transfers};

/// The caller's clocks at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Monotonic time, for deadlines.
    pub mono: Instant,
    /// Wall-clock time, when the device knows it (NTP synchronised); `None` otherwise.
    pub wall: Option<UnixTime>,
}

impl Clock {
    /// The wall-clock time as an `xsd:dateTime`, or the Unknown Time.
    pub fn datetime(&self) -> DateTime {
        self.wall
            .map(DateTime::from_unix)
            .unwrap_or(DateTime::UNKNOWN)
    }
}

/// Something the caller must carry out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reboot the device (after persisting the snapshot).
    Reboot,
    /// Reset the device to factory settings and reboot.
    FactoryReset,
    /// Start the transfer in this slot ([`Agent::transfer`] has its details); report with
    /// [`Agent::transfer_done`].
    StartTransfer(u8),
    /// Apply the downloaded file of this slot (firmware: usually reboots; configuration: usually
    /// restarts services); report a failure with [`Agent::transfer_apply_failed`].
    ApplyTransfer(u8),
    /// Carry out the operations of this ChangeDUState that have no result yet, in order
    /// ([`Agent::du_change`] has them); report each with [`Agent::du_operation_done`].
    ChangeDuState(u8),
    /// Load the configuration again and hand it over with [`Agent::apply_config`].
    ReloadConfig,
    /// Stop the daemon (everything was persisted before this is emitted).
    Exit,
}

/// What the caller must do next, besides sending bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Open a connection to [`Agent::session_url`] and report with
    /// [`Agent::handle_connected`] or [`Agent::handle_connect_failed`].
    Connect,
    /// Close the ACS connection.
    Close,
    /// Write [`Agent::write_snapshot`] to stable storage, atomically, now.
    Persist,
    /// Carry out an effect.
    Effect(Effect),
}

/// A ScheduleInform waiting to come due.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scheduled {
    due: Instant,
    due_wall: Option<UnixTime>,
    command_key: heapless::String<EVENT_KEY_MAX>,
}

/// What waits for the end of the current session (digest §5.1 "Deferred actions").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct EndActions {
    reboot: Option<heapless::String<EVENT_KEY_MAX>>,
    factory_reset: bool,
    reload: bool,
    reboot_by_command: bool,
    exit: bool,
    /// The ACS changed the URL: bootstrap with the new one.
    new_acs: bool,
    /// Periodic or heartbeat settings changed: re-arm their timers.
    rearm: bool,
    /// Downloaded files waiting to be applied.
    apply: heapless::Vec<u8, TRANSFERS_MAX>,
    /// The ACS refused a request of the session that ended (see `Session::refused`).
    refused: bool,
}

/// The end of the last session, for `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastOutcome {
    None,
    Running(UnixTime),
    Success(UnixTime, UnixTime),
    Failure(UnixTime, UnixTime),
}

/// The CWMP agent. See the module documentation.
pub struct Agent {
    cfg: AgentConfig,
    ms: ManagementServer,
    /// The configured ManagementServer values the ACS overrides were made against.
    ms_base: ManagementServer,
    events: EventQueue,
    transfers: Transfers,
    du: du::DuChanges,
    du_autonomous: heapless::Vec<du::AutonomousChange, DU_AUTONOMOUS_MAX>,
    scheduled: heapless::Vec<Scheduled, SCHEDULED_INFORMS_MAX>,
    notify: Notifications,
    cr: Option<CrServer>,
    rng: u64,
    session: Option<Session>,
    outgoing: Outgoing,
    outputs: heapless::Deque<Output, AGENT_OUTPUTS_MAX>,
    retry_count: u32,
    retry_at: Option<Instant>,
    periodic_at: Option<Instant>,
    heartbeat_at: Option<Instant>,
    notify_check_at: Option<Instant>,
    /// Active notifications may not open a session before this (DefaultActiveNotificationThrottle).
    throttle_until: Option<Instant>,
    end: EndActions,
    want_get_rpc_methods: bool,
    /// `Device.DeviceInfo.SoftwareVersion` when last checked.
    software_version: heapless::String<64>,
    /// An autonomous transfer waiting for its AutonomousTransferComplete.
    autonomous: Option<autonomous::Autonomous>,
    /// The URL the last delivered `0 BOOTSTRAP` was for.
    bootstrapped_url: mgmt::UrlString,
    /// A session must start as soon as allowed (a new event arrived).
    pending: bool,
    /// An active notification (only) asks for a session.
    active_change: bool,
    /// A downloaded file is being applied: no session until the platform reports the outcome.
    applying: Option<u8>,
    dirty: bool,
    stats_success: u32,
    stats_failure: u32,
    last: LastOutcome,
    started: Option<UnixTime>,
    now: Clock,
}

fn copy_str<const N: usize>(s: &str) -> heapless::String<N> {
    let mut out = heapless::String::new();
    for c in s.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

impl Agent {
    /// A new agent. `snapshot` is what [`Agent::write_snapshot`] wrote before the restart, if
    /// anything; a corrupt one is reported and ignored (the agent then bootstraps).
    pub fn new(
        cfg: AgentConfig,
        snapshot: Option<&[u8]>,
        clock: Clock,
        entropy: [u8; 32],
    ) -> (Agent, Option<SnapshotError>) {
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&entropy[..8]);
        let ms = cfg.management_server.clone();
        let mut agent = Agent {
            ms_base: ms.clone(),
            ms,
            events: EventQueue::new(),
            transfers: Transfers::new(),
            du: du::DuChanges::new(),
            du_autonomous: heapless::Vec::new(),
            scheduled: heapless::Vec::new(),
            notify: Notifications::new(),
            cr: None,
            rng: u64::from_le_bytes(seed) | 1,
            session: None,
            outgoing: Outgoing::new(),
            outputs: heapless::Deque::new(),
            retry_count: 0,
            retry_at: None,
            periodic_at: None,
            heartbeat_at: None,
            notify_check_at: None,
            throttle_until: None,
            end: EndActions::default(),
            want_get_rpc_methods: cfg.get_rpc_methods,
            software_version: heapless::String::new(),
            autonomous: None,
            bootstrapped_url: mgmt::UrlString::new(),
            pending: true,
            active_change: false,
            applying: None,
            dirty: false,
            stats_success: 0,
            stats_failure: 0,
            last: LastOutcome::None,
            started: clock.wall,
            now: clock,
            cfg,
        };
        // Every start of the agent is a boot (digest §4.2 `1 BOOT`), first in the Inform; the
        // snapshot decides whether the ACS knows this CPE yet.
        let _ = agent.events.push(EventCode::Boot, "", None);
        let error = match snapshot {
            Some(bytes) => agent.restore(bytes, clock).err(),
            None => None,
        };
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&entropy);
        agent.setup_cr(secret);
        if agent.bootstrapped_url.as_str() != agent.ms.url.as_str() {
            agent.events.bootstrap();
            agent.transfers.clear();
            agent.du.clear();
            agent.du_autonomous.clear();
            agent.scheduled.clear();
            agent.notify.clear();
        }
        agent.rearm_periodic(clock);
        agent.rearm_heartbeat(clock);
        agent.notify_check_at = agent.next_notify_check(clock);
        // A ChangeDUState interrupted by the restart resumes at its first unfinished operation.
        agent.run_du_changes();
        agent.dirty = true;
        agent.flush_dirty();
        (agent, error)
    }

    fn setup_cr(&mut self, secret: [u8; 32]) {
        let c = &self.cfg.connection_request;
        if !c.enable {
            self.cr = None;
            return;
        }
        let mut cfg = CrConfig::new(
            &c.path,
            &self.ms.cr_username,
            &self.ms.cr_password,
            &c.realm,
            secret,
        );
        cfg.rate_limit = RateLimit {
            max: u16::try_from(c.rate_limit).unwrap_or(u16::MAX),
            window: Duration::from_secs(u64::from(c.rate_window.max(1))),
        };
        match CrServer::new(&cfg) {
            Ok(s) => self.cr = Some(s),
            Err(e) => {
                error!(
                    "connection requests disabled: {}",
                    crate::logging::Shown(&e)
                );
                self.cr = None;
            }
        }
    }

    fn random(&mut self) -> u64 {
        // SplitMix64 over the entropy the caller gave at start-up.
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn entropy16(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.random().to_le_bytes());
        out[8..].copy_from_slice(&self.random().to_le_bytes());
        out
    }

    fn push_output(&mut self, o: Output) {
        if self.outputs.push_back(o).is_err() {
            // Outputs are drained after every call; more than AGENT_OUTPUTS_MAX at once means
            // the caller stopped polling. Keep the newest persist/effect rather than none.
            error!("agent output queue full; dropping the oldest output");
            let _ = self.outputs.pop_front();
            let _ = self.outputs.push_back(o);
        }
    }

    fn flush_dirty(&mut self) {
        if self.dirty {
            self.dirty = false;
            if !self.outputs.iter().any(|o| *o == Output::Persist) {
                self.push_output(Output::Persist);
            }
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &AgentConfig {
        &self.cfg
    }

    /// `Device.ManagementServer.` as it stands.
    pub fn management_server(&self) -> &ManagementServer {
        &self.ms
    }

    /// The undelivered events.
    pub fn events(&self) -> &EventQueue {
        &self.events
    }

    /// The transfer in `slot`, for carrying out [`Effect::StartTransfer`].
    pub fn transfer(&self, slot: u8) -> Option<&transfers::Transfer> {
        self.transfers.get(slot)
    }

    /// The URL the current session talks to (the configured one, or where it was redirected).
    pub fn session_url(&self) -> &str {
        match &self.session {
            Some(s) => s.url(),
            None => &self.ms.url,
        }
    }

    /// True while a session runs.
    pub fn in_session(&self) -> bool {
        self.session.is_some()
    }

    /// The retry count the next Inform carries.
    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// Sets `ManagementServer.ConnectionRequestURL` (the platform knows the listener's address).
    pub fn set_connection_request_url(&mut self, url: &str, clock: Clock, dm: &mut dyn DataModel) {
        if self.ms.cr_url.as_str() == url {
            return;
        }
        self.ms.cr_url = copy_str(url);
        // A forced-active-by-default parameter: a change is reported (digest §8.1).
        self.check_notifications(clock, dm);
    }

    /// The next output to carry out.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Agent::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t: Option<Instant> = None;
        let mut consider = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        consider(self.session.as_ref().and_then(|s| s.deadline()));
        if self.session.is_none() && self.can_start() && self.applying.is_none() {
            match self.retry_at {
                Some(at) => consider(Some(at)),
                None if self.pending => {
                    consider(Some(self.session_gate().unwrap_or(self.now.mono)))
                }
                None => {}
            }
        }
        consider(self.periodic_at);
        consider(self.heartbeat_at);
        consider(self.notify_check_at);
        consider(self.scheduled.iter().map(|s| s.due).min());
        consider(self.transfers.next_deadline());
        t
    }

    /// Time passed: fires due timers, starts a session when one is due, times a silent ACS out.
    pub fn handle_timeout(&mut self, clock: Clock, dm: &mut dyn DataModel) {
        self.now = clock;
        let now = clock.mono;
        if self
            .session
            .as_ref()
            .and_then(|s| s.deadline())
            .is_some_and(|d| d <= now)
        {
            warn!("ACS did not answer within the session timeout");
            self.session_failed(clock);
        }
        if self.periodic_at.is_some_and(|t| t <= now) {
            self.periodic_at = None;
            self.raise(EventCode::Periodic, "", None);
            self.rearm_periodic_after_fire(clock);
        }
        if self.heartbeat_at.is_some_and(|t| t <= now) {
            self.heartbeat_at = None;
            self.raise(EventCode::Heartbeat, "", None);
            self.rearm_heartbeat_after_fire(clock);
        }
        let mut i = 0;
        while i < self.scheduled.len() {
            if self.scheduled[i].due <= now {
                let s = self.scheduled.remove(i);
                self.raise(EventCode::Scheduled, "", None);
                self.raise(EventCode::MScheduleInform, &s.command_key, None);
                self.dirty = true;
            } else {
                i += 1;
            }
        }
        let mut expired = heapless::Vec::new();
        self.transfers.expire(now, clock.datetime(), &mut expired);
        for id in expired {
            self.transfer_finished_events(id);
        }
        if let Some(id) = self.transfers.due(now) {
            self.transfers.start(id);
            self.dirty = true;
            self.push_output(Output::Effect(Effect::StartTransfer(id)));
        }
        if self.notify_check_at.is_some_and(|t| t <= now) {
            self.check_notifications(clock, dm);
            self.notify_check_at = self.next_notify_check(clock);
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.pending = true;
        }
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    fn next_notify_check(&self, clock: Clock) -> Option<Instant> {
        match self.cfg.notify_check_interval {
            0 => None,
            s => Some(clock.mono + Duration::from_secs(u64::from(s))),
        }
    }

    /// Records an event and asks for a session.
    fn raise(&mut self, code: EventCode, key: &str, link: Option<u8>) -> bool {
        // The session starting now will report it: its Inform has not gone out yet.
        let covered = !code.is_multiple()
            && self.session.as_ref().is_some_and(|s| s.inform_pending())
            && self.events.in_flight().any(|e| e.code == code);
        if covered {
            return true;
        }
        match self.events.push(code, key, link) {
            Ok(()) => {
                if code.persistent() {
                    self.dirty = true;
                }
                self.join_pending_inform();
                // A new event while waiting to retry: retry at once (digest §6).
                self.retry_at = None;
                self.pending = true;
                true
            }
            Err(_) => {
                error!("event queue full: {} dropped", code.as_str());
                false
            }
        }
    }

    /// Looks for changes of notified parameters now (a timer, or a backend told the platform
    /// something changed). An active change starts a session (throttled); a passive one waits.
    pub fn check_notifications(&mut self, clock: Clock, dm: &mut dyn DataModel) {
        self.now = clock;
        let mut active = false;
        let mut passive = false;
        // Walk each watched path; collect observations without holding a borrow of `notify`
        // across the data-model call.
        let paths: heapless::Vec<
            heapless::String<{ crate::limits::PATH_MAX_LEN }>,
            { crate::limits::ATTR_RULES_MAX + 3 },
        > = self.notify.watched_paths().map(copy_str).collect();
        for path in paths.iter() {
            let notify = &mut self.notify;
            let _ = messages::walk_params(dm, &self.ms, path, &mut |p| {
                match notify.observe(p.name, p.value) {
                    Observed::Changed(n) if n >= notify::ACTIVE => active = true,
                    Observed::Changed(_) => passive = true,
                    Observed::Untracked => warn!("notification table full"),
                    _ => {}
                }
                core::ops::ControlFlow::Continue(())
            });
        }
        if active || passive {
            self.dirty = true;
            self.join_pending_inform();
        }
        if active && self.notify.has_pending() {
            self.raise(EventCode::ValueChange, "", None);
            self.active_change = true;
        }
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    /// The earliest a session may start, if something delays it.
    fn session_gate(&self) -> Option<Instant> {
        // Only a session whose sole reason is an active notification waits for the throttle.
        let only_value_change = self.events.iter().all(|e| e.code == EventCode::ValueChange);
        if self.active_change && only_value_change {
            return self.throttle_until;
        }
        None
    }

    fn can_start(&self) -> bool {
        self.ms.enable_cwmp && !self.ms.url.is_empty() && !self.end.exit
    }

    fn maybe_start_session(&mut self, clock: Clock) {
        if self.session.is_some() || !self.pending || !self.can_start() || self.applying.is_some() {
            return;
        }
        if self.retry_at.is_some_and(|t| t > clock.mono) {
            return;
        }
        if self.session_gate().is_some_and(|t| t > clock.mono) {
            return;
        }
        if self.events.is_empty() && !self.want_get_rpc_methods && !self.notify.has_pending() {
            self.pending = false;
            return;
        }
        if self.events.is_empty() {
            // A pending change or a GetRPCMethods request needs an event to carry it.
            if self.notify.has_pending() {
                let _ = self.events.push(EventCode::ValueChange, "", None);
            } else {
                let _ = self.events.push(EventCode::Periodic, "", None);
            }
        }
        self.pending = false;
        self.active_change = false;
        self.start_session(clock);
    }

    fn rearm_periodic(&mut self, clock: Clock) {
        self.periodic_at = if self.ms.periodic_enable {
            let t0 = schedule::reference(self.ms.periodic_time);
            let delay = schedule::next_phase(clock.wall, t0, self.ms.periodic_interval);
            let delay = if delay == 0 {
                u64::from(self.ms.periodic_interval.max(1))
            } else {
                delay
            };
            Some(clock.mono + Duration::from_secs(delay))
        } else {
            None
        };
    }

    fn rearm_periodic_after_fire(&mut self, clock: Clock) {
        self.rearm_periodic(clock);
    }

    fn rearm_heartbeat(&mut self, clock: Clock) {
        self.heartbeat_at = if self.ms.heartbeat_enable {
            let interval = self.ms.heartbeat_interval.max(mgmt::HEARTBEAT_MIN_INTERVAL);
            let delay = match schedule::reference(self.ms.heartbeat_time) {
                t0 @ Some(_) => schedule::next_phase(clock.wall, t0, interval),
                // Unknown InitiationTime: a random phase (TR-181 HeartbeatPolicy).
                None => 1 + self.random() % u64::from(interval),
            };
            Some(clock.mono + Duration::from_secs(delay.max(1)))
        } else {
            None
        };
    }

    fn rearm_heartbeat_after_fire(&mut self, clock: Clock) {
        let interval = u64::from(self.ms.heartbeat_interval.max(mgmt::HEARTBEAT_MIN_INTERVAL));
        self.heartbeat_at = if self.ms.heartbeat_enable {
            let t0 = schedule::reference(self.ms.heartbeat_time);
            let d = match t0 {
                Some(_) => schedule::next_phase(clock.wall, t0, self.ms.heartbeat_interval),
                None => interval,
            };
            Some(clock.mono + Duration::from_secs(if d == 0 { interval } else { d }))
        } else {
            None
        };
    }

    // -----------------------------------------------------------------------------------------
    // Connection Requests

    /// Handles the bytes a Connection Request connection delivered so far (`buf`: all of them)
    /// and writes the answer into `sink` when one is due (then send it and close). A valid
    /// request queues `6 CONNECTION REQUEST`; requests during a session are accepted and give
    /// one session right after it (digest §8.1).
    pub fn connection_request<S: Sink + ?Sized>(
        &mut self,
        reader: &mut RequestReader,
        buf: &[u8],
        clock: Clock,
        sink: &mut S,
    ) -> Result<Handled, Full> {
        self.now = clock;
        let Some(cr) = self.cr.as_mut() else {
            return Ok(Handled::NeedMore);
        };
        let state = if self.ms.enable_cwmp {
            SessionState::Idle
        } else {
            SessionState::InProgress
        };
        let handled = cr.handle(reader, buf, clock.mono, state, sink)?;
        if handled == Handled::Respond(crate::http::cr::CrOutcome::StartSession) {
            self.raise(EventCode::ConnectionRequest, "", None);
            self.maybe_start_session(clock);
        }
        Ok(handled)
    }

    /// True when Connection Requests are accepted (the platform opens the listener).
    pub fn accepts_connection_requests(&self) -> bool {
        self.cr.is_some()
    }

    // -----------------------------------------------------------------------------------------
    // Transfers

    /// The transfer in `slot` finished (successfully when `fault` is 0). For a firmware image
    /// or configuration file that downloaded fine, the agent then asks for it to be applied
    /// ([`Effect::ApplyTransfer`]) once no session runs.
    pub fn transfer_done(
        &mut self,
        slot: u8,
        fault: FaultCode,
        start: Option<UnixTime>,
        complete: Option<UnixTime>,
        clock: Clock,
    ) {
        self.now = clock;
        let to_dt = |t: Option<UnixTime>| t.map(DateTime::from_unix).unwrap_or(DateTime::UNKNOWN);
        let apply = fault == FaultCode::NONE
            && self.transfers.get(slot).is_some_and(|t| {
                t.kind.is_download()
                    && matches!(t.file(), Some(FileType::Firmware | FileType::VendorConfig))
            });
        if !self
            .transfers
            .finish(slot, fault, to_dt(start), to_dt(complete))
        {
            warn!("transfer result for unknown slot {}", slot);
            return;
        }
        self.transfer_finished_events(slot);
        if apply {
            let _ = self.end.apply.push(slot);
            self.run_applies();
        }
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    /// The file of `slot` was applied without a reboot (a configuration file, say).
    pub fn transfer_applied(&mut self, slot: u8, clock: Clock) {
        self.now = clock;
        if self.applying == Some(slot) {
            self.applying = None;
        }
        self.pending = true;
        self.run_applies();
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    /// Applying the file of `slot` failed (the device did not reboot into it): the transfer is
    /// reported with `fault` (e.g. 9018 for an image the device refused).
    pub fn transfer_apply_failed(&mut self, slot: u8, fault: FaultCode, clock: Clock) {
        self.now = clock;
        if self.applying == Some(slot) {
            self.applying = None;
        }
        if self.transfers.set_fault(slot, fault, clock.datetime()) {
            self.dirty = true;
        }
        self.pending = true;
        self.run_applies();
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    fn transfer_finished_events(&mut self, slot: u8) {
        let Some(t) = self.transfers.get(slot) else {
            return;
        };
        let code = match t.kind {
            transfers::Kind::Download => EventCode::MDownload,
            transfers::Kind::Upload => EventCode::MUpload,
            transfers::Kind::ScheduleDownload => EventCode::MScheduleDownload,
        };
        let key: heapless::String<EVENT_KEY_MAX> = t.command_key.clone();
        self.raise(EventCode::TransferComplete, "", None);
        self.raise(code, &key, Some(slot));
        self.dirty = true;
    }

    /// Hands the next downloaded file to the platform to apply, one at a time, never during a
    /// session. Sessions wait for the outcome: its TransferComplete must say whether it applied.
    fn run_applies(&mut self) {
        if self.applying.is_some() || self.session.is_some() || self.end.apply.is_empty() {
            return;
        }
        let slot = self.end.apply.remove(0);
        self.applying = Some(slot);
        // The snapshot (with the finished transfer and its events) must be on disk before a
        // firmware apply reboots the device.
        self.dirty = false;
        self.push_output(Output::Persist);
        self.push_output(Output::Effect(Effect::ApplyTransfer(slot)));
    }

    // -----------------------------------------------------------------------------------------
    // Deployment units

    /// The ChangeDUState in `slot`, for carrying out [`Effect::ChangeDuState`].
    pub fn du_change(&self, slot: u8) -> Option<&du::DuChange> {
        self.du.get(slot)
    }

    /// Operation `index` of the ChangeDUState in `slot` finished with `result`. The result is
    /// persisted at once; after the last operation the change is reported
    /// (`11 DU STATE CHANGE COMPLETE` + `M ChangeDUState`, then DUStateChangeComplete) and the
    /// next ChangeDUState, if any, is handed over.
    pub fn du_operation_done(
        &mut self,
        slot: u8,
        index: usize,
        mut result: du::OpResult,
        clock: Clock,
    ) {
        self.now = clock;
        let requested = self
            .du
            .get(slot)
            .and_then(|c| c.operations.get(index))
            .map(|o| o.uuid.clone())
            .unwrap_or_default();
        self.ensure_uuid(&mut result, &requested);
        match self.du.record(slot, index, result) {
            None => {
                warn!(
                    "DU result for unknown operation {} of change {}",
                    index, slot
                );
                return;
            }
            Some(false) => self.dirty = true,
            Some(true) => {
                self.dirty = true;
                let key: heapless::String<EVENT_KEY_MAX> = self
                    .du
                    .get(slot)
                    .map(|c| c.command_key.clone())
                    .unwrap_or_default();
                self.raise(EventCode::DuStateChangeComplete, "", None);
                self.raise(EventCode::MChangeDuState, &key, Some(du::event_link(slot)));
                self.run_du_changes();
                self.maybe_start_session(clock);
            }
        }
        self.flush_dirty();
    }

    /// A deployment unit changed without the ACS asking (installed, updated or removed by
    /// other means). Reported with `12 AUTONOMOUS DU STATE CHANGE COMPLETE` and
    /// AutonomousDUStateChangeComplete when `ManagementServer.DUStateChangeComplPolicy.`
    /// asks for it (`Ok` also when the policy drops it). `Err(Full)` when
    /// [`DU_AUTONOMOUS_MAX`] changes wait already: offer it again later.
    pub fn du_autonomous_change(
        &mut self,
        kind: du::OpKind,
        mut result: du::OpResult,
        clock: Clock,
    ) -> Result<(), du::Full> {
        self.now = clock;
        self.ensure_uuid(&mut result, "");
        if !self.ms.reports_du_change(kind, result.fault) {
            debug!("autonomous {} not reported (policy)", kind.as_str());
            return Ok(());
        }
        self.du_autonomous
            .push(du::AutonomousChange { kind, result })
            .map_err(|_| du::Full)?;
        self.dirty = true;
        self.raise(EventCode::AutonomousDuStateChangeComplete, "", None);
        self.maybe_start_session(clock);
        self.flush_dirty();
        Ok(())
    }

    /// Every reported result carries a UUID (the XSD requires one): the platform's, else the
    /// one the ACS asked for, else a random (version 4) one, e.g. for an Install that failed
    /// before the unit was known.
    fn ensure_uuid(&mut self, result: &mut du::OpResult, requested: &str) {
        if du::valid_uuid(&result.uuid) {
            return;
        }
        if !result.uuid.is_empty() {
            warn!("DU result with a malformed UUID replaced");
        }
        result.uuid.clear();
        if du::valid_uuid(requested) {
            // Same length as the field.
            let _ = result.uuid.push_str(requested);
            return;
        }
        let bytes = self.entropy16();
        du::random_uuid(bytes, &mut result.uuid);
    }

    /// Hands the next ChangeDUState to the platform, one at a time.
    fn run_du_changes(&mut self) {
        if let Some(id) = self.du.next_to_run() {
            self.du.start(id);
            self.push_output(Output::Effect(Effect::ChangeDuState(id)));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Configuration

    /// Takes a new configuration (after [`Effect::ReloadConfig`]). Values the ACS set stay in
    /// force unless the configuration changed them.
    pub fn apply_config(&mut self, cfg: AgentConfig, clock: Clock) {
        self.now = clock;
        if self.session.is_some() {
            // Never change settings under a running session.
            self.end.reload = true;
            return;
        }
        let old_base = core::mem::replace(&mut self.ms_base, cfg.management_server.clone());
        let new_base = &cfg.management_server;
        // Fields the operator changed in the file win over earlier ACS values.
        macro_rules! take {
            ($($f:ident),*) => { $( if old_base.$f != new_base.$f { self.ms.$f = new_base.$f.clone(); } )* };
        }
        take!(
            enable_cwmp,
            url,
            username,
            password,
            periodic_enable,
            periodic_interval,
            periodic_time,
            cr_username,
            cr_password,
            upgrades_managed,
            notification_throttle,
            retry_min_wait,
            retry_multiplier,
            heartbeat_enable,
            heartbeat_interval,
            heartbeat_time
        );
        let cr_changed = self.cfg.connection_request != cfg.connection_request;
        self.cfg = cfg;
        if cr_changed {
            let mut secret = [0u8; 32];
            for chunk in secret.chunks_mut(8) {
                chunk.copy_from_slice(&self.random().to_le_bytes());
            }
            self.setup_cr(secret);
        } else if let Some(cr) = self.cr.as_mut() {
            let _ = cr.set_credentials(&self.ms.cr_username, &self.ms.cr_password);
        }
        if self.bootstrapped_url.as_str() != self.ms.url.as_str() {
            self.new_acs();
        }
        self.rearm_periodic(clock);
        self.rearm_heartbeat(clock);
        self.dirty = true;
        self.pending = true;
        self.maybe_start_session(clock);
        self.flush_dirty();
    }

    /// A new ACS (URL changed): its history starts with `0 BOOTSTRAP`.
    fn new_acs(&mut self) {
        self.events.bootstrap();
        self.transfers.clear();
        self.du.clear();
        self.du_autonomous.clear();
        self.autonomous = None;
        self.scheduled.clear();
        self.notify.clear();
        self.ms.parameter_key.clear();
        self.retry_count = 0;
        self.retry_at = None;
        self.want_get_rpc_methods |= self.cfg.get_rpc_methods;
        self.pending = true;
        self.dirty = true;
    }

    /// Starts leaving: finishes or abandons the session, persists, then emits
    /// [`Effect::Exit`].
    pub fn shutdown(&mut self, clock: Clock) {
        self.now = clock;
        self.end.exit = true;
        if self.session.is_some() {
            self.abandon_session(clock);
        }
        self.dirty = true;
        self.flush_dirty();
        self.push_output(Output::Effect(Effect::Exit));
    }
}
