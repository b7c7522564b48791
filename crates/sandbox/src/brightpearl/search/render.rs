//! The search body: `response.results`, `response.metaData` and the top-level `reference`, keys
//! in the order of the recordings (§6.4).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::catalogue::Catalogue;
use super::cell::{Cell, Record};
use super::query::Plan;
use crate::brightpearl::wire::{format_time, money};

/// Looks up one reference entry: the reference map's name and the cell keying into it.
pub type Reference<'f> = &'f dyn Fn(&str, &Cell<'_>) -> Option<Json>;

/// What one page of a search rendered needs.
pub(super) struct Page<'p, R> {
    pub catalogue: &'p Catalogue,
    pub plan: &'p Plan,
    /// Every record that passed the filters.
    pub records: &'p [R],
    /// Indices into `records` of the rows returned, in order.
    pub rows: &'p [usize],
    pub offset_minutes: i32,
}

impl<R: Record> Page<'_, R> {
    /// `{"response":{"results":…,"metaData":…},"reference":…}`.
    pub(super) fn body(&self, reference: Reference<'_>) -> Json {
        let mut response = Map::new();
        response.insert("results".into(), self.results());
        response.insert("metaData".into(), self.meta_data());
        let mut body = Map::new();
        body.insert("response".into(), Json::Object(response));
        body.insert("reference".into(), self.reference(reference));
        Json::Object(body)
    }

    fn results(&self) -> Json {
        let rows = self.rows.iter().map(|&row| {
            let record = &self.records[row];
            let cells = self
                .plan
                .columns
                .iter()
                .map(|&column| render(record.cell(column), self.offset_minutes));
            Json::Array(cells.collect())
        });
        Json::Array(rows.collect())
    }

    fn meta_data(&self) -> Json {
        let columns = self.catalogue.columns;
        let returned = self.rows.len();
        let mut meta = Map::new();
        let last = self
            .plan
            .first_result
            .saturating_add(returned)
            .saturating_sub(1);
        meta.insert(
            "morePagesAvailable".into(),
            Json::Bool(returned > 0 && last < self.records.len()),
        );
        meta.insert("resultsAvailable".into(), Json::from(self.records.len()));
        meta.insert("resultsReturned".into(), Json::from(returned));
        if returned > 0 {
            meta.insert("firstResult".into(), Json::from(self.plan.first_result));
            meta.insert("lastResult".into(), Json::from(last));
        }
        meta.insert(
            "columns".into(),
            Json::Array(
                self.plan
                    .columns
                    .iter()
                    .map(|&c| columns[c].to_json())
                    .collect(),
            ),
        );
        let sorting = self.plan.sorting.iter().map(|key| {
            let mut entry = Map::new();
            // The recordings put the column object under `filterable`; clients may rely on it.
            entry.insert("filterable".into(), columns[key.column].to_json());
            let direction = if key.descending { "DESC" } else { "ASC" };
            entry.insert("direction".into(), Json::from(direction));
            Json::Object(entry)
        });
        meta.insert("sorting".into(), Json::Array(sorting.collect()));
        Json::Object(meta)
    }

    /// The reference maps named by the returned columns, holding only the keys the returned
    /// rows use, ids ascending. The closure is asked once per distinct key.
    fn reference(&self, lookup: Reference<'_>) -> Json {
        let mut maps: Vec<(&str, BTreeMap<RefKey, Option<Json>>)> = Vec::new();
        for &column in &self.plan.columns {
            let names = self.catalogue.columns[column].reference_data;
            for &name in names {
                let at = match maps.iter().position(|(n, _)| *n == name) {
                    Some(at) => at,
                    None => {
                        maps.push((name, BTreeMap::new()));
                        maps.len() - 1
                    }
                };
                let entries = &mut maps[at].1;
                for &row in self.rows {
                    let cell = self.records[row].cell(column);
                    let Some(key) = RefKey::of(&cell, self.offset_minutes) else {
                        continue;
                    };
                    entries.entry(key).or_insert_with(|| lookup(name, &cell));
                }
            }
        }
        let mut reference = Map::new();
        for (name, entries) in maps {
            let found: Map<String, Json> = entries
                .into_iter()
                .filter_map(|(key, value)| Some((key.into_string(), value?)))
                .collect();
            if !found.is_empty() {
                reference.insert(name.to_string(), Json::Object(found));
            }
        }
        Json::Object(reference)
    }
}

/// A reference map key: ids sort as numbers, anything else after them as text.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RefKey {
    Id(i64),
    Text(String),
}

impl RefKey {
    fn of(cell: &Cell<'_>, offset_minutes: i32) -> Option<RefKey> {
        let text = match render(cell.reborrow(), offset_minutes) {
            Json::Null => return None,
            Json::Number(n) if n.is_i64() => return n.as_i64().map(RefKey::Id),
            Json::String(s) => s,
            other => other.to_string(),
        };
        Some(match text.parse::<i64>() {
            Ok(id) if id.to_string() == text => RefKey::Id(id),
            _ => RefKey::Text(text),
        })
    }

    fn into_string(self) -> String {
        match self {
            RefKey::Id(id) => id.to_string(),
            RefKey::Text(text) => text,
        }
    }
}

/// A cell as it appears in `results`.
fn render(cell: Cell<'_>, offset_minutes: i32) -> Json {
    match cell {
        Cell::Null => Json::Null,
        Cell::Int(i) => Json::from(i),
        Cell::Text(s) => Json::String(s.into_owned()),
        Cell::Bool(b) => Json::Bool(b),
        Cell::Time(ms) => Json::String(format_time(ms, offset_minutes)),
        Cell::Money(d, places) => Json::String(money(d, places)),
        Cell::Json(v) => v.into_owned(),
    }
}
