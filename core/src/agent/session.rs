//! One CWMP session over HTTP (digest §1, §5): connection, authentication, cookies, redirects,
//! the order of messages, and how the session ends.

use core::ops::Range;
use core::time::Duration;

use super::events::{Delivery, EventCode};
use super::messages::{Ctx, Outbound, Producer, Reply};
use super::mgmt::UrlString;
use super::outgoing::{self, Framing, Segment};
use super::{Agent, Clock, Effect, LastOutcome, Output, copy_str, retry};
use crate::datamodel::DataModel;
use crate::http::auth::{ClientAuth, Credentials, Preemptive};
use crate::http::cookies::CookieJar;
use crate::http::redirect::RedirectCounter;
use crate::http::request::{Body as HttpBody, Connection, Expect, PostRequest, SoapAction};
use crate::http::response::{Outcome, Persistence, ResponseParser, Status};
use crate::http::url::Url;
use crate::limits::{DU_CHANGES_MAX, RETRY_REQUEST_MAX, SOAP_MAX_ID_LEN, TRANSFERS_MAX};
use crate::sink::Sink;
use crate::soap::{AcsMessage, CwmpNs, CwmpVersion, Envelope, FaultCode};
use crate::time::{Instant, UnixTime};

/// Bytes to send: `tx[range]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where they are in the transmit buffer.
    pub range: Range<usize>,
    /// The last piece of an HTTP request: after sending it, the receive buffer may be emptied
    /// (the previous response is no longer needed) and the response awaited.
    pub last: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for [`Agent::handle_connected`].
    Connecting,
    /// Connected; the next message is ready to be produced.
    Ready,
    /// A chunked message is being produced.
    Sending,
    /// The message went out; waiting for the response until the deadline.
    Waiting(Instant),
}

/// The per-session state.
pub(super) struct Session {
    url: UrlString,
    cookies: CookieJar,
    auth: ClientAuth,
    redirects: RedirectCounter,
    parser: ResponseParser,
    state: State,
    next: Outbound,
    count: usize,
    heartbeat: bool,
    inform_done: bool,
    sent_empty: bool,
    hold: bool,
    retries: u8,
    seq: u32,
    id: heapless::String<SOAP_MAX_ID_LEN>,
    ns: CwmpNs,
    reply_ns: CwmpNs,
    version: CwmpVersion,
    request: Range<usize>,
    started: Option<UnixTime>,
    get_rpc_methods_done: bool,
    transfers_sent: heapless::Vec<u8, TRANSFERS_MAX>,
    /// The AutonomousTransferComplete went out in this session.
    autonomous_sent: bool,
    /// ChangeDUStates whose DUStateChangeComplete went out in this session.
    du_sent: heapless::Vec<u8, DU_CHANGES_MAX>,
    /// The AutonomousDUStateChangeComplete went out in this session.
    du_autonomous_sent: bool,
    /// The ACS answered one of our requests with a fault: what it carried waits for the next
    /// session, which is not started at once for it (an ACS that always refuses would loop).
    refused: bool,
}

impl Session {
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// True until the Inform of the session has gone out.
    pub(super) fn inform_pending(&self) -> bool {
        self.next == Outbound::Inform && matches!(self.state, State::Connecting | State::Ready)
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        match self.state {
            State::Waiting(d) => Some(d),
            _ => None,
        }
    }

    fn new_id(&mut self) {
        self.seq = self.seq.wrapping_add(1);
        self.id.clear();
        let mut digits = [0u8; 20];
        let d = crate::sink::format_u64(u64::from(self.seq), &mut digits);
        // At most 10 digits: fits SOAP_MAX_ID_LEN.
        let _ = self.id.push_str(core::str::from_utf8(d).unwrap_or("0"));
    }
}

/// `1.0,1.1,...` up to `max`.
fn supported_versions(max: CwmpVersion) -> heapless::String<24> {
    let mut s = heapless::String::new();
    for v in CwmpVersion::ALL.iter().filter(|v| **v <= max) {
        if !s.is_empty() {
            let _ = s.push(',');
        }
        let _ = s.push_str(v.as_str());
    }
    s
}

