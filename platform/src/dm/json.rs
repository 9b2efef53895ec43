//! A small, bounded, streaming JSON reader and the string escaping its writer side needs.
//!
//! Responsible for turning bytes from any [`Read`] into a validated stream of [`Token`]s (RFC
//! 8259 grammar, UTF-8, escapes including surrogate pairs) through a fixed 4 KiB window, with
//! named limits on total size, nesting, string and number length, and errors that carry the
//! line and column of the offending byte. Not responsible for what a document means (the store
//! file format is `builtin::file`) nor for building trees: nothing is kept but the current
//! token. `serde_json` is not used here so the binary stays small.

use std::fmt;
use std::io::{self, Read};

use super::limits::{JSON_MAX_DEPTH, JSON_NUMBER_MAX_LEN, JSON_STRING_MAX_LEN};

/// Size of the read window.
const WINDOW: usize = 4096;

/// Where in the input something happened (1-based line and column, column counted in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Byte column within the line, from 1.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why the input is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading the input failed.
    Io(String),
    /// The input is longer than the reader's size limit.
    TooLarge,
    /// Containers nest deeper than [`JSON_MAX_DEPTH`].
    TooDeep,
    /// A string is longer than [`JSON_STRING_MAX_LEN`] bytes after unescaping.
    StringTooLong,
    /// A number is longer than [`JSON_NUMBER_MAX_LEN`] characters.
    NumberTooLong,
    /// A byte that cannot start or continue what is expected here.
    Unexpected(u8),
    /// The input ends inside a value.
    UnexpectedEnd,
    /// Something follows the top-level value.
    TrailingData,
    /// A malformed escape sequence or a lone UTF-16 surrogate.
    BadEscape,
    /// A raw control character inside a string.
    ControlCharacter,
    /// A string is not valid UTF-8.
    BadUtf8,
    /// A number does not follow the JSON grammar.
    BadNumber,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io(e) => write!(f, "read error: {e}"),
            ErrorKind::TooLarge => f.write_str("file too large"),
            ErrorKind::TooDeep => write!(f, "nested deeper than {JSON_MAX_DEPTH} levels"),
            ErrorKind::StringTooLong => {
                write!(f, "string longer than {JSON_STRING_MAX_LEN} bytes")
            }
            ErrorKind::NumberTooLong => {
                write!(f, "number longer than {JSON_NUMBER_MAX_LEN} characters")
            }
            ErrorKind::Unexpected(b) if b.is_ascii_graphic() => {
                write!(f, "unexpected '{}'", char::from(*b))
            }
            ErrorKind::Unexpected(b) => write!(f, "unexpected byte 0x{b:02x}"),
            ErrorKind::UnexpectedEnd => f.write_str("unexpected end of input"),
            ErrorKind::TrailingData => f.write_str("data after the end of the document"),
            ErrorKind::BadEscape => f.write_str("invalid escape sequence"),
            ErrorKind::ControlCharacter => f.write_str("control character in a string"),
            ErrorKind::BadUtf8 => f.write_str("invalid UTF-8 in a string"),
            ErrorKind::BadNumber => f.write_str("malformed number"),
        }
    }
}

/// A JSON error and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where.
    pub at: Position,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.kind)
    }
}

impl std::error::Error for Error {}

