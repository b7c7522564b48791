//! The simulator's actions: each finds something to do in the account as it stands (an unpaid
//! order, a note waiting to be picked, stock running low) and does it through the areas' own
//! operations, so it raises exactly the webhook events a client's write would. An action
//! that finds nothing to do answers `Ok(None)`.

use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::{self, ProductStatus};
use crate::brightpearl::account::orders::{self, OrderType, PaymentStatus, ShippingStatus};
use crate::brightpearl::account::stock::{
    self, Correction, MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE,
};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::parse_patch;
use crate::brightpearl::seed::business::{self, Market, status};
use crate::brightpearl::seed::{customers, ean13};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

/// What an action did, `None` when it found nothing to do.
pub(super) type Done = Result<Option<Json>, ApiError>;

fn money(value: Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

/// Customers who can order (a customer with an address), split into retail and trade.
fn customers_who_order(account: &Account) -> (Vec<u64>, Vec<u64>) {
    let mut retail = Vec::new();
    let mut trade = Vec::new();
    for id in account.contacts.contacts.keys() {
        match Market::of(account, *id) {
            Some(m) if m.terms().trade => trade.push(*id),
            Some(_) => retail.push(*id),
            None => {}
        }
    }
    (retail, trade)
}

/// A customer orders: now and then a new customer signing up at checkout, sometimes by phone,
/// sometimes a trade account.
pub(super) fn order_placed<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let (retail, trade) = customers_who_order(account);
    let (customer, new_customer) =
        if rng.random_range(0..100) < 15 || retail.is_empty() && trade.is_empty() {
            (customers::new_retail_customer(account, rng)?, true)
        } else if rng.random_range(0..100) < 8 && !trade.is_empty() {
            (trade[rng.random_range(0..trade.len())], false)
        } else {
            match retail.choose(rng).or(trade.first()) {
                Some(id) => (*id, false),
                None => return Ok(None),
            }
        };
    let Some(market) = Market::of(account, customer) else {
        // A sign-up without an address: it orders another day.
        return Ok(Some(
            json!({"contactId": customer, "newCustomer": true, "orderId": null}),
        ));
    };
    let terms = market.terms();
    let candidates = business::sellable(account, terms.price_list);
    if candidates.is_empty() {
        return Ok(None);
    }
    let phone = !terms.trade && rng.random_range(0..100) < 8;
    let id = business::place_order(account, rng, customer, phone, &candidates)?;
    let order = account.orders.get(id);
    Ok(Some(json!({
        "orderId": id,
        "contactId": customer,
        "newCustomer": new_customer,
        "rows": order.map_or(0, |o| o.order_rows.len()),
        "total": order.map(|o| money(o.total_value.total.0)),
        "currency": order.map(|o| o.currency_code().to_string()),
    })))
}

/// A customer pays: the whole balance, or a deposit on an unpaid order.
pub(super) fn order_paid<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let owing: Vec<u64> = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .filter(|o| {
            matches!(
                o.order_status.order_status_id,
                status::WEB | status::PHONE | status::ON_HOLD
            )
        })
        .filter(|o| {
            matches!(
                o.order_payment_status,
                PaymentStatus::Unpaid | PaymentStatus::PartiallyPaid
            )
        })
        .map(|o| o.id)
        .collect();
    let Some(&id) = owing.choose(rng) else {
        return Ok(None);
    };
    let unpaid = account
        .orders
        .get(id)
        .is_some_and(|o| o.order_payment_status == PaymentStatus::Unpaid);
    let share = if unpaid && rng.random_range(0..100) < 15 {
        Decimal::new(5, 1)
    } else {
        Decimal::ONE
    };
    let amount = business::outstanding(account, id);
    let Some(payment) = business::pay(account, id, share)? else {
        return Ok(None);
    };
    let completed = business::complete_if_done(account, id)?;
    let order = account.orders.get(id);
    Ok(Some(json!({
        "orderId": id,
        "paymentId": payment,
        "amount": money(if share < Decimal::ONE { amount * share } else { amount }),
        "paymentStatus": order.map(|o| o.order_payment_status),
        "completed": completed,
    })))
}

