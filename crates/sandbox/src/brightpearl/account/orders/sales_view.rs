//! The sales-order resource's GET shape (`GET /order-service/sales-order/{id}` and
//! `/sales-credit/{id}`): a flat view of an order record, rows as an array. Key order
//! (INFERRED, from a public data-model library of the resource): `id, customer, billing, ref,
//! externalRef, placedOn, taxDate, parentId, statusId, ...` then the read-only fields;
//! addresses are the generic order's party blocks without `contactId` and the country name;
//! `version` and `customFields` close the object.

use super::model::*;
use super::status::StatusState;
use super::{AllocationStatus, OrderType, PaymentStatus, PriceMode, ShippingStatus, StockStatus};
use crate::brightpearl::account::Account;
use crate::brightpearl::wire::{Dec2, Dec4, Dec6, Stamp};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// A sales order or credit as `GET /order-service/sales-order/{id}` renders it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesOrderView<'a> {
    /// The order id.
    pub id: u64,
    /// The customer and their address.
    pub customer: ContactAddress<'a>,
    /// The billing contact and address.
    pub billing: BillingAddress<'a>,
    /// The customer's reference.
    #[serde(rename = "ref")]
    pub reference: &'a str,
    /// The integration's id for the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<&'a str>,
    /// When placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<&'a Stamp>,
    /// The invoice's tax date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_date: Option<&'a Stamp>,
    /// The parent order (a credit's sales order), 0 for none.
    pub parent_id: u64,
    /// The order status id.
    pub status_id: u64,
    /// The warehouse.
    pub warehouse_id: u64,
    /// Staff owner.
    pub staff_owner_id: u64,
    /// Project.
    pub project_id: u64,
    /// Channel.
    pub channel_id: u64,
    /// Lead source.
    pub lead_source_id: u64,
    /// Team.
    pub team_id: u64,
    /// Price list.
    pub price_list_id: u64,
    /// INC or EXC.
    pub price_mode_code: PriceMode,
    /// Currency.
    pub currency: SalesCurrency<'a>,
    /// Delivery date, address and method.
    pub delivery: SalesDelivery<'a>,
    /// The rows, in sequence order.
    pub rows: Vec<SalesRow<'a>>,
    /// Totals.
    pub total: SalesTotal,
    /// Payment status.
    pub order_payment_status: PaymentStatus,
    /// Allocation status.
    pub allocation_status_code: AllocationStatus,
    /// Stock status.
    pub stock_status_code: StockStatus,
    /// Shipping status.
    pub shipping_status_code: ShippingStatus,
    /// The staff member who made it.
    pub created_by: u64,
    /// When made.
    pub created_on: &'a Stamp,
    /// Last versioned change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<&'a Stamp>,
    /// The invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<&'a Invoice>,
    /// Fulfilment weighting.
    pub order_weighting: u64,
    /// Cost price list.
    pub cost_price_list_id: u64,
    /// Whether the status is a cancelled one.
    pub is_canceled: bool,
    /// The integration instance that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_integration_instance_id: Option<u64>,
    /// The customer's contact id.
    pub customer_id: u64,
    /// The `If-Match` value for PUT.
    pub version: u64,
    /// Custom field values (only with a value).
    pub custom_fields: Map<String, Json>,
}

/// `customer`: `{id, address}`.
#[derive(Debug, Serialize)]
pub struct ContactAddress<'a> {
    /// The contact.
    pub id: u64,
    /// The address.
    pub address: SalesAddress<'a>,
}

/// `billing`: `{contactId, address}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingAddress<'a> {
    /// The contact billed.
    pub contact_id: u64,
    /// The address.
    pub address: SalesAddress<'a>,
}

