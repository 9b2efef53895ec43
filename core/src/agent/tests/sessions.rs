use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::harness::*;
use crate::agent::Effect;
use crate::control::{Command, ControlHandler, InformEvent, InformRequest, LastSession};
use crate::soap::{CpeMessage, FaultCode};
use crate::time::UnixTime;

pub(super) fn codes(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub(super) fn gpv(names: &[&str]) -> String {
    let items: String = names
        .iter()
        .map(|n| format!("<string>{n}</string>"))
        .collect();
    format!(
        "<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType=\"xsd:string[{}]\">{items}</ParameterNames></cwmp:GetParameterValues>",
        names.len()
    )
}

pub(super) fn spv(params: &[(&str, &str, &str)], key: &str) -> String {
    let items: String = params
        .iter()
        .map(|(n, v, t)| format!("<ParameterValueStruct><Name>{n}</Name><Value xsi:type=\"xsd:{t}\">{v}</Value></ParameterValueStruct>"))
        .collect();
    format!(
        "<cwmp:SetParameterValues><ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[{}]\">{items}</ParameterList><ParameterKey>{key}</ParameterKey></cwmp:SetParameterValues>",
        params.len()
    )
}

pub(super) fn fault_body(code: u32) -> String {
    format!(
        "<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>{code}</FaultCode><FaultString>x</FaultString></cwmp:Fault></detail></soap-env:Fault>"
    )
}

/// A world whose first (bootstrap) session is done.
pub(super) fn booted() -> World {
    let mut w = World::new();
    w.pump();
    assert_eq!(w.acs.sessions.len(), 1);
    w
}

pub(super) fn inform(w: &mut World, event: InformEvent) {
    w.agent.set_clock(w.clock);
    let _ = w.agent.inform(InformRequest {
        get_rpc_methods: false,
        event: Some(event),
    });
}

/// The CPE's reply in the last session, to the `n`th ACS request of it.
pub(super) fn reply(w: &World, n: usize) -> Request {
    let s = w.acs.sessions.last().unwrap();
    s.requests
        .iter()
        .filter(|r| !r.body.is_empty() && r.method() != "Inform")
        .nth(n)
        .cloned()
        .expect("a reply")
}

// ---------------------------------------------------------------------------------------------
// Boot, bootstrap, restart

#[test]
fn first_start_informs_bootstrap_and_boot_with_forced_parameters() {
    let mut w = World::new();
    w.pump();
    assert_eq!(w.acs.sessions.len(), 1);
    let s = &w.acs.sessions[0];
    assert_eq!(s.event_codes(), codes(&["0 BOOTSTRAP", "1 BOOT"]));
    assert_eq!(s.retry_count(), 0);
    assert_eq!(s.methods(), ["Inform", ""]);
    let params = s.inform_params();
    let names: Vec<&str> = params.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "Device.RootDataModelVersion",
            "Device.DeviceInfo.HardwareVersion",
            "Device.DeviceInfo.SoftwareVersion",
            "Device.DeviceInfo.ProvisioningCode",
            "Device.ManagementServer.ParameterKey",
            "Device.ManagementServer.ConnectionRequestURL",
            "Device.ManagementServer.AliasBasedAddressing",
        ]
    );
    assert_eq!(params[5].1, "http://192.0.2.1:7547/cr");
    // The empty POST carries no body headers (digest §1.1).
    let empty = &s.requests[1];
    assert!(empty.header("SOAPAction").is_none() && empty.header("Content-Type").is_none());
    assert_eq!(empty.header("Content-Length").as_deref(), Some("0"));
    let inform = s.inform();
    assert_eq!(inform.header("SOAPAction").as_deref(), Some("\"\""));
    let text = inform.text();
    assert!(text.contains("urn:dslforum-org:cwmp-1-2"));
    assert!(text.contains("<cwmp:SupportedCWMPVersions soap-env:mustUnderstand=\"0\">1.0,1.1,1.2,1.3,1.4</cwmp:SupportedCWMPVersions>"));
    assert!(
        text.contains(
            "<cwmp:SessionTimeout soap-env:mustUnderstand=\"0\">60</cwmp:SessionTimeout>"
        )
    );
    assert!(text.contains("<CurrentTime>2025-11-25T20:40:48Z</CurrentTime>"));
    assert!(!w.agent.in_session());
}

#[test]
fn restart_after_delivered_bootstrap_informs_boot_only() {
    let mut w = booted();
    w.restart();
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2);
    assert_eq!(w.acs.sessions[1].event_codes(), codes(&["1 BOOT"]));
}

#[test]
fn undelivered_bootstrap_survives_a_restart() {
    let mut w = World::new();
    w.acs.down = true;
    w.pump();
    assert!(w.acs.sessions.is_empty());
    w.restart();
    w.acs.down = false;
    w.pump();
    assert_eq!(
        w.acs.sessions[0].event_codes(),
        codes(&["0 BOOTSTRAP", "1 BOOT"])
    );
}

#[test]
fn corrupt_snapshot_is_reported_and_the_agent_bootstraps() {
    let cfg = config();
    let clock = crate::agent::Clock {
        mono: crate::time::Instant::from_millis(1),
        wall: None,
    };
    for bad in [&b"{\"version\":1,"[..], b"\x00\xff garbage", b""] {
        let (agent, err) = crate::agent::Agent::new(cfg.clone(), Some(bad), clock, [1; 32]);
        assert!(err.is_some());
        let codes: Vec<_> = agent.events().iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["0 BOOTSTRAP", "1 BOOT"]);
    }
}

