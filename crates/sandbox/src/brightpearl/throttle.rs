//! Request throttling (reference §3): a fixed 60-second window per pool, opened by the pool's
//! first request, allowing `limit` requests. Private apps share the account's pool; OAuth apps
//! get their own. Every answer carries the remaining count and the milliseconds to the next
//! window. A limit of 0 turns throttling off: nothing is refused, and every answer reads like
//! the first of a window that ends a millisecond later (`remaining` 199, next period 1 ms), so
//! clients that pace themselves by the headers never slow down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Brightpearl's default cap per minute.
pub const DEFAULT_LIMIT: u32 = 200;
/// The window length.
pub const WINDOW_MS: i64 = 60_000;

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request may run.
    pub allowed: bool,
    /// `brightpearl-requests-remaining`.
    pub remaining: u32,
    /// `brightpearl-next-throttle-period` (ms).
    pub next_period_ms: i64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    used: u32,
}

/// Every pool's current window.
#[derive(Debug)]
pub struct Throttle {
    limit: AtomicU32,
    windows: Mutex<HashMap<String, Window>>,
}

impl Throttle {
    /// A throttle allowing `limit` requests per minute per pool (0 = off).
    pub fn new(limit: u32) -> Throttle {
        Throttle {
            limit: AtomicU32::new(limit),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The cap (0 = off).
    pub fn limit(&self) -> u32 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Changes the cap; open windows keep their counts.
    pub fn set_limit(&self, limit: u32) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// Forgets every window (admin reset).
    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Counts one request against `pool` at `now_ms`.
    pub fn take(&self, pool: &str, now_ms: i64) -> Verdict {
        let limit = self.limit();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(pool.to_string()).or_insert(Window {
            start_ms: now_ms,
            used: 0,
        });
        if now_ms >= window.start_ms + WINDOW_MS || now_ms < window.start_ms {
            *window = Window {
                start_ms: now_ms,
                used: 0,
            };
        }
        let next_period_ms = (window.start_ms + WINDOW_MS - now_ms).max(1);
        if limit == 0 {
            // No window to wait for: a client that believes the headers sees a fresh one at
            // every call (a fixed end would make it wait out a minute every 200 calls).
            return Verdict {
                allowed: true,
                remaining: DEFAULT_LIMIT - 1,
                next_period_ms: 1,
            };
        }
        if window.used >= limit {
            return Verdict {
                allowed: false,
                remaining: 0,
                next_period_ms,
            };
        }
        window.used += 1;
        Verdict {
            allowed: true,
            remaining: limit - window.used,
            next_period_ms,
        }
    }
}

/// The body of a throttled answer (503).
pub const THROTTLED_TEXT: &str =
    "You have sent too many requests. Please wait before sending another request";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_the_limit_then_refuses_until_it_ends() {
        let throttle = Throttle::new(200);
        let first = throttle.take("acme", 1_000);
        assert_eq!(
            (first.allowed, first.remaining, first.next_period_ms),
            (true, 199, 60_000)
        );
        for i in 2..=200 {
            let v = throttle.take("acme", 1_000 + i);
            assert!(v.allowed);
            assert_eq!(v.remaining, 200 - i as u32);
        }
        let refused = throttle.take("acme", 31_000);
        assert_eq!(
            (refused.allowed, refused.remaining, refused.next_period_ms),
            (false, 0, 30_000)
        );
        assert!(
            throttle.take("other-pool", 31_000).allowed,
            "pools are separate"
        );
        assert!(throttle.take("acme", 61_000).allowed, "a new window opens");
        throttle.set_limit(0);
        for _ in 0..1000 {
            let off = throttle.take("acme", 62_000);
            assert_eq!(
                (off.allowed, off.remaining, off.next_period_ms),
                (true, 199, 1)
            );
        }
    }
}