impl Agent {
    pub(super) fn start_session(&mut self, clock: Clock) {
        let heartbeat = self.events.contains(EventCode::Heartbeat);
        if !heartbeat && self.notify.start_inform() && !self.events.contains(EventCode::ValueChange)
        {
            // Changed notified parameters always travel with `4 VALUE CHANGE` (digest §4.3).
            let _ = self.events.push(EventCode::ValueChange, "", None);
        }
        self.events.start_inform(heartbeat);
        let entropy = self.entropy16();
        let preemptive = if self.cfg.basic_preemptive {
            Preemptive::BasicOverTls
        } else {
            Preemptive::Never
        };
        let session = Session {
            url: self.ms.url.clone(),
            cookies: CookieJar::new(),
            auth: ClientAuth::new(preemptive, &entropy),
            redirects: RedirectCounter::new(),
            parser: ResponseParser::new(self.cfg.max_response_body),
            state: State::Connecting,
            next: Outbound::Inform,
            count: 0,
            heartbeat,
            inform_done: false,
            sent_empty: false,
            hold: false,
            retries: 0,
            seq: 0,
            id: heapless::String::new(),
            ns: self.cfg.cwmp_ns,
            reply_ns: self.cfg.cwmp_ns,
            version: self.cfg.cwmp_version,
            request: 0..0,
            started: clock.wall,
            get_rpc_methods_done: false,
            transfers_sent: heapless::Vec::new(),
            autonomous_sent: false,
            du_sent: heapless::Vec::new(),
            du_autonomous_sent: false,
            refused: false,
        };
        info!(
            "session start ({} events, retry {})",
            self.events.in_flight().count(),
            self.retry_count
        );
        self.session = Some(session);
        self.last = LastOutcome::Running(clock.wall.unwrap_or(UnixTime(0)));
        self.push_output(Output::Connect);
    }

    /// Reports what happened since the session started in its Inform, when that has not gone
    /// out yet (it is being connected): a new event, a changed notified parameter. Not for a
    /// heartbeat session (its Inform carries only `14 HEARTBEAT`) nor for an Inform being sent
    /// again after fault 8005 (it must be the identical request, digest §5.3).
    pub(super) fn join_pending_inform(&mut self) {
        let Some(s) = self.session.as_ref() else {
            return;
        };
        if !s.inform_pending() || s.heartbeat || s.retries > 0 {
            return;
        }
        if self.notify.start_inform() && !self.events.contains(EventCode::ValueChange) {
            let _ = self.events.push(EventCode::ValueChange, "", None);
        }
        self.events.join_inform();
    }

    /// The ACS connection is up (TCP, and TLS for https).
    pub fn handle_connected(&mut self, clock: Clock) {
        self.now = clock;
        let entropy = self.entropy16();
        if let Some(s) = self
            .session
            .as_mut()
            .filter(|s| s.state == State::Connecting)
        {
            s.auth.start_connection(&entropy);
            s.parser.reset();
            s.state = State::Ready;
        }
    }

    /// The connection to the ACS could not be made (resolution, TCP, TLS).
    pub fn handle_connect_failed(&mut self, clock: Clock) {
        self.now = clock;
        if self.session.is_some() {
            warn!("cannot reach the ACS");
            self.session_failed(clock);
            self.flush_dirty();
        }
    }

    /// The ACS closed the connection. `rx[..filled]` holds what arrived of the response (a body
    /// delimited by the close is completed here).
    pub fn handle_closed(
        &mut self,
        clock: Clock,
        rx: &mut [u8],
        filled: usize,
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
    ) {
        self.now = clock;
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.state {
            State::Waiting(_) if filled > 0 => match s.parser.finish(rx, filled) {
                Ok(resp) => {
                    let outcome = resp.outcome();
                    let range = resp.body_range();
                    self.on_response(
                        clock,
                        outcome_kind(&outcome),
                        range,
                        rx,
                        scratch,
                        dm,
                        Persistence::Close,
                    );
                }
                Err(e) => {
                    warn!("ACS response cut short: {}", crate::logging::Shown(&e));
                    self.session_failed(clock);
                }
            },
            State::Waiting(_) | State::Sending => {
                warn!("ACS closed the connection before answering");
                self.session_failed(clock);
            }
            // Between two exchanges: continue on a new connection (digest §1.2).
            State::Ready => {
                s.state = State::Connecting;
                self.push_output(Output::Connect);
            }
            State::Connecting => {}
        }
        self.flush_dirty();
    }

