//! Catalogue and stock over real sockets: products (create, GET shape against the recordings,
//! PRDC-014, id-set caps, OPTIONS, PUT with If-Match, identity replacement, custom fields),
//! prices and price lists, availability and stock corrections, product-search, warehouses and
//! shipping methods.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
// The harness serves every conformance case; this file uses part of it.
#[allow(dead_code)]
#[path = "bp_fixtures/cassette.rs"]
mod cassette;
#[allow(dead_code)]
#[path = "bp_fixtures/shape.rs"]
mod shape;

use bp_common::{TestAccount, start_empty};
use ferry_sandbox::brightpearl::account::catalogue::Product;
use reqwest::Method;
use serde_json::{Value as Json, json};

/// The recorded response body of interaction `at` of `cassette`.
fn recorded(cassette: &str, at: usize) -> Json {
    cassette::load(cassette)[at]
        .response_json
        .clone()
        .unwrap_or_else(|| panic!("{cassette} #{at} has no JSON body"))
}

/// A category to file products under (the empty account has none).
async fn category(account: &TestAccount, name: &str) -> u64 {
    account
        .create(
            "/product-service/brightpearl-category",
            json!({"name": name}),
        )
        .await
}

/// The recorded product POST body (product_post.yml) with our brand and category.
fn product_body(name: &str, sku: &str, category: u64, tracked: bool) -> Json {
    json!({
        "brandId": 1,
        "identity": {"sku": sku},
        "stock": {"stockTracked": tracked},
        "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
        "salesChannels": [{"salesChannelName": "Brightpearl", "productName": name,
                           "categories": [{"categoryCode": category}]}]
    })
}

