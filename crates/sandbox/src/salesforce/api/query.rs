//! The query endpoints: `GET /query?q=`, `GET /queryAll?q=` and the next pages at
//! `GET /query/{locator}` (also `/queryAll/{locator}`; JSF rebuilds `/query/` even for queryAll
//! cursors).
//!
//! A cursor keeps the result's ids, not rendered records: each page is rendered from the org
//! when it is fetched. Locators look like Salesforce's, `01g8c00000000001AAA-2000`: a cursor id
//! (prefix `01g`) and the offset of the page.

use super::{ApiError, ApiVersion, AppState};
use crate::salesforce::ids::SfId;
use crate::salesforce::org::Org;
use crate::salesforce::soql::{self, ResultSet};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value as JsonValue};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

/// Default and largest page size (`Sforce-Query-Options: batchSize=N`).
pub const MAX_BATCH_SIZE: usize = 2000;
/// Smallest page size a client may ask for.
pub const MIN_BATCH_SIZE: usize = 200;
/// A cursor not fetched for this long is gone.
pub const CURSOR_IDLE: Duration = Duration::from_secs(15 * 60);
/// Open cursors kept at most; opening one more closes the least recently used.
pub const MAX_CURSORS: usize = 10_000;
/// Record ids kept across all cursors at most (bounds memory); the least recently used
/// cursors close first.
pub const MAX_CURSOR_ROWS: usize = 5_000_000;

/// Routes under `/services/data/vNN.N`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/query", get(query).fallback(not_allowed))
        .route("/queryAll", get(query_all).fallback(not_allowed))
        .route("/query/{locator}", get(more).fallback(not_allowed))
        .route("/queryAll/{locator}", get(more).fallback(not_allowed))
}

async fn not_allowed(method: Method) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), "GET, HEAD")
}

async fn query(
    State(state): State<AppState>,
    version: ApiVersion,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<JsonValue>, ApiError> {
    run(&state, version, &headers, &params, false)
}

async fn query_all(
    State(state): State<AppState>,
    version: ApiVersion,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<JsonValue>, ApiError> {
    run(&state, version, &headers, &params, true)
}

fn run(
    state: &AppState,
    version: ApiVersion,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    include_deleted: bool,
) -> Result<Json<JsonValue>, ApiError> {
    let soql = params.get("q").map(|q| q.trim()).unwrap_or_default();
    if soql.is_empty() {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            "A query string has to be specified",
        ));
    }
    query_page(state, soql, include_deleted, batch_size(headers), version).map(Json)
}

#[derive(Deserialize)]
struct LocatorPath {
    locator: String,
}

async fn more(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(path): Path<LocatorPath>,
) -> Result<Json<JsonValue>, ApiError> {
    next_page(&state, &path.locator, version).map(Json)
}

/// The page size a request asks for with `Sforce-Query-Options: batchSize=N`, clamped to
/// 200..=2000 (2000 when absent or unreadable).
pub fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|options| {
            options.split([',', ';']).find_map(|option| {
                let (key, value) = option.split_once('=')?;
                if !key.trim().eq_ignore_ascii_case("batchSize") {
                    return None;
                }
                value.trim().parse::<usize>().ok()
            })
        })
        .map_or(MAX_BATCH_SIZE, |n| n.clamp(MIN_BATCH_SIZE, MAX_BATCH_SIZE))
}

/// Runs a query and answers its first page; opens a cursor when there is more. Shared with
/// Composite subrequests.
pub fn query_page(
    state: &AppState,
    soql: &str,
    include_deleted: bool,
    batch_size: usize,
    version: ApiVersion,
) -> Result<JsonValue, ApiError> {
    let org = state.org();
    let result = soql::execute(&org, soql, include_deleted)?;
    Ok(first_page(state, &org, result, batch_size, version))
}

/// The first page of an executed query, rendered from `org` (for a caller that already holds
/// the org, e.g. inside a Composite transaction), with a cursor for the rest. Locks only the
/// cursors, never the org, so it is safe to call with the org locked.
pub fn first_page(
    state: &AppState,
    org: &Org,
    result: ResultSet,
    batch_size: usize,
    version: ApiVersion,
) -> JsonValue {
    let batch = batch_size.clamp(MIN_BATCH_SIZE, MAX_BATCH_SIZE);
    let records = result.json_records(org, 0..batch, &version.path());
    let rows = result.row_count();
    let total = result.total_size();
    let next = if rows > batch {
        let include_deleted = result.includes_deleted();
        let id = cursors(state).open(Arc::new(result), batch);
        Some(locator_url(version, include_deleted, &id, batch))
    } else {
        None
    };
    page(total, next, records)
}

