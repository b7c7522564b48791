//! The store conformance suite on PostgreSQL (a fresh database per case).

use ferry_store::conformance::TestStore;
use ferry_store::testing::fresh_postgres_store;

async fn store() -> TestStore {
    fresh_postgres_store().await
}

ferry_store::store_conformance!(store());
