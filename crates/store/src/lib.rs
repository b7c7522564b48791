//! Ferry's durable state, behind one set of traits with two backends.
//!
//! * [`Journal`]: change notices and the source checkpoints that cover them, written together.
//! * [`Queue`]: the work queue: leases, retries with backoff, per-record ordering, coalescing.
//! * [`DeadLetters`]: items that will not be retried automatically, and the manual way back.
//! * [`Xrefs`]: Brightpearl id ⇄ Salesforce id links with the last written content hashes.
//! * [`AuditLog`]: manual actions and configuration changes.
//! * [`SecretStore`]: sealed (already encrypted) secrets for the vault.
//! * [`Effects`]: the idempotency ledger: which pieces of work already had their effect.
//! * [`RateWindows`]: API rate windows shared by every worker process of one account.
//!
//! [`Store`] is all of them; [`open`] picks the backend from a URL. Both backends run the same
//! conformance suite (`conformance` feature), so the engine may rely on the documented semantics
//! whichever database is underneath.
//!
//! **Architecture invariant:** this crate never sees plaintext secrets (the vault seals them
//! first) and knows nothing of flows beyond their names.

mod error;
mod postgres;
mod rate;
mod sql;
mod sqlite;
mod types;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod testing;

pub use error::StoreError;
pub use postgres::PostgresStore;
pub use rate::{RateTake, SAME_WINDOW_SLACK_MS};
pub use sqlite::SqliteStore;
pub use types::*;

use async_trait::async_trait;
use ferry_core::{
    DeadLetter, DeadLetterFilter, Failure, FlowName, LeasedItem, QueueStats, RetryPolicy, System,
    TenantId, Timestamp, XrefLink,
};
use std::sync::Arc;

/// Result type of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The journal of change notices, and source checkpoints.
#[async_trait]
pub trait Journal: Send + Sync {
    /// Durably records notices, enqueues (or coalesces) one work item per notice and routed flow,
    /// and advances the batch's checkpoint, all in one transaction. Only after this returns may
    /// the source be acknowledged. Returns the journal ids in the order of `batch.notices`.
    async fn append(&self, batch: AppendBatch) -> Result<Vec<i64>>;

    /// The last checkpoint written for a source (a poll watermark, a replay id).
    async fn checkpoint(
        &self,
        tenant: &TenantId,
        source: System,
        name: &str,
    ) -> Result<Option<String>>;

    /// Per record of one source object: the newest journal id and how many notices were
    /// journaled. Used by reconciliation and the self-test to check nothing went missing.
    async fn journal_summary(
        &self,
        tenant: &TenantId,
        source: System,
        object: &str,
    ) -> Result<Vec<RecordSummary>>;

    /// Deletes journal entries older than `before` that no queued item or dead letter refers to.
    async fn prune_journal(&self, before: Timestamp) -> Result<u64>;

    /// Records what syncs of records did (one transaction for the batch). Pruned with the
    /// journal: [`Journal::prune_journal`] deletes entries older than its `before` too.
    async fn log_syncs(&self, entries: &[NewSyncEntry]) -> Result<()>;

    /// What the store keeps about one record, each list oldest first: its newest `limit`
    /// journaled notices (at most 1000), its work items waiting or in flight with their attempt
    /// history, and its dead letters. A record never seen gives empty lists. Read through the
    /// journal's record index, so it stays cheap however long the journal.
    async fn record_history(&self, record: &RecordRef, limit: u32) -> Result<RecordHistory>;
}

/// The work queue.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Leases up to `request.limit` due items (at most 1000). A record's waiting item is leasable
    /// only while no item of the record is in flight, so two items of one flow and record are
    /// never in flight at once and they run in arrival order. An item whose lease expired is leased again (its attempt counted);
    /// one that has used up its attempts that way is dead-lettered with `LEASE_EXPIRED`.
    async fn lease(&self, request: &LeaseRequest) -> Result<Vec<LeasedItem>>;

    /// Marks leased items done and removes them. Items whose lease was lost (expired and taken by
    /// another worker) are not touched and are reported in the outcome.
    async fn ack(&self, items: &[LeaseRef]) -> Result<AckOutcome>;

    /// Records a failed attempt: retried after a backoff, or dead-lettered when the failure is
    /// permanent or the policy's attempts are used up.
    async fn fail(
        &self,
        item: &LeaseRef,
        failure: &Failure,
        policy: &RetryPolicy,
    ) -> Result<FailOutcome>;

    /// Extends leases still held by the caller (a heartbeat for slow work).
    async fn extend(&self, items: &[LeaseRef], lease_for: std::time::Duration) -> Result<u64>;

    /// Counts per tenant and flow.
    async fn stats(&self, tenant: Option<&TenantId>) -> Result<Vec<QueueStats>>;
}

