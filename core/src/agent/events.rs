//! Event codes and the queue of undelivered events, with the retention rules of digest §4.2.
//!
//! The queue decides what goes into the next Inform, when an event may be forgotten (on the
//! InformResponse, or on the response to the RPC it belongs to), what a failed session keeps
//! (everything but `6 CONNECTION REQUEST`) and what survives a restart. It does not decide when
//! to open a session; the agent does.

use core::fmt;

use crate::limits::{EVENT_KEY_MAX, EVENT_QUEUE_MAX};

/// A TR-069 event code (digest §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventCode {
    /// `0 BOOTSTRAP`: first contact, after a factory reset, or after the ACS URL changed.
    Bootstrap,
    /// `1 BOOT`: the CPE (or the agent) started.
    Boot,
    /// `2 PERIODIC`.
    Periodic,
    /// `3 SCHEDULED`: a ScheduleInform came due.
    Scheduled,
    /// `4 VALUE CHANGE`: a notified parameter changed.
    ValueChange,
    /// `5 KICKED`.
    Kicked,
    /// `6 CONNECTION REQUEST`.
    ConnectionRequest,
    /// `7 TRANSFER COMPLETE`.
    TransferComplete,
    /// `8 DIAGNOSTICS COMPLETE`.
    DiagnosticsComplete,
    /// `9 REQUEST DOWNLOAD`.
    RequestDownload,
    /// `10 AUTONOMOUS TRANSFER COMPLETE`.
    AutonomousTransferComplete,
    /// `11 DU STATE CHANGE COMPLETE`.
    DuStateChangeComplete,
    /// `12 AUTONOMOUS DU STATE CHANGE COMPLETE`.
    AutonomousDuStateChangeComplete,
    /// `13 WAKEUP`.
    Wakeup,
    /// `14 HEARTBEAT`.
    Heartbeat,
    /// `M Reboot`.
    MReboot,
    /// `M ScheduleInform`.
    MScheduleInform,
    /// `M Download`.
    MDownload,
    /// `M ScheduleDownload`.
    MScheduleDownload,
    /// `M Upload`.
    MUpload,
    /// `M ChangeDUState`.
    MChangeDuState,
}

/// When an event may be forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// When the InformResponse arrives.
    InformResponse,
    /// When the TransferCompleteResponse for its transfer arrives.
    TransferCompleteResponse,
    /// When the AutonomousTransferCompleteResponse arrives.
    AutonomousTransferCompleteResponse,
    /// When the DUStateChangeCompleteResponse arrives.
    DuStateChangeCompleteResponse,
    /// When the AutonomousDUStateChangeCompleteResponse arrives.
    AutonomousDuStateChangeCompleteResponse,
    /// When the RequestDownloadResponse arrives.
    RequestDownloadResponse,
    /// When the KickedResponse arrives.
    KickedResponse,
}

const ALL: [EventCode; 21] = [
    EventCode::Bootstrap,
    EventCode::Boot,
    EventCode::Periodic,
    EventCode::Scheduled,
    EventCode::ValueChange,
    EventCode::Kicked,
    EventCode::ConnectionRequest,
    EventCode::TransferComplete,
    EventCode::DiagnosticsComplete,
    EventCode::RequestDownload,
    EventCode::AutonomousTransferComplete,
    EventCode::DuStateChangeComplete,
    EventCode::AutonomousDuStateChangeComplete,
    EventCode::Wakeup,
    EventCode::Heartbeat,
    EventCode::MReboot,
    EventCode::MScheduleInform,
    EventCode::MDownload,
    EventCode::MScheduleDownload,
    EventCode::MUpload,
    EventCode::MChangeDuState,
];

