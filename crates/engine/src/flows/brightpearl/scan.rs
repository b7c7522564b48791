//! Walking a Brightpearl object by id (scans) and by `updatedOn` (polling) through its
//! `*-search`.
//!
//! A scan resumes after an id, which offset paging cannot do, so it filters the id column to a
//! window above the id (`productId=1001-101000`) sorted by id: one search answers up to 500
//! ids. When a window runs dry before the page is full, one more search (sorted by id
//! descending, one row) learns the largest id, and the walk moves to the next window (ten
//! times wider after an empty one) until it passes it. Windows stay bounded because Brightpearl
//! servers expand id sets, and the sandbox refuses ranges over a million ids.

use super::Object;
use ferry_brightpearl::Client;
use ferry_brightpearl::model::common::Stamp;
use ferry_brightpearl::search::{Direction, MAX_PAGE_SIZE, Search};
use ferry_core::Timestamp;
use ferry_http::Error;
use futures_util::StreamExt;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The first id window of a scan.
const FIRST_WINDOW: u64 = 100_000;
/// The widest id window.
const MAX_WINDOW: u64 = 1_000_000;

/// The columns of `customer-payment-search` (reference §6.5).
pub(super) const PAYMENT_COLUMNS: &[&str] = &[
    "paymentId",
    "transactionRef",
    "transactionCode",
    "paymentMethodCode",
    "paymentType",
    "orderId",
    "currencyId",
    "currencyCode",
    "amountAuthorized",
    "amountPaid",
    "expires",
    "paymentDate",
    "createdOn",
    "journalId",
];

/// How one object is searched.
#[derive(Debug, Clone, Copy)]
pub(super) struct IdSearch {
    /// `contact-service/contact-search`.
    pub path: &'static str,
    /// The id column (`contactId`).
    pub id_column: &'static str,
    /// The columns a scan asks for (the id first).
    pub columns: &'static [&'static str],
    /// Filters every walk of this object carries.
    pub filters: &'static [(&'static str, &'static str)],
    /// The column polling asks for changes by (`updatedOn`; `createdOn` for records that are
    /// never edited).
    pub changed_column: &'static str,
}

impl IdSearch {
    /// The search of `object`.
    pub fn of(object: Object) -> IdSearch {
        match object {
            Object::Contact => IdSearch {
                path: "contact-service/contact-search",
                id_column: "contactId",
                columns: &["contactId", "updatedOn"],
                filters: &[],
                changed_column: "updatedOn",
            },
            Object::Product => IdSearch {
                path: "product-service/product-search",
                id_column: "productId",
                columns: &["productId", "updatedOn"],
                filters: &[],
                changed_column: "updatedOn",
            },
            // Products that are not stock-tracked have no availability: skip them here so
            // that pages stay full of records that exist.
            Object::Availability => IdSearch {
                path: "product-service/product-search",
                id_column: "productId",
                columns: &["productId", "SKU", "updatedOn"],
                filters: &[("stockTracked", "true")],
                changed_column: "updatedOn",
            },
            // Sales orders and credits share the order search; the type filter keeps each
            // walk to its own kind.
            Object::SalesOrder => IdSearch {
                path: "order-service/order-search",
                id_column: "orderId",
                columns: &["orderId", "updatedOn"],
                filters: &[("orderTypeId", "1")],
                changed_column: "updatedOn",
            },
            Object::SalesCredit => IdSearch {
                path: "order-service/order-search",
                id_column: "orderId",
                columns: &["orderId", "updatedOn"],
                filters: &[("orderTypeId", "3")],
                changed_column: "updatedOn",
            },
            // Goods-out notes are walked through their id-set GET (orders/notes.rs); this
            // search tells the largest note id and finds notes created or shipped since a
            // time. External transfers are no order's shipment.
            Object::GoodsOutNote => IdSearch {
                path: "warehouse-service/goods-note/goods-out-search",
                id_column: "goodsOutNoteId",
                columns: &["goodsOutNoteId", "orderId", "createdOn", "shippedOn"],
                filters: &[("transfer", "false")],
                changed_column: "createdOn",
            },
            // Payments are never edited: polling asks for new ones. A scan reads every column,
            // which is the whole record (there is no payment GET).
            Object::CustomerPayment => IdSearch {
                path: "accounting-service/customer-payment-search",
                id_column: "paymentId",
                columns: PAYMENT_COLUMNS,
                filters: &[],
                changed_column: "createdOn",
            },
            // Journals are a target only; their search is here for completeness.
            Object::Journal => IdSearch {
                path: "accounting-service/journal-search",
                id_column: "journalId",
                columns: &["journalId", "journalDateEntered"],
                filters: &[],
                changed_column: "journalDateEntered",
            },
        }
    }

