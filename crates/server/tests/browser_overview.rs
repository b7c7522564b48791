//! The overview in a real browser (headless Chromium through chromedriver, a phone-sized
//! window): log in and see each flow's throughput chart and the API panel. Saves the
//! `overview` screenshot of docs/ (`FERRY_SCREENSHOTS_DIR`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::browser::{browser, driver, log_in, screenshot};
use common::server::{route, serve_here, state, token};
use fantoccini::Locator;
use ferry_core::System;
use ferry_server::admin::Role;
use ferry_server::throughput::Sampler;
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use std::sync::Arc;
use std::time::Duration;

const VIEWER: &str = "fy_browser-overview-viewer";

/// An hour of worker counters, one reading a minute, fed to the sampler as if it had been
/// running; the process's recorder ends at the same counts, so the live sampler's own first
/// reading adds nothing.
fn seed_an_hour(sampler: &Sampler, now: i64) {
    let flows = [
        ("products_to_salesforce", 24u64, 7u64),
        ("orders_to_salesforce", 9, 13),
    ];
    let mut totals = [(0u64, 0u64); 2];
    for minute in 0..=60i64 {
        let mut text = String::new();
        for (i, (flow, base, period)) in flows.iter().enumerate() {
            if minute > 0 {
                // A steady flow with a morning bump, and a bursty one with a bad patch.
                let wave = (minute as u64 * 37 + i as u64 * 11) % 17;
                let done = if i == 0 {
                    base + wave
                } else if (minute as u64) % period < 4 {
                    base * 4
                } else {
                    wave / 3
                };
                let failed = if i == 1 && (38..44).contains(&minute) {
                    6
                } else {
                    u64::from(wave == 3)
                };
                totals[i].0 += done;
                totals[i].1 += failed;
            }
            text.push_str(&format!(
                "ferry_worker_items_total{{flow=\"{flow}\",outcome=\"succeeded\"}} {}\n\
                 ferry_worker_items_total{{flow=\"{flow}\",outcome=\"retried\"}} {}\n",
                totals[i].0, totals[i].1
            ));
        }
        sampler.sample(now - (60 - minute) * 60 - 5, &text);
    }
    for (i, (flow, _, _)) in flows.iter().enumerate() {
        metrics::counter!("ferry_worker_items_total", "flow" => *flow, "outcome" => "succeeded")
            .increment(totals[i].0);
        metrics::counter!("ferry_worker_items_total", "flow" => *flow, "outcome" => "retried")
            .increment(totals[i].1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_and_see_each_flows_throughput_and_the_api_panel() {
    let handle = ferry_server::install_metrics().expect("the Prometheus recorder");
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let mut state = state(
        store,
        vec![
            route(
                "products_to_salesforce",
                System::Brightpearl,
                "product",
                120,
            ),
            route(
                "orders_to_salesforce",
                System::Brightpearl,
                "sales-order",
                120,
            ),
        ],
        vec![token("vera", Role::Viewer, VIEWER)],
    );
    state.metrics = Some(handle);
    // One reading an hour: the live sampler's first reading at start is all it adds here.
    state.throughput = Sampler::new(Duration::from_secs(3600), 360);
    let now = ferry_core::Timestamp::now().as_micros() / 1_000_000;
    seed_an_hour(&state.throughput, now);
    metrics::gauge!("ferry_api_budget_remaining", "budget" => "brightpearl:acme").set(143.0);
    metrics::gauge!("ferry_api_budget_limit", "budget" => "brightpearl:acme").set(200.0);
    metrics::gauge!("ferry_api_budget_window_seconds", "budget" => "brightpearl:acme").set(60.0);
    metrics::gauge!("ferry_api_budget_remaining", "budget" => "salesforce:acme.my").set(81_250.0);
    metrics::gauge!("ferry_api_budget_limit", "budget" => "salesforce:acme.my").set(100_000.0);
    metrics::gauge!("ferry_api_budget_window_seconds", "budget" => "salesforce:acme.my")
        .set(86_400.0);
    metrics::gauge!("ferry_api_breaker_open", "api" => "brightpearl", "family" => "product")
        .set(0.0);
    metrics::gauge!("ferry_api_breaker_open", "api" => "salesforce", "family" => "sobjects")
        .set(0.0);
    let base = serve_here(state).await;

    let driver = driver();
    let browser = browser(&driver).await;
    log_in(&browser, &base, VIEWER).await;
    let chart = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#throughput-products_to_salesforce svg.chart"))
        .await
        .unwrap();
    assert!(chart.is_displayed().await.unwrap());
    // The chart fits the phone's width: it is no wider than the page, which does not scroll
    // sideways.
    let widths = browser
        .execute(
            "const chart = document.querySelector('#throughput-products_to_salesforce svg.chart');\
             const page = document.documentElement;\
             return [chart.getBoundingClientRect().width, page.clientWidth, page.scrollWidth, \
                     window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let widths: Vec<f64> = widths
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .collect();
    let (chart_w, page_w, scroll_w) = (widths[0], widths[1], widths[2]);
    assert!(
        chart_w > 200.0 && chart_w <= page_w && scroll_w <= page_w,
        "chart, page, scroll, window widths: {widths:?}"
    );
    let bars = browser
        .find_all(Locator::Css("#throughput-orders_to_salesforce rect.failed"))
        .await
        .unwrap();
    assert!(!bars.is_empty(), "the bad patch shows as failed bars");
    let panel = browser
        .find(Locator::Css("#apis"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(panel.contains("143 of 200 left this minute"), "{panel}");
    assert!(panel.contains("breaker closed"), "{panel}");
    screenshot(&browser, "overview").await;
    browser.close().await.unwrap();
}
