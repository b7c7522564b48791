//! The admin API of the console (`/api/flows/{name}/...`, `/api/jobs`): pause and resume
//! flows, run an initial load or a reconciliation, read, check, preview, save and roll back a
//! flow's mapping. Roles: a viewer reads (flows, jobs, mappings, versions, checks); an operator
//! also pauses, resumes, starts jobs and previews; only an admin saves or rolls back a mapping.

use crate::ServerState;
use crate::admin::{ApiError, Role, authorize};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferry_engine::console::{Console, ConsoleError, ErrorKind, JobKind, text_diff};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// A console refusal as an API error: status by kind, `problems` listed for invalid mappings.
pub(crate) fn refused(e: ConsoleError) -> Response {
    let status = status_of(e.kind);
    if e.problems.is_empty() {
        return ApiError(status, e.code, e.message).into_response();
    }
    (
        status,
        Json(json!({"error": {"code": e.code, "message": e.message, "problems": e.problems}})),
    )
        .into_response()
}

/// The HTTP status of a console refusal.
pub(crate) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The console, or the answer that this server runs no flows.
pub(crate) fn console(state: &ServerState) -> Result<Arc<Console>, ApiError> {
    state.console.clone().ok_or_else(|| {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "NO_FLOWS",
            "this server runs no flows (it serves the intake or status only): use the admin API \
             of `ferry serve`"
                .into(),
        )
    })
}

fn guard(
    state: &ServerState,
    headers: &HeaderMap,
    needed: Role,
) -> Result<(Arc<Console>, String), Box<Response>> {
    let who = authorize(state, headers, needed).map_err(|e| Box::new(e.into_response()))?;
    let console = console(state).map_err(|e| Box::new(e.into_response()))?;
    Ok((console, format!("api:{who}")))
}

/// `POST /api/flows/{name}/pause` and `.../resume`.
pub(crate) async fn pause(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    set_paused(state, headers, name, true).await
}

/// `POST /api/flows/{name}/resume`.
pub(crate) async fn resume(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    set_paused(state, headers, name, false).await
}

async fn set_paused(
    state: ServerState,
    headers: HeaderMap,
    name: String,
    paused: bool,
) -> Response {
    let (console, actor) = match guard(&state, &headers, Role::Operator) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    match console.set_paused(&name, paused, &actor).await {
        Ok(()) => Json(json!({"flow": name, "paused": paused})).into_response(),
        Err(e) => refused(e),
    }
}

/// The body of `POST /api/flows/{name}/jobs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobBody {
    kind: JobKind,
}

/// `POST /api/flows/{name}/jobs` `{"kind": "initial_load" | "reconcile"}`: 202 with the job.
pub(crate) async fn start_job(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<JobBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (console, actor) = match guard(&state, &headers, Role::Operator) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let Ok(Json(body)) = body else {
        return ApiError(
            StatusCode::BAD_REQUEST,
            "BAD_BODY",
            "send {\"kind\": \"initial_load\"} or {\"kind\": \"reconcile\"}".into(),
        )
        .into_response();
    };
    match console.start_job(&name, body.kind, &actor).await {
        Ok(job) => (StatusCode::ACCEPTED, Json(json!({"job": job}))).into_response(),
        Err(e) => refused(e),
    }
}

/// `GET /api/jobs`: this process's jobs, newest first.
pub(crate) async fn jobs(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    match guard(&state, &headers, Role::Viewer) {
        Ok((console, _)) => Json(json!({"jobs": console.jobs()})).into_response(),
        Err(r) => *r,
    }
}

/// `GET /api/jobs/{id}`.
pub(crate) async fn job(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    let (console, _) = match guard(&state, &headers, Role::Viewer) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    match console.job(id) {
        Some(job) => Json(json!({"job": job})).into_response(),
        None => ApiError(
            StatusCode::NOT_FOUND,
            "UNKNOWN_JOB",
            format!("there is no job {id} in this process (jobs end with a restart)"),
        )
        .into_response(),
    }
}

/// `GET /api/flows/{name}/mapping`: the running text, its version, the version list.
pub(crate) async fn mapping(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let (console, _) = match guard(&state, &headers, Role::Viewer) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    match console.mapping(&name).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => refused(e),
    }
}

