//! The polling fallback for Salesforce orgs without change data capture: one poller per
//! object reads what changed since its watermark with SOQL and journals a change notice for
//! each change it has not journaled before.
//!
//! # Decisions
//!
//! - **The query.** `SELECT Id, SystemModstamp, CreatedDate, IsDeleted FROM <Object> WHERE
//!   SystemModstamp >= <from> ORDER BY SystemModstamp ASC, Id ASC`, built with
//!   [`ferry_salesforce::soql::Soql`] (no injection) and read page by page through `/queryAll`
//!   ([`Query::include_deleted`]), so deleted rows come back with `IsDeleted = true` and become
//!   [`Operation::Delete`]. `SystemModstamp` (not `LastModifiedDate`) because system changes
//!   — a roll-up, a cascade — move it too, and it is indexed.
//! - **The overlap.** `from` is the watermark (the greatest `SystemModstamp` journaled) minus
//!   an overlap (two minutes by default), floored to the whole second because SOQL datetime
//!   literals carry whole seconds. Salesforce stamps a row when its transaction writes it,
//!   not when it commits: a long transaction can become visible after rows stamped later, so
//!   a poll that saw stamp `W` may not yet have seen a row stamped just before `W`. Re-reading
//!   the overlap finds it. A row that becomes visible more than the overlap late is missed by
//!   polling; reconciliation is the safety net for that (and the overlap is configurable).
//! - **De-duplication.** Re-reading the overlap returns rows already journaled. The checkpoint
//!   keeps, beside the watermark, every `(Id, SystemModstamp)` pair seen at or after `from`
//!   (the only rows a later query can return again) and skips those. Pairs older than `from`
//!   are dropped as the watermark moves, so the checkpoint holds one overlap window of pairs
//!   and no more. Two changes to one record within one millisecond share a pair and make one
//!   notice: harmless, because the planner re-reads the record's current state.
//! - **Durability.** Each page becomes one [`Journal::append`]: its notices and the advanced
//!   checkpoint in one transaction. The watermark therefore never passes a change that is not
//!   journaled, and a crash between pages costs at most a re-read of the overlap (whose rows
//!   the saved pairs skip).
//! - **Create or update.** `SystemModstamp` alone cannot tell a create from an update, so a
//!   live row whose `CreatedDate` equals its `SystemModstamp` is reported as
//!   [`Operation::Create`] (a hint: the record has not been touched since it was created) and
//!   any other live row as [`Operation::Update`]. An undelete looks like an update. The
//!   planner acts on the current record either way.
//! - **Echoes.** SOQL carries no `changeOrigin`, so Ferry's own writes come back as changes;
//!   the planner's content-hash comparison turns them into no-ops. [`PollConfig::
//!   skip_modified_by`] can drop rows last modified by the integration user, at a price: a
//!   person's change followed by Ferry's write to the same record before the next poll is then
//!   never seen. It is off by default.
//! - **Where it starts.** Without a checkpoint the first poll reads from
//!   [`PollStart::Beginning`] (every record: nothing is missed) or from a given instant (the
//!   start of the initial load that already covered the rest).

use crate::Shutdown;
use ferry_core::{ChangeNotice, FlowName, Operation, System, TenantId, Timestamp};
use ferry_salesforce::Client;
use ferry_salesforce::model::Record;
use ferry_salesforce::query::Query;
use ferry_salesforce::soql::{Cond, Order, Soql, SoqlError, Value};
use ferry_store::{AppendBatch, CheckpointUpdate, Journal, RoutedNotice, StoreError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The default overlap re-read on every poll.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(120);

/// Where a poller without a checkpoint starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollStart {
    /// Every record of the object (nothing is missed; the first poll may be long).
    Beginning,
    /// Changes stamped at or after this instant (less the overlap).
    At(OffsetDateTime),
}

