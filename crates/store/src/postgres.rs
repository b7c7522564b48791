//! The PostgreSQL backend: many workers on many machines share one queue.

use crate::sql::{Dialect, impl_store};
use crate::{Backend, OpenOptions, Result, StoreError, redact_url};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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
    pub(crate) const DIALECT: Dialect =
        Dialect { backend: Backend::Postgres, lock_clause: " FOR UPDATE SKIP LOCKED" };

    /// Connects and applies pending migrations.
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Self> {
        let unavailable = |reason: String| StoreError::Unavailable {
            backend: "postgres",
            location: redact_url(url),
            reason,
            hint: "Check that PostgreSQL is running and reachable, and that the user, password \
                   (store.password) and database in the URL are right",
        };
        let connect = PgConnectOptions::from_str(url).map_err(|err| StoreError::BadUrl {
            url: redact_url(url),
            reason: err.to_string(),
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.connect_timeout)
            .connect_with(connect.application_name("ferry"))
            .await
            .map_err(|err| unavailable(err.to_string()))?;
        let store = Self { pool };
        if options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Connects with explicit options (a password kept out of the URL).
    pub async fn open_with(connect: PgConnectOptions, options: &OpenOptions) -> Result<Self> {
        let location = format!(
            "postgres://{}@{}:{}/{}",
            connect.get_username(),
            connect.get_host(),
            connect.get_port(),
            connect.get_database().unwrap_or_default()
        );
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.connect_timeout)
            .connect_with(connect.application_name("ferry"))
            .await
            .map_err(|err| StoreError::Unavailable {
                backend: "postgres",
                location,
                reason: err.to_string(),
                hint: "Check that PostgreSQL is running and reachable, and that the user, \
                       password and database are right",
            })?;
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
