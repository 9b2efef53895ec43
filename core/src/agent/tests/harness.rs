//! An in-memory world for agent tests: a data model, a scripted ACS that speaks HTTP and SOAP
//! through the real codecs, and a fake clock.

use std::collections::{BTreeMap, VecDeque};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use core::ops::ControlFlow;

use crate::agent::{Agent, AgentConfig, Clock, Effect, Output};
use crate::datamodel::{Applied, DataModel, Node, Param, child_of, is_partial, is_under};
use crate::soap::{CpeMessage, Envelope, FaultCode, ValueType};
use crate::time::{Instant, UnixTime};

// ---------------------------------------------------------------------------------------------
// Data model

/// The leaves of a new table instance: (name, default value, type).
pub type Template = Vec<(String, String, ValueType)>;

/// A small data model in memory.
#[derive(Default, Clone)]
pub struct MemDm {
    pub params: BTreeMap<String, (String, ValueType, bool)>,
    /// Table path -> (next instance, template leaves).
    pub tables: BTreeMap<String, (u32, Template)>,
    staged: Option<Vec<(String, String)>>,
    pub commits: u32,
    pub apply_later: bool,
}

impl MemDm {
    pub fn standard() -> MemDm {
        let mut dm = MemDm::default();
        for (n, v, t, w) in [
            (
                "Device.RootDataModelVersion",
                "2.15",
                ValueType::String,
                false,
            ),
            (
                "Device.DeviceInfo.HardwareVersion",
                "hw1",
                ValueType::String,
                false,
            ),
            (
                "Device.DeviceInfo.SoftwareVersion",
                "sw1",
                ValueType::String,
                false,
            ),
            (
                "Device.DeviceInfo.ProvisioningCode",
                "",
                ValueType::String,
                true,
            ),
            (
                "Device.DeviceInfo.UpTime",
                "42",
                ValueType::UnsignedInt,
                false,
            ),
            (
                "Device.Time.NTPServer1",
                "pool.ntp.org",
                ValueType::String,
                true,
            ),
            ("Device.Time.Enable", "true", ValueType::Boolean, true),
        ] {
            dm.params.insert(n.into(), (v.into(), t, w));
        }
        dm.tables.insert(
            "Device.NAT.PortMapping.".into(),
            (
                1,
                std::vec![
                    ("Enable".into(), "false".into(), ValueType::Boolean),
                    ("Description".into(), "".into(), ValueType::String),
                    ("ExternalPort".into(), "0".into(), ValueType::UnsignedInt),
                ],
            ),
        );
        dm
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.params.get_mut(name).unwrap().0 = value.into();
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(|p| p.0.as_str())
    }

    fn exists(&self, path: &str) -> bool {
        path.is_empty()
            || self.params.keys().any(|k| is_under(k, path))
            || self.tables.contains_key(path)
    }

    fn objects(&self) -> Vec<(String, bool)> {
        let mut objs: BTreeMap<String, bool> = BTreeMap::new();
        for k in self.params.keys() {
            let mut end = 0;
            while let Some(dot) = k[end..].find('.') {
                end += dot + 1;
                let o = &k[..end];
                let writable = self.tables.contains_key(o)
                    || self.tables.keys().any(|t| {
                        o.starts_with(t.as_str())
                            && o[t.len()..].trim_end_matches('.').parse::<u32>().is_ok()
                    });
                objs.entry(o.to_string()).or_insert(writable);
            }
        }
        for t in self.tables.keys() {
            let mut end = 0;
            while let Some(dot) = t[end..].find('.') {
                end += dot + 1;
                if end < t.len() {
                    objs.entry(t[..end].to_string()).or_insert(false);
                }
            }
            objs.entry(t.clone()).or_insert(true);
        }
        objs.into_iter().collect()
    }
}

