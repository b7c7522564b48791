//! What a search declares about itself: its columns, in the positional order of `results`, and
//! the extra filters it accepts without returning them.

use serde_json::{Map, Value as Json};

/// How a column is filtered; rendered as `metaData.columns[].reportDataType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// One whole number, matched exactly: `INTEGER`.
    Integer,
    /// An id set (`1,3,6-10`): `IDSET`.
    IdSet,
    /// A whole value, matched case-insensitively: `STRING`.
    String,
    /// A case-insensitive substring: `SEARCH_STRING`.
    SearchString,
    /// `true` or `false`: `BOOLEAN`.
    Boolean,
    /// Several values separated by periods (`LIVE.DISCONTINUED`): `STRING_SET`.
    StringSet,
    /// A `from/to` date or datetime range, either end open: `PERIOD`.
    Period,
    /// A datetime, or a range like PERIOD: `DATETIME`.
    DateTime,
    /// Words looked for in every free-text column: `FREE_TEXT_QUERY`.
    FreeTextQuery,
}

impl DataType {
    /// The name Brightpearl gives the type on the wire, also used in CMNC-018 messages.
    pub fn wire_name(self) -> &'static str {
        match self {
            DataType::Integer => "INTEGER",
            DataType::IdSet => "IDSET",
            DataType::String => "STRING",
            DataType::SearchString => "SEARCH_STRING",
            DataType::Boolean => "BOOLEAN",
            DataType::StringSet => "STRING_SET",
            DataType::Period => "PERIOD",
            DataType::DateTime => "DATETIME",
            DataType::FreeTextQuery => "FREE_TEXT_QUERY",
        }
    }
}

/// One column of a search (or one extra filter), as `metaData.columns[]` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name used in results metadata, filters, `columns=` and `sort=`.
    pub name: &'static str,
    /// How filters on it are parsed and matched.
    pub data_type: DataType,
    /// Names of the `reference` maps its values key into (`orderStatusNames`).
    pub reference_data: &'static [&'static str],
    /// Whether `sort=` may name it.
    pub sortable: bool,
    /// Whether it may be filtered on.
    pub filterable: bool,
    /// Whether a FREE_TEXT_QUERY filter looks into it (`isFreeTextSearchable`).
    pub free_text: bool,
    /// Rendered as `required`; no recorded catalogue sets it and no behaviour is documented.
    pub required: bool,
}

impl Column {
    /// A sortable, filterable column with no reference data: the common case, which the
    /// builder methods below adjust (`Column::new("orderStatusId", DataType::Integer)
    /// .with_reference(&["orderStatusNames"])`).
    pub const fn new(name: &'static str, data_type: DataType) -> Column {
        Column {
            name,
            data_type,
            reference_data: &[],
            sortable: true,
            filterable: true,
            free_text: false,
            required: false,
        }
    }

    /// The same column keying into the named `reference` maps.
    pub const fn with_reference(self, names: &'static [&'static str]) -> Column {
        Column {
            reference_data: names,
            ..self
        }
    }

    /// The same column, refused by `sort=`.
    pub const fn unsortable(self) -> Column {
        Column {
            sortable: false,
            ..self
        }
    }

    /// The same column, refused as a filter.
    pub const fn unfilterable(self) -> Column {
        Column {
            filterable: false,
            ..self
        }
    }

    /// The same column, searched by FREE_TEXT_QUERY filters.
    pub const fn with_free_text(self) -> Column {
        Column {
            free_text: true,
            ..self
        }
    }

    /// The same column, rendered with `required: true`.
    pub const fn with_required(self) -> Column {
        Column {
            required: true,
            ..self
        }
    }

    /// The column object of `metaData.columns` and `metaData.sorting[].filterable`, keys in the
    /// recorded order.
    pub fn to_json(&self) -> Json {
        let mut object = Map::new();
        object.insert("name".into(), Json::from(self.name));
        object.insert("sortable".into(), Json::Bool(self.sortable));
        object.insert("filterable".into(), Json::Bool(self.filterable));
        object.insert(
            "reportDataType".into(),
            Json::from(self.data_type.wire_name()),
        );
        object.insert(
            "referenceData".into(),
            Json::Array(self.reference_data.iter().map(|n| Json::from(*n)).collect()),
        );
        object.insert("isFreeTextSearchable".into(), Json::Bool(self.free_text));
        object.insert("required".into(), Json::Bool(self.required));
        Json::Object(object)
    }
}

/// A search's declaration: `columns` in `results` order, then filters it accepts but never
/// returns (order-search `channelId`, contact-search `allEmail`). A record's cells are indexed
/// over both lists: `columns` first, then `extra_filters`.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    /// The endpoint's last path segment (`order-search`), named in error messages.
    pub name: &'static str,
    /// The returned columns; the first is the default sort.
    pub columns: &'static [Column],
    /// Filter-only columns.
    pub extra_filters: &'static [Column],
}

impl Catalogue {
    /// The cell index of `name` (a column or an extra filter), matched exactly.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.all().position(|c| c.name == name)
    }

    /// The column or extra filter at cell index `index`.
    pub fn column(&self, index: usize) -> Option<&'static Column> {
        let columns: &'static [Column] = self.columns;
        let extra: &'static [Column] = self.extra_filters;
        columns
            .get(index)
            .or_else(|| index.checked_sub(columns.len()).and_then(|i| extra.get(i)))
    }

    /// Columns then extra filters, in cell-index order.
    pub fn all(&self) -> impl Iterator<Item = &'static Column> + use<> {
        let columns: &'static [Column] = self.columns;
        let extra: &'static [Column] = self.extra_filters;
        columns.iter().chain(extra.iter())
    }
}
