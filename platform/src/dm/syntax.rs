//! Which values a parameter admits: the lexical forms of the TR-106 data types and the extra
//! constraints a data model puts on one parameter (ranges, lengths, enumerations, formats).
//!
//! Responsible for deciding 9006 (the ACS sent a value of another type) and 9007 (the value is
//! not acceptable) for one parameter, and for each type's default value. Not responsible for
//! knowing which parameters exist or whether they are writable (the backends).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::time::DateTime;

/// XML whitespace, which `xsd` collapses around every non-string value.
fn trim_xml(v: &str) -> &str {
    v.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// True when a value sent with `xsi:type` `sent` may be set on a parameter of type `declared`:
/// the same type, or `xsd:string` (many ACSs send every value as a string; its text must then
/// still be valid for the declared type, which [`normalize`] checks).
pub fn type_accepts(declared: ValueType, sent: ValueType) -> bool {
    sent != ValueType::Unknown && (sent == declared || sent == ValueType::String)
}

/// The value as stored for a parameter of type `ty`: strings as they are, other types with the
/// surrounding XML whitespace removed. `None` when the text is not a lexical form of `ty`.
pub fn normalize(ty: ValueType, value: &str) -> Option<&str> {
    if matches!(ty, ValueType::String | ValueType::Unknown) {
        return Some(value);
    }
    let v = trim_xml(value);
    let ok = match ty {
        ValueType::Boolean => parse_bool(v).is_some(),
        ValueType::Int => integer(v).is_some_and(|n| i32::try_from(n).is_ok()),
        ValueType::UnsignedInt => unsigned(v).is_some_and(|n| u32::try_from(n).is_ok()),
        ValueType::Long => integer(v).is_some_and(|n| i64::try_from(n).is_ok()),
        ValueType::UnsignedLong => unsigned(v).is_some_and(|n| u64::try_from(n).is_ok()),
        ValueType::DateTime => DateTime::parse(v).is_ok(),
        ValueType::Base64 => base64_len(v).is_some(),
        ValueType::HexBinary => hex_len(v).is_some(),
        ValueType::Decimal => is_decimal(v),
        ValueType::String | ValueType::Unknown => true,
    };
    ok.then_some(v)
}

/// The default ("unknown/none") value of a type (digest §12): empty for strings and binary
/// types, 0 for numbers, false, and the Unknown Time.
pub fn default_value(ty: ValueType) -> &'static str {
    match ty {
        ValueType::String | ValueType::Unknown | ValueType::Base64 | ValueType::HexBinary => "",
        ValueType::Int
        | ValueType::UnsignedInt
        | ValueType::Long
        | ValueType::UnsignedLong
        | ValueType::Decimal => "0",
        ValueType::Boolean => "false",
        ValueType::DateTime => "0001-01-01T00:00:00Z",
    }
}

/// `xsd:boolean`: `true`, `false`, `1`, `0`.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `[+-]?[0-9]+` as an i128 (wide enough for every integer type and its bounds).
fn integer(v: &str) -> Option<i128> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.strip_prefix('+').unwrap_or(v).parse().ok()
}

/// `[+]?[0-9]+` as an i128.
fn unsigned(v: &str) -> Option<i128> {
    if v.starts_with('-') {
        return None;
    }
    integer(v)
}

/// `[+-]?(digits(.digits?)?|.digits)`.
fn is_decimal(v: &str) -> bool {
    let body = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() || !frac.is_empty()) && all_digits(int) && all_digits(frac)
}

/// The decoded length of base64 text (whitespace ignored), if it is well-formed.
fn base64_len(v: &str) -> Option<usize> {
    let mut n = 0usize;
    let mut pad = 0usize;
    for b in v.bytes() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            b'=' => pad += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if pad == 0 => n += 1,
            _ => return None,
        }
    }
    if pad > 2 || !(n + pad).is_multiple_of(4) || (pad > 0 && n.is_multiple_of(4)) {
        return None;
    }
    Some((n + pad) / 4 * 3 - pad)
}

/// The decoded length of hexBinary text, if it is well-formed.
fn hex_len(v: &str) -> Option<usize> {
    (v.len().is_multiple_of(2) && v.bytes().all(|b| b.is_ascii_hexdigit())).then_some(v.len() / 2)
}

/// A named text format a string parameter must follow (TR-181 named data types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A host name (RFC 1123 labels) or an IP address literal.
    Hostname,
    /// A dotted-quad IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A MAC address, six colon-separated hex pairs.
    Mac,
}

