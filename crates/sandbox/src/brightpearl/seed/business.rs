//! The retailer's day-to-day moves, shared by the demo history and the live activity simulator:
//! placing an order, taking a payment, making and working a goods-out note, raising a credit,
//! buying and receiving stock, moving stock between warehouses and repricing. Each goes through
//! the areas' own operations (so every rule, derived status and webhook event is theirs) and
//! works from what the account holds, so the simulator can run on any account, demo or not.

use crate::brightpearl::account::Account;
use crate::brightpearl::account::accounting;
use crate::brightpearl::account::catalogue::{
    COST_PRICE_LIST, FOREIGN_PRICE_LIST, PriceBreaks, RETAIL_PRICE_LIST, TRADE_PRICE_LIST,
    set_prices,
};
use crate::brightpearl::account::contacts::{self, WAREHOUSE_STAFF_ID, countries};
use crate::brightpearl::account::goods_out::{self, EventCode, GoodsOutNote, NewNote};
use crate::brightpearl::account::orders::{
    self, NewOrder, NewRow, OrderType, PaymentStatus, PriceMode, ShippingStatus,
    status::StatusState,
};
use crate::brightpearl::account::stock::{
    self, Correction, MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE,
};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec4, format_utc};
use rand::Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

/// Status ids of the standard configuration the moves use.
pub(crate) mod status {
    /// A quote.
    pub const DRAFT: u64 = 1;
    /// A web order.
    pub const WEB: u64 = 2;
    /// A phone order.
    pub const PHONE: u64 = 3;
    /// Shipped and paid.
    pub const INVOICED: u64 = 4;
    /// Cancelled.
    pub const CANCELLED: u64 = 5;
    /// Ordered from the supplier.
    pub const PLACED_WITH_SUPPLIER: u64 = 7;
    /// Purchase received.
    pub const GOODS_RECEIVED: u64 = 8;
    /// Credit refunded.
    pub const CREDIT_COMPLETE: u64 = 11;
    /// Held for a query.
    pub const ON_HOLD: u64 = 14;
}

/// Where a customer buys: decides channel, price list, warehouse, tax and carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Market {
    /// US retail; West Coast customers ship from the West Coast warehouse.
    Us { west: bool },
    /// UK and Europe: the UK web store in pounds, from the UK warehouse.
    Uk { abroad: bool },
    /// Elsewhere: the US web store, shipped by DHL, tax-exempt exports.
    Export,
    /// A US trade account (trade price list).
    TradeUs,
    /// A UK trade account (UK price list less a trade discount).
    TradeUk,
}

/// What an order for a market looks like.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    pub channel: u64,
    pub price_list: u64,
    pub warehouse: u64,
    pub mode: PriceMode,
    /// Row tax code overriding the product's (VAT in the UK, Z for exports).
    pub tax: Option<&'static str>,
    pub discount: Decimal,
    pub trade: bool,
}

impl Market {
    /// The market of customer `id`, from its delivery address and price list; `None` for a
    /// contact that is not a customer or has no address to ship to.
    pub(crate) fn of(account: &Account, id: u64) -> Option<Market> {
        let record = account.contacts.contacts.get(&id)?;
        if !record.is_customer {
            return None;
        }
        let contact = &record.contact;
        let ids = contact.post_address_ids;
        let address = ids
            .delivery
            .or(ids.default)
            .and_then(|a| account.contacts.addresses.get(&a))?;
        let iso2 = countries::by_id(address.country_id).map_or("US", |c| c.iso2);
        let trade = contact.trade_status == "TRADE";
        Some(match (iso2, trade) {
            ("GB" | "IE" | "DE" | "NL" | "FR" | "NO", true) => Market::TradeUk,
            (_, true) => Market::TradeUs,
            ("US", _) => Market::Us {
                west: address.postal_code.starts_with(['8', '9']),
            },
            ("GB", _) => Market::Uk { abroad: false },
            ("IE" | "DE" | "NL" | "FR" | "NO", _) => Market::Uk { abroad: true },
            _ => Market::Export,
        })
    }

