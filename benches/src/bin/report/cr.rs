//! A Connection Request client: the ACS's side of TR-069 §3.2.2, with Digest authentication
//! from `cwmp_core::http::auth`.
//!
//! Responsible for one authenticated `GET` to the daemon's Connection Request port and for
//! saying when the authenticated request went out. Not responsible for waiting for the session
//! that follows.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cwmp_core::http::auth::{ClientAuth, Credentials, Preemptive, Transport};
use cwmp_core::sink::SliceSink;

/// Largest response head read.
const HEAD_MAX: usize = 8 * 1024;

/// Sends a Connection Request to `127.0.0.1:port` path `/`: an unauthenticated `GET`, then
/// the same with Digest credentials after the `401`. Returns when the authenticated request
/// was written and its status (200 or 204 when accepted, 503 when the daemon is busy or
/// rate-limits, in which case the request may not have been authenticated).
pub fn send(port: u16, user: &str, password: &str) -> Result<(Instant, u16), String> {
    let (status, challenges) = get(port, "")?;
    if status == 503 {
        // Busy or rate limited: the caller decides whether to try again.
        return Ok((Instant::now(), status));
    }
    if status != 401 {
        return Err(format!(
            "Connection Request without credentials: {status}, not 401"
        ));
    }
    let mut auth = ClientAuth::new(Preemptive::Never, &entropy());
    auth.on_challenge(challenges.iter().map(String::as_str))
        .map_err(|e| format!("Connection Request challenge: {e}"))?;
    let mut buf = [0u8; 1024];
    let mut sink = SliceSink::new(&mut buf);
    let credentials = Credentials {
        username: user,
        password,
    };
    auth.write_authorization(&credentials, "GET", "/", Transport::Plain, &mut sink)
        .map_err(|_| "Authorization header too long".to_string())?;
    let line = std::str::from_utf8(sink.written()).map_err(|e| e.to_string())?;
    let sent = Instant::now();
    let (status, _) = get(port, line)?;
    Ok((sent, status))
}

/// One `GET /` with `extra` header lines; the status and the `WWW-Authenticate` values.
fn get(port: u16, extra: &str) -> Result<(u16, Vec<String>), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let req =
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Content-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut r = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(_) = r.parse(&head).map_err(|e| e.to_string())? {
            let status = r.code.unwrap_or(0);
            let challenges = r
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("www-authenticate"))
                .map(|h| String::from_utf8_lossy(h.value).into_owned())
                .collect();
            return Ok((status, challenges));
        }
        if head.len() > HEAD_MAX {
            return Err("Connection Request response head too long".into());
        }
        let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("Connection Request: connection closed before a response".into());
        }
        head.extend_from_slice(&chunk[..n]);
    }
}

/// 16 bytes that differ between calls (the cnonce: unique, not secret, in a benchmark).
fn entropy() -> [u8; 16] {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    t.to_le_bytes()
}
