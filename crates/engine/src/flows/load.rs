//! The initial load: every record of a flow's source, streamed page by page through the flow.
//!
//! A load walks the source in id order ([`Source::scan`](crate::flows::adapters::Source::scan)),
//! runs each page through [`Flow::sync_rows`] (the same map, compare, batched write and link as
//! live sync, so a record already in step costs no write), and then, in **one**
//! [`Journal::append`](ferry_store::Journal::append):
//! - journals a notice for every record of the page that failed, routed to this flow, so the
//!   queue retries it through the normal worker path and a permanent failure reaches the dead
//!   letters with its reason (no record of the source is silently left behind);
//! - advances the checkpoint `initial:<flow>` to the page's last id.
//!
//! Both or neither: a crash between pages resumes after the last journaled page, and redoing a
//! page is harmless (writes are upserts by key or updates by link). A finished load leaves the
//! checkpoint `done:<last id>`, so running it again says so instead of reading everything again
//! (`restart` reads everything again; unchanged records cost no write).
//!
//! The next page is read while the current one is written, so the source's reads and the
//! target's writes overlap; at most two pages are in memory.

use crate::flows::adapters::{AdapterError, Row, Source};
use crate::flows::runtime::{Change, Flow, RecordOutcome};
use ferry_core::{ChangeNotice, FailureKind, Operation, TenantId, Timestamp};
use ferry_store::{AppendBatch, CheckpointUpdate, RoutedNotice, Store, StoreError};
use serde_json::json;
use std::time::Duration;

/// Records per source page unless told otherwise: ten Salesforce Collections calls, four
/// Brightpearl searches.
pub const DEFAULT_PAGE: usize = 2000;

/// How many times a source read that failed transiently is tried before the load stops.
const SCAN_ATTEMPTS: u32 = 5;

/// The first pause after a failed source read; it doubles each time.
const SCAN_BACKOFF: Duration = Duration::from_millis(500);

/// The prefix of a finished load's checkpoint value.
const DONE: &str = "done:";

/// How an initial load runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Records read per source page (and handed to the flow per batch).
    pub page: usize,
    /// Read everything again from the first record, even after a finished or interrupted load.
    pub restart: bool,
    /// How many records the source holds, when the caller could count them cheaply; only
    /// reported (progress bars, ETA), never relied on.
    pub estimated_total: Option<u64>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            page: DEFAULT_PAGE,
            restart: false,
            estimated_total: None,
        }
    }
}

/// Where an initial load is, reported after every page and at the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadProgress {
    /// The flow being loaded.
    pub flow: String,
    /// Source records read by this run.
    pub read: u64,
    /// Records for which a target record was created.
    pub created: u64,
    /// Records whose target records were updated.
    pub updated: u64,
    /// Records whose targets already held the mapped values (no write).
    pub unchanged: u64,
    /// Records the flow does not apply to (its `when` is false).
    pub skipped: u64,
    /// Records that failed in this run.
    pub failed: u64,
    /// Failed records journaled for the queue to retry (or dead-letter with the reason).
    pub queued_for_retry: u64,
    /// Source pages read and journaled.
    pub pages: u64,
    /// When this run started.
    pub started_at: Timestamp,
    /// The whole source has been read.
    pub done: bool,
    /// How many records the source holds, when known (see [`LoadOptions::estimated_total`]).
    pub estimated_total: Option<u64>,
}

impl LoadProgress {
    fn new(flow: &Flow, estimated_total: Option<u64>) -> Self {
        Self {
            flow: flow.name().to_string(),
            read: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            skipped: 0,
            failed: 0,
            queued_for_retry: 0,
            pages: 0,
            started_at: Timestamp::now(),
            done: false,
            estimated_total,
        }
    }

