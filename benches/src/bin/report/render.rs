//! `benches/REPORT.md` from the JSON report.
//!
//! Responsible for the generated part of the report (tables of budgets, sizes, memory,
//! latency and codec throughput) and for splicing it between the markers of the existing file,
//! so that the hand-written analysis around it stays. Not responsible for any figure.

use std::fmt::Write;

use serde_json::Value;

/// Opening marker of the generated part.
pub const BEGIN: &str = "<!-- report:begin -->";
/// Closing marker of the generated part.
pub const END: &str = "<!-- report:end -->";

/// Replaces the text between the markers of `old` by `generated` (markers kept); appends it
/// (with markers) when `old` has none.
pub fn splice(old: &str, generated: &str) -> String {
    let block = format!("{BEGIN}\n{generated}{END}\n");
    match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let after = &old[e + END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{block}{after}", &old[..b])
        }
        _ if old.is_empty() => format!("# cwmpd benchmark report\n\n{block}"),
        _ => format!("{}\n\n{block}", old.trim_end()),
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// `1234.5` µs as `1.23 ms`, `87.1` as `87.1 µs`.
fn time_us(v: &Value) -> String {
    match v.as_f64() {
        Some(us) if us >= 1e6 => format!("{:.2} s", us / 1e6),
        Some(us) if us >= 1e3 => format!("{:.2} ms", us / 1e3),
        Some(us) => format!("{us:.1} µs"),
        None => "–".into(),
    }
}

fn mem_kib(v: &Value) -> String {
    v.as_u64().map_or("–".into(), |k| format!("{k} KiB"))
}

fn carried_note(out: &mut String, section: &Value) {
    if let Some(at) = section.get("carried_from").and_then(Value::as_str) {
        let _ = writeln!(
            out,
            "_Not measured in this run: figures carried over from the report of {at}._\n"
        );
    }
}

/// The generated part of the report.
pub fn markdown(r: &Value) -> String {
    let mut o = String::new();
    let m = &r["machine"];
    let t = &r["toolchain"];
    let _ = writeln!(
        o,
        "Generated {} by `{}` on {} ({} CPUs, Linux {}, load average {} at start).\n",
        str_of(&r["generated"]),
        str_of(&r["command"]),
        str_of(&m["cpu"]),
        m["cpus"],
        str_of(&m["kernel"]),
        str_of(&m["load_average"]),
    );
    let _ = write!(o, "Toolchains: {}", str_of(&t["stable"]));
    if let Some(n) = t["nightly"].as_str() {
        let _ = write!(
            o,
            "; {n}; {}; zig {}",
            str_of(&t["cargo_zigbuild"]),
            str_of(&t["zig"])
        );
    } else if let Some(why) = t["cross_skipped"].as_str() {
        let _ = write!(o, "; router builds skipped: {why}");
    }
    o.push_str(".\n\n");

    budgets(&mut o, r);
    sizes(&mut o, &r["size"]);
    let runs: Vec<&Value> = r["runtime"].as_array().into_iter().flatten().collect();
    if runs.is_empty() {
        o.push_str("## Memory and latency\n\nNot measured.\n\n");
    }
    for run in runs {
        memory(&mut o, run);
        latency(&mut o, run);
    }
    soap(&mut o, &r["soap"]);
    o
}

fn budgets(o: &mut String, r: &Value) {
    o.push_str("## Budgets\n\n");
    o.push_str("| budget | limit | measured | verdict |\n|---|---|---|---|\n");
    for b in r["budgets"].as_array().into_iter().flatten() {
        let unit = str_of(&b["unit"]);
        let fmt = |v: &Value| match (v.as_u64(), unit) {
            (Some(n), "bytes") => format!("{} ({n} B)", kib(n)),
            (Some(n), u) => format!("{n} {u}"),
            (None, _) => "–".into(),
        };
        let note = b["note"]
            .as_str()
            .map_or(String::new(), |n| format!(" ({n})"));
        let verdict = str_of(&b["verdict"]);
        let verdict = if verdict == "MISSED" {
            "**MISSED**".to_string()
        } else {
            verdict.to_string()
        };
        let _ = writeln!(
            o,
            "| {} | {} | {}{note} | {verdict} |",
            str_of(&b["what"]),
            fmt(&b["limit"]),
            fmt(&b["measured"]),
        );
    }
    o.push('\n');
}

fn sizes(o: &mut String, s: &Value) {
    o.push_str("## Binary size\n\n");
    if s.is_null() {
        o.push_str("Not measured.\n\n");
        return;
    }
    carried_note(o, s);
    o.push_str("| target | flavor | features | stripped | xz -9e |\n|---|---|---|---|---|\n");
    let mut skipped = Vec::new();
    for b in s["builds"].as_array().into_iter().flatten() {
        if b["status"] == "ok" {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} ({} B) | {} |",
                str_of(&b["target"]),
                str_of(&b["flavor"]),
                str_of(&b["features"]),
                kib(b["bytes"].as_u64().unwrap_or(0)),
                b["bytes"],
                b["xz_bytes"].as_u64().map_or("–".into(), kib),
            );
        } else {
            skipped.push(format!(
                "{} {} {}: {}",
                str_of(&b["target"]),
                str_of(&b["flavor"]),
                str_of(&b["features"]),
                str_of(&b["reason"]).lines().next().unwrap_or("")
            ));
        }
    }
    o.push('\n');
    for line in &skipped {
        let _ = writeln!(o, "- skipped: {line}");
    }
    if !skipped.is_empty() {
        o.push('\n');
    }
    o.push_str("Flavors:\n\n");
    if let Some(f) = s["flavors"].as_object() {
        for (k, v) in f {
            let _ = writeln!(o, "- `{k}`: {}", str_of(v));
        }
    }
    o.push('\n');
    let mut seen_cmd = std::collections::BTreeSet::new();
    o.push_str("Commands (each in its own target directory under `target/report/size/`):\n\n");
    for b in s["builds"].as_array().into_iter().flatten() {
        if let Some(c) = b["command"].as_str() {
            let flags = str_of(&b["rustflags"]);
            let line = if flags.is_empty() {
                format!("- `{c}`")
            } else {
                format!("- `RUSTFLAGS=\"{flags}\" {c}`")
            };
            if seen_cmd.insert(line.clone()) {
                let _ = writeln!(o, "{line}");
            }
        }
    }
    o.push('\n');
    let breakdowns: Vec<&Value> = s["breakdown"].as_array().into_iter().flatten().collect();
    if !breakdowns.is_empty() {
        let head: Vec<String> = breakdowns
            .iter()
            .map(|b| {
                format!(
                    "{} {} {}",
                    str_of(&b["target"]),
                    str_of(&b["flavor"]),
                    str_of(&b["features"])
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "### Where the bytes go\n\nCode and read-only data by crate (`nm -S -C` of the same builds \
             with symbols; `std` includes core and alloc, `libc` is the C library linked in \
             statically, `(other data)` literals without a symbol path):\n"
        );
        let _ = writeln!(o, "| crate | {} |", head.join(" | "));
        let _ = writeln!(o, "|---|{}", "---|".repeat(head.len()));
        let mut names: Vec<String> = Vec::new();
        for b in &breakdowns {
            for c in b["crates"].as_array().into_iter().flatten() {
                let n = str_of(&c["crate"]).to_string();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        for n in &names {
            let cells: Vec<String> = breakdowns
                .iter()
                .map(|b| {
                    b["crates"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|c| str_of(&c["crate"]) == n)
                        .and_then(|c| c["bytes"].as_u64())
                        .map_or("–".into(), kib)
                })
                .collect();
            let _ = writeln!(o, "| {n} | {} |", cells.join(" | "));
        }
        let totals: Vec<String> = breakdowns
            .iter()
            .map(|b| kib(b["total_bytes"].as_u64().unwrap_or(0)))
            .collect();
        let _ = writeln!(o, "| **total** | {} |\n", totals.join(" | "));
        if let Some(b) = breakdowns.first() {
            let _ = writeln!(
                o,
                "Largest symbols of {} {} {}:\n",
                str_of(&b["target"]),
                str_of(&b["flavor"]),
                str_of(&b["features"])
            );
            o.push_str("| bytes | crate | symbol |\n|---|---|---|\n");
            for sym in b["largest_symbols"].as_array().into_iter().flatten() {
                let mut name = str_of(&sym["symbol"]).replace('|', "\\|");
                if name.len() > 110 {
                    let mut cut = 110;
                    while !name.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    name.truncate(cut);
                    name.push('…');
                }
                let _ = writeln!(
                    o,
                    "| {} | {} | `{name}` |",
                    sym["bytes"],
                    str_of(&sym["crate"])
                );
            }
            o.push('\n');
        }
    }
}

fn memory(o: &mut String, run: &Value) {
    let _ = writeln!(o, "## Memory: {}\n", str_of(&run["label"]));
    carried_note(o, run);
    let m = &run["memory"];
    let g = &m["gpv10k"];
    let _ = writeln!(
        o,
        "The {} run against the harness ACS (and the harness ubusd for the idle figures); {}. \
         Private dirty = `Private_Dirty` of `/proc/PID/smaps_rollup` (heap, stacks, written \
         data: what the daemon alone costs); VmHWM is the kernel's peak RSS (reset with \
         `clear_refs` before the large session).\n",
        str_of(&run["binary"]),
        str_of(&run["allocator"])
    );
    if let Some(c) = run["command"].as_str() {
        let flags = str_of(&run["rustflags"]);
        if flags.is_empty() {
            let _ = writeln!(o, "Built with `{c}`.\n");
        } else {
            let _ = writeln!(o, "Built with `RUSTFLAGS=\"{flags}\" {c}`.\n");
        }
    }
    o.push_str(
        "| state | private dirty | VmRSS | VmHWM | Pss | anonymous |\n|---|---|---|---|---|---|\n",
    );
    let row = |o: &mut String, name: &str, v: &Value| {
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} | {} |",
            mem_kib(&v["private_dirty_kib"]),
            mem_kib(&v["vm_rss_kib"]),
            mem_kib(&v["vm_hwm_kib"]),
            mem_kib(&v["pss_kib"]),
            mem_kib(&v["anonymous_kib"]),
        );
    };
    row(o, "idle after the boot session (default seed)", &m["idle"]);
    row(
        o,
        &format!(
            "idle after {} sessions (ubus calls and Connection Requests)",
            m["after_sessions"]["sessions"]
        ),
        &m["after_sessions"]["memory"],
    );
    row(o, "idle with 10,000 parameters loaded", &g["before"]);
    row(
        o,
        &format!(
            "peak during the 10,000-parameter GetParameterValues ({} samples)",
            g["samples"]
        ),
        &g["peak"],
    );
    row(o, "idle after it", &g["after"]);
    let _ = writeln!(
        o,
        "\nThe GetParameterValuesResponse held {} parameters in {} ({}); the session took {} ms \
         from the Connection Request.\n",
        g["parameters"],
        kib(g["response_bytes"].as_u64().unwrap_or(0)),
        if g["chunked"] == true {
            "chunked"
        } else {
            "Content-Length"
        },
        g["session_ms"]
    );
}

fn latency(o: &mut String, run: &Value) {
    let _ = writeln!(o, "## Latency: {}\n", str_of(&run["label"]));
    let l = &run["latency"];
    let _ = writeln!(
        o,
        "On loopback, {} runs each (after one warm-up); p99 is the nearest rank.\n",
        l["runs"]
    );
    o.push_str("| what | median | p99 | min | max |\n|---|---|---|---|---|\n");
    let row = |o: &mut String, name: &str, v: &Value| {
        if v.is_null() {
            return;
        }
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} |",
            time_us(&v["median_us"]),
            time_us(&v["p99_us"]),
            time_us(&v["min_us"]),
            time_us(&v["max_us"]),
        );
    };
    row(
        o,
        "ubus `tr069 status`, harness broker, invoke (object id kept)",
        &l["ubus_status_invoke"],
    );
    row(
        o,
        "ubus `tr069 status`, harness broker, connect + lookup + invoke (one `ubus call`)",
        &l["ubus_status_lookup_invoke"],
    );
    let real = &l["ubus_status_real_ubusd"];
    row(
        o,
        "ubus `tr069 status`, real ubusd, invoke",
        &real["invoke"],
    );
    row(
        o,
        "ubus `tr069 status`, real ubusd, connect + lookup + invoke",
        &real["lookup_invoke"],
    );
    row(
        o,
        "Connection Request (authenticated GET written) → Inform read by the ACS",
        &l["cr_to_inform"],
    );
    row(
        o,
        "boot: process start → end of the boot session (wall)",
        &l["boot_wall"],
    );
    row(
        o,
        "boot session: Inform read → `204` sent (wall)",
        &l["boot_session"],
    );
    row(
        o,
        &format!(
            "boot: daemon CPU time, start → end of the boot session ({})",
            str_of(&l["boot_cpu_source"])
        ),
        &l["boot_cpu"],
    );
    if let Some(why) = real["skipped"].as_str() {
        let _ = writeln!(o, "\nReal ubusd: not measured ({why}).");
    }
    o.push('\n');
}

