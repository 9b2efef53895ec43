//! The configuration file as the daemon meets it: a bad value stops it with `FILE:LINE:` and
//! the option on stderr (exit 1); unknown options are warnings; SIGHUP reloads it (a changed
//! `periodic_inform_interval` takes effect, a broken file leaves the running one in force).

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Task};

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_bad_value_stops_the_daemon_naming_file_line_and_option() {
    let mut node = Node::new("cfgbad", "http://127.0.0.1:9/");
    node.uci.set("acs", "retry_interval_multiplier", "999");
    node.write_config();
    let text = node.uci.render();
    let mut d = node.spawn();
    let status = d.wait_exit(WAIT).expect("the daemon refuses to start");
    assert_eq!(status.code(), Some(1));
    let expected = format!(
        "{}:{}: option 'retry_interval_multiplier'",
        node.config_path().display(),
        line_of(&text, "retry_interval_multiplier")
    );
    assert!(d.logs().contains(&expected), "{expected:?} in {}", d.logs());
    assert!(!node.ctl().exists());
}

#[test]
fn unknown_options_and_sections_are_warnings_and_the_daemon_starts() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("cfgwarn", &acs.url());
    node.uci
        .set("cpe", "frobnicate", "1")
        .append("config lwn 'lwn'\n\toption enable '0'\n");
    let text = node.uci.render();
    let d = node.start();
    let logs = d.logs();
    let cfg = node.config_path().display().to_string();
    for (needle, what) in [("frobnicate", "frobnicate"), ("config lwn", "lwn")] {
        let at = format!("{cfg}:{}:", line_of(&text, needle));
        assert!(
            logs.lines()
                .any(|l| l.contains("WARN") && l.contains(&at) && l.contains(what)),
            "a warning at {at} about {what}: {logs}"
        );
    }
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed());
}

#[test]
fn sighup_applies_a_new_periodic_inform_interval() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("cfghup", &acs.url());
    node.uci.set("acs", "periodic_inform_enable", "1").set(
        "acs",
        "periodic_inform_interval",
        "3600",
    );
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);

    // A broken file is not taken: the daemon keeps running on what it has.
    std::fs::write(node.config_path(), "config cpe 'cpe'\n\toption port 'x'\n").unwrap();
    d.signal("HUP");
    assert!(
        d.wait_log("configuration not reloaded", WAIT),
        "{}",
        d.logs()
    );
    assert!(d.is_running());

    node.uci.set("acs", "periodic_inform_interval", "2");
    node.write_config();
    acs.push(Task::get_parameter_values(&[
        "Device.ManagementServer.PeriodicInformInterval",
        "Device.ManagementServer.PeriodicInformEnable",
    ]));
    d.signal("HUP");
    assert!(d.wait_log("configuration reloaded", WAIT), "{}", d.logs());
    // Periodic sessions now come every 2 s.
    let periodic = acs
        .wait_for(Duration::from_secs(10), |r| {
            let p: Vec<_> = r
                .sessions
                .iter()
                .filter(|s| s.event_codes() == ["2 PERIODIC"] && s.is_completed())
                .cloned()
                .collect();
            (p.len() >= 2).then_some(p)
        })
        .unwrap_or_else(|| panic!("{:?}", acs.sessions().len()));
    let gpv = periodic[0]
        .reply_to("GetParameterValues")
        .expect("the first periodic session answered the GPV");
    assert_eq!(
        gpv.value("Device.ManagementServer.PeriodicInformInterval"),
        Some("2")
    );
    assert_eq!(
        gpv.value("Device.ManagementServer.PeriodicInformEnable"),
        Some("1")
    );
    let gap = periodic[1].started.duration_since(periodic[0].started);
    assert!(
        gap >= Duration::from_millis(1500) && gap <= Duration::from_millis(3500),
        "{gap:?}"
    );
}

