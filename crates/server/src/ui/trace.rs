//! The record trace page (`GET /ui/trace?q=`, viewer): a search box, then everything Ferry
//! knows about the record — the records found in either system, the cross-reference links with
//! what was last written through them, the work waiting with its failed attempts, the dead
//! letters, and one timeline of every notice, attempt, dead letter, write and audit entry,
//! oldest first (newest last, as a log reads). Each notice shows what changed in its payload
//! since the record's previous notice (field: old → new).
//!
//! The page shows the document of `GET /api/trace` ([`crate::trace::record_trace`]): the
//! search is the API's, so both find the same. A query that is no id Ferry knows is asked of
//! both systems as an email, an SKU or an order number (the console's `find`): one match is
//! traced by its id, several are listed to pick from.

use super::{User, problem, render, url_encode};
use crate::ServerState;
use crate::trace::{checked_query, found, record_trace, source_objects};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

/// Notices per record shown.
const NOTICES_PER_RECORD: u32 = 200;

/// A link on the page.
struct Link {
    label: String,
    href: String,
}

/// One field that changed.
struct Change {
    field: String,
    old: String,
    new: String,
}

/// One event of the timeline.
struct Event {
    at: String,
    /// `notice`, `attempt`, `dead_letter`, `sync`, `link`, `audit` (a CSS class too).
    kind: String,
    /// What the kind is called on the page.
    label: &'static str,
    title: String,
    lines: Vec<String>,
    changes: Vec<Change>,
    links: Vec<Link>,
}

struct RecordRow {
    system: String,
    object: String,
    record_id: String,
    notices: u64,
    queued: u64,
}

struct LinkRow {
    entity: String,
    brightpearl_id: String,
    brightpearl_href: String,
    salesforce_id: String,
    salesforce_href: String,
    updated_at: String,
    /// Hashes and versions of the last writes, one line each.
    lines: Vec<String>,
    /// What was last written to each side (the base of the next comparison), field by field.
    written: Vec<Change>,
}

struct QueueRow {
    id: i64,
    flow: String,
    record: String,
    state: String,
    attempts: i64,
    due_at: String,
    failures: Vec<String>,
}

struct DeadRow {
    id: i64,
    flow: String,
    record: String,
    error_code: String,
    error_message: String,
    failed_at: String,
}

/// The search result.
struct Trace {
    records: Vec<RecordRow>,
    links: Vec<LinkRow>,
    queue: Vec<QueueRow>,
    dead: Vec<DeadRow>,
    timeline: Vec<Event>,
}

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    user: Option<User>,
    notice: Option<String>,
    q: String,
    /// What the flows read (where an id is looked for), for the "not found" hint.
    objects: Vec<String>,
    trace: Option<Trace>,
    /// Records found by email, SKU or order number, when there are several to pick from.
    candidates: Vec<Candidate>,
    /// Whether this server can search by email, SKU or order number (it runs flows).
    can_search: bool,
}

/// A record found by email, SKU or order number.
struct Candidate {
    system: String,
    object: String,
    id: String,
    label: String,
    href: String,
}

/// The search.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TraceSearch {
    #[serde(default)]
    q: String,
}

/// A system as people write it (the JSON has `brightpearl`, `salesforce`).
fn system_name(system: &str) -> String {
    match system {
        "brightpearl" => "Brightpearl".into(),
        "salesforce" => "Salesforce".into(),
        other => other.to_owned(),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn number(value: &Value, key: &str) -> i64 {
    value.get(key).and_then(Value::as_i64).unwrap_or_default()
}

fn trace_link(label: impl Into<String>, id: &str) -> Link {
    Link {
        label: label.into(),
        href: format!("/ui/trace?q={}", url_encode(id)),
    }
}

fn dead_link(id: i64) -> Link {
    Link {
        label: format!("dead letter #{id}"),
        href: format!("/ui/dead-letters/{id}"),
    }
}

fn changes(list: &Value) -> Vec<Change> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|c| Change {
            field: field(c, "field").to_owned(),
            old: text(&c["old"]),
            new: text(&c["new"]),
        })
        .collect()
}

