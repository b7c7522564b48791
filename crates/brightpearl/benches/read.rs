//! Reading 100,000 records from the Brightpearl sandbox through the client, the way an initial
//! load does: a `product-search` walk (500 rows a page) finds the ids, then id-set GETs (200
//! products a call, 4 in flight) fetch the full records. Run twice: with the sandbox's real
//! throttle (200 requests a minute, the client's budget at 200 too) and with throttling off.
//! Reports records/s, API calls and records per call for each step.
//!
//! `cargo bench -p ferry-brightpearl --bench read [-- RECORDS]` (default 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::search::Search;
use ferry_brightpearl::{Client, Settings};
use ferry_http::TransportConfig;
use ferry_http::budget::Budgets;
use ferry_sandbox::brightpearl::account::catalogue;
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use futures_util::TryStreamExt;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Ids fetched per `products()` call, so the benchmark never holds every record at once.
const SLICE: usize = 10_000;

fn fill(sandbox: &Sandbox, n: usize) {
    let mut account = sandbox.state().account();
    for i in 0..n {
        catalogue::create_product(
            &mut account,
            &json!({"brandId": 1, "identity": {"sku": format!("SKU-{i}")},
                    "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                    "salesChannels": [{"salesChannelName": "Brightpearl", "productName": format!("Product {i}")}]}),
        )
        .unwrap();
    }
    let _ = account.take_events();
}

struct Step {
    records: u64,
    calls: u64,
    seconds: f64,
    throttled: u64,
}

impl Step {
    fn line(&self, name: &str) -> String {
        format!(
            "{name:<28} {:>8} records {:>6} calls {:>8.1} records/call {:>10.0} records/s {:>8.1} s  (server throttled {} times)",
            self.records,
            self.calls,
            self.records as f64 / self.calls.max(1) as f64,
            self.records as f64 / self.seconds,
            self.seconds,
            self.throttled
        )
    }
}

async fn run(n: usize, throttle: u32) -> (Step, Step) {
    let sandbox = Sandbox::start(Options {
        data: DataSet::Empty,
        requests_per_minute: throttle,
        ..Options::default()
    })
    .await
    .unwrap();
    fill(&sandbox, n);
    let banner = &sandbox.banner;
    let settings = Settings {
        // With throttling off the client is left unmetered too (a huge allowance).
        requests_per_minute: if throttle == 0 { 1_000_000 } else { throttle },
        ..Settings::new(banner.base_url.clone(), banner.account.clone())
    };
    let auth = StaticToken::account(
        &banner.app_ref,
        &SecretString::from(banner.account_token.clone()),
    )
    .unwrap();
    let client = Client::new(
        &settings,
        Arc::new(auth),
        &Budgets::default(),
        TransportConfig::default(),
    )
    .unwrap();

    // Step 1: the search walk.
    let before = client.transport().stats();
    let started = Instant::now();
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        Search::new(&client, "product-service/product-search")
            .columns(&["productId"])
            .stable_by("productId")
            .rows()
            .try_collect()
            .await
            .unwrap();
    let ids: Vec<u64> = rows
        .iter()
        .map(|row| row["productId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), n, "the search must find every product once");
    let after = client.transport().stats();
    let search = Step {
        records: ids.len() as u64,
        calls: after.requests - before.requests,
        seconds: started.elapsed().as_secs_f64(),
        throttled: after.throttled - before.throttled,
    };

    // Step 2: id-set GETs of the full records.
    let before = client.transport().stats();
    let started = Instant::now();
    let mut fetched = 0u64;
    for slice in ids.chunks(SLICE) {
        let products = client
            .products(&IdSet::from_ids(slice.iter().copied()))
            .await
            .unwrap();
        fetched += products.len() as u64;
    }
    assert_eq!(fetched, n as u64, "every product must come back once");
    let after = client.transport().stats();
    let gets = Step {
        records: fetched,
        calls: after.requests - before.requests,
        seconds: started.elapsed().as_secs_f64(),
        throttled: after.throttled - before.throttled,
    };
    sandbox.stop().await.ok();
    (search, gets)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("Brightpearl client read of {n} products (search walk, then id-set GETs)");
    for (label, throttle) in [("throttling off", 0u32), ("throttle 200/min", 200)] {
        let (search, gets) = runtime.block_on(run(n, throttle));
        println!("{label}:");
        println!("  {}", search.line("product-search (500/page)"));
        println!("  {}", gets.line("product GET (200/id set)"));
        let calls = search.calls + gets.calls;
        let seconds = search.seconds + gets.seconds;
        println!(
            "  {:<28} {:>8} records {:>6} calls {:>8.1} records/call {:>10.0} records/s {:>8.1} s",
            "whole read",
            n,
            calls,
            n as f64 / calls as f64,
            n as f64 / seconds,
            seconds
        );
    }
}
