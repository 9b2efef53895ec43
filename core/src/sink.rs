//! Byte sinks: where encoders write.
//!
//! Every encoder in core writes into a [`Sink`] supplied by the caller. A sink never grows on its
//! own: when it has no room it refuses with [`Full`] and the encoder stops. [`CountingSink`] only
//! counts, which is how a length (an HTTP `Content-Length`, a SOAP array size) is learnt before the
//! bytes themselves are written. This module is not responsible for buffering policy; the caller
//! owns the memory.

use core::fmt;

/// The sink had no room for the bytes offered; nothing of them was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output buffer full")
    }
}

/// A destination for encoded bytes that refuses, rather than grows, when it is full.
pub trait Sink {
    /// Appends all of `bytes`, or nothing and [`Full`].
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full>;

    /// Appends a string.
    fn write_str(&mut self, s: &str) -> Result<(), Full> {
        self.write(s.as_bytes())
    }

    /// Appends formatted text (`format_args!`), all-or-nothing per fragment.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), Full> {
        let mut adapter = FmtAdapter {
            sink: self,
            full: false,
        };
        match fmt::write(&mut adapter, args) {
            Ok(()) => Ok(()),
            Err(_) => Err(Full),
        }
    }

    /// Appends the decimal form of an unsigned integer.
    fn write_u64(&mut self, value: u64) -> Result<(), Full> {
        let mut digits = [0u8; 20];
        self.write(format_u64(value, &mut digits))
    }

    /// Appends the decimal form of a signed integer.
    fn write_i64(&mut self, value: i64) -> Result<(), Full> {
        if value < 0 {
            self.write(b"-")?;
        }
        self.write_u64(value.unsigned_abs())
    }
}

/// Formats `value` in decimal into `buf` and returns the digits.
pub fn format_u64(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        // `value % 10` is below 10, so the cast cannot truncate.
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buf[at..]
}

struct FmtAdapter<'s, S: ?Sized> {
    sink: &'s mut S,
    full: bool,
}

impl<S: Sink + ?Sized> fmt::Write for FmtAdapter<'_, S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.full {
            return Err(fmt::Error);
        }
        self.sink.write(s.as_bytes()).map_err(|Full| {
            self.full = true;
            fmt::Error
        })
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        (**self).write(bytes)
    }
}

/// A sink over a caller-owned byte slice.
#[derive(Debug)]
pub struct SliceSink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceSink<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Number of bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room left, in bytes.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.len
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Forgets everything written after `mark` (a value of [`Self::len`] taken earlier).
    pub fn truncate(&mut self, mark: usize) {
        if mark < self.len {
            self.len = mark;
        }
    }

    /// Ends writing and returns the written bytes with the slice's lifetime.
    pub fn into_written(self) -> &'a [u8] {
        let Self { buf, len } = self;
        &buf[..len]
    }
}

impl Sink for SliceSink<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let end = self.len.checked_add(bytes.len()).ok_or(Full)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(Full)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

/// A sink that stores nothing and counts the bytes offered to it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CountingSink {
    count: usize,
}

impl CountingSink {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self { count: 0 }
    }

    /// Bytes offered so far.
    pub const fn count(&self) -> usize {
        self.count
    }
}

impl Sink for CountingSink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.count = self.count.checked_add(bytes.len()).ok_or(Full)?;
        Ok(())
    }
}

impl<const N: usize> Sink for heapless::Vec<u8, N> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.extend_from_slice(bytes).map_err(|_| Full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_sink_refuses_whole_write_when_full() {
        let mut buf = [0u8; 4];
        let mut sink = SliceSink::new(&mut buf);
        sink.write(b"abc").unwrap();
        assert_eq!(sink.write(b"de"), Err(Full));
        assert_eq!(sink.written(), b"abc");
        sink.write(b"d").unwrap();
        assert_eq!(sink.into_written(), b"abcd");
    }

    #[test]
    fn slice_sink_truncate_rolls_back() {
        let mut buf = [0u8; 8];
        let mut sink = SliceSink::new(&mut buf);
        sink.write(b"ab").unwrap();
        let mark = sink.len();
        sink.write(b"cd").unwrap();
        sink.truncate(mark);
        assert_eq!(sink.written(), b"ab");
    }

    #[test]
    fn counting_sink_counts_formatted_output() {
        let mut sink = CountingSink::new();
        write!(sink, "{}-{}", 12, ["ab"][0]).unwrap();
        sink.write_u64(0).unwrap();
        sink.write_i64(-45).unwrap();
        assert_eq!(sink.count(), "12-ab0-45".len());
    }

    #[test]
    fn write_fmt_into_full_sink_reports_full() {
        let mut buf = [0u8; 3];
        let mut sink = SliceSink::new(&mut buf);
        assert_eq!(write!(sink, "{}", 123456), Err(Full));
    }

    #[test]
    fn format_u64_extremes() {
        let mut d = [0u8; 20];
        assert_eq!(format_u64(0, &mut d), b"0");
        assert_eq!(format_u64(u64::MAX, &mut d), b"18446744073709551615");
    }
}
