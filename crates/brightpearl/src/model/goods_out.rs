//! Goods-out notes (GONs): `GET /warehouse-service/order/{orders|*}/goods-note/goods-out/{ids}`
//! answers a map keyed by note id (goods_out_note/get/*.yml). Also the goods-out search row
//! and the bodies the client writes (create, update, events).

use super::common::{Stamp, decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The GET answer: notes keyed by note id.
pub type GoodsOutNotes = BTreeMap<u64, GoodsOutNote>;

/// One goods-out note.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutNote {
    /// The order shipped (0 for an external transfer).
    #[serde(default)]
    pub order_id: u64,
    /// The warehouse it ships from.
    #[serde(default)]
    pub warehouse_id: u64,
    /// The receiving warehouse of a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_warehouse_id: Option<u64>,
    /// A warehouse transfer rather than a sale.
    #[serde(default)]
    pub transfer: bool,
    /// Priority.
    #[serde(default)]
    pub priority: bool,
    /// Printed, picked, packed, shipped and when.
    #[serde(default)]
    pub status: GoodsOutStatus,
    /// Tracking reference and method.
    #[serde(default)]
    pub shipping: GoodsOutShipping,
    /// Release date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Stamp>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// The staff contact who created it.
    #[serde(default)]
    pub created_by: u64,
    /// Lines by order row id.
    #[serde(default)]
    pub order_rows: BTreeMap<u64, Vec<GoodsOutLine>>,
    /// Its number among the order's notes.
    #[serde(default)]
    pub sequence: u64,
    /// Lifecycle events.
    #[serde(default)]
    pub events: Vec<GoodsOutEvent>,
    /// The `If-Match` value for event POSTs.
    #[serde(default)]
    pub last_event_version: u64,
    /// Shipping label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_uri: Option<String>,
}

impl GoodsOutNote {
    /// When it shipped (`status.shippedOn`), if it has.
    pub fn shipped_on(&self) -> Option<&Stamp> {
        self.status
            .shipped_on
            .as_ref()
            .filter(|_| self.status.shipped)
    }
}

/// `status` of a note: four flags, then when and by whom each was set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutStatus {
    /// Shipped.
    #[serde(default)]
    pub shipped: bool,
    /// Packed.
    #[serde(default)]
    pub packed: bool,
    /// Picked.
    #[serde(default)]
    pub picked: bool,
    /// Printed.
    #[serde(default)]
    pub printed: bool,
    /// When picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked_on: Option<Stamp>,
    /// When packed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_on: Option<Stamp>,
    /// When shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_on: Option<Stamp>,
    /// When printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_on: Option<Stamp>,
    /// Who picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked_by_id: Option<u64>,
    /// Who packed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_by_id: Option<u64>,
    /// Who shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_by_id: Option<u64>,
    /// Who printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_by_id: Option<u64>,
}

/// `shipping` of a note; `reference` holds the tracking number.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutShipping {
    /// Tracking number (empty until set).
    #[serde(default)]
    pub reference: String,
    /// Shipping method.
    #[serde(default)]
    pub shipping_method_id: u64,
    /// Boxes, once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boxes: Option<u64>,
    /// Weight, once set (text or a number on the wire).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub weight: Option<Decimal>,
}

/// One line of a note: what it takes for an order row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutLine {
    /// The product.
    #[serde(default)]
    pub product_id: u64,
    /// How many.
    #[serde(default)]
    pub quantity: i64,
    /// Picked from.
    #[serde(default)]
    pub location_id: u64,
    /// The integration's line id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

/// One lifecycle event; Brightpearl spells the time `occured`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutEvent {
    /// When.
    pub occured: Stamp,
    /// The staff contact.
    #[serde(default)]
    pub event_owner_id: u64,
    /// `PLA`, `PRI`, `UPR`, `PIC`, `UPI`, `PAC`, `UPA`, `SHW`.
    #[serde(default)]
    pub event_code: String,
}

/// One row of `goods-note/goods-out-search` (reference §6.5).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutSearchRow {
    /// The note id.
    pub goods_out_note_id: u64,
    /// Printed.
    #[serde(default)]
    pub printed: Option<bool>,
    /// Picked.
    #[serde(default)]
    pub picked: Option<bool>,
    /// Packed.
    #[serde(default)]
    pub packed: Option<bool>,
    /// Shipped.
    #[serde(default)]
    pub shipped: Option<bool>,
    /// When shipped.
    #[serde(default)]
    pub shipped_on: Option<Stamp>,
    /// The order.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Shipping method.
    #[serde(default)]
    pub shipping_method_id: Option<u64>,
    /// Warehouse.
    #[serde(default)]
    pub warehouse_id: Option<u64>,
    /// Created.
    #[serde(default)]
    pub created_on: Option<Stamp>,
}

/// POST `/warehouse-service/order/{orderId}/goods-note/goods-out`: one note per warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewGoodsOutNote {
    /// One entry per warehouse shipping part of the order.
    pub warehouses: Vec<NewGoodsOutWarehouse>,
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<bool>,
    /// Shipping method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<u64>,
    /// Shipping label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_uri: Option<String>,
}

/// One warehouse's part of a new note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewGoodsOutWarehouse {
    /// The warehouse.
    pub warehouse_id: u64,
    /// Release date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Stamp>,
    /// A transfer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<bool>,
    /// The products by order row.
    pub products: Vec<NewGoodsOutProduct>,
}

/// One product line of a new note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewGoodsOutProduct {
    /// The product.
    pub product_id: u64,
    /// The order row (the same ids as the order's `orderRows` keys).
    pub sales_order_row_id: u64,
    /// How many.
    pub quantity: i64,
}

/// PUT `/warehouse-service/goods-note/goods-out/{id}`: priority, tracking, label.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutUpdate {
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<bool>,
    /// Tracking and method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<GoodsOutShippingUpdate>,
    /// Shipping label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_uri: Option<String>,
}

/// `shipping` of a note update.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutShippingUpdate {
    /// Tracking number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Boxes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boxes: Option<u64>,
    /// Shipping method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method_id: Option<u64>,
    /// Weight.
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub weight: Option<Decimal>,
}

/// POST `/warehouse-service/goods-note/goods-out/{id}/event` (send `If-Match:
/// lastEventVersion`); SHW fills in missing earlier events, and nothing follows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewGoodsOutEvents {
    /// The events (all three fields required).
    pub events: Vec<GoodsOutEvent>,
}
