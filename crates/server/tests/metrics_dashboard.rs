//! The Grafana dashboard in ops/grafana against what Ferry really exposes: every metric a panel
//! queries is listed in docs/metrics.md and appears at `/metrics` of a server started in this
//! process after a little traffic (a webhook through the intake, self-test items through a
//! worker, some rejected into dead letters, and API calls through the transport that are
//! throttled, open a circuit breaker and close it again).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use axum::response::IntoResponse;
use ferry_core::{FlowName, RetryPolicy, System, TenantId};
use ferry_engine::flows::runtime::Route;
use ferry_engine::flows::selftest;
use ferry_engine::{Worker, WorkerOptions};
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::{Budget, BudgetSpec, MemoryLedger, Reading};
use ferry_http::{Api, Call, HeaderMap, Method, NoAuth, Transport, TransportConfig, Verdict};
use ferry_server::{ServerState, install_metrics, serve};
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "metrics-dashboard-intake-token";

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Every `ferry_*` name in a PromQL expression (a series name, not a label value).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = expr;
    while let Some(at) = rest.find("ferry_") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        // Inside quotes it would be a label value; after an identifier character, part of one.
        if !matches!(before, Some('"' | '\'' | '_')) && !before.is_some_and(char::is_alphanumeric) {
            names.insert(tail[..end].to_owned());
        }
        rest = &tail[end..];
    }
    names
}

/// The metric names the dashboard's panels query.
fn dashboard_metrics() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_file("ops/grafana/ferry-dashboard.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6, "{} panels", panels.len());
    let mut names = BTreeSet::new();
    for panel in panels {
        let title = panel["title"].as_str().unwrap_or("?");
        let targets = panel["targets"]
            .as_array()
            .unwrap_or_else(|| panic!("{title}: no targets"));
        assert!(!targets.is_empty(), "{title}: no queries");
        for target in targets {
            let expr = target["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("{title}: no expr"));
            let found = metric_names(expr);
            assert!(
                !found.is_empty(),
                "{title}: {expr} queries no ferry_ metric"
            );
            names.extend(found);
        }
    }
    names
}

/// The metric names docs/metrics.md documents (the first cell of its table rows).
fn documented_metrics() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_file("docs/metrics.md")).unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix("| `ferry_"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("ferry_{name}"))
        .collect()
}

/// The series names a Prometheus text exposition has samples for (summaries count by their
/// base name as well).
fn exposed_metrics(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name = line.split(['{', ' ']).next().unwrap_or_default().to_owned();
        for suffix in ["_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix) {
                names.insert(base.to_owned());
            }
        }
        names.insert(name);
    }
    names
}

/// One sample's value, by its series name and labels as rendered (`name{a="b"}`).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// An API answering from a script: 429 throttled, 503 transient, 2xx ok.
struct ScriptedApi;

impl Api for ScriptedApi {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn classify(&self, status: u16, _headers: &HeaderMap, body: &[u8]) -> Verdict {
        let message = String::from_utf8_lossy(body).into_owned();
        match status {
            200..=299 => Verdict::Ok,
            429 => Verdict::Throttled {
                wait: Duration::from_millis(5),
            },
            503 => Verdict::Transient {
                code: "UNAVAILABLE".into(),
                message,
                retry_after: None,
                not_applied: true,
            },
            _ => Verdict::Permanent {
                code: format!("HTTP_{status}"),
                message,
            },
        }
    }
    fn reading(&self, _headers: &HeaderMap) -> Option<Reading> {
        None
    }
}

