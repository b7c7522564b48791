//! Ferry's change data capture subscriber against the Salesforce sandbox's Pub/Sub API over
//! real sockets, journaling into SQLite: the right operations, echoes of Ferry's own writes
//! dropped and counted, a restart (graceful, and SIGKILL) that misses nothing and journals
//! nothing twice, an invalid replay id that falls back with a reconciliation signal, and
//! injected gaps and overflows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_core::{FlowName, System, TenantId};
use ferry_engine::Shutdown;
use ferry_engine::sources::salesforce_cdc::{ALL_RECORDS, CdcConfig, CdcSource, CdcStats, Start};
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_http::{Method, TransportConfig};
use ferry_salesforce::auth::{FixedSession, Session};
use ferry_salesforce::pubsub::{PubSub, PubSubSettings};
use ferry_salesforce::{Client, Settings};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_store::{AppendBatch, CheckpointUpdate, LeaseRequest, Store};
use secrecy::SecretString;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const TOPIC: &str = "/data/AccountChangeEvent";
const FLOW: &str = "sf-accounts";

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

async fn org(tls: bool) -> Sandbox {
    Sandbox::start(Options {
        data: DataSet::Empty,
        tls,
        grpc_listen: Some(([127, 0, 0, 1], 0).into()),
        pubsub_keepalive_ms: Some(200),
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn ca_pem(sandbox: &Sandbox) -> Option<String> {
    sandbox
        .banner
        .ca_cert
        .as_ref()
        .map(|path| std::fs::read_to_string(path).expect("CA readable"))
}

fn session(sandbox: &Sandbox) -> Arc<dyn Session> {
    Arc::new(FixedSession::new(
        sandbox.banner.instance_url.clone(),
        SecretString::from(sandbox.banner.access_token.clone()),
    ))
}

/// A REST client tagging its writes with `client=<client_name>`.
fn rest(sandbox: &Sandbox, client_name: &str) -> Client {
    let transport = TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        },
        patience: Duration::from_secs(30),
        breaker: BreakerConfig {
            threshold: 5,
            open_for: Duration::from_millis(200),
            max_open_for: Duration::from_millis(400),
        },
    };
    let settings = Settings {
        client_name: client_name.into(),
        ca_pem: ca_pem(sandbox),
        ..Settings::default()
    };
    Client::new(settings, session(sandbox), &Budgets::default(), transport).expect("client")
}

fn pubsub(sandbox: &Sandbox, batch_size: u16) -> PubSub {
    let url = sandbox
        .banner
        .grpc_url
        .clone()
        .expect("the sandbox serves gRPC");
    let mut settings = PubSubSettings::new(url, sandbox.banner.org_id.clone());
    settings.ca_pem = ca_pem(sandbox);
    settings.batch_size = batch_size;
    PubSub::new(settings, session(sandbox)).expect("pubsub client")
}

fn config(start: Start) -> CdcConfig {
    CdcConfig {
        start,
        ..CdcConfig::new(tenant(), TOPIC, vec![FlowName::new(FLOW).unwrap()])
    }
}

/// A running source and the switch that stops it.
struct Running {
    stats: Arc<CdcStats>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the source stops promptly")
            .unwrap();
    }
}

fn spawn(source: CdcSource) -> Running {
    let stats = source.stats().clone();
    let (stop, shutdown) = Shutdown::new();
    let task = tokio::spawn(async move {
        source
            .run(shutdown)
            .await
            .expect("the source runs until stopped");
    });
    Running { stats, stop, task }
}

