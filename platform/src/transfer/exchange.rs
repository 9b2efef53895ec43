//! One HTTP/1.1 request and the head of its response, for file transfers.
//!
//! Responsible for writing the `GET`/`PUT` request head (Host, User-Agent, Authorization from
//! core's `ClientAuth`, Content-Length, `Connection: close`), reading the response head within
//! core's `HTTP_MAX_*` limits (incremental end-of-head scan from core, field syntax from
//! httparse, interim `1xx` skipped), deciding the body framing, and streaming the body to a
//! sink through the caller's fixed buffer. Not responsible for what the status means for the
//! transfer (the download and upload modules decide) nor for the connection.
//!
//! Every request asks for `Connection: close`: a transfer makes few requests, and a new
//! connection per request keeps the framing and the error handling simple.

use std::fmt;

use cwmp_core::http::auth::{ClientAuth, Credentials, Transport};
use cwmp_core::http::chunked::ChunkedError;
use cwmp_core::http::headers::{Fields, HeadLimits, HeadScanner, list_contains};
use cwmp_core::http::url::Url;
use cwmp_core::limits::{HTTP_MAX_HEAD_BYTES, HTTP_MAX_HEADER_LINE, HTTP_MAX_RESPONSE_HEADERS};
use cwmp_core::sink::{Full, SliceSink};

use super::blocking::{Link, LinkError};
use super::chunked::{ChunkedStream, Progress, StreamError};

/// The request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Download.
    Get,
    /// Upload, with the body length.
    Put {
        /// Content-Length.
        len: u64,
    },
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put { .. } => "PUT",
        }
    }
}

/// Writes the request head into `buf`; returns its length.
pub(crate) fn write_request_head(
    buf: &mut [u8],
    method: Method,
    url: &Url<'_>,
    user_agent: &str,
    auth: &mut ClientAuth,
    credentials: &Credentials<'_>,
) -> Result<usize, Full> {
    use cwmp_core::sink::Sink as _;
    let mut sink = SliceSink::new(buf);
    sink.write_str(method.as_str())?;
    sink.write_str(" ")?;
    sink.write_str(url.target())?;
    sink.write_str(" HTTP/1.1\r\nHost: ")?;
    url.write_host_header_value(&mut sink)?;
    sink.write_str("\r\n")?;
    if !user_agent.is_empty() {
        sink.write_str("User-Agent: ")?;
        sink.write_str(user_agent)?;
        sink.write_str("\r\n")?;
    }
    if let Method::Put { len } = method {
        sink.write_str("Content-Type: application/octet-stream\r\nContent-Length: ")?;
        sink.write_u64(len)?;
        sink.write_str("\r\n")?;
    }
    let transport = if url.is_secure() {
        Transport::Tls
    } else {
        Transport::Plain
    };
    auth.write_authorization(
        credentials,
        method.as_str(),
        url.target(),
        transport,
        &mut sink,
    )?;
    sink.write_str("Connection: close\r\n\r\n")?;
    Ok(sink.len())
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body (`204`, `304`).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked coding.
    Chunked,
    /// Until the server closes.
    UntilClose,
}

/// The parts of a response head a transfer acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResponseHead {
    /// Status code.
    pub status: u16,
    /// Body framing.
    pub framing: Framing,
    /// `Location`, if any.
    pub location: Option<String>,
    /// Every `WWW-Authenticate` value.
    pub challenges: Vec<String>,
}

/// Why a response could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed, timed out or was cancelled.
    Link(LinkError),
    /// The server closed before the head was complete.
    ClosedEarly,
    /// The head breaks a limit or is not HTTP.
    Malformed(&'static str),
    /// The body ended before its announced end (connection closed).
    Truncated,
    /// The chunked framing is broken.
    Chunked(ChunkedError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Link(e) => write!(f, "{e}"),
            ReadError::ClosedEarly => {
                f.write_str("the server closed the connection without answering")
            }
            ReadError::Malformed(what) => write!(f, "bad response from the server: {what}"),
            ReadError::Truncated => f.write_str("the server closed the connection mid-body"),
            ReadError::Chunked(e) => write!(f, "bad chunked body: {e}"),
        }
    }
}