#[tokio::test]
async fn a_created_product_reads_back_in_the_recorded_shape() {
    let account = start_empty().await;
    let shirts = category(&account, "Shirts").await;
    let id = account
        .create(
            "/product-service/product",
            product_body("Nice Shirt for Summer", "TEST001", shirts, true),
        )
        .await;
    assert!(id >= 1001, "products are numbered from 1001, got {id}");

    let answer = account.get(&format!("/product-service/product/{id}")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("product-get"));
    shape::assert_same_shape(
        &recorded("product_get_one.yml", 0),
        &answer.body,
        "product_get_one.yml",
    );
    shape::assert_same_shape(
        &recorded("product_get_multiple.yml", 0),
        &answer.body,
        "product_get_multiple.yml",
    );
    let product = &answer.body["response"][0];
    assert_eq!(
        product["identity"],
        json!({"sku": "TEST001", "barcode": ""})
    );
    assert!(
        product.get("productGroupId").is_none(),
        "no group: key absent"
    );
    assert_eq!(
        product["salesChannels"][0]["productName"],
        "Nice Shirt for Summer"
    );
    assert_eq!(
        product["salesChannels"][0]["categories"],
        json!([{"categoryCode": shirts.to_string()}]),
        "category codes are strings on GET"
    );
    assert_eq!(
        product["financialDetails"],
        json!({"taxable": true, "taxCode": {"id": 2, "code": "T"}})
    );
    assert_eq!(product["createdOn"], product["updatedOn"]);
    assert!(product["version"].as_i64().unwrap() > 1_600_000_000_000);
    assert!(
        product["warehouses"].get("2").is_some(),
        "every warehouse listed"
    );

    let with = account
        .get(&format!(
            "/product-service/product/{id}?includeOptional=customFields"
        ))
        .await;
    let keys: Vec<&String> = with.body["response"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let at = |k: &str| keys.iter().position(|key| *key == k).unwrap();
    assert_eq!(
        at("customFields"),
        at("composition") + 1,
        "customFields follows composition"
    );
}

#[test]
fn recorded_products_load_as_records_and_render_the_same_keys() {
    for (cassette, at) in [
        ("product_get_multiple.yml", 0),
        ("product_get_one_with_custom_fields.yml", 0),
    ] {
        let body = recorded(cassette, at);
        for element in body["response"].as_array().unwrap() {
            let product: Product = serde_json::from_value(element.clone())
                .unwrap_or_else(|e| panic!("{cassette}: {e}"));
            let ours = serde_json::to_value(&product).unwrap();
            shape::assert_same_shape(element, &ours, cassette);
            assert_eq!(
                ours["identity"], element["identity"],
                "{cassette}: identity kept as is"
            );
            assert_eq!(ours["version"], element["version"]);
            assert_eq!(ours["createdOn"], element["createdOn"]);
        }
    }
}

#[tokio::test]
async fn product_post_refusals() {
    let account = start_empty().await;
    let mut body = product_body("Test Product", "X", 1, true);
    body["brandId"] = Json::Null;
    let refused = account.post("/product-service/product", body).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.header("message-type"), Some("post-product"));
    assert_eq!(
        refused.body,
        recorded("product_post_error_missing_required.yml", 0)
    );

    let shirts = category(&account, "Shirts").await;
    for (patch, field) in [
        (json!({"brandId": 999}), "brandId"),
        (
            json!({"salesChannels": [{"salesChannelName": "Amazon", "productName": "X"}]}),
            "salesChannelName",
        ),
        (
            json!({"salesChannels": [{"salesChannelName": "Brightpearl", "productName": ""}]}),
            "productName",
        ),
        (
            json!({"financialDetails": {"taxCode": {"id": 2, "code": "VAT"}}}),
            "taxCode",
        ),
        (
            json!({"salesChannels": [{"productName": "X", "categories": [{"categoryCode": 9999}]}]}),
            "categoryCode",
        ),
        (json!({"status": "GONE"}), "status"),
        (
            json!({"warehouses": {"77": {"reorderLevel": 1}}}),
            "warehouses.77",
        ),
    ] {
        let mut body = product_body("Hat", "HAT-1", shirts, true);
        for (key, value) in patch.as_object().unwrap() {
            body[key] = value.clone();
        }
        let refused = account.post("/product-service/product", body).await;
        assert_eq!(refused.status, 400, "{patch}: {:?}", refused.body);
        let message = refused.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(field), "{patch}: {message}");
    }
    let options = account
        .call(Method::OPTIONS, "/product-service/product", None)
        .await;
    assert_eq!(
        options.body,
        json!({"response": {"getUris": []}}),
        "nothing was created"
    );
}

#[tokio::test]
async fn id_sets_caps_options_and_not_found() {
    let account = start_empty().await;
    let options = account
        .call(
            Method::OPTIONS,
            "/product-service/product/1-100,320,321",
            None,
        )
        .await;
    assert_eq!(options.status, 200);
    assert_eq!(options.header("message-type"), Some("product-options"));
    assert_eq!(options.body, recorded("product_options.yml", 0));
    let prices = account
        .call(
            Method::OPTIONS,
            "/product-service/product-price/1-100,320,321",
            None,
        )
        .await;
    assert_eq!(prices.body, recorded("product_price_options.yml", 0));
    assert_eq!(prices.header("message-type"), Some("options-product-price"));

    let cat = category(&account, "Hats").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            account
                .create(
                    "/product-service/product",
                    product_body(&format!("Hat {n}"), &format!("HAT-{n}"), cat, true),
                )
                .await,
        );
    }
    let options = account
        .call(
            Method::OPTIONS,
            &format!("/product-service/product/1-{}", ids[2] + 50),
            None,
        )
        .await;
    assert_eq!(
        options.body["response"]["getUris"],
        json!([format!("/product/{}-{}", ids[0], ids[2])])
    );

    let over = account.get("/product-service/product/1-201").await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body["errors"][0]["code"], "CMNC-400");
    assert!(
        over.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 200")
    );
    let exactly = account
        .get(&format!(
            "/product-service/product/{}-{}",
            ids[0],
            ids[0] + 199
        ))
        .await;
    assert_eq!(exactly.status, 200);
    assert_eq!(
        exactly.body["response"].as_array().unwrap().len(),
        3,
        "only existing ids"
    );
    let bad = account.get("/product-service/product/5-1").await;
    assert_eq!(bad.status, 400);
    let none = account.get("/product-service/product/1").await;
    assert_eq!(none.status, 404);
    assert_eq!(none.body["errors"][0]["code"], "CMNC-404");
}

