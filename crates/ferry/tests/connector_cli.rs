//! The connector tools as a person runs them: the real `ferry` binary with a ferry.toml
//! pointing at Brightpearl and Salesforce sandboxes started in this process, over real
//! sockets. Secrets reach the child as `env:` references.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_http::reqwest;
use ferry_sandbox::brightpearl::api as bp;
use ferry_sandbox::salesforce as sf;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

/// A 32-byte master key (base64) for the vault of every test deployment.
const MASTER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// A temporary deployment: a directory with ferry.toml and the environment its secrets need.
struct Deployment {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Deployment {
    fn new(sections: &str, env: Vec<(String, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let toml =
            format!("tenant = \"default\"\n\n[store]\nurl = \"sqlite://ferry.db\"\n\n{sections}");
        std::fs::write(dir.path().join("ferry.toml"), toml).unwrap();
        Self { dir, env }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("ferry.toml")
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = common::ferry(self.path());
        command.env("FERRY_MASTER_KEY", MASTER_KEY);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command.args(args);
        command
    }

    /// Runs `ferry ARGS` to completion off the async runtime (the sandboxes live on it).
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || common::output(&mut command))
            .await
            .unwrap()
    }
}

/// An HTTP client (rustls with ring, no redirects followed).
fn http() -> reqwest::Client {
    ferry_http::client_builder(None)
        .unwrap()
        .no_proxy()
        .build()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "ferry failed: {}\nstdout: {}",
        stderr(output),
        stdout(output)
    );
    stdout(output)
}

/// Asserts a failure reported as exactly one `error:` line, and returns it.
#[track_caller]
fn assert_one_error_line(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "expected a failure: {}",
        stdout(output)
    );
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one error line expected, got: {text}");
    assert!(lines[0].starts_with("error: "), "{text}");
    lines[0].to_owned()
}

// ---------------------------------------------------------------------------------------------
// Salesforce

struct Org {
    sandbox: sf::Sandbox,
}

async fn start_org(data: sf::api::DataSet) -> Org {
    let sandbox = sf::Sandbox::start(sf::api::Options {
        data,
        ..sf::api::Options::default()
    })
    .await
    .expect("salesforce sandbox starts");
    Org { sandbox }
}

impl Org {
    /// A `[salesforce]` section with client credentials from the banner.
    fn section(&self, extra: &str) -> String {
        let banner = &self.sandbox.banner;
        format!(
            "[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \
             \"env:TEST_SF_CLIENT_SECRET\"\n{extra}\n",
            banner.login_url, banner.client_id
        )
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![(
            "TEST_SF_CLIENT_SECRET".into(),
            self.sandbox.banner.client_secret.clone(),
        )]
    }

