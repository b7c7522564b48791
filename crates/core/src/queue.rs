//! The work queue's vocabulary: leased items, failures, attempts, dead letters.

use crate::{FlowName, Operation, System, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

/// A unit of work a worker holds under a lease: "run flow F for record R".
///
/// The item points at the newest journal entry for the record; earlier notices that arrived
/// while it was waiting were coalesced into it (`notices` counts them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeasedItem {
    /// The queue's id for this item (ascending in arrival order).
    pub id: i64,
    /// The connection pair.
    pub tenant: TenantId,
    /// The flow that must process this record.
    pub flow: FlowName,
    /// The system the change came from.
    pub source: System,
    /// The source object name.
    pub object: String,
    /// The source record id.
    pub record_id: String,
    /// The coalesced operation of all notices merged into this item.
    pub operation: Operation,
    /// The newest journal entry merged into this item.
    pub journal_id: i64,
    /// How many notices this item stands for.
    pub notices: i64,
    /// The newest notice's payload.
    pub payload: serde_json::Value,
    /// Which attempt this lease is (1 for the first).
    pub attempt: i64,
    /// When the first notice for this item was enqueued.
    pub enqueued_at: Timestamp,
    /// The lease token; acks and failures must present it, so a worker whose lease expired and
    /// was taken over cannot settle the item twice.
    pub lease_token: String,
    /// When the lease runs out and the item becomes available to other workers.
    pub lease_expires_at: Timestamp,
    /// Earlier failed attempts, oldest first.
    pub history: Vec<Attempt>,
}

impl LeasedItem {
    /// A key that is the same for every redelivery of this exact piece of work and different for
    /// any other: effects carry it so that a retry after a crash is recognised and not repeated.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.tenant, self.flow, self.record_id, self.journal_id
        )
    }
}

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// Might succeed later (timeouts, 503s, rate limits): retry with backoff.
    Transient,
    /// Will fail again until someone changes data or configuration: dead-letter now.
    Permanent,
}

/// Why processing an item failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Transient or permanent.
    pub kind: FailureKind,
    /// A stable machine-readable code (`SF_REQUIRED_FIELD_MISSING`, `LEASE_EXPIRED`, ...).
    pub code: String,
    /// What went wrong and what to do next, for a person.
    pub message: String,
}

impl Failure {
    /// A failure worth retrying.
    pub fn transient(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Transient,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A failure that goes straight to the dead-letter queue.
    pub fn permanent(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Permanent,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// One failed attempt, kept in the item's history and in its dead letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: i64,
    /// When the attempt ended.
    pub at: Timestamp,
    /// The error code.
    pub code: String,
    /// The error message.
    pub message: String,
}

/// An item that will not be retried automatically: a permanent failure, exhausted retries, or
/// a worker that kept dying on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The dead letter's id.
    pub id: i64,
    /// The connection pair.
    pub tenant: TenantId,
    /// The flow that failed.
    pub flow: FlowName,
    /// The source system.
    pub source: System,
    /// The source object name.
    pub object: String,
    /// The source record id.
    pub record_id: String,
    /// The coalesced operation.
    pub operation: Operation,
    /// The newest journal entry the item covered.
    pub journal_id: i64,
    /// How many notices the item stood for.
    pub notices: i64,
    /// The newest notice's payload.
    pub payload: serde_json::Value,
    /// The last error's code.
    pub error_code: String,
    /// The last error's message.
    pub error_message: String,
    /// Every attempt, oldest first (the last is the one that dead-lettered it).
    pub history: Vec<Attempt>,
    /// When the first notice was enqueued.
    pub enqueued_at: Timestamp,
    /// When it was dead-lettered.
    pub failed_at: Timestamp,
}

/// Selects dead letters for listing, retrying or discarding in bulk. Empty fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterFilter {
    /// Only this tenant.
    pub tenant: Option<TenantId>,
    /// Only this flow.
    pub flow: Option<FlowName>,
    /// Only this error code.
    pub error_code: Option<String>,
    /// Only this source record id.
    pub record_id: Option<String>,
    /// Only dead letters that failed before this instant.
    pub failed_before: Option<Timestamp>,
}

impl DeadLetterFilter {
    /// True when the filter would select every dead letter.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Counts for `ferry queue stats`, per tenant and flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// The connection pair.
    pub tenant: TenantId,
    /// The flow.
    pub flow: FlowName,
    /// Items waiting (including those waiting for a retry or behind an in-flight item).
    pub pending: i64,
    /// Items whose retry time is in the future.
    pub retrying: i64,
    /// Items leased to a worker right now.
    pub in_flight: i64,
    /// Dead letters.
    pub dead: i64,
    /// When the oldest waiting item was first enqueued.
    pub oldest_enqueued_at: Option<Timestamp>,
}
