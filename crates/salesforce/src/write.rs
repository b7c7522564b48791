//! The write planner: turns a batch of record writes into as few Salesforce calls as the
//! batch allows, and hands back exactly one outcome per record, in input order.
//!
//! Lanes (reference §3.3, §6, §7), chosen per group of records with the same object,
//! operation and external id field:
//! - one record → a single REST call (`PATCH /sobjects/{Obj}/{ExtField}/{value}`, `PATCH` by
//!   id, `POST`, `DELETE`);
//! - up to [`crate::Settings::bulk_threshold`] records → sObject Collections, ≤ 200 records a
//!   call, several calls in flight ([`WriteOptions::concurrency`]);
//! - more → Bulk API 2.0 ingest jobs (CSV), with a fall back to Collections for the records of
//!   a job that fails as a whole;
//! - records that depend on other records of the batch ([`Dependency`]) → one Composite call
//!   when the whole dependent set has ≤ 25 records, Composite Graph otherwise (one graph per
//!   group of connected records, ≤ 500 nodes a call). A group larger than a graph is written in
//!   waves: parents first, then the records whose parents now have ids.
//!
//! After the lanes ran, records that failed for a reason that passes (`UNABLE_TO_LOCK_ROW`,
//! `SERVER_UNAVAILABLE`, a rolled-back graph sibling) are sent again, alone, up to
//! [`WriteOptions::max_resubmits`] times. A create whose outcome is unknown is never sent
//! again: it may exist already, so the engine must look it up first.
//!
//! **Invariant:** every input record gets exactly one [`WriteOutcome`]; nothing is dropped.

mod bulk;
mod collections;
mod composite;
mod outcome;
mod planner;
mod single;

use crate::Client;
use serde_json::{Map, Value};
use std::sync::Mutex;
use std::time::Duration;

pub use outcome::TRANSIENT_CODES;

/// Most records one sObject Collections call takes.
pub const MAX_COLLECTION_RECORDS: usize = 200;
/// Most subrequests in one Composite call.
pub const MAX_COMPOSITE_SUBREQUESTS: usize = 25;
/// Most nodes in one graph, and in one Composite Graph call.
pub const MAX_GRAPH_NODES: usize = 500;
/// Most graphs in one Composite Graph call.
pub const MAX_GRAPHS: usize = 75;
/// The largest CSV upload the planner sends in one Bulk job (Salesforce takes 150 MB after
/// base64, about 100 MB raw).
pub const MAX_BULK_UPLOAD_BYTES: usize = 100_000_000;

/// One record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    /// The caller's correlation id, unique within the batch (a journal entry id, a reference
    /// such as `account-1001`). Dependencies name records by it, and errors quote it.
    pub reference: String,
    /// The sObject's API name (`Account`).
    pub object: String,
    /// What to do.
    pub op: WriteOp,
    /// The fields to set. A parent may be named by external id, as Salesforce allows:
    /// `"Account": {"ExternalID__c": "C-1"}`. `null` clears a field.
    pub fields: Map<String, Value>,
    /// Records of the same batch that must be written first.
    pub depends_on: Vec<Dependency>,
}

impl RecordWrite {
    /// An upsert of `object` by `external_id_field` = `external_id`.
    pub fn upsert(
        reference: impl Into<String>,
        object: impl Into<String>,
        external_id_field: impl Into<String>,
        external_id: impl Into<String>,
        fields: Map<String, Value>,
    ) -> Self {
        Self {
            reference: reference.into(),
            object: object.into(),
            op: WriteOp::Upsert {
                external_id_field: external_id_field.into(),
                external_id: external_id.into(),
            },
            fields,
            depends_on: Vec::new(),
        }
    }

    /// A record with `op` and no dependencies.
    pub fn new(
        reference: impl Into<String>,
        object: impl Into<String>,
        op: WriteOp,
        fields: Map<String, Value>,
    ) -> Self {
        Self {
            reference: reference.into(),
            object: object.into(),
            op,
            fields,
            depends_on: Vec::new(),
        }
    }

    /// Adds a dependency.
    pub fn depending_on(mut self, dependency: Dependency) -> Self {
        self.depends_on.push(dependency);
        self
    }
}

/// What to do with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Create or update the record whose `external_id_field` equals `external_id`.
    Upsert {
        /// The external id field's API name (`ExternalID__c`).
        external_id_field: String,
        /// Its value for this record.
        external_id: String,
    },
    /// Update the record with this id.
    Update {
        /// The record id.
        id: String,
    },
    /// Create a new record. Not idempotent: prefer [`WriteOp::Upsert`] where the object has
    /// an external id.
    Create,
    /// Delete the record with this id.
    Delete {
        /// The record id.
        id: String,
    },
}

