//! First end-to-end check of the real binary: boot session, a task, a session on request.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cwmp_bench::acs::{Acs, AcsOptions, Task};

struct Daemon(Child);
impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn boot_session_then_a_task_on_request() {
    let dir = std::env::temp_dir().join(format!("cwmpd-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let acs = Acs::start(AcsOptions::default());
    let cfg = dir.join("cwmp");
    std::fs::write(
        &cfg,
        format!(
            "config acs 'acs'\n option url '{}'\n option get_rpc_methods '0'\n\
             config cpe 'cpe'\n option serial_number 'SMOKE1'\n\
             option manufacturer_oui 'ABCDEF'\n option product_class 'Test'\n\
             config cwmpd 'cwmpd'\n option state_dir '{d}/state'\n option param_store '{d}/state/params.json'\n",
            acs.url(),
            d = dir.display()
        ),
    )
    .unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cwmpd"));
    let run = dir.join("run");
    let _d = Daemon(
        Command::new(&bin)
            .args(["-f", "-v", "--no-ubus", "-c"])
            .arg(&cfg)
            .arg("--run-dir")
            .arg(&run)
            .arg("--control-socket")
            .arg(run.join("ctl.sock"))
            .arg("--cr-port")
            .arg("17999")
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let s = acs.wait_for_sessions(1, Duration::from_secs(10));
    let codes = s[0].event_codes();
    assert!(codes.contains(&"0 BOOTSTRAP"), "{codes:?}");
    assert!(codes.contains(&"1 BOOT"), "{codes:?}");
    acs.push(Task::get_parameter_values(&[
        "Device.DeviceInfo.SerialNumber",
    ]));
    let out = Command::new(&bin)
        .args(["--no-ubus", "--control-socket"])
        .arg(run.join("ctl.sock"))
        .arg("inform")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let s = acs.wait_for_sessions(2, Duration::from_secs(10));
    match s[1].reply_to("GetParameterValues") {
        Some(m) => assert_eq!(m.value("Device.DeviceInfo.SerialNumber"), Some("SMOKE1")),
        None => panic!("no reply: {:?}", s[1]),
    }
}
