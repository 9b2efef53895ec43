use super::*;
use crate::http::digest::Challenges;
use crate::http::vectors;
use crate::limits::{CR_MAX_RATE_LIMIT, CR_MAX_RESPONSE_BYTES};
use std::string::{String, ToString};
use std::vec::Vec;

const SECRET: [u8; 32] = [0x42; 32];
const T0: Instant = Instant::from_millis(50_000);
const GENIEACS_HOST: &str = "Host: 127.0.0.1:17548\r\nConnection: keep-alive\r\n";

fn server() -> CrServer {
    CrServer::new(&CrConfig::new(
        "/cr",
        "cpe-cr",
        "cr-secret",
        "OpenWrt-CPE",
        SECRET,
    ))
    .unwrap()
}

/// Handles one complete request on a fresh connection; returns outcome and response text.
fn exchange(
    s: &mut CrServer,
    raw: &[u8],
    now: Instant,
    session: SessionState,
) -> (CrOutcome, String) {
    let mut reader = RequestReader::new(now + Duration::from_secs(30));
    let mut out: heapless::Vec<u8, CR_MAX_RESPONSE_BYTES> = heapless::Vec::new();
    match s.handle(&mut reader, raw, now, session, &mut out).unwrap() {
        Handled::Respond(o) => (o, String::from_utf8(out.to_vec()).unwrap()),
        Handled::NeedMore => panic!("incomplete"),
    }
}

fn challenge_values(response: &str) -> Vec<String> {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .map(ToString::to_string)
        .collect()
}

/// An Authorization value computed by http-auth (an independent implementation) for the
/// `index`th challenge of `response`.
fn independent_answer(response: &str, index: usize, user: &str, pass: &str, uri: &str) -> String {
    let values = challenge_values(response);
    let parsed = http_auth::parse_challenges(&values[index]).unwrap();
    let mut client = http_auth::DigestClient::try_from(&parsed[0]).unwrap();
    client
        .respond_with_testing_cnonce(
            &http_auth::PasswordParams {
                username: user,
                password: pass,
                uri,
                method: "GET",
                body: None,
            },
            "d7aa4d9fe931a3fa",
        )
        .unwrap()
}

fn get(target: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut s = std::format!("GET {target} HTTP/1.1\r\n");
    if let Some(a) = authorization {
        s.push_str(&std::format!("Authorization: {a}\r\n"));
    }
    s.push_str(GENIEACS_HOST);
    s.push_str("\r\n");
    s.into_bytes()
}

/// A valid MD5 Authorization (computed by http-auth) for a fresh challenge at `now`.
fn valid_md5(s: &mut CrServer, now: Instant) -> String {
    let (_, resp) = exchange(s, &get("/cr", None), now, SessionState::Idle);
    independent_answer(&resp, 1, "cpe-cr", "cr-secret", "/cr")
}

