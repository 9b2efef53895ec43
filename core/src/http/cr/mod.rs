//! The Connection Request server (TR-069 §3.2.2, digest §8.1).
//!
//! Responsible for answering one HTTP request per connection on the Connection Request port:
//! only `GET` to the configured path can trigger; requests over the rate limit or while a
//! session is in progress get `503` before any digest work; everything else is challenged with
//! Digest (`qop="auth"`, SHA-256 and MD5 offered, opaque, stateless nonces) and verified with
//! constant-time comparisons. Every response has an empty body, names nothing about the device
//! and closes the connection. The [`CrOutcome`] tells the caller whether a session with
//! `6 CONNECTION REQUEST` must start. Not responsible for sockets, for coalescing several
//! triggers into one session (the agent's event queue does that), nor for drawing the nonce
//! secret (passed in).
//!
//! Caller sequence per accepted connection: create a [`RequestReader`] with a deadline; on
//! every read append to the connection's buffer (at most `CR_MAX_REQUEST_BYTES`) and call
//! [`CrServer::handle`] with all bytes so far; when the deadline passes without new bytes call
//! it again with the same bytes. On [`Handled::Respond`] send the sink's bytes and close.

pub mod nonce;
pub mod rate;
pub mod request;

use core::fmt;
use core::time::Duration;

use self::nonce::{NONCE_LEN, NonceCheck, NonceKey, OPAQUE_LEN};
use self::rate::{RateLimit, RateLimiter};
pub use self::request::{Request, RequestError, RequestReader, RequestStatus};
use super::digest::{
    Algorithm, Authorization, ResponseInput, Value, compute_response, constant_time_eq,
};
use crate::limits::{
    CR_DEFAULT_NONCE_LIFETIME_SECS, CR_MAX_CREDENTIAL, CR_MAX_PATH, DIGEST_MAX_REALM,
};
use crate::sink::{Full, Sink};
use crate::time::Instant;

/// Configuration of the Connection Request server.
#[derive(Debug, Clone, Copy)]
pub struct CrConfig<'a> {
    /// The path part of `ConnectionRequestURL` (`/` followed by the random part).
    pub path: &'a str,
    /// `ConnectionRequestUsername`.
    pub username: &'a str,
    /// `ConnectionRequestPassword`.
    pub password: &'a str,
    /// The Digest realm (fixed per device).
    pub realm: &'a str,
    /// 32 random bytes drawn by the caller at start-up; keys the nonces.
    pub nonce_secret: [u8; 32],
    /// How long an issued nonce stays valid.
    pub nonce_lifetime: Duration,
    /// Requests handled per window before answering 503.
    pub rate_limit: RateLimit,
}

impl<'a> CrConfig<'a> {
    /// A configuration with the default nonce lifetime and rate limit.
    pub const fn new(
        path: &'a str,
        username: &'a str,
        password: &'a str,
        realm: &'a str,
        nonce_secret: [u8; 32],
    ) -> Self {
        CrConfig {
            path,
            username,
            password,
            realm,
            nonce_secret,
            nonce_lifetime: Duration::from_secs(CR_DEFAULT_NONCE_LIFETIME_SECS),
            rate_limit: RateLimit::DEFAULT,
        }
    }
}

/// Why a configuration value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The path is empty, does not start with `/`, holds a query, a space or a control
    /// character, or is longer than [`CR_MAX_PATH`].
    InvalidPath,
    /// The realm is empty, longer than [`DIGEST_MAX_REALM`], or holds `"`, `\` or controls.
    InvalidRealm,
    /// Username or password longer than [`CR_MAX_CREDENTIAL`].
    CredentialTooLong,
    /// Rate limit outside 1..=`CR_MAX_RATE_LIMIT` or a zero window.
    InvalidRateLimit,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::InvalidPath => "invalid connection request path",
            ConfigError::InvalidRealm => "invalid connection request realm",
            ConfigError::CredentialTooLong => "connection request credential too long",
            ConfigError::InvalidRateLimit => "invalid connection request rate limit",
        })
    }
}

/// Whether a CWMP session is running, as the caller knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// No session: a valid request starts one.
    Idle,
    /// A session is running: requests get 503 (§3.2.2 allows 503 here).
    InProgress,
}

/// Why a request was challenged (answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeReason {
    /// No Digest `Authorization` (the normal first request).
    NoCredentials,
    /// Valid credentials on an expired nonce (challenge carries `stale=true`).
    StaleNonce,
    /// Wrong user, password, realm, uri, nonce, opaque, nc, qop or algorithm.
    BadCredentials,
}

