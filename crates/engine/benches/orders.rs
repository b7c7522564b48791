//! Lead-to-order (issue 8): N Closed Won Salesforce Opportunities of L lines each become N
//! Brightpearl sales orders through the default flow `opportunities_to_brightpearl`, the way
//! `ferry serve` runs it: change notices for the Opportunities are journaled in a fresh SQLite
//! store, then a queue `Worker` with every enabled flow's handler and `ferry serve`'s default
//! worker settings (`ferry_config::WorkerConfig::default()`) works the queue until every
//! Opportunity's order is made and written back.
//!
//! Setup (not timed):
//! - Brightpearl sandbox (empty account) at its real throttle of 200 requests a minute (or the
//!   `--throttle` given; 0 = off), the client's budget the same. Its catalogue (P products with
//!   SKUs) and C customer contacts are made in process through the sandbox's own operations
//!   (the same validation as its POST endpoints), so seeding spends none of the allowance.
//! - Salesforce sandbox (empty org): C Accounts, each with one Contact whose `ExternalID__c` is
//!   a Brightpearl customer's id (linked, as the customers flow leaves them); P Product2s with
//!   `ProductCode` = the Brightpearl SKU, `ExternalID__c` = the Brightpearl product id (as the
//!   products flow leaves them; `--sku-only` leaves it out, so the flow searches by SKU) and a
//!   standard PricebookEntry each; N Opportunities
//!   (`StageName` Closed Won, spread over the Accounts) with L OpportunityLineItems each (L
//!   distinct products). Made through sObject Collections, 200 records a call.
//!
//! Timed: from journaling the N notices to the moment the flow's handler has returned success
//! for all N (the order exists and `BrightpearlOrderId__c` is written back). Calls are counted
//! by each client's transport (`transport().stats()`: every attempt, by endpoint family).
//!
//! Checked afterwards (outside the counts, through SOQL and the sandbox's own state): every
//! Opportunity has `BrightpearlOrderId__c`, all distinct; the account holds exactly N sales
//! orders, each with L rows of the Opportunity's products, its customer, and a distinct
//! `externalRef`; no dead letters.
//!
//! `cargo bench -p ferry-engine --bench orders -- [--opportunities N] [--lines L]
//!  [--products P] [--customers C] [--throttle R] [--runs K] [--sku-only]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use async_trait::async_trait;
use ferry_brightpearl::auth::StaticToken;
use ferry_core::{
    ChangeNotice, DeadLetterFilter, Failure, FlowName, LeasedItem, Operation, RetryPolicy,
    TenantId, Timestamp,
};
use ferry_engine::flows::defaults::DEFAULTS;
use ferry_engine::flows::runtime::{Adapters, FlowSet};
use ferry_engine::{Handler, Shutdown, Worker, WorkerOptions};
use ferry_http::budget::Budgets;
use ferry_http::stats::Stats;
use ferry_http::{Method, TransportConfig};
use ferry_mapping::FlowSpec;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::query::Query;
use ferry_salesforce::write::WriteOptions;
use ferry_sandbox::brightpearl::account::orders::OrderType;
use ferry_sandbox::brightpearl::account::{catalogue, contacts};
use ferry_sandbox::brightpearl::api::{
    DataSet as BpData, Options as BpOptions, Sandbox as BpSandbox,
};
use ferry_sandbox::salesforce::Sandbox as SfSandbox;
use ferry_sandbox::salesforce::api::{DataSet as SfData, Options as SfOptions};
use ferry_store::{AppendBatch, DeadLetters, Journal, RoutedNotice, SqliteStore, Store};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FLOW: &str = "opportunities_to_brightpearl";
/// Brightpearl's creates per multi-message (the adapter's `PER_MULTI_MESSAGE`, the API's cap).
const PER_MULTI_MESSAGE: u64 = 10;

// ---------------------------------------------------------------------------------------------
// Arguments

