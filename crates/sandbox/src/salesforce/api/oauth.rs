//! OAuth 2.0 at `/services/oauth2/*` and the identity URL `/id/{orgId}/{userId}`: what
//! Salesforce's login server answers, on the sandbox's own host.
//!
//! Decisions where the real service leaves a choice or was not observed directly:
//!
//! - **Grant types.** `password` (any user; password followed by security token),
//!   `client_credentials` (consumer key and secret as HTTP Basic or form fields; runs as the
//!   integration user), `authorization_code` (from [`authorize`]; PKCE `S256` or `plain`),
//!   `refresh_token` and `urn:ietf:params:oauth:grant-type:jwt-bearer` (RS256, verified with
//!   `--jwt-cert`; runs as the `sub` user). Parameters may come in the form body, the query
//!   string, or both (the body wins).
//! - **Success body.** `access_token`, `refresh_token` (web-server flow only), `signature`
//!   (base64 HMAC-SHA256 of `id` + `issued_at`, keyed with the consumer secret), `scope`,
//!   `instance_url`, `id` (`{instance}/id/{orgId18}/{userId18}`), `token_type` `Bearer` and
//!   `issued_at` (epoch milliseconds as a string), in that order, for every grant. There is
//!   never an `expires_in`: clients learn of expiry from the data API's 401.
//! - **Refresh-token rotation is off** (Salesforce's default): a refresh answer carries no
//!   `refresh_token` and the same refresh token keeps working until revoked. Revoking it
//!   also ends every session obtained with it.
//! - **Errors** are `400 {"error","error_description"}` with Salesforce's codes: an unknown or
//!   missing `client_id` → `invalid_client_id` / `client identifier invalid`; a wrong or
//!   missing secret → `invalid_client` / `invalid client credentials`; a missing or unknown
//!   `grant_type` → `unsupported_grant_type` / `grant type not supported`; wrong user
//!   credentials → `invalid_grant` / `authentication failure`; an unknown, used or expired
//!   code → `invalid_grant` / `expired authorization code`; an unknown or revoked refresh
//!   token → `invalid_grant` / `expired access/refresh token`; a PKCE mismatch →
//!   `invalid_grant` / `invalid code verifier`; a different `redirect_uri` at exchange →
//!   `invalid_grant` / `redirect_uri must match configuration`. Any other missing parameter →
//!   `invalid_request` / `missing required parameter: NAME`.
//! - **JWT bearer errors** as the real service words them: a bad signature, a malformed token
//!   or an algorithm other than RS256 → `invalid_grant` / `invalid assertion`; `exp` in the
//!   past (or missing) → `invalid_grant` / `expired authorization code`; `iss` not the consumer
//!   key → `invalid_client_id` / `client identifier invalid`; `sub` not a user →
//!   `invalid_grant` / `user hasn't approved this consumer`. `exp` may be a number or a
//!   numeric string (simple-salesforce sends a string); `aud` is not checked.
//! - **Web-server flow.** `/authorize` logs nobody in: it redirects at once with a code for
//!   the admin user (or the user named by `login_hint`). Any absolute `redirect_uri` is
//!   accepted there (the sandbox's connected app has no callback list); the exchange must
//!   repeat it exactly. Without `code_challenge_method` the challenge is taken as `S256`, as
//!   Salesforce does (jsforce sends no method). The secret is required at exchange unless
//!   the code was issued with a PKCE challenge. Codes are single-use and live 15 minutes; a
//!   failed exchange uses the code up.
//! - **Revoke** answers 200 with an empty body. A failure is 400 with a form-encoded body
//!   (jsforce parses it as a query string): a token in Salesforce's shape that is unknown or
//!   already revoked → `error=invalid_token&error_description=invalid%20token`; anything else
//!   → `error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported`.
//! - **Introspect** needs the client's credentials (Basic or form); wrong ones give
//!   401 `invalid_client` (RFC 7662). Unknown, expired or revoked tokens give
//!   `{"active":false}`.
//! - **Userinfo and identity** take a Bearer token (the identity URL also `?oauth_token=`).
//!   A missing token is 403 `Missing_OAuth_Token`, a bad one 403 `Bad_OAuth_Token`, and an
//!   identity URL naming another org or user 404 `Bad_Id`, all plain text as Salesforce's
//!   identity service answers. Only JSON is served (`format=xml` is ignored).

