//! `integration-service`: webhook subscriptions (reference §8.1). POST registers (all problems
//! reported at once; unknown events are INTC-064), GET lists (every webhook on the account
//! without an id set; 404 when an id set matches none), DELETE removes, and
//! `POST /webhook/{id}/simulate` fires one with test values through the real delivery path.
//! Message types are the recorded ones, which differ between success and 404.

use super::body::json_body;
use super::{ApiError, ApiResult, AppState, Reply};
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::webhooks::ApiProblem;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::Value as Json;

/// The integration-service routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/integration-service/webhook", get(list).post(create))
        .route(
            "/integration-service/webhook/{ids}",
            get(get_some).delete(delete),
        )
        .route("/integration-service/webhook/{id}/simulate", post(simulate))
}

fn problem(problem: &ApiProblem, message_type: &'static str) -> ApiError {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(status, problem.code, problem.message.clone()).message_type(message_type)
}

fn problems(list: &[ApiProblem], message_type: &'static str) -> ApiError {
    let mut iter = list.iter();
    let Some(first) = iter.next() else {
        return ApiError::bad_request("CMNC-010", "the webhook is not valid")
            .message_type(message_type);
    };
    iter.fold(problem(first, message_type), |error, p| {
        error.and(p.code, p.message.clone())
    })
}

async fn create(State(state): State<AppState>, body: axum::body::Bytes) -> ApiResult {
    let body = json_body(&body).map_err(|e| e.message_type("post-webhook"))?;
    let id = state
        .account()
        .webhooks
        .create(&body)
        .map_err(|list| problems(&list, "post-webhook"))?;
    state.touch();
    Ok(Reply::ok("post-webhook", id))
}

async fn list(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    Ok(Reply::ok("webhook-get", account.webhooks.all()))
}

fn id_set(text: &str, message_type: &'static str) -> Result<IdSet, ApiError> {
    IdSet::parse(text, true).map_err(|e| {
        ApiError::not_found(format!("Cannot find the resource: {e}")).message_type(message_type)
    })
}

async fn get_some(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let ids = id_set(&ids, "get-webhook")?;
    let account = state.account();
    let found = account
        .webhooks
        .get(&ids)
        .map_err(|p| problem(&p, "get-webhook"))?;
    Ok(Reply::ok("webhook-get", found))
}

async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let Ok(id) = id.trim().parse::<u64>() else {
        return Err(ApiError::not_found(format!("Cannot find webhook: {id}"))
            .message_type("delete-webhook"));
    };
    state
        .account()
        .webhooks
        .delete(id)
        .map_err(|p| problem(&p, "delete-webhook"))?;
    state.touch();
    Ok(Reply::empty("webhook-delete"))
}

async fn simulate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult {
    const MT: &str = "post-webhook-simulate";
    let webhook = {
        let account = state.account();
        id.trim()
            .parse::<u64>()
            .ok()
            .and_then(|id| account.webhooks.find(id).cloned())
    };
    let Some(webhook) = webhook else {
        return Err(ApiError::not_found(format!("Cannot find webhook: {id}")).message_type(MT));
    };
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Json::Object(Default::default())
    } else {
        json_body(&body).map_err(|e| e.message_type(MT))?
    };
    let test_data = body
        .get("testData")
        .cloned()
        .unwrap_or(Json::Object(Default::default()));
    let Some(deliveries) = state.deliveries.get() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "CMNU-003",
            "webhook delivery is not running; restart the sandbox",
        )
        .message_type(MT));
    };
    deliveries
        .simulate(&webhook, &test_data)
        .map_err(|p| problem(&p, MT))?;
    Ok(Reply::empty(MT))
}
