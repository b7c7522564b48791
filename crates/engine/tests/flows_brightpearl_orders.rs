//! The Brightpearl flow adapter's order-side reads against the Brightpearl sandbox (demo data)
//! over real sockets: sales orders and credits made through the sales-order resources, partial
//! shipments on goods-out notes, customer payments; row keys and values, one GET per batch,
//! wrong-kind ids, scans resuming after an id, and polling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::{Client, Settings};
use ferry_core::Timestamp;
use ferry_engine::flows::adapters::{Row, Source};
use ferry_engine::flows::brightpearl::BrightpearlSource;
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_http::{Method, TransportConfig};
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

async fn sandbox() -> Sandbox {
    Sandbox::start(Options {
        data: DataSet::Demo,
        requests_per_minute: 0,
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox) -> Client {
    let banner = &sandbox.banner;
    let auth = StaticToken::account(
        &banner.app_ref,
        &SecretString::from(banner.account_token.clone()),
    )
    .unwrap();
    let settings = Settings {
        requests_per_minute: 10_000,
        timeout: Duration::from_secs(30),
        ..Settings::new(&banner.base_url, &banner.account)
    };
    let config = TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
        },
        patience: Duration::from_secs(60),
        breaker: BreakerConfig {
            threshold: 50,
            open_for: Duration::from_millis(100),
            max_open_for: Duration::from_millis(200),
        },
    };
    Client::new(&settings, Arc::new(auth), &Budgets::default(), config).unwrap()
}

fn calls(client: &Client) -> u64 {
    client.transport().stats().requests
}

/// POSTs `body` to `path` and returns the id Brightpearl answers.
async fn create(client: &Client, path: &str, body: Value) -> u64 {
    client
        .write::<u64>(Method::POST, path, &body, false)
        .await
        .unwrap_or_else(|e| panic!("POST {path} {body}: {e}"))
        .expect("an id")
}

async fn send(client: &Client, method: Method, path: &str, body: Value) {
    client
        .write::<Value>(method, path, &body, false)
        .await
        .unwrap_or_else(|e| panic!("{path} {body}: {e}"));
}

/// A customer contact of the demo account.
async fn customer(client: &Client) -> u64 {
    let rows: Value = client
        .get("/contact-service/contact-search?isCustomer=true&columns=contactId&pageSize=1")
        .await
        .unwrap();
    rows["results"][0][0].as_u64().expect("a customer")
}

/// Two stock-tracked products with at least 10 units in stock in one warehouse:
/// (warehouse, first, second).
async fn stocked_products(client: &Client) -> (u64, u64, u64) {
    let source = BrightpearlSource::new(client.clone(), "product-availability").unwrap();
    let rows = source.scan(None, 200, &[]).await.unwrap();
    let mut by_warehouse: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for row in &rows {
        if let Some(houses) = row.data["warehouses"].as_object() {
            for (house, q) in houses {
                if q["onHand"].as_i64().unwrap_or(0) >= 10 {
                    by_warehouse
                        .entry(house.clone())
                        .or_default()
                        .push(row.id.parse().unwrap());
                }
            }
        }
    }
    let (house, products) = by_warehouse
        .into_iter()
        .find(|(_, p)| p.len() >= 2)
        .expect("two stocked products in one warehouse");
    (house.parse().unwrap(), products[0], products[1])
}

fn now_text() -> String {
    Timestamp::now().to_string()
}

fn ids(rows: &[Row]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

/// The order row ids of `order`, by sequence.
async fn row_ids(client: &Client, order: u64) -> Vec<u64> {
    let orders = client.orders(&IdSet::from_ids([order])).await.unwrap();
    let mut rows: Vec<(u64, u64)> = orders[0]
        .order_rows
        .iter()
        .map(|(id, r)| (r.order_row_sequence.parse().unwrap_or(0), *id))
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, id)| id).collect()
}

