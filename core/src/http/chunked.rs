//! `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1), decoded in place.
//!
//! Responsible for turning the raw chunked bytes that follow a response head into one
//! contiguous body inside the caller's buffer, incrementally (input may stop at any byte), with
//! bounded chunk-size lines, trailers and total body size. Not responsible for the head, for
//! other transfer codings, or for trailer semantics (trailers are read and dropped).

use core::fmt;

use crate::limits::{HTTP_MAX_CHUNK_LINE, HTTP_MAX_TRAILER_BYTES};

/// Why chunked framing cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedError {
    /// A chunk-size line longer than [`HTTP_MAX_CHUNK_LINE`].
    SizeLineTooLong,
    /// A chunk size that is missing or not hexadecimal.
    InvalidSize,
    /// A chunk size with more than 16 hex digits.
    SizeOverflow,
    /// Chunk data not followed by CRLF, or a size line ended by something else.
    MissingCrlf,
    /// Trailer section longer than [`HTTP_MAX_TRAILER_BYTES`].
    TrailersTooLarge,
    /// The decoded body would exceed the caller's cap.
    BodyTooLarge,
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChunkedError::SizeLineTooLong => "chunk-size line too long",
            ChunkedError::InvalidSize => "invalid chunk size",
            ChunkedError::SizeOverflow => "chunk size overflows",
            ChunkedError::MissingCrlf => "chunk not terminated by CRLF",
            ChunkedError::TrailersTooLarge => "chunked trailer section too large",
            ChunkedError::BodyTooLarge => "chunked body exceeds the cap",
        })
    }
}

/// Whether the last chunk has been seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More input is needed.
    Partial,
    /// The zero-size chunk and the trailer section have been read.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    SizeDigits { value: u64, digits: u8 },
    /// Reading a chunk extension (or whitespace) up to the end of the size line.
    SizeExtension { value: u64 },
    /// Saw CR at the end of a size line; LF must follow.
    SizeLf { value: u64 },
    /// Copying chunk data.
    Data { remaining: u64 },
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// Reading trailer lines; `line` is the length of the current one.
    Trailer { line: usize },
    /// Finished.
    Done,
}

/// The chunked framing grammar alone: size lines, chunk boundaries, trailers and limits. It
/// tells its caller which input bytes are body data and leaves what to do with them (compact
/// them in place, stream them to a file) to the caller.
#[derive(Debug, Clone)]
pub struct ChunkedFraming {
    state: State,
    line: usize,
    trailer: usize,
    /// Sum of the chunk sizes read so far.
    body: u64,
}

/// What [`ChunkedFraming::advance`] found at the front of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Framing bytes consumed first.
    pub framing: usize,
    /// Body data bytes that follow them (already accounted for: the caller takes them).
    pub data: usize,
}

impl Default for ChunkedFraming {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedFraming {
    /// At the start of a body.
    pub const fn new() -> Self {
        ChunkedFraming {
            state: State::SizeDigits {
                value: 0,
                digits: 0,
            },
            line: 0,
            trailer: 0,
            body: 0,
        }
    }

    /// True once the zero-size chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads framing from the front of `input` up to the next chunk data, the end of the body
    /// or the end of `input`. A chunk whose size would take the body over `max_body` is
    /// refused when its size line ends.
    pub fn advance(&mut self, input: &[u8], max_body: u64) -> Result<Step, ChunkedError> {
        let mut pos = 0;
        while pos < input.len() && self.state != State::Done {
            if let State::Data { remaining } = self.state {
                // `n` is at most `input.len() - pos`, a usize, so the narrowing is lossless.
                let n = remaining.min((input.len() - pos) as u64) as usize;
                let left = remaining - n as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data { remaining: left }
                };
                return Ok(Step {
                    framing: pos,
                    data: n,
                });
            }
            // pos < input.len().
            let b = input[pos];
            pos += 1;
            self.step(b, max_body)?;
        }
        Ok(Step {
            framing: pos,
            data: 0,
        })
    }

