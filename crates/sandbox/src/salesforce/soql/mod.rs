//! SOQL: a hand-written lexer and recursive-descent parser, a compiler that resolves names
//! against the schema, and an evaluator over the [`Org`].
//!
//! The pipeline is `lexer` → `parser` (an `ast`) → `compile` (a [`plan::Plan`]: indexes and
//! typed values) → `eval` (matching ids, or aggregate rows) → `render` (JSON or CSV, one page at
//! a time). A [`ResultSet`] keeps only ids, so a cursor renders each page from the org as it
//! stands when the page is fetched, and polling 100k records allocates no JSON until the page.
//!
//! Errors are Salesforce's: `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE`,
//! `INVALID_QUERY_FILTER_OPERATOR`, `NUMBER_OUTSIDE_VALID_RANGE`, with the query excerpt, the
//! caret and `ERROR at Row:1:Column:N` that real messages carry.

pub mod ast;
pub mod compile;
pub mod dates;
pub mod eval;
pub mod filter;
pub mod lexer;
pub mod parser;
pub mod plan;
pub mod render;

use super::api::RecordError;
use super::org::Org;
use super::value::{day_of, now_ms};
use eval::Rows;
use plan::{Column, Plan, Shape};
use serde_json::Value as Json;
use std::ops::Range;

/// The longest query accepted, in characters (Salesforce's limit).
pub const MAX_QUERY_CHARS: usize = 100_000;

/// A query error before it is shown: the code, where it is (if anywhere) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    /// Salesforce's error code.
    pub code: &'static str,
    /// Byte offset of the offending text, for the caret.
    pub pos: Option<usize>,
    /// The last line of the message.
    pub detail: String,
}

impl SoqlError {
    /// An error pointing at byte `pos` of the query.
    pub fn at(code: &'static str, pos: usize, detail: impl Into<String>) -> SoqlError {
        SoqlError {
            code,
            pos: Some(pos),
            detail: detail.into(),
        }
    }

    /// An error about the query as a whole.
    pub fn plain(code: &'static str, detail: impl Into<String>) -> SoqlError {
        SoqlError {
            code,
            pos: None,
            detail: detail.into(),
        }
    }

    /// The error as Salesforce words it for `soql`.
    pub fn into_record_error(self, soql: &str) -> RecordError {
        let message = match self.pos {
            Some(pos) => pointed(soql, pos, &self.detail),
            None => self.detail,
        };
        RecordError::new(self.code, message)
    }
}

/// Characters of the query shown before and after the error position.
const EXCERPT_BEFORE: usize = 30;
const EXCERPT_AFTER: usize = 50;

/// `\n<excerpt>\n<spaces>^\nERROR at Row:1:Column:<n>\n<detail>`. Salesforce counts the
/// query as one row, line breaks included, and shows them as spaces.
fn pointed(soql: &str, pos: usize, detail: &str) -> String {
    let column = soql.char_indices().take_while(|(i, _)| *i < pos).count();
    let chars: Vec<char> = soql
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let start = column.saturating_sub(EXCERPT_BEFORE);
    let end = column
        .saturating_add(EXCERPT_AFTER)
        .min(chars.len())
        .max(start);
    let excerpt: String = chars[start..end].iter().collect();
    format!(
        "\n{excerpt}\n{}^\nERROR at Row:1:Column:{}\n{detail}",
        " ".repeat(column - start),
        column + 1
    )
}