/// What one poller reads and where its notices go.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// The connection pair the notices belong to.
    pub tenant: TenantId,
    /// The Salesforce object's API name (`Account`, `Payment__c`).
    pub object: String,
    /// The flows each notice is routed to (one work item per flow).
    pub flows: Vec<FlowName>,
    /// How far behind the watermark each poll starts again (see the module doc).
    pub overlap: Duration,
    /// Records per query page (200–2000); Salesforce's default when `None`.
    pub batch_size: Option<u16>,
    /// Where to start without a checkpoint.
    pub start: PollStart,
    /// Drop rows last modified by this user id (the integration user): see the module doc.
    pub skip_modified_by: Option<String>,
}

impl PollConfig {
    /// A poller of `object` for `tenant` with the defaults: two minutes of overlap, from the
    /// beginning, no flows, nothing skipped.
    pub fn new(tenant: TenantId, object: impl Into<String>) -> Self {
        Self {
            tenant,
            object: object.into(),
            flows: Vec::new(),
            overlap: DEFAULT_OVERLAP,
            batch_size: None,
            start: PollStart::Beginning,
            skip_modified_by: None,
        }
    }
}

/// Why a poll stopped. Nothing past the last journaled page is lost: the next poll starts from
/// the saved checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The poll query could not be built (usually an invalid object name).
    #[error(
        "the poll query for Salesforce object {object} could not be built: {source}; check the object's API name in the configuration"
    )]
    Query {
        /// The object.
        object: String,
        /// The builder's reason.
        source: SoqlError,
    },
    /// Salesforce refused or failed the query.
    #[error(
        "polling Salesforce object {object} failed: {source}; the next poll retries from the saved watermark"
    )]
    Salesforce {
        /// The object.
        object: String,
        /// The client's error.
        source: ferry_http::Error,
    },
    /// The store failed to read the checkpoint or journal a page.
    #[error(
        "journaling polled changes of Salesforce object {object} failed: {source}; the page will be read again"
    )]
    Store {
        /// The object.
        object: String,
        /// The store's error (boxed: it is large and rare).
        source: Box<StoreError>,
    },
    /// The saved checkpoint is not one this poller wrote.
    #[error(
        "the poll checkpoint {name} cannot be read ({reason}); it must be the JSON this poller writes — replace it with a valid one or remove it to poll from the configured start"
    )]
    Checkpoint {
        /// The checkpoint's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Salesforce answered a row without the fields the poll asked for.
    #[error(
        "Salesforce returned a {object} row ({record}) without a usable {field}; the poll stops so that nothing is skipped — check the object's field access for the integration user"
    )]
    Row {
        /// The object.
        object: String,
        /// The row's id, or `<no Id>`.
        record: String,
        /// The missing or malformed field.
        field: &'static str,
    },
}

/// The durable position of one poller: the watermark and the pairs already journaled inside
/// the overlap window. Saved as compact JSON: `{"watermark_ms":…,"seen":{"<ms>":["<Id>",…]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollCheckpoint {
    /// The greatest `SystemModstamp` journaled, in ms since the epoch.
    watermark_ms: Option<i64>,
    /// Ids journaled, by `SystemModstamp` (ms); only stamps at or after the query start.
    seen: BTreeMap<i64, BTreeSet<String>>,
}