/// The dead-letter queue.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    /// Dead letters matching the filter, newest first.
    async fn list_dead(&self, filter: &DeadLetterFilter, limit: u32) -> Result<Vec<DeadLetter>>;

    /// One dead letter.
    async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>>;

    /// Puts dead letters back into the queue (as fresh arrivals, attempts reset, their history
    /// kept) and audits the action. Returns how many were moved.
    async fn retry_dead(&self, selection: &DeadSelection, actor: &str) -> Result<u64>;

    /// Deletes dead letters for good and audits the action. Returns how many were removed.
    async fn discard_dead(&self, selection: &DeadSelection, actor: &str) -> Result<u64>;
}

/// Cross-reference links.
#[async_trait]
pub trait Xrefs: Send + Sync {
    /// Links a Brightpearl record to a Salesforce record. Linking the same pair again is a no-op
    /// that returns the existing link; linking either id to a different partner is
    /// [`StoreError::LinkConflict`].
    async fn link(&self, link: &NewLink) -> Result<XrefLink>;

    /// The link for a Brightpearl id.
    async fn link_by_brightpearl(
        &self,
        tenant: &TenantId,
        entity: &str,
        id: &str,
    ) -> Result<Option<XrefLink>>;

    /// The link for a Salesforce id.
    async fn link_by_salesforce(
        &self,
        tenant: &TenantId,
        entity: &str,
        id: &str,
    ) -> Result<Option<XrefLink>>;

    /// Records what was just written through a link: the content hash in that direction and the
    /// source version it came from. Returns false when no such link exists.
    async fn record_write(&self, write: &LinkWrite) -> Result<bool>;
}

/// The audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an entry; returns its id.
    async fn audit(&self, entry: &NewAuditEntry) -> Result<i64>;

    /// The newest entries (of one tenant, of one action, or all), newest first.
    async fn audit_entries(
        &self,
        tenant: Option<&TenantId>,
        action: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>>;
}

/// Storage for sealed secrets. Sealing and unsealing are the vault's job.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Stores or replaces a sealed secret.
    async fn put_secret(&self, secret: &SealedSecret) -> Result<()>;

    /// One sealed secret.
    async fn secret(&self, tenant: &TenantId, name: &str) -> Result<Option<SealedSecret>>;

    /// Every sealed secret (of one tenant, or all).
    async fn secrets(&self, tenant: Option<&TenantId>) -> Result<Vec<SealedSecret>>;

    /// Key rotation, all or nothing, in one transaction: each `(current, replacement)` pair
    /// replaces `current` only if it is still stored exactly as given, and afterwards every
    /// stored secret must be sealed by `key_id`. If a secret was set meanwhile (a refreshed token)
    /// nothing changes and the result is [`StoreError::ConcurrentChange`]: read and try again.
    async fn reseal_secrets(
        &self,
        swaps: &[(SealedSecret, SealedSecret)],
        key_id: &str,
    ) -> Result<()>;
}

/// The idempotency ledger of applied effects.
#[async_trait]
pub trait Effects: Send + Sync {
    /// Records that the effect with `effect.key` was applied. If it already was (work redelivered
    /// after a crash or a lost ack), nothing is recorded again: the earlier effect is returned
    /// and its `repeats` count goes up, so the caller can skip the side effect.
    async fn apply_effect(&self, effect: &NewEffect) -> Result<EffectOutcome> {
        let mut outcomes = self.apply_effects(std::slice::from_ref(effect)).await?;
        Ok(outcomes.remove(0))
    }

    /// [`Effects::apply_effect`] for a batch, in one transaction. Returns one outcome per effect,
    /// in the order given; a key given twice is applied once and counted as a repeat the second
    /// time.
    async fn apply_effects(&self, effects: &[NewEffect]) -> Result<Vec<EffectOutcome>>;

    /// Deletes effects applied before `before`, except those a dead letter may still bring back
    /// (their work could be retried and must still be recognised). Returns how many went.
    async fn prune_effects(&self, before: Timestamp) -> Result<u64>;

