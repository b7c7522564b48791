//! The store conformance suite on PostgreSQL (a fresh database per case).

use ferry_store::conformance::TestStore;
use ferry_store::testing::fresh_postgres_store;

async fn store() -> TestStore {
    fresh_postgres_store().await
}

ferry_store::store_conformance!(store());

/// A failing worker races a notice for the same record that is still committing: the failure
/// must still be recorded (folding the notice in), not error out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_racing_an_uncommitted_notice_still_settles() {
    use ferry_core::{Failure, Operation, RetryPolicy};
    use ferry_store::conformance::{lease_request, notice, routed};
    use ferry_store::{AppendBatch, FailOutcome, Journal, LeaseRef, Queue};
    use std::time::Duration;

    let store = fresh_postgres_store().await;
    store
        .append(AppendBatch {
            notices: vec![routed(notice("r", Operation::Create, 1))],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let item = store.lease(&lease_request(10)).await.unwrap().remove(0);

    // Another transaction inserts the record's waiting item and holds it uncommitted.
    let mut other = store.pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO work_items (tenant, flow, source, object, record_id, operation, journal_id, \
         notices, payload, state, attempts, due_at, enqueued_at, history) VALUES \
         ('t1', 'customers', 'brightpearl', 'contact', 'r', 'update', $1, 1, '{\"seq\":2}', \
         'pending', 0, 0, 0, '[]')",
    )
    .bind(item.journal_id + 1)
    .execute(&mut *other)
    .await
    .unwrap();

    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    };
    let failing = {
        let store = store.clone();
        let lease = LeaseRef::from(&item);
        tokio::spawn(async move {
            store
                .fail(&lease, &Failure::transient("TIMEOUT", "timed out"), &policy)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    other.commit().await.unwrap();

    let outcome = failing
        .await
        .unwrap()
        .expect("the failure is recorded, not an error");
    assert!(
        matches!(outcome, FailOutcome::Retrying { .. }),
        "{outcome:?}"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let items = store.lease(&lease_request(10)).await.unwrap();
    assert_eq!(items.len(), 1, "one item for the record: {items:?}");
    assert_eq!(
        (items[0].id, items[0].notices, items[0].attempt),
        (item.id, 2, 2)
    );
}

/// On PostgreSQL an id is drawn before its transaction commits, so a record's waiting item can
/// end up with a lower id than its in-flight one. It must still wait for it.
#[tokio::test]
async fn a_waiting_item_with_a_lower_id_still_waits_for_the_one_in_flight() {
    use ferry_core::Operation;
    use ferry_store::conformance::{lease_request, notice, routed};
    use ferry_store::{AppendBatch, Journal, LeaseRef, Queue};

    let store = fresh_postgres_store().await;
    store
        .append(AppendBatch {
            notices: vec![routed(notice("r", Operation::Create, 1))],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let in_flight = store.lease(&lease_request(10)).await.unwrap().remove(0);
    // What a slow concurrent append can leave behind: a waiting item with an older id.
    sqlx::query(
        "INSERT INTO work_items (id, tenant, flow, source, object, record_id, operation, \
         journal_id, notices, payload, state, attempts, due_at, enqueued_at, history) VALUES \
         ($1, 't1', 'customers', 'brightpearl', 'contact', 'r', 'update', $2, 1, '{}', \
         'pending', 0, 0, 0, '[]')",
    )
    .bind(in_flight.id - 1_000_000)
    .bind(in_flight.journal_id + 1)
    .execute(store.pool())
    .await
    .unwrap();
    assert!(
        store.lease(&lease_request(10)).await.unwrap().is_empty(),
        "it waits"
    );
    store.ack(&[LeaseRef::from(&in_flight)]).await.unwrap();
    let next = store.lease(&lease_request(10)).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].id, in_flight.id - 1_000_000);
}

/// Two processes (two stores, each with its own pool) on one database share one rate window,
/// and count it by the server's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_database_share_a_rate_window() {
    use ferry_core::TenantId;
    use ferry_store::testing::fresh_postgres_database;
    use ferry_store::{OpenOptions, PostgresStore, RateWindows};
    use std::sync::Arc;

    let url = fresh_postgres_database().await;
    let mut stores: Vec<Arc<dyn RateWindows>> = Vec::new();
    for _ in 0..2 {
        stores.push(Arc::new(
            PostgresStore::open(&url, &OpenOptions::default())
                .await
                .unwrap(),
        ));
    }
    let mut tasks = Vec::new();
    for n in 0..16 {
        let store = stores[n % 2].clone();
        tasks.push(tokio::spawn(async move {
            let tenant = TenantId::new("t1").unwrap();
            let mut granted = 0;
            for _ in 0..20 {
                if store
                    .take_rate(&tenant, "bp:shop", 1, 100, 60_000)
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
    assert_eq!(total, 100, "320 takes against 100 units from two stores");
}
