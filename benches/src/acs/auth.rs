//! HTTP authentication of the CPE by the test ACS (Basic or Digest), per connection.
//!
//! Responsible for the challenge the ACS sends and for checking the `Authorization` the CPE
//! answers with, the way GenieACS does: one challenge per connection, then a request that still
//! fails is refused with `Connection: close`; a connection that authenticated once stays
//! authenticated; a new connection authenticates again. Digest responses are computed with
//! core's `cwmp_core::http::digest`. Not responsible for the HTTP exchange itself.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use cwmp_core::http::basic;
use cwmp_core::http::digest::{self, Algorithm, ResponseInput, Value};
use cwmp_core::sink::{Full, Sink};

/// How the ACS authenticates the CPE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    /// No authentication (GenieACS' default).
    #[default]
    None,
    /// HTTP Basic with these credentials.
    Basic {
        /// Expected user name.
        username: String,
        /// Expected password.
        password: String,
    },
    /// HTTP Digest (qop `auth`, with `opaque`) with these credentials.
    Digest {
        /// Expected user name.
        username: String,
        /// Expected password.
        password: String,
        /// Realm in the challenge.
        realm: String,
        /// Algorithm in the challenge (`MD5` in GenieACS' and most CPEs' world).
        algorithm: Algorithm,
    },
}

impl Auth {
    /// Basic with `username`/`password`.
    pub fn basic(username: &str, password: &str) -> Auth {
        Auth::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    /// Digest MD5 with `username`/`password`, realm `cwmp-bench`.
    pub fn digest(username: &str, password: &str) -> Auth {
        Auth::Digest {
            username: username.to_owned(),
            password: password.to_owned(),
            realm: "cwmp-bench".to_owned(),
            algorithm: Algorithm::Md5,
        }
    }
}

/// `n` random bytes as lower-case hex (std's randomly keyed hasher over a counter and the
/// clock: unpredictable enough for a test server's nonces and cookies).
pub fn random_hex(n: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(2 * n);
    while out.len() < 2 * n {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        h.write_u128(nanos);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(2 * n);
    out
}

/// What the ACS does with a request, as far as authentication goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on with the request.
    Accept,
    /// Answer 401 with this `WWW-Authenticate` value and keep the connection.
    Challenge(String),
    /// Answer 401 with `Connection: close`: the credentials are wrong (the text says how).
    Refuse(String),
}

/// The authentication state of one connection.
#[derive(Debug, Default)]
pub struct ConnAuth {
    authenticated: bool,
    challenged: bool,
    nonce: Option<String>,
    opaque: Option<String>,
}

struct VecSink(Vec<u8>);

impl Sink for VecSink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

impl ConnAuth {
    /// Decides about a `method` request carrying `authorization` (the header value, if any).
    pub fn check(&mut self, auth: &Auth, method: &str, authorization: Option<&str>) -> Verdict {
        if *auth == Auth::None || self.authenticated {
            return Verdict::Accept;
        }
        let result = match authorization {
            None => Err("no Authorization".to_owned()),
            Some(value) => self.verify(auth, method, value),
        };
        match result {
            Ok(()) => {
                self.authenticated = true;
                Verdict::Accept
            }
            Err(why) if self.challenged => Verdict::Refuse(why),
            Err(_) => {
                self.challenged = true;
                Verdict::Challenge(self.challenge(auth))
            }
        }
    }

    fn challenge(&mut self, auth: &Auth) -> String {
        match auth {
            Auth::None => String::new(),
            Auth::Basic { .. } => "Basic realm=\"cwmp-bench\"".to_owned(),
            Auth::Digest {
                realm, algorithm, ..
            } => {
                let nonce = random_hex(16);
                let opaque = random_hex(16);
                let mut quoted = VecSink(Vec::new());
                // Writing into a Vec cannot fail.
                let _ = digest::write_quoted(realm, &mut quoted);
                let c = format!(
                    "Digest realm={}, qop=\"auth\", nonce=\"{nonce}\", opaque=\"{opaque}\", algorithm={}",
                    String::from_utf8_lossy(&quoted.0),
                    algorithm.as_str()
                );
                self.nonce = Some(nonce);
                self.opaque = Some(opaque);
                c
            }
        }
    }

