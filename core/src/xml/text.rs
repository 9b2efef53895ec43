//! Character data as it sits in the input, decoded only when asked.
//!
//! A [`Text`] borrows the raw bytes between two tags (or an attribute value). Entity and character
//! references, CDATA sections and comments are resolved lazily by [`Text::chars`]; the reader has
//! already checked that every reference in the span is defined and valid, so decoding cannot fail.

use core::fmt;

use crate::sink::{Full, Sink};

/// Raw character data with on-demand decoding of references, CDATA sections and comments.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    raw: &'a str,
    kind: TextKind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TextKind {
    /// Plain character data, possibly with references.
    CharData,
    /// Element content that mixes character data with CDATA sections, comments or PIs.
    Mixed,
    /// An attribute value (references only; no markup).
    Attribute,
    /// A plain Rust string: no references, no normalisation.
    Literal,
}

impl<'a> Text<'a> {
    /// Text taken literally: nothing in it is decoded.
    pub const fn verbatim(raw: &'a str) -> Self {
        Text {
            raw,
            kind: TextKind::Literal,
        }
    }

    pub(crate) const fn char_data(raw: &'a str) -> Self {
        Text {
            raw,
            kind: TextKind::CharData,
        }
    }

    pub(crate) const fn mixed(raw: &'a str) -> Self {
        Text {
            raw,
            kind: TextKind::Mixed,
        }
    }

    pub(crate) const fn attribute(raw: &'a str) -> Self {
        Text {
            raw,
            kind: TextKind::Attribute,
        }
    }

    /// The empty text.
    pub const fn empty() -> Self {
        Text::verbatim("")
    }

    /// The bytes exactly as they appear in the input.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The text itself when it contains nothing to decode (the common case), else `None`.
    pub fn borrowed(&self) -> Option<&'a str> {
        let plain = match self.kind {
            TextKind::CharData => !self.raw.bytes().any(|b| b == b'&' || b == b'\r'),
            TextKind::Attribute => !self
                .raw
                .bytes()
                .any(|b| matches!(b, b'&' | b'\r' | b'\n' | b'\t')),
            TextKind::Mixed => false,
            TextKind::Literal => true,
        };
        plain.then_some(self.raw)
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            rest: self.raw,
            kind: self.kind,
            in_cdata: false,
        }
    }

    /// Number of bytes of the decoded UTF-8 text.
    pub fn decoded_len(&self) -> usize {
        match self.borrowed() {
            Some(s) => s.len(),
            None => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// True when the decoded text is empty.
    pub fn is_empty(&self) -> bool {
        self.chars().next().is_none()
    }

    /// Compares the decoded text with `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.borrowed() {
            Some(b) => b == s,
            None => self.chars().eq(s.chars()),
        }
    }

    /// Decodes into `buf` and returns the decoded text, or [`Full`] if it does not fit.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Full> {
        let mut len = 0;
        for c in self.chars() {
            let n = c.len_utf8();
            let dst = buf.get_mut(len..len + n).ok_or(Full)?;
            c.encode_utf8(dst);
            len += n;
        }
        // Only whole UTF-8 encodings of chars were written, so this cannot fail.
        core::str::from_utf8(&buf[..len]).map_err(|_| Full)
    }

    /// Decodes into a fixed-capacity string, or [`Full`] if longer than `N` bytes.
    pub fn to_heapless<const N: usize>(&self) -> Result<heapless::String<N>, Full> {
        let mut s = heapless::String::new();
        match self.borrowed() {
            Some(b) => s.push_str(b).map_err(|_| Full)?,
            None => {
                for c in self.chars() {
                    s.push(c).map_err(|_| Full)?;
                }
            }
        }
        Ok(s)
    }

    /// Writes the decoded text into a sink (unescaped).
    pub fn write_decoded<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), Full> {
        if let Some(b) = self.borrowed() {
            return sink.write_str(b);
        }
        let mut utf8 = [0u8; 4];
        for c in self.chars() {
            sink.write_str(c.encode_utf8(&mut utf8))?;
        }
        Ok(())
    }

    /// The decoded text with leading and trailing XML whitespace removed, when it needs no decoding.
    pub(crate) fn trimmed_borrowed(&self) -> Option<&'a str> {
        self.borrowed().map(|s| s.trim_matches(is_xml_space))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.chars() {
            fmt::Display::fmt(&c.escape_debug(), f)?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.chars() {
            fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.chars().eq(other.chars())
    }
}

impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// XML whitespace (S production).
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Iterator over the decoded characters of a [`Text`].
#[derive(Clone)]
pub struct Chars<'a> {
    rest: &'a str,
    kind: TextKind,
    in_cdata: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            if self.in_cdata {
                if let Some(after) = self.rest.strip_prefix("]]>") {
                    self.rest = after;
                    self.in_cdata = false;
                    continue;
                }
                return self.take_char(false);
            }
            if self.kind == TextKind::Literal {
                let c = self.rest.chars().next()?;
                self.rest = &self.rest[c.len_utf8()..];
                return Some(c);
            }
            let bytes = self.rest.as_bytes();
            match bytes.first()? {
                b'&' => {
                    let (c, len) = parse_reference(self.rest)?;
                    self.rest = self.rest.get(len..)?;
                    return Some(c);
                }
                b'<' if self.kind == TextKind::Mixed => {
                    if let Some(after) = self.rest.strip_prefix("<![CDATA[") {
                        self.rest = after;
                        self.in_cdata = true;
                    } else if let Some(after) = self.rest.strip_prefix("<!--") {
                        let end = after.find("-->")?;
                        self.rest = after.get(end + 3..)?;
                    } else if let Some(after) = self.rest.strip_prefix("<?") {
                        let end = after.find("?>")?;
                        self.rest = after.get(end + 2..)?;
                    } else {
                        // The reader only builds mixed text from content without elements.
                        return None;
                    }
                }
                _ => return self.take_char(self.kind == TextKind::Attribute),
            }
        }
    }
}

