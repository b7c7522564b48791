//! The dashboard (`/ui/...`): server-rendered pages (askama templates compiled into the binary,
//! htmx and the stylesheet embedded: no Node build), usable on a phone.
//!
//! **Login** takes an admin-API token (`[[server.api_tokens]]`): its role is the session's. A
//! session is a random 256-bit id in a cookie (`HttpOnly`, `SameSite=Strict`, `Path=/ui`, and
//! `Secure` when the server's public address is https), kept in memory for eight hours; every
//! form that changes something carries the session's CSRF token, and a POST without it (or
//! with another) is refused. Pages: the overview of the flows (refreshed every five seconds),
//! the dead letters (filter, retry, discard, retry all shown).

pub(crate) mod audit;
pub(crate) mod dead_letters;
pub(crate) mod flows;
mod overview;
mod session;
pub(crate) mod trace;

use crate::ServerState;
use crate::admin::Role;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use ferry_core::FlowName;
pub(crate) use overview::{flows_fragment, overview};
use serde::Deserialize;
pub use session::Sessions;
use session::User;

/// The embedded static files (`crates/server/assets`).
#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Assets;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<User>,
    notice: Option<String>,
}

fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the page could not be rendered: {e}"),
        )
            .into_response(),
    }
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Html(format!(
        "<!doctype html><meta charset=utf-8><title>Ferry</title><p>{}</p><p><a href=\"/ui/\">Back</a></p>",
        escape(message)
    )))
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /ui/static/{file}`: htmx and the stylesheet, cached for a day.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    match Assets::get(&file) {
        Some(content) => {
            let kind = if file.ends_with(".js") {
                "text/javascript; charset=utf-8"
            } else if file.ends_with(".css") {
                "text/css; charset=utf-8"
            } else {
                "text/plain; charset=utf-8"
            };
            (
                [
                    (header::CONTENT_TYPE, kind),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                content.data.into_owned(),
            )
                .into_response()
        }
        None => problem(StatusCode::NOT_FOUND, "no such file"),
    }
}

/// `GET /ui/login`.
pub(crate) async fn login_page(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if state.ui_sessions.user(&headers).is_some() {
        return Redirect::to("/ui/").into_response();
    }
    render(&LoginPage {
        user: None,
        notice: None,
    })
}

/// The login form.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    token: String,
}

/// `POST /ui/login`: a configured token starts a session with its role.
pub(crate) async fn login(
    State(state): State<ServerState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !same_origin(&headers) {
        return problem(
            StatusCode::FORBIDDEN,
            "the form was sent from another site: log in from Ferry's own page",
        );
    }
    let Ok(Form(form)) = form else {
        return problem(StatusCode::BAD_REQUEST, "send the login form with a token");
    };
    let Some(token) = crate::admin::token_for(&state, form.token.trim()) else {
        let mut page = render(&LoginPage {
            user: None,
            notice: Some(
                "That token is not one of [[server.api_tokens]]: check it, or ask an admin for one."
                    .into(),
            ),
        });
        *page.status_mut() = StatusCode::UNAUTHORIZED;
        return page;
    };
    let cookie = state.ui_sessions.start(&token.name, token.role);
    let mut response = Redirect::to("/ui/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.header(state.secure_cookies)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /ui/logout`.
pub(crate) async fn logout(
    State(state): State<ServerState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    match form {
        Ok(Form(form)) if user.csrf_matches(&form.csrf) => {}
        _ => return problem(StatusCode::FORBIDDEN, "the form is stale: reload the page"),
    }
    state.ui_sessions.end(&headers);
    let mut response = Redirect::to("/ui/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&session::expired_cookie(state.secure_cookies)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The signed-in user, or a redirect to the login page.
pub(super) fn session(state: &ServerState, headers: &HeaderMap) -> Result<User, Box<Response>> {
    state
        .ui_sessions
        .user(headers)
        .ok_or_else(|| Box::new(Redirect::to("/ui/login").into_response()))
}

/// The user of a form that changes something: signed in, the CSRF token and this site's
/// origin, and at least `needed`; `what` names the action with its verb ("saving a mapping
/// needs") for the refusal.
pub(super) fn acting(
    state: &ServerState,
    headers: &HeaderMap,
    csrf: &str,
    needed: Role,
    what: &str,
) -> Result<User, Box<Response>> {
    let user = session(state, headers)?;
    if !user.csrf_matches(csrf) || !same_origin(headers) {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            "the form is stale: reload the page",
        )));
    }
    if user.role < needed {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            &format!(
                "{} is a {}: {what} an {} token",
                user.name,
                user.role.as_str(),
                needed.as_str()
            ),
        )));
    }
    Ok(user)
}

fn flow_name(text: &str) -> Result<Option<FlowName>, Box<Response>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    FlowName::new(text.to_owned()).map(Some).map_err(|e| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            &format!("{text:?} is not a flow name ({e}): pick one from the list"),
        ))
    })
}

/// Whether a POST comes from this site: when the browser names the origin, it must be the
/// host the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
