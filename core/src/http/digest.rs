//! HTTP Digest authentication (RFC 7616) pieces shared by the ACS client and the Connection
//! Request server.
//!
//! Responsible for the syntax of `WWW-Authenticate` challenge lists and `Authorization`
//! parameter lists (RFC 9110 §11: tokens, quoted-strings with escapes, token68), the algorithms
//! `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`, the `response` computation (qop `auth` and the
//! RFC 2069 form without qop) and a constant-time comparison. Not responsible for choosing a
//! challenge, counting nonces or issuing nonces: those live in `auth` (client) and `cr`
//! (server). `auth-int` and `userhash` are not implemented (no ACS or CPE uses them).

use core::fmt;

use md5::Digest as _;

use crate::limits::DIGEST_MAX_PARAMS;
use crate::sink::{Full, Sink};

/// A Digest hash algorithm (RFC 7616 §3.3 / IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5` (the default when `algorithm` is absent).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl Algorithm {
    /// Parses an `algorithm` value (case-insensitive); `None` for algorithms not supported.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// The registered name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    /// True for the `-sess` variants, whose HA1 also covers nonce and cnonce.
    pub const fn is_session(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Client preference when a server offers several: SHA-256 before MD5, plain before -sess.
    pub const fn preference(self) -> u8 {
        match self {
            Algorithm::Sha256 => 4,
            Algorithm::Sha256Sess => 3,
            Algorithm::Md5 => 2,
            Algorithm::Md5Sess => 1,
        }
    }
}

/// A digest in lower-case hex (32 characters for MD5, 64 for SHA-256).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexDigest {
    buf: [u8; 64],
    len: u8,
}

impl HexDigest {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into `buf`.
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    /// The hex text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }

    fn from_raw(raw: &[u8]) -> Self {
        let mut out = HexDigest {
            buf: [0; 64],
            len: 0,
        };
        let n = raw.len().min(32);
        hex_encode(&raw[..n], &mut out.buf[..2 * n]);
        // n <= 32, so 2n fits in u8.
        out.len = (2 * n) as u8;
        out
    }
}