#[test]
fn snapshot_round_trip_keeps_undelivered_events_and_nothing_delivered() {
    let mut w = booted();
    w.acs.push("<cwmp:ScheduleInform><DelaySeconds>600</DelaySeconds><CommandKey>sched-1</CommandKey></cwmp:ScheduleInform>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    // Delivered: the periodic event. Pending: the scheduled inform.
    w.restart();
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().event_codes(),
        codes(&["1 BOOT"])
    );
    w.advance(600);
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.events(),
        vec![
            ("3 SCHEDULED".to_string(), "".to_string()),
            ("M ScheduleInform".to_string(), "sched-1".to_string())
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Session rules

#[test]
fn session_cookie_is_returned_on_every_later_post() {
    let mut w = World::new();
    w.acs.strict_cookie = true;
    w.acs.push(&gpv(&["Device.DeviceInfo.UpTime"]));
    w.pump();
    assert_eq!(w.acs.cookie_violations, 0);
    assert_eq!(
        w.acs.sessions[0].methods(),
        ["Inform", "", "GetParameterValuesResponse"]
    );
}

#[test]
fn acs_request_id_is_echoed_and_response_has_bare_soapaction() {
    let mut w = booted();
    w.acs.push(&gpv(&["Device.DeviceInfo.UpTime"]));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let r = reply(&w, 0);
    assert!(
        r.text()
            .contains("<cwmp:ID soap-env:mustUnderstand=\"1\">acs-1</cwmp:ID>")
    );
    assert_eq!(r.header("SOAPAction").as_deref(), Some(""));
}

#[test]
fn fault_8005_resends_the_identical_inform() {
    let mut w = World::new();
    let fault = http(200, "", &envelope("1", "", &fault_body(8005)));
    w.acs.inform_answers.push_back(Answer::Raw(fault.clone()));
    w.acs.inform_answers.push_back(Answer::Raw(fault));
    w.pump();
    assert_eq!(w.acs.sessions.len(), 3);
    let first = &w.acs.sessions[0].inform().body;
    for s in &w.acs.sessions[1..] {
        assert_eq!(&s.inform().body, first, "identical request");
    }
    assert_eq!(w.acs.sessions[2].methods(), ["Inform", ""]);
    let LastSession::Success { .. } = w.agent.status().last_session else {
        panic!()
    };
}

#[test]
fn fault_8005_is_capped() {
    let mut w = World::new();
    let fault = http(200, "", &envelope("1", "", &fault_body(8005)));
    for _ in 0..10 {
        w.acs.inform_answers.push_back(Answer::Raw(fault.clone()));
    }
    w.pump();
    assert_eq!(
        w.acs.sessions.len(),
        1 + crate::limits::RETRY_REQUEST_MAX as usize
    );
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
}

#[test]
fn other_fault_to_the_inform_fails_the_session() {
    let mut w = World::new();
    w.acs.inform_answers.push_back(Answer::Raw(http(
        200,
        "",
        &envelope("1", "", &fault_body(8002)),
    )));
    w.pump();
    assert_eq!(w.acs.sessions.len(), 1);
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
    assert_eq!(w.agent.retry_count(), 1);
}

#[test]
fn redirect_is_followed_for_the_session_and_not_persisted() {
    let mut w = World::new();
    w.acs.inform_answers.push_back(Answer::Raw(http(
        302,
        "Location: http://other.test:8080/acs\r\n",
        "",
    )));
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2);
    let second = w.acs.sessions[1].inform();
    assert!(second.head.starts_with("POST /acs HTTP/1.1"));
    assert_eq!(second.header("Host").as_deref(), Some("other.test:8080"));
    assert_eq!(
        w.acs.sessions[1].requests[1].header("Host").as_deref(),
        Some("other.test:8080")
    );
    assert_eq!(
        w.agent.management_server().url.as_str(),
        "http://acs.test:7547/"
    );
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(
        w.acs
            .sessions
            .last()
            .unwrap()
            .inform()
            .header("Host")
            .as_deref(),
        Some("acs.test:7547")
    );
}

#[test]
fn redirect_loop_fails_after_five() {
    let mut w = World::new();
    for _ in 0..10 {
        w.acs.inform_answers.push_back(Answer::Raw(http(
            307,
            "Location: http://acs.test:7547/again\r\n",
            "",
        )));
    }
    w.pump();
    assert_eq!(w.acs.sessions.len(), 6);
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
}

#[test]
fn digest_challenge_is_answered_on_the_same_connection() {
    let mut cfg = config();
    cfg.management_server
        .username
        .push_str("A1B2C3-OpenWrtCPE-VEC0001")
        .unwrap();
    cfg.management_server
        .password
        .push_str("acs-secret")
        .unwrap();
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.acs.inform_answers.push_back(Answer::Raw(http(
        401,
        "WWW-Authenticate: Digest realm=\"acs\", qop=\"auth\", nonce=\"abc123\", opaque=\"o1\", algorithm=MD5\r\n",
        "",
    )));
    w.pump();
    assert_eq!(w.connects, 1, "same connection");
    assert_eq!(w.acs.sessions.len(), 2);
    let first = w.acs.sessions[0].inform();
    assert!(first.header("Authorization").is_none());
    let auth = w.acs.sessions[1].inform().header("Authorization").unwrap();
    assert!(auth.starts_with("Digest "), "{auth}");
    assert!(
        auth.contains("username=\"A1B2C3-OpenWrtCPE-VEC0001\"")
            && auth.contains("nonce=\"abc123\"")
            && auth.contains("opaque=\"o1\"")
    );
    // Credentials keep going out on the rest of the session (digest §1.4).
    assert!(
        w.acs.sessions[1].requests[1]
            .header("Authorization")
            .is_some()
    );
}

#[test]
fn wrong_credentials_fail_the_session() {
    let mut w = World::new();
    let challenge = Answer::Raw(http(
        401,
        "WWW-Authenticate: Digest realm=\"acs\", qop=\"auth\", nonce=\"n\", algorithm=MD5\r\n",
        "",
    ));
    for _ in 0..4 {
        w.acs.inform_answers.push_back(challenge.clone());
    }
    w.pump();
    // Unauthenticated, then credentials twice (a second nonce may fix a stale one): failure.
    assert_eq!(w.acs.sessions.len(), 3);
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
}

#[test]
fn hold_requests_delays_cpe_requests() {
    let mut w = booted();
    download_and_finish(&mut w, "dl-hold");
    // The next session's InformResponse holds requests: no TransferComplete in it.
    let hold = http(
        200,
        "",
        &envelope(
            "1",
            "<cwmp:HoldRequests soap-env:mustUnderstand=\"1\">true</cwmp:HoldRequests>",
            "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>",
        ),
    );
    w.acs.inform_answers.push_back(Answer::Raw(hold));
    w.restart();
    w.pump();
    let held = &w.acs.sessions[w.acs.sessions.len() - 2];
    assert_eq!(held.methods(), ["Inform", ""]);
    // The events were not delivered, so the next session sends them and the request.
    let last = w.acs.sessions.last().unwrap();
    assert!(
        last.event_codes()
            .contains(&"7 TRANSFER COMPLETE".to_string())
    );
    assert_eq!(last.methods(), ["Inform", "TransferComplete", ""]);
}

#[test]
fn session_timeout_fails_a_silent_acs() {
    let mut w = World::new();
    w.acs.inform_answers.push_back(Answer::Silence);
    w.pump();
    assert!(w.agent.in_session());
    w.advance(59);
    assert!(w.agent.in_session());
    w.advance(2);
    assert!(!w.agent.in_session() || w.acs.sessions.len() > 1);
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
}

#[test]
fn must_understand_header_gets_a_soap_fault() {
    let mut w = booted();
    w.acs.tasks.push_back(http(
        200,
        "",
        &envelope(
            "m1",
            "<x:Secret xmlns:x=\"urn:v\" soap-env:mustUnderstand=\"1\">1</x:Secret>",
            "<cwmp:GetRPCMethods/>",
        ),
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let r = reply(&w, 0);
    assert!(
        r.text()
            .contains("<faultcode>soap-env:MustUnderstand</faultcode>"),
        "{}",
        r.text()
    );
    assert!(r.text().contains(">m1</cwmp:ID>"));
}

#[test]
fn unknown_and_unsupported_methods_get_9000() {
    let mut w = booted();
    w.acs.push("<cwmp:X_ACME_Frob/>");
    w.acs.push("<cwmp:SetVouchers><VoucherList soap-enc:arrayType=\"xsd:base64[1]\"><base64>QQ==</base64></VoucherList></cwmp:SetVouchers>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    for n in 0..2 {
        cpe_message(&reply(&w, n), |m| {
            let CpeMessage::Fault(f) = m else { panic!() };
            assert_eq!(f.code, FaultCode::METHOD_NOT_SUPPORTED);
        });
    }
}

#[test]
fn get_rpc_methods_lists_what_is_implemented_and_the_cpe_can_ask_too() {
    let mut w = booted();
    w.acs.push("<cwmp:GetRPCMethods/>");
    w.agent.set_clock(w.clock);
    let _ = w.agent.inform(InformRequest {
        get_rpc_methods: true,
        event: None,
    });
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["2 PERIODIC"]));
    assert_eq!(
        s.methods(),
        ["Inform", "GetRPCMethods", "", "GetRPCMethodsResponse"]
    );
    cpe_message(&reply(&w, 1), |m| {
        let CpeMessage::GetRPCMethodsResponse { methods } = m else {
            panic!()
        };
        let got: Vec<String> = methods.iter().map(|t| t.to_string()).collect();
        assert!(
            got.contains(&"SetParameterValues".to_string())
                && got.contains(&"Download".to_string())
        );
        assert!(!got.contains(&"ChangeDUState".to_string()));
    });
}

#[test]
fn configured_get_rpc_methods_asks_after_start_and_after_a_new_acs_only() {
    let mut cfg = config();
    cfg.get_rpc_methods = true;
    let mut w = World::with(cfg.clone(), MemDm::standard(), None);
    w.pump();
    assert_eq!(w.acs.sessions[0].methods(), ["Inform", "GetRPCMethods", ""]);
    // A later session of the same run does not ask again.
    inform(&mut w, InformEvent::ValueChange);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2);
    assert_eq!(w.acs.sessions[1].methods(), ["Inform", ""]);
    // After a restart it does.
    w.restart();
    w.pump();
    assert_eq!(w.acs.sessions[2].methods(), ["Inform", "GetRPCMethods", ""]);
    // A new ACS URL is a new ACS: asked again, once.
    cfg.management_server.url.clear();
    cfg.management_server
        .url
        .push_str("http://other-acs.test:7547/")
        .unwrap();
    w.agent.apply_config(cfg, w.clock);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 4);
    assert_eq!(w.acs.sessions[3].event_codes(), codes(&["0 BOOTSTRAP"]));
    assert_eq!(w.acs.sessions[3].methods(), ["Inform", "GetRPCMethods", ""]);
    inform(&mut w, InformEvent::ValueChange);
    w.pump();
    assert_eq!(w.acs.sessions[4].methods(), ["Inform", ""]);
}

/// An InformResponse in namespace `ns` (`cwmp-1-0` …) with extra header entries.
fn inform_response_in(ns: &str, header_extra: &str) -> Answer {
    let env = envelope(
        "1",
        header_extra,
        "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>",
    )
    .replace(
        "urn:dslforum-org:cwmp-1-2",
        &format!("urn:dslforum-org:{ns}"),
    );
    Answer::Raw(http(200, "", &env))
}

