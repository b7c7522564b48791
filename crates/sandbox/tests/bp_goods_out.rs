//! Goods-out notes over a real socket: creation against an order's rows and the stock, the
//! GET map in the recorded shape (both recorded URL forms), lifecycle events (SHW implying the
//! earlier ones, nothing after shipping, If-Match), tracking PUT, stock allocated then
//! shipped, the order's shipping status, deletion rules, id-set caps and goods-out-search.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
#[allow(dead_code)]
mod cassette;
#[path = "bp_fixtures/shape.rs"]
#[allow(dead_code)]
mod shape;

use bp_common::{Answer, TestAccount, start_empty};
use ferry_sandbox::brightpearl::account::accounting::Accounting;
use ferry_sandbox::brightpearl::account::catalogue::{self, Catalogue};
use ferry_sandbox::brightpearl::account::orders::{Order, ShippingStatus};
use ferry_sandbox::brightpearl::account::stock::{self, MAIN_WAREHOUSE, Quantities, Stock};
use reqwest::Method;
use serde_json::{Value as Json, json};

/// The order every test ships.
const ORDER: u64 = 50;

/// A sandbox with two stock-tracked products (10 each in the main warehouse) and order 50:
/// row 1 = 3 of the first, row 2 = 2 of the second. Returns the product ids.
async fn setup() -> (TestAccount, u64, u64) {
    let t = start_empty().await;
    let (shirt, hat) = {
        let mut account = t.sandbox.state().account();
        if account.stock.warehouses.is_empty() {
            account.stock = Stock::standard(&account.settings);
        }
        if account.accounting.tax_codes.is_empty() {
            account.accounting = Accounting::standard(&account.settings);
        }
        if account.catalogue.brands.is_empty() {
            account.catalogue = Catalogue::standard(&account.settings);
        }
        let brand = *account.catalogue.brands.keys().next().unwrap();
        let mut product = |name: &str| {
            let body = json!({"brandId": brand, "identity": {"sku": name.to_uppercase()},
                              "stock": {"stockTracked": true},
                              "salesChannels": [{"salesChannelName": "Brightpearl", "productName": name}]});
            let id = catalogue::create_product(&mut account, &body).unwrap();
            stock::receive(&mut account, id, MAIN_WAREHOUSE, 10).unwrap();
            id
        };
        let (shirt, hat) = (product("Shirt"), product("Hat"));
        let row = |product: u64, quantity: &str| {
            json!({"orderRowSequence": "10", "productId": product, "productName": "x",
                   "quantity": {"magnitude": quantity},
                   "itemCost": {"currencyCode": "USD", "value": "1.0000"},
                   "productPrice": {"currencyCode": "USD", "value": "5.0000"},
                   "rowValue": {"taxRate": "0.0000", "taxCode": "Z",
                                "rowNet": {"currencyCode": "USD", "value": "5.0000"},
                                "rowTax": {"currencyCode": "USD", "value": "0.00"}},
                   "nominalCode": "4000"})
        };
        let order: Order = serde_json::from_value(json!({
            "id": ORDER, "orderTypeCode": "SO", "version": 1,
            "orderStatus": {"orderStatusId": 3, "name": "New phone order"},
            "orderPaymentStatus": "UNPAID", "stockStatusCode": "SOA", "allocationStatusCode": "ANA",
            "shippingStatusCode": "SNS",
            "createdOn": "2025-11-04T10:00:00.000-06:00",
            "currency": {"accountingCurrencyCode": "USD", "orderCurrencyCode": "USD", "exchangeRate": "1.000000"},
            "delivery": {"shippingMethodId": 1},
            "parties": {"customer": {"contactId": 200}},
            "orderRows": {"1": row(shirt, "3.0000"), "2": row(hat, "2.0000")},
            "warehouseId": MAIN_WAREHOUSE,
        }))
        .unwrap();
        account.orders.orders.insert(ORDER, order);
        (shirt, hat)
    };
    (t, shirt, hat)
}

