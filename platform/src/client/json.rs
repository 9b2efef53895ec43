//! The client's side of the control socket's JSON: the request line it writes and a strict,
//! bounded parser for the reply line it reads.
//!
//! Responsible for writing `{"method":…,"args":{…}}` with every string escaped, and for parsing
//! any JSON text (RFC 8259: objects, arrays, strings with every escape including surrogate
//! pairs, numbers, literals) into a [`JsonValue`] with nesting bounded by [`MAX_DEPTH`]. Not
//! responsible for the framing (one line each way, `cwmp_core::control::json`) nor for what the
//! reply means (the parent module).

use std::fmt;

use cwmp_core::control::Method;

use super::pretty::{JsonValue, write_string};
use super::{ArgValue, Args};

/// Deepest nesting of arrays and objects accepted in a reply (the `status` reply nests 2 deep).
pub(crate) const MAX_DEPTH: usize = 32;

/// The request line for `method` with `args`, newline included.
pub(crate) fn request_line(method: Method, args: &Args) -> String {
    let mut line = String::from("{\"method\":");
    write_string(&mut line, method.name());
    if !args.is_empty() {
        line.push_str(",\"args\":{");
        for (i, (name, value)) in args.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            write_string(&mut line, name);
            line.push(':');
            match value {
                ArgValue::String(s) => write_string(&mut line, s),
                ArgValue::Bool(true) => line.push_str("true"),
                ArgValue::Bool(false) => line.push_str("false"),
            }
        }
        line.push('}');
    }
    line.push_str("}\n");
    line
}

/// Why a reply is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not UTF-8.
    NotUtf8,
    /// Malformed at this byte offset.
    Syntax(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::NotUtf8 => f.write_str("reply is not UTF-8"),
            JsonError::Syntax(at) => write!(f, "reply is not JSON (at byte {at})"),
            JsonError::TooDeep => write!(f, "reply nests deeper than {MAX_DEPTH} levels"),
        }
    }
}

