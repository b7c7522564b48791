//! The generic `*-search` answer: positional rows described by `metaData.columns`, plus the
//! top-level `reference` maps (status names, category membership). Rows are kept as JSON
//! cells; [`SearchPage::row_map`] and [`SearchPage::rows_as`] zip them with the column names so
//! a typed row struct (`OrderSearchRow`, …) can be read from them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One page of a resource search, the whole body (`response` and its `reference` sibling).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SearchPage {
    /// Rows and their description.
    pub response: SearchResults,
    /// Id → name maps named by columns' `referenceData` (`orderStatusNames`); `{}` when the
    /// rows reference nothing.
    #[serde(default)]
    pub reference: Map<String, Value>,
}

/// `response` of a search: the rows and `metaData`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    /// Rows, each a list of cells in `columns` order; cells may be `null`.
    #[serde(default)]
    pub results: Vec<Vec<Value>>,
    /// Paging and columns.
    pub meta_data: SearchMeta,
}

/// `metaData`: paging figures and the column catalogue.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchMeta {
    /// Whether another page follows (ask for `firstResult = lastResult + 1`).
    #[serde(default)]
    pub more_pages_available: bool,
    /// Rows matching the filters in all (wrong on supplier-payment-search: always 500).
    #[serde(default)]
    pub results_available: u64,
    /// Rows on this page.
    #[serde(default)]
    pub results_returned: u64,
    /// 1-based position of this page's first row; absent when there are no rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_result: Option<u64>,
    /// 1-based position of this page's last row; absent when there are no rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<u64>,
    /// The columns, in row order.
    #[serde(default)]
    pub columns: Vec<SearchColumn>,
    /// The sort in force.
    #[serde(default)]
    pub sorting: Vec<SearchSort>,
}

/// One column of a search.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchColumn {
    /// The column name, also the filter's query key (`orderId`, `SKU`).
    pub name: String,
    /// Whether `sort=` accepts it.
    #[serde(default)]
    pub sortable: bool,
    /// Whether it can be filtered on.
    #[serde(default)]
    pub filterable: bool,
    /// How filter values are written for it.
    #[serde(default)]
    pub report_data_type: ReportDataType,
    /// Which `reference` maps name its values.
    #[serde(default)]
    pub reference_data: Vec<String>,
    /// Whether free-text queries match it (2025+ recordings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_free_text_searchable: Option<bool>,
    /// Whether a filter on it is mandatory (2025+ recordings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// A column's data type, which decides the filter syntax (reference §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportDataType {
    /// An exact integer.
    Integer,
    /// An id set (`1,3,6-10`).
    Idset,
    /// Exact text.
    String,
    /// Case-insensitive substring.
    SearchString,
    /// `true` / `false`.
    Boolean,
    /// A period-separated set of strings (`LIVE.DISCONTINUED`).
    StringSet,
    /// Matches any search-string column.
    FreeTextQuery,
    /// An ISO-8601 range `from/to`, either end open.
    Period,
    /// An ISO-8601 date-time.
    Datetime,
    /// A type this client does not know yet.
    #[default]
    #[serde(other)]
    Unknown,
}

/// One entry of `sorting`. Brightpearl puts the column under the key `filterable` (as
/// recorded; it looks like a serialisation slip on their side).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SearchSort {
    /// The sorted column.
    #[serde(
        rename = "filterable",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub column: Option<SearchColumn>,
    /// `ASC` or `DESC`.
    #[serde(default)]
    pub direction: String,
}

/// Why a search row could not be read into a typed row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "search row {row} (columns {columns}) does not fit the expected row type: {reason}; \
     ask for the columns the type reads or make the field optional"
)]
pub struct SearchRowError {
    /// 0-based row index on the page.
    pub row: usize,
    /// The page's column names, comma-separated.
    pub columns: String,
    /// serde's message, naming the field.
    pub reason: String,
}

impl SearchPage {
    /// The columns, in row order.
    pub fn columns(&self) -> &[SearchColumn] {
        &self.response.meta_data.columns
    }

    /// The raw rows.
    pub fn rows(&self) -> &[Vec<Value>] {
        &self.response.results
    }

    /// Rows on this page.
    pub fn len(&self) -> usize {
        self.response.results.len()
    }

    /// Whether the page holds no rows.
    pub fn is_empty(&self) -> bool {
        self.response.results.is_empty()
    }

    /// The position of column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }

    /// The cell of row `row` under column `name`.
    pub fn cell(&self, row: usize, name: &str) -> Option<&Value> {
        let at = self.column_index(name)?;
        self.response.results.get(row)?.get(at)
    }

    /// Row `row` as `{column name: cell}`; cells past the column list are dropped and missing
    /// cells read as `null`.
    pub fn row_map(&self, row: usize) -> Option<Map<String, Value>> {
        let cells = self.response.results.get(row)?;
        Some(
            self.columns()
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), cells.get(i).cloned().unwrap_or(Value::Null)))
                .collect(),
        )
    }

    /// Every row read into `T` through [`SearchPage::row_map`].
    pub fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, SearchRowError> {
        (0..self.len())
            .map(|row| {
                let map = self.row_map(row).unwrap_or_default();
                serde_json::from_value(Value::Object(map)).map_err(|e| SearchRowError {
                    row,
                    columns: self
                        .columns()
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// The `firstResult` of the next page, or `None` on the last page.
    pub fn next_first_result(&self) -> Option<u64> {
        let meta = &self.response.meta_data;
        if !meta.more_pages_available {
            return None;
        }
        meta.last_result.map(|last| last + 1)
    }

    /// The name `reference[map]` gives `id` (`orderStatusNames`, `3` → "New phone order").
    pub fn reference_name(&self, map: &str, id: &str) -> Option<&str> {
        self.reference.get(map)?.get(id)?.as_str()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_zip_with_columns_and_type_errors_name_the_row() {
        let page: SearchPage = serde_json::from_str(
            r#"{"response":{"results":[[1,"a"],[2,null]],"metaData":{"morePagesAvailable":true,
            "resultsAvailable":9,"resultsReturned":2,"firstResult":1,"lastResult":2,
            "columns":[{"name":"id","reportDataType":"IDSET"},{"name":"code","reportDataType":"NEW_TYPE"}],
            "sorting":[{"filterable":{"name":"id"},"direction":"ASC"}]}},"reference":{}}"#,
        )
        .unwrap();
        assert_eq!(page.columns()[0].report_data_type, ReportDataType::Idset);
        assert_eq!(page.columns()[1].report_data_type, ReportDataType::Unknown);
        assert_eq!(page.next_first_result(), Some(3));
        assert_eq!(page.row_map(1).unwrap()["code"], Value::Null);
        #[derive(Deserialize)]
        struct Row {
            #[allow(dead_code)]
            id: u64,
            #[allow(dead_code)]
            code: String,
        }
        let err = page.rows_as::<Row>().err().unwrap();
        assert_eq!(err.row, 1);
        assert!(err.to_string().contains("columns id,code"), "{err}");
    }
}
