//! Plain data passed in and out of the store traits.

use crate::StoreError;
use ferry_core::{
    ChangeNotice, DeadLetterFilter, Direction, FlowName, System, TenantId, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file in WAL mode: the embedded default.
    Sqlite,
    /// A PostgreSQL database: many workers on many machines.
    Postgres,
}

impl Backend {
    /// The backend's name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Where a store lives, parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file path.
    Sqlite(String),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl StoreLocation {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, a bare `*.db` path, or `postgres[ql]://...`.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(StoreError::BadUrl {
                    url: url.to_owned(),
                    reason: "the SQLite URL names no file; write e.g. sqlite://ferry.db".into(),
                });
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if url.ends_with(".db") && !url.contains("://") {
            return Ok(Self::Sqlite(url.to_owned()));
        }
        Err(StoreError::BadUrl {
            url: redact_url(url),
            reason: "use sqlite://PATH (embedded, one machine) or postgres://USER@HOST/DB".into(),
        })
    }
}

/// A URL with any password replaced by `***`, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// How to open a store.
#[derive(Clone)]
pub struct OpenOptions {
    /// Connections in the pool (PostgreSQL; SQLite always uses one connection per process).
    pub max_connections: u32,
    /// How long to wait for the database before giving up with a clear error.
    pub connect_timeout: Duration,
    /// Apply pending migrations on open (the default). `ferry store migrate` applies them
    /// explicitly and reports what it did.
    pub migrate: bool,
    /// The PostgreSQL password, resolved from the config's secret reference (never in the URL).
    pub password: Option<String>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("migrate", &self.migrate)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
            migrate: true,
            password: None,
        }
    }
}

/// A change notice and the flows that must process it.
#[derive(Debug, Clone)]
pub struct RoutedNotice {
    /// The notice to journal.
    pub notice: ChangeNotice,
    /// One work item is enqueued (or coalesced) per flow.
    pub flows: Vec<FlowName>,
}

/// A source position to save in the same transaction as the notices it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointUpdate {
    /// The connection pair.
    pub tenant: TenantId,
    /// The source system.
    pub source: System,
    /// The checkpoint's name (`contact.poll`, `/data/ChangeEvents`, ...).
    pub name: String,
    /// The new position.
    pub value: String,
}

/// What a capture step hands to [`crate::Journal::append`].
#[derive(Debug, Clone, Default)]
pub struct AppendBatch {
    /// Notices in the order they were observed.
    pub notices: Vec<RoutedNotice>,
    /// Checkpoints advanced by this batch.
    pub checkpoints: Vec<CheckpointUpdate>,
}

/// What a worker asks of [`crate::Queue::lease`].
#[derive(Debug, Clone)]
pub struct LeaseRequest {
    /// Who is asking (host and process), recorded on the lease for operators.
    pub worker: String,
    /// The most items to lease.
    pub limit: u32,
    /// How long the lease lasts before the items come back to the queue.
    pub lease_for: Duration,
    /// Only these flows (the ones this worker can run); empty means all.
    pub flows: Vec<FlowName>,
    /// Only this tenant; `None` means all.
    pub tenant: Option<TenantId>,
    /// An item whose lease expired this many times is dead-lettered instead of leased again
    /// (a record that keeps killing workers must not wedge the queue).
    pub max_attempts: u32,
}

/// Identifies one leased item when settling it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseRef {
    /// The item id.
    pub id: i64,
    /// The token its lease was granted with.
    pub token: String,
}

impl From<&ferry_core::LeasedItem> for LeaseRef {
    fn from(item: &ferry_core::LeasedItem) -> Self {
        Self {
            id: item.id,
            token: item.lease_token.clone(),
        }
    }
}

/// The result of [`crate::Queue::ack`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckOutcome {
    /// Items removed from the queue.
    pub acked: u64,
    /// Items whose lease the caller no longer held.
    pub lost: Vec<i64>,
}

/// The result of [`crate::Queue::fail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back in the queue, due at this instant.
    Retrying {
        /// When it becomes due again.
        due_at: Timestamp,
    },
    /// Moved to the dead-letter queue under this id.
    DeadLettered {
        /// The dead letter's id.
        dead_letter_id: i64,
    },
    /// The caller no longer held the lease; nothing changed.
    LeaseLost,
}

