//! Creating an order: `POST /order-service/order` (whose body differs from the GET shape,
//! reference §7.1) parsed into a typed [`NewOrder`], checked against the account, then made.
//!
//! Recorded: ORDC-005 without `orderTypeCode`, ORDC-006 for an unknown one, ORDC-022
//! ("Suppllier ID Required.") for a purchase without `parties.supplier.contactId`; the minimum
//! `{"reference","orderTypeCode","parties":{"customer":{"contactId"}}}` works; a new order has
//! version 1, no `updatedOn`, `invoices:[{"invoiceReference":""}]`, price mode EXC, a fixed
//! exchange rate, `costPriceListId` 0, `isDropship` false and the type's default status; the
//! customer's addresses fill the customer, billing and delivery parties; a purchase's delivery
//! and billing parties are the account's own address (billing carrying the supplier's id) and
//! its delivery date is a week after it was placed (order_search.yml).
//!
//! INFERRED: a sale without `parties.customer.contactId` is refused like a purchase without a
//! supplier (400 `ORDC-400`); the default price list is the contact's, else the channel's,
//! else retail (sales) or cost (purchases); the default currency is the price list's;
//! `externalRef` with `installedIntegrationInstanceId` is a duplicate key (a repeat POST
//! answers the first order's id and changes nothing, as the old docs say).

use super::derived::ORDER_RESOURCE;
use super::input::{Fields, invalid};
use super::model::*;
use super::{ORDER_SEQUENCE, OrderType, PriceMode};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::{COST_PRICE_LIST, RETAIL_PRICE_LIST};
use crate::brightpearl::account::contacts;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use crate::brightpearl::wire::{Dec6, Stamp};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// The smallest exchange rate taken (the 6 places the rate is shown with).
const MIN_RATE: Decimal = Decimal::from_parts(1, 0, 0, false, 6);
/// The largest exchange rate taken.
const MAX_RATE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// A week in ms: the default lead time of a purchase order's delivery date (recorded).
const PURCHASE_LEAD_MS: i64 = 7 * 24 * 3600 * 1000;

/// Everything a new order can be given. Unset fields take the account's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// SO, PO, SC or PC.
    pub order_type: OrderType,
    /// The customer (sales) or supplier (purchases).
    pub contact_id: u64,
    /// The customer's or supplier's reference.
    pub reference: String,
    /// The order this one derives from (a credit's sales order).
    pub parent_order_id: u64,
    /// The status; the type's default when `None`.
    pub status_id: Option<u64>,
    /// When it was placed (UTC ms); now when `None`.
    pub placed_on_ms: Option<i64>,
    /// When it was made (UTC ms); now when `None`. The demo history backdates orders.
    pub created_on_ms: Option<i64>,
    /// Promised delivery date.
    pub delivery_date_ms: Option<i64>,
    /// Shipping method (0 = none).
    pub shipping_method_id: u64,
    /// Tax date of the invoice.
    pub tax_date_ms: Option<i64>,
    /// Currency code; the price list's when `None`.
    pub currency_code: Option<String>,
    /// A fixed exchange rate; the currency's current rate when `None`.
    pub exchange_rate: Option<Decimal>,
    /// The price list; see the module notes for the default.
    pub price_list_id: Option<u64>,
    /// INC or EXC (EXC when `None`, as recorded).
    pub price_mode: Option<PriceMode>,
    /// The warehouse; the channel's, else the account's default.
    pub warehouse_id: Option<u64>,
    /// Channel, staff owner, project, lead source, team.
    pub assignment: AssignmentCurrent,
    /// Replaces the contact's delivery address (fields given replace the contact's).
    pub delivery_address: Option<Map<String, Json>>,
    /// Replaces the contact's billing address.
    pub billing_address: Option<Map<String, Json>>,
    /// Replaces the customer's (or supplier's) own address block.
    pub contact_address: Option<Map<String, Json>>,
    /// The billing contact when it differs from the customer.
    pub billing_contact_id: Option<u64>,
    /// The integration's own id for the order.
    pub external_ref: Option<String>,
    /// The integration instance that made it.
    pub installed_integration_instance_id: Option<u64>,
    /// Whether a purchase ships straight to the customer.
    pub is_dropship: bool,
    /// The staff member who made it; the API user when `None`.
    pub created_by_id: Option<u64>,
}

