//! The syslog logger against a datagram socket standing in for `/dev/log`: RFC 3164 lines,
//! priorities, filtering, reconnection after logd restarts, and no blocking when it stalls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use cwmp_platform::logging::{Facility, Logger, MAX_LINE};
use log::{Level, LevelFilter, Log, Record};

fn socket_path(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cwmp-log-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("log")
}

/// A stand-in for logd.
fn logd(path: &Path) -> UnixDatagram {
    let socket = UnixDatagram::bind(path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket
}

fn recv(socket: &UnixDatagram) -> String {
    let mut buf = vec![0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn nothing_pending(socket: &UnixDatagram) -> bool {
    socket.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let empty = socket.recv(&mut buf).is_err();
    socket.set_nonblocking(false).unwrap();
    empty
}

fn log(logger: &Logger, level: Level, target: &str, message: &str) {
    logger.log(
        &Record::builder()
            .level(level)
            .target(target)
            .args(format_args!("{message}"))
            .build(),
    );
}

/// Splits `<PRI>Mmm dd hh:mm:ss rest` into the priority and the rest, checking the timestamp's
/// shape (RFC 3164 §4.1.2).
fn split(datagram: &str) -> (u16, &str) {
    let close = datagram.find('>').unwrap();
    assert!(datagram.starts_with('<'));
    let pri = datagram[1..close].parse().unwrap();
    let stamp = &datagram[close + 1..close + 16];
    let b = stamp.as_bytes();
    assert!(
        [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
        ]
        .contains(&&stamp[..3]),
        "{stamp}"
    );
    assert_eq!(b[3], b' ');
    assert!(b[4] == b' ' || b[4].is_ascii_digit(), "{stamp}");
    assert!(b[5].is_ascii_digit(), "{stamp}");
    assert_eq!((b[6], b[9], b[12]), (b' ', b':', b':'), "{stamp}");
    assert_eq!(datagram.as_bytes()[close + 16], b' ');
    (pri, &datagram[close + 17..])
}

#[test]
fn records_arrive_as_rfc3164_datagrams() {
    let path = socket_path("fmt");
    let server = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Daemon, LevelFilter::Info);
    assert!(logger.is_syslog());
    log(&logger, Level::Warn, "cwmpd", "no ACS URL configured");
    let datagram = recv(&server);
    let (pri, rest) = split(&datagram);
    assert_eq!(pri, 3 * 8 + 4);
    assert_eq!(
        rest,
        format!("cwmpd[{}]: no ACS URL configured", std::process::id())
    );
}

#[test]
fn priority_follows_level_and_facility() {
    let path = socket_path("pri");
    let server = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Local3, LevelFilter::Debug);
    for (level, severity) in [
        (Level::Error, 3),
        (Level::Warn, 4),
        (Level::Info, 6),
        (Level::Debug, 7),
    ] {
        log(&logger, level, "cwmp_core::agent", "x");
        let (pri, _) = split(&recv(&server));
        assert_eq!(pri, 19 * 8 + severity, "{level}");
    }
}

#[test]
fn dependencies_are_capped_at_warn_and_own_crates_follow_the_level() {
    let path = socket_path("filter");
    let server = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Daemon, LevelFilter::Debug);
    log(
        &logger,
        Level::Debug,
        "rustls::client::hs",
        "handshake detail",
    );
    log(&logger, Level::Info, "mio::poll", "registered");
    log(&logger, Level::Debug, "cwmp_platform::net", "connecting");
    assert!(recv(&server).ends_with(": connecting"));
    log(
        &logger,
        Level::Warn,
        "rustls::conn",
        "peer sent close_notify late",
    );
    assert!(recv(&server).ends_with(": peer sent close_notify late"));
    log(&logger, Level::Trace, "cwmp_core::soap", "too verbose");
    assert!(nothing_pending(&server));
}

#[test]
fn messages_are_one_line_and_bounded() {
    let path = socket_path("bound");
    let server = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Daemon, LevelFilter::Info);
    log(&logger, Level::Info, "cwmpd", "first\nsecond");
    assert!(recv(&server).ends_with(": first\\nsecond"));
    log(&logger, Level::Info, "cwmpd", &"y".repeat(5000));
    let long = recv(&server);
    assert!(long.len() <= MAX_LINE, "{}", long.len());
    assert!(long.ends_with("yyy..."));
}

#[test]
fn logger_reconnects_after_logd_restarts() {
    let path = socket_path("restart");
    let first = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Daemon, LevelFilter::Info);
    log(&logger, Level::Info, "cwmpd", "before");
    assert!(recv(&first).ends_with(": before"));
    drop(first);
    std::fs::remove_file(&path).unwrap();
    let second = logd(&path);
    log(&logger, Level::Info, "cwmpd", "after");
    assert!(recv(&second).ends_with(": after"));
    assert!(logger.is_syslog());
}

#[test]
fn a_stalled_logd_drops_records_instead_of_blocking() {
    let path = socket_path("stall");
    let server = logd(&path);
    let logger = Logger::syslog_at(&path, "cwmpd", Facility::Daemon, LevelFilter::Info);
    // Nobody reads: the socket's queue fills up after a few hundred datagrams. Logging must
    // still return (a blocking send would hang here and the channel would time out).
    let (done_tx, done_rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        for i in 0..5000 {
            log(&logger, Level::Info, "cwmpd", &format!("record {i}"));
        }
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("logging blocked on a full syslog socket");
    worker.join().unwrap();
    // The first records were delivered; later ones were dropped, not queued in the process.
    assert!(recv(&server).ends_with(": record 0"));
}
