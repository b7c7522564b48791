//! The store's logic, written once for both backends.
//!
//! SQLite and PostgreSQL speak nearly the same SQL here (`ON CONFLICT`, partial unique indexes,
//! `RETURNING`); they differ in placeholders (handled by `QueryBuilder`), in how a write
//! transaction starts, and in row locking (`FOR UPDATE SKIP LOCKED` on PostgreSQL, where many
//! workers lease at once; SQLite has one writer at a time). sqlx types the two drivers apart, so
//! the shared code is a macro instantiated once per backend: one text, two monomorphic copies.

use crate::Backend;
use ferry_core::{Attempt, Operation, Timestamp};

/// What differs between the two SQL dialects.
pub(crate) struct Dialect {
    /// Which backend.
    pub backend: Backend,
    /// Appended to the lease candidate query.
    pub lock_clause: &'static str,
}

/// Items (or rows) per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535
/// bind parameters at ten columns a row.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// Work item columns, in the order `item_from_row` reads them.
pub(crate) const ITEM_COLUMNS: &str = "id, tenant, flow, source, object, record_id, operation, \
     journal_id, notices, payload, attempts, enqueued_at, lease_token, due_at, history, state";

/// Dead letter columns, in the order `dead_from_row` reads them.
pub(crate) const DEAD_COLUMNS: &str = "id, tenant, flow, source, object, record_id, operation, \
     journal_id, notices, payload, error_code, error_message, history, enqueued_at, failed_at";

/// Link columns, in the order `link_from_row` reads them.
pub(crate) const LINK_COLUMNS: &str = "tenant, entity, brightpearl_id, salesforce_id, \
     hash_to_salesforce, hash_to_brightpearl, brightpearl_version, salesforce_version, updated_at";

