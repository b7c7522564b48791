//! Dead-lettering, and listing, retrying and discarding dead letters.

use super::*;
use crate::*;
use ferry_core::*;
use std::time::Duration;

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

    let audit = store.audit_entries(None, None, 10).await.unwrap();
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

pub async fn a_retried_dead_letter_is_older_than_the_waiting_item(store: TestStore) {
    // Every pair: the dead letter's operation happened first, the waiting one later.
    let ops = [
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Undelete,
    ];
    for (n, first) in ops.into_iter().enumerate() {
        for (m, later) in ops.into_iter().enumerate() {
            let record = format!("r{n}{m}");
            store
                .append(batch(vec![notice(&record, first, 1)]))
                .await
                .unwrap();
            let item = lease_all(&store).await.remove(0);
            let outcome = store
                .fail(
                    &LeaseRef::from(&item),
                    &Failure::permanent("E", "bad"),
                    &quick_retry(),
                )
                .await
                .unwrap();
            let FailOutcome::DeadLettered { dead_letter_id } = outcome else {
                panic!("{outcome:?}")
            };
            store
                .append(batch(vec![notice(&record, later, 2)]))
                .await
                .unwrap();
            store
                .retry_dead(&DeadSelection::Ids(vec![dead_letter_id]), "cli:tester")
                .await
                .unwrap();
            let merged = lease_all(&store).await;
            assert_eq!(merged.len(), 1);
            assert_eq!(
                merged[0].operation,
                first.coalesce(later),
                "dead {first} retried into waiting {later}"
            );
            assert_eq!(merged[0].payload, serde_json::json!({ "seq": 2 }));
            ack(&store, &merged).await;
        }
    }
}

pub async fn deeply_nested_payloads_are_refused_with_the_record_named(store: TestStore) {
    let mut deep = serde_json::json!("leaf");
    for _ in 0..80 {
        deep = serde_json::json!([deep]);
    }
    let mut bad = notice("deep-1", Operation::Update, 1);
    bad.payload = deep;
    let err = store
        .append(batch(vec![notice("fine", Operation::Update, 0), bad]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidNotice { .. }), "{err}");
    assert!(
        err.to_string().contains("contact deep-1") && err.to_string().contains("81 levels"),
        "{err}"
    );
    assert!(
        lease_all(&store).await.is_empty(),
        "nothing of the batch was journaled"
    );
}
