//! The live account end to end: a demo account with the activity simulator running delivers
//! webhooks over real HTTP to a subscriber, and every id a webhook names can be read back
//! through the API. Then the rate is changed at run time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;

use bp_common::start_with;
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use ferry_sandbox::brightpearl::idset::IdSet;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test]
async fn the_simulator_fires_webhooks_whose_ids_read_back() {
    let account = start_with(Options {
        data: DataSet::Demo,
        requests_per_minute: 0,
        activity_per_minute: 3_000.0,
        ..Options::default()
    })
    .await;
    let calls: Arc<Mutex<Vec<Json>>> = Arc::default();
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or(Json::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    for event in ["order", "goods-out-note", "product"] {
        account
            .create(
                "/integration-service/webhook",
                json!({"subscribeTo": event, "httpMethod": "POST", "uriTemplate": url,
                       "bodyTemplate": "{\"type\": \"${resource-type}\", \"id\": \"${resource-id}\", \"event\": \"${full-event}\"}",
                       "contentType": "application/json", "idSetAccepted": true, "qualityOfService": 1}),
            )
            .await;
    }
    let mut received = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        received = calls.lock().unwrap().clone();
        let kinds: std::collections::HashSet<&str> =
            received.iter().filter_map(|c| c["type"].as_str()).collect();
        if kinds.contains("order") && received.len() >= 10 {
            break;
        }
    }
    assert!(
        received.len() >= 10,
        "only {} webhook calls in 10 s: {received:?}",
        received.len()
    );
    for call in received.iter().filter(|c| c["type"] == "order").take(5) {
        let ids = IdSet::parse(call["id"].as_str().unwrap(), false).unwrap();
        let path = format!("/order-service/order/{}", call["id"].as_str().unwrap());
        let answer = account.get(&path).await;
        assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
        assert_eq!(
            answer.body["response"].as_array().unwrap().len(),
            ids.len().unwrap(),
            "{call}"
        );
    }
    let activity = account.admin(Method::GET, "/activity", None).await;
    assert!(
        activity.body.to_string().contains("3000"),
        "{:?}",
        activity.body
    );
    let paused = account
        .admin(
            Method::PUT,
            "/activity",
            Some(json!({"events_per_minute": 0})),
        )
        .await;
    assert_eq!(paused.status, 200, "{:?}", paused.body);
    account.sandbox.stop().await.unwrap();
}
