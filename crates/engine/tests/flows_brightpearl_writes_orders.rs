//! The Brightpearl flow adapter writing order-side records against the Brightpearl sandbox
//! (demo data) over real sockets: sales orders created whole and found again by their marker,
//! status changes, refusals before any call, sales credits, customer payments and journals,
//! each create retried without making a second record, with the calls counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::search::Search;
use ferry_brightpearl::{Client, Settings};
use ferry_engine::flows::adapters::{Target, Write};
use ferry_engine::flows::brightpearl::BrightpearlTarget;
use ferry_http::TransportConfig;
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{Map, Value, json};
use std::str::FromStr;
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
            max_attempts: 6,
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

fn create(fields: Value, marker: &str) -> Write {
    Write {
        id: None,
        upsert_key: None,
        fields: serde_json::from_value(fields).unwrap(),
        marker: Some(marker.to_owned()),
    }
}

fn update(id: &str, fields: Value) -> Write {
    Write {
        id: Some(id.to_owned()),
        upsert_key: None,
        fields: serde_json::from_value(fields).unwrap(),
        marker: None,
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// A search's rows.
async fn search(client: &Client, path: &str, filters: &[(&str, &str)]) -> Vec<Map<String, Value>> {
    let mut search = Search::new(client, path);
    for (column, value) in filters {
        search = search.filter(column, value);
    }
    search.rows().try_collect().await.unwrap()
}

/// A customer contact and three stock-tracked products of the demo account.
async fn customer_and_products(client: &Client) -> (u64, Vec<u64>) {
    let customers = search(
        client,
        "contact-service/contact-search",
        &[("isCustomer", "true")],
    )
    .await;
    let customer = customers[0]["contactId"].as_u64().unwrap();
    let products = search(
        client,
        "product-service/product-search",
        &[("stockTracked", "true")],
    )
    .await;
    let products: Vec<u64> = products
        .iter()
        .take(3)
        .map(|p| p["productId"].as_u64().unwrap())
        .collect();
    assert_eq!(products.len(), 3);
    (customer, products)
}

/// The sales order (or credit) as the raw GET shows it.
async fn sales_record(client: &Client, resource: &str, id: &str) -> Value {
    let list: Vec<Value> = client
        .get(&format!("/order-service/{resource}/{id}"))
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "{resource} {id} exists");
    list[0].clone()
}

/// The orders carrying `external_ref`.
async fn orders_with(client: &Client, external_ref: &str) -> Vec<u64> {
    search(
        client,
        "order-service/order-search",
        &[("externalRef", external_ref)],
    )
    .await
    .iter()
    .map(|r| r["orderId"].as_u64().unwrap())
    .collect()
}

fn order_fields(customer: u64, products: &[u64]) -> Value {
    json!({
        "customerId": customer,
        "ref": "SF-00042",
        "placedOn": "2026-03-02T10:15:00Z",
        "statusName": "New web order",
        "currency": "GBP",
        "delivery": {
            "addressFullName": "Ada Lovelace",
            "companyName": "Analytical Engines Ltd",
            "addressLine1": "12 St James's Square",
            "addressLine3": "London",
            "postalCode": "SW1Y 4JH",
            "countryIsoCode": "GBR",
            "telephone": "+44 20 7946 0000",
            "email": "ada@example.com"
        },
        "rows": [
            {"productId": products[0], "quantity": "2", "net": "19.98", "tax": "2.00", "taxCode": "T"},
            {"productId": products[1], "quantity": 1, "net": "5.50", "externalRef": "line-2"},
            {"name": "Gift wrap", "quantity": "1", "net": "1.2345", "tax": "0.12", "taxCode": "T"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_order_is_created_whole_once_and_its_status_changed_by_name() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let target = BrightpearlTarget::new(client.clone());
    let (customer, products) = customer_and_products(&client).await;
    let marker = "ferry:order:8015g00000AbCdEAAZ";
    let write = create(order_fields(customer, &products), marker);

    let before = calls(&client);
    let first = target
        .write("sales-order", std::slice::from_ref(&write))
        .await;
    let id = first[0].clone().expect("the order is created");
    // The status list, the tax-code list (a row has no tax code), one externalRef search and
    // the create.
    assert_eq!(calls(&client) - before, 4);

    let order = sales_record(&client, "sales-order", &id).await;
    assert_eq!(order["externalRef"], marker);
    assert_eq!(order["ref"], "SF-00042");
    assert_eq!(order["customer"]["id"], json!(customer));
    let statuses: Vec<Value> = client.get("/order-service/order-status").await.unwrap();
    let web = statuses
        .iter()
        .find(|s| s["name"] == "New web order")
        .unwrap();
    assert_eq!(order["statusId"], web["statusId"]);
    let rows = order["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["productId"], json!(products[0]));
    assert_eq!(dec(rows[0]["quantity"].as_str().unwrap()), dec("2"));
    assert_eq!(dec(rows[0]["net"].as_str().unwrap()), dec("19.98"));
    assert_eq!(dec(rows[0]["tax"].as_str().unwrap()), dec("2.00"));
    assert_eq!(rows[1]["externalRef"], "line-2");
    assert_eq!(dec(rows[1]["tax"].as_str().unwrap()), Decimal::ZERO);
    // The row without a tax code took the account's zero-rate code.
    let codes: Vec<Value> = client.get("/accounting-service/tax-code").await.unwrap();
    let zero = codes
        .iter()
        .filter(|c| c["rate"].as_f64().unwrap_or(0.0) == 0.0)
        .min_by_key(|c| c["id"].as_u64())
        .unwrap();
    assert_eq!(rows[1]["taxCode"], zero["code"]);
    assert_eq!(rows[2]["name"], "Gift wrap");
    assert_eq!(dec(rows[2]["net"].as_str().unwrap()), dec("1.2345"));
    let net: Decimal = rows.iter().map(|r| dec(r["net"].as_str().unwrap())).sum();
    assert_eq!(
        dec(order["total"]["net"].as_str().unwrap()),
        net.round_dp(2)
    );
    assert_eq!(dec(order["total"]["tax"].as_str().unwrap()), dec("2.12"));
    let delivery = &order["delivery"]["address"];
    assert_eq!(delivery["addressFullName"], "Ada Lovelace");
    assert_eq!(delivery["postalCode"], "SW1Y 4JH");
    assert_eq!(delivery["countryIsoCode"], "GB");

    // The same create again (a retry after a crash): the same order, found with one search.
    let before = calls(&client);
    let again = target
        .write("sales-order", std::slice::from_ref(&write))
        .await;
    assert_eq!(again[0].clone().unwrap(), id);
    assert_eq!(calls(&client) - before, 1, "one search, no create");
    assert_eq!(orders_with(&client, marker).await.len(), 1);

    // Found by its marker and by its reference.
    let found = target
        .find(
            "sales-order",
            &["externalRef".into()],
            &[vec![json!(marker)]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id);
    let found = target
        .find(
            "sales-order",
            &["reference".into()],
            &[vec![json!("SF-00042")]],
            &[],
        )
        .await
        .unwrap();
    assert!(found.iter().any(|r| r.id == id));
    // A sales order is not a sales credit.
    let found = target
        .find(
            "sales-credit",
            &["externalRef".into()],
            &[vec![json!(marker)]],
            &[],
        )
        .await
        .unwrap();
    assert!(found.is_empty());

    // The status changes by name; nothing else may change.
    let done = target
        .write(
            "sales-order",
            &[update(&id, json!({"statusName": "on hold"}))],
        )
        .await;
    assert_eq!(done[0].clone().unwrap(), id);
    let hold = statuses.iter().find(|s| s["name"] == "On hold").unwrap();
    let order = sales_record(&client, "sales-order", &id).await;
    assert_eq!(order["statusId"], hold["statusId"]);
    let before = calls(&client);
    let locked = target
        .write(
            "sales-order",
            &[update(
                &id,
                json!({"statusName": "Invoiced", "ref": "X", "rows": []}),
            )],
        )
        .await;
    let err = locked[0].clone().unwrap_err();
    assert_eq!(err.code, "BP_ORDER_FIELD_LOCKED");
    assert!(!err.transient);
    assert!(err.message.contains("ref, rows"), "{}", err.message);
    assert!(
        err.message.contains(&format!("sales-order {id}")),
        "{}",
        err.message
    );
    assert_eq!(calls(&client) - before, 0);
    let unknown = target
        .write(
            "sales-order",
            &[update(&id, json!({"statusName": "Shipped to Mars"}))],
        )
        .await;
    let err = unknown[0].clone().unwrap_err();
    assert_eq!(err.code, "BP_INVALID_FIELD");
    assert!(err.message.contains("New web order"), "{}", err.message);
    assert!(!err.message.contains("Sales credit"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_orders_goes_out_in_one_multi_message_and_refusals_name_the_row() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let target = BrightpearlTarget::new(client.clone());
    let (customer, products) = customer_and_products(&client).await;
    let row = |p: u64| json!({"productId": p, "quantity": 1, "net": "10.00", "taxCode": "T", "tax": "1.00"});
    let writes: Vec<Write> = (0..4)
        .map(|n| {
            create(
                json!({"customerId": customer, "rows": [row(products[n % 3])]}),
                &format!("ferry:order:batch-{n}"),
            )
        })
        .collect();
    // A marker longer than Brightpearl's reference is stored in its hash form.
    let long_marker = format!("ferry:sales-order:{}", "x".repeat(40));
    let mut all = writes.clone();
    all.push(create(
        json!({"customerId": customer, "rows": [row(products[0])]}),
        &long_marker,
    ));
    let before = calls(&client);
    let results = target.write("sales-order", &all).await;
    let ids: Vec<String> = results.iter().map(|r| r.clone().unwrap()).collect();
    // Five searches and one multi-message (the lists are not needed: no names, no missing
    // tax codes).
    assert_eq!(calls(&client) - before, 6);
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 5);
    for (n, id) in ids.iter().take(4).enumerate() {
        let order = sales_record(&client, "sales-order", id).await;
        assert_eq!(order["externalRef"], format!("ferry:order:batch-{n}"));
    }
    let stored = sales_record(&client, "sales-order", &ids[4]).await["externalRef"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(stored.len(), 32);
    assert!(stored.starts_with("F-"));
    let found = target
        .find(
            "sales-order",
            &["externalRef".into()],
            &[vec![json!(long_marker)]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found[0].id, ids[4]);
    // Retried together: every one found, nothing created.
    let again = target.write("sales-order", &all).await;
    let again: Vec<String> = again.into_iter().map(Result::unwrap).collect();
    assert_eq!(again, ids);

    // Refusals before any call: an unknown field (with the list of known ones), a bad row.
    let before = calls(&client);
    let bad = target
        .write(
            "sales-order",
            &[
                create(json!({"customerId": customer, "colour": "red", "rows": [row(products[0])]}), "ferry:order:bad-1"),
                create(json!({"customerId": customer, "rows": [{"productId": products[0], "quantity": 1, "taxCode": "T"}]}), "ferry:order:bad-2"),
                create(json!({"customerId": customer, "rows": [{"productId": products[0], "quantity": 1, "net": "1.00001", "taxCode": "T"}]}), "ferry:order:bad-3"),
                create(json!({"rows": [row(products[0])]}), "ferry:order:bad-4"),
            ],
        )
        .await;
    assert_eq!(calls(&client) - before, 0);
    let messages: Vec<_> = bad.into_iter().map(|r| r.unwrap_err()).collect();
    assert!(
        messages
            .iter()
            .all(|e| e.code == "BP_INVALID_FIELD" && !e.transient)
    );
    assert!(messages[0].message.contains("\"colour\""));
    assert!(messages[0].message.contains("customerId, ref, externalRef"));
    assert!(messages[0].message.contains("ferry:order:bad-1"));
    assert!(
        messages[1].message.contains("\"rows[0].net\""),
        "{}",
        messages[1].message
    );
    assert!(
        messages[2].message.contains("5 decimal places"),
        "{}",
        messages[2].message
    );
    assert!(messages[3].message.contains("\"customerId\""));

    // An unknown product: Brightpearl refuses the order, the error names the row.
    let refused = target
        .write(
            "sales-order",
            &[create(
                json!({"customerId": customer, "rows": [row(products[0]), row(999_999)]}),
                "ferry:order:unknown-product",
            )],
        )
        .await;
    let err = refused[0].clone().unwrap_err();
    assert!(err.code.starts_with("BP_"), "{}", err.code);
    assert!(!err.transient);
    assert!(err.message.contains("rows[1]"), "{}", err.message);
    assert!(err.message.contains("999999"), "{}", err.message);
    assert!(
        err.message.contains("ferry:order:unknown-product"),
        "{}",
        err.message
    );
    assert!(
        orders_with(&client, "ferry:order:unknown-product")
            .await
            .is_empty()
    );
    // In a multi-message batch, only the refused create fails.
    let mixed = target
        .write(
            "sales-order",
            &[
                create(
                    json!({"customerId": customer, "rows": [row(999_998)]}),
                    "ferry:order:mixed-bad",
                ),
                create(
                    json!({"customerId": customer, "rows": [row(products[1])]}),
                    "ferry:order:mixed-good",
                ),
            ],
        )
        .await;
    assert!(mixed[0].clone().unwrap_err().message.contains("rows[0]"));
    let good = mixed[1].clone().unwrap();
    assert_eq!(
        orders_with(&client, "ferry:order:mixed-good").await,
        vec![good.parse::<u64>().unwrap()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_credit_names_its_order_and_is_made_once() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let target = BrightpearlTarget::new(client.clone());
    let (customer, products) = customer_and_products(&client).await;
    let order = target
        .write(
            "sales-order",
            &[create(
                order_fields(customer, &products),
                "ferry:order:credited",
            )],
        )
        .await[0]
        .clone()
        .unwrap();
    let credit = create(
        json!({
            "customerId": customer,
            "parentId": order,
            "statusName": "Sales credit",
            "rows": [{"productId": products[0], "quantity": "1", "net": "9.99", "tax": "1.00", "taxCode": "T"}]
        }),
        "ferry:refund:50000000001",
    );
    let first = target
        .write("sales-credit", std::slice::from_ref(&credit))
        .await;
    let id = first[0].clone().unwrap();
    let read = sales_record(&client, "sales-credit", &id).await;
    assert_eq!(read["parentId"].to_string(), order);
    assert_eq!(read["externalRef"], "ferry:refund:50000000001");
    assert_eq!(dec(read["rows"][0]["net"].as_str().unwrap()), dec("9.99"));
    // Retried: found by one search over the parents, not made again.
    let before = calls(&client);
    let again = target
        .write("sales-credit", std::slice::from_ref(&credit))
        .await;
    assert_eq!(again[0].clone().unwrap(), id);
    assert_eq!(calls(&client) - before, 1);
    assert_eq!(
        orders_with(&client, "ferry:refund:50000000001").await.len(),
        1
    );
    let found = target
        .find(
            "sales-credit",
            &["externalRef".into()],
            &[vec![json!("ferry:refund:50000000001")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id);
    // parentId is a credit's field, not an order's.
    let err = target
        .write(
            "sales-order",
            &[create(
                json!({"customerId": customer, "parentId": order, "rows": []}),
                "ferry:order:p",
            )],
        )
        .await[0]
        .clone()
        .unwrap_err();
    assert_eq!(err.code, "BP_INVALID_FIELD");
    assert!(err.message.contains("\"parentId\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_payments_are_posted_once_exactly_and_never_changed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let target = BrightpearlTarget::new(client.clone());
    let (customer, products) = customer_and_products(&client).await;
    let order = target
        .write(
            "sales-order",
            &[create(
                order_fields(customer, &products),
                "ferry:order:paid",
            )],
        )
        .await[0]
        .clone()
        .unwrap();
    let order_currency = sales_record(&client, "sales-order", &order).await["currency"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let pay = |marker: &str, amount: &str| {
        create(
            json!({
                "orderId": order,
                "paymentMethodCode": "card",
                "amountPaid": amount,
                "paymentDate": "2026-03-02T10:20:00Z"
            }),
            marker,
        )
    };
    let payments = vec![
        pay("ferry:payment:a0X000000000001", "10.00"),
        pay("ferry:payment:a0X000000000002", "5.25"),
    ];
    let before = calls(&client);
    let first = target.write("customer-payment", &payments).await;
    let ids: Vec<String> = first.into_iter().map(Result::unwrap).collect();
    // The method list, one payment search over the orders, one order GET for the currency,
    // one multi-message with both payments.
    assert_eq!(calls(&client) - before, 4);
    let rows = search(
        &client,
        "accounting-service/customer-payment-search",
        &[("orderId", &order)],
    )
    .await;
    assert_eq!(rows.len(), 2);
    let first_row = rows
        .iter()
        .find(|r| {
            r["paymentId"].as_u64().map(|p| p.to_string()).as_deref() == Some(ids[0].as_str())
        })
        .unwrap();
    assert_eq!(first_row["transactionRef"], "ferry:payment:a0X000000000001");
    assert_eq!(first_row["paymentMethodCode"], "CARD");
    assert_eq!(first_row["paymentType"], "RECEIPT");
    assert_eq!(first_row["currencyCode"], json!(order_currency));
    assert_eq!(dec(first_row["amountPaid"].as_str().unwrap()), dec("10.00"));

    // Retried: found by the one search, nothing posted.
    let before = calls(&client);
    let again = target.write("customer-payment", &payments).await;
    let again: Vec<String> = again.into_iter().map(Result::unwrap).collect();
    assert_eq!(again, ids);
    assert_eq!(calls(&client) - before, 1);
    let rows = search(
        &client,
        "accounting-service/customer-payment-search",
        &[("orderId", &order)],
    )
    .await;
    assert_eq!(rows.len(), 2);
    let found = target
        .find(
            "customer-payment",
            &["transactionRef".into()],
            &[vec![json!("ferry:payment:a0X000000000002")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, ids[1]);

    // Amounts are exact: a third decimal place is refused, not rounded; before any call.
    let before = calls(&client);
    let refused = target
        .write(
            "customer-payment",
            &[pay("ferry:payment:a0X000000000003", "10.005")],
        )
        .await;
    let err = refused[0].clone().unwrap_err();
    assert_eq!(err.code, "BP_INVALID_FIELD");
    assert!(err.message.contains("\"amountPaid\""));
    assert!(err.message.contains("3 decimal places"), "{}", err.message);
    assert_eq!(calls(&client) - before, 0, "the method list is cached");
    let mut unknown = pay("ferry:payment:a0X000000000004", "1.00");
    unknown
        .fields
        .insert("paymentMethodCode".into(), json!("BITCOIN"));
    let err = target.write("customer-payment", &[unknown]).await[0]
        .clone()
        .unwrap_err();
    assert_eq!(err.code, "BP_INVALID_FIELD");
    assert!(
        err.message.contains("CARD") && err.message.contains("CASH"),
        "{}",
        err.message
    );

    // Payments are not changed: the same fields are fine, different ones refused.
    let before = calls(&client);
    let same = target
        .write(
            "customer-payment",
            &[update(
                &ids[0],
                json!({"amountPaid": "10", "paymentMethodCode": "CARD"}),
            )],
        )
        .await;
    assert_eq!(same[0].clone().unwrap(), ids[0]);
    assert_eq!(calls(&client) - before, 1, "one search, no write");
    let changed = target
        .write(
            "customer-payment",
            &[update(&ids[0], json!({"amountPaid": "12.00"}))],
        )
        .await;
    let err = changed[0].clone().unwrap_err();
    assert_eq!(err.code, "BP_PAYMENT_IMMUTABLE");
    assert!(!err.transient);
    assert!(err.message.contains("amountPaid"), "{}", err.message);
    assert!(
        err.message.contains("delete the payment in Brightpearl"),
        "{}",
        err.message
    );
    let gone = target
        .write(
            "customer-payment",
            &[update("99999999", json!({"amountPaid": "1"}))],
        )
        .await;
    assert_eq!(gone[0].clone().unwrap_err().code, "BP_NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journals_are_balanced_posted_once_and_found_by_reference() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let target = BrightpearlTarget::new(client.clone());
    let journal = create(
        json!({
            "date": "2026-03-31",
            "description": "Stripe fees, March",
            "debitNominal": "5000",
            "creditNominal": "1200",
            "amount": "42.17"
        }),
        "ferry:fee:payout-0001",
    );
    let first = target
        .write("journal", std::slice::from_ref(&journal))
        .await;
    let id = first[0].clone().unwrap();
    let posted: Vec<Value> = client
        .get_many(
            "/accounting-service/journal",
            &IdSet::from_ids([id.parse().unwrap()]),
            200,
        )
        .await
        .unwrap();
    let posted = &posted[0];
    assert_eq!(posted["journalRef"], "ferry:fee:payout-0001");
    assert_eq!(posted["journalTypeCode"], "JJ");
    assert_eq!(posted["debits"][0]["nominalCode"], "5000");
    assert_eq!(posted["credits"][0]["nominalCode"], "1200");
    assert_eq!(
        dec(posted["debits"][0]["transactionAmount"].as_str().unwrap()),
        dec("42.17")
    );
    assert_eq!(
        dec(posted["credits"][0]["transactionAmount"].as_str().unwrap()),
        dec("42.17")
    );

    let before = calls(&client);
    let again = target
        .write("journal", std::slice::from_ref(&journal))
        .await;
    assert_eq!(again[0].clone().unwrap(), id);
    assert_eq!(calls(&client) - before, 1, "one search, nothing posted");
    let lines = search(
        &client,
        "accounting-service/journal-search",
        &[("journalRef", "ferry:fee:payout-0001")],
    )
    .await;
    assert_eq!(lines.len(), 2, "one journal of two lines");
    let found = target
        .find(
            "journal",
            &["journalRef".into()],
            &[vec![json!("ferry:fee:payout-0001")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, id);

    // Journals are not changed once posted.
    let same = target
        .write(
            "journal",
            &[update(
                &id,
                journal
                    .fields
                    .clone()
                    .into_iter()
                    .collect::<Map<_, _>>()
                    .into(),
            )],
        )
        .await;
    assert_eq!(same[0].clone().unwrap(), id);
    let mut changed = journal.fields.clone();
    changed.insert("amount".into(), json!("40.00"));
    let err = target
        .write("journal", &[update(&id, Value::Object(changed))])
        .await[0]
        .clone()
        .unwrap_err();
    assert_eq!(err.code, "BP_JOURNAL_IMMUTABLE");
    assert!(err.message.contains("amount"), "{}", err.message);
    // Brightpearl's refusal (a nominal code not in the chart) keeps its code.
    let mut bad = journal.fields.clone();
    bad.insert("debitNominal".into(), json!("9999"));
    let err = target
        .write("journal", &[create(Value::Object(bad), "ferry:fee:bad")])
        .await[0]
        .clone()
        .unwrap_err();
    assert!(err.code.starts_with("BP_ACCC"), "{}", err.code);
    assert!(err.message.contains("9999"), "{}", err.message);
    assert!(err.message.contains("ferry:fee:bad"), "{}", err.message);
}
