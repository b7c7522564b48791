//! Goods-out notes: the stock of a sales order leaving a warehouse (reference §7.8).
//!
//! A note is created for an order and one warehouse, allocating the stock of the order rows it
//! carries; lifecycle events (printed, picked, packed, shipped and their undoing) follow, and
//! the stock only leaves the warehouse with the shipped event (SHW). Records are kept in the
//! recorded GET shape (`goods_out_note/get/*.yml`): the GET answers a map keyed by note id, so
//! the id is the container's key and not a field.
//!
//! `write.rs` creates, updates and deletes notes; `events.rs` adds lifecycle events; `search.rs`
//! is goods-out-search. Every write reports the order's allocated and shipped quantities per
//! row to the orders area, which derives the order's stock, allocation and shipping status and
//! raises `order.modified.fully-shipped` when the last unit ships.

mod events;
mod search;
mod write;

pub use events::{EventCode, add_event, add_events};
pub use search::{GOODS_OUT_SEARCH, NoteRow, note_rows};
pub use write::{
    NewNote, create_goods_out_note, create_goods_out_notes, delete_goods_out_note, set_tracking,
    update_goods_out_note,
};

use super::Settings;
use crate::brightpearl::wire::Stamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The id sequence of goods-out notes.
pub const NOTE_SEQUENCE: &str = "goods-out-note";
/// The sequence of event versions (`lastEventVersion`), account-wide as Brightpearl's are.
pub const EVENT_VERSION_SEQUENCE: &str = "goods-out-event-version";
/// The most ids a goods-out note GET id set may name (reference §5).
pub const MAX_IDS_PER_GET: usize = 500;

/// Every goods-out note of the account.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GoodsOutNotes {
    /// Notes by id.
    pub notes: BTreeMap<u64, GoodsOutNote>,
}

impl GoodsOutNotes {
    /// No notes: goods-out notes are business data, not configuration.
    pub fn standard(_settings: &Settings) -> GoodsOutNotes {
        GoodsOutNotes::default()
    }

    /// The note `id`.
    pub fn get(&self, id: u64) -> Option<&GoodsOutNote> {
        self.notes.get(&id)
    }

    /// The notes of order `order_id` with their ids, in id order.
    pub fn of_order(&self, order_id: u64) -> impl Iterator<Item = (u64, &GoodsOutNote)> {
        self.notes
            .iter()
            .filter(move |(_, n)| n.order_id == order_id)
            .map(|(id, n)| (*id, n))
    }

    /// How many units of order row `row_id` of order `order_id` are on notes: (on any note,
    /// on shipped notes).
    pub fn row_quantities(&self, order_id: u64, row_id: u64) -> (i64, i64) {
        let mut on_notes = 0;
        let mut shipped = 0;
        for (_, note) in self.of_order(order_id) {
            let quantity: i64 = note
                .order_rows
                .get(&row_id)
                .map_or(0, |lines| lines.iter().map(|l| l.quantity).sum());
            on_notes += quantity;
            if note.status.shipped {
                shipped += quantity;
            }
        }
        (on_notes, shipped)
    }
}

/// One goods-out note in the recorded GET shape (key order as recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodsOutNote {
    /// The order it fulfils (0 for an external transfer).
    pub order_id: u64,
    /// The warehouse the stock leaves.
    pub warehouse_id: u64,
    /// Where an external transfer goes (transfers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_warehouse_id: Option<u64>,
    /// Whether it is an external transfer between warehouses.
    #[serde(default)]
    pub transfer: bool,
    /// Whether it is to be fulfilled first.
    #[serde(default)]
    pub priority: bool,
    /// Printed / picked / packed / shipped, when and by whom.
    #[serde(default)]
    pub status: NoteStatus,
    /// Tracking reference, shipping method, boxes, weight.
    #[serde(default)]
    pub shipping: Shipping,
    /// When the stock is to be released.
    pub release_date: Stamp,
    /// When the note was made.
    pub created_on: Stamp,
    /// The staff contact who made it.
    #[serde(default)]
    pub created_by: u64,
    /// Order row id → the products, quantities and locations taken for it.
    #[serde(default)]
    pub order_rows: BTreeMap<u64, Vec<NoteLine>>,
    /// The note's position among the order's notes (1 for the first).
    #[serde(default = "first")]
    pub sequence: u64,
    /// Lifecycle events in the order they were added.
    #[serde(default)]
    pub events: Vec<NoteEvent>,
    /// The version of the latest event: send it as `If-Match` to add events.
    #[serde(default)]
    pub last_event_version: u64,
    /// The shipping label's address (INFERRED position; absent until set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_uri: Option<String>,
}

fn first() -> u64 {
    1
}

/// `status`: the four flags, then when and by whom each was set (absent while unset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteStatus {
    /// Shipped (SHW).
    pub shipped: bool,
    /// Packed (PAC).
    pub packed: bool,
    /// Picked (PIC).
    pub picked: bool,
    /// Printed (PRI).
    pub printed: bool,
    /// When it was picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked_on: Option<Stamp>,
    /// When it was packed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_on: Option<Stamp>,
    /// When it was shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_on: Option<Stamp>,
    /// When it was printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_on: Option<Stamp>,
    /// Who picked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked_by_id: Option<u64>,
    /// Who packed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed_by_id: Option<u64>,
    /// Who shipped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_by_id: Option<u64>,
    /// Who printed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_by_id: Option<u64>,
}

/// `shipping`: `reference` holds the tracking number; `boxes` and `weight` appear once set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipping {
    /// The carrier's tracking reference ("" until set).
    #[serde(default)]
    pub reference: String,
    /// The shipping method (0: none).
    #[serde(default)]
    pub shipping_method_id: u64,
    /// Number of boxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boxes: Option<u64>,
    /// Weight as given (a decimal string such as "1.2").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
}

/// One event of a note's lifecycle. `occured` is Brightpearl's spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteEvent {
    /// When it happened.
    pub occured: Stamp,
    /// The staff contact who did it.
    pub event_owner_id: u64,
    /// PLA (created), PRI, UPR, PIC, UPI, PAC, UPA or SHW.
    pub event_code: String,
}

/// What a note takes for one order row: a product, how many, from which location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteLine {
    /// The product.
    pub product_id: u64,
    /// Units (whole: stock-tracked goods ship in units).
    pub quantity: i64,
    /// The location the stock is taken from.
    pub location_id: u64,
    /// The integration's own line reference, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

#[cfg(test)]
mod tests;
