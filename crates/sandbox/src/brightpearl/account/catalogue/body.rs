//! Reading a product body (POST or PUT) key by key into a product: identity, stock,
//! financial details, the "Brightpearl" sales channel, warehouses, nominal codes, seasons,
//! status. Every reference (brand, type, category, tax code, nominal code, warehouse,
//! location, season) is checked against the account.

use super::super::Account;
use super::input::{
    as_object, boolean, id_list, id_of, invalid, measure, optional_id, present, text,
};
use super::product::{
    BRIGHTPEARL_CHANNEL, CategoryRef, Description, Identity, Product, ProductStatus, ProductStock,
    ProductWarehouse, SalesChannel, TaxCodeRef,
};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use serde_json::{Map, Value as Json};

/// Reads every known key of `body` into `product`.
pub(crate) fn apply_body(
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
        if let Some(value) = present(composition, "bundle")
            && boolean(value, "composition.bundle")?
        {
            return Err(invalid(
                "composition.bundle",
                "the sandbox does not build bundles; create the components as products and sell them separately",
            ));
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
pub(crate) fn read_identity(
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
    if allow_barcode && let Some(value) = present(body, "barcode") {
        identity.barcode = text(value, &format!("{prefix}barcode"))?;
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
            if let Some(code) = code
                && found.code != code
            {
                return Err(invalid(
                    field,
                    format!(
                        "tax code {id} is {:?}, not {code:?}; send matching id and code, or just one",
                        found.code
                    ),
                ));
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

/// The tax code of products created without one: "T" when the account has it, else the
/// lowest-numbered code (INFERRED: Brightpearl takes it from the product settings).
pub(crate) fn default_tax_code(account: &Account) -> TaxCodeRef {
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
