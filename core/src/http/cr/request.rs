//! The incoming Connection Request, read under strict limits and a deadline.
//!
//! Responsible for parsing one HTTP request head from the bytes a connection delivered so far
//! (request line, header count, line and total size limits, all enforced on partial input)
//! and for cutting off a client that has not finished by the deadline the caller set. Not
//! responsible for deciding what to answer (the server does), and it never reads a body: a
//! Connection Request carries none and the connection is closed after the answer.

use core::fmt;

use super::super::headers::{Fields, HeadLimits, HeadScanner, ScanError};
use crate::limits::{
    CR_MAX_HEADER_LINE, CR_MAX_HEADERS, CR_MAX_REQUEST_BYTES, CR_MAX_REQUEST_LINE,
};
use crate::time::Instant;

/// Why a request cannot be served; each maps to the status answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// Request line longer than [`CR_MAX_REQUEST_LINE`] (414).
    RequestLineTooLong,
    /// A header line longer than [`CR_MAX_HEADER_LINE`], more than [`CR_MAX_HEADERS`] fields,
    /// or a head longer than [`CR_MAX_REQUEST_BYTES`] (431).
    HeadersTooLarge,
    /// A declared body larger than [`CR_MAX_REQUEST_BYTES`] (413).
    BodyTooLarge,
    /// Not HTTP/1.x (400).
    Malformed,
    /// The deadline passed before the head was complete (408).
    TimedOut,
}

impl RequestError {
    /// The HTTP status answered.
    pub const fn status(self) -> u16 {
        match self {
            RequestError::RequestLineTooLong => 414,
            RequestError::HeadersTooLarge => 431,
            RequestError::BodyTooLarge => 413,
            RequestError::Malformed => 400,
            RequestError::TimedOut => 408,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestError::RequestLineTooLong => "request line too long",
            RequestError::HeadersTooLarge => "request head too large",
            RequestError::BodyTooLarge => "request body too large",
            RequestError::Malformed => "malformed request",
            RequestError::TimedOut => "request not complete before the deadline",
        })
    }
}

/// A complete request head borrowing the connection's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Request<'b> {
    method: &'b str,
    target: &'b str,
    head: &'b [u8],
}

impl<'b> Request<'b> {
    /// The method, case-sensitive as sent.
    pub const fn method(&self) -> &'b str {
        self.method
    }

    /// The request target exactly as sent (what a Digest `uri` must equal).
    pub const fn target(&self) -> &'b str {
        self.target
    }

    /// The path of the target: origin-form without query, or the path of an absolute-form.
    pub fn path(&self) -> &'b str {
        let t = self.target;
        let t = match t.find("://") {
            Some(i) => {
                let after = &t[i + 3..];
                after.find('/').map_or("/", |j| &after[j..])
            }
            None => t,
        };
        match t.find('?') {
            Some(i) => &t[..i],
            None => t,
        }
    }

    /// The first `Authorization` value, if any.
    pub fn authorization(&self) -> Option<&'b str> {
        Fields::new(self.head).values("authorization").next()
    }

    /// Every header field.
    pub fn fields(&self) -> Fields<'b> {
        Fields::new(self.head)
    }
}

/// Result of feeding a connection's bytes.
#[derive(Debug, Clone, Copy)]
pub enum RequestStatus<'b> {
    /// Not complete yet: wait for more bytes or for the deadline.
    Partial,
    /// The head is complete.
    Complete(Request<'b>),
}

/// Per-connection request reader.
#[derive(Debug, Clone, Copy)]
pub struct RequestReader {
    deadline: Instant,
    scanner: HeadScanner,
}

const LIMITS: HeadLimits = HeadLimits {
    start_line: CR_MAX_REQUEST_LINE,
    line: CR_MAX_HEADER_LINE,
    head: CR_MAX_REQUEST_BYTES,
};

impl RequestReader {
    /// A reader for a connection accepted now that must deliver its request by `deadline`.
    pub const fn new(deadline: Instant) -> Self {
        RequestReader {
            deadline,
            scanner: HeadScanner::new(),
        }
    }

