//! ACS responses: incremental parsing and what the session must do next.
//!
//! Responsible for reading one HTTP/1.x response out of the caller's receive buffer as bytes
//! arrive (head through `httparse`, body by `Content-Length`, chunked coding or connection
//! close, interim `1xx` responses skipped), within named limits, and for classifying it into an
//! [`Outcome`] the CWMP session acts on (digest §1.1). Not responsible for the socket, for
//! cookies or authentication (the [`Response`] hands their header values out), nor for the
//! XML in the body.

use core::fmt;

use super::chunked::{ChunkedDecoder, ChunkedError, Progress};
use super::headers::{Fields, HeadLimits, HeadScanner, ScanError, list_contains};
use crate::limits::{
    HTTP_DEFAULT_MAX_BODY, HTTP_MAX_HEAD_BYTES, HTTP_MAX_HEADER_LINE, HTTP_MAX_RESPONSE_HEADERS,
};

/// Why a response cannot be read. Every case fails the session (the connection is unusable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseError {
    /// The head is longer than [`HTTP_MAX_HEAD_BYTES`].
    HeadTooLarge,
    /// One header line is longer than [`HTTP_MAX_HEADER_LINE`].
    HeaderLineTooLarge,
    /// More than [`HTTP_MAX_RESPONSE_HEADERS`] header fields.
    TooManyHeaders,
    /// The head is not valid HTTP/1.x.
    Malformed,
    /// A `Content-Length` that is not a decimal number.
    InvalidContentLength,
    /// Several `Content-Length` fields that disagree.
    ConflictingContentLength,
    /// A transfer coding other than `chunked` alone.
    UnsupportedTransferEncoding,
    /// `101 Switching Protocols`, which a CWMP POST never asks for.
    SwitchingProtocols,
    /// The body is larger than the configured cap.
    BodyTooLarge,
    /// The chunked framing is broken.
    Chunked(ChunkedError),
    /// The caller's buffer is full but the response is not complete.
    BufferFull,
    /// The peer closed the connection before the response was complete.
    Truncated,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::HeadTooLarge => f.write_str("response head too large"),
            ResponseError::HeaderLineTooLarge => f.write_str("response header line too large"),
            ResponseError::TooManyHeaders => f.write_str("too many response header fields"),
            ResponseError::Malformed => f.write_str("malformed response head"),
            ResponseError::InvalidContentLength => f.write_str("invalid Content-Length"),
            ResponseError::ConflictingContentLength => f.write_str("conflicting Content-Length"),
            ResponseError::UnsupportedTransferEncoding => {
                f.write_str("unsupported Transfer-Encoding")
            }
            ResponseError::SwitchingProtocols => f.write_str("unexpected 101 Switching Protocols"),
            ResponseError::BodyTooLarge => f.write_str("response body too large"),
            ResponseError::Chunked(e) => write!(f, "chunked body: {e}"),
            ResponseError::BufferFull => f.write_str("receive buffer full"),
            ResponseError::Truncated => f.write_str("connection closed mid-response"),
        }
    }
}

impl From<ChunkedError> for ResponseError {
    fn from(e: ChunkedError) -> Self {
        match e {
            ChunkedError::BodyTooLarge => ResponseError::BodyTooLarge,
            other => ResponseError::Chunked(other),
        }
    }
}

/// What happens to the connection once this response has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// The connection can carry the next request of the session.
    KeepAlive,
    /// The peer closes (or closed) it: `Connection: close`, HTTP/1.0 without keep-alive, or a
    /// body delimited by the close. The next request goes on a new connection.
    Close,
}

/// What the CWMP session does with a response (digest §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'b> {
    /// `200` with a body: an ACS request or response envelope.
    Envelope {
        /// The body (de-chunked).
        body: &'b [u8],
    },
    /// `204`, or `200` with an empty (or whitespace-only) body: the ACS has no (more) requests.
    NoMoreRequests,
    /// `401`: answer the `WWW-Authenticate` challenge(s) and resend the same request.
    AuthChallenge,
    /// `301`/`302`/`307` with `Location`: resend the same request there (not persisted).
    Redirect {
        /// The `Location` value, possibly relative (see `Url::resolve`).
        location: &'b str,
    },
    /// Any other status: the session failed.
    Failure {
        /// The HTTP status code.
        status: u16,
    },
}

