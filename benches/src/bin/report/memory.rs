//! Memory of the running daemon: idle after its boot session, and during and after a session
//! whose GetParameterValues returns 10,000 parameters from the built-in store.
//!
//! Responsible for those two scenarios and for sampling `/proc` while a session runs. Not
//! responsible for the daemon's process or the harness (see `daemon`, `main`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use cwmp_bench::acs::{Acs, AcsOptions, Message, Task};

use crate::daemon::{self, Daemon, Options};
use crate::latency;
use crate::procfs::{self, Memory};

/// How long the daemon is left alone after its boot session before "idle" is read.
pub const SETTLE: Duration = Duration::from_millis(1500);
/// Parameters returned by the large GetParameterValues.
pub const LARGE_GPV: usize = 10_000;

/// Starts a daemon on `store`, waits for its boot session and lets it settle.
pub fn start_idle(
    bin: &Path,
    acs: &Acs,
    dir: &Path,
    ubus_socket: Option<&Path>,
    store: Option<String>,
) -> Result<Daemon, String> {
    let index = acs.sessions().len();
    let opts = Options {
        ubus_socket: ubus_socket.map(Path::to_path_buf),
        store,
        keep_state: false,
    };
    let mut d = Daemon::start(bin, &acs.url(), dir, &opts)?;
    latency::wait_session_end(acs, index).map_err(|e| {
        let why = d.check_alive().err().unwrap_or_default();
        format!("boot session: {e} {why}")
    })?;
    d.wait_listening(latency::STEP_TIMEOUT)?;
    thread::sleep(SETTLE);
    d.check_alive()?;
    Ok(d)
}

/// What the large session showed.
pub struct LargeSession {
    /// Idle with the large store loaded, before the session.
    pub before: Memory,
    /// The largest figures sampled while the session ran (`hwm`: the kernel's own peak).
    pub peak: Memory,
    /// Idle again after the session.
    pub after: Memory,
    /// Parameters in the GetParameterValuesResponse.
    pub parameters: usize,
    /// Bytes of the GetParameterValuesResponse body.
    pub response_bytes: usize,
    /// Whether the response came chunked.
    pub chunked: bool,
    /// Connection Request to the end of the session.
    pub session: Duration,
    /// How many times memory was sampled during the session.
    pub samples: usize,
}

/// Runs the 10,000-parameter session on a daemon whose store holds them.
pub fn large_session(bin: &Path, dir: &Path) -> Result<LargeSession, String> {
    let acs = Acs::try_start(AcsOptions::default()).map_err(|e| e.to_string())?;
    let mut d = start_idle(bin, &acs, dir, None, Some(daemon::store_with(LARGE_GPV)))?;
    let pid = d.pid();
    let before = Memory::read(pid)?;
    procfs::reset_peak(pid);
    acs.push(Task::get_parameter_values(&["Device.X_BENCH."]));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut peak = Memory::default();
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                if let Ok(m) = Memory::read(pid) {
                    peak = peak.max(m);
                    n += 1;
                }
                thread::sleep(Duration::from_millis(1));
            }
            (peak, n)
        })
    };
    let index = acs.sessions().len();
    let t = std::time::Instant::now();
    let run = cwmp_bench_cr(&acs, &mut d, index);
    let session = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (mut peak, samples) = sampler.join().map_err(|_| "sampler panicked".to_string())?;
    run?;
    let now = Memory::read(pid)?;
    peak = peak.max(now);
    thread::sleep(SETTLE);
    let after = Memory::read(pid)?;
    let s = acs
        .sessions()
        .into_iter()
        .nth(index)
        .ok_or("the session vanished")?;
    let task = s
        .tasks
        .iter()
        .find(|t| t.method == "GetParameterValues")
        .ok_or("no GetParameterValues in the session")?;
    let parameters = match &task.reply {
        Some(Message::GetParameterValuesResponse { parameters }) => parameters.len(),
        other => return Err(format!("GetParameterValues answered {other:?}")),
    };
    let exchange = s
        .exchanges
        .iter()
        .find(|x| {
            let tag = b"GetParameterValuesResponse";
            x.request.body.windows(tag.len()).any(|w| w == tag)
        })
        .ok_or("no GetParameterValuesResponse exchange")?;
    Ok(LargeSession {
        before,
        peak,
        after,
        parameters,
        response_bytes: exchange.request.body.len(),
        chunked: exchange.request.chunked,
        session,
        samples,
    })
}

/// Triggers session `index` with a Connection Request and waits for its end.
fn cwmp_bench_cr(acs: &Acs, d: &mut Daemon, index: usize) -> Result<(), String> {
    latency::connection_request_once(acs, d)?;
    latency::wait_session_end(acs, index).map(|_| ())
}
