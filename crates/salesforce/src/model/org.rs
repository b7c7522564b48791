//! Org-level answers: API versions (`/services/data/`) and limits (`/limits`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One entry of `GET /services/data/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiVersion {
    /// `62.0`.
    pub version: String,
    /// `/services/data/v62.0`.
    pub url: String,
    /// The release name, `Winter '25`.
    pub label: String,
}

impl ApiVersion {
    /// The version as (major, minor), for comparing without floats; `None` if unreadable.
    pub fn number(&self) -> Option<(u32, u32)> {
        let (major, minor) = self.version.split_once('.').unwrap_or((&self.version, "0"));
        Some((major.parse().ok()?, minor.parse().ok()?))
    }
}

/// The newest readable version of a `/services/data/` answer.
pub fn latest_version(versions: &[ApiVersion]) -> Option<&ApiVersion> {
    versions
        .iter()
        .filter_map(|v| Some((v.number()?, v)))
        .max_by_key(|(number, _)| *number)
        .map(|(_, v)| v)
}

/// One allocation of `GET /limits`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limit {
    /// The allocation.
    #[serde(rename = "Max")]
    pub max: i64,
    /// What is left of it.
    #[serde(rename = "Remaining")]
    pub remaining: i64,
}

impl Limit {
    /// How much is used.
    pub fn used(&self) -> i64 {
        self.max - self.remaining
    }
}

/// `GET /limits`: allocation name (`DailyApiRequests`) → its limit. Per-app breakdowns nested
/// inside an allocation are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Limits(pub BTreeMap<String, Limit>);

impl Limits {
    /// The allocation called `name` (exact API name).
    pub fn get(&self, name: &str) -> Option<&Limit> {
        self.0.get(name)
    }

    /// The rolling 24-hour REST/SOAP request allocation.
    pub fn daily_api_requests(&self) -> Option<&Limit> {
        self.get("DailyApiRequests")
    }
}