    /// When the caller must call again (with no new bytes) to cut the client off.
    pub const fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Parses `buf` (every byte the connection delivered so far) at time `now`.
    pub fn read<'b>(
        &mut self,
        buf: &'b [u8],
        now: Instant,
    ) -> Result<RequestStatus<'b>, RequestError> {
        let end = self
            .scanner
            .scan(buf, 0, buf.len(), &LIMITS)
            .map_err(|e| match e {
                ScanError::StartLineTooLong => RequestError::RequestLineTooLong,
                ScanError::LineTooLong | ScanError::HeadTooLarge => RequestError::HeadersTooLarge,
            })?;
        let Some(end) = end else {
            if now >= self.deadline {
                return Err(RequestError::TimedOut);
            }
            return Ok(RequestStatus::Partial);
        };
        // `scan` returns an end within `buf`.
        let head = &buf[..end];
        let mut storage = [httparse::EMPTY_HEADER; CR_MAX_HEADERS];
        let mut req = httparse::Request::new(&mut storage);
        match req.parse(head) {
            Ok(httparse::Status::Complete(n)) if n == head.len() => {}
            Err(httparse::Error::TooManyHeaders) => return Err(RequestError::HeadersTooLarge),
            _ => return Err(RequestError::Malformed),
        }
        let (Some(method), Some(target)) = (req.method, req.path) else {
            return Err(RequestError::Malformed);
        };
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                let v = core::str::from_utf8(h.value).map_err(|_| RequestError::Malformed)?;
                let v = v.trim();
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(RequestError::Malformed);
                }
                if v.len() > 9
                    || v.parse::<usize>()
                        .map_or(true, |n| n > CR_MAX_REQUEST_BYTES)
                {
                    return Err(RequestError::BodyTooLarge);
                }
            }
        }
        Ok(RequestStatus::Complete(Request {
            method,
            target,
            head,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::vectors;
    use core::time::Duration;
    use std::vec::Vec;

    const NOW: Instant = Instant::from_millis(1_000);

    fn deadline() -> Instant {
        NOW + Duration::from_secs(10)
    }

    #[test]
    fn genieacs_requests_parse_at_every_split() {
        for (scenario, n) in [
            ("06_connection_request_and_addObject", 1),
            ("06_connection_request_and_addObject", 2),
            ("14_connection_request_wrong_credentials", 2),
        ] {
            let raw = vectors::file(scenario, &std::format!("0{n}_cr_request.http"));
            for split in 0..raw.len() {
                let mut r = RequestReader::new(deadline());
                assert!(matches!(
                    r.read(&raw[..split], NOW).unwrap(),
                    RequestStatus::Partial
                ));
                let RequestStatus::Complete(req) = r.read(&raw, NOW).unwrap() else {
                    panic!("{scenario} {n} split {split}")
                };
                assert_eq!(req.method(), "GET");
                assert_eq!(req.target(), "/cr");
                assert_eq!(req.authorization().is_some(), n == 2);
            }
        }
    }

    #[test]
    fn path_ignores_query_and_absolute_form() {
        let raw = b"GET http://192.0.2.1:7547/cr?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        let RequestStatus::Complete(req) = RequestReader::new(deadline()).read(raw, NOW).unwrap()
        else {
            panic!()
        };
        assert_eq!(req.path(), "/cr");
        assert_eq!(req.target(), "http://192.0.2.1:7547/cr?x=1");
    }

    #[test]
    fn request_that_never_finishes_times_out() {
        let mut r = RequestReader::new(deadline());
        assert!(matches!(
            r.read(b"GET /cr HTTP/1.1\r\nHost", NOW).unwrap(),
            RequestStatus::Partial
        ));
        assert_eq!(
            r.read(b"GET /cr HTTP/1.1\r\nHost", deadline()).err(),
            Some(RequestError::TimedOut)
        );
        assert_eq!(r.read(b"", deadline()).err(), Some(RequestError::TimedOut));
    }

    #[test]
    fn long_request_line_is_414() {
        let mut raw = Vec::from(&b"GET /"[..]);
        raw.resize(CR_MAX_REQUEST_LINE + 10, b'a');
        let e = RequestReader::new(deadline())
            .read(&raw, NOW)
            .err()
            .unwrap();
        assert_eq!((e, e.status()), (RequestError::RequestLineTooLong, 414));
    }

    #[test]
    fn header_flood_and_oversized_heads_are_431() {
        let mut raw = Vec::from(&b"GET /cr HTTP/1.1\r\n"[..]);
        for _ in 0..=CR_MAX_HEADERS {
            raw.extend_from_slice(b"A: b\r\n");
        }
        raw.extend_from_slice(b"\r\n");
        let e = RequestReader::new(deadline())
            .read(&raw, NOW)
            .err()
            .unwrap();
        assert_eq!((e, e.status()), (RequestError::HeadersTooLarge, 431));

        let mut raw = Vec::from(&b"GET /cr HTTP/1.1\r\nX: "[..]);
        raw.resize(raw.len() + CR_MAX_HEADER_LINE, b'a');
        let e = RequestReader::new(deadline())
            .read(&raw, NOW)
            .err()
            .unwrap();
        assert_eq!(e, RequestError::HeadersTooLarge);

        let mut raw = Vec::from(&b"GET /cr HTTP/1.1\r\n"[..]);
        while raw.len() <= CR_MAX_REQUEST_BYTES {
            raw.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        let e = RequestReader::new(deadline())
            .read(&raw, NOW)
            .err()
            .unwrap();
        assert_eq!(e, RequestError::HeadersTooLarge);
    }

    #[test]
    fn large_declared_body_is_413_and_garbage_is_400() {
        let raw = b"GET /cr HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
        let e = RequestReader::new(deadline()).read(raw, NOW).err().unwrap();
        assert_eq!((e, e.status()), (RequestError::BodyTooLarge, 413));
        let raw = b"GET /cr HTTP/1.1\r\nContent-Length: 1x\r\n\r\n";
        assert_eq!(
            RequestReader::new(deadline()).read(raw, NOW).err(),
            Some(RequestError::Malformed)
        );
        for raw in [
            &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"[..],
            b"GET /cr SIP/2.0\r\n\r\n",
            b"GET  HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(
                RequestReader::new(deadline()).read(raw, NOW).err(),
                Some(RequestError::Malformed)
            );
        }
    }
}
