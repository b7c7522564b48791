//! Field values: how input (JSON, CSV, SOQL literals) becomes a typed value for a field, and
//! how a stored value is written back out in Salesforce's formats.

use super::ids::SfId;
use super::schema::{FieldDef, FieldType};
use serde_json::Value as Json;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset, format_description::well_known};

/// A stored field value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// No value.
    Null,
    /// Text, picklist values, phone numbers, e-mails, URLs.
    Text(Box<str>),
    /// Checkbox.
    Bool(bool),
    /// Whole number.
    Int(i64),
    /// Double, currency, percent.
    Number(f64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
    /// A record id.
    Id(SfId),
}

impl Value {
    /// A text value.
    pub fn text(text: impl Into<Box<str>>) -> Value {
        Value::Text(text.into())
    }

    /// Whether this is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text of a text value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The id of a reference or Id value.
    pub fn as_id(&self) -> Option<SfId> {
        match self {
            Value::Id(id) => Some(*id),
            _ => None,
        }
    }

    /// The number of a numeric value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean of a checkbox value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as Salesforce writes it in JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Text(text) => Json::String(text.to_string()),
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(n) => Json::from(*n),
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            Value::Date(days) => Json::String(format_date(*days)),
            Value::DateTime(ms) => Json::String(format_datetime(*ms)),
            Value::Id(id) => Json::String(id.to_string()),
        }
    }

    /// The value as Bulk API CSV writes it (empty for null).
    pub fn to_csv(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Text(text) => text.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Number(n) => format_number(*n),
            Value::Date(days) => format_date(*days),
            Value::DateTime(ms) => format_datetime(*ms),
            Value::Id(id) => id.to_string(),
        }
    }

    /// Orders two values of the same field (nulls first). Text compares case-insensitively,
    /// as SOQL does.
    pub fn compare(&self, other: &Value) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Text(a), Value::Text(b)) => {
                let ordering = cmp_ignore_case(a, b);
                if ordering == Ordering::Equal {
                    a.cmp(b)
                } else {
                    ordering
                }
            }
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::DateTime(a), Value::DateTime(b)) => a.cmp(b),
            (Value::Id(a), Value::Id(b)) => a.cmp(b),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.to_csv().cmp(&b.to_csv()),
            },
        }
    }
}

fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Why an input value does not fit a field. The caller turns this into the Salesforce error
/// (`JSON_PARSER_ERROR`, `STRING_TOO_LONG`, `INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueError {
    /// Salesforce status code.
    pub code: &'static str,
    /// Message in Salesforce's words.
    pub message: String,
}

impl ValueError {
    fn new(code: &'static str, message: String) -> ValueError {
        ValueError { code, message }
    }
}

/// Turns a JSON input value into a value of `field`.
pub fn from_json(field: &FieldDef, input: &Json) -> Result<Value, ValueError> {
    let value = match input {
        Json::Null => return Ok(Value::Null),
        Json::String(text) => {
            return from_text(field, text).map_err(|err| {
                if err.code == "INVALID_TYPE_ON_FIELD_IN_RECORD" {
                    ValueError::new(
                        "JSON_PARSER_ERROR",
                        format!(
                            "Cannot deserialize instance of {} from VALUE_STRING value {text} or request may be missing a required field",
                            field.field_type.describe_name()
                        ),
                    )
                } else {
                    err
                }
            });
        }
        Json::Bool(b) => match field.field_type {
            FieldType::Boolean => Value::Bool(*b),
            _ if field.field_type.is_text() => Value::text(b.to_string()),
            _ => return Err(json_type_error(field, input)),
        },
        Json::Number(n) => match field.field_type {
            FieldType::Int => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => return Err(json_type_error(field, input)),
            },
            FieldType::Double | FieldType::Currency | FieldType::Percent => {
                Value::Number(n.as_f64().unwrap_or_default())
            }
            _ if field.field_type.is_text() => Value::text(n.to_string()),
            _ => return Err(json_type_error(field, input)),
        },
        Json::Array(_) | Json::Object(_) => return Err(json_type_error(field, input)),
    };
    check(field, value)
}

fn json_type_error(field: &FieldDef, input: &Json) -> ValueError {
    let shown = match input {
        Json::Object(_) => "{".to_string(),
        Json::Array(_) => "[".to_string(),
        other => other.to_string(),
    };
    ValueError::new(
        "JSON_PARSER_ERROR",
        format!(
            "Cannot deserialize instance of {} from {} value {shown} or request may be missing a required field",
            field.field_type.describe_name(),
            json_kind(input)
        ),
    )
}

fn json_kind(input: &Json) -> &'static str {
    match input {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "START_ARRAY",
        Json::Object(_) => "START_OBJECT",
    }
}

