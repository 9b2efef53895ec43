//! Effects that end the daemon and what the next boot reports: Reboot (`M Reboot` with its
//! CommandKey) and a firmware Download (fetched from a local file server, handed to the apply
//! command as `$1`, then `7 TRANSFER COMPLETE` + `M Download` and a TransferComplete without a
//! fault). A failing download is reported without the daemon exiting.

// Helpers outside #[test] functions fail the test on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{FileServer, Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Download, Message, Session, Task, TransferComplete};

fn transfer_completes(s: &Session) -> Vec<&TransferComplete> {
    s.cpe_requests
        .iter()
        .filter_map(|m| match m {
            Message::TransferComplete(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn event_key<'a>(s: &'a Session, code: &str) -> Option<&'a str> {
    s.inform
        .as_ref()?
        .events
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.command_key.as_str())
}

#[test]
fn reboot_runs_the_command_exits_and_the_next_boot_reports_m_reboot() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("reboot", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    acs.push(Task::reboot("reboot-key-7"));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[1].reply_to("Reboot"), Some(&Message::RebootResponse));
    let status = d.wait_exit(WAIT).expect("the daemon exits after rebooting");
    assert_eq!(status.code(), Some(0));
    assert!(node.path("rebooted").exists(), "the reboot command ran");
    assert!(!d.logs().contains("panicked"));
    drop(d);

    let _d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    let mut codes = s[2].event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["1 BOOT", "M Reboot"]);
    assert_eq!(event_key(&s[2], "M Reboot"), Some("reboot-key-7"));
}

/// An image of `n` bytes that is not all the same byte.
fn image(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn firmware_download(basic: Option<(&str, &str)>, tag: &str) {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    let fw = image(70_000);
    files.put("/fw.bin", &fw);
    if let Some((u, p)) = basic {
        files.require_basic(u, p);
    }
    let mut node = Node::new(tag, &acs.url());
    let dir = node.dir.path().display().to_string();
    // Records the arguments and the file it is given, as sysupgrade would receive them.
    node.uci.set(
        "cwmpd",
        "firmware_apply_command",
        &format!("echo \"$#\" > {dir}/apply-args; echo \"$1\" >> {dir}/apply-args; cp \"$1\" {dir}/applied.bin"),
    );
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    let mut dl = Download::new("1 Firmware Upgrade Image", &files.url("/fw.bin"));
    dl.command_key = Some(format!("fw-{tag}"));
    dl.file_size = u32::try_from(fw.len()).unwrap();
    if let Some((u, p)) = basic {
        dl.username = u.to_owned();
        dl.password = p.to_owned();
    }
    acs.push(Task::Download(dl));
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    match s[1].reply_to("Download") {
        Some(Message::DownloadResponse { status: 1, .. }) => {}
        other => panic!("{other:?}"),
    }
    let status = d
        .wait_exit(WAIT)
        .expect("the daemon exits to install the image");
    assert_eq!(status.code(), Some(0), "{}", d.logs());
    drop(d);

    let args = std::fs::read_to_string(node.path("apply-args")).expect("apply command ran");
    let mut lines = args.lines();
    assert_eq!(lines.next(), Some("1"), "one argument: {args}");
    let arg = lines.next().expect("$1");
    assert!(
        arg.starts_with(&node.run_dir().display().to_string()),
        "$1 is the downloaded file in the run directory: {arg}"
    );
    assert_eq!(std::fs::read(node.path("applied.bin")).unwrap(), fw);
    let reqs = files.requests();
    match basic {
        None => {
            assert_eq!(reqs.len(), 1, "{reqs:?}");
            assert_eq!(reqs[0].authorization, None);
        }
        Some((u, p)) => {
            assert_eq!(reqs.len(), 2, "challenge then credentials: {reqs:?}");
            assert_eq!(
                (reqs[0].status, reqs[0].authorization.as_deref()),
                (401, None)
            );
            assert_eq!(reqs[1].status, 200);
            assert_eq!(
                reqs[1].authorization.as_deref(),
                Some(format!("Basic {}", common::base64(&format!("{u}:{p}"))).as_str())
            );
        }
    }

    // The next boot reports the transfer.
    let _d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    let boot = &s[2];
    assert!(boot.is_completed(), "{boot:?}");
    let mut codes = boot.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["1 BOOT", "7 TRANSFER COMPLETE", "M Download"]);
    assert_eq!(
        event_key(boot, "M Download"),
        Some(format!("fw-{tag}").as_str())
    );
    let tc = transfer_completes(boot);
    assert_eq!(tc.len(), 1, "{boot:?}");
    assert_eq!(tc[0].command_key, format!("fw-{tag}"));
    assert_eq!(tc[0].fault.code, 0, "{:?}", tc[0]);

    // Delivered once: the next session does not report it again.
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(4, WAIT);
    assert_eq!(s[3].event_codes(), ["6 CONNECTION REQUEST"]);
    assert!(transfer_completes(&s[3]).is_empty());
}