impl From<LinkError> for ReadError {
    fn from(e: LinkError) -> Self {
        ReadError::Link(e)
    }
}

/// Reads the response head into `buf`. Returns the head and the range `start..filled` of the
/// buffer holding the first body bytes.
pub(crate) fn read_head(
    link: &mut Link<'_>,
    buf: &mut [u8],
) -> Result<(ResponseHead, usize, usize), ReadError> {
    const LIMITS: HeadLimits = HeadLimits {
        start_line: HTTP_MAX_HEADER_LINE,
        line: HTTP_MAX_HEADER_LINE,
        head: HTTP_MAX_HEAD_BYTES,
    };
    let mut filled = 0;
    let mut start = 0;
    let mut scanner = HeadScanner::new();
    loop {
        let end = scanner
            .scan(buf, start, filled, &LIMITS)
            .map_err(|_| ReadError::Malformed("head too large"))?;
        let Some(end) = end else {
            if filled == buf.len() {
                // Only interim responses can fill the buffer before a head ends: drop them.
                buf.copy_within(start..filled, 0);
                filled -= start;
                start = 0;
                scanner = HeadScanner::new();
                if filled == buf.len() {
                    return Err(ReadError::Malformed("head too large"));
                }
            }
            let n = link.read(buf.get_mut(filled..).unwrap_or(&mut []))?;
            if n == 0 {
                return Err(ReadError::ClosedEarly);
            }
            filled += n;
            continue;
        };
        // `scan` returns an end within `start..=filled`.
        let head = parse_head(&buf[start..end])?;
        if (100..200).contains(&head.status) {
            start = end;
            scanner.restart_at(end);
            continue;
        }
        return Ok((head, end, filled));
    }
}

fn parse_head(bytes: &[u8]) -> Result<ResponseHead, ReadError> {
    let mut storage = [httparse::EMPTY_HEADER; HTTP_MAX_RESPONSE_HEADERS];
    let mut parsed = httparse::Response::new(&mut storage);
    match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(n)) if n == bytes.len() => {}
        Err(httparse::Error::TooManyHeaders) => {
            return Err(ReadError::Malformed("too many header fields"));
        }
        _ => return Err(ReadError::Malformed("not an HTTP/1.x response head")),
    }
    let status = parsed.code.ok_or(ReadError::Malformed("no status code"))?;
    if status == 101 {
        return Err(ReadError::Malformed("unexpected 101 Switching Protocols"));
    }
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut location = None;
    let mut challenges = Vec::new();
    for field in Fields::new(bytes) {
        if field.name.eq_ignore_ascii_case("content-length") {
            let v = field.value;
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ReadError::Malformed("invalid Content-Length"));
            }
            let n: u64 = v
                .parse()
                .map_err(|_| ReadError::Malformed("invalid Content-Length"))?;
            if content_length.is_some_and(|m| m != n) {
                return Err(ReadError::Malformed("conflicting Content-Length"));
            }
            content_length = Some(n);
        } else if field.name.eq_ignore_ascii_case("transfer-encoding") {
            if chunked || !field.value.eq_ignore_ascii_case("chunked") {
                return Err(ReadError::Malformed("unsupported Transfer-Encoding"));
            }
            chunked = list_contains(field.value, "chunked");
        } else if field.name.eq_ignore_ascii_case("location") && location.is_none() {
            location = Some(field.value.to_owned());
        } else if field.name.eq_ignore_ascii_case("www-authenticate") {
            challenges.push(field.value.to_owned());
        }
    }
    let framing = if status == 204 || status == 304 {
        Framing::Empty
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = content_length {
        Framing::Length(n)
    } else {
        Framing::UntilClose
    };
    Ok(ResponseHead {
        status,
        framing,
        location,
        challenges,
    })
}

/// An error while streaming a body: reading it, or the sink.
#[derive(Debug)]
pub(crate) enum BodyError<E> {
    /// Reading or decoding failed.
    Read(ReadError),
    /// The sink refused the data.
    Sink(E),
}

impl<E> From<LinkError> for BodyError<E> {
    fn from(e: LinkError) -> Self {
        BodyError::Read(ReadError::Link(e))
    }
}

