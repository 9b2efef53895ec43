//! `call_ubus` against the harness broker with the `tr069` object served for a test agent:
//! what `cwmpd status|inform|command` print, and the typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client_support;

use std::io;
use std::time::Duration;

use client_support::{Agent, SilentObject, TIMEOUT, UbusSide, result_text, status_text, temp_dir};
use cwmp_bench::ubus_client::UbusConnection;
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::control::{
    Command, CommandOutcome, InformEvent, InformOutcome, InformRequest, Method, Request,
};
use cwmp_platform::client::{Args, ClientError, call_ubus};

#[test]
fn status_prints_the_reply_as_indented_json_in_wire_order() {
    let dir = temp_dir("cu-status");
    let sock = dir.join("ubus.sock");
    let _ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    let out = call_ubus(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap();
    assert_eq!(out, status_text("http://acs.example:7547/"));
}

#[test]
fn inform_round_trip() {
    let dir = temp_dir("cu-inform");
    let sock = dir.join("ubus.sock");
    let ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    let request = Request::Inform(InformRequest {
        get_rpc_methods: true,
        event: Some(InformEvent::Boot),
    });
    let out = call_ubus(&sock, Method::Inform, &Args::from(&request), TIMEOUT).unwrap();
    assert_eq!(out, result_text(1, "Session with GetRPCMethods will start"));
    assert_eq!(*ubus.seen.lock().unwrap(), [request]);
}

#[test]
fn empty_inform_asks_for_a_session() {
    let dir = temp_dir("cu-inform0");
    let sock = dir.join("ubus.sock");
    let ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    let out = call_ubus(&sock, Method::Inform, &Args::new(), TIMEOUT).unwrap();
    assert_eq!(out, result_text(1, "Session started"));
    assert_eq!(
        *ubus.seen.lock().unwrap(),
        [Request::Inform(InformRequest::default())]
    );
}

#[test]
fn command_round_trip() {
    let dir = temp_dir("cu-command");
    let sock = dir.join("ubus.sock");
    let ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    let args = Args::new().string("command", "reload");
    let out = call_ubus(&sock, Method::Command, &args, TIMEOUT).unwrap();
    assert_eq!(out, result_text(0, "cwmpd config reloaded"));
    assert_eq!(
        *ubus.seen.lock().unwrap(),
        [Request::Command(Command::Reload)]
    );
}

#[test]
fn refusal_info_is_escaped() {
    let dir = temp_dir("cu-refused");
    let sock = dir.join("ubus.sock");
    let mut agent = Agent::new("http://acs.example:7547/");
    agent.command_outcome = CommandOutcome::Refused("bad \"url\"\n\tline 3");
    agent.inform_outcome = InformOutcome::Refused("event queue full");
    let _ubus = UbusSide::start(&sock, agent);
    let args = Args::new().string("command", "reload");
    let out = call_ubus(&sock, Method::Command, &args, TIMEOUT).unwrap();
    assert_eq!(out, result_text(-1, "bad \\\"url\\\"\\n\\tline 3"));
    let out = call_ubus(&sock, Method::Inform, &Args::new(), TIMEOUT).unwrap();
    assert_eq!(out, result_text(-1, "event queue full"));
}

#[test]
fn bad_argument_is_ubus_status_2() {
    let dir = temp_dir("cu-badarg");
    let sock = dir.join("ubus.sock");
    let ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    for (method, args) in [
        (Method::Command, Args::new().string("command", "reboot")),
        (Method::Command, Args::new()),
        (Method::Inform, Args::new().string("GetRPCMethods", "true")),
        (Method::Inform, Args::new().string("event", "0 BOOTSTRAP")),
        (Method::Status, Args::new().boolean("verbose", true)),
    ] {
        let e = call_ubus(&sock, method, &args, TIMEOUT).unwrap_err();
        assert!(
            matches!(e, ClientError::Status(2, "Invalid argument")),
            "{method:?} {args:?}: {e:?}"
        );
        assert_eq!(e.to_string(), "Invalid argument");
    }
    assert!(ubus.seen.lock().unwrap().is_empty());
}

#[test]
fn missing_socket_is_a_connect_error() {
    let dir = temp_dir("cu-missing");
    let sock = dir.join("nothing.sock");
    let e = call_ubus(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap_err();
    match e {
        ClientError::Connect { socket, error } => {
            assert_eq!(socket, sock);
            assert_eq!(error.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ubusd_without_tr069_is_no_object() {
    let dir = temp_dir("cu-noobj");
    let sock = dir.join("ubus.sock");
    let _ubusd = Ubusd::start(&sock).unwrap();
    let e = call_ubus(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap_err();
    assert!(
        matches!(&e, ClientError::NoObject { socket } if *socket == sock),
        "{e:?}"
    );
}

#[test]
fn a_socket_that_does_not_greet_is_a_connect_error() {
    let dir = temp_dir("cu-nohello");
    let sock = dir.join("mute.sock");
    let _mute = client_support::silent_server(&sock);
    let e = call_ubus(
        &sock,
        Method::Status,
        &Args::new(),
        Duration::from_millis(200),
    )
    .unwrap_err();
    match e {
        ClientError::Connect { error, .. } => assert_eq!(error.kind(), io::ErrorKind::TimedOut),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_object_that_never_answers_times_out_with_status_7() {
    let dir = temp_dir("cu-timeout");
    let sock = dir.join("ubus.sock");
    let _ubusd = Ubusd::start(&sock).unwrap();
    let _silent = SilentObject::start(&sock);
    let e = call_ubus(
        &sock,
        Method::Status,
        &Args::new(),
        Duration::from_millis(300),
    )
    .unwrap_err();
    assert!(
        matches!(e, ClientError::Status(7, "Request timed out")),
        "{e:?}"
    );
}

#[test]
fn printed_json_means_what_the_ubus_cli_shows() {
    // An independent reading of the same reply (the harness's `ubus call`, through
    // serde_json) must equal our printed text parsed back.
    let dir = temp_dir("cu-cross");
    let sock = dir.join("ubus.sock");
    let _ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/\u{e9}\"x\""));
    let ours = call_ubus(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap();
    let mut cli = UbusConnection::connect(&sock, TIMEOUT).unwrap();
    let theirs = cli.call("tr069", "status", &serde_json::json!({})).unwrap();
    assert_eq!(theirs.data.len(), 1);
    let parsed: serde_json::Value = serde_json::from_str(&ours).unwrap();
    assert_eq!(parsed, theirs.data[0]);
}

#[test]
fn arguments_larger_than_one_request_are_refused_before_sending() {
    let dir = temp_dir("cu-large");
    let sock = dir.join("ubus.sock");
    let ubus = UbusSide::start(&sock, Agent::new("http://acs.example:7547/"));
    let args = Args::new().string("event", &"x".repeat(8192));
    let e = call_ubus(&sock, Method::Inform, &args, TIMEOUT).unwrap_err();
    assert!(matches!(e, ClientError::ArgumentsTooLarge), "{e:?}");
    assert!(ubus.seen.lock().unwrap().is_empty());
}