impl DataModel for MemDm {
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if !self.exists(path) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        for (k, (v, t, w)) in &self.params {
            if is_under(k, path)
                && visit(&Param {
                    name: k,
                    value: v,
                    value_type: *t,
                    writable: *w,
                })
                .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    fn names(
        &mut self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if !self.exists(path) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        if next_level && !is_partial(path) {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        let mut all: Vec<(String, bool)> = self.objects();
        for (k, (_, _, w)) in &self.params {
            all.push((k.clone(), *w));
        }
        all.sort();
        for (n, w) in all {
            let wanted = if next_level {
                child_of(path, &n) == Some(n.as_str())
            } else {
                is_under(&n, path) || n == path
            };
            if wanted
                && visit(&Node {
                    name: &n,
                    writable: w,
                })
                .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    fn check(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        let (_, t, w) = self
            .params
            .get(name)
            .ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        if !w {
            return Err(FaultCode::NON_WRITABLE_PARAMETER);
        }
        if *t != value_type && value_type != ValueType::String {
            return Err(FaultCode::INVALID_PARAMETER_TYPE);
        }
        let ok = match t {
            ValueType::UnsignedInt => value.parse::<u32>().is_ok(),
            ValueType::Boolean => matches!(value, "0" | "1" | "true" | "false"),
            _ => !value.contains('!'),
        };
        if ok {
            Ok(())
        } else {
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        }
    }

    fn begin(&mut self) -> Result<(), FaultCode> {
        self.staged = Some(Vec::new());
        Ok(())
    }

    fn stage(&mut self, name: &str, value: &str, _: ValueType) -> Result<(), FaultCode> {
        self.staged
            .as_mut()
            .ok_or(FaultCode::INTERNAL_ERROR)?
            .push((name.into(), value.into()));
        Ok(())
    }

    fn commit(&mut self) -> Result<Applied, FaultCode> {
        for (n, v) in self.staged.take().ok_or(FaultCode::INTERNAL_ERROR)? {
            self.params.get_mut(&n).ok_or(FaultCode::INTERNAL_ERROR)?.0 = v;
        }
        self.commits += 1;
        Ok(if self.apply_later {
            Applied::Later
        } else {
            Applied::Now
        })
    }

    fn abort(&mut self) {
        self.staged = None;
    }

    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode> {
        let (next, template) = self
            .tables
            .get_mut(path)
            .ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        let n = *next;
        *next += 1;
        let template = template.clone();
        for (leaf, v, t) in template {
            self.params
                .insert(format!("{path}{n}.{leaf}"), (v, t, true));
        }
        Ok((n, Applied::Now))
    }

    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode> {
        let before = self.params.len();
        self.params.retain(|k, _| !k.starts_with(path));
        if before == self.params.len() {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        Ok(Applied::Now)
    }
}

// ---------------------------------------------------------------------------------------------
// Scripted ACS

/// One HTTP request the agent sent.
#[derive(Clone, Debug)]
pub struct Request {
    pub head: String,
    pub body: Vec<u8>,
    pub chunked: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The method element's name, or "" for the empty POST.
    pub fn method(&self) -> String {
        if self.body.is_empty() {
            return String::new();
        }
        Envelope::parse(&self.body)
            .map(|e| e.method_name().to_string())
            .unwrap_or_else(|e| format!("unparsable: {e}"))
    }
}

/// What the ACS answers next to one kind of message.
#[derive(Clone, Debug)]
pub enum Answer {
    /// An HTTP response, raw.
    Raw(String),
    /// Refuse the TCP connection.
    RefuseConnect,
    /// Say nothing (the agent must time out).
    Silence,
}

/// A session as the ACS saw it.
#[derive(Clone, Debug, Default)]
pub struct SessionLog {
    pub requests: Vec<Request>,
}

/// The CPE's answer to the ACS request it was given.
pub fn cpe_message<R>(req: &Request, f: impl FnOnce(crate::soap::CpeMessage<'_>) -> R) -> R {
    let env = Envelope::parse(&req.body).unwrap_or_else(|e| panic!("{e}: {}", req.text()));
    f(env.cpe_message().unwrap())
}

impl SessionLog {
    pub fn inform(&self) -> &Request {
        self.requests
            .iter()
            .find(|r| r.method() == "Inform")
            .expect("an Inform")
    }

    pub fn events(&self) -> Vec<(String, String)> {
        let r = self.inform();
        let env = Envelope::parse(&r.body).unwrap();
        let CpeMessage::Inform(i) = env.cpe_message().unwrap() else {
            panic!()
        };
        i.events
            .iter()
            .map(|e| (e.code.to_string(), e.command_key.to_string()))
            .collect()
    }

    pub fn event_codes(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.0).collect()
    }

    pub fn retry_count(&self) -> u32 {
        let env = Envelope::parse(&self.inform().body).unwrap();
        let CpeMessage::Inform(i) = env.cpe_message().unwrap() else {
            panic!()
        };
        i.retry_count
    }

    pub fn inform_params(&self) -> Vec<(String, String)> {
        let env = Envelope::parse(&self.inform().body).unwrap();
        let CpeMessage::Inform(i) = env.cpe_message().unwrap() else {
            panic!()
        };
        i.parameters
            .iter()
            .map(|p| (p.name.to_string(), p.value.to_string()))
            .collect()
    }

    pub fn methods(&self) -> Vec<String> {
        self.requests.iter().map(Request::method).collect()
    }
}

pub fn http(status: u16, extra: &str, body: &str) -> String {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        401 => "Unauthorized",
        _ => "Status",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
}

pub fn envelope(id: &str, header_extra: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap-env:Envelope xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
         xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\">\
         <soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">{id}</cwmp:ID>{header_extra}</soap-env:Header>\
         <soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>"
    )
}

pub fn inform_response(id: &str) -> String {
    http(
        200,
        "Set-Cookie: session=0123456789abcdef\r\n",
        &envelope(
            id,
            "",
            "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>",
        ),
    )
}

pub fn acs_request(body: &str) -> String {
    http(200, "", &envelope("acs-1", "", body))
}

pub fn no_content() -> String {
    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string()
}

/// The ACS side of the world.
#[derive(Default)]
pub struct Acs {
    /// Answers to use instead of the default for the next Informs (one per Inform).
    pub inform_answers: VecDeque<Answer>,
    /// ACS requests to send, in order, once the CPE sends its empty POST.
    pub tasks: VecDeque<String>,
    /// Refuse every connection while true.
    pub down: bool,
    pub sessions: Vec<SessionLog>,
    /// Require this cookie on every request after the InformResponse.
    pub strict_cookie: bool,
    pub cookie_violations: u32,
    /// Answer this many AutonomousTransferCompletes with fault 8002 before accepting one.
    pub refuse_autonomous: u32,
    /// Answer this many (Autonomous)DUStateChangeCompletes with fault 8002 before accepting one.
    pub refuse_du: u32,
}

fn fault_8002(id: &str) -> Answer {
    Answer::Raw(http(
        200,
        "",
        &envelope(
            id,
            "",
            "<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>8002</FaultCode><FaultString>Internal error</FaultString></cwmp:Fault></detail></soap-env:Fault>",
        ),
    ))
}

impl Acs {
    pub fn push(&mut self, body: &str) {
        self.tasks.push_back(acs_request(body));
    }

    /// Answers one request.
    fn answer(&mut self, req: &Request) -> Answer {
        let method = req.method();
        if method == "Inform" {
            self.sessions.push(SessionLog::default());
        }
        if let Some(s) = self.sessions.last_mut() {
            s.requests.push(req.clone());
        }
        if method != "Inform"
            && self.strict_cookie
            && req.header("Cookie").as_deref() != Some("session=0123456789abcdef")
        {
            self.cookie_violations += 1;
        }
        match method.as_str() {
            "Inform" => {
                let env = Envelope::parse(&req.body).unwrap();
                let id = env.header.id.map(|t| t.to_string()).unwrap_or_default();
                match self.inform_answers.pop_front() {
                    Some(a) => a,
                    None => Answer::Raw(inform_response(&id)),
                }
            }
            "TransferComplete" => Answer::Raw(http(
                200,
                "",
                &envelope(
                    "2",
                    "",
                    "<cwmp:TransferCompleteResponse></cwmp:TransferCompleteResponse>",
                ),
            )),
            "AutonomousTransferComplete" if self.refuse_autonomous > 0 => {
                self.refuse_autonomous -= 1;
                Answer::Raw(http(
                    200,
                    "",
                    &envelope(
                        "4",
                        "",
                        "<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>8002</FaultCode><FaultString>Internal error</FaultString></cwmp:Fault></detail></soap-env:Fault>",
                    ),
                ))
            }
            "AutonomousTransferComplete" => Answer::Raw(http(
                200,
                "",
                &envelope("4", "", "<cwmp:AutonomousTransferCompleteResponse/>"),
            )),
            "DUStateChangeComplete" | "AutonomousDUStateChangeComplete" if self.refuse_du > 0 => {
                self.refuse_du -= 1;
                fault_8002("5")
            }
            "DUStateChangeComplete" => Answer::Raw(http(
                200,
                "",
                &envelope("5", "", "<cwmp:DUStateChangeCompleteResponse/>"),
            )),
            "AutonomousDUStateChangeComplete" => Answer::Raw(http(
                200,
                "",
                &envelope("6", "", "<cwmp:AutonomousDUStateChangeCompleteResponse/>"),
            )),
            "GetRPCMethods" => Answer::Raw(http(
                200,
                "",
                &envelope(
                    "3",
                    "",
                    "<cwmp:GetRPCMethodsResponse><MethodList soap-enc:arrayType=\"xsd:string[1]\"><string>Inform</string></MethodList></cwmp:GetRPCMethodsResponse>",
                ),
            )),
            _ => match self.tasks.pop_front() {
                Some(r) => Answer::Raw(r),
                None => Answer::Raw(no_content()),
            },
        }
    }
}

/// Decodes a chunked body.
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(core::str::from_utf8(&b[..line_end]).unwrap(), 16).unwrap();
        b = &b[line_end + 2..];
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[..n]);
        b = &b[n + 2..];
    }
}

fn parse_request(raw: &[u8]) -> Request {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
    let body = &raw[head_end..];
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_vec()
    };
    let req = Request {
        head,
        body,
        chunked,
    };
    if !chunked {
        let len: usize = req.header("Content-Length").unwrap().parse().unwrap();
        assert_eq!(len, req.body.len(), "Content-Length matches the body");
    }
    req
}

