//! Creating, updating and deleting goods-out notes.
//!
//! Creation (POST `/warehouse-service/order/{orderId}/goods-note/goods-out`) makes one note per
//! entry of `warehouses`, allocates the stock through the stock area, and refuses quantities
//! beyond what the order rows still have off notes. The response is the first note's id, as the
//! goods-in note POST documents for several notes (INFERRED for goods-out).
//!
//! Error codes where Brightpearl's are unknown (INFERRED): `WHSC-010` a required field is
//! missing, `WHSC-012` a value is invalid, `WHSC-020` more than the order row has left,
//! `WHSC-030` the note has shipped; `CMNC-404` for an unknown order or note.

use super::{
    EVENT_VERSION_SEQUENCE, GoodsOutNote, NOTE_SEQUENCE, NoteEvent, NoteLine, NoteStatus, Shipping,
};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::orders::{FREE_TEXT_PRODUCT_ID, OrderType, RowFulfilment};
use crate::brightpearl::account::stock;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use crate::brightpearl::wire::{decimal, parse_time};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The resource type in webhook events.
pub(super) const RESOURCE: &str = "goods-out-note";

/// A note to create, as plain Rust (the demo data and the activity simulator build these; the
/// POST body is read into them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    /// The warehouse the stock leaves.
    pub warehouse_id: u64,
    /// (order row id, units); the product is the row's.
    pub rows: Vec<(u64, i64)>,
    /// When the stock is to be released (now when `None`).
    pub release_date_ms: Option<i64>,
    /// Fulfil first.
    pub priority: bool,
    /// The shipping method (the order's when `None`).
    pub shipping_method_id: Option<u64>,
    /// The shipping label's address.
    pub label_uri: Option<String>,
}

impl NewNote {
    /// A note for every unit the order's rows still have off notes, from `warehouse_id`.
    pub fn rest_of_order(account: &Account, order_id: u64, warehouse_id: u64) -> NewNote {
        let rows = account
            .orders
            .rows(order_id)
            .into_iter()
            .flatten()
            .filter(|(_, row)| row.product_id != FREE_TEXT_PRODUCT_ID)
            .filter_map(|(row_id, row)| {
                let ordered = whole_units(row.quantity.magnitude.0)?;
                let (on_notes, _) = account.goods_out.row_quantities(order_id, *row_id);
                (ordered > on_notes).then_some((*row_id, ordered - on_notes))
            })
            .collect();
        NewNote {
            warehouse_id,
            rows,
            release_date_ms: None,
            priority: false,
            shipping_method_id: None,
            label_uri: None,
        }
    }
}

