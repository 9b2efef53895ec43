//! A whole agent driven by arbitrary input: ACS responses (SOAP bodies wrapped in correct HTTP
//! framing, or raw bytes), control-socket requests, Connection Requests, passing time, dropped
//! connections, transfer and DU operation results, autonomous DU changes and restarts from the
//! persisted state.
//!
//! Oracles besides "no panic": every snapshot the agent asks to persist fits the snapshot
//! buffer and is read back without error by a new agent (a power cut at any point loses
//! nothing), and every request the agent sends is well-framed HTTP.
#![no_main]

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use cwmp_core::agent::du::{DuState, OpKind, OpResult};
use cwmp_core::agent::{Agent, AgentConfig, Clock, Output};
use cwmp_core::control::json;
use cwmp_core::datamodel::{Applied, DataModel, Node, Param, is_under};
use cwmp_core::http::cr::{Handled, RequestReader};
use cwmp_core::limits::SNAPSHOT_MAX;
use cwmp_core::sink::SliceSink;
use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::time::{Instant, UnixTime};
use libfuzzer_sys::fuzz_target;

/// A small data model: a few typed leaves and one table.
#[derive(Default)]
struct Dm {
    params: BTreeMap<String, (String, ValueType, bool)>,
    next: u32,
    staged: Option<Vec<(String, String)>>,
}

