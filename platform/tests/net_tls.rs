//! TLS towards the ACS (digest §1.6): trust store, host-name check, insecure mode, mutual TLS,
//! against a rustls server on 127.0.0.1 with certificates made at test time.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod net_support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use cwmp_core::http::url::Url;
use cwmp_platform::net::{
    AcsConnection, BundledRoots, ClientIdentity, ConnState, ConnectError, ConnectOptions,
    PeerClose, TlsConfig, TlsSettings, Verification,
};
use net_support::{CONN, Loop, Pki, ServerEvent, TlsServer};
use rustls::CertificateError;

/// Collects warnings so the insecure-mode test can see its warning.
struct Capture;

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            WARNINGS.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

fn capture_warnings() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Warn);
}

fn settings(pki: &Pki) -> TlsSettings {
    TlsSettings {
        ca_path: Some(pki.ca_pem.clone()),
        bundled_roots: BundledRoots::Exclude,
        client_identity: None,
        verification: Verification::Verify,
    }
}

fn open(lp: &Loop, url: &str, tls: &TlsConfig) -> Result<AcsConnection, ConnectError> {
    AcsConnection::open(
        &Url::parse(url).unwrap(),
        Some(tls),
        &ConnectOptions::default(),
        lp.poll.registry(),
        CONN,
        Some(lp.waker.clone()),
        Instant::now(),
    )
}

/// Connects, sends one request and reads the `200 ok` answer.
fn round_trip(url: &str, tls: &TlsConfig) -> Result<Vec<u8>, ConnectError> {
    let mut lp = Loop::new();
    let mut conn = open(&lp, url, tls)?;
    lp.establish(&mut conn, Duration::from_secs(10))?;
    assert!(conn.is_secure());
    let answer = lp
        .exchange(&mut conn, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 40)
        .map_err(ConnectError::Io)?;
    conn.close(lp.poll.registry());
    assert_eq!(conn.state(), ConnState::Closed);
    Ok(answer)
}

#[test]
fn connecting_with_the_test_ca_succeeds_and_sends_sni() {
    let pki = Pki::new("tls-ok");
    let server = TlsServer::start(pki.server_config(false));
    let tls = settings(&pki).build().unwrap();
    let answer = round_trip(&format!("https://localhost:{}/acs", server.port), &tls).unwrap();
    assert!(answer.ends_with(b"\r\n\r\nok"));
    assert_eq!(
        server.next_event(),
        ServerEvent::Handshake {
            sni: Some("localhost".into()),
            client_cert: false
        }
    );
    assert!(matches!(server.next_event(), ServerEvent::Request(r) if r.starts_with(b"GET / ")));
    // close() sends close_notify before the TCP shutdown.
    assert_eq!(
        server.next_event(),
        ServerEvent::Closed { close_notify: true }
    );
}

#[test]
fn a_ca_directory_is_a_trust_store_too() {
    let pki = Pki::new("tls-dir");
    let server = TlsServer::start(pki.server_config(false));
    let dir = net_support::temp_dir("cadir");
    std::fs::copy(&pki.ca_pem, dir.join("test-ca.pem")).unwrap();
    std::fs::write(dir.join("README"), "not a certificate").unwrap();
    let tls = TlsSettings {
        ca_path: Some(dir),
        ..settings(&pki)
    }
    .build()
    .unwrap();
    round_trip(&format!("https://localhost:{}/", server.port), &tls).unwrap();
}

#[test]
fn wrong_host_name_fails() {
    let pki = Pki::new("tls-name");
    let server = TlsServer::start(pki.server_config(false));
    let tls = settings(&pki).build().unwrap();
    // The certificate names `localhost`, not the address.
    let err = round_trip(&format!("https://127.0.0.1:{}/", server.port), &tls).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectError::Certificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            )
        ),
        "{err:?}"
    );
    // No SNI for an IP literal (RFC 6066 §3).
    assert!(matches!(server.next_event(), ServerEvent::Failed(_)));
}

#[test]
fn unknown_ca_fails() {
    let pki = Pki::new("tls-ca");
    let server = TlsServer::start(pki.server_config(false));
    let tls = TlsSettings {
        ca_path: Some(pki.other_ca_pem.clone()),
        ..settings(&pki)
    }
    .build()
    .unwrap();
    let err = round_trip(&format!("https://localhost:{}/", server.port), &tls).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectError::Certificate(CertificateError::UnknownIssuer)
        ),
        "{err:?}"
    );
}