/// A row quantity in whole units, if it is whole.
fn whole_units(quantity: Decimal) -> Option<i64> {
    if quantity.fract().is_zero() {
        quantity.to_i64()
    } else {
        None
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("WHSC-012", message)
}

fn missing(message: String) -> ApiError {
    ApiError::bad_request("WHSC-010", message)
}

/// POST `/warehouse-service/order/{orderId}/goods-note/goods-out` with its JSON body:
/// `{"warehouses":[{"releaseDate","warehouseId","transfer","products":[{"productId",
/// "salesOrderRowId","quantity"}]}],"priority","shippingMethodId","labelUri"}`.
/// Returns the ids of the notes made, one per warehouse entry.
pub fn create_goods_out_notes(
    account: &mut Account,
    order_id: u64,
    body: &Json,
) -> Result<Vec<u64>, ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a goods-out note is a JSON object with \"warehouses\"",
        ));
    };
    if account.orders.get(order_id).is_none() {
        return Err(unknown_order(order_id));
    }
    let priority = flag(input, "priority")?;
    let shipping_method_id = id_field(input, "shippingMethodId")?;
    let label_uri = text_field(input, "labelUri")?;
    let warehouses = match input.get("warehouses") {
        Some(Json::Array(items)) if !items.is_empty() => items,
        Some(Json::Array(_)) | None | Some(Json::Null) => {
            return Err(missing(
                "warehouses is required: one entry per warehouse, e.g. [{\"warehouseId\":2,\"products\":[{\"productId\":1007,\"salesOrderRowId\":1,\"quantity\":1}]}]".into(),
            ));
        }
        Some(other) => {
            return Err(invalid(format!("warehouses must be an array, not {other}")));
        }
    };
    let mut notes = Vec::with_capacity(warehouses.len());
    for (w, entry) in warehouses.iter().enumerate() {
        let Some(entry) = entry.as_object() else {
            return Err(invalid(format!("warehouses[{w}] must be an object")));
        };
        let Some(warehouse_id) = id_field(entry, "warehouseId")? else {
            return Err(missing(format!("warehouses[{w}].warehouseId is required")));
        };
        if flag(entry, "transfer")? {
            return Err(invalid(format!(
                "warehouses[{w}].transfer: external transfers between warehouses are made with the external-transfer resource, not on an order"
            )));
        }
        let release_date_ms = match text_field(entry, "releaseDate")? {
            None => None,
            Some(text) => Some(parse_time(&text).ok_or_else(|| {
                invalid(format!(
                    "warehouses[{w}].releaseDate {text:?} is not a date or time; send e.g. \"2025-11-04T10:17:45Z\""
                ))
            })?),
        };
        let products = match entry.get("products") {
            Some(Json::Array(items)) if !items.is_empty() => items,
            _ => {
                return Err(missing(format!(
                    "warehouses[{w}].products is required: [{{\"productId\",\"salesOrderRowId\",\"quantity\"}}]"
                )));
            }
        };
        let mut rows = Vec::with_capacity(products.len());
        for (p, product) in products.iter().enumerate() {
            let at = format!("warehouses[{w}].products[{p}]");
            let Some(product) = product.as_object() else {
                return Err(invalid(format!("{at} must be an object")));
            };
            let Some(row_id) = id_field(product, "salesOrderRowId")? else {
                return Err(missing(format!(
                    "{at}.salesOrderRowId is required: the order row the units are for"
                )));
            };
            let quantity = match product.get("quantity") {
                None | Some(Json::Null) => {
                    return Err(missing(format!("{at}.quantity is required")));
                }
                Some(value) => decimal(value)
                    .and_then(whole_units)
                    .filter(|q| *q > 0)
                    .ok_or_else(|| {
                        invalid(format!(
                            "{at}.quantity must be a whole number of units greater than 0, not {value}"
                        ))
                    })?,
            };
            if let Some(product_id) = id_field(product, "productId")? {
                let Some(row) = account.orders.row(order_id, row_id) else {
                    return Err(invalid(format!(
                        "{at}.salesOrderRowId {row_id} is not a row of order {order_id}"
                    )));
                };
                if row.product_id != product_id {
                    return Err(invalid(format!(
                        "{at}.productId {product_id} does not match order row {row_id}, which is product {}",
                        row.product_id
                    )));
                }
            }
            rows.push((row_id, quantity));
        }
        notes.push(NewNote {
            warehouse_id,
            rows,
            release_date_ms,
            priority,
            shipping_method_id,
            label_uri: label_uri.clone(),
        });
    }
    create_notes(account, order_id, notes)
}

/// Creates one note for `order_id` (plain Rust, for the demo data and the activity
/// simulator). Returns its id.
pub fn create_goods_out_note(
    account: &mut Account,
    order_id: u64,
    note: NewNote,
) -> Result<u64, ApiError> {
    let ids = create_notes(account, order_id, vec![note])?;
    ids.first().copied().ok_or_else(|| {
        ApiError::bad_request(
            "WHSC-010",
            "No goods-out note was created: give at least one row",
        )
    })
}

