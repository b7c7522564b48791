//! The polling safety net behind Brightpearl's webhooks: one poller per source object asks
//! the object's search for what changed since its watermark ([`Source::changed_since`], an
//! `updatedOn` window) and journals a change notice for each change not journaled before.
//!
//! Webhooks are the fast path; they can be lost (a subscription deleted by someone, an outage
//! longer than Brightpearl's retries, a resource with no events at all — contacts). The poller
//! finds what they missed within `poll_seconds`.
//!
//! # Decisions
//!
//! - **The window and the de-duplication** are the Salesforce poller's, through the same
//!   [`PollCheckpoint`]: each poll asks from the watermark (the newest change time journaled)
//!   less an overlap (two minutes by default), floored to the second, because a search index
//!   can show a change after changes stamped later. The checkpoint keeps the
//!   `(id, updatedOn)` pairs journaled inside that window, and a pair seen before is skipped;
//!   older pairs are dropped as the watermark moves. A change that shows up more than the
//!   overlap late is left to reconciliation.
//! - **One transaction per poll.** The notices and the advanced checkpoint
//!   (`poll:brightpearl:<object>`) go into one [`Journal::append`], so the watermark never
//!   passes a change that is not journaled; a crash costs at most a re-read of the window.
//! - **Update, always.** An `updatedOn` window cannot tell a create from an update, and a
//!   search does not list deleted records. Every polled change is journaled as
//!   [`Operation::Update`]: the planner re-reads the record, finds or links its counterpart
//!   before it creates one, and treats a record that is gone as deleted. Deletes themselves
//!   come from `destroyed` webhooks and reconciliation.
//! - **Where it starts.** Without a checkpoint the first poll starts at the poller's creation
//!   (less the overlap): history is the initial load's job, not the safety net's. That start
//!   is saved with the first poll even when it finds nothing, so a restart before the first
//!   change does not move the start forward and skip what happened meanwhile.
//! - **Sources without a change search** (Brightpearl availability: stock moves leave
//!   `updatedOn` alone) return nothing; their safety net is reconciliation.

use crate::Shutdown;
use crate::flows::adapters::{AdapterError, Source};
use crate::sources::salesforce_poll::{DEFAULT_OVERLAP, PollCheckpoint, PollError, PollStart};
use ferry_core::{ChangeNotice, FlowName, Operation, System, TenantId, Timestamp};
use ferry_store::{AppendBatch, CheckpointUpdate, Journal, RoutedNotice, StoreError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// What one poller reads and where its notices go.
#[derive(Debug, Clone)]
pub struct BrightpearlPollConfig {
    /// The connection pair the notices belong to.
    pub tenant: TenantId,
    /// The flows each notice is routed to (one work item per flow).
    pub flows: Vec<FlowName>,
    /// How far behind the watermark each poll starts again (see the module doc).
    pub overlap: Duration,
    /// Time between polls in [`BrightpearlPoller::run`] (a route's `poll_seconds`).
    pub interval: Duration,
    /// Where to start without a checkpoint (the poller's creation when `None`).
    pub start: Option<OffsetDateTime>,
}

impl BrightpearlPollConfig {
    /// A poller for `tenant` feeding `flows` every `interval`, with two minutes of overlap,
    /// starting now.
    pub fn new(tenant: TenantId, flows: Vec<FlowName>, interval: Duration) -> Self {
        Self {
            tenant,
            flows,
            overlap: DEFAULT_OVERLAP,
            interval,
            start: None,
        }
    }
}

/// Why a poll stopped. Nothing is lost: the next poll starts from the saved checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum BrightpearlPollError {
    /// Brightpearl failed or refused the search.
    #[error(
        "polling Brightpearl {object} failed: {source}; the next poll retries from the saved watermark"
    )]
    Source {
        /// The object.
        object: String,
        /// The adapter's error.
        source: AdapterError,
    },
    /// The store failed to read the checkpoint or journal the changes.
    #[error(
        "journaling polled changes of Brightpearl {object} failed: {source}; they will be read again"
    )]
    Store {
        /// The object.
        object: String,
        /// The store's error (boxed: it is large and rare).
        source: Box<StoreError>,
    },
    /// The saved checkpoint is not one a poller wrote.
    #[error(transparent)]
    Checkpoint(#[from] PollError),
}

/// What a poll (or a run of polls) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrightpearlPollReport {
    /// Polls made.
    pub polls: u64,
    /// Changes the search returned.
    pub rows: u64,
    /// Notices journaled.
    pub journaled: u64,
    /// Changes skipped because they were journaled before (the overlap re-read).
    pub repeats: u64,
}

impl BrightpearlPollReport {
    fn add(&mut self, other: &Self) {
        self.polls += other.polls;
        self.rows += other.rows;
        self.journaled += other.journaled;
        self.repeats += other.repeats;
    }
}

/// Polls one Brightpearl source object into the journal.
pub struct BrightpearlPoller {
    source: Arc<dyn Source>,
    journal: Arc<dyn Journal>,
    config: BrightpearlPollConfig,
    /// Where a poller without a checkpoint starts: fixed when it is made.
    start: OffsetDateTime,
    checkpoint_name: String,
}

impl std::fmt::Debug for BrightpearlPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrightpearlPoller")
            .field("object", &self.source.object())
            .field("checkpoint", &self.checkpoint_name)
            .finish_non_exhaustive()
    }
}