    /// Bytes arrived from the ACS: `rx[..filled]` is the response so far, from its first byte
    /// (the caller only appends). `scratch` is working space (the transmit buffer will do: it is
    /// idle while a response is awaited).
    pub fn handle_received(
        &mut self,
        clock: Clock,
        rx: &mut [u8],
        filled: usize,
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
    ) {
        self.now = clock;
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if !matches!(s.state, State::Waiting(_)) {
            if filled > 0 {
                warn!("ACS sent data out of turn; ignored");
            }
            return;
        }
        let (kind, range, persistence) = match s.parser.parse(rx, filled) {
            Ok(Status::Partial) => return,
            Ok(Status::Complete(resp)) => {
                for c in resp.set_cookies() {
                    store_cookie(&mut s.cookies, &s.url, c, clock.wall);
                }
                let kind = outcome_kind(&resp.outcome());
                if kind == Kind::Challenge {
                    let challenge_ok = s.auth.on_challenge(resp.challenges()).is_ok();
                    (
                        if challenge_ok {
                            Kind::Challenge
                        } else {
                            Kind::AuthFailed
                        },
                        0..0,
                        resp.persistence(),
                    )
                } else if let Kind::Redirect(_) = kind {
                    let Some(location) = resp.location() else {
                        self.session_failed(clock);
                        self.flush_dirty();
                        return;
                    };
                    let target = Url::parse(&s.url)
                        .and_then(|u| u.resolve(location))
                        .ok()
                        .map(|u| {
                            let mut buf = UrlString::new();
                            let mut w = heapless::Vec::<u8, { crate::limits::URL_MAX }>::new();
                            let _ = u.write(&mut w);
                            let _ = buf.push_str(core::str::from_utf8(&w).unwrap_or(""));
                            buf
                        });
                    match target {
                        Some(t) if !t.is_empty() => {
                            (Kind::Redirect(Some(t)), 0..0, resp.persistence())
                        }
                        _ => (Kind::Redirect(None), 0..0, resp.persistence()),
                    }
                } else {
                    (kind, resp.body_range(), resp.persistence())
                }
            }
            Err(e) => {
                warn!(
                    "bad HTTP response from the ACS: {}",
                    crate::logging::Shown(&e)
                );
                self.session_failed(clock);
                self.flush_dirty();
                return;
            }
        };
        self.on_response(clock, kind, range, rx, scratch, dm, persistence);
        self.flush_dirty();
    }

