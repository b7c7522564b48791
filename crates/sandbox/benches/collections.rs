//! Throughput of the Salesforce sandbox: upserts through sObject Collections (200 records per
//! call, 4 calls in flight) into an empty org (creates) and again (updates), over real HTTP on
//! loopback; and the resident memory the org takes per record.
//!
//! `cargo bench -p ferry-sandbox --bench collections [-- RECORDS]` (default 100,000): three runs,
//! medians. `-- --memory RECORDS`: one load into a fresh process, reporting the resident memory
//! it added (run it at two sizes to see memory grow in proportion to the data).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use serde_json::{Value, json};
use std::time::Instant;

const BATCH: usize = 200;
const IN_FLIGHT: usize = 4;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn batch(start: usize, round: usize) -> Value {
    let records: Vec<Value> = (start..start + BATCH)
        .map(|i| {
            json!({
                "attributes": {"type": "Account"},
                "ExternalID__c": format!("BP-C-{i}"),
                "Name": format!("Customer {i} round {round}"),
                "Phone": "+44 113 496 0000",
                "BillingStreet": "1 High Street",
                "BillingCity": "Leeds",
                "BillingPostalCode": "LS1 1AA",
                "BillingCountry": "United Kingdom",
                "Type": "Customer - Direct",
            })
        })
        .collect();
    json!({"allOrNone": false, "records": records})
}

async fn upsert_all(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    records: usize,
    round: usize,
) -> f64 {
    let started = Instant::now();
    let starts: Vec<usize> = (0..records).step_by(BATCH).collect();
    let mut handles = Vec::new();
    for lane in 0..IN_FLIGHT {
        let mine: Vec<usize> = starts
            .iter()
            .copied()
            .skip(lane)
            .step_by(IN_FLIGHT)
            .collect();
        let client = client.clone();
        let url = url.to_string();
        let token = token.to_string();
        handles.push(tokio::spawn(async move {
            for start in mine {
                let response = client
                    .patch(&url)
                    .bearer_auth(&token)
                    .json(&batch(start, round))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 200);
                let body: Value = response.json().await.expect("json");
                assert!(
                    body.as_array()
                        .expect("array")
                        .iter()
                        .all(|r| r["success"] == true),
                    "{body}"
                );
            }
        }));
    }
    for handle in handles {
        handle.await.expect("lane");
    }
    records as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let records: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    if std::env::args().any(|a| a == "--memory") {
        let sandbox = Sandbox::start(Options {
            data: DataSet::Empty,
            daily_api_limit: u64::MAX / 2,
            ..Options::default()
        })
        .await
        .expect("sandbox");
        let url = format!(
            "{}/services/data/v59.0/composite/sobjects/Account/ExternalID__c",
            sandbox.banner.instance_url
        );
        let before = rss_kib();
        upsert_all(&client, &url, &sandbox.banner.access_token, records, 1).await;
        let after = rss_kib();
        println!(
            "memory: {records} Accounts loaded: RSS +{} MiB, {} bytes per record (record, indexes and its change-log entry)",
            after.saturating_sub(before) / 1024,
            after.saturating_sub(before) * 1024 / records as u64
        );
        return;
    }
    let (mut creates, mut updates) = (Vec::new(), Vec::new());
    for run in 0..3 {
        let sandbox = Sandbox::start(Options {
            data: DataSet::Empty,
            daily_api_limit: u64::MAX / 2,
            ..Options::default()
        })
        .await
        .expect("sandbox");
        let url = format!(
            "{}/services/data/v59.0/composite/sobjects/Account/ExternalID__c",
            sandbox.banner.instance_url
        );
        let create = upsert_all(&client, &url, &sandbox.banner.access_token, records, 1).await;
        let update = upsert_all(&client, &url, &sandbox.banner.access_token, records, 2).await;
        println!(
            "run {run}: {records} records: create {create:.0} records/s, update {update:.0} records/s"
        );
        creates.push(create);
        updates.push(update);
        sandbox.stop().await.expect("stop");
    }
    println!(
        "median of 3: create {:.0} records/s, update {:.0} records/s (Collections upsert, {BATCH} per call, {IN_FLIGHT} in flight)",
        median(creates),
        median(updates)
    );
}
