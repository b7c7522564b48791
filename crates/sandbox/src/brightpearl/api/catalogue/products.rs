//! Products, their custom fields, prices and price lists (reference §7.5).

use super::{
    capped_ids, get_uris, if_match, includes, listing, parse_ids, product_search, single_id,
};
use crate::brightpearl::account::catalogue::{
    self, PRODUCT_ID_CAP, Product, custom_field_meta, product_prices,
};
use crate::brightpearl::api::body::{json_body, parse_patch};
use crate::brightpearl::api::{ApiError, ApiResult, AppState, Reply, WithMessageType};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::{get, patch, post, put};
use bytes::Bytes;

/// Product routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/product-service/product",
            post(post_product).options(options_all_products),
        )
        .route(
            "/product-service/product/{ids}",
            get(get_products).options(options_products).put(put_product),
        )
        .route("/product-service/product/{ids}/identity", put(put_identity))
        .route(
            "/product-service/product/{ids}/custom-field",
            patch(patch_custom_fields),
        )
        .route(
            "/product-service/product-custom-field/{ids}",
            get(get_custom_fields),
        )
        .route(
            "/product-service/product/custom-field-meta-data",
            get(get_meta_all),
        )
        .route(
            "/product-service/product/custom-field-meta-data/{ids}",
            get(get_meta),
        )
        .route(
            "/product-service/product-price/{ids}",
            get(get_prices).options(options_prices),
        )
        .route(
            "/product-service/product-price",
            axum::routing::options(options_all_prices),
        )
        .route(
            "/product-service/product-price/{ids}/price-list",
            put(put_prices),
        )
        .route(
            "/product-service/product-price/{ids}/price-list/{lists}",
            get(get_prices_on_lists),
        )
        .route("/product-service/price-list", get(price_lists_all))
        .route("/product-service/price-list/{ids}", get(price_lists))
        .route(
            "/product-service/product-search",
            get(product_search::product_search),
        )
}

const GET: &str = "product-get";
const POST: &str = "post-product";
const PUT: &str = "put-product";
const OPTIONS: &str = "product-options";
const PUT_IDENTITY: &str = "put-product-identity";
const GET_CUSTOM: &str = "get-custom-fields";
const PATCH_CUSTOM: &str = "patch-custom-fields";
const GET_META: &str = "get-custom-fields-metadata";
const GET_PRICE: &str = "get-product-price";
const PUT_PRICE: &str = "put-product-price";
const OPTIONS_PRICE: &str = "options-product-price";
const GET_PRICE_LIST: &str = "get-price-list";

async fn get_products(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    uri: Uri,
) -> ApiResult {
    let ids =
        capped_ids(&ids, PRODUCT_ID_CAP, "product", "/product-service/product").tagged(GET)?;
    let with_custom_fields = includes(&uri, "customFields");
    let account = state.account();
    let found: Vec<&Product> = ids
        .iter()
        .filter_map(|id| account.catalogue.product(*id))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found("No Products Found").message_type(GET));
    }
    if !with_custom_fields {
        return Ok(Reply::ok(GET, found));
    }
    let with: Vec<Product> = found
        .into_iter()
        .map(|p| Product {
            custom_fields: Some(account.catalogue.custom_fields_of(p.id)),
            ..p.clone()
        })
        .collect();
    Ok(Reply::ok(GET, with))
}

async fn options_products(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let set = parse_ids(&ids, "product").tagged(OPTIONS)?;
    let account = state.account();
    let existing = set
        .ids()
        .iter()
        .copied()
        .filter(|id| account.catalogue.products.contains_key(id));
    Ok(Reply::ok(
        OPTIONS,
        get_uris(existing, PRODUCT_ID_CAP, "product"),
    ))
}

async fn options_all_products(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    let existing = account.catalogue.products.keys().copied();
    Ok(Reply::ok(
        OPTIONS,
        get_uris(existing, PRODUCT_ID_CAP, "product"),
    ))
}

async fn post_product(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_body(&body).tagged(POST)?;
    let id = catalogue::create_product(&mut state.account(), &body).tagged(POST)?;
    Ok(Reply::ok(POST, id))
}

async fn put_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "product", "/product/1007").tagged(PUT)?;
    let body = json_body(&body).tagged(PUT)?;
    let version = if_match(&headers);
    catalogue::update_product(&mut state.account(), id, &body, version.as_deref()).tagged(PUT)?;
    Ok(Reply::empty(PUT))
}

