use super::*;
use crate::http::digest::Authorization;
use std::string::String;

const MUFASA: Credentials<'static> = Credentials {
    username: "Mufasa",
    password: "Circle of Life",
};
const RFC_SHA256: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
const RFC_MD5: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
const ENTROPY: [u8; 16] = [
    0x0a, 0x4f, 0x11, 0x3b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
];

fn authorization(auth: &mut ClientAuth, creds: &Credentials<'_>, uri: &str) -> Option<String> {
    let mut v: heapless::Vec<u8, 1024> = heapless::Vec::new();
    let wrote = auth
        .write_authorization(creds, "GET", uri, Transport::Plain, &mut v)
        .unwrap();
    let s = String::from_utf8(v.to_vec()).unwrap();
    if wrote {
        let value = s.strip_prefix("Authorization: ").unwrap();
        Some(value.strip_suffix("\r\n").unwrap().into())
    } else {
        assert!(s.is_empty());
        None
    }
}

/// What http-auth answers to `challenge` with the same cnonce and the nth nonce count.
fn oracle(challenge: &str, cnonce: &str, uri: &str, nth: u32) -> String {
    let parsed = http_auth::parse_challenges(challenge).unwrap();
    let mut client = http_auth::DigestClient::try_from(&parsed[0]).unwrap();
    let params = http_auth::PasswordParams {
        username: MUFASA.username,
        password: MUFASA.password,
        uri,
        method: "GET",
        body: None,
    };
    let mut answer = String::new();
    for _ in 0..nth {
        answer = client.respond_with_testing_cnonce(&params, cnonce).unwrap();
    }
    answer
}

fn field<'a>(a: &Authorization<'a>, f: fn(&Authorization<'a>) -> Option<Value<'a>>) -> String {
    f(a).map(|v| v.segments().collect()).unwrap_or_default()
}

#[test]
fn rfc7616_challenge_pair_prefers_sha256_and_matches_an_independent_client() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    assert_eq!(authorization(&mut auth, &MUFASA, "/dir/index.html"), None);
    assert_eq!(
        auth.on_challenge([RFC_SHA256, RFC_MD5]),
        Ok(Scheme::Digest(Algorithm::Sha256))
    );
    let ours = authorization(&mut auth, &MUFASA, "/dir/index.html").unwrap();
    let a = Authorization::parse(&ours).unwrap().unwrap();
    assert_eq!(field(&a, |a| a.nc), "00000001");
    assert_eq!(field(&a, |a| a.qop), "auth");
    assert_eq!(
        field(&a, |a| a.opaque),
        "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    );
    assert_eq!(field(&a, |a| a.uri), "/dir/index.html");
    let cnonce = field(&a, |a| a.cnonce);
    assert_eq!(cnonce, "0a4f113b0102030405060708090a0b0c");
    let theirs = oracle(RFC_SHA256, &cnonce, "/dir/index.html", 1);
    let t = Authorization::parse(&theirs).unwrap().unwrap();
    assert_eq!(field(&a, |a| a.response), field(&t, |a| a.response));
    assert_eq!(field(&a, |a| a.response).len(), 64);
}

#[test]
fn md5_challenge_reproduces_the_rfc_response_formula() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    assert_eq!(
        auth.on_challenge([RFC_MD5]),
        Ok(Scheme::Digest(Algorithm::Md5))
    );
    let ours = authorization(&mut auth, &MUFASA, "/dir/index.html").unwrap();
    let a = Authorization::parse(&ours).unwrap().unwrap();
    let cnonce = field(&a, |a| a.cnonce);
    let theirs = oracle(RFC_MD5, &cnonce, "/dir/index.html", 1);
    let t = Authorization::parse(&theirs).unwrap().unwrap();
    assert_eq!(field(&a, |a| a.response), field(&t, |a| a.response));
}

#[test]
fn nonce_count_increases_with_every_request() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    for n in 1..=3u32 {
        let ours = authorization(&mut auth, &MUFASA, "/acs").unwrap();
        let a = Authorization::parse(&ours).unwrap().unwrap();
        assert_eq!(field(&a, |a| a.nc), std::format!("{n:08x}"));
        let theirs = oracle(RFC_MD5, &field(&a, |a| a.cnonce), "/acs", n);
        let t = Authorization::parse(&theirs).unwrap().unwrap();
        assert_eq!(field(&a, |a| a.response), field(&t, |a| a.response));
    }
}

