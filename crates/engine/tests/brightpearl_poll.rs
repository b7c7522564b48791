//! The Brightpearl polling safety net against the Brightpearl sandbox over real sockets,
//! journaling into SQLite: changes journaled once, the overlap re-read de-duplicated, the
//! checkpoint resumed by a new poller, and the first start kept across a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::{Client, Settings};
use ferry_core::{FlowName, System, TenantId};
use ferry_engine::flows::adapters::{Source, Target, Write};
use ferry_engine::flows::brightpearl::{BrightpearlSource, BrightpearlTarget};
use ferry_engine::sources::brightpearl_poll::{BrightpearlPollConfig, BrightpearlPoller};
use ferry_http::budget::Budgets;
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{Journal, Store};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

const FLOW: &str = "customers_to_salesforce";

async fn sandbox() -> Sandbox {
    Sandbox::start(Options {
        data: DataSet::Demo,
        requests_per_minute: 0,
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox) -> Client {
    let banner = &sandbox.banner;
    let auth = StaticToken::account(
        &banner.app_ref,
        &SecretString::from(banner.account_token.clone()),
    )
    .unwrap();
    let settings = Settings {
        requests_per_minute: 10_000,
        timeout: Duration::from_secs(30),
        ..Settings::new(&banner.base_url, &banner.account)
    };
    Client::new(
        &settings,
        Arc::new(auth),
        &Budgets::default(),
        ferry_http::TransportConfig::default(),
    )
    .unwrap()
}

fn poller(
    source: &Arc<dyn Source>,
    store: &Arc<dyn Store>,
    start: OffsetDateTime,
) -> BrightpearlPoller {
    let config = BrightpearlPollConfig {
        start: Some(start),
        ..BrightpearlPollConfig::new(
            TenantId::default_tenant(),
            vec![FlowName::new(FLOW).unwrap()],
            Duration::from_millis(100),
        )
    };
    BrightpearlPoller::new(source.clone(), store.clone() as Arc<dyn Journal>, config)
}

/// Changes contact `id`'s phone to `phone` through the flow adapter (a real PATCH).
async fn touch(target: &BrightpearlTarget, id: &str, phone: &str) {
    let write = Write {
        id: Some(id.to_owned()),
        upsert_key: None,
        fields: serde_json::from_value(json!({"phone": phone})).unwrap(),
        marker: None,
    };
    let written = target.write("contact", &[write]).await;
    assert_eq!(written[0].clone().unwrap(), id);
}

async fn notices_per_contact(store: &Arc<dyn Store>) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = store
        .journal_summary(&TenantId::default_tenant(), System::Brightpearl, "contact")
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.record_id, r.notices))
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_journaled_once_and_a_new_poller_resumes_from_the_checkpoint() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let source: Arc<dyn Source> =
        Arc::new(BrightpearlSource::new(client.clone(), "contact").unwrap());
    let target = BrightpearlTarget::new(client.clone());
    let (sqlite, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = sqlite;
    let ids: Vec<String> = source
        .scan(None, 3, &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 3);

    let first = poller(&source, &store, OffsetDateTime::now_utc());
    assert_eq!(first.checkpoint_name(), "poll:brightpearl:contact");
    let report = first.poll_once().await.unwrap();
    assert_eq!(
        report.journaled, 0,
        "history is the initial load's: {report:?}"
    );
    let saved = store
        .checkpoint(
            &TenantId::default_tenant(),
            System::Brightpearl,
            first.checkpoint_name(),
        )
        .await
        .unwrap()
        .expect("the first poll saves where it started");
    assert!(saved.contains("watermark_ms"), "{saved}");

    touch(&target, &ids[0], "+44 20 7946 0101").await;
    touch(&target, &ids[1], "+44 20 7946 0102").await;
    let report = first.poll_once().await.unwrap();
    assert_eq!(
        (report.rows, report.journaled, report.repeats),
        (2, 2, 0),
        "{report:?}"
    );
    // The overlap is read again; nothing is journaled twice.
    let report = first.poll_once().await.unwrap();
    assert_eq!(
        (report.rows, report.journaled, report.repeats),
        (2, 0, 2),
        "{report:?}"
    );
    let mut expected = vec![(ids[0].clone(), 1), (ids[1].clone(), 1)];
    expected.sort();
    assert_eq!(notices_per_contact(&store).await, expected);
    let stats = store.stats(None).await.unwrap();
    let pending: i64 = stats
        .iter()
        .filter(|s| s.flow.as_str() == FLOW)
        .map(|s| s.pending)
        .sum();
    assert_eq!(pending, 2);

    // A new poller (a restart) resumes from the checkpoint, whatever its own start says.
    let later = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let second = poller(&source, &store, later);
    let report = second.poll_once().await.unwrap();
    assert_eq!((report.journaled, report.repeats), (0, 2), "{report:?}");
    // A further change to a record already journaled is a new pair: journaled again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    touch(&target, &ids[0], "+44 20 7946 0201").await;
    touch(&target, &ids[2], "+44 20 7946 0203").await;
    let report = second.poll_once().await.unwrap();
    assert_eq!(report.journaled, 2, "{report:?}");
    let mut expected = vec![
        (ids[0].clone(), 2),
        (ids[1].clone(), 1),
        (ids[2].clone(), 1),
    ];
    expected.sort();
    assert_eq!(notices_per_contact(&store).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_before_the_first_change_keeps_the_first_start_and_run_stops_on_shutdown() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let source: Arc<dyn Source> =
        Arc::new(BrightpearlSource::new(client.clone(), "contact").unwrap());
    let target = BrightpearlTarget::new(client.clone());
    let (sqlite, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = sqlite;
    let id = source.scan(None, 1, &[]).await.unwrap()[0].id.clone();

    let first = poller(&source, &store, OffsetDateTime::now_utc());
    assert_eq!(first.poll_once().await.unwrap().journaled, 0);
    drop(first);
    touch(&target, &id, "+44 20 7946 0301").await;
    // Restarted an hour "later": without the saved start it would look from then, and miss
    // the change made while it was down.
    let restarted = poller(
        &source,
        &store,
        OffsetDateTime::now_utc() + time::Duration::hours(1),
    );
    let (stop, shutdown) = ferry_engine::Shutdown::new();
    let task = tokio::spawn(async move { restarted.run(shutdown).await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while notices_per_contact(&store).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the change was never journaled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(true).unwrap();
    let totals = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the poller stops promptly")
        .unwrap();
    assert_eq!(totals.journaled, 1, "{totals:?}");
    assert!(totals.polls >= 2 && totals.repeats >= 1, "{totals:?}");
    assert_eq!(notices_per_contact(&store).await, vec![(id, 1)]);
}
