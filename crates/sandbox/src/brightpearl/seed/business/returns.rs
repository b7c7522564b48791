//! Returns: a sales credit against a shipped order, restocked, then refunded.

use super::{method_for, outstanding, status};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::accounting;
use crate::brightpearl::account::orders::{self, NewOrder, NewRow, OrderType};
use crate::brightpearl::account::stock;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::format_utc;
use rand::Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

/// Raises a sales credit (a return) against shipped order `order_id`: one or two of its
/// rows, part or all of their quantity, at the price paid; returned goods go back on the
/// shelf unless damaged. Returns the credit id, `None` when the order has nothing to return.
pub(crate) fn raise_credit<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    order_id: u64,
) -> Result<Option<u64>, ApiError> {
    let Some(order) = account.orders.get(order_id).cloned() else {
        return Ok(None);
    };
    let rows: Vec<_> = order
        .order_rows
        .values()
        .filter(|r| {
            account
                .catalogue
                .product(r.product_id)
                .is_some_and(|p| p.stock_tracked())
        })
        .cloned()
        .collect();
    if rows.is_empty() || order.order_type_code != OrderType::SalesOrder {
        return Ok(None);
    }
    let mut credit = NewOrder::new(OrderType::SalesCredit, order.contact_id());
    credit.parent_order_id = order_id;
    credit.reference = format!("RMA-{}", rng.random_range(10000..99999));
    credit.price_list_id = Some(order.price_list_id);
    credit.price_mode = Some(order.price_mode_code);
    credit.currency_code = Some(order.currency.order_currency_code.clone());
    credit.warehouse_id = Some(order.warehouse_id);
    credit.assignment = order.assignment.current;
    let id = orders::create_order_typed(account, &credit)?;
    let count = if rows.len() > 1 && rng.random_range(0..4) == 0 {
        2
    } else {
        1
    };
    let first = rng.random_range(0..rows.len());
    for row in rows.iter().cycle().skip(first).take(count) {
        let ordered = row.quantity.magnitude.0;
        let quantity = if ordered > Decimal::ONE && rng.random_range(0..2) == 0 {
            Decimal::ONE
        } else {
            ordered
        };
        let input = NewRow {
            product_id: Some(row.product_id),
            quantity,
            tax_code: Some(row.row_value.tax_code.clone()),
            unit_price: Some(row.product_price.value.0),
            discount_percentage: Some(row.discount_percentage.0),
            ..NewRow::default()
        };
        orders::add_row(account, id, &input)?;
        if rng.random_range(0..5) != 0 {
            let units = quantity.trunc().to_i64().unwrap_or(1);
            stock::receive(account, row.product_id, order.warehouse_id, units)?;
        }
    }
    Ok(Some(id))
}

/// Refunds sales credit `credit_id` in full with the method its order was paid by, and
/// closes it. Returns the refund's payment id (`None` when nothing is owed).
pub(crate) fn refund_credit(
    account: &mut Account,
    credit_id: u64,
) -> Result<Option<u64>, ApiError> {
    let Some(credit) = account.orders.get(credit_id) else {
        return Ok(None);
    };
    let owed = outstanding(account, credit_id);
    if owed <= Decimal::ZERO {
        return Ok(None);
    }
    let parent = credit.parent_order_id;
    let method = account
        .accounting
        .customer_payments
        .values()
        .find(|p| p.order_id == parent)
        .map_or_else(
            || method_for(account, parent).to_string(),
            |p| p.payment_method_code.clone(),
        );
    let body = json!({
        "paymentMethodCode": method,
        "paymentType": "PAYMENT",
        "orderId": credit_id,
        "currencyIsoCode": credit.currency_code(),
        "amountPaid": owed.to_string(),
        "paymentDate": format_utc(account.now_ms()),
    });
    let payment = accounting::create_customer_payment(account, &body)?;
    orders::set_status(account, credit_id, status::CREDIT_COMPLETE, None)?;
    Ok(Some(payment))
}
