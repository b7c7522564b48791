//! The product record in the shape `GET /product-service/product/{ids}` returns it
//! (product_get_multiple.yml): field order is key order, keys Brightpearl omits are skipped.

use crate::brightpearl::wire::Stamp;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The only sales channel product writes accept (reference §9).
pub const BRIGHTPEARL_CHANNEL: &str = "Brightpearl";

/// One product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// Product id.
    pub id: u64,
    /// The brand (required on create: PRDC-014).
    pub brand_id: u64,
    /// The product type.
    pub product_type_id: u64,
    /// SKU and barcodes; keys never set are omitted.
    pub identity: Identity,
    /// The variant group; absent when the product has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_group_id: Option<u64>,
    /// Shown as featured on channels.
    #[serde(default)]
    pub featured: bool,
    /// Stock tracking, weight and dimensions.
    pub stock: ProductStock,
    /// Taxability and the tax code.
    pub financial_details: FinancialDetails,
    /// Per-channel names, categories and descriptions; only "Brightpearl" is written.
    pub sales_channels: Vec<SalesChannel>,
    /// Whether the product is a bundle.
    pub composition: Composition,
    /// Custom fields: only in answers to `includeOptional=customFields`. Stored records keep
    /// their values in `Catalogue::custom_fields`, so this is `None` at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Json>>,
    /// When the product was made.
    pub created_on: Stamp,
    /// When it last changed (set on create too, as product_search.yml shows for product 1579).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Per-warehouse settings, keyed by warehouse id.
    #[serde(default)]
    pub warehouses: BTreeMap<u64, ProductWarehouse>,
    /// Stock nominal code.
    #[serde(default)]
    pub nominal_code_stock: String,
    /// Purchases nominal code.
    #[serde(default)]
    pub nominal_code_purchases: String,
    /// Sales nominal code.
    #[serde(default)]
    pub nominal_code_sales: String,
    /// Seasons the product belongs to.
    #[serde(default)]
    pub season_ids: Vec<u64>,
    /// Reporting classification (`{}` in every recording).
    #[serde(default)]
    pub reporting: Map<String, Json>,
    /// LIVE or DISCONTINUED.
    #[serde(default)]
    pub status: ProductStatus,
    /// Shown to sales staff when the product is added to an order.
    #[serde(default)]
    pub sales_popup_message: String,
    /// Shown to warehouse staff when the product is picked.
    #[serde(default)]
    pub warehouse_popup_message: String,
    /// Epoch milliseconds of the last change; the `If-Match` value of PUT.
    pub version: i64,
    /// The collection, when set (reference §7.5 "other fields seen"; position INFERRED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<u64>,
    /// The primary supplier contact, when set (position after `version` as in the Singer
    /// tap's schema; INFERRED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_supplier_id: Option<u64>,
}

impl Product {
    /// The "Brightpearl" channel entry (every product has one; the first entry otherwise).
    pub fn channel(&self) -> Option<&SalesChannel> {
        self.sales_channels
            .iter()
            .find(|c| c.sales_channel_name == BRIGHTPEARL_CHANNEL)
            .or_else(|| self.sales_channels.first())
    }

    /// The product name: Brightpearl keeps it only in `salesChannels[].productName`.
    pub fn name(&self) -> &str {
        self.channel().map_or("", |c| c.product_name.as_str())
    }

    /// The SKU, or `""` when none was ever set (what product-search shows).
    pub fn sku(&self) -> &str {
        self.identity.sku.as_deref().unwrap_or("")
    }

    /// Whether stock levels are kept for the product.
    pub fn stock_tracked(&self) -> bool {
        self.stock.stock_tracked
    }

    /// The product's tax code (id and code).
    pub fn tax_code(&self) -> &TaxCodeRef {
        &self.financial_details.tax_code
    }