impl fmt::Debug for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Writes the lower-case hex form of `raw` into `out` (which must be twice as long).
pub fn hex_encode(raw: &[u8], out: &mut [u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Nibbles index the 16-entry table; chunks_exact_mut yields 2-byte pairs.
    for (byte, pair) in raw.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
}

/// An incremental hash of either supported family.
#[derive(Clone)]
pub(crate) enum Hasher {
    Md5(md5::Md5),
    Sha256(sha2::Sha256),
}

impl Hasher {
    pub(crate) fn new(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Md5 | Algorithm::Md5Sess => Hasher::Md5(md5::Md5::new()),
            Algorithm::Sha256 | Algorithm::Sha256Sess => Hasher::Sha256(sha2::Sha256::new()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// Hashes the unescaped bytes of a parameter value.
    fn update_value(&mut self, v: &Value<'_>) {
        for seg in v.segments() {
            self.update(seg.as_bytes());
        }
    }

    pub(crate) fn finish(self) -> HexDigest {
        match self {
            Hasher::Md5(h) => HexDigest::from_raw(h.finalize().as_slice()),
            Hasher::Sha256(h) => HexDigest::from_raw(h.finalize().as_slice()),
        }
    }
}

/// The inputs of a Digest `response` (RFC 7616 §3.4.1). Values are unescaped text.
#[derive(Debug, Clone, Copy)]
pub struct ResponseInput<'a> {
    /// Hash algorithm.
    pub algorithm: Algorithm,
    /// User name.
    pub username: Value<'a>,
    /// Realm from the challenge.
    pub realm: Value<'a>,
    /// Password.
    pub password: &'a str,
    /// Request method (`POST`, `GET`).
    pub method: &'a str,
    /// The `uri` parameter: the request target.
    pub uri: Value<'a>,
    /// Server nonce.
    pub nonce: Value<'a>,
    /// `Some((nc, cnonce))` for qop `auth`; `None` for the RFC 2069 form.
    pub qop_auth: Option<(&'a str, Value<'a>)>,
}

/// Computes the `response` parameter.
pub fn compute_response(input: &ResponseInput<'_>) -> HexDigest {
    let alg = input.algorithm;
    let mut h = Hasher::new(alg);
    h.update_value(&input.username);
    h.update(b":");
    h.update_value(&input.realm);
    h.update(b":");
    h.update(input.password.as_bytes());
    let mut ha1 = h.finish();
    if alg.is_session() {
        let mut h = Hasher::new(alg);
        h.update(ha1.as_bytes());
        h.update(b":");
        h.update_value(&input.nonce);
        h.update(b":");
        if let Some((_, cnonce)) = &input.qop_auth {
            h.update_value(cnonce);
        }
        ha1 = h.finish();
    }
    let mut h = Hasher::new(alg);
    h.update(input.method.as_bytes());
    h.update(b":");
    h.update_value(&input.uri);
    let ha2 = h.finish();

    let mut h = Hasher::new(alg);
    h.update(ha1.as_bytes());
    h.update(b":");
    h.update_value(&input.nonce);
    h.update(b":");
    if let Some((nc, cnonce)) = &input.qop_auth {
        h.update(nc.as_bytes());
        h.update(b":");
        h.update_value(cnonce);
        h.update(b":auth:");
    }
    h.update(ha2.as_bytes());
    h.finish()
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    // Keep the optimiser from turning the loop into an early-exit comparison.
    core::hint::black_box(diff) == 0
}

/// Why a challenge or parameter list cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamError {
    /// Not the RFC 9110 syntax (unterminated quote, missing `=`, stray characters).
    Syntax,
    /// More than [`DIGEST_MAX_PARAMS`] parameters.
    TooManyParams,
    /// The same parameter twice (RFC 7616 §3.4: each may occur once).
    Duplicate,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamError::Syntax => "malformed authentication parameters",
            ParamError::TooManyParams => "too many authentication parameters",
            ParamError::Duplicate => "duplicate authentication parameter",
        })
    }
}

/// A parameter value: a token, or the inside of a quoted-string with escapes unresolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Value<'a> {
    /// A value holding exactly `text` (no escapes).
    pub const fn plain(text: &'a str) -> Self {
        Value {
            raw: text,
            escaped: false,
        }
    }

    /// The text as it appeared between the quotes (escapes not resolved).
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The unescaped text in pieces (a piece ends where a backslash was removed).
    pub fn segments(&self) -> Segments<'a> {
        Segments {
            rest: self.raw,
            escaped: self.escaped,
            first: true,
        }
    }

    /// The unescaped bytes.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        self.segments().flat_map(str::bytes)
    }

    /// Length of the unescaped text.
    pub fn len(&self) -> usize {
        self.segments().map(str::len).sum()
    }

    /// True when the unescaped text is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True when the unescaped text equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        if !self.escaped {
            return self.raw == s;
        }
        self.bytes().eq(s.bytes())
    }

    /// True when the unescaped text equals `s` ignoring ASCII case.
    pub fn eq_ignore_case(&self, s: &str) -> bool {
        self.bytes()
            .map(|b| b.to_ascii_lowercase())
            .eq(s.bytes().map(|b| b.to_ascii_lowercase()))
    }

    /// Appends the unescaped text to `sink`.
    pub fn write_unescaped<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), Full> {
        for seg in self.segments() {
            sink.write_str(seg)?;
        }
        Ok(())
    }
}

