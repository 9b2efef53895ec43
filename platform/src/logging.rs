//! The daemon's logger: a [`log::Log`] that writes each record as one line to standard error
//! (foreground) or as one RFC 3164 datagram to the local syslog socket (`/dev/log`).
//!
//! Responsible for the two output formats, the priority of each level, the filter (cwmpd's own
//! crates down to the configured level, dependencies such as rustls never below `warn`),
//! bounding and escaping each line, and never blocking the event loop for long: the syslog
//! socket is non-blocking and a record that would block is dropped. When the syslog socket is
//! missing the logger falls back to standard error. Not responsible for choosing the target
//! (the daemon reads `log_to_syslog` / `log_to_console` and calls [`init`]) nor for what is
//! logged.
//!
//! Formats:
//!
//! ```text
//! stderr:  cwmpd[1234]: WARN no ACS URL configured
//! syslog:  <28>Jan  5 14:03:09 cwmpd[1234]: no ACS URL configured
//! ```
//!
//! The syslog timestamp is UTC: the platform layer has no time-zone database, and OpenWrt's
//! logd replaces it with its own receive time anyway.

use std::fmt::{self, Write as _};
use std::io::{self, Write as _};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use cwmp_core::config::LogSeverity;
use cwmp_core::time::{DateTime, UnixTime};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// The local syslog socket (libc's `_PATH_LOG`; OpenWrt's logd listens there).
pub const SYSLOG_SOCKET: &str = "/dev/log";

/// Longest line or datagram written, in bytes. RFC 3164 §4.1 limits a syslog packet to 1024
/// bytes; the same bound keeps a runaway message from flooding the console. Longer messages
/// are cut at a character boundary and end with [`TRUNCATION_MARK`].
pub const MAX_LINE: usize = 1024;

/// What ends a message cut at [`MAX_LINE`].
pub const TRUNCATION_MARK: &str = "...";

/// The most verbose level any dependency (rustls, mio...) may log at.
pub const DEPENDENCY_MAX_LEVEL: LevelFilter = LevelFilter::Warn;

/// Name shown on standard-error lines.
const STDERR_IDENT: &str = "cwmpd";

/// Crates whose records follow the configured level (the `log` target is the module path).
const OWN_CRATES: [&str; 3] = ["cwmp_core", "cwmp_platform", "cwmpd"];

/// A syslog facility (RFC 3164 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facility {
    /// `user` (1).
    User,
    /// `daemon` (3): system daemons, the usual choice for cwmpd.
    Daemon,
    /// `local0` (16).
    Local0,
    /// `local1` (17).
    Local1,
    /// `local2` (18).
    Local2,
    /// `local3` (19).
    Local3,
    /// `local4` (20).
    Local4,
    /// `local5` (21).
    Local5,
    /// `local6` (22).
    Local6,
    /// `local7` (23).
    Local7,
}

impl Facility {
    /// The facility number.
    pub const fn code(self) -> u8 {
        match self {
            Facility::User => 1,
            Facility::Daemon => 3,
            Facility::Local0 => 16,
            Facility::Local1 => 17,
            Facility::Local2 => 18,
            Facility::Local3 => 19,
            Facility::Local4 => 20,
            Facility::Local5 => 21,
            Facility::Local6 => 22,
            Facility::Local7 => 23,
        }
    }
}

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard error, one `cwmpd[pid]: LEVEL message` line per record (foreground runs).
    Stderr,
    /// The local syslog socket [`SYSLOG_SOCKET`], standard error when it is missing.
    Syslog {
        /// The tag in front of each message (`cwmpd`).
        ident: String,
        /// The facility of every message.
        facility: Facility,
    },
}

/// The level that shows the messages of `severity` and every more severe one.
///
/// `log` has no levels above `error` nor a `notice`: `EMERG` … `ERROR` show errors only,
/// `NOTICE` and `INFO` show `info`.
pub const fn level_for(severity: LogSeverity) -> LevelFilter {
    match severity {
        LogSeverity::Emerg | LogSeverity::Alert | LogSeverity::Critic | LogSeverity::Error => {
            LevelFilter::Error
        }
        LogSeverity::Warning => LevelFilter::Warn,
        LogSeverity::Notice | LogSeverity::Info => LevelFilter::Info,
        LogSeverity::Debug => LevelFilter::Debug,
    }
}

