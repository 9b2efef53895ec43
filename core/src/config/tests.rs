//! The typed configuration against real icwmp files, every option's accepted and refused
//! values with the exact message, and the warnings with their lines.

use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::*;
use crate::limits::{CONFIG_MAX_FILE_LEN, CONFIG_MAX_WARNINGS};
use crate::soap::{CwmpNs, CwmpVersion};
use crate::time::DateTime;

const FILE: &str = "/etc/config/cwmp";

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/uci")
            .join(name),
    )
    .unwrap()
}

fn ok(input: &[u8]) -> (Config, Vec<String>) {
    let leaked: &'static [u8] = Vec::leak(input.to_vec());
    match parse(FILE, leaked) {
        Ok(p) => (p.config, p.warnings.iter().map(|w| w.to_string()).collect()),
        Err(e) => panic!("{e}"),
    }
}

fn error(input: &str) -> String {
    match parse(FILE, input.as_bytes()) {
        Ok(_) => panic!("no error in {input:?}"),
        Err(e) => e.to_string(),
    }
}

/// A file with one option in a section named after its type, on line 2.
fn one(section: &str, option: &str, value: &str) -> String {
    format!("config {section} '{section}'\n\toption {option} {value}\n")
}

#[test]
fn icwmp_default_file_reads_with_the_expected_warnings() {
    let (c, warnings) = ok(&testdata("cwmp.default"));
    assert_eq!(c.acs.url.as_str(), "");
    assert_eq!(c.acs.userid.as_str(), "");
    assert_eq!(c.acs.passwd.as_str(), "iopsys");
    assert!(c.acs.periodic_inform_enable);
    assert_eq!(c.acs.periodic_inform_interval, 1800);
    assert_eq!(c.acs.periodic_inform_time, DateTime::UNKNOWN);
    assert_eq!(c.acs.ssl_capath.as_str(), "/etc/ssl/certs");
    assert_eq!(c.acs.compression, Compression::Disabled);
    assert_eq!(c.acs.retry_min_wait_interval, 5);
    assert_eq!(c.acs.retry_interval_multiplier, 2000);
    assert!(c.cpe.enable);
    assert_eq!(c.cpe.default_wan_interface.as_str(), "wan");
    assert!(!c.cpe.log_to_console);
    assert_eq!(c.cpe.log_severity, LogSeverity::Error);
    assert_eq!(c.cpe.passwd.as_str(), "iopsys");
    assert_eq!(c.cpe.port, 7547);
    assert_eq!(c.cpe.amd_version.get(), 5);
    assert_eq!(c.cpe.instance_mode, InstanceMode::InstanceNumber);
    assert_eq!(c.cpe.session_timeout, 300);
    assert!(c.cpe.periodic_notify_enable);
    assert_eq!(c.cpe.periodic_notify_interval, 10);
    assert_eq!(c.cwmpd, Cwmpd::default());
    let ignored = |line: u32, section: &str, option: &str| {
        format!(
            "{FILE}:{line}: option '{option}' of section '{section}' is an icwmp option cwmpd \
             does not use; ignored"
        )
    };
    assert_eq!(
        warnings,
        vec![
            format!(
                "{FILE}:7: option 'dhcp_discovery': ACS discovery through DHCP is not \
                 supported; the configured 'url' is used"
            ),
            ignored(15, "acs", "skip_dhcp_boot_options"),
            ignored(20, "cpe", "default_lan_interface"),
            ignored(22, "cpe", "log_to_file"),
            ignored(25, "cpe", "log_file_name"),
            ignored(26, "cpe", "log_max_size"),
            ignored(35, "cpe", "notification"),
            ignored(36, "cpe", "exec_download"),
            ignored(39, "cpe", "incoming_rule"),
            ignored(40, "cpe", "active_notif_throttle"),
            ignored(41, "cpe", "disable_gatewayinfo"),
            ignored(42, "cpe", "fw_upgrade_keep_settings"),
            format!(
                "{FILE}:44: section type 'lwn' is an icwmp feature cwmpd does not have; its \
                 options are ignored"
            ),
            format!(
                "{FILE}: no ACS URL (option 'url' of section 'acs'); cwmpd will not contact an ACS"
            ),
        ]
    );
}

