//! Release binary size of `cwmpd`: the host build (stable) and the router builds (nightly,
//! `-Zbuild-std`, cargo-zigbuild), with and without TLS, stripped and xz-compressed, and where
//! the bytes go (symbol sizes from `nm`, grouped by crate).
//!
//! Responsible for finding out which toolchain pieces are present (each missing piece skips
//! the builds that need it, with the reason), running the builds in their own target
//! directories under `target/report/`, and measuring the results. Not responsible for the
//! release profile (the workspace `Cargo.toml`) or for judging the sizes (see `budget`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// The router targets measured when the cross toolchain is present.
pub const CROSS_TARGETS: [&str; 3] = [
    "armv7-unknown-linux-musleabihf",
    "mipsel-unknown-linux-musl",
    "mips-unknown-linux-musl",
];

/// The router-like build run on this machine for memory and latency: the host's architecture
/// with the real musl C library (Debian's `musl-tools`: `musl-gcc`), linked statically as on
/// the router. zig's C library is not used for it: zig 0.15+ replaces musl's allocator with
/// its own, which OpenWrt does not have.
pub const MUSL_HOST: &str = "x86_64-unknown-linux-musl";

/// What `.cargo/config.toml` gives the router targets. `RUSTFLAGS` replaces those, so every
/// cross build passes them again.
const CROSS_BASE_FLAGS: [&str; 4] = [
    "-C",
    "link-self-contained=no",
    "-C",
    "relocation-model=static",
];

/// Which cargo features of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Features {
    /// Default: `tls` and `webpki-roots` (Mozilla's roots compiled in).
    TlsRoots,
    /// `tls` only (the OpenWrt package's `cwmpd` variant: roots from `/etc/ssl/certs`).
    Tls,
    /// No TLS at all (the `cwmpd-nossl` variant).
    NoTls,
}

impl Features {
    /// Every variant, largest first.
    pub const ALL: [Features; 3] = [Features::TlsRoots, Features::Tls, Features::NoTls];

    /// Short name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Features::TlsRoots => "tls+roots",
            Features::Tls => "tls",
            Features::NoTls => "no-tls",
        }
    }

    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Features::TlsRoots => &[],
            Features::Tls => &["--no-default-features", "--features", "tls"],
            Features::NoTls => &["--no-default-features"],
        }
    }
}

/// How the standard library and panics are built for a router target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Stable toolchain, prebuilt std (host only).
    Stable,
    /// Nightly, `-Zbuild-std=std,panic_abort`, nothing else: the recipe in `.cargo/config.toml`.
    BuildStd,
    /// As `BuildStd`, plus std built for size without backtrace symbolization
    /// (`-Zbuild-std-features=optimize_for_size`), panics that abort without formatting a
    /// message (nor its location), and Thumb-2 code on armv7.
    Min,
}

impl Flavor {
    /// Short name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Stable => "stable",
            Flavor::BuildStd => "build-std",
            Flavor::Min => "min",
        }
    }
}

/// The toolchain pieces found on this machine.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// `rustc -V` of the default toolchain.
    pub stable: String,
    /// `rustc +nightly -V`, or why the router builds are skipped.
    pub cross: Result<CrossTools, String>,
    /// `xz` is on PATH.
    pub xz: bool,
    /// `nm` is on PATH.
    pub nm: bool,
    /// `musl-gcc` is on PATH (the router-like runtime build).
    pub musl_gcc: bool,
}

/// What the router builds need, all present.
#[derive(Debug, Clone)]
pub struct CrossTools {
    /// `rustc +nightly -V`.
    pub nightly: String,
    /// `cargo zigbuild -V`.
    pub zigbuild: String,
    /// `zig version` (from PATH or the `ziglang` Python package).
    pub zig: String,
    /// How panics abort without a message on this nightly.
    pub immediate_abort: ImmediateAbort,
}

/// The two spellings nightly has had for "abort on panic without formatting anything".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImmediateAbort {
    /// `-Zunstable-options -Cpanic=immediate-abort` (nightly from late 2025).
    PanicStrategy,
    /// `-Zbuild-std-features=panic_immediate_abort` (older nightlies).
    StdFeature,
}