#[test]
fn the_acs_namespace_in_the_inform_response_is_used_for_the_rest_of_the_session() {
    let mut w = booted();
    w.acs
        .inform_answers
        .push_back(inform_response_in("cwmp-1-0", ""));
    w.agent.set_clock(w.clock);
    let _ = w.agent.inform(InformRequest {
        get_rpc_methods: true,
        event: None,
    });
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.methods(), ["Inform", "GetRPCMethods", ""]);
    assert!(s.inform().text().contains("urn:dslforum-org:cwmp-1-2"));
    let get = s.requests[1].text();
    assert!(get.contains("urn:dslforum-org:cwmp-1-0"), "{get}");
    assert!(!get.contains("cwmp-1-2"));
}

#[test]
fn use_cwmp_version_is_accepted_up_to_ours_and_a_higher_one_fails_the_session() {
    let use_version = |v: &str| {
        format!("<cwmp:UseCWMPVersion soap-env:mustUnderstand=\"1\">{v}</cwmp:UseCWMPVersion>")
    };
    let mut w = booted();
    w.acs
        .inform_answers
        .push_back(inform_response_in("cwmp-1-2", &use_version("1.4")));
    w.acs.push(&gpv(&["Device.DeviceInfo.UpTime"]));
    inform(&mut w, InformEvent::ValueChange);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2);
    assert_eq!(
        w.acs.sessions[1].methods(),
        ["Inform", "", "GetParameterValuesResponse"]
    );
    assert_eq!(w.agent.status().statistics.failure_sessions, 0);

    // A device limited to CWMP 1.2 refuses an ACS that insists on 1.4 (or on a version
    // nobody knows): the session fails and is retried later.
    let mut cfg = config();
    cfg.cwmp_version = crate::soap::CwmpVersion::V1_2;
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.acs
        .inform_answers
        .push_back(inform_response_in("cwmp-1-2", &use_version("1.4")));
    w.acs
        .inform_answers
        .push_back(inform_response_in("cwmp-1-2", &use_version("2.0")));
    w.pump();
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
    assert_eq!(w.acs.sessions[0].methods(), ["Inform"]);
    assert_eq!(w.agent.retry_count(), 1);
    w.advance(30);
    assert_eq!(w.agent.status().statistics.failure_sessions, 2);
    w.advance(60);
    assert_eq!(w.acs.sessions.len(), 3);
    assert_eq!(w.acs.sessions[2].methods(), ["Inform", ""]);
    assert_eq!(w.agent.status().statistics.success_sessions, 1);
    assert_eq!(
        w.acs.sessions[2].event_codes(),
        codes(&["0 BOOTSTRAP", "1 BOOT"]),
        "the events of the failed sessions are still delivered"
    );
}

#[test]
fn inform_parameter_entries_are_reported_and_the_list_stops_at_inform_seen_max() {
    use crate::limits::INFORM_SEEN_MAX;
    use crate::soap::ValueType;
    let mut dm = MemDm::standard();
    for i in 1..=INFORM_SEEN_MAX + 44 {
        dm.params.insert(
            format!("Device.NAT.PortMapping.{i}.Enable"),
            ("true".into(), ValueType::Boolean, true),
        );
    }
    let mut w = World::with(config(), dm, None);
    w.pump();
    let forced = w.acs.sessions[0].inform_params().len();
    let ip = "Device.ManagementServer.InformParameter.1.";
    w.acs.push("<cwmp:AddObject><ObjectName>Device.ManagementServer.InformParameter.</ObjectName><ParameterKey></ParameterKey></cwmp:AddObject>");
    w.acs.push(&spv(
        &[
            (&format!("{ip}Enable"), "true", "boolean"),
            (
                &format!("{ip}ParameterName"),
                "Device.Time.NTPServer1",
                "string",
            ),
            (&format!("{ip}EventList"), "2 PERIODIC", "string"),
        ],
        "k",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(
        w.acs.sessions[1].methods(),
        [
            "Inform",
            "",
            "AddObjectResponse",
            "SetParameterValuesResponse"
        ]
    );

    // An Inform with a listed event carries the entry after the forced parameters.
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let params = w.acs.sessions[2].inform_params();
    assert_eq!(params.len(), forced + 1);
    assert_eq!(
        params.last().unwrap(),
        &(
            "Device.Time.NTPServer1".to_string(),
            "pool.ntp.org".to_string()
        )
    );
    // One without it does not.
    inform(&mut w, InformEvent::DiagnosticsComplete);
    w.pump();
    assert_eq!(w.acs.sessions[3].inform_params().len(), forced);

    // A pattern matching more than the list can hold: the list stops at INFORM_SEEN_MAX and
    // the announced array size says so.
    w.acs.push(&spv(
        &[(
            &format!("{ip}ParameterName"),
            "Device.NAT.PortMapping.*.Enable",
            "string",
        )],
        "k2",
    ));
    inform(&mut w, InformEvent::DiagnosticsComplete);
    w.pump();
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    let params = s.inform_params();
    assert_eq!(params.len(), INFORM_SEEN_MAX);
    assert_eq!(params[forced].0, "Device.NAT.PortMapping.1.Enable");
    assert!(
        s.inform()
            .text()
            .contains(&format!("cwmp:ParameterValueStruct[{INFORM_SEEN_MAX}]"))
    );
    assert!(!w.agent.in_session());
}

// ---------------------------------------------------------------------------------------------
// Retry

#[test]
fn retry_waits_follow_the_table_and_retry_count_is_reported() {
    let mut w = World::new();
    w.acs.down = true;
    w.pump();
    w.advance(200);
    let t = &w.connect_times;
    assert!(t.len() >= 5, "{t:?}");
    let rows = [(5, 10), (10, 20), (20, 40), (40, 80)];
    for (i, (lo, hi)) in rows.iter().enumerate() {
        let wait = (t[i + 1] - t[i]) as f64 / 1000.0;
        assert!(
            wait >= *lo as f64 && wait <= *hi as f64,
            "retry {} waited {wait}s",
            i + 1
        );
    }
    let failures = w.agent.status().statistics.failure_sessions;
    w.acs.down = false;
    w.advance(400);
    let s = &w.acs.sessions[0];
    assert_eq!(s.retry_count(), failures);
    assert_eq!(w.agent.retry_count(), 0, "reset after success");
}

#[test]
fn every_retry_row_and_the_cap_follow_the_table() {
    // Without periodic Informs, whose events would cut the long waits short (digest §6).
    let mut cfg = config();
    cfg.management_server.periodic_enable = false;
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.acs.down = true;
    w.pump();
    w.advance(40_000);
    let t = &w.connect_times;
    assert!(t.len() >= 13, "{t:?}");
    // Row n waits 5·2^(n−1) … 5·2^n s; from the 10th on it stays at 2560 … 5120 s.
    for n in 1..=12u32 {
        let row = n.min(10);
        let (lo, hi) = (5u64 << (row - 1), 5u64 << row);
        let wait = (t[n as usize] - t[n as usize - 1]) / 1000;
        assert!(
            (lo..=hi).contains(&wait),
            "retry {n} waited {wait} s, not {lo}..{hi}"
        );
    }
    w.acs.down = false;
    w.advance(6_000);
    let s = w.acs.sessions.last().unwrap();
    assert!(s.retry_count() >= 12, "{}", s.retry_count());
    assert_eq!(w.agent.retry_count(), 0);
}

#[test]
fn refused_connection_fails_the_session_and_is_retried() {
    let mut w = World::new();
    w.acs.inform_answers.push_back(Answer::RefuseConnect);
    w.pump();
    assert!(w.acs.sessions.is_empty());
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
    w.advance(10);
    assert_eq!(w.acs.sessions.len(), 1);
    assert_eq!(w.acs.sessions[0].retry_count(), 1);
    assert_eq!(
        w.acs.sessions[0].event_codes(),
        codes(&["0 BOOTSTRAP", "1 BOOT"])
    );
}

#[test]
fn new_event_during_retry_wait_retries_at_once() {
    let mut w = World::new();
    w.acs.down = true;
    w.pump();
    assert_eq!(w.connect_times.len(), 1);
    w.acs.down = false;
    w.advance(1);
    assert!(w.acs.sessions.is_empty(), "still waiting");
    inform(&mut w, InformEvent::ValueChange);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 1);
    assert_eq!(w.acs.sessions[0].retry_count(), 1);
    assert!(
        w.acs.sessions[0]
            .event_codes()
            .contains(&"4 VALUE CHANGE".to_string())
    );
}

#[test]
fn connection_request_event_is_not_retried() {
    let mut w = booted();
    w.acs.down = true;
    inform(&mut w, InformEvent::ConnectionRequest);
    w.pump();
    assert_eq!(w.agent.status().statistics.failure_sessions, 1);
    assert!(w.agent.events().is_empty());
    assert_eq!(w.agent.retry_count(), 0);
    let connects = w.connect_times.len();
    w.advance(100);
    assert_eq!(w.connect_times.len(), connects, "no retry");
}

#[test]
fn an_event_raised_before_the_inform_goes_out_joins_it() {
    let mut w = booted();
    // The notified parameters' current values are the baseline.
    w.agent.check_notifications(w.clock, &mut w.dm);
    inform(&mut w, InformEvent::Periodic);
    // Connecting: the platform learns its address has changed (a new WAN address, a new
    // Connection Request port), and a Connection Request arrives.
    let url = "http://198.51.100.7:7548/cr";
    w.agent.set_connection_request_url(url, w.clock, &mut w.dm);
    inform(&mut w, InformEvent::ConnectionRequest);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2);
    let s = w.acs.sessions.last().unwrap();
    let mut codes = s.event_codes();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["2 PERIODIC", "4 VALUE CHANGE", "6 CONNECTION REQUEST"]
    );
    assert!(s.inform_params().contains(&(
        "Device.ManagementServer.ConnectionRequestURL".into(),
        url.into()
    )));
    assert!(w.agent.events().is_empty());
    w.advance(60);
    assert_eq!(
        w.acs.sessions.len(),
        2,
        "no second session for what was reported"
    );
}

