//! Product writes: create (POST), partial update (PUT), identity replacement (PUT identity),
//! and the reference records demo data needs (brands, categories, seasons).
//!
//! A body is read key by key into a copy of the product; nothing is stored unless every key
//! is valid. Keys a write does not know are ignored, read-only keys (`id`, `version`,
//! `createdOn`, `updatedOn`, `productGroupId`) too, as Brightpearl ignores them.
//!
//! Error codes: PRDC-014 "You must supply a brand ID." is Brightpearl's (recorded); every
//! other refusal is 400 `PRDC-400` with a message naming the field (INFERRED code).

use super::super::Account;
use super::FIRST_PRODUCT_ID;
use super::product::{
    BRIGHTPEARL_CHANNEL, CategoryRef, Composition, Description, FinancialDetails, Identity,
    Product, ProductStatus, ProductStock, ProductWarehouse, SalesChannel, TaxCodeRef,
};
use super::reference::{Brand, Category, Season};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use crate::brightpearl::events::Lifecycle;
use serde_json::{Map, Value as Json};

/// The code of product validation errors whose real code is unknown (INFERRED).
pub const INVALID: &str = "PRDC-400";

/// Nominal codes of products created without them (those of the recorded products).
const DEFAULT_NOMINAL_CODES: [&str; 3] = ["1001", "5000", "4000"];

/// A 400 naming `field`.
pub(crate) fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(INVALID, format!("{field}: {message}"))
}

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

/// The next id of `sequence`, never one already used by a record (the standard
/// configuration and loaded records are not counted by the sequences).
pub(crate) fn next_id(account: &mut Account, sequence: &str, first: u64, last_used: &u64) -> u64 {
    account.sequences.observe(sequence, *last_used);
    account.next_id(sequence, first)
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

/// A version after `current` at `now_ms`: versions are epoch ms and must change on every
/// write, even two in the same millisecond.
pub(crate) fn next_version(current: i64, now_ms: i64) -> i64 {
    now_ms.max(current + 1)
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

fn object<'a>(input: &'a Json, what: &str) -> Result<&'a Map<String, Json>, ApiError> {
    input.as_object().ok_or_else(|| {
        ApiError::bad_request(
            "CMNC-010",
            format!(
                "You must supply a JSON formatted body with your request: {what} is a JSON object, not {}",
                kind(input)
            ),
        )
    })
}

/// The tax code of products created without one: "T" when the account has it, else the
/// lowest-numbered code (INFERRED: Brightpearl takes it from the product settings).
fn default_tax_code(account: &Account) -> TaxCodeRef {
    let codes = &account.accounting.tax_codes;
    codes
        .values()
        .find(|t| t.code == "T")
        .or_else(|| codes.values().next())
        .map(|t| TaxCodeRef {
            id: t.id,
            code: t.code.clone(),
        })
        .unwrap_or_default()
}

