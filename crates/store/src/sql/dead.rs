//! The dead-letter queue.

/// Expands, inside `impl_store!`'s `mod shared`, the dead-letter selection and filter
/// helpers and the [`DeadLetters`](crate::DeadLetters) implementation.
macro_rules! store_dead {
    ($store:ty, $db:ty) => {
        fn push_dead_selection(qb: &mut QueryBuilder<Db>, selection: &DeadSelection) {
            match selection {
                DeadSelection::Ids(ids) => {
                    qb.push(" WHERE id IN ");
                    push_id_list(qb, ids);
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
                // Record order, like `append`, so retries and appends lock waiting items in one
                // global order and cannot deadlock; arrival order within a record.
                dead.sort_by(|a, b| {
                    (&a.tenant, &a.flow, a.source.as_str(), &a.object, &a.record_id, a.id)
                        .cmp(&(&b.tenant, &b.flow, b.source.as_str(), &b.object, &b.record_id, b.id))
                });
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
    };
}

pub(crate) use store_dead;