    fn count(&mut self, outcomes: &[RecordOutcome]) {
        let flow = self.flow.clone();
        for outcome in outcomes {
            let (slot, label) = match &outcome.result {
                Ok(Change::Created) => (&mut self.created, "created"),
                Ok(Change::Updated | Change::Deactivated) => (&mut self.updated, "updated"),
                Ok(Change::Unchanged | Change::Gone) => (&mut self.unchanged, "unchanged"),
                Ok(Change::Skipped(_)) => (&mut self.skipped, "skipped"),
                Err(_) => (&mut self.failed, "failed"),
            };
            *slot += 1;
            metrics::counter!(
                "ferry_initial_load_records_total",
                "flow" => flow.clone(),
                "outcome" => label
            )
            .increment(1);
        }
    }
}

/// Why an initial load stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The load finished before; nothing was read.
    #[error(
        "flow {flow}: the initial load already finished (last record {last}); use --restart to \
         load every record again"
    )]
    AlreadyLoaded {
        /// The flow.
        flow: String,
        /// The last record id of the finished load (empty: the source was empty).
        last: String,
    },
    /// Reading the source failed (after retries, when the failure was transient).
    #[error(
        "flow {flow}: reading the source {object} after record {after} failed ({attempts} \
         attempt(s)): {error}. Records up to {after} are loaded and the checkpoint is kept: {next}"
    )]
    Source {
        /// The flow.
        flow: String,
        /// The source object.
        object: String,
        /// The last record loaded (`the start` when none).
        after: String,
        /// How many times the read was tried.
        attempts: u32,
        /// The adapter's error.
        error: AdapterError,
        /// What to do next.
        next: &'static str,
    },
    /// The store refused the page's notices and checkpoint.
    #[error(
        "flow {flow}: journaling the page after record {after} failed: {error}. The page's \
         writes are done; run the load again to resume (the page is redone, which writes \
         nothing new)"
    )]
    Store {
        /// The flow.
        flow: String,
        /// The last record whose page was journaled (`the start` when none).
        after: String,
        /// The store's error.
        error: StoreError,
    },
}

/// The checkpoint name of a flow's initial load.
pub fn checkpoint_name(flow: &Flow) -> String {
    format!("initial:{}", flow.name())
}

/// Loads every record of `flow`'s source into its targets, resuming after the last journaled
/// page unless `options.restart`. `on_progress` is called after every page and once at the
/// end. Flows that depend on others must be loaded after them (the caller orders them by
/// `depends_on`).
pub async fn initial_load(
    flow: &Flow,
    store: &dyn Store,
    tenant: &TenantId,
    options: LoadOptions,
    mut on_progress: impl FnMut(&LoadProgress),
) -> Result<LoadProgress, LoadError> {
    let name = checkpoint_name(flow);
    let system = flow.spec().source.system;
    let page = options.page.max(1);
    let mut progress = LoadProgress::new(flow, options.estimated_total);
    let saved = store
        .checkpoint(tenant, system, &name)
        .await
        .map_err(|error| LoadError::Store {
            flow: flow.name().to_string(),
            after: "the start".into(),
            error,
        })?;
    let mut after: Option<String> = match saved {
        _ if options.restart => None,
        Some(value) => match value.strip_prefix(DONE) {
            Some(last) => {
                return Err(LoadError::AlreadyLoaded {
                    flow: flow.name().to_string(),
                    last: last.to_string(),
                });
            }
            None if value.is_empty() => None,
            None => Some(value),
        },
        None => None,
    };
    tracing::info!(flow = %flow.name(), after = ?after, page, "initial load starting");
    let mut rows = scan_page(flow, after.as_deref(), page).await?;
    loop {
        let full = rows.len() >= page;
        let last = rows.last().map(|r| r.id.clone());
        let ids_read = rows.len() as u64;
        // Read the next page while this one is written.
        let next_after = last.clone().filter(|_| full);
        let next = async {
            match &next_after {
                Some(last) => Some(scan_page(flow, Some(last), page).await),
                None => None,
            }
        };
        let (outcomes, next) = if rows.is_empty() {
            (Vec::new(), None)
        } else {
            tokio::join!(flow.sync_rows(std::mem::take(&mut rows)), next)
        };
        progress.read += ids_read;
        progress.count(&outcomes);
        let notices = retry_notices(flow, tenant, &outcomes);
        let queued = notices.len() as u64;
        let finished = !full;
        let position = match (&last, finished) {
            (Some(last), false) => last.clone(),
            (Some(last), true) => format!("{DONE}{last}"),
            // An empty page: the previous page (if any) was exactly full and the last.
            (None, _) => format!("{DONE}{}", after.as_deref().unwrap_or_default()),
        };
        store
            .append(AppendBatch {
                notices,
                checkpoints: vec![CheckpointUpdate {
                    tenant: tenant.clone(),
                    source: system,
                    name: name.clone(),
                    value: position,
                }],
            })
            .await
            .map_err(|error| LoadError::Store {
                flow: flow.name().to_string(),
                after: after.clone().unwrap_or_else(|| "the start".into()),
                error,
            })?;
        progress.queued_for_retry += queued;
        if ids_read > 0 {
            progress.pages += 1;
        }
        if let Some(last) = last {
            after = Some(last);
        }
        if finished {
            progress.done = true;
            on_progress(&progress);
            tracing::info!(
                flow = %flow.name(),
                read = progress.read,
                created = progress.created,
                updated = progress.updated,
                unchanged = progress.unchanged,
                failed = progress.failed,
                "initial load finished"
            );
            return Ok(progress);
        }
        on_progress(&progress);
        match next {
            Some(Ok(page_rows)) => rows = page_rows,
            Some(Err(e)) => return Err(e),
            // A full page always reads the next one.
            None => rows = Vec::new(),
        }
    }
}

