//! Per-call telemetry: one tracing span per call and fixed-name metrics (through the `metrics`
//! facade, scraped by the Prometheus exporter the server installs), plus in-process counters
//! that benchmarks, tests and the CLI read directly.
//!
//! Metric names (labels in brackets):
//! - `ferry_api_calls_total` [api, family, outcome]: requests sent; outcome is `ok`,
//!   `throttled`, `transient`, `rejected`, `unauthorized`, `network`.
//! - `ferry_api_call_duration_seconds` [api, family]: latency histogram of each request.
//! - `ferry_api_errors_total` [api, family, code]: failed requests by the API's error code.
//! - `ferry_api_budget_remaining` [budget]: what the server last said is left.
//! - `ferry_api_budget_limit`, `ferry_api_budget_window_seconds` [budget]: what it is out of.
//! - `ferry_api_breaker_open` [api, family]: 1 while a breaker is open.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Counters of one transport.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Requests sent (every attempt counts).
    pub requests: u64,
    /// Calls that ended with a usable answer.
    pub succeeded: u64,
    /// Attempts repeated after a transient failure.
    pub retries: u64,
    /// Answers that said "too many requests" (the budget was out of step with the server).
    pub throttled: u64,
    /// Calls that asked their `Auth` to renew a refused session (concurrent refusals of one
    /// session ask together; the `Auth` renews once, so this can exceed the renewals made).
    pub renewals: u64,
    /// Times a breaker opened.
    pub breaker_openings: u64,
    /// Requests per endpoint family.
    pub by_family: BTreeMap<String, u64>,
    /// Failed requests per error code.
    pub errors: BTreeMap<String, u64>,
    /// Total time spent in requests.
    pub busy: Duration,
}

/// The mutable home of [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    stats: Mutex<Stats>,
}

impl Recorder {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Stats) -> R) -> R {
        let mut stats = self
            .stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut stats)
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.with(|s| s.clone())
    }

    /// Records one request's outcome.
    pub(crate) fn request(
        &self,
        api: &'static str,
        family: &str,
        outcome: &'static str,
        code: Option<&str>,
        took: Duration,
    ) {
        metrics::counter!("ferry_api_calls_total", "api" => api, "family" => family.to_owned(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("ferry_api_call_duration_seconds", "api" => api, "family" => family.to_owned())
            .record(took.as_secs_f64());
        if let Some(code) = code {
            metrics::counter!("ferry_api_errors_total", "api" => api, "family" => family.to_owned(), "code" => code.to_owned())
                .increment(1);
        }
        self.with(|s| {
            s.requests += 1;
            s.busy += took;
            *s.by_family.entry(family.to_owned()).or_default() += 1;
            if let Some(code) = code {
                *s.errors.entry(code.to_owned()).or_default() += 1;
            }
            if outcome == "throttled" {
                s.throttled += 1;
            }
        });
    }
}
