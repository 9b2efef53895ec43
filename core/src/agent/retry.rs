//! Session retry back-off (TR-069 §3.2.1.1, digest §6).

use core::time::Duration;

/// `CWMPRetryMinimumWaitInterval` default, seconds.
pub const DEFAULT_MIN_WAIT: u32 = 5;
/// `CWMPRetryIntervalMultiplier` default, thousandths.
pub const DEFAULT_MULTIPLIER: u32 = 2000;

/// The wait before retry number `n` (1-based; 10 and beyond use the 10th row): uniformly random
/// in `[m·k'^(n-1), m·k'^n]` seconds with `k' = k/1000`, `m` = minimum wait (1..=65535) and `k`
/// = multiplier (1000..=65535). `random` is fresh entropy from the caller.
pub fn retry_wait(n: u32, min_wait: u32, multiplier: u32, random: u64) -> Duration {
    let n = n.clamp(1, 10);
    let m = u128::from(min_wait.clamp(1, 65_535));
    let k = u128::from(multiplier.clamp(1000, 65_535));
    // Bounds in milliseconds, in exact integer arithmetic: m·1000·k^e / 1000^e.
    let bound = |e: u32| -> u128 {
        let mut num = m * 1000;
        for _ in 0..e {
            num = num * k / 1000;
        }
        num
    };
    let lo = bound(n - 1);
    let hi = bound(n);
    let span = hi - lo + 1;
    let ms = lo + u128::from(random) % span;
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_wait_rows_match_the_default_table() {
        let table = [
            (5, 10),
            (10, 20),
            (20, 40),
            (40, 80),
            (80, 160),
            (160, 320),
            (320, 640),
            (640, 1280),
            (1280, 2560),
            (2560, 5120),
        ];
        for (i, (lo, hi)) in table.iter().enumerate() {
            let n = i as u32 + 1;
            assert_eq!(
                retry_wait(n, 5, 2000, 0),
                Duration::from_secs(*lo),
                "row {n} low"
            );
            let span_ms = (hi - lo) * 1000 + 1;
            assert_eq!(
                retry_wait(n, 5, 2000, span_ms - 1),
                Duration::from_secs(*hi),
                "row {n} high"
            );
        }
    }

    #[test]
    fn retry_wait_is_capped_at_the_tenth_row() {
        assert_eq!(retry_wait(11, 5, 2000, 0), retry_wait(10, 5, 2000, 0));
        assert_eq!(retry_wait(1000, 5, 2000, 7), retry_wait(10, 5, 2000, 7));
        assert_eq!(retry_wait(0, 5, 2000, 0), retry_wait(1, 5, 2000, 0));
    }

    #[test]
    fn retry_wait_stays_in_range_for_any_entropy() {
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        for n in 1..=12 {
            for _ in 0..200 {
                r = r
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let w = retry_wait(n, 5, 2000, r);
                let row = n.min(10) as i32;
                let lo = 5.0 * 2f64.powi(row - 1);
                let hi = 5.0 * 2f64.powi(row);
                assert!(
                    w.as_secs_f64() >= lo && w.as_secs_f64() <= hi,
                    "n={n} w={w:?}"
                );
            }
        }
    }

    #[test]
    fn retry_wait_uses_configured_interval_and_multiplier() {
        // m = 30 s, k = 1.5: row 2 is 45..67.5 s.
        assert_eq!(retry_wait(2, 30, 1500, 0), Duration::from_secs(45));
        assert_eq!(
            retry_wait(2, 30, 1500, 22_500),
            Duration::from_millis(67_500)
        );
        // Extreme settings saturate instead of overflowing.
        let w = retry_wait(10, 65_535, 65_535, u64::MAX);
        assert!(w > Duration::from_secs(1 << 40));
        // Out-of-range settings are clamped to the allowed ranges.
        assert_eq!(retry_wait(1, 0, 0, 0), Duration::from_secs(1));
    }
}