/// Orders the warehouse may start on: open sales orders, paid (or on a trade account), with
/// stock-tracked units no note carries yet.
fn ready_to_ship(account: &Account) -> Vec<u64> {
    account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .filter(|o| matches!(o.order_status.order_status_id, status::WEB | status::PHONE))
        .filter(|o| {
            o.order_payment_status == PaymentStatus::Paid
                || o.assignment.current.channel_id == 2
                || o.order_rows
                    .values()
                    .any(|r| !r.discount_percentage.0.is_zero())
        })
        .filter(|o| o.shipping_status_code != ShippingStatus::AllShipped)
        .map(|o| o.id)
        .filter(|id| business::needs_note(account, *id))
        .collect()
}

/// Makes a goods-out note for an order that can ship; `None` when none can.
fn make_note<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
) -> Result<Option<(u64, u64)>, ApiError> {
    let mut orders = ready_to_ship(account);
    orders.shuffle(rng);
    for order in orders.into_iter().take(25) {
        if let Some(note) = business::create_note(account, order)? {
            return Ok(Some((order, note)));
        }
    }
    Ok(None)
}

/// The warehouse releases a paid order for picking: a goods-out note allocating the stock.
pub(super) fn goods_out_created<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let Some((order, note)) = make_note(account, rng)? else {
        return Ok(None);
    };
    let record = account.goods_out.get(note);
    Ok(Some(json!({
        "orderId": order,
        "goodsOutNoteId": note,
        "warehouseId": record.map(|n| n.warehouse_id),
        "units": record.map_or(0, |n| n.order_rows.values().flatten().map(|l| l.quantity).sum::<i64>()),
    })))
}

fn note_result(account: &Account, note: u64, events: &[&str]) -> Json {
    let record = account.goods_out.get(note);
    json!({
        "goodsOutNoteId": note,
        "orderId": record.map(|n| n.order_id),
        "events": events,
        "trackingReference": record.map(|n| n.shipping.reference.clone()).filter(|r| !r.is_empty()),
        "orderShippingStatus": record.and_then(|n| account.orders.get(n.order_id)).map(|o| o.shipping_status_code),
    })
}

fn unshipped_notes(account: &Account) -> Vec<u64> {
    account
        .goods_out
        .notes
        .iter()
        .filter(|(_, n)| !n.status.shipped)
        .map(|(id, _)| *id)
        .collect()
}

/// One goods-out note moves on one stage: printed, picked, packed or shipped (with tracking).
pub(super) fn goods_out_progressed<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let notes = unshipped_notes(account);
    let Some(&note) = notes.choose(rng) else {
        return Ok(None);
    };
    let Some(code) = business::advance_note(account, rng, note)? else {
        return Ok(None);
    };
    if let Some(order) = account.goods_out.get(note).map(|n| n.order_id) {
        business::complete_if_done(account, order)?;
    }
    Ok(Some(note_result(account, note, &[code.code()])))
}

/// A goods-out note goes all the way: made if none is waiting, then printed, picked, packed
/// and shipped with a tracking reference, each stage its own event.
pub(super) fn goods_out_shipped<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let waiting = unshipped_notes(account);
    let (note, created) = match waiting.choose(rng) {
        Some(note) => (*note, false),
        None => match make_note(account, rng)? {
            Some((_, note)) => (note, true),
            None => return Ok(None),
        },
    };
    let mut codes = Vec::new();
    while let Some(code) = business::advance_note(account, rng, note)? {
        codes.push(code.code());
    }
    if let Some(order) = account.goods_out.get(note).map(|n| n.order_id) {
        business::complete_if_done(account, order)?;
    }
    let mut result = note_result(account, note, &codes);
    result["created"] = json!(created);
    Ok(Some(result))
}

