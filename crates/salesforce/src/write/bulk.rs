//! The Bulk API 2.0 lane (reference §7.1): create an ingest job, upload the CSV, close it,
//! watch it with backoff, then read `successfulResults` and `failedResults` and map each row
//! back to its record. Rows in neither file were not processed (what `unprocessedrecords`
//! would list, without spending a call on it).
//!
//! A job that cannot be created, whose upload or close fails, or that ends `Failed` or
//! `Aborted` hands its unprocessed records back to the caller, which sends them through
//! Collections. A group larger than [`super::WriteOptions::max_upload_bytes`] of CSV becomes
//! several jobs, run one after another (so that only one upload is held in memory).

mod rows;

use super::outcome::failed;
use super::planner::{Item, Outcomes};
use super::{Ctx, Lane, WriteOp};
use ferry_http::Method;
use rows::{Columns, Matcher, write_line};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A job's description, as far as the planner reads it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobInfo {
    id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error_message: Option<String>,
}

/// How a job ended.
enum Ending {
    /// JobComplete, Failed or Aborted.
    Final(JobInfo),
    /// Never closed (create, upload or close failed): every record goes to Collections.
    NotRun(String),
    /// Still running, or its state could not be read, when the planner stopped watching.
    Unknown(String),
}

/// Writes one group (same operation, object, external id field). Returns the outcomes and
/// the records to send through Collections instead.
pub(crate) async fn run<'a>(ctx: &Ctx<'_>, items: Vec<Item<'a>>) -> (Outcomes, Vec<Item<'a>>) {
    let columns = Columns::of(&items);
    let mut outcomes: Outcomes = Vec::new();
    let mut fallback: Vec<Item<'a>> = Vec::new();
    let header = columns.header();
    let mut csv = header.clone();
    let mut job_items: Vec<Item<'a>> = Vec::new();
    let mut matcher = Matcher::default();
    let limit = ctx.options.max_upload_bytes;
    let mut line = Vec::new();
    for item in items {
        let cells = match columns.cells(&item) {
            Ok(cells) => cells,
            Err(outcome) => {
                outcomes.push((item.index, outcome));
                continue;
            }
        };
        line.clear();
        write_line(&mut line, cells.iter().map(String::as_str));
        if !job_items.is_empty() && csv.len() + line.len() > limit {
            let full = std::mem::replace(&mut csv, header.clone());
            let (done, back) =
                run_job(ctx, &columns, full, std::mem::take(&mut job_items), matcher).await;
            outcomes.extend(done);
            fallback.extend(back);
            matcher = Matcher::default();
        }
        csv.extend_from_slice(&line);
        matcher.add(&columns, item.index, &cells);
        job_items.push(item);
    }
    if !job_items.is_empty() {
        let (done, back) = run_job(ctx, &columns, csv, job_items, matcher).await;
        outcomes.extend(done);
        fallback.extend(back);
    }
    (outcomes, fallback)
}

/// Runs one job over `csv`, whose rows are `items`.
async fn run_job<'a>(
    ctx: &Ctx<'_>,
    columns: &Columns,
    csv: Vec<u8>,
    items: Vec<Item<'a>>,
    mut matcher: Matcher,
) -> (Outcomes, Vec<Item<'a>>) {
    let Some(first) = items.first() else {
        return (Vec::new(), Vec::new());
    };
    let op = first.record.op.clone();
    let object = first.record.object.clone();
    let ending = drive(ctx, &op, &object, csv, items.len()).await;
    let job = match ending {
        Ending::NotRun(why) => {
            tracing::warn!(
                object,
                records = items.len(),
                why,
                "Bulk job not run; writing through Collections"
            );
            return (Vec::new(), items);
        }
        Ending::Unknown(why) => {
            let outcome = failed(
                "BULK_TIMEOUT",
                format!(
                    "{why}; whether the record was written is not known yet. Upserts, updates \
                     and deletes are sent again; look created records up before creating them again"
                ),
                Vec::new(),
                true,
            );
            return (
                items.iter().map(|i| (i.index, outcome.clone())).collect(),
                Vec::new(),
            );
        }
        Ending::Final(job) => job,
    };
    if job.state != "JobComplete" {
        tracing::warn!(
            job = job.id,
            state = job.state,
            error = job.error_message.as_deref().unwrap_or_default(),
            "Bulk job did not complete; its unprocessed records go through Collections"
        );
    }
    let mut outcomes = Vec::with_capacity(items.len());
    let mut read_all = true;
    for file in ["successfulResults", "failedResults"] {
        let path = format!("/jobs/ingest/{}/{file}", job.id);
        ctx.note_call(Lane::Bulk, 0);
        let read = match ctx.client.send(&ctx.client.call(Method::GET, &path)).await {
            Ok(reply) => matcher.read(columns, &op, &reply.body),
            Err(e) => Err(e.to_string()),
        };
        match read {
            Ok(found) => outcomes.extend(found),
            Err(why) => {
                tracing::warn!(job = job.id, file, why, "Bulk result file not read");
                read_all = false;
            }
        }
    }
    let mut fallback = Vec::new();
    for item in items {
        if matcher.is_answered(item.index) {
            continue;
        }
        if job.state != "JobComplete" && read_all {
            fallback.push(item);
        } else {
            outcomes.push((
                item.index,
                failed(
                    "BULK_RESULT_MISSING",
                    format!(
                        "Bulk job {} ({}) did not report this record{}; whether it was written \
                         is unknown. Upserts, updates and deletes are sent again; look created \
                         records up before creating them again",
                        job.id,
                        job.state,
                        if read_all {
                            ""
                        } else {
                            " (a result file could not be read)"
                        }
                    ),
                    Vec::new(),
                    true,
                ),
            ));
        }
    }
    (outcomes, fallback)
}

