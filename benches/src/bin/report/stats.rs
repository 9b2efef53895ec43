//! Order statistics of repeated timings: median and p99 (nearest rank).
//!
//! Responsible for summarising samples. Not responsible for taking them.

use std::time::Duration;

/// The summary of a set of timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Smallest.
    pub min: Duration,
    /// Median (the lower middle sample of an even count).
    pub median: Duration,
    /// 99th percentile, nearest rank (the largest sample below 100 samples).
    pub p99: Duration,
    /// Largest.
    pub max: Duration,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        let mut s = samples.to_vec();
        s.sort_unstable();
        let n = s.len();
        let last = n.checked_sub(1)?;
        // Every index below is at most `last`, which exists.
        Some(Summary {
            n,
            min: s[0],
            median: s[last / 2],
            p99: s[rank(n, 99)],
            max: s[last],
        })
    }

    /// As JSON, in microseconds.
    pub fn json(&self) -> serde_json::Value {
        let us = |d: Duration| (d.as_secs_f64() * 1e7).round() / 10.0;
        serde_json::json!({
            "runs": self.n,
            "min_us": us(self.min),
            "median_us": us(self.median),
            "p99_us": us(self.p99),
            "max_us": us(self.max),
        })
    }
}

/// Index of the `pct` percentile by nearest rank in `n > 0` sorted samples.
fn rank(n: usize, pct: usize) -> usize {
    // ceil(pct/100 * n) as a 1-based rank.
    (pct * n).div_ceil(100).clamp(1, n) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&x| Duration::from_millis(x)).collect()
    }

    #[test]
    fn median_and_p99_of_a_hundred_samples() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.median, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(
            (s.min, s.max),
            (Duration::from_millis(1), Duration::from_millis(100))
        );
    }

    #[test]
    fn p99_of_few_samples_is_the_largest() {
        let s = Summary::of(&ms(&[3, 1, 2])).unwrap();
        assert_eq!(s.median, Duration::from_millis(2));
        assert_eq!(s.p99, Duration::from_millis(3));
    }

    #[test]
    fn no_samples_no_summary() {
        assert_eq!(Summary::of(&[]), None);
    }
}