/// A sales order of 3 × `first`, a free-text row and 2 × `second` (net 10.005: the row shows
/// cents rounded half away from zero).
async fn sales_order(
    client: &Client,
    contact: u64,
    warehouse: u64,
    first: u64,
    second: u64,
) -> u64 {
    create(
        client,
        "/order-service/sales-order",
        json!({
            "customer": {"id": contact},
            "ref": "WEB-1001", "externalRef": "sf-8011", "placedOn": "2026-03-01T23:30:00-06:00",
            "channelId": 1, "warehouseId": warehouse,
            "delivery": {"shippingMethodId": 2, "address": {"addressFullName": "Ada Lovelace",
                "addressLine1": "1 Analytical Way", "addressLine3": "London", "postalCode": "N1 9GU",
                "countryIsoCode": "GB", "email": "ada@example.com"}},
            "rows": [
                {"productId": first, "quantity": "3", "taxCode": "T", "net": "30.00", "tax": "3.00"},
                {"name": "Gift wrap", "quantity": "1", "taxCode": "T", "net": "2.50", "tax": "0.25"},
                {"productId": second, "quantity": "2", "taxCode": "T", "net": "10.0050", "tax": "1.00"}
            ]
        }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_orders_and_credits_are_rows_with_totals_lines_parties_and_channel() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let contact = customer(&client).await;
    let (warehouse, first, second) = stocked_products(&client).await;
    let order = sales_order(&client, contact, warehouse, first, second).await;
    let credit = create(
        &client,
        "/order-service/sales-credit",
        json!({"customer": {"id": contact}, "parentId": order, "ref": "RMA-7",
               "rows": [{"productId": first, "quantity": "1", "taxCode": "T",
                         "net": "10.00", "tax": "1.00"}]}),
    )
    .await;

    let orders = BrightpearlSource::new(client.clone(), "sales-order").unwrap();
    let asked = [
        order.to_string(),
        credit.to_string(),
        "not-an-id".to_string(),
        "999999".to_string(),
    ];
    let before = calls(&client);
    let rows = orders.read(&asked, &[]).await.unwrap();
    // One order GET for the batch, and the channel list (cached from now on).
    assert_eq!(calls(&client) - before, 2);
    assert_eq!(
        ids(&rows),
        [order.to_string()],
        "the credit is not a sales order"
    );
    let row = &rows[0];
    let data = &row.data;
    assert_eq!(data["id"], json!(order));
    assert_eq!(data["type"], json!("SO"));
    assert_eq!(data["reference"], json!("WEB-1001"));
    assert_eq!(data["externalRef"], json!("sf-8011"));
    assert_eq!(data["parentOrderId"], json!(0));
    assert_eq!(data["statusId"], json!(3));
    assert_eq!(data["statusName"], json!("New phone order"));
    assert_eq!(data["cancelled"], json!(false));
    assert_eq!(data["shippingStatus"], json!("SNS"));
    assert_eq!(data["paymentStatus"], json!("UNPAID"));
    assert_eq!(data["placedDate"], json!("2026-03-01"));
    assert_eq!(data["currency"], json!("USD"));
    assert_eq!(data["exchangeRate"], json!("1"));
    assert_eq!(data["channelId"], json!(1));
    assert_eq!(data["channelName"], json!("Web Store"));
    assert_eq!(data["warehouseId"], json!(warehouse));
    assert_eq!(data["customerId"], json!(contact));
    assert_eq!(data["shippingMethodId"], json!(2));
    assert_eq!(data["delivery"]["addressFullName"], json!("Ada Lovelace"));
    assert_eq!(data["delivery"]["addressLine1"], json!("1 Analytical Way"));
    assert_eq!(data["delivery"]["addressLine2"], Value::Null);
    assert_eq!(data["delivery"]["postalCode"], json!("N1 9GU"));
    assert_eq!(data["delivery"]["countryIsoCode2"], json!("GB"));
    assert_eq!(data["delivery"]["countryIsoCode"], json!("GBR"));
    assert_eq!(data["delivery"]["email"], json!("ada@example.com"));
    assert!(
        data["billing"]["addressLine1"].is_string(),
        "{}",
        data["billing"]
    );
    // Exact to the cent: 30 + 2.5 + 10.005 net, 4.25 tax.
    assert_eq!(
        data["totals"],
        json!({"net": "42.51", "tax": "4.25", "gross": "46.76"})
    );
    let lines = data["rows"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    let sequences: Vec<u64> = lines
        .iter()
        .map(|l| l["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] <= w[1]), "{sequences:?}");
    assert_eq!(lines[0]["productId"], json!(first));
    assert_eq!(lines[0]["quantity"], json!("3"));
    assert_eq!(lines[0]["net"], json!("30"));
    assert_eq!(lines[0]["tax"], json!("3"));
    assert_eq!(lines[0]["gross"], json!("33"));
    assert_eq!(lines[0]["taxCode"], json!("T"));
    assert!(lines[0]["sku"].is_string());
    assert!(lines[0]["rowId"].is_string());
    assert_eq!(lines[1]["productId"], Value::Null, "free text");
    assert_eq!(lines[1]["sku"], Value::Null);
    assert_eq!(lines[1]["name"], json!("Gift wrap"));
    assert_eq!(lines[1]["net"], json!("2.5"));
    assert_eq!(
        lines[2]["net"],
        json!("10.01"),
        "rounded half away from zero"
    );
    assert_eq!(lines[2]["gross"], json!("11.01"));
    // The GET JSON is kept.
    assert!(data["orderRows"].is_object());
    assert_eq!(data["orderStatus"]["orderStatusId"], json!(3));
    let typed = client.orders(&IdSet::from_ids([order])).await.unwrap();
    assert_eq!(
        row.version.as_deref(),
        typed[0]
            .updated_on
            .as_ref()
            .or(typed[0].created_on.as_ref())
            .map(|s| s.raw())
    );
    assert!(row.modified_at.is_some());

    let credits = BrightpearlSource::new(client.clone(), "sales-credit").unwrap();
    let rows = credits
        .read(&[order.to_string(), credit.to_string()], &[])
        .await
        .unwrap();
    assert_eq!(
        ids(&rows),
        [credit.to_string()],
        "the order is not a credit"
    );
    let data = &rows[0].data;
    assert_eq!(data["type"], json!("SC"));
    assert_eq!(data["parentOrderId"], json!(order));
    assert_eq!(data["reference"], json!("RMA-7"));
    assert_eq!(
        data["totals"],
        json!({"net": "10", "tax": "1", "gross": "11"})
    );
    assert_eq!(data["channelName"], Value::Null);

    // A batch of many orders is one GET per 200: the channel list is cached.
    let scan = orders.scan(None, 250, &[]).await.unwrap();
    assert_eq!(scan.len(), 250);
    let wanted: Vec<String> = ids(&scan);
    let before = calls(&client);
    let again = orders.read(&wanted, &[]).await.unwrap();
    assert_eq!(calls(&client) - before, 2, "two order GETs for 250 ids");
    assert_eq!(again.len(), 250);
    assert!(again.iter().all(|r| r.data["type"] == json!("SO")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_scans_resume_after_an_id_and_polling_finds_new_and_changed_orders() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let orders = BrightpearlSource::new(client.clone(), "sales-order").unwrap();
    let credits = BrightpearlSource::new(client.clone(), "sales-credit").unwrap();
    let page = orders.scan(None, 5, &[]).await.unwrap();
    assert_eq!(page.len(), 5);
    let numbers: Vec<u64> = page.iter().map(|r| r.id.parse().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]));
    let next = orders.scan(Some(&page[2].id), 2, &[]).await.unwrap();
    assert_eq!(ids(&next), ids(&page[3..5]));
    let credit_page = credits.scan(None, 20, &[]).await.unwrap();
    assert!(!credit_page.is_empty(), "the demo has returns");
    assert!(credit_page.iter().all(|r| r.data["type"] == json!("SC")));
    assert!(page.iter().all(|r| r.data["type"] == json!("SO")));

    let since = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let contact = customer(&client).await;
    let (warehouse, first, second) = stocked_products(&client).await;
    let order = sales_order(&client, contact, warehouse, first, second).await;
    let changed = orders.changed_since(since).await.unwrap();
    assert!(
        changed.iter().any(|(id, _)| id == &order.to_string()),
        "{changed:?}"
    );
    assert!(credits.changed_since(since).await.unwrap().is_empty());

    // The order changes later: it shows up again (by updatedOn), at its new time.
    let old = &order.to_string();
    let later = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    send(
        &client,
        Method::PUT,
        &format!("/order-service/order/{old}/status"),
        json!({"orderStatusId": 4}),
    )
    .await;
    let changed = orders.changed_since(later).await.unwrap();
    let ids_changed: Vec<&String> = changed.iter().map(|(id, _)| id).collect();
    assert_eq!(ids_changed, [old], "only the changed order");
    let row = orders.read(std::slice::from_ref(old), &[]).await.unwrap();
    assert_eq!(row[0].data["statusName"], json!("Invoiced"));
    assert_eq!(row[0].modified_at, Some(changed[0].1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goods_out_notes_carry_their_order_and_every_shipment_of_it() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let contact = customer(&client).await;
    let (warehouse, first, second) = stocked_products(&client).await;
    let order = sales_order(&client, contact, warehouse, first, second).await;
    let rows = row_ids(&client, order).await;
    let since = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let note = |row: u64, product: u64, quantity: u64| {
        json!({"warehouses": [{"warehouseId": warehouse,
                              "products": [{"productId": product, "salesOrderRowId": row,
                                            "quantity": quantity}]}],
               "shippingMethodId": 2})
    };
    let path = format!("/warehouse-service/order/{order}/goods-note/goods-out");
    let a = create(&client, &path, note(rows[0], first, 1)).await;
    let b = create(&client, &path, note(rows[0], first, 2)).await;
    let c = create(&client, &path, note(rows[2], second, 2)).await;
    send(
        &client,
        Method::PUT,
        &format!("/warehouse-service/goods-note/goods-out/{a}"),
        json!({"shipping": {"reference": "TRK-A"}}),
    )
    .await;
    let ship = |id: u64| {
        let client = client.clone();
        async move {
            send(
                &client,
                Method::POST,
                &format!("/warehouse-service/goods-note/goods-out/{id}/event"),
                json!({"events": [{"eventCode": "SHW", "occured": now_text(), "eventOwnerId": 4}]}),
            )
            .await;
        }
    };
    ship(a).await;

    let source = BrightpearlSource::new(client.clone(), "goods-out-note").unwrap();
    let before = calls(&client);
    let read = source
        .read(
            &[b.to_string(), a.to_string(), "x".into(), "99999999".into()],
            &[],
        )
        .await
        .unwrap();
    // Notes, their order, the order's notes, the shipping methods (cached from now on).
    assert_eq!(calls(&client) - before, 4);
    assert_eq!(ids(&read), [a.to_string(), b.to_string()]);
    let shipped = &read[0].data;
    assert_eq!(shipped["id"], json!(a));
    assert_eq!(shipped["orderId"], json!(order));
    assert_eq!(shipped["warehouseId"], json!(warehouse));
    assert_eq!(shipped["shipped"], json!(true));
    assert!(shipped["shippedOn"].as_str().unwrap().len() == 10);
    assert!(shipped["shippedAt"].is_string());
    assert_eq!(shipped["trackingReference"], json!("TRK-A"));
    assert_eq!(shipped["shippingMethodId"], json!(2));
    let methods: Value = client
        .get("/warehouse-service/shipping-method/2")
        .await
        .unwrap();
    let method = &methods[0];
    assert_eq!(shipped["shippingMethodName"], method["name"]);
    assert_eq!(
        shipped["carrier"],
        method
            .get("carrier")
            .cloned()
            .unwrap_or(method["name"].clone())
    );
    assert!(shipped["carrier"].is_string());
    assert_eq!(
        shipped["rows"],
        json!([{"orderRowId": rows[0].to_string(), "productId": first, "quantity": 1}])
    );
    assert_eq!(shipped["order"]["id"], json!(order));
    assert_eq!(shipped["order"]["reference"], json!("WEB-1001"));
    assert_eq!(shipped["order"]["shippingStatus"], json!("SPS"));
    assert_eq!(shipped["order"]["statusName"], json!("New phone order"));
    let open = &read[1].data;
    assert_eq!(open["shipped"], json!(false));
    assert_eq!(open["shippedOn"], Value::Null);
    assert_eq!(open["trackingReference"], Value::Null);
    // Every note of the order, from either note's row: the whole shipping picture.
    for row in &read {
        let list = row.data["notes"].as_array().unwrap();
        let listed: Vec<u64> = list.iter().map(|n| n["id"].as_u64().unwrap()).collect();
        assert_eq!(listed, [a, b, c]);
        assert_eq!(list[0]["shipped"], json!(true));
        assert_eq!(list[0]["trackingReference"], json!("TRK-A"));
        assert_eq!(list[0]["carrier"], shipped["carrier"]);
        assert_eq!(list[1]["shipped"], json!(false));
        assert_eq!(row.data["trackingReferences"], json!(["TRK-A"]));
    }
    // modified_at is the latest event (the shipment).
    assert!(read[0].modified_at >= read[1].modified_at);

    // Scans walk note ids, resuming after one, and leave nothing out.
    let before_a = (a - 1).to_string();
    let page = source.scan(Some(&before_a), 2, &[]).await.unwrap();
    assert_eq!(ids(&page), [a.to_string(), b.to_string()]);
    let rest = source.scan(Some(&b.to_string()), 5, &[]).await.unwrap();
    assert_eq!(ids(&rest), [c.to_string()]);
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = source.scan(after.as_deref(), 300, &[]).await.unwrap();
        let done = page.len() < 300;
        after = page.last().map(|r| r.id.clone()).or(after);
        all.extend(page);
        if done {
            break;
        }
    }
    let numbers: Vec<u64> = all.iter().map(|r| r.id.parse().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]));
    assert!(numbers.len() > 3, "the demo's shipments are scanned too");
    assert!(all.iter().all(|r| r.data["order"]["type"] == json!("SO")));
    assert!(all.iter().all(|r| r.data["orderId"] != json!(0)));
    let searched: Value = client
        .get("/warehouse-service/goods-note/goods-out-search?transfer=false&columns=goodsOutNoteId,orderId")
        .await
        .unwrap();
    let expected = searched["metaData"]["resultsAvailable"].as_u64().unwrap();
    assert!(numbers.len() as u64 <= expected && numbers.len() as u64 + 50 >= expected);

    // Polling: the three new notes.
    let changed = source.changed_since(since).await.unwrap();
    let found: Vec<&String> = changed.iter().map(|(id, _)| id).collect();
    for id in [a, b, c] {
        assert!(found.contains(&&id.to_string()), "{id} in {found:?}");
    }
    // A second partial shipment leaves the order part shipped (no order change): the
    // shipped-on search still finds it.
    let later = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    ship(b).await;
    let changed = source.changed_since(later).await.unwrap();
    let found: Vec<&String> = changed.iter().map(|(id, _)| id).collect();
    assert_eq!(found, [&b.to_string()]);
    let read = source.read(&[c.to_string()], &[]).await.unwrap();
    let list = read[0].data["notes"].as_array().unwrap();
    assert_eq!(list[1]["shipped"], json!(true));
    assert_eq!(read[0].data["order"]["shippingStatus"], json!("SPS"));
    // The last shipment: the order is all shipped, every note's row says so.
    let last = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    ship(c).await;
    let changed = source.changed_since(last).await.unwrap();
    let found: Vec<String> = changed.into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        found,
        [a.to_string(), b.to_string(), c.to_string()],
        "the order changed"
    );
    let read = source.read(&[a.to_string()], &[]).await.unwrap();
    assert_eq!(read[0].data["order"]["shippingStatus"], json!("ASS"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_payments_are_read_by_id_scanned_and_polled_with_their_order() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let contact = customer(&client).await;
    let (warehouse, first, second) = stocked_products(&client).await;
    let order = sales_order(&client, contact, warehouse, first, second).await;
    let credit = create(
        &client,
        "/order-service/sales-credit",
        json!({"customer": {"id": contact}, "parentId": order, "ref": "RMA-8",
               "rows": [{"productId": first, "quantity": "1", "taxCode": "T",
                         "net": "10.00", "tax": "1.00"}]}),
    )
    .await;
    let since = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let pay = |order: u64, kind: &str, amount: &str, reference: &str| {
        json!({"transactionRef": reference, "paymentMethodCode": "CARD", "paymentType": kind,
               "orderId": order, "currencyIsoCode": "USD", "amountPaid": amount,
               "paymentDate": "2026-03-02T23:15:00-06:00"})
    };
    let receipt = create(
        &client,
        "/accounting-service/customer-payment",
        pay(order, "RECEIPT", "46.76", "sf-pay-1"),
    )
    .await;
    let refund = create(
        &client,
        "/accounting-service/customer-payment",
        pay(credit, "PAYMENT", "11.005", "sf-refund-1"),
    )
    .await;

    let source = BrightpearlSource::new(client.clone(), "customer-payment").unwrap();
    let before = calls(&client);
    let rows = source
        .read(
            &[
                refund.to_string(),
                receipt.to_string(),
                "nope".into(),
                "99999999".into(),
            ],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(calls(&client) - before, 2, "one search, one order GET");
    assert_eq!(ids(&rows), [receipt.to_string(), refund.to_string()]);
    let paid = &rows[0].data;
    assert_eq!(paid["id"], json!(receipt));
    assert_eq!(paid["transactionRef"], json!("sf-pay-1"));
    assert_eq!(paid["paymentMethodCode"], json!("CARD"));
    assert_eq!(paid["paymentType"], json!("RECEIPT"));
    assert_eq!(paid["orderId"], json!(order));
    assert_eq!(paid["currencyCode"], json!("USD"));
    assert!(paid["currencyId"].is_u64());
    assert_eq!(paid["amountPaid"], json!("46.76"));
    assert_eq!(paid["paymentDate"], json!("2026-03-02"));
    assert!(paid["createdOn"].is_string());
    assert!(paid["journalId"].is_u64(), "a receipt journal: {paid}");
    assert_eq!(
        paid["order"],
        json!({"id": order, "type": "SO", "parentOrderId": 0, "reference": "WEB-1001",
               "externalRef": "sf-8011", "currency": "USD", "statusId": 3,
               "statusName": "New phone order", "shippingStatus": "SNS",
               "paymentStatus": "PAID", "cancelled": false})
    );
    let refunded = &rows[1].data;
    assert_eq!(refunded["paymentType"], json!("PAYMENT"));
    assert_eq!(refunded["order"]["type"], json!("SC"));
    assert_eq!(refunded["order"]["parentOrderId"], json!(order));
    let searched: Value = client
        .get(&format!(
            "/accounting-service/customer-payment-search?paymentId={refund}&columns=amountPaid"
        ))
        .await
        .unwrap();
    let text = searched["results"][0][0].as_str().unwrap().to_string();
    let normalised = text.trim_end_matches('0').trim_end_matches('.').to_string();
    assert_eq!(
        refunded["amountPaid"],
        json!(normalised),
        "exact as Brightpearl keeps it"
    );
    assert_eq!(rows[0].version.as_deref(), paid["createdOn"].as_str());

    // Scans by payment id, resuming after one; the search row is the whole record.
    let before = calls(&client);
    let page = source
        .scan(Some(&(receipt - 1).to_string()), 1, &[])
        .await
        .unwrap();
    assert_eq!(ids(&page), [receipt.to_string()]);
    assert_eq!(page[0].data, rows[0].data);
    assert!(calls(&client) - before <= 2, "one search and one order GET");
    let rest = source
        .scan(Some(&receipt.to_string()), 10, &[])
        .await
        .unwrap();
    assert_eq!(ids(&rest), [refund.to_string()]);

    // Polling: payments are new records (createdOn).
    let changed = source.changed_since(since).await.unwrap();
    let found: Vec<String> = changed.into_iter().map(|(id, _)| id).collect();
    assert_eq!(found, [receipt.to_string(), refund.to_string()]);
}
