//! The custom fields and the `Credit__c` object Ferry's order-to-cash flows use, over HTTP:
//! credit notes by external id and through SOQL relationships, OrderItems upserted by
//! `ExternalID__c` through sObject Collections, the activated-order lock on items and on the
//! header, Cases linked to Orders, payments linked to credits, and their change events.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
// Shared with sf_cdc.rs, which uses the helpers this file does not.
#[path = "sf_cdc/decode.rs"]
#[allow(dead_code)]
mod decode;

use apache_avro::types::Value as Avro;
use common::TestOrg;
use ferry_sandbox::salesforce::cdc::Start;
use serde_json::{Value, json};

/// Runs a SOQL query and returns its records (panics on a refused query: every query here is
/// meant to be valid).
async fn query(org: &TestOrg, soql: &str) -> Vec<Value> {
    let response = org
        .get(&org.data_url("59.0", "/query"))
        .query(&[("q", soql)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{soql}: {body}");
    body["records"].as_array().unwrap().clone()
}

/// The single error of a refused REST call: (status, errorCode, fields).
fn error_of(response: &(u16, Value)) -> (u16, String, Vec<String>) {
    let (status, body) = response;
    let error = &body.as_array().unwrap_or_else(|| panic!("{body}"))[0];
    let fields = error["fields"]
        .as_array()
        .map(|f| f.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (
        *status,
        error["errorCode"].as_str().unwrap().to_string(),
        fields,
    )
}

/// The single error of one item of a Collections answer: (statusCode, message).
fn item_error(item: &Value) -> (String, String) {
    assert_eq!(item["success"], false, "{item}");
    let error = &item["errors"][0];
    (
        error["statusCode"].as_str().unwrap().to_string(),
        error["message"].as_str().unwrap().to_string(),
    )
}

/// A product with an active standard price book entry; returns (standard book, entry).
async fn priced_product(org: &TestOrg, code: &str, price: f64) -> (String, String) {
    let product = org
        .create(
            "Product2",
            json!({"Name": format!("Product {code}"), "ProductCode": code, "IsActive": true}),
        )
        .await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();
    let entry = org
        .create(
            "PricebookEntry",
            json!({"Pricebook2Id": standard, "Product2Id": product, "UnitPrice": price, "IsActive": true}),
        )
        .await;
    (standard, entry)
}

fn order_item(order: &str, entry: &str, key: &str, quantity: f64) -> Value {
    json!({
        "attributes": {"type": "OrderItem"},
        "OrderId": order,
        "PricebookEntryId": entry,
        "Quantity": quantity,
        "UnitPrice": 15,
        "ExternalID__c": key,
    })
}

async fn upsert_items(org: &TestOrg, records: Vec<Value>) -> Vec<Value> {
    let (status, body) = org
        .call(
            "PATCH",
            "/composite/sobjects/OrderItem/ExternalID__c",
            Some(json!({"allOrNone": false, "records": records})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn credit_notes_upsert_by_external_id_and_query_through_their_parents() {
    let org = common::start_empty().await;
    let account = org
        .create("Account", json!({"Name": "Harbour Outfitters"}))
        .await;
    let order = org
        .create(
            "Order",
            json!({"AccountId": account, "EffectiveDate": "2025-03-01", "Status": "Draft"}),
        )
        .await;
    let case = org
        .create(
            "Case",
            json!({"AccountId": account, "Order__c": order, "Subject": "Return: wrong size", "Type": "Return"}),
        )
        .await;

    // Amount__c is required.
    let refused = org
        .call(
            "POST",
            "/sobjects/Credit__c",
            Some(json!({"Account__c": account, "ExternalID__c": "BP-CR-0"})),
        )
        .await;
    assert_eq!(
        error_of(&refused),
        (
            400,
            "REQUIRED_FIELD_MISSING".to_string(),
            vec!["Amount__c".to_string()]
        )
    );

    // Upsert by ExternalID__c: the first call creates, the second updates the same record.
    let body = json!({
        "Account__c": account,
        "Order__c": order,
        "Case__c": case,
        "Amount__c": 42.5,
        "Currency__c": "GBP",
        "Status__c": "Open",
        "CreditDate__c": "2025-03-04",
        "Reference__c": "SC-10045",
    });
    let (status, created) = org
        .call(
            "PATCH",
            "/sobjects/Credit__c/ExternalID__c/BP-CR-1",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["created"], true);
    let credit = created["id"].as_str().unwrap().to_string();
    assert!(credit.starts_with("a0C"), "{credit}");
    let (status, updated) = org
        .call(
            "PATCH",
            "/sobjects/Credit__c/ExternalID__c/BP-CR-1",
            Some(json!({"Status__c": "Refunded", "FerrySyncedAt__c": "2025-03-04T10:15:00.000+0000"})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated,
        json!({"id": credit, "success": true, "errors": [], "created": false})
    );

    // And through sObject Collections, keyed the same way.
    let (status, items) = org
        .call(
            "PATCH",
            "/composite/sobjects/Credit__c/ExternalID__c",
            Some(json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Credit__c"}, "ExternalID__c": "BP-CR-1", "FerryError__c": "none"},
                {"attributes": {"type": "Credit__c"}, "ExternalID__c": "BP-CR-2", "Account__c": account, "Amount__c": 7},
            ]})),
        )
        .await;
    assert_eq!(status, 200, "{items}");
    assert_eq!(items[0]["id"], credit.as_str());
    assert_eq!(items[0]["created"], false);
    assert_eq!(items[1]["created"], true, "{items}");

    let records = query(
        &org,
        "SELECT Name, Amount__c, Status__c, FerryError__c, Account__r.Name, Order__r.Status, Case__r.Subject FROM Credit__c WHERE ExternalID__c = 'BP-CR-1'",
    )
    .await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["Name"], "CR-000001");
    assert_eq!(record["Amount__c"], json!(42.5));
    assert_eq!(record["Status__c"], "Refunded");
    assert_eq!(record["FerryError__c"], "none");
    assert_eq!(record["Account__r"]["Name"], "Harbour Outfitters");
    assert_eq!(record["Order__r"]["Status"], "Draft");
    assert_eq!(record["Case__r"]["Subject"], "Return: wrong size");

    // The parents see their credit notes as the child relationship Credits__r.
    let accounts = query(
        &org,
        "SELECT Name, (SELECT Name, ExternalID__c FROM Credits__r ORDER BY Name) FROM Account",
    )
    .await;
    let credits = &accounts[0]["Credits__r"]["records"];
    assert_eq!(credits[0]["ExternalID__c"], "BP-CR-1");
    assert_eq!(credits[1]["Name"], "CR-000002");
    let cases = query(&org, "SELECT (SELECT Amount__c FROM Credits__r) FROM Case").await;
    assert_eq!(cases[0]["Credits__r"]["totalSize"], 1);

    // A refund payment points at its credit note; Brightpearl's payment id is a unique key.
    let payment = json!({
        "Account__c": account,
        "Credit__c": credit,
        "Amount__c": -42.5,
        "Currency__c": "EUR",
        "ExchangeRate__c": 1.172345,
        "Status__c": "Refunded",
    });
    let (status, created) = org
        .call(
            "PATCH",
            "/sobjects/Payment__c/BrightpearlPaymentId__c/5501",
            Some(payment.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let payments = query(
        &org,
        "SELECT ExchangeRate__c, Credit__r.ExternalID__c, Credit__r.Account__r.Name FROM Payment__c WHERE BrightpearlPaymentId__c = '5501'",
    )
    .await;
    assert_eq!(payments[0]["ExchangeRate__c"], json!(1.172345));
    assert_eq!(payments[0]["Credit__r"]["ExternalID__c"], "BP-CR-1");
    assert_eq!(
        payments[0]["Credit__r"]["Account__r"]["Name"],
        "Harbour Outfitters"
    );
    let mut twice = payment.clone();
    twice["BrightpearlPaymentId__c"] = json!("5501");
    let refused = org.call("POST", "/sobjects/Payment__c", Some(twice)).await;
    assert_eq!(error_of(&refused).1, "DUPLICATE_VALUE", "{}", refused.1);
    let credits = query(
        &org,
        "SELECT (SELECT Id FROM Payments__r) FROM Credit__c WHERE ExternalID__c = 'BP-CR-1'",
    )
    .await;
    assert_eq!(credits[0]["Payments__r"]["totalSize"], 1);
}

#[tokio::test]
async fn credit_notes_are_described_and_raise_change_events() {
    let org = common::start_empty().await;
    let (status, describe) = org.call("GET", "/sobjects/Credit__c/describe", None).await;
    assert_eq!(status, 200, "{describe}");
    assert_eq!(describe["label"], "Credit Note");
    assert_eq!(describe["custom"], true);
    assert_eq!(describe["keyPrefix"], "a0C");
    let field = |name: &str| {
        describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))
            .clone()
    };
    let name = field("Name");
    assert_eq!(name["autoNumber"], true);
    assert_eq!(name["createable"], false);
    let amount = field("Amount__c");
    assert_eq!(amount["type"], "currency");
    assert_eq!(
        (amount["precision"].clone(), amount["scale"].clone()),
        (json!(16), json!(2))
    );
    assert_eq!(amount["nillable"], false);
    let key = field("ExternalID__c");
    assert_eq!(
        (key["externalId"].clone(), key["unique"].clone()),
        (json!(true), json!(true))
    );
    let account = field("Account__c");
    assert_eq!(account["referenceTo"], json!(["Account"]));
    assert_eq!(account["relationshipName"], "Account__r");
    assert_eq!(field("FerrySyncedAt__c")["type"], "datetime");
    assert_eq!(field("FerrySyncedAt__c")["label"], "Last Synced by Ferry");
    assert_eq!(field("FerryError__c")["label"], "Last Sync Error");
    let children: Vec<&str> = describe["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["relationshipName"].as_str())
        .collect();
    assert!(children.contains(&"Payments__r"), "{children:?}");

    // The change event channel of a custom object drops the `c`: /data/Credit__ChangeEvent.
    let bus = &org.sandbox.state().cdc;
    const CREDITS: &str = "/data/Credit__ChangeEvent";
    assert!(bus.topic(CREDITS).is_some());
    assert!(bus.topic("/data/Credit__cChangeEvent").is_none());
    let start = bus.latest(CREDITS).unwrap();
    let account = org.create("Account", json!({"Name": "Kite & Co"})).await;
    let credit = org
        .create(
            "Credit__c",
            json!({"Account__c": account, "Amount__c": 19.99, "ExternalID__c": "BP-CR-9"}),
        )
        .await;
    let (status, _) = org
        .call(
            "PATCH",
            &format!("/sobjects/Credit__c/{credit}"),
            Some(json!({"Status__c": "Applied"})),
        )
        .await;
    assert_eq!(status, 204);
    let events = bus.read(CREDITS, Start::After(start), 100).unwrap().events;
    assert_eq!(events.len(), 2);
    let created = decode::decode(bus, &events[0]);
    assert_eq!(created.header_str("entityName"), "Credit__c");
    assert_eq!(created.header_str("changeType"), "CREATE");
    assert_eq!(created.header_strings("recordIds"), [credit]);
    assert_eq!(created.get("ExternalID__c"), Avro::String("BP-CR-9".into()));
    let updated = decode::decode(bus, &events[1]);
    assert_eq!(updated.header_str("changeType"), "UPDATE");
    assert!(updated.bitmap("changedFields").contains("Status__c"));
}

#[tokio::test]
async fn order_items_upsert_by_external_id_and_lock_with_their_activated_order() {
    let org = common::start_empty().await;
    let (standard, entry) = priced_product(&org, "TEE-M", 15.0).await;
    let account = org.create("Account", json!({"Name": "Dune Surf"})).await;
    let order = org
        .create(
            "Order",
            json!({
                "AccountId": account,
                "EffectiveDate": "2025-03-01",
                "Status": "Draft",
                "Pricebook2Id": standard,
                "ExternalID__c": "BP-O-7001",
                "ShippingStreet": "4 Quay Road",
                "ShippingCity": "Falmouth",
                "ShippingState": "Cornwall",
                "ShippingPostalCode": "TR11 3XA",
                "ShippingCountry": "United Kingdom",
                "Currency__c": "GBP",
                "Channel__c": "Web store",
                "BrightpearlStatus__c": "Draft / Quote",
            }),
        )
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Order/{order}"), None)
        .await;
    assert_eq!(body["ShippingCity"], "Falmouth");
    assert_eq!(body["ShippingPostalCode"], "TR11 3XA");
    assert_eq!(body["ShippingAddress"]["city"], "Falmouth");
    assert_eq!(body["ShippingAddress"]["state"], "Cornwall");

    // Created, then one updated and one left alone, keyed by ExternalID__c.
    let items = upsert_items(
        &org,
        vec![
            order_item(&order, &entry, "BP-O-7001-1", 1.0),
            order_item(&order, &entry, "BP-O-7001-2", 2.0),
        ],
    )
    .await;
    assert_eq!(
        (items[0]["created"].clone(), items[1]["created"].clone()),
        (json!(true), json!(true)),
        "{items:?}"
    );
    let first = items[0]["id"].as_str().unwrap().to_string();
    let items = upsert_items(
        &org,
        vec![
            order_item(&order, &entry, "BP-O-7001-1", 3.0),
            order_item(&order, &entry, "BP-O-7001-2", 2.0),
        ],
    )
    .await;
    assert_eq!(
        items[0],
        json!({"id": first, "success": true, "errors": [], "created": false})
    );
    assert_eq!(items[1]["created"], false, "{items:?}");
    let lines = query(
        &org,
        "SELECT ExternalID__c, Quantity, TotalPrice, Order.TotalAmount FROM OrderItem ORDER BY ExternalID__c",
    )
    .await;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["Quantity"], json!(3.0));
    assert_eq!(lines[0]["Order"]["TotalAmount"], json!(75.0));
    let (_, body) = org
        .call("GET", "/sobjects/OrderItem/ExternalID__c/BP-O-7001-1", None)
        .await;
    assert_eq!(body["Id"], first.as_str());

    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"Status": "Activated"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // Once the order is activated, no upsert may touch its items: a change, a write that
    // changes nothing, and a new item are all refused.
    let items = upsert_items(
        &org,
        vec![
            order_item(&order, &entry, "BP-O-7001-1", 4.0),
            order_item(&order, &entry, "BP-O-7001-2", 2.0),
            order_item(&order, &entry, "BP-O-7001-3", 1.0),
        ],
    )
    .await;
    for item in &items {
        let (code, message) = item_error(item);
        assert_eq!(code, "ENTITY_IS_LOCKED", "{item}");
        assert!(message.contains("activated"), "{message}");
    }
    let lines = query(
        &org,
        "SELECT Quantity FROM OrderItem ORDER BY ExternalID__c",
    )
    .await;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["Quantity"], json!(3.0));

    // The header's standard fields are locked too: the shipping address can't move.
    let refused = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"ShippingCity": "Penzance"})),
        )
        .await;
    assert_eq!(
        error_of(&refused),
        (
            400,
            "ENTITY_IS_LOCKED".to_string(),
            vec!["ShippingCity".to_string()]
        )
    );

    // On the header the lock is about changes: a write of the value it already has passes.
    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"ShippingCity": "Falmouth"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // Status to another activated value, and custom fields, stay writable.
    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"Status": "Fulfilled"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let tracking = "1Z".repeat(127) + "X";
    assert_eq!(tracking.len(), 255);
    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({
                "BrightpearlStatus__c": "Completed",
                "TrackingNumber__c": tracking,
                "Carrier__c": "Royal Mail",
                "ShippingMethod__c": "Tracked 24",
                "ShippedDate__c": "2025-03-03",
                "FulfillmentStatus__c": "Shipped",
                "FerrySyncedAt__c": "2025-03-03T09:00:00.000+0000",
                "FerryError__c": null,
            })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let orders = query(
        &org,
        "SELECT Status, StatusCode, ShippingCity, BrightpearlStatus__c, ShippingMethod__c, TrackingNumber__c FROM Order",
    )
    .await;
    assert_eq!(orders[0]["Status"], "Fulfilled");
    assert_eq!(orders[0]["StatusCode"], "Activated");
    assert_eq!(orders[0]["ShippingCity"], "Falmouth");
    assert_eq!(orders[0]["BrightpearlStatus__c"], "Completed");
    assert_eq!(orders[0]["ShippingMethod__c"], "Tracked 24");
    assert_eq!(orders[0]["TrackingNumber__c"].as_str().unwrap().len(), 255);
    let refused = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"TrackingNumber__c": "X".repeat(256)})),
        )
        .await;
    assert_eq!(error_of(&refused).1, "STRING_TOO_LONG", "{}", refused.1);
}

