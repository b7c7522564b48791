//! Composite (`/composite`: up to 25 dependent subrequests with `@{ref.field}` references and
//! `allOrNone`), Composite Batch (`/composite/batch`: independent subrequests) and Composite
//! Graph (`/composite/graph`: several all-or-nothing graphs).
//!
//! Subrequests run inside the sandbox, not through HTTP: a Composite call is one transaction
//! (with a savepoint per subrequest when `allOrNone` is false), counts as one API call, and
//! its writes carry the caller's `Sforce-Call-Options` client id like any other REST write.

mod execute;
mod references;

use super::rest::actor;
use super::{ApiError, ApiVersion, AppState, Caller, RecordError};
use crate::salesforce::org::Txn;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use execute::execute;
use references::{substitute, substitute_json};
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
pub(super) struct SubResponse {
    pub(super) status: StatusCode,
    pub(super) body: Json,
    pub(super) location: Option<String>,
}

impl SubResponse {
    pub(super) fn ok(status: StatusCode, body: Json) -> SubResponse {
        SubResponse {
            status,
            body,
            location: None,
        }
    }

    pub(super) fn error(error: &RecordError) -> SubResponse {
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
                    let response = execute(state, txn, &request.method, &url, body.as_ref());
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
    let (responses, failed) = run_composite(&state, &mut txn, &requests, body.all_or_none);
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
        let (responses, failed) = run_composite(&state, &mut txn, &requests, true);
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
    use super::execute::decode;
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
