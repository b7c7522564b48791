//! The derived fields of an order and the hooks other areas call when their inputs change.
//!
//! - [`set_payment_status`]: the accounting area reports the money received on an order
//!   (receipts less refunds); `orderPaymentStatus` is derived from it and the order total.
//! - [`set_shipping_and_stock_status`]: the goods-out area reports, per row, how many units its
//!   notes hold and how many have shipped; `stockStatusCode`, `allocationStatusCode` and
//!   `shippingStatusCode` are derived, and `order.modified.fully-shipped` is raised when the last
//!   stock-tracked unit ships.
//!
//! Both are also re-derived from the last report whenever rows change ([`refresh`]), so a row
//! added to a shipped order makes it part shipped again.

use super::totals::{self, StockCodes};
use super::{Order, PaymentStatus, RowFulfilment, ShippingStatus};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The resource type of order events.
pub const ORDER_RESOURCE: &str = "order";

/// Records that `amount_paid` (receipts less refunds, in the order's currency) has now been
/// received for `order_id` and re-derives its payment status. A change of status bumps the
/// version and raises `order.modified`. Returns the status.
pub fn set_payment_status(
    account: &mut Account,
    order_id: u64,
    amount_paid: Decimal,
) -> Result<PaymentStatus, ApiError> {
    if !account.orders.orders.contains_key(&order_id) {
        return Err(missing(order_id));
    }
    if amount_paid.is_zero() {
        account.orders.amount_paid.remove(&order_id);
    } else {
        account.orders.amount_paid.insert(order_id, amount_paid);
    }
    let before = account.orders.get(order_id).map(|o| o.order_payment_status);
    refresh(account, order_id);
    let after = account
        .orders
        .get(order_id)
        .map_or(PaymentStatus::NotApplicable, |o| o.order_payment_status);
    if before != Some(after) {
        touch(account, order_id);
    }
    Ok(after)
}

/// Records what goods-out notes hold and have shipped for each row of `order_id` (the whole
/// picture: rows missing from `fulfilment` hold nothing) and re-derives the stock, allocation
/// and shipping codes. A change bumps the version and raises `order.modified`; reaching "all
/// stock shipped" also raises `order.modified.fully-shipped`. Returns the codes.
pub fn set_shipping_and_stock_status(
    account: &mut Account,
    order_id: u64,
    fulfilment: BTreeMap<u64, RowFulfilment>,
) -> Result<StockCodes, ApiError> {
    let Some(order) = account.orders.get(order_id) else {
        return Err(missing(order_id));
    };
    let before = codes_of(order);
    let fulfilment: BTreeMap<u64, RowFulfilment> = fulfilment
        .into_iter()
        .filter(|(_, f)| !f.allocated.is_zero() || !f.shipped.is_zero())
        .collect();
    if fulfilment.is_empty() {
        account.orders.fulfilment.remove(&order_id);
    } else {
        account.orders.fulfilment.insert(order_id, fulfilment);
    }
    refresh(account, order_id);
    let after = account.orders.get(order_id).map_or(before, codes_of);
    if after != before {
        touch(account, order_id);
        if after.shipping == ShippingStatus::AllShipped
            && before.shipping != ShippingStatus::AllShipped
        {
            account.raise_specific(
                ORDER_RESOURCE,
                Lifecycle::Modified,
                "fully-shipped",
                order_id,
            );
        }
    }
    Ok(after)
}

fn codes_of(order: &Order) -> StockCodes {
    StockCodes {
        stock: order.stock_status_code,
        allocation: order.allocation_status_code,
        shipping: order.shipping_status_code,
    }
}

/// Re-derives the totals, the payment status and the stock codes of `order_id` from its rows
/// and the last payment and fulfilment reports. Changes nothing else (no version, no event).
pub(crate) fn refresh(account: &mut Account, order_id: u64) {
    let paid = account
        .orders
        .amount_paid
        .get(&order_id)
        .copied()
        .unwrap_or_default();
    let Some(order) = account.orders.orders.get(&order_id) else {
        return;
    };
    let catalogue = &account.catalogue;
    let is_tracked = |product: u64| {
        catalogue
            .product(product)
            .is_some_and(|p| p.stock_tracked())
    };
    let codes = totals::stock_codes(order, &is_tracked, account.orders.fulfilment.get(&order_id));
    let total_value = totals::totals(order);
    let payment = totals::payment_status(total_value.total.0, paid);
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        order.total_value = total_value;
        order.order_payment_status = payment;
        order.stock_status_code = codes.stock;
        order.allocation_status_code = codes.allocation;
        order.shipping_status_code = codes.shipping;
    }
}

/// A change to `order_id` that counts: the version goes up, `updatedOn` is now and
/// `order.modified` is raised.
pub(crate) fn touch(account: &mut Account, order_id: u64) {
    let now = account.now();
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        order.version += 1;
        order.updated_on = Some(now);
    }
    account.raise(ORDER_RESOURCE, Lifecycle::Modified, order_id);
}

/// The 404 for an order that does not exist.
pub fn missing(order_id: u64) -> ApiError {
    ApiError::not_found(format!(
        "Order {order_id} does not exist; list orders with GET /order-service/order-search"
    ))
}
