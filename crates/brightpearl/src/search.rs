//! Resource searches (`/{service}/{resource}-search`, reference §6), walked page by page.
//!
//! ```no_run
//! # async fn walk(client: ferry_brightpearl::Client) -> Result<(), ferry_brightpearl::Error> {
//! use ferry_brightpearl::search::{Direction, Search};
//! let mut search = Search::new(&client, "order-service/order-search")
//!     .filter("updatedOn", "2024-01-01T00:00:00/")
//!     .columns(&["orderId", "updatedOn"])
//!     .sort("orderId", Direction::Asc)
//!     .page_size(500);
//! while let Some(page) = search.next_page().await? {
//!     for row in 0..page.len() {
//!         let _row = page.row_map(row);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! **Memory**: only the current page is held, so walking 100,000 rows costs one page of memory.
//!
//! **Stability decision.** Brightpearl pages by offset (`firstResult`), so a set that changes
//! during the walk shifts rows between pages. Ferry sorts by the resource's id ascending
//! ([`Search::stable_by`]): ids never change and new records get higher ids, so records added or
//! modified during the walk either keep their position or land after it. Two shifts remain and
//! are repaired here: rows that *enter* the filter mid-set push later rows down (a row would be
//! seen twice: rows whose id is not above the last id yielded are dropped), and rows that
//! *leave* it (deleted, or no longer matching) pull later rows up (a row would be skipped: when
//! `resultsAvailable` shrinks between pages, the walk steps back by the shrinkage and lets the
//! id filter drop what it has already yielded). Mixed insertions and deletions between two
//! pages can still hide a skip; the polling source overlaps its `updatedOn` windows and the
//! reconciliation pass catches what remains. Without `stable_by`, pages are yielded as the
//! server sends them.

use crate::Client;
use crate::model::search::SearchPage;
use ferry_http::{Error, Method};
use futures_util::Stream;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The largest page Brightpearl serves (and its default).
pub const MAX_PAGE_SIZE: u32 = 500;

/// Searches whose `resultsAvailable` is known to be wrong (reference §6.4: supplier payments
/// always say 500); they are walked while pages come back full.
const COUNT_UNRELIABLE: &[&str] = &["supplier-payment-search"];

/// What filter values and names may carry unencoded: RFC 3986 unreserved characters, plus `/`
/// (period ranges `from/to`), `:` (times) and `,` (id sets, lists), which a query may hold as
/// they are. Everything else is percent-encoded — notably `+` (an offset in a time, which form
/// decoding would read as a space), `#`, `&`, `=`, `%` and spaces.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b':')
    .remove(b',');

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// One walk through a resource search: built with filters, columns, sort and page size, then
/// pulled page by page ([`Search::next_page`]) or consumed as a stream ([`Search::pages`],
/// [`Search::rows`], [`Search::rows_as`]).
#[derive(Debug, Clone)]
pub struct Search {
    client: Client,
    /// `/order-service/order-search`.
    path: String,
    filters: Vec<(String, String)>,
    columns: Vec<String>,
    sort: Option<(String, Direction)>,
    page_size: u32,
    /// The id column the walk is kept stable by (sorted ascending on it).
    stable_by: Option<String>,
    /// Where the next page starts; `None` once the walk has ended.
    next_first: Option<u64>,
    /// `resultsAvailable` of the previous page.
    available: Option<u64>,
    /// The highest id yielded so far (with `stable_by`).
    last_id: Option<i128>,
    /// Pages fetched so far (every request, refetches included).
    requests: u64,
}

impl Search {
    /// A search of `path` (`order-service/order-search`; a leading `/` is optional) with no
    /// filter, every column, the server's sort and full pages.
    pub fn new(client: &Client, path: &str) -> Self {
        let path = format!("/{}", path.trim_start_matches('/'));
        Self {
            client: client.clone(),
            path,
            filters: Vec::new(),
            columns: Vec::new(),
            sort: None,
            page_size: MAX_PAGE_SIZE,
            stable_by: None,
            next_first: Some(1),
            available: None,
            last_id: None,
            requests: 0,
        }
    }

    /// Adds a filter `column=value` in the column's syntax (reference §6.3): `1-5,9` for an
    /// IDSET, `from/to` for a PERIOD (`2024-01-01T00:00:00/` = since), `true`, exact text.
    /// The value is percent-encoded here; pass it unencoded. Brightpearl refuses a filter given
    /// twice, so a second filter on a column replaces the first.
    pub fn filter(mut self, column: &str, value: &str) -> Self {
        self.filters.retain(|(c, _)| c != column);
        self.filters.push((column.to_owned(), value.to_owned()));
        self
    }

