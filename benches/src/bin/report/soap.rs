//! SOAP codec throughput: runs the divan benchmark `benches/benches/soap.rs` and reads its
//! table.
//!
//! Responsible for running `cargo bench -p cwmp-bench --bench soap` and parsing divan's output
//! (median time and median throughput of each benchmark). Not responsible for the benchmarks.

use std::path::Path;
use std::process::Command;

/// One benchmark's median.
#[derive(Debug, Clone, PartialEq)]
pub struct Bench {
    /// The function name (`parse_spv_1000`).
    pub name: String,
    /// Median time as divan prints it (`2.202 ms`).
    pub median: String,
    /// Median time, nanoseconds.
    pub median_ns: f64,
    /// Median throughput as divan prints it (`64.7 MB/s`), if the benchmark counts bytes.
    pub throughput: Option<String>,
}

/// Runs the benchmark in `root` (the workspace) and parses its table.
pub fn run(root: &Path) -> Result<Vec<Bench>, String> {
    let out = Command::new(crate::cargo())
        .current_dir(root)
        .args(["bench", "-p", "cwmp-bench", "--bench", "soap"])
        .output()
        .map_err(|e| format!("cargo bench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "cargo bench failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let benches = parse(&text);
    if benches.is_empty() {
        return Err(format!("no benchmark table in the output:\n{text}"));
    }
    Ok(benches)
}

/// Reads divan's tree table: a `├─ name  fastest │ slowest │ median │ mean │ samples │ iters`
/// line per benchmark, followed by a throughput line in the same columns when it counts bytes.
pub fn parse(text: &str) -> Vec<Bench> {
    let mut out: Vec<Bench> = Vec::new();
    let mut last_was_bench = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let bench_line = ["├─", "╰─", "└─"]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        if let Some(rest) = bench_line {
            let cols: Vec<&str> = rest.split('│').map(str::trim).collect();
            let Some(first) = cols.first() else { continue };
            let mut words = first.split_whitespace();
            let (Some(name), Some(_fastest)) = (words.next(), words.next()) else {
                last_was_bench = false;
                continue;
            };
            let Some(median) = cols.get(2) else { continue };
            out.push(Bench {
                name: name.to_string(),
                median: median.to_string(),
                median_ns: nanos(median).unwrap_or(f64::NAN),
                throughput: None,
            });
            last_was_bench = true;
        } else if last_was_bench {
            // The throughput line starts with the tree's `│`, except under the last entry.
            let rest = line.trim_start();
            let rest = rest.strip_prefix('│').unwrap_or(rest);
            let cols: Vec<&str> = rest.split('│').map(str::trim).collect();
            if let (Some(m), Some(b)) = (cols.get(2), out.last_mut())
                && m.ends_with("/s")
            {
                b.throughput = Some(m.to_string());
            }
            last_was_bench = false;
        }
    }
    out
}

/// `2.202 ms` → 2_202_000.
fn nanos(s: &str) -> Option<f64> {
    let mut it = s.split_whitespace();
    let v: f64 = it.next()?.parse().ok()?;
    let scale = match it.next()? {
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(v * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
Timer precision: 20 ns
soap                            fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ count_gpv_response_1000      65.46 µs      │ 128.2 µs      │ 67.75 µs      │ 74.71 µs      │ 100     │ 100
│                               2.195 GB/s    │ 1.12 GB/s     │ 2.121 GB/s    │ 1.923 GB/s    │         │
├─ parse_spv_1000               2.134 ms      │ 2.856 ms      │ 2.202 ms      │ 2.298 ms      │ 100     │ 100
│                               66.75 MB/s    │ 49.87 MB/s    │ 64.7 MB/s     │ 61.97 MB/s    │         │
╰─ xmlparser_tokenize_spv_1000  294.9 µs      │ 1.666 ms      │ 298.3 µs      │ 330.7 µs      │ 100     │ 100
                                483 MB/s      │ 85.48 MB/s    │ 477.6 MB/s    │ 430.7 MB/s    │         │
";

    #[test]
    fn divan_table_gives_median_time_and_throughput() {
        let b = parse(OUTPUT);
        assert_eq!(b.len(), 3);
        assert_eq!(b[1].name, "parse_spv_1000");
        assert_eq!(b[1].median, "2.202 ms");
        assert!((b[1].median_ns - 2_202_000.0).abs() < 1e-3);
        assert_eq!(b[1].throughput.as_deref(), Some("64.7 MB/s"));
        assert_eq!(b[2].throughput.as_deref(), Some("477.6 MB/s"));
        assert!((b[0].median_ns - 67_750.0).abs() < 1e-6);
    }

    #[test]
    fn a_benchmark_without_a_counter_has_no_throughput() {
        let b = parse("x  fastest │ slowest │ median\n╰─ f  1 ns │ 2 ns │ 3 ns │ 4 ns │ 1 │ 1\n");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].throughput, None);
        assert!((b[0].median_ns - 3.0).abs() < 1e-9);
    }
}
