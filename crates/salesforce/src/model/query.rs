//! Query answers (`/query`, `/queryAll`, next pages), records, and the replication answers
//! (`/sobjects/X/updated`, `/sobjects/X/deleted`).

use super::parse_datetime;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;
use time::OffsetDateTime;

/// One page of a query answer. `total_size` counts the whole result, not this page; follow
/// `next_records_url` until `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage<T = Record> {
    /// Records in the whole result (for `SELECT COUNT()`, the count).
    #[serde(default)]
    pub total_size: u64,
    /// No more pages.
    #[serde(default = "yes")]
    pub done: bool,
    /// The path of the next page (present while not `done`).
    #[serde(default)]
    pub next_records_url: Option<String>,
    /// This page's records.
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
}

fn yes() -> bool {
    true
}

impl<T> QueryPage<T> {
    /// The cursor id of the next page (the last segment of `nextRecordsUrl`), which some
    /// clients use to rebuild `/query/{locator}`.
    pub fn next_locator(&self) -> Option<&str> {
        self.next_records_url
            .as_deref()
            .and_then(|url| url.trim_end_matches('/').rsplit('/').next())
            .filter(|locator| !locator.is_empty())
    }

    /// True when another page must be fetched.
    pub fn has_more(&self) -> bool {
        !self.done && self.next_records_url.is_some()
    }
}

/// `attributes` of a record: its type and REST URL (no URL on aggregate results).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attributes {
    /// The object's API name (`Account`, `AggregateResult`).
    #[serde(rename = "type")]
    pub object_type: String,
    /// The record's REST path.
    pub url: Option<String>,
}

/// A record as the REST API writes it: `attributes` plus its fields by API name. Parent
/// relationships are nested records; child subqueries are nested query pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Type and URL, when Salesforce sent them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
    /// Every other key.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Record {
    /// The object type from `attributes`.
    pub fn object_type(&self) -> Option<&str> {
        self.attributes.as_ref().map(|a| a.object_type.as_str())
    }

    /// The `Id` field.
    pub fn id(&self) -> Option<&str> {
        self.get("Id").and_then(Value::as_str)
    }

    /// A field by name: exact first, then ignoring case (Salesforce answers in canonical
    /// casing whatever the query's casing was).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).or_else(|| {
            self.fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        })
    }

    /// A value through a relationship path (`Account.Owner.Name`); `None` if any step is
    /// missing or null.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.get(parts.next()?)?;
        for part in parts {
            let object = value.as_object()?;
            value = object.get(part).or_else(|| {
                object
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(part))
                    .map(|(_, v)| v)
            })?;
        }
        (!value.is_null()).then_some(value)
    }

    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// A number field as an exact decimal (Salesforce writes currency as `23.0`).
    pub fn decimal(&self, name: &str) -> Option<Decimal> {
        match self.get(name)? {
            Value::Number(n) => {
                let text = n.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok()
            }
            Value::String(s) => Decimal::from_str(s).ok(),
            _ => None,
        }
    }

    /// A datetime field in UTC.
    pub fn datetime(&self, name: &str) -> Option<OffsetDateTime> {
        self.text(name).and_then(parse_datetime)
    }

    /// A parent record (`Account` on a Contact).
    pub fn parent(&self, relationship: &str) -> Option<Record> {
        self.nested(relationship)
    }

    /// The first page of a child subquery (`Contacts` on an Account); `None` when Salesforce
    /// sent null (no children) or nothing.
    pub fn children(&self, relationship: &str) -> Option<QueryPage<Record>> {
        self.nested(relationship)
    }

    fn nested<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let value = self.get(name)?;
        if value.is_null() {
            return None;
        }
        serde_json::from_value(value.clone()).ok()
    }
}

/// `GET /sobjects/X/updated/?start=&end=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdatedIds {
    /// Ids changed in the window.
    pub ids: Vec<String>,
    /// The end of the window Salesforce covered (start the next window here).
    pub latest_date_covered: Option<String>,
}

/// `GET /sobjects/X/deleted/?start=&end=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeletedRecords {
    /// Records deleted in the window.
    pub deleted_records: Vec<DeletedRecord>,
    /// The oldest time the recycle bin still covers.
    pub earliest_date_available: Option<String>,
    /// The end of the window Salesforce covered.
    pub latest_date_covered: Option<String>,
}

/// One deleted record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeletedRecord {
    /// Its id.
    pub id: String,
    /// When it was deleted.
    pub deleted_date: String,
}