#[test]
fn crlf_file_reads_like_the_lf_file() {
    assert_eq!(ok(&testdata("cwmp.crlf")), ok(&testdata("cwmp.default")));
}

#[test]
fn icwmp_2020_default_file_reads() {
    let (c, warnings) = ok(&testdata("cwmp.icwmp-2020"));
    assert_eq!(c.acs.userid.as_str(), "$OUI-$SER");
    assert_eq!(
        c.acs.periodic_inform_time.to_string(),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(c.cpe.interface.as_str(), "eth0.1");
    assert_eq!(c.cpe.ubus_socket.as_str(), "/var/run/ubus.sock");
    assert_eq!(c.cpe.log_severity, LogSeverity::Info);
    // `datamodel 'tr181'` of icwmp's cpe section is not cwmpd's `cwmpd.datamodel`.
    assert_eq!(c.cwmpd.datamodel, DataModelBackend::Builtin);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("option 'datamodel' of section 'cpe'"))
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("option 'ParameterKey' of section 'acs'"))
    );
    assert_eq!(warnings.len(), 13, "{warnings:#?}");
}

#[test]
fn empty_file_gives_the_defaults() {
    let (c, warnings) = ok(b"");
    assert_eq!(c, Config::default());
    assert_eq!(
        warnings,
        vec![format!(
            "{FILE}: no ACS URL (option 'url' of section 'acs'); cwmpd will not contact an ACS"
        )]
    );
}

#[test]
fn comments_and_blank_lines_only_give_the_defaults() {
    let (c, _) = ok(b"# cwmp\n\n   \n\t# nothing here\n");
    assert_eq!(c, Config::default());
}

