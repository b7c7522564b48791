//! The values a resource hands the search: one [`Cell`] per catalogue column, read lazily
//! through [`Record`] so that a search over 100,000 records touches only the cells its filters
//! and sort need, and renders only the page it returns.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde_json::Value as Json;

/// One value of one column of one record. Borrowing (`Cow`) lets a resource hand over its own
/// strings without copying them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No value: rendered `null`, matched by no filter.
    Null,
    /// A whole number (ids, status ids, counts).
    Int(i64),
    /// Text.
    Text(Cow<'a, str>),
    /// `true` / `false`.
    Bool(bool),
    /// UTC milliseconds, rendered in the account's offset (`2022-01-26T10:39:46.000-06:00`).
    Time(i64),
    /// Money or a quantity, rendered as a decimal string with this many places (`"100.00"`).
    Money(Decimal, u32),
    /// Any JSON as it stands; an array of ids matches INTEGER and IDSET filters by any element.
    Json(Cow<'a, Json>),
}

impl<'a> Cell<'a> {
    /// A text cell from a borrowed or owned string.
    pub fn text(value: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Text(value.into())
    }

    /// The same value, borrowing from `self` instead of owning.
    pub fn reborrow(&self) -> Cell<'_> {
        match self {
            Cell::Null => Cell::Null,
            Cell::Int(i) => Cell::Int(*i),
            Cell::Text(s) => Cell::Text(Cow::Borrowed(s)),
            Cell::Bool(b) => Cell::Bool(*b),
            Cell::Time(ms) => Cell::Time(*ms),
            Cell::Money(d, places) => Cell::Money(*d, *places),
            Cell::Json(v) => Cell::Json(Cow::Borrowed(v)),
        }
    }

    /// The same value, owning everything (for [`Row`]s built from temporaries).
    pub fn into_owned(self) -> Cell<'static> {
        match self {
            Cell::Null => Cell::Null,
            Cell::Int(i) => Cell::Int(i),
            Cell::Text(s) => Cell::Text(Cow::Owned(s.into_owned())),
            Cell::Bool(b) => Cell::Bool(b),
            Cell::Time(ms) => Cell::Time(ms),
            Cell::Money(d, places) => Cell::Money(d, places),
            Cell::Json(v) => Cell::Json(Cow::Owned(v.into_owned())),
        }
    }
}

impl From<i64> for Cell<'_> {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}

impl From<i32> for Cell<'_> {
    fn from(value: i32) -> Self {
        Cell::Int(i64::from(value))
    }
}

impl From<u32> for Cell<'_> {
    fn from(value: u32) -> Self {
        Cell::Int(i64::from(value))
    }
}

impl From<u64> for Cell<'_> {
    /// Ids are `u64` in the sandbox; none comes near `i64::MAX`, which bounds the conversion.
    fn from(value: u64) -> Self {
        Cell::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Cell<'_> {
    fn from(value: bool) -> Self {
        Cell::Bool(value)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(value: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(value))
    }
}

impl From<String> for Cell<'_> {
    fn from(value: String) -> Self {
        Cell::Text(Cow::Owned(value))
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Null, Into::into)
    }
}

/// Anything a search can read: a resource implements it on its record type (or on a view of
/// it), answering by cell index over the catalogue's `columns` then `extra_filters`.
pub trait Record {
    /// The value of the column at `column`; `Cell::Null` for an index it does not know.
    fn cell(&self, column: usize) -> Cell<'_>;
}

impl<T: Record + ?Sized> Record for &T {
    fn cell(&self, column: usize) -> Cell<'_> {
        (**self).cell(column)
    }
}

/// A record built eagerly, cell by cell, for resources small enough not to need a [`Record`]
/// implementation of their own. Building and dropping rows costs about as much as the search
/// itself (some 0.6 µs a record), so large resources implement [`Record`] on their own type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// Cells in catalogue order: `columns`, then `extra_filters`. Missing trailing cells are null.
    pub cells: Vec<Cell<'static>>,
}

impl Record for Row {
    fn cell(&self, column: usize) -> Cell<'_> {
        self.cells.get(column).map_or(Cell::Null, Cell::reborrow)
    }
}