/// Pieces of an unescaped value; see [`Value::segments`].
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    rest: &'a str,
    escaped: bool,
    first: bool,
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.escaped {
            return Some(core::mem::take(&mut self.rest));
        }
        // A segment after the first starts with an escaped character, which is never itself an
        // escape even when it is a backslash.
        let skip = if self.first {
            0
        } else {
            self.rest.chars().next().map_or(0, char::len_utf8)
        };
        self.first = false;
        // `skip` is the length of the first char, so the slice is on a boundary.
        let end = self.rest[skip..]
            .find('\\')
            .map_or(self.rest.len(), |i| skip + i);
        let seg = &self.rest[..end];
        // Skip the backslash itself; the escaped character opens the next segment.
        self.rest = self.rest.get(end + 1..).unwrap_or("");
        if seg.is_empty() {
            self.next()
        } else {
            Some(seg)
        }
    }
}

/// One `name=value` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The parameter name (compare case-insensitively).
    pub name: &'a str,
    /// The value.
    pub value: Value<'a>,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn skip_ows(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

fn token(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(|&b| is_tchar(b)).count();
    s.split_at(n)
}

/// Reads a quoted-string at the start of `s` (which begins with `"`); returns the value and the
/// rest after the closing quote.
fn quoted(s: &str) -> Result<(Value<'_>, &str), ParamError> {
    let bytes = s.as_bytes();
    // `i` only ever stops on ASCII bytes (quote, backslash) or steps over whole chars after a
    // backslash, so every slice below is on a char boundary and within `s`.
    let mut i = 1;
    let mut escaped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                return Ok((
                    Value {
                        raw: &s[1..i],
                        escaped,
                    },
                    &s[i + 1..],
                ));
            }
            b'\\' => {
                escaped = true;
                // The escaped character may be multi-byte; stepping over the backslash and then
                // over the following byte leaves `i` on a char boundary only for ASCII, so skip
                // the whole next char.
                let next = s[i + 1..].chars().next().ok_or(ParamError::Syntax)?;
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ): no controls.
                if next.is_ascii_control() && next != '\t' {
                    return Err(ParamError::Syntax);
                }
                i += 1 + next.len_utf8();
            }
            b if b < 0x20 && b != b'\t' || b == 0x7f => return Err(ParamError::Syntax),
            _ => i += 1,
        }
    }
    Err(ParamError::Syntax)
}

/// Reads one `name=value` (or token68) at the start of `s`. Returns `None` when `s` starts
/// with a token that is not followed by `=` (the next challenge's scheme).
#[allow(clippy::type_complexity)]
fn param(s: &str) -> Result<Option<(Param<'_>, &str)>, ParamError> {
    let (name, after) = token(s);
    if name.is_empty() {
        return Err(ParamError::Syntax);
    }
    let after_ows = skip_ows(after);
    let Some(v) = after_ows.strip_prefix('=') else {
        return Ok(None);
    };
    let v = skip_ows(v);
    if v.is_empty() || v.starts_with(',') || v.starts_with('=') {
        // token68 (`abc==`) ends in `=` signs: keep them with the name, value empty.
        let rest = v.trim_start_matches('=');
        return Ok(Some((
            Param {
                name,
                value: Value::plain(""),
            },
            rest,
        )));
    }
    let (value, rest) = if v.starts_with('"') {
        quoted(v)?
    } else {
        let (t, rest) = token(v);
        if t.is_empty() {
            return Err(ParamError::Syntax);
        }
        (Value::plain(t), rest)
    };
    Ok(Some((Param { name, value }, rest)))
}

/// Reads a token68 (RFC 9110 §11.2) standing alone before the end or a comma; `None` when
/// `s` starts with an auth-param instead.
fn token68(s: &str) -> Option<(&str, &str)> {
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b))
        .count();
    if n == 0 {
        return None;
    }
    let rest = s[n..].trim_start_matches('=');
    let after = skip_ows(rest);
    if after.is_empty() || after.starts_with(',') {
        Some((&s[..s.len() - rest.len()], after))
    } else {
        None
    }
}

/// Iterator over a comma-separated `auth-param` list.
#[derive(Debug, Clone)]
pub struct Params<'a> {
    rest: &'a str,
    count: usize,
}

