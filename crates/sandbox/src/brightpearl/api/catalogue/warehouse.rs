//! warehouse-service stock endpoints: product availability (reference §7.6), warehouses,
//! locations, shipping methods (§7.8), stock corrections, and the warehouse, location and
//! shipping-method searches (columns from the Singer tap's schema; types INFERRED).
//!
//! Stock correction (INFERRED shape): `POST /warehouse-service/warehouse/{id}/stock-correction`
//! `{"corrections":[{"quantity":5,"productId":1007,"reason":"Found in returns","locationId":2,
//! "cost":{"currency":"USD","value":1.5}}]}` → `{"response":[goodsMovementId, …]}`, all or
//! nothing. `quantity` is a non-zero whole number (negative removes); `reason` is required;
//! `locationId` defaults to the warehouse's default location; `cost` is optional.
//! The default location: `GET /warehouse-service/warehouse/{id}/location/default` →
//! `{"response": locationId}` (INFERRED).

use super::{capped_ids, eager_search, listing, parse_ids, single_id};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::PRODUCT_ID_CAP;
use crate::brightpearl::account::stock::{self, Correction};
use crate::brightpearl::api::body::{json_body, kind};
use crate::brightpearl::api::{ApiError, ApiResult, AppState, Reply, WithMessageType};
use crate::brightpearl::search::{Catalogue, Cell, Column, DataType, Row};
use crate::brightpearl::wire::decimal;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::Value as Json;

/// Warehouse-service routes of this area.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/warehouse-service/product-availability/{ids}",
            get(get_availability),
        )
        .route("/warehouse-service/warehouse", get(warehouses_all))
        .route("/warehouse-service/warehouse/{ids}", get(warehouses))
        .route(
            "/warehouse-service/warehouse/{ids}/location/default",
            get(default_location),
        )
        .route(
            "/warehouse-service/warehouse/{ids}/location/{locations}",
            get(locations),
        )
        .route(
            "/warehouse-service/warehouse/{ids}/stock-correction",
            post(post_correction),
        )
        .route("/warehouse-service/warehouse-search", get(warehouse_search))
        .route("/warehouse-service/location-search", get(location_search))
        .route(
            "/warehouse-service/shipping-method",
            get(methods_all).post(post_method),
        )
        .route("/warehouse-service/shipping-method/{ids}", get(methods))
        .route(
            "/warehouse-service/shipping-method-search",
            get(method_search),
        )
}

const GET_AVAILABILITY: &str = "get-product-availability";
const GET_WAREHOUSE: &str = "get-warehouse";
const GET_LOCATION: &str = "get-location";
const GET_DEFAULT_LOCATION: &str = "get-default-location";
const POST_CORRECTION: &str = "post-stock-correction";
const GET_METHOD: &str = "get-shipping-method";
const POST_METHOD: &str = "post-shipping-method";

async fn get_availability(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    uri: Uri,
) -> ApiResult {
    let ids = capped_ids(
        &ids,
        PRODUCT_ID_CAP,
        "product availability",
        "/product-service/product",
    )
    .tagged(GET_AVAILABILITY)?;
    let by_location = super::includes(&uri, "breakDownByLocation");
    let account = state.account();
    let map = stock::availability(&account, &ids, by_location).tagged(GET_AVAILABILITY)?;
    Ok(Reply::ok(GET_AVAILABILITY, map))
}

async fn warehouses_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().stock.warehouses.iter(),
        None,
        "warehouse",
        GET_WAREHOUSE,
    )
}

async fn warehouses(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().stock.warehouses.iter(),
        Some(&ids),
        "warehouse",
        GET_WAREHOUSE,
    )
}

fn warehouse_id(
    account: &Account,
    text: &str,
    message_type: &'static str,
) -> Result<u64, ApiError> {
    let id = single_id(text, "warehouse", "/warehouse/2").tagged(message_type)?;
    if account.stock.warehouse(id).is_none() {
        return Err(ApiError::not_found(format!(
            "No warehouse {id}: GET /warehouse-service/warehouse lists the warehouses"
        ))
        .message_type(message_type));
    }
    Ok(id)
}

async fn default_location(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let account = state.account();
    let id = warehouse_id(&account, &id, GET_DEFAULT_LOCATION)?;
    let location = account.stock.default_location(id).ok_or_else(|| {
        ApiError::not_found(format!("Warehouse {id} has no locations"))
            .message_type(GET_DEFAULT_LOCATION)
    })?;
    Ok(Reply::ok(GET_DEFAULT_LOCATION, location))
}

async fn locations(
    State(state): State<AppState>,
    Path((warehouse, ids)): Path<(String, String)>,
) -> ApiResult {
    let account = state.account();
    let warehouse = warehouse_id(&account, &warehouse, GET_LOCATION)?;
    let set = parse_ids(&ids, "location").tagged(GET_LOCATION)?;
    let found: Vec<_> = (account.stock.locations.values())
        .filter(|l| l.warehouse_id == warehouse && set.contains(l.id))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!(
            "No location {ids} in warehouse {warehouse}; GET /warehouse-service/location-search?warehouseId={warehouse} lists them"
        ))
        .message_type(GET_LOCATION));
    }
    Ok(Reply::ok(GET_LOCATION, found))
}

async fn post_correction(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body).tagged(POST_CORRECTION)?;
    let mut account = state.account();
    let warehouse = warehouse_id(&account, &id, POST_CORRECTION)?;
    let corrections = parse_corrections(&account, &body).tagged(POST_CORRECTION)?;
    let ids = stock::correct(&mut account, warehouse, &corrections).tagged(POST_CORRECTION)?;
    Ok(Reply::ok(POST_CORRECTION, ids))
}

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("WHSC-400", format!("{field}: {message}"))
}

