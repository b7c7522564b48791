//! Delivery faults: calls lost on the way, delivered twice, out of order, or late. Set at start
//! and changed at run time through the admin API.

use super::lane::Call;
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// The longest injectable delay: a minute is plenty to provoke timeouts in a receiver's logic,
/// and a typo (an extra zero) must not stall deliveries for hours.
const MAX_DELAY_MS: u64 = 60_000;

/// What to inject into webhook deliveries. Rates are probabilities per attempt (`fail_rate`)
/// or per delivered call (`repeat_rate`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryFaults {
    /// Share of attempts lost on the way, as if the network failed: nothing reaches the
    /// receiver and the attempt counts as a failure (QoS 1 retries it, QoS 0 does not).
    pub fail_rate: f64,
    /// Share of delivered calls sent a second time, identically, right after.
    pub repeat_rate: f64,
    /// Hold calls for the reorder window and release each webhook's share out of order.
    pub reorder: bool,
    /// Added before every attempt, in milliseconds.
    pub delay_ms: u64,
}

impl DeliveryFaults {
    /// Checks rates are probabilities and the delay is at most a minute.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("fail_rate", self.fail_rate),
            ("repeat_rate", self.repeat_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} is {rate}; a rate is between 0 and 1"));
            }
        }
        if self.delay_ms > MAX_DELAY_MS {
            return Err(format!(
                "delay_ms is {}; the most is {MAX_DELAY_MS} (one minute)",
                self.delay_ms
            ));
        }
        Ok(())
    }
}

/// True with probability `rate` (out-of-range rates clamp instead of panicking).
pub(super) fn roll(rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        false
    } else if rate >= 1.0 {
        true
    } else {
        rand::rng().random_bool(rate)
    }
}

/// Shuffles calls (raised in ascending call order) so that two or more never keep their order.
pub(super) fn scramble(calls: &mut [Call]) {
    if calls.len() < 2 {
        return;
    }
    calls.shuffle(&mut rand::rng());
    if calls.windows(2).all(|pair| pair[0].id < pair[1].id) {
        calls.rotate_left(1);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_unknown_fields() {
        assert!(DeliveryFaults::default().validate().is_ok());
        let bad = DeliveryFaults {
            fail_rate: 1.5,
            ..DeliveryFaults::default()
        };
        assert!(bad.validate().unwrap_err().starts_with("fail_rate is 1.5"));
        let bad = DeliveryFaults {
            repeat_rate: f64::NAN,
            ..DeliveryFaults::default()
        };
        assert!(bad.validate().is_err());
        let bad = DeliveryFaults {
            delay_ms: 600_000,
            ..DeliveryFaults::default()
        };
        assert!(bad.validate().is_err());
        let parsed: DeliveryFaults = serde_json::from_str(r#"{"reorder": true}"#).unwrap();
        assert!(parsed.reorder);
        assert!(serde_json::from_str::<DeliveryFaults>(r#"{"fail": 1}"#).is_err());
    }

    #[test]
    fn rolls_clamp() {
        assert!(!roll(0.0));
        assert!(!roll(f64::NAN));
        assert!(roll(1.0));
        assert!(roll(7.0));
    }
}