#[tokio::test]
async fn cases_link_to_orders_and_opportunities_take_the_write_back_fields() {
    let org = common::start_empty().await;
    let account = org.create("Account", json!({"Name": "Moor Boots"})).await;
    let order = org
        .create(
            "Order",
            json!({"AccountId": account, "EffectiveDate": "2025-04-01", "Status": "Draft", "ExternalID__c": "BP-O-8100"}),
        )
        .await;

    // A Case names its Order by id, or by the order's external id through Order__r.
    let case = org
        .create(
            "Case",
            json!({"AccountId": account, "Order__c": order, "Subject": "Return", "BrightpearlCreditId__c": "SC-1"}),
        )
        .await;
    let (status, body) = org
        .call(
            "PATCH",
            "/sobjects/Case/BrightpearlCreditId__c/SC-2",
            Some(json!({"Subject": "Second return", "Order__r": {"ExternalID__c": "BP-O-8100"}, "ReturnApproved__c": true})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = org
        .call("GET", &format!("/sobjects/Case/{case}"), None)
        .await;
    assert_eq!(body["ReturnApproved__c"], false, "defaults to false");
    assert_eq!(body["Order__c"], order.as_str());
    let cases = query(
        &org,
        "SELECT Subject, ReturnApproved__c, Order__r.Status FROM Case WHERE ReturnApproved__c = true",
    )
    .await;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["Subject"], "Second return");
    assert_eq!(cases[0]["Order__r"]["Status"], "Draft");
    let orders = query(&org, "SELECT (SELECT Subject FROM Cases__r) FROM Order").await;
    assert_eq!(orders[0]["Cases__r"]["totalSize"], 2);

    // Order__c takes only an Order.
    let refused = org
        .call(
            "POST",
            "/sobjects/Case",
            Some(json!({"Subject": "Wrong link", "Order__c": account})),
        )
        .await;
    assert_eq!(
        error_of(&refused),
        (
            400,
            "INVALID_CROSS_REFERENCE_KEY".to_string(),
            vec!["Order__c".to_string()]
        )
    );

    // The Opportunity keeps what lead-to-order writes back.
    let opportunity = org
        .create(
            "Opportunity",
            json!({
                "Name": "Spring restock",
                "StageName": "Closed Won",
                "CloseDate": "2025-04-02",
                "AccountId": account,
                "BrightpearlOrderId__c": "8100",
                "BrightpearlOrderRef__c": "SO-8100",
                "BrightpearlOrderStatus__c": "Draft / Quote",
                "Currency__c": "GBP",
                "FerrySyncedAt__c": "2025-04-02T12:00:00.000+0000",
                "FerryError__c": "",
            }),
        )
        .await;
    let opportunities = query(
        &org,
        "SELECT Id, BrightpearlOrderRef__c, Currency__c, FerrySyncedAt__c FROM Opportunity WHERE BrightpearlOrderId__c = '8100'",
    )
    .await;
    assert_eq!(opportunities[0]["Id"], opportunity.as_str());
    assert_eq!(opportunities[0]["BrightpearlOrderRef__c"], "SO-8100");
    assert_eq!(opportunities[0]["Currency__c"], "GBP");
    assert_eq!(
        opportunities[0]["FerrySyncedAt__c"],
        "2025-04-02T12:00:00.000+0000"
    );
    let refused = org
        .call(
            "PATCH",
            &format!("/sobjects/Opportunity/{opportunity}"),
            Some(json!({"Currency__c": "GBPX"})),
        )
        .await;
    assert_eq!(
        error_of(&refused),
        (
            400,
            "STRING_TOO_LONG".to_string(),
            vec!["Currency__c".to_string()]
        )
    );
    let long_error = "e".repeat(256);
    let refused = org
        .call(
            "PATCH",
            &format!("/sobjects/Opportunity/{opportunity}"),
            Some(json!({"FerryError__c": long_error})),
        )
        .await;
    assert_eq!(error_of(&refused).1, "STRING_TOO_LONG");
}
