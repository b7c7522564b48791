//! What every Brightpearl resource shares: the `{"response": …}` envelope, the error envelope,
//! decimal money that arrives as a string or a number, timestamps kept with their original
//! text, custom-field maps, OPTIONS answers and JSON-Patch operations.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The success envelope `{"response": …}` every call but the void writes answers with.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Envelope<T> {
    /// What the call returned.
    pub response: T,
}

/// One entry of the error envelope's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiError {
    /// Brightpearl's code: a service prefix and a number (`CMNC-404`, `ORDC-022`).
    #[serde(default)]
    pub code: String,
    /// The message, verbatim (typos included).
    #[serde(default)]
    pub message: String,
}

/// The error envelope `{"errors": [{"code", "message"}]}`. A 401 or a throttled 503 puts its
/// message in `response` as a bare string instead, so both are kept.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct ApiErrors {
    /// The errors, in the order Brightpearl listed them (several are possible).
    #[serde(default)]
    pub errors: Vec<ApiError>,
    /// Whatever sat in `response` (a string message on 401 and 503 answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl ApiErrors {
    /// Whether any error is `CMNC-404`, Brightpearl's "nothing found" (an empty result for
    /// some resources, a missing record for others).
    pub fn is_not_found(&self) -> bool {
        self.errors.iter().any(|e| e.code == "CMNC-404")
    }

    /// Whether the answer carries any message at all (an error list or a text `response`).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.response_message().is_none()
    }

    /// The `response` text of a 401/503 answer (`Authorization token expired`).
    pub fn response_message(&self) -> Option<&str> {
        self.response.as_ref().and_then(Value::as_str)
    }

    /// The codes, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.code.as_str()).collect()
    }
}

impl fmt::Display for ApiErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect();
        if let Some(text) = self.response_message() {
            parts.push(text.to_string());
        }
        if parts.is_empty() {
            f.write_str("Brightpearl answered with an error but gave no message")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

impl std::error::Error for ApiErrors {}

/// The OPTIONS answer on a collection: the GET URIs (relative to the service) that fetch the
/// given id set in chunks of at most 200 existing ids.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetUris {
    /// `["/order/1-2,5,8,10-41"]`; empty when none of the ids exist.
    #[serde(default)]
    pub get_uris: Vec<String>,
}

/// One JSON-Patch operation, as Brightpearl's PATCH endpoints take them (RFC 6902 subset:
/// `add`, `replace`, `remove`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    /// `add`, `replace` or `remove`. On custom fields `replace` fails on an empty field, so
    /// use `add` to set.
    pub op: String,
    /// The JSON pointer (`/reference`, `/delivery/deliveryDate`, `/PCF_TEAM`).
    pub path: String,
    /// The new value (absent for `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOp {
    /// `{"op":"replace","path":…,"value":…}`.
    pub fn replace(path: impl Into<String>, value: Value) -> PatchOp {
        PatchOp {
            op: "replace".into(),
            path: path.into(),
            value: Some(value),
        }
    }

    /// `{"op":"add","path":…,"value":…}`.
    pub fn add(path: impl Into<String>, value: Value) -> PatchOp {
        PatchOp {
            op: "add".into(),
            path: path.into(),
            value: Some(value),
        }
    }

    /// `{"op":"remove","path":…}`.
    pub fn remove(path: impl Into<String>) -> PatchOp {
        PatchOp {
            op: "remove".into(),
            path: path.into(),
            value: None,
        }
    }
}

/// Custom-field values by code (`PCF_TEAM`), as GET `…/custom-field` and
/// `includeOptional=customFields` show them. Values are text, booleans, numbers, dates as text
/// or select options `{"id", "value"}`; only fields that have a value appear.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct CustomFields(pub Map<String, Value>);

impl CustomFields {
    /// The raw value of `code`.
    pub fn get(&self, code: &str) -> Option<&Value> {
        self.0.get(code)
    }

    /// A text, number or boolean value as text; a select option's `value`.
    pub fn text(&self, code: &str) -> Option<String> {
        match self.0.get(code)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
            _ => None,
        }
    }

    /// A select option's id (`{"id": 137, "value": "…"}`).
    pub fn option_id(&self, code: &str) -> Option<u64> {
        self.0.get(code)?.get("id")?.as_u64()
    }

    /// How many fields have a value.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field has a value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Metadata of one custom field (GET `…/custom-field-meta-data`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldMeta {
    /// The field id.
    pub id: u64,
    /// The code values are keyed by (`PCF_TIPONEG`).
    #[serde(default)]
    pub code: String,
    /// The label shown to users.
    #[serde(default)]
    pub name: String,
    /// `TEXT`, `TEXT_AREA`, `DATE`, `YES_NO`, `SELECT`, `INTEGER`, `DECIMAL` ….
    #[serde(default)]
    pub custom_field_type: String,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// A select field's options by id.
    #[serde(default)]
    pub options: BTreeMap<u64, SelectOption>,
}

