//! Goods-out note rows: each note with its sales order's summary and every note of that order,
//! so a flow acting on any one note's event sees the whole, current shipping picture (partial
//! shipments, late tracking numbers, events out of order or twice).
//!
//! Notes of external transfers (order 0) and of orders that are not sales orders (purchase
//! credits going back to a supplier) are not order-to-cash shipments: reads leave them out.

use super::{date_value, order_summary, orders_by_id, stamp_value, text_or_null};
use crate::flows::adapters::{AdapterResult, Row};
use crate::flows::brightpearl::lookups::Lookups;
use crate::flows::brightpearl::scan::{self, IdSearch, stamp_time};
use crate::flows::brightpearl::{Object, call_error};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::{IdSet, MAX_GOODS_OUT_NOTE_IDS};
use ferry_brightpearl::model::common::Stamp;
use ferry_brightpearl::model::goods_out::GoodsOutNote;
use ferry_brightpearl::model::orders::{Order, OrderTypeCode};
use ferry_brightpearl::model::stock::ShippingMethod;
use ferry_core::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Reads notes `ids`: one note GET per 500 ids, one order GET and one GET of the orders'
/// notes per 200 orders (plus the shipping-method list, cached).
pub(super) async fn read(
    client: &Client,
    lookups: &Lookups,
    ids: &IdSet,
) -> AdapterResult<Vec<Row>> {
    let notes = client
        .goods_out_notes(ids)
        .await
        .map_err(|e| call_error(e, &format!("the goods-out note read of {ids}")))?;
    note_rows(client, lookups, notes).await
}

/// The rows of `notes` (those of sales orders), sorted by note id.
async fn note_rows(
    client: &Client,
    lookups: &Lookups,
    notes: Vec<(u64, GoodsOutNote)>,
) -> AdapterResult<Vec<Row>> {
    let notes: Vec<(u64, GoodsOutNote)> =
        notes.into_iter().filter(|(_, n)| n.order_id != 0).collect();
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let order_ids: IdSet = notes.iter().map(|(_, n)| n.order_id).collect();
    let orders = orders_by_id(client, &order_ids, "goods-out notes").await?;
    let sales: BTreeMap<u64, Order> = orders
        .into_iter()
        .filter(|(_, o)| o.order_type_code == OrderTypeCode::SalesOrder)
        .collect();
    let notes: Vec<(u64, GoodsOutNote)> = notes
        .into_iter()
        .filter(|(_, n)| sales.contains_key(&n.order_id))
        .collect();
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let sales_ids: IdSet = sales.keys().copied().collect();
    let all = client
        .goods_out_notes_of_orders(&sales_ids)
        .await
        .map_err(|e| call_error(e, &format!("the goods-out note read of orders {sales_ids}")))?;
    let methods = lookups.shipping_methods(client).await?;
    let mut by_order: BTreeMap<u64, BTreeMap<u64, GoodsOutNote>> = BTreeMap::new();
    for (id, note) in all {
        by_order.entry(note.order_id).or_default().insert(id, note);
    }
    // A note always lists itself, even when the second read missed it.
    for (id, note) in &notes {
        by_order
            .entry(note.order_id)
            .or_default()
            .entry(*id)
            .or_insert_with(|| note.clone());
    }
    let empty = BTreeMap::new();
    let mut rows: Vec<Row> = notes
        .iter()
        .filter_map(|(id, note)| {
            let order = sales.get(&note.order_id)?;
            let siblings = by_order.get(&note.order_id).unwrap_or(&empty);
            Some(note_row(*id, note, order, siblings, &methods))
        })
        .collect();
    rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
    Ok(rows)
}

/// The note's latest event time, else its creation (the row's `modified_at`).
fn last_change(note: &GoodsOutNote) -> Option<&Stamp> {
    note.events
        .iter()
        .filter_map(|e| e.occured.utc().map(|at| (at, &e.occured)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, stamp)| stamp)
        .or(note.created_on.as_ref())
}

/// The method's name and carrier (its `carrier`, else its name): `(null, null)` for none.
fn method_names(method: Option<&ShippingMethod>) -> (Value, Value) {
    let Some(method) = method else {
        return (Value::Null, Value::Null);
    };
    let name = text_or_null(&method.name);
    let carrier = method
        .carrier
        .as_deref()
        .map(text_or_null)
        .filter(|c| !c.is_null())
        .unwrap_or_else(|| name.clone());
    (name, carrier)
}