#[test]
fn full_file_sets_every_option() {
    let (c, warnings) = ok(&testdata("cwmp.full"));
    let a = &c.acs;
    assert_eq!(a.url.as_str(), "https://acs.example.net:7548/cwmp");
    assert_eq!(a.userid.as_str(), "cpe-user");
    assert_eq!(a.passwd.as_str(), "acs secret");
    assert!(!a.periodic_inform_enable);
    assert_eq!(a.periodic_inform_interval, 3600);
    assert_eq!(a.periodic_inform_time.to_string(), "2024-01-01T00:00:00Z");
    assert_eq!(a.retry_min_wait_interval, 10);
    assert_eq!(a.retry_interval_multiplier, 3000);
    assert_eq!(a.ssl_capath.as_str(), "/etc/cwmpd/ca.pem");
    assert!(a.insecure_enable);
    assert!(!a.http_disable_100continue);
    assert!(!a.get_rpc_methods);
    assert!(a.heartbeat_enable);
    assert_eq!(a.heartbeat_interval, 120);
    assert_eq!(a.heartbeat_time.to_string(), "2023-11-14T22:13:20Z");
    assert_eq!(a.compression, Compression::Gzip);
    let p = &c.cpe;
    assert!(!p.enable);
    assert_eq!(p.userid.as_str(), "acs-user");
    assert_eq!(p.passwd.as_str(), "cr \"secret\"");
    assert_eq!(p.port, 30005);
    assert_eq!(p.path.as_str(), "/cwmp-cr");
    assert_eq!(p.cr_timeout, 10);
    assert_eq!(p.provisioning_code.as_str(), "ABC.DEF");
    assert_eq!(p.amd_version.get(), 4);
    assert_eq!(p.session_timeout, 120);
    assert_eq!(p.instance_mode, InstanceMode::InstanceAlias);
    assert!(!p.periodic_notify_enable);
    assert_eq!(p.periodic_notify_interval, 30);
    assert_eq!(p.log_severity, LogSeverity::Debug);
    assert!(!p.log_to_syslog);
    assert!(p.log_to_console);
    assert_eq!(p.manufacturer.as_str(), "Example Networks");
    assert_eq!(p.manufacturer_oui.as_str(), "00D0FF");
    assert_eq!(p.product_class.as_str(), "HGW");
    assert_eq!(p.serial_number.as_str(), "SN0001");
    assert_eq!(p.software_version.as_str(), "1.2.3");
    assert_eq!(p.hardware_version.as_str(), "rev-B");
    assert_eq!(p.model_name.as_str(), "HGW-1");
    assert_eq!(p.description.as_str(), "Home gateway, 2nd floor");
    assert_eq!(p.default_wan_interface.as_str(), "wan6");
    assert_eq!(p.interface.as_str(), "eth0.2");
    assert_eq!(p.ubus_socket.as_str(), "/var/run/ubus.sock");
    let d = &c.cwmpd;
    assert_eq!(d.datamodel, DataModelBackend::Bbfdm);
    assert_eq!(d.param_store.as_str(), "/overlay/cwmpd/params.json");
    assert_eq!(d.state_dir.as_str(), "/overlay/cwmpd");
    assert_eq!(d.reboot_command.as_str(), "/sbin/reboot -d 2");
    assert_eq!(d.factory_reset_command.as_str(), "jffs2reset -y -r");
    assert_eq!(d.firmware_apply_command.as_str(), "sysupgrade -n \"$1\"");
    assert_eq!(
        d.config_apply_command.as_str(),
        "sh /usr/libexec/apply-config \"$1\""
    );
    assert!(!d.software_modules);
    assert_eq!(d.du_command.as_str(), "/opt/bin/du-helper \"$@\"");
    assert_eq!(
        d.cr_rate_limit,
        RateLimit {
            requests: 10,
            seconds: 60
        }
    );
    assert_eq!(d.cwmp_namespace, CwmpNs::V1_0);
    assert_eq!(d.tx_buffer, 4096);
    assert_eq!(d.max_envelope, 262_144);
    assert_eq!(d.ssl_client_cert.as_str(), "/etc/cwmpd/client.pem");
    assert_eq!(d.ssl_client_key.as_str(), "/etc/cwmpd/client.key");
    assert_eq!(
        warnings,
        vec![
            format!(
                "{FILE}:18: option 'compression': HTTP compression is not supported; messages \
                 are sent uncompressed"
            ),
            format!(
                "{FILE}:31: option 'instance_mode': alias-based addressing is not supported; new \
                 instances are numbered"
            )
        ]
    );
}

#[test]
fn every_documented_default_is_the_config_default() {
    // cwmp.full sets each option away from its default; putting the documented defaults back
    // one by one must change each field and end at Config::default().
    let (mut c, _) = ok(&testdata("cwmp.full"));
    for o in options() {
        let before = c.clone();
        load::apply_default(&mut c, o).unwrap_or_else(|e| panic!("{}: {e}", o.name));
        if o.name != "dhcp_discovery" {
            assert_ne!(
                before, c,
                "{}.{} is not set by cwmp.full",
                o.section, o.name
            );
        }
    }
    assert_eq!(c, Config::default());
}

#[test]
fn empty_value_resets_the_option_to_its_default() {
    let input = "config cpe cpe\n\toption port '8080'\n\toption port ''\n";
    let (c, warnings) = ok(input.as_bytes());
    assert_eq!(c.cpe.port, 7547);
    assert_eq!(
        warnings[0],
        format!("{FILE}:3: option 'port' is set again (first at line 2); the last value wins")
    );
    let (c, _) = ok(b"config acs acs\n\toption ssl_capath\n");
    assert_eq!(c.acs.ssl_capath.as_str(), "/etc/ssl/certs");
}