    fn step(&mut self, b: u8, max_body: u64) -> Result<(), ChunkedError> {
        match self.state {
            State::SizeDigits { value, digits } => {
                self.count_size_line()?;
                match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        if digits >= 16 {
                            return Err(ChunkedError::SizeOverflow);
                        }
                        let d = u64::from(hex_value(b));
                        self.state = State::SizeDigits {
                            value: value << 4 | d,
                            digits: digits + 1,
                        };
                    }
                    _ if digits == 0 => return Err(ChunkedError::InvalidSize),
                    b';' | b' ' | b'\t' => self.state = State::SizeExtension { value },
                    b'\r' => self.state = State::SizeLf { value },
                    b'\n' => self.end_size_line(value, max_body)?,
                    _ => return Err(ChunkedError::InvalidSize),
                }
            }
            State::SizeExtension { value } => {
                self.count_size_line()?;
                match b {
                    b'\r' => self.state = State::SizeLf { value },
                    b'\n' => self.end_size_line(value, max_body)?,
                    _ => {}
                }
            }
            State::SizeLf { value } => {
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.end_size_line(value, max_body)?;
            }
            State::DataCr => match b {
                b'\r' => self.state = State::DataLf,
                b'\n' => self.start_size_line(),
                _ => return Err(ChunkedError::MissingCrlf),
            },
            State::DataLf => {
                if b != b'\n' {
                    return Err(ChunkedError::MissingCrlf);
                }
                self.start_size_line();
            }
            State::Trailer { line } => {
                self.trailer += 1;
                if self.trailer > HTTP_MAX_TRAILER_BYTES {
                    return Err(ChunkedError::TrailersTooLarge);
                }
                self.state = match b {
                    b'\n' if line == 0 => State::Done,
                    b'\n' => State::Trailer { line: 0 },
                    b'\r' => State::Trailer { line },
                    _ => State::Trailer { line: line + 1 },
                };
            }
            // `advance` handles Data itself and stops at Done.
            State::Data { .. } | State::Done => {}
        }
        Ok(())
    }

    fn count_size_line(&mut self) -> Result<(), ChunkedError> {
        self.line += 1;
        if self.line > HTTP_MAX_CHUNK_LINE {
            return Err(ChunkedError::SizeLineTooLong);
        }
        Ok(())
    }

    fn start_size_line(&mut self) {
        self.line = 0;
        self.state = State::SizeDigits {
            value: 0,
            digits: 0,
        };
    }

    fn end_size_line(&mut self, size: u64, max_body: u64) -> Result<(), ChunkedError> {
        if size == 0 {
            self.state = State::Trailer { line: 0 };
            return Ok(());
        }
        if self.body.saturating_add(size) > max_body {
            return Err(ChunkedError::BodyTooLarge);
        }
        self.body += size;
        self.state = State::Data { remaining: size };
        Ok(())
    }
}

/// Incremental in-place decoder: raw bytes are read at one offset and the decoded body is
/// compacted towards the start of the body, so it ends up contiguous.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    framing: ChunkedFraming,
    read: usize,
    write: usize,
}

impl ChunkedDecoder {
    /// A decoder whose raw input (and decoded body) starts at `body_start` in the buffer.
    pub const fn new(body_start: usize) -> Self {
        ChunkedDecoder {
            framing: ChunkedFraming::new(),
            read: body_start,
            write: body_start,
        }
    }

    /// Decodes what arrived in `buf[..filled]` since the last call. The caller never touches
    /// `buf[body_start..filled]` in between; `max_body` caps the decoded size.
    pub fn decode(
        &mut self,
        buf: &mut [u8],
        filled: usize,
        max_body: usize,
    ) -> Result<Progress, ChunkedError> {
        let filled = filled.min(buf.len());
        while self.read < filled && !self.framing.is_done() {
            // read < filled <= buf.len().
            let step = self
                .framing
                .advance(&buf[self.read..filled], max_body as u64)?;
            self.read += step.framing;
            // read + data <= filled <= buf.len(), and write <= read (decoding only shrinks).
            buf.copy_within(self.read..self.read + step.data, self.write);
            self.read += step.data;
            self.write += step.data;
        }
        Ok(if self.framing.is_done() {
            Progress::Done
        } else {
            Progress::Partial
        })
    }

    /// Offset just past the last decoded body byte.
    pub const fn body_end(&self) -> usize {
        self.write
    }

    /// Offset just past the last raw byte consumed.
    pub const fn consumed(&self) -> usize {
        self.read
    }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Feeds `raw` to a decoder in two parts split at `split` and returns the decoded body.
    fn decode_split(raw: &[u8], split: usize, cap: usize) -> Result<Vec<u8>, ChunkedError> {
        let mut buf = Vec::from(raw);
        let mut d = ChunkedDecoder::new(0);
        assert_eq!(d.decode(&mut buf, split, cap)?, Progress::Partial);
        assert_eq!(d.decode(&mut buf, raw.len(), cap)?, Progress::Done);
        assert_eq!(d.consumed(), raw.len());
        Ok(buf[..d.body_end()].to_vec())
    }

