//! Shared pieces of the net and transfer tests: a throwaway PKI (rcgen), a small TLS server, a
//! small HTTP file server (plain or TLS) that really checks Basic and Digest credentials, and a
//! mio loop that drives an `AcsConnection`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cwmp_core::http::digest::{
    Algorithm, Authorization, ResponseInput, Value, compute_response, constant_time_eq,
};
use cwmp_platform::net::{AcsConnection, ConnState, ConnectError};
use mio::{Events, Poll, Token, Waker};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cwmp-{name}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A test CA with a server certificate for `localhost` and a client certificate, written to
/// PEM files, plus an unrelated second CA.
pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: PathBuf,
    pub other_ca_pem: PathBuf,
    pub client_cert_pem: PathBuf,
    pub client_key_pem: PathBuf,
    pub ca_der: CertificateDer<'static>,
    pub server_chain: Vec<CertificateDer<'static>>,
    pub server_key: Vec<u8>,
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let dir = temp_dir(name);
        let ca = new_ca("cwmpd test CA");
        let other = new_ca("some other CA");
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(vec!["cpe.example".to_string()]).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "A1B2C3-OpenWrtCPE-VEC0001");
        let client = client_params.signed_by(&client_key, &ca).unwrap();
        let ca_pem = dir.join("ca.pem");
        let other_ca_pem = dir.join("other-ca.pem");
        let client_cert_pem = dir.join("client.pem");
        let client_key_pem = dir.join("client.key");
        fs::write(&ca_pem, ca.pem()).unwrap();
        fs::write(&other_ca_pem, other.pem()).unwrap();
        fs::write(&client_cert_pem, client.pem()).unwrap();
        fs::write(&client_key_pem, client_key.serialize_pem()).unwrap();
        Pki {
            dir,
            ca_pem,
            other_ca_pem,
            client_cert_pem,
            client_key_pem,
            ca_der: ca.der().clone(),
            server_chain: vec![server.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// A rustls server configuration with the `localhost` certificate; optionally requiring a
    /// client certificate issued by the test CA.
    pub fn server_config(&self, require_client_cert: bool) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca_der.clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        Arc::new(
            builder
                .with_single_cert(self.server_chain.clone(), key)
                .unwrap(),
        )
    }
}

/// What the TLS test server saw on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Handshake done: the SNI name and whether a client certificate came.
    Handshake {
        sni: Option<String>,
        client_cert: bool,
    },
    /// Handshake failed.
    Failed(String),
    /// The request that arrived.
    Request(Vec<u8>),
    /// The client closed: `true` when it sent close_notify first.
    Closed { close_notify: bool },
}

/// A TLS server on 127.0.0.1 that answers every request with `200 ok`.
pub struct TlsServer {
    pub port: u16,
    pub events: Receiver<ServerEvent>,
}

impl TlsServer {
    pub fn start(config: Arc<ServerConfig>) -> TlsServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let config = config.clone();
                let tx = tx.clone();
                thread::spawn(move || serve_tls_echo(stream, config, tx));
            }
        });
        TlsServer { port, events: rx }
    }

    /// The next event, waiting up to 10 s.
    pub fn next_event(&self) -> ServerEvent {
        self.events.recv_timeout(Duration::from_secs(10)).unwrap()
    }
}

fn serve_tls_echo(mut tcp: TcpStream, config: Arc<ServerConfig>, tx: Sender<ServerEvent>) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut conn = ServerConnection::new(config).unwrap();
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            let _ = tx.send(ServerEvent::Failed(e.to_string()));
            return;
        }
    }
    let _ = tx.send(ServerEvent::Handshake {
        sni: conn.server_name().map(str::to_owned),
        client_cert: conn.peer_certificates().is_some_and(|c| !c.is_empty()),
    });
    let mut tls = StreamOwned::new(conn, tcp);
    let Ok(request) = read_head(&mut tls) else {
        let _ = tx.send(ServerEvent::Failed("no request".into()));
        return;
    };
    let _ = tx.send(ServerEvent::Request(request));
    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let _ = tls.flush();
    let mut sink = [0u8; 256];
    let close_notify = loop {
        match tls.read(&mut sink) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(_) => break false,
        }
    };
    let _ = tx.send(ServerEvent::Closed { close_notify });
}