// ---------------------------------------------------------------------------------------------
// The world

pub const START: u64 = 1_764_103_248; // 2025-11-25T20:40:48Z

pub struct World {
    pub agent: Agent,
    pub dm: MemDm,
    pub acs: Acs,
    pub clock: Clock,
    pub snapshot: Option<Vec<u8>>,
    pub effects: Vec<Effect>,
    pub connected: bool,
    pub connects: u32,
    /// Monotonic milliseconds of every connection attempt.
    pub connect_times: Vec<u64>,
    pub tx_len: usize,
    pub cfg: AgentConfig,
}

pub fn config() -> AgentConfig {
    let mut cfg = AgentConfig::default();
    cfg.device.manufacturer.push_str("OpenWrt").unwrap();
    cfg.device.oui.push_str("A1B2C3").unwrap();
    cfg.device.product_class.push_str("OpenWrtCPE").unwrap();
    cfg.device.serial_number.push_str("VEC0001").unwrap();
    cfg.management_server
        .url
        .push_str("http://acs.test:7547/")
        .unwrap();
    cfg.management_server.periodic_interval = 3600;
    cfg.management_server
        .cr_username
        .push_str("cpe-cr")
        .unwrap();
    cfg.management_server
        .cr_password
        .push_str("cr-secret")
        .unwrap();
    cfg.management_server
        .cr_url
        .push_str("http://192.0.2.1:7547/cr")
        .unwrap();
    cfg.connection_request.path.clear();
    cfg.connection_request.path.push_str("/cr").unwrap();
    cfg.notify_check_interval = 0;
    cfg
}

