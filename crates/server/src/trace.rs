//! The record trace (`GET /api/trace?q=<id>`): everything Ferry knows about one record, in
//! time order — the notices journaled for it, the work waiting or in flight with every failed
//! attempt, its dead letters, the cross-reference links to its partner in the other system
//! with what was last written through them (content hashes, versions and the base of the next
//! three-way comparison: the "payload diff" the flow last wrote), and the audit entries naming
//! it.
//!
//! `q` is a record id of either system: a Brightpearl id (`207`) or a Salesforce id (15 or 18
//! characters; a 15-character id is also searched in its 18-character form). It is looked up in
//! the links of every entity, and the ids it resolves to (itself and its linked partners) in
//! the journal, the queue and the dead letters of every object the enabled flows read. When
//! nothing has that id and the server runs flows, the console asks both systems for records
//! whose email, SKU or order number it is and lists them as `candidates` to trace by id.
//! Each notice carries `changes`: what changed in its payload since the record's previous one.

use crate::ServerState;
use crate::admin::{ApiError, Role, authorize, store_error};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferry_core::{DeadLetter, DeadLetterFilter, System, TenantId, Timestamp, XrefLink};
use ferry_engine::flows::runtime::Route;
use ferry_store::{AuditEntry, RecordHistory, RecordRef, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The entity kinds of the cross-reference links, as the flows name them.
pub const LINK_ENTITIES: [&str; 11] = [
    "customer",
    "product",
    "inventory",
    "order",
    "opportunity",
    "credit",
    "return",
    "payment",
    "bp_payment",
    "sf_order",
    "shipment",
];

/// The longest `q` accepted: far above any id of either system.
pub const MAX_QUERY_CHARS: usize = 128;

/// How many of the newest audit entries are searched for the record.
const AUDIT_WINDOW: u32 = 500;

/// The parameters of a trace.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceQuery {
    q: Option<String>,
    limit: Option<u32>,
}

/// Why a trace query was refused: a stable code and what to send instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// `BAD_QUERY`, `NO_QUERY` or `QUERY_TOO_LONG`.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.code, e.message)
    }
}

/// Checks `q`: present, not too long, no control characters (not even a trailing newline).
/// Returns it without surrounding spaces. The dashboard and `ferry trace` check the same way.
pub fn checked_query(q: Option<&str>) -> Result<&str, QueryError> {
    let raw = q.unwrap_or_default();
    if raw.chars().any(char::is_control) {
        return Err(QueryError {
            code: "BAD_QUERY",
            message: "q holds control characters (a newline, a tab, a NUL ...); record ids have \
                      none: send the id alone"
                .into(),
        });
    }
    let q = raw.trim();
    if q.is_empty() {
        return Err(QueryError {
            code: "NO_QUERY",
            message: "say which record: ?q=<a Brightpearl id or a Salesforce id>".into(),
        });
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError {
            code: "QUERY_TOO_LONG",
            message: format!(
                "q is {} characters; record ids are at most {MAX_QUERY_CHARS}: send one record id",
                q.chars().count()
            ),
        });
    }
    Ok(q)
}

/// The 18-character form of a 15-character Salesforce id (its case-safe checksum appended);
/// `None` when `id` is not 15 ASCII letters and digits.
pub fn salesforce_id_18(id: &str) -> Option<String> {
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut full = id.to_owned();
    for chunk in id.as_bytes().chunks(5) {
        let mut bits = 0usize;
        for (i, byte) in chunk.iter().enumerate() {
            if byte.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        full.push(char::from(ALPHABET[bits]));
    }
    Some(full)
}

/// `GET /api/trace?q=<id>&limit=<notices per record>` (viewer).
pub(crate) async fn trace(
    State(state): State<ServerState>,
    headers: HeaderMap,
    query: Result<Query<TraceQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                "BAD_QUERY",
                format!("{e}: the parameters are q (a record id) and limit"),
            )
            .into_response();
        }
    };
    let q = match checked_query(query.q.as_deref()) {
        Ok(q) => q,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let objects = source_objects(&state.routes);
    let mut body = match record_trace(state.store.as_ref(), &state.tenant, &objects, q, limit).await
    {
        Ok(body) => body,
        Err(e) => return store_error(e).into_response(),
    };
    // Nothing by id: the records whose email, SKU or order number it is, to trace by their id.
    if !found(&body)
        && let Some(console) = &state.console
    {
        match console.find(q).await {
            Ok(candidates) => body["candidates"] = candidates_json(&candidates),
            Err(e) => {
                let status = match e.kind {
                    ferry_engine::console::ErrorKind::Invalid => StatusCode::BAD_REQUEST,
                    _ => StatusCode::SERVICE_UNAVAILABLE,
                };
                return ApiError(status, e.code, e.message).into_response();
            }
        }
    }
    Json(body).into_response()
}

