//! Order custom fields and their metadata.

use crate::bp_common::start_empty;
use crate::shape;
use crate::support::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn custom_fields_follow_the_documented_patch_rules() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let order = create_so(&t, customer, "#0001").await;
    let path = format!("/order-service/order/{order}/custom-field");
    let empty = t.get(&path).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body, json!({"response": {}}));
    assert_eq!(empty.header("message-type"), Some("get-custom-fields"));

    // replace of an empty field fails; add sets; a select is written {"id"} and read {id,value}.
    let replace = t
        .call(
            Method::PATCH,
            &path,
            Some(json!([{"op": "replace", "path": "/PCF_P_NUMBER", "value": "PO-1"}])),
        )
        .await;
    assert_eq!(replace.status, 500);
    assert_eq!(replace.body["errors"][0]["code"], "CMNC-044");
    let added = t
        .call(
            Method::PATCH,
            &path,
            Some(
                json!([{"op": "add", "path": "/PCF_SOURCE", "value": {"id": 2}},
                        {"op": "add", "path": "/PCF_P_NUMBER", "value": "PO-1"},
                        {"op": "add", "path": "/PCF_PRIORITY", "value": true}]),
            ),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    assert_eq!(added.header("message-type"), Some("patch-custom-fields"));
    assert_eq!(
        added.body["response"],
        json!({"PCF_SOURCE": {"id": 2, "value": "Phone"}, "PCF_P_NUMBER": "PO-1", "PCF_PRIORITY": true})
    );
    let recorded_patch = recorded("order/custom_field/patch.yml");
    shape::assert_same_shape_any_order(
        &json!({"response": {"PCF_REICUOTA": recorded_patch["response"]["PCF_REICUOTA"],
                             "PCF_TEAM": recorded_patch["response"]["PCF_TEAM"]}}),
        &json!({"response": {"PCF_REICUOTA": added.body["response"]["PCF_SOURCE"],
                             "PCF_TEAM": added.body["response"]["PCF_P_NUMBER"]}}),
        "custom field values",
    );
    let replaced = t
        .call(
            Method::PATCH,
            &path,
            Some(
                json!([{"op": "replace", "path": "/PCF_P_NUMBER", "value": "PO-2"},
                        {"op": "remove", "path": "/PCF_PRIORITY"}]),
            ),
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["response"]["PCF_P_NUMBER"], "PO-2");
    assert!(replaced.body["response"].get("PCF_PRIORITY").is_none());
    for (ops, status) in [
        (
            json!([{"op": "add", "path": "/PCF_SOURCE", "value": {"id": 99}}]),
            400,
        ),
        (
            json!([{"op": "add", "path": "/PCF_PRIORITY", "value": "maybe"}]),
            400,
        ),
        (
            json!([{"op": "add", "path": "/PCF_NOPE", "value": "x"}]),
            500,
        ),
        (
            json!([{"op": "add", "path": "/PCF_SUPREF", "value": "x"}]),
            500,
        ),
    ] {
        let answer = t.call(Method::PATCH, &path, Some(ops.clone())).await;
        assert_eq!(answer.status, status, "{ops}: {:?}", answer.body);
    }
    // The order GET shows them on request; the version counted each change.
    let got = t
        .get(&format!(
            "/order-service/order/{order}?includeOptional=customFields,nullCustomFields"
        ))
        .await;
    let body = &got.body["response"][0];
    assert_eq!(body["customFields"]["PCF_SOURCE"]["value"], "Phone");
    assert!(
        body["nullCustomFields"]
            .as_array()
            .unwrap()
            .contains(&json!("PCF_GIFTMSG"))
    );
    assert_eq!(body["version"], 3);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert_eq!(
        at("customFields"),
        at("warehouseId") + 1,
        "recorded position"
    );
    assert!(get_order(&t, order).await.get("customFields").is_none());
    // A single order id only.
    let two = t
        .get(&format!(
            "/order-service/order/{order},{order}/custom-field"
        ))
        .await;
    assert_eq!(two.status, 404);

    // Metadata in the recorded shape.
    let meta = t.get("/order-service/sale/custom-field-meta-data/5").await;
    assert_eq!(meta.status, 200, "{:?}", meta.body);
    assert_eq!(
        meta.header("message-type"),
        Some("get-custom-fields-metadata")
    );
    shape::assert_same_shape(
        &recorded("order/custom_field_metadata/get/single.yml"),
        &meta.body,
        "custom-field metadata",
    );
    let purchase = t
        .get("/order-service/purchase/custom-field-meta-data")
        .await;
    assert_eq!(purchase.body["response"][0]["code"], "PCF_SUPREF");
}