#[test]
fn duplicate_option_last_wins_with_a_warning() {
    let (c, warnings) =
        ok(b"config acs acs\n\toption url 'http://a/'\n\n\toption url 'http://b/'\n");
    assert_eq!(c.acs.url.as_str(), "http://b/");
    assert_eq!(
        warnings,
        vec![format!(
            "{FILE}:4: option 'url' is set again (first at line 2); the last value wins"
        )]
    );
}

#[test]
fn unknown_sections_and_options_warn_with_their_lines() {
    let input = "config acs 'acs'\n\
                 \toption url 'http://acs/'\n\
                 \toption colour 'blue'\n\
                 config mystery 'm'\n\
                 \toption anything 'x'\n\
                 config cpe\n\
                 \toption port 'x_not_checked' # no: checked, see below\n";
    // The unknown option and section do not stop the file; the bad port does.
    assert_eq!(
        error(input),
        format!("{FILE}:7: option 'port': \"x_not_checked\" is not a port (1..65535)")
    );
    let input = "config acs 'acs'\n\
                 \toption url 'http://acs/'\n\
                 \toption colour 'blue'\n\
                 config mystery 'm'\n\
                 \toption anything 'x'\n\
                 config cpe\n\
                 \tlist extra 'y'\n\
                 \toption port '8000'\n";
    let (c, warnings) = ok(input.as_bytes());
    assert_eq!(c.cpe.port, 8000);
    assert_eq!(
        warnings,
        vec![
            format!("{FILE}:3: option 'colour' is unknown in section 'acs' and is ignored"),
            format!("{FILE}:4: section type 'mystery' is unknown; its options are ignored"),
            format!("{FILE}:7: option 'extra' is unknown in section 'cpe' and is ignored"),
        ]
    );
}

#[test]
fn options_of_the_wrong_section_are_unknown() {
    let (c, warnings) = ok(b"config acs acs\n\toption port '8000'\n");
    assert_eq!(c.cpe.port, 7547);
    assert_eq!(
        warnings[0],
        format!("{FILE}:2: option 'port' is unknown in section 'acs' and is ignored")
    );
}

#[test]
fn list_for_a_single_valued_option_is_an_error() {
    assert_eq!(
        error("config acs acs\n\tlist url 'http://acs/'\n"),
        format!("{FILE}:2: option 'url' is written with 'list'; it takes a single value")
    );
}

#[test]
fn repeated_section_types_merge_with_a_warning() {
    let input = "config acs 'acs'\n\toption url 'http://a/'\nconfig acs\n\toption userid 'u'\n";
    let (c, warnings) = ok(input.as_bytes());
    assert_eq!(c.acs.url.as_str(), "http://a/");
    assert_eq!(c.acs.userid.as_str(), "u");
    assert_eq!(
        warnings,
        vec![format!(
            "{FILE}:3: another 'acs' section (the first is at line 1); their options are \
             merged, later ones win"
        )]
    );
}

#[test]
fn sections_are_matched_by_type_not_name() {
    let (c, warnings) = ok(b"config acs 'server'\n\toption url 'http://a/'\n");
    assert_eq!(c.acs.url.as_str(), "http://a/");
    assert!(warnings.is_empty());
}

#[test]
fn icwmp_old_layout_is_read_by_section_name() {
    let input = "config cwmp 'acs'\n\toption url 'http://a/'\nconfig cwmp 'cpe'\n\toption port 1\n";
    let (c, warnings) = ok(input.as_bytes());
    assert_eq!(c.acs.url.as_str(), "http://a/");
    assert_eq!(c.cpe.port, 1);
    assert_eq!(
        warnings,
        vec![
            format!(
                "{FILE}:1: section 'cwmp' 'acs' is icwmp's old layout; read as a section of \
                 type 'acs'"
            ),
            format!(
                "{FILE}:3: section 'cwmp' 'cpe' is icwmp's old layout; read as a section of \
                 type 'cpe'"
            ),
        ]
    );
    let (_, warnings) = ok(b"config cwmp 'other'\n\toption url 'http://a/'\n");
    assert_eq!(
        warnings[0],
        format!("{FILE}:1: section type 'cwmp' is unknown; its options are ignored")
    );
}

