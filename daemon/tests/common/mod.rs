//! What every end-to-end test of the real `cwmpd` binary shares: a private directory per test,
//! the UCI file writer, free ports, spawning / killing / restarting the daemon with its log
//! captured, calls over the control socket and the CLI, waiting for conditions, the CPU time of
//! a process, and a small HTTP file server (std only, optional Basic authentication) for
//! Download tests.
//!
//! Not here: the ACS (`cwmp_bench::acs`) and the ubus broker (`cwmp_bench::ubusd`).

// Each test file uses part of this module; test support fails the test on a broken
// expectation, which is what `expect` is for here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use cwmp_bench::acs::wait_until;
use serde_json::Value as Json;

/// How long a test waits for something that normally takes milliseconds (generous: the suite
/// runs in parallel on two cores).
pub const WAIT: Duration = Duration::from_secs(15);

/// The daemon binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cwmpd"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

// ---------------------------------------------------------------------------------------------
// Directories and ports

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A directory of its own for one test, removed when dropped (kept when the test fails, so
/// its files can be looked at).
pub struct TestDir {
    path: PathBuf,
}

impl TestDir {
    /// A fresh, empty directory named after `tag` (keep it short: Unix socket paths live here).
    pub fn new(tag: &str) -> TestDir {
        let n = DIRS.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("cwmpd-e2e-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("test directory");
        TestDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("test files kept in {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A TCP port nothing listens on right now (IPv6 and IPv4 wildcard, as the daemon binds).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("[::]:0")
        .or_else(|_| TcpListener::bind("0.0.0.0:0"))
        .expect("a free port");
    l.local_addr().expect("local address").port()
}

// ---------------------------------------------------------------------------------------------
// The configuration file

/// An `/etc/config/cwmp` in the making: sections `acs`, `cpe` and `cwmpd` with their options in
/// order, plus raw text appended at the end.
#[derive(Debug, Clone, Default)]
pub struct Uci {
    sections: Vec<(String, Vec<(String, String)>)>,
    extra: String,
}

impl Uci {
    /// Sets `section.option` (added, or replaced where it was).
    pub fn set(&mut self, section: &str, option: &str, value: &str) -> &mut Uci {
        let idx = match self.sections.iter().position(|(s, _)| s == section) {
            Some(i) => i,
            None => {
                self.sections.push((section.to_owned(), Vec::new()));
                self.sections.len() - 1
            }
        };
        let opts = &mut self.sections[idx].1;
        match opts.iter_mut().find(|(o, _)| o == option) {
            Some(slot) => slot.1 = value.to_owned(),
            None => opts.push((option.to_owned(), value.to_owned())),
        }
        self
    }

    /// Removes `section.option`.
    pub fn unset(&mut self, section: &str, option: &str) -> &mut Uci {
        for (s, opts) in &mut self.sections {
            if s == section {
                opts.retain(|(o, _)| o != option);
            }
        }
        self
    }

    /// Raw text appended after the sections (hand-written lines, mistakes on purpose).
    pub fn append(&mut self, text: &str) -> &mut Uci {
        self.extra.push_str(text);
        self
    }

    /// The file's text. Values are single-quoted, or double-quoted with backslashes where they
    /// hold a single quote.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (section, opts) in &self.sections {
            out.push_str(&format!("config {section} '{section}'\n"));
            for (o, v) in opts {
                out.push_str(&format!("\toption {o} {}\n", quote(v)));
            }
            out.push('\n');
        }
        out.push_str(&self.extra);
        out
    }
}

fn quote(v: &str) -> String {
    if !v.contains('\'') {
        return format!("'{v}'");
    }
    let mut s = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

// ---------------------------------------------------------------------------------------------
// The device under test

/// Connection Request credentials every node is configured with.
pub const CR_USER: &str = "cruser";
/// See [`CR_USER`].
pub const CR_PASS: &str = "crpass";

/// One device: its directory, configuration and ports; starts and restarts the daemon.
pub struct Node {
    /// The directory holding config, state, run dir and sockets.
    pub dir: TestDir,
    /// The configuration written before every start.
    pub uci: Uci,
    /// The Connection Request port (`cpe.port`).
    pub cr_port: u16,
    /// The ubusd socket given with `-s` (`None`: `--no-ubus`).
    pub ubus: Option<PathBuf>,
}

impl Node {
    /// A device informing `acs_url`, with short intervals and test commands that only leave
    /// marks in the directory.
    pub fn new(tag: &str, acs_url: &str) -> Node {
        let dir = TestDir::new(tag);
        let d = dir.path().display().to_string();
        let cr_port = free_port();
        let mut uci = Uci::default();
        uci.set("acs", "url", acs_url)
            .set("acs", "get_rpc_methods", "0")
            .set("acs", "retry_min_wait_interval", "1")
            .set("acs", "periodic_inform_enable", "0")
            .set("cpe", "serial_number", &format!("SN-{tag}"))
            .set("cpe", "manufacturer", "cwmpd-e2e")
            .set("cpe", "manufacturer_oui", "ABCDEF")
            .set("cpe", "product_class", "E2E")
            .set("cpe", "software_version", "1.2.3")
            .set("cpe", "hardware_version", "HW-9")
            .set("cpe", "provisioning_code", "PC-E2E")
            .set("cpe", "userid", CR_USER)
            .set("cpe", "passwd", CR_PASS)
            .set("cpe", "port", &cr_port.to_string())
            .set("cwmpd", "state_dir", &format!("{d}/state"))
            .set("cwmpd", "param_store", &format!("{d}/state/params.json"))
            .set("cwmpd", "reboot_command", &format!("touch {d}/rebooted"))
            .set(
                "cwmpd",
                "factory_reset_command",
                &format!("touch {d}/reset"),
            )
            .set(
                "cwmpd",
                "firmware_apply_command",
                &format!("touch {d}/firmware"),
            )
            .set("cwmpd", "config_apply_command", "true");
        Node {
            dir,
            uci,
            cr_port,
            ubus: None,
        }
    }

    /// A path inside the node's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.path("cwmp")
    }

    /// The JSON control socket.
    pub fn ctl(&self) -> PathBuf {
        self.path("ctl.sock")
    }

    /// The run directory (downloads go to `transfers/` inside).
    pub fn run_dir(&self) -> PathBuf {
        self.path("run")
    }

    /// The persisted agent state.
    pub fn state_file(&self) -> PathBuf {
        self.path("state/state.json")
    }

    /// `http://127.0.0.1:PORT/` of the Connection Request listener.
    pub fn cr_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.cr_port)
    }

    /// Writes the configuration file.
    pub fn write_config(&self) {
        std::fs::write(self.config_path(), self.uci.render()).expect("config file");
    }

    /// The daemon's command line (without extra arguments).
    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.arg("-f").arg("-v").arg("-c").arg(self.config_path());
        match &self.ubus {
            Some(s) => c.arg("-s").arg(s),
            None => c.arg("--no-ubus"),
        };
        c.arg("--run-dir")
            .arg(self.run_dir())
            .arg("--control-socket")
            .arg(self.ctl());
        c.stdin(Stdio::null());
        c
    }

    /// Spawns the daemon with the configuration as it is on disk; does not wait for anything.
    pub fn spawn(&self) -> Daemon {
        Daemon::spawn(self.command())
    }

    /// Writes the configuration, starts the daemon and waits until it answers on its control
    /// socket. A Connection Request port taken meanwhile by someone else is replaced.
    ///
    /// # Panics
    /// When the daemon exits or does not answer in time (its log is in the message).
    pub fn start(&mut self) -> Daemon {
        for _ in 0..5 {
            self.write_config();
            let mut d = self.spawn();
            match d.wait_ready(&self.ctl(), WAIT) {
                Ok(()) => return d,
                Err(logs) if logs.contains("connection request port") => {
                    self.cr_port = free_port();
                    let port = self.cr_port.to_string();
                    self.uci.set("cpe", "port", &port);
                }
                Err(logs) => panic!("cwmpd did not start:\n{logs}"),
            }
        }
        panic!("no free Connection Request port found");
    }

    /// One JSON request line on the control socket; the reply line parsed.
    pub fn control(&self, line: &str) -> Json {
        control_call(&self.ctl(), line, WAIT).expect("control socket reply")
    }

    /// `cwmpd ARGS` as a client over the control socket (`--no-ubus`).
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .arg("--no-ubus")
            .arg("--control-socket")
            .arg(self.ctl())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run the cwmpd client")
    }

    /// `cwmpd ARGS` as a client over ubus only (the control socket given is one that does not
    /// exist, so no fallback can hide a ubus problem).
    pub fn cli_ubus(&self, args: &[&str]) -> Output {
        let sock = self.ubus.as_ref().expect("a ubus node");
        Command::new(bin())
            .arg("-s")
            .arg(sock)
            .arg("--control-socket")
            .arg(self.path("no-such.sock"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run the cwmpd client")
    }

    /// Waits until the daemon itself counts `n` finished sessions and runs none (the ACS
    /// records a session as ended when it answers, a moment before the daemon reads that).
    pub fn wait_idle(&self, n: i64) {
        let ok = wait_until(
            || {
                let r = self.control("{\"method\":\"status\"}");
                r["result"]["statistics"]["total_sessions"].as_i64() >= Some(n)
                    && r["result"]["last_session"]["status"] != "running"
            },
            WAIT,
        );
        assert!(
            ok,
            "{n} sessions: {}",
            self.control("{\"method\":\"status\"}")
        );
    }

    /// Asks for a session with `event` over the control socket and checks it was accepted.
    pub fn inform(&self, event: &str) {
        let r = self.control(&format!(
            "{{\"method\":\"inform\",\"args\":{{\"event\":\"{event}\"}}}}"
        ));
        assert_eq!(r["result"]["status"], 1, "inform {event}: {r}");
    }
}

/// Sends one line on a control socket and reads the reply line.
pub fn control_call(socket: &Path, line: &str, timeout: Duration) -> std::io::Result<Json> {
    let mut s = UnixStream::connect(socket)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut text = line.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    s.write_all(text.as_bytes())?;
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply)?;
    serde_json::from_str(&reply).map_err(std::io::Error::other)
}

