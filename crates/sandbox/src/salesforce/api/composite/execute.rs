//! Running one subrequest inside the Composite call's transaction: the sObject, query and
//! Collections resources Composite supports, answered as the REST API would.

use super::SubResponse;
use crate::salesforce::api::collections::{self, Operation};
use crate::salesforce::api::rest::selected_fields;
use crate::salesforce::api::{ApiVersion, AppState, RecordError};
use crate::salesforce::faults::lock_error;
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Txn, UpsertError};
use crate::salesforce::soql;
use axum::http::StatusCode;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;

/// Runs one subrequest inside `txn`.
pub(super) fn execute(
    state: &AppState,
    txn: &mut Txn<'_>,
    method: &str,
    url: &str,
    body: Option<&Json>,
) -> SubResponse {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params: HashMap<String, String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let path = path.trim_end_matches('/');
    let rest = path
        .strip_prefix("/services/data/")
        .unwrap_or(path.trim_start_matches('/'));
    let mut segments = rest.split('/');
    let Some(version) = segments.next().and_then(ApiVersion::parse) else {
        return SubResponse::error(&RecordError::new(
            "NOT_FOUND",
            format!("The requested resource does not exist: {url}"),
        ));
    };
    let segments: Vec<String> = segments.map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = method.to_ascii_uppercase();
    let body_map = || match body {
        Some(Json::Object(map)) => Ok(map.clone()),
        Some(_) => Err(RecordError::new(
            "JSON_PARSER_ERROR",
            "the subrequest body must be a JSON object",
        )),
        None => Ok(Map::new()),
    };
    let object_of = |txn: &Txn<'_>, name: &str| {
        txn.org()
            .schema()
            .object(name)
            .ok_or_else(|| RecordError::new("NOT_FOUND", "The requested resource does not exist"))
    };
    let version_path = version.path();
    let writes = method != "GET";
    if writes && state.faults.roll_lock() {
        return SubResponse::error(&lock_error());
    }
    let outcome: Result<SubResponse, RecordError> = (|| match (method.as_str(), segments.as_slice())
    {
        ("POST", ["sobjects", object]) => {
            let object = object_of(txn, object)?;
            let id = txn.create(object, &body_map()?)?;
            let name = txn.org().schema().def(object).name.clone();
            Ok(SubResponse {
                status: StatusCode::CREATED,
                body: json!({"id": id, "success": true, "errors": []}),
                location: Some(format!(
                    "/services/data/{version_path}/sobjects/{name}/{id}"
                )),
            })
        }
        ("GET", ["sobjects", object, id]) => {
            let object = object_of(txn, object)?;
            let id = SfId::parse(id).map_err(|_| {
                RecordError::new("NOT_FOUND", "The requested resource does not exist")
            })?;
            let selected =
                selected_fields(txn.org(), object, params.get("fields").map(String::as_str))
                    .map_err(|_| RecordError::new("INVALID_FIELD", "No such column in fields"))?;
            match txn.org().get_live(id) {
                Some((found, record)) if found == object => Ok(SubResponse::ok(
                    StatusCode::OK,
                    txn.org()
                        .render(object, record, selected.as_deref(), &version_path),
                )),
                _ => Err(RecordError::new(
                    "NOT_FOUND",
                    "The requested resource does not exist",
                )),
            }
        }
        ("PATCH", ["sobjects", object, id]) => {
            let object = object_of(txn, object)?;
            let id = SfId::parse(id).map_err(|_| {
                RecordError::new("NOT_FOUND", "The requested resource does not exist")
            })?;
            txn.update(object, id, &body_map()?)?;
            Ok(SubResponse::ok(StatusCode::NO_CONTENT, Json::Null))
        }
        ("DELETE", ["sobjects", _object, id]) => {
            let id = SfId::parse(id).map_err(|_| {
                RecordError::new("NOT_FOUND", "The requested resource does not exist")
            })?;
            txn.delete(id)?;
            Ok(SubResponse::ok(StatusCode::NO_CONTENT, Json::Null))
        }
        ("PATCH", ["sobjects", object, field, key]) => {
            let object = object_of(txn, object)?;
            match txn.upsert(object, field, key, &body_map()?) {
                Ok(upserted) => {
                    let mut body = json!({"id": upserted.id, "success": true, "errors": []});
                    if version.at_least(46) {
                        body["created"] = Json::Bool(upserted.created);
                    }
                    let status = if upserted.created {
                        StatusCode::CREATED
                    } else if version.at_least(46) {
                        StatusCode::OK
                    } else {
                        return Ok(SubResponse::ok(StatusCode::NO_CONTENT, Json::Null));
                    };
                    Ok(SubResponse::ok(status, body))
                }
                Err(UpsertError::Record(error)) => Err(error),
                Err(UpsertError::NotExternalId(message)) => {
                    Err(RecordError::new("NOT_FOUND", message))
                }
                Err(UpsertError::Multiple(ids)) => {
                    let name = txn.org().schema().def(object).name.clone();
                    let urls: Vec<String> = ids
                        .iter()
                        .map(|id| format!("/services/data/{version_path}/sobjects/{name}/{id}"))
                        .collect();
                    Ok(SubResponse::ok(StatusCode::MULTIPLE_CHOICES, json!(urls)))
                }
            }
        }
        ("GET", ["query" | "queryAll"]) => {
            let all = segments[0] == "queryAll";
            let soql = params.get("q").cloned().unwrap_or_default();
            let result = soql::execute(txn.org(), &soql, all)?;
            // A cursor for the rest, as a REST query would open (locks only the cursors).
            Ok(SubResponse::ok(
                StatusCode::OK,
                crate::salesforce::api::query::first_page(state, txn.org(), result, 2000, version),
            ))
        }
        ("POST" | "PATCH", ["composite", "sobjects", ..]) => {
            let map = body_map()?;
            let records = map
                .get("records")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            let all_or_none = map
                .get("allOrNone")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            if records.len() > collections::MAX_RECORDS {
                return Err(RecordError::new(
                    "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than 200 records into this call",
                ));
            }
            let operation = match (method.as_str(), &segments[2..]) {
                ("POST", []) => Operation::Create,
                ("PATCH", []) => Operation::Update,
                ("PATCH", [object, field]) => Operation::Upsert {
                    object: object_of(txn, object)?,
                    field,
                },
                _ => {
                    return Err(RecordError::new(
                        "NOT_FOUND",
                        "The requested resource does not exist",
                    ));
                }
            };
            let before = txn.savepoint();
            let outcomes: Vec<_> = records
                .iter()
                .map(|r| collections::apply_record(state, txn, operation, r))
                .collect();
            let results: Vec<Json> = if all_or_none && outcomes.iter().any(|o| !o.is_ok()) {
                txn.rollback_to(before);
                outcomes
                    .into_iter()
                    .map(|o| {
                        if o.is_ok() {
                            collections::ItemOutcome::Failed {
                                id: None,
                                errors: vec![collections::rolled_back()],
                            }
                        } else {
                            o
                        }
                    })
                    .map(|o| o.to_json())
                    .collect()
            } else {
                outcomes
                    .iter()
                    .map(collections::ItemOutcome::to_json)
                    .collect()
            };
            Ok(SubResponse::ok(StatusCode::OK, Json::Array(results)))
        }
        _ => Err(RecordError::new(
            "NOT_FOUND",
            format!(
                "The requested resource does not exist: {method} {url} is not a resource Composite supports (sobjects, query, queryAll, composite/sobjects)"
            ),
        )),
    })();
    outcome.unwrap_or_else(|error| SubResponse::error(&error))
}

pub(super) fn decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