    /// The category ids of the Brightpearl channel, in order (category codes are ids).
    pub fn category_ids(&self) -> Vec<u64> {
        self.channel()
            .map(|c| {
                c.categories
                    .iter()
                    .filter_map(|cat| cat.category_code.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// SKU and barcodes. Keys never set are omitted (product 1007 has only `sku` and `barcode`);
/// `barcode` is always there, `""` when empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The warehouse barcode (cannot be set through the identity PUT).
    #[serde(default)]
    pub barcode: String,
}

/// `stock`: tracking, weight and dimensions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductStock {
    /// Whether stock levels are kept (false for services and for products created without
    /// a `stock` block, as product 1579 in product_search.yml shows).
    #[serde(default)]
    pub stock_tracked: bool,
    /// Weight.
    #[serde(default)]
    pub weight: Weight,
    /// Dimensions.
    #[serde(default)]
    pub dimensions: Dimensions,
}

/// `stock.weight`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Weight {
    /// The weight (a JSON number: `0.0000` on the wire).
    #[serde(default)]
    pub magnitude: f64,
}

/// `stock.dimensions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Length.
    #[serde(default)]
    pub length: f64,
    /// Height.
    #[serde(default)]
    pub height: f64,
    /// Width.
    #[serde(default)]
    pub width: f64,
    /// Volume.
    #[serde(default)]
    pub volume: f64,
}

/// `financialDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FinancialDetails {
    /// Whether the product is taxable.
    #[serde(default)]
    pub taxable: bool,
    /// The tax code.
    #[serde(rename = "taxCode")]
    pub tax_code: TaxCodeRef,
}

/// A tax code as products carry it: `{"id":2,"code":"T"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxCodeRef {
    /// The tax code's id (accounting-service/tax-code).
    pub id: u64,
    /// The tax code's code.
    pub code: String,
}

/// One entry of `salesChannels`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// Always "Brightpearl" for products written through the API.
    pub sales_channel_name: String,
    /// The product's name.
    pub product_name: String,
    /// `new`, `used`, `refurbished`.
    #[serde(default = "new_condition")]
    pub product_condition: String,
    /// Brightpearl categories.
    #[serde(default)]
    pub categories: Vec<CategoryRef>,
    /// Long description.
    #[serde(default)]
    pub description: Description,
    /// Short description.
    #[serde(default)]
    pub short_description: Description,
}

fn new_condition() -> String {
    "new".into()
}

/// A category membership: `{"categoryCode":"296"}` (a string on GET; POST sends numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRef {
    /// The category id as text.
    #[serde(deserialize_with = "string_or_number")]
    pub category_code: String,
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Json::deserialize(deserializer)? {
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "{other} is not a category code"
        ))),
    }
}

/// A description: `{"languageCode":"en","text":"","format":"HTML_FRAGMENT"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// Language.
    pub language_code: String,
    /// The text.
    pub text: String,
    /// `HTML_FRAGMENT` (or `PLAINTEXT`).
    pub format: String,
}

impl Default for Description {
    fn default() -> Description {
        Description {
            language_code: "en".into(),
            text: String::new(),
            format: "HTML_FRAGMENT".into(),
        }
    }
}

/// `composition`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    /// Whether the product is a bundle (bundles are not built by the sandbox).
    #[serde(default)]
    pub bundle: bool,
}

/// Per-warehouse settings of a product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductWarehouse {
    /// Where stock is put away by default (0 = the warehouse's default).
    #[serde(default)]
    pub default_location_id: u64,
    /// Where overflow goes (0 = none).
    #[serde(default)]
    pub overflow_location_id: u64,
    /// Reorder when stock falls to this.
    #[serde(default)]
    pub reorder_level: i64,
    /// How many to reorder.
    #[serde(default)]
    pub reorder_quantity: i64,
}

/// A product's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    /// On sale.
    #[default]
    Live,
    /// No longer sold.
    Discontinued,
}

impl ProductStatus {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Live => "LIVE",
            ProductStatus::Discontinued => "DISCONTINUED",
        }
    }

    /// Parses the wire text (case-insensitive).
    pub fn parse(text: &str) -> Option<ProductStatus> {
        match text.to_ascii_uppercase().as_str() {
            "LIVE" => Some(ProductStatus::Live),
            "DISCONTINUED" => Some(ProductStatus::Discontinued),
            _ => None,
        }
    }
}
