//! goods-out-search (`GET /warehouse-service/goods-note/goods-out-search`): the documented
//! columns (reference §6.5, [DOCS goods-out-note/search]) with their documented types; the
//! `labelUri`, `channelId` and `transfer` types and every sortable/filterable flag are INFERRED.

use super::GoodsOutNote;
use crate::brightpearl::account::Account;
use crate::brightpearl::search::{Catalogue, Cell, Column, DataType, Record};

/// The goods-out-search catalogue.
pub static GOODS_OUT_SEARCH: Catalogue = Catalogue {
    name: "goods-out-search",
    columns: &[
        Column::new("goodsOutNoteId", DataType::Integer),
        Column::new("printed", DataType::Boolean),
        Column::new("picked", DataType::Boolean),
        Column::new("packed", DataType::Boolean),
        Column::new("shipped", DataType::Boolean),
        Column::new("shippedOn", DataType::Period),
        Column::new("orderId", DataType::Integer),
        Column::new("shippingMethodId", DataType::IdSet),
        Column::new("warehouseId", DataType::Integer),
        Column::new("priority", DataType::Boolean),
        Column::new("createdOn", DataType::Period),
        Column::new("releaseDate", DataType::Period),
        Column::new("createdBy", DataType::Integer),
        Column::new("labelUri", DataType::String),
        Column::new("channelId", DataType::Integer),
        Column::new("transfer", DataType::Boolean),
    ],
    extra_filters: &[],
};

/// One goods-out-search row: a note with its id and its order's channel.
pub struct NoteRow<'a> {
    /// The note id.
    pub id: u64,
    /// The note.
    pub note: &'a GoodsOutNote,
    /// The channel of the note's order (0: none or no order).
    pub channel_id: u64,
}

impl Record for NoteRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let n = self.note;
        match column {
            0 => Cell::from(self.id),
            1 => Cell::Bool(n.status.printed),
            2 => Cell::Bool(n.status.picked),
            3 => Cell::Bool(n.status.packed),
            4 => Cell::Bool(n.status.shipped),
            5 => n
                .status
                .shipped_on
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            6 => Cell::from(n.order_id),
            7 => Cell::from(n.shipping.shipping_method_id),
            8 => Cell::from(n.warehouse_id),
            9 => Cell::Bool(n.priority),
            10 => Cell::Time(n.created_on.ms),
            11 => Cell::Time(n.release_date.ms),
            12 => Cell::from(n.created_by),
            13 => n.label_uri.as_deref().map_or(Cell::Null, Cell::from),
            14 => Cell::from(self.channel_id),
            15 => Cell::Bool(n.transfer),
            _ => Cell::Null,
        }
    }
}

/// Every note as a search row, in id order.
pub fn note_rows(account: &Account) -> impl Iterator<Item = NoteRow<'_>> {
    account
        .goods_out
        .notes
        .iter()
        .map(move |(id, note)| NoteRow {
            id: *id,
            note,
            channel_id: account
                .orders
                .get(note.order_id)
                .map_or(0, |o| o.assignment.current.channel_id),
        })
}