/// `GET /api/flows/{name}/mapping/versions/{version}`: one version's text (0: the file) and
/// its diff against the running text.
pub(crate) async fn version(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, i64)>,
) -> Response {
    let (console, _) = match guard(&state, &headers, Role::Viewer) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let running = match console.mapping(&name).await {
        Ok(view) => view.text,
        Err(e) => return refused(e),
    };
    match console.version(&name, version).await {
        Ok(v) => {
            let diff = text_diff(&running, v.text.as_deref().unwrap_or_default());
            Json(json!({"version": v, "diff_from_running": diff})).into_response()
        }
        Err(e) => refused(e),
    }
}

/// The body of the mapping calls.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingBody {
    /// The edited declaration (TOML).
    text: String,
    /// Preview: the source record to try it on (default: the source's first record).
    #[serde(default)]
    record: Option<String>,
    /// Save: the version the edit started from (`null`: the file).
    #[serde(default)]
    based_on: Option<i64>,
    /// Save: why.
    #[serde(default)]
    note: Option<String>,
}

fn mapping_body(
    body: Result<Json<MappingBody>, axum::extract::rejection::JsonRejection>,
) -> Result<MappingBody, Box<Response>> {
    match body {
        Ok(Json(body)) if body.text.len() <= 256 * 1024 => Ok(body),
        Ok(_) => Err(Box::new(
            ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                "TOO_LARGE",
                "a mapping is at most 256 KiB of text".into(),
            )
            .into_response(),
        )),
        Err(e) => Err(Box::new(
            ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_BODY",
                format!("send JSON {{\"text\": \"<the flow's TOML>\", ...}}: {e}"),
            )
            .into_response(),
        )),
    }
}

