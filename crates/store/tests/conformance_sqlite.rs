//! The store conformance suite on SQLite.

use ferry_store::conformance::TestStore;
use ferry_store::testing::fresh_sqlite_store;

async fn store() -> TestStore {
    let (store, dir) = fresh_sqlite_store().await;
    // The directory must outlive the test; leaking it is fine in a test process.
    std::mem::forget(dir);
    store
}

ferry_store::store_conformance!(store());