#[tokio::test]
async fn put_merges_and_if_match_guards_the_version() {
    let account = start_empty().await;
    let cat = category(&account, "Gloves").await;
    let id = account
        .create(
            "/product-service/product",
            product_body("Test Product", "G-1", cat, true),
        )
        .await;
    let before = account
        .get(&format!("/product-service/product/{id}"))
        .await
        .body["response"][0]
        .clone();
    let version = before["version"].as_i64().unwrap();

    let stale = account
        .request(Method::PUT, &format!("/product-service/product/{id}"))
        .header("if-match", (version - 1).to_string())
        .json(&json!({"salesChannels":[{"salesChannelName":"Brightpearl","productName":"Lost update"}]}));
    let stale = bp_common::send(stale).await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    assert!(
        stale.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&version.to_string())
    );

    // The recorded PUT body (product_put.yml), with the current version.
    let put = account
        .request(Method::PUT, &format!("/product-service/product/{id}"))
        .header("if-match", version.to_string())
        .json(&json!({"salesChannels":[{"salesChannelName":"Brightpearl","productName":"Test Product Updated!"}]}));
    let put = bp_common::send(put).await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body, recorded("product_put.yml", 1));
    assert_eq!(put.header("message-type"), Some("put-product"));

    let after = account
        .get(&format!("/product-service/product/{id}"))
        .await
        .body["response"][0]
        .clone();
    assert_eq!(
        after["salesChannels"][0]["productName"],
        "Test Product Updated!"
    );
    assert_eq!(
        after["salesChannels"][0]["categories"], before["salesChannels"][0]["categories"],
        "a partial channel keeps its categories"
    );
    assert!(after["version"].as_i64().unwrap() > version);
    assert_eq!(after["identity"], before["identity"]);

    let again = account
        .request(Method::PUT, &format!("/product-service/product/{id}"))
        .header("if-match", version.to_string())
        .json(&json!({"featured": true}));
    assert_eq!(
        bp_common::send(again).await.status,
        412,
        "the old version is stale now"
    );
    let unknown = account
        .call(
            Method::PUT,
            "/product-service/product/99999",
            Some(json!({"featured": true})),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn identity_put_replaces_everything_but_the_barcode() {
    let account = start_empty().await;
    let cat = category(&account, "Gloves").await;
    let mut body = product_body("Guanto", "GUANTO-0", cat, true);
    body["identity"] = json!({"sku": "GUANTO-0", "ean": "501", "upc": "0123", "mpn": "M1", "isbn": "978", "barcode": "BC-1"});
    let id = account.create("/product-service/product", body).await;
    let put = account
        .call(
            Method::PUT,
            &format!("/product-service/product/{id}/identity"),
            Some(json!({"sku": "GUANTO-1", "ean": "502", "barcode": "IGNORED"})),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body, json!({}));
    let product = account
        .get(&format!("/product-service/product/{id}"))
        .await
        .body["response"][0]
        .clone();
    assert_eq!(
        product["identity"],
        json!({"sku": "GUANTO-1", "ean": "502", "barcode": "BC-1"}),
        "upc, mpn and isbn cleared; barcode kept"
    );
}

#[tokio::test]
async fn prices_get_put_and_not_found() {
    let account = start_empty().await;
    let cat = category(&account, "Shirts").await;
    let id = account
        .create(
            "/product-service/product",
            product_body("Shirt", "S-1", cat, true),
        )
        .await;
    let put = account
        .call(
            Method::PUT,
            &format!("/product-service/product-price/{id}/price-list"),
            Some(json!({"priceLists":[{"priceListId":2,"quantityPrice":{"1":100,"5":"450.5"}}]})),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body, recorded("product_price_put.yml", 0));
    assert_eq!(put.header("message-type"), Some("put-product-price"));

    let got = account
        .get(&format!("/product-service/product-price/{id}"))
        .await;
    assert_eq!(got.header("message-type"), Some("get-product-price"));
    shape::assert_same_shape(
        &recorded("product_price_get.yml", 0),
        &got.body,
        "product_price_get.yml",
    );
    let lists = got.body["response"][0]["priceLists"].as_array().unwrap();
    assert_eq!(lists.len(), 4, "every price list, priced or not");
    assert_eq!(
        lists[1]["quantityPrice"],
        json!({"1": "100.0000", "5": "450.5000"})
    );
    assert_eq!(lists[0]["quantityPrice"], json!({}));
    assert_eq!(lists[3]["currencyCode"], "GBP");

    let narrowed = account
        .get(&format!(
            "/product-service/product-price/{id}/price-list/2,4"
        ))
        .await;
    let ids: Vec<u64> = narrowed.body["response"][0]["priceLists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["priceListId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2, 4]);

    let missing = account.get("/product-service/product-price/1").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, recorded("product_price_get_not_found.yml", 0));
    for bad in [
        json!({"priceLists":[{"priceListId":77,"quantityPrice":{"1":1}}]}),
        json!({"priceLists":[{"priceListId":2,"quantityPrice":{"0":1}}]}),
        json!({"priceLists":[{"priceListId":2,"quantityPrice":{"1":"abc"}}]}),
        json!({"priceLists":[{"priceListId":2,"quantityPrice":{"1":-3}}]}),
    ] {
        let refused = account
            .call(
                Method::PUT,
                &format!("/product-service/product-price/{id}/price-list"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(refused.status, 400, "{bad}");
    }
    let list = account.get("/product-service/price-list/1").await;
    assert_eq!(list.header("message-type"), Some("get-price-list"));
    shape::assert_same_shape(
        &recorded("price_list_get.yml", 0),
        &list.body,
        "price_list_get.yml",
    );
    assert_eq!(list.body["response"][0]["priceListTypeCode"], "BUY");
    let all = account.get("/product-service/price-list").await;
    let currencies: std::collections::BTreeSet<&str> = all.body["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["currencyCode"].as_str().unwrap())
        .collect();
    assert_eq!(currencies.len(), 2, "price lists in two currencies");
}

#[tokio::test]
async fn availability_follows_corrections_and_leaves_out_untracked_products() {
    let account = start_empty().await;
    let cat = category(&account, "Gloves").await;
    let tracked = account
        .create(
            "/product-service/product",
            product_body("Gloves", "G-1", cat, true),
        )
        .await;
    let other = account
        .create(
            "/product-service/product",
            product_body("Mittens", "M-1", cat, true),
        )
        .await;
    let service = account
        .create(
            "/product-service/product",
            product_body("Gift wrap", "WRAP", cat, false),
        )
        .await;

    let corrected = account
        .post(
            "/warehouse-service/warehouse/2/stock-correction",
            json!({"corrections": [
                {"quantity": 60, "productId": tracked, "reason": "Opening stock", "cost": {"currency": "USD", "value": 1.5}},
                {"quantity": 4, "productId": other, "reason": "Opening stock", "locationId": 2}
            ]}),
        )
        .await;
    assert_eq!(corrected.status, 200, "{:?}", corrected.body);
    assert_eq!(corrected.body["response"].as_array().unwrap().len(), 2);

    let got = account
        .get(&format!(
            "/warehouse-service/product-availability/{tracked},{other},{service}"
        ))
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.header("message-type"), Some("get-product-availability"));
    shape::assert_same_shape_any_order(
        &recorded("product_availability_get.yml", 0),
        &got.body,
        "product_availability_get.yml",
    );
    let map = got.body["response"].as_object().unwrap();
    assert!(
        map.get(&service.to_string()).is_none(),
        "not stock-tracked: dropped"
    );
    assert_eq!(
        map[&tracked.to_string()],
        json!({"total": {"inStock": 60, "onHand": 60, "allocated": 0, "inTransit": 0},
               "warehouses": {"2": {"inStock": 60, "onHand": 60, "allocated": 0, "inTransit": 0}}})
    );
    assert_eq!(
        map[&other.to_string()]["warehouses"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["2"],
        "warehouse keys only where there is stock"
    );

    // Moving stock out below zero is refused, whole.
    let refused = account
        .post(
            "/warehouse-service/warehouse/2/stock-correction",
            json!({"corrections": [
                {"quantity": -1, "productId": tracked, "reason": "Damaged"},
                {"quantity": -5, "productId": other, "reason": "Lost"}
            ]}),
        )
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&other.to_string())
    );
    let unchanged = account
        .get(&format!(
            "/warehouse-service/product-availability/{tracked}"
        ))
        .await;
    assert_eq!(
        unchanged.body["response"][tracked.to_string()]["total"]["inStock"],
        60
    );

    for bad in [
        json!({"corrections": [{"quantity": 3, "productId": service, "reason": "x"}]}),
        json!({"corrections": [{"quantity": 0, "productId": tracked, "reason": "x"}]}),
        json!({"corrections": [{"quantity": 2.5, "productId": tracked, "reason": "x"}]}),
        json!({"corrections": [{"quantity": 3, "productId": tracked}]}),
        json!({"corrections": [{"quantity": 3, "productId": tracked, "reason": "x", "locationId": 3}]}),
        json!({"corrections": []}),
    ] {
        let answer = account
            .post(
                "/warehouse-service/warehouse/2/stock-correction",
                bad.clone(),
            )
            .await;
        assert_eq!(answer.status, 400, "{bad}: {:?}", answer.body);
    }
    let unknown_warehouse = account
        .post(
            "/warehouse-service/warehouse/99/stock-correction",
            json!({"corrections": [{"quantity": 3, "productId": tracked, "reason": "x"}]}),
        )
        .await;
    assert_eq!(unknown_warehouse.status, 404);

    let broken_down = account
        .get(&format!(
            "/warehouse-service/product-availability/{tracked}?includeOptional=breakDownByLocation"
        ))
        .await;
    assert_eq!(
        broken_down.body["response"][tracked.to_string()]["warehouses"]["2"]["byLocation"],
        json!({"2": {"inStock": 60, "onHand": 60, "allocated": 0, "inTransit": 0}})
    );
    let missing = account
        .get("/warehouse-service/product-availability/4242")
        .await;
    assert_eq!(missing.status, 400, "an unknown product fails the request");
    let only_untracked = account
        .get(&format!(
            "/warehouse-service/product-availability/{service}"
        ))
        .await;
    assert_eq!(only_untracked.body, json!({"response": {}}));
}

