//! The order service over a real socket: the generic order (POST shape, GET shape, header
//! JSON-Patch, rows, status, notes, custom fields, OPTIONS and the id-set cap), the reference
//! lists, order-search and sales-order-search, and the sales-order and sales-credit resources
//! sharing the order id space; shapes checked against the recorded cassettes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
#[allow(dead_code)]
mod cassette;
#[path = "bp_orders/custom_fields.rs"]
mod custom_fields;
#[path = "bp_orders/hooks.rs"]
mod hooks;
#[path = "bp_orders/lists.rs"]
mod lists;
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
        (
            json!({"orderTypeCode": "SO", "parties": {"customer": {"contactId": customer}},
                   "currency": {"orderCurrencyCode": "USD", "exchangeRate": "0"}}),
            "exchangeRate",
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
        (
            json!({"productId": shirt, "quantity": {"magnitude": "100000000000000000000"}}),
            "too large",
        ),
        (
            json!({"productName": "x", "quantity": {"magnitude": 1},
                   "rowValue": {"taxCode": "T", "rowNet": {"value": "9000000000000000000000000000"}}}),
            "rowValue.rowNet.value 9000000000000000000000000000 is too large",
        ),
        (
            json!({"productName": "x", "quantity": {"magnitude": 999_999_999},
                   "productPrice": {"value": 999_999_999_999u64}, "rowValue": {"taxCode": "T"}}),
            "too large",
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