impl NewOrder {
    /// An order of `order_type` for `contact_id` with every other field defaulted.
    pub fn new(order_type: OrderType, contact_id: u64) -> NewOrder {
        NewOrder {
            order_type,
            contact_id,
            reference: String::new(),
            parent_order_id: 0,
            status_id: None,
            placed_on_ms: None,
            created_on_ms: None,
            delivery_date_ms: None,
            shipping_method_id: 0,
            tax_date_ms: None,
            currency_code: None,
            exchange_rate: None,
            price_list_id: None,
            price_mode: None,
            warehouse_id: None,
            assignment: AssignmentCurrent::default(),
            delivery_address: None,
            billing_address: None,
            contact_address: None,
            billing_contact_id: None,
            external_ref: None,
            installed_integration_instance_id: None,
            is_dropship: false,
            created_by_id: None,
        }
    }

    /// Reads a `POST /order-service/order` body (reference §7.1).
    pub fn from_json(body: &Map<String, Json>) -> Result<NewOrder, ApiError> {
        let top = Fields::top(body);
        let order_type = match top.get("orderTypeCode") {
            None => {
                return Err(ApiError::bad_request(
                    "ORDC-005",
                    "You have not supplied an order type code",
                ));
            }
            Some(code) => code
                .as_str()
                .and_then(OrderType::from_code)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "ORDC-006",
                        "You have supplied an invalid order type code",
                    )
                })?,
        };
        let parties = top.object("parties")?;
        let party = |key: &'static str| -> Result<Option<&Map<String, Json>>, ApiError> {
            match parties {
                Some(p) => Fields {
                    map: p,
                    at: "parties",
                }
                .object(key),
                None => Ok(None),
            }
        };
        let main_key = if order_type.is_purchase() {
            "supplier"
        } else {
            "customer"
        };
        let main = party(main_key)?;
        let main_at = format!("parties.{main_key}");
        let contact_id = match main {
            Some(m) => Fields {
                map: m,
                at: &main_at,
            }
            .id("contactId")?,
            None => None,
        };
        let Some(contact_id) = contact_id else {
            return Err(if order_type.is_purchase() {
                ApiError::bad_request("ORDC-022", "Suppllier ID Required.")
            } else {
                invalid(
                    "Customer ID Required: a sales order or credit needs parties.customer.contactId, the id of an existing contact (find one with GET /contact-service/contact-search)",
                )
            });
        };
        let mut order = NewOrder::new(order_type, contact_id);
        order.reference = top.text("reference")?.unwrap_or_default();
        order.parent_order_id = top.id("parentOrderId")?.unwrap_or(0);
        if let Some(status) = top.object("orderStatus")? {
            order.status_id = Fields {
                map: status,
                at: "orderStatus",
            }
            .id("orderStatusId")?;
        }
        order.placed_on_ms = top.time("placedOn")?;
        if let Some(delivery) = top.object("delivery")? {
            let fields = Fields {
                map: delivery,
                at: "delivery",
            };
            order.delivery_date_ms = fields.time("deliveryDate")?;
            order.shipping_method_id = fields.id("shippingMethodId")?.unwrap_or(0);
        }
        match top.get("invoices") {
            None => {}
            Some(Json::Array(items)) => {
                if let Some(Json::Object(first)) = items.first() {
                    order.tax_date_ms = Fields {
                        map: first,
                        at: "invoices[0]",
                    }
                    .time("taxDate")?;
                }
            }
            Some(other) => {
                return Err(invalid(format!(
                    "invoices must be an array such as [{{\"taxDate\":\"2022-01-26\"}}], not {}",
                    crate::brightpearl::api::body::kind(other)
                )));
            }
        }
        if let Some(currency) = top.object("currency")? {
            let fields = Fields {
                map: currency,
                at: "currency",
            };
            order.currency_code = fields.text("orderCurrencyCode")?;
            order.exchange_rate = fields.decimal("exchangeRate")?;
        }
        order.price_list_id = top.id("priceListId")?;
        order.price_mode = match top.text("priceModeCode")? {
            None => None,
            Some(code) => Some(PriceMode::from_code(&code).ok_or_else(|| {
                invalid(format!("priceModeCode must be INC or EXC, not {code:?}"))
            })?),
        };
        order.warehouse_id = top.id("warehouseId")?;
        if let Some(assignment) = top.object("assignment")? {
            let fields = Fields {
                map: assignment,
                at: "assignment",
            };
            if let Some(current) = fields.object("current")? {
                order.assignment = read_assignment(Fields {
                    map: current,
                    at: "assignment.current",
                })?;
            }
        }
        order.delivery_address = party("delivery")?.cloned();
        if let Some(billing) = party("billing")? {
            order.billing_contact_id = Fields {
                map: billing,
                at: "parties.billing",
            }
            .id("contactId")?;
            let mut address = billing.clone();
            address.remove("contactId");
            order.billing_address = (!address.is_empty()).then_some(address);
        }
        if let Some(main) = main {
            let mut address = main.clone();
            address.remove("contactId");
            order.contact_address = (!address.is_empty()).then_some(address);
        }
        order.external_ref = top.text("externalRef")?;
        order.installed_integration_instance_id = top.id("installedIntegrationInstanceId")?;
        order.is_dropship = top.flag("isDropship")?.unwrap_or(false);
        Ok(order)
    }
}

