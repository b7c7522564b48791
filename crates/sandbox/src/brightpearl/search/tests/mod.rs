//! Unit tests of the search engine: filters by type, the listing (sort, paging, columns,
//! reference) and the recorded searches replayed byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod filters;
mod listing;
mod recorded;

use std::cell::Cell as Counter;

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::*;
use crate::brightpearl::wire::parse_time;

/// A catalogue with one column of every data type, plus filter-only columns.
pub(super) static THINGS: Catalogue = Catalogue {
    name: "thing-search",
    columns: &[
        Column::new("thingId", DataType::IdSet),
        Column::new("name", DataType::SearchString),
        Column::new("code", DataType::String),
        Column::new("count", DataType::Integer),
        Column::new("active", DataType::Boolean),
        Column::new("status", DataType::StringSet),
        Column::new("createdOn", DataType::Period),
        Column::new("seenAt", DataType::DateTime),
        Column::new("amount", DataType::String).unsortable(),
        Column::new("statusId", DataType::Integer).with_reference(&["statusNames"]),
        Column::new("note", DataType::String).unfilterable(),
    ],
    extra_filters: &[
        Column::new("tagIds", DataType::IdSet).unsortable(),
        Column::new("query", DataType::FreeTextQuery).unsortable(),
    ],
};

/// One record of `THINGS`, read lazily; counts the cells read.
pub(super) struct Thing {
    pub id: i64,
    pub name: String,
    pub code: &'static str,
    pub count: Option<i64>,
    pub active: bool,
    pub status: &'static str,
    pub created_on: Option<i64>,
    pub amount: Decimal,
    pub status_id: i64,
    pub tags: Json,
    pub reads: Counter<usize>,
}

impl Record for Thing {
    fn cell(&self, column: usize) -> Cell<'_> {
        self.reads.set(self.reads.get() + 1);
        match column {
            0 => Cell::Int(self.id),
            1 => Cell::text(self.name.as_str()),
            2 => Cell::from(self.code),
            3 => Cell::from(self.count),
            4 => Cell::Bool(self.active),
            5 => Cell::from(self.status),
            6 | 7 => self.created_on.map_or(Cell::Null, Cell::Time),
            8 => Cell::Money(self.amount, 2),
            9 => Cell::Int(self.status_id),
            10 => Cell::from("fixed"),
            11 => Cell::Json(std::borrow::Cow::Borrowed(&self.tags)),
            _ => Cell::Null,
        }
    }
}

/// Five things; `createdOn` is 2022-01-0N at 10:00 UTC, and null for thing 5.
pub(super) fn things() -> Vec<Thing> {
    let day = |n: i64| parse_time(&format!("2022-01-0{n}T10:00:00Z")).unwrap();
    let thing = |id: i64, name: &str, code, count, active, status, status_id, tags: Json| Thing {
        id,
        name: name.to_string(),
        code,
        count,
        active,
        status,
        created_on: (id < 5).then(|| day(id)),
        amount: Decimal::new(id * 1000, 2),
        status_id,
        tags,
        reads: Counter::new(0),
    };
    vec![
        thing(
            1,
            "Blue Widget",
            "ABC-1",
            Some(10),
            true,
            "LIVE",
            3,
            json!([7, 8]),
        ),
        thing(
            2,
            "red widget",
            "abc-2",
            Some(20),
            false,
            "DISCONTINUED",
            3,
            json!([8]),
        ),
        thing(3, "Gadget", "XYZ", None, true, "DRAFT", 6, json!([])),
        thing(
            4,
            "Ünïcode Gadget",
            "ABC-1",
            Some(10),
            false,
            "LIVE",
            10,
            json!(9),
        ),
        thing(5, "widget blue", "", Some(-5), true, "LIVE", 99, Json::Null),
    ]
}

/// Splits `a=1&b=x y` into pairs, already decoded (tests write the decoded text).
pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Looks statuses up like an account's order statuses would.
pub(super) fn status_names(name: &str, cell: &Cell<'_>) -> Option<Json> {
    match (name, cell) {
        ("statusNames", Cell::Int(3)) => Some(json!("New phone order")),
        ("statusNames", Cell::Int(6)) => Some(json!("Pending PO")),
        ("statusNames", Cell::Int(10)) => Some(json!("Sales credit")),
        _ => None,
    }
}

/// Runs `query` over `things()`, offset -06:00.
pub(super) fn search(query: &str) -> Result<Json, SearchError> {
    run(&THINGS, things(), &pairs(query), -360, &status_names)
}

/// The first column of every returned row.
pub(super) fn ids(body: &Json) -> Vec<i64> {
    body["response"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[0].as_i64().unwrap())
        .collect()
}

/// The ids `query` finds, sorted by the default order.
pub(super) fn found(query: &str) -> Vec<i64> {
    match search(query) {
        Ok(body) => ids(&body),
        Err(e) => panic!("{query}: {e}"),
    }
}

/// The message of the error `query` gets; fails if it succeeds or is not CMNC-018 / 500.
pub(super) fn refusal(query: &str) -> String {
    match search(query) {
        Ok(body) => panic!("{query} accepted: {body}"),
        Err(e) => {
            assert_eq!((e.status, e.code), (500, "CMNC-018"), "{query}");
            e.message
        }
    }
}
