//! The sandbox's own admin API under `/__sandbox/`: inspect, reset and dump the org, change
//! the API allocation, inject faults and expire sessions. No authentication; JSON in and out.
//! It sits outside the data API's guard, so faults, sessions and the API allocation never
//! apply to it and its calls are not counted.
//!
//! | Endpoint | Does |
//! |---|---|
//! | `GET /__sandbox/state` | `{"org_id", "instance_url", "state_file", "objects": {"Account": {"live", "deleted"}, ...}, "changes": {"held", "first_seq", "last_seq"}, "api_usage": {"used", "daily_api_limit"}, "faults": {...}, "bulk": {"jobs", "processing_delay_ms"}}` |
//! | `POST /__sandbox/reset` | Body `{"data": "empty"\|"demo"}` (default `empty`; the body may be left out). Replaces every record with a fresh org (users, standard price book, and the demo data when asked), empties the change log (sequence numbers start again at 1), zeroes the API usage and drops open query cursors and Bulk API jobs. Users, their passwords and tokens, the connected app, the fault settings and the Bulk processing delay stay, so clients stay logged in. Writes the state file at once when there is one. Answers like `/state`. |
//! | `GET /__sandbox/dump[?object=Account]` | `{"Account": [record, ...], ...}`: every record of the object (or of every object), deleted ones included, rendered as the REST API renders them. |
//! | `GET /__sandbox/changes[?after=SEQ][&limit=N]` | `{"first_seq", "last_seq", "changes": [...]}`: change log entries with a sequence number above `after` (default 0), at most `limit` (default 1000, at most 100000), oldest first. |
//! | `GET /__sandbox/faults` | The fault settings: `{"latency_ms", "error_rate", "lock_rate", "reset_rate", "outages": [{"start_ms", "end_ms"}]}`. |
//! | `PUT /__sandbox/faults` | Replaces the fault settings (fields left out are 0 / no outages); answers with them. Rates are probabilities from 0 to 1. |
//! | `POST /__sandbox/outage` | Body `{"seconds": N}` (fractions allowed): every data call answers 503 `SERVER_UNAVAILABLE` from now for N seconds. Outages already over are dropped. Answers with the fault settings. |
//! | `GET /__sandbox/limits` | `{"daily_api_limit", "used"}`. |
//! | `PUT /__sandbox/limits` | Body `{"daily_api_limit"?: N, "used"?: N}`: changes the allocation and/or the count. Once `used` reaches `daily_api_limit`, data calls answer 403 `REQUEST_LIMIT_EXCEEDED`. |
//! | `GET /__sandbox/bulk` | `{"jobs", "processing_delay_ms"}`: Bulk API 2.0 jobs kept, and the processing delay. |
//! | `PUT /__sandbox/bulk` | Body `{"processing_delay_ms": N}`: jobs wait N ms before they start and before each 10,000-record chunk, so a client can watch `UploadComplete` and `InProgress`. |
//! | `POST /__sandbox/sessions/expire` | Every access token stops working (clients get 401 `INVALID_SESSION_ID` and must log in again; refresh tokens still work). Answers `{"expired": N}`. |
//!
//! Errors answer 400 (or 500 when the sandbox itself failed) with `{"error": "what is wrong
//! and what to do"}`.

use super::{AppState, LATEST_VERSION};
use crate::salesforce::api::DataSet;
use crate::salesforce::faults::{FaultSettings, Outage};
use crate::salesforce::value::now_ms;
use crate::salesforce::{persist, seed};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;

/// Routes of the admin API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/state", get(state))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/dump", get(dump))
        .route("/__sandbox/changes", get(changes))
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .route("/__sandbox/outage", post(outage))
        .route("/__sandbox/limits", get(get_limits).put(put_limits))
        .route("/__sandbox/bulk", get(get_bulk).put(put_bulk))
        .route("/__sandbox/sessions/expire", post(expire_sessions))
        .merge(super::cdc_admin::routes())
}

