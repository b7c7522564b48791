//! The record trace over a real socket: a record journaled twice, failed once and retrying,
//! linked to its Salesforce partner — the trace shows its notices, the attempt with its error,
//! the link and the partner's notices, in time order; access by token; unknown and hostile
//! queries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{route, serve_here, state, token};
use ferry_core::{
    ChangeNotice, Direction, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_http::reqwest;
use ferry_server::admin::Role;
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, LinkWrite, NewLink, RoutedNotice, Store};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const VIEWER: &str = "fy_viewer-token-for-trace";
const SF_ID: &str = "001A0000006Vm9rIAC";

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
        let base = serve_here(state(
            store.clone(),
            vec![
                route("customers_to_salesforce", System::Brightpearl, "contact", 0),
                route("accounts_to_brightpearl", System::Salesforce, "Account", 0),
            ],
            vec![token("ana", Role::Viewer, VIEWER)],
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

    async fn trace(&self, q: &str, token: Option<&str>) -> (u16, Value) {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/trace", self.base), &[("q", q)])
            .unwrap();
        let mut request = self.http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn journal(&self, system: System, object: &str, id: &str, flow: &str, seq: i64) {
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
                        origin: Some(format!("test-{seq}")),
                        payload: json!({ "seq": seq }),
                    },
                    flows: vec![FlowName::new(flow).unwrap()],
                }],
                checkpoints: vec![],
            })
            .await
            .unwrap();
    }
}

/// Brightpearl contact 207: journaled twice, its item failed once (retrying), linked to
/// Salesforce account SF_ID, which was journaled once.
async fn scenario(api: &Api) {
    api.journal(
        System::Brightpearl,
        "contact",
        "207",
        "customers_to_salesforce",
        1,
    )
    .await;
    let leased = api
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
    assert_eq!(leased.len(), 1);
    api.store
        .fail(
            &LeaseRef::from(&leased[0]),
            &Failure::transient("SF_UNAVAILABLE", "Salesforce answered 503; retrying"),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    api.journal(
        System::Brightpearl,
        "contact",
        "207",
        "customers_to_salesforce",
        2,
    )
    .await;
    api.store
        .link(&NewLink {
            tenant: TenantId::default_tenant(),
            entity: "customer".into(),
            brightpearl_id: "207".into(),
            salesforce_id: SF_ID.into(),
        })
        .await
        .unwrap();
    assert!(
        api.store
            .record_write(&LinkWrite {
                tenant: TenantId::default_tenant(),
                entity: "customer".into(),
                brightpearl_id: "207".into(),
                direction: Direction::ToSalesforce,
                content_hash: "h-to-sf".into(),
                source_version: Some("2026-11-01T10:00:00Z".into()),
                base: Some(json!({"Account": {"Name": "Ada"}}).to_string()),
            })
            .await
            .unwrap()
    );
    api.journal(
        System::Salesforce,
        "Account",
        SF_ID,
        "accounts_to_brightpearl",
        3,
    )
    .await;
}

#[tokio::test]
async fn the_trace_shows_notices_attempts_and_the_link_in_time_order() {
    let api = Api::start().await;
    scenario(&api).await;

    // By the Brightpearl id, by the Salesforce id, and by its 15-character form.
    for q in ["207", SF_ID, "001A0000006Vm9r"] {
        let (status, body) = api.trace(q, Some(VIEWER)).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(body["q"], q);

        let notices: Vec<(&str, &str, &str)> = body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["source"].as_str().unwrap(),
                    n["record_id"].as_str().unwrap(),
                    n["origin"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            notices,
            vec![
                ("brightpearl", "207", "test-1"),
                ("brightpearl", "207", "test-2"),
                ("salesforce", SF_ID, "test-3"),
            ],
            "{q}"
        );
        assert_eq!(body["notices"][0]["payload"], json!({"seq": 1}));
        assert_eq!(body["notices"][0]["operation"], "update");

        let queue = body["queue"].as_array().unwrap();
        let contact = queue
            .iter()
            .find(|i| i["record_id"] == "207")
            .unwrap_or_else(|| panic!("{q}: no queued item for 207: {body}"));
        assert_eq!(contact["state"], "pending");
        assert_eq!(contact["attempts"], 1);
        assert_eq!(contact["notices"], 2, "the second notice folded in");
        assert_eq!(contact["history"][0]["code"], "SF_UNAVAILABLE");
        assert!(
            contact["history"][0]["message"]
                .as_str()
                .unwrap()
                .contains("503")
        );

        let links = body["links"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{q}: {body}");
        assert_eq!(links[0]["entity"], "customer");
        assert_eq!(links[0]["brightpearl_id"], "207");
        assert_eq!(links[0]["salesforce_id"], SF_ID);
        assert_eq!(links[0]["hash_to_salesforce"], "h-to-sf");
        assert_eq!(links[0]["brightpearl_version"], "2026-11-01T10:00:00Z");
        assert_eq!(
            links[0]["base_to_salesforce"],
            json!({"Account": {"Name": "Ada"}})
        );

        // One timeline, in time order: notice 1, the failed attempt, notice 2, the link
        // write, the Salesforce notice.
        let kinds: Vec<String> = body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let kind = e["kind"].as_str().unwrap();
                match kind {
                    "notice" => format!("notice:{}", e["origin"].as_str().unwrap()),
                    "attempt" => format!("attempt:{}", e["code"].as_str().unwrap()),
                    other => other.to_owned(),
                }
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "notice:test-1",
                "attempt:SF_UNAVAILABLE",
                "notice:test-2",
                "link",
                "notice:test-3"
            ],
            "{q}: {body}"
        );
    }
}

