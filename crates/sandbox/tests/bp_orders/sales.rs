//! The sales-order and sales-credit resources: atomic creation with rows, the flat GET shape,
//! PUT under If-Match, row PUT, OPTIONS, and the id space shared with `/order`.

use crate::bp_common::start_empty;
use crate::support::*;
use reqwest::Method;
use serde_json::{Value as Json, json};

/// A sales-order body for `customer` with a free-text row and a product row.
fn body(customer: u64, product: u64) -> Json {
    json!({
        "customer": {"id": customer},
        "ref": "WEB-1001", "externalRef": "shop-1001", "placedOn": "2026-01-05T10:00:00Z",
        "channelId": 1, "priceModeCode": "EXC", "installedIntegrationInstanceId": 13,
        "currency": {"code": "USD", "fixedExchangeRate": true, "exchangeRate": "1.000000"},
        "delivery": {"date": "2026-01-10", "shippingMethodId": 0,
                     "address": {"addressFullName": "Gift Recipient", "addressLine1": "9 Elm Row",
                                 "postalCode": "EH1 1AA", "countryIsoCode": "GB"}},
        "rows": [
            {"name": "Gift wrap", "quantity": "1", "taxCode": "T", "net": "2.00", "tax": "0.20",
             "externalRef": "line-1"},
            {"productId": product, "quantity": "3", "taxCode": "T", "net": "30.00", "tax": "3.00"}
        ]
    })
}

#[tokio::test]
async fn sales_orders_share_the_order_id_space_and_read_back_flat() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let shirt = product(&t, "Nice Shirt for Summer", "TEST001", true, "10").await;
    let before = create_so(&t, customer, "A").await;
    let answer = t
        .post("/order-service/sales-order", body(customer, shirt))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("post-sales-order"));
    let id = answer.body["response"].as_u64().unwrap();
    assert_eq!(
        id,
        before + 1,
        "one id sequence for /order and /sales-order"
    );
    let after = create_so(&t, customer, "B").await;
    assert_eq!(after, id + 1);

    let got = t.get(&format!("/order-service/sales-order/{id}")).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.header("message-type"), Some("get-sales-order"));
    let so = &got.body["response"][0];
    let keys: Vec<&str> = so.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&keys[..4], ["id", "customer", "billing", "ref"]);
    assert_eq!(so["customer"]["id"], json!(customer));
    assert_eq!(so["customerId"], json!(customer));
    assert_eq!(so["ref"], "WEB-1001");
    assert_eq!(so["externalRef"], "shop-1001");
    assert_eq!(so["channelId"], 1);
    assert_eq!(so["installedIntegrationInstanceId"], 13);
    assert_eq!(
        so["delivery"]["address"]["addressFullName"],
        "Gift Recipient"
    );
    assert_eq!(so["delivery"]["address"]["countryIsoCode"], "GB");
    assert_eq!(so["delivery"]["date"], "2026-01-09T18:00:00.000-06:00");
    assert_eq!(
        so["total"],
        json!({"net": "32.00", "tax": "3.20", "gross": "35.20",
                                   "baseNet": "32.00", "baseTax": "3.20", "baseGross": "35.20"})
    );
    let rows = so["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "Gift wrap");
    assert_eq!(rows[0]["productId"], 1000);
    assert_eq!(rows[0]["externalRef"], "line-1");
    assert_eq!(rows[1]["sku"], "TEST001");
    assert_eq!(rows[1]["quantity"], "3.0000");
    assert_eq!(rows[1]["net"], "30.0000");
    assert_eq!(rows[1]["tax"], "3.00");
    assert_eq!(so["isCanceled"], false);
    assert_eq!(so["shippingStatusCode"], "SNS");
    assert_eq!(so["orderPaymentStatus"], "UNPAID");
    assert_eq!(so["version"], 1);

    // The same record through /order: rows keyed by the same ids.
    let order = get_order(&t, id).await;
    assert_eq!(
        order["orderRows"][rows[1]["id"].to_string()]["productId"],
        json!(shirt)
    );
    assert_eq!(order["externalRef"], "shop-1001");
    assert_eq!(order["assignment"]["current"]["channelId"], 1);
    // A plain order is not a sales-order of this resource's shape, but still an SO.
    let plain = t
        .get(&format!("/order-service/sales-order/{before},{id},999999"))
        .await;
    assert_eq!(plain.body["response"].as_array().unwrap().len(), 2);

    // A repeated externalRef from the same integration answers the first order.
    let again = t
        .post("/order-service/sales-order", body(customer, shirt))
        .await;
    assert_eq!(again.body["response"], json!(id));

    // Refusals create nothing.
    for (bad, needle) in [
        (json!({"rows": []}), "customer.id"),
        (
            json!({"customer": {"id": customer}, "rows": [
                {"name": "ok", "quantity": "1", "taxCode": "T", "net": "1", "tax": "0.1"},
                {"name": "no tax", "quantity": "1", "taxCode": "T", "net": "1"}]}),
            "rows[1].tax",
        ),
        (
            json!({"customer": {"id": customer}, "rows": [
                {"productId": shirt, "quantity": "1.5", "taxCode": "T", "net": "1", "tax": "0.1"}]}),
            "rows[0]: quantity.magnitude 1.5",
        ),
    ] {
        let answer = t.post("/order-service/sales-order", bad.clone()).await;
        assert_eq!(answer.status, 400, "{bad}: {:?}", answer.body);
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
    }
    assert_eq!(
        create_so(&t, customer, "C").await,
        after + 1,
        "no id was used"
    );

    // OPTIONS lists sales orders only.
    let supplier = supplier(&t).await;
    let po = create_po(&t, supplier, "P").await;
    let options = t
        .call(Method::OPTIONS, "/order-service/sales-order", None)
        .await;
    assert_eq!(options.header("message-type"), Some("options-sales-order"));
    let uris = options.body["response"]["getUris"][0].as_str().unwrap();
    assert!(!uris.contains(&po.to_string()), "{uris}");
    assert!(
        t.get(&format!("/order-service/sales-order/{po}"))
            .await
            .body["response"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sales_order_put_honours_if_match() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let shirt = product(&t, "Nice Shirt for Summer", "TEST001", true, "10").await;
    let id = t
        .create("/order-service/sales-order", body(customer, shirt))
        .await;
    let so = t
        .get(&format!("/order-service/sales-order/{id}"))
        .await
        .body["response"][0]
        .clone();
    let rows = so["rows"].as_array().unwrap().clone();

    let mut change = body(customer, shirt);
    change["ref"] = json!("WEB-1001-B");
    change["rows"] = json!([
        {"id": rows[1]["id"], "productId": shirt, "quantity": "4", "taxCode": "T", "net": "40.00", "tax": "4.00"},
        {"name": "Delivery", "quantity": "1", "taxCode": "Z", "net": "5.00", "tax": "0.00"}
    ]);
    let stale = t
        .request(Method::PUT, &format!("/order-service/sales-order/{id}"))
        .header("if-match", "7")
        .json(&change);
    let answer = bp_common_send(stale).await;
    assert_eq!(answer.status, 412, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("put-sales-order"));
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("version 1")
    );
    assert_eq!(get_order(&t, id).await["reference"], "WEB-1001");

    let fresh = t
        .request(Method::PUT, &format!("/order-service/sales-order/{id}"))
        .header("if-match", "1")
        .json(&change);
    let answer = bp_common_send(fresh).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body, json!({}));
    let so = t
        .get(&format!("/order-service/sales-order/{id}"))
        .await
        .body["response"][0]
        .clone();
    assert_eq!(so["ref"], "WEB-1001-B");
    assert_eq!(so["version"], 2);
    let new_rows = so["rows"].as_array().unwrap();
    assert_eq!(new_rows.len(), 2);
    assert_eq!(
        new_rows[0]["id"], rows[1]["id"],
        "kept row keeps its id and place"
    );
    assert_eq!(new_rows[0]["quantity"], "4.0000");
    assert_eq!(new_rows[1]["name"], "Delivery");
    assert_eq!(so["total"]["gross"], "49.00");

    // PUT of rows by id set.
    let row_id = new_rows[0]["id"].as_u64().unwrap();
    let put_rows = t
        .call(
            Method::PUT,
            &format!("/order-service/sales-order/{id}/row/{row_id}"),
            Some(
                json!([{"id": row_id, "productId": shirt, "quantity": "1", "taxCode": "T",
                         "net": "10.00", "tax": "1.00"}]),
            ),
        )
        .await;
    assert_eq!(put_rows.status, 200, "{:?}", put_rows.body);
    assert_eq!(get_order(&t, id).await["totalValue"]["total"], "16.00");
    let outside = t
        .call(
            Method::PUT,
            &format!("/order-service/sales-order/{id}/row/{row_id}"),
            Some(
                json!([{"id": row_id + 100, "name": "x", "quantity": "1", "taxCode": "T",
                         "net": "1", "tax": "0"}]),
            ),
        )
        .await;
    assert_eq!(outside.status, 400);
}