#[test]
fn genieacs_first_get_is_challenged_with_sha256_then_md5() {
    let mut s = server();
    let raw = vectors::file("06_connection_request_and_addObject", "01_cr_request.http");
    let (outcome, resp) = exchange(&mut s, &raw, T0, SessionState::Idle);
    assert_eq!(
        outcome,
        CrOutcome::Challenged(ChallengeReason::NoCredentials)
    );
    assert!(resp.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
    assert!(resp.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"));
    let values = challenge_values(&resp);
    assert_eq!(values.len(), 2);
    assert!(values[0].ends_with("algorithm=SHA-256"));
    assert!(values[1].ends_with("algorithm=MD5"));
    for v in &values {
        assert!(v.starts_with("Digest realm=\"OpenWrt-CPE\", qop=\"auth\", nonce=\""));
    }
    // Same nonce and opaque in both: GenieACS joins the two fields and keeps the last value of
    // each parameter, which must still be a consistent MD5 challenge.
    let strip = |v: &str| v.rsplit_once(", algorithm=").unwrap().0.to_string();
    assert_eq!(strip(&values[0]), strip(&values[1]));
}

#[test]
fn genieacs_style_authorization_from_an_independent_client_starts_a_session() {
    let mut s = server();
    for index in [0, 1] {
        let (_, resp) = exchange(&mut s, &get("/cr", None), T0, SessionState::Idle);
        let auth = independent_answer(&resp, index, "cpe-cr", "cr-secret", "/cr");
        let (outcome, resp) = exchange(&mut s, &get("/cr", Some(&auth)), T0, SessionState::Idle);
        assert_eq!(
            outcome,
            CrOutcome::StartSession,
            "challenge {index}: {auth}"
        );
        assert_eq!(
            resp,
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}

#[test]
fn genieacs_recorded_authorizations_match_only_the_right_password() {
    let s = server();
    let check = |scenario: &str, server: &CrServer| {
        let raw = vectors::file(scenario, "02_cr_request.http");
        let RequestStatus::Complete(req) = RequestReader::new(T0).read(&raw, T0).unwrap() else {
            panic!()
        };
        let a = Authorization::parse(req.authorization().unwrap())
            .unwrap()
            .unwrap();
        server.check_digest(&a, req.target())
    };
    assert_eq!(
        check("06_connection_request_and_addObject", &s),
        DigestCheck::Match
    );
    // In scenario 14 the CPE expected another password than the one GenieACS used.
    let mut other = server();
    other.set_credentials("cpe-cr", "another-password").unwrap();
    assert_eq!(
        check("14_connection_request_wrong_credentials", &other),
        DigestCheck::Mismatch
    );
    assert_eq!(
        check("06_connection_request_and_addObject", &other),
        DigestCheck::Mismatch
    );
    // With the password GenieACS used, scenario 14's request is well formed and matches.
    assert_eq!(
        check("14_connection_request_wrong_credentials", &s),
        DigestCheck::Match
    );
}

#[test]
fn genieacs_recorded_request_is_not_accepted_on_a_nonce_we_never_issued() {
    let mut s = server();
    let raw = vectors::file("06_connection_request_and_addObject", "02_cr_request.http");
    let (outcome, resp) = exchange(&mut s, &raw, T0, SessionState::Idle);
    assert_eq!(
        outcome,
        CrOutcome::Challenged(ChallengeReason::BadCredentials)
    );
    assert!(resp.starts_with("HTTP/1.1 401"));
}

#[test]
fn rfc7616_examples_verify_and_fail_with_another_password() {
    let mut s = CrServer::new(&CrConfig::new(
        "/dir/index.html",
        "Mufasa",
        "Circle of Life",
        "http-auth@example.org",
        SECRET,
    ))
    .unwrap();
    let common = "username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    let sha = std::format!(
        "Digest {common}, algorithm=SHA-256, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
    );
    let md5 = std::format!(
        "Digest {common}, algorithm=MD5, response=\"8ca523f5e9506fed4657c9700eebdbec\""
    );
    for v in [&sha, &md5] {
        let a = Authorization::parse(v).unwrap().unwrap();
        assert_eq!(s.check_digest(&a, "/dir/index.html"), DigestCheck::Match);
    }
    s.set_credentials("Mufasa", "Circle Of Life").unwrap();
    for v in [&sha, &md5] {
        let a = Authorization::parse(v).unwrap().unwrap();
        assert_eq!(s.check_digest(&a, "/dir/index.html"), DigestCheck::Mismatch);
    }
}

/// Replaces the value of parameter `name` in an Authorization value.
fn tamper(auth: &str, name: &str, new_value: &str) -> String {
    let start = auth.find(&std::format!("{name}=")).unwrap() + name.len() + 1;
    let rest = &auth[start..];
    let len = if let Some(quoted) = rest.strip_prefix('"') {
        quoted.find('"').unwrap() + 2
    } else {
        rest.find(',').unwrap_or(rest.len())
    };
    std::format!("{}{}{}", &auth[..start], new_value, &auth[start + len..])
}

#[test]
fn tampered_fields_are_each_rejected() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    let (ok, _) = exchange(&mut s, &get("/cr", Some(&auth)), T0, SessionState::Idle);
    assert_eq!(ok, CrOutcome::StartSession);
    let nonce = auth.split("nonce=\"").nth(1).unwrap()[..NONCE_LEN].to_string();
    let mut other_nonce = nonce.clone().into_bytes();
    other_nonce[NONCE_LEN - 1] = if other_nonce[NONCE_LEN - 1] == b'0' {
        b'1'
    } else {
        b'0'
    };
    let other_nonce = String::from_utf8(other_nonce).unwrap();
    let cases = [
        ("uri", tamper(&auth, "uri", "\"/cr2\"")),
        ("nc", tamper(&auth, "nc", "00000002")),
        (
            "nonce",
            tamper(&auth, "nonce", &std::format!("\"{other_nonce}\"")),
        ),
        ("realm", tamper(&auth, "realm", "\"OpenWrt\"")),
        (
            "response",
            tamper(&auth, "response", "\"00000000000000000000000000000000\""),
        ),
        ("username", tamper(&auth, "username", "\"cpe-cr2\"")),
        ("cnonce", tamper(&auth, "cnonce", "\"d7aa4d9fe931a3fb\"")),
        (
            "opaque",
            tamper(&auth, "opaque", "\"5ccc069c403ebaf9f0171e9517f40e41\""),
        ),
        ("qop", tamper(&auth, "qop", "auth-int")),
        ("algorithm", tamper(&auth, "algorithm", "SHA-256")),
    ];
    for (what, bad) in cases {
        assert_ne!(bad, auth, "{what} not tampered");
        let (o, resp) = exchange(&mut s, &get("/cr", Some(&bad)), T0, SessionState::Idle);
        assert_eq!(
            o,
            CrOutcome::Challenged(ChallengeReason::BadCredentials),
            "{what}"
        );
        assert!(resp.starts_with("HTTP/1.1 401"), "{what}");
        assert!(!resp.contains("stale"), "{what}");
    }
    // The request target must match the uri the client hashed.
    let (o, _) = exchange(&mut s, &get("/cr?x=1", Some(&auth)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::BadCredentials));
}

#[test]
fn expired_nonce_is_rejected_as_stale_and_a_fresh_one_works() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    let late = T0 + Duration::from_secs(CR_DEFAULT_NONCE_LIFETIME_SECS + 1);
    let (o, resp) = exchange(&mut s, &get("/cr", Some(&auth)), late, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::StaleNonce));
    let values = challenge_values(&resp);
    assert!(values.iter().all(|v| v.ends_with(", stale=true")));
    let fresh = independent_answer(&resp, 1, "cpe-cr", "cr-secret", "/cr");
    let (o, _) = exchange(&mut s, &get("/cr", Some(&fresh)), late, SessionState::Idle);
    assert_eq!(o, CrOutcome::StartSession);
    // An expired nonce with a wrong password is not stale, just wrong.
    let wrong = tamper(&auth, "response", "\"00000000000000000000000000000000\"");
    let (o, _) = exchange(&mut s, &get("/cr", Some(&wrong)), late, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::BadCredentials));
}