    /// Creates `count` accounts through sObject Collections.
    async fn create_accounts(&self, count: usize) {
        let banner = &self.sandbox.banner;
        let http = http();
        for chunk in (0..count).collect::<Vec<_>>().chunks(200) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|n| {
                    json!({
                        "attributes": {"type": "Account"},
                        "Name": format!("Bulk, \"Quoted\" {n:05}"),
                        "ExternalID__c": format!("bp-{n}"),
                    })
                })
                .collect();
            let answer = http
                .post(format!(
                    "{}/services/data/v62.0/composite/sobjects",
                    banner.instance_url
                ))
                .bearer_auth(&banner.access_token)
                .header("content-type", "application/json")
                .body(json!({"allOrNone": true, "records": records}).to_string())
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success(), "{:?}", answer.text().await);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sf_query_streams_every_page_as_table_json_and_csv() {
    let org = start_org(sf::api::DataSet::Empty).await;
    org.create_accounts(2150).await;
    let deployment = Deployment::new(&org.section(""), org.env());
    let soql = "SELECT Id, Name, ExternalID__c FROM Account WHERE Name LIKE 'Bulk%' ORDER BY Name";

    let csv = assert_ok(
        &deployment
            .run(&["sf", "query", soql, "--format", "csv"])
            .await,
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["Id", "Name", "ExternalID__c"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2150, "every page is read");
    assert_eq!(&rows[0][1], "Bulk, \"Quoted\" 00000");
    assert_eq!(&rows[2149][1], "Bulk, \"Quoted\" 02149");

    let json = assert_ok(
        &deployment
            .run(&["sf", "query", soql, "--format", "json"])
            .await,
    );
    let records: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2150);
    assert_eq!(records[5]["ExternalID__c"], "bp-5");
    assert!(records[5].get("attributes").is_none());

    let table = assert_ok(&deployment.run(&["sf", "query", soql]).await);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("Id "), "{}", lines[0]);
    assert!(lines[2].contains("Bulk, \"Quoted\" 00000"));
    assert!(
        table.contains("of 2150 rows shown"),
        "the table says it stopped: {}",
        lines.last().unwrap()
    );

    let limited = assert_ok(
        &deployment
            .run(&["sf", "query", soql, "--format", "csv", "--limit-rows", "3"])
            .await,
    );
    assert_eq!(limited.lines().count(), 4, "{limited}");

    let all = assert_ok(
        &deployment
            .run(&[
                "sf",
                "query",
                "SELECT Id FROM Account LIMIT 2",
                "--all",
                "--format",
                "json",
            ])
            .await,
    );
    assert_eq!(all.lines().count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sf_query_errors_describe_and_limits() {
    let org = start_org(sf::api::DataSet::Demo).await;
    let deployment = Deployment::new(&org.section(""), org.env());

    let failed = deployment
        .run(&[
            "sf",
            "query",
            "SELECT Id FROM Account WHERE Name = 'O'Brien'",
        ])
        .await;
    let line = assert_one_error_line(&failed);
    assert!(line.contains("MALFORMED_QUERY"), "{line}");

    let describe = assert_ok(&deployment.run(&["sf", "describe", "Account"]).await);
    let external = describe
        .lines()
        .find(|l| l.starts_with("ExternalID__c "))
        .unwrap_or_else(|| panic!("no ExternalID__c row: {describe}"));
    let columns: Vec<&str> = describe
        .lines()
        .next()
        .unwrap()
        .split("  ")
        .filter(|c| !c.is_empty())
        .collect();
    assert!(columns.contains(&"external id"), "{columns:?}");
    assert!(external.contains(" yes "), "{external}");
    let json: Value = serde_json::from_str(&assert_ok(
        &deployment
            .run(&["sf", "describe", "Account", "--format", "json"])
            .await,
    ))
    .unwrap();
    assert_eq!(json["name"], "Account");

    let bad = deployment.run(&["sf", "describe", "Account; DROP"]).await;
    let line = assert_one_error_line(&bad);
    assert!(line.contains("not a Salesforce API name"), "{line}");

    let limits = assert_ok(&deployment.run(&["sf", "limits"]).await);
    assert!(
        limits.lines().any(|l| l.starts_with("DailyApiRequests ")),
        "{limits}"
    );
    assert!(limits.contains("Ferry's budget"), "{limits}");
    assert!(limits.contains("DailyApiRequests (80%)"), "{limits}");
    let json: Value = serde_json::from_str(&assert_ok(
        &deployment.run(&["sf", "limits", "--format", "json"]).await,
    ))
    .unwrap();
    assert_eq!(json["org"]["DailyApiRequests"]["Max"], 100_000);
    assert_eq!(json["ferry"]["daily"]["ceiling"], 80_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_section_is_one_clear_error() {
    let deployment = Deployment::new("", Vec::new());
    let line = assert_one_error_line(&deployment.run(&["sf", "limits"]).await);
    assert!(line.contains("[salesforce]"), "{line}");
    let line = assert_one_error_line(
        &deployment
            .run(&["bp", "get", "/product-service/product/1"])
            .await,
    );
    assert!(line.contains("[brightpearl]"), "{line}");
}

// ---------------------------------------------------------------------------------------------
// Brightpearl

struct Account {
    sandbox: bp::Sandbox,
}

async fn start_account() -> Account {
    let sandbox = bp::Sandbox::start(bp::Options {
        data: bp::DataSet::Demo,
        requests_per_minute: 0,
        ..bp::Options::default()
    })
    .await
    .expect("brightpearl sandbox starts");
    Account { sandbox }
}

impl Account {
    fn section(&self, extra: &str) -> String {
        let banner = &self.sandbox.banner;
        let origin = banner.base_url.split("/public-api/").next().unwrap();
        format!(
            "[brightpearl]\naccount = \"{}\"\nbase_url = \"{origin}\"\napp_ref = \"{}\"\n\
             account_token = \"env:TEST_BP_ACCOUNT_TOKEN\"\n{extra}\n",
            banner.account, banner.app_ref
        )
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![(
            "TEST_BP_ACCOUNT_TOKEN".into(),
            self.sandbox.banner.account_token.clone(),
        )]
    }

    /// GETs a path with the account token, returning the whole body.
    async fn get(&self, path: &str) -> Value {
        let banner = &self.sandbox.banner;
        http()
            .get(format!("{}{path}", banner.base_url))
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-account-token", &banner.account_token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).unwrap())
            .unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let banner = &self.sandbox.banner;
        http()
            .post(format!("{}{path}", banner.base_url))
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-account-token", &banner.account_token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).unwrap())
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bp_get_prints_the_response() {
    let account = start_account().await;
    let deployment = Deployment::new(&account.section(""), account.env());
    let out = assert_ok(
        &deployment
            .run(&["bp", "get", "/product-service/product/1001"])
            .await,
    );
    let response: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(response[0]["id"], 1001, "{out}");
    let want = account.get("/product-service/product/1001").await;
    assert_eq!(response, want["response"]);

    let table = assert_ok(
        &deployment
            .run(&[
                "brightpearl",
                "get",
                "product-service/product/1001-1003",
                "--format",
                "table",
            ])
            .await,
    );
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("id "), "{table}");
    assert_eq!(lines.last().copied(), Some("(3 rows)"), "{table}");

    let missing = deployment
        .run(&["bp", "get", "/contact-service/contact/999999"])
        .await;
    let line = assert_one_error_line(&missing);
    assert!(line.contains("/contact-service/contact/999999"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bp_search_walks_every_page_and_refuses_bad_filters() {
    let account = start_account().await;
    let deployment = Deployment::new(&account.section(""), account.env());
    // The status with the most orders, so that the search spans several pages.
    let statuses = account
        .get("/order-service/order-search?columns=orderStatusId")
        .await;
    let mut counts = std::collections::BTreeMap::<u64, u64>::new();
    for row in statuses["response"]["results"].as_array().unwrap() {
        *counts.entry(row[0].as_u64().unwrap()).or_default() += 1;
    }
    let (status, _) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    let filter = format!("orderStatusId={status}");
    let want = account
        .get(&format!("/order-service/order-search?{filter}"))
        .await["response"]["metaData"]["resultsAvailable"]
        .as_u64()
        .unwrap();
    assert!(want > 40, "the demo account has orders in status {status}");

    let csv = assert_ok(
        &deployment
            .run(&[
                "bp",
                "search",
                "orders",
                "--filter",
                &filter,
                "--page-size",
                "20",
                "--format",
                "csv",
            ])
            .await,
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "orderId");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, want, "rows == resultsAvailable");

    let json = assert_ok(
        &deployment
            .run(&[
                "bp",
                "search",
                "order-service/order-search",
                "--filter",
                &filter,
                "--columns",
                "orderId,orderStatusId",
                "--sort",
                "orderId.DESC",
                "--limit-rows",
                "5",
                "--format",
                "json",
            ])
            .await,
    );
    let rows: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].as_object().unwrap().len(), 2);
    assert!(rows[0]["orderId"].as_u64() > rows[1]["orderId"].as_u64());

    let bad = deployment
        .run(&["bp", "search", "orders", "--filter", "orderStatusId=BAD"])
        .await;
    let line = assert_one_error_line(&bad);
    assert!(line.contains("CMNC-018"), "{line}");
    assert!(line.contains("orderStatusId"), "{line}");

    let malformed = deployment
        .run(&["bp", "search", "orders", "--filter", "orderStatusId"])
        .await;
    let line = assert_one_error_line(&malformed);
    assert!(line.contains("COLUMN=VALUE"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_sync_converges_and_leaves_foreign_subscriptions() {
    let account = start_account().await;
    let intake = "https://ferry.example.com/webhooks/brightpearl";
    let deployment = Deployment::new(
        &account.section(&format!("intake_url = \"{intake}\"")),
        account.env(),
    );
    // Another app's subscription, which Ferry must leave alone.
    account
        .post(
            "/integration-service/webhook",
            json!({"subscribeTo": "product.modified", "httpMethod": "POST",
                   "uriTemplate": "https://other.example.com/hook", "bodyTemplate": "{}",
                   "contentType": "application/json", "idSetAccepted": true, "qualityOfService": 1}),
        )
        .await;
    let before = account.get("/integration-service/webhook").await["response"]
        .as_array()
        .map_or(0, Vec::len);

    let plan = assert_ok(
        &deployment
            .run(&["brightpearl", "webhooks", "sync", "--dry-run"])
            .await,
    );
    assert!(plan.contains("dry run"), "{plan}");
    let after_plan = account.get("/integration-service/webhook").await["response"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after_plan, "a dry run changes nothing");

    let first = assert_ok(&deployment.run(&["bp", "webhooks", "sync"]).await);
    let hooks = account.get("/integration-service/webhook").await["response"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ours: Vec<&Value> = hooks
        .iter()
        .filter(|h| {
            h["uriTemplate"]
                .as_str()
                .is_some_and(|u| u.starts_with(intake))
        })
        .collect();
    // The enabled default flows read Brightpearl contacts and payments (polled: no events),
    // products and availability (one `product` subscription delivers both product and on-hand
    // events), orders and credits (`order`, `sales-order`) and goods-out notes.
    let events: Vec<&str> = ours
        .iter()
        .filter_map(|h| h["subscribeTo"].as_str())
        .collect();
    let mut events = events;
    events.sort_unstable();
    assert_eq!(
        events,
        ["goods-out-note", "order", "product", "sales-order"],
        "{first}"
    );
    assert!(
        first.contains("flow customers_to_salesforce: Brightpearl raises no events"),
        "{first}"
    );
    assert!(
        first.contains("flow inventory_to_salesforce: product.modified.on-hand-modified"),
        "{first}"
    );
    assert!(
        hooks
            .iter()
            .any(|h| h["uriTemplate"] == "https://other.example.com/hook"),
        "the foreign subscription stays"
    );
    assert!(first.contains("foreign  #"), "{first}");

    let second = assert_ok(&deployment.run(&["bp", "webhooks", "sync"]).await);
    assert!(second.contains("created 0"), "{second}");
    assert!(second.contains("deleted 0"), "{second}");
    let again = account.get("/integration-service/webhook").await["response"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(again, hooks.len(), "the second run changes nothing");

    // Narrowing to one flow deletes Ferry's other subscriptions and keeps the foreign one.
    let narrowed = assert_ok(
        &deployment
            .run(&[
                "bp",
                "webhooks",
                "sync",
                "--flow",
                "inventory_to_salesforce",
            ])
            .await,
    );
    let hooks = account.get("/integration-service/webhook").await["response"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ours: Vec<&Value> = hooks
        .iter()
        .filter(|h| {
            h["uriTemplate"]
                .as_str()
                .is_some_and(|u| u.starts_with(intake))
        })
        .collect();
    assert_eq!(ours.len(), 1, "{narrowed}");
    assert_eq!(
        ours[0]["subscribeTo"], "product.modified.on-hand-modified",
        "{narrowed}"
    );
    assert!(
        hooks
            .iter()
            .any(|h| h["uriTemplate"] == "https://other.example.com/hook")
    );

    let no_url = Deployment::new(&account.section(""), account.env());
    let line = assert_one_error_line(&no_url.run(&["bp", "webhooks", "sync"]).await);
    assert!(line.contains("server.intake_token"), "{line}");
    assert!(line.contains("intake_url"), "{line}");

    let unknown = assert_one_error_line(
        &deployment
            .run(&["bp", "webhooks", "sync", "--flow", "inventory"])
            .await,
    );
    assert!(unknown.contains("inventory_to_salesforce"), "{unknown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_sync_registers_ferrys_own_intake_route_with_the_token() {
    let account = start_account().await;
    let token = "0123456789abcdef0123456789abcdef";
    let server = |public_url: &str| {
        format!(
            "{}\n[server]\nlisten = \"127.0.0.1:18099\"\nintake_token = \"env:TEST_INTAKE_TOKEN\"\n{public_url}",
            account.section("")
        )
    };
    let env = |token: &str| {
        let mut env = account.env();
        env.push(("TEST_INTAKE_TOKEN".into(), token.into()));
        env
    };
    let hooks = || async {
        account.get("/integration-service/webhook").await["response"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };

    // Without server.public_url: the listen address.
    let local = Deployment::new(&server(""), env(token));
    let out = assert_ok(&local.run(&["bp", "webhooks", "sync"]).await);
    assert!(!out.contains(token), "the token is never printed: {out}");
    assert!(
        out.contains("http://127.0.0.1:18099/hooks/brightpearl/…"),
        "{out}"
    );
    let uris: Vec<String> = hooks()
        .await
        .iter()
        .filter_map(|h| h["uriTemplate"].as_str().map(str::to_owned))
        .collect();
    // One subscription per event the enabled flows need, all to the one intake route.
    assert_eq!(uris.len(), 4, "{out}");
    assert!(
        uris.iter()
            .all(|u| *u == format!("http://127.0.0.1:18099/hooks/brightpearl/{token}")),
        "{uris:?} {out}"
    );

    // With server.public_url; a new token replaces the subscriptions with the old one.
    let public = Deployment::new(
        &server("public_url = \"https://ferry.example.com/\"\n"),
        env("new-token_1"),
    );
    let out = assert_ok(&public.run(&["bp", "webhooks", "sync"]).await);
    let uris: Vec<String> = hooks()
        .await
        .iter()
        .filter_map(|h| h["uriTemplate"].as_str().map(str::to_owned))
        .collect();
    assert!(
        uris.contains(&"https://ferry.example.com/hooks/brightpearl/new-token_1".to_owned()),
        "{uris:?} {out}"
    );
    let again = assert_ok(&public.run(&["bp", "webhooks", "sync"]).await);
    assert!(again.contains("created 0, deleted 0"), "{again}");
    // Each deployment's subscriptions are foreign to the other's address.
    let local_again = assert_ok(&local.run(&["bp", "webhooks", "sync"]).await);
    assert!(
        local_again.contains("created 0, deleted 0, kept 4; foreign 4"),
        "{local_again}"
    );
    // A rotated token: the subscription with the old one is Ferry's and is replaced.
    let rotated = Deployment::new(
        &server("public_url = \"https://ferry.example.com\"\n"),
        env("rotated"),
    );
    let out = assert_ok(&rotated.run(&["bp", "webhooks", "sync"]).await);
    assert!(out.contains("created 4, deleted 4"), "{out}");
    let uris: Vec<String> = hooks()
        .await
        .iter()
        .filter_map(|h| h["uriTemplate"].as_str().map(str::to_owned))
        .collect();
    assert!(
        uris.contains(&"https://ferry.example.com/hooks/brightpearl/rotated".to_owned())
            && !uris.iter().any(|u| u.ends_with("new-token_1")),
        "{uris:?} {out}"
    );

    // A token that cannot be a path segment is refused without being printed.
    let bad = Deployment::new(&server(""), env("a/b c"));
    let line = assert_one_error_line(&bad.run(&["bp", "webhooks", "sync"]).await);
    assert!(line.contains("server.intake_token must be"), "{line}");
    assert!(!line.contains("a/b c"), "{line}");
}

// ---------------------------------------------------------------------------------------------
// ferry connect salesforce

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_salesforce_stores_a_refresh_token_that_later_commands_use() {
    let org = start_org(sf::api::DataSet::Demo).await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let deployment = Deployment::new(&org.section(""), org.env());
    let mut child = deployment
        .command(&[
            "connect",
            "salesforce",
            "--no-browser",
            "--port",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no authorize URL printed: {printed:?}"));
        printed.push(line.clone());
        if let Some(at) = line.find("http") {
            let url = line[at..].trim().to_owned();
            if url.contains("/services/oauth2/authorize") {
                break url;
            }
        }
    };
    assert!(url.contains("code_challenge="), "{url}");
    assert!(url.contains(&format!("127.0.0.1%3A{port}")), "{url}");

    // Ferry's HTTP client follows no redirects, like a browser whose steps we take by hand.
    let browser = http();
    let answer = browser.get(&url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let callback = browser.get(&location).send().await.unwrap();
    assert_eq!(callback.status().as_u16(), 200);

    let status = tokio::task::spawn_blocking(move || {
        let status = common::wait_with_limit(&mut child, Duration::from_secs(30));
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
        (status, err)
    })
    .await
    .unwrap();
    let mut rest = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
        rest.push(line);
    }
    assert!(status.0.success(), "connect failed: {}", status.1);
    let text = rest.join("\n");
    assert!(text.contains("auth = \"refresh-token\""), "{text}");
    assert!(
        text.contains("refresh_token = \"vault:salesforce.refresh_token\""),
        "{text}"
    );

    // The stored refresh token works for later commands.
    let banner = &org.sandbox.banner;
    let refresh = Deployment {
        dir: deployment.dir,
        env: Vec::new(),
    };
    std::fs::write(
        refresh.config(),
        format!(
            "tenant = \"default\"\n\n[store]\nurl = \"sqlite://ferry.db\"\n\n[salesforce]\n\
             login_url = \"{}\"\nclient_id = \"{}\"\nauth = \"refresh-token\"\n\
             refresh_token = \"vault:salesforce.refresh_token\"\n",
            banner.login_url, banner.client_id
        ),
    )
    .unwrap();
    let limits = assert_ok(&refresh.run(&["sf", "limits"]).await);
    assert!(limits.contains("DailyApiRequests"), "{limits}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_salesforce_refuses_a_forged_return_and_stores_nothing() {
    let org = start_org(sf::api::DataSet::Empty).await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let deployment = Deployment::new(&org.section(""), org.env());
    let mut child = deployment
        .command(&[
            "connect",
            "salesforce",
            "--no-browser",
            "--port",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Wait until the listener is up (the URL is printed after it binds).
    while !rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the authorize URL is printed")
        .contains("/services/oauth2/authorize")
    {}
    let answer = http()
        .get(format!(
            "http://127.0.0.1:{port}/callback?code=stolen&state=forged"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let (status, err) = tokio::task::spawn_blocking(move || {
        let status = common::wait_with_limit(&mut child, Duration::from_secs(30));
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
        (status, err)
    })
    .await
    .unwrap();
    assert!(!status.success());
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains("state"), "{err}");
    let listed = assert_ok(&deployment.run(&["vault", "list"]).await);
    assert!(
        !listed.contains("salesforce.refresh_token"),
        "nothing stored: {listed}"
    );
}
