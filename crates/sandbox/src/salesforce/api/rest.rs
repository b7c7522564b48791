//! The REST sObject API: versions, resources, describe, record CRUD, upsert by external id,
//! updated/deleted id windows and `/limits`.

use super::{
    ApiError, ApiVersion, AppState, Caller, LATEST_VERSION, OLDEST_VERSION, RecordError, describe,
};
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Actor, Org, UpsertError};
use crate::salesforce::schema::sys;
use crate::salesforce::value::{self, format_datetime, parse_datetime};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;

/// Routes outside `/services/data/vNN.N` (the versions list, which needs no session).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/services/data", get(versions))
}

/// Routes under `/services/data/vNN.N`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(resources))
        .route("/sobjects", get(describe_global))
        .route("/sobjects/{object}", get(basic_info).post(create))
        .route("/sobjects/{object}/describe", get(describe_object))
        .route("/sobjects/{object}/updated", get(updated))
        .route("/sobjects/{object}/deleted", get(deleted))
        .route(
            "/sobjects/{object}/{id}",
            get(retrieve)
                .patch(update)
                .delete(destroy)
                .post(create_with_id_key),
        )
        .route(
            "/sobjects/{object}/{field}/{value}",
            get(retrieve_by_key).patch(upsert).delete(destroy_by_key),
        )
        .route("/limits", get(limits))
}

/// The season label of an API version: v20.0 was Winter '11, three releases a year.
fn release_label(major: u32) -> String {
    let index = major - OLDEST_VERSION.0;
    let season = ["Winter", "Spring", "Summer"][(index % 3) as usize];
    format!("{season} '{:02}", 11 + index / 3)
}

async fn versions(State(state): State<AppState>) -> Response {
    let latest: u32 = LATEST_VERSION
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(OLDEST_VERSION.0);
    let list: Vec<Json> = (OLDEST_VERSION.0..=latest)
        .map(|major| {
            json!({"label": release_label(major), "url": format!("/services/data/v{major}.0"), "version": format!("{major}.0")})
        })
        .collect();
    let _ = state;
    axum::Json(Json::Array(list)).into_response()
}

async fn resources(State(state): State<AppState>, version: ApiVersion, caller: Caller) -> Response {
    let v = version.path();
    let base = format!("/services/data/{v}");
    let org_id = state.org().org_id();
    let mut map = Map::new();
    for name in [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "iot",
        "analytics",
        "search",
        "smartdatadiscovery",
        "identity",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "event",
        "serviceTemplates",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "async-queries",
        "query",
        "match",
        "emailConnect",
        "compactLayouts",
        "knowledgeManagement",
        "sobjects",
        "actions",
        "support",
        "jobs",
    ] {
        let url = if name == "identity" {
            format!(
                "{}/id/{org_id}/{}",
                state.instance_url, caller.session.user_id
            )
        } else {
            format!("{base}/{name}")
        };
        map.insert(name.to_string(), Json::String(url));
    }
    axum::Json(Json::Object(map)).into_response()
}

async fn describe_global(State(state): State<AppState>, version: ApiVersion) -> Response {
    let schema = state.org().schema().clone();
    axum::Json(describe::global(&schema, &version.path())).into_response()
}

#[derive(Deserialize)]
struct ObjectPath {
    object: String,
}

/// The schema index of the object named in a URL, or the 404 Salesforce gives.
fn object_index(state: &AppState, name: &str) -> Result<usize, ApiError> {
    state
        .org()
        .schema()
        .object(name)
        .ok_or_else(ApiError::unknown_object)
}

async fn basic_info(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<ObjectPath>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let schema = state.org().schema().clone();
    Ok(axum::Json(describe::basic(schema.def(object), &version.path())).into_response())
}

async fn describe_object(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<ObjectPath>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let schema = state.org().schema().clone();
    Ok(axum::Json(describe::full(&schema, schema.def(object), &version.path())).into_response())
}

/// The writer of a REST call.
pub fn actor(caller: &Caller, version: ApiVersion) -> Actor {
    Actor {
        user: caller.session.user_id,
        api: "rest",
        version: version.number(),
        client: caller.client.clone(),
    }
}

