//! Latency of the running daemon: ubus `status` round trips, Connection Request to Inform,
//! and whole boot sessions (wall and CPU time).
//!
//! Responsible for driving the daemon through the harness and timing it. Not responsible for
//! starting the harness's pieces or summarising (see `main`, `stats`).

use std::path::Path;
use std::time::{Duration, Instant};

use cwmp_bench::acs::{Acs, Outcome};
use cwmp_bench::ubus_client::UbusConnection;
use cwmp_core::ubus::Status;

use crate::cr;
use crate::daemon::{self, Daemon, Options};
use crate::procfs;

/// How long any single step may take before the benchmark gives up.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Timings of `ubus call tr069 status`.
pub struct UbusTimings {
    /// Invoke only (object id kept, as a long-lived client does).
    pub invoke: Vec<Duration>,
    /// Lookup + invoke on a fresh connection, as one `ubus call` CLI run does (without the
    /// process start).
    pub lookup_invoke: Vec<Duration>,
}

/// Calls `tr069 status` `runs` times on the socket the daemon is registered on.
pub fn ubus_status(socket: &Path, runs: usize) -> Result<UbusTimings, String> {
    let empty = serde_json::json!({});
    let wait_start = Instant::now();
    let mut conn = loop {
        let mut c = UbusConnection::connect(socket, STEP_TIMEOUT).map_err(|e| e.to_string())?;
        let (_, objects) = c.list(Some("tr069")).map_err(|e| e.to_string())?;
        if let Some(o) = objects.first() {
            break (c, o.id);
        }
        if wait_start.elapsed() > STEP_TIMEOUT {
            return Err("cwmpd did not register tr069 on ubus".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut invoke = Vec::with_capacity(runs);
    // One call first: the daemon's first answer may allocate.
    for i in 0..=runs {
        let t = Instant::now();
        let reply = conn
            .0
            .invoke(conn.1, "status", &empty)
            .map_err(|e| e.to_string())?;
        let d = t.elapsed();
        if reply.status != Status::Ok || reply.data.is_empty() {
            return Err(format!("ubus status answered {:?}", reply.status));
        }
        if i > 0 {
            invoke.push(d);
        }
    }
    let mut lookup_invoke = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let mut c = UbusConnection::connect(socket, STEP_TIMEOUT).map_err(|e| e.to_string())?;
        let reply = c
            .call("tr069", "status", &empty)
            .map_err(|e| e.to_string())?;
        lookup_invoke.push(t.elapsed());
        if reply.status != Status::Ok {
            return Err(format!("ubus status answered {:?}", reply.status));
        }
    }
    Ok(UbusTimings {
        invoke,
        lookup_invoke,
    })
}

/// Waits until session `index` has ended; an error if it did not complete normally.
pub fn wait_session_end(acs: &Acs, index: usize) -> Result<(Instant, Instant), String> {
    let got = acs.wait_for(STEP_TIMEOUT, |r| {
        let s = r.sessions.get(index)?;
        match &s.outcome {
            Outcome::InProgress => None,
            Outcome::Completed => Some(Ok((s.started, s.ended.unwrap_or(s.started)))),
            other => Some(Err(format!(
                "session {index} ended {other:?}: {:?}",
                s.errors
            ))),
        }
    });
    got.unwrap_or_else(|| {
        Err(format!(
            "session {index} did not end within {STEP_TIMEOUT:?}"
        ))
    })
}

/// Sends a Connection Request and returns the time from the authenticated request to the
/// moment the ACS had read the whole Inform of the session it started, after that session
/// completed.
pub fn connection_request_once(acs: &Acs, d: &mut Daemon) -> Result<Duration, String> {
    let index = acs.sessions().len();
    let mut tries = 0;
    let sent = loop {
        let (sent, status) = cr::send(d.cr_port, daemon::CR_USER, daemon::CR_PASSWORD)?;
        match status {
            200..=299 => break sent,
            // The rate limit (at most 64 per window) or a session still closing.
            503 if tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return Err(format!("Connection Request answered {status}")),
        }
    };
    let inform_at = acs
        .wait_for(STEP_TIMEOUT, |r| {
            r.sessions
                .get(index)
                .and_then(|s| s.exchanges.first())
                .map(|x| x.request.at)
        })
        .ok_or_else(|| {
            d.check_alive()
                .err()
                .unwrap_or_else(|| "no Inform after a Connection Request".into())
        })?;
    wait_session_end(acs, index)?;
    Ok(inform_at.saturating_duration_since(sent))
}

/// Timings of boot sessions.
pub struct BootTimings {
    /// Process start to the end of its boot session (the ACS's `204`).
    pub wall: Vec<Duration>,
    /// From the Inform's arrival to the session's end.
    pub session: Vec<Duration>,
    /// CPU time of the daemon (all threads) at the end of its boot session.
    pub cpu: Vec<Duration>,
    /// True when CPU times come in nanoseconds (`schedstat`), false in clock ticks.
    pub cpu_precise: bool,
}

/// Starts the daemon `runs` times on the same state (after one start that bootstraps it) and
/// times each boot session.
pub fn boot_sessions(
    bin: &Path,
    acs: &Acs,
    dir: &Path,
    ubus_socket: Option<&Path>,
    runs: usize,
    ticks: u64,
) -> Result<BootTimings, String> {
    let mut t = BootTimings {
        wall: Vec::with_capacity(runs),
        session: Vec::with_capacity(runs),
        cpu: Vec::with_capacity(runs),
        cpu_precise: Path::new("/proc/self/schedstat").exists(),
    };
    for i in 0..=runs {
        let opts = Options {
            ubus_socket: ubus_socket.map(Path::to_path_buf),
            store: None,
            keep_state: i > 0,
        };
        let index = acs.sessions().len();
        let mut d = Daemon::start(bin, &acs.url(), dir, &opts)?;
        let (started, end) = wait_session_end(acs, index).map_err(|e| {
            let alive = d.check_alive().err().unwrap_or_default();
            format!("boot {i}: {e} {alive}")
        })?;
        let cpu = procfs::cpu_time(d.pid(), ticks)?;
        if i > 0 {
            t.wall.push(end.saturating_duration_since(d.spawned));
            t.session.push(end.saturating_duration_since(started));
            t.cpu.push(cpu);
        }
        drop(d);
    }
    Ok(t)
}