#[test]
fn connection_request_with_valid_digest_starts_one_session() {
    use crate::http::cr::{CrOutcome, Handled, RequestReader};
    use crate::http::digest::{Algorithm, ResponseInput, Value, compute_response};
    let mut w = booted();
    let mut out = [0u8; 1024];
    let mut reader = RequestReader::new(w.clock.mono + core::time::Duration::from_secs(10));
    let get = b"GET /cr HTTP/1.1\r\nHost: 192.0.2.1:7547\r\n\r\n";
    let mut sink = crate::sink::SliceSink::new(&mut out);
    let h = w
        .agent
        .connection_request(&mut reader, get, w.clock, &mut sink)
        .unwrap();
    assert!(matches!(h, Handled::Respond(CrOutcome::Challenged(_))));
    let challenge = String::from_utf8(sink.written().to_vec()).unwrap();
    let md5 = challenge
        .lines()
        .find(|l| l.contains("algorithm=MD5"))
        .unwrap();
    let field = |name: &str| {
        let start = md5.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        md5[start..].split('"').next().unwrap().to_string()
    };
    let (nonce, opaque, realm) = (field("nonce"), field("opaque"), field("realm"));
    let resp = compute_response(&ResponseInput {
        algorithm: Algorithm::Md5,
        username: Value::plain("cpe-cr"),
        realm: Value::plain(&realm),
        password: "cr-secret",
        method: "GET",
        uri: Value::plain("/cr"),
        nonce: Value::plain(&nonce),
        qop_auth: Some(("00000001", Value::plain("0a4f113b"))),
    });
    let req = format!(
        "GET /cr HTTP/1.1\r\nHost: 192.0.2.1:7547\r\nAuthorization: Digest username=\"cpe-cr\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"/cr\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"{}\", opaque=\"{opaque}\"\r\n\r\n",
        resp.as_str()
    );
    for _ in 0..3 {
        let mut reader = RequestReader::new(w.clock.mono + core::time::Duration::from_secs(10));
        let mut out = [0u8; 1024];
        let mut sink = crate::sink::SliceSink::new(&mut out);
        let h = w
            .agent
            .connection_request(&mut reader, req.as_bytes(), w.clock, &mut sink)
            .unwrap();
        assert_eq!(h, Handled::Respond(CrOutcome::StartSession));
    }
    w.pump();
    assert_eq!(w.acs.sessions.len(), 2, "several requests, one session");
    assert_eq!(
        w.acs.sessions[1].event_codes(),
        codes(&["6 CONNECTION REQUEST"])
    );
}

// ---------------------------------------------------------------------------------------------
// Parameters

#[test]
fn get_parameter_values_full_and_partial_paths() {
    let mut w = booted();
    w.acs.push(&gpv(&[
        "Device.DeviceInfo.UpTime",
        "Device.Time.",
        "Device.ManagementServer.PeriodicInformInterval",
    ]));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::GetParameterValuesResponse { parameters } = m else {
            panic!()
        };
        let got: Vec<(String, String)> = parameters
            .iter()
            .map(|p| (p.name.to_string(), p.value.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("Device.DeviceInfo.UpTime".into(), "42".into()),
                ("Device.Time.Enable".into(), "true".into()),
                ("Device.Time.NTPServer1".into(), "pool.ntp.org".into()),
                (
                    "Device.ManagementServer.PeriodicInformInterval".into(),
                    "3600".into()
                ),
            ]
        );
    });
}

#[test]
fn unknown_parameter_gets_9005() {
    let mut w = booted();
    w.acs
        .push(&gpv(&["Device.DeviceInfo.UpTime", "Device.Nope.X"]));
    w.acs.push(&gpv(&["Device..bad"]));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    for n in 0..2 {
        cpe_message(&reply(&w, n), |m| {
            let CpeMessage::Fault(f) = m else { panic!() };
            assert_eq!(f.code, FaultCode::INVALID_PARAMETER_NAME);
            assert_eq!(f.faultcode, "Client");
        });
    }
}

#[test]
fn get_parameter_names_next_level_and_subtree() {
    let mut w = booted();
    w.acs.push("<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>1</NextLevel></cwmp:GetParameterNames>");
    w.acs.push("<cwmp:GetParameterNames><ParameterPath>Device.Time.</ParameterPath><NextLevel>0</NextLevel></cwmp:GetParameterNames>");
    w.acs.push("<cwmp:GetParameterNames><ParameterPath>Device.Time.Enable</ParameterPath><NextLevel>1</NextLevel></cwmp:GetParameterNames>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::GetParameterNamesResponse { parameters } = m else {
            panic!()
        };
        let got: Vec<String> = parameters.iter().map(|p| p.name.to_string()).collect();
        assert_eq!(
            got,
            [
                "Device.DeviceInfo.",
                "Device.NAT.",
                "Device.RootDataModelVersion",
                "Device.Time.",
                "Device.ManagementServer."
            ]
        );
    });
    cpe_message(&reply(&w, 1), |m| {
        let CpeMessage::GetParameterNamesResponse { parameters } = m else {
            panic!()
        };
        let got: Vec<(String, bool)> = parameters
            .iter()
            .map(|p| (p.name.to_string(), p.writable))
            .collect();
        assert_eq!(
            got,
            [
                ("Device.Time.".into(), false),
                ("Device.Time.Enable".into(), true),
                ("Device.Time.NTPServer1".into(), true)
            ]
        );
    });
    cpe_message(&reply(&w, 2), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.code, FaultCode::INVALID_ARGUMENTS);
    });
}

#[test]
fn set_parameter_values_is_all_or_nothing_with_a_fault_per_parameter() {
    let mut w = booted();
    w.acs.push(&spv(
        &[
            ("Device.Time.NTPServer1", "ntp.example", "string"),
            ("Device.Time.Enable", "maybe", "boolean"),
            ("Device.DeviceInfo.UpTime", "1", "unsignedInt"),
            ("Device.Nope", "1", "string"),
            (
                "Device.ManagementServer.PeriodicInformInterval",
                "0",
                "unsignedInt",
            ),
            ("Device.Time.NTPServer1", "x", "int"),
        ][..5],
        "key-bad",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.code, FaultCode::INVALID_ARGUMENTS);
        assert_eq!(f.faultcode, "Client");
        let got: Vec<(String, u32)> = f
            .spv_faults
            .iter()
            .map(|x| (x.name.to_string(), x.code.0))
            .collect();
        assert_eq!(
            got,
            [
                ("Device.Time.Enable".into(), 9007),
                ("Device.DeviceInfo.UpTime".into(), 9008),
                ("Device.Nope".into(), 9005),
                (
                    "Device.ManagementServer.PeriodicInformInterval".into(),
                    9007
                ),
            ]
        );
    });
    assert_eq!(
        w.dm.value("Device.Time.NTPServer1"),
        Some("pool.ntp.org"),
        "nothing applied"
    );
    assert_eq!(w.dm.commits, 0);
    assert_eq!(w.agent.management_server().parameter_key.as_str(), "");
    assert_eq!(w.agent.management_server().periodic_interval, 3600);
}