#[derive(Debug, Clone)]
struct Args {
    opportunities: usize,
    lines: usize,
    products: usize,
    customers: usize,
    throttle: u32,
    runs: usize,
    /// Product2s without `ExternalID__c` (a catalogue keyed in Salesforce by hand): the flow
    /// finds each Brightpearl product by SKU, one search per distinct SKU per batch.
    sku_only: bool,
}

fn args() -> Args {
    let mut out = Args {
        opportunities: 1000,
        lines: 5,
        products: 100,
        customers: 200,
        throttle: 200,
        runs: 1,
        sku_only: false,
    };
    let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--opportunities" => out.opportunities = value("--opportunities") as usize,
            "--lines" => out.lines = value("--lines") as usize,
            "--products" => out.products = value("--products") as usize,
            "--customers" => out.customers = value("--customers") as usize,
            "--throttle" => out.throttle = value("--throttle") as u32,
            "--runs" => out.runs = value("--runs") as usize,
            "--sku-only" => out.sku_only = true,
            other => panic!(
                "unknown argument {other}: --opportunities N --lines L --products P \
                 --customers C --throttle R (0 = off) --runs K --sku-only"
            ),
        }
    }
    assert!(
        out.lines <= out.products,
        "--lines must not exceed --products (each line is a distinct product)"
    );
    assert!(out.customers > 0 && out.opportunities > 0 && out.lines > 0);
    out
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

impl Pair {
    async fn stop(self) {
        drop(self.flows);
        let _ = self.bp.stop().await;
        let _ = self.sf.stop().await;
    }
}

/// What the data set holds, to check the orders against.
struct Data {
    /// Brightpearl product id by catalogue index.
    product_ids: Vec<u64>,
    /// Brightpearl contact id by customer index.
    contact_ids: Vec<u64>,
    /// Salesforce Opportunity ids by index.
    opportunities: Vec<String>,
}

fn default_specs() -> Vec<FlowSpec> {
    DEFAULTS
        .iter()
        .map(|(name, text)| FlowSpec::parse(text, name).expect("default flow parses"))
        .filter(|s| s.enabled)
        .collect()
}

fn sku(i: usize) -> String {
    format!("O2C-{i:05}")
}

/// The catalogue index of line `j` of Opportunity `i` (L distinct products per Opportunity,
/// spread over the catalogue).
fn product_of(i: usize, j: usize, lines: usize, products: usize) -> usize {
    (i * lines + j) % products
}

/// The customer index of Opportunity `i`.
fn customer_of(i: usize, customers: usize) -> usize {
    i % customers
}

/// Products and customer contacts, made in process through the sandbox's own operations.
fn seed_brightpearl(bp: &BpSandbox, products: usize, customers: usize) -> (Vec<u64>, Vec<u64>) {
    let mut account = bp.state().account();
    let mut product_ids = Vec::with_capacity(products);
    for i in 0..products {
        let id = catalogue::create_product(
            &mut account,
            &json!({
                "brandId": 1,
                "identity": {"sku": sku(i)},
                "stock": {"stockTracked": true},
                "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                "salesChannels": [{"salesChannelName": "Brightpearl",
                                   "productName": format!("Order bench product {i:05}")}],
            }),
        )
        .expect("product created");
        catalogue::put_prices(
            &mut account,
            id,
            &json!({"priceLists": [
                {"priceListId": catalogue::RETAIL_PRICE_LIST,
                 "quantityPrice": {"1": format!("{}.99", 10 + i % 90)}},
            ]}),
        )
        .expect("prices set");
        product_ids.push(id);
    }
    let mut contact_ids = Vec::with_capacity(customers);
    for i in 0..customers {
        let address = contacts::create_postal_address(
            &mut account,
            &json!({"addressLine1": format!("{i} Market Street"), "addressLine3": "Leeds",
                    "postalCode": "LS1 4AP", "countryIsoCode": "GBR"}),
        )
        .expect("address created");
        let contact = contacts::create_contact(
            &mut account,
            &json!({"firstName": format!("Buyer{i}"), "lastName": "Bench",
                    "postAddressIds": {"DEF": address, "BIL": address, "DEL": address},
                    "communication": {"emails": {"PRI": {"email": format!("buyer{i}@example.com")}}},
                    "relationshipToAccount": {"isSupplier": false, "isStaff": false}}),
        )
        .expect("contact created");
        contact_ids.push(contact);
    }
    let _ = account.take_events();
    (product_ids, contact_ids)
}