/// Validates every note against the order and the stock, allocates, stores the notes with
/// their PLA event and raises `goods-out-note.created` for each.
fn create_notes(
    account: &mut Account,
    order_id: u64,
    notes: Vec<NewNote>,
) -> Result<Vec<u64>, ApiError> {
    let Some(order) = account.orders.get(order_id) else {
        return Err(unknown_order(order_id));
    };
    if !matches!(
        order.order_type_code,
        OrderType::SalesOrder | OrderType::PurchaseCredit
    ) {
        return Err(invalid(format!(
            "Order {order_id} is a {}; goods-out notes ship sales orders (and purchase credits back to the supplier)",
            order.order_type_code.code()
        )));
    }
    let default_method = order.delivery.shipping_method_id;
    // Units asked for per row over the whole request, against what each row has left.
    let mut asked: BTreeMap<u64, i64> = BTreeMap::new();
    // Units to allocate per (product, warehouse).
    let mut allocations: BTreeMap<(u64, u64), i64> = BTreeMap::new();
    for (n, note) in notes.iter().enumerate() {
        if account.stock.warehouse(note.warehouse_id).is_none() {
            return Err(invalid(format!(
                "warehouses[{n}].warehouseId {} is not a warehouse of this account; GET /warehouse-service/warehouse lists them",
                note.warehouse_id
            )));
        }
        if let Some(method) = note.shipping_method_id
            && method != 0
            && account.stock.shipping_method(method).is_none()
        {
            return Err(invalid(format!(
                "shippingMethodId {method} is not a shipping method of this account; GET /warehouse-service/shipping-method lists them"
            )));
        }
        if note.rows.is_empty() {
            return Err(missing(format!(
                "warehouses[{n}].products is empty: a goods-out note carries at least one order row"
            )));
        }
        for &(row_id, quantity) in &note.rows {
            let Some(row) = order.order_rows.get(&row_id) else {
                return Err(invalid(format!(
                    "salesOrderRowId {row_id} is not a row of order {order_id}"
                )));
            };
            if row.product_id == FREE_TEXT_PRODUCT_ID {
                return Err(invalid(format!(
                    "Order row {row_id} is a free-text row (\"{}\") with no product to ship",
                    row.product_name
                )));
            }
            if quantity <= 0 {
                return Err(invalid(format!(
                    "The quantity for order row {row_id} must be greater than 0, not {quantity}"
                )));
            }
            *asked.entry(row_id).or_default() += quantity;
            *allocations
                .entry((row.product_id, note.warehouse_id))
                .or_default() += quantity;
        }
    }
    for (&row_id, &quantity) in &asked {
        let ordered = order
            .order_rows
            .get(&row_id)
            .map_or(Decimal::ZERO, |r| r.quantity.magnitude.0);
        let (on_notes, _) = account.goods_out.row_quantities(order_id, row_id);
        let left = (ordered - Decimal::from(on_notes)).normalize();
        let ordered = ordered.normalize();
        if Decimal::from(quantity) > left {
            return Err(ApiError::bad_request(
                "WHSC-020",
                format!(
                    "Order row {row_id} has {left} units not yet on a goods-out note ({ordered} ordered, {on_notes} on notes); {quantity} asked for"
                ),
            ));
        }
    }

    // Allocate; on a refusal undo what was allocated and the events it raised.
    let outbox_len = account.outbox.len();
    let mut done: Vec<((u64, u64), i64)> = Vec::new();
    for (&(product, warehouse), &quantity) in &allocations {
        if let Err(refusal) = stock::allocate(account, product, warehouse, quantity) {
            for ((product, warehouse), quantity) in done {
                let _ = stock::release_allocation(account, product, warehouse, quantity);
            }
            account.outbox.truncate(outbox_len);
            return Err(refusal);
        }
        done.push(((product, warehouse), quantity));
    }

    let owner = account.settings.api_staff_id;
    let sequence_before = account
        .goods_out
        .of_order(order_id)
        .map(|(_, n)| n.sequence)
        .max()
        .unwrap_or(0);
    let mut ids = Vec::with_capacity(notes.len());
    for (sequence, note) in (sequence_before + 1..).zip(notes) {
        let first = account
            .goods_out
            .notes
            .keys()
            .next_back()
            .map_or(1, |k| k + 1);
        let id = account.next_id(NOTE_SEQUENCE, first);
        let version = account.next_id(EVENT_VERSION_SEQUENCE, 1);
        let now = account.now();
        let location = account
            .stock
            .default_location(note.warehouse_id)
            .unwrap_or(note.warehouse_id);
        let mut order_rows: BTreeMap<u64, Vec<NoteLine>> = BTreeMap::new();
        for (row_id, quantity) in note.rows {
            let product_id = account
                .orders
                .row(order_id, row_id)
                .map_or(0, |r| r.product_id);
            order_rows.entry(row_id).or_default().push(NoteLine {
                product_id,
                quantity,
                location_id: location,
                external_ref: None,
            });
        }
        let record = GoodsOutNote {
            order_id,
            warehouse_id: note.warehouse_id,
            target_warehouse_id: None,
            transfer: false,
            priority: note.priority,
            status: NoteStatus::default(),
            shipping: Shipping {
                reference: String::new(),
                shipping_method_id: note.shipping_method_id.unwrap_or(default_method),
                boxes: None,
                weight: None,
            },
            release_date: note
                .release_date_ms
                .map_or_else(|| now.clone(), |ms| account.stamp(ms)),
            created_on: now.clone(),
            created_by: owner,
            order_rows,
            sequence,
            events: vec![NoteEvent {
                occured: now,
                event_owner_id: owner,
                event_code: "PLA".into(),
            }],
            last_event_version: version,
            label_uri: note.label_uri,
        };
        account.goods_out.notes.insert(id, record);
        account.raise(RESOURCE, Lifecycle::Created, id);
        ids.push(id);
    }
    report_fulfilment(account, order_id);
    Ok(ids)
}

