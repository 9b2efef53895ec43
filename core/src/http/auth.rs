//! Client authentication towards the ACS (TR-069 §3.4.4–3.4.5, digest §1.4).
//!
//! Responsible for choosing among the challenges of a `401` (Digest SHA-256 > SHA-256-sess >
//! MD5 > MD5-sess > Basic), keeping the chosen challenge, writing the `Authorization` header of
//! every later request (nonce count, a cnonce that is fresh per connection, opaque echoed),
//! pre-emptive Basic over TLS when configured, `stale=true`, and giving up after
//! [`HTTP_AUTH_MAX_FAILURES`] rejected attempts in a row. Not responsible for storing the
//! credentials (they are passed in on every call, from `ManagementServer.Username/Password`)
//! nor for drawing the entropy of the cnonce (the caller passes it per connection).

use core::fmt;

use super::basic;
use super::digest::{
    self, Algorithm, Challenges, Key, ResponseInput, Value, compute_response, hex_encode,
    write_quoted,
};
use crate::limits::{
    DIGEST_MAX_CHALLENGES, DIGEST_MAX_NONCE, DIGEST_MAX_OPAQUE, DIGEST_MAX_REALM,
    HTTP_AUTH_MAX_FAILURES,
};
use crate::sink::{Full, Sink};

/// User name and password for one request.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// User name (unescaped).
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
}

/// Whether the connection a request goes on is protected by TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP.
    Plain,
    /// TLS.
    Tls,
}

/// When credentials are sent before any challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preemptive {
    /// Only after a `401`.
    Never,
    /// Basic credentials on the first request when the connection uses TLS (TR-069 §3.4.4:
    /// SHOULD when TLS is used without a client certificate).
    BasicOverTls,
}

/// The scheme now in use, reported after a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Basic.
    Basic,
    /// Digest with this algorithm.
    Digest(Algorithm),
}

/// Why a challenge cannot be answered. Each one fails the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No Basic or usable Digest challenge (unknown algorithm, qop without `auth`, missing
    /// realm or nonce, malformed parameters, or no `WWW-Authenticate` at all).
    NoSupportedChallenge,
    /// A usable challenge whose realm, nonce or opaque exceeds the `DIGEST_MAX_*` limits.
    ChallengeTooLarge,
    /// The ACS rejected the credentials [`HTTP_AUTH_MAX_FAILURES`] times in a row.
    CredentialsRejected,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthError::NoSupportedChallenge => "no supported authentication challenge",
            AuthError::ChallengeTooLarge => "authentication challenge too large",
            AuthError::CredentialsRejected => "credentials rejected by the ACS",
        })
    }
}

#[derive(Debug, Clone)]
struct DigestState {
    algorithm: Algorithm,
    realm: heapless::String<DIGEST_MAX_REALM>,
    nonce: heapless::String<DIGEST_MAX_NONCE>,
    opaque: Option<heapless::String<DIGEST_MAX_OPAQUE>>,
    qop_auth: bool,
    nc: u32,
}

// No allocator to box the Digest state into; one of these exists per session.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Active {
    None,
    Basic,
    Digest(DigestState),
}

/// A candidate challenge while choosing.
struct Candidate<'a> {
    rank: u8,
    scheme: Scheme,
    realm: Option<Value<'a>>,
    nonce: Option<Value<'a>>,
    opaque: Option<Value<'a>>,
    qop_auth: bool,
    stale: bool,
}

/// Authentication state of one CWMP session (or one file transfer).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    preemptive: Preemptive,
    active: Active,
    cnonce: [u8; 32],
    failures: u8,
    sent_credentials: bool,
}

impl ClientAuth {
    /// Fresh state; `entropy` seeds the cnonce of the first connection.
    pub fn new(preemptive: Preemptive, entropy: &[u8; 16]) -> Self {
        let mut auth = ClientAuth {
            preemptive,
            active: Active::None,
            cnonce: [0; 32],
            failures: 0,
            sent_credentials: false,
        };
        auth.start_connection(entropy);
        auth
    }

    /// Forgets the challenge and the failure count (start of a new session).
    pub fn reset(&mut self, entropy: &[u8; 16]) {
        *self = Self::new(self.preemptive, entropy);
    }

    /// A new TCP connection is starting: use a fresh cnonce made from `entropy` (16 random
    /// bytes drawn by the caller).
    pub fn start_connection(&mut self, entropy: &[u8; 16]) {
        hex_encode(entropy, &mut self.cnonce);
    }

