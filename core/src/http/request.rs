//! The CPE's HTTP POST to the ACS (digest §1.1).
//!
//! Responsible for writing the request head of every CWMP POST: request line, `Host`,
//! `User-Agent`, `Content-Type` and `SOAPAction` only when an envelope is carried (an empty
//! POST has neither), `Content-Length`, the session's cookies, `Authorization` from the client
//! authenticator, `Connection` and (only when configured) `Expect: 100-continue`. Not
//! responsible for the body bytes, which the caller writes after the head (its length is known
//! beforehand, e.g. from a `CountingSink` pass of the encoder).

use super::auth::{ClientAuth, Credentials, Transport};
use super::cookies::CookieJar;
use super::url::Url;
use crate::sink::{Full, Sink};
use crate::time::UnixTime;

/// The `SOAPAction` header of a POST carrying an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapAction<'a> {
    /// `SOAPAction:` with no value: required for responses and faults, safe for requests.
    Empty,
    /// `SOAPAction: "<value>"` (some CPEs send the method name for requests).
    Quoted(&'a str),
}

/// What the POST carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The empty POST: `Content-Length: 0`, no `Content-Type`, no `SOAPAction`.
    Empty,
    /// One SOAP envelope of `len` bytes.
    Envelope {
        /// Body length in bytes.
        len: usize,
        /// The SOAPAction header.
        action: SoapAction<'a>,
    },
    /// One SOAP envelope sent with `Transfer-Encoding: chunked`, for a body too large to be
    /// written into one buffer before its length is known.
    Chunked {
        /// The SOAPAction header.
        action: SoapAction<'a>,
    },
}

/// Whether the CPE asks to keep the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// `Connection: keep-alive` (TR-069 §3.4.2: one connection per session).
    KeepAlive,
    /// `Connection: close`.
    Close,
}

/// Whether `Expect: 100-continue` is sent with an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Never (the default: many ACSs answer 100-continue badly).
    Nothing,
    /// `Expect: 100-continue` on POSTs with a body.
    Continue,
}

/// One CWMP POST.
#[derive(Debug, Clone, Copy)]
pub struct PostRequest<'a> {
    /// Where to (the ACS URL or the redirected one).
    pub url: &'a Url<'a>,
    /// What is carried.
    pub body: Body<'a>,
    /// `User-Agent` value; empty omits the header.
    pub user_agent: &'a str,
    /// Keep-alive or close.
    pub connection: Connection,
    /// Expect: 100-continue or not.
    pub expect: Expect,
}

