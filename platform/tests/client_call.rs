//! `call`: ubus when ubusd answers and has `tr069`, the control socket otherwise, and a clear
//! error when neither leads to cwmpd.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client_support;

use client_support::{Agent, TIMEOUT, UbusSide, control_server, status_text, temp_dir};
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::control::Method;
use cwmp_platform::client::{Args, ClientError, call};

const VIA_UBUS: &str = "http://via-ubus:7547/";
const VIA_CONTROL: &str = "http://via-control:7547/";

#[test]
fn ubus_is_used_when_it_answers() {
    let dir = temp_dir("ca-ubus");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let _ubus = UbusSide::start(&ubus_sock, Agent::new(VIA_UBUS));
    let (_control, _) = control_server(&control_sock, Agent::new(VIA_CONTROL));
    let out = call(
        &ubus_sock,
        &control_sock,
        Method::Status,
        &Args::new(),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(out, status_text(VIA_UBUS));
}

#[test]
fn control_socket_is_used_without_ubusd() {
    let dir = temp_dir("ca-noubus");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let (_control, _) = control_server(&control_sock, Agent::new(VIA_CONTROL));
    let out = call(
        &ubus_sock,
        &control_sock,
        Method::Status,
        &Args::new(),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(out, status_text(VIA_CONTROL));
}

#[test]
fn control_socket_is_used_when_ubusd_has_no_tr069() {
    let dir = temp_dir("ca-noobj");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let _ubusd = Ubusd::start(&ubus_sock).unwrap();
    let (_control, _) = control_server(&control_sock, Agent::new(VIA_CONTROL));
    let out = call(
        &ubus_sock,
        &control_sock,
        Method::Status,
        &Args::new(),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(out, status_text(VIA_CONTROL));
}

#[test]
fn neither_socket_means_not_running() {
    let dir = temp_dir("ca-none");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let e = call(
        &ubus_sock,
        &control_sock,
        Method::Status,
        &Args::new(),
        TIMEOUT,
    )
    .unwrap_err();
    let text = e.to_string();
    match e {
        ClientError::NotRunning { ubus, control } => {
            assert!(matches!(*ubus, ClientError::Connect { .. }), "{ubus:?}");
            assert!(
                matches!(*control, ClientError::Connect { .. }),
                "{control:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(text.starts_with("cwmpd is not running?"), "{text}");
    assert!(
        text.contains("ubus.sock") && text.contains("control.sock"),
        "{text}"
    );
}

#[test]
fn ubusd_without_tr069_and_no_control_socket_is_not_running() {
    let dir = temp_dir("ca-noobj-none");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let _ubusd = Ubusd::start(&ubus_sock).unwrap();
    let e = call(
        &ubus_sock,
        &control_sock,
        Method::Status,
        &Args::new(),
        TIMEOUT,
    )
    .unwrap_err();
    match e {
        ClientError::NotRunning { ubus, .. } => {
            assert!(matches!(*ubus, ClientError::NoObject { .. }), "{ubus:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_error_over_ubus_is_final() {
    let dir = temp_dir("ca-final");
    let (ubus_sock, control_sock) = (dir.join("ubus.sock"), dir.join("control.sock"));
    let ubus = UbusSide::start(&ubus_sock, Agent::new(VIA_UBUS));
    let (_control, control_seen) = control_server(&control_sock, Agent::new(VIA_CONTROL));
    let args = Args::new().string("command", "reboot");
    let e = call(&ubus_sock, &control_sock, Method::Command, &args, TIMEOUT).unwrap_err();
    assert!(matches!(e, ClientError::Status(2, _)), "{e:?}");
    let args = Args::new().string("command", "exit");
    call(&ubus_sock, &control_sock, Method::Command, &args, TIMEOUT).unwrap();
    assert_eq!(ubus.seen.lock().unwrap().len(), 1);
    assert!(control_seen.lock().unwrap().is_empty());
}
