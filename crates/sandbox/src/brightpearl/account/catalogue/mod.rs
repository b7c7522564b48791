//! The catalogue: products (identity, sales channels, custom fields), their prices on price
//! lists, and the reference data products point at (brands, Brightpearl categories, product
//! types, seasons, channels, custom-field metadata).
//!
//! Records are kept in GET shape (`product.rs`, `reference.rs`); writes live in `write.rs`
//! (products, reading bodies with `body.rs` and `input.rs`), `prices.rs`, `custom_fields.rs`
//! and `setup.rs` (brands, categories, seasons), each a plain function over the
//! account that validates everything before changing anything, stamps times, bumps the
//! product's version and raises the product events (reference §8.5).
//!
//! Ids of the standard configuration (stable: demo data and tests use them):
//! brand 1, product type 1, price lists 1 Cost (BUY, base currency), 2 Retail and 3 Trade
//! (SELL, base currency), 4 Retail in the second currency (SELL, gross); channels 1 Web Store,
//! 2 Wholesale, 3 UK Web Store. Products are numbered from 1001 (Brightpearl keeps 1000 as the
//! placeholder product of free-text order rows).

mod body;
pub mod custom_fields;
mod input;
pub mod prices;
pub mod product;
pub mod reference;
pub mod setup;
pub mod write;

#[cfg(test)]
mod tests;

pub use custom_fields::{custom_field_meta, define_custom_field, patch_custom_fields};
pub use prices::{PriceBreaks, product_prices, put_prices, set_prices};
pub use product::{
    BRIGHTPEARL_CHANNEL, CategoryRef, Composition, Description, Dimensions, FinancialDetails,
    Identity, Product, ProductStatus, ProductStock, ProductWarehouse, SalesChannel, TaxCodeRef,
    Weight,
};
pub use reference::{
    Brand, Category, Channel, CustomFieldMeta, IntegrationDetail, PriceList, PriceListName,
    ProductType, Season, SelectOption,
};
pub use setup::{create_brand, create_category, create_season, set_reorder};
pub use write::{create_product, set_identity, update_product};

use super::Settings;
use super::stock::{MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE};
use crate::brightpearl::wire::Dec4;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The most products one GET, OPTIONS chunk or price GET may name (reference §5).
pub const PRODUCT_ID_CAP: usize = 200;

/// The first product id handed out.
pub const FIRST_PRODUCT_ID: u64 = 1001;

/// The standard cost price list (BUY, base currency).
pub const COST_PRICE_LIST: u64 = 1;
/// The standard retail price list (SELL, base currency).
pub const RETAIL_PRICE_LIST: u64 = 2;
/// The standard trade price list (SELL, base currency).
pub const TRADE_PRICE_LIST: u64 = 3;
/// The standard retail price list in the second currency (SELL, gross).
pub const FOREIGN_PRICE_LIST: u64 = 4;

/// The currency id of the account's base currency in the standard configuration.
pub const BASE_CURRENCY_ID: u64 = 1;
/// The currency id of the second currency (GBP, or USD when the base is GBP).
pub const SECOND_CURRENCY_ID: u64 = 2;

/// Everything in the catalogue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Catalogue {
    /// Products by id.
    pub products: BTreeMap<u64, Product>,
    /// Custom-field values by product id (code → value); products without values are absent.
    pub custom_fields: BTreeMap<u64, Map<String, Json>>,
    /// Product custom-field metadata by field id.
    pub custom_field_meta: BTreeMap<u64, CustomFieldMeta>,
    /// Prices by product id, then price list id.
    pub prices: BTreeMap<u64, BTreeMap<u64, PriceBreaks>>,
    /// Price lists by id.
    pub price_lists: BTreeMap<u64, PriceList>,
    /// Brands by id.
    pub brands: BTreeMap<u64, Brand>,
    /// Brightpearl categories by id.
    pub categories: BTreeMap<u64, Category>,
    /// Product types by id.
    pub product_types: BTreeMap<u64, ProductType>,
    /// Seasons by id.
    pub seasons: BTreeMap<u64, Season>,
    /// Sales channels by id.
    pub channels: BTreeMap<u64, Channel>,
    /// The product type of products created without one ("defaults from settings").
    pub default_product_type_id: u64,
}