#[test]
fn firmware_download_is_applied_and_reported_after_the_reboot() {
    firmware_download(None, "fw");
}

#[test]
fn firmware_download_with_basic_authentication() {
    firmware_download(Some(("fileuser", "s3cret")), "fwauth");
}

fn failing_download(path: &str, size: Option<u32>, tag: &str) -> TransferComplete {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    files.put("/small.bin", &image(1000));
    let mut node = Node::new(tag, &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);

    let mut dl = Download::new("1 Firmware Upgrade Image", &files.url(path));
    dl.command_key = Some(format!("bad-{tag}"));
    dl.file_size = size.unwrap_or(0);
    acs.push(Task::Download(dl));
    node.inform("6 CONNECTION REQUEST");
    // The Download session, then the one reporting its failure (no apply, no exit).
    let s = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .iter()
                .any(|s| !transfer_completes(s).is_empty() && s.is_completed())
                .then(|| r.sessions.clone())
        })
        .unwrap_or_else(|| panic!("no TransferComplete: {:#?}", acs.sessions()));
    let report = s
        .iter()
        .find(|s| !transfer_completes(s).is_empty())
        .unwrap();
    let mut codes = report.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["7 TRANSFER COMPLETE", "M Download"]);
    assert!(d.is_running(), "a failed download does not end the daemon");
    assert!(!node.path("firmware").exists(), "nothing was applied");
    transfer_completes(report)[0].clone()
}

#[test]
fn download_of_a_missing_file_reports_9016_and_the_daemon_keeps_running() {
    let tc = failing_download("/missing.bin", None, "dl404");
    assert_eq!(tc.command_key, "bad-dl404");
    assert_eq!(tc.fault.code, 9016, "{tc:?}");
    assert!(!tc.fault.string.is_empty());
}

#[test]
fn download_whose_size_differs_from_file_size_is_a_failure() {
    let tc = failing_download("/small.bin", Some(999), "dlsize");
    assert_eq!(tc.command_key, "bad-dlsize");
    assert_eq!(tc.fault.code, 9010, "{tc:?}");
}

#[test]
fn factory_reset_runs_its_command_and_the_next_start_bootstraps() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("freset", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    acs.push(Task::FactoryReset);
    node.inform("6 CONNECTION REQUEST");
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(
        s[1].reply_to("FactoryReset"),
        Some(&Message::FactoryResetResponse)
    );
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    assert!(node.path("reset").exists(), "the factory reset command ran");
    drop(d);
    let _d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    let mut codes = s[2].event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["0 BOOTSTRAP", "1 BOOT"], "a first contact again");
}

#[test]
fn reboot_end_session_command_reboots_without_an_m_reboot() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("rebootcmd", &acs.url());
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    node.wait_idle(1);
    let r = node.control("{\"method\":\"command\",\"args\":{\"command\":\"reboot_end_session\"}}");
    assert_eq!(r["result"]["status"], 0, "{r}");
    assert_eq!(d.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    assert!(node.path("rebooted").exists());
    drop(d);
    let _d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    assert_eq!(s[1].event_codes(), ["1 BOOT"]);
}

