//! The built-in backend, RPC by RPC: GenieACS's flows from `testdata/vectors/genieacs` served
//! from the shipped default seed (`daemon/openwrt/cwmpd-params.json`), the GetParameterNames /
//! GetParameterValues / SetParameterValues / AddObject / DeleteObject rules of digest §9.4
//! and §12, and persistence across restarts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::ops::ControlFlow;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use cwmp_core::datamodel::{Applied, DataModel};
use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::time::DateTime;
use cwmp_platform::dm::builtin::{Builtin, BuiltinConfig, DeviceInfo, Origin, Problem};
use cwmp_platform::dm::limits::{STAGE_MAX_VALUES, STORE_FILE_MAX_LEN};

const DEFAULT_SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../daemon/openwrt/cwmpd-params.json"
);
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/genieacs");

const NAME: FaultCode = FaultCode::INVALID_PARAMETER_NAME;
const TYPE: FaultCode = FaultCode::INVALID_PARAMETER_TYPE;
const VALUE: FaultCode = FaultCode::INVALID_PARAMETER_VALUE;
const READ_ONLY: FaultCode = FaultCode::NON_WRITABLE_PARAMETER;

/// A scratch state directory, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "cwmp-dm-builtin-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("uptime"), "4242.37 8000.11\n").unwrap();
        Dir(d)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn state(&self) -> PathBuf {
        self.path("cwmpd/params.json")
    }

    fn config(&self, seed: &Path) -> BuiltinConfig {
        let mut c = BuiltinConfig::new(vector_device(), self.state());
        c.seed_path = Some(seed.to_path_buf());
        c.uptime_path = self.path("uptime");
        c
    }

    fn open(&self, seed: &Path) -> Builtin {
        Builtin::open(self.config(seed)).0
    }

    fn seed(&self, json: &str) -> PathBuf {
        let p = self.path("seed.json");
        fs::write(&p, json).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The device of the GenieACS captures (their Inform's DeviceId and forced parameters).
fn vector_device() -> DeviceInfo {
    DeviceInfo {
        manufacturer: "OpenWrt".into(),
        manufacturer_oui: "A1B2C3".into(),
        product_class: "OpenWrtCPE".into(),
        serial_number: "VEC0001".into(),
        hardware_version: "1.0".into(),
        software_version: "23.05.0".into(),
        model_name: "Generic OpenWrt".into(),
        description: "OpenWrt 23.05.0".into(),
    }
}

fn names(b: &mut Builtin, path: &str, next: bool) -> Result<Vec<(String, bool)>, FaultCode> {
    let mut out = Vec::new();
    b.names(path, next, &mut |n| {
        out.push((n.name.to_string(), n.writable));
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

fn values(b: &mut Builtin, path: &str) -> Result<Vec<(String, String, ValueType)>, FaultCode> {
    let mut out = Vec::new();
    b.get(path, &mut |p| {
        out.push((p.name.to_string(), p.value.to_string(), p.value_type));
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

fn value(b: &mut Builtin, name: &str) -> String {
    let v = values(b, name).unwrap();
    assert_eq!(v.len(), 1);
    v[0].1.clone()
}

/// A SetParameterValues as the agent drives it: check everything, then stage and commit.
fn spv(
    b: &mut Builtin,
    list: &[(&str, &str, ValueType)],
) -> Result<Applied, Vec<(String, FaultCode)>> {
    let faults: Vec<(String, FaultCode)> = list
        .iter()
        .filter_map(|(n, v, t)| b.check(n, v, *t).err().map(|f| (n.to_string(), f)))
        .collect();
    if !faults.is_empty() {
        return Err(faults);
    }
    b.begin().unwrap();
    for (n, v, t) in list {
        b.stage(n, v, *t).unwrap();
    }
    b.commit().map_err(|f| vec![(String::new(), f)])
}

/// `(Name, Writable)` pairs of a GetParameterNamesResponse capture.
fn captured_names(file: &str) -> Vec<(String, bool)> {
    let xml = fs::read_to_string(format!("{VECTORS}/{file}")).unwrap();
    xml.split("<ParameterInfoStruct>")
        .skip(1)
        .map(|s| {
            let name = s
                .split("<Name>")
                .nth(1)
                .unwrap()
                .split("</Name>")
                .next()
                .unwrap();
            let w = s
                .split("<Writable>")
                .nth(1)
                .unwrap()
                .split("</Writable>")
                .next()
                .unwrap();
            (name.to_string(), w == "1" || w == "true")
        })
        .collect()
}

/// `(Name, Value, type)` triples of a GetParameterValuesResponse capture.
fn captured_values(file: &str) -> Vec<(String, String, ValueType)> {
    let xml = fs::read_to_string(format!("{VECTORS}/{file}")).unwrap();
    xml.split("<ParameterValueStruct>")
        .skip(1)
        .map(|s| {
            let name = s
                .split("<Name>")
                .nth(1)
                .unwrap()
                .split("</Name>")
                .next()
                .unwrap();
            let ty = s
                .split("xsi:type=\"xsd:")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let v = s
                .split("\">")
                .nth(1)
                .unwrap()
                .split("</Value>")
                .next()
                .unwrap();
            (
                name.to_string(),
                v.to_string(),
                ValueType::from_name(ty).unwrap(),
            )
        })
        .collect()
}

// ---- GenieACS flows against the default seed

#[test]
fn genieacs_03_discovery_of_the_whole_tree_matches_the_capture() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    // The capture lists the agent's ManagementServer subtree too; the backend has the rest,
    // plus DeviceInfo.Description, which the captured CPE did not implement.
    let mut expected: Vec<(String, bool)> =
        captured_names("03_task_getParameterValues/05_cpe_GetParameterNamesResponse.xml")
            .into_iter()
            .filter(|(n, _)| !n.starts_with("Device.ManagementServer."))
            .collect();
    expected.insert(2, ("Device.DeviceInfo.Description".into(), false));
    assert_eq!(names(&mut b, "Device.", false).unwrap(), expected);
    // Then GetParameterValues of UpTime and NTPServer1.
    let mut got = values(&mut b, "Device.DeviceInfo.UpTime").unwrap();
    got.extend(values(&mut b, "Device.Time.NTPServer1").unwrap());
    assert_eq!(
        got,
        captured_values("03_task_getParameterValues/07_cpe_GetParameterValuesResponse.xml")
    );
}

#[test]
fn genieacs_inform_parameters_come_from_the_device_info() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    for (name, want) in [
        ("Device.RootDataModelVersion", "2.15"),
        ("Device.DeviceInfo.HardwareVersion", "1.0"),
        ("Device.DeviceInfo.SoftwareVersion", "23.05.0"),
        ("Device.DeviceInfo.ProvisioningCode", ""),
        ("Device.DeviceInfo.Manufacturer", "OpenWrt"),
        ("Device.DeviceInfo.ManufacturerOUI", "A1B2C3"),
        ("Device.DeviceInfo.ProductClass", "OpenWrtCPE"),
        ("Device.DeviceInfo.SerialNumber", "VEC0001"),
    ] {
        assert_eq!(value(&mut b, name), want, "{name}");
    }
}

#[test]
fn genieacs_05_provisioning_code_is_set_and_kept() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    assert_eq!(
        spv(
            &mut b,
            &[(
                "Device.DeviceInfo.ProvisioningCode",
                "vec-prov-1",
                ValueType::String
            )]
        ),
        Ok(Applied::Now)
    );
    assert_eq!(
        value(&mut b, "Device.DeviceInfo.ProvisioningCode"),
        "vec-prov-1"
    );
    drop(b);
    let mut b = d.open(Path::new(DEFAULT_SEED));
    assert_eq!(
        value(&mut b, "Device.DeviceInfo.ProvisioningCode"),
        "vec-prov-1"
    );
}

#[test]
fn genieacs_06_to_08_port_mapping_lifecycle() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    // 06: AddObject, then the instance refresh.
    assert_eq!(
        b.add_object("Device.NAT.PortMapping."),
        Ok((1, Applied::Now))
    );
    assert_eq!(
        names(&mut b, "Device.NAT.PortMapping.", true).unwrap(),
        captured_names("06_connection_request_and_addObject/09_cpe_GetParameterNamesResponse.xml")
    );
    // 07: the instance's names and key values, a second instance, its values, then the set.
    assert_eq!(
        names(&mut b, "Device.NAT.PortMapping.1.", true).unwrap(),
        captured_names("07_task_addObject_with_values/05_cpe_GetParameterNamesResponse.xml")
    );
    let key = |n: u32| {
        ["Description", "Enable", "ExternalPort"].map(|p| format!("Device.NAT.PortMapping.{n}.{p}"))
    };
    let read = |b: &mut Builtin, n: u32| -> Vec<(String, String, ValueType)> {
        key(n).iter().flat_map(|p| values(b, p).unwrap()).collect()
    };
    assert_eq!(
        read(&mut b, 1),
        captured_values("07_task_addObject_with_values/07_cpe_GetParameterValuesResponse.xml")
    );
    assert_eq!(
        b.add_object("Device.NAT.PortMapping."),
        Ok((2, Applied::Now))
    );
    assert_eq!(
        read(&mut b, 2),
        captured_values("07_task_addObject_with_values/11_cpe_GetParameterValuesResponse.xml")
    );
    assert_eq!(
        spv(
            &mut b,
            &[
                (
                    "Device.NAT.PortMapping.2.Description",
                    "vec-rule",
                    ValueType::String
                ),
                (
                    "Device.NAT.PortMapping.2.Enable",
                    "true",
                    ValueType::Boolean
                ),
                (
                    "Device.NAT.PortMapping.2.ExternalPort",
                    "8080",
                    ValueType::UnsignedInt
                ),
            ]
        ),
        Ok(Applied::Now)
    );
    assert_eq!(
        names(&mut b, "Device.NAT.PortMapping.", true).unwrap(),
        captured_names("07_task_addObject_with_values/15_cpe_GetParameterNamesResponse.xml")
    );
    assert_eq!(value(&mut b, "Device.NAT.PortMappingNumberOfEntries"), "2");
    // 08: DeleteObject of the first.
    assert_eq!(
        b.delete_object("Device.NAT.PortMapping.1."),
        Ok(Applied::Now)
    );
    assert_eq!(
        names(&mut b, "Device.NAT.PortMapping.", true).unwrap(),
        [("Device.NAT.PortMapping.2.".to_string(), true)]
    );
    assert_eq!(value(&mut b, "Device.NAT.PortMappingNumberOfEntries"), "1");
    assert_eq!(
        values(&mut b, "Device.NAT.PortMapping.2.")
            .unwrap()
            .into_iter()
            .map(|(n, v, _)| format!("{n}={v}"))
            .collect::<Vec<_>>(),
        [
            "Device.NAT.PortMapping.2.Description=vec-rule",
            "Device.NAT.PortMapping.2.Enable=true",
            "Device.NAT.PortMapping.2.ExternalPort=8080",
            "Device.NAT.PortMapping.2.InternalClient=",
            "Device.NAT.PortMapping.2.Protocol=TCP",
        ]
    );
}

#[test]
fn genieacs_09_time_subtree_rediscovery() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    assert_eq!(
        values(&mut b, "Device.Time.Enable").unwrap(),
        captured_values("09_cpe_fault_9005/09_cpe_GetParameterValuesResponse.xml")
    );
    assert_eq!(
        names(&mut b, "Device.Time.", false).unwrap(),
        captured_names("09_cpe_fault_9005/07_cpe_GetParameterNamesResponse.xml")
    );
    let now = values(&mut b, "Device.Time.CurrentLocalTime").unwrap();
    assert_eq!(now[0].2, ValueType::DateTime);
    assert!(DateTime::parse(&now[0].1).unwrap().year >= 2024);
}

#[test]
fn genieacs_10_a_bad_host_name_is_9007() {
    let d = Dir::new();
    let mut b = d.open(Path::new(DEFAULT_SEED));
    assert_eq!(
        spv(
            &mut b,
            &[(
                "Device.Time.NTPServer1",
                "bad host name!",
                ValueType::String
            )]
        ),
        Err(vec![("Device.Time.NTPServer1".to_string(), VALUE)])
    );
    assert_eq!(value(&mut b, "Device.Time.NTPServer1"), "pool.ntp.org");
}

// ---- the RPC rules, on a seed made for them

const SEED: &str = r#"{
  "tables": [
    {"path": "Device.Hosts.Host.", "template": []},
    {"path": "Device.IP.Interface.", "writable": true, "max_instances": 2, "template": [
      {"name": "Enable", "type": "boolean", "writable": true},
      {"name": "Stats.BytesSent", "type": "unsignedLong"}
    ]},
    {"path": "Device.IP.Interface.{i}.IPv4Address.", "writable": true, "template": [
      {"name": "IPAddress", "writable": true, "format": "ipv4"}
    ]}
  ],
  "parameters": [
    {"name": "Device.Hosts.Host.1.HostName", "value": "laptop"},
    {"name": "Device.IP.InterfaceNumberOfEntries", "type": "unsignedInt"},
    {"name": "Device.X_Test.Int", "type": "int", "writable": true, "value": -5},
    {"name": "Device.X_Test.Port", "type": "unsignedInt", "writable": true, "min": 1, "max": 65535, "value": 80},
    {"name": "Device.X_Test.Flag", "type": "boolean", "writable": true, "value": "0"},
    {"name": "Device.X_Test.When", "type": "dateTime", "writable": true},
    {"name": "Device.X_Test.Counter", "type": "unsignedInt", "value": 7},
    {"name": "Device.X_Test.Mode", "writable": true, "enum": ["A", "B"], "value": "A"}
  ]
}"#;

fn rules() -> (Dir, Builtin) {
    let d = Dir::new();
    let seed = d.seed(SEED);
    let b = d.open(&seed);
    (d, b)
}

#[test]
fn gpn_next_level_lists_children_objects_with_trailing_dots() {
    let (_d, mut b) = rules();
    assert_eq!(
        names(&mut b, "", true).unwrap(),
        [("Device.".to_string(), false)]
    );
    assert_eq!(
        names(&mut b, "Device.", true).unwrap(),
        [
            ("Device.DeviceInfo.".to_string(), false),
            ("Device.Hosts.".to_string(), false),
            ("Device.IP.".to_string(), false),
            ("Device.RootDataModelVersion".to_string(), false),
            ("Device.Time.".to_string(), false),
            ("Device.X_Test.".to_string(), false),
        ]
    );
}

#[test]
fn gpn_writable_means_add_for_tables_and_delete_for_instances() {
    let (_d, mut b) = rules();
    b.add_object("Device.IP.Interface.").unwrap();
    assert_eq!(
        names(&mut b, "Device.IP.", false).unwrap(),
        [
            ("Device.IP.".to_string(), false),
            ("Device.IP.Interface.".to_string(), true),
            ("Device.IP.Interface.1.".to_string(), true),
            ("Device.IP.Interface.1.Enable".to_string(), true),
            ("Device.IP.Interface.1.IPv4Address.".to_string(), true),
            ("Device.IP.Interface.1.Stats.".to_string(), false),
            ("Device.IP.Interface.1.Stats.BytesSent".to_string(), false),
            ("Device.IP.InterfaceNumberOfEntries".to_string(), false),
        ]
    );
    // A table declared read-only, and its instance.
    assert_eq!(
        names(&mut b, "Device.Hosts.", false).unwrap(),
        [
            ("Device.Hosts.".to_string(), false),
            ("Device.Hosts.Host.".to_string(), false),
            ("Device.Hosts.Host.1.".to_string(), false),
            ("Device.Hosts.Host.1.HostName".to_string(), false),
        ]
    );
}

#[test]
fn gpn_of_a_parameter() {
    let (_d, mut b) = rules();
    assert_eq!(
        names(&mut b, "Device.X_Test.Port", false).unwrap(),
        [("Device.X_Test.Port".to_string(), true)]
    );
    assert_eq!(
        names(&mut b, "Device.X_Test.Port", true),
        Err(FaultCode::INVALID_ARGUMENTS)
    );
}

#[test]
fn gpn_and_gpv_of_unknown_or_misformed_paths_are_9005() {
    let (_d, mut b) = rules();
    for path in [
        "Device.Nope.",
        "Device.X_Test.Nope",
        "Device.X_Test",
        "Device.X_Test.Port.",
        "Device.Hosts.Host.2.",
        "Device.Hosts.Host.[laptop].",
        "Device..",
        "Nope.",
    ] {
        assert_eq!(names(&mut b, path, false), Err(NAME), "{path}");
        assert_eq!(values(&mut b, path), Err(NAME), "{path}");
    }
}

#[test]
fn gpv_of_a_partial_path_lists_every_parameter_below_it() {
    let (_d, mut b) = rules();
    assert_eq!(
        values(&mut b, "Device.X_Test.").unwrap(),
        [
            (
                "Device.X_Test.Counter".into(),
                "7".into(),
                ValueType::UnsignedInt
            ),
            ("Device.X_Test.Flag".into(), "0".into(), ValueType::Boolean),
            ("Device.X_Test.Int".into(), "-5".into(), ValueType::Int),
            ("Device.X_Test.Mode".into(), "A".into(), ValueType::String),
            (
                "Device.X_Test.Port".into(),
                "80".into(),
                ValueType::UnsignedInt
            ),
            (
                "Device.X_Test.When".into(),
                "0001-01-01T00:00:00Z".into(),
                ValueType::DateTime
            ),
        ]
    );
    let all = values(&mut b, "").unwrap();
    assert_eq!(all, values(&mut b, "Device.").unwrap());
    // 11 built-in, ProvisioningCode, and 8 from the seed.
    assert_eq!(all.len(), 20);
    // Walks are deterministic.
    assert_eq!(all, values(&mut b, "").unwrap());
}

#[test]
fn spv_type_mismatch_is_9006() {
    let (_d, mut b) = rules();
    assert_eq!(
        b.check("Device.X_Test.Port", "8080", ValueType::Boolean),
        Err(TYPE)
    );
    assert_eq!(
        b.check("Device.X_Test.Flag", "1", ValueType::Int),
        Err(TYPE)
    );
    assert_eq!(
        b.check("Device.X_Test.Mode", "A", ValueType::Unknown),
        Err(TYPE)
    );
    // xsd:string is accepted for any type when the text parses.
    assert_eq!(
        b.check("Device.X_Test.Port", "8080", ValueType::String),
        Ok(())
    );
}

#[test]
fn spv_values_are_checked_per_type_9007() {
    let (_d, mut b) = rules();
    let cases: &[(&str, &str, ValueType, bool)] = &[
        ("Device.X_Test.Int", "-2147483648", ValueType::Int, true),
        ("Device.X_Test.Int", "2147483648", ValueType::Int, false),
        ("Device.X_Test.Int", "1.5", ValueType::Int, false),
        ("Device.X_Test.Port", "65535", ValueType::UnsignedInt, true),
        ("Device.X_Test.Port", "65536", ValueType::UnsignedInt, false),
        ("Device.X_Test.Port", "0", ValueType::UnsignedInt, false),
        ("Device.X_Test.Port", "-1", ValueType::UnsignedInt, false),
        ("Device.X_Test.Flag", "true", ValueType::Boolean, true),
        ("Device.X_Test.Flag", "false", ValueType::Boolean, true),
        ("Device.X_Test.Flag", "1", ValueType::Boolean, true),
        ("Device.X_Test.Flag", "0", ValueType::Boolean, true),
        ("Device.X_Test.Flag", "yes", ValueType::Boolean, false),
        (
            "Device.X_Test.When",
            "2024-06-01T12:00:00.000Z",
            ValueType::DateTime,
            true,
        ),
        (
            "Device.X_Test.When",
            "2024-02-30T12:00:00Z",
            ValueType::DateTime,
            false,
        ),
        ("Device.X_Test.When", "tomorrow", ValueType::DateTime, false),
        ("Device.X_Test.Mode", "B", ValueType::String, true),
        ("Device.X_Test.Mode", "C", ValueType::String, false),
    ];
    for (name, v, t, ok) in cases {
        let want = if *ok { Ok(()) } else { Err(VALUE) };
        assert_eq!(b.check(name, v, *t), want, "{name}={v}");
    }
}

#[test]
fn spv_on_read_only_parameters_is_9008() {
    let (_d, mut b) = rules();
    assert_eq!(
        b.check("Device.X_Test.Counter", "1", ValueType::UnsignedInt),
        Err(READ_ONLY)
    );
    assert_eq!(
        b.check("Device.DeviceInfo.SerialNumber", "X", ValueType::String),
        Err(READ_ONLY)
    );
    assert_eq!(
        b.check("Device.DeviceInfo.UpTime", "1", ValueType::UnsignedInt),
        Err(READ_ONLY)
    );
    assert_eq!(
        b.check("Device.Hosts.Host.1.HostName", "x", ValueType::String),
        Err(READ_ONLY)
    );
}

#[test]
fn spv_on_unknown_names_is_9005() {
    let (_d, mut b) = rules();
    assert_eq!(
        b.check("Device.X_Test.Nope", "1", ValueType::String),
        Err(NAME)
    );
    assert_eq!(b.check("Device.X_Test.", "1", ValueType::String), Err(NAME));
    assert_eq!(
        b.check(
            "Device.ManagementServer.URL",
            "http://x/",
            ValueType::String
        ),
        Err(NAME)
    );
}

#[test]
fn spv_is_all_or_nothing_when_the_write_fails() {
    let (d, _) = rules();
    // A state path that is a directory: the rename over it fails.
    let mut config = d.config(&d.path("seed.json"));
    config.state_path = d.path("blocked");
    fs::create_dir_all(d.path("blocked/inner")).unwrap();
    let (mut b, _) = Builtin::open(config);
    assert_eq!(
        spv(
            &mut b,
            &[
                ("Device.X_Test.Port", "8080", ValueType::UnsignedInt),
                ("Device.X_Test.Flag", "1", ValueType::Boolean),
            ]
        ),
        Err(vec![(String::new(), FaultCode::INTERNAL_ERROR)])
    );
    assert_eq!(value(&mut b, "Device.X_Test.Port"), "80");
    assert_eq!(value(&mut b, "Device.X_Test.Flag"), "0");
    assert_eq!(
        b.add_object("Device.IP.Interface."),
        Err(FaultCode::INTERNAL_ERROR)
    );
    assert_eq!(names(&mut b, "Device.IP.Interface.", true).unwrap(), []);
    // Nothing was consumed: the first instance that does get written is still 1.
    fs::remove_dir_all(d.path("blocked")).unwrap();
    assert_eq!(b.add_object("Device.IP.Interface."), Ok((1, Applied::Now)));
}

#[test]
fn spv_commit_applies_everything_and_abort_nothing() {
    let (d, mut b) = rules();
    b.begin().unwrap();
    b.stage("Device.X_Test.Port", " 8080 ", ValueType::UnsignedInt)
        .unwrap();
    b.abort();
    assert_eq!(value(&mut b, "Device.X_Test.Port"), "80");
    assert!(!d.state().exists());
    assert_eq!(
        spv(
            &mut b,
            &[
                ("Device.X_Test.Port", " 8080 ", ValueType::UnsignedInt),
                (
                    "Device.X_Test.When",
                    "2024-06-01T12:00:00.000Z",
                    ValueType::DateTime
                ),
            ]
        ),
        Ok(Applied::Now)
    );
    // Values are stored without the XML whitespace around them.
    assert_eq!(value(&mut b, "Device.X_Test.Port"), "8080");
    assert_eq!(
        value(&mut b, "Device.X_Test.When"),
        "2024-06-01T12:00:00.000Z"
    );
    assert!(d.state().exists());
}

#[test]
fn a_transaction_holds_at_most_stage_max_values() {
    let (_d, mut b) = rules();
    b.begin().unwrap();
    for _ in 0..STAGE_MAX_VALUES {
        b.stage("Device.X_Test.Port", "81", ValueType::UnsignedInt)
            .unwrap();
    }
    assert_eq!(
        b.stage("Device.X_Test.Port", "82", ValueType::UnsignedInt),
        Err(FaultCode::RESOURCES_EXCEEDED)
    );
    b.abort();
    assert_eq!(b.commit(), Err(FaultCode::INTERNAL_ERROR));
    assert_eq!(value(&mut b, "Device.X_Test.Port"), "80");
}

#[test]
fn a_seed_larger_than_the_limit_is_refused() {
    let d = Dir::new();
    let mut text = String::from("{\"parameters\": [");
    text.push_str(&" ".repeat(STORE_FILE_MAX_LEN as usize));
    text.push_str("]}");
    let seed = d.seed(&text);
    let (_, report) = Builtin::open(d.config(&seed));
    assert_eq!(report.origin, Origin::Empty);
    let message = report.problems[0].to_string();
    assert!(message.ends_with("file too large; ignored"), "{message}");
}

#[test]
fn add_object_builds_the_template_with_a_fresh_number() {
    let (_d, mut b) = rules();
    assert_eq!(b.add_object("Device.IP.Interface."), Ok((1, Applied::Now)));
    assert_eq!(
        values(&mut b, "Device.IP.Interface.1.").unwrap(),
        [
            (
                "Device.IP.Interface.1.Enable".into(),
                "false".into(),
                ValueType::Boolean
            ),
            (
                "Device.IP.Interface.1.Stats.BytesSent".into(),
                "0".into(),
                ValueType::UnsignedLong
            ),
        ]
    );
    assert_eq!(
        b.add_object("Device.IP.Interface.1.IPv4Address."),
        Ok((1, Applied::Now))
    );
    assert_eq!(
        b.add_object("Device.IP.Interface.1.IPv4Address."),
        Ok((2, Applied::Now))
    );
    assert_eq!(
        value(&mut b, "Device.IP.Interface.1.IPv4Address.2.IPAddress"),
        ""
    );
    assert_eq!(
        b.check(
            "Device.IP.Interface.1.IPv4Address.2.IPAddress",
            "10.0.0.300",
            ValueType::String
        ),
        Err(VALUE)
    );
    assert_eq!(value(&mut b, "Device.IP.InterfaceNumberOfEntries"), "1");
}

#[test]
fn add_object_faults() {
    let (_d, mut b) = rules();
    assert_eq!(b.add_object("Device.X_Test."), Err(NAME));
    assert_eq!(b.add_object("Device.IP.Interface"), Err(NAME));
    assert_eq!(b.add_object("Device.Nope."), Err(NAME));
    assert_eq!(
        b.add_object("Device.Hosts.Host."),
        Err(FaultCode::REQUEST_DENIED)
    );
    b.add_object("Device.IP.Interface.").unwrap();
    assert_eq!(b.add_object("Device.IP.Interface.1."), Err(NAME));
    b.add_object("Device.IP.Interface.").unwrap();
    // max_instances is 2.
    assert_eq!(
        b.add_object("Device.IP.Interface."),
        Err(FaultCode::RESOURCES_EXCEEDED)
    );
}

#[test]
fn delete_object_removes_the_subtree_and_numbers_are_never_reused() {
    let (_d, mut b) = rules();
    b.add_object("Device.IP.Interface.").unwrap();
    b.add_object("Device.IP.Interface.1.IPv4Address.").unwrap();
    b.add_object("Device.IP.Interface.").unwrap();
    assert_eq!(b.delete_object("Device.IP.Interface.1."), Ok(Applied::Now));
    assert_eq!(values(&mut b, "Device.IP.Interface.1."), Err(NAME));
    assert_eq!(
        names(&mut b, "Device.IP.Interface.", true).unwrap(),
        [("Device.IP.Interface.2.".to_string(), true)]
    );
    assert_eq!(b.add_object("Device.IP.Interface."), Ok((3, Applied::Now)));
    // The nested table of the new instance starts its own numbering.
    assert_eq!(
        b.add_object("Device.IP.Interface.3.IPv4Address."),
        Ok((1, Applied::Now))
    );
}

#[test]
fn delete_object_faults() {
    let (_d, mut b) = rules();
    assert_eq!(b.delete_object("Device.IP.Interface."), Err(NAME));
    assert_eq!(b.delete_object("Device.IP.Interface.9."), Err(NAME));
    assert_eq!(b.delete_object("Device.X_Test."), Err(NAME));
    assert_eq!(b.delete_object("Device.X_Test.Port"), Err(NAME));
    assert_eq!(
        b.delete_object("Device.Hosts.Host.1."),
        Err(FaultCode::REQUEST_DENIED)
    );
}

// ---- persistence

#[test]
fn a_restart_keeps_values_instances_and_counters() {
    let (d, mut b) = rules();
    b.add_object("Device.IP.Interface.").unwrap();
    b.add_object("Device.IP.Interface.").unwrap();
    b.delete_object("Device.IP.Interface.2.").unwrap();
    b.add_object("Device.IP.Interface.1.IPv4Address.").unwrap();
    spv(
        &mut b,
        &[("Device.IP.Interface.1.Enable", "true", ValueType::Boolean)],
    )
    .unwrap();
    let before = values(&mut b, "").unwrap();
    let before_names = names(&mut b, "", false).unwrap();
    drop(b);
    let (mut b, report) = Builtin::open(d.config(&d.path("seed.json")));
    assert_eq!(report.origin, Origin::State);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(values(&mut b, "").unwrap(), before);
    assert_eq!(names(&mut b, "", false).unwrap(), before_names);
    assert_eq!(b.add_object("Device.IP.Interface."), Ok((3, Applied::Now)));
    assert_eq!(
        b.add_object("Device.IP.Interface.1.IPv4Address."),
        Ok((2, Applied::Now))
    );
}

#[test]
fn the_state_file_takes_precedence_over_the_seed() {
    let (d, mut b) = rules();
    spv(&mut b, &[("Device.X_Test.Mode", "B", ValueType::String)]).unwrap();
    drop(b);
    d.seed(
        &SEED
            .replace("\"value\": \"A\"", "\"value\": \"B\"")
            .replace("Device.X_Test.Int", "Device.X_Test.Other"),
    );
    let mut b = d.open(&d.path("seed.json"));
    assert_eq!(value(&mut b, "Device.X_Test.Mode"), "B");
    assert_eq!(value(&mut b, "Device.X_Test.Int"), "-5");
    assert_eq!(values(&mut b, "Device.X_Test.Other"), Err(NAME));
}

#[test]
fn a_corrupt_state_file_is_reported_moved_aside_and_the_seed_used() {
    let (d, mut b) = rules();
    spv(&mut b, &[("Device.X_Test.Mode", "B", ValueType::String)]).unwrap();
    drop(b);
    let state = d.state();
    let text = fs::read_to_string(&state).unwrap();
    fs::write(&state, &text[..text.len() / 2]).unwrap();
    let (mut b, report) = Builtin::open(d.config(&d.path("seed.json")));
    assert_eq!(report.origin, Origin::Seed);
    assert_eq!(report.problems.len(), 1);
    let message = report.problems[0].to_string();
    assert!(
        message.starts_with(&format!("state file {}:", state.display())),
        "{message}"
    );
    assert!(
        message.contains("moved to") && message.contains("falling back to the seed"),
        "{message}"
    );
    assert!(matches!(
        report.problems[0],
        Problem::StateUnusable {
            moved_to: Some(_),
            ..
        }
    ));
    assert!(PathBuf::from(format!("{}.corrupt", state.display())).exists());
    assert_eq!(value(&mut b, "Device.X_Test.Mode"), "A");
    // The next change writes a good state file again.
    spv(&mut b, &[("Device.X_Test.Mode", "B", ValueType::String)]).unwrap();
    let (_, report) = Builtin::open(d.config(&d.path("seed.json")));
    assert_eq!(report.origin, Origin::State);
}

#[test]
fn an_unreadable_state_file_is_left_in_place() {
    let (d, mut b) = rules();
    spv(&mut b, &[("Device.X_Test.Mode", "B", ValueType::String)]).unwrap();
    drop(b);
    // A directory where the file should be cannot be read.
    let state = d.state();
    fs::remove_file(&state).unwrap();
    fs::create_dir(&state).unwrap();
    let (_, report) = Builtin::open(d.config(&d.path("seed.json")));
    assert_eq!(report.origin, Origin::Seed);
    assert!(matches!(
        report.problems[0],
        Problem::StateUnusable { moved_to: None, .. }
    ));
    assert!(state.is_dir());
}

#[test]
fn a_missing_or_broken_seed_leaves_the_built_in_parameters() {
    let d = Dir::new();
    let (mut b, report) = Builtin::open(d.config(&d.path("absent.json")));
    assert_eq!(report.origin, Origin::Empty);
    assert!(matches!(report.problems[..], [Problem::SeedMissing(_)]));
    assert_eq!(value(&mut b, "Device.DeviceInfo.SerialNumber"), "VEC0001");
    let seed = d.seed("{\n  \"parameters\": [\n    {\"name\": \"Device.A\", \"type\": \"int\", \"value\": \"x\"}\n  ]\n}\n");
    let (_, report) = Builtin::open(d.config(&seed));
    assert_eq!(report.origin, Origin::Empty);
    let message = report.problems[0].to_string();
    assert!(
        message.starts_with(&format!("seed file {}:3:5: bad value", seed.display())),
        "{message}"
    );
}

#[test]
fn store_entries_for_the_agent_and_built_ins_are_dropped_with_a_warning() {
    let d = Dir::new();
    let seed = d.seed(
        r#"{"parameters": [
  {"name": "Device.ManagementServer.URL", "writable": true, "value": "http://seed/"},
  {"name": "Device.DeviceInfo.SerialNumber", "value": "FROM-SEED"},
  {"name": "Device.DeviceInfo.ProvisioningCode", "writable": true, "value": "seeded"}
]}"#,
    );
    let (mut b, report) = Builtin::open(d.config(&seed));
    let messages: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        [
            "1 store parameters under Device.ManagementServer. ignored (cwmpd serves them itself)",
            "store entry Device.DeviceInfo.SerialNumber ignored: it is built in",
        ]
    );
    assert_eq!(names(&mut b, "Device.ManagementServer.", true), Err(NAME));
    assert_eq!(value(&mut b, "Device.DeviceInfo.SerialNumber"), "VEC0001");
    assert_eq!(
        value(&mut b, "Device.DeviceInfo.ProvisioningCode"),
        "seeded"
    );
}

#[test]
fn uptime_is_read_at_each_request() {
    let (d, mut b) = rules();
    assert_eq!(
        values(&mut b, "Device.DeviceInfo.UpTime").unwrap(),
        [(
            "Device.DeviceInfo.UpTime".into(),
            "4242".into(),
            ValueType::UnsignedInt
        )]
    );
    fs::write(d.path("uptime"), "4300.00 1.00\n").unwrap();
    assert_eq!(value(&mut b, "Device.DeviceInfo.UpTime"), "4300");
    fs::remove_file(d.path("uptime")).unwrap();
    assert_eq!(
        values(&mut b, "Device.DeviceInfo.UpTime"),
        Err(FaultCode::INTERNAL_ERROR)
    );
}

#[test]
fn the_state_file_is_private_to_the_daemon() {
    let (d, mut b) = rules();
    spv(&mut b, &[("Device.X_Test.Mode", "B", ValueType::String)]).unwrap();
    let mode = fs::metadata(d.state()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
