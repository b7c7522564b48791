//! One Brightpearl account's request window shared by two "processes" (two store handles on
//! one database, each with its own clients and budgets): together they never send more than
//! the window allows, so the server never has to throttle them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::{Client, Settings};
use ferry_core::TenantId;
use ferry_engine::StoreLedger;
use ferry_http::TransportConfig;
use ferry_http::budget::{Budget, BudgetSpec, Budgets};
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use ferry_store::{OpenOptions, Store};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

const LIMIT: u32 = 12;

fn tenant() -> TenantId {
    TenantId::new("shop").unwrap()
}

/// Two handles on one SQLite file, as two processes would open it.
async fn two_sqlite_handles() -> (Arc<dyn Store>, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ferry.db").display());
    let a = ferry_store::open(&url, &OpenOptions::default())
        .await
        .unwrap();
    let b = ferry_store::open(&url, &OpenOptions::default())
        .await
        .unwrap();
    (a, b, dir)
}

async fn two_postgres_handles() -> (Arc<dyn Store>, Arc<dyn Store>) {
    let url = ferry_store::testing::fresh_postgres_database().await;
    let a = ferry_store::open(&url, &OpenOptions::default())
        .await
        .unwrap();
    let b = ferry_store::open(&url, &OpenOptions::default())
        .await
        .unwrap();
    (a, b)
}

/// Spends as much of the window as each of 2 × 8 tasks can get within a short wait; the total
/// granted must be exactly the window's limit.
async fn the_window_is_shared(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let spec = BudgetSpec::Window {
        limit: 40,
        window: Duration::from_secs(60),
    };
    let first = Arc::new(Budget::new(
        "acct",
        spec.clone(),
        Arc::new(StoreLedger::new(a, tenant())),
    ));
    let second = Arc::new(Budget::new(
        "acct",
        spec,
        Arc::new(StoreLedger::new(b, tenant())),
    ));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let budget = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut granted = 0u32;
            for _ in 0..10 {
                match tokio::time::timeout(Duration::from_millis(300), budget.acquire(1)).await {
                    Ok(Ok(())) => granted += 1,
                    Ok(Err(e)) => panic!("{e}"),
                    Err(_) => break,
                }
            }
            granted
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(
        total, 40,
        "two processes together must get exactly the window's 40 units"
    );
}

#[tokio::test]
async fn two_sqlite_processes_share_one_window() {
    let (a, b, _dir) = two_sqlite_handles().await;
    the_window_is_shared(a, b).await;
}

#[tokio::test]
async fn two_postgres_processes_share_one_window() {
    let (a, b) = two_postgres_handles().await;
    the_window_is_shared(a, b).await;
}

fn client(sandbox: &Sandbox, store: Arc<dyn Store>) -> Client {
    let banner = &sandbox.banner;
    let settings = Settings {
        requests_per_minute: LIMIT,
        ..Settings::new(banner.base_url.clone(), banner.account.clone())
    };
    let auth = StaticToken::account(
        &banner.app_ref,
        &SecretString::from(banner.account_token.clone()),
    )
    .unwrap();
    // Each "process" has its own registry; only the store is shared.
    let budgets = Budgets::new(Arc::new(StoreLedger::new(store, tenant())));
    Client::new(
        &settings,
        Arc::new(auth),
        &budgets,
        TransportConfig::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn two_processes_calling_one_account_are_never_throttled_by_it() {
    let sandbox = Sandbox::start(Options {
        data: DataSet::Empty,
        requests_per_minute: LIMIT,
        ..Options::default()
    })
    .await
    .unwrap();
    let (a, b) = two_postgres_handles().await;
    let clients = [client(&sandbox, a), client(&sandbox, b)];
    let mut calls = Vec::new();
    for i in 0..LIMIT as usize {
        let client = clients[i % 2].clone();
        calls.push(tokio::spawn(async move {
            client
                .get::<serde_json::Value>("/warehouse-service/warehouse")
                .await
        }));
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // The window is spent: the next call from either process waits for the next window
    // instead of drawing the server's 503.
    let waited = tokio::time::timeout(
        Duration::from_millis(800),
        clients[1].get::<serde_json::Value>("/warehouse-service/warehouse"),
    )
    .await;
    assert!(
        waited.is_err(),
        "the 13th call must wait for the shared window"
    );
    let sent: u64 = clients.iter().map(|c| c.transport().stats().requests).sum();
    let throttled: u64 = clients
        .iter()
        .map(|c| c.transport().stats().throttled)
        .sum();
    assert_eq!((sent, throttled), (u64::from(LIMIT), 0));
    sandbox.stop().await.ok();
}
