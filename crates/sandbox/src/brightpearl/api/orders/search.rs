//! `GET /order-service/order-search` and `/sales-order-search`.
//!
//! order-search's columns, types, reference maps and positions are exactly the recorded ones
//! (order_search.yml); its extra filters (`placedOn`, `shippingMethodId`, `projectId`,
//! `leadSourceId`, `channelId`) come from the old docs (INFERRED types). Recorded cell values:
//! `customerRef` is the order's reference, `updatedOn` null until the first versioned change,
//! `taxDate` the invoice's tax date or else the day the order was made (UTC midnight), stock
//! status 13 "Unset" for an order without stock-tracked rows, `departmentId` 0.
//! INFERRED: an empty reference or external reference is null. The reference maps come in the
//! recorded order.
//!
//! sales-order-search's column list is only partly documented (§6.5); the documented part is
//! served, sales orders only, codes as STRING columns (INFERRED types).

use crate::brightpearl::account::Account;
use crate::brightpearl::account::orders::{
    Order, OrderType, PaymentStatus, ShippingStatus, StockStatus,
};
use crate::brightpearl::api::params::{query_pairs, search_reply};
use crate::brightpearl::api::{ApiResult, AppState};
use crate::brightpearl::search::{self, Catalogue, Cell, Column, DataType, Record};
use axum::extract::{RawQuery, State};
use serde_json::Value as Json;

const ORDER_COLUMNS: &[Column] = &[
    Column::new("orderId", DataType::IdSet),
    Column::new("orderTypeId", DataType::IdSet).with_reference(&["orderTypeNames"]),
    Column::new("contactId", DataType::Integer),
    Column::new("orderStatusId", DataType::Integer).with_reference(&["orderStatusNames"]),
    Column::new("orderStockStatusId", DataType::Integer).with_reference(&["orderStockStatusNames"]),
    Column::new("createdOn", DataType::Period),
    Column::new("createdById", DataType::Integer),
    Column::new("customerRef", DataType::String),
    Column::new("orderPaymentStatusId", DataType::Integer)
        .with_reference(&["orderPaymentStatusNames"]),
    Column::new("updatedOn", DataType::Period),
    Column::new("parentOrderId", DataType::IdSet),
    Column::new("orderShippingStatusId", DataType::Integer)
        .with_reference(&["orderShippingStatusNames"]),
    Column::new("externalRef", DataType::String),
    Column::new("installedIntegrationInstanceId", DataType::Integer),
    Column::new("warehouseId", DataType::IdSet),
    Column::new("staffOwnerContactId", DataType::Integer),
    Column::new("taxDate", DataType::Period),
    Column::new("departmentId", DataType::Integer),
    Column::new("deliveryDate", DataType::Period),
];

const ORDER_EXTRA: &[Column] = &[
    Column::new("placedOn", DataType::Period),
    Column::new("shippingMethodId", DataType::Integer),
    Column::new("projectId", DataType::Integer),
    Column::new("leadSourceId", DataType::Integer),
    Column::new("channelId", DataType::Integer),
];

/// order-search's catalogue.
pub const ORDER_SEARCH: Catalogue = Catalogue {
    name: "order-search",
    columns: ORDER_COLUMNS,
    extra_filters: ORDER_EXTRA,
};

const SALES_COLUMNS: &[Column] = &[
    Column::new("salesOrderId", DataType::IdSet),
    Column::new("customerId", DataType::Integer),
    Column::new("orderStatusId", DataType::Integer).with_reference(&["orderStatusNames"]),
    Column::new("orderStockStatus", DataType::String),
    Column::new("createdOn", DataType::Period),
    Column::new("createdById", DataType::Integer),
    Column::new("customerRef", DataType::String),
    Column::new("orderPaymentStatus", DataType::String),
    Column::new("updatedOn", DataType::Period),
    Column::new("orderShippingStatus", DataType::String),
    Column::new("externalRef", DataType::String),
    Column::new("installedIntegrationInstanceId", DataType::Integer),
    Column::new("warehouseId", DataType::IdSet),
    Column::new("staffOwnerId", DataType::Integer),
    Column::new("taxDate", DataType::Period),
];

/// sales-order-search's catalogue.
pub const SALES_ORDER_SEARCH: Catalogue = Catalogue {
    name: "sales-order-search",
    columns: SALES_COLUMNS,
    extra_filters: &[],
};

/// The tax date a search shows: the invoice's, else the UTC day the order was made.
fn tax_date(order: &Order) -> i64 {
    const DAY: i64 = 24 * 3600 * 1000;
    order
        .invoices
        .first()
        .and_then(|i| i.tax_date.as_ref())
        .map_or(order.created_on.ms.div_euclid(DAY) * DAY, |s| s.ms)
}

