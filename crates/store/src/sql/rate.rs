//! Shared rate windows: one row per (tenant, key), read and written under a row lock.

/// Expands, inside `impl_store!`'s `mod shared`, the `RateWindows` implementation.
macro_rules! store_rate {
    ($store:ty, $db:ty) => {
        /// Locks the window row of `key` (creating it, as an ended window, when missing, so that
        /// concurrent first takers queue on one row lock instead of each opening a window) and
        /// returns the database's "now" in epoch milliseconds with the row's state.
        async fn lock_rate_window(
            tx: &mut Tx,
            tenant: &TenantId,
            key: &str,
        ) -> Result<(i64, crate::rate::WindowState)> {
            let select = || {
                <$store>::sql_owned(format!(
                    "SELECT window_ends_at_ms, remaining FROM rate_windows \
                     WHERE tenant = ? AND key = ?{}",
                    <$store>::DIALECT.row_lock
                ))
            };
            let mut row = sqlx::query(select())
                .bind(tenant.as_str())
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?;
            if row.is_none() {
                // A concurrent creator's row makes this wait for its commit, then do nothing.
                sqlx::query(<$store>::sql(
                    "INSERT INTO rate_windows (tenant, key, window_ends_at_ms, remaining) \
                     VALUES (?, ?, 0, 0) ON CONFLICT (tenant, key) DO NOTHING",
                ))
                .bind(tenant.as_str())
                .bind(key)
                .execute(&mut **tx)
                .await?;
                row = Some(
                    sqlx::query(select())
                        .bind(tenant.as_str())
                        .bind(key)
                        .fetch_one(&mut **tx)
                        .await?,
                );
            }
            let row = row.ok_or_else(|| StoreError::ConcurrentChange {
                what: format!("rate window {key:?} of tenant {tenant}"),
            })?;
            let ends = int(&row, 0)?;
            let remaining = u32::try_from(int(&row, 1)?).map_err(|_| StoreError::Corrupt {
                table: "rate_windows",
                id: format!("{tenant}/{key}"),
                reason: "remaining is not a count from 0 to 4294967295".to_owned(),
            })?;
            // Read after the lock is held: a taker that waited must not judge by an older clock.
            let now_ms = <$store>::db_now(tx).await?.div_euclid(1000);
            Ok((now_ms, (ends, remaining)))
        }

        async fn store_rate_window(
            tx: &mut Tx,
            tenant: &TenantId,
            key: &str,
            (ends, remaining): crate::rate::WindowState,
        ) -> Result<()> {
            sqlx::query(<$store>::sql(
                "UPDATE rate_windows SET window_ends_at_ms = ?, remaining = ? \
                 WHERE tenant = ? AND key = ?",
            ))
            .bind(ends)
            .bind(i64::from(remaining))
            .bind(tenant.as_str())
            .bind(key)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        #[async_trait]
        impl RateWindows for $store {
            async fn take_rate(
                &self,
                tenant: &TenantId,
                key: &str,
                cost: u32,
                limit: u32,
                window_ms: i64,
            ) -> Result<RateTake> {
                let mut tx = self.begin_write().await?;
                let (now_ms, state) = lock_rate_window(&mut tx, tenant, key).await?;
                let (next, answer) = crate::rate::take(Some(state), now_ms, cost, limit, window_ms);
                if next != state {
                    store_rate_window(&mut tx, tenant, key, next).await?;
                }
                tx.commit().await?;
                Ok(answer)
            }

            async fn observe_rate(
                &self,
                tenant: &TenantId,
                key: &str,
                remaining: u32,
                resets_in_ms: i64,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let (now_ms, state) = lock_rate_window(&mut tx, tenant, key).await?;
                let next = crate::rate::observe(Some(state), now_ms, remaining, resets_in_ms);
                if next != state {
                    store_rate_window(&mut tx, tenant, key, next).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use store_rate;