#[tokio::test]
async fn product_search_filters_and_category_membership() {
    let account = start_empty().await;
    let gloves = category(&account, "Gloves").await;
    let winter = category(&account, "Winter").await;
    let mut body = product_body("Anthony Test Product", "ANTHONY123-BL-3", gloves, true);
    body["salesChannels"][0]["categories"] =
        json!([{"categoryCode": gloves}, {"categoryCode": winter}]);
    let first = account.create("/product-service/product", body).await;
    let second = account
        .create(
            "/product-service/product",
            product_body("Test product 400", "TESTPROD400", winter, false),
        )
        .await;
    account
        .create(
            "/product-service/product",
            product_body("Scarf", "SCARF", winter, true),
        )
        .await;

    let found = account
        .get("/product-service/product-search?productName=Test%20Product")
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.header("message-type"), Some("bulk-data-search"));
    shape::assert_same_shape(
        &recorded("product_search.yml", 0),
        &found.body,
        "product_search.yml",
    );
    let recorded_columns = &recorded("product_search.yml", 0)["response"]["metaData"]["columns"];
    assert_eq!(
        &found.body["response"]["metaData"]["columns"], recorded_columns,
        "columns exactly as recorded"
    );
    let rows = found.body["response"]["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "substring match, any case");
    assert_eq!(rows[0][0], first);
    assert_eq!(rows[0][2], "ANTHONY123-BL-3");
    assert_eq!(rows[0][4], Json::Null, "EAN never set");
    assert_eq!(rows[0][9], "Brightpearl");
    assert_eq!(rows[0][12], gloves, "the first category");
    assert_eq!(
        found.body["reference"]["productCategoryMembership"][first.to_string()],
        json!([gloves, winter])
    );
    assert_eq!(
        found.body["reference"]["productCategoryMembership"][second.to_string()],
        json!([winter])
    );

    let tracked = account
        .get("/product-service/product-search?stockTracked=false")
        .await;
    let ids: Vec<&Json> = tracked.body["response"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0])
        .collect();
    assert_eq!(ids, [&json!(second)]);
    let by_sku = account
        .get("/product-service/product-search?SKU=scarf&channelId=1")
        .await;
    assert_eq!(by_sku.body["response"]["metaData"]["resultsReturned"], 1);

    let bad = account
        .get("/product-service/product-search?productId=BAD%20PARAM")
        .await;
    assert_eq!(bad.status, 500);
    assert_eq!(bad.body, recorded("product_search_bad_param.yml", 0));
}