/// Creates records through sObject Collections, 200 a call; returns their ids in order.
async fn sf_create(
    client: &ferry_salesforce::Client,
    object: &str,
    records: Vec<Value>,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["attributes"] = json!({"type": object});
                r
            })
            .collect();
        let call = client
            .call(Method::POST, "/composite/sobjects")
            .json(&json!({"allOrNone": true, "records": records}))
            .unwrap();
        let results: Vec<Value> = client
            .send(&call)
            .await
            .unwrap_or_else(|e| panic!("creating {object}: {e}"))
            .json("salesforce")
            .unwrap();
        for result in results {
            assert_eq!(result["success"], true, "creating {object}: {result}");
            ids.push(result["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

async fn soql(client: &ferry_salesforce::Client, text: &str) -> Vec<Value> {
    let mut query = Query::new(client, text);
    let mut rows = Vec::new();
    while let Some(page) = query.next_page().await.expect("query") {
        rows.extend(page.into_iter().map(|r| serde_json::to_value(r).unwrap()));
    }
    rows
}

async fn seed_salesforce(
    sf: &ferry_salesforce::Client,
    args: &Args,
    product_ids: &[u64],
    contact_ids: &[u64],
) -> Vec<String> {
    let standard = soql(sf, "SELECT Id FROM Pricebook2 WHERE IsStandard = true").await;
    let standard = standard[0]["Id"].as_str().unwrap().to_owned();
    let accounts = sf_create(
        sf,
        "Account",
        (0..args.customers)
            .map(|i| json!({"Name": format!("Bench Trading {i:04}")}))
            .collect(),
    )
    .await;
    sf_create(
        sf,
        "Contact",
        (0..args.customers)
            .map(|i| {
                json!({"AccountId": accounts[i], "FirstName": format!("Buyer{i}"),
                       "LastName": "Bench", "Email": format!("buyer{i}@example.com"),
                       "ExternalID__c": contact_ids[i].to_string()})
            })
            .collect(),
    )
    .await;
    let products = sf_create(
        sf,
        "Product2",
        (0..product_ids.len())
            .map(|i| {
                // As products_to_salesforce leaves them: the Brightpearl id is the key
                // (unless --sku-only).
                let mut product = json!({"Name": format!("Order bench product {i:05}"),
                                         "ProductCode": sku(i), "IsActive": true});
                if !args.sku_only {
                    product["ExternalID__c"] = json!(product_ids[i].to_string());
                }
                product
            })
            .collect(),
    )
    .await;
    let entries = sf_create(
        sf,
        "PricebookEntry",
        products
            .iter()
            .enumerate()
            .map(|(i, p)| {
                json!({"Pricebook2Id": standard, "Product2Id": p,
                       "UnitPrice": format!("{}.99", 10 + i % 90), "IsActive": true})
            })
            .collect(),
    )
    .await;
    let opportunities = sf_create(
        sf,
        "Opportunity",
        (0..args.opportunities)
            .map(|i| {
                json!({"AccountId": accounts[customer_of(i, args.customers)],
                       "Name": format!("Bench order {i:05}"), "StageName": "Closed Won",
                       "CloseDate": "2026-11-20", "Pricebook2Id": standard})
            })
            .collect(),
    )
    .await;
    let mut lines = Vec::with_capacity(args.opportunities * args.lines);
    for (i, opportunity) in opportunities.iter().enumerate() {
        for j in 0..args.lines {
            let p = product_of(i, j, args.lines, product_ids.len());
            lines.push(
                json!({"OpportunityId": opportunity, "PricebookEntryId": entries[p],
                              "Quantity": 1 + j, "UnitPrice": format!("{}.99", 10 + p % 90)}),
            );
        }
    }
    sf_create(sf, "OpportunityLineItem", lines).await;
    opportunities
}

async fn pair(args: &Args) -> (Pair, Data, f64) {
    let seeding = Instant::now();
    let bp = BpSandbox::start(BpOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: BpData::Empty,
        requests_per_minute: args.throttle,
        ..BpOptions::default()
    })
    .await
    .expect("Brightpearl sandbox starts");
    let (product_ids, contact_ids) = seed_brightpearl(&bp, args.products, args.customers);
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
            requests_per_minute: if args.throttle == 0 {
                1_000_000
            } else {
                args.throttle
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
    let opportunities = seed_salesforce(&sf_client, args, &product_ids, &contact_ids).await;
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
    let seed_seconds = seeding.elapsed().as_secs_f64();
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
        Data {
            product_ids,
            contact_ids,
            opportunities,
        },
        seed_seconds,
    )
}

// ---------------------------------------------------------------------------------------------
// Counting

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

fn families(calls: &Calls) -> String {
    calls
        .by_family
        .iter()
        .map(|(f, n)| format!("{f}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The least time `calls` calls take at `per_minute`, windows aligned to the first call (the
/// sandbox's and Brightpearl's fixed 60-second window): `per_minute` at once, the next
/// `per_minute` a minute later, and so on.
fn window_minimum(calls: u64, per_minute: u64) -> f64 {
    (calls.div_ceil(per_minute).saturating_sub(1) * 60) as f64
}

/// Wraps the flow's handler: counts the Opportunities it has settled successfully, and the
/// handler calls and their sizes.
struct Counted {
    inner: Arc<dyn Handler>,
    track: bool,
    done: Arc<Mutex<HashSet<String>>>,
    calls: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Handler for Counted {
    fn flow(&self) -> &FlowName {
        self.inner.flow()
    }

    fn max_batch(&self) -> usize {
        self.inner.max_batch()
    }

    async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
        let outcomes = self.inner.handle(items).await;
        if self.track {
            self.calls.fetch_add(1, Ordering::Relaxed);
            let mut done = self.done.lock().unwrap();
            let mut failures = self.failures.lock().unwrap();
            for (item, outcome) in items.iter().zip(&outcomes) {
                match outcome {
                    Ok(()) => {
                        done.insert(item.record_id.clone());
                    }
                    Err(f) => {
                        failures.push(format!("{}: {} {}", item.record_id, f.code, f.message))
                    }
                }
            }
        }
        outcomes
    }
}

// ---------------------------------------------------------------------------------------------
// One run

struct Run {
    seed_seconds: f64,
    seconds: f64,
    handler_calls: usize,
    failures: Vec<String>,
    bp: Calls,
    sf: Calls,
}

async fn run(args: &Args) -> Run {
    let (pair, data, seed_seconds) = pair(args).await;
    let done = Arc::new(Mutex::new(HashSet::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let handlers: Vec<Arc<dyn Handler>> = pair
        .flows
        .handlers()
        .into_iter()
        .map(|inner| {
            let track = inner.flow().as_str() == FLOW;
            Arc::new(Counted {
                inner,
                track,
                done: done.clone(),
                calls: calls.clone(),
                failures: failures.clone(),
            }) as Arc<dyn Handler>
        })
        .collect();
    // `ferry serve`'s defaults ([worker] in ferry.toml), as `serve::worker_options` builds them.
    let defaults = ferry_config::WorkerConfig::default();
    let mut options = WorkerOptions::new(RetryPolicy {
        max_attempts: defaults.max_attempts,
        base_delay: Duration::from_millis(defaults.backoff_base_ms),
        max_delay: Duration::from_secs(defaults.backoff_max_seconds),
    });
    options.batch_size = defaults.batch_size.clamp(1, 1000);
    options.concurrency = defaults.concurrency.max(1);
    options.lease_for = Duration::from_secs(defaults.lease_seconds);
    options.idle_poll = Duration::from_millis(defaults.idle_poll_ms);
    options.handler_timeout = Duration::from_secs(defaults.handler_timeout_seconds);
    options.batch_window = Duration::from_millis(defaults.batch_window_ms);
    options.tenant = Some(pair.tenant.clone());

    let bp_before = pair.bp_client.transport().stats();
    let sf_before = pair.sf_client.transport().stats();
    let started = Instant::now();
    // The notices a change event or poll would journal for the flow.
    let route = pair.flows.get(FLOW).expect("flow enabled").route();
    let notices = data
        .opportunities
        .iter()
        .map(|id| RoutedNotice {
            notice: ChangeNotice {
                tenant: pair.tenant.clone(),
                source: route.system,
                object: route.object.clone(),
                record_id: id.clone(),
                operation: Operation::Update,
                observed_at: Timestamp::now(),
                origin: None,
                payload: json!({}),
            },
            flows: vec![route.flow.clone()],
        })
        .collect();
    pair.store
        .append(AppendBatch {
            notices,
            checkpoints: vec![],
        })
        .await
        .expect("notices journaled");
    let worker = Worker::new(pair.store.clone() as Arc<dyn Store>, handlers, options);
    let (stop_worker, shutdown) = Shutdown::new();
    let worker = tokio::spawn(async move { worker.run(shutdown).await });
    let give_up = started + Duration::from_secs(1800);
    let mut last_report = Instant::now();
    loop {
        let settled = done.lock().unwrap().len();
        if settled >= data.opportunities.len() {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            println!(
                "    … {settled} of {} Opportunities ordered after {:.0} s; Brightpearl calls so far {}",
                data.opportunities.len(),
                started.elapsed().as_secs_f64(),
                pair.bp_client.transport().stats().requests - bp_before.requests
            );
            last_report = Instant::now();
        }
        let dead = pair
            .store
            .list_dead(&DeadLetterFilter::default(), 10)
            .await
            .unwrap();
        assert!(
            dead.is_empty(),
            "dead letters: {:#?}",
            dead.iter()
                .map(|d| format!(
                    "{} {}: {} {}",
                    d.flow, d.record_id, d.error_code, d.error_message
                ))
                .collect::<Vec<_>>()
        );
        assert!(
            Instant::now() < give_up,
            "only {settled} of {} Opportunities ordered after 30 minutes; failures: {:#?}",
            data.opportunities.len(),
            failures.lock().unwrap().iter().take(10).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let bp = delta(&bp_before, &pair.bp_client.transport().stats());
    let sf = delta(&sf_before, &pair.sf_client.transport().stats());
    let _ = stop_worker.send(true);
    let _ = worker.await;
    verify(&pair, &data, args).await;
    let failures = failures.lock().unwrap().clone();
    let handler_calls = calls.load(Ordering::Relaxed);
    pair.stop().await;
    Run {
        seed_seconds,
        seconds,
        handler_calls,
        failures,
        bp,
        sf,
    }
}

/// Every Opportunity has its own order id written back; the account holds exactly one sales
/// order per Opportunity, with its customer, its L products and a distinct `externalRef`.
async fn verify(pair: &Pair, data: &Data, args: &Args) {
    let rows = soql(
        &pair.sf_client,
        "SELECT Id, BrightpearlOrderId__c, FerryError__c FROM Opportunity",
    )
    .await;
    assert_eq!(rows.len(), args.opportunities, "Opportunities in the org");
    let index: HashMap<&str, usize> = data
        .opportunities
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut order_of: HashMap<u64, usize> = HashMap::new();
    for row in &rows {
        let id = row["Id"].as_str().unwrap();
        let order: u64 = row["BrightpearlOrderId__c"]
            .as_str()
            .unwrap_or_else(|| panic!("Opportunity {id} has no BrightpearlOrderId__c: {row}"))
            .parse()
            .unwrap();
        assert!(row["FerryError__c"].is_null(), "{row}");
        let previous = order_of.insert(order, index[id]);
        assert!(
            previous.is_none(),
            "order {order} is written back on two Opportunities"
        );
    }
    let account = pair.bp.state().account();
    let sales: Vec<_> = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .collect();
    assert_eq!(
        sales.len(),
        args.opportunities,
        "exactly one Brightpearl sales order per Opportunity"
    );
    let mut refs = BTreeSet::new();
    for order in sales {
        let i = *order_of
            .get(&order.id)
            .unwrap_or_else(|| panic!("order {} is not any Opportunity's", order.id));
        let reference = order
            .external_ref
            .clone()
            .expect("externalRef (Ferry's marker)");
        assert!(
            refs.insert(reference),
            "duplicate externalRef on order {}",
            order.id
        );
        assert_eq!(
            order.reference,
            format!("Bench order {i:05}"),
            "order {}",
            order.id
        );
        assert_eq!(
            order.contact_id(),
            data.contact_ids[customer_of(i, args.customers)],
            "order {}: customer",
            order.id
        );
        let products: BTreeSet<u64> = order.order_rows.values().map(|r| r.product_id).collect();
        let wanted: BTreeSet<u64> = (0..args.lines)
            .map(|j| data.product_ids[product_of(i, j, args.lines, args.products)])
            .collect();
        assert_eq!(
            order.order_rows.len(),
            args.lines,
            "order {}: rows",
            order.id
        );
        assert_eq!(products, wanted, "order {}: products", order.id);
    }
}

fn print_run(run: &Run, args: &Args) {
    let n = args.opportunities as f64;
    println!(
        "  setup {:.1} s (not timed); flow {:.1} s = {:.1} orders/s; {} handler calls of the flow; {} record failures retried",
        run.seed_seconds,
        run.seconds,
        n / run.seconds,
        run.handler_calls,
        run.failures.len()
    );
    for f in run.failures.iter().take(5) {
        println!("    retried: {f}");
    }
    let creates = run.bp.by_family.get("multi-message").copied().unwrap_or(0)
        + run
            .bp
            .by_family
            .get("order-service/sales-order")
            .copied()
            .unwrap_or(0);
    println!(
        "  Brightpearl: {} calls ({:.2} orders/call; {} create calls; throttled answers {}, retries {}) {}",
        run.bp.requests,
        n / run.bp.requests.max(1) as f64,
        creates,
        run.bp.throttled,
        run.bp.retries,
        families(&run.bp)
    );
    println!(
        "  Salesforce:  {} calls ({:.1} Opportunities/call; retries {}) {}",
        run.sf.requests,
        n / run.sf.requests.max(1) as f64,
        run.sf.retries,
        families(&run.sf)
    );
    let fewest = (args.opportunities as u64).div_ceil(PER_MULTI_MESSAGE);
    if args.throttle > 0 {
        let per_minute = u64::from(args.throttle);
        let minimum = fewest as f64 * 60.0 / per_minute as f64;
        println!(
            "  theoretical minimum: {fewest} creates ({PER_MULTI_MESSAGE} orders per multi-message) / {per_minute} per minute = {minimum:.0} s; measured / minimum = {:.1}×",
            run.seconds / minimum
        );
        println!(
            "  window-aligned floor of the calls made ({} calls, {per_minute} per 60 s window): {:.0} s; of the {fewest} creates alone: {:.0} s",
            run.bp.requests,
            window_minimum(run.bp.requests, per_minute),
            window_minimum(fewest, per_minute)
        );
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let worker = ferry_config::WorkerConfig::default();
    println!(
        "orders bench: {} Closed Won Opportunities × {} lines over {} products and {} customers; Brightpearl throttle {}; worker lease {} items, {} calls in flight, batch window {} ms; {} run(s)",
        args.opportunities,
        args.lines,
        args.products,
        args.customers,
        if args.throttle == 0 {
            "off".to_string()
        } else {
            format!("{}/min (client budget the same)", args.throttle)
        },
        worker.batch_size,
        worker.concurrency,
        worker.batch_window_ms,
        args.runs
    );
    let mut seconds = Vec::new();
    for k in 1..=args.runs {
        println!("run {k}:");
        let result = run(&args).await;
        print_run(&result, &args);
        seconds.push(result.seconds);
    }
    let s = median(&mut seconds);
    println!(
        "median: {s:.1} s ({:.1} orders/s); every run verified: {} orders, {} rows each, no duplicates",
        args.opportunities as f64 / s,
        args.opportunities,
        args.lines
    );
}
