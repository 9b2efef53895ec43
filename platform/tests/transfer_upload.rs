//! Upload RPC transfers: HTTP PUT of a local file to a test server, with and without Digest,
//! and the faults of the ways it can fail.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod net_support;

use std::path::PathBuf;

use cwmp_core::soap::FaultCode;
use cwmp_platform::net::{BundledRoots, TlsSettings};
use cwmp_platform::transfer::{
    TRANSFER_BUFFER_SIZE, TransferHandle, TransferOptions, TransferRequest, TransferResult, Upload,
};
use net_support::{FileServer, PASSWORD, Pki, USER, pattern_bytes, temp_dir};

fn source(len: usize) -> PathBuf {
    let path = temp_dir("upload").join("config.bin");
    std::fs::write(&path, pattern_bytes(len)).unwrap();
    path
}

fn run(
    url: String,
    user: &str,
    password: &str,
    source: PathBuf,
    options: TransferOptions,
) -> TransferResult {
    TransferHandle::spawn(
        TransferRequest::Upload(Upload {
            url,
            username: user.into(),
            password: password.into(),
            source,
        }),
        options,
        None,
    )
    .unwrap()
    .wait()
    .unwrap()
}

#[test]
fn put_arrives_intact() {
    let server = FileServer::start(None);
    let len = 300_000;
    let result = run(
        server.url("http", "127.0.0.1", "/upload/cfg"),
        "",
        "",
        source(len),
        TransferOptions::default(),
    );
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    assert_eq!(result.path, None);
    assert_eq!(result.stats.bytes, len as u64);
    assert!(result.stats.largest_block <= TRANSFER_BUFFER_SIZE);
    let record = server.record.lock().unwrap();
    assert_eq!(record.uploads.get("cfg"), Some(&pattern_bytes(len)));
}

#[test]
fn digest_protected_put_is_sent_again_with_credentials() {
    let server = FileServer::start(None);
    let result = run(
        server.url("http", "127.0.0.1", "/digest-upload/log"),
        USER,
        PASSWORD,
        source(20_000),
        TransferOptions::default(),
    );
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    let record = server.record.lock().unwrap();
    assert_eq!(record.uploads.get("log"), Some(&pattern_bytes(20_000)));
    assert_eq!(
        record.requests,
        ["PUT /digest-upload/log", "PUT /digest-upload/log"]
    );
}

#[test]
fn wrong_password_is_9012() {
    let server = FileServer::start(None);
    let result = run(
        server.url("http", "127.0.0.1", "/digest-upload/log"),
        USER,
        "nope",
        source(100),
        TransferOptions::default(),
    );
    assert_eq!(
        result.fault,
        FaultCode::TRANSFER_AUTH_FAILURE,
        "{}",
        result.fault_string
    );
    assert!(server.record.lock().unwrap().uploads.is_empty());
}

#[test]
fn missing_source_file_is_9011() {
    let server = FileServer::start(None);
    let result = run(
        server.url("http", "127.0.0.1", "/upload/x"),
        "",
        "",
        PathBuf::from("/nonexistent/config.bin"),
        TransferOptions::default(),
    );
    assert_eq!(result.fault, FaultCode::UPLOAD_FAILURE);
    assert!(result.fault_string.contains("/nonexistent/config.bin"));
}

#[test]
fn refused_upload_target_is_9016_and_unreachable_server_9015() {
    let server = FileServer::start(None);
    let result = run(
        server.url("http", "127.0.0.1", "/readonly/x"),
        "",
        "",
        source(10),
        TransferOptions::default(),
    );
    assert_eq!(
        result.fault,
        FaultCode::ACCESS_FILE_FAILURE,
        "{}",
        result.fault_string
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let result = run(
        format!("http://127.0.0.1:{port}/upload/x"),
        "",
        "",
        source(10),
        TransferOptions::default(),
    );
    assert_eq!(result.fault, FaultCode::CONTACT_SERVER_FAILURE);
}

#[test]
fn https_put_arrives_intact() {
    let pki = Pki::new("up-tls");
    let server = FileServer::start(Some(pki.server_config(false)));
    let tls = TlsSettings {
        ca_path: Some(pki.ca_pem.clone()),
        bundled_roots: BundledRoots::Exclude,
        ..TlsSettings::default()
    }
    .build()
    .unwrap();
    let result = run(
        server.url("https", "localhost", "/upload/secure"),
        "",
        "",
        source(123_456),
        TransferOptions {
            tls: Some(tls),
            ..TransferOptions::default()
        },
    );
    assert_eq!(result.fault, FaultCode::NONE, "{}", result.fault_string);
    let record = server.record.lock().unwrap();
    assert_eq!(record.uploads.get("secure"), Some(&pattern_bytes(123_456)));
}