/// An address of the sales-order resource.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesAddress<'a> {
    /// Name.
    pub address_full_name: &'a str,
    /// Company.
    pub company_name: &'a str,
    /// Street.
    pub address_line1: &'a str,
    /// Suburb.
    pub address_line2: &'a str,
    /// City.
    pub address_line3: &'a str,
    /// State or county.
    pub address_line4: &'a str,
    /// Postcode.
    pub postal_code: &'a str,
    /// ISO alpha-2 country code, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<&'a str>,
    /// Telephone.
    pub telephone: &'a str,
    /// Mobile.
    pub mobile_telephone: &'a str,
    /// Fax.
    pub fax: &'a str,
    /// Email.
    pub email: &'a str,
}

impl<'a> SalesAddress<'a> {
    fn of(party: &'a Party) -> SalesAddress<'a> {
        SalesAddress {
            address_full_name: &party.address_full_name,
            company_name: &party.company_name,
            address_line1: &party.address_line1,
            address_line2: &party.address_line2,
            address_line3: &party.address_line3,
            address_line4: &party.address_line4,
            postal_code: &party.postal_code,
            country_iso_code: party.country_iso_code.as_deref(),
            telephone: &party.telephone,
            mobile_telephone: &party.mobile_telephone,
            fax: &party.fax,
            email: &party.email,
        }
    }
}

/// `currency`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesCurrency<'a> {
    /// ISO code.
    pub code: &'a str,
    /// Whether the rate is fixed.
    pub fixed_exchange_rate: bool,
    /// Units per base unit.
    pub exchange_rate: Dec6,
}

/// `delivery`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesDelivery<'a> {
    /// Promised date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a Stamp>,
    /// Where to.
    pub address: SalesAddress<'a>,
    /// Shipping method.
    pub shipping_method_id: u64,
}

/// `total`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesTotal {
    /// Net.
    pub net: Dec2,
    /// Tax.
    pub tax: Dec2,
    /// Net + tax.
    pub gross: Dec2,
    /// Net in base currency.
    pub base_net: Dec2,
    /// Tax in base currency.
    pub base_tax: Dec2,
    /// Gross in base currency.
    pub base_gross: Dec2,
}

/// One row of the sales-order resource.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesRow<'a> {
    /// The row id (the same as the generic order's row key).
    pub id: u64,
    /// The integration's line id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<&'a str>,
    /// SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<&'a str>,
    /// Product (1000 for free text).
    pub product_id: u64,
    /// Name.
    pub name: &'a str,
    /// Quantity.
    pub quantity: Dec4,
    /// Tax code.
    pub tax_code: &'a str,
    /// Net.
    pub net: Dec4,
    /// Tax.
    pub tax: Dec2,
    /// Nominal code.
    pub nominal_code: &'a str,
    /// Unit list price.
    pub product_price: Dec4,
    /// Discount percent.
    pub discount_percentage: Dec2,
    /// Row sequence.
    pub sequence: &'a str,
    /// Bundle component.
    pub bundle_child: bool,
    /// Bundle root.
    pub bundle_parent: bool,
    /// Bundle root of a component.
    pub parent_row_id: u64,
    /// Tax code id.
    pub tax_class_id: u64,
    /// Always `brightpearl`.
    pub tax_calculator: &'a str,
    /// Cloned-from row.
    pub cloned_from_id: u64,
}

