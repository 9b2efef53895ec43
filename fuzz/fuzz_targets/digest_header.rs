//! Parses arbitrary text as WWW-Authenticate challenges, as a Digest Authorization and as a
//! Set-Cookie value, and answers whatever challenge the client authenticator accepts.
#![no_main]

use cwmp_core::http::auth::{ClientAuth, Credentials, Preemptive, Transport};
use cwmp_core::http::cookies::CookieJar;
use cwmp_core::http::digest::{Authorization, Challenges};
use cwmp_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for c in Challenges::new(text).take(64) {
        let Ok(c) = c else { break };
        for p in c.params() {
            let Ok(p) = p else { break };
            let n = p.value.len();
            assert_eq!(p.value.bytes().count(), n);
        }
    }
    if let Ok(Some(a)) = Authorization::parse(text) {
        if let Some(u) = a.username {
            let mut out = heapless::Vec::<u8, 4096>::new();
            let _ = u.write_unescaped(&mut out);
        }
    }
    let mut auth = ClientAuth::new(Preemptive::BasicOverTls, &[7; 16]);
    let fields: Vec<&str> = text.split('\n').collect();
    if auth.on_challenge(fields.iter().copied()).is_ok() {
        let mut out = heapless::Vec::<u8, 4096>::new();
        let creds = Credentials {
            username: "cpe\"user",
            password: "pw",
        };
        auth.write_authorization(&creds, "POST", "/acs", Transport::Tls, &mut out)
            .expect("an accepted challenge fits in 4 KiB");
        let line = core::str::from_utf8(&out).expect("ASCII/UTF-8 output");
        let value = line
            .strip_prefix("Authorization: ")
            .and_then(|l| l.strip_suffix("\r\n"))
            .expect("one header line");
        if value.starts_with("Digest ") {
            let parsed = Authorization::parse(value).expect("our own output parses");
            assert!(parsed.is_some());
        }
    }
    let mut jar = CookieJar::new();
    let now = UnixTime(1_795_000_000);
    let _ = jar.store(text, "acs.example.com", "/cwmp", now);
    let mut out = heapless::Vec::<u8, 8192>::new();
    jar.write_cookie_header("acs.example.com", "/cwmp", true, now, &mut out)
        .expect("the jar's contents fit in 8 KiB");
});
