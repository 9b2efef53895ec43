//! The budgets of issue 7 and their verdicts.
//!
//! Responsible for the limits and for judging the measured report against them: met, missed,
//! or not measured (a skipped build or run is never a pass). Not responsible for measuring.

use serde_json::{Value, json};

/// What became of one budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Measured and within the limit.
    Met,
    /// Measured and over the limit.
    Missed,
    /// Not measured in this report (a toolchain piece was missing, or the part was skipped).
    NotMeasured,
}

impl Verdict {
    /// As written in the report.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// One budget.
pub struct Budget {
    /// Stable key (`flash.armv7.tls`).
    pub key: &'static str,
    /// What it limits, in words.
    pub what: &'static str,
    /// The limit, in the unit of `measured`.
    pub limit: u64,
    /// Unit: `bytes` or `KiB`.
    pub unit: &'static str,
}

/// The budgets of issue 7.
pub const BUDGETS: [Budget; 4] = [
    Budget {
        key: "flash.armv7.tls",
        what: "armv7 `cwmpd` with TLS (`tls`, the OpenWrt package), stripped",
        limit: 1024 * 1024,
        unit: "bytes",
    },
    Budget {
        key: "flash.armv7.no-tls",
        what: "armv7 `cwmpd` without TLS (`cwmpd-nossl`), stripped",
        limit: 350 * 1024,
        unit: "bytes",
    },
    Budget {
        key: "memory.idle",
        what: "private dirty memory, idle after the boot session",
        limit: 512,
        unit: "KiB",
    },
    Budget {
        key: "memory.gpv10k",
        what: "private dirty memory, peak during the 10,000-parameter GetParameterValues session",
        limit: 2048,
        unit: "KiB",
    },
];

/// The measured value of `key` in `report` (see `main` for the layout).
fn measured(key: &str, report: &Value) -> Option<(u64, String)> {
    match key {
        "flash.armv7.tls" | "flash.armv7.no-tls" => {
            let features = if key.ends_with("no-tls") {
                "no-tls"
            } else {
                "tls"
            };
            // The smallest flavor measured counts; the report shows which.
            report["size"]["builds"]
                .as_array()?
                .iter()
                .filter(|b| {
                    b["status"] == "ok"
                        && b["target"] == "armv7-unknown-linux-musleabihf"
                        && b["features"] == features
                })
                .filter_map(|b| Some((b["bytes"].as_u64()?, b["flavor"].as_str()?.to_string())))
                .min_by_key(|(bytes, _)| *bytes)
                .map(|(bytes, flavor)| (bytes, format!("flavor `{flavor}`")))
        }
        // The first runtime entry is the most router-like build measured.
        "memory.idle" => {
            let run = &report["runtime"][0];
            let kib = run["memory"]["idle"]["private_dirty_kib"].as_u64()?;
            Some((kib, run["label"].as_str()?.to_string()))
        }
        "memory.gpv10k" => {
            let run = &report["runtime"][0];
            let kib = run["memory"]["gpv10k"]["peak"]["private_dirty_kib"].as_u64()?;
            Some((kib, format!("{}, sampled every ms", run["label"].as_str()?)))
        }
        _ => None,
    }
}

/// Judges every budget: (budget, verdict, measured value, note) as JSON.
pub fn judge(report: &Value) -> Vec<Value> {
    BUDGETS
        .iter()
        .map(|b| {
            let m = measured(b.key, report);
            let verdict = match &m {
                Some((v, _)) if *v <= b.limit => Verdict::Met,
                Some(_) => Verdict::Missed,
                None => Verdict::NotMeasured,
            };
            json!({
                "key": b.key,
                "what": b.what,
                "limit": b.limit,
                "unit": b.unit,
                "measured": m.as_ref().map(|(v, _)| *v),
                "note": m.as_ref().map(|(_, n)| n.clone()),
                "verdict": verdict.word(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(no_tls_bytes: u64, idle_kib: Option<u64>) -> Value {
        let mut r = json!({
            "size": {"builds": [
                {"status": "ok", "target": "armv7-unknown-linux-musleabihf", "features": "no-tls",
                 "flavor": "build-std", "bytes": no_tls_bytes + 1000},
                {"status": "ok", "target": "armv7-unknown-linux-musleabihf", "features": "no-tls",
                 "flavor": "min", "bytes": no_tls_bytes},
                {"status": "skipped", "target": "armv7-unknown-linux-musleabihf", "features": "tls",
                 "flavor": "min"},
            ]},
            "runtime": [],
        });
        if let Some(k) = idle_kib {
            r["runtime"] = json!([{"label": "musl", "memory": {"idle": {"private_dirty_kib": k}}}]);
        }
        r
    }

    fn verdict(v: &[Value], key: &str) -> String {
        v.iter().find(|b| b["key"] == key).unwrap()["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_smallest_measured_flavor_is_judged() {
        let v = judge(&report(350 * 1024, None));
        assert_eq!(verdict(&v, "flash.armv7.no-tls"), "met");
        let v = judge(&report(350 * 1024 + 1, None));
        assert_eq!(verdict(&v, "flash.armv7.no-tls"), "MISSED");
    }

    #[test]
    fn a_skipped_build_is_not_measured_never_met() {
        let v = judge(&report(1, Some(600)));
        assert_eq!(verdict(&v, "flash.armv7.tls"), "not measured");
        assert_eq!(verdict(&v, "memory.idle"), "MISSED");
        assert_eq!(verdict(&v, "memory.gpv10k"), "not measured");
    }
}