#[test]
fn package_statement_is_ignored_with_a_warning() {
    let (c, warnings) = ok(b"package cwmp\nconfig cpe cpe\n\toption port 1\n");
    assert_eq!(c.cpe.port, 1);
    assert_eq!(
        warnings[0],
        format!(
            "{FILE}:1: 'package cwmp' ignored; the whole file is read as the cwmp configuration"
        )
    );
}

#[test]
fn unsupported_features_are_accepted_with_a_warning() {
    let (c, warnings) = ok(
        b"config acs acs\n\toption url 'http://a/'\n\toption dhcp_discovery '1'\n\toption compression 'deflate'\n",
    );
    assert_eq!(c.acs.compression, Compression::Deflate);
    assert_eq!(
        warnings,
        vec![
            format!(
                "{FILE}:3: option 'dhcp_discovery': ACS discovery through DHCP is not \
                 supported; the configured 'url' is used"
            ),
            format!(
                "{FILE}:4: option 'compression': HTTP compression is not supported; messages \
                 are sent uncompressed"
            ),
        ]
    );
    let (_, warnings) =
        ok(b"config acs acs\n\toption url 'http://a/'\n\toption dhcp_discovery 'disable'\n");
    assert!(warnings.is_empty());
}

#[test]
fn disabled_agent_needs_no_acs_url() {
    let (c, warnings) = ok(b"config cpe cpe\n\toption enable 0\n");
    assert!(!c.cpe.enable);
    assert!(warnings.is_empty());
}

#[test]
fn quoting_forms_all_reach_the_typed_value() {
    for value in [
        "http://acs:7547/",
        "'http://acs:7547/'",
        "\"http://acs:7547/\"",
        "'http://acs'\":7547/\"",
        "http\\://acs:7547/",
    ] {
        let (c, _) = ok(one("acs", "url", value).as_bytes());
        assert_eq!(c.acs.url.as_str(), "http://acs:7547/", "{value}");
    }
    let (c, _) = ok(one("acs", "passwd", "'it'\\''s'").as_bytes());
    assert_eq!(c.acs.passwd.as_str(), "it's");
}

