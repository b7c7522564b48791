//! Stock: warehouses (with their addresses and locations), shipping methods, and the stock
//! level of every stock-tracked product in every warehouse.
//!
//! `levels.rs` holds the level type, the availability view (`GET
//! /warehouse-service/product-availability`) and the operations other areas call when goods
//! move: [`receive`], [`allocate`], [`release_allocation`], [`ship`], [`adjust`] and
//! [`correct`] (the stock-correction endpoint, in `corrections.rs`). Each raises
//! `product.modified.on-hand-modified` when the product's on-hand figure changes.
//!
//! Ids of the standard configuration (stable: demo data and tests use them): warehouses 2
//! Main Warehouse (the default, as in the recorded accounts), 3 West Coast Warehouse, 4 UK
//! Warehouse; each has a default location with the same id as the warehouse (the recorded
//! goods-out note takes stock from location 2 of warehouse 2); shipping methods 1–6.

pub mod corrections;
pub mod levels;
pub mod shipping;

#[cfg(test)]
mod tests;

pub use corrections::{Correction, GoodsMovement, correct};
pub use levels::{
    Availability, Quantities, StockLevel, WarehouseAvailability, adjust, allocate, availability,
    receive, release_allocation, ship,
};
pub use shipping::create_shipping_method;

use super::Settings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default warehouse of the standard configuration.
pub const MAIN_WAREHOUSE: u64 = 2;
/// The second US warehouse of the standard configuration.
pub const WEST_WAREHOUSE: u64 = 3;
/// The UK warehouse of the standard configuration.
pub const UK_WAREHOUSE: u64 = 4;

/// Warehouses, locations, shipping methods and stock levels.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Stock {
    /// Warehouses by id.
    pub warehouses: BTreeMap<u64, Warehouse>,
    /// Warehouse addresses by address id, in the postal-address GET shape. They are not
    /// contacts' addresses, so contact-service does not list them unless it looks here.
    pub addresses: BTreeMap<u64, WarehouseAddress>,
    /// Locations by id.
    pub locations: BTreeMap<u64, Location>,
    /// The default location of each warehouse (warehouse id → location id).
    pub default_locations: BTreeMap<u64, u64>,
    /// Shipping methods by id.
    pub shipping_methods: BTreeMap<u64, ShippingMethod>,
    /// Stock levels by product id, then warehouse id. Only stock-tracked products that have
    /// ever had stock movements appear.
    pub levels: BTreeMap<u64, BTreeMap<u64, StockLevel>>,
    /// Stock corrections made, by goods-movement id.
    pub movements: BTreeMap<u64, GoodsMovement>,
}

impl Stock {
    /// Three warehouses (two in the US, one in the UK) with addresses and default locations,
    /// and six shipping methods. No stock.
    pub fn standard(_settings: &Settings) -> Stock {
        let mut stock = Stock::default();
        let sites = [
            (
                MAIN_WAREHOUSE,
                "Main Warehouse",
                ["4800 Industrial Blvd", "Building C", "Austin", "TX"],
                "78744",
                ("USA", "US", 223),
            ),
            (
                WEST_WAREHOUSE,
                "West Coast Warehouse",
                ["1250 Logistics Way", "", "Reno", "NV"],
                "89502",
                ("USA", "US", 223),
            ),
            (
                UK_WAREHOUSE,
                "UK Warehouse",
                [
                    "Unit 7, Brackmills Industrial Estate",
                    "",
                    "Northampton",
                    "Northamptonshire",
                ],
                "NN4 7PB",
                ("GBR", "GB", 222),
            ),
        ];
        for (id, name, lines, postal_code, (iso3, iso2, country_id)) in sites {
            stock.warehouses.insert(
                id,
                Warehouse {
                    id,
                    name: name.into(),
                    type_code: "warehouse".into(),
                    type_description: "Warehouse".into(),
                    address: AddressRef { address_id: id },
                    click_and_collect_enabled: false,
                    weekly_operating_periods: None,
                },
            );
            stock.addresses.insert(
                id,
                WarehouseAddress {
                    address_id: id,
                    address_line1: lines[0].into(),
                    address_line2: lines[1].into(),
                    address_line3: lines[2].into(),
                    address_line4: lines[3].into(),
                    postal_code: postal_code.into(),
                    country_iso_code: iso3.into(),
                    country_iso_code2: iso2.into(),
                    country_id,
                },
            );
            stock.locations.insert(
                id,
                Location {
                    id,
                    warehouse_id: id,
                    zone_id: None,
                    grouping_a: "Default".into(),
                    grouping_b: String::new(),
                    grouping_c: String::new(),
                    grouping_d: String::new(),
                    barcode: None,
                },
            );
            stock.default_locations.insert(id, id);
        }
        let methods: [MethodSeed; 6] = [
            (
                "USPS Ground Advantage",
                Some("USPSGA"),
                Some("USPS"),
                "US",
                1,
            ),
            ("UPS Ground", Some("UPSGND"), Some("UPS"), "US", 1),
            ("FedEx 2Day", Some("FDX2DAY"), Some("FedEx"), "US", 1),
            (
                "Royal Mail Tracked 48",
                Some("RMT48"),
                Some("Royal Mail"),
                "UK",
                1,
            ),
            (
                "DHL Express Worldwide",
                Some("DHLEXPWW"),
                Some("DHL"),
                "",
                1,
            ),
            ("Customer Collection", None, None, "", 2),
        ];
        for (at, (name, code, carrier, countries, method_type)) in methods.into_iter().enumerate() {
            let id = at as u64 + 1;
            stock.shipping_methods.insert(
                id,
                ShippingMethod {
                    id,
                    name: name.into(),
                    code: code.map(String::from),
                    breaks: String::new(),
                    method_type,
                    additional_information_required: false,
                    carrier: carrier.map(String::from),
                    countries: countries.into(),
                    channel_brand_templates: BTreeMap::new(),
                },
            );
        }
        stock
    }

