//! sObject Collections (`/composite/sobjects`): create, update, upsert by external id,
//! retrieve and delete up to 200 records in one call, with `allOrNone`.
//!
//! Every call is one transaction. With `allOrNone=false` each record has its own savepoint, so
//! a failed record is undone alone; with `allOrNone=true` one failure undoes all, and every
//! other record reports `ALL_OR_NONE_OPERATION_ROLLED_BACK`. Results come back in request
//! order with `statusCode` (not `errorCode`) in their errors.

use super::rest::{actor, json_object, selected_fields};
use super::{ApiError, ApiVersion, AppState, Caller, RecordError};
use crate::salesforce::faults::lock_error;
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Txn, UpsertError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;

/// Most records one Collections call takes.
pub const MAX_RECORDS: usize = 200;
/// Most ids one retrieve takes (in the URL; a body takes more).
pub const MAX_RETRIEVE_IDS: usize = 2000;

/// Routes under `/services/data/vNN.N`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/composite/sobjects",
            patch(update).post(create).delete(destroy),
        )
        .route(
            "/composite/sobjects/{object}",
            get(retrieve_get).post(retrieve_post),
        )
        .route("/composite/sobjects/{object}/{field}", patch(upsert))
}

/// The outcome of one record.
#[derive(Debug, Clone)]
pub enum ItemOutcome {
    /// Written.
    Ok {
        /// The record.
        id: SfId,
        /// For upserts: created (true) or updated (false).
        created: Option<bool>,
    },
    /// Refused.
    Failed {
        /// The record, when known.
        id: Option<SfId>,
        /// Why.
        errors: Vec<RecordError>,
    },
}

impl ItemOutcome {
    fn failed(id: Option<SfId>, error: RecordError) -> ItemOutcome {
        ItemOutcome::Failed {
            id,
            errors: vec![error],
        }
    }

    /// Whether the record was written.
    pub fn is_ok(&self) -> bool {
        matches!(self, ItemOutcome::Ok { .. })
    }