/// A Download of `file_type`, the apply command `apply`; the TransferComplete that reports it
/// (the daemon keeps running).
fn download_applied_in_place(tag: &str, file_type: &str, apply: &str) -> (Node, TransferComplete) {
    let acs = Acs::start(AcsOptions::default());
    let files = FileServer::start();
    let body = b"config system\n\toption hostname 'cpe'\n".to_vec();
    files.put("/file", &body);
    let mut node = Node::new(tag, &acs.url());
    node.uci.set("cwmpd", "config_apply_command", apply);
    node.uci.set("cwmpd", "firmware_apply_command", apply);
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    let mut dl = Download::new(file_type, &files.url("/file"));
    dl.command_key = Some(format!("k-{tag}"));
    acs.push(Task::Download(dl));
    node.inform("6 CONNECTION REQUEST");
    let report = acs
        .wait_for(WAIT, |r| {
            r.sessions
                .iter()
                .find(|s| s.is_completed() && !transfer_completes(s).is_empty())
                .cloned()
        })
        .unwrap_or_else(|| panic!("no TransferComplete: {}", d.logs()));
    let mut codes = report.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["7 TRANSFER COMPLETE", "M Download"], "no reboot");
    assert!(d.is_running());
    let tc = transfer_completes(&report)[0].clone();
    assert_eq!(tc.command_key, format!("k-{tag}"));
    (node, tc)
}

#[test]
fn configuration_file_is_applied_with_the_file_as_argument_and_reported() {
    let (node, tc) = download_applied_in_place(
        "cfgdl",
        "3 Vendor Configuration File",
        "cp \"$1\" \"$(dirname \"$1\")/../../applied.cfg\"",
    );
    assert_eq!(tc.fault.code, 0, "{tc:?}");
    assert_eq!(
        std::fs::read(node.path("applied.cfg")).unwrap(),
        b"config system\n\toption hostname 'cpe'\n"
    );
}

#[test]
fn configuration_apply_failure_is_reported_as_a_fault() {
    let (_, tc) = download_applied_in_place("cfgfail", "3 Vendor Configuration File", "exit 3");
    assert_eq!(tc.fault.code, 9018, "{tc:?}");
}

#[test]
fn firmware_apply_failure_is_reported_and_the_daemon_keeps_running() {
    let (_, tc) = download_applied_in_place("fwfail", "1 Firmware Upgrade Image", "exit 1");
    assert_eq!(tc.fault.code, 9018, "{tc:?}");
}

#[test]
fn a_firmware_installed_without_the_acs_is_reported_as_an_autonomous_transfer() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("autonomous", &acs.url());
    node.uci.set("cpe", "software_version", "21.02.7");
    let mut d = node.start();
    acs.wait_for_sessions(1, WAIT);
    let policy = "Device.ManagementServer.AutonomousTransferCompletePolicy.";
    acs.push(Task::set_parameter_values(
        &[(&format!("{policy}Enable"), "true", "xsd:boolean")],
        "atc",
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
    d.kill9();
    drop(d);

    // Upgraded by hand (sysupgrade, LuCI): the next start reports it once.
    node.uci.set("cpe", "software_version", "23.05.3");
    let mut d = node.start();
    let s = acs.wait_for_sessions(3, WAIT);
    let mut codes = s[2].event_codes();
    codes.sort_unstable();
    // SoftwareVersion has forced active notification: its change is a VALUE CHANGE too.
    assert_eq!(
        codes,
        [
            "1 BOOT",
            "10 AUTONOMOUS TRANSFER COMPLETE",
            "4 VALUE CHANGE"
        ]
    );
    let reports: Vec<_> = s[2]
        .cpe_requests
        .iter()
        .filter_map(|m| match m {
            Message::AutonomousTransferComplete(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(reports.len(), 1, "{:?}", s[2].cpe_requests);
    assert!(reports[0].is_download);
    assert_eq!(reports[0].file_type, "1 Firmware Upgrade Image");
    assert_eq!(reports[0].fault.code, 0);
    assert!(s[2].is_completed(), "{:?}", s[2].outcome);
    node.wait_idle(1);
    d.kill9();
    drop(d);

    let _d = node.start();
    let s = acs.wait_for_sessions(4, WAIT);
    assert_eq!(s[3].event_codes(), ["1 BOOT"]);
    assert!(s[3].cpe_requests.is_empty(), "{:?}", s[3].cpe_requests);
}
