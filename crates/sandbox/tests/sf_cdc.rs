//! Change events and platform events on the sandbox's event bus: writes go over real sockets
//! (REST and sObject Collections with `Sforce-Call-Options: client=ferry`), the bus is read in
//! process, and payloads are decoded with apache-avro against the schema the bus serves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "sf_cdc/decode.rs"]
mod decode;

use apache_avro::types::Value as Avro;
use common::TestOrg;
use decode::{Decoded, decode};
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_sandbox::salesforce::cdc::{Bus, BusError, BusEvent, Start};
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;
use std::time::Duration;

const ACCOUNTS: &str = "/data/AccountChangeEvent";
const ALL: &str = "/data/ChangeEvents";

async fn empty_org() -> TestOrg {
    common::start_with(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await
}

fn bus(org: &TestOrg) -> &Bus {
    &org.sandbox.state().cdc
}

/// Sends a data API call as Ferry does (`client=ferry`).
async fn ferry_call(org: &TestOrg, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = org
        .request(method, &org.data_url("59.0", path))
        .header("Sforce-Call-Options", "client=ferry");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Json::Null))
}

fn read_all(bus: &Bus, topic: &str, after: u64) -> Vec<BusEvent> {
    bus.read(topic, Start::After(after), 10_000).unwrap().events
}

