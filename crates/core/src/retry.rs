//! Retry policy: exponential backoff with full jitter, a pure function of the attempt number.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often and how patiently a failed item is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts before an item is dead-lettered (the first try counts).
    pub max_attempts: u32,
    /// The backoff ceiling for the first retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling, however many attempts have failed.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryPolicy {
    /// True when an item that has failed `attempts` times may be tried again.
    pub fn allows_another(&self, attempts: i64) -> bool {
        attempts < i64::from(self.max_attempts)
    }

    /// The delay before the next try after `attempt` failed, with "full jitter": a uniform draw
    /// between zero and the exponential ceiling. `unit` is a random number in `[0, 1)` supplied by
    /// the caller, which keeps this function pure and testable. Full jitter spreads a herd of
    /// retries (say, after an outage) evenly instead of in synchronised waves.
    pub fn backoff(&self, attempt: i64, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt);
        ceiling.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The exponential ceiling for the delay after `attempt` failed: base × 2^(attempt−1),
    /// capped at `max_delay`.
    pub fn ceiling(&self, attempt: i64) -> Duration {
        let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 62)).unwrap_or(62);
        let factor = 1u64.checked_shl(exponent).unwrap_or(u64::MAX);
        let base = u64::try_from(self.base_delay.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(base.saturating_mul(factor)).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let ceilings: Vec<u128> = (1..=6).map(|a| policy.ceiling(a).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(policy.ceiling(10_000), Duration::from_secs(1));
    }

    #[test]
    fn full_jitter_stays_within_zero_and_the_ceiling() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(3, 0.5), Duration::from_secs(2));
        assert!(policy.backoff(3, 0.999_999) < Duration::from_secs(4));
        assert_eq!(policy.backoff(3, 7.0), Duration::from_secs(4));
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(policy.allows_another(2));
        assert!(!policy.allows_another(3));
    }
}
