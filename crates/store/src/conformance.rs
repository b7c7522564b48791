//! The store conformance suite: the behaviour every backend must show, written once.
//!
//! Each case takes a fresh, empty store and panics (via `assert!`) on a violation. Backends run
//! the suite through [`store_conformance!`](crate::store_conformance), which makes one test per
//! case, so a failure names the case and the backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use crate::*;
use ferry_core::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// A store under test.
pub type TestStore = Arc<dyn Store>;

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

fn flow(name: &str) -> FlowName {
    FlowName::new(name).unwrap()
}

/// A notice for `record` in tenant `t1`, object `contact`.
pub fn notice(record: &str, operation: Operation, seq: i64) -> ChangeNotice {
    ChangeNotice {
        tenant: tenant("t1"),
        source: System::Brightpearl,
        object: "contact".into(),
        record_id: record.into(),
        operation,
        observed_at: Timestamp::from_micros(1_700_000_000_000_000 + seq),
        origin: None,
        payload: serde_json::json!({ "seq": seq }),
    }
}

/// Routes a notice to the `customers` flow.
pub fn routed(notice: ChangeNotice) -> RoutedNotice {
    RoutedNotice {
        notice,
        flows: vec![flow("customers")],
    }
}

fn batch(notices: Vec<ChangeNotice>) -> AppendBatch {
    AppendBatch {
        notices: notices.into_iter().map(routed).collect(),
        checkpoints: vec![],
    }
}

/// A lease request for any flow, 30 s leases.
pub fn lease_request(limit: u32) -> LeaseRequest {
    LeaseRequest {
        worker: "conformance".into(),
        limit,
        lease_for: Duration::from_secs(30),
        flows: vec![],
        tenant: None,
        max_attempts: 5,
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    }
}

async fn lease_all(store: &TestStore) -> Vec<LeasedItem> {
    store.lease(&lease_request(1000)).await.unwrap()
}

async fn ack(store: &TestStore, items: &[LeasedItem]) {
    let refs: Vec<LeaseRef> = items.iter().map(LeaseRef::from).collect();
    let outcome = store.ack(&refs).await.unwrap();
    assert_eq!(
        outcome.acked,
        items.len() as u64,
        "every held lease acks: {outcome:?}"
    );
}

async fn dead_all(store: &TestStore) -> Vec<DeadLetter> {
    store
        .list_dead(&DeadLetterFilter::default(), 1000)
        .await
        .unwrap()
}