fn run_text(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// A rustup-proxied `cargo` with the environment of the outer `cargo run` removed, so that
/// `+nightly` and the target directory are ours to choose.
pub fn cargo_command(toolchain: Option<&str>) -> Command {
    let mut c = Command::new("cargo");
    for v in [
        "RUSTUP_TOOLCHAIN",
        "CARGO",
        "RUSTC",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
    ] {
        c.env_remove(v);
    }
    if let Some(t) = toolchain {
        c.arg(format!("+{t}"));
    }
    c
}

impl Toolchain {
    /// Looks for every piece; never fails (a missing piece is a reason to skip).
    pub fn detect() -> Toolchain {
        let stable = run_text(
            Command::new("rustc")
                .env_remove("RUSTUP_TOOLCHAIN")
                .arg("-V"),
        )
        .unwrap_or_else(|| "rustc: not found".into());
        Toolchain {
            stable,
            cross: detect_cross(),
            xz: on_path("xz"),
            nm: on_path("nm"),
            musl_gcc: on_path("musl-gcc"),
        }
    }
}

fn detect_cross() -> Result<CrossTools, String> {
    let nightly = run_text(
        Command::new("rustc")
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["+nightly", "-V"]),
    )
    .ok_or("no nightly toolchain (rustup toolchain install nightly)")?;
    let sysroot = run_text(
        Command::new("rustc")
            .env_remove("RUSTUP_TOOLCHAIN")
            .args(["+nightly", "--print", "sysroot"]),
    )
    .ok_or("rustc +nightly --print sysroot failed")?;
    if !Path::new(&sysroot)
        .join("lib/rustlib/src/rust/library/std/Cargo.toml")
        .is_file()
    {
        return Err(
            "no rust-src for nightly (rustup component add rust-src --toolchain nightly)".into(),
        );
    }
    let zigbuild = run_text(Command::new("cargo-zigbuild").arg("-V"))
        .ok_or("no cargo-zigbuild (cargo install cargo-zigbuild)")?;
    let zig = run_text(Command::new("zig").arg("version"))
        .or_else(|| run_text(Command::new("python3").args(["-m", "ziglang", "version"])))
        .ok_or("no zig (pip install ziglang)")?;
    let new_panic = Command::new("rustc")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args([
            "+nightly",
            "-Zunstable-options",
            "-Cpanic=immediate-abort",
            "--print",
            "cfg",
            "--target",
            CROSS_TARGETS[0],
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    Ok(CrossTools {
        nightly,
        zigbuild,
        zig,
        immediate_abort: if new_panic {
            ImmediateAbort::PanicStrategy
        } else {
            ImmediateAbort::StdFeature
        },
    })
}

/// One build to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Target triple (`None`: the host, stable).
    pub target: Option<&'static str>,
    /// Daemon features.
    pub features: Features,
    /// How std and panics are built.
    pub flavor: Flavor,
}

impl Spec {
    /// The target triple as shown in the report.
    pub fn target_name(&self) -> &'static str {
        self.target.unwrap_or(HOST)
    }
}

/// The host triple this tool was built for (the stable builds' target).
pub const HOST: &str = if cfg!(target_arch = "x86_64") {
    "x86_64-unknown-linux-gnu"
} else if cfg!(target_arch = "aarch64") {
    "aarch64-unknown-linux-gnu"
} else {
    "host"
};

/// A finished build.
#[derive(Debug, Clone)]
pub struct Built {
    /// The binary (a copy that later builds do not overwrite).
    pub path: PathBuf,
    /// The cargo command line, for the report.
    pub command: String,
    /// RUSTFLAGS, for the report.
    pub rustflags: String,
}

/// Where `spec` is built: one target directory per toolchain flavor (and per symbol
/// setting), so the variants share their dependencies.
fn target_dir(root: &Path, spec: &Spec, symbols: bool) -> PathBuf {
    let mut name = spec.flavor.name().to_string();
    if spec.target == Some(MUSL_HOST) {
        name.push_str("-musl-gcc");
    }
    if symbols {
        name.push_str("-syms");
    }
    root.join("target/report/size").join(name)
}

/// The RUSTFLAGS of a cross build.
fn rustflags(spec: &Spec, tools: &CrossTools) -> Vec<String> {
    let mut f: Vec<String> = CROSS_BASE_FLAGS.iter().map(|s| s.to_string()).collect();
    if spec.flavor == Flavor::Min {
        if tools.immediate_abort == ImmediateAbort::PanicStrategy {
            f.extend([
                "-Zunstable-options".into(),
                "-Cpanic=immediate-abort".into(),
            ]);
        }
        // No file/line/column strings for panics that print nothing anyway (armv7 no-tls:
        // -3 KiB).
        f.push("-Zlocation-detail=none".into());
        if spec.target.is_some_and(|t| t.starts_with("armv7")) {
            f.push("-Ctarget-feature=+thumb-mode".into());
        }
    }
    f
}