#[test]
fn a_9003_lists_the_first_spv_faults_max_faulty_parameters() {
    use crate::limits::SPV_FAULTS_MAX;
    let mut w = booted();
    let names: Vec<String> = (0..SPV_FAULTS_MAX + 8)
        .map(|i| format!("Device.Nope.P{i}"))
        .collect();
    let params: Vec<(&str, &str, &str)> =
        names.iter().map(|n| (n.as_str(), "1", "string")).collect();
    w.acs.push(&spv(&params, "k"));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.code, FaultCode::INVALID_ARGUMENTS);
        let got: Vec<(String, u32)> = f
            .spv_faults
            .iter()
            .map(|x| (x.name.to_string(), x.code.0))
            .collect();
        let want: Vec<(String, u32)> = names[..SPV_FAULTS_MAX]
            .iter()
            .map(|n| (n.clone(), 9005))
            .collect();
        assert_eq!(got, want);
    });
    assert!(!w.agent.in_session(), "the session went on to its end");
    assert_eq!(
        w.acs.sessions.last().unwrap().methods().last().unwrap(),
        "Fault"
    );
}

#[test]
fn set_parameter_values_wrong_type_is_9006_and_duplicates_are_9003() {
    let mut w = booted();
    w.acs
        .push(&spv(&[("Device.Time.Enable", "1", "dateTime")], "k"));
    w.acs.push(&spv(
        &[
            ("Device.Time.Enable", "1", "boolean"),
            ("Device.Time.Enable", "0", "boolean"),
        ],
        "k",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.spv_faults.iter().next().unwrap().code.0, 9006);
    });
    cpe_message(&reply(&w, 1), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.code, FaultCode::INVALID_ARGUMENTS);
        assert!(f.spv_faults.is_empty());
    });
}

#[test]
fn parameter_key_changes_only_with_a_successful_set_add_or_delete() {
    let mut w = booted();
    w.acs.push(&spv(
        &[
            ("Device.Time.NTPServer1", "ntp.example", "string"),
            (
                "Device.ManagementServer.PeriodicInformInterval",
                "600",
                "unsignedInt",
            ),
        ],
        "key-1",
    ));
    w.acs
        .push(&spv(&[("Device.Time.Enable", "nope", "boolean")], "key-2"));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        assert!(matches!(
            m,
            CpeMessage::SetParameterValuesResponse { status: 0 }
        ))
    });
    assert_eq!(w.dm.value("Device.Time.NTPServer1"), Some("ntp.example"));
    assert_eq!(w.agent.management_server().periodic_interval, 600);
    assert_eq!(w.agent.management_server().parameter_key.as_str(), "key-1");
    w.acs.push("<cwmp:AddObject><ObjectName>Device.NAT.PortMapping.</ObjectName><ParameterKey>key-3</ParameterKey></cwmp:AddObject>");
    w.acs.push("<cwmp:AddObject><ObjectName>Device.NAT.PortMapping.</ObjectName><ParameterKey>key-4</ParameterKey></cwmp:AddObject>");
    w.acs.push("<cwmp:DeleteObject><ObjectName>Device.NAT.PortMapping.1.</ObjectName><ParameterKey>key-5</ParameterKey></cwmp:DeleteObject>");
    w.acs.push("<cwmp:DeleteObject><ObjectName>Device.NAT.PortMapping.9.</ObjectName><ParameterKey>key-6</ParameterKey></cwmp:DeleteObject>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().inform_params()[4],
        (
            "Device.ManagementServer.ParameterKey".into(),
            "key-1".into()
        )
    );
    cpe_message(&reply(&w, 0), |m| {
        assert!(matches!(
            m,
            CpeMessage::AddObjectResponse {
                instance_number: 1,
                status: 0
            }
        ))
    });
    cpe_message(&reply(&w, 1), |m| {
        assert!(matches!(
            m,
            CpeMessage::AddObjectResponse {
                instance_number: 2,
                status: 0
            }
        ))
    });
    cpe_message(&reply(&w, 2), |m| {
        assert!(matches!(m, CpeMessage::DeleteObjectResponse { status: 0 }))
    });
    cpe_message(&reply(&w, 3), |m| {
        assert!(matches!(m, CpeMessage::Fault(_)))
    });
    assert_eq!(w.agent.management_server().parameter_key.as_str(), "key-5");
    assert!(w.dm.value("Device.NAT.PortMapping.2.Enable").is_some());
    assert!(w.dm.value("Device.NAT.PortMapping.1.Enable").is_none());
}

#[test]
fn status_one_is_reported_when_the_backend_applies_later() {
    let mut w = booted();
    w.dm.apply_later = true;
    w.acs
        .push(&spv(&[("Device.Time.NTPServer1", "a", "string")], "k"));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        assert!(matches!(
            m,
            CpeMessage::SetParameterValuesResponse { status: 1 }
        ))
    });
    assert_eq!(w.agent.management_server().parameter_key.as_str(), "k");
}

#[test]
fn acs_url_change_bootstraps_the_new_acs_after_the_session() {
    let mut w = booted();
    w.acs.push(&spv(
        &[(
            "Device.ManagementServer.URL",
            "http://new.test/acs",
            "string",
        )],
        "k",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.inform().header("Host").as_deref(), Some("new.test"));
    assert_eq!(s.event_codes(), codes(&["0 BOOTSTRAP"]));
    // ParameterKey belongs to the old ACS.
    assert_eq!(s.inform_params()[4].1, "");
}

// ---------------------------------------------------------------------------------------------
// Attributes and notifications

fn spa(name: &str, notification: u8) -> String {
    format!(
        "<cwmp:SetParameterAttributes><ParameterList soap-enc:arrayType=\"cwmp:SetParameterAttributesStruct[1]\"><SetParameterAttributesStruct>\
         <Name>{name}</Name><NotificationChange>1</NotificationChange><Notification>{notification}</Notification>\
         <AccessListChange>1</AccessListChange><AccessList soap-enc:arrayType=\"xsd:string[1]\"><string>Subscriber</string></AccessList>\
         </SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>"
    )
}

#[test]
fn attributes_are_set_read_back_and_survive_a_restart() {
    let mut w = booted();
    w.acs.push(&spa("Device.Time.", 1));
    w.acs.push("<cwmp:GetParameterAttributes><ParameterNames soap-enc:arrayType=\"xsd:string[1]\"><string>Device.Time.</string></ParameterNames></cwmp:GetParameterAttributes>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let check = |w: &World, n: usize| {
        cpe_message(&reply(w, n), |m| {
            let CpeMessage::GetParameterAttributesResponse { parameters } = m else {
                panic!()
            };
            for p in parameters.iter() {
                assert_eq!(p.notification, 1);
                assert_eq!(
                    p.access_list
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>(),
                    ["Subscriber"]
                );
            }
            assert_eq!(parameters.len(), 2);
        });
    };
    check(&w, 1);
    w.restart();
    w.acs.push("<cwmp:GetParameterAttributes><ParameterNames soap-enc:arrayType=\"xsd:string[1]\"><string>Device.Time.</string></ParameterNames></cwmp:GetParameterAttributes>");
    w.pump();
    check(&w, 0);
}

#[test]
fn forced_notification_cannot_be_turned_off() {
    let mut w = booted();
    w.acs.push(&spa("Device.DeviceInfo.SoftwareVersion", 0));
    w.acs.push(&spa("Device.DeviceInfo.", 1));
    w.acs.push(&spa("Device.Time.Enable", 4));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    for n in 0..3 {
        cpe_message(&reply(&w, n), |m| {
            let CpeMessage::Fault(f) = m else { panic!() };
            assert_eq!(f.code, FaultCode::NOTIFICATION_REJECTED);
        });
    }
}

#[test]
fn active_notification_starts_a_session_with_the_changed_value() {
    let mut w = booted();
    w.acs.push(&spa("Device.Time.NTPServer1", 2));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let before = w.acs.sessions.len();
    w.agent.check_notifications(w.clock, &mut w.dm);
    w.pump();
    assert_eq!(w.acs.sessions.len(), before, "no change yet");
    w.dm.set("Device.Time.NTPServer1", "changed.example");
    w.agent.check_notifications(w.clock, &mut w.dm);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(w.acs.sessions.len(), before + 1);
    assert_eq!(s.event_codes(), codes(&["4 VALUE CHANGE"]));
    assert!(
        s.inform_params()
            .contains(&("Device.Time.NTPServer1".into(), "changed.example".into()))
    );
    // Reported once.
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert!(
        !w.acs
            .sessions
            .last()
            .unwrap()
            .inform_params()
            .iter()
            .any(|p| p.0 == "Device.Time.NTPServer1")
    );
}

#[test]
fn passive_notification_waits_for_the_next_session() {
    let mut w = booted();
    w.acs.push(&spa("Device.Time.NTPServer1", 1));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let before = w.acs.sessions.len();
    w.dm.set("Device.Time.NTPServer1", "passive.example");
    w.agent.check_notifications(w.clock, &mut w.dm);
    w.pump();
    assert_eq!(
        w.acs.sessions.len(),
        before,
        "no session for a passive change"
    );
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["2 PERIODIC", "4 VALUE CHANGE"]));
    assert!(
        s.inform_params()
            .contains(&("Device.Time.NTPServer1".into(), "passive.example".into()))
    );
}