/// `assignment.current` (also the flat sales-order fields).
pub(super) fn read_assignment(fields: Fields<'_>) -> Result<AssignmentCurrent, ApiError> {
    Ok(AssignmentCurrent {
        staff_owner_contact_id: fields.id("staffOwnerContactId")?.unwrap_or(0),
        project_id: fields.id("projectId")?.unwrap_or(0),
        channel_id: fields.id("channelId")?.unwrap_or(0),
        lead_source_id: fields.id("leadSourceId")?.unwrap_or(0),
        team_id: fields.id("teamId")?.unwrap_or(0),
    })
}

/// Makes the order described by `body` (`POST /order-service/order`); returns its id.
pub fn create_order(account: &mut Account, body: &Map<String, Json>) -> Result<u64, ApiError> {
    let input = NewOrder::from_json(body)?;
    create_order_typed(account, &input)
}

/// Makes `input` (validated first: nothing changes on error); returns the new id, or the
/// existing order's id when `externalRef` and `installedIntegrationInstanceId` repeat an
/// earlier order's. Raises `order.modified` (Brightpearl raises it on creation too).
pub fn create_order_typed(account: &mut Account, input: &NewOrder) -> Result<u64, ApiError> {
    if let Some(existing) = duplicate_of(account, input) {
        return Ok(existing);
    }
    let mut order = build(account, input)?;
    let id = account.next_id(ORDER_SEQUENCE, 1);
    order.id = id;
    placed(account, &order);
    account.orders.orders.insert(id, order);
    account.raise(ORDER_RESOURCE, Lifecycle::Modified, id);
    Ok(id)
}

/// Tells the contact service that `order`'s customer or supplier placed an order (contact
/// search's `lastOrderedOn`).
pub(super) fn placed(account: &mut Account, order: &Order) {
    let when = order
        .placed_on
        .clone()
        .unwrap_or_else(|| order.created_on.clone());
    contacts::note_order_placed(account, order.contact_id(), when);
}

