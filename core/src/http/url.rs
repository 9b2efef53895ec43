//! `http:` and `https:` URLs as the CPE uses them: the ACS URL, a redirect `Location`, a file
//! transfer URL.
//!
//! Responsible for splitting a URL into scheme, host (DNS name, IPv4 or bracketed IPv6), port
//! (default 80/443) and request target (path + query, fragment dropped), for writing the `Host`
//! header value, and for resolving a redirect `Location` against the URL it came from. Not
//! responsible for name resolution, percent-decoding or storing a URL (the session owns the
//! bytes); userinfo (`user:pass@`) is refused because TR-069 credentials come from parameters.

use core::fmt;

use crate::limits::HTTP_MAX_URL_LEN;
use crate::sink::{Full, Sink};

/// The URL scheme, which decides TLS and the default port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http:`, plain TCP, default port 80.
    Http,
    /// `https:`, TLS, default port 443.
    Https,
}

impl Scheme {
    /// The port used when the URL names none.
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// The scheme name without the colon.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Why a string is not a usable `http:`/`https:` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Longer than [`HTTP_MAX_URL_LEN`].
    TooLong,
    /// Not `http://` or `https://` (case-insensitive).
    UnsupportedScheme,
    /// `user:pass@host` form, which TR-069 never uses.
    UserInfo,
    /// Empty host, bad characters in the host, or an unterminated `[IPv6]` literal.
    InvalidHost,
    /// Port not a number in 1..=65535.
    InvalidPort,
    /// A control character, space or non-ASCII byte in the path or query.
    InvalidPath,
    /// A relative redirect `Location` that is not an absolute path (`/...`).
    UnsupportedRelativeReference,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::TooLong => "URL too long",
            UrlError::UnsupportedScheme => "URL scheme is not http or https",
            UrlError::UserInfo => "URL carries user information",
            UrlError::InvalidHost => "URL host is invalid",
            UrlError::InvalidPort => "URL port is invalid",
            UrlError::InvalidPath => "URL path is invalid",
            UrlError::UnsupportedRelativeReference => "relative URL reference not supported",
        })
    }
}

/// Whether the host is a name or an address literal (cookies and TLS treat them differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// A DNS name.
    Name,
    /// A dotted IPv4 address.
    Ipv4,
    /// An IPv6 literal (written in brackets in the URL and the `Host` header).
    Ipv6,
}

/// A parsed `http:`/`https:` URL borrowing its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    scheme: Scheme,
    host: &'a str,
    host_kind: HostKind,
    port: u16,
    explicit_port: bool,
    target: &'a str,
}

impl<'a> Url<'a> {
    /// Parses an absolute `http://` or `https://` URL.
    pub fn parse(s: &'a str) -> Result<Self, UrlError> {
        if s.len() > HTTP_MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        let (scheme, rest) = split_scheme(s)?;
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, host_kind, port_text) = split_authority(authority)?;
        let (port, explicit_port) = match port_text {
            None | Some("") => (scheme.default_port(), false),
            Some(p) => (parse_port(p)?, true),
        };
        let target = target_of(tail)?;
        Ok(Url {
            scheme,
            host,
            host_kind,
            port,
            explicit_port,
            target,
        })
    }

    /// Resolves a redirect `Location` value against the URL of the request that got it:
    /// an absolute URL stands alone, an absolute path (`/acs`) keeps this URL's origin.
    pub fn resolve(&self, location: &'a str) -> Result<Url<'a>, UrlError> {
        let location = location.trim();
        if location.len() > HTTP_MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        if split_scheme(location).is_ok() {
            return Url::parse(location);
        }
        if location.starts_with("//") || !location.starts_with('/') {
            return Err(UrlError::UnsupportedRelativeReference);
        }
        Ok(Url {
            target: target_of(location)?,
            ..*self
        })
    }

    /// The scheme.
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host without brackets (`acs.example.com`, `192.0.2.1`, `2001:db8::1`).
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// What kind of host this is.
    pub const fn host_kind(&self) -> HostKind {
        self.host_kind
    }

    /// The port, explicit or the scheme's default.
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// The request target: path plus query (`/` when the URL has no path), without fragment.
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The path part of the target (no query), as cookies match on it.
    pub fn path(&self) -> &'a str {
        match self.target.find('?') {
            Some(i) => &self.target[..i],
            None => self.target,
        }
    }

    /// True for `https:`.
    pub const fn is_secure(&self) -> bool {
        matches!(self.scheme, Scheme::Https)
    }

    /// Writes the `Host` header value: host (bracketed if IPv6) and `:port` unless default.
    pub fn write_host_header_value<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), Full> {
        self.write_authority(sink, self.port != self.scheme.default_port())
    }

    /// Writes the URL in normal form (lower-case scheme, port only when given explicitly).
    pub fn write<S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), Full> {
        sink.write_str(self.scheme.as_str())?;
        sink.write_str("://")?;
        self.write_authority(sink, self.explicit_port)?;
        sink.write_str(self.target)
    }

    fn write_authority<S: Sink + ?Sized>(&self, sink: &mut S, port: bool) -> Result<(), Full> {
        if self.host_kind == HostKind::Ipv6 {
            sink.write_str("[")?;
            sink.write_str(self.host)?;
            sink.write_str("]")?;
        } else {
            sink.write_str(self.host)?;
        }
        if port {
            sink.write_str(":")?;
            sink.write_u64(u64::from(self.port))?;
        }
        Ok(())
    }
}