impl World {
    pub fn new() -> World {
        World::with(config(), MemDm::standard(), None)
    }

    pub fn with(cfg: AgentConfig, dm: MemDm, snapshot: Option<Vec<u8>>) -> World {
        let clock = Clock {
            mono: Instant::from_millis(1_000),
            wall: Some(UnixTime(START as i64)),
        };
        let (agent, err) = Agent::new(cfg.clone(), snapshot.as_deref(), clock, [7u8; 32]);
        assert!(err.is_none() || snapshot.is_some());
        let mut w = World {
            agent,
            dm,
            acs: Acs::default(),
            clock,
            snapshot,
            effects: Vec::new(),
            connected: false,
            connects: 0,
            connect_times: Vec::new(),
            tx_len: cfg.tx_buffer,
            cfg,
        };
        w.drain_outputs();
        w
    }

    /// The same device starting again from its last snapshot (a reboot or a restart).
    pub fn restart(&mut self) {
        let snapshot = self.snapshot.clone();
        let (agent, err) = Agent::new(self.cfg.clone(), snapshot.as_deref(), self.clock, [9u8; 32]);
        assert!(err.is_none(), "snapshot readable: {err:?}");
        self.agent = agent;
        self.connected = false;
        self.effects.clear();
        self.drain_outputs();
    }

