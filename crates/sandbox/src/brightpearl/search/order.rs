//! Sorting and paging: sort keys are read once per matching record, indices (not records) are
//! ordered, and only the returned page is fully sorted.

use std::borrow::Cow;
use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::cell::{Cell, Record};
use super::query::SortKey;
use crate::brightpearl::wire::decimal;

/// A cell reduced to what ordering needs. Variants are declared in sort order: nulls first
/// (ascending; last when descending, as MySQL orders them), then booleans, numbers, text.
#[derive(Debug)]
enum Key<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Number(Decimal),
    Text(Cow<'a, str>),
}

impl<'a> Key<'a> {
    fn of(cell: Cell<'a>) -> Key<'a> {
        match cell {
            Cell::Null => Key::Null,
            Cell::Int(i) | Cell::Time(i) => Key::Int(i),
            Cell::Bool(b) => Key::Bool(b),
            Cell::Money(d, _) => Key::Number(d),
            Cell::Text(s) => Key::Text(s),
            Cell::Json(v) => match v.as_ref() {
                Json::Null => Key::Null,
                Json::Bool(b) => Key::Bool(*b),
                Json::Number(n) => n
                    .as_i64()
                    .map(Key::Int)
                    .or_else(|| decimal(v.as_ref()).map(Key::Number))
                    .unwrap_or(Key::Null),
                Json::String(s) => Key::Text(Cow::Owned(s.clone())),
                other => Key::Text(Cow::Owned(other.to_string())),
            },
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Null => 0,
            Key::Bool(_) => 1,
            Key::Int(_) | Key::Number(_) => 2,
            Key::Text(_) => 3,
        }
    }
}

fn compare(a: &Key<'_>, b: &Key<'_>) -> Ordering {
    match (a, b) {
        (Key::Bool(x), Key::Bool(y)) => x.cmp(y),
        (Key::Int(x), Key::Int(y)) => x.cmp(y),
        (Key::Number(x), Key::Number(y)) => x.cmp(y),
        (Key::Int(x), Key::Number(y)) => Decimal::from(*x).cmp(y),
        (Key::Number(x), Key::Int(y)) => x.cmp(&Decimal::from(*y)),
        (Key::Text(x), Key::Text(y)) => compare_text(x, y),
        _ => a.rank().cmp(&b.rank()),
    }
}

/// Case-insensitive order (as a case-insensitive collation sorts), then exact order so that
/// `abc` and `ABC` still have a fixed relative place.
fn compare_text(a: &str, b: &str) -> Ordering {
    let folded = if a.is_ascii() && b.is_ascii() {
        let lower_a = a.bytes().map(|c| c.to_ascii_lowercase());
        lower_a.cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        let lower_a = a.chars().flat_map(char::to_lowercase);
        lower_a.cmp(b.chars().flat_map(char::to_lowercase))
    };
    folded.then_with(|| a.cmp(b))
}

/// The indices into `records` of rows `start..start + size` (0-based) in `keys` order. Records
/// that compare equal on every key keep the order they were handed over in.
pub(super) fn page<R: Record>(
    records: &[R],
    keys: &[SortKey],
    start: usize,
    size: usize,
) -> Vec<usize> {
    let count = records.len();
    if start >= count || size == 0 {
        return Vec::new();
    }
    let end = start.saturating_add(size).min(count);
    let width = keys.len();
    let values: Vec<Key<'_>> = records
        .iter()
        .flat_map(|record| keys.iter().map(move |k| Key::of(record.cell(k.column))))
        .collect();
    let order = |a: &usize, b: &usize| {
        for (j, key) in keys.iter().enumerate() {
            let ordering = compare(&values[a * width + j], &values[b * width + j]);
            let ordering = if key.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        a.cmp(b)
    };
    let mut indices: Vec<usize> = (0..count).collect();
    // Only the page needs full order: partition off the rows before it and after it in linear
    // time, then sort the page alone, so late pages cost no more than early ones.
    if start > 0 {
        indices.select_nth_unstable_by(start, order);
    }
    let rest = &mut indices[start..];
    let wanted = end - start;
    if wanted < rest.len() {
        rest.select_nth_unstable_by(wanted, order);
    }
    let page = &mut rest[..wanted];
    page.sort_unstable_by(order);
    page.to_vec()
}
