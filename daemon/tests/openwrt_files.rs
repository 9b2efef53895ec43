//! The OpenWrt package files in `daemon/openwrt/`: the default UCI file is one cwmpd reads
//! without a complaint and documents every option with its default, and the package Makefile,
//! the procd init script and the daemon agree on every path and name they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use cwmp_core::config::uci::{ItemKind, Parser};
use cwmp_core::config::{Config, options, parse};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openwrt");

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(DIR).join(name)).unwrap()
}

/// `(source, destination)` of every `$(INSTALL_BIN|CONF|DATA) SRC $(1)/DST` line, destination
/// without the `$(1)`.
fn installs(makefile: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in makefile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [macro_, src, dst] = words[..]
            && ["$(INSTALL_BIN)", "$(INSTALL_CONF)", "$(INSTALL_DATA)"].contains(&macro_)
        {
            let dst = dst.strip_prefix("$(1)").expect("installs under $(1)");
            assert!(
                out.insert(dst.to_owned(), src.to_owned()).is_none(),
                "{dst} installed twice"
            );
        }
    }
    out
}

/// The value of the first `NAME=value` (or `NAME:=value`) assignment at the start of a line.
fn assignment<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(name)
                .and_then(|r| r.strip_prefix(":=").or_else(|| r.strip_prefix('=')))
        })
        .unwrap_or_else(|| panic!("no assignment of {name}"))
        .trim()
}

/// The words of `line` after the first `skip`, quotes removed and `$NAME` variables replaced
/// by their value in `script`.
fn words(script: &str, line: &str, skip: usize) -> Vec<String> {
    line.split_whitespace()
        .skip(skip)
        .map(|w| {
            let w = w.trim_matches(['"', '\'']);
            match w.strip_prefix('$') {
                Some(var) => assignment(script, var).to_owned(),
                None => w.to_owned(),
            }
        })
        .collect()
}

/// The arguments of the first line that calls `function`.
fn call_args(script: &str, function: &str) -> Vec<String> {
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| l.split_whitespace().next() == Some(function))
        .unwrap_or_else(|| panic!("{function} is never called"));
    words(script, line, 1)
}

/// The values of `procd_set_param PARAM ...`.
fn procd_param(script: &str, param: &str) -> Vec<String> {
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| l.split_whitespace().take(2).eq(["procd_set_param", param]))
        .unwrap_or_else(|| panic!("no procd_set_param {param}"));
    words(script, line, 2)
}