    /// Effects of a flow in the order they were applied, starting after id `after`.
    async fn effects(
        &self,
        tenant: &TenantId,
        flow: &FlowName,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Effect>>;
}

/// API rate windows shared across processes: the count of a fixed window of `limit` units
/// (Brightpearl's requests per minute) for one account, kept so that every worker on every
/// machine spends from one allowance. Each operation is one transaction holding the window's
/// row lock, so two takers can never both get the last unit. "Now" is the database's clock (the
/// server's, on PostgreSQL), so processes on machines whose clocks differ agree on when a window
/// ends.
#[async_trait]
pub trait RateWindows: Send + Sync {
    /// Takes `cost` units from the window of `key`, opening a fresh window of `limit` units
    /// lasting `window_ms` milliseconds when none is open (or the open one has ended). A cost
    /// above `limit` is charged as `limit`, so that it can go through a fresh window. Not
    /// granted: nothing is spent, and `wait_ms` says when the window ends.
    async fn take_rate(
        &self,
        tenant: &TenantId,
        key: &str,
        cost: u32,
        limit: u32,
        window_ms: i64,
    ) -> Result<RateTake>;

    /// Corrects the window of `key` from the server's own count: `remaining` units left, the
    /// window ending in `resets_in_ms`. When that end is within [`SAME_WINDOW_SLACK_MS`] of the
    /// open window's, the smaller count and the later end win (other calls may be in flight);
    /// otherwise the server's window replaces it.
    async fn observe_rate(
        &self,
        tenant: &TenantId,
        key: &str,
        remaining: u32,
        resets_in_ms: i64,
    ) -> Result<()>;
}

/// Flow declarations saved from the console, and flows paused there.
#[async_trait]
pub trait FlowConfigs: Send + Sync {
    /// Saves `spec` as the flow's next version. `expected_latest` is the version the author
    /// edited (`None`: the file, no version yet); if another version was saved meanwhile the
    /// save is refused with [`StoreError::ConcurrentChange`], so no edit is silently lost.
    async fn save_flow_version(
        &self,
        tenant: &TenantId,
        flow: &str,
        spec: &str,
        author: &str,
        note: &str,
        expected_latest: Option<i64>,
    ) -> Result<FlowVersion>;

    /// Every version of a flow, newest first.
    async fn flow_versions(&self, tenant: &TenantId, flow: &str) -> Result<Vec<FlowVersion>>;

    /// The newest version of every flow that has one.
    async fn latest_flow_versions(&self, tenant: &TenantId) -> Result<Vec<FlowVersion>>;

    /// Pauses or resumes a flow.
    async fn set_flow_paused(
        &self,
        tenant: &TenantId,
        flow: &str,
        paused: bool,
        actor: &str,
    ) -> Result<FlowState>;

    /// The flows ever paused or resumed, with their state.
    async fn flow_states(&self, tenant: &TenantId) -> Result<Vec<FlowState>>;
}

/// Everything Ferry keeps durably.
pub trait Store:
    Journal + Queue + DeadLetters + Xrefs + AuditLog + SecretStore + Effects + RateWindows + FlowConfigs
{
    /// Which backend this is.
    fn backend(&self) -> Backend;
}

/// Opens (creating when needed) the store a URL names and, unless told not to, applies pending
/// migrations:
/// `sqlite://path/to/ferry.db` (or a bare path ending in `.db`) or `postgres://user@host/db`.
pub async fn open(url: &str, options: &OpenOptions) -> Result<Arc<dyn Store>> {
    match StoreLocation::parse(url)? {
        StoreLocation::Sqlite(path) => Ok(Arc::new(SqliteStore::open(&path, options).await?)),
        StoreLocation::Postgres(url) => Ok(Arc::new(PostgresStore::open(&url, options).await?)),
    }
}

/// Applies pending migrations to the store a URL names; returns the versions applied now.
pub async fn migrate(url: &str, options: &OpenOptions) -> Result<Vec<i64>> {
    let options = OpenOptions {
        migrate: false,
        ..options.clone()
    };
    match StoreLocation::parse(url)? {
        StoreLocation::Sqlite(path) => SqliteStore::open(&path, &options).await?.migrate().await,
        StoreLocation::Postgres(url) => PostgresStore::open(&url, &options).await?.migrate().await,
    }
}