/// Tracked, live products at or below their reorder level in a warehouse: (product,
/// warehouse, reorder quantity, supplier).
fn low_stock(account: &Account) -> Vec<(u64, u64, i64, Option<u64>)> {
    let mut out = Vec::new();
    for p in account.catalogue.products.values() {
        if !p.stock_tracked() || p.status != ProductStatus::Live {
            continue;
        }
        for (warehouse, settings) in &p.warehouses {
            if settings.reorder_level > 0
                && account.stock.available(p.id, *warehouse) <= settings.reorder_level
            {
                out.push((
                    p.id,
                    *warehouse,
                    settings.reorder_quantity.max(1),
                    p.primary_supplier_id,
                ));
            }
        }
    }
    out
}

/// Stock arrives: an open purchase order is received, or (with none open) a delivery is
/// booked in by stock correction for a line running low.
pub(super) fn stock_received<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let open: Vec<u64> = account
        .orders
        .orders
        .values()
        .filter(|o| {
            o.order_type_code == OrderType::PurchaseOrder
                && o.order_status.order_status_id == status::PLACED_WITH_SUPPLIER
        })
        .map(|o| o.id)
        .collect();
    if let Some(&order) = open.choose(rng) {
        business::receive_purchase(account, order)?;
        let po = account.orders.get(order);
        return Ok(Some(json!({
            "purchaseOrderId": order,
            "warehouseId": po.map(|o| o.warehouse_id),
            "products": po.map(|o| o.order_rows.values().map(|r| r.product_id).collect::<Vec<_>>()),
        })));
    }
    let low = low_stock(account);
    let (product, warehouse, units) = match low.choose(rng) {
        Some((product, warehouse, units, _)) => (*product, *warehouse, *units),
        None => {
            let tracked: Vec<u64> = account
                .catalogue
                .products
                .values()
                .filter(|p| p.stock_tracked() && p.status == ProductStatus::Live)
                .map(|p| p.id)
                .collect();
            match tracked.choose(rng) {
                Some(id) => (*id, MAIN_WAREHOUSE, rng.random_range(5..=20)),
                None => return Ok(None),
            }
        }
    };
    let cost = account
        .catalogue
        .price(product, catalogue::COST_PRICE_LIST, Decimal::ONE)
        .unwrap_or_default();
    let currency = account.settings.base_currency.clone();
    let ids = stock::correct(
        account,
        warehouse,
        &[Correction {
            product_id: product,
            quantity: units,
            reason: "Delivery booked in without a purchase order".into(),
            location_id: None,
            cost: Some((currency, cost)),
        }],
    )?;
    Ok(Some(
        json!({"productId": product, "warehouseId": warehouse, "units": units, "goodsMovementIds": ids}),
    ))
}

/// The buyer orders low stock from its supplier: one purchase order, not yet received.
pub(super) fn purchase_ordered<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let on_order: Vec<(u64, u64)> = account
        .orders
        .orders
        .values()
        .filter(|o| {
            o.order_type_code == OrderType::PurchaseOrder
                && o.order_status.order_status_id == status::PLACED_WITH_SUPPLIER
        })
        .flat_map(|o| {
            o.order_rows
                .values()
                .map(move |r| (r.product_id, o.warehouse_id))
        })
        .collect();
    let low: Vec<_> = low_stock(account)
        .into_iter()
        .filter(|(p, w, _, s)| s.is_some() && !on_order.contains(&(*p, *w)))
        .collect();
    let Some(&(_, warehouse, _, supplier)) = low.choose(rng) else {
        return Ok(None);
    };
    let Some(supplier) = supplier else {
        return Ok(None);
    };
    let lines: Vec<(u64, i64)> = low
        .iter()
        .filter(|(_, w, _, s)| *w == warehouse && *s == Some(supplier))
        .take(12)
        .map(|(p, _, q, _)| (*p, *q))
        .collect();
    let order = business::purchase(account, rng, supplier, warehouse, &lines)?;
    Ok(Some(
        json!({"purchaseOrderId": order, "supplierId": supplier, "warehouseId": warehouse, "lines": lines.len()}),
    ))
}

