//! When periodic Informs and heartbeats fire (digest §7): `T0 + j·I` for the reference time
//! `T0` and interval `I`.

use crate::time::{DateTime, UnixTime};

/// Seconds from `now` until the next time of the form `t0 + j·interval` (0 = due now).
///
/// `t0` of `None` (the Unknown Time, or no absolute clock) means the CPE picks the phase: the
/// next occurrence is one interval after `now`.
pub fn next_phase(now: Option<UnixTime>, t0: Option<UnixTime>, interval: u32) -> u64 {
    let i = i128::from(interval.max(1));
    match (now, t0) {
        (Some(now), Some(t0)) => {
            let d = i128::from(now.secs()) - i128::from(t0.secs());
            let delay = if d > 0 { (i - d % i) % i } else { (-d) % i };
            // 0 <= delay < interval <= u32::MAX.
            u64::try_from(delay).unwrap_or(0)
        }
        _ => u64::from(interval.max(1)),
    }
}

/// The reference time of a `PeriodicInformTime`/`InitiationTime` value: `None` for the Unknown
/// Time and for values without a zone.
pub fn reference(t: Option<DateTime>) -> Option<UnixTime> {
    let t = t?;
    if t.is_unknown() {
        return None;
    }
    t.to_unix()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_phase_follows_reference_time() {
        // I = 1 day, T0 = some UTC midnight in the past: next midnight.
        let t0 = UnixTime(1_704_067_200); // 2024-01-01T00:00:00Z
        let now = UnixTime(1_717_243_200 + 3600); // 2024-06-01T13:00:00Z
        assert_eq!(next_phase(Some(now), Some(t0), 86_400), 11 * 3600);
    }

    #[test]
    fn periodic_phase_with_reference_in_the_future() {
        let now = UnixTime(1_000_000);
        let t0 = UnixTime(1_000_000 + 3 * 600 + 100);
        assert_eq!(next_phase(Some(now), Some(t0), 600), 100);
    }

    #[test]
    fn periodic_phase_exactly_on_time_is_due_now() {
        let t0 = UnixTime(0);
        assert_eq!(next_phase(Some(UnixTime(1200)), Some(t0), 600), 0);
    }

    #[test]
    fn unknown_reference_or_clock_uses_one_interval() {
        assert_eq!(next_phase(None, Some(UnixTime(5)), 300), 300);
        assert_eq!(next_phase(Some(UnixTime(5)), None, 300), 300);
        assert_eq!(reference(Some(DateTime::UNKNOWN)), None);
        assert_eq!(
            reference(Some(DateTime::parse("0001-01-03T00:00:00").unwrap())),
            None
        );
        assert_eq!(
            reference(Some(DateTime::parse("1970-01-01T00:10:00Z").unwrap())),
            Some(UnixTime(600))
        );
    }

    #[test]
    fn genieacs_periodic_time_in_1970_sets_a_daily_phase() {
        // Vector 16: GenieACS sets PeriodicInformTime = 1970-01-01T08:06:06.185Z.
        let t0 = reference(Some(DateTime::parse("1970-01-01T08:06:06.185Z").unwrap())).unwrap();
        let now = UnixTime(1_764_103_248); // 2025-11-25T20:40:48Z
        let d = next_phase(Some(now), Some(t0), 86_400);
        assert_eq!((now.secs() + d as i64 - t0.secs()) % 86_400, 0);
        assert!(d < 86_400);
    }
}
