//! Software modules end to end: the real daemon, the harness ACS sending ChangeDUState, a
//! local file server with the packages, and a stand-in package manager (a shell script the
//! test writes as `du_command`, keeping its installed packages as files and honouring the
//! helper's exit-status contract). Covers the answer and the DUStateChangeComplete that
//! follows, `Device.SoftwareModules.`, per-operation faults, results and inventory across a
//! `kill -9`, software modules turned off, and a package installed by hand reported as an
//! AutonomousDUStateChangeComplete.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::{FileServer, Node, WAIT};
use cwmp_bench::acs::{
    Acs, AcsOptions, Action, DuOperation, Intercept, Message, OpResult, Session, Task, When,
};
use cwmp_platform::du::uuid::Uuid;

/// The stand-in package manager. A "package file" is text with `name=` and `version=` lines;
/// installed packages are files `$STATE/pkgs/NAME` holding the version; every call is logged
/// to `$STATE/calls`.
const FAKE_PM: &str = r#"#!/bin/sh
state="$(dirname "$0")/pm"
mkdir -p "$state/pkgs"
echo "$*" >> "$state/calls"
verb=$1
shift
info() {
	printf 'name=%s\nversion=%s\nvendor=example.com\ndescription=%s package\n' "$1" "$2" "$1"
}
field() { sed -n "s/^$1=//p" "$2"; }
case "$verb" in
install)
	name=$(field name "$1"); version=$(field version "$1")
	[ -n "$name" ] && [ -n "$version" ] || { echo "$1: not a package" >&2; exit 5; }
	[ ! -e "$state/pkgs/$name" ] || { echo "$name is already installed" >&2; exit 3; }
	echo "$version" > "$state/pkgs/$name"
	info "$name" "$version"
	;;
update)
	name=$(field name "$1"); version=$(field version "$1")
	[ "$name" = "$2" ] || { echo "not $2" >&2; exit 5; }
	[ -e "$state/pkgs/$2" ] || { echo "$2 is not installed" >&2; exit 8; }
	[ "$(cat "$state/pkgs/$2")" != "$version" ] || { echo "$version already installed" >&2; exit 7; }
	echo "$version" > "$state/pkgs/$2"
	info "$2" "$version"
	;;
uninstall)
	[ -e "$state/pkgs/$1" ] || { echo "$1 is not installed" >&2; exit 8; }
	rm "$state/pkgs/$1"
	;;
