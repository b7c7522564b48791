//! From a Salesforce write to a journaled change notice: the sandbox commits Account creates
//! (REST, one record a call), its Pub/Sub server streams the change events, and Ferry's CDC
//! source decodes them and journals notices with the replay-id checkpoint (SQLite). Measures
//! the latency of each change (write sent → notice journaled, p50/p99) at 100 and 1,000 changes
//! a second, and the throughput of a burst (Collections, 200 records a call).
//!
//! `cargo bench -p ferry-engine --bench cdc_latency [-- SECONDS]` (default 10 s per rate).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ferry_core::{FlowName, TenantId};
use ferry_engine::Shutdown;
use ferry_engine::sources::salesforce_cdc::{CdcConfig, CdcSource, CdcStats, Start};
use ferry_http::budget::Budgets;
use ferry_http::{Method, TransportConfig};
use ferry_salesforce::auth::{FixedSession, Session};
use ferry_salesforce::pubsub::{PubSub, PubSubSettings};
use ferry_salesforce::{Client, Settings};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_store::Store;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn session(sandbox: &Sandbox) -> Arc<dyn Session> {
    Arc::new(FixedSession::new(
        sandbox.banner.instance_url.clone(),
        SecretString::from(sandbox.banner.access_token.clone()),
    ))
}

struct Setup {
    sandbox: Sandbox,
    rest: Client,
    stats: Arc<CdcStats>,
    stop: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let sandbox = Sandbox::start(Options {
        data: DataSet::Empty,
        grpc_listen: Some(([127, 0, 0, 1], 0).into()),
        daily_api_limit: 100_000_000,
        ..Options::default()
    })
    .await
    .unwrap();
    // Writes tagged with another client id, so the source journals them (Ferry's own would be
    // dropped as echoes).
    let settings = Settings {
        client_name: "bench-writer".into(),
        ..Settings::default()
    };
    let rest = Client::new(
        settings,
        session(&sandbox),
        &Budgets::default(),
        TransportConfig::default(),
    )
    .unwrap();
    let url = sandbox.banner.grpc_url.clone().unwrap();
    let pubsub = PubSub::new(
        PubSubSettings::new(url, sandbox.banner.org_id.clone()),
        session(&sandbox),
    )
    .unwrap();
    let (store, dir) = ferry_store::testing::fresh_sqlite_store().await;
    let config = CdcConfig {
        start: Start::Latest,
        ..CdcConfig::new(
            TenantId::default_tenant(),
            "/data/AccountChangeEvent",
            vec![FlowName::new("sf-accounts").unwrap()],
        )
    };
    let source = CdcSource::new(config, pubsub, store as Arc<dyn Store>);
    let stats = source.stats().clone();
    let (stop, shutdown) = Shutdown::new();
    tokio::spawn(async move {
        source.run(shutdown).await.unwrap();
    });
    // Let the subscription reach the tip before writing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Setup {
        sandbox,
        rest,
        stats,
        stop,
        _dir: dir,
    }
}

fn notices(stats: &CdcStats) -> u64 {
    stats.notices.load(Ordering::Relaxed)
}

/// Watches the notice counter and notes when each notice was journaled (notices arrive in
/// commit order, and one write makes one notice).
fn watch_journal(
    stats: Arc<CdcStats>,
    base: u64,
    expect: usize,
) -> tokio::task::JoinHandle<Vec<Instant>> {
    tokio::spawn(async move {
        let mut at = Vec::with_capacity(expect);
        let give_up = Instant::now() + Duration::from_secs(120);
        while at.len() < expect && Instant::now() < give_up {
            let seen = (notices(&stats) - base) as usize;
            let now = Instant::now();
            while at.len() < seen.min(expect) {
                at.push(now);
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        at
    })
}

async fn paced(setup: &Setup, rate: u64, seconds: u64) -> (usize, Vec<Duration>) {
    let total = (rate * seconds) as usize;
    let base = notices(&setup.stats);
    let watcher = watch_journal(setup.stats.clone(), base, total);
    let started = Instant::now();
    let mut sent = Vec::with_capacity(total);
    // Writes go out on schedule, at most 64 in flight.
    let mut inflight = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let rest = setup.rest.clone();
        sent.push(Instant::now());
        inflight.spawn(async move {
            let call = rest
                .call(Method::POST, "/sobjects/Account")
                .json(&json!({"Name": format!("Bench {i}")}))
                .unwrap();
            rest.send(&call).await.unwrap();
        });
        while inflight.len() > 64 {
            inflight.join_next().await;
        }
    }
    while inflight.join_next().await.is_some() {}
    let journaled = watcher.await.unwrap();
    // Commit order may differ slightly from send order with writes in flight; pair the k-th
    // journaled notice with the k-th sent write (both are in time order).
    let latencies: Vec<Duration> = journaled
        .iter()
        .zip(&sent)
        .map(|(j, s)| j.saturating_duration_since(*s))
        .collect();
    (journaled.len(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn burst(setup: &Setup, count: usize) -> (usize, f64) {
    let base = notices(&setup.stats);
    let watcher = watch_journal(setup.stats.clone(), base, count);
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for chunk in 0..count.div_ceil(200) {
        let rest = setup.rest.clone();
        calls.spawn(async move {
            let records: Vec<_> = (chunk * 200..((chunk + 1) * 200).min(count))
                .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("Burst {i}")}))
                .collect();
            let call = rest
                .call(Method::POST, "/composite/sobjects")
                .json(&json!({"allOrNone": true, "records": records}))
                .unwrap();
            rest.send(&call).await.unwrap();
        });
        while calls.len() >= 4 {
            calls.join_next().await;
        }
    }
    while calls.join_next().await.is_some() {}
    let journaled = watcher.await.unwrap();
    let took = journaled
        .last()
        .map_or(Duration::ZERO, |t| t.duration_since(started));
    (journaled.len(), journaled.len() as f64 / took.as_secs_f64())
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let setup = setup().await;
        println!("Salesforce write → journaled change notice (SQLite store, sandbox on loopback)");
        for rate in [100u64, 1000] {
            let (journaled, mut latencies) = paced(&setup, rate, seconds).await;
            latencies.sort();
            println!(
                "  {rate:>5} changes/s for {seconds} s: {journaled} of {} journaled; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                rate * seconds,
                percentile(&latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&latencies, 0.99).as_secs_f64() * 1e3,
                latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            );
        }
        let (journaled, per_second) = burst(&setup, 20_000).await;
        println!("  burst of 20,000 creates (Collections): {journaled} journaled, {per_second:.0} events/s");
        setup.stop.send(true).ok();
        setup.sandbox.stop().await.ok();
    });
}
