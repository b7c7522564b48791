//! The store's logic, written once for both backends.
//!
//! SQLite and PostgreSQL speak nearly the same SQL here (`ON CONFLICT`, partial unique indexes,
//! `RETURNING`); they differ in placeholders (handled by `QueryBuilder`), in how a write
//! transaction starts, and in row locking (`FOR UPDATE SKIP LOCKED` on PostgreSQL, where many
//! workers lease at once; SQLite has one writer at a time). sqlx types the two drivers apart, so
//! the shared code is a macro instantiated once per backend: one text, two monomorphic copies.
//!
//! The macro is split by concept: `rows` (row decoding and shared writes), `queue` (journal
//! and work queue), `dead` (dead letters), `records` (links, audit log, secrets, effects),
//! `rate` (shared rate windows) and `flowcfg` (flow versions and paused flows).
//! Each part expands into the same `mod shared`, so their private helpers see each other.

pub(crate) mod dead;
pub(crate) mod flowcfg;
pub(crate) mod queue;
pub(crate) mod rate;
pub(crate) mod records;
pub(crate) mod rows;

use crate::Backend;
use ferry_core::{Attempt, Operation, Timestamp};

/// What differs between the two SQL dialects.
pub(crate) struct Dialect {
    /// Which backend.
    pub backend: Backend,
    /// Appended to the lease candidate query.
    pub lock_clause: &'static str,
    /// Appended to a query that must lock the one row it reads.
    pub row_lock: &'static str,
}

/// Items (or rows) per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535
/// bind parameters at ten columns a row.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// Work item columns, in the order `item_from_row` reads them.
pub(crate) const ITEM_COLUMNS: &str = "id, tenant, flow, source, object, record_id, operation, \
     journal_id, notices, payload, attempts, enqueued_at, lease_token, due_at, history";

/// Dead letter columns, in the order `dead_from_row` reads them.
pub(crate) const DEAD_COLUMNS: &str = "id, tenant, flow, source, object, record_id, operation, \
     journal_id, notices, payload, error_code, error_message, history, enqueued_at, failed_at";

/// Link columns, in the order `link_from_row` reads them.
pub(crate) const LINK_COLUMNS: &str = "tenant, entity, brightpearl_id, salesforce_id, \
     hash_to_salesforce, hash_to_brightpearl, brightpearl_version, salesforce_version, updated_at, \
     base_to_salesforce, base_to_brightpearl";

/// The upsert that enqueues a work item or merges it into the record's waiting item. Merging
/// keeps the waiting item's place, backoff, attempts, history and first-enqueued time, takes the
/// newer journal entry, and coalesces the operations in journal order exactly as
/// [`Operation::coalesce`] does (the conformance suite checks every pair, both ways round). The
/// arriving row is usually the newer one; a retried dead letter is the older one.
pub(crate) const ENQUEUE_CONFLICT: &str = " ON CONFLICT (tenant, flow, source, object, record_id) \
     WHERE state = 'pending' DO UPDATE SET \
     operation = CASE WHEN excluded.journal_id > work_items.journal_id THEN CASE \
       WHEN excluded.operation = 'delete' THEN 'delete' \
       WHEN work_items.operation = 'create' AND excluded.operation = 'update' THEN 'create' \
       WHEN work_items.operation = 'delete' AND excluded.operation = 'undelete' THEN 'update' \
       ELSE excluded.operation END \
     ELSE CASE \
       WHEN work_items.operation = 'delete' THEN 'delete' \
       WHEN excluded.operation = 'create' AND work_items.operation = 'update' THEN 'create' \
       WHEN excluded.operation = 'delete' AND work_items.operation = 'undelete' THEN 'update' \
       ELSE work_items.operation END END, \
     journal_id = CASE WHEN excluded.journal_id > work_items.journal_id \
       THEN excluded.journal_id ELSE work_items.journal_id END, \
     payload = CASE WHEN excluded.journal_id > work_items.journal_id \
       THEN excluded.payload ELSE work_items.payload END, \
     notices = work_items.notices + excluded.notices";

/// The deepest payload nesting the store accepts. Stored JSON is parsed again when the item is
/// leased, and the parser refuses nesting deeper than 128; refusing it here, with the record
/// named, keeps an unreadable item out of the queue.
pub(crate) const MAX_PAYLOAD_DEPTH: usize = 64;

