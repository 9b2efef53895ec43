//! The benchmark report of cwmpd: builds and measures the daemon, writes `benches/REPORT.md`
//! (between its `report:begin`/`report:end` markers) and `benches/report.json`, and checks the
//! budgets of issue 7.
//!
//! ```sh
//! cargo run -p cwmp-bench --release --bin report            # everything (about 30 min)
//! cargo run -p cwmp-bench --release --bin report -- --quick # host only, 20 runs
//! ```
//!
//! Exit status: 0 when every measured budget is met, 1 when one is missed (the report is
//! written anyway and the missed budgets are printed as `MISSED` lines), 2 when measuring
//! failed. Budgets not measured (no cross toolchain) do not fail the run.
//!
//! Not part of `cargo test` or CI: it takes minutes and its figures depend on the machine.

mod budget;
mod cr;
mod daemon;
mod latency;
mod memory;
mod procfs;
mod render;
mod size;
mod soap;
mod stats;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cwmp_bench::acs::{Acs, AcsOptions};
use cwmp_bench::ubusd::Ubusd;
use serde_json::{Value, json};

use size::{Features, Flavor, Spec, Toolchain};
use stats::Summary;

const USAGE: &str = "\
usage: cargo run -p cwmp-bench --release --bin report -- [OPTIONS]

  --quick            host build only, 20 runs per latency figure, no codec benchmark
  --runs N           runs per latency figure (default 100)
  --targets LIST     router targets, comma-separated (default: armv7,mipsel,mips; `none`)
  --skip-size        no size builds (the host build for the runtime figures still happens)
  --skip-runtime     no memory or latency runs
  --skip-soap        no codec benchmark
  --out DIR          where REPORT.md and report.json go (default: benches/)

Parts skipped keep their figures from the previous report.json, marked as such.
";

/// Command-line options.
struct Opts {
    runs: usize,
    targets: Vec<&'static str>,
    size: bool,
    runtime: bool,
    soap: bool,
    out: Option<PathBuf>,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        runs: 100,
        targets: size::CROSS_TARGETS.to_vec(),
        size: true,
        runtime: true,
        soap: true,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                o.runs = 20;
                o.targets.clear();
                o.soap = false;
            }
            "--runs" => {
                o.runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs needs a number > 0")?;
            }
            "--targets" => {
                let list = args.next().ok_or("--targets needs a list")?;
                o.targets.clear();
                for t in list.split(',').filter(|t| !t.is_empty() && *t != "none") {
                    let full = size::CROSS_TARGETS
                        .iter()
                        .find(|c| c.split('-').next() == Some(t) || **c == t)
                        .ok_or_else(|| format!("--targets: unknown target {t}"))?;
                    o.targets.push(full);
                }
            }
            "--skip-size" => o.size = false,
            "--skip-runtime" => o.runtime = false,
            "--skip-soap" => o.soap = false,
            "--out" => o.out = Some(args.next().ok_or("--out needs a directory")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// The `cargo` the outer `cargo run` was started with (for plain stable commands).
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("report: {e}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("report: {e}");
            ExitCode::from(2)
        }
    }
}

fn say(msg: &str) {
    eprintln!("report: {msg}");
}