    /// The scheme currently answered, if any.
    pub fn scheme(&self) -> Option<Scheme> {
        match &self.active {
            Active::None => None,
            Active::Basic => Some(Scheme::Basic),
            Active::Digest(d) => Some(Scheme::Digest(d.algorithm)),
        }
    }

    /// A response other than `401` arrived: the credentials (if any) were accepted.
    pub fn on_accepted(&mut self) {
        self.failures = 0;
    }

    /// A `401` arrived with these `WWW-Authenticate` values. On `Ok` the caller resends the
    /// same request (on the same connection unless the response said `Connection: close`).
    pub fn on_challenge<'a, I>(&mut self, www_authenticate: I) -> Result<Scheme, AuthError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut best: Option<Candidate<'a>> = None;
        let mut too_large = false;
        let mut seen = 0;
        'fields: for value in www_authenticate {
            for challenge in Challenges::new(value) {
                seen += 1;
                if seen > DIGEST_MAX_CHALLENGES {
                    break 'fields;
                }
                let Ok(challenge) = challenge else {
                    // The rest of this field cannot be split reliably; other fields may help.
                    continue 'fields;
                };
                let Some(candidate) = candidate(&challenge) else {
                    continue;
                };
                if !fits(&candidate) {
                    too_large = true;
                    continue;
                }
                if best.as_ref().is_none_or(|b| candidate.rank > b.rank) {
                    best = Some(candidate);
                }
            }
        }
        let Some(chosen) = best else {
            warn!("401 without a usable challenge");
            return Err(if too_large {
                AuthError::ChallengeTooLarge
            } else {
                AuthError::NoSupportedChallenge
            });
        };
        if self.sent_credentials && !chosen.stale {
            self.failures = self.failures.saturating_add(1);
            if self.failures >= HTTP_AUTH_MAX_FAILURES {
                warn!(
                    "ACS rejected the credentials {} times in a row",
                    self.failures
                );
                return Err(AuthError::CredentialsRejected);
            }
        }
        self.sent_credentials = false;
        self.active = match chosen.scheme {
            Scheme::Basic => Active::Basic,
            Scheme::Digest(algorithm) => {
                let previous_nc = match &self.active {
                    Active::Digest(d) if chosen.nonce.is_some_and(|n| n.eq_str(&d.nonce)) => d.nc,
                    _ => 0,
                };
                let (Some(realm), Some(nonce)) = (chosen.realm, chosen.nonce) else {
                    return Err(AuthError::NoSupportedChallenge);
                };
                let opaque = match chosen.opaque {
                    Some(o) => Some(store(&o).ok_or(AuthError::ChallengeTooLarge)?),
                    None => None,
                };
                Active::Digest(DigestState {
                    algorithm,
                    realm: store(&realm).ok_or(AuthError::ChallengeTooLarge)?,
                    nonce: store(&nonce).ok_or(AuthError::ChallengeTooLarge)?,
                    opaque,
                    qop_auth: chosen.qop_auth,
                    nc: previous_nc,
                })
            }
        };
        Ok(chosen.scheme)
    }

    /// Writes the `Authorization: ...\r\n` line for a request (`method`, request target `uri`)
    /// if credentials are due, and returns whether it wrote one.
    pub fn write_authorization<S: Sink + ?Sized>(
        &mut self,
        credentials: &Credentials<'_>,
        method: &str,
        uri: &str,
        transport: Transport,
        sink: &mut S,
    ) -> Result<bool, Full> {
        let wrote = match &mut self.active {
            Active::None => {
                if self.preemptive == Preemptive::BasicOverTls && transport == Transport::Tls {
                    sink.write_str("Authorization: ")?;
                    basic::write_credentials(credentials.username, credentials.password, sink)?;
                    sink.write_str("\r\n")?;
                    true
                } else {
                    false
                }
            }
            Active::Basic => {
                if transport == Transport::Plain {
                    debug!("sending Basic credentials without TLS because the ACS asked for it");
                }
                sink.write_str("Authorization: ")?;
                basic::write_credentials(credentials.username, credentials.password, sink)?;
                sink.write_str("\r\n")?;
                true
            }
            Active::Digest(d) => {
                d.nc = d.nc.wrapping_add(1).max(1);
                sink.write_str("Authorization: ")?;
                write_digest(d, credentials, method, uri, &self.cnonce, sink)?;
                sink.write_str("\r\n")?;
                true
            }
        };
        self.sent_credentials = wrote;
        Ok(wrote)
    }
}