fn level(t: &TestAccount, product: u64) -> Quantities {
    t.sandbox
        .state()
        .account()
        .stock
        .level(product, MAIN_WAREHOUSE)
}

fn shipping_status(t: &TestAccount) -> ShippingStatus {
    t.sandbox
        .state()
        .account()
        .orders
        .get(ORDER)
        .unwrap()
        .shipping_status_code
}

fn note_body(rows: &[(u64, u64, i64)]) -> Json {
    let products: Vec<Json> = rows
        .iter()
        .map(|(row, product, quantity)| {
            json!({"productId": product, "salesOrderRowId": row, "quantity": quantity})
        })
        .collect();
    json!({"warehouses": [{"releaseDate": "2025-11-04T10:17:45Z", "warehouseId": MAIN_WAREHOUSE,
                           "transfer": false, "products": products}],
           "priority": false, "shippingMethodId": 2})
}

fn error(answer: &Answer) -> String {
    format!(
        "{} {} {}",
        answer.status,
        answer.body["errors"][0]["code"].as_str().unwrap_or("?"),
        answer.body["errors"][0]["message"].as_str().unwrap_or("?")
    )
}

fn event(code: &str) -> Json {
    json!({"events": [{"eventCode": code, "occured": "2025-11-04T16:41:38Z", "eventOwnerId": 4}]})
}

async fn post_event(t: &TestAccount, id: u64, code: &str, if_match: Option<u64>) -> Answer {
    let mut request = t
        .request(
            Method::POST,
            &format!("/warehouse-service/goods-note/goods-out/{id}/event"),
        )
        .json(&event(code));
    if let Some(version) = if_match {
        request = request.header("if-match", version.to_string());
    }
    bp_common::send(request).await
}

async fn note(t: &TestAccount, id: u64) -> Json {
    let answer = t
        .get(&format!(
            "/warehouse-service/order/*/goods-note/goods-out/{id}"
        ))
        .await;
    answer.body["response"][id.to_string()].clone()
}

#[tokio::test]
async fn a_shipped_note_answers_in_the_recorded_shape_by_order_and_by_id() {
    let (t, shirt, hat) = setup().await;
    let post = t
        .post(
            &format!("/warehouse-service/order/{ORDER}/goods-note/goods-out"),
            note_body(&[(1, shirt, 3), (2, hat, 2)]),
        )
        .await;
    assert_eq!(
        (post.status, post.header("message-type")),
        (200, Some("post-goods-out-note")),
        "{:?}",
        post.body
    );
    let id = post.body["response"].as_u64().unwrap();
    assert_eq!(post_event(&t, id, "SHW", None).await.status, 200);

    let by_order = t
        .get(&format!(
            "/warehouse-service/order/{ORDER}/goods-note/goods-out/"
        ))
        .await;
    assert_eq!(
        (by_order.status, by_order.header("message-type")),
        (200, Some("get-goods-out-note"))
    );
    let recorded = cassette::load("goods_out_note/get/all_for_order.yml")[0]
        .response_json
        .clone()
        .unwrap();
    shape::assert_same_shape(
        &recorded,
        &by_order.body,
        "GET /order/{id}/goods-note/goods-out/",
    );
    let by_id = t
        .get(&format!(
            "/warehouse-service/order/*/goods-note/goods-out/{id}"
        ))
        .await;
    let recorded = cassette::load("goods_out_note/get/by_gon_id.yml")[0]
        .response_json
        .clone()
        .unwrap();
    shape::assert_same_shape(
        &recorded,
        &by_id.body,
        "GET /order/*/goods-note/goods-out/{id}",
    );

    let n = &by_id.body["response"][id.to_string()];
    assert_eq!(n["orderId"], ORDER);
    assert_eq!(
        n["shipping"],
        json!({"reference": "", "shippingMethodId": 2})
    );
    assert_eq!(
        n["orderRows"]["1"],
        json!([{"productId": shirt, "quantity": 3, "locationId": MAIN_WAREHOUSE}])
    );
    assert_eq!(n["releaseDate"], "2025-11-04T04:17:45.000-06:00");
    let codes: Vec<&str> = n["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["PLA", "SHW", "PRI", "PIC", "PAC"],
        "the recorded order of implied events"
    );
    assert_eq!(n["status"]["shippedOn"], "2025-11-04T10:41:38.000-06:00");
    assert_eq!(n["status"]["printedById"], 4);
}