impl PollCheckpoint {
    /// Reads a saved checkpoint; `name` is only used in the error.
    pub fn parse(name: &str, text: &str) -> Result<Self, PollError> {
        let refuse = |reason: String| PollError::Checkpoint {
            name: name.to_owned(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| refuse(format!("not JSON: {e}")))?;
        if !value.is_object() {
            return Err(refuse("not a JSON object".into()));
        }
        let watermark_ms = match value.get("watermark_ms") {
            None | Some(serde_json::Value::Null) => None,
            Some(ms) => Some(
                ms.as_i64()
                    .ok_or_else(|| refuse("watermark_ms is not a whole number".into()))?,
            ),
        };
        let mut seen = BTreeMap::new();
        if let Some(pairs) = value.get("seen") {
            let pairs = pairs
                .as_object()
                .ok_or_else(|| refuse("seen is not an object".into()))?;
            for (stamp, ids) in pairs {
                let stamp: i64 = stamp
                    .parse()
                    .map_err(|_| refuse(format!("seen key {stamp:?} is not milliseconds")))?;
                let ids = ids
                    .as_array()
                    .ok_or_else(|| refuse(format!("seen[{stamp}] is not a list")))?;
                let mut set = BTreeSet::new();
                for id in ids {
                    let id = id
                        .as_str()
                        .ok_or_else(|| refuse(format!("seen[{stamp}] holds a non-text id")))?;
                    set.insert(id.to_owned());
                }
                seen.insert(stamp, set);
            }
        }
        Ok(Self { watermark_ms, seen })
    }

    /// The JSON saved in the store.
    pub fn to_json(&self) -> String {
        let seen: serde_json::Map<String, serde_json::Value> = self
            .seen
            .iter()
            .map(|(stamp, ids)| (stamp.to_string(), json!(ids)))
            .collect();
        json!({ "watermark_ms": self.watermark_ms, "seen": seen }).to_string()
    }

    /// The greatest `SystemModstamp` journaled.
    pub fn watermark(&self) -> Option<OffsetDateTime> {
        self.watermark_ms.and_then(datetime_of_ms)
    }

    /// Pairs held for de-duplication.
    pub fn seen_len(&self) -> usize {
        self.seen.values().map(BTreeSet::len).sum()
    }

    /// True when this `(Id, SystemModstamp)` pair was journaled.
    pub fn has_seen(&self, id: &str, stamp_ms: i64) -> bool {
        self.seen.get(&stamp_ms).is_some_and(|ids| ids.contains(id))
    }

    /// Records a journaled pair and moves the watermark up to it.
    pub fn record(&mut self, id: &str, stamp_ms: i64) {
        self.seen.entry(stamp_ms).or_default().insert(id.to_owned());
        self.watermark_ms = Some(self.watermark_ms.map_or(stamp_ms, |w| w.max(stamp_ms)));
    }

    /// Where the next query starts (ms, whole seconds): the watermark less the overlap, or
    /// `start` (less the overlap) without a watermark; `None` means from the beginning.
    pub fn from_ms(&self, overlap: Duration, start: PollStart) -> Option<i64> {
        let base = match (self.watermark_ms, start) {
            (Some(w), _) => w,
            (None, PollStart::At(at)) => ms_of(at),
            (None, PollStart::Beginning) => return None,
        };
        let overlap_ms = i64::try_from(overlap.as_millis()).unwrap_or(i64::MAX);
        Some(base.saturating_sub(overlap_ms).div_euclid(1000) * 1000)
    }

    /// Forgets pairs older than the next query's start: no query will return them again.
    pub fn prune(&mut self, overlap: Duration, start: PollStart) {
        if let Some(from) = self.from_ms(overlap, start) {
            self.seen = self.seen.split_off(&from);
        }
    }
}

/// What a poll (or a run of polls) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Query pages read.
    pub pages: u64,
    /// Rows Salesforce returned.
    pub rows: u64,
    /// Notices journaled as creates.
    pub created: u64,
    /// Notices journaled as updates.
    pub updated: u64,
    /// Notices journaled as deletes.
    pub deleted: u64,
    /// Rows skipped because their pair was already journaled (the overlap re-read).
    pub repeats: u64,
    /// Rows skipped because the integration user made them ([`PollConfig::skip_modified_by`]).
    pub echoes: u64,
}

impl PollReport {
    /// Notices journaled.
    pub fn journaled(&self) -> u64 {
        self.created + self.updated + self.deleted
    }

