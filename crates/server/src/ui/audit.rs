//! The audit log page (`GET /ui/audit`, viewer): who did what to which subject, newest first,
//! filtered by actor, action and a start date, fifty entries a page with "older" links.
//!
//! Secrets never reach an audit entry — the vault records only a secret's *name*
//! (`vault.set`, subject = the name, detail = the key id) and a configuration change records
//! secret *references* (`env:VAR`, `vault:NAME`) — but a detail is free JSON, so every value
//! under a secret-sounding key (a password, a token, a key, a webhook URL, a token's SHA-256)
//! is shown masked all the same ([`masked`]); references stay readable, as they name where
//! the secret is, not what it is.

use super::{User, problem, render, url_encode};
use crate::ServerState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ferry_core::Timestamp;
use ferry_store::AuditEntry;
use serde::Deserialize;
use serde_json::Value;

/// Entries per page.
const PAGE: usize = 50;

/// How many of the newest entries (of the chosen action) the page searches. The store reads
/// the audit log newest first by tenant and action; actor, date and paging filter this window.
pub(crate) const SCAN: u32 = 5000;

/// What a masked value shows.
const MASK: &str = "•••••• (masked)";

/// Keys whose values are secrets (matched case-insensitively, as a part of the key).
const SECRET_KEYS: [&str; 10] = [
    "password",
    "secret",
    "token",
    "sha256",
    "api_key",
    "apikey",
    "private_key",
    "authorization",
    "webhook_url",
    "credential",
];

fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    // `key_id` names a master key, `token_name` a token: names, not secrets.
    !key.ends_with("_id")
        && !key.ends_with("_name")
        && key != "name"
        && SECRET_KEYS.iter().any(|word| key.contains(word))
}

/// A secret reference (`env:VAR`, `vault:NAME`): where a secret is, not what it is.
fn reference(text: &str) -> bool {
    text.strip_prefix("env:")
        .or_else(|| text.strip_prefix("vault:"))
        .is_some_and(|name| !name.is_empty() && !name.contains(char::is_whitespace))
}

/// `detail` with every value under a secret-sounding key masked (references kept), and any
/// string that carries credentials (`Bearer ...`, `user:password@` in a URL) masked wherever
/// it is.
pub fn masked(detail: &Value) -> Value {
    match detail {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let shown = if secret_key(key) {
                        mask_all(value)
                    } else {
                        masked(value)
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        Value::String(text) if carries_credentials(text) => Value::String(MASK.into()),
        other => other.clone(),
    }
}

/// Every string and number under a secret key masked; references, booleans and nulls kept
/// (a list of tokens keeps its names: objects inside are masked by key again).
fn mask_all(value: &Value) -> Value {
    match value {
        Value::String(text) if reference(text) || text.is_empty() => value.clone(),
        Value::String(_) | Value::Number(_) => Value::String(MASK.into()),
        Value::Array(items) => Value::Array(items.iter().map(mask_all).collect()),
        Value::Object(_) => masked(value),
        other => other.clone(),
    }
}

fn carries_credentials(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("bearer ") || lower.starts_with("basic ") {
        return true;
    }
    // scheme://user:password@host
    lower.split_once("://").is_some_and(|(_, rest)| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .split_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}

/// One row of the page.
struct Row {
    id: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    /// The masked detail, compact JSON.
    detail: String,
    /// A link to the subject's trace, when the subject is a record id.
    trace: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    user: Option<User>,
    notice: Option<String>,
    actor: String,
    action: String,
    since: String,
    rows: Vec<Row>,
    /// The link to the next (older) page.
    older: Option<String>,
    /// The link back to the newest page, when this is an older one.
    newest: Option<String>,
    /// Whether the window searched was used up (older entries exist beyond it).
    window_full: bool,
    scan: u32,
}

/// The page's filters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    since: String,
    /// Only entries older than this id (the "older" link).
    #[serde(default)]
    before: Option<i64>,
}

/// What to read from the audit log: the page's and `GET /api/audit`'s filters.
#[derive(Debug, Default)]
pub(crate) struct AuditSelection<'a> {
    /// Only this action (exact).
    pub action: Option<&'a str>,
    /// Only actors containing this text (case-insensitive).
    pub actor: Option<&'a str>,
    /// Only entries at or after this time.
    pub since: Option<Timestamp>,
    /// Only entries older than this id (paging).
    pub before: Option<i64>,
    /// The most to return.
    pub limit: usize,
}

/// One page of the audit log, newest first, secrets masked.
pub(crate) struct AuditPageOf {
    pub entries: Vec<AuditEntry>,
    /// Whether older entries match too (the next page starts before the last entry's id).
    pub more: bool,
    /// Whether the window of the newest [`SCAN`] entries was used up without filling the page:
    /// older matching entries may exist beyond it.
    pub window_full: bool,
}

