//! The sObject Collections lane (reference §6.1): ≤ 200 records a call with
//! `allOrNone=false`, so each record succeeds or fails alone; results come back in request
//! order. Several calls run at once.

use super::outcome::{already_deleted, from_item_errors, unknown};
use super::planner::{Item, Outcomes, all_failed, groups};
use super::single::{body_fields, segment};
use super::{Ctx, Lane, WriteOp, WriteOutcome};
use crate::model::SaveResult;
use ferry_http::{Call, Method};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// A record as Collections takes it: `attributes.type`, the key (`id` for updates, the
/// external id for upserts), then its fields.
struct RecordBody<'a> {
    object: &'a str,
    key: Option<(&'a str, &'a str)>,
    fields: Map<String, Value>,
}

impl Serialize for RecordBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = usize::from(self.key.is_some());
        let mut map = serializer.serialize_map(Some(1 + extra + self.fields.len()))?;
        map.serialize_entry("attributes", &Attributes { kind: self.object })?;
        if let Some((name, value)) = self.key {
            map.serialize_entry(name, value)?;
        }
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Attributes<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    all_or_none: bool,
    records: Vec<RecordBody<'a>>,
}

/// The call writing one chunk of records that share an operation and object.
fn call_for(ctx: &Ctx<'_>, chunk: &[Item<'_>]) -> Result<Call, ferry_http::Error> {
    let Some(first) = chunk.first() else {
        return Err(ferry_http::Error::Config {
            message: "an empty Collections chunk".into(),
        });
    };
    let records = || {
        chunk
            .iter()
            .map(|item| RecordBody {
                object: &item.record.object,
                key: match &item.record.op {
                    WriteOp::Upsert {
                        external_id_field,
                        external_id,
                    } => Some((external_id_field.as_str(), external_id.as_str())),
                    WriteOp::Update { id } => Some(("id", id.as_str())),
                    WriteOp::Create | WriteOp::Delete { .. } => None,
                },
                fields: body_fields(item),
            })
            .collect::<Vec<_>>()
    };
    match &first.record.op {
        WriteOp::Upsert {
            external_id_field, ..
        } => ctx
            .client
            .call(
                Method::PATCH,
                &format!(
                    "/composite/sobjects/{}/{external_id_field}",
                    first.record.object
                ),
            )
            .idempotent(true)
            .json(&Body {
                all_or_none: false,
                records: records(),
            }),
        WriteOp::Update { .. } => ctx
            .client
            .call(Method::PATCH, "/composite/sobjects")
            .idempotent(true)
            .json(&Body {
                all_or_none: false,
                records: records(),
            }),
        WriteOp::Create => ctx
            .client
            .call(Method::POST, "/composite/sobjects")
            .json(&Body {
                all_or_none: false,
                records: records(),
            }),
        WriteOp::Delete { .. } => {
            let ids: Vec<String> = chunk
                .iter()
                .filter_map(|item| match &item.record.op {
                    WriteOp::Delete { id } => Some(segment(id)),
                    _ => None,
                })
                .collect();
            Ok(ctx
                .client
                .call(
                    Method::DELETE,
                    &format!("/composite/sobjects?ids={}&allOrNone=false", ids.join(",")),
                )
                .idempotent(true))
        }
    }
}

/// The outcome of one result item for `item`.
fn read_item(item: &Item<'_>, result: SaveResult) -> WriteOutcome {
    let outcome = if result.success {
        match (&item.record.op, result.id) {
            (WriteOp::Update { id } | WriteOp::Delete { id }, found) => WriteOutcome::Ok {
                id: found.unwrap_or_else(|| id.clone()),
                created: false,
            },
            (WriteOp::Create, Some(id)) => WriteOutcome::Ok { id, created: true },
            (WriteOp::Upsert { .. }, Some(id)) => WriteOutcome::Ok {
                id,
                created: result.created.unwrap_or(false),
            },
            (_, None) => unknown("Salesforce reported success without the record's id"),
        }
    } else {
        from_item_errors(&result.errors)
    };
    already_deleted(&item.record.op, outcome)
}

/// Writes one chunk in one call.
async fn write_chunk(ctx: &Ctx<'_>, chunk: Vec<Item<'_>>) -> Outcomes {
    let call = match call_for(ctx, &chunk) {
        Ok(call) => call,
        Err(e) => return all_failed(&chunk, &e),
    };
    ctx.note_call(Lane::Collections, chunk.len());
    let reply = match ctx.client.send(&call).await {
        Ok(reply) => reply,
        Err(e) => return all_failed(&chunk, &e),
    };
    let results: Vec<SaveResult> = match reply.json("salesforce") {
        Ok(results) => results,
        Err(e) => {
            let lost = unknown(&format!("the Collections answer could not be read: {e}"));
            return chunk.iter().map(|i| (i.index, lost.clone())).collect();
        }
    };
    let mut results = results.into_iter();
    chunk
        .iter()
        .map(|item| {
            let outcome = match results.next() {
                Some(result) => read_item(item, result),
                None => unknown("Salesforce returned fewer results than records sent"),
            };
            (item.index, outcome)
        })
        .collect()
}

/// Writes `items` (any mix of operations and objects) in chunks of
/// [`super::WriteOptions::collection_size`], several chunks at once.
pub(crate) async fn run(ctx: &Ctx<'_>, items: Vec<Item<'_>>) -> Outcomes {
    let size = ctx.options.collection_size;
    let mut chunks: Vec<Vec<Item<'_>>> = Vec::new();
    for group in groups(items) {
        let mut group = group.into_iter().peekable();
        while group.peek().is_some() {
            chunks.push(group.by_ref().take(size).collect());
        }
    }
    let writes: Vec<_> = chunks
        .into_iter()
        .map(|chunk| write_chunk(ctx, chunk))
        .collect();
    let results: Vec<Outcomes> = super::planner::at_most(ctx.options.concurrency, writes).await;
    results.into_iter().flatten().collect()
}