impl Format {
    /// The format named `name` in a store file.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "hostname" => Format::Hostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "ip" => Format::Ip,
            "mac" => Format::Mac,
            _ => return None,
        })
    }

    /// The name used in store files.
    pub fn name(self) -> &'static str {
        match self {
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Ip => "ip",
            Format::Mac => "mac",
        }
    }

    /// True when `v` follows the format. The empty string always does: it is TR-106's "none".
    pub fn admits(self, v: &str) -> bool {
        if v.is_empty() {
            return true;
        }
        let ipv4 = || v.parse::<Ipv4Addr>().is_ok();
        let ipv6 = || v.parse::<Ipv6Addr>().is_ok();
        match self {
            Format::Hostname => ipv4() || ipv6() || is_hostname(v),
            Format::Ipv4 => ipv4(),
            Format::Ipv6 => ipv6(),
            Format::Ip => ipv4() || ipv6(),
            Format::Mac => {
                let parts: Vec<&str> = v.split(':').collect();
                parts.len() == 6
                    && parts
                        .iter()
                        .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
            }
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1 to 63
/// characters each, 253 in all; a final dot is allowed.
fn is_hostname(v: &str) -> bool {
    let body = v.strip_suffix('.').unwrap_or(v);
    !body.is_empty()
        && body.len() <= 253
        && body.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Extra restrictions on one parameter's values beyond its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Constraint {
    /// Smallest value (integer types).
    pub min: Option<i128>,
    /// Largest value (integer types).
    pub max: Option<i128>,
    /// Longest value: characters for strings, decoded bytes for base64 and hexBinary.
    pub max_length: Option<u32>,
    /// The only values allowed (strings).
    pub enumeration: Option<Box<[Box<str>]>>,
    /// A text format (strings).
    pub format: Option<Format>,
}

impl Constraint {
    /// True when nothing is restricted.
    pub fn is_none(&self) -> bool {
        *self == Constraint::default()
    }

    /// True when `v` (already normalized for `ty`) satisfies every restriction.
    pub fn admits(&self, ty: ValueType, v: &str) -> bool {
        if self.min.is_some() || self.max.is_some() {
            let Some(n) = integer(v) else {
                return false;
            };
            if self.min.is_some_and(|m| n < m) || self.max.is_some_and(|m| n > m) {
                return false;
            }
        }
        if let Some(max) = self.max_length {
            let len = match ty {
                ValueType::Base64 => base64_len(v).unwrap_or(usize::MAX),
                ValueType::HexBinary => hex_len(v).unwrap_or(usize::MAX),
                _ => v.chars().count(),
            };
            if len > max as usize {
                return false;
            }
        }
        if let Some(allowed) = &self.enumeration
            && !allowed.iter().any(|a| a.as_ref() == v)
        {
            return false;
        }
        self.format.is_none_or(|f| f.admits(v))
    }
}

/// Checks a value for a parameter of type `declared` with `constraint`, as sent with
/// `xsi:type` `sent`: 9006 for a type mismatch, 9007 for an unacceptable value. Returns the
/// value as it is to be stored.
pub fn check<'v>(
    declared: ValueType,
    constraint: &Constraint,
    value: &'v str,
    sent: ValueType,
) -> Result<&'v str, FaultCode> {
    if !type_accepts(declared, sent) {
        return Err(FaultCode::INVALID_PARAMETER_TYPE);
    }
    let v = normalize(declared, value).ok_or(FaultCode::INVALID_PARAMETER_VALUE)?;
    if v.len() > super::limits::VALUE_MAX_LEN || !constraint.admits(declared, v) {
        return Err(FaultCode::INVALID_PARAMETER_VALUE);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Constraint = Constraint {
        min: None,
        max: None,
        max_length: None,
        enumeration: None,
        format: None,
    };

    fn ok(ty: ValueType, v: &str) -> bool {
        check(ty, &NONE, v, ty).is_ok()
    }

    #[test]
    fn booleans_take_the_four_xsd_forms() {
        for v in ["true", "false", "1", "0", " true\n"] {
            assert!(ok(ValueType::Boolean, v), "{v}");
        }
        for v in ["TRUE", "yes", "2", ""] {
            assert!(!ok(ValueType::Boolean, v), "{v}");
        }
    }

    #[test]
    fn integer_ranges_follow_the_type() {
        assert!(ok(ValueType::Int, "-2147483648"));
        assert!(ok(ValueType::Int, "+2147483647"));
        assert!(!ok(ValueType::Int, "2147483648"));
        assert!(ok(ValueType::UnsignedInt, "4294967295"));
        assert!(!ok(ValueType::UnsignedInt, "4294967296"));
        assert!(!ok(ValueType::UnsignedInt, "-1"));
        assert!(!ok(ValueType::UnsignedInt, "1.0"));
        assert!(!ok(ValueType::UnsignedInt, ""));
        assert!(ok(ValueType::Long, "-9223372036854775808"));
        assert!(!ok(ValueType::Long, "9223372036854775808"));
        assert!(ok(ValueType::UnsignedLong, "18446744073709551615"));
        assert!(!ok(ValueType::UnsignedLong, "18446744073709551616"));
        assert!(!ok(ValueType::UnsignedLong, &"9".repeat(40)));
    }

    #[test]
    fn datetimes_must_parse() {
        assert!(ok(ValueType::DateTime, "2024-06-01T12:00:00.000Z"));
        assert!(ok(ValueType::DateTime, "0001-01-01T00:00:00Z"));
        assert!(ok(ValueType::DateTime, "0001-01-03T03:04:05"));
        assert!(!ok(ValueType::DateTime, "2024-13-01T00:00:00Z"));
        assert!(!ok(ValueType::DateTime, "yesterday"));
    }

    #[test]
    fn binary_and_decimal_forms() {
        assert!(ok(ValueType::Base64, "aGVsbG8="));
        assert!(ok(ValueType::Base64, ""));
        assert!(!ok(ValueType::Base64, "aGVsbG8"));
        assert!(!ok(ValueType::Base64, "a=GV"));
        assert!(ok(ValueType::HexBinary, "00ff"));
        assert!(!ok(ValueType::HexBinary, "0ff"));
        assert!(ok(ValueType::Decimal, "-1.5"));
        assert!(ok(ValueType::Decimal, ".5"));
        assert!(!ok(ValueType::Decimal, "."));
        assert!(!ok(ValueType::Decimal, "1e3"));
    }

    #[test]
    fn a_string_typed_value_is_accepted_for_any_type_but_must_parse() {
        assert_eq!(
            check(ValueType::UnsignedInt, &NONE, "600", ValueType::String),
            Ok("600")
        );
        assert_eq!(
            check(ValueType::UnsignedInt, &NONE, "abc", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
    }

    #[test]
    fn another_type_is_9006() {
        assert_eq!(
            check(ValueType::UnsignedInt, &NONE, "1", ValueType::Boolean),
            Err(FaultCode::INVALID_PARAMETER_TYPE)
        );
        assert_eq!(
            check(ValueType::String, &NONE, "x", ValueType::Unknown),
            Err(FaultCode::INVALID_PARAMETER_TYPE)
        );
    }

    #[test]
    fn constraints_restrict_values() {
        let port = Constraint {
            min: Some(1),
            max: Some(65535),
            ..Constraint::default()
        };
        assert!(
            check(
                ValueType::UnsignedInt,
                &port,
                "8080",
                ValueType::UnsignedInt
            )
            .is_ok()
        );
        assert!(check(ValueType::UnsignedInt, &port, "0", ValueType::UnsignedInt).is_err());
        assert!(
            check(
                ValueType::UnsignedInt,
                &port,
                "65536",
                ValueType::UnsignedInt
            )
            .is_err()
        );
        let short = Constraint {
            max_length: Some(3),
            ..Constraint::default()
        };
        assert!(check(ValueType::String, &short, "éé€", ValueType::String).is_ok());
        assert!(check(ValueType::String, &short, "abcd", ValueType::String).is_err());
        assert!(check(ValueType::HexBinary, &short, "aabbcc", ValueType::HexBinary).is_ok());
        assert!(
            check(
                ValueType::HexBinary,
                &short,
                "aabbccdd",
                ValueType::HexBinary
            )
            .is_err()
        );
        let proto = Constraint {
            enumeration: Some(vec!["TCP".into(), "UDP".into()].into_boxed_slice()),
            ..Constraint::default()
        };
        assert!(check(ValueType::String, &proto, "UDP", ValueType::String).is_ok());
        assert!(check(ValueType::String, &proto, "udp", ValueType::String).is_err());
    }

    #[test]
    fn formats() {
        let host = Format::Hostname;
        for v in [
            "pool.ntp.org",
            "ntp1",
            "10.0.0.1",
            "2001:db8::1",
            "a-b.example.",
            "",
        ] {
            assert!(host.admits(v), "{v}");
        }
        for v in ["bad host name!", "-a.example", "a..b", "x_y.example"] {
            assert!(!host.admits(v), "{v}");
        }
        assert!(Format::Ipv4.admits("192.168.1.1"));
        assert!(!Format::Ipv4.admits("192.168.1.256"));
        assert!(Format::Ipv6.admits("fe80::1"));
        assert!(!Format::Ip.admits("host"));
        assert!(Format::Mac.admits("00:11:22:aa:BB:cc"));
        assert!(!Format::Mac.admits("00:11:22:aa:BB"));
        for f in [
            Format::Hostname,
            Format::Ipv4,
            Format::Ipv6,
            Format::Ip,
            Format::Mac,
        ] {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
    }

    #[test]
    fn overlong_values_are_9007() {
        let long = "a".repeat(crate::dm::limits::VALUE_MAX_LEN + 1);
        assert_eq!(
            check(ValueType::String, &NONE, &long, ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
    }

    #[test]
    fn defaults_are_valid_values_of_their_type() {
        for ty in [
            ValueType::String,
            ValueType::Int,
            ValueType::UnsignedInt,
            ValueType::Long,
            ValueType::UnsignedLong,
            ValueType::Boolean,
            ValueType::DateTime,
            ValueType::Base64,
            ValueType::HexBinary,
            ValueType::Decimal,
        ] {
            assert!(ok(ty, default_value(ty)), "{ty:?}");
        }
    }
}
