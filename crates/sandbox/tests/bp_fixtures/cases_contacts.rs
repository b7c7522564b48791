//! Conformance cases: contact-service. Contacts are loaded from the recorded GET bodies; the
//! two searched contacts are that recorded contact with the searched values put in.

use super::replay::{Env, recorded_response};
use serde_json::{Value, json};

/// Contact 151499 as recorded (customer/get/simple_get.yml).
fn contact_151499() -> Value {
    recorded_response("customer/get/simple_get.yml", 0)[0].clone()
}

/// The customer custom field PCF_CODAE (a number), as the recordings use it. INFERRED id and
/// name: only the code and the numeric type show in the traffic.
fn codae_meta() -> Value {
    json!([{"id": 1, "code": "PCF_CODAE", "name": "Código AE", "customFieldType": "INTEGER", "required": false}])
}

#[tokio::test]
async fn customer_get_simple_get() {
    let env = Env::start().await;
    env.load("contact", json!([contact_151499()])).await;
    env.conform("customer/get/simple_get.yml").await;
}

#[tokio::test]
async fn customer_get_multiple_get() {
    let env = Env::start().await;
    env.load_recorded("contact", "customer/get/multiple_get.yml", 0)
        .await;
    env.conform("customer/get/multiple_get.yml").await;
}

#[tokio::test]
async fn customer_get_empty_not_found() {
    Env::start()
        .await
        .conform("customer/get/empty_not_found.yml")
        .await;
}

#[tokio::test]
async fn customer_options_simple_options() {
    let env = Env::start().await;
    env.load_recorded("contact", "customer/get/multiple_get.yml", 0)
        .await;
    env.conform("customer/options/simple_options.yml").await;
}

#[tokio::test]
async fn customer_patch_simple_patch() {
    let env = Env::start().await;
    env.load("contact", json!([contact_151499()])).await;
    env.conform("customer/patch/simple_patch.yml").await;
}

#[tokio::test]
async fn customer_search_simple_search() {
    let env = Env::start().await;
    let searched: Vec<Value> = [(72433, "+506 2 812 1276"), (72435, "88888899")]
        .into_iter()
        .map(|(id, phone)| {
            let mut contact = contact_151499();
            contact["contactId"] = json!(id);
            contact["firstName"] = json!("TEST");
            contact["lastName"] = json!("Factura Business");
            contact["communication"]["emails"] = json!({"PRI": {"email": "foo@business.com"}});
            contact["communication"]["telephones"] = json!({"PRI": phone});
            contact["organisation"] = json!({"organisationId": id, "name": "TEST COMPANY"});
            contact["createdOn"] = json!("2022-05-17T10:41:11.000-06:00");
            contact
        })
        .collect();
    env.load("contact", Value::Array(searched)).await;
    env.conform("customer/search/simple_search.yml").await;
}

#[tokio::test]
async fn customer_custom_field_get_simple_get() {
    let env = Env::start().await;
    env.load("customer-custom-field", codae_meta()).await;
    let mut contact = contact_151499();
    contact["customFields"] = json!({"PCF_CODAE": 1234567890});
    env.load("contact", json!([contact])).await;
    env.conform("customer/custom_field/get/simple_get.yml")
        .await;
}

#[tokio::test]
async fn customer_custom_field_patch_simple_patch() {
    let env = Env::start().await;
    env.load("customer-custom-field", codae_meta()).await;
    env.load("contact", json!([contact_151499()])).await;
    env.conform("customer/custom_field/patch/simple_patch.yml")
        .await;
}
