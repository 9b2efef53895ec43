//! The scripted test ACS driven by a raw-socket CPE written here (not the agent): GenieACS
//! captures replayed byte for byte, session-cookie and ordering rules, authentication, TLS with
//! the exported test CA, and the protocol corners the intercepts promise.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use cwmp_bench::acs::{
    Acs, AcsOptions, Action, Auth, DEFAULT_NAMESPACE, Download, EnvelopeHeader, Intercept, Message,
    Outcome, Session, SetAttribute, Task, Upload, When, envelope,
};
use cwmp_core::soap::{AcsMessage, Envelope};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::Value as Json;

const TIMEOUT: Duration = Duration::from_secs(10);
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/genieacs");

// ---------------------------------------------------------------------------------------------
// A raw-socket CPE

enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

#[derive(Debug, Clone)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection") == Some("close")
    }
}

struct Cpe {
    addr: SocketAddr,
    tls: Option<(Arc<ClientConfig>, String)>,
    conn: Option<Conn>,
    buf: Vec<u8>,
    cookie: Option<String>,
    /// `Authorization` value to send with every POST.
    authorization: Option<String>,
    connects: usize,
}

impl Cpe {
    fn new(acs: &Acs) -> Cpe {
        Cpe {
            addr: acs.addr(),
            tls: None,
            conn: None,
            buf: Vec::new(),
            cookie: None,
            authorization: None,
            connects: 0,
        }
    }

    fn with_tls(acs: &Acs, config: ClientConfig, server_name: &str) -> Cpe {
        Cpe {
            tls: Some((Arc::new(config), server_name.to_owned())),
            ..Cpe::new(acs)
        }
    }

    fn connect(&mut self) -> io::Result<()> {
        let tcp = TcpStream::connect(self.addr)?;
        tcp.set_read_timeout(Some(TIMEOUT))?;
        self.connects += 1;
        self.buf.clear();
        self.conn = Some(match &self.tls {
            None => Conn::Plain(tcp),
            Some((cfg, name)) => {
                let name = ServerName::try_from(name.clone()).unwrap();
                let mut c = ClientConnection::new(Arc::clone(cfg), name).unwrap();
                let mut tcp = tcp;
                while c.is_handshaking() {
                    c.complete_io(&mut tcp)?;
                }
                Conn::Tls(Box::new(StreamOwned::new(c, tcp)))
            }
        });
        Ok(())
    }

    /// Sends raw request bytes (connecting first if needed) and reads one response.
    fn exchange(&mut self, raw: &[u8]) -> io::Result<Resp> {
        if self.conn.is_none() {
            self.connect()?;
        }
        let conn = self.conn.as_mut().unwrap();
        conn.write_all(raw)?;
        conn.flush()?;
        let resp = self.read_response()?;
        if let Some(c) = resp.header("set-cookie") {
            let v = c.split(';').next().unwrap();
            self.cookie = Some(v.trim_start_matches("session=").to_owned());
        }
        if resp.closes() {
            self.conn = None;
        }
        Ok(resp)
    }