impl BrightpearlPoller {
    /// A poller of `source` (a Brightpearl source adapter) into `journal`.
    pub fn new(
        source: Arc<dyn Source>,
        journal: Arc<dyn Journal>,
        config: BrightpearlPollConfig,
    ) -> Self {
        let checkpoint_name = checkpoint_name(source.object());
        let start = config.start.unwrap_or_else(OffsetDateTime::now_utc);
        Self {
            source,
            journal,
            config,
            start,
            checkpoint_name,
        }
    }

    /// The checkpoint's name: `poll:brightpearl:<object>`.
    pub fn checkpoint_name(&self) -> &str {
        &self.checkpoint_name
    }

    /// The object polled.
    pub fn object(&self) -> &str {
        self.source.object()
    }

    /// The configuration.
    pub fn config(&self) -> &BrightpearlPollConfig {
        &self.config
    }

    fn store_error(&self, source: StoreError) -> BrightpearlPollError {
        BrightpearlPollError::Store {
            object: self.object().to_owned(),
            source: Box::new(source),
        }
    }

    /// The saved checkpoint, if there is one.
    pub async fn load_checkpoint(&self) -> Result<Option<PollCheckpoint>, BrightpearlPollError> {
        let saved = self
            .journal
            .checkpoint(
                &self.config.tenant,
                System::Brightpearl,
                &self.checkpoint_name,
            )
            .await
            .map_err(|source| self.store_error(source))?;
        Ok(match saved {
            Some(text) => Some(PollCheckpoint::parse(&self.checkpoint_name, &text)?),
            None => None,
        })
    }

    /// One poll: reads the changes since the window's start and journals the new ones with
    /// the advanced checkpoint in one append.
    pub async fn poll_once(&self) -> Result<BrightpearlPollReport, BrightpearlPollError> {
        let start = PollStart::At(self.start);
        let (saved, mut next) = match self.load_checkpoint().await? {
            Some(state) => (Some(state.clone()), state),
            None => (None, PollCheckpoint::default()),
        };
        let from_ms = next.from_ms(self.config.overlap, start).unwrap_or(0);
        let since = Timestamp::from_micros(from_ms.saturating_mul(1000));
        let changes = self.source.changed_since(since).await.map_err(|source| {
            BrightpearlPollError::Source {
                object: self.object().to_owned(),
                source,
            }
        })?;
        let mut report = BrightpearlPollReport {
            polls: 1,
            rows: changes.len() as u64,
            ..BrightpearlPollReport::default()
        };
        let mut notices = Vec::new();
        for (id, changed_at) in changes {
            let stamp_ms = changed_at.as_micros().div_euclid(1000);
            if next.has_seen(&id, stamp_ms) {
                report.repeats += 1;
                continue;
            }
            next.record(&id, stamp_ms);
            notices.push(RoutedNotice {
                notice: ChangeNotice {
                    tenant: self.config.tenant.clone(),
                    source: System::Brightpearl,
                    object: self.object().to_owned(),
                    record_id: id,
                    operation: Operation::Update,
                    observed_at: changed_at,
                    origin: None,
                    payload: json!({
                        "captured_by": "poll",
                        "updated_on": changed_at.to_string(),
                    }),
                },
                flows: self.config.flows.clone(),
            });
        }
        let mut state = next;
        if state.watermark().is_none() {
            // The first poll found nothing: save where it started (see the module doc).
            state = PollCheckpoint::parse(
                &self.checkpoint_name,
                &json!({"watermark_ms": ms_of(self.start), "seen": {}}).to_string(),
            )?;
        }
        state.prune(self.config.overlap, start);
        if saved.as_ref() != Some(&state) {
            report.journaled = notices.len() as u64;
            let batch = AppendBatch {
                notices,
                checkpoints: vec![CheckpointUpdate {
                    tenant: self.config.tenant.clone(),
                    source: System::Brightpearl,
                    name: self.checkpoint_name.clone(),
                    value: state.to_json(),
                }],
            };
            self.journal
                .append(batch)
                .await
                .map_err(|source| self.store_error(source))?;
        }
        Ok(report)
    }

    /// Polls every `config.interval` until `shutdown`; a poll is never cut short. A failed
    /// poll is logged and tried again next interval. Returns the totals.
    pub async fn run(&self, mut shutdown: Shutdown) -> BrightpearlPollReport {
        let mut totals = BrightpearlPollReport::default();
        let object = self.object().to_owned();
        tracing::info!(%object, interval = ?self.config.interval, "brightpearl poller started");
        loop {
            match self.poll_once().await {
                Ok(report) => {
                    if report.journaled > 0 {
                        tracing::info!(
                            %object,
                            journaled = report.journaled,
                            repeats = report.repeats,
                            "brightpearl poll journaled changes"
                        );
                    }
                    totals.add(&report);
                }
                Err(error) => tracing::warn!(%object, %error, "brightpearl poll failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.interval) => {}
                () = shutdown.wait() => break,
            }
        }
        tracing::info!(%object, "brightpearl poller stopped");
        totals
    }
}

/// The checkpoint name of the poller of `object`: `poll:brightpearl:<object>`.
pub fn checkpoint_name(object: &str) -> String {
    format!("poll:brightpearl:{object}")
}

fn ms_of(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}
