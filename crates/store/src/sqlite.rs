//! The SQLite backend: one file in WAL mode, the embedded default.

use crate::sql::{Dialect, impl_store};
use crate::{Backend, OpenOptions, Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// One connection: SQLite has one writer at a time anyway, and a single connection avoids
    /// lock hand-offs between connections of the same process. Other processes (the CLI beside
    /// a running worker) wait on the busy timeout.
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    pub(crate) const DIALECT: Dialect = Dialect {
        backend: Backend::Sqlite,
        lock_clause: "",
        row_lock: "",
    };

    /// Opens (creating if missing) the database file and applies pending migrations.
    pub async fn open(path: &str, options: &OpenOptions) -> Result<Self> {
        let unavailable = |reason: String| StoreError::Unavailable {
            backend: "sqlite",
            location: path.to_owned(),
            reason,
            hint: "Check that the directory exists and is writable, and that the file is a \
                   Ferry database (or does not exist yet)",
        };
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable against process crashes (kill -9); a power cut may lose
            // the last transactions but never corrupts the file.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.connect_timeout.max(Duration::from_secs(30)))
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
        crate::sql::run_migrations(&MIGRATOR, &self.pool, Backend::Sqlite).await
    }

    /// The pool, for tests and tools that need raw SQL against the same file.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction never has to upgrade a read lock (which can fail at once under contention).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// SQLite's planner needs no pinning for the lease query.
    async fn lease_prelude(_tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>) -> Result<()> {
        Ok(())
    }

    /// The clock leases and retry times are measured by: on one machine, this process's clock.
    async fn db_now(_tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>) -> Result<i64> {
        Ok(crate::sql::now_micros())
    }

    fn sql(text: &'static str) -> &'static str {
        text
    }

    fn sql_owned(text: String) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(text)
    }
}

impl_store!(SqliteStore, sqlx::Sqlite);
