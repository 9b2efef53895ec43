//! ChangeDUState, DUStateChangeComplete and AutonomousDUStateChangeComplete (digest §3, §4.2,
//! §11.7), one rule per test.

use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::harness::*;
use super::sessions::{booted, codes, inform, reply, spv};
use crate::agent::Effect;
use crate::agent::du::{DuState, OpKind, OpResult};
use crate::control::InformEvent;
use crate::limits::{DU_AUTONOMOUS_MAX, DU_OPS_MAX};
use crate::soap::read::OpResult as OpResultIn;
use crate::soap::{CpeMessage, FaultCode};
use crate::time::DateTime;

const UUID_A: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const UUID_B: &str = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

fn install(url: &str, uuid: Option<&str>) -> String {
    let uuid = uuid
        .map(|u| format!("<UUID>{u}</UUID>"))
        .unwrap_or_default();
    format!(
        "<Operations xsi:type=\"cwmp:InstallOpStruct\"><URL>{url}</URL>{uuid}<Username>u</Username><Password>p</Password><ExecutionEnvRef></ExecutionEnvRef></Operations>"
    )
}

fn uninstall(uuid: &str) -> String {
    format!(
        "<Operations xsi:type=\"cwmp:UninstallOpStruct\"><UUID>{uuid}</UUID><Version></Version><ExecutionEnvRef></ExecutionEnvRef></Operations>"
    )
}

fn change_du_state(ops: &[String], key: &str) -> String {
    format!(
        "<cwmp:ChangeDUState>{}<CommandKey>{key}</CommandKey></cwmp:ChangeDUState>",
        ops.concat()
    )
}

/// A booted world whose platform carries out ChangeDUState.
fn du_world() -> World {
    let mut cfg = config();
    cfg.software_modules = true;
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.pump();
    w
}

fn installed(uuid: &str, instance: u32, version: &str) -> OpResult {
    let mut r = OpResult::new(
        DuState::Installed,
        FaultCode::NONE,
        DateTime::from_unix(crate::time::UnixTime(START as i64)),
        DateTime::from_unix(crate::time::UnixTime(START as i64 + 3)),
    );
    r.uuid.push_str(uuid).unwrap();
    r.deployment_unit_ref
        .push_str(&format!("Device.SoftwareModules.DeploymentUnit.{instance}"))
        .unwrap();
    r.version.push_str(version).unwrap();
    r
}

fn failed(fault: FaultCode, text: &str) -> OpResult {
    let mut r = OpResult::new(DuState::Failed, fault, DateTime::UNKNOWN, DateTime::UNKNOWN);
    r.fault_string.push_str(text).unwrap();
    r
}

/// One `Results` entry, owned: UUID, DeploymentUnitRef, Version, CurrentState, FaultCode,
/// FaultString, OperationPerformed.
type ResultRow = (String, String, String, String, u32, String, Option<String>);

/// The results of a (Autonomous)DUStateChangeComplete request, owned.
fn results(req: &Request) -> (Vec<ResultRow>, Option<String>) {
    cpe_message(req, |m| {
        let (list, key) = match m {
            CpeMessage::DUStateChangeComplete {
                results,
                command_key,
            } => (results, Some(command_key.to_string())),
            CpeMessage::AutonomousDUStateChangeComplete { results } => (results, None),
            m => panic!("{m:?}"),
        };
        let got = list
            .iter()
            .map(|r: OpResultIn<'_>| {
                (
                    r.uuid.to_string(),
                    r.deployment_unit_ref.to_string(),
                    r.version.to_string(),
                    r.current_state.to_string(),
                    r.fault.code.0,
                    r.fault.string.to_string(),
                    r.operation_performed.map(|t| t.to_string()),
                )
            })
            .collect();
        (got, key)
    })
}

fn du_effects(w: &World) -> Vec<u8> {
    w.effects
        .iter()
        .filter_map(|e| match e {
            Effect::ChangeDuState(id) => Some(*id),
            _ => None,
        })
        .collect()
}

