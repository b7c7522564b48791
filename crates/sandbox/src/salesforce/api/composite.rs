//! Composite (`/composite`: up to 25 dependent subrequests with `@{ref.field}` references and
//! `allOrNone`), Composite Batch (`/composite/batch`: independent subrequests) and Composite
//! Graph (`/composite/graph`: several all-or-nothing graphs).
//!
//! Subrequests run inside the sandbox, not through HTTP: a Composite call is one transaction
//! (with a savepoint per subrequest when `allOrNone` is false), counts as one API call, and
//! its writes carry the caller's `Sforce-Call-Options` client id like any other REST write.

use super::collections::{self, Operation};
use super::rest::{actor, selected_fields};
use super::{ApiError, ApiVersion, AppState, Caller, RecordError};
use crate::salesforce::faults::lock_error;
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Txn, UpsertError};
use crate::salesforce::soql;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::HashMap;

/// Most subrequests in one Composite call.
pub const MAX_SUBREQUESTS: usize = 25;
/// Most graphs in one Composite Graph call.
pub const MAX_GRAPHS: usize = 75;
/// Most nodes in one graph, and in one Graph call.
pub const MAX_NODES: usize = 500;

/// Routes under `/services/data/vNN.N`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/composite", post(composite))
        .route("/composite/batch", post(batch))
        .route("/composite/graph", post(graph))
}

/// One subrequest as the caller wrote it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Subrequest {
    method: String,
    url: String,
    #[serde(default)]
    reference_id: Option<String>,
    #[serde(default)]
    body: Option<Json>,
    #[serde(default)]
    http_headers: Option<Map<String, Json>>,
}

/// A subrequest's answer.
#[derive(Debug, Clone)]
struct SubResponse {
    status: StatusCode,
    body: Json,
    location: Option<String>,
}

impl SubResponse {
    fn ok(status: StatusCode, body: Json) -> SubResponse {
        SubResponse {
            status,
            body,
            location: None,
        }
    }

    fn error(error: &RecordError) -> SubResponse {
        SubResponse::ok(error.status(), Json::Array(vec![error.to_rest_json()]))
    }

    fn failed(&self) -> bool {
        self.status.as_u16() >= 400
    }

    fn to_composite_json(&self, reference_id: &str) -> Json {
        let mut headers = Map::new();
        if let Some(location) = &self.location {
            headers.insert("Location".into(), Json::String(location.clone()));
        }
        json!({
            "body": self.body,
            "httpHeaders": headers,
            "httpStatusCode": self.status.as_u16(),
            "referenceId": reference_id,
        })
    }
}

fn halted(message: &str) -> SubResponse {
    SubResponse::error(&RecordError::new("PROCESSING_HALTED", message))
}

const ROLLED_BACK: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

/// Replaces `@{ref.path}` in a string. A string that is exactly one reference takes the
/// referenced value's JSON type.
fn substitute(text: &str, results: &HashMap<String, Json>) -> Result<Json, String> {
    if let Some(inner) = text.strip_prefix("@{").and_then(|t| t.strip_suffix('}'))
        && !inner.contains("@{")
    {
        return lookup(inner, results);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("unterminated reference in {text}"));
        };
        let value = lookup(&rest[start + 2..start + end], results)?;
        match value {
            Json::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(Json::String(out))
}

/// `refAccount.id`, `refQuery.records[0].Id`.
fn lookup(path: &str, results: &HashMap<String, Json>) -> Result<Json, String> {
    let mut parts = path.split('.');
    let reference = parts.next().unwrap_or_default();
    let mut value = results.get(reference).ok_or_else(|| {
        format!("Invalid reference specified. No value for {path} found in {reference}. Provided referenceId ('{reference}') must be a previous subrequest's referenceId.")
    })?;
    for part in parts {
        let (key, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            value = value
                .get(key)
                .or_else(|| {
                    value.as_object().and_then(|m| {
                        m.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(key))
                            .map(|(_, v)| v)
                    })
                })
                .ok_or_else(|| {
                    format!(
                        "Invalid reference specified. No value for {path} found in {reference}."
                    )
                })?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index
                .trim_end_matches(']')
                .parse()
                .map_err(|_| format!("Invalid reference specified: {path}"))?;
            value = value.get(index).ok_or_else(|| {
                format!("Invalid reference specified. No value for {path} found in {reference}.")
            })?;
        }
    }
    Ok(value.clone())
}

fn substitute_json(value: &Json, results: &HashMap<String, Json>) -> Result<Json, String> {
    Ok(match value {
        Json::String(s) if s.contains("@{") => substitute(s, results)?,
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|v| substitute_json(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), substitute_json(v, results)?);
            }
            Json::Object(out)
        }
        other => other.clone(),
    })
}

