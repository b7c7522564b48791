//! Reading order request bodies: typed look-ups of JSON members that fail with a message
//! naming the field, what it must be and what was sent. Brightpearl documents no code for
//! these checks, so they answer 400 [`INVALID`] (INFERRED code).

use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use crate::brightpearl::wire::{decimal, parse_time};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// The code of order validation errors Brightpearl has no documented code for.
pub const INVALID: &str = "ORDC-400";

/// 400 [`INVALID`] with `message`.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(INVALID, message)
}

/// A JSON object being read, with the path of its members for messages (`parties.customer`).
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    /// The object.
    pub map: &'a Map<String, Json>,
    /// Where it sits in the body (`""` for the top).
    pub at: &'a str,
}

/// A field's full name for messages.
pub fn name_of(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

impl<'a> Fields<'a> {
    /// The top-level object of a body.
    pub fn top(map: &'a Map<String, Json>) -> Fields<'a> {
        Fields { map, at: "" }
    }

    /// The member `key`, `None` when absent or `null`.
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, wanted: &str, value: &Json) -> ApiError {
        invalid(format!(
            "{} must be {wanted}, not {} ({value})",
            name_of(self.at, key),
            kind(value)
        ))
    }

    /// An object member.
    pub fn object(&self, key: &str) -> Result<Option<&'a Map<String, Json>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Object(map)) => Ok(Some(map)),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }

    /// A text member; numbers are accepted and written as text (references are often numeric).
    pub fn text(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(Json::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.wrong(key, "text", other)),
        }
    }

    /// A whole, non-negative number (an id); numeric strings are accepted.
    pub fn id(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(Json::String(s)) if s.trim().parse::<u64>().is_ok() => {
                Ok(s.trim().parse::<u64>().ok())
            }
            Some(other) => Err(self.wrong(key, "a whole number (an id)", other)),
        }
    }

    /// A decimal number or numeric string.
    pub fn decimal(&self, key: &str) -> Result<Option<Decimal>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => decimal(value)
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a number such as 10.50", value)),
        }
    }

    /// `true` / `false` (also as the strings old clients send).
    pub fn flag(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(self.wrong(key, "true or false", other)),
        }
    }

    /// A date or datetime (`2022-01-20`, `2022-01-20T10:00:00Z`, with an offset) as UTC ms.
    pub fn time(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::String(s)) => parse_time(s).map(Some).ok_or_else(|| {
                invalid(format!(
                    "{} must be an ISO-8601 date or datetime such as 2022-01-20 or 2022-01-20T10:00:00Z, not {s:?}",
                    name_of(self.at, key)
                ))
            }),
            Some(other) => Err(self.wrong(key, "an ISO-8601 date text", other)),
        }
    }
}
