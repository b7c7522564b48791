//! The gauges `GET /metrics` refreshes from the store on every scrape (queue depth, dead
//! letters, the age of the oldest waiting item per flow; whether the store answered), and the
//! HELP text of every metric Ferry emits. docs/metrics.md lists them all.

use crate::ServerState;
use std::collections::BTreeSet;
use std::sync::{Mutex, Once};
use std::time::Duration;

/// How long a scrape waits for the store's queue counts.
const STORE_PATIENCE: Duration = Duration::from_secs(5);

/// Every flow a scrape has reported, so a flow whose queue emptied out of the store's counts
/// is set to 0 rather than left at its last value.
static SEEN_FLOWS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Reads the store's queue counts and sets the per-flow gauges; `ferry_store_up` says whether
/// that worked (when it is 0 the queue gauges keep their last values).
pub(crate) async fn refresh(state: &ServerState) {
    describe();
    metrics::gauge!("ferry_uptime_seconds").set(state.started.elapsed().as_secs_f64());
    let stats = match tokio::time::timeout(STORE_PATIENCE, state.store.stats(Some(&state.tenant)))
        .await
    {
        Ok(Ok(stats)) => stats,
        Ok(Err(error)) => {
            tracing::warn!(%error, "/metrics: the store failed; queue gauges keep their last values");
            metrics::gauge!("ferry_store_up").set(0.0);
            return;
        }
        Err(_) => {
            tracing::warn!(
                "/metrics: the store did not answer within {} s; queue gauges keep their last values",
                STORE_PATIENCE.as_secs()
            );
            metrics::gauge!("ferry_store_up").set(0.0);
            return;
        }
    };
    metrics::gauge!("ferry_store_up").set(1.0);
    let mut flows: BTreeSet<String> = state
        .routes
        .iter()
        .map(|r| r.flow.as_str().to_owned())
        .collect();
    flows.extend(stats.iter().map(|s| s.flow.as_str().to_owned()));
    if let Ok(mut seen) = SEEN_FLOWS.lock() {
        seen.extend(flows.iter().cloned());
        flows.clone_from(&seen);
    }
    let now = ferry_core::Timestamp::now();
    for flow in flows {
        let queue = stats.iter().find(|s| s.flow.as_str() == flow);
        let count = |pick: fn(&ferry_core::QueueStats) -> i64| queue.map_or(0, pick) as f64;
        for (state, value) in [
            ("pending", count(|q| q.pending)),
            ("retrying", count(|q| q.retrying)),
            ("in_flight", count(|q| q.in_flight)),
        ] {
            metrics::gauge!("ferry_queue_items", "flow" => flow.clone(), "state" => state)
                .set(value);
        }
        metrics::gauge!("ferry_dead_letters", "flow" => flow.clone()).set(count(|q| q.dead));
        let age = queue
            .and_then(|q| q.oldest_enqueued_at)
            .map_or(0.0, |oldest| {
                let micros = now.as_micros().saturating_sub(oldest.as_micros());
                micros.max(0) as f64 / 1e6
            });
        metrics::gauge!("ferry_queue_oldest_pending_age_seconds", "flow" => flow).set(age);
    }
}

/// Registers the HELP text of every metric (once per process).
fn describe() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
        describe_gauge!("ferry_uptime_seconds", Unit::Seconds, "Seconds since the server started.");
        describe_gauge!("ferry_store_up", "1 when the store answered the last scrape's queue read, else 0.");
        describe_gauge!("ferry_queue_items", "Queue items per flow by state: pending (all waiting, including retrying), retrying, in_flight.");
        describe_gauge!("ferry_dead_letters", "Dead letters per flow waiting for an operator.");
        describe_gauge!("ferry_queue_oldest_pending_age_seconds", Unit::Seconds, "Age of the oldest waiting queue item per flow (0 when none): the flow's lag.");
        describe_counter!("ferry_worker_items_total", "Queue items settled by workers, per flow and outcome (succeeded, retried, dead_lettered, lost).");
        describe_counter!("ferry_flow_records_total", "Records a flow processed, per flow and outcome (created, updated, unchanged, skipped, failed).");
        describe_counter!("ferry_initial_load_records_total", "Records an initial load processed, per flow and outcome.");
        describe_counter!("ferry_reconcile_drift_total", "Drifted records found by reconciliation, per flow and kind (missing, different).");
        describe_gauge!("ferry_reconcile_drifted_records", "Drifted records the last reconciliation of a flow found.");
        describe_counter!("ferry_intake_requests_total", "Webhook intake requests by outcome.");
        describe_counter!("ferry_intake_notices_total", "Change notices the webhook intake journaled, per flow.");
        describe_counter!("ferry_cdc_events_total", "Change events received from a Salesforce change-data-capture topic.");
        describe_counter!("ferry_cdc_echoes_dropped_total", "Change events dropped as Ferry's own writes coming back.");
        describe_counter!("ferry_api_calls_total", "API requests sent, per system (api), endpoint family and outcome (ok, throttled, transient, rejected, unauthorized, network).");
        describe_histogram!("ferry_api_call_duration_seconds", Unit::Seconds, "Latency of each API request, per system and endpoint family.");
        describe_counter!("ferry_api_errors_total", "Failed API requests per system, endpoint family and error code.");
        describe_gauge!("ferry_api_budget_remaining", "API calls the server last said are left in a budget.");
        describe_gauge!("ferry_api_budget_limit", "The size of a budget: calls per window, or the daily allocation.");
        describe_gauge!("ferry_api_budget_window_seconds", Unit::Seconds, "The window a budget's limit is counted over (86400 for a daily allocation).");
        describe_gauge!("ferry_api_breaker_open", "1 while an endpoint family's circuit breaker is open (or half-open, probing), 0 once a call closed it.");
    });
}
