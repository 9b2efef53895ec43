//! RFC 4122 UUIDs as deployment units use them: the text form, and the name-based (version 5)
//! UUID a CPE generates when the ACS gives none (TR-181 Annex C).
//!
//! Responsible for parsing and writing the `8-4-4-4-12` hexadecimal form (any case in, lower
//! case out) and for deriving version 5 UUIDs. Not responsible for deciding when a UUID is
//! generated (see `plan`).

use std::fmt;

use super::sha1::Sha1;

/// A UUID: 16 bytes, compared by value (so `A1…` and `a1…` are the same DU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

/// The name-space ID for fully qualified domain names (RFC 4122 Appendix C), which TR-181
/// Annex C prescribes for deployment units.
pub const NAMESPACE_DNS: Uuid = Uuid([
    0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
]);

/// The name-space ID for URLs (RFC 4122 Appendix C).
pub const NAMESPACE_URL: Uuid = Uuid([
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
]);

/// The nil UUID (all zero bits).
pub const NIL: Uuid = Uuid([0; 16]);

impl Uuid {
    /// Parses the text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits of either case);
    /// `None` for anything else.
    pub fn parse(s: &str) -> Option<Uuid> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut out = [0u8; 16];
        let mut n = 0;
        let mut i = 0;
        while i < 36 {
            if matches!(i, 8 | 13 | 18 | 23) {
                if b[i] != b'-' {
                    return None;
                }
                i += 1;
                continue;
            }
            let hi = hex_value(b[i])?;
            let lo = hex_value(*b.get(i + 1)?)?;
            *out.get_mut(n)? = hi << 4 | lo;
            n += 1;
            i += 2;
        }
        Some(Uuid(out))
    }

    /// The version 5 (SHA-1, name-based) UUID of `name` in `namespace` (RFC 4122 §4.3).
    pub fn v5(namespace: Uuid, name: &[u8]) -> Uuid {
        let mut h = Sha1::new();
        h.update(&namespace.0);
        h.update(name);
        let digest = h.finish();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        out[6] = (out[6] & 0x0f) | 0x50;
        out[8] = (out[8] & 0x3f) | 0x80;
        Uuid(out)
    }

    /// The UUID a CPE generates for a deployment unit the ACS gave none for (TR-181 Annex C):
    /// version 5 in the DNS name space, of the name `<Name>.<Vendor>.`, where every byte of
    /// `Name` other than `0-9 a-z A-Z _ -` is written `%xx`.
    pub fn for_deployment_unit(name: &str, vendor: &str) -> Uuid {
        let mut fqdn = String::with_capacity(name.len() * 3 + vendor.len() + 2);
        for b in name.bytes() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                fqdn.push(char::from(b));
            } else {
                fqdn.push_str(&format!("%{b:02x}"));
            }
        }
        fqdn.push('.');
        fqdn.push_str(vendor);
        fqdn.push('.');
        Uuid::v5(NAMESPACE_DNS, fqdn.as_bytes())
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v5(ns: Uuid, name: &str) -> String {
        Uuid::v5(ns, name.as_bytes()).to_string()
    }

    #[test]
    fn version5_matches_published_values() {
        // Python's documentation: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org').
        assert_eq!(
            v5(NAMESPACE_DNS, "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
        // OpenTofu's uuidv5 documentation.
        assert_eq!(
            v5(NAMESPACE_DNS, "www.opentofu.org"),
            "df1e675d-b743-5f6c-9952-6311d0f141df"
        );
        assert_eq!(
            v5(NAMESPACE_URL, "https://www.opentofu.org/"),
            "ace93eea-1a2c-5eed-b41b-718be15d2e50"
        );
    }

    #[test]
    fn deployment_unit_uuid_follows_annex_c() {
        // "sample1" by "broadband-forum.org" is the FQDN "sample1.broadband-forum.org.".
        assert_eq!(
            Uuid::for_deployment_unit("sample1", "broadband-forum.org"),
            Uuid::v5(NAMESPACE_DNS, b"sample1.broadband-forum.org.")
        );
        // Other characters of the name are percent-encoded: "sample.1" is "sample%2e1".
        assert_eq!(
            Uuid::for_deployment_unit("sample.1", "broadband-forum.org"),
            Uuid::v5(NAMESPACE_DNS, b"sample%2e1.broadband-forum.org.")
        );
        let u = Uuid::for_deployment_unit("luci-app-x", "").to_string();
        assert_eq!(&u[14..15], "5", "version 5: {u}");
        assert!(
            matches!(&u[19..20], "8" | "9" | "a" | "b"),
            "RFC 4122 variant: {u}"
        );
    }

    #[test]
    fn text_form_round_trips_and_ignores_case() {
        let s = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        assert_eq!(Uuid::parse(s), Some(NAMESPACE_DNS));
        assert_eq!(Uuid::parse(&s.to_uppercase()), Some(NAMESPACE_DNS));
        assert_eq!(NAMESPACE_DNS.to_string(), s);
        assert_eq!(NIL.to_string(), "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "",
            "6ba7b810-9dad-11d1-80b4-00c04fd430c",
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8a",
            "6ba7b8109dad-11d1-80b4-00c04fd430c8-",
            "6ba7b810-9dad-11d1-80b4_00c04fd430c8",
            "6ba7b810-9dad-11d1-80b4-00c04fd430cg",
            "{ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "6ba7b810-9dad-11d1-80b4-00c04fd430\u{e9}",
        ] {
            assert_eq!(Uuid::parse(bad), None, "{bad:?}");
        }
    }
}
