//! `blob_attr`: libubox's type-length-value container, the building block of every ubus frame.
//!
//! Responsible for reading one attribute (a checked view over caller bytes), walking the
//! attributes of a container (strictly, or leniently the way libubox's `blob_for_each_attr_len`
//! does), and writing attributes and nested containers into a caller buffer with the container
//! lengths back-patched on close. Not responsible for what an attribute id means: the ubus
//! message attributes live in [`super::msg`], the typed JSON-like values in [`super::blobmsg`].
//!
//! Wire format (libubox `blob.h`, PROTOCOL.md §3): a big-endian `u32` header whose bit 31 is the
//! *extended* flag (set on blobmsg attributes), bits 30..24 the id and bits 23..0 the length
//! including the 4-byte header and excluding padding; then the payload, then zero bytes up to the
//! next 4-byte boundary. A container's length covers its header plus the *padded* size of every
//! child.

use core::fmt;

use crate::sink::Full;

/// Size of a `blob_attr` header.
pub const HEADER_LEN: usize = 4;

/// Largest length the 24-bit length field can hold.
pub const MAX_LEN: usize = 0x00ff_ffff;

const EXTENDED_BIT: u32 = 0x8000_0000;
const ID_SHIFT: u32 = 24;
const ID_MASK: u32 = 0x7f;
const LEN_MASK: u32 = 0x00ff_ffff;

/// `n` rounded up to the next multiple of 4 (libubox `BLOB_ATTR_ALIGN`).
pub const fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Why bytes are not a well-formed sequence of `blob_attr`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobError {
    /// Fewer than 4 bytes where an attribute header was expected.
    TruncatedHeader,
    /// The length field is below the 4-byte header size.
    LengthTooShort,
    /// The attribute, or its padding, runs past the end of its container.
    Overrun,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlobError::TruncatedHeader => "truncated blob_attr header",
            BlobError::LengthTooShort => "blob_attr length below its header size",
            BlobError::Overrun => "blob_attr runs past its container",
        })
    }
}

/// Why an attribute could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The caller's buffer has no room left.
    Full,
    /// A blobmsg name is longer than its 16-bit length field allows.
    NameTooLong,
}

impl From<Full> for EncodeError {
    fn from(_: Full) -> Self {
        EncodeError::Full
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EncodeError::Full => "output buffer full",
            EncodeError::NameTooLong => "blobmsg name longer than 65535 bytes",
        })
    }
}

/// Reads the big-endian `u32` at `at`, if the bytes are there.
pub(crate) fn be_u32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// One attribute: a checked view whose payload is known to lie inside the bytes it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    word: u32,
    // Header and payload, `raw_len` bytes, padding excluded.
    bytes: &'a [u8],
}

impl<'a> Attr<'a> {
    /// Reads the attribute at the start of `buf` (the rest of its container).
    ///
    /// Checks only that the header and the unpadded payload fit; padding is the container's
    /// business (see [`Attrs`]).
    pub fn parse(buf: &'a [u8]) -> Result<Attr<'a>, BlobError> {
        let word = be_u32(buf, 0).ok_or(BlobError::TruncatedHeader)?;
        let raw_len = (word & LEN_MASK) as usize;
        if raw_len < HEADER_LEN {
            return Err(BlobError::LengthTooShort);
        }
        let bytes = buf.get(..raw_len).ok_or(BlobError::Overrun)?;
        Ok(Attr { word, bytes })
    }

    /// The 7-bit id (a ubus attribute id, or a blobmsg type when extended).
    pub fn id(&self) -> u8 {
        // Masked to 7 bits, so the cast is lossless.
        ((self.word >> ID_SHIFT) & ID_MASK) as u8
    }

    /// True when the extended flag (blobmsg attribute) is set.
    pub fn is_extended(&self) -> bool {
        self.word & EXTENDED_BIT != 0
    }

    /// Length from the header: header plus payload, padding excluded.
    pub fn raw_len(&self) -> usize {
        self.bytes.len()
    }

    /// Length including the padding up to the next 4-byte boundary.
    pub fn padded_len(&self) -> usize {
        pad4(self.bytes.len())
    }

    /// The payload (everything after the 4-byte header, padding excluded).
    pub fn payload(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Header and payload as they appear on the wire, padding excluded.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// How strictly [`Attrs`] walks a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Every byte must belong to a padded child; anything else is an error.
    Strict,
    /// Stop silently at the first child that does not fit, as libubox's `blob_for_each_attr_len`
    /// does (ubusd parses client frames this way).
    Lenient,
}

/// The attributes of a container, in wire order.
///
/// Strict walks yield `Err` once and then stop; lenient walks never yield `Err`.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    rest: &'a [u8],
    walk: Walk,
    done: bool,
}

impl<'a> Attrs<'a> {
    /// Walks the concatenated attributes in `payload` (a container's payload).
    pub fn new(payload: &'a [u8], walk: Walk) -> Self {
        Attrs {
            rest: payload,
            walk,
            done: false,
        }
    }

