//! Field-by-field comparison of a mapped record with the target's current record, under the
//! flow's ownership policy. Pure.

use crate::flows::adapters::Row;
use ferry_core::Timestamp;
use ferry_mapping::Policy;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

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

/// Compares `mapped` with `current` (None: the record does not exist yet), field by field.
///
/// Under `source` a differing field is written. Under `newest` and `review` the comparison is
/// three-way against `base`, what the target held after the last sync: a field the target
/// changed since then while the source did not is the target's to keep (the flow in the other
/// direction carries it back); a field both changed is a conflict, which `newest` settles by
/// the records' change times and `review` holds for a person. Without a base for a field (the
/// first sync of a link, or a field just added to the mapping), an empty target field is
/// filled and any other difference is a conflict settled by the change times.
///
/// `eq(field, a, b)` says whether two values of a field mean the same ([`same`], or the
/// target's `compare` expression).
pub(crate) fn decide(
    mapped: &Map<String, Value>,
    current: Option<&Row>,
    policy: impl Fn(&str) -> Policy,
    source_modified: Option<Timestamp>,
    base: Option<&Map<String, Value>>,
    eq: &dyn Fn(&str, &Value, &Value) -> bool,
) -> Decision {
    let Some(current) = current else {
        return Decision::Write(mapped.clone());
    };
    let target_newer = match (current.modified_at, source_modified) {
        (Some(t), Some(s)) => t > s,
        _ => false,
    };
    let mut write = Map::new();
    for (field, want) in mapped {
        let have = current.data.get(field);
        if let Some(have) = have
            && eq(field, want, have)
        {
            continue;
        }
        let policy = policy(field);
        if policy == Policy::Source || have.is_none() {
            write.insert(field.clone(), want.clone());
            continue;
        }
        let have = have.unwrap_or(&Value::Null);
        let (target_changed, source_changed) = match base.and_then(|b| b.get(field)) {
            Some(was) => (!eq(field, have, was), !eq(field, want, was)),
            // Never synced by Ferry (a field just added to the mapping): an empty target
            // field is filled; a value someone entered is a change of the target's.
            None => (!is_blank(have), true),
        };
        if !target_changed {
            write.insert(field.clone(), want.clone());
            continue;
        }
        if !source_changed {
            continue;
        }
        match policy {
            Policy::Review if base.is_some() => {
                return Decision::Review(format!(
                    "field {field} is {} in the target and the source wants {}; both changed \
                     since the last sync and the flow's ownership says `review`: decide which \
                     is right, change the other system to match, then retry",
                    short(have),
                    short(want)
                ));
            }
            _ => {
                if !target_newer {
                    write.insert(field.clone(), want.clone());
                }
            }
        }
    }
    if write.is_empty() {
        Decision::Unchanged
    } else {
        Decision::Write(write)
    }
}

/// Null or text of nothing but whitespace.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
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

    fn row(data: Value, modified: Option<i64>) -> Row {
        Row {
            id: "1".into(),
            modified_at: modified.map(Timestamp::from_micros),
            version: None,
            changed_by_ferry: None,
            data,
        }
    }

    fn plain(_: &str, a: &Value, b: &Value) -> bool {
        same(a, b)
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
        let current = row(json!({"Name": "Ann", "Phone": "+44"}), Some(5));
        assert_eq!(
            decide(
                &mapped,
                Some(&current),
                |_| Policy::Source,
                None,
                None,
                &plain
            ),
            Decision::Unchanged
        );
    }

    #[test]
    fn only_differing_fields_are_written() {
        let mapped = map(json!({"Name": "Ann", "Phone": "+45"}));
        let current = row(json!({"Name": "Ann", "Phone": "+44"}), Some(5));
        assert_eq!(
            decide(
                &mapped,
                Some(&current),
                |_| Policy::Source,
                None,
                None,
                &plain
            ),
            Decision::Write(map(json!({"Phone": "+45"})))
        );
    }

    #[test]
    fn a_field_new_to_the_mapping_fills_an_empty_target_field_under_newest() {
        // The base knows Phone only; Description was added to the mapping since. The target
        // changed after the source, but its Description is empty, so it is filled; its Title,
        // typed in by someone, is kept.
        let base = map(json!({"Phone": "+44"}));
        let mapped = map(json!({"Phone": "+44", "Description": "VIP", "Title": "Buyer"}));
        let current = row(
            json!({"Phone": "+44", "Description": null, "Title": "Head buyer"}),
            Some(9),
        );
        assert_eq!(
            decide(
                &mapped,
                Some(&current),
                |_| Policy::Newest,
                Some(Timestamp::from_micros(5)),
                Some(&base),
                &plain
            ),
            Decision::Write(map(json!({"Description": "VIP"})))
        );
    }

    #[test]
    fn a_field_only_the_target_changed_is_kept_under_newest() {
        // Last sync: both "+44". The target now says "+46", the source still "+44".
        let base = map(json!({"Phone": "+44", "Name": "Ann"}));
        let mapped = map(json!({"Phone": "+44", "Name": "Anne"}));
        let current = row(json!({"Phone": "+46", "Name": "Ann"}), Some(100));
        let d = decide(
            &mapped,
            Some(&current),
            |_| Policy::Newest,
            Some(Timestamp::from_micros(200)),
            Some(&base),
            &plain,
        );
        // The source's own change (Name) goes through; the target's (Phone) stays.
        assert_eq!(d, Decision::Write(map(json!({"Name": "Anne"}))));
        // Under `source` the source's value is written regardless.
        let d = decide(
            &mapped,
            Some(&current),
            |_| Policy::Source,
            None,
            Some(&base),
            &plain,
        );
        assert_eq!(
            d,
            Decision::Write(map(json!({"Phone": "+44", "Name": "Anne"})))
        );
    }

    #[test]
    fn a_field_both_changed_goes_to_the_newer_record_under_newest() {
        let base = map(json!({"Phone": "+44"}));
        let mapped = map(json!({"Phone": "+45"}));
        let current = row(json!({"Phone": "+46"}), Some(100));
        let newer_target = decide(
            &mapped,
            Some(&current),
            |_| Policy::Newest,
            Some(Timestamp::from_micros(50)),
            Some(&base),
            &plain,
        );
        assert_eq!(newer_target, Decision::Unchanged);
        let newer_source = decide(
            &mapped,
            Some(&current),
            |_| Policy::Newest,
            Some(Timestamp::from_micros(200)),
            Some(&base),
            &plain,
        );
        assert_eq!(newer_source, Decision::Write(mapped.clone()));
    }

    #[test]
    fn review_holds_a_conflict_and_lets_one_sided_changes_through() {
        let base = map(json!({"Phone": "+44"}));
        let current = row(json!({"Phone": "+46"}), Some(100));
        let both = decide(
            &map(json!({"Phone": "+45"})),
            Some(&current),
            |_| Policy::Review,
            None,
            Some(&base),
            &plain,
        );
        assert!(matches!(both, Decision::Review(m) if m.contains("Phone")));
        let untouched_target = row(json!({"Phone": "+44"}), Some(100));
        let source_only = decide(
            &map(json!({"Phone": "+45"})),
            Some(&untouched_target),
            |_| Policy::Review,
            None,
            Some(&base),
            &plain,
        );
        assert_eq!(source_only, Decision::Write(map(json!({"Phone": "+45"}))));
    }

    #[test]
    fn match_keys_ignore_case_and_spaces() {
        assert_eq!(match_key(&json!(" SW1A 1aa ")), "sw1a1aa");
        assert_eq!(match_key(&json!("Ann@Example.COM")), "ann@example.com");
    }
}