    #[test]
    fn genieacs_nbi_chunks_decode_at_every_split() {
        // Body of GenieACS' `GET /tasks/` answer in scenario 14 (three chunks).
        let raw = b"2\r\n[\n\r\nb8\r\n{\"name\":\"getParameterValues\",\"parameterNames\":[\"Device.DeviceInfo.UpTime\"],\"device\":\"A1B2C3-OpenWrtCPE-VEC0001\",\"timestamp\":\"2026-11-25T20:41:31.091Z\",\"_id\":\"6b0747fbfa43400b21a57439\"}\r\n2\r\n\n]\r\n0\r\n\r\n";
        let whole = decode_split(raw, 0, 1 << 20).unwrap();
        assert!(whole.starts_with(b"[\n{\"name\""));
        assert!(whole.ends_with(b"}\n]"));
        assert_eq!(whole.len(), 2 + 0xb8 + 2);
        for split in 0..raw.len() {
            assert_eq!(
                decode_split(raw, split, 1 << 20).unwrap(),
                whole,
                "split {split}"
            );
        }
    }

    #[test]
    fn extensions_trailers_and_bare_lf_are_accepted() {
        let raw = b"4;name=val\r\nWiki\n5 \r\npedia\r\n0\r\nExpires: never\r\n\r\n";
        assert_eq!(decode_split(raw, 7, 100).unwrap(), b"Wikipedia");
    }

    #[test]
    fn one_byte_at_a_time() {
        let raw = b"3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n";
        let mut buf = Vec::from(&raw[..]);
        let mut d = ChunkedDecoder::new(0);
        for filled in 1..raw.len() {
            assert_eq!(d.decode(&mut buf, filled, 10).unwrap(), Progress::Partial);
        }
        assert_eq!(d.decode(&mut buf, raw.len(), 10).unwrap(), Progress::Done);
        assert_eq!(&buf[..d.body_end()], b"abcd");
    }

    #[test]
    fn stops_at_end_of_message() {
        let raw = b"1\r\nx\r\n0\r\n\r\nHTTP/1.1 200 OK";
        let mut buf = Vec::from(&raw[..]);
        let mut d = ChunkedDecoder::new(0);
        assert_eq!(d.decode(&mut buf, raw.len(), 10).unwrap(), Progress::Done);
        assert_eq!(d.consumed(), raw.len() - 15);
    }

    #[test]
    fn body_over_cap_is_refused_when_the_size_is_read() {
        assert_eq!(
            decode_split(b"5\r\nabcde\r\n0\r\n\r\n", 3, 4),
            Err(ChunkedError::BodyTooLarge)
        );
        let raw = b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n";
        assert_eq!(decode_split(raw, 1, 4), Err(ChunkedError::BodyTooLarge));
        assert_eq!(decode_split(raw, 1, 5).unwrap(), b"abcde");
    }

    #[test]
    fn size_line_longer_than_limit_is_refused() {
        let mut raw = Vec::from(&b"1;"[..]);
        raw.extend(core::iter::repeat_n(b'x', HTTP_MAX_CHUNK_LINE));
        let mut d = ChunkedDecoder::new(0);
        let n = raw.len();
        assert_eq!(
            d.decode(&mut raw, n, 10),
            Err(ChunkedError::SizeLineTooLong)
        );
    }

    #[test]
    fn malformed_sizes_and_framing_are_refused() {
        let run = |raw: &[u8]| {
            let mut buf = Vec::from(raw);
            ChunkedDecoder::new(0).decode(&mut buf, raw.len(), 1 << 20)
        };
        assert_eq!(run(b"\r\n"), Err(ChunkedError::InvalidSize));
        assert_eq!(run(b"zz\r\n"), Err(ChunkedError::InvalidSize));
        assert_eq!(run(b"-1\r\n"), Err(ChunkedError::InvalidSize));
        assert_eq!(run(b"1g\r\n"), Err(ChunkedError::InvalidSize));
        assert_eq!(
            run(b"11111111111111111\r\n"),
            Err(ChunkedError::SizeOverflow)
        );
        assert_eq!(run(b"1\rx"), Err(ChunkedError::MissingCrlf));
        assert_eq!(run(b"1\r\nab\r\n"), Err(ChunkedError::MissingCrlf));
        assert_eq!(run(b"1\r\na\rb"), Err(ChunkedError::MissingCrlf));
    }

    #[test]
    fn endless_trailers_are_refused() {
        let mut raw = Vec::from(&b"0\r\n"[..]);
        while raw.len() < HTTP_MAX_TRAILER_BYTES + 10 {
            raw.extend_from_slice(b"X-A: b\r\n");
        }
        let n = raw.len();
        assert_eq!(
            ChunkedDecoder::new(0).decode(&mut raw, n, 10),
            Err(ChunkedError::TrailersTooLarge)
        );
    }
}
