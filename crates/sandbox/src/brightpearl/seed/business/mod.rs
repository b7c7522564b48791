//! The retailer's day-to-day moves, shared by the demo history and the live activity simulator:
//! placing an order, taking a payment, making and working a goods-out note (`shipping`),
//! raising a credit (`returns`), buying and receiving stock, moving stock between warehouses
//! and repricing (`buying`). Each goes through the areas' own operations (so every rule,
//! derived status and webhook event is theirs) and works from what the account holds, so the
//! simulator can run on any account, demo or not.

mod buying;
mod returns;
mod shipping;

pub(crate) use buying::{pay_supplier, purchase, receive_purchase, reprice, shop_price, transfer};
pub(crate) use returns::{raise_credit, refund_credit};
pub(crate) use shipping::{advance_note, create_note, needs_note};

use crate::brightpearl::account::Account;
use crate::brightpearl::account::accounting;
use crate::brightpearl::account::catalogue::{
    FOREIGN_PRICE_LIST, RETAIL_PRICE_LIST, TRADE_PRICE_LIST,
};
use crate::brightpearl::account::contacts::{self, countries};
use crate::brightpearl::account::orders::{
    self, NewOrder, NewRow, OrderType, PaymentStatus, PriceMode, SalesOrderInput, ShippingStatus,
    status::StatusState,
};
use crate::brightpearl::account::stock::{MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE};
use crate::brightpearl::api::ApiError;
use rand::Rng;
use rust_decimal::Decimal;

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
/// a web order (status "New web order", made through the sales-order resource) or, when
/// `phone` or for a trade account, an order staff take (the generic order resource, row by
/// row). Returns the order id.
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
    let mut rows = Vec::with_capacity(chosen.len());
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
        rows.push(NewRow {
            product_id: Some(product),
            quantity: Decimal::from(quantity),
            tax_code: tax,
            discount_percentage: (!terms.discount.is_zero()).then_some(terms.discount),
            ..NewRow::default()
        });
    }
    if order.status_id == Some(status::WEB) {
        // The web store's connector creates its orders atomically through the sales-order
        // resource (so `sales-order.created` fires); staff build phone and trade orders row by
        // row through the generic order resource.
        let input = SalesOrderInput {
            order,
            rows: rows.into_iter().map(|row| (None, row)).collect(),
        };
        return orders::create_sales_order(account, &input);
    }
    let id = orders::create_order_typed(account, &order)?;
    for row in &rows {
        orders::add_row(account, id, row)?;
    }
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