/// One option of a select custom field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SelectOption {
    /// The option id (written back as `{"id": …}`).
    pub id: u64,
    /// Its label.
    #[serde(default)]
    pub value: String,
}

/// A timestamp as Brightpearl sent it, with its parsed instant when the text could be read.
/// Brightpearl writes ISO-8601 with the account's offset (`2022-01-26T09:37:37.000-06:00`),
/// sometimes an offset without a colon (`+0000`) or a bare date; a text this does not
/// understand is kept with no parsed value, so a record never fails to load over a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    raw: String,
    parsed: Option<OffsetDateTime>,
}

impl Stamp {
    /// Reads `text`; never fails (see [`Stamp::parsed`]).
    pub fn parse(text: &str) -> Stamp {
        Stamp {
            raw: text.to_string(),
            parsed: parse_instant(text),
        }
    }

    /// The text as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The instant, `None` when the text was not a date Ferry understands.
    pub fn parsed(&self) -> Option<OffsetDateTime> {
        self.parsed
    }

    /// The instant in UTC.
    pub fn utc(&self) -> Option<OffsetDateTime> {
        self.parsed.map(|t| t.to_offset(time::UtcOffset::UTC))
    }
}

impl From<OffsetDateTime> for Stamp {
    fn from(instant: OffsetDateTime) -> Stamp {
        // Rfc3339 cannot fail for years 0..=9999; fall back to Debug text beyond that.
        let raw = instant
            .format(&Rfc3339)
            .unwrap_or_else(|_| format!("{instant:?}"));
        Stamp {
            raw,
            parsed: Some(instant),
        }
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Stamp, D::Error> {
        struct StampVisitor;
        impl Visitor<'_> for StampVisitor {
            type Value = Stamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 date-time text or epoch milliseconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Stamp, E> {
                Ok(Stamp::parse(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Stamp, E> {
                let parsed =
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000).ok();
                Ok(Stamp {
                    raw: v.to_string(),
                    parsed,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Stamp, E> {
                let parsed =
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000).ok();
                Ok(Stamp {
                    raw: v.to_string(),
                    parsed,
                })
            }
        }
        deserializer.deserialize_any(StampVisitor)
    }
}

/// Parses the date shapes Brightpearl is known to send; `None` for anything else.
fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    // A bare date is UTC midnight, as Brightpearl itself reads date inputs.
    if text.len() == 10 {
        return OffsetDateTime::parse(&format!("{text}T00:00:00Z"), &Rfc3339).ok();
    }
    let bytes = text.as_bytes();
    let n = bytes.len();
    // `…+0000`: an offset without its colon.
    if n > 5
        && (bytes[n - 5] == b'+' || bytes[n - 5] == b'-')
        && bytes[n - 4..].iter().all(u8::is_ascii_digit)
    {
        let fixed = format!("{}:{}", &text[..n - 2], &text[n - 2..]);
        return OffsetDateTime::parse(&fixed, &Rfc3339).ok();
    }
    // No offset at all: Brightpearl stores UTC.
    if n == 19 || (n > 20 && bytes[19] == b'.' && !text[20..].contains(['+', '-', 'Z'])) {
        return OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339).ok();
    }
    None
}

/// Serde helpers for [`Decimal`] money that Brightpearl sends as a string (`"12.5000"`) in
/// orders, prices and searches, and as a number (`10.0`) in contacts, tax codes and rates.
/// Serialises as a string, which keeps every digit and which Brightpearl accepts.
pub mod decimal {
    use super::*;

    /// Reads a decimal from a JSON string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }

    /// Writes a decimal as a JSON string.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    /// Reads a decimal that may be missing, `null` or an empty string.
    pub mod option {
        use super::*;

        /// `null`, `""` or absent → `None`; otherwise as [`super::deserialize`].
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            let value = Option::<Lenient>::deserialize(deserializer)?;
            Ok(value.and_then(|v| v.0))
        }

        /// `None` → `null` (callers skip it with `skip_serializing_if`), else a string.
        pub fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => serializer.serialize_str(&v.to_string()),
                None => serializer.serialize_none(),
            }
        }
    }

    /// A map whose values are decimals (`quantityPrice: {"1": "10.0000"}`).
    pub mod map {
        use super::*;

        /// Reads `{key: decimal}`; keys go through `K`'s own deserialiser (ids from text).
        pub fn deserialize<'de, D, K>(deserializer: D) -> Result<BTreeMap<K, Decimal>, D::Error>
        where
            D: Deserializer<'de>,
            K: Deserialize<'de> + Ord,
        {
            let raw = BTreeMap::<K, Strict>::deserialize(deserializer)?;
            Ok(raw.into_iter().map(|(k, v)| (k, v.0)).collect())
        }

        /// Writes `{key: "decimal"}`.
        pub fn serialize<S, K>(
            value: &BTreeMap<K, Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error>
        where
            S: Serializer,
            K: Serialize,
        {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(value.len()))?;
            for (k, v) in value {
                map.serialize_entry(k, &v.to_string())?;
            }
            map.end()
        }
    }

    /// A decimal read from a string or a number.
    struct Strict(Decimal);

    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
            deserializer.deserialize_any(DecimalVisitor).map(Strict)
        }
    }

    /// A decimal that may be an empty string (read as none).
    struct Lenient(Option<Decimal>);

    impl<'de> Deserialize<'de> for Lenient {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lenient, D::Error> {
            struct LenientVisitor;
            impl Visitor<'_> for LenientVisitor {
                type Value = Lenient;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a decimal as a string or a number")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                    if v.trim().is_empty() {
                        Ok(Lenient(None))
                    } else {
                        DecimalVisitor.visit_str(v).map(|d| Lenient(Some(d)))
                    }
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient, E> {
                    Ok(Lenient(Some(Decimal::from(v))))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient, E> {
                    Ok(Lenient(Some(Decimal::from(v))))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient, E> {
                    DecimalVisitor.visit_f64(v).map(|d| Lenient(Some(d)))
                }
            }
            deserializer.deserialize_any(LenientVisitor)
        }
    }

    /// The one place text and numbers become decimals.
    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal as a string (\"12.5000\") or a number")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            let t = v.trim();
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .map_err(|_| E::custom(format!("{v:?} is not a decimal number")))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            // The shortest text that reads back as the same f64 is what the JSON said
            // (`1.234567`, `13`), so no binary noise enters the decimal.
            let text = v.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .map_err(|_| E::custom(format!("{v} does not fit a decimal")))
        }
    }
}

