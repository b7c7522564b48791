//! The single-record lane: one REST call per record (reference §3.3). Also builds the
//! sObject request of one record, which Composite and Graph subrequests reuse.

use super::outcome::{already_deleted, failed, from_call_error, unknown};
use super::planner::{Item, Outcomes};
use super::{Ctx, Lane, WriteOp, WriteOutcome};
use ferry_http::{Error, Method, Reply};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Characters escaped in a path segment: all but letters, digits and `-._~` (RFC 3986
/// unreserved), so an external id with `/`, `?`, `#`, `%` or spaces stays one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path segment.
pub(crate) fn segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// One record's sObject request: method, data path and body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RestRequest {
    pub(crate) method: Method,
    /// Relative to `/services/data/vNN.N`.
    pub(crate) path: String,
    pub(crate) body: Option<Map<String, Value>>,
}

/// The fields without the keys the URL already carries (the external id field of an upsert,
/// which must not be repeated in the body, and `Id`).
pub(crate) fn body_fields(item: &Item<'_>) -> Map<String, Value> {
    let skip = match &item.record.op {
        WriteOp::Upsert {
            external_id_field, ..
        } => Some(external_id_field.as_str()),
        _ => None,
    };
    item.fields
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("Id")
                && !k.eq_ignore_ascii_case("attributes")
                && skip.is_none_or(|s| !k.eq_ignore_ascii_case(s))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The REST request writing `item`.
pub(crate) fn request_of(item: &Item<'_>) -> RestRequest {
    let object = &item.record.object;
    match &item.record.op {
        WriteOp::Upsert {
            external_id_field,
            external_id,
        } => RestRequest {
            method: Method::PATCH,
            path: format!(
                "/sobjects/{object}/{external_id_field}/{}",
                segment(external_id)
            ),
            body: Some(body_fields(item)),
        },
        WriteOp::Update { id } => RestRequest {
            method: Method::PATCH,
            path: format!("/sobjects/{object}/{id}"),
            body: Some(body_fields(item)),
        },
        WriteOp::Create => RestRequest {
            method: Method::POST,
            path: format!("/sobjects/{object}"),
            body: Some(body_fields(item)),
        },
        WriteOp::Delete { id } => RestRequest {
            method: Method::DELETE,
            path: format!("/sobjects/{object}/{id}"),
            body: None,
        },
    }
}

/// The body of a successful create or upsert.
#[derive(Debug, Deserialize)]
pub(crate) struct SaveAnswer {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) created: Option<bool>,
}

/// The outcome of a successful answer with `status` and `body` to `op`.
pub(crate) fn success(op: &WriteOp, status: u16, body: &Value) -> WriteOutcome {
    let answer: Option<SaveAnswer> = serde_json::from_value(body.clone()).ok();
    let id_in_body = answer.as_ref().and_then(|a| a.id.clone());
    match op {
        WriteOp::Update { id } | WriteOp::Delete { id } => WriteOutcome::Ok {
            id: id_in_body.unwrap_or_else(|| id.clone()),
            created: false,
        },
        WriteOp::Create | WriteOp::Upsert { .. } => match id_in_body {
            Some(id) => WriteOutcome::Ok {
                id,
                created: answer
                    .and_then(|a| a.created)
                    .unwrap_or(status == 201 || matches!(op, WriteOp::Create)),
            },
            None => unknown(&format!(
                "Salesforce answered HTTP {status} without the record's id (an upsert needs API \
                 46.0 or newer to return it; set salesforce.api_version accordingly)"
            )),
        },
    }
}

/// The outcome of a refused single call.
fn refusal(item: &Item<'_>, error: &Error) -> WriteOutcome {
    if let (
        Some(rejection),
        WriteOp::Upsert {
            external_id_field,
            external_id,
        },
    ) = (error.rejection(), &item.record.op)
        && rejection.status == 300
    {
        let urls = String::from_utf8_lossy(&rejection.body).into_owned();
        return failed(
            "DUPLICATE_EXTERNAL_ID",
            format!(
                "several {} records have {external_id_field} = {external_id:?} ({urls}); merge \
                 them in Salesforce so that the external id names one record",
                item.record.object
            ),
            vec![external_id_field.clone()],
            false,
        );
    }
    from_call_error(error)
}

/// The outcome of one answer.
fn read(item: &Item<'_>, result: Result<Reply, Error>) -> WriteOutcome {
    let outcome = match result {
        Ok(reply) => {
            let body: Value = if reply.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&reply.body).unwrap_or(Value::Null)
            };
            success(&item.record.op, reply.status, &body)
        }
        Err(error) => refusal(item, &error),
    };
    already_deleted(&item.record.op, outcome)
}

/// Sends each item in its own call, several at once.
pub(crate) async fn run(ctx: &Ctx<'_>, items: Vec<Item<'_>>) -> Outcomes {
    let sends: Vec<_> = items.into_iter().map(|item| send_one(ctx, item)).collect();
    super::planner::at_most(ctx.options.concurrency, sends).await
}

/// One item in its own call.
async fn send_one(ctx: &Ctx<'_>, item: Item<'_>) -> (usize, WriteOutcome) {
    let request = request_of(&item);
    let mut call = ctx
        .client
        .call(request.method, &request.path)
        .idempotent(item.record.op.is_idempotent());
    if let Some(body) = &request.body {
        call = match call.json(body) {
            Ok(call) => call,
            Err(e) => return (item.index, from_call_error(&e)),
        };
    }
    ctx.note_call(Lane::Single, 1);
    let result = ctx.client.send(&call).await;
    (item.index, read(&item, result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::RecordWrite;
    use serde_json::json;
    use std::borrow::Cow;

    #[test]
    fn external_ids_are_one_encoded_path_segment() {
        assert_eq!(segment("BP-C 1/2?#%é"), "BP-C%201%2F2%3F%23%25%C3%A9");
        assert_eq!(segment("a.b_c~d"), "a.b_c~d");
    }

    #[test]
    fn upserts_leave_the_external_id_out_of_the_body() {
        let mut fields = Map::new();
        fields.insert("Name".into(), json!("Acme"));
        fields.insert("externalid__c".into(), json!("X 1"));
        let record = RecordWrite::upsert("r", "Account", "ExternalID__c", "X 1", fields);
        let item = Item {
            index: 0,
            record: &record,
            fields: Cow::Borrowed(&record.fields),
            links: Vec::new(),
        };
        let request = request_of(&item);
        assert_eq!(request.method, Method::PATCH);
        assert_eq!(request.path, "/sobjects/Account/ExternalID__c/X%201");
        assert_eq!(
            request.body.map(Value::Object),
            Some(json!({"Name": "Acme"}))
        );
    }

    #[test]
    fn answers_say_whether_the_record_was_created() {
        let upsert = WriteOp::Upsert {
            external_id_field: "E".into(),
            external_id: "1".into(),
        };
        assert_eq!(
            success(
                &upsert,
                200,
                &json!({"id": "001", "success": true, "created": false})
            ),
            WriteOutcome::Ok {
                id: "001".into(),
                created: false
            }
        );
        assert_eq!(
            success(
                &WriteOp::Create,
                201,
                &json!({"id": "001", "success": true})
            ),
            WriteOutcome::Ok {
                id: "001".into(),
                created: true
            }
        );
        assert!(matches!(
            success(&upsert, 204, &Value::Null),
            WriteOutcome::Failed { .. }
        ));
    }
}
