//! The order-to-cash default flows end to end, over real sockets: a Brightpearl sandbox with the
//! demo retailer, an empty Salesforce sandbox org, a fresh SQLite store, and a queue worker
//! running every enabled flow — so dependencies asked of other flows (a customer, a product)
//! and follow-ups (a shipment refreshing its order) go through the queue as in production.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Pair, pair};
use ferry_brightpearl::idset::IdSet;
use ferry_core::{ChangeNotice, DeadLetter, DeadLetterFilter, Operation, Timestamp};
use ferry_engine::flows::adapters::{Source, Target, Write};
use ferry_engine::flows::brightpearl::{BrightpearlSource, BrightpearlTarget};
use ferry_engine::{Worker, WorkerOptions};
use ferry_http::Method;
use ferry_store::{AppendBatch, DeadLetters, Effects, Journal, Queue, RoutedNotice, Store};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static UNIQUE: AtomicU64 = AtomicU64::new(1);

fn unique() -> u64 {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

/// Rebuilds the pair's flows from the defaults, each edited by `edit` first (turned on, a var
/// set), on the same store.
fn with_flows(p: &mut Pair, edit: impl Fn(&mut ferry_mapping::FlowSpec)) {
    let specs: Vec<ferry_mapping::FlowSpec> = ferry_engine::flows::defaults::DEFAULTS
        .iter()
        .map(|(name, text)| {
            let mut spec = ferry_mapping::FlowSpec::parse(text, name).unwrap();
            edit(&mut spec);
            spec
        })
        .filter(|s| s.enabled)
        .collect();
    p.flows = ferry_engine::flows::runtime::FlowSet::build(
        specs,
        &adapters_of(p),
        p.store.clone() as Arc<dyn Store>,
        ferry_core::TenantId::default_tenant(),
    )
    .unwrap();
}

fn adapters_of(p: &Pair) -> ferry_engine::flows::runtime::Adapters {
    ferry_engine::flows::runtime::Adapters::new(
        Some(p.bp_client.clone()),
        Some((
            p.sf_client.clone(),
            ferry_salesforce::write::WriteOptions::default(),
        )),
    )
}

/// Journals notices for `flow` (as a webhook or change event would).
async fn notify(p: &Pair, flow: &str, ids: &[String]) {
    let route = p.flow(flow).route();
    let notices = ids
        .iter()
        .map(|id| RoutedNotice {
            notice: ChangeNotice {
                tenant: ferry_core::TenantId::default_tenant(),
                source: route.system,
                object: route.object.clone(),
                record_id: id.clone(),
                operation: Operation::Update,
                observed_at: Timestamp::now(),
                origin: None,
                payload: json!({}),
            },
            flows: vec![route.flow.clone()],
        })
        .collect();
    p.store
        .append(AppendBatch {
            notices,
            checkpoints: vec![],
        })
        .await
        .unwrap();
}

/// Runs every flow's work until the queue is empty (waiting items included); returns the dead
/// letters.
async fn drain(p: &Pair) -> Vec<DeadLetter> {
    let mut options = WorkerOptions::new(ferry_core::RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(60),
        max_delay: Duration::from_millis(300),
    });
    options.batch_size = 200;
    let worker = Worker::new(
        p.store.clone() as Arc<dyn Store>,
        p.flows.handlers(),
        options,
    );
    let started = Instant::now();
    loop {
        let leased = worker.run_once().await.unwrap();
        if leased == 0 {
            let stats = p.store.stats(None).await.unwrap();
            let open: i64 = stats
                .iter()
                .map(|s| s.pending + s.retrying + s.in_flight)
                .sum();
            if open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the queue did not drain"
        );
    }
    p.store
        .list_dead(&DeadLetterFilter::default(), 1000)
        .await
        .unwrap()
}

fn describe(dead: &[DeadLetter]) -> Vec<String> {
    dead.iter()
        .map(|d| {
            format!(
                "{} {}: {} {}",
                d.flow, d.record_id, d.error_code, d.error_message
            )
        })
        .collect()
}

async fn bp_create(p: &Pair, path: &str, body: Value) -> u64 {
    p.bp_client
        .write::<u64>(Method::POST, path, &body, false)
        .await
        .unwrap_or_else(|e| panic!("POST {path} {body}: {e}"))
        .expect("an id")
}

async fn bp_send(p: &Pair, method: Method, path: &str, body: Value) {
    p.bp_client
        .write::<Value>(method, path, &body, false)
        .await
        .unwrap_or_else(|e| panic!("{path} {body}: {e}"));
}

async fn sf_create(p: &Pair, object: &str, body: Value) -> String {
    let call = p
        .sf_client
        .call(Method::POST, &format!("sobjects/{object}"))
        .json(&body)
        .unwrap();
    let reply = p
        .sf_client
        .send(&call)
        .await
        .unwrap_or_else(|e| panic!("create {object} {body}: {e}"));
    let value: Value = serde_json::from_slice(&reply.body).unwrap();
    value["id"].as_str().expect("an id").to_string()
}

async fn sf_patch(p: &Pair, object: &str, id: &str, body: Value) {
    let call = p
        .sf_client
        .call(Method::PATCH, &format!("sobjects/{object}/{id}"))
        .json(&body)
        .unwrap();
    p.sf_client
        .send(&call)
        .await
        .unwrap_or_else(|e| panic!("patch {object} {id} {body}: {e}"));
}

async fn one(p: &Pair, soql: &str) -> Value {
    let rows = p.soql(soql).await;
    assert_eq!(rows.len(), 1, "{soql}: {rows:#?}");
    rows[0].clone()
}

/// A new Brightpearl customer with a clean name, email and address.
async fn new_customer(p: &Pair) -> u64 {
    let n = unique();
    let target = BrightpearlTarget::new(p.bp_client.clone());
    let write = Write {
        id: None,
        upsert_key: None,
        fields: json!({
            "firstName": "Ada", "lastName": format!("Orderly{n}"),
            "email": format!("ada.orderly{n}@example.com"),
            "addressLine1": "1 Quay Street", "addressLine3": "Bristol",
            "postalCode": "BS1 4DJ", "countryIsoCode": "GBR"
        })
        .as_object()
        .unwrap()
        .clone(),
        marker: None,
    };
    let id = target.write("contact", &[write]).await.remove(0).unwrap();
    id.parse().unwrap()
}

