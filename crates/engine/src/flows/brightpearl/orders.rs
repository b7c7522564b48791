//! Reading Brightpearl sales orders, sales credits, goods-out notes and customer payments as
//! flow rows (row shapes: the adapter's module documentation).

use super::Object;
use super::lookups::Lookups;
use crate::flows::adapters::{AdapterError, AdapterResult, Row};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::IdSet;

/// Reads `ids` of an order-side object as rows.
pub(super) async fn read(
    _client: &Client,
    _lookups: &Lookups,
    object: Object,
    _ids: &IdSet,
) -> AdapterResult<Vec<Row>> {
    Err(AdapterError::permanent(
        "BP_UNSUPPORTED",
        format!("reading Brightpearl {} is being built", object.name()),
    ))
}
