//! The overview over a real socket: `GET /api/overview` (viewer; 401 without a token) and the
//! dashboard's first page, with the throughput the server samples from the process's metrics
//! recorder after a worker-like counter increment, and the API budget and breaker panel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{client, route, serve_here, state, token};
use ferry_core::System;
use ferry_http::reqwest;
use ferry_server::admin::Role;
use ferry_server::throughput::Sampler;
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

const VIEWER: &str = "fy_overview-viewer";
const FLOW: &str = "overview_products";

async fn start() -> (String, tempfile::TempDir) {
    let handle = ferry_server::install_metrics().expect("the Prometheus recorder");
    let (store, dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let mut state = state(
        store,
        vec![route(FLOW, System::Brightpearl, "product", 0)],
        vec![token("vera", Role::Viewer, VIEWER)],
    );
    state.metrics = Some(handle);
    state.throughput = Sampler::new(Duration::from_millis(100), 360);
    (serve_here(state).await, dir)
}

async fn overview(http: &reqwest::Client, base: &str) -> Value {
    let response = http
        .get(format!("{base}/api/overview"))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_throughput_error_rate_budgets_and_breakers() {
    let (base, _dir) = start().await;
    let http = client();

    // No token, no overview.
    let response = http
        .get(format!("{base}/api/overview"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "NO_TOKEN");

    // Before any work: the flow is idle, with no error rate.
    let before = overview(&http, &base).await;
    assert_eq!(before["metrics"], true);
    let flow = &before["flows"][0];
    assert_eq!(flow["name"], FLOW);
    assert_eq!(flow["state"], "idle");
    assert_eq!(flow["error_rate"], Value::Null);
    assert_eq!(flow["lag_seconds"], Value::Null);

    // Let the sampler take its baseline, then settle items as a worker does.
    tokio::time::sleep(Duration::from_millis(300)).await;
    metrics::counter!("ferry_worker_items_total", "flow" => FLOW, "outcome" => "succeeded")
        .increment(5);
    metrics::counter!("ferry_worker_items_total", "flow" => FLOW, "outcome" => "dead_lettered")
        .increment(1);
    metrics::gauge!("ferry_api_budget_remaining", "budget" => "brightpearl:acme").set(143.0);
    metrics::gauge!("ferry_api_budget_limit", "budget" => "brightpearl:acme").set(200.0);
    metrics::gauge!("ferry_api_budget_window_seconds", "budget" => "brightpearl:acme").set(60.0);
    metrics::gauge!("ferry_api_breaker_open", "api" => "brightpearl", "family" => "product")
        .set(0.0);
    metrics::gauge!("ferry_api_breaker_open", "api" => "salesforce", "family" => "sobjects")
        .set(1.0);

    let started = Instant::now();
    let after = loop {
        let now = overview(&http, &base).await;
        if now["flows"][0]["recent"]["done"] == 5 && now["flows"][0]["recent"]["failed"] == 1 {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the sampler did not pick the counters up: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let flow = &after["flows"][0];
    let rate = flow["error_rate"].as_f64().unwrap();
    assert!((rate - 1.0 / 6.0).abs() < 1e-9, "{flow}");
    let series = flow["throughput"].as_array().unwrap();
    let done: u64 = series.iter().map(|p| p["done"].as_u64().unwrap()).sum();
    assert_eq!(done, 5, "{flow}");
    assert!(
        series
            .iter()
            .all(|p| p["at"].as_i64().unwrap() <= after["at"].as_i64().unwrap())
    );
    let systems = after["systems"].as_array().unwrap();
    let brightpearl = systems
        .iter()
        .find(|s| s["system"] == "brightpearl")
        .unwrap();
    assert_eq!(brightpearl["budgets"][0]["remaining"], 143);
    assert_eq!(brightpearl["budgets"][0]["limit"], 200);
    assert_eq!(brightpearl["budgets"][0]["window_seconds"], 60);
    assert_eq!(brightpearl["breakers"][0]["open"], false);
    let salesforce = systems
        .iter()
        .find(|s| s["system"] == "salesforce")
        .unwrap();
    assert_eq!(salesforce["breakers"][0]["family"], "sobjects");
    assert_eq!(salesforce["breakers"][0]["open"], true);

    // The page: log in, then the chart and the panel.
    let login = http
        .post(format!("{base}/ui/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={VIEWER}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for path in ["/ui/", "/ui/fragments/flows"] {
        let page = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.unwrap();
        assert!(html.contains("<svg class=\"chart\""), "{path}: {html}");
        assert!(html.contains("<rect class=\"done\""), "{path}: {html}");
        assert!(html.contains("<rect class=\"failed\""), "{path}: {html}");
        assert!(
            html.contains("5 done, 1 failed in the last hour"),
            "{path}: {html}"
        );
        assert!(html.contains("16.7 % (1 of 6)"), "{path}: {html}");
        assert!(
            html.contains("143 of 200 left this minute"),
            "{path}: {html}"
        );
        assert!(html.contains("breaker closed"), "{path}: {html}");
        assert!(html.contains("breaker open: sobjects"), "{path}: {html}");
        assert!(html.contains("table class=\"flows\""), "{path}: {html}");
    }
}
