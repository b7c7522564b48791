//! Row decoding and the write helpers the trait implementations share.

/// Expands, inside `impl_store!`'s `mod shared`, the column readers, the row types and
/// decoders, and the shared writes (`enqueue`, `bury`, `insert_audit`).
macro_rules! store_rows {
    ($store:ty, $db:ty) => {
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

        /// Dead letters are where unreadable items end up, so they must always be listable: a
        /// payload that does not parse is shown as the text it is.
        fn lenient_json(text: String) -> serde_json::Value {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }

        /// Moves an unreadable work item (a hand-edited or damaged row) to the dead letters with
        /// its raw payload, so that the queue keeps moving.
        async fn quarantine(tx: &mut Tx, id: i64, err: &StoreError, now: i64) -> Result<()> {
            tracing::error!(item = id, error = %err, "unreadable work item moved to the dead letters");
            sqlx::query(<$store>::sql(
                "INSERT INTO dead_letters (tenant, flow, source, object, record_id, operation, \
                 journal_id, notices, payload, error_code, error_message, history, enqueued_at, \
                 failed_at) SELECT tenant, flow, source, object, record_id, operation, \
                 journal_id, notices, payload, 'CORRUPT_ROW', ?, '[]', enqueued_at, ? \
                 FROM work_items WHERE id = ?",
            ))
            .bind(format!(
                "the stored work item could not be read ({err}); it was set aside so the queue \
                 keeps moving. Inspect it with `ferry dlq show`, then retry or discard it"
            ))
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            sqlx::query(<$store>::sql("DELETE FROM work_items WHERE id = ?"))
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// Appends `(id, id, ...)` as bound parameters (`(NULL)` when empty, which matches
        /// nothing).
        fn push_id_list(qb: &mut QueryBuilder<Db>, ids: &[i64]) {
            qb.push("(");
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            if ids.is_empty() {
                list.push("NULL");
            }
            qb.push(")");
        }

        /// Leases grouped by token: items leased together are settled with one statement.
        fn by_token(items: &[LeaseRef]) -> HashMap<&str, Vec<i64>> {
            let mut groups: HashMap<&str, Vec<i64>> = HashMap::new();
            for item in items {
                groups.entry(item.token.as_str()).or_default().push(item.id);
            }
            groups
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
                payload: lenient_json(text(row, 9)?),
                error_code: text(row, 10)?,
                error_message: text(row, 11)?,
                history: serde_json::from_str(&text(row, 12)?).unwrap_or_default(),
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
                base_to_salesforce: opt_text(row, 9)?,
                base_to_brightpearl: opt_text(row, 10)?,
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
            let id: i64 = sqlx::query_scalar(<$store>::sql(
                "INSERT INTO dead_letters (tenant, flow, source, object, record_id, \
                 operation, journal_id, notices, payload, error_code, error_message, \
                 history, enqueued_at, failed_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            ))
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
    };
}

pub(crate) use store_rows;
