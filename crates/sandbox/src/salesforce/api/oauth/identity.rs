//! Who a token belongs to: introspection (RFC 7662), OpenID Connect userinfo, and the
//! identity URL every token response points at.

use super::{OAuthError, Params, grants::basic_credentials, json_response};
use crate::salesforce::api::{ApiVersion, AppState, LATEST_VERSION, bearer_token};
use crate::salesforce::auth::User;
use crate::salesforce::ids::SfId;
use crate::salesforce::value;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

/// `{instance}/id/{orgId18}/{userId18}`: the `id` of token responses.
pub fn identity_url(instance_url: &str, org_id: SfId, user_id: SfId) -> String {
    format!("{instance_url}/id/{org_id}/{user_id}")
}

/// `POST /services/oauth2/introspect`: `{"active":true,...}` for a live token of this org,
/// `{"active":false}` otherwise. The caller authenticates as the connected app.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::read(query.as_deref(), &headers, &body);
    let (client_id, secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (id, secret),
        None => (
            params.value("client_id").unwrap_or_default().to_string(),
            params
                .value("client_secret")
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let auth = state.auth();
    if auth.check_client(&client_id, Some(&secret)).is_err() {
        return OAuthError {
            status: StatusCode::UNAUTHORIZED,
            ..OAuthError::invalid_client()
        }
        .into_response();
    }
    let Some(token) = params.value("token") else {
        return OAuthError::missing("token").into_response();
    };
    let Some(info) = auth.token_info(token) else {
        return json_response(StatusCode::OK, &json!({"active": false}));
    };
    let username = auth
        .user_by_id(info.user_id)
        .map(|user| user.username.clone())
        .unwrap_or_default();
    let mut body = json!({
        "active": true,
        "scope": info.scope,
        "client_id": info.client_id,
        "username": username,
        "sub": identity_url(&state.instance_url, auth.org_id(), info.user_id),
        "token_type": if info.refresh { "refresh_token" } else { "access_token" },
    });
    if let Json::Object(map) = &mut body {
        if let Some(expires) = info.expires_ms {
            map.insert("exp".into(), (expires / 1000).into());
        }
        if let Some(issued) = info.issued_ms {
            map.insert("iat".into(), (issued / 1000).into());
            map.insert("nbf".into(), (issued / 1000).into());
        }
    }
    json_response(StatusCode::OK, &body)
}

/// The identity service's plain-text refusals: `Missing_OAuth_Token`, `Bad_OAuth_Token`,
/// `Bad_Id`.
#[derive(Debug, Clone, Copy)]
struct Refusal(StatusCode, &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.0,
            [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
            self.1,
        )
            .into_response()
    }
}

/// The user and org of a live `token`, or the identity service's 403.
fn user_of(state: &AppState, token: Option<String>) -> Result<(User, SfId), Refusal> {
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(Refusal(StatusCode::FORBIDDEN, "Missing_OAuth_Token"))?;
    let auth = state.auth();
    let bad = Refusal(StatusCode::FORBIDDEN, "Bad_OAuth_Token");
    let session = auth.session(&token).ok_or(bad)?;
    let user = auth.user_by_id(session.user_id).cloned().ok_or(bad)?;
    Ok((user, auth.org_id()))
}

/// `GET|POST /services/oauth2/userinfo`: OpenID Connect claims of the token's user.
pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (user, org_id) = match user_of(&state, bearer_token(&headers)) {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let instance = &state.instance_url;
    let (given, family) = split_name(&user.full_name);
    let body = json!({
        "sub": identity_url(instance, org_id, user.user_id),
        "user_id": user.user_id.as_str(),
        "organization_id": org_id.as_str(),
        "preferred_username": user.username,
        "nickname": nickname(&user.username),
        "name": user.full_name,
        "email": user.email,
        "email_verified": true,
        "given_name": given,
        "family_name": family,
        "zoneinfo": "America/Los_Angeles",
        "photos": photos(instance),
        "profile": format!("{instance}/{}", user.user_id.short()),
        "picture": format!("{instance}/profilephoto/005/F"),
        "address": {},
        "is_salesforce_integration_user": false,
        "urls": urls(instance, org_id, user.user_id, "{version}"),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28_800_000,
        "updated_at": value::format_datetime(value::now_ms()),
        "is_app_installed": true,
    });
    json_response(StatusCode::OK, &body)
}

