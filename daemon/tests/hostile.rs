//! A hostile or broken ACS and Connection Request clients: garbage and oversized responses
//! fail the session and the daemon retries; garbage and oversized ACS requests end the session
//! and the next one works; a silent ACS or silent Connection Request clients never stop the
//! loop from answering the control socket and ubus.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{CR_PASS, CR_USER, Daemon, Node, WAIT, curl_digest, wait_until};
use cwmp_bench::acs::{Acs, AcsOptions, Action, Intercept, Outcome, Task, When};
use cwmp_bench::ubus_client::UbusConnection;
use cwmp_bench::ubusd::Ubusd;
use cwmp_core::ubus::msg::Status;

/// Resident memory of the process, KiB.
fn rss_kib(d: &Daemon) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{}/status", d.pid())).unwrap();
    let line = s.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A `status` call on the control socket answered within `limit`.
fn answers_quickly(node: &Node, limit: Duration) {
    let t = Instant::now();
    let r = node.control("{\"method\":\"status\"}");
    assert_eq!(r["result"]["cwmp"]["status"], "up", "{r}");
    assert!(t.elapsed() < limit, "status took {:?}", t.elapsed());
}

/// Answers the first Informs with `responses`, one each; then the session works.
fn survives_bad_inform_responses(tag: &str, responses: Vec<Vec<u8>>) {
    let n = responses.len();
    let mut options = AcsOptions::default();
    for r in responses {
        options = options.intercept(Intercept::once(When::Inform, Action::Raw(r)));
    }
    let acs = Acs::start(options);
    let mut node = Node::new(tag, &acs.url());
    node.uci
        .set("cwmpd", "max_envelope", "4096")
        .set("acs", "retry_interval_multiplier", "1000"); // retries 1 s apart
    let mut d = node.start();
    let s = acs.wait_for_sessions(n + 1, WAIT);
    for (i, bad) in s[..n].iter().enumerate() {
        assert!(
            matches!(&bad.outcome, Outcome::Failed(w) if w.contains("raw")),
            "attempt {i}: {:?}",
            bad.outcome
        );
    }
    let good = &s[n];
    assert!(good.is_completed(), "{:?}", good.outcome);
    let inform = good.inform.as_ref().unwrap();
    assert_eq!(inform.retry_count as usize, n, "one retry per bad answer");
    assert!(inform.has_event("0 BOOTSTRAP") && inform.has_event("1 BOOT"));
    assert!(d.is_running());
    answers_quickly(&node, Duration::from_secs(5));
    assert!(rss_kib(&d) < 32 * 1024, "{} KiB", rss_kib(&d));
    let st = node.control("{\"method\":\"status\"}");
    assert_eq!(
        st["result"]["statistics"]["failure_sessions"].as_i64(),
        Some(n as i64),
        "{st}"
    );
}

#[test]
fn garbage_responses_fail_the_session_and_the_daemon_retries() {
    let body = "<not xml";
    survives_bad_inform_responses(
        "garbage",
        vec![
            b"\x00\xff\xfe this is not HTTP\r\n\r\n".to_vec(),
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<a/>".to_vec(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n<soap".to_vec(),
        ],
    );
}

#[test]
fn oversized_responses_fail_the_session_and_the_daemon_retries() {
    let mut long_head = b"HTTP/1.1 200 OK\r\nX-Filler: ".to_vec();
    long_head.extend(std::iter::repeat_n(b'h', 200_000));
    let mut length = b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".to_vec();
    length.extend(std::iter::repeat_n(b'a', 200_000));
    let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..64 {
        chunked.extend_from_slice(b"1000\r\n");
        chunked.extend(std::iter::repeat_n(b'c', 0x1000));
        chunked.extend_from_slice(b"\r\n");
    }
    survives_bad_inform_responses("oversized", vec![long_head, length, chunked]);
}

