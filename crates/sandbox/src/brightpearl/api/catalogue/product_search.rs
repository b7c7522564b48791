//! `GET /product-service/product-search`: the recorded catalogue (product_search.yml: 18
//! columns, their types and flags) plus the extra filter `channelId`, and the top-level
//! `reference.productCategoryMembership` (product id → its category ids).
//!
//! Cells as recorded: `SKU` and `barcode` are `""` when empty, the other identity columns
//! `null` when never set; `brightpearlCategoryCode` is the product's first category;
//! `salesChannelName` is "Brightpearl". INFERRED: `channelId` matches every channel, since every
//! product is on every channel in the sandbox; a `brightpearlCategoryCode` filter matches the
//! category the column shows (the first).

use super::{query_pairs, search_reply};
use crate::brightpearl::account::catalogue::Product;
use crate::brightpearl::api::{ApiResult, AppState};
use crate::brightpearl::search::{self, Catalogue, Cell, Column, DataType, Record};
use axum::extract::State;
use axum::http::Uri;
use serde_json::Value as Json;
use std::borrow::Cow;

/// The product-search catalogue, in the recorded column order.
pub(super) static PRODUCT_SEARCH: Catalogue = Catalogue {
    name: "product-search",
    columns: &[
        Column::new("productId", DataType::IdSet).with_reference(&["productCategoryMembership"]),
        Column::new("productName", DataType::SearchString),
        Column::new("SKU", DataType::String),
        Column::new("barcode", DataType::String),
        Column::new("EAN", DataType::String),
        Column::new("UPC", DataType::String),
        Column::new("ISBN", DataType::String),
        Column::new("MPN", DataType::String),
        Column::new("stockTracked", DataType::Boolean),
        Column::new("salesChannelName", DataType::String).unfilterable(),
        Column::new("createdOn", DataType::Period),
        Column::new("updatedOn", DataType::Period),
        Column::new("brightpearlCategoryCode", DataType::IdSet).unsortable(),
        Column::new("productGroupId", DataType::Integer),
        Column::new("brandId", DataType::IdSet),
        Column::new("productTypeId", DataType::IdSet),
        Column::new("productStatus", DataType::String),
        Column::new("primarySupplierId", DataType::IdSet),
    ],
    extra_filters: &[Column::new("channelId", DataType::IdSet).unsortable()],
};

/// A product as the search reads it; `channels` are the account's channel ids.
struct ProductRow<'a> {
    product: &'a Product,
    channels: &'a Json,
}

/// An identity column that is `null` when never set.
fn optional(value: &Option<String>) -> Cell<'_> {
    value.as_deref().map_or(Cell::Null, Cell::from)
}

impl Record for ProductRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let p = self.product;
        match column {
            0 => Cell::from(p.id),
            1 => Cell::from(p.name()),
            2 => Cell::from(p.sku()),
            3 => Cell::from(p.identity.barcode.as_str()),
            4 => optional(&p.identity.ean),
            5 => optional(&p.identity.upc),
            6 => optional(&p.identity.isbn),
            7 => optional(&p.identity.mpn),
            8 => Cell::from(p.stock_tracked()),
            9 => Cell::from(p.channel().map_or("", |c| c.sales_channel_name.as_str())),
            10 => Cell::Time(p.created_on.ms),
            11 => p
                .updated_on
                .as_ref()
                .map_or(Cell::Null, |t| Cell::Time(t.ms)),
            12 => p
                .category_ids()
                .first()
                .map_or(Cell::Null, |id| Cell::from(*id)),
            13 => Cell::from(p.product_group_id),
            14 => Cell::from(p.brand_id),
            15 => Cell::from(p.product_type_id),
            16 => Cell::from(p.status.as_str()),
            17 => Cell::from(p.primary_supplier_id),
            18 => Cell::Json(Cow::Borrowed(self.channels)),
            _ => Cell::Null,
        }
    }
}

/// The search handler.
pub(super) async fn product_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let catalogue = &account.catalogue;
    let channels = Json::from(catalogue.channels.keys().copied().collect::<Vec<u64>>());
    let rows = catalogue.products.values().map(|product| ProductRow {
        product,
        channels: &channels,
    });
    let membership = |name: &str, cell: &Cell<'_>| -> Option<Json> {
        let (Cell::Int(id), "productCategoryMembership") = (cell, name) else {
            return None;
        };
        let ids = catalogue.product(u64::try_from(*id).ok()?)?.category_ids();
        (!ids.is_empty()).then(|| Json::from(ids))
    };
    search_reply(search::run(
        &PRODUCT_SEARCH,
        rows,
        &query,
        account.settings.offset_minutes,
        &membership,
    ))
}