/// Which dead letters a retry or discard acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadSelection {
    /// Exactly these ids.
    Ids(Vec<i64>),
    /// Every dead letter the filter matches (an empty filter is refused by the CLI unless the
    /// user says `--all`).
    Filter(DeadLetterFilter),
}

/// A link to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The connection pair.
    pub tenant: TenantId,
    /// The entity kind.
    pub entity: String,
    /// The Brightpearl id.
    pub brightpearl_id: String,
    /// The Salesforce id.
    pub salesforce_id: String,
}

/// A write that went through a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWrite {
    /// The connection pair.
    pub tenant: TenantId,
    /// The entity kind.
    pub entity: String,
    /// The Brightpearl id of the link.
    pub brightpearl_id: String,
    /// Which way the write went.
    pub direction: Direction,
    /// Hash of the payload written.
    pub content_hash: String,
    /// The source record's version the payload came from.
    pub source_version: Option<String>,
    /// What the target's fields hold after this sync (JSON), the base of the next three-way
    /// comparison; `None` keeps the stored one.
    pub base: Option<String>,
}

/// An audit entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// The tenant acted on.
    pub tenant: TenantId,
    /// Who acted (`cli:root@host`, a user name, `system`).
    pub actor: String,
    /// What was done (`dlq.retry`, `vault.set`, `vault.rotate`, `config.change`, ...).
    pub action: String,
    /// What it was done to (a dead letter id, a secret name, a filter).
    pub subject: String,
    /// Details as JSON (never a secret value).
    pub detail: serde_json::Value,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's id.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// The tenant acted on.
    pub tenant: TenantId,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what.
    pub subject: String,
    /// Details.
    pub detail: serde_json::Value,
}

/// An encrypted secret as stored: the store never sees the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// The connection pair.
    pub tenant: TenantId,
    /// The secret's name (`salesforce.client_secret`).
    pub name: String,
    /// Identifies the master key that sealed it (not the key itself).
    pub key_id: String,
    /// The AES-GCM nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext with its authentication tag.
    pub ciphertext: Vec<u8>,
    /// When it was last set.
    pub updated_at: Timestamp,
}

/// An effect to record in the idempotency ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEffect {
    /// The connection pair.
    pub tenant: TenantId,
    /// The idempotency key (see `LeasedItem::idempotency_key`).
    pub key: String,
    /// The flow that applied it.
    pub flow: FlowName,
    /// The source record it was for.
    pub record_id: String,
    /// What the effect produced (a created record's id, ...), as JSON.
    pub detail: serde_json::Value,
}

/// A recorded effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// Ascending in the order effects were applied.
    pub id: i64,
    /// The connection pair.
    pub tenant: TenantId,
    /// The idempotency key.
    pub key: String,
    /// The flow.
    pub flow: FlowName,
    /// The source record.
    pub record_id: String,
    /// What the effect produced.
    pub detail: serde_json::Value,
    /// When it was applied.
    pub applied_at: Timestamp,
    /// How many times the same work came back after it was applied.
    pub repeats: i64,
}

/// The result of [`crate::Effects::apply_effect`].
#[derive(Debug, Clone, PartialEq)]
pub enum EffectOutcome {
    /// Recorded now, under this id: the caller's side effect counts.
    Applied {
        /// The effect's id.
        id: i64,
    },
    /// Recorded before: the caller must not repeat the side effect.
    AlreadyApplied(Effect),
}

/// What the journal holds for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    /// The source record id.
    pub record_id: String,
    /// The newest journal entry for it.
    pub latest_journal_id: i64,
    /// How many notices were journaled for it.
    pub notices: i64,
}

/// One source record, as the journal keys it: what [`crate::Journal::record_history`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// The connection pair.
    pub tenant: TenantId,
    /// The system the record lives in.
    pub source: System,
    /// The source object name (`contact`, `Account`, ...).
    pub object: String,
    /// The source record id.
    pub record_id: String,
}

