//! Typed Brightpearl records, in the shape the API returns them.
//!
//! One module per business area; each holds the GET shapes (tolerant: unknown keys ignored,
//! keys Brightpearl omits are `Option` or defaulted), the search row of its `*-search`, and the
//! write bodies where they differ from the GET shape (`NewOrder`, `OrderRowInput`, …). Money is
//! [`rust_decimal::Decimal`] read from strings or numbers ([`common::decimal`]); timestamps are
//! [`common::Stamp`]s that keep the original text. Shapes were checked against the recorded
//! traffic in `shared/fixtures/brightpearl/` (tests/model_fixtures.rs) and the sandbox.

pub mod accounting;
pub mod catalogue;
pub mod common;
pub mod contacts;
pub mod goods_out;
mod order_input;
pub mod orders;
pub mod sales_orders;
pub mod search;
pub mod stock;
pub mod webhooks;

pub use common::{ApiError, ApiErrors, CustomFields, Envelope, GetUris, PatchOp, Stamp};
pub use search::{SearchColumn, SearchPage};
