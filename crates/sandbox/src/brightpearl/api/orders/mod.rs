//! The order service's HTTP surface (`/order-service/...`): the generic order and its rows,
//! status, notes and custom fields (`order.rs`); the reference lists and custom-field metadata
//! (`reference.rs`); the order and sales-order searches (`search.rs`); the sales-order and
//! sales-credit resources (`sales_order.rs`). Handlers lock the account, call the operations of
//! `account::orders`, and answer in Brightpearl's envelope with the recorded `Message-Type`s.

mod order;
mod reference;
mod sales_order;
mod search;

use super::{ApiError, AppState};
use crate::brightpearl::idset::IdSet;
use axum::Router;
use axum::routing::{get, patch, post, put};

/// At most this many orders (or sales orders) per GET (reference §5, documented).
pub const MAX_IDS_PER_GET: usize = 200;

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    let s = "/order-service";
    Router::new()
        .route(
            &format!("{s}/order"),
            post(order::post_order).options(order::options_all),
        )
        .route(
            &format!("{s}/order/{{ids}}"),
            get(order::get_orders)
                .options(order::options_ids)
                .patch(order::patch_order),
        )
        .route(&format!("{s}/order/{{id}}/row"), post(order::post_row))
        .route(
            &format!("{s}/order/{{id}}/row/{{row}}"),
            patch(order::patch_row).delete(order::delete_row),
        )
        .route(&format!("{s}/order/{{id}}/status"), put(order::put_status))
        .route(
            &format!("{s}/order/{{id}}/note"),
            post(order::post_note).get(order::get_notes),
        )
        .route(
            &format!("{s}/order/{{id}}/custom-field"),
            get(order::get_custom_fields).patch(order::patch_custom_fields),
        )
        .route(
            &format!("{s}/sale/custom-field-meta-data"),
            get(reference::sale_meta_all),
        )
        .route(
            &format!("{s}/sale/custom-field-meta-data/{{ids}}"),
            get(reference::sale_meta),
        )
        .route(
            &format!("{s}/purchase/custom-field-meta-data"),
            get(reference::purchase_meta_all),
        )
        .route(
            &format!("{s}/purchase/custom-field-meta-data/{{ids}}"),
            get(reference::purchase_meta),
        )
        .route(
            &format!("{s}/order-status"),
            get(reference::statuses_all).post(reference::post_status),
        )
        .route(
            &format!("{s}/order-status/{{ids}}"),
            get(reference::statuses),
        )
        .route(&format!("{s}/order-type"), get(reference::types_all))
        .route(&format!("{s}/order-type/{{ids}}"), get(reference::types))
        .route(
            &format!("{s}/order-stock-status"),
            get(reference::stock_all),
        )
        .route(
            &format!("{s}/order-stock-status/{{ids}}"),
            get(reference::stock),
        )
        .route(
            &format!("{s}/order-shipping-status"),
            get(reference::shipping_all),
        )
        .route(
            &format!("{s}/order-shipping-status/{{ids}}"),
            get(reference::shipping),
        )
        .route(&format!("{s}/order-search"), get(search::order_search))
        .route(
            &format!("{s}/sales-order-search"),
            get(search::sales_order_search),
        )
        .route(
            &format!("{s}/sales-order"),
            post(sales_order::post_sales_order).options(sales_order::options_all),
        )
        .route(
            &format!("{s}/sales-order/{{ids}}"),
            get(sales_order::get_sales_orders)
                .put(sales_order::put_sales_order)
                .options(sales_order::options_ids),
        )
        .route(
            &format!("{s}/sales-order/{{id}}/row/{{rows}}"),
            put(sales_order::put_rows),
        )
        .route(
            &format!("{s}/sales-credit"),
            post(sales_order::post_sales_credit),
        )
        .route(
            &format!("{s}/sales-credit/{{ids}}"),
            get(sales_order::get_sales_credits),
        )
}

/// Parses the id set of a path; `what` names the resource in messages. Over `cap` ids, or
/// malformed, is 400 `CMNC-400` (INFERRED code) saying how to split it.
pub(super) fn id_set(text: &str, cap: Option<usize>, what: &str) -> Result<IdSet, ApiError> {
    let set = IdSet::parse(text, false).map_err(|e| {
        ApiError::bad_request(
            "CMNC-400",
            format!("{e}; name {what}s like 4, 4-99 or 4,7,9"),
        )
    })?;
    if let (Some(cap), Some(n)) = (cap, set.len())
        && n > cap
    {
        return Err(ApiError::bad_request(
            "CMNC-400",
            format!(
                "The {what} id set {text} names {n} ids; at most {cap} may be fetched per request. Split it: OPTIONS on the same URI answers the chunks"
            ),
        ));
    }
    Ok(set)
}

/// Parses the single id of a path (`/order/{id}/row`); an id set is refused.
pub(super) fn single_id(text: &str, what: &str) -> Result<u64, ApiError> {
    text.trim().parse::<u64>().map_err(|_| {
        ApiError::not_found(format!(
            "{what} {text:?} is not a single id; this endpoint takes exactly one {what} id"
        ))
    })
}
