//! Reading JSON request bodies of the catalogue: typed field readers whose refusals name the
//! field, and the id and version rules every catalogue write shares.
//!
//! Error code: 400 `PRDC-400` with a message naming the field (INFERRED; Brightpearl's own
//! codes, such as PRDC-014 and PRDC-024, are used where the recordings give them).

use super::super::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use serde_json::{Map, Value as Json};

/// The code of product validation errors whose real code is unknown (INFERRED).
pub const INVALID: &str = "PRDC-400";

/// A 400 naming `field`.
pub(crate) fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(INVALID, format!("{field}: {message}"))
}

pub(crate) fn object<'a>(input: &'a Json, what: &str) -> Result<&'a Map<String, Json>, ApiError> {
    input.as_object().ok_or_else(|| {
        ApiError::bad_request(
            "CMNC-010",
            format!(
                "You must supply a JSON formatted body with your request: {what} is a JSON object, not {}",
                kind(input)
            ),
        )
    })
}

/// A key whose value is not `null`.
pub(crate) fn present<'a>(body: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    body.get(key).filter(|v| !v.is_null())
}

pub(crate) fn as_object<'a>(
    value: &'a Json,
    field: &str,
) -> Result<&'a Map<String, Json>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| invalid(field, format!("an object is expected, not {}", kind(value))))
}

pub(crate) fn id_of(value: &Json, field: &str) -> Result<u64, ApiError> {
    match value {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| {
        invalid(
            field,
            format!("{value} is not an id (a whole number above 0)"),
        )
    })
}

pub(crate) fn optional_id(value: &Json, field: &str) -> Result<Option<u64>, ApiError> {
    match value {
        Json::Null => Ok(None),
        Json::Number(n) if n.as_u64() == Some(0) => Ok(None),
        other => id_of(other, field).map(Some),
    }
}

pub(crate) fn id_list(value: &Json, field: &str) -> Result<Vec<u64>, ApiError> {
    let Json::Array(items) = value else {
        return Err(invalid(
            field,
            format!("an array of ids is expected, not {}", kind(value)),
        ));
    };
    items.iter().map(|item| id_of(item, field)).collect()
}

pub(crate) fn boolean(value: &Json, field: &str) -> Result<bool, ApiError> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(invalid(field, format!("{other} is not true or false"))),
    }
}

pub(crate) fn text(value: &Json, field: &str) -> Result<String, ApiError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(invalid(
            field,
            format!("text is expected, not {}", kind(other)),
        )),
    }
}

pub(crate) fn measure(value: &Json, field: &str) -> Result<f64, ApiError> {
    let number = match value {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    number
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| invalid(field, format!("{value} is not a number ≥ 0")))
}

/// The next id of `sequence`, never one already used by a record (the standard
/// configuration and loaded records are not counted by the sequences).
pub(crate) fn next_id(account: &mut Account, sequence: &str, first: u64, last_used: &u64) -> u64 {
    account.sequences.observe(sequence, *last_used);
    account.next_id(sequence, first)
}

/// A version after `current` at `now_ms`: versions are epoch ms and must change on every
/// write, even two in the same millisecond.
pub(crate) fn next_version(current: i64, now_ms: i64) -> i64 {
    now_ms.max(current + 1)
}