impl Dm {
    fn new() -> Dm {
        let mut dm = Dm {
            next: 1,
            ..Dm::default()
        };
        for (n, v, t, w) in [
            (
                "Device.RootDataModelVersion",
                "2.15",
                ValueType::String,
                false,
            ),
            (
                "Device.DeviceInfo.SoftwareVersion",
                "1.0",
                ValueType::String,
                false,
            ),
            (
                "Device.DeviceInfo.HardwareVersion",
                "hw",
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
            ("Device.Time.Enable", "true", ValueType::Boolean, true),
            (
                "Device.Time.NTPServer1",
                "pool.ntp.org",
                ValueType::String,
                true,
            ),
        ] {
            dm.params.insert(n.into(), (v.into(), t, w));
        }
        dm
    }
}

const TABLE: &str = "Device.NAT.PortMapping.";

impl DataModel for Dm {
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if !path.is_empty() && !self.params.keys().any(|k| is_under(k, path)) && path != TABLE {
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
        _next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if !path.is_empty() && !self.params.keys().any(|k| is_under(k, path)) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        for (k, (_, _, w)) in &self.params {
            if is_under(k, path)
                && visit(&Node {
                    name: k,
                    writable: *w,
                })
                .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    fn check(&mut self, name: &str, value: &str, _: ValueType) -> Result<(), FaultCode> {
        match self.params.get(name) {
            None => Err(FaultCode::INVALID_PARAMETER_NAME),
            Some((_, _, false)) => Err(FaultCode::NON_WRITABLE_PARAMETER),
            Some((_, ValueType::Boolean, _)) if !matches!(value, "0" | "1" | "true" | "false") => {
                Err(FaultCode::INVALID_PARAMETER_VALUE)
            }
            Some(_) => Ok(()),
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
            if let Some(p) = self.params.get_mut(&n) {
                p.0 = v;
            }
        }
        Ok(Applied::Now)
    }

    fn abort(&mut self) {
        self.staged = None;
    }

    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode> {
        if path != TABLE {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        if self.params.len() > 64 {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        let n = self.next;
        self.next += 1;
        self.params.insert(
            format!("{TABLE}{n}.Enable"),
            ("false".into(), ValueType::Boolean, true),
        );
        Ok((n, Applied::Now))
    }

    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode> {
        let before = self.params.len();
        self.params
            .retain(|k, _| !k.starts_with(path) || path == TABLE);
        if before == self.params.len() {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        Ok(Applied::Now)
    }
}

fn config() -> AgentConfig {
    let mut cfg = AgentConfig::default();
    let _ = cfg.device.manufacturer.push_str("OpenWrt");
    let _ = cfg.device.oui.push_str("A1B2C3");
    let _ = cfg.device.product_class.push_str("Fuzz");
    let _ = cfg.device.serial_number.push_str("F1");
    let _ = cfg.management_server.url.push_str("http://acs.test:7547/");
    let _ = cfg.management_server.cr_username.push_str("u");
    let _ = cfg.management_server.cr_password.push_str("p");
    cfg.notify_check_interval = 30;
    cfg.tx_buffer = 16 * 1024;
    cfg.max_response_body = 32 * 1024;
    cfg.software_modules = true;
    cfg
}

/// A DU operation result made of fuzz bytes (each field cut to what it holds).
fn du_result(bytes: &[u8], clock: Clock) -> OpResult {
    let text = String::from_utf8_lossy(bytes);
    let state = [DuState::Installed, DuState::Uninstalled, DuState::Failed]
        [usize::from(bytes.first().copied().unwrap_or(0) % 3)];
    let fault = FaultCode(u32::from(bytes.get(1).copied().unwrap_or(0)) * 37);
    let mut r = OpResult::new(state, fault, clock.datetime(), clock.datetime());
    for c in text.chars() {
        let _ = r.uuid.push(c);
        let _ = r.deployment_unit_ref.push(c);
        let _ = r.version.push(c);
        let _ = r.execution_unit_ref_list.push(c);
        let _ = r.fault_string.push(c);
    }
    r
}

const HEAD: &str = "<?xml version=\"1.0\"?><soap-env:Envelope \
    xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
    xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" \
    xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
    xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Header>\
    <cwmp:ID soap-env:mustUnderstand=\"1\">1</cwmp:ID></soap-env:Header><soap-env:Body>";
const TAIL: &str = "</soap-env:Body></soap-env:Envelope>";

fn http(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

fn soap(body: &[u8]) -> Vec<u8> {
    let mut b = HEAD.as_bytes().to_vec();
    b.extend_from_slice(body);
    b.extend_from_slice(TAIL.as_bytes());
    http("200 OK", "Set-Cookie: s=1\r\n", &b)
}

/// Checks that `req` is one whole HTTP request: a head, then exactly the body it announces.
fn check_request(req: &[u8]) {
    let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n") else {
        panic!("request without a complete head");
    };
    let head = std::str::from_utf8(&req[..end]).expect("ASCII head");
    assert!(head.starts_with("POST "), "{head}");
    let body = &req[end + 4..];
    let lower = head.to_ascii_lowercase();
    if let Some(l) = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
    {
        let n: usize = l.trim().parse().expect("numeric Content-Length");
        assert_eq!(n, body.len(), "Content-Length matches the body");
    } else {
        assert!(lower.contains("transfer-encoding: chunked"), "{head}");
        assert!(
            body.ends_with(b"0\r\n\r\n"),
            "chunked body ends with the last chunk"
        );
    }
}

struct World {
    agent: Agent,
    dm: Dm,
    clock: Clock,
    snapshot: Option<Vec<u8>>,
    connected: bool,
    refuse_next: bool,
    answers: Vec<Vec<u8>>,
    tx: Vec<u8>,
}

impl World {
    fn drain(&mut self) {
        while let Some(o) = self.agent.poll_output() {
            match o {
                Output::Connect => {
                    if std::mem::take(&mut self.refuse_next) {
                        self.connected = false;
                        self.agent.handle_connect_failed(self.clock);
                    } else {
                        self.connected = true;
                        self.agent.handle_connected(self.clock);
                    }
                }
                Output::Close => self.connected = false,
                Output::Persist => {
                    let mut buf = vec![0u8; SNAPSHOT_MAX];
                    let n = self
                        .agent
                        .write_snapshot(&mut buf)
                        .expect("the state always fits the snapshot buffer");
                    buf.truncate(n);
                    let (_, err) = Agent::new(config(), Some(&buf), self.clock, [3; 32]);
                    assert!(err.is_none(), "a written snapshot reads back: {err:?}");
                    self.snapshot = Some(buf);
                }
                Output::Effect(_) => {}
            }
        }
    }

    /// Runs the exchange until the agent has nothing to send (bounded).
    fn pump(&mut self, split: usize) {
        let mut request = Vec::new();
        for _ in 0..64 {
            self.drain();
            let Some(t) = self
                .agent
                .poll_transmit(self.clock, &[], &mut self.tx, &mut self.dm)
            else {
                self.drain();
                return;
            };
            assert!(self.connected, "transmit without a connection");
            request.extend_from_slice(&self.tx[t.range.clone()]);
            if !t.last {
                continue;
            }
            check_request(&request);
            let is_inform = request.windows(13).any(|w| w == b"<cwmp:Inform>");
            request.clear();
            let mut rx = if is_inform {
                soap(b"<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>")
            } else if self.answers.is_empty() {
                b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_vec()
            } else {
                self.answers.remove(0)
            };
            let filled = rx.len();
            let first = split.min(filled);
            let mut scratch = vec![0u8; self.tx.len()];
            self.agent
                .handle_received(self.clock, &mut rx, first, &mut scratch, &mut self.dm);
            self.agent
                .handle_received(self.clock, &mut rx, filled, &mut scratch, &mut self.dm);
        }
        self.drain();
    }

    fn advance(&mut self, secs: u64) {
        self.clock.mono = Instant::from_millis(self.clock.mono.as_millis() + secs * 1000);
        self.clock.wall = self.clock.wall.map(|w| UnixTime(w.secs() + secs as i64));
        self.agent.handle_timeout(self.clock, &mut self.dm);
    }
}

fuzz_target!(|data: &[u8]| {
    let clock = Clock {
        mono: Instant::from_millis(1000),
        wall: Some(UnixTime(1_764_103_248)),
    };
    let (agent, _) = Agent::new(config(), None, clock, [7; 32]);
    let mut w = World {
        agent,
        dm: Dm::new(),
        clock,
        snapshot: None,
        connected: false,
        refuse_next: false,
        answers: Vec::new(),
        tx: vec![0u8; 16 * 1024],
    };
    w.drain();
    let mut rest = data;
    let mut steps = 0;
    while rest.len() >= 3 && steps < 64 {
        steps += 1;
        let op = rest[0];
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]])) % 4096;
        let len = len.min(rest.len() - 3);
        let payload = &rest[3..3 + len];
        rest = &rest[3 + len..];
        let split = usize::from(op >> 3) * 37;
        match op & 7 {
            0 => w.answers.push(soap(payload)),
            1 => w.answers.push(payload.to_vec()),
            2 => w.answers.push(http(
                "401 Unauthorized",
                "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n",
                payload,
            )),
            3 => {
                let mut out = [0u8; 2048];
                w.agent.set_clock(w.clock);
                let _ = json::serve(payload, &mut w.agent, &mut out);
            }
            4 => {
                let mut reader =
                    RequestReader::new(Instant::from_millis(w.clock.mono.as_millis() + 5000));
                let mut out = [0u8; 1024];
                let mut sink = SliceSink::new(&mut out);
                if let Ok(Handled::Respond(_)) =
                    w.agent
                        .connection_request(&mut reader, payload, w.clock, &mut sink)
                {
                    let _ = sink.len();
                }
            }
            5 => {
                let secs = payload.first().map_or(1, |b| u64::from(*b) * u64::from(*b));
                w.advance(secs);
            }
            6 => {
                // The connection drops mid-response, or the next connect is refused.
                if payload.first().is_some_and(|b| b & 1 == 1) {
                    w.refuse_next = true;
                } else if w.connected {
                    let mut rx = payload.to_vec();
                    let n = rx.len();
                    let mut scratch = vec![0u8; w.tx.len()];
                    w.connected = false;
                    w.agent
                        .handle_closed(w.clock, &mut rx, n, &mut scratch, &mut w.dm);
                }
            }
            _ => {
                // Transfer outcomes, or a restart from the last snapshot.
                let slot = payload.first().copied().unwrap_or(0) % 4;
                match payload.get(1).copied().unwrap_or(0) % 6 {
                    0 => w.agent.transfer_done(
                        slot,
                        FaultCode::NONE,
                        w.clock.wall,
                        w.clock.wall,
                        w.clock,
                    ),
                    1 => w.agent.transfer_done(
                        slot,
                        FaultCode::TRANSFER_FAILURE,
                        None,
                        None,
                        w.clock,
                    ),
                    2 => w.agent.transfer_applied(slot, w.clock),
                    3 => {
                        let index = usize::from(payload.get(2).copied().unwrap_or(0) % 5);
                        let r = du_result(payload.get(3..).unwrap_or(&[]), w.clock);
                        w.agent.du_operation_done(slot % 2, index, r, w.clock);
                    }
                    4 => {
                        let kind = [OpKind::Install, OpKind::Update, OpKind::Uninstall]
                            [usize::from(slot % 3)];
                        let r = du_result(payload.get(2..).unwrap_or(&[]), w.clock);
                        let _ = w.agent.du_autonomous_change(kind, r, w.clock);
                    }
                    _ => {
                        let (agent, err) =
                            Agent::new(config(), w.snapshot.as_deref(), w.clock, [9; 32]);
                        assert!(err.is_none(), "restart reads the snapshot: {err:?}");
                        w.agent = agent;
                        w.connected = false;
                        // Sometimes on another firmware (an autonomous transfer).
                        let version = ["1.0", "2.0", "3.0"][usize::from(slot % 3)];
                        if let Some(p) = w.dm.params.get_mut("Device.DeviceInfo.SoftwareVersion") {
                            p.0 = version.into();
                        }
                        w.agent.check_software_version(w.clock, &mut w.dm);
                    }
                }
            }
        }
        w.pump(split);
    }
});
