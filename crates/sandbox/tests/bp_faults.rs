//! Every fault knob of the Brightpearl sandbox, over real sockets: API latency, 503 rate,
//! outage windows and dropped connections (flags at start and the admin API), and webhook
//! deliveries that fail, repeat or arrive out of order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;

use bp_common::{TestAccount, start_with};
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use ferry_sandbox::brightpearl::delivery::DeliveryFaults;
use ferry_sandbox::brightpearl::faults::{FaultSettings, Outage};
use ferry_sandbox::brightpearl::wire::now_ms;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PROBE: &str = "/integration-service/webhook";

async fn account_with(faults: FaultSettings) -> TestAccount {
    start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        faults,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn latency_delays_every_call() {
    let account = account_with(FaultSettings {
        latency_ms: 150,
        ..FaultSettings::default()
    })
    .await;
    let started = Instant::now();
    let answer = account.get(PROBE).await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn error_rate_one_answers_every_call_503_and_the_admin_api_turns_it_off() {
    let account = account_with(FaultSettings {
        error_rate: 1.0,
        ..FaultSettings::default()
    })
    .await;
    for _ in 0..5 {
        let answer = account.get(PROBE).await;
        assert_eq!(answer.status, 503);
        let text = answer.body.as_str().unwrap_or_default().to_string();
        assert!(
            !text.contains("too many requests"),
            "an outage is not throttling: {text}"
        );
    }
    let off = account
        .admin(Method::PUT, "/faults", Some(json!({"error_rate": 0.0})))
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    assert_eq!(account.get(PROBE).await.status, 200);
    let bad = account
        .admin(Method::PUT, "/faults", Some(json!({"error_rate": 1.5})))
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body["error"]
            .as_str()
            .unwrap()
            .contains("between 0 and 1")
    );
}

#[tokio::test]
async fn a_partial_error_rate_fails_some_calls_only() {
    let account = account_with(FaultSettings {
        error_rate: 0.5,
        ..FaultSettings::default()
    })
    .await;
    let mut failed = 0;
    for _ in 0..100 {
        if account.get(PROBE).await.status == 503 {
            failed += 1;
        }
    }
    assert!(
        (20..=80).contains(&failed),
        "{failed} of 100 failed at a 50% rate"
    );
}

#[tokio::test]
async fn an_outage_window_answers_503_only_while_it_lasts() {
    let now = now_ms();
    let account = account_with(FaultSettings {
        outages: vec![Outage {
            start_ms: now,
            end_ms: now + 1_500,
        }],
        ..FaultSettings::default()
    })
    .await;
    assert_eq!(account.get(PROBE).await.status, 503);
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    assert_eq!(account.get(PROBE).await.status, 200);
}

#[tokio::test]
async fn reset_rate_drops_connections_mid_response() {
    let account = account_with(FaultSettings {
        reset_rate: 1.0,
        ..FaultSettings::default()
    })
    .await;
    let result = account.request(Method::GET, PROBE).send().await;
    let failed = match result {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "the connection should have been dropped");
}

/// A receiver of webhook calls on 127.0.0.1:0 recording each call's body.
struct Receiver {
    url: String,
    calls: Arc<Mutex<Vec<Json>>>,
}

async fn receiver() -> Receiver {
    use axum::routing::post;
    let calls: Arc<Mutex<Vec<Json>>> = Arc::default();
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let value: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
                seen.lock().unwrap().push(value);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, calls }
}

async fn register(account: &TestAccount, url: &str, qos: u8, id_set: bool) -> u64 {
    account
        .create(
            "/integration-service/webhook",
            json!({
                "subscribeTo": "product",
                "httpMethod": "POST",
                "uriTemplate": url,
                "bodyTemplate": "{\"id\": \"${resource-id}\", \"event\": \"${full-event}\"}",
                "contentType": "application/json",
                "idSetAccepted": id_set,
                "qualityOfService": qos
            }),
        )
        .await
}

async fn simulate(account: &TestAccount, webhook: u64, ids: &str) {
    let answer = account
        .post(
            &format!("/integration-service/webhook/{webhook}/simulate"),
            json!({"testData": {"${resource-type}": "product", "${resource-id}": ids, "${lifecycle-event}": "modified"}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}

async fn wait_for(calls: &Arc<Mutex<Vec<Json>>>, n: usize) -> Vec<Json> {
    for _ in 0..100 {
        if calls.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let stragglers (repeats) land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    calls.lock().unwrap().clone()
}

#[tokio::test]
async fn webhook_deliveries_repeat_fail_and_reorder_on_demand() {
    let account = account_with(FaultSettings::default()).await;
    let hooks = receiver().await;
    let webhook = register(&account, &hooks.url, 0, false).await;

    // Repeat: every call arrives twice.
    let set = account
        .admin(
            Method::PUT,
            "/webhooks/faults",
            Some(json!({"repeat_rate": 1.0})),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    simulate(&account, webhook, "7").await;
    let calls = wait_for(&hooks.calls, 2).await;
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], calls[1]);
    hooks.calls.lock().unwrap().clear();

    // Fail: QoS 0 does not retry a lost call, so nothing arrives.
    account
        .admin(
            Method::PUT,
            "/webhooks/faults",
            Some(json!({"fail_rate": 1.0})),
        )
        .await;
    simulate(&account, webhook, "8").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(hooks.calls.lock().unwrap().is_empty());
    let log = account
        .admin(Method::GET, "/webhooks/deliveries", None)
        .await;
    assert!(
        log.body["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.to_string().contains("injected") || a.to_string().contains("lost")),
        "{:?}",
        log.body
    );

    // Reorder: ten single-id calls arrive, not in the order raised.
    account
        .admin(
            Method::PUT,
            "/webhooks/faults",
            Some(json!(DeliveryFaults {
                reorder: true,
                ..DeliveryFaults::default()
            })),
        )
        .await;
    let mut shuffled = false;
    for _round in 0..3 {
        hooks.calls.lock().unwrap().clear();
        simulate(&account, webhook, "1-10").await;
        let calls = wait_for(&hooks.calls, 10).await;
        assert_eq!(calls.len(), 10, "{calls:?}");
        let order: Vec<u64> = calls
            .iter()
            .map(|c| c["id"].as_str().unwrap().parse().unwrap())
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=10).collect::<Vec<u64>>());
        if order != sorted {
            shuffled = true;
            break;
        }
    }
    assert!(shuffled, "three rounds of ten calls all arrived in order");
}
