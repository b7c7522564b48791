//! Crash safety of the sync flows, end to end (issue 7's acceptance): the real `ferry` binary
//! against both sandboxes. After `ferry sync initial`, `ferry serve` runs while changes arrive
//! on both sides (Brightpearl stock moves, repricings and customer edits, delivered to the
//! intake by the sandbox's webhooks or found by the polling safety net; Salesforce Contact edits
//! through REST, captured over the Pub/Sub API). The engine is SIGKILLed mid-stream, changes
//! keep coming while it is down, and it is started again. Once the queue is empty,
//! `ferry reconcile` finds no drift in any flow, no Salesforce record shares an `ExternalID__c`
//! with another, and no Brightpearl e-mail address belongs to more contacts than before.
//! A second test does the same with 5% 503s and an outage injected into Salesforce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_sandbox::brightpearl::api as bp;
use ferry_sandbox::salesforce as sf;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

const MASTER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const HOOK_TOKEN: &str = "flows-crash-test-token-0123456789";
/// Short leases so that the items a killed engine held come back quickly; fast retries so
/// that faults do not push the work minutes out.
const WORKER: &str = "lease_seconds = 2\nidle_poll_ms = 50\nbackoff_base_ms = 100\nbackoff_max_seconds = 2\nmax_attempts = 50\n";

struct Pair {
    sf: sf::Sandbox,
    bp: bp::Sandbox,
    dir: tempfile::TempDir,
    listen: String,
    http: ferry_http::reqwest::Client,
}