impl EventCode {
    /// The code as written in an Inform.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventCode::Bootstrap => "0 BOOTSTRAP",
            EventCode::Boot => "1 BOOT",
            EventCode::Periodic => "2 PERIODIC",
            EventCode::Scheduled => "3 SCHEDULED",
            EventCode::ValueChange => "4 VALUE CHANGE",
            EventCode::Kicked => "5 KICKED",
            EventCode::ConnectionRequest => "6 CONNECTION REQUEST",
            EventCode::TransferComplete => "7 TRANSFER COMPLETE",
            EventCode::DiagnosticsComplete => "8 DIAGNOSTICS COMPLETE",
            EventCode::RequestDownload => "9 REQUEST DOWNLOAD",
            EventCode::AutonomousTransferComplete => "10 AUTONOMOUS TRANSFER COMPLETE",
            EventCode::DuStateChangeComplete => "11 DU STATE CHANGE COMPLETE",
            EventCode::AutonomousDuStateChangeComplete => "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
            EventCode::Wakeup => "13 WAKEUP",
            EventCode::Heartbeat => "14 HEARTBEAT",
            EventCode::MReboot => "M Reboot",
            EventCode::MScheduleInform => "M ScheduleInform",
            EventCode::MDownload => "M Download",
            EventCode::MScheduleDownload => "M ScheduleDownload",
            EventCode::MUpload => "M Upload",
            EventCode::MChangeDuState => "M ChangeDUState",
        }
    }

    /// The code for its Inform spelling.
    pub fn parse(s: &str) -> Option<EventCode> {
        ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// `M` codes appear once per occurrence, each with its CommandKey; numeric codes once.
    pub const fn is_multiple(self) -> bool {
        matches!(
            self,
            EventCode::MReboot
                | EventCode::MScheduleInform
                | EventCode::MDownload
                | EventCode::MScheduleDownload
                | EventCode::MUpload
                | EventCode::MChangeDuState
        )
    }

    /// When the event is delivered and may be forgotten.
    pub const fn delivery(self) -> Delivery {
        match self {
            EventCode::TransferComplete
            | EventCode::MDownload
            | EventCode::MScheduleDownload
            | EventCode::MUpload => Delivery::TransferCompleteResponse,
            EventCode::AutonomousTransferComplete => Delivery::AutonomousTransferCompleteResponse,
            EventCode::DuStateChangeComplete | EventCode::MChangeDuState => {
                Delivery::DuStateChangeCompleteResponse
            }
            EventCode::AutonomousDuStateChangeComplete => {
                Delivery::AutonomousDuStateChangeCompleteResponse
            }
            EventCode::RequestDownload => Delivery::RequestDownloadResponse,
            EventCode::Kicked => Delivery::KickedResponse,
            _ => Delivery::InformResponse,
        }
    }

    /// Whether a failed session keeps the event for the retry: all but `6 CONNECTION REQUEST`.
    pub const fn retried(self) -> bool {
        !matches!(self, EventCode::ConnectionRequest)
    }

    /// Whether the event survives a restart of the agent (digest §4.2 "Policy").
    pub const fn persistent(self) -> bool {
        matches!(
            self,
            EventCode::Bootstrap
                | EventCode::Periodic
                | EventCode::Scheduled
                | EventCode::TransferComplete
                | EventCode::RequestDownload
                | EventCode::AutonomousTransferComplete
                | EventCode::DuStateChangeComplete
                | EventCode::AutonomousDuStateChangeComplete
                | EventCode::MReboot
                | EventCode::MScheduleInform
                | EventCode::MDownload
                | EventCode::MScheduleDownload
                | EventCode::MUpload
                | EventCode::MChangeDuState
        )
    }
}

impl fmt::Display for EventCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command key (`string(32)`).
pub type CommandKey = heapless::String<EVENT_KEY_MAX>;

/// One undelivered event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The code.
    pub code: EventCode,
    /// The command key of an `M` event (empty otherwise).
    pub command_key: CommandKey,
    /// The transfer slot an `M Download`/`M Upload`/`M ScheduleDownload` belongs to.
    pub link: Option<u8>,
    /// Sent in the Inform of the session under way.
    pub in_flight: bool,
}

/// The queue has no room; the caller answers the RPC that wanted it with 9004.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

/// The undelivered events, in the order they happened.
#[derive(Debug, Clone, Default)]
pub struct EventQueue {
    items: heapless::Vec<Event, EVENT_QUEUE_MAX>,
}

