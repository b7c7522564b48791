//! Shared rate windows: the count of one API account's fixed window (Brightpearl's 200 requests
//! a minute), kept in the store so that every worker process on every machine spends from one
//! allowance.
//!
//! The rule is pure (plain numbers: window end in epoch milliseconds, units remaining), so the
//! in-memory ledger of `ferry_http::budget` and the SQL ledger of `ferry_store` apply the very
//! same code, each with its own clock and its own atomicity.

/// The answer to a request for units from a rate window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateTake {
    /// True when the units were spent.
    pub granted: bool,
    /// Units left in the window (after this take, when granted).
    pub remaining: u32,
    /// When not granted: milliseconds until the window ends (at least 1). Zero when granted.
    pub wait_ms: i64,
}

/// Windows whose ends differ by at most this are taken to be the same window
pub const SAME_WINDOW_SLACK_MS: i64 = 2_000;

/// A window's state: (end in epoch milliseconds, units remaining). An ended window is the same
/// as none.
pub type WindowState = (i64, u32);

/// Takes `cost` units at `now_ms`, opening a fresh window of `limit` units lasting `window_ms`
/// when none is open. Returns the new state and the answer.
pub fn take(
    state: Option<WindowState>,
    now_ms: i64,
    cost: u32,
    limit: u32,
    window_ms: i64,
) -> (WindowState, RateTake) {
    let (ends, remaining) = match state {
        Some((ends, remaining)) if ends > now_ms => (ends, remaining),
        _ => (now_ms.saturating_add(window_ms.max(0)), limit),
    };
    // A call costing more than a whole window would otherwise wait forever.
    let cost = cost.min(limit.max(1));
    if remaining >= cost {
        let left = remaining - cost;
        (
            (ends, left),
            RateTake {
                granted: true,
                remaining: left,
                wait_ms: 0,
            },
        )
    } else {
        (
            (ends, remaining),
            RateTake {
                granted: false,
                remaining,
                wait_ms: ends.saturating_sub(now_ms).max(1),
            },
        )
    }
}

/// Corrects the window from the server's own count: `remaining` left, ending in `resets_in_ms`.
/// The same window (ends within the slack): the smaller count and the later end win, since other
/// calls may be in flight and our window opened before the server saw the first call.
/// Otherwise the server's window replaces ours.
pub fn observe(
    state: Option<WindowState>,
    now_ms: i64,
    remaining: u32,
    resets_in_ms: i64,
) -> WindowState {
    let server_ends = now_ms.saturating_add(resets_in_ms.max(0));
    match state {
        Some((ends, ours))
            if ends > now_ms && ends.saturating_sub(server_ends).abs() <= SAME_WINDOW_SLACK_MS =>
        {
            // The later end: ours opened when the first call left, the server's when it
            // arrived, so ours ends a little early; releasing calls at our end would meet the
            // server's old window and be throttled.
            (ends.max(server_ends), ours.min(remaining))
        }
        _ => (server_ends, remaining),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn granted(remaining: u32) -> RateTake {
        RateTake {
            granted: true,
            remaining,
            wait_ms: 0,
        }
    }

    #[test]
    fn a_fresh_window_grants_until_spent_then_says_how_long_to_wait() {
        let (state, answer) = take(None, 1_000, 1, 3, MINUTE);
        assert_eq!(answer, granted(2));
        let (state, _) = take(Some(state), 2_000, 2, 3, MINUTE);
        assert_eq!(state, (61_000, 0));
        let (state, answer) = take(Some(state), 31_000, 1, 3, MINUTE);
        assert_eq!(
            answer,
            RateTake {
                granted: false,
                remaining: 0,
                wait_ms: 30_000
            }
        );
        // The window ends: a new one opens.
        let (_, answer) = take(Some(state), 61_000, 1, 3, MINUTE);
        assert_eq!(answer, granted(2));
    }

    #[test]
    fn a_call_costing_more_than_a_window_still_goes_through_a_fresh_window() {
        assert_eq!(take(None, 0, 500, 200, MINUTE).1, granted(0));
    }

    #[test]
    fn the_server_count_corrects_the_window() {
        assert_eq!(observe(Some((60_000, 150)), 0, 120, 59_000), (60_000, 120));
        // The same window ending a little later at the server: its end is kept.
        assert_eq!(observe(Some((60_000, 150)), 0, 120, 61_500), (61_500, 120));
        assert_eq!(observe(Some((60_000, 100)), 0, 120, 60_500), (60_500, 100));
        assert_eq!(observe(Some((60_000, 100)), 0, 10, 20_000), (20_000, 10));
        assert_eq!(observe(None, 5, 7, MINUTE), (60_005, 7));
        // An ended window is no window.
        assert_eq!(observe(Some((4, 100)), 5, 7, MINUTE), (60_005, 7));
    }
}