/// Why a request was refused without a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: malformed request or Authorization.
    BadRequest,
    /// 404: another path.
    NotFound,
    /// 405: another method.
    MethodNotAllowed,
    /// 408: not complete before the deadline.
    RequestTimeout,
    /// 413: a declared body too large.
    PayloadTooLarge,
    /// 414: request line too long.
    UriTooLong,
    /// 431: too many or too large header fields.
    HeadersTooLarge,
    /// 503: over the rate limit.
    RateLimited,
    /// 503: a session is already in progress.
    SessionInProgress,
}

impl Refusal {
    /// The HTTP status answered.
    pub const fn status(self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::NotFound => 404,
            Refusal::MethodNotAllowed => 405,
            Refusal::RequestTimeout => 408,
            Refusal::PayloadTooLarge => 413,
            Refusal::UriTooLong => 414,
            Refusal::HeadersTooLarge => 431,
            Refusal::RateLimited | Refusal::SessionInProgress => 503,
        }
    }

    fn from_request_error(e: RequestError) -> Self {
        match e {
            RequestError::RequestLineTooLong => Refusal::UriTooLong,
            RequestError::HeadersTooLarge => Refusal::HeadersTooLarge,
            RequestError::BodyTooLarge => Refusal::PayloadTooLarge,
            RequestError::Malformed => Refusal::BadRequest,
            RequestError::TimedOut => Refusal::RequestTimeout,
        }
    }
}

/// What a handled request means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrOutcome {
    /// Authenticated (answered 200): start a session with `6 CONNECTION REQUEST`.
    StartSession,
    /// Answered 401 with a fresh challenge.
    Challenged(ChallengeReason),
    /// Answered with an error status; nothing to do.
    Refused(Refusal),
}

impl CrOutcome {
    /// The HTTP status of the response written for this outcome.
    pub const fn status(self) -> u16 {
        match self {
            CrOutcome::StartSession => 200,
            CrOutcome::Challenged(_) => 401,
            CrOutcome::Refused(r) => r.status(),
        }
    }
}

/// Result of [`CrServer::handle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The request is not complete: wait for bytes or the reader's deadline.
    NeedMore,
    /// A response was written to the sink: send it, then close the connection.
    Respond(CrOutcome),
}

/// The Connection Request server state (configuration, nonce key, rate limiter).
#[derive(Debug, Clone)]
pub struct CrServer {
    path: heapless::String<CR_MAX_PATH>,
    realm: heapless::String<DIGEST_MAX_REALM>,
    username: heapless::String<CR_MAX_CREDENTIAL>,
    password: heapless::String<CR_MAX_CREDENTIAL>,
    nonces: NonceKey,
    opaque: [u8; OPAQUE_LEN],
    limiter: RateLimiter,
}

fn copy<const N: usize>(s: &str, e: ConfigError) -> Result<heapless::String<N>, ConfigError> {
    let mut out = heapless::String::new();
    out.push_str(s).map_err(|_| e)?;
    Ok(out)
}

impl CrServer {
    /// A server for `config`.
    pub fn new(config: &CrConfig<'_>) -> Result<Self, ConfigError> {
        if !config.rate_limit.is_valid() || config.rate_limit.window.is_zero() {
            return Err(ConfigError::InvalidRateLimit);
        }
        let realm = config.realm;
        if realm.is_empty()
            || realm
                .bytes()
                .any(|b| b == b'"' || b == b'\\' || b.is_ascii_control())
        {
            return Err(ConfigError::InvalidRealm);
        }
        let nonces = NonceKey::new(config.nonce_secret, config.nonce_lifetime);
        let mut server = CrServer {
            path: heapless::String::new(),
            realm: copy(realm, ConfigError::InvalidRealm)?,
            username: heapless::String::new(),
            password: heapless::String::new(),
            opaque: nonces.opaque(),
            nonces,
            limiter: RateLimiter::new(config.rate_limit),
        };
        server.set_path(config.path)?;
        server.set_credentials(config.username, config.password)?;
        Ok(server)
    }

    /// Replaces the credentials (the ACS or the user changed them); nonces stay valid.
    pub fn set_credentials(&mut self, username: &str, password: &str) -> Result<(), ConfigError> {
        let u = copy(username, ConfigError::CredentialTooLong)?;
        let p = copy(password, ConfigError::CredentialTooLong)?;
        self.username = u;
        self.password = p;
        Ok(())
    }

