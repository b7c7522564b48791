//! The journal and the work queue.

/// Expands, inside `impl_store!`'s `mod shared`, the [`Journal`](crate::Journal) and
/// [`Queue`](crate::Queue) implementations.
macro_rules! store_queue {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl Journal for $store {
            async fn append(&self, batch: AppendBatch) -> Result<Vec<i64>> {
                for routed in &batch.notices {
                    check_payload(&routed.notice)?;
                }
                // Each payload is serialised once, for the journal row and the work item.
                let payloads: Vec<String> =
                    batch.notices.iter().map(|r| r.notice.payload.to_string()).collect();
                let mut tx = self.begin_write().await?;
                let now = <$store>::db_now(&mut tx).await?;
                let mut journal_ids = Vec::with_capacity(batch.notices.len());
                for (chunk, chunk_payloads) in batch
                    .notices
                    .chunks(ROWS_PER_STATEMENT)
                    .zip(payloads.chunks(ROWS_PER_STATEMENT))
                {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO journal (tenant, source, object, record_id, operation, \
                         observed_at, origin, payload, journaled_at) ",
                    );
                    qb.push_values(chunk.iter().zip(chunk_payloads), |mut row, (routed, payload)| {
                        let notice = &routed.notice;
                        row.push_bind(notice.tenant.as_str().to_owned())
                            .push_bind(notice.source.as_str())
                            .push_bind(notice.object.clone())
                            .push_bind(notice.record_id.clone())
                            .push_bind(notice.operation.as_str())
                            .push_bind(notice.observed_at.as_micros())
                            .push_bind(notice.origin.clone())
                            .push_bind(payload.clone())
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
                for ((routed, journal_id), payload) in
                    batch.notices.iter().zip(&journal_ids).zip(&payloads)
                {
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
                            item.payload = payload.clone();
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
                                payload: payload.clone(),
                                enqueued_at: now,
                                history: "[]".to_owned(),
                            });
                        }
                    }
                }
                // Every append takes row locks on waiting items in one global order, so two
                // concurrent batches touching the same records can never deadlock (PostgreSQL
                // would abort one of them).
                order.sort_unstable_by(|a, b| {
                    (&a.tenant, &a.flow, a.source, &a.object, &a.record_id)
                        .cmp(&(&b.tenant, &b.flow, b.source, &b.object, &b.record_id))
                });
                enqueue(&mut tx, &order).await?;

                let mut checkpoints: Vec<&CheckpointUpdate> = batch.checkpoints.iter().collect();
                checkpoints.sort_unstable_by(|a, b| {
                    (&a.tenant, a.source.as_str(), &a.name).cmp(&(&b.tenant, b.source.as_str(), &b.name))
                });
                for checkpoint in checkpoints {
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
                sqlx::query(<$store>::sql("DELETE FROM sync_log WHERE at < ?"))
                    .bind(before.as_micros())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn log_syncs(&self, entries: &[NewSyncEntry]) -> Result<()> {
                if entries.is_empty() {
                    return Ok(());
                }
                let now = now_micros();
                let mut tx = self.begin_write().await?;
                for chunk in entries.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO sync_log (tenant, flow, source, object, record_id, at, \
                         outcome, detail) ",
                    );
                    qb.push_values(chunk, |mut row, e| {
                        row.push_bind(e.tenant.as_str().to_owned())
                            .push_bind(e.flow.as_str().to_owned())
                            .push_bind(e.source.as_str())
                            .push_bind(e.object.clone())
                            .push_bind(e.record_id.clone())
                            .push_bind(now)
                            .push_bind(e.outcome.clone())
                            .push_bind(e.detail.to_string());
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_history(
                &self,
                record: &RecordRef,
                limit: u32,
            ) -> Result<RecordHistory> {
                let limit = i64::from(limit.min(1000));
                let mut history = RecordHistory::default();
                if limit > 0 {
                    // The newest `limit` through the record index, then oldest first.
                    let rows = sqlx::query(<$store>::sql(
                        "SELECT id, source, object, record_id, operation, observed_at, origin, \
                         payload, journaled_at FROM journal \
                         WHERE tenant = ? AND source = ? AND object = ? AND record_id = ? \
                         ORDER BY id DESC LIMIT ?",
                    ))
                    .bind(record.tenant.as_str())
                    .bind(record.source.as_str())
                    .bind(&record.object)
                    .bind(&record.record_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    for row in rows.iter().rev() {
                        let id = int(row, 0)?;
                        history.notices.push(JournalEntry {
                            id,
                            source: system_col(row, 1, "journal")?,
                            object: text(row, 2)?,
                            record_id: text(row, 3)?,
                            operation: parse_operation(&text(row, 4)?, "journal", id)?,
                            observed_at: Timestamp::from_micros(int(row, 5)?),
                            origin: opt_text(row, 6)?,
                            payload: lenient_json(text(row, 7)?),
                            journaled_at: Timestamp::from_micros(int(row, 8)?),
                        });
                    }
                }

                let rows = sqlx::query(<$store>::sql(
                    "SELECT id, flow, source, object, record_id, operation, journal_id, notices, \
                     state, attempts, due_at, enqueued_at, lease_owner, history FROM work_items \
                     WHERE tenant = ? AND source = ? AND object = ? AND record_id = ? ORDER BY id",
                ))
                .bind(record.tenant.as_str())
                .bind(record.source.as_str())
                .bind(&record.object)
                .bind(&record.record_id)
                .fetch_all(&self.pool)
                .await?;
                for row in &rows {
                    let id = int(row, 0)?;
                    history.items.push(QueuedItem {
                        id,
                        flow: flow_col(row, 1, "work_items")?,
                        source: system_col(row, 2, "work_items")?,
                        object: text(row, 3)?,
                        record_id: text(row, 4)?,
                        operation: parse_operation(&text(row, 5)?, "work_items", id)?,
                        journal_id: int(row, 6)?,
                        notices: int(row, 7)?,
                        state: text(row, 8)?,
                        attempts: int(row, 9)?,
                        due_at: Timestamp::from_micros(int(row, 10)?),
                        enqueued_at: Timestamp::from_micros(int(row, 11)?),
                        lease_owner: opt_text(row, 12)?,
                        history: parse_json(&text(row, 13)?, "work_items", &id.to_string())?,
                    });
                }

                // Through the dead letters' (tenant, record_id) index.
                let rows = sqlx::query(<$store>::sql_owned(format!(
                    "SELECT {DEAD_COLUMNS} FROM dead_letters \
                     WHERE tenant = ? AND record_id = ? AND source = ? AND object = ? ORDER BY id"
                )))
                .bind(record.tenant.as_str())
                .bind(&record.record_id)
                .bind(record.source.as_str())
                .bind(&record.object)
                .fetch_all(&self.pool)
                .await?;
                for row in &rows {
                    history.dead_letters.push(dead_from_row(row)?);
                }

                if limit > 0 {
                    let rows = sqlx::query(<$store>::sql(
                        "SELECT id, at, flow, source, object, record_id, outcome, detail \
                         FROM sync_log \
                         WHERE tenant = ? AND source = ? AND object = ? AND record_id = ? \
                         ORDER BY id DESC LIMIT ?",
                    ))
                    .bind(record.tenant.as_str())
                    .bind(record.source.as_str())
                    .bind(&record.object)
                    .bind(&record.record_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    for row in rows.iter().rev() {
                        history.syncs.push(SyncEntry {
                            id: int(row, 0)?,
                            at: Timestamp::from_micros(int(row, 1)?),
                            flow: text(row, 2)?,
                            source: system_col(row, 3, "sync_log")?,
                            object: text(row, 4)?,
                            record_id: text(row, 5)?,
                            outcome: text(row, 6)?,
                            detail: lenient_json(text(row, 7)?),
                        });
                    }
                }
                Ok(history)
            }
        }

        async fn fail_once(
            store: &$store,
            lease: &LeaseRef,
            failure: &Failure,
            policy: &RetryPolicy,
        ) -> Result<FailOutcome> {
            let mut tx = store.begin_write().await?;
            let now = <$store>::db_now(&mut tx).await?;
            let row = sqlx::query(<$store>::sql_owned(format!(
                "SELECT {ITEM_COLUMNS} FROM work_items \
                 WHERE id = ? AND lease_token = ? AND state = 'leased'{}",
                <$store>::DIALECT.row_lock
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

        #[async_trait]
        impl Queue for $store {
            async fn lease(&self, request: &LeaseRequest) -> Result<Vec<LeasedItem>> {
                if request.limit == 0 {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                <$store>::lease_prelude(&mut tx).await?;
                let now = <$store>::db_now(&mut tx).await?;
                let expires = Timestamp::from_micros(now).plus(request.lease_for).as_micros();

                // Only id and state: most candidates are plain pending items, and the full row
                // comes back from the UPDATE below; expired leases are re-read alone.
                let mut qb = QueryBuilder::<Db>::new(
                    "SELECT w.id, w.state FROM work_items w WHERE w.due_at <= ",
                );
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
                // A waiting item may start only when no item of its record is in flight. A record
                // has at most one waiting item, created after the one in flight was leased, so
                // this keeps arrival order without trusting ids: on PostgreSQL an id is drawn
                // before its transaction commits, and ids of concurrent transactions interleave.
                qb.push(
                    " AND (w.state = 'leased' OR NOT EXISTS (SELECT 1 FROM work_items p \
                     WHERE p.tenant = w.tenant AND p.flow = w.flow AND p.source = w.source \
                     AND p.object = w.object AND p.record_id = w.record_id \
                     AND p.state = 'leased')) \
                     ORDER BY w.due_at, w.id LIMIT ",
                );
                // Bounded so the UPDATE below stays within one statement's bind parameters.
                qb.push_bind(i64::from(request.limit).min(ROWS_PER_STATEMENT as i64));
                qb.push(<$store>::DIALECT.lock_clause);
                let candidates = qb.build().fetch_all(&mut *tx).await?;

                let mut lease_ids = Vec::with_capacity(candidates.len());
                for row in &candidates {
                    let (id, state) = (int(row, 0)?, text(row, 1)?);
                    if state != "leased" {
                        lease_ids.push(id);
                        continue;
                    }
                    let row = sqlx::query(<$store>::sql_owned(format!(
                        "SELECT {ITEM_COLUMNS} FROM work_items WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let item = match item_from_row(&row) {
                        Ok(item) => item,
                        Err(err) => {
                            quarantine(&mut tx, id, &err, now).await?;
                            continue;
                        }
                    };
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
                        .push(" WHERE id IN ");
                    push_id_list(&mut qb, &lease_ids);
                    qb.push(format!(" RETURNING {ITEM_COLUMNS}"));
                    for row in qb.build().fetch_all(&mut *tx).await? {
                        match item_from_row(&row).and_then(ItemRow::into_leased) {
                            Ok(item) => leased.push(item),
                            // One unreadable row must not stop every worker: set it aside.
                            Err(err) => quarantine(&mut tx, int(&row, 0)?, &err, now).await?,
                        }
                    }
                    leased.sort_by_key(|item| item.id);
                }
                tx.commit().await?;
                Ok(leased)
            }

            async fn ack(&self, items: &[LeaseRef]) -> Result<AckOutcome> {
                let mut outcome = AckOutcome::default();
                if items.is_empty() {
                    return Ok(outcome);
                }
                let mut tx = self.begin_write().await?;
                for (token, ids) in by_token(items) {
                    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<Db>::new(
                            "DELETE FROM work_items WHERE state = 'leased' AND lease_token = ",
                        );
                        qb.push_bind(token.to_owned()).push(" AND id IN ");
                        push_id_list(&mut qb, chunk);
                        qb.push(" RETURNING id");
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
                // On PostgreSQL a notice for the same record may be committing while this
                // runs: its new waiting item is invisible to the fold, and putting this item
                // back to waiting then collides with it on the one-waiting-item index. Running
                // again sees the committed item and folds it in.
                let mut tries = 0;
                loop {
                    match fail_once(self, lease, failure, policy).await {
                        Err(StoreError::Database(err))
                            if tries < 3
                                && err
                                    .as_database_error()
                                    .is_some_and(|e| e.is_unique_violation()) =>
                        {
                            tries += 1;
                        }
                        outcome => return outcome,
                    }
                }
            }

            async fn extend(
                &self,
                items: &[LeaseRef],
                lease_for: std::time::Duration,
            ) -> Result<u64> {
                if items.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let expires = Timestamp::from_micros(<$store>::db_now(&mut tx).await?)
                    .plus(lease_for)
                    .as_micros();
                let mut extended = 0;
                for (token, ids) in by_token(items) {
                    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = QueryBuilder::<Db>::new("UPDATE work_items SET due_at = ");
                        qb.push_bind(expires)
                            .push(" WHERE state = 'leased' AND lease_token = ")
                            .push_bind(token.to_owned())
                            .push(" AND id IN ");
                        push_id_list(&mut qb, chunk);
                        extended += qb.build().execute(&mut *tx).await?.rows_affected();
                    }
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
    };
}

pub(crate) use store_queue;
