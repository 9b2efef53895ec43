//! Rate limiting of Connection Requests (TR-069 §3.2.2: SHOULD limit, answer 503).
//!
//! Responsible for admitting at most N requests in any window of the configured length
//! (a sliding log of admission times, so the bound holds for every window, not only aligned
//! ones). Not responsible for what a refused request gets (the server answers 503).

use core::time::Duration;

use crate::limits::CR_MAX_RATE_LIMIT;
use crate::time::Instant;

/// The limit: `max` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests admitted per window, 1..=[`CR_MAX_RATE_LIMIT`].
    pub max: u16,
    /// Window length.
    pub window: Duration,
}

impl RateLimit {
    /// The icwmp default: 50 per 5 seconds.
    pub const DEFAULT: RateLimit = RateLimit {
        max: crate::limits::CR_DEFAULT_RATE_LIMIT,
        window: Duration::from_secs(crate::limits::CR_DEFAULT_RATE_WINDOW_SECS),
    };

    /// True when `max` is within 1..=[`CR_MAX_RATE_LIMIT`].
    pub const fn is_valid(&self) -> bool {
        self.max >= 1 && self.max <= CR_MAX_RATE_LIMIT
    }
}

/// Sliding-window admission control.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    admitted: heapless::Deque<Instant, { CR_MAX_RATE_LIMIT as usize }>,
}

impl RateLimiter {
    /// A limiter with nothing admitted yet (`limit.max` is clamped to the valid range).
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit: RateLimit {
                max: limit.max.clamp(1, CR_MAX_RATE_LIMIT),
                window: limit.window,
            },
            admitted: heapless::Deque::new(),
        }
    }

    /// Admits one request at `now` if fewer than `max` were admitted in the window before it.
    pub fn try_admit(&mut self, now: Instant) -> bool {
        while let Some(&oldest) = self.admitted.front() {
            if now.saturating_since(oldest) >= self.limit.window {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
        if self.admitted.len() >= usize::from(self.limit.max) {
            return false;
        }
        // len < max <= capacity, so there is room.
        self.admitted.push_back(now).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_admits_fifty_per_five_seconds() {
        let mut r = RateLimiter::new(RateLimit::DEFAULT);
        let t0 = Instant::from_millis(10_000);
        for i in 0..50 {
            assert!(r.try_admit(t0 + Duration::from_millis(i)), "{i}");
        }
        assert!(!r.try_admit(t0 + Duration::from_millis(100)));
        assert!(!r.try_admit(t0 + Duration::from_millis(4_999)));
        // The first admission leaves the window at t0 + 5 s.
        assert!(r.try_admit(t0 + Duration::from_secs(5)));
        assert!(!r.try_admit(t0 + Duration::from_secs(5)));
    }

    #[test]
    fn bound_holds_across_window_boundaries() {
        let mut r = RateLimiter::new(RateLimit {
            max: 3,
            window: Duration::from_secs(1),
        });
        let t = |ms| Instant::from_millis(ms);
        assert!(r.try_admit(t(900)));
        assert!(r.try_admit(t(950)));
        assert!(r.try_admit(t(999)));
        // A fixed window would reset at 1000 ms and admit three more here.
        assert!(!r.try_admit(t(1_001)));
        assert!(r.try_admit(t(1_900)));
    }

    #[test]
    fn out_of_range_limits_are_clamped() {
        assert!(
            !RateLimit {
                max: 0,
                window: Duration::from_secs(1)
            }
            .is_valid()
        );
        let mut r = RateLimiter::new(RateLimit {
            max: 1000,
            window: Duration::from_secs(1),
        });
        for _ in 0..CR_MAX_RATE_LIMIT {
            assert!(r.try_admit(Instant::ZERO));
        }
        assert!(!r.try_admit(Instant::ZERO));
    }
}
