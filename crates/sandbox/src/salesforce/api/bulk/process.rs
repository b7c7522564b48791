//! Running an ingest job: read the uploads, map the header row to fields, then apply the rows
//! through the org's transactions, 10,000 rows per transaction, each row behind its own
//! savepoint so a bad row fails alone.

use super::csv_text::{self, Table};
use super::{JobState, Operation, jobs};
use crate::salesforce::api::{AppState, RecordError};
use crate::salesforce::faults;
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Actor, Txn, UpsertError};
use crate::salesforce::schema::{Schema, sys};
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows per transaction, as Salesforce splits a job into internal batches.
const CHUNK: usize = 10_000;

/// What happened to one row.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// Written: the record's id and whether it was created.
    Done { id: SfId, created: bool },
    /// Refused: the record's id when known, and `sf__Error`.
    Failed { id: Option<SfId>, error: String },
}

/// What a column of the upload sets.
#[derive(Debug, Clone)]
enum Column {
    /// A field of the object (its API name).
    Field(String),
    /// `Rel.ExtField`: the parent found by one of its external ids.
    Parent {
        relationship: String,
        reference: String,
        key_field: String,
    },
}

/// How to turn the rows of one job into writes.
#[derive(Debug)]
struct Plan {
    object: usize,
    operation: Operation,
    columns: Vec<Column>,
    /// The column holding record ids (update, delete).
    id_column: Option<usize>,
    /// Upsert: the external id field and its column.
    key: Option<(String, Option<usize>)>,
}

/// Maps the header row to the object's fields; an unknown column fails the job.
fn plan(
    schema: &Schema,
    object_name: &str,
    operation: Operation,
    external_id: Option<&str>,
    header: &[String],
) -> Result<Plan, String> {
    let object = schema
        .object(object_name)
        .ok_or_else(|| format!("InvalidJob : Unable to find object: {object_name}"))?;
    let def = schema.def(object);
    if matches!(operation, Operation::Delete | Operation::HardDelete)
        && !(header.len() == 1 && header[0].eq_ignore_ascii_case("Id"))
    {
        return Err(format!(
            "InvalidBatch : The '{}' batch must contain only ids",
            operation.name()
        ));
    }
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = std::collections::HashSet::new();
    for name in header {
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(format!("InvalidBatch : Duplicate field name: {name}"));
        }
        if let Some(index) = def.field(name) {
            columns.push(Column::Field(def.def(index).name.clone()));
            continue;
        }
        let parent = name.split_once('.').and_then(|(relationship, key)| {
            let reference = def.relationship(relationship)?;
            let field = def.def(reference);
            let target = schema.object(field.reference_to.as_deref()?)?;
            let target = schema.def(target);
            let key = target.field(key)?;
            Some(Column::Parent {
                relationship: field.relationship.clone()?,
                reference: field.name.clone(),
                key_field: target.def(key).name.clone(),
            })
        });
        match parent {
            Some(column) => columns.push(column),
            None => return Err(format!("InvalidBatch : Field name not found : {name}")),
        }
    }
    let id_column = header.iter().position(|h| def.field(h) == Some(sys::ID));
    let key = external_id.map(|field| {
        let column = header.iter().position(|h| h.eq_ignore_ascii_case(field));
        (field.to_string(), column)
    });
    Ok(Plan {
        object,
        operation,
        columns,
        id_column,
        key,
    })
}

/// The row as the JSON body the org's writes take: blank cells are left out (ignored on
/// update), `#N/A` is null, `Rel.ExtField` becomes `{"Rel": {"ExtField": value}}`.
fn row_input(plan: &Plan, row: &[String]) -> Map<String, Json> {
    let mut input = Map::with_capacity(row.len());
    for (column, cell) in plan.columns.iter().zip(row) {
        if cell.is_empty() {
            continue;
        }
        let null = cell == "#N/A";
        match column {
            Column::Field(name) => {
                let value = if null {
                    Json::Null
                } else {
                    Json::String(cell.clone())
                };
                input.insert(name.clone(), value);
            }
            Column::Parent { reference, .. } if null => {
                input.insert(reference.clone(), Json::Null);
            }
            Column::Parent {
                relationship,
                key_field,
                ..
            } => {
                let mut lookup = Map::new();
                lookup.insert(key_field.clone(), Json::String(cell.clone()));
                input.insert(relationship.clone(), Json::Object(lookup));
            }
        }
    }
    input
}

/// `sf__Error`: `CODE:message:fields --`, e.g.
/// `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --`.
fn sf_error(error: &RecordError) -> String {
    if error.fields.is_empty() {
        format!("{}:{}:--", error.code, error.message)
    } else {
        format!(
            "{}:{}:{} --",
            error.code,
            error.message,
            error.fields.join(",")
        )
    }
}