    /// The Collections result item.
    pub fn to_json(&self) -> Json {
        match self {
            ItemOutcome::Ok { id, created } => {
                let mut item = json!({"id": id, "success": true, "errors": []});
                if let Some(created) = created {
                    item["created"] = Json::Bool(*created);
                }
                item
            }
            ItemOutcome::Failed { id, errors } => {
                let errors: Vec<Json> = errors.iter().map(RecordError::to_item_json).collect();
                match id {
                    Some(id) => json!({"id": id, "success": false, "errors": errors}),
                    None => json!({"success": false, "errors": errors}),
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordsBody {
    #[serde(default)]
    all_or_none: bool,
    #[serde(default)]
    records: Vec<Json>,
}

fn records_body(body: &[u8]) -> Result<RecordsBody, ApiError> {
    let map = json_object(body)?;
    let parsed: RecordsBody = serde_json::from_value(Json::Object(map))
        .map_err(|e| ApiError::json_parser(format!("Cannot read the request body: {e}")))?;
    if parsed.records.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {MAX_RECORDS} records into this call (got {}); split the records into several calls",
                parsed.records.len()
            ),
        ));
    }
    Ok(parsed)
}

fn need_version(version: ApiVersion, major: u32) -> Result<(), ApiError> {
    if version.at_least(major) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// What to do with one record of a Collections call.
#[derive(Debug, Clone, Copy)]
pub enum Operation<'a> {
    /// Insert.
    Create,
    /// Update by `id`.
    Update,
    /// Upsert into `object` by `field`.
    Upsert {
        /// Object index from the URL.
        object: usize,
        /// External id field name from the URL.
        field: &'a str,
    },
}

/// Applies one record inside `txn`.
pub fn apply_record(
    state: &AppState,
    txn: &mut Txn<'_>,
    operation: Operation<'_>,
    raw: &Json,
) -> ItemOutcome {
    let Json::Object(record) = raw else {
        return ItemOutcome::failed(
            None,
            RecordError::new("JSON_PARSER_ERROR", "each record must be a JSON object"),
        );
    };
    let type_name = record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Json::as_str);
    let object = match (type_name, operation) {
        (Some(name), _) => match txn.org().schema().object(name) {
            Some(object) => object,
            None => {
                return ItemOutcome::failed(
                    None,
                    RecordError::new(
                        "INVALID_TYPE",
                        format!("sObject type '{name}' is not supported."),
                    ),
                );
            }
        },
        (None, Operation::Upsert { object, .. }) => object,
        (None, _) => {
            return ItemOutcome::failed(
                None,
                RecordError::new("INVALID_TYPE", "Must send a concrete entity type."),
            );
        }
    };
    let id_text = record
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str());
    let known_id = id_text.and_then(|t| SfId::parse(t).ok());
    if state.faults.roll_lock() {
        return ItemOutcome::failed(known_id, lock_error());
    }
    let savepoint = txn.savepoint();
    let outcome = match operation {
        Operation::Create => txn
            .create(object, record)
            .map(|id| ItemOutcome::Ok { id, created: None }),
        Operation::Update => match id_text.map(SfId::parse) {
            None => Err(RecordError::new(
                "MISSING_ARGUMENT",
                "Id not specified in an update call",
            )),
            Some(Err(_)) => Err(RecordError::new(
                "MALFORMED_ID",
                format!("malformed id {}", id_text.unwrap_or_default()),
            )
            .with_fields(&["Id"])),
            Some(Ok(id)) => {
                let mut body = record.clone();
                body.retain(|k, _| !k.eq_ignore_ascii_case("id"));
                txn.update(object, id, &body)
                    .map(|()| ItemOutcome::Ok { id, created: None })
            }
        },
        Operation::Upsert {
            object: target,
            field,
        } => {
            if object != target {
                Err(RecordError::new(
                    "INVALID_TYPE",
                    "every record of an upsert must have the object type named in the URL",
                ))
            } else {
                let key = record
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(field))
                    .map(|(_, v)| match v {
                        Json::String(s) => s.clone(),
                        Json::Null => String::new(),
                        other => other.to_string(),
                    });
                match key.filter(|k| !k.is_empty()) {
                    None => Err(RecordError::new(
                        "MISSING_ARGUMENT",
                        format!("{field} not specified"),
                    )
                    .with_fields(&[field])),
                    Some(key) => match txn.upsert(target, field, &key, record) {
                        Ok(upserted) => Ok(ItemOutcome::Ok {
                            id: upserted.id,
                            created: Some(upserted.created),
                        }),
                        Err(UpsertError::Record(error)) => Err(error),
                        Err(UpsertError::NotExternalId(message)) => {
                            Err(RecordError::new("NOT_FOUND", message))
                        }
                        Err(UpsertError::Multiple(ids)) => Err(RecordError::new(
                            "DUPLICATE_EXTERNAL_ID",
                            format!(
                                "{field}: more than one record found for external id field: {}",
                                ids.iter()
                                    .map(SfId::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .with_fields(&[field])),
                    },
                }
            }
        }
    };
    match outcome {
        Ok(ok) => ok,
        Err(error) => {
            txn.rollback_to(savepoint);
            ItemOutcome::failed(known_id, error)
        }
    }
}

/// Runs a list of records as one Collections call: one transaction, savepoints per record,
/// `allOrNone` semantics.
pub fn run_records(
    state: &AppState,
    caller: &Caller,
    version: ApiVersion,
    operation: Operation<'_>,
    records: &[Json],
    all_or_none: bool,
) -> Vec<Json> {
    let duplicates = duplicate_keys(operation, records);
    let mut org = state.org();
    let mut txn = org.begin(actor(caller, version));
    let mut outcomes = Vec::with_capacity(records.len());
    for (index, raw) in records.iter().enumerate() {
        if let Some(key) = duplicates.get(&index) {
            outcomes.push(ItemOutcome::failed(
                None,
                RecordError::new(
                    "DUPLICATE_EXTERNAL_ID",
                    format!("Duplicate external id specified: {key}"),
                ),
            ));
            continue;
        }
        outcomes.push(apply_record(state, &mut txn, operation, raw));
    }
    if all_or_none && outcomes.iter().any(|o| !o.is_ok()) {
        drop(txn);
        return outcomes
            .into_iter()
            .map(|o| match o {
                ItemOutcome::Ok { .. } => ItemOutcome::failed(None, rolled_back()),
                failed => failed,
            })
            .map(|o| o.to_json())
            .collect();
    }
    txn.commit();
    outcomes.iter().map(ItemOutcome::to_json).collect()
}

/// The error every untouched record of a failed all-or-none call reports.
pub fn rolled_back() -> RecordError {
    RecordError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
    )
}

/// Upserts naming the same key twice fail both records, as Salesforce does.
fn duplicate_keys(operation: Operation<'_>, records: &[Json]) -> HashMap<usize, String> {
    let Operation::Upsert { field, .. } = operation else {
        return HashMap::new();
    };
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let key = record.as_object().and_then(|r| {
            r.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .and_then(|(_, v)| v.as_str().map(str::to_lowercase))
        });
        if let Some(key) = key {
            seen.entry(key).or_default().push(index);
        }
    }
    seen.into_iter()
        .filter(|(_, indexes)| indexes.len() > 1)
        .flat_map(|(key, indexes)| indexes.into_iter().map(move |i| (i, key.clone())))
        .collect()
}

async fn create(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    need_version(version, 42)?;
    let body = records_body(&body)?;
    if let Some(with_id) = body.records.iter().position(|r| {
        r.as_object()
            .is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case("id")))
    }) {
        return Err(ApiError::bad_request(
            "INVALID_FIELD",
            format!(
                "records[{with_id}]: Cannot specify Id in an insert call; use PATCH to update records"
            ),
        ));
    }
    let results = run_records(
        &state,
        &caller,
        version,
        Operation::Create,
        &body.records,
        body.all_or_none,
    );
    Ok(axum::Json(results).into_response())
}

