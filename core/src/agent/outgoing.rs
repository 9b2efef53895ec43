//! Framing one outgoing HTTP message into the caller's transmit buffer, whatever its size.
//!
//! A message body is a fixed prefix, a list of entries and a fixed suffix ([`Body`]). When the
//! whole body fits the buffer it is sent with `Content-Length`: the body is written first, after
//! a reserve, and the head is then written into the reserve and moved up against it, so the
//! length is known without encoding twice. When it does not fit, the message is sent with
//! `Transfer-Encoding: chunked`, one buffer-full per chunk; each chunk resumes at the first entry
//! not yet sent (earlier entries are walked again but not re-encoded, so a value that changed in
//! the meantime cannot corrupt what was already sent). Memory stays at one buffer for a message
//! of any length.

use core::ops::{ControlFlow, Range};

use crate::sink::{CountingSink, Full, Sink, SliceSink};
use crate::soap::write::EncodeError;

/// Room kept at the start of the buffer for the HTTP head: a request line, Host, Content-Type,
/// SOAPAction, the Cookie header (at most `COOKIE_JAR_BYTES` plus separators), an
/// Authorization header, and the rest; every head the agent writes fits.
pub const HEAD_RESERVE: usize = 7 * 1024;
/// `ffffffff\r\n`: the largest chunk-size line.
const CHUNK_PREFIX: usize = 10;
/// `\r\n` after the data, and `0\r\n\r\n` after the last chunk.
const CHUNK_SUFFIX: usize = 2 + 5;
/// The smallest transmit buffer the agent accepts.
pub const MIN_TX_BUFFER: usize = HEAD_RESERVE + 4 * 1024;

/// A sink that can take back what was written after a mark.
pub trait Rollback: Sink {
    /// The current position.
    fn mark(&self) -> usize;
    /// Forgets everything after `mark`.
    fn rollback(&mut self, mark: usize);
}

impl Rollback for SliceSink<'_> {
    fn mark(&self) -> usize {
        self.len()
    }
    fn rollback(&mut self, mark: usize) {
        self.truncate(mark);
    }
}

impl Rollback for CountingSink {
    fn mark(&self) -> usize {
        self.count()
    }
    fn rollback(&mut self, mark: usize) {
        // Only used after a failed write, which a counting sink never has.
        let _ = mark;
    }
}

/// Where a body's entries are written: entries before `skip` are passed over, an entry that
/// does not fit is taken back and stops the walk.
pub struct Window<'s> {
    sink: &'s mut dyn Rollback,
    skip: usize,
    index: usize,
    full: bool,
    largest: usize,
    error: Option<EncodeError>,
}

impl<'s> Window<'s> {
    fn new(sink: &'s mut dyn Rollback, skip: usize) -> Self {
        Window {
            sink,
            skip,
            index: 0,
            full: false,
            largest: 0,
            error: None,
        }
    }

