//! The order record in Brightpearl's GET shape (`GET /order-service/order/{id}`): field order,
//! names and value types follow `order_get_one.yml`, `order_get_one_po.yml`,
//! `order_get_one_with_custom_fields.yml` and `order_patch.yml`. Money is a decimal string
//! (2 places for totals and row tax, 4 for row net, prices, costs and quantities, 6 for the
//! exchange rate); `orderRows` is a map keyed by row id; keys Brightpearl leaves out when unset
//! are `Option`s skipped when `None`.

use super::codes::{
    AllocationStatus, OrderType, PaymentStatus, PriceMode, ShippingStatus, StockStatus, TaxState,
};
pub use crate::brightpearl::account::contacts::PartyAddress as Party;
use crate::brightpearl::wire::{Dec2, Dec4, Dec6, Stamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// One order of any type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order id (shared sequence `order` with sales orders and credits).
    pub id: u64,
    /// The order this one derives from (a credit's sales order); 0 for none.
    #[serde(default)]
    pub parent_order_id: u64,
    /// SO, PO, SC or PC.
    pub order_type_code: OrderType,
    /// The customer's or supplier's reference (`customerRef` in searches).
    #[serde(default)]
    pub reference: String,
    /// The id of the integration's own copy of the order; with
    /// `installedIntegrationInstanceId` a duplicate-POST key. Omitted when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// The installed integration that created the order. Omitted when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
    /// Bumped by row, status, custom-field, payment and shipping changes.
    pub version: u64,
    /// Tax state.
    #[serde(default)]
    pub state: OrderState,
    /// The order status (id and name).
    pub order_status: OrderStatusRef,
    /// Tax calculation errors (always empty here).
    #[serde(default)]
    pub tax: TaxErrors,
    /// Payment status.
    #[serde(default)]
    pub order_payment_status: PaymentStatus,
    /// Stock status.
    #[serde(default)]
    pub stock_status_code: StockStatus,
    /// Allocation status.
    #[serde(default)]
    pub allocation_status_code: AllocationStatus,
    /// Shipping status.
    #[serde(default)]
    pub shipping_status_code: ShippingStatus,
    /// When the customer placed it (defaults to creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<Stamp>,
    /// When it was made.
    pub created_on: Stamp,
    /// Last change; absent until the first change that sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// When it was closed (completed); absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Stamp>,
    /// The staff contact who made it.
    #[serde(default)]
    pub created_by_id: u64,
    /// The price list row prices come from.
    #[serde(default)]
    pub price_list_id: u64,
    /// Whether row prices include tax.
    #[serde(default)]
    pub price_mode_code: PriceMode,
    /// Delivery date and shipping method.
    #[serde(default)]
    pub delivery: Delivery,
    /// Invoices (a new order has one with an empty reference).
    #[serde(default)]
    pub invoices: Vec<Invoice>,
    /// Currencies and exchange rate.
    pub currency: OrderCurrency,
    /// Totals over the rows, recomputed whenever a row changes.
    #[serde(default)]
    pub total_value: TotalValue,
    /// Channel, staff owner, project, lead source, team.
    #[serde(default)]
    pub assignment: Assignment,
    /// Customer or supplier, delivery and billing addresses.
    #[serde(default)]
    pub parties: Parties,
    /// Rows keyed by row id (a string on the wire).
    #[serde(default)]
    pub order_rows: BTreeMap<u64, OrderRow>,
    /// The warehouse the order ships from (or a purchase is received into).
    #[serde(default)]
    pub warehouse_id: u64,
    /// Custom field values, present only in a rendering asked for with
    /// `includeOptional=customFields`; the stored values live in `Orders::custom_values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Map<String, Json>>,
    /// Codes of custom fields without a value, present only with
    /// `includeOptional=nullCustomFields` (INFERRED position and shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_custom_fields: Option<Vec<String>>,
    /// Acknowledged by the warehouse (0/1).
    #[serde(default)]
    pub acknowledged: u64,
    /// The price list row costs come from (0 on orders created through the API, as recorded).
    #[serde(default)]
    pub cost_price_list_id: u64,
    /// Imported history rather than live trade.
    #[serde(default)]
    pub historical_order: bool,
    /// Whether a purchase is delivered straight to the customer. Recorded on purchase orders
    /// and on orders created through the API; absent on some older orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dropship: Option<bool>,
    /// The first invoice's date, once invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_invoice_date: Option<Stamp>,
    /// Fulfilment priority weighting (100 by default).
    #[serde(default = "default_weighting")]
    pub order_weighting: u64,
}

