//! Conformance cases: accounting-service (customer payments, tax codes). The 2026 payment
//! recordings ran on an account in Costa Rican colones with a payment method PUNTOS; both are
//! added to the standard account by copying one of its own records (so the shape is the
//! sandbox's GET shape) under the recorded code.

use super::cassette;
use super::replay::{Env, recorded_response};
use serde_json::{Value, json};

/// The recorded payment's order.
const ORDER_ID: u64 = 1081505;

/// The sandbox's record `path` (a GET answering `[record]`), for copying.
async fn own_record(env: &Env, path: &str) -> Value {
    let answer = env.account.get(path).await;
    assert_eq!(answer.status, 200, "GET {path}: {:?}", answer.body);
    answer.body["response"][0].clone()
}

/// Currency CRC (id 5), payment method PUNTOS, and sales order 1081505 in CRC (recorded order
/// 1 under that id) for contact 200.
async fn load_payment_context(env: &Env) {
    let mut currency = own_record(env, "/accounting-service/currency/2").await;
    currency["id"] = json!(5);
    currency["code"] = json!("CRC");
    currency["title"] = json!("Costa Rican Colón");
    currency["symbol"] = json!("₡");
    if let Some(map) = currency.as_object_mut() {
        map.insert("isDefault".into(), json!(false));
    }
    env.load("currency", json!([currency])).await;
    let mut method = own_record(env, "/accounting-service/payment-method/1").await;
    method["id"] = json!(50);
    method["code"] = json!("PUNTOS");
    method["name"] = json!("Puntos");
    env.load("payment-method", json!([method])).await;
    let mut order = recorded_response("order_get_one.yml", 0)[0].clone();
    order["id"] = json!(ORDER_ID);
    order["currency"]["orderCurrencyCode"] = json!("CRC");
    order["currency"]["accountingCurrencyCode"] = json!("USD");
    env.load("order", json!([order])).await;
}

/// The recorded payment 935253 as a record: its search row by column name, with the
/// exchange rate the POST sent.
fn recorded_payment() -> Value {
    let body = cassette::load("customer_payment/search/simple_search.yml")[0]
        .response_json
        .clone()
        .unwrap();
    let columns = body["response"]["metaData"]["columns"].as_array().unwrap();
    let row = body["response"]["results"][0].as_array().unwrap();
    let mut payment = serde_json::Map::new();
    for (column, cell) in columns.iter().zip(row) {
        if !cell.is_null() {
            payment.insert(column["name"].as_str().unwrap().to_string(), cell.clone());
        }
    }
    payment.insert("currencyId".into(), json!(5));
    payment.insert("exchangeRate".into(), json!("1.000000"));
    Value::Object(payment)
}

#[tokio::test]
async fn customer_payment_post_receipt() {
    let env = Env::start().await;
    load_payment_context(&env).await;
    env.conform("customer_payment/post/receipt.yml").await;
}

#[tokio::test]
async fn customer_payment_search_simple_search() {
    let env = Env::start().await;
    load_payment_context(&env).await;
    env.load("customer-payment", json!([recorded_payment()]))
        .await;
    env.conform("customer_payment/search/simple_search.yml")
        .await;
}

#[tokio::test]
async fn customer_payment_delete_success() {
    let env = Env::start().await;
    load_payment_context(&env).await;
    env.load("customer-payment", json!([recorded_payment()]))
        .await;
    env.conform("customer_payment/delete/success.yml").await;
}

#[tokio::test]
async fn tax_code_get() {
    Env::start().await.conform("tax_code_get.yml").await;
}

#[tokio::test]
async fn tax_code_get_by_id() {
    Env::start().await.conform("tax_code_get_by_id.yml").await;
}