/// Serde helpers for text fields Brightpearl sends as a string in one place and a number in
/// another (`nominalCode`, `categoryCode`).
pub mod text {
    use super::*;

    /// Reads a string, a number or a boolean as text.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Ok(String::new()),
            other => Err(de::Error::custom(format!(
                "expected text or a number, got {other}"
            ))),
        }
    }

    /// As [`deserialize`], `null` or absent → `None`.
    pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            other => Err(de::Error::custom(format!(
                "expected text or a number, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Money {
        #[serde(with = "decimal")]
        value: Decimal,
        #[serde(
            default,
            with = "decimal::option",
            skip_serializing_if = "Option::is_none"
        )]
        maybe: Option<Decimal>,
    }

    #[test]
    fn decimals_read_from_strings_and_numbers_exactly() {
        let m: Money = serde_json::from_str(r#"{"value":"12.5000","maybe":1.234567}"#).unwrap();
        assert_eq!(m.value.to_string(), "12.5000");
        assert_eq!(m.maybe.unwrap().to_string(), "1.234567");
        let m: Money = serde_json::from_str(r#"{"value":10.0,"maybe":""}"#).unwrap();
        assert_eq!(m.value, Decimal::from(10));
        assert_eq!(m.maybe, None);
        let m: Money = serde_json::from_str(r#"{"value":7}"#).unwrap();
        assert_eq!(m.value, Decimal::from(7));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"value":"7"}"#);
        let err = serde_json::from_str::<Money>(r#"{"value":"ten"}"#)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("\"ten\" is not a decimal"),
            "{err}"
        );
    }

    #[test]
    fn stamps_parse_every_recorded_shape_and_keep_strange_text() {
        let utc = |s: &str| Stamp::parse(s).utc().map(|t| t.unix_timestamp());
        assert_eq!(utc("2022-01-26T09:37:37.000-06:00"), Some(1_643_211_457));
        assert_eq!(utc("2022-01-26T15:37:37Z"), Some(1_643_211_457));
        assert_eq!(utc("2026-01-01T00:00:00.000+0000"), Some(1_767_225_600));
        assert_eq!(utc("2026-01-01"), Some(1_767_225_600));
        assert_eq!(utc("2026-01-01T00:00:00"), Some(1_767_225_600));
        let odd = Stamp::parse("next Tuesday");
        assert_eq!(odd.parsed(), None);
        assert_eq!(odd.raw(), "next Tuesday");
        let s: Stamp = serde_json::from_str("\"2025-08-28T14:59:22.970-06:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"2025-08-28T14:59:22.970-06:00\""
        );
    }

    #[test]
    fn error_envelopes_read_both_forms() {
        let e: ApiErrors = serde_json::from_str(
            r#"{"errors":[{"code":"CMNC-404","message":"No Contact Found"}]}"#,
        )
        .unwrap();
        assert!(e.is_not_found());
        assert_eq!(e.to_string(), "CMNC-404: No Contact Found");
        let e: ApiErrors =
            serde_json::from_str(r#"{"response":"Authorization token expired"}"#).unwrap();
        assert_eq!(e.response_message(), Some("Authorization token expired"));
        assert!(!e.is_empty());
    }
}
