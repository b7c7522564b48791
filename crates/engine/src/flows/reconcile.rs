//! Reconciliation: every source record of a flow compared with its target records, to find the
//! drift that events missed (a lost webhook, a hand edit in the target, a failed write).
//!
//! A pass walks the source like the initial load ([`super::load`]) and runs each page through
//! [`Flow`]'s dry run: the same read, map, identify and compare under ownership, with no write.
//! With `repair`, each drifted record gets a notice routed to the flow, so the queue repairs it
//! through the normal live path (current state re-read, budgets, retries, dead letters); the
//! pass itself never writes to either system.

use super::load::{LoadError, flow_notice, scan_page};
use crate::Shutdown;
use crate::flows::runtime::{Change, Drift, Flow, FlowSlot};
use crate::worker::PausedFlows;
use ferry_core::{FailureKind, TenantId, Timestamp};
use ferry_store::{AppendBatch, Store, StoreError};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How many drifts and unmappable records a report lists; the rest are only counted.
pub const REPORT_CAP: usize = 1000;

/// A source record the flow could not compare, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unmappable {
    /// The source record's id.
    pub id: String,
    /// Why (the mapping, validation or lookup error, naming the field and the fix).
    pub reason: String,
}

/// What a reconciliation pass of one flow found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReconcileReport {
    /// The flow.
    pub flow: String,
    /// Source records read.
    pub source_records: u64,
    /// Records mapped and compared with their targets.
    pub compared: u64,
    /// Compared records whose targets hold exactly the mapped values.
    pub in_step: u64,
    /// Records with drift (a missing or differing target record).
    pub drifted_records: u64,
    /// The drifts found, one per record and target (at most [`REPORT_CAP`]).
    pub drift: Vec<Drift>,
    /// Drifts found but not listed (over the cap).
    pub drift_omitted: u64,
    /// Records that could not be mapped or compared for a lasting reason (at most
    /// [`REPORT_CAP`] listed).
    pub unmappable: Vec<Unmappable>,
    /// Unmappable records not listed (over the cap).
    pub unmappable_omitted: u64,
    /// Records whose comparison failed for a passing reason (a target read timed out); they
    /// are neither in step nor drifted: run the pass again.
    pub not_compared: Vec<Unmappable>,
    /// Records the flow does not apply to (its `when` is false).
    pub skipped: u64,
    /// Repair notices journaled (with `repair`).
    pub repaired_enqueued: u64,
    /// When the pass started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
}

impl ReconcileReport {
    fn new(flow: &Flow) -> Self {
        let now = Timestamp::now();
        Self {
            flow: flow.name().to_string(),
            source_records: 0,
            compared: 0,
            in_step: 0,
            drifted_records: 0,
            drift: Vec::new(),
            drift_omitted: 0,
            unmappable: Vec::new(),
            unmappable_omitted: 0,
            not_compared: Vec::new(),
            skipped: 0,
            repaired_enqueued: 0,
            started_at: now,
            finished_at: now,
        }
    }

    /// Whether the pass found drift.
    pub fn has_drift(&self) -> bool {
        self.drifted_records > 0
    }
}

/// Why a reconciliation pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Reading the source failed (after retries).
    #[error("{0}")]
    Source(LoadError),
    /// The store refused the repair notices.
    #[error(
        "flow {flow}: journaling {count} repair notice(s) failed: {error}. Nothing was repaired \
         for that page; run `ferry reconcile --repair` again"
    )]
    Store {
        /// The flow.
        flow: String,
        /// How many notices were refused.
        count: usize,
        /// The store's error.
        error: StoreError,
    },
}

/// Compares every source record of `flow` with its targets (`page` records at a time) and,
/// with `repair`, journals a notice per drifted record for the queue to repair.
pub async fn reconcile(
    flow: &Flow,
    store: &dyn Store,
    tenant: &TenantId,
    repair: bool,
    page: usize,
) -> Result<ReconcileReport, ReconcileError> {
    reconcile_with_progress(flow, store, tenant, repair, page, |_| {}).await
}

