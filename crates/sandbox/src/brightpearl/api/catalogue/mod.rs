//! product-service (products, custom fields, prices, price lists, brands, categories, product
//! types, seasons, channels, product-search) and the stock side of warehouse-service
//! (availability, warehouses, locations, shipping methods, stock corrections). Goods-out notes
//! live in `goods_out.rs`.
//!
//! Decisions where the reference is silent (INFERRED): an id set over a cap, or malformed, is
//! 400 `CMNC-400`; a GET of an id set in which no record exists is 404 `CMNC-404` (the help
//! centre's rule for empty multi-resource requests) except where §9 records otherwise;
//! reference lists without an id set return every record.

mod product_search;
mod products;
mod reference;
mod warehouse;

use super::params::{capped_ids, get_uris, parse_ids, query_pairs, search_reply};
use super::{ApiError, AppState, Reply};
use crate::brightpearl::account::Account;
use crate::brightpearl::search::{self, Catalogue, Cell, Row};
use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, Uri};
use serde::Serialize;
use serde_json::Value as Json;

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(products::routes())
        .merge(reference::routes())
        .merge(warehouse::routes())
}

/// A path segment that must be one id (PUT, PATCH).
fn single_id(text: &str, resource: &str, example: &str) -> Result<u64, ApiError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Cannot find the resource: {text:?} is not one {resource} id; this call takes a single id such as {example}"
            ))
        })
}

/// Whether `includeOptional` (comma-separated, possibly repeated) names `option`.
fn includes(uri: &Uri, option: &str) -> bool {
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(uri) else {
        return false;
    };
    pairs
        .iter()
        .filter(|(name, _)| name == "includeOptional")
        .flat_map(|(_, value)| value.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case(option))
}

/// The `If-Match` header, if any.
fn if_match(headers: &HeaderMap) -> Option<String> {
    super::header(headers, "if-match")
}

/// A reference list: every record without an id set, the named ones with one (404 when none
/// of them exists).
fn listing<'a, T: Serialize + 'a>(
    records: impl Iterator<Item = (&'a u64, &'a T)>,
    ids: Option<&str>,
    resource: &str,
    message_type: &'static str,
) -> Result<Reply, ApiError> {
    let set = match ids {
        Some(text) => Some(parse_ids(text, resource).map_err(|e| e.message_type(message_type))?),
        None => None,
    };
    let found: Vec<&T> = records
        .filter(|(id, _)| set.as_ref().is_none_or(|s| s.contains(**id)))
        .map(|(_, record)| record)
        .collect();
    if found.is_empty() && set.is_some() {
        return Err(ApiError::not_found(format!(
            "No {resource} found with id {}; GET without ids lists them all",
            ids.unwrap_or_default()
        ))
        .message_type(message_type));
    }
    Ok(Reply::ok(message_type, found))
}

fn no_reference(_: &str, _: &Cell<'_>) -> Option<Json> {
    None
}

/// Runs a search over rows built eagerly from the account (lists small enough not to need a
/// lazy [`crate::brightpearl::search::Record`]).
fn eager_search(
    state: &AppState,
    uri: &Uri,
    catalogue: &Catalogue,
    build: impl Fn(&Account) -> Vec<Row>,
) -> Result<Reply, ApiError> {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let rows = build(&account);
    search_reply(search::run(
        catalogue,
        rows,
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}