impl Chars<'_> {
    /// Takes one literal character, applying XML end-of-line (and attribute-value) normalisation.
    fn take_char(&mut self, attribute: bool) -> Option<char> {
        let c = self.rest.chars().next()?;
        self.rest = &self.rest[c.len_utf8()..];
        match c {
            '\r' => {
                if let Some(after) = self.rest.strip_prefix('\n') {
                    self.rest = after;
                }
                Some(if attribute { ' ' } else { '\n' })
            }
            '\n' | '\t' if attribute => Some(' '),
            c => Some(c),
        }
    }
}

/// Parses the reference at the start of `s` (which begins with `&`): the character and the
/// length of the reference in bytes. `None` if it is not a valid, defined reference.
pub(crate) fn parse_reference(s: &str) -> Option<(char, usize)> {
    // The longest valid reference, `&#x10FFFF;`, has 10 bytes; `;` is ASCII, so slicing at it
    // is on a character boundary.
    let body_end = s.as_bytes().iter().take(16).position(|&b| b == b';')?;
    let body = s.get(1..body_end)?;
    let c = match body {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let num = body.strip_prefix('#')?;
            let n = match num.strip_prefix('x') {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                Some(_) => return None,
                None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                    num.parse::<u32>().ok()?
                }
                None => return None,
            };
            let c = char::from_u32(n)?;
            if !is_xml_char(c) {
                return None;
            }
            c
        }
    };
    Some((c, body_end + 1))
}

/// The XML 1.0 Char production.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Why a reference in character data is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefError {
    /// `&name;` with a name other than the five predefined entities.
    Undefined,
    /// A malformed reference or a character reference to a non-XML character.
    Invalid,
}

/// Checks every `&` in `s` starts a valid, defined reference.
pub(crate) fn check_references(s: &str) -> Result<(), RefError> {
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        rest = &rest[at..];
        match parse_reference(rest) {
            Some((_, len)) => rest = &rest[len..],
            None => {
                let name_like = rest[1..]
                    .split(';')
                    .next()
                    .is_some_and(|n| !n.is_empty() && !n.starts_with('#') && rest.contains(';'));
                return Err(if name_like {
                    RefError::Undefined
                } else {
                    RefError::Invalid
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn decoded(t: Text<'_>) -> String {
        t.chars().collect()
    }

    #[test]
    fn predefined_and_numeric_references_decode() {
        let t = Text::char_data("a&lt;b&gt;&amp;&apos;&quot;&#233;&#x20AC;");
        assert_eq!(decoded(t), "a<b>&'\"é€");
        assert!(t.borrowed().is_none());
        assert_eq!(t.decoded_len(), "a<b>&'\"é€".len());
    }

    #[test]
    fn reference_after_multibyte_characters() {
        assert_eq!(check_references("&gt; \"q\" 'a' é€😀 &#13;"), Ok(()));
        assert_eq!(decoded(Text::char_data("&gt; 'a' é€😀")), "> 'a' é€😀");
    }

    #[test]
    fn verbatim_text_is_never_decoded() {
        let t = Text::verbatim("a&b&amp;\r\n");
        assert_eq!(decoded(t), "a&b&amp;\r\n");
        assert_eq!(t.borrowed(), Some("a&b&amp;\r\n"));
    }

    #[test]
    fn plain_text_is_borrowed() {
        let t = Text::char_data("Device.DeviceInfo.");
        assert_eq!(t.borrowed(), Some("Device.DeviceInfo."));
        assert!(t.eq_str("Device.DeviceInfo."));
    }

    #[test]
    fn cdata_and_comments_in_mixed_content() {
        let t = Text::mixed("a<![CDATA[<&>]]>b<!-- no -->c<?pi x?>d");
        assert_eq!(decoded(t), "a<&>bcd");
    }

    #[test]
    fn end_of_line_normalisation() {
        assert_eq!(decoded(Text::char_data("a\r\nb\rc")), "a\nb\nc");
        assert_eq!(decoded(Text::attribute("a\tb\nc")), "a b c");
    }

    #[test]
    fn reference_checks() {
        assert_eq!(check_references("x &amp; y &#10;"), Ok(()));
        assert_eq!(check_references("x &nbsp; y"), Err(RefError::Undefined));
        assert_eq!(check_references("x & y"), Err(RefError::Invalid));
        assert_eq!(check_references("&#0;"), Err(RefError::Invalid));
        assert_eq!(check_references("&#xD800;"), Err(RefError::Invalid));
        assert_eq!(check_references("&#x;"), Err(RefError::Invalid));
        assert_eq!(check_references("&amp"), Err(RefError::Invalid));
    }

    #[test]
    fn decode_into_small_buffer_is_full() {
        let mut buf = [0u8; 3];
        assert_eq!(
            Text::char_data("&#233;&#233;").decode_into(&mut buf),
            Err(Full)
        );
        let mut buf = [0u8; 4];
        assert_eq!(
            Text::char_data("&#233;&#233;").decode_into(&mut buf),
            Ok("éé")
        );
    }

    #[test]
    fn heapless_capacity_is_enforced() {
        assert!(Text::char_data("abcd").to_heapless::<3>().is_err());
        assert_eq!(
            Text::char_data("a&amp;")
                .to_heapless::<2>()
                .unwrap()
                .as_str(),
            "a&"
        );
    }
}