fn split_scheme(s: &str) -> Result<(Scheme, &str), UrlError> {
    let strip = |prefix: &str| -> Option<&str> {
        let head = s.get(..prefix.len())?;
        if head.eq_ignore_ascii_case(prefix) {
            s.get(prefix.len()..)
        } else {
            None
        }
    };
    if let Some(rest) = strip("http://") {
        Ok((Scheme::Http, rest))
    } else if let Some(rest) = strip("https://") {
        Ok((Scheme::Https, rest))
    } else {
        Err(UrlError::UnsupportedScheme)
    }
}

fn split_authority(authority: &str) -> Result<(&str, HostKind, Option<&str>), UrlError> {
    if let Some(inner) = authority.strip_prefix('[') {
        let close = inner.find(']').ok_or(UrlError::InvalidHost)?;
        let host = &inner[..close];
        let after = &inner[close + 1..];
        if host.is_empty()
            || !host.contains(':')
            || !host
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(UrlError::InvalidHost);
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::InvalidHost)?),
        };
        return Ok((host, HostKind::Ipv6, port));
    }
    let (host, port) = match authority.rfind(':') {
        Some(i) => (&authority[..i], Some(&authority[i + 1..])),
        None => (authority, None),
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(UrlError::InvalidHost);
    }
    let kind = if is_ipv4(host) {
        HostKind::Ipv4
    } else {
        HostKind::Name
    };
    Ok((host, kind, port))
}

fn is_ipv4(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if part.parse::<u16>().map_or(true, |v| v > 255) {
            return false;
        }
    }
    parts == 4
}

fn parse_port(p: &str) -> Result<u16, UrlError> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(UrlError::InvalidPort),
        Ok(v) => Ok(v),
    }
}