    fn add(&mut self, other: &PollReport) {
        self.pages += other.pages;
        self.rows += other.rows;
        self.created += other.created;
        self.updated += other.updated;
        self.deleted += other.deleted;
        self.repeats += other.repeats;
        self.echoes += other.echoes;
    }
}

/// Polls one Salesforce object into the journal.
pub struct SalesforcePoller {
    client: Client,
    journal: Arc<dyn Journal>,
    config: PollConfig,
    checkpoint_name: String,
}

impl std::fmt::Debug for SalesforcePoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforcePoller")
            .field("object", &self.config.object)
            .field("checkpoint", &self.checkpoint_name)
            .finish_non_exhaustive()
    }
}

impl SalesforcePoller {
    /// A poller; refuses an object name SOQL cannot carry.
    pub fn new(
        client: Client,
        journal: Arc<dyn Journal>,
        config: PollConfig,
    ) -> Result<Self, PollError> {
        let checkpoint_name = format!("poll:{}", config.object);
        let poller = Self {
            client,
            journal,
            config,
            checkpoint_name,
        };
        poller.soql(None)?;
        Ok(poller)
    }

    /// The checkpoint's name: `poll:<Object>`.
    pub fn checkpoint_name(&self) -> &str {
        &self.checkpoint_name
    }

    /// The configuration.
    pub fn config(&self) -> &PollConfig {
        &self.config
    }

    fn soql(&self, from_ms: Option<i64>) -> Result<String, PollError> {
        let query_error = |source| PollError::Query {
            object: self.config.object.clone(),
            source,
        };
        let mut fields = vec!["Id", "SystemModstamp", "CreatedDate", "IsDeleted"];
        if self.config.skip_modified_by.is_some() {
            fields.push("LastModifiedById");
        }
        let mut soql = Soql::select(fields).from(&self.config.object);
        if let Some(from) = from_ms.and_then(datetime_of_ms) {
            soql = soql.filter(Cond::ge(
                "SystemModstamp",
                Value::datetime(from).map_err(query_error)?,
            ));
        }
        soql.order_by("SystemModstamp", Order::Asc)
            .order_by("Id", Order::Asc)
            .to_soql()
            .map_err(query_error)
    }

    /// The saved checkpoint, or an empty one.
    pub async fn load_checkpoint(&self) -> Result<PollCheckpoint, PollError> {
        let saved = self
            .journal
            .checkpoint(
                &self.config.tenant,
                System::Salesforce,
                &self.checkpoint_name,
            )
            .await
            .map_err(|source| self.store_error(source))?;
        match saved {
            Some(text) => PollCheckpoint::parse(&self.checkpoint_name, &text),
            None => Ok(PollCheckpoint::default()),
        }
    }

