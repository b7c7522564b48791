//! Four `ferry worker` processes share one PostgreSQL queue: every item is processed, per-record
//! order holds, and nothing is processed twice (the effect ledger's unique key proves it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Deployment, assert_every_notice_once, wait_with_limit};
use ferry_core::TenantId;
use ferry_engine::flows::selftest::{EnqueuePlan, enqueue, verify};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_worker_processes_share_one_queue() {
    let deployment = Deployment::postgres(
        "lease_seconds = 30\nbatch_size = 50\nconcurrency = 8\nidle_poll_ms = 50",
    )
    .await;
    let store = deployment.store().await;
    let tenant = TenantId::default_tenant();

    let mut workers: Vec<_> = (0..4)
        .map(|_| deployment.spawn_worker(&["--exit-when-idle", "3000"]))
        .collect();

    // 10,000 notices over 1,000 records, arriving in 100 waves while the workers run, so each
    // record is processed several times and ordering matters.
    for wave in 0..100 {
        let plan = EnqueuePlan {
            start: wave * 100,
            work_ms: 1,
            after_ms: 0,
            ..EnqueuePlan::new(tenant.clone(), 100, 1000)
        };
        enqueue(store.as_ref(), &plan).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    for worker in &mut workers {
        let status =
            tokio::task::block_in_place(|| wait_with_limit(worker, Duration::from_secs(300)));
        assert!(status.success(), "a worker failed: {status}");
    }

    let report = verify(store.as_ref(), &tenant).await.unwrap();
    assert_eq!(report.records, 1000);
    assert_eq!(report.notices, 10_000);
    assert_every_notice_once(&report);
    assert_eq!(report.repeats, 0, "no item was processed twice");
    assert!(
        store.stats(None).await.unwrap().is_empty(),
        "queue drained, no dead letters"
    );

    // Every worker took a share of the work.
    let effects = store
        .effects(
            &tenant,
            &ferry_engine::flows::selftest::flow_name(),
            0,
            100_000,
        )
        .await
        .unwrap();
    let workers_seen: std::collections::HashSet<&str> = effects
        .iter()
        .filter_map(|e| e.detail["worker"].as_str())
        .collect();
    assert_eq!(workers_seen.len(), 4, "all four processes did work");
    eprintln!(
        "{} notices → {} items over {} records, 4 processes",
        report.notices, report.effects, report.records
    );
}
