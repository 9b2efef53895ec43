//! Download RPC transfers against a local HTTP(S) file server: framing, authentication,
//! redirects, sizes and the fault code of every failure (digest §9.2, §11.5).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod net_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cwmp_core::soap::FaultCode;
use cwmp_platform::net::{BundledRoots, TlsSettings};
use cwmp_platform::transfer::{
    Download, TRANSFER_BUFFER_SIZE, TransferHandle, TransferOptions, TransferRequest,
    TransferResult,
};
use mio::{Events, Poll, Token, Waker};
use net_support::{BIG, FileServer, PASSWORD, Pki, USER, file_matches_pattern, temp_dir};

fn download(url: String, user: &str, password: &str, file_size: u64) -> (Download, PathBuf) {
    let dir = temp_dir("download");
    let destination = dir.join("image.bin");
    (
        Download {
            url,
            username: user.into(),
            password: password.into(),
            file_size,
            destination: destination.clone(),
        },
        destination,
    )
}

fn run(request: Download, options: TransferOptions) -> TransferResult {
    TransferHandle::spawn(TransferRequest::Download(request), options, None)
        .unwrap()
        .wait()
        .unwrap()
}

fn assert_fault(result: &TransferResult, code: FaultCode) {
    assert_eq!(result.fault, code, "{}", result.fault_string);
    assert!(!result.fault_string.is_empty());
    assert_eq!(result.path, None);
}

fn no_partial_file_left(destination: &Path) {
    let dir = destination.parent().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn plain_download_lands_under_its_final_name() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/plain/70000"),
        "",
        "",
        70000,
    );
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert_eq!(result.fault_string, "");
    assert_eq!(result.path.as_deref(), Some(dest.as_path()));
    assert!(result.start.0 > 0 && result.complete.0 >= result.start.0);
    assert_eq!(result.stats.bytes, 70000);
    assert!(file_matches_pattern(&dest, 70000));
    assert!(!dest.with_file_name("image.bin.part").exists());
}

#[test]
fn chunked_download_without_announced_size() {
    let server = FileServer::start(None);
    let (req, dest) = download(server.url("http", "localhost", "/chunked/45678"), "", "", 0);
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 45678));
}

#[test]
fn basic_protected_download_answers_the_challenge() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/basic/1000"),
        USER,
        PASSWORD,
        0,
    );
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 1000));
    assert_eq!(server.record.lock().unwrap().requests.len(), 2);
}

#[test]
fn digest_protected_download_answers_the_challenge() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/digest/3000"),
        USER,
        PASSWORD,
        3000,
    );
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 3000));
}

#[test]
fn wrong_password_is_9012() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/digest/3000"),
        USER,
        "wrong",
        0,
    );
    let result = run(req, TransferOptions::default());
    assert_fault(&result, FaultCode::TRANSFER_AUTH_FAILURE);
    // One challenge answered, then given up.
    assert_eq!(server.record.lock().unwrap().requests.len(), 2);
    no_partial_file_left(&dest);
}

#[test]
fn missing_credentials_are_9012() {
    let server = FileServer::start(None);
    let (req, _) = download(server.url("http", "127.0.0.1", "/basic/10"), "", "", 0);
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::TRANSFER_AUTH_FAILURE,
    );
}

#[test]
fn not_found_is_9016() {
    let server = FileServer::start(None);
    let (req, dest) = download(server.url("http", "127.0.0.1", "/nothing"), "", "", 0);
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::ACCESS_FILE_FAILURE,
    );
    no_partial_file_left(&dest);
}

#[test]
fn connection_refused_is_9015() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (req, _) = download(format!("http://127.0.0.1:{port}/plain/1"), "", "", 0);
    let result = run(req, TransferOptions::default());
    assert_fault(&result, FaultCode::CONTACT_SERVER_FAILURE);
    assert!(
        result.fault_string.contains("127.0.0.1"),
        "{}",
        result.fault_string
    );
}

