//! Order rows: `POST /order/{id}/row`, `PATCH /order/{id}/row/{rowId}`, `DELETE` of a row, and
//! the row preparation the sales-order resource shares.
//!
//! Recorded: a row POST sends `productId` and/or `productName`, `quantity.magnitude` and
//! `rowValue{taxCode,rowNet{value},rowTax{value}}` and answers the new row id; a row without a
//! product gets product 1000, price and cost 0, nominal 4000; the tax rate and `taxClassId` come
//! from the tax code; a PATCH of `/rowValue/rowNet/value` recalculates the tax (200 at 13% →
//! 26.00) and answers the row; DELETE answers `{}`.
//!
//! INFERRED: without `rowNet`, the net is the product's price on the order's price list times
//! the quantity (less discount; a tax-inclusive price mode takes the tax out); without
//! `rowTax`, the tax is the net at the code's rate; the tax code defaults to the product's and
//! is required on a row without a product; sales rows show the list price and the product's
//! cost, purchase rows a price of 0 and the net per unit as the cost (recorded PO 312); the
//! nominal code defaults to the product's sales code (sales) or stock / purchases code
//! (purchases of tracked / untracked products); a stock-tracked product needs a whole
//! quantity (old docs); invoiced orders and rows on goods-out notes cannot change.

use super::derived::{missing, refresh, touch};
use super::input::{Fields, invalid};
use super::model::*;
use super::{FREE_TEXT_PRODUCT_ID, OrderType, PriceMode, ROW_SEQUENCE, TaxState, totals};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp, apply_patch};
use crate::brightpearl::wire::{Dec2, Dec4};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// A row to add.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewRow {
    /// The product (1000 or `None` for free text).
    pub product_id: Option<u64>,
    /// The text of a free-text row, or a name overriding the product's.
    pub product_name: Option<String>,
    /// How many.
    pub quantity: Decimal,
    /// The tax code (`T`, `13`); the product's when `None`.
    pub tax_code: Option<String>,
    /// Row net; from the price when `None`.
    pub net: Option<Decimal>,
    /// Row tax; the net at the code's rate when `None`.
    pub tax: Option<Decimal>,
    /// Unit price; the price list's when `None`.
    pub unit_price: Option<Decimal>,
    /// Discount, percent.
    pub discount_percentage: Option<Decimal>,
    /// Nominal code; the product's when `None`.
    pub nominal_code: Option<String>,
    /// The integration's line id.
    pub external_ref: Option<String>,
}

impl NewRow {
    /// Reads a `POST /order/{id}/row` body (reference §7.1).
    pub fn from_json(body: &Map<String, Json>) -> Result<NewRow, ApiError> {
        let top = Fields::top(body);
        let quantity = match top.object("quantity")? {
            Some(q) => Fields {
                map: q,
                at: "quantity",
            }
            .decimal("magnitude")?,
            None => None,
        };
        let Some(quantity) = quantity else {
            return Err(invalid(
                "quantity.magnitude is required: send {\"quantity\":{\"magnitude\":1}}",
            ));
        };
        let mut row = NewRow {
            product_id: top.id("productId")?,
            product_name: top.text("productName")?,
            quantity,
            nominal_code: top.text("nominalCode")?,
            discount_percentage: top.decimal("discountPercentage")?,
            external_ref: top.text("externalRef")?,
            ..NewRow::default()
        };
        if let Some(price) = top.object("productPrice")? {
            row.unit_price = Fields {
                map: price,
                at: "productPrice",
            }
            .decimal("value")?;
        }
        if let Some(value) = top.object("rowValue")? {
            let fields = Fields {
                map: value,
                at: "rowValue",
            };
            row.tax_code = fields.text("taxCode")?;
            if let Some(net) = fields.object("rowNet")? {
                row.net = Fields {
                    map: net,
                    at: "rowValue.rowNet",
                }
                .decimal("value")?;
            }
            if let Some(tax) = fields.object("rowTax")? {
                row.tax = Fields {
                    map: tax,
                    at: "rowValue.rowTax",
                }
                .decimal("value")?;
            }
        }
        Ok(row)
    }
}

/// What a row takes from its order.
#[derive(Debug, Clone)]
pub(super) struct RowContext {
    pub order_type: OrderType,
    pub currency: String,
    pub price_list_id: u64,
    pub price_mode: PriceMode,
}

impl RowContext {
    /// The context of `order`.
    pub fn of(order: &Order) -> RowContext {
        RowContext {
            order_type: order.order_type_code,
            currency: order.currency.order_currency_code.clone(),
            price_list_id: order.price_list_id,
            price_mode: order.price_mode_code,
        }
    }
}

