//! The bbfdm backend against a fake `bbfdm` object on the test broker (`cwmp_bench::ubusd`),
//! answering in bbfdm's documented raw/cwmp shapes: `results` arrays of `{path, data, type}`
//! entries or `{path, fault, fault_msg}`, `transaction` replies `{status, transaction_id}`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use cwmp_bench::ubus_client::{put_members, table_to_json};
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::datamodel::{Applied, DataModel};
use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::time::Instant;
use cwmp_core::ubus::blobmsg::Type;
use cwmp_core::ubus::client::{Client, Config, Event};
use cwmp_core::ubus::msg::{Framing, Status};
use cwmp_core::ubus::object::{ArgDef, MethodDef, ObjectDef};
use cwmp_platform::dm::bbfdm::{Bbfdm, BbfdmConfig};
use serde_json::{Value as Json, json};

fn socket_path() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "cwmp-dm-bbfdm-{}-{}.sock",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

const PATH: ArgDef = ArgDef {
    name: "path",
    kind: Type::String,
};
const OPTIONAL: ArgDef = ArgDef {
    name: "optional",
    kind: Type::Table,
};
const GET: MethodDef = MethodDef {
    name: "get",
    args: &[
        PATH,
        ArgDef {
            name: "paths",
            kind: Type::Array,
        },
        ArgDef {
            name: "maxdepth",
            kind: Type::Int32,
        },
        OPTIONAL,
    ],
};
const SCHEMA: MethodDef = MethodDef {
    name: "schema",
    args: &[
        PATH,
        ArgDef {
            name: "first_level",
            kind: Type::Int8,
        },
        OPTIONAL,
    ],
};
const SET: MethodDef = MethodDef {
    name: "set",
    args: &[
        PATH,
        ArgDef {
            name: "value",
            kind: Type::String,
        },
        ArgDef {
            name: "obj_path",
            kind: Type::Table,
        },
        OPTIONAL,
    ],
};
const ADD: MethodDef = MethodDef {
    name: "add",
    args: &[PATH, OPTIONAL],
};
const DEL: MethodDef = MethodDef {
    name: "del",
    args: &[PATH, OPTIONAL],
};
const TRANSACTION: MethodDef = MethodDef {
    name: "transaction",
    args: &[
        ArgDef {
            name: "cmd",
            kind: Type::String,
        },
        ArgDef {
            name: "timeout",
            kind: Type::Int32,
        },
        ArgDef {
            name: "restart_services",
            kind: Type::Int8,
        },
        OPTIONAL,
    ],
};

/// bbfdmd with `transaction` (older releases).
static WITH_TXN: ObjectDef = ObjectDef {
    name: "bbfdm",
    methods: &[GET, SCHEMA, SET, ADD, DEL, TRANSACTION],
};
/// bbfdmd without it (current releases: every set applies at once).
static WITHOUT_TXN: ObjectDef = ObjectDef {
    name: "bbfdm",
    methods: &[GET, SCHEMA, SET, ADD, DEL],
};

/// A path the fake never answers.
const HANG: &str = "Device.Hang.";

#[derive(Debug, Clone)]
struct P {
    value: String,
    ty: &'static str,
    writable: bool,
}

fn p(value: &str, ty: &'static str, writable: bool) -> P {
    P {
        value: value.into(),
        ty,
        writable,
    }
}

/// The fake's data model and what it was asked.
#[derive(Debug, Default)]
struct Model {
    params: BTreeMap<String, P>,
    /// Table path -> next instance number.
    tables: BTreeMap<String, u32>,
    /// Open transaction: id and staged values.
    txn: Option<(u32, Vec<(String, String)>)>,
    calls: Vec<String>,
}

impl Model {
    fn sample() -> Model {
        let mut m = Model::default();
        for (k, v) in [
            (
                "Device.DeviceInfo.Manufacturer",
                p("OpenWrt", "xsd:string", false),
            ),
            (
                "Device.DeviceInfo.SerialNumber",
                p("SN0001", "xsd:string", false),
            ),
            (
                "Device.DeviceInfo.UpTime",
                p("4242", "xsd:unsignedInt", false),
            ),
            (
                "Device.ManagementServer.URL",
                p("http://bbfdm-acs/", "xsd:string", true),
            ),
            ("Device.Time.Enable", p("1", "xsd:boolean", true)),
            (
                "Device.Time.NTPServer1",
                p("pool.ntp.org", "xsd:string", true),
            ),
            (
                "Device.NAT.PortMappingNumberOfEntries",
                p("0", "xsd:unsignedInt", false),
            ),
        ] {
            m.params.insert(k.into(), v);
        }
        m.tables.insert("Device.NAT.PortMapping.".into(), 1);
        m
    }