/// One token of a JSON document. Strings are unescaped; numbers are their validated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// An object member name (its `:` is already consumed).
    Key(&'a str),
    /// A string value.
    String(&'a str),
    /// A number value, as written.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value: the document's, an array element after a comma, or a member's after its colon.
    Value,
    /// Right after `[`: a value or `]`.
    ValueOrEnd,
    /// Right after `{`: a key or `}`.
    KeyOrEnd,
    /// After a comma in an object.
    Key,
    /// After a value inside a container.
    CommaOrEnd,
    /// After the top-level value.
    Done,
}

/// A pull reader over `R`: call [`Reader::next`] until it returns `Ok(None)`.
pub struct Reader<R> {
    src: R,
    window: Box<[u8; WINDOW]>,
    start: usize,
    end: usize,
    eof: bool,
    consumed: u64,
    max_len: u64,
    line: u32,
    column: u32,
    stack: [Container; JSON_MAX_DEPTH],
    depth: usize,
    expect: Expect,
    scratch: Vec<u8>,
    token_at: Position,
}

impl<R: Read> Reader<R> {
    /// A reader of at most `max_len` bytes from `src`.
    pub fn new(src: R, max_len: u64) -> Reader<R> {
        Reader {
            src,
            window: Box::new([0; WINDOW]),
            start: 0,
            end: 0,
            eof: false,
            consumed: 0,
            max_len,
            line: 1,
            column: 1,
            stack: [Container::Array; JSON_MAX_DEPTH],
            depth: 0,
            expect: Expect::Value,
            scratch: Vec::new(),
            token_at: Position { line: 1, column: 1 },
        }
    }

    /// Where the token last returned by [`Reader::next`] starts.
    pub fn token_position(&self) -> Position {
        self.token_at
    }

    /// The position of the next unread byte.
    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn error(&self, kind: ErrorKind) -> Error {
        Error {
            kind,
            at: self.position(),
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, Error> {
        if self.start == self.end {
            if self.eof {
                return Ok(None);
            }
            let n = loop {
                match self.src.read(&mut self.window[..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(self.error(ErrorKind::Io(e.to_string()))),
                }
            };
            self.start = 0;
            self.end = n;
            if n == 0 {
                self.eof = true;
                return Ok(None);
            }
        }
        Ok(self.window.get(self.start).copied())
    }

    /// Consumes the byte [`Reader::peek`] returned.
    fn bump(&mut self, b: u8) -> Result<(), Error> {
        if self.consumed >= self.max_len {
            return Err(self.error(ErrorKind::TooLarge));
        }
        self.start += 1;
        self.consumed += 1;
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Ok(())
    }

    fn next_byte(&mut self) -> Result<u8, Error> {
        let b = self
            .peek()?
            .ok_or_else(|| self.error(ErrorKind::UnexpectedEnd))?;
        self.bump(b)?;
        Ok(b)
    }

    fn skip_whitespace(&mut self) -> Result<Option<u8>, Error> {
        while let Some(b) = self.peek()? {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.bump(b)?;
            } else {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    fn push(&mut self, c: Container) -> Result<(), Error> {
        match self.stack.get_mut(self.depth) {
            Some(slot) => {
                *slot = c;
                self.depth += 1;
                Ok(())
            }
            None => Err(self.error(ErrorKind::TooDeep)),
        }
    }

    fn top(&self) -> Option<Container> {
        self.depth
            .checked_sub(1)
            .and_then(|i| self.stack.get(i))
            .copied()
    }

    fn after_value(&mut self) {
        self.expect = if self.depth == 0 {
            Expect::Done
        } else {
            Expect::CommaOrEnd
        };
    }

    fn close(&mut self, c: Container) -> Token<'static> {
        self.depth = self.depth.saturating_sub(1);
        self.after_value();
        match c {
            Container::Object => Token::EndObject,
            Container::Array => Token::EndArray,
        }
    }

    /// The next token; `Ok(None)` once the single top-level value has been read and only
    /// whitespace follows.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Token<'_>>, Error> {
        loop {
            let b = self.skip_whitespace()?;
            self.token_at = self.position();
            match (self.expect, b) {
                (Expect::Done, None) => return Ok(None),
                (Expect::Done, Some(_)) => return Err(self.error(ErrorKind::TrailingData)),
                (_, None) => return Err(self.error(ErrorKind::UnexpectedEnd)),
                (Expect::CommaOrEnd, Some(b)) => {
                    let top = self.top();
                    match (top, b) {
                        (Some(Container::Object), b',') => {
                            self.bump(b)?;
                            self.expect = Expect::Key;
                        }
                        (Some(Container::Array), b',') => {
                            self.bump(b)?;
                            self.expect = Expect::Value;
                        }
                        (Some(Container::Object), b'}') => {
                            self.bump(b)?;
                            return Ok(Some(self.close(Container::Object)));
                        }
                        (Some(Container::Array), b']') => {
                            self.bump(b)?;
                            return Ok(Some(self.close(Container::Array)));
                        }
                        _ => return Err(self.error(ErrorKind::Unexpected(b))),
                    }
                }
                (Expect::KeyOrEnd, Some(b'}')) => {
                    self.bump(b'}')?;
                    return Ok(Some(self.close(Container::Object)));
                }
                (Expect::KeyOrEnd | Expect::Key, Some(b'"')) => {
                    self.bump(b'"')?;
                    self.read_string()?;
                    match self.skip_whitespace()? {
                        Some(b':') => self.bump(b':')?,
                        Some(other) => return Err(self.error(ErrorKind::Unexpected(other))),
                        None => return Err(self.error(ErrorKind::UnexpectedEnd)),
                    }
                    self.expect = Expect::Value;
                    return Ok(Some(Token::Key(self.scratch_str())));
                }
                (Expect::KeyOrEnd | Expect::Key, Some(b)) => {
                    return Err(self.error(ErrorKind::Unexpected(b)));
                }
                (Expect::ValueOrEnd, Some(b']')) => {
                    self.bump(b']')?;
                    return Ok(Some(self.close(Container::Array)));
                }
                (Expect::Value | Expect::ValueOrEnd, Some(b)) => return self.value(b).map(Some),
            }
        }
    }

    fn scratch_str(&self) -> &str {
        // read_string validated the scratch as UTF-8 before any caller gets here.
        std::str::from_utf8(&self.scratch).unwrap_or_default()
    }

    fn value(&mut self, b: u8) -> Result<Token<'_>, Error> {
        match b {
            b'{' => {
                self.push(Container::Object)?;
                self.bump(b)?;
                self.expect = Expect::KeyOrEnd;
                Ok(Token::BeginObject)
            }
            b'[' => {
                self.push(Container::Array)?;
                self.bump(b)?;
                self.expect = Expect::ValueOrEnd;
                Ok(Token::BeginArray)
            }
            b'"' => {
                self.bump(b)?;
                self.read_string()?;
                self.after_value();
                Ok(Token::String(self.scratch_str()))
            }
            b't' => self.literal(b"true", Token::Bool(true)),
            b'f' => self.literal(b"false", Token::Bool(false)),
            b'n' => self.literal(b"null", Token::Null),
            b'-' | b'0'..=b'9' => {
                self.read_number()?;
                self.after_value();
                Ok(Token::Number(self.scratch_str()))
            }
            other => Err(self.error(ErrorKind::Unexpected(other))),
        }
    }

    fn literal(&mut self, word: &[u8], token: Token<'static>) -> Result<Token<'static>, Error> {
        for &want in word {
            match self.peek()? {
                Some(b) if b == want => self.bump(b)?,
                Some(b) => return Err(self.error(ErrorKind::Unexpected(b))),
                None => return Err(self.error(ErrorKind::UnexpectedEnd)),
            }
        }
        self.after_value();
        Ok(token)
    }

    fn push_scratch(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.scratch.len() + bytes.len() > JSON_STRING_MAX_LEN {
            return Err(self.error(ErrorKind::StringTooLong));
        }
        self.scratch.extend_from_slice(bytes);
        Ok(())
    }

    /// Reads a string body after its opening quote into the scratch buffer.
    fn read_string(&mut self) -> Result<(), Error> {
        self.scratch.clear();
        loop {
            let at = self.position();
            let b = self.next_byte()?;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.next_byte()?;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0c),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => {
                            return Err(Error {
                                kind: ErrorKind::BadEscape,
                                at,
                            });
                        }
                    };
                    match simple {
                        Some(c) => self.push_scratch(&[c])?,
                        None => {
                            let c = self.read_unicode_escape(at)?;
                            let mut utf8 = [0u8; 4];
                            self.push_scratch(c.encode_utf8(&mut utf8).as_bytes())?;
                        }
                    }
                }
                0x00..=0x1f => {
                    return Err(Error {
                        kind: ErrorKind::ControlCharacter,
                        at,
                    });
                }
                _ => self.push_scratch(&[b])?,
            }
        }
        if std::str::from_utf8(&self.scratch).is_err() {
            return Err(self.error(ErrorKind::BadUtf8));
        }
        Ok(())
    }

    fn hex4(&mut self, at: Position) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.next_byte()?).to_digit(16).ok_or(Error {
                kind: ErrorKind::BadEscape,
                at,
            })?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// After `\u`: one code point, combining a surrogate pair.
    fn read_unicode_escape(&mut self, at: Position) -> Result<char, Error> {
        let bad = Error {
            kind: ErrorKind::BadEscape,
            at,
        };
        let first = self.hex4(at)?;
        let code = match first {
            0xd800..=0xdbff => {
                if self.next_byte()? != b'\\' || self.next_byte()? != b'u' {
                    return Err(bad);
                }
                let second = self.hex4(at)?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(bad);
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(bad),
            other => other,
        };
        char::from_u32(code).ok_or(bad)
    }

    /// Reads a number into the scratch buffer and checks it against the JSON grammar.
    fn read_number(&mut self) -> Result<(), Error> {
        self.scratch.clear();
        let at = self.position();
        while let Some(b) = self.peek()? {
            if !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                break;
            }
            if self.scratch.len() >= JSON_NUMBER_MAX_LEN {
                return Err(self.error(ErrorKind::NumberTooLong));
            }
            self.bump(b)?;
            self.scratch.push(b);
        }
        if is_json_number(&self.scratch) {
            Ok(())
        } else {
            Err(Error {
                kind: ErrorKind::BadNumber,
                at,
            })
        }
    }
}

