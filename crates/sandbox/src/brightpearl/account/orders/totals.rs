//! The arithmetic of an order: row net and tax from a price or a given net, the order totals,
//! and the derived status codes (payment from the total and the money received; stock,
//! allocation and shipping from the stock-tracked rows and what goods-out notes hold).
//!
//! Rounding is half away from zero: row net to 4 places, row tax and totals to 2 (recorded:
//! price 10.00 INC at 10% → net 9.0909, tax 0.91, total 10.00; net 200 at 13% → tax 26.00).
//! INFERRED where the reference is silent: base amounts are order amounts divided by the
//! exchange rate (units of order currency per base unit); the order totals are the rounded sum
//! of row nets plus the sum of row taxes.

use super::RowFulfilment;
use super::codes::{AllocationStatus, OrderType, PaymentStatus, ShippingStatus, StockStatus};
use super::model::{Order, TotalValue};
use crate::brightpearl::wire::Dec2;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;

/// `value` rounded half away from zero to `places`.
pub fn round(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// Tax on `net` at `rate` percent, 2 places; `None` when it leaves the decimal range.
pub fn tax_on(net: Decimal, rate: Decimal) -> Option<Decimal> {
    Some(round(
        net.checked_mul(rate)?.checked_div(Decimal::ONE_HUNDRED)?,
        2,
    ))
}

/// Net and tax of `quantity` units at `unit_price` less `discount` percent, where the price
/// includes tax (`inclusive`) or not; `None` when the amounts leave the decimal range.
pub fn from_price(
    quantity: Decimal,
    unit_price: Decimal,
    discount: Decimal,
    rate: Decimal,
    inclusive: bool,
) -> Option<(Decimal, Decimal)> {
    let amount = quantity
        .checked_mul(unit_price)?
        .checked_mul(Decimal::ONE_HUNDRED - discount)?
        .checked_div(Decimal::ONE_HUNDRED)?;
    if inclusive {
        let net = round(
            amount
                .checked_mul(Decimal::ONE_HUNDRED)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(rate)?)?,
            4,
        );
        Some((net, round(amount.checked_sub(net)?, 2)))
    } else {
        let net = round(amount, 4);
        Some((net, tax_on(net, rate)?))
    }
}

/// The totals of `order` from its rows and exchange rate.
pub fn totals(order: &Order) -> TotalValue {
    // Row sizes are bounded when rows are written; saturating keeps a loaded record from
    // panicking all the same.
    let sum = |value: fn(&super::model::OrderRow) -> Decimal| {
        order
            .order_rows
            .values()
            .fold(Decimal::ZERO, |acc, r| acc.saturating_add(value(r)))
    };
    let net_sum = sum(|r| r.row_value.row_net.value.0);
    let tax_sum = sum(|r| r.row_value.row_tax.value.0);
    let net = round(net_sum, 2);
    let tax = round(tax_sum, 2);
    let rate = order.currency.exchange_rate.0;
    let base = |value: Decimal| {
        if rate.is_zero() {
            value
        } else {
            value.checked_div(rate).map_or(value, |v| round(v, 2))
        }
    };
    let (base_net, base_tax) = (base(net), base(tax));
    TotalValue {
        net: Dec2::new(net),
        tax_amount: Dec2::new(tax),
        base_net: Dec2::new(base_net),
        base_tax_amount: Dec2::new(base_tax),
        base_total: Dec2::new(base_net.saturating_add(base_tax)),
        total: Dec2::new(net.saturating_add(tax)),
    }
}

/// The payment status of an order totalling `total` after `paid` was received: nothing to pay
/// is NOT_APPLICABLE (recorded for a new order, and for order 320 whose total is 0), then
/// UNPAID, PARTIALLY_PAID, PAID.
pub fn payment_status(total: Decimal, paid: Decimal) -> PaymentStatus {
    if paid <= Decimal::ZERO {
        if total.is_zero() {
            PaymentStatus::NotApplicable
        } else {
            PaymentStatus::Unpaid
        }
    } else if paid < total.abs() {
        PaymentStatus::PartiallyPaid
    } else {
        PaymentStatus::Paid
    }
}

/// The stock, allocation and shipping codes of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockCodes {
    /// `stockStatusCode`.
    pub stock: StockStatus,
    /// `allocationStatusCode`.
    pub allocation: AllocationStatus,
    /// `shippingStatusCode`.
    pub shipping: ShippingStatus,
}