/// Reads every known key of `body` into `product`.
fn apply_body(
    account: &Account,
    product: &mut Product,
    body: &Map<String, Json>,
    creating: bool,
) -> Result<(), ApiError> {
    let catalogue = &account.catalogue;
    if let Some(value) = body.get("brandId") {
        let id = id_of(value, "brandId")?;
        if !catalogue.brands.contains_key(&id) {
            return Err(invalid(
                "brandId",
                format!("no brand {id}; GET /product-service/brand lists the brands"),
            ));
        }
        product.brand_id = id;
    }
    if let Some(value) = present(body, "productTypeId") {
        let id = id_of(value, "productTypeId")?;
        if !catalogue.product_types.contains_key(&id) {
            return Err(invalid(
                "productTypeId",
                format!("no product type {id}; GET /product-service/product-type lists them"),
            ));
        }
        product.product_type_id = id;
    }
    if let Some(value) = present(body, "identity") {
        read_identity(
            &mut product.identity,
            as_object(value, "identity")?,
            "identity.",
            true,
        )?;
    }
    if let Some(value) = present(body, "featured") {
        product.featured = boolean(value, "featured")?;
    }
    if let Some(value) = present(body, "stock") {
        read_stock(&mut product.stock, as_object(value, "stock")?)?;
    }
    if let Some(value) = present(body, "financialDetails") {
        let details = as_object(value, "financialDetails")?;
        if let Some(value) = present(details, "taxable") {
            product.financial_details.taxable = boolean(value, "financialDetails.taxable")?;
        }
        if let Some(value) = present(details, "taxCode") {
            product.financial_details.tax_code = tax_code(account, value)?;
        }
    }
    if let Some(value) = present(body, "salesChannels") {
        read_channels(account, product, value, creating)?;
    }
    if let Some(value) = present(body, "composition") {
        let composition = as_object(value, "composition")?;
        if let Some(value) = present(composition, "bundle") {
            if boolean(value, "composition.bundle")? {
                return Err(invalid(
                    "composition.bundle",
                    "the sandbox does not build bundles; create the components as products and sell them separately",
                ));
            }
        }
    }
    if let Some(value) = present(body, "warehouses") {
        for (key, settings) in as_object(value, "warehouses")? {
            let field = format!("warehouses.{key}");
            let warehouse = key
                .parse::<u64>()
                .ok()
                .filter(|id| account.stock.warehouses.contains_key(id))
                .ok_or_else(|| {
                    invalid(
                        &field,
                        "no such warehouse; GET /warehouse-service/warehouse lists them",
                    )
                })?;
            let entry = product.warehouses.entry(warehouse).or_default();
            read_warehouse(
                account,
                warehouse,
                entry,
                as_object(settings, &field)?,
                &field,
            )?;
        }
    }
    for (key, slot) in [
        ("nominalCodeStock", &mut product.nominal_code_stock),
        ("nominalCodePurchases", &mut product.nominal_code_purchases),
        ("nominalCodeSales", &mut product.nominal_code_sales),
    ] {
        if let Some(value) = present(body, key) {
            let code = match value {
                Json::String(s) => s.trim().to_string(),
                Json::Number(n) => n.to_string(),
                other => {
                    return Err(invalid(
                        key,
                        format!("a nominal code is text, not {}", kind(other)),
                    ));
                }
            };
            if account.accounting.nominal_code(&code).is_none() {
                return Err(invalid(
                    key,
                    format!(
                        "no nominal code {code:?}; GET /accounting-service/nominal-code lists them"
                    ),
                ));
            }
            *slot = code;
        }
    }
    if let Some(value) = present(body, "seasonIds") {
        let ids = id_list(value, "seasonIds")?;
        if let Some(bad) = ids.iter().find(|id| !catalogue.seasons.contains_key(id)) {
            return Err(invalid(
                "seasonIds",
                format!("no season {bad}; GET /product-service/season lists them"),
            ));
        }
        product.season_ids = ids;
    }
    if let Some(value) = present(body, "reporting") {
        product.reporting = as_object(value, "reporting")?.clone();
    }
    if let Some(value) = present(body, "status") {
        let text = value.as_str().unwrap_or_default();
        product.status = ProductStatus::parse(text)
            .ok_or_else(|| invalid("status", format!("{value} is not LIVE or DISCONTINUED")))?;
    }
    for (key, slot) in [
        ("salesPopupMessage", &mut product.sales_popup_message),
        (
            "warehousePopupMessage",
            &mut product.warehouse_popup_message,
        ),
    ] {
        if let Some(value) = present(body, key) {
            *slot = text(value, key)?;
        }
    }
    if let Some(value) = body.get("collectionId") {
        product.collection_id = optional_id(value, "collectionId")?;
    }
    if let Some(value) = body.get("primarySupplierId") {
        product.primary_supplier_id = optional_id(value, "primarySupplierId")?;
    }
    Ok(())
}

/// Identity keys; `allow_barcode` is false for the identity PUT.
fn read_identity(
    identity: &mut Identity,
    body: &Map<String, Json>,
    prefix: &str,
    allow_barcode: bool,
) -> Result<(), ApiError> {
    for (key, slot) in [
        ("sku", &mut identity.sku),
        ("isbn", &mut identity.isbn),
        ("ean", &mut identity.ean),
        ("upc", &mut identity.upc),
        ("mpn", &mut identity.mpn),
    ] {
        match body.get(key) {
            None => {}
            Some(Json::Null) => *slot = None,
            Some(value) => *slot = Some(text(value, &format!("{prefix}{key}"))?),
        }
    }
    if allow_barcode {
        if let Some(value) = present(body, "barcode") {
            identity.barcode = text(value, &format!("{prefix}barcode"))?;
        }
    }
    Ok(())
}