#[test]
fn garbage_and_oversized_acs_requests_end_the_session_and_the_next_one_works() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("badreq", &acs.url());
    node.uci.set("cwmpd", "max_envelope", "4096");
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    let mut huge = String::from(
        "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"><soap-env:Body><cwmp:GetParameterValues>\
         <ParameterNames>",
    );
    while huge.len() < 100_000 {
        huge.push_str("<string>Device.DeviceInfo.SerialNumber</string>");
    }
    huge.push_str(
        "</ParameterNames></cwmp:GetParameterValues></soap-env:Body></soap-env:Envelope>",
    );
    for (i, task) in [
        Task::RawEnvelope("\u{1}\u{2} definitely <not> a SOAP envelope &&&".into()),
        Task::RawEnvelope(huge),
        Task::RawEnvelope("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>".into()),
    ]
    .into_iter()
    .enumerate()
    {
        acs.push(task);
        node.inform("6 CONNECTION REQUEST");
        let s = acs.wait_for(WAIT, |r| {
            r.sessions
                .get(i + 1)
                .filter(|s| s.outcome != Outcome::InProgress)
                .cloned()
        });
        let s = s.unwrap_or_else(|| panic!("session {}: {:?}", i + 1, acs.sessions().len()));
        assert!(!s.is_completed(), "the hostile request ends the session");
        assert!(d.is_running());
        node.wait_idle(i as i64 + 2);
    }
    acs.push(Task::get_parameter_values(&[
        "Device.DeviceInfo.SerialNumber",
    ]));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(5, WAIT);
    assert!(s[4].is_completed(), "{:?}", s[4].outcome);
    assert_eq!(
        s[4].reply_to("GetParameterValues")
            .and_then(|m| m.value("Device.DeviceInfo.SerialNumber")),
        Some("SN-badreq")
    );
}

#[test]
fn a_silent_acs_does_not_block_the_loop_and_its_end_is_retried() {
    let mut acs =
        Acs::start(AcsOptions::default().intercept(Intercept::once(When::Inform, Action::Silent)));
    let mut node = Node::new("silent", &acs.url());
    let mut d = node.start();
    assert!(
        acs.wait_for(WAIT, |r| r.exchanges.first().map(|_| ()))
            .is_some()
    );
    // Far below the 30 s the daemon would wait for the ACS if the loop were stuck on it.
    for _ in 0..5 {
        answers_quickly(&node, Duration::from_secs(5));
        let st = node.control("{\"method\":\"status\"}");
        assert_eq!(st["result"]["last_session"]["status"], "running", "{st}");
    }
    // The ACS goes away mid-session: the session fails and is tried again.
    acs.stop();
    acs.restart().unwrap();
    let s = acs.wait_for(WAIT, |r| {
        r.sessions.iter().find(|s| s.is_completed()).cloned()
    });
    let s = s.unwrap_or_else(|| panic!("{}", d.logs()));
    assert_eq!(s.inform.as_ref().unwrap().retry_count, 1);
    assert!(d.is_running());
}

#[test]
fn silent_connection_request_clients_are_cut_off_at_cr_timeout_without_blocking() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("crsilent", &acs.url());
    node.uci.set("cpe", "cr_timeout", "3");
    let sock = node.path("ubus.sock");
    let _ubusd = Ubusd::start(&sock).unwrap();
    node.ubus = Some(sock.clone());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    let mut ubus = UbusConnection::connect(&sock, Duration::from_secs(5)).unwrap();
    assert!(wait_until(
        || ubus.list(Some("tr069")).is_ok_and(|(_, o)| !o.is_empty()),
        WAIT
    ));

    // More silent clients than the daemon serves at once (8).
    let t = Instant::now();
    let mut silent: Vec<TcpStream> = (0..12)
        .map(|_| TcpStream::connect(("127.0.0.1", node.cr_port)).unwrap())
        .collect();
    // Answered while the silent clients are still connected: nothing waits on them.
    for _ in 0..5 {
        answers_quickly(&node, Duration::from_secs(2));
        let r = ubus
            .call("tr069", "status", &serde_json::json!({}))
            .unwrap();
        assert_eq!(r.status, Status::Ok, "{r:?}");
    }
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    let mut cut = Vec::new();
    for s in &mut silent {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        cut.push((t.elapsed(), String::from_utf8_lossy(&buf).into_owned()));
    }
    let timed_out: Vec<_> = cut.iter().filter(|(_, b)| b.contains(" 408 ")).collect();
    assert!(timed_out.len() >= 8, "{cut:?}");
    for (at, _) in &timed_out {
        assert!(
            *at >= Duration::from_millis(2900) && *at <= Duration::from_secs(7),
            "cut off after {at:?}"
        );
    }
    // Those over the limit were closed at once, without an answer.
    for (_, body) in cut.iter().filter(|(_, b)| !b.contains(" 408 ")) {
        assert!(body.is_empty(), "{body}");
    }
    // The slots are free again.
    let codes = curl_digest(&node.cr_url(), CR_USER, CR_PASS);
    assert!(matches!(codes.last(), Some(200 | 204)), "{codes:?}");
    acs.wait_for_sessions(2, WAIT);
    assert!(d.is_running());
}