#[test]
fn missing_fields_and_broken_authorization_are_400_or_401() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    let no_response = auth.replace(", response=", ", xresponse=");
    let (o, _) = exchange(
        &mut s,
        &get("/cr", Some(&no_response)),
        T0,
        SessionState::Idle,
    );
    assert_eq!(o, CrOutcome::Refused(Refusal::BadRequest));
    let (o, resp) = exchange(
        &mut s,
        &get("/cr", Some("Digest username=\"unterminated")),
        T0,
        SessionState::Idle,
    );
    assert_eq!(
        (o, o.status()),
        (CrOutcome::Refused(Refusal::BadRequest), 400)
    );
    assert_eq!(
        resp,
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let no_qop = auth.replace("qop=auth,", "");
    assert_ne!(no_qop, auth);
    let (o, _) = exchange(&mut s, &get("/cr", Some(&no_qop)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::BadCredentials));
    let (o, _) = exchange(
        &mut s,
        &get("/cr", Some("Basic Y3BlLWNyOmNyLXNlY3JldA==")),
        T0,
        SessionState::Idle,
    );
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::NoCredentials));
}

#[test]
fn only_get_to_the_configured_path_triggers() {
    let mut s = server();
    let (o, resp) = exchange(
        &mut s,
        b"POST /cr HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        T0,
        SessionState::Idle,
    );
    assert_eq!(o, CrOutcome::Refused(Refusal::MethodNotAllowed));
    assert_eq!(
        resp,
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let (o, resp) = exchange(&mut s, &get("/other", None), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Refused(Refusal::NotFound));
    assert!(resp.starts_with("HTTP/1.1 404 Not Found\r\n"));
    let (o, _) = exchange(&mut s, &get("/CR", None), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Refused(Refusal::NotFound));
    // Query strings are ignored for the path (digest §8.1).
    let (o, _) = exchange(&mut s, &get("/cr?ts=1", None), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::NoCredentials));
}