/// Two stock-tracked, priced products with stock in one warehouse: (warehouse, a, b).
async fn stocked_products(p: &Pair) -> (u64, u64, u64) {
    let availability = BrightpearlSource::new(p.bp_client.clone(), "product-availability").unwrap();
    let rows = availability.scan(None, 300, &[]).await.unwrap();
    let products = BrightpearlSource::new(p.bp_client.clone(), "product").unwrap();
    let mut by_warehouse: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in &rows {
        if let Some(houses) = row.data["warehouses"].as_object() {
            for (house, q) in houses {
                if q["onHand"].as_i64().unwrap_or(0) >= 20 {
                    by_warehouse
                        .entry(house.clone())
                        .or_default()
                        .push(row.id.clone());
                }
            }
        }
    }
    for (house, ids) in by_warehouse {
        let read = products.read(&ids, &[]).await.unwrap();
        let good: Vec<u64> = read
            .iter()
            .filter(|r| {
                r.data["sku"].is_string()
                    && r.data["active"] == json!(true)
                    && r.data["prices"]
                        .as_array()
                        .is_some_and(|l| l.iter().any(|x| x["code"] == json!("RETAIL")))
            })
            .map(|r| r.id.parse().unwrap())
            .collect();
        if good.len() >= 2 {
            return (house.parse().unwrap(), good[0], good[1]);
        }
    }
    panic!("two stocked, priced products in one warehouse")
}

/// A sales order (status "New web order") of `rows` = (product, quantity, net).
async fn place_order(
    p: &Pair,
    customer: u64,
    warehouse: u64,
    currency: &str,
    rows: &[(u64, &str, &str)],
) -> u64 {
    let rows: Vec<Value> = rows
        .iter()
        .map(|(product, quantity, net)| {
            json!({"productId": product, "quantity": quantity, "taxCode": "T", "net": net,
                   "tax": "0.00"})
        })
        .collect();
    bp_create(
        p,
        "/order-service/sales-order",
        json!({"customer": {"id": customer}, "statusId": 2, "warehouseId": warehouse,
               "ref": format!("WEB-{}", unique()), "currency": {"code": currency},
               "delivery": {"address": {"addressFullName": "Ada Orderly",
                   "addressLine1": "1 Quay Street", "addressLine3": "Bristol",
                   "postalCode": "BS1 4DJ", "countryIsoCode": "GB"}},
               "rows": rows}),
    )
    .await
}

async fn set_status(p: &Pair, order: u64, status: u64) {
    bp_send(
        p,
        Method::PUT,
        &format!("/order-service/order/{order}/status"),
        json!({"orderStatusId": status}),
    )
    .await;
}

async fn sf_order(p: &Pair, order: u64) -> Value {
    one(
        p,
        &format!(
            "SELECT Id, Status, StatusCode, AccountId, OpportunityId, TotalAmount, Currency__c, \
             BrightpearlStatus__c, ShippingCity, TrackingNumber__c, Carrier__c, ShippedDate__c, \
             FulfillmentStatus__c FROM Order WHERE ExternalID__c = '{order}'"
        ),
    )
    .await
}

async fn sf_items(p: &Pair, order_id: &str) -> Vec<Value> {
    p.soql(&format!(
        "SELECT Id, Quantity, UnitPrice, ExternalID__c, Product2Id FROM OrderItem \
         WHERE OrderId = '{order_id}' ORDER BY ExternalID__c"
    ))
    .await
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        Value::String(s) => Decimal::from_str(s).unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// An e-commerce order whose customer and products are not in Salesforce yet: it waits,
/// the customer and product flows are asked for them, then the Order arrives with its items,
/// activated; duplicate events change nothing; its status follows Brightpearl; a cancelled
/// order is cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_order_waits_for_its_customer_and_products_then_arrives_activated() {
    let p = pair().await;
    let customer = new_customer(&p).await;
    let (warehouse, a, b) = stocked_products(&p).await;
    let order = place_order(
        &p,
        customer,
        warehouse,
        "GBP",
        &[(a, "2", "20.00"), (b, "1", "15.50")],
    )
    .await;

    // Run directly first: it waits, visibly, with the reason.
    let outcome = p
        .flow("orders_to_salesforce")
        .sync_ids(&[order.to_string()])
        .await;
    let failure = outcome[0].result.as_ref().expect_err("it waits");
    assert_eq!(failure.code, "DEPENDENCY_MISSING", "{failure:?}");
    assert!(
        failure.message.contains("customer") && failure.message.contains("customers_to_salesforce"),
        "{}",
        failure.message
    );

    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));

    let sf = sf_order(&p, order).await;
    assert_eq!(sf["Status"], json!("Activated"), "{sf}");
    assert_eq!(sf["BrightpearlStatus__c"], json!("New web order"));
    assert_eq!(sf["Currency__c"], json!("GBP"));
    assert_eq!(sf["ShippingCity"], json!("Bristol"));
    assert_eq!(dec(&sf["TotalAmount"]), Decimal::from_str("35.50").unwrap());
    let contact = one(
        &p,
        &format!("SELECT AccountId FROM Contact WHERE ExternalID__c = '{customer}'"),
    )
    .await;
    assert_eq!(sf["AccountId"], contact["AccountId"]);
    let items = sf_items(&p, sf["Id"].as_str().unwrap()).await;
    assert_eq!(items.len(), 2, "{items:#?}");
    let prices: Vec<Decimal> = items.iter().map(|i| dec(&i["UnitPrice"])).collect();
    assert!(
        prices.contains(&Decimal::from_str("10.00").unwrap()),
        "{prices:?}"
    );
    assert!(
        prices.contains(&Decimal::from_str("15.50").unwrap()),
        "{prices:?}"
    );

    // Duplicate events: nothing new.
    notify(
        &p,
        "orders_to_salesforce",
        &[order.to_string(), order.to_string()],
    )
    .await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let again = p
        .flow("orders_to_salesforce")
        .sync_ids(&[order.to_string()])
        .await;
    assert!(
        matches!(
            again[0].result,
            Ok(ferry_engine::flows::runtime::Change::Unchanged)
        ),
        "{again:?}"
    );
    assert_eq!(
        p.soql(&format!(
            "SELECT Id FROM Order WHERE ExternalID__c = '{order}'"
        ))
        .await
        .len(),
        1
    );
    assert_eq!(sf_items(&p, sf["Id"].as_str().unwrap()).await.len(), 2);

    // The status follows Brightpearl.
    set_status(&p, order, 14).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let sf = sf_order(&p, order).await;
    assert_eq!(sf["BrightpearlStatus__c"], json!("On hold"));
    assert_eq!(sf["Status"], json!("Activated"));

    // A cancelled order is cancelled in Salesforce.
    set_status(&p, order, 5).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    assert_eq!(sf_order(&p, order).await["Status"], json!("Cancelled"));

    // Reconciliation agrees.
    let drift = p.drift("orders_to_salesforce").await;
    assert!(
        drift.iter().all(|d| d.record != order.to_string()),
        "{drift:#?}"
    );
}