    /// Starts a pass: loads the checkpoint and prepares the query from it. Nothing is read
    /// until [`PollPass::next_page`].
    pub async fn begin(&self) -> Result<PollPass<'_>, PollError> {
        let state = self.load_checkpoint().await?;
        let soql = self.soql(state.from_ms(self.config.overlap, self.config.start))?;
        let mut query = Query::new(&self.client, soql).include_deleted();
        if let Some(size) = self.config.batch_size {
            query = query
                .batch_size(size)
                .map_err(|source| PollError::Salesforce {
                    object: self.config.object.clone(),
                    source,
                })?;
        }
        Ok(PollPass {
            poller: self,
            query,
            state,
            report: PollReport::default(),
        })
    }

    /// One complete pass: every page from the checkpoint to the newest change.
    pub async fn poll_once(&self) -> Result<PollReport, PollError> {
        let mut pass = self.begin().await?;
        while pass.next_page().await? {}
        Ok(pass.report)
    }

    /// Polls every `interval` until `shutdown`; a pass is never cut short (a shutdown waits
    /// for the page being journaled). A failed pass is logged and tried again next interval.
    /// Returns the totals.
    pub async fn run(&self, mut shutdown: Shutdown, interval: Duration) -> PollReport {
        let mut totals = PollReport::default();
        tracing::info!(object = %self.config.object, ?interval, "salesforce poller started");
        loop {
            match self.poll_once().await {
                Ok(report) => {
                    if report.journaled() > 0 {
                        tracing::info!(
                            object = %self.config.object,
                            journaled = report.journaled(),
                            repeats = report.repeats,
                            "salesforce poll journaled changes"
                        );
                    }
                    totals.add(&report);
                }
                Err(error) => {
                    tracing::warn!(object = %self.config.object, %error, "salesforce poll failed")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = shutdown.wait() => break,
            }
        }
        tracing::info!(object = %self.config.object, "salesforce poller stopped");
        totals
    }

    fn store_error(&self, source: StoreError) -> PollError {
        PollError::Store {
            object: self.config.object.clone(),
            source: Box::new(source),
        }
    }

    fn row_error(&self, record: &Record, field: &'static str) -> PollError {
        PollError::Row {
            object: self.config.object.clone(),
            record: record.id().unwrap_or("<no Id>").to_owned(),
            field,
        }
    }

    /// The notice for a row not seen before, or `None` for an echo; with its stamp.
    fn notice_for(
        &self,
        record: &Record,
    ) -> Result<(String, i64, Option<ChangeNotice>), PollError> {
        let id = record
            .id()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| self.row_error(record, "Id"))?
            .to_owned();
        let stamp = record
            .datetime("SystemModstamp")
            .ok_or_else(|| self.row_error(record, "SystemModstamp"))?;
        let stamp_ms = ms_of(stamp);
        let deleted = match record.get("IsDeleted") {
            Some(serde_json::Value::Bool(deleted)) => *deleted,
            _ => return Err(self.row_error(record, "IsDeleted")),
        };
        if let Some(user) = &self.config.skip_modified_by {
            let by = record.text("LastModifiedById").unwrap_or_default();
            if same_id(by, user) {
                return Ok((id, stamp_ms, None));
            }
        }
        let operation = if deleted {
            Operation::Delete
        } else if record.datetime("CreatedDate").map(ms_of) == Some(stamp_ms) {
            Operation::Create
        } else {
            Operation::Update
        };
        let notice = ChangeNotice {
            tenant: self.config.tenant.clone(),
            source: System::Salesforce,
            object: self.config.object.clone(),
            record_id: id.clone(),
            operation,
            observed_at: Timestamp::from_datetime(stamp),
            origin: None,
            payload: json!({
                "captured_by": "poll",
                "system_modstamp": Timestamp::from_datetime(stamp).to_string(),
            }),
        };
        Ok((id, stamp_ms, Some(notice)))
    }
}

/// One pass of a poller over its query's pages. Dropping it between pages is safe: every
/// page read so far is journaled with its checkpoint.
pub struct PollPass<'p> {
    poller: &'p SalesforcePoller,
    query: Query<Record>,
    state: PollCheckpoint,
    report: PollReport,
}

