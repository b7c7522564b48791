//! The newer sales-order and sales-credit resources (`/order-service/sales-order`,
//! `/order-service/sales-credit`, reference §7.2–7.3): a flat view of the same order records,
//! rows as an array, created atomically with their rows, replaced by PUT under `If-Match`.
//!
//! Documented: POST takes `customer.id` (or `customerId`), the flat header fields and `rows`,
//! each with `productId` or `name` plus `quantity`, `taxCode`, `net` and `tax`, and answers the
//! id; it raises `sales-order.created`; GET adds the read-only fields (`total`, status codes,
//! `createdBy`, `isCanceled`, `customerId`, ...); PUT replaces the writable representation and
//! answers 412 when `If-Match` is not the current version; orders made this way stay
//! manageable through `/order`.
//!
//! INFERRED: key order (from a public data-model library: `id, customer, billing, ref, ...`);
//! addresses in the party shape of the generic order less `contactId` and the country name;
//! `version` closing the object; `isCanceled` true when the status's state is `cancelled`; a
//! PUT's rows replace the order's (listed ids are kept, missing ones deleted, new ones added)
//! and it answers `{}`; a credit's `parentId` must be a sales order.

use super::create::{NewOrder, build, read_assignment};
use super::derived::{ORDER_RESOURCE, missing, refresh, touch};
use super::input::{Fields, invalid};
use super::model::Order;
use super::rows::{NewRow, RowContext, insert_row, prepare_row, row_missing};
use super::{OrderType, PriceMode};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use axum::http::StatusCode;
use serde_json::{Map, Value as Json};

/// The resource type of the sales-order creation event.
pub const SALES_ORDER_RESOURCE: &str = "sales-order";

/// A sales-order or sales-credit body read into the generic order and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesOrderInput {
    /// The header.
    pub order: NewOrder,
    /// The rows; each may name the `id` of an existing row (PUT).
    pub rows: Vec<(Option<u64>, NewRow)>,
}

/// Reads a sales-order (or, with `order_type` SC, sales-credit) body.
pub fn read_sales_order(
    body: &Map<String, Json>,
    order_type: OrderType,
) -> Result<SalesOrderInput, ApiError> {
    let top = Fields::top(body);
    let customer = top.object("customer")?;
    let customer_id = match customer {
        Some(c) => Fields {
            map: c,
            at: "customer",
        }
        .id("id")?,
        None => None,
    }
    .or(top.id("customerId")?);
    let Some(customer_id) = customer_id else {
        return Err(invalid(
            "customer.id is required: the id of an existing customer contact (or send customerId)",
        ));
    };
    let mut order = NewOrder::new(order_type, customer_id);
    if let Some(c) = customer {
        order.contact_address = Fields {
            map: c,
            at: "customer",
        }
        .object("address")?
        .cloned();
    }
    if let Some(billing) = top.object("billing")? {
        let fields = Fields {
            map: billing,
            at: "billing",
        };
        order.billing_contact_id = fields.id("contactId")?;
        order.billing_address = fields.object("address")?.cloned();
    }
    order.reference = top.text("ref")?.unwrap_or_default();
    order.external_ref = top.text("externalRef")?;
    order.placed_on_ms = top.time("placedOn")?;
    order.tax_date_ms = top.time("taxDate")?;
    order.parent_order_id = top.id("parentId")?.unwrap_or(0);
    order.status_id = top.id("statusId")?;
    order.warehouse_id = top.id("warehouseId")?;
    let mut assignment = read_assignment(top)?;
    assignment.staff_owner_contact_id = top.id("staffOwnerId")?.unwrap_or(0);
    order.assignment = assignment;
    order.price_list_id = top.id("priceListId")?;
    order.price_mode =
        match top.text("priceModeCode")? {
            None => None,
            Some(code) => Some(PriceMode::from_code(&code).ok_or_else(|| {
                invalid(format!("priceModeCode must be INC or EXC, not {code:?}"))
            })?),
        };
    order.installed_integration_instance_id = top.id("installedIntegrationInstanceId")?;
    if let Some(currency) = top.object("currency")? {
        let fields = Fields {
            map: currency,
            at: "currency",
        };
        order.currency_code = fields.text("code")?;
        if fields.flag("fixedExchangeRate")? != Some(false) {
            order.exchange_rate = fields.decimal("exchangeRate")?;
        }
    }
    if let Some(delivery) = top.object("delivery")? {
        let fields = Fields {
            map: delivery,
            at: "delivery",
        };
        order.delivery_date_ms = fields.time("date")?;
        order.shipping_method_id = fields.id("shippingMethodId")?.unwrap_or(0);
        order.delivery_address = fields.object("address")?.cloned();
    }
    let rows = match top.get("rows") {
        None => Vec::new(),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read_sales_row(item, &format!("rows[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "rows must be an array of rows, not {}",
                crate::brightpearl::api::body::kind(other)
            )));
        }
    };
    Ok(SalesOrderInput { order, rows })
}

