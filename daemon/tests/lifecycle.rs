//! The daemon's life: stopping cleanly in the middle of a session (SIGTERM, `command exit`),
//! and many sessions in a row without growing in memory or file descriptors.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Daemon, Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Action, Intercept, Task, When};

fn stops_cleanly_mid_session(tag: &str, stop: impl FnOnce(&Node, &Daemon)) {
    let acs = Acs::start(
        AcsOptions::default().intercept(Intercept::once(When::EmptyPost, Action::Silent)),
    );
    let mut node = Node::new(tag, &acs.url());
    let mut d = node.start();
    // The daemon took the InformResponse (it sent the empty POST); the ACS keeps it hanging.
    assert!(
        acs.wait_for(WAIT, |r| r
            .sessions
            .first()
            .is_some_and(|s| s.exchanges.len() >= 2)
            .then_some(()))
            .is_some()
    );
    let t = Instant::now();
    stop(&node, &d);
    let status = d.wait_exit(WAIT).expect("stops");
    assert_eq!(status.code(), Some(0), "{}", d.logs());
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(!node.ctl().exists(), "control socket removed");
    drop(d);
    // What the ACS acknowledged is remembered.
    let _d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s.last().unwrap().event_codes(), ["1 BOOT"]);
}

#[test]
fn sigterm_in_the_middle_of_a_session_stops_cleanly() {
    stops_cleanly_mid_session("term", |_, d| d.signal("TERM"));
}

#[test]
fn command_exit_in_the_middle_of_a_session_stops_cleanly() {
    stops_cleanly_mid_session("exitcmd", |node, _| {
        let r = node.control("{\"method\":\"command\",\"args\":{\"command\":\"exit\"}}");
        assert_eq!(r["result"]["status"], 0, "{r}");
    });
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = s.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[test]
fn many_sessions_do_not_grow_memory_or_file_descriptors() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("soak", &acs.url());
    let d = node.start();
    let mut done = acs.wait_for_sessions(1, WAIT).len();
    let mut run = |n: usize| {
        for _ in 0..n {
            node.wait_idle(done as i64);
            acs.push(Task::get_parameter_values(&["Device.DeviceInfo."]));
            acs.push(Task::set_parameter_values(
                &[(
                    "Device.Time.NTPServer1",
                    &format!("ntp{done}.example"),
                    "xsd:string",
                )],
                &format!("k{done}"),
            ));
            node.inform("6 CONNECTION REQUEST");
            done += 1;
            let s = acs.wait_for_sessions(done, WAIT);
            assert!(s[done - 1].is_completed());
        }
        node.wait_idle(done as i64);
    };
    run(20);
    let (rss, fd) = (rss_kib(d.pid()), fds(d.pid()));
    run(80);
    let (rss2, fd2) = (rss_kib(d.pid()), fds(d.pid()));
    assert!(rss2 <= rss + 256, "RSS {rss} KiB -> {rss2} KiB");
    // A control client or the ACS connection may be closing at either moment; a leak would
    // show as dozens.
    assert!(fd2 <= fd + 2, "file descriptors {fd} -> {fd2}");
}
