//! OPTIONS, the id-set cap, and the order reference lists.

use crate::bp_common::start_empty;
use crate::cassette;
use crate::shape;
use crate::support::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn options_and_the_id_set_cap() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let ids = bulk_orders(&t, customer, 205);
    let (first, last) = (ids[0], ids[204]);
    let all = t.call(Method::OPTIONS, "/order-service/order", None).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("message-type"), Some("options-order"));
    assert_eq!(
        all.body["response"]["getUris"],
        json!([
            format!("/order/{first}-{}", first + 199),
            format!("/order/{}-{last}", first + 200)
        ])
    );
    let some = t
        .call(
            Method::OPTIONS,
            &format!("/order-service/order/{}-{},{last},999999", first, first + 2),
            None,
        )
        .await;
    assert_eq!(
        some.body["response"]["getUris"],
        json!([format!("/order/{first}-{},{last}", first + 2)])
    );
    shape::assert_same_shape(&recorded("order_options.yml"), &some.body, "OPTIONS");

    let over = t
        .get(&format!("/order-service/order/{first}-{}", first + 200))
        .await;
    assert_eq!(over.status, 400);
    assert!(
        over.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 200")
    );
    let full = t
        .get(&format!("/order-service/order/{first}-{}", first + 199))
        .await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body["response"].as_array().unwrap().len(), 200);

    let unknown = t.get("/order-service/order/999").await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.body, recorded("order_get_empty_not_found.yml"));
    let bad = t.get("/order-service/order/abc").await;
    assert_eq!(bad.status, 400);
    let mixed = t.get(&format!("/order-service/order/{first},999999")).await;
    assert_eq!(mixed.body["response"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn order_reference_lists_have_the_recorded_shapes() {
    let t = start_empty().await;
    let status = t.get("/order-service/order-status/1").await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.body,
        recorded("order_status_get.yml"),
        "status 1 as recorded"
    );
    assert_eq!(status.header("message-type"), Some("get-order-status"));
    let shipping = t.get("/order-service/order-shipping-status").await;
    assert_eq!(shipping.body, recorded("order_shipping_status_get.yml"));
    assert_eq!(
        shipping.header("message-type"),
        Some("get-order-shipping-status")
    );
    let types = t.get("/order-service/order-type/").await;
    assert_eq!(types.header("message-type"), Some("get-order-type"));
    assert_eq!(
        types.body["response"][0],
        json!({"id": 1, "code": "SO", "description": "Sales Order"})
    );
    assert_eq!(types.body["response"].as_array().unwrap().len(), 4);
    let stock = t.get("/order-service/order-stock-status/13").await;
    assert_eq!(stock.header("message-type"), Some("get-order-stock-status"));
    assert_eq!(
        stock.body["response"],
        json!([{"id": 13, "code": "NON", "description": "Unset"}])
    );

    let step = &cassette::load("order_status_post.yml")[0];
    let created = t
        .post(
            "/order-service/order-status",
            step.request_json.clone().unwrap(),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.header("message-type"), Some("post-order-status"));
    let id = created.body["response"].as_u64().unwrap();
    let got = t.get(&format!("/order-service/order-status/{id}")).await;
    assert_eq!(got.body["response"][0]["name"], "TEST Status");
    assert_eq!(got.body["response"][0]["color"], "#60a0ff");
    for body in [
        json!({"name": "No colour", "orderTypeCode": "SO"}),
        json!({"name": "Bad", "orderTypeCode": "SO", "color": "blue"}),
        json!({"name": "TEST Status", "orderTypeCode": "SO", "color": "#000000"}),
        json!({"orderTypeCode": "SO", "color": "#000000"}),
    ] {
        let answer = t.post("/order-service/order-status", body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
    }
    // A new status can be given to an order.
    let customer = demo_customer(&t).await;
    let order = create_so(&t, customer, "#1").await;
    let put = t
        .call(
            Method::PUT,
            &format!("/order-service/order/{order}/status"),
            Some(json!({"orderStatusId": id})),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
}
