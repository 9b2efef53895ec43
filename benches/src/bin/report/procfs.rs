//! What Linux says about a running process: memory (`status`, `smaps_rollup`) and CPU time
//! (`schedstat`, `stat`).
//!
//! Responsible for reading and parsing those files of one pid. Not responsible for deciding
//! when to read them (see `memory` and `latency`).

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

/// Memory figures of a process, KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss: u64,
    /// `VmHWM`: the most resident so far (since start or the last reset).
    pub hwm: u64,
    /// Private dirty pages (heap, stacks, written data): what this process alone costs.
    pub private_dirty: u64,
    /// Private clean pages (code and read-only data nobody else maps).
    pub private_clean: u64,
    /// Proportional set size.
    pub pss: u64,
    /// Anonymous memory.
    pub anonymous: u64,
}

impl Memory {
    /// Reads `/proc/PID/status` and `/proc/PID/smaps_rollup` (or sums `/proc/PID/smaps` on
    /// kernels older than 4.14).
    pub fn read(pid: u32) -> Result<Memory, String> {
        let status = read(pid, "status")?;
        let mut m = Memory {
            rss: field_kib(&status, "VmRSS:").unwrap_or(0),
            hwm: field_kib(&status, "VmHWM:").unwrap_or(0),
            ..Memory::default()
        };
        let smaps = read(pid, "smaps_rollup").or_else(|_| read(pid, "smaps"))?;
        m.private_dirty = sum_kib(&smaps, "Private_Dirty:");
        m.private_clean = sum_kib(&smaps, "Private_Clean:");
        m.pss = sum_kib(&smaps, "Pss:");
        m.anonymous = sum_kib(&smaps, "Anonymous:");
        Ok(m)
    }

    /// The larger of each figure.
    pub fn max(self, o: Memory) -> Memory {
        Memory {
            rss: self.rss.max(o.rss),
            hwm: self.hwm.max(o.hwm),
            private_dirty: self.private_dirty.max(o.private_dirty),
            private_clean: self.private_clean.max(o.private_clean),
            pss: self.pss.max(o.pss),
            anonymous: self.anonymous.max(o.anonymous),
        }
    }

    /// As JSON (KiB).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "vm_rss_kib": self.rss,
            "vm_hwm_kib": self.hwm,
            "private_dirty_kib": self.private_dirty,
            "private_clean_kib": self.private_clean,
            "pss_kib": self.pss,
            "anonymous_kib": self.anonymous,
        })
    }
}

/// Resets `VmHWM` to the current RSS (`echo 5 > /proc/PID/clear_refs`); false when the
/// kernel refuses.
pub fn reset_peak(pid: u32) -> bool {
    fs::write(path(pid, "clear_refs"), "5").is_ok()
}

/// CPU time used by a process so far: every live thread's `schedstat` (nanoseconds) when the
/// kernel has it, else `utime + stime` from `stat` (clock ticks, so 10 ms steps).
pub fn cpu_time(pid: u32, ticks_per_second: u64) -> Result<Duration, String> {
    let dir = path(pid, "task");
    let mut total = 0u64;
    let mut found = false;
    if let Ok(entries) = fs::read_dir(&dir) {
        for e in entries.flatten() {
            if let Ok(s) = fs::read_to_string(e.path().join("schedstat"))
                && let Some(ns) = s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
            {
                total += ns;
                found = true;
            }
        }
    }
    if found {
        return Ok(Duration::from_nanos(total));
    }
    let stat = read(pid, "stat")?;
    let ticks = stat_cpu_ticks(&stat).ok_or_else(|| format!("/proc/{pid}/stat: unexpected"))?;
    Ok(Duration::from_nanos(
        ticks.saturating_mul(1_000_000_000) / ticks_per_second.max(1),
    ))
}

/// `utime + stime` of a `/proc/PID/stat` line (fields 14 and 15, counted after the `)` that
/// ends the command name, which may itself hold spaces).
pub fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ")" the state is field 3, so utime (14) is at index 11 and stime (15) at 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The value in KiB of the first line starting with `name`.
pub fn field_kib(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The sum in KiB of every line starting with `name` (one per mapping in `smaps`).
pub fn sum_kib(text: &str, name: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.strip_prefix(name))
        .filter_map(|v| v.split_whitespace().next())
        .filter_map(|v| v.parse::<u64>().ok())
        .sum()
}

fn path(pid: u32, file: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{file}"))
}

fn read(pid: u32, file: &str) -> Result<String, String> {
    fs::read_to_string(path(pid, file)).map_err(|e| format!("/proc/{pid}/{file}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let line = "42 (cwm pd) S 1 42 42 0 -1 4194560 300 0 0 0 7 5 0 0 20 0 1 0 100 0 0";
        assert_eq!(stat_cpu_ticks(line), Some(12));
    }

    #[test]
    fn smaps_lines_are_summed_per_mapping() {
        let smaps = "Rss: 8 kB\nPrivate_Dirty:  4 kB\nRss: 12 kB\nPrivate_Dirty: 8 kB\n";
        assert_eq!(sum_kib(smaps, "Private_Dirty:"), 12);
        assert_eq!(field_kib(smaps, "Rss:"), Some(8));
    }

    #[test]
    fn this_process_has_memory_figures() {
        let m = Memory::read(std::process::id()).unwrap();
        assert!(m.rss > 0 && m.private_dirty > 0 && m.hwm >= m.rss);
    }
}