impl Pair {
    async fn start() -> Self {
        let sf = sf::Sandbox::start(sf::api::Options {
            data: sf::api::DataSet::Demo,
            grpc_listen: Some(([127, 0, 0, 1], 0).into()),
            ..sf::api::Options::default()
        })
        .await
        .expect("salesforce sandbox starts");
        let bp = bp::Sandbox::start(bp::Options {
            data: bp::DataSet::Demo,
            requests_per_minute: 0,
            activity_per_minute: 0.0,
            ..bp::Options::default()
        })
        .await
        .expect("brightpearl sandbox starts");
        // The same port before and after the crash: Brightpearl's webhooks point at it.
        let listen = {
            let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            socket.local_addr().unwrap().to_string()
        };
        let dir = tempfile::tempdir().unwrap();
        let (sfb, bpb) = (&sf.banner, &bp.banner);
        let origin = bpb.base_url.split("/public-api/").next().unwrap();
        let toml = format!(
            "[store]\nurl = \"sqlite://ferry.db\"\n\n[flows]\ndir = \"flows\"\n\n[worker]\n{WORKER}\n[server]\nlisten = \
             \"{listen}\"\nintake_token = \"env:TEST_HOOK_TOKEN\"\n\n[salesforce]\nlogin_url = \
             \"{}\"\nclient_id = \"{}\"\nclient_secret = \"env:TEST_SF_CLIENT_SECRET\"\n\
             pubsub_url = \"{}\"\n\n[brightpearl]\naccount = \"{}\"\nbase_url = \"{origin}\"\n\
             app_ref = \"{}\"\naccount_token = \"env:TEST_BP_ACCOUNT_TOKEN\"\n",
            sfb.login_url,
            sfb.client_id,
            sfb.grpc_url.clone().expect("the sandbox serves gRPC"),
            bpb.account,
            bpb.app_ref
        );
        std::fs::write(dir.path().join("ferry.toml"), toml).unwrap();
        // Brightpearl raises no contact events: its customers arrive through the poll, every
        // 60 s by default. The test's copy of the default flow polls every 3 s.
        let flow = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../engine/flows/customers_to_salesforce.toml"
        ))
        .unwrap();
        assert!(flow.contains("poll_seconds = 60\n"));
        std::fs::create_dir(dir.path().join("flows")).unwrap();
        std::fs::write(
            dir.path().join("flows/customers_to_salesforce.toml"),
            flow.replace("poll_seconds = 60\n", "poll_seconds = 3\n"),
        )
        .unwrap();
        let http = ferry_http::client_builder(None).unwrap().build().unwrap();
        Self {
            sf,
            bp,
            dir,
            listen,
            http,
        }
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = common::ferry(self.dir.path());
        command
            .env("FERRY_MASTER_KEY", MASTER_KEY)
            .env("TEST_SF_CLIENT_SECRET", &self.sf.banner.client_secret)
            .env("TEST_BP_ACCOUNT_TOKEN", &self.bp.banner.account_token)
            .env("TEST_HOOK_TOKEN", HOOK_TOKEN)
            .args(args);
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || common::output(&mut command))
            .await
            .unwrap()
    }

    async fn run_ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "ferry {args:?}: {:?}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `ferry serve` and waits for its listening line.
    async fn serve(&self) -> Child {
        let mut child = self
            .command(&["serve", "--workers", "4"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ferry serve");
        let stdout = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            // Keep draining so the process never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            line
        })
        .await
        .unwrap();
        assert!(line.starts_with("ferry serve: listening"), "{line:?}");
        child
    }

    async fn store(&self) -> std::sync::Arc<dyn ferry_store::Store> {
        ferry_store::open(
            &format!("sqlite://{}", self.dir.path().join("ferry.db").display()),
            &ferry_store::OpenOptions::default(),
        )
        .await
        .unwrap()
    }

    /// Waits until the queue has held nothing pending, retrying or in flight for two seconds.
    async fn wait_for_empty_queue(&self, limit: Duration) {
        let store = self.store().await;
        let started = Instant::now();
        let mut empty_since: Option<Instant> = None;
        loop {
            let stats = store.stats(None).await.unwrap();
            let busy: i64 = stats
                .iter()
                .map(|s| s.pending + s.retrying + s.in_flight)
                .sum();
            if busy == 0 {
                if empty_since.get_or_insert_with(Instant::now).elapsed() > Duration::from_secs(2) {
                    return;
                }
            } else {
                empty_since = None;
            }
            assert!(
                started.elapsed() < limit,
                "the queue is not empty after {limit:?}: {stats:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn sf_url(&self, path: &str) -> String {
        format!("{}/services/data/v62.0/{path}", self.sf.banner.instance_url)
    }

    async fn soql(&self, soql: &str) -> Vec<Value> {
        let response = self
            .http
            .get(
                ferry_http::reqwest::Url::parse_with_params(&self.sf_url("query"), [("q", soql)])
                    .unwrap(),
            )
            .bearer_auth(&self.sf.banner.access_token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(status.is_success(), "{soql}: {body}");
        body["records"].as_array().cloned().unwrap_or_default()
    }

    async fn sf_faults(&self, path: &str, body: Value) {
        self.http
            .request(
                if path == "faults" {
                    ferry_http::reqwest::Method::PUT
                } else {
                    ferry_http::reqwest::Method::POST
                },
                format!("{}/__sandbox/{path}", self.sf.banner.instance_url),
            )
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    async fn bp_scenario(&self, name: &str) -> Value {
        let origin = self
            .bp
            .banner
            .base_url
            .split("/public-api/")
            .next()
            .unwrap();
        let response = self
            .http
            .post(format!("{origin}/__sandbox/scenarios/{name}"))
            .send()
            .await
            .unwrap();
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null)
    }

    /// `ferry reconcile --format json`: the drifted records of every flow (`flow record`),
    /// each listed (none left out over the report's cap).
    async fn drift(&self) -> BTreeSet<String> {
        let out = self.run(&["reconcile", "--format", "json"]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "reconcile printed no JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let reports = reports.as_array().expect("one report per flow");
        assert!(reports.len() >= 4, "{stdout}");
        let mut drifted = BTreeSet::new();
        for report in reports {
            assert_eq!(report["drift_omitted"], 0, "{report}");
            for drift in report["drift"].as_array().unwrap() {
                drifted.insert(format!(
                    "{} {}",
                    report["flow"].as_str().unwrap(),
                    drift["record"].as_str().unwrap()
                ));
                eprintln!("drift: {} {drift}", report["flow"]);
            }
        }
        // Exit 2 on drift, 0 without.
        assert_eq!(out.status.success(), drifted.is_empty(), "{stdout}");
        drifted
    }

    /// The dead-lettered records (`flow record`) with a permanent error, and their reasons.
    async fn permanent_dead_letters(&self) -> BTreeMap<String, String> {
        let store = self.store().await;
        store
            .list_dead(&Default::default(), 10_000)
            .await
            .unwrap()
            .into_iter()
            // Dead-lettered before using up the attempts (max_attempts = 50): a permanent error.
            .filter(|d| d.history.len() < 50)
            .map(|d| {
                (
                    format!("{} {}", d.flow, d.record_id),
                    format!("{}: {}", d.error_code, d.error_message),
                )
            })
            .collect()
    }

    /// The number of Brightpearl contacts per e-mail address.
    /// How many Salesforce Contacts carry each email (case-folded).
    async fn sf_emails(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for row in self
            .soql("SELECT Email FROM Contact WHERE Email != null")
            .await
        {
            if let Some(email) = row["Email"].as_str() {
                *counts.entry(email.to_lowercase()).or_default() += 1;
            }
        }
        counts
    }

    async fn bp_emails(&self) -> BTreeMap<String, usize> {
        let origin = self
            .bp
            .banner
            .base_url
            .split("/public-api/")
            .next()
            .unwrap();
        let dump: Value = serde_json::from_str(
            &self
                .http
                .get(format!("{origin}/__sandbox/dump"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        let mut contacts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        collect_contacts(&dump, &mut contacts);
        assert!(!contacts.is_empty(), "no contacts in the Brightpearl dump");
        let mut emails: BTreeMap<String, usize> = BTreeMap::new();
        for addresses in contacts.values() {
            let mut mine: Vec<String> = addresses.iter().map(|e| e.to_lowercase()).collect();
            mine.sort();
            mine.dedup();
            for email in mine {
                *emails.entry(email).or_default() += 1;
            }
        }
        emails
    }
}

/// Every object with a `contactId`, with the e-mail addresses found in it.
fn collect_contacts(value: &Value, out: &mut BTreeMap<String, Vec<String>>) {
    match value {
        Value::Object(map) => {
            if let Some(id) = map.get("contactId") {
                let mut emails = Vec::new();
                collect_emails(value, &mut emails);
                out.entry(id.to_string()).or_default().extend(emails);
                return;
            }
            map.values().for_each(|v| collect_contacts(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_contacts(v, out)),
        _ => {}
    }
}

fn collect_emails(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(s) if key.to_lowercase().contains("email") && s.contains('@') => {
                        out.push(s.clone());
                    }
                    _ => collect_emails(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_emails(v, out)),
        _ => {}
    }
}

/// Changes on both sides, one every ~25 ms: Brightpearl scenarios (stock, prices, customers)
/// and Salesforce Contact edits. Returns how many were made.
async fn produce(pair: &Pair, contacts: &[String], round: usize, count: usize) -> usize {
    const SCENARIOS: &[&str] = &[
        "stock-received",
        "stock-moved",
        "product-repriced",
        "customer-updated",
    ];
    for i in 0..count {
        let n = round * 1000 + i;
        pair.bp_scenario(SCENARIOS[n % SCENARIOS.len()]).await;
        if !contacts.is_empty() {
            let id = &contacts[n % contacts.len()];
            let response = pair
                .http
                .patch(pair.sf_url(&format!("sobjects/Contact/{id}")))
                .bearer_auth(&pair.sf.banner.access_token)
                .header("content-type", "application/json")
                .body(json!({"Title": format!("Buyer {n}")}).to_string())
                .send()
                .await
                .unwrap();
            // A 503 from an injected fault is the point of the fault test; try once more.
            if response.status().as_u16() == 503 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    count
}

fn sigkill(child: &mut Child) {
    // Child::kill sends SIGKILL on Unix: no signal handler, no graceful stop.
    child.kill().unwrap();
    child.wait().unwrap();
}

fn sigterm(child: &mut Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "ferry serve did not stop within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn crash_and_converge(faults: bool, crash: bool) {
    let pair = Pair::start().await;
    pair.run_ok(&["sync", "initial"]).await;
    // The initial load leaves what it could not write in the queue; a serve run drains it.
    let mut first = pair.serve().await;
    pair.wait_for_empty_queue(Duration::from_secs(120)).await;
    sigterm(&mut first);
    // The baseline: records the default flows refuse for good (each dead-lettered with its
    // reason) are drift before any crash.
    // Only records a rule refuses for good (each dead-lettered with its reason) may differ.
    let baseline = pair.drift().await;
    let dead = pair.permanent_dead_letters().await;
    for record in &baseline {
        assert!(
            dead.contains_key(record),
            "drift after the initial load that no permanent dead letter explains: {record}"
        );
    }
    let hooks = pair.run_ok(&["bp", "webhooks", "sync"]).await;
    assert!(
        hooks.contains(&format!("http://{}/hooks/brightpearl/…", pair.listen)),
        "{hooks}"
    );
    let emails_before = pair.bp_emails().await;
    let sf_emails_before = pair.sf_emails().await;
    let contacts: Vec<String> = pair
        .soql(
            "SELECT Id FROM Contact WHERE ExternalID__c != null AND AccountId != null \
             ORDER BY Id LIMIT 10",
        )
        .await
        .iter()
        .filter_map(|r| r["Id"].as_str().map(str::to_owned))
        .collect();
    assert!(!contacts.is_empty(), "the initial load linked no Contact");

    let mut serve = pair.serve().await;
    if faults {
        pair.sf_faults("faults", json!({"error_rate": 0.05})).await;
    }
    produce(&pair, &contacts, 0, 20).await;
    if faults {
        pair.sf_faults("outage", json!({"seconds": 2})).await;
    }
    // Kill while the last changes are still being journaled and written.
    produce(&pair, &contacts, 1, 4).await;
    let store = pair.store().await;
    let in_hand: i64 = store
        .stats(None)
        .await
        .unwrap()
        .iter()
        .map(|s| s.pending + s.in_flight + s.retrying)
        .sum();
    if crash {
        sigkill(&mut serve);
    }
    // Changes keep coming while Ferry is down: webhooks are retried by Brightpearl, change
    // events wait in the Pub/Sub stream, contact edits are found by the poller.
    produce(&pair, &contacts, 2, 8).await;
    if crash {
        serve = pair.serve().await;
    }
    produce(&pair, &contacts, 3, 8).await;
    if faults {
        pair.sf_faults("faults", json!({})).await;
    }
    // Let the polls after the last change and the redelivered webhooks land, then drain.
    tokio::time::sleep(Duration::from_secs(8)).await;
    pair.wait_for_empty_queue(Duration::from_secs(180)).await;
    sigterm(&mut serve);

    // Nothing lost: the drift after the crash is exactly the baseline's (the records refused
    // for good before any change was made), in every flow.
    let after = pair.drift().await;
    let new: Vec<&String> = after.difference(&baseline).collect();
    let dead = pair.permanent_dead_letters().await;
    let reasons: Vec<(&String, Option<&String>)> = new
        .iter()
        .map(|record| (*record, dead.get(*record)))
        .collect();
    assert!(
        new.is_empty(),
        "drift after the crash ({in_hand} items in the queue at the kill), with dead-letter \
         reasons: {reasons:#?}"
    );

    // No duplicates in Salesforce: every product code once, and no email on more Contacts
    // than before the crash (ExternalID__c is unique by schema, so the key itself cannot
    // repeat; a duplicate would be a second record under another key).
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for row in pair
        .soql("SELECT ProductCode FROM Product2 WHERE ProductCode != null")
        .await
    {
        *codes
            .entry(row["ProductCode"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let doubled: Vec<_> = codes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "duplicate Product2 codes: {doubled:?}");
    let sf_emails_after = pair.sf_emails().await;
    for (email, count) in &sf_emails_after {
        let before = sf_emails_before.get(email).copied().unwrap_or(0);
        assert!(
            *count <= before.max(1),
            "{email} is on {count} Salesforce Contacts (was {before})"
        );
    }
    let emails_after = pair.bp_emails().await;
    for (email, count) in &emails_after {
        let before = emails_before.get(email).copied().unwrap_or(0);
        assert!(
            *count <= before.max(1),
            "{email} belongs to {count} Brightpearl contacts (before: {before})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sigkilled_engine_resumes_with_nothing_lost_or_duplicated() {
    crash_and_converge(false, true).await;
}

/// The control: the same live changes without a crash, so that a failure of the crash test
/// can be told apart from a live-sync one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_changes_on_both_sides_converge() {
    crash_and_converge(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_salesforce_faults_and_a_crash_everything_still_converges() {
    crash_and_converge(true, true).await;
}
