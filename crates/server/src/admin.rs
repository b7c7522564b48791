//! The admin API (`/api/...`): what an operator does to a running Ferry — see the flows and
//! their queues, read, retry and discard dead letters, read the audit log — over JSON, for
//! scripts and for the dashboard, described by `GET /api/openapi.json`.
//!
//! Every call but the OpenAPI document needs `Authorization: Bearer <token>`: a token of
//! `[[server.api_tokens]]`, whose SHA-256 is in the configuration (the token itself is never
//! stored). Roles are ordered: a **viewer** reads; an **operator** also retries and discards;
//! an **admin** may do everything (the mapping and access changes of later releases). A missing
//! or unknown token is 401; a token whose role is too low is 403, naming the role needed.

pub(crate) mod edit_retry;

use crate::ServerState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferry_core::{DeadLetterFilter, FlowName};
use ferry_store::DeadSelection;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads: flows, queues, dead letters, the audit log.
    Viewer,
    /// Also acts on the queue: retries and discards dead letters.
    Operator,
    /// Also changes configuration (mappings, access).
    Admin,
}

impl Role {
    /// The role's name as the configuration writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// One API token: who it is for, what it may do, and the SHA-256 of its text.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The token's name (a person or a script), recorded in the audit log as the actor.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the token text.
    pub sha256: [u8; 32],
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// An API error: status and a JSON body `{"error": {"code", "message"}}` whose message says
/// what to do.
pub(crate) struct ApiError(
    pub(crate) StatusCode,
    pub(crate) &'static str,
    pub(crate) String,
);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": {"code": self.1, "message": self.2}}));
        let mut response = (self.0, body).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"ferry\""),
            );
        }
        response
    }
}

pub(crate) fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError(
        StatusCode::SERVICE_UNAVAILABLE,
        "STORE_UNAVAILABLE",
        format!("the store did not answer: {e}; try again"),
    )
}

/// The configured token whose text this is (every one compared in constant time).
pub(crate) fn token_for<'a>(state: &'a ServerState, presented: &str) -> Option<&'a ApiToken> {
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let mut found = None;
    for token in state.api_tokens.iter() {
        if bool::from(token.sha256.ct_eq(&digest)) {
            found = Some(token);
        }
    }
    found
}

/// The token of the request, checked against the configured ones (every one compared in
/// constant time), and its role checked against `needed`.
pub(crate) fn authorize(
    state: &ServerState,
    headers: &HeaderMap,
    needed: Role,
) -> Result<String, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "NO_TOKEN",
                "send `Authorization: Bearer <token>`; create a token with `ferry api-token new`"
                    .into(),
            )
        })?;
    let token = token_for(state, presented).ok_or_else(|| {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "BAD_TOKEN",
            "the token is not one of [[server.api_tokens]] (or it was removed): use a current token"
                .into(),
        )
    })?;
    if token.role < needed {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "ROLE_TOO_LOW",
            format!(
                "token {:?} is a {}; this needs an {} (or higher): ask an admin for a token with that role",
                token.name,
                token.role.as_str(),
                needed.as_str()
            ),
        ));
    }
    Ok(token.name.clone())
}

