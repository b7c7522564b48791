//! Reading request bodies: typed look-ups that collect every problem instead of stopping at the
//! first, so one 400 lists all of them (Brightpearl answers with several `errors[]` entries).
//! Values Brightpearl's own clients send in either form are accepted in both: ids as numbers or
//! numeric strings, booleans as `true` or `"true"`.

use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use crate::brightpearl::wire::decimal;
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// Contact-service codes (INFERRED: Brightpearl's service prefix plus `C` for client errors,
/// as ORDC / PRDC / INTC; the numbers are the sandbox's own).
pub mod code {
    /// A name or text longer than Brightpearl allows.
    pub const TOO_LONG: &str = "CONC-001";
    /// A postal address id that does not exist.
    pub const NO_SUCH_ADDRESS: &str = "CONC-002";
    /// An email address that is not one.
    pub const BAD_EMAIL: &str = "CONC-003";
    /// A field of the wrong type, an unknown field, or a value outside its set.
    pub const BAD_FIELD: &str = "CONC-004";
    /// A reference to a record that does not exist (tag, lead source, staff, company).
    pub const NO_SUCH_RECORD: &str = "CONC-005";
    /// A required field is missing.
    pub const REQUIRED: &str = "CONC-006";
    /// A country that is not known.
    pub const BAD_COUNTRY: &str = "CONC-007";
    /// A custom-field value its field's type does not take.
    pub const BAD_CUSTOM_FIELD: &str = "CONC-008";
}

/// Problems found so far in one body.
#[derive(Debug, Default)]
pub struct Problems(Vec<(&'static str, String)>);

impl Problems {
    /// Notes a problem.
    pub fn add(&mut self, code: &'static str, message: impl Into<String>) {
        self.0.push((code, message.into()));
    }

    /// `Ok(())` or one 400 carrying every problem.
    pub fn into_result(self) -> Result<(), ApiError> {
        let mut problems = self.0.into_iter();
        let Some((code, message)) = problems.next() else {
            return Ok(());
        };
        let mut error = ApiError::bad_request(code, message);
        for (code, message) in problems {
            error = error.and(code, message);
        }
        Err(error)
    }

    /// A field that is present but of the wrong type.
    pub fn wrong_type(&mut self, path: &str, wanted: &str, value: &Json) {
        self.add(
            code::BAD_FIELD,
            format!("{path} must be {wanted}, not {} ({value})", kind(value)),
        );
    }
}

/// A body's object, or a 400 saying what the body should be.
pub fn object<'a>(value: &'a Json, what: &str) -> Result<&'a Map<String, Json>, ApiError> {
    value.as_object().ok_or_else(|| {
        ApiError::bad_request(
            "CMNC-010",
            format!(
                "You must supply a JSON formatted body with your request: a {what} is a JSON object, not {}",
                kind(value)
            ),
        )
    })
}

/// Refuses keys of `map` not in `known` (a silently ignored misspelt field would look like
/// success).
pub fn known_keys(map: &Map<String, Json>, known: &[&str], path: &str, problems: &mut Problems) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            problems.add(
                code::BAD_FIELD,
                format!(
                    "{at} is not a field here; the fields are {}",
                    known.join(", ")
                ),
            );
        }
    }
}

/// A string (`null` reads as empty); `None` when absent or of the wrong type (noted).
pub fn text(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<String> {
    match value? {
        Json::String(s) => Some(s.clone()),
        Json::Null => Some(String::new()),
        other => {
            problems.wrong_type(path, "a string", other);
            None
        }
    }
}

/// A string of at most `max` characters.
pub fn short_text(
    value: Option<&Json>,
    path: &str,
    max: usize,
    problems: &mut Problems,
) -> Option<String> {
    let text = text(value, path, problems)?;
    let length = text.chars().count();
    if length > max {
        problems.add(
            code::TOO_LONG,
            format!("{path} may have at most {max} characters; {text:?} has {length}. Shorten it."),
        );
        return None;
    }
    Some(text)
}

/// An id or count: a whole number ≥ 0, or such a number as a string. `null` reads as 0.
pub fn whole(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<u64> {
    let value = value?;
    let parsed = match value {
        Json::Null => Some(0),
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    if parsed.is_none() {
        problems.wrong_type(path, "a whole number of 0 or more", value);
    }
    parsed
}

/// An optional id: absent, `null` or 0 mean "none".
pub fn optional_id(
    value: Option<&Json>,
    path: &str,
    problems: &mut Problems,
) -> Option<Option<u64>> {
    let id = whole(value, path, problems)?;
    Some((id != 0).then_some(id))
}

/// `true` / `false`, also as strings.
pub fn boolean(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<bool> {
    let value = value?;
    let parsed = match value {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    if parsed.is_none() {
        problems.wrong_type(path, "true or false", value);
    }
    parsed
}

/// A decimal from a number or a numeric string.
pub fn number(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<Decimal> {
    let value = value?;
    let parsed = decimal(value);
    if parsed.is_none() {
        problems.wrong_type(path, "a number", value);
    }
    parsed
}

/// A nested object; `null` reads as absent.
pub fn nested<'a>(
    value: Option<&'a Json>,
    path: &str,
    problems: &mut Problems,
) -> Option<&'a Map<String, Json>> {
    match value? {
        Json::Object(map) => Some(map),
        Json::Null => None,
        other => {
            problems.wrong_type(path, "an object", other);
            None
        }
    }
}

/// Whether `email` looks like an address: one `@`, something before it, a dotted domain
/// after it, no spaces.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_values_in_both_forms() {
        let mut p = Problems::default();
        assert_eq!(whole(Some(&json!("222")), "countryId", &mut p), Some(222));
        assert_eq!(whole(Some(&json!(7)), "x", &mut p), Some(7));
        assert_eq!(boolean(Some(&json!("TRUE")), "x", &mut p), Some(true));
        assert_eq!(text(Some(&Json::Null), "x", &mut p), Some(String::new()));
        assert!(p.0.is_empty());
        assert_eq!(whole(Some(&json!(-1)), "countryId", &mut p), None);
        assert_eq!(
            short_text(Some(&json!("a".repeat(33))), "firstName", 32, &mut p),
            None
        );
        let err = p.into_result().unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[1].code, code::TOO_LONG);
        assert!(
            err.errors[1]
                .message
                .contains("firstName may have at most 32")
        );
    }

    #[test]
    fn email_shape() {
        for good in ["a@b.co", "first.last+tag@mail.example.com"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.com",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@b..com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