/// One row of a sales-order body: `{id?, productId|name, quantity, taxCode, net, tax, ...}`.
pub fn read_sales_row(item: &Json, at: &str) -> Result<(Option<u64>, NewRow), ApiError> {
    let Json::Object(map) = item else {
        return Err(invalid(format!(
            "{at} must be an object such as {{\"name\":\"Gift wrap\",\"quantity\":\"1\",\"taxCode\":\"T\",\"net\":\"2.00\",\"tax\":\"0.20\"}}"
        )));
    };
    let fields = Fields { map, at };
    let need = |key: &str| invalid(format!("{at}.{key} is required on a sales-order row"));
    let row = NewRow {
        product_id: fields.id("productId")?,
        product_name: fields.text("name")?,
        quantity: fields
            .decimal("quantity")?
            .ok_or_else(|| need("quantity"))?,
        tax_code: Some(fields.text("taxCode")?.ok_or_else(|| need("taxCode"))?),
        net: Some(fields.decimal("net")?.ok_or_else(|| need("net"))?),
        tax: Some(fields.decimal("tax")?.ok_or_else(|| need("tax"))?),
        unit_price: fields.decimal("productPrice")?,
        discount_percentage: fields.decimal("discountPercentage")?,
        nominal_code: fields.text("nominalCode")?,
        external_ref: fields.text("externalRef")?,
    };
    Ok((fields.id("id")?, row))
}

/// Checks a credit's parent: it must be a sales order.
fn check_credit_parent(account: &Account, input: &NewOrder) -> Result<(), ApiError> {
    if input.order_type != OrderType::SalesCredit || input.parent_order_id == 0 {
        return Ok(());
    }
    match account.orders.get(input.parent_order_id) {
        Some(parent) if parent.order_type_code == OrderType::SalesOrder => Ok(()),
        Some(parent) => Err(invalid(format!(
            "parentId {} is a {} order; a sales credit's parent is the sales order it credits",
            parent.id,
            parent.order_type_code.code()
        ))),
        None => Err(invalid(format!(
            "parentId {} is not an order; give the id of the sales order being credited",
            input.parent_order_id
        ))),
    }
}

/// Creates a sales order (or credit) with its rows in one step; nothing is made unless every
/// row is valid. A repeated `externalRef` from the same integration answers the first order. Raises `sales-order.created` (sales orders only) and `order.modified`.
pub fn create_sales_order(account: &mut Account, input: &SalesOrderInput) -> Result<u64, ApiError> {
    if let Some(existing) = super::create::duplicate_of(account, &input.order) {
        return Ok(existing);
    }
    check_credit_parent(account, &input.order)?;
    let mut order = build(account, &input.order)?;
    let ctx = RowContext::of(&order);
    let mut prepared = Vec::with_capacity(input.rows.len());
    for (i, (_, row)) in input.rows.iter().enumerate() {
        prepared.push(prepare_row(account, &ctx, row).map_err(|e| in_row(e, i))?);
    }
    let id = account.next_id(super::ORDER_SEQUENCE, 1);
    order.id = id;
    super::create::placed(account, &order);
    account.orders.orders.insert(id, order);
    for row in prepared {
        insert_row(account, id, row);
    }
    refresh(account, id);
    if input.order.order_type == OrderType::SalesOrder {
        account.raise(SALES_ORDER_RESOURCE, Lifecycle::Created, id);
    }
    account.raise(ORDER_RESOURCE, Lifecycle::Modified, id);
    Ok(id)
}

/// Names the row in a row's error.
fn in_row(mut error: ApiError, index: usize) -> ApiError {
    for entry in &mut error.errors {
        entry.message = format!("rows[{index}]: {}", entry.message);
    }
    error
}

/// 412 when `if_match` is not the version of `order`.
fn check_version(order: &Order, if_match: Option<&str>) -> Result<(), ApiError> {
    let Some(wanted) = if_match else {
        return Ok(());
    };
    let wanted = wanted.trim().trim_matches('"');
    if wanted == order.version.to_string() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "ORDC-412",
        format!(
            "Sales order {} is at version {}, not {wanted} (If-Match); GET it again and reapply your change",
            order.id, order.version
        ),
    ))
}

/// The sales order `id` (or 404 naming the resource when it is another type).
fn sales_order_of(account: &Account, id: u64, order_type: OrderType) -> Result<&Order, ApiError> {
    match account.orders.get(id) {
        Some(order) if order.order_type_code == order_type => Ok(order),
        Some(order) => Err(ApiError::not_found(format!(
            "Order {id} is a {} order, not a {}; use /order-service/order/{id}",
            order.order_type_code.code(),
            order_type.description().to_lowercase()
        ))),
        None => Err(missing(id)),
    }
}

