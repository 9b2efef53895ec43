//! The daemon's event loop: one `mio::Poll`, single-threaded, driving the agent.
//!
//! Sources: the ACS connection, the Connection Request listener and its clients, the ubusd
//! socket, the JSON control socket and its clients, signals, and a waker for the helper threads
//! (name resolution, file transfers, apply commands, software-module operations). The poll
//! timeout is the earliest deadline of the agent and of every source, so an idle daemon sleeps.
//! Nothing here blocks on the network; every protocol decision is the agent's (cwmp-core). This
//! module moves bytes, runs commands, writes files and calls the agent.

use std::io::{self, Read, Write};
use std::net::{Ipv6Addr, SocketAddr};
use std::ops::Range;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant as StdInstant, SystemTime, UNIX_EPOCH};

use cwmp_core::agent::transfers::{FileType, Kind};
use cwmp_core::agent::{Agent, AgentConfig, Clock, Effect, Output};
use cwmp_core::control::{self, TR069_OBJECT};
use cwmp_core::datamodel::DataModel;
use cwmp_core::http::cr::{Handled, RequestReader};
use cwmp_core::http::url::Url;
use cwmp_core::limits::{CR_MAX_REQUEST_BYTES, CR_MAX_RESPONSE_BYTES, SNAPSHOT_MAX};
use cwmp_core::persist::SnapshotError;
use cwmp_core::sink::SliceSink;
use cwmp_core::soap::FaultCode;
use cwmp_core::time::{Instant, UnixTime};
use cwmp_core::ubus::client::{Client as UbusClient, Config as UbusConfig, Event as UbusEvent};
use cwmp_core::ubus::msg::Framing;
use log::{debug, error, info, warn};
use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Events, Interest, Poll, Token, Waker};

use crate::du::runner::{Context as DuContext, Runner as DuRunner};
use crate::du::{DuSettings, Inventory, SoftwareModules, WithSoftwareModules};
use crate::net::{AcsConnection, ConnState, ConnectOptions, TlsConfig};
use crate::transfer::{Download, TransferHandle, TransferOptions, TransferRequest, Upload};

const ACS: Token = Token(1);
const CR_LISTENER: Token = Token(2);
const UBUS: Token = Token(3);
const CONTROL_LISTENER: Token = Token(4);
const SIGNALS: Token = Token(5);
const WAKER: Token = Token(6);
const CR_CLIENT_BASE: usize = 100;
const CONTROL_CLIENT_BASE: usize = 200;

/// Wait before trying ubusd again after it went away.
const UBUS_RETRY: Duration = Duration::from_secs(5);
/// Largest control-socket request line.
const CONTROL_LINE_MAX: usize = 4096;
/// Wall-clock times before this are taken as "the clock is not set" (no NTP yet).
const CLOCK_VALID_AFTER: u64 = 1_577_836_800; // 2020-01-01

/// Shell commands for the effects (run as `/bin/sh -c CMD cwmpd ARG`: the file is `$1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commands {
    /// Reboot the device.
    pub reboot: String,
    /// Factory reset (and reboot).
    pub factory_reset: String,
    /// Apply a firmware image (`$1`).
    pub firmware_apply: String,
    /// Apply a vendor configuration file (`$1`).
    pub config_apply: String,
    /// Write a vendor configuration backup into `$1` (Upload `1 Vendor Configuration File`).
    pub config_backup: String,
    /// Write the device log into `$1` (Upload `2 Vendor Log File`).
    pub log_dump: String,
}

impl Default for Commands {
    fn default() -> Self {
        Commands {
            reboot: "reboot".into(),
            factory_reset: "firstboot -y && reboot".into(),
            firmware_apply: "sysupgrade \"$1\"".into(),
            config_apply: "sysupgrade -r \"$1\"".into(),
            config_backup: "sysupgrade -b \"$1\"".into(),
            log_dump: "logread > \"$1\"".into(),
        }
    }
}

/// Everything the loop needs besides the agent's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The agent's configuration.
    pub agent: AgentConfig,
    /// TLS for `https:` ACS and file URLs.
    pub tls: Option<TlsConfig>,
    /// Connection Request port (`None`: no listener).
    pub cr_port: Option<u16>,
    /// ubusd socket (`None`: no ubus).
    pub ubus_socket: Option<PathBuf>,
    /// JSON control socket (`None`: none).
    pub control_socket: Option<PathBuf>,
    /// Where the state snapshot lives.
    pub state_dir: PathBuf,
    /// Where downloads and upload files are written.
    pub transfer_dir: PathBuf,
    /// Effect commands.
    pub commands: Commands,
    /// Receive buffer for ACS responses, bytes.
    pub rx_buffer: usize,
    /// Connection Request clients served at once.
    pub max_cr_clients: usize,
    /// How long a Connection Request client has to send its request (`cpe.cr_timeout`).
    pub cr_timeout: Duration,
    /// ACS connection timeouts.
    pub connect: ConnectOptions,
    /// Software modules (ChangeDUState, `Device.SoftwareModules.`); `None`: off. Read at
    /// start: a reload that turns them on or off takes effect at the next start.
    pub du: Option<DuSettings>,
}

impl Settings {
    /// Defaults around `agent`.
    pub fn new(agent: AgentConfig) -> Settings {
        Settings {
            agent,
            tls: None,
            cr_port: Some(7547),
            ubus_socket: Some(PathBuf::from("/var/run/ubus/ubus.sock")),
            control_socket: Some(PathBuf::from("/var/run/cwmpd.sock")),
            state_dir: PathBuf::from("/etc/cwmpd"),
            transfer_dir: PathBuf::from("/tmp/cwmpd"),
            commands: Commands::default(),
            rx_buffer: 256 * 1024,
            max_cr_clients: 8,
            cr_timeout: Duration::from_secs(5),
            connect: ConnectOptions::default(),
            du: None,
        }
    }

    /// The snapshot file.
    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("state.json")
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// `command exit`, SIGTERM or SIGINT.
    Stopped,
    /// The reboot command ran.
    Rebooted,
    /// The factory reset command ran.
    FactoryReset,
    /// A firmware image was handed to the apply command.
    FirmwareApplied,
}

