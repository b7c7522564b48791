//! The newer atomic sales-order and sales-credit resources (`/order-service/sales-order`,
//! `/order-service/sales-credit`): a flat shape with rows as a list, created in one call with
//! all rows (and firing `sales-order.created`). They share the id space of the generic order.

use super::common::{CustomFields, Stamp, decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A sales order or sales credit as `GET /order-service/sales-order/{ids}` returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesOrder {
    /// The order id.
    pub id: u64,
    /// The customer and the order address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<SalesParty>,
    /// The billing contact and address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<SalesParty>,
    /// The reference.
    #[serde(rename = "ref", default)]
    pub reference: String,
    /// The integration's id for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<Stamp>,
    /// Tax point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_date: Option<Stamp>,
    /// The order a credit refunds (0 = none).
    #[serde(default)]
    pub parent_id: u64,
    /// The status.
    #[serde(default)]
    pub status_id: u64,
    /// Warehouse.
    #[serde(default)]
    pub warehouse_id: u64,
    /// Staff owner.
    #[serde(default)]
    pub staff_owner_id: u64,
    /// Project.
    #[serde(default)]
    pub project_id: u64,
    /// Sales channel.
    #[serde(default)]
    pub channel_id: u64,
    /// Lead source.
    #[serde(default)]
    pub lead_source_id: u64,
    /// Team.
    #[serde(default)]
    pub team_id: u64,
    /// Price list.
    #[serde(default)]
    pub price_list_id: u64,
    /// `INC` or `EXC`.
    #[serde(default)]
    pub price_mode_code: String,
    /// Currency.
    #[serde(default)]
    pub currency: SalesCurrency,
    /// Delivery date, address and method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<SalesDelivery>,
    /// The rows, in order.
    #[serde(default)]
    pub rows: Vec<SalesRow>,
    /// Totals.
    #[serde(default)]
    pub total: SalesTotal,
    /// Payment status code.
    #[serde(default)]
    pub order_payment_status: String,
    /// Allocation status code.
    #[serde(default)]
    pub allocation_status_code: String,
    /// Stock status code.
    #[serde(default)]
    pub stock_status_code: String,
    /// Shipping status code.
    #[serde(default)]
    pub shipping_status_code: String,
    /// Creator.
    #[serde(default)]
    pub created_by: u64,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Whether it is cancelled (`null` when no cancelled status is configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_canceled: Option<bool>,
    /// The installed integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
    /// The customer id.
    #[serde(default)]
    pub customer_id: u64,
    /// Version for `If-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// Custom-field values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
}

/// `customer` (`id`) or `billing` (`contactId`) of a sales order, with its address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesParty {
    /// The customer id (on `customer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The contact id (on `billing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// The address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<SalesAddress>,
}

/// An address of the sales-order resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesAddress {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_full_name: Option<String>,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Suburb / locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// State / county.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Mobile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_telephone: Option<String>,
    /// Fax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `currency` of a sales order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesCurrency {
    /// ISO code.
    #[serde(default)]
    pub code: String,
    /// Whether the rate is fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_exchange_rate: Option<bool>,
    /// The rate.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
}

/// `delivery` of a sales order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesDelivery {
    /// Delivery date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Stamp>,
    /// Delivery address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<SalesAddress>,
    /// Shipping method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<u64>,
}

/// `total` of a sales order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesTotal {
    /// Net.
    #[serde(default, with = "decimal")]
    pub net: Decimal,
    /// Tax.
    #[serde(default, with = "decimal")]
    pub tax: Decimal,
    /// Gross.
    #[serde(default, with = "decimal")]
    pub gross: Decimal,
    /// Net in base currency.
    #[serde(default, with = "decimal")]
    pub base_net: Decimal,
    /// Tax in base currency.
    #[serde(default, with = "decimal")]
    pub base_tax: Decimal,
    /// Gross in base currency.
    #[serde(default, with = "decimal")]
    pub base_gross: Decimal,
}

/// One row of a sales order (read and write; read-only keys are skipped when absent).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesRow {
    /// Row id (read; given on the row PUT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The integration's line id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// SKU (read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Product (or give `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Free text or a name overriding the product's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many.
    #[serde(default, with = "decimal")]
    pub quantity: Decimal,
    /// Tax code.
    #[serde(default)]
    pub tax_code: String,
    /// Row net.
    #[serde(default, with = "decimal")]
    pub net: Decimal,
    /// Row tax.
    #[serde(default, with = "decimal")]
    pub tax: Decimal,
    /// Nominal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal_code: Option<String>,
    /// Unit price (read).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub product_price: Option<Decimal>,
    /// Discount percent (read).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_percentage: Option<Decimal>,
    /// Position (read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<String>,
}

/// POST `/order-service/sales-order` (or `sales-credit`, with `parentId`) → the order id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSalesOrder {
    /// The customer (`id` required) and the order address.
    pub customer: SalesParty,
    /// Billing contact and address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<SalesParty>,
    /// The reference.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The integration's id: Ferry's idempotency marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<Stamp>,
    /// The sales order a credit refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<u64>,
    /// Warehouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_id: Option<u64>,
    /// Sales channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<u64>,
    /// Price list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_list_id: Option<u64>,
    /// `INC` or `EXC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_mode_code: Option<String>,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<SalesCurrency>,
    /// Delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<SalesDelivery>,
    /// The installed integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
    /// The rows.
    pub rows: Vec<SalesRow>,
}
