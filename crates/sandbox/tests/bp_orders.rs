//! The order service over a real socket: the generic order (POST shape, GET shape, header
//! JSON-Patch, rows, status, notes, custom fields, OPTIONS and the id-set cap), the reference
//! lists, order-search and sales-order-search, and the sales-order and sales-credit resources
//! sharing the order id space; shapes checked against the recorded cassettes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
#[allow(dead_code)]
mod cassette;
#[path = "bp_orders/hooks.rs"]
mod hooks;
#[path = "bp_orders/sales.rs"]
mod sales;
#[path = "bp_orders/search.rs"]
mod search;
#[path = "bp_fixtures/shape.rs"]
#[allow(dead_code)]
mod shape;
#[path = "bp_orders/support.rs"]
mod support;

use bp_common::start_empty;
use reqwest::Method;
use serde_json::json;
use support::*;

#[tokio::test]
async fn a_minimal_sales_order_patched_as_recorded_has_the_recorded_shape() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let steps = cassette::load("order_patch.yml");
    let mut post = steps[0].request_json.clone().unwrap();
    post["parties"]["customer"]["contactId"] = json!(customer);
    let answer = t.post("/order-service/order", post).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("post-order"));
    let id = answer.body["response"].as_u64().unwrap();
    shape::assert_same_shape(
        steps[0].response_json.as_ref().unwrap(),
        &answer.body,
        "POST",
    );

    let ops = steps[1].request_json.clone().unwrap();
    let patched = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{id}"),
            Some(ops),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.header("message-type"), Some("patch-order"));
    let recorded = steps[1].response_json.as_ref().unwrap();
    shape::assert_same_shape(recorded, &patched.body, "order_patch.yml PATCH");
    let order = &patched.body["response"];
    // The recorded values that are not data.
    for key in [
        "parentOrderId",
        "orderTypeCode",
        "reference",
        "version",
        "state",
        "orderStatus",
        "tax",
        "orderPaymentStatus",
        "stockStatusCode",
        "allocationStatusCode",
        "shippingStatusCode",
        "createdById",
        "priceModeCode",
        "invoices",
        "totalValue",
        "assignment",
        "orderRows",
        "warehouseId",
        "acknowledged",
        "costPriceListId",
        "historicalOrder",
        "isDropship",
        "orderWeighting",
    ] {
        assert_eq!(order[key], recorded["response"][key], "{key}");
    }
    assert_eq!(
        order["delivery"]["deliveryDate"], "2022-01-19T18:00:00.000-06:00",
        "a date is UTC midnight shown in the account's offset"
    );
    assert_eq!(order["currency"]["exchangeRate"], "1.000000");
    assert!(
        order.get("updatedOn").is_none(),
        "a header patch is not versioned"
    );
    assert_eq!(order["placedOn"], order["createdOn"]);
    let customer_party = &order["parties"]["customer"];
    assert_eq!(customer_party["contactId"], json!(customer));
    assert_eq!(customer_party["addressFullName"], "Demo Customer");
    assert_eq!(customer_party["companyName"], "Customer Company Ltd.");
    assert_eq!(customer_party["countryIsoCode3"], "GBR");
    assert!(order["parties"]["delivery"].get("contactId").is_none());
    assert_eq!(order["parties"]["billing"]["contactId"], json!(customer));

    // The GET answers the same record in an array.
    let got = t.get(&format!("/order-service/order/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("message-type"), Some("get-order"));
    assert_eq!(got.body["response"][0], *order);
}

#[tokio::test]
async fn order_posts_refused_as_recorded() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    for (name, code) in [
        ("order_post_error_missing_required.yml", "ORDC-005"),
        ("order_post_error_unknown.yml", "ORDC-006"),
        ("order_post_error_wrong_party.yml", "ORDC-022"),
    ] {
        let step = &cassette::load(name)[0];
        let mut body = step.request_json.clone().unwrap();
        if body["parties"]["customer"].is_object() {
            body["parties"]["customer"]["contactId"] = json!(customer);
        }
        let answer = t.post("/order-service/order", body).await;
        assert_eq!(answer.status, 400, "{name}");
        assert_eq!(answer.body, *step.response_json.as_ref().unwrap(), "{name}");
        assert_eq!(answer.header("message-type"), Some("post-order"), "{name}");
        assert_eq!(answer.body["errors"][0]["code"], code);
    }
    for (body, needle) in [
        (json!({"orderTypeCode": "SO"}), "Customer ID Required"),
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": 999_999}}}),
            "999999 is not a contact",
        ),
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": customer}},
                   "orderStatus": {"orderStatusId": 6}}),
            "is a PO status",
        ),
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": customer}},
                   "warehouseId": 77}),
            "warehouseId 77",
        ),
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": customer}},
                   "currency": {"orderCurrencyCode": "XYZ"}}),
            "XYZ",
        ),
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": customer}},
                   "placedOn": "yesterday"}),
            "placedOn",
        ),
    ] {
        let answer = t.post("/order-service/order", body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {:?}", answer.body);
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let not_json = t
        .request(Method::POST, "/order-service/order")
        .header("content-type", "application/json")
        .body("{oops");
    let answer = bp_common::send(not_json).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errors"][0]["code"], "CMNC-010");
}

#[tokio::test]
async fn duplicate_order_type_keys_take_the_last_and_every_type_gets_its_default_status() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let supplier = supplier(&t).await;
    // order_post_sc.yml / order_post_pc.yml send orderTypeCode twice; the last one wins.
    let sc = format!(
        r##"{{"reference":"#0001","orderTypeCode":"SO","parties":{{"customer":{{"contactId":{customer}}}}},"orderTypeCode":"SC"}}"##
    );
    let pc = format!(
        r##"{{"reference":"#0001","orderTypeCode":"PO","parties":{{"supplier":{{"contactId":{supplier}}}}},"orderTypeCode":"PC"}}"##
    );
    let mut ids = Vec::new();
    for body in [sc, pc] {
        let request = t
            .request(Method::POST, "/order-service/order")
            .header("content-type", "application/json")
            .body(body);
        let answer = bp_common::send(request).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        ids.push(answer.body["response"].as_u64().unwrap());
    }
    let po = create_po(&t, supplier, "#0001").await;
    let so = create_so(&t, customer, "#0001").await;
    let got = t
        .get(&format!(
            "/order-service/order/{},{},{po},{so}",
            ids[0], ids[1]
        ))
        .await;
    let by_id = |id: u64| {
        got.body["response"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == json!(id))
            .unwrap()
            .clone()
    };
    let credit = by_id(ids[0]);
    assert_eq!(credit["orderTypeCode"], "SC");
    assert_eq!(
        credit["orderStatus"],
        json!({"orderStatusId": 10, "name": "Sales credit"})
    );
    let purchase_credit = by_id(ids[1]);
    assert_eq!(purchase_credit["orderTypeCode"], "PC");
    assert_eq!(purchase_credit["orderStatus"]["orderStatusId"], 12);
    let purchase = by_id(po);
    assert_eq!(
        purchase["orderStatus"],
        json!({"orderStatusId": 6, "name": "Pending PO"})
    );
    assert!(
        purchase["delivery"]["deliveryDate"].is_string(),
        "a PO is due a week later"
    );
    assert_eq!(
        purchase["parties"]["supplier"]["contactId"],
        json!(supplier)
    );
    assert_eq!(purchase["parties"]["billing"]["contactId"], json!(supplier));
    assert!(purchase["parties"].get("customer").is_none());
    assert_eq!(purchase["isDropship"], false);
    let recorded_po = recorded("order_get_one_po.yml");
    for party in ["delivery", "billing"] {
        shape::assert_same_shape(
            &recorded_po["response"][0]["parties"][party],
            &purchase["parties"][party],
            party,
        );
    }
    // Supplier 418 had no country; ours has one, so its shape is the customer party's.
    shape::assert_same_shape(
        &recorded("order_get_one.yml")["response"][0]["parties"]["customer"],
        &purchase["parties"]["supplier"],
        "supplier",
    );
    assert_eq!(
        purchase["parties"]["delivery"]["companyName"],
        purchase["parties"]["delivery"]["addressFullName"],
        "the account's own company"
    );
    assert_eq!(by_id(so)["orderStatus"]["orderStatusId"], 3);
}

