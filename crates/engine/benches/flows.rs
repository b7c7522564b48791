//! The default sync flows against both sandboxes, over real sockets, in one process:
//!
//! - **load**: the initial load of N Brightpearl products with prices and stock into an empty
//!   Salesforce org through `products_to_salesforce` then `inventory_to_salesforce`
//!   (`flows::load::initial_load`, pages of 2,000), with the Brightpearl sandbox at its real
//!   throttle of 200 requests a minute and the client's budget at 200 (`load-throttled`), or
//!   with throttling off (`load`). Reports wall time, the theoretical minimum under the
//!   throttle (calls / 200 per minute, window-aligned), API calls and records per call on each
//!   side, by endpoint family (which says the Salesforce lane: Collections or Bulk).
//! - **burst**: after an unthrottled load, N on-hand changes (stock corrections in the
//!   sandbox, one per product) posted to Ferry's webhook intake (`ferry_server::serve` on a
//!   socket, `POST /hooks/brightpearl/{token}`) as Brightpearl batches them (id sets of up to
//!   200 ids), with a `Worker` running the flow set's handlers with `ferry serve`'s default
//!   worker settings. Latency per change = from the moment the webhook carrying its id is sent
//!   to the moment the inventory flow's handler call that wrote it returns (the Salesforce
//!   write has returned, so the value is visible to any query, and the link is committed);
//!   p50/p99 and records/s end to end.
//! - **steady**: the same path at a steady rate (default 100 changes/s for 30 s), one webhook
//!   every 200 ms (Brightpearl's batch window) carrying the changes of that window.
//!
//! Every run starts fresh sandboxes and a fresh SQLite store; the peak resident memory of the
//! run (VmHWM, reset through /proc/self/clear_refs before it) includes both in-process
//! sandboxes.
//!
//! `cargo bench -p ferry-engine --bench flows -- <load|load-throttled|burst|steady|all>
//!  [--products N] [--runs R] [--rate R] [--seconds S] [--inventory-only]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use async_trait::async_trait;
use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::idset::IdSet;
use ferry_core::{Failure, FlowName, LeasedItem, RetryPolicy, TenantId};
use ferry_engine::flows::defaults::DEFAULTS;
use ferry_engine::flows::load::{LoadOptions, LoadProgress, initial_load};
use ferry_engine::flows::runtime::{Adapters, FlowSet};
use ferry_engine::{Handler, Shutdown, Worker, WorkerOptions};
use ferry_http::budget::Budgets;
use ferry_http::stats::Stats;
use ferry_http::{Method, TransportConfig};
use ferry_mapping::FlowSpec;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::query::Query;
use ferry_salesforce::write::WriteOptions;
use ferry_sandbox::brightpearl::account::{catalogue, stock};
use ferry_sandbox::brightpearl::api::{
    DataSet as BpData, Options as BpOptions, Sandbox as BpSandbox,
};
use ferry_sandbox::salesforce::Sandbox as SfSandbox;
use ferry_sandbox::salesforce::api::{DataSet as SfData, Options as SfOptions};
use ferry_server::{ServerState, serve};
use ferry_store::{SqliteStore, Store};
use secrecy::SecretString;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-intake-token-0123456789";
const PRODUCTS: &str = "products_to_salesforce";
const INVENTORY: &str = "inventory_to_salesforce";

// ---------------------------------------------------------------------------------------------
// Arguments

#[derive(Debug, Clone)]
struct Args {
    scenario: String,
    products: usize,
    runs: usize,
    rate: u64,
    seconds: u64,
    inventory_only: bool,
}