#[test]
fn default_uci_file_parses_without_error_or_warning() {
    let text = read("cwmp.uci");
    let parsed = parse("/etc/config/cwmp", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = parsed.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert!(parsed.warnings.is_empty());
}

#[test]
fn default_uci_file_has_cwmpd_defaults_except_the_acs_url() {
    let text = read("cwmp.uci");
    let parsed = parse("/etc/config/cwmp", text.as_bytes()).unwrap();
    let mut expected = Config::default();
    expected.acs.url = parsed.config.acs.url.clone();
    assert_eq!(parsed.config, expected);
    // The placeholder is in the reserved .invalid domain (RFC 2606): it never reaches a host.
    let url = parsed.config.acs.url.as_str();
    assert!(url.starts_with("http://acs.invalid:"), "{url}");
}

#[test]
fn default_uci_file_lists_every_option_in_its_section_with_its_default() {
    let text = read("cwmp.uci");
    let mut section = String::new();
    let mut written = BTreeMap::new();
    for item in Parser::new(text.as_bytes()) {
        match item.unwrap().kind {
            ItemKind::Section { section_type, .. } => section = section_type.to_string(),
            ItemKind::Option { name, value } => {
                written.insert((section.clone(), name.to_string()), value.to_string());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    for option in options() {
        let key = (option.section.to_owned(), option.name.to_owned());
        let value = written
            .remove(&key)
            .unwrap_or_else(|| panic!("option {}.{} is missing", option.section, option.name));
        if (option.section, option.name) != ("acs", "url") {
            assert_eq!(value, option.default, "{}.{}", option.section, option.name);
        }
    }
    assert!(
        written.is_empty(),
        "options cwmpd does not read: {written:?}"
    );
}

#[test]
fn init_script_runs_the_binary_the_package_installs() {
    let init = read("cwmpd.init");
    let files = installs(&read("Makefile"));
    let command = procd_param(&init, "command");
    assert_eq!(command, ["/usr/sbin/cwmpd"]);
    assert_eq!(files["/usr/sbin/cwmpd"], "$(PKG_INSTALL_DIR)/bin/cwmpd");
    // `cargo install` names the binary after the daemon crate the Makefile builds.
    let makefile = read("Makefile");
    assert!(makefile.contains("Build/Compile=$(call Build/Compile/Cargo,daemon,"));
    assert_eq!(env!("CARGO_PKG_NAME"), "cwmpd");
    assert!(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../daemon/Cargo.toml")).is_file());
}

#[test]
fn init_script_watches_and_reloads_the_installed_configuration() {
    let init = read("cwmpd.init");
    let makefile = read("Makefile");
    let files = installs(&makefile);
    assert_eq!(files["/etc/config/cwmp"], "./cwmp.uci");
    assert_eq!(procd_param(&init, "file"), ["/etc/config/cwmp"]);
    // Reload triggers and config_load name the UCI package: the file's name.
    assert_eq!(call_args(&init, "procd_add_reload_trigger"), ["cwmp"]);
    assert_eq!(call_args(&init, "config_load"), ["cwmp"]);
    // opkg keeps a locally modified /etc/config/cwmp.
    let conffiles = makefile
        .split("define Package/cwmpd/conffiles")
        .nth(1)
        .and_then(|rest| rest.split("endef").next())
        .unwrap();
    assert_eq!(conffiles.trim(), "/etc/config/cwmp");
}

#[test]
fn signals_go_to_the_service_named_after_the_installed_init_script() {
    let init = read("cwmpd.init");
    let files = installs(&read("Makefile"));
    assert_eq!(files["/etc/init.d/cwmpd"], "./cwmpd.init");
    // procd names a service after its init script.
    assert_eq!(call_args(&init, "procd_send_signal"), ["cwmpd", "*", "HUP"]);
    assert_eq!(procd_param(&init, "reload_signal"), ["HUP"]);
    assert!(init.contains("procd_running cwmpd"));
    assert_eq!(assignment(&init, "USE_PROCD"), "1");
    assert!(init.starts_with("#!/bin/sh /etc/rc.common\n"));
}

#[test]
fn package_files_come_from_this_directory() {
    let files = installs(&read("Makefile"));
    assert_eq!(
        files.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "/etc/config/cwmp",
            "/etc/init.d/cwmpd",
            "/usr/libexec/cwmpd-du",
            "/usr/sbin/cwmpd",
            "/usr/share/cwmpd/params.json",
        ]
    );
    assert_eq!(files["/usr/share/cwmpd/params.json"], "./cwmpd-params.json");
    for src in files.values().filter_map(|s| s.strip_prefix("./")) {
        // The parameter seed is written by the data-model work; the others are here.
        if src != "cwmpd-params.json" {
            assert!(Path::new(DIR).join(src).is_file(), "{src}");
        }
    }
}

#[test]
fn the_du_helper_is_installed_where_du_command_points_by_default() {
    let files = installs(&read("Makefile"));
    let command = Config::default().cwmpd.du_command;
    // The command passes the verb and its arguments on.
    assert_eq!(
        command.split_once(' '),
        Some(("/usr/libexec/cwmpd-du", "\"$@\""))
    );
    assert_eq!(files["/usr/libexec/cwmpd-du"], "./cwmpd-du");
    let mode = std::fs::metadata(Path::new(DIR).join("cwmpd-du"))
        .unwrap()
        .permissions();
    use std::os::unix::fs::PermissionsExt;
    assert_ne!(
        mode.mode() & 0o111,
        0,
        "cwmpd-du is executable in the tree too"
    );
    let text = read("cwmpd-du");
    assert!(text.starts_with("#!/bin/sh\n"));
    for verb in ["install FILE", "update FILE NAME", "uninstall NAME", "list"] {
        assert!(text.contains(verb), "the contract documents {verb}");
    }
}

#[test]
fn du_helper_is_valid_shell() {
    let out = Command::new("sh")
        .arg("-n")
        .arg(Path::new(DIR).join("cwmpd-du"))
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sysupgrade_keeps_the_default_state_directory() {
    let makefile = read("Makefile");
    let state_dir = Config::default().cwmpd.state_dir;
    let line = format!("echo \"{state_dir}/\" > $(1)/lib/upgrade/keep.d/cwmpd");
    assert!(makefile.lines().any(|l| l.trim() == line), "{line}");
}

#[test]
fn package_version_is_the_crate_version() {
    assert_eq!(
        assignment(&read("Makefile"), "PKG_VERSION"),
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn both_variants_replace_icwmp_without_cyclic_conflicts() {
    let makefile = read("Makefile");
    let block = |name: &str| {
        makefile
            .split(&format!("define Package/{name}\n"))
            .nth(1)
            .and_then(|rest| rest.split("endef").next())
            .unwrap_or_else(|| panic!("no Package/{name}"))
            .to_owned()
    };
    let default = block("cwmpd/Default");
    assert!(default.contains("PROVIDES:=icwmp"));
    assert!(default.contains("CONFLICTS:=icwmp"));
    let tls = block("cwmpd");
    assert!(tls.contains("VARIANT:=tls") && tls.contains("DEFAULT_VARIANT:=1"));
    assert!(
        !tls.contains("CONFLICTS"),
        "the TLS variant must not conflict back"
    );
    let nossl = block("cwmpd-nossl");
    assert!(nossl.contains("VARIANT:=nossl") && nossl.contains("CONFLICTS+= cwmpd"));
    assert!(makefile.contains("ifeq ($(BUILD_VARIANT),tls)\n  RUST_PKG_FEATURES:=tls"));
}

#[test]
fn init_script_is_valid_shell() {
    let out = Command::new("sh")
        .arg("-n")
        .arg(Path::new(DIR).join("cwmpd.init"))
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the init script's `cwmpd_enabled` over a configuration given as `(type, name, enable)`
/// sections, with OpenWrt's `config_*` helpers replaced by minimal equivalents (the real ones
/// keep each option in `CONFIG_<section>_<option>`, as here).
fn enabled_with(sections: &[(&str, &str, Option<&str>)]) -> bool {
    let mut script = String::from(
        r#"
config_load() { :; }
config_get() {
    if [ $# -eq 2 ]; then eval "echo \"\${CONFIG_${1}_${2}}\""
    else eval "$1=\"\${CONFIG_${2}_${3}}\""; fi
}
config_foreach() {
    local s t
    for s in $CONFIG_SECTIONS; do
        eval "t=\"\${CONFIG_${s}_TYPE}\""
        [ "$t" = "$2" ] && "$1" "$s"
    done
    return 0
}
"#,
    );
    for (kind, name, enable) in sections {
        script.push_str(&format!(
            "CONFIG_SECTIONS=\"$CONFIG_SECTIONS {name}\"; CONFIG_{name}_TYPE='{kind}'\n"
        ));
        if let Some(value) = enable {
            script.push_str(&format!("CONFIG_{name}_enable='{value}'\n"));
        }
    }
    script.push_str(&format!(
        ". '{DIR}/cwmpd.init'\ncwmpd_enabled && exit 0 || exit 1\n"
    ));
    let status = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .status()
        .expect("sh runs");
    match status.code() {
        Some(0) => true,
        Some(1) => false,
        other => panic!("sh exited with {other:?}"),
    }
}

#[test]
fn init_script_starts_cwmpd_unless_cpe_enable_is_off() {
    assert!(enabled_with(&[]));
    assert!(enabled_with(&[("cpe", "cpe", None)]));
    assert!(enabled_with(&[("cpe", "cpe", Some("1"))]));
    for off in ["0", "no", "off", "false", "disabled", "Disable", "NO"] {
        assert!(!enabled_with(&[("cpe", "cpe", Some(off))]), "{off}");
    }
    // A value cwmpd cannot read starts it anyway: the daemon logs the error.
    assert!(enabled_with(&[("cpe", "cpe", Some("maybe"))]));
    // The last section that sets it wins, as in cwmpd.
    assert!(enabled_with(&[
        ("cpe", "cpe", Some("0")),
        ("cpe", "more", Some("1"))
    ]));
    assert!(!enabled_with(&[
        ("cpe", "cpe", Some("1")),
        ("cpe", "more", Some("0"))
    ]));
    // icwmp's old layout, read by name.
    assert!(!enabled_with(&[("cwmp", "cpe", Some("0"))]));
    // Sections of other types do not count.
    assert!(enabled_with(&[("acs", "acs", Some("0"))]));
}
