//! The bodies the client sends to the generic order resource: the order POST (its shape
//! differs from the GET shape), row POSTs, status updates, notes and new statuses. Re-exported
//! from [`super::orders`].

use super::common::{Stamp, decimal};
use super::orders::{OrderAssignment, OrderTypeCode, Quantity};
use rust_decimal::Decimal;
use serde::Serialize;

/// POST `/order-service/order`: the generic create (rows are added afterwards).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrder {
    /// SO, PO, SC or PC (required).
    pub order_type_code: OrderTypeCode,
    /// The reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The sales order a credit refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_order_id: Option<u64>,
    /// Status (the account default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_status: Option<NewOrderStatusRef>,
    /// Price list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_list_id: Option<u64>,
    /// `INC` or `EXC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_mode_code: Option<String>,
    /// When the customer placed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<Stamp>,
    /// Delivery date and method (omit on purchase orders: `shippingMethodId: 0` is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<NewOrderDelivery>,
    /// `{"orderCurrencyCode": "GBP"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<NewOrderCurrency>,
    /// The customer or supplier (required) and addresses.
    pub parties: NewParties,
    /// Channel, staff owner, ….
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<OrderAssignment>,
    /// Warehouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_id: Option<u64>,
    /// The integration's id for the order: Ferry's idempotency marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// The installed integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
}

/// `orderStatus` of a new order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderStatusRef {
    /// The status id.
    pub order_status_id: u64,
}

/// `currency` of a new order.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderCurrency {
    /// The order currency.
    pub order_currency_code: String,
    /// Fix the rate at creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_exchange_rate: Option<bool>,
    /// The rate, when fixed.
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<Decimal>,
}

/// `parties` of a new order: `customer` for SO/SC, `supplier` for PO/PC (400 ORDC-022 without).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewParties {
    /// The customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<NewParty>,
    /// The supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<NewParty>,
    /// Delivery address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<NewParty>,
    /// Billing party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<NewParty>,
}

/// One party of a new order: the contact and, optionally, an address that replaces the
/// contact's own for this order. Unset keys are left out, so the contact's address applies.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewParty {
    /// The contact (required on `customer` / `supplier`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_full_name: Option<String>,
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Suburb / locality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// State / county.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO country code (alpha-3 as documented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Mobile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_telephone: Option<String>,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl NewParty {
    /// A party named by its contact alone.
    pub fn contact(contact_id: u64) -> NewParty {
        NewParty {
            contact_id: Some(contact_id),
            ..NewParty::default()
        }
    }
}

/// `delivery` of a new order; leave it out on purchase orders (`shippingMethodId: 0` is
/// refused there).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderDelivery {
    /// Promised delivery date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Stamp>,
    /// Shipping method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<u64>,
}

/// POST `/order-service/order/{id}/row` → the row id. Give `productId`, `productName` or both.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRowInput {
    /// The product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Free text, or a name overriding the product's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// How many (whole for stock-tracked products).
    pub quantity: Quantity,
    /// Tax code, net and tax.
    pub row_value: RowValueInput,
    /// The ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominal_code: Option<String>,
    /// The integration's line id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// `rowValue` of a new row.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowValueInput {
    /// The tax code.
    pub tax_code: String,
    /// Row net.
    pub row_net: AmountInput,
    /// Row tax.
    pub row_tax: AmountInput,
}

/// `{"value": …}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AmountInput {
    /// The amount.
    #[serde(with = "decimal")]
    pub value: Decimal,
}

/// PUT `/order-service/order/{id}/status` → `{}`; adds an order note when one is given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusUpdate {
    /// The new status.
    pub order_status_id: u64,
    /// A note recorded with the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_note: Option<NewOrderNote>,
}

/// POST `/order-service/order/{id}/note` (and the note of a status update).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderNote {
    /// The text.
    pub text: String,
    /// Visible to the customer.
    pub is_public: bool,
    /// Who writes it (required on the note POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// When (required on the note POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_on: Option<Stamp>,
    /// An attached file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_id: Option<u64>,
}

/// POST `/order-service/order-status`: a new status (`color` is required).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderStatus {
    /// Its name.
    pub name: String,
    /// The order type.
    pub order_type_code: OrderTypeCode,
    /// Hex colour.
    pub color: String,
    /// Reminder after days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remind_after_days: Option<u64>,
}