impl std::fmt::Debug for PollPass<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollPass")
            .field("poller", self.poller)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl PollPass<'_> {
    /// Reads the next page and journals its new changes with the advanced checkpoint in one
    /// append. False when the pass is over.
    pub async fn next_page(&mut self) -> Result<bool, PollError> {
        let poller = self.poller;
        let Some(page) = self
            .query
            .next_page()
            .await
            .map_err(|source| PollError::Salesforce {
                object: poller.config.object.clone(),
                source,
            })?
        else {
            return Ok(false);
        };
        let mut next = self.state.clone();
        let mut page_report = PollReport {
            pages: 1,
            rows: page.len() as u64,
            ..PollReport::default()
        };
        let mut notices = Vec::new();
        for record in &page {
            let (id, stamp_ms, notice) = poller.notice_for(record)?;
            if next.has_seen(&id, stamp_ms) {
                page_report.repeats += 1;
                continue;
            }
            next.record(&id, stamp_ms);
            match notice {
                None => page_report.echoes += 1,
                Some(notice) => {
                    match notice.operation {
                        Operation::Create => page_report.created += 1,
                        Operation::Delete => page_report.deleted += 1,
                        Operation::Update | Operation::Undelete => page_report.updated += 1,
                    }
                    notices.push(RoutedNotice {
                        notice,
                        flows: poller.config.flows.clone(),
                    });
                }
            }
        }
        next.prune(poller.config.overlap, poller.config.start);
        if next != self.state {
            let batch = AppendBatch {
                notices,
                checkpoints: vec![CheckpointUpdate {
                    tenant: poller.config.tenant.clone(),
                    source: System::Salesforce,
                    name: poller.checkpoint_name.clone(),
                    value: next.to_json(),
                }],
            };
            poller
                .journal
                .append(batch)
                .await
                .map_err(|source| poller.store_error(source))?;
            self.state = next;
        }
        self.report.add(&page_report);
        Ok(true)
    }

    /// What the pass did so far.
    pub fn report(&self) -> PollReport {
        self.report
    }

    /// The checkpoint as journaled so far.
    pub fn checkpoint(&self) -> &PollCheckpoint {
        &self.state
    }
}

/// Compares two Salesforce ids, 15- or 18-character, by their case-sensitive 15-character form.
fn same_id(a: &str, b: &str) -> bool {
    !a.is_empty() && a.get(..15).unwrap_or(a) == b.get(..15).unwrap_or(b)
}

fn ms_of(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

fn datetime_of_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_and_refuse_strangers() {
        let mut state = PollCheckpoint::default();
        state.record("001A", 1_700_000_000_123);
        state.record("001B", 1_700_000_000_123);
        state.record("001C", 1_700_000_001_000);
        let text = state.to_json();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(
            value,
            json!({
                "watermark_ms": 1_700_000_001_000_i64,
                "seen": {"1700000000123": ["001A", "001B"], "1700000001000": ["001C"]},
            })
        );
        assert!(!text.contains(' '), "compact: {text}");
        assert_eq!(
            PollCheckpoint::parse("poll:Account", &text).ok(),
            Some(state)
        );
        for bad in [
            "",
            "12",
            r#"{"watermark_ms":"x"}"#,
            r#"{"seen":{"abc":[]}}"#,
            r#"{"seen":{"1":[1]}}"#,
        ] {
            assert!(
                matches!(
                    PollCheckpoint::parse("poll:Account", bad),
                    Err(PollError::Checkpoint { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_window_starts_a_whole_second_before_watermark_less_overlap_and_pairs_before_it_go() {
        let overlap = Duration::from_secs(120);
        let mut state = PollCheckpoint::default();
        assert_eq!(state.from_ms(overlap, PollStart::Beginning), None);
        state.record("old", 1_000_000_000);
        state.record("edge", 1_000_119_500);
        state.record("new", 1_000_120_700);
        // 1_000_120_700 − 120_000 = 1_000_000_700, floored to 1_000_000_000.
        assert_eq!(
            state.from_ms(overlap, PollStart::Beginning),
            Some(1_000_000_000)
        );
        state.prune(overlap, PollStart::Beginning);
        assert_eq!(
            state.seen_len(),
            3,
            "the floored second is re-read, so it is kept"
        );
        state.record("later", 1_000_121_000);
        state.prune(overlap, PollStart::Beginning);
        assert!(!state.has_seen("old", 1_000_000_000));
        assert!(state.has_seen("edge", 1_000_119_500));
        assert_eq!(state.seen_len(), 3);
    }

    #[test]
    fn ids_compare_by_their_fifteen_character_form() {
        assert!(same_id("005000000000001AAA", "005000000000001"));
        assert!(!same_id("005000000000001AAA", "005000000000002AAA"));
        assert!(!same_id("", ""));
    }
}
