//! Feeds arbitrary bytes to the ACS response parser in arbitrary pieces, then hands whatever it
//! parsed to the cookie jar, the client authenticator and URL resolution.
#![no_main]

use cwmp_core::http::auth::{ClientAuth, Credentials, Preemptive, Transport};
use cwmp_core::http::cookies::CookieJar;
use cwmp_core::http::response::{Outcome, ResponseParser, Status};
use cwmp_core::http::url::Url;
use cwmp_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Piece size and options come from the input's length, so raw captures work as seeds.
    let control = ((data.len() as u32).wrapping_mul(2_654_435_761) >> 24) as u8;
    let input = data;
    let step = usize::from(control & 0x3f) + 1;
    let max_body = if control & 0x40 != 0 { 64 } else { 1 << 20 };
    let mut buf = vec![0u8; input.len() + usize::from(control >> 7)];
    let mut parser = ResponseParser::new(max_body);
    let mut filled = 0;
    while filled < input.len() {
        let end = (filled + step).min(input.len());
        buf[filled..end].copy_from_slice(&input[filled..end]);
        filled = end;
        match parser.parse(&mut buf, filled) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(r)) => {
                assert!(r.consumed() <= filled);
                assert!(r.body().len() <= max_body);
                use_response(&r);
                return;
            }
            Err(_) => return,
        }
    }
    if let Ok(r) = parser.finish(&mut buf, filled) {
        assert!(r.body().len() <= max_body);
        use_response(&r);
    }
});

fn use_response(r: &cwmp_core::http::response::Response<'_>) {
    let now = UnixTime(1_795_000_000);
    let mut jar = CookieJar::new();
    for c in r.set_cookies() {
        let _ = jar.store(c, "acs.example.com", "/cwmp", now);
    }
    let mut out = heapless::Vec::<u8, 8192>::new();
    let _ = jar.write_cookie_header("acs.example.com", "/cwmp", true, now, &mut out);
    let mut auth = ClientAuth::new(Preemptive::Never, &[1; 16]);
    if auth.on_challenge(r.challenges()).is_ok() {
        let creds = Credentials {
            username: "u",
            password: "p",
        };
        out.clear();
        let _ = auth.write_authorization(&creds, "POST", "/cwmp", Transport::Plain, &mut out);
    }
    if let Outcome::Redirect { location } = r.outcome() {
        if let Ok(base) = Url::parse("https://acs.example.com:8443/cwmp") {
            let _ = base.resolve(location);
        }
    }
    let _ = r.fields().count();
}
