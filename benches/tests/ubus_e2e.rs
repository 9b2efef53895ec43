//! End to end over a real Unix socket: the broker, the `tr069` object served by the core client
//! and control API (with a test double as the agent), and `ubus call`-style callers.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cwmp_bench::ubus_client::{Tr069Server, UbusConnection};
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::control::{
    Command, CommandOutcome, ControlHandler, CwmpInfo, InformOutcome, InformRequest, LastSession,
    NextSession, ServiceStatus, Statistics, StatusReply,
};
use cwmp_core::time::UnixTime;
use cwmp_core::ubus::msg::Status;
use serde_json::{Value as Json, json};

const TIMEOUT: Duration = Duration::from_secs(5);

fn socket_path() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "cwmp-ubusd-{}-{}.sock",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

#[derive(Default)]
struct Log {
    informs: Vec<InformRequest>,
    commands: Vec<Command>,
}

struct Agent {
    log: Arc<Mutex<Log>>,
}

impl ControlHandler for Agent {
    fn status(&self) -> StatusReply<'_> {
        StatusReply {
            cwmp: CwmpInfo {
                acs_url: "http://acs.example:7547/",
                start_time: Some(UnixTime(1_704_067_200)),
                status: ServiceStatus::Up,
            },
            last_session: LastSession::Failure {
                start: UnixTime(1_704_067_260),
                end: UnixTime(1_704_067_290),
            },
            next_session: NextSession { start_time: None },
            statistics: Statistics {
                success_sessions: 2,
                failure_sessions: 1,
            },
        }
    }
    fn inform(&mut self, request: InformRequest) -> InformOutcome<'_> {
        self.log.lock().unwrap().informs.push(request);
        InformOutcome::Started
    }
    fn command(&mut self, command: Command) -> CommandOutcome<'_> {
        self.log.lock().unwrap().commands.push(command);
        if command == Command::Exit {
            CommandOutcome::Refused("exit is disabled in this test")
        } else {
            CommandOutcome::Done
        }
    }
}

fn setup() -> (Ubusd, Tr069Server, Arc<Mutex<Log>>, PathBuf) {
    let path = socket_path();
    let ubusd = Ubusd::start(&path).unwrap();
    let log = Arc::new(Mutex::new(Log::default()));
    let server = Tr069Server::start(
        &path,
        Agent {
            log: Arc::clone(&log),
        },
    );
    assert!(server.wait_registered(1, TIMEOUT), "tr069 never registered");
    (ubusd, server, log, path)
}

fn call(path: &Path, object: &str, method: &str, args: Json) -> (Status, Vec<Json>) {
    let mut conn = UbusConnection::connect(path, TIMEOUT).unwrap();
    let reply = conn.call(object, method, &args).unwrap();
    (reply.status, reply.data)
}

#[test]
fn status_answers_every_seed_field() {
    let (_ubusd, _server, _log, path) = setup();
    let (status, data) = call(&path, "tr069", "status", json!({}));
    assert_eq!(status, Status::Ok);
    assert_eq!(
        data,
        [json!({
            "cwmp": {
                "status": "up",
                "start_time": "2024-01-01T00:00:00Z",
                "acs_url": "http://acs.example:7547/"
            },
            "last_session": {
                "status": "failure",
                "start_time": "2024-01-01T00:01:00Z",
                "end_time": "2024-01-01T00:01:30Z"
            },
            "next_session": { "status": "waiting", "start_time": "N/A", "end_time": "N/A" },
            "statistics": { "success_sessions": 2, "failure_sessions": 1, "total_sessions": 3 }
        })]
    );
}