/// `GET /api/flows`: each enabled flow's route and queue.
pub(crate) async fn flows(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    let stats = match state.store.stats(Some(&state.tenant)).await {
        Ok(stats) => stats,
        Err(e) => return store_error(e).into_response(),
    };
    let console = state
        .console
        .as_ref()
        .map(|c| c.flows())
        .unwrap_or_default();
    let mut flows: Vec<Value> = state
        .routes
        .iter()
        .map(|route| {
            let queue = stats.iter().find(|s| s.flow == route.flow);
            let view = console.iter().find(|v| v.name == route.flow.as_str());
            json!({
                "enabled": true,
                "paused": view.is_some_and(|v| v.paused),
                "version": view.and_then(|v| v.version),
                "description": view.map(|v| v.description.clone()),
                "totals": view.map(|v| v.totals),
                "name": route.flow.as_str(),
                "source": {"system": route.system.to_string(), "object": route.object},
                "events": route.events,
                "poll_seconds": route.poll_seconds,
                "queue": {
                    "pending": queue.map_or(0, |q| q.pending),
                    "retrying": queue.map_or(0, |q| q.retrying),
                    "in_flight": queue.map_or(0, |q| q.in_flight),
                    "dead": queue.map_or(0, |q| q.dead),
                    "oldest_enqueued_at": queue.and_then(|q| q.oldest_enqueued_at).map(|t| t.to_string()),
                },
            })
        })
        .collect();
    // Flows of the deployment that do not run here (not enabled in ferry.toml).
    flows.extend(console.iter().filter(|v| !v.enabled).map(|v| {
        json!({
            "name": v.name,
            "enabled": false,
            "paused": false,
            "version": v.version,
            "description": v.description,
            "source": {"system": v.system.to_string(), "object": v.object},
        })
    }));
    Json(json!({ "flows": flows })).into_response()
}

/// Filters of the dead-letter list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadQuery {
    flow: Option<String>,
    code: Option<String>,
    record: Option<String>,
    limit: Option<u32>,
}

fn dead_filter(
    state: &ServerState,
    flow: Option<&str>,
    code: Option<&str>,
    record: Option<&str>,
) -> Result<DeadLetterFilter, ApiError> {
    let flow = match flow.filter(|f| !f.is_empty()) {
        Some(name) => Some(FlowName::new(name.to_string()).map_err(|e| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_FLOW",
                format!("flow {name:?} is not a flow name ({e}): see GET /api/flows"),
            )
        })?),
        None => None,
    };
    Ok(DeadLetterFilter {
        tenant: Some(state.tenant.clone()),
        flow,
        error_code: code.filter(|c| !c.is_empty()).map(str::to_owned),
        record_id: record.filter(|r| !r.is_empty()).map(str::to_owned),
        ..Default::default()
    })
}

fn dead_json(d: &ferry_core::DeadLetter) -> Value {
    json!({
        "id": d.id,
        "flow": d.flow.as_str(),
        "source": d.source.to_string(),
        "object": d.object,
        "record_id": d.record_id,
        "operation": format!("{:?}", d.operation).to_lowercase(),
        "error_code": d.error_code,
        "error_message": d.error_message,
        "attempts": d.history.len(),
        "enqueued_at": d.enqueued_at.to_string(),
        "failed_at": d.failed_at.to_string(),
    })
}

