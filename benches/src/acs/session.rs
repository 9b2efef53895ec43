//! The CWMP session rules of the test ACS, as GenieACS 1.2.16 applies them, and the record.
//!
//! Responsible for deciding the answer to each POST (Inform first, session cookie, CPE requests,
//! the empty POST, one queued task per response, 204 at the end, `400 Bad session state` /
//! `400 Invalid session` for out-of-order or cookie-less POSTs), for playing the scripted
//! [`Intercept`]s, and for recording every exchange and parsed message. Not responsible for
//! sockets or threads (see `server`).
//!
//! Differences from GenieACS, on purpose: tasks are taken from the queue when they are about to
//! be sent (a task pushed during a session goes out in that session); a CPE fault to a task is
//! recorded and the next task follows (GenieACS ends the session when its only task faults);
//! the SOAP fault is written `<soap-env:Fault>` (GenieACS writes `<soap-env:Body:Fault>`); there
//! is no session timeout.

use std::collections::{HashMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cwmp_core::soap::{CwmpNs, Envelope};

use super::auth::{ConnAuth, Verdict, random_hex};
use super::options::{AcsOptions, Action, ConnectionMode, Intercept, When};
use super::record::{
    ConnectionInfo, Exchange, HttpRequest, HttpResponse, Message, Outcome, SentTask, Session, owned,
};
use super::task::{self, DEFAULT_NAMESPACE, EnvelopeHeader, Task};
use super::wire;

/// Everything the ACS recorded.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Every session, in the order they started.
    pub sessions: Vec<Session>,
    /// Every HTTP exchange, in order (including those outside any session).
    pub exchanges: Vec<Exchange>,
    /// Every accepted connection.
    pub connections: Vec<ConnectionInfo>,
    /// Problems not tied to a session (a POST without cookie on a fresh connection...).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for an acceptable Inform (after a 401 or an 8005 fault, still waiting).
    AwaitInform,
    /// InformResponse sent: CPE requests until the empty POST.
    CpeRequests,
    /// After the empty POST: ACS requests, one per response.
    AcsRequests,
    /// Over.
    Ended,
}

#[derive(Debug)]
struct SessionRt {
    phase: Phase,
    device: Option<String>,
    connection: Option<u64>,
    outstanding: Option<usize>,
    hold: bool,
    rpc_count: u32,
    id_base: String,
    /// The ACS closed the connection on purpose and expects the CPE back with its cookie.
    expect_reconnect: bool,
    /// A request was left unanswered on purpose.
    unanswered: bool,
}

/// The per-connection state the session layer needs.
#[derive(Debug, Default)]
pub struct ConnCtx {
    /// Connection number.
    pub id: u64,
    /// Authentication state of this connection.
    pub auth: ConnAuth,
    /// The session this connection carries.
    pub session: Option<usize>,
}

/// What the connection does after the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Read the next request.
    KeepOpen,
    /// Close after writing the response.
    Close,
    /// Write nothing; wait for the CPE to close.
    Silent,
    /// Write nothing; close now.
    Drop,
}

/// The answer to one request.
#[derive(Debug)]
pub struct Decision {
    /// What to write (`None` for silence or a dropped connection).
    pub response: Option<HttpResponse>,
    /// What to do next.
    pub after: After,
}

/// A POST's body, read.
struct Post {
    message: Option<Message>,
    id: Option<String>,
    ns: Option<CwmpNs>,
    method: String,
}

impl Post {
    fn is_inform(&self) -> bool {
        matches!(self.message, Some(Message::Inform(_)))
            || matches!(&self.message, Some(Message::Invalid { name, .. }) if name == "Inform")
    }

    /// True for a response or fault to an ACS request. An unknown method is taken for an
    /// answer only when the ACS is waiting for one (GenieACS answers it with 8000 otherwise).
    fn is_answer(&self, phase: Phase) -> bool {
        match &self.message {
            None => false,
            Some(Message::Invalid { name, .. }) => name.ends_with("Response") || name == "Fault",
            Some(Message::Unknown { .. }) => phase == Phase::AcsRequests,
            Some(m) => !m.is_request(),
        }
    }
}

