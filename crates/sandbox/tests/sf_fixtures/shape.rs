//! The shape comparison behind `sf_fixtures`: a recorded Salesforce response against the
//! emulator's answer, key by key and type by type.

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where the recorded responses live: `shared/` beside the clone (override with
/// `FERRY_SF_FIXTURES`).
fn fixtures_dir() -> PathBuf {
    match std::env::var_os("FERRY_SF_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/salesforce"
        )),
    }
}

/// What may differ between a fixture and the emulator's answer. Paths name a fixture's keys as
/// the fixture spells them: `records[].Name` is `Name` in every element of `records`; the root
/// is `""`.
#[derive(Clone, Copy)]
pub struct Shape {
    /// Fixture keys and the emulator's field of the same JSON type that stands for them.
    pub rename: &'static [(&'static str, &'static str)],
    /// Fixture keys no object of the emulator's schema has a counterpart for.
    pub absent: &'static [&'static str],
    /// Objects that may carry more keys than the fixture (a record holds all its fields).
    pub open: &'static [&'static str],
    /// Keys the emulator may add (fields newer API versions return).
    pub extra: &'static [&'static str],
    /// Values that must be equal, not just of the same type (error codes and messages).
    pub exact: &'static [&'static str],
}

/// Compares the emulator's `actual` body with the recorded `fixture` (a path under
/// [`fixtures_dir`]) and panics listing every difference:
/// - objects have the same keys (after `rename` and `absent`; more only where `open` or `extra`);
/// - arrays: every element of the emulator's array has the shape of the fixture's first
///   element (an empty fixture array says nothing about elements);
/// - scalars have the same JSON type; all numbers are one type (Salesforce itself writes
///   `300.0` and `400` in one result), and `null` matches any type, since whether a field is
///   empty is data, not shape;
/// - an empty fixture file means an empty body, and only it does.
pub fn assert_same_shape(fixture: &str, actual: &Json, shape: Shape) {
    let path = fixtures_dir().join(fixture);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the fixture {} ({e}); shared/ must sit beside the clone",
            path.display()
        )
    });
    let mut differences = BTreeSet::new();
    if text.trim().is_empty() {
        if !actual.is_null() {
            differences.insert(format!(
                "the fixture is an empty body; the emulator sent {actual}"
            ));
        }
    } else if actual.is_null() {
        differences.insert("the emulator sent an empty body".to_string());
    } else {
        let expected: Json = serde_json::from_str(&text).expect("fixture is JSON");
        compare(&expected, actual, "", &shape, &mut differences);
    }
    assert!(
        differences.is_empty(),
        "{fixture}: the emulator's answer differs in shape:\n  {}\nemulator's body:\n{}",
        differences.into_iter().collect::<Vec<_>>().join("\n  "),
        serde_json::to_string_pretty(actual).unwrap_or_default()
    );
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn compare(expected: &Json, actual: &Json, path: &str, shape: &Shape, out: &mut BTreeSet<String>) {
    let shown = if path.is_empty() { "(root)" } else { path };
    if shape.exact.contains(&path) && expected != actual {
        out.insert(format!("{shown}: expected {expected}, got {actual}"));
        return;
    }
    match (expected, actual) {
        (Json::Null, _) | (_, Json::Null) => {}
        (Json::Object(expected), Json::Object(actual)) => {
            let mut wanted = BTreeSet::new();
            for (key, value) in expected {
                let key_path = child(path, key);
                if shape.absent.contains(&key_path.as_str()) {
                    continue;
                }
                let name = shape
                    .rename
                    .iter()
                    .find(|(from, _)| *from == key_path)
                    .map_or(key.as_str(), |(_, to)| *to);
                wanted.insert(name);
                match actual.get(name) {
                    Some(value_there) => compare(value, value_there, &key_path, shape, out),
                    None if name == key => {
                        out.insert(format!("{key_path}: missing"));
                    }
                    None => {
                        out.insert(format!("{key_path}: missing (as {name})"));
                    }
                }
            }
            if !shape.open.contains(&path) {
                for key in actual.keys() {
                    if !wanted.contains(key.as_str())
                        && !shape.extra.contains(&child(path, key).as_str())
                    {
                        out.insert(format!("{}: not in the fixture", child(path, key)));
                    }
                }
            }
        }
        (Json::Array(expected), Json::Array(actual)) => {
            if let Some(first) = expected.first() {
                for element in actual {
                    compare(first, element, &format!("{path}[]"), shape, out);
                }
            }
        }
        (expected, actual) if type_name(expected) == type_name(actual) => {}
        (expected, actual) => {
            out.insert(format!(
                "{shown}: {} in the fixture, {} from the emulator ({actual})",
                type_name(expected),
                type_name(actual)
            ));
        }
    }
}

/// Keys, types and nothing else.
pub const PLAIN: Shape = Shape {
    rename: &[],
    absent: &[],
    open: &[],
    extra: &[],
    exact: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The panic message of a failing comparison.
    fn differences(fixture: &str, actual: Json, shape: Shape) -> String {
        let outcome = std::panic::catch_unwind(|| assert_same_shape(fixture, &actual, shape));
        *outcome
            .expect_err("differences found")
            .downcast::<String>()
            .unwrap()
    }

    #[test]
    fn a_wrong_type_a_stray_key_and_a_missing_key_are_differences() {
        let wrong = json!([{"message": 1, "errorCode": "INVALID_FIELD", "extra": true}]);
        let message = differences("sobject/query_error_response.json", wrong, PLAIN);
        assert!(
            message.contains("[].message: string in the fixture, number from the emulator"),
            "{message}"
        );
        assert!(
            message.contains("[].extra: not in the fixture"),
            "{message}"
        );
        let message = differences(
            "sobject/query_error_response.json",
            json!([{"message": "m"}]),
            PLAIN,
        );
        assert!(message.contains("[].errorCode: missing"), "{message}");
    }

    #[test]
    fn bodies_must_be_empty_exactly_when_the_fixture_is() {
        let message = differences("sobject/query_error_response.json", Json::Null, PLAIN);
        assert!(
            message.contains("the emulator sent an empty body"),
            "{message}"
        );
        let message = differences(
            "sobject/upsert_updated_success_response.json",
            json!({"id": "x"}),
            PLAIN,
        );
        assert!(
            message.contains("the fixture is an empty body"),
            "{message}"
        );
        assert_same_shape(
            "sobject/upsert_updated_success_response.json",
            &Json::Null,
            PLAIN,
        );
    }

    #[test]
    fn renamed_absent_and_open_keys() {
        let shape = Shape {
            rename: &[("External_Field__c", "ExternalID__c")],
            ..PLAIN
        };
        let record = json!({"attributes": {"type": "Account", "url": "/x"}, "ExternalID__c": "1", "Id": "001"});
        assert_same_shape(
            "sobject/sobject_select_success_response.json",
            &record,
            shape,
        );
        let mut more = record.clone();
        more["Name"] = json!("Acme");
        let message = differences(
            "sobject/sobject_select_success_response.json",
            more.clone(),
            shape,
        );
        assert!(message.contains("Name: not in the fixture"), "{message}");
        let open = Shape {
            open: &[""],
            ..shape
        };
        assert_same_shape("sobject/sobject_select_success_response.json", &more, open);
        let message = differences(
            "sobject/sobject_select_success_response.json",
            json!({"attributes": {"type": "Account", "url": "/x"}, "Id": "001"}),
            shape,
        );
        assert!(
            message.contains("External_Field__c: missing (as ExternalID__c)"),
            "{message}"
        );
    }
}