mod grants;
mod identity;

use super::AppState;
use crate::salesforce::auth::{AuthorizationCode, SCOPE_WITH_REFRESH, Session};
use crate::salesforce::value;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value as Json};
use sha2::Sha256;

pub use identity::identity_url;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/authorize", get(authorize))
        .route("/services/oauth2/revoke", post(revoke).get(revoke))
        .route("/services/oauth2/introspect", post(identity::introspect))
        .route(
            "/services/oauth2/userinfo",
            get(identity::userinfo).post(identity::userinfo),
        )
        .route(
            "/id/{org_id}/{user_id}",
            get(identity::identity).post(identity::identity),
        )
}

/// Salesforce's answers never let a proxy or browser keep a token.
const NO_STORE: &str = "no-cache,must-revalidate,max-age=0,no-store,private";

/// An OAuth error: `{"error","error_description"}` with a 4xx status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status (400 unless said otherwise).
    pub status: StatusCode,
    /// The `error` code.
    pub error: &'static str,
    /// The `error_description`.
    pub description: String,
}

impl OAuthError {
    /// 400 with this code and description.
    pub fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// `invalid_grant` with this description.
    pub fn invalid_grant(description: &str) -> OAuthError {
        OAuthError::new("invalid_grant", description)
    }

    /// The consumer key is unknown or missing.
    pub fn invalid_client_id() -> OAuthError {
        OAuthError::new("invalid_client_id", "client identifier invalid")
    }

    /// The consumer secret is wrong or missing.
    pub fn invalid_client() -> OAuthError {
        OAuthError::new("invalid_client", "invalid client credentials")
    }

    /// A required parameter is missing.
    pub fn missing(parameter: &str) -> OAuthError {
        OAuthError::new(
            "invalid_request",
            format!("missing required parameter: {parameter}"),
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "error_description": self.description});
        json_response(self.status, &body)
    }
}

/// A JSON answer with Salesforce's content type and no-store caching.
fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json;charset=UTF-8"),
            (header::CACHE_CONTROL, NO_STORE),
        ],
        body.to_string(),
    )
        .into_response()
}

