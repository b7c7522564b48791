//! The dashboard's record trace and audit log pages over a real socket: a record found by its
//! Brightpearl id and by its Salesforce id with its timeline in order (payload changes, the
//! failed attempt, the write, the partner's notice), a helpful page for an unknown id, the
//! login redirect; the audit log filtered, paged and with secrets masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_core::{
    ChangeNotice, Direction, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_engine::flows::runtime::Route;
use ferry_http::reqwest;
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{
    AppendBatch, DeadSelection, LeaseRef, LeaseRequest, LinkWrite, NewAuditEntry, NewLink,
    RoutedNotice, Store,
};
use secrecy::SecretString;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const VIEWER: &str = "fy_trace-ui-viewer";
const SF_ID: &str = "001A0000006Vm9rIAC";

struct Ui {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

fn route(flow: &str, system: System, object: &str) -> Route {
    Route {
        flow: FlowName::new(flow).unwrap(),
        system,
        object: object.into(),
        events: vec![],
        poll_seconds: 0,
    }
}

impl Ui {
    async fn start() -> Ui {
        let (store, dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let mut state = ServerState::new(
            store.clone(),
            TenantId::default_tenant(),
            vec![
                route("customers_to_salesforce", System::Brightpearl, "contact"),
                route("accounts_to_brightpearl", System::Salesforce, "Account"),
                route("orders_to_salesforce", System::Brightpearl, "sales-order"),
            ],
            SecretString::from(String::new()),
        );
        state.api_tokens = Arc::new(vec![ApiToken {
            name: "vera".into(),
            role: Role::Viewer,
            sha256: Sha256::digest(VIEWER.as_bytes()).into(),
        }]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = serve(listener, state, std::future::pending()).await;
        });
        let http = ferry_http::client_builder(None)
            .unwrap()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Ui {
            base,
            http,
            store,
            _dir: dir,
        }
    }

    async fn get(&self, path: &str, session: Option<&str>) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(session) = session {
            request = request.header("cookie", session);
        }
        let response = request.send().await.unwrap();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Page {
            status: response.status().as_u16(),
            location,
            body: response.text().await.unwrap(),
        }
    }

