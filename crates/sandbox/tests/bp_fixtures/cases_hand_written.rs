//! Conformance cases for the README's hand-written cassettes (reference data GETs, currency
//! search, exchange-rate writes). Their URLs are real but their bodies are invented, so these
//! cases check the status, the routing of the URL (Message-Type, headers) and the envelope
//! only: the same top-level keys and a `response` of the same JSON type. The shapes of these
//! bodies are checked against the reference by the area tests instead.

use super::replay::{Env, recorded_response};
use serde_json::json;

/// One case per cassette, seeded by `seed` (standard-account records are used where they
/// exist: brand 1, channel 1, product type 1, contact group 1, lead source 1, nominal code
/// 1001, payment methods, shipping method 1, currency 2).
macro_rules! hand_written {
    ($name:ident, $path:literal) => {
        #[tokio::test]
        async fn $name() {
            Env::start().await.conform($path).await;
        }
    };
    ($name:ident, $path:literal, |$env:ident| $seed:expr) => {
        #[tokio::test]
        async fn $name() {
            let $env = Env::start().await;
            $seed.await;
            $env.conform($path).await;
        }
    };
}

hand_written!(brand_get, "brand_get.yml");
hand_written!(brand_get_by_id, "brand_get_by_id.yml");
hand_written!(channel_get, "channel_get.yml");
hand_written!(channel_get_by_id, "channel_get_by_id.yml");
hand_written!(contact_group_get, "contact_group_get.yml");
hand_written!(contact_group_get_by_id, "contact_group_get_by_id.yml");
hand_written!(contact_tag_get, "contact_tag_get.yml");
hand_written!(contact_tag_get_by_id, "contact_tag_get_by_id.yml", |env| {
    env.load("contact-tag", recorded_response("contact_tag_get.yml", 0))
});
hand_written!(currency_search, "currency_search.yml");
hand_written!(currency_search_by_code, "currency_search_by_code.yml");
hand_written!(exchange_rate_get, "exchange_rate_get.yml");
hand_written!(exchange_rate_post, "exchange_rate_post.yml");
hand_written!(exchange_rate_put, "exchange_rate_put.yml");
hand_written!(lead_source_get, "lead_source_get.yml");
hand_written!(lead_source_get_by_id, "lead_source_get_by_id.yml");
hand_written!(nominal_code_get, "nominal_code_get.yml");
hand_written!(
    nominal_code_get_by_id,
    "nominal_code_get_by_id.yml",
    |env| load_nominal_code_1001(&env)
);
hand_written!(order_stock_status_get, "order_stock_status_get.yml");
hand_written!(
    order_stock_status_get_by_id,
    "order_stock_status_get_by_id.yml"
);
hand_written!(order_type_get, "order_type_get.yml");
hand_written!(order_type_get_by_id, "order_type_get_by_id.yml");
hand_written!(payment_method_get, "payment_method_get.yml");
hand_written!(payment_method_get_by_id, "payment_method_get_by_id.yml");
hand_written!(product_category_get, "product_category_get.yml", |env| {
    load_category_1(&env)
});
hand_written!(
    product_category_get_by_id,
    "product_category_get_by_id.yml",
    |env| load_category_1(&env)
);
hand_written!(product_type_get, "product_type_get.yml");
hand_written!(product_type_get_by_id, "product_type_get_by_id.yml");
hand_written!(shipping_method_get, "shipping_method_get.yml");
hand_written!(shipping_method_get_by_id, "shipping_method_get_by_id.yml");
hand_written!(warehouse_get, "warehouse_get.yml");
hand_written!(warehouse_get_by_id, "warehouse_get_by_id.yml", |env| env
    .load(
        "warehouse",
        json!([{"id": 1, "name": "Default Warehouse", "typeCode": "warehouse",
                "typeDescription": "Warehouse", "address": {"addressId": 2}}])
    ));

/// Brightpearl category 1 (a standard account has none).
async fn load_category_1(env: &Env) {
    env.load(
        "brightpearl-category",
        json!([{"id": 1, "name": "Clothing", "parentId": 0, "active": true,
                "createdOn": "2026-01-01T00:00:00.000-06:00", "createdById": 4,
                "updatedOn": "2026-01-01T00:00:00.000-06:00", "updatedBy": 4}]),
    )
    .await;
}

/// A nominal code with id 1001: the sandbox's first standard code (its ids are its own, not
/// the code numbers), copied under that id.
async fn load_nominal_code_1001(env: &Env) {
    let first = env.account.get("/accounting-service/nominal-code/1").await;
    assert_eq!(first.status, 200, "nominal code 1: {:?}", first.body);
    let mut code = first.body["response"][0].clone();
    code["id"] = json!(1001);
    env.load("nominal-code", json!([code])).await;
}