/// `GET /api/dead-letters?flow=&code=&record=&limit=`: newest first, at most `limit` (100).
pub(crate) async fn dead_letters(
    State(state): State<ServerState>,
    headers: HeaderMap,
    query: Result<Query<DeadQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_QUERY",
                format!("{e}: the filters are flow, code, record and limit"),
            )
            .into_response();
        }
    };
    let filter = match dead_filter(
        &state,
        query.flow.as_deref(),
        query.code.as_deref(),
        query.record.as_deref(),
    ) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    match state.store.list_dead(&filter, limit).await {
        Ok(list) => Json(json!({
            "dead_letters": list.iter().map(dead_json).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(e) => store_error(e).into_response(),
    }
}

/// `GET /api/dead-letters/{id}`: one, with its payload and every attempt.
pub(crate) async fn dead_letter(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    let Ok(id) = id.parse::<i64>() else {
        return ApiError(
            StatusCode::BAD_REQUEST,
            "BAD_ID",
            format!("{id:?} is not a dead-letter id: ids are numbers (GET /api/dead-letters)"),
        )
        .into_response();
    };
    match state.store.dead_letter(id).await {
        Ok(Some(d)) if d.tenant == state.tenant => {
            let mut body = dead_json(&d);
            body["payload"] = d.payload.clone();
            body["history"] = serde_json::to_value(&d.history).unwrap_or(Value::Null);
            body["explanation"] = crate::explain::explain(&d.error_code).to_json();
            Json(body).into_response()
        }
        Ok(_) => ApiError(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no dead letter {id}: it was retried, discarded or never existed"),
        )
        .into_response(),
        Err(e) => store_error(e).into_response(),
    }
}

/// The body of a retry or discard: exact ids, or a filter (at least one of flow or code, or
/// `all`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadAction {
    #[serde(default)]
    ids: Vec<i64>,
    flow: Option<String>,
    code: Option<String>,
    #[serde(default)]
    all: bool,
}

async fn act_on_dead(
    state: ServerState,
    headers: HeaderMap,
    body: Result<Json<DeadAction>, axum::extract::rejection::JsonRejection>,
    retry: bool,
) -> Response {
    let actor = match authorize(&state, &headers, Role::Operator) {
        Ok(actor) => actor,
        Err(e) => return e.into_response(),
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_BODY",
                format!(
                    "{e}: send {{\"ids\": [1, 2]}} or {{\"flow\": \"…\", \"code\": \"…\"}} or {{\"all\": true}}"
                ),
            )
            .into_response();
        }
    };
    let selection = if !body.ids.is_empty() {
        DeadSelection::Ids(body.ids.clone())
    } else {
        let filter = match dead_filter(&state, body.flow.as_deref(), body.code.as_deref(), None) {
            Ok(f) => f,
            Err(e) => return e.into_response(),
        };
        if filter.flow.is_none() && filter.error_code.is_none() && !body.all {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "EMPTY_SELECTION",
                "name ids, a flow or an error code — or say \"all\": true to act on every dead letter"
                    .into(),
            )
            .into_response();
        }
        DeadSelection::Filter(filter)
    };
    let actor = format!("api:{actor}");
    let done = if retry {
        state.store.retry_dead(&selection, &actor).await
    } else {
        state.store.discard_dead(&selection, &actor).await
    };
    match done {
        Ok(count) => {
            Json(json!({ if retry { "retried" } else { "discarded" }: count })).into_response()
        }
        Err(e) => store_error(e).into_response(),
    }
}

/// `POST /api/dead-letters/retry`: puts them back in the queue (operator).
pub(crate) async fn retry(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Json<DeadAction>, axum::extract::rejection::JsonRejection>,
) -> Response {
    act_on_dead(state, headers, body, true).await
}

/// `POST /api/dead-letters/discard`: deletes them for good (operator).
pub(crate) async fn discard(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Json<DeadAction>, axum::extract::rejection::JsonRejection>,
) -> Response {
    act_on_dead(state, headers, body, false).await
}