/// Stock moves between warehouses: a line low in the West Coast or UK warehouse is topped up
/// from the main warehouse.
pub(super) fn stock_moved<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let spare = |account: &Account, product: u64| {
        let level = account
            .catalogue
            .product(product)
            .and_then(|p| p.warehouses.get(&MAIN_WAREHOUSE))
            .map_or(0, |w| w.reorder_level);
        account.stock.available(product, MAIN_WAREHOUSE) - level
    };
    let mut moves: Vec<(u64, u64, i64)> = low_stock(account)
        .into_iter()
        .filter(|(_, w, _, _)| *w == WEST_WAREHOUSE || *w == UK_WAREHOUSE)
        .filter(|(p, _, q, _)| spare(account, *p) >= *q)
        .map(|(p, w, q, _)| (p, w, q))
        .collect();
    if moves.is_empty() {
        moves = account
            .stock
            .levels
            .keys()
            .filter(|p| spare(account, **p) >= 10)
            .map(|p| (*p, WEST_WAREHOUSE, 3))
            .collect();
    }
    let Some(&(product, to, units)) = moves.choose(rng) else {
        return Ok(None);
    };
    business::transfer(account, product, MAIN_WAREHOUSE, to, units)?;
    Ok(Some(
        json!({"productId": product, "fromWarehouseId": MAIN_WAREHOUSE, "toWarehouseId": to, "units": units}),
    ))
}

/// A product's retail prices change (both currencies) by up to 15% either way.
pub(super) fn product_repriced<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let priced = business::sellable(account, catalogue::RETAIL_PRICE_LIST);
    let Some(&(product, _)) = priced.choose(rng) else {
        return Ok(None);
    };
    let mut percent = rng.random_range(85..=115);
    if percent == 100 {
        percent = 110;
    }
    let Some(price) = business::reprice(account, product, Decimal::new(percent, 2))? else {
        return Ok(None);
    };
    let sku = account
        .catalogue
        .product(product)
        .map(|p| p.sku().to_string());
    Ok(Some(
        json!({"productId": product, "sku": sku, "retailPrice": money(price), "changePercent": percent - 100}),
    ))
}

/// A customer returns goods from a shipped, paid order: a sales credit, restocked and refunded.
pub(super) fn credit_raised<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let credited: Vec<u64> = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesCredit)
        .map(|o| o.parent_order_id)
        .collect();
    let shipped: Vec<u64> = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .filter(|o| {
            o.shipping_status_code == ShippingStatus::AllShipped
                && o.order_payment_status == PaymentStatus::Paid
        })
        .map(|o| o.id)
        .filter(|id| !credited.contains(id))
        .collect();
    let Some(&order) = shipped.choose(rng) else {
        return Ok(None);
    };
    let Some(credit) = business::raise_credit(account, rng, order)? else {
        return Ok(None);
    };
    let refund = business::refund_credit(account, credit)?;
    let total = account
        .orders
        .get(credit)
        .map(|o| money(o.total_value.total.0));
    Ok(Some(
        json!({"orderId": order, "creditId": credit, "refundPaymentId": refund, "total": total}),
    ))
}

fn customer_ids(account: &Account) -> Vec<u64> {
    account
        .contacts
        .contacts
        .iter()
        .filter(|(_, r)| r.is_customer && !r.contact.relationship_to_account.is_staff)
        .map(|(id, _)| *id)
        .collect()
}

/// Someone signs up; one time in seven it is a customer registering a second time.
pub(super) fn customer_created<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    if rng.random_range(0..7) == 0
        && let Some(&original) = customer_ids(account).choose(rng)
        && let Some(id) = customers::near_duplicate(account, rng, original)?
    {
        return Ok(Some(json!({"contactId": id, "nearDuplicateOf": original})));
    }
    let id = customers::new_retail_customer(account, rng)?;
    Ok(Some(json!({"contactId": id})))
}

/// A customer changes a phone number, an email, an address or a newsletter choice, or staff
/// tidy a name.
pub(super) fn customer_updated<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let Some(&id) = customer_ids(account).choose(rng) else {
        return Ok(None);
    };
    customers::edit_customer(account, rng, id).map(Some)
}