/// [`reconcile`], calling `on_page` with the report so far after every page (the console's
/// progress).
pub async fn reconcile_with_progress(
    flow: &Flow,
    store: &dyn Store,
    tenant: &TenantId,
    repair: bool,
    page: usize,
    mut on_page: impl FnMut(&ReconcileReport),
) -> Result<ReconcileReport, ReconcileError> {
    let page = page.max(1);
    let mut report = ReconcileReport::new(flow);
    let mut after: Option<String> = None;
    loop {
        let rows = scan_page(flow, after.as_deref(), page)
            .await
            .map_err(ReconcileError::Source)?;
        let full = rows.len() >= page;
        let Some(last) = rows.last().map(|r| r.id.clone()) else {
            break;
        };
        report.source_records += rows.len() as u64;
        let (outcomes, drifts) = flow.compare_with_outcomes(rows).await;
        let drifted: BTreeSet<String> = drifts.iter().map(|d| d.record.clone()).collect();
        for outcome in &outcomes {
            if drifted.contains(&outcome.id) {
                // Drift wins: a missing first target also leaves later targets unmappable
                // (`targets.product.Id`), and the repair rewrites the whole record anyway.
                report.compared += 1;
                continue;
            }
            match &outcome.result {
                Ok(Change::Skipped(_)) => report.skipped += 1,
                Ok(_) => {
                    report.compared += 1;
                    report.in_step += 1;
                }
                Err(failure) => {
                    let entry = Unmappable {
                        id: outcome.id.clone(),
                        reason: format!("{}: {}", failure.code, failure.message),
                    };
                    match failure.kind {
                        FailureKind::Permanent => {
                            if report.unmappable.len() < REPORT_CAP {
                                report.unmappable.push(entry);
                            } else {
                                report.unmappable_omitted += 1;
                            }
                        }
                        FailureKind::Transient => {
                            if report.not_compared.len() < REPORT_CAP {
                                report.not_compared.push(entry);
                            }
                        }
                    }
                }
            }
        }
        report.drifted_records += drifted.len() as u64;
        for drift in drifts {
            metrics::counter!(
                "ferry_reconcile_drift_total",
                "flow" => report.flow.clone(),
                "kind" => if drift.missing { "missing" } else { "different" }
            )
            .increment(1);
            if report.drift.len() < REPORT_CAP {
                report.drift.push(drift);
            } else {
                report.drift_omitted += 1;
            }
        }
        if repair && !drifted.is_empty() {
            let notices: Vec<_> = drifted
                .iter()
                .map(|id| flow_notice(flow, tenant, id, json!({"cause": "reconcile"})))
                .collect();
            let count = notices.len();
            store
                .append(AppendBatch {
                    notices,
                    checkpoints: Vec::new(),
                })
                .await
                .map_err(|error| ReconcileError::Store {
                    flow: report.flow.clone(),
                    count,
                    error,
                })?;
            report.repaired_enqueued += count as u64;
        }
        if !full {
            break;
        }
        on_page(&report);
        after = Some(last);
    }
    report.finished_at = Timestamp::now();
    metrics::gauge!("ferry_reconcile_drifted_records", "flow" => report.flow.clone())
        .set(report.drifted_records as f64);
    tracing::info!(
        flow = %report.flow,
        source_records = report.source_records,
        in_step = report.in_step,
        drifted = report.drifted_records,
        unmappable = report.unmappable.len() as u64 + report.unmappable_omitted,
        repaired_enqueued = report.repaired_enqueued,
        "reconciliation finished"
    );
    Ok(report)
}

/// Reconciles every flow with repair every `every` (the first pass after one period) until
/// `shutdown`. A failed pass is logged and tried again at the next period.
pub async fn run_scheduled(
    flows: Vec<Arc<FlowSlot>>,
    paused: Option<Arc<PausedFlows>>,
    store: Arc<dyn Store>,
    tenant: TenantId,
    every: Duration,
    mut shutdown: Shutdown,
) {
    if every.is_zero() {
        return;
    }
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.wait() => return,
        }
        for slot in &flows {
            if paused.as_ref().is_some_and(|p| p.is_paused(slot.name())) {
                continue;
            }
            let flow = slot.get();
            let pass = reconcile(
                &flow,
                store.as_ref(),
                &tenant,
                true,
                super::load::DEFAULT_PAGE,
            );
            tokio::select! {
                result = pass => {
                    if let Err(error) = result {
                        tracing::warn!(flow = %flow.name(), %error, "scheduled reconciliation failed; tried again next period");
                    }
                }
                () = shutdown.wait() => return,
            }
        }
    }
}
