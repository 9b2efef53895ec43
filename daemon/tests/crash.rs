//! Crash safety: `kill -9` at many points of sessions that carry persistent events
//! (ScheduleInform → `M ScheduleInform`, Download → `M Download` + TransferComplete), restart,
//! and check with the ACS's record that every event the ACS handed over is delivered and none
//! comes again after the ACS acknowledged it in a completed session.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{FileServer, Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Download, Message, Record, Session, Task};

/// Kill delays after asking for a session, milliseconds: from before the connection to the
/// middle of the transfer and the apply.
const DELAYS: [u64; 14] = [0, 1, 2, 3, 5, 7, 10, 14, 19, 25, 33, 45, 60, 90];

fn m_keys<'a>(s: &'a Session, code: &str) -> Vec<&'a str> {
    s.inform
        .as_ref()
        .map(|i| {
            i.events
                .iter()
                .filter(|e| e.code == code)
                .map(|e| e.command_key.as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn tc_keys(s: &Session) -> Vec<&str> {
    s.cpe_requests
        .iter()
        .filter_map(|m| match m {
            Message::TransferComplete(t) => Some(t.command_key.as_str()),
            _ => None,
        })
        .collect()
}

/// Keys of the tasks of `method` the CPE answered with a success response.
fn accepted(r: &Record, method: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &r.sessions {
        for t in &s.tasks {
            let ok = matches!(
                (&t.task, &t.reply),
                (
                    Task::ScheduleInform { .. },
                    Some(Message::ScheduleInformResponse)
                ) | (Task::Download(_), Some(Message::DownloadResponse { .. }))
            );
            if t.method == method && ok {
                let key = match &t.task {
                    Task::ScheduleInform { command_key, .. } => command_key.clone(),
                    Task::Download(d) => d.command_key.clone().unwrap_or_default(),
                    _ => continue,
                };
                out.insert(key);
            }
        }
    }
    out
}

/// Sessions (index) in which each key was reported, per kind of report.
fn reports(r: &Record) -> BTreeMap<(&'static str, String), Vec<usize>> {
    let mut out: BTreeMap<(&'static str, String), Vec<usize>> = BTreeMap::new();
    for s in &r.sessions {
        for k in m_keys(s, "M ScheduleInform") {
            out.entry(("M ScheduleInform", k.to_owned()))
                .or_default()
                .push(s.index);
        }
        for k in m_keys(s, "M Download") {
            out.entry(("M Download", k.to_owned()))
                .or_default()
                .push(s.index);
        }
        for k in tc_keys(s) {
            out.entry(("TransferComplete", k.to_owned()))
                .or_default()
                .push(s.index);
        }
    }
    out
}

/// Every accepted ScheduleInform and Download has been reported to the ACS: an Inform event the
/// ACS answered with an InformResponse (it then hands out the session cookie), a
/// TransferComplete the ACS received (it always acknowledges it).
fn all_delivered(r: &Record) -> bool {
    let rep = reports(r);
    let done = |kind: &'static str, key: &String| {
        rep.get(&(kind, key.clone())).is_some_and(|v| {
            v.iter()
                .any(|i| kind == "TransferComplete" || r.sessions[*i].cookie.is_some())
        })
    };
    accepted(r, "ScheduleInform")
        .iter()
        .all(|k| done("M ScheduleInform", k))
        && accepted(r, "Download")
            .iter()
            .all(|k| done("M Download", k) && done("TransferComplete", k))
}

/// One line per session, for failure messages.
fn overview(r: &Record) -> String {
    r.sessions
        .iter()
        .map(|s| {
            format!(
                "{}: {:?} retry {:?} events {:?} TC {:?} tasks {:?}",
                s.index,
                s.outcome,
                s.inform.as_ref().map(|i| i.retry_count),
                s.inform
                    .as_ref()
                    .map(|i| i
                        .events
                        .iter()
                        .map(|e| format!("{}/{}", e.code, e.command_key))
                        .collect::<Vec<_>>())
                    .unwrap_or_default(),
                tc_keys(s),
                s.tasks
                    .iter()
                    .map(|t| format!(
                        "{}->{}",
                        t.method,
                        t.reply.as_ref().map_or("-", |m| m.name())
                    ))
                    .collect::<Vec<_>>()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn kill_9_at_any_point_loses_no_event_and_repeats_none_the_acs_acknowledged() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/config.bin", &[b'c'; 20_000]);
    let mut node = Node::new("crash", &acs.url());
    node.uci
        .set("acs", "retry_interval_multiplier", "1000")
        .set("cwmpd", "config_apply_command", "cat \"$1\" > /dev/null");
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    // Two rounds, the second shifted, so the kills land on other instructions.
    let points = DELAYS.iter().chain(DELAYS.iter()).enumerate();
    for (i, delay) in points.map(|(i, d)| (i, d + 4 * (i / DELAYS.len()) as u64)) {
        acs.push(Task::schedule_inform(1, &format!("si-{i}")));
        let mut dl = Download::new("3 Vendor Configuration File", &files.url("/config.bin"));
        dl.command_key = Some(format!("dl-{i}"));
        acs.push(Task::Download(dl));
        node.inform("6 CONNECTION REQUEST");
        std::thread::sleep(Duration::from_millis(delay)); // the point the crash hits
        d.kill9();
        assert!(
            !d.logs().contains("panicked"),
            "iteration {i}: {}",
            d.logs()
        );
        drop(d);
        d = node.start();
        assert!(
            !d.logs().contains("starting as a new device"),
            "the snapshot survived: {}",
            d.logs()
        );
    }

    // Let it deliver what it owes.
    let delivered = acs.wait_for(Duration::from_secs(30), |r| all_delivered(r).then_some(()));
    let r = acs.record();
    assert!(
        delivered.is_some(),
        "undelivered: accepted SI {:?}, DL {:?}, reports {:?}\nsessions:\n{}",
        accepted(&r, "ScheduleInform"),
        accepted(&r, "Download"),
        reports(&r),
        overview(&r)
    );
    // One more session: nothing acknowledged comes back.
    node.wait_idle(0);
    let n = acs.sessions().len();
    node.inform("6 CONNECTION REQUEST");
    acs.wait_for_sessions(n + 1, WAIT);

    let r = acs.record();
    assert!(
        accepted(&r, "ScheduleInform").len() >= DELAYS.len() / 2,
        "{:?}",
        accepted(&r, "ScheduleInform")
    );
    assert!(
        accepted(&r, "Download").len() >= DELAYS.len() / 2,
        "{:?}",
        accepted(&r, "Download")
    );
    for ((kind, key), sessions) in reports(&r) {
        // The first completed session that reported it acknowledged it.
        let Some(acked) = sessions
            .iter()
            .copied()
            .find(|i| r.sessions[*i].is_completed())
        else {
            continue;
        };
        let again: Vec<usize> = sessions.iter().copied().filter(|i| *i > acked).collect();
        assert!(
            again.is_empty(),
            "{kind} {key} acknowledged in session {acked}, sent again in {again:?}"
        );
    }
    // The ACS knew the device after the first session: no second first contact.
    let first_done = r
        .sessions
        .iter()
        .position(|s| s.is_completed() && s.event_codes().contains(&"0 BOOTSTRAP"))
        .expect("a completed bootstrap");
    for s in &r.sessions[first_done + 1..] {
        assert!(
            !s.event_codes().contains(&"0 BOOTSTRAP"),
            "session {}: {:?}",
            s.index,
            s.event_codes()
        );
    }
}

#[test]
fn corrupt_state_files_are_survived() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("corrupt", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::set_parameter_values(
        &[("Device.Time.NTPServer1", "ntp.example.com", "xsd:string")],
        "k",
    ));
    node.inform("6 CONNECTION REQUEST");
    acs.wait_for_sessions(2, WAIT);
    node.wait_idle(2);
    d.kill9();
    drop(d);

    // A torn agent state: the daemon starts, says so, and is a new device for the ACS.
    let state = std::fs::read(node.state_file()).unwrap();
    std::fs::write(node.state_file(), &state[..state.len() / 2]).unwrap();
    let mut d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    assert!(s[2].inform.as_ref().unwrap().has_event("0 BOOTSTRAP"));
    assert!(d.logs().contains("state.json"), "{}", d.logs());
    d.kill9();
    drop(d);

    // A state file larger than any snapshot can be is not read in at all.
    std::fs::write(node.state_file(), vec![b' '; 200 * 1024]).unwrap();
    let mut d = node.start();
    let s = acs.wait_for_sessions(4, WAIT);
    assert!(s[3].inform.as_ref().unwrap().has_event("0 BOOTSTRAP"));
    assert!(
        d.logs().contains("larger than a state snapshot can be"),
        "{}",
        d.logs()
    );
    d.kill9();
    drop(d);

    // A torn parameter store: the daemon starts on the seed and reports the problem.
    let params = node.path("state/params.json");
    let text = std::fs::read(&params).unwrap();
    std::fs::write(&params, &text[..text.len() / 2]).unwrap();
    acs.push(Task::get_parameter_values(&["Device.Time.NTPServer1"]));
    let d = node.start();
    let s = acs.wait_for_sessions(5, WAIT);
    assert!(s[4].is_completed(), "{:?}", s[4].outcome);
    let v = s[4].reply_to("GetParameterValues").unwrap();
    assert!(v.value("Device.Time.NTPServer1").is_some(), "{v:?}");
    assert!(d.logs().contains("data model"), "{}", d.logs());
}

#[test]
fn a_configuration_apply_cut_short_by_a_crash_is_not_reported_as_a_success() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/config.bin", b"config system\n");
    let mut node = Node::new("applycut", &acs.url());
    let started = node.path("apply-started");
    node.uci.set(
        "cwmpd",
        "config_apply_command",
        &format!("touch {}; sleep 3", started.display()),
    );
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    let mut dl = Download::new("3 Vendor Configuration File", &files.url("/config.bin"));
    dl.command_key = Some("cut".into());
    acs.push(Task::Download(dl));
    node.inform("6 CONNECTION REQUEST");
    assert!(
        common::wait_until(|| started.exists(), WAIT),
        "{}",
        d.logs()
    );
    d.kill9(); // the device lost power while applying the file
    drop(d);

    let _d = node.start();
    let tc = acs
        .wait_for(WAIT, |r| {
            r.sessions.iter().find_map(|s| {
                s.cpe_requests.iter().find_map(|m| match m {
                    Message::TransferComplete(t) if t.command_key == "cut" => Some(t.clone()),
                    _ => None,
                })
            })
        })
        .expect("the transfer is reported");
    assert_ne!(tc.fault.code, 0, "{tc:?}");
}
