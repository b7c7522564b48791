//! A SOQL builder that cannot produce an injected query.
//!
//! Names (objects, fields, relationship paths) are validated against Salesforce's API-name
//! rule and refused otherwise, never escaped; values are typed ([`Value`]) and only text is
//! escaped, by [`escape_text`]. A query is built in two steps: [`Soql`] collects the parts
//! (and any problem), [`Soql::build`] checks them and yields a [`Query`], whose `Display` is
//! the SOQL text.
//!
//! ```
//! use ferry_salesforce::soql::{Cond, Order, Soql, Value};
//! let query = Soql::select(["Id", "Name"])
//!     .from("Account")
//!     .filter(Cond::eq("ExternalID__c", Value::text("C-42")))
//!     .and(Cond::not_null("Name"))
//!     .order_by("Name", Order::Asc)
//!     .limit(10)
//!     .build()
//!     .unwrap();
//! assert_eq!(
//!     query.to_string(),
//!     "SELECT Id, Name FROM Account WHERE ExternalID__c = 'C-42' AND Name != null \
//!      ORDER BY Name ASC LIMIT 10"
//! );
//! ```

mod cond;
mod error;
mod ident;
mod value;

pub use cond::{Cond, Op, Pattern};
pub use error::SoqlError;
pub use ident::Ident;
pub use value::{DateLiteral, RecordId, Value, escape_like, escape_text};

use cond::Node;
use std::fmt;

/// Salesforce's longest SOQL statement, in characters.
pub const MAX_SOQL_CHARS: usize = 100_000;

/// A safe budget for the URL-encoded `q` parameter of a GET: Salesforce answers 414 above
/// 16,384 bytes of URI, and the host, path and other parameters need some of that.
pub const MAX_URL_QUERY_CHARS: usize = 15_000;

/// The deepest OFFSET Salesforce allows.
pub const MAX_OFFSET: u32 = 2_000;

/// How a query's length is measured against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthLimit {
    /// The SOQL text itself, in characters (for a POSTed query, e.g. a Bulk 2.0 job).
    Soql(usize),
    /// The SOQL text once URL-encoded for `?q=` (for a REST GET). Counted conservatively:
    /// every byte other than a letter, digit, `-`, `.` or `_` as three characters.
    Url(usize),
}

impl LengthLimit {
    /// The limit for a REST `GET /query?q=`.
    pub fn get() -> LengthLimit {
        LengthLimit::Url(MAX_URL_QUERY_CHARS)
    }

    /// The limit for SOQL sent in a body.
    pub fn body() -> LengthLimit {
        LengthLimit::Soql(MAX_SOQL_CHARS)
    }

    /// The length of `text` as this limit counts it.
    pub fn measure(self, text: &str) -> usize {
        match self {
            LengthLimit::Soql(_) => text.chars().count(),
            LengthLimit::Url(_) => text
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                        1
                    } else {
                        3
                    }
                })
                .sum(),
        }
    }

    /// The largest length allowed (never above [`MAX_SOQL_CHARS`]).
    pub fn max(self) -> usize {
        match self {
            LengthLimit::Soql(max) => max.min(MAX_SOQL_CHARS),
            LengthLimit::Url(max) => max,
        }
    }

    fn fits(self, text: &str) -> Result<(), SoqlError> {
        let length = self.measure(text);
        let chars = text.chars().count();
        if length > self.max() || chars > MAX_SOQL_CHARS {
            return Err(SoqlError::TooLong {
                length: length.max(chars),
                max: self.max(),
            });
        }
        Ok(())
    }
}

/// Sort direction for ORDER BY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `ASC`
    Asc,
    /// `DESC`
    Desc,
}

/// Where empty values sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

/// What the SELECT clause asks for.
#[derive(Debug, Clone, PartialEq)]
enum Selection {
    Fields(Vec<Ident>),
    Count,
}

