//! Shared rate windows: the count of one API account's fixed window (Brightpearl's 200 requests
//! a minute), kept in the store so that every worker process on every machine spends from one
//! allowance. The rule itself is `ferry_core::rate`'s, shared with the in-memory ledger.

pub use ferry_core::rate::{RateTake, SAME_WINDOW_SLACK_MS, WindowState, observe, take};
