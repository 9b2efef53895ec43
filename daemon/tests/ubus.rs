//! The `tr069` API on ubus (harness broker), through the harness ubus client, through the
//! `cwmpd` CLI over ubus and over the control socket: output shapes as the seed contract
//! (`tr069-ubus-api.md`) names them, status 2 for invalid arguments, `command exit`, and
//! registration surviving ubusd restarts and ubusd appearing late.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Node, WAIT, stdout_json, wait_until};
use cwmp_bench::acs::{Acs, AcsOptions, Message};
use cwmp_bench::ubus_client::{CallReply, UbusConnection};
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::ubus::msg::Status;
use serde_json::{Value as Json, json};

/// The replies `inform` may give when accepted.
const INFORM_INFOS: [&str; 3] = [
    "Session started",
    "Session with GetRPCMethods will start",
    "Session already running, event will be sent at the end of the session",
];

fn keys(v: &Json) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    s == "N/A"
        || (b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && s.chars()
                .enumerate()
                .all(|(i, c)| [4, 7, 10, 13, 16, 19].contains(&i) || c.is_ascii_digit()))
}

/// `status` output: exactly the seed's members and types.
fn check_status(v: &Json, acs_url: &str) {
    assert_eq!(
        keys(v),
        ["cwmp", "last_session", "next_session", "statistics"],
        "{v}"
    );
    assert_eq!(keys(&v["cwmp"]), ["acs_url", "start_time", "status"], "{v}");
    assert_eq!(v["cwmp"]["status"], "up");
    assert_eq!(v["cwmp"]["acs_url"], acs_url);
    assert!(is_time(v["cwmp"]["start_time"].as_str().unwrap()), "{v}");
    for s in ["last_session", "next_session"] {
        assert_eq!(keys(&v[s]), ["end_time", "start_time", "status"], "{v}");
        assert!(v[s]["status"].is_string(), "{v}");
        assert!(is_time(v[s]["start_time"].as_str().unwrap()), "{v}");
        assert!(is_time(v[s]["end_time"].as_str().unwrap()), "{v}");
    }
    assert_eq!(v["next_session"]["status"], "waiting");
    assert_eq!(v["next_session"]["end_time"], "N/A");
    assert_eq!(
        keys(&v["statistics"]),
        ["failure_sessions", "success_sessions", "total_sessions"]
    );
    let n = |k: &str| v["statistics"][k].as_i64().unwrap_or(-1);
    assert!(n("success_sessions") >= 1, "the boot session: {v}");
    assert!(n("failure_sessions") >= 0);
    assert_eq!(
        n("total_sessions"),
        n("success_sessions") + n("failure_sessions")
    );
}

/// `{status: integer, info: string}` with this status.
fn check_reply(v: &Json, status: i64, infos: &[&str]) {
    assert_eq!(keys(v), ["info", "status"], "{v}");
    assert_eq!(v["status"].as_i64(), Some(status), "{v}");
    let info = v["info"].as_str().unwrap();
    assert!(infos.contains(&info), "{v}");
}

fn only_data(r: &CallReply) -> &Json {
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.data.len(), 1, "{r:?}");
    &r.data[0]
}

fn registered(ubusd: &Ubusd, timeout: Duration) -> bool {
    wait_until(
        || ubusd.object_paths().iter().any(|p| p == "tr069"),
        timeout,
    )
}

fn ubus_node(tag: &str, acs: &Acs) -> (Node, Ubusd) {
    let mut node = Node::new(tag, &acs.url());
    let sock = node.path("ubus.sock");
    let ubusd = Ubusd::start(&sock).unwrap();
    node.ubus = Some(sock);
    (node, ubusd)
}