/// The syslog severity of a `log` level (RFC 3164 §4.1.1: 3 error … 7 debug).
pub const fn syslog_severity(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// Why [`init`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// A logger is already installed in this process.
    AlreadyInstalled,
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::AlreadyInstalled => f.write_str("a logger is already installed"),
        }
    }
}

impl std::error::Error for InitError {}

/// Installs the process-wide logger for `target`, showing cwmpd's records down to `level`.
///
/// When syslog was asked for but its socket cannot be reached, records go to standard error and
/// the first one says why.
pub fn init(target: LogTarget, level: LevelFilter) -> Result<(), InitError> {
    // The logger lives as long as the process: `log` needs a `'static` reference.
    let logger: &'static Logger = Box::leak(Box::new(Logger::new(target, level)));
    log::set_logger(logger).map_err(|_| InitError::AlreadyInstalled)?;
    log::set_max_level(level);
    if let Some(reason) = logger.fallback_reason() {
        log::warn!("syslog unavailable ({reason}); logging to standard error");
    }
    Ok(())
}

/// The logger [`init`] installs; usable on its own (tests, another socket path).
#[derive(Debug)]
pub struct Logger {
    level: LevelFilter,
    pid: u32,
    output: Output,
}

#[derive(Debug)]
enum Output {
    Stderr {
        /// Why syslog was not used, when it had been asked for.
        fallback: Option<String>,
    },
    Syslog(Syslog),
}

#[derive(Debug)]
struct Syslog {
    path: PathBuf,
    ident: String,
    facility: Facility,
    /// `None` after the socket went away and could not be reconnected.
    socket: Mutex<Option<UnixDatagram>>,
}

/// A non-blocking datagram socket connected to `path`.
fn connect(path: &Path) -> io::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

impl Logger {
    /// A logger for `target` showing cwmpd's records down to `level`; syslog goes to
    /// [`SYSLOG_SOCKET`].
    pub fn new(target: LogTarget, level: LevelFilter) -> Logger {
        match target {
            LogTarget::Stderr => Logger {
                level,
                pid: std::process::id(),
                output: Output::Stderr { fallback: None },
            },
            LogTarget::Syslog { ident, facility } => {
                Logger::syslog_at(Path::new(SYSLOG_SOCKET), &ident, facility, level)
            }
        }
    }

    /// A syslog logger sending to the datagram socket at `path` instead of `/dev/log`; standard
    /// error when that socket cannot be reached.
    pub fn syslog_at(path: &Path, ident: &str, facility: Facility, level: LevelFilter) -> Logger {
        let output = match connect(path) {
            Ok(socket) => Output::Syslog(Syslog {
                path: path.to_path_buf(),
                ident: ident.to_owned(),
                facility,
                socket: Mutex::new(Some(socket)),
            }),
            Err(e) => Output::Stderr {
                fallback: Some(format!("{}: {e}", path.display())),
            },
        };
        Logger {
            level,
            pid: std::process::id(),
            output,
        }
    }

    /// True when records go to a syslog socket, false when they go to standard error.
    pub fn is_syslog(&self) -> bool {
        matches!(self.output, Output::Syslog(_))
    }

    /// Why syslog was asked for but standard error is used.
    pub fn fallback_reason(&self) -> Option<&str> {
        match &self.output {
            Output::Stderr { fallback } => fallback.as_deref(),
            Output::Syslog(_) => None,
        }
    }

    /// The most verbose level shown for records of `target` (a module path).
    pub fn max_level_for(&self, target: &str) -> LevelFilter {
        if is_own(target) {
            self.level
        } else {
            self.level.min(DEPENDENCY_MAX_LEVEL)
        }
    }
}