    /// The order terms of the market.
    pub(crate) fn terms(self) -> Terms {
        let us = |warehouse| Terms {
            channel: 1,
            price_list: RETAIL_PRICE_LIST,
            warehouse,
            mode: PriceMode::Exclusive,
            tax: None,
            discount: Decimal::ZERO,
            trade: false,
        };
        let uk = Terms {
            channel: 3,
            price_list: FOREIGN_PRICE_LIST,
            warehouse: UK_WAREHOUSE,
            mode: PriceMode::Inclusive,
            tax: Some("VAT"),
            discount: Decimal::ZERO,
            trade: false,
        };
        match self {
            Market::Us { west: true } => us(WEST_WAREHOUSE),
            Market::Us { west: false } => us(MAIN_WAREHOUSE),
            Market::Export => Terms {
                tax: Some("Z"),
                ..us(MAIN_WAREHOUSE)
            },
            Market::Uk { .. } => uk,
            Market::TradeUs => Terms {
                channel: 2,
                price_list: TRADE_PRICE_LIST,
                trade: true,
                ..us(MAIN_WAREHOUSE)
            },
            Market::TradeUk => Terms {
                discount: Decimal::from(30),
                trade: true,
                ..uk
            },
        }
    }

    /// A shipping method for an order of this market.
    fn shipping_method<R: Rng + ?Sized>(self, rng: &mut R) -> u64 {
        match self {
            Market::Us { .. } => match rng.random_range(0..100) {
                0..50 => 1,
                50..85 => 2,
                85..97 => 3,
                _ => 6,
            },
            Market::TradeUs => 2,
            Market::Uk { abroad: false } | Market::TradeUk => 4,
            Market::Uk { abroad: true } | Market::Export => 5,
        }
    }
}