/// A server on a real socket answering `answers` in turn, then 200.
async fn scripted_server(answers: Vec<u16>) -> String {
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let app = axum::Router::new().fallback(move || {
        let answers = answers.clone();
        async move {
            let status = answers.lock().unwrap().pop_front().unwrap_or(200);
            (StatusCode::from_u16(status).unwrap(), "scripted").into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/thing", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    url
}

#[test]
fn every_documented_metric_is_named_by_the_rules() {
    let documented = documented_metrics();
    assert!(documented.len() >= 15, "{documented:?}");
    for name in &documented {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}: metric names are lower snake case"
        );
    }
    // Every name an emitter in the workspace uses is documented (and so covered by the rules).
    let mut emitted = BTreeSet::new();
    for crate_dir in std::fs::read_dir(repo_file("crates")).unwrap() {
        let mut stack = vec![crate_dir.unwrap().path().join("src")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for macro_name in ["counter!(", "gauge!(", "histogram!("] {
                        for piece in text.split(macro_name).skip(1) {
                            if let Some(name) = piece.trim_start().strip_prefix('"') {
                                let name = name.split('"').next().unwrap_or_default();
                                emitted.insert((name.to_owned(), macro_name, path.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(emitted.len() >= 10, "{emitted:?}");
    for (name, kind, path) in emitted {
        assert!(
            documented.contains(&name),
            "{name} ({}) is emitted but not in docs/metrics.md",
            path.display()
        );
        assert!(
            name.starts_with("ferry_"),
            "{name}: metrics start with ferry_"
        );
        let counter = kind == "counter!(";
        assert_eq!(
            name.ends_with("_total"),
            counter,
            "{name}: counters, and only counters, end in _total"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboard_queries_is_documented_and_exposed() {
    assert_eq!(
        metric_names(
            r#"sum by (api) (rate(ferry_api_calls_total{outcome="ferry_x"}[5m])) / ferry_up"#
        ),
        BTreeSet::from(["ferry_api_calls_total".to_owned(), "ferry_up".to_owned()])
    );
    let wanted = dashboard_metrics();
    for name in [
        "ferry_worker_items_total",
        "ferry_queue_items",
        "ferry_dead_letters",
        "ferry_queue_oldest_pending_age_seconds",
        "ferry_api_calls_total",
        "ferry_api_breaker_open",
    ] {
        assert!(wanted.contains(name), "no panel queries {name}: {wanted:?}");
    }
    let documented = documented_metrics();
    let undocumented: Vec<_> = wanted.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "the dashboard queries metrics docs/metrics.md does not list: {undocumented:?}"
    );

    // The server, in this process, with the Prometheus recorder.
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let tenant = TenantId::default_tenant();
    let routes = vec![Route {
        flow: FlowName::new("products_to_salesforce").unwrap(),
        system: System::Brightpearl,
        object: "product".into(),
        events: Vec::new(),
        poll_seconds: 0,
    }];
    let mut state = ServerState::new(
        store.clone(),
        tenant.clone(),
        routes,
        SecretString::from(TOKEN.to_owned()),
    );
    state.account = Some("shop".into());
    state.metrics = install_metrics();
    assert!(state.metrics.is_some(), "the recorder installs");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http = ferry_http::client_builder(None).unwrap().build().unwrap();

    // A webhook for two products: two notices journaled for the flow, waiting in its queue.
    let hook = http
        .post(format!("{base}/hooks/brightpearl/{TOKEN}"))
        .header("content-type", "application/json")
        .body(
            json!({
                "accountCode": "shop", "resourceType": "product", "id": "11,12",
                "lifecycleEvent": "modified", "fullEvent": "product.modified",
                "raisedOn": "2026-03-01T10:00:00.000Z", "brightpearlVersion": "7.1",
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        hook.status().as_u16(),
        200,
        "{}",
        hook.text().await.unwrap()
    );

    // Self-test items through a real worker; every third record is rejected (dead letters).
    let mut plan = selftest::EnqueuePlan::new(tenant.clone(), 9, 9);
    plan.fail_every = 3;
    assert_eq!(selftest::enqueue(store.as_ref(), &plan).await.unwrap(), 9);
    let worker = Worker::new(
        store.clone(),
        vec![Arc::new(selftest::SelfTest::new(
            store.clone(),
            "metrics-test",
        ))],
        WorkerOptions::new(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        }),
    );
    while worker.run_once().await.unwrap() > 0 {}

    // API calls: throttled once, two transient failures that open the breaker, then a probe
    // that succeeds and closes it.
    let url = scripted_server(vec![429, 503, 503]).await;
    let transport = Transport::new(
        Arc::new(ScriptedApi),
        ferry_http::client_builder(None).unwrap().build().unwrap(),
        Arc::new(Budget::new(
            "scripted:test",
            BudgetSpec::Window {
                limit: 1000,
                window: Duration::from_secs(60),
            },
            Arc::new(MemoryLedger::default()),
        )),
        Arc::new(NoAuth),
        TransportConfig {
            timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_attempts: 6,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
            },
            patience: Duration::from_secs(10),
            breaker: BreakerConfig {
                threshold: 2,
                open_for: Duration::from_millis(50),
                max_open_for: Duration::from_millis(100),
            },
        },
    );
    transport
        .send(&Call::new(Method::GET, &url, "thing"))
        .await
        .expect("the call succeeds after the breaker closes");
    assert_eq!(
        transport.stats().breaker_openings,
        1,
        "{:?}",
        transport.stats()
    );

    let scrape = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status().as_u16(), 200);
    let text = scrape.text().await.unwrap();
    let exposed = exposed_metrics(&text);
    let missing: Vec<_> = wanted.difference(&exposed).collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries metrics /metrics does not expose: {missing:?}\n{text}"
    );

    // The numbers behind the panels are the traffic's.
    let value = |series: &str| {
        sample(&text, series).unwrap_or_else(|| panic!("no sample {series} in\n{text}"))
    };
    assert_eq!(
        value(r#"ferry_queue_items{flow="products_to_salesforce",state="pending"}"#),
        2.0
    );
    assert_eq!(
        value(r#"ferry_queue_items{flow="selftest",state="pending"}"#),
        0.0
    );
    assert_eq!(value(r#"ferry_dead_letters{flow="selftest"}"#), 3.0);
    assert_eq!(
        value(r#"ferry_worker_items_total{flow="selftest",outcome="succeeded"}"#),
        6.0
    );
    assert_eq!(
        value(r#"ferry_worker_items_total{flow="selftest",outcome="dead_lettered"}"#),
        3.0
    );
    let lag = value(r#"ferry_queue_oldest_pending_age_seconds{flow="products_to_salesforce"}"#);
    assert!((0.0..60.0).contains(&lag), "lag {lag}");
    assert_eq!(
        value(r#"ferry_api_calls_total{api="scripted",family="thing",outcome="throttled"}"#),
        1.0
    );
    assert_eq!(
        value(r#"ferry_api_calls_total{api="scripted",family="thing",outcome="transient"}"#),
        2.0
    );
    assert_eq!(
        value(r#"ferry_api_breaker_open{api="scripted",family="thing"}"#),
        0.0,
        "a successful probe closes the breaker"
    );
    assert_eq!(value("ferry_store_up"), 1.0);
    assert!(text.contains("# HELP ferry_queue_items "), "{text}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
