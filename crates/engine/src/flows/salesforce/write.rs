//! Writing a batch: each [`Write`] becomes one planner record (update by id, upsert by
//! external id, or create), and each planner outcome becomes the record's id or an
//! [`AdapterError`] that names the object, the record's key, the fields and what to do.

use crate::flows::adapters::{AdapterError, AdapterResult, Write};
use ferry_salesforce::soql::{Ident, RecordId};
use ferry_salesforce::write::{RecordWrite, TRANSIENT_CODES, WriteOp, WriteOutcome, WritePlanner};
use serde_json::Value;

/// Ferry's and the transport's codes for failures that pass (the planner marks most of them
/// transient already; this keeps the rule explicit at the boundary).
const PASSING_CODES: &[&str] = &[
    "REQUEST_LIMIT_EXCEEDED",
    "RETRIES_EXHAUSTED",
    "CIRCUIT_OPEN",
    "OUTCOME_UNKNOWN",
    "BULK_TIMEOUT",
    "TIMEOUT",
    "QUERY_TIMEOUT",
];

/// Writes `writes` to `object`: one result per write, in order.
pub(super) async fn write(
    planner: &WritePlanner,
    object: &str,
    writes: &[Write],
) -> Vec<AdapterResult<String>> {
    if let Err(error) = Ident::object(object) {
        let error = AdapterError::permanent(
            "SF_INVALID_OBJECT",
            format!("the flow's target object is refused: {error}. Fix `object` in the flow"),
        );
        return writes.iter().map(|_| Err(error.clone())).collect();
    }
    let mut results: Vec<Option<AdapterResult<String>>> = writes.iter().map(|_| None).collect();
    let mut batch = Vec::new();
    let mut positions = Vec::new();
    for (position, write) in writes.iter().enumerate() {
        match record_write(object, position, write) {
            Ok(record) => {
                batch.push(record);
                positions.push(position);
            }
            Err(error) => results[position] = Some(Err(error)),
        }
    }
    if !batch.is_empty() {
        let outcomes = run_planner(planner, batch).await;
        for (k, position) in positions.iter().enumerate() {
            let write = &writes[*position];
            results[*position] = Some(match outcomes.get(k) {
                Some(WriteOutcome::Ok { id, .. }) => Ok(id.clone()),
                Some(WriteOutcome::Failed {
                    code,
                    message,
                    fields,
                    transient,
                }) => Err(refusal(
                    object, write, *position, code, message, fields, *transient,
                )),
                None => Err(lost(object, write, *position)),
            });
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(position, result)| {
            result.unwrap_or_else(|| Err(lost(object, &writes[position], position)))
        })
        .collect()
}

/// Runs the planner. Its concurrent lanes are boxed as `Send` futures inside the client
/// (the closures' higher-ranked lifetimes would otherwise hide that they are `Send`,
/// rust-lang/rust#102211), so it is awaited here like any other call.
async fn run_planner(planner: &WritePlanner, batch: Vec<RecordWrite>) -> Vec<WriteOutcome> {
    planner.write(&batch).await.outcomes
}

/// The planner's record for one write. The reference is the position in the batch: unique,
/// whatever the writes' keys.
fn record_write(object: &str, position: usize, write: &Write) -> AdapterResult<RecordWrite> {
    for field in write.fields.keys() {
        if field.contains('.') || Ident::field(field).is_err() {
            return Err(AdapterError::permanent(
                "SF_INVALID_FIELD",
                format!(
                    "{object} {}: the flow writes to {field:?}, which is not a Salesforce field \
                     name; fix the field's name under the target's `fields` (a parent is set \
                     by its reference field, or as `Account = {{ExternalID__c = …}}`)",
                    key(write, position)
                ),
            ));
        }
    }
    let op = match (&write.id, &write.upsert_key) {
        (Some(id), _) => {
            let id = RecordId::new(id).map_err(|e| {
                AdapterError::permanent(
                    "SF_INVALID_ID",
                    format!(
                        "{object} {}: {e}. Clear the record's cross-reference link so that \
                         Ferry looks the record up again",
                        key(write, position)
                    ),
                )
            })?;
            WriteOp::Update { id: id.to_18() }
        }
        (None, Some((field, value))) => {
            let invalid = |why: String| {
                AdapterError::permanent(
                    "SF_INVALID_KEY",
                    format!("{object} {}: {why}", key(write, position)),
                )
            };
            if field.contains('.') || Ident::field(field).is_err() {
                return Err(invalid(format!(
                    "the key field {field:?} is not a Salesforce field name; fix the target's \
                     `key` in the flow"
                )));
            }
            let value = match value {
                Value::String(text) if !text.trim().is_empty() => text.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(invalid(format!(
                        "the external id for {field} is {other}, and an upsert needs text or \
                         a number; check the expression that maps the key"
                    )));
                }
            };
            WriteOp::Upsert {
                external_id_field: field.clone(),
                external_id: value,
            }
        }
        (None, None) => WriteOp::Create,
    };
    Ok(RecordWrite::new(
        position.to_string(),
        object,
        op,
        write.fields.clone(),
    ))
}

/// The error for a record Salesforce (or the planner) did not write.
fn refusal(
    object: &str,
    write: &Write,
    position: usize,
    code: &str,
    message: &str,
    fields: &[String],
    transient: bool,
) -> AdapterError {
    let transient = transient || TRANSIENT_CODES.contains(&code) || PASSING_CODES.contains(&code);
    let fields_text = if fields.is_empty() {
        String::new()
    } else {
        format!(" (field {})", fields.join(", "))
    };
    let message = format!(
        "Salesforce did not write {object} {}: {code}: {}{fields_text}. {}",
        key(write, position),
        message.trim().trim_end_matches('.'),
        advice(code, transient)
    );
    let code = format!("SF_{code}");
    if transient {
        AdapterError::transient(code, message)
    } else {
        AdapterError::permanent(code, message)
    }
}