    /// A search of this object with its fixed filters.
    pub fn search(&self, client: &Client) -> Search {
        self.filters
            .iter()
            .fold(Search::new(client, self.path), |search, (column, value)| {
                search.filter(column, value)
            })
    }
}

/// A cell as an id.
pub(super) fn cell_id(cell: Option<&Value>) -> Option<u64> {
    match cell? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Up to `limit` search rows (id, cells) with ids above `after`, ascending.
pub(super) async fn page_after(
    client: &Client,
    spec: &IdSearch,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<(u64, Map<String, Value>)>, Error> {
    let mut out: Vec<(u64, Map<String, Value>)> = Vec::new();
    let mut start = after.map_or(1, |a| a.saturating_add(1));
    let mut window = FIRST_WINDOW;
    let mut largest: Option<u64> = None;
    loop {
        let end = start.saturating_add(window - 1);
        let want = limit.saturating_sub(out.len());
        let page_size = u32::try_from(want.min(MAX_PAGE_SIZE as usize)).unwrap_or(MAX_PAGE_SIZE);
        let mut search = spec
            .search(client)
            .filter(spec.id_column, &format!("{start}-{end}"))
            .columns(spec.columns)
            .stable_by(spec.id_column)
            .page_size(page_size);
        let mut found_here = 0usize;
        while out.len() < limit {
            let Some(page) = search.next_page().await? else {
                break;
            };
            for row in 0..page.len() {
                let Some(cells) = page.row_map(row) else {
                    continue;
                };
                match cell_id(cells.get(spec.id_column)) {
                    Some(id) if (start..=end).contains(&id) => {
                        out.push((id, cells));
                        found_here += 1;
                    }
                    _ => {}
                }
            }
        }
        if out.len() >= limit {
            out.truncate(limit);
            return Ok(out);
        }
        if end == u64::MAX {
            return Ok(out);
        }
        let top = match largest {
            Some(top) => top,
            None => {
                let top = largest_id(client, spec).await?;
                largest = Some(top);
                top
            }
        };
        if end >= top {
            return Ok(out);
        }
        start = end + 1;
        if found_here == 0 {
            window = window.saturating_mul(10).min(MAX_WINDOW);
        }
    }
}

/// The largest id the search holds (0 when it is empty).
pub(super) async fn largest_id(client: &Client, spec: &IdSearch) -> Result<u64, Error> {
    let mut search = spec
        .search(client)
        .columns(&[spec.id_column])
        .sort(spec.id_column, Direction::Desc)
        .page_size(1);
    let page = search.next_page().await?;
    Ok(page
        .and_then(|page| cell_id(page.cell(0, spec.id_column)))
        .unwrap_or(0))
}

/// `since` as a search time: UTC, whole milliseconds (rounded down, so nothing is missed).
pub(super) fn search_time(since: Timestamp) -> String {
    let at = since.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The instant of an `updatedOn` text.
pub(super) fn stamp_time(text: &str) -> Option<Timestamp> {
    Stamp::parse(text).utc().map(Timestamp::from_datetime)
}

/// Ids changed at or after `since` with their change time (the search's `changed_column`),
/// oldest first (each id once, at its latest change).
pub(super) async fn changed_since(
    client: &Client,
    spec: &IdSearch,
    since: Timestamp,
) -> Result<Vec<(String, Timestamp)>, Error> {
    let column = spec.changed_column;
    let search = spec
        .search(client)
        .filter(column, &format!("{}/", search_time(since)))
        .columns(&[spec.id_column, column])
        .sort(column, Direction::Asc);
    let mut rows = std::pin::pin!(search.rows());
    let mut latest: BTreeMap<u64, Timestamp> = BTreeMap::new();
    while let Some(row) = rows.next().await {
        let row = row?;
        let Some(id) = cell_id(row.get(spec.id_column)) else {
            continue;
        };
        let Some(at) = row.get(column).and_then(Value::as_str).and_then(stamp_time) else {
            continue;
        };
        let entry = latest.entry(id).or_insert(at);
        *entry = (*entry).max(at);
    }
    let mut out: Vec<(String, Timestamp)> = latest
        .into_iter()
        .map(|(id, at)| (id.to_string(), at))
        .collect();
    out.sort_by_key(|(id, at)| (*at, id.parse::<u64>().unwrap_or(0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_times_are_utc_milliseconds_rounded_down() {
        let at = Timestamp::from_micros(1_700_000_000_123_999);
        assert_eq!(search_time(at), "2023-11-14T22:13:20.123Z");
        assert_eq!(
            stamp_time("2023-11-14T16:13:20.123-06:00"),
            Some(Timestamp::from_micros(1_700_000_000_123_000))
        );
    }
}