    /// Checks that `payload` is exactly a sequence of padded attributes.
    pub fn check(payload: &'a [u8]) -> Result<(), BlobError> {
        for attr in Attrs::new(payload, Walk::Strict) {
            attr?;
        }
        Ok(())
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, BlobError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        let parsed = Attr::parse(self.rest).and_then(|attr| {
            // The container's length includes the last child's padding (PROTOCOL.md §3).
            match self.rest.get(attr.padded_len()..) {
                Some(rest) => Ok((attr, rest)),
                None => Err(BlobError::Overrun),
            }
        });
        match parsed {
            Ok((attr, rest)) => {
                self.rest = rest;
                Some(Ok(attr))
            }
            Err(e) => {
                self.done = true;
                match self.walk {
                    Walk::Strict => Some(Err(e)),
                    Walk::Lenient => None,
                }
            }
        }
    }
}

/// A nested container opened by [`Writer::begin`]; close it with [`Writer::end`].
#[derive(Debug)]
#[must_use = "a container must be closed with Writer::end to get its length"]
pub struct Nest {
    start: usize,
}

/// Writes attributes into a caller buffer, back-patching container lengths.
///
/// Every write is all-or-nothing: on [`EncodeError`] nothing of that attribute was kept, but an
/// open container stays open (the caller abandons the whole buffer).
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Writer<'b> {
    /// Starts writing at the beginning of `buf`. At most [`MAX_LEN`] bytes are used, so no
    /// container length can overflow its 24-bit field.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Ends writing and returns the written bytes with the buffer's lifetime.
    pub fn into_written(self) -> &'b [u8] {
        let Writer { buf, len } = self;
        let buf: &'b [u8] = buf;
        buf.get(..len).unwrap_or(&[])
    }

    /// Reserves `n` bytes at the end and returns them (zeroed).
    fn reserve(&mut self, n: usize) -> Result<&mut [u8], EncodeError> {
        let end = self.len.checked_add(n).ok_or(EncodeError::Full)?;
        if end > MAX_LEN {
            return Err(EncodeError::Full);
        }
        let start = self.len;
        let dst = self.buf.get_mut(start..end).ok_or(EncodeError::Full)?;
        dst.fill(0);
        self.len = end;
        Ok(dst)
    }

    /// Appends raw bytes (no header, no padding): a frame header, or a pre-encoded payload.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.reserve(bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// Writes a header word for an attribute of `id` whose length is `raw_len`.
    fn header(id: u8, extended: bool, raw_len: usize) -> [u8; 4] {
        let mut word = (u32::from(id) & ID_MASK) << ID_SHIFT;
        if extended {
            word |= EXTENDED_BIT;
        }
        // The writer never grows past MAX_LEN, so raw_len fits in 24 bits.
        word |= (raw_len as u32) & LEN_MASK;
        word.to_be_bytes()
    }

    /// Writes a whole attribute: header, the concatenation of `parts`, padding.
    pub(crate) fn put_parts(
        &mut self,
        id: u8,
        extended: bool,
        parts: &[&[u8]],
    ) -> Result<(), EncodeError> {
        let payload: usize = parts.iter().map(|p| p.len()).sum();
        let raw_len = HEADER_LEN.checked_add(payload).ok_or(EncodeError::Full)?;
        let mark = self.len;
        let dst = self.reserve(pad4(raw_len))?;
        // `dst` holds pad4(4 + sum of parts) bytes, so the header and every part fit.
        dst[..HEADER_LEN].copy_from_slice(&Self::header(id, extended, raw_len));
        let mut at = HEADER_LEN;
        for part in parts {
            dst[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        debug_assert!(self.len == mark + pad4(raw_len));
        Ok(())
    }

    /// Writes a plain (not extended) attribute with `payload`, then padding.
    pub fn put(&mut self, id: u8, payload: &[u8]) -> Result<(), EncodeError> {
        self.put_parts(id, false, &[payload])
    }

    /// Writes a plain int32 attribute (big endian).
    pub fn put_int32(&mut self, id: u8, value: u32) -> Result<(), EncodeError> {
        self.put(id, &value.to_be_bytes())
    }

    /// Writes a plain int8 attribute.
    pub fn put_int8(&mut self, id: u8, value: u8) -> Result<(), EncodeError> {
        self.put(id, &[value])
    }

    /// Writes a plain string attribute: the bytes and a terminating NUL.
    pub fn put_cstring(&mut self, id: u8, value: &[u8]) -> Result<(), EncodeError> {
        self.put_parts(id, false, &[value, &[0]])
    }

    /// Opens a plain nested container; everything written until [`Writer::end`] goes inside.
    pub fn begin(&mut self, id: u8) -> Result<Nest, EncodeError> {
        let start = self.len;
        self.reserve(HEADER_LEN)?
            .copy_from_slice(&Self::header(id, false, HEADER_LEN));
        Ok(Nest { start })
    }

    /// Opens an extended container whose payload starts with `prefix` (a blobmsg name header).
    pub(crate) fn begin_extended(&mut self, id: u8, prefix: &[&[u8]]) -> Result<Nest, EncodeError> {
        let start = self.len;
        let prefix_len: usize = prefix.iter().map(|p| p.len()).sum();
        let dst = self.reserve(pad4(HEADER_LEN + prefix_len))?;
        // `dst` holds at least 4 + prefix_len bytes, so the header and the prefix fit.
        dst[..HEADER_LEN].copy_from_slice(&Self::header(id, true, HEADER_LEN));
        let mut at = HEADER_LEN;
        for part in prefix {
            dst[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        Ok(Nest { start })
    }

    /// Closes a container: its length becomes everything written since it was opened.
    pub fn end(&mut self, nest: Nest) {
        let raw_len = self.len.saturating_sub(nest.start);
        let Some(word) = be_u32(self.buf, nest.start) else {
            // Only a Nest from another writer can point outside this buffer; ignore it.
            return;
        };
        let word = (word & !LEN_MASK) | ((raw_len as u32) & LEN_MASK);
        if let Some(dst) = self.buf.get_mut(nest.start..nest.start + HEADER_LEN) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objpath_attribute_matches_protocol_example() {
        // PROTOCOL.md §3: OBJPATH "tr069" = 0200000a 74 72 30 36 39 00 0000.
        let mut buf = [0xffu8; 16];
        let mut w = Writer::new(&mut buf);
        w.put_cstring(2, b"tr069").unwrap();
        assert_eq!(
            w.written(),
            &[2, 0, 0, 0x0a, b't', b'r', b'0', b'6', b'9', 0, 0, 0]
        );
    }

    #[test]
    fn parse_reads_id_length_and_payload() {
        let bytes = [0x03, 0, 0, 8, 0x7e, 0x54, 0xec, 0x4b];
        let attr = Attr::parse(&bytes).unwrap();
        assert_eq!(attr.id(), 3);
        assert!(!attr.is_extended());
        assert_eq!(attr.raw_len(), 8);
        assert_eq!(attr.payload(), &[0x7e, 0x54, 0xec, 0x4b]);
    }

    #[test]
    fn extended_flag_is_bit_31() {
        let bytes = [0x83, 0, 0, 4];
        let attr = Attr::parse(&bytes).unwrap();
        assert!(attr.is_extended());
        assert_eq!(attr.id(), 3);
    }

    #[test]
    fn length_below_header_is_rejected() {
        assert_eq!(Attr::parse(&[0, 0, 0, 3]), Err(BlobError::LengthTooShort));
        assert_eq!(Attr::parse(&[0, 0, 0]), Err(BlobError::TruncatedHeader));
    }

    #[test]
    fn attribute_longer_than_buffer_is_rejected() {
        assert_eq!(
            Attr::parse(&[0, 0, 0, 9, 1, 2, 3, 4]),
            Err(BlobError::Overrun)
        );
    }

    #[test]
    fn strict_walk_requires_padding_inside_container() {
        // A 5-byte attribute needs 8 bytes once padded.
        let bytes = [1, 0, 0, 5, 7];
        let mut walk = Attrs::new(&bytes, Walk::Strict);
        assert_eq!(walk.next(), Some(Err(BlobError::Overrun)));
        assert_eq!(walk.next(), None);
        assert_eq!(Attrs::check(&bytes), Err(BlobError::Overrun));
    }

    #[test]
    fn strict_walk_rejects_stray_bytes() {
        let bytes = [1, 0, 0, 4, 9, 9];
        assert_eq!(Attrs::check(&bytes), Err(BlobError::TruncatedHeader));
    }

    #[test]
    fn lenient_walk_stops_silently() {
        let bytes = [1, 0, 0, 4, 2, 0, 0, 5, 7];
        let ids: std::vec::Vec<u8> = Attrs::new(&bytes, Walk::Lenient)
            .map(|a| a.unwrap().id())
            .collect();
        assert_eq!(ids, [1]);
    }

    #[test]
    fn nested_length_covers_padded_children() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let nest = w.begin(7).unwrap();
        w.put_int8(9, 1).unwrap();
        w.put_cstring(2, b"ab").unwrap();
        w.end(nest);
        let out = w.into_written();
        // header 4 + (5 -> 8) + (7 -> 8)
        assert_eq!(out.len(), 20);
        assert_eq!(&out[..4], &[7, 0, 0, 20]);
        let outer = Attr::parse(out).unwrap();
        let ids: std::vec::Vec<u8> = Attrs::new(outer.payload(), Walk::Strict)
            .map(|a| a.unwrap().id())
            .collect();
        assert_eq!(ids, [9, 2]);
    }

    #[test]
    fn full_buffer_refuses_whole_attribute() {
        let mut buf = [0u8; 10];
        let mut w = Writer::new(&mut buf);
        w.put_int32(3, 1).unwrap();
        assert_eq!(w.put_int32(3, 2), Err(EncodeError::Full));
        assert_eq!(w.len(), 8);
    }

    #[test]
    fn pad4_rounds_up() {
        assert_eq!(pad4(0), 0);
        assert_eq!(pad4(1), 4);
        assert_eq!(pad4(4), 4);
        assert_eq!(pad4(23), 24);
        assert_eq!(pad4(usize::MAX), usize::MAX & !3);
    }
}
