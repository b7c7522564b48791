//! Cross-reference links, the audit log, sealed secrets, the effect ledger, and `Store`.

/// Expands, inside `impl_store!`'s `mod shared`, the [`Xrefs`](crate::Xrefs),
/// [`AuditLog`](crate::AuditLog), [`SecretStore`](crate::SecretStore),
/// [`Effects`](crate::Effects) and [`Store`](crate::Store) implementations.
macro_rules! store_records {
    ($store:ty, $db:ty) => {
        async fn find_link(
            conn: &mut <$db as sqlx::Database>::Connection,
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
            .fetch_optional(&mut *conn)
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
                    &mut *tx, &link.tenant, &link.entity, "brightpearl_id", &link.brightpearl_id,
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
                        &mut *tx, &link.tenant, &link.entity, "salesforce_id", &link.salesforce_id,
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
                let mut conn = self.pool.acquire().await?;
                find_link(&mut conn, tenant, entity, "brightpearl_id", id).await
            }

            async fn link_by_salesforce(
                &self,
                tenant: &TenantId,
                entity: &str,
                id: &str,
            ) -> Result<Option<XrefLink>> {
                let mut conn = self.pool.acquire().await?;
                find_link(&mut conn, tenant, entity, "salesforce_id", id).await
            }

            async fn record_write(&self, write: &LinkWrite) -> Result<bool> {
                let sql = match write.direction {
                    Direction::ToSalesforce => {
                        "UPDATE xref_links SET hash_to_salesforce = ?, \
                         brightpearl_version = COALESCE(?, brightpearl_version), \
                         base_to_salesforce = COALESCE(?, base_to_salesforce), \
                         updated_at = ? WHERE tenant = ? AND entity = ? AND brightpearl_id = ?"
                    }
                    Direction::ToBrightpearl => {
                        "UPDATE xref_links SET hash_to_brightpearl = ?, \
                         salesforce_version = COALESCE(?, salesforce_version), \
                         base_to_brightpearl = COALESCE(?, base_to_brightpearl), \
                         updated_at = ? WHERE tenant = ? AND entity = ? AND brightpearl_id = ?"
                    }
                };
                let done = sqlx::query(<$store>::sql(sql))
                    .bind(&write.content_hash)
                    .bind(&write.source_version)
                    .bind(&write.base)
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
                action: Option<&str>,
                limit: u32,
            ) -> Result<Vec<AuditEntry>> {
                let mut qb = QueryBuilder::<Db>::new(
                    "SELECT id, at, tenant, actor, action, subject, detail FROM audit_log WHERE 1 = 1",
                );
                if let Some(tenant) = tenant {
                    qb.push(" AND tenant = ").push_bind(tenant.as_str().to_owned());
                }
                if let Some(action) = action {
                    qb.push(" AND action = ").push_bind(action.to_owned());
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

            async fn reseal_secrets(
                &self,
                swaps: &[(SealedSecret, SealedSecret)],
                key_id: &str,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for (current, replacement) in swaps {
                    let swapped = sqlx::query(<$store>::sql(
                        "UPDATE secrets SET key_id = ?, nonce = ?, ciphertext = ?, updated_at = ? \
                         WHERE tenant = ? AND name = ? AND key_id = ? AND nonce = ? \
                         AND ciphertext = ?",
                    ))
                    .bind(&replacement.key_id)
                    .bind(&replacement.nonce)
                    .bind(&replacement.ciphertext)
                    .bind(replacement.updated_at.as_micros())
                    .bind(current.tenant.as_str())
                    .bind(&current.name)
                    .bind(&current.key_id)
                    .bind(&current.nonce)
                    .bind(&current.ciphertext)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if swapped != 1 {
                        return Err(StoreError::ConcurrentChange {
                            what: format!("secret {:?} of tenant {}", current.name, current.tenant),
                        });
                    }
                }
                let others: i64 = sqlx::query_scalar(<$store>::sql(
                    "SELECT COUNT(*) FROM secrets WHERE key_id <> ?",
                ))
                .bind(key_id)
                .fetch_one(&mut *tx)
                .await?;
                if others > 0 {
                    return Err(StoreError::ConcurrentChange {
                        what: format!("the vault ({others} secret(s) were added)"),
                    });
                }
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl Effects for $store {
            async fn apply_effects(&self, effects: &[NewEffect]) -> Result<Vec<EffectOutcome>> {
                if effects.is_empty() {
                    return Ok(Vec::new());
                }
                let now = now_micros();
                // Key order, so concurrent batches lock ledger rows in one global order.
                let mut order: Vec<usize> = (0..effects.len()).collect();
                order.sort_by(|&a, &b| {
                    (effects[a].tenant.as_str(), &effects[a].key)
                        .cmp(&(effects[b].tenant.as_str(), &effects[b].key))
                });
                let mut tx = self.begin_write().await?;
                let mut applied: HashMap<(String, String), i64> = HashMap::new();
                for chunk in order.chunks(ROWS_PER_STATEMENT) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO effects (tenant, key, flow, record_id, detail, applied_at) ",
                    );
                    qb.push_values(chunk, |mut row, &at| {
                        let effect = &effects[at];
                        row.push_bind(effect.tenant.as_str().to_owned())
                            .push_bind(effect.key.clone())
                            .push_bind(effect.flow.as_str().to_owned())
                            .push_bind(effect.record_id.clone())
                            .push_bind(effect.detail.to_string())
                            .push_bind(now);
                    });
                    qb.push(" ON CONFLICT (tenant, key) DO NOTHING RETURNING tenant, key, id");
                    for row in qb.build().fetch_all(&mut *tx).await? {
                        applied.insert((text(&row, 0)?, text(&row, 1)?), int(&row, 2)?);
                    }
                }
                // The first occurrence of a key inserted now is applied; every other occurrence
                // is a repeat. Repeats are counted in key order too (the same lock order).
                let mut outcomes: Vec<Option<EffectOutcome>> = vec![None; effects.len()];
                let mut first_seen: std::collections::HashSet<(&str, &str)> =
                    std::collections::HashSet::new();
                for &at in &order {
                    let effect = &effects[at];
                    let key = (effect.tenant.as_str(), effect.key.as_str());
                    let fresh = first_seen.insert(key);
                    let outcome = match applied.get(&(key.0.to_owned(), key.1.to_owned())) {
                        Some(&id) if fresh => EffectOutcome::Applied { id },
                        _ => {
                            let row = sqlx::query(<$store>::sql_owned(format!(
                                "UPDATE effects SET repeats = repeats + 1 \
                                 WHERE tenant = ? AND key = ? RETURNING {EFFECT_COLUMNS}"
                            )))
                            .bind(key.0)
                            .bind(key.1)
                            .fetch_one(&mut *tx)
                            .await?;
                            EffectOutcome::AlreadyApplied(effect_from_row(&row)?)
                        }
                    };
                    outcomes[at] = Some(outcome);
                }
                tx.commit().await?;
                Ok(outcomes.into_iter().flatten().collect())
            }

            async fn prune_effects(&self, before: Timestamp) -> Result<u64> {
                // The key format is `LeasedItem::idempotency_key`:
                // tenant:flow:record_id:journal_id (checked by the conformance suite).
                let done = sqlx::query(<$store>::sql(
                    "DELETE FROM effects WHERE applied_at < ? AND NOT EXISTS ( \
                     SELECT 1 FROM dead_letters d WHERE d.tenant = effects.tenant AND \
                     d.record_id = effects.record_id AND effects.key = d.tenant || ':' || d.flow || ':' || d.record_id || ':' \
                     || CAST(d.journal_id AS TEXT))",
                ))
                .bind(before.as_micros())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
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
    };
}

pub(crate) use store_records;