#[test]
fn truncated_body_is_9017() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/truncated/20000"),
        "",
        "",
        0,
    );
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::DOWNLOAD_INCOMPLETE,
    );
    no_partial_file_left(&dest);
}

#[test]
fn silent_server_is_a_timeout() {
    let server = FileServer::start(None);
    let (req, _) = download(server.url("http", "127.0.0.1", "/silent"), "", "", 0);
    let options = TransferOptions {
        silence_timeout: Duration::from_millis(300),
        ..TransferOptions::default()
    };
    let start = Instant::now();
    let result = run(req, options);
    assert_fault(&result, FaultCode::CONTACT_SERVER_FAILURE);
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn file_bigger_than_announced_file_size_is_9010() {
    let server = FileServer::start(None);
    // Content-Length disagrees with FileSize: refused before writing.
    let (req, dest) = download(server.url("http", "127.0.0.1", "/plain/5000"), "", "", 3000);
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::TRANSFER_FAILURE,
    );
    no_partial_file_left(&dest);
    // Chunked: refused once more bytes than announced arrive.
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/chunked/5000"),
        "",
        "",
        3000,
    );
    let result = run(req, TransferOptions::default());
    assert_fault(&result, FaultCode::TRANSFER_FAILURE);
    assert!(
        result.fault_string.contains("FileSize"),
        "{}",
        result.fault_string
    );
    no_partial_file_left(&dest);
}

fn tiny_disk(_: &Path) -> std::io::Result<u64> {
    Ok(4000)
}

#[test]
fn file_bigger_than_free_space_is_9010() {
    let server = FileServer::start(None);
    let options = || TransferOptions {
        free_space: tiny_disk,
        ..TransferOptions::default()
    };
    // Announced FileSize: refused before connecting.
    let (req, _) = download(server.url("http", "127.0.0.1", "/plain/5000"), "", "", 5000);
    assert_fault(&run(req, options()), FaultCode::TRANSFER_FAILURE);
    assert!(server.record.lock().unwrap().requests.is_empty());
    // Content-Length only.
    let (req, dest) = download(server.url("http", "127.0.0.1", "/plain/5000"), "", "", 0);
    assert_fault(&run(req, options()), FaultCode::TRANSFER_FAILURE);
    no_partial_file_left(&dest);
    // Neither: stopped while streaming.
    let (req, dest) = download(server.url("http", "127.0.0.1", "/chunked/5000"), "", "", 0);
    let result = run(req, options());
    assert_fault(&result, FaultCode::TRANSFER_FAILURE);
    assert!(
        result.fault_string.contains("4000 free bytes"),
        "{}",
        result.fault_string
    );
    no_partial_file_left(&dest);
}

#[test]
fn unsupported_scheme_is_9013() {
    let (req, _) = download("ftp://127.0.0.1/image.bin".into(), "", "", 0);
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::UNSUPPORTED_PROTOCOL,
    );
}

#[test]
fn redirects_are_followed_up_to_five() {
    let server = FileServer::start(None);
    let (req, dest) = download(server.url("http", "127.0.0.1", "/redirect/2500"), "", "", 0);
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 2500));
    let (req, _) = download(server.url("http", "127.0.0.1", "/loop"), "", "", 0);
    assert_fault(
        &run(req, TransferOptions::default()),
        FaultCode::ACCESS_FILE_FAILURE,
    );
    // The first request and five redirects, twice /redirect + /plain before.
    assert_eq!(server.record.lock().unwrap().requests.len(), 2 + 6);
}