    fn verify(&self, auth: &Auth, method: &str, value: &str) -> Result<(), String> {
        match auth {
            Auth::None => Ok(()),
            Auth::Basic { username, password } => {
                let mut want = VecSink(Vec::new());
                // Writing into a Vec cannot fail.
                let _ = basic::write_credentials(username, password, &mut want);
                let want = String::from_utf8_lossy(&want.0).into_owned();
                let (scheme, creds) = value.trim().split_once(' ').unwrap_or((value, ""));
                let (_, want_creds) = want.split_once(' ').unwrap_or(("", ""));
                if !scheme.eq_ignore_ascii_case("Basic") {
                    return Err(format!("scheme {scheme:?} instead of Basic"));
                }
                if creds.trim() != want_creds {
                    return Err("wrong Basic credentials".to_owned());
                }
                Ok(())
            }
            Auth::Digest {
                username,
                password,
                realm,
                algorithm,
            } => {
                let a = match digest::Authorization::parse(value) {
                    Ok(Some(a)) => a,
                    Ok(None) => return Err("not a Digest Authorization".to_owned()),
                    Err(e) => return Err(format!("Authorization: {e}")),
                };
                let nonce = self.nonce.as_deref().ok_or("Digest before any challenge")?;
                let user = need(a.username, "username")?;
                let a_realm = need(a.realm, "realm")?;
                let a_nonce = need(a.nonce, "nonce")?;
                let uri = need(a.uri, "uri")?;
                let response = need(a.response, "response")?;
                if !a_nonce.eq_str(nonce) {
                    return Err("nonce not issued on this connection".to_owned());
                }
                if let Some(opaque) = &self.opaque
                    && !a.opaque.is_some_and(|o| o.eq_str(opaque))
                {
                    return Err("opaque not echoed".to_owned());
                }
                if !a_realm.eq_str(realm) {
                    return Err("wrong realm".to_owned());
                }
                let alg = match a.algorithm {
                    None => Algorithm::Md5,
                    Some(v) => {
                        let s: String = v.bytes().map(char::from).collect();
                        Algorithm::parse(&s).ok_or(format!("algorithm {s:?}"))?
                    }
                };
                if alg != *algorithm {
                    return Err(format!("algorithm {} not offered", alg.as_str()));
                }
                let qop_auth = match a.qop {
                    None => None,
                    Some(q) if q.eq_ignore_case("auth") => {
                        let nc = need(a.nc, "nc")?;
                        let cnonce = need(a.cnonce, "cnonce")?;
                        Some((nc.raw(), cnonce))
                    }
                    Some(q) => return Err(format!("qop {:?}", q.raw())),
                };
                if !user.eq_str(username) {
                    return Err("wrong user name".to_owned());
                }
                let expected = digest::compute_response(&ResponseInput {
                    algorithm: alg,
                    username: user,
                    realm: a_realm,
                    password,
                    method,
                    uri,
                    nonce: a_nonce,
                    qop_auth,
                });
                let got: Vec<u8> = response.bytes().collect();
                if digest::constant_time_eq(expected.as_bytes(), &got) {
                    Ok(())
                } else {
                    Err("wrong Digest response (password)".to_owned())
                }
            }
        }
    }
}

fn need<'a>(v: Option<Value<'a>>, what: &str) -> Result<Value<'a>, String> {
    v.ok_or_else(|| format!("Digest without {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_the_asked_length_and_varies() {
        let a = random_hex(8);
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, random_hex(8));
    }

    #[test]
    fn basic_accepts_only_the_configured_credentials_after_one_challenge() {
        let auth = Auth::basic("Aladdin", "open sesame");
        let mut c = ConnAuth::default();
        assert!(matches!(
            c.check(&auth, "POST", None),
            Verdict::Challenge(_)
        ));
        assert!(matches!(
            c.check(&auth, "POST", Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZR==")),
            Verdict::Refuse(_)
        ));
        let mut c = ConnAuth::default();
        c.check(&auth, "POST", None);
        assert_eq!(
            c.check(&auth, "POST", Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")),
            Verdict::Accept
        );
        assert_eq!(c.check(&auth, "POST", None), Verdict::Accept);
    }

    #[test]
    fn digest_challenge_carries_qop_nonce_and_opaque() {
        let mut c = ConnAuth::default();
        let Verdict::Challenge(ch) = c.check(&Auth::digest("u", "p"), "POST", None) else {
            panic!("no challenge");
        };
        assert!(ch.starts_with("Digest realm=\"cwmp-bench\", qop=\"auth\", nonce=\""));
        assert!(ch.contains("opaque=\"") && ch.ends_with("algorithm=MD5"));
    }
}
