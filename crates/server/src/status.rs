//! `/healthz`, `/readyz`, `/status` and `/metrics`, and the board where capture sources report
//! what they last did.

mod telemetry;

use crate::ServerState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferry_core::{QueueStats, System, Timestamp};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long `/readyz` and `/status` wait for the store.
const STORE_PATIENCE: Duration = Duration::from_secs(5);

/// What one capture source (a poller, a change-event subscriber) last did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    /// `poll`, `cdc`.
    pub kind: String,
    /// The flows its notices go to.
    pub flows: Vec<String>,
    /// When it last finished a poll (or a batch), successful or not.
    pub last_run_at: Option<Timestamp>,
    /// When it last finished one without an error.
    pub last_success_at: Option<Timestamp>,
    /// The last error, cleared by the next success.
    pub last_error: Option<String>,
    /// Notices it journaled since the process started.
    pub notices: u64,
    /// Runs (polls) since the process started.
    pub runs: u64,
}

/// The capture sources of the process, by name (`poll:brightpearl:product`,
/// `cdc:/data/ContactChangeEvent`). Cheap to clone: clones share the board.
#[derive(Debug, Clone, Default)]
pub struct SourceBoard {
    sources: Arc<Mutex<BTreeMap<String, SourceStatus>>>,
}

impl SourceBoard {
    /// Lists a source before it first runs.
    pub fn register(&self, name: &str, kind: &str, flows: Vec<String>) {
        if let Ok(mut map) = self.sources.lock() {
            map.insert(
                name.to_owned(),
                SourceStatus {
                    kind: kind.to_owned(),
                    flows,
                    ..SourceStatus::default()
                },
            );
        }
    }

    /// Records a finished run: `Ok(notices journaled)` or the error's text.
    pub fn record(&self, name: &str, outcome: Result<u64, String>) {
        let now = Timestamp::now();
        if let Ok(mut map) = self.sources.lock() {
            let status = map.entry(name.to_owned()).or_default();
            status.last_run_at = Some(now);
            status.runs += 1;
            match outcome {
                Ok(notices) => {
                    status.last_success_at = Some(now);
                    status.last_error = None;
                    status.notices += notices;
                }
                Err(error) => status.last_error = Some(error),
            }
        }
    }

    /// Sets a source's notice count from its own counter (subscribers count themselves).
    pub fn set_notices(&self, name: &str, notices: u64) {
        if let Ok(mut map) = self.sources.lock() {
            let status = map.entry(name.to_owned()).or_default();
            status.notices = notices;
            status.last_run_at = Some(Timestamp::now());
        }
    }

    /// One source's status.
    pub fn get(&self, name: &str) -> Option<SourceStatus> {
        self.sources.lock().ok()?.get(name).cloned()
    }

    /// Every source's status.
    pub fn all(&self) -> BTreeMap<String, SourceStatus> {
        self.sources.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// `GET /healthz`: the process is up and answering.
pub(crate) async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: the store answers (a checkpoint read) within five seconds.
pub(crate) async fn readyz(State(state): State<ServerState>) -> Response {
    let probe = state
        .store
        .checkpoint(&state.tenant, System::Brightpearl, "readyz");
    match tokio::time::timeout(STORE_PATIENCE, probe).await {
        Ok(Ok(_)) => Json(json!({"status": "ready", "store": state.store.backend().as_str()}))
            .into_response(),
        Ok(Err(error)) => not_ready(format!("the store failed: {error}")),
        Err(_) => not_ready(format!(
            "the store did not answer within {} s",
            STORE_PATIENCE.as_secs()
        )),
    }
}

fn not_ready(reason: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "unavailable", "reason": reason})),
    )
        .into_response()
}

/// `GET /status`: per flow its route, queue counts, dead letters and notices taken in by the
/// intake; per source what it last did; the intake's request counts. Queue counts are `null`
/// (with `store_error`) when the store does not answer, so the page still shows the rest.
pub(crate) async fn status(State(state): State<ServerState>) -> Response {
    let stats = tokio::time::timeout(STORE_PATIENCE, state.store.stats(Some(&state.tenant))).await;
    let (stats, store_error): (Vec<QueueStats>, Option<String>) = match stats {
        Ok(Ok(stats)) => (stats, None),
        Ok(Err(error)) => (Vec::new(), Some(error.to_string())),
        Err(_) => (Vec::new(), Some("the store did not answer in time".into())),
    };
    let (outcomes, intake_notices) = state.intake_counts.snapshot();
    let mut names: Vec<String> = state
        .routes
        .iter()
        .map(|r| r.flow.as_str().to_owned())
        .collect();
    for stat in &stats {
        if !names.iter().any(|n| n == stat.flow.as_str()) {
            names.push(stat.flow.as_str().to_owned());
        }
    }
    let flows: Vec<_> = names
        .iter()
        .map(|name| {
            let route = state.routes.iter().find(|r| r.flow.as_str() == name);
            let queue = stats.iter().find(|s| s.flow.as_str() == name);
            json!({
                "name": name,
                "source": route.map(|r| json!({
                    "system": r.system.as_str(),
                    "object": r.object,
                    "events": r.events,
                    "poll_seconds": r.poll_seconds,
                })),
                "queue": if store_error.is_some() { serde_json::Value::Null } else { json!({
                    "pending": queue.map_or(0, |q| q.pending),
                    "retrying": queue.map_or(0, |q| q.retrying),
                    "in_flight": queue.map_or(0, |q| q.in_flight),
                    "oldest_enqueued_at": queue.and_then(|q| q.oldest_enqueued_at),
                })},
                "dead_letters": if store_error.is_some() { serde_json::Value::Null } else {
                    json!(queue.map_or(0, |q| q.dead))
                },
                "intake_notices": intake_notices.get(name).copied().unwrap_or(0),
            })
        })
        .collect();
    let body = json!({
        "tenant": state.tenant.as_str(),
        "store": state.store.backend().as_str(),
        "store_error": store_error,
        "uptime_seconds": state.started.elapsed().as_secs(),
        "flows": flows,
        "sources": state.sources.all(),
        "intake": {
            "enabled": !secrecy::ExposeSecret::expose_secret(&state.intake_token).is_empty(),
            "requests": outcomes,
            "notices": state.intake_counts.total_notices(),
        },
    });
    Json(body).into_response()
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn metrics(State(state): State<ServerState>) -> Response {
    telemetry::refresh(&state).await;
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "no metrics recorder is installed in this process\n",
        )
            .into_response(),
    }
}