    /// Offers one entry; its bytes are written by `write`. Returns `Break` once the window
    /// is full (the entry was not written and will be the first of the next window).
    pub fn entry(
        &mut self,
        write: impl FnOnce(&mut dyn Sink) -> Result<(), EncodeError>,
    ) -> ControlFlow<()> {
        if self.full || self.error.is_some() {
            return ControlFlow::Break(());
        }
        if self.index < self.skip {
            self.index += 1;
            return ControlFlow::Continue(());
        }
        let mark = self.sink.mark();
        match write(&mut *self.sink) {
            Ok(()) => {
                self.largest = self.largest.max(self.sink.mark() - mark);
                self.index += 1;
                ControlFlow::Continue(())
            }
            Err(EncodeError::Full) => {
                self.sink.rollback(mark);
                self.full = true;
                ControlFlow::Break(())
            }
            Err(e) => {
                self.sink.rollback(mark);
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// A message body made of a prefix, entries and a suffix. Every method must be repeatable: the
/// framing calls them more than once and expects the same prefix, suffix and entry sequence.
pub trait Body {
    /// Everything before the first entry.
    fn prefix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError>;
    /// Walks every entry in order, offering each to `window`; stops early when it breaks.
    fn entries(&mut self, window: &mut Window<'_>);
    /// Everything after the last entry.
    fn suffix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError>;
}

/// What a count pass learnt about a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Number of entries.
    pub entries: usize,
    /// Size of the largest entry, bytes.
    pub largest_entry: usize,
    /// Size of the prefix, bytes.
    pub prefix: usize,
    /// Size of the suffix, bytes.
    pub suffix: usize,
    /// Size of the whole body, bytes.
    pub total: usize,
}

/// Counts a body's entries and bytes without storing anything.
pub fn measure(body: &mut dyn Body) -> Result<Measure, EncodeError> {
    let mut counter = CountingSink::new();
    body.prefix(&mut counter)?;
    let prefix = counter.count();
    let (entries, largest, error) = {
        let mut w = Window::new(&mut counter, 0);
        body.entries(&mut w);
        (w.index, w.largest, w.error)
    };
    if let Some(e) = error {
        return Err(e);
    }
    let before_suffix = counter.count();
    body.suffix(&mut counter)?;
    let total = counter.count();
    Ok(Measure {
        entries,
        largest_entry: largest,
        prefix,
        suffix: total - before_suffix,
        total,
    })
}

/// True when a body with this measure can be sent through a buffer of `tx_len` bytes: every
/// entry fits one chunk, and the prefix and suffix each fit one too.
pub fn fits(m: &Measure, tx_len: usize) -> bool {
    let chunk = tx_len.saturating_sub(CHUNK_PREFIX + CHUNK_SUFFIX);
    tx_len >= MIN_TX_BUFFER && m.largest_entry.max(m.prefix).max(m.suffix) <= chunk
}

/// Why a message could not be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The transmit buffer is smaller than [`MIN_TX_BUFFER`].
    BufferTooSmall,
    /// An entry, the prefix or the suffix is larger than one chunk.
    EntryTooLarge,
    /// The HTTP head did not fit [`HEAD_RESERVE`].
    HeadTooLarge,
    /// The body failed (a list wrote another count than declared...).
    Body(EncodeError),
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::BufferTooSmall => f.write_str("transmit buffer below the minimum"),
            FrameError::EntryTooLarge => f.write_str("one entry is larger than a chunk"),
            FrameError::HeadTooLarge => f.write_str("HTTP head larger than its reserve"),
            FrameError::Body(e) => write!(f, "body: {e}"),
        }
    }
}

/// One piece of the message, ready to send: `tx[range]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where the bytes are in the transmit buffer.
    pub range: Range<usize>,
    /// True for the last piece of the message.
    pub last: bool,
}

/// How the head must announce the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n`.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Prefix,
    Entries,
    Suffix,
    Done,
}

/// Writes the HTTP head for a body framed as given (`None`: no body at all).
pub type HeadWriter<'a> = dyn FnMut(&mut dyn Sink, Option<Framing>) -> Result<(), Full> + 'a;

/// The framing state of the message being sent.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    chunked: Option<(Stage, usize)>,
}

impl Outgoing {
    /// Nothing in progress.
    pub const fn new() -> Self {
        Outgoing { chunked: None }
    }

    /// True while a chunked message still has pieces to send.
    pub fn in_progress(&self) -> bool {
        self.chunked.is_some()
    }

    /// Forgets a message in progress.
    pub fn reset(&mut self) {
        self.chunked = None;
    }

    /// Frames a message without a body (the empty POST).
    pub fn empty(
        &mut self,
        tx: &mut [u8],
        head: &mut HeadWriter<'_>,
    ) -> Result<Segment, FrameError> {
        self.chunked = None;
        let mut sink = SliceSink::new(tx);
        head(&mut sink, None).map_err(|_| FrameError::HeadTooLarge)?;
        Ok(Segment {
            range: 0..sink.len(),
            last: true,
        })
    }

