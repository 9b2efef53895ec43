//! The real `cwmpd` binary run against the harness: its configuration file, its directories,
//! its process.
//!
//! Responsible for writing a UCI file that points the daemon at the test ACS (and optionally a
//! ubusd socket and a parameter store), starting the binary, and stopping it. Not responsible
//! for measuring it.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// User name and password of Connection Requests in the benchmark configuration.
pub const CR_USER: &str = "bench";
/// See [`CR_USER`].
pub const CR_PASSWORD: &str = "bench-cr-secret";

/// How to run one daemon.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Register on this ubusd socket (`None`: `--no-ubus`).
    pub ubus_socket: Option<PathBuf>,
    /// Contents of the built-in store's state file, written before start (`None`: the
    /// embedded default seed is used).
    pub store: Option<String>,
    /// Keep the directory of an earlier run (its state: the next boot is `1 BOOT`, not
    /// `0 BOOTSTRAP`).
    pub keep_state: bool,
}

/// A running daemon; stopped (SIGKILL) when dropped.
pub struct Daemon {
    child: Child,
    /// When the process was spawned.
    pub spawned: Instant,
    /// Its Connection Request port on 127.0.0.1.
    pub cr_port: u16,
    /// Its working directory (configuration, state, sockets, log).
    pub dir: PathBuf,
}

impl Daemon {
    /// Writes the configuration under `dir` and starts `bin` on it.
    pub fn start(bin: &Path, acs_url: &str, dir: &Path, opts: &Options) -> Result<Daemon, String> {
        if !opts.keep_state {
            let _ = fs::remove_dir_all(dir);
        }
        let state = dir.join("state");
        let run = dir.join("run");
        for d in [&state, &run] {
            fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        let store = state.join("params.json");
        if let Some(json) = &opts.store {
            fs::write(&store, json).map_err(|e| format!("{}: {e}", store.display()))?;
        }
        let cfg = dir.join("cwmp");
        fs::write(&cfg, config(acs_url, &state, &store))
            .map_err(|e| format!("{}: {e}", cfg.display()))?;
        let cr_port = free_port()?;
        let log = fs::File::create(dir.join("cwmpd.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        cmd.arg("-f")
            .arg("-c")
            .arg(&cfg)
            .arg("--run-dir")
            .arg(&run)
            .arg("--control-socket")
            .arg(run.join("ctl.sock"))
            .arg("--cr-port")
            .arg(cr_port.to_string());
        match &opts.ubus_socket {
            Some(s) => cmd.arg("-s").arg(s),
            None => cmd.arg("--no-ubus"),
        };
        let spawned = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        Ok(Daemon {
            child,
            spawned,
            cr_port,
            dir: dir.to_path_buf(),
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An error if the process has exited (with the end of its log).
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "cwmpd exited ({status}); its log ends:\n{}",
                self.log_tail()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The last lines of the daemon's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.dir.join("cwmpd.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Waits up to `timeout` for the process to hold its Connection Request port.
    pub fn wait_listening(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_alive()?;
            if std::net::TcpStream::connect(("127.0.0.1", self.cr_port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("cwmpd did not open its Connection Request port".into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The UCI file: the ACS, Connection Request credentials, an identity, the state under
/// `state`, Connection Requests limited as little as the agent allows (the benchmark sends
/// hundreds).
fn config(acs_url: &str, state: &Path, store: &Path) -> String {
    format!(
        "config acs 'acs'\n\
         \toption url '{acs_url}'\n\
         config cpe 'cpe'\n\
         \toption userid '{CR_USER}'\n\
         \toption passwd '{CR_PASSWORD}'\n\
         \toption manufacturer 'Bench'\n\
         \toption manufacturer_oui 'ABCDEF'\n\
         \toption product_class 'BenchRouter'\n\
         \toption serial_number 'BENCH0001'\n\
         config cwmpd 'cwmpd'\n\
         \toption state_dir '{}'\n\
         \toption param_store '{}'\n\
         \toption cr_rate_limit '64/1'\n",
        state.display(),
        store.display()
    )
}

/// A TCP port nobody listens on right now.
fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A built-in store file with `n` string parameters under `Device.X_BENCH.Table.{i}.`
/// (five per instance), about 60 bytes of name and value each.
pub fn store_with(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    s.push_str("{\n  \"version\": 1,\n  \"parameters\": [");
    for i in 0..n {
        let sep = if i == 0 { "" } else { "," };
        s.push_str(&format!(
            "{sep}\n    {{\"name\": \"Device.X_BENCH.Table.{}.Param{}\", \"type\": \"string\", \"writable\": true, \"value\": \"value-{i:06}-of-the-benchmark\"}}",
            i / 5 + 1,
            i % 5
        ));
    }
    s.push_str("\n  ]\n}\n");
    s
}