#[test]
fn insecure_succeeds_with_a_warning() {
    capture_warnings();
    let pki = Pki::new("tls-insecure");
    let server = TlsServer::start(pki.server_config(false));
    let tls = TlsSettings {
        ca_path: None,
        bundled_roots: BundledRoots::Exclude,
        client_identity: None,
        verification: Verification::Insecure,
    }
    .build()
    .unwrap();
    let answer = round_trip(&format!("https://127.0.0.1:{}/", server.port), &tls).unwrap();
    assert!(answer.ends_with(b"ok"));
    let warnings = WARNINGS.lock().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("DISABLED") && w.contains("127.0.0.1")),
        "{warnings:?}"
    );
}

#[test]
fn client_certificate_is_presented_when_configured() {
    let pki = Pki::new("tls-mutual");
    let server = TlsServer::start(pki.server_config(true));
    let tls = TlsSettings {
        client_identity: Some(ClientIdentity {
            cert: pki.client_cert_pem.clone(),
            key: pki.client_key_pem.clone(),
        }),
        ..settings(&pki)
    }
    .build()
    .unwrap();
    round_trip(&format!("https://localhost:{}/", server.port), &tls).unwrap();
    assert_eq!(
        server.next_event(),
        ServerEvent::Handshake {
            sni: Some("localhost".into()),
            client_cert: true
        }
    );
}

#[test]
fn server_requiring_a_client_certificate_refuses_a_client_without_one() {
    let pki = Pki::new("tls-nocert");
    let server = TlsServer::start(pki.server_config(true));
    let tls = settings(&pki).build().unwrap();
    // TLS 1.3: the client finishes its side first and learns of the refusal from the alert.
    let err = round_trip(&format!("https://localhost:{}/", server.port), &tls).unwrap_err();
    match err {
        ConnectError::AlertReceived(_) => {}
        ConnectError::Io(e) => {
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(server.next_event(), ServerEvent::Failed(_)));
}

#[test]
fn https_without_tls_configuration_is_refused() {
    let lp = Loop::new();
    let err = AcsConnection::open(
        &Url::parse("https://localhost:1/").unwrap(),
        None,
        &ConnectOptions::default(),
        lp.poll.registry(),
        CONN,
        None,
        Instant::now(),
    )
    .unwrap_err();
    assert!(matches!(err, ConnectError::TlsNotConfigured));
}

#[test]
fn peer_closing_without_close_notify_reads_as_end_of_stream() {
    use std::io::Write;
    let pki = Pki::new("tls-eof");
    let config = pki.server_config(false);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut conn = rustls::ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).unwrap();
        }
        conn.writer().write_all(b"bye").unwrap();
        while conn.wants_write() {
            conn.write_tls(&mut tcp).unwrap();
        }
        // Drop the TCP connection without close_notify.
    });
    let tls = settings(&pki).build().unwrap();
    let mut lp = Loop::new();
    let mut conn = open(&lp, &format!("https://localhost:{port}/"), &tls).unwrap();
    lp.establish(&mut conn, Duration::from_secs(10)).unwrap();
    let got = lp.exchange(&mut conn, b"", usize::MAX).unwrap();
    assert_eq!(got, b"bye");
    assert_eq!(conn.peer_close(), Some(PeerClose::WithoutCloseNotify));
    assert!(!conn.is_connected());
}

#[test]
fn tls_writes_queue_at_most_one_send_buffer() {
    let pki = Pki::new("tls-backpressure");
    let server = TlsServer::start(pki.server_config(false));
    let tls = settings(&pki).build().unwrap();
    let mut lp = Loop::new();
    let mut conn = open(&lp, &format!("https://localhost:{}/", server.port), &tls).unwrap();
    lp.establish(&mut conn, Duration::from_secs(10)).unwrap();
    let big = vec![0x42_u8; 1 << 20];
    let n = conn.write(&big).unwrap();
    assert!(
        n > 0 && n <= cwmp_platform::net::connection::DEFAULT_SEND_BUFFER,
        "{n}"
    );
    conn.close(lp.poll.registry());
}