#[tokio::test]
async fn rest_writes_give_create_update_delete_undelete_events_with_headers_and_bitmaps() {
    let org = empty_org().await;
    let bus = bus(&org);
    let start = bus.latest(ACCOUNTS).unwrap();
    let (status, created) = ferry_call(
        &org,
        "POST",
        "/sobjects/Account",
        Some(json!({"Name": "Acme", "Industry": "Retail", "Phone": "555-0100", "BillingCity": "Springfield"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, body) = ferry_call(
        &org,
        "PATCH",
        &format!("/sobjects/Account/{id}"),
        Some(json!({"Industry": "Apparel", "Phone": null, "BillingStreet": "1 Main St"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = ferry_call(&org, "DELETE", &format!("/sobjects/Account/{id}"), None).await;
    assert_eq!(status, 204, "{body}");
    // The sandbox serves undelete over no wire API yet: restore it in process.
    {
        let state = org.sandbox.state();
        let mut guard = state.org();
        let actor = ferry_sandbox::salesforce::org::Actor {
            user: ferry_sandbox::salesforce::ids::SfId::parse(&org.sandbox.banner.user_id).unwrap(),
            api: "soap",
            version: "59.0".into(),
            client: None,
        };
        let mut txn = guard.begin(actor);
        txn.undelete(ferry_sandbox::salesforce::ids::SfId::parse(&id).unwrap())
            .unwrap();
        txn.commit();
    }

    let events = read_all(bus, ACCOUNTS, start);
    assert_eq!(events.len(), 4, "one event per change");
    let decoded: Vec<Decoded> = events.iter().map(|e| decode(bus, e)).collect();
    let types: Vec<String> = decoded.iter().map(|d| d.header_str("changeType")).collect();
    assert_eq!(types, ["CREATE", "UPDATE", "DELETE", "UNDELETE"]);
    assert!(events.windows(2).all(|w| w[0].replay_id < w[1].replay_id));
    for d in &decoded {
        assert_eq!(d.header_str("entityName"), "Account");
        assert_eq!(d.header_strings("recordIds"), std::slice::from_ref(&id));
        assert_eq!(d.header["sequenceNumber"], Avro::Int(1));
        assert!(d.header_strings("diffFields").is_empty());
    }
    for d in &decoded[..3] {
        assert_eq!(
            d.header_str("changeOrigin"),
            "com/salesforce/api/rest/59.0;client=ferry"
        );
        assert_eq!(d.header_str("commitUser"), org.sandbox.banner.user_id);
    }
    assert_eq!(
        decoded[3].header_str("changeOrigin"),
        "com/salesforce/api/soap/59.0"
    );
    let keys: BTreeSet<String> = decoded
        .iter()
        .map(|d| d.header_str("transactionKey"))
        .collect();
    assert_eq!(keys.len(), 4, "each REST call is its own transaction");

    // CREATE: every field; no bitmaps.
    let create = &decoded[0];
    assert_eq!(create.get("Name"), Avro::String("Acme".into()));
    assert_eq!(create.get("Industry"), Avro::String("Retail".into()));
    assert_eq!(
        create.child("BillingAddress", "City"),
        Avro::String("Springfield".into())
    );
    assert!(matches!(create.get("CreatedDate"), Avro::Long(ms) if ms > 1_600_000_000_000));
    assert!(create.header_strings("changedFields").is_empty());
    assert!(create.body.contains_key("OwnerId"));
    for absent in [
        "Id",
        "IsDeleted",
        "SystemModstamp",
        "BillingCity",
        "BillingStreet",
    ] {
        assert!(
            !create.body.contains_key(absent),
            "{absent} is not a top-level field"
        );
    }

    // UPDATE: only the changed values, the bitmaps naming them.
    let update = &decoded[1];
    assert_eq!(
        update.bitmap("changedFields"),
        [
            "Industry",
            "Phone",
            "LastModifiedDate",
            "BillingAddress.Street"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    assert_eq!(
        update.bitmap("nulledFields"),
        BTreeSet::from(["Phone".to_string()])
    );
    assert_eq!(update.get("Industry"), Avro::String("Apparel".into()));
    assert_eq!(update.get("Phone"), Avro::Null);
    assert_eq!(update.get("Name"), Avro::Null, "unchanged fields are null");
    assert_eq!(
        update.child("BillingAddress", "Street"),
        Avro::String("1 Main St".into())
    );
    assert_eq!(update.child("BillingAddress", "City"), Avro::Null);
    assert!(matches!(update.get("LastModifiedDate"), Avro::Long(_)));

    // DELETE: nothing but the header.
    assert!(decoded[2].body_all_null());
    assert!(decoded[2].header_strings("changedFields").is_empty());

    // UNDELETE: every field again.
    assert_eq!(decoded[3].get("Name"), Avro::String("Acme".into()));
    assert_eq!(decoded[3].get("Industry"), Avro::String("Apparel".into()));
    assert_eq!(
        decoded[3].child("BillingAddress", "Street"),
        Avro::String("1 Main St".into())
    );

    // The same events, in the same order, on the all-changes channel.
    let all: Vec<u64> = read_all(bus, ALL, start)
        .iter()
        .map(|e| e.replay_id)
        .collect();
    let mine: Vec<u64> = events.iter().map(|e| e.replay_id).collect();
    assert_eq!(all, mine);
}

#[tokio::test]
async fn a_collections_batch_is_one_transaction_and_topics_filter_by_object() {
    let org = empty_org().await;
    let bus = bus(&org);
    let start = bus.latest(ALL).unwrap();
    let (status, body) = ferry_call(
        &org,
        "POST",
        "/composite/sobjects",
        Some(json!({"allOrNone": true, "records": [
            {"attributes": {"type": "Account"}, "Name": "A1"},
            {"attributes": {"type": "Contact"}, "LastName": "C1"},
            {"attributes": {"type": "Account"}, "Name": "A2"},
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<String> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let events = read_all(bus, ALL, start);
    assert_eq!(events.len(), 3);
    let decoded: Vec<Decoded> = events.iter().map(|e| decode(bus, e)).collect();
    let key = decoded[0].header_str("transactionKey");
    for (n, d) in decoded.iter().enumerate() {
        assert_eq!(d.header_str("transactionKey"), key, "one transaction");
        assert_eq!(d.header["sequenceNumber"], Avro::Int(n as i32 + 1));
        assert_eq!(d.header_strings("recordIds"), [ids[n].clone()]);
        assert!(d.header_str("changeOrigin").ends_with(";client=ferry"));
        assert_eq!(d.header["commitNumber"], decoded[0].header["commitNumber"]);
    }
    let entities: Vec<String> = decoded.iter().map(|d| d.header_str("entityName")).collect();
    assert_eq!(entities, ["Account", "Contact", "Account"]);
    let accounts = read_all(bus, ACCOUNTS, start);
    assert_eq!(
        accounts.iter().map(|e| e.replay_id).collect::<Vec<_>>(),
        [events[0].replay_id, events[2].replay_id]
    );
    let contacts = read_all(bus, "/data/ContactChangeEvent", start);
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        contacts[0].schema_id,
        bus.topic("/data/ContactChangeEvent").unwrap().schema_id
    );
    assert_ne!(contacts[0].schema_id, accounts[0].schema_id);
    // Custom objects use the `__ChangeEvent` channel; names are case-sensitive.
    let payments = bus.topic("/data/Payment__ChangeEvent").unwrap();
    assert!(!payments.can_publish && payments.can_subscribe);
    assert!(bus.topic("/data/accountchangeevent").is_none());
    assert!(matches!(
        bus.read("/data/Nope", Start::Earliest, 1),
        Err(BusError::UnknownTopic(_))
    ));
}

#[tokio::test]
async fn replay_returns_exactly_the_later_events_and_refuses_expired_or_future_ids() {
    let org = empty_org().await;
    let bus = bus(&org);
    let mut watch = bus.watch();
    watch.borrow_and_update();
    let start = bus.latest(ALL).unwrap();
    for n in 0..5 {
        org.create("Account", json!({"Name": format!("R{n}")}))
            .await;
    }
    tokio::time::timeout(Duration::from_secs(5), watch.changed())
        .await
        .expect("watch wakes after a commit")
        .unwrap();
    let events = read_all(bus, ACCOUNTS, start);
    assert_eq!(events.len(), 5);
    let third = events[2].replay_id;
    let later: Vec<u64> = read_all(bus, ACCOUNTS, third)
        .iter()
        .map(|e| e.replay_id)
        .collect();
    assert_eq!(later, [events[3].replay_id, events[4].replay_id]);
    let limited = bus.read(ACCOUNTS, Start::After(start), 2).unwrap();
    assert_eq!(limited.events.len(), 2);
    assert_eq!(limited.latest, events[4].replay_id);
    assert!(
        bus.read(ACCOUNTS, Start::Latest, 10)
            .unwrap()
            .events
            .is_empty()
    );
    let earliest = bus.read(ACCOUNTS, Start::Earliest, 100).unwrap().events;
    assert_eq!(earliest.last(), events.last());
    // An event read twice is the same event.
    assert_eq!(read_all(bus, ACCOUNTS, third)[0], events[3]);

    let latest = bus.latest(ACCOUNTS).unwrap();
    assert!(matches!(
        bus.read(ACCOUNTS, Start::After(latest + 10), 10),
        Err(BusError::ReplayInvalid { .. })
    ));
    // Shrink retention so that everything is older than it.
    bus.set_retention(Duration::from_millis(1));
    tokio::time::sleep(Duration::from_millis(20)).await;
    match bus.read(ACCOUNTS, Start::After(third), 10) {
        Err(BusError::ReplayInvalid { replay_id, reason }) => {
            assert_eq!(replay_id, third);
            assert!(reason.contains("retained"), "{reason}");
        }
        other => panic!("expected ReplayInvalid, got {other:?}"),
    }
    // Resuming from the newest id is still fine: nothing after it was lost.
    assert!(
        bus.read(ACCOUNTS, Start::After(latest), 10)
            .unwrap()
            .events
            .is_empty()
    );
    assert!(
        bus.read(ACCOUNTS, Start::Earliest, 10)
            .unwrap()
            .events
            .is_empty()
    );
}

#[tokio::test]
async fn injected_gaps_are_header_only_events() {
    let org = empty_org().await;
    let bus = bus(&org);
    let id = org.create("Account", json!({"Name": "G"})).await;
    let start = bus.latest(ACCOUNTS).unwrap();
    let response = org
        .http
        .post(format!("{}/__sandbox/cdc/gaps", org.base))
        .json(&json!({"object": "Account", "record_ids": [id], "change_type": "GAP_UPDATE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Json = response.json().await.unwrap();
    let events = read_all(bus, ACCOUNTS, start);
    assert_eq!(events.len(), 1);
    assert_eq!(answer["replay_id"], events[0].replay_id);
    let gap = decode(bus, &events[0]);
    assert_eq!(gap.header_str("changeType"), "GAP_UPDATE");
    assert_eq!(gap.header_strings("recordIds"), [id]);
    assert!(gap.body_all_null());
    assert_eq!(read_all(bus, ALL, start).len(), 1);
    assert!(read_all(bus, "/data/ContactChangeEvent", start).is_empty());

    for bad in [
        json!({"object": "Nope", "record_ids": ["x"], "change_type": "GAP_UPDATE"}),
        json!({"object": "Account", "record_ids": ["x"], "change_type": "UPDATE"}),
        json!({"object": "Account", "record_ids": [], "change_type": "GAP_CREATE"}),
    ] {
        let response = org
            .http
            .post(format!("{}/__sandbox/cdc/gaps", org.base))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Json = response.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("/__sandbox/cdc/gaps"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_transaction_over_the_overflow_threshold_ends_in_one_overflow_event_per_object() {
    let org = common::start_with(Options {
        data: DataSet::Empty,
        event_overflow_threshold: 3,
        ..Options::default()
    })
    .await;
    let bus = bus(&org);
    let start = bus.latest(ALL).unwrap();
    let mut records: Vec<Json> = (0..5)
        .map(|n| json!({"attributes": {"type": "Account"}, "Name": format!("O{n}")}))
        .collect();
    records.push(json!({"attributes": {"type": "Contact"}, "LastName": "C"}));
    let (status, body) = ferry_call(
        &org,
        "POST",
        "/composite/sobjects",
        Some(json!({"allOrNone": true, "records": records})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = read_all(bus, ALL, start);
    let decoded: Vec<Decoded> = events.iter().map(|e| decode(bus, e)).collect();
    let summary: Vec<(String, String)> = decoded
        .iter()
        .map(|d| (d.header_str("changeType"), d.header_str("entityName")))
        .collect();
    let pair = |t: &str, e: &str| (t.to_string(), e.to_string());
    assert_eq!(
        summary,
        [
            pair("CREATE", "Account"),
            pair("CREATE", "Account"),
            pair("CREATE", "Account"),
            pair("GAP_OVERFLOW", "Account"),
            pair("GAP_OVERFLOW", "Contact"),
        ]
    );
    for overflow in &decoded[3..] {
        assert_eq!(overflow.header_strings("recordIds"), ["000000000000000AAA"]);
        assert_eq!(
            overflow.header_str("transactionKey"),
            decoded[0].header_str("transactionKey")
        );
        assert!(overflow.body_all_null());
    }
    // A later, small transaction is delivered normally.
    let after = bus.latest(ALL).unwrap();
    org.create("Account", json!({"Name": "small"})).await;
    assert_eq!(read_all(bus, ALL, after).len(), 1);
}

#[tokio::test]
async fn platform_events_are_defined_published_and_read_back() {
    let org = empty_org().await;
    let bus = bus(&org);
    let response = org
        .http
        .post(format!("{}/__sandbox/cdc/platform-events", org.base))
        .json(&json!({"name": "Order_Shipped__e", "fields": [
            {"name": "OrderId__c", "type": "string"},
            {"name": "Weight__c", "type": "double"},
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Json = response.json().await.unwrap();
    assert_eq!(answer["topic"], "/event/Order_Shipped__e");
    let topic = bus.topic("/event/Order_Shipped__e").unwrap();
    assert!(topic.can_publish && topic.can_subscribe);
    assert_eq!(answer["schema_id"], topic.schema_id.as_str());
    assert_eq!(topic.schema_id.len(), 22);
    let json = bus.schema(&topic.schema_id).unwrap();
    let schema_json: Json = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = schema_json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["CreatedDate", "CreatedById", "OrderId__c", "Weight__c"]
    );
    assert_eq!(schema_json["uuid"], topic.schema_id.as_str());

    let schema = apache_avro::Schema::parse_str(&json).unwrap();
    let payload = apache_avro::to_avro_datum(
        &schema,
        Avro::Record(vec![
            ("CreatedDate".into(), Avro::Long(1_712_693_965_000)),
            (
                "CreatedById".into(),
                Avro::String(org.sandbox.banner.user_id.clone()),
            ),
            (
                "OrderId__c".into(),
                Avro::Union(1, Box::new(Avro::String("801A".into()))),
            ),
            ("Weight__c".into(), Avro::Union(0, Box::new(Avro::Null))),
        ]),
    )
    .unwrap();
    let before = bus.latest(ALL).unwrap();
    let results = bus
        .publish(
            &topic.name,
            vec![
                ("evt-1".into(), topic.schema_id.clone(), payload.clone()),
                ("evt-2".into(), "wrong-schema".into(), payload.clone()),
                (
                    "evt-3".into(),
                    topic.schema_id.clone(),
                    vec![0; 1024 * 1024 + 1],
                ),
            ],
        )
        .unwrap();
    let first = *results[0].as_ref().unwrap();
    assert!(first > before, "platform events share the bus's replay ids");
    assert!(results[1].as_ref().unwrap_err().contains("wrong-schema"));
    assert!(results[2].as_ref().unwrap_err().contains("1 MB"));
    let events = bus.read(&topic.name, Start::Earliest, 10).unwrap().events;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].replay_id, first);
    assert_eq!(events[0].event_id, "evt-1");
    let back =
        apache_avro::from_avro_datum(&schema, &mut events[0].payload.as_slice(), None).unwrap();
    let Avro::Record(fields) = back else { panic!() };
    assert_eq!(
        fields[2].1,
        Avro::Union(1, Box::new(Avro::String("801A".into())))
    );
    // Not on the change event channels; change event channels take no publishing.
    assert!(read_all(bus, ALL, before).is_empty());
    assert!(matches!(
        bus.publish(ACCOUNTS, vec![("x".into(), String::new(), Vec::new())]),
        Err(BusError::Publish(_))
    ));
    assert!(matches!(
        bus.publish("/event/Undefined__e", Vec::new()),
        Err(BusError::UnknownTopic(_))
    ));
    // A change after the platform event gets a later replay id on its own channel.
    org.create("Account", json!({"Name": "after"})).await;
    let change = read_all(bus, ACCOUNTS, first);
    assert_eq!(change.len(), 1);
    assert!(change[0].replay_id > first);
    let bad = org
        .http
        .post(format!("{}/__sandbox/cdc/platform-events", org.base))
        .json(&json!({"name": "NoSuffix", "fields": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_schema_change_gives_a_new_schema_id() {
    let plain = empty_org().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.toml");
    std::fs::write(
        &file,
        "[objects.Account]\nfields = [{ name = \"Loyalty__c\", type = \"int\" }]\n",
    )
    .unwrap();
    let extended = common::start_with(Options {
        data: DataSet::Empty,
        schema_file: Some(file),
        ..Options::default()
    })
    .await;
    let id = |org: &TestOrg, topic: &str| bus(org).topic(topic).unwrap().schema_id;
    assert_ne!(id(&plain, ACCOUNTS), id(&extended, ACCOUNTS));
    assert_eq!(
        id(&plain, "/data/ContactChangeEvent"),
        id(&extended, "/data/ContactChangeEvent"),
        "an unchanged object keeps its id"
    );
    let json = bus(&extended).schema(&id(&extended, ACCOUNTS)).unwrap();
    assert!(json.contains("\"Loyalty__c\""));
    assert!(
        !bus(&plain)
            .schema(&id(&plain, ACCOUNTS))
            .unwrap()
            .contains("Loyalty__c")
    );

    // The new field travels in the events.
    let start = bus(&extended).latest(ACCOUNTS).unwrap();
    extended
        .create("Account", json!({"Name": "L", "Loyalty__c": 7}))
        .await;
    let events = read_all(bus(&extended), ACCOUNTS, start);
    assert_eq!(
        decode(bus(&extended), &events[0]).get("Loyalty__c"),
        Avro::Int(7)
    );
}

#[tokio::test]
async fn the_demo_orgs_seeded_changes_are_retained_events_with_replay_id_equal_to_sequence() {
    let org = common::start().await;
    let bus = bus(&org);
    let held = org.sandbox.state().org().changes.last_seq();
    assert!(held > 0);
    assert_eq!(bus.latest(ALL).unwrap(), held);
    let first = bus.read(ALL, Start::Earliest, 5).unwrap().events;
    let seqs: Vec<u64> = org
        .sandbox
        .state()
        .org()
        .changes
        .iter()
        .take(5)
        .map(|c| c.seq)
        .collect();
    assert_eq!(first.iter().map(|e| e.replay_id).collect::<Vec<_>>(), seqs);
    for event in &first {
        let decoded = decode(bus, event);
        assert_eq!(decoded.header_str("changeType"), "CREATE");
    }
}

#[tokio::test]
async fn after_an_admin_reset_replay_ids_continue_and_new_writes_are_events() {
    let org = empty_org().await;
    let bus = bus(&org);
    org.create("Account", json!({"Name": "before"})).await;
    let before = bus.latest(ALL).unwrap();
    let response = org
        .http
        .post(format!("{}/__sandbox/reset", org.base))
        .json(&json!({"data": "empty"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut watch = bus.watch();
    watch.borrow_and_update();
    let id = org.create("Account", json!({"Name": "after"})).await;
    tokio::time::timeout(Duration::from_secs(5), watch.changed())
        .await
        .expect("the fresh org's commits wake subscribers")
        .unwrap();
    let events = read_all(bus, ACCOUNTS, before);
    let last = decode(bus, events.last().unwrap());
    assert_eq!(last.header_strings("recordIds"), [id]);
    assert!(
        events.iter().all(|e| e.replay_id > before),
        "ids never go back"
    );
    assert_eq!(bus.latest(ALL).unwrap(), events.last().unwrap().replay_id);
}
