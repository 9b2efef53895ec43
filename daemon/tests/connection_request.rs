//! Connection Requests on the real listener: Digest from curl starts a `6 CONNECTION REQUEST`
//! session, wrong credentials get 401 and no session, a flood over `cwmpd.cr_rate_limit` gets
//! 503 while the daemon keeps answering.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{CR_PASS, CR_USER, Node, WAIT, curl_digest, raw_http_status};
use cwmp_bench::acs::{Acs, AcsOptions};

#[test]
fn digest_connection_request_from_curl_starts_a_session() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("cr", &acs.url());
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);

    let codes = curl_digest(&node.cr_url(), CR_USER, CR_PASS);
    assert_eq!(codes.first(), Some(&401), "challenged first: {codes:?}");
    assert!(
        matches!(codes.last(), Some(200 | 204)),
        "then accepted: {codes:?}"
    );
    let s = acs.wait_for_sessions(2, WAIT);
    assert!(s[1].is_completed(), "{:?}", s[1]);
    assert_eq!(s[1].event_codes(), ["6 CONNECTION REQUEST"]);
}

#[test]
fn wrong_credentials_get_401_and_no_session() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("crbad", &acs.url());
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);

    for (user, pass) in [(CR_USER, "wrong"), ("someone", CR_PASS)] {
        let codes = curl_digest(&node.cr_url(), user, pass);
        assert!(!codes.is_empty(), "an answer");
        assert!(
            codes.iter().all(|c| *c == 401),
            "{user}:{pass} -> {codes:?}"
        );
    }
    // A good request afterwards: the first session after the bad ones starts after it, so
    // the bad ones started none.
    let good = Instant::now();
    let codes = curl_digest(&node.cr_url(), CR_USER, CR_PASS);
    assert!(matches!(codes.last(), Some(200 | 204)), "{codes:?}");
    let s = acs.wait_for_sessions(2, WAIT);
    assert!(
        s[1].started >= good,
        "a session started before the good request"
    );
    assert_eq!(s[1].event_codes(), ["6 CONNECTION REQUEST"]);
}

#[test]
fn a_flood_over_the_rate_limit_gets_503_and_the_daemon_stays_responsive() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("crflood", &acs.url());
    node.uci.set("cwmpd", "cr_rate_limit", "4/60");
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    let get = "GET / HTTP/1.1\r\nHost: cpe\r\n\r\n";
    let first: Vec<u16> = (0..10)
        .map(|_| raw_http_status(node.cr_port, get))
        .collect();
    assert_eq!(first[..4], [401; 4], "{first:?}");
    assert_eq!(first[4..], [503; 6], "{first:?}");

    // Many at once: none admitted, the daemon stays up and answers its control socket.
    let port = node.cr_port;
    let flood: Vec<_> = (0..30)
        .map(|_| std::thread::spawn(move || raw_http_status(port, get)))
        .collect();
    let t = Instant::now();
    let r = node.control("{\"method\":\"status\"}");
    assert_eq!(r["result"]["cwmp"]["status"], "up");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    for h in flood {
        let code = h.join().unwrap();
        // Over the limit (503), or turned away when every client slot was taken (closed).
        assert!(matches!(code, 503 | 0), "{code}");
    }
    // Valid credentials do not get past the limit either.
    let codes = curl_digest(&node.cr_url(), CR_USER, CR_PASS);
    assert_eq!(codes, [503]);
    assert!(d.is_running());
    assert_eq!(acs.sessions().len(), 1, "no session from the flood");
}

#[test]
fn only_get_on_the_configured_path_can_trigger() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("crpath", &acs.url());
    node.uci.set("cpe", "path", "cr-4f2a");
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    let url = format!("{}cr-4f2a", node.cr_url());
    assert_eq!(
        s[0].inform
            .as_ref()
            .unwrap()
            .parameter("Device.ManagementServer.ConnectionRequestURL"),
        Some(url.as_str())
    );
    node.wait_idle(1);
    let port = node.cr_port;
    assert_eq!(
        raw_http_status(port, "GET / HTTP/1.1\r\nHost: cpe\r\n\r\n"),
        404
    );
    assert_eq!(
        raw_http_status(
            port,
            "POST /cr-4f2a HTTP/1.1\r\nHost: cpe\r\nContent-Length: 0\r\n\r\n"
        ),
        405
    );
    assert_eq!(raw_http_status(port, "garbage\r\n\r\n"), 400);
    assert_eq!(curl_digest(&node.cr_url(), CR_USER, CR_PASS), [404]);
    let codes = curl_digest(&url, CR_USER, CR_PASS);
    assert!(matches!(codes.last(), Some(200 | 204)), "{codes:?}");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[1].event_codes(), ["6 CONNECTION REQUEST"]);
}

#[test]
fn an_ipv6_acs_gets_an_ipv6_connection_request_url_that_works() {
    let acs = Acs::start(AcsOptions::default().ipv6());
    assert!(acs.url().starts_with("http://[::1]:"), "{}", acs.url());
    let mut node = Node::new("cr6", &acs.url());
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?}", s[0]);
    // The URL carries the local address of the connection to the ACS: here ::1.
    let url = s[0]
        .inform
        .as_ref()
        .and_then(|i| i.parameter("Device.ManagementServer.ConnectionRequestURL"))
        .expect("ConnectionRequestURL in the Inform")
        .to_owned();
    assert!(url.starts_with("http://[::1]:"), "{url}");

    // The dual-stack listener answers there.
    let codes = curl_digest(&url, CR_USER, CR_PASS);
    assert!(matches!(codes.last(), Some(200 | 204)), "{codes:?}");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[1].event_codes(), ["6 CONNECTION REQUEST"]);
}