/// A mixing hash of a product id: a stable popularity per product without storing one.
fn mix(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How often product `id` sells relative to others (a long tail: a few best sellers).
pub(crate) fn popularity(account: &Account, id: u64) -> u32 {
    let tracked = account
        .catalogue
        .product(id)
        .is_some_and(|p| p.stock_tracked());
    let h = (mix(id) % 100) as u32;
    if tracked { 1 + h * h / 400 } else { 1 }
}

/// The products an order on `price_list` may carry, with their popularity: live, priced on
/// the list, and (for pound lists) no dollar gift cards.
pub(crate) fn sellable(account: &Account, price_list: u64) -> Vec<(u64, u32)> {
    let catalogue = &account.catalogue;
    catalogue
        .products
        .values()
        .filter(|p| p.status == crate::brightpearl::account::catalogue::ProductStatus::Live)
        .filter(|p| {
            catalogue
                .prices
                .get(&p.id)
                .is_some_and(|l| l.contains_key(&price_list))
        })
        .filter(|p| price_list != FOREIGN_PRICE_LIST || !p.name().starts_with("Gift Card"))
        .map(|p| (p.id, popularity(account, p.id)))
        .collect()
}

/// One item of `weighted`, chosen in proportion to its weight.
pub(crate) fn pick_weighted<R: Rng + ?Sized, T: Copy>(
    rng: &mut R,
    weighted: &[(T, u32)],
) -> Option<T> {
    let total: u64 = weighted.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 {
        return None;
    }
    let mut at = rng.random_range(0..total);
    for (item, weight) in weighted {
        let weight = u64::from(*weight);
        if at < weight {
            return Some(*item);
        }
        at -= weight;
    }
    None
}

/// Places a sales order for `customer` with rows drawn from `candidates` (see [`sellable`]):
/// a web order (status "New web order") or, when `phone`, a phone order taken by sales staff.
/// Returns the order id.
pub(crate) fn place_order<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    customer: u64,
    phone: bool,
    candidates: &[(u64, u32)],
) -> Result<u64, ApiError> {
    let market = Market::of(account, customer).ok_or_else(|| {
        ApiError::bad_request(
            "DEMO-001",
            format!("contact {customer} is not a customer with an address"),
        )
    })?;
    let terms = market.terms();
    let mut order = NewOrder::new(OrderType::SalesOrder, customer);
    order.status_id = Some(match (terms.trade, phone) {
        (true, _) | (false, true) => status::PHONE,
        (false, false) => status::WEB,
    });
    order.price_list_id = Some(terms.price_list);
    order.price_mode = Some(terms.mode);
    order.warehouse_id = Some(terms.warehouse);
    order.shipping_method_id = market.shipping_method(rng);
    order.assignment.channel_id = terms.channel;
    if terms.trade {
        order.reference = format!("PO {}", rng.random_range(1000..99999));
        order.assignment.staff_owner_contact_id = contacts::SALES_STAFF_ID;
    } else if phone {
        order.reference = format!("PHONE-{}", rng.random_range(10000..99999));
        order.assignment.staff_owner_contact_id = contacts::SALES_STAFF_ID;
    } else {
        let number = rng.random_range(100_000..999_999);
        order.reference = format!("#{number}");
        order.external_ref = Some(format!("web-{number}"));
    }
    let lines = if terms.trade {
        rng.random_range(3..=9)
    } else {
        match rng.random_range(0..100) {
            0..52 => 1,
            52..82 => 2,
            82..95 => 3,
            _ => 4,
        }
    };
    let mut chosen: Vec<u64> = Vec::with_capacity(lines);
    for _ in 0..lines * 3 {
        if chosen.len() == lines {
            break;
        }
        if let Some(id) = pick_weighted(rng, candidates)
            && !chosen.contains(&id)
        {
            chosen.push(id);
        }
    }
    if chosen.is_empty() {
        return Err(ApiError::bad_request(
            "DEMO-002",
            "no products are priced on the customer's price list",
        ));
    }
    let id = orders::create_order_typed(account, &order)?;
    for product in chosen {
        let tracked = account
            .catalogue
            .product(product)
            .is_some_and(|p| p.stock_tracked());
        let quantity = match (terms.trade, tracked) {
            (true, true) => rng.random_range(2..=12),
            (_, false) => 1,
            (false, true) => {
                if rng.random_range(0..100) < 85 {
                    1
                } else {
                    rng.random_range(2..=3)
                }
            }
        };
        let product_tax = account
            .catalogue
            .product(product)
            .map(|p| p.tax_code().code.clone());
        // Untaxed goods (gift cards) keep their own code; the market's code replaces the rest.
        let tax = match (terms.tax, product_tax.as_deref()) {
            (_, Some("N")) => None,
            (tax, _) => tax.map(str::to_string),
        };
        let row = NewRow {
            product_id: Some(product),
            quantity: Decimal::from(quantity),
            tax_code: tax,
            discount_percentage: (!terms.discount.is_zero()).then_some(terms.discount),
            ..NewRow::default()
        };
        orders::add_row(account, id, &row)?;
    }
    let now = account.now();
    contacts::note_order_placed(account, customer, now);
    Ok(id)
}

/// What is still owed on order `id` (its total less the money received).
pub(crate) fn outstanding(account: &Account, id: u64) -> Decimal {
    let Some(order) = account.orders.get(id) else {
        return Decimal::ZERO;
    };
    let paid = account
        .orders
        .amount_paid
        .get(&id)
        .copied()
        .unwrap_or_default();
    (order.total_value.total.0 - paid).max(Decimal::ZERO)
}

/// The payment method a customer of `order` pays with: trade accounts by bank transfer,
/// others by card or PayPal (decided by the order id, so an order's payments agree).
pub(crate) fn method_for(account: &Account, order_id: u64) -> &'static str {
    // Trade orders come through the wholesale channel or carry the trade discount.
    let trade = account.orders.get(order_id).is_some_and(|o| {
        o.assignment.current.channel_id == 2
            || o.order_rows
                .values()
                .any(|r| !r.discount_percentage.0.is_zero())
    });
    if trade {
        "BANK"
    } else if mix(order_id).is_multiple_of(4) {
        "PAYPAL"
    } else {
        "CARD"
    }
}

