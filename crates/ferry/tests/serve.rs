//! `ferry serve` as an operator runs it: the real binary against Brightpearl and Salesforce
//! sandboxes started in this process (Salesforce with its Pub/Sub API, so change data capture
//! runs), a webhook POSTed to the intake, the journal seen growing through /status, and a
//! graceful stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::systems::Sandboxes;
use serde_json::{Value, json};
use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

const HOOK_TOKEN: &str = "serve-smoke-test-token-0123456789";

/// An admin-API token and its SHA-256, as `ferry api-token new` would print them.
const API_TOKEN: &str = "fy_serve-test-token";
const API_TOKEN_SHA256: &str = "c42bb579a68186481811a62d1088e9656a9152702b28d2dd4a7bb7d8ae15a5cd";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_journals_a_webhook_and_stops_on_sigterm() {
    let sandboxes = Sandboxes::start(true).await;
    assert!(
        sandboxes.org.banner.grpc_url.is_some(),
        "the sandbox serves gRPC"
    );
    let bpb = &sandboxes.account.banner;
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[store]\nurl = \"sqlite://ferry.db\"\n\n[server]\nintake_token = \"env:TEST_HOOK_TOKEN\"\n\n\
         [[server.api_tokens]]\nname = \"ana\"\nrole = \"viewer\"\nsha256 = \"{API_TOKEN_SHA256}\"\n\n{}",
        sandboxes.sections()
    );
    std::fs::write(dir.path().join("ferry.toml"), toml).unwrap();

    let mut child = sandboxes
        .command(dir.path())
        .env("TEST_HOOK_TOKEN", HOOK_TOKEN)
        .args(["serve", "--listen", "127.0.0.1:0", "--workers", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ferry serve");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line
    })
    .await
    .unwrap();
    if line.is_empty() {
        let output = child.wait_with_output().unwrap();
        panic!(
            "ferry serve printed nothing: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        line.starts_with("ferry serve: listening on http://"),
        "{line}"
    );
    let base = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_owned();

    let http = ferry_http::client_builder(None).unwrap().build().unwrap();
    let status = |http: ferry_http::reqwest::Client, base: String| async move {
        let response = http.get(format!("{base}/status")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        serde_json::from_str::<Value>(&response.text().await.unwrap()).unwrap()
    };
    // The admin API takes the configured token (its hash is in ferry.toml), and no other.
    let api = |token: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.get(format!("{base}/api/flows"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let flows = api(API_TOKEN).await;
    assert_eq!(flows.status().as_u16(), 200);
    let flows: Value = serde_json::from_str(&flows.text().await.unwrap()).unwrap();
    assert!(
        flows["flows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "orders_to_salesforce"),
        "{flows}"
    );
    assert_eq!(api("fy_not-the-token").await.status().as_u16(), 401);

    let before = status(http.clone(), base.clone()).await;
    assert_eq!(before["intake"]["enabled"], true, "{before}");
    assert_eq!(before["intake"]["notices"], 0, "{before}");
    let flow_names: Vec<&str> = before["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(flow_names.contains(&"products_to_salesforce"), "{before}");
    assert!(
        before["sources"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("cdc:/data/")),
        "CDC runs for the Salesforce-sourced flows: {before}"
    );

    let hook = json!({
        "accountCode": bpb.account, "resourceType": "product", "id": "1001-1002",
        "lifecycleEvent": "modified", "fullEvent": "product.modified.on-hand-modified",
        "raisedOn": "2026-03-01T10:00:00.000Z", "brightpearlVersion": "7",
    });
    let wrong = http
        .post(format!("{base}/hooks/brightpearl/not-the-token"))
        .header("content-type", "application/json")
        .body(hook.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 404);
    let response = http
        .post(format!("{base}/hooks/brightpearl/{HOOK_TOKEN}"))
        .header("content-type", "application/json")
        .body(hook.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(answer["journaled"].as_u64().unwrap() >= 2, "{answer}");

    let after = status(http.clone(), base.clone()).await;
    assert!(after["intake"]["notices"].as_u64().unwrap() >= 2, "{after}");
    let flow = |name: &str| {
        after["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap()
    };
    // A stock move is the inventory flow's; the products flow excludes it.
    assert_eq!(
        flow("inventory_to_salesforce")["intake_notices"],
        2,
        "{after}"
    );
    assert_eq!(
        flow("products_to_salesforce")["intake_notices"],
        0,
        "{after}"
    );
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("ferry_intake_notices_total"), "{metrics}");

    // The journal itself grew: one notice per id for the availability object, durable.
    let store = ferry_store::open(
        &format!("sqlite://{}", dir.path().join("ferry.db").display()),
        &ferry_store::OpenOptions::default(),
    )
    .await
    .unwrap();
    let summary = store
        .journal_summary(
            &ferry_core::TenantId::default_tenant(),
            ferry_core::System::Brightpearl,
            "product-availability",
        )
        .await
        .unwrap();
    assert_eq!(summary.len(), 2, "{summary:?}");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "ferry serve did not stop within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "{exit:?}: {stderr}");
}