#[test]
fn changes_made_by_the_acs_are_not_notified() {
    let mut w = booted();
    w.acs.push(&spa("Device.Time.NTPServer1", 2));
    w.acs.push(&spv(
        &[("Device.Time.NTPServer1", "acs.example", "string")],
        "",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let before = w.acs.sessions.len();
    w.agent.check_notifications(w.clock, &mut w.dm);
    w.pump();
    assert_eq!(w.acs.sessions.len(), before);
}

// ---------------------------------------------------------------------------------------------
// Reboot, factory reset, transfers, schedules

#[test]
fn reboot_gives_boot_and_m_reboot_with_the_command_key_after_restart() {
    let mut w = booted();
    w.acs
        .push("<cwmp:Reboot><CommandKey>rb-1</CommandKey></cwmp:Reboot>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        assert!(matches!(m, CpeMessage::RebootResponse))
    });
    assert_eq!(w.effects, [Effect::Reboot], "after the session ended");
    w.restart();
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.events(),
        vec![
            ("1 BOOT".to_string(), String::new()),
            ("M Reboot".to_string(), "rb-1".to_string())
        ]
    );
    w.restart();
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().event_codes(),
        codes(&["1 BOOT"]),
        "delivered once"
    );
}

#[test]
fn reboot_is_not_done_when_the_session_fails() {
    let mut w = booted();
    w.acs
        .push("<cwmp:Reboot><CommandKey>rb</CommandKey></cwmp:Reboot>");
    w.acs.tasks.push_back(http(500, "", ""));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert!(w.effects.is_empty());
}

#[test]
fn factory_reset_leads_to_bootstrap() {
    let mut w = booted();
    w.acs.push(&spv(
        &[(
            "Device.ManagementServer.PeriodicInformInterval",
            "600",
            "unsignedInt",
        )],
        "k",
    ));
    w.acs.push("<cwmp:FactoryReset/>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(w.effects, [Effect::FactoryReset]);
    w.restart();
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["0 BOOTSTRAP", "1 BOOT"]));
    assert_eq!(w.agent.management_server().periodic_interval, 3600);
    assert_eq!(s.inform_params()[4].1, "");
}

/// Queues a Download in a session and finishes the transfer successfully.
fn download_and_finish(w: &mut World, key: &str) {
    w.acs.push(&format!(
        "<cwmp:Download><CommandKey>{key}</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>http://files.test/fw.bin</URL>\
         <Username></Username><Password></Password><FileSize>4096</FileSize><TargetFileName></TargetFileName><DelaySeconds>0</DelaySeconds>\
         <SuccessURL></SuccessURL><FailureURL></FailureURL></cwmp:Download>"
    ));
    inform(w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(w, 0), |m| {
        let CpeMessage::DownloadResponse {
            status,
            start_time,
            complete_time,
        } = m
        else {
            panic!()
        };
        assert_eq!(status, 1);
        assert!(start_time.is_unknown() && complete_time.is_unknown());
    });
    w.advance(1);
    let Some(Effect::StartTransfer(slot)) = w
        .effects
        .iter()
        .copied()
        .find(|e| matches!(e, Effect::StartTransfer(_)))
    else {
        panic!("transfer started: {:?}", w.effects)
    };
    let t = w.agent.transfer(slot).unwrap();
    assert_eq!(t.url.as_str(), "http://files.test/fw.bin");
    let start = Some(UnixTime(START as i64 + 10));
    let done = Some(UnixTime(START as i64 + 20));
    w.agent
        .transfer_done(slot, FaultCode::NONE, start, done, w.clock);
    w.pump();
    assert!(
        w.effects.contains(&Effect::ApplyTransfer(slot)),
        "{:?}",
        w.effects
    );
}

#[test]
fn download_reports_transfer_complete_after_the_restart() {
    let mut w = booted();
    download_and_finish(&mut w, "dl-1");
    // The firmware apply reboots the device.
    let sessions = w.acs.sessions.len();
    w.restart();
    w.pump();
    assert_eq!(w.acs.sessions.len(), sessions + 1);
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.events(),
        vec![
            ("1 BOOT".to_string(), String::new()),
            ("7 TRANSFER COMPLETE".to_string(), String::new()),
            ("M Download".to_string(), "dl-1".to_string()),
        ]
    );
    assert_eq!(s.methods(), ["Inform", "TransferComplete", ""]);
    cpe_message(&s.requests[1], |m| {
        let CpeMessage::TransferComplete(t) = m else {
            panic!()
        };
        assert_eq!(t.command_key, "dl-1");
        assert_eq!(t.fault.code, FaultCode::NONE);
        assert_eq!(t.start_time.to_unix(), Some(UnixTime(START as i64 + 10)));
        assert_eq!(t.complete_time.to_unix(), Some(UnixTime(START as i64 + 20)));
    });
    w.restart();
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().event_codes(),
        codes(&["1 BOOT"])
    );
}

#[test]
fn failed_apply_is_reported_with_its_fault() {
    let mut w = booted();
    download_and_finish(&mut w, "dl-2");
    let slot = match w
        .effects
        .iter()
        .find(|e| matches!(e, Effect::ApplyTransfer(_)))
    {
        Some(Effect::ApplyTransfer(s)) => *s,
        _ => panic!(),
    };
    w.agent
        .transfer_apply_failed(slot, FaultCode::FILE_CORRUPTED, w.clock);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    cpe_message(&s.requests[1], |m| {
        let CpeMessage::TransferComplete(t) = m else {
            panic!()
        };
        assert_eq!(t.fault.code, FaultCode::FILE_CORRUPTED);
    });
}

#[test]
fn queued_transfers_are_listed_and_cancelled() {
    let mut w = booted();
    w.acs.push(
        "<cwmp:Download><CommandKey>later</CommandKey><FileType>3 Vendor Configuration File</FileType><URL>http://f/c</URL>\
         <Username/><Password/><FileSize>0</FileSize><TargetFileName/><DelaySeconds>3600</DelaySeconds><SuccessURL/><FailureURL/></cwmp:Download>",
    );
    w.acs.push("<cwmp:GetAllQueuedTransfers/>");
    w.acs
        .push("<cwmp:CancelTransfer><CommandKey>later</CommandKey></cwmp:CancelTransfer>");
    w.acs.push("<cwmp:GetQueuedTransfers/>");
    w.acs.push("<cwmp:Download><CommandKey>x</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>tftp://f/c</URL><Username/><Password/><FileSize>0</FileSize><TargetFileName/><DelaySeconds>0</DelaySeconds><SuccessURL/><FailureURL/></cwmp:Download>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 1), |m| {
        let CpeMessage::GetAllQueuedTransfersResponse { transfers } = m else {
            panic!()
        };
        let t = transfers.iter().next().unwrap();
        assert_eq!(
            (t.command_key.to_string(), t.state, t.is_download),
            ("later".to_string(), 1, true)
        );
    });
    cpe_message(&reply(&w, 2), |m| {
        assert!(matches!(m, CpeMessage::CancelTransferResponse))
    });
    cpe_message(&reply(&w, 3), |m| {
        let CpeMessage::GetQueuedTransfersResponse { transfers } = m else {
            panic!()
        };
        assert!(transfers.is_empty());
    });
    cpe_message(&reply(&w, 4), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        assert_eq!(f.code, FaultCode::UNSUPPORTED_PROTOCOL);
    });
}