impl WriteOp {
    /// True when sending the write twice has the same effect as once.
    pub fn is_idempotent(&self) -> bool {
        !matches!(self, WriteOp::Create)
    }

    /// The operation's name as Bulk API 2.0 spells it.
    pub fn bulk_name(&self) -> &'static str {
        match self {
            WriteOp::Upsert { .. } => "upsert",
            WriteOp::Update { .. } => "update",
            WriteOp::Create => "insert",
            WriteOp::Delete { .. } => "delete",
        }
    }
}

/// A record that must be written before the one that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// Set `field` (a reference field such as `AccountId`) to the id Salesforce gives the
    /// record whose [`RecordWrite::reference`] is `target`.
    IdOf {
        /// The reference field to fill.
        field: String,
        /// The other record's reference.
        target: String,
    },
    /// Only write after `target` (for example when the fields already name the parent by
    /// external id, which must exist first).
    After {
        /// The other record's reference.
        target: String,
    },
}

impl Dependency {
    /// The reference of the record depended on.
    pub fn target(&self) -> &str {
        match self {
            Dependency::IdOf { target, .. } | Dependency::After { target } => target,
        }
    }
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written.
    Ok {
        /// The record's 18-character id.
        id: String,
        /// True when the write created the record (create, or an upsert that matched nothing).
        created: bool,
    },
    /// Not written.
    Failed {
        /// Salesforce's status code (`STRING_TOO_LONG`, `UNABLE_TO_LOCK_ROW`), or a code of
        /// Ferry's for failures that are not a record's (`RETRIES_EXHAUSTED`, `OUTCOME_UNKNOWN`).
        code: String,
        /// What went wrong and, where it helps, what to do.
        message: String,
        /// The fields the error is about, if Salesforce named them.
        fields: Vec<String>,
        /// True when the same write may succeed later unchanged: the engine retries it
        /// instead of dead-lettering it.
        transient: bool,
    },
}

impl WriteOutcome {
    /// True when written.
    pub fn is_ok(&self) -> bool {
        matches!(self, WriteOutcome::Ok { .. })
    }

    /// The error code, when not written.
    pub fn code(&self) -> Option<&str> {
        match self {
            WriteOutcome::Ok { .. } => None,
            WriteOutcome::Failed { code, .. } => Some(code),
        }
    }
}

/// A way of writing records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    /// One REST call per record.
    Single,
    /// sObject Collections, ≤ 200 records a call.
    Collections,
    /// One Composite call with references between subrequests.
    Composite,
    /// Composite Graph: all-or-nothing groups of dependent records.
    Graph,
    /// Bulk API 2.0 ingest jobs.
    Bulk,
}

/// Which lane independent records take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LaneChoice {
    /// By group size: 1 → single call, up to the bulk threshold → Collections, more → Bulk.
    #[default]
    Auto,
    /// Always this lane (benchmarks, and callers that know better). Records that depend on
    /// each other still go through Composite or Graph, and resubmissions choose by size.
    Force(Lane),
}

/// How a Bulk job is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Wait before the first status check.
    pub first: Duration,
    /// Longest wait between checks (waits double up to it).
    pub max: Duration,
    /// Stop watching after this long; the job's records are then reported as transient
    /// failures (`BULK_TIMEOUT`).
    pub give_up_after: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(15),
            give_up_after: Duration::from_secs(30 * 60),
        }
    }
}

/// How the planner writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Lane choice for independent records.
    pub lane: LaneChoice,
    /// Records above which a group goes through Bulk; `None` takes the client's
    /// [`crate::Settings::bulk_threshold`].
    pub bulk_threshold: Option<usize>,
    /// Calls in flight at once (Collections chunks, single calls, graph payloads).
    pub concurrency: usize,
    /// Records per Collections call (at most [`MAX_COLLECTION_RECORDS`]).
    pub collection_size: usize,
    /// Rounds of resending records whose failure passes.
    pub max_resubmits: u32,
    /// Wait before a resubmission round (multiplied by the round's number), so that the
    /// lock or overload that failed the records can clear.
    pub resubmit_delay: Duration,
    /// Bulk job status checks.
    pub poll: PollPolicy,
    /// The largest CSV upload of one Bulk job; a larger group is split into several jobs.
    pub max_upload_bytes: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            lane: LaneChoice::Auto,
            bulk_threshold: None,
            concurrency: 4,
            collection_size: MAX_COLLECTION_RECORDS,
            max_resubmits: 3,
            resubmit_delay: Duration::from_millis(250),
            poll: PollPolicy::default(),
            max_upload_bytes: MAX_BULK_UPLOAD_BYTES,
        }
    }
}