async fn put_identity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "product", "/product/1007/identity").tagged(PUT_IDENTITY)?;
    let body = json_body(&body).tagged(PUT_IDENTITY)?;
    catalogue::set_identity(&mut state.account(), id, &body).tagged(PUT_IDENTITY)?;
    Ok(Reply::empty(PUT_IDENTITY))
}

/// `{"1007":{...},"99":{}}`: `{}` for products without values and for missing products.
async fn get_custom_fields(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let ids = capped_ids(&ids, PRODUCT_ID_CAP, "product", "/product-service/product")
        .tagged(GET_CUSTOM)?;
    let account = state.account();
    let map: std::collections::BTreeMap<u64, serde_json::Map<String, serde_json::Value>> = ids
        .iter()
        .map(|&id| (id, account.catalogue.custom_fields_of(id)))
        .collect();
    Ok(Reply::ok(GET_CUSTOM, map))
}

async fn patch_custom_fields(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "product", "/product/1007/custom-field").tagged(PATCH_CUSTOM)?;
    let ops = parse_patch(&body).tagged(PATCH_CUSTOM)?;
    let map =
        catalogue::patch_custom_fields(&mut state.account(), id, &ops).tagged(PATCH_CUSTOM)?;
    Ok(Reply::ok(PATCH_CUSTOM, map))
}

async fn get_meta_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    Ok(Reply::ok(GET_META, custom_field_meta(&account, None)))
}

async fn get_meta(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let set = parse_ids(&ids, "custom field").tagged(GET_META)?;
    let account = state.account();
    let found = custom_field_meta(&account, Some(&set));
    if found.is_empty() {
        return Err(ApiError::not_found(format!(
            "No product custom field with id {ids}; GET /product-service/product/custom-field-meta-data lists them"
        ))
        .message_type(GET_META));
    }
    Ok(Reply::ok(GET_META, found))
}

async fn get_prices(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    prices(&state, &ids, None)
}

async fn get_prices_on_lists(
    State(state): State<AppState>,
    Path((ids, lists)): Path<(String, String)>,
) -> ApiResult {
    let lists = parse_ids(&lists, "price list").tagged(GET_PRICE)?;
    prices(&state, &ids, Some(&lists))
}

fn prices(
    state: &AppState,
    ids: &str,
    lists: Option<&crate::brightpearl::idset::IdSet>,
) -> ApiResult {
    let ids = capped_ids(
        ids,
        PRODUCT_ID_CAP,
        "product price",
        "/product-service/product-price",
    )
    .tagged(GET_PRICE)?;
    let account = state.account();
    let found = product_prices(&account, &ids, lists);
    if found.is_empty() {
        return Err(ApiError::not_found("No Product Prices Found").message_type(GET_PRICE));
    }
    Ok(Reply::ok(GET_PRICE, found))
}

async fn options_prices(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let set = parse_ids(&ids, "product").tagged(OPTIONS_PRICE)?;
    let account = state.account();
    let existing = set
        .ids()
        .iter()
        .copied()
        .filter(|id| account.catalogue.products.contains_key(id));
    Ok(Reply::ok(
        OPTIONS_PRICE,
        get_uris(existing, PRODUCT_ID_CAP, "product-price"),
    ))
}

async fn options_all_prices(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    let existing = account.catalogue.products.keys().copied();
    Ok(Reply::ok(
        OPTIONS_PRICE,
        get_uris(existing, PRODUCT_ID_CAP, "product-price"),
    ))
}

async fn put_prices(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "product", "/product-price/1007/price-list").tagged(PUT_PRICE)?;
    let body = json_body(&body).tagged(PUT_PRICE)?;
    let mut account = state.account();
    if account.catalogue.product(id).is_none() {
        return Err(ApiError::not_found("No Product Prices Found").message_type(PUT_PRICE));
    }
    catalogue::put_prices(&mut account, id, &body).tagged(PUT_PRICE)?;
    Ok(Reply::empty(PUT_PRICE))
}

async fn price_lists_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    listing(
        account.catalogue.price_lists.iter(),
        None,
        "price list",
        GET_PRICE_LIST,
    )
}

async fn price_lists(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    let account = state.account();
    listing(
        account.catalogue.price_lists.iter(),
        Some(&ids),
        "price list",
        GET_PRICE_LIST,
    )
}