/// Turns text (a JSON string, a CSV cell) into a value of `field`.
pub fn from_text(field: &FieldDef, text: &str) -> Result<Value, ValueError> {
    let bad = |_kind: &str| {
        ValueError::new(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            format!("{}: value not of required type: {text}", field.label),
        )
    };
    let value = match field.field_type {
        FieldType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" | "" => Value::Bool(false),
            _ => return Err(bad("boolean")),
        },
        FieldType::Int => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match text.trim().parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => match text.trim().parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
                    _ => return Err(bad("int")),
                },
            }
        }
        FieldType::Double | FieldType::Currency | FieldType::Percent => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match text.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Value::Number(n),
                _ => return Err(bad("number")),
            }
        }
        FieldType::Date => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match parse_date(text)
                .or_else(|| parse_datetime(text).map(|ms| ms.div_euclid(86_400_000) as i32))
            {
                Some(days) => Value::Date(days),
                None => return Err(bad("date")),
            }
        }
        FieldType::DateTime => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match parse_datetime(text) {
                Some(ms) => Value::DateTime(ms),
                None => return Err(bad("datetime")),
            }
        }
        FieldType::Id | FieldType::Reference => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match SfId::parse(text) {
                Ok(id) => Value::Id(id),
                Err(_) => {
                    return Err(ValueError::new(
                        "MALFORMED_ID",
                        format!("{}: id value of incorrect type: {text}", field.label),
                    ));
                }
            }
        }
        FieldType::Address => return Err(bad("address")),
        _ => {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            Value::text(text.to_string())
        }
    };
    check(field, value)
}

/// Checks length, picklist membership and e-mail shape.
fn check(field: &FieldDef, value: Value) -> Result<Value, ValueError> {
    if let Value::Text(text) = &value {
        let chars = text.chars().count();
        if field.length > 0 && chars > field.length as usize {
            let shown: String = text.chars().take(40).collect();
            return Err(ValueError::new(
                "STRING_TOO_LONG",
                format!(
                    "{}: data value too large: {shown}{} (max length={})",
                    field.label,
                    if chars > 40 { "..." } else { "" },
                    field.length
                ),
            ));
        }
        if field.restricted {
            let parts: Vec<&str> = if field.field_type == FieldType::MultiPicklist {
                text.split(';').collect()
            } else {
                vec![&**text]
            };
            for part in parts {
                if !field.values.iter().any(|v| v == part) {
                    return Err(ValueError::new(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!(
                            "{}: bad value for restricted picklist field: {part}",
                            field.label
                        ),
                    ));
                }
            }
        }
        if field.field_type == FieldType::Email && !looks_like_email(text) {
            return Err(ValueError::new(
                "INVALID_EMAIL_ADDRESS",
                format!("{}: invalid email address: {text}", field.label),
            ));
        }
    }
    let number = match value {
        Value::Number(n) => Some(n),
        Value::Int(n) => Some(n as f64),
        _ => None,
    };
    if let Some(n) = number {
        let integer_digits = field.precision.saturating_sub(field.scale);
        if field.precision > 0 && n.abs() >= 10f64.powi(integer_digits as i32) {
            return Err(ValueError::new(
                "NUMBER_OUTSIDE_VALID_RANGE",
                format!(
                    "{}: value outside of valid range on numeric field: {}",
                    field.label,
                    format_number(n)
                ),
            ));
        }
    }
    Ok(value)
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

/// A value from a default in the schema file.
pub fn from_default(field: &FieldDef, default: &toml::Value) -> Value {
    let json = match default {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        _ => Json::Null,
    };
    from_json(field, &json).unwrap_or(Value::Null)
}

/// Writes a number the way Salesforce's CSV does (no trailing `.0` for whole numbers).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `yyyy-MM-dd` for a day number.
pub fn format_date(days: i32) -> String {
    let date = Date::from_julian_day(days + UNIX_EPOCH_JULIAN).unwrap_or(Date::MIN);
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

/// `yyyy-MM-ddTHH:mm:ss.SSS+0000` for milliseconds since the epoch.
pub fn format_datetime(ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

/// Parses `yyyy-MM-dd` into a day number.
pub fn parse_date(text: &str) -> Option<i32> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text.trim(), format).ok()?;
    Some(date.to_julian_day() - UNIX_EPOCH_JULIAN)
}

/// Parses the datetime forms Salesforce accepts: `2024-01-01T00:00:00Z`,
/// `...00.000+0000`, `...+01:00`, with or without milliseconds.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &well_known::Rfc3339) {
        return Some(millis(at));
    }
    // `+0000` style offsets (no colon), which RFC 3339 does not allow.
    let (main, offset) = split_offset(text)?;
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let local = PrimitiveDateTime::parse(main, format).ok()?;
    Some(millis(local.assume_offset(offset)))
}

fn split_offset(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(main) = text.strip_suffix('Z') {
        return Some((main, UtcOffset::UTC));
    }
    let cut = text.len().checked_sub(5)?;
    // Text from the network: the cut may fall inside a multi-byte character.
    let (main, zone) = text.split_at_checked(cut)?;
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i8 = zone.get(1..3)?.parse().ok()?;
    let minutes: i8 = zone.get(3..5)?.parse().ok()?;
    let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
    Some((main, offset))
}

fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    millis(OffsetDateTime::now_utc())
}

/// The day number of an instant (UTC).
pub fn day_of(ms: i64) -> i32 {
    ms.div_euclid(86_400_000) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_takes_24_bytes() {
        // Every record holds one per field (Account has 42): keep the slots small.
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn datetimes_parse_in_every_accepted_form_and_print_in_one() {
        let expected = parse_datetime("2024-01-02T03:04:05Z").unwrap();
        for text in [
            "2024-01-02T03:04:05.000+0000",
            "2024-01-02T04:04:05+01:00",
            "2024-01-02T04:04:05.000+0100",
            "2024-01-02T03:04:05.000Z",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(format_datetime(expected), "2024-01-02T03:04:05.000+0000");
        assert_eq!(format_date(parse_date("2010-01-01").unwrap()), "2010-01-01");
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn datetimes_ending_in_multibyte_characters_are_refused_not_sliced() {
        for text in ["€€€", "2024-01-02T03:04:05ééé", "2024-01-02T03:04:05+€"] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
    }
}