    fn objects(&self) -> Vec<String> {
        let mut objs: Vec<String> = self.tables.keys().cloned().collect();
        for name in self.params.keys() {
            for (i, _) in name.match_indices('.') {
                objs.push(name[..=i].to_string());
            }
        }
        objs.sort();
        objs.dedup();
        objs
    }

    fn fault(path: &str, code: u32) -> Json {
        json!({"results": [{"path": path, "fault": code, "fault_msg": "fake says no"}]})
    }

    fn param_entry(name: &str, p: &P) -> Json {
        json!({"path": name, "data": p.value, "type": p.ty})
    }

    fn get(&self, path: &str) -> Json {
        if path.ends_with('.') {
            let list: Vec<Json> = self
                .params
                .iter()
                .filter(|(k, _)| k.starts_with(path))
                .map(|(k, v)| Model::param_entry(k, v))
                .collect();
            if list.is_empty() && !self.objects().iter().any(|o| o == path) {
                return Model::fault(path, 9005);
            }
            json!({ "results": list })
        } else {
            match self.params.get(path) {
                Some(v) => json!({"results": [Model::param_entry(path, v)]}),
                None => Model::fault(path, 9005),
            }
        }
    }

    fn schema(&self, path: &str, first_level: bool) -> Json {
        let mut entries = Vec::new();
        if let Some(v) = self.params.get(path) {
            let w = if v.writable { "1" } else { "0" };
            return json!({"results": [{"path": path, "data": w, "type": v.ty}]});
        }
        if !self.objects().iter().any(|o| o == path) {
            return Model::fault(path, 9005);
        }
        let depth = |s: &str| s.trim_end_matches('.').matches('.').count();
        let base = depth(path);
        for o in self.objects() {
            let table_or_instance = self.tables.contains_key(&o)
                || self.tables.keys().any(|t| {
                    o.strip_prefix(t.as_str())
                        .is_some_and(|r| r.trim_end_matches('.').parse::<u32>().is_ok())
                });
            if o.starts_with(path) && (!first_level || depth(&o) == base + 1) {
                let w = if table_or_instance { "1" } else { "0" };
                entries.push(json!({"path": o, "data": w, "type": "xsd:object"}));
            }
        }
        for (k, v) in &self.params {
            if k.starts_with(path) && (!first_level || depth(k) == base + 1) {
                let w = if v.writable { "1" } else { "0" };
                entries.push(json!({"path": k, "data": w, "type": v.ty}));
            }
        }
        json!({ "results": entries })
    }

    fn set(&mut self, path: &str, value: &str, txn: Option<u32>) -> Json {
        let Some(p) = self.params.get(path) else {
            return Model::fault(path, 9005);
        };
        if !p.writable {
            return Model::fault(path, 9008);
        }
        if value == "reject" {
            return Model::fault(path, 9007);
        }
        match (txn, &mut self.txn) {
            (Some(id), Some((open, staged))) if id == *open => {
                staged.push((path.into(), value.into()));
            }
            (Some(_), _) => return Model::fault(path, 9002),
            (None, _) => {
                if let Some(p) = self.params.get_mut(path) {
                    p.value = value.into();
                }
            }
        }
        json!({"results": [{"path": path, "data": "1"}]})
    }

    fn add(&mut self, path: &str) -> Json {
        let Some(next) = self.tables.get_mut(path) else {
            return Model::fault(path, 9005);
        };
        let n = *next;
        *next += 1;
        self.params
            .insert(format!("{path}{n}.Enable"), p("0", "xsd:boolean", true));
        self.params
            .insert(format!("{path}{n}.Description"), p("", "xsd:string", true));
        json!({"results": [{"path": path, "data": n.to_string()}]})
    }

    fn del(&mut self, path: &str) -> Json {
        let before = self.params.len();
        self.params.retain(|k, _| !k.starts_with(path));
        if before == self.params.len() {
            return Model::fault(path, 9005);
        }
        json!({"results": [{"path": path, "data": "1"}]})
    }