/// Streams the body to `sink` through `buf`, whose `start..filled` already holds the first
/// body bytes. Returns the number of body bytes delivered.
pub(crate) fn stream_body<E>(
    link: &mut Link<'_>,
    buf: &mut [u8],
    start: usize,
    filled: usize,
    framing: Framing,
    sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<u64, BodyError<E>> {
    let mut delivered: u64 = 0;
    let mut count = |data: &[u8]| -> Result<(), E> {
        delivered += data.len() as u64;
        sink(data)
    };
    let mut first = Some(start..filled);
    let mut chunked = ChunkedStream::new();
    let mut remaining = match framing {
        Framing::Empty => return Ok(0),
        Framing::Length(n) => n,
        Framing::Chunked | Framing::UntilClose => 0,
    };
    loop {
        let data: &[u8] = match first.take() {
            Some(range) => buf.get(range).unwrap_or(&[]),
            None => {
                if matches!(framing, Framing::Length(_)) && remaining == 0 {
                    break;
                }
                let n = link.read(buf)?;
                if n == 0 {
                    if framing == Framing::UntilClose {
                        break;
                    }
                    return Err(BodyError::Read(ReadError::Truncated));
                }
                buf.get(..n).unwrap_or(&[])
            }
        };
        match framing {
            Framing::Chunked => match chunked.feed(data, &mut count) {
                Ok(Progress::Done { .. }) => break,
                Ok(Progress::Partial) => {}
                Err(StreamError::Framing(e)) => return Err(BodyError::Read(ReadError::Chunked(e))),
                Err(StreamError::Sink(e)) => return Err(BodyError::Sink(e)),
            },
            Framing::Length(_) => {
                // Bytes past Content-Length belong to nobody (the connection closes anyway).
                let take = data
                    .len()
                    .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                let data = data.get(..take).unwrap_or(&[]);
                if !data.is_empty() {
                    count(data).map_err(BodyError::Sink)?;
                }
                remaining -= take as u64;
            }
            Framing::UntilClose | Framing::Empty => {
                if !data.is_empty() {
                    count(data).map_err(BodyError::Sink)?;
                }
            }
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cwmp_core::http::auth::Preemptive;

    #[test]
    fn get_head_carries_host_agent_and_close() {
        let url = Url::parse("http://files.example.com:8080/fw/image.bin?v=2").unwrap();
        let mut auth = ClientAuth::new(Preemptive::Never, &[7; 16]);
        let creds = Credentials {
            username: "",
            password: "",
        };
        let mut buf = [0u8; 512];
        let n =
            write_request_head(&mut buf, Method::Get, &url, "cwmpd", &mut auth, &creds).unwrap();
        assert_eq!(
            &buf[..n],
            b"GET /fw/image.bin?v=2 HTTP/1.1\r\nHost: files.example.com:8080\r\nUser-Agent: cwmpd\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn put_head_announces_the_length() {
        let url = Url::parse("http://[::1]/up/log.txt").unwrap();
        let mut auth = ClientAuth::new(Preemptive::Never, &[7; 16]);
        let creds = Credentials {
            username: "u",
            password: "p",
        };
        let mut buf = [0u8; 512];
        let n = write_request_head(
            &mut buf,
            Method::Put { len: 1234 },
            &url,
            "",
            &mut auth,
            &creds,
        )
        .unwrap();
        assert_eq!(
            &buf[..n],
            b"PUT /up/log.txt HTTP/1.1\r\nHost: [::1]\r\nContent-Type: application/octet-stream\r\nContent-Length: 1234\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn head_fields_decide_framing_and_keep_challenges() {
        let head = parse_head(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nWWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\nContent-Length: 5\r\n\r\n",
        )
        .unwrap();
        assert_eq!(head.status, 401);
        assert_eq!(head.framing, Framing::Length(5));
        assert_eq!(head.challenges.len(), 2);
        let head = parse_head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        )
        .unwrap();
        assert_eq!(head.framing, Framing::Chunked);
        let head = parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert_eq!(head.framing, Framing::UntilClose);
        let head =
            parse_head(b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n").unwrap();
        assert_eq!(head.location.as_deref(), Some("/b"));
    }

    #[test]
    fn bad_heads_are_refused() {
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert!(matches!(parse_head(bad), Err(ReadError::Malformed(_))));
        }
    }
}