/// A request body that must be one JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::json_parser(format!(
            "Cannot deserialize instance of sObject from {} value",
            match other {
                Json::Array(_) => "START_ARRAY",
                Json::String(_) => "VALUE_STRING",
                Json::Number(_) => "VALUE_NUMBER_INT",
                Json::Bool(_) => "VALUE_TRUE",
                _ => "VALUE_NULL",
            }
        ))),
        Err(err) => Err(ApiError::json_parser(format!(
            "Unexpected character in the request body at [line:{}, column:{}]: {err}",
            err.line(),
            err.column()
        ))),
    }
}

/// A lock error injected by the fault settings, if the dice say so.
fn injected_lock(state: &AppState) -> Result<(), ApiError> {
    if state.faults.roll_lock() {
        return Err(ApiError::record(&crate::salesforce::faults::lock_error()));
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<ObjectPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    insert(&state, &caller, version, &path.object, &body, false)
}

/// Creates one record: 201 `{"id","success","errors"}` (and `"created": true` when the call
/// was addressed as an upsert by Id, API 46.0+).
fn insert(
    state: &AppState,
    caller: &Caller,
    version: ApiVersion,
    object: &str,
    body: &[u8],
    created_flag: bool,
) -> Result<Response, ApiError> {
    let object = object_index(state, object)?;
    let input = json_object(body)?;
    injected_lock(state)?;
    let mut org = state.org();
    let mut txn = org.begin(actor(caller, version));
    let id = txn.create(object, &input)?;
    txn.commit();
    let mut body = json!({"id": id, "success": true, "errors": []});
    if created_flag && version.at_least(46) {
        body["created"] = Json::Bool(true);
    }
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

#[derive(Deserialize)]
struct RecordPath {
    object: String,
    id: String,
}

#[derive(Deserialize, Default)]
struct FieldsQuery {
    fields: Option<String>,
}

/// Parses a record id from a URL the way Salesforce answers: not id-shaped → the
/// external-id 404; another object's id → MALFORMED_ID.
fn url_id(org: &Org, object: usize, text: &str) -> Result<SfId, ApiError> {
    let id = SfId::parse(text).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {text}"),
        )
    })?;
    let def = org.schema().def(object);
    if id.prefix() != def.key_prefix {
        return Err(ApiError::record(
            &RecordError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {text}", def.label),
            )
            .with_fields(&["Id"]),
        ));
    }
    Ok(id)
}

/// Field indexes named by `?fields=A,B` (all fields when absent).
pub fn selected_fields(
    org: &Org,
    object: usize,
    fields: Option<&str>,
) -> Result<Option<Vec<usize>>, ApiError> {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    let def = org.schema().def(object);
    let mut indexes = Vec::new();
    for name in fields.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let index = def.field(name).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_FIELD",
                format!(
                    "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                    def.name
                ),
            )
        })?;
        indexes.push(index);
    }
    // Salesforce always answers the Id, after the fields asked for.
    if !indexes.contains(&sys::ID) {
        indexes.push(sys::ID);
    }
    Ok(Some(indexes))
}

fn render_record(
    org: &Org,
    object: usize,
    id: SfId,
    fields: Option<&str>,
    version: ApiVersion,
) -> Result<Response, ApiError> {
    let selected = selected_fields(org, object, fields)?;
    match org.get(id) {
        Some((_, record)) if record.is_deleted() => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        )),
        Some((found, record)) if found == object => {
            Ok(
                axum::Json(org.render(object, record, selected.as_deref(), &version.path()))
                    .into_response(),
            )
        }
        _ => Err(ApiError::not_found()),
    }
}

async fn retrieve(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<RecordPath>,
    Query(query): Query<FieldsQuery>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let org = state.org();
    let id = url_id(&org, object, &path.id)?;
    render_record(&org, object, id, query.fields.as_deref(), version)
}