#[tokio::test]
async fn custom_fields_of_products() {
    let account = start_empty().await;
    {
        let mut state = account.sandbox.state().account();
        ferry_sandbox::brightpearl::account::catalogue::define_custom_field(
            &mut state,
            "PCF_SERIALIS",
            "Serialised",
            "YES_NO",
            &[],
        )
        .unwrap();
        ferry_sandbox::brightpearl::account::catalogue::define_custom_field(
            &mut state,
            "PCF_COLOUR",
            "Colour",
            "SELECT",
            &["Red", "Blue"],
        )
        .unwrap();
    }
    let cat = category(&account, "Shirts").await;
    let id = account
        .create(
            "/product-service/product",
            product_body("Shirt", "S-1", cat, true),
        )
        .await;
    let empty = account
        .get(&format!("/product-service/product-custom-field/{id},99999"))
        .await;
    assert_eq!(
        empty.body,
        json!({"response": {id.to_string(): {}, "99999": {}}})
    );

    let replace_empty = account
        .call(
            Method::PATCH,
            &format!("/product-service/product/{id}/custom-field"),
            Some(json!([{"op": "replace", "path": "/PCF_SERIALIS", "value": true}])),
        )
        .await;
    assert_eq!(replace_empty.status, 500, "replace of an empty field fails");
    assert_eq!(replace_empty.body["errors"][0]["code"], "CMNC-044");

    let patched = account
        .call(
            Method::PATCH,
            &format!("/product-service/product/{id}/custom-field"),
            Some(json!([{"op": "add", "path": "/PCF_SERIALIS", "value": "true"}])),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.header("message-type"), Some("patch-custom-fields"));
    assert_eq!(
        patched.body,
        json!({"response": {"PCF_SERIALIS": true}}),
        "\"true\" stored as a boolean"
    );
    let with = account
        .get(&format!(
            "/product-service/product/{id}?includeOptional=customFields"
        ))
        .await;
    shape::assert_same_shape(
        &recorded("product_get_one_with_custom_fields.yml", 0),
        &with.body,
        "product_get_one_with_custom_fields.yml",
    );
    let patched = account
        .call(
            Method::PATCH,
            &format!("/product-service/product/{id}/custom-field"),
            Some(
                json!([{"op": "replace", "path": "/PCF_SERIALIS", "value": false},
                        {"op": "add", "path": "/PCF_COLOUR", "value": {"id": 2}}]),
            ),
        )
        .await;
    assert_eq!(
        patched.body,
        json!({"response": {"PCF_SERIALIS": false, "PCF_COLOUR": {"id": 2, "value": "Blue"}}}),
        "a select written as its id reads back with its value"
    );
    let read = account
        .get(&format!("/product-service/product-custom-field/{id}"))
        .await;
    assert_eq!(
        read.body["response"][id.to_string()],
        patched.body["response"]
    );
    let bad_option = account
        .call(
            Method::PATCH,
            &format!("/product-service/product/{id}/custom-field"),
            Some(json!([{"op": "add", "path": "/PCF_COLOUR", "value": {"id": 99}}])),
        )
        .await;
    assert_eq!(bad_option.status, 400);
    let unknown = account
        .call(
            Method::PATCH,
            &format!("/product-service/product/{id}/custom-field"),
            Some(json!([{"op": "add", "path": "/PCF_NOPE", "value": 1}])),
        )
        .await;
    assert_eq!(unknown.status, 400);
    let meta = account
        .get("/product-service/product/custom-field-meta-data")
        .await;
    assert_eq!(meta.body["response"].as_array().unwrap().len(), 2);
    assert_eq!(
        meta.body["response"][1]["options"]["2"],
        json!({"id": 2, "value": "Blue"})
    );
}

