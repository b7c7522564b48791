//! Write answers: sObject create, Collections items, and REST upsert by external id.

use super::{ApiError, ModelError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One error of a write result. Collections call the code `statusCode`, single-record REST
/// answers `errorCode`; both are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SaveError {
    /// The code (`REQUIRED_FIELD_MISSING`, `DUPLICATE_VALUE` ...).
    #[serde(alias = "errorCode")]
    pub status_code: String,
    /// Salesforce's text.
    pub message: String,
    /// The fields concerned.
    pub fields: Vec<String>,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status_code, self.message.trim())?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// The result of one record's create, update, upsert or delete (an sObject Collections item,
/// or the body of `POST /sobjects/X`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SaveResult {
    /// The record's id (absent when a create failed).
    pub id: Option<String>,
    /// It worked.
    pub success: bool,
    /// Why not.
    pub errors: Vec<SaveError>,
    /// For upserts (API 46.0+): true when a record was created, false when one was updated.
    pub created: Option<bool>,
}

impl SaveResult {
    /// The errors in one line, for a failure report.
    pub fn error_text(&self) -> String {
        self.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// True when the only error is the all-or-none rollback: this record itself was fine
    /// and can be resubmitted alone.
    pub fn only_rolled_back(&self) -> bool {
        !self.success
            && !self.errors.is_empty()
            && self
                .errors
                .iter()
                .all(|e| e.status_code == "ALL_OR_NONE_OPERATION_ROLLED_BACK")
    }
}

/// The body of a REST upsert by external id (`PATCH /sobjects/X/Field/value`).
pub type UpsertResult = SaveResult;

/// What a REST upsert by external id did, read from its status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// 201: a new record.
    Created {
        /// Its id.
        id: String,
    },
    /// 200 (API 46.0+, with the id) or 204 (older versions, no body).
    Updated {
        /// Its id, when Salesforce said.
        id: Option<String>,
    },
    /// 300: several records carry that external id; nothing was written.
    MultipleMatches {
        /// The matching records' REST paths.
        urls: Vec<String>,
    },
    /// 4xx/5xx: Salesforce refused.
    Failed(ApiError),
}

impl UpsertOutcome {
    /// Reads an upsert answer. A body that does not match its status is an error.
    pub fn from_answer(status: u16, body: &[u8]) -> Result<UpsertOutcome, ModelError> {
        let fail = |reason: String| ModelError::new("upsert", status, reason, body);
        match status {
            204 => Ok(UpsertOutcome::Updated { id: None }),
            200 | 201 => {
                let result: UpsertResult =
                    serde_json::from_slice(body).map_err(|e| fail(e.to_string()))?;
                if !result.success {
                    return Err(fail(format!(
                        "the status says success but the body does not: {}",
                        result.error_text()
                    )));
                }
                // `created` decides when present; otherwise 201 means created.
                match (result.created.unwrap_or(status == 201), result.id) {
                    (true, Some(id)) => Ok(UpsertOutcome::Created { id }),
                    (true, None) => Err(fail("a created record without an id".into())),
                    (false, id) => Ok(UpsertOutcome::Updated { id }),
                }
            }
            300 => serde_json::from_slice(body)
                .map(|urls| UpsertOutcome::MultipleMatches { urls })
                .map_err(|e| fail(e.to_string())),
            400..=599 => serde_json::from_slice(body)
                .map(UpsertOutcome::Failed)
                .map_err(|e| fail(e.to_string())),
            other => Err(fail(format!("HTTP {other} is not an upsert answer"))),
        }
    }
}
