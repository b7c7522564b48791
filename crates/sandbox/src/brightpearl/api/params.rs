//! What every resource module reads from a request the same way: id sets in paths (malformed
//! sets are 400 `CMNC-400`, an INFERRED code), search query strings (undecodable ones are 500
//! `CMNC-018`, like a bad filter), the search engine's answer in Brightpearl's envelope, and
//! OPTIONS `getUris`.

use super::{ApiError, ApiResult, Reply};
use crate::brightpearl::idset::{self, IdSet};
use crate::brightpearl::search::SearchError;
use axum::http::StatusCode;
use serde_json::{Value as Json, json};

/// The message type of every search.
pub const SEARCH: &str = "bulk-data-search";

/// Parses the id set of a path (no `*`); `what` names the resource in the message.
pub fn parse_ids(text: &str, what: &str) -> Result<IdSet, ApiError> {
    IdSet::parse(text, false).map_err(|e| {
        ApiError::bad_request(
            "CMNC-400",
            format!("{e}; name {what} ids like 1, 1-5 or 1,3,7"),
        )
    })
}

/// Decodes a query string (form rules: `+` is a space) into name/value pairs in request order.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or("")).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CMNC-018",
            format!("The query string cannot be parsed: {e}"),
        )
        .message_type(SEARCH)
    })
}

/// A search's answer: the whole body, or the engine's refusal in Brightpearl's envelope.
pub fn search_reply(result: Result<Json, SearchError>) -> ApiResult {
    match result {
        Ok(body) => Ok(Reply::body(SEARCH, &body)),
        Err(e) => Err(ApiError::new(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.code,
            e.message,
        )
        .message_type(SEARCH)),
    }
}

/// An OPTIONS answer: `{"getUris": [...]}` over the `existing` ids, chunked by `chunk` (the GET
/// cap), each URI relative to the service (`/order/1-2,5`).
pub fn get_uris(existing: impl IntoIterator<Item = u64>, chunk: usize, resource: &str) -> Json {
    let uris: Vec<String> = idset::chunks(existing, chunk)
        .into_iter()
        .map(|set| format!("/{resource}/{set}"))
        .collect();
    json!({ "getUris": uris })
}

/// Parses the id set of a path, refusing `*`, malformed sets and more than `cap` ids.
/// `resource` names the records in the message and `options_path` is the service-relative
/// collection the client can ask OPTIONS of (`/product-service/product`).
pub fn capped_ids(
    text: &str,
    cap: usize,
    resource: &str,
    options_path: &str,
) -> Result<Vec<u64>, ApiError> {
    let set = parse_ids(text, resource)?;
    let ids = set.ids().to_vec();
    if ids.len() > cap {
        return Err(ApiError::bad_request(
            "CMNC-400",
            format!(
                "A {resource} GET takes at most {cap} ids; {} were requested. Split the id set: OPTIONS {options_path}/{text} returns the GET URIs to use",
                ids.len()
            ),
        ));
    }
    Ok(ids)
}