#[test]
fn over_the_rate_limit_is_503_without_digest_work() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    // valid_md5 used one admission; fill the rest of the window.
    for _ in 1..crate::limits::CR_DEFAULT_RATE_LIMIT {
        let (o, _) = exchange(&mut s, &get("/cr", None), T0, SessionState::Idle);
        assert_eq!(o, CrOutcome::Challenged(ChallengeReason::NoCredentials));
    }
    let (o, resp) = exchange(&mut s, &get("/cr", Some(&auth)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Refused(Refusal::RateLimited));
    assert_eq!(
        resp,
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let later = T0 + Duration::from_secs(5);
    let (o, _) = exchange(&mut s, &get("/cr", Some(&auth)), later, SessionState::Idle);
    assert_eq!(o, CrOutcome::StartSession);
}

#[test]
fn session_in_progress_is_503_even_with_valid_credentials() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    let (o, resp) = exchange(
        &mut s,
        &get("/cr", Some(&auth)),
        T0,
        SessionState::InProgress,
    );
    assert_eq!(o, CrOutcome::Refused(Refusal::SessionInProgress));
    assert!(resp.starts_with("HTTP/1.1 503 "));
    assert!(!resp.contains("Retry-After"));
}

#[test]
fn credentials_can_change_at_run_time() {
    let mut s = server();
    let auth = valid_md5(&mut s, T0);
    s.set_credentials("cpe-cr", "new-secret").unwrap();
    let (o, resp) = exchange(&mut s, &get("/cr", Some(&auth)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Challenged(ChallengeReason::BadCredentials));
    let fresh = independent_answer(&resp, 0, "cpe-cr", "new-secret", "/cr");
    let (o, _) = exchange(&mut s, &get("/cr", Some(&fresh)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::StartSession);
    s.set_path("/cr-new").unwrap();
    let (o, _) = exchange(&mut s, &get("/cr", Some(&fresh)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::Refused(Refusal::NotFound));
}

#[test]
fn request_that_never_finishes_gets_408_at_the_deadline() {
    let mut s = server();
    let mut reader = RequestReader::new(T0 + Duration::from_secs(5));
    let mut out: heapless::Vec<u8, CR_MAX_RESPONSE_BYTES> = heapless::Vec::new();
    let partial = b"GET /cr HTTP/1.1\r\nHo";
    assert_eq!(
        s.handle(&mut reader, partial, T0, SessionState::Idle, &mut out),
        Ok(Handled::NeedMore)
    );
    assert!(out.is_empty());
    let at = reader.deadline();
    assert_eq!(
        s.handle(&mut reader, partial, at, SessionState::Idle, &mut out),
        Ok(Handled::Respond(CrOutcome::Refused(
            Refusal::RequestTimeout
        )))
    );
    assert_eq!(
        &out[..],
        b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn limit_errors_become_their_statuses() {
    let mut s = server();
    let mut long = Vec::from(&b"GET /"[..]);
    long.resize(crate::limits::CR_MAX_REQUEST_LINE + 2, b'a');
    let (o, resp) = exchange(&mut s, &long, T0, SessionState::Idle);
    assert_eq!(o.status(), 414);
    assert!(resp.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
    let mut flood = Vec::from(&b"GET /cr HTTP/1.1\r\n"[..]);
    for _ in 0..=crate::limits::CR_MAX_HEADERS {
        flood.extend_from_slice(b"X: y\r\n");
    }
    flood.extend_from_slice(b"\r\n");
    let (o, resp) = exchange(&mut s, &flood, T0, SessionState::Idle);
    assert_eq!(o.status(), 431);
    assert!(resp.starts_with("HTTP/1.1 431 "));
    let (o, resp) = exchange(
        &mut s,
        b"GET /cr HTTP/1.1\r\nContent-Length: 99999\r\n\r\n",
        T0,
        SessionState::Idle,
    );
    assert_eq!(o.status(), 413);
    assert!(resp.starts_with("HTTP/1.1 413 "));
}

#[test]
fn largest_response_fits_the_documented_buffer() {
    let realm = "r".repeat(DIGEST_MAX_REALM);
    let mut s = CrServer::new(&CrConfig::new("/cr", "u", "p", &realm, SECRET)).unwrap();
    let mut reader = RequestReader::new(T0);
    let mut out: heapless::Vec<u8, CR_MAX_RESPONSE_BYTES> = heapless::Vec::new();
    // Stale challenge: the longest 401.
    let auth = {
        let (_, resp) = exchange(&mut s, &get("/cr", None), T0, SessionState::Idle);
        independent_answer(&resp, 0, "u", "p", "/cr")
    };
    let late = T0 + Duration::from_secs(3600);
    let r = s.handle(
        &mut reader,
        &get("/cr", Some(&auth)),
        late,
        SessionState::Idle,
        &mut out,
    );
    assert_eq!(
        r,
        Ok(Handled::Respond(CrOutcome::Challenged(
            ChallengeReason::StaleNonce
        )))
    );
}

#[test]
fn responses_reveal_nothing_but_the_status() {
    let mut s = server();
    for (raw, session) in [
        (get("/cr", None), SessionState::Idle),
        (get("/x", None), SessionState::Idle),
        (get("/cr", None), SessionState::InProgress),
    ] {
        let (_, resp) = exchange(&mut s, &raw, T0, session);
        for line in resp.lines().skip(1) {
            let name = line.split(':').next().unwrap();
            assert!(
                ["WWW-Authenticate", "Content-Length", "Connection", ""].contains(&name),
                "{line}"
            );
        }
        assert!(resp.ends_with("Connection: close\r\n\r\n"));
    }
}

#[test]
fn our_own_client_authenticator_is_accepted() {
    use crate::http::auth::{ClientAuth, Credentials, Preemptive, Transport};
    let mut s = server();
    let (_, resp) = exchange(&mut s, &get("/cr", None), T0, SessionState::Idle);
    let values = challenge_values(&resp);
    let mut client = ClientAuth::new(Preemptive::Never, &[9; 16]);
    assert_eq!(
        client.on_challenge(values.iter().map(String::as_str)),
        Ok(crate::http::auth::Scheme::Digest(Algorithm::Sha256))
    );
    let mut line: heapless::Vec<u8, 512> = heapless::Vec::new();
    client
        .write_authorization(
            &Credentials {
                username: "cpe-cr",
                password: "cr-secret",
            },
            "GET",
            "/cr",
            Transport::Plain,
            &mut line,
        )
        .unwrap();
    let value = core::str::from_utf8(&line)
        .unwrap()
        .strip_prefix("Authorization: ")
        .unwrap()
        .trim_end();
    let (o, _) = exchange(&mut s, &get("/cr", Some(value)), T0, SessionState::Idle);
    assert_eq!(o, CrOutcome::StartSession);
}

#[test]
fn challenges_parse_as_two_digest_challenges() {
    let mut s = server();
    let (_, resp) = exchange(&mut s, &get("/cr", None), T0, SessionState::Idle);
    let joined = challenge_values(&resp).join(", ");
    let all: Vec<_> = Challenges::new(&joined).map(Result::unwrap).collect();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.is("Digest")));
}

#[test]
fn invalid_configuration_is_refused() {
    let base = CrConfig::new("/cr", "u", "p", "realm", SECRET);
    for (cfg, want) in [
        (CrConfig { path: "cr", ..base }, ConfigError::InvalidPath),
        (
            CrConfig {
                path: "/a b",
                ..base
            },
            ConfigError::InvalidPath,
        ),
        (
            CrConfig {
                path: "/a?b",
                ..base
            },
            ConfigError::InvalidPath,
        ),
        (CrConfig { realm: "", ..base }, ConfigError::InvalidRealm),
        (
            CrConfig {
                realm: "a\"b",
                ..base
            },
            ConfigError::InvalidRealm,
        ),
        (
            CrConfig {
                rate_limit: RateLimit {
                    max: CR_MAX_RATE_LIMIT + 1,
                    window: Duration::from_secs(1),
                },
                ..base
            },
            ConfigError::InvalidRateLimit,
        ),
        (
            CrConfig {
                rate_limit: RateLimit {
                    max: 1,
                    window: Duration::ZERO,
                },
                ..base
            },
            ConfigError::InvalidRateLimit,
        ),
    ] {
        assert_eq!(CrServer::new(&cfg).err(), Some(want));
    }
    let long = "x".repeat(CR_MAX_CREDENTIAL + 1);
    assert_eq!(
        CrServer::new(&CrConfig {
            password: &long,
            ..base
        })
        .err(),
        Some(ConfigError::CredentialTooLong)
    );
    let long_path = std::format!("/{}", "p".repeat(CR_MAX_PATH));
    assert_eq!(
        CrServer::new(&CrConfig {
            path: &long_path,
            ..base
        })
        .err(),
        Some(ConfigError::InvalidPath)
    );
}
