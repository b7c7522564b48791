//! The warehouse service: warehouses, locations, product availability (keyed by product id,
//! integer figures), stock corrections and shipping methods.

use super::common::{Stamp, decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A warehouse (GET `/warehouse-service/warehouse`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    /// The warehouse id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `warehouse` ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_code: Option<String>,
    /// Display form of the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_description: Option<String>,
    /// `{"addressId": 2}`: read it with the postal-address GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<WarehouseAddressRef>,
    /// Click and collect.
    #[serde(default)]
    pub click_and_collect_enabled: bool,
    /// Opening hours (click and collect warehouses), kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_operating_periods: Option<Value>,
}

/// `warehouse.address`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseAddressRef {
    /// The postal address id.
    #[serde(default)]
    pub address_id: u64,
}

/// A location in a warehouse (GET `/warehouse-service/warehouse/{id}/location/{ids}`;
/// shape INFERRED from the location-search columns).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The location id.
    pub id: u64,
    /// Its warehouse.
    #[serde(default)]
    pub warehouse_id: u64,
    /// Zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<u64>,
    /// Aisle.
    #[serde(default)]
    pub grouping_a: String,
    /// Bay.
    #[serde(default)]
    pub grouping_b: String,
    /// Shelf.
    #[serde(default)]
    pub grouping_c: String,
    /// Bin.
    #[serde(default)]
    pub grouping_d: String,
    /// Barcode label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
}

/// GET `/warehouse-service/product-availability/{ids}`: availability keyed by product id.
/// Products that are not stock-tracked are left out.
pub type AvailabilityMap = BTreeMap<u64, ProductAvailability>;

/// One product's availability.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ProductAvailability {
    /// Over all warehouses.
    #[serde(default)]
    pub total: StockFigures,
    /// Per warehouse id; a warehouse appears only where the product has stock.
    #[serde(default)]
    pub warehouses: BTreeMap<u64, WarehouseAvailability>,
}

impl ProductAvailability {
    /// `onHand` summed over `warehouses` (all of them when the list is empty).
    pub fn on_hand_in(&self, warehouses: &[u64]) -> i64 {
        if warehouses.is_empty() {
            return self.total.on_hand;
        }
        warehouses
            .iter()
            .filter_map(|w| self.warehouses.get(w))
            .map(|w| w.figures.on_hand)
            .sum()
    }
}

/// The four availability figures, integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockFigures {
    /// Physically in stock.
    #[serde(default)]
    pub in_stock: i64,
    /// In stock and not allocated (`inStock − allocated`).
    #[serde(default)]
    pub on_hand: i64,
    /// Allocated to orders.
    #[serde(default)]
    pub allocated: i64,
    /// Moving between warehouses.
    #[serde(default)]
    pub in_transit: i64,
}

/// One warehouse's figures, with the per-location breakdown when asked for
/// (`includeOptional=breakDownByLocation`; key and shape INFERRED).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseAvailability {
    /// The figures.
    #[serde(flatten)]
    pub figures: StockFigures,
    /// Per location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_location: Option<BTreeMap<u64, StockFigures>>,
}

/// POST `/warehouse-service/warehouse/{id}/stock-correction` → one goods-movement id per line.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewStockCorrection {
    /// The lines, applied all or none.
    pub corrections: Vec<StockCorrectionLine>,
}

/// One line of a stock correction.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockCorrectionLine {
    /// Units added (positive) or removed (negative).
    pub quantity: i64,
    /// The product (must be stock-tracked).
    pub product_id: u64,
    /// Why the stock changed.
    pub reason: String,
    /// The location (the warehouse's default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<u64>,
    /// Unit cost of added stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<CorrectionCost>,
}

/// `cost` of a correction line.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CorrectionCost {
    /// ISO currency code.
    pub currency: String,
    /// Unit cost.
    #[serde(with = "decimal")]
    pub value: Decimal,
}

/// A goods movement (a goods-movement-search row; stock corrections make them).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsMovement {
    /// The movement id.
    pub goods_movement_id: u64,
    /// The product.
    #[serde(default)]
    pub product_id: u64,
    /// Units moved (signed).
    #[serde(default)]
    pub quantity: i64,
    /// The warehouse.
    #[serde(default)]
    pub warehouse_id: u64,
    /// The location.
    #[serde(default)]
    pub location_id: u64,
    /// Unit value.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub product_value: Option<Decimal>,
    /// Its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
}

/// A shipping method (GET `/warehouse-service/shipping-method`); `code` and `carrier` are
/// omitted when unset.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingMethod {
    /// The method id (orders and goods-out notes name it).
    pub id: u64,
    /// Its unique name.
    #[serde(default)]
    pub name: String,
    /// Short code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Weight breaks, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks: Option<String>,
    /// Method type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_type: Option<u32>,
    /// Whether the carrier needs more information.
    #[serde(default)]
    pub additional_information_required: bool,
    /// Carrier name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Countries served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<String>,
    /// Channel brand → document template.
    #[serde(default)]
    pub channel_brand_templates: BTreeMap<u64, u64>,
}