/// Reads the correction body (shape in the module docs).
fn parse_corrections(account: &Account, body: &Json) -> Result<Vec<Correction>, ApiError> {
    let items = body
        .get("corrections")
        .and_then(Json::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| {
            invalid(
                "corrections",
                "send {\"corrections\":[{\"quantity\":5,\"productId\":1007,\"reason\":\"...\"}]}",
            )
        })?;
    let mut out = Vec::with_capacity(items.len());
    for (at, item) in items.iter().enumerate() {
        let field = |key: &str| format!("corrections[{at}].{key}");
        let quantity = item
            .get("quantity")
            .and_then(decimal)
            .filter(|q| q.fract().is_zero() && !q.is_zero())
            .and_then(|q| q.to_string().parse::<i64>().ok())
            .ok_or_else(|| {
                invalid(
                    &field("quantity"),
                    "a whole number other than 0 is required (negative removes stock)",
                )
            })?;
        let product_id = item
            .get("productId")
            .and_then(Json::as_u64)
            .ok_or_else(|| invalid(&field("productId"), "a product id is required"))?;
        let reason = item
            .get("reason")
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| invalid(&field("reason"), "say why the stock changed"))?
            .to_string();
        let location_id = match item.get("locationId") {
            None | Some(Json::Null) => None,
            Some(value) => Some(value.as_u64().ok_or_else(|| {
                invalid(
                    &field("locationId"),
                    format!("{value} is not a location id"),
                )
            })?),
        };
        let cost = match item.get("cost") {
            None | Some(Json::Null) => None,
            Some(Json::Object(cost)) => {
                let currency = cost
                    .get("currency")
                    .and_then(Json::as_str)
                    .map(str::trim)
                    .unwrap_or(account.settings.base_currency.as_str())
                    .to_ascii_uppercase();
                if account.accounting.currency_by_code(&currency).is_none() {
                    return Err(invalid(
                        &field("cost.currency"),
                        format!("{currency:?} is not a currency of the account"),
                    ));
                }
                let value = cost
                    .get("value")
                    .and_then(decimal)
                    .filter(|v| !v.is_sign_negative())
                    .ok_or_else(|| invalid(&field("cost.value"), "a unit cost ≥ 0 is required"))?;
                Some((currency, value))
            }
            Some(other) => {
                return Err(invalid(
                    &field("cost"),
                    format!(
                        "send {{\"currency\":\"USD\",\"value\":1.5}}, not {}",
                        kind(other)
                    ),
                ));
            }
        };
        out.push(Correction {
            product_id,
            quantity,
            reason,
            location_id,
            cost,
        });
    }
    Ok(out)
}

async fn methods_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().stock.shipping_methods.iter(),
        None,
        "shipping method",
        GET_METHOD,
    )
}

async fn methods(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().stock.shipping_methods.iter(),
        Some(&ids),
        "shipping method",
        GET_METHOD,
    )
}

async fn post_method(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_body(&body).tagged(POST_METHOD)?;
    let id = stock::create_shipping_method(&mut state.account(), &body).tagged(POST_METHOD)?;
    Ok(Reply::ok(POST_METHOD, id))
}

static WAREHOUSE_SEARCH: Catalogue = Catalogue {
    name: "warehouse-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("name", DataType::SearchString),
        Column::new("typeDescription", DataType::String),
        Column::new("addressId", DataType::Integer),
    ],
    extra_filters: &[],
};

static LOCATION_SEARCH: Catalogue = Catalogue {
    name: "location-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("warehouseId", DataType::IdSet),
        Column::new("zoneId", DataType::IdSet),
        Column::new("groupingA", DataType::String),
        Column::new("groupingB", DataType::String),
        Column::new("groupingC", DataType::String),
        Column::new("groupingD", DataType::String),
        Column::new("barcode", DataType::String),
    ],
    extra_filters: &[],
};

static METHOD_SEARCH: Catalogue = Catalogue {
    name: "shipping-method-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("code", DataType::String),
        Column::new("name", DataType::SearchString),
    ],
    extra_filters: &[],
};

async fn warehouse_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    eager_search(&state, &uri, &WAREHOUSE_SEARCH, |account| {
        (account.stock.warehouses.values())
            .map(|w| Row {
                cells: vec![
                    Cell::from(w.id),
                    Cell::from(w.name.clone()),
                    Cell::from(w.type_description.clone()),
                    Cell::from(w.address.address_id),
                ],
            })
            .collect()
    })
}

async fn location_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    eager_search(&state, &uri, &LOCATION_SEARCH, |account| {
        (account.stock.locations.values())
            .map(|l| Row {
                cells: vec![
                    Cell::from(l.id),
                    Cell::from(l.warehouse_id),
                    Cell::from(l.zone_id),
                    Cell::from(l.grouping_a.clone()),
                    Cell::from(l.grouping_b.clone()),
                    Cell::from(l.grouping_c.clone()),
                    Cell::from(l.grouping_d.clone()),
                    Cell::from(l.barcode.clone()),
                ],
            })
            .collect()
    })
}

async fn method_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    eager_search(&state, &uri, &METHOD_SEARCH, |account| {
        (account.stock.shipping_methods.values())
            .map(|m| Row {
                cells: vec![
                    Cell::from(m.id),
                    Cell::from(m.code.clone()),
                    Cell::from(m.name.clone()),
                ],
            })
            .collect()
    })
}
