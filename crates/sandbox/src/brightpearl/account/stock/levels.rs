//! Stock levels and the operations that move stock.
//!
//! A level is kept per (product, warehouse): units in stock per location, units allocated to
//! orders (warehouse-wide, as Brightpearl allocates), units in transit. The availability
//! figures follow the recordings: `onHand = inStock − allocated`.
//!
//! Every operation validates before it changes anything, refuses to take stock below what is
//! allocated (or below zero) with an error naming the product, warehouse and figures, ignores
//! products that are not stock-tracked (they have no levels), and raises
//! `product.modified.on-hand-modified` once per product whose on-hand figure changed. Shipping
//! takes units out of stock and out of the allocation together, so on-hand does not move and
//! no event is raised (INFERRED from the event's name: on-hand is what can still be sold).
//!
//! Error codes where Brightpearl's are unknown (INFERRED): `WHSC-400` for a refused movement,
//! `CMNC-404` for an unknown product, warehouse or location. Stock corrections, which record
//! goods movements, are in `corrections.rs`.

use super::super::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The stock of one product in one warehouse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StockLevel {
    /// Units in stock per location id.
    pub in_stock_by_location: BTreeMap<u64, i64>,
    /// Units allocated to orders.
    pub allocated: i64,
    /// Units on their way between warehouses.
    pub in_transit: i64,
}

impl StockLevel {
    /// Units in stock in all locations.
    pub fn in_stock(&self) -> i64 {
        self.in_stock_by_location.values().sum()
    }

    /// The four availability figures.
    pub fn quantities(&self) -> Quantities {
        let in_stock = self.in_stock();
        Quantities {
            in_stock,
            on_hand: in_stock - self.allocated,
            allocated: self.allocated,
            in_transit: self.in_transit,
        }
    }

    /// Whether anything is recorded (availability lists only such warehouses).
    fn has_stock(&self) -> bool {
        self.in_stock() != 0 || self.allocated != 0 || self.in_transit != 0
    }

    /// The locations in the order stock is taken from them: the default location first, then
    /// the others by id.
    fn pick_order(&self, default_location: Option<u64>) -> Vec<u64> {
        let mut order: Vec<u64> = default_location
            .filter(|l| self.in_stock_by_location.contains_key(l))
            .into_iter()
            .collect();
        order.extend(
            self.in_stock_by_location
                .keys()
                .filter(|l| Some(**l) != default_location),
        );
        order
    }

    /// Takes `quantity` units out of the locations in pick order (or from `location` only).
    fn take(
        &mut self,
        quantity: i64,
        location: Option<u64>,
        default_location: Option<u64>,
    ) -> Result<(), String> {
        if let Some(location) = location {
            let there = self
                .in_stock_by_location
                .get(&location)
                .copied()
                .unwrap_or(0);
            if there < quantity {
                return Err(format!(
                    "location {location} holds {there}, fewer than the {quantity} to remove"
                ));
            }
            self.in_stock_by_location.insert(location, there - quantity);
            return Ok(());
        }
        let mut left = quantity;
        for location in self.pick_order(default_location) {
            let slot = self.in_stock_by_location.entry(location).or_insert(0);
            let taken = left.min((*slot).max(0));
            *slot -= taken;
            left -= taken;
            if left == 0 {
                break;
            }
        }
        if left > 0 {
            return Err(format!(
                "only {} in stock, fewer than the {quantity} to remove",
                quantity - left
            ));
        }
        Ok(())
    }

    /// Per-location figures: allocation is attributed to locations in pick order, the order
    /// shipping takes stock from them.
    fn by_location(&self, default_location: Option<u64>) -> BTreeMap<u64, Quantities> {
        let mut unattributed = self.allocated;
        let mut out = BTreeMap::new();
        for location in self.pick_order(default_location) {
            let in_stock = self
                .in_stock_by_location
                .get(&location)
                .copied()
                .unwrap_or(0);
            if in_stock == 0 {
                continue;
            }
            let allocated = unattributed.min(in_stock.max(0));
            unattributed -= allocated;
            out.insert(
                location,
                Quantities {
                    in_stock,
                    on_hand: in_stock - allocated,
                    allocated,
                    in_transit: 0,
                },
            );
        }
        out
    }
}

/// The availability figures: `{"inStock","onHand","allocated","inTransit"}`, integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quantities {
    /// Units physically in stock.
    pub in_stock: i64,
    /// In stock and not allocated: what can still be sold.
    pub on_hand: i64,
    /// Allocated to orders, not yet shipped.
    pub allocated: i64,
    /// On their way between warehouses.
    pub in_transit: i64,
}