impl<'a> Params<'a> {
    /// Iterates over the parameters in `list` (the text after the scheme).
    pub fn new(list: &'a str) -> Self {
        Params {
            rest: list,
            count: 0,
        }
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<Param<'a>, ParamError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rest = self.rest.trim_start_matches([' ', '\t', ',']);
        if self.rest.is_empty() {
            return None;
        }
        self.count += 1;
        if self.count > DIGEST_MAX_PARAMS {
            self.rest = "";
            return Some(Err(ParamError::TooManyParams));
        }
        match param(self.rest) {
            Ok(Some((p, rest))) => {
                let rest = skip_ows(rest);
                if !(rest.is_empty() || rest.starts_with(',')) {
                    self.rest = "";
                    return Some(Err(ParamError::Syntax));
                }
                self.rest = rest;
                Some(Ok(p))
            }
            Ok(None) | Err(_) => {
                self.rest = "";
                Some(Err(ParamError::Syntax))
            }
        }
    }
}

/// One challenge from a `WWW-Authenticate` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// The auth scheme (`Digest`, `Basic`, ...; compare case-insensitively).
    pub scheme: &'a str,
    /// The parameter list, already checked to parse.
    pub params: &'a str,
}

impl<'a> Challenge<'a> {
    /// The challenge's parameters.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }

    /// True when the scheme is `name` (case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }
}

/// Iterator over the challenges of one `WWW-Authenticate` value (RFC 9110 §11.6.1: several
/// challenges may share one field, separated by commas).
#[derive(Debug, Clone)]
pub struct Challenges<'a> {
    rest: &'a str,
}

impl<'a> Challenges<'a> {
    /// Iterates over the challenges in one field value.
    pub fn new(value: &'a str) -> Self {
        Challenges { rest: value }
    }
}

impl<'a> Iterator for Challenges<'a> {
    type Item = Result<Challenge<'a>, ParamError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rest = self.rest.trim_start_matches([' ', '\t', ',']);
        if self.rest.is_empty() {
            return None;
        }
        let (scheme, after) = token(self.rest);
        if scheme.is_empty() || !(after.is_empty() || after.starts_with([' ', '\t', ','])) {
            self.rest = "";
            return Some(Err(ParamError::Syntax));
        }
        let params_start = skip_ows(after);
        if let Some((t68, rest)) = token68(params_start) {
            self.rest = rest;
            return Some(Ok(Challenge {
                scheme,
                params: t68,
            }));
        }
        let mut rest = params_start;
        let mut count = 0;
        loop {
            let r = rest.trim_start_matches([' ', '\t', ',']);
            if r.is_empty() {
                rest = r;
                break;
            }
            match param(r) {
                Ok(Some((_, after_param))) => {
                    count += 1;
                    if count > DIGEST_MAX_PARAMS {
                        self.rest = "";
                        return Some(Err(ParamError::TooManyParams));
                    }
                    let after_param = skip_ows(after_param);
                    if !(after_param.is_empty() || after_param.starts_with(',')) {
                        self.rest = "";
                        return Some(Err(ParamError::Syntax));
                    }
                    rest = after_param;
                }
                // A bare token: the next challenge starts here.
                Ok(None) => {
                    rest = r;
                    break;
                }
                Err(e) => {
                    self.rest = "";
                    return Some(Err(e));
                }
            }
        }
        let params_len = params_start.len() - rest.len();
        self.rest = rest;
        Some(Ok(Challenge {
            scheme,
            params: &params_start[..params_len],
        }))
    }
}