async fn update(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    need_version(version, 42)?;
    let body = records_body(&body)?;
    let results = run_records(
        &state,
        &caller,
        version,
        Operation::Update,
        &body.records,
        body.all_or_none,
    );
    Ok(axum::Json(results).into_response())
}

#[derive(Deserialize)]
struct UpsertPath {
    object: String,
    field: String,
}

async fn upsert(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<UpsertPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    need_version(version, 46)?;
    let object = state
        .org()
        .schema()
        .object(&path.object)
        .ok_or_else(ApiError::unknown_object)?;
    {
        let org = state.org();
        let def = org.schema().def(object);
        let is_key = def
            .field(&path.field)
            .is_some_and(|i| def.def(i).external_id || i == 0);
        if !is_key {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!(
                    "Provided external ID field does not exist or is not accessible: {}",
                    path.field
                ),
            ));
        }
    }
    let body = records_body(&body)?;
    let operation = Operation::Upsert {
        object,
        field: &path.field,
    };
    let results = run_records(
        &state,
        &caller,
        version,
        operation,
        &body.records,
        body.all_or_none,
    );
    Ok(axum::Json(results).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteQuery {
    ids: Option<String>,
    #[serde(default)]
    all_or_none: Option<String>,
}

async fn destroy(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Query(query): Query<DeleteQuery>,
) -> Result<Response, ApiError> {
    need_version(version, 42)?;
    let ids: Vec<String> = query
        .ids
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "MISSING_ARGUMENT",
            "ids: give the ids to delete as ?ids=001...,001...",
        ));
    }
    if ids.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {MAX_RECORDS} records into this call"
            ),
        ));
    }
    let all_or_none = query
        .all_or_none
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut org = state.org();
    let mut txn = org.begin(actor(&caller, version));
    let mut outcomes = Vec::with_capacity(ids.len());
    for text in &ids {
        let outcome = match SfId::parse(text) {
            Err(_) => ItemOutcome::failed(
                None,
                RecordError::new("MALFORMED_ID", format!("malformed id {text}"))
                    .with_fields(&["Id"]),
            ),
            Ok(_) if state.faults.roll_lock() => {
                ItemOutcome::failed(SfId::parse(text).ok(), lock_error())
            }
            Ok(id) => {
                let savepoint = txn.savepoint();
                match txn.delete(id) {
                    Ok(()) => ItemOutcome::Ok { id, created: None },
                    Err(error) => {
                        txn.rollback_to(savepoint);
                        ItemOutcome::failed(Some(id), error)
                    }
                }
            }
        };
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().any(|o| !o.is_ok());
    let results: Vec<Json> = if all_or_none && failed {
        drop(txn);
        outcomes
            .into_iter()
            .map(|o| match o {
                ItemOutcome::Ok { id, .. } => ItemOutcome::failed(Some(id), rolled_back()),
                failed => failed,
            })
            .map(|o| o.to_json())
            .collect()
    } else {
        txn.commit();
        outcomes.iter().map(ItemOutcome::to_json).collect()
    };
    Ok(axum::Json(results).into_response())
}

#[derive(Deserialize)]
struct ObjectPath {
    object: String,
}

#[derive(Deserialize)]
struct RetrieveQuery {
    ids: Option<String>,
    fields: Option<String>,
}

fn retrieve(
    state: &AppState,
    version: ApiVersion,
    object_name: &str,
    ids: Vec<String>,
    fields: Option<String>,
) -> Result<Response, ApiError> {
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "MISSING_ARGUMENT",
            "ids: give the ids to retrieve",
        ));
    }
    if ids.len() > MAX_RETRIEVE_IDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!("too many ids: at most {MAX_RETRIEVE_IDS} per call"),
        ));
    }
    let org = state.org();
    let object = org
        .schema()
        .object(object_name)
        .ok_or_else(ApiError::unknown_object)?;
    let selected = selected_fields(&org, object, fields.as_deref())?;
    let version_path = version.path();
    let records: Vec<Json> = ids
        .iter()
        .map(|text| {
            SfId::parse(text)
                .ok()
                .and_then(|id| org.get_live(id))
                .filter(|(found, _)| *found == object)
                .map_or(Json::Null, |(_, record)| {
                    org.render(object, record, selected.as_deref(), &version_path)
                })
        })
        .collect();
    Ok(axum::Json(records).into_response())
}

async fn retrieve_get(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<ObjectPath>,
    Query(query): Query<RetrieveQuery>,
) -> Result<Response, ApiError> {
    need_version(version, 42)?;
    let ids = query
        .ids
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    retrieve(&state, version, &path.object, ids, query.fields)
}

async fn retrieve_post(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<ObjectPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    need_version(version, 42)?;
    let map: Map<String, Json> = json_object(&body)?;
    let strings = |key: &str| -> Vec<String> {
        map.get(key)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let fields = strings("fields");
    let fields = (!fields.is_empty()).then(|| fields.join(","));
    retrieve(&state, version, &path.object, strings("ids"), fields)
}
