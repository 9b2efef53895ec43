//! The shipped software-module helper `daemon/openwrt/cwmpd-du`, run for real against a
//! stand-in `opkg` (a shell script keeping an opkg status file, put first on `PATH`) and real
//! `.ipk` files built with tar: every verb and every exit status of its contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TestDir;

const HELPER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openwrt/cwmpd-du");

/// A stand-in for opkg: `status`, `install` (of an .ipk: gzip'd tar with ./control.tar.gz),
/// `remove` and `compare-versions`, on `$CWMPD_DU_ROOT/usr/lib/opkg/status`. `$FAKE_NO_SPACE`
/// makes install fail as opkg does on a full overlay; a package listed in `$ROOT/needed` is
/// depended upon.
const FAKE_OPKG: &str = r#"#!/bin/sh
status="$CWMPD_DU_ROOT/usr/lib/opkg/status"
record() { awk -v n="$1" 'BEGIN { RS = ""; ORS = "\n\n" } $0 ~ "^Package: " n "\n" { print }' "$status"; }
drop() { awk -v n="$1" 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ "^Package: " n "\n" { print }' "$status" > "$status.new"; mv "$status.new" "$status"; }
case "$1" in
status) record "$2" ;;
install)
	case "$2" in *.ipk) ;; *) echo "Unknown package '$2'." >&2; exit 255 ;; esac
	if [ -n "${FAKE_NO_SPACE:-}" ]; then
		echo " * verify_pkg_installable: Only have 12kb available on filesystem /overlay, pkg x needs 400" >&2
		exit 255
	fi
	d=$(mktemp -d)
	tar -xzOf "$2" ./control.tar.gz | tar -xzOf - ./control > "$d/control" || exit 255
	name=$(sed -n 's/^Package: //p' "$d/control")
	version=$(sed -n 's/^Version: //p' "$d/control")
	rm -rf "$d"
	drop "$name"
	printf 'Package: %s\nVersion: %s\nStatus: install user installed\nArchitecture: x86_64\n\n' "$name" "$version" >> "$status"
	echo "Installing $name ($version) to root..."
	;;
remove)
	if grep -qx "$2" "$CWMPD_DU_ROOT/needed" 2>/dev/null; then
		echo "Package $2 is depended upon by packages:" >&2
		echo "	luci" >&2
		exit 0
	fi
	drop "$2"
	;;
compare-versions)
	[ "$2" != "$4" ] && [ "$(printf '%s\n%s\n' "$2" "$4" | sort -V | head -n 1)" = "$2" ]
	;;
*) echo "fake opkg: $*" >&2; exit 1 ;;
esac
"#;

struct Device {
    dir: TestDir,
}

impl Device {
    /// An empty device: no package installed, no ROM database.
    fn new(tag: &str) -> Device {
        let dir = TestDir::new(tag);
        std::fs::create_dir_all(dir.join("root/usr/lib/opkg")).unwrap();
        std::fs::write(dir.join("root/usr/lib/opkg/status"), "").unwrap();
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let opkg = dir.join("bin/opkg");
        std::fs::write(&opkg, FAKE_OPKG).unwrap();
        chmod_x(&opkg);
        Device { dir }
    }