/// Writes the Digest credentials for the current state.
fn write_digest<S: Sink + ?Sized>(
    d: &DigestState,
    credentials: &Credentials<'_>,
    method: &str,
    uri: &str,
    cnonce_hex: &[u8; 32],
    sink: &mut S,
) -> Result<(), Full> {
    let mut nc_buf = [0u8; 8];
    hex_encode(&d.nc.to_be_bytes(), &mut nc_buf);
    // Both buffers hold only ASCII hex digits.
    let nc = core::str::from_utf8(&nc_buf).unwrap_or("00000001");
    let cnonce = core::str::from_utf8(cnonce_hex).unwrap_or("");
    let response = compute_response(&ResponseInput {
        algorithm: d.algorithm,
        username: Value::plain(credentials.username),
        realm: Value::plain(&d.realm),
        password: credentials.password,
        method,
        uri: Value::plain(uri),
        nonce: Value::plain(&d.nonce),
        qop_auth: d.qop_auth.then_some((nc, Value::plain(cnonce))),
    });
    sink.write_str("Digest username=")?;
    write_quoted(credentials.username, sink)?;
    sink.write_str(", realm=")?;
    write_quoted(&d.realm, sink)?;
    sink.write_str(", nonce=")?;
    write_quoted(&d.nonce, sink)?;
    sink.write_str(", uri=")?;
    write_quoted(uri, sink)?;
    sink.write_str(", algorithm=")?;
    sink.write_str(d.algorithm.as_str())?;
    if d.qop_auth {
        sink.write_str(", qop=auth, nc=")?;
        sink.write_str(nc)?;
        sink.write_str(", cnonce=\"")?;
        sink.write_str(cnonce)?;
        sink.write_str("\"")?;
    }
    sink.write_str(", response=\"")?;
    sink.write_str(response.as_str())?;
    sink.write_str("\"")?;
    if let Some(opaque) = &d.opaque {
        sink.write_str(", opaque=")?;
        write_quoted(opaque, sink)?;
    }
    Ok(())
}

/// Reads one challenge into a candidate, or `None` if it cannot be answered.
fn candidate<'a>(c: &digest::Challenge<'a>) -> Option<Candidate<'a>> {
    if c.is("Basic") {
        return Some(Candidate {
            rank: 0,
            scheme: Scheme::Basic,
            realm: None,
            nonce: None,
            opaque: None,
            qop_auth: false,
            stale: false,
        });
    }
    if !c.is("Digest") {
        return None;
    }
    let mut algorithm = Algorithm::Md5;
    let mut cand = Candidate {
        rank: 0,
        scheme: Scheme::Basic,
        realm: None,
        nonce: None,
        opaque: None,
        qop_auth: false,
        stale: false,
    };
    let mut qop_present = false;
    for p in c.params() {
        let p = p.ok()?;
        match digest::key(p.name) {
            Key::Realm => cand.realm = Some(p.value),
            Key::Nonce => cand.nonce = Some(p.value),
            Key::Opaque => cand.opaque = Some(p.value),
            Key::Stale => cand.stale = p.value.eq_ignore_case("true"),
            Key::Algorithm => {
                let name: heapless::String<16> = store(&p.value)?;
                algorithm = Algorithm::parse(&name)?;
            }
            Key::Qop => {
                qop_present = true;
                let list: heapless::String<32> = store(&p.value)?;
                cand.qop_auth = super::headers::list_contains(&list, "auth");
            }
            _ => {}
        }
    }
    // A qop list without `auth` (only auth-int) cannot be answered without the body; a -sess
    // algorithm needs the cnonce that only the qop form carries.
    if (qop_present && !cand.qop_auth) || (!qop_present && algorithm.is_session()) {
        return None;
    }
    cand.realm?;
    cand.nonce?;
    cand.scheme = Scheme::Digest(algorithm);
    cand.rank = 1 + algorithm.preference();
    Some(cand)
}

fn fits(c: &Candidate<'_>) -> bool {
    c.realm.is_none_or(|v| v.len() <= DIGEST_MAX_REALM)
        && c.nonce.is_none_or(|v| v.len() <= DIGEST_MAX_NONCE)
        && c.opaque.is_none_or(|v| v.len() <= DIGEST_MAX_OPAQUE)
}

/// The unescaped text of `v`, or `None` when longer than `N` bytes.
fn store<const N: usize>(v: &Value<'_>) -> Option<heapless::String<N>> {
    let mut s = heapless::String::new();
    for seg in v.segments() {
        s.push_str(seg).ok()?;
    }
    Some(s)
}

#[cfg(test)]
mod tests;