/// A new colourway of an existing style joins the range, priced like its siblings.
pub(super) fn product_created<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    const NEW_COLOURS: &[(&str, &str)] = &[
        ("Sunset Orange", "SOR"),
        ("Alpine White", "AWH"),
        ("Storm Grey", "STG"),
        ("Pine Green", "PNG"),
        ("Dusk Purple", "DPR"),
    ];
    let styled: Vec<u64> = account
        .catalogue
        .custom_fields
        .iter()
        .filter(|(_, f)| f.contains_key("PCF_COLOUR"))
        .map(|(id, _)| *id)
        .filter(|id| {
            account
                .catalogue
                .product(*id)
                .is_some_and(|p| p.status == ProductStatus::Live)
        })
        .collect();
    let Some(&model) = styled.choose(rng) else {
        return Ok(None);
    };
    let Some(original) = account.catalogue.product(model).cloned() else {
        return Ok(None);
    };
    let (colour, code) = NEW_COLOURS[rng.random_range(0..NEW_COLOURS.len())];
    let sku = format!("{}-{code}", original.sku());
    if account.catalogue.products.values().any(|p| p.sku() == sku) {
        return Ok(None);
    }
    let last = account
        .catalogue
        .products
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let channel = original.channel().cloned();
    let mut body = json!({
        "brandId": original.brand_id,
        "identity": {"sku": sku, "barcode": ean13(5_000_000 + last + 1)},
        "stock": {"stockTracked": original.stock_tracked(), "weight": {"magnitude": original.stock.weight.magnitude}},
        "financialDetails": {"taxable": original.financial_details.taxable, "taxCode": {"id": original.tax_code().id}},
        "salesChannels": [{
            "salesChannelName": "Brightpearl",
            "productName": original.name(),
            "categories": channel.as_ref().map(|c| c.categories.iter().map(|cat| json!({"categoryCode": cat.category_code})).collect::<Vec<_>>()),
            "description": channel.as_ref().map(|c| c.description.text.clone()),
        }],
        "seasonIds": original.season_ids,
    });
    if let Some(supplier) = original.primary_supplier_id {
        body["primarySupplierId"] = json!(supplier);
    }
    let id = catalogue::create_product(account, &body)?;
    let prices: Vec<_> = account
        .catalogue
        .prices
        .get(&model)
        .map(|p| p.iter().map(|(l, b)| (*l, b.clone())).collect())
        .unwrap_or_default();
    if !prices.is_empty() {
        catalogue::set_prices(account, id, &prices)?;
    }
    let mut fields = account.catalogue.custom_fields_of(model);
    fields.insert("PCF_COLOUR".into(), json!(colour));
    let ops: Vec<Json> = fields
        .into_iter()
        .map(|(k, v)| json!({"op": "add", "path": format!("/{k}"), "value": v}))
        .collect();
    let ops = parse_patch(Json::Array(ops).to_string().as_bytes())?;
    catalogue::patch_custom_fields(account, id, &ops)?;
    for (warehouse, settings) in &original.warehouses {
        if settings.reorder_level > 0 {
            catalogue::set_reorder(
                account,
                id,
                *warehouse,
                settings.reorder_level,
                settings.reorder_quantity,
            )?;
        }
    }
    Ok(Some(
        json!({"productId": id, "sku": sku, "colour": colour, "groupedWith": model}),
    ))
}

/// An unpaid order is cancelled at the customer's request.
pub(super) fn order_cancelled<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Done {
    let open: Vec<u64> = account
        .orders
        .orders
        .keys()
        .copied()
        .filter(|id| business::cancellable(account, *id))
        .collect();
    let Some(&order) = open.choose(rng) else {
        return Ok(None);
    };
    let note = orders::NewNote {
        text: "Cancelled at the customer's request".into(),
        ..orders::NewNote::default()
    };
    orders::set_status(account, order, status::CANCELLED, Some(&note))?;
    Ok(Some(json!({"orderId": order})))
}