fn text_or_null(text: &str) -> Cell<'_> {
    if text.is_empty() {
        Cell::Null
    } else {
        Cell::text(text)
    }
}

/// An order read by order-search.
struct OrderRow<'a>(&'a Order);

impl Record for OrderRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let o = self.0;
        let current = &o.assignment.current;
        match column {
            0 => o.id.into(),
            1 => o.order_type_code.id().into(),
            2 => o.contact_id().into(),
            3 => o.order_status.order_status_id.into(),
            4 => o.stock_status_code.id().into(),
            5 => Cell::Time(o.created_on.ms),
            6 => o.created_by_id.into(),
            7 => text_or_null(&o.reference),
            8 => o.order_payment_status.id().into(),
            9 => o
                .updated_on
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            10 => o.parent_order_id.into(),
            11 => o.shipping_status_code.id().into(),
            12 => o.external_ref.as_deref().map_or(Cell::Null, text_or_null),
            13 => o.installed_integration_instance_id.into(),
            14 => o.warehouse_id.into(),
            15 => current.staff_owner_contact_id.into(),
            16 => Cell::Time(tax_date(o)),
            17 => 0u64.into(),
            18 => o
                .delivery
                .delivery_date
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            19 => o
                .placed_on
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            20 => o.delivery.shipping_method_id.into(),
            21 => current.project_id.into(),
            22 => current.lead_source_id.into(),
            23 => current.channel_id.into(),
            _ => Cell::Null,
        }
    }
}

/// A sales order read by sales-order-search.
struct SalesRow<'a>(&'a Order);

impl Record for SalesRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let o = self.0;
        match column {
            0 => o.id.into(),
            1 => o.contact_id().into(),
            2 => o.order_status.order_status_id.into(),
            3 => Cell::text(o.stock_status_code.code()),
            4 => Cell::Time(o.created_on.ms),
            5 => o.created_by_id.into(),
            6 => text_or_null(&o.reference),
            7 => Cell::text(o.order_payment_status.code()),
            8 => o
                .updated_on
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            9 => Cell::text(o.shipping_status_code.code()),
            10 => o.external_ref.as_deref().map_or(Cell::Null, text_or_null),
            11 => o.installed_integration_instance_id.into(),
            12 => o.warehouse_id.into(),
            13 => o.assignment.current.staff_owner_contact_id.into(),
            14 => Cell::Time(tax_date(o)),
            _ => Cell::Null,
        }
    }
}

/// The `reference` entry of map `name` for `cell` (the five order name maps).
fn reference(account: &Account, name: &str, cell: &Cell<'_>) -> Option<Json> {
    let Cell::Int(id) = cell else {
        return None;
    };
    let id = u64::try_from(*id).ok()?;
    let text = match name {
        "orderTypeNames" => OrderType::from_id(id)?.reference_name().to_string(),
        "orderStatusNames" => account.orders.status(id)?.name.clone(),
        "orderPaymentStatusNames" => PaymentStatus::from_id(id)?.code().to_string(),
        "orderStockStatusNames" => StockStatus::from_id(id)?.description().to_string(),
        "orderShippingStatusNames" => ShippingStatus::from_id(id)?.description().to_string(),
        _ => return None,
    };
    Some(Json::String(text))
}

/// The order Brightpearl writes order-search's reference maps in (recorded; a hash order, but
/// a stable one, so a client comparing bodies sees the same).
const REFERENCE_ORDER: [&str; 5] = [
    "orderShippingStatusNames",
    "orderTypeNames",
    "orderPaymentStatusNames",
    "orderStockStatusNames",
    "orderStatusNames",
];

/// `body` with its `reference` maps in the recorded order.
fn recorded_reference_order(mut body: Json) -> Json {
    if let Some(Json::Object(reference)) = body.get_mut("reference") {
        let mut ordered = serde_json::Map::new();
        for name in REFERENCE_ORDER {
            if let Some(map) = reference.shift_remove(name) {
                ordered.insert(name.to_string(), map);
            }
        }
        ordered.append(reference);
        *reference = ordered;
    }
    body
}

/// `GET /order-search`.
pub(super) async fn order_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    let offset = account.settings.offset_minutes;
    let records = account.orders.orders.values().map(OrderRow);
    let result = search::run(&ORDER_SEARCH, records, &query, offset, &|name, cell| {
        reference(&account, name, cell)
    });
    drop(account);
    search_reply(result.map(recorded_reference_order))
}

/// `GET /sales-order-search`.
pub(super) async fn sales_order_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    let offset = account.settings.offset_minutes;
    let records = account
        .orders
        .orders
        .values()
        .filter(|o| o.order_type_code == OrderType::SalesOrder)
        .map(SalesRow);
    search_reply(search::run(
        &SALES_ORDER_SEARCH,
        records,
        &query,
        offset,
        &|name, cell| reference(&account, name, cell),
    ))
}