fn args() -> Args {
    let mut out = Args {
        scenario: "all".into(),
        products: 10_000,
        runs: 3,
        rate: 100,
        seconds: 30,
        inventory_only: false,
    };
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--products" => out.products = value("--products") as usize,
            "--runs" => out.runs = value("--runs") as usize,
            "--rate" => out.rate = value("--rate"),
            "--seconds" => out.seconds = value("--seconds"),
            "--inventory-only" => out.inventory_only = true,
            s if !s.starts_with('-') => out.scenario = s.to_string(),
            other => panic!("unknown argument {other}"),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Memory

/// Resets the peak resident size of this process (Linux: `5` to /proc/self/clear_refs).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident size since the last reset, in MiB (VmHWM).
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// Setup

struct Pair {
    bp: BpSandbox,
    sf: SfSandbox,
    bp_client: ferry_brightpearl::Client,
    sf_client: ferry_salesforce::Client,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    flows: FlowSet,
    tenant: TenantId,
}

fn default_specs() -> Vec<FlowSpec> {
    DEFAULTS
        .iter()
        .map(|(name, text)| FlowSpec::parse(text, name).expect("default flow parses"))
        .filter(|s| s.enabled)
        .collect()
}

/// The on-hand stock product `i` (0-based) is seeded with.
fn seeded_stock(i: usize) -> i64 {
    10 + (i % 50) as i64
}

/// `n` stock-tracked products with a retail and a trade price and stock in the main
/// warehouse, made in process through the sandbox's own operations (the same validation as its
/// POST /product, PUT /product-price and stock-correction endpoints), webhook events dropped.
fn seed_products(bp: &BpSandbox, n: usize) -> Vec<u64> {
    let mut account = bp.state().account();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = catalogue::create_product(
            &mut account,
            &json!({
                "brandId": 1,
                "identity": {"sku": format!("BENCH-{i:06}")},
                "stock": {"stockTracked": true},
                "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                "salesChannels": [{"salesChannelName": "Brightpearl",
                                   "productName": format!("Bench product {i:06}")}],
            }),
        )
        .expect("product created");
        catalogue::put_prices(
            &mut account,
            id,
            &json!({"priceLists": [
                {"priceListId": catalogue::RETAIL_PRICE_LIST,
                 "quantityPrice": {"1": format!("{}.99", 10 + i % 90)}},
                {"priceListId": catalogue::TRADE_PRICE_LIST,
                 "quantityPrice": {"1": format!("{}.50", 6 + i % 60)}},
            ]}),
        )
        .expect("prices set");
        ids.push(id);
    }
    let corrections: Vec<stock::Correction> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| stock::Correction {
            product_id: id,
            quantity: seeded_stock(i),
            reason: "bench seed".into(),
            location_id: None,
            cost: None,
        })
        .collect();
    stock::correct(&mut account, stock::MAIN_WAREHOUSE, &corrections).expect("stock seeded");
    let _ = account.take_events();
    ids
}

async fn pair(products: usize, bp_throttle: u32) -> (Pair, Vec<u64>, f64) {
    let bp = BpSandbox::start(BpOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: BpData::Empty,
        requests_per_minute: bp_throttle,
        ..BpOptions::default()
    })
    .await
    .expect("Brightpearl sandbox starts");
    let seeding = Instant::now();
    let ids = seed_products(&bp, products);
    let seed_seconds = seeding.elapsed().as_secs_f64();
    let sf = SfSandbox::start(SfOptions {
        data: SfData::Empty,
        daily_api_limit: 100_000_000,
        ..SfOptions::default()
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
            // The real allowance when the sandbox throttles; unmetered when it does not.
            requests_per_minute: if bp_throttle == 0 {
                1_000_000
            } else {
                bp_throttle
            },
            ..ferry_brightpearl::Settings::new(&bp.banner.base_url, &bp.banner.account)
        },
        Arc::new(auth),
        &Budgets::default(),
        TransportConfig::default(),
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
        TransportConfig::default(),
    )
    .unwrap();
    // The default products flow maps the TRADE price list to a price book of this name.
    sf_client
        .send(
            &sf_client
                .call(Method::POST, "sobjects/Pricebook2")
                .json(&json!({"Name": "Wholesale", "IsActive": true}))
                .unwrap(),
        )
        .await
        .expect("price book created");
    let (store, dir) = ferry_store::testing::fresh_sqlite_store().await;
    let adapters = Adapters::new(
        Some(bp_client.clone()),
        Some((sf_client.clone(), WriteOptions::default())),
    );
    let tenant = TenantId::default_tenant();
    let flows = FlowSet::build(
        default_specs(),
        &adapters,
        store.clone() as Arc<dyn Store>,
        tenant.clone(),
    )
    .unwrap_or_else(|e| panic!("default flows compile: {e:?}"));
    (
        Pair {
            bp,
            sf,
            bp_client,
            sf_client,
            store,
            _dir: dir,
            flows,
            tenant,
        },
        ids,
        seed_seconds,
    )
}

// ---------------------------------------------------------------------------------------------
// Initial load

/// Calls of one step, from the transport's counters.
#[derive(Debug, Default, Clone)]
struct Calls {
    requests: u64,
    throttled: u64,
    retries: u64,
    by_family: BTreeMap<String, u64>,
}

