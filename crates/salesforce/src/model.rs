//! The shapes of Salesforce's REST, Bulk 2.0 and OAuth answers, as plain serde types.
//!
//! Every type tolerates unknown keys (Salesforce adds some in most releases) and missing
//! optional ones; nothing here does I/O. Timestamps arrive as Salesforce writes them
//! (`2024-01-31T10:00:00.000+0000`); [`parse_datetime`] reads them into UTC.

mod bulk;
mod error;
mod oauth;
mod org;
mod query;
mod write;

pub use bulk::{BulkJob, BulkJobList, JobState};
pub use error::{ApiError, ApiErrorItem, ModelError};
pub use oauth::{OAuthError, TokenAnswer};
pub use org::{ApiVersion, Limit, Limits, latest_version};
pub use query::{Attributes, DeletedRecord, DeletedRecords, QueryPage, Record, UpdatedIds};
pub use write::{SaveError, SaveResult, UpsertOutcome, UpsertResult};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Reads a Salesforce timestamp into UTC: `2024-01-31T10:00:00.000+0000` (what the REST API
/// writes), `...Z`, `...+01:00`, with or without milliseconds. `None` when it is not one.
pub fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    // RFC 3339 wants a colon in the offset; Salesforce writes `+0000`.
    let bytes = text.as_bytes();
    let normalized = match bytes.len() {
        n if n >= 5
            && matches!(bytes[n - 5], b'+' | b'-')
            && bytes[n - 4..].iter().all(u8::is_ascii_digit) =>
        {
            format!("{}:{}", &text[..n - 2], &text[n - 2..])
        }
        _ => text.to_string(),
    };
    OffsetDateTime::parse(&normalized, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}

/// Reads epoch milliseconds written as text (OAuth's `issued_at`).
pub(crate) fn parse_datetime_ms(text: &str) -> Option<OffsetDateTime> {
    let ms: i128 = text.trim().parse().ok()?;
    OffsetDateTime::from_unix_timestamp_nanos(ms.checked_mul(1_000_000)?).ok()
}

#[cfg(test)]
mod tests;