list)
	for f in "$state"/pkgs/*; do
		[ ! -e "$f" ] || printf '%s\t%s\n' "$(basename "$f")" "$(cat "$f")"
	done
	;;
*) echo "usage" >&2; exit 2 ;;
esac
"#;

/// A node whose `du_command` is the stand-in, with `preinstalled` packages already there.
fn du_node(tag: &str, acs: &Acs, preinstalled: &[(&str, &str)]) -> Node {
    let mut node = Node::new(tag, &acs.url());
    let script = node.path("fake-pm");
    std::fs::write(&script, FAKE_PM).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(node.path("pm/pkgs")).unwrap();
    for (name, version) in preinstalled {
        std::fs::write(
            node.path(&format!("pm/pkgs/{name}")),
            format!("{version}\n"),
        )
        .unwrap();
    }
    node.uci.set(
        "cwmpd",
        "du_command",
        &format!("{} \"$@\"", script.display()),
    );
    node
}

/// A package file as the stand-in reads it.
fn package(name: &str, version: &str) -> Vec<u8> {
    format!("name={name}\nversion={version}\n").into_bytes()
}

fn installed(node: &Node) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(node.path("pm/pkgs"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let version = std::fs::read_to_string(e.path()).unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                version.trim().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn calls(node: &Node) -> Vec<String> {
    std::fs::read_to_string(node.path("pm/calls"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            // The downloaded file's path varies; keep its name.
            l.split(' ')
                .map(|w| {
                    if w.starts_with('/') {
                        PathBuf::from(w)
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    } else {
                        w.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn du_results(s: &Session) -> Option<(String, Vec<OpResult>)> {
    s.cpe_requests.iter().find_map(|m| match m {
        Message::DUStateChangeComplete {
            results,
            command_key,
        } => Some((command_key.clone(), results.clone())),
        _ => None,
    })
}

fn event_key<'a>(s: &'a Session, code: &str) -> Option<&'a str> {
    s.inform
        .as_ref()?
        .events
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.command_key.as_str())
}

/// Sends `task` in a Connection Request session and returns the session that reports the
/// ChangeDUState (a completed one with a DUStateChangeComplete).
fn change(acs: &Acs, node: &Node, task: Task) -> (Session, Session) {
    let before = acs.sessions().len();
    acs.push(task);
    node.inform("6 CONNECTION REQUEST");
    let request = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .get(before..)?
                .iter()
                .find(|s| s.reply_to("ChangeDUState").is_some())
                .cloned()
        })
        .unwrap_or_else(|| panic!("no ChangeDUState session: {:#?}", acs.sessions()));
    let report = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .get(before..)?
                .iter()
                .find(|s| s.is_completed() && du_results(s).is_some())
                .cloned()
        })
        .unwrap_or_else(|| panic!("no DUStateChangeComplete: {:#?}", acs.sessions()));
    (request, report)
}

/// The values a GetParameterValues of `path` brings back, in a session of its own.
fn values(acs: &Acs, node: &Node, path: &str) -> Message {
    let before = acs.sessions().len();
    acs.push(Task::get_parameter_values(&[path]));
    node.inform("6 CONNECTION REQUEST");
    acs.wait_for(WAIT, |r| {
        r.sessions
            .get(before..)?
            .iter()
            .find_map(|s| s.reply_to("GetParameterValues").cloned())
    })
    .unwrap_or_else(|| panic!("no GetParameterValues answer: {:#?}", acs.sessions()))
}

fn ok_result(r: &OpResult) -> bool {
    r.fault.code == 0 && r.fault.string.is_empty()
}

#[test]
fn install_is_answered_at_once_then_reported_and_served() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/tcpdump_4.99.ipk", &package("tcpdump", "4.99"));
    let mut node = du_node("duinst", &acs, &[("base-files", "1.0-r1")]);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);

    let url = files.url("/tcpdump_4.99.ipk");
    let (request, report) = change(
        &acs,
        &node,
        Task::change_du_state(vec![DuOperation::install(&url)], "du-key-1"),
    );
    assert_eq!(
        request.reply_to("ChangeDUState"),
        Some(&Message::EmptyResponse {
            name: "ChangeDUStateResponse".into()
        })
    );
    let mut codes = report.event_codes();
    codes.sort_unstable();
    assert!(
        codes.contains(&"11 DU STATE CHANGE COMPLETE") && codes.contains(&"M ChangeDUState"),
        "{codes:?}"
    );
    assert_eq!(event_key(&report, "M ChangeDUState"), Some("du-key-1"));
    let (key, results) = du_results(&report).unwrap();
    assert_eq!(key, "du-key-1");
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert!(ok_result(r), "{r:?}");
    assert_eq!(
        r.uuid,
        Uuid::for_deployment_unit("tcpdump", "example.com").to_string()
    );
    // base-files, already there at the first start, is unit 1.
    assert_eq!(
        r.deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.2"
    );
    assert_eq!(r.version, "4.99");
    assert_eq!(r.current_state, "Installed");
    assert!(r.resolved);
    assert_eq!(r.operation_performed, None);
    assert_ne!(r.start_time.to_string(), "0001-01-01T00:00:00Z");
    assert_eq!(
        installed(&node),
        [
            ("base-files".to_owned(), "1.0-r1".to_owned()),
            ("tcpdump".to_owned(), "4.99".to_owned())
        ]
    );
    assert_eq!(
        calls(&node),
        ["list", "install du-0-0.ipk"],
        "the sync, then the install of the downloaded file"
    );
    assert!(
        !node.run_dir().join("transfers/du-0-0.ipk").exists(),
        "the package file is removed"
    );

    let reply = values(&acs, &node, "Device.SoftwareModules.");
    let du = "Device.SoftwareModules.DeploymentUnit.2.";
    assert_eq!(reply.value(&format!("{du}Name")), Some("tcpdump"));
    assert_eq!(reply.value(&format!("{du}URL")), Some(url.as_str()));
    assert_eq!(reply.value(&format!("{du}Status")), Some("Installed"));
    assert_eq!(reply.value(&format!("{du}Version")), Some("4.99"));
    assert_eq!(reply.value(&format!("{du}Vendor")), Some("example.com"));
    assert_eq!(reply.value(&format!("{du}UUID")), Some(r.uuid.as_str()));
    assert_eq!(
        reply.value(&format!("{du}ExecutionEnvRef")),
        Some("Device.SoftwareModules.ExecEnv.1")
    );
    assert_eq!(
        reply.value("Device.SoftwareModules.DeploymentUnit.1.Name"),
        Some("base-files")
    );
    assert_eq!(
        reply.value("Device.SoftwareModules.DeploymentUnitNumberOfEntries"),
        Some("2")
    );
    assert_eq!(
        reply.value("Device.SoftwareModules.ExecEnv.1.Status"),
        Some("Up")
    );
}

#[test]
fn update_then_uninstall_in_one_change_run_in_order() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/v1.ipk", &package("iperf3", "3.16"));
    files.put("/v2.ipk", &package("iperf3", "3.17"));
    let mut node = du_node("duupd", &acs, &[]);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let (_, report) = change(
        &acs,
        &node,
        Task::change_du_state(vec![DuOperation::install(&files.url("/v1.ipk"))], "i"),
    );
    let (_, first) = du_results(&report).unwrap();
    let id = first[0].uuid.clone();
    assert_eq!(
        first[0].deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.1"
    );

    let (_, report) = change(
        &acs,
        &node,
        Task::change_du_state(
            vec![
                DuOperation::update(&id, Some(&files.url("/v2.ipk"))),
                DuOperation::uninstall(&id),
            ],
            "u",
        ),
    );
    let (_, results) = du_results(&report).unwrap();
    assert_eq!(results.len(), 2);
    assert!(ok_result(&results[0]), "{:?}", results[0]);
    assert_eq!(
        (results[0].uuid.as_str(), results[0].version.as_str()),
        (id.as_str(), "3.17")
    );
    assert_eq!(results[0].current_state, "Installed");
    assert!(ok_result(&results[1]), "{:?}", results[1]);
    assert_eq!(results[1].current_state, "Uninstalled");
    assert_eq!(results[1].version, "3.17", "the uninstall saw the update");
    assert_eq!(
        results[1].deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.1"
    );
    assert!(installed(&node).is_empty());
    let verbs: Vec<String> = calls(&node)
        .iter()
        .map(|c| {
            c.split(' ')
                .filter(|w| !w.starts_with("du-"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        verbs,
        ["list", "install", "update iperf3", "uninstall iperf3"],
        "the package files' names depend on the agent's slots"
    );
    let reply = values(
        &acs,
        &node,
        "Device.SoftwareModules.DeploymentUnitNumberOfEntries",
    );
    assert_eq!(
        reply.value("Device.SoftwareModules.DeploymentUnitNumberOfEntries"),
        Some("0")
    );
}

#[test]
fn operations_on_unknown_units_and_environments_fail_one_by_one() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/ok.ipk", &package("htop", "3.3"));
    let mut node = du_node("duunk", &acs, &[]);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let unknown = "11111111-2222-5333-8444-555555555555";
    let mut elsewhere = DuOperation::install(&files.url("/ok.ipk"));
    if let DuOperation::Install {
        execution_env_ref, ..
    } = &mut elsewhere
    {
        *execution_env_ref = Some("Device.SoftwareModules.ExecEnv.2".into());
    }
    let (_, report) = change(
        &acs,
        &node,
        Task::change_du_state(
            vec![
                DuOperation::update(unknown, None),
                DuOperation::uninstall(unknown),
                elsewhere,
                DuOperation::install(&files.url("/ok.ipk")),
            ],
            "mixed",
        ),
    );
    let (_, results) = du_results(&report).unwrap();
    // The Install refused without a unit carries the random UUID the agent gives it.
    assert_eq!(&results[2].uuid[14..15], "4", "{:?}", results[2]);
    let summary: Vec<(u32, &str, &str)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let uuid = if i == 2 { "random" } else { r.uuid.as_str() };
            (r.fault.code, r.current_state.as_str(), uuid)
        })
        .collect();
    let htop = Uuid::for_deployment_unit("htop", "example.com").to_string();
    assert_eq!(
        summary,
        [
            (9028, "Failed", unknown),
            (9028, "Failed", unknown),
            (9023, "Failed", "random"),
            (0, "Installed", htop.as_str()),
        ],
        "{results:#?}"
    );
    assert!(!results[0].fault.string.is_empty());
    assert_eq!(
        calls(&node),
        ["list", "install du-0-3.ipk"],
        "no helper for the refusals"
    );
}

#[test]
fn a_download_failure_is_the_operations_fault() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    let mut node = du_node("du404", &acs, &[]);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let url = files.url("/missing.ipk");
    let (_, report) = change(
        &acs,
        &node,
        Task::change_du_state(vec![DuOperation::install(&url)], "dl"),
    );
    let (_, results) = du_results(&report).unwrap();
    let r = &results[0];
    assert_eq!(r.fault.code, 9016, "{r:?}");
    assert!(!r.fault.string.is_empty());
    assert_eq!(r.current_state, "Failed");
    assert!(!r.resolved);
    assert_eq!(r.deployment_unit_ref, "");
    assert_eq!(r.uuid.len(), 36, "a UUID even without a unit: {r:?}");
    assert_eq!(calls(&node), ["list"], "nothing was installed");
}

#[test]
fn an_undelivered_result_and_the_inventory_survive_a_kill() {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/nano.ipk", &package("nano", "8.0"));
    let mut node = du_node("dukill", &acs, &[]);
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);

    // Every DUStateChangeComplete POST is dropped: the result cannot be delivered.
    acs.intercept(Intercept::always(When::CpeRequest, Action::Drop));
    let before = acs.sessions().len();
    acs.push(Task::change_du_state(
        vec![DuOperation::install(&files.url("/nano.ipk"))],
        "kept",
    ));
    node.inform("6 CONNECTION REQUEST");
    let dropped = acs.wait_for(WAIT, |r| {
        r.sessions.get(before..)?.iter().find_map(|s| {
            (s.inform.as_ref()?.has_event("11 DU STATE CHANGE COMPLETE")
                && s.outcome != cwmp_bench::acs::Outcome::InProgress)
                .then_some(())
        })
    });
    assert!(dropped.is_some(), "{:#?}", acs.sessions());
    d.kill9();
    drop(d);
    acs.clear_intercepts();
    assert_eq!(installed(&node), [("nano".to_owned(), "8.0".to_owned())]);

    let before = acs.sessions().len();
    let _d = node.start();
    let boot = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .get(before..)?
                .iter()
                .find(|s| s.is_completed() && du_results(s).is_some())
                .cloned()
        })
        .unwrap_or_else(|| panic!("not reported after the restart: {:#?}", acs.sessions()));
    let mut codes = boot.event_codes();
    codes.sort_unstable();
    assert!(codes.contains(&"1 BOOT"), "{codes:?}");
    assert!(codes.contains(&"11 DU STATE CHANGE COMPLETE"), "{codes:?}");
    assert_eq!(event_key(&boot, "M ChangeDUState"), Some("kept"));
    let (key, results) = du_results(&boot).unwrap();
    assert_eq!(key, "kept");
    assert!(ok_result(&results[0]), "{results:?}");
    assert_eq!(
        results[0].deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.1"
    );
    assert_eq!(
        calls(&node)
            .iter()
            .filter(|c| c.starts_with("install"))
            .count(),
        1,
        "the finished install is not run again"
    );
    // The unit is still known; the restart's sync found nothing new to report.
    let reply = values(&acs, &node, "Device.SoftwareModules.DeploymentUnit.1.Name");
    assert_eq!(
        reply.value("Device.SoftwareModules.DeploymentUnit.1.Name"),
        Some("nano")
    );
    assert!(
        acs.sessions().iter().all(|s| !s
            .cpe_requests
            .iter()
            .any(|m| matches!(m, Message::AutonomousDUStateChangeComplete { .. }))),
        "nothing autonomous"
    );
}

#[test]
fn software_modules_off_answers_9000_and_serves_no_subtree() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = du_node("duoff", &acs, &[("base-files", "1")]);
    node.uci.set("cwmpd", "software_modules", "0");
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    acs.push(Task::change_du_state(
        vec![DuOperation::install("http://127.0.0.1:9/x.ipk")],
        "off",
    ));
    acs.push(Task::GetRPCMethods);
    acs.push(Task::get_parameter_values(&["Device.SoftwareModules."]));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    match s[1].reply_to("ChangeDUState") {
        Some(Message::Fault(f)) => assert_eq!(f.code, 9000, "{f:?}"),
        other => panic!("{other:?}"),
    }
    match s[1].reply_to("GetRPCMethods") {
        Some(Message::GetRPCMethodsResponse { methods }) => {
            assert!(!methods.iter().any(|m| m == "ChangeDUState"), "{methods:?}");
            assert!(methods.iter().any(|m| m == "Download"), "{methods:?}");
        }
        other => panic!("{other:?}"),
    }
    match s[1].reply_to("GetParameterValues") {
        Some(Message::Fault(f)) => assert_eq!(f.code, 9005, "{f:?}"),
        other => panic!("{other:?}"),
    }
    assert!(calls(&node).is_empty(), "the helper is never run");
}

#[test]
fn change_du_state_is_listed_when_software_modules_are_on() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = du_node("duon", &acs, &[]);
    let _d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    acs.push(Task::GetRPCMethods);
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    match s[1].reply_to("GetRPCMethods") {
        Some(Message::GetRPCMethodsResponse { methods }) => {
            assert!(methods.iter().any(|m| m == "ChangeDUState"), "{methods:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_package_installed_by_hand_is_reported_once_as_an_autonomous_install() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = du_node("duauto", &acs, &[("base-files", "1.0")]);
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::set_parameter_values(
        &[(
            "Device.ManagementServer.DUStateChangeComplPolicy.Enable",
            "true",
            "xsd:boolean",
        )],
        "policy",
    ));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    assert!(
        matches!(
            s[1].reply_to("SetParameterValues"),
            Some(Message::SetParameterValuesResponse { .. })
        ),
        "{:?}",
        s[1].replies()
    );
    node.wait_idle(2);
    // The first start took the packages it found as the baseline (on a worker, maybe after
    // the sessions).
    assert!(
        d.wait_log("taken as deployment units", WAIT),
        "{}",
        d.logs()
    );
    d.kill9();
    drop(d);

    // opkg by hand while the daemon was down: one new package, base-files upgraded.
    std::fs::write(node.path("pm/pkgs/htop"), "3.2\n").unwrap();
    std::fs::write(node.path("pm/pkgs/base-files"), "1.1\n").unwrap();
    let _d = node.start();
    // The package list is read on a worker after start: the report is in the boot session
    // or in the one right after it.
    let report = acs
        .wait_for(WAIT, |r| {
            r.sessions.get(2..)?.iter().find_map(|s| {
                let results = autonomous(s);
                (s.is_completed() && !results.is_empty()).then(|| (s.clone(), results))
            })
        })
        .unwrap_or_else(|| panic!("no AutonomousDUStateChangeComplete: {:#?}", acs.sessions()));
    let (session, results) = report;
    assert!(
        session
            .event_codes()
            .contains(&"12 AUTONOMOUS DU STATE CHANGE COMPLETE"),
        "{:?}",
        session.event_codes()
    );
    assert_eq!(results.len(), 2, "{:?}", session.cpe_requests);
    let u = &results[0];
    assert_eq!(u.operation_performed.as_deref(), Some("Update"));
    assert_eq!(
        u.uuid,
        Uuid::for_deployment_unit("base-files", "").to_string()
    );
    assert_eq!(
        u.deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.1"
    );
    assert_eq!(
        (u.version.as_str(), u.current_state.as_str()),
        ("1.1", "Installed")
    );
    assert_eq!(
        u.start_time.to_string(),
        "0001-01-01T00:00:00Z",
        "when is not known"
    );
    let r = &results[1];
    assert_eq!(r.operation_performed.as_deref(), Some("Install"));
    assert_eq!(r.uuid, Uuid::for_deployment_unit("htop", "").to_string());
    assert_eq!(
        r.deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.2"
    );
    assert_eq!(
        (r.version.as_str(), r.current_state.as_str()),
        ("3.2", "Installed")
    );
    assert!(ok_result(r));
    node.wait_idle(1);
    drop(_d);

    // Reported once: the next start finds nothing new.
    let before = acs.sessions().len();
    let d = node.start();
    acs.wait_for_sessions(before + 1, WAIT);
    assert!(
        d.wait_log("installed packages match the deployment units", WAIT),
        "{}",
        d.logs()
    );
    node.wait_idle(1);
    let later = acs.sessions();
    assert_eq!(later[before].event_codes(), ["1 BOOT"]);
    assert!(
        later[before..].iter().all(|s| autonomous(s).is_empty()),
        "{later:#?}"
    );
}

fn autonomous(s: &Session) -> Vec<OpResult> {
    s.cpe_requests
        .iter()
        .filter_map(|m| match m {
            Message::AutonomousDUStateChangeComplete { results } => Some(results.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn changes_beyond_what_the_agent_holds_wait_for_the_next_start() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = du_node("dufull", &acs, &[]);
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::set_parameter_values(
        &[(
            "Device.ManagementServer.DUStateChangeComplPolicy.Enable",
            "true",
            "xsd:boolean",
        )],
        "policy",
    ));
    node.inform("6 CONNECTION REQUEST");
    acs.wait_for_sessions(2, WAIT);
    node.wait_idle(2);
    assert!(
        d.wait_log("taken as deployment units", WAIT),
        "{}",
        d.logs()
    );
    d.kill9();
    drop(d);

    // Five packages by hand; the agent holds four unreported changes at a time
    // (DU_AUTONOMOUS_MAX).
    for i in 1..=5 {
        std::fs::write(node.path(&format!("pm/pkgs/p{i}")), "1\n").unwrap();
    }
    let d = node.start();
    assert!(
        d.wait_log("reported after the next start", WAIT),
        "{}",
        d.logs()
    );
    let first = acs
        .wait_for(WAIT, |r| {
            let all: Vec<OpResult> = r.sessions[2..]
                .iter()
                .filter(|s| s.is_completed())
                .flat_map(autonomous)
                .collect();
            (all.len() >= 4).then_some(all)
        })
        .unwrap_or_else(|| panic!("{:#?}", acs.sessions()));
    let names: Vec<&str> = first
        .iter()
        .map(|r| r.deployment_unit_ref.as_str())
        .collect();
    assert_eq!(
        names,
        (1..=4)
            .map(|i| format!("Device.SoftwareModules.DeploymentUnit.{i}"))
            .collect::<Vec<_>>()
    );
    node.wait_idle(1);
    drop(d);

    // The fifth is found again, and reported, at the next start.
    let before = acs.sessions().len();
    let _d = node.start();
    let fifth = acs
        .wait_for(WAIT, |r| {
            r.sessions.get(before..)?.iter().find_map(|s| {
                let a = autonomous(s);
                (s.is_completed() && !a.is_empty()).then_some(a)
            })
        })
        .unwrap_or_else(|| panic!("{:#?}", acs.sessions()));
    assert_eq!(fifth.len(), 1, "{fifth:?}");
    assert_eq!(
        fifth[0].uuid,
        Uuid::for_deployment_unit("p5", "").to_string()
    );
    assert_eq!(
        fifth[0].deployment_unit_ref,
        "Device.SoftwareModules.DeploymentUnit.5"
    );
}