fn delta(before: &Stats, after: &Stats) -> Calls {
    let by_family = after
        .by_family
        .iter()
        .map(|(family, n)| {
            (
                family.clone(),
                n - before.by_family.get(family).copied().unwrap_or(0),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Calls {
        requests: after.requests - before.requests,
        throttled: after.throttled - before.throttled,
        retries: after.retries - before.retries,
        by_family,
    }
}

struct FlowLoad {
    flow: String,
    progress: LoadProgress,
    seconds: f64,
    bp: Calls,
    sf: Calls,
}

struct LoadRun {
    flows: Vec<FlowLoad>,
    seconds: f64,
    peak_mib: f64,
    seed_seconds: f64,
}

impl Pair {
    /// Stops both sandboxes, so that a later run's memory is its own.
    async fn stop(self) {
        drop(self.flows);
        let _ = self.bp.stop().await;
        let _ = self.sf.stop().await;
    }
}

async fn load_flows(pair: &Pair, products: usize) -> Vec<FlowLoad> {
    let mut out = Vec::new();
    for name in [PRODUCTS, INVENTORY] {
        let flow = pair.flows.get(name).expect("flow");
        let bp_before = pair.bp_client.transport().stats();
        let sf_before = pair.sf_client.transport().stats();
        let started = Instant::now();
        let progress = initial_load(
            flow,
            pair.store.as_ref(),
            &pair.tenant,
            LoadOptions {
                page: 2000,
                restart: false,
                estimated_total: Some(products as u64),
            },
            |_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(progress.read, products as u64, "{name}: every product read");
        assert_eq!(progress.failed, 0, "{name}: nothing failed");
        out.push(FlowLoad {
            flow: name.to_string(),
            progress,
            seconds,
            bp: delta(&bp_before, &pair.bp_client.transport().stats()),
            sf: delta(&sf_before, &pair.sf_client.transport().stats()),
        });
    }
    out
}

async fn load_run(products: usize, throttle: u32) -> LoadRun {
    reset_peak_memory();
    let (pair, _ids, seed_seconds) = pair(products, throttle).await;
    let started = Instant::now();
    let flows = load_flows(&pair, products).await;
    let seconds = started.elapsed().as_secs_f64();
    verify_stock(&pair, products, 0).await;
    let peak_mib = peak_memory_mib();
    pair.stop().await;
    LoadRun {
        flows,
        seconds,
        peak_mib,
        seed_seconds,
    }
}

/// Every Product2 holds the stock the sandbox holds (seeded + `added` each).
async fn verify_stock(pair: &Pair, products: usize, added: i64) {
    let mut query = Query::new(
        &pair.sf_client,
        "SELECT ProductCode, AvailableStock__c FROM Product2",
    );
    let mut seen = 0usize;
    while let Some(page) = query.next_page().await.expect("query") {
        for record in page {
            let value = serde_json::to_value(&record).unwrap();
            let code = value["ProductCode"].as_str().unwrap_or_default();
            let i: usize = code.trim_start_matches("BENCH-").parse().unwrap();
            let stock = value["AvailableStock__c"].as_f64().unwrap_or(-1.0);
            assert_eq!(
                stock as i64,
                seeded_stock(i) + added,
                "{code}: AvailableStock__c"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, products, "every product is in Salesforce once");
}

/// The least time `calls` calls take at 200 a minute, windows aligned to the first call:
/// 200 at once, the next 200 a minute later, and so on.
fn throttle_minimum(calls: u64, per_minute: u64) -> f64 {
    (calls.div_ceil(per_minute).saturating_sub(1) * 60) as f64
}

fn families(calls: &Calls) -> String {
    calls
        .by_family
        .iter()
        .map(|(f, n)| format!("{f}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_load(run: &LoadRun, throttle: u32, products: usize) {
    println!(
        "  seed {:.1} s; load {:.1} s = {:.0} records/s (products then availability, {products} each); peak RSS {:.0} MiB",
        run.seed_seconds,
        run.seconds,
        (2 * products) as f64 / run.seconds,
        run.peak_mib
    );
    let mut bp_total = 0;
    for f in &run.flows {
        bp_total += f.bp.requests;
        let p = &f.progress;
        println!(
            "  {:<24} {:>7.1} s  read {} created {} updated {} unchanged {} failed {}",
            f.flow, f.seconds, p.read, p.created, p.updated, p.unchanged, p.failed
        );
        println!(
            "    Brightpearl: {} calls ({:.1} records/call; throttled {}, retries {}) {}",
            f.bp.requests,
            p.read as f64 / f.bp.requests.max(1) as f64,
            f.bp.throttled,
            f.bp.retries,
            families(&f.bp)
        );
        println!(
            "    Salesforce:  {} calls ({:.1} source records/call; retries {}) {}",
            f.sf.requests,
            p.read as f64 / f.sf.requests.max(1) as f64,
            f.sf.retries,
            families(&f.sf)
        );
    }
    if throttle > 0 {
        let minimum = throttle_minimum(bp_total, u64::from(throttle));
        println!(
            "  Brightpearl calls in all: {bp_total}; minimum at {throttle}/min (window-aligned): {minimum:.0} s; measured {:.1} s",
            run.seconds
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Live sync: webhooks → intake → queue → worker → flows

/// Wraps a flow's handler and notes when each record's handler call returned successfully.
struct Timed {
    inner: Arc<dyn Handler>,
    done: Arc<Mutex<HashMap<String, Instant>>>,
    track: bool,
}

#[async_trait]
impl Handler for Timed {
    fn flow(&self) -> &FlowName {
        self.inner.flow()
    }

    fn max_batch(&self) -> usize {
        self.inner.max_batch()
    }

    async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
        let outcomes = self.inner.handle(items).await;
        if self.track {
            let now = Instant::now();
            let mut done = self.done.lock().unwrap();
            for (item, outcome) in items.iter().zip(&outcomes) {
                if outcome.is_ok() {
                    done.entry(item.record_id.clone()).or_insert(now);
                }
            }
        }
        outcomes
    }
}

struct Live {
    pair: Pair,
    ids: Vec<u64>,
    hook: String,
    http: ferry_http::reqwest::Client,
    done: Arc<Mutex<HashMap<String, Instant>>>,
    stop_worker: tokio::sync::watch::Sender<bool>,
    worker: tokio::task::JoinHandle<()>,
    stop_server: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

async fn live(products: usize, inventory_only: bool) -> Live {
    let (pair, ids, _) = pair(products, 0).await;
    load_flows(&pair, products).await;
    let routes: Vec<_> = pair
        .flows
        .routes()
        .into_iter()
        .filter(|r| !inventory_only || r.flow.as_str() == INVENTORY)
        .collect();
    let mut state = ServerState::new(
        pair.store.clone() as Arc<dyn Store>,
        pair.tenant.clone(),
        routes,
        SecretString::from(TOKEN.to_owned()),
    );
    state.account = Some(pair.bp.banner.account.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!(
        "http://{}/hooks/brightpearl/{TOKEN}",
        listener.local_addr().unwrap()
    );
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .expect("the intake serves");
    });
    let done = Arc::new(Mutex::new(HashMap::new()));
    let handlers: Vec<Arc<dyn Handler>> = pair
        .flows
        .handlers()
        .into_iter()
        .filter(|h| !inventory_only || h.flow().as_str() == INVENTORY)
        .map(|inner| {
            let track = inner.flow().as_str() == INVENTORY;
            Arc::new(Timed {
                inner,
                done: done.clone(),
                track,
            }) as Arc<dyn Handler>
        })
        .collect();
    // `ferry serve`'s defaults ([worker] in ferry.toml).
    let mut options = WorkerOptions::new(RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(300),
    });
    let defaults = ferry_config::WorkerConfig::default();
    options.batch_size = defaults.batch_size;
    options.concurrency = defaults.concurrency;
    options.idle_poll = Duration::from_millis(defaults.idle_poll_ms);
    options.batch_window = Duration::from_millis(defaults.batch_window_ms);
    options.tenant = Some(pair.tenant.clone());
    let worker = Worker::new(pair.store.clone() as Arc<dyn Store>, handlers, options);
    let (stop_worker, shutdown) = Shutdown::new();
    let worker = tokio::spawn(async move { worker.run(shutdown).await });
    let http = ferry_http::client_builder(None).unwrap().build().unwrap();
    Live {
        pair,
        ids,
        hook,
        http,
        done,
        stop_worker,
        worker,
        stop_server: Some(stop_server),
        server,
    }
}

impl Live {
    /// Adds one unit of stock to each product of `ids` in the sandbox (a stock correction,
    /// which is what raises `product.modified.on-hand-modified` in Brightpearl).
    fn change_stock(&self, ids: &[u64]) {
        let corrections: Vec<stock::Correction> = ids
            .iter()
            .map(|&id| stock::Correction {
                product_id: id,
                quantity: 1,
                reason: "bench change".into(),
                location_id: None,
                cost: None,
            })
            .collect();
        let mut account = self.pair.bp.state().account();
        stock::correct(&mut account, stock::MAIN_WAREHOUSE, &corrections).expect("stock change");
        let _ = account.take_events();
    }

    /// Posts one on-hand-modified webhook naming `ids`; returns when it was sent.
    async fn post(&self, ids: &[u64]) -> Instant {
        let body = json!({
            "accountCode": self.pair.bp.banner.account,
            "resourceType": "product",
            "id": IdSet::from_ids(ids.iter().copied()).to_string(),
            "lifecycleEvent": "modified",
            "fullEvent": "product.modified.on-hand-modified",
            "raisedOn": "2026-03-01T10:00:00.000Z",
            "brightpearlVersion": "7.1",
        })
        .to_string();
        let sent = Instant::now();
        let response = self
            .http
            .post(&self.hook)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the intake answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "intake: {text}");
        sent
    }

    /// Waits until the inventory flow has written every id of `sent`; returns the latencies
    /// (in the order of `sent`) and the time the last one was written.
    async fn wait(&self, sent: &HashMap<String, Instant>) -> (Vec<Duration>, Instant) {
        let give_up = Instant::now() + Duration::from_secs(600);
        loop {
            {
                let done = self.done.lock().unwrap();
                if sent.keys().all(|id| done.contains_key(id)) {
                    let mut latencies = Vec::with_capacity(sent.len());
                    let mut last = None::<Instant>;
                    for (id, at) in sent {
                        let written = done[id];
                        latencies.push(written.saturating_duration_since(*at));
                        last = Some(last.map_or(written, |l| l.max(written)));
                    }
                    return (latencies, last.unwrap_or_else(Instant::now));
                }
                assert!(
                    Instant::now() < give_up,
                    "{} of {} changes written after 600 s",
                    sent.keys().filter(|id| done.contains_key(*id)).count(),
                    sent.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    async fn stop(mut self) {
        let _ = self.stop_worker.send(true);
        let _ = self.worker.await;
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        let _ = self.server.await;
        self.pair.stop().await;
    }
}

struct LiveRun {
    changes: usize,
    webhooks: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    bp_calls: u64,
    sf: Calls,
    peak_mib: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summarise(
    mut latencies: Vec<Duration>,
    webhooks: usize,
    seconds: f64,
    bp_calls: u64,
    sf: Calls,
) -> LiveRun {
    latencies.sort();
    LiveRun {
        changes: latencies.len(),
        webhooks,
        seconds,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        max: latencies.last().copied().unwrap_or_default(),
        bp_calls,
        sf,
        peak_mib: peak_memory_mib(),
    }
}

/// Every product changes once; the changes are posted as fast as the intake answers, 200 ids a
/// webhook.
async fn burst_run(products: usize, inventory_only: bool) -> LiveRun {
    reset_peak_memory();
    let live = live(products, inventory_only).await;
    let bp_before = live.pair.bp_client.transport().stats();
    let sf_before = live.pair.sf_client.transport().stats();
    live.change_stock(&live.ids);
    let mut sent = HashMap::with_capacity(products);
    let started = Instant::now();
    let mut webhooks = 0;
    for chunk in live.ids.chunks(200) {
        let at = live.post(chunk).await;
        webhooks += 1;
        for id in chunk {
            sent.insert(id.to_string(), at);
        }
    }
    let (latencies, last) = live.wait(&sent).await;
    let seconds = last.duration_since(started).as_secs_f64();
    verify_stock(&live.pair, products, 1).await;
    let bp = delta(&bp_before, &live.pair.bp_client.transport().stats());
    let sf = delta(&sf_before, &live.pair.sf_client.transport().stats());
    let run = summarise(latencies, webhooks, seconds, bp.requests, sf);
    live.stop().await;
    run
}

/// `rate` changes a second for `seconds`, one webhook per 200 ms window, each product at most
/// once.
async fn steady_run(products: usize, rate: u64, seconds: u64, inventory_only: bool) -> LiveRun {
    reset_peak_memory();
    let live = live(products, inventory_only).await;
    let total = ((rate * seconds) as usize).min(products);
    let bp_before = live.pair.bp_client.transport().stats();
    let sf_before = live.pair.sf_client.transport().stats();
    let window = Duration::from_millis(200);
    let per_window = ((rate as f64) * window.as_secs_f64()).round().max(1.0) as usize;
    let mut sent = HashMap::with_capacity(total);
    let started = Instant::now();
    let mut webhooks = 0;
    for (n, chunk) in live.ids[..total].chunks(per_window).enumerate() {
        tokio::time::sleep_until((started + window * (n as u32 + 1)).into()).await;
        live.change_stock(chunk);
        let at = live.post(chunk).await;
        webhooks += 1;
        for id in chunk {
            sent.insert(id.to_string(), at);
        }
    }
    let (latencies, last) = live.wait(&sent).await;
    let seconds = last.duration_since(started).as_secs_f64();
    let bp = delta(&bp_before, &live.pair.bp_client.transport().stats());
    let sf = delta(&sf_before, &live.pair.sf_client.transport().stats());
    let run = summarise(latencies, webhooks, seconds, bp.requests, sf);
    live.stop().await;
    run
}

fn print_live(run: &LiveRun) {
    println!(
        "  {} changes in {} webhooks; {:.2} s = {:.0} changes/s; latency p50 {:.0} ms p99 {:.0} ms max {:.0} ms; Brightpearl {} calls ({:.1} changes/call); Salesforce {} calls ({:.1} changes/call) {}; peak RSS {:.0} MiB",
        run.changes,
        run.webhooks,
        run.seconds,
        run.changes as f64 / run.seconds,
        run.p50.as_secs_f64() * 1e3,
        run.p99.as_secs_f64() * 1e3,
        run.max.as_secs_f64() * 1e3,
        run.bp_calls,
        run.changes as f64 / run.bp_calls.max(1) as f64,
        run.sf.requests,
        run.changes as f64 / run.sf.requests.max(1) as f64,
        families(&run.sf),
        run.peak_mib
    );
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

// ---------------------------------------------------------------------------------------------

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let scenarios: Vec<&str> = match args.scenario.as_str() {
        "all" => vec!["load", "burst", "steady"],
        s => vec![s],
    };
    println!(
        "flows bench: {} products, {} run(s) each{}",
        args.products,
        args.runs,
        if args.inventory_only {
            "; webhooks routed to inventory_to_salesforce only"
        } else {
            "; webhooks routed to every flow that takes them (as ferry serve does)"
        }
    );
    for scenario in scenarios {
        match scenario {
            "load" | "load-throttled" => {
                let throttle = if scenario == "load" { 0 } else { 200 };
                println!(
                    "\n== initial load, Brightpearl throttle {} ==",
                    if throttle == 0 {
                        "off".to_string()
                    } else {
                        format!("{throttle}/min (client budget {throttle}/min)")
                    }
                );
                let mut seconds = Vec::new();
                let mut peaks = Vec::new();
                for run in 1..=args.runs {
                    println!("run {run}:");
                    let result = load_run(args.products, throttle).await;
                    print_load(&result, throttle, args.products);
                    seconds.push(result.seconds);
                    peaks.push(result.peak_mib);
                }
                let s = median(&mut seconds);
                println!(
                    "median: {s:.1} s ({:.0} records/s); peak RSS median {:.0} MiB",
                    (2 * args.products) as f64 / s,
                    median(&mut peaks)
                );
            }
            "burst" | "steady" => {
                println!(
                    "\n== {} ==",
                    if scenario == "burst" {
                        format!(
                            "inventory burst: {} on-hand changes, 200 ids a webhook",
                            args.products
                        )
                    } else {
                        format!(
                            "steady: {} changes/s for {} s, one webhook per 200 ms",
                            args.rate, args.seconds
                        )
                    }
                );
                let (mut p50, mut p99, mut rates, mut peaks) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for run in 1..=args.runs {
                    println!("run {run}:");
                    let result = if scenario == "burst" {
                        burst_run(args.products, args.inventory_only).await
                    } else {
                        steady_run(args.products, args.rate, args.seconds, args.inventory_only)
                            .await
                    };
                    print_live(&result);
                    p50.push(result.p50.as_secs_f64() * 1e3);
                    p99.push(result.p99.as_secs_f64() * 1e3);
                    rates.push(result.changes as f64 / result.seconds);
                    peaks.push(result.peak_mib);
                }
                println!(
                    "median: p50 {:.0} ms, p99 {:.0} ms, {:.0} changes/s; peak RSS median {:.0} MiB",
                    median(&mut p50),
                    median(&mut p99),
                    median(&mut rates),
                    median(&mut peaks)
                );
            }
            other => panic!("unknown scenario {other}: load, load-throttled, burst, steady, all"),
        }
    }
}
