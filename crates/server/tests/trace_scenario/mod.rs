//! The record-trace tests' server and scenario (socket tests and the browser test share them).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_core::{
    ChangeNotice, Direction, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_engine::flows::runtime::Route;
use ferry_http::reqwest;
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, LinkWrite, NewLink, RoutedNotice, Store};
use secrecy::SecretString;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

pub const VIEWER: &str = "fy_trace-ui-viewer";
pub const SF_ID: &str = "001A0000006Vm9rIAC";

pub struct Ui {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
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
    pub async fn start() -> Ui {
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

    pub async fn get(&self, path: &str, session: Option<&str>) -> Page {
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

    pub async fn login(&self) -> String {
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

    pub async fn journal(&self, system: System, object: &str, id: &str, flow: &str, event: &str) {
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
    pub async fn scenario(&self) {
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