    #[allow(clippy::too_many_arguments)]
    fn on_response(
        &mut self,
        clock: Clock,
        kind: Kind,
        body: Range<usize>,
        rx: &mut [u8],
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
        persistence: Persistence,
    ) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match &kind {
            Kind::Challenge | Kind::AuthFailed | Kind::Redirect(_) => {}
            _ => {
                s.auth.on_accepted();
                s.redirects.on_other();
            }
        }
        match kind {
            Kind::AuthFailed => {
                warn!("ACS authentication failed");
                self.session_failed(clock);
                return;
            }
            Kind::Challenge => {
                // Send the same message again with credentials (digest §1.2: same connection,
                // unless the challenge closes it).
                s.state = State::Ready;
                self.outgoing.reset();
            }
            Kind::Redirect(target) => {
                let Some(target) = target else {
                    warn!("ACS redirect without a usable Location");
                    self.session_failed(clock);
                    return;
                };
                if s.redirects.on_redirect().is_err() {
                    self.session_failed(clock);
                    return;
                }
                // Used for the rest of this session only (digest §1.5).
                s.url = target;
                s.state = State::Connecting;
                self.outgoing.reset();
                self.push_output(Output::Close);
                self.push_output(Output::Connect);
                return;
            }
            Kind::Failure(status) => {
                warn!("ACS answered HTTP {}", status);
                self.session_failed(clock);
                return;
            }
            Kind::Empty => {
                if matches!(s.next, Outbound::Empty | Outbound::Reply(_)) {
                    self.session_succeeded(clock);
                } else {
                    warn!("ACS sent no envelope in answer to a CPE request");
                    self.session_failed(clock);
                }
                return;
            }
            Kind::Envelope => {
                if !self.on_envelope(clock, body, rx, scratch, dm) {
                    return;
                }
            }
        }
        if let Some(s) = self
            .session
            .as_mut()
            .filter(|_| persistence == Persistence::Close)
        {
            s.state = State::Connecting;
            self.push_output(Output::Close);
            self.push_output(Output::Connect);
        }
    }

    /// Handles an envelope; false when the session ended.
    fn on_envelope(
        &mut self,
        clock: Clock,
        body: Range<usize>,
        rx: &mut [u8],
        scratch: &mut [u8],
        dm: &mut dyn DataModel,
    ) -> bool {
        let Some(bytes) = rx.get(body.clone()) else {
            self.session_failed(clock);
            return false;
        };
        let env = match Envelope::parse(bytes) {
            Ok(env) => env,
            Err(e) => {
                warn!(
                    "unreadable envelope from the ACS: {}",
                    crate::logging::Shown(&e)
                );
                self.session_failed(clock);
                return false;
            }
        };
        let Some(s) = self.session.as_mut() else {
            return false;
        };
        s.hold = env.header.hold_requests == Some(true);
        let message = env.acs_message();
        let is_request = match &message {
            Ok(m) => m.is_request(),
            Err(_) => !env.method_name().ends_with("Response") && !env.is_fault(),
        };
        if is_request {
            if !s.inform_done {
                warn!("ACS sent a request before the InformResponse");
                self.session_failed(clock);
                return false;
            }
            s.id.clear();
            if let Some(id) = env.header.id {
                // Bounded by SOAP_MAX_ID_LEN when the envelope was read.
                for c in id.chars() {
                    let _ = s.id.push(c);
                }
            }
            s.reply_ns = env.cwmp_ns().unwrap_or(s.ns);
            s.request = body;
            let reply = if let Some(entry) = env.header.not_understood {
                Reply::MustUnderstand(copy_str(entry.local))
            } else {
                match message {
                    Ok(m) => {
                        let request = rx.get(s.request.clone()).unwrap_or(&[]);
                        self.execute(&m, request, scratch, dm, clock)
                    }
                    Err(e) => {
                        warn!("ACS request with bad arguments: {}", e.field);
                        Reply::Fault(e.fault_code())
                    }
                }
            };
            let count = match &reply {
                Reply::GetParameterValues(n)
                | Reply::GetParameterNames(n)
                | Reply::GetParameterAttributes(n) => *n,
                Reply::SpvFault(f) => f.len(),
                _ => 0,
            };
            let Some(s) = self.session.as_mut() else {
                return false;
            };
            s.next = Outbound::Reply(reply);
            s.count = count;
            s.state = State::Ready;
            return true;
        }
        // A response (or fault) to our own request.
        let Ok(message) = message else {
            warn!("ACS response with bad arguments");
            self.session_failed(clock);
            return false;
        };
        let next = s.next.clone();
        match (next, message) {
            (_, AcsMessage::Fault(f)) if f.code == FaultCode::ACS_RETRY_REQUEST => {
                if s.retries >= RETRY_REQUEST_MAX {
                    warn!("ACS asked for a retry too many times");
                    self.session_failed(clock);
                    return false;
                }
                // The identical request again (digest §5.3).
                s.retries += 1;
                s.seq = s.seq.wrapping_sub(1);
                s.state = State::Ready;
                return true;
            }
            (Outbound::Inform, AcsMessage::Fault(f)) => {
                warn!("ACS refused the Inform with fault {}", f.code.0);
                self.session_failed(clock);
                return false;
            }
            (Outbound::Inform, AcsMessage::InformResponse { .. }) => {
                let ns = env.cwmp_ns().unwrap_or(s.ns);
                let theirs = match env.header.use_cwmp_version {
                    Some(v) => match CwmpVersion::parse(v.raw()) {
                        Some(v) if v <= self.cfg.cwmp_version => v,
                        _ => {
                            warn!("ACS chose an unsupported CWMP version");
                            self.session_failed(clock);
                            return false;
                        }
                    },
                    None => ns.max_version().min(self.cfg.cwmp_version),
                };
                let Some(s) = self.session.as_mut() else {
                    return false;
                };
                s.version = theirs;
                s.ns = ns;
                s.inform_done = true;
                s.retries = 0;
                if self
                    .events
                    .in_flight()
                    .any(|e| e.code == EventCode::Bootstrap)
                {
                    self.bootstrapped_url = self.ms.url.clone();
                }
                self.events.inform_delivered();
                self.notify.inform_delivered();
                self.dirty = true;
            }
            (Outbound::TransferComplete(id), AcsMessage::TransferCompleteResponse) => {
                self.events
                    .rpc_delivered(Delivery::TransferCompleteResponse, Some(id));
                self.transfers.remove(id);
                self.dirty = true;
                s.retries = 0;
            }
            (Outbound::TransferComplete(id), AcsMessage::Fault(f)) => {
                // Kept for the next session; not sent again in this one (digest §5.3).
                warn!("ACS refused TransferComplete with fault {}", f.code.0);
                let _ = id;
                s.retries = 0;
                s.refused = true;
            }
            (
                Outbound::AutonomousTransferComplete,
                AcsMessage::AutonomousTransferCompleteResponse,
            ) => {
                self.events
                    .rpc_delivered(Delivery::AutonomousTransferCompleteResponse, None);
                self.autonomous = None;
                self.dirty = true;
                s.retries = 0;
            }
            (Outbound::AutonomousTransferComplete, AcsMessage::Fault(f)) => {
                // Kept for the next session; not sent again in this one (digest §5.3).
                warn!(
                    "ACS refused AutonomousTransferComplete with fault {}",
                    f.code.0
                );
                s.retries = 0;
                s.refused = true;
            }
            (Outbound::DuStateChangeComplete(id), AcsMessage::DUStateChangeCompleteResponse) => {
                self.events.rpc_delivered(
                    Delivery::DuStateChangeCompleteResponse,
                    Some(super::du::event_link(id)),
                );
                self.du.remove(id);
                self.dirty = true;
                s.retries = 0;
            }
            (
                Outbound::AutonomousDuStateChangeComplete(n),
                AcsMessage::AutonomousDUStateChangeCompleteResponse,
            ) => {
                self.events
                    .rpc_delivered(Delivery::AutonomousDuStateChangeCompleteResponse, None);
                // Changes that arrived after this message went out wait for the next one.
                let n = n.min(self.du_autonomous.len());
                for _ in 0..n {
                    self.du_autonomous.remove(0);
                }
                self.dirty = true;
                s.retries = 0;
            }
            (
                Outbound::DuStateChangeComplete(_) | Outbound::AutonomousDuStateChangeComplete(_),
                AcsMessage::Fault(f),
            ) => {
                // Kept for the next session; not sent again in this one (digest §5.3).
                warn!(
                    "ACS refused a DU state change report with fault {}",
                    f.code.0
                );
                s.retries = 0;
                s.refused = true;
            }
            (Outbound::GetRpcMethods, AcsMessage::GetRPCMethodsResponse { methods }) => {
                debug!("ACS supports {} methods", methods.len());
                s.get_rpc_methods_done = true;
                s.retries = 0;
                self.want_get_rpc_methods = false;
            }
            (Outbound::GetRpcMethods, AcsMessage::Fault(_)) => {
                // 8000: the ACS does not support it; do not ask again this session.
                s.get_rpc_methods_done = true;
                s.retries = 0;
                self.want_get_rpc_methods = false;
            }
            _ => {
                warn!("unexpected message from the ACS");
                self.session_failed(clock);
                return false;
            }
        }
        self.choose_next_request();
        true
    }

    /// After a response to our own request: the next CPE request, or the empty POST.
    fn choose_next_request(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        s.state = State::Ready;
        s.count = 0;
        if !s.hold && !s.sent_empty && !s.heartbeat {
            // Transfers whose events went out in this Inform (digest §11.5 step 5).
            let done = self.transfers.iter().find(|t| {
                matches!(t.state, super::transfers::State::Done { .. })
                    && !s.transfers_sent.contains(&t.id)
                    && self.events.in_flight().any(|e| e.link == Some(t.id))
            });
            if let Some(t) = done {
                let id = t.id;
                let _ = s.transfers_sent.push(id);
                s.next = Outbound::TransferComplete(id);
                return;
            }
            if self.autonomous.is_some()
                && !s.autonomous_sent
                && self
                    .events
                    .in_flight()
                    .any(|e| e.code == EventCode::AutonomousTransferComplete)
            {
                s.autonomous_sent = true;
                s.next = Outbound::AutonomousTransferComplete;
                return;
            }
            // ChangeDUStates whose `M ChangeDUState` went out in this Inform (digest §11.7).
            let du_done = self.du.iter().find(|c| {
                let link = Some(super::du::event_link(c.id));
                c.is_done()
                    && !s.du_sent.contains(&c.id)
                    && self
                        .events
                        .in_flight()
                        .any(|e| e.code == EventCode::MChangeDuState && e.link == link)
            });
            if let Some(c) = du_done {
                let id = c.id;
                let _ = s.du_sent.push(id);
                s.next = Outbound::DuStateChangeComplete(id);
                return;
            }
            if !self.du_autonomous.is_empty()
                && !s.du_autonomous_sent
                && self
                    .events
                    .in_flight()
                    .any(|e| e.code == EventCode::AutonomousDuStateChangeComplete)
            {
                s.du_autonomous_sent = true;
                s.next = Outbound::AutonomousDuStateChangeComplete(self.du_autonomous.len());
                return;
            }
            if self.want_get_rpc_methods && !s.get_rpc_methods_done {
                s.next = Outbound::GetRpcMethods;
                return;
            }
        }
        s.sent_empty = true;
        s.next = Outbound::Empty;
    }

    /// Produces the next bytes to send, if any: a whole HTTP request, or the next piece of a
    /// large one. `rx` is the receive buffer (the ACS request being answered is still in it).
    pub fn poll_transmit(
        &mut self,
        clock: Clock,
        rx: &[u8],
        tx: &mut [u8],
        dm: &mut dyn DataModel,
    ) -> Option<Transmit> {
        self.now = clock;
        let s = self.session.as_mut()?;
        if !matches!(s.state, State::Ready | State::Sending) {
            return None;
        }
        let sending = s.state == State::Sending;
        if !sending {
            match s.next {
                Outbound::Reply(_) => {}
                _ => s.new_id(),
            }
        }
        let next = s.next.clone();
        let ns = if matches!(next, Outbound::Reply(_)) {
            s.reply_ns
        } else {
            s.ns
        };
        let inform = next == Outbound::Inform;
        let session_timeout = (inform && s.version >= CwmpVersion::V1_3)
            .then(|| self.cfg.effective_session_timeout());
        let versions = supported_versions(self.cfg.cwmp_version);
        let supported =
            (inform && self.cfg.cwmp_version >= CwmpVersion::V1_4).then_some(versions.as_str());
        let request: &[u8] = match next {
            Outbound::Reply(_) => rx.get(s.request.clone()).unwrap_or(&[]),
            _ => &[],
        };
        let retry_count = self.retry_count;
        let expect = if self.cfg.expect_continue {
            Expect::Continue
        } else {
            Expect::Nothing
        };
        let action = match next {
            Outbound::Reply(_) => SoapAction::Empty,
            _ => SoapAction::Quoted(""),
        };
        let creds = Credentials {
            username: &self.ms.username,
            password: &self.ms.password,
        };
        let user_agent = self.cfg.user_agent.as_str();
        let wall = clock.wall.unwrap_or(UnixTime(0));
        let Ok(url) = Url::parse(&s.url) else {
            warn!("ACS URL cannot be used");
            self.session_failed(clock);
            return None;
        };
        let mut head = |sink: &mut dyn Sink, framing: Option<Framing>| {
            let body = match framing {
                None => HttpBody::Empty,
                Some(Framing::Length(len)) => HttpBody::Envelope { len, action },
                Some(Framing::Chunked) => HttpBody::Chunked { action },
            };
            let req = PostRequest {
                url: &url,
                body,
                user_agent,
                connection: Connection::KeepAlive,
                expect,
            };
            req.write_head(&s.cookies, wall, &mut s.auth, &creds, sink)
        };
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
                ns,
                id: &s.id,
                session_timeout,
                supported_versions: supported,
                wall: clock.wall,
                retry_count,
            },
            what: &next,
            count: s.count,
            fault: None,
        };
        let result: Result<Segment, outgoing::FrameError> = if next == Outbound::Empty {
            self.outgoing.empty(tx, &mut head)
        } else if sending {
            self.outgoing.next(&mut producer, tx)
        } else {
            if inform {
                // The Inform's list is built from the data model: count it first.
                match outgoing::measure(&mut producer) {
                    Ok(m) => producer.count = m.entries,
                    Err(_) => producer.count = 0,
                }
                s.count = producer.count;
            }
            self.outgoing.start(&mut producer, tx, &mut head)
        };
        let segment = match result {
            Ok(seg) => seg,
            Err(e) => {
                error!("cannot write the message: {}", crate::logging::Shown(&e));
                self.session_failed(clock);
                self.flush_dirty();
                return None;
            }
        };
        let timeout = Duration::from_secs(u64::from(self.cfg.effective_session_timeout()));
        let s = self.session.as_mut()?;
        if segment.last {
            s.state = State::Waiting(clock.mono + timeout);
            s.parser.reset();
        } else {
            s.state = State::Sending;
        }
        Some(Transmit {
            range: segment.range,
            last: segment.last,
        })
    }

    pub(super) fn session_succeeded(&mut self, clock: Clock) {
        let Some(s) = self.session.take() else { return };
        info!("session ended successfully");
        self.outgoing.reset();
        self.stats_success = self.stats_success.saturating_add(1);
        let start = s.started.unwrap_or(UnixTime(0));
        self.last = LastOutcome::Success(start, clock.wall.unwrap_or(start));
        self.retry_count = 0;
        self.retry_at = None;
        self.events.session_ended();
        self.end.refused = s.refused;
        self.throttle_until =
            Some(clock.mono + Duration::from_secs(u64::from(self.ms.notification_throttle)));
        self.push_output(Output::Close);
        self.end_of_session(clock, true);
    }

    pub(super) fn session_failed(&mut self, clock: Clock) {
        let Some(s) = self.session.take() else { return };
        warn!("session failed");
        self.outgoing.reset();
        self.stats_failure = self.stats_failure.saturating_add(1);
        let start = s.started.unwrap_or(UnixTime(0));
        self.last = LastOutcome::Failure(start, clock.wall.unwrap_or(start));
        self.events.session_failed();
        self.notify.session_failed();
        self.push_output(Output::Close);
        if self.events.has_retryable() && !self.end.exit {
            self.retry_count = self.retry_count.saturating_add(1);
            let r = self.random();
            let wait = retry::retry_wait(
                self.retry_count,
                self.ms.retry_min_wait,
                self.ms.retry_multiplier,
                r,
            );
            info!(
                "next attempt in {} s (retry {})",
                wait.as_secs(),
                self.retry_count
            );
            self.retry_at = Some(clock.mono + wait);
            self.pending = true;
        } else {
            self.retry_count = 0;
            self.retry_at = None;
        }
        self.end_of_session(clock, false);
    }

    /// Ends the session at once without a word to the ACS (exit).
    pub(super) fn abandon_session(&mut self, clock: Clock) {
        if self.session.is_some() {
            self.session_failed(clock);
        }
    }

    /// Deferred actions once a session is over (digest §5.1): some only after success.
    fn end_of_session(&mut self, clock: Clock, success: bool) {
        if self.end.new_acs {
            self.end.new_acs = false;
            self.new_acs();
        }
        if self.end.rearm {
            self.end.rearm = false;
            self.rearm_periodic(clock);
            self.rearm_heartbeat(clock);
        }
        if let Some(cr) = self.cr.as_mut() {
            let _ = cr.set_credentials(&self.ms.cr_username, &self.ms.cr_password);
        }
        self.dirty = true;
        if self.end.factory_reset {
            self.end.factory_reset = false;
            if success {
                self.factory_reset_state();
                self.flush_dirty();
                self.push_output(Output::Persist);
                self.push_output(Output::Effect(Effect::FactoryReset));
                return;
            }
        }
        if let Some(key) = self.end.reboot.take().filter(|_| success) {
            // Remembered across the reboot: the first Inform after it carries `1 BOOT` (new
            // start) and `M Reboot` with this key (digest §11.3).
            let _ = self.events.push(EventCode::MReboot, &key, None);
            self.dirty = false;
            self.push_output(Output::Persist);
            self.push_output(Output::Effect(Effect::Reboot));
            return;
        }
        if self.end.reboot_by_command {
            self.end.reboot_by_command = false;
            self.dirty = false;
            self.push_output(Output::Persist);
            self.push_output(Output::Effect(Effect::Reboot));
            return;
        }
        if self.end.reload {
            self.end.reload = false;
            self.push_output(Output::Effect(Effect::ReloadConfig));
        }
        if self.end.exit {
            self.dirty = false;
            self.push_output(Output::Persist);
            self.push_output(Output::Effect(Effect::Exit));
            return;
        }
        self.run_applies();
        let refused = core::mem::take(&mut self.end.refused);
        if !self.events.is_empty() && self.retry_at.is_none() && !refused {
            self.pending = true;
        }
        self.flush_dirty();
        self.maybe_start_session(clock);
    }

    /// Factory reset of the agent's own state: the next start is a first contact.
    fn factory_reset_state(&mut self) {
        self.ms = self.ms_base.clone();
        self.bootstrapped_url.clear();
        self.events.bootstrap();
        self.transfers.clear();
        self.du.clear();
        self.du_autonomous.clear();
        self.autonomous = None;
        self.scheduled.clear();
        self.notify.clear();
        self.retry_count = 0;
        self.dirty = true;
    }
}

/// What a complete response asks of the session.
// A short-lived stack value; the redirect target is the large one.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Envelope,
    Empty,
    Challenge,
    AuthFailed,
    Redirect(Option<UrlString>),
    Failure(u16),
}

fn outcome_kind(o: &Outcome<'_>) -> Kind {
    match o {
        Outcome::Envelope { .. } => Kind::Envelope,
        Outcome::NoMoreRequests => Kind::Empty,
        Outcome::AuthChallenge => Kind::Challenge,
        Outcome::Redirect { .. } => Kind::Redirect(None),
        Outcome::Failure { status } => Kind::Failure(*status),
    }
}

fn store_cookie(jar: &mut CookieJar, url: &str, set_cookie: &str, wall: Option<UnixTime>) {
    let Ok(u) = Url::parse(url) else { return };
    if let Err(e) = jar.store(set_cookie, u.host(), u.path(), wall.unwrap_or(UnixTime(0))) {
        warn!(
            "cookie from the ACS not kept: {}",
            crate::logging::Shown(&e)
        );
    }
}