fn read_stock(stock: &mut ProductStock, body: &Map<String, Json>) -> Result<(), ApiError> {
    if let Some(value) = present(body, "stockTracked") {
        stock.stock_tracked = boolean(value, "stock.stockTracked")?;
    }
    if let Some(value) = present(body, "weight") {
        let weight = as_object(value, "stock.weight")?;
        if let Some(value) = present(weight, "magnitude") {
            stock.weight.magnitude = measure(value, "stock.weight.magnitude")?;
        }
    }
    if let Some(value) = present(body, "dimensions") {
        let dims = as_object(value, "stock.dimensions")?;
        let d = &mut stock.dimensions;
        for (key, slot) in [
            ("length", &mut d.length),
            ("height", &mut d.height),
            ("width", &mut d.width),
            ("volume", &mut d.volume),
        ] {
            if let Some(value) = present(dims, key) {
                *slot = measure(value, &format!("stock.dimensions.{key}"))?;
            }
        }
    }
    Ok(())
}

fn read_warehouse(
    account: &Account,
    warehouse: u64,
    entry: &mut ProductWarehouse,
    body: &Map<String, Json>,
    field: &str,
) -> Result<(), ApiError> {
    for key in ["defaultLocationId", "overflowLocationId"] {
        if let Some(value) = present(body, key) {
            let name = format!("{field}.{key}");
            let id = optional_id(value, &name)?.unwrap_or(0);
            let belongs = account
                .stock
                .locations
                .get(&id)
                .is_some_and(|l| l.warehouse_id == warehouse);
            if id != 0 && !belongs {
                return Err(invalid(
                    &name,
                    format!("no location {id} in warehouse {warehouse}"),
                ));
            }
            if key == "defaultLocationId" {
                entry.default_location_id = id;
            } else {
                entry.overflow_location_id = id;
            }
        }
    }
    for (key, slot) in [
        ("reorderLevel", &mut entry.reorder_level),
        ("reorderQuantity", &mut entry.reorder_quantity),
    ] {
        if let Some(value) = present(body, key) {
            let name = format!("{field}.{key}");
            *slot = value
                .as_i64()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid(&name, format!("{value} is not a whole number ≥ 0")))?;
        }
    }
    Ok(())
}

/// `salesChannels`: only "Brightpearl"; a PUT merges into the existing entry.
fn read_channels(
    account: &Account,
    product: &mut Product,
    value: &Json,
    creating: bool,
) -> Result<(), ApiError> {
    let Json::Array(entries) = value else {
        return Err(invalid(
            "salesChannels",
            format!("an array is expected, not {}", kind(value)),
        ));
    };
    for (at, entry) in entries.iter().enumerate() {
        let field = format!("salesChannels[{at}]");
        let body = as_object(entry, &field)?;
        let name = body
            .get("salesChannelName")
            .and_then(Json::as_str)
            .unwrap_or(BRIGHTPEARL_CHANNEL);
        if name != BRIGHTPEARL_CHANNEL {
            return Err(invalid(
                &format!("{field}.salesChannelName"),
                format!(
                    "{name:?}: \"Brightpearl\" is the only sales channel products can be written to"
                ),
            ));
        }
        let existing = product
            .sales_channels
            .iter()
            .position(|c| c.sales_channel_name == BRIGHTPEARL_CHANNEL);
        let mut channel = match existing {
            Some(i) => product.sales_channels[i].clone(),
            None => SalesChannel {
                sales_channel_name: BRIGHTPEARL_CHANNEL.into(),
                product_name: String::new(),
                product_condition: "new".into(),
                categories: Vec::new(),
                description: Description::default(),
                short_description: Description::default(),
            },
        };
        if let Some(value) = present(body, "productName") {
            channel.product_name = text(value, &format!("{field}.productName"))?
                .trim()
                .to_string();
        }
        if channel.product_name.is_empty() {
            return Err(invalid(
                &format!("{field}.productName"),
                "a product needs a name; send a non-empty productName",
            ));
        }
        if let Some(value) = present(body, "productCondition") {
            let condition = text(value, &format!("{field}.productCondition"))?;
            if !matches!(condition.as_str(), "new" | "used" | "refurbished") {
                return Err(invalid(
                    &format!("{field}.productCondition"),
                    format!("{condition:?} is not new, used or refurbished"),
                ));
            }
            channel.product_condition = condition;
        }
        if let Some(value) = present(body, "categories") {
            channel.categories = read_categories(account, value, &format!("{field}.categories"))?;
        }
        for (key, slot) in [
            ("description", &mut channel.description),
            ("shortDescription", &mut channel.short_description),
        ] {
            if let Some(value) = present(body, key) {
                read_description(slot, value, &format!("{field}.{key}"))?;
            }
        }
        match existing {
            Some(i) => product.sales_channels[i] = channel,
            None => product.sales_channels.push(channel),
        }
    }
    if creating && entries.is_empty() {
        return Err(invalid(
            "salesChannels",
            "send one entry for the \"Brightpearl\" channel",
        ));
    }
    Ok(())
}

