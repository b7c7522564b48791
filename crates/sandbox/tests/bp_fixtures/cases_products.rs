//! Conformance cases: product-service (products, prices, price lists) and product
//! availability. Products are loaded from the recorded GET bodies; the searched products are
//! recorded product 1007 with each search row's values put in.

use super::cassette;
use super::replay::{Env, recorded_response};
use serde_json::{Value, json};

/// Recorded product 1007 (product_get_one.yml).
fn product_1007() -> Value {
    recorded_response("product_get_one.yml", 0)[0].clone()
}

/// What the recorded product writes name: brand 74 and Brightpearl category 296 (tax code 2
/// "T" is in every standard account).
async fn load_product_references(env: &Env) {
    env.load("brand", json!([{"id": 74, "name": "Brand 74"}]))
        .await;
    env.load(
        "brightpearl-category",
        json!([{"id": 296, "name": "Shirts", "parentId": 0, "active": true,
                "createdOn": "2020-03-31T14:58:29.000-06:00", "createdById": 4,
                "updatedOn": "2020-03-31T14:58:29.000-06:00", "updatedBy": 4}]),
    )
    .await;
}

#[tokio::test]
async fn product_get_one() {
    let env = Env::start().await;
    env.load("product", json!([product_1007()])).await;
    env.conform("product_get_one.yml").await;
}

#[tokio::test]
async fn product_get_one_with_custom_fields() {
    let env = Env::start().await;
    env.load_recorded("product", "product_get_one_with_custom_fields.yml", 0)
        .await;
    env.conform("product_get_one_with_custom_fields.yml").await;
}

#[tokio::test]
async fn product_get_multiple() {
    let env = Env::start().await;
    env.load_recorded("product", "product_get_multiple.yml", 0)
        .await;
    env.conform("product_get_multiple.yml").await;
}

#[tokio::test]
async fn product_options() {
    Env::start().await.conform("product_options.yml").await;
}

#[tokio::test]
async fn product_post() {
    let env = Env::start().await;
    load_product_references(&env).await;
    env.conform("product_post.yml").await;
}

#[tokio::test]
async fn product_post_error_missing_required() {
    Env::start()
        .await
        .conform("product_post_error_missing_required.yml")
        .await;
}

#[tokio::test]
async fn product_put() {
    let env = Env::start().await;
    load_product_references(&env).await;
    env.conform("product_put.yml").await;
}

#[tokio::test]
async fn product_search() {
    let path = "product_search.yml";
    let env = Env::start().await;
    let body = cassette::load(path)[0].response_json.clone().unwrap();
    let columns: Vec<String> = body["response"]["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    let categories = &body["reference"]["productCategoryMembership"];
    let mut products = Vec::new();
    for row in body["response"]["results"].as_array().unwrap() {
        let cell = |name: &str| &row[columns.iter().position(|c| c == name).unwrap()];
        let id = cell("productId").as_u64().unwrap();
        let mut product = product_1007();
        product["id"] = json!(id);
        product["brandId"] = cell("brandId").clone();
        product["productTypeId"] = cell("productTypeId").clone();
        let mut identity = json!({"sku": cell("SKU"), "barcode": cell("barcode")});
        for (column, key) in [
            ("EAN", "ean"),
            ("UPC", "upc"),
            ("ISBN", "isbn"),
            ("MPN", "mpn"),
        ] {
            if !cell(column).is_null() {
                identity[key] = cell(column).clone();
            }
        }
        product["identity"] = identity;
        if let Some(group) = cell("productGroupId").as_u64().filter(|g| *g > 0) {
            product["productGroupId"] = json!(group);
        }
        product["stock"]["stockTracked"] = cell("stockTracked").clone();
        product["salesChannels"][0]["productName"] = cell("productName").clone();
        let codes: Vec<Value> = categories[id.to_string()]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| json!({"categoryCode": c.to_string()}))
                    .collect()
            })
            .unwrap_or_else(|| {
                vec![json!({"categoryCode": cell("brightpearlCategoryCode").to_string()})]
            });
        product["salesChannels"][0]["categories"] = Value::Array(codes);
        product["createdOn"] = cell("createdOn").clone();
        match cell("updatedOn") {
            Value::Null => product.as_object_mut().unwrap().remove("updatedOn"),
            updated => product
                .as_object_mut()
                .unwrap()
                .insert("updatedOn".into(), updated.clone()),
        };
        if let Some(supplier) = cell("primarySupplierId").as_u64() {
            product["primarySupplierId"] = json!(supplier);
        }
        products.push(product);
    }
    env.load("product", Value::Array(products)).await;
    env.conform(path).await;
}

#[tokio::test]
async fn product_search_bad_param() {
    Env::start()
        .await
        .conform("product_search_bad_param.yml")
        .await;
}

#[tokio::test]
async fn product_price_get() {
    let env = Env::start().await;
    env.load("product", json!([product_1007()])).await;
    env.load_recorded("product-price", "product_price_get.yml", 0)
        .await;
    env.conform("product_price_get.yml").await;
}

#[tokio::test]
async fn product_price_get_not_found() {
    Env::start()
        .await
        .conform("product_price_get_not_found.yml")
        .await;
}

#[tokio::test]
async fn product_price_options() {
    Env::start()
        .await
        .conform("product_price_options.yml")
        .await;
}

#[tokio::test]
async fn product_price_put() {
    let env = Env::start().await;
    env.load("product", json!([product_1007()])).await;
    env.conform("product_price_put.yml").await;
}

#[tokio::test]
async fn price_list_get() {
    let env = Env::start().await;
    env.load_recorded("price-list", "price_list_get.yml", 0)
        .await;
    env.conform("price_list_get.yml").await;
}

#[tokio::test]
async fn product_availability_get() {
    let env = Env::start().await;
    env.load_recorded("product", "product_get_multiple.yml", 0)
        .await;
    env.load_recorded("product-availability", "product_availability_get.yml", 0)
        .await;
    env.conform("product_availability_get.yml").await;
}