    fn read_response(&mut self) -> io::Result<Resp> {
        let conn = self.conn.as_mut().unwrap();
        let mut chunk = [0u8; 8192];
        loop {
            let mut fields = [httparse::EMPTY_HEADER; 32];
            let mut r = httparse::Response::new(&mut fields);
            if let httparse::Status::Complete(n) = r.parse(&self.buf).unwrap() {
                let headers: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8(h.value.to_vec()).unwrap(),
                        )
                    })
                    .collect();
                let status = r.code.unwrap();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |(_, v)| v.parse().unwrap());
                while self.buf.len() < n + len {
                    let k = conn.read(&mut chunk)?;
                    if k == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    self.buf.extend_from_slice(&chunk[..k]);
                }
                let body = String::from_utf8(self.buf[n..n + len].to_vec()).unwrap();
                self.buf.drain(..n + len);
                return Ok(Resp {
                    status,
                    headers,
                    body,
                });
            }
            let k = conn.read(&mut chunk)?;
            if k == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..k]);
        }
    }

    /// A POST the way the capture CPE wrote them (empty body: no Content-Type/SOAPAction).
    fn request(&self, body: &str) -> String {
        let mut h = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nUser-Agent: vectors-cpe/1.0\r\nAccept: */*\r\n",
            self.addr
        );
        if !body.is_empty() {
            h.push_str("Content-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: \"\"\r\n");
        }
        if let Some(c) = &self.cookie {
            h.push_str(&format!("Cookie: session={c}\r\n"));
        }
        if let Some(a) = &self.authorization {
            h.push_str(&format!("Authorization: {a}\r\n"));
        }
        h.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        h
    }

    fn post(&mut self, body: &str) -> Resp {
        let req = self.request(body);
        self.exchange(req.as_bytes()).unwrap()
    }

    /// Raises `Connection: close` itself (drops the socket).
    fn disconnect(&mut self) {
        self.conn = None;
    }
}

// ---------------------------------------------------------------------------------------------
// Capture helpers

fn read_vector(path: &str) -> String {
    std::fs::read_to_string(format!("{VECTORS}/{path}")).unwrap()
}

fn exchanges(scenario: &str) -> Vec<Json> {
    let v: Json =
        serde_json::from_str(&read_vector(&format!("{scenario}/exchanges.json"))).unwrap();
    v["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "cwmp")
        .cloned()
        .collect()
}

fn split_http(raw: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let headers = head
        .lines()
        .skip(1)
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    (headers, body.to_owned())
}

fn cwmp_id(body: &str) -> Option<String> {
    let start = body.find("<cwmp:ID")?;
    let open = body[start..].find('>')? + start + 1;
    let close = body[open..].find("</cwmp:ID>")? + open;
    Some(body[open..close].to_owned())
}

fn set_content_length(req: &str) -> String {
    let (head, body) = req.split_once("\r\n\r\n").unwrap();
    let head: Vec<String> = head
        .split("\r\n")
        .map(|l| {
            if l.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {}", body.len())
            } else {
                l.to_owned()
            }
        })
        .collect();
    format!("{}\r\n\r\n{body}", head.join("\r\n"))
}

/// Leaves an envelope the ACS wrote in target/cwmp-samples, where CI validates it against the
/// BBF XSDs.
fn sample(name: &str, body: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cwmp-samples");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("acs-{name}.xml")), body).unwrap();
}

fn is_http_date(v: &str) -> bool {
    let b = v.as_bytes();
    v.len() == 29 && v.ends_with(" GMT") && b[3] == b',' && b[19] == b':' && b[22] == b':'
}

/// Checks our response against GenieACS' for the same request: same status, the same header
/// names in the same order, the same values except the server name, the date and the cookie,
/// and the same body once GenieACS' RPC ids are replaced by ours.
fn assert_like_genieacs(ours: &Resp, captured: &str, ids: &[(String, String)], what: &str) {
    let (cap_headers, cap_body) = split_http(captured);
    let names = |h: &[(String, String)]| h.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&ours.headers),
        names(&cap_headers),
        "{what}: header names"
    );
    for ((n, v), (_, cap)) in ours.headers.iter().zip(&cap_headers) {
        match n.as_str() {
            "Server" | "SOAPServer" => assert!(v.starts_with("cwmp-bench/"), "{what}: {n} {v}"),
            "Date" => assert!(is_http_date(v), "{what}: Date {v}"),
            "Set-Cookie" => {
                let c = v.strip_prefix("session=").unwrap();
                assert!(
                    c.len() == 16 && c.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{v}"
                );
            }
            "Content-Length" => assert_eq!(v, &ours.body.len().to_string(), "{what}"),
            _ => assert_eq!(v, cap, "{what}: {n}"),
        }
    }
    let mut want = cap_body;
    for (cap, mine) in ids {
        want = want.replace(cap.as_str(), mine);
    }
    assert_eq!(ours.body, want, "{what}: body");
}

/// Replays the CPE side of a captured GenieACS scenario against `acs` and checks every answer;
/// returns the session the ACS recorded.
fn replay(acs: &Acs, scenario: &str) -> Session {
    let before = acs.sessions().len();
    let mut cpe = Cpe::new(acs);
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut cookie: Option<(String, String)> = None;
    for x in exchanges(scenario) {
        let what = format!("{scenario} POST #{}", x["post"]);
        let mut req = x["request"].as_str().unwrap().to_owned();
        if let Some((cap, mine)) = &cookie {
            req = req.replace(cap.as_str(), mine);
        }
        for (cap, mine) in &ids {
            req = req.replace(cap.as_str(), mine);
        }
        let resp = cpe.exchange(set_content_length(&req).as_bytes()).unwrap();
        let captured = x["response"].as_str().unwrap();
        assert_eq!(
            u64::from(resp.status),
            x["status"].as_u64().unwrap(),
            "{what}"
        );
        let (cap_headers, cap_body) = split_http(captured);
        if let Some((_, v)) = cap_headers.iter().find(|(n, _)| n == "Set-Cookie") {
            let cap = v.trim_start_matches("session=").to_owned();
            cookie = Some((cap, cpe.cookie.clone().unwrap()));
        }
        if let (Some(cap), Some(mine)) = (cwmp_id(&cap_body), cwmp_id(&resp.body))
            && cap != mine
        {
            ids.push((cap, mine));
        }
        assert_like_genieacs(&resp, captured, &ids, &what);
    }
    let sessions = acs.wait_for_sessions(before + 1, TIMEOUT);
    let s = sessions[before].clone();
    assert_eq!(s.outcome, Outcome::Completed, "{scenario}: {s:#?}");
    assert!(s.errors.is_empty(), "{scenario}: {:?}", s.errors);
    s
}

// ---------------------------------------------------------------------------------------------
// GenieACS scenarios

#[test]
fn bootstrap_session_is_answered_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    let s = replay(&acs, "01_inform_bootstrap_boot");
    let inform = s.inform.as_ref().unwrap();
    assert_eq!(inform.event_codes(), ["0 BOOTSTRAP", "1 BOOT"]);
    assert_eq!(inform.retry_count, 0);
    assert_eq!(inform.id.as_deref(), Some("1"));
    assert_eq!(inform.device_id.acs_id(), "A1B2C3-OpenWrtCPE-VEC0001");
    assert_eq!(
        inform.parameter("Device.ManagementServer.ConnectionRequestURL"),
        Some("http://127.0.0.1:17548/cr")
    );
    assert_eq!(s.cookie.as_deref().map(str::len), Some(16));
    assert!(s.tasks.is_empty() && s.cpe_requests.is_empty());
    assert_eq!(acs.last_inform().as_ref(), Some(inform));
}

#[test]
fn set_parameter_values_task_goes_out_like_genieacs_and_its_status_is_recorded() {
    let acs = Acs::start(AcsOptions::default());
    // GenieACS sorted the task's parameters by path; the harness sends them as given.
    acs.push(Task::set_parameter_values(
        &[
            (
                "Device.DeviceInfo.ProvisioningCode",
                "vec-prov-1",
                "xsd:string",
            ),
            (
                "Device.ManagementServer.ConnectionRequestPassword",
                "cr-secret",
                "xsd:string",
            ),
            (
                "Device.ManagementServer.PeriodicInformEnable",
                "false",
                "xsd:boolean",
            ),
            (
                "Device.ManagementServer.PeriodicInformInterval",
                "600",
                "xsd:unsignedInt",
            ),
            (
                "Device.ManagementServer.PeriodicInformTime",
                "2024-06-01T12:00:00.000Z",
                "xsd:dateTime",
            ),
        ],
        "",
    ));
    let s = replay(&acs, "05_task_setParameterValues");
    assert_eq!(s.event_codes(), ["2 PERIODIC"]);
    assert_eq!(s.tasks.len(), 1);
    assert_eq!(s.tasks[0].reply_id.as_deref(), Some(s.tasks[0].id.as_str()));
    assert_eq!(
        s.reply_to("SetParameterValues"),
        Some(&Message::SetParameterValuesResponse { status: 0 })
    );
    assert_eq!(acs.pending_tasks(), 0);
}

#[test]
fn add_object_then_instance_refresh_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::add_object("Device.NAT.PortMapping.", ""));
    acs.push(Task::get_parameter_names("Device.NAT.PortMapping.", true));
    let s = replay(&acs, "06_connection_request_and_addObject");
    assert_eq!(s.event_codes(), ["6 CONNECTION REQUEST"]);
    assert_eq!(
        s.reply_to("AddObject"),
        Some(&Message::AddObjectResponse {
            instance_number: 1,
            status: 0
        })
    );
    let Some(Message::GetParameterNamesResponse { parameters }) = s.reply_to("GetParameterNames")
    else {
        panic!("{:?}", s.replies());
    };
    assert!(
        parameters
            .iter()
            .any(|p| p.name == "Device.NAT.PortMapping.1." && p.writable)
    );
    // GenieACS ids: session timestamp in hex, then cycle and counter; ours count the same way.
    assert!(s.tasks[0].id.ends_with("0000") && s.tasks[1].id.ends_with("0001"));
}

#[test]
fn reboot_task_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::reboot(""));
    let s = replay(&acs, "11_task_reboot");
    assert_eq!(s.replies(), [&Message::RebootResponse]);
}

#[test]
fn transfer_complete_is_answered_and_recorded_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    let s = replay(&acs, "12b_transfer_complete");
    assert_eq!(
        s.event_codes(),
        ["1 BOOT", "7 TRANSFER COMPLETE", "M Download"]
    );
    assert_eq!(
        s.inform.as_ref().unwrap().events[2].command_key,
        "1a214710cdd0000"
    );
    let [Message::TransferComplete(tc)] = s.cpe_requests.as_slice() else {
        panic!("{:?}", s.cpe_requests);
    };
    assert_eq!(tc.command_key, "1a214710cdd0000");
    assert_eq!(tc.fault.code, 0);
    assert_eq!(tc.complete_time.to_string(), "2026-11-25T20:41:22Z");
}

#[test]
fn cpe_get_rpc_methods_gets_genieacs_method_list() {
    let acs = Acs::start(AcsOptions::default());
    let s = replay(&acs, "02_cpe_getrpcmethods");
    assert_eq!(s.cpe_requests, [Message::GetRPCMethods]);
}

#[test]
fn cwmp_1_4_namespace_is_refused_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    let x = &exchanges("15_inform_cwmp_1_4_namespace")[0];
    let mut cpe = Cpe::new(&acs);
    let resp = cpe
        .exchange(x["request"].as_str().unwrap().as_bytes())
        .unwrap();
    assert_like_genieacs(&resp, x["response"].as_str().unwrap(), &[], "15");
    assert_eq!(resp.body, "Unrecognized CWMP version");
}

#[test]
fn cwmp_1_3_namespace_is_answered_in_cwmp_1_3() {
    let acs = Acs::start(AcsOptions::default());
    let x = &exchanges("15b_inform_cwmp_1_3_namespace")[0];
    let resp = Cpe::new(&acs)
        .exchange(x["request"].as_str().unwrap().as_bytes())
        .unwrap();
    assert_like_genieacs(&resp, x["response"].as_str().unwrap(), &[], "15b");
}

// ---------------------------------------------------------------------------------------------
// Session rules

fn inform_body(events: &[&str], retry_count: u32) -> String {
    let events: String = events
        .iter()
        .map(|e| {
            format!(
                "<EventStruct><EventCode>{e}</EventCode><CommandKey></CommandKey></EventStruct>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">cpe-1</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:Inform><DeviceId><Manufacturer>OpenWrt</Manufacturer><OUI>A1B2C3</OUI><ProductClass>OpenWrtCPE</ProductClass><SerialNumber>T0001</SerialNumber></DeviceId><Event soap-enc:arrayType="cwmp:EventStruct[{}]">{events}</Event><MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2026-01-01T00:00:00Z</CurrentTime><RetryCount>{retry_count}</RetryCount><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[1]"><ParameterValueStruct><Name>Device.ManagementServer.ConnectionRequestURL</Name><Value xsi:type="xsd:string">http://127.0.0.1:1/cr</Value></ParameterValueStruct></ParameterList></cwmp:Inform></soap-env:Body></soap-env:Envelope>"#,
        events.len()
    )
}

fn inform() -> String {
    inform_body(&["2 PERIODIC"], 0)
}

/// A CPE response envelope answering `id` with `body` (a method element).
fn reply(id: &str, body: &str) -> String {
    format!(
        r#"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">{id}</cwmp:ID></soap-env:Header><soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>"#
    )
}

#[test]
fn first_post_of_a_connection_must_be_an_inform() {
    let acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post("");
    assert_eq!(
        (r.status, r.body.as_str(), r.closes()),
        (400, "Invalid session", true)
    );
    assert!(acs.sessions().is_empty());
    assert_eq!(acs.errors().len(), 1);
    assert_eq!(acs.exchanges()[0].session, None);
}

#[test]
fn post_without_the_cookie_after_the_inform_is_an_error() {
    let acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    assert_eq!(cpe.post(&inform()).status, 200);
    cpe.cookie = None;
    let r = cpe.post("");
    assert_eq!((r.status, r.body.as_str()), (400, "Invalid session"));
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(s.errors, ["POST without the session cookie"]);
    assert_eq!(s.outcome, Outcome::Failed("400 Invalid session".into()));
}

#[test]
fn cpe_request_after_the_empty_post_is_a_bad_session_state() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::GetRPCMethods);
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let r = cpe.post("");
    assert!(r.body.contains("<cwmp:GetRPCMethods></cwmp:GetRPCMethods>"));
    let r = cpe.post(&reply("x", "<cwmp:GetRPCMethods></cwmp:GetRPCMethods>"));
    assert_eq!((r.status, r.body.as_str()), (400, "Bad session state"));
    assert!(matches!(
        acs.wait_for_sessions(1, TIMEOUT)[0].outcome,
        Outcome::Failed(_)
    ));
}

#[test]
fn unknown_cpe_method_gets_fault_8000() {
    let acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let r = cpe.post(&reply("7", "<cwmp:Frobnicate></cwmp:Frobnicate>"));
    assert_eq!(r.status, 200);
    let env = Envelope::parse(r.body.as_bytes()).unwrap();
    let Ok(AcsMessage::Fault(f)) = env.acs_message() else {
        panic!("{}", r.body);
    };
    assert_eq!(f.code.0, 8000);
    assert!(env.header.id.unwrap().eq_str("7"));
    sample("fault-8000", &r.body);
    assert_eq!(cpe.post("").status, 204);
}

#[test]
fn tasks_pushed_for_a_device_go_before_shared_ones_and_replies_are_recorded_in_order() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::get_parameter_values(&["Device.DeviceInfo.UpTime"]));
    acs.push_for("A1B2C3-OpenWrtCPE-T0001", Task::FactoryReset);
    acs.push_for("SOMEONE-ELSE", Task::reboot("no"));
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let r = cpe.post("");
    assert!(r.body.contains("<cwmp:FactoryReset></cwmp:FactoryReset>"));
    let id = cwmp_id(&r.body).unwrap();
    let r = cpe.post(&reply(
        &id,
        "<cwmp:FactoryResetResponse></cwmp:FactoryResetResponse>",
    ));
    assert!(r.body.contains("<string>Device.DeviceInfo.UpTime</string>"));
    let id = cwmp_id(&r.body).unwrap();
    let gpv = r#"<cwmp:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>Device.DeviceInfo.UpTime</Name><Value xsi:type="xsd:unsignedInt" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">42</Value></ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>"#;
    let r = cpe.post(&reply(&id, gpv));
    assert_eq!(r.status, 204);
    assert_eq!(acs.pending_tasks(), 1);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(s.replies()[0], &Message::FactoryResetResponse);
    assert_eq!(s.replies()[1].value("Device.DeviceInfo.UpTime"), Some("42"));
}

#[test]
fn spv_fault_with_parameter_faults_is_recorded_and_the_session_goes_on() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::set_parameter_values(
        &[("Device.Time.NTPServer1", "bad host name!", "xsd:string")],
        "k",
    ));
    let x = exchanges("10_cpe_fault_9003_spv");
    let fault_body = x[2]["request"]
        .as_str()
        .unwrap()
        .split_once("\r\n\r\n")
        .unwrap()
        .1
        .to_owned();
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let r = cpe.post("");
    let id = cwmp_id(&r.body).unwrap();
    let r = cpe.post(&fault_body.replace("1a21470db340000", &id));
    assert_eq!(r.status, 204);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    let f = s.reply_to("SetParameterValues").unwrap().fault().unwrap();
    assert_eq!(f.code, 9003);
    assert_eq!(f.spv_faults.len(), 1);
    assert_eq!(f.spv_faults[0].name, "Device.Time.NTPServer1");
    assert_eq!(f.spv_faults[0].code, 9007);
}

#[test]
fn autonomous_transfer_complete_and_request_download_are_answered() {
    let acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let atc = reply(
        "3",
        "<cwmp:AutonomousTransferComplete><AnnounceURL></AnnounceURL><TransferURL>http://h/f</TransferURL><IsDownload>1</IsDownload><FileType>1 Firmware Upgrade Image</FileType><FileSize>10</FileSize><TargetFileName></TargetFileName><FaultStruct><FaultCode>0</FaultCode><FaultString></FaultString></FaultStruct><StartTime>2026-01-01T00:00:00Z</StartTime><CompleteTime>2026-01-01T00:00:09Z</CompleteTime></cwmp:AutonomousTransferComplete>",
    );
    let r = cpe.post(&atc);
    assert!(r.body.contains(
        "<cwmp:AutonomousTransferCompleteResponse></cwmp:AutonomousTransferCompleteResponse>"
    ));
    let rd = reply(
        "4",
        "<cwmp:RequestDownload><FileType>1 Firmware Upgrade Image</FileType><FileTypeArg></FileTypeArg></cwmp:RequestDownload>",
    );
    let r = cpe.post(&rd);
    assert!(
        r.body
            .contains("<cwmp:RequestDownloadResponse></cwmp:RequestDownloadResponse>")
    );
    assert_eq!(cpe.post("").status, 204);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    let names: Vec<&str> = s.cpe_requests.iter().map(Message::name).collect();
    assert_eq!(names, ["AutonomousTransferComplete", "RequestDownload"]);
    let Message::AutonomousTransferComplete(a) = &s.cpe_requests[0] else {
        unreachable!()
    };
    assert!(a.is_download && a.file_size == 10);
}

#[test]
fn wait_until_sees_a_task_being_taken() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::GetRPCMethods);
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    assert!(!cwmp_bench::acs::wait_until(
        || acs.pending_tasks() == 0,
        Duration::from_millis(30)
    ));
    cpe.post("");
    assert!(cwmp_bench::acs::wait_until(
        || acs.pending_tasks() == 0,
        TIMEOUT
    ));
}

#[test]
fn reply_with_another_id_is_flagged() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::FactoryReset);
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    cpe.post("");
    cpe.post(&reply(
        "not-the-id",
        "<cwmp:FactoryResetResponse></cwmp:FactoryResetResponse>",
    ));
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(s.errors[0].contains("not-the-id"));
}

#[test]
fn raw_tasks_are_sent_verbatim() {
    let acs = Acs::start(AcsOptions::default());
    acs.push(Task::Raw("<cwmp:Bogus><X>1</X></cwmp:Bogus>".into()));
    acs.push(Task::RawEnvelope("not even XML".into()));
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let r = cpe.post("");
    assert!(
        r.body
            .contains("<soap-env:Body><cwmp:Bogus><X>1</X></cwmp:Bogus></soap-env:Body>")
    );
    let id = cwmp_id(&r.body).unwrap();
    let r = cpe.post(&reply(&id, "<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>9000</FaultCode><FaultString>Method not supported</FaultString></cwmp:Fault></detail></soap-env:Fault>"));
    assert_eq!(r.body, "not even XML");
    let s = acs.sessions();
    assert_eq!(
        s[0].tasks[0].reply.as_ref().unwrap().fault().unwrap().code,
        9000
    );
}

/// Every typed task reads back, through core's ACS-message reader, as the RPC it names; the
/// envelopes are also left in target/cwmp-samples, where CI validates them against the XSDs.
#[test]
fn every_typed_task_is_a_valid_request_for_cores_reader() {
    let mut download = Download::new("1 Firmware Upgrade Image", "http://127.0.0.1:1/fw.bin");
    download.file_size = 4096;
    let tasks = [
        Task::GetRPCMethods,
        Task::get_parameter_names("Device.", false),
        Task::get_parameter_values(&["Device.DeviceInfo.", "Device.Time.NTPServer1"]),
        Task::set_parameter_values(
            &[
                ("Device.X", "a<b&c", "xsd:string"),
                ("Device.Y", "1", "xsd:unsignedInt"),
            ],
            "key&1",
        ),
        Task::get_parameter_attributes(&["Device.DeviceInfo.SoftwareVersion"]),
        Task::set_notification(&[("Device.DeviceInfo.SoftwareVersion", 2)]),
        Task::SetParameterAttributes {
            parameters: vec![SetAttribute {
                name: "Device.ManagementServer.".into(),
                notification: Some(0),
                access_list: Some(vec!["Subscriber".into()]),
            }],
        },
        Task::add_object("Device.NAT.PortMapping.", "k"),
        Task::delete_object("Device.NAT.PortMapping.1.", "k"),
        Task::reboot("r1"),
        Task::FactoryReset,
        Task::Download(download),
        Task::Upload(Upload::new(
            "1 Vendor Configuration File",
            "http://127.0.0.1:1/up",
        )),
        Task::schedule_inform(30, "si"),
        Task::GetQueuedTransfers,
        Task::GetAllQueuedTransfers,
        Task::cancel_transfer("dl-1"),
    ];
    for (i, t) in tasks.into_iter().enumerate() {
        let id = "1a2b3c4d5e60000";
        let header = EnvelopeHeader {
            id,
            ..Default::default()
        };
        let env = envelope(DEFAULT_NAMESPACE, &header, &t.body(id).unwrap());
        let parsed = Envelope::parse(env.as_bytes()).unwrap();
        assert_eq!(parsed.method_name(), t.method());
        let msg = parsed
            .acs_message()
            .unwrap_or_else(|e| panic!("{}: {e}", t.method()));
        assert!(!matches!(msg, AcsMessage::Unknown { .. }), "{}", t.method());
        sample(&format!("task-{i:02}-{}", t.method()), &env);
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication

fn digest_answer(challenge: &str, user: &str, password: &str) -> String {
    let parsed = http_auth::parse_challenges(challenge).unwrap();
    let mut client = http_auth::DigestClient::try_from(&parsed[0]).unwrap();
    client
        .respond(&http_auth::PasswordParams {
            username: user,
            password,
            uri: "/",
            method: "POST",
            body: None,
        })
        .unwrap()
}

#[test]
fn digest_auth_accepts_the_right_password_on_the_same_connection() {
    let acs = Acs::start(AcsOptions::default().auth(Auth::digest("cpe", "s3cret")));
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post(&inform());
    assert_eq!((r.status, r.closes()), (401, false));
    let challenge = r.header("www-authenticate").unwrap().to_owned();
    assert!(challenge.contains("qop=\"auth\"") && challenge.contains("opaque="));
    cpe.authorization = Some(digest_answer(&challenge, "cpe", "s3cret"));
    let r = cpe.post(&inform());
    assert_eq!(r.status, 200);
    assert_eq!(cpe.connects, 1);
    // Authenticated connections are not challenged again, even without Authorization.
    cpe.authorization = None;
    assert_eq!(cpe.post("").status, 204);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert!(s.is_completed());
    assert_eq!(s.inform_count, 1);
    assert_eq!(s.exchanges.len(), 3);
}

#[test]
fn digest_auth_refuses_a_wrong_password_and_closes() {
    let acs = Acs::start(AcsOptions::default().auth(Auth::digest("cpe", "s3cret")));
    let mut cpe = Cpe::new(&acs);
    let challenge = cpe
        .post(&inform())
        .header("www-authenticate")
        .unwrap()
        .to_owned();
    cpe.authorization = Some(digest_answer(&challenge, "cpe", "wrong"));
    let r = cpe.post(&inform());
    assert_eq!((r.status, r.closes()), (401, true));
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(
        s.outcome,
        Outcome::Failed("401 authentication failure".into())
    );
    assert!(s.errors[0].contains("password"), "{:?}", s.errors);
}

#[test]
fn digest_answer_to_a_nonce_from_another_connection_is_refused() {
    let acs = Acs::start(AcsOptions::default().auth(Auth::digest("cpe", "s3cret")));
    let mut first = Cpe::new(&acs);
    let challenge = first
        .post(&inform())
        .header("www-authenticate")
        .unwrap()
        .to_owned();
    let mut second = Cpe::new(&acs);
    assert_eq!(second.post(&inform()).status, 401);
    second.authorization = Some(digest_answer(&challenge, "cpe", "s3cret"));
    assert_eq!(second.post(&inform()).status, 401);
    let s = acs.wait_for_sessions(1, TIMEOUT);
    assert!(s[1].errors[0].contains("nonce"), "{:?}", s[1].errors);
}

#[test]
fn basic_auth_accepts_preemptive_credentials_and_refuses_wrong_ones() {
    let acs = Acs::start(AcsOptions::default().auth(Auth::basic("cpe", "pw")));
    let mut good = Cpe::new(&acs);
    good.authorization = Some("Basic Y3BlOnB3".into());
    assert_eq!(good.post(&inform()).status, 200);
    assert_eq!(good.post("").status, 204);
    let mut bad = Cpe::new(&acs);
    bad.authorization = Some("Basic Y3BlOnBY".into());
    let r = bad.post(&inform());
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"cwmp-bench\"")
    );
    assert_eq!(bad.post(&inform()).status, 401);
    let s = acs.wait_for_sessions(2, TIMEOUT);
    assert_eq!(
        s[1].outcome,
        Outcome::Failed("401 authentication failure".into())
    );
}

#[test]
fn second_inform_of_a_device_in_session_is_refused_like_genieacs() {
    let acs = Acs::start(AcsOptions::default());
    let mut first = Cpe::new(&acs);
    assert_eq!(first.post(&inform()).status, 200);
    let r = Cpe::new(&acs).post(&inform());
    assert_eq!((r.status, r.body.as_str()), (400, "CPE already in session"));
    assert_eq!(first.post("").status, 204);
    assert_eq!(acs.wait_for_sessions(1, TIMEOUT).len(), 1);
    assert_eq!(acs.errors().len(), 1);
}

#[test]
fn new_inform_abandons_a_session_waiting_for_its_cpe_to_reconnect() {
    let acs = Acs::start(AcsOptions::default().close_after_each_response());
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    cpe.cookie = None;
    assert_eq!(cpe.post(&inform_body(&["1 BOOT"], 0)).status, 200);
    assert_eq!(cpe.post("").status, 204);
    let s = acs.wait_for_sessions(2, TIMEOUT);
    assert_eq!(
        (&s[0].outcome, &s[1].outcome),
        (&Outcome::Abandoned, &Outcome::Completed)
    );
}

// ---------------------------------------------------------------------------------------------
// TLS

fn client_config(roots: RootCertStore) -> ClientConfig {
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn trusting(acs: &Acs) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(acs.ca_der().unwrap().to_vec()))
        .unwrap();
    client_config(roots)
}

#[test]
fn https_session_works_with_the_exported_ca() {
    let acs = Acs::start(AcsOptions::default().https());
    assert!(acs.url().starts_with("https://127.0.0.1:"));
    assert!(
        acs.ca_pem()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let mut cpe = Cpe::with_tls(&acs, trusting(&acs), "localhost");
    assert_eq!(cpe.post(&inform()).status, 200);
    assert_eq!(cpe.post("").status, 204);
    assert!(acs.wait_for_sessions(1, TIMEOUT)[0].is_completed());
    assert_eq!(acs.connections()[0].sni.as_deref(), Some("localhost"));
    // By IP address too (no SNI is sent for an IP).
    let mut cpe = Cpe::with_tls(&acs, trusting(&acs), "127.0.0.1");
    assert_eq!(cpe.post(&inform()).status, 200);
}

#[test]
fn https_fails_without_the_ca_or_for_another_name() {
    let acs = Acs::start(AcsOptions::default().https_for(&["acs.example"]));
    let mut no_ca = Cpe::with_tls(&acs, client_config(RootCertStore::empty()), "acs.example");
    let e = no_ca.connect().unwrap_err();
    assert!(e.to_string().contains("UnknownIssuer"), "{e}");
    let mut mismatch = Cpe::with_tls(&acs, trusting(&acs), "127.0.0.1");
    let e = mismatch.connect().unwrap_err();
    assert!(e.to_string().contains("not valid for name"), "{e}");
    let mut ok = Cpe::with_tls(&acs, trusting(&acs), "acs.example");
    assert_eq!(ok.post(&inform()).status, 200);
    // The server saw both refusals as failed handshakes.
    for i in 0..2 {
        let e = acs
            .wait_for(TIMEOUT, |r| r.connections[i].error.clone())
            .unwrap();
        assert!(e.starts_with("TLS handshake"), "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Protocol corners

#[test]
fn inform_gets_8005_n_times_then_is_accepted() {
    let acs = Acs::start(AcsOptions::default().inform_retry_faults(2));
    let mut cpe = Cpe::new(&acs);
    for _ in 0..2 {
        let r = cpe.post(&inform());
        assert_eq!(r.status, 200);
        assert!(r.header("set-cookie").is_none());
        let env = Envelope::parse(r.body.as_bytes()).unwrap();
        let Ok(AcsMessage::Fault(f)) = env.acs_message() else {
            panic!("{}", r.body)
        };
        assert_eq!(f.code.0, 8005);
        assert!(env.header.id.unwrap().eq_str("cpe-1"));
        sample("fault-8005", &r.body);
    }
    let r = cpe.post(&inform());
    assert!(r.body.contains("InformResponse") && r.header("set-cookie").is_some());
    assert_eq!(cpe.post("").status, 204);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(
        (s.inform_count, s.is_completed(), cpe.connects),
        (3, true, 1)
    );
}

#[test]
fn hold_requests_is_sent_and_a_request_during_the_hold_is_flagged() {
    let acs = Acs::start(AcsOptions::default().hold_requests(When::Inform));
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post(&inform());
    let env = Envelope::parse(r.body.as_bytes()).unwrap();
    assert_eq!(env.header.hold_requests, Some(true));
    sample("inform-response-hold-requests", &r.body);
    let tc = reply(
        "2",
        "<cwmp:TransferComplete><CommandKey>k</CommandKey><FaultStruct><FaultCode>0</FaultCode><FaultString></FaultString></FaultStruct><StartTime>2026-01-01T00:00:00Z</StartTime><CompleteTime>2026-01-01T00:00:01Z</CompleteTime></cwmp:TransferComplete>",
    );
    let r = cpe.post(&tc);
    // The answer no longer holds: the next message is free to carry requests.
    let env = Envelope::parse(r.body.as_bytes()).unwrap();
    assert_eq!(env.header.hold_requests, None);
    assert_eq!(cpe.post("").status, 204);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(
        s.errors,
        ["TransferComplete sent while HoldRequests was true"]
    );
    assert!(matches!(s.cpe_requests[0], Message::TransferComplete(_)));
}

#[test]
fn first_inform_is_redirected_to_another_path() {
    let acs = Acs::start(AcsOptions::default().redirect_first_inform(307, "/elsewhere"));
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post(&inform());
    assert_eq!(
        (r.status, r.header("location"), r.closes()),
        (307, Some("/elsewhere"), true)
    );
    let req = cpe
        .request(&inform())
        .replacen("POST / ", "POST /elsewhere ", 1);
    assert_eq!(cpe.exchange(req.as_bytes()).unwrap().status, 200);
    assert_eq!(cpe.post("").status, 204);
    let s = acs.wait_for_sessions(2, TIMEOUT);
    assert_eq!(
        (&s[0].outcome, &s[1].outcome),
        (&Outcome::Redirected, &Outcome::Completed)
    );
    assert_eq!(s[1].exchanges[0].request.target, "/elsewhere");
}

#[test]
fn redirect_to_a_second_acs() {
    let second = Acs::start(AcsOptions::default());
    let first = Acs::start(AcsOptions::default().redirect_first_inform(302, &second.url()));
    let r = Cpe::new(&first).post(&inform());
    assert_eq!(
        (r.status, r.header("location")),
        (302, Some(second.url().as_str()))
    );
    let mut cpe = Cpe::new(&second);
    cpe.post(&inform());
    assert_eq!(cpe.post("").status, 204);
    assert!(second.wait_for_sessions(1, TIMEOUT)[0].is_completed());
}

#[test]
fn closing_after_each_response_keeps_the_session_across_connections() {
    let acs = Acs::start(AcsOptions::default().close_after_each_response());
    acs.push(Task::reboot("rb"));
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post(&inform());
    assert!(r.closes());
    let r = cpe.post("");
    assert!(r.closes() && r.body.contains("<CommandKey>rb</CommandKey>"));
    let id = cwmp_id(&r.body).unwrap();
    assert_eq!(
        cpe.post(&reply(&id, "<cwmp:RebootResponse></cwmp:RebootResponse>"))
            .status,
        204
    );
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert!(s.is_completed(), "{s:#?}");
    assert_eq!(s.connections.len(), 3);
    assert_eq!(cpe.connects, 3);
    assert_eq!(s.replies(), [&Message::RebootResponse]);
}

#[test]
fn closing_after_each_response_needs_the_cookie_on_the_new_connection() {
    let acs = Acs::start(AcsOptions::default().close_after_each_response());
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    cpe.cookie = None;
    assert_eq!(cpe.post("").status, 400);
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert_eq!(
        s.errors,
        ["POST without the session cookie on a new connection"]
    );
}

#[test]
fn status_intercept_fails_the_session_then_the_acs_recovers() {
    let acs = Acs::start(
        AcsOptions::default().intercept(Intercept::once(When::Inform, Action::Status(500))),
    );
    let mut cpe = Cpe::new(&acs);
    let r = cpe.post(&inform());
    assert_eq!((r.status, r.closes()), (500, true));
    cpe.post(&inform_body(&["2 PERIODIC"], 1));
    assert_eq!(cpe.post("").status, 204);
    let s = acs.wait_for_sessions(2, TIMEOUT);
    assert_eq!(s[0].outcome, Outcome::Failed("500 (intercept)".into()));
    assert_eq!(s[1].inform.as_ref().unwrap().retry_count, 1);
}

#[test]
fn silent_intercept_never_answers_and_fails_when_the_cpe_gives_up() {
    let acs = Acs::start(
        AcsOptions::default().intercept(Intercept::once(When::EmptyPost, Action::Silent)),
    );
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    let req = cpe.request("");
    let conn = cpe.conn.as_mut().unwrap();
    conn.tcp()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    conn.write_all(req.as_bytes()).unwrap();
    let e = cpe.read_response().unwrap_err();
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{e}"
    );
    assert!(
        acs.try_wait_for_sessions(1, Duration::from_millis(50))
            .is_none()
    );
    cpe.disconnect();
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert!(
        matches!(&s.outcome, Outcome::Failed(w) if w.contains("unanswered")),
        "{s:?}"
    );
    assert!(s.exchanges[1].response.is_none());
}

#[test]
fn drop_intercept_closes_without_answering() {
    let acs =
        Acs::start(AcsOptions::default().intercept(Intercept::once(When::Inform, Action::Drop)));
    let mut cpe = Cpe::new(&acs);
    let req = cpe.request(&inform());
    let e = cpe.exchange(req.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    assert!(matches!(
        acs.wait_for_sessions(1, TIMEOUT)[0].outcome,
        Outcome::Failed(_)
    ));
}

#[test]
fn raw_intercept_writes_the_bytes_verbatim_and_closes() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<a<b>".to_vec();
    let acs = Acs::start(
        AcsOptions::default().intercept(Intercept::once(When::Inform, Action::Raw(raw.clone()))),
    );
    let mut tcp = TcpStream::connect(acs.addr()).unwrap();
    let body = inform();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    tcp.read_to_end(&mut got).unwrap();
    assert_eq!(got, raw, "exactly the bytes, then the close");
    let s = &acs.wait_for_sessions(1, TIMEOUT)[0];
    assert!(
        matches!(&s.outcome, Outcome::Failed(w) if w.contains("raw")),
        "{s:?}"
    );
    assert_eq!(
        s.exchanges[0].response.as_ref().map(|r| r.status),
        Some(200)
    );
}

#[test]
fn stopped_acs_refuses_connections_until_restarted() {
    let mut acs = Acs::start(AcsOptions::default());
    acs.stop();
    assert!(!acs.is_running());
    let e = TcpStream::connect(acs.addr()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
    acs.restart().unwrap();
    let mut cpe = Cpe::new(&acs);
    assert_eq!(cpe.post(&inform()).status, 200);
    assert_eq!(cpe.post("").status, 204);
}

#[test]
fn stop_closes_a_connection_in_the_middle_of_a_session() {
    let mut acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    cpe.post(&inform());
    acs.stop();
    let req = cpe.request("");
    assert!(cpe.exchange(req.as_bytes()).is_err());
    let s = &acs.sessions()[0];
    assert_eq!(
        s.outcome,
        Outcome::Failed("connection closed before the session ended".into())
    );
}

#[test]
fn use_cwmp_version_is_sent_in_the_inform_response() {
    let acs = Acs::start(AcsOptions::default().use_cwmp_version("1.4"));
    let r = Cpe::new(&acs).post(&inform());
    let env = Envelope::parse(r.body.as_bytes()).unwrap();
    assert!(env.header.use_cwmp_version.unwrap().eq_str("1.4"));
}

#[test]
fn chunked_request_bodies_are_read() {
    let acs = Acs::start(AcsOptions::default());
    let mut cpe = Cpe::new(&acs);
    let body = inform();
    let (a, b) = body.split_at(100);
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    assert_eq!(cpe.exchange(req.as_bytes()).unwrap().status, 200);
    let x = &acs.exchanges()[0];
    assert!(x.request.chunked);
    assert_eq!(x.request.body_text(), body);
}
