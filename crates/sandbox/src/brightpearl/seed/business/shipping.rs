//! Goods-out notes for orders: what is left to send, making a note for what stock allows,
//! and moving a note through printed, picked, packed and shipped (with tracking).

use crate::brightpearl::account::Account;
use crate::brightpearl::account::contacts::WAREHOUSE_STAFF_ID;
use crate::brightpearl::account::goods_out::{self, EventCode, GoodsOutNote, NewNote};
use crate::brightpearl::account::orders::{OrderType, ShippingStatus};
use crate::brightpearl::api::ApiError;
use rand::Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

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
    let wanted = crate::brightpearl::seed::names::STAFF
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