#[test]
fn every_option_refuses_bad_values_with_the_exact_message() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "acs",
            "url",
            "'acs.example.com'",
            "\"acs.example.com\" is not an http:// or https:// URL with a host",
        ),
        (
            "acs",
            "url",
            "'ftp://acs/'",
            "\"ftp://acs/\" is not an http:// or https:// URL with a host",
        ),
        (
            "acs",
            "userid",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "acs",
            "passwd",
            "\"\\\t\"",
            "\"\\t\" contains a control character",
        ),
        (
            "acs",
            "periodic_inform_enable",
            "maybe",
            "\"maybe\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "acs",
            "periodic_inform_interval",
            "0",
            "\"0\" is not an integer of at least 1",
        ),
        (
            "acs",
            "periodic_inform_interval",
            "4294967296",
            "\"4294967296\" is not an integer of at least 1",
        ),
        (
            "acs",
            "periodic_inform_time",
            "tomorrow",
            "\"tomorrow\" is not an xsd:dateTime (like 2024-01-31T00:00:00Z) or a number of Unix seconds",
        ),
        (
            "acs",
            "retry_min_wait_interval",
            "0",
            "\"0\" is not an integer in 1..65535",
        ),
        (
            "acs",
            "retry_min_wait_interval",
            "65536",
            "\"65536\" is not an integer in 1..65535",
        ),
        (
            "acs",
            "retry_interval_multiplier",
            "999",
            "\"999\" is not an integer in 1000..65535",
        ),
        (
            "acs",
            "retry_interval_multiplier",
            "65536",
            "\"65536\" is not an integer in 1000..65535",
        ),
        (
            "acs",
            "ssl_capath",
            "certs",
            "\"certs\" is not an absolute path",
        ),
        (
            "acs",
            "insecure_enable",
            "2",
            "\"2\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "acs",
            "http_disable_100continue",
            "y",
            "\"y\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "acs",
            "get_rpc_methods",
            "always",
            "\"always\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "acs",
            "heartbeat_enable",
            "-1",
            "\"-1\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "acs",
            "heartbeat_interval",
            "29",
            "\"29\" is not an integer of at least 30",
        ),
        (
            "acs",
            "heartbeat_time",
            "2024-02-30T00:00:00Z",
            "\"2024-02-30T00:00:00Z\" is not an xsd:dateTime (like 2024-01-31T00:00:00Z) or a number of Unix seconds",
        ),
        (
            "acs",
            "compression",
            "1",
            "\"1\" is not one of GZIP, Deflate, Disabled",
        ),
        (
            "acs",
            "dhcp_discovery",
            "auto",
            "\"auto\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cpe",
            "enable",
            "disabledd",
            "\"disabledd\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cpe",
            "userid",
            "'\u{7f}'",
            "\"\\u{7f}\" contains a control character",
        ),
        (
            "cpe",
            "passwd",
            "'a\rb'",
            "\"a\\rb\" contains a control character",
        ),
        ("cpe", "port", "70000", "\"70000\" is not a port (1..65535)"),
        ("cpe", "port", "0", "\"0\" is not a port (1..65535)"),
        (
            "cpe",
            "port",
            "'7547 '",
            "\"7547 \" is not a port (1..65535)",
        ),
        (
            "cpe",
            "path",
            "'/a b'",
            "\"/a b\" contains white space or a control character",
        ),
        (
            "cpe",
            "cr_timeout",
            "0",
            "\"0\" is not an integer of at least 1",
        ),
        (
            "cpe",
            "provisioning_code",
            "'x\ty'",
            "\"x\\ty\" contains a control character",
        ),
        ("cpe", "amd_version", "7", "\"7\" is not an integer in 1..6"),
        ("cpe", "amd_version", "0", "\"0\" is not an integer in 1..6"),
        (
            "cpe",
            "session_timeout",
            "0",
            "\"0\" is not an integer of at least 1",
        ),
        (
            "cpe",
            "instance_mode",
            "InstanceName",
            "\"InstanceName\" is not one of InstanceNumber, InstanceAlias",
        ),
        (
            "cpe",
            "periodic_notify_enable",
            "ja",
            "\"ja\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cpe",
            "periodic_notify_interval",
            "0",
            "\"0\" is not an integer of at least 1",
        ),
        (
            "cpe",
            "log_severity",
            "VERBOSE",
            "\"VERBOSE\" is not one of EMERG, ALERT, CRITIC, ERROR, WARNING, NOTICE, INFO, DEBUG",
        ),
        (
            "cpe",
            "log_to_syslog",
            "syslog",
            "\"syslog\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cpe",
            "log_to_console",
            "stdout",
            "\"stdout\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cpe",
            "manufacturer",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "manufacturer_oui",
            "00D09",
            "\"00D09\" is not an OUI (6 hexadecimal digits)",
        ),
        (
            "cpe",
            "manufacturer_oui",
            "'00:D0:9E'",
            "\"00:D0:9E\" is not an OUI (6 hexadecimal digits)",
        ),
        (
            "cpe",
            "product_class",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "serial_number",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "software_version",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "hardware_version",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "model_name",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "description",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cpe",
            "default_wan_interface",
            "'wan 2'",
            "\"wan 2\" contains white space or a control character",
        ),
        (
            "cpe",
            "interface",
            "'eth0 '",
            "\"eth0 \" contains white space or a control character",
        ),
        (
            "cpe",
            "ubus_socket",
            "ubus.sock",
            "\"ubus.sock\" is not an absolute path",
        ),
        (
            "cwmpd",
            "datamodel",
            "tr181",
            "\"tr181\" is not one of builtin, bbfdm",
        ),
        (
            "cwmpd",
            "param_store",
            "params.json",
            "\"params.json\" is not an absolute path",
        ),
        (
            "cwmpd",
            "ssl_client_cert",
            "client.pem",
            "\"client.pem\" is not an absolute path",
        ),
        (
            "cwmpd",
            "ssl_client_key",
            "/etc/key\u{1}",
            "\"/etc/key\\u{1}\" contains a control character",
        ),
        (
            "cwmpd",
            "state_dir",
            "'./state'",
            "\"./state\" is not an absolute path",
        ),
        (
            "cwmpd",
            "reboot_command",
            "'reboot\nnow'",
            "\"reboot\\nnow\" contains a control character",
        ),
        (
            "cwmpd",
            "factory_reset_command",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cwmpd",
            "firmware_apply_command",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cwmpd",
            "config_apply_command",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cwmpd",
            "du_command",
            "'a\nb'",
            "\"a\\nb\" contains a control character",
        ),
        (
            "cwmpd",
            "software_modules",
            "maybe",
            "\"maybe\" is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
        ),
        (
            "cwmpd",
            "cr_rate_limit",
            "50",
            "\"50\" is not a rate REQUESTS/SECONDS with both at least 1 (like 50/5)",
        ),
        (
            "cwmpd",
            "cr_rate_limit",
            "0/5",
            "\"0/5\" is not a rate REQUESTS/SECONDS with both at least 1 (like 50/5)",
        ),
        (
            "cwmpd",
            "cwmp_namespace",
            "cwmp-1-5",
            "\"cwmp-1-5\" is not one of cwmp-1-0, cwmp-1-1, cwmp-1-2, cwmp-1-3, cwmp-1-4",
        ),
        (
            "cwmpd",
            "tx_buffer",
            "1023",
            "\"1023\" is not an integer in 1024..1048576",
        ),
        (
            "cwmpd",
            "tx_buffer",
            "1048577",
            "\"1048577\" is not an integer in 1024..1048576",
        ),
        (
            "cwmpd",
            "max_envelope",
            "4095",
            "\"4095\" is not an integer in 4096..4194304",
        ),
        (
            "cwmpd",
            "max_envelope",
            "4194305",
            "\"4194305\" is not an integer in 4096..4194304",
        ),
    ];
    for (section, option, value, message) in cases {
        assert_eq!(
            error(&one(section, option, value)),
            format!("{FILE}:2: option '{option}': {message}"),
            "{section}.{option} = {value}"
        );
    }
    // Every option has a refused value above.
    for o in options() {
        assert!(
            cases
                .iter()
                .any(|(s, n, _, _)| *s == o.section && *n == o.name),
            "{}.{} has no refused value",
            o.section,
            o.name
        );
    }
}

