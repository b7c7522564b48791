//! Orders of every type (sales orders, purchase orders, sales and purchase credits) in the
//! shape `GET /order-service/order/{ids}` returns them (order_get_*.yml): rows keyed by row
//! id, money as decimal strings. Also order statuses, order types, stock and shipping status
//! lists, order notes, the order-search row, and the bodies the client writes (the POST shape
//! differs from the GET shape).

use super::common::{CustomFields, Stamp, decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub use super::order_input::{
    AmountInput, NewOrder, NewOrderCurrency, NewOrderDelivery, NewOrderNote, NewOrderStatus,
    NewOrderStatusRef, NewParties, NewParty, OrderRowInput, OrderStatusUpdate, RowValueInput,
};

/// `SO`, `PO`, `SC` or `PC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
pub enum OrderTypeCode {
    /// Sales order.
    #[serde(rename = "SO")]
    SalesOrder,
    /// Purchase order.
    #[serde(rename = "PO")]
    PurchaseOrder,
    /// Sales credit (a return or refund).
    #[serde(rename = "SC")]
    SalesCredit,
    /// Purchase credit.
    #[serde(rename = "PC")]
    PurchaseCredit,
    /// A code this client does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

impl OrderTypeCode {
    /// Whether the other party is a supplier (`parties.supplier`).
    pub fn is_purchase(self) -> bool {
        matches!(
            self,
            OrderTypeCode::PurchaseOrder | OrderTypeCode::PurchaseCredit
        )
    }
}

/// An order of any type.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order id.
    pub id: u64,
    /// The order this one derives from (a credit's sales order); 0 for none.
    #[serde(default)]
    pub parent_order_id: u64,
    /// SO, PO, SC or PC.
    #[serde(default)]
    pub order_type_code: OrderTypeCode,
    /// The customer's or supplier's reference (`customerRef` in searches).
    #[serde(default)]
    pub reference: String,
    /// The integration's own id for the order (Ferry's idempotency marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// The installed integration that created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
    /// Bumped by changes to rows, status, custom fields, payments and shipping.
    #[serde(default)]
    pub version: u64,
    /// Tax state.
    #[serde(default)]
    pub state: OrderState,
    /// The status id and its name.
    #[serde(default)]
    pub order_status: OrderStatusRef,
    /// Tax calculation errors.
    #[serde(default)]
    pub tax: OrderTax,
    /// `UNPAID`, `PARTIALLY_PAID`, `PAID`, `NOT_APPLICABLE`.
    #[serde(default)]
    pub order_payment_status: String,
    /// `SOA`, `SON`, `PON`, `NON` ….
    #[serde(default)]
    pub stock_status_code: String,
    /// `AAA`, `ANA`, `ANR` ….
    #[serde(default)]
    pub allocation_status_code: String,
    /// `NST`, `SNS`, `SPS`, `ASS`.
    #[serde(default)]
    pub shipping_status_code: String,
    /// When the customer placed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<Stamp>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Last change; absent on a just-created order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// When it was completed; absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Stamp>,
    /// The staff contact who made it.
    #[serde(default)]
    pub created_by_id: u64,
    /// The price list row prices come from.
    #[serde(default)]
    pub price_list_id: u64,
    /// `INC` or `EXC` (whether row prices include tax).
    #[serde(default)]
    pub price_mode_code: String,
    /// Delivery date and shipping method.
    #[serde(default)]
    pub delivery: OrderDelivery,
    /// Invoices (a new order has one with an empty reference).
    #[serde(default)]
    pub invoices: Vec<Invoice>,
    /// Currencies and exchange rate.
    #[serde(default)]
    pub currency: OrderCurrency,
    /// Totals over the rows.
    #[serde(default)]
    pub total_value: TotalValue,
    /// Channel, staff owner, project, lead source, team.
    #[serde(default)]
    pub assignment: OrderAssignment,
    /// Customer or supplier, delivery and billing addresses.
    #[serde(default)]
    pub parties: Parties,
    /// Rows keyed by row id (text on the wire).
    #[serde(default)]
    pub order_rows: BTreeMap<u64, OrderRow>,
    /// The warehouse it ships from (or is received into).
    #[serde(default)]
    pub warehouse_id: u64,
    /// Custom-field values, with `includeOptional=customFields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
    /// Codes of empty custom fields, with `includeOptional=nullCustomFields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_custom_fields: Option<Vec<String>>,
    /// Acknowledged by the warehouse (0/1).
    #[serde(default)]
    pub acknowledged: u64,
    /// The price list costs come from.
    #[serde(default)]
    pub cost_price_list_id: u64,
    /// Imported history rather than live trade.
    #[serde(default)]
    pub historical_order: bool,
    /// A purchase delivered straight to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dropship: Option<bool>,
    /// The first invoice's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_invoice_date: Option<Stamp>,
    /// Fulfilment priority weighting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_weighting: Option<u64>,
}

impl Order {
    /// The customer (sales) or supplier (purchases) contact id.
    pub fn contact_id(&self) -> Option<u64> {
        let party = if self.order_type_code.is_purchase() {
            self.parties.supplier.as_ref()
        } else {
            self.parties.customer.as_ref()
        };
        party.and_then(|p| p.contact_id)
    }

    /// The sales channel (`assignment.current.channelId`; there is no top-level one).
    pub fn channel_id(&self) -> u64 {
        self.assignment.current.channel_id
    }
}

/// `state`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct OrderState {
    /// `READY` or `INVOICED`.
    #[serde(default)]
    pub tax: String,
}

