//! Filters: a query value parsed once by the column's data type (§6.3), then tested against each
//! record's cell. Parsing fails only where Brightpearl answers CMNC-018.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::catalogue::{Catalogue, Column, DataType};
use super::cell::{Cell, Record};
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::wire::{decimal, parse_time};

const DAY_MS: i64 = 86_400_000;

/// One parsed filter on one cell index.
#[derive(Debug)]
pub(super) struct Filter {
    column: usize,
    test: Test,
}

/// A value to compare whole: lower-cased text, and the number it spells if it spells one (so
/// `amountPaid=100` finds `"100.00"`).
#[derive(Debug)]
struct Needle {
    lower: String,
    number: Option<Decimal>,
}

#[derive(Debug)]
enum Test {
    Integer(i64),
    Ids(HashSet<u64>),
    Equals(Needle),
    Contains(String),
    Boolean(bool),
    OneOf(Vec<Needle>),
    /// Inclusive bounds in UTC milliseconds.
    Within {
        from: Option<i64>,
        to: Option<i64>,
    },
    /// Every word must occur in one of `columns`.
    FreeText {
        words: Vec<String>,
        columns: Vec<usize>,
    },
}

impl Filter {
    /// Parses `value` for the column at `column`; `None` means "cannot be parsed as" its type.
    pub(super) fn parse(catalogue: &Catalogue, column: usize, value: &str) -> Option<Filter> {
        let data_type = catalogue.column(column)?.data_type;
        let test = match data_type {
            DataType::Integer => Test::Integer(value.trim().parse().ok()?),
            DataType::IdSet => Test::Ids(
                IdSet::parse(value, false)
                    .ok()?
                    .ids()
                    .iter()
                    .copied()
                    .collect(),
            ),
            DataType::String => Test::Equals(Needle::new(value)),
            DataType::SearchString => Test::Contains(value.to_lowercase()),
            DataType::Boolean => Test::Boolean(parse_bool(value)?),
            DataType::StringSet => Test::OneOf(value.split('.').map(Needle::new).collect()),
            DataType::Period | DataType::DateTime => {
                let (from, to) = parse_period(value)?;
                Test::Within { from, to }
            }
            DataType::FreeTextQuery => Test::FreeText {
                words: value.split_whitespace().map(str::to_lowercase).collect(),
                columns: free_text_columns(catalogue),
            },
        };
        Some(Filter { column, test })
    }

    /// Whether `record` passes.
    pub(super) fn matches(&self, record: &impl Record) -> bool {
        if let Test::FreeText { words, columns } = &self.test {
            return words
                .iter()
                .all(|word| columns.iter().any(|&c| contains(&record.cell(c), word)));
        }
        let cell = record.cell(self.column);
        match &self.test {
            Test::Integer(n) => any_value(&cell, |v| v.as_integer() == Some(*n)),
            Test::Ids(ids) => any_value(&cell, |v| {
                v.as_integer()
                    .and_then(|i| u64::try_from(i).ok())
                    .is_some_and(|id| ids.contains(&id))
            }),
            Test::Equals(needle) => equals(&cell, needle),
            Test::Contains(lower) => contains(&cell, lower),
            Test::Boolean(b) => any_value(&cell, |v| v.as_bool() == Some(*b)),
            Test::OneOf(needles) => needles.iter().any(|n| equals(&cell, n)),
            Test::Within { from, to } => any_value(&cell, |v| {
                v.as_time().is_some_and(|ms| {
                    from.is_none_or(|from| ms >= from) && to.is_none_or(|to| ms <= to)
                })
            }),
            Test::FreeText { .. } => false,
        }
    }
}

impl Needle {
    fn new(value: &str) -> Needle {
        Needle {
            lower: value.to_lowercase(),
            number: value.trim().parse::<Decimal>().ok(),
        }
    }
}

