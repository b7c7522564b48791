//! Buying and moving stock, and pricing: purchase orders placed, received and paid, transfers
//! between warehouses, retail repricing.

use super::{outstanding, status};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::accounting;
use crate::brightpearl::account::catalogue::{
    COST_PRICE_LIST, FOREIGN_PRICE_LIST, PriceBreaks, RETAIL_PRICE_LIST, set_prices,
};
use crate::brightpearl::account::orders::{self, NewOrder, NewRow, OrderType};
use crate::brightpearl::account::stock::{self, Correction};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec4, format_utc};
use rand::Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

/// Orders `lines` (product, units) from `supplier` for `warehouse` at cost: a purchase order
/// placed with the supplier. Returns its id.
pub(crate) fn purchase<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    supplier: u64,
    warehouse: u64,
    lines: &[(u64, i64)],
) -> Result<u64, ApiError> {
    let mut order = NewOrder::new(OrderType::PurchaseOrder, supplier);
    order.reference = format!("PO-{}", rng.random_range(20000..99999));
    order.warehouse_id = Some(warehouse);
    order.price_list_id = Some(COST_PRICE_LIST);
    let id = orders::create_order_typed(account, &order)?;
    for &(product, units) in lines {
        let row = NewRow {
            product_id: Some(product),
            quantity: Decimal::from(units),
            ..NewRow::default()
        };
        orders::add_row(account, id, &row)?;
    }
    orders::set_status(account, id, status::PLACED_WITH_SUPPLIER, None)?;
    Ok(id)
}

/// Receives every row of purchase order `id` into its warehouse and marks it received.
pub(crate) fn receive_purchase(account: &mut Account, id: u64) -> Result<(), ApiError> {
    let Some(order) = account.orders.get(id) else {
        return Ok(());
    };
    let warehouse = order.warehouse_id;
    let lines: Vec<(u64, i64)> = order
        .order_rows
        .values()
        .map(|r| {
            (
                r.product_id,
                r.quantity.magnitude.0.trunc().to_i64().unwrap_or(0),
            )
        })
        .collect();
    for (product, units) in lines {
        stock::receive(account, product, warehouse, units)?;
    }
    orders::set_status(account, id, status::GOODS_RECEIVED, None)
}

/// Pays supplier for purchase order `id` in full by bank transfer.
pub(crate) fn pay_supplier(account: &mut Account, id: u64) -> Result<Option<u64>, ApiError> {
    let Some(order) = account.orders.get(id) else {
        return Ok(None);
    };
    let owed = outstanding(account, id);
    if owed <= Decimal::ZERO {
        return Ok(None);
    }
    let body = json!({
        "paymentMethodCode": "BANK",
        "paymentType": "PAYMENT",
        "orderId": id,
        "currencyIsoCode": order.currency_code(),
        "amountPaid": owed.to_string(),
        "paymentDate": format_utc(account.now_ms()),
    });
    accounting::create_supplier_payment(account, &body).map(Some)
}

/// Moves `units` of `product` from one warehouse to another: a stock correction out of the
/// first and one into the second at cost (the sandbox has no warehouse-transfer resource).
pub(crate) fn transfer(
    account: &mut Account,
    product: u64,
    from: u64,
    to: u64,
    units: i64,
) -> Result<(), ApiError> {
    let name = |account: &Account, id: u64| {
        account
            .stock
            .warehouse(id)
            .map_or_else(|| id.to_string(), |w| w.name.clone())
    };
    let (from_name, to_name) = (name(account, from), name(account, to));
    let cost = account
        .catalogue
        .price(product, COST_PRICE_LIST, Decimal::ONE)
        .unwrap_or_default();
    let base = account.settings.base_currency.clone();
    stock::correct(
        account,
        from,
        &[Correction {
            product_id: product,
            quantity: -units,
            reason: format!("Transfer to {to_name}"),
            location_id: None,
            cost: None,
        }],
    )?;
    stock::correct(
        account,
        to,
        &[Correction {
            product_id: product,
            quantity: units,
            reason: format!("Transfer from {from_name}"),
            location_id: None,
            cost: Some((base, cost)),
        }],
    )?;
    Ok(())
}

/// Multiplies `product`'s retail prices (both currencies) by `factor`, ending in .95 (dollars)
/// or .99 (pounds) as shops price; cost and trade prices stay. Returns the new dollar price.
pub(crate) fn reprice(
    account: &mut Account,
    product: u64,
    factor: Decimal,
) -> Result<Option<Decimal>, ApiError> {
    let Some(lists) = account.catalogue.prices.get(&product) else {
        return Ok(None);
    };
    let mut changes: Vec<(u64, PriceBreaks)> = Vec::new();
    let mut new_retail = None;
    for (list, ending) in [
        (RETAIL_PRICE_LIST, Decimal::new(5, 2)),
        (FOREIGN_PRICE_LIST, Decimal::new(1, 2)),
    ] {
        let Some(breaks) = lists.get(&list) else {
            continue;
        };
        let repriced: PriceBreaks = breaks
            .iter()
            .map(|(q, p)| (*q, Dec4::new(shop_price(p.0 * factor, ending))))
            .collect();
        if list == RETAIL_PRICE_LIST {
            new_retail = repriced.get(&1).map(|p| p.0);
        }
        changes.push((list, repriced));
    }
    if changes.is_empty() {
        return Ok(None);
    }
    set_prices(account, product, &changes)?;
    Ok(new_retail)
}

/// `value` rounded to a whole unit less `ending` (29.95, 24.99), never below `ending`.
pub(crate) fn shop_price(value: Decimal, ending: Decimal) -> Decimal {
    (value.round() - ending).max(ending)
}
