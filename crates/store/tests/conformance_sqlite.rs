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

/// A hand-damaged row (not producible through the API) must not stop the queue.
#[tokio::test]
async fn an_unreadable_item_is_set_aside_and_the_queue_keeps_moving() {
    use ferry_core::{DeadLetterFilter, Operation};
    use ferry_store::conformance::{lease_request, notice, routed};
    use ferry_store::{AppendBatch, DeadLetters, Journal, Queue};

    let (store, _dir) = fresh_sqlite_store().await;
    store
        .append(AppendBatch {
            notices: vec![
                routed(notice("broken", Operation::Update, 1)),
                routed(notice("fine", Operation::Update, 2)),
            ],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    sqlx::query("UPDATE work_items SET payload = '{not json' WHERE record_id = 'broken'")
        .execute(store.pool())
        .await
        .unwrap();
    let leased = store.lease(&lease_request(10)).await.unwrap();
    assert_eq!(
        leased
            .iter()
            .map(|i| i.record_id.as_str())
            .collect::<Vec<_>>(),
        vec!["fine"]
    );
    let dead = store
        .list_dead(&DeadLetterFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error_code, "CORRUPT_ROW");
    assert_eq!(
        dead[0].payload,
        serde_json::json!("{not json"),
        "the raw text is kept"
    );
    assert!(
        dead[0].error_message.contains("ferry dlq show"),
        "{}",
        dead[0].error_message
    );
}

/// Two processes on one file (two stores, each with its own connection) share one rate window:
/// `BEGIN IMMEDIATE` serialises their read-modify-writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_share_a_rate_window() {
    use ferry_core::TenantId;
    use ferry_store::{OpenOptions, RateWindows, SqliteStore};
    use std::sync::Arc;

    let (first, dir) = fresh_sqlite_store().await;
    let path = dir.path().join("ferry.db");
    let second = Arc::new(
        SqliteStore::open(&path.to_string_lossy(), &OpenOptions::default())
            .await
            .unwrap(),
    );
    let stores: [Arc<dyn RateWindows>; 2] = [first, second];
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = stores[n % 2].clone();
        tasks.push(tokio::spawn(async move {
            let tenant = TenantId::new("t1").unwrap();
            let mut granted = 0;
            for _ in 0..10 {
                if store
                    .take_rate(&tenant, "bp:shop", 1, 50, 60_000)
                    .await
                    .unwrap()
                    .granted
                {
                    granted += 1;
                }
            }
            granted
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 50, "80 takes against 50 units from two stores");
}
