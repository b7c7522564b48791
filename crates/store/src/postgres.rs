//! The PostgreSQL backend: many workers on many machines share one queue.

use crate::sql::{Dialect, impl_store};
use crate::{Backend, OpenOptions, Result, StoreError, redact_url};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use std::str::FromStr;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Lease candidates are locked and skipped by concurrent leasers, so any number of workers
    /// on any number of machines take disjoint items without waiting on each other.
    pub(crate) const DIALECT: Dialect = Dialect {
        backend: Backend::Postgres,
        lock_clause: " FOR UPDATE SKIP LOCKED",
        row_lock: " FOR UPDATE",
    };

    /// Connects and applies pending migrations.
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Self> {
        let unavailable = |reason: String| StoreError::Unavailable {
            backend: "postgres",
            location: redact_url(url),
            reason,
            hint: "Check that PostgreSQL is running and reachable, and that the user, password \
                   (store.password) and database in the URL are right",
        };
        let mut connect = PgConnectOptions::from_str(url).map_err(|err| StoreError::BadUrl {
            url: redact_url(url),
            reason: err.to_string(),
        })?;
        if let Some(password) = &options.password {
            connect = connect.password(password);
        }
        let connect = connect.application_name("ferry");
        // One direct connection first: the pool reports only "timed out", while a direct
        // connection says why (refused, unknown host, bad password, no such database).
        match tokio::time::timeout(
            options.connect_timeout,
            PgConnection::connect_with(&connect),
        )
        .await
        {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(err)) => return Err(unavailable(crate::error::describe(&err))),
            Err(_) => {
                return Err(unavailable(format!(
                    "no answer within {} s",
                    options.connect_timeout.as_secs_f32()
                )));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.connect_timeout)
            .connect_with(connect)
            .await
            .map_err(|err| unavailable(crate::error::describe(&err)))?;
        let store = Self { pool };
        if options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        crate::sql::run_migrations(&MIGRATOR, &self.pool, Backend::Postgres).await
    }

    /// The pool, for tests and tools that need raw SQL against the same database.
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Pins the lease query to the plan it is written for: walk `work_items_due` in order and
    /// stop at the limit. During a burst (an initial load) the table grows faster than
    /// autovacuum re-analyses it, and with stale statistics the planner was seen to scan and sort
    /// the whole queue instead: 200 ms per lease at 35,000 queued items, against 1 ms.
    async fn lease_prelude(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>) -> Result<()> {
        sqlx::raw_sql(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; \
             SET LOCAL enable_sort = off",
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The clock leases and retry times are measured by: the database server's, so every worker
    /// on every machine agrees, and one whose own clock runs fast cannot take over live leases.
    async fn db_now(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
        )
        .fetch_one(&mut **tx)
        .await?)
    }

    fn sql(text: &'static str) -> sqlx::AssertSqlSafe<String> {
        Self::sql_owned(text.to_owned())
    }

    /// Rewrites `?` placeholders as `$1`, `$2`, ... (none of Ferry's SQL has `?` in a literal).
    fn sql_owned(text: String) -> sqlx::AssertSqlSafe<String> {
        let mut out = String::with_capacity(text.len() + 16);
        let mut n = 0;
        for ch in text.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        sqlx::AssertSqlSafe(out)
    }
}

impl_store!(PostgresStore, sqlx::Postgres);