#[tokio::test]
async fn events_if_match_and_the_end_of_the_lifecycle() {
    let (t, shirt, _) = setup().await;
    let id = t
        .create(
            &format!("/warehouse-service/order/{ORDER}/goods-note/goods-out"),
            note_body(&[(1, shirt, 2)]),
        )
        .await;
    let version = note(&t, id).await["lastEventVersion"].as_u64().unwrap();
    let stale = post_event(&t, id, "PRI", Some(version + 1)).await;
    assert_eq!(stale.status, 412, "{}", error(&stale));
    let printed = post_event(&t, id, "PRI", Some(version)).await;
    assert_eq!(
        (printed.status, printed.header("message-type")),
        (200, Some("post-goods-out-note-event"))
    );
    assert_eq!(printed.body, json!({}));
    let n = note(&t, id).await;
    assert_eq!(
        (
            n["status"]["printed"].as_bool(),
            n["status"]["picked"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert!(
        n["status"].get("pickedOn").is_none(),
        "unset steps have no time"
    );
    let replay = post_event(&t, id, "PRI", Some(version)).await;
    assert_eq!(
        replay.status, 412,
        "the old version no longer matches: no duplicate event"
    );
    let unpicked = post_event(&t, id, "UPI", None).await;
    assert!(
        error(&unpicked).contains("not picked"),
        "{}",
        error(&unpicked)
    );
    let missing = t
        .post(
            &format!("/warehouse-service/goods-note/goods-out/{id}/event"),
            json!({"events": [{"eventCode": "PIC", "eventOwnerId": 4}]}),
        )
        .await;
    assert!(
        error(&missing).contains("occured is required"),
        "{}",
        error(&missing)
    );

    assert_eq!(level(&t, shirt).allocated, 2);
    assert_eq!(post_event(&t, id, "SHW", None).await.status, 200);
    let shipped = level(&t, shirt);
    assert_eq!(
        (shipped.in_stock, shipped.allocated, shipped.on_hand),
        (8, 0, 8)
    );
    let after = post_event(&t, id, "PAC", None).await;
    assert_eq!(after.status, 400);
    assert!(error(&after).contains("has shipped"), "{}", error(&after));
    let unknown = post_event(&t, 987654, "PRI", None).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn the_order_shipping_status_follows_the_notes() {
    let (t, shirt, hat) = setup().await;
    let path = format!("/warehouse-service/order/{ORDER}/goods-note/goods-out");
    let first = t.create(&path, note_body(&[(1, shirt, 3)])).await;
    post_event(&t, first, "SHW", None).await;
    assert_eq!(shipping_status(&t), ShippingStatus::PartShipped);
    let second = t.create(&path, note_body(&[(2, hat, 2)])).await;
    assert_eq!(note(&t, second).await["sequence"], 2);
    post_event(&t, second, "SHW", None).await;
    assert_eq!(shipping_status(&t), ShippingStatus::AllShipped);
    let more = t.post(&path, note_body(&[(2, hat, 1)])).await;
    assert!(
        error(&more).contains("0 units not yet on a goods-out note")
            || error(&more).contains("has 0"),
        "{}",
        error(&more)
    );
}

#[tokio::test]
async fn creation_checks_the_order_rows_and_the_stock() {
    let (t, shirt, hat) = setup().await;
    let path = format!("/warehouse-service/order/{ORDER}/goods-note/goods-out");
    let cases = [
        (note_body(&[(1, shirt, 4)]), "WHSC-020"),
        (note_body(&[(7, shirt, 1)]), "not a row of order"),
        (note_body(&[(1, hat, 1)]), "does not match order row 1"),
        (note_body(&[(1, shirt, 0)]), "greater than 0"),
        (json!({"warehouses": []}), "warehouses is required"),
        (
            json!({"warehouses": [{"warehouseId": 77, "products": [{"salesOrderRowId": 1, "quantity": 1}]}]}),
            "not a warehouse",
        ),
    ];
    for (body, expected) in cases {
        let answer = t.post(&path, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
        assert!(
            error(&answer).contains(expected),
            "{body}: {}",
            error(&answer)
        );
        assert_eq!(answer.header("message-type"), Some("post-goods-out-note"));
    }
    let unknown = t
        .post(
            "/warehouse-service/order/424242/goods-note/goods-out",
            note_body(&[(1, shirt, 1)]),
        )
        .await;
    assert_eq!(unknown.status, 404);
    // Not enough stock: refused, and nothing allocated.
    {
        let mut account = t.sandbox.state().account();
        stock::adjust(&mut account, hat, MAIN_WAREHOUSE, -9).unwrap();
    }
    let short = t
        .post(&path, note_body(&[(1, shirt, 3), (2, hat, 2)]))
        .await;
    assert_eq!(short.status, 400, "{}", error(&short));
    assert_eq!(
        (level(&t, shirt).allocated, level(&t, hat).allocated),
        (0, 0)
    );
    let none = t
        .get(&format!(
            "/warehouse-service/order/{ORDER}/goods-note/goods-out"
        ))
        .await;
    assert_eq!(none.body, json!({"response": {}}));
}

#[tokio::test]
async fn put_sets_tracking_and_shipping_details() {
    let (t, shirt, _) = setup().await;
    let id = t
        .create(
            &format!("/warehouse-service/order/{ORDER}/goods-note/goods-out"),
            note_body(&[(1, shirt, 1)]),
        )
        .await;
    let put = t
        .call(Method::PUT, &format!("/warehouse-service/goods-note/goods-out/{id}"),
              Some(json!({"priority": true, "shipping": {"reference": "1Z999AA10123456784", "boxes": 2, "weight": "1.5"},
                          "labelUri": "https://labels.example/1.pdf"})))
        .await;
    assert_eq!(
        (put.status, put.header("message-type")),
        (200, Some("put-goods-out-note"))
    );
    assert_eq!(put.body, json!({}));
    let n = note(&t, id).await;
    assert_eq!(
        n["shipping"],
        json!({"reference": "1Z999AA10123456784", "shippingMethodId": 2, "boxes": 2, "weight": "1.5"})
    );
    assert_eq!(
        (n["priority"].as_bool(), n["labelUri"].as_str()),
        (Some(true), Some("https://labels.example/1.pdf"))
    );
    let typo = t
        .call(
            Method::PUT,
            &format!("/warehouse-service/goods-note/goods-out/{id}"),
            Some(json!({"shipping": {"tracking": "x"}})),
        )
        .await;
    assert!(
        error(&typo).contains("not a shipping field"),
        "{}",
        error(&typo)
    );
    let unknown = t
        .call(
            Method::PUT,
            "/warehouse-service/goods-note/goods-out/987654",
            Some(json!({"priority": true})),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn deletion_releases_stock_and_is_refused_once_shipped() {
    let (t, shirt, hat) = setup().await;
    let path = format!("/warehouse-service/order/{ORDER}/goods-note/goods-out");
    let first = t.create(&path, note_body(&[(1, shirt, 3)])).await;
    let second = t.create(&path, note_body(&[(2, hat, 2)])).await;
    assert_eq!(level(&t, shirt).allocated, 3);
    let wrong = t
        .call(
            Method::DELETE,
            &format!(
                "/warehouse-service/order/{}/goods-note/goods-out/{first}",
                ORDER + 1
            ),
            None,
        )
        .await;
    assert_eq!(wrong.status, 404);
    let deleted = t
        .call(Method::DELETE, &format!("{path}/{first}"), None)
        .await;
    assert_eq!(
        (
            deleted.status,
            deleted.header("message-type"),
            &deleted.body
        ),
        (200, Some("delete-goods-out-note"), &json!({}))
    );
    assert_eq!(level(&t, shirt).allocated, 0);
    post_event(&t, second, "SHW", None).await;
    let shipped = t
        .call(
            Method::DELETE,
            &format!("/warehouse-service/goods-note/goods-out/{second}"),
            None,
        )
        .await;
    assert_eq!(shipped.status, 400);
    assert!(
        error(&shipped).contains("cannot be deleted"),
        "{}",
        error(&shipped)
    );
    let gone = t
        .call(
            Method::DELETE,
            &format!("/warehouse-service/goods-note/goods-out/{first}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn id_sets_are_capped_at_500_and_star_needs_note_ids() {
    let (t, shirt, _) = setup().await;
    let id = t
        .create(
            &format!("/warehouse-service/order/{ORDER}/goods-note/goods-out"),
            note_body(&[(1, shirt, 1)]),
        )
        .await;
    let five_hundred = t
        .get(&format!(
            "/warehouse-service/order/*/goods-note/goods-out/{id}-{}",
            id + 499
        ))
        .await;
    assert_eq!(five_hundred.status, 200);
    assert_eq!(five_hundred.body["response"].as_object().unwrap().len(), 1);
    let over = t
        .get("/warehouse-service/order/*/goods-note/goods-out/1-501")
        .await;
    assert!(error(&over).contains("at most 500"), "{}", error(&over));
    let orders_over = t
        .get("/warehouse-service/order/1-501/goods-note/goods-out")
        .await;
    assert_eq!(orders_over.status, 400);
    let star = t
        .get("/warehouse-service/order/*/goods-note/goods-out")
        .await;
    assert_eq!(star.status, 400);
    let other_order = t
        .get(&format!(
            "/warehouse-service/order/{}/goods-note/goods-out/{id}",
            ORDER + 1
        ))
        .await;
    assert_eq!(other_order.body, json!({"response": {}}));
    let both = t
        .get(&format!(
            "/warehouse-service/order/{},{}/goods-note/goods-out",
            ORDER,
            ORDER + 1
        ))
        .await;
    assert!(both.body["response"][id.to_string()].is_object());
}

#[tokio::test]
async fn goods_out_search_lists_notes_by_state() {
    let (t, shirt, hat) = setup().await;
    let path = format!("/warehouse-service/order/{ORDER}/goods-note/goods-out");
    let first = t.create(&path, note_body(&[(1, shirt, 3)])).await;
    let second = t.create(&path, note_body(&[(2, hat, 2)])).await;
    post_event(&t, first, "SHW", None).await;
    let all = t
        .get(&format!(
            "/warehouse-service/goods-note/goods-out-search?orderId={ORDER}"
        ))
        .await;
    assert_eq!(
        (all.status, all.header("message-type")),
        (200, Some("bulk-data-search"))
    );
    let columns: Vec<&str> = all.body["response"]["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "goodsOutNoteId",
            "printed",
            "picked",
            "packed",
            "shipped",
            "shippedOn",
            "orderId",
            "shippingMethodId",
            "warehouseId",
            "priority",
            "createdOn",
            "releaseDate",
            "createdBy",
            "labelUri",
            "channelId",
            "transfer"
        ]
    );
    assert_eq!(all.body["response"]["results"].as_array().unwrap().len(), 2);
    let open = t
        .get("/warehouse-service/goods-note/goods-out-search?shipped=false")
        .await;
    let rows = open.body["response"]["results"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0].as_u64(), Some(second));
    assert_eq!(rows[0][5], Json::Null, "not shipped, no shippedOn");
    let bad = t
        .get("/warehouse-service/goods-note/goods-out-search?orderId=fifty")
        .await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["code"].as_str()),
        (500, Some("CMNC-018"))
    );
}
