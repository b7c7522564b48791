//! order-search and sales-order-search against the recorded search.

use crate::bp_common::start_empty;
use crate::shape;
use crate::support::*;
use serde_json::{Value as Json, json};

#[tokio::test]
async fn order_search_answers_the_recorded_search_and_pages() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let supplier = supplier(&t).await;
    // order_search.yml: an SO, a PO, an SC and a PC with reference #0001.
    let so = create_so(&t, customer, "#0001").await;
    let po = create_po(&t, supplier, "#0001").await;
    let sc = t
        .create(
            "/order-service/order",
            json!({"reference": "#0001", "orderTypeCode": "SC",
                   "parties": {"customer": {"contactId": customer}}}),
        )
        .await;
    let pc = t
        .create(
            "/order-service/order",
            json!({"reference": "#0001", "orderTypeCode": "PC",
                   "parties": {"supplier": {"contactId": supplier}}}),
        )
        .await;
    let other = create_so(&t, customer, "#0002").await;

    let answer = t
        .get("/order-service/order-search?customerRef=%230001")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("bulk-data-search"));
    let recorded_body = recorded("order_search.yml");
    shape::assert_same_shape(&recorded_body, &answer.body, "order_search.yml");
    assert_eq!(
        answer.body["response"]["metaData"]["columns"],
        recorded_body["response"]["metaData"]["columns"],
        "the recorded catalogue, column for column"
    );
    assert_eq!(answer.body["reference"], recorded_body["reference"]);
    let rows = answer.body["response"]["results"].as_array().unwrap();
    let ids: Vec<u64> = rows.iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(ids, [so, po, sc, pc]);
    for (row, recorded_row) in rows
        .iter()
        .zip(recorded_body["response"]["results"].as_array().unwrap())
    {
        // Type, status, stock, payment and shipping ids, createdById, warehouse, departmentId.
        for cell in [1, 3, 4, 6, 8, 11, 14, 15, 17] {
            assert_eq!(row[cell], recorded_row[cell], "cell {cell} of {row}");
        }
        assert_eq!(row[7], "#0001");
        assert_eq!(
            row[9],
            Json::Null,
            "updatedOn is null until a versioned change"
        );
        assert!(
            row[16].as_str().unwrap().ends_with("T18:00:00.000-06:00"),
            "taxDate {}",
            row[16]
        );
        assert_eq!(
            row[18].is_null(),
            recorded_row[18].is_null(),
            "deliveryDate of {row}"
        );
    }
    assert_eq!(rows[1][2], json!(supplier));

    // Filters by type and status; both sort syntaxes.
    let purchases = t.get("/order-service/order-search?orderTypeId=2").await;
    assert_eq!(purchases.body["response"]["results"][0][0], json!(po));
    assert_eq!(
        purchases.body["response"]["metaData"]["resultsAvailable"],
        1
    );
    let sales = t
        .get("/order-service/order-search?orderStatusId=3&orderTypeId=1")
        .await;
    assert_eq!(sales.body["response"]["metaData"]["resultsAvailable"], 2);
    for sort in ["orderId.DESC", "orderId%7CDESC"] {
        let sorted = t
            .get(&format!("/order-service/order-search?sort={sort}"))
            .await;
        assert_eq!(sorted.status, 200, "{sort}: {:?}", sorted.body);
        assert_eq!(
            sorted.body["response"]["results"][0][0],
            json!(other),
            "{sort}"
        );
        assert_eq!(
            sorted.body["response"]["metaData"]["sorting"][0]["direction"],
            "DESC"
        );
    }
    let since = t
        .get(&format!(
            "/order-service/order-search?createdOn=2000-01-01/&contactId={customer}"
        ))
        .await;
    assert_eq!(since.body["response"]["metaData"]["resultsAvailable"], 3);

    // Paging to the last page.
    let mut first = 1;
    let mut seen = Vec::new();
    loop {
        let page = t
            .get(&format!(
                "/order-service/order-search?pageSize=2&firstResult={first}"
            ))
            .await;
        let meta = &page.body["response"]["metaData"];
        for row in page.body["response"]["results"].as_array().unwrap() {
            seen.push(row[0].as_u64().unwrap());
        }
        if !meta["morePagesAvailable"].as_bool().unwrap() {
            assert_eq!(meta["lastResult"], 5);
            break;
        }
        first = meta["lastResult"].as_u64().unwrap() + 1;
    }
    assert_eq!(seen, [so, po, sc, pc, other]);

    // order_search_bad_param.yml.
    let bad = t
        .get("/order-service/order-search?orderStatusId=BAD%20PARAM")
        .await;
    assert_eq!(bad.status, 500);
    assert_eq!(bad.body, recorded("order_search_bad_param.yml"));
    assert_eq!(bad.header("message-type"), Some("bulk-data-search"));

    // A versioned change fills updatedOn.
    let status = t
        .call(
            reqwest::Method::PUT,
            &format!("/order-service/order/{so}/status"),
            Some(json!({"orderStatusId": 2})),
        )
        .await;
    assert_eq!(status.status, 200);
    let updated = t
        .get(&format!("/order-service/order-search?orderId={so}"))
        .await;
    assert!(updated.body["response"]["results"][0][9].is_string());
    assert_eq!(
        updated.body["reference"]["orderStatusNames"],
        json!({"2": "New web order"})
    );
}

#[tokio::test]
async fn sales_order_search_lists_sales_orders_only() {
    let t = start_empty().await;
    let customer = demo_customer(&t).await;
    let supplier = supplier(&t).await;
    let so = create_so(&t, customer, "WEB-1").await;
    create_po(&t, supplier, "WEB-1").await;
    let answer = t
        .get("/order-service/sales-order-search?customerRef=WEB-1")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let body = &answer.body["response"];
    let names: Vec<&str> = body["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        &names[..4],
        [
            "salesOrderId",
            "customerId",
            "orderStatusId",
            "orderStockStatus"
        ]
    );
    assert_eq!(
        body["results"],
        json!([[
            so,
            customer,
            3,
            "NON",
            body["results"][0][4],
            4,
            "WEB-1",
            "NOT_APPLICABLE",
            null,
            "NST",
            null,
            null,
            2,
            0,
            body["results"][0][14]
        ]])
    );
    assert_eq!(
        answer.body["reference"],
        json!({"orderStatusNames": {"3": "New phone order"}})
    );
    let bad = t
        .get("/order-service/sales-order-search?customerId=x")
        .await;
    assert_eq!(bad.status, 500);
    assert_eq!(bad.body["errors"][0]["code"], "CMNC-018");
}