/// None, part or all of `want`, measured by `have`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Share {
    None,
    Part,
    All,
}

fn share(have: Decimal, want: Decimal) -> Share {
    if have <= Decimal::ZERO {
        Share::None
    } else if have < want {
        Share::Part
    } else {
        Share::All
    }
}

/// The codes of `order` given which products are stock-tracked and what goods-out notes hold
/// per row. Without stock-tracked rows: NON / ANR / NST (recorded for a new order). Sales
/// orders measure allocation and shipping against the tracked quantity; purchases start at
/// PON / ANR / SNS (recorded for PO 312) and stay there, as goods-in is not emulated; credits
/// (INFERRED) report NON / ANR and SNS until fulfilment says otherwise.
pub fn stock_codes(
    order: &Order,
    is_tracked: &dyn Fn(u64) -> bool,
    fulfilment: Option<&BTreeMap<u64, RowFulfilment>>,
) -> StockCodes {
    let mut wanted = Decimal::ZERO;
    let mut allocated = Decimal::ZERO;
    let mut shipped = Decimal::ZERO;
    let mut any_tracked = false;
    for (row_id, row) in &order.order_rows {
        if row.composition.bundle_parent || !is_tracked(row.product_id) {
            continue;
        }
        any_tracked = true;
        let quantity = row.quantity.magnitude.0.abs();
        wanted += quantity;
        if let Some(f) = fulfilment.and_then(|f| f.get(row_id)) {
            allocated += f.allocated.min(quantity);
            shipped += f.shipped.min(quantity);
        }
    }
    if !any_tracked {
        return StockCodes {
            stock: StockStatus::Unset,
            allocation: AllocationStatus::NotRequired,
            shipping: ShippingStatus::NoStockTracked,
        };
    }
    let shipping = match share(shipped, wanted) {
        Share::None => ShippingStatus::NotShipped,
        Share::Part => ShippingStatus::PartShipped,
        Share::All => ShippingStatus::AllShipped,
    };
    match order.order_type_code {
        OrderType::SalesOrder => {
            let (stock, allocation) = match share(allocated, wanted) {
                Share::None => (StockStatus::SalesNone, AllocationStatus::NoneAllocated),
                Share::Part => (StockStatus::SalesPart, AllocationStatus::PartAllocated),
                Share::All => (StockStatus::SalesAll, AllocationStatus::AllAllocated),
            };
            StockCodes {
                stock,
                allocation,
                shipping,
            }
        }
        OrderType::PurchaseOrder => StockCodes {
            stock: StockStatus::PurchaseNone,
            allocation: AllocationStatus::NotRequired,
            shipping,
        },
        OrderType::SalesCredit | OrderType::PurchaseCredit => StockCodes {
            stock: StockStatus::Unset,
            allocation: AllocationStatus::NotRequired,
            shipping,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn recorded_row_arithmetic() {
        // order_get_one: price 10 INC at 10% → net 9.0909, tax 0.91.
        let (net, tax) = from_price(dec("1"), dec("10"), dec("0"), dec("10"), true).unwrap();
        assert_eq!((net, tax), (dec("9.0909"), dec("0.91")));
        // order_row_patch: net 200 at 13% → 26.00.
        assert_eq!(tax_on(dec("200"), dec("13")), Some(dec("26.00")));
        // order_get_one_po: 4 × 100 EXC at 13% → 400, 52.
        let (net, tax) = from_price(dec("4"), dec("100"), dec("0"), dec("13"), false).unwrap();
        assert_eq!((net, tax), (dec("400"), dec("52")));
        let (net, _) = from_price(dec("2"), dec("10"), dec("25"), dec("0"), false).unwrap();
        assert_eq!(net, dec("15"));
        assert_eq!(
            from_price(Decimal::MAX, dec("10"), dec("0"), dec("0"), false),
            None
        );
    }

    #[test]
    fn payment_status_follows_total_and_money() {
        assert_eq!(
            payment_status(dec("0"), dec("0")),
            PaymentStatus::NotApplicable
        );
        assert_eq!(payment_status(dec("10"), dec("0")), PaymentStatus::Unpaid);
        assert_eq!(
            payment_status(dec("10"), dec("4")),
            PaymentStatus::PartiallyPaid
        );
        assert_eq!(payment_status(dec("10"), dec("10")), PaymentStatus::Paid);
        assert_eq!(payment_status(dec("10"), dec("12")), PaymentStatus::Paid);
    }
}