/// The largest quantity a row takes (units).
const MAX_QUANTITY: i64 = 1_000_000_000;
/// The largest amount (price, net, tax, cost) a row takes, so that row and order arithmetic
/// stays far inside the decimal range.
const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Refuses a quantity or amount beyond the limits above (or a negative quantity limit breach).
fn check_size(value: Decimal, limit: i64, field: &str) -> Result<(), ApiError> {
    if value.abs() > Decimal::from(limit) {
        return Err(invalid(format!(
            "{field} {value} is too large; a row takes at most {limit} in absolute value"
        )));
    }
    Ok(())
}

/// The refusal of amounts beyond the decimal range.
fn too_large() -> ApiError {
    invalid(format!(
        "The row's amounts are too large; quantities are at most {MAX_QUANTITY} and prices at most {MAX_AMOUNT}"
    ))
}

/// Checks every number of a row against the size limits.
fn check_row_sizes(row: &OrderRow) -> Result<(), ApiError> {
    check_size(row.quantity.magnitude.0, MAX_QUANTITY, "quantity.magnitude")?;
    check_size(row.product_price.value.0, MAX_AMOUNT, "productPrice.value")?;
    check_size(
        row.row_value.row_net.value.0,
        MAX_AMOUNT,
        "rowValue.rowNet.value",
    )?;
    check_size(
        row.row_value.row_tax.value.0,
        MAX_AMOUNT,
        "rowValue.rowTax.value",
    )
}

/// The tax code id and rate of `code`, or the 400 naming `field`.
fn tax_of(account: &Account, code: &str, field: &str) -> Result<(u64, Decimal), ApiError> {
    account
        .accounting
        .tax_code_by_code_or_id(code)
        .map(|t| (t.id, t.rate))
        .ok_or_else(|| {
            invalid(format!(
                "{field} {code:?} is not a tax code of this account; see GET /accounting-service/tax-code"
            ))
        })
}

/// The row `input` would become on an order with `ctx` (sequence and id left for the caller).
pub(super) fn prepare_row(
    account: &Account,
    ctx: &RowContext,
    input: &NewRow,
) -> Result<OrderRow, ApiError> {
    let product_id = input.product_id.filter(|id| *id != FREE_TEXT_PRODUCT_ID);
    let product = match product_id {
        Some(id) => Some(account.catalogue.product(id).ok_or_else(|| {
            invalid(format!(
                "productId {id} is not a product; use an existing product id, or send only productName for a free-text row"
            ))
        })?),
        None => None,
    };
    let name = match (&input.product_name, product) {
        (Some(name), _) if !name.trim().is_empty() => name.clone(),
        (_, Some(product)) => product.name().to_string(),
        _ => {
            return Err(invalid(
                "A row needs a productId, a productName, or both; send productName alone for a free-text row",
            ));
        }
    };
    let tracked = product.is_some_and(|p| p.stock_tracked());
    if tracked && !input.quantity.fract().is_zero() {
        return Err(invalid(format!(
            "quantity.magnitude {} must be a whole number: product {} is stock-tracked",
            input.quantity,
            product.map_or(0, |p| p.id)
        )));
    }
    let tax_code = match (&input.tax_code, product) {
        (Some(code), _) => code.clone(),
        (None, Some(product)) => product.tax_code().code.clone(),
        (None, None) => {
            return Err(invalid(
                "rowValue.taxCode is required on a row without a product (see GET /accounting-service/tax-code)",
            ));
        }
    };
    let (tax_class_id, rate) = tax_of(account, &tax_code, "rowValue.taxCode")?;
    let tax_code = account
        .accounting
        .tax_code(tax_class_id)
        .map_or(tax_code, |t| t.code.clone());
    check_size(input.quantity, MAX_QUANTITY, "quantity.magnitude")?;
    for (value, field) in [
        (input.unit_price, "productPrice.value"),
        (input.net, "rowValue.rowNet.value"),
        (input.tax, "rowValue.rowTax.value"),
    ] {
        if let Some(value) = value {
            check_size(value, MAX_AMOUNT, field)?;
        }
    }
    let purchase = ctx.order_type.is_purchase();
    let discount = input.discount_percentage.unwrap_or_default();
    if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&discount) {
        return Err(invalid(format!(
            "discountPercentage must be between 0 and 100, not {discount}"
        )));
    }
    let catalogue = &account.catalogue;
    let list_price = product.and_then(|p| catalogue.price(p.id, ctx.price_list_id, input.quantity));
    let unit_price = input.unit_price.or(list_price).unwrap_or_default();
    let (net, computed_tax) = match input.net {
        Some(net) => totals::tax_on(net, rate).map(|tax| (net, tax)),
        None => totals::from_price(
            input.quantity,
            unit_price,
            discount,
            rate,
            ctx.price_mode == PriceMode::Inclusive,
        ),
    }
    .ok_or_else(too_large)?;
    check_size(net, MAX_AMOUNT, "the row net (quantity × price)")?;
    let tax = input.tax.map_or(computed_tax, |t| totals::round(t, 2));
    let cost = product
        .and_then(|p| {
            catalogue.price(
                p.id,
                crate::brightpearl::account::catalogue::COST_PRICE_LIST,
                input.quantity,
            )
        })
        .unwrap_or_default();
    let (item_cost, product_price) = if purchase {
        let per_unit = if input.quantity.is_zero() {
            unit_price
        } else {
            net / input.quantity
        };
        (per_unit, Decimal::ZERO)
    } else {
        (cost, unit_price)
    };
    let nominal_code = match (&input.nominal_code, product) {
        (Some(code), _) => code.clone(),
        (None, Some(p)) if purchase && p.stock_tracked() => p.nominal_code_stock.clone(),
        (None, Some(p)) if purchase => p.nominal_code_purchases.clone(),
        (None, Some(p)) => p.nominal_code_sales.clone(),
        (None, None) if purchase => "5000".to_string(),
        (None, None) => "4000".to_string(),
    };
    if account.accounting.nominal_code(&nominal_code).is_none() && input.nominal_code.is_some() {
        return Err(invalid(format!(
            "nominalCode {nominal_code:?} is not a nominal code of this account; see GET /accounting-service/nominal-code"
        )));
    }
    let money4 = |value: Decimal| Money4 {
        currency_code: ctx.currency.clone(),
        value: Dec4::new(value),
    };
    Ok(OrderRow {
        order_row_sequence: String::new(),
        product_id: product.map_or(FREE_TEXT_PRODUCT_ID, |p| p.id),
        product_name: name,
        product_sku: product
            .map(|p| p.sku().to_string())
            .filter(|s| !s.is_empty()),
        product_options: None,
        quantity: Quantity {
            magnitude: Dec4::new(input.quantity),
        },
        item_cost: money4(item_cost),
        product_price: money4(product_price),
        discount_percentage: Dec2::new(discount),
        row_value: RowValue {
            tax_rate: Dec4::new(rate),
            tax_code,
            tax_calculator: "brightpearl".into(),
            row_net: money4(net),
            row_tax: Money2 {
                currency_code: ctx.currency.clone(),
                value: Dec2::new(tax),
            },
            tax_class_id,
        },
        nominal_code,
        composition: Composition::default(),
        cloned_from_id: 0,
        external_ref: input.external_ref.clone(),
    })
}