/// Filters of the audit log.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    since: Option<String>,
    before: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/audit?action=&limit=`: newest first.
pub(crate) async fn audit(
    State(state): State<ServerState>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_QUERY",
                format!("{e}: the filters are action, actor, since, before and limit"),
            )
            .into_response();
        }
    };
    let since = match crate::ui::audit::since_time(query.since.as_deref().unwrap_or_default()) {
        Ok(since) => since,
        Err(message) => {
            return ApiError(StatusCode::BAD_REQUEST, "BAD_QUERY", message).into_response();
        }
    };
    let selection = crate::ui::audit::AuditSelection {
        action: query.action.as_deref().filter(|a| !a.is_empty()),
        actor: query.actor.as_deref().filter(|a| !a.is_empty()),
        since,
        before: query.before,
        limit: query.limit.unwrap_or(100).clamp(1, 1000) as usize,
    };
    // Secrets never reach the log; anything secret-looking is masked all the same.
    match crate::ui::audit::read(&state, &selection).await {
        Ok(page) => {
            let older = page
                .more
                .then(|| page.entries.last().map(|e| e.id))
                .flatten();
            Json(json!({
                "entries": serde_json::to_value(&page.entries).unwrap_or(Value::Null),
                "older_before": older,
            }))
            .into_response()
        }
        Err(e) => store_error(e).into_response(),
    }
}

/// `GET /api/openapi.json`: the API, as OpenAPI 3.1 (public: it holds no data).
pub(crate) async fn openapi() -> Response {
    Json(openapi_document()).into_response()
}

/// The OpenAPI document of the admin API.
pub fn openapi_document() -> Value {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let errors = |extra: &[(&str, &str)]| {
        let mut map = serde_json::Map::new();
        map.insert(
            "401".into(),
            json!({"description": "no token, or not a configured one", "content": {"application/json": {"schema": error}}}),
        );
        for (code, text) in extra {
            map.insert(
                (*code).into(),
                json!({"description": text, "content": {"application/json": {"schema": error}}}),
            );
        }
        map.insert(
            "503".into(),
            json!({"description": "the store did not answer", "content": {"application/json": {"schema": error}}}),
        );
        Value::Object(map)
    };
    let with_ok = |ok: Value, extra: &[(&str, &str)]| {
        let mut map = errors(extra);
        if let Value::Object(m) = &mut map {
            m.insert("200".into(), ok);
        }
        map
    };
    let action_body = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeadAction"}}}});
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {"title": "Ferry admin API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Operate a running Ferry. Every operation needs `Authorization: Bearer <token>` of [[server.api_tokens]]; roles: viewer (read) < operator (retry, discard) < admin."},
        "security": [{"bearer": []}],
        "paths": {
            "/api/flows": {"get": {"summary": "Every flow of the deployment: the running ones with their routes, queues, `paused`, running mapping `version` (null: the file) and `totals` since start; flows not enabled listed with `enabled: false` (viewer)",
                "responses": with_ok(json!({"description": "flows"}), &[])}},
            "/api/dead-letters": {"get": {"summary": "Dead letters, newest first (viewer)",
                "parameters": [
                    {"name": "flow", "in": "query", "schema": {"type": "string"}},
                    {"name": "code", "in": "query", "schema": {"type": "string"}, "description": "error code, e.g. DEPENDENCY_HELD"},
                    {"name": "record", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                "responses": with_ok(json!({"description": "dead letters"}), &[("400", "a filter is not valid")])}},
            "/api/dead-letters/{id}": {"get": {"summary": "One dead letter with its payload, attempts and `explanation` of its error code: what happened, what to do, and the likely remedy (edit_and_retry, retry or fix_elsewhere) (viewer)",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": with_ok(json!({"description": "the dead letter"}), &[("400", "not an id"), ("404", "no such dead letter")])}},
            "/api/dead-letters/{id}/edit-and-retry": {"post": {"summary": "Correct the source record of a dead letter in its own system (only the fields whose value differs are written, audited with before and after), then retry the dead letter (operator)",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EditAndRetry"}}}},
                "responses": with_ok(json!({"description": "{\"id\", \"flow\", \"record_id\", \"changed\": [fields], \"retried\": n, \"trace\"}"}), &[("400", "not an id, or not a body of fields"), ("403", "the token's role is below operator"), ("404", "no such dead letter, or its record no longer exists (RECORD_GONE)"), ("409", "the record changed meanwhile"), ("422", "nothing changed, a field that cannot be corrected, or a value the system refused (the message names the record and field)"), ("503", "no flows run in this server (NO_FLOWS), or the source system or the store did not answer")])}},
            "/api/dead-letters/retry": {"post": {"summary": "Put dead letters back in the queue (operator)",
                "requestBody": action_body,
                "responses": with_ok(json!({"description": "{\"retried\": n}"}), &[("400", "no selection"), ("403", "the token's role is below operator")])}},
            "/api/dead-letters/discard": {"post": {"summary": "Delete dead letters for good (operator)",
                "requestBody": action_body,
                "responses": with_ok(json!({"description": "{\"discarded\": n}"}), &[("400", "no selection"), ("403", "the token's role is below operator")])}},
            "/api/overview": {"get": {"summary": "Per flow: state, queue, lag, items settled per interval over the last hour, error rate over 15 minutes; per system: API budget left and circuit breakers (viewer)",
                "responses": with_ok(json!({"description": "the overview", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Overview"}}}}), &[])}},
            "/api/audit": {"get": {"summary": "The audit log, newest first, secret-looking values masked; `older_before` is the `before` of the next page, null on the last (viewer)",
                "parameters": [
                    {"name": "action", "in": "query", "schema": {"type": "string"}},
                    {"name": "actor", "in": "query", "schema": {"type": "string"}, "description": "actors containing this text"},
                    {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "a date (2026-11-27) or an RFC 3339 time"},
                    {"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "entries older than this id (paging)"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                "responses": with_ok(json!({"description": "audit entries"}), &[])}},
            "/api/trace": {"get": {"summary": "A record's trace by either system's id: notices, queued work and attempts, dead letters, links with what was last written, audit entries, and one timeline in time order (viewer)",
                "parameters": [
                    {"name": "q", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 128}, "description": "a Brightpearl id or a Salesforce id (15 or 18 characters)"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}, "description": "newest notices per record"}],
                "responses": with_ok(json!({"description": "the trace (empty lists for an unknown id); each notice's `changes` lists what changed in its payload since the record's previous notice ([{field, old, new}], null for the first)"}), &[("400", "q is missing, too long or holds control characters")])}},
            "/api/openapi.json": {"get": {"summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                    "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string", "description": "what happened and what to do"}}}}},
                "Overview": {"type": "object", "required": ["at", "flows", "systems"], "properties": {
                    "at": {"type": "integer", "description": "Unix seconds"},
                    "sample_every_seconds": {"type": "integer"},
                    "error_rate_minutes": {"type": "integer"},
                    "metrics": {"type": "boolean", "description": "false: no metrics recorder, so no throughput, budgets or breakers"},
                    "flows": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"},
                        "source": {"type": "object", "properties": {"system": {"type": "string"}, "object": {"type": "string"}}},
                        "state": {"type": "string", "enum": ["paused", "working", "waiting", "idle"]},
                        "queue": {"type": "object", "properties": {"pending": {"type": "integer"}, "retrying": {"type": "integer"}, "in_flight": {"type": "integer"}, "dead": {"type": "integer"}}},
                        "lag_seconds": {"type": ["integer", "null"], "description": "age of the oldest waiting item"},
                        "recent": {"type": "object", "properties": {"done": {"type": "integer"}, "failed": {"type": "integer"}}},
                        "error_rate": {"type": ["number", "null"], "description": "failed / (done + failed) over error_rate_minutes"},
                        "throughput": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "integer"}, "done": {"type": "integer"}, "failed": {"type": "integer"}}}}}}},
                    "systems": {"type": "array", "items": {"type": "object", "properties": {
                        "system": {"type": "string"},
                        "budgets": {"type": "array", "items": {"type": "object", "properties": {"budget": {"type": "string"}, "remaining": {"type": "integer"}, "limit": {"type": ["integer", "null"]}, "window_seconds": {"type": ["integer", "null"]}}}},
                        "breakers": {"type": "array", "items": {"type": "object", "properties": {"family": {"type": "string"}, "open": {"type": "boolean"}}}}}}}}},
                "EditAndRetry": {"type": "object", "required": ["fields"], "description": "the source record's fields to correct, by name, with their new values (text, number, true/false or null to clear); the editable fields are the flow's top-level source fields of a Salesforce source",
                    "properties": {"fields": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}}},
                "DeadAction": {"type": "object", "description": "exact ids, or a filter (flow and/or code), or all: true",
                    "properties": {"ids": {"type": "array", "items": {"type": "integer"}}, "flow": {"type": "string"}, "code": {"type": "string"}, "all": {"type": "boolean"}}}
            }
        }
    });
    // The console's paths (flows, jobs, mappings) live with their handlers.
    if let (Some(paths), Value::Object(more)) = (
        document["paths"].as_object_mut(),
        crate::console_api::openapi_paths(),
    ) {
        paths.extend(more);
    }
    document
}
