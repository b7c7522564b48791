#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use ferry_core::Operation;
use ferry_salesforce::pubsub::{ChangeEventHeader, ChangeType, Event};

fn tenant() -> TenantId {
    TenantId::new("acme").unwrap()
}

fn event(change_type: ChangeType, origin: &str, ids: &[&str]) -> Event {
    Event {
        replay_id: ReplayId(vec![0, 0, 0, 0, 0, 0, 0, 42]),
        id: "e1".into(),
        schema_id: "s".into(),
        fields: serde_json::Map::new(),
        header: Some(ChangeEventHeader {
            entity_name: "Account".into(),
            record_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            change_type,
            change_origin: origin.into(),
            transaction_key: "tx".into(),
            sequence_number: 1,
            commit_timestamp: 1_700_000_000_123,
            commit_number: 7,
            commit_user: "005".into(),
            changed_fields: vec!["Name".into(), "BillingAddress.City".into()],
            nulled_fields: vec![],
            diff_fields: vec![],
        }),
    }
}

fn notices(mapped: Mapped) -> (Vec<ferry_core::ChangeNotice>, Option<Signal>) {
    match mapped {
        Mapped::Notices(n, s) => (n, s),
        other => panic!("expected notices, got {other:?}"),
    }
}

#[test]
fn changes_become_one_notice_per_record_with_a_small_payload() {
    let e = event(
        ChangeType::Update,
        "com/salesforce/api/rest/62.0;client=Workbench/",
        &["001A", "001B"],
    );
    let (list, signal) = notices(map_event(&e, &tenant(), "ferry"));
    assert!(signal.is_none());
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].record_id, "001A");
    assert_eq!(list[1].record_id, "001B");
    let n = &list[0];
    assert_eq!(n.object, "Account");
    assert_eq!(n.operation, Operation::Update);
    assert_eq!(n.source, System::Salesforce);
    assert_eq!(n.observed_at, Timestamp::from_micros(1_700_000_000_123_000));
    assert_eq!(
        n.origin.as_deref(),
        Some("com/salesforce/api/rest/62.0;client=Workbench/")
    );
    assert_eq!(
        n.payload["changedFields"],
        json!(["Name", "BillingAddress.City"])
    );
    assert_eq!(n.payload["transactionKey"], "tx");
    assert_eq!(n.payload["replayId"], "000000000000002a");
    assert!(Signal::from_notice(n).is_none());
    for (t, op) in [
        (ChangeType::Create, Operation::Create),
        (ChangeType::Delete, Operation::Delete),
        (ChangeType::Undelete, Operation::Undelete),
    ] {
        let (list, _) = notices(map_event(&event(t, "", &["001A"]), &tenant(), "ferry"));
        assert_eq!(list[0].operation, op, "{t:?}");
        assert_eq!(list[0].origin, None);
    }
}

#[test]
fn ferrys_own_changes_are_echoes() {
    for origin in [
        "com/salesforce/api/rest/62.0;client=ferry",
        "com/salesforce/api/rest/62.0;client=ferry/",
    ] {
        assert_eq!(
            map_event(
                &event(ChangeType::Update, origin, &["001A"]),
                &tenant(),
                "ferry"
            ),
            Mapped::Echo
        );
    }
    let other = event(
        ChangeType::Update,
        "com/salesforce/api/rest/62.0;client=ferry2",
        &["001A"],
    );
    assert!(matches!(
        map_event(&other, &tenant(), "ferry"),
        Mapped::Notices(..)
    ));
    let mut platform = event(ChangeType::Update, "", &[]);
    platform.header = None;
    assert_eq!(map_event(&platform, &tenant(), "ferry"), Mapped::NotAChange);
}

#[test]
fn gaps_ask_for_a_reread_even_when_ferry_caused_them() {
    let e = event(
        ChangeType::GapUpdate,
        "com/salesforce/api/rest/62.0;client=ferry",
        &["001A", "001B"],
    );
    let (list, signal) = notices(map_event(&e, &tenant(), "ferry"));
    assert_eq!(
        signal,
        Some(Signal::Reread {
            object: "Account".into(),
            record_ids: vec!["001A".into(), "001B".into()]
        })
    );
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].payload["signal"], "reread");
    assert_eq!(list[0].payload["changeType"], "GAP_UPDATE");
    assert_eq!(list[0].operation, Operation::Update);
    assert_eq!(
        Signal::from_notice(&list[1]),
        Some(Signal::Reread {
            object: "Account".into(),
            record_ids: vec!["001B".into()]
        })
    );
    let (list, _) = notices(map_event(
        &event(ChangeType::GapDelete, "", &["001A"]),
        &tenant(),
        "ferry",
    ));
    assert_eq!(list[0].operation, Operation::Delete);
}

#[test]
fn overflow_asks_for_a_resync_of_the_object() {
    let e = event(ChangeType::GapOverflow, "", &["000000000000000AAA"]);
    let (list, signal) = notices(map_event(&e, &tenant(), "ferry"));
    assert_eq!(
        signal,
        Some(Signal::Resync {
            object: "Account".into()
        })
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].record_id, ALL_RECORDS);
    assert_eq!(list[0].payload["signal"], "resync");
    assert_eq!(
        Signal::from_notice(&list[0]),
        Some(Signal::Resync {
            object: "Account".into()
        })
    );
}

#[test]
fn reconcile_signals_name_the_object() {
    let list = Signal::Reconcile {
        object: "Contact".into(),
    }
    .notices(
        &tenant(),
        Timestamp::from_micros(1),
        json!({"reason": "expired"}),
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].object, "Contact");
    assert_eq!(list[0].record_id, ALL_RECORDS);
    assert_eq!(list[0].payload["reason"], "expired");
    assert_eq!(
        Signal::from_notice(&list[0]),
        Some(Signal::Reconcile {
            object: "Contact".into()
        })
    );
}

#[test]
fn single_object_channels_name_their_object() {
    assert_eq!(
        channel_object("/data/AccountChangeEvent").as_deref(),
        Some("Account")
    );
    assert_eq!(
        channel_object("/data/Employee__ChangeEvent").as_deref(),
        Some("Employee__c")
    );
    assert_eq!(channel_object("/data/ChangeEvents"), None);
    assert_eq!(channel_object("/event/Order_Shipped__e"), None);
    let mut config = CdcConfig::new(tenant(), "/data/ChangeEvents", vec![]);
    assert!(config.reconcile_objects().is_empty());
    config.objects = vec!["Account".into(), "Contact".into()];
    assert_eq!(config.reconcile_objects(), ["Account", "Contact"]);
    assert_eq!(config.checkpoint_name(), "cdc:/data/ChangeEvents");
}
