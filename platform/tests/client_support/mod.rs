//! Shared pieces of the client tests: a test agent behind the `tr069` API, a JSON control
//! socket server built on `cwmp_core::control::json::serve`, servers that never answer, and
//! the replies the agent's answers must print as.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use cwmp_bench::ubus_client::Tr069Server;
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::control::json::{Line, encode_error, line_len, serve};
use cwmp_core::control::{
    Command, CommandOutcome, ControlError, ControlHandler, CwmpInfo, InformOutcome, InformRequest,
    LastSession, NextSession, Request, ServiceStatus, Statistics, StatusReply, TR069_OBJECT,
};
use cwmp_core::time::{Instant, UnixTime};
use cwmp_core::ubus::client::{Client, Config, Event};
use cwmp_core::ubus::msg::Framing;

pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh, empty directory under the system temp dir (short: socket paths are limited).
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cwmp-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The agent behind the API: fixed answers, every request it acted on recorded.
pub struct Agent {
    pub acs_url: &'static str,
    pub inform_outcome: InformOutcome<'static>,
    pub command_outcome: CommandOutcome<'static>,
    pub seen: Arc<Mutex<Vec<Request>>>,
}

impl Agent {
    pub fn new(acs_url: &'static str) -> Agent {
        Agent {
            acs_url,
            inform_outcome: InformOutcome::Started,
            command_outcome: CommandOutcome::Done,
            seen: Arc::default(),
        }
    }
}

impl ControlHandler for Agent {
    fn status(&self) -> StatusReply<'_> {
        StatusReply {
            cwmp: CwmpInfo {
                acs_url: self.acs_url,
                start_time: Some(UnixTime(1_704_067_200)),
                status: ServiceStatus::Up,
            },
            last_session: LastSession::Success {
                start: UnixTime(1_704_067_205),
                end: UnixTime(1_704_067_207),
            },
            next_session: NextSession {
                start_time: Some(UnixTime(1_704_067_505)),
            },
            statistics: Statistics {
                success_sessions: 3,
                failure_sessions: 0,
            },
        }
    }

    fn inform(&mut self, request: InformRequest) -> InformOutcome<'_> {
        self.seen.lock().unwrap().push(Request::Inform(request));
        self.inform_outcome
    }

    fn command(&mut self, command: Command) -> CommandOutcome<'_> {
        self.seen.lock().unwrap().push(Request::Command(command));
        self.command_outcome
    }
}

/// `status` of [`Agent`] with `acs_url`, as the client must print it.
pub fn status_text(acs_url: &str) -> String {
    format!(
        r#"{{
  "cwmp": {{
    "status": "up",
    "start_time": "2024-01-01T00:00:00Z",
    "acs_url": "{acs_url}"
  }},
  "last_session": {{
    "status": "success",
    "start_time": "2024-01-01T00:00:05Z",
    "end_time": "2024-01-01T00:00:07Z"
  }},
  "next_session": {{
    "status": "waiting",
    "start_time": "2024-01-01T00:05:05Z",
    "end_time": "N/A"
  }},
  "statistics": {{
    "success_sessions": 3,
    "failure_sessions": 0,
    "total_sessions": 3
  }}
}}"#
    )
}

/// A `{status, info}` reply as the client must print it (`info` already JSON-escaped).
pub fn result_text(status: i32, escaped_info: &str) -> String {
    format!("{{\n  \"status\": {status},\n  \"info\": \"{escaped_info}\"\n}}")
}

/// ubusd with cwmpd's `tr069` object served for `agent`.
pub struct UbusSide {
    pub ubusd: Ubusd,
    pub server: Tr069Server,
    pub seen: Arc<Mutex<Vec<Request>>>,
}

impl UbusSide {
    pub fn start(path: &Path, agent: Agent) -> UbusSide {
        let ubusd = Ubusd::start(path).unwrap();
        let seen = Arc::clone(&agent.seen);
        let server = Tr069Server::start(path, agent);
        assert!(server.wait_registered(1, TIMEOUT), "tr069 not registered");
        UbusSide {
            ubusd,
            server,
            seen,
        }
    }
}