fn default_weighting() -> u64 {
    100
}

impl Order {
    /// The customer (sales) or supplier (purchases) contact id, 0 if none.
    pub fn contact_id(&self) -> u64 {
        let party = if self.order_type_code.is_purchase() {
            self.parties.supplier.as_ref()
        } else {
            self.parties.customer.as_ref()
        };
        party.and_then(|p| p.contact_id).unwrap_or(0)
    }

    /// The currency code rows are priced in.
    pub fn currency_code(&self) -> &str {
        &self.currency.order_currency_code
    }
}

/// `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderState {
    /// READY or INVOICED.
    #[serde(default)]
    pub tax: TaxState,
}

/// `orderStatus`: the status id and its name at the time of rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusRef {
    /// The status id (account-configurable, see `GET /order-status`).
    pub order_status_id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// `tax`: `{"errors": []}` as recorded.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaxErrors {
    /// Tax calculation problems (none in the sandbox).
    #[serde(default)]
    pub errors: Vec<Json>,
}

/// `delivery`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Promised delivery date; absent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Stamp>,
    /// Shipping method (0 for none).
    #[serde(default)]
    pub shipping_method_id: u64,
}

/// One entry of `invoices`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    /// The invoice number (`SI-1001`), empty until invoiced.
    #[serde(default)]
    pub invoice_reference: String,
    /// Tax point; absent until set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_date: Option<Stamp>,
    /// Payment due; absent until set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Stamp>,
}

/// `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCurrency {
    /// The account's base currency.
    pub accounting_currency_code: String,
    /// The currency the order is priced in.
    pub order_currency_code: String,
    /// Units of order currency per unit of base currency.
    pub exchange_rate: Dec6,
    /// Whether the rate was fixed at creation.
    #[serde(default)]
    pub fixed_exchange_rate: bool,
}

/// `totalValue`: sums over the rows, in order currency and (base*) in the accounting currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalValue {
    /// Sum of row nets.
    pub net: Dec2,
    /// Sum of row taxes.
    pub tax_amount: Dec2,
    /// `net` in the accounting currency.
    pub base_net: Dec2,
    /// `taxAmount` in the accounting currency.
    pub base_tax_amount: Dec2,
    /// `total` in the accounting currency.
    pub base_total: Dec2,
    /// net + tax.
    pub total: Dec2,
}

/// `assignment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assignment {
    /// The current assignment.
    #[serde(default)]
    pub current: AssignmentCurrent,
}

/// `assignment.current`: where the order belongs (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentCurrent {
    /// Staff owner.
    #[serde(default)]
    pub staff_owner_contact_id: u64,
    /// Project.
    #[serde(default)]
    pub project_id: u64,
    /// Sales channel (not top-level: the seed had it wrong).
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Parties {
    /// The customer (SO, SC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Party>,
    /// The supplier (PO, PC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Party>,
    /// Where the goods go (no `contactId`).
    #[serde(default)]
    pub delivery: Party,
    /// Who is invoiced.
    #[serde(default)]
    pub billing: Party,
}

/// One row of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    /// Position as text, "10", "20", ...
    pub order_row_sequence: String,
    /// The product; 1000 for a free-text row.
    pub product_id: u64,
    /// The product name (or the free text).
    #[serde(default)]
    pub product_name: String,
    /// The product's SKU; absent on free-text rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_sku: Option<String>,
    /// Variant options (Size, Colour); present only for variant products (INFERRED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_options: Option<BTreeMap<String, String>>,
    /// How many.
    pub quantity: Quantity,
    /// Unit cost.
    pub item_cost: Money4,
    /// Unit list price (0 on purchases and free-text rows).
    pub product_price: Money4,
    /// Discount, percent.
    #[serde(default)]
    pub discount_percentage: Dec2,
    /// Net, tax and tax code.
    pub row_value: RowValue,
    /// The ledger the row posts to (4000 sales, 1201/5000 purchases).
    #[serde(default)]
    pub nominal_code: String,
    /// Bundle structure.
    #[serde(default)]
    pub composition: Composition,
    /// The row this was cloned from (0 for none).
    #[serde(default)]
    pub cloned_from_id: u64,
    /// The integration's own line id, given through the sales-order resource (INFERRED to
    /// render on the generic order when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// `quantity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quantity {
    /// The amount, 4 places.
    pub magnitude: Dec4,
}