fn run(opts: &Opts) -> Result<ExitCode, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let out_dir = opts.out.clone().unwrap_or_else(|| root.join("benches"));
    let json_path = out_dir.join("report.json");
    let previous: Value = fs::read_to_string(&json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);

    let toolchain = Toolchain::detect();
    if let Err(why) = &toolchain.cross {
        say(&format!("router builds skipped: {why}"));
    }
    let mut report = json!({
        "generated": now_utc(),
        "command": "cargo run -p cwmp-bench --release --bin report",
        "machine": machine(),
        "toolchain": toolchain_json(&toolchain),
    });

    say("building the host daemon (stable, release, default features)");
    let host = Spec {
        target: None,
        features: Features::TlsRoots,
        flavor: Flavor::Stable,
    };
    let host_bin = size::build(&root, &host, &toolchain, false)?;

    report["size"] = if opts.size {
        sizes(&root, &toolchain, opts, &host, &host_bin)
    } else {
        carried(&previous, "size")
    };
    report["runtime"] = if opts.runtime {
        let mut runs = Vec::new();
        // The router-like build first: the budgets are judged on the first entry.
        let musl = Spec {
            target: Some(size::MUSL_HOST),
            features: Features::Tls,
            flavor: Flavor::Min,
        };
        say("building the router-like daemon (real musl, min flavor, tls)");
        match size::build(&root, &musl, &toolchain, false) {
            Ok(b) => runs.push(runtime(
                &root,
                &b.path,
                opts.runs,
                json!({
                    "label": "x86_64 musl, min, tls",
                    "binary": format!("{} `min` build with the `tls` feature (the OpenWrt package's), static, the real musl C library (musl-gcc)", size::MUSL_HOST),
                    "allocator": "musl's malloc (mallocng), as on OpenWrt",
                    "command": b.command,
                    "rustflags": b.rustflags,
                }),
            )?),
            Err(e) => say(&format!("router-like runtime build skipped: {e}")),
        }
        runs.push(runtime(
            &root,
            &host_bin.path,
            opts.runs,
            json!({
                "label": "x86_64 glibc, stable, tls+roots",
                "binary": "host build (x86_64-unknown-linux-gnu, stable, default features: tls+roots), dynamically linked",
                "allocator": "glibc malloc",
                "command": host_bin.command,
            }),
        )?);
        Value::Array(runs)
    } else {
        carried(&previous, "runtime")
    };
    report["soap"] = if opts.soap {
        say("running the SOAP codec benchmark (cargo bench -p cwmp-bench --bench soap)");
        let b = soap::run(&root)?;
        json!({
            "command": "cargo bench -p cwmp-bench --bench soap",
            "benches": b.iter().map(|b| json!({
                "name": b.name, "median": b.median, "median_ns": b.median_ns,
                "throughput": b.throughput,
            })).collect::<Vec<_>>(),
        })
    } else {
        carried(&previous, "soap")
    };
    let verdicts = budget::judge(&report);
    report["budgets"] = Value::Array(verdicts.clone());

    fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    fs::write(&json_path, text + "\n").map_err(|e| format!("{}: {e}", json_path.display()))?;
    let md_path = out_dir.join("REPORT.md");
    let old_md = fs::read_to_string(&md_path).unwrap_or_default();
    fs::write(
        &md_path,
        render::splice(&old_md, &render::markdown(&report)),
    )
    .map_err(|e| format!("{}: {e}", md_path.display()))?;
    say(&format!(
        "wrote {} and {}",
        md_path.display(),
        json_path.display()
    ));

    let mut missed = false;
    for v in &verdicts {
        let word = v["verdict"].as_str().unwrap_or("?");
        let line = format!(
            "{word}: {} ({} {} measured, limit {} {})",
            v["key"].as_str().unwrap_or("?"),
            v["measured"],
            v["unit"].as_str().unwrap_or(""),
            v["limit"],
            v["unit"].as_str().unwrap_or("")
        );
        println!("{line}");
        missed |= word == "MISSED";
    }
    Ok(if missed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A section of the previous report, marked as carried over (or null).
fn carried(previous: &Value, key: &str) -> Value {
    let mut v = previous[key].clone();
    if let Value::Object(m) = &mut v {
        m.insert("carried_from".into(), previous["generated"].clone());
    }
    v
}

/// Every size build, in report order; failures are recorded as skipped with the reason.
fn sizes(
    root: &Path,
    toolchain: &Toolchain,
    opts: &Opts,
    host: &Spec,
    host_bin: &size::Built,
) -> Value {
    let mut specs: Vec<Spec> = Vec::new();
    for f in [Features::Tls, Features::NoTls] {
        specs.push(Spec {
            target: None,
            features: f,
            flavor: Flavor::Stable,
        });
    }
    for (i, t) in opts.targets.iter().enumerate() {
        for f in Features::ALL {
            specs.push(Spec {
                target: Some(t),
                features: f,
                flavor: Flavor::Min,
            });
        }
        // The plain -Zbuild-std recipe on the first target shows what the size flags gain.
        if i == 0 {
            for f in [Features::Tls, Features::NoTls] {
                specs.push(Spec {
                    target: Some(t),
                    features: f,
                    flavor: Flavor::BuildStd,
                });
            }
        }
    }
    let measure = |b: size::Built| -> Result<(size::Built, u64, Option<u64>), String> {
        let bytes = fs::metadata(&b.path).map_err(|e| e.to_string())?.len();
        let xz = if toolchain.xz {
            Some(size::xz_size(&b.path)?)
        } else {
            None
        };
        Ok((b, bytes, xz))
    };
    let mut builds = vec![size::build_json(host, &measure(host_bin.clone()))];
    for spec in &specs {
        say(&format!(
            "size: {} {} {}",
            spec.target_name(),
            spec.flavor.name(),
            spec.features.name()
        ));
        let r = size::build(root, spec, toolchain, false).and_then(measure);
        if let Err(e) = &r {
            say(&format!("  skipped: {}", e.lines().next().unwrap_or("")));
        }
        builds.push(size::build_json(spec, &r));
    }
    // Where the bytes go: the first router target's `min` builds with symbols, else the host.
    let mut breakdowns = Vec::new();
    if toolchain.nm {
        let target = if toolchain.cross.is_ok() {
            opts.targets.first().copied()
        } else {
            None
        };
        for f in [Features::NoTls, Features::Tls] {
            let spec = Spec {
                target,
                features: f,
                flavor: if target.is_some() {
                    Flavor::Min
                } else {
                    Flavor::Stable
                },
            };
            say(&format!(
                "size breakdown: {} {} {} (with symbols)",
                spec.target_name(),
                spec.flavor.name(),
                spec.features.name()
            ));
            match size::build(root, &spec, toolchain, true)
                .and_then(|b| size::breakdown(&b.path, 25))
            {
                Ok(b) => breakdowns.push(json!({
                    "target": spec.target_name(),
                    "flavor": spec.flavor.name(),
                    "features": spec.features.name(),
                    "total_bytes": b.total,
                    "crates": b.crates.iter().map(|(c, n)| json!({"crate": c, "bytes": n})).collect::<Vec<_>>(),
                    "largest_symbols": b.symbols.iter().map(|(s, c, n)| json!({"symbol": s, "crate": c, "bytes": n})).collect::<Vec<_>>(),
                })),
                Err(e) => say(&format!("  breakdown skipped: {e}")),
            }
        }
    }
    json!({
        "builds": builds,
        "breakdown": breakdowns,
        "flavors": {
            "stable": "stable toolchain, prebuilt std, release profile (opt-level z, fat LTO, 1 codegen unit, panic=abort, strip); host glibc, dynamically linked",
            "build-std": "nightly, cargo zigbuild, -Zbuild-std=std,panic_abort, RUSTFLAGS from .cargo/config.toml (-C link-self-contained=no -C relocation-model=static); static musl from zig",
            "min": "build-std plus -Zbuild-std-features=optimize_for_size (std built for size, without backtrace symbolization), -Cpanic=immediate-abort (a panic aborts without formatting a message) and -Zlocation-detail=none, -Ctarget-feature=+thumb-mode (Thumb-2) on armv7",
        },
    })
}

/// Memory and latency of the host build against the harness ACS and broker.
fn runtime(root: &Path, bin: &Path, runs: usize, about: Value) -> Result<Value, String> {
    say(&format!(
        "runtime of {}",
        about["label"].as_str().unwrap_or("cwmpd")
    ));
    let work = root.join("target/report/run");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let ticks = clock_ticks();

    say("runtime: daemon on the harness ACS and ubusd, idle after its boot session");
    let sock = work.join("ubus.sock");
    let ubusd = Ubusd::start(&sock).map_err(|e| format!("harness ubusd: {e}"))?;
    let acs = Acs::try_start(AcsOptions::default()).map_err(|e| e.to_string())?;
    let mut d = memory::start_idle(bin, &acs, &work.join("idle"), Some(&sock), None)?;
    let idle = procfs::Memory::read(d.pid())?;

    say(&format!("runtime: ubus status x{runs}"));
    let ubus = latency::ubus_status(&sock, runs)?;
    say(&format!("runtime: Connection Request -> Inform x{runs}"));
    let mut cr = Vec::with_capacity(runs);
    for _ in 0..runs {
        cr.push(latency::connection_request_once(&acs, &mut d)?);
    }
    thread_sleep(memory::SETTLE);
    let after_sessions = procfs::Memory::read(d.pid())?;
    let sessions_run = acs.sessions().len();
    drop(d);
    drop(acs);

    let real_ubusd = real_ubusd(bin, &work, runs);

    say(&format!("runtime: boot sessions x{runs}"));
    let acs = Acs::try_start(AcsOptions::default()).map_err(|e| e.to_string())?;
    let boot = latency::boot_sessions(bin, &acs, &work.join("boot"), Some(&sock), runs, ticks)?;
    drop(acs);
    drop(ubusd);

    say("runtime: 10,000-parameter GetParameterValues session");
    let large = memory::large_session(bin, &work.join("gpv10k"))?;

    let mem = json!({
        "idle": idle.json(),
        "after_sessions": {
            "sessions": sessions_run,
            "memory": after_sessions.json(),
        },
        "gpv10k": {
            "parameters": large.parameters,
            "response_bytes": large.response_bytes,
            "chunked": large.chunked,
            "session_ms": ms(large.session),
            "samples": large.samples,
            "before": large.before.json(),
            "peak": large.peak.json(),
            "after": large.after.json(),
        },
    });
    let lat = json!({
        "runs": runs,
        "ubus_status_invoke": Summary::of(&ubus.invoke).map(|s| s.json()),
        "ubus_status_lookup_invoke": Summary::of(&ubus.lookup_invoke).map(|s| s.json()),
        "ubus_status_real_ubusd": real_ubusd,
        "cr_to_inform": Summary::of(&cr).map(|s| s.json()),
        "boot_wall": Summary::of(&boot.wall).map(|s| s.json()),
        "boot_session": Summary::of(&boot.session).map(|s| s.json()),
        "boot_cpu": Summary::of(&boot.cpu).map(|s| s.json()),
        "boot_cpu_source": if boot.cpu_precise { "schedstat (ns)" } else { "stat (clock ticks)" },
    });
    let mut entry = about;
    entry["memory"] = mem;
    entry["latency"] = lat;
    Ok(entry)
}

/// `tr069 status` through a real `ubusd` when one is on PATH; otherwise why not.
fn real_ubusd(bin: &Path, work: &Path, runs: usize) -> Value {
    let Some(ubusd) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("ubusd"))
            .find(|f| f.is_file())
    }) else {
        return json!({"skipped": "no ubusd on PATH"});
    };
    say(&format!(
        "runtime: ubus status x{runs} through {}",
        ubusd.display()
    ));
    let sock = work.join("real-ubus.sock");
    let child = std::process::Command::new(&ubusd)
        .arg("-s")
        .arg(&sock)
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return json!({"skipped": format!("{}: {e}", ubusd.display())}),
    };
    let result = (|| -> Result<Value, String> {
        if !cwmp_bench::acs::wait_until(|| sock.exists(), Duration::from_secs(5)) {
            return Err("ubusd did not create its socket".into());
        }
        let acs = Acs::try_start(AcsOptions::default()).map_err(|e| e.to_string())?;
        let _d = memory::start_idle(bin, &acs, &work.join("real-ubusd"), Some(&sock), None)?;
        let t = latency::ubus_status(&sock, runs)?;
        Ok(json!({
            "ubusd": ubusd.display().to_string(),
            "invoke": Summary::of(&t.invoke).map(|s| s.json()),
            "lookup_invoke": Summary::of(&t.lookup_invoke).map(|s| s.json()),
        }))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result.unwrap_or_else(|e| json!({"skipped": e}))
}

fn thread_sleep(d: Duration) {
    std::thread::sleep(d);
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

/// `getconf CLK_TCK`, 100 when unknown.
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    cwmp_core::time::DateTime::from_unix(cwmp_core::time::UnixTime(secs)).to_string()
}

fn machine() -> Value {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, v)| v.trim())
        .to_string();
    json!({
        "cpu": cpu,
        "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "kernel": fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim(),
        "load_average": fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    })
}

fn toolchain_json(t: &Toolchain) -> Value {
    let mut v = json!({
        "stable": t.stable,
        "xz": t.xz,
        "nm": t.nm,
    });
    match &t.cross {
        Ok(c) => {
            v["nightly"] = json!(c.nightly);
            v["cargo_zigbuild"] = json!(c.zigbuild);
            v["zig"] = json!(c.zig);
            v["immediate_abort"] = json!(match c.immediate_abort {
                size::ImmediateAbort::PanicStrategy => "-Zunstable-options -Cpanic=immediate-abort",
                size::ImmediateAbort::StdFeature => "-Zbuild-std-features=panic_immediate_abort",
            });
        }
        Err(why) => v["cross_skipped"] = json!(why),
    }
    v
}
