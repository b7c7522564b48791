//! Creating the reference records products point at: brands (`POST /product-service/brand`),
//! Brightpearl categories, seasons; and product settings demo data sets without a body.

use super::super::Account;
use super::input::{boolean, invalid, next_id, object, optional_id, present, text};
use super::reference::{Brand, Category, Season};
use super::write::{existing, store_modified};
use crate::brightpearl::api::ApiError;
use serde_json::Value as Json;

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