/// Takes a payment of `share` (0 to 1) of what is owed on `order_id` (all of it when `share`
/// is 1). Returns the payment id, or `None` when nothing is owed.
pub(crate) fn pay(
    account: &mut Account,
    order_id: u64,
    share: Decimal,
) -> Result<Option<u64>, ApiError> {
    let owed = outstanding(account, order_id);
    let amount = if share >= Decimal::ONE {
        owed
    } else {
        (owed * share).round_dp(2)
    };
    if amount <= Decimal::ZERO {
        return Ok(None);
    }
    let method = method_for(account, order_id);
    accounting::create_payment(account, order_id, method, amount, None).map(Some)
}

/// The stock-tracked rows of sales order `id` with the units no goods-out note carries yet,
/// from the fulfilment the goods-out area reports to the order (a look-up, where asking the
/// notes would scan every note of the account).
fn units_off_notes(account: &Account, id: u64) -> Vec<(u64, u64, i64)> {
    let Some(order) = account.orders.get(id) else {
        return Vec::new();
    };
    if order.order_type_code != OrderType::SalesOrder
        || order.shipping_status_code == ShippingStatus::NoStockTracked
    {
        return Vec::new();
    }
    let fulfilment = account.orders.fulfilment.get(&id);
    order
        .order_rows
        .iter()
        .filter(|(_, row)| {
            account
                .catalogue
                .product(row.product_id)
                .is_some_and(|p| p.stock_tracked())
        })
        .filter_map(|(row_id, row)| {
            let on_notes = fulfilment
                .and_then(|f| f.get(row_id))
                .map_or(Decimal::ZERO, |f| f.allocated);
            let left = (row.quantity.magnitude.0 - on_notes)
                .trunc()
                .to_i64()
                .unwrap_or(0);
            (left > 0).then_some((*row_id, row.product_id, left))
        })
        .collect()
}

/// Whether sales order `id` still has stock-tracked units that no goods-out note carries.
pub(crate) fn needs_note(account: &Account, id: u64) -> bool {
    !units_off_notes(account, id).is_empty()
}

