//! The cookie jar of one CWMP session (RFC 6265 subset, digest §1.3).
//!
//! Responsible for keeping every `Set-Cookie` the ACS sends (name, value, `Domain` with the
//! host-only rule, `Path` with its default, `Secure`, `Max-Age`/`Expires` with the RFC 6265
//! date algorithm) in fixed storage, and for writing the `Cookie` header of later requests.
//! Not responsible for persistence (a jar lives for one session: start each with an empty one),
//! public-suffix checks (the ACS is one trusted origin), `HttpOnly`/`SameSite` (browser rules).
//!
//! When full: expired cookies are dropped first; if the new cookie still does not fit it is
//! refused with [`CookieError::JarFull`] (logged) and the cookies already held stay intact,
//! because the session cookie an ACS sets first is the one the session depends on.

use core::fmt;

use crate::limits::{COOKIE_JAR_BYTES, COOKIE_JAR_MAX_COOKIES};
use crate::sink::{Full, Sink};
use crate::time::{DateTime, UnixTime, Zone};

/// What [`CookieJar::store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new cookie was added.
    Added,
    /// A cookie with the same name, domain and path was replaced.
    Replaced,
    /// The cookie arrived already expired and deleted the one it matched.
    Deleted,
    /// The cookie arrived already expired and matched nothing.
    Ignored,
}

/// Why a `Set-Cookie` was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieError {
    /// No `name=value` pair, or an empty name (RFC 6265 §5.2 says to ignore it).
    Malformed,
    /// `Domain` does not cover the host that sent it (RFC 6265 §5.3 step 6).
    DomainMismatch,
    /// The cookie alone is larger than the whole jar.
    TooLarge,
    /// No room left after dropping expired cookies.
    JarFull,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieError::Malformed => "malformed Set-Cookie",
            CookieError::DomainMismatch => "Set-Cookie domain does not match the host",
            CookieError::TooLarge => "cookie larger than the jar",
            CookieError::JarFull => "cookie jar full",
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Offset of `name value domain path` (stored back to back) in the byte store.
    off: u16,
    name: u16,
    value: u16,
    domain: u16,
    path: u16,
    expires: Option<UnixTime>,
    secure: bool,
    host_only: bool,
}

impl Entry {
    fn size(&self) -> usize {
        usize::from(self.name)
            + usize::from(self.value)
            + usize::from(self.domain)
            + usize::from(self.path)
    }

    fn expired(&self, now: UnixTime) -> bool {
        self.expires.is_some_and(|t| t <= now)
    }
}

/// A view of one stored cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie<'a> {
    /// Cookie name.
    pub name: &'a str,
    /// Cookie value.
    pub value: &'a str,
    /// Domain (the request host when host-only).
    pub domain: &'a str,
    /// Path.
    pub path: &'a str,
    /// Expiry, `None` for a session cookie.
    pub expires: Option<UnixTime>,
    /// Sent only over TLS.
    pub secure: bool,
    /// Sent only to exactly `domain`.
    pub host_only: bool,
}

/// Fixed-capacity cookie storage for one session.
#[derive(Debug, Clone)]
pub struct CookieJar {
    bytes: heapless::Vec<u8, COOKIE_JAR_BYTES>,
    entries: heapless::Vec<Entry, COOKIE_JAR_MAX_COOKIES>,
}

impl Default for CookieJar {
    fn default() -> Self {
        Self::new()
    }
}

struct Parsed<'a> {
    name: &'a str,
    value: &'a str,
    domain: Option<&'a str>,
    path: Option<&'a str>,
    expires: Option<UnixTime>,
    max_age: Option<i64>,
    secure: bool,
}

impl CookieJar {
    /// An empty jar.
    pub const fn new() -> Self {
        CookieJar {
            bytes: heapless::Vec::new(),
            entries: heapless::Vec::new(),
        }
    }