/// `orderStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusRef {
    /// The status id (account-configurable).
    #[serde(default)]
    pub order_status_id: u64,
    /// Its name when rendered.
    #[serde(default)]
    pub name: String,
}

/// `tax`: `{"errors": []}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct OrderTax {
    /// Tax calculation problems, kept raw.
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// `delivery` of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDelivery {
    /// Promised delivery date; absent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Stamp>,
    /// Shipping method (0 = none).
    #[serde(default)]
    pub shipping_method_id: u64,
}

/// One entry of `invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    /// The invoice number (`SI-1001`), empty until invoiced.
    #[serde(default)]
    pub invoice_reference: String,
    /// Tax point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_date: Option<Stamp>,
    /// Payment due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Stamp>,
}

/// `currency` of an order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCurrency {
    /// The account's base currency.
    #[serde(default)]
    pub accounting_currency_code: String,
    /// The currency the order is priced in.
    #[serde(default)]
    pub order_currency_code: String,
    /// Order-currency units per base unit (6 places).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    /// Whether the rate was fixed at creation.
    #[serde(default)]
    pub fixed_exchange_rate: bool,
}

/// `totalValue`: sums over the rows; `base*` in the accounting currency. 2 places.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalValue {
    /// Sum of row nets.
    #[serde(default, with = "decimal")]
    pub net: Decimal,
    /// Sum of row taxes.
    #[serde(default, with = "decimal")]
    pub tax_amount: Decimal,
    /// `net` in base currency.
    #[serde(default, with = "decimal")]
    pub base_net: Decimal,
    /// `taxAmount` in base currency.
    #[serde(default, with = "decimal")]
    pub base_tax_amount: Decimal,
    /// `total` in base currency.
    #[serde(default, with = "decimal")]
    pub base_total: Decimal,
    /// net + tax.
    #[serde(default, with = "decimal")]
    pub total: Decimal,
}

/// `assignment` of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct OrderAssignment {
    /// The assignment in force.
    #[serde(default)]
    pub current: OrderAssignmentCurrent,
}

/// Where an order belongs (0 = none).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderAssignmentCurrent {
    /// Staff owner.
    #[serde(default)]
    pub staff_owner_contact_id: u64,
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
}

/// `parties`: `customer` on sales orders and credits, `supplier` on purchases.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Parties {
    /// The customer (SO, SC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<PartyAddress>,
    /// The supplier (PO, PC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<PartyAddress>,
    /// Where the goods go (no `contactId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<PartyAddress>,
    /// Who is invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<PartyAddress>,
}

/// One party of an order: a contact (absent on `delivery`) and an address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyAddress {
    /// The contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// Full name on the address.
    #[serde(default)]
    pub address_full_name: String,
    /// Company.
    #[serde(default)]
    pub company_name: String,
    /// Street.
    #[serde(default)]
    pub address_line1: String,
    /// Suburb / locality.
    #[serde(default)]
    pub address_line2: String,
    /// City.
    #[serde(default)]
    pub address_line3: String,
    /// State / county.
    #[serde(default)]
    pub address_line4: String,
    /// Postal code.
    #[serde(default)]
    pub postal_code: String,
    /// Country name; absent when no country is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone.
    #[serde(default)]
    pub telephone: String,
    /// Mobile.
    #[serde(default)]
    pub mobile_telephone: String,
    /// Fax.
    #[serde(default)]
    pub fax: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Brightpearl's country id (0 = none).
    #[serde(default)]
    pub country_id: u64,
    /// ISO alpha-2 (`GB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
    /// ISO alpha-3 (`GBR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code3: Option<String>,
}

