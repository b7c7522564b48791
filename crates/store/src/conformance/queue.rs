//! Leasing, per-record ordering, lease expiry, heartbeats, retries and concurrent workers.

use super::*;
use crate::*;
use ferry_core::*;
use std::collections::HashSet;
use std::time::Duration;

pub async fn one_item_per_record_in_flight_in_arrival_order(store: TestStore) {
    store
        .append(batch(vec![notice("r", Operation::Create, 1)]))
        .await
        .unwrap();
    let first = lease_all(&store).await;
    assert_eq!(first.len(), 1);

    // Two more notices while the first is in flight: they wait (coalesced) behind it.
    store
        .append(batch(vec![notice("r", Operation::Update, 2)]))
        .await
        .unwrap();
    store
        .append(batch(vec![notice("r", Operation::Update, 3)]))
        .await
        .unwrap();
    store
        .append(batch(vec![notice("other", Operation::Update, 4)]))
        .await
        .unwrap();
    let meanwhile = lease_all(&store).await;
    assert_eq!(
        meanwhile
            .iter()
            .map(|i| i.record_id.as_str())
            .collect::<Vec<_>>(),
        vec!["other"],
        "record r must not be leased twice at once"
    );
    let stats = store.stats(None).await.unwrap();
    assert_eq!((stats[0].pending, stats[0].in_flight), (1, 2));

    ack(&store, &first).await;
    let next = lease_all(&store).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].record_id, "r");
    assert_eq!(next[0].notices, 2);
    assert_eq!(next[0].payload, serde_json::json!({ "seq": 3 }));
    assert!(next[0].id > first[0].id);
}

pub async fn leases_are_disjoint_and_limited(store: TestStore) {
    let notices = (0..25)
        .map(|i| notice(&i.to_string(), Operation::Update, i))
        .collect();
    store.append(batch(notices)).await.unwrap();
    let a = store.lease(&lease_request(10)).await.unwrap();
    let b = store.lease(&lease_request(10)).await.unwrap();
    let c = store.lease(&lease_request(10)).await.unwrap();
    assert_eq!((a.len(), b.len(), c.len()), (10, 10, 5));
    let ids: HashSet<i64> = a.iter().chain(&b).chain(&c).map(|i| i.id).collect();
    assert_eq!(ids.len(), 25);
    assert!(store.lease(&lease_request(10)).await.unwrap().is_empty());
    // Oldest first.
    let first_ids: Vec<i64> = a.iter().map(|i| i.id).collect();
    assert!(
        first_ids
            .iter()
            .all(|id| b.iter().all(|other| other.id > *id))
    );
}

pub async fn lease_filters_by_flow_and_tenant(store: TestStore) {
    let mut other_tenant = notice("x", Operation::Update, 1);
    other_tenant.tenant = tenant("t2");
    let mut inventory = routed(notice("y", Operation::Update, 2));
    inventory.flows = vec![flow("inventory")];
    store
        .append(AppendBatch {
            notices: vec![
                routed(other_tenant),
                inventory,
                routed(notice("z", Operation::Update, 3)),
            ],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let mut request = lease_request(10);
    request.flows = vec![flow("inventory")];
    let got = store.lease(&request).await.unwrap();
    assert_eq!(
        got.iter().map(|i| i.record_id.as_str()).collect::<Vec<_>>(),
        vec!["y"]
    );
    let mut request = lease_request(10);
    request.tenant = Some(tenant("t2"));
    let got = store.lease(&request).await.unwrap();
    assert_eq!(
        got.iter().map(|i| i.record_id.as_str()).collect::<Vec<_>>(),
        vec!["x"]
    );
    assert_eq!(store.stats(Some(&tenant("t2"))).await.unwrap().len(), 1);
}

pub async fn expired_leases_come_back_and_stale_acks_are_refused(store: TestStore) {
    store
        .append(batch(vec![notice("1", Operation::Update, 1)]))
        .await
        .unwrap();
    let mut short = lease_request(10);
    short.lease_for = Duration::from_millis(1);
    let first = store.lease(&short).await.unwrap();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;

    let second = lease_all(&store).await;
    assert_eq!(
        second.len(),
        1,
        "an expired lease returns the item to the queue"
    );
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].attempt, 2);
    assert_eq!(second[0].history.len(), 1);
    assert_eq!(second[0].history[0].code, "LEASE_EXPIRED");
    assert_ne!(second[0].lease_token, first[0].lease_token);

    let stale = store.ack(&[LeaseRef::from(&first[0])]).await.unwrap();
    assert_eq!(
        stale,
        AckOutcome {
            acked: 0,
            lost: vec![first[0].id]
        }
    );
    let stale_fail = store
        .fail(
            &LeaseRef::from(&first[0]),
            &Failure::transient("X", "x"),
            &quick_retry(),
        )
        .await
        .unwrap();
    assert_eq!(stale_fail, FailOutcome::LeaseLost);
    ack(&store, &second).await;
    assert!(lease_all(&store).await.is_empty());
}

