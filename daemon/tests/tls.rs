//! HTTPS to the harness ACS: verified against the test CA in `acs.ssl_capath`; a certificate
//! for another name and an unknown CA are refused (no session, the daemon keeps running and
//! tries again); `insecure_enable 1` accepts the unknown CA.
#![cfg(feature = "tls")]
// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions};

fn node_trusting(tag: &str, acs: &Acs, ca_of: &Acs) -> Node {
    let mut node = Node::new(tag, &acs.url());
    let ca = node.path("ca.pem");
    ca_of.write_ca_pem(&ca).unwrap();
    node.uci.set("acs", "ssl_capath", &ca.display().to_string());
    node
}

#[test]
fn https_session_verified_with_the_configured_ca() {
    let acs = Acs::start(AcsOptions::default().https());
    assert!(acs.url().starts_with("https://127.0.0.1:"));
    let mut node = node_trusting("tls", &acs, &acs);
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?}", s[0]);
    let c = &acs.connections()[0];
    assert!(c.tls && c.error.is_none(), "{c:?}");
}

/// The daemon refuses the server again and again, never gets to a session, keeps running.
fn refused_repeatedly(acs: &Acs, node: &mut Node) {
    let mut d = node.start();
    let tried = acs.wait_for(WAIT, |r| {
        (r.connections.iter().filter(|c| c.closed.is_some()).count() >= 2)
            .then(|| r.connections.clone())
    });
    let conns = tried.unwrap_or_else(|| panic!("no retry: {:?}", acs.connections()));
    for c in &conns {
        assert_eq!(
            c.requests, 0,
            "nothing sent over a refused connection: {c:?}"
        );
        // The daemon ended the handshake with an alert (the certificate is not trusted).
        assert!(
            c.error
                .as_deref()
                .is_some_and(|e| e.contains("received fatal alert")),
            "{c:?}"
        );
    }
    assert!(acs.sessions().is_empty(), "{:?}", acs.sessions());
    assert!(d.is_running());
    let st = node.control("{\"method\":\"status\"}");
    assert_eq!(st["result"]["last_session"]["status"], "failure", "{st}");
}

#[test]
fn certificate_for_another_name_is_refused() {
    let acs = Acs::start(AcsOptions::default().https_for(&["acs.example.net"]));
    let mut node = node_trusting("tlsname", &acs, &acs);
    refused_repeatedly(&acs, &mut node);
}

#[test]
fn unknown_ca_is_refused() {
    let acs = Acs::start(AcsOptions::default().https());
    let other = Acs::start(AcsOptions::default().https());
    let mut node = node_trusting("tlsca", &acs, &other);
    refused_repeatedly(&acs, &mut node);
}

#[test]
fn insecure_enable_accepts_an_unknown_ca() {
    let acs = Acs::start(AcsOptions::default().https_for(&["acs.example.net"]));
    let other = Acs::start(AcsOptions::default().https());
    let mut node = node_trusting("tlsins", &acs, &other);
    node.uci.set("acs", "insecure_enable", "1");
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?}", s[0]);
}

#[test]
fn a_client_certificate_is_presented_to_an_acs_that_requires_one() {
    let acs = Acs::start(AcsOptions::default().https_with_client_cert());

    // Without one the ACS refuses the handshake; the daemon keeps running and retries.
    let mut node = node_trusting("tlsnocert", &acs, &acs);
    let mut d = node.start();
    let conns = acs
        .wait_for(WAIT, |r| {
            (r.connections.iter().filter(|c| c.closed.is_some()).count() >= 2)
                .then(|| r.connections.clone())
        })
        .unwrap_or_else(|| panic!("no retry: {:?}", acs.connections()));
    for c in &conns {
        assert!(!c.client_cert && c.requests == 0, "{c:?}");
        assert!(c.closed.is_none() || c.error.is_some(), "{c:?}");
    }
    assert!(acs.sessions().is_empty());
    assert!(d.is_running());
    drop(d);

    // With the certificate the CA signed, the session runs.
    let acs = Acs::start(AcsOptions::default().https_with_client_cert());
    let mut node = node_trusting("tlscert", &acs, &acs);
    let (cert, key) = (node.path("client.pem"), node.path("client.key"));
    acs.write_client_identity(&cert, &key).unwrap();
    node.uci
        .set("cwmpd", "ssl_client_cert", &cert.display().to_string());
    node.uci
        .set("cwmpd", "ssl_client_key", &key.display().to_string());
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?}", s[0]);
    let c = &acs.connections()[0];
    assert!(c.tls && c.client_cert && c.error.is_none(), "{c:?}");
}