/// The columns a FREE_TEXT_QUERY searches: those flagged free-text, or every SEARCH_STRING
/// column when the catalogue flags none (reference §6.3: "matches any SEARCH_STRING column").
fn free_text_columns(catalogue: &Catalogue) -> Vec<usize> {
    let indices_where = |wanted: &dyn Fn(&Column) -> bool| -> Vec<usize> {
        let columns = catalogue.all().enumerate();
        columns.filter(|(_, c)| wanted(c)).map(|(i, _)| i).collect()
    };
    let flagged = indices_where(&|c| c.free_text);
    if flagged.is_empty() {
        indices_where(&|c| c.data_type == DataType::SearchString)
    } else {
        flagged
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `from/to`, `from/`, `/to` or a single value, as inclusive millisecond bounds. A date-only
/// upper bound (or a single date) covers that whole day; a single datetime is that instant.
pub(super) fn parse_period(value: &str) -> Option<(Option<i64>, Option<i64>)> {
    // A `+01:00` offset arrives as ` 01:00` when the client did not percent-encode the `+`.
    let value = value.trim().replace(' ', "+");
    match value.split_once('/') {
        None => {
            let at = parse_time(&value)?;
            let to = if is_date(&value) { at + DAY_MS - 1 } else { at };
            Some((Some(at), Some(to)))
        }
        Some((from, to)) => {
            if to.contains('/') || (from.is_empty() && to.is_empty()) {
                return None;
            }
            let from = match from {
                "" => None,
                from => Some(parse_time(from)?),
            };
            let to = match to {
                "" => None,
                to if is_date(to) => Some(parse_time(to)? + DAY_MS - 1),
                to => Some(parse_time(to)?),
            };
            Some((from, to))
        }
    }
}

/// `2022-01-31` rather than a datetime (the form `wire::parse_time` reads as a date).
fn is_date(text: &str) -> bool {
    text.trim().len() == 10
}

/// A cell's scalar, or each element of a JSON array, seen through one lens.
enum Scalar<'c> {
    Int(i64),
    Text(&'c str),
    Bool(bool),
    Time(i64),
    Number(Decimal),
}

impl Scalar<'_> {
    fn as_integer(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Number(d) if d.fract().is_zero() => i64::try_from(*d).ok(),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Text(s) => parse_bool(s),
            Scalar::Int(i) => Some(*i != 0),
            _ => None,
        }
    }

    fn as_time(&self) -> Option<i64> {
        match self {
            Scalar::Time(ms) => Some(*ms),
            Scalar::Text(s) => parse_time(s),
            _ => None,
        }
    }
}

/// Whether `test` holds for the cell's value or, for a JSON array, for any element.
fn any_value(cell: &Cell<'_>, test: impl Fn(&Scalar<'_>) -> bool) -> bool {
    match cell {
        Cell::Null => false,
        Cell::Int(i) => test(&Scalar::Int(*i)),
        Cell::Text(s) => test(&Scalar::Text(s)),
        Cell::Bool(b) => test(&Scalar::Bool(*b)),
        Cell::Time(ms) => test(&Scalar::Time(*ms)),
        Cell::Money(d, _) => test(&Scalar::Number(*d)),
        Cell::Json(v) => match v.as_ref() {
            Json::Array(items) => items
                .iter()
                .any(|item| json_scalar(item).is_some_and(|s| test(&s))),
            other => json_scalar(other).is_some_and(|s| test(&s)),
        },
    }
}

fn json_scalar(value: &Json) -> Option<Scalar<'_>> {
    match value {
        Json::Bool(b) => Some(Scalar::Bool(*b)),
        Json::String(s) => Some(Scalar::Text(s)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Some(Scalar::Int(i)),
            None => decimal(value).map(Scalar::Number),
        },
        Json::Null | Json::Array(_) | Json::Object(_) => None,
    }
}

/// STRING equality: text case-insensitively, numbers by value.
fn equals(cell: &Cell<'_>, needle: &Needle) -> bool {
    any_value(cell, |v| match v {
        Scalar::Text(s) => eq_ignore_case(s, &needle.lower),
        Scalar::Int(i) => needle.number == Some(Decimal::from(*i)),
        Scalar::Number(d) => needle.number == Some(*d),
        Scalar::Bool(b) => needle.lower == if *b { "true" } else { "false" },
        Scalar::Time(_) => false,
    })
}

/// SEARCH_STRING: a case-insensitive substring of the text (or of a number's digits).
fn contains(cell: &Cell<'_>, lower: &str) -> bool {
    any_value(cell, |v| match v {
        Scalar::Text(s) => contains_ignore_case(s, lower),
        Scalar::Int(i) => i.to_string().contains(lower),
        Scalar::Number(d) => d.to_string().contains(lower),
        Scalar::Bool(_) | Scalar::Time(_) => false,
    })
}

/// `text` equals the already lower-cased `lower`, ignoring case; no allocation for ASCII.
fn eq_ignore_case(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        text.eq_ignore_ascii_case(lower)
    } else {
        text.to_lowercase() == lower
    }
}

/// `text` contains the already lower-cased `lower`, ignoring case; no allocation for ASCII.
fn contains_ignore_case(text: &str, lower: &str) -> bool {
    if lower.is_empty() {
        return true;
    }
    if text.is_ascii() && lower.is_ascii() {
        return text
            .as_bytes()
            .windows(lower.len())
            .any(|w| w.eq_ignore_ascii_case(lower.as_bytes()));
    }
    text.to_lowercase().contains(lower)
}