#[test]
fn accepted_spellings_of_enumerations() {
    let (c, _) = ok(one("cpe", "log_severity", "warn").as_bytes());
    assert_eq!(c.cpe.log_severity, LogSeverity::Warning);
    let (c, _) = ok(one("cpe", "log_severity", "CRIT").as_bytes());
    assert_eq!(c.cpe.log_severity, LogSeverity::Critic);
    let (c, _) = ok(one("cpe", "instance_mode", "instancealias").as_bytes());
    assert_eq!(c.cpe.instance_mode, InstanceMode::InstanceAlias);
    let (c, _) = ok(one("acs", "compression", "none").as_bytes());
    assert_eq!(c.acs.compression, Compression::Disabled);
    let (c, _) = ok(one("cwmpd", "cwmp_namespace", "urn:dslforum-org:cwmp-1-3").as_bytes());
    assert_eq!(c.cwmpd.cwmp_namespace, CwmpNs::V1_3);
}

#[test]
fn too_long_values_are_refused_without_being_shown() {
    let secret = "s".repeat(129);
    assert_eq!(
        error(&one("acs", "passwd", &secret)),
        format!("{FILE}:2: option 'passwd': value is longer than 128 bytes")
    );
    assert!(
        ok(one("acs", "passwd", &"s".repeat(128)).as_bytes())
            .0
            .acs
            .passwd
            .len()
            == 128
    );
    assert_eq!(
        error(&one("cpe", "path", &"p".repeat(65))),
        format!("{FILE}:2: option 'path': value is longer than 64 bytes")
    );
    assert_eq!(
        error(&one("cpe", "manufacturer_oui", &"0".repeat(70))),
        format!(
            "{FILE}:2: option 'manufacturer_oui': \"{}...\" is not an OUI (6 hexadecimal digits)",
            "0".repeat(64)
        )
    );
    assert_eq!(
        error(&one("cpe", "serial_number", &"9".repeat(65))),
        format!("{FILE}:2: option 'serial_number': value is longer than 64 bytes")
    );
}