#[test]
fn change_du_state_is_answered_at_once_and_reported_after_its_operations() {
    let mut w = du_world();
    w.acs.push(&change_du_state(
        &[install("http://files.test/pkg.ipk", Some(UUID_A))],
        "cds-1",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(
        w.acs.sessions.last().unwrap().methods(),
        ["Inform", "", "ChangeDUStateResponse"]
    );
    // The platform is asked to carry it out; the operation is as the ACS sent it.
    assert_eq!(du_effects(&w), [0]);
    let c = w.agent.du_change(0).unwrap();
    let pending: Vec<_> = c.pending().collect();
    assert_eq!(pending.len(), 1);
    let (i, op) = pending[0];
    assert_eq!(i, 0);
    assert_eq!(op.kind, OpKind::Install);
    assert_eq!(op.url, "http://files.test/pkg.ipk");
    assert_eq!(op.uuid, UUID_A);
    assert_eq!((op.username.as_str(), op.password.as_str()), ("u", "p"));
    let sessions = w.acs.sessions.len();

    w.agent
        .du_operation_done(0, 0, installed(UUID_A, 1, "1.2-3"), w.clock);
    w.pump();
    assert_eq!(w.acs.sessions.len(), sessions + 1, "a session reports it");
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.events(),
        [
            ("11 DU STATE CHANGE COMPLETE".to_string(), String::new()),
            ("M ChangeDUState".to_string(), "cds-1".to_string()),
        ]
    );
    assert_eq!(s.methods(), ["Inform", "DUStateChangeComplete", ""]);
    let (got, key) = results(&s.requests[1]);
    assert_eq!(key.as_deref(), Some("cds-1"));
    assert_eq!(
        got,
        [(
            UUID_A.to_string(),
            "Device.SoftwareModules.DeploymentUnit.1".to_string(),
            "1.2-3".to_string(),
            "Installed".to_string(),
            0,
            String::new(),
            None
        )]
    );
    assert!(
        s.requests[1]
            .text()
            .contains("<StartTime>2025-11-25T20:40:48Z</StartTime>")
    );
    // Delivered: gone from the agent and from the next Inform.
    assert!(w.agent.du_change(0).is_none());
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["2 PERIODIC"]));
    assert_eq!(s.methods(), ["Inform", ""]);
}

#[test]
fn change_du_state_is_9000_and_unlisted_without_software_modules() {
    let mut w = booted();
    w.acs.push(&change_du_state(
        &[install("http://files.test/pkg.ipk", None)],
        "k",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else {
            panic!("{m:?}")
        };
        assert_eq!(f.code, FaultCode::METHOD_NOT_SUPPORTED);
    });
    assert!(du_effects(&w).is_empty());

    let mut w = du_world();
    w.acs.push("<cwmp:GetRPCMethods/>");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::GetRPCMethodsResponse { methods } = m else {
            panic!("{m:?}")
        };
        assert!(methods.iter().any(|t| t == "ChangeDUState"));
    });
}

#[test]
fn change_du_state_arguments_and_capacity_are_checked_on_receipt() {
    let mut w = du_world();
    let good = || install("https://files.test/a.ipk", None);
    w.acs.push(&change_du_state(
        &[uninstall("6ba7b810-9dad-11d1-80b4")],
        "k",
    ));
    w.acs.push(&change_du_state(
        &[good(), install("ftp://files.test/a.ipk", None)],
        "k",
    ));
    w.acs.push(&change_du_state(&[install("", None)], "k"));
    w.acs
        .push(&change_du_state(&vec![good(); DU_OPS_MAX + 1], "k"));
    w.acs.push(&change_du_state(&[good()], "one"));
    w.acs.push(&change_du_state(&[good()], "two"));
    w.acs.push(&change_du_state(&[good()], "three"));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let expect = [
        Some(FaultCode::INVALID_UUID),
        Some(FaultCode::UNSUPPORTED_PROTOCOL),
        Some(FaultCode::INVALID_ARGUMENTS),
        Some(FaultCode::RESOURCES_EXCEEDED),
        None,
        None,
        // DU_CHANGES_MAX requests are kept already.
        Some(FaultCode::RESOURCES_EXCEEDED),
    ];
    for (n, want) in expect.iter().enumerate() {
        cpe_message(&reply(&w, n), |m| match (m, want) {
            (CpeMessage::Fault(f), Some(code)) => assert_eq!(f.code, *code, "request {n}"),
            (CpeMessage::ChangeDUStateResponse, None) => {}
            (m, _) => panic!("request {n}: {m:?}"),
        });
    }
    // The two accepted requests run one after the other.
    assert_eq!(du_effects(&w), [0]);
    w.agent
        .du_operation_done(0, 0, installed(UUID_A, 1, "1"), w.clock);
    w.pump();
    assert_eq!(du_effects(&w), [0, 1]);
    // A result for an operation that has one already, or does not exist, changes nothing.
    w.agent
        .du_operation_done(1, 7, installed(UUID_A, 1, "1"), w.clock);
    assert_eq!(w.agent.du_change(1).unwrap().pending().count(), 1);
}