/// Whether a trace document found the record at all (an audit entry alone counts).
pub fn found(doc: &Value) -> bool {
    ["records", "links", "dead_letters", "audit"]
        .iter()
        .any(|key| doc[*key].as_array().is_some_and(|l| !l.is_empty()))
}

/// Records found by email, SKU or order number, as `GET /api/trace` lists them.
fn candidates_json(found: &[ferry_engine::console::FoundRecord]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|f| json!({"system": f.system.as_str(), "object": f.object, "id": f.id, "label": f.label}))
            .collect(),
    )
}

/// Every object the routes read, per system, each once.
pub fn source_objects(routes: &[Route]) -> Vec<(System, String)> {
    let mut objects: Vec<(System, String)> = Vec::new();
    for route in routes {
        let object = (route.system, route.object.clone());
        if !objects.contains(&object) {
            objects.push(object);
        }
    }
    objects
}

/// The trace of `q` (a checked query, see [`checked_query`]) as the JSON `GET /api/trace`
/// answers: its records are looked for in `objects` (the source objects of the enabled flows,
/// [`source_objects`]), with at most `limit` notices per record. The dashboard's trace page and
/// `ferry trace` show the same document.
pub async fn record_trace(
    store: &dyn Store,
    tenant: &TenantId,
    objects: &[(System, String)],
    q: &str,
    limit: u32,
) -> Result<Value, ferry_store::StoreError> {
    // The ids to search, per system: `q` itself (either system's), and its linked partners.
    let mut asked = vec![q.to_owned()];
    asked.extend(salesforce_id_18(q));
    let mut links: Vec<XrefLink> = Vec::new();
    for entity in LINK_ENTITIES {
        if let Some(link) = store.link_by_brightpearl(tenant, entity, q).await? {
            links.push(link);
        }
        for id in &asked {
            if let Some(link) = store.link_by_salesforce(tenant, entity, id).await?
                && !links.contains(&link)
            {
                links.push(link);
            }
        }
    }
    let mut brightpearl_ids: BTreeSet<String> = asked.iter().cloned().collect();
    let mut salesforce_ids = brightpearl_ids.clone();
    for link in &links {
        brightpearl_ids.insert(link.brightpearl_id.clone());
        salesforce_ids.insert(link.salesforce_id.clone());
    }

    let mut records: Vec<(RecordRef, RecordHistory)> = Vec::new();
    for (system, object) in objects {
        let ids = match system {
            System::Brightpearl => &brightpearl_ids,
            System::Salesforce => &salesforce_ids,
        };
        for id in ids {
            let record = RecordRef {
                tenant: tenant.clone(),
                source: *system,
                object: object.clone(),
                record_id: id.clone(),
            };
            let history = store.record_history(&record, limit).await?;
            if history != RecordHistory::default() {
                records.push((record, history));
            }
        }
    }

    // Dead letters by record id alone (their index), so those of a flow no longer enabled
    // show too.
    let mut dead: BTreeMap<i64, DeadLetter> = BTreeMap::new();
    for (_, history) in &records {
        for d in &history.dead_letters {
            dead.insert(d.id, d.clone());
        }
    }
    let all_ids: BTreeSet<&String> = brightpearl_ids.iter().chain(&salesforce_ids).collect();
    for id in &all_ids {
        let filter = DeadLetterFilter {
            tenant: Some(tenant.clone()),
            record_id: Some((*id).clone()),
            ..Default::default()
        };
        for d in store.list_dead(&filter, 1000).await? {
            dead.insert(d.id, d);
        }
    }

    let audit: Vec<AuditEntry> = store
        .audit_entries(Some(tenant), None, AUDIT_WINDOW)
        .await?
        .into_iter()
        .filter(|entry| mentions(entry, &all_ids, &dead))
        .collect();

    Ok(render(q, &links, &records, &dead, &audit))
}

/// Whether an audit entry is about the record: its subject is one of the ids, its detail holds
/// one of them as a value, or it acted on one of the record's dead letters.
fn mentions(entry: &AuditEntry, ids: &BTreeSet<&String>, dead: &BTreeMap<i64, DeadLetter>) -> bool {
    if ids.iter().any(|id| **id == entry.subject) {
        return true;
    }
    let mut stack = vec![&entry.detail];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) if ids.iter().any(|id| **id == *s) => return true,
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    entry
        .detail
        .get("ids")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .filter_map(Value::as_i64)
                .any(|id| dead.contains_key(&id))
        })
}