/// A record the planner gave no outcome for (it promises one each; this is the safety net).
fn lost(object: &str, write: &Write, position: usize) -> AdapterError {
    AdapterError::transient(
        "SF_OUTCOME_UNKNOWN",
        format!(
            "{object} {}: the write planner gave no outcome for this record; whether it was \
             written is unknown, so Ferry reads it back and tries again",
            key(write, position)
        ),
    )
}

/// How a record is named in messages: its id, its external id, or its place in the batch.
fn key(write: &Write, position: usize) -> String {
    match (&write.id, &write.upsert_key) {
        (Some(id), _) => format!("record {id}"),
        (None, Some((field, value))) => format!("with {field} = {value}"),
        (None, None) => format!("(a new record, #{} of the batch)", position + 1),
    }
}

/// What the person fixing the record should do next.
fn advice(code: &str, transient: bool) -> &'static str {
    if transient {
        return "Ferry retries it automatically; nothing to do unless it keeps failing";
    }
    match code {
        "STRING_TOO_LONG" => {
            "Shorten the value (for example with `truncate` in the flow's mapping) or lengthen \
             the field in Salesforce, then retry the record"
        }
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" | "BAD_VALUE_FOR_PICKLIST" => {
            "Map the value to one of the picklist's values (a `tables` entry in the flow) or \
             add it to the picklist in Salesforce, then retry the record"
        }
        "REQUIRED_FIELD_MISSING" => {
            "Map a value for the field in the flow (or give the source record one), then retry \
             the record"
        }
        "DUPLICATE_VALUE" | "DUPLICATES_DETECTED" | "DUPLICATE_EXTERNAL_ID" => {
            "Another Salesforce record already holds this value in a unique field: link or \
             merge the two records, then retry"
        }
        "INVALID_FIELD" | "INVALID_FIELD_FOR_INSERT_UPDATE" | "NO_SUCH_COLUMN" => {
            "Check the field's API name in the flow and the integration user's field-level \
             security in Salesforce, then retry"
        }
        "ENTITY_IS_DELETED" | "NOT_FOUND" | "INVALID_CROSS_REFERENCE_KEY" | "INVALID_ID_FIELD" => {
            "The record, or a record it points to, no longer exists in Salesforce: restore it \
             or clear the record's cross-reference link, then retry"
        }
        "FIELD_CUSTOM_VALIDATION_EXCEPTION" | "FIELD_INTEGRITY_EXCEPTION" => {
            "A validation rule in Salesforce refused the values: correct the source record or \
             the mapping (or the rule), then retry"
        }
        "INSUFFICIENT_ACCESS_OR_READONLY" | "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY" => {
            "Give the integration user access to the record and its fields in Salesforce, then \
             retry"
        }
        _ => {
            "Correct the value in the source record or the flow's mapping, then retry the \
             record from the dashboard"
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::{Map, json};

    fn write(id: Option<&str>, key: Option<(&str, Value)>) -> Write {
        let mut fields = Map::new();
        fields.insert("LastName".into(), json!("Lovelace"));
        Write {
            id: id.map(str::to_owned),
            upsert_key: key.map(|(f, v)| (f.to_owned(), v)),
            fields,
            marker: None,
        }
    }

    #[test]
    fn writes_become_updates_upserts_or_creates() {
        let by_id = record_write("Contact", 0, &write(Some("003000000000001"), None)).unwrap();
        assert_eq!(
            by_id.op,
            WriteOp::Update {
                id: "003000000000001AAA".into()
            }
        );
        let by_key = record_write(
            "Contact",
            1,
            &write(None, Some(("ExternalID__c", json!(207)))),
        )
        .unwrap();
        assert_eq!(
            by_key.op,
            WriteOp::Upsert {
                external_id_field: "ExternalID__c".into(),
                external_id: "207".into()
            }
        );
        assert_eq!(by_key.reference, "1");
        let created = record_write("Contact", 2, &write(None, None)).unwrap();
        assert_eq!(created.op, WriteOp::Create);
        let empty = record_write(
            "Contact",
            3,
            &write(None, Some(("ExternalID__c", json!("")))),
        )
        .unwrap_err();
        assert_eq!(empty.code, "SF_INVALID_KEY");
        assert!(!empty.transient);
        let bad_id = record_write("Contact", 4, &write(Some("003'"), None)).unwrap_err();
        assert_eq!(bad_id.code, "SF_INVALID_ID");
    }

    #[test]
    fn refusals_name_the_object_key_fields_and_next_step() {
        let error = refusal(
            "Contact",
            &write(None, Some(("ExternalID__c", json!("C-1")))),
            0,
            "STRING_TOO_LONG",
            "Last Name: data value too large",
            &["LastName".into()],
            false,
        );
        assert_eq!(error.code, "SF_STRING_TOO_LONG");
        assert!(!error.transient);
        for part in [
            "Contact",
            "ExternalID__c = \"C-1\"",
            "field LastName",
            "truncate",
        ] {
            assert!(error.message.contains(part), "{part}: {}", error.message);
        }
        let locked = refusal(
            "Contact",
            &write(Some("003000000000001AAA"), None),
            0,
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access",
            &[],
            false,
        );
        assert!(locked.transient);
    }
}
