//! ACS down: sessions are retried with the TR-069 back-off of the configured minimum wait and
//! multiplier, the daemon idles in between, and the Inform that finally gets through carries
//! the RetryCount.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Daemon, Node, WAIT, wait_until};
use cwmp_bench::acs::{Acs, AcsOptions};

/// When each "session start" line was logged.
fn starts(d: &Daemon) -> Vec<(Instant, String)> {
    d.log_lines()
        .into_iter()
        .filter(|(_, l)| l.contains("session start ("))
        .collect()
}

#[test]
fn retries_back_off_and_the_daemon_idles_while_the_acs_is_down() {
    let mut acs = Acs::start(AcsOptions::default());
    acs.stop(); // connections to its port are refused from now on
    let mut node = Node::new("backoff", &acs.url());
    node.uci.set("acs", "retry_min_wait_interval", "1").set(
        "acs",
        "retry_interval_multiplier",
        "1500",
    );
    let d = node.start();

    // The first attempt and two retries: then measure the daemon's CPU time while it waits
    // for the third (at least 2.25 s away).
    assert!(
        wait_until(|| starts(&d).len() >= 3, Duration::from_secs(10)),
        "{}",
        d.logs()
    );
    let ticks = d.cpu_ticks();
    std::thread::sleep(Duration::from_millis(1500)); // the idle window measured
    let idle = d.cpu_ticks() - ticks;
    assert!(idle <= 3, "{idle} ticks of CPU in 1.5 s of waiting");

    assert!(
        wait_until(|| starts(&d).len() >= 4, Duration::from_secs(10)),
        "{}",
        d.logs()
    );
    let s = starts(&d);
    for (i, (_, line)) in s.iter().take(4).enumerate() {
        assert!(line.contains(&format!("retry {i})")), "{line}");
    }
    // Retry n waits uniformly in [m·k^(n-1), m·k^n] with m = 1 s and k = 1.5.
    let rows = [(1.0, 1.5), (1.5, 2.25), (2.25, 3.375)];
    for (n, (lo, hi)) in rows.iter().enumerate() {
        let gap = s[n + 1].0.duration_since(s[n].0).as_secs_f64();
        assert!(
            gap >= lo - 0.05 && gap <= hi + 0.5,
            "retry {}: waited {gap:.3} s, expected {lo}..{hi} s",
            n + 1
        );
    }
    let st = node.control("{\"method\":\"status\"}");
    assert_eq!(st["result"]["last_session"]["status"], "failure", "{st}");
    assert!(st["result"]["statistics"]["failure_sessions"].as_i64() >= Some(3));
    assert_ne!(st["result"]["next_session"]["start_time"], "N/A", "{st}");

    // The ACS is back; a new event brings the session forward and it carries the count.
    acs.restart().unwrap();
    node.inform("6 CONNECTION REQUEST");
    let sessions = acs.wait_for_sessions(1, WAIT);
    let inform = sessions[0].inform.as_ref().unwrap();
    let failed = starts(&d).len() - 1;
    assert!(failed >= 4);
    assert_eq!(inform.retry_count as usize, failed, "{}", d.logs());
    for code in ["0 BOOTSTRAP", "1 BOOT"] {
        assert!(inform.has_event(code), "{:?}", inform.events);
    }
}