/// Runs one subrequest inside `txn`.
fn execute(
    state: &AppState,
    caller: &Caller,
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
                super::query::first_page(state, txn.org(), result, 2000, version),
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
    let _ = caller;
    outcome.unwrap_or_else(|error| SubResponse::error(&error))
}

fn decode(text: &str) -> String {
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeBody {
    #[serde(default)]
    all_or_none: bool,
    #[serde(default)]
    composite_request: Vec<Json>,
}

fn parse_subrequests(raw: &[Json]) -> Result<Vec<Subrequest>, ApiError> {
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::from_value::<Subrequest>(r.clone()).map_err(|e| {
                ApiError::json_parser(format!(
                    "compositeRequest[{i}]: {e}; each subrequest needs method, url and referenceId"
                ))
            })
        })
        .collect()
}

/// Runs a list of subrequests in `txn`. `all_or_none`: the first failure undoes everything and
/// every other subrequest reports PROCESSING_HALTED. Otherwise a failed subrequest is undone
/// alone and the ones referring to it are not run.
fn run_composite(
    state: &AppState,
    caller: &Caller,
    txn: &mut Txn<'_>,
    requests: &[Subrequest],
    all_or_none: bool,
) -> (Vec<Json>, bool) {
    let mut results: HashMap<String, Json> = HashMap::new();
    let mut failed_refs: Vec<String> = Vec::new();
    let mut responses: Vec<(String, SubResponse)> = Vec::with_capacity(requests.len());
    let mut any_failed = false;
    for request in requests {
        let reference = request.reference_id.clone().unwrap_or_default();
        if all_or_none && any_failed {
            responses.push((reference, halted(ROLLED_BACK)));
            continue;
        }
        let depends_on_failed = failed_refs.iter().find(|r| {
            request.url.contains(&format!("@{{{r}."))
                || request
                    .body
                    .as_ref()
                    .is_some_and(|b| b.to_string().contains(&format!("@{{{r}.")))
        });
        let response = if let Some(failed) = depends_on_failed {
            halted(&format!(
                "Invalid reference specified. Provided referenceId ('{failed}') refers to a subrequest that failed, so this subrequest was not run."
            ))
        } else {
            let url = substitute(&request.url, &results);
            let body = request
                .body
                .as_ref()
                .map(|b| substitute_json(b, &results))
                .transpose();
            match (url, body) {
                (Ok(Json::String(url)), Ok(body)) => {
                    let savepoint = txn.savepoint();
                    let response =
                        execute(state, caller, txn, &request.method, &url, body.as_ref());
                    if response.failed() {
                        txn.rollback_to(savepoint);
                    }
                    response
                }
                (Err(message), _) | (_, Err(message)) => {
                    SubResponse::error(&RecordError::new("INVALID_FIELD", message))
                }
                (Ok(_), _) => SubResponse::error(&RecordError::new(
                    "INVALID_FIELD",
                    "the url must be a string",
                )),
            }
        };
        if response.failed() {
            any_failed = true;
            failed_refs.push(reference.clone());
        } else {
            results.insert(reference.clone(), response.body.clone());
        }
        let _ = &request.http_headers;
        responses.push((reference, response));
    }
    if all_or_none && any_failed {
        // Everything that had succeeded is undone and says so.
        for (_, response) in responses.iter_mut() {
            if !response.failed() {
                *response = halted(ROLLED_BACK);
            }
        }
    }
    let json = responses
        .iter()
        .map(|(reference, response)| response.to_composite_json(reference))
        .collect();
    (json, any_failed)
}

