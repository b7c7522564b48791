//! Queue benchmark: enqueue → lease → ack, on SQLite and PostgreSQL, at batch sizes 1, 100, 1000.
//!
//! `cargo bench -p ferry-store --bench queue` (PostgreSQL runs when FERRY_TEST_POSTGRES_URL is
//! set, e.g. after `eval "$(scripts/postgres)"`). Each configuration runs three times on a fresh
//! database; the table reports the median run's throughput and that run's batch-cycle latency
//! percentiles (a cycle = append a batch of notices, lease it, ack it). Prints Markdown.
//! Arguments after `--` select configurations: `sqlite`, `postgres`, or a batch size (`100`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ferry_core::{ChangeNotice, FlowName, Operation, System, TenantId, Timestamp};
use ferry_store::testing::{fresh_postgres_store, fresh_sqlite_store};
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Run {
    items_per_sec: f64,
    enqueue_per_sec: f64,
    lease_ack_per_sec: f64,
    p50: Duration,
    p99: Duration,
}

fn notices(start: u64, count: u64) -> Vec<RoutedNotice> {
    let tenant = TenantId::default_tenant();
    let flow = FlowName::new("customers").unwrap();
    (start..start + count)
        .map(|n| RoutedNotice {
            notice: ChangeNotice {
                tenant: tenant.clone(),
                source: System::Brightpearl,
                object: "contact".into(),
                record_id: n.to_string(),
                operation: Operation::Update,
                observed_at: Timestamp::now(),
                origin: None,
                payload: serde_json::json!({ "id": n }),
            },
            flows: vec![flow.clone()],
        })
        .collect()
}

async fn run(store: Arc<dyn Store>, batch: u64, items: u64) -> Run {
    let request = LeaseRequest {
        worker: "bench".into(),
        limit: batch as u32,
        lease_for: Duration::from_secs(60),
        flows: vec![],
        tenant: None,
        max_attempts: 10,
    };
    let mut cycles = Vec::new();
    let (mut enqueue_time, mut lease_ack_time) = (Duration::ZERO, Duration::ZERO);
    let started = Instant::now();
    let mut done = 0;
    while done < items {
        let batch_notices = notices(done, batch);
        let cycle = Instant::now();
        store
            .append(AppendBatch {
                notices: batch_notices,
                checkpoints: vec![],
            })
            .await
            .unwrap();
        let enqueued = Instant::now();
        let leased = store.lease(&request).await.unwrap();
        assert_eq!(leased.len() as u64, batch);
        let refs: Vec<LeaseRef> = leased.iter().map(LeaseRef::from).collect();
        let outcome = store.ack(&refs).await.unwrap();
        assert_eq!(outcome.acked, batch);
        let end = Instant::now();
        enqueue_time += enqueued - cycle;
        lease_ack_time += end - enqueued;
        cycles.push(end - cycle);
        done += batch;
    }
    let total = started.elapsed();
    cycles.sort();
    let pick = |q: f64| cycles[((cycles.len() as f64 - 1.0) * q).round() as usize];
    Run {
        items_per_sec: items as f64 / total.as_secs_f64(),
        enqueue_per_sec: items as f64 / enqueue_time.as_secs_f64(),
        lease_ack_per_sec: items as f64 / lease_ack_time.as_secs_f64(),
        p50: pick(0.5),
        p99: pick(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let postgres = std::env::var(ferry_store::testing::POSTGRES_URL_VAR).is_ok();
    if !postgres {
        eprintln!(
            "FERRY_TEST_POSTGRES_URL is not set: PostgreSQL is skipped (eval \"$(scripts/postgres)\" first)"
        );
    }
    println!(
        "| backend | batch | items | items/s (enqueue→lease→ack) | enqueue items/s | lease+ack items/s | cycle p50 ms | cycle p99 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    // cargo passes `--bench`; anything else selects configurations.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| {
        let kind: Vec<&String> = only
            .iter()
            .filter(|a| a.parse::<u64>().is_err() == name.parse::<u64>().is_err())
            .collect();
        kind.is_empty() || kind.iter().any(|a| *a == name)
    };
    for backend in ["sqlite", "postgres"] {
        if (backend == "postgres" && !postgres) || !wanted(backend) {
            continue;
        }
        for (batch, items) in [(1u64, 2_000u64), (100, 50_000), (1000, 100_000)] {
            if !wanted(&batch.to_string()) {
                continue;
            }
            let mut runs = Vec::new();
            for _ in 0..3 {
                let store: Arc<dyn Store> = match backend {
                    "sqlite" => {
                        let (store, dir) = fresh_sqlite_store().await;
                        std::mem::forget(dir);
                        store
                    }
                    _ => fresh_postgres_store().await,
                };
                runs.push(run(store, batch, items).await);
            }
            runs.sort_by(|a, b| a.items_per_sec.total_cmp(&b.items_per_sec));
            let median = &runs[1];
            println!(
                "| {backend} | {batch} | {items} | {:.0} | {:.0} | {:.0} | {} | {} |",
                median.items_per_sec,
                median.enqueue_per_sec,
                median.lease_ack_per_sec,
                ms(median.p50),
                ms(median.p99)
            );
        }
    }
}
