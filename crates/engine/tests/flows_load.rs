//! The initial load and reconciliation over real sockets: the Brightpearl sandbox with the
//! demo retailer (548 products), an empty Salesforce sandbox org, a fresh SQLite store, and a
//! small hand-written flow (Brightpearl product → Product2 keyed by ExternalID__c).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_core::{FlowName, System, TenantId};
use ferry_engine::flows::load::{LoadError, LoadOptions, LoadProgress, initial_load};
use ferry_engine::flows::reconcile::reconcile;
use ferry_engine::flows::runtime::{Adapters, Flow};
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_http::{Method, TransportConfig};
use ferry_mapping::FlowSpec;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::query::Query;
use ferry_salesforce::write::WriteOptions;
use ferry_sandbox::brightpearl::api::{
    DataSet as BpData, Options as BpOptions, Sandbox as BpSandbox,
};
use ferry_sandbox::salesforce::Sandbox as SfSandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{Journal, Queue, SqliteStore, Store};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The demo retailer's product count.
const PRODUCTS: usize = 548;

const FLOW: &str = r#"
name = "products_load_test"
entity = "product"

[source]
system = "brightpearl"
object = "product"

[[targets]]
name = "product"
object = "Product2"
key = ["ExternalID__c"]
[targets.fields]
ExternalID__c = "source.id | string"
ProductCode = "trim(source.sku)"
Name = "trim(source.name)"
IsActive = "source.active"
"#;

struct Pair {
    _bp: BpSandbox,
    _sf: SfSandbox,
    sf_client: ferry_salesforce::Client,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    flow: Flow,
    tenant: TenantId,
}

fn transport() -> TransportConfig {
    TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(150),
        },
        patience: Duration::from_secs(60),
        breaker: BreakerConfig {
            threshold: 5,
            open_for: Duration::from_millis(200),
            max_open_for: Duration::from_millis(400),
        },
    }
}

async fn pair() -> Pair {
    pair_with(FLOW).await
}

async fn pair_with(flow_text: &str) -> Pair {
    let bp = BpSandbox::start(BpOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: BpData::Demo,
        requests_per_minute: 0,
        ..BpOptions::default()
    })
    .await
    .expect("Brightpearl sandbox starts");
    let sf = SfSandbox::start(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await
    .expect("Salesforce sandbox starts");
    let auth = StaticToken::account(
        &bp.banner.app_ref,
        &SecretString::from(bp.banner.account_token.clone()),
    )
    .unwrap();
    let bp_client = ferry_brightpearl::Client::new(
        &ferry_brightpearl::Settings {
            requests_per_minute: 10_000,
            ..ferry_brightpearl::Settings::new(&bp.banner.base_url, &bp.banner.account)
        },
        Arc::new(auth),
        &Budgets::default(),
        transport(),
    )
    .unwrap();
    let session = Arc::new(FixedSession::new(
        sf.banner.instance_url.clone(),
        SecretString::from(sf.banner.access_token.clone()),
    ));
    let sf_client = ferry_salesforce::Client::new(
        ferry_salesforce::Settings::default(),
        session,
        &Budgets::default(),
        transport(),
    )
    .unwrap();
    let (store, dir) = fresh_sqlite_store().await;
    let adapters = Adapters::new(
        Some(bp_client),
        Some((sf_client.clone(), WriteOptions::default())),
    );
    let tenant = TenantId::default_tenant();
    let spec = FlowSpec::parse(flow_text, "test flow").expect("the test flow parses");
    let flow = Flow::compile(
        spec,
        &adapters,
        store.clone() as Arc<dyn Store>,
        tenant.clone(),
    )
    .unwrap_or_else(|e| panic!("the test flow compiles: {e:?}"));
    Pair {
        _bp: bp,
        _sf: sf,
        sf_client,
        store,
        _dir: dir,
        flow,
        tenant,
    }
}

impl Pair {
    async fn load(&self, options: LoadOptions) -> Result<LoadProgress, LoadError> {
        initial_load(
            &self.flow,
            self.store.as_ref(),
            &self.tenant,
            options,
            |_| {},
        )
        .await
    }

    /// Every Product2 in the org: ExternalID__c → how many records carry it.
    async fn products(&self) -> BTreeMap<String, usize> {
        let mut query = Query::<Value>::typed(
            &self.sf_client,
            "SELECT Id, ExternalID__c, Name FROM Product2",
        );
        let mut seen = BTreeMap::new();
        while let Some(page) = query.next_page().await.expect("query") {
            for record in page {
                let key = record["ExternalID__c"].as_str().unwrap_or("").to_string();
                *seen.entry(key).or_insert(0) += 1;
            }
        }
        seen
    }

