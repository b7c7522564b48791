//! Reading and checking write fields before any call: names, types, lengths, decimals.

use super::super::invalid_field;
use crate::flows::adapters::AdapterResult;
use ferry_brightpearl::model::common::Stamp;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// The fields of one write (or of one nested object such as a row), with the record's name
/// and the field path prefix for messages.
pub(super) struct Fields<'a> {
    pub map: &'a Map<String, Value>,
    /// The record (`the new sales-order with marker "ferry:order:1"`).
    pub what: &'a str,
    /// Prefix of field names in messages (`""`, `"rows[2]."`, `"delivery."`).
    pub at: String,
}

impl<'a> Fields<'a> {
    /// The top-level fields of a write.
    pub fn top(map: &'a Map<String, Value>, what: &'a str) -> Fields<'a> {
        Fields {
            map,
            what,
            at: String::new(),
        }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.at)
    }

    fn refuse(
        &self,
        field: &str,
        message: impl std::fmt::Display,
    ) -> crate::flows::adapters::AdapterError {
        invalid_field(self.what, &self.name(field), message)
    }

    /// Refuses names not in `known`.
    pub fn check_known(&self, known: &[&str]) -> AdapterResult<()> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(self.refuse(
                unknown,
                format!(
                    "not a Brightpearl write field here; use one of {} (see the adapter's \
                     documentation)",
                    known.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    /// A text field; `null` and `""` are `None`.
    pub fn text(&self, field: &str) -> AdapterResult<Option<String>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.refuse(
                field,
                format!("{other} is not text; map a string or a number"),
            )),
        }
    }

    /// A text field of at most `max` characters.
    pub fn short(&self, field: &str, max: usize) -> AdapterResult<Option<String>> {
        let value = self.text(field)?;
        if let Some(text) = &value
            && text.chars().count() > max
        {
            return Err(self.refuse(
                field,
                format!(
                    "{text:?} is {} characters and Brightpearl keeps at most {max}; shorten it \
                     in the mapping (e.g. `| truncate({max})`) or in the source record",
                    text.chars().count()
                ),
            ));
        }
        Ok(value)
    }

    /// A text field that must be set.
    pub fn required_text(&self, field: &str, max: usize, hint: &str) -> AdapterResult<String> {
        self.short(field, max)?
            .ok_or_else(|| self.refuse(field, format!("is required; {hint}")))
    }

    /// A Brightpearl id (a whole number, or its text).
    pub fn id(&self, field: &str) -> AdapterResult<Option<u64>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
            Some(other) => Err(self.refuse(
                field,
                format!("{other} is not a Brightpearl id; map a whole number"),
            )),
        }
    }

    /// An id that must be set.
    pub fn required_id(&self, field: &str, hint: &str) -> AdapterResult<u64> {
        self.id(field)?
            .ok_or_else(|| self.refuse(field, format!("is required; {hint}")))
    }

    /// A decimal (text or number) with at most `places` decimal places once trailing zeros
    /// are dropped; more is refused rather than rounded.
    pub fn decimal(&self, field: &str, places: u32) -> AdapterResult<Option<Decimal>> {
        let Some(value) = self.map.get(field) else {
            return Ok(None);
        };
        let parsed = match value {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => Decimal::from_str(s.trim()).ok(),
            Value::Number(n) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .ok(),
            _ => None,
        };
        let Some(parsed) = parsed else {
            return Err(self.refuse(
                field,
                format!("{value} is not a decimal number; map decimal text such as \"12.50\""),
            ));
        };
        let parsed = parsed.normalize();
        if parsed.scale() > places {
            return Err(self.refuse(
                field,
                format!(
                    "{parsed} has {} decimal places and Brightpearl takes at most {places} here; \
                     round it in the flow's mapping (e.g. `| round({places})`) so the amount \
                     Brightpearl keeps is the one Ferry sent",
                    parsed.scale()
                ),
            ));
        }
        Ok(Some(parsed))
    }

    /// A date or date-time text Brightpearl understands (`2026-04-17`,
    /// `2026-04-17T10:00:00-06:00`, `…Z`).
    pub fn date(&self, field: &str) -> AdapterResult<Option<String>> {
        let Some(text) = self.text(field)? else {
            return Ok(None);
        };
        if Stamp::parse(&text).parsed().is_none() {
            return Err(self.refuse(
                field,
                format!(
                    "{text:?} is not a date; map an ISO date or date-time such as \"2026-04-17\" \
                     or \"2026-04-17T10:00:00Z\""
                ),
            ));
        }
        Ok(Some(text))
    }

    /// A nested object.
    pub fn object(&self, field: &str) -> AdapterResult<Option<&'a Map<String, Value>>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(self.refuse(
                field,
                format!("{other} is not an object; map an object of its fields"),
            )),
        }
    }

    /// The fields of a nested object, for its own checks.
    pub fn nested(&self, map: &'a Map<String, Value>, field: &str) -> Fields<'a> {
        Fields {
            map,
            what: self.what,
            at: format!("{}{field}", self.at),
        }
    }

    /// A refusal of `field` (for checks the caller makes).
    pub fn error(
        &self,
        field: &str,
        message: impl std::fmt::Display,
    ) -> crate::flows::adapters::AdapterError {
        self.refuse(field, message)
    }
}