/// The shipping facts of one note, as its own row and its order's `notes` list show them.
fn shipping_facts(
    id: u64,
    note: &GoodsOutNote,
    methods: &BTreeMap<u64, ShippingMethod>,
) -> Map<String, Value> {
    let method_id = note.shipping.shipping_method_id;
    let (name, carrier) = method_names(methods.get(&method_id));
    let shipped_on = note.shipped_on();
    let mut facts = Map::new();
    facts.insert("id".into(), Value::from(id));
    facts.insert("shipped".into(), Value::Bool(note.status.shipped));
    facts.insert("shippedOn".into(), date_value(shipped_on));
    facts.insert("shippedAt".into(), stamp_value(shipped_on));
    facts.insert(
        "trackingReference".into(),
        text_or_null(&note.shipping.reference),
    );
    facts.insert(
        "shippingMethodId".into(),
        if method_id == 0 {
            Value::Null
        } else {
            Value::from(method_id)
        },
    );
    facts.insert("shippingMethodName".into(), name);
    facts.insert("carrier".into(), carrier);
    facts
}

/// The row of note `id` of `order`; `siblings` are all the order's notes by id.
fn note_row(
    id: u64,
    note: &GoodsOutNote,
    order: &Order,
    siblings: &BTreeMap<u64, GoodsOutNote>,
    methods: &BTreeMap<u64, ShippingMethod>,
) -> Row {
    let mut data = match serde_json::to_value(note) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    data.extend(shipping_facts(id, note, methods));
    data.insert("orderId".into(), Value::from(note.order_id));
    data.insert("warehouseId".into(), Value::from(note.warehouse_id));
    data.insert("createdOn".into(), stamp_value(note.created_on.as_ref()));
    let lines: Vec<Value> = note
        .order_rows
        .iter()
        .flat_map(|(row_id, lines)| {
            lines.iter().map(move |line| {
                json!({
                    "orderRowId": row_id.to_string(),
                    "productId": line.product_id,
                    "quantity": line.quantity,
                })
            })
        })
        .collect();
    data.insert("rows".into(), Value::Array(lines));
    data.insert("order".into(), order_summary(order));
    let list: Vec<Value> = siblings
        .iter()
        .map(|(sid, sibling)| Value::Object(shipping_facts(*sid, sibling, methods)))
        .collect();
    let mut tracking: Vec<String> = Vec::new();
    for sibling in siblings.values() {
        let reference = sibling.shipping.reference.trim();
        if !reference.is_empty() && !tracking.iter().any(|t| t == reference) {
            tracking.push(reference.to_owned());
        }
    }
    data.insert("notes".into(), Value::Array(list));
    data.insert("trackingReferences".into(), json!(tracking));
    let changed = last_change(note);
    Row {
        id: id.to_string(),
        modified_at: changed.and_then(|s| stamp_time(s.raw())),
        version: changed.map(|s| s.raw().to_owned()),
        changed_by_ferry: None,
        data: Value::Object(data),
    }
}

/// One scan page of notes after `after`, by note id: the note GET walks id windows of 500
/// (`order/*/goods-note/goods-out/{from}-{to}`); goods-out-search tells where the ids end.
pub(in crate::flows::brightpearl) async fn scan_notes(
    client: &Client,
    lookups: &Lookups,
    after: Option<u64>,
    limit: usize,
) -> AdapterResult<Vec<Row>> {
    let spec = IdSearch::of(Object::GoodsOutNote);
    let window = MAX_GOODS_OUT_NOTE_IDS as u64;
    let mut start = after.map_or(1, |a| a.saturating_add(1));
    let mut top: Option<u64> = None;
    let mut rows: Vec<Row> = Vec::new();
    let mut done = false;
    while !done && rows.len() < limit {
        let mut candidates: Vec<(u64, GoodsOutNote)> = Vec::new();
        while candidates.len() < limit - rows.len() {
            let end = start.saturating_add(window - 1);
            let ids = IdSet::from_ids(start..=end);
            let found = client
                .goods_out_notes(&ids)
                .await
                .map_err(|e| call_error(e, &format!("the goods-out note scan of {ids}")))?;
            let full = found.len() as u64 == end - start + 1;
            candidates.extend(found.into_iter().filter(|(_, n)| n.order_id != 0));
            if end == u64::MAX {
                done = true;
                break;
            }
            if !full {
                let last = match top {
                    Some(last) => last,
                    None => {
                        let last = scan::largest_id(client, &spec)
                            .await
                            .map_err(|e| call_error(e, &format!("the {} scan", spec.path)))?;
                        top = Some(last);
                        last
                    }
                };
                if end >= last {
                    done = true;
                    break;
                }
            }
            start = end + 1;
        }
        rows.extend(note_rows(client, lookups, candidates).await?);
    }
    rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
    rows.truncate(limit);
    Ok(rows)
}

