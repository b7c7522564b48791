//! Writing Brightpearl sales orders, sales credits, customer payments and journals for the
//! flows (write fields and markers: the adapter's module documentation).

use super::Object;
use super::lookups::Lookups;
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use ferry_brightpearl::Client;
use serde_json::Value;

/// Finds records of an order-side object by field values.
pub(super) async fn find(
    _client: &Client,
    _lookups: &Lookups,
    object: Object,
    _by: &[String],
    _values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    Err(AdapterError::permanent(
        "BP_UNSUPPORTED",
        format!("finding Brightpearl {} is being built", object.name()),
    ))
}

/// Writes a batch of an order-side object; one result per write, in order.
pub(super) async fn write(
    _client: &Client,
    _lookups: &Lookups,
    object: Object,
    writes: &[Write],
) -> Vec<AdapterResult<String>> {
    writes
        .iter()
        .map(|_| {
            Err(AdapterError::permanent(
                "BP_UNSUPPORTED",
                format!("writing Brightpearl {} is being built", object.name()),
            ))
        })
        .collect()
}