/// True for text matching `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(s.first() == Some(&b'-'));
    let int = digits(&s[i..]);
    if int == 0 || (int > 1 && s.get(i) == Some(&b'0')) {
        return false;
    }
    i += int;
    if s.get(i) == Some(&b'.') {
        let frac = digits(&s[i + 1..]);
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = digits(&s[i..]);
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

/// Writes `s` as a quoted JSON string: `"` and `\` escaped, control characters as `\n`, `\t`,
/// `\r` or `\u00XX`; everything else (UTF-8 included) as is.
pub fn write_string(out: &mut dyn io::Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.write_all(&bytes[run..i])?;
        match escaped {
            Some(e) => out.write_all(e)?,
            None => write!(out, "\\u{:04x}", b)?,
        }
        run = i + 1;
    }
    out.write_all(&bytes[run..])?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &str) -> Result<Vec<String>, Error> {
        let mut r = Reader::new(input.as_bytes(), 1 << 20);
        let mut out = Vec::new();
        while let Some(t) = r.next()? {
            out.push(match t {
                Token::BeginObject => "{".to_string(),
                Token::EndObject => "}".to_string(),
                Token::BeginArray => "[".to_string(),
                Token::EndArray => "]".to_string(),
                Token::Key(k) => format!("k:{k}"),
                Token::String(s) => format!("s:{s}"),
                Token::Number(n) => format!("n:{n}"),
                Token::Bool(b) => format!("b:{b}"),
                Token::Null => "null".to_string(),
            });
        }
        Ok(out)
    }

    fn kind(input: &str) -> ErrorKind {
        tokens(input).unwrap_err().kind
    }

    #[test]
    fn reads_a_document_token_by_token() {
        let t =
            tokens(r#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {}, "c": []} "#).unwrap();
        assert_eq!(
            t,
            [
                "{", "k:a", "[", "n:1", "n:-2.5e3", "b:true", "b:false", "null", "s:x", "]", "k:b",
                "{", "}", "k:c", "[", "]", "}"
            ]
        );
    }

    #[test]
    fn unescapes_strings_including_surrogate_pairs() {
        let t = tokens(r#"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00"]"#).unwrap();
        assert_eq!(t[1], "s:a\"b\\c/d\n\té😀");
    }

    #[test]
    fn rejects_lone_surrogates_and_bad_escapes() {
        assert_eq!(kind(r#"["\ud83d"]"#), ErrorKind::BadEscape);
        assert_eq!(kind(r#"["\ude00"]"#), ErrorKind::BadEscape);
        assert_eq!(kind(r#"["\x"]"#), ErrorKind::BadEscape);
        assert_eq!(kind(r#"["\u12g4"]"#), ErrorKind::BadEscape);
    }

    #[test]
    fn rejects_structural_mistakes_with_their_position() {
        let e = tokens("{\n  \"a\" 1\n}").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unexpected(b'1'));
        assert_eq!(e.at, Position { line: 2, column: 7 });
        assert_eq!(kind("[1,]"), ErrorKind::Unexpected(b']'));
        assert_eq!(kind("[1 2]"), ErrorKind::Unexpected(b'2'));
        assert_eq!(kind("{,}"), ErrorKind::Unexpected(b','));
        assert_eq!(kind("{\"a\":1,}"), ErrorKind::Unexpected(b'}'));
        assert_eq!(kind("[}"), ErrorKind::Unexpected(b'}'));
        assert_eq!(kind("{]"), ErrorKind::Unexpected(b']'));
        assert_eq!(kind("tru"), ErrorKind::UnexpectedEnd);
        assert_eq!(kind("nul!"), ErrorKind::Unexpected(b'!'));
        assert_eq!(kind(""), ErrorKind::UnexpectedEnd);
        assert_eq!(kind("[1"), ErrorKind::UnexpectedEnd);
        assert_eq!(kind("{} {}"), ErrorKind::TrailingData);
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        for ok in ["0", "-0", "12", "1.5", "1e9", "1E+9", "-1.25e-3"] {
            assert!(is_json_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "1.2.3", "1e+-2", "--1"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
        assert_eq!(kind("[01]"), ErrorKind::BadNumber);
    }

    #[test]
    fn raw_control_characters_and_bad_utf8_are_rejected() {
        assert_eq!(kind("[\"a\tb\"]"), ErrorKind::ControlCharacter);
        let mut r = Reader::new(&b"[\"\xff\"]"[..], 100);
        r.next().unwrap();
        assert_eq!(r.next().unwrap_err().kind, ErrorKind::BadUtf8);
    }

    #[test]
    fn nesting_limit() {
        let ok = format!(
            "{}{}",
            "[".repeat(JSON_MAX_DEPTH),
            "]".repeat(JSON_MAX_DEPTH)
        );
        assert!(tokens(&ok).is_ok());
        let deep = format!(
            "{}{}",
            "[".repeat(JSON_MAX_DEPTH + 1),
            "]".repeat(JSON_MAX_DEPTH + 1)
        );
        assert_eq!(kind(&deep), ErrorKind::TooDeep);
    }

    #[test]
    fn string_length_limit() {
        let ok = format!("[\"{}\"]", "a".repeat(JSON_STRING_MAX_LEN));
        assert!(tokens(&ok).is_ok());
        let long = format!("[\"{}\"]", "a".repeat(JSON_STRING_MAX_LEN + 1));
        assert_eq!(kind(&long), ErrorKind::StringTooLong);
    }

    #[test]
    fn number_length_limit() {
        let ok = format!("[{}]", "1".repeat(JSON_NUMBER_MAX_LEN));
        assert!(tokens(&ok).is_ok());
        let long = format!("[{}]", "1".repeat(JSON_NUMBER_MAX_LEN + 1));
        assert_eq!(kind(&long), ErrorKind::NumberTooLong);
    }

    #[test]
    fn total_size_limit() {
        let doc = format!("[\"{}\"]", "a".repeat(100));
        let mut r = Reader::new(doc.as_bytes(), 50);
        r.next().unwrap();
        assert_eq!(r.next().unwrap_err().kind, ErrorKind::TooLarge);
        let mut r = Reader::new(doc.as_bytes(), doc.len() as u64);
        while r.next().unwrap().is_some() {}
    }

    #[test]
    fn input_larger_than_the_window_streams() {
        let doc = format!("[{}\"end\"]", "\"0123456789\",".repeat(1000));
        let t = tokens(&doc).unwrap();
        assert_eq!(t.len(), 1003);
        assert_eq!(t[1001], "s:end");
    }

    #[test]
    fn written_strings_read_back_identically() {
        for s in [
            "",
            "plain",
            "q\"uote\\",
            "line\nfeed\r\ttab",
            "\u{1}\u{1f}",
            "é😀",
        ] {
            let mut out = Vec::new();
            write_string(&mut out, s).unwrap();
            let doc = String::from_utf8(out).unwrap();
            let mut r = Reader::new(doc.as_bytes(), 1000);
            assert_eq!(r.next().unwrap(), Some(Token::String(s)), "{doc}");
        }
    }
}