/// A link's base (what was last written) field by field, as changes from nothing.
fn written(base: &Value, side: &str) -> Vec<Change> {
    let mut fields = std::collections::BTreeMap::new();
    crate::trace::flatten(base, "", &mut fields);
    fields
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(f, v)| Change {
            field: if f.is_empty() {
                side.to_owned()
            } else {
                format!("{side} {f}")
            },
            old: String::new(),
            new: text(&v),
        })
        .collect()
}

fn event(e: &Value) -> Event {
    let kind = field(e, "kind").to_owned();
    let mut event = Event {
        at: field(e, "at").to_owned(),
        label: "",
        title: String::new(),
        lines: Vec::new(),
        changes: Vec::new(),
        links: Vec::new(),
        kind: kind.clone(),
    };
    match kind.as_str() {
        "notice" => {
            event.at = field(e, "observed_at").to_owned();
            event.label = "Notice";
            let captured = e["payload"]
                .get("captured_by")
                .and_then(Value::as_str)
                .map(|by| format!(" (by {by})"))
                .unwrap_or_default();
            event.title = format!(
                "{} {} {} {}{captured}",
                system_name(field(e, "source")),
                field(e, "object"),
                field(e, "record_id"),
                field(e, "operation"),
            );
            event.lines.push(format!(
                "journal #{} · journaled {}{}",
                number(e, "journal_id"),
                field(e, "journaled_at"),
                e.get("origin")
                    .and_then(Value::as_str)
                    .map(|o| format!(" · origin {o}"))
                    .unwrap_or_default()
            ));
            match &e["changes"] {
                Value::Null => event.lines.push(format!("payload {}", e["payload"])),
                list => {
                    event.changes = changes(list);
                    if event.changes.is_empty() {
                        event.lines.push("payload as the previous notice".into());
                    }
                }
            }
        }
        "attempt" => {
            event.label = "Attempt failed";
            event.title = format!(
                "{} #{} · {}",
                field(e, "flow"),
                number(e, "number"),
                field(e, "code")
            );
            event.lines.push(field(e, "message").to_owned());
            if let Some(id) = e.get("dead_letter_id").and_then(Value::as_i64) {
                event.links.push(dead_link(id));
            } else {
                event
                    .lines
                    .push(format!("queued item #{}", number(e, "item_id")));
            }
        }
        "dead_letter" => {
            event.label = "Dead letter";
            event.title = format!("{} · {}", field(e, "flow"), field(e, "error_code"));
            event.lines.push(field(e, "error_message").to_owned());
            event.links.push(dead_link(number(e, "id")));
        }
        "sync" => {
            event.label = "Synced";
            let outcome = field(e, "outcome");
            if outcome == "failed" {
                event.kind = "sync failed-sync".into();
            }
            event.title = format!("{} · {outcome}", field(e, "flow"));
            let detail = &e["detail"];
            if let Some(reason) = detail.get("reason").and_then(Value::as_str) {
                event.lines.push(reason.to_owned());
            }
            if let Some(code) = detail.get("code").and_then(Value::as_str) {
                event.lines.push(format!(
                    "{code}: {}",
                    detail
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ));
            }
            for write in detail["writes"].as_array().into_iter().flatten() {
                event.lines.push(format!(
                    "{} {} {} ({})",
                    write["action"].as_str().unwrap_or("write"),
                    write["object"].as_str().unwrap_or_default(),
                    write["id"].as_str().unwrap_or_default(),
                    write["target"].as_str().unwrap_or_default(),
                ));
                if let Some(fields) = write["fields"].as_object() {
                    event.changes.extend(fields.iter().map(|(f, v)| Change {
                        field: format!("{}.{f}", write["object"].as_str().unwrap_or_default()),
                        old: String::new(),
                        new: text(v),
                    }));
                }
            }
            if outcome == "unchanged" {
                event
                    .lines
                    .push("every target already held the mapped values: nothing written".into());
            }
            if let Some(locked) = detail["locked"].as_array().filter(|l| !l.is_empty()) {
                event.lines.push(format!(
                    "left as they are (the target is locked): {}",
                    locked
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        "link" => {
            event.label = "Written";
            event.title = format!(
                "{} Brightpearl {} ↔ Salesforce {}",
                field(e, "entity"),
                field(e, "brightpearl_id"),
                field(e, "salesforce_id")
            );
            event
                .lines
                .push("the last write through this link (earlier writes are not kept)".to_owned());
            event.links.push(trace_link(
                format!("Brightpearl {}", field(e, "brightpearl_id")),
                field(e, "brightpearl_id"),
            ));
            event.links.push(trace_link(
                format!("Salesforce {}", field(e, "salesforce_id")),
                field(e, "salesforce_id"),
            ));
        }
        "audit" => {
            event.label = "Audit";
            event.title = format!("{} by {}", field(e, "action"), field(e, "actor"));
            event.lines.push(format!(
                "#{} · subject {} · {}",
                number(e, "id"),
                field(e, "subject"),
                e["detail"]
            ));
        }
        _ => {
            event.label = "Event";
            event.title = e.to_string();
        }
    }
    event
}

fn record_of(v: &Value) -> String {
    format!(
        "{} {} {}",
        system_name(field(v, "source")),
        field(v, "object"),
        field(v, "record_id")
    )
}

/// The page's view of the trace document.
fn view(doc: &Value) -> Trace {
    let list = |key: &str| doc[key].as_array().cloned().unwrap_or_default();
    let records = list("records")
        .iter()
        .map(|r| RecordRow {
            system: system_name(field(r, "system")),
            object: field(r, "object").to_owned(),
            record_id: field(r, "record_id").to_owned(),
            notices: r["notices"].as_u64().unwrap_or_default(),
            queued: r["queued"].as_u64().unwrap_or_default(),
        })
        .collect();
    let links = list("links")
        .iter()
        .map(|l| {
            let bp = field(l, "brightpearl_id");
            let sf = field(l, "salesforce_id");
            let mut lines = Vec::new();
            for (side, hash, version) in [
                ("to Salesforce", "hash_to_salesforce", "brightpearl_version"),
                (
                    "to Brightpearl",
                    "hash_to_brightpearl",
                    "salesforce_version",
                ),
            ] {
                if let Some(h) = l.get(hash).and_then(Value::as_str) {
                    lines.push(format!(
                        "last written {side}: content hash {h}, from source version {}",
                        text(&l[version])
                    ));
                }
            }
            let mut written_fields = written(&l["base_to_salesforce"], "→ Salesforce");
            written_fields.extend(written(&l["base_to_brightpearl"], "→ Brightpearl"));
            LinkRow {
                entity: field(l, "entity").to_owned(),
                brightpearl_href: trace_link("", bp).href,
                brightpearl_id: bp.to_owned(),
                salesforce_href: trace_link("", sf).href,
                salesforce_id: sf.to_owned(),
                updated_at: field(l, "updated_at").to_owned(),
                lines,
                written: written_fields,
            }
        })
        .collect();
    let queue = list("queue")
        .iter()
        .map(|i| QueueRow {
            id: number(i, "id"),
            flow: field(i, "flow").to_owned(),
            record: record_of(i),
            state: text(&i["state"]),
            attempts: number(i, "attempts"),
            due_at: field(i, "due_at").to_owned(),
            failures: i["history"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    format!(
                        "#{} {} {} — {}",
                        number(a, "number"),
                        field(a, "at"),
                        field(a, "code"),
                        field(a, "message")
                    )
                })
                .collect(),
        })
        .collect();
    let dead = list("dead_letters")
        .iter()
        .map(|d| DeadRow {
            id: number(d, "id"),
            flow: field(d, "flow").to_owned(),
            record: record_of(d),
            error_code: field(d, "error_code").to_owned(),
            error_message: field(d, "error_message").to_owned(),
            failed_at: field(d, "failed_at").to_owned(),
        })
        .collect();
    let timeline = list("timeline").iter().map(event).collect();
    Trace {
        records,
        links,
        queue,
        dead,
        timeline,
    }
}

/// `GET /ui/trace?q=`.
pub(crate) async fn page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    search: Result<Query<TraceSearch>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    let Query(search) = search.unwrap_or_default();
    let objects = source_objects(&state.routes);
    let mut page = TracePage {
        user: Some(user),
        notice: None,
        q: search.q.trim().to_owned(),
        objects: objects
            .iter()
            .map(|(system, object)| format!("{} {object}", system_name(system.as_str())))
            .collect(),
        trace: None,
        candidates: Vec::new(),
        can_search: state.console.is_some(),
    };
    if search.q.trim().is_empty() {
        return render(&page);
    }
    let q = match checked_query(Some(&search.q)) {
        Ok(q) => q,
        Err(e) => {
            page.notice = Some(e.message);
            let mut response = render(&page);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    let doc = match trace_of(&state, &objects, q).await {
        Ok(doc) => doc,
        Err(response) => return *response,
    };
    if found(&doc) {
        page.trace = Some(view(&doc));
        return render(&page);
    }
    // Not an id Ferry knows: an email, an SKU or an order number, asked of both systems.
    let Some(console) = &state.console else {
        page.notice = Some(format!(
            "Ferry knows no record with id {q:?}: no notice, queued work, dead letter, \
             cross-reference link or audit entry names it. Check the id (a Brightpearl id such \
             as 207, or a Salesforce id of 15 or 18 characters). This server runs no flows, so \
             it cannot search by email, SKU or order number."
        ));
        return render(&page);
    };
    let candidates = match console.find(q).await {
        Ok(candidates) => candidates,
        Err(e) => {
            page.notice = Some(format!(
                "Ferry knows no record with id {q:?}, and the search by email, SKU or order \
                 number failed: {}",
                e.message
            ));
            let mut response = render(&page);
            *response.status_mut() = match e.kind {
                ferry_engine::console::ErrorKind::Invalid => StatusCode::BAD_REQUEST,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return response;
        }
    };
    match candidates.as_slice() {
        [] => {
            page.notice = Some(format!(
                "Ferry knows no record with id {q:?}, and no Brightpearl or Salesforce record has \
                 it as its email, SKU or order number. Check the spelling (an email in full, an \
                 SKU or order number exactly), or search by the record's id."
            ));
        }
        [one] => {
            let doc = match trace_of(&state, &objects, &one.id).await {
                Ok(doc) => doc,
                Err(response) => return *response,
            };
            let system = system_name(one.system.as_str());
            if found(&doc) {
                page.notice = Some(format!(
                    "{q} is {system} {} {} ({}): its trace.",
                    one.object, one.id, one.label
                ));
                page.trace = Some(view(&doc));
            } else {
                page.notice = Some(format!(
                    "{q} is {system} {} {} ({}), but Ferry has no trace of it: no flow has \
                     handled a change of it yet.",
                    one.object, one.id, one.label
                ));
            }
        }
        many => {
            page.notice = Some(format!(
                "{} records match {q:?}: pick one to trace.",
                many.len()
            ));
            page.candidates = many
                .iter()
                .map(|c| Candidate {
                    system: system_name(c.system.as_str()),
                    object: c.object.clone(),
                    href: format!("/ui/trace?q={}", url_encode(&c.id)),
                    id: c.id.clone(),
                    label: c.label.clone(),
                })
                .collect();
        }
    }
    render(&page)
}

async fn trace_of(
    state: &ServerState,
    objects: &[(ferry_core::System, String)],
    q: &str,
) -> Result<Value, Box<Response>> {
    record_trace(
        state.store.as_ref(),
        &state.tenant,
        objects,
        q,
        NOTICES_PER_RECORD,
    )
    .await
    .map_err(|e| {
        Box::new(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the store did not answer: {e}; reload in a moment"),
        ))
    })
}
