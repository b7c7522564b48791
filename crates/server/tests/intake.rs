//! The webhook intake over a real socket with a SQLite store: a good body journals one notice
//! per id per routed object (and enqueues one item per flow), a wrong token is a bare 404, an
//! oversized body 413, bad JSON a 400 naming the problem, a closed store 503, and hostile
//! bodies never bring the server down.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_core::{FlowName, System, TenantId};
use ferry_engine::flows::runtime::Route;
use ferry_http::reqwest;
use ferry_server::{ServerState, install_metrics, serve};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{Journal, Queue, SqliteStore, Store};
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;

const TOKEN: &str = "0123456789abcdef-intake-token";

fn route(flow: &str, object: &str, events: &[&str]) -> Route {
    Route {
        flow: FlowName::new(flow).unwrap(),
        system: System::Brightpearl,
        object: object.into(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        poll_seconds: 0,
    }
}

fn routes() -> Vec<Route> {
    vec![
        route("products_to_salesforce", "product", &[]),
        route(
            "inventory_to_salesforce",
            "product-availability",
            &["product.modified.on-hand-modified"],
        ),
        route("customers_to_salesforce", "contact", &[]),
        Route {
            system: System::Salesforce,
            ..route("customers_to_brightpearl", "Contact", &[])
        },
    ]
}

/// A running server and what it runs on.
struct Running {
    base: String,
    http: reqwest::Client,
    store: Arc<SqliteStore>,
    state: ServerState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Running {
    async fn start(max_body_bytes: usize) -> Running {
        let (store, dir) = fresh_sqlite_store().await;
        let dyn_store: Arc<dyn Store> = store.clone();
        let mut state = ServerState::new(
            dyn_store,
            TenantId::default_tenant(),
            routes(),
            SecretString::from(TOKEN.to_owned()),
        );
        state.max_body_bytes = max_body_bytes;
        state.account = Some("shop".into());
        state.metrics = install_metrics();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let task = tokio::spawn(async move {
            serve(listener, served, async {
                let _ = stopped.await;
            })
            .await
            .expect("the server runs until stopped");
        });
        // No pooled connections: the proptest cases each run on a runtime of their own.
        let http = ferry_http::client_builder(None)
            .unwrap()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Running {
            base,
            http,
            store,
            state,
            stop: Some(stop),
            task,
            _dir: dir,
        }
    }

    fn hook(&self, token: &str) -> String {
        format!("{}/hooks/brightpearl/{token}", self.base)
    }

    async fn post(&self, token: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
        let response = self
            .http
            .post(self.hook(token))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// POSTs `body` with `Transfer-Encoding: chunked` over a raw socket, 512 bytes a chunk;
    /// returns the status and the body text.
    async fn post_chunked(&self, token: &str, body: &[u8]) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.base.trim_start_matches("http://");
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST /hooks/brightpearl/{token} HTTP/1.1\r\nHost: {address}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        for chunk in body.chunks(512) {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            // The server may answer and close before every chunk is sent.
            if socket.write_all(&framed).await.is_err() {
                break;
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, body)
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn journaled(&self, object: &str) -> Vec<(String, i64)> {
        let mut rows: Vec<(String, i64)> = self
            .store
            .journal_summary(&TenantId::default_tenant(), System::Brightpearl, object)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.record_id, r.notices))
            .collect();
        rows.sort_by_key(|(id, _)| id.parse::<u64>().unwrap_or(0));
        rows
    }

    async fn pending(&self, flow: &str) -> i64 {
        self.store
            .stats(None)
            .await
            .unwrap()
            .iter()
            .filter(|s| s.flow.as_str() == flow)
            .map(|s| s.pending)
            .sum()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap();
    }
}

fn body(resource: &str, ids: &str, lifecycle: &str, event: &str) -> String {
    json!({
        "accountCode": "shop",
        "resourceType": resource,
        "id": ids,
        "lifecycleEvent": lifecycle,
        "fullEvent": event,
        "raisedOn": "2026-03-01T10:00:00.000Z",
        "brightpearlVersion": "7.1",
    })
    .to_string()
}

fn error_of(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).unwrap_or_else(|_| panic!("JSON: {text}"));
    value["error"].clone()
}

#[tokio::test]
async fn a_good_body_journals_one_notice_per_id_and_routed_object() {
    let server = Running::start(1024 * 1024).await;
    let (status, text) = server
        .post(
            TOKEN,
            body(
                "product",
                "1001-1003,1007",
                "modified",
                "product.modified.on-hand-modified",
            ),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["journaled"], 8, "4 ids × 2 objects: {text}");
    let ids = |rows: Vec<(String, i64)>| rows;
    let expected: Vec<(String, i64)> = ["1001", "1002", "1003", "1007"]
        .iter()
        .map(|id| ((*id).to_owned(), 1))
        .collect();
    assert_eq!(ids(server.journaled("product").await), expected);
    assert_eq!(
        ids(server.journaled("product-availability").await),
        expected
    );
    assert_eq!(server.pending("products_to_salesforce").await, 4);
    assert_eq!(server.pending("inventory_to_salesforce").await, 4);
    assert_eq!(server.pending("customers_to_salesforce").await, 0);

    // A plain product change does not reach the inventory flow.
    let (status, text) = server
        .post(TOKEN, body("product", "2000", "created", "product.created"))
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(server.pending("products_to_salesforce").await, 5);
    assert_eq!(server.pending("inventory_to_salesforce").await, 4);

    // A resource no flow takes is acknowledged with nothing journaled, and counted.
    let (status, text) = server
        .post(TOKEN, body("order", "77", "modified", "order.modified"))
        .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["journaled"],
        0
    );
    assert!(server.journaled("order").await.is_empty());
    assert_eq!(server.state.intake_counts.requests("unrouted"), 1);

    // /status shows the queue and what the intake took in, per flow.
    let (status, text) = server.get("/status").await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&text).unwrap();
    let flow = |name: &str| {
        page["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {page}"))
    };
    assert_eq!(flow("products_to_salesforce")["queue"]["pending"], 5);
    assert_eq!(flow("products_to_salesforce")["intake_notices"], 5);
    assert_eq!(flow("inventory_to_salesforce")["intake_notices"], 4);
    assert_eq!(flow("inventory_to_salesforce")["dead_letters"], 0);
    assert_eq!(
        flow("customers_to_brightpearl")["source"]["system"],
        "salesforce"
    );
    assert_eq!(page["intake"]["requests"]["journaled"], 2);

    let (status, _) = server.get("/healthz").await;
    assert_eq!(status, 200);
    let (status, text) = server.get("/readyz").await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = server.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("ferry_intake_notices_total{flow=\"inventory_to_salesforce\"}"),
        "{text}"
    );
    assert!(
        text.contains("ferry_intake_requests_total{outcome=\"journaled\"}"),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_a_bare_404_whatever_the_request() {
    let server = Running::start(2048).await;
    let good = body("product", "1", "modified", "product.modified");
    for token in [
        "wrong",
        "0123456789abcdef-intake-toke",
        "0123456789abcdef-intake-tokenX",
    ] {
        let (status, text) = server.post(token, good.clone()).await;
        assert_eq!((status, text.as_str()), (404, ""), "{token}");
    }
    // Oversized or broken bodies with a wrong token reveal nothing either.
    let (status, text) = server.post("wrong", "x".repeat(10_000)).await;
    assert_eq!((status, text.as_str()), (404, ""));
    let response = server.http.get(server.hook("wrong")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    // The route itself answers exactly like a path that does not exist.
    let (status, text) = server.get("/hooks/elsewhere/x").await;
    assert_eq!((status, text.as_str()), (404, ""));
    assert!(server.journaled("product").await.is_empty());
    // With the right token, only POST is taken.
    let response = server.http.get(server.hook(TOKEN)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_413_declared_or_streamed() {
    let server = Running::start(2048).await;
    let padded = json!({
        "accountCode": "shop", "resourceType": "product", "id": "1",
        "lifecycleEvent": "modified", "fullEvent": "product.modified",
        "padding": "x".repeat(4096),
    })
    .to_string();
    let (status, text) = server.post(TOKEN, padded.clone()).await;
    assert_eq!(status, 413, "{text}");
    assert_eq!(error_of(&text)["code"], "BODY_TOO_LARGE");
    // Streamed (chunked, no Content-Length): cut off while reading.
    let (status, text) = server.post_chunked(TOKEN, padded.as_bytes()).await;
    assert_eq!(status, 413, "{text}");
    // An id set expanding past the cap.
    let (status, text) = server
        .post(
            TOKEN,
            body(
                "product",
                "1-18446744073709551615",
                "modified",
                "product.modified",
            ),
        )
        .await;
    assert_eq!(status, 413, "{text}");
    let error = error_of(&text);
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("TOO_MANY_IDS"), Some("id"))
    );
    assert!(server.journaled("product").await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_problem() {
    let server = Running::start(1024 * 1024).await;
    let cases = [
        ("{not json", "BAD_JSON", None),
        ("\"a string\"", "BAD_JSON", None),
        (
            r#"{"accountCode":"shop","resourceType":"product","lifecycleEvent":"modified","fullEvent":"product.modified"}"#,
            "MISSING_FIELD",
            Some("id"),
        ),
        (
            r#"{"accountCode":"shop","resourceType":"product","id":"1","lifecycleEvent":"modified"}"#,
            "MISSING_FIELD",
            Some("fullEvent"),
        ),
        (
            r#"{"accountCode":"shop","resourceType":"product","id":"1,x","lifecycleEvent":"modified","fullEvent":"product.modified"}"#,
            "BAD_ID_SET",
            Some("id"),
        ),
        (
            r#"{"accountCode":"shop","resourceType":["product"],"id":"1","lifecycleEvent":"modified","fullEvent":"product.modified"}"#,
            "BAD_FIELD",
            Some("resourceType"),
        ),
        (
            r#"{"accountCode":"other","resourceType":"product","id":"1","lifecycleEvent":"modified","fullEvent":"product.modified"}"#,
            "WRONG_ACCOUNT",
            Some("accountCode"),
        ),
    ];
    for (text, code, field) in cases {
        let (status, answer) = server.post(TOKEN, text.to_owned()).await;
        assert_eq!(status, 400, "{text} → {answer}");
        let error = error_of(&answer);
        assert_eq!(error["code"], code, "{text} → {answer}");
        assert_eq!(error["field"].as_str(), field, "{text} → {answer}");
        if let Some(field) = field {
            assert!(
                error["message"].as_str().unwrap().contains(field),
                "{answer}"
            );
        }
    }
    assert!(server.journaled("product").await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_closed_store_is_503_and_not_ready() {
    let server = Running::start(1024 * 1024).await;
    server.store.pool().close().await;
    let (status, text) = server
        .post(
            TOKEN,
            body("product", "1-3", "modified", "product.modified"),
        )
        .await;
    assert_eq!(status, 503, "{text}");
    assert_eq!(error_of(&text)["code"], "STORE_UNAVAILABLE");
    let (status, _) = server.get("/readyz").await;
    assert_eq!(status, 503);
    let (status, text) = server.get("/status").await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&text).unwrap();
    assert!(page["store_error"].is_string(), "{page}");
    assert_eq!(server.state.intake_counts.requests("unavailable"), 1);
    server.stop().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Hostile bodies (random bytes, JSON with hostile field values) get an answer from the
    /// set the intake promises, never a dropped connection or a 5xx, and the server keeps
    /// answering afterwards.
    #[test]
    fn hostile_bodies_never_break_the_intake(
        raw in proptest::collection::vec(any::<u8>(), 0..600),
        id in "[0-9,\\- ]{0,40}|\\PC{0,40}",
        resource in "\\PC{0,20}",
        lifecycle in prop_oneof![Just("created".to_owned()), Just("modified".to_owned()), "\\PC{0,12}"],
        event in "\\PC{0,40}",
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = shared_server().await;
            let (status, _) = server.post(TOKEN, raw).await;
            prop_assert!([200, 400, 413].contains(&status), "raw bytes → {}", status);
            let hostile = json!({
                "accountCode": "shop", "resourceType": resource, "id": id,
                "lifecycleEvent": lifecycle, "fullEvent": event,
            })
            .to_string();
            let (status, text) = server.post(TOKEN, hostile).await;
            prop_assert!([200, 400, 413].contains(&status), "{} → {}", status, text);
            if status != 200 {
                prop_assert!(error_of(&text)["message"].is_string(), "{}", text);
            }
            let (status, _) = server.get("/healthz").await;
            prop_assert_eq!(status, 200);
            Ok(())
        })?;
    }
}

/// One server for every proptest case, on its own runtime thread (each case has its own
/// short-lived runtime, which must not own the server).
async fn shared_server() -> &'static Running {
    static SERVER: std::sync::OnceLock<&'static Running> = std::sync::OnceLock::new();
    if let Some(server) = SERVER.get() {
        return server;
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let server: &'static Running = Box::leak(Box::new(Running::start(64 * 1024).await));
            sender.send(server).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let server = receiver.recv().unwrap();
    SERVER.get_or_init(|| server)
}