    /// Restricts and orders the returned columns.
    pub fn columns(mut self, columns: &[&str]) -> Self {
        self.columns = columns.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// Sorts by `column`.
    pub fn sort(mut self, column: &str, direction: Direction) -> Self {
        self.sort = Some((column.to_owned(), direction));
        self
    }

    /// Rows per page, 1 to 500 (clamped).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Sorts ascending by the id column `column` and keeps the walk stable against records
    /// entering and leaving the result set while it runs (see the module's notes). The column
    /// must be among the returned columns (it is added when [`Search::columns`] left it out).
    pub fn stable_by(mut self, column: &str) -> Self {
        self.stable_by = Some(column.to_owned());
        self.sort(column, Direction::Asc)
    }

    /// Starts the walk at the 1-based row `first_result` (to resume a walk).
    pub fn start_at(mut self, first_result: u64) -> Self {
        self.next_first = Some(first_result.max(1));
        self
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// The path and query string of the page starting at `first_result`.
    pub fn query(&self, first_result: u64) -> String {
        let mut query = format!(
            "{}?pageSize={}&firstResult={first_result}",
            self.path, self.page_size
        );
        let mut columns = self.columns.clone();
        if let Some(id) = &self.stable_by
            && !columns.is_empty()
            && !columns.contains(id)
        {
            columns.push(id.clone());
        }
        if !columns.is_empty() {
            query.push_str("&columns=");
            query.push_str(&encode(&columns.join(",")));
        }
        if let Some((column, direction)) = &self.sort {
            query.push_str(&format!("&sort={}.{}", encode(column), direction.as_str()));
        }
        for (column, value) in &self.filters {
            query.push_str(&format!("&{}={}", encode(column), encode(value)));
        }
        query
    }

    /// The next page, or `None` when the walk has ended. A page may hold fewer rows than the
    /// server sent when [`Search::stable_by`] dropped rows already yielded.
    pub async fn next_page(&mut self) -> Result<Option<SearchPage>, Error> {
        loop {
            let Some(first) = self.next_first else {
                return Ok(None);
            };
            let call = self.client.call(Method::GET, &self.query(first));
            let reply = self.client.send(&call).await?;
            self.requests += 1;
            let mut page: SearchPage = reply.json("brightpearl")?;
            let meta = &page.response.meta_data;
            let (available, returned) = (meta.results_available, meta.results_returned);
            let returned = returned.max(page.response.results.len() as u64);

            // Rows left the set since the previous page: later rows moved up by the shrinkage.
            // Step back and let the id filter drop what was already yielded.
            if self.stable_by.is_some()
                && first > 1
                && let Some(before) = self.available
                && available < before
            {
                let back = before - available;
                self.available = Some(available);
                self.next_first = Some(first.saturating_sub(back).max(1));
                tracing::debug!(path = %self.path, back, "search set shrank; stepping back");
                continue;
            }
            self.available = Some(available);

            let last = meta
                .last_result
                .unwrap_or(first + returned.saturating_sub(1));
            let count_reliable = !COUNT_UNRELIABLE.iter().any(|p| self.path.ends_with(p));
            let ended = returned == 0
                || returned < u64::from(self.page_size)
                || (count_reliable && last >= available);
            self.next_first = if ended { None } else { Some(last + 1) };

            if let Some(id_column) = &self.stable_by {
                let at = page.column_index(id_column).ok_or_else(|| Error::Decode {
                    api: "brightpearl",
                    label: reply.label.clone(),
                    message: format!(
                        "the search answer has no {id_column:?} column, which the walk is kept \
                         stable by; name the resource's id column in stable_by"
                    ),
                    snippet: String::new(),
                })?;
                let last_id = self.last_id;
                page.response.results.retain(|row| {
                    let id = row.get(at).and_then(cell_number);
                    // Rows without a readable id are kept: dropping them would lose data.
                    !matches!((id, last_id), (Some(id), Some(seen)) if id <= seen)
                });
                if let Some(max) = page
                    .response
                    .results
                    .iter()
                    .filter_map(|row| row.get(at).and_then(cell_number))
                    .max()
                {
                    self.last_id = Some(self.last_id.map_or(max, |seen| seen.max(max)));
                }
            }
            return Ok(Some(page));
        }
    }

    /// The walk as a stream of pages.
    pub fn pages(self) -> impl Stream<Item = Result<SearchPage, Error>> {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut search = state?;
            match search.next_page().await {
                Ok(Some(page)) => Some((Ok(page), Some(search))),
                Ok(None) => None,
                // An error ends the stream after it is yielded.
                Err(e) => Some((Err(e), None)),
            }
        })
    }

