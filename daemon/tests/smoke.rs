//! First end-to-end check of the real binary: boot session, a task, a session on request.

mod common;

use std::process::Command;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Task};

#[test]
fn boot_session_then_a_task_on_request() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("smoke", &acs.url());
    node.uci.set("cpe", "serial_number", "SMOKE1");
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    let codes = s[0].event_codes();
    assert!(codes.contains(&"0 BOOTSTRAP"), "{codes:?}");
    assert!(codes.contains(&"1 BOOT"), "{codes:?}");
    acs.push(Task::get_parameter_values(&[
        "Device.DeviceInfo.SerialNumber",
    ]));
    let out = Command::new(common::bin())
        .args(["--no-ubus", "--control-socket"])
        .arg(node.ctl())
        .arg("inform")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let s = acs.wait_for_sessions(2, WAIT);
    match s[1].reply_to("GetParameterValues") {
        Some(m) => assert_eq!(m.value("Device.DeviceInfo.SerialNumber"), Some("SMOKE1")),
        None => panic!("no reply: {:?}", s[1]),
    }
}