fn parse(body: &[u8]) -> Result<Post, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Post {
            message: None,
            id: None,
            ns: None,
            method: String::new(),
        });
    }
    let env = Envelope::parse(body).map_err(|e| e.to_string())?;
    let id = env.header.id.map(owned);
    let method = env.method_name().to_owned();
    let message = match env.cpe_message() {
        Ok(m) => {
            let mut m = Message::from_cpe(&m);
            if let Message::Inform(i) = &mut m {
                i.id = id.clone();
                i.namespace = env.cwmp_ns().map(|n| n.uri().to_owned());
                i.session_timeout = env.header.session_timeout;
                i.supported_cwmp_versions = env.header.supported_cwmp_versions.map(owned);
            }
            m
        }
        Err(e) => Message::Invalid {
            name: method.clone(),
            error: e.to_string(),
        },
    };
    Ok(Post {
        message: Some(message),
        id,
        ns: env.cwmp_ns(),
        method,
    })
}

/// The ACS's whole mutable state, kept behind one mutex.
#[derive(Debug)]
pub struct State {
    /// Options (the intercepts are used up as they fire).
    pub options: AcsOptions,
    /// What was recorded.
    pub record: Record,
    rt: Vec<SessionRt>,
    global_tasks: VecDeque<Task>,
    device_tasks: HashMap<String, VecDeque<Task>>,
}