/// One order row, as keyed under `orderRows` and as PATCH `/order/{id}/row/{row}` answers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    /// Position as text ("10", "20", …).
    #[serde(default)]
    pub order_row_sequence: String,
    /// The product; 1000 marks a free-text row.
    #[serde(default)]
    pub product_id: u64,
    /// The product name (or the free text).
    #[serde(default)]
    pub product_name: String,
    /// The SKU; absent on free-text rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_sku: Option<String>,
    /// Variant options (Size, Colour), for variant products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_options: Option<BTreeMap<String, Value>>,
    /// How many.
    #[serde(default)]
    pub quantity: Quantity,
    /// Unit cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_cost: Option<Money>,
    /// Unit list price (0 on purchases and free-text rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_price: Option<Money>,
    /// Discount, percent (text on orders).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_percentage: Option<Decimal>,
    /// Net, tax and tax code.
    #[serde(default)]
    pub row_value: RowValue,
    /// The ledger the row posts to.
    #[serde(default)]
    pub nominal_code: String,
    /// Bundle structure.
    #[serde(default)]
    pub composition: RowComposition,
    /// The row this was cloned from (0 = none).
    #[serde(default)]
    pub cloned_from_id: u64,
    /// The integration's own line id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// `quantity`: `{"magnitude": "1.0000"}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct Quantity {
    /// The amount (4 places on the wire).
    #[serde(default, with = "decimal")]
    pub magnitude: Decimal,
}

/// An amount with its currency (`itemCost`, `productPrice`, `rowNet`, `rowTax`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    /// ISO currency code.
    #[serde(default)]
    pub currency_code: String,
    /// The amount.
    #[serde(default, with = "decimal")]
    pub value: Decimal,
}

/// `rowValue`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowValue {
    /// The tax code's rate, percent.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_rate: Option<Decimal>,
    /// The tax code (`T`, `13`, `VAT`).
    #[serde(default)]
    pub tax_code: String,
    /// `brightpearl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_calculator: Option<String>,
    /// Row net (4 places).
    #[serde(default)]
    pub row_net: Money,
    /// Row tax (2 places).
    #[serde(default)]
    pub row_tax: Money,
    /// The tax code's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_class_id: Option<u64>,
}

/// `composition` of a row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowComposition {
    /// A bundle's root row.
    #[serde(default)]
    pub bundle_parent: bool,
    /// A bundle component row.
    #[serde(default)]
    pub bundle_child: bool,
    /// The bundle root of a component (0 = none).
    #[serde(default)]
    pub parent_order_row_id: u64,
}

/// An order status (GET `/order-service/order-status`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatus {
    /// The status id.
    pub status_id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Which order type it belongs to.
    #[serde(default)]
    pub order_type_code: OrderTypeCode,
    /// Display order.
    #[serde(default)]
    pub sort_order: u64,
    /// Disabled statuses cannot be set.
    #[serde(default)]
    pub disabled: bool,
    /// Shown in lists.
    #[serde(default)]
    pub visible: bool,
    /// Colour (`#E7E6E4`).
    #[serde(default)]
    pub color: String,
    /// Reminder after days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_after_days: Option<u64>,
    /// Who is emailed.
    #[serde(default)]
    pub alert_emails: Vec<String>,
    /// Email text.
    #[serde(default)]
    pub email_content: String,
    /// Available for batch processing.
    #[serde(default)]
    pub batch_process: bool,
    /// `draft`, `cancelled`, … (lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// An entry of the order-type, order-stock-status and order-shipping-status lists
/// (`{"id":1,"code":"NST","description":"No stock tracked products on order"}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct StatusCode {
    /// The id (order-search columns name it: `orderShippingStatusId`).
    pub id: u64,
    /// The code orders carry (`NST`, `SO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A display name (some lists use it instead of a description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A note on an order (GET `/order-service/order/{id}/note`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderNote {
    /// The note id.
    pub id: u64,
    /// The order.
    #[serde(default)]
    pub order_id: u64,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// Visible to the customer.
    #[serde(default)]
    pub is_public: bool,
    /// Who wrote it.
    #[serde(default)]
    pub contact_id: u64,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_on: Option<Stamp>,
    /// An attached file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<u64>,
    /// The status set with it, for notes added by a status change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_status_id: Option<u64>,
}

/// One row of `order-search` (reference §6.5). The order's reference is `customerRef`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSearchRow {
    /// The order id.
    pub order_id: u64,
    /// 1 SO, 2 PO, 3 SC, 4 PC.
    #[serde(default)]
    pub order_type_id: Option<u64>,
    /// The customer or supplier.
    #[serde(default)]
    pub contact_id: Option<u64>,
    /// The status.
    #[serde(default)]
    pub order_status_id: Option<u64>,
    /// Stock status id.
    #[serde(default)]
    pub order_stock_status_id: Option<u64>,
    /// Created.
    #[serde(default)]
    pub created_on: Option<Stamp>,
    /// The order's reference.
    #[serde(default)]
    pub customer_ref: Option<String>,
    /// Payment status id.
    #[serde(default)]
    pub order_payment_status_id: Option<u64>,
    /// Last change.
    #[serde(default)]
    pub updated_on: Option<Stamp>,
    /// Parent order.
    #[serde(default)]
    pub parent_order_id: Option<u64>,
    /// Shipping status id.
    #[serde(default)]
    pub order_shipping_status_id: Option<u64>,
    /// The integration's id for it.
    #[serde(default)]
    pub external_ref: Option<String>,
    /// Warehouse.
    #[serde(default)]
    pub warehouse_id: Option<u64>,
}