impl PostRequest<'_> {
    /// Writes the head (up to and including the blank line). Cookies applying to the URL at
    /// wall-clock `now` are taken from `cookies`; `auth` adds `Authorization` when due (and
    /// counts the nonce).
    pub fn write_head<S: Sink + ?Sized>(
        &self,
        cookies: &CookieJar,
        now: UnixTime,
        auth: &mut ClientAuth,
        credentials: &Credentials<'_>,
        sink: &mut S,
    ) -> Result<(), Full> {
        let url = self.url;
        sink.write_str("POST ")?;
        sink.write_str(url.target())?;
        sink.write_str(" HTTP/1.1\r\nHost: ")?;
        url.write_host_header_value(sink)?;
        sink.write_str("\r\n")?;
        if !self.user_agent.is_empty() {
            sink.write_str("User-Agent: ")?;
            sink.write_str(self.user_agent)?;
            sink.write_str("\r\n")?;
        }
        let action = match self.body {
            Body::Empty => None,
            Body::Envelope { action, .. } | Body::Chunked { action } => Some(action),
        };
        if let Some(action) = action {
            sink.write_str("Content-Type: text/xml; charset=\"utf-8\"\r\n")?;
            match action {
                SoapAction::Empty => sink.write_str("SOAPAction:\r\n")?,
                SoapAction::Quoted(v) => {
                    sink.write_str("SOAPAction: \"")?;
                    sink.write_str(v)?;
                    sink.write_str("\"\r\n")?;
                }
            }
        }
        let len = match self.body {
            Body::Empty => Some(0),
            Body::Envelope { len, .. } => Some(len),
            Body::Chunked { .. } => None,
        };
        match len {
            Some(len) => {
                sink.write_str("Content-Length: ")?;
                sink.write_u64(len as u64)?;
                sink.write_str("\r\n")?;
            }
            None => sink.write_str("Transfer-Encoding: chunked\r\n")?,
        }
        cookies.write_cookie_header(url.host(), url.path(), url.is_secure(), now, sink)?;
        let transport = if url.is_secure() {
            Transport::Tls
        } else {
            Transport::Plain
        };
        auth.write_authorization(credentials, "POST", url.target(), transport, sink)?;
        sink.write_str(match self.connection {
            Connection::KeepAlive => "Connection: keep-alive\r\n",
            Connection::Close => "Connection: close\r\n",
        })?;
        if self.expect == Expect::Continue && len != Some(0) {
            sink.write_str("Expect: 100-continue\r\n")?;
        }
        sink.write_str("\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::auth::Preemptive;
    use std::string::String;

    const NOW: UnixTime = UnixTime(1_795_000_000);
    const CREDS: Credentials<'static> = Credentials {
        username: "A1B2C3-OpenWrtCPE-VEC0001",
        password: "secret",
    };

    fn head(req: &PostRequest<'_>, jar: &CookieJar, auth: &mut ClientAuth) -> String {
        let mut v: heapless::Vec<u8, 2048> = heapless::Vec::new();
        req.write_head(jar, NOW, auth, &CREDS, &mut v).unwrap();
        String::from_utf8(v.to_vec()).unwrap()
    }

    #[test]
    fn inform_post_to_genieacs() {
        let url = Url::parse("http://127.0.0.1:17547/").unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Envelope {
                len: 1785,
                action: SoapAction::Empty,
            },
            user_agent: "cwmpd/0.1",
            connection: Connection::KeepAlive,
            expect: Expect::Nothing,
        };
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        assert_eq!(
            head(&req, &CookieJar::new(), &mut auth),
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:17547\r\nUser-Agent: cwmpd/0.1\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction:\r\nContent-Length: 1785\r\nConnection: keep-alive\r\n\r\n"
        );
    }

    #[test]
    fn empty_post_has_no_body_headers_but_carries_the_cookie() {
        let url = Url::parse("http://127.0.0.1:17547/").unwrap();
        let mut jar = CookieJar::new();
        jar.store("session=dda2751438a85098", "127.0.0.1", "/", NOW)
            .unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Empty,
            user_agent: "",
            connection: Connection::KeepAlive,
            expect: Expect::Continue,
        };
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        let h = head(&req, &jar, &mut auth);
        assert_eq!(
            h,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:17547\r\nContent-Length: 0\r\nCookie: session=dda2751438a85098\r\nConnection: keep-alive\r\n\r\n"
        );
        assert!(!h.contains("SOAPAction") && !h.contains("Content-Type") && !h.contains("Expect"));
    }

    #[test]
    fn chunked_post_announces_transfer_encoding_instead_of_length() {
        let url = Url::parse("http://127.0.0.1:17547/").unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Chunked {
                action: SoapAction::Empty,
            },
            user_agent: "",
            connection: Connection::KeepAlive,
            expect: Expect::Nothing,
        };
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        let h = head(&req, &CookieJar::new(), &mut auth);
        assert_eq!(
            h,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:17547\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction:\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        );
    }

    #[test]
    fn expect_continue_only_when_configured_and_with_a_body() {
        let url = Url::parse("https://acs.example.com/cwmp?id=1").unwrap();
        let mut req = PostRequest {
            url: &url,
            body: Body::Envelope {
                len: 10,
                action: SoapAction::Quoted("urn:dslforum-org:cwmp-1-0#Inform"),
            },
            user_agent: "",
            connection: Connection::Close,
            expect: Expect::Nothing,
        };
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        let h = head(&req, &CookieJar::new(), &mut auth);
        assert!(h.starts_with("POST /cwmp?id=1 HTTP/1.1\r\nHost: acs.example.com\r\n"));
        assert!(h.contains("SOAPAction: \"urn:dslforum-org:cwmp-1-0#Inform\"\r\n"));
        assert!(h.contains("Connection: close\r\n"));
        assert!(!h.contains("Expect"));
        req.expect = Expect::Continue;
        let h = head(&req, &CookieJar::new(), &mut auth);
        assert!(h.ends_with("Expect: 100-continue\r\n\r\n"));
    }

    #[test]
    fn authorization_follows_a_challenge_and_uses_the_request_target() {
        let url = Url::parse("http://acs/cwmp?x=1").unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Empty,
            user_agent: "",
            connection: Connection::KeepAlive,
            expect: Expect::Nothing,
        };
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        auth.on_challenge(["Digest realm=\"GenieACS\", nonce=\"n\", qop=\"auth,auth-int\""])
            .unwrap();
        let h = head(&req, &CookieJar::new(), &mut auth);
        assert!(h.contains("Authorization: Digest username=\"A1B2C3-OpenWrtCPE-VEC0001\", realm=\"GenieACS\", nonce=\"n\", uri=\"/cwmp?x=1\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"00000000000000000000000000000000\", response=\""), "{h}");
    }

    #[test]
    fn preemptive_basic_over_https() {
        let url = Url::parse("https://acs/").unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Empty,
            user_agent: "",
            connection: Connection::KeepAlive,
            expect: Expect::Nothing,
        };
        let mut auth = ClientAuth::new(Preemptive::BasicOverTls, &[0; 16]);
        assert!(head(&req, &CookieJar::new(), &mut auth).contains("Authorization: Basic "));
    }

    #[test]
    fn full_sink_is_reported() {
        let url = Url::parse("http://acs/").unwrap();
        let req = PostRequest {
            url: &url,
            body: Body::Empty,
            user_agent: "",
            connection: Connection::KeepAlive,
            expect: Expect::Nothing,
        };
        let mut v: heapless::Vec<u8, 20> = heapless::Vec::new();
        let mut auth = ClientAuth::new(Preemptive::Never, &[0; 16]);
        assert_eq!(
            req.write_head(&CookieJar::new(), NOW, &mut auth, &CREDS, &mut v),
            Err(Full)
        );
    }
}