fn header(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

fn date() -> (String, String) {
    header("Date", wire::http_date(SystemTime::now()))
}

impl State {
    /// A fresh state.
    pub fn new(options: AcsOptions) -> State {
        State {
            options,
            record: Record::default(),
            rt: Vec::new(),
            global_tasks: VecDeque::new(),
            device_tasks: HashMap::new(),
        }
    }

    /// Queues a task for any device.
    pub fn push(&mut self, task: Task) {
        self.global_tasks.push_back(task);
    }

    /// Queues a task for one device (by [`super::DeviceId::acs_id`]).
    pub fn push_for(&mut self, device: &str, task: Task) {
        self.device_tasks
            .entry(device.to_owned())
            .or_default()
            .push_back(task);
    }

    /// Tasks not sent yet.
    pub fn pending_tasks(&self) -> usize {
        self.global_tasks.len() + self.device_tasks.values().map(VecDeque::len).sum::<usize>()
    }

    /// Drops every queued task.
    pub fn clear_tasks(&mut self) {
        self.global_tasks.clear();
        self.device_tasks.clear();
    }

    fn pop_task(&mut self, device: Option<&str>) -> Option<Task> {
        if let Some(q) = device.and_then(|d| self.device_tasks.get_mut(d))
            && let Some(t) = q.pop_front()
        {
            return Some(t);
        }
        self.global_tasks.pop_front()
    }

    // -----------------------------------------------------------------------------------------
    // Responses

    fn server_headers(&self) -> [(String, String); 2] {
        [
            header("Server", self.options.server_name.clone()),
            header("SOAPServer", self.options.server_name.clone()),
        ]
    }

    /// GenieACS' 200: Content-Length, Server, SOAPServer, Content-Type, [Set-Cookie], Date,
    /// Connection.
    fn soap_response(&self, body: String, cookie: Option<&str>, close: bool) -> HttpResponse {
        let mut h = vec![header("Content-Length", body.len().to_string())];
        h.extend(self.server_headers());
        h.push(header("Content-Type", "text/xml; charset=\"utf-8\""));
        if let Some(c) = cookie {
            h.push(header("Set-Cookie", format!("session={c}")));
        }
        h.push(date());
        h.push(header(
            "Connection",
            if close { "close" } else { "keep-alive" },
        ));
        wire::response(200, h, body.into_bytes())
    }

    /// GenieACS' 204 at the end of a session.
    fn no_content(&self) -> HttpResponse {
        let mut h = vec![header("Content-Length", "0")];
        h.extend(self.server_headers());
        h.push(header("Connection", "close"));
        h.push(date());
        wire::response(204, h, Vec::new())
    }

    /// GenieACS' plain-text errors: Content-Length, Connection: close, Date.
    fn text_error(status: u16, text: &str) -> HttpResponse {
        let h = vec![
            header("Content-Length", text.len().to_string()),
            header("Connection", "close"),
            date(),
        ];
        wire::response(status, h, text.as_bytes().to_vec())
    }

    fn empty_with(&self, status: u16, extra: Option<(String, String)>) -> HttpResponse {
        let mut h = vec![header("Content-Length", "0")];
        h.extend(extra);
        h.extend(self.server_headers());
        h.push(header("Connection", "close"));
        h.push(date());
        wire::response(status, h, Vec::new())
    }

    // -----------------------------------------------------------------------------------------
    // Record keeping

    fn record(
        &mut self,
        conn: u64,
        session: Option<usize>,
        request: HttpRequest,
        response: Option<HttpResponse>,
    ) {
        let x = Exchange {
            connection: conn,
            session,
            request,
            response,
        };
        if let Some(s) = session.and_then(|s| self.record.sessions.get_mut(s)) {
            s.exchanges.push(x.clone());
        }
        self.record.exchanges.push(x);
    }

    fn session_error(&mut self, s: usize, why: impl Into<String>) {
        if let Some(sess) = self.record.sessions.get_mut(s) {
            sess.errors.push(why.into());
        }
    }

    fn end(&mut self, s: usize, outcome: Outcome) {
        if let (Some(sess), Some(rt)) = (self.record.sessions.get_mut(s), self.rt.get_mut(s)) {
            if rt.phase == Phase::Ended {
                return;
            }
            rt.phase = Phase::Ended;
            rt.connection = None;
            sess.outcome = outcome;
            sess.ended = Some(Instant::now());
        }
    }

    /// Starts a session; an unfinished session of the same device that waits for its CPE to
    /// reconnect is abandoned.
    fn new_session(&mut self, conn: u64, device: Option<String>) -> usize {
        let index = self.record.sessions.len();
        if let Some(d) = &device {
            let stale: Vec<usize> = (0..self.rt.len())
                .filter(|&i| {
                    self.rt[i].phase != Phase::Ended && self.rt[i].device.as_deref() == Some(d)
                })
                .collect();
            for i in stale {
                self.end(i, Outcome::Abandoned);
            }
        }
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        self.rt.push(SessionRt {
            phase: Phase::AwaitInform,
            device,
            connection: Some(conn),
            outstanding: None,
            hold: false,
            rpc_count: 0,
            id_base: format!("{ms:x}"),
            expect_reconnect: false,
            unanswered: false,
        });
        self.record.sessions.push(Session {
            index,
            cookie: None,
            inform: None,
            inform_count: 0,
            namespace: self
                .options
                .namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
            cpe_requests: Vec::new(),
            tasks: Vec::new(),
            exchanges: Vec::new(),
            errors: Vec::new(),
            outcome: Outcome::InProgress,
            started: Instant::now(),
            ended: None,
            connections: vec![conn],
        });
        index
    }

    fn attach(&mut self, s: usize, conn: u64) {
        if let Some(rt) = self.rt.get_mut(s) {
            rt.connection = Some(conn);
            rt.expect_reconnect = false;
        }
        if let Some(sess) = self.record.sessions.get_mut(s) {
            sess.connections.push(conn);
        }
    }

    fn phase(&self, s: usize) -> Phase {
        self.rt.get(s).map_or(Phase::Ended, |r| r.phase)
    }

    /// Takes the first intercept matching `class` whose action passes `pick`.
    fn take_intercept(&mut self, class: When, pick: impl Fn(&Action) -> bool) -> Option<Action> {
        let pos = self.options.intercepts.iter().position(|i| {
            (i.when == class || i.when == When::AnyPost) && i.times != Some(0) && pick(&i.action)
        })?;
        let i: &mut Intercept = &mut self.options.intercepts[pos];
        let action = i.action.clone();
        if let Some(n) = &mut i.times {
            *n -= 1;
        }
        Some(action)
    }

    // -----------------------------------------------------------------------------------------
    // The decision

    /// A new connection was accepted.
    pub fn connection_opened(&mut self, info: ConnectionInfo) {
        self.record.connections.push(info);
    }

    fn conn_info(&mut self, id: u64) -> Option<&mut ConnectionInfo> {
        self.record.connections.iter_mut().find(|c| c.id == id)
    }

    /// Notes something wrong on a connection (the first error is kept).
    pub fn connection_error(&mut self, id: u64, error: String) {
        if let Some(c) = self.conn_info(id) {
            c.error.get_or_insert(error);
        }
    }

    /// Notes the TLS server name a connection asked for.
    pub fn connection_tls(&mut self, id: u64, sni: Option<String>, client_cert: bool) {
        if let Some(c) = self.conn_info(id) {
            c.sni = sni;
            c.client_cert = client_cert;
        }
    }

    /// A connection is gone: its session either waits for the CPE to come back (the ACS
    /// closed it on purpose) or has failed.
    pub fn connection_closed(&mut self, conn: &ConnCtx) {
        if let Some(c) = self.conn_info(conn.id) {
            c.closed = Some(Instant::now());
        }
        let Some(s) = conn.session else { return };
        let Some(rt) = self.rt.get_mut(s) else { return };
        if rt.connection != Some(conn.id) || rt.phase == Phase::Ended {
            return;
        }
        rt.connection = None;
        if rt.unanswered {
            self.end(
                s,
                Outcome::Failed("request left unanswered; connection closed by the CPE".into()),
            );
        } else if !rt.expect_reconnect {
            self.end(
                s,
                Outcome::Failed("connection closed before the session ended".into()),
            );
        }
    }

    fn fail(
        &mut self,
        conn: &ConnCtx,
        s: Option<usize>,
        req: HttpRequest,
        status: u16,
        text: &str,
    ) -> Decision {
        let resp = Self::text_error(status, text);
        self.record(conn.id, s, req, Some(resp.clone()));
        if let Some(s) = s {
            self.end(s, Outcome::Failed(format!("{status} {text}")));
        }
        Decision {
            response: Some(resp),
            after: After::Close,
        }
    }

    /// Decides the answer to one request read on `conn`.
    ///
    /// Session indices come from `new_session`, which pushes to `rt` and `record.sessions`
    /// together; neither ever shrinks, so indexing either with a session index cannot fail.
    pub fn handle(&mut self, conn: &mut ConnCtx, req: HttpRequest) -> Decision {
        if let Some(c) = self.conn_info(conn.id) {
            c.requests += 1;
        }
        if conn.session.is_some_and(|s| self.phase(s) == Phase::Ended) {
            conn.session = None;
        }
        if req.method != "POST" {
            let h = vec![
                header("Content-Length", "22"),
                header("Allow", "POST"),
                header("Connection", "close"),
                date(),
            ];
            let resp = wire::response(405, h, b"405 Method Not Allowed".to_vec());
            self.record(conn.id, conn.session, req, Some(resp.clone()));
            return Decision {
                response: Some(resp),
                after: After::Close,
            };
        }
        let cookie = req.session_cookie().map(str::to_owned);

        // The session this connection carries must keep sending its cookie.
        if let Some(s) = conn.session
            && let Some(want) = self.record.sessions[s].cookie.clone()
            && cookie.as_deref() != Some(want.as_str())
        {
            let why = if cookie.is_none() {
                "POST without the session cookie"
            } else {
                "POST with a wrong session cookie"
            };
            self.session_error(s, why);
            return self.fail(conn, Some(s), req, 400, "Invalid session");
        }

        let post = match parse(&req.body) {
            Ok(p) => p,
            Err(e) => {
                if let Some(s) = conn.session {
                    self.session_error(s, format!("unreadable envelope: {e}"));
                } else {
                    self.record.errors.push(format!("unreadable envelope: {e}"));
                }
                return self.fail(conn, conn.session, req, 400, &e);
            }
        };
        if post.ns == Some(CwmpNs::V1_4) && !self.options.accept_cwmp_1_4 {
            if let Some(s) = conn.session {
                self.session_error(s, "namespace urn:dslforum-org:cwmp-1-4");
            }
            return self.fail(conn, conn.session, req, 400, "Unrecognized CWMP version");
        }

        // Find or start the session.
        let s = match conn.session {
            Some(s) => s,
            None if post.is_inform() => {
                let device = match &post.message {
                    Some(Message::Inform(i)) => Some(i.device_id.acs_id()),
                    _ => None,
                };
                // GenieACS holds a lock per device from the accepted Inform to the end.
                let busy = device.as_deref().is_some_and(|d| {
                    self.rt.iter().any(|r| {
                        matches!(r.phase, Phase::CpeRequests | Phase::AcsRequests)
                            && r.connection.is_some()
                            && !r.expect_reconnect
                            && r.device.as_deref() == Some(d)
                    })
                });
                if busy {
                    self.record.errors.push(format!(
                        "Inform from {} while it is in session",
                        device.as_deref().unwrap_or_default()
                    ));
                    return self.fail(conn, None, req, 400, "CPE already in session");
                }
                self.new_session(conn.id, device)
            }
            None => {
                let live = cookie.as_deref().and_then(|c| {
                    self.record.sessions.iter().position(|x| {
                        x.cookie.as_deref() == Some(c) && self.phase(x.index) != Phase::Ended
                    })
                });
                match live {
                    Some(s) => {
                        self.attach(s, conn.id);
                        s
                    }
                    None => {
                        let why = if cookie.is_none() {
                            "POST without the session cookie on a new connection"
                        } else {
                            "POST with an unknown session cookie"
                        };
                        // Blame the session waiting for its CPE to come back, if there is one.
                        let waiting = (0..self.rt.len()).rev().find(|&i| {
                            self.rt[i].phase != Phase::Ended && self.rt[i].expect_reconnect
                        });
                        if let Some(w) = waiting {
                            self.session_error(w, why);
                            self.end(w, Outcome::Failed(format!("400 Invalid session ({why})")));
                        } else {
                            self.record.errors.push(why.to_owned());
                        }
                        return self.fail(conn, None, req, 400, "Invalid session");
                    }
                }
            }
        };
        conn.session = Some(s);

        // Authentication, once per connection like GenieACS.
        match conn
            .auth
            .check(&self.options.auth, &req.method, req.header("authorization"))
        {
            Verdict::Accept => {}
            Verdict::Challenge(c) => {
                let h = vec![
                    header("Content-Length", "12"),
                    header("WWW-Authenticate", c),
                    date(),
                    header("Connection", "keep-alive"),
                ];
                let resp = wire::response(401, h, b"Unauthorized".to_vec());
                self.record(conn.id, Some(s), req, Some(resp.clone()));
                return Decision {
                    response: Some(resp),
                    after: After::KeepOpen,
                };
            }
            Verdict::Refuse(why) => {
                self.session_error(s, format!("authentication failure: {why}"));
                let resp = Self::text_error(401, "Unauthorized");
                self.record(conn.id, Some(s), req, Some(resp.clone()));
                self.end(s, Outcome::Failed("401 authentication failure".into()));
                return Decision {
                    response: Some(resp),
                    after: After::Close,
                };
            }
        }

        let phase = self.phase(s);
        let class = match &post.message {
            None => When::EmptyPost,
            Some(_) if post.is_inform() => When::Inform,
            Some(_) if post.is_answer(phase) => When::CpeResponse,
            Some(_) => When::CpeRequest,
        };
        let close = self.options.connection == ConnectionMode::CloseAfterEachResponse
            || req
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));

        if let Some(action) = self.take_intercept(class, |a| *a != Action::HoldRequests) {
            return self.play(conn, s, req, post, action, class, close);
        }
        self.process(conn, s, req, post, class, close)
    }

    /// Notes the POST's message in the session without acting on it.
    fn note(&mut self, s: usize, post: &Post) {
        let Some(m) = &post.message else { return };
        let phase = self.phase(s);
        let sess = &mut self.record.sessions[s];
        match m {
            Message::Inform(i) => {
                sess.inform_count += 1;
                sess.inform = Some(i.clone());
            }
            _ if post.is_inform() => sess.inform_count += 1,
            _ if phase == Phase::AcsRequests && post.is_answer(phase) => {
                let out = self.rt[s].outstanding.take();
                if let Some(t) = out.and_then(|o| sess.tasks.get_mut(o)) {
                    if post.id.as_deref() != Some(t.id.as_str()) {
                        sess.errors.push(format!(
                            "{} carries cwmp:ID {:?}, the request had {:?}",
                            post.method, post.id, t.id
                        ));
                    }
                    t.reply = Some(m.clone());
                    t.reply_id = post.id.clone();
                }
            }
            _ if !post.is_answer(phase) => sess.cpe_requests.push(m.clone()),
            _ => {}
        }
    }

    /// Plays an intercept (the POST's message is recorded, not acted on).
    #[allow(clippy::too_many_arguments)]
    fn play(
        &mut self,
        conn: &ConnCtx,
        s: usize,
        req: HttpRequest,
        post: Post,
        action: Action,
        class: When,
        close: bool,
    ) -> Decision {
        if action == Action::HoldRequests {
            // A modifier of the normal answer, taken by `hold` when that answer is written.
            return self.process(conn, s, req, post, class, close);
        }
        self.note(s, &post);
        let (response, after) = match action {
            Action::Status(code) => {
                self.end(s, Outcome::Failed(format!("{code} (intercept)")));
                (Some(self.empty_with(code, None)), After::Close)
            }
            Action::Fault { code, string } => {
                let ns = self.namespace_for(s, &post);
                let body = task::envelope(
                    &ns,
                    &EnvelopeHeader {
                        id: post.id.as_deref().unwrap_or(""),
                        ..Default::default()
                    },
                    &task::fault(code, &string),
                );
                self.expect_close(s, close);
                (Some(self.soap_response(body, None, close)), after(close))
            }
            Action::Redirect { status, location } => {
                let outcome = if self.phase(s) == Phase::AwaitInform {
                    Outcome::Redirected
                } else {
                    Outcome::Failed(format!("{status} redirect mid-session"))
                };
                self.end(s, outcome);
                let loc = Some(header("Location", location));
                (Some(self.empty_with(status, loc)), After::Close)
            }
            Action::Silent => {
                self.rt[s].unanswered = true;
                (None, After::Silent)
            }
            Action::Drop => {
                self.end(s, Outcome::Failed("connection dropped (intercept)".into()));
                (None, After::Drop)
            }
            Action::Raw(bytes) => {
                self.end(s, Outcome::Failed("raw response (intercept)".into()));
                (Some(wire::raw_response(bytes)), After::Close)
            }
            // Handled before the match: it modifies the normal answer instead of replacing it.
            Action::HoldRequests => (None, After::Drop),
        };
        self.record(conn.id, Some(s), req, response.clone());
        Decision { response, after }
    }

    fn expect_close(&mut self, s: usize, close: bool) {
        if close && let Some(rt) = self.rt.get_mut(s) {
            rt.expect_reconnect = true;
        }
    }

    fn namespace_for(&mut self, s: usize, post: &Post) -> String {
        if let Some(ns) = &self.options.namespace {
            return ns.clone();
        }
        if let (Some(Message::Inform(_)), Some(ns)) = (&post.message, post.ns) {
            self.record.sessions[s].namespace = ns.uri().to_owned();
        }
        self.record.sessions[s].namespace.clone()
    }

    /// The normal GenieACS behaviour.
    fn process(
        &mut self,
        conn: &ConnCtx,
        s: usize,
        req: HttpRequest,
        post: Post,
        class: When,
        close: bool,
    ) -> Decision {
        let phase = self.phase(s);
        let bad_state = |st: &mut State, req: HttpRequest| {
            st.session_error(s, "Bad session state");
            st.fail(conn, Some(s), req, 400, "Bad session state")
        };
        let ns = self.namespace_for(s, &post);
        let response = match (phase, &post.message) {
            (Phase::AwaitInform, Some(Message::Inform(i))) => {
                self.note(s, &post);
                if i.id.is_none() {
                    self.session_error(s, "Inform without cwmp:ID");
                }
                let cookie = random_hex(8);
                self.record.sessions[s].cookie = Some(cookie.clone());
                self.rt[s].phase = Phase::CpeRequests;
                let hold = self.hold(s, class);
                let body = task::envelope(
                    &ns,
                    &EnvelopeHeader {
                        id: post.id.as_deref().unwrap_or(""),
                        hold_requests: hold,
                        use_cwmp_version: self.options.use_cwmp_version.as_deref(),
                    },
                    task::inform_response(),
                );
                self.soap_response(body, Some(&cookie), close)
            }
            (Phase::AwaitInform, Some(Message::Invalid { error, .. })) if post.is_inform() => {
                let e = error.clone();
                self.note(s, &post);
                self.session_error(s, format!("Inform: {e}"));
                return self.fail(conn, Some(s), req, 400, &e);
            }
            (Phase::CpeRequests, None) => {
                self.rt[s].phase = Phase::AcsRequests;
                match self.next_task(s, class, &ns, close) {
                    Some(r) => r,
                    None => return self.finish(conn, s, req),
                }
            }
            (Phase::CpeRequests, Some(m)) if !post.is_answer(phase) && !post.is_inform() => {
                if self.rt[s].hold {
                    self.session_error(
                        s,
                        format!("{} sent while HoldRequests was true", post.method),
                    );
                }
                self.note(s, &post);
                let body = match m {
                    Message::TransferComplete(_) => {
                        task::empty_response("TransferCompleteResponse")
                    }
                    Message::AutonomousTransferComplete(_) => {
                        task::empty_response("AutonomousTransferCompleteResponse")
                    }
                    Message::GetRPCMethods => {
                        task::get_rpc_methods_response(&self.options.rpc_methods)
                    }
                    Message::RequestDownload { .. } => {
                        task::empty_response("RequestDownloadResponse")
                    }
                    Message::DUStateChangeComplete { .. } => {
                        task::empty_response("DUStateChangeCompleteResponse")
                    }
                    Message::AutonomousDUStateChangeComplete { .. } => {
                        task::empty_response("AutonomousDUStateChangeCompleteResponse")
                    }
                    Message::Invalid { error, .. } => {
                        let e = error.clone();
                        self.session_error(s, format!("{}: {e}", post.method));
                        return self.fail(conn, Some(s), req, 400, &e);
                    }
                    _ => task::fault(8000, "Method not supported"),
                };
                let hold = self.hold(s, class);
                let body = task::envelope(
                    &ns,
                    &EnvelopeHeader {
                        id: post.id.as_deref().unwrap_or(""),
                        hold_requests: hold,
                        use_cwmp_version: None,
                    },
                    &body,
                );
                self.soap_response(body, None, close)
            }
            (Phase::AcsRequests, Some(_))
                if post.is_answer(phase) && self.rt[s].outstanding.is_some() =>
            {
                self.note(s, &post);
                match self.next_task(s, class, &ns, close) {
                    Some(r) => r,
                    None => return self.finish(conn, s, req),
                }
            }
            _ => {
                self.note(s, &post);
                return bad_state(self, req);
            }
        };
        self.expect_close(s, close);
        self.record(conn.id, Some(s), req, Some(response.clone()));
        Decision {
            response: Some(response),
            after: after(close),
        }
    }

    /// Whether the envelope answering a `class` POST carries HoldRequests; tracks the hold.
    fn hold(&mut self, s: usize, class: When) -> bool {
        let hold = self
            .take_intercept(class, |a| *a == Action::HoldRequests)
            .is_some();
        self.rt[s].hold = hold;
        hold
    }

    /// The next task as a response, or `None` when the queue is empty.
    fn next_task(&mut self, s: usize, class: When, ns: &str, close: bool) -> Option<HttpResponse> {
        let device = self.rt[s].device.clone();
        let task = self.pop_task(device.as_deref())?;
        let rt = &mut self.rt[s];
        let id = format!("{}00{:02x}", rt.id_base, rt.rpc_count);
        rt.rpc_count += 1;
        let hold = self.hold(s, class);
        let body = match task.body(&id) {
            Some(b) => task::envelope(
                ns,
                &EnvelopeHeader {
                    id: &id,
                    hold_requests: hold,
                    use_cwmp_version: None,
                },
                &b,
            ),
            None => match &task {
                Task::RawEnvelope(raw) => raw.clone(),
                _ => String::new(),
            },
        };
        let sess = &mut self.record.sessions[s];
        sess.tasks.push(SentTask {
            id,
            method: task.method().to_owned(),
            task,
            body: body.clone(),
            reply: None,
            reply_id: None,
        });
        self.rt[s].outstanding = Some(sess.tasks.len() - 1);
        Some(self.soap_response(body, None, close))
    }

    /// Ends the session with 204 and `Connection: close`.
    fn finish(&mut self, conn: &ConnCtx, s: usize, req: HttpRequest) -> Decision {
        let resp = self.no_content();
        self.record(conn.id, Some(s), req, Some(resp.clone()));
        self.end(s, Outcome::Completed);
        Decision {
            response: Some(resp),
            after: After::Close,
        }
    }
}

fn after(close: bool) -> After {
    if close { After::Close } else { After::KeepOpen }
}
