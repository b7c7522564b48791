//! What delivery leaves behind for the admin API and tests: a bounded log of attempts and
//! counters, plus the faults in force, all shared by the dispatcher, its lanes and the handle.

use super::faults::DeliveryFaults;
use crate::brightpearl::webhooks::HttpMethod;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize};

/// One attempt to deliver a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// The call (the same for every attempt of it, and for its repeat).
    pub call: u64,
    /// The webhook that made it.
    pub webhook_id: u64,
    /// Whether it came from simulate rather than a write.
    pub simulated: bool,
    /// The method.
    pub method: HttpMethod,
    /// The rendered URI.
    pub url: String,
    /// The rendered body (POST/PUT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Whether this is the duplicate the `repeat_rate` fault sent.
    pub repeat: bool,
    /// The receiver's HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there is no status: connection failure, timeout, injected loss.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What happens to the call next.
    pub next: NextStep,
    /// When the attempt ended, UTC.
    pub at: String,
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NextStep {
    /// Delivered (a 2xx), or a repeat that is not followed up.
    Done,
    /// Tried again after this wait.
    Retry {
        /// The backoff, in milliseconds.
        after_ms: u64,
    },
    /// Not tried again.
    GiveUp {
        /// Which rule stopped it.
        reason: String,
    },
}

/// Running totals since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounters {
    /// Attempts made (injected losses included, repeats not).
    pub sent: u64,
    /// Calls answered with a 2xx.
    pub delivered: u64,
    /// Attempts that did not get a 2xx.
    pub failed: u64,
    /// Attempts after the first.
    pub retried: u64,
    /// Calls abandoned: the rules allow no retry, or the attempts ran out.
    pub given_up: u64,
    /// Duplicates sent by the `repeat_rate` fault.
    pub repeated: u64,
    /// Calls queued by simulate.
    pub simulated: u64,
    /// Calls still pending when the dispatcher stopped.
    pub dropped_on_stop: u64,
}

/// State the handle, the dispatcher and the lanes share. Each lock is held for a copy or a
/// push, never across an await.
#[derive(Debug)]
pub(super) struct Shared {
    /// Set by the admin API, read before every attempt.
    pub(super) faults: Mutex<DeliveryFaults>,
    /// The last `log_capacity` attempts.
    log: Mutex<VecDeque<DeliveryAttempt>>,
    log_capacity: usize,
    counters: Mutex<DeliveryCounters>,
    /// Calls handed to lanes and not finished (retries waiting included), for the stop report.
    pub(super) pending: AtomicUsize,
    /// The next call number.
    pub(super) next_call: AtomicU64,
}

impl Shared {
    pub(super) fn new(faults: DeliveryFaults, log_capacity: usize) -> Shared {
        Shared {
            faults: Mutex::new(faults),
            log: Mutex::new(VecDeque::new()),
            log_capacity,
            counters: Mutex::new(DeliveryCounters::default()),
            pending: AtomicUsize::new(0),
            next_call: AtomicU64::new(1),
        }
    }

    pub(super) fn faults(&self) -> DeliveryFaults {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(super) fn record(&self, attempt: DeliveryAttempt) {
        if self.log_capacity == 0 {
            return;
        }
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        while log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(attempt);
    }

    pub(super) fn count(&self, change: impl FnOnce(&mut DeliveryCounters)) {
        change(&mut self.counters.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub(super) fn log(&self) -> Vec<DeliveryAttempt> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().cloned().collect()
    }

    pub(super) fn counters(&self) -> DeliveryCounters {
        *self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn clear(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
        *self.counters.lock().unwrap_or_else(|p| p.into_inner()) = DeliveryCounters::default();
    }
}
