//! OAuth 2.0 for instance apps (reference §2.3): the authorize step (the sandbox's staff user
//! approves at once and is redirected back with a code), and the token endpoint for the
//! authorization-code and refresh-token grants, form-encoded, answering in snake_case with
//! `api_domain` pointing at this sandbox. Served on every path the real token endpoint has had:
//! `/oauth/token/{account}`, `/token/{account}`, `/{account}/oauth/token`.

use super::AppState;
use crate::brightpearl::auth::{Client, OAuthError};
use crate::brightpearl::wire::now_ms;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;

/// The OAuth routes (outside the API prefix).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize/{account}", get(authorize))
        .route("/authorize/{account}", get(authorize))
        .route("/oauth/token/{account}", post(token))
        .route("/token/{account}", post(token))
        .route("/{account}/oauth/token", post(token))
}

fn oauth_error(error: &OAuthError) -> Response {
    let body = match &error.description {
        Some(description) => json!({"error_description": description, "error": error.error}),
        None => json!({"error": error.error}),
    };
    json_answer(StatusCode::BAD_REQUEST, body)
}

fn json_answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static(super::reply::JSON_CONTENT_TYPE),
    );
    headers.insert(
        "cache-control",
        HeaderValue::from_static("no-cache, private"),
    );
    response
}

fn request_error(description: String) -> Response {
    oauth_error(&OAuthError {
        error: "invalid_request",
        description: Some(description),
    })
}

async fn authorize(
    State(state): State<AppState>,
    Path(account): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if account != state.account().settings.code {
        return request_error(format!(
            "there is no account {account} here; use {}",
            state.account().settings.code
        ));
    }
    if query.get("response_type").map(String::as_str) != Some("code") {
        return request_error("response_type must be code".into());
    }
    let Some(redirect_uri) = query.get("redirect_uri").filter(|u| u.starts_with("http")) else {
        return request_error("redirect_uri is required and must be an http(s) URL".into());
    };
    let client_id = query.get("client_id").map(String::as_str).unwrap_or("");
    let code = match state.auth().authorize(client_id, redirect_uri, now_ms()) {
        Ok(code) => code,
        Err(error) => return oauth_error(&error),
    };
    let mut target = match url_with(redirect_uri, "code", &code) {
        Some(target) => target,
        None => return request_error("redirect_uri is not a valid URL".into()),
    };
    if let Some(s) = query.get("state") {
        target = format!("{target}&state={}", encode(s));
    }
    Redirect::to(&target).into_response()
}

fn url_with(base: &str, key: &str, value: &str) -> Option<String> {
    if base.contains('#') {
        return None;
    }
    let joiner = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{joiner}{key}={}", encode(value)))
}

fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

async fn token(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return request_error(
            "send the token request form-encoded (Content-Type: application/x-www-form-urlencoded)"
                .into(),
        );
    }
    let fields: HashMap<String, String> = match serde_urlencoded::from_bytes(&body) {
        Ok(fields) => fields,
        Err(e) => return request_error(format!("the form cannot be read: {e}")),
    };
    let code_of_account = state.account().settings.code.clone();
    let account = fields.get("account_code").cloned().unwrap_or(account);
    if account != code_of_account {
        return oauth_error(&OAuthError {
            error: "invalid_client",
            description: None,
        });
    }
    let field = |name: &str| fields.get(name).map(String::as_str);
    let api_domain = state.api_domain.clone();
    let instance = state.account().settings.integration_instance_id;
    let now = now_ms();
    let result = match field("grant_type") {
        Some("authorization_code") => state.auth().exchange_code(
            Client {
                id: field("client_id"),
                secret: field("client_secret"),
            },
            field("code").unwrap_or(""),
            field("redirect_uri"),
            now,
            &api_domain,
            instance,
        ),
        Some("refresh_token") => state.auth().refresh(
            Client {
                id: field("client_id"),
                secret: field("client_secret"),
            },
            field("refresh_token").unwrap_or(""),
            now,
            &api_domain,
        ),
        other => Err(OAuthError {
            error: "unsupported_grant_type",
            description: Some(format!(
                "grant_type {:?} is not supported; use authorization_code or refresh_token",
                other.unwrap_or("")
            )),
        }),
    };
    match result {
        Ok(tokens) => match serde_json::to_value(&tokens) {
            Ok(body) => json_answer(StatusCode::OK, body),
            Err(e) => request_error(e.to_string()),
        },
        Err(error) => oauth_error(&error),
    }
}