fn soap(o: &mut String, s: &Value) {
    o.push_str("## SOAP codec (`benches/benches/soap.rs`)\n\n");
    if s.is_null() {
        o.push_str("Not measured.\n\n");
        return;
    }
    carried_note(o, s);
    let _ = writeln!(
        o,
        "From `{}` (bench profile: opt-level 3, thin LTO). Input: a GenieACS-style \
         SetParameterValues with 1,000 parameters (mixed string, unsignedInt, boolean, \
         dateTime; 142 KiB), and a GetParameterValuesResponse with 1,000 values (140 KiB).\n",
        str_of(&s["command"])
    );
    o.push_str("| benchmark | median | throughput |\n|---|---|---|\n");
    for b in s["benches"].as_array().into_iter().flatten() {
        let name = str_of(&b["name"]);
        let what = match name {
            "xmlparser_tokenize_spv_1000" => ": raw `xmlparser` tokens, nothing checked or built",
            "parse_spv_1000" => {
                ": `Envelope::parse` + `acs_message()` + read every name, value and type"
            }
            "encode_gpv_response_1000" => ": whole envelope into a fixed buffer",
            "count_gpv_response_1000" => {
                ": the same into a `CountingSink` (learning Content-Length)"
            }
            _ => "",
        };
        let _ = writeln!(
            o,
            "| `{name}`{what} | {} | {} |",
            str_of(&b["median"]),
            b["throughput"].as_str().unwrap_or("–"),
        );
    }
    o.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_keeps_what_is_around_the_markers() {
        let old = format!("# T\n\nintro\n\n{BEGIN}\nold figures\n{END}\n\n## Notes\nkept\n");
        let new = splice(&old, "new figures\n");
        assert_eq!(
            new,
            format!("# T\n\nintro\n\n{BEGIN}\nnew figures\n{END}\n\n## Notes\nkept\n")
        );
    }

    #[test]
    fn splice_appends_to_a_file_without_markers() {
        let new = splice("# T\n\nold text\n", "figures\n");
        assert_eq!(new, format!("# T\n\nold text\n\n{BEGIN}\nfigures\n{END}\n"));
    }

    #[test]
    fn times_pick_their_unit() {
        assert_eq!(time_us(&serde_json::json!(87.14)), "87.1 µs");
        assert_eq!(time_us(&serde_json::json!(1234.5)), "1.23 ms");
        assert_eq!(time_us(&serde_json::json!(2_500_000.0)), "2.50 s");
    }
}
