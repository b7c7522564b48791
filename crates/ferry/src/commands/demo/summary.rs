//! What the demo shows while it runs (one line per flow every few seconds) and the JSON
//! report it writes at the end.

use anyhow::{Context as _, Result};
use ferry_core::{QueueStats, System, TenantId, Timestamp};
use ferry_engine::flows::reconcile::ReconcileReport;
use ferry_engine::flows::runtime::{Flow, FlowSet};
use ferry_store::Store;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// How many drifted records the report lists per flow (the count covers all).
const DRIFT_SAMPLE: usize = 5;

/// `brightpearl→salesforce`: where a flow's records go.
pub fn direction(flow: &Flow) -> String {
    let spec = flow.spec();
    let source = spec.source.system;
    let mut targets: Vec<System> = spec.targets.iter().map(|t| t.system_for(source)).collect();
    targets.dedup();
    let targets: Vec<&str> = targets.iter().map(|s| s.as_str()).collect();
    format!("{}→{}", source.as_str(), targets.join("+"))
}

fn short(system: &str) -> &str {
    match system {
        "brightpearl" => "BP",
        "salesforce" => "SF",
        other => other,
    }
}

/// The queue's numbers per flow (empty when the store does not answer: the summary says so).
pub async fn queue_stats(store: &dyn Store, tenant: &TenantId) -> BTreeMap<String, QueueStats> {
    match store.stats(Some(tenant)).await {
        Ok(stats) => stats
            .into_iter()
            .map(|s| (s.flow.as_str().to_owned(), s))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "the queue's numbers cannot be read");
            BTreeMap::new()
        }
    }
}

/// One line per flow: records created/updated/unchanged/failed so far (initial load and live
/// sync), items waiting and the age of the oldest (the lag), dead letters.
pub async fn lines(flows: &FlowSet, store: &dyn Store, tenant: &TenantId) -> Vec<String> {
    let stats = queue_stats(store, tenant).await;
    let now = Timestamp::now().to_datetime();
    let width = flows
        .flows()
        .iter()
        .map(|f| f.name().as_str().len())
        .max()
        .unwrap_or(0);
    flows
        .flows()
        .iter()
        .map(|flow| {
            let t = flow.totals();
            let dir = direction(flow);
            let (from, to) = dir.split_once('→').unwrap_or((&dir, ""));
            let queue = stats.get(flow.name().as_str());
            let waiting = queue.map_or(0, |q| q.pending + q.in_flight);
            let lag = queue
                .and_then(|q| q.oldest_enqueued_at)
                .map(|at| (now - at.to_datetime()).whole_seconds().max(0))
                .unwrap_or(0);
            let dead = queue.map_or(0, |q| q.dead);
            format!(
                "  {:<width$} {}→{}  created {:>5}  updated {:>5}  unchanged {:>5}  failed {:>3}  \
                 | waiting {:>4}, lag {:>3}s, dead letters {}",
                flow.name().as_str(),
                short(from),
                short(to),
                t.created,
                t.updated,
                t.unchanged,
                t.failed,
                waiting,
                lag,
                dead,
            )
        })
        .collect()
}

/// The report's numbers for one flow.
pub fn flow_entry(flow: &Flow, reconciled: Option<&ReconcileReport>, dead: i64) -> Value {
    let t = flow.totals();
    let mut entry = json!({
        "direction": direction(flow),
        "created": t.created,
        "updated": t.updated,
        "unchanged": t.unchanged,
        "failed": t.failed,
        "skipped": t.skipped,
        "dead_letters": dead,
    });
    match reconciled {
        Some(r) => {
            entry["drift"] = json!(r.drifted_records);
            entry["drift_sample"] = Value::Array(
                r.drift
                    .iter()
                    .take(DRIFT_SAMPLE)
                    .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
                    .collect(),
            );
            entry["source_records"] = json!(r.source_records);
            entry["in_step"] = json!(r.in_step);
            entry["unmappable"] = json!(r.unmappable.len() as u64 + r.unmappable_omitted);
        }
        None => {
            entry["drift"] = Value::Null;
            entry["drift_sample"] = json!([]);
        }
    }
    entry
}

/// The whole report.
pub struct Report {
    /// When the demo started.
    pub started_at: Timestamp,
    /// Per flow, in dependency order.
    pub flows: Vec<(String, Value)>,
    /// Failures of the final reconciliation, per flow (the report still gets written).
    pub reconcile_errors: BTreeMap<String, String>,
    /// API calls (every attempt) through Ferry's Brightpearl and Salesforce clients.
    pub api_calls: (u64, u64),
    /// Seconds from the start until the first record reached Salesforce.
    pub first_record_seconds: Option<f64>,
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        let flows: serde_json::Map<String, Value> = self.flows.iter().cloned().collect();
        json!({
            "started_at": rfc3339(self.started_at),
            "finished_at": rfc3339(Timestamp::now()),
            "flows": flows,
            "reconcile_errors": self.reconcile_errors,
            "api_calls": {
                "brightpearl": self.api_calls.0,
                "salesforce": self.api_calls.1,
                "counted_by": "Ferry's own clients (every HTTP attempt, retries included): \
                    webhook registration, initial load, live sync, reconciliation",
            },
            "first_record_seconds": self.first_record_seconds,
        })
    }

    /// Writes the report to `path` whole or not at all (a temporary file, then a rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json())?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, format!("{text}\n"))
            .with_context(|| format!("--report {}: cannot write the report", path.display()))?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("--report {}: cannot write the report", path.display()))?;
        Ok(())
    }
}

/// Dead letters per flow.
pub async fn dead_letters(store: &Arc<dyn Store>, tenant: &TenantId) -> BTreeMap<String, i64> {
    queue_stats(store.as_ref(), tenant)
        .await
        .into_iter()
        .map(|(flow, s)| (flow, s.dead))
        .collect()
}

/// A time as RFC 3339 text (UTC), as people and tools read it.
fn rfc3339(at: Timestamp) -> String {
    at.to_datetime()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
