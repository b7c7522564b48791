//! Conformance cases: goods-out notes. The recorded note 12447605 is loaded as GET answered
//! it (a map keyed by note id), with its order 988116: recorded order 1 under that id, its one
//! row copied to the four row ids the note names.

use super::replay::{Env, recorded_response};
use serde_json::{Value, json};

async fn load_note_and_order(env: &Env) {
    let notes = recorded_response("goods_out_note/get/all_for_order.yml", 0);
    let note = &notes["12447605"];
    let mut order = recorded_response("order_get_one.yml", 0)[0].clone();
    order["id"] = json!(988116);
    let template = order["orderRows"]["1"].clone();
    let mut rows = serde_json::Map::new();
    for (row_id, lines) in note["orderRows"].as_object().unwrap() {
        let mut row = template.clone();
        row["productId"] = lines[0]["productId"].clone();
        rows.insert(row_id.clone(), row);
    }
    order["orderRows"] = Value::Object(rows);
    env.load("order", json!([order])).await;
    env.load("goods-out-note", notes).await;
}

#[tokio::test]
async fn goods_out_note_get_all_for_order() {
    let env = Env::start().await;
    load_note_and_order(&env).await;
    env.conform("goods_out_note/get/all_for_order.yml").await;
}

#[tokio::test]
async fn goods_out_note_get_by_gon_id() {
    let env = Env::start().await;
    load_note_and_order(&env).await;
    env.conform("goods_out_note/get/by_gon_id.yml").await;
}