impl EventQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        EventQueue {
            items: heapless::Vec::new(),
        }
    }

    /// Records an event. A single code already waiting (and not in flight) is not added twice.
    pub fn push(
        &mut self,
        code: EventCode,
        command_key: &str,
        link: Option<u8>,
    ) -> Result<(), QueueFull> {
        if !code.is_multiple() && self.items.iter().any(|e| e.code == code && !e.in_flight) {
            return Ok(());
        }
        let mut key = CommandKey::new();
        // Keys come from RPC arguments already limited to 32 characters; a longer one (from a
        // corrupt snapshot) is cut rather than lost with its event.
        for c in command_key.chars() {
            if key.push(c).is_err() {
                break;
            }
        }
        self.items
            .push(Event {
                code,
                command_key: key,
                link,
                in_flight: false,
            })
            .map_err(|_| QueueFull)
    }

    /// True when an event with this code waits (in flight or not).
    pub fn contains(&self, code: EventCode) -> bool {
        self.items.iter().any(|e| e.code == code)
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.items.iter()
    }

    /// Marks the events that go into the Inform now being built: all of them, or in a
    /// heartbeat session only `14 HEARTBEAT`. Returns how many there are.
    pub fn start_inform(&mut self, heartbeat_only: bool) -> usize {
        let mut n = 0;
        for e in self.items.iter_mut() {
            e.in_flight = !heartbeat_only || e.code == EventCode::Heartbeat;
            n += usize::from(e.in_flight);
        }
        n
    }

    /// Events raised before the Inform under way was sent join it, except `14 HEARTBEAT`
    /// (reported in a session of its own).
    pub fn join_inform(&mut self) {
        for e in self.items.iter_mut() {
            if e.code != EventCode::Heartbeat {
                e.in_flight = true;
            }
        }
    }

    /// The events of the Inform under way, in order, each single code once.
    pub fn in_flight(&self) -> impl Iterator<Item = &Event> {
        self.items.iter().filter(|e| e.in_flight)
    }

    /// The InformResponse arrived: the events it delivers are forgotten.
    pub fn inform_delivered(&mut self) {
        self.items
            .retain(|e| !(e.in_flight && e.code.delivery() == Delivery::InformResponse));
    }

    /// The response to a CPE request arrived: forgets the `M` events of `link` (or all of that
    /// delivery when `link` is `None`), and the numeric code once none of its `M` events remain.
    pub fn rpc_delivered(&mut self, delivery: Delivery, link: Option<u8>) {
        self.items.retain(|e| {
            !(e.in_flight
                && e.code.delivery() == delivery
                && e.code.is_multiple()
                && (link.is_none() || e.link == link))
        });
        let multiples_left = self
            .items
            .iter()
            .any(|e| e.code.delivery() == delivery && e.code.is_multiple() && e.in_flight);
        if !multiples_left {
            self.items.retain(|e| {
                !(e.in_flight && e.code.delivery() == delivery && !e.code.is_multiple())
            });
        }
    }

    /// The session failed: nothing was delivered beyond what was already forgotten; the
    /// `6 CONNECTION REQUEST` it carried is dropped (digest §4.2: never retried). One raised
    /// after its Inform went out is a new request the ACS waits on: it is kept for the next
    /// session (digest §8.1).
    pub fn session_failed(&mut self) {
        self.items.retain(|e| e.code.retried() || !e.in_flight);
        self.session_ended();
    }

    /// The session ended: events still marked (those waiting for an RPC response that never
    /// came) go back to waiting for the next session.
    pub fn session_ended(&mut self) {
        for e in self.items.iter_mut() {
            e.in_flight = false;
        }
        // A single code raised again during the session now has a twin: keep one.
        let mut i = 0;
        while i < self.items.len() {
            let code = self.items[i].code;
            let twin = !code.is_multiple() && self.items[..i].iter().any(|e| e.code == code);
            if twin {
                self.items.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// True when a failed session should be retried: a retryable event is waiting.
    pub fn has_retryable(&self) -> bool {
        self.items.iter().any(|e| e.code.retried())
    }

    /// A new ACS (first start, factory reset, URL change): everything that belonged to the old
    /// one is dropped, `0 BOOTSTRAP` is queued, and `1 BOOT` is kept if it was waiting.
    pub fn bootstrap(&mut self) {
        let boot = self.contains(EventCode::Boot);
        self.items.clear();
        // Two pushes into an empty queue of capacity >= 2 cannot fail.
        let _ = self.push(EventCode::Bootstrap, "", None);
        if boot {
            let _ = self.push(EventCode::Boot, "", None);
        }
    }

    /// Forgets every event of `code` (e.g. `M ScheduleInform` of a cancelled schedule).
    pub fn remove_link(&mut self, link: u8) {
        self.items.retain(|e| e.link != Some(link));
    }

    /// The events that survive a restart.
    pub fn persistent(&self) -> impl Iterator<Item = &Event> {
        self.items.iter().filter(|e| e.code.persistent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn codes(q: &EventQueue) -> Vec<&'static str> {
        q.iter().map(|e| e.code.as_str()).collect()
    }

    #[test]
    fn every_code_round_trips() {
        for c in ALL {
            assert_eq!(EventCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(EventCode::parse("15 FUTURE"), None);
    }

    #[test]
    fn single_codes_are_cumulative_multiple_codes_are_not() {
        let mut q = EventQueue::new();
        q.push(EventCode::Periodic, "", None).unwrap();
        q.push(EventCode::Periodic, "", None).unwrap();
        q.push(EventCode::MScheduleInform, "a", None).unwrap();
        q.push(EventCode::MScheduleInform, "b", None).unwrap();
        assert_eq!(
            codes(&q),
            ["2 PERIODIC", "M ScheduleInform", "M ScheduleInform"]
        );
    }

    #[test]
    fn inform_response_delivers_inform_events_only() {
        let mut q = EventQueue::new();
        q.push(EventCode::Boot, "", None).unwrap();
        q.push(EventCode::TransferComplete, "", None).unwrap();
        q.push(EventCode::MDownload, "dl", Some(0)).unwrap();
        q.push(EventCode::MReboot, "rb", None).unwrap();
        assert_eq!(q.start_inform(false), 4);
        q.inform_delivered();
        assert_eq!(codes(&q), ["7 TRANSFER COMPLETE", "M Download"]);
        q.rpc_delivered(Delivery::TransferCompleteResponse, Some(0));
        assert!(q.is_empty());
    }

    #[test]
    fn event_raised_during_session_is_not_delivered_by_its_inform_response() {
        let mut q = EventQueue::new();
        q.push(EventCode::Periodic, "", None).unwrap();
        q.start_inform(false);
        q.push(EventCode::Periodic, "", None).unwrap();
        q.push(EventCode::ValueChange, "", None).unwrap();
        q.inform_delivered();
        assert_eq!(codes(&q), ["2 PERIODIC", "4 VALUE CHANGE"]);
        assert!(q.iter().all(|e| !e.in_flight));
    }

    #[test]
    fn transfer_complete_stays_until_every_transfer_is_acknowledged() {
        let mut q = EventQueue::new();
        q.push(EventCode::TransferComplete, "", None).unwrap();
        q.push(EventCode::MDownload, "a", Some(0)).unwrap();
        q.push(EventCode::MUpload, "b", Some(1)).unwrap();
        q.start_inform(false);
        q.inform_delivered();
        q.rpc_delivered(Delivery::TransferCompleteResponse, Some(0));
        assert_eq!(codes(&q), ["7 TRANSFER COMPLETE", "M Upload"]);
        q.rpc_delivered(Delivery::TransferCompleteResponse, Some(1));
        assert!(q.is_empty());
    }

    #[test]
    fn connection_request_is_never_retried() {
        let mut q = EventQueue::new();
        q.push(EventCode::ConnectionRequest, "", None).unwrap();
        q.start_inform(false);
        q.session_failed();
        assert!(q.is_empty());
        assert!(!q.has_retryable());
        q.push(EventCode::ConnectionRequest, "", None).unwrap();
        q.push(EventCode::ValueChange, "", None).unwrap();
        q.start_inform(false);
        q.session_failed();
        assert_eq!(codes(&q), ["4 VALUE CHANGE"]);
        assert!(q.has_retryable());
    }

    #[test]
    fn connection_request_raised_during_a_failed_session_is_kept_for_the_next() {
        let mut q = EventQueue::new();
        q.push(EventCode::Boot, "", None).unwrap();
        q.start_inform(false);
        // Accepted while the session runs: not part of its Inform.
        q.push(EventCode::ConnectionRequest, "", None).unwrap();
        q.session_failed();
        assert_eq!(codes(&q), ["1 BOOT", "6 CONNECTION REQUEST"]);
        assert!(q.iter().all(|e| !e.in_flight));
        // The next session carries it; if that one fails too, it is gone.
        q.start_inform(false);
        q.session_failed();
        assert_eq!(codes(&q), ["1 BOOT"]);
    }

    #[test]
    fn failed_session_merges_a_single_code_raised_again() {
        let mut q = EventQueue::new();
        q.push(EventCode::Periodic, "", None).unwrap();
        q.start_inform(false);
        q.push(EventCode::Periodic, "", None).unwrap();
        assert_eq!(q.len(), 2);
        q.session_failed();
        assert_eq!(codes(&q), ["2 PERIODIC"]);
    }

    #[test]
    fn heartbeat_session_carries_only_heartbeat() {
        let mut q = EventQueue::new();
        q.push(EventCode::ValueChange, "", None).unwrap();
        q.push(EventCode::Heartbeat, "", None).unwrap();
        assert_eq!(q.start_inform(true), 1);
        assert_eq!(
            q.in_flight().map(|e| e.code).collect::<Vec<_>>(),
            [EventCode::Heartbeat]
        );
        q.inform_delivered();
        assert_eq!(codes(&q), ["4 VALUE CHANGE"]);
    }

    #[test]
    fn events_joining_an_inform_leave_a_heartbeat_for_its_own_session() {
        let mut q = EventQueue::new();
        q.push(EventCode::Periodic, "", None).unwrap();
        q.start_inform(false);
        q.push(EventCode::Heartbeat, "", None).unwrap();
        q.push(EventCode::ConnectionRequest, "", None).unwrap();
        q.join_inform();
        assert_eq!(
            q.in_flight().map(|e| e.code).collect::<Vec<_>>(),
            [EventCode::Periodic, EventCode::ConnectionRequest]
        );
        q.inform_delivered();
        assert_eq!(codes(&q), ["14 HEARTBEAT"]);
    }

    #[test]
    fn bootstrap_drops_the_old_acs_events() {
        let mut q = EventQueue::new();
        q.push(EventCode::Boot, "", None).unwrap();
        q.push(EventCode::MScheduleInform, "s", None).unwrap();
        q.push(EventCode::TransferComplete, "", None).unwrap();
        q.bootstrap();
        assert_eq!(codes(&q), ["0 BOOTSTRAP", "1 BOOT"]);
    }

    #[test]
    fn persistence_follows_the_policy_table() {
        assert!(EventCode::Bootstrap.persistent());
        assert!(EventCode::MReboot.persistent());
        assert!(EventCode::TransferComplete.persistent());
        assert!(!EventCode::Boot.persistent());
        assert!(!EventCode::ValueChange.persistent());
        assert!(!EventCode::ConnectionRequest.persistent());
        assert!(!EventCode::Heartbeat.persistent());
    }

    #[test]
    fn full_queue_is_reported() {
        let mut q = EventQueue::new();
        for i in 0..EVENT_QUEUE_MAX {
            q.push(EventCode::MScheduleInform, &std::format!("{i}"), None)
                .unwrap();
        }
        assert_eq!(
            q.push(EventCode::MScheduleInform, "x", None),
            Err(QueueFull)
        );
        assert_eq!(q.len(), EVENT_QUEUE_MAX);
    }
}