async fn composite(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = super::rest::json_object(&body)?;
    let body: CompositeBody = serde_json::from_value(Json::Object(map))
        .map_err(|e| ApiError::json_parser(format!("Cannot read the composite request: {e}")))?;
    if body.composite_request.is_empty() {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "compositeRequest: give at least one subrequest",
        ));
    }
    if body.composite_request.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "LIMIT_EXCEEDED",
            format!(
                "Limit Exceeded: compositeRequest has {} subrequests; at most {MAX_SUBREQUESTS} are allowed",
                body.composite_request.len()
            ),
        ));
    }
    let requests = parse_subrequests(&body.composite_request)?;
    let mut org = state.org();
    let mut txn = org.begin(actor(&caller, version));
    let (responses, failed) = run_composite(&state, &caller, &mut txn, &requests, body.all_or_none);
    if body.all_or_none && failed {
        drop(txn);
    } else {
        txn.commit();
    }
    Ok(axum::Json(json!({"compositeResponse": responses})).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchBody {
    #[serde(default)]
    halt_on_error: bool,
    #[serde(default)]
    batch_requests: Vec<BatchRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchRequest {
    method: String,
    url: String,
    #[serde(default)]
    rich_input: Option<Json>,
}

async fn batch(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = super::rest::json_object(&body)?;
    let body: BatchBody = serde_json::from_value(Json::Object(map))
        .map_err(|e| ApiError::json_parser(format!("Cannot read the batch request: {e}")))?;
    if body.batch_requests.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "LIMIT_EXCEEDED",
            format!("Limit Exceeded: at most {MAX_SUBREQUESTS} batchRequests are allowed"),
        ));
    }
    let mut results = Vec::with_capacity(body.batch_requests.len());
    let mut has_errors = false;
    let mut halted_now = false;
    for request in &body.batch_requests {
        if halted_now {
            results.push(json!({"statusCode": 412, "result": [{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}]}));
            continue;
        }
        // Batch URLs are relative to /services/data/ ("v59.0/sobjects/...").
        let url = format!(
            "/services/data/{}",
            request
                .url
                .trim_start_matches('/')
                .trim_start_matches("services/data/")
        );
        let mut org = state.org();
        let mut txn = org.begin(actor(&caller, version));
        let response = execute(
            &state,
            &caller,
            &mut txn,
            &request.method,
            &url,
            request.rich_input.as_ref(),
        );
        if response.failed() {
            drop(txn);
            has_errors = true;
            halted_now = body.halt_on_error;
        } else {
            txn.commit();
        }
        let result = if response.body.is_null() {
            Json::Null
        } else {
            response.body
        };
        results.push(json!({"statusCode": response.status.as_u16(), "result": result}));
    }
    Ok(axum::Json(json!({"hasErrors": has_errors, "results": results})).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphBody {
    #[serde(default)]
    graphs: Vec<GraphRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphRequest {
    graph_id: String,
    #[serde(default)]
    composite_request: Vec<Json>,
}

async fn graph(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let map = super::rest::json_object(&body)?;
    let body: GraphBody = serde_json::from_value(Json::Object(map))
        .map_err(|e| ApiError::json_parser(format!("Cannot read the graph request: {e}")))?;
    if body.graphs.is_empty() || body.graphs.len() > MAX_GRAPHS {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            format!(
                "graphs: give between 1 and {MAX_GRAPHS} graphs (got {})",
                body.graphs.len()
            ),
        ));
    }
    let total: usize = body.graphs.iter().map(|g| g.composite_request.len()).sum();
    if let Some(big) = body
        .graphs
        .iter()
        .find(|g| g.composite_request.len() > MAX_NODES)
    {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            format!(
                "graph {} has {} nodes; at most {MAX_NODES} are allowed per graph",
                big.graph_id,
                big.composite_request.len()
            ),
        ));
    }
    if total > MAX_NODES {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            format!("the request has {total} nodes; at most {MAX_NODES} are allowed per request"),
        ));
    }
    let mut graphs = Vec::with_capacity(body.graphs.len());
    let mut failures = 0;
    for graph in &body.graphs {
        if failures > 14 {
            let halted = json!([{"body": [{"errorCode": "PROCESSING_HALTED", "message": "Too many graphs failed; this graph was not processed."}], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": null}]);
            graphs.push(json!({"graphId": graph.graph_id, "graphResponse": {"compositeResponse": halted}, "isSuccessful": false}));
            continue;
        }
        let requests = match parse_subrequests(&graph.composite_request) {
            Ok(requests) => requests,
            Err(error) => return Err(error),
        };
        let mut org = state.org();
        let mut txn = org.begin(actor(&caller, version));
        let (responses, failed) = run_composite(&state, &caller, &mut txn, &requests, true);
        if failed {
            drop(txn);
            failures += 1;
        } else {
            txn.commit();
        }
        graphs.push(json!({
            "graphId": graph.graph_id,
            "graphResponse": {"compositeResponse": responses},
            "isSuccessful": !failed,
        }));
    }
    Ok(axum::Json(json!({"graphs": graphs})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_with_types_paths_and_indexes() {
        let mut results = HashMap::new();
        results.insert(
            "refAccount".to_string(),
            json!({"id": "001000000000001AAA", "success": true}),
        );
        results.insert(
            "refQuery".to_string(),
            json!({"records": [{"Id": "003", "Amount": 5.5}]}),
        );
        assert_eq!(
            substitute("@{refAccount.id}", &results).unwrap(),
            json!("001000000000001AAA")
        );
        assert_eq!(
            substitute("@{refQuery.records[0].Amount}", &results).unwrap(),
            json!(5.5)
        );
        assert_eq!(
            substitute("/sobjects/Account/@{refAccount.id}", &results).unwrap(),
            json!("/sobjects/Account/001000000000001AAA")
        );
        assert!(substitute("@{nope.id}", &results).is_err());
        assert!(substitute("@{refQuery.records[3].Id}", &results).is_err());
    }

    #[test]
    fn url_decoding_handles_plus_and_percent() {
        assert_eq!(
            decode("SELECT+Id+FROM+Account%20WHERE"),
            "SELECT Id FROM Account WHERE"
        );
        assert_eq!(decode("100%"), "100%");
    }
}
