//! `warehouse-service` goods-out notes (reference §7.8): GET by order id set (or `*`) and note
//! id set, POST per order, PUT, DELETE (two paths), events, and goods-out-search.
//!
//! Message types: `get-goods-out-note` is recorded; the others follow the service's pattern
//! (INFERRED). Id sets over 500 ids are refused with 400 `CMNC-400` (INFERRED code); `*` for
//! the orders needs a note id set, as the goods-in note GET documents for its own `*`
//! (INFERRED for goods-out). A GET that matches nothing answers `{"response":{}}` (INFERRED:
//! the map of nothing).

use super::AppState;
use super::body::json_body;
use super::params::{query_pairs, search_reply};
use super::reply::{ApiError, ApiResult, Reply, WithMessageType};
use crate::brightpearl::account::goods_out::{
    self, GOODS_OUT_SEARCH, GoodsOutNote, MAX_IDS_PER_GET,
};
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::search;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use bytes::Bytes;
use std::collections::{BTreeMap, HashSet};

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    let s = "/warehouse-service";
    Router::new()
        .route(
            &format!("{s}/order/{{orders}}/goods-note/goods-out"),
            get(get_for_orders).post(post_notes),
        )
        .route(
            &format!("{s}/order/{{orders}}/goods-note/goods-out/{{notes}}"),
            get(get_notes).delete(delete_for_order),
        )
        .route(
            &format!("{s}/goods-note/goods-out/{{id}}"),
            put(put_note).delete(delete_note),
        )
        .route(
            &format!("{s}/goods-note/goods-out/{{id}}/event"),
            post(post_events),
        )
        .route(
            &format!("{s}/goods-note/goods-out-search"),
            get(note_search),
        )
}

const GET_MT: &str = "get-goods-out-note";

/// Parses an id set of the path, enforcing the 500-id cap.
fn ids(text: &str, allow_all: bool, what: &str) -> Result<IdSet, ApiError> {
    let set = IdSet::parse(text, allow_all).map_err(|e| {
        ApiError::bad_request(
            "CMNC-400",
            format!("{e}; name {what} ids like 4, 4-99 or 4,7,9"),
        )
    })?;
    if let Some(n) = set.len()
        && n > MAX_IDS_PER_GET
    {
        return Err(ApiError::bad_request(
            "CMNC-400",
            format!(
                "The {what} ID set {text} names {n} ids; at most {MAX_IDS_PER_GET} are allowed per request, so split it"
            ),
        ));
    }
    Ok(set)
}

/// The notes of the orders in `orders` (or all) that are in `notes` (or all), as the map the
/// GET answers; serialised while the account is locked.
fn answer(state: &AppState, orders: &IdSet, notes: Option<&IdSet>) -> ApiResult {
    let account = state.account();
    let wanted_orders: Option<HashSet<u64>> = match orders {
        IdSet::All => None,
        IdSet::Ids(ids) => Some(ids.iter().copied().collect()),
    };
    let in_orders = |note: &GoodsOutNote| {
        wanted_orders
            .as_ref()
            .is_none_or(|set| set.contains(&note.order_id))
    };
    let mut map: BTreeMap<u64, &GoodsOutNote> = BTreeMap::new();
    match notes {
        Some(IdSet::Ids(ids)) => {
            for id in ids {
                if let Some(note) = account.goods_out.get(*id)
                    && in_orders(note)
                {
                    map.insert(*id, note);
                }
            }
        }
        _ => {
            for (id, note) in &account.goods_out.notes {
                if in_orders(note) {
                    map.insert(*id, note);
                }
            }
        }
    }
    Ok(Reply::ok(GET_MT, map))
}

async fn get_for_orders(State(state): State<AppState>, Path(orders): Path<String>) -> ApiResult {
    let orders = ids(&orders, true, "order").tagged(GET_MT)?;
    if orders == IdSet::All {
        return Err(ApiError::bad_request(
            "CMNC-400",
            "Goods-out notes cannot be fetched for all orders at once; name the orders (/order/55-90/goods-note/goods-out) or the notes (/order/*/goods-note/goods-out/4-99), or use goods-note/goods-out-search",
        )
        .message_type(GET_MT));
    }
    answer(&state, &orders, None)
}

async fn get_notes(
    State(state): State<AppState>,
    Path((orders, notes)): Path<(String, String)>,
) -> ApiResult {
    let orders = ids(&orders, true, "order").tagged(GET_MT)?;
    let notes = ids(&notes, false, "goods-out note").tagged(GET_MT)?;
    answer(&state, &orders, Some(&notes))
}

/// A single id of a write's path.
fn one_id(text: &str, what: &str, mt: &'static str) -> Result<u64, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::not_found(format!("Cannot find {what} {text}: not an id")).message_type(mt)
    })
}

async fn post_notes(
    State(state): State<AppState>,
    Path(order): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "post-goods-out-note";
    let order = one_id(&order, "order", MT)?;
    let body = json_body(&body).tagged(MT)?;
    let ids = goods_out::create_goods_out_notes(&mut state.account(), order, &body).tagged(MT)?;
    let first = ids.first().copied().unwrap_or(0);
    Ok(Reply::ok(MT, first))
}

async fn put_note(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    const MT: &str = "put-goods-out-note";
    let id = one_id(&id, "goods-out note", MT)?;
    let body = json_body(&body).tagged(MT)?;
    goods_out::update_goods_out_note(&mut state.account(), id, &body).tagged(MT)?;
    Ok(Reply::empty(MT))
}

const DELETE_MT: &str = "delete-goods-out-note";

async fn delete_note(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = one_id(&id, "goods-out note", DELETE_MT)?;
    goods_out::delete_goods_out_note(&mut state.account(), id, None).tagged(DELETE_MT)?;
    Ok(Reply::empty(DELETE_MT))
}

async fn delete_for_order(
    State(state): State<AppState>,
    Path((order, id)): Path<(String, String)>,
) -> ApiResult {
    let order = one_id(&order, "order", DELETE_MT)?;
    let id = one_id(&id, "goods-out note", DELETE_MT)?;
    goods_out::delete_goods_out_note(&mut state.account(), id, Some(order)).tagged(DELETE_MT)?;
    Ok(Reply::empty(DELETE_MT))
}

async fn post_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "post-goods-out-note-event";
    let id = one_id(&id, "goods-out note", MT)?;
    let body = json_body(&body).tagged(MT)?;
    let if_match = super::header(&headers, "if-match");
    goods_out::add_events(&mut state.account(), id, &body, if_match.as_deref()).tagged(MT)?;
    Ok(Reply::empty(MT))
}

async fn note_search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    search_reply(search::run(
        &GOODS_OUT_SEARCH,
        goods_out::note_rows(&account),
        &query,
        account.settings.offset_minutes,
        &|_: &str, _: &search::Cell<'_>| None,
    ))
}
