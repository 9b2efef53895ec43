//! One UCI argument as it sits in the file, unquoted and unescaped only when asked.
//!
//! A [`Value`] borrows the argument exactly as written: quotes, backslashes and continuation
//! lines included. The parser has already found where it ends, so decoding cannot fail; it
//! follows libuci (`file.c`, `parse_str` and friends):
//!
//! * outside quotes, `\c` stands for `c` (no C escapes: `\n` is `n`) and a backslash before the
//!   line end joins the next line;
//! * between `'...'` every character is literal, line ends included;
//! * between `"..."` a backslash escapes the next character or joins lines, as outside quotes;
//! * quoted and unquoted pieces written back to back form one argument (`a'b'"c"` is `abc`).

use core::fmt;

use crate::limits::CONFIG_MESSAGE_VALUE_LEN;
use crate::sink::{Full, Sink};

/// An argument of a UCI statement, decoded on demand.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    raw: &'a str,
    literal: bool,
}

impl<'a> Value<'a> {
    /// An argument exactly as written in the file.
    pub(crate) const fn written(raw: &'a str) -> Self {
        Value {
            raw,
            literal: false,
        }
    }

    /// Text taken literally: nothing in it is decoded.
    pub const fn verbatim(text: &'a str) -> Self {
        Value {
            raw: text,
            literal: true,
        }
    }

    /// The empty value (an option written without a value).
    pub const fn empty() -> Self {
        Value::verbatim("")
    }

    /// The argument as written in the file (quotes and escapes included).
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The decoded text when it can be borrowed from the input (no escapes, at most one quoted
    /// piece), else `None`.
    pub fn borrowed(&self) -> Option<&'a str> {
        if self.literal || !self.raw.bytes().any(is_special) {
            return Some(self.raw);
        }
        let bytes = self.raw.as_bytes();
        let (first, last) = (bytes.first()?, bytes.last()?);
        if bytes.len() < 2 || first != last || !matches!(first, b'\'' | b'"') {
            return None;
        }
        // The first and last bytes are ASCII quotes, so these are character boundaries.
        let inner = self.raw.get(1..self.raw.len() - 1)?;
        let clean = match first {
            b'\'' => !inner.contains('\''),
            _ => !inner.bytes().any(|b| b == b'"' || b == b'\\'),
        };
        clean.then_some(inner)
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            rest: self.raw,
            state: if self.literal {
                State::Literal
            } else {
                State::Bare
            },
        }
    }

    /// Number of bytes of the decoded UTF-8 text.
    pub fn decoded_len(&self) -> usize {
        match self.borrowed() {
            Some(s) => s.len(),
            None => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// True when the decoded value is empty (`''`, `""` or nothing at all).
    pub fn is_empty(&self) -> bool {
        self.chars().next().is_none()
    }

    /// Compares the decoded value with `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.borrowed() {
            Some(b) => b == s,
            None => self.chars().eq(s.chars()),
        }
    }

    /// Compares the decoded value with `s`, ignoring ASCII case.
    pub fn eq_ignore_ascii_case(&self, s: &str) -> bool {
        match self.borrowed() {
            Some(b) => b.eq_ignore_ascii_case(s),
            None => self
                .chars()
                .map(|c| c.to_ascii_lowercase())
                .eq(s.chars().map(|c| c.to_ascii_lowercase())),
        }
    }

    /// Decodes into `buf` and returns the text, or [`Full`] if it does not fit.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Full> {
        let mut len = 0;
        for c in self.chars() {
            let n = c.len_utf8();
            let dst = buf.get_mut(len..len + n).ok_or(Full)?;
            c.encode_utf8(dst);
            len += n;
        }
        // Only whole UTF-8 encodings of chars were written, so this cannot fail.
        core::str::from_utf8(buf.get(..len).ok_or(Full)?).map_err(|_| Full)
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

    /// Writes the decoded text into a sink.
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

    /// The value in double quotes for a message: escaped, and cut after
    /// [`CONFIG_MESSAGE_VALUE_LEN`] characters.
    pub fn quoted(&self) -> Quoted<'a> {
        Quoted(*self)
    }
}

/// Bytes that make an argument need decoding.
fn is_special(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'\\')
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.chars() {
            fmt::Display::fmt(&c.escape_debug(), f)?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.borrowed() {
            Some(s) => f.write_str(s),
            None => self.chars().try_for_each(|c| fmt::Write::write_char(f, c)),
        }
    }
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.chars().eq(other.chars())
    }
}

impl Eq for Value<'_> {}

impl PartialEq<str> for Value<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for Value<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// A [`Value`] shown in double quotes, escaped and shortened for a log line.
#[derive(Clone, Copy)]
pub struct Quoted<'a>(Value<'a>);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(CONFIG_MESSAGE_VALUE_LEN) {
            fmt::Display::fmt(&c.escape_debug(), f)?;
        }
        if chars.next().is_some() {
            f.write_str("...")?;
        }
        f.write_str("\"")
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Outside quotes.
    Bare,
    /// Between single quotes.
    Single,
    /// Between double quotes.
    Double,
    /// Not UCI text at all: every character stands for itself.
    Literal,
}