#[tokio::test]
async fn dead_letters_and_their_audit_entries_are_in_the_trace() {
    let api = Api::start().await;
    api.journal(
        System::Brightpearl,
        "contact",
        "311",
        "customers_to_salesforce",
        1,
    )
    .await;
    let leased = api
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
    api.store
        .fail(
            &LeaseRef::from(&leased[0]),
            &Failure::permanent("SF_REQUIRED_FIELD_MISSING", "LastName is required"),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    let (status, body) = api.trace("311", Some(VIEWER)).await;
    assert_eq!(status, 200, "{body}");
    let dead = body["dead_letters"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{body}");
    assert_eq!(dead[0]["error_code"], "SF_REQUIRED_FIELD_MISSING");
    assert_eq!(dead[0]["history"].as_array().unwrap().len(), 1);
    let dead_id = dead[0]["id"].as_i64().unwrap();
    assert_eq!(body["queue"], json!([]));

    // Retried by an operator: the audit entry names the dead letter, and the item is back.
    api.store
        .retry_dead(&ferry_store::DeadSelection::Ids(vec![dead_id]), "api:ops")
        .await
        .unwrap();
    let (_, body) = api.trace("311", Some(VIEWER)).await;
    assert_eq!(body["dead_letters"], json!([]), "{body}");
    let queue = body["queue"].as_array().unwrap();
    assert_eq!(queue.len(), 1, "{body}");
    assert_eq!(
        queue[0]["history"][0]["code"], "SF_REQUIRED_FIELD_MISSING",
        "the retried item keeps its history"
    );
    let kinds: Vec<&str> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["notice", "attempt"], "{body}");
    // Another record's trace does not show this record.
    api.journal(
        System::Brightpearl,
        "contact",
        "312",
        "customers_to_salesforce",
        2,
    )
    .await;
    let (_, other) = api.trace("312", Some(VIEWER)).await;
    assert_eq!(other["notices"].as_array().unwrap().len(), 1, "{other}");
    assert_eq!(other["queue"].as_array().unwrap().len(), 1);
    assert_eq!(other["queue"][0]["record_id"], "312");
}

#[tokio::test]
async fn a_viewer_may_trace_and_no_token_may_not() {
    let api = Api::start().await;
    scenario(&api).await;
    let (status, body) = api.trace("207", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "NO_TOKEN");
    let (status, body) = api.trace("207", Some("fy_not-a-token")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "BAD_TOKEN");
    let (status, _) = api.trace("207", Some(VIEWER)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_ids_give_an_empty_trace_and_hostile_queries_are_refused_or_empty() {
    let api = Api::start().await;
    scenario(&api).await;
    let empty = json!({
        "records": [], "links": [], "notices": [], "queue": [],
        "dead_letters": [], "audit": [], "timeline": []
    });
    for q in [
        "999999",
        "003000000000000AAA",
        "207' OR '1'='1",
        "207; DROP TABLE journal; --",
        "%",
        "_",
        "\u{1F600}",
    ] {
        let (status, body) = api.trace(q, Some(VIEWER)).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        for (key, value) in empty.as_object().unwrap() {
            assert_eq!(&body[key], value, "{q:?}: {key} of {body}");
        }
    }
    let long = "7".repeat(10_000);
    for (q, code) in [
        ("", "NO_QUERY"),
        ("   ", "NO_QUERY"),
        (long.as_str(), "QUERY_TOO_LONG"),
        ("207\n", "BAD_QUERY"),
        ("2\u{0}07", "BAD_QUERY"),
        ("20\u{1b}[2J7", "BAD_QUERY"),
    ] {
        let (status, body) = api.trace(q, Some(VIEWER)).await;
        assert_eq!(status, 400, "{q:?}: {body}");
        assert_eq!(body["error"]["code"], code, "{q:?}");
    }
    // Unknown parameters and a bad limit are 400 too.
    let response = api
        .http
        .get(format!("{}/api/trace?q=207&limit=many", api.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = api
        .http
        .get(format!("{}/api/trace?q=207&drop=1", api.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // The data is untouched.
    let (_, body) = api.trace("207", Some(VIEWER)).await;
    assert_eq!(body["notices"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_openapi_document_lists_the_trace() {
    let api = Api::start().await;
    let text = api
        .http
        .get(format!("{}/api/openapi.json", api.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let trace = &doc["paths"]["/api/trace"]["get"];
    assert_eq!(trace["parameters"][0]["name"], "q");
    assert!(trace["responses"]["400"].is_object());
}