/// An amount with its currency, 4 places (`itemCost`, `productPrice`, `rowNet`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money4 {
    /// ISO currency code.
    pub currency_code: String,
    /// The amount.
    pub value: Dec4,
}

/// An amount with its currency, 2 places (`rowTax`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money2 {
    /// ISO currency code.
    pub currency_code: String,
    /// The amount.
    pub value: Dec2,
}

/// `rowValue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowValue {
    /// The tax code's rate, percent, 4 places.
    pub tax_rate: Dec4,
    /// The tax code (`T`, `13`, `VAT`).
    pub tax_code: String,
    /// Always `brightpearl`.
    #[serde(default = "default_calculator")]
    pub tax_calculator: String,
    /// Row net (quantity × unit price, less discount), 4 places.
    pub row_net: Money4,
    /// Row tax, 2 places.
    pub row_tax: Money2,
    /// The tax code's id.
    #[serde(default)]
    pub tax_class_id: u64,
}

fn default_calculator() -> String {
    "brightpearl".into()
}

/// `composition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Composition {
    /// A bundle's root row.
    #[serde(default)]
    pub bundle_parent: bool,
    /// A bundle component row.
    #[serde(default)]
    pub bundle_child: bool,
    /// The bundle root of a component (0 for none).
    #[serde(default)]
    pub parent_order_row_id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every recorded order body loads into [`Order`] and serialises back to the same JSON,
    /// byte for byte: the struct is the recorded shape.
    #[test]
    fn recorded_orders_round_trip() {
        let recorded = [
            r##"{"id":1,"parentOrderId":0,"orderTypeCode":"SO","reference":"","version":7,"state":{"tax":"INVOICED"},"orderStatus":{"orderStatusId":4,"name":"Invoiced"},"tax":{"errors":[]},"orderPaymentStatus":"UNPAID","stockStatusCode":"SOA","allocationStatusCode":"AAA","shippingStatusCode":"ASS","placedOn":"2020-03-31T15:02:44.000-06:00","createdOn":"2020-03-31T15:02:44.000-06:00","updatedOn":"2020-03-31T15:57:21.000-06:00","closedOn":"2020-03-31T15:57:20.000-06:00","createdById":206,"priceListId":1,"priceModeCode":"INC","delivery":{"shippingMethodId":0},"invoices":[{"invoiceReference":"SI-1001","taxDate":"2020-03-31T00:00:00.000-06:00","dueDate":"2020-04-29T18:00:00.000-06:00"}],"currency":{"accountingCurrencyCode":"USD","orderCurrencyCode":"USD","exchangeRate":"1.000000","fixedExchangeRate":false},"totalValue":{"net":"9.09","taxAmount":"0.91","baseNet":"9.09","baseTaxAmount":"0.91","baseTotal":"10.00","total":"10.00"},"assignment":{"current":{"staffOwnerContactId":0,"projectId":0,"channelId":1,"leadSourceId":0,"teamId":0}},"parties":{"customer":{"contactId":200,"addressFullName":"Demo Customer","companyName":"Customer Company Ltd.","addressLine1":"34 Lime St","addressLine2":"Barton","addressLine3":"Sheffield","addressLine4":"South Yorkshire","postalCode":"S1 4RT","country":"United Kingdom","telephone":"01245 845632","mobileTelephone":"","fax":"","email":"demo@test.com","countryId":222,"countryIsoCode":"GB","countryIsoCode3":"GBR"},"delivery":{"addressFullName":"Demo Customer","companyName":"Customer Company Ltd.","addressLine1":"34 Lime St","addressLine2":"Barton","addressLine3":"Sheffield","addressLine4":"South Yorkshire","postalCode":"S1 4RT","country":"United Kingdom","telephone":"01245 845632","mobileTelephone":"","fax":"","email":"demo@test.com","countryId":222,"countryIsoCode":"GB","countryIsoCode3":"GBR"},"billing":{"contactId":200,"addressFullName":"Demo Customer","companyName":"Customer Company Ltd.","addressLine1":"34 Lime St","addressLine2":"Barton","addressLine3":"Sheffield","addressLine4":"South Yorkshire","postalCode":"S1 4RT","country":"United Kingdom","telephone":"01245 845632","mobileTelephone":"","fax":"","email":"demo@test.com","countryId":222,"countryIsoCode":"GB","countryIsoCode3":"GBR"}},"orderRows":{"1":{"orderRowSequence":"10","productId":1007,"productName":"Nice Shirt for Summer","productSku":"TEST001","quantity":{"magnitude":"1.0000"},"itemCost":{"currencyCode":"USD","value":"5.0000"},"productPrice":{"currencyCode":"USD","value":"10.0000"},"discountPercentage":"0.00","rowValue":{"taxRate":"10.0000","taxCode":"T","taxCalculator":"brightpearl","rowNet":{"currencyCode":"USD","value":"9.0909"},"rowTax":{"currencyCode":"USD","value":"0.91"},"taxClassId":2},"nominalCode":"4000","composition":{"bundleParent":false,"bundleChild":false,"parentOrderRowId":0},"clonedFromId":0}},"warehouseId":2,"customFields":{"PCF_P_NUMBER":"DEMO Number"},"acknowledged":0,"costPriceListId":1,"historicalOrder":false,"originalInvoiceDate":"2020-03-31T00:00:00.000-06:00","orderWeighting":100}"##,
            r##"{"id":329,"parentOrderId":0,"orderTypeCode":"SO","reference":"#XYZ","version":1,"state":{"tax":"READY"},"orderStatus":{"orderStatusId":3,"name":"New phone order"},"tax":{"errors":[]},"orderPaymentStatus":"NOT_APPLICABLE","stockStatusCode":"NON","allocationStatusCode":"ANR","shippingStatusCode":"NST","placedOn":"2022-01-26T16:34:09.000-06:00","createdOn":"2022-01-26T16:34:09.000-06:00","createdById":4,"priceListId":1,"priceModeCode":"EXC","delivery":{"deliveryDate":"2022-01-19T18:00:00.000-06:00","shippingMethodId":0},"invoices":[{"invoiceReference":""}],"currency":{"accountingCurrencyCode":"USD","orderCurrencyCode":"USD","exchangeRate":"1.000000","fixedExchangeRate":true},"totalValue":{"net":"0.00","taxAmount":"0.00","baseNet":"0.00","baseTaxAmount":"0.00","baseTotal":"0.00","total":"0.00"},"assignment":{"current":{"staffOwnerContactId":0,"projectId":0,"channelId":0,"leadSourceId":0,"teamId":0}},"parties":{"supplier":{"contactId":418,"addressFullName":"Hori Seller","companyName":"Test Seller Hori","addressLine1":"Some super address","addressLine2":"","addressLine3":"","addressLine4":"","postalCode":"","telephone":"888889","mobileTelephone":"","fax":"","email":"hori@seller.com","countryId":0},"delivery":{"addressFullName":"Barulu","companyName":"Barulu","addressLine1":"","addressLine2":"","addressLine3":"","addressLine4":"","postalCode":"","country":"Costa Rica","telephone":"","mobileTelephone":"","fax":"","email":"","countryId":282,"countryIsoCode":"CR","countryIsoCode3":"CRI"},"billing":{"contactId":418,"addressFullName":"Barulu","companyName":"Barulu","addressLine1":"","addressLine2":"","addressLine3":"","addressLine4":"","postalCode":"","country":"Costa Rica","telephone":"","mobileTelephone":"","fax":"","email":"","countryId":282,"countryIsoCode":"CR","countryIsoCode3":"CRI"}},"orderRows":{},"warehouseId":2,"acknowledged":0,"costPriceListId":0,"historicalOrder":false,"isDropship":false,"orderWeighting":100}"##,
        ];
        for text in recorded {
            let order: Order = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&order).unwrap(), text);
        }
    }
}