/// Writes `s` as a quoted-string, escaping `"` and `\`. Control characters (other than tab)
/// cannot appear in a quoted-string at all and are left out, so no value can break the header
/// line (a CR/LF in a configured user name must never inject a header).
pub fn write_quoted<S: Sink + ?Sized>(s: &str, sink: &mut S) -> Result<(), Full> {
    sink.write_str("\"")?;
    let special = |c: char| c == '"' || c == '\\' || (c.is_ascii_control() && c != '\t');
    let mut rest = s;
    while let Some(i) = rest.find(special) {
        // `i` is the position of an ASCII character, so `i + 1` is a char boundary.
        sink.write_str(&rest[..i])?;
        let c = &rest[i..=i];
        if c == "\"" || c == "\\" {
            sink.write_str("\\")?;
            sink.write_str(c)?;
        }
        rest = &rest[i + 1..];
    }
    sink.write_str(rest)?;
    sink.write_str("\"")
}

/// The fields of a Digest `Authorization` value (RFC 7616 §3.4), as the server reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// `username`.
    pub username: Option<Value<'a>>,
    /// `realm`.
    pub realm: Option<Value<'a>>,
    /// `nonce`.
    pub nonce: Option<Value<'a>>,
    /// `uri`.
    pub uri: Option<Value<'a>>,
    /// `response`.
    pub response: Option<Value<'a>>,
    /// `algorithm` (absent means MD5).
    pub algorithm: Option<Value<'a>>,
    /// `cnonce`.
    pub cnonce: Option<Value<'a>>,
    /// `opaque`.
    pub opaque: Option<Value<'a>>,
    /// `qop`.
    pub qop: Option<Value<'a>>,
    /// `nc`.
    pub nc: Option<Value<'a>>,
    /// `userhash`.
    pub userhash: Option<Value<'a>>,
}

impl<'a> Authorization<'a> {
    /// Parses an `Authorization` field value; `Ok(None)` when the scheme is not Digest.
    pub fn parse(value: &'a str) -> Result<Option<Self>, ParamError> {
        let value = value.trim();
        let (scheme, rest) = token(value);
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Ok(None);
        }
        if !rest.starts_with([' ', '\t']) {
            return Err(ParamError::Syntax);
        }
        let mut out = Authorization::default();
        for p in Params::new(rest) {
            let p = p?;
            let slot = match key(p.name) {
                Key::Username => &mut out.username,
                Key::Realm => &mut out.realm,
                Key::Nonce => &mut out.nonce,
                Key::Uri => &mut out.uri,
                Key::Response => &mut out.response,
                Key::Algorithm => &mut out.algorithm,
                Key::Cnonce => &mut out.cnonce,
                Key::Opaque => &mut out.opaque,
                Key::Qop => &mut out.qop,
                Key::Nc => &mut out.nc,
                Key::Userhash => &mut out.userhash,
                Key::Stale | Key::Domain | Key::Charset | Key::Other => continue,
            };
            if slot.is_some() {
                return Err(ParamError::Duplicate);
            }
            *slot = Some(p.value);
        }
        Ok(Some(out))
    }
}

/// Parameter names that RFC 7616 defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Username,
    Realm,
    Nonce,
    Uri,
    Response,
    Algorithm,
    Cnonce,
    Opaque,
    Qop,
    Nc,
    Userhash,
    Stale,
    Domain,
    Charset,
    Other,
}

/// Which RFC 7616 parameter `name` is (case-insensitive).
pub(crate) fn key(name: &str) -> Key {
    const KEYS: [(&str, Key); 14] = [
        ("username", Key::Username),
        ("realm", Key::Realm),
        ("nonce", Key::Nonce),
        ("uri", Key::Uri),
        ("response", Key::Response),
        ("algorithm", Key::Algorithm),
        ("cnonce", Key::Cnonce),
        ("opaque", Key::Opaque),
        ("qop", Key::Qop),
        ("nc", Key::Nc),
        ("userhash", Key::Userhash),
        ("stale", Key::Stale),
        ("domain", Key::Domain),
        ("charset", Key::Charset),
    ];
    KEYS.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or(Key::Other, |(_, k)| *k)
}

#[cfg(test)]
mod tests;