/// Reads up to and including the blank line ending a request head.
pub fn read_head(stream: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
        if head.len() > 16 * 1024 {
            return Err(io::ErrorKind::InvalidData.into());
        }
    }
    Ok(head)
}

/// A mio poll with a waker on token 0, driving connections on token 1.
pub struct Loop {
    pub poll: Poll,
    pub events: Events,
    pub waker: Arc<Waker>,
    /// How many times `poll` returned (to show the loop kept turning).
    pub turns: usize,
}

pub const CONN: Token = Token(1);

impl Loop {
    pub fn new() -> Loop {
        let poll = Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), Token(0)).unwrap());
        Loop {
            poll,
            events: Events::with_capacity(16),
            waker,
            turns: 0,
        }
    }

    /// One turn: wait for an event, the connection's deadline or `tick`, whichever is first.
    pub fn turn(&mut self, deadline: Option<Instant>, tick: Duration) {
        let now = Instant::now();
        let timeout = deadline
            .map(|d| d.saturating_duration_since(now))
            .map_or(tick, |d| d.min(tick));
        self.poll.poll(&mut self.events, Some(timeout)).unwrap();
        self.turns += 1;
    }

    /// Drives `conn` until established or failed, for at most `limit`.
    pub fn establish(
        &mut self,
        conn: &mut AcsConnection,
        limit: Duration,
    ) -> Result<(), ConnectError> {
        let end = Instant::now() + limit;
        loop {
            if conn.state() == ConnState::Established {
                return Ok(());
            }
            assert!(Instant::now() < end, "connection still {:?}", conn.state());
            self.turn(conn.deadline(), Duration::from_millis(50));
            conn.drive(self.poll.registry(), Instant::now())?;
        }
    }

    /// Writes `request` and reads until the peer closes or `expected_len` bytes arrived.
    pub fn exchange(
        &mut self,
        conn: &mut AcsConnection,
        request: &[u8],
        expected_len: usize,
    ) -> io::Result<Vec<u8>> {
        let end = Instant::now() + Duration::from_secs(10);
        let mut rest = request;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            assert!(Instant::now() < end, "exchange timed out");
            while !rest.is_empty() {
                let n = conn.write(rest)?;
                if n == 0 {
                    break;
                }
                rest = &rest[n..];
            }
            loop {
                match conn.read_into(&mut buf) {
                    Ok(0) => return Ok(got),
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            if got.len() >= expected_len {
                return Ok(got);
            }
            self.turn(None, Duration::from_millis(50));
            conn.drive(self.poll.registry(), Instant::now())
                .map_err(io::Error::other)?;
        }
    }
}

/// Byte `i` of every test file.
pub fn pattern(i: u64) -> u8 {
    (i % 251) as u8
}

pub fn pattern_bytes(len: usize) -> Vec<u8> {
    (0..len as u64).map(pattern).collect()
}

pub const USER: &str = "fileuser";
pub const PASSWORD: &str = "s3cret";
/// base64("fileuser:s3cret"), computed independently of core's encoder.
const BASIC_TOKEN: &str = "ZmlsZXVzZXI6czNjcmV0";
const REALM: &str = "cwmpd files";
const NONCE: &str = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
const OPAQUE: &str = "5ccc069c403ebaf9f0171e9517f40e41";
pub const BIG: u64 = 50 * 1024 * 1024;

/// What the file server recorded.
#[derive(Default)]
pub struct Record {
    /// Uploaded files by path.
    pub uploads: HashMap<String, Vec<u8>>,
    /// Request lines seen, in order.
    pub requests: Vec<String>,
}