/// Notes changed at or after `since`, with their change times, oldest first. Brightpearl
/// bumps a sales order's `updatedOn` when its notes change its shipping or allocation status,
/// and goods-out-search finds notes created or shipped since a time; tracking-number edits
/// change neither, so they arrive by the `goods-out-note.modified` webhook (or
/// reconciliation). A note's time is the later of its latest event and its order's
/// `updatedOn` (its row carries the order's status).
pub(in crate::flows::brightpearl) async fn notes_changed_since(
    client: &Client,
    since: Timestamp,
) -> AdapterResult<Vec<(String, Timestamp)>> {
    let orders = IdSearch::of(Object::SalesOrder);
    let notes = IdSearch::of(Object::GoodsOutNote);
    let shipped = IdSearch {
        changed_column: "shippedOn",
        ..notes
    };
    let mut times: BTreeMap<u64, Timestamp> = BTreeMap::new();
    let mut note_at = |id: u64, at: Timestamp| {
        let entry = times.entry(id).or_insert(at);
        *entry = (*entry).max(at);
    };
    for spec in [&notes, &shipped] {
        let found = scan::changed_since(client, spec, since)
            .await
            .map_err(|e| call_error(e, &format!("the {} poll", spec.path)))?;
        for (id, at) in found {
            if let Ok(id) = id.parse::<u64>() {
                note_at(id, at);
            }
        }
    }
    let changed = scan::changed_since(client, &orders, since)
        .await
        .map_err(|e| call_error(e, &format!("the {} poll", orders.path)))?;
    let order_times: BTreeMap<u64, Timestamp> = changed
        .into_iter()
        .filter_map(|(id, at)| Some((id.parse::<u64>().ok()?, at)))
        .collect();
    if !order_times.is_empty() {
        let order_ids: IdSet = order_times.keys().copied().collect();
        let found = client
            .goods_out_notes_of_orders(&order_ids)
            .await
            .map_err(|e| {
                call_error(e, &format!("the goods-out note read of orders {order_ids}"))
            })?;
        for (id, note) in found {
            if note.order_id == 0 {
                continue;
            }
            let event = last_change(&note).and_then(|s| stamp_time(s.raw()));
            let order = order_times.get(&note.order_id).copied();
            if let Some(at) = event.max(order) {
                note_at(id, at);
            }
        }
    }
    let mut out: Vec<(u64, Timestamp)> = times.into_iter().collect();
    out.sort_by_key(|(id, at)| (*at, *id));
    Ok(out
        .into_iter()
        .map(|(id, at)| (id.to_string(), at))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(json: Value) -> GoodsOutNote {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_latest_event_is_the_change_time_whatever_order_events_are_listed_in() {
        let n = note(json!({
            "orderId": 5, "createdOn": "2025-11-04T10:00:00.000-06:00",
            "events": [
                {"occured": "2025-11-04T12:00:00.000-06:00", "eventCode": "SHW"},
                {"occured": "2025-11-04T10:00:00.000-06:00", "eventCode": "PLA"}
            ]
        }));
        assert_eq!(
            last_change(&n).map(Stamp::raw),
            Some("2025-11-04T12:00:00.000-06:00")
        );
        let bare = note(json!({"orderId": 5, "createdOn": "2025-11-04T10:00:00.000-06:00"}));
        assert_eq!(
            last_change(&bare).map(Stamp::raw),
            Some("2025-11-04T10:00:00.000-06:00")
        );
    }

    #[test]
    fn the_carrier_falls_back_to_the_method_name() {
        let with: ShippingMethod = serde_json::from_value(
            json!({"id": 2, "name": "Parcel Force 48", "carrier": "Parcel Force"}),
        )
        .unwrap();
        let without: ShippingMethod =
            serde_json::from_value(json!({"id": 3, "name": "Courier"})).unwrap();
        assert_eq!(
            method_names(Some(&with)),
            (json!("Parcel Force 48"), json!("Parcel Force"))
        );
        assert_eq!(
            method_names(Some(&without)),
            (json!("Courier"), json!("Courier"))
        );
        assert_eq!(method_names(None), (Value::Null, Value::Null));
    }

    #[test]
    fn unshipped_notes_have_no_ship_date_and_empty_tracking_is_null() {
        let n = note(json!({
            "orderId": 5,
            "status": {"shipped": false, "shippedOn": "2025-11-04T12:00:00.000-06:00"},
            "shipping": {"reference": "", "shippingMethodId": 0}
        }));
        let facts = shipping_facts(9, &n, &BTreeMap::new());
        assert_eq!(facts["shipped"], json!(false));
        assert_eq!(facts["shippedOn"], Value::Null);
        assert_eq!(facts["trackingReference"], Value::Null);
        assert_eq!(facts["shippingMethodId"], Value::Null);
        assert_eq!(facts["carrier"], Value::Null);
    }
}
