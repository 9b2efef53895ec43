//! Option values as UCI text turned into the types of [`super::Config`], each checked against
//! its [`Expected`] form.
//!
//! Rules are strict where icwmp silently falls back (it feeds `atoi` and keeps the default on a
//! bad number): a value cwmpd cannot understand is an error, never a quiet default.

use heapless::String;

use super::model::RateLimit;
use super::report::Expected;
use super::uci::Value;
use crate::limits::CONFIG_URL_LEN;
use crate::soap::CwmpNs;
use crate::time::{DateTime, UnixTime};

/// The outcome of checking one value.
pub(super) type Check<T> = Result<T, Expected>;

/// Room for the decoded text of a number, boolean or keyword; longer values are not one.
const WORD_LEN: usize = 64;

/// Decodes a short value, or `None` when it is too long to be a word.
fn word<'b>(v: Value<'_>, buf: &'b mut [u8; WORD_LEN]) -> Option<&'b str> {
    v.decode_into(buf).ok()
}

/// `1/0`, `true/false`, `on/off`, `yes/no` (OpenWrt's `config_get_bool`) and `enable(d)` /
/// `disable(d)` (icwmp's default file writes `enable` and `disable`), in any case.
pub(super) fn boolean(v: Value<'_>) -> Check<bool> {
    const TRUE: [&str; 6] = ["1", "true", "on", "yes", "enable", "enabled"];
    const FALSE: [&str; 6] = ["0", "false", "off", "no", "disable", "disabled"];
    let mut buf = [0; WORD_LEN];
    let s = word(v, &mut buf).ok_or(Expected::Boolean)?;
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(false)
    } else {
        Err(Expected::Boolean)
    }
}

/// Decimal digits only (no sign, no blanks), as a `u64`; `None` on anything else or overflow.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// A decimal integer in `min..=max`.
pub(super) fn integer(v: Value<'_>, min: u32, max: u32) -> Check<u32> {
    let expected = Expected::Integer { min, max };
    let mut buf = [0; WORD_LEN];
    let n = word(v, &mut buf).and_then(digits).ok_or(expected)?;
    u32::try_from(n)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(expected)
}

/// A decimal integer in `min..=max` that fits 16 bits.
pub(super) fn integer16(v: Value<'_>, min: u16, max: u16) -> Check<u16> {
    let n = integer(v, u32::from(min), u32::from(max))?;
    u16::try_from(n).map_err(|_| Expected::Integer {
        min: u32::from(min),
        max: u32::from(max),
    })
}

/// A TCP port, 1..=65535.
pub(super) fn port(v: Value<'_>) -> Check<u16> {
    integer16(v, 1, u16::MAX).map_err(|_| Expected::Port)
}

/// Text of at most `N` bytes without control characters.
pub(super) fn text<const N: usize>(v: Value<'_>) -> Check<String<N>> {
    let s = v.to_heapless::<N>().map_err(|_| Expected::MaxLen(N))?;
    if s.chars().any(char::is_control) {
        return Err(Expected::NoControl);
    }
    Ok(s)
}

/// Text of at most `N` bytes without white space or control characters.
pub(super) fn token<const N: usize>(v: Value<'_>) -> Check<String<N>> {
    let s = text::<N>(v)?;
    if s.chars().any(char::is_whitespace) {
        return Err(Expected::NoBlank);
    }
    Ok(s)
}

/// An absolute path of at most `N` bytes.
pub(super) fn absolute_path<const N: usize>(v: Value<'_>) -> Check<String<N>> {
    let s = text::<N>(v).map_err(|e| match e {
        Expected::MaxLen(_) => e,
        _ => Expected::AbsolutePath,
    })?;
    if !s.starts_with('/') {
        return Err(Expected::AbsolutePath);
    }
    Ok(s)
}

/// An absolute path of at most `N` bytes, or nothing (`''`).
pub(super) fn optional_absolute_path<const N: usize>(v: Value<'_>) -> Check<String<N>> {
    let s = text::<N>(v)?;
    if s.is_empty() {
        return Ok(s);
    }
    if !s.starts_with('/') {
        return Err(Expected::AbsolutePath);
    }
    Ok(s)
}

/// The path part of a URL; a missing leading `/` is added, as icwmp does.
pub(super) fn url_path<const N: usize>(v: Value<'_>) -> Check<String<N>> {
    let s = token::<N>(v)?;
    if s.starts_with('/') {
        return Ok(s);
    }
    let mut out = String::new();
    out.push('/').map_err(|_| Expected::MaxLen(N))?;
    out.push_str(&s).map_err(|_| Expected::MaxLen(N))?;
    Ok(out)
}