/// Salesforce locks an activated Order: Brightpearl's later change of the delivery address and a
/// new row are left out (no failure, no dead letter, no drift reported), while its status keeps
/// following Brightpearl.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activated_order_is_locked_but_its_status_still_follows() {
    let p = pair().await;
    let customer = new_customer(&p).await;
    let (warehouse, a, b) = stocked_products(&p).await;
    let order = place_order(&p, customer, warehouse, "GBP", &[(a, "1", "12.00")]).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let before = sf_order(&p, order).await;
    assert_eq!(before["StatusCode"], json!("Activated"));

    bp_send(
        &p,
        Method::PATCH,
        &format!("/order-service/order/{order}"),
        json!([{"op": "replace", "path": "/parties/delivery/addressLine3", "value": "Leeds"}]),
    )
    .await;
    bp_create(
        &p,
        &format!("/order-service/order/{order}/row"),
        json!({"productId": b, "quantity": {"magnitude": 1},
               "rowValue": {"taxCode": "T", "rowNet": {"value": 5}, "rowTax": {"value": 0}}}),
    )
    .await;
    set_status(&p, order, 4).await;
    let bp = BrightpearlSource::new(p.bp_client.clone(), "sales-order")
        .unwrap()
        .read(&[order.to_string()], &[])
        .await
        .unwrap();
    assert_eq!(bp[0].data["delivery"]["addressLine3"], json!("Leeds"));
    assert_eq!(bp[0].data["rows"].as_array().unwrap().len(), 2);
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let after = sf_order(&p, order).await;
    assert_eq!(
        after["ShippingCity"],
        json!("Bristol"),
        "locked: left as it was"
    );
    assert_eq!(after["BrightpearlStatus__c"], json!("Invoiced"));
    assert_eq!(sf_items(&p, after["Id"].as_str().unwrap()).await.len(), 1);
    let drift = p.drift("orders_to_salesforce").await;
    assert!(
        drift.iter().all(|d| d.record != order.to_string()),
        "{drift:#?}"
    );
}

