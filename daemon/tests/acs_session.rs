//! Sessions against the ACS's HTTP variations: Digest and Basic authentication (and a wrong
//! password), a redirected Inform, an ACS that closes after every response, and a Connection
//! Request arriving while a session runs.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CR_PASS, CR_USER, Node, WAIT, curl_digest};
use cwmp_bench::acs::{Acs, AcsOptions, Action, Auth, Intercept, Outcome, Task, When};

fn authenticated_session(auth: Auth, tag: &str) {
    let acs = Acs::start(AcsOptions::default().auth(auth));
    let mut node = Node::new(tag, &acs.url());
    node.uci
        .set("acs", "userid", "acsuser")
        .set("acs", "passwd", "acs pass'word");
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?} {:?}", s[0].outcome, s[0].errors);
    assert!(s[0].errors.is_empty(), "{:?}", s[0].errors);
}

#[test]
fn digest_authentication_to_the_acs() {
    authenticated_session(Auth::digest("acsuser", "acs pass'word"), "acsdigest");
}

#[test]
fn basic_authentication_to_the_acs() {
    authenticated_session(Auth::basic("acsuser", "acs pass'word"), "acsbasic");
}

#[test]
fn a_wrong_acs_password_fails_the_session_and_it_is_retried() {
    let acs = Acs::start(AcsOptions::default().auth(Auth::digest("acsuser", "right")));
    let mut node = Node::new("acswrong", &acs.url());
    node.uci
        .set("acs", "userid", "acsuser")
        .set("acs", "passwd", "wrong");
    let mut d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    for (n, s) in s[..2].iter().enumerate() {
        assert!(
            matches!(&s.outcome, Outcome::Failed(w) if w.contains("401")),
            "{:?}",
            s.outcome
        );
        // Refused before the ACS read it: the RetryCount is in the last body sent.
        let body = s.exchanges.last().unwrap().request.body_text();
        assert!(
            body.contains(&format!("<RetryCount>{n}</RetryCount>")),
            "{body}"
        );
    }
    assert!(d.is_running());
    // The operator fixes the password: the next attempt gets through.
    node.uci.set("acs", "passwd", "right");
    node.write_config();
    d.signal("HUP");
    let ok = acs.wait_for(WAIT, |r| {
        r.sessions.iter().find(|s| s.is_completed()).cloned()
    });
    let ok = ok.unwrap_or_else(|| panic!("{}", d.logs()));
    assert!(ok.inform.unwrap().has_event("0 BOOTSTRAP"));
}

#[test]
fn a_redirected_inform_continues_at_the_new_url_and_the_next_session_starts_at_the_old() {
    let acs = Acs::start(AcsOptions::default());
    let target = acs.url_with_path("/elsewhere");
    acs.intercept(Intercept::once(
        When::Inform,
        Action::Redirect {
            status: 307,
            location: target,
        },
    ));
    let mut node = Node::new("redirect", &acs.url());
    let _d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[0].outcome, Outcome::Redirected);
    assert!(s[1].is_completed(), "{:?}", s[1].outcome);
    assert_eq!(s[1].exchanges[0].request.target, "/elsewhere");
    node.wait_idle(1);
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(3, WAIT);
    assert_eq!(
        s[2].exchanges[0].request.target, "/",
        "the redirect is not kept"
    );
}

#[test]
fn an_acs_closing_after_every_response_gets_the_session_continued_with_the_cookie() {
    let acs = Acs::start(AcsOptions::default().close_after_each_response());
    let mut node = Node::new("acsclose", &acs.url());
    acs.push(Task::get_parameter_values(&[
        "Device.DeviceInfo.SerialNumber",
    ]));
    acs.push(Task::get_parameter_names("Device.Time.", true));
    let _d = node.start();
    let s = acs.wait_for_sessions(1, WAIT);
    assert!(s[0].is_completed(), "{:?} {:?}", s[0].outcome, s[0].errors);
    assert!(s[0].errors.is_empty(), "{:?}", s[0].errors);
    assert_eq!(s[0].replies().len(), 2);
    assert!(s[0].connections.len() >= 4, "{:?}", s[0].connections);
}

#[test]
fn a_connection_request_during_a_session_gives_a_session_after_it() {
    let mut acs = Acs::start(
        AcsOptions::default().intercept(Intercept::once(When::EmptyPost, Action::Silent)),
    );
    let mut node = Node::new("crduring", &acs.url());
    let _d = node.start();
    // The daemon took the InformResponse (it sent the empty POST); the ACS keeps it hanging.
    assert!(
        acs.wait_for(WAIT, |r| r
            .sessions
            .first()
            .is_some_and(|s| s.exchanges.len() >= 2)
            .then_some(()))
            .is_some()
    );
    let codes = curl_digest(&node.cr_url(), CR_USER, CR_PASS);
    assert!(
        matches!(codes.last(), Some(200 | 204)),
        "accepted: {codes:?}"
    );
    // The ACS drops the hanging session; the request still gets its session.
    acs.stop();
    acs.restart().unwrap();
    let s = acs.wait_for(WAIT, |r| {
        r.sessions
            .iter()
            .find(|s| s.is_completed())
            .map(|s| s.event_codes().join(","))
    });
    assert_eq!(s.as_deref(), Some("6 CONNECTION REQUEST"));
}