    fn helper(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("/bin/sh");
        // As cwmpd runs its default du_command.
        c.arg("-c")
            .arg(format!("{HELPER} \"$@\""))
            .arg("cwmpd")
            .args(args)
            .env("PATH", path)
            .env("CWMPD_DU_ROOT", self.dir.join("root"))
            .env("TMPDIR", self.dir.path());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.helper(args, &[]);
        assert!(
            out.status.success(),
            "{args:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The exit status and the first line of standard error.
    fn fails(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let out = self.helper(args, env);
        let first = String::from_utf8_lossy(&out.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        (out.status.code().unwrap_or(-1), first)
    }

    /// A real .ipk of `name` `version` (name `file`, which need not end in .ipk).
    fn ipk(&self, name: &str, version: &str, file: &str) -> PathBuf {
        let d = self.dir.join(&format!("build-{name}-{version}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("control"),
            format!(
                "Package: {name}\nVersion: {version}\nDepends: libc\nArchitecture: x86_64\n\
                 Description: A tool for\n tests, on two lines\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("debian-binary"), "2.0\n").unwrap();
        run(&d, "tar", &["-czf", "control.tar.gz", "./control"]);
        run(&d, "tar", &["-czf", "data.tar.gz", "./debian-binary"]);
        let out = self.dir.join(file);
        run(
            &d,
            "tar",
            &[
                "-czf",
                out.to_str().unwrap(),
                "./debian-binary",
                "./data.tar.gz",
                "./control.tar.gz",
            ],
        );
        out
    }

    fn status(&self) -> String {
        std::fs::read_to_string(self.dir.join("root/usr/lib/opkg/status")).unwrap()
    }
}

fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn run(dir: &Path, cmd: &str, args: &[&str]) {
    let st = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success(), "{cmd} {args:?}");
}

#[test]
fn install_prints_the_installed_package_and_list_shows_it() {
    let d = Device::new("duh-install");
    let f = d.ipk("tcpdump", "4.99.4-1", "tcpdump_4.99.4-1_x86_64.ipk");
    let out = d.ok(&["install", f.to_str().unwrap()]);
    assert_eq!(
        out,
        "name=tcpdump\nversion=4.99.4-1\nvendor=\ndescription=A tool for tests, on two lines\n"
    );
    assert!(d.status().contains("Package: tcpdump\nVersion: 4.99.4-1"));
    assert_eq!(d.ok(&["list"]), "tcpdump\t4.99.4-1\n");
}

#[test]
fn a_file_without_the_ipk_extension_is_installed_too() {
    let d = Device::new("duh-ext");
    let f = d.ipk("tcpdump", "1", "du-3-0");
    assert!(
        d.ok(&["install", f.to_str().unwrap()])
            .starts_with("name=tcpdump\n")
    );
}

#[test]
fn install_refusals_have_their_exit_statuses() {
    let d = Device::new("duh-refuse");
    let f = d.ipk("tcpdump", "1", "t.ipk");
    d.ok(&["install", f.to_str().unwrap()]);
    let (code, msg) = d.fails(&["install", f.to_str().unwrap()], &[]);
    assert_eq!(code, 3, "{msg}");
    assert!(msg.contains("already installed"), "{msg}");

    let junk = d.dir.join("junk.ipk");
    std::fs::write(&junk, "not a package").unwrap();
    assert_eq!(d.fails(&["install", junk.to_str().unwrap()], &[]).0, 5);
    assert_eq!(d.fails(&["install", "/nonexistent/x.ipk"], &[]).0, 5);

    let g = d.ipk("iperf3", "3.17-1", "i.ipk");
    let (code, msg) = d.fails(&["install", g.to_str().unwrap()], &[("FAKE_NO_SPACE", "1")]);
    assert_eq!(code, 4, "{msg}");
    assert!(msg.contains("Only have 12kb available"), "{msg}");
}

#[test]
fn update_installs_a_newer_version_and_refuses_the_rest() {
    let d = Device::new("duh-update");
    let v1 = d.ipk("tcpdump", "1.0-1", "v1.ipk");
    let v2 = d.ipk("tcpdump", "1.1-1", "v2.ipk");
    let v0 = d.ipk("tcpdump", "0.9-1", "v0.ipk");
    let other = d.ipk("iperf3", "3", "o.ipk");
    let f = |p: &PathBuf| p.to_str().unwrap().to_owned();
    assert_eq!(
        d.fails(&["update", &f(&v2), "tcpdump"], &[]).0,
        8,
        "not installed"
    );
    d.ok(&["install", &f(&v1)]);
    assert_eq!(
        d.fails(&["update", &f(&v1), "tcpdump"], &[]).0,
        7,
        "same version"
    );
    assert_eq!(
        d.fails(&["update", &f(&v0), "tcpdump"], &[]).0,
        6,
        "downgrade"
    );
    assert_eq!(
        d.fails(&["update", &f(&other), "tcpdump"], &[]).0,
        5,
        "another package"
    );
    let out = d.ok(&["update", &f(&v2), "tcpdump"]);
    assert!(out.starts_with("name=tcpdump\nversion=1.1-1\n"), "{out}");
    assert_eq!(d.ok(&["list"]), "tcpdump\t1.1-1\n");
}

#[test]
fn uninstall_removes_and_refuses_what_is_missing_or_needed() {
    let d = Device::new("duh-remove");
    let a = d.ipk("tcpdump", "1", "a.ipk");
    let b = d.ipk("libpcap", "1", "b.ipk");
    d.ok(&["install", a.to_str().unwrap()]);
    d.ok(&["install", b.to_str().unwrap()]);
    std::fs::write(d.dir.join("root/needed"), "libpcap\n").unwrap();
    let (code, msg) = d.fails(&["uninstall", "libpcap"], &[]);
    assert_eq!(code, 9, "{msg}");
    assert!(msg.contains("depended upon"), "{msg}");
    assert_eq!(d.ok(&["uninstall", "tcpdump"]), "");
    assert_eq!(d.ok(&["list"]), "libpcap\t1\n");
    assert_eq!(d.fails(&["uninstall", "tcpdump"], &[]).0, 8);
}

#[test]
fn list_leaves_out_the_packages_of_the_firmware_image() {
    let d = Device::new("duh-rom");
    let status = "Package: busybox\nVersion: 1.36.1-1\nStatus: install user installed\n\n\
                  Package: libc\nVersion: 1.2.4-4\nStatus: install ok installed\n\n\
                  Package: tcpdump\nVersion: 4.99\nStatus: install user installed\n\n\
                  Package: half\nVersion: 1\nStatus: install user not-installed\n\n";
    std::fs::write(d.dir.join("root/usr/lib/opkg/status"), status).unwrap();
    // Without a ROM database: what was installed on request.
    assert_eq!(d.ok(&["list"]), "busybox\t1.36.1-1\ntcpdump\t4.99\n");
    // With one: what the image does not have.
    std::fs::create_dir_all(d.dir.join("root/rom/usr/lib/opkg")).unwrap();
    std::fs::write(
        d.dir.join("root/rom/usr/lib/opkg/status"),
        "Package: busybox\nVersion: 1.36.1-1\nStatus: install user installed\n\n\
         Package: libc\nVersion: 1.2.4-4\nStatus: install ok installed\n\n",
    )
    .unwrap();
    assert_eq!(d.ok(&["list"]), "tcpdump\t4.99\n");
}

#[test]
fn wrong_usage_is_a_generic_failure() {
    let d = Device::new("duh-usage");
    for args in [
        &[][..],
        &["frobnicate"],
        &["install"],
        &["update", "x"],
        &["list", "x"],
    ] {
        let (code, msg) = d.fails(args, &[]);
        assert_eq!(code, 2, "{args:?}: {msg}");
        assert!(msg.starts_with("cwmpd-du: usage"), "{msg}");
    }
}

#[test]
fn no_package_manager_is_a_generic_failure() {
    let has = |pm: &str| {
        Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("command -v {pm}"))
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has("opkg") || has("apk") {
        eprintln!("this host has a package manager; nothing to test");
        return;
    }
    let d = Device::new("duh-nopm");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{HELPER} \"$@\""))
        .arg("cwmpd")
        .arg("list")
        .env("TMPDIR", d.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no package manager"));
}