/// PUT `/warehouse-service/goods-note/goods-out/{id}`: `{"priority":false,"shipping":
/// {"reference":"TRACK123","boxes":1,"shippingMethodId":7,"weight":"1.2"},"labelUri":"…"}`,
/// every key optional; unknown keys are refused rather than ignored, so a misspelt tracking
/// field does not silently do nothing. Allowed after shipping (tracking numbers arrive late).
/// Raises `goods-out-note.modified`.
pub fn update_goods_out_note(account: &mut Account, id: u64, body: &Json) -> Result<(), ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: {\"shipping\":{\"reference\":\"TRACK123\"}}",
        ));
    };
    let Some(current) = account.goods_out.get(id) else {
        return Err(not_found(id));
    };
    let mut note = current.clone();
    for key in input.keys() {
        if !["priority", "shipping", "labelUri"].contains(&key.as_str()) {
            return Err(invalid(format!(
                "{key} cannot be changed on a goods-out note; send priority, shipping (reference, boxes, shippingMethodId, weight) or labelUri"
            )));
        }
    }
    if input.contains_key("priority") {
        note.priority = flag(input, "priority")?;
    }
    if let Some(uri) = input.get("labelUri") {
        note.label_uri = match uri {
            Json::Null => None,
            Json::String(s) if s.trim().is_empty() => None,
            Json::String(s) => Some(s.trim().to_string()),
            other => return Err(invalid(format!("labelUri must be a string, not {other}"))),
        };
    }
    match input.get("shipping") {
        None | Some(Json::Null) => {}
        Some(Json::Object(shipping)) => {
            for key in shipping.keys() {
                if !["reference", "boxes", "shippingMethodId", "weight"].contains(&key.as_str()) {
                    return Err(invalid(format!(
                        "shipping.{key} is not a shipping field; send reference, boxes, shippingMethodId or weight"
                    )));
                }
            }
            if let Some(reference) = text_field(shipping, "reference")? {
                note.shipping.reference = reference;
            } else if shipping.contains_key("reference") {
                note.shipping.reference = String::new();
            }
            if shipping.contains_key("boxes") {
                note.shipping.boxes = id_field(shipping, "boxes")
                    .map_err(|_| invalid("shipping.boxes must be a whole number".into()))?;
            }
            if let Some(method) = id_field(shipping, "shippingMethodId")? {
                if method != 0 && account.stock.shipping_method(method).is_none() {
                    return Err(invalid(format!(
                        "shipping.shippingMethodId {method} is not a shipping method of this account; GET /warehouse-service/shipping-method lists them"
                    )));
                }
                note.shipping.shipping_method_id = method;
            }
            match shipping.get("weight") {
                None => {}
                Some(Json::Null) => note.shipping.weight = None,
                Some(value) => {
                    let weight =
                        decimal(value)
                            .filter(|w| *w >= Decimal::ZERO)
                            .ok_or_else(|| {
                                invalid(format!(
                                    "shipping.weight must be a number of at least 0, not {value}"
                                ))
                            })?;
                    note.shipping.weight = Some(weight.normalize().to_string());
                }
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "shipping must be an object such as {{\"reference\":\"TRACK123\"}}, not {other}"
            )));
        }
    }
    account.goods_out.notes.insert(id, note);
    account.raise(RESOURCE, Lifecycle::Modified, id);
    Ok(())
}