/// Iterator over the decoded characters of a [`Value`].
#[derive(Clone)]
pub struct Chars<'a> {
    rest: &'a str,
    state: State,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            let c = self.take_char()?;
            match (self.state, c) {
                (State::Literal, c) => return Some(c),
                (State::Bare, '\'') => self.state = State::Single,
                (State::Bare, '"') => self.state = State::Double,
                (State::Single, '\'') | (State::Double, '"') => self.state = State::Bare,
                (State::Bare | State::Double, '\\') => {
                    if let Some(rest) = continuation(self.rest) {
                        self.rest = rest;
                    } else if let Some(escaped) = self.take_char() {
                        return Some(escaped);
                    }
                }
                (_, c) => return Some(c),
            }
        }
    }
}

impl Chars<'_> {
    fn take_char(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        self.rest = it.as_str();
        Some(c)
    }
}

/// After a backslash: the text following a line end that the backslash joins away, if the
/// backslash ends its line (`\n` or `\r\n`, as libuci's `parse_backslash`).
pub(crate) fn continuation(after: &str) -> Option<&str> {
    after
        .strip_prefix('\n')
        .or_else(|| after.strip_prefix("\r\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn decoded(raw: &str) -> String {
        Value::written(raw).chars().collect()
    }

    #[test]
    fn unquoted_text_is_borrowed() {
        let v = Value::written("http://acs:7547/");
        assert_eq!(v.borrowed(), Some("http://acs:7547/"));
        assert_eq!(v.decoded_len(), 16);
    }

    #[test]
    fn single_quoted_text_is_borrowed_without_quotes() {
        let v = Value::written("'a b\"c\\d'");
        assert_eq!(v.borrowed(), Some("a b\"c\\d"));
        assert_eq!(decoded("'a b\"c\\d'"), "a b\"c\\d");
    }

    #[test]
    fn double_quoted_backslash_escapes_the_next_character() {
        assert_eq!(decoded(r#""a\"b\\c\n""#), "a\"b\\cn");
        assert!(Value::written(r#""a\"b""#).borrowed().is_none());
    }

    #[test]
    fn unquoted_backslash_escapes_the_next_character() {
        assert_eq!(decoded(r"a\ b\'c"), "a b'c");
    }

    #[test]
    fn pieces_written_together_form_one_value() {
        assert_eq!(decoded(r#"a'b c'"d'e""#), "ab cd'e");
        assert!(Value::written("'a''b'").borrowed().is_none());
        assert_eq!(decoded("'a''b'"), "ab");
    }

    #[test]
    fn backslash_line_end_joins_lines() {
        assert_eq!(decoded("abc\\\ndef"), "abcdef");
        assert_eq!(decoded("\"abc\\\r\ndef\""), "abcdef");
    }

    #[test]
    fn quoted_line_ends_are_kept() {
        assert_eq!(decoded("'a\nb'"), "a\nb");
        assert_eq!(decoded("\"a\r\nb\""), "a\r\nb");
    }

    #[test]
    fn backslash_at_the_very_end_is_dropped() {
        assert_eq!(decoded("ab\\"), "ab");
    }

    #[test]
    fn verbatim_text_is_never_decoded() {
        let v = Value::verbatim("uci -f \"$1\" import");
        assert_eq!(v.borrowed(), Some("uci -f \"$1\" import"));
        assert_eq!(v.chars().collect::<String>(), "uci -f \"$1\" import");
    }

    #[test]
    fn empty_forms() {
        assert!(Value::written("''").is_empty());
        assert!(Value::written("\"\"").is_empty());
        assert!(Value::empty().is_empty());
        assert!(!Value::written("' '").is_empty());
    }

    #[test]
    fn decode_into_and_heapless_report_full() {
        let v = Value::written("'abcdef'");
        let mut buf = [0u8; 6];
        assert_eq!(v.decode_into(&mut buf), Ok("abcdef"));
        let mut small = [0u8; 5];
        assert_eq!(v.decode_into(&mut small), Err(Full));
        assert_eq!(v.to_heapless::<6>().unwrap().as_str(), "abcdef");
        assert_eq!(v.to_heapless::<5>(), Err(Full));
        let esc = Value::written(r#""ab\"cd""#);
        assert_eq!(esc.to_heapless::<5>().unwrap().as_str(), "ab\"cd");
        assert_eq!(esc.to_heapless::<4>(), Err(Full));
    }

    #[test]
    fn comparisons_use_the_decoded_text() {
        let v = Value::written(r#"'ac's"#);
        assert!(v.eq_str("acs"));
        assert!(v.eq_ignore_ascii_case("ACS"));
        assert_eq!(v, Value::written("acs"));
        assert!(v != Value::written("cpe"));
    }

    #[test]
    fn quoted_form_escapes_and_shortens() {
        use std::format;
        assert_eq!(
            format!("{}", Value::written("'a\"b\nc'").quoted()),
            "\"a\\\"b\\nc\""
        );
        let long = "x".repeat(CONFIG_MESSAGE_VALUE_LEN + 5);
        let shown = format!("{}", Value::written(&long).quoted());
        assert_eq!(shown.len(), CONFIG_MESSAGE_VALUE_LEN + 5);
        assert!(shown.ends_with("...\""));
    }
}