#[test]
fn each_connection_gets_a_fresh_cnonce() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    let first = authorization(&mut auth, &MUFASA, "/").unwrap();
    auth.start_connection(&[0xff; 16]);
    let second = authorization(&mut auth, &MUFASA, "/").unwrap();
    let a = Authorization::parse(&first).unwrap().unwrap();
    let b = Authorization::parse(&second).unwrap().unwrap();
    assert_eq!(field(&b, |a| a.cnonce), "ffffffffffffffffffffffffffffffff");
    assert_ne!(field(&a, |a| a.cnonce), field(&b, |a| a.cnonce));
    assert_ne!(field(&a, |a| a.response), field(&b, |a| a.response));
}

#[test]
fn legacy_challenge_without_qop_gets_the_rfc2069_form() {
    let challenge = "Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([challenge]).unwrap();
    let ours = authorization(&mut auth, &MUFASA, "/dir/index.html").unwrap();
    let a = Authorization::parse(&ours).unwrap().unwrap();
    assert!(a.qop.is_none() && a.nc.is_none() && a.cnonce.is_none());
    let theirs = oracle(challenge, "unused", "/dir/index.html", 1);
    let t = Authorization::parse(&theirs).unwrap().unwrap();
    assert_eq!(field(&a, |a| a.response), field(&t, |a| a.response));
}

#[test]
fn session_variants_agree_with_an_independent_client() {
    for (alg, name) in [
        (Algorithm::Md5Sess, "MD5-sess"),
        (Algorithm::Sha256Sess, "SHA-256-sess"),
    ] {
        let challenge =
            std::format!("Digest realm=\"ACS\", qop=\"auth\", nonce=\"abc\", algorithm={name}");
        let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
        assert_eq!(
            auth.on_challenge([challenge.as_str()]),
            Ok(Scheme::Digest(alg))
        );
        let ours = authorization(&mut auth, &MUFASA, "/").unwrap();
        let a = Authorization::parse(&ours).unwrap().unwrap();
        let theirs = oracle(&challenge, &field(&a, |a| a.cnonce), "/", 1);
        let t = Authorization::parse(&theirs).unwrap().unwrap();
        assert_eq!(
            field(&a, |a| a.response),
            field(&t, |a| a.response),
            "{name}"
        );
    }
}

#[test]
fn preference_digest_sha256_over_md5_variants_over_basic() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    let basic = "Basic realm=\"acs\"";
    let md5s = "Digest realm=\"a\", nonce=\"n\", qop=auth, algorithm=MD5-sess";
    let md5 = "Digest realm=\"a\", nonce=\"n\", qop=auth";
    let sha_s = "Digest realm=\"a\", nonce=\"n\", qop=auth, algorithm=SHA-256-sess";
    assert_eq!(auth.on_challenge([basic]), Ok(Scheme::Basic));
    assert_eq!(
        auth.on_challenge([basic, md5s]),
        Ok(Scheme::Digest(Algorithm::Md5Sess))
    );
    let one_field = std::format!("{basic}, {md5s}, {md5}");
    assert_eq!(
        auth.on_challenge([one_field.as_str()]),
        Ok(Scheme::Digest(Algorithm::Md5))
    );
    assert_eq!(
        auth.on_challenge([md5, sha_s, basic]),
        Ok(Scheme::Digest(Algorithm::Sha256Sess))
    );
}

#[test]
fn challenges_that_cannot_be_answered() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    for c in [
        "Digest realm=\"a\", nonce=\"n\", algorithm=SHA-512-256",
        "Digest realm=\"a\", nonce=\"n\", qop=\"auth-int\"",
        "Digest realm=\"a\", nonce=\"n\", algorithm=MD5-sess",
        "Digest nonce=\"n\"",
        "Digest realm=\"a\"",
        "Digest realm=\"a\", nonce=\"unterminated",
        "Negotiate abc==",
    ] {
        assert_eq!(
            auth.on_challenge([c]),
            Err(AuthError::NoSupportedChallenge),
            "{c}"
        );
    }
    assert_eq!(
        auth.on_challenge(core::iter::empty()),
        Err(AuthError::NoSupportedChallenge)
    );
    assert_eq!(auth.scheme(), None);
}

#[test]
fn oversized_nonce_is_a_typed_error() {
    let long = "n".repeat(DIGEST_MAX_NONCE + 1);
    let c = std::format!("Digest realm=\"a\", nonce=\"{long}\", qop=auth");
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    assert_eq!(
        auth.on_challenge([c.as_str()]),
        Err(AuthError::ChallengeTooLarge)
    );
    // A smaller usable challenge next to it is chosen instead.
    assert_eq!(
        auth.on_challenge([c.as_str(), "Basic realm=x"]),
        Ok(Scheme::Basic)
    );
}