/// The order `order_id` if its rows may change.
fn changeable(account: &Account, order_id: u64) -> Result<&Order, ApiError> {
    let order = account
        .orders
        .get(order_id)
        .ok_or_else(|| missing(order_id))?;
    if order.state.tax == TaxState::Invoiced {
        return Err(invalid(format!(
            "Order {order_id} is invoiced; its rows cannot change. Raise a sales credit for corrections"
        )));
    }
    Ok(order)
}

/// The next row sequence of `order`: ten past the highest ("10", "20", ...).
pub(super) fn next_sequence(order: &Order) -> String {
    let highest = order
        .order_rows
        .values()
        .filter_map(|r| r.order_row_sequence.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    (highest + 10).to_string()
}

/// Adds `row` (prepared) to `order_id` without events: the caller touches the order.
pub(super) fn insert_row(account: &mut Account, order_id: u64, mut row: OrderRow) -> u64 {
    let id = account.next_id(ROW_SEQUENCE, 1);
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        row.order_row_sequence = next_sequence(order);
        order.order_rows.insert(id, row);
    }
    id
}

/// Adds a row to `order_id`; returns the row id. Totals and statuses follow; `order.modified`.
pub fn add_row(account: &mut Account, order_id: u64, input: &NewRow) -> Result<u64, ApiError> {
    let ctx = RowContext::of(changeable(account, order_id)?);
    let row = prepare_row(account, &ctx, input)?;
    let id = insert_row(account, order_id, row);
    refresh(account, order_id);
    touch(account, order_id);
    Ok(id)
}

/// Adds the row a `POST /order/{id}/row` body describes; returns the row id.
pub fn add_row_json(
    account: &mut Account,
    order_id: u64,
    body: &Map<String, Json>,
) -> Result<u64, ApiError> {
    changeable(account, order_id)?;
    let input = NewRow::from_json(body)?;
    add_row(account, order_id, &input)
}

/// The op/path pairs a row PATCH accepts: `replace` of the row's editable values.
fn row_patch_allowed(op: &PatchOp) -> bool {
    const PATHS: &[&str] = &[
        "/productName",
        "/quantity/magnitude",
        "/productPrice/value",
        "/itemCost/value",
        "/discountPercentage",
        "/rowValue/taxCode",
        "/rowValue/rowNet/value",
        "/rowValue/rowTax/value",
        "/nominalCode",
    ];
    op.op == Op::Replace && PATHS.contains(&op.path.as_str())
}

