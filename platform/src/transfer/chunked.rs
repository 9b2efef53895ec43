//! Streaming decoder for `Transfer-Encoding: chunked` file bodies (RFC 9112 §7.1).
//!
//! Responsible for passing the data of a chunked body through to a sink slice by slice, as it
//! arrives in a fixed receive buffer, with the chunk-size line and trailer bounded by core's
//! `HTTP_MAX_CHUNK_LINE` and `HTTP_MAX_TRAILER_BYTES`. Not responsible for the head or for
//! trailer semantics (trailers are read and dropped).
//!
//! core's `ChunkedDecoder` decodes in place into one contiguous buffer, which suits SOAP
//! envelopes but not a 50 MiB firmware image; this is its streaming counterpart, built on the
//! same framing (`ChunkedFraming`: grammar and limits).

use std::fmt;

use cwmp_core::http::chunked::{ChunkedError, ChunkedFraming};

/// Whether the last chunk has been seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More input is needed.
    Partial,
    /// The zero-size chunk and the trailers have been read; `consumed` input bytes belonged
    /// to the body.
    Done {
        /// Bytes of the last input that were part of the body.
        consumed: usize,
    },
}

/// An error from the decoder or from the sink.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The framing is broken.
    Framing(ChunkedError),
    /// The sink refused the data.
    Sink(E),
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Framing(e) => write!(f, "chunked body: {e}"),
            StreamError::Sink(e) => write!(f, "{e}"),
        }
    }
}

/// Incremental chunked decoder that hands data slices to a sink without copying them.
#[derive(Debug, Clone, Default)]
pub struct ChunkedStream {
    framing: ChunkedFraming,
}

impl ChunkedStream {
    /// A decoder at the start of a body.
    pub const fn new() -> Self {
        ChunkedStream {
            framing: ChunkedFraming::new(),
        }
    }

    /// Decodes `input` (the next raw bytes of the body), passing every data slice to `sink`.
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<Progress, StreamError<E>> {
        let mut pos = 0;
        while pos < input.len() && !self.framing.is_done() {
            let rest = input.get(pos..).unwrap_or(&[]);
            // A file has no size cap here: the transfer checks FileSize and free space.
            let step = self
                .framing
                .advance(rest, u64::MAX)
                .map_err(StreamError::Framing)?;
            // step.framing + step.data <= rest.len().
            let data = &rest[step.framing..step.framing + step.data];
            if !data.is_empty() {
                sink(data).map_err(StreamError::Sink)?;
            }
            pos += step.framing + step.data;
        }
        Ok(if self.framing.is_done() {
            Progress::Done { consumed: pos }
        } else {
            Progress::Partial
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cwmp_core::limits::{HTTP_MAX_CHUNK_LINE, HTTP_MAX_TRAILER_BYTES};

    fn decode_in_pieces(raw: &[u8], piece: usize) -> Result<(Vec<u8>, usize), ChunkedError> {
        let mut d = ChunkedStream::new();
        let mut out = Vec::new();
        let mut offset = 0;
        for part in raw.chunks(piece) {
            let progress = d
                .feed(part, &mut |s: &[u8]| {
                    out.extend_from_slice(s);
                    Ok::<(), ()>(())
                })
                .map_err(|e| match e {
                    StreamError::Framing(f) => f,
                    StreamError::Sink(()) => unreachable!(),
                })?;
            if let Progress::Done { consumed } = progress {
                return Ok((out, offset + consumed));
            }
            offset += part.len();
        }
        Err(ChunkedError::MissingCrlf)
    }

    #[test]
    fn chunks_pass_through_whatever_the_piece_size() {
        let raw = b"4;name=val\r\nWiki\n5 \r\npedia\r\n0\r\nExpires: never\r\n\r\nNEXT";
        for piece in 1..raw.len() {
            let (body, consumed) = decode_in_pieces(raw, piece).unwrap();
            assert_eq!(body, b"Wikipedia", "piece {piece}");
            assert_eq!(consumed, raw.len() - 4);
        }
    }

    #[test]
    fn large_chunk_is_handed_over_without_buffering() {
        let mut raw = b"10000\r\n".to_vec();
        raw.extend(std::iter::repeat_n(b'z', 0x10000));
        raw.extend_from_slice(b"\r\n0\r\n\r\n");
        let mut d = ChunkedStream::new();
        let mut largest = 0;
        for part in raw.chunks(4096) {
            d.feed(part, &mut |s: &[u8]| {
                largest = largest.max(s.len());
                Ok::<(), ()>(())
            })
            .unwrap();
        }
        assert!(largest <= 4096);
    }

    #[test]
    fn sink_error_stops_decoding() {
        let mut d = ChunkedStream::new();
        assert_eq!(
            d.feed(b"3\r\nabc\r\n", &mut |_: &[u8]| Err("disk full")),
            Err(StreamError::Sink("disk full"))
        );
    }

    #[test]
    fn malformed_framing_is_refused() {
        let run = |raw: &[u8]| decode_in_pieces(raw, raw.len()).map(|_| ());
        assert_eq!(run(b"zz\r\n"), Err(ChunkedError::InvalidSize));
        assert_eq!(
            run(b"11111111111111111\r\n"),
            Err(ChunkedError::SizeOverflow)
        );
        assert_eq!(run(b"1\r\nab\r\n"), Err(ChunkedError::MissingCrlf));
    }

    #[test]
    fn size_line_longer_than_limit_is_refused() {
        let mut raw = b"1;".to_vec();
        raw.extend(std::iter::repeat_n(b'x', HTTP_MAX_CHUNK_LINE));
        assert_eq!(
            decode_in_pieces(&raw, 7),
            Err(ChunkedError::SizeLineTooLong)
        );
    }

    #[test]
    fn endless_trailers_are_refused() {
        let mut raw = b"0\r\n".to_vec();
        while raw.len() < HTTP_MAX_TRAILER_BYTES + 10 {
            raw.extend_from_slice(b"X-A: b\r\n");
        }
        assert_eq!(
            decode_in_pieces(&raw, 100),
            Err(ChunkedError::TrailersTooLarge)
        );
    }
}