async fn update(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<RecordPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let input = json_object(&body)?;
    injected_lock(&state)?;
    let mut org = state.org();
    let id = url_id(&org, object, &path.id)?;
    let mut txn = org.begin(actor(&caller, version));
    txn.update(object, id, &input)?;
    txn.commit();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn destroy(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<RecordPath>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    injected_lock(&state)?;
    let mut org = state.org();
    let id = url_id(&org, object, &path.id)?;
    if org.get(id).is_none() {
        return Err(ApiError::not_found());
    }
    let mut txn = org.begin(actor(&caller, version));
    txn.delete(id)?;
    txn.commit();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /sobjects/Account/Id` (v37+): a create addressed through the Id "external id".
async fn create_with_id_key(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<RecordPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !path.id.eq_ignore_ascii_case("Id") {
        return Err(ApiError::method_not_allowed("POST", "GET, PATCH, DELETE"));
    }
    insert(&state, &caller, version, &path.object, &body, true)
}

#[derive(Deserialize)]
struct KeyPath {
    object: String,
    field: String,
    value: String,
}

/// Live records of `object` whose external id `field` is `key`, or the 404 for a field that
/// is not an external id.
fn records_by_key(org: &Org, object: usize, field: &str, key: &str) -> Result<Vec<SfId>, ApiError> {
    let def = org.schema().def(object);
    let index = def
        .field(field)
        .filter(|i| def.def(*i).external_id || *i == sys::ID)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {field}"),
            )
        })?;
    let value = value::from_text(def.def(index), key)
        .map_err(|e| ApiError::record(&RecordError::new(e.code, e.message)))?;
    Ok(org.find_by_field(object, index, &value))
}

fn multiple_choices(org: &Org, object: usize, ids: &[SfId], version: ApiVersion) -> Response {
    let name = &org.schema().def(object).name;
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/{}/sobjects/{name}/{id}", version.path()))
        .collect();
    (StatusCode::MULTIPLE_CHOICES, axum::Json(urls)).into_response()
}

async fn retrieve_by_key(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<KeyPath>,
    Query(query): Query<FieldsQuery>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let org = state.org();
    let ids = records_by_key(&org, object, &path.field, &path.value)?;
    match ids.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => render_record(&org, object, *id, query.fields.as_deref(), version),
        many => Ok(multiple_choices(&org, object, many, version)),
    }
}

async fn destroy_by_key(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<KeyPath>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    injected_lock(&state)?;
    let mut org = state.org();
    let ids = records_by_key(&org, object, &path.field, &path.value)?;
    match ids.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => {
            let mut txn = org.begin(actor(&caller, version));
            txn.delete(*id)?;
            txn.commit();
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        many => Ok(multiple_choices(&org, object, many, version)),
    }
}

async fn upsert(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    Path(path): Path<KeyPath>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let input = json_object(&body)?;
    injected_lock(&state)?;
    let update_only = params
        .get("updateOnly")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut org = state.org();
    if update_only && records_by_key(&org, object, &path.field, &path.value)?.is_empty() {
        return Err(ApiError::not_found());
    }
    let mut txn = org.begin(actor(&caller, version));
    let outcome = txn.upsert(object, &path.field, &path.value, &input);
    let upserted = match outcome {
        Ok(upserted) => upserted,
        Err(UpsertError::Multiple(ids)) => {
            drop(txn);
            return Ok(multiple_choices(&org, object, &ids, version));
        }
        Err(UpsertError::NotExternalId(message)) => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message));
        }
        Err(UpsertError::Record(error)) => return Err(error.into()),
    };
    txn.commit();
    let mut body = json!({"id": upserted.id, "success": true, "errors": []});
    if version.at_least(46) {
        body["created"] = Json::Bool(upserted.created);
        let status = if upserted.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, axum::Json(body)).into_response());
    }
    if upserted.created {
        Ok((StatusCode::CREATED, axum::Json(body)).into_response())
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

#[derive(Deserialize)]
struct Window {
    start: Option<String>,
    end: Option<String>,
}

/// The `start`/`end` window of `/updated` and `/deleted`. A `+` in an unencoded offset
/// arrives as a space; put it back.
fn window(query: &Window) -> Result<(i64, i64), ApiError> {
    let parse = |name: &str, text: &Option<String>| {
        let text = text.as_deref().ok_or_else(|| {
            ApiError::bad_request(
                "MISSING_ARGUMENT",
                format!("{name} is a required parameter: give an ISO 8601 datetime such as 2024-01-01T00:00:00Z"),
            )
        })?;
        parse_datetime(&text.replace(' ', "+")).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_REPLICATION_DATE",
                format!(
                    "{name}: {text} is not a valid datetime; use the form 2024-01-01T00:00:00Z"
                ),
            )
        })
    };
    let start = parse("start", &query.start)?;
    let end = parse("end", &query.end)?;
    if end <= start {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "end must be after start",
        ));
    }
    Ok((start, end))
}

/// Rounds down to the minute, as `latestDateCovered` is.
fn minute_floor(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

/// Records of `object` (live, or deleted) whose SystemModstamp is in `[start, end)`, with it.
fn stamped_between(
    org: &Org,
    object: usize,
    start: i64,
    end: i64,
    deleted: bool,
) -> impl Iterator<Item = (SfId, i64)> + '_ {
    let stamp = org.schema().def(object).system_field("SystemModstamp");
    org.records(object)
        .iter()
        .filter(move |r| r.is_deleted() == deleted)
        .filter_map(move |r| match r.get(stamp) {
            value::Value::DateTime(t) if *t >= start && *t < end => Some((r.id(), *t)),
            _ => None,
        })
}

async fn updated(
    State(state): State<AppState>,
    _version: ApiVersion,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Window>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let (start, end) = window(&query)?;
    let org = state.org();
    let ids: Vec<SfId> = stamped_between(&org, object, start, end, false)
        .map(|(id, _)| id)
        .collect();
    let covered = minute_floor(end.min(value::now_ms()));
    Ok(
        axum::Json(json!({"ids": ids, "latestDateCovered": format_datetime(covered)}))
            .into_response(),
    )
}

async fn deleted(
    State(state): State<AppState>,
    _version: ApiVersion,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Window>,
) -> Result<Response, ApiError> {
    let object = object_index(&state, &path.object)?;
    let (start, end) = window(&query)?;
    let org = state.org();
    let records: Vec<Json> = stamped_between(&org, object, start, end, true)
        .map(|(id, at)| json!({"id": id, "deletedDate": format_datetime(at)}))
        .collect();
    let earliest = org
        .changes
        .iter()
        .next()
        .map_or(start, |c| c.commit_timestamp);
    Ok(axum::Json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": format_datetime(minute_floor(earliest)),
        "latestDateCovered": format_datetime(minute_floor(end.min(value::now_ms()))),
    }))
    .into_response())
}

async fn limits(State(state): State<AppState>, _version: ApiVersion) -> Response {
    let (used, max) = state.limits.usage();
    let records: usize = {
        let org = state.org();
        (0..org.schema().objects.len())
            .map(|o| org.records(o).len())
            .sum()
    };
    // Salesforce counts 2 KB of data storage per record.
    let data_max = 5_120u64;
    let data_used = (records as u64 * 2) / 1024;
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    let body = json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "ConcurrentSyncReportRuns": pair(20, 20),
        "DailyApiRequests": pair(max, max.saturating_sub(used)),
        "DailyAsyncApexExecutions": pair(250_000, 250_000),
        "DailyBulkApiBatches": pair(15_000, 15_000),
        "DailyBulkApiRequests": pair(10_000, 10_000),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DailyBulkV2QueryJobs": pair(10_000, 10_000),
        "DailyDurableGenericStreamingApiEvents": pair(10_000, 10_000),
        "DailyDurableStreamingApiEvents": pair(10_000, 10_000),
        "DailyGenericStreamingApiEvents": pair(10_000, 10_000),
        "DailyStreamingApiEvents": pair(10_000, 10_000),
        "DailyWorkflowEmails": pair(390, 390),
        "DataStorageMB": pair(data_max, data_max.saturating_sub(data_used)),
        "DurableStreamingApiConcurrentClients": pair(20, 20),
        "FileStorageMB": pair(20, 20),
        "HourlyAsyncReportRuns": pair(1_200, 1_200),
        "HourlyDashboardRefreshes": pair(200, 200),
        "HourlyDashboardResults": pair(5_000, 5_000),
        "HourlyDashboardStatuses": pair(999_999_999, 999_999_999),
        "HourlyODataCallout": pair(10_000, 10_000),
        "HourlyPublishedPlatformEvents": pair(50_000, 50_000),
        "HourlySyncReportRuns": pair(500, 500),
        "HourlyTimeBasedWorkflow": pair(50, 50),
        "MassEmail": pair(10, 10),
        "MonthlyPlatformEventsUsageEntitlement": pair(0, 0),
        "SingleEmail": pair(15, 15),
        "StreamingApiConcurrentClients": pair(20, 20),
    });
    axum::Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::release_label;

    #[test]
    fn release_labels_follow_salesforce_seasons() {
        assert_eq!(release_label(20), "Winter '11");
        assert_eq!(release_label(59), "Winter '24");
        assert_eq!(release_label(66), "Spring '26");
        assert_eq!(release_label(67), "Summer '26");
    }
}