/// The record id in a row's `Id` cell.
fn row_id(txn: &Txn<'_>, plan: &Plan, row: &[String]) -> Result<SfId, RecordError> {
    let cell = plan
        .id_column
        .and_then(|c| row.get(c))
        .filter(|c| !c.is_empty() && *c != "#N/A");
    let def = txn.org().schema().def(plan.object);
    let Some(cell) = cell else {
        let call = match plan.operation {
            Operation::Update => "update",
            _ => "delete",
        };
        return Err(RecordError::new(
            "MISSING_ARGUMENT",
            format!("Id not specified in an {call} call"),
        )
        .with_fields(&["Id"]));
    };
    let wrong_type = || {
        RecordError::new(
            "MALFORMED_ID",
            format!("{} ID: id value of incorrect type: {cell}", def.label),
        )
        .with_fields(&["Id"])
    };
    let id = SfId::parse(cell).map_err(|_| wrong_type())?;
    if id.prefix() != def.key_prefix {
        return Err(wrong_type());
    }
    Ok(id)
}

/// Applies one row; a failure leaves the transaction as it was before the row.
fn apply_row(state: &AppState, txn: &mut Txn<'_>, plan: &Plan, row: &[String]) -> Outcome {
    if state.faults.roll_lock() {
        return Outcome::Failed {
            id: None,
            error: sf_error(&faults::lock_error()),
        };
    }
    let savepoint = txn.savepoint();
    let mut known_id = None;
    let result = (|| -> Result<(SfId, bool), RecordError> {
        match plan.operation {
            Operation::Insert => {
                let id = txn.create(plan.object, &row_input(plan, row))?;
                Ok((id, true))
            }
            Operation::Update => {
                let id = row_id(txn, plan, row)?;
                known_id = Some(id);
                txn.update(plan.object, id, &row_input(plan, row))?;
                Ok((id, false))
            }
            Operation::Upsert => {
                let (field, column) = plan
                    .key
                    .as_ref()
                    .map_or(("Id", None), |(f, c)| (f.as_str(), *c));
                let key = column.and_then(|c| row.get(c)).map_or("", String::as_str);
                match txn.upsert(plan.object, field, key, &row_input(plan, row)) {
                    Ok(done) => Ok((done.id, done.created)),
                    Err(UpsertError::Record(error)) => Err(error),
                    Err(UpsertError::NotExternalId(message)) => {
                        Err(RecordError::new("INVALID_FIELD", message).with_fields(&[field]))
                    }
                    Err(UpsertError::Multiple(ids)) => Err(RecordError::new(
                        "DUPLICATE_EXTERNAL_ID",
                        format!(
                            "{field}: more than one record found for external id field: [{}]",
                            ids.iter()
                                .map(SfId::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .with_fields(&[field])),
                }
            }
            Operation::Delete | Operation::HardDelete | Operation::Query | Operation::QueryAll => {
                // hardDelete deletes here; the chunk purges the rows once it commits.
                let id = row_id(txn, plan, row)?;
                known_id = Some(id);
                txn.delete(id)?;
                Ok((id, false))
            }
        }
    })();
    match result {
        Ok((id, created)) => Outcome::Done { id, created },
        Err(error) => {
            txn.rollback_to(savepoint);
            Outcome::Failed {
                id: known_id,
                error: sf_error(&error),
            }
        }
    }
}

/// Applies rows `range` in one transaction.
fn apply_chunk(
    state: &AppState,
    plan: &Plan,
    table: &Table,
    range: std::ops::Range<usize>,
    actor: Actor,
) -> Vec<Outcome> {
    let mut org = state.org();
    let mut txn = org.begin(actor);
    let outcomes: Vec<Outcome> = table.rows[range]
        .iter()
        .map(|row| apply_row(state, &mut txn, plan, row))
        .collect();
    txn.commit();
    if matches!(plan.operation, Operation::HardDelete) {
        let ids: Vec<SfId> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Done { id, .. } => Some(*id),
                Outcome::Failed { .. } => None,
            })
            .collect();
        org.purge(&ids);
    }
    outcomes
}

/// Waits the sandbox's processing delay, if any.
async fn pause(state: &AppState) {
    let delay = jobs(state).processing_delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
}

/// Starts processing a closed job in the background.
pub(super) fn spawn(state: AppState, serial: u64) {
    tokio::spawn(run(state, serial));
}

/// What a running job needs from its record.
struct Start {
    uploads: Vec<axum::body::Bytes>,
    format: csv_text::Format,
    operation: Operation,
    object: String,
    external_id: Option<String>,
    actor: Actor,
}

/// UploadComplete → InProgress; `None` when the job was aborted or deleted meanwhile.
fn begin(state: &AppState, serial: u64) -> Option<Start> {
    let mut jobs = jobs(state);
    let job = jobs.by_serial(serial)?;
    if job.state != JobState::UploadComplete {
        return None;
    }
    job.state = JobState::InProgress;
    job.touch();
    let super::JobData::Ingest(data) = &job.data else {
        return None;
    };
    Some(Start {
        uploads: data.uploads.clone(),
        format: job.format,
        operation: job.operation,
        object: job.object.clone(),
        external_id: data.external_id_field.clone(),
        actor: Actor {
            user: job.created_by,
            api: "bulkapi",
            version: job.version.number(),
            client: job.client.clone(),
        },
    })
}

/// Fails the job (unless it was aborted or deleted meanwhile).
fn fail(state: &AppState, serial: u64, message: String, started: Instant) {
    let mut jobs = jobs(state);
    if let Some(job) = jobs.by_serial(serial)
        && job.state == JobState::InProgress
    {
        job.fail(message);
        job.total_ms = started.elapsed().as_millis() as u64;
    }
}

/// Adds a chunk's outcomes to the job; false once the job is gone.
fn record_chunk(
    state: &AppState,
    serial: u64,
    outcomes: Vec<Outcome>,
    chunk_started: Instant,
    started: Instant,
) -> bool {
    let mut jobs = jobs(state);
    let Some(job) = jobs.by_serial(serial) else {
        return false;
    };
    job.processed += outcomes.len() as u64;
    job.failed += outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed { .. }))
        .count() as u64;
    job.active_ms += chunk_started.elapsed().as_millis() as u64;
    job.total_ms = started.elapsed().as_millis() as u64;
    job.touch();
    if let super::JobData::Ingest(data) = &mut job.data {
        data.outcomes.extend(outcomes);
    }
    true
}