    async fn login(&self) -> String {
        let response = self
            .http
            .post(format!("{}/ui/login", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={VIEWER}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let cookie = response
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        cookie.split(';').next().unwrap().trim().to_owned()
    }

    async fn journal(&self, system: System, object: &str, id: &str, flow: &str, event: &str) {
        self.store
            .append(AppendBatch {
                notices: vec![RoutedNotice {
                    notice: ChangeNotice {
                        tenant: TenantId::default_tenant(),
                        source: system,
                        object: object.into(),
                        record_id: id.into(),
                        operation: Operation::Update,
                        observed_at: Timestamp::now(),
                        origin: None,
                        payload: json!({"captured_by": "webhook", "event": event}),
                    },
                    flows: vec![FlowName::new(flow).unwrap()],
                }],
                checkpoints: vec![],
            })
            .await
            .unwrap();
    }

    /// Brightpearl contact 207: created, its sync failed once (retrying), modified, written
    /// to Salesforce account SF_ID, whose change came back.
    async fn scenario(&self) {
        let flow = "customers_to_salesforce";
        self.journal(
            System::Brightpearl,
            "contact",
            "207",
            flow,
            "contact.created",
        )
        .await;
        let leased = self
            .store
            .lease(&LeaseRequest {
                worker: "worker-1".into(),
                limit: 10,
                lease_for: Duration::from_secs(60),
                flows: vec![],
                tenant: None,
                max_attempts: 5,
            })
            .await
            .unwrap();
        self.store
            .fail(
                &LeaseRef::from(&leased[0]),
                &Failure::transient("SF_UNAVAILABLE", "Salesforce answered 503; retrying"),
                &RetryPolicy::default(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.journal(
            System::Brightpearl,
            "contact",
            "207",
            flow,
            "contact.modified",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.store
            .link(&NewLink {
                tenant: TenantId::default_tenant(),
                entity: "customer".into(),
                brightpearl_id: "207".into(),
                salesforce_id: SF_ID.into(),
            })
            .await
            .unwrap();
        self.store
            .record_write(&LinkWrite {
                tenant: TenantId::default_tenant(),
                entity: "customer".into(),
                brightpearl_id: "207".into(),
                direction: Direction::ToSalesforce,
                content_hash: "h-to-sf".into(),
                source_version: Some("2026-11-01T10:00:00Z".into()),
                base: Some(json!({"Name": "Ada Lovelace"}).to_string()),
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.journal(
            System::Salesforce,
            "Account",
            SF_ID,
            "accounts_to_brightpearl",
            "UPDATE",
        )
        .await;
    }
}

fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_page_finds_a_record_by_either_id_and_shows_its_timeline_in_order() {
    let ui = Ui::start().await;
    ui.scenario().await;

    // No session: to the login page.
    let page = ui.get("/ui/trace?q=207", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login"));

    let session = ui.login().await;
    let empty = ui.get("/ui/trace", Some(&session)).await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("name=\"q\""), "{}", empty.body);
    assert!(empty.body.contains("Brightpearl contact"), "{}", empty.body);
    assert!(
        empty.body.contains("href=\"/ui/trace\""),
        "nav link: {}",
        empty.body
    );
    assert!(
        empty.body.contains("href=\"/ui/audit\""),
        "nav link: {}",
        empty.body
    );

    for q in ["207", SF_ID, "001A0000006Vm9r"] {
        let page = ui.get(&format!("/ui/trace?q={q}"), Some(&session)).await;
        assert_eq!(page.status, 200, "{q}: {}", page.body);
        let body = &page.body;
        // The cross-reference, linking both sides' traces.
        assert!(body.contains("href=\"/ui/trace?q=207\""), "{body}");
        assert!(
            body.contains(&format!("href=\"/ui/trace?q={SF_ID}\"")),
            "{body}"
        );
        // What was written through the link.
        assert!(body.contains("Ada Lovelace"), "{body}");
        // The waiting item with its failed attempt.
        assert!(body.contains("Waiting work"), "{body}");
        // The timeline, oldest first: the first notice, the failed attempt, the second notice
        // with what changed, the write, the partner's notice.
        let timeline = &body[position(body, "<ol class=\"timeline\">")..];
        let created = position(timeline, "Brightpearl contact 207 update");
        let failed = position(timeline, "SF_UNAVAILABLE");
        let modified = position(timeline, "contact.created → contact.modified");
        let written = position(timeline, "customer Brightpearl 207 ↔ Salesforce");
        let partner = position(timeline, &format!("Salesforce Account {SF_ID} update"));
        assert!(
            created < failed && failed < modified && modified < written && written < partner,
            "out of order: {created} {failed} {modified} {written} {partner}\n{timeline}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_malformed_id_gets_a_helpful_page() {
    let ui = Ui::start().await;
    let session = ui.login().await;
    let page = ui.get("/ui/trace?q=99999", Some(&session)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Ferry knows no record with id &#34;99999&#34;")
            && page.body.contains("Check the id"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("class=\"timeline\""));

    let long = "9".repeat(200);
    let page = ui.get(&format!("/ui/trace?q={long}"), Some(&session)).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("send one record id"), "{}", page.body);

    // Markup in the query is shown as text.
    let page = ui
        .get("/ui/trace?q=%3Cscript%3Ex%3C%2Fscript%3E", Some(&session))
        .await;
    assert!(!page.body.contains("<script>x"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_filters_pages_and_masks_secrets() {
    let ui = Ui::start().await;
    let tenant = TenantId::default_tenant();
    common::dead_letters(ui.store.as_ref(), 500, 1, "LOOKUP_MISSING", "no product").await;
    let dead = ui.store.list_dead(&Default::default(), 10).await.unwrap();
    ui.store
        .retry_dead(&DeadSelection::Ids(vec![dead[0].id]), "ui:otto")
        .await
        .unwrap();
    ui.store
        .audit(&NewAuditEntry {
            tenant: tenant.clone(),
            actor: "cli:root@host".into(),
            action: "config.change".into(),
            subject: "ferry.toml".into(),
            detail: json!({"first": false, "config": {
                "server": {"api_tokens": [{"name": "ana", "role": "admin", "sha256": "deadbeefcafe"}]},
                "alerts": {"slack_webhook_url": "https://hooks.slack.com/services/T0/B0/s3cr3tpath"},
                "store": {"password": "env:PGPASSWORD"},
            }}),
        })
        .await
        .unwrap();
    for i in 0..60 {
        ui.store
            .audit(&NewAuditEntry {
                tenant: tenant.clone(),
                actor: "api:bot".into(),
                action: "flow.pause".into(),
                subject: format!("flow-{i}"),
                detail: json!({"paused": true}),
            })
            .await
            .unwrap();
    }

    let page = ui.get("/ui/audit", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login"));

    let session = ui.login().await;
    // The newest 50, an "older" link to the rest.
    let first = ui.get("/ui/audit", Some(&session)).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("flow-59") && !first.body.contains("flow-9<"));
    let at = position(&first.body, "rel=\"next\"");
    let href_start = first.body[..at].rfind("href=\"").unwrap() + 6;
    let href = first.body[href_start..at]
        .trim_end_matches("\" ")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let older = ui.get(&href, Some(&session)).await;
    assert_eq!(older.status, 200, "{href}");
    assert!(older.body.contains("flow-9<"), "{}", older.body);
    assert!(older.body.contains("dlq.retry") && older.body.contains("config.change"));
    assert!(!older.body.contains("rel=\"next\""));

    // Filters: actor, action, since.
    let by_actor = ui.get("/ui/audit?actor=ui%3Aotto", Some(&session)).await;
    assert!(by_actor.body.contains("dlq.retry"));
    assert!(!by_actor.body.contains("flow.pause</strong>"));
    let by_action = ui
        .get("/ui/audit?action=config.change", Some(&session))
        .await;
    assert!(by_action.body.contains("ferry.toml"));
    assert!(!by_action.body.contains("dlq.retry</strong>"));
    // Secrets masked, references and names kept.
    assert!(
        !by_action.body.contains("deadbeefcafe"),
        "{}",
        by_action.body
    );
    assert!(!by_action.body.contains("s3cr3tpath"), "{}", by_action.body);
    assert!(by_action.body.contains("(masked)"));
    assert!(by_action.body.contains("env:PGPASSWORD"));
    assert!(by_action.body.contains("ana"));
    let later = ui.get("/ui/audit?since=2999-01-01", Some(&session)).await;
    assert!(later.body.contains("No audit entries match the filter"));
    let bad = ui.get("/ui/audit?since=yesterday", Some(&session)).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("pick a date"), "{}", bad.body);

    // The admin API masks the same way.
    let api = ui
        .http
        .get(format!("{}/api/audit?action=config.change", ui.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !api.contains("deadbeefcafe") && api.contains("(masked)"),
        "{api}"
    );
    // And filters and pages the same way.
    let get = |path: String| {
        let request = ui
            .http
            .get(format!("{}{path}", ui.base))
            .bearer_auth(VIEWER);
        async move {
            let text = request.send().await.unwrap().text().await.unwrap();
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        }
    };
    let page = get("/api/audit?actor=api%3Abot&limit=50".into()).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 50);
    let before = page["older_before"].as_i64().expect("a next page");
    let rest = get(format!(
        "/api/audit?actor=api%3Abot&limit=50&before={before}"
    ))
    .await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 10, "{rest}");
    assert!(rest["older_before"].is_null());
}
