//! The device identity the configuration and the release file leave open, from the system.
//!
//! Responsible for `ProductClass` and `ModelName` (OpenWrt's `/tmp/sysinfo/board_name` and
//! `model`), `ManufacturerOUI` and `SerialNumber` (the MAC address of the first physical
//! network device, or the configured `interface`), and last-resort values so that the
//! `DeviceId` an ACS keys devices by is never empty; off OpenWrt, the kernel release as
//! `SoftwareVersion`. Not responsible for the values the
//! operator configured, which always win (`setup`).

use std::fs;
use std::path::Path;

use cwmp_platform::dm::builtin::DeviceInfo;

use crate::setup::SystemFiles;

/// Largest system file read here (a MAC address, a board name, a machine id).
const SMALL_FILE_MAX: usize = 256;

/// Fills the empty fields of `d` from the system.
pub fn fill_from_system(d: &mut DeviceInfo, sys: &SystemFiles, interface: &str) {
    let mac = mac_address(&sys.net, interface);
    if d.product_class.is_empty() {
        d.product_class = small_file(&sys.sysinfo.join("board_name"))
            .or_else(|| (!d.hardware_version.is_empty()).then(|| d.hardware_version.clone()))
            .unwrap_or_else(|| "cwmpd".to_string());
    }
    if d.model_name.is_empty()
        && let Some(m) = small_file(&sys.sysinfo.join("model"))
    {
        d.model_name = m;
    }
    if d.manufacturer.is_empty() {
        d.manufacturer = "OpenWrt".to_string();
    }
    // Off OpenWrt (no release file) the running kernel is the best version there is.
    if d.software_version.is_empty()
        && let Some(v) = small_file(&sys.kernel_release)
    {
        d.software_version = v;
    }
    if d.manufacturer_oui.is_empty() {
        d.manufacturer_oui = match mac {
            Some(m) => hex(&m[..3]),
            None => "000000".to_string(),
        };
    }
    if d.serial_number.is_empty() {
        d.serial_number = match mac {
            Some(m) => hex(&m),
            None => small_file(&sys.machine_id)
                .map(|id| id.chars().take(16).collect::<String>().to_ascii_uppercase())
                .unwrap_or_else(|| "000000000000".to_string()),
        };
    }
}

/// The MAC address of `interface`, or of the first device (by name) backed by hardware, or of
/// the first device at all; loopback and all-zero addresses are skipped.
fn mac_address(net: &Path, interface: &str) -> Option<[u8; 6]> {
    let read = |name: &str| small_file(&net.join(name).join("address")).and_then(|a| parse_mac(&a));
    if !interface.is_empty() {
        return read(interface);
    }
    let mut names: Vec<String> = fs::read_dir(net)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "lo")
        .collect();
    names.sort();
    let physical = names
        .iter()
        .filter(|n| net.join(n).join("device").exists())
        .find_map(|n| read(n));
    physical.or_else(|| names.iter().find_map(|n| read(n)))
}

/// `aa:bb:cc:dd:ee:ff` as bytes; `None` for anything else or the all-zero address.
fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.trim().split(':');
    for b in &mut out {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    if parts.next().is_some() || out == [0; 6] {
        return None;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The first line of a small file, trimmed; `None` if missing, empty or too large.
fn small_file(path: &Path) -> Option<String> {
    let text = fs::read(path).ok()?;
    if text.len() > SMALL_FILE_MAX {
        return None;
    }
    let text = String::from_utf8(text).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fake_system(tag: &str) -> (PathBuf, SystemFiles) {
        let root = std::env::temp_dir().join(format!("cwmpd-id-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("sysinfo")).unwrap();
        for (dev, mac, physical) in [
            ("br-lan", "02:00:00:00:00:01", false),
            ("eth0", "c0:4a:00:11:22:33", true),
            ("lo", "00:00:00:00:00:00", false),
        ] {
            fs::create_dir_all(root.join("net").join(dev)).unwrap();
            fs::write(
                root.join("net").join(dev).join("address"),
                format!("{mac}\n"),
            )
            .unwrap();
            if physical {
                fs::create_dir_all(root.join("net").join(dev).join("device")).unwrap();
            }
        }
        let sys = SystemFiles {
            release: root.join("openwrt_release"),
            sysinfo: root.join("sysinfo"),
            net: root.join("net"),
            machine_id: root.join("machine-id"),
            kernel_release: root.join("osrelease"),
        };
        (root, sys)
    }

    #[test]
    fn serial_and_oui_come_from_the_first_physical_device() {
        let (root, sys) = fake_system("phys");
        fs::write(sys.sysinfo.join("board_name"), "tplink,archer-c7-v2\n").unwrap();
        fs::write(sys.sysinfo.join("model"), "TP-Link Archer C7 v2\n").unwrap();
        fs::write(&sys.kernel_release, "6.6.73\n").unwrap();
        let mut d = DeviceInfo::default();
        fill_from_system(&mut d, &sys, "");
        assert_eq!(d.software_version, "6.6.73");
        assert_eq!(d.serial_number, "C04A00112233");
        assert_eq!(d.manufacturer_oui, "C04A00");
        assert_eq!(d.product_class, "tplink,archer-c7-v2");
        assert_eq!(d.model_name, "TP-Link Archer C7 v2");
        assert_eq!(d.manufacturer, "OpenWrt");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn the_configured_interface_wins() {
        let (root, sys) = fake_system("iface");
        let mut d = DeviceInfo::default();
        fill_from_system(&mut d, &sys, "br-lan");
        assert_eq!(d.serial_number, "020000000001");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn configured_values_are_kept() {
        let (root, sys) = fake_system("kept");
        let mut d = DeviceInfo {
            serial_number: "SN".into(),
            manufacturer_oui: "ABCDEF".into(),
            product_class: "PC".into(),
            ..DeviceInfo::default()
        };
        fill_from_system(&mut d, &sys, "");
        assert_eq!(
            (
                d.serial_number.as_str(),
                d.manufacturer_oui.as_str(),
                d.product_class.as_str()
            ),
            ("SN", "ABCDEF", "PC")
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn without_a_mac_the_machine_id_names_the_device() {
        let (root, sys) = fake_system("mid");
        fs::remove_dir_all(&sys.net).unwrap();
        fs::write(&sys.machine_id, "0123456789abcdef0123456789abcdef\n").unwrap();
        let mut d = DeviceInfo::default();
        fill_from_system(&mut d, &sys, "");
        assert_eq!(d.serial_number, "0123456789ABCDEF");
        assert_eq!(d.manufacturer_oui, "000000");
        assert_eq!(d.product_class, "cwmpd");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn malformed_mac_addresses_are_skipped() {
        assert_eq!(parse_mac("c0:4a:00:11:22"), None);
        assert_eq!(parse_mac("c0:4a:00:11:22:33:44"), None);
        assert_eq!(parse_mac("zz:4a:00:11:22:33"), None);
        assert_eq!(parse_mac("00:00:00:00:00:00"), None);
        assert_eq!(
            parse_mac("C0:4A:00:11:22:33\n"),
            Some([0xc0, 0x4a, 0, 0x11, 0x22, 0x33])
        );
    }
}
