//! API usage: the daily request allocation every data call counts against.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters for `Sforce-Limit-Info` and `/limits`.
#[derive(Debug)]
pub struct Limits {
    /// Calls counted so far.
    used: AtomicU64,
    /// The daily allocation.
    max: AtomicU64,
}

impl Limits {
    /// A fresh allocation of `max` calls.
    pub fn new(max: u64) -> Limits {
        Limits {
            used: AtomicU64::new(0),
            max: AtomicU64::new(max),
        }
    }

    /// Counts one call. Returns (used, max, allowed): a call over the allocation is refused
    /// and not counted.
    pub fn count_call(&self) -> (u64, u64, bool) {
        let max = self.max.load(Ordering::Relaxed);
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            if used >= max {
                return (used, max, false);
            }
            match self.used.compare_exchange_weak(
                used,
                used + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return (used + 1, max, true),
                Err(actual) => used = actual,
            }
        }
    }

    /// (used, max).
    pub fn usage(&self) -> (u64, u64) {
        (
            self.used.load(Ordering::Relaxed),
            self.max.load(Ordering::Relaxed),
        )
    }

    /// Changes the allocation and optionally the count.
    pub fn set(&self, max: Option<u64>, used: Option<u64>) {
        if let Some(max) = max {
            self.max.store(max, Ordering::Relaxed);
        }
        if let Some(used) = used {
            self.used.store(used, Ordering::Relaxed);
        }
    }
}