    /// Starts a message: the whole of it if it fits `tx`, else its head (then call
    /// [`Outgoing::next`] for the chunks).
    pub fn start(
        &mut self,
        body: &mut dyn Body,
        tx: &mut [u8],
        head: &mut HeadWriter<'_>,
    ) -> Result<Segment, FrameError> {
        self.chunked = None;
        if tx.len() < MIN_TX_BUFFER {
            return Err(FrameError::BufferTooSmall);
        }
        let (head_area, body_area) = tx.split_at_mut(HEAD_RESERVE);
        let mut sink = SliceSink::new(body_area);
        match write_whole(body, &mut sink) {
            Ok(()) => {
                let body_len = sink.len();
                let mut h = SliceSink::new(head_area);
                head(&mut h, Some(Framing::Length(body_len)))
                    .map_err(|_| FrameError::HeadTooLarge)?;
                let head_len = h.len();
                let start = HEAD_RESERVE - head_len;
                tx.copy_within(0..head_len, start);
                Ok(Segment {
                    range: start..HEAD_RESERVE + body_len,
                    last: true,
                })
            }
            Err(EncodeError::Full) => {
                let mut h = SliceSink::new(tx);
                head(&mut h, Some(Framing::Chunked)).map_err(|_| FrameError::HeadTooLarge)?;
                self.chunked = Some((Stage::Prefix, 0));
                Ok(Segment {
                    range: 0..h.len(),
                    last: false,
                })
            }
            Err(e) => Err(FrameError::Body(e)),
        }
    }

    /// The next chunk of a chunked message.
    pub fn next(&mut self, body: &mut dyn Body, tx: &mut [u8]) -> Result<Segment, FrameError> {
        let Some((mut stage, mut next_entry)) = self.chunked else {
            return Err(FrameError::Body(EncodeError::Full));
        };
        if tx.len() < MIN_TX_BUFFER {
            return Err(FrameError::BufferTooSmall);
        }
        let data_end = tx.len() - CHUNK_SUFFIX;
        let data_len = {
            let mut sink = SliceSink::new(&mut tx[CHUNK_PREFIX..data_end]);
            loop {
                match stage {
                    Stage::Prefix => match body.prefix(&mut sink) {
                        Ok(()) => stage = Stage::Entries,
                        Err(EncodeError::Full) => return Err(FrameError::EntryTooLarge),
                        Err(e) => return Err(FrameError::Body(e)),
                    },
                    Stage::Entries => {
                        let (index, full, error) = {
                            let mut w = Window::new(&mut sink, next_entry);
                            body.entries(&mut w);
                            (w.index, w.full, w.error)
                        };
                        if let Some(e) = error {
                            return Err(FrameError::Body(e));
                        }
                        next_entry = index;
                        if full {
                            break;
                        }
                        stage = Stage::Suffix;
                    }
                    Stage::Suffix => {
                        let mark = sink.len();
                        match body.suffix(&mut sink) {
                            Ok(()) => stage = Stage::Done,
                            Err(EncodeError::Full) => {
                                sink.truncate(mark);
                                break;
                            }
                            Err(e) => return Err(FrameError::Body(e)),
                        }
                    }
                    Stage::Done => break,
                }
            }
            sink.len()
        };
        if data_len == 0 && stage != Stage::Done {
            return Err(FrameError::EntryTooLarge);
        }
        // Chunk-size line, right-aligned against the data.
        let mut hex = [0u8; CHUNK_PREFIX];
        let hex_len = write_hex(data_len, &mut hex);
        let start = CHUNK_PREFIX - hex_len;
        tx[start..CHUNK_PREFIX].copy_from_slice(&hex[..hex_len]);
        let mut end = CHUNK_PREFIX + data_len;
        let last = stage == Stage::Done;
        let trailer: &[u8] = if last && data_len > 0 {
            b"\r\n0\r\n\r\n"
        } else if last {
            // An empty final piece is the last-chunk itself, with no data chunk before it.
            b"\r\n"
        } else {
            b"\r\n"
        };
        if last && data_len == 0 {
            // "0\r\n" + "\r\n": the hex line already says 0.
            tx[end..end + 2].copy_from_slice(trailer);
            end += 2;
        } else {
            tx[end..end + trailer.len()].copy_from_slice(trailer);
            end += trailer.len();
        }
        self.chunked = if last {
            None
        } else {
            Some((stage, next_entry))
        };
        Ok(Segment {
            range: start..end,
            last,
        })
    }
}