/// One page of the flow's source after `after`, retrying transient failures with backoff.
/// Reconciliation reads the same way.
pub(crate) async fn scan_page(
    flow: &Flow,
    after: Option<&str>,
    page: usize,
) -> Result<Vec<Row>, LoadError> {
    let source: &dyn Source = flow.source().as_ref();
    let mut pause = SCAN_BACKOFF;
    let mut attempt = 1;
    loop {
        match source.scan(after, page, flow.source_fields()).await {
            Ok(rows) => return Ok(rows),
            Err(error) if error.transient && attempt < SCAN_ATTEMPTS => {
                tracing::warn!(
                    flow = %flow.name(),
                    after = ?after,
                    attempt,
                    retry_in = ?pause,
                    error = %error,
                    "reading the source failed; retrying"
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            Err(error) => {
                let next = if error.transient {
                    "run it again to resume once the source answers"
                } else {
                    "fix the cause named above, then run it again to resume"
                };
                return Err(LoadError::Source {
                    flow: flow.name().to_string(),
                    object: source.object().to_string(),
                    after: after.unwrap_or("the start").to_string(),
                    attempts: attempt,
                    error,
                    next,
                });
            }
        }
    }
}

/// A notice per failed record, routed to this flow alone: the worker re-reads and retries it,
/// and a permanent failure ends in the dead letters with its reason.
fn retry_notices(flow: &Flow, tenant: &TenantId, outcomes: &[RecordOutcome]) -> Vec<RoutedNotice> {
    outcomes
        .iter()
        .filter_map(|outcome| {
            let failure = outcome.result.as_ref().err()?;
            Some(flow_notice(
                flow,
                tenant,
                &outcome.id,
                json!({
                    "cause": "initial_load",
                    "failure": {
                        "kind": match failure.kind {
                            FailureKind::Transient => "transient",
                            FailureKind::Permanent => "permanent",
                        },
                        "code": failure.code,
                        "message": failure.message,
                    },
                }),
            ))
        })
        .collect()
}

/// A change notice for one source record of `flow`, routed to the flow alone.
pub(crate) fn flow_notice(
    flow: &Flow,
    tenant: &TenantId,
    record_id: &str,
    payload: serde_json::Value,
) -> RoutedNotice {
    let source = &flow.spec().source;
    RoutedNotice {
        notice: ChangeNotice {
            tenant: tenant.clone(),
            source: source.system,
            object: source.object.clone(),
            record_id: record_id.to_string(),
            operation: Operation::Update,
            observed_at: Timestamp::now(),
            origin: None,
            payload,
        },
        flows: vec![flow.name().clone()],
    }
}