/// Builds `spec` (stripped by the release profile, or with its symbols for `nm`) and copies
/// the binary to `target/report/bin/`.
pub fn build(
    root: &Path,
    spec: &Spec,
    toolchain: &Toolchain,
    symbols: bool,
) -> Result<Built, String> {
    let dir = target_dir(root, spec, symbols);
    let mut cmd;
    let mut flags = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    match spec.target {
        None => {
            cmd = cargo_command(None);
            cmd.args(["build", "--release", "-p", "cwmpd"]);
            shown.extend(["cargo", "build", "--release", "-p", "cwmpd"].map(String::from));
        }
        Some(t) => {
            let tools = toolchain.cross.as_ref().map_err(Clone::clone)?;
            let musl_host = t == MUSL_HOST;
            if musl_host && !toolchain.musl_gcc {
                return Err("no musl-gcc (apt-get install musl-tools)".into());
            }
            cmd = cargo_command(Some("nightly"));
            let mut args: Vec<String> = [
                if musl_host { "build" } else { "zigbuild" },
                "--release",
                "-p",
                "cwmpd",
                "--target",
                t,
                "-Zbuild-std=std,panic_abort",
            ]
            .map(String::from)
            .to_vec();
            if spec.flavor == Flavor::Min {
                let mut features = vec!["optimize_for_size"];
                if tools.immediate_abort == ImmediateAbort::StdFeature {
                    features.push("panic_immediate_abort");
                }
                args.push(format!("-Zbuild-std-features={}", features.join(",")));
            }
            flags = rustflags(spec, tools);
            if musl_host {
                flags.extend(["-C".into(), "linker=musl-gcc".into()]);
                // std's `unwind` asks for -lunwind, which nothing needs when panics abort:
                // an empty archive satisfies the linker.
                let dir = root.join("target/report/nounwind");
                fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                fs::write(dir.join("libunwind.a"), b"!<arch>\n").map_err(|e| e.to_string())?;
                flags.extend(["-L".into(), dir.display().to_string()]);
            }
            cmd.args(&args);
            cmd.env("RUSTFLAGS", flags.join(" "));
            shown.push("cargo +nightly".to_string());
            shown.extend(args);
        }
    }
    for a in spec.features.cargo_args() {
        shown.push((*a).to_string());
    }
    cmd.args(spec.features.cargo_args());
    cmd.current_dir(root).env("CARGO_TARGET_DIR", &dir);
    if symbols {
        cmd.env("CARGO_PROFILE_RELEASE_STRIP", "false");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("{}: {e}", shown.join(" ")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(25).collect();
        return Err(format!(
            "`{}` failed:\n{}",
            shown.join(" "),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    let produced = match spec.target {
        Some(t) => dir.join(t).join("release/cwmpd"),
        None => dir.join("release/cwmpd"),
    };
    let copy_dir = root.join("target/report/bin").join(format!(
        "{}-{}-{}{}",
        spec.target_name(),
        spec.flavor.name(),
        spec.features.name(),
        if symbols { "-syms" } else { "" }
    ));
    fs::create_dir_all(&copy_dir).map_err(|e| e.to_string())?;
    let path = copy_dir.join("cwmpd");
    fs::copy(&produced, &path).map_err(|e| format!("{}: {e}", produced.display()))?;
    // Written-back pages: a freshly written file's dirty page-cache pages would show as
    // Private_Dirty of the running daemon's code mapping.
    fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Built {
        path,
        command: shown.join(" "),
        rustflags: flags.join(" "),
    })
}

/// Size in bytes of `path` compressed with `xz -9e` (what a squashfs image roughly costs).
pub fn xz_size(path: &Path) -> Result<u64, String> {
    let out = Command::new("xz")
        .args(["-9e", "-c", "-T1"])
        .arg(path)
        .output()
        .map_err(|e| format!("xz: {e}"))?;
    if !out.status.success() {
        return Err(format!("xz: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout.len() as u64)
}

/// Code and read-only data of a binary with symbols, by crate, largest first; plus the
/// largest symbols.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    /// (crate, bytes).
    pub crates: Vec<(String, u64)>,
    /// (symbol, crate, bytes), the largest.
    pub symbols: Vec<(String, String, u64)>,
    /// Sum of every sized text and read-only-data symbol.
    pub total: u64,
}

/// Groups the sized symbols `nm -S -C` lists (code `t/T/W`, read-only data `r/R`) by the crate
/// their (demangled) path starts with; C library symbols and literals without a path are
/// grouped as `libc` and `(other data)`.
pub fn breakdown(binary: &Path, top: usize) -> Result<Breakdown, String> {
    let out = Command::new("nm")
        .args(["-S", "--size-sort", "-C"])
        .arg(binary)
        .output()
        .map_err(|e| format!("nm: {e}"))?;
    if !out.status.success() {
        return Err(format!("nm: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(group(&String::from_utf8_lossy(&out.stdout), top))
}

/// See [`breakdown`]: the grouping of `nm -S -C` output.
pub fn group(nm: &str, top: usize) -> Breakdown {
    let mut crates: BTreeMap<String, u64> = BTreeMap::new();
    let mut symbols: Vec<(String, String, u64)> = Vec::new();
    let mut total = 0;
    for line in nm.lines() {
        let mut parts = line.splitn(4, ' ');
        let (Some(_addr), Some(size), Some(kind), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        let code = matches!(kind, "t" | "T" | "W" | "w");
        if !code && !matches!(kind, "r" | "R") {
            continue;
        }
        let krate = crate_of(name).unwrap_or(if name.starts_with("ring_core_") {
            // ring's C and assembly, prefixed by its build script.
            "ring"
        } else if code {
            "libc"
        } else {
            "(other data)"
        });
        let krate = match krate {
            "core" | "alloc" | "std" | "compiler_builtins" | "hashbrown" | "std_detect"
            | "rustc_demangle" | "addr2line" | "gimli" | "miniz_oxide" | "object" => "std",
            k => k,
        };
        *crates.entry(krate.to_string()).or_default() += size;
        symbols.push((name.to_string(), krate.to_string(), size));
        total += size;
    }
    let mut crates: Vec<(String, u64)> = crates.into_iter().collect();
    crates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    symbols.sort_by_key(|s| std::cmp::Reverse(s.2));
    symbols.truncate(top);
    Breakdown {
        crates,
        symbols,
        total,
    }
}

/// The crate a demangled Rust symbol belongs to: the first path segment, looking through
/// `<`, `&`, `dyn`, `impl` and similar prefixes (`<cwmp_core::x::Y as core::fmt::Debug>::fmt`
/// is `cwmp_core`'s).
fn crate_of(name: &str) -> Option<&str> {
    let mut s = name;
    loop {
        let t = s.trim_start_matches(['<', '&', '*', '(', '[', ' ']);
        let t = ["dyn ", "mut ", "const ", "impl "]
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .unwrap_or(t);
        if t.len() == s.len() {
            break;
        }
        s = t;
    }
    let end = s.find("::")?;
    let head = &s[..end];
    (!head.is_empty() && head.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(head)
}

/// A finished or skipped measurement of one build, as JSON.
pub fn build_json(spec: &Spec, result: &Result<(Built, u64, Option<u64>), String>) -> Value {
    let mut v = json!({
        "target": spec.target_name(),
        "features": spec.features.name(),
        "flavor": spec.flavor.name(),
    });
    match result {
        Ok((b, bytes, xz)) => {
            v["status"] = json!("ok");
            v["bytes"] = json!(bytes);
            v["xz_bytes"] = json!(xz);
            v["command"] = json!(b.command);
            v["rustflags"] = json!(b.rustflags);
        }
        Err(e) => {
            v["status"] = json!("skipped");
            v["reason"] = json!(e);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_grouped_by_their_crate() {
        let nm = "\
00010000 00000100 t <cwmp_core::soap::Envelope>::parse
00010100 00000040 T <cwmp_platform::net::Conn as core::fmt::Debug>::fmt
00010200 00000020 t core::fmt::write
00010300 00000010 t memcpy
00010400 00000008 r core::fmt::num::DIGITS
00010500 00000004 r .Lanon.1
00010600 00000004 b some_bss
00010700 00000030 t gimli::read::unit::parse
00010800 00000002 T ring_core_0_17_14__x25519_fe_mul
";
        let b = group(nm, 2);
        assert_eq!(
            b.crates,
            vec![
                ("cwmp_core".to_string(), 0x100),
                ("std".to_string(), 0x58),
                ("cwmp_platform".to_string(), 0x40),
                ("libc".to_string(), 0x10),
                ("(other data)".to_string(), 4),
                ("ring".to_string(), 2),
            ]
        );
        assert_eq!(b.total, 0x100 + 0x58 + 0x40 + 0x10 + 4 + 2);
        assert_eq!(b.symbols.len(), 2);
        assert_eq!(b.symbols[0].1, "cwmp_core");
    }

    #[test]
    fn crate_of_looks_through_impl_prefixes() {
        assert_eq!(
            crate_of("<&mut serde_json_core::de::X as serde::de::D>::f"),
            Some("serde_json_core")
        );
        assert_eq!(crate_of("<dyn core::any::Any>::type_id"), Some("core"));
        assert_eq!(crate_of("printf_core"), None);
    }
}