/// An `http://` or `https://` URL with a host and an optional port; empty means none.
pub(super) fn url(v: Value<'_>) -> Check<String<CONFIG_URL_LEN>> {
    let s = text::<CONFIG_URL_LEN>(v)?;
    if s.is_empty() || is_http_url(&s) {
        Ok(s)
    } else {
        Err(Expected::Url)
    }
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// RFC 3986 `http`/`https` URL with a registered name, IPv4 or bracketed IPv6 host, no user
/// information (credentials belong in `userid`/`passwd`) and only printable ASCII.
fn is_http_url(s: &str) -> bool {
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let Some(rest) =
        strip_prefix_ignore_case(s, "http://").or_else(|| strip_prefix_ignore_case(s, "https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return false,
            },
        };
        (addr, port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && (authority.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    let port_ok = port.is_none_or(|p| {
        digits(p)
            .and_then(|n| u16::try_from(n).ok())
            .is_some_and(|n| n >= 1)
    });
    host_ok && port_ok
}

/// An OUI, six hexadecimal digits, returned upper-case (TR-181 `ManufacturerOUI`); empty means
/// none.
pub(super) fn oui(v: Value<'_>) -> Check<String<6>> {
    let mut buf = [0; WORD_LEN];
    let s = word(v, &mut buf).ok_or(Expected::Oui)?;
    if s.is_empty() {
        return Ok(String::new());
    }
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Expected::Oui);
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c.to_ascii_uppercase())
            .map_err(|_| Expected::Oui)?;
    }
    Ok(out)
}

/// An `xsd:dateTime` (icwmp's form; a value without zone is kept floating, which icwmp reads
/// as local time) or a number of seconds since the Unix epoch.
pub(super) fn date_time(v: Value<'_>) -> Check<DateTime> {
    // 9999-12-31T23:59:59Z, the last second an xsd:dateTime of four-digit year can hold.
    const MAX_UNIX: u64 = 253_402_300_799;
    let mut buf = [0; WORD_LEN];
    let s = word(v, &mut buf).ok_or(Expected::DateTime)?;
    if let Some(secs) = digits(s) {
        let secs = Some(secs)
            .filter(|&n| n <= MAX_UNIX)
            .and_then(|n| i64::try_from(n).ok())
            .ok_or(Expected::DateTime)?;
        return Ok(DateTime::from_unix(UnixTime(secs)));
    }
    DateTime::parse(s).map_err(|_| Expected::DateTime)
}

/// One of the words of `table` (any ASCII case); `names` lists them for the message.
pub(super) fn one_of<T: Copy>(
    v: Value<'_>,
    table: &[(&str, T)],
    names: &'static [&'static str],
) -> Check<T> {
    table
        .iter()
        .find(|(w, _)| v.eq_ignore_ascii_case(w))
        .map(|&(_, t)| t)
        .ok_or(Expected::OneOf(names))
}

/// `REQUESTS/SECONDS`, both decimal and at least 1.
pub(super) fn rate_limit(v: Value<'_>) -> Check<RateLimit> {
    let mut buf = [0; WORD_LEN];
    let s = word(v, &mut buf).ok_or(Expected::RateLimit)?;
    let (r, p) = s.split_once('/').ok_or(Expected::RateLimit)?;
    let num = |x: &str| {
        digits(x)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n >= 1)
            .ok_or(Expected::RateLimit)
    };
    Ok(RateLimit {
        requests: num(r)?,
        seconds: num(p)?,
    })
}

