//! `call_control` against a JSON control socket served with core's `control::json::serve`:
//! the same printed text as over ubus, and the typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client_support;

use std::io;
use std::time::Duration;

use client_support::{
    Agent, TIMEOUT, closing_server, control_server, result_text, silent_server, status_text,
    temp_dir,
};
use cwmp_core::control::{Command, CommandOutcome, InformEvent, InformRequest, Method, Request};
use cwmp_platform::client::{Args, ClientError, call_control};

#[test]
fn status_prints_the_same_text_as_over_ubus() {
    let dir = temp_dir("cc-status");
    let sock = dir.join("control.sock");
    let (_server, _) = control_server(&sock, Agent::new("http://acs.example:7547/"));
    let out = call_control(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap();
    assert_eq!(out, status_text("http://acs.example:7547/"));
}

#[test]
fn strings_with_escapes_are_reprinted_canonically() {
    let dir = temp_dir("cc-escape");
    let sock = dir.join("control.sock");
    let (_server, _) = control_server(&sock, Agent::new("http://h/\u{e9}\"q\"\\"));
    let out = call_control(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap();
    assert_eq!(out, status_text("http://h/\u{e9}\\\"q\\\"\\\\"));
}

#[test]
fn inform_round_trip() {
    let dir = temp_dir("cc-inform");
    let sock = dir.join("control.sock");
    let (_server, seen) = control_server(&sock, Agent::new("http://acs.example:7547/"));
    let request = Request::Inform(InformRequest {
        get_rpc_methods: false,
        event: Some(InformEvent::ValueChange),
    });
    let out = call_control(&sock, Method::Inform, &Args::from(&request), TIMEOUT).unwrap();
    assert_eq!(out, result_text(1, "Session started"));
    assert_eq!(*seen.lock().unwrap(), [request]);
}

#[test]
fn command_round_trip() {
    let dir = temp_dir("cc-command");
    let sock = dir.join("control.sock");
    let mut agent = Agent::new("http://acs.example:7547/");
    agent.command_outcome = CommandOutcome::AtSessionEnd;
    let (_server, seen) = control_server(&sock, agent);
    let args = Args::from(&Request::Command(Command::Reload));
    let out = call_control(&sock, Method::Command, &args, TIMEOUT).unwrap();
    assert_eq!(
        out,
        result_text(0, "Session running, reload at the end of the session")
    );
    assert_eq!(*seen.lock().unwrap(), [Request::Command(Command::Reload)]);
}

#[test]
fn refusal_info_is_escaped() {
    let dir = temp_dir("cc-refused");
    let sock = dir.join("control.sock");
    let mut agent = Agent::new("http://acs.example:7547/");
    agent.command_outcome = CommandOutcome::Refused("bad \"url\"\n\tline 3");
    let (_server, _) = control_server(&sock, agent);
    let args = Args::new().string("command", "reload");
    let out = call_control(&sock, Method::Command, &args, TIMEOUT).unwrap();
    assert_eq!(out, result_text(-1, "bad \\\"url\\\"\\n\\tline 3"));
}

#[test]
fn bad_argument_is_ubus_status_2() {
    let dir = temp_dir("cc-badarg");
    let sock = dir.join("control.sock");
    let (_server, seen) = control_server(&sock, Agent::new("http://acs.example:7547/"));
    for (method, args) in [
        (Method::Command, Args::new().string("command", "reboot")),
        (Method::Command, Args::new()),
        (Method::Inform, Args::new().string("GetRPCMethods", "true")),
        (Method::Inform, Args::new().string("event", "0 BOOTSTRAP")),
        (Method::Status, Args::new().boolean("verbose", true)),
    ] {
        let e = call_control(&sock, method, &args, TIMEOUT).unwrap_err();
        assert!(
            matches!(e, ClientError::Status(2, "Invalid argument")),
            "{method:?} {args:?}: {e:?}"
        );
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn an_overlong_request_line_is_a_parse_error() {
    let dir = temp_dir("cc-long");
    let sock = dir.join("control.sock");
    let (_server, _) = control_server(&sock, Agent::new("http://acs.example:7547/"));
    let args = Args::new().string("event", &"x".repeat(600));
    let e = call_control(&sock, Method::Inform, &args, TIMEOUT).unwrap_err();
    assert!(
        matches!(e, ClientError::Status(12, "Parsing message data failed")),
        "{e:?}"
    );
}

#[test]
fn missing_socket_is_a_connect_error() {
    let dir = temp_dir("cc-missing");
    let sock = dir.join("nothing.sock");
    let e = call_control(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap_err();
    match e {
        ClientError::Connect { socket, error } => {
            assert_eq!(socket, sock);
            assert_eq!(error.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_that_hangs_up_is_a_protocol_error() {
    let dir = temp_dir("cc-hangup");
    let sock = dir.join("control.sock");
    let _server = closing_server(&sock);
    let e = call_control(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap_err();
    assert!(matches!(e, ClientError::Protocol(_)), "{e:?}");
}

#[test]
fn a_server_that_never_answers_times_out_with_status_7() {
    let dir = temp_dir("cc-timeout");
    let sock = dir.join("control.sock");
    let _server = silent_server(&sock);
    let e = call_control(
        &sock,
        Method::Status,
        &Args::new(),
        Duration::from_millis(200),
    )
    .unwrap_err();
    assert!(
        matches!(e, ClientError::Status(7, "Request timed out")),
        "{e:?}"
    );
}

#[test]
fn a_reply_line_without_end_is_refused_at_the_limit() {
    let dir = temp_dir("cc-endless");
    let sock = dir.join("control.sock");
    let _server = client_support::endless_server(&sock, 200 * 1024);
    let e = call_control(&sock, Method::Status, &Args::new(), TIMEOUT).unwrap_err();
    match e {
        ClientError::Protocol(m) => assert!(m.contains("65536"), "{m}"),
        other => panic!("{other:?}"),
    }
}