impl Catalogue {
    /// The configuration every account has: one brand, one product type, four price lists in
    /// two currencies, three channels. No products.
    pub fn standard(settings: &Settings) -> Catalogue {
        let base = settings.base_currency.as_str();
        let second = if base == "GBP" { "USD" } else { "GBP" };
        let list = |id: u64, name: &str, code: &str, currency: &str, kind: &str, gross: bool| {
            let currency_id = if currency == base {
                BASE_CURRENCY_ID
            } else {
                SECOND_CURRENCY_ID
            };
            let list = PriceList {
                id,
                name: PriceListName::english(name),
                code: code.to_string(),
                currency_code: currency.to_string(),
                currency_symbol: reference::currency_symbol(currency).to_string(),
                currency_id,
                price_list_type_code: kind.to_string(),
                gross,
            };
            (id, list)
        };
        let price_lists = BTreeMap::from([
            list(COST_PRICE_LIST, "Cost", "COST", base, "BUY", false),
            list(RETAIL_PRICE_LIST, "Retail", "RETAIL", base, "SELL", false),
            list(TRADE_PRICE_LIST, "Trade", "TRADE", base, "SELL", false),
            list(
                FOREIGN_PRICE_LIST,
                &format!("Retail {second}"),
                &format!("RETAIL {second}"),
                second,
                "SELL",
                true,
            ),
        ]);
        let channel = |id: u64, name: &str, warehouse: u64, list: u64, warehouses: &[u64]| {
            let channel = Channel {
                id,
                name: name.to_string(),
                channel_type_id: 1,
                default_warehouse_id: warehouse,
                contact_group_id: None,
                default_price_list_id: list,
                channel_brand_id: 1,
                warehouse_ids: warehouses.to_vec(),
                integration_detail: None,
            };
            (id, channel)
        };
        let channels = BTreeMap::from([
            channel(
                1,
                "Web Store",
                MAIN_WAREHOUSE,
                RETAIL_PRICE_LIST,
                &[MAIN_WAREHOUSE, WEST_WAREHOUSE],
            ),
            channel(
                2,
                "Wholesale",
                MAIN_WAREHOUSE,
                TRADE_PRICE_LIST,
                &[MAIN_WAREHOUSE],
            ),
            channel(
                3,
                "UK Web Store",
                UK_WAREHOUSE,
                FOREIGN_PRICE_LIST,
                &[UK_WAREHOUSE],
            ),
        ]);
        Catalogue {
            price_lists,
            brands: BTreeMap::from([(
                1,
                Brand {
                    id: 1,
                    name: "Unbranded".into(),
                    description: None,
                },
            )]),
            product_types: BTreeMap::from([(
                1,
                ProductType {
                    id: 1,
                    name: "Standard".into(),
                },
            )]),
            channels,
            default_product_type_id: 1,
            ..Catalogue::default()
        }
    }

    /// The product with `id`.
    pub fn product(&self, id: u64) -> Option<&Product> {
        self.products.get(&id)
    }

    /// The price list with `id`.
    pub fn price_list(&self, id: u64) -> Option<&PriceList> {
        self.price_lists.get(&id)
    }

    /// The unit price of `product` on `price_list` for `quantity`: the price of the largest
    /// quantity break not above `quantity` (quantities below 1 count as 1; when every break is
    /// above the quantity, the smallest break's price). `None` when the list has no price for
    /// the product.
    pub fn price(&self, product: u64, price_list: u64, quantity: Decimal) -> Option<Decimal> {
        let breaks = self.prices.get(&product)?.get(&price_list)?;
        let quantity = quantity.max(Decimal::ONE);
        breaks
            .iter()
            .rev()
            .find(|(minimum, _)| Decimal::from(**minimum) <= quantity)
            .or_else(|| breaks.iter().next())
            .map(|(_, price)| price.0)
    }

    /// The custom-field values of `product` (empty when it has none).
    pub fn custom_fields_of(&self, product: u64) -> Map<String, Json> {
        self.custom_fields
            .get(&product)
            .cloned()
            .unwrap_or_default()
    }

    /// The products sharing `name` exactly (for product grouping).
    fn group_of_name(&self, name: &str) -> Option<(u64, Option<u64>)> {
        self.products
            .values()
            .find(|p| p.name() == name)
            .map(|p| (p.id, p.product_group_id))
    }
}

/// A 4-place price as stored.
pub type Price = Dec4;