/// One API call the planner made (the transport's own retries of it are not counted here;
/// read them from [`ferry_http::Transport::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRecord {
    /// The lane it served.
    pub lane: Lane,
    /// Records it carried (0 for a Bulk job's create, close, status and result calls).
    pub records: usize,
}

/// How a batch was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanReport {
    /// Every call, in the order they were started.
    pub calls: Vec<CallRecord>,
    /// Records sent again after a transient failure (counted once per resend).
    pub resubmitted: usize,
    /// Resubmission rounds run.
    pub resubmit_rounds: u32,
    /// Records moved from a failed Bulk job to Collections.
    pub bulk_fallbacks: usize,
    /// Bulk jobs created.
    pub bulk_jobs: usize,
}

impl PlanReport {
    /// Calls made for `lane`.
    pub fn calls_in(&self, lane: Lane) -> usize {
        self.calls.iter().filter(|c| c.lane == lane).count()
    }

    /// Record counts of `lane`'s calls, in order.
    pub fn records_per_call_in(&self, lane: Lane) -> Vec<usize> {
        self.calls
            .iter()
            .filter(|c| c.lane == lane)
            .map(|c| c.records)
            .collect()
    }

    /// The lanes used, each once, in order of first use.
    pub fn lanes(&self) -> Vec<Lane> {
        let mut lanes = Vec::new();
        for call in &self.calls {
            if !lanes.contains(&call.lane) {
                lanes.push(call.lane);
            }
        }
        lanes
    }

    /// Records carried per call, over all calls (0 when no call was made).
    pub fn records_per_call(&self) -> f64 {
        if self.calls.is_empty() {
            return 0.0;
        }
        let records: usize = self.calls.iter().map(|c| c.records).sum();
        records as f64 / self.calls.len() as f64
    }
}

/// The answer to a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteReport {
    /// One outcome per input record, in input order.
    pub outcomes: Vec<WriteOutcome>,
    /// Lanes and calls used.
    pub plan: PlanReport,
}

impl WriteReport {
    /// Records written.
    pub fn succeeded(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_ok()).count()
    }

    /// Records not written.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.succeeded()
    }
}

/// Writes batches of records to one org.
#[derive(Debug, Clone)]
pub struct WritePlanner {
    client: Client,
    options: WriteOptions,
}

/// What every lane shares while a batch is written.
pub(crate) struct Ctx<'a> {
    /// The org.
    pub(crate) client: &'a Client,
    /// The options, with the bulk threshold and sizes resolved.
    pub(crate) options: &'a WriteOptions,
    /// Calls made so far; lanes running concurrently append to it.
    report: Mutex<PlanReport>,
}

impl Ctx<'_> {
    /// Notes one call.
    pub(crate) fn note_call(&self, lane: Lane, records: usize) {
        self.with_report(|r| r.calls.push(CallRecord { lane, records }));
    }

    /// Changes the report.
    pub(crate) fn with_report<R>(&self, f: impl FnOnce(&mut PlanReport) -> R) -> R {
        let mut report = self
            .report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut report)
    }

    /// `/services/data/vNN.N`: the prefix of Composite subrequest URLs.
    pub(crate) fn data_prefix(&self) -> String {
        format!("/services/data/v{}", self.client.settings().api_version)
    }
}

impl WritePlanner {
    /// A planner writing through `client`.
    pub fn new(client: Client, options: WriteOptions) -> Self {
        let mut options = options;
        options.concurrency = options.concurrency.max(1);
        options.collection_size = options.collection_size.clamp(1, MAX_COLLECTION_RECORDS);
        options.max_upload_bytes = options.max_upload_bytes.clamp(1024, MAX_BULK_UPLOAD_BYTES);
        if options.bulk_threshold.is_none() {
            options.bulk_threshold = Some(client.settings().bulk_threshold);
        }
        Self { client, options }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The options in force.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    /// Writes `batch` and returns one outcome per record, in input order. Never fails as a
    /// whole: a call that fails fails its records, each with the call's error.
    pub async fn write(&self, batch: &[RecordWrite]) -> WriteReport {
        let ctx = Ctx {
            client: &self.client,
            options: &self.options,
            report: Mutex::new(PlanReport::default()),
        };
        let outcomes = planner::run(&ctx, batch).await;
        debug_assert_eq!(outcomes.len(), batch.len(), "one outcome per record");
        WriteReport {
            outcomes,
            plan: ctx.with_report(std::mem::take),
        }
    }
}