/// A CWMP namespace: `cwmp-1-0` … `cwmp-1-4`, or the whole URN.
pub(super) fn namespace(v: Value<'_>) -> Check<CwmpNs> {
    const NAMES: &[&str] = &["cwmp-1-0", "cwmp-1-1", "cwmp-1-2", "cwmp-1-3", "cwmp-1-4"];
    let mut buf = [0; WORD_LEN];
    let s = word(v, &mut buf).ok_or(Expected::OneOf(NAMES))?;
    let short = strip_prefix_ignore_case(s, "urn:dslforum-org:").unwrap_or(s);
    let ns = [
        CwmpNs::V1_0,
        CwmpNs::V1_1,
        CwmpNs::V1_2,
        CwmpNs::V1_3,
        CwmpNs::V1_4,
    ];
    ns.into_iter()
        .find(|n| {
            n.uri()
                .strip_prefix("urn:dslforum-org:")
                .is_some_and(|u| u.eq_ignore_ascii_case(short))
        })
        .ok_or(Expected::OneOf(NAMES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn v(s: &str) -> Value<'_> {
        Value::verbatim(s)
    }

    #[test]
    fn booleans_take_every_uci_and_icwmp_spelling() {
        for t in ["1", "true", "TRUE", "on", "yes", "Yes", "enable", "enabled"] {
            assert_eq!(boolean(v(t)), Ok(true), "{t}");
        }
        for f in ["0", "false", "off", "no", "disable", "Disabled"] {
            assert_eq!(boolean(v(f)), Ok(false), "{f}");
        }
        for bad in ["", "2", "y", "truee", " 1", "enable "] {
            assert_eq!(boolean(v(bad)), Err(Expected::Boolean), "{bad:?}");
        }
    }

    #[test]
    fn integers_are_plain_decimal_in_range() {
        assert_eq!(integer(v("0042"), 1, 100), Ok(42));
        let e = Err(Expected::Integer { min: 1, max: 100 });
        for bad in [
            "0",
            "101",
            "-1",
            "+5",
            " 5",
            "5 ",
            "0x10",
            "",
            "99999999999999999999999",
        ] {
            assert_eq!(integer(v(bad), 1, 100), e, "{bad:?}");
        }
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(port(v("1")), Ok(1));
        assert_eq!(port(v("65535")), Ok(65535));
        assert_eq!(port(v("0")), Err(Expected::Port));
        assert_eq!(port(v("70000")), Err(Expected::Port));
    }

    #[test]
    fn urls_need_http_or_https_and_a_host() {
        for ok in [
            "",
            "http://acs",
            "https://acs.example.com:7547/path?x=1#f",
            "HTTP://10.0.0.1:80",
            "http://[2001:db8::1]:7547/",
            "http://[::1]",
            "http://my_acs/",
        ] {
            assert!(url(v(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "acs:7547",
            "ftp://acs/",
            "http://",
            "http:///path",
            "http://:7547/",
            "http://acs:0/",
            "http://acs:70000/",
            "http://acs:port/",
            "http://user:pw@acs/",
            "http://a cs/",
            "http://[2001:db8::1/",
            "http://[]/",
            "http://[::1]x/",
            "https://accès/",
        ] {
            assert_eq!(url(v(bad)), Err(Expected::Url), "{bad}");
        }
    }

    #[test]
    fn ouis_are_six_hex_digits_made_upper_case() {
        assert_eq!(oui(v("00d09e")).unwrap().as_str(), "00D09E");
        assert_eq!(oui(v("")).unwrap().as_str(), "");
        for bad in ["00D09", "00D09E1", "00D0G0", "00:D0:9E"] {
            assert_eq!(oui(v(bad)), Err(Expected::Oui), "{bad}");
        }
    }

    #[test]
    fn date_times_take_xsd_or_unix_seconds() {
        assert_eq!(date_time(v("0001-01-01T00:00:00Z")), Ok(DateTime::UNKNOWN));
        assert_eq!(
            date_time(v("86400")).unwrap().to_string(),
            "1970-01-02T00:00:00Z"
        );
        assert_eq!(
            date_time(v("2024-05-01T03:00:00+02:00"))
                .unwrap()
                .to_string(),
            "2024-05-01T03:00:00+02:00"
        );
        for bad in [
            "2024-13-01T00:00:00Z",
            "yesterday",
            "-5",
            "253402300800",
            "",
        ] {
            assert_eq!(date_time(v(bad)), Err(Expected::DateTime), "{bad}");
        }
    }

    #[test]
    fn text_refuses_control_characters_and_overflow() {
        assert_eq!(text::<4>(v("abcd")).unwrap().as_str(), "abcd");
        assert_eq!(text::<4>(v("abcde")), Err(Expected::MaxLen(4)));
        assert_eq!(text::<8>(v("a\nb")), Err(Expected::NoControl));
        assert_eq!(token::<8>(v("a b")), Err(Expected::NoBlank));
    }

    #[test]
    fn paths() {
        assert_eq!(absolute_path::<16>(v("/etc/x")).unwrap().as_str(), "/etc/x");
        assert_eq!(absolute_path::<16>(v("etc/x")), Err(Expected::AbsolutePath));
        assert_eq!(absolute_path::<4>(v("/etc/x")), Err(Expected::MaxLen(4)));
        assert_eq!(url_path::<16>(v("cr")).unwrap().as_str(), "/cr");
        assert_eq!(url_path::<16>(v("/cr")).unwrap().as_str(), "/cr");
        assert_eq!(url_path::<3>(v("abc")), Err(Expected::MaxLen(3)));
    }

    #[test]
    fn rate_limits() {
        assert_eq!(
            rate_limit(v("50/5")),
            Ok(RateLimit {
                requests: 50,
                seconds: 5
            })
        );
        for bad in ["50", "0/5", "5/0", "a/b", "5/5/5", " 5/5"] {
            assert_eq!(rate_limit(v(bad)), Err(Expected::RateLimit), "{bad}");
        }
    }

    #[test]
    fn namespaces_short_or_full() {
        assert_eq!(namespace(v("cwmp-1-2")), Ok(CwmpNs::V1_2));
        assert_eq!(namespace(v("urn:dslforum-org:cwmp-1-4")), Ok(CwmpNs::V1_4));
        assert!(namespace(v("cwmp-1-5")).is_err());
    }
}