    /// Forgets every cookie (start of a session).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
    }

    /// Number of cookies held (expired ones included until they are dropped).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no cookie is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of storage in use.
    pub fn bytes_used(&self) -> usize {
        self.bytes.len()
    }

    /// The cookies held, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = Cookie<'_>> + '_ {
        self.entries.iter().map(|e| self.view(e))
    }

    /// Stores one `Set-Cookie` value received from `request_host` for a request to
    /// `request_path` (path without query) at wall-clock time `now`.
    pub fn store(
        &mut self,
        set_cookie: &str,
        request_host: &str,
        request_path: &str,
        now: UnixTime,
    ) -> Result<Stored, CookieError> {
        let p = parse_set_cookie(set_cookie)?;
        let (domain, host_only) = match p.domain {
            Some(d) => {
                if !domain_match(request_host, d) {
                    return Err(CookieError::DomainMismatch);
                }
                (d, false)
            }
            None => (request_host, true),
        };
        let path = match p.path {
            Some(path) => path,
            None => default_path(request_path),
        };
        let expires = match (p.max_age, p.expires) {
            (Some(delta), _) if delta <= 0 => Some(UnixTime(i64::MIN)),
            (Some(delta), _) => Some(UnixTime(now.0.saturating_add(delta))),
            (None, e) => e,
        };
        let size = p.name.len() + p.value.len() + domain.len() + path.len();
        if size > COOKIE_JAR_BYTES {
            return Err(CookieError::TooLarge);
        }
        let existing = self.entries.iter().position(|e| {
            self.text(e, Part::Name) == p.name
                && self.text(e, Part::Domain).eq_ignore_ascii_case(domain)
                && self.text(e, Part::Path) == path
        });
        if expires.is_some_and(|t| t <= now) {
            return Ok(match existing {
                Some(i) => {
                    self.remove(i);
                    Stored::Deleted
                }
                None => Stored::Ignored,
            });
        }
        self.drop_expired(now);
        let existing = self.entries.iter().position(|e| {
            self.text(e, Part::Name) == p.name
                && self.text(e, Part::Domain).eq_ignore_ascii_case(domain)
                && self.text(e, Part::Path) == path
        });
        let freed = existing.map_or(0, |i| self.entries[i].size());
        let count_ok = existing.is_some() || self.entries.len() < COOKIE_JAR_MAX_COOKIES;
        if !count_ok || self.bytes.len() - freed + size > COOKIE_JAR_BYTES {
            warn!("cookie jar full: Set-Cookie refused, existing cookies kept");
            return Err(CookieError::JarFull);
        }
        let at = match existing {
            Some(i) => {
                self.remove(i);
                i
            }
            None => self.entries.len(),
        };
        // The size checks above guarantee both pushes fit, and offsets/lengths fit in u16
        // because COOKIE_JAR_BYTES does.
        let off = self.bytes.len() as u16;
        for part in [p.name, p.value, domain, path] {
            self.bytes
                .extend_from_slice(part.as_bytes())
                .map_err(|_| CookieError::JarFull)?;
        }
        let entry = Entry {
            off,
            name: p.name.len() as u16,
            value: p.value.len() as u16,
            domain: domain.len() as u16,
            path: path.len() as u16,
            expires,
            secure: p.secure,
            host_only,
        };
        self.entries
            .insert(at, entry)
            .map_err(|_| CookieError::JarFull)?;
        Ok(if existing.is_some() {
            Stored::Replaced
        } else {
            Stored::Added
        })
    }

    /// Writes `Cookie: n1=v1; n2=v2\r\n` with every cookie for a request to `host` and `path`
    /// (`secure` when the connection uses TLS), or nothing when none applies. Returns how many
    /// cookies were written. Longer paths come first (RFC 6265 §5.4).
    pub fn write_cookie_header<S: Sink + ?Sized>(
        &self,
        host: &str,
        path: &str,
        secure: bool,
        now: UnixTime,
        sink: &mut S,
    ) -> Result<usize, Full> {
        let mut picked: heapless::Vec<usize, COOKIE_JAR_MAX_COOKIES> = heapless::Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let domain = self.text(e, Part::Domain);
            let applies = !e.expired(now)
                && (!e.secure || secure)
                && if e.host_only {
                    host.eq_ignore_ascii_case(domain)
                } else {
                    domain_match(host, domain)
                }
                && path_match(path, self.text(e, Part::Path));
            if applies {
                // At most COOKIE_JAR_MAX_COOKIES entries exist, so this always fits.
                let _ = picked.push(i);
            }
        }
        // Indices in `picked` come from enumerating `entries`.
        // Insertion sort by path length, longest first; stable, so creation order otherwise.
        for i in 1..picked.len() {
            let mut j = i;
            while j > 0 && self.entries[picked[j - 1]].path < self.entries[picked[j]].path {
                picked.swap(j - 1, j);
                j -= 1;
            }
        }
        for (n, &i) in picked.iter().enumerate() {
            let e = &self.entries[i];
            sink.write_str(if n == 0 { "Cookie: " } else { "; " })?;
            sink.write_str(self.text(e, Part::Name))?;
            sink.write_str("=")?;
            sink.write_str(self.text(e, Part::Value))?;
        }
        if !picked.is_empty() {
            sink.write_str("\r\n")?;
        }
        Ok(picked.len())
    }

    fn drop_expired(&mut self, now: UnixTime) {
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].expired(now) {
                self.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Removes entry `i` (< len, callers take it from `position` or a bounded loop).
    fn remove(&mut self, i: usize) {
        let e = self.entries.remove(i);
        let start = usize::from(e.off);
        let size = e.size();
        let len = self.bytes.len();
        self.bytes.copy_within(start + size..len, start);
        self.bytes.truncate(len - size);
        for other in &mut self.entries {
            if other.off > e.off {
                // Offsets after the removed bytes shift down by its size (< u16::MAX).
                other.off -= size as u16;
            }
        }
    }

    fn text(&self, e: &Entry, part: Part) -> &str {
        let mut start = usize::from(e.off);
        let lens = [e.name, e.value, e.domain, e.path];
        let idx = part as usize;
        for len in &lens[..idx] {
            start += usize::from(*len);
        }
        let end = start + usize::from(lens[idx]);
        // Every part was copied from a &str and splits happen at part boundaries.
        self.bytes
            .get(start..end)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn view(&self, e: &Entry) -> Cookie<'_> {
        Cookie {
            name: self.text(e, Part::Name),
            value: self.text(e, Part::Value),
            domain: self.text(e, Part::Domain),
            path: self.text(e, Part::Path),
            expires: e.expires,
            secure: e.secure,
            host_only: e.host_only,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Name = 0,
    Value = 1,
    Domain = 2,
    Path = 3,
}

fn parse_set_cookie(s: &str) -> Result<Parsed<'_>, CookieError> {
    let mut parts = s.split(';');
    let pair = parts.next().unwrap_or("");
    let (name, value) = pair.split_once('=').ok_or(CookieError::Malformed)?;
    let name = name.trim_matches([' ', '\t']);
    let value = value.trim_matches([' ', '\t']);
    if name.is_empty() || name.bytes().any(|b| b.is_ascii_control()) {
        return Err(CookieError::Malformed);
    }
    if value.bytes().any(|b| b.is_ascii_control()) {
        return Err(CookieError::Malformed);
    }
    let mut p = Parsed {
        name,
        value,
        domain: None,
        path: None,
        expires: None,
        max_age: None,
        secure: false,
    };
    for av in parts {
        let (attr, val) = match av.split_once('=') {
            Some((a, v)) => (a, v),
            None => (av, ""),
        };
        let attr = attr.trim_matches([' ', '\t']);
        let val = val.trim_matches([' ', '\t']);
        if attr.eq_ignore_ascii_case("expires") {
            if let Some(t) = parse_cookie_date(val) {
                p.expires = Some(t);
            }
        } else if attr.eq_ignore_ascii_case("max-age") {
            if let Some(delta) = parse_max_age(val) {
                p.max_age = Some(delta);
            }
        } else if attr.eq_ignore_ascii_case("domain") {
            let d = val.strip_prefix('.').unwrap_or(val);
            if !d.is_empty() {
                p.domain = Some(d);
            }
        } else if attr.eq_ignore_ascii_case("path") {
            p.path = val.starts_with('/').then_some(val);
        } else if attr.eq_ignore_ascii_case("secure") {
            p.secure = true;
        }
    }
    Ok(p)
}

fn parse_max_age(v: &str) -> Option<i64> {
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if neg { -n } else { n })
}