/// Loads the configuration again (SIGHUP, `command reload`).
pub type Reload<'a> = dyn FnMut() -> Result<Settings, String> + 'a;

struct CrClient {
    stream: TcpStream,
    reader: RequestReader,
    buf: Vec<u8>,
    deadline: StdInstant,
}

struct ControlClient {
    stream: UnixStream,
    buf: Vec<u8>,
    /// A line was refused: further input is dropped until the client closes.
    discard: bool,
}

enum UbusLink {
    Down {
        retry_at: StdInstant,
    },
    Up {
        stream: UnixStream,
        rx: Vec<u8>,
        out: Vec<u8>,
    },
}

struct Job {
    slot: u8,
    firmware: bool,
    result: Receiver<bool>,
}

/// The event loop and everything it owns.
pub struct Runtime<'d> {
    poll: Poll,
    waker: Arc<Waker>,
    start: StdInstant,
    /// Boxed: the agent is about 30 KiB, and every move of an inline one (out of `new`, into
    /// the caller's variable) took that much more stack, which stays dirty for the process's
    /// life.
    agent: Box<Agent>,
    /// The data-model backend, with `Device.SoftwareModules.` when software modules are on.
    dm: WithSoftwareModules<'d>,
    /// Software-module operations and the sync at start.
    du: DuRunner,
    settings: Settings,
    acs: Option<AcsConnection>,
    /// The agent was told the current ACS connection is up.
    acs_announced: bool,
    /// This side's address of the last ACS connection: the host part of the Connection Request
    /// URL (the ACS reaches the device where the device reached it from).
    acs_local: Option<SocketAddr>,
    rx: Vec<u8>,
    rx_len: usize,
    tx: Vec<u8>,
    /// Bytes of `tx` still to send, and whether they end a request.
    pending: Option<(Range<usize>, bool)>,
    cr_listener: Option<TcpListener>,
    cr_clients: Vec<Option<CrClient>>,
    ubus: Option<(UbusClient, UbusLink)>,
    ubus_tx: Vec<u8>,
    /// ubusd was found missing and that was logged (the next success is logged too).
    ubus_missing_logged: bool,
    control: Option<UnixListener>,
    control_clients: Vec<Option<ControlClient>>,
    signal_rx: UnixStream,
    term: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
    transfers: Vec<(u8, TransferHandle)>,
    jobs: Vec<Job>,
    exit: Option<ExitReason>,
}

/// The buffer a snapshot is first encoded into (see [`Runtime::persist`]).
const SNAPSHOT_FIRST_TRY: usize = 16 * 1024;

/// The contents of `path` if it holds at most `max` bytes (`None` if it holds more).
fn read_bounded(path: &Path, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= max).then_some(bytes))
}

/// Builds the agent (restoring `snapshot`) on a short-lived thread and returns it boxed.
///
/// The agent is about 30 KiB and restoring a snapshot decodes by-value records of about
/// 21 KiB (several copies in the decoder's frames): some 150–250 KiB of stack at start-up.
/// On the main thread those pages would stay resident for the daemon's life; a thread's stack
/// is given back when the thread ends.
fn build_agent(
    cfg: &AgentConfig,
    snapshot: Option<&[u8]>,
    clock: Clock,
    entropy: [u8; 32],
) -> (Box<Agent>, Option<SnapshotError>) {
    let build = || {
        let (agent, err) = Agent::new(cfg.clone(), snapshot, clock, entropy);
        (Box::new(agent), err)
    };
    let built = thread::scope(|s| {
        match thread::Builder::new()
            .name("cwmpd-init".into())
            .spawn_scoped(s, build)
        {
            Ok(h) => h.join().ok(),
            Err(e) => {
                warn!("cannot start a thread to build the agent ({e}); building it here");
                None
            }
        }
    });
    built.unwrap_or_else(build)
}

fn io_error(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{what}: {e}"))
}