#[tokio::test]
async fn sales_credits_point_at_their_sales_order() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let shirt = product(&t, "Nice Shirt for Summer", "TEST001", true, "10").await;
    let so = t
        .create("/order-service/sales-order", body(customer, shirt))
        .await;
    let credit = t
        .post(
            "/order-service/sales-credit",
            json!({"customer": {"id": customer}, "parentId": so, "ref": "RMA-1",
                   "rows": [{"productId": shirt, "quantity": "1", "taxCode": "T",
                             "net": "10.00", "tax": "1.00"}]}),
        )
        .await;
    assert_eq!(credit.status, 200, "{:?}", credit.body);
    assert_eq!(credit.header("message-type"), Some("post-sales-credit"));
    let id = credit.body["response"].as_u64().unwrap();
    let got = t.get(&format!("/order-service/sales-credit/{id}")).await;
    assert_eq!(got.header("message-type"), Some("get-sales-credit"));
    let sc = &got.body["response"][0];
    assert_eq!(sc["parentId"], json!(so));
    assert_eq!(sc["statusId"], 10);
    assert_eq!(get_order(&t, id).await["orderTypeCode"], "SC");
    assert!(
        t.get(&format!("/order-service/sales-order/{id}"))
            .await
            .body["response"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let supplier = supplier(&t).await;
    let po = create_po(&t, supplier, "P").await;
    let wrong = t
        .post(
            "/order-service/sales-credit",
            json!({"customer": {"id": customer}, "parentId": po}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PO")
    );
}

async fn bp_common_send(request: reqwest::RequestBuilder) -> crate::bp_common::Answer {
    crate::bp_common::send(request).await
}