fn write_whole(body: &mut dyn Body, sink: &mut SliceSink<'_>) -> Result<(), EncodeError> {
    body.prefix(sink)?;
    let (full, error) = {
        let mut w = Window::new(sink, 0);
        body.entries(&mut w);
        (w.full, w.error)
    };
    if let Some(e) = error {
        return Err(e);
    }
    if full {
        return Err(EncodeError::Full);
    }
    body.suffix(sink)
}

/// Writes `n` in lower-case hex followed by CRLF; returns the length.
fn write_hex(n: usize, out: &mut [u8; CHUNK_PREFIX]) -> usize {
    let digits = b"0123456789abcdef";
    let mut tmp = [0u8; 16];
    let mut i = tmp.len();
    let mut v = n;
    loop {
        i -= 1;
        tmp[i] = digits[v & 0xf];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    // A chunk is smaller than the buffer, so at most 8 hex digits: with CRLF, 10 bytes.
    let len = (tmp.len() - i).min(CHUNK_PREFIX - 2);
    out[..len].copy_from_slice(&tmp[tmp.len() - len..]);
    out[len] = b'\r';
    out[len + 1] = b'\n';
    len + 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// A body of `n` entries "<e>i</e>" between "<l>" and "</l>".
    struct Numbers {
        n: usize,
    }

    impl Body for Numbers {
        fn prefix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
            Ok(sink.write_str("<l>")?)
        }
        fn entries(&mut self, window: &mut Window<'_>) {
            for i in 0..self.n {
                if window
                    .entry(|s| {
                        s.write_str("<e>")?;
                        s.write_u64(i as u64)?;
                        Ok(s.write_str("</e>")?)
                    })
                    .is_break()
                {
                    return;
                }
            }
        }
        fn suffix(&mut self, sink: &mut dyn Sink) -> Result<(), EncodeError> {
            Ok(sink.write_str("</l>")?)
        }
    }

    fn expected(n: usize) -> String {
        let mut s = String::from("<l>");
        for i in 0..n {
            s.push_str(&std::format!("<e>{i}</e>"));
        }
        s.push_str("</l>");
        s
    }

    fn head(sink: &mut dyn Sink, framing: Option<Framing>) -> Result<(), Full> {
        match framing {
            Some(Framing::Length(n)) => {
                sink.write_str("H ")?;
                sink.write_u64(n as u64)?;
                sink.write_str("\r\n\r\n")
            }
            Some(Framing::Chunked) => sink.write_str("H chunked\r\n\r\n"),
            None => sink.write_str("H empty\r\n\r\n"),
        }
    }

    /// Sends a whole message and returns the bytes on the wire.
    fn send(n: usize, tx_len: usize) -> Vec<u8> {
        let mut tx = std::vec![0u8; tx_len];
        let mut out = Outgoing::new();
        let mut body = Numbers { n };
        let mut wire = Vec::new();
        let seg = out.start(&mut body, &mut tx, &mut head).unwrap();
        wire.extend_from_slice(&tx[seg.range.clone()]);
        let mut last = seg.last;
        while !last {
            let seg = out.next(&mut body, &mut tx).unwrap();
            wire.extend_from_slice(&tx[seg.range.clone()]);
            last = seg.last;
        }
        assert!(!out.in_progress());
        wire
    }

    /// Decodes a chunked body.
    fn dechunk(mut b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
            let n =
                usize::from_str_radix(std::str::from_utf8(&b[..line_end]).unwrap(), 16).unwrap();
            b = &b[line_end + 2..];
            if n == 0 {
                assert_eq!(b, b"\r\n");
                return out;
            }
            out.extend_from_slice(&b[..n]);
            assert_eq!(&b[n..n + 2], b"\r\n");
            b = &b[n + 2..];
        }
    }

    #[test]
    fn small_body_goes_in_one_piece_with_its_length() {
        let wire = send(10, MIN_TX_BUFFER);
        let body = expected(10);
        assert_eq!(
            String::from_utf8(wire).unwrap(),
            std::format!("H {}\r\n\r\n{body}", body.len())
        );
    }

    #[test]
    fn large_body_is_chunked_and_reassembles_exactly() {
        for n in [2000, 2001, 5000] {
            let wire = send(n, MIN_TX_BUFFER);
            let head = b"H chunked\r\n\r\n";
            assert_eq!(&wire[..head.len()], head);
            let body = dechunk(&wire[head.len()..]);
            assert_eq!(String::from_utf8(body).unwrap(), expected(n), "n={n}");
        }
    }

    #[test]
    fn chunk_boundary_at_every_size_reassembles() {
        // Vary the buffer so the suffix lands in its own chunk at some point.
        for extra in 0..40 {
            let wire = send(1500, MIN_TX_BUFFER + extra);
            let head = b"H chunked\r\n\r\n";
            if wire.starts_with(head) {
                assert_eq!(
                    String::from_utf8(dechunk(&wire[head.len()..])).unwrap(),
                    expected(1500)
                );
            }
        }
    }

    #[test]
    fn measure_counts_entries_and_bytes() {
        let m = measure(&mut Numbers { n: 12 }).unwrap();
        assert_eq!(m.entries, 12);
        assert_eq!(m.total, expected(12).len());
        assert_eq!(m.largest_entry, "<e>10</e>".len());
        assert!(fits(&m, MIN_TX_BUFFER));
        assert!(!fits(&m, MIN_TX_BUFFER - 1));
    }

    #[test]
    fn oversized_entry_is_refused() {
        struct Huge;
        impl Body for Huge {
            fn prefix(&mut self, _: &mut dyn Sink) -> Result<(), EncodeError> {
                Ok(())
            }
            fn entries(&mut self, window: &mut Window<'_>) {
                let _ = window.entry(|s| {
                    for _ in 0..(MIN_TX_BUFFER * 2) {
                        s.write_str("x")?;
                    }
                    Ok(())
                });
            }
            fn suffix(&mut self, _: &mut dyn Sink) -> Result<(), EncodeError> {
                Ok(())
            }
        }
        let mut tx = std::vec![0u8; MIN_TX_BUFFER];
        let mut out = Outgoing::new();
        let seg = out.start(&mut Huge, &mut tx, &mut head).unwrap();
        assert!(!seg.last);
        assert_eq!(out.next(&mut Huge, &mut tx), Err(FrameError::EntryTooLarge));
        assert!(!fits(&measure(&mut Huge).unwrap(), MIN_TX_BUFFER));
    }

    #[test]
    fn small_buffer_is_refused() {
        let mut tx = std::vec![0u8; MIN_TX_BUFFER - 1];
        let mut out = Outgoing::new();
        assert_eq!(
            out.start(&mut Numbers { n: 1 }, &mut tx, &mut head),
            Err(FrameError::BufferTooSmall)
        );
    }

    #[test]
    fn empty_message_is_head_only() {
        let mut tx = std::vec![0u8; 64];
        let seg = Outgoing::new().empty(&mut tx, &mut head).unwrap();
        assert_eq!(&tx[seg.range], b"H empty\r\n\r\n");
        assert!(seg.last);
    }

    #[test]
    fn hex_lines() {
        let mut b = [0u8; CHUNK_PREFIX];
        let n = write_hex(0, &mut b);
        assert_eq!(&b[..n], b"0\r\n");
        let n = write_hex(0x1f2e, &mut b);
        assert_eq!(&b[..n], b"1f2e\r\n");
    }
}
