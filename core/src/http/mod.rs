//! HTTP/1.1 for a TR-069 CPE, sans-IO.
//!
//! The CPE is an HTTP client towards the ACS ([`url`], [`request`], [`response`], [`chunked`],
//! [`cookies`], [`auth`], [`basic`], [`digest`], [`redirect`]) and a tiny HTTP server for
//! Connection Requests ([`cr`]). Every function here takes bytes, time and entropy from the
//! caller and gives bytes and decisions back; buffers belong to the caller and every parser is
//! bounded by the `HTTP_*`, `COOKIE_*`, `DIGEST_*` and `CR_*` limits in [`crate::limits`].
//! Sockets, TLS, clocks and randomness are the platform's business.
//!
//! One CWMP session, as the session layer drives it:
//!
//! 1. Start: `CookieJar::clear`, `ClientAuth::reset(entropy)`, `RedirectCounter::new`, and the
//!    target `Url` = the configured ACS URL.
//! 2. For each new TCP connection: `ClientAuth::start_connection(entropy)` (fresh cnonce).
//! 3. For each POST: `PostRequest::write_head` (cookies + Authorization are added from the jar
//!    and the authenticator), then the body bytes; then feed received bytes to a fresh
//!    `ResponseParser` until `Status::Complete` (or `finish` on EOF).
//! 4. On the complete `Response`: store every `set_cookies()` value in the jar; then act on
//!    `outcome()`:
//!    - `Envelope`/`NoMoreRequests`: `ClientAuth::on_accepted`, `RedirectCounter::on_other`;
//!    - `AuthChallenge`: `ClientAuth::on_challenge(response.challenges())`; on `Ok` resend the
//!      same request (new connection if `persistence()` is `Close`), on `Err` the session fails;
//!    - `Redirect { location }`: `RedirectCounter::on_redirect()?`, `Url::resolve(location)`,
//!      resend the same request there on a new connection (kept for this session only);
//!    - `Failure { status }`: the session failed.
//! 5. If `persistence()` is `Close`, close and reconnect for the next request; otherwise move
//!    `buf[consumed()..filled]` to the front of the buffer and go on.

pub mod auth;
pub mod basic;
pub mod chunked;
pub mod cookies;
pub mod cr;
pub mod digest;
pub mod headers;
pub mod redirect;
pub mod request;
pub mod response;
pub mod url;

#[cfg(test)]
mod vectors;