/// The sales-order view of `order` with its custom field values.
pub fn sales_order_view<'a>(account: &'a Account, order: &'a Order) -> SalesOrderView<'a> {
    let empty = &EMPTY_PARTY;
    let customer = order.parties.customer.as_ref().unwrap_or(empty);
    let customer_id = customer.contact_id.unwrap_or(0);
    let current = &order.assignment.current;
    let total = &order.total_value;
    let mut rows: Vec<(u64, &OrderRow)> = order.order_rows.iter().map(|(id, r)| (*id, r)).collect();
    rows.sort_by_key(|(id, r)| (r.order_row_sequence.parse::<u64>().unwrap_or(0), *id));
    let cancelled = account
        .orders
        .status(order.order_status.order_status_id)
        .is_some_and(|s| s.state == StatusState::Cancelled);
    SalesOrderView {
        id: order.id,
        customer: ContactAddress {
            id: customer_id,
            address: SalesAddress::of(customer),
        },
        billing: BillingAddress {
            contact_id: order.parties.billing.contact_id.unwrap_or(customer_id),
            address: SalesAddress::of(&order.parties.billing),
        },
        reference: &order.reference,
        external_ref: order.external_ref.as_deref(),
        placed_on: order.placed_on.as_ref(),
        tax_date: order.invoices.first().and_then(|i| i.tax_date.as_ref()),
        parent_id: order.parent_order_id,
        status_id: order.order_status.order_status_id,
        warehouse_id: order.warehouse_id,
        staff_owner_id: current.staff_owner_contact_id,
        project_id: current.project_id,
        channel_id: current.channel_id,
        lead_source_id: current.lead_source_id,
        team_id: current.team_id,
        price_list_id: order.price_list_id,
        price_mode_code: order.price_mode_code,
        currency: SalesCurrency {
            code: &order.currency.order_currency_code,
            fixed_exchange_rate: order.currency.fixed_exchange_rate,
            exchange_rate: order.currency.exchange_rate,
        },
        delivery: SalesDelivery {
            date: order.delivery.delivery_date.as_ref(),
            address: SalesAddress::of(&order.parties.delivery),
            shipping_method_id: order.delivery.shipping_method_id,
        },
        rows: rows
            .into_iter()
            .map(|(id, r)| SalesRow {
                id,
                external_ref: r.external_ref.as_deref(),
                sku: r.product_sku.as_deref(),
                product_id: r.product_id,
                name: &r.product_name,
                quantity: r.quantity.magnitude,
                tax_code: &r.row_value.tax_code,
                net: r.row_value.row_net.value,
                tax: r.row_value.row_tax.value,
                nominal_code: &r.nominal_code,
                product_price: r.product_price.value,
                discount_percentage: r.discount_percentage,
                sequence: &r.order_row_sequence,
                bundle_child: r.composition.bundle_child,
                bundle_parent: r.composition.bundle_parent,
                parent_row_id: r.composition.parent_order_row_id,
                tax_class_id: r.row_value.tax_class_id,
                tax_calculator: &r.row_value.tax_calculator,
                cloned_from_id: r.cloned_from_id,
            })
            .collect(),
        total: SalesTotal {
            net: total.net,
            tax: total.tax_amount,
            gross: total.total,
            base_net: total.base_net,
            base_tax: total.base_tax_amount,
            base_gross: total.base_total,
        },
        order_payment_status: order.order_payment_status,
        allocation_status_code: order.allocation_status_code,
        stock_status_code: order.stock_status_code,
        shipping_status_code: order.shipping_status_code,
        created_by: order.created_by_id,
        created_on: &order.created_on,
        updated_on: order.updated_on.as_ref(),
        invoice: order.invoices.first(),
        order_weighting: order.order_weighting,
        cost_price_list_id: order.cost_price_list_id,
        is_canceled: cancelled,
        installed_integration_instance_id: order.installed_integration_instance_id,
        customer_id,
        version: order.version,
        custom_fields: account
            .orders
            .custom_values
            .get(&order.id)
            .cloned()
            .unwrap_or_default(),
    }
}

static EMPTY_PARTY: std::sync::LazyLock<Party> = std::sync::LazyLock::new(Party::default);

/// The sales orders (or credits) among `ids`, skipping other types and unknown ids.
pub fn sales_orders<'a>(
    account: &'a Account,
    ids: impl IntoIterator<Item = u64>,
    order_type: OrderType,
) -> Vec<SalesOrderView<'a>> {
    ids.into_iter()
        .filter_map(|id| account.orders.get(id))
        .filter(|o| o.order_type_code == order_type)
        .map(|o| sales_order_view(account, o))
        .collect()
}