/// Refuses a notice whose payload could not be read back.
pub(crate) fn check_payload(notice: &ferry_core::ChangeNotice) -> crate::Result<()> {
    let mut deepest = 0;
    let mut stack = vec![(&notice.payload, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    if deepest > MAX_PAYLOAD_DEPTH {
        return Err(crate::StoreError::InvalidNotice {
            record: format!("{} {} {}", notice.source, notice.object, notice.record_id),
            reason: format!(
                "its payload nests {deepest} levels deep, more than the {MAX_PAYLOAD_DEPTH} \
                 allowed; keep ids and small facts in notices, not whole documents"
            ),
        });
    }
    Ok(())
}

/// Parses a stored operation name.
pub(crate) fn parse_operation(
    text: &str,
    table: &'static str,
    id: i64,
) -> crate::Result<Operation> {
    Operation::parse(text).ok_or_else(|| crate::StoreError::Corrupt {
        table,
        id: id.to_string(),
        reason: format!("unknown operation {text:?}"),
    })
}

/// Parses a stored JSON column.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    table: &'static str,
    id: &str,
) -> crate::Result<T> {
    serde_json::from_str(text).map_err(|err| crate::StoreError::Corrupt {
        table,
        id: id.to_owned(),
        reason: format!("invalid JSON: {err}"),
    })
}

/// Serialises attempt history for storage.
pub(crate) fn history_json(history: &[Attempt]) -> String {
    serde_json::to_string(history).unwrap_or_else(|_| "[]".to_owned())
}

/// A fresh lease token.
pub(crate) fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A uniform draw in `[0, 1)` for backoff jitter.
pub(crate) fn jitter_unit() -> f64 {
    rand::random::<f64>()
}

/// Micros for "now", read once per operation so every row in it agrees.
pub(crate) fn now_micros() -> i64 {
    Timestamp::now().as_micros()
}

/// Implements every store trait for one backend. `$store` must have a `pool: sqlx::Pool<$db>`
/// field, a `DIALECT` constant, `sql`/`sql_owned` (placeholder rewriting) and the async
/// `begin_write`, `db_now` and `lease_prelude` methods.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        mod shared {
            use super::*;
            use crate::sql::{
                DEAD_COLUMNS, ENQUEUE_CONFLICT, ITEM_COLUMNS, LINK_COLUMNS, ROWS_PER_STATEMENT,
                check_payload, history_json, jitter_unit, new_token, now_micros, parse_json,
                parse_operation,
            };
            use crate::*;
            use async_trait::async_trait;
            use ferry_core::*;
            use sqlx::{QueryBuilder, Row};
            use std::collections::HashMap;

            type Db = $db;
            type DbRow = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            crate::sql::rows::store_rows!($store, $db);
            crate::sql::queue::store_queue!($store, $db);
            crate::sql::dead::store_dead!($store, $db);
            crate::sql::records::store_records!($store, $db);
            crate::sql::rate::store_rate!($store, $db);
            crate::sql::flowcfg::store_flowcfg!($store, $db);
        }
    };
}

pub(crate) use impl_store;

/// Applies pending migrations and returns the versions applied now.
pub(crate) async fn run_migrations<DB>(
    migrator: &sqlx::migrate::Migrator,
    pool: &sqlx::Pool<DB>,
    backend: Backend,
) -> crate::Result<Vec<i64>>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Connection: sqlx::migrate::Migrate,
{
    use sqlx::migrate::Migrate;
    let failed = |err: String| crate::StoreError::Migration {
        backend: backend.as_str(),
        reason: err,
    };
    let mut conn = pool.acquire().await?;
    let before: Vec<i64> = conn
        .list_applied_migrations(&migrator.table_name)
        .await
        .map(|applied| applied.iter().map(|m| m.version).collect())
        .unwrap_or_default();
    drop(conn);
    migrator
        .run(pool)
        .await
        .map_err(|err| failed(err.to_string()))?;
    Ok(migrator
        .iter()
        .map(|m| m.version)
        .filter(|version| !before.contains(version))
        .collect())
}