#[test]
fn inform_and_command_reach_the_agent() {
    let (_ubusd, _server, log, path) = setup();
    let (status, data) = call(
        &path,
        "tr069",
        "inform",
        json!({"GetRPCMethods": true, "event": "8 DIAGNOSTICS COMPLETE"}),
    );
    assert_eq!(status, Status::Ok);
    assert_eq!(
        data,
        [json!({"status": 1, "info": "Session with GetRPCMethods will start"})]
    );
    let (status, data) = call(&path, "tr069", "command", json!({"command": "reload"}));
    assert_eq!(status, Status::Ok);
    assert_eq!(
        data,
        [json!({"status": 0, "info": "cwmpd config reloaded"})]
    );
    let (_, data) = call(&path, "tr069", "command", json!({"command": "exit"}));
    assert_eq!(
        data,
        [json!({"status": -1, "info": "exit is disabled in this test"})]
    );
    let log = log.lock().unwrap();
    assert_eq!(log.commands, [Command::Reload, Command::Exit]);
    assert_eq!(log.informs.len(), 1);
    assert!(log.informs[0].get_rpc_methods);
}

#[test]
fn invalid_calls_get_ubus_errors_and_do_not_reach_the_agent() {
    let (_ubusd, _server, log, path) = setup();
    for (method, args) in [
        ("command", json!({})),
        ("command", json!({"command": "reboot"})),
        ("command", json!({"command": 1})),
        ("inform", json!({"event": "0 BOOTSTRAP"})),
        ("inform", json!({"GetRPCMethods": "yes"})),
        ("status", json!({"verbose": true})),
    ] {
        let (status, data) = call(&path, "tr069", method, args.clone());
        assert_eq!(status, Status::InvalidArgument, "{method} {args}");
        assert!(data.is_empty());
    }
    let (status, _) = call(&path, "tr069", "nosuch", json!({}));
    assert_eq!(status, Status::MethodNotFound);
    let (status, _) = call(&path, "nosuchobj", "status", json!({}));
    assert_eq!(status, Status::NotFound);
    let log = log.lock().unwrap();
    assert!(log.commands.is_empty() && log.informs.is_empty());
}

#[test]
fn list_shows_the_seed_signature() {
    let (_ubusd, _server, _log, path) = setup();
    let mut conn = UbusConnection::connect(&path, TIMEOUT).unwrap();
    let (status, objects) = conn.list(Some("tr0*")).unwrap();
    assert_eq!(status, Status::Ok);
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].path, "tr069");
    assert_eq!(
        objects[0].signature,
        json!({
            "status": {},
            "inform": {"GetRPCMethods": 7, "event": 3},
            "command": {"command": 3}
        })
    );
}

#[test]
fn object_is_registered_again_when_ubusd_comes_back() {
    let (ubusd, server, _log, path) = setup();
    ubusd.stop();
    let ubusd = Ubusd::start(&path).unwrap();
    assert!(
        server.wait_registered(2, TIMEOUT),
        "tr069 not registered again"
    );
    assert_eq!(ubusd.object_paths(), ["tr069"]);
    let (status, data) = call(&path, "tr069", "status", json!({}));
    assert_eq!(status, Status::Ok);
    assert_eq!(data[0]["cwmp"]["status"], "up");
}

#[test]
fn events_can_be_sent_but_not_as_ubusd() {
    let (_ubusd, _server, _log, path) = setup();
    let mut conn = UbusConnection::connect(&path, TIMEOUT).unwrap();
    assert_eq!(
        conn.send("tr069.test", &json!({"n": 1})).unwrap(),
        Status::Ok
    );
    assert_eq!(
        conn.send("ubus.object.add", &json!({})).unwrap(),
        Status::PermissionDenied
    );
}

#[test]
fn oversized_frame_gets_the_client_disconnected() {
    use std::io::{Read, Write};
    let path = socket_path();
    let ubusd = Ubusd::start(&path).unwrap();
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let mut hello = [0u8; 12];
    s.read_exact(&mut hello).unwrap();
    // A root length of 16 MiB - 1: above UBUS_MAX_MSGLEN.
    s.write_all(&[0, 3, 0, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff])
        .unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut rest = Vec::new();
    let n = s.read_to_end(&mut rest).unwrap();
    assert_eq!(n, 0);
    drop(ubusd);
}