#[tokio::test]
async fn rows_change_the_totals_and_answer_as_recorded() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let order = create_so(&t, customer, "#0001").await;
    // order_row_post.yml: a free-text row.
    let row_body = cassette::load("order_row_post.yml")[1]
        .request_json
        .clone()
        .unwrap();
    let answer = t
        .post(&format!("/order-service/order/{order}/row"), row_body)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("post-order-row"));
    let row = answer.body["response"].as_u64().unwrap();
    let got = get_order(&t, order).await;
    let free = &got["orderRows"][row.to_string()];
    assert_eq!(free["productId"], 1000);
    assert!(free.get("productSku").is_none());
    assert_eq!(free["rowValue"]["taxRate"], "13.0000");
    assert_eq!(free["rowValue"]["taxClassId"], 9);
    assert_eq!(free["rowValue"]["rowNet"]["value"], "100.0000");
    assert_eq!(free["rowValue"]["rowTax"]["value"], "13.00");
    assert_eq!(free["quantity"]["magnitude"], "5.0000");
    assert_eq!(free["orderRowSequence"], "10");
    assert_eq!(got["totalValue"]["total"], "113.00");
    assert_eq!(got["orderPaymentStatus"], "UNPAID");
    assert_eq!(got["version"], 2, "a row is a versioned change");
    assert!(got["updatedOn"].is_string());

    // order_row_patch.yml: the tax follows the net.
    let ops = cassette::load("order_row_patch.yml")[2]
        .request_json
        .clone()
        .unwrap();
    let patched = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{order}/row/{row}"),
            Some(ops),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.header("message-type"), Some("patch-order-row"));
    let recorded_row = cassette::load("order_row_patch.yml")[2]
        .response_json
        .clone()
        .unwrap();
    shape::assert_same_shape(&recorded_row, &patched.body, "order_row_patch.yml");
    assert_eq!(
        patched.body, recorded_row,
        "the recorded row, value for value"
    );

    // A product row priced from the retail list, tax from the product's code (T, 10%).
    let shirt = product(&t, "Nice Shirt for Summer", "TEST001", true, "10").await;
    let answer = t
        .post(
            &format!("/order-service/order/{order}/row"),
            json!({"productId": shirt, "quantity": {"magnitude": 2}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let shirt_row = answer.body["response"].as_u64().unwrap();
    let got = get_order(&t, order).await;
    let line = &got["orderRows"][shirt_row.to_string()];
    assert_eq!(line["productSku"], "TEST001");
    assert_eq!(line["productName"], "Nice Shirt for Summer");
    assert_eq!(line["productPrice"]["value"], "10.0000");
    assert_eq!(line["rowValue"]["rowNet"]["value"], "20.0000");
    assert_eq!(line["rowValue"]["rowTax"]["value"], "2.00");
    assert_eq!(line["rowValue"]["taxCode"], "T");
    assert_eq!(line["orderRowSequence"], "20");
    assert_eq!(got["totalValue"]["net"], "220.00");
    assert_eq!(got["totalValue"]["total"], "248.00");
    assert_eq!(got["stockStatusCode"], "SON");
    assert_eq!(got["allocationStatusCode"], "ANA");
    assert_eq!(got["shippingStatusCode"], "SNS");
    shape::assert_same_shape(
        &recorded("order_get_one.yml")["response"][0]["orderRows"],
        &json!({ shirt_row.to_string(): line }),
        "a product row",
    );

    // Refusals.
    for (body, needle) in [
        (
            json!({"productId": shirt, "quantity": {"magnitude": 1.5}}),
            "whole number",
        ),
        (
            json!({"quantity": {"magnitude": 1}}),
            "productId, a productName",
        ),
        (
            json!({"productName": "x", "quantity": {"magnitude": 1}}),
            "taxCode is required",
        ),
        (
            json!({"productName": "x", "rowValue": {"taxCode": "T"}}),
            "quantity.magnitude",
        ),
        (
            json!({"productName": "x", "quantity": {"magnitude": 1}, "rowValue": {"taxCode": "NOPE"}}),
            "NOPE",
        ),
        (
            json!({"productId": 424_242, "quantity": {"magnitude": 1}}),
            "424242",
        ),
    ] {
        let answer = t
            .post(&format!("/order-service/order/{order}/row"), body.clone())
            .await;
        assert_eq!(answer.status, 400, "{body}: {:?}", answer.body);
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let wrong_path = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{order}/row/{row}"),
            Some(json!([{"op": "replace", "path": "/productId", "value": 5}])),
        )
        .await;
    assert_eq!(wrong_path.status, 500);
    assert_eq!(wrong_path.body["errors"][0]["code"], "CMNC-044");

    // order_row_delete.yml: `{}`, and the totals drop the row.
    let deleted = t
        .call(
            Method::DELETE,
            &format!("/order-service/order/{order}/row/{row}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({}));
    assert_eq!(deleted.header("message-type"), Some("delete-order-row"));
    let got = get_order(&t, order).await;
    assert_eq!(got["totalValue"]["total"], "22.00");
    assert!(got["orderRows"].get(row.to_string()).is_none());
    let again = t
        .call(
            Method::DELETE,
            &format!("/order-service/order/{order}/row/{row}"),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    let missing = t
        .post(
            "/order-service/order/424242/row",
            json!({"productName": "x", "quantity": {"magnitude": 1}}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn status_changes_answer_empty_and_keep_a_note() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let order = create_so(&t, customer, "#0001").await;
    let step = &cassette::load("order_status_update_put.yml")[1];
    let answer = t
        .call(
            Method::PUT,
            &format!("/order-service/order/{order}/status"),
            step.request_json.clone(),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body, json!({}));
    assert_eq!(answer.header("message-type"), Some("put-order-status"));
    let got = get_order(&t, order).await;
    assert_eq!(
        got["orderStatus"],
        json!({"orderStatusId": 2, "name": "New web order"})
    );
    assert_eq!(got["version"], 2);

    let with_note = t
        .call(
            Method::PUT,
            &format!("/order-service/order/{order}/status"),
            Some(json!({"orderStatusId": 4, "orderNote": {"text": "Invoiced by hand", "isPublic": true}})),
        )
        .await;
    assert_eq!(with_note.status, 200, "{:?}", with_note.body);
    let got = get_order(&t, order).await;
    assert!(got["closedOn"].is_string(), "Invoiced is a closed status");
    let notes = t.get(&format!("/order-service/order/{order}/note")).await;
    assert_eq!(notes.body["response"][0]["text"], "Invoiced by hand");
    assert_eq!(notes.body["response"][0]["orderStatusId"], 4);

    for (body, status) in [
        (json!({"orderStatusId": 6}), 400),
        (json!({"orderStatusId": 4242}), 400),
        (json!({}), 400),
    ] {
        let answer = t
            .call(
                Method::PUT,
                &format!("/order-service/order/{order}/status"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, status, "{body}: {:?}", answer.body);
    }
    let missing = t
        .call(
            Method::PUT,
            "/order-service/order/424242/status",
            Some(json!({"orderStatusId": 2})),
        )
        .await;
    assert_eq!(missing.status, 404);

    // Notes: addedOn is required on the note endpoint.
    let note = t
        .post(
            &format!("/order-service/order/{order}/note"),
            json!({"text": "Called the customer", "isPublic": false, "contactId": 4,
                   "addedOn": "2026-01-05T10:00:00+00:00"}),
        )
        .await;
    assert_eq!(note.status, 200, "{:?}", note.body);
    assert!(note.body["response"].as_u64().is_some());
    let no_date = t
        .post(
            &format!("/order-service/order/{order}/note"),
            json!({"text": "x"}),
        )
        .await;
    assert_eq!(no_date.status, 400);
    assert!(
        no_date.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("addedOn")
    );
}

#[tokio::test]
async fn header_patches_refuse_what_brightpearl_refuses() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let order = create_so(&t, customer, "#0001").await;
    let step = &cassette::load("order_patch_error_operation.yml")[1];
    let answer = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{order}"),
            step.request_json.clone(),
        )
        .await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.body, *step.response_json.as_ref().unwrap());
    assert_eq!(answer.header("message-type"), Some("patch-order"));
    for ops in [
        json!([{"op": "replace", "path": "/version", "value": 9}]),
        json!([{"op": "remove", "path": "/reference"}]),
        json!([{"op": "replace", "path": "/orderRows", "value": {}}]),
    ] {
        let answer = t
            .call(
                Method::PATCH,
                &format!("/order-service/order/{order}"),
                Some(ops.clone()),
            )
            .await;
        assert_eq!(answer.status, 500, "{ops}");
        assert_eq!(answer.body["errors"][0]["code"], "CMNC-044");
    }
    // A bad value refuses the whole patch.
    let answer = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{order}"),
            Some(
                json!([{"op": "replace", "path": "/reference", "value": "#NEW"},
                        {"op": "replace", "path": "/placedOn", "value": "soon"}]),
            ),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(get_order(&t, order).await["reference"], "#0001");
    // Delivery address, channel and external reference.
    let answer = t
        .call(
            Method::PATCH,
            &format!("/order-service/order/{order}"),
            Some(json!([
                {"op": "replace", "path": "/parties/delivery/addressLine1", "value": "1 New Street"},
                {"op": "replace", "path": "/parties/delivery/countryIsoCode", "value": "USA"},
                {"op": "replace", "path": "/assignment/current/channelId", "value": 1},
                {"op": "replace", "path": "/externalRef", "value": "shop-1001"}
            ])),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let order_body = &answer.body["response"];
    assert_eq!(
        order_body["parties"]["delivery"]["addressLine1"],
        "1 New Street"
    );
    assert_eq!(order_body["parties"]["delivery"]["countryIsoCode"], "US");
    assert_eq!(order_body["assignment"]["current"]["channelId"], 1);
    assert_eq!(order_body["externalRef"], "shop-1001");
}

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