    /// Replaces the path that triggers.
    pub fn set_path(&mut self, path: &str) -> Result<(), ConfigError> {
        if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b'?') {
            return Err(ConfigError::InvalidPath);
        }
        self.path = copy(path, ConfigError::InvalidPath)?;
        Ok(())
    }

    /// Handles the bytes a connection delivered so far (`buf`, all of them) at `now`. Writes
    /// the response into `sink` when one is due; the sink needs `CR_MAX_RESPONSE_BYTES`.
    pub fn handle<S: Sink + ?Sized>(
        &mut self,
        reader: &mut RequestReader,
        buf: &[u8],
        now: Instant,
        session: SessionState,
        sink: &mut S,
    ) -> Result<Handled, Full> {
        let outcome = match reader.read(buf, now) {
            Ok(RequestStatus::Partial) => return Ok(Handled::NeedMore),
            Ok(RequestStatus::Complete(req)) => self.decide(&req, now, session),
            Err(e) => CrOutcome::Refused(Refusal::from_request_error(e)),
        };
        match outcome {
            CrOutcome::StartSession => info!("connection request accepted"),
            CrOutcome::Challenged(ChallengeReason::BadCredentials) => {
                warn!("connection request with wrong credentials")
            }
            CrOutcome::Refused(r) => debug!("connection request refused with {}", r.status()),
            CrOutcome::Challenged(_) => {}
        }
        self.write_response(outcome, now, sink)?;
        Ok(Handled::Respond(outcome))
    }

    fn decide(&mut self, req: &Request<'_>, now: Instant, session: SessionState) -> CrOutcome {
        if req.method() != "GET" {
            return CrOutcome::Refused(Refusal::MethodNotAllowed);
        }
        if req.path() != self.path.as_str() {
            return CrOutcome::Refused(Refusal::NotFound);
        }
        if !self.limiter.try_admit(now) {
            return CrOutcome::Refused(Refusal::RateLimited);
        }
        if session == SessionState::InProgress {
            return CrOutcome::Refused(Refusal::SessionInProgress);
        }
        self.verify(req, now)
    }

    /// Checks the Digest credentials of an admitted request.
    fn verify(&self, req: &Request<'_>, now: Instant) -> CrOutcome {
        use ChallengeReason::{BadCredentials, NoCredentials, StaleNonce};
        let Some(value) = req.authorization() else {
            return CrOutcome::Challenged(NoCredentials);
        };
        let a = match Authorization::parse(value) {
            Ok(Some(a)) => a,
            // Basic or another scheme: never accepted here (digest §8.1).
            Ok(None) => return CrOutcome::Challenged(NoCredentials),
            Err(_) => return CrOutcome::Refused(Refusal::BadRequest),
        };
        if a.username.is_none()
            || a.realm.is_none()
            || a.nonce.is_none()
            || a.uri.is_none()
            || a.response.is_none()
        {
            return CrOutcome::Refused(Refusal::BadRequest);
        }
        // Only nonces and opaque values issued here are worth hashing for.
        let issued = self.issued_here(&a, now);
        if issued == NonceCheck::Invalid {
            return CrOutcome::Challenged(BadCredentials);
        }
        match (self.check_digest(&a, req.target()), issued) {
            (DigestCheck::Match, NonceCheck::Valid) => CrOutcome::StartSession,
            (DigestCheck::Match, _) => CrOutcome::Challenged(StaleNonce),
            (DigestCheck::Mismatch, _) => CrOutcome::Challenged(BadCredentials),
        }
    }

    /// Whether nonce and opaque were issued by this server, and the nonce's age.
    fn issued_here(&self, a: &Authorization<'_>, now: Instant) -> NonceCheck {
        let opaque_ok = a
            .opaque
            .is_some_and(|o| constant_time_eq(o.raw().as_bytes(), &self.opaque));
        match a.nonce {
            Some(n) if opaque_ok && n.raw().len() == NONCE_LEN => {
                self.nonces.check(n.raw().as_bytes(), now)
            }
            _ => NonceCheck::Invalid,
        }
    }

    /// Whether the Digest fields prove knowledge of the configured credentials for a `GET` of
    /// `target` in this realm (nonce provenance is checked separately).
    fn check_digest(&self, a: &Authorization<'_>, target: &str) -> DigestCheck {
        let (Some(username), Some(realm), Some(nonce), Some(uri), Some(response)) =
            (a.username, a.realm, a.nonce, a.uri, a.response)
        else {
            return DigestCheck::Mismatch;
        };
        let algorithm = match a.algorithm {
            None => Algorithm::Md5,
            Some(v) if v.eq_ignore_case("MD5") => Algorithm::Md5,
            Some(v) if v.eq_ignore_case("SHA-256") => Algorithm::Sha256,
            Some(_) => return DigestCheck::Mismatch,
        };
        // We offer qop="auth" only; RFC 7616 §3.4 makes qop, nc and cnonce mandatory then.
        let (Some(qop), Some(nc), Some(cnonce)) = (a.qop, a.nc, a.cnonce) else {
            return DigestCheck::Mismatch;
        };
        if !qop.eq_ignore_case("auth")
            || !is_nc(nc.raw())
            || !realm.eq_str(&self.realm)
            || !uri.eq_str(target)
        {
            return DigestCheck::Mismatch;
        }
        // Username and response are both checked, always, without early exit.
        let user_ok = username_matches(&username, &self.username);
        let expected = compute_response(&ResponseInput {
            algorithm,
            username: Value::plain(&self.username),
            realm: Value::plain(&self.realm),
            password: &self.password,
            method: "GET",
            uri,
            nonce,
            qop_auth: Some((nc.raw(), cnonce)),
        });
        let response_ok = response_matches(&response, expected.as_bytes());
        if user_ok & response_ok {
            DigestCheck::Match
        } else {
            DigestCheck::Mismatch
        }
    }

    /// Writes the response for `outcome`: status line, challenge headers for 401, `Allow` for
    /// 405, `Content-Length: 0`, `Connection: close`.
    fn write_response<S: Sink + ?Sized>(
        &self,
        outcome: CrOutcome,
        now: Instant,
        sink: &mut S,
    ) -> Result<(), Full> {
        sink.write_str(match outcome.status() {
            200 => "HTTP/1.1 200 OK\r\n",
            401 => "HTTP/1.1 401 Unauthorized\r\n",
            400 => "HTTP/1.1 400 Bad Request\r\n",
            404 => "HTTP/1.1 404 Not Found\r\n",
            405 => "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n",
            408 => "HTTP/1.1 408 Request Timeout\r\n",
            413 => "HTTP/1.1 413 Content Too Large\r\n",
            414 => "HTTP/1.1 414 URI Too Long\r\n",
            431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n",
            _ => "HTTP/1.1 503 Service Unavailable\r\n",
        })?;
        if let CrOutcome::Challenged(reason) = outcome {
            let nonce = self.nonces.issue(now);
            // SHA-256 first (RFC 7616 §3.7: in order of preference) and MD5 last, with the same
            // nonce and opaque: GenieACS merges repeated WWW-Authenticate fields and keeps the
            // last value of each parameter, and it only computes MD5, so MD5 must come last.
            for algorithm in [Algorithm::Sha256, Algorithm::Md5] {
                self.write_challenge(algorithm, &nonce, reason, sink)?;
            }
        }
        sink.write_str("Content-Length: 0\r\nConnection: close\r\n\r\n")
    }

    fn write_challenge<S: Sink + ?Sized>(
        &self,
        algorithm: Algorithm,
        nonce: &[u8; NONCE_LEN],
        reason: ChallengeReason,
        sink: &mut S,
    ) -> Result<(), Full> {
        // The realm was checked to hold no quote or backslash, so it is written as is.
        sink.write_str("WWW-Authenticate: Digest realm=\"")?;
        sink.write_str(&self.realm)?;
        sink.write_str("\", qop=\"auth\", nonce=\"")?;
        sink.write(nonce)?;
        sink.write_str("\", opaque=\"")?;
        sink.write(&self.opaque)?;
        sink.write_str("\", algorithm=")?;
        sink.write_str(algorithm.as_str())?;
        if reason == ChallengeReason::StaleNonce {
            sink.write_str(", stale=true")?;
        }
        sink.write_str("\r\n")
    }
}

/// Result of checking the Digest fields against the configured credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DigestCheck {
    Match,
    Mismatch,
}

fn is_nc(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Constant-time comparison of the received (unescaped) username with the configured one.
fn username_matches(received: &Value<'_>, configured: &str) -> bool {
    let mut buf = [0u8; CR_MAX_CREDENTIAL];
    let mut len = 0;
    for b in received.bytes() {
        match buf.get_mut(len) {
            Some(slot) => *slot = b,
            None => return false,
        }
        len += 1;
    }
    // The loop stops before `len` exceeds the buffer.
    constant_time_eq(&buf[..len], configured.as_bytes())
}

/// Constant-time comparison of a received `response` (hex, any case) with the expected one.
fn response_matches(received: &Value<'_>, expected: &[u8]) -> bool {
    let raw = received.raw().as_bytes();
    let mut lower = [0u8; 64];
    if raw.len() != expected.len() || raw.len() > lower.len() {
        return false;
    }
    // raw.len() <= 64 was checked above.
    for (l, r) in lower.iter_mut().zip(raw) {
        *l = r.to_ascii_lowercase();
    }
    constant_time_eq(&lower[..raw.len()], expected)
}

#[cfg(test)]
mod tests;
