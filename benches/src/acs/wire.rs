//! HTTP/1.1 server framing for the test ACS: reading requests, writing responses.
//!
//! Responsible for reading one request at a time from a blocking stream (head through
//! `httparse`, body by `Content-Length` or chunked through core's `ChunkedDecoder`, both
//! bounded) and for writing a response head + body. Not responsible for what the response says.

use std::io::{self, Read, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cwmp_core::http::chunked::{ChunkedDecoder, Progress};
use cwmp_core::time::{DateTime, UnixTime};

use super::record::{HttpRequest, HttpResponse};

/// Largest request head accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (GPN/GPV responses of a big data model stay far below).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Most header fields accepted in one request.
const MAX_FIELDS: usize = 64;

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection between requests.
    Closed,
    /// An I/O or TLS error, or the connection closed in the middle of a request.
    Io(io::Error),
    /// The request is not HTTP/1.1 the ACS can read; the text says why (answered with 400).
    Malformed(String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads requests from one connection, keeping bytes that arrived early for the next request.
#[derive(Debug, Default)]
pub struct RequestReader {
    buf: Vec<u8>,
}

impl RequestReader {
    /// Reads the next request.
    pub fn read<S: Read + ?Sized>(&mut self, stream: &mut S) -> Result<HttpRequest, ReadError> {
        // Head.
        let head_len = loop {
            if let Some(pos) = find_head_end(&self.buf) {
                break pos;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Malformed("request head too large".into()));
            }
            if self.fill(stream)? == 0 {
                return Err(if self.buf.is_empty() {
                    ReadError::Closed
                } else {
                    ReadError::Io(io::ErrorKind::UnexpectedEof.into())
                });
            }
        };
        let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
        let mut req = httparse::Request::new(&mut fields);
        match req.parse(&self.buf[..head_len]) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(ReadError::Malformed("incomplete request head".into()));
            }
            Err(e) => return Err(ReadError::Malformed(format!("request head: {e}"))),
        }
        let method = req.method.unwrap_or_default().to_owned();
        let target = req.path.unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).trim().to_owned(),
                )
            })
            .collect();
        let head = String::from_utf8_lossy(&self.buf[..head_len]).into_owned();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let chunked = find("transfer-encoding").is_some_and(|v| {
            v.to_ascii_lowercase()
                .split(',')
                .any(|t| t.trim() == "chunked")
        });
        let content_length = match find("content-length") {
            Some(v) if !chunked => Some(
                v.parse::<usize>()
                    .map_err(|_| ReadError::Malformed(format!("Content-Length {v:?}")))?,
            ),
            _ => None,
        };
        self.buf.drain(..head_len);

        // Body.
        let body = if chunked {
            let mut dec = ChunkedDecoder::new(0);
            loop {
                let filled = self.buf.len();
                match dec.decode(&mut self.buf, filled, MAX_BODY) {
                    Ok(Progress::Done) => break,
                    Ok(Progress::Partial) => {}
                    Err(e) => return Err(ReadError::Malformed(format!("chunked body: {e}"))),
                }
                if self.fill(stream)? == 0 {
                    return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
                }
            }
            let body = self.buf[..dec.body_end()].to_vec();
            self.buf.drain(..dec.consumed());
            body
        } else {
            let len = content_length.unwrap_or(0);
            if len > MAX_BODY {
                return Err(ReadError::Malformed("request body too large".into()));
            }
            while self.buf.len() < len {
                if self.fill(stream)? == 0 {
                    return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
                }
            }
            self.buf.drain(..len).collect()
        };
        Ok(HttpRequest {
            at: Instant::now(),
            method,
            target,
            headers,
            head,
            body,
            chunked,
        })
    }

    fn fill<S: Read + ?Sized>(&mut self, stream: &mut S) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The reason phrase of the statuses the ACS sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// An IMF-fixdate (`Wed, 25 Nov 2026 20:40:57 GMT`) for the `Date` header.
pub fn http_date(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let secs = i64::try_from(secs).unwrap_or(0);
    let dt = DateTime::from_unix(UnixTime(secs));
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // 1970-01-01 was a Thursday; rem_euclid(7) is in 0..7 and month is 1..=12.
    let weekday = DAYS[(secs.div_euclid(86_400).rem_euclid(7)) as usize];
    let month = MONTHS[usize::from(dt.month.clamp(1, 12) - 1)];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day, dt.year, dt.hour, dt.minute, dt.second
    )
}

/// Builds a response: `headers` are written in the given order, `Content-Length` is not
/// added (callers put it where GenieACS puts it).
pub fn response(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> HttpResponse {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in &headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    HttpResponse {
        at: Instant::now(),
        status,
        headers,
        head,
        body,
    }
}

/// A response written exactly as `bytes` (kept whole in `body`; `status` is what the first
/// line claims, 0 when it claims nothing readable).
pub fn raw_response(bytes: Vec<u8>) -> HttpResponse {
    let status = bytes
        .split(|b| *b == b'\n')
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .filter(|line| line.starts_with("HTTP/"))
        .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    HttpResponse {
        at: Instant::now(),
        status,
        headers: Vec::new(),
        head: String::new(),
        body: bytes,
    }
}

/// Writes a response and flushes.
pub fn write_response<S: Write + ?Sized>(stream: &mut S, r: &HttpResponse) -> io::Result<()> {
    let mut bytes = r.head.as_bytes().to_vec();
    bytes.extend_from_slice(&r.body);
    stream.write_all(&bytes)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn http_date_matches_a_genieacs_capture() {
        // 2026-11-25T20:40:57Z, the Date of 05_task_setParameterValues.
        let t = UNIX_EPOCH + Duration::from_secs(1_795_639_257);
        assert_eq!(http_date(t), "Wed, 25 Nov 2026 20:40:57 GMT");
    }

    #[test]
    fn reads_content_length_and_chunked_requests_back_to_back() {
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n";
        let mut input = &raw[..];
        let mut r = RequestReader::default();
        let a = r.read(&mut input).unwrap();
        assert_eq!(
            (a.target.as_str(), &a.body[..], a.chunked),
            ("/", &b"abc"[..], false)
        );
        let b = r.read(&mut input).unwrap();
        assert_eq!(
            (b.target.as_str(), &b.body[..], b.chunked),
            ("/x", &b"def"[..], true)
        );
        assert!(matches!(r.read(&mut input), Err(ReadError::Closed)));
    }

    #[test]
    fn oversized_body_is_refused() {
        let raw = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        let mut input = raw.as_bytes();
        let e = RequestReader::default().read(&mut input);
        assert!(matches!(e, Err(ReadError::Malformed(_))));
    }
}
