//! Value-change notifications through the real daemon: a passive notification rides along with
//! the next session, an active one opens sessions by itself, no closer together than
//! `DefaultActiveNotificationThrottle`, and notification attributes survive a restart.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Message, Task};

const UPTIME: &str = "Device.DeviceInfo.UpTime";

fn node(tag: &str, acs: &Acs) -> Node {
    let mut node = Node::new(tag, &acs.url());
    node.uci
        .set("cpe", "periodic_notify_enable", "1")
        .set("cpe", "periodic_notify_interval", "1");
    node
}

#[test]
fn passive_notification_is_reported_with_the_next_session() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = node("passive", &acs);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::set_notification(&[(UPTIME, 1)]));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(
        s[1].reply_to("SetParameterAttributes"),
        Some(&Message::SetParameterAttributesResponse)
    );
    node.wait_idle(2);
    // UpTime changes every second; passively: no session of its own.
    std::thread::sleep(Duration::from_millis(2500)); // long enough for changes to be seen
    assert_eq!(acs.sessions().len(), 2, "no session for a passive change");
    node.inform("2 PERIODIC");
    let s = acs.wait_for_sessions(3, WAIT);
    let inform = s[2].inform.as_ref().unwrap();
    let mut codes = inform.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["2 PERIODIC", "4 VALUE CHANGE"]);
    assert!(
        inform.parameter(UPTIME).is_some(),
        "{:?}",
        inform.parameters
    );
}

#[test]
fn active_notification_opens_throttled_sessions_and_survives_a_restart() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = node("active", &acs);
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::set_parameter_values(
        &[(
            "Device.ManagementServer.DefaultActiveNotificationThrottle",
            "2",
            "xsd:unsignedInt",
        )],
        "throttle",
    ));
    acs.push(Task::set_notification(&[(UPTIME, 2)]));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    let replies = s[1].replies();
    assert_eq!(
        replies[0],
        &Message::SetParameterValuesResponse { status: 0 }
    );
    if let Message::Fault(f) = replies[1] {
        // Allowed by TR-069 for a parameter that changes all the time.
        assert_eq!(f.code, 9009, "{f:?}");
        return;
    }
    let vc = |r: &cwmp_bench::acs::Record| {
        let v: Vec<_> = r
            .sessions
            .iter()
            .filter(|s| s.event_codes() == ["4 VALUE CHANGE"] && s.is_completed())
            .cloned()
            .collect();
        (v.len() >= 2).then_some(v)
    };
    let v = acs
        .wait_for(Duration::from_secs(10), vc)
        .expect("value change sessions");
    for s in &v {
        assert!(s.inform.as_ref().unwrap().parameter(UPTIME).is_some());
    }
    let gap = v[1].started.duration_since(v[0].ended.unwrap());
    assert!(gap >= Duration::from_millis(1900), "throttled: {gap:?}");

    // The attribute is remembered across a restart.
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    drop(d);
    acs.push(Task::get_parameter_attributes(&[UPTIME]));
    let n = acs.sessions().len();
    let _d = node.start();
    let s = acs.wait_for_sessions(n + 1, WAIT);
    match s[n].reply_to("GetParameterAttributes") {
        Some(Message::GetParameterAttributesResponse { parameters }) => {
            assert_eq!(parameters[0].notification, 2)
        }
        other => panic!("{other:?}"),
    }
}