/// The request target of the part after the authority: fragment dropped, `/` when empty.
fn target_of(tail: &str) -> Result<&str, UrlError> {
    let tail = match tail.find('#') {
        Some(i) => &tail[..i],
        None => tail,
    };
    if !tail.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(UrlError::InvalidPath);
    }
    if tail.is_empty() {
        Ok("/")
    } else if tail.starts_with('?') {
        // `http://host?x` has an empty path; the target must still start with `/`, which only a
        // rewrite could give. Such URLs are not used for an ACS.
        Err(UrlError::InvalidPath)
    } else {
        Ok(tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapless::Vec;

    fn host_header(u: &Url<'_>) -> std::string::String {
        let mut v: Vec<u8, 128> = Vec::new();
        u.write_host_header_value(&mut v).unwrap();
        std::string::String::from_utf8(v.to_vec()).unwrap()
    }

    #[test]
    fn genieacs_url_with_port_and_root_path() {
        let u = Url::parse("http://127.0.0.1:17547/").unwrap();
        assert_eq!(u.scheme(), Scheme::Http);
        assert_eq!(u.host(), "127.0.0.1");
        assert_eq!(u.host_kind(), HostKind::Ipv4);
        assert_eq!(u.port(), 17547);
        assert_eq!(u.target(), "/");
        assert_eq!(host_header(&u), "127.0.0.1:17547");
    }

    #[test]
    fn default_ports_are_omitted_from_host_header() {
        let u = Url::parse("HTTPS://acs.example.com/cwmp?x=1#frag").unwrap();
        assert_eq!(u.port(), 443);
        assert!(u.is_secure());
        assert_eq!(u.target(), "/cwmp?x=1");
        assert_eq!(u.path(), "/cwmp");
        assert_eq!(host_header(&u), "acs.example.com");
        let u = Url::parse("http://acs.example.com:80").unwrap();
        assert_eq!(u.target(), "/");
        assert_eq!(host_header(&u), "acs.example.com");
    }

    #[test]
    fn ipv6_literal_keeps_brackets_on_the_wire_only() {
        let u = Url::parse("http://[2001:db8::1]:7547/acs").unwrap();
        assert_eq!(u.host(), "2001:db8::1");
        assert_eq!(u.host_kind(), HostKind::Ipv6);
        assert_eq!(u.port(), 7547);
        assert_eq!(host_header(&u), "[2001:db8::1]:7547");
        let u = Url::parse("http://[::1]/").unwrap();
        assert_eq!(host_header(&u), "[::1]");
    }

    #[test]
    fn rejects_what_an_acs_url_cannot_be() {
        assert_eq!(Url::parse("ftp://x/"), Err(UrlError::UnsupportedScheme));
        assert_eq!(Url::parse("http://u:p@x/"), Err(UrlError::UserInfo));
        assert_eq!(Url::parse("http:///x"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("http://[::1/"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("http://[zz]/"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("http://a b/"), Err(UrlError::InvalidHost));
        assert_eq!(Url::parse("http://x:0/"), Err(UrlError::InvalidPort));
        assert_eq!(Url::parse("http://x:65536/"), Err(UrlError::InvalidPort));
        assert_eq!(Url::parse("http://x:8a/"), Err(UrlError::InvalidPort));
        assert_eq!(Url::parse("http://x/a b"), Err(UrlError::InvalidPath));
        assert_eq!(Url::parse("http://x?q"), Err(UrlError::InvalidPath));
    }

    #[test]
    fn url_longer_than_limit_is_refused() {
        let mut s = std::string::String::from("http://x/");
        s.push_str(&"a".repeat(HTTP_MAX_URL_LEN));
        assert_eq!(Url::parse(&s), Err(UrlError::TooLong));
    }

    #[test]
    fn redirect_location_absolute_or_absolute_path() {
        let base = Url::parse("https://acs.example.com:8443/cwmp").unwrap();
        let r = base.resolve("http://other.example.net/x").unwrap();
        assert_eq!(
            (r.host(), r.port(), r.target()),
            ("other.example.net", 80, "/x")
        );
        let r = base.resolve("/elsewhere?id=3").unwrap();
        assert_eq!(r.host(), "acs.example.com");
        assert_eq!(r.port(), 8443);
        assert!(r.is_secure());
        assert_eq!(r.target(), "/elsewhere?id=3");
        assert_eq!(
            base.resolve("relative"),
            Err(UrlError::UnsupportedRelativeReference)
        );
        assert_eq!(
            base.resolve("//host/x"),
            Err(UrlError::UnsupportedRelativeReference)
        );
    }

    #[test]
    fn write_gives_back_a_parseable_url() {
        let u = Url::parse("http://[fe80::2]:8080/a?b").unwrap();
        let mut v: Vec<u8, 128> = Vec::new();
        u.write(&mut v).unwrap();
        assert_eq!(&v[..], b"http://[fe80::2]:8080/a?b");
        assert_eq!(Url::parse(core::str::from_utf8(&v).unwrap()).unwrap(), u);
    }
}
