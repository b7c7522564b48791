//! Upserting N Accounts by `ExternalID__c` into the Salesforce sandbox through the write
//! planner, the way an initial load and a re-sync do: a create pass (every record new), then
//! an update pass (same keys, changed fields). Once with the lane forced to sObject
//! Collections (200 records a call, 4 calls in flight), once forced to Bulk API 2.0. The
//! sandbox runs in-process on loopback with the daily API limit out of reach and no faults.
//! Each lane/pass is run `--runs` times (default 3) on a freshly reset org; the median is
//! reported with records/s, API calls (as the sandbox counted them for `Sforce-Limit-Info`,
//! and as the client's transport sent them) and records per call.
//!
//! `cargo bench -p ferry-salesforce --bench upsert [-- RECORDS [--runs N]]` (default 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ferry_http::TransportConfig;
use ferry_http::budget::Budgets;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::write::{
    Lane, LaneChoice, PollPolicy, RecordWrite, WriteOptions, WriteOutcome, WritePlanner,
};
use ferry_salesforce::{Client, Settings};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use secrecy::SecretString;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn batch(n: usize, pass: &str) -> Vec<RecordWrite> {
    (0..n)
        .map(|i| {
            let key = format!("BP-C-{i}");
            let mut fields = Map::new();
            fields.insert("Name".into(), json!(format!("Customer {i} ({pass})")));
            fields.insert(
                "Phone".into(),
                json!(format!("+44 20 7946 {:04}", i % 10_000)),
            );
            fields.insert("BillingCity".into(), json!("London"));
            fields.insert("Type".into(), json!("Customer - Direct"));
            fields.insert("NumberOfEmployees".into(), json!(i % 500));
            RecordWrite::upsert(key.clone(), "Account", "ExternalID__c", key, fields)
        })
        .collect()
}

struct Sample {
    seconds: f64,
    /// Calls the sandbox counted (what `Sforce-Limit-Info` reports as used).
    counted: u64,
    /// Requests the transport sent.
    sent: u64,
    /// Calls the planner reports.
    planned: usize,
    records_per_call: f64,
}

async fn admin(
    http: &ferry_http::reqwest::Client,
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let url = format!("{}{path}", sandbox.banner.instance_url);
    let method = ferry_http::reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

async fn used(http: &ferry_http::reqwest::Client, sandbox: &Sandbox) -> u64 {
    admin(http, sandbox, "GET", "/__sandbox/limits", None).await["used"]
        .as_u64()
        .unwrap()
}

async fn pass(
    planner: &WritePlanner,
    http: &ferry_http::reqwest::Client,
    sandbox: &Sandbox,
    records: &[RecordWrite],
    created: bool,
) -> Sample {
    let counted_before = used(http, sandbox).await;
    let sent_before = planner.client().transport().stats().requests;
    let started = Instant::now();
    let report = planner.write(records).await;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.outcomes.len(), records.len());
    for (i, outcome) in report.outcomes.iter().enumerate() {
        match outcome {
            WriteOutcome::Ok { created: c, .. } if *c == created => {}
            other => panic!("record {i}: {other:?}"),
        }
    }
    Sample {
        seconds,
        counted: used(http, sandbox).await - counted_before,
        sent: planner.client().transport().stats().requests - sent_before,
        planned: report.plan.calls.len(),
        records_per_call: report.plan.records_per_call(),
    }
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mid = samples.len() / 2;
    samples.swap_remove(mid)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find_map(|a| a.replace([',', '_'], "").parse().ok())
        .unwrap_or(100_000);
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|p| args.get(p + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let sandbox = Sandbox::start(Options {
            data: DataSet::Empty,
            daily_api_limit: u64::MAX / 4,
            ..Options::default()
        })
        .await
        .unwrap();
        let session = Arc::new(FixedSession::new(
            sandbox.banner.instance_url.clone(),
            SecretString::from(sandbox.banner.access_token.clone()),
        ));
        let client = Client::new(
            Settings::default(),
            session,
            &Budgets::default(),
            TransportConfig::default(),
        )
        .unwrap();
        let http = ferry_http::reqwest::Client::builder().no_proxy().build().unwrap();
        println!("upsert {n} Accounts by ExternalID__c; {runs} run(s) each, median shown; {}", machine());
        let creates = batch(n, "created");
        let updates = batch(n, "updated");
        for lane in [Lane::Collections, Lane::Bulk] {
            let planner = WritePlanner::new(
                client.clone(),
                WriteOptions {
                    lane: LaneChoice::Force(lane),
                    poll: PollPolicy {
                        first: Duration::from_millis(50),
                        max: Duration::from_millis(500),
                        give_up_after: Duration::from_secs(3600),
                    },
                    ..WriteOptions::default()
                },
            );
            let mut created = Vec::new();
            let mut updated = Vec::new();
            for _ in 0..runs {
                admin(&http, &sandbox, "POST", "/__sandbox/reset", Some(json!({"data": "empty"}))).await;
                created.push(pass(&planner, &http, &sandbox, &creates, true).await);
                updated.push(pass(&planner, &http, &sandbox, &updates, false).await);
            }
            for (name, samples) in [("create", created), ("update", updated)] {
                let each: Vec<String> = samples
                    .iter()
                    .map(|s| format!("{:.0}", n as f64 / s.seconds))
                    .collect();
                let s = median(samples);
                println!(
                    "{:<12} {name:<7} {n:>8} records {:>8.2} s {:>9.0} records/s  API calls: {} counted by Salesforce, {} sent, {} planned  {:>6.1} records/call  (runs: {} records/s)",
                    format!("{lane:?}"),
                    s.seconds,
                    n as f64 / s.seconds,
                    s.counted,
                    s.sent,
                    s.planned,
                    s.records_per_call,
                    each.join(" / "),
                );
            }
        }
        sandbox.stop().await.unwrap();
    });
}
