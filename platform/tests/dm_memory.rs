//! The built-in store's memory figure for 10,000 parameters (the daemon's budget during a
//! 10,000-parameter GetParameterValues session is 2 MiB of private memory in all, so the store
//! must stay well under 1 MiB). Run with `--nocapture` to see the figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::fs;
use std::ops::ControlFlow;
use std::time::Instant;

use cwmp_core::datamodel::DataModel;
use cwmp_platform::dm::builtin::{Builtin, BuiltinConfig, DeviceInfo, Origin};

const HOSTS: usize = 1000;
const PER_HOST: [(&str, &str); 10] = [
    ("Active", "boolean"),
    ("AddressSource", "string"),
    ("ClientID", "string"),
    ("HostName", "string"),
    ("IPAddress", "string"),
    ("InterfaceType", "string"),
    ("Layer1Interface", "string"),
    ("Layer3Interface", "string"),
    ("LeaseTimeRemaining", "int"),
    ("PhysAddress", "string"),
];

/// A realistic `Device.Hosts.Host.{i}.` table of 10,000 parameters.
fn seed() -> String {
    let mut s = String::from(
        "{\"tables\": [{\"path\": \"Device.Hosts.Host.\", \"writable\": false}],\n\"parameters\": [\n",
    );
    for i in 1..=HOSTS {
        for (k, (name, ty)) in PER_HOST.iter().enumerate() {
            let value = match *name {
                "Active" => "true".to_string(),
                "AddressSource" => "DHCP".to_string(),
                "ClientID" => format!("01:02:00:00:{:02x}:{:02x}", i / 256, i % 256),
                "HostName" => format!("host-{i}"),
                "IPAddress" => format!("192.168.{}.{}", i / 250, i % 250 + 2),
                "InterfaceType" => "Ethernet".to_string(),
                "Layer1Interface" => "Device.Ethernet.Interface.2".to_string(),
                "Layer3Interface" => "Device.IP.Interface.1".to_string(),
                "LeaseTimeRemaining" => "43200".to_string(),
                _ => format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256),
            };
            let sep = if i == HOSTS && k == PER_HOST.len() - 1 {
                ""
            } else {
                ","
            };
            writeln!(
                s,
                "{{\"name\": \"Device.Hosts.Host.{i}.{name}\", \"type\": \"{ty}\", \"value\": \"{value}\"}}{sep}"
            )
            .unwrap();
        }
    }
    s.push_str("]}\n");
    s
}

fn rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn ten_thousand_parameters_fit_well_under_one_mib() {
    let dir = std::env::temp_dir().join(format!("cwmp-dm-memory-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let seed_path = dir.join("seed.json");
    let text = seed();
    fs::write(&seed_path, &text).unwrap();
    drop(text);
    fs::write(dir.join("uptime"), "1.0 1.0\n").unwrap();
    let mut config = BuiltinConfig::new(DeviceInfo::default(), dir.join("state.json"));
    config.seed_path = Some(seed_path.clone());
    config.uptime_path = dir.join("uptime");

    let rss_before = rss_kib();
    let started = Instant::now();
    let (mut b, report) = Builtin::open(config);
    let load = started.elapsed();
    let rss_after = rss_kib();
    assert_eq!(report.origin, Origin::Seed);

    let params = b.store().param_count();
    assert!(params >= HOSTS * PER_HOST.len());
    let heap = b.store().heap_bytes();
    let per_param = heap as f64 / params as f64;

    // A whole-tree GetParameterValues walk, twice (the agent counts, then writes).
    let started = Instant::now();
    let mut seen = 0usize;
    let mut bytes = 0usize;
    for _ in 0..2 {
        b.get("Device.", &mut |p| {
            seen += 1;
            bytes += p.name.len() + p.value.len();
            ControlFlow::Continue(())
        })
        .unwrap();
    }
    let walk = started.elapsed() / 2;
    assert_eq!(seen, 2 * params);

    // A prefix walk reaches its range without visiting the rest.
    let started = Instant::now();
    let mut one = 0;
    b.get("Device.Hosts.Host.777.", &mut |_| {
        one += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    let prefix = started.elapsed();
    assert_eq!(one, PER_HOST.len());

    println!(
        "builtin store, {params} parameters: {heap} heap bytes = {per_param:.1} bytes/parameter \
         (names and values alone: {} bytes); load {load:?}, whole-tree walk {walk:?}, \
         10-parameter prefix walk {prefix:?}; VmRSS {:?} -> {:?} KiB; seed file {} bytes",
        bytes / 2,
        rss_before,
        rss_after,
        fs::metadata(&seed_path).unwrap().len()
    );
    assert!(heap < 512 * 1024, "{heap} bytes for {params} parameters");
    fs::remove_dir_all(&dir).unwrap();
}