/// `POST /api/flows/{name}/mapping/check`: the problems of an edited text (empty: it can be
/// saved) and its diff against the running text.
pub(crate) async fn check(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<MappingBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (console, _) = match guard(&state, &headers, Role::Viewer) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let body = match mapping_body(body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let running = match console.mapping(&name).await {
        Ok(view) => view.text,
        Err(e) => return refused(e),
    };
    match console.check(&name, &body.text) {
        Ok(problems) => Json(json!({
            "valid": problems.is_empty(),
            "problems": problems,
            "diff_from_running": text_diff(&running, &body.text),
        }))
        .into_response(),
        Err(e) => refused(e),
    }
}

/// `POST /api/flows/{name}/mapping/preview`: the edited and the running mapping over one real
/// source record (nothing written).
pub(crate) async fn preview(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<MappingBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (console, _) = match guard(&state, &headers, Role::Operator) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let body = match mapping_body(body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    match console
        .preview(&name, &body.text, body.record.as_deref())
        .await
    {
        Ok(view) => Json(view).into_response(),
        Err(e) => refused(e),
    }
}

/// `POST /api/flows/{name}/mapping`: saves the text as a new version (admin).
pub(crate) async fn save(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<MappingBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (console, actor) = match guard(&state, &headers, Role::Admin) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let body = match mapping_body(body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let note = body.note.unwrap_or_default();
    match console
        .save(&name, &body.text, body.based_on, &note, &actor)
        .await
    {
        Ok(v) => (StatusCode::CREATED, Json(json!({"version": v}))).into_response(),
        Err(e) => refused(e),
    }
}

/// The body of a rollback.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RollbackBody {
    to: i64,
}

/// `POST /api/flows/{name}/mapping/rollback` `{"to": N}` (0: the file): runs version N's text
/// again, saved as a new version (admin).
pub(crate) async fn rollback(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<RollbackBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let (console, actor) = match guard(&state, &headers, Role::Admin) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    let Ok(Json(body)) = body else {
        return ApiError(
            StatusCode::BAD_REQUEST,
            "BAD_BODY",
            "send {\"to\": <version>} (0 is the flow file)".into(),
        )
        .into_response();
    };
    match console.rollback(&name, body.to, &actor).await {
        Ok(v) => (StatusCode::CREATED, Json(json!({"version": v}))).into_response(),
        Err(e) => refused(e),
    }
}

/// The OpenAPI paths of the console's calls (merged into `GET /api/openapi.json`).
pub(crate) fn openapi_paths() -> serde_json::Value {
    let name = json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}, "description": "the flow"});
    let err = |code: &str, what: &str| {
        (
            code.to_owned(),
            json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        )
    };
    let responses = |ok: (&str, &str), errors: &[(&str, &str)]| {
        let mut map = serde_json::Map::new();
        map.insert(ok.0.to_owned(), json!({"description": ok.1}));
        for (code, what) in [
            ("401", "no token, or not one of [[server.api_tokens]]"),
            (
                "503",
                "NO_FLOWS: this server runs no flows, or the store or a system did not answer",
            ),
        ]
        .iter()
        .chain(errors)
        {
            let (code, value) = err(code, what);
            map.insert(code, value);
        }
        serde_json::Value::Object(map)
    };
    let mapping_body = |fields: serde_json::Value| json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": fields}}}});
    let text =
        json!({"type": "string", "description": "the flow's declaration (TOML), at most 256 KiB"});
    json!({
        "/api/flows/{name}/pause": {"post": {"summary": "Pause a flow: its changes keep being journaled and queued; workers leave them until it is resumed (operator)",
            "parameters": [name], "responses": responses(("200", "{flow, paused: true}"), &[("403", "ROLE_TOO_LOW"), ("404", "UNKNOWN_FLOW"), ("422", "FLOW_NOT_ENABLED")])}},
        "/api/flows/{name}/resume": {"post": {"summary": "Resume a paused flow (operator)",
            "parameters": [name], "responses": responses(("200", "{flow, paused: false}"), &[("403", "ROLE_TOO_LOW"), ("404", "UNKNOWN_FLOW")])}},
        "/api/flows/{name}/jobs": {"post": {"summary": "Start an initial load (every source record through the flow, writing only what differs) or a reconciliation (every record compared, drifted ones queued for repair) in the background (operator)",
            "parameters": [name],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["initial_load", "reconcile"]}}}}}},
            "responses": responses(("202", "{job}: id, flow, kind, started_by, state (running, done, failed), read, summary, error, started_at, finished_at"), &[("403", "ROLE_TOO_LOW"), ("404", "UNKNOWN_FLOW"), ("409", "JOB_RUNNING: the flow has a job running")])}},
        "/api/jobs": {"get": {"summary": "The jobs of this process, newest first (viewer)", "responses": responses(("200", "{jobs: [...]}"), &[])}},
        "/api/jobs/{id}": {"get": {"summary": "One job and its progress (viewer)",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": responses(("200", "{job}"), &[("404", "UNKNOWN_JOB (jobs end with a restart)")])}},
        "/api/flows/{name}/mapping": {
            "get": {"summary": "The running mapping: {flow, text, version (null: the file), origin, versions: newest first} (viewer)",
                "parameters": [name], "responses": responses(("200", "the mapping"), &[("404", "UNKNOWN_FLOW")])},
            "post": {"summary": "Save an edited mapping as the flow's next version; workers run it from their next batch (admin)",
                "parameters": [name],
                "requestBody": mapping_body(json!({"text": text, "based_on": {"type": ["integer", "null"], "description": "the version the edit started from (null: the file)"}, "note": {"type": "string"}})),
                "responses": responses(("201", "{version}: version, author, note, created_at"), &[("403", "ROLE_TOO_LOW: saving needs an admin"), ("409", "STALE_VERSION: another version was saved after the one edited"), ("422", "INVALID_MAPPING: error.problems lists every problem")])}},
        "/api/flows/{name}/mapping/versions/{version}": {"get": {"summary": "One saved version's text (0: the flow file) and its line diff from the running text (viewer)",
            "parameters": [name, {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}],
            "responses": responses(("200", "{version, diff_from_running: [{op: ' ' | '-' | '+', text}]}"), &[("404", "UNKNOWN_VERSION")])}},
        "/api/flows/{name}/mapping/check": {"post": {"summary": "Check an edited mapping without saving: {valid, problems, diff_from_running} (viewer)",
            "parameters": [name], "requestBody": mapping_body(json!({"text": text})),
            "responses": responses(("200", "the problems (empty: it can be saved)"), &[("404", "UNKNOWN_FLOW")])}},
        "/api/flows/{name}/mapping/preview": {"post": {"summary": "Run the edited and the running mapping over one real source record (reads both systems, writes nothing): {record, edited, running, differences} (operator)",
            "parameters": [name], "requestBody": mapping_body(json!({"text": text, "record": {"type": "string", "description": "the source record's id; default: the source's first record"}})),
            "responses": responses(("200", "the preview"), &[("403", "ROLE_TOO_LOW"), ("404", "NO_SAMPLE: no such source record"), ("422", "INVALID_MAPPING")])}},
        "/api/flows/{name}/mapping/rollback": {"post": {"summary": "Run an earlier version again (0: the file), saved as a new version noting the rollback (admin)",
            "parameters": [name],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["to"], "properties": {"to": {"type": "integer", "minimum": 0}}}}}},
            "responses": responses(("201", "{version}"), &[("403", "ROLE_TOO_LOW: rolling back needs an admin"), ("404", "UNKNOWN_VERSION"), ("422", "INVALID_MAPPING: the old text no longer compiles")])}}
    })
}