pub async fn heartbeats_extend_leases(store: TestStore) {
    store
        .append(batch(vec![notice("1", Operation::Update, 1)]))
        .await
        .unwrap();
    let mut short = lease_request(10);
    short.lease_for = Duration::from_millis(50);
    let held = store.lease(&short).await.unwrap();
    let refs: Vec<LeaseRef> = held.iter().map(LeaseRef::from).collect();
    assert_eq!(
        store.extend(&refs, Duration::from_secs(30)).await.unwrap(),
        1
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(
        lease_all(&store).await.is_empty(),
        "an extended lease is still held"
    );
    ack(&store, &held).await;
}

pub async fn a_record_that_keeps_killing_workers_is_dead_lettered(store: TestStore) {
    store
        .append(batch(vec![notice("poison", Operation::Update, 1)]))
        .await
        .unwrap();
    let mut short = lease_request(10);
    short.lease_for = Duration::from_millis(1);
    short.max_attempts = 2;
    assert_eq!(store.lease(&short).await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(store.lease(&short).await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(store.lease(&short).await.unwrap().is_empty());
    let dead = dead_all(&store).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error_code, "LEASE_EXPIRED");
    assert_eq!(dead[0].history.len(), 2);
    assert!(
        dead[0].error_message.contains("ferry dlq retry"),
        "{}",
        dead[0].error_message
    );
}

pub async fn transient_failures_back_off_then_retry(store: TestStore) {
    store
        .append(batch(vec![notice("1", Operation::Update, 1)]))
        .await
        .unwrap();
    let item = lease_all(&store).await.remove(0);
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_secs(60),
        max_delay: Duration::from_secs(60),
    };
    let outcome = store
        .fail(
            &LeaseRef::from(&item),
            &Failure::transient("SF_UNAVAILABLE", "503 from Salesforce"),
            &policy,
        )
        .await
        .unwrap();
    let FailOutcome::Retrying { due_at } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(due_at <= Timestamp::now().plus(Duration::from_secs(61)));
    // Full jitter may draw a zero delay; if so the item is due at once, otherwise it waits.
    let again = lease_all(&store).await;
    if due_at > Timestamp::now() {
        assert!(again.is_empty(), "not leased before its retry time");
        let stats = store.stats(None).await.unwrap();
        assert_eq!((stats[0].pending, stats[0].retrying), (1, 1));
    } else {
        ack(&store, &again).await;
        return;
    }

    // With a tiny backoff, the retry comes round with its history.
    store
        .append(batch(vec![notice("2", Operation::Update, 2)]))
        .await
        .unwrap();
    let item = lease_all(&store).await.remove(0);
    store
        .fail(
            &LeaseRef::from(&item),
            &Failure::transient("TIMEOUT", "timed out"),
            &quick_retry(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let retried = lease_all(&store).await;
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempt, 2);
    assert_eq!(retried[0].history.len(), 1);
    assert_eq!(retried[0].history[0].code, "TIMEOUT");
    assert_eq!(retried[0].history[0].number, 1);
}

pub async fn a_retry_absorbs_notices_that_arrived_meanwhile(store: TestStore) {
    store
        .append(batch(vec![notice("1", Operation::Create, 1)]))
        .await
        .unwrap();
    let item = lease_all(&store).await.remove(0);
    let later = store
        .append(batch(vec![notice("1", Operation::Update, 2)]))
        .await
        .unwrap();
    store
        .fail(
            &LeaseRef::from(&item),
            &Failure::transient("TIMEOUT", "t"),
            &quick_retry(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let retried = lease_all(&store).await;
    assert_eq!(
        retried.len(),
        1,
        "one item for the record, not two: {retried:?}"
    );
    assert_eq!(retried[0].id, item.id, "it keeps its place in line");
    assert_eq!(retried[0].journal_id, later[0]);
    assert_eq!(retried[0].operation, Operation::Create);
    assert_eq!(retried[0].notices, 2);
}

pub async fn concurrent_workers_never_share_an_item(store: TestStore) {
    let notices: Vec<ChangeNotice> = (0..400)
        .map(|i| notice(&format!("r{}", i % 100), Operation::Update, i))
        .collect();
    for chunk in notices.chunks(50) {
        store.append(batch(chunk.to_vec())).await.unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut processed = Vec::new();
            let mut idle = 0;
            while idle < 20 {
                let items = store.lease(&lease_request(7)).await.unwrap();
                if items.is_empty() {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                idle = 0;
                processed.extend(
                    items
                        .iter()
                        .map(|i| (i.id, i.record_id.clone(), i.journal_id)),
                );
                let refs: Vec<LeaseRef> = items.iter().map(LeaseRef::from).collect();
                let outcome = store.ack(&refs).await.unwrap();
                assert!(outcome.lost.is_empty());
            }
            processed
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let ids: HashSet<i64> = all.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(ids.len(), all.len(), "no item was processed twice");
    let records: HashSet<&str> = all.iter().map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(records.len(), 100, "every record was processed");
    assert!(store.stats(None).await.unwrap().is_empty());
}

pub async fn concurrent_appends_to_the_same_records_never_deadlock(store: TestStore) {
    let mut tasks = Vec::new();
    for task in 0..4u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..15u64 {
                // The same 40 records, in a different order per task and round.
                let mut records: Vec<u64> = (0..40).collect();
                records.rotate_left(((task * 7 + round * 3) % 40) as usize);
                if (task + round) % 2 == 1 {
                    records.reverse();
                }
                let notices = records
                    .iter()
                    .map(|r| routed(notice(&format!("r{r}"), Operation::Update, round as i64)))
                    .collect();
                store
                    .append(AppendBatch {
                        notices,
                        checkpoints: vec![],
                    })
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let items = store.lease(&lease_request(1000)).await.unwrap();
    assert_eq!(items.len(), 40, "one waiting item per record");
    assert_eq!(items.iter().map(|i| i.notices).sum::<i64>(), 4 * 15 * 40);
}