fn read_categories(
    account: &Account,
    value: &Json,
    field: &str,
) -> Result<Vec<CategoryRef>, ApiError> {
    let Json::Array(items) = value else {
        return Err(invalid(
            field,
            format!("an array is expected, not {}", kind(value)),
        ));
    };
    let mut out: Vec<CategoryRef> = Vec::with_capacity(items.len());
    for (at, item) in items.iter().enumerate() {
        let name = format!("{field}[{at}].categoryCode");
        let code = item.get("categoryCode").unwrap_or(item);
        let id = match code {
            Json::Number(n) => n.as_u64(),
            Json::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .ok_or_else(|| invalid(&name, format!("{code} is not a category id")))?;
        if !account.catalogue.categories.contains_key(&id) {
            return Err(invalid(
                &name,
                format!("no category {id}; GET /product-service/brightpearl-category lists them"),
            ));
        }
        if !out.iter().any(|c| c.category_code == id.to_string()) {
            out.push(CategoryRef {
                category_code: id.to_string(),
            });
        }
    }
    Ok(out)
}

fn read_description(slot: &mut Description, value: &Json, field: &str) -> Result<(), ApiError> {
    match value {
        Json::String(s) => slot.text = s.clone(),
        Json::Object(map) => {
            for (key, target) in [
                ("languageCode", &mut slot.language_code),
                ("text", &mut slot.text),
                ("format", &mut slot.format),
            ] {
                if let Some(value) = present(map, key) {
                    *target = text(value, &format!("{field}.{key}"))?;
                }
            }
        }
        other => {
            return Err(invalid(
                field,
                format!(
                    "send {{\"text\":\"...\"}} (or a string), not {}",
                    kind(other)
                ),
            ));
        }
    }
    Ok(())
}

/// `{"id":2,"code":"T"}`, `{"id":2}` or `{"code":"T"}`, checked against the account's tax
/// codes (the id and the code must agree when both are sent).
fn tax_code(account: &Account, value: &Json) -> Result<TaxCodeRef, ApiError> {
    let field = "financialDetails.taxCode";
    let body = as_object(value, field)?;
    let id = present(body, "id")
        .map(|v| id_of(v, "financialDetails.taxCode.id"))
        .transpose()?;
    let code = present(body, "code")
        .map(|v| match v {
            Json::String(s) => Ok(s.trim().to_string()),
            Json::Number(n) => Ok(n.to_string()),
            other => Err(invalid(
                "financialDetails.taxCode.code",
                format!("{other} is not a tax code"),
            )),
        })
        .transpose()?;
    let accounting = &account.accounting;
    let found = match (id, code.as_deref()) {
        (Some(id), code) => {
            let found = accounting.tax_code(id).ok_or_else(|| {
                invalid(
                    field,
                    format!("no tax code {id}; GET /accounting-service/tax-code lists them"),
                )
            })?;
            if let Some(code) = code {
                if found.code != code {
                    return Err(invalid(
                        field,
                        format!(
                            "tax code {id} is {:?}, not {code:?}; send matching id and code, or just one",
                            found.code
                        ),
                    ));
                }
            }
            found
        }
        (None, Some(code)) => accounting.tax_code_by_code(code).ok_or_else(|| {
            invalid(
                field,
                format!("no tax code {code:?}; GET /accounting-service/tax-code lists them"),
            )
        })?,
        (None, None) => return Err(invalid(field, "send the tax code's id, code or both")),
    };
    Ok(TaxCodeRef {
        id: found.id,
        code: found.code.clone(),
    })
}

/// A key whose value is not `null`.
fn present<'a>(body: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    body.get(key).filter(|v| !v.is_null())
}

fn as_object<'a>(value: &'a Json, field: &str) -> Result<&'a Map<String, Json>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| invalid(field, format!("an object is expected, not {}", kind(value))))
}