/// An HTTP/1.1 file server on 127.0.0.1 (TLS when given a config). Routes:
/// `GET /plain/N`, `/chunked/N`, `/basic/N` (Basic), `/digest/N` (Digest MD5 qop=auth),
/// `/truncated/N` (sends half, closes), `/redirect/N` (302 to /plain/N), `/goto/HOST/PATH`
/// (307 to http://HOST:port/PATH), `/loop` (302 to itself), `/big` (50 MiB), `/silent` (never answers); `PUT /upload/NAME` and
/// `/digest-upload/NAME` store the body; everything else is 404.
pub struct FileServer {
    pub port: u16,
    pub record: Arc<Mutex<Record>>,
}

impl FileServer {
    pub fn start(tls: Option<Arc<ServerConfig>>) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let record = Arc::new(Mutex::new(Record::default()));
        let rec = record.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let rec = rec.clone();
                let tls = tls.clone();
                thread::spawn(move || {
                    stream
                        .set_read_timeout(Some(Duration::from_secs(20)))
                        .unwrap();
                    match tls {
                        None => serve_file(stream, &rec, port),
                        Some(config) => {
                            let conn = ServerConnection::new(config).unwrap();
                            serve_file(StreamOwned::new(conn, stream), &rec, port)
                        }
                    }
                });
            }
        });
        FileServer { port, record }
    }

    pub fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}:{}{path}", self.port)
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_request(head: &[u8]) -> Option<Request> {
    let mut storage = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut storage);
    req.parse(head).ok()?;
    Some(Request {
        method: req.method?.to_owned(),
        path: req.path?.to_owned(),
        headers: req
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    })
}