/// A query being put together. Problems are remembered and reported by [`Soql::build`].
#[derive(Debug, Clone, PartialEq)]
pub struct Soql {
    selection: Selection,
    object: Option<Ident>,
    filter: Option<Cond>,
    order: Vec<(Ident, Order, Option<Nulls>)>,
    limit: Option<u32>,
    offset: Option<u32>,
    /// The first problem met while building; later ones would only repeat the lesson.
    error: Option<SoqlError>,
}

impl Soql {
    /// `SELECT f1, f2, ...`. Repeated names (in any case) are selected once, because
    /// Salesforce refuses a duplicate field.
    pub fn select<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> Soql {
        let mut query = Soql::empty(Selection::Fields(Vec::new()));
        let mut selected = Vec::new();
        for field in fields {
            match Ident::field(field.as_ref()) {
                Ok(ident) => {
                    let seen = selected
                        .iter()
                        .any(|s: &Ident| s.as_str().eq_ignore_ascii_case(ident.as_str()));
                    if !seen {
                        selected.push(ident);
                    }
                }
                Err(error) => query.remember(error),
            }
        }
        query.selection = Selection::Fields(selected);
        query
    }

    /// `SELECT COUNT()`: the answer's `totalSize` is the number of matching records.
    pub fn count() -> Soql {
        Soql::empty(Selection::Count)
    }

    fn empty(selection: Selection) -> Soql {
        Soql {
            selection,
            object: None,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            error: None,
        }
    }