async fn run(state: AppState, serial: u64) {
    pause(&state).await;
    let started = Instant::now();
    let Some(start) = begin(&state, serial) else {
        return;
    };
    let Start {
        uploads,
        format,
        operation,
        object,
        external_id,
        actor,
    } = start;
    let schema = state.org().schema().clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let table = csv_text::parse(&uploads, format)?;
        let plan = plan(
            &schema,
            &object,
            operation,
            external_id.as_deref(),
            &table.header,
        )?;
        Ok::<_, String>((Arc::new(table), Arc::new(plan)))
    })
    .await
    .unwrap_or_else(|e| Err(format!("Unknown : the job could not be read ({e})")));
    let (table, plan) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => return fail(&state, serial, message, started),
    };
    {
        let mut jobs = jobs(&state);
        let Some(job) = jobs.by_serial(serial) else {
            return;
        };
        if let super::JobData::Ingest(data) = &mut job.data {
            data.table = Some(table.clone());
            data.uploads.clear();
        }
    }
    let total = table.rows.len();
    let mut next = 0;
    while next < total {
        let end = (next + CHUNK).min(total);
        pause(&state).await;
        let still_running = jobs(&state)
            .by_serial(serial)
            .is_some_and(|job| job.state == JobState::InProgress);
        if !still_running {
            return;
        }
        let chunk_started = Instant::now();
        let (chunk_state, chunk_plan, chunk_table, chunk_actor) =
            (state.clone(), plan.clone(), table.clone(), actor.clone());
        let outcomes = tokio::task::spawn_blocking(move || {
            apply_chunk(
                &chunk_state,
                &chunk_plan,
                &chunk_table,
                next..end,
                chunk_actor,
            )
        })
        .await;
        let Ok(outcomes) = outcomes else {
            return fail(
                &state,
                serial,
                "Unknown : processing stopped unexpectedly".into(),
                started,
            );
        };
        if !record_chunk(&state, serial, outcomes, chunk_started, started) {
            return;
        }
        next = end;
        tokio::task::yield_now().await;
    }
    let mut jobs = jobs(&state);
    if let Some(job) = jobs.by_serial(serial)
        && job.state == JobState::InProgress
    {
        job.state = JobState::JobComplete;
        job.total_ms = started.elapsed().as_millis() as u64;
        job.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sf_error_names_the_code_message_and_fields() {
        let error = RecordError::new(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
        )
        .with_fields(&["LastName"]);
        assert_eq!(
            sf_error(&error),
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
        );
        let error = RecordError::new("ENTITY_IS_DELETED", "entity is deleted");
        assert_eq!(sf_error(&error), "ENTITY_IS_DELETED:entity is deleted:--");
    }
}