/// Reads a page of the audit log. The store reads newest first by tenant and action; actor,
/// time and paging filter the newest [`SCAN`] entries of that.
pub(crate) async fn read(
    state: &ServerState,
    selection: &AuditSelection<'_>,
) -> Result<AuditPageOf, ferry_store::StoreError> {
    let entries = state
        .store
        .audit_entries(Some(&state.tenant), selection.action, SCAN)
        .await?;
    let window_full = entries.len() >= SCAN as usize;
    let actor = selection.actor.unwrap_or_default().to_ascii_lowercase();
    let mut matching = entries.into_iter().filter(|e| {
        selection.before.is_none_or(|before| e.id < before)
            && (actor.is_empty() || e.actor.to_ascii_lowercase().contains(&actor))
            && selection.since.is_none_or(|since| e.at >= since)
    });
    let mut shown: Vec<AuditEntry> = matching.by_ref().take(selection.limit).collect();
    let more = matching.next().is_some();
    for entry in &mut shown {
        entry.detail = masked(&entry.detail);
    }
    Ok(AuditPageOf {
        entries: shown,
        more,
        window_full: window_full && !more,
    })
}

/// `since` as a time: a date (`2026-11-27`, from midnight UTC) or an RFC 3339 time.
pub(crate) fn since_time(text: &str) -> Result<Option<Timestamp>, String> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Some(Timestamp::from_datetime(at)));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|date| Some(Timestamp::from_datetime(date.midnight().assume_utc())))
        .map_err(|_| {
            format!(
                "since {text:?} is neither a date (2026-11-27) nor an RFC 3339 time \
                 (2026-11-27T09:00:00Z): pick a date"
            )
        })
}

/// Whether an audit subject reads as a record id worth a trace link (not a file name, a
/// secret name or a flow).
fn traceable(entry: &AuditEntry) -> bool {
    !entry.action.starts_with("vault.")
        && !entry.action.starts_with("config.")
        && !entry.action.starts_with("store.")
        && !entry.action.starts_with("flow.")
        && !entry.subject.is_empty()
        && entry.subject.len() <= crate::trace::MAX_QUERY_CHARS
        && entry.subject.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn link(filter: &AuditFilter, before: Option<i64>) -> String {
    let mut href = format!(
        "/ui/audit?actor={}&action={}&since={}",
        url_encode(filter.actor.trim()),
        url_encode(filter.action.trim()),
        url_encode(filter.since.trim())
    );
    if let Some(id) = before {
        href.push_str(&format!("&before={id}"));
    }
    href
}

/// `GET /ui/audit?actor=&action=&since=&before=`.
pub(crate) async fn page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    filter: Result<Query<AuditFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    let Ok(Query(filter)) = filter else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the filters are actor, action, since (a date) and before (an entry id): use the \
             page's form",
        );
    };
    let since = match since_time(&filter.since) {
        Ok(since) => since,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let selection = AuditSelection {
        action: Some(filter.action.trim()).filter(|a| !a.is_empty()),
        actor: Some(filter.actor.trim()).filter(|a| !a.is_empty()),
        since,
        before: filter.before,
        limit: PAGE,
    };
    let page = match read(&state, &selection).await {
        Ok(page) => page,
        Err(e) => {
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("the store did not answer: {e}; reload in a moment"),
            );
        }
    };
    let rows = page
        .entries
        .iter()
        .map(|e| Row {
            id: e.id,
            at: e.at.to_string(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            detail: e.detail.to_string(),
            trace: traceable(e).then(|| format!("/ui/trace?q={}", url_encode(&e.subject))),
        })
        .collect();
    let older = page
        .more
        .then(|| page.entries.last().map(|e| link(&filter, Some(e.id))))
        .flatten();
    let newest = filter.before.map(|_| link(&filter, None));
    render(&AuditPage {
        user: Some(user),
        notice: None,
        actor: filter.actor.trim().to_owned(),
        action: filter.action.trim().to_owned(),
        since: filter.since.trim().to_owned(),
        rows,
        older,
        newest,
        window_full: page.window_full,
        scan: SCAN,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_and_references_kept() {
        let detail = json!({
            "config": {
                "store": {"url": "postgres://ferry:hunter2@db/ferry", "password": "env:PGPASSWORD"},
                "server": {"api_tokens": [{"name": "ana", "role": "viewer", "sha256": "ab12"}]},
                "alerts": {"slack_webhook_url": "https://hooks.slack.com/services/T/B/x"},
                "salesforce": {"client_secret": "s3cr3t"},
            },
            "header": "Bearer fy_abc",
            "key_id": "k1",
            "changed": ["store.password"],
        });
        let shown = masked(&detail);
        assert_eq!(shown["config"]["store"]["url"], MASK);
        assert_eq!(shown["config"]["store"]["password"], "env:PGPASSWORD");
        assert_eq!(shown["config"]["server"]["api_tokens"][0]["name"], "ana");
        assert_eq!(shown["config"]["server"]["api_tokens"][0]["role"], "viewer");
        assert_eq!(shown["config"]["server"]["api_tokens"][0]["sha256"], MASK);
        assert_eq!(shown["config"]["alerts"]["slack_webhook_url"], MASK);
        assert_eq!(shown["config"]["salesforce"]["client_secret"], MASK);
        assert_eq!(shown["header"], MASK);
        assert_eq!(shown["key_id"], "k1");
        assert_eq!(shown["changed"][0], "store.password");
    }

    #[test]
    fn since_takes_a_date_or_a_time() {
        assert_eq!(since_time(" ").unwrap(), None);
        let day = since_time("2026-11-27").unwrap().unwrap();
        assert_eq!(
            day.to_string(),
            since_time("2026-11-27T00:00:00Z")
                .unwrap()
                .unwrap()
                .to_string()
        );
        assert!(since_time("yesterday").unwrap_err().contains("yesterday"));
    }
}