    fn transaction(&mut self, cmd: &str) -> Json {
        match cmd {
            "start" if self.txn.is_none() => {
                self.txn = Some((0x8000_0001, Vec::new()));
                // bbfdm's ids are u32; this one travels as a negative int32.
                json!({"status": true, "transaction_id": 0x8000_0001u32 as i32})
            }
            "commit" => match self.txn.take() {
                Some((_, staged)) => {
                    for (k, v) in staged {
                        if let Some(p) = self.params.get_mut(&k) {
                            p.value = v;
                        }
                    }
                    json!({"status": true, "updated_services": ["time"]})
                }
                None => json!({"status": false}),
            },
            "abort" => {
                let had = self.txn.take().is_some();
                json!({"status": had, "reverted_configs": []})
            }
            _ => json!({"status": false}),
        }
    }

    /// The reply to one call, or `None` to never answer.
    fn handle(&mut self, method: &str, args: &Json) -> Option<Json> {
        let path = args["path"].as_str().unwrap_or("").to_string();
        let what = args["cmd"].as_str().unwrap_or(&path);
        self.calls.push(format!("{method} {what}"));
        if path == HANG {
            return None;
        }
        assert_eq!(args["optional"]["proto"], "cwmp", "{method}: {args}");
        let txn = args["optional"]["transaction_id"]
            .as_i64()
            .map(|v| v as i32 as u32);
        Some(match method {
            "get" => {
                assert_eq!(args["optional"]["format"], "raw");
                self.get(&path)
            }
            "schema" => self.schema(&path, args["first_level"].as_bool().unwrap_or(false)),
            "set" => self.set(&path, args["value"].as_str().unwrap_or(""), txn),
            "add" => self.add(&path),
            "del" => self.del(&path),
            "transaction" => self.transaction(args["cmd"].as_str().unwrap_or("")),
            _ => return None,
        })
    }
}

/// The fake `bbfdm` object, served in its own thread until dropped.
struct FakeBbfdm {
    model: Arc<Mutex<Model>>,
    stop: Arc<AtomicBool>,
    registered: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeBbfdm {
    fn start(socket: &Path, def: &'static ObjectDef, model: Arc<Mutex<Model>>) -> FakeBbfdm {
        let stop = Arc::new(AtomicBool::new(false));
        let registered = Arc::new(AtomicBool::new(false));
        let (m, s, r) = (
            Arc::clone(&model),
            Arc::clone(&stop),
            Arc::clone(&registered),
        );
        let socket = socket.to_path_buf();
        let thread = thread::spawn(move || serve(&socket, def, &m, &s, &r));
        let fake = FakeBbfdm {
            model,
            stop,
            registered,
            thread: Some(thread),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !fake.registered.load(Ordering::SeqCst) {
            assert!(
                std::time::Instant::now() < deadline,
                "fake bbfdm not registered"
            );
            thread::sleep(Duration::from_millis(5));
        }
        fake
    }

    fn calls(&self) -> Vec<String> {
        self.model.lock().unwrap().calls.clone()
    }
}

impl Drop for FakeBbfdm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    socket: &Path,
    def: &'static ObjectDef,
    model: &Mutex<Model>,
    stop: &AtomicBool,
    registered: &AtomicBool,
) {
    let epoch = std::time::Instant::now();
    let now = || Instant::from_millis(epoch.elapsed().as_millis() as u64);
    let mut client = Client::new(Config::new(Some(def))).unwrap();
    let mut stream = UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let mut tx = vec![0u8; 256 * 1024];
    let mut rx: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => rx.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
        while let Ok(Framing::Complete { len }) = client.frame_len(&rx) {
            let frame: Vec<u8> = rx.drain(..len).collect();
            match client.handle_frame(&frame) {
                Ok(Some(Event::Invoke(inv))) => {
                    let method = String::from_utf8_lossy(inv.method).into_owned();
                    let args = table_to_json(inv.data);
                    let answer = model.lock().unwrap().handle(&method, &args);
                    if let Some(Json::Object(map)) = answer {
                        let n = client
                            .reply_with(&inv.token, Status::Ok, &mut tx, |w| put_members(w, &map))
                            .unwrap();
                        stream.write_all(&tx[..n]).unwrap();
                    }
                }
                Ok(Some(Event::ObjectRegistered { .. })) => {
                    registered.store(true, Ordering::SeqCst)
                }
                _ => {}
            }
        }
        while let Ok(Some(n)) = client.poll_transmit(now(), &mut tx) {
            stream.write_all(&tx[..n]).unwrap();
        }
        while client.poll_event(now()).is_some() {}
    }
}