/// A complete response borrowing the caller's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Response<'b> {
    status: u16,
    head: &'b [u8],
    body: &'b [u8],
    body_start: usize,
    body_end: usize,
    persistence: Persistence,
    consumed: usize,
}

impl<'b> Response<'b> {
    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The body, contiguous even if it arrived chunked.
    pub const fn body(&self) -> &'b [u8] {
        self.body
    }

    /// Where [`Response::body`] lies in the buffer given to the parser, so a caller can find
    /// the body again after the borrow ends.
    pub fn body_range(&self) -> core::ops::Range<usize> {
        if self.body.is_empty() {
            0..0
        } else {
            self.body_start..self.body_end
        }
    }

    /// Whether the connection stays usable.
    pub const fn persistence(&self) -> Persistence {
        self.persistence
    }

    /// Bytes of the buffer this response (and any skipped `1xx`) used, from offset 0. Bytes
    /// after it belong to whatever follows; a caller keeping the connection moves them to the
    /// front of the buffer.
    pub const fn consumed(&self) -> usize {
        self.consumed
    }

    /// Every header field of the response.
    pub fn fields(&self) -> Fields<'b> {
        Fields::new(self.head)
    }

    /// The values of every `Set-Cookie` field, in order.
    pub fn set_cookies(&self) -> impl Iterator<Item = &'b str> + 'b {
        self.fields().values("set-cookie")
    }

    /// The values of every `WWW-Authenticate` field, in order.
    pub fn challenges(&self) -> impl Iterator<Item = &'b str> + 'b {
        self.fields().values("www-authenticate")
    }

    /// The first `Location` value, if any.
    pub fn location(&self) -> Option<&'b str> {
        self.fields().values("location").next()
    }

    /// What the session must do with this response.
    pub fn outcome(&self) -> Outcome<'b> {
        match self.status {
            200 if self.body.iter().all(u8::is_ascii_whitespace) => Outcome::NoMoreRequests,
            200 => Outcome::Envelope { body: self.body },
            204 => Outcome::NoMoreRequests,
            401 => Outcome::AuthChallenge,
            301 | 302 | 307 => match self.location() {
                Some(location) if !location.is_empty() => Outcome::Redirect { location },
                _ => Outcome::Failure {
                    status: self.status,
                },
            },
            status => Outcome::Failure { status },
        }
    }
}

/// Result of feeding bytes to a [`ResponseParser`].
#[derive(Debug, Clone, Copy)]
pub enum Status<'b> {
    /// More bytes are needed: read into `buf[filled..]` and call again with the same buffer.
    Partial,
    /// The response is complete.
    Complete(Response<'b>),
}

#[derive(Debug, Clone, Copy)]
struct Head {
    status: u16,
    start: usize,
    body_start: usize,
    persistence: Persistence,
}

#[derive(Debug, Clone)]
enum Framing {
    /// No body (`204`, `304`).
    Empty,
    /// `Content-Length` bytes.
    Length(usize),
    /// Chunked coding, decoded in place.
    Chunked(ChunkedDecoder),
    /// Everything until the peer closes.
    UntilClose,
}

#[derive(Debug, Clone)]
enum State {
    Head,
    Body(Head, Framing),
}

/// Incremental parser for one response; create a new one (or [`ResponseParser::reset`]) per
/// request.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    max_body: usize,
    start: usize,
    scanner: HeadScanner,
    state: State,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new(HTTP_DEFAULT_MAX_BODY)
    }
}

impl ResponseParser {
    /// A parser that refuses bodies larger than `max_body` bytes.
    pub const fn new(max_body: usize) -> Self {
        ResponseParser {
            max_body,
            start: 0,
            scanner: HeadScanner::new(),
            state: State::Head,
        }
    }