    /// The warehouse with `id`.
    pub fn warehouse(&self, id: u64) -> Option<&Warehouse> {
        self.warehouses.get(&id)
    }

    /// The default warehouse: the lowest-numbered one (2 in the standard configuration).
    pub fn default_warehouse_id(&self) -> Option<u64> {
        self.warehouses.keys().next().copied()
    }

    /// The default location of `warehouse` (where received stock goes and shipped stock
    /// comes from first).
    pub fn default_location(&self, warehouse: u64) -> Option<u64> {
        self.default_locations.get(&warehouse).copied().or_else(|| {
            self.locations
                .values()
                .find(|l| l.warehouse_id == warehouse)
                .map(|l| l.id)
        })
    }

    /// The shipping method with `id`.
    pub fn shipping_method(&self, id: u64) -> Option<&ShippingMethod> {
        self.shipping_methods.get(&id)
    }

    /// The stock of `product` in `warehouse` (zeros when none was ever recorded).
    pub fn level(&self, product: u64, warehouse: u64) -> Quantities {
        self.levels
            .get(&product)
            .and_then(|by_warehouse| by_warehouse.get(&warehouse))
            .map(StockLevel::quantities)
            .unwrap_or_default()
    }

    /// How many of `product` can still be allocated in `warehouse` (its on-hand figure).
    pub fn available(&self, product: u64, warehouse: u64) -> i64 {
        self.level(product, warehouse).on_hand
    }
}

/// A standard shipping method: name, code, carrier, countries, method type.
type MethodSeed = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    u32,
);

/// A warehouse (reference §7.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    /// Warehouse id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `warehouse` (or `store` for shops).
    pub type_code: String,
    /// `Warehouse`.
    pub type_description: String,
    /// The warehouse's postal address.
    pub address: AddressRef,
    /// Whether customers may collect there.
    #[serde(default)]
    pub click_and_collect_enabled: bool,
    /// Opening hours, for click-and-collect warehouses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly_operating_periods: Option<serde_json::Value>,
}

/// `{"addressId": 2}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressRef {
    /// The postal address id.
    pub address_id: u64,
}

/// A warehouse's address, in contact-service's postal-address GET shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseAddress {
    /// Address id.
    pub address_id: u64,
    /// Street.
    pub address_line1: String,
    /// Suburb.
    pub address_line2: String,
    /// City.
    pub address_line3: String,
    /// State or county.
    pub address_line4: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166 alpha-3.
    pub country_iso_code: String,
    /// ISO 3166 alpha-2.
    pub country_iso_code2: String,
    /// Brightpearl's country id.
    pub country_id: u64,
}

/// A location in a warehouse (the Singer tap's location-search columns; INFERRED shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Location id.
    pub id: u64,
    /// Its warehouse.
    pub warehouse_id: u64,
    /// Its zone, when zones are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<u64>,
    /// Aisle (or "Default").
    #[serde(default, rename = "groupingA")]
    pub grouping_a: String,
    /// Bay.
    #[serde(default, rename = "groupingB")]
    pub grouping_b: String,
    /// Shelf.
    #[serde(default, rename = "groupingC")]
    pub grouping_c: String,
    /// Bin.
    #[serde(default, rename = "groupingD")]
    pub grouping_d: String,
    /// The location's barcode, when labelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
}

/// A shipping method (reference §7.8); `code` and `carrier` are omitted when unset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingMethod {
    /// Shipping method id (orders and goods-out notes carry it).
    pub id: u64,
    /// Name (unique).
    pub name: String,
    /// Short code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Weight breaks, comma-separated.
    #[serde(default)]
    pub breaks: String,
    /// The kind of method (1 = carrier delivery, 2 = collection; INFERRED meanings).
    #[serde(default)]
    pub method_type: u32,
    /// Whether a note must be entered when it is chosen.
    #[serde(default)]
    pub additional_information_required: bool,
    /// The carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Countries served (free text, e.g. "UK").
    #[serde(default)]
    pub countries: String,
    /// Document template per channel brand.
    #[serde(default)]
    pub channel_brand_templates: BTreeMap<u64, u64>,
}
