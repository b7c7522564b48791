//! Journaling, checkpoints, coalescing of waiting work, and pruning.

use super::*;
use crate::*;
use ferry_core::*;
use std::collections::HashMap;
use std::time::Duration;

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

pub async fn record_history_shows_notices_attempts_and_dead_letters(store: TestStore) {
    let record = |id: &str| RecordRef {
        tenant: tenant("t1"),
        source: System::Brightpearl,
        object: "contact".into(),
        record_id: id.into(),
    };
    let mut elsewhere = notice("7", Operation::Update, 3);
    elsewhere.object = "product".into();
    let mut other_tenant = notice("7", Operation::Update, 4);
    other_tenant.tenant = tenant("t2");
    let mut with_origin = notice("7", Operation::Update, 2);
    with_origin.origin = Some("app-ref".into());
    let ids = store
        .append(batch(vec![
            notice("7", Operation::Create, 1),
            with_origin,
            elsewhere,
            other_tenant,
            notice("8", Operation::Update, 5),
        ]))
        .await
        .unwrap();

    // Record 7 fails once (back off and retry); record 8 fails for good.
    let items = lease_all(&store).await;
    for item in &items {
        let failure = if item.record_id == "8" {
            Failure::permanent("SF_REQUIRED_FIELD_MISSING", "LastName is required")
        } else {
            Failure::transient("SF_UNAVAILABLE", "Salesforce answered 503")
        };
        store
            .fail(&LeaseRef::from(item), &failure, &quick_retry())
            .await
            .unwrap();
    }

    let seven = store.record_history(&record("7"), 100).await.unwrap();
    let notices: Vec<(i64, Operation, Option<&str>)> = seven
        .notices
        .iter()
        .map(|n| (n.id, n.operation, n.origin.as_deref()))
        .collect();
    assert_eq!(
        notices,
        vec![
            (ids[0], Operation::Create, None),
            (ids[1], Operation::Update, Some("app-ref")),
        ],
        "only this tenant's contact 7, oldest first"
    );
    let first = &seven.notices[0];
    assert_eq!(first.payload, serde_json::json!({ "seq": 1 }));
    assert_eq!(
        first.observed_at,
        Timestamp::from_micros(1_700_000_000_000_001)
    );
    assert_eq!(
        (first.source, first.object.as_str()),
        (System::Brightpearl, "contact")
    );
    assert!(first.journaled_at <= Timestamp::now());

    assert_eq!(seven.items.len(), 1, "one waiting item: {:?}", seven.items);
    let item = &seven.items[0];
    assert_eq!(item.flow, flow("customers"));
    assert_eq!(item.state, "pending");
    assert_eq!(
        (item.operation, item.journal_id, item.notices, item.attempts),
        (Operation::Create, ids[1], 2, 1)
    );
    assert_eq!(item.lease_owner, None);
    let codes: Vec<(i64, &str)> = item
        .history
        .iter()
        .map(|a| (a.number, a.code.as_str()))
        .collect();
    assert_eq!(codes, vec![(1, "SF_UNAVAILABLE")]);
    assert!(seven.dead_letters.is_empty());

    // Leased again: the trace shows who holds it.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = lease_all(&store).await;
    assert!(
        again.iter().any(|i| i.record_id == "7"),
        "retried: {again:?}"
    );
    let seven = store.record_history(&record("7"), 100).await.unwrap();
    assert_eq!(seven.items[0].state, "leased");
    assert_eq!(seven.items[0].lease_owner.as_deref(), Some("conformance"));
    assert_eq!(seven.items[0].attempts, 2);

    let eight = store.record_history(&record("8"), 100).await.unwrap();
    assert_eq!(eight.notices.len(), 1);
    assert!(eight.items.is_empty());
    assert_eq!(eight.dead_letters.len(), 1);
    assert_eq!(
        eight.dead_letters[0].error_code,
        "SF_REQUIRED_FIELD_MISSING"
    );
    assert_eq!(eight.dead_letters[0].history.len(), 1);

    // The limit keeps the newest notices.
    let newest = store.record_history(&record("7"), 1).await.unwrap();
    assert_eq!(
        newest.notices.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
    // A record never seen (or an id full of quotes) is simply empty.
    for unknown in ["9", "7' OR '1'='1", ""] {
        let none = store.record_history(&record(unknown), 100).await.unwrap();
        assert_eq!(none, RecordHistory::default(), "{unknown:?}");
    }

    // What syncs did is kept per record, oldest first, the newest `limit`; pruned with the
    // journal.
    let sync = |id: &str, outcome: &str, tenant_name: &str| NewSyncEntry {
        tenant: tenant(tenant_name),
        flow: flow("customers"),
        source: System::Brightpearl,
        object: "contact".into(),
        record_id: id.into(),
        outcome: outcome.into(),
        detail: serde_json::json!({"writes": [{"object": "Contact", "fields": {"Email": "a@b.c"}}]}),
    };
    store
        .log_syncs(&[
            sync("7", "created", "t1"),
            sync("8", "failed", "t1"),
            sync("7", "x", "t2"),
        ])
        .await
        .unwrap();
    store
        .log_syncs(&[sync("7", "updated", "t1")])
        .await
        .unwrap();
    store.log_syncs(&[]).await.unwrap();
    let seven = store.record_history(&record("7"), 100).await.unwrap();
    let outcomes: Vec<&str> = seven.syncs.iter().map(|s| s.outcome.as_str()).collect();
    assert_eq!(outcomes, ["created", "updated"]);
    assert_eq!(
        seven.syncs[0].detail["writes"][0]["fields"]["Email"],
        "a@b.c"
    );
    assert_eq!(seven.syncs[0].flow, "customers");
    let newest = store.record_history(&record("7"), 1).await.unwrap();
    assert_eq!(newest.syncs.len(), 1);
    assert_eq!(newest.syncs[0].outcome, "updated");
    store
        .prune_journal(Timestamp::from_micros(
            Timestamp::now().as_micros() + 1_000_000,
        ))
        .await
        .unwrap();
    assert!(
        store
            .record_history(&record("7"), 100)
            .await
            .unwrap()
            .syncs
            .is_empty()
    );
}
