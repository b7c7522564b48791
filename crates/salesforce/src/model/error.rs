//! Salesforce's error answers, and why one of our decodes failed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of a REST error answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorItem {
    /// Salesforce's text.
    pub message: String,
    /// The stable code (`INVALID_FIELD`, `NOT_FOUND` ...). Collections items call it
    /// `statusCode`; both spellings are read.
    #[serde(alias = "statusCode")]
    pub error_code: String,
    /// The fields the error is about, when Salesforce says.
    pub fields: Vec<String>,
}

impl fmt::Display for ApiErrorItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_code, self.message.trim())?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// A REST error answer: always a JSON array, `[{"message","errorCode","fields"}]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiError(pub Vec<ApiErrorItem>);

impl ApiError {
    /// The first error's code, which decides how to react (`INVALID_SESSION_ID` ...).
    pub fn code(&self) -> Option<&str> {
        self.0.first().map(|e| e.error_code.as_str())
    }

    /// True when any entry carries `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.0.iter().any(|e| e.error_code == code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("Salesforce answered with an empty error list");
        }
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// An answer that did not have the shape its status promised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Salesforce's {what} answer (HTTP {status}) could not be read: {reason}; the body began \
     {body_start:?}"
)]
pub struct ModelError {
    /// Which answer ("upsert").
    pub what: &'static str,
    /// Its HTTP status.
    pub status: u16,
    /// What was wrong.
    pub reason: String,
    /// The first 200 characters of the body, to recognise a proxy's page or an HTML error.
    pub body_start: String,
}

impl ModelError {
    pub(crate) fn new(what: &'static str, status: u16, reason: String, body: &[u8]) -> Self {
        ModelError {
            what,
            status,
            reason,
            body_start: String::from_utf8_lossy(body).chars().take(200).collect(),
        }
    }
}