/// Two goods-out notes ship an order in two parts: after the first, the Order has its tracking
/// number and is Partially Fulfilled; after the second, both tracking numbers and Fulfilled.
/// The first note's event arriving again, late, changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_shipments_add_up_on_the_order() {
    let p = pair().await;
    let customer = new_customer(&p).await;
    let (warehouse, a, b) = stocked_products(&p).await;
    let order = place_order(
        &p,
        customer,
        warehouse,
        "GBP",
        &[(a, "1", "10.00"), (b, "1", "11.00")],
    )
    .await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());

    let rows = {
        let orders = p.bp_client.orders(&IdSet::from_ids([order])).await.unwrap();
        let mut rows: Vec<(u64, u64, u64)> = orders[0]
            .order_rows
            .iter()
            .map(|(id, r)| (r.order_row_sequence.parse().unwrap_or(0), *id, r.product_id))
            .collect();
        rows.sort();
        rows
    };
    let path = format!("/warehouse-service/order/{order}/goods-note/goods-out");
    let ship = |row: (u64, u64, u64), tracking: &'static str| {
        let p = &p;
        let path = path.clone();
        async move {
            let note = bp_create(
                p,
                &path,
                json!({"warehouses": [{"warehouseId": warehouse, "products": [
                    {"productId": row.2, "salesOrderRowId": row.1, "quantity": 1}]}],
                    "shippingMethodId": 2}),
            )
            .await;
            bp_send(
                p,
                Method::PUT,
                &format!("/warehouse-service/goods-note/goods-out/{note}"),
                json!({"shipping": {"reference": tracking}}),
            )
            .await;
            bp_send(
                p,
                Method::POST,
                &format!("/warehouse-service/goods-note/goods-out/{note}/event"),
                json!({"events": [{"eventCode": "SHW", "occured": Timestamp::now().to_string(),
                                   "eventOwnerId": 4}]}),
            )
            .await;
            note
        }
    };
    let first = ship(rows[0], "TRK-ONE").await;
    notify(&p, "shipments_to_salesforce", &[first.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let sf = sf_order(&p, order).await;
    assert_eq!(sf["TrackingNumber__c"], json!("TRK-ONE"));
    assert_eq!(sf["FulfillmentStatus__c"], json!("Partially Shipped"));
    assert_eq!(sf["Status"], json!("Partially Fulfilled"));
    assert!(sf["ShippedDate__c"].is_string());

    let second = ship(rows[1], "TRK-TWO").await;
    notify(&p, "shipments_to_salesforce", &[second.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    // The first note's event again, late.
    notify(&p, "shipments_to_salesforce", &[first.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let sf = sf_order(&p, order).await;
    assert_eq!(sf["TrackingNumber__c"], json!("TRK-ONE, TRK-TWO"));
    assert_eq!(sf["FulfillmentStatus__c"], json!("Shipped"));
    assert_eq!(sf["Status"], json!("Fulfilled"));
    let drift = p.drift("shipments_to_salesforce").await;
    let ours = [first.to_string(), second.to_string()];
    assert!(
        drift.iter().all(|d| !ours.contains(&d.record)),
        "{drift:#?}"
    );
}

/// Lead-to-order: a Closed Won Opportunity becomes one Brightpearl order (its customer made in
/// Brightpearl first, through the customer flow), with the order id and reference written
/// back; a retry — even from a store that lost its links, as after a crash between the create
/// and the link — finds the same order; an Opportunity with a product Brightpearl lacks is held
/// with the SKU named, and the reason shows on the Opportunity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_won_opportunity_becomes_exactly_one_brightpearl_order() {
    let p = pair().await;
    let (_, a, b) = stocked_products(&p).await;
    // The products in Salesforce, as the products flow makes them.
    let made = p
        .flow("products_to_salesforce")
        .sync_ids(&[a.to_string(), b.to_string()])
        .await;
    assert!(made.iter().all(|o| o.result.is_ok()), "{made:?}");
    let entries = p
        .soql(&format!(
            "SELECT Id, Product2Id, Product2.ProductCode, UnitPrice FROM PricebookEntry \
             WHERE Product2.ExternalID__c IN ('{a}', '{b}') AND Pricebook2.IsStandard = true"
        ))
        .await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let standard = one(&p, "SELECT Id FROM Pricebook2 WHERE IsStandard = true").await;

    let n = unique();
    let account = sf_create(
        &p,
        "Account",
        json!({"Name": format!("Summit Outfitters {n}"), "ShippingStreet": "12 Harbour Road",
               "ShippingCity": "Plymouth", "ShippingPostalCode": "PL1 2AB",
               "ShippingCountry": "United Kingdom"}),
    )
    .await;
    sf_create(
        &p,
        "Contact",
        json!({"AccountId": account, "FirstName": "Grace", "LastName": format!("Buyer{n}"),
               "Email": format!("grace.buyer{n}@example.com")}),
    )
    .await;
    let opportunity = sf_create(
        &p,
        "Opportunity",
        json!({"AccountId": account, "Name": format!("Spring restock {n}"),
               "StageName": "Negotiation/Review", "CloseDate": "2026-11-20",
               "Pricebook2Id": standard["Id"]}),
    )
    .await;
    for (entry, quantity, price) in [(&entries[0], 3, "19.99"), (&entries[1], 2, "7.25")] {
        sf_create(
            &p,
            "OpportunityLineItem",
            json!({"OpportunityId": opportunity, "PricebookEntryId": entry["Id"],
                   "Quantity": quantity, "UnitPrice": price}),
        )
        .await;
    }
    // Not won yet: nothing happens.
    notify(
        &p,
        "opportunities_to_brightpearl",
        std::slice::from_ref(&opportunity),
    )
    .await;
    assert!(drain(&p).await.is_empty());
    let marker = format!("ferry:opportunity:{opportunity}");
    // Orders carrying Ferry's marker for this Opportunity (the adapter's own lookup: a marker
    // longer than Brightpearl's reference field is stored in its hash form).
    let orders_with_marker = |p: &Pair| {
        let target = BrightpearlTarget::new(p.bp_client.clone());
        let marker = marker.clone();
        async move {
            target
                .find(
                    "sales-order",
                    &["externalRef".to_string()],
                    &[vec![json!(marker)]],
                    &[],
                )
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(orders_with_marker(&p).await, 0);

    sf_patch(
        &p,
        "Opportunity",
        &opportunity,
        json!({"StageName": "Closed Won"}),
    )
    .await;
    notify(
        &p,
        "opportunities_to_brightpearl",
        std::slice::from_ref(&opportunity),
    )
    .await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let opp = one(
        &p,
        &format!(
            "SELECT BrightpearlOrderId__c, BrightpearlOrderRef__c, FerrySyncedAt__c, FerryError__c \
             FROM Opportunity WHERE Id = '{opportunity}'"
        ),
    )
    .await;
    let order_id: u64 = opp["BrightpearlOrderId__c"]
        .as_str()
        .expect("the order id is written back")
        .parse()
        .unwrap();
    assert_eq!(
        opp["BrightpearlOrderRef__c"],
        json!(format!("Spring restock {n}"))
    );
    assert!(opp["FerrySyncedAt__c"].is_string(), "{opp}");
    assert!(opp["FerryError__c"].is_null(), "{opp}");
    assert_eq!(orders_with_marker(&p).await, 1);

    let read = BrightpearlSource::new(p.bp_client.clone(), "sales-order").unwrap();
    let bp = read.read(&[order_id.to_string()], &[]).await.unwrap();
    let bp = &bp[0].data;
    let rows = bp["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{bp:#}");
    let nets: Vec<Decimal> = rows.iter().map(|r| dec(&r["net"])).collect();
    assert!(
        nets.contains(&Decimal::from_str("59.97").unwrap()),
        "{nets:?}"
    );
    assert!(
        nets.contains(&Decimal::from_str("14.5").unwrap()),
        "{nets:?}"
    );
    assert_eq!(
        bp["delivery"]["addressLine1"],
        json!("12 Harbour Road"),
        "{bp:#}"
    );
    assert_eq!(bp["delivery"]["addressLine3"], json!("Plymouth"));
    assert_eq!(bp["delivery"]["postalCode"], json!("PL1 2AB"));
    assert_eq!(bp["delivery"]["countryIsoCode2"], json!("GB"));
    let products: Vec<u64> = rows
        .iter()
        .map(|r| r["productId"].as_u64().unwrap())
        .collect();
    assert!(products.contains(&a) && products.contains(&b));
    // The customer: the Account's Contact, made in Brightpearl by the customer flow.
    let contact = one(
        &p,
        &format!("SELECT ExternalID__c FROM Contact WHERE AccountId = '{account}'"),
    )
    .await;
    assert_eq!(
        bp["customerId"].to_string(),
        contact["ExternalID__c"].as_str().unwrap()
    );

    // Events again: still one order.
    notify(
        &p,
        "opportunities_to_brightpearl",
        &[opportunity.clone(), opportunity.clone()],
    )
    .await;
    assert!(drain(&p).await.is_empty());
    assert_eq!(orders_with_marker(&p).await, 1);

    // A crash after the create, before the link and the write-back: the store holds the intent
    // Ferry records before every create but no link, and the Opportunity no order id. The retry
    // looks the marker up and finds the order made the first time.
    let (store, _dir) = ferry_store::testing::fresh_sqlite_store().await;
    store
        .apply_effects(&[ferry_store::NewEffect {
            tenant: ferry_core::TenantId::default_tenant(),
            key: format!("create:{marker}"),
            flow: ferry_core::FlowName::new("opportunities_to_brightpearl").unwrap(),
            record_id: opportunity.clone(),
            detail: json!({}),
        }])
        .await
        .unwrap();
    let adapters = adapters_of(&p);
    let crashed = ferry_engine::flows::runtime::FlowSet::build(
        common::default_specs(),
        &adapters,
        store.clone() as Arc<dyn Store>,
        ferry_core::TenantId::default_tenant(),
    )
    .unwrap();
    sf_patch(
        &p,
        "Opportunity",
        &opportunity,
        json!({"BrightpearlOrderId__c": null}),
    )
    .await;
    let retried = crashed
        .get("opportunities_to_brightpearl")
        .unwrap()
        .sync_ids(std::slice::from_ref(&opportunity))
        .await;
    assert!(
        matches!(
            retried[0].result,
            Ok(ferry_engine::flows::runtime::Change::Created)
        ),
        "{retried:?}"
    );
    assert_eq!(orders_with_marker(&p).await, 1, "no second order");
    let again = one(
        &p,
        &format!("SELECT BrightpearlOrderId__c FROM Opportunity WHERE Id = '{opportunity}'"),
    )
    .await;
    assert_eq!(again["BrightpearlOrderId__c"], json!(order_id.to_string()));

    // A store restored from a backup older than the order (no link, no intent): the
    // Opportunity shows its order id, so it is not ordered again.
    let (restored_store, _dir2) = ferry_store::testing::fresh_sqlite_store().await;
    let restored = ferry_engine::flows::runtime::FlowSet::build(
        common::default_specs(),
        &adapters,
        restored_store as Arc<dyn Store>,
        ferry_core::TenantId::default_tenant(),
    )
    .unwrap();
    let skipped = restored
        .get("opportunities_to_brightpearl")
        .unwrap()
        .sync_ids(std::slice::from_ref(&opportunity))
        .await;
    assert!(
        matches!(
            skipped[0].result,
            Ok(ferry_engine::flows::runtime::Change::Skipped(_))
        ),
        "{skipped:?}"
    );
    assert_eq!(orders_with_marker(&p).await, 1, "no second order");

    // The Brightpearl order comes back as a Salesforce Order of this Opportunity, and its status
    // shows on the Opportunity.
    notify(&p, "orders_to_salesforce", &[order_id.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let sf = sf_order(&p, order_id).await;
    assert_eq!(sf["OpportunityId"], json!(opportunity));
    let opp = one(
        &p,
        &format!("SELECT BrightpearlOrderStatus__c FROM Opportunity WHERE Id = '{opportunity}'"),
    )
    .await;
    assert!(opp["BrightpearlOrderStatus__c"].is_string(), "{opp}");

    // A product Brightpearl does not have: held for review, the SKU named, shown on the
    // Opportunity; no order.
    let stray = sf_create(
        &p,
        "Product2",
        json!({"Name": "Prototype tent", "ProductCode": format!("PROTO-{n}"), "IsActive": true}),
    )
    .await;
    let stray_entry = sf_create(
        &p,
        "PricebookEntry",
        json!({"Pricebook2Id": standard["Id"], "Product2Id": stray, "UnitPrice": "300",
               "IsActive": true}),
    )
    .await;
    let held = sf_create(
        &p,
        "Opportunity",
        json!({"AccountId": account, "Name": format!("Prototype deal {n}"),
               "StageName": "Negotiation/Review", "CloseDate": "2026-11-21",
               "Pricebook2Id": standard["Id"]}),
    )
    .await;
    sf_create(
        &p,
        "OpportunityLineItem",
        json!({"OpportunityId": held, "PricebookEntryId": stray_entry, "Quantity": 1,
               "UnitPrice": "300"}),
    )
    .await;
    sf_patch(&p, "Opportunity", &held, json!({"StageName": "Closed Won"})).await;
    notify(
        &p,
        "opportunities_to_brightpearl",
        std::slice::from_ref(&held),
    )
    .await;
    let dead = drain(&p).await;
    assert_eq!(dead.len(), 1, "{:#?}", describe(&dead));
    assert_eq!(dead[0].error_code, "LOOKUP_MISSING");
    assert!(
        dead[0].error_message.contains(&format!("PROTO-{n}")),
        "{}",
        dead[0].error_message
    );
    let shown = one(
        &p,
        &format!(
            "SELECT FerryError__c, BrightpearlOrderId__c FROM Opportunity WHERE Id = '{held}'"
        ),
    )
    .await;
    assert!(
        shown["FerryError__c"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("PROTO-{n}"))),
        "{shown}"
    );
    assert!(shown["BrightpearlOrderId__c"].is_null());
}

/// Payments both ways and across currencies: an order in euros reaches Salesforce in euros; a
/// Salesforce payment in pounds is posted to Brightpearl once, converted with Brightpearl's
/// rates to the cent, and not copied back; a receipt taken in Brightpearl becomes a Payment__c
/// on the Order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_cross_both_ways_converted_exactly_and_only_once() {
    let p = pair().await;
    let customer = new_customer(&p).await;
    let (warehouse, a, _) = stocked_products(&p).await;
    let order = place_order(&p, customer, warehouse, "EUR", &[(a, "3", "41.10")]).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let sf = sf_order(&p, order).await;
    assert_eq!(sf["Currency__c"], json!("EUR"));
    assert_eq!(dec(&sf["TotalAmount"]), Decimal::from_str("41.10").unwrap());

    let since = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let payment = sf_create(
        &p,
        "Payment__c",
        json!({"Order__c": sf["Id"], "Account__c": sf["AccountId"], "Amount__c": "25.00",
               "Currency__c": "GBP", "Method__c": "Card", "Status__c": "Captured",
               "PaymentDate__c": "2026-11-27"}),
    )
    .await;
    notify(
        &p,
        "payments_to_brightpearl",
        std::slice::from_ref(&payment),
    )
    .await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    notify(
        &p,
        "payments_to_brightpearl",
        std::slice::from_ref(&payment),
    )
    .await;
    assert!(drain(&p).await.is_empty());

    let payments: Value = p
        .bp_client
        .get(&format!(
            "/accounting-service/customer-payment-search?orderId={order}\
             &columns=paymentId,amountPaid,currencyCode,paymentType,transactionRef"
        ))
        .await
        .unwrap();
    let results = payments["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "posted once: {payments:#}");
    let cols: Vec<String> = payments["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    let cell = |name: &str| results[0][cols.iter().position(|c| c == name).unwrap()].clone();
    // The expected amount from Brightpearl's own rates: 25.00 ÷ rate(GBP) × rate(EUR).
    let rates = BrightpearlSource::new(p.bp_client.clone(), "sales-order")
        .unwrap()
        .reference()
        .await
        .unwrap();
    let rate = |code: &str| dec(&rates["rates"][code]);
    let expected = (Decimal::from_str("25.00").unwrap() * rate("EUR") / rate("GBP"))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(dec(&cell("amountPaid")), expected);
    assert_eq!(cell("currencyCode"), json!("EUR"));
    assert_eq!(cell("paymentType"), json!("RECEIPT"));
    let written = one(
        &p,
        &format!("SELECT BrightpearlPaymentId__c FROM Payment__c WHERE Id = '{payment}'"),
    )
    .await;
    assert_eq!(
        written["BrightpearlPaymentId__c"].as_str().unwrap(),
        cell("paymentId").to_string()
    );

    // Brightpearl's payments come to Salesforce: the one Ferry posted is not copied back; a
    // receipt taken in Brightpearl is.
    bp_create(
        &p,
        "/accounting-service/customer-payment",
        json!({"transactionRef": format!("SHOP-{}", unique()), "paymentMethodCode": "CARD",
               "paymentType": "RECEIPT", "orderId": order, "currencyIsoCode": "EUR",
               "amountPaid": "16.10", "paymentDate": "2026-11-27T10:00:00Z"}),
    )
    .await;
    let source = p.flow("payments_to_salesforce").source().clone();
    let changed: Vec<String> = source
        .changed_since(since)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let ids: Vec<String> = source
        .read(&changed, &[])
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.data["orderId"] == json!(order))
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 2, "{changed:?}");
    notify(&p, "payments_to_salesforce", &ids).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let in_sf = p
        .soql(&format!(
            "SELECT Amount__c, Currency__c, Status__c, Order__c FROM Payment__c \
             WHERE Order__c = '{}' ORDER BY Amount__c",
            sf["Id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        in_sf.len(),
        2,
        "the Salesforce payment and the Brightpearl receipt: {in_sf:#?}"
    );
    assert_eq!(
        dec(&in_sf[0]["Amount__c"]),
        Decimal::from_str("16.10").unwrap()
    );
    assert_eq!(in_sf[0]["Currency__c"], json!("EUR"));
    assert_eq!(in_sf[0]["Status__c"], json!("Captured"));
}

/// Returns and credits both ways: a Brightpearl credit opens a return Case and a Credit__c
/// record linked to the Order and Account, and its refund becomes a Refunded Payment__c linked
/// to the credit; a Case approved as a return in Salesforce makes one Brightpearl credit against
/// the order, and that credit's record links to the same Case instead of opening another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credits_and_returns_link_cases_orders_and_refunds() {
    let p = pair().await;
    let customer = new_customer(&p).await;
    let (warehouse, a, b) = stocked_products(&p).await;
    let order = place_order(
        &p,
        customer,
        warehouse,
        "GBP",
        &[(a, "1", "30.00"), (b, "2", "8.00")],
    )
    .await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let sf = sf_order(&p, order).await;

    // Brightpearl → Salesforce.
    let credit = bp_create(
        &p,
        "/order-service/sales-credit",
        json!({"customer": {"id": customer}, "parentId": order, "ref": "RMA-1",
               "currency": {"code": "GBP"},
               "rows": [{"productId": a, "quantity": "1", "taxCode": "T", "net": "30.00",
                         "tax": "0.00"}]}),
    )
    .await;
    notify(&p, "credits_to_salesforce", &[credit.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let case = one(
        &p,
        &format!(
            "SELECT Id, Type, AccountId, Order__c FROM Case WHERE ExternalID__c = 'bp-credit-{credit}'"
        ),
    )
    .await;
    assert_eq!(case["Type"], json!("Return"));
    assert_eq!(case["Order__c"], sf["Id"]);
    assert_eq!(case["AccountId"], sf["AccountId"]);
    let record = one(
        &p,
        &format!(
            "SELECT Id, Amount__c, Case__c, Order__c, Account__c FROM Credit__c \
             WHERE ExternalID__c = 'bp-credit-{credit}'"
        ),
    )
    .await;
    assert_eq!(
        dec(&record["Amount__c"]),
        Decimal::from_str("30.00").unwrap()
    );
    assert_eq!(record["Case__c"], case["Id"]);
    assert_eq!(record["Order__c"], sf["Id"]);

    let refund = bp_create(
        &p,
        "/accounting-service/customer-payment",
        json!({"transactionRef": format!("REFUND-{}", unique()), "paymentMethodCode": "CARD",
               "paymentType": "PAYMENT", "orderId": credit, "currencyIsoCode": "GBP",
               "amountPaid": "30.00", "paymentDate": "2026-11-27T10:00:00Z"}),
    )
    .await;
    notify(&p, "payments_to_salesforce", &[refund.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let refunded = one(
        &p,
        &format!("SELECT Status__c, Credit__c, Order__c FROM Payment__c WHERE ExternalID__c = 'bp-pay-{refund}'"),
    )
    .await;
    assert_eq!(refunded["Status__c"], json!("Refunded"));
    assert_eq!(refunded["Credit__c"], record["Id"]);
    assert_eq!(refunded["Order__c"], sf["Id"]);

    // Salesforce → Brightpearl: an approved return.
    let other = place_order(&p, customer, warehouse, "GBP", &[(b, "1", "9.00")]).await;
    notify(&p, "orders_to_salesforce", &[other.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let other_sf = sf_order(&p, other).await;
    let asked = sf_create(
        &p,
        "Case",
        json!({"Subject": "Wrong size", "Type": "Return", "Reason": "Wrong Item",
               "AccountId": other_sf["AccountId"], "Order__c": other_sf["Id"]}),
    )
    .await;
    notify(&p, "returns_to_brightpearl", std::slice::from_ref(&asked)).await;
    assert!(drain(&p).await.is_empty());
    let not_yet = one(
        &p,
        &format!("SELECT BrightpearlCreditId__c FROM Case WHERE Id = '{asked}'"),
    )
    .await;
    assert!(
        not_yet["BrightpearlCreditId__c"].is_null(),
        "not approved yet"
    );
    sf_patch(&p, "Case", &asked, json!({"ReturnApproved__c": true})).await;
    notify(
        &p,
        "returns_to_brightpearl",
        &[asked.clone(), asked.clone()],
    )
    .await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let approved = one(
        &p,
        &format!("SELECT BrightpearlCreditId__c, FerryError__c FROM Case WHERE Id = '{asked}'"),
    )
    .await;
    let made: u64 = approved["BrightpearlCreditId__c"]
        .as_str()
        .expect("the credit id is written back")
        .parse()
        .unwrap();
    let credits = BrightpearlSource::new(p.bp_client.clone(), "sales-credit").unwrap();
    let made_row = credits.read(&[made.to_string()], &[]).await.unwrap();
    assert_eq!(made_row[0].data["parentOrderId"], json!(other));
    assert_eq!(
        dec(&made_row[0].data["totals"]["net"]),
        Decimal::from_str("9").unwrap()
    );
    notify(&p, "credits_to_salesforce", &[made.to_string()]).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    assert_eq!(
        p.soql(&format!(
            "SELECT Id FROM Case WHERE Order__c = '{}'",
            other_sf["Id"].as_str().unwrap()
        ))
        .await
        .len(),
        1,
        "no second Case"
    );
    let linked = one(
        &p,
        &format!("SELECT Case__c FROM Credit__c WHERE ExternalID__c = 'bp-credit-{made}'"),
    )
    .await;
    assert_eq!(linked["Case__c"], json!(asked));
    let ours = [credit.to_string(), made.to_string(), asked.clone()];
    for flow in ["credits_to_salesforce", "returns_to_brightpearl"] {
        let drift = p.drift(flow).await;
        assert!(
            drift.iter().all(|d| !ours.contains(&d.record)),
            "{flow}: {drift:#?}"
        );
    }
}

/// An order whose customer the customer flow holds (a rule refuses its email) does not wait in
/// vain or ask again and again: it is held too (`DEPENDENCY_HELD`), naming where its customer
/// is held and what to do; the customer has one dead letter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_of_a_held_customer_says_where_its_customer_is_held() {
    let p = pair().await;
    let n = unique();
    let target = BrightpearlTarget::new(p.bp_client.clone());
    let write = Write {
        id: None,
        upsert_key: None,
        fields: json!({"firstName": "Bad", "lastName": format!("Email{n}"),
                       "email": format!(".bad{n}@example.com")})
        .as_object()
        .unwrap()
        .clone(),
        marker: None,
    };
    let customer: u64 = target
        .write("contact", &[write])
        .await
        .remove(0)
        .unwrap()
        .parse()
        .unwrap();
    let (warehouse, a, _) = stocked_products(&p).await;
    let order = place_order(&p, customer, warehouse, "GBP", &[(a, "1", "5.00")]).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    let dead = drain(&p).await;
    let of = |flow: &str| -> Vec<&DeadLetter> {
        dead.iter().filter(|d| d.flow.as_str() == flow).collect()
    };
    let held = of("customers_to_salesforce");
    assert_eq!(held.len(), 1, "{:#?}", describe(&dead));
    assert_eq!(held[0].record_id, customer.to_string());
    let waiting = of("orders_to_salesforce");
    assert_eq!(waiting.len(), 1, "{:#?}", describe(&dead));
    assert_eq!(waiting[0].error_code, "DEPENDENCY_HELD");
    assert!(
        waiting[0]
            .error_message
            .contains("customers_to_salesforce holds it as a dead letter"),
        "{}",
        waiting[0].error_message
    );
    assert!(
        p.soql(&format!(
            "SELECT Id FROM Order WHERE ExternalID__c = '{order}'"
        ))
        .await
        .is_empty(),
        "never written half-way"
    );
}

/// The alternative lead-to-order trigger (off by default): an Order built and activated in
/// Salesforce becomes one Brightpearl order, whose id becomes the Order's key, so that the
/// orders flow then keeps that same Order in step instead of making another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activated_salesforce_order_becomes_one_brightpearl_order_when_enabled() {
    let mut p = pair().await;
    with_flows(&mut p, |spec| {
        if spec.name == "activated_orders_to_brightpearl" {
            spec.enabled = true;
        }
    });
    let (_, a, _) = stocked_products(&p).await;
    let made = p
        .flow("products_to_salesforce")
        .sync_ids(&[a.to_string()])
        .await;
    assert!(made.iter().all(|o| o.result.is_ok()), "{made:?}");
    let entry = one(
        &p,
        &format!(
            "SELECT Id, Pricebook2Id FROM PricebookEntry WHERE Product2.ExternalID__c = '{a}' \
             AND Pricebook2.IsStandard = true"
        ),
    )
    .await;
    let n = unique();
    let account = sf_create(&p, "Account", json!({"Name": format!("Fjord Supply {n}")})).await;
    sf_create(
        &p,
        "Contact",
        json!({"AccountId": account, "LastName": format!("Rep{n}"),
               "Email": format!("rep{n}@example.com")}),
    )
    .await;
    let order = sf_create(
        &p,
        "Order",
        json!({"AccountId": account, "EffectiveDate": "2026-11-27", "Status": "Draft",
               "Pricebook2Id": entry["Pricebook2Id"]}),
    )
    .await;
    sf_create(
        &p,
        "OrderItem",
        json!({"OrderId": order, "PricebookEntryId": entry["Id"], "Quantity": 4,
               "UnitPrice": "12.50"}),
    )
    .await;
    // Draft: nothing happens.
    notify(
        &p,
        "activated_orders_to_brightpearl",
        std::slice::from_ref(&order),
    )
    .await;
    assert!(drain(&p).await.is_empty());
    sf_patch(&p, "Order", &order, json!({"Status": "Activated"})).await;
    notify(
        &p,
        "activated_orders_to_brightpearl",
        std::slice::from_ref(&order),
    )
    .await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let keyed = one(
        &p,
        &format!("SELECT ExternalID__c, FerryError__c FROM Order WHERE Id = '{order}'"),
    )
    .await;
    let bp_id = keyed["ExternalID__c"]
        .as_str()
        .expect("the Brightpearl order id is the Order's key")
        .to_string();
    let bp = BrightpearlSource::new(p.bp_client.clone(), "sales-order")
        .unwrap()
        .read(std::slice::from_ref(&bp_id), &[])
        .await
        .unwrap();
    let rows = bp[0].data["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["productId"], json!(a));
    assert_eq!(dec(&rows[0]["net"]), Decimal::from_str("50").unwrap());

    // The orders flow keeps the same Order in step: no second Order, no second item.
    notify(&p, "orders_to_salesforce", std::slice::from_ref(&bp_id)).await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    let orders = p
        .soql(&format!(
            "SELECT Id, Status, BrightpearlStatus__c FROM Order WHERE ExternalID__c = '{bp_id}'"
        ))
        .await;
    assert_eq!(orders.len(), 1, "{orders:#?}");
    assert_eq!(orders[0]["Id"], json!(order));
    assert!(orders[0]["BrightpearlStatus__c"].is_string());
    assert_eq!(sf_items(&p, &order).await.len(), 1);
    notify(
        &p,
        "activated_orders_to_brightpearl",
        std::slice::from_ref(&order),
    )
    .await;
    assert!(drain(&p).await.is_empty());
    let marker = format!("ferry:sf_order:{order}");
    let found = BrightpearlTarget::new(p.bp_client.clone())
        .find(
            "sales-order",
            &["externalRef".to_string()],
            &[vec![json!(marker)]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one Brightpearl order");
}

/// Payments posted as journals (`vars.post_as = "journal"`): a balanced journal debiting the
/// bank and crediting debtors, once, its id written back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_can_be_posted_as_journals_once() {
    let mut p = pair().await;
    with_flows(&mut p, |spec| {
        if spec.name == "payments_to_brightpearl" {
            spec.vars.insert("post_as".into(), json!("journal"));
        }
    });
    let customer = new_customer(&p).await;
    let (warehouse, a, _) = stocked_products(&p).await;
    let order = place_order(&p, customer, warehouse, "GBP", &[(a, "2", "30.00")]).await;
    notify(&p, "orders_to_salesforce", &[order.to_string()]).await;
    assert!(drain(&p).await.is_empty());
    let sf = sf_order(&p, order).await;
    let payment = sf_create(
        &p,
        "Payment__c",
        json!({"Order__c": sf["Id"], "Amount__c": "30.00", "Currency__c": "GBP",
               "Method__c": "Bank Transfer", "Status__c": "Captured",
               "PaymentDate__c": "2026-11-26"}),
    )
    .await;
    notify(
        &p,
        "payments_to_brightpearl",
        &[payment.clone(), payment.clone()],
    )
    .await;
    let dead = drain(&p).await;
    assert!(dead.is_empty(), "{:#?}", describe(&dead));
    notify(
        &p,
        "payments_to_brightpearl",
        std::slice::from_ref(&payment),
    )
    .await;
    assert!(drain(&p).await.is_empty());
    let written = one(
        &p,
        &format!("SELECT BrightpearlPaymentId__c FROM Payment__c WHERE Id = '{payment}'"),
    )
    .await;
    let journal: u64 = written["BrightpearlPaymentId__c"]
        .as_str()
        .expect("the journal id is written back")
        .parse()
        .unwrap();
    let posted: Vec<Value> = p
        .bp_client
        .get_many(
            "/accounting-service/journal",
            &IdSet::from_ids([journal]),
            200,
        )
        .await
        .unwrap();
    assert_eq!(posted[0]["debits"][0]["nominalCode"], json!("1200"));
    assert_eq!(posted[0]["credits"][0]["nominalCode"], json!("1100"));
    assert_eq!(
        dec(&posted[0]["debits"][0]["transactionAmount"]),
        Decimal::from_str("30").unwrap()
    );
    let found = BrightpearlTarget::new(p.bp_client.clone())
        .find(
            "journal",
            &["journalRef".to_string()],
            &[vec![json!(format!("ferry:payment:{payment}"))]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "posted once");
    let receipts: Value = p
        .bp_client
        .get(&format!(
            "/accounting-service/customer-payment-search?orderId={order}&columns=paymentId"
        ))
        .await
        .unwrap();
    assert_eq!(
        receipts["results"].as_array().map_or(0, Vec::len),
        0,
        "a journal, not a customer payment"
    );
}

/// `vars.placed_since` leaves older orders out: skipped, not written, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_placed_before_placed_since_are_left_out() {
    let mut p = pair().await;
    with_flows(&mut p, |spec| {
        if spec.name == "orders_to_salesforce" {
            spec.vars.insert("placed_since".into(), json!("2999-01-01"));
        }
    });
    let customer = new_customer(&p).await;
    let (warehouse, a, _) = stocked_products(&p).await;
    let order = place_order(&p, customer, warehouse, "GBP", &[(a, "1", "9.00")]).await;
    let outcome = p
        .flow("orders_to_salesforce")
        .sync_ids(&[order.to_string()])
        .await;
    assert!(
        matches!(
            outcome[0].result,
            Ok(ferry_engine::flows::runtime::Change::Skipped(_))
        ),
        "{outcome:?}"
    );
    with_flows(&mut p, |_| {});
    let outcome = p
        .flow("orders_to_salesforce")
        .sync_ids(&[order.to_string()])
        .await;
    assert!(
        !matches!(
            outcome[0].result,
            Ok(ferry_engine::flows::runtime::Change::Skipped(_))
        ),
        "without the setting the order is synced: {outcome:?}"
    );
}
