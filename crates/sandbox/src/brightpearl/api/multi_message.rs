//! Multi-message (reference §7.12): 2–10 writes (POST/PUT/PATCH/DELETE) in one request, which
//! counts once against the throttle. Each message runs through the same inner router as a
//! direct call would; each answer comes back as `{"label","statusCode","body":{"content":"<the
//! answer's JSON as a string>"}}`. `SEQUENTIAL` with `onFail: STOP` stops at the first failure
//! and lists the rest as unprocessed; otherwise every message runs. 200 when all succeeded,
//! 207 otherwise.

use super::body::{json_object, kind};
use super::{ApiError, ApiResult, AppState, Reply, dispatch, split_prefix};
use crate::brightpearl::auth::Caller;
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{Method, StatusCode};
use axum::routing::post;
use serde_json::{Value as Json, json};

const MESSAGE_TYPE: &str = "multi-message";

/// The route (account-relative).
pub fn routes() -> Router<AppState> {
    Router::new().route("/multi-message", post(multi_message))
}

struct Message {
    label: String,
    method: Method,
    uri: String,
    body: Option<Json>,
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("CMNC-010", message).message_type(MESSAGE_TYPE)
}

fn parse(body: &serde_json::Map<String, Json>) -> Result<(bool, bool, Vec<Message>), ApiError> {
    let sequential = match body
        .get("processingMode")
        .and_then(Json::as_str)
        .unwrap_or("SEQUENTIAL")
    {
        "SEQUENTIAL" => true,
        "PARALLEL" => false,
        other => {
            return Err(invalid(format!(
                "processingMode {other:?} is not SEQUENTIAL or PARALLEL"
            )));
        }
    };
    let stop = match body.get("onFail").and_then(Json::as_str).unwrap_or("STOP") {
        "STOP" => true,
        "CONTINUE" => false,
        other => return Err(invalid(format!("onFail {other:?} is not STOP or CONTINUE"))),
    };
    let Some(Json::Array(items)) = body.get("messages") else {
        return Err(invalid(
            "a multi-message body needs \"messages\": an array of 2 to 10 messages".into(),
        ));
    };
    if !(2..=10).contains(&items.len()) {
        return Err(invalid(format!(
            "a multi-message carries 2 to 10 messages, not {}; send single calls or split the batch",
            items.len()
        )));
    }
    let mut messages = Vec::with_capacity(items.len());
    let mut labels = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let Json::Object(item) = item else {
            return Err(invalid(format!(
                "message {} is {}, not an object",
                i + 1,
                kind(item)
            )));
        };
        let label = match item.get("label").and_then(Json::as_str) {
            Some(label) if !label.is_empty() => label.to_string(),
            _ => {
                return Err(invalid(format!(
                    "message {} has no label; give each message a unique label",
                    i + 1
                )));
            }
        };
        if !labels.insert(label.clone()) {
            return Err(invalid(format!(
                "the label {label:?} is used twice; labels must be unique"
            )));
        }
        let method = match item.get("httpMethod").and_then(Json::as_str) {
            Some("POST") => Method::POST,
            Some("PUT") => Method::PUT,
            Some("PATCH") => Method::PATCH,
            Some("DELETE") => Method::DELETE,
            other => {
                return Err(invalid(format!(
                    "message {label}: httpMethod {:?} is not allowed; a multi-message carries only POST, PUT, PATCH and DELETE",
                    other.unwrap_or("")
                )));
            }
        };
        let uri = match item.get("uri").and_then(Json::as_str) {
            Some(uri) if uri.starts_with('/') => match split_prefix(uri) {
                Some((_, rest)) => rest.to_string(),
                None => uri.to_string(),
            },
            _ => {
                return Err(invalid(format!(
                    "message {label}: uri must be a path such as /order-service/order"
                )));
            }
        };
        messages.push(Message {
            label,
            method,
            uri,
            body: item.get("body").cloned(),
        });
    }
    Ok((sequential, stop, messages))
}

async fn multi_message(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> ApiResult {
    let body = json_object(&body, "multi-message").map_err(|e| e.message_type(MESSAGE_TYPE))?;
    let (sequential, stop_on_fail, messages) = parse(&body)?;
    let mut processed = Vec::new();
    let mut unprocessed = Vec::new();
    let mut failed = false;
    for message in messages {
        if failed && sequential && stop_on_fail {
            unprocessed.push(Json::String(message.label));
            continue;
        }
        let mut builder = Request::builder()
            .method(message.method)
            .uri(&message.uri)
            .header("content-type", "application/json");
        if let Some(extensions) = builder.extensions_mut() {
            extensions.insert(caller.clone());
        }
        let payload = match &message.body {
            Some(Json::Object(map)) if map.is_empty() => Vec::new(),
            Some(value) => value.to_string().into_bytes(),
            None => Vec::new(),
        };
        let request = builder
            .body(Body::from(payload))
            .map_err(|e| invalid(format!("message {}: {e}", message.label)))?;
        let response = dispatch(&state, request).await;
        let status = response.status();
        let content = axum::body::to_bytes(response.into_body(), super::MAX_BODY)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if !status.is_success() {
            failed = true;
        }
        processed.push(json!({
            "label": message.label,
            "statusCode": status.as_u16(),
            "body": {"content": content},
        }));
    }
    let status = if failed {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    Ok(Reply::ok(
        MESSAGE_TYPE,
        json!({"processedMessages": processed, "unprocessedMessages": unprocessed}),
    )
    .with_status(status))
}