    fn drain_outputs(&mut self) {
        while let Some(o) = self.agent.poll_output() {
            match o {
                Output::Connect => {
                    self.connects += 1;
                    self.connect_times.push(self.clock.mono.as_millis());
                    if self.acs.down {
                        self.connected = false;
                        self.agent.handle_connect_failed(self.clock);
                    } else if matches!(self.acs.inform_answers.front(), Some(Answer::RefuseConnect))
                    {
                        self.acs.inform_answers.pop_front();
                        self.agent.handle_connect_failed(self.clock);
                    } else {
                        self.connected = true;
                        self.agent.handle_connected(self.clock);
                    }
                }
                Output::Close => self.connected = false,
                Output::Persist => {
                    let mut buf = std::vec![0u8; crate::limits::SNAPSHOT_MAX];
                    let n = self.agent.write_snapshot(&mut buf).unwrap();
                    buf.truncate(n);
                    self.snapshot = Some(buf);
                }
                Output::Effect(e) => self.effects.push(e),
            }
        }
    }

    /// Runs the exchange until the agent has nothing to send and nothing due.
    pub fn pump(&mut self) {
        let mut tx = std::vec![0u8; self.tx_len];
        let mut rx: Vec<u8> = Vec::new();
        let mut request: Vec<u8> = Vec::new();
        for _ in 0..10_000 {
            if self
                .agent
                .poll_timeout()
                .is_some_and(|t| t <= self.clock.mono)
            {
                self.agent.handle_timeout(self.clock, &mut self.dm);
            }
            self.drain_outputs();
            let Some(t) = self
                .agent
                .poll_transmit(self.clock, &rx, &mut tx, &mut self.dm)
            else {
                self.drain_outputs();
                if self.agent.poll_output().is_some() {
                    panic!("output left behind");
                }
                return;
            };
            assert!(self.connected, "transmit without a connection");
            request.extend_from_slice(&tx[t.range.clone()]);
            if !t.last {
                continue;
            }
            let req = parse_request(&request);
            request.clear();
            rx.clear();
            match self.acs.answer(&req) {
                Answer::Raw(resp) => {
                    rx.extend_from_slice(resp.as_bytes());
                    let mut buf = rx.clone();
                    // Feed in two pieces to exercise the incremental parser.
                    let half = buf.len() / 2;
                    self.agent
                        .handle_received(self.clock, &mut buf, half, &mut tx, &mut self.dm);
                    let filled = buf.len();
                    self.agent
                        .handle_received(self.clock, &mut buf, filled, &mut tx, &mut self.dm);
                    rx = buf;
                }
                Answer::Silence => return,
                Answer::RefuseConnect => unreachable!(),
            }
        }
        panic!("pump did not settle");
    }

    /// Lets `secs` pass, firing whatever comes due, and runs the sessions that start.
    pub fn advance(&mut self, secs: u64) {
        let end = self.clock.mono.as_millis() + secs * 1000;
        loop {
            let next = self
                .agent
                .poll_timeout()
                .map(|t| t.as_millis())
                .filter(|t| *t <= end);
            let target = next.unwrap_or(end).max(self.clock.mono.as_millis());
            let step = target - self.clock.mono.as_millis();
            self.clock.mono = Instant::from_millis(target);
            self.clock.wall = self
                .clock
                .wall
                .map(|w| UnixTime(w.secs() + (step / 1000) as i64));
            self.agent.handle_timeout(self.clock, &mut self.dm);
            self.pump();
            if next.is_none() {
                break;
            }
        }
    }
}