fn id_of(value: &Json, field: &str) -> Result<u64, ApiError> {
    match value {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| {
        invalid(
            field,
            format!("{value} is not an id (a whole number above 0)"),
        )
    })
}

fn optional_id(value: &Json, field: &str) -> Result<Option<u64>, ApiError> {
    match value {
        Json::Null => Ok(None),
        Json::Number(n) if n.as_u64() == Some(0) => Ok(None),
        other => id_of(other, field).map(Some),
    }
}

fn id_list(value: &Json, field: &str) -> Result<Vec<u64>, ApiError> {
    let Json::Array(items) = value else {
        return Err(invalid(
            field,
            format!("an array of ids is expected, not {}", kind(value)),
        ));
    };
    items.iter().map(|item| id_of(item, field)).collect()
}

fn boolean(value: &Json, field: &str) -> Result<bool, ApiError> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(invalid(field, format!("{other} is not true or false"))),
    }
}

fn text(value: &Json, field: &str) -> Result<String, ApiError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(invalid(
            field,
            format!("text is expected, not {}", kind(other)),
        )),
    }
}

fn measure(value: &Json, field: &str) -> Result<f64, ApiError> {
    let number = match value {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    number
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| invalid(field, format!("{value} is not a number ≥ 0")))
}

/// Creates a brand (`POST /product-service/brand`); a missing name is Brightpearl's
/// PRDC-024 "Brand name is required" (reference §4.3).
pub fn create_brand(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "a brand")?;
    let name = body
        .get("name")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("PRDC-024", "Brand name is required"))?
        .to_string();
    let description = match present(body, "description") {
        Some(value) => Some(text(value, "description")?),
        None => None,
    };
    let last = account
        .catalogue
        .brands
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let id = next_id(account, "brand", 1, &last);
    account.catalogue.brands.insert(
        id,
        Brand {
            id,
            name,
            description,
        },
    );
    Ok(id)
}

/// Creates a Brightpearl category (`POST /product-service/brightpearl-category`):
/// `{"name", "parentId"?}`.
pub fn create_category(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "a category")?;
    let name = body
        .get("name")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("name", "a category needs a non-empty name"))?
        .to_string();
    let parent_id = match present(body, "parentId") {
        Some(value) => optional_id(value, "parentId")?.unwrap_or(0),
        None => 0,
    };
    if parent_id != 0 && !account.catalogue.categories.contains_key(&parent_id) {
        return Err(invalid(
            "parentId",
            format!("no category {parent_id} to put it under"),
        ));
    }
    let active = match present(body, "active") {
        Some(value) => boolean(value, "active")?,
        None => true,
    };
    let last = account
        .catalogue
        .categories
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let id = next_id(account, "brightpearl-category", 1, &last);
    let now = account.now();
    let staff = account.settings.api_staff_id;
    account.catalogue.categories.insert(
        id,
        Category {
            id,
            name,
            parent_id,
            active,
            created_on: now.clone(),
            created_by_id: staff,
            updated_on: now,
            updated_by: staff,
        },
    );
    Ok(id)
}

/// Creates a season (`POST /product-service/season`): `{"name", "description"?}`.
pub fn create_season(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "a season")?;
    let name = body
        .get("name")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("name", "a season needs a non-empty name"))?
        .to_string();
    let description = match present(body, "description") {
        Some(value) => Some(text(value, "description")?),
        None => None,
    };
    let last = account
        .catalogue
        .seasons
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let id = next_id(account, "season", 1, &last);
    account.catalogue.seasons.insert(
        id,
        Season {
            id,
            name,
            description,
        },
    );
    Ok(id)
}

/// Sets the reorder level and quantity of `product` in `warehouse` (demo data sets them
/// without building a PUT body).
pub fn set_reorder(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    level: i64,
    quantity: i64,
) -> Result<(), ApiError> {
    let mut record = existing(account, product)?.clone();
    if !account.stock.warehouses.contains_key(&warehouse) {
        return Err(invalid("warehouse", format!("no warehouse {warehouse}")));
    }
    if level < 0 || quantity < 0 {
        return Err(invalid("reorder", "levels and quantities are 0 or more"));
    }
    let entry = record.warehouses.entry(warehouse).or_default();
    entry.reorder_level = level;
    entry.reorder_quantity = quantity;
    store_modified(account, record);
    Ok(())
}
