//! Cross-reference links, the audit log, sealed secrets and the effect ledger.

use super::*;
use crate::*;
use ferry_core::*;

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
        base: Some(r#"{"contact":{"Phone":"+44"}}"#.into()),
    };
    assert!(store.record_write(&write).await.unwrap());
    let back = LinkWrite {
        direction: Direction::ToBrightpearl,
        content_hash: "h2".into(),
        source_version: Some("2026-01-02T00:00:00.000+0000".into()),
        base: None,
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
    // Each direction keeps its own base; a write without one keeps the stored one.
    assert_eq!(
        found.base_to_salesforce.as_deref(),
        Some(r#"{"contact":{"Phone":"+44"}}"#)
    );
    assert_eq!(found.base_to_brightpearl, None);
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
    let t1 = store
        .audit_entries(Some(&tenant("t1")), None, 10)
        .await
        .unwrap();
    assert_eq!(
        t1.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["vault.rotate", "vault.set"]
    );
    assert_eq!(store.audit_entries(None, None, 10).await.unwrap().len(), 3);
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
    let (a, b) = (secret("a", "k1", &[1, 2]), secret("b", "k1", &[9]));
    // A swap whose "current" is stale changes nothing.
    let stale = store
        .reseal_secrets(
            &[
                (a.clone(), secret("a", "k2", &[3])),
                (secret("b", "k1", &[8]), secret("b", "k2", &[4])),
            ],
            "k2",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(stale, StoreError::ConcurrentChange { .. }),
        "{stale}"
    );
    assert_eq!(
        store.secret(&tenant("t1"), "a").await.unwrap(),
        Some(a.clone())
    );
    // A secret left under another key (added meanwhile) also aborts the whole rotation.
    let partial = store
        .reseal_secrets(&[(a.clone(), secret("a", "k2", &[3]))], "k2")
        .await
        .unwrap_err();
    assert!(partial.to_string().contains("added"), "{partial}");
    assert_eq!(
        store.secret(&tenant("t1"), "a").await.unwrap(),
        Some(a.clone())
    );
    store
        .reseal_secrets(
            &[(a, secret("a", "k2", &[3])), (b, secret("b", "k2", &[4]))],
            "k2",
        )
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

pub async fn pruning_effects_keeps_those_a_dead_letter_may_bring_back(store: TestStore) {
    store
        .append(AppendBatch {
            notices: vec![
                routed(notice("done", Operation::Update, 1)),
                routed(notice("dead", Operation::Update, 2)),
            ],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let items = store.lease(&lease_request(10)).await.unwrap();
    for item in &items {
        let effect = NewEffect {
            tenant: item.tenant.clone(),
            key: item.idempotency_key(),
            flow: item.flow.clone(),
            record_id: item.record_id.clone(),
            detail: serde_json::json!({}),
        };
        store.apply_effect(&effect).await.unwrap();
    }
    let done = items.iter().find(|i| i.record_id == "done").unwrap();
    store.ack(&[LeaseRef::from(done)]).await.unwrap();
    let dead = items.iter().find(|i| i.record_id == "dead").unwrap();
    store
        .fail(
            &LeaseRef::from(dead),
            &Failure::permanent("LATE_FAILURE", "failed after its effect"),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();

    let pruned = store
        .prune_effects(Timestamp::now().plus(std::time::Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(pruned, 1, "only the finished item's effect goes");
    let left = store
        .effects(&tenant("t1"), &dead.flow, 0, 10)
        .await
        .unwrap();
    assert_eq!(
        left.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        vec![dead.idempotency_key().as_str()],
        "the dead letter's effect is kept so a retry is still recognised"
    );
}

pub async fn audit_entries_filter_by_action(store: TestStore) {
    for action in ["config.change", "vault.set", "config.change"] {
        store
            .audit(&NewAuditEntry {
                tenant: tenant("t1"),
                actor: "cli:root".into(),
                action: action.into(),
                subject: "ferry.toml".into(),
                detail: serde_json::json!({}),
            })
            .await
            .unwrap();
    }
    let changes = store
        .audit_entries(Some(&tenant("t1")), Some("config.change"), 10)
        .await
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|e| e.action == "config.change"));
    assert!(changes[0].id > changes[1].id);
    assert_eq!(
        store
            .audit_entries(None, Some("vault.set"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn effect_batches_apply_each_key_once_in_order(store: TestStore) {
    let effect = |key: &str, n: i64| NewEffect {
        tenant: tenant("t1"),
        key: key.into(),
        flow: flow("customers"),
        record_id: key.into(),
        detail: serde_json::json!({ "n": n }),
    };
    store.apply_effect(&effect("b", 0)).await.unwrap();
    let outcomes = store
        .apply_effects(&[
            effect("c", 1),
            effect("b", 2),
            effect("a", 3),
            effect("c", 4),
        ])
        .await
        .unwrap();
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| match o {
            EffectOutcome::Applied { .. } => "applied",
            EffectOutcome::AlreadyApplied(_) => "repeat",
        })
        .collect();
    assert_eq!(kinds, vec!["applied", "repeat", "applied", "repeat"]);
    let EffectOutcome::AlreadyApplied(b) = &outcomes[1] else {
        unreachable!()
    };
    assert_eq!(
        (b.key.as_str(), b.repeats, &b.detail),
        ("b", 1, &serde_json::json!({ "n": 0 }))
    );
    let EffectOutcome::AlreadyApplied(c) = &outcomes[3] else {
        unreachable!()
    };
    assert_eq!(
        (c.key.as_str(), c.repeats, &c.detail),
        ("c", 1, &serde_json::json!({ "n": 1 }))
    );
    assert!(store.apply_effects(&[]).await.unwrap().is_empty());
    let all = store
        .effects(&tenant("t1"), &flow("customers"), 0, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

/// Saving a flow version numbers it, keeps every version, refuses a save based on a stale
/// version (two people editing at once), and is audited; pausing is kept per flow and tenant.
pub async fn flow_versions_and_pauses_are_kept(store: TestStore) {
    let t = tenant("acme");
    let first = store
        .save_flow_version(&t, "customers", "a = 1", "ui:ann", "first", None)
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    let second = store
        .save_flow_version(&t, "customers", "a = 2", "api:bob", "second", Some(1))
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let stale = store
        .save_flow_version(&t, "customers", "a = 3", "ui:ann", "stale", Some(1))
        .await;
    assert!(
        matches!(stale, Err(crate::StoreError::ConcurrentChange { .. })),
        "{stale:?}"
    );
    let from_file = store
        .save_flow_version(&t, "customers", "a = 3", "ui:ann", "stale", None)
        .await;
    assert!(
        from_file.is_err(),
        "a save based on the file once versions exist"
    );
    store
        .save_flow_version(&t, "products", "p = 1", "cli", "p", None)
        .await
        .unwrap();
    store
        .save_flow_version(&tenant("other"), "customers", "o", "cli", "o", None)
        .await
        .unwrap();
    let versions = store.flow_versions(&t, "customers").await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.spec.as_str()))
            .collect::<Vec<_>>(),
        [(2, "a = 2"), (1, "a = 1")]
    );
    assert_eq!(versions[0].author, "api:bob");
    let latest = store.latest_flow_versions(&t).await.unwrap();
    assert_eq!(
        latest
            .iter()
            .map(|v| (v.flow.as_str(), v.version))
            .collect::<Vec<_>>(),
        [("customers", 2), ("products", 1)]
    );
    let audited = store
        .audit_entries(Some(&t), Some("flow.version.save"), 10)
        .await
        .unwrap();
    assert_eq!(audited.len(), 3);

    assert!(store.flow_states(&t).await.unwrap().is_empty());
    store
        .set_flow_paused(&t, "customers", true, "ui:ann")
        .await
        .unwrap();
    store
        .set_flow_paused(&t, "products", true, "ui:ann")
        .await
        .unwrap();
    store
        .set_flow_paused(&t, "products", false, "ui:bob")
        .await
        .unwrap();
    let states = store.flow_states(&t).await.unwrap();
    assert_eq!(
        states
            .iter()
            .map(|s| (s.flow.as_str(), s.paused, s.changed_by.as_str()))
            .collect::<Vec<_>>(),
        [("customers", true, "ui:ann"), ("products", false, "ui:bob")]
    );
    assert!(
        store
            .flow_states(&tenant("other"))
            .await
            .unwrap()
            .is_empty()
    );
    let resumed = store
        .audit_entries(Some(&t), Some("flow.resume"), 10)
        .await
        .unwrap();
    assert_eq!(resumed.len(), 1);
}
