//! A provisioning session from the ACS: names, values, attributes, objects. What it changed is
//! seen in the next session and, after a restart, read back from the persisted stores.

mod common;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Message, Session, Task};

/// The checks every later session runs, in this order.
fn push_checks(acs: &Acs) {
    acs.push(Task::get_parameter_values(&[
        "Device.Time.NTPServer1",
        "Device.ManagementServer.ParameterKey",
        "Device.NAT.PortMappingNumberOfEntries",
        "Device.NAT.PortMapping.2.Description",
        "Device.NAT.PortMapping.2.ExternalPort",
    ]));
    acs.push(Task::get_parameter_attributes(&["Device.Time.NTPServer1"]));
    acs.push(Task::get_parameter_names("Device.NAT.PortMapping.", true));
}

fn assert_checks(s: &Session) {
    assert!(s.is_completed(), "{s:?}");
    let r = s.replies();
    assert_eq!(r.len(), 3, "{s:?}");
    assert_eq!(
        r[0].value("Device.Time.NTPServer1"),
        Some("ntp.example.com")
    );
    assert_eq!(
        r[0].value("Device.ManagementServer.ParameterKey"),
        Some("key-4")
    );
    assert_eq!(
        r[0].value("Device.NAT.PortMappingNumberOfEntries"),
        Some("1")
    );
    assert_eq!(
        r[0].value("Device.NAT.PortMapping.2.Description"),
        Some("web")
    );
    assert_eq!(
        r[0].value("Device.NAT.PortMapping.2.ExternalPort"),
        Some("8080")
    );
    match r[1] {
        Message::GetParameterAttributesResponse { parameters } => {
            assert_eq!(parameters.len(), 1);
            assert_eq!(parameters[0].name, "Device.Time.NTPServer1");
            assert_eq!(parameters[0].notification, 1);
        }
        other => panic!("{other:?}"),
    }
    match r[2] {
        Message::GetParameterNamesResponse { parameters } => {
            let names: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["Device.NAT.PortMapping.2."], "instance 1 is gone");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn provisioning_is_seen_in_the_next_session_and_after_a_restart() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("prov", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    acs.push(Task::get_parameter_names("Device.Time.", true));
    acs.push(Task::get_parameter_values(&["Device.Time.NTPServer1"]));
    acs.push(Task::set_parameter_values(
        &[("Device.Time.NTPServer1", "ntp.example.com", "xsd:string")],
        "key-1",
    ));
    acs.push(Task::add_object("Device.NAT.PortMapping.", "key-2"));
    acs.push(Task::add_object("Device.NAT.PortMapping.", "key-3"));
    acs.push(Task::set_parameter_values(
        &[
            ("Device.NAT.PortMapping.2.Description", "web", "xsd:string"),
            (
                "Device.NAT.PortMapping.2.ExternalPort",
                "8080",
                "xsd:unsignedInt",
            ),
        ],
        "key-3b",
    ));
    acs.push(Task::delete_object("Device.NAT.PortMapping.1.", "key-4"));
    acs.push(Task::set_notification(&[("Device.Time.NTPServer1", 1)]));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    let prov = &s[1];
    assert!(prov.is_completed(), "{prov:?}");
    let r = prov.replies();
    assert_eq!(r.len(), 8, "{prov:?}");
    match r[0] {
        Message::GetParameterNamesResponse { parameters } => {
            for name in ["Device.Time.Enable", "Device.Time.NTPServer1"] {
                let p = parameters.iter().find(|p| p.name == name);
                assert!(p.is_some_and(|p| p.writable), "{name} in {parameters:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r[1].value("Device.Time.NTPServer1"), Some("pool.ntp.org"));
    assert_eq!(r[2], &Message::SetParameterValuesResponse { status: 0 });
    assert!(
        matches!(
            r[3],
            Message::AddObjectResponse {
                instance_number: 1,
                status: 0
            }
        ),
        "{:?}",
        r[3]
    );
    assert!(
        matches!(
            r[4],
            Message::AddObjectResponse {
                instance_number: 2,
                status: 0
            }
        ),
        "{:?}",
        r[4]
    );
    assert_eq!(r[5], &Message::SetParameterValuesResponse { status: 0 });
    assert_eq!(r[6], &Message::DeleteObjectResponse { status: 0 });
    assert_eq!(r[7], &Message::SetParameterAttributesResponse);

    // The next session sees it all, and its Inform carries the last ParameterKey.
    push_checks(&acs);
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(3, WAIT);
    assert_eq!(
        s[2].inform
            .as_ref()
            .and_then(|i| i.parameter("Device.ManagementServer.ParameterKey")),
        Some("key-4")
    );
    assert_checks(&s[2]);

    // After a restart, from the persisted parameter store and agent state.
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    drop(d);
    push_checks(&acs);
    let _d = node.start();
    let s = acs.wait_for_sessions(4, WAIT);
    assert_eq!(s[3].event_codes(), ["1 BOOT"]);
    assert_eq!(
        s[3].inform
            .as_ref()
            .and_then(|i| i.parameter("Device.ManagementServer.ParameterKey")),
        Some("key-4")
    );
    assert_checks(&s[3]);
}

#[test]
fn a_provisioning_code_set_by_the_acs_survives_a_restart_over_the_configured_one() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("provcode", &acs.url());
    let mut d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert_eq!(
        s[0].inform
            .as_ref()
            .unwrap()
            .parameter("Device.DeviceInfo.ProvisioningCode"),
        Some("PC-E2E")
    );
    acs.push(Task::set_parameter_values(
        &[(
            "Device.DeviceInfo.ProvisioningCode",
            "FROM-ACS",
            "xsd:string",
        )],
        "pc",
    ));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(
        s[1].reply_to("SetParameterValues"),
        Some(&Message::SetParameterValuesResponse { status: 0 })
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    drop(d);
    let _d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    assert_eq!(
        s[2].inform
            .as_ref()
            .unwrap()
            .parameter("Device.DeviceInfo.ProvisioningCode"),
        Some("FROM-ACS")
    );
}
