//! The catalogue: products as `GET /product-service/product/{ids}` returns them
//! (product_get_*.yml), prices per price list, price lists, brands, categories, product types,
//! channels and seasons, the product-search row, and the bodies the client writes.

use super::common::{CustomFields, Stamp, decimal, text};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A product. Its name lives only in `salesChannels[].productName`; identity keys that were
/// never set are omitted by Brightpearl.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product id.
    pub id: u64,
    /// The brand (required on create).
    #[serde(default)]
    pub brand_id: u64,
    /// The product type.
    #[serde(default)]
    pub product_type_id: u64,
    /// SKU, barcodes.
    #[serde(default)]
    pub identity: Identity,
    /// The variant group; absent when the product has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_group_id: Option<u64>,
    /// Featured in shops.
    #[serde(default)]
    pub featured: bool,
    /// Stock tracking, weight, dimensions.
    #[serde(default)]
    pub stock: ProductStock,
    /// Tax.
    #[serde(default)]
    pub financial_details: ProductFinancialDetails,
    /// Names, categories and descriptions (only "Brightpearl" is supported).
    #[serde(default)]
    pub sales_channels: Vec<SalesChannel>,
    /// Bundle flag.
    #[serde(default)]
    pub composition: ProductComposition,
    /// Custom-field values, with `includeOptional=customFields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Per-warehouse locations and reorder levels, keyed by warehouse id.
    #[serde(default)]
    pub warehouses: BTreeMap<u64, ProductWarehouse>,
    /// Stock nominal code.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub nominal_code_stock: String,
    /// Purchases nominal code.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub nominal_code_purchases: String,
    /// Sales nominal code.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub nominal_code_sales: String,
    /// Seasons.
    #[serde(default)]
    pub season_ids: Vec<u64>,
    /// Reporting fields.
    #[serde(default)]
    pub reporting: Map<String, Value>,
    /// `LIVE`, `DISCONTINUED` ….
    #[serde(default)]
    pub status: String,
    /// Message shown when selling it.
    #[serde(default)]
    pub sales_popup_message: String,
    /// Message shown in the warehouse.
    #[serde(default)]
    pub warehouse_popup_message: String,
    /// Epoch milliseconds of the last change; the `If-Match` value for PUT.
    #[serde(default)]
    pub version: i64,
    /// Collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<u64>,
    /// Primary supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_supplier_id: Option<u64>,
    /// Variant options (shape not recorded, kept raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variations: Option<Value>,
}

impl Product {
    /// The product name on the Brightpearl channel (the first channel if that is missing).
    pub fn name(&self) -> Option<&str> {
        self.sales_channels
            .iter()
            .find(|c| c.sales_channel_name == "Brightpearl")
            .or_else(|| self.sales_channels.first())
            .map(|c| c.product_name.as_str())
    }

    /// The SKU, if set.
    pub fn sku(&self) -> Option<&str> {
        self.identity.sku.as_deref()
    }
}

/// `identity`: every key is omitted while unset.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Identity {
    /// Stock keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// ISBN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    /// EAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    /// UPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<String>,
    /// Manufacturer part number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
    /// Barcode (cannot be set through PUT identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
}

/// `stock`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductStock {
    /// Whether stock is tracked (untracked products have no availability).
    #[serde(default)]
    pub stock_tracked: bool,
    /// Weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Magnitude>,
    /// Dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Dimensions>,
}

/// `{"magnitude": 0.0}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct Magnitude {
    /// The amount.
    #[serde(default, with = "decimal")]
    pub magnitude: Decimal,
}

/// `stock.dimensions`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct Dimensions {
    /// Length.
    #[serde(default, with = "decimal")]
    pub length: Decimal,
    /// Height.
    #[serde(default, with = "decimal")]
    pub height: Decimal,
    /// Width.
    #[serde(default, with = "decimal")]
    pub width: Decimal,
    /// Volume.
    #[serde(default, with = "decimal")]
    pub volume: Decimal,
}

/// `financialDetails` of a product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductFinancialDetails {
    /// Whether tax applies.
    #[serde(default)]
    pub taxable: bool,
    /// The tax code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<TaxCodeRef>,
}

/// `{"id": 4, "code": "VAT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct TaxCodeRef {
    /// The tax code id.
    #[serde(default)]
    pub id: u64,
    /// The code.
    #[serde(default)]
    pub code: String,
}

/// One entry of `salesChannels`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// Always "Brightpearl" for writes.
    #[serde(default)]
    pub sales_channel_name: String,
    /// The product name.
    #[serde(default)]
    pub product_name: String,
    /// `new`, `used`, `refurbished`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_condition: Option<String>,
    /// Category codes (text in GETs, numbers in recorded POSTs).
    #[serde(default)]
    pub categories: Vec<CategoryRef>,
    /// Long description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LocalizedText>,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_description: Option<LocalizedText>,
}

/// `{"categoryCode": "296"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRef {
    /// The Brightpearl category id, as text.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub category_code: String,
}

/// Text with its language and format (`{"languageCode":"en","text":"…","format":"HTML_FRAGMENT"}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalizedText {
    /// `en`.
    #[serde(default)]
    pub language_code: String,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// `HTML_FRAGMENT`, `PLAINTEXT`.
    #[serde(default)]
    pub format: String,
}

/// `composition` of a product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ProductComposition {
    /// A bundle of other products.
    #[serde(default)]
    pub bundle: bool,
}