#[test]
fn du_results_survive_a_restart_and_the_rest_resumes() {
    let mut w = du_world();
    w.acs.push(&change_du_state(
        &[install("http://files.test/a.ipk", None), uninstall(UUID_B)],
        "two-ops",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    w.agent.du_operation_done(
        0,
        0,
        failed(FaultCode::FILE_CORRUPTED, "not a package"),
        w.clock,
    );
    w.pump();
    // Power cut while the second operation runs.
    w.restart();
    assert_eq!(du_effects(&w), [0], "handed over again");
    let pending: Vec<usize> = w
        .agent
        .du_change(0)
        .unwrap()
        .pending()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pending, [1]);
    w.pump();
    let gone = OpResult::new(
        DuState::Uninstalled,
        FaultCode::NONE,
        DateTime::UNKNOWN,
        DateTime::UNKNOWN,
    );
    // No UUID from the platform: the one the ACS named is reported.
    w.agent.du_operation_done(0, 1, gone, w.clock);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["11 DU STATE CHANGE COMPLETE", "M ChangeDUState"])
    );
    let (got, key) = results(&s.requests[1]);
    assert_eq!(key.as_deref(), Some("two-ops"));
    let summary: Vec<(&str, &str, u32, &str)> = got
        .iter()
        .map(|r| (r.0.as_str(), r.3.as_str(), r.4, r.5.as_str()))
        .collect();
    // The failed Install had no UUID from the ACS or the platform: a random one, as the XSD
    // requires one.
    assert!(
        crate::agent::du::valid_uuid(summary[0].0),
        "{}",
        summary[0].0
    );
    assert_eq!(&summary[0].0[14..15], "4");
    assert_eq!(summary[1..], [(UUID_B, "Uninstalled", 0, "")]);
    assert_eq!(
        (summary[0].1, summary[0].2, summary[0].3),
        ("Failed", 9018, "not a package")
    );
}

#[test]
fn an_undelivered_du_report_survives_a_restart_and_a_refusal() {
    let mut w = du_world();
    w.acs.push(&change_du_state(
        &[install("http://files.test/a.ipk", None)],
        "k1",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let before = w.acs.sessions.len();
    // The report session cannot connect; the device restarts before the retry.
    w.acs.inform_answers.push_back(Answer::RefuseConnect);
    w.agent
        .du_operation_done(0, 0, installed(UUID_A, 2, "2"), w.clock);
    w.pump();
    assert_eq!(w.acs.sessions.len(), before);
    w.restart();
    assert!(
        du_effects(&w).is_empty(),
        "a finished change is not run again"
    );
    w.acs.refuse_du = 1;
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["1 BOOT", "11 DU STATE CHANGE COMPLETE", "M ChangeDUState"])
    );
    assert_eq!(s.methods(), ["Inform", "DUStateChangeComplete", ""]);
    assert_eq!(w.acs.sessions.len(), before + 1, "one session, not a loop");
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&[
            "11 DU STATE CHANGE COMPLETE",
            "M ChangeDUState",
            "2 PERIODIC"
        ])
    );
    assert_eq!(s.methods(), ["Inform", "DUStateChangeComplete", ""]);
    assert!(w.agent.du_change(0).is_none());
}

