//! The Salesforce polling fallback against the Salesforce sandbox over real sockets, journaling
//! into a fresh SQLite store: every create, update and delete journaled exactly once, across
//! the overlap window, a crash between pages, and many pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_core::{System, TenantId};
use ferry_engine::sources::salesforce_poll::{
    PollCheckpoint, PollConfig, PollReport, SalesforcePoller,
};
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_http::{Method, TransportConfig};
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::query::Query;
use ferry_salesforce::{Client, Settings};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, CheckpointUpdate, Journal, SqliteStore};
use secrecy::SecretString;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// An empty sandbox org and a client with a short-backoff transport.
async fn empty_org() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let session = Arc::new(FixedSession::new(
        sandbox.banner.instance_url.clone(),
        SecretString::from(sandbox.banner.access_token.clone()),
    ));
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
    let client = Client::new(Settings::default(), session, &Budgets::default(), transport)
        .expect("client builds");
    (sandbox, client)
}

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

fn poller(client: &Client, store: &Arc<SqliteStore>, config: PollConfig) -> SalesforcePoller {
    SalesforcePoller::new(client.clone(), store.clone(), config).expect("poller")
}

fn accounts(batch_size: Option<u16>) -> PollConfig {
    PollConfig {
        batch_size,
        ..PollConfig::new(tenant(), "Account")
    }
}

/// Creates Accounts through sObject Collections, 200 per call (one transaction, so one
/// SystemModstamp per call); returns the ids in order.
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
    assert_eq!(ids.len(), count);
    ids
}

async fn update_account(client: &Client, id: &str, name: &str) {
    let call = client
        .call(Method::PATCH, &format!("/sobjects/Account/{id}"))
        .json(&json!({"Name": name}))
        .unwrap();
    client.send(&call).await.unwrap();
}

async fn delete_account(client: &Client, id: &str) {
    let call = client.call(Method::DELETE, &format!("/sobjects/Account/{id}"));
    client.send(&call).await.unwrap();
}

/// Notices journaled per Account id.
async fn journaled(store: &SqliteStore) -> HashMap<String, i64> {
    store
        .journal_summary(&tenant(), System::Salesforce, "Account")
        .await
        .unwrap()
        .into_iter()
        .map(|summary| (summary.record_id, summary.notices))
        .collect()
}

/// Every Account (deleted ones too) with its SystemModstamp in ms.
async fn stamps(client: &Client) -> Vec<(String, i64)> {
    let mut query = Query::new(
        client,
        "SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp, Id",
    )
    .include_deleted();
    let mut out = Vec::new();
    while let Some(page) = query.next_page().await.unwrap() {
        for record in page {
            let at = record.datetime("SystemModstamp").unwrap();
            let ms = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap();
            out.push((record.id().unwrap().to_owned(), ms));
        }
    }
    out
}