#[test]
fn schedule_inform_fires_scheduled_with_its_command_key() {
    let mut w = booted();
    w.acs.push("<cwmp:ScheduleInform><DelaySeconds>120</DelaySeconds><CommandKey>s-1</CommandKey></cwmp:ScheduleInform>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let n = w.acs.sessions.len();
    w.advance(119);
    assert_eq!(w.acs.sessions.len(), n);
    w.advance(1);
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.events(),
        vec![
            ("3 SCHEDULED".to_string(), String::new()),
            ("M ScheduleInform".to_string(), "s-1".to_string())
        ]
    );
}

#[test]
fn periodic_inform_follows_the_reference_time() {
    let mut cfg = config();
    // Phase: xx:17:00 every hour.
    cfg.management_server.periodic_time =
        Some(crate::time::DateTime::parse("2020-01-01T00:17:00Z").unwrap());
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.pump();
    w.advance(3 * 3600);
    let periodic: Vec<&SessionLog> = w
        .acs
        .sessions
        .iter()
        .filter(|s| s.event_codes() == ["2 PERIODIC"])
        .collect();
    assert_eq!(periodic.len(), 3);
    for s in periodic {
        let text = s.inform().text();
        let t = text
            .split("<CurrentTime>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let t = crate::time::DateTime::parse(t).unwrap();
        assert_eq!((t.minute, t.second), (17, 0), "{t}");
    }
}

#[test]
fn heartbeat_runs_in_its_own_session() {
    let mut cfg = config();
    cfg.management_server.heartbeat_enable = true;
    cfg.management_server.heartbeat_interval = 60;
    cfg.management_server.heartbeat_time =
        Some(crate::time::DateTime::parse("2020-01-01T00:00:30Z").unwrap());
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.pump();
    w.advance(10);
    inform(&mut w, InformEvent::DiagnosticsComplete);
    w.acs.down = false;
    w.advance(120);
    let hb: Vec<&SessionLog> = w
        .acs
        .sessions
        .iter()
        .filter(|s| s.event_codes().contains(&"14 HEARTBEAT".to_string()))
        .collect();
    assert!(hb.len() >= 2);
    for s in hb {
        assert_eq!(s.event_codes(), codes(&["14 HEARTBEAT"]));
        assert_eq!(s.methods(), ["Inform", ""]);
    }
}

// ---------------------------------------------------------------------------------------------
// Large replies and control

#[test]
fn ten_thousand_values_stream_through_a_small_buffer() {
    let mut dm = MemDm::standard();
    for i in 0..10_000 {
        dm.params.insert(
            format!("Device.X.Table.{}.Value", i + 1),
            (
                format!("value-{i}-&<>"),
                crate::soap::ValueType::String,
                true,
            ),
        );
    }
    let mut w = World::with(config(), dm, None);
    w.pump();
    w.acs.push(&gpv(&["Device.X."]));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let r = reply(&w, 0);
    assert!(r.chunked, "too large for the buffer: chunked");
    cpe_message(&r, |m| {
        let CpeMessage::GetParameterValuesResponse { parameters } = m else {
            panic!()
        };
        assert_eq!(parameters.len(), 10_000);
        let mut values: Vec<String> = parameters.iter().map(|p| p.value.to_string()).collect();
        values.sort();
        values.dedup();
        assert_eq!(values.len(), 10_000, "every value once");
        assert!(values.contains(&"value-9999-&<>".to_string()));
    });
    assert!(r.text().contains("cwmp:ParameterValueStruct[10000]"));
}

#[test]
fn status_reports_sessions_and_counts_exactly() {
    let mut w = World::new();
    let st = w.agent.status();
    assert_eq!(st.last_session, LastSession::None);
    assert_eq!(st.cwmp.acs_url, "http://acs.test:7547/");
    w.pump();
    w.acs.down = true;
    inform(&mut w, InformEvent::ConnectionRequest);
    w.pump();
    let st = w.agent.status();
    assert_eq!(st.statistics.success_sessions, 1);
    assert_eq!(st.statistics.failure_sessions, 1);
    assert_eq!(st.statistics.total_sessions(), 2);
    assert!(matches!(st.last_session, LastSession::Failure { .. }));
    assert!(st.next_session.start_time.is_some(), "the periodic inform");
}

#[test]
fn exit_command_persists_and_stops() {
    let mut w = booted();
    w.snapshot = None;
    let _ = w.agent.command(Command::Exit);
    w.pump();
    assert!(w.snapshot.is_some());
    assert_eq!(w.effects.last(), Some(&Effect::Exit));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(w.acs.sessions.len(), 1, "no session after exit");
}

#[test]
fn reboot_command_waits_for_the_end_of_a_session() {
    let mut w = booted();
    w.acs.inform_answers.push_back(Answer::Silence);
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert!(w.agent.in_session());
    let _ = w.agent.command(Command::RebootEndSession);
    w.pump();
    assert!(w.effects.is_empty());
    w.advance(61);
    assert_eq!(w.effects.first(), Some(&Effect::Reboot));
}

#[test]
fn reload_runs_now_when_idle_and_at_the_end_of_a_running_session() {
    use crate::control::CommandOutcome;
    let reloads = |w: &World| {
        w.effects
            .iter()
            .filter(|e| **e == Effect::ReloadConfig)
            .count()
    };
    let mut w = booted();
    assert_eq!(w.agent.command(Command::Reload), CommandOutcome::Done);
    w.pump();
    assert_eq!(reloads(&w), 1);

    w.acs.inform_answers.push_back(Answer::Silence);
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert!(w.agent.in_session());
    assert_eq!(
        w.agent.command(Command::Reload),
        CommandOutcome::AtSessionEnd
    );
    assert_eq!(
        w.agent.command(Command::ReloadEndSession),
        CommandOutcome::Done
    );
    w.pump();
    assert_eq!(reloads(&w), 1, "not under the running session");
    // A configuration handed over meanwhile is not taken under the session either.
    let mut cfg = config();
    cfg.management_server.periodic_interval = 600;
    w.agent.apply_config(cfg.clone(), w.clock);
    assert_eq!(w.agent.management_server().periodic_interval, 3600);
    w.advance(61);
    assert!(!w.agent.in_session());
    assert_eq!(reloads(&w), 2, "once at the end of the session");
    w.agent.apply_config(cfg, w.clock);
    assert_eq!(w.agent.management_server().periodic_interval, 600);
}

#[test]
fn action_end_session_leaves_a_running_session_alone_and_runs_waiting_applies() {
    use crate::control::CommandOutcome;
    let mut w = booted();
    // Nothing waiting, no session: nothing to do.
    assert_eq!(
        w.agent.command(Command::ActionEndSession),
        CommandOutcome::Done
    );
    w.pump();
    assert!(w.effects.is_empty());
    // A download that finishes while a session runs is applied once the session ends, not
    // under it, whatever action_end_session says.
    w.acs.push(
        "<cwmp:Download><CommandKey>fw</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>http://files.test/fw.bin</URL>\
         <Username/><Password/><FileSize>0</FileSize><TargetFileName/><DelaySeconds>0</DelaySeconds><SuccessURL/><FailureURL/></cwmp:Download>",
    );
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    w.advance(1);
    let Some(Effect::StartTransfer(slot)) = w.effects.first().copied() else {
        panic!("{:?}", w.effects)
    };
    w.acs.inform_answers.push_back(Answer::Silence);
    inform(&mut w, InformEvent::DiagnosticsComplete);
    w.pump();
    assert!(w.agent.in_session());
    w.agent
        .transfer_done(slot, FaultCode::NONE, None, None, w.clock);
    assert_eq!(
        w.agent.command(Command::ActionEndSession),
        CommandOutcome::Done
    );
    w.pump();
    assert!(w.agent.in_session());
    assert!(!w.effects.contains(&Effect::ApplyTransfer(slot)));
    w.advance(61);
    assert!(
        w.effects.contains(&Effect::ApplyTransfer(slot)),
        "{:?}",
        w.effects
    );
}

#[test]
fn schedule_inform_counts_fired_but_undelivered_ones_against_the_limit() {
    use crate::limits::SCHEDULED_INFORMS_MAX;
    use crate::soap::Envelope;
    let mut w = booted();
    for i in 0..SCHEDULED_INFORMS_MAX {
        w.acs.push(&format!(
            "<cwmp:ScheduleInform><DelaySeconds>1</DelaySeconds><CommandKey>s-{i}</CommandKey></cwmp:ScheduleInform>"
        ));
    }
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    // The ACS goes away; the scheduled informs fire and their events wait undelivered.
    w.acs.down = true;
    w.advance(2);
    let waiting = w
        .agent
        .events()
        .iter()
        .filter(|e| e.code.as_str() == "M ScheduleInform")
        .count();
    assert_eq!(waiting, SCHEDULED_INFORMS_MAX);
    // One more now would make the event queue hold more than its bound allows for.
    let body = envelope(
        "x",
        "",
        "<cwmp:ScheduleInform><DelaySeconds>5</DelaySeconds><CommandKey>k</CommandKey></cwmp:ScheduleInform>",
    );
    let env = Envelope::parse(body.as_bytes()).unwrap();
    let msg = env.acs_message().unwrap();
    let mut scratch = [0u8; 1024];
    let clock = w.clock;
    let reply = w
        .agent
        .execute(&msg, body.as_bytes(), &mut scratch, &mut w.dm, clock);
    assert!(matches!(
        reply,
        crate::agent::messages::Reply::Fault(FaultCode::RESOURCES_EXCEEDED)
    ));
}

// ---------------------------------------------------------------------------------------------
// Autonomous transfers

/// The device restarts on another firmware (installed without the ACS).
fn restart_on_firmware(w: &mut World, version: &str) {
    w.dm.set("Device.DeviceInfo.SoftwareVersion", version);
    w.restart();
    w.agent.check_software_version(w.clock, &mut w.dm);
    w.pump();
}

/// A booted device that has seen its firmware version, with the policy set by the ACS.
fn with_atc_policy(params: &[(&str, &str, &str)]) -> World {
    let mut w = booted();
    w.agent.check_software_version(w.clock, &mut w.dm);
    let prefixed: Vec<(String, &str, &str)> = params
        .iter()
        .map(|(n, v, t)| {
            (
                format!("Device.ManagementServer.AutonomousTransferCompletePolicy.{n}"),
                *v,
                *t,
            )
        })
        .collect();
    let list: Vec<(&str, &str, &str)> = prefixed
        .iter()
        .map(|(n, v, t)| (n.as_str(), *v, *t))
        .collect();
    w.acs.push(&spv(&list, "atc"));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        assert!(
            matches!(m, CpeMessage::SetParameterValuesResponse { .. }),
            "{m:?}"
        )
    });
    w
}