#[test]
fn the_acs_fault_to_a_du_report_keeps_the_session_going() {
    let mut w = du_world();
    w.acs.push(&change_du_state(
        &[install("http://files.test/a.ipk", None)],
        "k",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    // A later ACS request in the same session is still answered after the refused report.
    w.acs.refuse_du = 1;
    w.acs.push("<cwmp:GetRPCMethods/>");
    w.agent
        .du_operation_done(0, 0, installed(UUID_A, 1, "1"), w.clock);
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.methods(),
        [
            "Inform",
            "DUStateChangeComplete",
            "",
            "GetRPCMethodsResponse"
        ]
    );
}

fn with_du_policy(params: &[(&str, &str, &str)]) -> World {
    let mut w = du_world();
    let list: Vec<(String, &str, &str)> = params
        .iter()
        .map(|(n, v, t)| {
            (
                format!("Device.ManagementServer.DUStateChangeComplPolicy.{n}"),
                *v,
                *t,
            )
        })
        .collect();
    let list: Vec<(&str, &str, &str)> = list.iter().map(|(n, v, t)| (n.as_str(), *v, *t)).collect();
    w.acs.push(&spv(&list, "du-policy"));
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
fn autonomous_du_changes_are_reported_only_as_the_policy_asks() {
    // Off by default: accepted, not reported.
    let mut w = du_world();
    let n = w.acs.sessions.len();
    assert_eq!(
        w.agent
            .du_autonomous_change(OpKind::Install, installed(UUID_A, 1, "1"), w.clock),
        Ok(())
    );
    w.pump();
    assert_eq!(w.acs.sessions.len(), n);

    let mut w = with_du_policy(&[
        ("Enable", "true", "boolean"),
        ("OperationTypeFilter", "Install,Uninstall", "string"),
    ]);
    let n = w.acs.sessions.len();
    w.agent
        .du_autonomous_change(OpKind::Update, installed(UUID_A, 1, "2"), w.clock)
        .unwrap();
    w.pump();
    assert_eq!(w.acs.sessions.len(), n, "Update is filtered out");
    w.agent
        .du_autonomous_change(OpKind::Install, installed(UUID_B, 2, "0.9"), w.clock)
        .unwrap();
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.event_codes(),
        codes(&["12 AUTONOMOUS DU STATE CHANGE COMPLETE"])
    );
    assert_eq!(
        s.methods(),
        ["Inform", "AutonomousDUStateChangeComplete", ""]
    );
    let (got, key) = results(&s.requests[1]);
    assert_eq!(key, None);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, UUID_B);
    assert_eq!(got[0].6.as_deref(), Some("Install"));
    // Delivered.
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert_eq!(w.acs.sessions.last().unwrap().methods(), ["Inform", ""]);

    // Failures only, and only 9018.
    let mut w = with_du_policy(&[
        ("Enable", "1", "boolean"),
        ("ResultTypeFilter", "Failure", "string"),
        ("FaultCodeFilter", "9018", "string"),
    ]);
    let n = w.acs.sessions.len();
    for r in [
        installed(UUID_A, 1, "1"),
        failed(FaultCode::SYSTEM_RESOURCES_EXCEEDED, ""),
    ] {
        w.agent
            .du_autonomous_change(OpKind::Install, r, w.clock)
            .unwrap();
    }
    w.pump();
    assert_eq!(w.acs.sessions.len(), n);
    w.agent
        .du_autonomous_change(
            OpKind::Install,
            failed(FaultCode::FILE_CORRUPTED, ""),
            w.clock,
        )
        .unwrap();
    w.pump();
    let (got, _) = results(&w.acs.sessions.last().unwrap().requests[1]);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].3.as_str(), got[0].4), ("Failed", 9018));
    assert_eq!(got[0].5, "Download failure: file corrupted");
}

#[test]
fn autonomous_du_changes_beyond_the_limit_are_refused_until_delivered() {
    let mut w = with_du_policy(&[("Enable", "true", "boolean")]);
    w.acs.down = true;
    for i in 0..DU_AUTONOMOUS_MAX {
        let v = format!("{i}");
        assert_eq!(
            w.agent
                .du_autonomous_change(OpKind::Update, installed(UUID_A, 1, &v), w.clock),
            Ok(())
        );
    }
    assert_eq!(
        w.agent
            .du_autonomous_change(OpKind::Update, installed(UUID_A, 1, "x"), w.clock),
        Err(crate::agent::du::Full)
    );
    w.pump();
    // They survive a restart, and are all delivered in one message once the ACS is back.
    w.restart();
    w.acs.down = false;
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(
        s.methods(),
        ["Inform", "AutonomousDUStateChangeComplete", ""]
    );
    let (got, _) = results(&s.requests[1]);
    let versions: Vec<&str> = got.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(versions, ["0", "1", "2", "3"][..DU_AUTONOMOUS_MAX]);
    assert_eq!(
        w.agent
            .du_autonomous_change(OpKind::Update, installed(UUID_A, 1, "x"), w.clock),
        Ok(())
    );
}

