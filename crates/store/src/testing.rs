//! Test support: fresh PostgreSQL databases for tests that need one.

#![allow(clippy::expect_used, clippy::panic)]

use crate::{OpenOptions, PostgresStore, SqliteStore};
use std::sync::Arc;

/// The variable naming a PostgreSQL server tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "FERRY_TEST_POSTGRES_URL";

/// The admin URL of the test PostgreSQL server. Panics with instructions when it is not set:
/// the test command (`scripts/test`) starts a server and sets it.
pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_VAR} is not set. Run the suite with `scripts/test`, which starts a \
             PostgreSQL server for the tests, or point {POSTGRES_URL_VAR} at a server where this \
             user may CREATE DATABASE (e.g. postgres://ferry@127.0.0.1:55432/postgres)"
        )
    })
}

/// Creates a new, empty database on the test server and returns its URL.
pub async fn fresh_postgres_database() -> String {
    let admin = postgres_admin_url();
    let name = format!("ferry_test_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .unwrap_or_else(|err| panic!("cannot reach the test PostgreSQL server at {admin}: {err}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("CREATE DATABASE on the test server");
    pool.close().await;
    match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("{POSTGRES_URL_VAR} must end in /DATABASE: {admin}"),
    }
}

/// A migrated PostgreSQL store on a fresh database.
pub async fn fresh_postgres_store() -> Arc<PostgresStore> {
    let url = fresh_postgres_database().await;
    Arc::new(
        PostgresStore::open(&url, &OpenOptions::default())
            .await
            .expect("open postgres store"),
    )
}

/// A migrated SQLite store in a fresh temporary directory (kept alive by the returned guard).
pub async fn fresh_sqlite_store() -> (Arc<SqliteStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ferry.db");
    let store = SqliteStore::open(&path.to_string_lossy(), &OpenOptions::default())
        .await
        .expect("open sqlite store");
    (Arc::new(store), dir)
}