    async fn product_id(&self, external_id: &str) -> String {
        let mut query = Query::<Value>::typed(
            &self.sf_client,
            format!("SELECT Id FROM Product2 WHERE ExternalID__c = '{external_id}'"),
        );
        let page = query.next_page().await.expect("query").unwrap_or_default();
        page[0]["Id"].as_str().expect("an Id").to_string()
    }

    async fn checkpoint(&self) -> Option<String> {
        self.store
            .checkpoint(
                &self.tenant,
                System::Brightpearl,
                "initial:products_load_test",
            )
            .await
            .expect("checkpoint")
    }

    async fn queued(&self) -> i64 {
        let name = FlowName::new("products_load_test").unwrap();
        self.store
            .stats(Some(&self.tenant))
            .await
            .expect("queue stats")
            .into_iter()
            .filter(|s| s.flow == name)
            .map(|s| s.pending + s.in_flight + s.dead)
            .sum()
    }
}

fn every_product_once(products: &BTreeMap<String, usize>) {
    assert_eq!(
        products.len(),
        PRODUCTS,
        "one Product2 per Brightpearl product"
    );
    let twice: Vec<_> = products.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "duplicates: {twice:?}");
    assert!(!products.contains_key(""), "a Product2 without its key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_load_writes_every_product_once_in_large_calls() {
    let p = pair().await;
    let before = p.sf_client.transport().stats();
    let mut pages = Vec::new();
    let progress = initial_load(
        &p.flow,
        p.store.as_ref(),
        &p.tenant,
        LoadOptions::default(),
        |progress| pages.push(progress.clone()),
    )
    .await
    .expect("the load finishes");
    let after = p.sf_client.transport().stats();
    let calls = after.requests - before.requests;
    println!(
        "{PRODUCTS} products in {calls} Salesforce calls: {:?}",
        after.by_family
    );
    assert!(progress.done);
    assert_eq!(progress.read, PRODUCTS as u64);
    assert_eq!(progress.created, PRODUCTS as u64, "{progress:?}");
    assert_eq!(progress.failed, 0, "{progress:?}");
    assert_eq!(progress.queued_for_retry, 0);
    assert_eq!(pages.last(), Some(&progress));
    // Writes go 200 to a Collections call (≥150 records per write call), and everything else
    // (the key lookup of the whole page, reference data) costs a fixed few calls per page, not
    // calls per record: 548 records fit in 5 calls, about 110 each; the ≥150 per call of the
    // whole load is reached from about 1,000 records on (docs/benchmarks.md, 10,000).
    let writes = after
        .by_family
        .get("composite/sobjects")
        .copied()
        .unwrap_or(0)
        - before
            .by_family
            .get("composite/sobjects")
            .copied()
            .unwrap_or(0);
    assert!(writes > 0, "{:?}", after.by_family);
    let per_write = PRODUCTS as f64 / writes as f64;
    assert!(
        per_write >= 150.0,
        "{per_write:.0} records per write call ({writes} calls)"
    );
    assert!(
        calls <= writes + 3,
        "{calls} Salesforce calls for {writes} write calls: reads should be per page, not per record"
    );
    every_product_once(&p.products().await);
    assert!(
        p.checkpoint().await.is_some_and(|c| c.starts_with("done:")),
        "{:?}",
        p.checkpoint().await
    );

    // A finished load is not redone unless asked; asked, it writes nothing new.
    match p.load(LoadOptions::default()).await {
        Err(LoadError::AlreadyLoaded { last, .. }) => assert!(!last.is_empty()),
        other => panic!("expected AlreadyLoaded, got {other:?}"),
    }
    let again = p
        .load(LoadOptions {
            restart: true,
            ..LoadOptions::default()
        })
        .await
        .expect("the restarted load finishes");
    assert_eq!(again.unchanged, PRODUCTS as u64, "{again:?}");
    every_product_once(&p.products().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_load_resumes_after_its_last_page_without_duplicates() {
    let p = pair().await;
    let page = 200;
    let first_page = Arc::new(tokio::sync::Notify::new());
    let signal = first_page.clone();
    let load = initial_load(
        &p.flow,
        p.store.as_ref(),
        &p.tenant,
        LoadOptions {
            page,
            ..LoadOptions::default()
        },
        move |progress| {
            if progress.pages == 1 {
                signal.notify_one();
            }
        },
    );
    // The load is dropped mid-flight after its first page, as a killed process would stop.
    tokio::select! {
        result = load => panic!("the load should have been interrupted: {result:?}"),
        () = first_page.notified() => {}
    }
    let checkpoint = p.checkpoint().await.expect("a checkpoint after page 1");
    assert!(!checkpoint.starts_with("done:"), "{checkpoint}");
    let loaded = p.products().await;
    assert!(
        loaded.len() >= page && loaded.len() < PRODUCTS,
        "{} products after the interruption",
        loaded.len()
    );

    let resumed = p
        .load(LoadOptions {
            page,
            ..LoadOptions::default()
        })
        .await
        .expect("the resumed load finishes");
    assert!(resumed.done);
    assert_eq!(
        resumed.read,
        (PRODUCTS - page) as u64,
        "the resumed load starts after page 1: {resumed:?}"
    );
    assert_eq!(resumed.failed, 0, "{resumed:?}");
    every_product_once(&p.products().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_finds_a_hand_edit_and_repair_enqueues_one_notice() {
    let p = pair().await;
    p.load(LoadOptions::default()).await.expect("load");
    let clean = reconcile(&p.flow, p.store.as_ref(), &p.tenant, false, 2000)
        .await
        .expect("reconcile");
    assert_eq!(clean.source_records, PRODUCTS as u64);
    assert_eq!(clean.compared, PRODUCTS as u64);
    assert_eq!(clean.in_step, PRODUCTS as u64);
    assert!(clean.drift.is_empty(), "{:?}", clean.drift);
    assert!(clean.unmappable.is_empty(), "{:?}", clean.unmappable);

    // Someone renames one product in Salesforce.
    let (external, _) = p.products().await.into_iter().nth(7).unwrap();
    let id = p.product_id(&external).await;
    p.sf_client
        .send(
            &p.sf_client
                .call(Method::PATCH, &format!("sobjects/Product2/{id}"))
                .json(&json!({"Name": "Renamed by hand"}))
                .unwrap(),
        )
        .await
        .expect("the hand edit");

    let dry = reconcile(&p.flow, p.store.as_ref(), &p.tenant, false, 2000)
        .await
        .expect("reconcile");
    assert_eq!(dry.drifted_records, 1, "{:?}", dry.drift);
    assert_eq!(dry.drift.len(), 1);
    let drift = &dry.drift[0];
    assert_eq!(drift.record, external);
    assert_eq!(drift.target_id.as_deref(), Some(id.as_str()));
    assert!(!drift.missing);
    assert_eq!(drift.fields, vec!["Name".to_string()]);
    assert_eq!(dry.in_step, PRODUCTS as u64 - 1);
    assert_eq!(dry.repaired_enqueued, 0);
    assert_eq!(p.queued().await, 0, "a dry run enqueues nothing");

    let repair = reconcile(&p.flow, p.store.as_ref(), &p.tenant, true, 2000)
        .await
        .expect("reconcile --repair");
    assert_eq!(repair.repaired_enqueued, 1);
    assert_eq!(p.queued().await, 1, "exactly one repair notice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_that_fail_are_journaled_for_the_queue_with_the_page() {
    // Ids ending in 0-4 pass the rule; the others are refused (a permanent failure).
    let flow = format!(
        "{FLOW}\n[[targets.rules]]\nfield = \"ExternalID__c\"\nrule = {{ pattern = \"[0-9]*[0-4]\" }}\n"
    );
    let p = pair_with(&flow).await;
    let progress = p
        .load(LoadOptions::default())
        .await
        .expect("the load finishes");
    assert!(progress.done);
    assert!(progress.failed > 0 && progress.created > 0, "{progress:?}");
    assert_eq!(progress.created + progress.failed, PRODUCTS as u64);
    assert_eq!(progress.queued_for_retry, progress.failed);
    // Every refused record waits in the queue for this flow (the worker dead-letters it with
    // the rule's reason); none is lost, and only the others reached Salesforce.
    assert_eq!(p.queued().await, progress.failed as i64);
    let written = p.products().await;
    assert_eq!(written.len() as u64, progress.created);
    assert!(
        written
            .keys()
            .all(|id| id.ends_with(['0', '1', '2', '3', '4'])),
        "{written:?}"
    );
}
