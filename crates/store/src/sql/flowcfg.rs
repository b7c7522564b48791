//! Flow versions and paused flows (the operations console).

/// Expands, inside `impl_store!`'s `mod shared`, the `FlowConfigs` implementation.
macro_rules! store_flowcfg {
    ($store:ty, $db:ty) => {
        fn version_from_row(row: &DbRow) -> Result<FlowVersion> {
            Ok(FlowVersion {
                tenant: tenant_col(row, 0, "flow_versions")?,
                flow: text(row, 1)?,
                version: int(row, 2)?,
                spec: text(row, 3)?,
                author: text(row, 4)?,
                note: text(row, 5)?,
                created_at: Timestamp::from_micros(int(row, 6)?),
            })
        }

        const VERSION_COLUMNS: &str = "tenant, flow, version, spec, author, note, created_at";

        #[async_trait]
        impl FlowConfigs for $store {
            async fn save_flow_version(
                &self,
                tenant: &TenantId,
                flow: &str,
                spec: &str,
                author: &str,
                note: &str,
                expected_latest: Option<i64>,
            ) -> Result<FlowVersion> {
                let mut tx = self.begin_write().await?;
                let latest: Option<i64> = sqlx::query_scalar(<$store>::sql(
                    "SELECT MAX(version) FROM flow_versions WHERE tenant = ? AND flow = ?",
                ))
                .bind(tenant.as_str())
                .bind(flow)
                .fetch_one(&mut *tx)
                .await?;
                if latest != expected_latest {
                    return Err(StoreError::ConcurrentChange {
                        what: format!(
                            "flow {flow}: version {} was saved after the version you edited ({}); \
                             reload the mapping, apply your change to it and save again",
                            latest.unwrap_or(0),
                            expected_latest.map_or("the file".to_owned(), |v| v.to_string()),
                        ),
                    });
                }
                let version = FlowVersion {
                    tenant: tenant.clone(),
                    flow: flow.to_owned(),
                    version: latest.unwrap_or(0) + 1,
                    spec: spec.to_owned(),
                    author: author.to_owned(),
                    note: note.to_owned(),
                    created_at: Timestamp::from_micros(now_micros()),
                };
                sqlx::query(<$store>::sql(
                    "INSERT INTO flow_versions (tenant, flow, version, spec, author, note, \
                     created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(tenant.as_str())
                .bind(flow)
                .bind(version.version)
                .bind(spec)
                .bind(author)
                .bind(note)
                .bind(version.created_at.as_micros())
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    // A concurrent save of the same number (PostgreSQL's read committed).
                    sqlx::Error::Database(db) if db.is_unique_violation() => {
                        StoreError::ConcurrentChange {
                            what: format!(
                                "flow {flow}: another version was saved at the same moment; \
                                 reload the mapping and save again"
                            ),
                        }
                    }
                    other => other.into(),
                })?;
                insert_audit(
                    &mut tx,
                    &NewAuditEntry {
                        tenant: tenant.clone(),
                        actor: author.to_owned(),
                        action: "flow.version.save".to_owned(),
                        subject: flow.to_owned(),
                        detail: serde_json::json!({
                            "version": version.version,
                            "note": note,
                        }),
                    },
                    version.created_at.as_micros(),
                )
                .await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn flow_versions(
                &self,
                tenant: &TenantId,
                flow: &str,
            ) -> Result<Vec<FlowVersion>> {
                let rows = sqlx::query(<$store>::sql_owned(format!(
                    "SELECT {VERSION_COLUMNS} FROM flow_versions WHERE tenant = ? AND flow = ? \
                     ORDER BY version DESC"
                )))
                .bind(tenant.as_str())
                .bind(flow)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn latest_flow_versions(&self, tenant: &TenantId) -> Result<Vec<FlowVersion>> {
                let rows = sqlx::query(<$store>::sql_owned(format!(
                    "SELECT {VERSION_COLUMNS} FROM flow_versions v WHERE tenant = ? AND \
                     version = (SELECT MAX(version) FROM flow_versions w \
                     WHERE w.tenant = v.tenant AND w.flow = v.flow) ORDER BY flow"
                )))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn set_flow_paused(
                &self,
                tenant: &TenantId,
                flow: &str,
                paused: bool,
                actor: &str,
            ) -> Result<FlowState> {
                let now = now_micros();
                let mut tx = self.begin_write().await?;
                sqlx::query(<$store>::sql(
                    "INSERT INTO flow_states (tenant, flow, paused, changed_by, changed_at) \
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, flow) DO UPDATE SET \
                     paused = excluded.paused, changed_by = excluded.changed_by, \
                     changed_at = excluded.changed_at",
                ))
                .bind(tenant.as_str())
                .bind(flow)
                .bind(paused)
                .bind(actor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_audit(
                    &mut tx,
                    &NewAuditEntry {
                        tenant: tenant.clone(),
                        actor: actor.to_owned(),
                        action: if paused { "flow.pause" } else { "flow.resume" }.to_owned(),
                        subject: flow.to_owned(),
                        detail: serde_json::json!({}),
                    },
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(FlowState {
                    flow: flow.to_owned(),
                    paused,
                    changed_by: actor.to_owned(),
                    changed_at: Timestamp::from_micros(now),
                })
            }

            async fn flow_states(&self, tenant: &TenantId) -> Result<Vec<FlowState>> {
                let rows = sqlx::query(<$store>::sql(
                    "SELECT flow, paused, changed_by, changed_at FROM flow_states \
                     WHERE tenant = ? ORDER BY flow",
                ))
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(FlowState {
                            flow: text(row, 0)?,
                            paused: row.try_get::<bool, _>(1)?,
                            changed_by: text(row, 2)?,
                            changed_at: Timestamp::from_micros(int(row, 3)?),
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use store_flowcfg;
