//! Catalogue reference data: brands, Brightpearl categories, product types, seasons and
//! channels (reference §7.10), with the searches the Singer tap reads (brand-search,
//! product-type-search, brightpearl-category-search; column lists from its schema, types
//! INFERRED).

use super::{eager_search as run_rows, listing};
use crate::brightpearl::account::catalogue;
use crate::brightpearl::api::body::json_body;
use crate::brightpearl::api::{ApiResult, AppState, Reply, WithMessageType};
use crate::brightpearl::search::{Catalogue, Cell, Column, DataType, Row};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::get;
use bytes::Bytes;

/// Reference-data routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/product-service/brand", get(brands_all).post(post_brand))
        .route("/product-service/brand/{ids}", get(brands))
        .route("/product-service/brand-search", get(brand_search))
        .route(
            "/product-service/brightpearl-category",
            get(categories_all).post(post_category),
        )
        .route(
            "/product-service/brightpearl-category/{ids}",
            get(categories),
        )
        .route(
            "/product-service/brightpearl-category-search",
            get(category_search),
        )
        .route("/product-service/product-type", get(types_all))
        .route("/product-service/product-type/{ids}", get(types))
        .route("/product-service/product-type-search", get(type_search))
        .route(
            "/product-service/season",
            get(seasons_all).post(post_season),
        )
        .route("/product-service/season/{ids}", get(seasons))
        .route("/product-service/channel", get(channels_all))
        .route("/product-service/channel/{ids}", get(channels))
}

const GET_BRAND: &str = "get-brand";
const POST_BRAND: &str = "post-brand";
const GET_CATEGORY: &str = "get-brightpearl-category";
const POST_CATEGORY: &str = "post-brightpearl-category";
const GET_TYPE: &str = "get-product-type";
const GET_SEASON: &str = "get-season";
const POST_SEASON: &str = "post-season";
const GET_CHANNEL: &str = "get-channel";

async fn brands_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().catalogue.brands.iter(),
        None,
        "brand",
        GET_BRAND,
    )
}

async fn brands(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().catalogue.brands.iter(),
        Some(&ids),
        "brand",
        GET_BRAND,
    )
}

async fn post_brand(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_body(&body).tagged(POST_BRAND)?;
    let id = catalogue::create_brand(&mut state.account(), &body).tagged(POST_BRAND)?;
    Ok(Reply::ok(POST_BRAND, id))
}

async fn categories_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().catalogue.categories.iter(),
        None,
        "category",
        GET_CATEGORY,
    )
}

async fn categories(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().catalogue.categories.iter(),
        Some(&ids),
        "category",
        GET_CATEGORY,
    )
}

async fn post_category(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_body(&body).tagged(POST_CATEGORY)?;
    let id = catalogue::create_category(&mut state.account(), &body).tagged(POST_CATEGORY)?;
    Ok(Reply::ok(POST_CATEGORY, id))
}

async fn types_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().catalogue.product_types.iter(),
        None,
        "product type",
        GET_TYPE,
    )
}

async fn types(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().catalogue.product_types.iter(),
        Some(&ids),
        "product type",
        GET_TYPE,
    )
}

async fn seasons_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().catalogue.seasons.iter(),
        None,
        "season",
        GET_SEASON,
    )
}

async fn seasons(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().catalogue.seasons.iter(),
        Some(&ids),
        "season",
        GET_SEASON,
    )
}

async fn post_season(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_body(&body).tagged(POST_SEASON)?;
    let id = catalogue::create_season(&mut state.account(), &body).tagged(POST_SEASON)?;
    Ok(Reply::ok(POST_SEASON, id))
}

async fn channels_all(State(state): State<AppState>) -> ApiResult {
    listing(
        state.account().catalogue.channels.iter(),
        None,
        "channel",
        GET_CHANNEL,
    )
}

async fn channels(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    listing(
        state.account().catalogue.channels.iter(),
        Some(&ids),
        "channel",
        GET_CHANNEL,
    )
}

static BRAND_SEARCH: Catalogue = Catalogue {
    name: "brand-search",
    columns: &[
        Column::new("brandId", DataType::IdSet),
        Column::new("brandName", DataType::SearchString),
    ],
    extra_filters: &[],
};

static TYPE_SEARCH: Catalogue = Catalogue {
    name: "product-type-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("name", DataType::SearchString),
    ],
    extra_filters: &[],
};

static CATEGORY_SEARCH: Catalogue = Catalogue {
    name: "brightpearl-category-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("name", DataType::SearchString),
        Column::new("parentId", DataType::IdSet),
        Column::new("active", DataType::Boolean),
        Column::new("createdOn", DataType::Period),
        Column::new("createdById", DataType::Integer),
        Column::new("updatedOn", DataType::Period),
        Column::new("updatedBy", DataType::Integer),
    ],
    extra_filters: &[],
};

async fn brand_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    run_rows(&state, &uri, &BRAND_SEARCH, |account| {
        (account.catalogue.brands.values())
            .map(|b| Row {
                cells: vec![Cell::from(b.id), Cell::from(b.name.clone())],
            })
            .collect()
    })
}

async fn type_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    run_rows(&state, &uri, &TYPE_SEARCH, |account| {
        (account.catalogue.product_types.values())
            .map(|t| Row {
                cells: vec![Cell::from(t.id), Cell::from(t.name.clone())],
            })
            .collect()
    })
}

async fn category_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    run_rows(&state, &uri, &CATEGORY_SEARCH, |account| {
        (account.catalogue.categories.values())
            .map(|c| Row {
                cells: vec![
                    Cell::from(c.id),
                    Cell::from(c.name.clone()),
                    Cell::from(c.parent_id),
                    Cell::from(c.active),
                    Cell::Time(c.created_on.ms),
                    Cell::from(c.created_by_id),
                    Cell::Time(c.updated_on.ms),
                    Cell::from(c.updated_by),
                ],
            })
            .collect()
    })
}