#[test]
fn du_policy_values_are_checked() {
    let mut w = du_world();
    let p = "Device.ManagementServer.DUStateChangeComplPolicy.";
    w.acs.push(&spv(
        &[
            (
                &format!("{p}OperationTypeFilter"),
                "Install,Reinstall",
                "string",
            ),
            (&format!("{p}ResultTypeFilter"), "Maybe", "string"),
            (&format!("{p}FaultCodeFilter"), "9018,9002", "string"),
            (&format!("{p}Enable"), "perhaps", "boolean"),
        ],
        "k",
    ));
    w.acs.push(&format!(
        "<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType=\"xsd:string[1]\"><string>{p}</string></ParameterNames></cwmp:GetParameterValues>"
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    cpe_message(&reply(&w, 0), |m| {
        let CpeMessage::Fault(f) = m else {
            panic!("{m:?}")
        };
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
                (
                    format!("{p}OperationTypeFilter"),
                    "Install,Update,Uninstall".to_string()
                ),
                (format!("{p}ResultTypeFilter"), "Both".to_string()),
                (format!("{p}FaultCodeFilter"), String::new()),
            ]
        );
    });
}

#[test]
fn a_new_acs_drops_the_du_changes_of_the_old_one() {
    let mut w = du_world();
    w.acs.push(&change_du_state(
        &[install("http://files.test/a.ipk", None)],
        "k",
    ));
    w.acs.push(&spv(
        &[("Device.ManagementServer.URL", "http://acs2.test/", "string")],
        "new",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    assert!(w.agent.du_change(0).is_none());
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.event_codes(), codes(&["0 BOOTSTRAP"]));
}

#[test]
fn the_largest_du_reports_go_through_the_smallest_transmit_buffer() {
    let mut cfg = config();
    cfg.software_modules = true;
    cfg.tx_buffer = crate::agent::outgoing::MIN_TX_BUFFER;
    let mut w = World::with(cfg, MemDm::standard(), None);
    w.pump();
    // Every string of every result at its capacity, in the characters that cost most to write.
    let worst = || {
        let mut r = OpResult::new(
            DuState::Failed,
            FaultCode::FILE_CORRUPTED,
            DateTime::UNKNOWN,
            DateTime::UNKNOWN,
        );
        r.uuid.push_str(UUID_A).unwrap();
        while r.deployment_unit_ref.push('&').is_ok() {}
        while r.version.push('&').is_ok() {}
        while r.execution_unit_ref_list.push('&').is_ok() {}
        while r.fault_string.push('&').is_ok() {}
        r
    };
    let key = "&".repeat(32);
    w.acs.push(&change_du_state(
        &vec![install("http://files.test/a.ipk", None); DU_OPS_MAX],
        &key.replace('&', "&amp;"),
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    for i in 0..DU_OPS_MAX {
        w.agent.du_operation_done(0, i, worst(), w.clock);
    }
    w.pump();
    let s = w.acs.sessions.last().unwrap();
    assert_eq!(s.methods(), ["Inform", "DUStateChangeComplete", ""]);
    assert!(
        s.requests[1].chunked,
        "larger than the buffer's body area: sent as one chunk"
    );
    let (got, got_key) = results(&s.requests[1]);
    assert_eq!(got.len(), DU_OPS_MAX);
    assert_eq!(got_key.as_deref(), Some(key.as_str()));
    assert_eq!(got[0].5, "&".repeat(128));

    // The policy is on; as many autonomous results as the agent holds, in one message.
    w.acs.push(&spv(
        &[(
            "Device.ManagementServer.DUStateChangeComplPolicy.Enable",
            "1",
            "boolean",
        )],
        "p",
    ));
    inform(&mut w, InformEvent::Periodic);
    w.pump();
    w.acs.down = true;
    for _ in 0..DU_AUTONOMOUS_MAX {
        w.agent
            .du_autonomous_change(OpKind::Update, worst(), w.clock)
            .unwrap();
    }
    w.pump();
    w.acs.down = false;
    w.advance(3600);
    let s = w
        .acs
        .sessions
        .iter()
        .rev()
        .find(|s| {
            s.methods()
                .contains(&"AutonomousDUStateChangeComplete".to_string())
        })
        .expect("reported");
    let (got, _) = results(&s.requests[1]);
    assert_eq!(got.len(), DU_AUTONOMOUS_MAX);
}