/// The upsert that enqueues a work item or merges it into the record's waiting item. Merging
/// keeps the waiting item's place, backoff and first-enqueued time, takes the newer journal
/// entry, and coalesces the operation exactly as [`Operation::coalesce`] does (the conformance
/// suite checks every pair).
pub(crate) const ENQUEUE_CONFLICT: &str = " ON CONFLICT (tenant, flow, source, object, record_id) \
     WHERE state = 'pending' DO UPDATE SET \
     operation = CASE \
       WHEN excluded.operation = 'delete' THEN 'delete' \
       WHEN work_items.operation = 'create' AND excluded.operation = 'update' THEN 'create' \
       WHEN work_items.operation = 'delete' AND excluded.operation = 'undelete' THEN 'update' \
       ELSE excluded.operation END, \
     journal_id = CASE WHEN excluded.journal_id > work_items.journal_id \
       THEN excluded.journal_id ELSE work_items.journal_id END, \
     payload = CASE WHEN excluded.journal_id > work_items.journal_id \
       THEN excluded.payload ELSE work_items.payload END, \
     notices = work_items.notices + excluded.notices";

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
/// field, a `DIALECT` constant and an async `begin_write` method.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        mod shared {
            use super::*;
            use crate::sql::{
                DEAD_COLUMNS, ENQUEUE_CONFLICT, ITEM_COLUMNS, LINK_COLUMNS, ROWS_PER_STATEMENT,
                history_json, jitter_unit, new_token, now_micros, parse_json, parse_operation,
            };
            use crate::*;
            use async_trait::async_trait;
            use ferry_core::*;
            use sqlx::{QueryBuilder, Row};
            use std::collections::HashMap;

            type Db = $db;
            type DbRow = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            fn text(row: &DbRow, index: usize) -> Result<String> {
                Ok(row.try_get::<String, _>(index)?)
            }

            fn int(row: &DbRow, index: usize) -> Result<i64> {
                Ok(row.try_get::<i64, _>(index)?)
            }

            fn opt_text(row: &DbRow, index: usize) -> Result<Option<String>> {
                Ok(row.try_get::<Option<String>, _>(index)?)
            }

            fn tenant_col(row: &DbRow, index: usize, table: &'static str) -> Result<TenantId> {
                let value = text(row, index)?;
                TenantId::new(value.clone()).map_err(|err| StoreError::Corrupt {
                    table,
                    id: value,
                    reason: err.to_string(),
                })
            }

            fn flow_col(row: &DbRow, index: usize, table: &'static str) -> Result<FlowName> {
                let value = text(row, index)?;
                FlowName::new(value.clone()).map_err(|err| StoreError::Corrupt {
                    table,
                    id: value,
                    reason: err.to_string(),
                })
            }

            fn system_col(row: &DbRow, index: usize, table: &'static str) -> Result<System> {
                let value = text(row, index)?;
                System::parse(&value).ok_or_else(|| StoreError::Corrupt {
                    table,
                    id: value.clone(),
                    reason: format!("unknown source system {value:?}"),
                })
            }

            /// The raw work item row, before it is known to be leased.
            struct ItemRow {
                id: i64,
                tenant: TenantId,
                flow: FlowName,
                source: System,
                object: String,
                record_id: String,
                operation: Operation,
                journal_id: i64,
                notices: i64,
                payload: String,
                attempts: i64,
                enqueued_at: i64,
                lease_token: Option<String>,
                due_at: i64,
                history: Vec<Attempt>,
                state: String,
            }

            fn item_from_row(row: &DbRow) -> Result<ItemRow> {
                let id = int(row, 0)?;
                Ok(ItemRow {
                    id,
                    tenant: tenant_col(row, 1, "work_items")?,
                    flow: flow_col(row, 2, "work_items")?,
                    source: system_col(row, 3, "work_items")?,
                    object: text(row, 4)?,
                    record_id: text(row, 5)?,
                    operation: parse_operation(&text(row, 6)?, "work_items", id)?,
                    journal_id: int(row, 7)?,
                    notices: int(row, 8)?,
                    payload: text(row, 9)?,
                    attempts: int(row, 10)?,
                    enqueued_at: int(row, 11)?,
                    lease_token: opt_text(row, 12)?,
                    due_at: int(row, 13)?,
                    history: parse_json(&text(row, 14)?, "work_items", &id.to_string())?,
                    state: text(row, 15)?,
                })
            }

            impl ItemRow {
                fn into_leased(self) -> Result<LeasedItem> {
                    let payload = parse_json(&self.payload, "work_items", &self.id.to_string())?;
                    Ok(LeasedItem {
                        id: self.id,
                        tenant: self.tenant,
                        flow: self.flow,
                        source: self.source,
                        object: self.object,
                        record_id: self.record_id,
                        operation: self.operation,
                        journal_id: self.journal_id,
                        notices: self.notices,
                        payload,
                        attempt: self.attempts,
                        enqueued_at: Timestamp::from_micros(self.enqueued_at),
                        lease_token: self.lease_token.unwrap_or_default(),
                        lease_expires_at: Timestamp::from_micros(self.due_at),
                        history: self.history,
                    })
                }
            }

            fn dead_from_row(row: &DbRow) -> Result<DeadLetter> {
                let id = int(row, 0)?;
                Ok(DeadLetter {
                    id,
                    tenant: tenant_col(row, 1, "dead_letters")?,
                    flow: flow_col(row, 2, "dead_letters")?,
                    source: system_col(row, 3, "dead_letters")?,
                    object: text(row, 4)?,
                    record_id: text(row, 5)?,
                    operation: parse_operation(&text(row, 6)?, "dead_letters", id)?,
                    journal_id: int(row, 7)?,
                    notices: int(row, 8)?,
                    payload: parse_json(&text(row, 9)?, "dead_letters", &id.to_string())?,
                    error_code: text(row, 10)?,
                    error_message: text(row, 11)?,
                    history: parse_json(&text(row, 12)?, "dead_letters", &id.to_string())?,
                    enqueued_at: Timestamp::from_micros(int(row, 13)?),
                    failed_at: Timestamp::from_micros(int(row, 14)?),
                })
            }

            fn link_from_row(row: &DbRow) -> Result<XrefLink> {
                Ok(XrefLink {
                    tenant: tenant_col(row, 0, "xref_links")?,
                    entity: text(row, 1)?,
                    brightpearl_id: text(row, 2)?,
                    salesforce_id: text(row, 3)?,
                    hash_to_salesforce: opt_text(row, 4)?,
                    hash_to_brightpearl: opt_text(row, 5)?,
                    brightpearl_version: opt_text(row, 6)?,
                    salesforce_version: opt_text(row, 7)?,
                    updated_at: Timestamp::from_micros(int(row, 8)?),
                })
            }

            fn secret_from_row(row: &DbRow) -> Result<SealedSecret> {
                Ok(SealedSecret {
                    tenant: tenant_col(row, 0, "secrets")?,
                    name: text(row, 1)?,
                    key_id: text(row, 2)?,
                    nonce: row.try_get::<Vec<u8>, _>(3)?,
                    ciphertext: row.try_get::<Vec<u8>, _>(4)?,
                    updated_at: Timestamp::from_micros(int(row, 5)?),
                })
            }

            /// One work item to insert or merge, after coalescing within its batch.
            struct Enqueue {
                tenant: String,
                flow: String,
                source: &'static str,
                object: String,
                record_id: String,
                operation: Operation,
                journal_id: i64,
                notices: i64,
                payload: String,
                enqueued_at: i64,
                history: String,
            }

            /// Inserts work items, merging each into its record's waiting item if there is one.
            /// Callers coalesce first: PostgreSQL refuses to touch one row twice in a statement.
            async fn enqueue(tx: &mut Tx, items: &[Enqueue]) -> Result<()> {
                for chunk in items.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO work_items (tenant, flow, source, object, record_id, \
                         operation, journal_id, notices, payload, state, attempts, due_at, \
                         enqueued_at, history) ",
                    );
                    qb.push_values(chunk, |mut row, item| {
                        row.push_bind(item.tenant.clone())
                            .push_bind(item.flow.clone())
                            .push_bind(item.source)
                            .push_bind(item.object.clone())
                            .push_bind(item.record_id.clone())
                            .push_bind(item.operation.as_str())
                            .push_bind(item.journal_id)
                            .push_bind(item.notices)
                            .push_bind(item.payload.clone())
                            .push("'pending'")
                            .push("0")
                            .push_bind(item.enqueued_at)
                            .push_bind(item.enqueued_at)
                            .push_bind(item.history.clone());
                    });
                    qb.push(ENQUEUE_CONFLICT);
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Moves an item (already read and locked) into the dead-letter queue.
            async fn bury(
                tx: &mut Tx,
                item: &ItemRow,
                code: &str,
                message: &str,
                history: &[Attempt],
                now: i64,
            ) -> Result<i64> {
                let id: i64 = sqlx::query_scalar(
                    <$store>::sql(
                        "INSERT INTO dead_letters (tenant, flow, source, object, record_id, \
                         operation, journal_id, notices, payload, error_code, error_message, \
                         history, enqueued_at, failed_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    ),
                )
                .bind(item.tenant.as_str())
                .bind(item.flow.as_str())
                .bind(item.source.as_str())
                .bind(&item.object)
                .bind(&item.record_id)
                .bind(item.operation.as_str())
                .bind(item.journal_id)
                .bind(item.notices)
                .bind(&item.payload)
                .bind(code)
                .bind(message)
                .bind(history_json(history))
                .bind(item.enqueued_at)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
                sqlx::query(<$store>::sql("DELETE FROM work_items WHERE id = ?"))
                    .bind(item.id)
                    .execute(&mut **tx)
                    .await?;
                Ok(id)
            }

            fn push_dead_selection(qb: &mut QueryBuilder<Db>, selection: &DeadSelection) {
                match selection {
                    DeadSelection::Ids(ids) => {
                        qb.push(" WHERE id IN (");
                        let mut list = qb.separated(", ");
                        for id in ids {
                            list.push_bind(*id);
                        }
                        if ids.is_empty() {
                            list.push("NULL");
                        }
                        qb.push(")");
                    }
                    DeadSelection::Filter(filter) => push_dead_filter(qb, filter),
                }
            }

            fn push_dead_filter(qb: &mut QueryBuilder<Db>, filter: &DeadLetterFilter) {
                qb.push(" WHERE 1 = 1");
                if let Some(tenant) = &filter.tenant {
                    qb.push(" AND tenant = ").push_bind(tenant.as_str().to_owned());
                }
                if let Some(flow) = &filter.flow {
                    qb.push(" AND flow = ").push_bind(flow.as_str().to_owned());
                }
                if let Some(code) = &filter.error_code {
                    qb.push(" AND error_code = ").push_bind(code.clone());
                }
                if let Some(record_id) = &filter.record_id {
                    qb.push(" AND record_id = ").push_bind(record_id.clone());
                }
                if let Some(before) = filter.failed_before {
                    qb.push(" AND failed_at < ").push_bind(before.as_micros());
                }
            }

            #[async_trait]
            impl Journal for $store {
                async fn append(&self, batch: AppendBatch) -> Result<Vec<i64>> {
                    let now = now_micros();
                    let mut tx = self.begin_write().await?;
                    let mut journal_ids = Vec::with_capacity(batch.notices.len());
                    for chunk in batch.notices.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<Db>::new(
                            "INSERT INTO journal (tenant, source, object, record_id, operation, \
                             observed_at, origin, payload, journaled_at) ",
                        );
                        qb.push_values(chunk, |mut row, routed| {
                            let notice = &routed.notice;
                            row.push_bind(notice.tenant.as_str().to_owned())
                                .push_bind(notice.source.as_str())
                                .push_bind(notice.object.clone())
                                .push_bind(notice.record_id.clone())
                                .push_bind(notice.operation.as_str())
                                .push_bind(notice.observed_at.as_micros())
                                .push_bind(notice.origin.clone())
                                .push_bind(notice.payload.to_string())
                                .push_bind(now);
                        });
                        qb.push(" RETURNING id");
                        let mut ids: Vec<i64> =
                            qb.build_query_scalar().fetch_all(&mut *tx).await?;
                        // Ids come from one sequence in VALUES order; sorting makes the mapping
                        // independent of the order RETURNING happens to list them in.
                        ids.sort_unstable();
                        journal_ids.extend(ids);
                    }

                    // Coalesce within the batch: one item per (tenant, flow, record).
                    let mut order: Vec<Enqueue> = Vec::new();
                    let mut index: HashMap<(String, String, &'static str, String, String), usize> =
                        HashMap::new();
                    for (routed, journal_id) in batch.notices.iter().zip(&journal_ids) {
                        let notice = &routed.notice;
                        for flow in &routed.flows {
                            let key = (
                                notice.tenant.as_str().to_owned(),
                                flow.as_str().to_owned(),
                                notice.source.as_str(),
                                notice.object.clone(),
                                notice.record_id.clone(),
                            );
                            if let Some(&at) = index.get(&key) {
                                let item = &mut order[at];
                                item.operation = item.operation.coalesce(notice.operation);
                                item.journal_id = *journal_id;
                                item.payload = notice.payload.to_string();
                                item.notices += 1;
                            } else {
                                index.insert(key.clone(), order.len());
                                order.push(Enqueue {
                                    tenant: key.0,
                                    flow: key.1,
                                    source: key.2,
                                    object: key.3,
                                    record_id: key.4,
                                    operation: notice.operation,
                                    journal_id: *journal_id,
                                    notices: 1,
                                    payload: notice.payload.to_string(),
                                    enqueued_at: now,
                                    history: "[]".to_owned(),
                                });
                            }
                        }
                    }
                    enqueue(&mut tx, &order).await?;

                    for checkpoint in &batch.checkpoints {
                        sqlx::query(<$store>::sql(
                            "INSERT INTO checkpoints (tenant, source, name, value, updated_at) \
                             VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, source, name) \
                             DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        ))
                        .bind(checkpoint.tenant.as_str())
                        .bind(checkpoint.source.as_str())
                        .bind(&checkpoint.name)
                        .bind(&checkpoint.value)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(journal_ids)
                }

                async fn checkpoint(
                    &self,
                    tenant: &TenantId,
                    source: System,
                    name: &str,
                ) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar(<$store>::sql(
                        "SELECT value FROM checkpoints WHERE tenant = ? AND source = ? AND name = ?",
                    ))
                    .bind(tenant.as_str())
                    .bind(source.as_str())
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn journal_summary(
                    &self,
                    tenant: &TenantId,
                    source: System,
                    object: &str,
                ) -> Result<Vec<RecordSummary>> {
                    let rows = sqlx::query(<$store>::sql(
                        "SELECT record_id, MAX(id), COUNT(*) FROM journal \
                         WHERE tenant = ? AND source = ? AND object = ? \
                         GROUP BY record_id ORDER BY record_id",
                    ))
                    .bind(tenant.as_str())
                    .bind(source.as_str())
                    .bind(object)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(RecordSummary {
                                record_id: text(row, 0)?,
                                latest_journal_id: int(row, 1)?,
                                notices: int(row, 2)?,
                            })
                        })
                        .collect()
                }

                async fn prune_journal(&self, before: Timestamp) -> Result<u64> {
                    let done = sqlx::query(<$store>::sql(
                        "DELETE FROM journal WHERE journaled_at < ? \
                         AND id NOT IN (SELECT journal_id FROM work_items) \
                         AND id NOT IN (SELECT journal_id FROM dead_letters)",
                    ))
                    .bind(before.as_micros())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }
            }

            #[async_trait]
            impl Queue for $store {
                async fn lease(&self, request: &LeaseRequest) -> Result<Vec<LeasedItem>> {
                    if request.limit == 0 {
                        return Ok(Vec::new());
                    }
                    let now = now_micros();
                    let expires = Timestamp::from_micros(now).plus(request.lease_for).as_micros();
                    let mut tx = self.begin_write().await?;

                    let mut qb = QueryBuilder::<Db>::new(format!(
                        "SELECT {ITEM_COLUMNS} FROM work_items w WHERE w.due_at <= "
                    ));
                    qb.push_bind(now);
                    if let Some(tenant) = &request.tenant {
                        qb.push(" AND w.tenant = ").push_bind(tenant.as_str().to_owned());
                    }
                    if !request.flows.is_empty() {
                        qb.push(" AND w.flow IN (");
                        let mut list = qb.separated(", ");
                        for flow in &request.flows {
                            list.push_bind(flow.as_str().to_owned());
                        }
                        qb.push(")");
                    }
                    qb.push(
                        " AND NOT EXISTS (SELECT 1 FROM work_items p WHERE p.tenant = w.tenant \
                         AND p.flow = w.flow AND p.source = w.source AND p.object = w.object \
                         AND p.record_id = w.record_id AND p.id < w.id) \
                         ORDER BY w.due_at, w.id LIMIT ",
                    );
                    qb.push_bind(i64::from(request.limit));
                    qb.push(<$store>::DIALECT.lock_clause);
                    let candidates = qb.build().fetch_all(&mut *tx).await?;

                    let mut lease_ids = Vec::with_capacity(candidates.len());
                    for row in &candidates {
                        let item = item_from_row(row)?;
                        if item.state != "leased" {
                            lease_ids.push(item.id);
                            continue;
                        }
                        // The lease expired: the worker holding it died or stalled.
                        let mut history = item.history.clone();
                        history.push(Attempt {
                            number: item.attempts,
                            at: Timestamp::from_micros(now),
                            code: "LEASE_EXPIRED".to_owned(),
                            message: "the worker holding this item stopped before finishing it \
                                      (crashed, killed or stalled past its lease)"
                                .to_owned(),
                        });
                        if item.attempts >= i64::from(request.max_attempts) {
                            let message = format!(
                                "{} workers in a row stopped while processing this record, so \
                                 it may be what crashes them. Inspect its payload and the worker \
                                 logs, fix the cause, then retry it with `ferry dlq retry`",
                                item.attempts
                            );
                            bury(&mut tx, &item, "LEASE_EXPIRED", &message, &history, now).await?;
                        } else {
                            sqlx::query(<$store>::sql(
                                "UPDATE work_items SET history = ? WHERE id = ?",
                            ))
                            .bind(history_json(&history))
                            .bind(item.id)
                            .execute(&mut *tx)
                            .await?;
                            lease_ids.push(item.id);
                        }
                    }

                    let mut leased = Vec::with_capacity(lease_ids.len());
                    if !lease_ids.is_empty() {
                        let token = new_token();
                        let mut qb = QueryBuilder::<Db>::new(
                            "UPDATE work_items SET state = 'leased', attempts = attempts + 1, \
                             lease_token = ",
                        );
                        qb.push_bind(token)
                            .push(", lease_owner = ")
                            .push_bind(request.worker.clone())
                            .push(", due_at = ")
                            .push_bind(expires)
                            .push(" WHERE id IN (");
                        let mut list = qb.separated(", ");
                        for id in &lease_ids {
                            list.push_bind(*id);
                        }
                        qb.push(format!(") RETURNING {ITEM_COLUMNS}"));
                        for row in qb.build().fetch_all(&mut *tx).await? {
                            leased.push(item_from_row(&row)?.into_leased()?);
                        }
                        leased.sort_by_key(|item| item.id);
                    }
                    tx.commit().await?;
                    Ok(leased)
                }

                async fn ack(&self, items: &[LeaseRef]) -> Result<AckOutcome> {
                    let mut by_token: HashMap<&str, Vec<i64>> = HashMap::new();
                    for item in items {
                        by_token.entry(item.token.as_str()).or_default().push(item.id);
                    }
                    let mut outcome = AckOutcome::default();
                    if items.is_empty() {
                        return Ok(outcome);
                    }
                    let mut tx = self.begin_write().await?;
                    for (token, ids) in by_token {
                        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                            let mut qb = QueryBuilder::<Db>::new(
                                "DELETE FROM work_items WHERE state = 'leased' AND lease_token = ",
                            );
                            qb.push_bind(token.to_owned()).push(" AND id IN (");
                            let mut list = qb.separated(", ");
                            for id in chunk {
                                list.push_bind(*id);
                            }
                            qb.push(") RETURNING id");
                            let done: Vec<i64> =
                                qb.build_query_scalar().fetch_all(&mut *tx).await?;
                            outcome.acked += done.len() as u64;
                            if done.len() != chunk.len() {
                                outcome.lost.extend(chunk.iter().filter(|id| !done.contains(id)));
                            }
                        }
                    }
                    tx.commit().await?;
                    outcome.lost.sort_unstable();
                    Ok(outcome)
                }

                async fn fail(
                    &self,
                    lease: &LeaseRef,
                    failure: &Failure,
                    policy: &RetryPolicy,
                ) -> Result<FailOutcome> {
                    let now = now_micros();
                    let mut tx = self.begin_write().await?;
                    let row = sqlx::query(<$store>::sql_owned(format!(
                        "SELECT {ITEM_COLUMNS} FROM work_items \
                         WHERE id = ? AND lease_token = ? AND state = 'leased'{}",
                        <$store>::DIALECT.lock_clause.replace(" SKIP LOCKED", "")
                    )))
                    .bind(lease.id)
                    .bind(&lease.token)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(row) = row else {
                        return Ok(FailOutcome::LeaseLost);
                    };
                    let mut item = item_from_row(&row)?;
                    let mut history = item.history.clone();
                    history.push(Attempt {
                        number: item.attempts,
                        at: Timestamp::from_micros(now),
                        code: failure.code.clone(),
                        message: failure.message.clone(),
                    });

                    if failure.kind == FailureKind::Permanent
                        || !policy.allows_another(item.attempts)
                    {
                        let message = if failure.kind == FailureKind::Permanent {
                            failure.message.clone()
                        } else {
                            format!(
                                "gave up after {} attempts; last error: {}",
                                item.attempts, failure.message
                            )
                        };
                        let id = bury(&mut tx, &item, &failure.code, &message, &history, now)
                            .await?;
                        tx.commit().await?;
                        return Ok(FailOutcome::DeadLettered { dead_letter_id: id });
                    }

                    // A newer notice may be waiting behind this item: fold it in, so the record
                    // keeps one waiting item and its order.
                    let waiting = sqlx::query(<$store>::sql(
                        "DELETE FROM work_items WHERE tenant = ? AND flow = ? AND source = ? \
                         AND object = ? AND record_id = ? AND state = 'pending' \
                         RETURNING operation, journal_id, notices, payload",
                    ))
                    .bind(item.tenant.as_str())
                    .bind(item.flow.as_str())
                    .bind(item.source.as_str())
                    .bind(&item.object)
                    .bind(&item.record_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(waiting) = waiting {
                        let operation = parse_operation(&text(&waiting, 0)?, "work_items", item.id)?;
                        item.operation = item.operation.coalesce(operation);
                        item.journal_id = int(&waiting, 1)?;
                        item.notices += int(&waiting, 2)?;
                        item.payload = text(&waiting, 3)?;
                    }
                    let delay = policy.backoff(item.attempts, jitter_unit());
                    let due_at = Timestamp::from_micros(now).plus(delay);
                    sqlx::query(<$store>::sql(
                        "UPDATE work_items SET state = 'pending', lease_token = NULL, \
                         lease_owner = NULL, due_at = ?, history = ?, operation = ?, \
                         journal_id = ?, notices = ?, payload = ? WHERE id = ?",
                    ))
                    .bind(due_at.as_micros())
                    .bind(history_json(&history))
                    .bind(item.operation.as_str())
                    .bind(item.journal_id)
                    .bind(item.notices)
                    .bind(&item.payload)
                    .bind(item.id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(FailOutcome::Retrying { due_at })
                }

                async fn extend(
                    &self,
                    items: &[LeaseRef],
                    lease_for: std::time::Duration,
                ) -> Result<u64> {
                    let expires = Timestamp::now().plus(lease_for).as_micros();
                    let mut tx = self.begin_write().await?;
                    let mut extended = 0;
                    for item in items {
                        extended += sqlx::query(<$store>::sql(
                            "UPDATE work_items SET due_at = ? \
                             WHERE id = ? AND lease_token = ? AND state = 'leased'",
                        ))
                        .bind(expires)
                        .bind(item.id)
                        .bind(&item.token)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    }
                    tx.commit().await?;
                    Ok(extended)
                }

                async fn stats(&self, tenant: Option<&TenantId>) -> Result<Vec<QueueStats>> {
                    let now = now_micros();
                    let mut qb = QueryBuilder::<Db>::new(
                        "SELECT tenant, flow, \
                         SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), \
                         SUM(CASE WHEN state = 'pending' AND attempts > 0 AND due_at > ",
                    );
                    qb.push_bind(now).push(
                        " THEN 1 ELSE 0 END), \
                         SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END), \
                         MIN(CASE WHEN state = 'pending' THEN enqueued_at END) \
                         FROM work_items",
                    );
                    if let Some(tenant) = tenant {
                        qb.push(" WHERE tenant = ").push_bind(tenant.as_str().to_owned());
                    }
                    qb.push(" GROUP BY tenant, flow");
                    let mut stats: Vec<QueueStats> = Vec::new();
                    for row in qb.build().fetch_all(&self.pool).await? {
                        stats.push(QueueStats {
                            tenant: tenant_of(&row)?,
                            flow: flow_col(&row, 1, "work_items")?,
                            pending: int(&row, 2)?,
                            retrying: int(&row, 3)?,
                            in_flight: int(&row, 4)?,
                            dead: 0,
                            oldest_enqueued_at: row
                                .try_get::<Option<i64>, _>(5)?
                                .map(Timestamp::from_micros),
                        });
                    }
                    let mut qb = QueryBuilder::<Db>::new(
                        "SELECT tenant, flow, COUNT(*) FROM dead_letters",
                    );
                    if let Some(tenant) = tenant {
                        qb.push(" WHERE tenant = ").push_bind(tenant.as_str().to_owned());
                    }
                    qb.push(" GROUP BY tenant, flow");
                    for row in qb.build().fetch_all(&self.pool).await? {
                        let (tenant, flow) = (tenant_of(&row)?, flow_col(&row, 1, "dead_letters")?);
                        let dead = int(&row, 2)?;
                        match stats.iter_mut().find(|s| s.tenant == tenant && s.flow == flow) {
                            Some(entry) => entry.dead = dead,
                            None => stats.push(QueueStats {
                                tenant,
                                flow,
                                pending: 0,
                                retrying: 0,
                                in_flight: 0,
                                dead,
                                oldest_enqueued_at: None,
                            }),
                        }
                    }
                    stats.sort_by(|a, b| (&a.tenant, &a.flow).cmp(&(&b.tenant, &b.flow)));
                    Ok(stats)
                }
            }

            fn tenant_of(row: &DbRow) -> Result<TenantId> {
                tenant_col(row, 0, "work_items")
            }

            #[async_trait]
            impl DeadLetters for $store {
                async fn list_dead(
                    &self,
                    filter: &DeadLetterFilter,
                    limit: u32,
                ) -> Result<Vec<DeadLetter>> {
                    let mut qb =
                        QueryBuilder::<Db>::new(format!("SELECT {DEAD_COLUMNS} FROM dead_letters"));
                    push_dead_filter(&mut qb, filter);
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
                    qb.build().fetch_all(&self.pool).await?.iter().map(dead_from_row).collect()
                }

                async fn dead_letter(&self, id: i64) -> Result<Option<DeadLetter>> {
                    let row = sqlx::query(<$store>::sql_owned(format!(
                        "SELECT {DEAD_COLUMNS} FROM dead_letters WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(dead_from_row).transpose()
                }

                async fn retry_dead(&self, selection: &DeadSelection, actor: &str) -> Result<u64> {
                    let now = now_micros();
                    let mut tx = self.begin_write().await?;
                    let mut qb = QueryBuilder::<Db>::new(format!(
                        "DELETE FROM dead_letters"
                    ));
                    push_dead_selection(&mut qb, selection);
                    qb.push(format!(" RETURNING {DEAD_COLUMNS}"));
                    let rows = qb.build().fetch_all(&mut *tx).await?;
                    let mut dead: Vec<DeadLetter> =
                        rows.iter().map(dead_from_row).collect::<Result<_>>()?;
                    dead.sort_by_key(|letter| letter.id);
                    let mut audits: HashMap<TenantId, Vec<i64>> = HashMap::new();
                    for letter in &dead {
                        audits.entry(letter.tenant.clone()).or_default().push(letter.id);
                        // One statement per letter: two letters of one record must merge into
                        // one waiting item, which PostgreSQL won't do within a single statement.
                        enqueue(
                            &mut tx,
                            &[Enqueue {
                                tenant: letter.tenant.as_str().to_owned(),
                                flow: letter.flow.as_str().to_owned(),
                                source: letter.source.as_str(),
                                object: letter.object.clone(),
                                record_id: letter.record_id.clone(),
                                operation: letter.operation,
                                journal_id: letter.journal_id,
                                notices: letter.notices,
                                payload: letter.payload.to_string(),
                                enqueued_at: now,
                                history: history_json(&letter.history),
                            }],
                        )
                        .await?;
                    }
                    for (tenant, ids) in audits {
                        insert_audit(
                            &mut tx,
                            &NewAuditEntry {
                                tenant,
                                actor: actor.to_owned(),
                                action: "dlq.retry".to_owned(),
                                subject: format!("{} dead letter(s)", ids.len()),
                                detail: serde_json::json!({ "ids": ids }),
                            },
                            now,
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(dead.len() as u64)
                }

                async fn discard_dead(&self, selection: &DeadSelection, actor: &str) -> Result<u64> {
                    let now = now_micros();
                    let mut tx = self.begin_write().await?;
                    let mut qb = QueryBuilder::<Db>::new("DELETE FROM dead_letters");
                    push_dead_selection(&mut qb, selection);
                    qb.push(" RETURNING id, tenant, flow, record_id, error_code");
                    let rows = qb.build().fetch_all(&mut *tx).await?;
                    let mut audits: HashMap<TenantId, Vec<serde_json::Value>> = HashMap::new();
                    for row in &rows {
                        audits.entry(tenant_col(row, 1, "dead_letters")?).or_default().push(
                            serde_json::json!({
                                "id": int(row, 0)?,
                                "flow": text(row, 2)?,
                                "record_id": text(row, 3)?,
                                "error_code": text(row, 4)?,
                            }),
                        );
                    }
                    for (tenant, letters) in audits {
                        insert_audit(
                            &mut tx,
                            &NewAuditEntry {
                                tenant,
                                actor: actor.to_owned(),
                                action: "dlq.discard".to_owned(),
                                subject: format!("{} dead letter(s)", letters.len()),
                                detail: serde_json::json!({ "discarded": letters }),
                            },
                            now,
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(rows.len() as u64)
                }
            }

            async fn insert_audit(tx: &mut Tx, entry: &NewAuditEntry, now: i64) -> Result<i64> {
                Ok(sqlx::query_scalar(<$store>::sql(
                    "INSERT INTO audit_log (at, tenant, actor, action, subject, detail) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                ))
                .bind(now)
                .bind(entry.tenant.as_str())
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.subject)
                .bind(entry.detail.to_string())
                .fetch_one(&mut **tx)
                .await?)
            }

            async fn find_link(
                executor: &mut Tx,
                tenant: &TenantId,
                entity: &str,
                column: &'static str,
                id: &str,
            ) -> Result<Option<XrefLink>> {
                let row = sqlx::query(<$store>::sql_owned(format!(
                    "SELECT {LINK_COLUMNS} FROM xref_links \
                     WHERE tenant = ? AND entity = ? AND {column} = ?"
                )))
                .bind(tenant.as_str())
                .bind(entity)
                .bind(id)
                .fetch_optional(&mut **executor)
                .await?;
                row.as_ref().map(link_from_row).transpose()
            }

            #[async_trait]
            impl Xrefs for $store {
                async fn link(&self, link: &NewLink) -> Result<XrefLink> {
                    let now = now_micros();
                    let mut tx = self.begin_write().await?;
                    let inserted = sqlx::query(<$store>::sql_owned(format!(
                        "INSERT INTO xref_links (tenant, entity, brightpearl_id, salesforce_id, \
                         updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING \
                         RETURNING {LINK_COLUMNS}"
                    )))
                    .bind(link.tenant.as_str())
                    .bind(&link.entity)
                    .bind(&link.brightpearl_id)
                    .bind(&link.salesforce_id)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(row) = inserted {
                        let created = link_from_row(&row)?;
                        tx.commit().await?;
                        return Ok(created);
                    }
                    let by_bp = find_link(
                        &mut tx, &link.tenant, &link.entity, "brightpearl_id", &link.brightpearl_id,
                    )
                    .await?;
                    if let Some(existing) = &by_bp {
                        if existing.salesforce_id == link.salesforce_id {
                            tx.commit().await?;
                            return Ok(existing.clone());
                        }
                    }
                    let existing = match by_bp {
                        Some(existing) => format!(
                            "Brightpearl {} is already linked to Salesforce {}",
                            existing.brightpearl_id, existing.salesforce_id
                        ),
                        None => match find_link(
                            &mut tx, &link.tenant, &link.entity, "salesforce_id", &link.salesforce_id,
                        )
                        .await?
                        {
                            Some(existing) => format!(
                                "Salesforce {} is already linked to Brightpearl {}",
                                existing.salesforce_id, existing.brightpearl_id
                            ),
                            None => "a concurrent link was removed again".to_owned(),
                        },
                    };
                    Err(StoreError::LinkConflict {
                        tenant: link.tenant.to_string(),
                        entity: link.entity.clone(),
                        brightpearl_id: link.brightpearl_id.clone(),
                        salesforce_id: link.salesforce_id.clone(),
                        existing,
                    })
                }

                async fn link_by_brightpearl(
                    &self,
                    tenant: &TenantId,
                    entity: &str,
                    id: &str,
                ) -> Result<Option<XrefLink>> {
                    let mut tx = self.pool.begin().await?;
                    let found = find_link(&mut tx, tenant, entity, "brightpearl_id", id).await?;
                    tx.commit().await?;
                    Ok(found)
                }

                async fn link_by_salesforce(
                    &self,
                    tenant: &TenantId,
                    entity: &str,
                    id: &str,
                ) -> Result<Option<XrefLink>> {
                    let mut tx = self.pool.begin().await?;
                    let found = find_link(&mut tx, tenant, entity, "salesforce_id", id).await?;
                    tx.commit().await?;
                    Ok(found)
                }

                async fn record_write(&self, write: &LinkWrite) -> Result<bool> {
                    let sql = match write.direction {
                        Direction::ToSalesforce => {
                            "UPDATE xref_links SET hash_to_salesforce = ?, \
                             brightpearl_version = COALESCE(?, brightpearl_version), \
                             updated_at = ? WHERE tenant = ? AND entity = ? AND brightpearl_id = ?"
                        }
                        Direction::ToBrightpearl => {
                            "UPDATE xref_links SET hash_to_brightpearl = ?, \
                             salesforce_version = COALESCE(?, salesforce_version), \
                             updated_at = ? WHERE tenant = ? AND entity = ? AND brightpearl_id = ?"
                        }
                    };
                    let done = sqlx::query(<$store>::sql(sql))
                        .bind(&write.content_hash)
                        .bind(&write.source_version)
                        .bind(now_micros())
                        .bind(write.tenant.as_str())
                        .bind(&write.entity)
                        .bind(&write.brightpearl_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }
            }

            #[async_trait]
            impl AuditLog for $store {
                async fn audit(&self, entry: &NewAuditEntry) -> Result<i64> {
                    let mut tx = self.begin_write().await?;
                    let id = insert_audit(&mut tx, entry, now_micros()).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                async fn audit_entries(
                    &self,
                    tenant: Option<&TenantId>,
                    limit: u32,
                ) -> Result<Vec<AuditEntry>> {
                    let mut qb = QueryBuilder::<Db>::new(
                        "SELECT id, at, tenant, actor, action, subject, detail FROM audit_log",
                    );
                    if let Some(tenant) = tenant {
                        qb.push(" WHERE tenant = ").push_bind(tenant.as_str().to_owned());
                    }
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
                    let mut entries = Vec::new();
                    for row in qb.build().fetch_all(&self.pool).await? {
                        let id = int(&row, 0)?;
                        entries.push(AuditEntry {
                            id,
                            at: Timestamp::from_micros(int(&row, 1)?),
                            tenant: tenant_col(&row, 2, "audit_log")?,
                            actor: text(&row, 3)?,
                            action: text(&row, 4)?,
                            subject: text(&row, 5)?,
                            detail: parse_json(&text(&row, 6)?, "audit_log", &id.to_string())?,
                        });
                    }
                    Ok(entries)
                }
            }

            async fn put_secret_in(tx: &mut Tx, secret: &SealedSecret) -> Result<()> {
                sqlx::query(<$store>::sql(
                    "INSERT INTO secrets (tenant, name, key_id, nonce, ciphertext, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, name) DO UPDATE SET \
                     key_id = excluded.key_id, nonce = excluded.nonce, \
                     ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
                ))
                .bind(secret.tenant.as_str())
                .bind(&secret.name)
                .bind(&secret.key_id)
                .bind(&secret.nonce)
                .bind(&secret.ciphertext)
                .bind(secret.updated_at.as_micros())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            #[async_trait]
            impl SecretStore for $store {
                async fn put_secret(&self, secret: &SealedSecret) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    put_secret_in(&mut tx, secret).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn secret(&self, tenant: &TenantId, name: &str) -> Result<Option<SealedSecret>> {
                    let row = sqlx::query(<$store>::sql(
                        "SELECT tenant, name, key_id, nonce, ciphertext, updated_at FROM secrets \
                         WHERE tenant = ? AND name = ?",
                    ))
                    .bind(tenant.as_str())
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(secret_from_row).transpose()
                }

                async fn secrets(&self, tenant: Option<&TenantId>) -> Result<Vec<SealedSecret>> {
                    let mut qb = QueryBuilder::<Db>::new(
                        "SELECT tenant, name, key_id, nonce, ciphertext, updated_at FROM secrets",
                    );
                    if let Some(tenant) = tenant {
                        qb.push(" WHERE tenant = ").push_bind(tenant.as_str().to_owned());
                    }
                    qb.push(" ORDER BY tenant, name");
                    qb.build().fetch_all(&self.pool).await?.iter().map(secret_from_row).collect()
                }

                async fn replace_secrets(&self, secrets: &[SealedSecret]) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    for secret in secrets {
                        put_secret_in(&mut tx, secret).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }

            fn effect_from_row(row: &DbRow) -> Result<Effect> {
                let id = int(row, 0)?;
                Ok(Effect {
                    id,
                    tenant: tenant_col(row, 1, "effects")?,
                    key: text(row, 2)?,
                    flow: flow_col(row, 3, "effects")?,
                    record_id: text(row, 4)?,
                    detail: parse_json(&text(row, 5)?, "effects", &id.to_string())?,
                    applied_at: Timestamp::from_micros(int(row, 6)?),
                    repeats: int(row, 7)?,
                })
            }

            const EFFECT_COLUMNS: &str =
                "id, tenant, key, flow, record_id, detail, applied_at, repeats";

            #[async_trait]
            impl Effects for $store {
                async fn apply_effect(&self, effect: &NewEffect) -> Result<EffectOutcome> {
                    let mut tx = self.begin_write().await?;
                    let inserted: Option<i64> = sqlx::query_scalar(<$store>::sql(
                        "INSERT INTO effects (tenant, key, flow, record_id, detail, applied_at) \
                         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, key) DO NOTHING RETURNING id",
                    ))
                    .bind(effect.tenant.as_str())
                    .bind(&effect.key)
                    .bind(effect.flow.as_str())
                    .bind(&effect.record_id)
                    .bind(effect.detail.to_string())
                    .bind(now_micros())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let outcome = match inserted {
                        Some(id) => EffectOutcome::Applied { id },
                        None => {
                            let row = sqlx::query(<$store>::sql_owned(format!(
                                "UPDATE effects SET repeats = repeats + 1 \
                                 WHERE tenant = ? AND key = ? RETURNING {EFFECT_COLUMNS}"
                            )))
                            .bind(effect.tenant.as_str())
                            .bind(&effect.key)
                            .fetch_one(&mut *tx)
                            .await?;
                            EffectOutcome::AlreadyApplied(effect_from_row(&row)?)
                        }
                    };
                    tx.commit().await?;
                    Ok(outcome)
                }

                async fn effects(
                    &self,
                    tenant: &TenantId,
                    flow: &FlowName,
                    after: i64,
                    limit: u32,
                ) -> Result<Vec<Effect>> {
                    sqlx::query(<$store>::sql_owned(format!(
                        "SELECT {EFFECT_COLUMNS} FROM effects \
                         WHERE tenant = ? AND flow = ? AND id > ? ORDER BY id LIMIT ?"
                    )))
                    .bind(tenant.as_str())
                    .bind(flow.as_str())
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(effect_from_row)
                    .collect()
                }
            }

            impl Store for $store {
                fn backend(&self) -> Backend {
                    <$store>::DIALECT.backend
                }
            }
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
