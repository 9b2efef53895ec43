//! The ACS connection never blocks the event loop: name resolution off-thread, connect and
//! handshake timeouts, refused connections, backpressure. Real sockets on loopback only.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod net_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use cwmp_core::http::url::Url;
use cwmp_platform::net::{
    AcsConnection, ConnState, ConnectError, ConnectOptions, PeerClose, ResolveError, TlsSettings,
    Verification,
};
use net_support::{CONN, Loop};

fn open(lp: &Loop, url: &str, options: &ConnectOptions) -> Result<AcsConnection, ConnectError> {
    let tls = TlsSettings {
        verification: Verification::Insecure,
        ..TlsSettings::default()
    }
    .build()
    .unwrap();
    AcsConnection::open(
        &Url::parse(url).unwrap(),
        Some(&tls),
        options,
        lp.poll.registry(),
        CONN,
        Some(lp.waker.clone()),
        Instant::now(),
    )
}

/// Drives until the connection is established or fails; the loop ticks every 20 ms, as a
/// daemon loop with other work would.
fn run(lp: &mut Loop, conn: &mut AcsConnection, limit: Duration) -> Result<(), ConnectError> {
    let end = Instant::now() + limit;
    loop {
        if conn.state() == ConnState::Established {
            return Ok(());
        }
        assert!(Instant::now() < end, "still {:?}", conn.state());
        lp.turn(conn.deadline(), Duration::from_millis(20));
        conn.drive(lp.poll.registry(), Instant::now())?;
    }
}

#[test]
fn localhost_resolves_and_connects() {
    // Bound on IPv4 only: if `localhost` gives ::1 first, that attempt is refused and the
    // next address is tried.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut lp = Loop::new();
    let mut conn = open(
        &lp,
        &format!("http://localhost:{port}/"),
        &ConnectOptions::default(),
    )
    .unwrap();
    run(&mut lp, &mut conn, Duration::from_secs(10)).unwrap();
    assert!(conn.is_connected());
    assert!(!conn.is_secure());
    assert_eq!(conn.deadline(), None);
    let (mut peer, _) = listener.accept().unwrap();
    assert_eq!(conn.write(b"ping").unwrap(), 4);
    let mut got = [0u8; 4];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    peer.write_all(b"pong").unwrap();
    drop(peer);
    let answer = lp.exchange(&mut conn, b"", usize::MAX).unwrap();
    assert_eq!(answer, b"pong");
    assert_eq!(conn.peer_close(), Some(PeerClose::Clean));
}

#[test]
fn an_ip_literal_connects_without_a_lookup_thread() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut lp = Loop::new();
    let conn = open(
        &lp,
        &format!("http://127.0.0.1:{port}/"),
        &ConnectOptions::default(),
    )
    .unwrap();
    // `open` already took the answer and started the connect.
    assert_ne!(conn.state(), ConnState::Resolving);
    let mut conn = conn;
    run(&mut lp, &mut conn, Duration::from_secs(5)).unwrap();
    assert_eq!(conn.peer_addr(), Some(listener.local_addr().unwrap()));
}

#[test]
fn an_unresolvable_name_fails_within_the_timeout() {
    let options = ConnectOptions {
        resolve_timeout: Duration::from_secs(3),
        ..ConnectOptions::default()
    };
    let mut lp = Loop::new();
    let start = Instant::now();
    let mut conn = open(&lp, "http://cwmpd-test.invalid/", &options).unwrap();
    assert_eq!(conn.state(), ConnState::Resolving);
    let err = run(&mut lp, &mut conn, Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectError::Resolve(ResolveError::NotFound | ResolveError::Timeout)
        ),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(4));
    assert_eq!(conn.state(), ConnState::Closed);
}

#[test]
fn a_refused_connection_is_a_typed_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut lp = Loop::new();
    // On loopback the refusal may already come with the first step, inside `open`.
    let err = match open(
        &lp,
        &format!("http://127.0.0.1:{port}/"),
        &ConnectOptions::default(),
    ) {
        Ok(mut conn) => run(&mut lp, &mut conn, Duration::from_secs(5)).unwrap_err(),
        Err(e) => e,
    };
    match err {
        ConnectError::Connect { addr, error } => {
            assert_eq!(addr.port(), port);
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_connect_that_hangs_times_out_while_the_loop_keeps_turning() {
    // A listener whose accept queue is full drops further SYNs: connect() neither succeeds
    // nor fails, as with an unreachable ACS.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    rustix::net::listen(&listener, 0).unwrap();
    let addr = listener.local_addr().unwrap();
    let _filler = TcpStream::connect(addr).unwrap();
    thread::sleep(Duration::from_millis(50));
    let options = ConnectOptions {
        connect_timeout: Duration::from_millis(600),
        ..ConnectOptions::default()
    };
    let mut lp = Loop::new();
    let start = Instant::now();
    let mut conn = open(&lp, &format!("http://{addr}/"), &options).unwrap();
    assert_eq!(conn.state(), ConnState::Connecting);
    let err = run(&mut lp, &mut conn, Duration::from_secs(5)).unwrap_err();
    assert!(
        matches!(err, ConnectError::ConnectTimeout { addr: a } if a == addr),
        "{err:?}"
    );
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // 20 ms ticks: the loop was never stuck inside the connection.
    assert!(lp.turns >= 10, "{} turns", lp.turns);
}

#[test]
fn a_server_that_accepts_but_never_answers_times_out_the_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let options = ConnectOptions {
        handshake_timeout: Duration::from_millis(500),
        ..ConnectOptions::default()
    };
    let mut lp = Loop::new();
    let start = Instant::now();
    let mut conn = open(&lp, &format!("https://127.0.0.1:{port}/"), &options).unwrap();
    let err = run(&mut lp, &mut conn, Duration::from_secs(5)).unwrap_err();
    assert!(matches!(err, ConnectError::HandshakeTimeout), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(lp.turns >= 10, "{} turns", lp.turns);
    holder.join().unwrap();
}

#[test]
fn writes_push_back_when_the_peer_does_not_read() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut lp = Loop::new();
    let mut conn = open(
        &lp,
        &format!("http://127.0.0.1:{port}/"),
        &ConnectOptions::default(),
    )
    .unwrap();
    run(&mut lp, &mut conn, Duration::from_secs(5)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let block = vec![0x5a_u8; 64 * 1024];
    let mut offered = 0usize;
    let start = Instant::now();
    // Never blocks: once the socket buffers are full, write accepts nothing.
    loop {
        let n = conn.write(&block).unwrap();
        if n == 0 {
            break;
        }
        offered += n;
        assert!(offered < 256 * 1024 * 1024, "no backpressure");
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    let reader = thread::spawn(move || {
        let mut total = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match peer.read(&mut buf).unwrap() {
                0 => return total,
                n => total += n,
            }
        }
    });
    // After writable events, more is accepted.
    let more = loop {
        lp.turn(None, Duration::from_millis(20));
        conn.drive(lp.poll.registry(), Instant::now()).unwrap();
        let n = conn.write(&block).unwrap();
        if n > 0 {
            break n;
        }
    };
    conn.close(lp.poll.registry());
    assert_eq!(reader.join().unwrap(), offered + more);
}