/// True when `target` is one of cwmpd's crates or a module in one.
fn is_own(target: &str) -> bool {
    OWN_CRATES.iter().any(|krate| {
        target
            .strip_prefix(krate)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.max_level_for(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        match &self.output {
            Output::Stderr { .. } => {
                let line = stderr_line(self.pid, record);
                write_stderr(&line);
            }
            Output::Syslog(syslog) => {
                let datagram =
                    syslog_datagram(syslog.facility, &syslog.ident, self.pid, now_unix(), record);
                if !syslog.send(datagram.as_bytes()) {
                    write_stderr(&stderr_line(self.pid, record));
                }
            }
        }
    }

    fn flush(&self) {
        let _ = io::stderr().flush();
    }
}

impl Syslog {
    /// Sends one datagram; false when it must go to standard error instead. A datagram that
    /// would block is dropped (true): logging must not stall the event loop.
    fn send(&self, datagram: &[u8]) -> bool {
        let mut slot = self.socket.lock().unwrap_or_else(PoisonError::into_inner);
        let first = match slot.as_ref() {
            Some(socket) => socket.send(datagram),
            None => Err(io::ErrorKind::NotConnected.into()),
        };
        match first {
            Ok(_) => return true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(_) => {}
        }
        // logd restarted (ECONNREFUSED) or the socket was replaced: reconnect once.
        *slot = connect(&self.path).ok();
        match slot.as_ref().map(|s| s.send(datagram)) {
            Some(Ok(_)) => true,
            Some(Err(e)) if e.kind() == io::ErrorKind::WouldBlock => true,
            _ => false,
        }
    }
}

fn write_stderr(line: &str) {
    // One write per line, under the lock, so that threads do not interleave.
    let mut err = io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `cwmpd[pid]: LEVEL message\n`.
fn stderr_line(pid: u32, record: &Record<'_>) -> String {
    let mut line = Line::new();
    let _ = write!(line.raw(), "{STDERR_IDENT}[{pid}]: {} ", record.level());
    let _ = write!(line, "{}", record.args());
    line.finish_with("\n")
}

/// `<PRI>Mmm dd hh:mm:ss ident[pid]: message` (RFC 3164, no trailing newline).
fn syslog_datagram(
    facility: Facility,
    ident: &str,
    pid: u32,
    unix: i64,
    record: &Record<'_>,
) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = DateTime::from_unix(UnixTime(unix));
    let month = MONTHS
        .get(usize::from(t.month).saturating_sub(1))
        .unwrap_or(&"Jan");
    let pri = u16::from(facility.code()) * 8 + u16::from(syslog_severity(record.level()));
    let mut line = Line::new();
    let _ = write!(
        line.raw(),
        "<{pri}>{month} {:>2} {:02}:{:02}:{:02} ",
        t.day,
        t.hour,
        t.minute,
        t.second
    );
    // The tag is escaped like the message: it is configuration, not code.
    let _ = write!(line, "{ident}");
    let _ = write!(line.raw(), "[{pid}]: ");
    let _ = write!(line, "{}", record.args());
    line.finish_with("")
}

/// A line under construction, bounded by [`MAX_LINE`] including its terminator. Text written
/// through its `fmt::Write` impl has control characters escaped (`\n`, `\r`, `\xNN`), so a
/// record is always one line; text that does not fit is cut at a character boundary.
struct Line {
    text: String,
    truncated: bool,
}

/// Room kept free for [`TRUNCATION_MARK`] and a newline.
const RESERVED: usize = TRUNCATION_MARK.len() + 1;

impl Line {
    fn new() -> Line {
        Line {
            text: String::with_capacity(128),
            truncated: false,
        }
    }

    /// A writer that appends without escaping (for the fixed prefix).
    fn raw(&mut self) -> RawLine<'_> {
        RawLine(self)
    }

    fn push(&mut self, piece: &str) {
        if self.truncated {
            return;
        }
        if self.text.len() + piece.len() > MAX_LINE - RESERVED {
            self.truncated = true;
            return;
        }
        self.text.push_str(piece);
    }

    fn finish_with(mut self, terminator: &str) -> String {
        if self.truncated {
            self.text.push_str(TRUNCATION_MARK);
        }
        self.text.push_str(terminator);
        self.text
    }
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let mut utf8 = [0u8; 4];
            match c {
                '\n' => self.push("\\n"),
                '\r' => self.push("\\r"),
                '\t' => self.push("\t"),
                c if c.is_control() && c.is_ascii() => {
                    let code = u32::from(c);
                    self.push(&format!("\\x{code:02x}"));
                }
                c => self.push(c.encode_utf8(&mut utf8)),
            }
        }
        Ok(())
    }
}

struct RawLine<'a>(&'a mut Line);

