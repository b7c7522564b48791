//! The catalogue's reference data in GET shape: brands, Brightpearl categories, product types,
//! seasons, sales channels, price lists and product custom-field metadata.

use crate::brightpearl::wire::Stamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A brand: `{"id","name","description"?}` (reference §7.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// Brand id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Description, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A Brightpearl category, with the fields the Singer tap reads (reference §7.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Category id (products list it as a string `categoryCode`).
    pub id: u64,
    /// Name.
    pub name: String,
    /// Parent category (0 at the top).
    #[serde(default)]
    pub parent_id: u64,
    /// Whether it is in use.
    #[serde(default = "yes")]
    pub active: bool,
    /// When it was made.
    pub created_on: Stamp,
    /// Who made it (a staff contact id).
    #[serde(default)]
    pub created_by_id: u64,
    /// When it last changed.
    pub updated_on: Stamp,
    /// Who last changed it.
    #[serde(default)]
    pub updated_by: u64,
}

fn yes() -> bool {
    true
}

/// A product type: `{"id","name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductType {
    /// Type id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// A season: `{"id","name","description"?}` (INFERRED from the docs' navigation and the tap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Season {
    /// Season id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Description, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A sales channel (reference §7.10); optional keys are omitted when unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Channel id (orders carry it at `assignment.current.channelId`).
    pub id: u64,
    /// Name.
    pub name: String,
    /// The kind of channel.
    pub channel_type_id: u64,
    /// Where its orders ship from.
    pub default_warehouse_id: u64,
    /// The contact group of its customers, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_group_id: Option<u64>,
    /// The price list its orders use.
    pub default_price_list_id: u64,
    /// The channel brand (company details on documents).
    pub channel_brand_id: u64,
    /// Warehouses that may fulfil its orders.
    #[serde(default)]
    pub warehouse_ids: Vec<u64>,
    /// The integration that feeds it, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_detail: Option<IntegrationDetail>,
}

/// `channel.integrationDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDetail {
    /// Installed integration id.
    pub installed_integration_id: u64,
    /// Configuration set.
    pub config_set_id: u64,
    /// `ebay`, `shopify`, ...
    pub provider_code: String,
    /// `MKP` (marketplace), `ECM` (web shop), ...
    pub integration_type_code: String,
    /// Whether it is switched on.
    pub active: bool,
}

/// A price list (price_list_get.yml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceList {
    /// Price list id.
    pub id: u64,
    /// `{"languageCode":"en","text":"Cost CRC","format":"PLAINTEXT"}`.
    pub name: PriceListName,
    /// Short code (`COST CRC`).
    pub code: String,
    /// ISO currency code.
    pub currency_code: String,
    /// Currency symbol (`₡`).
    pub currency_symbol: String,
    /// The currency's id (accounting-service currencies).
    pub currency_id: u64,
    /// `BUY` (cost prices) or `SELL`.
    pub price_list_type_code: String,
    /// Whether prices include tax.
    pub gross: bool,
}

/// A price list's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceListName {
    /// Language.
    pub language_code: String,
    /// The name.
    pub text: String,
    /// Always `PLAINTEXT`.
    pub format: String,
}

impl PriceListName {
    /// An English plain-text name.
    pub fn english(text: &str) -> PriceListName {
        PriceListName {
            language_code: "en".into(),
            text: text.into(),
            format: "PLAINTEXT".into(),
        }
    }
}

/// Metadata of one product custom field (the order metadata's recorded shape,
/// order/custom_field_metadata/get/single.yml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldMeta {
    /// Field id.
    pub id: u64,
    /// `PCF_...` code, the key in custom-field maps.
    pub code: String,
    /// Label.
    pub name: String,
    /// `TEXT`, `TEXT_AREA`, `DATE`, `YES_NO`, `SELECT`, `INTEGER`, `DECIMAL` (the type names
    /// besides SELECT are INFERRED).
    pub custom_field_type: String,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// Select options keyed by option id (SELECT only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<u64, SelectOption>>,
}

/// One option of a SELECT custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    /// Option id.
    pub id: u64,
    /// Its text.
    pub value: String,
}

/// The currency symbol of an ISO code, for price lists (`$` when unknown).
pub fn currency_symbol(code: &str) -> &'static str {
    match code {
        "GBP" => "£",
        "EUR" => "€",
        "CRC" => "₡",
        "JPY" => "¥",
        "INR" => "₹",
        "CHF" => "CHF",
        _ => "$",
    }
}
