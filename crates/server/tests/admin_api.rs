//! The admin API over a real socket: access control by token and role, the dead-letter
//! workflow (list, read, retry, discard — audited under the token's name) and the OpenAPI
//! document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{route, serve_here, state, token};
use ferry_core::System;
use ferry_engine::flows::runtime::Route;
use ferry_http::reqwest;
use ferry_server::admin::Role;
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use serde_json::{Value, json};
use std::sync::Arc;

const VIEWER: &str = "fy_viewer-token-for-tests";
const OPERATOR: &str = "fy_operator-token-for-tests";

struct Api {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start() -> Api {
        let (store, dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let orders = Route {
            events: vec!["order".into()],
            ..route(
                "orders_to_salesforce",
                System::Brightpearl,
                "sales-order",
                120,
            )
        };
        let base = serve_here(state(
            store.clone(),
            vec![orders],
            vec![
                token("ana", Role::Viewer, VIEWER),
                token("ops-bot", Role::Operator, OPERATOR),
            ],
        ))
        .await;
        let http = ferry_http::client_builder(None).unwrap().build().unwrap();
        Api {
            base,
            http,
            store,
            _dir: dir,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `n` dead letters of the orders flow, each refused for good with `code`.
    async fn dead_letters(&self, n: usize, code: &str) {
        common::dead_letters(
            self.store.as_ref(),
            1000,
            n,
            code,
            "the customer is held in customers_to_salesforce",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_no_access_a_viewer_reads_an_operator_acts() {
    use reqwest::Method;
    let api = Api::start().await;
    api.dead_letters(3, "DEPENDENCY_HELD").await;

    // No token, a wrong token: 401, and the body says what to do.
    let (status, body) = api.call(Method::GET, "/api/flows", None, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], json!("NO_TOKEN"));
    let (status, body) = api
        .call(Method::GET, "/api/dead-letters", Some("fy_guess"), None)
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], json!("BAD_TOKEN"));
    let (status, _) = api
        .call(
            Method::POST,
            "/api/dead-letters/retry",
            None,
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(status, 401);

    // A viewer reads the flows and the dead letters ...
    let (status, body) = api
        .call(Method::GET, "/api/flows", Some(VIEWER), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["flows"][0]["name"], json!("orders_to_salesforce"));
    assert_eq!(body["flows"][0]["queue"]["dead"], json!(3));
    let (status, body) = api
        .call(
            Method::GET,
            "/api/dead-letters?flow=orders_to_salesforce&code=DEPENDENCY_HELD",
            Some(VIEWER),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let list = body["dead_letters"].as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    let id = list[0]["id"].as_i64().unwrap();
    let (status, one) = api
        .call(
            Method::GET,
            &format!("/api/dead-letters/{id}"),
            Some(VIEWER),
            None,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert!(one["payload"]["id"].is_number(), "{one}");
    assert_eq!(one["error_code"], json!("DEPENDENCY_HELD"));

    // ... but cannot retry or discard: 403 naming the role needed; nothing changed.
    let (status, body) = api
        .call(
            Method::POST,
            "/api/dead-letters/retry",
            Some(VIEWER),
            Some(json!({"ids": [id]})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("operator"),
        "{body}"
    );
    let (status, _) = api
        .call(
            Method::POST,
            "/api/dead-letters/discard",
            Some(VIEWER),
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(status, 403);
    let (_, body) = api
        .call(Method::GET, "/api/dead-letters", Some(VIEWER), None)
        .await;
    assert_eq!(body["dead_letters"].as_array().unwrap().len(), 3);

    // An operator retries one and discards the rest by filter; an empty selection is refused.
    let (status, body) = api
        .call(
            Method::POST,
            "/api/dead-letters/retry",
            Some(OPERATOR),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], json!("EMPTY_SELECTION"));
    let (status, body) = api
        .call(
            Method::POST,
            "/api/dead-letters/retry",
            Some(OPERATOR),
            Some(json!({"ids": [id]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["retried"], json!(1));
    let (status, body) = api
        .call(
            Method::POST,
            "/api/dead-letters/discard",
            Some(OPERATOR),
            Some(json!({"flow": "orders_to_salesforce", "code": "DEPENDENCY_HELD"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["discarded"], json!(2));
    let (_, body) = api
        .call(Method::GET, "/api/flows", Some(VIEWER), None)
        .await;
    assert_eq!(body["flows"][0]["queue"]["dead"], json!(0));
    assert_eq!(
        body["flows"][0]["queue"]["pending"],
        json!(1),
        "the retried one"
    );

    // Both actions are in the audit log under the token's name.
    let (status, body) = api
        .call(Method::GET, "/api/audit", Some(VIEWER), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let actors: Vec<String> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        actors.iter().filter(|a| *a == "api:ops-bot").count() >= 2,
        "{body:#}"
    );

    // Bad input: a clear 400 naming what is wrong.
    let (status, body) = api
        .call(Method::GET, "/api/dead-letters/abc", Some(VIEWER), None)
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = api
        .call(
            Method::GET,
            "/api/dead-letters?colour=red",
            Some(VIEWER),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = api
        .call(
            Method::POST,
            "/api/dead-letters/retry",
            Some(OPERATOR),
            Some(json!({"ids": "all"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route_and_needs_no_token() {
    let api = Api::start().await;
    let (status, doc) = api
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["openapi"], json!("3.1.0"));
    // Every /api route the router serves (read from its source, so a new route cannot be
    // forgotten here) is described.
    let router = include_str!("../src/lib.rs");
    let routes: Vec<&str> = router
        .split('"')
        .filter(|piece| piece.starts_with("/api/"))
        .collect();
    assert!(routes.len() >= 15, "{routes:?}");
    for path in routes {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is not in /api/openapi.json"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        json!("bearer")
    );
}