/// An admin call that cannot be done: `{"error": "..."}`.
#[derive(Debug)]
struct AdminError {
    status: StatusCode,
    message: String,
}

impl AdminError {
    fn bad_request(message: impl Into<String>) -> AdminError {
        AdminError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> AdminError {
        AdminError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({"error": self.message}))).into_response()
    }
}

type Answer = Result<axum::Json<Json>, AdminError>;

/// Parses a JSON body; an empty body counts as `{}` when `optional`.
fn parse_body<T: DeserializeOwned>(
    body: &Bytes,
    endpoint: &str,
    example: &str,
    optional: bool,
) -> Result<T, AdminError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        if !optional {
            return Err(AdminError::bad_request(format!(
                "{endpoint} needs a JSON body, e.g. {example}"
            )));
        }
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|err| {
        AdminError::bad_request(format!(
            "{endpoint}: the body is not what this endpoint takes ({err}); send e.g. {example}"
        ))
    })
}

/// Query parameters, refusing names the endpoint does not know.
fn parse_query(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    endpoint: &str,
    known: &[&str],
) -> Result<HashMap<String, String>, AdminError> {
    let Query(params) = query.map_err(|err| {
        AdminError::bad_request(format!("{endpoint}: unreadable query string ({err})"))
    })?;
    if let Some(unknown) = params.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(AdminError::bad_request(format!(
            "{endpoint} has no parameter {unknown:?}; it takes {}",
            known.join(", ")
        )));
    }
    Ok(params)
}

fn number_param(
    params: &HashMap<String, String>,
    name: &str,
    endpoint: &str,
) -> Result<Option<u64>, AdminError> {
    params
        .get(name)
        .map(|text| {
            text.trim().parse::<u64>().map_err(|_| {
                AdminError::bad_request(format!(
                    "{endpoint}: {name}={text:?} is not a whole number; give e.g. {name}=100"
                ))
            })
        })
        .transpose()
}

/// What `/state` reports.
fn summary(state: &AppState) -> Json {
    let (objects, changes, org_id) = {
        let org = state.org();
        let mut objects = Map::new();
        for (index, def) in org.schema().objects.iter().enumerate() {
            let records = org.records(index);
            let deleted = records.iter().filter(|r| r.is_deleted()).count();
            objects.insert(
                def.name.clone(),
                json!({"live": records.len() - deleted, "deleted": deleted}),
            );
        }
        let changes = json!({
            "held": org.changes.len(),
            "first_seq": org.changes.first_seq(),
            "last_seq": org.changes.last_seq(),
        });
        (objects, changes, org.org_id())
    };
    let (used, max) = state.limits.usage();
    json!({
        "org_id": org_id,
        "instance_url": state.instance_url,
        "state_file": state.state_file.as_ref().map(|p| p.display().to_string()),
        "objects": objects,
        "changes": changes,
        "api_usage": {"used": used, "daily_api_limit": max},
        "faults": state.faults.get(),
        "bulk": bulk_json(state),
    })
}