impl Quantities {
    fn add(&mut self, other: Quantities) {
        self.in_stock += other.in_stock;
        self.on_hand += other.on_hand;
        self.allocated += other.allocated;
        self.in_transit += other.in_transit;
    }
}

/// One product's entry in the availability map (product_availability_get.yml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// Figures over all warehouses.
    pub total: Quantities,
    /// Figures per warehouse id, only where the product has stock.
    pub warehouses: BTreeMap<u64, WarehouseAvailability>,
}

/// One warehouse's figures, with the per-location breakdown when asked for
/// (`includeOptional=breakDownByLocation`; the `byLocation` key and its shape are INFERRED:
/// the same four figures per location id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseAvailability {
    /// The warehouse's figures.
    #[serde(flatten)]
    pub quantities: Quantities,
    /// Per location id, only locations holding stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_location: Option<BTreeMap<u64, Quantities>>,
}

/// The availability of `products` (reference §7.6): products that are not stock-tracked are
/// left out; a product that does not exist is refused (as [MCP] saw live: one bad id fails the
/// whole request), naming every such id.
pub fn availability(
    account: &Account,
    products: &[u64],
    by_location: bool,
) -> Result<BTreeMap<u64, Availability>, ApiError> {
    let missing: Vec<String> = products
        .iter()
        .filter(|id| !account.catalogue.products.contains_key(id))
        .map(u64::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::bad_request(
            "WHSC-400",
            format!(
                "No product with id {}: product availability is only kept for existing products; remove the id from the set",
                missing.join(", ")
            ),
        ));
    }
    let stock = &account.stock;
    let mut out = BTreeMap::new();
    for &id in products {
        let tracked = account
            .catalogue
            .product(id)
            .is_some_and(|p| p.stock_tracked());
        if !tracked {
            continue;
        }
        let mut entry = Availability {
            total: Quantities::default(),
            warehouses: BTreeMap::new(),
        };
        for (&warehouse, level) in stock.levels.get(&id).into_iter().flatten() {
            if !level.has_stock() {
                continue;
            }
            let quantities = level.quantities();
            entry.total.add(quantities);
            let by_location =
                by_location.then(|| level.by_location(stock.default_location(warehouse)));
            entry.warehouses.insert(
                warehouse,
                WarehouseAvailability {
                    quantities,
                    by_location,
                },
            );
        }
        out.insert(id, entry);
    }
    Ok(out)
}

/// One movement asked of [`apply`].
#[derive(Debug, Clone, Copy)]
pub(super) enum Movement {
    /// Units arrive at a location (the default one when `None`).
    In {
        location: Option<u64>,
        quantity: i64,
    },
    /// Units leave stock (from a location, or in pick order); allocation must stay covered.
    Out {
        location: Option<u64>,
        quantity: i64,
    },
    /// Units are allocated to an order.
    Allocate(i64),
    /// An allocation is released.
    Release(i64),
    /// Allocated units leave the warehouse.
    Ship(i64),
}

/// Puts `quantity` (≥ 0) units of `product` into stock at the default location of
/// `warehouse` (a goods-in, a return, a found item).
pub fn receive(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    quantity: i64,
) -> Result<(), ApiError> {
    let quantity = non_negative(quantity, "receive")?;
    apply(
        account,
        warehouse,
        &[(
            product,
            Movement::In {
                location: None,
                quantity,
            },
        )],
    )
}

/// Allocates `quantity` (≥ 0) units of `product` in `warehouse` to an order; refused when
/// fewer are on hand (allocate what [`super::Stock::available`] says instead).
pub fn allocate(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    quantity: i64,
) -> Result<(), ApiError> {
    let quantity = non_negative(quantity, "allocate")?;
    apply(
        account,
        warehouse,
        &[(product, Movement::Allocate(quantity))],
    )
}

/// Releases `quantity` (≥ 0) allocated units of `product` in `warehouse` (an order row
/// deleted or cancelled, a goods-out note deleted).
pub fn release_allocation(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    quantity: i64,
) -> Result<(), ApiError> {
    let quantity = non_negative(quantity, "release")?;
    apply(
        account,
        warehouse,
        &[(product, Movement::Release(quantity))],
    )
}

/// Ships `quantity` (≥ 0) allocated units of `product` from `warehouse`: they leave stock
/// and the allocation together (a goods-out note's SHW event).
pub fn ship(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    quantity: i64,
) -> Result<(), ApiError> {
    let quantity = non_negative(quantity, "ship")?;
    apply(account, warehouse, &[(product, Movement::Ship(quantity))])
}