    /// The walk as a stream of rows, each `{column name: cell}`; pages are fetched as the rows
    /// run out.
    pub fn rows(self) -> impl Stream<Item = Result<Map<String, Value>, Error>> {
        self.rows_with(|page, row, _label| Ok(page.row_map(row).unwrap_or_default()))
    }

    /// The walk as a stream of typed rows (`OrderSearchRow`, …) read through the column names.
    /// A row that does not fit `T` ends the stream with a [`Error::Decode`] naming the row.
    pub fn rows_as<T: DeserializeOwned>(self) -> impl Stream<Item = Result<T, Error>> {
        self.rows_with(|page, row, label| {
            let map = page.row_map(row).unwrap_or_default();
            serde_json::from_value(Value::Object(map)).map_err(|e| Error::Decode {
                api: "brightpearl",
                label: label.to_owned(),
                message: format!(
                    "search row {row} does not fit the expected row type: {e}; ask for the \
                     columns the type reads or make the field optional"
                ),
                snippet: page
                    .rows()
                    .get(row)
                    .map(|cells| Value::Array(cells.clone()).to_string())
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            })
        })
    }

    fn rows_with<T>(
        self,
        read: fn(&SearchPage, usize, &str) -> Result<T, Error>,
    ) -> impl Stream<Item = Result<T, Error>> {
        let label = format!("GET {}", self.path);
        // (search, current page, next row on it); the search is `None` once the walk failed.
        let state = (Some(self), None::<SearchPage>, 0usize);
        futures_util::stream::unfold(state, move |(mut search, mut page, mut row)| {
            let label = label.clone();
            async move {
                loop {
                    if let Some(current) = &page
                        && row < current.len()
                    {
                        let item = read(current, row, &label);
                        let failed = item.is_err();
                        row += 1;
                        let next = if failed { None } else { search };
                        return Some((item, (next, if failed { None } else { page }, row)));
                    }
                    let walker = search.as_mut()?;
                    match walker.next_page().await {
                        Ok(Some(next)) => {
                            page = Some(next);
                            row = 0;
                        }
                        Ok(None) => return None,
                        Err(e) => return Some((Err(e), (None, None, 0))),
                    }
                }
            }
        })
    }
}

/// Percent-encodes a query name or value.
fn encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

/// An id cell as a number (ids come as JSON numbers; tolerate numeric strings).
fn cell_number(cell: &Value) -> Option<i128> {
    match cell {
        Value::Number(n) => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Settings;
    use ferry_http::NoAuth;
    use ferry_http::budget::Budgets;
    use std::sync::Arc;

    fn client() -> Client {
        Client::new(
            &Settings::new("http://127.0.0.1:9", "acme"),
            Arc::new(NoAuth),
            &Budgets::new(Arc::new(ferry_http::budget::MemoryLedger::default())),
            ferry_http::TransportConfig::default(),
        )
        .unwrap()
    }

    #[test]
    fn queries_encode_values_but_keep_ranges_and_lists_readable() {
        let search = Search::new(&client(), "order-service/order-search")
            .filter("updatedOn", "2024-01-01T00:00:00+01:00/")
            .filter("customerRef", "#0001 & co=1")
            .filter("orderId", "1-5,9")
            .columns(&["orderId", "updatedOn"])
            .sort("orderId", Direction::Asc)
            .page_size(900);
        assert_eq!(
            search.query(501),
            "/order-service/order-search?pageSize=500&firstResult=501&columns=orderId,updatedOn\
             &sort=orderId.ASC&updatedOn=2024-01-01T00:00:00%2B01:00/\
             &customerRef=%230001%20%26%20co%3D1&orderId=1-5,9"
        );
        let replaced = Search::new(&client(), "/x/y-search")
            .filter("a", "1")
            .filter("a", "2");
        assert_eq!(
            replaced.query(1),
            "/x/y-search?pageSize=500&firstResult=1&a=2"
        );
        let stable = Search::new(&client(), "x/y-search")
            .columns(&["updatedOn"])
            .stable_by("orderId");
        assert!(
            stable
                .query(1)
                .contains("columns=updatedOn,orderId&sort=orderId.ASC")
        );
    }
}