#[test]
fn path_gets_its_leading_slash() {
    let (c, _) = ok(one("cpe", "path", "cr").as_bytes());
    assert_eq!(c.cpe.path.as_str(), "/cr");
}

#[test]
fn amendment_versions_map_to_cwmp_versions() {
    let expected = [
        (1, CwmpVersion::V1_0),
        (2, CwmpVersion::V1_1),
        (3, CwmpVersion::V1_2),
        (4, CwmpVersion::V1_3),
        (5, CwmpVersion::V1_4),
        (6, CwmpVersion::V1_4),
    ];
    for (amd, version) in expected {
        let (c, _) = ok(one("cpe", "amd_version", &amd.to_string()).as_bytes());
        assert_eq!(c.cpe.amd_version.cwmp_version(), version, "amd {amd}");
    }
    assert_eq!(AmdVersion::new(0), None);
    assert_eq!(AmdVersion::new(7), None);
}

#[test]
fn syntax_errors_name_file_and_line() {
    assert_eq!(
        error("config acs 'acs'\n\toption url 'http://acs/\n"),
        format!("{FILE}:2: unterminated ' quote at the end of the file")
    );
    assert_eq!(
        error("config acs 'acs'\n\toption url http://acs/ extra\n"),
        format!("{FILE}:2: too many arguments")
    );
    let big = "#".repeat(CONFIG_MAX_FILE_LEN + 1);
    assert_eq!(
        error(&big),
        format!("{FILE}:1: file is longer than {CONFIG_MAX_FILE_LEN} bytes")
    );
}

#[test]
fn warnings_beyond_the_limit_are_counted() {
    let mut input = String::from("config acs acs\n\toption url 'http://acs/'\n");
    for i in 0..CONFIG_MAX_WARNINGS + 8 {
        input.push_str(&format!("\toption unknown_{i} x\n"));
    }
    let parsed = parse(FILE, input.as_bytes()).unwrap();
    assert_eq!(parsed.warnings.len(), CONFIG_MAX_WARNINGS);
    assert_eq!(parsed.warnings.dropped(), 8);
    assert_eq!(parsed.warnings.iter().next().unwrap().line, Some(3));
}

#[test]
fn readme_documents_every_option_with_its_default() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme
        .find("## Configuration (`/etc/config/cwmp`)")
        .expect("README has no configuration section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    for o in options() {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` | `{}` |", o.section, o.name)))
            .unwrap_or_else(|| panic!("README lacks a row for {}.{}", o.section, o.name));
        let default = if o.default.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{}`", o.default)
        };
        assert!(
            row.contains(&default),
            "README row of {}.{} does not give the default {default}",
            o.section,
            o.name
        );
    }
}
