//! The query string of a search, checked against the catalogue before any record is read:
//! filters, `columns`, `sort`, `pageSize` and `firstResult` (§6.2).

use super::SearchError;
use super::catalogue::{Catalogue, Column};
use super::filter::Filter;

/// Rows per page when `pageSize` is absent, and the most a page may hold.
pub const MAX_PAGE_SIZE: usize = 500;

/// The parameters that are not filters.
const CONTROLS: [&str; 4] = ["columns", "sort", "pageSize", "firstResult"];

/// One sort key: a column index and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SortKey {
    pub column: usize,
    pub descending: bool,
}

/// A checked query.
#[derive(Debug)]
pub(super) struct Plan {
    /// Every filter must pass.
    pub filters: Vec<Filter>,
    /// Returned columns (indices into `catalogue.columns`), in output order.
    pub columns: Vec<usize>,
    /// The sort as requested (or the default), as `metaData.sorting` reports it.
    pub sorting: Vec<SortKey>,
    /// 1-based position of the first row to return.
    pub first_result: usize,
    /// Rows per page, 1 to 500.
    pub page_size: usize,
}

impl Plan {
    /// The sort actually applied: the requested keys, then the first column ascending so that
    /// equal keys still come out in one fixed order from page to page.
    pub fn order_keys(&self) -> Vec<SortKey> {
        let mut keys = self.sorting.clone();
        if !keys.iter().any(|k| k.column == 0) {
            keys.push(SortKey {
                column: 0,
                descending: false,
            });
        }
        keys
    }
}

/// Checks `query` (decoded name/value pairs, in request order) against `catalogue`.
pub(super) fn plan(catalogue: &Catalogue, query: &[(String, String)]) -> Result<Plan, SearchError> {
    let mut plan = Plan {
        filters: Vec::new(),
        columns: (0..catalogue.columns.len()).collect(),
        sorting: vec![SortKey {
            column: 0,
            descending: false,
        }],
        first_result: 1,
        page_size: MAX_PAGE_SIZE,
    };
    for (name, value) in query {
        let times = query.iter().filter(|(n, _)| n == name).count();
        if times > 1 {
            return Err(SearchError::refused(format!(
                "The parameter {name} is given {times} times in this {} request; give it once \
                 (for both ends of a date range, write one value as from/to)",
                catalogue.name
            )));
        }
        match name.as_str() {
            "columns" => plan.columns = parse_columns(catalogue, value)?,
            "sort" => plan.sorting = parse_sort(catalogue, value)?.unwrap_or(plan.sorting),
            "pageSize" => plan.page_size = parse_count(name, value)?.min(MAX_PAGE_SIZE),
            "firstResult" => plan.first_result = parse_count(name, value)?,
            _ => plan.filters.push(parse_filter(catalogue, name, value)?),
        }
    }
    Ok(plan)
}

fn parse_filter(catalogue: &Catalogue, name: &str, value: &str) -> Result<Filter, SearchError> {
    let found = catalogue
        .index(name)
        .and_then(|i| Some((i, catalogue.column(i)?)));
    let Some((index, column)) = found else {
        let filterable = names(catalogue.all().filter(|c| c.filterable));
        return Err(SearchError::refused(format!(
            "The filter {name}={value} is not a filter of {}{}; filter on one of {filterable}, \
             or use {}",
            catalogue.name,
            did_you_mean(catalogue, name),
            CONTROLS.join(", ")
        )));
    };
    if !column.filterable {
        return Err(SearchError::refused(format!(
            "The column {name} of {} cannot be filtered on; remove {name}={value} from the query \
             and filter on one of {}",
            catalogue.name,
            names(catalogue.all().filter(|c| c.filterable))
        )));
    }
    Filter::parse(catalogue, index, value)
        .ok_or_else(|| SearchError::unparsable(name, value, column.data_type))
}

/// `columns=a,b`: names of returned columns, in the order wanted. Empty means all.
fn parse_columns(catalogue: &Catalogue, value: &str) -> Result<Vec<usize>, SearchError> {
    let mut chosen = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some(index) = catalogue.columns.iter().position(|c| c.name == name) else {
            return Err(SearchError::refused(format!(
                "columns={value}: {} has no column {name}{}; its columns are {}",
                catalogue.name,
                did_you_mean(catalogue, name),
                names(catalogue.columns.iter())
            )));
        };
        if chosen.contains(&index) {
            return Err(SearchError::refused(format!(
                "columns={value} names {name} twice; name each column once"
            )));
        }
        chosen.push(index);
    }
    if chosen.is_empty() {
        chosen = (0..catalogue.columns.len()).collect();
    }
    Ok(chosen)
}

/// `sort=a.DESC,b` or `sort=a|DESC,b`; `None` when the value names no column (default sort).
fn parse_sort(catalogue: &Catalogue, value: &str) -> Result<Option<Vec<SortKey>>, SearchError> {
    let mut keys: Vec<SortKey> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, direction) = match part.split_once('|') {
            Some((name, direction)) => (name.trim(), Some(direction.trim())),
            None => match part.rsplit_once('.') {
                Some((name, direction))
                    if direction.eq_ignore_ascii_case("ASC")
                        || direction.eq_ignore_ascii_case("DESC") =>
                {
                    (name, Some(direction))
                }
                _ => (part, None),
            },
        };
        let descending = match direction {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("ASC") => false,
            Some(d) if d.eq_ignore_ascii_case("DESC") => true,
            Some(d) => {
                return Err(SearchError::refused(format!(
                    "sort={value}: the direction {d} of {name} is neither ASC nor DESC; write \
                     {name}.DESC or {name}|ASC"
                )));
            }
        };
        let sortable = || names(catalogue.columns.iter().filter(|c| c.sortable));
        let Some(column) = catalogue.columns.iter().position(|c| c.name == name) else {
            return Err(SearchError::refused(format!(
                "sort={value}: {} has no column {name}{}; sort by one of {}",
                catalogue.name,
                did_you_mean(catalogue, name),
                sortable()
            )));
        };
        if !catalogue.columns[column].sortable {
            return Err(SearchError::refused(format!(
                "sort={value}: the column {name} of {} is not sortable; sort by one of {}",
                catalogue.name,
                sortable()
            )));
        }
        if keys.iter().any(|k| k.column == column) {
            return Err(SearchError::refused(format!(
                "sort={value} names {name} twice; name each column once"
            )));
        }
        keys.push(SortKey { column, descending });
    }
    Ok((!keys.is_empty()).then_some(keys))
}

/// `pageSize` and `firstResult`: a whole number of at least 1.
fn parse_count(name: &str, value: &str) -> Result<usize, SearchError> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(SearchError::refused(format!(
            "{name}={value} is not a whole number of 1 or more; results are numbered from 1 and \
             a page holds 1 to {MAX_PAGE_SIZE} rows"
        ))),
    }
}

fn names<'c>(columns: impl Iterator<Item = &'c Column>) -> String {
    columns.map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// ` (did you mean SKU?)` when `name` differs from a known name only in case.
fn did_you_mean(catalogue: &Catalogue, name: &str) -> String {
    catalogue
        .all()
        .map(|c| c.name)
        .chain(CONTROLS)
        .find(|known| known.eq_ignore_ascii_case(name))
        .map(|known| format!(" (did you mean {known}?)"))
        .unwrap_or_default()
}