pub async fn journals_notices_and_enqueues_one_item_per_flow(store: TestStore) {
    let mut first = routed(notice("1", Operation::Create, 1));
    first.flows.push(flow("inventory"));
    let ids = store
        .append(AppendBatch {
            notices: vec![first, routed(notice("2", Operation::Update, 2))],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        ids[0] < ids[1],
        "journal ids ascend in notice order: {ids:?}"
    );

    let items = lease_all(&store).await;
    let mut seen: Vec<(String, String, i64, Operation)> = items
        .iter()
        .map(|i| {
            (
                i.flow.to_string(),
                i.record_id.clone(),
                i.journal_id,
                i.operation,
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("customers".into(), "1".into(), ids[0], Operation::Create),
            ("customers".into(), "2".into(), ids[1], Operation::Update),
            ("inventory".into(), "1".into(), ids[0], Operation::Create),
        ]
    );
    let item = items.iter().find(|i| i.record_id == "2").unwrap();
    assert_eq!(item.payload, serde_json::json!({ "seq": 2 }));
    assert_eq!(item.attempt, 1);
    assert_eq!(item.tenant, tenant("t1"));
    assert_eq!(item.source, System::Brightpearl);
    assert_eq!(item.object, "contact");
    assert!(item.history.is_empty());
    assert!(item.lease_expires_at > Timestamp::now());
}

pub async fn checkpoints_commit_with_their_notices(store: TestStore) {
    let checkpoint = |value: &str| CheckpointUpdate {
        tenant: tenant("t1"),
        source: System::Brightpearl,
        name: "contact.poll".into(),
        value: value.into(),
    };
    assert_eq!(
        store
            .checkpoint(&tenant("t1"), System::Brightpearl, "contact.poll")
            .await
            .unwrap(),
        None
    );
    store
        .append(AppendBatch {
            notices: vec![routed(notice("1", Operation::Update, 1))],
            checkpoints: vec![checkpoint("2026-01-01T00:00:00Z")],
        })
        .await
        .unwrap();
    store
        .append(AppendBatch {
            notices: vec![],
            checkpoints: vec![checkpoint("2026-01-02T00:00:00Z")],
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .checkpoint(&tenant("t1"), System::Brightpearl, "contact.poll")
            .await
            .unwrap()
            .as_deref(),
        Some("2026-01-02T00:00:00Z")
    );
    assert_eq!(
        store
            .checkpoint(&tenant("t2"), System::Brightpearl, "contact.poll")
            .await
            .unwrap(),
        None
    );
}

pub async fn coalesces_notices_for_a_waiting_record(store: TestStore) {
    let ids = store
        .append(batch(vec![
            notice("7", Operation::Update, 1),
            notice("7", Operation::Update, 2),
            notice("8", Operation::Update, 3),
        ]))
        .await
        .unwrap();
    store
        .append(batch(vec![notice("7", Operation::Update, 4)]))
        .await
        .unwrap();
    let items = lease_all(&store).await;
    assert_eq!(
        items.len(),
        2,
        "three notices for record 7 became one item: {items:?}"
    );
    let seven = items.iter().find(|i| i.record_id == "7").unwrap();
    assert_eq!(seven.notices, 3);
    assert!(seven.journal_id > ids[2], "the newest journal entry wins");
    assert_eq!(seven.payload, serde_json::json!({ "seq": 4 }));
    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].in_flight, 2);
    assert_eq!(stats[0].pending, 0);
}

pub async fn coalesced_operations_match_the_domain_rule(store: TestStore) {
    let ops = [
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Undelete,
    ];
    let mut n = 0;
    let mut expected = HashMap::new();
    for first in ops {
        for later in ops {
            n += 1;
            let record = format!("{first}-{later}");
            // Across two batches: the SQL merge. Within one batch: the in-memory merge.
            store
                .append(batch(vec![notice(&record, first, n)]))
                .await
                .unwrap();
            store
                .append(batch(vec![notice(&record, later, n)]))
                .await
                .unwrap();
            let same = format!("same-{first}-{later}");
            store
                .append(batch(vec![
                    notice(&same, first, n),
                    notice(&same, later, n),
                ]))
                .await
                .unwrap();
            expected.insert(record, first.coalesce(later));
            expected.insert(same, first.coalesce(later));
        }
    }
    let items = lease_all(&store).await;
    assert_eq!(items.len(), expected.len());
    for item in items {
        assert_eq!(
            item.operation, expected[&item.record_id],
            "record {}",
            item.record_id
        );
    }
}

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

pub async fn permanent_failures_and_exhausted_retries_are_dead_lettered(store: TestStore) {
    store
        .append(batch(vec![
            notice("bad", Operation::Update, 1),
            notice("flaky", Operation::Update, 2),
        ]))
        .await
        .unwrap();
    let items = lease_all(&store).await;
    let bad = items.iter().find(|i| i.record_id == "bad").unwrap();
    let outcome = store
        .fail(
            &LeaseRef::from(bad),
            &Failure::permanent(
                "REQUIRED_FIELD_MISSING",
                "contact 'bad': field lastName is required",
            ),
            &quick_retry(),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, FailOutcome::DeadLettered { .. }),
        "{outcome:?}"
    );

    let mut flaky = items.into_iter().find(|i| i.record_id == "flaky").unwrap();
    for attempt in 1..=3 {
        assert_eq!(flaky.attempt, attempt);
        let outcome = store
            .fail(
                &LeaseRef::from(&flaky),
                &Failure::transient("TIMEOUT", "timed out"),
                &quick_retry(),
            )
            .await
            .unwrap();
        if attempt < 3 {
            assert!(
                matches!(outcome, FailOutcome::Retrying { .. }),
                "{outcome:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
            flaky = lease_all(&store).await.remove(0);
        } else {
            assert!(
                matches!(outcome, FailOutcome::DeadLettered { .. }),
                "{outcome:?}"
            );
        }
    }
    assert!(lease_all(&store).await.is_empty());

    let dead = dead_all(&store).await;
    assert_eq!(dead.len(), 2);
    let bad = dead.iter().find(|d| d.record_id == "bad").unwrap();
    assert_eq!(bad.error_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(bad.history.len(), 1);
    assert_eq!(bad.payload, serde_json::json!({ "seq": 1 }));
    assert_eq!(bad.flow, flow("customers"));
    let flaky = dead.iter().find(|d| d.record_id == "flaky").unwrap();
    assert_eq!(flaky.error_code, "TIMEOUT");
    assert!(
        flaky.error_message.contains("gave up after 3 attempts"),
        "{}",
        flaky.error_message
    );
    assert_eq!(
        flaky.history.iter().map(|a| a.number).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(store.dead_letter(bad.id).await.unwrap().as_ref(), Some(bad));
    assert_eq!(store.dead_letter(bad.id + 1000).await.unwrap(), None);
    let stats = store.stats(None).await.unwrap();
    assert_eq!(stats[0].dead, 2);
}

async fn make_dead(store: &TestStore, records: &[(&str, &str)]) -> Vec<DeadLetter> {
    let notices = records
        .iter()
        .enumerate()
        .map(|(n, (r, _))| notice(r, Operation::Update, n as i64))
        .collect();
    store.append(batch(notices)).await.unwrap();
    for item in lease_all(store).await {
        let code = records
            .iter()
            .find(|(r, _)| *r == item.record_id)
            .unwrap()
            .1;
        store
            .fail(
                &LeaseRef::from(&item),
                &Failure::permanent(code, "bad data"),
                &quick_retry(),
            )
            .await
            .unwrap();
    }
    dead_all(store).await
}

pub async fn dead_letters_filter_retry_and_discard_with_audit(store: TestStore) {
    let dead = make_dead(
        &store,
        &[("a", "E1"), ("b", "E1"), ("c", "E2"), ("d", "E2")],
    )
    .await;
    assert_eq!(dead.len(), 4);
    assert!(dead[0].id > dead[1].id, "newest first");

    let e1 = DeadLetterFilter {
        error_code: Some("E1".into()),
        ..Default::default()
    };
    assert_eq!(store.list_dead(&e1, 100).await.unwrap().len(), 2);
    let by_record = DeadLetterFilter {
        record_id: Some("c".into()),
        ..Default::default()
    };
    assert_eq!(store.list_dead(&by_record, 100).await.unwrap().len(), 1);
    let other_tenant = DeadLetterFilter {
        tenant: Some(tenant("t9")),
        ..Default::default()
    };
    assert!(
        store
            .list_dead(&other_tenant, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let past = DeadLetterFilter {
        failed_before: Some(Timestamp::from_micros(1)),
        ..Default::default()
    };
    assert!(store.list_dead(&past, 100).await.unwrap().is_empty());
    assert_eq!(
        store
            .list_dead(&DeadLetterFilter::default(), 1)
            .await
            .unwrap()
            .len(),
        1
    );

    // Retry one by id: back in the queue as a fresh item, history kept.
    let c = dead.iter().find(|d| d.record_id == "c").unwrap();
    assert_eq!(
        store
            .retry_dead(&DeadSelection::Ids(vec![c.id]), "cli:tester")
            .await
            .unwrap(),
        1
    );
    let back = lease_all(&store).await;
    assert_eq!(back.len(), 1);
    assert_eq!((back[0].record_id.as_str(), back[0].attempt), ("c", 1));
    assert_eq!(back[0].history.len(), 1);
    assert_eq!(back[0].payload, c.payload);
    ack(&store, &back).await;

    // Retry in bulk by filter; discard the rest by filter.
    assert_eq!(
        store
            .retry_dead(&DeadSelection::Filter(e1), "cli:tester")
            .await
            .unwrap(),
        2
    );
    assert_eq!(lease_all(&store).await.len(), 2);
    let e2 = DeadLetterFilter {
        error_code: Some("E2".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .discard_dead(&DeadSelection::Filter(e2), "cli:tester")
            .await
            .unwrap(),
        1
    );
    assert!(dead_all(&store).await.is_empty());
    assert_eq!(
        store
            .discard_dead(&DeadSelection::Ids(vec![]), "cli:tester")
            .await
            .unwrap(),
        0
    );

    let audit = store.audit_entries(None, 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["dlq.discard", "dlq.retry", "dlq.retry"]);
    assert!(
        audit
            .iter()
            .all(|e| e.actor == "cli:tester" && e.tenant == tenant("t1"))
    );
    assert_eq!(audit[2].detail, serde_json::json!({ "ids": [c.id] }));
}

pub async fn retrying_a_dead_letter_merges_with_a_waiting_item(store: TestStore) {
    let dead = make_dead(&store, &[("m", "E1")]).await;
    store
        .append(batch(vec![notice("m", Operation::Update, 9)]))
        .await
        .unwrap();
    store
        .retry_dead(&DeadSelection::Ids(vec![dead[0].id]), "cli:tester")
        .await
        .unwrap();
    let items = lease_all(&store).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].notices, 2);
    assert_eq!(
        items[0].payload,
        serde_json::json!({ "seq": 9 }),
        "the newer notice wins"
    );
}

pub async fn links_are_unique_both_ways(store: TestStore) {
    let link = NewLink {
        tenant: tenant("t1"),
        entity: "customer".into(),
        brightpearl_id: "207".into(),
        salesforce_id: "001000000000001AAA".into(),
    };
    let created = store.link(&link).await.unwrap();
    assert_eq!(created.brightpearl_id, "207");
    assert_eq!(created.hash_to_salesforce, None);
    assert_eq!(
        store.link(&link).await.unwrap(),
        created,
        "relinking the same pair is a no-op"
    );

    let other_sf = NewLink {
        salesforce_id: "001000000000002AAA".into(),
        ..link.clone()
    };
    let err = store.link(&other_sf).await.unwrap_err();
    assert!(matches!(err, StoreError::LinkConflict { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("already linked to Salesforce 001000000000001AAA"),
        "{err}"
    );
    let other_bp = NewLink {
        brightpearl_id: "208".into(),
        ..link.clone()
    };
    let err = store.link(&other_bp).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("already linked to Brightpearl 207"),
        "{err}"
    );

    // Another entity or tenant is a different namespace.
    store
        .link(&NewLink {
            entity: "product".into(),
            ..link.clone()
        })
        .await
        .unwrap();
    store
        .link(&NewLink {
            tenant: tenant("t2"),
            ..link.clone()
        })
        .await
        .unwrap();

    let write = LinkWrite {
        tenant: tenant("t1"),
        entity: "customer".into(),
        brightpearl_id: "207".into(),
        direction: Direction::ToSalesforce,
        content_hash: "h1".into(),
        source_version: Some("2026-01-01T00:00:00Z".into()),
    };
    assert!(store.record_write(&write).await.unwrap());
    let back = LinkWrite {
        direction: Direction::ToBrightpearl,
        content_hash: "h2".into(),
        source_version: Some("2026-01-02T00:00:00.000+0000".into()),
        ..write.clone()
    };
    assert!(store.record_write(&back).await.unwrap());
    assert!(
        !store
            .record_write(&LinkWrite {
                brightpearl_id: "999".into(),
                ..write
            })
            .await
            .unwrap()
    );

    let found = store
        .link_by_salesforce(&tenant("t1"), "customer", "001000000000001AAA")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.hash_to_salesforce.as_deref(), Some("h1"));
    assert_eq!(found.hash_to_brightpearl.as_deref(), Some("h2"));
    assert_eq!(
        found.brightpearl_version.as_deref(),
        Some("2026-01-01T00:00:00Z")
    );
    assert_eq!(
        found.salesforce_version.as_deref(),
        Some("2026-01-02T00:00:00.000+0000")
    );
    assert_eq!(
        store
            .link_by_brightpearl(&tenant("t1"), "customer", "207")
            .await
            .unwrap(),
        Some(found)
    );
    assert_eq!(
        store
            .link_by_brightpearl(&tenant("t1"), "customer", "208")
            .await
            .unwrap(),
        None
    );
}

pub async fn concurrent_links_never_link_one_record_twice(store: TestStore) {
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .link(&NewLink {
                    tenant: tenant("t1"),
                    entity: "customer".into(),
                    brightpearl_id: "207".into(),
                    salesforce_id: format!("0010000000000{n:02}AAA"),
                })
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::LinkConflict { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(won, 1);
}

pub async fn audit_log_keeps_entries_per_tenant(store: TestStore) {
    for (t, action) in [
        ("t1", "vault.set"),
        ("t2", "config.change"),
        ("t1", "vault.rotate"),
    ] {
        store
            .audit(&NewAuditEntry {
                tenant: tenant(t),
                actor: "cli:root".into(),
                action: action.into(),
                subject: "salesforce.client_secret".into(),
                detail: serde_json::json!({ "n": 1 }),
            })
            .await
            .unwrap();
    }
    let t1 = store.audit_entries(Some(&tenant("t1")), 10).await.unwrap();
    assert_eq!(
        t1.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["vault.rotate", "vault.set"]
    );
    assert_eq!(store.audit_entries(None, 10).await.unwrap().len(), 3);
    assert!(t1[0].at >= t1[1].at);
}

pub async fn sealed_secrets_round_trip_and_replace_atomically(store: TestStore) {
    let secret = |name: &str, key: &str, bytes: &[u8]| SealedSecret {
        tenant: tenant("t1"),
        name: name.into(),
        key_id: key.into(),
        nonce: vec![1; 12],
        ciphertext: bytes.to_vec(),
        updated_at: Timestamp::from_micros(5),
    };
    store
        .put_secret(&secret("a", "k1", &[0, 255, 7]))
        .await
        .unwrap();
    store.put_secret(&secret("b", "k1", &[9])).await.unwrap();
    store.put_secret(&secret("a", "k1", &[1, 2])).await.unwrap();
    assert_eq!(
        store.secret(&tenant("t1"), "a").await.unwrap(),
        Some(secret("a", "k1", &[1, 2]))
    );
    assert_eq!(store.secret(&tenant("t2"), "a").await.unwrap(), None);
    store
        .replace_secrets(&[secret("a", "k2", &[3]), secret("b", "k2", &[4])])
        .await
        .unwrap();
    let all = store.secrets(None).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|s| (s.name.as_str(), s.key_id.as_str()))
            .collect::<Vec<_>>(),
        vec![("a", "k2"), ("b", "k2")]
    );
}

pub async fn pruning_keeps_journal_entries_still_referenced(store: TestStore) {
    store
        .append(batch(vec![
            notice("1", Operation::Update, 1),
            notice("2", Operation::Update, 2),
        ]))
        .await
        .unwrap();
    let items = lease_all(&store).await;
    let done = items.iter().find(|i| i.record_id == "1").unwrap().clone();
    ack(&store, &[done]).await;
    let summary = store
        .journal_summary(&tenant("t1"), System::Brightpearl, "contact")
        .await
        .unwrap();
    assert_eq!(
        summary
            .iter()
            .map(|s| (s.record_id.as_str(), s.notices))
            .collect::<Vec<_>>(),
        vec![("1", 1), ("2", 1)]
    );
    let pruned = store
        .prune_journal(Timestamp::now().plus(Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(pruned, 1, "only the finished record's entry goes");
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

pub async fn effects_are_applied_once_per_key(store: TestStore) {
    let effect = |key: &str, detail: i64| NewEffect {
        tenant: tenant("t1"),
        key: key.into(),
        flow: flow("customers"),
        record_id: "207".into(),
        detail: serde_json::json!({ "created": detail }),
    };
    let EffectOutcome::Applied { id: first } = store.apply_effect(&effect("k1", 1)).await.unwrap()
    else {
        panic!("first application must apply")
    };
    let again = store.apply_effect(&effect("k1", 2)).await.unwrap();
    let EffectOutcome::AlreadyApplied(earlier) = again else {
        panic!("{again:?}")
    };
    assert_eq!((earlier.id, earlier.repeats), (first, 1));
    assert_eq!(
        earlier.detail,
        serde_json::json!({ "created": 1 }),
        "the first result is kept"
    );
    store.apply_effect(&effect("k2", 3)).await.unwrap();
    let mut other = effect("k1", 4);
    other.tenant = tenant("t2");
    assert!(matches!(
        store.apply_effect(&other).await.unwrap(),
        EffectOutcome::Applied { .. }
    ));

    let listed = store
        .effects(&tenant("t1"), &flow("customers"), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        vec!["k1", "k2"]
    );
    assert_eq!(listed[0].repeats, 1);
    let after = store
        .effects(&tenant("t1"), &flow("customers"), first, 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
}

/// Generates one `#[tokio::test]` per conformance case. `$make` is an async expression that
/// yields a fresh `TestStore`.
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        $crate::store_conformance!(@cases $make;
            journals_notices_and_enqueues_one_item_per_flow,
            checkpoints_commit_with_their_notices,
            coalesces_notices_for_a_waiting_record,
            coalesced_operations_match_the_domain_rule,
            one_item_per_record_in_flight_in_arrival_order,
            leases_are_disjoint_and_limited,
            lease_filters_by_flow_and_tenant,
            expired_leases_come_back_and_stale_acks_are_refused,
            heartbeats_extend_leases,
            a_record_that_keeps_killing_workers_is_dead_lettered,
            transient_failures_back_off_then_retry,
            a_retry_absorbs_notices_that_arrived_meanwhile,
            permanent_failures_and_exhausted_retries_are_dead_lettered,
            dead_letters_filter_retry_and_discard_with_audit,
            retrying_a_dead_letter_merges_with_a_waiting_item,
            links_are_unique_both_ways,
            concurrent_links_never_link_one_record_twice,
            audit_log_keeps_entries_per_tenant,
            sealed_secrets_round_trip_and_replace_atomically,
            pruning_keeps_journal_entries_still_referenced,
            concurrent_workers_never_share_an_item,
            effects_are_applied_once_per_key,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = $make.await;
                $crate::conformance::$case(store).await;
            }
        )*
    };
}
