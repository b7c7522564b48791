//! Stock corrections (`POST /warehouse-service/warehouse/{id}/stock-correction`): several
//! lines applied all or none, each recorded as a goods movement whose id the call returns.

use super::super::Account;
use super::levels::{Movement, apply, check_warehouse};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec4, Stamp};
use serde::{Deserialize, Serialize};

/// One line of a stock correction (`POST /warehouse-service/warehouse/{id}/stock-correction`).
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The product.
    pub product_id: u64,
    /// Units added (positive) or removed (negative); never 0.
    pub quantity: i64,
    /// Why (kept on the movement).
    pub reason: String,
    /// The location; the warehouse's default location when `None`.
    pub location_id: Option<u64>,
    /// Unit cost of added stock: currency code and value.
    pub cost: Option<(String, rust_decimal::Decimal)>,
}

/// A recorded stock correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsMovement {
    /// Goods-movement id (what the correction returns).
    pub goods_movement_id: u64,
    /// The product.
    pub product_id: u64,
    /// Units added or removed.
    pub quantity: i64,
    /// The warehouse.
    pub warehouse_id: u64,
    /// The location.
    pub location_id: u64,
    /// Why.
    pub reason: String,
    /// Unit cost currency, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Unit cost, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_value: Option<Dec4>,
    /// When it was made.
    pub created_on: Stamp,
}

/// Applies stock corrections in `warehouse`, all or none; returns one goods-movement id per
/// correction, in order. Unlike the other operations it refuses products that are not
/// stock-tracked: a client asking to correct them has made a mistake it should hear about.
pub fn correct(
    account: &mut Account,
    warehouse: u64,
    corrections: &[Correction],
) -> Result<Vec<u64>, ApiError> {
    check_warehouse(account, warehouse)?;
    let mut movements = Vec::with_capacity(corrections.len());
    for (at, c) in corrections.iter().enumerate() {
        let product = account.catalogue.product(c.product_id).ok_or_else(|| {
            ApiError::bad_request(
                "WHSC-400",
                format!(
                    "corrections[{at}].productId: no product {}; correct only existing products",
                    c.product_id
                ),
            )
        })?;
        if !product.stock_tracked() {
            return Err(ApiError::bad_request(
                "WHSC-400",
                format!(
                    "corrections[{at}]: product {} is not stock-tracked, so it has no stock to correct; set stock.stockTracked first",
                    c.product_id
                ),
            ));
        }
        if let Some(location) = c.location_id {
            check_location(account, warehouse, location)
                .map_err(|e| e.prefixed(&format!("corrections[{at}].locationId: ")))?;
        }
        let movement = if c.quantity > 0 {
            Movement::In {
                location: c.location_id,
                quantity: c.quantity,
            }
        } else {
            Movement::Out {
                location: c.location_id,
                quantity: c.quantity.saturating_neg(),
            }
        };
        movements.push((c.product_id, movement));
    }
    apply(account, warehouse, &movements)?;
    let now = account.now();
    let default_location = account.stock.default_location(warehouse).unwrap_or(0);
    let mut ids = Vec::with_capacity(corrections.len());
    for c in corrections {
        let last = account
            .stock
            .movements
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0);
        account.sequences.observe("goods-movement", last);
        let id = account.next_id("goods-movement", 1);
        account.stock.movements.insert(
            id,
            GoodsMovement {
                goods_movement_id: id,
                product_id: c.product_id,
                quantity: c.quantity,
                warehouse_id: warehouse,
                location_id: c.location_id.unwrap_or(default_location),
                reason: c.reason.clone(),
                currency_code: c.cost.as_ref().map(|(code, _)| code.clone()),
                product_value: c.cost.as_ref().map(|(_, value)| Dec4::new(*value)),
                created_on: now.clone(),
            },
        );
        ids.push(id);
    }
    Ok(ids)
}

fn check_location(account: &Account, warehouse: u64, location: u64) -> Result<(), ApiError> {
    match account.stock.locations.get(&location) {
        Some(l) if l.warehouse_id == warehouse => Ok(()),
        Some(l) => Err(ApiError::bad_request(
            "WHSC-400",
            format!(
                "location {location} belongs to warehouse {}, not {warehouse}",
                l.warehouse_id
            ),
        )),
        None => Err(ApiError::bad_request(
            "WHSC-400",
            format!("no location {location} in warehouse {warehouse}"),
        )),
    }
}

trait Prefixed {
    fn prefixed(self, prefix: &str) -> Self;
}

impl Prefixed for ApiError {
    fn prefixed(mut self, prefix: &str) -> ApiError {
        for e in &mut self.errors {
            e.message = format!("{prefix}{}", e.message);
        }
        self
    }
}