/// Request parameters from the query string and a form body, in order (the body first).
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads the query string and, when the body is a form (or untyped), the body.
    pub fn read(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.to_ascii_lowercase().contains("x-www-form-urlencoded"));
        let mut pairs = Vec::new();
        if is_form {
            pairs.extend(parse_form(&String::from_utf8_lossy(body)));
        }
        if let Some(query) = query {
            pairs.extend(parse_form(query));
        }
        Params(pairs)
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first non-empty value of `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// The non-empty value of `name`, or `invalid_request` naming it.
    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.value(name).ok_or_else(|| OAuthError::missing(name))
    }
}

/// `a=1&b=x%20y+z` → pairs, percent- and plus-decoded.
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

/// Percent-decoding with `+` as a space; malformed escapes are kept as written.
fn decode_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What a successful grant hands out.
pub struct Granted {
    /// The new session.
    pub session: Session,
    /// A refresh token, for the web-server flow.
    pub refresh_token: Option<String>,
    /// The scopes granted.
    pub scope: String,
}

/// `POST /services/oauth2/token`.
async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::read(query.as_deref(), &headers, &body);
    let granted = match params.value("grant_type") {
        Some("password") => grants::password(&state, &params),
        Some("client_credentials") => grants::client_credentials(&state, &params, &headers),
        Some("authorization_code") => grants::authorization_code(&state, &params),
        Some("refresh_token") => grants::refresh_token(&state, &params),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => grants::jwt_bearer(&state, &params),
        _ => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        )),
    };
    match granted {
        Ok(granted) => json_response(StatusCode::OK, &token_body(&state, &granted)),
        Err(error) => error.into_response(),
    }
}

/// The token endpoint's success body, keys in Salesforce's order.
fn token_body(state: &AppState, granted: &Granted) -> Json {
    let (org_id, secret) = {
        let auth = state.auth();
        (auth.org_id(), auth.client().client_secret.clone())
    };
    let session = &granted.session;
    let id = identity_url(&state.instance_url, org_id, session.user_id);
    let issued_at = session.issued_ms.to_string();
    let mut body = Map::new();
    body.insert("access_token".into(), session.token.clone().into());
    if let Some(refresh) = &granted.refresh_token {
        body.insert("refresh_token".into(), refresh.clone().into());
    }
    body.insert(
        "signature".into(),
        signature(&secret, &id, &issued_at).into(),
    );
    body.insert("scope".into(), granted.scope.clone().into());
    body.insert("instance_url".into(), state.instance_url.clone().into());
    body.insert("id".into(), id.into());
    body.insert("token_type".into(), "Bearer".into());
    body.insert("issued_at".into(), issued_at.into());
    Json::Object(body)
}

/// Base64 HMAC-SHA256 of `id + issued_at` keyed with the consumer secret: lets a client
/// check that the identity URL came from the server.
pub fn signature(secret: &str, id: &str, issued_at: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `GET /services/oauth2/authorize`: approves at once and redirects with a code.
async fn authorize(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params(parse_form(query.as_deref().unwrap_or_default()));
    let client_id = params.value("client_id").unwrap_or_default();
    let mut auth = state.auth();
    if auth.check_client(client_id, None).is_err() {
        return OAuthError::invalid_client_id().into_response();
    }
    let Some(redirect_uri) = params.value("redirect_uri").filter(|uri| is_absolute(uri)) else {
        return OAuthError::new(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        )
        .into_response();
    };
    let state_param = params.get("state");
    let refuse = |error: &str, description: &str| {
        let mut query = vec![("error", error), ("error_description", description)];
        query.extend(state_param.map(|s| ("state", s)));
        redirect(redirect_uri, &query)
    };
    if params.value("response_type") != Some("code") {
        return refuse("unsupported_response_type", "response type not supported");
    }
    let challenge = match params.value("code_challenge") {
        None => None,
        Some(challenge) => match params.value("code_challenge_method").unwrap_or("S256") {
            method @ ("S256" | "plain") => Some((challenge.to_string(), method.to_string())),
            _ => return refuse("invalid_request", "invalid code_challenge_method"),
        },
    };
    let user_id = params
        .value("login_hint")
        .and_then(|name| auth.user_by_name(name))
        .unwrap_or(auth.admin())
        .user_id;
    let code = auth.issue_code(AuthorizationCode {
        user_id,
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        code_challenge: challenge,
        scope: params
            .value("scope")
            .unwrap_or(SCOPE_WITH_REFRESH)
            .to_string(),
        issued_ms: value::now_ms(),
    });
    drop(auth);
    let mut query = vec![("code", code.as_str())];
    query.extend(state_param.map(|s| ("state", s)));
    redirect(redirect_uri, &query)
}

/// `scheme:rest` with a scheme: `https://app/cb`, `http://localhost:1717/cb`, `myapp://cb`.
fn is_absolute(uri: &str) -> bool {
    uri.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// 302 to `uri` with `query` appended.
fn redirect(uri: &str, query: &[(&str, &str)]) -> Response {
    let encoded: Vec<String> = query
        .iter()
        .map(|(key, value)| format!("{key}={}", encode_component(value)))
        .collect();
    let separator = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{separator}{}", encoded.join("&"));
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => OAuthError::new(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        )
        .into_response(),
    }
}

/// `POST|GET /services/oauth2/revoke`: 200 and an empty body, or a form-encoded error.
async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::read(query.as_deref(), &headers, &body);
    let failure = |error: &str, description: &str| {
        (
            StatusCode::BAD_REQUEST,
            [
                (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
                (header::CACHE_CONTROL, NO_STORE),
            ],
            format!(
                "error={error}&error_description={}",
                encode_component(description)
            ),
        )
            .into_response()
    };
    let Some(token) = params.value("token") else {
        return failure("invalid_request", "missing required parameter: token");
    };
    let (revoked, org_prefix) = {
        let mut auth = state.auth();
        (auth.revoke(token), auth.org_id().short().to_string())
    };
    if revoked {
        return (StatusCode::OK, [(header::CACHE_CONTROL, NO_STORE)]).into_response();
    }
    let looks_like_a_token =
        token.starts_with(&format!("{org_prefix}!")) || token.starts_with("5Aep");
    if looks_like_a_token {
        failure("invalid_token", "invalid token")
    } else {
        failure("unsupported_token_type", "this token type is not supported")
    }
}