// ---------------------------------------------------------------------------------------------
// A running daemon

/// A log line and when the test read it.
pub type LogLine = (Instant, String);

/// A running `cwmpd`, its standard error captured line by line. Killed when dropped; its log
/// is printed when the test fails.
pub struct Daemon {
    child: Child,
    logs: Arc<Mutex<Vec<LogLine>>>,
    reader: Option<JoinHandle<()>>,
    status: Option<ExitStatus>,
}

impl Daemon {
    /// Spawns `cmd` with stderr captured.
    pub fn spawn(mut cmd: Command) -> Daemon {
        cmd.stderr(Stdio::piped()).stdout(Stdio::null());
        let mut child = cmd.spawn().expect("spawn cwmpd");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr pipe");
        let sink = Arc::clone(&logs);
        let reader = thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                lock(&sink).push((Instant::now(), line));
            }
        });
        Daemon {
            child,
            logs,
            reader: Some(reader),
            status: None,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every log line so far.
    pub fn log_lines(&self) -> Vec<LogLine> {
        lock(&self.logs).clone()
    }

    /// The log so far as one text.
    pub fn logs(&self) -> String {
        lock(&self.logs)
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until a log line contains `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(
            || lock(&self.logs).iter().any(|(_, l)| l.contains(needle)),
            timeout,
        )
    }

    /// Waits until the control socket answers `status`; on exit or timeout, the log.
    pub fn wait_ready(&mut self, ctl: &Path, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(r) = control_call(ctl, "{\"method\":\"status\"}", Duration::from_secs(2))
                && r.get("result").is_some()
            {
                return Ok(());
            }
            if let Some(st) = self.try_status() {
                self.join_reader();
                return Err(format!("exited with {st}\n{}", self.logs()));
            }
            if Instant::now() >= deadline {
                return Err(format!("no answer on {}\n{}", ctl.display(), self.logs()));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    fn join_reader(&mut self) {
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        self.try_status().is_none()
    }

    /// Waits for the process to end by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_status() {
                self.join_reader();
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// `kill -9` and wait for it. The log reader is not waited for: a command the daemon
    /// started may outlive it and keep its stderr open.
    pub fn kill9(&mut self) {
        if self.try_status().is_none() {
            let _ = self.child.kill();
            self.status = self.child.wait().ok();
        }
    }

    /// Sends a signal by name (`HUP`, `TERM`...).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill -{name} {}", self.pid());
    }

    /// User plus system CPU time of the process so far, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        cpu_ticks(self.pid())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
        if thread::panicking() {
            eprintln!("---- cwmpd {} log ----\n{}", self.pid(), self.logs());
        }
    }
}

/// utime + stime of a process from `/proc/PID/stat`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name is in parentheses and may hold spaces: fields are counted after it.
    let rest = &stat[stat.rfind(')').expect("stat format") + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ")": state is field 3, so utime (14) and stime (15) are at 11 and 12.
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

/// Parses the JSON a client command printed on stdout.
pub fn stdout_json(out: &Output) -> Json {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Connection Requests with curl

/// The HTTP status codes curl saw for `url` with Digest credentials (one per response, the
/// 401 challenge included), or an error text.
pub fn curl_digest(url: &str, user: &str, pass: &str) -> Vec<u16> {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "10",
            "--digest",
            "-u",
        ])
        .arg(format!("{user}:{pass}"))
        .args(["-w", "%{http_code}\n", "-D", "-"])
        .arg(url)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.starts_with("HTTP/"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect()
}

/// One raw HTTP request to the Connection Request port; the status of the answer (0 when the
/// connection closed without one).
pub fn raw_http_status(port: u16, request: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(request.as_bytes());
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// A file server for Download tests

/// One request the file server answered.
#[derive(Debug, Clone)]
pub struct FileRequest {
    /// Method.
    pub method: String,
    /// Request target.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The status answered.
    pub status: u16,
}

#[derive(Default)]
struct FileState {
    files: HashMap<String, Vec<u8>>,
    basic: Option<(String, String)>,
    requests: Vec<FileRequest>,
}

/// An HTTP/1.1 file server on 127.0.0.1: one request per connection, `GET` of the files put
/// into it, 404 for the rest, Basic authentication when asked for.
pub struct FileServer {
    addr: SocketAddr,
    state: Arc<Mutex<FileState>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FileServer {
    /// Listens on a free port.
    pub fn start() -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("file server port");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(FileState::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        let accept = thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = Arc::clone(&st);
                thread::spawn(move || serve_file(conn, &st));
            }
        });
        FileServer {
            addr,
            state,
            stop,
            accept: Some(accept),
        }
    }

    /// Serves `bytes` at `path` (`/fw.bin`).
    pub fn put(&self, path: &str, bytes: &[u8]) {
        lock(&self.state)
            .files
            .insert(path.to_owned(), bytes.to_vec());
    }

    /// Requires Basic authentication with these credentials from now on.
    pub fn require_basic(&self, user: &str, pass: &str) {
        lock(&self.state).basic = Some((user.to_owned(), pass.to_owned()));
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<FileRequest> {
        lock(&self.state).requests.clone()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve_file(mut conn: TcpStream, state: &Mutex<FileState>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) if head.len() < 16 * 1024 => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_owned();
    let path = first.next().unwrap_or("").to_owned();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_owned());
    let (status, body) = {
        let st = lock(state);
        let authorized = match &st.basic {
            None => true,
            Some((u, p)) => {
                authorization.as_deref() == Some(&format!("Basic {}", base64(&format!("{u}:{p}"))))
            }
        };
        if !authorized {
            (401, Vec::new())
        } else if method != "GET" {
            (405, Vec::new())
        } else {
            match st.files.get(&path) {
                Some(b) => (200, b.clone()),
                None => (404, Vec::new()),
            }
        }
    };
    lock(state).requests.push(FileRequest {
        method,
        path,
        authorization,
        status,
    });
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status == 401 {
        resp.push_str("WWW-Authenticate: Basic realm=\"files\"\r\n");
    }
    if status == 200 {
        resp.push_str("Content-Type: application/octet-stream\r\n");
    }
    resp.push_str("\r\n");
    let mut bytes = resp.into_bytes();
    bytes.extend_from_slice(&body);
    let _ = conn.write_all(&bytes);
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
}

/// Standard base64 with padding.
pub fn base64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