/// The order an integration already created with the same external reference.
pub(super) fn duplicate_of(account: &Account, input: &NewOrder) -> Option<u64> {
    let (Some(external), Some(instance)) =
        (&input.external_ref, input.installed_integration_instance_id)
    else {
        return None;
    };
    account
        .orders
        .orders
        .values()
        .find(|o| {
            o.external_ref.as_deref() == Some(external.as_str())
                && o.installed_integration_instance_id == Some(instance)
        })
        .map(|o| o.id)
}

/// The order record for `input`, id 0, every reference checked against the account.
pub(super) fn build(account: &Account, input: &NewOrder) -> Result<Order, ApiError> {
    let order_type = input.order_type;
    let contacts = &account.contacts;
    let who = if order_type.is_purchase() {
        "supplier"
    } else {
        "customer"
    };
    let Some(contact) = contacts.contact(input.contact_id) else {
        return Err(invalid(format!(
            "parties.{who}.contactId {} is not a contact; create the contact first (POST /contact-service/contact) or use an existing id",
            input.contact_id
        )));
    };
    let status_id = input
        .status_id
        .unwrap_or_else(|| account.orders.default_statuses.of(order_type));
    let status = check_status(account, order_type, status_id)?;
    let now = account.now_ms();
    let created = input.created_on_ms.unwrap_or(now);
    let placed = input.placed_on_ms.unwrap_or(created);
    let channel = match input.assignment.channel_id {
        0 => None,
        id => Some(account.catalogue.channels.get(&id).ok_or_else(|| {
            invalid(format!(
                "assignment.current.channelId {id} is not a channel; see GET /product-service/channel"
            ))
        })?),
    };
    let price_list_id = match input.price_list_id {
        Some(id) => id,
        None => {
            let contact_list = contact.financial_details.price_list_id;
            if contact_list != 0 && account.catalogue.price_list(contact_list).is_some() {
                contact_list
            } else if let Some(channel) = channel.filter(|_| !order_type.is_purchase()) {
                channel.default_price_list_id
            } else if order_type.is_purchase() {
                COST_PRICE_LIST
            } else {
                RETAIL_PRICE_LIST
            }
        }
    };
    let price_list = account.catalogue.price_list(price_list_id).ok_or_else(|| {
        invalid(format!(
            "priceListId {price_list_id} is not a price list; see GET /product-service/price-list"
        ))
    })?;
    let base = account.settings.base_currency.clone();
    let currency_code = input
        .currency_code
        .clone()
        .unwrap_or_else(|| price_list.currency_code.clone())
        .to_uppercase();
    let rate = match input.exchange_rate {
        Some(rate) if rate >= MIN_RATE && rate <= MAX_RATE => rate,
        Some(rate) => {
            return Err(invalid(format!(
                "currency.exchangeRate must be between {MIN_RATE} and {MAX_RATE} (units of the order currency per base unit), not {rate}"
            )));
        }
        None if currency_code == base => Decimal::ONE,
        None => account.accounting.rate_of(&currency_code).ok_or_else(|| {
            invalid(format!(
                "currency.orderCurrencyCode {currency_code} is not a currency of this account; see GET /accounting-service/currency-search"
            ))
        })?,
    };
    if input.exchange_rate.is_some()
        && currency_code != base
        && account
            .accounting
            .currency_by_code(&currency_code)
            .is_none()
    {
        return Err(invalid(format!(
            "currency.orderCurrencyCode {currency_code} is not a currency of this account; see GET /accounting-service/currency-search"
        )));
    }
    let warehouse_id = match input.warehouse_id {
        Some(id) => id,
        None => channel
            .map(|c| c.default_warehouse_id)
            .filter(|id| *id != 0)
            .or_else(|| account.stock.default_warehouse_id())
            .unwrap_or(crate::brightpearl::account::stock::MAIN_WAREHOUSE),
    };
    if account.stock.warehouse(warehouse_id).is_none() {
        return Err(invalid(format!(
            "warehouseId {warehouse_id} is not a warehouse; see GET /warehouse-service/warehouse"
        )));
    }
    if input.shipping_method_id != 0
        && account
            .stock
            .shipping_method(input.shipping_method_id)
            .is_none()
    {
        return Err(invalid(format!(
            "delivery.shippingMethodId {} is not a shipping method; see GET /warehouse-service/shipping-method",
            input.shipping_method_id
        )));
    }
    if input.parent_order_id != 0 && !account.orders.orders.contains_key(&input.parent_order_id) {
        return Err(invalid(format!(
            "parentOrderId {} is not an order; give the id of the order this one derives from, or 0",
            input.parent_order_id
        )));
    }
    let parties = super::parties::parties_for(account, input)?;
    let offset = account.settings.offset_minutes;
    let stamp = |ms: i64| Stamp::new(ms, offset);
    let delivery_date = input
        .delivery_date_ms
        .or_else(|| (order_type == OrderType::PurchaseOrder).then_some(placed + PURCHASE_LEAD_MS));
    Ok(Order {
        id: 0,
        parent_order_id: input.parent_order_id,
        order_type_code: order_type,
        reference: input.reference.clone(),
        external_ref: input.external_ref.clone(),
        installed_integration_instance_id: input.installed_integration_instance_id,
        version: 1,
        state: OrderState::default(),
        order_status: OrderStatusRef {
            order_status_id: status_id,
            name: status.name.clone(),
        },
        tax: TaxErrors::default(),
        order_payment_status: super::PaymentStatus::NotApplicable,
        stock_status_code: super::StockStatus::Unset,
        allocation_status_code: super::AllocationStatus::NotRequired,
        shipping_status_code: super::ShippingStatus::NoStockTracked,
        placed_on: Some(stamp(placed)),
        created_on: stamp(created),
        updated_on: None,
        closed_on: None,
        created_by_id: input.created_by_id.unwrap_or(account.settings.api_staff_id),
        price_list_id,
        price_mode_code: input.price_mode.unwrap_or_default(),
        delivery: Delivery {
            delivery_date: delivery_date.map(stamp),
            shipping_method_id: input.shipping_method_id,
        },
        invoices: vec![Invoice {
            invoice_reference: String::new(),
            tax_date: input.tax_date_ms.map(stamp),
            due_date: None,
        }],
        currency: OrderCurrency {
            accounting_currency_code: base,
            order_currency_code: currency_code,
            exchange_rate: Dec6::new(rate),
            fixed_exchange_rate: true,
        },
        total_value: TotalValue::default(),
        assignment: Assignment {
            current: input.assignment,
        },
        parties,
        order_rows: Default::default(),
        warehouse_id,
        custom_fields: None,
        null_custom_fields: None,
        acknowledged: 0,
        cost_price_list_id: 0,
        historical_order: false,
        is_dropship: Some(input.is_dropship),
        original_invoice_date: None,
        order_weighting: 100,
    })
}

/// The status `status_id` if an order of `order_type` may have it.
pub(super) fn check_status(
    account: &Account,
    order_type: OrderType,
    status_id: u64,
) -> Result<&super::OrderStatus, ApiError> {
    let status = account.orders.status(status_id).ok_or_else(|| {
        invalid(format!(
            "Order status {status_id} does not exist; see GET /order-service/order-status for the account's statuses"
        ))
    })?;
    if status.order_type_code != order_type {
        return Err(invalid(format!(
            "Order status {status_id} ({}) is a {} status and cannot be given to a {} order; pick one with orderTypeCode {}",
            status.name,
            status.order_type_code.code(),
            order_type.code(),
            order_type.code()
        )));
    }
    if status.disabled {
        return Err(invalid(format!(
            "Order status {status_id} ({}) is disabled; pick an enabled status",
            status.name
        )));
    }
    Ok(status)
}