    fn remember(&mut self, error: SoqlError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// `FROM object`.
    pub fn from(mut self, object: &str) -> Soql {
        match Ident::object(object) {
            Ok(ident) => self.object = Some(ident),
            Err(error) => self.remember(error),
        }
        self
    }

    /// `WHERE cond`; a second call ANDs with the first (same as [`Soql::and`]).
    pub fn filter(self, cond: Cond) -> Soql {
        self.and(cond)
    }

    /// Adds `AND cond` to the WHERE clause (or starts it).
    pub fn and(mut self, cond: Cond) -> Soql {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(cond),
            None => cond,
        });
        self
    }

    /// `ORDER BY field ASC|DESC` (call again for a second key).
    pub fn order_by(self, field: &str, order: Order) -> Soql {
        self.order_key(field, order, None)
    }

    /// `ORDER BY field ASC|DESC NULLS FIRST|LAST`.
    pub fn order_by_nulls(self, field: &str, order: Order, nulls: Nulls) -> Soql {
        self.order_key(field, order, Some(nulls))
    }

    fn order_key(mut self, field: &str, order: Order, nulls: Option<Nulls>) -> Soql {
        match Ident::field(field) {
            Ok(ident) => self.order.push((ident, order, nulls)),
            Err(SoqlError::InvalidIdentifier { name, reason, .. }) => {
                self.remember(SoqlError::InvalidIdentifier {
                    role: "ORDER BY field",
                    name,
                    reason,
                })
            }
            Err(error) => self.remember(error),
        }
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u32) -> Soql {
        self.limit = Some(n);
        self
    }

    /// `OFFSET n` (at most [`MAX_OFFSET`]; page deeper with a WHERE on a sorted key instead).
    pub fn offset(mut self, n: u32) -> Soql {
        self.offset = Some(n);
        self
    }

    /// Checks every part and renders the query; refuses one over [`MAX_SOQL_CHARS`].
    pub fn build(&self) -> Result<Query, SoqlError> {
        let text = self.render(self.filter.as_ref(), true)?;
        LengthLimit::body().fits(&text)?;
        Ok(Query { text })
    }

    /// [`Soql::build`], then the text.
    pub fn to_soql(&self) -> Result<String, SoqlError> {
        self.build().map(|query| query.text)
    }

    /// Renders the query with `filter` as its WHERE clause; `check` is off only to measure a
    /// chunk skeleton whose IN list is still empty.
    fn render(&self, filter: Option<&Cond>, check: bool) -> Result<String, SoqlError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let object = self
            .object
            .as_ref()
            .ok_or(SoqlError::Incomplete("FROM object", "Soql::from"))?;
        let mut out = String::from("SELECT ");
        match &self.selection {
            Selection::Fields(fields) if fields.is_empty() => {
                return Err(SoqlError::Incomplete("selected fields", "Soql::select"));
            }
            Selection::Fields(fields) => {
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(field.as_str());
                }
            }
            Selection::Count => out.push_str("COUNT()"),
        }
        out.push_str(" FROM ");
        out.push_str(object.as_str());
        if let Some(cond) = filter {
            if check {
                cond.check()?;
            }
            out.push_str(" WHERE ");
            cond.write(&mut out)
                .map_err(|_| SoqlError::Bounds("the WHERE clause could not be written".into()))?;
        }
        for (i, (field, order, nulls)) in self.order.iter().enumerate() {
            out.push_str(if i == 0 { " ORDER BY " } else { ", " });
            out.push_str(field.as_str());
            out.push_str(match order {
                Order::Asc => " ASC",
                Order::Desc => " DESC",
            });
            match nulls {
                Some(Nulls::First) => out.push_str(" NULLS FIRST"),
                Some(Nulls::Last) => out.push_str(" NULLS LAST"),
                None => {}
            }
        }
        if let Some(limit) = self.limit {
            out.push_str(&format!(" LIMIT {limit}"));
        }
        if let Some(offset) = self.offset {
            if offset > MAX_OFFSET {
                return Err(SoqlError::Bounds(format!(
                    "OFFSET {offset} is above Salesforce's maximum of {MAX_OFFSET}: page with \
                     `WHERE Id > <last id> ORDER BY Id` instead"
                )));
            }
            out.push_str(&format!(" OFFSET {offset}"));
        }
        Ok(out)
    }

    /// Splits a long `field IN (...)` lookup into as few queries as fit `limit`: each query is
    /// this one with `AND field IN (chunk)` added. No values give no queries (there is nothing
    /// to look up). A single value too long to fit on its own is refused.
    pub fn in_chunks(
        &self,
        field: &str,
        values: impl IntoIterator<Item = Value>,
        limit: LengthLimit,
    ) -> Result<Vec<Query>, SoqlError> {
        let field = Ident::field(field)?;
        let values: Vec<Value> = values.into_iter().collect();
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let with_list = |list: Vec<Value>| {
            let list = Cond(Node::In {
                field: field.clone(),
                values: list,
                negated: false,
            });
            match &self.filter {
                Some(existing) => Cond::all([existing.clone(), list]),
                None => list,
            }
        };
        // The query with an empty list, `... IN ()`, plus each value and separator, is the
        // exact length of a chunk: rendering is additive.
        if let Some(existing) = &self.filter {
            existing.check()?;
        }
        let skeleton = self.render(Some(&with_list(Vec::new())), false)?;
        let base = limit.measure(&skeleton);
        let separator = limit.measure(", ");
        let mut queries = Vec::new();
        let mut chunk: Vec<Value> = Vec::new();
        let mut length = base;
        for value in values {
            let size = limit.measure(&value.to_string());
            let extra = if chunk.is_empty() {
                size
            } else {
                size + separator
            };
            if length + extra > limit.max() && !chunk.is_empty() {
                queries.push(self.finish(with_list(std::mem::take(&mut chunk)), limit)?);
                length = base;
                chunk.push(value);
                length += size;
            } else {
                chunk.push(value);
                length += extra;
            }
        }
        queries.push(self.finish(with_list(chunk), limit)?);
        Ok(queries)
    }

    fn finish(&self, filter: Cond, limit: LengthLimit) -> Result<Query, SoqlError> {
        let text = self.render(Some(&filter), true)?;
        limit.fits(&text)?;
        Ok(Query { text })
    }
}

/// A checked query; `to_string()` gives the SOQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    text: String,
}

impl Query {
    /// The SOQL text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests;
