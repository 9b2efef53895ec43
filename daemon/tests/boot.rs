//! Boot: the first start of a device is a first contact (`0 BOOTSTRAP` + `1 BOOT`) carrying the
//! Forced Inform parameters and the configured DeviceId; a restart is a plain `1 BOOT`.

mod common;

use common::{Node, WAIT};
use cwmp_bench::acs::{Acs, AcsOptions, Session};

fn param<'a>(s: &'a Session, name: &str) -> Option<&'a str> {
    s.inform.as_ref().and_then(|i| i.parameter(name))
}

#[test]
fn first_start_bootstraps_with_forced_parameters_then_a_restart_only_boots() {
    let acs = Acs::start(AcsOptions::default());
    let mut node = Node::new("boot", &acs.url());
    let mut d = node.start();

    let s = acs.wait_for_sessions(1, WAIT);
    let first = &s[0];
    assert!(first.is_completed(), "{first:?}");
    let mut codes = first.event_codes();
    codes.sort_unstable();
    assert_eq!(codes, ["0 BOOTSTRAP", "1 BOOT"]);
    let inform = first.inform.as_ref().expect("inform");
    assert_eq!(inform.retry_count, 0);
    assert_eq!(inform.device_id.manufacturer, "cwmpd-e2e");
    assert_eq!(inform.device_id.oui, "ABCDEF");
    assert_eq!(inform.device_id.product_class, "E2E");
    assert_eq!(inform.device_id.serial_number, "SN-boot");
    assert_eq!(
        inform.namespace.as_deref(),
        Some("urn:dslforum-org:cwmp-1-2")
    );
    // The Forced Inform parameters of Device:2, with what the configuration says.
    assert_eq!(param(first, "Device.RootDataModelVersion"), Some("2.15"));
    assert_eq!(
        param(first, "Device.DeviceInfo.HardwareVersion"),
        Some("HW-9")
    );
    assert_eq!(
        param(first, "Device.DeviceInfo.SoftwareVersion"),
        Some("1.2.3")
    );
    assert_eq!(
        param(first, "Device.DeviceInfo.ProvisioningCode"),
        Some("PC-E2E")
    );
    assert_eq!(
        param(first, "Device.ManagementServer.ParameterKey"),
        Some("")
    );
    assert_eq!(
        param(first, "Device.ManagementServer.ConnectionRequestURL"),
        Some(node.cr_url().as_str()),
        "the real listener port"
    );

    // A clean stop and a new start: the ACS knows the device now.
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT).map(|s| s.code()), Some(Some(0)));
    drop(d);
    let _d = node.start();
    let s = acs.wait_for_sessions(2, WAIT);
    assert!(s[1].is_completed(), "{:?}", s[1]);
    assert_eq!(s[1].event_codes(), ["1 BOOT"]);
    assert_eq!(
        param(&s[1], "Device.ManagementServer.ConnectionRequestURL"),
        Some(node.cr_url().as_str())
    );
    assert_eq!(s.len(), 2, "no other session");
}