/// Sets the tracking reference of note `id` (plain Rust for the activity simulator; the same
/// as a PUT of `shipping.reference`).
pub fn set_tracking(account: &mut Account, id: u64, reference: &str) -> Result<(), ApiError> {
    update_goods_out_note(
        account,
        id,
        &serde_json::json!({"shipping": {"reference": reference}}),
    )
}

/// DELETE `/warehouse-service/goods-note/goods-out/{id}` (or under `/order/{orderId}/…`, when
/// `order_id` must match): refused once shipped; releases the allocation; raises
/// `goods-out-note.destroyed`.
pub fn delete_goods_out_note(
    account: &mut Account,
    id: u64,
    order_id: Option<u64>,
) -> Result<(), ApiError> {
    let Some(note) = account.goods_out.get(id) else {
        return Err(not_found(id));
    };
    if let Some(order_id) = order_id
        && note.order_id != order_id
    {
        return Err(ApiError::not_found(format!(
            "Cannot find goods-out note {id} on order {order_id}: it belongs to order {}",
            note.order_id
        )));
    }
    if note.status.shipped {
        return Err(ApiError::bad_request(
            "WHSC-030",
            format!("Goods-out note {id} has shipped and cannot be deleted"),
        ));
    }
    let note_order = note.order_id;
    let warehouse = note.warehouse_id;
    let mut release: BTreeMap<u64, i64> = BTreeMap::new();
    for lines in note.order_rows.values() {
        for line in lines {
            *release.entry(line.product_id).or_default() += line.quantity;
        }
    }
    for (product, quantity) in release {
        stock::release_allocation(account, product, warehouse, quantity)?;
    }
    account.goods_out.notes.remove(&id);
    account.raise(RESOURCE, Lifecycle::Destroyed, id);
    report_fulfilment(account, note_order);
    Ok(())
}

/// Reports the allocated and shipped units of every row of `order_id` to the orders area.
pub(super) fn report_fulfilment(account: &mut Account, order_id: u64) {
    let Some(rows) = account.orders.rows(order_id) else {
        return;
    };
    let fulfilment: BTreeMap<u64, RowFulfilment> = rows
        .keys()
        .map(|&row_id| {
            let (allocated, shipped) = account.goods_out.row_quantities(order_id, row_id);
            (
                row_id,
                RowFulfilment {
                    row_id,
                    allocated: Decimal::from(allocated),
                    shipped: Decimal::from(shipped),
                },
            )
        })
        .collect();
    // The order exists (its rows were just read), the only refusal the hook has.
    let _ = crate::brightpearl::account::orders::set_shipping_and_stock_status(
        account, order_id, fulfilment,
    );
}

/// The 404 for an unknown order.
fn unknown_order(order_id: u64) -> ApiError {
    ApiError::not_found(format!(
        "Cannot find order {order_id}; goods-out notes are created for an existing sales order"
    ))
}

/// The 404 for an unknown note.
pub(super) fn not_found(id: u64) -> ApiError {
    ApiError::not_found(format!("Cannot find goods-out note {id}"))
}

/// An optional boolean (`true`/`false`, also as strings).
fn flag(input: &Map<String, Json>, key: &str) -> Result<bool, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(invalid(format!("{key} must be true or false, not {other}"))),
    }
}

/// An optional whole number (ids, boxes), also as a numeric string.
pub(super) fn id_field(input: &Map<String, Json>, key: &str) -> Result<Option<u64>, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Some)
            .ok_or_else(|| invalid(format!("{key} must be a whole number, not {value}"))),
    }
}

/// An optional string, trimmed; empty is absent.
pub(super) fn text_field(input: &Map<String, Json>, key: &str) -> Result<Option<String>, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Json::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(invalid(format!("{key} must be a string, not {other}"))),
    }
}