impl fmt::Write for RawLine<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_line(level: Level, target: &str, args: fmt::Arguments<'_>) -> String {
        let record = Record::builder()
            .level(level)
            .target(target)
            .args(args)
            .build();
        stderr_line(42, &record)
    }

    #[test]
    fn stderr_line_has_ident_pid_and_level() {
        assert_eq!(
            record_line(Level::Warn, "cwmpd", format_args!("no ACS URL")),
            "cwmpd[42]: WARN no ACS URL\n"
        );
    }

    #[test]
    fn newlines_and_control_characters_are_escaped() {
        assert_eq!(
            record_line(Level::Info, "cwmpd", format_args!("a\nb\rc\x07d\te")),
            "cwmpd[42]: INFO a\\nb\\rc\\x07d\te\n"
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_LINE);
        let line = record_line(Level::Info, "cwmpd", format_args!("{long}"));
        assert!(line.len() <= MAX_LINE, "{}", line.len());
        assert!(line.ends_with("...\n"));
        assert!(line.starts_with("cwmpd[42]: INFO éé"));
    }

    #[test]
    fn syslog_datagram_is_rfc3164() {
        let record = Record::builder()
            .level(Level::Error)
            .target("cwmp_core::agent")
            .args(format_args!("session failed"))
            .build();
        // 2024-01-05T14:03:09Z
        let d = syslog_datagram(Facility::Daemon, "cwmpd", 7, 1_704_463_389, &record);
        assert_eq!(d, "<27>Jan  5 14:03:09 cwmpd[7]: session failed");
    }

    #[test]
    fn priority_combines_facility_and_level() {
        let pri = |facility: Facility, level| {
            let record = Record::builder()
                .level(level)
                .args(format_args!("x"))
                .build();
            let d = syslog_datagram(facility, "t", 1, 0, &record);
            d[1..d.find('>').unwrap()].parse::<u16>().unwrap()
        };
        assert_eq!(pri(Facility::Daemon, Level::Warn), 28);
        assert_eq!(pri(Facility::Daemon, Level::Info), 30);
        assert_eq!(pri(Facility::Daemon, Level::Debug), 31);
        assert_eq!(pri(Facility::Daemon, Level::Trace), 31);
        assert_eq!(pri(Facility::User, Level::Error), 11);
        assert_eq!(pri(Facility::Local7, Level::Error), 187);
    }

    #[test]
    fn severities_map_onto_log_levels() {
        assert_eq!(level_for(LogSeverity::Emerg), LevelFilter::Error);
        assert_eq!(level_for(LogSeverity::Critic), LevelFilter::Error);
        assert_eq!(level_for(LogSeverity::Error), LevelFilter::Error);
        assert_eq!(level_for(LogSeverity::Warning), LevelFilter::Warn);
        assert_eq!(level_for(LogSeverity::Notice), LevelFilter::Info);
        assert_eq!(level_for(LogSeverity::Info), LevelFilter::Info);
        assert_eq!(level_for(LogSeverity::Debug), LevelFilter::Debug);
    }

    #[test]
    fn own_crates_follow_the_level_and_dependencies_stop_at_warn() {
        let logger = Logger::new(LogTarget::Stderr, LevelFilter::Debug);
        assert_eq!(logger.max_level_for("cwmp_core"), LevelFilter::Debug);
        assert_eq!(
            logger.max_level_for("cwmp_core::agent::session"),
            LevelFilter::Debug
        );
        assert_eq!(
            logger.max_level_for("cwmp_platform::net"),
            LevelFilter::Debug
        );
        assert_eq!(logger.max_level_for("cwmpd"), LevelFilter::Debug);
        assert_eq!(logger.max_level_for("rustls::client"), LevelFilter::Warn);
        assert_eq!(logger.max_level_for("cwmp_core_fake"), LevelFilter::Warn);
        assert_eq!(logger.max_level_for("mio"), LevelFilter::Warn);
        let quiet = Logger::new(LogTarget::Stderr, LevelFilter::Error);
        assert_eq!(quiet.max_level_for("rustls"), LevelFilter::Error);
        assert_eq!(quiet.max_level_for("cwmp_core"), LevelFilter::Error);
    }

    #[test]
    fn missing_syslog_socket_falls_back_to_stderr() {
        let logger = Logger::syslog_at(
            Path::new("/nonexistent/cwmpd-test/log"),
            "cwmpd",
            Facility::Daemon,
            LevelFilter::Info,
        );
        assert!(!logger.is_syslog());
        assert!(
            logger
                .fallback_reason()
                .is_some_and(|r| r.contains("/nonexistent/cwmpd-test/log"))
        );
    }
}