/// Replaces the writable representation of sales order `id` (`PUT /sales-order/{id}`): the
/// header as a POST would make it, and the rows (listed ids kept, others deleted, new added).
/// Refused with 412 when `if_match` is not the current version.
pub fn put_sales_order(
    account: &mut Account,
    id: u64,
    input: &SalesOrderInput,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let current = sales_order_of(account, id, OrderType::SalesOrder)?.clone();
    check_version(&current, if_match)?;
    let mut header = input.order.clone();
    header.created_on_ms = Some(current.created_on.ms);
    header.created_by_id = Some(current.created_by_id);
    if header.status_id.is_none() {
        header.status_id = Some(current.order_status.order_status_id);
    }
    if header.placed_on_ms.is_none() {
        header.placed_on_ms = current.placed_on.as_ref().map(|s| s.ms);
    }
    let mut order = build(account, &header)?;
    let ctx = RowContext::of(&order);
    let held = account.orders.fulfilment.get(&id).cloned();
    let mut kept = Vec::new();
    let mut added = Vec::new();
    for (i, (row_id, row)) in input.rows.iter().enumerate() {
        let mut prepared = prepare_row(account, &ctx, row).map_err(|e| in_row(e, i))?;
        match row_id {
            Some(row_id) => {
                let old = current
                    .order_rows
                    .get(row_id)
                    .ok_or_else(|| in_row(row_missing(id, *row_id), i))?;
                prepared.order_row_sequence = old.order_row_sequence.clone();
                kept.push((*row_id, prepared));
            }
            None => added.push(prepared),
        }
    }
    for row_id in current.order_rows.keys() {
        let listed = kept.iter().any(|(k, _)| k == row_id);
        let on_note = held
            .as_ref()
            .and_then(|h| h.get(row_id))
            .is_some_and(|f| !f.allocated.is_zero());
        if !listed && on_note {
            return Err(invalid(format!(
                "Row {row_id} of sales order {id} is on a goods-out note and cannot be left out of the PUT; list it (with its id) or delete the note first"
            )));
        }
    }
    order.id = id;
    order.version = current.version;
    order.updated_on = current.updated_on.clone();
    order.closed_on = current.closed_on.clone();
    order.state = current.state;
    order.order_rows = kept.into_iter().collect();
    let status_changed = order.order_status.order_status_id != current.order_status.order_status_id;
    account.orders.orders.insert(id, order);
    if let Some(f) = account.orders.fulfilment.get_mut(&id) {
        let rows: Vec<u64> = account
            .orders
            .orders
            .get(&id)
            .map(|o| o.order_rows.keys().copied().collect())
            .unwrap_or_default();
        f.retain(|row, _| rows.contains(row));
    }
    for row in added {
        insert_row(account, id, row);
    }
    refresh(account, id);
    touch(account, id);
    if status_changed {
        account.raise_specific(ORDER_RESOURCE, Lifecycle::Modified, "order-status", id);
    }
    Ok(())
}

/// Replaces rows of sales order `id` (`PUT /sales-order/{id}/row/{idset}`): each row of `rows`
/// names its `id`, which must be in `allowed` and on the order.
pub fn put_sales_order_rows(
    account: &mut Account,
    id: u64,
    allowed: &[u64],
    rows: &[(Option<u64>, NewRow)],
) -> Result<(), ApiError> {
    let order = sales_order_of(account, id, OrderType::SalesOrder)?;
    let ctx = RowContext::of(order);
    let mut replaced = Vec::with_capacity(rows.len());
    for (i, (row_id, row)) in rows.iter().enumerate() {
        let Some(row_id) = row_id else {
            return Err(invalid(format!(
                "rows[{i}].id is required: the id of the row to replace"
            )));
        };
        if !allowed.contains(row_id) {
            return Err(invalid(format!(
                "rows[{i}].id {row_id} is not in the id set of the path; put it in the URL (/sales-order/{id}/row/{row_id})"
            )));
        }
        let old = order
            .order_rows
            .get(row_id)
            .ok_or_else(|| row_missing(id, *row_id))?;
        let mut prepared = prepare_row(account, &ctx, row).map_err(|e| in_row(e, i))?;
        prepared.order_row_sequence = old.order_row_sequence.clone();
        replaced.push((*row_id, prepared));
    }
    if let Some(order) = account.orders.orders.get_mut(&id) {
        for (row_id, row) in replaced {
            order.order_rows.insert(row_id, row);
        }
    }
    refresh(account, id);
    touch(account, id);
    Ok(())
}
