//! Circuit breakers: one per endpoint family, so a failing endpoint stops being hammered while
//! the rest of the API keeps working.
//!
//! Closed: calls flow; `threshold` transient failures in a row open the breaker.
//! Open: calls fail fast (or wait, if their patience allows) until `open_for` has passed; each
//! time it opens again without a success between, the pause doubles up to `max_open_for`.
//! Half-open: one probe call goes through; success closes the breaker, failure opens it again.
//! Throttling and permanent refusals say nothing about the endpoint's health and do not count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Transient failures in a row that open the breaker.
    pub threshold: u32,
    /// The first pause once open.
    pub open_for: Duration,
    /// The longest pause.
    pub max_open_for: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            threshold: 5,
            open_for: Duration::from_secs(5),
            max_open_for: Duration::from_secs(60),
        }
    }
}

/// A breaker's state as the engine and the dashboard see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed {
        /// Transient failures in a row so far.
        failures: u32,
    },
    /// Calls are paused.
    Open {
        /// Until a probe is allowed.
        retry_in: Duration,
        /// The failure that opened it.
        last_failure: String,
    },
    /// One probe is allowed (or in flight).
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half-open`.
    pub fn name(&self) -> &'static str {
        match self {
            BreakerState::Closed { .. } => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// What the breaker says to a call that wants to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
    /// Go ahead.
    Go,
    /// Go ahead as the probe: report the outcome.
    Probe,
    /// Not now; ask again after this long.
    Wait {
        /// Until the next chance.
        retry_in: Duration,
        /// The failure that opened the breaker.
        last_failure: String,
    },
}

#[derive(Debug)]
enum Phase {
    Closed,
    Open { until: Instant },
    HalfOpen { probe_out: bool },
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    failures: u32,
    /// Times opened since the last success (drives the doubling pause).
    opened: u32,
    last_failure: String,
}

/// One endpoint family's breaker.
#[derive(Debug)]
pub struct Breaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner {
                phase: Phase::Closed,
                failures: 0,
                opened: 0,
                last_failure: String::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks whether a call may go now.
    pub fn admit(&self) -> Admit {
        let mut inner = self.lock();
        let now = Instant::now();
        match inner.phase {
            Phase::Closed => Admit::Go,
            Phase::Open { until } if now < until => Admit::Wait {
                retry_in: until - now,
                last_failure: inner.last_failure.clone(),
            },
            Phase::Open { .. } | Phase::HalfOpen { probe_out: false } => {
                inner.phase = Phase::HalfOpen { probe_out: true };
                Admit::Probe
            }
            // Someone else is probing: look again shortly.
            Phase::HalfOpen { probe_out: true } => Admit::Wait {
                retry_in: Duration::from_millis(100),
                last_failure: inner.last_failure.clone(),
            },
        }
    }

    /// Reports a call that reached a healthy endpoint (including permanent refusals).
    pub fn success(&self) {
        let mut inner = self.lock();
        inner.phase = Phase::Closed;
        inner.failures = 0;
        inner.opened = 0;
    }

    /// Reports a call that said nothing about health (throttled, or abandoned before an
    /// answer): a probe slot is given back.
    pub fn neutral(&self) {
        let mut inner = self.lock();
        if let Phase::HalfOpen { probe_out: true } = inner.phase {
            inner.phase = Phase::HalfOpen { probe_out: false };
        }
    }

    /// Reports a transient failure. Returns true when this failure opened the breaker.
    pub fn failure(&self, what: &str) -> bool {
        let mut inner = self.lock();
        inner.failures = inner.failures.saturating_add(1);
        inner.last_failure = what.to_owned();
        let open = match inner.phase {
            Phase::HalfOpen { .. } => true,
            Phase::Closed => inner.failures >= self.config.threshold,
            Phase::Open { .. } => false,
        };
        if open {
            let factor = 1u32.checked_shl(inner.opened.min(16)).unwrap_or(u32::MAX);
            let pause = self
                .config
                .open_for
                .saturating_mul(factor)
                .min(self.config.max_open_for);
            inner.opened = inner.opened.saturating_add(1);
            inner.phase = Phase::Open {
                until: Instant::now() + pause,
            };
        }
        open
    }

    /// The state now.
    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.phase {
            Phase::Closed => BreakerState::Closed {
                failures: inner.failures,
            },
            Phase::Open { until } => {
                let now = Instant::now();
                if now >= until {
                    BreakerState::HalfOpen
                } else {
                    BreakerState::Open {
                        retry_in: until - now,
                        last_failure: inner.last_failure.clone(),
                    }
                }
            }
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

/// The breakers of one transport, one per endpoint family, created on first use.
#[derive(Debug, Default)]
pub struct Breakers {
    config: BreakerConfig,
    by_family: Mutex<HashMap<String, Arc<Breaker>>>,
}

impl Breakers {
    /// Breakers with these settings.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            by_family: Mutex::new(HashMap::new()),
        }
    }

    /// The breaker of `family`.
    pub fn get(&self, family: &str) -> Arc<Breaker> {
        let mut map = self
            .by_family
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(family.to_owned())
            .or_insert_with(|| Arc::new(Breaker::new(self.config)))
            .clone()
    }

    /// Every family's state, sorted by family.
    pub fn states(&self) -> Vec<(String, BreakerState)> {
        let map = self
            .by_family
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<_> = map.iter().map(|(k, b)| (k.clone(), b.state())).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> BreakerConfig {
        BreakerConfig {
            threshold: 3,
            open_for: Duration::from_millis(40),
            max_open_for: Duration::from_millis(100),
        }
    }

    #[test]
    fn opens_after_the_threshold_probes_once_and_closes_on_success() {
        let breaker = Breaker::new(quick());
        assert!(!breaker.failure("503"));
        assert!(!breaker.failure("503"));
        assert_eq!(breaker.admit(), Admit::Go);
        assert!(breaker.failure("503"));
        assert!(matches!(breaker.admit(), Admit::Wait { .. }));
        assert_eq!(breaker.state().name(), "open");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.admit(), Admit::Probe);
        // Only one probe at a time.
        assert!(matches!(breaker.admit(), Admit::Wait { .. }));
        breaker.success();
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 });
        assert_eq!(breaker.admit(), Admit::Go);
    }

    #[test]
    fn a_failed_probe_reopens_for_longer() {
        let breaker = Breaker::new(quick());
        for _ in 0..3 {
            breaker.failure("timeout");
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(breaker.admit(), Admit::Probe);
        assert!(breaker.failure("timeout"));
        let BreakerState::Open {
            retry_in,
            last_failure,
        } = breaker.state()
        else {
            unreachable!("a failed probe must reopen the breaker")
        };
        assert!(retry_in > Duration::from_millis(45), "{retry_in:?}");
        assert_eq!(last_failure, "timeout");
    }

    #[test]
    fn a_neutral_probe_gives_its_slot_back() {
        let breaker = Breaker::new(quick());
        for _ in 0..3 {
            breaker.failure("503");
        }
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(breaker.admit(), Admit::Probe);
        breaker.neutral();
        assert_eq!(breaker.admit(), Admit::Probe);
    }
}
