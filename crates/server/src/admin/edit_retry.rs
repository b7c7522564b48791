//! Edit-and-retry: correct the source record a dead letter is about in its own system, then
//! retry the dead letter — one step for the dashboard's form and for
//! `POST /api/dead-letters/{id}/edit-and-retry`.
//!
//! Only the fields whose value differs from the record as it is now are written (through the
//! running flow's adapters, [`ferry_engine::console::Console::edit_source`], audited there with
//! the values before and after); then the dead letter goes back to the queue (audited as a
//! retry). Nothing is retried when the edit is refused.

use super::{ApiError, Role, authorize, store_error};
use crate::ServerState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferry_core::DeadLetter;
use ferry_engine::console::{ConsoleError, ErrorKind};
use ferry_store::DeadSelection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What an edit-and-retry did.
#[derive(Debug)]
pub(crate) struct Edited {
    /// The fields written, in name order.
    pub changed: Vec<String>,
    /// How many dead letters went back to the queue (1, or 0 when another person retried or
    /// discarded it meanwhile).
    pub retried: u64,
}

/// Why an edit-and-retry did not happen: the status, a stable code, and what to do.
#[derive(Debug)]
pub(crate) struct EditRefused {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl From<EditRefused> for ApiError {
    fn from(refused: EditRefused) -> Self {
        ApiError(refused.status, refused.code, refused.message)
    }
}

fn console_refused(e: ConsoleError) -> EditRefused {
    let status = match e.kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    EditRefused {
        status,
        code: e.code,
        message: e.message,
    }
}

/// The refusal when this server runs no flows (no console).
pub(crate) fn no_flows(dead: &DeadLetter) -> EditRefused {
    EditRefused {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "NO_FLOWS",
        message: format!(
            "this server runs no flows, so {} {} {} cannot be read or corrected here: correct it \
             in {}, then retry dead letter {}",
            dead.source, dead.object, dead.record_id, dead.source, dead.id
        ),
    }
}

/// Writes the values of `fields` that differ from the source record to it, then retries the
/// dead letter; `actor` is audited (`ui:<token>` or `api:<token>`).
pub(crate) async fn edit_and_retry(
    state: &ServerState,
    dead: &DeadLetter,
    fields: Map<String, Value>,
    actor: &str,
) -> Result<Edited, EditRefused> {
    let Some(console) = &state.console else {
        return Err(no_flows(dead));
    };
    let flow = dead.flow.as_str();
    let current = console
        .source_record(flow, &dead.record_id)
        .await
        .map_err(console_refused)?
        .ok_or_else(|| EditRefused {
            status: StatusCode::NOT_FOUND,
            code: "RECORD_GONE",
            message: format!(
                "{} {} {} no longer exists, so it cannot be corrected: discard dead letter {}",
                dead.source, dead.object, dead.record_id, dead.id
            ),
        })?;
    let changed: Map<String, Value> = fields
        .into_iter()
        .filter(|(name, value)| current.get(name).unwrap_or(&Value::Null) != value)
        .collect();
    if changed.is_empty() {
        return Err(EditRefused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "NOTHING_CHANGED",
            message: format!(
                "no value differs from {} {} {} as it is now: change the wrong value, or retry \
                 dead letter {} as it is",
                dead.source, dead.object, dead.record_id, dead.id
            ),
        });
    }
    let names: Vec<String> = changed.keys().cloned().collect();
    console
        .edit_source(flow, &dead.record_id, changed, actor)
        .await
        .map_err(console_refused)?;
    let retried = state
        .store
        .retry_dead(&DeadSelection::Ids(vec![dead.id]), actor)
        .await
        .map_err(|e| EditRefused {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "STORE_UNAVAILABLE",
            message: format!(
                "{} {} {} was corrected ({}), but retrying dead letter {} failed: {e}; retry it \
                 from the list",
                dead.source,
                dead.object,
                dead.record_id,
                names.join(", "),
                dead.id
            ),
        })?;
    Ok(Edited {
        changed: names,
        retried,
    })
}

/// The body of `POST /api/dead-letters/{id}/edit-and-retry`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditBody {
    fields: Map<String, Value>,
}

/// `POST /api/dead-letters/{id}/edit-and-retry` (operator): `{"fields": {"Email": "..."}}`.
pub(crate) async fn api(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<EditBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let actor = match authorize(&state, &headers, Role::Operator) {
        Ok(name) => format!("api:{name}"),
        Err(e) => return e.into_response(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return ApiError(
            StatusCode::BAD_REQUEST,
            "BAD_ID",
            format!("{id:?} is not a dead-letter id: ids are numbers (GET /api/dead-letters)"),
        )
        .into_response();
    };
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_BODY",
                format!(
                    "{e}: send {{\"fields\": {{\"<field>\": <new value>}}}} with the source \
                     record's fields to correct (GET /api/dead-letters/{id} names the record)"
                ),
            )
            .into_response();
        }
    };
    let dead = match state.store.dead_letter(id).await {
        Ok(Some(d)) if d.tenant == state.tenant => d,
        Ok(_) => {
            return ApiError(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("no dead letter {id}: it was retried, discarded or never existed"),
            )
            .into_response();
        }
        Err(e) => return store_error(e).into_response(),
    };
    match edit_and_retry(&state, &dead, body.fields, &actor).await {
        Ok(edited) => Json(json!({
            "id": dead.id,
            "flow": dead.flow.as_str(),
            "record_id": dead.record_id,
            "changed": edited.changed,
            "retried": edited.retried,
            "trace": format!("/api/trace?q={}", dead.record_id),
        }))
        .into_response(),
        Err(refused) => ApiError::from(refused).into_response(),
    }
}