/// Answers the page a locator (`01g...-2000`) names.
pub fn next_page(
    state: &AppState,
    locator: &str,
    version: ApiVersion,
) -> Result<JsonValue, ApiError> {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (id, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let (result, batch) = cursors(state).fetch(id).ok_or_else(invalid)?;
    let rows = result.row_count();
    if offset > rows {
        return Err(invalid());
    }
    let end = offset.saturating_add(batch).min(rows);
    let records = {
        let org = state.org();
        result.json_records(&org, offset..end, &version.path())
    };
    let next = (end < rows).then(|| locator_url(version, result.includes_deleted(), id, end));
    Ok(page(result.total_size(), next, records))
}

fn locator_url(version: ApiVersion, include_deleted: bool, id: &str, offset: usize) -> String {
    let resource = if include_deleted { "queryAll" } else { "query" };
    format!("/services/data/{}/{resource}/{id}-{offset}", version.path())
}

/// `{"totalSize","done","nextRecordsUrl"?,"records"}` in Salesforce's key order.
fn page(total: usize, next: Option<String>, records: Vec<JsonValue>) -> JsonValue {
    let mut body = Map::with_capacity(4);
    body.insert("totalSize".into(), JsonValue::from(total));
    body.insert("done".into(), JsonValue::Bool(next.is_none()));
    if let Some(next) = next {
        body.insert("nextRecordsUrl".into(), JsonValue::String(next));
    }
    body.insert("records".into(), JsonValue::Array(records));
    JsonValue::Object(body)
}

/// Locks the cursors. Lock order: the org may be held when taking this lock, never the other
/// way round (`next_page` releases the cursors before it locks the org).
fn cursors(state: &AppState) -> MutexGuard<'_, Cursors> {
    state.cursors.lock().unwrap_or_else(|p| p.into_inner())
}

/// Open query cursors: the results still being paged through, by cursor id.
#[derive(Debug, Default)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    /// Cursor ids by their last use (a sequence number), least recently used first.
    by_use: BTreeMap<u64, String>,
    /// The last use's sequence number.
    clock: u64,
    next_serial: u64,
    /// Ids held across all open cursors.
    rows: usize,
}

#[derive(Debug)]
struct Cursor {
    result: Arc<ResultSet>,
    batch: usize,
    last_used: Instant,
    /// Its key in `by_use`.
    used: u64,
}

impl Cursors {
    /// Keeps a result for paging and returns its cursor id.
    pub fn open(&mut self, result: Arc<ResultSet>, batch: usize) -> String {
        let now = Instant::now();
        self.expire(now);
        self.next_serial += 1;
        self.clock += 1;
        let id = SfId::mint("01g", self.next_serial).to_string();
        self.rows += result.row_count();
        self.by_use.insert(self.clock, id.clone());
        self.open.insert(
            id.clone(),
            Cursor {
                result,
                batch,
                last_used: now,
                used: self.clock,
            },
        );
        while self.open.len() > MAX_CURSORS || (self.rows > MAX_CURSOR_ROWS && self.open.len() > 1)
        {
            self.evict_oldest();
        }
        id
    }

    /// The result and page size of a live cursor, marking it used.
    pub fn fetch(&mut self, id: &str) -> Option<(Arc<ResultSet>, usize)> {
        let now = Instant::now();
        self.expire(now);
        let cursor = self.open.get_mut(id)?;
        self.by_use.remove(&cursor.used);
        self.clock += 1;
        cursor.used = self.clock;
        cursor.last_used = now;
        self.by_use.insert(self.clock, id.to_string());
        Some((cursor.result.clone(), cursor.batch))
    }

    /// How many cursors are open.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no cursor is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Closes every cursor (an org reset).
    pub fn clear(&mut self) {
        *self = Cursors {
            next_serial: self.next_serial,
            clock: self.clock,
            ..Cursors::default()
        };
    }

    /// Closes cursors idle for [`CURSOR_IDLE`], least recently used first.
    fn expire(&mut self, now: Instant) {
        while let Some((_, id)) = self.by_use.first_key_value() {
            let idle = self
                .open
                .get(id)
                .is_none_or(|c| now.duration_since(c.last_used) >= CURSOR_IDLE);
            if !idle {
                return;
            }
            self.evict_oldest();
        }
    }

    /// Closes the least recently used cursor.
    fn evict_oldest(&mut self) {
        if let Some((_, id)) = self.by_use.pop_first()
            && let Some(cursor) = self.open.remove(&id)
        {
            self.rows = self.rows.saturating_sub(cursor.result.row_count());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_size_is_read_and_clamped() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("sforce-query-options", value.parse().unwrap());
            batch_size(&headers)
        };
        assert_eq!(batch_size(&HeaderMap::new()), 2000);
        assert_eq!(with("batchSize=500"), 500);
        assert_eq!(with("batchSize=5"), 200);
        assert_eq!(with("batchsize=99999"), 2000);
        assert_eq!(with("batchSize=lots"), 2000);
    }

    fn empty_result() -> Arc<ResultSet> {
        let schema = std::sync::Arc::new(crate::salesforce::schema::Schema::built_in().unwrap());
        let org = Org::new(schema);
        Arc::new(soql::execute(&org, "SELECT Id FROM Account", false).unwrap())
    }

    #[test]
    fn cursors_expire_when_idle_and_the_least_recently_used_goes_first() {
        let result = empty_result();
        let mut cursors = Cursors::default();
        let first = cursors.open(result.clone(), 200);
        let second = cursors.open(result.clone(), 200);
        assert!(first.starts_with("01g") && first.len() == 18);
        assert!(cursors.fetch(&first).is_some());
        for _ in 0..MAX_CURSORS - 1 {
            cursors.open(result.clone(), 200);
        }
        assert_eq!(cursors.len(), MAX_CURSORS);
        assert!(
            cursors.fetch(&second).is_none(),
            "least recently used is evicted"
        );
        assert!(cursors.fetch(&first).is_some(), "used since, so kept");
        cursors.expire(Instant::now() + CURSOR_IDLE + Duration::from_secs(1));
        assert!(cursors.is_empty());
        assert!(cursors.fetch(&first).is_none());
    }
}