/// Changes the stock of `product` in `warehouse` by `delta` (positive: found or received
/// at the default location; negative: lost or damaged, taken in pick order).
pub fn adjust(
    account: &mut Account,
    product: u64,
    warehouse: u64,
    delta: i64,
) -> Result<(), ApiError> {
    let movement = if delta >= 0 {
        Movement::In {
            location: None,
            quantity: delta,
        }
    } else {
        Movement::Out {
            location: None,
            quantity: delta.saturating_neg(),
        }
    };
    apply(account, warehouse, &[(product, movement)])
}

fn non_negative(quantity: i64, what: &str) -> Result<i64, ApiError> {
    if quantity < 0 {
        return Err(ApiError::bad_request(
            "WHSC-400",
            format!("cannot {what} {quantity} units: the quantity must be 0 or more"),
        ));
    }
    Ok(quantity)
}

pub(super) fn check_warehouse(account: &Account, warehouse: u64) -> Result<(), ApiError> {
    if account.stock.warehouses.contains_key(&warehouse) {
        return Ok(());
    }
    Err(ApiError::not_found(format!(
        "No warehouse {warehouse}: GET /warehouse-service/warehouse lists the warehouses"
    )))
}

/// Applies `movements` in `warehouse` to copies of the levels, checks every result, then
/// stores them and raises one on-hand event per product whose on-hand figure changed.
pub(super) fn apply(
    account: &mut Account,
    warehouse: u64,
    movements: &[(u64, Movement)],
) -> Result<(), ApiError> {
    check_warehouse(account, warehouse)?;
    let default_location = account.stock.default_location(warehouse);
    let mut changed: BTreeMap<u64, (i64, StockLevel)> = BTreeMap::new();
    for &(product_id, movement) in movements {
        let product = account.catalogue.product(product_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "No product {product_id}: stock moves only for existing products"
            ))
        })?;
        if !product.stock_tracked() {
            continue;
        }
        let level = match changed.get_mut(&product_id) {
            Some((_, level)) => level,
            None => {
                let current = account
                    .stock
                    .levels
                    .get(&product_id)
                    .and_then(|w| w.get(&warehouse))
                    .cloned()
                    .unwrap_or_default();
                let before = current.quantities().on_hand;
                &mut changed.entry(product_id).or_insert((before, current)).1
            }
        };
        move_stock(level, movement, default_location).map_err(|why| {
            ApiError::bad_request(
                "WHSC-400",
                format!("product {product_id} in warehouse {warehouse}: {why}"),
            )
        })?;
    }
    for (product_id, (before, level)) in changed {
        let after = level.quantities().on_hand;
        account
            .stock
            .levels
            .entry(product_id)
            .or_default()
            .insert(warehouse, level);
        if after != before {
            account.raise_specific(
                "product",
                Lifecycle::Modified,
                "on-hand-modified",
                product_id,
            );
        }
    }
    Ok(())
}

/// One movement on one level, or why it cannot happen.
fn move_stock(
    level: &mut StockLevel,
    movement: Movement,
    default_location: Option<u64>,
) -> Result<(), String> {
    let q = level.quantities();
    match movement {
        Movement::In { location, quantity } => {
            let location = location
                .or(default_location)
                .ok_or("the warehouse has no location to put stock in; create one first")?;
            *level.in_stock_by_location.entry(location).or_insert(0) += quantity;
        }
        Movement::Out { location, quantity } => {
            if q.on_hand < quantity {
                return Err(format!(
                    "cannot remove {quantity}: {} in stock with {} allocated leaves only {} that can be removed; release allocations first",
                    q.in_stock, q.allocated, q.on_hand
                ));
            }
            level.take(quantity, location, default_location)?;
        }
        Movement::Allocate(quantity) => {
            if q.on_hand < quantity {
                return Err(format!(
                    "cannot allocate {quantity}: only {} on hand ({} in stock, {} already allocated)",
                    q.on_hand, q.in_stock, q.allocated
                ));
            }
            level.allocated += quantity;
        }
        Movement::Release(quantity) => {
            if q.allocated < quantity {
                return Err(format!(
                    "cannot release {quantity}: only {} allocated",
                    q.allocated
                ));
            }
            level.allocated -= quantity;
        }
        Movement::Ship(quantity) => {
            if q.allocated < quantity {
                return Err(format!(
                    "cannot ship {quantity}: only {} allocated; allocate the stock (create the goods-out note) first",
                    q.allocated
                ));
            }
            level.take(quantity, None, default_location)?;
            level.allocated -= quantity;
        }
    }
    Ok(())
}