async fn create_accounts(client: &Client, count: usize, prefix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for start in (0..count).step_by(200) {
        let records: Vec<_> = (start..(start + 200).min(count))
            .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("{prefix} {i:05}")}))
            .collect();
        let call = client
            .call(Method::POST, "/composite/sobjects")
            .json(&json!({"allOrNone": true, "records": records}))
            .unwrap();
        let results: Vec<serde_json::Value> = client
            .send(&call)
            .await
            .unwrap()
            .json("salesforce")
            .unwrap();
        for result in results {
            assert_eq!(result["success"], true, "{result}");
            ids.push(result["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

async fn create_one(client: &Client, name: &str) -> String {
    let call = client
        .call(Method::POST, "/sobjects/Account")
        .json(&json!({"Name": name}))
        .unwrap();
    let reply: serde_json::Value = client
        .send(&call)
        .await
        .unwrap()
        .json("salesforce")
        .unwrap();
    reply["id"].as_str().unwrap().to_owned()
}

async fn update(client: &Client, id: &str, body: serde_json::Value) {
    let call = client
        .call(Method::PATCH, &format!("/sobjects/Account/{id}"))
        .json(&body)
        .unwrap();
    client.send(&call).await.unwrap();
}

async fn delete(client: &Client, id: &str) {
    let call = client.call(Method::DELETE, &format!("/sobjects/Account/{id}"));
    client.send(&call).await.unwrap();
}

/// Notices journaled per Account id.
async fn journaled(store: &dyn Store) -> HashMap<String, i64> {
    store
        .journal_summary(&tenant(), System::Salesforce, "Account")
        .await
        .unwrap()
        .into_iter()
        .map(|summary| (summary.record_id, summary.notices))
        .collect()
}

/// Waits until `done` holds for the journal, or fails naming what was seen.
async fn wait_for<F>(store: &dyn Store, what: &str, done: F) -> HashMap<String, i64>
where
    F: Fn(&HashMap<String, i64>) -> bool,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let seen = journaled(store).await;
        if done(&seen) {
            return seen;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}; journaled {} records: {seen:?}",
                seen.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every work item of the flow, by record id (coalesced: the operation is the net effect).
async fn work(store: &dyn Store) -> HashMap<String, ferry_core::LeasedItem> {
    let items = store
        .lease(&LeaseRequest {
            worker: "test".into(),
            limit: 10_000,
            lease_for: Duration::from_secs(60),
            flows: vec![FlowName::new(FLOW).unwrap()],
            tenant: Some(tenant()),
            max_attempts: 100,
        })
        .await
        .unwrap();
    items
        .into_iter()
        .map(|i| (i.record_id.clone(), i))
        .collect()
}

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let (store, dir) = ferry_store::testing::fresh_sqlite_store().await;
    (store as Arc<dyn Store>, dir)
}

#[tokio::test]
async fn changes_are_journaled_with_their_operations_and_echoes_are_dropped() {
    let sandbox = org(true).await;
    let (store, _dir) = sqlite().await;
    let outside = rest(&sandbox, "Workbench");
    let ferry = rest(&sandbox, "ferry");
    let running = spawn(CdcSource::new(
        config(Start::Earliest),
        pubsub(&sandbox, 7),
        store.clone(),
    ));

    let kept = create_one(&outside, "Kept").await;
    let updated = create_one(&outside, "Updated").await;
    update(&outside, &updated, json!({"Industry": "Retail"})).await;
    let deleted = create_one(&outside, "Deleted").await;
    delete(&outside, &deleted).await;
    let bulk = create_accounts(&outside, 12, "Collections").await;
    let echoes = create_accounts(&ferry, 5, "Ferry").await;
    update(&ferry, &kept, json!({"Phone": "555"})).await;

    let expected = 3 + bulk.len();
    let seen = wait_for(store.as_ref(), "every outside change", |seen| {
        seen.len() == expected
    })
    .await;
    // Let the echoes arrive too (they come after the outside writes, in commit order).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while CdcStats::get(&running.stats.echoes_dropped) < 6 && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        CdcStats::get(&running.stats.echoes_dropped),
        6,
        "5 creates and 1 update by Ferry"
    );
    assert_eq!(
        seen[&kept], 1,
        "Ferry's update of an outside record is an echo"
    );
    assert_eq!(seen[&updated], 2);
    assert_eq!(seen[&deleted], 2);
    for id in &bulk {
        assert_eq!(seen[id], 1, "{id}");
    }
    for id in &echoes {
        assert!(
            !seen.contains_key(id),
            "Ferry's own create {id} was journaled"
        );
    }
    let items = work(store.as_ref()).await;
    assert_eq!(items[&kept].operation, ferry_core::Operation::Create);
    assert_eq!(items[&deleted].operation, ferry_core::Operation::Delete);
    let origin = items[&bulk[0]].payload["transactionKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!origin.is_empty());
    // The update's payload names the changed field.
    let changed = items[&updated].payload["changedFields"]
        .as_array()
        .unwrap()
        .clone();
    assert!(changed.iter().any(|f| f == "Industry"), "{changed:?}");
    running.stop().await;

    let checkpoint = store
        .checkpoint(&tenant(), System::Salesforce, &format!("cdc:{TOPIC}"))
        .await
        .unwrap();
    assert!(checkpoint.is_some(), "the replay id is checkpointed");
}

#[tokio::test]
async fn a_restart_mid_stream_misses_nothing_and_journals_nothing_twice() {
    let (store, _dir) = sqlite().await;
    restart_mid_stream(store).await;
}

#[tokio::test]
async fn a_restart_mid_stream_on_postgres_misses_nothing() {
    restart_mid_stream(ferry_store::testing::fresh_postgres_store().await).await;
}

/// Stops the source after part of a 400-event backlog, writes more while it is down, starts
/// it again: every record journaled exactly once.
async fn restart_mid_stream(store: Arc<dyn Store>) {
    let sandbox = org(false).await;
    let outside = rest(&sandbox, "Workbench");
    let first_ids = create_accounts(&outside, 400, "Before").await;

    let running = spawn(CdcSource::new(
        config(Start::Earliest),
        pubsub(&sandbox, 5),
        store.clone(),
    ));
    wait_for(store.as_ref(), "part of the backlog", |seen| {
        seen.len() >= 40
    })
    .await;
    running.stop().await;
    let partial = journaled(store.as_ref()).await.len();
    assert!(
        partial < 400,
        "stopped mid-stream ({partial} of 400 journaled)"
    );

    let more = create_accounts(&outside, 50, "While down").await;
    let running = spawn(CdcSource::new(
        config(Start::Earliest),
        pubsub(&sandbox, 50),
        store.clone(),
    ));
    let seen = wait_for(store.as_ref(), "all 450 records", |seen| seen.len() == 450).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.stop().await;
    let seen_after = journaled(store.as_ref()).await;
    assert_eq!(seen, seen_after);
    for id in first_ids.iter().chain(&more) {
        assert_eq!(seen.get(id), Some(&1), "{id} journaled exactly once");
    }
}

#[tokio::test]
async fn an_invalid_replay_id_falls_back_and_asks_for_reconciliation() {
    let sandbox = org(false).await;
    let (store, _dir) = sqlite().await;
    let outside = rest(&sandbox, "Workbench");
    let ids = create_accounts(&outside, 3, "Old").await;
    // A replay id far beyond the topic's newest: the server says replayid.corrupted.
    store
        .append(AppendBatch {
            notices: vec![],
            checkpoints: vec![CheckpointUpdate {
                tenant: tenant(),
                source: System::Salesforce,
                name: format!("cdc:{TOPIC}"),
                value: "00000000ffffffff".into(),
            }],
        })
        .await
        .unwrap();
    let config = CdcConfig {
        fallback: Start::Earliest,
        ..config(Start::Latest)
    };
    let running = spawn(CdcSource::new(config, pubsub(&sandbox, 100), store.clone()));
    let seen = wait_for(
        store.as_ref(),
        "the signal and the replayed events",
        |seen| seen.contains_key(ALL_RECORDS) && ids.iter().all(|id| seen.contains_key(id)),
    )
    .await;
    assert_eq!(seen[ALL_RECORDS], 1);
    assert_eq!(CdcStats::get(&running.stats.fallbacks), 1);
    running.stop().await;
    let items = work(store.as_ref()).await;
    assert_eq!(items[ALL_RECORDS].payload["signal"], "reconcile");
    let checkpoint = store
        .checkpoint(&tenant(), System::Salesforce, &format!("cdc:{TOPIC}"))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(checkpoint, "00000000ffffffff", "the checkpoint moved on");
}

#[tokio::test]
async fn a_garbled_checkpoint_falls_back_too() {
    let sandbox = org(false).await;
    let (store, _dir) = sqlite().await;
    store
        .append(AppendBatch {
            notices: vec![],
            checkpoints: vec![CheckpointUpdate {
                tenant: tenant(),
                source: System::Salesforce,
                name: format!("cdc:{TOPIC}"),
                value: "not hex".into(),
            }],
        })
        .await
        .unwrap();
    let running = spawn(CdcSource::new(
        config(Start::Latest),
        pubsub(&sandbox, 100),
        store.clone(),
    ));
    wait_for(store.as_ref(), "the reconcile signal", |seen| {
        seen.contains_key(ALL_RECORDS)
    })
    .await;
    assert_eq!(CdcStats::get(&running.stats.fallbacks), 1);
    running.stop().await;
}

async fn inject(client: &Client, body: serde_json::Value) {
    let call = client
        .call_root(Method::POST, "/__sandbox/cdc/gaps")
        .json(&body)
        .unwrap();
    let reply = client.send(&call).await.unwrap();
    assert_eq!(reply.status, 200, "{body}");
}

#[tokio::test]
async fn gaps_ask_for_rereads_and_overflow_for_a_resync() {
    let sandbox = org(false).await;
    let (store, _dir) = sqlite().await;
    let outside = rest(&sandbox, "Workbench");
    let running = spawn(CdcSource::new(
        config(Start::Earliest),
        pubsub(&sandbox, 100),
        store.clone(),
    ));
    let ids = create_accounts(&outside, 2, "Gapped").await;
    inject(
        &outside,
        json!({"object": "Account", "record_ids": [ids[0]], "change_type": "GAP_UPDATE"}),
    )
    .await;
    inject(&outside, json!({"object": "Account", "record_ids": ["001000000000999AAA"], "change_type": "GAP_DELETE"})).await;
    inject(
        &outside,
        json!({"object": "Account", "change_type": "GAP_OVERFLOW"}),
    )
    .await;
    let seen = wait_for(store.as_ref(), "the gap and overflow notices", |seen| {
        seen.contains_key(ALL_RECORDS)
            && seen.contains_key("001000000000999AAA")
            && seen.get(&ids[0]) == Some(&2)
    })
    .await;
    assert_eq!(seen[&ids[1]], 1);
    assert_eq!(CdcStats::get(&running.stats.signals), 3);
    running.stop().await;
    let items = work(store.as_ref()).await;
    assert_eq!(items[&ids[0]].payload["signal"], "reread");
    assert_eq!(items["001000000000999AAA"].payload["signal"], "reread");
    assert_eq!(
        items["001000000000999AAA"].operation,
        ferry_core::Operation::Delete
    );
    assert_eq!(items[ALL_RECORDS].payload["signal"], "resync");
}

/// Set in the environment of the child process the SIGKILL test starts.
const CHILD: &str = "FERRY_CDC_TEST_CHILD";

/// The subscriber process of [`a_subscriber_killed_with_sigkill_misses_nothing`]: the test
/// binary runs itself with this one test selected and [`CHILD`] set. Without it (an ordinary
/// test run) there is nothing to do.
#[tokio::test]
async fn subscriber_child_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let text = |k: &str| spec[k].as_str().unwrap().to_owned();
    let store = ferry_store::SqliteStore::open(&text("db"), &ferry_store::OpenOptions::default())
        .await
        .unwrap();
    let session: Arc<dyn Session> = Arc::new(FixedSession::new(
        text("instance_url"),
        SecretString::from(text("token")),
    ));
    let mut settings = PubSubSettings::new(text("grpc_url"), text("org_id"));
    settings.batch_size = 5;
    let pubsub = PubSub::new(settings, session).unwrap();
    let source = CdcSource::new(config(Start::Earliest), pubsub, Arc::new(store));
    let (_stop, shutdown) = Shutdown::new();
    source.run(shutdown).await.unwrap();
}

fn start_child(sandbox: &Sandbox, db: &std::path::Path) -> std::process::Child {
    let spec = json!({
        "db": db.to_string_lossy(),
        "instance_url": sandbox.banner.instance_url,
        "token": sandbox.banner.access_token,
        "grpc_url": sandbox.banner.grpc_url,
        "org_id": sandbox.banner.org_id,
    });
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "subscriber_child_process", "--test-threads=1"])
        .env(CHILD, spec.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_subscriber_killed_with_sigkill_misses_nothing() {
    let sandbox = org(false).await;
    let (store, dir) = sqlite().await;
    let db = dir.path().join("ferry.db");
    let outside = rest(&sandbox, "Workbench");
    let mut ids = create_accounts(&outside, 2000, "Before").await;

    let mut child = start_child(&sandbox, &db);
    wait_for(store.as_ref(), "part of the backlog", |seen| {
        seen.len() >= 100
    })
    .await;
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let partial = journaled(store.as_ref()).await.len();
    assert!(
        partial < 2000,
        "killed mid-stream ({partial} of 2000 journaled)"
    );

    ids.extend(create_accounts(&outside, 100, "While dead").await);
    let mut child = start_child(&sandbox, &db);
    let seen = wait_for(store.as_ref(), "all 2100 records", |seen| {
        seen.len() == 2100
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(journaled(store.as_ref()).await, seen);
    for id in &ids {
        assert_eq!(seen.get(id), Some(&1), "{id} journaled exactly once");
    }
}