fn respond(stream: &mut impl Write, status: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn challenge(stream: &mut impl Write, digest: bool) {
    let extra = if digest {
        format!(
            "WWW-Authenticate: Digest realm=\"{REALM}\", nonce=\"{NONCE}\", qop=\"auth\", algorithm=MD5, opaque=\"{OPAQUE}\"\r\n"
        )
    } else {
        format!("WWW-Authenticate: Basic realm=\"{REALM}\"\r\n")
    };
    respond(stream, "401 Unauthorized", &extra, b"");
}

/// Checks a Digest `Authorization` the way a server must: every parameter against the
/// challenge and the request, and the response hash recomputed from the password.
fn digest_ok(req: &Request) -> bool {
    let Some(value) = req.header("authorization") else {
        return false;
    };
    let Ok(Some(a)) = Authorization::parse(value) else {
        return false;
    };
    let (Some(user), Some(realm), Some(nonce), Some(uri), Some(resp), Some(cnonce), Some(nc)) = (
        a.username, a.realm, a.nonce, a.uri, a.response, a.cnonce, a.nc,
    ) else {
        return false;
    };
    if !user.eq_str(USER)
        || !realm.eq_str(REALM)
        || !nonce.eq_str(NONCE)
        || !uri.eq_str(&req.path)
        || !a.opaque.is_some_and(|o| o.eq_str(OPAQUE))
        || !a.qop.is_some_and(|q| q.eq_str("auth"))
    {
        return false;
    }
    let expected = compute_response(&ResponseInput {
        algorithm: Algorithm::Md5,
        username: Value::plain(USER),
        realm: Value::plain(REALM),
        password: PASSWORD,
        method: &req.method,
        uri: Value::plain(&req.path),
        nonce: Value::plain(NONCE),
        qop_auth: Some((nc.raw(), cnonce)),
    });
    constant_time_eq(expected.as_bytes(), resp.raw().as_bytes())
}

fn serve_file<S: Read + Write>(mut stream: S, record: &Mutex<Record>, port: u16) {
    let Ok(head) = read_head(&mut stream) else {
        return;
    };
    let Some(req) = parse_request(&head) else {
        respond(&mut stream, "400 Bad Request", "", b"");
        return;
    };
    record
        .lock()
        .unwrap()
        .requests
        .push(format!("{} {}", req.method, req.path));
    let mut parts = req.path.trim_start_matches('/').splitn(2, '/');
    let route = parts.next().unwrap_or("").to_owned();
    let arg = parts.next().unwrap_or("").to_owned();
    let n: usize = arg.parse().unwrap_or(0);
    match (req.method.as_str(), route.as_str()) {
        ("GET", "plain") => respond(&mut stream, "200 OK", "", &pattern_bytes(n)),
        ("GET", "chunked") => {
            let body = pattern_bytes(n);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            );
            for chunk in body.chunks(1000) {
                let _ = write!(stream, "{:x};ext=1\r\n", chunk.len());
                let _ = stream.write_all(chunk);
                let _ = stream.write_all(b"\r\n");
            }
            let _ = stream.write_all(b"0\r\nX-Trailer: yes\r\n\r\n");
            let _ = stream.flush();
        }
        ("GET", "basic") => {
            let expected = format!("Basic {BASIC_TOKEN}");
            if req.header("authorization") == Some(expected.as_str()) {
                respond(&mut stream, "200 OK", "", &pattern_bytes(n));
            } else {
                challenge(&mut stream, false);
            }
        }
        ("GET", "digest") => {
            if digest_ok(&req) {
                respond(&mut stream, "200 OK", "", &pattern_bytes(n));
            } else {
                challenge(&mut stream, true);
            }
        }
        ("GET", "truncated") => {
            let body = pattern_bytes(n);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body[..n / 2]);
            let _ = stream.flush();
        }
        ("GET", "redirect") => respond(
            &mut stream,
            "302 Found",
            &format!("Location: /plain/{n}\r\n"),
            b"",
        ),
        ("GET", "goto") => {
            // /goto/HOST/PATH: an absolute redirect to http://HOST:port/PATH.
            let (host, path) = arg.split_once('/').unwrap_or((&arg, ""));
            respond(
                &mut stream,
                "307 Temporary Redirect",
                &format!("Location: http://{host}:{port}/{path}\r\n"),
                b"",
            )
        }
        ("GET", "loop") => respond(&mut stream, "302 Found", "Location: /loop\r\n", b""),
        ("GET", "big") => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {BIG}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let block: Vec<u8> = pattern_bytes(251 * 256);
            let mut sent = 0u64;
            while sent < BIG {
                let n = (BIG - sent).min(block.len() as u64) as usize;
                // 251 * 256 is a multiple of the pattern period, so every block starts at 0.
                if stream.write_all(&block[..n]).is_err() {
                    return;
                }
                sent += n as u64;
            }
            let _ = stream.flush();
        }
        ("GET", "silent") => thread::sleep(Duration::from_secs(30)),
        ("PUT", "upload" | "digest-upload") => {
            if route == "digest-upload" && !digest_ok(&req) {
                // Read and drop the body first, as a real server would before answering.
                let len: usize = req
                    .header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; len];
                let _ = stream.read_exact(&mut body);
                challenge(&mut stream, true);
                return;
            }
            let len: usize = req
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; len];
            if stream.read_exact(&mut body).is_err() {
                return;
            }
            record.lock().unwrap().uploads.insert(arg, body);
            respond(&mut stream, "201 Created", "", b"");
        }
        _ => respond(&mut stream, "404 Not Found", "", b"no such file"),
    }
}

/// Compares a file with the test pattern without reading it all into memory.
pub fn file_matches_pattern(path: &Path, len: u64) -> bool {
    let mut f = fs::File::open(path).unwrap();
    if f.metadata().unwrap().len() != len {
        return false;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut offset = 0u64;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            return offset == len;
        }
        if buf[..n]
            .iter()
            .enumerate()
            .any(|(i, &b)| b != pattern(offset + i as u64))
        {
            return false;
        }
        offset += n as u64;
    }
}