/// Applies a JSON-Patch to row `row_id` of `order_id` and answers the row. A change of net,
/// quantity, price or tax code recalculates the tax unless the patch sets it too.
pub fn patch_row(
    account: &mut Account,
    order_id: u64,
    row_id: u64,
    ops: &[PatchOp],
) -> Result<OrderRow, ApiError> {
    let order = changeable(account, order_id)?;
    let Some(row) = order.order_rows.get(&row_id) else {
        return Err(row_missing(order_id, row_id));
    };
    let mut value = serde_json::to_value(row).map_err(|e| invalid(e.to_string()))?;
    apply_patch(&mut value, ops, &row_patch_allowed)?;
    let mut patched: OrderRow = serde_json::from_value(value).map_err(|e| {
        invalid(format!(
            "Row {row_id} of order {order_id}: a patched value has the wrong type ({e}); money and quantities are numbers, codes and names text"
        ))
    })?;
    check_row_sizes(&patched)?;
    let touched = |path: &str| ops.iter().any(|op| op.path == path);
    if touched("/rowValue/taxCode") {
        let (id, rate) = tax_of(account, &patched.row_value.tax_code, "rowValue.taxCode")?;
        patched.row_value.tax_class_id = id;
        patched.row_value.tax_rate = Dec4::new(rate);
        if let Some(code) = account.accounting.tax_code(id) {
            patched.row_value.tax_code = code.code.clone();
        }
    }
    if touched("/quantity/magnitude") {
        let tracked = account
            .catalogue
            .product(patched.product_id)
            .is_some_and(|p| p.stock_tracked());
        if tracked && !patched.quantity.magnitude.0.fract().is_zero() {
            return Err(invalid(format!(
                "quantity.magnitude {} must be a whole number: product {} is stock-tracked",
                patched.quantity.magnitude, patched.product_id
            )));
        }
    }
    if touched("/discountPercentage")
        && !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&patched.discount_percentage.0)
    {
        return Err(invalid(format!(
            "discountPercentage must be between 0 and 100, not {}",
            patched.discount_percentage
        )));
    }
    let price_changed = [
        "/quantity/magnitude",
        "/productPrice/value",
        "/discountPercentage",
    ]
    .iter()
    .any(|p| touched(p));
    let ctx = RowContext::of(order);
    if price_changed && !touched("/rowValue/rowNet/value") && !ctx.order_type.is_purchase() {
        let (net, _) = totals::from_price(
            patched.quantity.magnitude.0,
            patched.product_price.value.0,
            patched.discount_percentage.0,
            patched.row_value.tax_rate.0,
            ctx.price_mode == PriceMode::Inclusive,
        )
        .ok_or_else(too_large)?;
        check_size(net, MAX_AMOUNT, "the row net (quantity × price)")?;
        patched.row_value.row_net.value = Dec4::new(net);
    }
    let net_changed =
        price_changed || touched("/rowValue/rowNet/value") || touched("/rowValue/taxCode");
    if net_changed && !touched("/rowValue/rowTax/value") {
        let tax = totals::tax_on(
            patched.row_value.row_net.value.0,
            patched.row_value.tax_rate.0,
        )
        .ok_or_else(too_large)?;
        patched.row_value.row_tax.value = Dec2::new(tax);
    }
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        order.order_rows.insert(row_id, patched.clone());
    }
    refresh(account, order_id);
    touch(account, order_id);
    Ok(patched)
}

/// Deletes row `row_id` of `order_id`. Refused while goods-out notes hold the row.
pub fn delete_row(account: &mut Account, order_id: u64, row_id: u64) -> Result<(), ApiError> {
    let order = changeable(account, order_id)?;
    if !order.order_rows.contains_key(&row_id) {
        return Err(row_missing(order_id, row_id));
    }
    let held = account
        .orders
        .fulfilment
        .get(&order_id)
        .and_then(|rows| rows.get(&row_id))
        .is_some_and(|f| !f.allocated.is_zero());
    if held {
        return Err(invalid(format!(
            "Row {row_id} of order {order_id} is on a goods-out note; delete the note first (DELETE /warehouse-service/order/{order_id}/goods-note/goods-out/{{id}})"
        )));
    }
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        order.order_rows.remove(&row_id);
    }
    if let Some(rows) = account.orders.fulfilment.get_mut(&order_id) {
        rows.remove(&row_id);
    }
    refresh(account, order_id);
    touch(account, order_id);
    Ok(())
}

/// The 404 for a row that is not on the order.
pub fn row_missing(order_id: u64, row_id: u64) -> ApiError {
    ApiError::not_found(format!(
        "Order {order_id} has no row {row_id}; GET /order-service/order/{order_id} lists its rows"
    ))
}