/// Stops a listener thread blocked in `accept` when dropped.
pub struct Listening {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn listen(path: &Path, mut on_conn: impl FnMut(UnixStream) + Send + 'static) -> Listening {
    let listener = UnixListener::bind(path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = thread::spawn(move || {
        for stream in listener.incoming() {
            if flag.load(Ordering::SeqCst) {
                break;
            }
            if let Ok(stream) = stream {
                on_conn(stream);
            }
        }
    });
    Listening {
        path: path.to_path_buf(),
        stop,
        thread: Some(thread),
    }
}

/// cwmpd's control socket for `agent`: one JSON request per line, one reply per line, served
/// with core's `control::json::serve`.
pub fn control_server(path: &Path, agent: Agent) -> (Listening, Arc<Mutex<Vec<Request>>>) {
    let seen = Arc::clone(&agent.seen);
    let agent = Mutex::new(agent);
    let listening = listen(path, move |mut stream| {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            match line_len(&buf) {
                Line::Complete { len } => {
                    let mut out = [0u8; 2048];
                    let n = serve(&buf[..len], &mut *agent.lock().unwrap(), &mut out).unwrap();
                    buf.drain(..len);
                    if stream.write_all(&out[..n]).is_err() {
                        return;
                    }
                }
                Line::TooLong => {
                    // As the daemon: answer once, then close.
                    let mut out = [0u8; 128];
                    let n = encode_error(ControlError::ParseError, &mut out).unwrap();
                    let _ = stream.write_all(&out[..n]);
                    return;
                }
                Line::Partial => match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                },
            }
        }
    });
    (listening, seen)
}

/// A control socket that reads the request and closes without answering.
pub fn closing_server(path: &Path) -> Listening {
    listen(path, |mut stream| {
        let mut chunk = [0u8; 256];
        let _ = stream.read(&mut chunk);
    })
}

/// A control socket that accepts and never answers (connections kept open).
pub fn silent_server(path: &Path) -> Listening {
    let mut held = Vec::new();
    listen(path, move |stream| held.push(stream))
}

/// A `tr069` object on ubusd that takes every call and never answers it.
pub struct SilentObject {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentObject {
    pub fn start(path: &Path) -> SilentObject {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let (registered_tx, registered_rx) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        let thread = thread::spawn(move || {
            let mut stream = UnixStream::connect(&path).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            let mut client = Client::new(Config::new(Some(&TR069_OBJECT))).unwrap();
            let mut rx = Vec::new();
            let mut tx = vec![0u8; 4096];
            let mut chunk = [0u8; 4096];
            while !flag.load(Ordering::SeqCst) {
                if let Ok(n) = stream.read(&mut chunk) {
                    if n == 0 {
                        return;
                    }
                    rx.extend_from_slice(&chunk[..n]);
                }
                while let Ok(Framing::Complete { len }) = client.frame_len(&rx) {
                    let frame: Vec<u8> = rx.drain(..len).collect();
                    if let Ok(Some(Event::ObjectRegistered { .. })) = client.handle_frame(&frame) {
                        let _ = registered_tx.send(());
                    }
                    // An Invoke is simply never answered.
                }
                while let Ok(Some(n)) = client.poll_transmit(Instant::ZERO, &mut tx) {
                    stream.write_all(&tx[..n]).unwrap();
                }
            }
        });
        registered_rx.recv_timeout(TIMEOUT).unwrap();
        SilentObject {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SilentObject {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A control socket that answers with `len` bytes and no newline, then keeps the connection.
pub fn endless_server(path: &Path, len: usize) -> Listening {
    let mut held = Vec::new();
    listen(path, move |mut stream| {
        let _ = stream.write_all(&vec![b' '; len]);
        held.push(stream);
    })
}