#[test]
fn sighup_moves_the_connection_request_listener_and_the_acs_learns_the_new_url() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("cfgport", &acs.url());
    let d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let old = node.cr_port;
    let new = common::free_port();
    node.cr_port = new;
    node.uci.set("cpe", "port", &new.to_string());
    node.write_config();
    d.signal("HUP");
    assert!(
        d.wait_log(&format!("connection requests on port {new}"), WAIT),
        "{}",
        d.logs()
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", old)).is_err(),
        "the old port is closed"
    );
    // The URL is a forced active-notification parameter: the ACS is told at once.
    let s = acs.wait_for_sessions(2, WAIT);
    let inform = s[1].inform.as_ref().unwrap();
    assert_eq!(inform.event_codes(), ["4 VALUE CHANGE"]);
    assert_eq!(
        inform.parameter("Device.ManagementServer.ConnectionRequestURL"),
        Some(node.cr_url().as_str())
    );
    node.wait_idle(2);
    // The ACS can use it.
    let codes = common::curl_digest(&node.cr_url(), common::CR_USER, common::CR_PASS);
    assert!(matches!(codes.last(), Some(200 | 204)), "{codes:?}");
    let s = acs.wait_for_sessions(3, WAIT);
    assert_eq!(s[2].event_codes(), ["6 CONNECTION REQUEST"]);
    node.wait_idle(3);
    assert_eq!(acs.sessions().len(), 3, "no further session");
}

#[test]
fn command_line_overrides_the_file() {
    let acs = Acs::start(AcsOptions::default());
    let node = Node::new("cfgcli", "http://127.0.0.1:9/");
    node.write_config();
    let port = common::free_port();
    let state = node.path("elsewhere");
    let mut cmd = node.command();
    cmd.arg("--acs-url")
        .arg(acs.url())
        .arg("--state-dir")
        .arg(&state)
        .arg("--cr-port")
        .arg(port.to_string());
    let mut d = common::Daemon::spawn(cmd);
    d.wait_ready(&node.ctl(), WAIT).unwrap();
    let s = acs.wait_for_sessions(1, WAIT);
    assert_eq!(
        s[0].inform
            .as_ref()
            .unwrap()
            .parameter("Device.ManagementServer.ConnectionRequestURL"),
        Some(format!("http://127.0.0.1:{port}/").as_str())
    );
    node.wait_idle(1);
    assert!(state.join("state.json").exists());
    assert!(!node.state_file().exists());
}

#[test]
fn a_new_port_after_a_restart_is_reported_in_the_boot_inform() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("cfgport2", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    drop(d);
    node.cr_port = common::free_port();
    let port = node.cr_port.to_string();
    node.uci.set("cpe", "port", &port);
    let _d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    let inform = s[1].inform.as_ref().unwrap();
    let mut codes = inform.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["1 BOOT", "4 VALUE CHANGE"]);
    assert_eq!(
        inform.parameter("Device.ManagementServer.ConnectionRequestURL"),
        Some(node.cr_url().as_str())
    );
    node.wait_idle(1); // sessions of this run
    assert_eq!(acs.sessions().len(), 2, "one session says it all");
}

#[test]
fn command_reload_with_a_new_acs_url_bootstraps_with_the_new_acs() {
    let old = Acs::start(AcsOptions::default());
    let new = Acs::start(AcsOptions::default());
    let mut node = Node::new("cfgacs", &old.url());
    let _d = node.start();
    old.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    node.uci.set("acs", "url", &new.url());
    node.write_config();
    let out = node.cli(&["command", "reload"]);
    assert!(out.status.success(), "{out:?}");
    let r = common::stdout_json(&out);
    assert_eq!(r["status"], 0, "{r}");
    let s = new.wait_for_sessions(1, WAIT);
    assert_eq!(s[0].event_codes(), ["0 BOOTSTRAP"]);
    let st = node.control("{\"method\":\"status\"}");
    assert_eq!(st["result"]["cwmp"]["acs_url"], new.url());
    assert_eq!(old.sessions().len(), 1);
}