/// Parses one JSON text (surrounding white space allowed).
pub(crate) fn parse(text: &[u8]) -> Result<JsonValue, JsonError> {
    let text = std::str::from_utf8(text).map_err(|_| JsonError::NotUtf8)?;
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.error());
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self) -> JsonError {
        JsonError::Syntax(self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// The input not consumed yet.
    fn rest(&self) -> &[u8] {
        self.s.get(self.pos..).unwrap_or(&[])
    }

    fn literal(&mut self, word: &str, value: JsonValue) -> Result<JsonValue, JsonError> {
        if self.rest().starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(JsonValue::String),
            Some(b't') => self.literal("true", JsonValue::Bool(true)),
            Some(b'f') => self.literal("false", JsonValue::Bool(false)),
            Some(b'n') => self.literal("null", JsonValue::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error()),
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.expect(b'{')?;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonValue::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error());
            }
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.bump() {
                Some(b',') => {}
                Some(b'}') => return Ok(JsonValue::Object(members)),
                _ => return Err(JsonError::Syntax(self.pos.saturating_sub(1))),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonValue::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.bump() {
                Some(b',') => {}
                Some(b']') => return Ok(JsonValue::Array(items)),
                _ => return Err(JsonError::Syntax(self.pos.saturating_sub(1))),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsonValue, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error());
            }
        }
        // Only ASCII was consumed, so both ends are character boundaries.
        let text = self
            .text
            .get(start..self.pos)
            .ok_or(JsonError::Syntax(start))?;
        Ok(JsonValue::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or(JsonError::Syntax(self.pos.saturating_sub(1)))?;
            v = v * 16 + digit;
        }
        Ok(v)
    }

    /// A `\u` escape (after the `\u`), joining a surrogate pair; a lone surrogate becomes
    /// U+FFFD as in most decoders.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.rest().starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // Not a low surrogate: it is an escape of its own.
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters at once.
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // The run stops only at ASCII bytes, so both ends are character boundaries.
            out.push_str(
                self.text
                    .get(start..self.pos)
                    .ok_or(JsonError::Syntax(start))?,
            );
            match self.bump() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => {
                    let c = match self.bump() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(JsonError::Syntax(self.pos.saturating_sub(1))),
                    };
                    out.push(c);
                }
                // A raw control character, or the end of the input.
                _ => return Err(JsonError::Syntax(self.pos.saturating_sub(1))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, JsonValue)]) -> JsonValue {
        JsonValue::Object(
            members
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn num(n: &str) -> JsonValue {
        JsonValue::Number(n.to_owned())
    }

    fn string(s: &str) -> JsonValue {
        JsonValue::String(s.to_owned())
    }

    #[test]
    fn compact_reply_parses_in_order() {
        assert_eq!(
            parse(br#"{"result":{"status":0,"info":"cwmpd config reloaded"}}"#),
            Ok(obj(&[(
                "result",
                obj(&[
                    ("status", num("0")),
                    ("info", string("cwmpd config reloaded"))
                ])
            )]))
        );
    }

    #[test]
    fn every_escape_is_decoded() {
        assert_eq!(
            parse(br#""a\"b\\c\/d\be\ff\ng\rh\ti\u0041\u00e9\ud83d\ude00""#),
            Ok(string("a\"b\\c/d\u{8}e\u{c}f\ng\rh\tiAé😀"))
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse(br#""\ud800x""#), Ok(string("\u{fffd}x")));
        assert_eq!(parse(br#""\ud800\u0041""#), Ok(string("\u{fffd}A")));
        assert_eq!(parse(br#""\udc00""#), Ok(string("\u{fffd}")));
    }

    #[test]
    fn numbers_literals_and_arrays() {
        assert_eq!(
            parse(b" [ -1 , 0.5e+3, 2E-2, true, false, null, [], {} ] \r\n"),
            Ok(JsonValue::Array(vec![
                num("-1"),
                num("0.5e+3"),
                num("2E-2"),
                JsonValue::Bool(true),
                JsonValue::Bool(false),
                JsonValue::Null,
                JsonValue::Array(vec![]),
                obj(&[]),
            ]))
        );
    }

    #[test]
    fn malformed_text_is_a_syntax_error() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"a\"}",
            b"{\"a\":1,}",
            b"[1,]",
            b"[1 2]",
            b"01",
            b"1.",
            b"-",
            b"1e",
            b"tru",
            b"\"abc",
            b"\"a\x01b\"",
            b"\"\\x\"",
            b"\"\\u12g4\"",
            b"{1:2}",
            b"{} {}",
            b"nul",
        ] {
            assert!(
                matches!(parse(bad), Err(JsonError::Syntax(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn non_utf8_is_refused() {
        assert_eq!(parse(b"\"\xff\""), Err(JsonError::NotUtf8));
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(deep.as_bytes()), Err(JsonError::TooDeep));
        let deep_obj = "{\"a\":".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep_obj.as_bytes()), Err(JsonError::TooDeep));
        // Far deeper input fails the same way without exhausting the stack.
        let huge = "[".repeat(1_000_000);
        assert_eq!(parse(huge.as_bytes()), Err(JsonError::TooDeep));
    }

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn mutated_replies_never_panic_and_what_parses_prints_back_the_same() {
        let seeds: [&[u8]; 4] = [
            br#"{"result":{"status":0,"info":"cwmpd config reloaded"}}"#,
            br#"{"error":{"code":2,"message":"Invalid argument"}}"#,
            br#"{"a":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude00\n"],"b":{}}"#,
            br#"[[[{"x":"\"\\/"}]],[]]"#,
        ];
        let alphabet = b"{}[]\",:\\/u0123456789abcdefABCDEF+-.eEtrunlsf \n\x01\xc3\xa9";
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut bytes = seeds[rng.below(seeds.len())].to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                let c = alphabet[rng.below(alphabet.len())];
                match rng.below(3) {
                    0 if at < bytes.len() => bytes[at] = c,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, c),
                }
            }
            if let Ok(value) = parse(&bytes) {
                parsed += 1;
                let printed = value.pretty();
                assert_eq!(
                    parse(printed.as_bytes()),
                    Ok(value),
                    "{}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
        // The mutations keep a fair share valid, so the round trip is exercised.
        assert!(parsed > 1000, "{parsed}");
    }

    #[test]
    fn request_lines_escape_their_strings() {
        assert_eq!(
            request_line(Method::Status, &Args::new()),
            "{\"method\":\"status\"}\n"
        );
        let args = Args::new()
            .boolean("GetRPCMethods", true)
            .string("event", "6 \"CONNECTION\" REQUEST\n");
        assert_eq!(
            request_line(Method::Inform, &args),
            "{\"method\":\"inform\",\"args\":{\"GetRPCMethods\":true,\"event\":\"6 \\\"CONNECTION\\\" REQUEST\\n\"}}\n"
        );
    }

    #[test]
    fn request_lines_are_what_the_daemon_decodes() {
        use cwmp_core::control::{Command, InformEvent, InformRequest, Request};
        for request in [
            Request::Status,
            Request::Command(Command::ActionEndSession),
            Request::Inform(InformRequest {
                get_rpc_methods: true,
                event: Some(InformEvent::DiagnosticsComplete),
            }),
            Request::Inform(InformRequest::default()),
        ] {
            let line = request_line(request.method(), &Args::from(&request));
            assert_eq!(
                cwmp_core::control::json::decode_request(line.as_bytes()),
                Ok(request)
            );
        }
    }
}