/// `GET|POST /id/{orgId}/{userId}`: the identity of the token's user. The token comes as a
/// Bearer header or `?oauth_token=`; `?version=59.0` (or `latest`) fills the `urls`.
pub async fn identity(
    State(state): State<AppState>,
    Path((org, user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::read(query.as_deref(), &HeaderMap::new(), &[]);
    let token = bearer_token(&headers).or_else(|| params.value("oauth_token").map(str::to_string));
    let (session_user, org_id) = match user_of(&state, token) {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let same = |text: &str, id: SfId| SfId::parse(text).is_ok_and(|parsed| parsed == id);
    if !same(&org, org_id) || !same(&user, session_user.user_id) {
        return Refusal(StatusCode::NOT_FOUND, "Bad_Id").into_response();
    }
    let version = match params.value("version") {
        Some("latest") => LATEST_VERSION.to_string(),
        Some(text) => ApiVersion::parse(text)
            .map(|v| v.number())
            .unwrap_or_else(|| "{version}".to_string()),
        None => "{version}".to_string(),
    };
    let instance = &state.instance_url;
    let user = &session_user;
    let (first, last) = split_name(&user.full_name);
    let body = json!({
        "id": identity_url(instance, org_id, user.user_id),
        "asserted_user": true,
        "user_id": user.user_id.as_str(),
        "organization_id": org_id.as_str(),
        "username": user.username,
        "nick_name": nickname(&user.username),
        "display_name": user.full_name,
        "email": user.email,
        "email_verified": true,
        "first_name": first,
        "last_name": last,
        "timezone": "America/Los_Angeles",
        "photos": photos(instance),
        "addr_street": null,
        "addr_city": null,
        "addr_state": null,
        "addr_country": null,
        "addr_zip": null,
        "mobile_phone": null,
        "mobile_phone_verified": false,
        "is_lightning_login_user": false,
        "status": {"created_date": null, "body": null},
        "urls": urls(instance, org_id, user.user_id, &version),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28_800_000,
        "last_modified_date": value::format_datetime(value::now_ms()),
        "is_app_installed": true,
    });
    json_response(StatusCode::OK, &body)
}

/// The API endpoints of the org, as identity responses list them; `version` is a number or
/// the literal `{version}` placeholder clients substitute.
fn urls(instance: &str, org_id: SfId, user_id: SfId, version: &str) -> Json {
    let org = org_id.short();
    let data = format!("{instance}/services/data/v{version}");
    json!({
        "enterprise": format!("{instance}/services/Soap/c/{version}/{org}"),
        "metadata": format!("{instance}/services/Soap/m/{version}/{org}"),
        "partner": format!("{instance}/services/Soap/u/{version}/{org}"),
        "rest": format!("{data}/"),
        "sobjects": format!("{data}/sobjects/"),
        "search": format!("{data}/search/"),
        "query": format!("{data}/query/"),
        "recent": format!("{data}/recent/"),
        "tooling_soap": format!("{instance}/services/Soap/T/{version}/{org}"),
        "tooling_rest": format!("{data}/tooling/"),
        "profile": format!("{instance}/{}", user_id.short()),
        "feeds": format!("{data}/chatter/feeds"),
        "groups": format!("{data}/chatter/groups"),
        "users": format!("{data}/chatter/users"),
        "feed_items": format!("{data}/chatter/feed-items"),
        "feed_elements": format!("{data}/chatter/feed-elements"),
        "custom_domain": instance,
    })
}

fn photos(instance: &str) -> Json {
    json!({
        "picture": format!("{instance}/profilephoto/005/F"),
        "thumbnail": format!("{instance}/profilephoto/005/T"),
    })
}

/// "Sandbox Admin" → ("Sandbox", "Admin").
fn split_name(full_name: &str) -> (&str, &str) {
    full_name.split_once(' ').unwrap_or(("", full_name))
}

/// The part of a username before the `@`.
fn nickname(username: &str) -> &str {
    username.split('@').next().unwrap_or(username)
}