/// Creates, fills, closes and watches one job.
async fn drive(ctx: &Ctx<'_>, op: &WriteOp, object: &str, csv: Vec<u8>, rows: usize) -> Ending {
    let mut spec = json!({
        "object": object,
        "operation": op.bulk_name(),
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    });
    if let WriteOp::Upsert {
        external_id_field, ..
    } = op
    {
        spec["externalIdFieldName"] = Value::String(external_id_field.clone());
    }
    // Creating a job twice only leaves an empty Open job behind, so a lost answer may be retried.
    let create = match ctx
        .client
        .call(Method::POST, "/jobs/ingest")
        .idempotent(true)
        .json(&spec)
    {
        Ok(call) => call,
        Err(e) => return Ending::NotRun(e.to_string()),
    };
    ctx.note_call(Lane::Bulk, 0);
    let job: JobInfo = match ctx
        .client
        .send(&create)
        .await
        .and_then(|r| r.json("salesforce"))
    {
        Ok(job) => job,
        Err(e) => return Ending::NotRun(format!("the job could not be created: {e}")),
    };
    ctx.with_report(|r| r.bulk_jobs += 1);
    let path = format!("/jobs/ingest/{}", job.id);
    // An upload repeated after a lost answer would load its rows twice: never repeated.
    let upload = ctx
        .client
        .call(Method::PUT, &format!("{path}/batches"))
        .body("text/csv", bytes::Bytes::from(csv));
    ctx.note_call(Lane::Bulk, rows);
    if let Err(e) = ctx.client.send(&upload).await {
        abort(ctx, &path).await;
        return Ending::NotRun(format!("the upload to job {} failed: {e}", job.id));
    }
    let close = ctx
        .client
        .call(Method::PATCH, &path)
        .idempotent(true)
        .json(&json!({"state": "UploadComplete"}));
    let close = match close {
        Ok(call) => call,
        Err(e) => return Ending::NotRun(e.to_string()),
    };
    ctx.note_call(Lane::Bulk, 0);
    if let Err(e) = ctx.client.send(&close).await {
        // The close may have happened (a lost answer, or a repeat refused as a state
        // conflict): look before giving the records to Collections.
        match status(ctx, &path).await {
            Ok(info) if info.state == "Open" => {
                abort(ctx, &path).await;
                return Ending::NotRun(format!("job {} could not be closed: {e}", job.id));
            }
            Ok(_) => {}
            Err(_) => {
                abort(ctx, &path).await;
                return Ending::Unknown(format!(
                    "job {} could not be closed ({e}) nor read",
                    job.id
                ));
            }
        }
    }
    watch(ctx, &path, &job.id).await
}

/// Polls until the job ends, waiting longer each time.
async fn watch(ctx: &Ctx<'_>, path: &str, id: &str) -> Ending {
    let policy = ctx.options.poll;
    let started = Instant::now();
    let mut wait = policy.first;
    loop {
        if started.elapsed() + wait > policy.give_up_after {
            return Ending::Unknown(format!(
                "Bulk job {id} had not finished after {:?}",
                policy.give_up_after
            ));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(policy.max).max(Duration::from_millis(1));
        match status(ctx, path).await {
            Ok(info) if matches!(info.state.as_str(), "JobComplete" | "Failed" | "Aborted") => {
                return Ending::Final(info);
            }
            Ok(_) => {}
            Err(e) if e.is_transient() => {}
            Err(e) => {
                return Ending::Unknown(format!("Bulk job {id}'s state could not be read: {e}"));
            }
        }
    }
}

async fn status(ctx: &Ctx<'_>, path: &str) -> Result<JobInfo, ferry_http::Error> {
    ctx.note_call(Lane::Bulk, 0);
    ctx.client
        .send(&ctx.client.call(Method::GET, path))
        .await?
        .json("salesforce")
}

/// Aborts a job that will not be used (best effort: an Open job is never processed anyway).
async fn abort(ctx: &Ctx<'_>, path: &str) {
    if let Ok(call) = ctx
        .client
        .call(Method::PATCH, path)
        .idempotent(true)
        .json(&json!({"state": "Aborted"}))
    {
        ctx.note_call(Lane::Bulk, 0);
        if let Err(e) = ctx.client.send(&call).await {
            tracing::debug!(path, error = %e, "Bulk job not aborted");
        }
    }
}