/// A decimal as Brightpearl takes it in a request: plain text, no exponent.
pub(super) fn money_text(value: Decimal) -> Value {
    Value::from(value.normalize().to_string())
}

/// Two dates or date-times that mean the same instant (texts compared when either is not a
/// date).
pub(super) fn same_instant(a: &str, b: &str) -> bool {
    match (Stamp::parse(a).utc(), Stamp::parse(b).utc()) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        serde_json::from_value(value).unwrap_or_default()
    }

    #[test]
    fn decimals_keep_their_places_and_refuse_more() {
        let m = map(json!({"a": "10.100", "b": "10.125", "c": 12.5, "d": "x"}));
        let f = Fields::top(&m, "payment 1");
        assert_eq!(
            f.decimal("a", 2).ok().flatten().map(|d| d.to_string()),
            Some("10.1".into())
        );
        let err = f.decimal("b", 2).err();
        assert!(err.is_some_and(|e| e.code == "BP_INVALID_FIELD"
            && e.message.contains("3 decimal places")
            && e.message.contains("\"b\"")));
        assert_eq!(
            f.decimal("c", 2).ok().flatten().map(|d| d.to_string()),
            Some("12.5".into())
        );
        assert!(f.decimal("d", 2).is_err());
        assert!(f.decimal("missing", 2).ok().flatten().is_none());
    }

    #[test]
    fn nested_names_carry_their_path() {
        let m = map(json!({"rows": [{"qty": 1}]}));
        let row = map(json!({"qty": 1}));
        let top = Fields::top(&m, "the new sales-order");
        let nested = top.nested(&row, "rows[0].");
        let err = nested.check_known(&["quantity"]).err();
        assert!(
            err.is_some_and(|e| e.message.contains("\"rows[0].qty\"")
                && e.message.contains("use one of quantity"))
        );
    }

    #[test]
    fn dates_are_checked_and_compared_as_instants() {
        let m = map(json!({"d": "2026-04-17", "bad": "17/04/2026"}));
        let f = Fields::top(&m, "x");
        assert_eq!(f.date("d").ok().flatten().as_deref(), Some("2026-04-17"));
        assert!(f.date("bad").is_err());
        assert!(same_instant(
            "2026-04-17T10:00:00Z",
            "2026-04-17T04:00:00.000-06:00"
        ));
        assert!(!same_instant(
            "2026-04-17T10:00:00Z",
            "2026-04-17T10:00:01Z"
        ));
    }
}