#[test]
fn a_firmware_installed_without_the_acs_is_reported_when_the_policy_asks() {
    let mut w = with_atc_policy(&[("Enable", "true", "boolean")]);
    restart_on_firmware(&mut w, "sw2");
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["1 BOOT", "10 AUTONOMOUS TRANSFER COMPLETE"])
    );
    assert_eq!(s.methods(), ["Inform", "AutonomousTransferComplete", ""]);
    cpe_message(&s.requests[1], |m| {
        let CpeMessage::AutonomousTransferComplete(a) = m else {
            panic!("{m:?}")
        };
        assert!(a.is_download);
        assert_eq!(a.file_type, "1 Firmware Upgrade Image");
        assert_eq!(a.fault.code, FaultCode::NONE);
        assert_eq!(a.transfer_url, "");
        assert!(a.start_time.is_unknown());
        assert_eq!(a.complete_time.to_unix(), Some(w.clock.wall.unwrap()));
    });
    // Delivered: neither the event nor the report comes back.
    w.restart();
    w.agent.check_software_version(w.clock, &mut w.dm);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["1 BOOT"]));
    assert_eq!(s.methods(), ["Inform", ""]);
}

#[test]
fn autonomous_transfers_are_not_reported_by_default_or_outside_the_filters() {
    // Policy off (the default).
    let mut w = booted();
    w.agent.check_software_version(w.clock, &mut w.dm);
    restart_on_firmware(&mut w, "sw2");
    assert_eq!(
        w.acs.sessions.last().unwrap().event_codes(),
        codes(&["1 BOOT"])
    );
    // On, but for other file types or for uploads only.
    for filters in [
        [
            ("Enable", "1", "boolean"),
            ("FileTypeFilter", "3 Vendor Configuration File", "string"),
        ],
        [
            ("Enable", "1", "boolean"),
            ("TransferTypeFilter", "Upload", "string"),
        ],
        [
            ("Enable", "1", "boolean"),
            ("ResultTypeFilter", "Failure", "string"),
        ],
    ] {
        let mut w = with_atc_policy(&filters);
        restart_on_firmware(&mut w, "sw2");
        assert_eq!(
            w.acs.sessions.last().unwrap().event_codes(),
            codes(&["1 BOOT"]),
            "{filters:?}"
        );
    }
    // A version seen for the first time is not a change.
    let mut w = with_atc_policy(&[("Enable", "1", "boolean")]);
    let mut fresh = World::with(config(), MemDm::standard(), None);
    std::mem::swap(&mut fresh.acs, &mut w.acs);
    fresh
        .agent
        .check_software_version(fresh.clock, &mut fresh.dm);
    fresh.pump();
    assert!(!fresh.acs.sessions.iter().any(|s| {
        s.event_codes()
            .contains(&"10 AUTONOMOUS TRANSFER COMPLETE".to_string())
    }));
}

#[test]
fn a_firmware_the_acs_downloaded_is_not_autonomous() {
    let mut w = with_atc_policy(&[("Enable", "1", "boolean")]);
    download_and_finish(&mut w, "fw-1");
    // The apply reboots into the new image.
    restart_on_firmware(&mut w, "sw2");
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["1 BOOT", "7 TRANSFER COMPLETE", "M Download"])
    );
    assert_eq!(s.methods(), ["Inform", "TransferComplete", ""]);
}

#[test]
fn an_autonomous_report_survives_a_failed_session_a_restart_and_a_refusal() {
    let mut w = with_atc_policy(&[("Enable", "1", "boolean")]);
    let before = w.acs.sessions.len();
    // The first attempt cannot connect; the device restarts before the retry.
    w.acs.inform_answers.push_back(Answer::RefuseConnect);
    restart_on_firmware(&mut w, "sw2");
    assert_eq!(w.acs.sessions.len(), before);
    w.restart();
    w.agent.check_software_version(w.clock, &mut w.dm);
    // The ACS refuses the report once: kept for the next session, not sent twice in one.
    w.acs.refuse_autonomous = 1;
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert!(
        s.event_codes()
            .contains(&"10 AUTONOMOUS TRANSFER COMPLETE".to_string()),
        "{:?}",
        s.event_codes()
    );
    assert_eq!(s.methods(), ["Inform", "AutonomousTransferComplete", ""]);
    // Not retried at once (an ACS that always refuses would get a session loop): the next
    // session carries it.
    assert_eq!(w.acs.sessions.len(), before + 1, "one session, not a loop");
    assert!(w.agent.autonomous.is_some());
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["10 AUTONOMOUS TRANSFER COMPLETE", "2 PERIODIC"])
    );
    assert_eq!(s.methods(), ["Inform", "AutonomousTransferComplete", ""]);
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().event_codes(),
        codes(&["2 PERIODIC"])
    );
}

#[test]
fn autonomous_transfer_policy_values_are_checked() {
    let mut w = booted();
    let p = "Device.ManagementServer.AutonomousTransferCompletePolicy.";
    w.acs.push(&spv(
        &[
            (&format!("{p}TransferTypeFilter"), "Sideways", "string"),
            (&format!("{p}ResultTypeFilter"), "Maybe", "string"),
            (
                &format!("{p}FileTypeFilter"),
                "1 Firmware Upgrade Image,7 Nope",
                "string",
            ),
            (&format!("{p}Enable"), "perhaps", "boolean"),
        ],
        "k",
    ));
    w.acs.push(&gpv(&[p]));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else { panic!() };
        let codes: Vec<u32> = f.spv_faults.iter().map(|x| x.code.0).collect();
        assert_eq!(codes, [9007, 9007, 9007, 9007]);
    });
    cpe_message(&reply(&w, 1), |m| {
        let CpeMessage::GetParameterValuesResponse { parameters } = m else {
            panic!("{m:?}")
        };
        let got: Vec<(String, String)> = parameters
            .iter()
            .map(|p| (p.name.to_string(), p.value.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (format!("{p}Enable"), "0".to_string()),
                (format!("{p}TransferTypeFilter"), "Both".to_string()),
                (format!("{p}ResultTypeFilter"), "Both".to_string()),
                (
                    format!("{p}FileTypeFilter"),
                    "1 Firmware Upgrade Image".to_string()
                ),
            ]
        );
    });
}
