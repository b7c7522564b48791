//! Field-by-field comparison of a mapped record with the target's current record, under the
//! flow's ownership policy. Pure.

use crate::flows::adapters::Row;
use ferry_core::Timestamp;
use ferry_mapping::Policy;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// How long after Ferry's own write the target's modification stamp may still be Ferry's
/// (the stamp is the target's clock; the link's is ours).
const OWN_WRITE_SLACK_MICROS: i64 = 5_000_000;

/// Whether two field values mean the same: `null` and `""` are both empty; numbers compare
/// as decimals (`10`, `10.0` and `"10.00"` are equal); text compares exactly.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| v.is_null() || v.as_str().is_some_and(|s| s.is_empty());
    if empty(a) || empty(b) {
        return empty(a) && empty(b);
    }
    if let (Some(x), Some(y)) = (decimal(a), decimal(b)) {
        return x == y;
    }
    match (a, b) {
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => {
            y.eq_ignore_ascii_case(if *x { "true" } else { "false" })
        }
        _ => a == b,
    }
}

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty()
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            {
                return None;
            }
            Decimal::from_str(s).ok()
        }
        _ => None,
    }
}

/// The outcome of comparing one mapped record with the target's current record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// Write these fields (all of them for a create; the differing ones for an update).
    Write(Map<String, Value>),
    /// Nothing differs (or every differing field is the target's to keep).
    Unchanged,
    /// A field under the `review` policy differs and the target changed since Ferry last
    /// wrote it: hold the record for a person.
    Review(String),
}

/// Compares `mapped` with `current` (None: the record does not exist yet).
///
/// `source_modified` is when the source record changed; `last_sync` when Ferry last wrote
/// this link (None: never). A target changed "since Ferry's last write" is one whose stamp is
/// later than the link's plus the slack, and not marked as changed by Ferry.
pub(crate) fn decide(
    mapped: &Map<String, Value>,
    current: Option<&Row>,
    policy: impl Fn(&str) -> Policy,
    source_modified: Option<Timestamp>,
    last_sync: Option<Timestamp>,
    skip: &[String],
) -> Decision {
    let Some(current) = current else {
        return Decision::Write(mapped.clone());
    };
    let changed_elsewhere = current.changed_by_ferry != Some(true)
        && match (current.modified_at, last_sync) {
            (Some(stamp), Some(sync)) => {
                stamp.as_micros() > sync.as_micros() + OWN_WRITE_SLACK_MICROS
            }
            (Some(_), None) => true,
            _ => false,
        };
    let target_newer = match (current.modified_at, source_modified) {
        (Some(t), Some(s)) => t > s,
        _ => false,
    };
    let mut write = Map::new();
    for (field, want) in mapped {
        if skip.iter().any(|s| s == field) {
            continue;
        }
        let have = current.data.get(field);
        if let Some(have) = have
            && same(want, have)
        {
            continue;
        }
        match policy(field) {
            Policy::Source => {}
            Policy::Newest => {
                if target_newer && changed_elsewhere && have.is_some() {
                    continue;
                }
            }
            Policy::Review => {
                if changed_elsewhere && have.is_some() {
                    return Decision::Review(format!(
                        "field {field} is {} in the target and the source wants {}; both changed \
                         since the last sync and the flow's ownership says `review`: decide which \
                         is right, change the other system to match, then retry",
                        short(have.unwrap_or(&Value::Null)),
                        short(want)
                    ));
                }
            }
        }
        write.insert(field.clone(), want.clone());
    }
    if write.is_empty() {
        Decision::Unchanged
    } else {
        Decision::Write(write)
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// A value reduced for duplicate matching: trimmed, case-folded, inner whitespace removed.
pub(crate) fn match_key(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn row(data: Value, modified: Option<i64>, by_ferry: Option<bool>) -> Row {
        Row {
            id: "1".into(),
            modified_at: modified.map(Timestamp::from_micros),
            version: None,
            changed_by_ferry: by_ferry,
            data,
        }
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn values_compare_by_meaning() {
        assert!(same(&json!(10), &json!("10.00")));
        assert!(same(&json!(null), &json!("")));
        assert!(!same(&json!("a"), &json!("A")));
        assert!(same(&json!(true), &json!("true")));
        assert!(!same(&json!("1e3"), &json!("1000")) || same(&json!(1000), &json!("1000")));
        assert!(!same(&json!(null), &json!("x")));
    }

    #[test]
    fn unchanged_records_are_not_written() {
        let mapped = map(json!({"Name": "Ann", "Phone": "+44"}));
        let current = row(json!({"Name": "Ann", "Phone": "+44"}), Some(5), None);
        assert_eq!(
            decide(&mapped, Some(&current), |_| Policy::Source, None, None, &[]),
            Decision::Unchanged
        );
    }

    #[test]
    fn only_differing_fields_are_written() {
        let mapped = map(json!({"Name": "Ann", "Phone": "+45"}));
        let current = row(json!({"Name": "Ann", "Phone": "+44"}), Some(5), None);
        assert_eq!(
            decide(&mapped, Some(&current), |_| Policy::Source, None, None, &[]),
            Decision::Write(map(json!({"Phone": "+45"})))
        );
    }

    #[test]
    fn newest_keeps_a_newer_target_value_changed_by_someone_else() {
        let mapped = map(json!({"Phone": "+45"}));
        let current = row(json!({"Phone": "+44"}), Some(100_000_000), Some(false));
        let d = decide(
            &mapped,
            Some(&current),
            |_| Policy::Newest,
            Some(Timestamp::from_micros(50_000_000)),
            Some(Timestamp::from_micros(10_000_000)),
            &[],
        );
        assert_eq!(d, Decision::Unchanged);
        // An older target change loses.
        let d = decide(
            &mapped,
            Some(&current),
            |_| Policy::Newest,
            Some(Timestamp::from_micros(200_000_000)),
            Some(Timestamp::from_micros(10_000_000)),
            &[],
        );
        assert_eq!(d, Decision::Write(mapped.clone()));
    }

    #[test]
    fn review_holds_a_conflict_but_not_ferrys_own_write() {
        let mapped = map(json!({"Phone": "+45"}));
        let theirs = row(json!({"Phone": "+44"}), Some(100_000_000), Some(false));
        let d = decide(
            &mapped,
            Some(&theirs),
            |_| Policy::Review,
            None,
            Some(Timestamp::from_micros(10_000_000)),
            &[],
        );
        assert!(matches!(d, Decision::Review(m) if m.contains("Phone")));
        let ours = row(json!({"Phone": "+44"}), Some(100_000_000), Some(true));
        let d = decide(
            &mapped,
            Some(&ours),
            |_| Policy::Review,
            None,
            Some(Timestamp::from_micros(10_000_000)),
            &[],
        );
        assert_eq!(d, Decision::Write(mapped));
    }

    #[test]
    fn match_keys_ignore_case_and_spaces() {
        assert_eq!(match_key(&json!(" SW1A 1aa ")), "sw1a1aa");
        assert_eq!(match_key(&json!("Ann@Example.COM")), "ann@example.com");
    }
}