#[test]
fn credentials_follow_a_redirect_on_the_same_host_only() {
    let server = FileServer::start(None);
    let (req, dest) = download(
        server.url("http", "127.0.0.1", "/goto/127.0.0.1/basic/700"),
        USER,
        PASSWORD,
        0,
    );
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 700));
    // Same server, other name: the credentials stay home.
    let (req, _) = download(
        server.url("http", "127.0.0.1", "/goto/localhost/basic/700"),
        USER,
        PASSWORD,
        0,
    );
    let result = run(req, TransferOptions::default());
    assert_fault(&result, FaultCode::TRANSFER_AUTH_FAILURE);
    assert!(
        result.fault_string.contains("original host"),
        "{}",
        result.fault_string
    );
    let requests = server.record.lock().unwrap().requests.clone();
    assert_eq!(
        requests,
        [
            "GET /goto/127.0.0.1/basic/700",
            "GET /basic/700",
            "GET /basic/700",
            "GET /goto/localhost/basic/700",
            "GET /basic/700",
        ]
    );
}

#[test]
fn https_download_uses_the_tls_settings() {
    let pki = Pki::new("dl-tls");
    let server = FileServer::start(Some(pki.server_config(false)));
    let tls = TlsSettings {
        ca_path: Some(pki.ca_pem.clone()),
        bundled_roots: BundledRoots::Exclude,
        ..TlsSettings::default()
    }
    .build()
    .unwrap();
    let options = TransferOptions {
        tls: Some(tls),
        ..TransferOptions::default()
    };
    let (req, dest) = download(
        server.url("https", "localhost", "/digest/100000"),
        USER,
        PASSWORD,
        0,
    );
    let result = run(req, options.clone());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert!(file_matches_pattern(&dest, 100000));
    assert!(result.stats.largest_block <= TRANSFER_BUFFER_SIZE);
    // The certificate does not name 127.0.0.1: the file server cannot be trusted.
    let (req, _) = download(server.url("https", "127.0.0.1", "/plain/10"), "", "", 0);
    assert_fault(&run(req, options), FaultCode::CONTACT_SERVER_FAILURE);
}

#[test]
fn fifty_mib_stream_through_one_fixed_buffer() {
    let server = FileServer::start(None);
    let (req, dest) = download(server.url("http", "127.0.0.1", "/big"), "", "", BIG);
    let result = run(req, TransferOptions::default());
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert_eq!(result.stats.bytes, BIG);
    // Every write to the file came out of the 16 KiB transfer buffer.
    assert_eq!(TRANSFER_BUFFER_SIZE, 16 * 1024);
    assert!(result.stats.largest_block > 0);
    assert!(result.stats.largest_block <= TRANSFER_BUFFER_SIZE);
    assert!(file_matches_pattern(&dest, BIG));
}

#[test]
fn result_wakes_the_event_loop() {
    let server = FileServer::start(None);
    let mut poll = Poll::new().unwrap();
    let waker = Arc::new(Waker::new(poll.registry(), Token(7)).unwrap());
    let (req, dest) = download(server.url("http", "127.0.0.1", "/plain/100"), "", "", 0);
    // The loop keeps its own reference: a mio waker deregisters itself when dropped.
    let mut handle = TransferHandle::spawn(
        TransferRequest::Download(req),
        TransferOptions::default(),
        Some(waker.clone()),
    )
    .unwrap();
    let mut events = Events::with_capacity(4);
    let end = Instant::now() + Duration::from_secs(10);
    let result = loop {
        assert!(Instant::now() < end);
        poll.poll(&mut events, Some(Duration::from_secs(10)))
            .unwrap();
        if events.iter().any(|e| e.token() == Token(7))
            && let Some(result) = handle.poll_result()
        {
            break result;
        }
    };
    assert_eq!(result.fault, FaultCode::NONE);
    assert!(file_matches_pattern(&dest, 100));
}

#[test]
fn dropping_the_handle_stops_the_worker_promptly() {
    let server = FileServer::start(None);
    let (req, dest) = download(server.url("http", "127.0.0.1", "/silent"), "", "", 0);
    let handle = TransferHandle::spawn(
        TransferRequest::Download(req),
        TransferOptions::default(),
        None,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    drop(handle);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    no_partial_file_left(&dest);
}