async fn state(State(state): State<AppState>) -> Answer {
    Ok(axum::Json(summary(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    data: Option<String>,
}

async fn reset(State(state): State<AppState>, body: Bytes) -> Answer {
    const ENDPOINT: &str = "POST /__sandbox/reset";
    let request: ResetRequest = parse_body(&body, ENDPOINT, r#"{"data": "demo"}"#, true)?;
    let data = match request.data.as_deref().map(str::trim) {
        None | Some("empty") => DataSet::Empty,
        Some("demo") => DataSet::Demo,
        Some(other) => {
            return Err(AdminError::bad_request(format!(
                "{ENDPOINT}: data {other:?} is not a data set; give \"empty\" or \"demo\""
            )));
        }
    };
    let schema = state.org().schema().clone();
    let (fresh, fresh_users) = tokio::task::spawn_blocking(move || seed::fresh_org(schema, data))
        .await
        .map_err(|err| AdminError::internal(format!("building the fresh org failed: {err}")))?
        .map_err(|err| AdminError::internal(format!("building the fresh org failed: {err:#}")))?;
    {
        // The fresh org's User records must be the users clients are logged in as.
        let auth = state.auth();
        if fresh_users.admin().user_id != auth.admin().user_id
            || fresh_users.integration().user_id != auth.integration().user_id
        {
            return Err(AdminError::internal(format!(
                "the fresh org's users ({}, {}) are not the logged-in users ({}, {}); restart the sandbox without its state file to start afresh",
                fresh_users.admin().user_id,
                fresh_users.integration().user_id,
                auth.admin().user_id,
                auth.integration().user_id
            )));
        }
    }
    // The fresh org's changes are the bus's change events from now on.
    let mut fresh = fresh;
    state.cdc.attach(&mut fresh);
    *state.org() = fresh;
    state
        .generation
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    *state.cursors.lock().unwrap_or_else(|p| p.into_inner()) = Default::default();
    state.bulk.lock().unwrap_or_else(|p| p.into_inner()).clear();
    state.limits.set(None, Some(0));
    if let Some(path) = state.state_file.clone() {
        let saving = state.clone();
        tokio::task::spawn_blocking(move || persist::save(&saving, &path))
            .await
            .map_err(|err| AdminError::internal(format!("saving the state file failed: {err}")))?
            .map_err(|err| AdminError::internal(format!("{err:#}")))?;
    }
    Ok(axum::Json(summary(&state)))
}

async fn dump(
    State(state): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Answer {
    const ENDPOINT: &str = "GET /__sandbox/dump";
    let params = parse_query(query, ENDPOINT, &["object"])?;
    let version = format!("v{LATEST_VERSION}");
    let org = state.org();
    let objects: Vec<usize> = match params.get("object") {
        Some(name) => vec![org.schema().object(name.trim()).ok_or_else(|| {
            AdminError::bad_request(format!(
                "{ENDPOINT}: there is no object {name:?}; GET /__sandbox/state lists the objects"
            ))
        })?],
        None => (0..org.schema().objects.len()).collect(),
    };
    let mut out = Map::new();
    for object in objects {
        let records: Vec<Json> = org
            .records(object)
            .iter()
            .map(|record| org.render(object, record, None, &version))
            .collect();
        out.insert(org.schema().def(object).name.clone(), Json::Array(records));
    }
    Ok(axum::Json(Json::Object(out)))
}

/// Most change log entries one call returns.
const MAX_CHANGES: u64 = 100_000;

async fn changes(
    State(state): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Answer {
    const ENDPOINT: &str = "GET /__sandbox/changes";
    let params = parse_query(query, ENDPOINT, &["after", "limit"])?;
    let after = number_param(&params, "after", ENDPOINT)?.unwrap_or(0);
    let limit = number_param(&params, "limit", ENDPOINT)?.unwrap_or(1000);
    if limit == 0 || limit > MAX_CHANGES {
        return Err(AdminError::bad_request(format!(
            "{ENDPOINT}: limit={limit} is out of range; give 1 to {MAX_CHANGES}"
        )));
    }
    let org = state.org();
    let changes: Vec<Json> = org
        .changes
        .after(after, limit as usize)
        .map(|change| serde_json::to_value(change).unwrap_or(Json::Null))
        .collect();
    Ok(axum::Json(json!({
        "first_seq": org.changes.first_seq(),
        "last_seq": org.changes.last_seq(),
        "changes": changes,
    })))
}

fn faults_json(state: &AppState) -> Json {
    serde_json::to_value(state.faults.get()).unwrap_or(Json::Null)
}

async fn get_faults(State(state): State<AppState>) -> Answer {
    Ok(axum::Json(faults_json(&state)))
}

async fn put_faults(State(state): State<AppState>, body: Bytes) -> Answer {
    const ENDPOINT: &str = "PUT /__sandbox/faults";
    let settings: FaultSettings = parse_body(
        &body,
        ENDPOINT,
        r#"{"latency_ms": 50, "error_rate": 0.1, "lock_rate": 0, "reset_rate": 0, "outages": []}"#,
        false,
    )?;
    settings
        .validate()
        .map_err(|msg| AdminError::bad_request(format!("{ENDPOINT}: {msg}")))?;
    state.faults.set(settings);
    Ok(axum::Json(faults_json(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutageRequest {
    seconds: f64,
}

/// Longest outage one call may start (a week).
const MAX_OUTAGE_SECONDS: f64 = 7.0 * 86_400.0;

async fn outage(State(state): State<AppState>, body: Bytes) -> Answer {
    const ENDPOINT: &str = "POST /__sandbox/outage";
    let request: OutageRequest = parse_body(&body, ENDPOINT, r#"{"seconds": 30}"#, false)?;
    if !(request.seconds > 0.0 && request.seconds <= MAX_OUTAGE_SECONDS) {
        return Err(AdminError::bad_request(format!(
            "{ENDPOINT}: seconds is {}; give a duration above 0 and at most {MAX_OUTAGE_SECONDS} (a week)",
            request.seconds
        )));
    }
    let now = now_ms();
    let mut settings = state.faults.get();
    settings.outages.retain(|o| o.end_ms > now);
    settings.outages.push(Outage {
        start_ms: now,
        end_ms: now + (request.seconds * 1000.0).ceil() as i64,
    });
    state.faults.set(settings);
    Ok(axum::Json(faults_json(&state)))
}

fn limits_json(state: &AppState) -> Json {
    let (used, max) = state.limits.usage();
    json!({"daily_api_limit": max, "used": used})
}

async fn get_limits(State(state): State<AppState>) -> Answer {
    Ok(axum::Json(limits_json(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsRequest {
    daily_api_limit: Option<u64>,
    used: Option<u64>,
}

async fn put_limits(State(state): State<AppState>, body: Bytes) -> Answer {
    const ENDPOINT: &str = "PUT /__sandbox/limits";
    let example = r#"{"daily_api_limit": 1000, "used": 0}"#;
    let request: LimitsRequest = parse_body(&body, ENDPOINT, example, false)?;
    if request.daily_api_limit.is_none() && request.used.is_none() {
        return Err(AdminError::bad_request(format!(
            "{ENDPOINT}: give daily_api_limit, used or both, e.g. {example}"
        )));
    }
    state.limits.set(request.daily_api_limit, request.used);
    Ok(axum::Json(limits_json(&state)))
}

fn bulk_json(state: &AppState) -> Json {
    let jobs = state.bulk.lock().unwrap_or_else(|p| p.into_inner());
    json!({"jobs": jobs.len(), "processing_delay_ms": jobs.processing_delay_ms})
}

async fn get_bulk(State(state): State<AppState>) -> Answer {
    Ok(axum::Json(bulk_json(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkRequest {
    processing_delay_ms: u64,
}

/// Longest processing delay (a minute): longer would only make clients time out.
const MAX_PROCESSING_DELAY_MS: u64 = 60_000;

async fn put_bulk(State(state): State<AppState>, body: Bytes) -> Answer {
    const ENDPOINT: &str = "PUT /__sandbox/bulk";
    let request: BulkRequest =
        parse_body(&body, ENDPOINT, r#"{"processing_delay_ms": 500}"#, false)?;
    if request.processing_delay_ms > MAX_PROCESSING_DELAY_MS {
        return Err(AdminError::bad_request(format!(
            "{ENDPOINT}: processing_delay_ms is {}; give at most {MAX_PROCESSING_DELAY_MS} (a minute)",
            request.processing_delay_ms
        )));
    }
    state
        .bulk
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .processing_delay_ms = request.processing_delay_ms;
    Ok(axum::Json(bulk_json(&state)))
}

async fn expire_sessions(State(state): State<AppState>) -> Answer {
    let expired = state.auth().expire_all();
    Ok(axum::Json(json!({"expired": expired})))
}