/// Parses, checks and runs a query. `include_deleted` is `queryAll`.
pub fn execute(org: &Org, soql: &str, include_deleted: bool) -> Result<ResultSet, RecordError> {
    if soql.chars().count() > MAX_QUERY_CHARS {
        return Err(RecordError::new(
            "MALFORMED_QUERY",
            format!("Query is too long: a SOQL statement has at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let query = parser::parse(soql).map_err(|e| e.into_record_error(soql))?;
    let plan = compile::compile(org.schema(), &query, day_of(now_ms()))
        .map_err(|e| e.into_record_error(soql))?;
    let rows = eval::run(org, &plan, include_deleted);
    Ok(ResultSet {
        plan,
        include_deleted,
        rows,
    })
}

/// A query's result: the matching ids (or the count, or the aggregate rows) and how to render
/// them. Rendering reads the org as it is at that moment.
#[derive(Debug, Clone)]
pub struct ResultSet {
    plan: Plan,
    include_deleted: bool,
    rows: Rows,
}

impl ResultSet {
    /// `totalSize`: the whole result's size (for `COUNT()`, the count).
    pub fn total_size(&self) -> usize {
        match &self.rows {
            Rows::Records(ids) => ids.len(),
            Rows::Count(n) => *n,
            Rows::Aggregate(rows) => rows.len(),
        }
    }

    /// How many records there are to page through (0 for `COUNT()`, which returns none).
    pub fn row_count(&self) -> usize {
        match &self.rows {
            Rows::Records(ids) => ids.len(),
            Rows::Count(_) => 0,
            Rows::Aggregate(rows) => rows.len(),
        }
    }

    /// The queried object's index in the schema.
    pub fn object(&self) -> usize {
        self.plan.object
    }

    /// Whether this is an aggregate query (`COUNT()`, `COUNT(Id)`, `GROUP BY` ...), which
    /// Bulk API query jobs refuse.
    pub fn is_aggregate(&self) -> bool {
        !matches!(self.plan.shape, Shape::Records)
    }

    /// Whether the select list has a parent-to-child subquery (which Bulk API query jobs
    /// refuse).
    pub fn has_subquery(&self) -> bool {
        self.plan
            .columns
            .iter()
            .any(|c| matches!(c, Column::Children(_)))
    }

    /// Whether this was a `queryAll` (deleted rows included).
    pub fn includes_deleted(&self) -> bool {
        self.include_deleted
    }

    /// The records in `range` (clamped to the result) as REST JSON; `version_path` is `v59.0`.
    pub fn json_records(&self, org: &Org, range: Range<usize>, version_path: &str) -> Vec<Json> {
        let clamp = |len: usize| range.start.min(len)..range.end.min(len).max(range.start.min(len));
        match &self.rows {
            Rows::Records(ids) => ids[clamp(ids.len())]
                .iter()
                .filter_map(|id| org.get(*id))
                .map(|(object, record)| {
                    render::record_json(
                        org,
                        &self.plan,
                        object,
                        record,
                        version_path,
                        self.include_deleted,
                    )
                })
                .collect(),
            Rows::Count(_) => Vec::new(),
            Rows::Aggregate(rows) => rows[clamp(rows.len())]
                .iter()
                .map(|row| render::aggregate_json(&self.plan, row))
                .collect(),
        }
    }

    /// CSV column names in select-list order; parent fields as `Account.Name`.
    pub fn csv_header(&self) -> Vec<String> {
        render::csv_header(&self.plan)
    }

    /// The CSV cells of row `index` (empty for null; no cells past the end).
    pub fn csv_row(&self, org: &Org, index: usize) -> Vec<String> {
        match &self.rows {
            Rows::Records(ids) => ids
                .get(index)
                .and_then(|id| org.get(*id))
                .map(|(_, record)| render::csv_record(org, &self.plan, record))
                .unwrap_or_default(),
            Rows::Count(_) => Vec::new(),
            Rows::Aggregate(rows) => rows
                .get(index)
                .map(|row| render::csv_aggregate(&self.plan, row))
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_offending_text() {
        let soql = "SELECT Foo FROM Account";
        let error =
            SoqlError::at("INVALID_FIELD", 7, "No such column 'Foo'").into_record_error(soql);
        assert_eq!(
            error.message,
            "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo'"
        );
        let long = format!(
            "SELECT Id,\n{} FROM Account",
            "Name, ".repeat(20).trim_end_matches(", ")
        );
        let pos = long.find("FROM").unwrap();
        let message = SoqlError::at("MALFORMED_QUERY", pos, "x")
            .into_record_error(&long)
            .message;
        let lines: Vec<&str> = message.split('\n').collect();
        assert_eq!(lines[2].len(), EXCERPT_BEFORE + 1, "{message}");
        assert!(lines[1][EXCERPT_BEFORE..].starts_with("FROM"), "{message}");
        assert_eq!(lines[3], format!("ERROR at Row:1:Column:{}", pos + 1));
    }
}
