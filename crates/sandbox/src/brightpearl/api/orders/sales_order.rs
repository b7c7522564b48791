//! `/order-service/sales-order` and `/order-service/sales-credit`: POST (atomic with rows →
//! id), GET by id set (up to 200, other order types and unknown ids left out, INFERRED like
//! the order GET), PUT with `If-Match` (412 on a stale version), PUT of rows, OPTIONS.
//! Message types follow the recorded naming pattern (`get-sales-order`, ...; INFERRED).

use super::{MAX_IDS_PER_GET, id_set, single_id};
use crate::brightpearl::account::orders::{self, OrderType};
use crate::brightpearl::api::body::{json_body, json_object, kind};
use crate::brightpearl::api::{ApiResult, AppState, Reply, WithMessageType, header};
use crate::brightpearl::idset::IdSet;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::Value as Json;

const GET: &str = "get-sales-order";
const POST: &str = "post-sales-order";
const PUT: &str = "put-sales-order";
const PUT_ROWS: &str = "put-sales-order-row";
const OPTIONS: &str = "options-sales-order";
const GET_CREDIT: &str = "get-sales-credit";
const POST_CREDIT: &str = "post-sales-credit";

fn get_in(state: &AppState, ids: &str, order_type: OrderType, mt: &'static str) -> ApiResult {
    let set = id_set(ids, Some(MAX_IDS_PER_GET), "sales order").tagged(mt)?;
    let account = state.account();
    let views = orders::sales_orders(&account, set.ids().iter().copied(), order_type);
    Ok(Reply::ok(mt, views))
}

/// `GET /sales-order/{ids}`.
pub(super) async fn get_sales_orders(
    State(state): State<AppState>,
    Path(ids): Path<String>,
) -> ApiResult {
    get_in(&state, &ids, OrderType::SalesOrder, GET)
}

/// `GET /sales-credit/{ids}`.
pub(super) async fn get_sales_credits(
    State(state): State<AppState>,
    Path(ids): Path<String>,
) -> ApiResult {
    get_in(&state, &ids, OrderType::SalesCredit, GET_CREDIT)
}

fn post_in(state: &AppState, body: &Bytes, order_type: OrderType, mt: &'static str) -> ApiResult {
    let what = if order_type == OrderType::SalesOrder {
        "sales order"
    } else {
        "sales credit"
    };
    let body = json_object(body, what).tagged(mt)?;
    let input = orders::read_sales_order(&body, order_type).tagged(mt)?;
    let id = orders::create_sales_order(&mut state.account(), &input).tagged(mt)?;
    Ok(Reply::ok(mt, id))
}

/// `POST /sales-order` → the new id.
pub(super) async fn post_sales_order(State(state): State<AppState>, body: Bytes) -> ApiResult {
    post_in(&state, &body, OrderType::SalesOrder, POST)
}

/// `POST /sales-credit` → the new id.
pub(super) async fn post_sales_credit(State(state): State<AppState>, body: Bytes) -> ApiResult {
    post_in(&state, &body, OrderType::SalesCredit, POST_CREDIT)
}

/// `PUT /sales-order/{id}` (whole representation, `If-Match: <version>`) → `{}`.
pub(super) async fn put_sales_order(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "sales order").tagged(PUT)?;
    let body = json_object(&body, "sales order").tagged(PUT)?;
    let input = orders::read_sales_order(&body, OrderType::SalesOrder).tagged(PUT)?;
    let if_match = header(&headers, "if-match");
    orders::put_sales_order(&mut state.account(), id, &input, if_match.as_deref()).tagged(PUT)?;
    Ok(Reply::empty(PUT))
}

/// `PUT /sales-order/{id}/row/{rows}` with an array of rows → `{}`.
pub(super) async fn put_rows(
    State(state): State<AppState>,
    Path((id, rows)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "sales order").tagged(PUT_ROWS)?;
    let allowed = id_set(&rows, None, "order row").tagged(PUT_ROWS)?;
    let items = match json_body(&body).tagged(PUT_ROWS)? {
        Json::Array(items) => items,
        Json::Object(one) => vec![Json::Object(one)],
        other => {
            return Err(orders::invalid(format!(
                "The body must be an array of rows such as [{{\"id\":5,\"quantity\":\"2\",\"taxCode\":\"T\",\"net\":\"20.00\",\"tax\":\"2.00\"}}], not {}",
                kind(&other)
            ))
            .message_type(PUT_ROWS));
        }
    };
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, item)| orders::read_sales_row(item, &format!("rows[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .tagged(PUT_ROWS)?;
    orders::put_sales_order_rows(&mut state.account(), id, allowed.ids(), &rows)
        .tagged(PUT_ROWS)?;
    Ok(Reply::empty(PUT_ROWS))
}

fn uris(state: &AppState, wanted: Option<&IdSet>) -> Json {
    let account = state.account();
    let ids: Vec<u64> = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .map(|o| o.id)
        .filter(|id| wanted.is_none_or(|set| set.contains(*id)))
        .collect();
    drop(account);
    crate::brightpearl::api::params::get_uris(ids, MAX_IDS_PER_GET, "sales-order")
}

/// `OPTIONS /sales-order`.
pub(super) async fn options_all(State(state): State<AppState>) -> ApiResult {
    Ok(Reply::ok(OPTIONS, uris(&state, None)))
}

/// `OPTIONS /sales-order/{ids}`.
pub(super) async fn options_ids(
    State(state): State<AppState>,
    Path(ids): Path<String>,
) -> ApiResult {
    let set = id_set(&ids, None, "sales order").tagged(OPTIONS)?;
    Ok(Reply::ok(OPTIONS, uris(&state, Some(&set))))
}
