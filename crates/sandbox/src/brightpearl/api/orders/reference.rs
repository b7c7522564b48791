//! The order service's reference lists: order statuses (GET and POST, recorded shape), order
//! types, stock statuses and shipping statuses (`{id, code, description}`: recorded for shipping
//! statuses; the order-type and stock-status cassettes are hand-written, so their shape follows
//! the reference, §7.10), and the sale / purchase custom-field metadata.
//!
//! INFERRED: an id set naming nothing that exists answers `[]` (like the order GET); list ids
//! are not capped (the lists are short).

use super::id_set;
use crate::brightpearl::account::orders::{
    self, CustomFieldSet, OrderType, ShippingStatus, StockStatus,
};
use crate::brightpearl::api::body::json_object;
use crate::brightpearl::api::{ApiResult, AppState, Reply, WithMessageType};
use crate::brightpearl::idset::IdSet;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Serialize;

const GET_STATUS: &str = "get-order-status";
const POST_STATUS: &str = "post-order-status";
const GET_TYPE: &str = "get-order-type";
const GET_STOCK: &str = "get-order-stock-status";
const GET_SHIPPING: &str = "get-order-shipping-status";
const GET_META: &str = "get-custom-fields-metadata";

/// One entry of the fixed lists.
#[derive(Debug, Serialize)]
struct Coded {
    id: u64,
    code: &'static str,
    description: &'static str,
}

fn wanted(set: Option<&IdSet>, id: u64) -> bool {
    set.is_none_or(|s| s.contains(id))
}

fn statuses_in(state: &AppState, set: Option<&IdSet>) -> ApiResult {
    let account = state.account();
    let list: Vec<&orders::OrderStatus> = account
        .orders
        .statuses
        .values()
        .filter(|s| wanted(set, s.status_id))
        .collect();
    Ok(Reply::ok(GET_STATUS, list))
}

/// `GET /order-status`.
pub(super) async fn statuses_all(State(state): State<AppState>) -> ApiResult {
    statuses_in(&state, None)
}

/// `GET /order-status/{ids}`.
pub(super) async fn statuses(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let set = id_set(&ids, None, "order status").tagged(GET_STATUS)?;
    statuses_in(&state, Some(&set))
}

/// `POST /order-status` → the new status id.
pub(super) async fn post_status(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_object(&body, "order status").tagged(POST_STATUS)?;
    let id = orders::create_status(&mut state.account(), &body).tagged(POST_STATUS)?;
    Ok(Reply::ok(POST_STATUS, id))
}

fn types_in(set: Option<&IdSet>) -> ApiResult {
    let list: Vec<Coded> = OrderType::ALL
        .into_iter()
        .filter(|t| wanted(set, t.id()))
        .map(|t| Coded {
            id: t.id(),
            code: t.code(),
            description: t.description(),
        })
        .collect();
    Ok(Reply::ok(GET_TYPE, list))
}

/// `GET /order-type`.
pub(super) async fn types_all() -> ApiResult {
    types_in(None)
}

/// `GET /order-type/{ids}`.
pub(super) async fn types(Path(ids): Path<String>) -> ApiResult {
    let set = id_set(&ids, None, "order type").tagged(GET_TYPE)?;
    types_in(Some(&set))
}

fn stock_in(set: Option<&IdSet>) -> ApiResult {
    let mut list: Vec<Coded> = StockStatus::ALL
        .into_iter()
        .filter(|s| wanted(set, s.id()))
        .map(|s| Coded {
            id: s.id(),
            code: s.code(),
            description: s.description(),
        })
        .collect();
    list.sort_by_key(|c| c.id);
    Ok(Reply::ok(GET_STOCK, list))
}

/// `GET /order-stock-status`.
pub(super) async fn stock_all() -> ApiResult {
    stock_in(None)
}

/// `GET /order-stock-status/{ids}`.
pub(super) async fn stock(Path(ids): Path<String>) -> ApiResult {
    let set = id_set(&ids, None, "order stock status").tagged(GET_STOCK)?;
    stock_in(Some(&set))
}

fn shipping_in(set: Option<&IdSet>) -> ApiResult {
    let list: Vec<Coded> = ShippingStatus::ALL
        .into_iter()
        .filter(|s| wanted(set, s.id()))
        .map(|s| Coded {
            id: s.id(),
            code: s.code(),
            description: s.description(),
        })
        .collect();
    Ok(Reply::ok(GET_SHIPPING, list))
}

/// `GET /order-shipping-status`.
pub(super) async fn shipping_all() -> ApiResult {
    shipping_in(None)
}

/// `GET /order-shipping-status/{ids}`.
pub(super) async fn shipping(Path(ids): Path<String>) -> ApiResult {
    let set = id_set(&ids, None, "order shipping status").tagged(GET_SHIPPING)?;
    shipping_in(Some(&set))
}

fn meta_in(state: &AppState, which: CustomFieldSet, set: Option<&IdSet>) -> ApiResult {
    let account = state.account();
    let list: Vec<&orders::CustomFieldMeta> = orders::meta_of(&account, which)
        .into_iter()
        .filter(|m| wanted(set, m.id))
        .collect();
    Ok(Reply::ok(GET_META, list))
}

/// `GET /sale/custom-field-meta-data`.
pub(super) async fn sale_meta_all(State(state): State<AppState>) -> ApiResult {
    meta_in(&state, CustomFieldSet::Sale, None)
}

/// `GET /sale/custom-field-meta-data/{ids}`.
pub(super) async fn sale_meta(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let set = id_set(&ids, None, "custom field").tagged(GET_META)?;
    meta_in(&state, CustomFieldSet::Sale, Some(&set))
}

/// `GET /purchase/custom-field-meta-data`.
pub(super) async fn purchase_meta_all(State(state): State<AppState>) -> ApiResult {
    meta_in(&state, CustomFieldSet::Purchase, None)
}

/// `GET /purchase/custom-field-meta-data/{ids}`.
pub(super) async fn purchase_meta(
    State(state): State<AppState>,
    Path(ids): Path<String>,
) -> ApiResult {
    let set = id_set(&ids, None, "custom field").tagged(GET_META)?;
    meta_in(&state, CustomFieldSet::Purchase, Some(&set))
}