    /// Forgets any progress, ready for the next response at the start of the buffer.
    pub fn reset(&mut self) {
        *self = Self::new(self.max_body);
    }

    /// Parses `buf[..filled]`. Between calls the caller only appends to the buffer (and keeps
    /// `buf` the same memory); bytes already given may have been rewritten by chunk decoding.
    pub fn parse<'b>(
        &mut self,
        buf: &'b mut [u8],
        filled: usize,
    ) -> Result<Status<'b>, ResponseError> {
        let filled = filled.min(buf.len());
        match self.advance(buf, filled)? {
            Some((head, body_end, consumed)) => {
                let buf: &'b [u8] = buf;
                Ok(Status::Complete(complete(
                    buf,
                    head,
                    body_end,
                    consumed,
                    head.persistence,
                )))
            }
            None if filled == buf.len() => Err(ResponseError::BufferFull),
            None => Ok(Status::Partial),
        }
    }

    /// The peer closed the connection after `buf[..filled]`: completes a response whose body
    /// runs until the close, and reports any other unfinished response as truncated.
    pub fn finish<'b>(
        &mut self,
        buf: &'b mut [u8],
        filled: usize,
    ) -> Result<Response<'b>, ResponseError> {
        let filled = filled.min(buf.len());
        let done = self.advance(buf, filled)?;
        let buf: &'b [u8] = buf;
        match (done, &self.state) {
            (Some((head, body_end, consumed)), _) => {
                Ok(complete(buf, head, body_end, consumed, head.persistence))
            }
            (None, State::Body(head, Framing::UntilClose)) => {
                Ok(complete(buf, *head, filled, filled, Persistence::Close))
            }
            (None, _) => Err(ResponseError::Truncated),
        }
    }

    /// Moves the parse forward; on completion returns the head, the body end and the bytes
    /// consumed.
    fn advance(
        &mut self,
        buf: &mut [u8],
        filled: usize,
    ) -> Result<Option<(Head, usize, usize)>, ResponseError> {
        loop {
            match &mut self.state {
                State::Head => match self.parse_head(buf, filled)? {
                    Some((head, framing)) => self.state = State::Body(head, framing),
                    None => return Ok(None),
                },
                State::Body(head, framing) => {
                    let head = *head;
                    let end = match framing {
                        Framing::Empty => Some((head.body_start, head.body_start)),
                        Framing::Length(n) => {
                            let end = head.body_start.saturating_add(*n);
                            if end > buf.len() {
                                return Err(ResponseError::BufferFull);
                            }
                            (filled >= end).then_some((end, end))
                        }
                        Framing::Chunked(dec) => match dec.decode(buf, filled, self.max_body)? {
                            Progress::Done => Some((dec.body_end(), dec.consumed())),
                            Progress::Partial => None,
                        },
                        Framing::UntilClose => {
                            if filled.saturating_sub(head.body_start) > self.max_body {
                                return Err(ResponseError::BodyTooLarge);
                            }
                            None
                        }
                    };
                    return Ok(end.map(|(body_end, consumed)| (head, body_end, consumed)));
                }
            }
        }
    }

    /// Finds and parses a complete head; skips interim `1xx` responses.
    fn parse_head(
        &mut self,
        buf: &[u8],
        filled: usize,
    ) -> Result<Option<(Head, Framing)>, ResponseError> {
        loop {
            let Some(head_end) = self.find_head_end(buf, filled)? else {
                return Ok(None);
            };
            let start = self.start;
            // `find_head_end` returns an end within `start..=filled`.
            let head_bytes = &buf[start..head_end];
            let mut storage = [httparse::EMPTY_HEADER; HTTP_MAX_RESPONSE_HEADERS];
            let mut parsed = httparse::Response::new(&mut storage);
            match parsed.parse(head_bytes) {
                Ok(httparse::Status::Complete(n)) if n == head_bytes.len() => {}
                Err(httparse::Error::TooManyHeaders) => return Err(ResponseError::TooManyHeaders),
                _ => return Err(ResponseError::Malformed),
            }
            let status = parsed.code.ok_or(ResponseError::Malformed)?;
            let minor = parsed.version.ok_or(ResponseError::Malformed)?;
            if status == 101 {
                return Err(ResponseError::SwitchingProtocols);
            }
            if (100..200).contains(&status) {
                self.start = head_end;
                self.scanner.restart_at(head_end);
                continue;
            }
            return self
                .framing(parsed.headers, status, minor, start, head_end)
                .map(Some);
        }
    }

    /// Returns the offset just past the blank line ending the head, checking the size limits
    /// on what has arrived so far.
    fn find_head_end(&mut self, buf: &[u8], filled: usize) -> Result<Option<usize>, ResponseError> {
        const LIMITS: HeadLimits = HeadLimits {
            start_line: HTTP_MAX_HEADER_LINE,
            line: HTTP_MAX_HEADER_LINE,
            head: HTTP_MAX_HEAD_BYTES,
        };
        self.scanner
            .scan(buf, self.start, filled, &LIMITS)
            .map_err(|e| match e {
                ScanError::StartLineTooLong | ScanError::LineTooLong => {
                    ResponseError::HeaderLineTooLarge
                }
                ScanError::HeadTooLarge => ResponseError::HeadTooLarge,
            })
    }

    fn framing(
        &self,
        headers: &[httparse::Header<'_>],
        status: u16,
        minor: u8,
        start: usize,
        body_start: usize,
    ) -> Result<(Head, Framing), ResponseError> {
        let mut content_length: Option<u64> = None;
        let mut chunked = false;
        let mut close = false;
        let mut keep_alive = false;
        for h in headers {
            let value = core::str::from_utf8(h.value).unwrap_or("");
            if h.name.eq_ignore_ascii_case("content-length") {
                let n = parse_content_length(value)?;
                if content_length.is_some_and(|m| m != n) {
                    return Err(ResponseError::ConflictingContentLength);
                }
                content_length = Some(n);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                if chunked || !value.trim().eq_ignore_ascii_case("chunked") {
                    return Err(ResponseError::UnsupportedTransferEncoding);
                }
                chunked = true;
            } else if h.name.eq_ignore_ascii_case("connection") {
                close |= list_contains(value, "close");
                keep_alive |= list_contains(value, "keep-alive");
            }
        }
        if minor == 0 && !keep_alive {
            close = true;
        }
        let framing = if status == 204 || status == 304 {
            Framing::Empty
        } else if chunked {
            // RFC 9112 §6.3: with both, chunked wins and the connection must not be reused.
            if content_length.is_some() {
                close = true;
            }
            Framing::Chunked(ChunkedDecoder::new(body_start))
        } else if let Some(n) = content_length {
            if n > self.max_body as u64 {
                return Err(ResponseError::BodyTooLarge);
            }
            // n <= max_body, a usize.
            Framing::Length(n as usize)
        } else {
            close = true;
            Framing::UntilClose
        };
        let persistence = if close {
            Persistence::Close
        } else {
            Persistence::KeepAlive
        };
        Ok((
            Head {
                status,
                start,
                body_start,
                persistence,
            },
            framing,
        ))
    }
}

fn parse_content_length(value: &str) -> Result<u64, ResponseError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ResponseError::InvalidContentLength);
    }
    v.parse().map_err(|_| ResponseError::InvalidContentLength)
}

fn complete(
    buf: &[u8],
    head: Head,
    body_end: usize,
    consumed: usize,
    persistence: Persistence,
) -> Response<'_> {
    Response {
        status: head.status,
        head: buf.get(head.start..head.body_start).unwrap_or(&[]),
        body: buf.get(head.body_start..body_end).unwrap_or(&[]),
        body_start: head.body_start,
        body_end,
        persistence,
        consumed,
    }
}

#[cfg(test)]
mod tests;