/// One journaled change notice, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The journal id (ascending in the order notices were journaled).
    pub id: i64,
    /// The system the change came from.
    pub source: System,
    /// The source object name.
    pub object: String,
    /// The source record id.
    pub record_id: String,
    /// What happened.
    pub operation: ferry_core::Operation,
    /// When the source says it happened.
    pub observed_at: Timestamp,
    /// Who caused it, when the source says.
    pub origin: Option<String>,
    /// What the source sent with it (a payload that does not parse is shown as its text).
    pub payload: serde_json::Value,
    /// When Ferry journaled it.
    pub journaled_at: Timestamp,
}

/// A work item as it stands in the queue, waiting or in flight (never its lease token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedItem {
    /// The item's id.
    pub id: i64,
    /// The flow that must process the record.
    pub flow: FlowName,
    /// The system the change came from.
    pub source: System,
    /// The source object name.
    pub object: String,
    /// The source record id.
    pub record_id: String,
    /// The coalesced operation.
    pub operation: ferry_core::Operation,
    /// The newest journal entry merged into it.
    pub journal_id: i64,
    /// How many notices it stands for.
    pub notices: i64,
    /// `pending` (waiting, maybe for a retry) or `leased` (a worker holds it).
    pub state: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// When a pending item may be leased, or when a lease runs out.
    pub due_at: Timestamp,
    /// When its first notice was enqueued.
    pub enqueued_at: Timestamp,
    /// The worker holding it, while leased.
    pub lease_owner: Option<String>,
    /// Its failed attempts, oldest first.
    pub history: Vec<ferry_core::Attempt>,
}

/// Everything the store keeps about one record's way through the queue, each list oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordHistory {
    /// Its journaled notices (the newest ones, up to the limit asked for).
    pub notices: Vec<JournalEntry>,
    /// Its work items waiting or in flight, with their attempts. A finished item leaves the
    /// queue, so its attempts are no longer kept.
    pub items: Vec<QueuedItem>,
    /// Its dead letters, with every attempt.
    pub dead_letters: Vec<ferry_core::DeadLetter>,
    /// What its syncs did (the newest ones, up to the limit asked for).
    #[serde(default)]
    pub syncs: Vec<SyncEntry>,
}

/// What one sync of a record did, to record in the sync log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSyncEntry {
    /// The connection pair.
    pub tenant: TenantId,
    /// The flow that ran.
    pub flow: FlowName,
    /// The source system.
    pub source: System,
    /// The source object.
    pub object: String,
    /// The source record.
    pub record_id: String,
    /// `created`, `updated`, `unchanged`, `skipped`, `deactivated`, `gone` or `failed`.
    pub outcome: String,
    /// What was written (`writes`: target, object, id, action, fields sent), why it was
    /// skipped, or the error (`code`, `message`).
    pub detail: serde_json::Value,
}

/// A sync log entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncEntry {
    /// The entry's id.
    pub id: i64,
    /// When the sync finished.
    pub at: Timestamp,
    /// The flow that ran.
    pub flow: String,
    /// The source system.
    pub source: System,
    /// The source object.
    pub object: String,
    /// The source record.
    pub record_id: String,
    /// What the sync came to.
    pub outcome: String,
    /// Its details (see [`NewSyncEntry::detail`]).
    pub detail: serde_json::Value,
}

/// One saved version of a flow's declaration (the console's mapping editor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowVersion {
    /// The connection pair.
    pub tenant: TenantId,
    /// The flow.
    pub flow: String,
    /// 1, 2, 3, ... per flow; the highest runs.
    pub version: i64,
    /// The declaration's TOML text.
    pub spec: String,
    /// Who saved it (`ui:<token name>`, `api:<token name>`, `cli`).
    pub author: String,
    /// Why (what the author wrote, or "rollback to version N").
    pub note: String,
    /// When.
    pub created_at: Timestamp,
}

/// A flow paused or resumed from the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowState {
    /// The flow.
    pub flow: String,
    /// Whether workers leave its items alone (its notices still queue).
    pub paused: bool,
    /// Who changed it last.
    pub changed_by: String,
    /// When.
    pub changed_at: Timestamp,
}