/// RFC 6265 §5.1.3 domain matching.
fn domain_match(host: &str, domain: &str) -> bool {
    if host.eq_ignore_ascii_case(domain) {
        return true;
    }
    let is_ip = host.contains(':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if is_ip || host.len() <= domain.len() {
        return false;
    }
    // host.len() > domain.len(), so 1 <= split <= host.len() - 1.
    let split = host.len() - domain.len();
    host.as_bytes()[split - 1] == b'.'
        && host
            .get(split..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
}

/// RFC 6265 §5.1.4 default-path.
fn default_path(request_path: &str) -> &str {
    if !request_path.starts_with('/') {
        return "/";
    }
    match request_path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &request_path[..i],
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_match(request_path: &str, cookie_path: &str) -> bool {
    let request_path = if request_path.is_empty() {
        "/"
    } else {
        request_path
    };
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// RFC 6265 §5.1.1 cookie-date parsing (IMF-fixdate, RFC 850 and asctime forms and the
/// variants browsers accept).
fn parse_cookie_date(s: &str) -> Option<UnixTime> {
    let is_delim =
        |c: char| matches!(c as u32, 0x09 | 0x20..=0x2f | 0x3b..=0x40 | 0x5b..=0x60 | 0x7b..=0x7e);
    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for tok in s.split(is_delim).filter(|t| !t.is_empty()) {
        if time.is_none()
            && let Some(t) = parse_time(tok)
        {
            time = Some(t);
            continue;
        }
        if day.is_none()
            && let Some(d) = leading_digits(tok, 1, 2)
        {
            day = Some(d);
            continue;
        }
        if month.is_none()
            && let Some(m) = parse_month(tok)
        {
            month = Some(m);
            continue;
        }
        if year.is_none()
            && let Some(y) = leading_digits(tok, 2, 4)
        {
            year = Some(y);
        }
    }
    let (h, mi, sec) = time?;
    let day = day?;
    let month = month?;
    let mut year = year?;
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let dt = DateTime {
        // year <= 9999 (at most 4 digits) and the other fields were range-checked above.
        year: year as u16,
        month,
        day: day as u8,
        hour: h as u8,
        minute: mi as u8,
        second: sec as u8,
        nanos: 0,
        zone: Zone::Utc,
    };
    if day > u32::from(days_in_month(year, month)) {
        return None;
    }
    dt.to_unix()
}

fn days_in_month(year: u32, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `min..=max` digits at the start of `tok`, followed by nothing or a non-digit.
fn leading_digits(tok: &str, min: usize, max: usize) -> Option<u32> {
    let n = tok.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    tok[..n].parse().ok()
}

fn parse_time(tok: &str) -> Option<(u32, u32, u32)> {
    let mut it = tok.splitn(3, ':');
    let h = it.next()?;
    let m = it.next()?;
    let s = it.next()?;
    let field = |f: &str| {
        if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) {
            f.parse().ok()
        } else {
            None
        }
    };
    // The seconds field may be followed by non-digits (RFC 6265 `time` production).
    Some((field(h)?, field(m)?, leading_digits(s, 1, 2)?))
}

fn parse_month(tok: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let head = tok.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(head))
        // position < 12.
        .map(|i| i as u8 + 1)
}

#[cfg(test)]
mod tests;