#[tokio::test]
async fn creates_updates_and_deletes_are_journaled_once_each() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    let poller = poller(&client, &store, accounts(None));

    let ids = create_accounts(&client, 5, "Once").await;
    let first = poller.poll_once().await.unwrap();
    assert_eq!(
        (first.created, first.updated, first.deleted, first.repeats),
        (5, 0, 0, 0)
    );

    // Nothing changed: the overlap re-reads all five, and none is journaled again.
    let again = poller.poll_once().await.unwrap();
    assert_eq!((again.rows, again.journaled(), again.repeats), (5, 0, 5));

    tokio::time::sleep(Duration::from_millis(5)).await;
    update_account(&client, &ids[0], "Once updated").await;
    update_account(&client, &ids[1], "Once updated").await;
    delete_account(&client, &ids[2]).await;
    let changes = poller.poll_once().await.unwrap();
    assert_eq!(
        (changes.created, changes.updated, changes.deleted),
        (0, 2, 1),
        "{changes:?}"
    );
    assert_eq!(
        changes.repeats, 2,
        "the two untouched records are re-read and skipped"
    );

    let counts = journaled(&store).await;
    let expected: HashMap<String, i64> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), if i < 3 { 2 } else { 1 }))
        .collect();
    assert_eq!(counts, expected);

    // The checkpoint is the compact JSON with the watermark and only the pairs in the window.
    let saved = store
        .checkpoint(&tenant(), System::Salesforce, "poll:Account")
        .await
        .unwrap()
        .expect("a checkpoint");
    let checkpoint = PollCheckpoint::parse("poll:Account", &saved).unwrap();
    let newest = stamps(&client).await.into_iter().map(|(_, ms)| ms).max();
    assert_eq!(
        checkpoint
            .watermark()
            .map(|w| i64::try_from(w.unix_timestamp_nanos() / 1_000_000).unwrap()),
        newest
    );
    assert_eq!(
        checkpoint.seen_len(),
        8,
        "5 creates + 2 updates + 1 delete, all in the window"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn changes_at_the_watermark_and_inside_the_overlap_are_neither_missed_nor_repeated() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    // Pages of 200 over transactions of 200 rows sharing one SystemModstamp: every page ends
    // exactly on a stamp the next poll re-reads.
    let poller = poller(&client, &store, accounts(Some(200)));

    let first = create_accounts(&client, 200, "Edge A").await;
    assert_eq!(poller.poll_once().await.unwrap().created, 200);
    // More writes right away: the next query starts a whole second and the overlap before the
    // watermark, so every row at the watermark's stamp (the first 200) is read again.
    let second = create_accounts(&client, 200, "Edge B").await;
    update_account(&client, &first[0], "Edge A changed").await;
    let report = poller.poll_once().await.unwrap();
    assert_eq!(
        (report.created, report.updated, report.repeats),
        (200, 1, 199),
        "{report:?}"
    );
    let counts = journaled(&store).await;
    assert_eq!(counts.len(), 400);
    assert_eq!(counts[&first[0]], 2);
    assert!(first[1..].iter().chain(&second).all(|id| counts[id] == 1));

    // A change that became visible late: stamped before the watermark but not seen when the
    // watermark moved past it. Simulated with a second store whose checkpoint says the
    // poller saw everything except one record, with a watermark after it.
    let late = create_accounts(&client, 1, "Late").await.remove(0);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let after = create_accounts(&client, 1, "After").await.remove(0);
    let all = stamps(&client).await;
    let mut seen = PollCheckpoint::default();
    for (id, ms) in &all {
        if *id != late {
            seen.record(id, *ms);
        }
    }
    assert!(seen.watermark().is_some());
    let (other, _other_dir) = fresh_sqlite_store().await;
    other
        .append(AppendBatch {
            notices: Vec::new(),
            checkpoints: vec![CheckpointUpdate {
                tenant: tenant(),
                source: System::Salesforce,
                name: "poll:Account".into(),
                value: seen.to_json(),
            }],
        })
        .await
        .unwrap();
    let resumed = SalesforcePoller::new(client.clone(), other.clone(), accounts(Some(200)))
        .unwrap()
        .poll_once()
        .await
        .unwrap();
    assert_eq!(
        (resumed.journaled(), resumed.created),
        (1, 1),
        "{resumed:?}"
    );
    let other_counts = journaled(&other).await;
    assert_eq!(other_counts, HashMap::from([(late.clone(), 1)]));
    assert!(!other_counts.contains_key(&after));
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn rows_older_than_the_window_are_not_read_again() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    let poller = poller(
        &client,
        &store,
        PollConfig {
            overlap: Duration::from_secs(1),
            ..accounts(None)
        },
    );
    create_accounts(&client, 3, "Old").await;
    // Two seconds and more later, the old rows are behind the next query's start (the
    // watermark less one second, floored to the second).
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    create_accounts(&client, 2, "New").await;
    assert_eq!(poller.poll_once().await.unwrap().created, 5);
    let again = poller.poll_once().await.unwrap();
    assert_eq!((again.rows, again.repeats, again.journaled()), (2, 2, 0));
    let saved = store
        .checkpoint(&tenant(), System::Salesforce, "poll:Account")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        PollCheckpoint::parse("poll:Account", &saved)
            .unwrap()
            .seen_len(),
        2,
        "the checkpoint keeps only the pairs inside the window"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_poller_dropped_between_pages_is_resumed_without_loss_or_repeats() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    let created = create_accounts(&client, 1_000, "Crash").await;

    let crashed = poller(&client, &store, accounts(Some(200)));
    {
        let mut pass = crashed.begin().await.unwrap();
        assert!(pass.next_page().await.unwrap());
        assert_eq!(pass.report().created, 200);
        // Dropped here: pages 2..5 were never journaled.
    }
    drop(crashed);
    let before = journaled(&store).await;
    assert_eq!(before.len(), 200);

    // Changes while the poller is down: new records, and updates to records on both sides of
    // the crash (one in twenty).
    tokio::time::sleep(Duration::from_millis(5)).await;
    let more = create_accounts(&client, 100, "Crash more").await;
    let updated: Vec<&String> = created.iter().step_by(20).collect();
    for id in &updated {
        update_account(&client, id, "Crash changed").await;
    }

    let resumed = poller(&client, &store, accounts(Some(200)));
    let report = resumed.poll_once().await.unwrap();
    // Polling sees current state only: a record created and then updated while the poller
    // was down is one notice (an update); one journaled before the crash and updated since is
    // a second notice; the rest of page 1 is re-read and skipped.
    let updated_before = updated
        .iter()
        .filter(|id| before.contains_key(**id))
        .count();
    assert_eq!(report.repeats as usize, 200 - updated_before, "{report:?}");
    assert_eq!(
        report.journaled() as usize,
        900 + updated_before,
        "{report:?}"
    );
    let counts = journaled(&store).await;
    assert_eq!(counts.len(), 1_100);
    for (i, id) in created.iter().enumerate() {
        let expected = if i % 20 == 0 && before.contains_key(id) {
            2
        } else {
            1
        };
        assert_eq!(counts[id], expected, "{id} (record {i})");
    }
    assert!(more.iter().all(|id| counts[id] == 1));
    let total: i64 = counts.values().sum();
    assert_eq!(total as usize, 1_100 + updated_before);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn many_pages_stream_through_once_each() {
    let (sandbox, client) = empty_org().await;
    let created = create_accounts(&client, 2_500, "Many").await;
    for (batch_size, pages) in [(200u16, 13u64), (2000, 2)] {
        let (store, _dir) = fresh_sqlite_store().await;
        let poller = poller(&client, &store, accounts(Some(batch_size)));
        let report: PollReport = poller.poll_once().await.unwrap();
        assert_eq!(
            (report.pages, report.rows, report.created, report.repeats),
            (pages, 2_500, 2_500, 0),
            "batch size {batch_size}"
        );
        let counts = journaled(&store).await;
        assert_eq!(counts.len(), 2_500);
        assert!(created.iter().all(|id| counts[id] == 1));
    }
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn rows_last_modified_by_the_integration_user_can_be_skipped_and_are_counted() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    let ids = create_accounts(&client, 3, "Mine").await;
    let mut query = Query::new(&client, "SELECT LastModifiedById FROM Account LIMIT 1");
    let page = query.next_page().await.unwrap().unwrap();
    let me = page[0].text("LastModifiedById").unwrap().to_owned();

    let skipping = poller(
        &client,
        &store,
        PollConfig {
            skip_modified_by: Some(me[..15].to_owned()),
            ..accounts(None)
        },
    );
    let report = skipping.poll_once().await.unwrap();
    assert_eq!((report.echoes, report.journaled()), (3, 0), "{report:?}");
    // Skipped rows still move the watermark and are not counted twice.
    let again = skipping.poll_once().await.unwrap();
    assert_eq!((again.echoes, again.repeats), (0, 3), "{again:?}");
    let counts = journaled(&store).await;
    assert!(ids.iter().all(|id| !counts.contains_key(id)), "{counts:?}");
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_run_loop_polls_until_shutdown() {
    let (sandbox, client) = empty_org().await;
    let (store, _dir) = fresh_sqlite_store().await;
    let looping = Arc::new(poller(&client, &store, accounts(None)));
    let (stop, shutdown) = ferry_engine::Shutdown::new();
    let task = {
        let looping = looping.clone();
        tokio::spawn(async move { looping.run(shutdown, Duration::from_millis(50)).await })
    };
    let ids = create_accounts(&client, 7, "Loop").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while journaled(&store).await.len() < ids.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "the loop never journaled the writes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let a few more intervals pass: later polls re-read the rows and journal nothing new.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    let totals = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops on shutdown")
        .unwrap();
    assert_eq!(totals.created, 7);
    assert!(
        totals.repeats >= 7,
        "it polled again after journaling: {totals:?}"
    );
    assert_eq!(journaled(&store).await.values().sum::<i64>(), 7);
    sandbox.stop().await.unwrap();
}