#[test]
fn api_over_ubus_the_cli_and_the_control_socket() {
    let acs = Acs::start(AcsOptions::default());
    let (mut node, ubusd) = ubus_node("ubus", &acs);
    let mut d = node.start();
    assert!(registered(&ubusd, WAIT));
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let sock = node.ubus.clone().unwrap();
    let mut ubus = UbusConnection::connect(&sock, Duration::from_secs(5)).unwrap();

    // --- harness ubus client (`ubus call tr069 ...`)
    let (st, objs) = ubus.list(Some("tr069")).unwrap();
    assert_eq!(st, Status::Ok);
    let sig = &objs[0].signature;
    // `ubus -v list tr069`: blobmsg type 3 is String, 7 Boolean.
    assert_eq!(
        sig,
        &json!({"command": {"command": 3}, "inform": {"GetRPCMethods": 7, "event": 3}, "status": {}})
    );
    check_status(
        only_data(&ubus.call("tr069", "status", &json!({})).unwrap()),
        &acs.url(),
    );
    check_reply(
        only_data(&ubus.call("tr069", "inform", &json!({})).unwrap()),
        1,
        &["Session started"],
    );
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[1].event_codes(), ["6 CONNECTION REQUEST"]);
    node.wait_idle(2);
    check_reply(
        only_data(
            &ubus
                .call(
                    "tr069",
                    "inform",
                    &json!({"GetRPCMethods": true, "event": "8 DIAGNOSTICS COMPLETE"}),
                )
                .unwrap(),
        ),
        1,
        &["Session with GetRPCMethods will start"],
    );
    let with_grm = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .iter()
                .find(|s| s.event_codes().contains(&"8 DIAGNOSTICS COMPLETE") && s.is_completed())
                .cloned()
        })
        .unwrap_or_else(|| {
            panic!(
                "{:?}",
                acs.sessions()
                    .iter()
                    .map(|s| s.event_codes().join(","))
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(with_grm.cpe_requests, [Message::GetRPCMethods]);
    check_reply(
        only_data(
            &ubus
                .call("tr069", "command", &json!({"command": "reload"}))
                .unwrap(),
        ),
        0,
        &[
            "cwmpd config reloaded",
            "Session running, reload at the end of the session",
        ],
    );
    check_reply(
        only_data(
            &ubus
                .call(
                    "tr069",
                    "command",
                    &json!({"command": "reload_end_session"}),
                )
                .unwrap(),
        ),
        0,
        &["cwmpd config will reload at the end of the session"],
    );
    for (method, args) in [
        ("command", json!({"command": "reboot"})),
        ("command", json!({})),
        ("command", json!({"command": 1})),
        ("inform", json!({"GetRPCMethods": 1})),
        ("inform", json!({"event": "5 KICKED"})),
        ("inform", json!({"event": "1 BOOT", "bogus": "x"})),
        ("status", json!({"x": 1})),
    ] {
        let r = ubus.call("tr069", method, &args).unwrap();
        assert_eq!(r.status, Status::InvalidArgument, "{method} {args}: {r:?}");
        assert!(r.data.is_empty(), "{r:?}");
    }
    let r = ubus.call("tr069", "nope", &json!({})).unwrap();
    assert_eq!(r.status, Status::MethodNotFound);

    // --- `cwmpd status|inform|command` over ubus (no control socket to fall back on)
    let out = node.cli_ubus(&["status"]);
    assert!(out.status.success(), "{out:?}");
    check_status(&stdout_json(&out), &acs.url());
    let out = node.cli_ubus(&["inform", "-e", "2 PERIODIC"]);
    assert!(out.status.success(), "{out:?}");
    check_reply(&stdout_json(&out), 1, &INFORM_INFOS);
    let out = node.cli_ubus(&["command", "reload_end_session"]);
    check_reply(
        &stdout_json(&out),
        0,
        &["cwmpd config will reload at the end of the session"],
    );
    let out = node.cli_ubus(&["command", "bogus"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Invalid argument"),
        "{out:?}"
    );

    // --- the same over the control socket (`--no-ubus` client, then raw lines)
    let out = node.cli(&["status"]);
    assert!(out.status.success(), "{out:?}");
    check_status(&stdout_json(&out), &acs.url());
    let out = node.cli(&["inform", "-g"]);
    assert!(out.status.success(), "{out:?}");
    check_reply(&stdout_json(&out), 1, &INFORM_INFOS);
    let out = node.cli(&["inform", "-e", "9 REQUEST DOWNLOAD"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = node.cli(&["command", "reboot"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let r = node.control("{\"method\":\"command\",\"args\":{\"command\":\"reboot\"}}");
    assert_eq!(
        r,
        json!({"error": {"code": 2, "message": "Invalid argument"}})
    );
    let r = node.control("{\"method\":\"status\"}");
    check_status(&r["result"], &acs.url());
    let r = node.control("not json");
    assert_eq!(r["error"]["code"], 12, "{r}");

    // --- `command exit` over ubus: answered, then a clean stop with the state on disk.
    let before = acs.sessions().len();
    let r = ubus
        .call("tr069", "command", &json!({"command": "exit"}))
        .unwrap();
    check_reply(only_data(&r), 0, &["cwmpd daemon stopped"]);
    let status = d.wait_exit(WAIT).expect("exit after `command exit`");
    assert_eq!(status.code(), Some(0), "{}", d.logs());
    assert!(node.state_file().exists());
    assert!(!node.ctl().exists(), "the control socket is removed");
    drop(d);
    let settled = acs.wait_for(WAIT, |r| {
        r.sessions
            .iter()
            .all(|s| s.outcome != cwmp_bench::acs::Outcome::InProgress)
            .then_some(r.sessions.len())
    });
    let _d = node.start();
    let n = settled.unwrap_or(before) + 1;
    let s = acs.wait_for_sessions(n, WAIT);
    assert_eq!(
        s[n - 1].event_codes(),
        ["1 BOOT"],
        "the persisted state says the ACS knows the device"
    );
}

#[test]
fn tr069_is_registered_again_after_ubusd_restarts() {
    let acs = Acs::start(AcsOptions::default());
    let (mut node, ubusd) = ubus_node("ubusre", &acs);
    let mut d = node.start();
    assert!(registered(&ubusd, WAIT));
    let sock = node.ubus.clone().unwrap();
    ubusd.stop();
    let ubusd = Ubusd::start(&sock).unwrap();
    assert!(registered(&ubusd, WAIT), "{}", d.logs());
    let mut ubus = UbusConnection::connect(&sock, Duration::from_secs(5)).unwrap();
    check_status(
        only_data(&ubus.call("tr069", "status", &json!({})).unwrap()),
        &acs.url(),
    );
    assert!(d.is_running());
}

#[test]
fn ubusd_appearing_after_the_daemon_gets_tr069_registered() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("ubuslate", &acs.url());
    let sock = node.path("ubus.sock");
    node.ubus = Some(sock.clone());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    assert!(d.is_running(), "no ubusd is not fatal");
    let ubusd = Ubusd::start(&sock).unwrap();
    assert!(registered(&ubusd, WAIT), "{}", d.logs());
    let mut ubus = UbusConnection::connect(&sock, Duration::from_secs(5)).unwrap();
    check_status(
        only_data(&ubus.call("tr069", "status", &json!({})).unwrap()),
        &acs.url(),
    );
}

#[test]
fn inform_is_refused_without_an_acs_url_and_the_daemon_idles() {
    let mut node = Node::new("nourl", "");
    node.uci.unset("acs", "url");
    let d = node.start();
    let r = node.control("{\"method\":\"inform\",\"args\":{\"event\":\"2 PERIODIC\"}}");
    assert_eq!(r["result"]["status"], -1, "{r}");
    assert!(
        r["result"]["info"].as_str().is_some_and(|i| !i.is_empty()),
        "{r}"
    );
    let st = node.control("{\"method\":\"status\"}");
    assert_eq!(st["result"]["cwmp"]["acs_url"], "", "{st}");
    assert_eq!(st["result"]["last_session"]["status"], "N/A", "{st}");
    assert_eq!(st["result"]["next_session"]["start_time"], "N/A", "{st}");
    let out = node.cli(&["inform"]);
    assert!(
        out.status.success(),
        "a refusal is a reply, not an error: {out:?}"
    );
    assert_eq!(stdout_json(&out)["status"], -1);
    let ticks = d.cpu_ticks();
    std::thread::sleep(Duration::from_millis(1000)); // the idle window measured
    assert!(d.cpu_ticks() - ticks <= 2, "idle without an ACS");
}

#[test]
fn control_socket_lines_split_across_writes_and_overlong_lines() {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::net::UnixStream;

    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("ctlline", &acs.url());
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);

    // One request written in pieces, then two in one write: three replies in order.
    let mut s = UnixStream::connect(node.ctl()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(b"{\"method\":\"sta").unwrap();
    std::thread::sleep(Duration::from_millis(50)); // the daemon sees half a line first
    s.write_all(b"tus\"}\n").unwrap();
    s.write_all(
        b"{\"method\":\"command\",\"args\":{\"command\":\"x\"}}\n{\"method\":\"status\"}\n",
    )
    .unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        lines.push(serde_json::from_str::<Json>(&l).unwrap());
    }
    check_status(&lines[0]["result"], &acs.url());
    assert_eq!(lines[1]["error"]["code"], 2);
    check_status(&lines[2]["result"], &acs.url());

    // A line longer than the daemon takes: a parse error, then the daemon stops listening to
    // that client; others are served.
    let mut s = UnixStream::connect(node.ctl()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let long = format!(
        "{{\"method\":\"status\",\"args\":{{\"x\":\"{}\"}}}}\n",
        "a".repeat(20_000)
    );
    let _ = s.write_all(long.as_bytes());
    let mut l = String::new();
    BufReader::new(s).read_line(&mut l).unwrap();
    let v: Json = serde_json::from_str(&l).unwrap();
    assert_eq!(v["error"]["code"], 12, "{v}");
    check_status(
        &node.control("{\"method\":\"status\"}")["result"],
        &acs.url(),
    );
}