/// Makes a goods-out note for what the order's warehouse can supply now of the units no note
/// carries yet (a part shipment when stock is short). `None` when nothing can go.
pub(crate) fn create_note(account: &mut Account, order_id: u64) -> Result<Option<u64>, ApiError> {
    let Some(warehouse) = account.orders.get(order_id).map(|o| o.warehouse_id) else {
        return Ok(None);
    };
    let rows: Vec<(u64, i64)> = units_off_notes(account, order_id)
        .into_iter()
        .filter_map(|(row_id, product, wanted)| {
            let quantity = wanted.min(account.stock.available(product, warehouse));
            (quantity > 0).then_some((row_id, quantity))
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let note = NewNote {
        warehouse_id: warehouse,
        rows,
        release_date_ms: None,
        priority: false,
        shipping_method_id: None,
        label_uri: None,
    };
    goods_out::create_goods_out_note(account, order_id, note).map(Some)
}

/// The next lifecycle event of `note` (printed, picked, packed, shipped), `None` once shipped.
pub(crate) fn next_stage(note: &GoodsOutNote) -> Option<EventCode> {
    let s = &note.status;
    if s.shipped {
        None
    } else if !s.printed {
        Some(EventCode::Printed)
    } else if !s.picked {
        Some(EventCode::Picked)
    } else if !s.packed {
        Some(EventCode::Packed)
    } else {
        Some(EventCode::Shipped)
    }
}

/// The staff member who works in `warehouse` (the warehouse manager when none is named).
fn warehouse_staff(account: &Account, warehouse: u64) -> u64 {
    let wanted = super::names::STAFF
        .iter()
        .find(|s| s.3 == warehouse && s.2.contains("Warehouse"));
    wanted
        .and_then(|(first, last, _, _)| {
            account.contacts.contacts.values().find(|r| {
                let c = &r.contact;
                c.relationship_to_account.is_staff && c.first_name == *first && c.last_name == *last
            })
        })
        .map_or(WAREHOUSE_STAFF_ID, |r| r.contact.contact_id)
}

/// A tracking reference in the form `method`'s carrier uses; `None` for collections.
pub(crate) fn tracking_reference<R: Rng + ?Sized>(rng: &mut R, method: u64) -> Option<String> {
    let digits = |rng: &mut R, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect()
    };
    Some(match method {
        1 => format!("9400{}", digits(rng, 18)),
        2 => format!("1Z{}{}", digits(rng, 3).replace('0', "A"), digits(rng, 13)),
        3 => digits(rng, 12),
        4 => format!(
            "{}{}{}GB",
            char::from(b'A' + rng.random_range(0..26u8)),
            char::from(b'A' + rng.random_range(0..26u8)),
            digits(rng, 9)
        ),
        5 => digits(rng, 10),
        _ => return None,
    })
}

/// Moves `note_id` on by one stage. Shipping first puts the tracking reference, box count and
/// weight on the note (a `goods-out-note.modified`), then adds SHW. Returns the event added.
pub(crate) fn advance_note<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    note_id: u64,
) -> Result<Option<EventCode>, ApiError> {
    let Some(note) = account.goods_out.get(note_id) else {
        return Ok(None);
    };
    let Some(code) = next_stage(note) else {
        return Ok(None);
    };
    let owner = warehouse_staff(account, note.warehouse_id);
    if code == EventCode::Shipped {
        let method = note.shipping.shipping_method_id;
        let units: i64 = note.order_rows.values().flatten().map(|l| l.quantity).sum();
        let weight: f64 = note
            .order_rows
            .values()
            .flatten()
            .map(|l| {
                let each = account
                    .catalogue
                    .product(l.product_id)
                    .map_or(0.5, |p| p.stock.weight.magnitude);
                each * l.quantity as f64
            })
            .sum();
        let mut shipping =
            json!({"boxes": 1 + units / 6, "weight": format!("{:.2}", weight.max(0.1))});
        if let Some(reference) = tracking_reference(rng, method) {
            shipping["reference"] = json!(reference);
        }
        goods_out::update_goods_out_note(account, note_id, &json!({"shipping": shipping}))?;
    }
    goods_out::add_event(account, note_id, code, owner, None)?;
    Ok(Some(code))
}

/// Moves a sales order to "Invoiced" once it is paid and everything has shipped. Returns
/// whether it moved.
pub(crate) fn complete_if_done(account: &mut Account, order_id: u64) -> Result<bool, ApiError> {
    let Some(order) = account.orders.get(order_id) else {
        return Ok(false);
    };
    let open = matches!(
        order.order_status.order_status_id,
        status::WEB | status::PHONE
    );
    let shipped = matches!(
        order.shipping_status_code,
        ShippingStatus::AllShipped | ShippingStatus::NoStockTracked
    );
    let paid = order.order_payment_status == PaymentStatus::Paid;
    if order.order_type_code != OrderType::SalesOrder
        || !open
        || !shipped
        || !paid
        || order.order_rows.is_empty()
    {
        return Ok(false);
    }
    orders::set_status(account, order_id, status::INVOICED, None)?;
    Ok(true)
}

/// Whether order `id` may still be cancelled: an open sales order with no payment and no note.
pub(crate) fn cancellable(account: &Account, id: u64) -> bool {
    let Some(order) = account.orders.get(id) else {
        return false;
    };
    let state = account
        .orders
        .status(order.order_status.order_status_id)
        .map(|s| s.state);
    order.order_type_code == OrderType::SalesOrder
        && state == Some(StatusState::Open)
        && !account.orders.amount_paid.contains_key(&id)
        && account.goods_out.of_order(id).next().is_none()
}

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