fn at(t: Timestamp) -> String {
    t.to_string()
}

/// A stored JSON text (a link's base) as JSON; text that does not parse stays text.
fn json_text(text: Option<&str>) -> Value {
    match text {
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())),
        None => Value::Null,
    }
}

fn link_json(link: &XrefLink) -> Value {
    json!({
        "entity": link.entity,
        "brightpearl_id": link.brightpearl_id,
        "salesforce_id": link.salesforce_id,
        "hash_to_salesforce": link.hash_to_salesforce,
        "hash_to_brightpearl": link.hash_to_brightpearl,
        "brightpearl_version": link.brightpearl_version,
        "salesforce_version": link.salesforce_version,
        "base_to_salesforce": json_text(link.base_to_salesforce.as_deref()),
        "base_to_brightpearl": json_text(link.base_to_brightpearl.as_deref()),
        "updated_at": at(link.updated_at),
    })
}

fn attempts_json(history: &[ferry_core::Attempt]) -> Value {
    Value::Array(
        history
            .iter()
            .map(|a| json!({"number": a.number, "at": at(a.at), "code": a.code, "message": a.message}))
            .collect(),
    )
}

/// Flattens JSON into `path → value` (`a.b`, `list[0]`); scalars and empty containers are
/// leaves.
pub fn flatten(value: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(inner, &path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, inner) in items.iter().enumerate() {
                flatten(inner, &format!("{prefix}[{i}]"), out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

/// What changed from one payload to the next, field by field (`{"field", "old", "new"}`, a
/// field missing on one side is `null` there), in field order.
pub fn payload_changes(before: &Value, after: &Value) -> Vec<Value> {
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    flatten(before, "", &mut old);
    flatten(after, "", &mut new);
    let fields: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    fields
        .into_iter()
        .filter(|f| old.get(*f) != new.get(*f))
        .map(|f| {
            json!({"field": f, "old": old.get(f).cloned().unwrap_or(Value::Null),
                   "new": new.get(f).cloned().unwrap_or(Value::Null)})
        })
        .collect()
}

/// The response: what was searched, the sections, and one timeline of every event sorted by
/// time (ties keep the order notices, attempts, dead letters, syncs, link writes, audit
/// entries).
fn render(
    q: &str,
    links: &[XrefLink],
    records: &[(RecordRef, RecordHistory)],
    dead: &BTreeMap<i64, DeadLetter>,
    audit: &[AuditEntry],
) -> Value {
    let mut timeline: Vec<(Timestamp, u8, Value)> = Vec::new();
    let mut notices = Vec::new();
    let mut items = Vec::new();
    let mut found = Vec::new();
    for (record, history) in records {
        found.push(json!({
            "system": record.source.as_str(),
            "object": record.object,
            "record_id": record.record_id,
            "notices": history.notices.len(),
            "queued": history.items.len(),
        }));
        let mut previous: Option<&Value> = None;
        for n in &history.notices {
            let changes = previous.map(|before| payload_changes(before, &n.payload));
            previous = Some(&n.payload);
            let body = json!({
                "kind": "notice",
                "journal_id": n.id,
                "source": n.source.as_str(),
                "object": n.object,
                "record_id": n.record_id,
                "operation": n.operation.as_str(),
                "observed_at": at(n.observed_at),
                "journaled_at": at(n.journaled_at),
                "origin": n.origin,
                "payload": n.payload,
                "changes": changes,
            });
            timeline.push((n.observed_at.min(n.journaled_at), 0, body.clone()));
            notices.push(body);
        }
        for sync in &history.syncs {
            timeline.push((
                sync.at,
                3,
                json!({"kind": "sync", "id": sync.id, "at": at(sync.at), "flow": sync.flow,
                       "source": sync.source.as_str(), "object": sync.object,
                       "record_id": sync.record_id, "outcome": sync.outcome,
                       "detail": sync.detail}),
            ));
        }
        for item in &history.items {
            for a in &item.history {
                timeline.push((
                    a.at,
                    1,
                    json!({"kind": "attempt", "flow": item.flow.as_str(), "item_id": item.id,
                           "record_id": item.record_id, "number": a.number,
                           "code": a.code, "message": a.message, "at": at(a.at)}),
                ));
            }
            items.push(json!({
                "id": item.id,
                "flow": item.flow.as_str(),
                "source": item.source.as_str(),
                "object": item.object,
                "record_id": item.record_id,
                "operation": item.operation.as_str(),
                "journal_id": item.journal_id,
                "notices": item.notices,
                "state": item.state,
                "attempts": item.attempts,
                "due_at": at(item.due_at),
                "enqueued_at": at(item.enqueued_at),
                "lease_owner": item.lease_owner,
                "history": attempts_json(&item.history),
            }));
        }
    }
    let mut dead_json = Vec::new();
    for d in dead.values() {
        for a in &d.history {
            timeline.push((
                a.at,
                1,
                json!({"kind": "attempt", "flow": d.flow.as_str(), "dead_letter_id": d.id,
                       "record_id": d.record_id, "number": a.number,
                       "code": a.code, "message": a.message, "at": at(a.at)}),
            ));
        }
        timeline.push((
            d.failed_at,
            2,
            json!({"kind": "dead_letter", "id": d.id, "flow": d.flow.as_str(),
                   "record_id": d.record_id, "error_code": d.error_code,
                   "error_message": d.error_message, "at": at(d.failed_at)}),
        ));
        dead_json.push(json!({
            "id": d.id,
            "flow": d.flow.as_str(),
            "source": d.source.as_str(),
            "object": d.object,
            "record_id": d.record_id,
            "operation": d.operation.as_str(),
            "journal_id": d.journal_id,
            "error_code": d.error_code,
            "error_message": d.error_message,
            "payload": d.payload,
            "history": attempts_json(&d.history),
            "enqueued_at": at(d.enqueued_at),
            "failed_at": at(d.failed_at),
        }));
    }
    let links_json: Vec<Value> = links.iter().map(link_json).collect();
    for (link, body) in links.iter().zip(&links_json) {
        let mut event = body.clone();
        event["kind"] = json!("link");
        event["at"] = json!(at(link.updated_at));
        timeline.push((link.updated_at, 4, event));
    }
    let audit_json: Vec<Value> = audit
        .iter()
        .map(|e| {
            json!({"id": e.id, "at": at(e.at), "actor": e.actor, "action": e.action,
                   "subject": e.subject, "detail": crate::ui::audit::masked(&e.detail)})
        })
        .collect();
    for (entry, body) in audit.iter().zip(&audit_json) {
        let mut event = body.clone();
        event["kind"] = json!("audit");
        timeline.push((entry.at, 5, event));
    }
    timeline.sort_by_key(|(t, rank, _)| (*t, *rank));
    json!({
        "q": q,
        "records": found,
        "links": links_json,
        "notices": notices,
        "queue": items,
        "dead_letters": dead_json,
        "audit": audit_json,
        "timeline": timeline.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fifteen_character_salesforce_ids_gain_their_checksum() {
        // Salesforce's documented example: 001A0000006Vm9r → 001A0000006Vm9rIAC.
        assert_eq!(
            salesforce_id_18("001A0000006Vm9r").as_deref(),
            Some("001A0000006Vm9rIAC")
        );
        assert_eq!(salesforce_id_18("001A0000006Vm9rIAC"), None);
        assert_eq!(salesforce_id_18("001A0000006Vm9-"), None);
        assert_eq!(salesforce_id_18(""), None);
    }

    #[test]
    fn payload_changes_name_each_field_that_differs() {
        let before = json!({"event": "contact.modified", "ids": [1, 2], "meta": {"by": "ann"}});
        let after = json!({"event": "contact.modified", "ids": [1, 3], "meta": {"at": 5}});
        assert_eq!(
            payload_changes(&before, &after),
            vec![
                json!({"field": "ids[1]", "old": 2, "new": 3}),
                json!({"field": "meta.at", "old": null, "new": 5}),
                json!({"field": "meta.by", "old": "ann", "new": null}),
            ]
        );
        assert!(payload_changes(&before, &before).is_empty());
    }

    #[test]
    fn queries_are_checked_before_any_lookup() {
        assert_eq!(checked_query(Some("  207 ")).ok(), Some("207"));
        assert_eq!(checked_query(None).err().unwrap().code, "NO_QUERY");
        assert_eq!(checked_query(Some("   ")).err().unwrap().code, "NO_QUERY");
        let long = "9".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            checked_query(Some(&long)).err().unwrap().code,
            "QUERY_TOO_LONG"
        );
        assert_eq!(
            checked_query(Some("2\n07")).err().unwrap().code,
            "BAD_QUERY"
        );
        assert_eq!(
            checked_query(Some("207\n")).err().unwrap().code,
            "BAD_QUERY"
        );
        assert_eq!(
            checked_query(Some("2\u{0}7")).err().unwrap().code,
            "BAD_QUERY"
        );
        assert_eq!(
            checked_query(Some("1' OR '1'='1")).ok(),
            Some("1' OR '1'='1")
        );
    }
}