#[tokio::test]
async fn warehouses_shipping_methods_and_reference_lists() {
    let account = start_empty().await;
    let warehouses = account.get("/warehouse-service/warehouse/").await;
    assert_eq!(warehouses.status, 200);
    assert_eq!(warehouses.header("message-type"), Some("get-warehouse"));
    let list = warehouses.body["response"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "name",
            "typeCode",
            "typeDescription",
            "address",
            "clickAndCollectEnabled"
        ],
        "reference §7.8"
    );
    assert_eq!(
        account.get("/warehouse-service/warehouse/2").await.body["response"][0]["id"],
        2
    );
    assert_eq!(
        account.get("/warehouse-service/warehouse/9").await.status,
        404
    );
    assert_eq!(
        account
            .get("/warehouse-service/warehouse/2/location/default")
            .await
            .body,
        json!({"response": 2})
    );

    let methods = account.get("/warehouse-service/shipping-method").await;
    assert_eq!(methods.header("message-type"), Some("get-shipping-method"));
    let methods = methods.body["response"].as_array().unwrap().clone();
    assert!(methods.len() >= 5);
    let collection = methods
        .iter()
        .find(|m| m["name"] == "Customer Collection")
        .unwrap();
    assert!(
        collection.get("code").is_none() && collection.get("carrier").is_none(),
        "omitted when unset"
    );
    let id = account
        .create(
            "/warehouse-service/shipping-method",
            json!({"name": "Parcel Force", "code": "PRCLFRC", "breaks": "1000,2000", "carrier": "Parcel Force", "countries": "UK", "channelBrandTemplates": {"1": 12}}),
        )
        .await;
    let made = account
        .get(&format!("/warehouse-service/shipping-method/{id}"))
        .await;
    assert_eq!(
        made.body["response"][0]["channelBrandTemplates"],
        json!({"1": 12})
    );
    let duplicate = account
        .post(
            "/warehouse-service/shipping-method",
            json!({"name": "parcel force"}),
        )
        .await;
    assert_eq!(duplicate.status, 400);
    let search = account
        .get("/warehouse-service/shipping-method-search?code=PRCLFRC")
        .await;
    assert_eq!(
        search.body["response"]["results"],
        json!([[id, "PRCLFRC", "Parcel Force"]])
    );

    for (path, message_type) in [
        ("/product-service/brand/", "get-brand"),
        ("/product-service/channel/", "get-channel"),
        ("/product-service/product-type/", "get-product-type"),
        (
            "/product-service/brightpearl-category/",
            "get-brightpearl-category",
        ),
    ] {
        let answer = account.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.header("message-type"), Some(message_type), "{path}");
    }
    let channel = &account.get("/product-service/channel/1").await.body["response"][0];
    assert_eq!(
        channel.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "name",
            "channelTypeId",
            "defaultWarehouseId",
            "defaultPriceListId",
            "channelBrandId",
            "warehouseIds"
        ],
        "optional channel keys omitted when unset (reference §7.10)"
    );
    let brand = account
        .post("/product-service/brand", json!({"description": "no name"}))
        .await;
    assert_eq!(
        brand.body["errors"][0],
        json!({"code": "PRDC-024", "message": "Brand name is required"})
    );
    let brand = account
        .create("/product-service/brand", json!({"name": "Acme"}))
        .await;
    let found = account
        .get("/product-service/brand-search?brandName=acm")
        .await;
    assert_eq!(found.body["response"]["results"], json!([[brand, "Acme"]]));
}