struct Setup {
    _ubusd: Ubusd,
    fake: FakeBbfdm,
    backend: Bbfdm,
    socket: PathBuf,
}

fn setup(def: &'static ObjectDef) -> Setup {
    let socket = socket_path();
    let ubusd = Ubusd::start(&socket).unwrap();
    let fake = FakeBbfdm::start(&socket, def, Arc::new(Mutex::new(Model::sample())));
    let mut config = BbfdmConfig::new(&socket);
    config.timeout = Duration::from_millis(500);
    Setup {
        _ubusd: ubusd,
        fake,
        backend: Bbfdm::new(config),
        socket,
    }
}

fn values(b: &mut Bbfdm, path: &str) -> Result<Vec<(String, String, ValueType)>, FaultCode> {
    let mut out = Vec::new();
    b.get(path, &mut |p| {
        out.push((p.name.to_string(), p.value.to_string(), p.value_type));
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

fn names(b: &mut Bbfdm, path: &str, next: bool) -> Result<Vec<(String, bool)>, FaultCode> {
    let mut out = Vec::new();
    b.names(path, next, &mut |n| {
        out.push((n.name.to_string(), n.writable));
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

fn value(b: &mut Bbfdm, name: &str) -> String {
    values(b, name).unwrap()[0].1.clone()
}

#[test]
fn get_reports_values_with_their_types() {
    let mut s = setup(&WITH_TXN);
    assert_eq!(
        values(&mut s.backend, "Device.DeviceInfo.").unwrap(),
        [
            (
                "Device.DeviceInfo.Manufacturer".into(),
                "OpenWrt".into(),
                ValueType::String
            ),
            (
                "Device.DeviceInfo.SerialNumber".into(),
                "SN0001".into(),
                ValueType::String
            ),
            (
                "Device.DeviceInfo.UpTime".into(),
                "4242".into(),
                ValueType::UnsignedInt
            ),
        ]
    );
    assert_eq!(s.fake.calls(), ["get Device.DeviceInfo."]);
}

#[test]
fn the_whole_tree_hides_the_agents_subtree() {
    let mut s = setup(&WITH_TXN);
    let all = values(&mut s.backend, "").unwrap();
    assert_eq!(all.len(), 6);
    assert!(
        all.iter()
            .all(|(n, _, _)| !n.starts_with("Device.ManagementServer."))
    );
    assert_eq!(s.fake.calls(), ["get Device."]);
    let all = names(&mut s.backend, "", false).unwrap();
    assert!(all.iter().any(|(n, _)| n == "Device."));
    assert!(
        all.iter()
            .all(|(n, _)| !n.starts_with("Device.ManagementServer."))
    );
}

#[test]
fn a_bbfdm_fault_is_the_cwmp_fault() {
    let mut s = setup(&WITH_TXN);
    assert_eq!(
        values(&mut s.backend, "Device.Nope.").unwrap_err(),
        FaultCode::INVALID_PARAMETER_NAME
    );
    assert_eq!(
        values(&mut s.backend, "Device.Time.Nope").unwrap_err(),
        FaultCode::INVALID_PARAMETER_NAME
    );
}

#[test]
fn names_follow_get_parameter_names_rules() {
    let mut s = setup(&WITH_TXN);
    assert_eq!(
        names(&mut s.backend, "", true).unwrap(),
        [("Device.".into(), false)]
    );
    assert_eq!(
        names(&mut s.backend, "Device.Time.", true).unwrap(),
        [
            ("Device.Time.Enable".into(), true),
            ("Device.Time.NTPServer1".into(), true)
        ]
    );
    assert_eq!(
        names(&mut s.backend, "Device.Time.", false).unwrap(),
        [
            ("Device.Time.".into(), false),
            ("Device.Time.Enable".into(), true),
            ("Device.Time.NTPServer1".into(), true)
        ]
    );
    assert_eq!(
        names(&mut s.backend, "Device.NAT.", true).unwrap(),
        [
            ("Device.NAT.PortMapping.".into(), true),
            ("Device.NAT.PortMappingNumberOfEntries".into(), false)
        ]
    );
    assert_eq!(
        names(&mut s.backend, "Device.Time.Enable", false).unwrap(),
        [("Device.Time.Enable".into(), true)]
    );
    assert_eq!(
        names(&mut s.backend, "Device.Time.Enable", true).unwrap_err(),
        FaultCode::INVALID_ARGUMENTS
    );
    assert_eq!(
        names(&mut s.backend, "Device.Nope.", true).unwrap_err(),
        FaultCode::INVALID_PARAMETER_NAME
    );
}

#[test]
fn check_uses_the_schema() {
    let mut s = setup(&WITH_TXN);
    let b = &mut s.backend;
    assert_eq!(
        b.check("Device.Time.Enable", "false", ValueType::Boolean),
        Ok(())
    );
    assert_eq!(
        b.check("Device.DeviceInfo.UpTime", "1", ValueType::UnsignedInt),
        Err(FaultCode::NON_WRITABLE_PARAMETER)
    );
    assert_eq!(
        b.check("Device.Time.Nope", "1", ValueType::String),
        Err(FaultCode::INVALID_PARAMETER_NAME)
    );
    assert_eq!(
        b.check("Device.Time.Enable", "1", ValueType::UnsignedInt),
        Err(FaultCode::INVALID_PARAMETER_TYPE)
    );
    assert_eq!(
        b.check("Device.Time.Enable", "maybe", ValueType::Boolean),
        Err(FaultCode::INVALID_PARAMETER_VALUE)
    );
    assert_eq!(
        b.check(
            "Device.ManagementServer.URL",
            "http://x/",
            ValueType::String
        ),
        Err(FaultCode::INVALID_PARAMETER_NAME)
    );
}

#[test]
fn set_round_trip_inside_a_transaction() {
    let mut s = setup(&WITH_TXN);
    let b = &mut s.backend;
    b.begin().unwrap();
    b.stage("Device.Time.NTPServer1", "ntp.example", ValueType::String)
        .unwrap();
    b.stage("Device.Time.Enable", "0", ValueType::Boolean)
        .unwrap();
    // Staged in bbfdm's transaction, not applied yet.
    assert_eq!(value(b, "Device.Time.NTPServer1"), "pool.ntp.org");
    assert_eq!(b.commit(), Ok(Applied::Now));
    assert_eq!(
        s.fake.calls(),
        [
            "transaction start",
            "set Device.Time.NTPServer1",
            "set Device.Time.Enable",
            "get Device.Time.NTPServer1",
            "transaction commit",
        ]
    );
    assert_eq!(value(b, "Device.Time.NTPServer1"), "ntp.example");
    assert_eq!(value(b, "Device.Time.Enable"), "0");
}

#[test]
fn an_aborted_transaction_changes_nothing() {
    let mut s = setup(&WITH_TXN);
    let b = &mut s.backend;
    b.begin().unwrap();
    b.stage("Device.Time.NTPServer1", "ntp.example", ValueType::String)
        .unwrap();
    b.abort();
    assert_eq!(value(b, "Device.Time.NTPServer1"), "pool.ntp.org");
    assert!(s.fake.model.lock().unwrap().txn.is_none());
}

#[test]
fn a_value_bbfdm_refuses_is_9007_and_the_rest_is_dropped() {
    let mut s = setup(&WITH_TXN);
    let b = &mut s.backend;
    b.begin().unwrap();
    b.stage("Device.Time.NTPServer1", "ntp.example", ValueType::String)
        .unwrap();
    assert_eq!(
        b.stage("Device.Time.Enable", "reject", ValueType::String),
        Err(FaultCode::INVALID_PARAMETER_VALUE)
    );
    b.abort();
    assert_eq!(value(b, "Device.Time.NTPServer1"), "pool.ntp.org");
}

#[test]
fn without_transactions_values_apply_at_commit() {
    let mut s = setup(&WITHOUT_TXN);
    let b = &mut s.backend;
    b.begin().unwrap();
    b.stage("Device.Time.NTPServer1", "ntp.example", ValueType::String)
        .unwrap();
    assert_eq!(value(b, "Device.Time.NTPServer1"), "pool.ntp.org");
    assert_eq!(b.commit(), Ok(Applied::Now));
    assert_eq!(value(b, "Device.Time.NTPServer1"), "ntp.example");
    assert!(!s.fake.calls().iter().any(|c| c.starts_with("transaction")));
}

#[test]
fn without_transactions_a_refused_value_sets_the_others_back() {
    let mut s = setup(&WITHOUT_TXN);
    let b = &mut s.backend;
    b.begin().unwrap();
    b.stage("Device.Time.NTPServer1", "ntp.example", ValueType::String)
        .unwrap();
    b.stage("Device.Time.Enable", "reject", ValueType::String)
        .unwrap();
    assert_eq!(b.commit(), Err(FaultCode::INVALID_PARAMETER_VALUE));
    assert_eq!(value(b, "Device.Time.NTPServer1"), "pool.ntp.org");
    assert_eq!(value(b, "Device.Time.Enable"), "1");
}

#[test]
fn add_and_delete_round_trip() {
    for def in [&WITH_TXN, &WITHOUT_TXN] {
        let mut s = setup(def);
        let b = &mut s.backend;
        assert_eq!(
            b.add_object("Device.NAT.PortMapping."),
            Ok((1, Applied::Now))
        );
        assert_eq!(
            b.add_object("Device.NAT.PortMapping."),
            Ok((2, Applied::Now))
        );
        assert_eq!(
            names(b, "Device.NAT.PortMapping.", true).unwrap(),
            [
                ("Device.NAT.PortMapping.1.".into(), true),
                ("Device.NAT.PortMapping.2.".into(), true)
            ]
        );
        assert_eq!(
            b.delete_object("Device.NAT.PortMapping.1."),
            Ok(Applied::Now)
        );
        assert_eq!(
            values(b, "Device.NAT.PortMapping.").unwrap(),
            [
                (
                    "Device.NAT.PortMapping.2.Description".into(),
                    "".into(),
                    ValueType::String
                ),
                (
                    "Device.NAT.PortMapping.2.Enable".into(),
                    "0".into(),
                    ValueType::Boolean
                ),
            ]
        );
        assert_eq!(
            b.delete_object("Device.NAT.PortMapping.1."),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        assert_eq!(
            b.add_object("Device.Nope."),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        let txns = s
            .fake
            .calls()
            .iter()
            .filter(|c| c.starts_with("transaction"))
            .count();
        if std::ptr::eq(def, &WITH_TXN) {
            // start + commit around each successful call, start + abort around each fault.
            assert_eq!(txns, 10);
        } else {
            assert_eq!(txns, 0);
        }
    }
}

#[test]
fn a_call_bbfdm_never_answers_times_out_as_9002() {
    let mut s = setup(&WITH_TXN);
    let started = std::time::Instant::now();
    assert_eq!(
        values(&mut s.backend, HANG).unwrap_err(),
        FaultCode::INTERNAL_ERROR
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    // The connection still works afterwards.
    assert_eq!(value(&mut s.backend, "Device.DeviceInfo.UpTime"), "4242");
}

#[test]
fn no_bbfdm_object_is_9002() {
    let socket = socket_path();
    let _ubusd = Ubusd::start(&socket).unwrap();
    let mut b = Bbfdm::new(BbfdmConfig::new(&socket));
    assert_eq!(
        values(&mut b, "Device.").unwrap_err(),
        FaultCode::INTERNAL_ERROR
    );
}

#[test]
fn no_ubusd_is_9002() {
    let mut b = Bbfdm::new(BbfdmConfig::new(socket_path()));
    assert_eq!(
        values(&mut b, "Device.").unwrap_err(),
        FaultCode::INTERNAL_ERROR
    );
}

#[test]
fn a_restarted_bbfdm_is_found_again() {
    let s = setup(&WITH_TXN);
    let Setup {
        _ubusd,
        fake,
        mut backend,
        socket,
    } = s;
    assert_eq!(value(&mut backend, "Device.DeviceInfo.UpTime"), "4242");
    let model = Arc::clone(&fake.model);
    drop(fake);
    // Give ubusd a moment to drop the old object before the new one registers.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while _ubusd.object_paths().iter().any(|p| p == "bbfdm") {
        assert!(std::time::Instant::now() < deadline);
        thread::sleep(Duration::from_millis(5));
    }
    let _again = FakeBbfdm::start(&socket, &WITH_TXN, model);
    assert_eq!(value(&mut backend, "Device.DeviceInfo.UpTime"), "4242");
}
