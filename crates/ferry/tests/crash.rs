//! Crash safety: worker processes are killed with SIGKILL at random points, again and again,
//! while notices keep arriving. After restarts every notice is covered exactly once, in
//! per-record order, and no effect is applied twice (redeliveries are recognised by their
//! idempotency keys).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Deployment, assert_every_notice_once, wait_with_limit};
use ferry_core::TenantId;
use ferry_engine::flows::selftest::{EnqueuePlan, enqueue, flow_name, verify};
use rand::Rng;
use std::time::{Duration, Instant};

const WORKER: &str = "lease_seconds = 1\nbatch_size = 50\nconcurrency = 4\nidle_poll_ms = 50\nmax_attempts = 100\nbackoff_base_ms = 10\nbackoff_max_seconds = 1";
const WORKER_ARGS: &[&str] = &["--exit-when-idle", "4000"];

async fn kill_workers_repeatedly(deployment: Deployment) {
    let store = deployment.store().await;
    let tenant = TenantId::default_tenant();

    // Notices keep arriving for the first seconds of the test.
    let feeder = {
        let store = store.clone();
        let tenant = tenant.clone();
        tokio::spawn(async move {
            for wave in 0..60 {
                let plan = EnqueuePlan {
                    start: wave * 100,
                    work_ms: 2,
                    after_ms: 20,
                    ..EnqueuePlan::new(tenant.clone(), 100, 500)
                };
                enqueue(store.as_ref(), &plan).await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let mut workers: Vec<_> = (0..2)
        .map(|_| deployment.spawn_worker(WORKER_ARGS))
        .collect();
    let mut kills = 0;
    let started = Instant::now();
    while kills < 12 {
        let pause = rand::rng().random_range(100..600);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let victim = rand::rng().random_range(0..workers.len());
        if let Some(status) = workers[victim].try_wait().unwrap() {
            // It ran out of work and exited; start it again.
            assert!(status.success(), "a worker failed on its own: {status}");
        } else {
            workers[victim].kill().unwrap(); // SIGKILL
            workers[victim].wait().unwrap();
            kills += 1;
        }
        workers[victim] = deployment.spawn_worker(WORKER_ARGS);
    }
    feeder.await.unwrap();
    for worker in &mut workers {
        let status =
            tokio::task::block_in_place(|| wait_with_limit(worker, Duration::from_secs(300)));
        assert!(status.success(), "a worker failed: {status}");
    }

    let report = verify(store.as_ref(), &tenant).await.unwrap();
    assert_eq!((report.records, report.notices), (500, 6000));
    assert_every_notice_once(&report);
    assert!(
        store.stats(None).await.unwrap().is_empty(),
        "queue drained and no dead letters"
    );
    let effects = store
        .effects(&tenant, &flow_name(), 0, 100_000)
        .await
        .unwrap();
    let keys: std::collections::HashSet<&str> = effects.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys.len(), effects.len(), "each effect applied once");
    eprintln!(
        "{kills} SIGKILLs in {:.1}s: {} notices → {} effects, {} redeliveries recognised",
        started.elapsed().as_secs_f64(),
        report.notices,
        report.effects,
        report.repeats
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_workers_on_sqlite() {
    kill_workers_repeatedly(Deployment::sqlite(WORKER)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_workers_on_postgres() {
    kill_workers_repeatedly(Deployment::postgres(WORKER).await).await;
}