#[test]
fn wrong_credentials_twice_in_a_row_fail() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    // First 401 answers a request without credentials: not a failure.
    auth.on_challenge([RFC_MD5]).unwrap();
    authorization(&mut auth, &MUFASA, "/").unwrap();
    // Rejected once: retry (the ACS may have rotated its nonce).
    auth.on_challenge([RFC_MD5]).unwrap();
    authorization(&mut auth, &MUFASA, "/").unwrap();
    assert_eq!(
        auth.on_challenge([RFC_MD5]),
        Err(AuthError::CredentialsRejected)
    );
}

#[test]
fn an_accepted_request_resets_the_failure_count() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    for _ in 0..5 {
        // Rejected once (a mid-session re-challenge looks the same), then accepted.
        authorization(&mut auth, &MUFASA, "/").unwrap();
        auth.on_challenge([RFC_MD5]).unwrap();
        authorization(&mut auth, &MUFASA, "/").unwrap();
        auth.on_accepted();
    }
}

#[test]
fn stale_nonce_is_not_a_failure_and_restarts_the_count() {
    let stale = "Digest realm=\"a\", nonce=\"fresh\", qop=auth, stale=TRUE";
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    for _ in 0..5 {
        authorization(&mut auth, &MUFASA, "/").unwrap();
        auth.on_challenge([stale]).unwrap();
    }
    let ours = authorization(&mut auth, &MUFASA, "/").unwrap();
    let a = Authorization::parse(&ours).unwrap().unwrap();
    assert_eq!(field(&a, |a| a.nonce), "fresh");
}

#[test]
fn new_nonce_restarts_nonce_count_same_nonce_continues() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    authorization(&mut auth, &MUFASA, "/").unwrap();
    authorization(&mut auth, &MUFASA, "/").unwrap();
    auth.on_accepted();
    auth.on_challenge([RFC_MD5]).unwrap();
    let same = authorization(&mut auth, &MUFASA, "/").unwrap();
    assert_eq!(
        field(&Authorization::parse(&same).unwrap().unwrap(), |a| a.nc),
        "00000003"
    );
    auth.on_accepted();
    auth.on_challenge(["Digest realm=\"a\", nonce=\"other\", qop=auth"])
        .unwrap();
    let other = authorization(&mut auth, &MUFASA, "/").unwrap();
    assert_eq!(
        field(&Authorization::parse(&other).unwrap().unwrap(), |a| a.nc),
        "00000001"
    );
}

#[test]
fn basic_is_preemptive_only_over_tls_when_configured() {
    let mut v: heapless::Vec<u8, 256> = heapless::Vec::new();
    let creds = Credentials {
        username: "Aladdin",
        password: "open sesame",
    };
    let mut auth = ClientAuth::new(Preemptive::BasicOverTls, &ENTROPY);
    assert!(
        !auth
            .write_authorization(&creds, "POST", "/", Transport::Plain, &mut v)
            .unwrap()
    );
    assert!(
        auth.write_authorization(&creds, "POST", "/", Transport::Tls, &mut v)
            .unwrap()
    );
    assert_eq!(
        &v[..],
        b"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
    );
    let mut never = ClientAuth::new(Preemptive::Never, &ENTROPY);
    assert!(
        !never
            .write_authorization(&creds, "POST", "/", Transport::Tls, &mut v)
            .unwrap()
    );
}

#[test]
fn username_with_quotes_is_escaped_and_hashed_unescaped() {
    let creds = Credentials {
        username: "cpe\"1\\x",
        password: "pw",
    };
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge(["Digest realm=\"r\", nonce=\"n\", qop=auth"])
        .unwrap();
    let mut v: heapless::Vec<u8, 1024> = heapless::Vec::new();
    auth.write_authorization(&creds, "POST", "/", Transport::Plain, &mut v)
        .unwrap();
    let s = core::str::from_utf8(&v).unwrap();
    assert!(s.contains(r#"username="cpe\"1\\x""#), "{s}");
    let value = s.strip_prefix("Authorization: ").unwrap().trim_end();
    let a = Authorization::parse(value).unwrap().unwrap();
    assert!(a.username.unwrap().eq_str("cpe\"1\\x"));
}

#[test]
fn reset_forgets_the_challenge() {
    let mut auth = ClientAuth::new(Preemptive::Never, &ENTROPY);
    auth.on_challenge([RFC_MD5]).unwrap();
    auth.reset(&ENTROPY);
    assert_eq!(auth.scheme(), None);
    assert_eq!(authorization(&mut auth, &MUFASA, "/"), None);
}
