//! Product writes: create (POST), partial update (PUT), identity replacement (PUT identity),
//! product grouping, versions and the product events.
//!
//! A body is read key by key (`body.rs`) into a copy of the product; nothing is stored unless
//! every key is valid. Keys a write does not know are ignored, read-only keys (`id`,
//! `version`, `createdOn`, `updatedOn`, `productGroupId`) too, as Brightpearl ignores them.
//!
//! Error codes: PRDC-014 "You must supply a brand ID." is Brightpearl's (recorded); every
//! other refusal is 400 `PRDC-400` with a message naming the field (INFERRED code).

use super::super::Account;
use super::FIRST_PRODUCT_ID;
use super::body::{apply_body, default_tax_code, read_identity};
use super::input::invalid;
use super::input::{next_id, next_version, object};
use super::product::{
    Composition, FinancialDetails, Identity, Product, ProductStatus, ProductStock, ProductWarehouse,
};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use serde_json::{Map, Value as Json};

/// Nominal codes of products created without them (those of the recorded products).
const DEFAULT_NOMINAL_CODES: [&str; 3] = ["1001", "5000", "4000"];

/// Creates a product from a POST body (reference §7.5) and returns its id. `brandId` is
/// required; `productTypeId` defaults to the account's default type; `salesChannels` must
/// name only "Brightpearl" and give a `productName`. A product whose name another product
/// already has joins that product's group (a new group when it had none).
pub fn create_product(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "a product")?;
    match body.get("brandId") {
        None | Some(Json::Null) => {
            return Err(ApiError::bad_request(
                "PRDC-014",
                "You must supply a brand ID.",
            ));
        }
        Some(_) => {}
    }
    let now = account.now();
    let tax_code = default_tax_code(account);
    let mut product = Product {
        id: 0,
        brand_id: 0,
        product_type_id: account.catalogue.default_product_type_id,
        identity: Identity::default(),
        product_group_id: None,
        featured: false,
        stock: ProductStock::default(),
        financial_details: FinancialDetails {
            taxable: false,
            tax_code,
        },
        sales_channels: Vec::new(),
        composition: Composition::default(),
        custom_fields: None,
        created_on: now.clone(),
        updated_on: Some(now.clone()),
        warehouses: account
            .stock
            .warehouses
            .keys()
            .map(|&id| (id, ProductWarehouse::default()))
            .collect(),
        nominal_code_stock: DEFAULT_NOMINAL_CODES[0].into(),
        nominal_code_purchases: DEFAULT_NOMINAL_CODES[1].into(),
        nominal_code_sales: DEFAULT_NOMINAL_CODES[2].into(),
        season_ids: Vec::new(),
        reporting: Map::new(),
        status: ProductStatus::Live,
        sales_popup_message: String::new(),
        warehouse_popup_message: String::new(),
        version: now.ms,
        collection_id: None,
        primary_supplier_id: None,
    };
    apply_body(account, &mut product, body, true)?;
    if product.sales_channels.is_empty() {
        return Err(invalid(
            "salesChannels",
            "a product needs a name: send [{\"salesChannelName\":\"Brightpearl\",\"productName\":\"...\"}]",
        ));
    }
    if product.financial_details.tax_code.code.is_empty() {
        return Err(invalid(
            "financialDetails.taxCode",
            "the account has no tax codes to default to; send {\"id\":...,\"code\":...}",
        ));
    }
    let last = account
        .catalogue
        .products
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let id = next_id(account, "product", FIRST_PRODUCT_ID, &last);
    product.id = id;
    let grouped = group_with(account, &mut product);
    account.catalogue.products.insert(id, product);
    account.raise("product", Lifecycle::Created, id);
    if let Some(other) = grouped {
        account.raise("product", Lifecycle::Modified, other);
    }
    Ok(id)
}

/// Puts `product` in the group of an existing product with the same name; returns the id of
/// that product when it was changed (it had no group yet).
fn group_with(account: &mut Account, product: &mut Product) -> Option<u64> {
    let (other, group) = account.catalogue.group_of_name(product.name())?;
    if let Some(group) = group {
        product.product_group_id = Some(group);
        return None;
    }
    let last_group = (account.catalogue.products.values())
        .filter_map(|p| p.product_group_id)
        .max()
        .unwrap_or(0);
    let group = next_id(account, "product-group", 200, &last_group);
    product.product_group_id = Some(group);
    let now = account.now();
    if let Some(existing) = account.catalogue.products.get_mut(&other) {
        existing.product_group_id = Some(group);
        existing.version = next_version(existing.version, now.ms);
        existing.updated_on = Some(now);
    }
    Some(other)
}

/// Applies a partial update (PUT body) to product `id`; `if_match` is the `If-Match` header,
/// refused with 412 when it is not the product's version.
pub fn update_product(
    account: &mut Account,
    id: u64,
    input: &Json,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let body = object(input, "a product update")?;
    let mut product = existing(account, id)?.clone();
    check_version(&product, if_match)?;
    apply_body(account, &mut product, body, false)?;
    store_modified(account, product);
    Ok(())
}

/// Replaces product `id`'s identity (PUT /product/{id}/identity): keys left out are cleared;
/// `barcode` cannot be set this way and is kept.
pub fn set_identity(account: &mut Account, id: u64, input: &Json) -> Result<(), ApiError> {
    let body = object(input, "a product identity")?;
    let mut product = existing(account, id)?.clone();
    let barcode = std::mem::take(&mut product.identity.barcode);
    product.identity = Identity {
        barcode,
        ..Identity::default()
    };
    read_identity(&mut product.identity, body, "", false)?;
    store_modified(account, product);
    Ok(())
}

/// Stores a changed product with a new version and `updatedOn`, and raises `product.modified`.
pub(crate) fn store_modified(account: &mut Account, mut product: Product) {
    let now = account.now();
    product.version = next_version(product.version, now.ms);
    product.updated_on = Some(now);
    let id = product.id;
    account.catalogue.products.insert(id, product);
    account.raise("product", Lifecycle::Modified, id);
}

/// The product `id`, or 404 naming it.
pub(crate) fn existing(account: &Account, id: u64) -> Result<&Product, ApiError> {
    account.catalogue.product(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "No product {id}: POST /product-service/product creates one"
        ))
    })
}

/// 412 unless `if_match` (a bare or quoted version, `W/` allowed) is the product's version.
pub(crate) fn check_version(product: &Product, if_match: Option<&str>) -> Result<(), ApiError> {
    let Some(raw) = if_match else {
        return Ok(());
    };
    let text = raw.trim().trim_start_matches("W/").trim_matches('"').trim();
    if text == "*" || text.parse::<i64>().ok() == Some(product.version) {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::PRECONDITION_FAILED,
        "PRDC-412",
        format!(
            "Product {} is at version {}, not the If-Match version {raw}: it changed since you read it; GET it again and reapply your change",
            product.id, product.version
        ),
    ))
}