/// One entry of `warehouses`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductWarehouse {
    /// Default location.
    #[serde(default)]
    pub default_location_id: u64,
    /// Overflow location.
    #[serde(default)]
    pub overflow_location_id: u64,
    /// Reorder level.
    #[serde(default)]
    pub reorder_level: i64,
    /// Reorder quantity.
    #[serde(default)]
    pub reorder_quantity: i64,
}

/// The prices of one product (GET `/product-service/product-price/{ids}`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPrice {
    /// The product.
    pub product_id: u64,
    /// Its prices per price list.
    #[serde(default)]
    pub price_lists: Vec<ProductPriceList>,
}

/// A product's prices on one list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPriceList {
    /// The price list.
    pub price_list_id: u64,
    /// The list's currency.
    #[serde(default)]
    pub currency_code: String,
    /// The list's currency id.
    #[serde(default)]
    pub currency_id: u64,
    /// Minimum quantity → unit price (4 places); empty when the product has no price here.
    #[serde(default, with = "decimal::map")]
    pub quantity_price: BTreeMap<u64, Decimal>,
}

impl ProductPriceList {
    /// The unit price for `quantity`: the break with the largest minimum not above it.
    pub fn unit_price(&self, quantity: u64) -> Option<Decimal> {
        self.quantity_price
            .range(..=quantity)
            .next_back()
            .map(|(_, p)| *p)
    }
}

/// PUT `/product-service/product-price/{id}/price-list`: new prices for some lists.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPriceUpdate {
    /// The lists to change.
    pub price_lists: Vec<PriceListPrices>,
}

/// One list's new price breaks.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceListPrices {
    /// The price list.
    pub price_list_id: u64,
    /// Minimum quantity → unit price.
    #[serde(with = "decimal::map")]
    pub quantity_price: BTreeMap<u64, Decimal>,
}

/// A price list (GET `/product-service/price-list`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceList {
    /// The list id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: LocalizedText,
    /// Its code (`COST CRC`).
    #[serde(default)]
    pub code: String,
    /// Currency code.
    #[serde(default)]
    pub currency_code: String,
    /// Currency symbol.
    #[serde(default)]
    pub currency_symbol: String,
    /// Currency id.
    #[serde(default)]
    pub currency_id: u64,
    /// `BUY` or `SELL`.
    #[serde(default)]
    pub price_list_type_code: String,
    /// Whether prices include tax.
    #[serde(default)]
    pub gross: bool,
}

/// A brand (GET `/product-service/brand`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Brand {
    /// The brand id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A Brightpearl category (GET `/product-service/brightpearl-category`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// The category id (products name it as `categoryCode`).
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The parent category (0 = root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// Whether it is in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_id: Option<u64>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Last editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<u64>,
}

/// A product type (GET `/product-service/product-type`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProductType {
    /// The type id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// A season (GET `/product-service/season`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Season {
    /// The season id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A sales channel (GET `/product-service/channel`); optional keys are omitted when unset.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// The channel id (orders name it at `assignment.current.channelId`).
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Channel type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type_id: Option<u64>,
    /// Warehouse orders ship from by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_warehouse_id: Option<u64>,
    /// Contact group of its customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_group_id: Option<u64>,
    /// Price list orders use by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_price_list_id: Option<u64>,
    /// Channel brand (company details on documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_brand_id: Option<u64>,
    /// Warehouses it sells from.
    #[serde(default)]
    pub warehouse_ids: Vec<u64>,
    /// The marketplace or shop integration behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_detail: Option<IntegrationDetail>,
}

/// `channel.integrationDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDetail {
    /// Installed integration.
    #[serde(default)]
    pub installed_integration_id: u64,
    /// Configuration set.
    #[serde(default)]
    pub config_set_id: u64,
    /// `ebay`, `shopify` ….
    #[serde(default)]
    pub provider_code: String,
    /// `MKP` (marketplace) ….
    #[serde(default)]
    pub integration_type_code: String,
    /// Whether it runs.
    #[serde(default)]
    pub active: bool,
}

/// One row of `product-search` (reference §6.5); identity columns are upper-case.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSearchRow {
    /// The product id.
    pub product_id: u64,
    /// Name on the Brightpearl channel.
    #[serde(default)]
    pub product_name: Option<String>,
    /// SKU.
    #[serde(rename = "SKU", default)]
    pub sku: Option<String>,
    /// Barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// EAN.
    #[serde(rename = "EAN", default)]
    pub ean: Option<String>,
    /// Whether stock is tracked.
    #[serde(default)]
    pub stock_tracked: Option<bool>,
    /// Created.
    #[serde(default)]
    pub created_on: Option<Stamp>,
    /// Last change.
    #[serde(default)]
    pub updated_on: Option<Stamp>,
    /// Brand.
    #[serde(default)]
    pub brand_id: Option<u64>,
    /// Product type.
    #[serde(default)]
    pub product_type_id: Option<u64>,
    /// `LIVE` ….
    #[serde(default)]
    pub product_status: Option<String>,
}

/// POST `/product-service/product`: `brandId` is required (400 PRDC-014 without it).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewProduct {
    /// The brand.
    pub brand_id: u64,
    /// The product type (the account default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type_id: Option<u64>,
    /// SKU and barcodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// Tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub financial_details: Option<ProductFinancialDetails>,
    /// Stock tracking, weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<ProductStock>,
    /// Name, categories, descriptions (one entry, "Brightpearl").
    pub sales_channels: Vec<SalesChannel>,
    /// Seasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_ids: Option<Vec<u64>>,
    /// Variant group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_group_id: Option<u64>,
    /// Primary supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_supplier_id: Option<u64>,
    /// Bundle flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composition: Option<ProductComposition>,
}