/// Webhook bodies received by a local endpoint.
#[derive(Clone, Default)]
struct Hooks(std::sync::Arc<std::sync::Mutex<Vec<Json>>>);

impl Hooks {
    /// Listens on 127.0.0.1:0 and records every JSON body; returns the URL.
    async fn listen(&self) -> String {
        let hooks = self.clone();
        let app = axum::Router::new().fallback(move |body: bytes::Bytes| {
            let hooks = hooks.clone();
            async move {
                let json: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
                hooks.0.lock().unwrap().push(json);
                "ok"
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    /// The (fullEvent, id) pairs received so far.
    fn events(&self) -> Vec<(String, String)> {
        let bodies = self.0.lock().unwrap().clone();
        bodies
            .iter()
            .map(|b| {
                (
                    b["fullEvent"].as_str().unwrap_or_default().to_string(),
                    b["id"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Waits up to 10 s for `event` about `id`.
    async fn wait_for(&self, event: &str, id: u64) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self
            .events()
            .iter()
            .any(|(e, i)| e == event && i.split(',').any(|i| i == id.to_string()))
        {
            assert!(
                std::time::Instant::now() < until,
                "no {event} for {id}; received {:?}",
                self.events()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn product_writes_and_stock_moves_raise_their_events() {
    let account = start_empty().await;
    let hooks = Hooks::default();
    let url = hooks.listen().await;
    account
        .create(
            "/integration-service/webhook",
            json!({"subscribeTo": "product", "httpMethod": "POST", "uriTemplate": url,
                   "bodyTemplate": "{\"id\": \"${resource-id}\", \"fullEvent\": \"${full-event}\"}",
                   "contentType": "application/json", "idSetAccepted": false, "qualityOfService": 1}),
        )
        .await;
    let cat = category(&account, "Shirts").await;
    let id = account
        .create(
            "/product-service/product",
            product_body("Shirt", "S-1", cat, true),
        )
        .await;
    hooks.wait_for("product.created", id).await;
    let put = account
        .call(
            Method::PUT,
            &format!("/product-service/product/{id}"),
            Some(json!({"featured": true})),
        )
        .await;
    assert_eq!(put.status, 200);
    hooks.wait_for("product.modified", id).await;
    let corrected = account
        .post(
            "/warehouse-service/warehouse/3/stock-correction",
            json!({"corrections": [{"quantity": 5, "productId": id, "reason": "Goods in"}]}),
        )
        .await;
    assert_eq!(corrected.status, 200, "{:?}", corrected.body);
    hooks
        .wait_for("product.modified.on-hand-modified", id)
        .await;
    let on_hand = hooks
        .events()
        .iter()
        .filter(|(e, _)| e == "product.modified.on-hand-modified")
        .count();
    assert_eq!(on_hand, 1, "one stock change, one event");
}