impl<'d> Runtime<'d> {
    /// Sets everything up: reads the snapshot, builds the agent, opens the listeners.
    pub fn new(settings: Settings, dm: &'d mut dyn DataModel) -> io::Result<Runtime<'d>> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let start = StdInstant::now();
        let clock = clock_at(start, start);
        let snapshot = match read_bounded(&settings.state_file(), SNAPSHOT_MAX) {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => {
                error!(
                    "{} is larger than a state snapshot can be ({SNAPSHOT_MAX} bytes); ignored",
                    settings.state_file().display()
                );
                None
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                error!("cannot read {}: {e}", settings.state_file().display());
                None
            }
        };
        let mut entropy = [0u8; 32];
        fill_entropy(&mut entropy);
        let (mut agent, err) = build_agent(&settings.agent, snapshot.as_deref(), clock, entropy);
        if let Some(e) = err {
            error!(
                "{}: {e}; starting as a new device for the ACS (BOOTSTRAP)",
                settings.state_file().display()
            );
        }
        let modules = settings.du.as_ref().map(|du| {
            let (inventory, problem) =
                Inventory::open(crate::du::inventory_path(&settings.state_dir));
            if let Some(p) = problem {
                error!("software modules: {p}");
            }
            SoftwareModules {
                inventory,
                exec_env: du.exec_env.clone(),
            }
        });
        let mut dm = WithSoftwareModules::new(dm, modules);
        // A firmware installed without the ACS shows as a new SoftwareVersion.
        agent.check_software_version(clock, &mut dm);
        // Signals: flags for what arrived, one pipe to wake the loop.
        let (sig_rx, sig_tx) = StdUnixStream::pair()?;
        sig_rx.set_nonblocking(true)?;
        sig_tx.set_nonblocking(true)?;
        let term = Arc::new(AtomicBool::new(false));
        let hup = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(sig, term.clone())?;
            signal_hook::low_level::pipe::register(sig, sig_tx.try_clone()?)?;
        }
        signal_hook::flag::register(signal_hook::consts::SIGHUP, hup.clone())?;
        signal_hook::low_level::pipe::register(signal_hook::consts::SIGHUP, sig_tx)?;
        let mut signal_rx = UnixStream::from_std(sig_rx);
        poll.registry()
            .register(&mut signal_rx, SIGNALS, Interest::READABLE)?;
        let ubus = match &settings.ubus_socket {
            Some(_) => {
                let client = UbusClient::new(UbusConfig::new(Some(&TR069_OBJECT)))
                    .map_err(|e| io_error("ubus", e))?;
                Some((client, UbusLink::Down { retry_at: start }))
            }
            None => None,
        };
        let tx_len = settings
            .agent
            .tx_buffer
            .max(cwmp_core::agent::outgoing::MIN_TX_BUFFER);
        let mut rt = Runtime {
            poll,
            waker,
            start,
            agent,
            dm,
            du: DuRunner::new(),
            acs: None,
            acs_announced: false,
            acs_local: None,
            rx: vec![0; settings.rx_buffer],
            rx_len: 0,
            tx: vec![0; tx_len],
            pending: None,
            cr_listener: None,
            cr_clients: (0..settings.max_cr_clients).map(|_| None).collect(),
            ubus,
            ubus_tx: vec![0; 64 * 1024],
            ubus_missing_logged: false,
            control: None,
            control_clients: (0..8).map(|_| None).collect(),
            signal_rx,
            term,
            hup,
            transfers: Vec::new(),
            jobs: Vec::new(),
            exit: None,
            settings,
        };
        rt.open_listeners()?;
        std::fs::create_dir_all(&rt.settings.transfer_dir).ok();
        rt.fail_interrupted_applies();
        // Packages changed without the ACS; DU operations wait for this to finish.
        let ctx = du_context(&rt.settings, &rt.waker, clock);
        rt.du.start_sync(&ctx);
        rt.process_outputs();
        Ok(rt)
    }

    fn open_listeners(&mut self) -> io::Result<()> {
        if let Some(mut l) = self.cr_listener.take() {
            let _ = self.poll.registry().deregister(&mut l);
        }
        if let (Some(port), true) = (
            self.settings.cr_port,
            self.agent.accepts_connection_requests(),
        ) {
            // Dual-stack where the system allows it; IPv4 only otherwise.
            let v6: SocketAddr = (Ipv6Addr::UNSPECIFIED, port).into();
            let v4: SocketAddr = ([0, 0, 0, 0], port).into();
            let mut listener = TcpListener::bind(v6)
                .or_else(|_| TcpListener::bind(v4))
                .map_err(|e| io_error(&format!("connection request port {port}"), e))?;
            self.poll
                .registry()
                .register(&mut listener, CR_LISTENER, Interest::READABLE)?;
            info!(
                "connection requests on port {port}, path {}",
                self.settings.agent.connection_request.path
            );
            self.cr_listener = Some(listener);
        }
        if self.control.is_none()
            && let Some(path) = self.settings.control_socket.clone()
        {
            {
                match bind_unix(&path) {
                    Ok(mut l) => {
                        self.poll.registry().register(
                            &mut l,
                            CONTROL_LISTENER,
                            Interest::READABLE,
                        )?;
                        self.control = Some(l);
                    }
                    Err(e) => warn!("control socket {}: {e}", path.display()),
                }
            }
        }
        Ok(())
    }

    /// The agent (for tests and the daemon).
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    fn clock(&self) -> Clock {
        clock_at(self.start, StdInstant::now())
    }

    /// Runs until the agent or a signal stops it.
    pub fn run(&mut self, reload: &mut Reload<'_>) -> io::Result<ExitReason> {
        let mut events = Events::with_capacity(64);
        loop {
            self.process_outputs();
            self.drive_transmit();
            if let Some(reason) = self.exit {
                self.shutdown();
                return Ok(reason);
            }
            let timeout = self.next_timeout();
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                match ev.token() {
                    ACS => self.on_acs_event(),
                    CR_LISTENER => self.accept_cr(),
                    UBUS => self.on_ubus_event(),
                    CONTROL_LISTENER => self.accept_control(),
                    SIGNALS => self.on_signal(reload),
                    WAKER => {}
                    Token(t) if (CR_CLIENT_BASE..CONTROL_CLIENT_BASE).contains(&t) => {
                        self.on_cr_client(t - CR_CLIENT_BASE)
                    }
                    Token(t) if t >= CONTROL_CLIENT_BASE => {
                        self.on_control_client(t - CONTROL_CLIENT_BASE)
                    }
                    _ => {}
                }
            }
            // Threads (resolution, transfers, commands) report through the waker.
            self.collect_background();
            self.on_acs_event();
            self.expire_cr_clients();
            self.drive_ubus();
            if self.hup.swap(false, Ordering::SeqCst) {
                self.reload(reload);
            }
            let clock = self.clock();
            if self.agent.poll_timeout().is_some_and(|t| t <= clock.mono) {
                self.agent.handle_timeout(clock, &mut self.dm);
            }
        }
    }

    fn next_timeout(&self) -> Option<Duration> {
        let now = StdInstant::now();
        let mut deadline: Option<StdInstant> = None;
        let mut consider = |t: Option<StdInstant>| {
            if let Some(t) = t {
                deadline = Some(deadline.map_or(t, |d| d.min(t)));
            }
        };
        consider(
            self.agent
                .poll_timeout()
                .map(|t| self.start + Duration::from_millis(t.as_millis())),
        );
        consider(self.acs.as_ref().and_then(|c| c.deadline()));
        for c in self.cr_clients.iter().flatten() {
            consider(Some(c.deadline));
        }
        if let Some((client, link)) = &self.ubus {
            match link {
                UbusLink::Down { retry_at } => consider(Some(*retry_at)),
                UbusLink::Up { .. } => consider(
                    client
                        .poll_timeout()
                        .map(|t| self.start + Duration::from_millis(t.as_millis())),
                ),
            }
        }
        if !self.transfers.is_empty() || !self.jobs.is_empty() || self.du.is_busy() {
            // Helper threads wake the loop; this is only a safety net.
            consider(Some(now + Duration::from_secs(1)));
        }
        deadline.map(|d| d.saturating_duration_since(now))
    }

    // -----------------------------------------------------------------------------------------
    // Agent outputs

    fn process_outputs(&mut self) {
        while let Some(out) = self.agent.poll_output() {
            match out {
                Output::Connect => self.connect_acs(),
                Output::Close => self.close_acs(),
                Output::Persist => self.persist(),
                Output::Effect(e) => self.effect(e),
            }
        }
    }

    fn persist(&mut self) {
        // Encoded on a short-lived thread, as the agent is built (see `build_agent`): the
        // snapshot is assembled by value (~21 KiB, copied again by the encoder), stack that
        // would otherwise stay resident on the main thread for the daemon's life.
        let agent = &*self.agent;
        let encode = || {
            // A small buffer first: real snapshots are a few KiB, only a state with every
            // table full of long strings needs the worst case.
            let mut result = Err(SnapshotError::Full);
            for size in [SNAPSHOT_FIRST_TRY, SNAPSHOT_MAX] {
                let mut buf = vec![0u8; size];
                result = agent.write_snapshot(&mut buf).map(|n| {
                    buf.truncate(n);
                    buf
                });
                if result != Err(SnapshotError::Full) {
                    break;
                }
            }
            result
        };
        let encoded = thread::scope(|s| {
            match thread::Builder::new()
                .name("cwmpd-persist".into())
                .spawn_scoped(s, encode)
            {
                Ok(h) => h.join().ok(),
                Err(e) => {
                    warn!(
                        "cannot start a thread to encode the state snapshot ({e}); encoding it here"
                    );
                    None
                }
            }
        });
        match encoded.unwrap_or_else(encode) {
            Ok(bytes) => {
                if let Err(e) = std::fs::create_dir_all(&self.settings.state_dir)
                    .and_then(|()| crate::fsutil::write_atomic(&self.settings.state_file(), &bytes))
                {
                    error!("cannot write {}: {e}", self.settings.state_file().display());
                }
            }
            Err(e) => error!("cannot encode the state snapshot: {e}"),
        }
    }

    fn connect_acs(&mut self) {
        self.close_acs();
        let clock = self.clock();
        let url_text = self.agent.session_url().to_owned();
        let url = match Url::parse(&url_text) {
            Ok(u) => u,
            Err(e) => {
                error!("ACS URL {url_text:?}: {e}");
                self.agent.handle_connect_failed(clock);
                return;
            }
        };
        debug!("connecting to {url_text}");
        let opened = AcsConnection::open(
            &url,
            self.settings.tls.as_ref(),
            &self.settings.connect,
            self.poll.registry(),
            ACS,
            Some(self.waker.clone()),
            StdInstant::now(),
        );
        match opened {
            Ok(conn) => {
                self.acs = Some(conn);
                self.acs_announced = false;
                self.rx_len = 0;
                self.pending = None;
                self.on_acs_event();
            }
            Err(e) => {
                warn!("cannot connect to {url_text}: {e}");
                self.agent.handle_connect_failed(clock);
            }
        }
    }

    fn close_acs(&mut self) {
        if let Some(mut conn) = self.acs.take() {
            conn.close(self.poll.registry());
        }
        self.pending = None;
        self.rx_len = 0;
    }

    /// Moves the ACS connection forward: connection set-up, reads, writes, close.
    fn on_acs_event(&mut self) {
        let Some(conn) = self.acs.as_mut() else {
            return;
        };
        let clock = clock_at(self.start, StdInstant::now());
        // `open` may finish the TCP connect at once, so "established" is told to the agent the
        // first time it is seen, whatever the state before this call.
        match conn.drive(self.poll.registry(), StdInstant::now()) {
            Ok(ConnState::Established) if !self.acs_announced => {
                self.acs_announced = true;
                if let Some(local) = conn.local_addr() {
                    self.acs_local = Some(local);
                    let url = cr_url(local, &self.settings);
                    self.agent
                        .set_connection_request_url(&url, clock, &mut self.dm);
                }
                self.agent.handle_connected(clock);
            }
            Ok(_) => {}
            Err(e) => {
                warn!("ACS connection failed: {e}");
                self.acs = None;
                self.pending = None;
                self.agent.handle_connect_failed(clock);
                return;
            }
        }
        if !self.acs.as_ref().is_some_and(|c| c.is_connected()) {
            return;
        }
        self.flush_pending();
        self.read_acs();
    }

    fn read_acs(&mut self) {
        loop {
            let Some(conn) = self.acs.as_mut() else {
                return;
            };
            if self.rx_len == self.rx.len() {
                warn!("ACS response larger than the receive buffer");
                let clock = self.clock();
                self.close_acs();
                self.agent.handle_connect_failed(clock);
                return;
            }
            match conn.read_into(&mut self.rx[self.rx_len..]) {
                Ok(0) => {
                    let clock = self.clock();
                    let len = self.rx_len;
                    self.acs = None;
                    self.pending = None;
                    self.agent
                        .handle_closed(clock, &mut self.rx, len, &mut self.tx, &mut self.dm);
                    self.rx_len = 0;
                    return;
                }
                Ok(n) => {
                    self.rx_len += n;
                    let clock = self.clock();
                    let len = self.rx_len;
                    self.agent.handle_received(
                        clock,
                        &mut self.rx,
                        len,
                        &mut self.tx,
                        &mut self.dm,
                    );
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    warn!("reading from the ACS: {e}");
                    let clock = self.clock();
                    let len = self.rx_len;
                    self.close_acs();
                    self.agent
                        .handle_closed(clock, &mut self.rx, len, &mut self.tx, &mut self.dm);
                    return;
                }
            }
        }
    }

    /// Produces and sends what the agent has to send while the socket takes it.
    fn drive_transmit(&mut self) {
        loop {
            if !self.acs.as_ref().is_some_and(|c| c.is_connected()) {
                return;
            }
            if self.pending.is_some() {
                if !self.flush_pending() {
                    return;
                }
                continue;
            }
            let clock = self.clock();
            let Some(t) = self.agent.poll_transmit(
                clock,
                &self.rx[..self.rx_len],
                &mut self.tx,
                &mut self.dm,
            ) else {
                self.process_outputs();
                return;
            };
            self.pending = Some((t.range, t.last));
        }
    }

    /// Writes pending bytes; true when they all went out.
    fn flush_pending(&mut self) -> bool {
        let Some((range, last)) = self.pending.clone() else {
            return true;
        };
        let Some(conn) = self.acs.as_mut() else {
            return false;
        };
        match conn.write(&self.tx[range.clone()]) {
            Ok(n) if n == range.len() => {
                self.pending = None;
                if last {
                    // The response to this request will start at the front of the buffer.
                    self.rx_len = 0;
                }
                let _ = conn.flush();
                true
            }
            Ok(n) => {
                self.pending = Some((range.start + n..range.end, last));
                false
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) => {
                warn!("writing to the ACS: {e}");
                let clock = self.clock();
                let len = self.rx_len;
                self.close_acs();
                self.agent
                    .handle_closed(clock, &mut self.rx, len, &mut self.tx, &mut self.dm);
                false
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Effects

    fn effect(&mut self, e: Effect) {
        let clock = self.clock();
        match e {
            Effect::Reboot => {
                info!("rebooting");
                run_command(&self.settings.commands.reboot, None);
                self.exit = Some(ExitReason::Rebooted);
            }
            Effect::FactoryReset => {
                info!("factory reset");
                let _ = std::fs::remove_file(self.settings.state_file());
                run_command(&self.settings.commands.factory_reset, None);
                self.exit = Some(ExitReason::FactoryReset);
            }
            Effect::StartTransfer(slot) => self.start_transfer(slot, clock),
            Effect::ApplyTransfer(slot) => self.apply_transfer(slot, clock),
            Effect::ChangeDuState(slot) => {
                let ctx = du_context(&self.settings, &self.waker, clock);
                self.du.change(slot, &mut self.agent, &mut self.dm, &ctx);
            }
            Effect::ReloadConfig => self.hup.store(true, Ordering::SeqCst),
            Effect::Exit => self.exit = Some(ExitReason::Stopped),
        }
    }

    fn transfer_file(&self, slot: u8) -> PathBuf {
        self.settings.transfer_dir.join(format!("transfer-{slot}"))
    }

    /// Marks the downloaded configuration file of `slot` as not applied yet. The agent's
    /// snapshot only knows that the download succeeded; if the daemon dies before the apply
    /// command has finished, the next start finds the mark and reports the transfer as failed
    /// instead of as a success that never took effect.
    fn mark_unapplied(&self, slot: u8) {
        let mark = apply_mark(&self.settings.state_dir, slot);
        if let Err(e) = std::fs::create_dir_all(&self.settings.state_dir)
            .and_then(|()| crate::fsutil::write_atomic(&mark, b""))
        {
            error!("cannot write {}: {e}", mark.display());
        }
    }

    fn clear_unapplied(&self, slot: u8) {
        let _ = std::fs::remove_file(apply_mark(&self.settings.state_dir, slot));
    }

    /// Configuration files whose apply a previous run did not see finish: failed.
    fn fail_interrupted_applies(&mut self) {
        let Ok(dir) = std::fs::read_dir(&self.settings.state_dir) else {
            return;
        };
        let clock = self.clock();
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(slot) = name
                .to_str()
                .and_then(|n| n.strip_prefix(APPLY_MARK_PREFIX))
                .and_then(|n| n.parse::<u8>().ok())
            else {
                continue;
            };
            warn!("transfer {slot}: the previous run stopped while applying it");
            self.agent
                .transfer_apply_failed(slot, FaultCode::INTERNAL_ERROR, clock);
            let _ = std::fs::remove_file(entry.path());
        }
    }

    fn start_transfer(&mut self, slot: u8, clock: Clock) {
        let Some(t) = self.agent.transfer(slot) else {
            return;
        };
        let file = self.transfer_file(slot);
        let request = match t.kind {
            Kind::Download | Kind::ScheduleDownload => TransferRequest::Download(Download {
                url: t.url.to_string(),
                username: t.username.to_string(),
                password: t.password.to_string(),
                file_size: u64::from(t.file_size),
                destination: file,
            }),
            Kind::Upload => {
                let cmd = match t.file() {
                    Some(FileType::VendorLog) => &self.settings.commands.log_dump,
                    _ => &self.settings.commands.config_backup,
                };
                let _ = std::fs::remove_file(&file);
                if !run_command(cmd, Some(&file)) || !file.exists() {
                    let now = clock.wall;
                    self.agent
                        .transfer_done(slot, FaultCode::UPLOAD_FAILURE, now, now, clock);
                    return;
                }
                TransferRequest::Upload(Upload {
                    url: t.url.to_string(),
                    username: t.username.to_string(),
                    password: t.password.to_string(),
                    source: file,
                })
            }
        };
        let options = TransferOptions {
            tls: self.settings.tls.clone(),
            connect: self.settings.connect,
            user_agent: self.settings.agent.user_agent.to_string(),
            ..TransferOptions::default()
        };
        info!("transfer {slot} starts");
        match TransferHandle::spawn(request, options, Some(self.waker.clone())) {
            Ok(h) => self.transfers.push((slot, h)),
            Err(e) => {
                error!("cannot start transfer {slot}: {e}");
                let now = clock.wall;
                self.agent
                    .transfer_done(slot, FaultCode::INTERNAL_ERROR, now, now, clock);
            }
        }
    }

    fn apply_transfer(&mut self, slot: u8, clock: Clock) {
        let Some(t) = self.agent.transfer(slot) else {
            return;
        };
        let firmware = t.file() == Some(FileType::Firmware);
        let cmd = if firmware {
            self.settings.commands.firmware_apply.clone()
        } else {
            self.settings.commands.config_apply.clone()
        };
        let file = self.transfer_file(slot);
        info!(
            "applying transfer {slot} ({})",
            if firmware {
                "firmware"
            } else {
                "configuration"
            }
        );
        let (tx, rx) = mpsc::channel();
        let waker = self.waker.clone();
        let spawned = thread::Builder::new()
            .name("cwmp-apply".into())
            .spawn(move || {
                let ok = run_command(&cmd, Some(&file));
                let _ = tx.send(ok);
                let _ = waker.wake();
            });
        match spawned {
            Ok(_) => self.jobs.push(Job {
                slot,
                firmware,
                result: rx,
            }),
            Err(e) => {
                error!("cannot run the apply command: {e}");
                self.agent
                    .transfer_apply_failed(slot, FaultCode::INTERNAL_ERROR, clock);
            }
        }
    }

    fn collect_background(&mut self) {
        let clock = self.clock();
        let ctx = du_context(&self.settings, &self.waker, clock);
        self.du.collect(&mut self.agent, &mut self.dm, &ctx);
        // The agent's snapshot first (it now holds what the sync handed over), then the table.
        self.process_outputs();
        self.du.save_after_persist(&mut self.dm);
        let mut i = 0;
        while i < self.transfers.len() {
            match self.transfers[i].1.poll_result() {
                Some(r) => {
                    let (slot, _) = self.transfers.remove(i);
                    if r.fault == FaultCode::NONE {
                        info!("transfer {slot} done ({} bytes)", r.stats.bytes);
                        let config_file = self.agent.transfer(slot).is_some_and(|t| {
                            t.kind.is_download() && t.file() == Some(FileType::VendorConfig)
                        });
                        if config_file {
                            self.mark_unapplied(slot);
                        }
                    } else {
                        warn!("transfer {slot} failed: {} {}", r.fault.0, r.fault_string);
                    }
                    self.agent
                        .transfer_done(slot, r.fault, Some(r.start), Some(r.complete), clock);
                }
                None => i += 1,
            }
        }
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].result.try_recv() {
                Ok(ok) => {
                    let job = self.jobs.remove(i);
                    self.clear_unapplied(job.slot);
                    match (ok, job.firmware) {
                        (true, true) => {
                            // The image is being installed; the device reboots into it.
                            info!("firmware handed to the apply command");
                            self.exit = Some(ExitReason::FirmwareApplied);
                        }
                        (true, false) => self.agent.transfer_applied(job.slot, clock),
                        (false, _) => self.agent.transfer_apply_failed(
                            job.slot,
                            FaultCode::FILE_CORRUPTED,
                            clock,
                        ),
                    }
                }
                Err(TryRecvError::Empty) => i += 1,
                Err(TryRecvError::Disconnected) => {
                    let job = self.jobs.remove(i);
                    self.clear_unapplied(job.slot);
                    self.agent
                        .transfer_apply_failed(job.slot, FaultCode::INTERNAL_ERROR, clock);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Connection Requests

    fn accept_cr(&mut self) {
        loop {
            let Some(listener) = self.cr_listener.as_ref() else {
                return;
            };
            match listener.accept() {
                Ok((mut stream, peer)) => {
                    let Some(slot) = self.cr_clients.iter().position(Option::is_none) else {
                        // Bounded: a flood does not grow the daemon; the client sees a close.
                        debug!("connection request from {peer} dropped: too many clients");
                        continue;
                    };
                    if self
                        .poll
                        .registry()
                        .register(
                            &mut stream,
                            Token(CR_CLIENT_BASE + slot),
                            Interest::READABLE,
                        )
                        .is_err()
                    {
                        continue;
                    }
                    let deadline = StdInstant::now() + self.settings.cr_timeout;
                    let reader = RequestReader::new(to_core(self.start, deadline));
                    self.cr_clients[slot] = Some(CrClient {
                        stream,
                        reader,
                        buf: Vec::with_capacity(512),
                        deadline,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    warn!("accepting a connection request: {e}");
                    return;
                }
            }
        }
    }

    fn on_cr_client(&mut self, slot: usize) {
        let Some(Some(c)) = self.cr_clients.get_mut(slot) else {
            return;
        };
        let mut chunk = [0u8; 1024];
        loop {
            match c.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    // Bytes past the request limit are not kept; the reader refuses the request.
                    let room = (CR_MAX_REQUEST_BYTES + 1).saturating_sub(c.buf.len());
                    c.buf.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.drop_cr_client(slot);
                    return;
                }
            }
        }
        self.serve_cr_client(slot);
    }

    fn serve_cr_client(&mut self, slot: usize) {
        let clock = self.clock();
        let Some(Some(c)) = self.cr_clients.get_mut(slot) else {
            return;
        };
        let mut out = [0u8; CR_MAX_RESPONSE_BYTES];
        let mut sink = SliceSink::new(&mut out);
        match self
            .agent
            .connection_request(&mut c.reader, &c.buf, clock, &mut sink)
        {
            Ok(Handled::NeedMore) => {}
            Ok(Handled::Respond(_)) | Err(_) => {
                let bytes = sink.written();
                // The answer is small; a blocking write with a short timeout is fine here.
                let _ = c.stream.write(bytes);
                self.drop_cr_client(slot);
            }
        }
    }

    fn expire_cr_clients(&mut self) {
        let now = StdInstant::now();
        for slot in 0..self.cr_clients.len() {
            if self.cr_clients[slot]
                .as_ref()
                .is_some_and(|c| c.deadline <= now)
            {
                self.serve_cr_client(slot);
                self.drop_cr_client(slot);
            }
        }
    }

    fn drop_cr_client(&mut self, slot: usize) {
        if let Some(Some(mut c)) = self.cr_clients.get_mut(slot).map(Option::take) {
            let _ = self.poll.registry().deregister(&mut c.stream);
            let _ = c.stream.shutdown(std::net::Shutdown::Both);
        }
    }

    // -----------------------------------------------------------------------------------------
    // ubus

    fn drive_ubus(&mut self) {
        let Some(path) = self.settings.ubus_socket.clone() else {
            return;
        };
        let now = StdInstant::now();
        let core_now = to_core(self.start, now);
        let Some((client, link)) = self.ubus.as_mut() else {
            return;
        };
        if let UbusLink::Down { retry_at } = link {
            if *retry_at > now {
                return;
            }
            match StdUnixStream::connect(&path).and_then(|s| {
                s.set_nonblocking(true)?;
                Ok(s)
            }) {
                Ok(s) => {
                    let mut stream = UnixStream::from_std(s);
                    if self
                        .poll
                        .registry()
                        .register(&mut stream, UBUS, Interest::READABLE | Interest::WRITABLE)
                        .is_err()
                    {
                        *link = UbusLink::Down {
                            retry_at: now + UBUS_RETRY,
                        };
                        return;
                    }
                    if std::mem::take(&mut self.ubus_missing_logged) {
                        info!("ubusd is up at {}", path.display());
                    } else {
                        debug!("connected to ubusd at {}", path.display());
                    }
                    *link = UbusLink::Up {
                        stream,
                        rx: Vec::new(),
                        out: Vec::new(),
                    };
                }
                Err(e) => {
                    // Said once; the retries every UBUS_RETRY stay quiet.
                    if !self.ubus_missing_logged {
                        info!(
                            "ubusd not reachable at {} ({e}); trying again every {} s",
                            path.display(),
                            UBUS_RETRY.as_secs()
                        );
                        self.ubus_missing_logged = true;
                    }
                    *link = UbusLink::Down {
                        retry_at: now + UBUS_RETRY,
                    };
                    return;
                }
            }
        }
        // Frames the client wants to send (registration, automatic replies), and timeouts.
        while let Ok(Some(n)) = client.poll_transmit(core_now, &mut self.ubus_tx) {
            if let UbusLink::Up { out, .. } = link {
                out.extend_from_slice(&self.ubus_tx[..n]);
            }
        }
        while client.poll_event(core_now).is_some() {}
        self.flush_ubus();
    }

    fn on_ubus_event(&mut self) {
        let Some((_, UbusLink::Up { stream, rx, .. })) = self.ubus.as_mut() else {
            return;
        };
        let mut chunk = [0u8; 8192];
        let mut lost = false;
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => {
                    lost = true;
                    break;
                }
                Ok(n) => rx.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    lost = true;
                    break;
                }
            }
        }
        // Whole frames, one at a time.
        loop {
            let (client, link) = match self.ubus.as_mut() {
                Some(x) => x,
                None => return,
            };
            let UbusLink::Up { rx, .. } = link else { break };
            let len = match client.frame_len(rx) {
                Ok(Framing::Complete { len }) => len,
                Ok(Framing::Partial { .. }) => break,
                Err(e) => {
                    warn!("ubus: {e:?}; reconnecting");
                    lost = true;
                    break;
                }
            };
            let frame: Vec<u8> = rx.drain(..len).collect();
            let reply = match client.handle_frame(&frame) {
                Ok(Some(UbusEvent::Invoke(inv))) => {
                    self.agent
                        .set_clock(clock_at(self.start, StdInstant::now()));
                    match control::blobmsg::serve(client, &inv, &mut *self.agent, &mut self.ubus_tx)
                    {
                        Ok(n) => Some(n),
                        Err(e) => {
                            warn!("ubus reply: {e:?}");
                            None
                        }
                    }
                }
                Ok(Some(UbusEvent::ObjectRegistered { .. })) => {
                    info!("registered the tr069 object on ubus");
                    None
                }
                Ok(_) => None,
                Err(e) if e.is_fatal() => {
                    warn!("ubus: {e:?}; reconnecting");
                    lost = true;
                    break;
                }
                Err(e) => {
                    debug!("ubus: {e:?}");
                    None
                }
            };
            if let (Some(n), UbusLink::Up { out, .. }) = (reply, link) {
                out.extend_from_slice(&self.ubus_tx[..n]);
            }
            // An answer may have asked the agent to act (inform, command).
            self.process_outputs();
        }
        if lost {
            self.ubus_down();
        } else {
            self.drive_ubus();
        }
    }

    fn flush_ubus(&mut self) {
        let Some((_, UbusLink::Up { stream, out, .. })) = self.ubus.as_mut() else {
            return;
        };
        while !out.is_empty() {
            match stream.write(out) {
                Ok(0) => break,
                Ok(n) => {
                    out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.ubus_down();
                    return;
                }
            }
        }
    }

    fn ubus_down(&mut self) {
        let registry = self.poll.registry();
        if let Some((client, link)) = self.ubus.as_mut() {
            if let UbusLink::Up { stream, .. } = link {
                let _ = registry.deregister(stream);
                info!("ubusd went away; will register again when it is back");
            }
            client.reset();
            *link = UbusLink::Down {
                retry_at: StdInstant::now() + Duration::from_millis(200),
            };
        }
    }

    // -----------------------------------------------------------------------------------------
    // Control socket

    fn accept_control(&mut self) {
        loop {
            let Some(listener) = self.control.as_ref() else {
                return;
            };
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let Some(slot) = self.control_clients.iter().position(Option::is_none) else {
                        continue;
                    };
                    if self
                        .poll
                        .registry()
                        .register(
                            &mut stream,
                            Token(CONTROL_CLIENT_BASE + slot),
                            Interest::READABLE,
                        )
                        .is_ok()
                    {
                        self.control_clients[slot] = Some(ControlClient {
                            stream,
                            buf: Vec::new(),
                            discard: false,
                        });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => return,
            }
        }
    }

    fn on_control_client(&mut self, slot: usize) {
        let Some(Some(c)) = self.control_clients.get_mut(slot) else {
            return;
        };
        let mut chunk = [0u8; 2048];
        let mut eof = false;
        loop {
            match c.stream.read(&mut chunk) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                // After a refused line the rest of the input is read and dropped, so closing
                // does not reset the connection before the client has read the refusal.
                Ok(_) if c.discard => {}
                Ok(n) => c.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    eof = true;
                    break;
                }
            }
            if c.buf.len() > CONTROL_LINE_MAX {
                break;
            }
        }
        loop {
            let Some(Some(c)) = self.control_clients.get_mut(slot) else {
                return;
            };
            if c.discard {
                break;
            }
            let line_len = match control::json::line_len(&c.buf) {
                control::json::Line::Complete { len } => len,
                control::json::Line::Partial => break,
                control::json::Line::TooLong => {
                    let mut out = [0u8; 256];
                    if let Ok(n) =
                        control::json::encode_error(control::ControlError::ParseError, &mut out)
                    {
                        let _ = c.stream.write_all(&out[..n]);
                    }
                    let _ = c.stream.shutdown(std::net::Shutdown::Write);
                    c.buf = Vec::new();
                    c.discard = true;
                    break;
                }
            };
            let line: Vec<u8> = c.buf.drain(..line_len).collect();
            let mut out = vec![0u8; 4096];
            self.agent
                .set_clock(clock_at(self.start, StdInstant::now()));
            let n = control::json::serve(&line, &mut *self.agent, &mut out).unwrap_or(0);
            if let Some(Some(c)) = self.control_clients.get_mut(slot) {
                let _ = c.stream.write_all(&out[..n]);
            }
            self.process_outputs();
        }
        if eof && let Some(Some(mut c)) = self.control_clients.get_mut(slot).map(Option::take) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Signals and reload

    fn on_signal(&mut self, reload: &mut Reload<'_>) {
        let mut drain = [0u8; 64];
        while matches!(self.signal_rx.read(&mut drain), Ok(n) if n > 0) {}
        if self.term.swap(false, Ordering::SeqCst) {
            info!("stopping");
            let clock = self.clock();
            self.agent.shutdown(clock);
        }
        if self.hup.swap(false, Ordering::SeqCst) {
            self.reload(reload);
        }
    }

    fn reload(&mut self, reload: &mut Reload<'_>) {
        match reload() {
            Ok(mut settings) => {
                info!("configuration reloaded");
                if settings.du.is_some() != self.settings.du.is_some() {
                    warn!("software modules are turned on or off at the next start");
                    settings.du = self.settings.du.clone();
                    settings.agent.software_modules = self.settings.agent.software_modules;
                }
                let clock = self.clock();
                let cr_changed = settings.cr_port != self.settings.cr_port;
                let agent_cfg = settings.agent.clone();
                self.settings = settings;
                // Buffers follow the new sizes only between sessions: during one they hold the
                // exchange, and the agent defers the new configuration to the session's end
                // (then asks for this reload again).
                if !self.agent.in_session() {
                    let tx_len = agent_cfg
                        .tx_buffer
                        .max(cwmp_core::agent::outgoing::MIN_TX_BUFFER);
                    self.tx = vec![0; tx_len];
                    self.rx = vec![0; self.settings.rx_buffer];
                    self.rx_len = 0;
                }
                self.agent.apply_config(agent_cfg, clock);
                if cr_changed && let Err(e) = self.open_listeners() {
                    error!("{e}");
                }
                // A new port or path changes the Connection Request URL now, not at the next
                // session: the ACS must learn it (a value change) before it needs it.
                if let Some(local) = self.acs_local {
                    let url = cr_url(local, &self.settings);
                    self.agent
                        .set_connection_request_url(&url, self.clock(), &mut self.dm);
                }
            }
            Err(e) => error!("configuration not reloaded: {e}"),
        }
    }

    fn shutdown(&mut self) {
        self.close_acs();
        for (_, t) in self.transfers.drain(..) {
            t.cancel();
        }
        if let Some(path) = &self.settings.control_socket {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Name of the marks of configuration files downloaded but not applied yet, in the state
/// directory (`applying-SLOT`).
const APPLY_MARK_PREFIX: &str = "applying-";

fn apply_mark(state_dir: &Path, slot: u8) -> PathBuf {
    state_dir.join(format!("{APPLY_MARK_PREFIX}{slot}"))
}

/// What the software-module runner needs from the loop for one call.
fn du_context<'a>(settings: &'a Settings, waker: &'a Arc<Waker>, clock: Clock) -> DuContext<'a> {
    DuContext {
        settings: settings.du.as_ref(),
        transfer_dir: &settings.transfer_dir,
        tls: settings.tls.as_ref(),
        connect: settings.connect,
        user_agent: &settings.agent.user_agent,
        waker,
        clock,
    }
}

/// The clocks at `now`, for the agent.
fn clock_at(start: StdInstant, now: StdInstant) -> Clock {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
        .filter(|s| *s >= CLOCK_VALID_AFTER)
        .and_then(|s| i64::try_from(s).ok())
        .map(UnixTime);
    Clock {
        mono: to_core(start, now),
        wall,
    }
}

fn to_core(start: StdInstant, t: StdInstant) -> Instant {
    Instant::from_millis(
        u64::try_from(t.saturating_duration_since(start).as_millis()).unwrap_or(u64::MAX),
    )
}

/// `http://ADDR:PORT/PATH` of this device as the ACS can reach it.
fn cr_url(local: SocketAddr, settings: &Settings) -> String {
    let port = settings.cr_port.unwrap_or(7547);
    let path = &settings.agent.connection_request.path;
    match local.ip() {
        std::net::IpAddr::V4(ip) => format!("http://{ip}:{port}{path}"),
        std::net::IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => format!("http://{v4}:{port}{path}"),
            None => format!("http://[{ip}]:{port}{path}"),
        },
    }
}

/// Runs `cmd` with `/bin/sh`, the file (if any) as `$1`; true on exit status 0.
fn run_command(cmd: &str, file: Option<&Path>) -> bool {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(cmd).arg("cwmpd");
    if let Some(f) = file {
        c.arg(f);
    }
    match c.status() {
        Ok(s) if s.success() => true,
        Ok(s) => {
            error!("command {cmd:?} failed: {s}");
            false
        }
        Err(e) => {
            error!("command {cmd:?} could not run: {e}");
            false
        }
    }
}

fn bind_unix(path: &Path) -> io::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // A stale socket from a previous run: only removed if nothing answers on it.
    if path.exists() && StdUnixStream::connect(path).is_err() {
        let _ = std::fs::remove_file(path);
    }
    UnixListener::bind(path)
}

/// Entropy for nonces, cnonces and retry jitter, from the kernel.
fn fill_entropy(buf: &mut [u8]) {
    if let Ok(mut f) = std::fs::File::open("/dev/urandom")
        && f.read_exact(buf).is_ok()
    {
        return;
    }
    // No /dev/urandom: mix the clock and the process id (never a fixed value).
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = t ^ (u128::from(std::process::id()) << 64);
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
    }
}
