//! Query jobs: create (the SOQL is checked at once), run (the result is written out as CSV
//! when the job runs, so later changes to the org do not show), then paged results with
//! `Sforce-Locator` (the literal `null` on the last page) and `Sforce-NumberOfRecords`.
//!
//! Pages hold 50,000 records unless `maxRecords` says otherwise (simple-salesforce's default;
//! Salesforce sizes pages by bytes when no `maxRecords` is given). A locator is the base64 of
//! the offset of the page's first record, as Salesforce's locators look (`MTAwMDA` = 10000).

use super::csv_text::{self, Delimiter, Format, LineEnding};
use super::ingest::csv_response;
use super::{
    Detail, Job, JobData, JobPath, JobState, Kind, ListParams, Operation, bulk_error, client_input,
    jobs, json_object, not_allowed, requested_state, state_conflict,
};
use crate::salesforce::api::{ApiError, ApiVersion, AppState, Caller};
use crate::salesforce::schema::{FieldType, Schema};
use crate::salesforce::soql;
use crate::salesforce::value::now_ms;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Records per results page when the client names no `maxRecords`.
const DEFAULT_PAGE: usize = 50_000;
/// Rows rendered per hold of the org lock.
const RENDER_CHUNK: usize = 10_000;

/// Routes of query jobs.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/jobs/query",
            get(list).post(create).fallback(not_allowed("GET, POST")),
        )
        .route(
            "/jobs/query/{id}",
            get(info)
                .patch(change_state)
                .delete(remove)
                .fallback(not_allowed("GET, PATCH, DELETE")),
        )
        .route(
            "/jobs/query/{id}/results",
            get(results).fallback(not_allowed("GET")),
        )
        // jsforce asks for later pages at `jobs/query//{id}/results`.
        .route(
            "/jobs/query//{id}/results",
            get(results).fallback(not_allowed("GET")),
        )
        .route(
            "/jobs/query/{id}/resultPages",
            get(result_pages).fallback(not_allowed("GET")),
        )
}

/// What a query job holds besides its description.
#[derive(Debug, Default)]
pub(super) struct QueryData {
    soql: String,
    /// The result's header row, encoded, once the job has run.
    header: String,
    /// The result's rows, each encoded with its line ending.
    rows: Vec<String>,
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    bulk_error(StatusCode::BAD_REQUEST, "INVALIDJOB", message)
}

fn text<'a>(body: &'a Map<String, Json>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(text)) => Ok(Some(text)),
        Some(other) => Err(invalid_job(format!("{key} must be a string, not {other}"))),
    }
}

/// A checked query job: operation, SOQL, object name, format.
struct Spec {
    operation: Operation,
    soql: String,
    object: String,
    format: Format,
}

/// Checks the body and the query; Bulk API 2.0 refuses what it cannot stream as CSV.
fn validate(state: &AppState, body: &Map<String, Json>) -> Result<Spec, ApiError> {
    let operation = match text(body, "operation")? {
        Some("query") => Operation::Query,
        Some("queryAll") => Operation::QueryAll,
        Some(other) => {
            return Err(invalid_job(format!(
                "Invalid operation: {other}; a query job's operation is query or queryAll"
            )));
        }
        None => return Err(invalid_job("operation is required: query or queryAll")),
    };
    let Some(soql_text) = text(body, "query")?.filter(|q| !q.trim().is_empty()) else {
        return Err(invalid_job("query is required: the SOQL statement to run"));
    };
    let content_type = text(body, "contentType")?.unwrap_or("CSV");
    if content_type != "CSV" {
        return Err(invalid_job(format!(
            "Invalid contentType: {content_type}; Bulk API 2.0 query results are CSV only"
        )));
    }
    let line_ending = text(body, "lineEnding")?.unwrap_or("LF");
    let line_ending = LineEnding::parse(line_ending)
        .ok_or_else(|| invalid_job(format!("Invalid lineEnding: {line_ending}; use LF or CRLF")))?;
    let delimiter = text(body, "columnDelimiter")?.unwrap_or("COMMA");
    let delimiter = Delimiter::parse(delimiter).ok_or_else(|| {
        invalid_job(format!(
            "Invalid columnDelimiter: {delimiter}; use BACKQUOTE, CARET, COMMA, PIPE, SEMICOLON or TAB"
        ))
    })?;
    let org = state.org();
    // Checked now, as Salesforce does; the rows are fixed when the job runs.
    let result = soql::execute(&org, soql_text, operation == Operation::QueryAll)
        .map_err(|e| ApiError::record(&e))?;
    let unsupported = |what: &str| {
        bulk_error(
            StatusCode::BAD_REQUEST,
            "API_ERROR",
            format!(
                "{what} not supported in Bulk V2 Query with CSV content type; run it through the REST query resource instead"
            ),
        )
    };
    if result.is_aggregate() {
        return Err(unsupported(
            "Aggregate queries (COUNT(), GROUP BY, aggregate functions) are",
        ));
    }
    if result.has_subquery() {
        return Err(unsupported(
            "Aggregate Relationships (parent-to-child subqueries) are",
        ));
    }
    if has_offset(soql_text) {
        return Err(unsupported("OFFSET is"));
    }
    if let Some(column) = compound_column(org.schema(), result.object(), &result.csv_header()) {
        return Err(unsupported(&format!(
            "Selecting compound data ({column}) is"
        )));
    }
    Ok(Spec {
        operation,
        soql: soql_text.to_string(),
        object: org.schema().def(result.object()).name.clone(),
        format: Format {
            delimiter,
            line_ending,
        },
    })
}

/// Whether the query has an OFFSET clause (the word outside string literals).
fn has_offset(soql: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut word = String::new();
    for c in soql.chars().chain([' ']) {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '\'') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if word.eq_ignore_ascii_case("OFFSET") {
            return true;
        }
        word.clear();
        in_string = c == '\'';
    }
    false
}

/// The first selected column that is a compound field (an address), which Bulk queries
/// cannot write as CSV.
fn compound_column(schema: &Schema, object: usize, header: &[String]) -> Option<String> {
    header.iter().find_map(|column| {
        let mut def = schema.def(object);
        let mut segments = column.split('.').peekable();
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                let field = def.field(segment)?;
                return (def.def(field).field_type == FieldType::Address).then(|| column.clone());
            }
            let reference = def.relationship(segment)?;
            let target = def.def(reference).reference_to.as_deref()?;
            def = schema.def(schema.object(target)?);
        }
        None
    })
}

/// `POST /jobs/query`: 200 with the job, UploadComplete; it runs in the background.
async fn create(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    Kind::Query.check_version(version)?;
    let body = json_object(&body)?;
    let spec = validate(&state, &body)?;
    let now = now_ms();
    let mut jobs = jobs(&state);
    let (serial, id) = jobs.mint();
    let job = Job {
        serial,
        id,
        operation: spec.operation,
        object: spec.object,
        created_by: caller.session.user_id,
        client: caller.client,
        created_ms: now,
        modstamp_ms: now,
        state: JobState::UploadComplete,
        version,
        format: spec.format,
        error_message: None,
        processed: 0,
        failed: 0,
        total_ms: 0,
        active_ms: 0,
        data: JobData::Query(QueryData {
            soql: spec.soql,
            ..QueryData::default()
        }),
    };
    let info = job.info(Detail::Brief);
    jobs.insert(job);
    drop(jobs);
    tokio::spawn(run(state.clone(), serial));
    Ok(axum::Json(info).into_response())
}

/// What a running query job needs.
struct Start {
    soql: String,
    include_deleted: bool,
    format: Format,
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
    let JobData::Query(data) = &job.data else {
        return None;
    };
    Some(Start {
        soql: data.soql.clone(),
        include_deleted: job.operation == Operation::QueryAll,
        format: job.format,
    })
}

async fn pause(state: &AppState) {
    let delay = jobs(state).processing_delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
}

/// Runs the query (the ids are fixed now) and writes its rows out chunk by chunk.
async fn run(state: AppState, serial: u64) {
    pause(&state).await;
    let started = Instant::now();
    let Some(start) = begin(&state, serial) else {
        return;
    };
    let format = start.format;
    let query_state = state.clone();
    let executed = tokio::task::spawn_blocking(move || {
        let org = query_state.org();
        soql::execute(&org, &start.soql, start.include_deleted)
    })
    .await;
    let result = match executed {
        Ok(Ok(result)) => Arc::new(result),
        Ok(Err(error)) => {
            let message = format!(
                "InvalidBatch : Failed to process query: {}: {}",
                error.code, error.message
            );
            return finish(&state, serial, Err(message), started);
        }
        Err(_) => {
            return finish(
                &state,
                serial,
                Err("Unknown : the query stopped unexpectedly".into()),
                started,
            );
        }
    };
    let mut header = String::new();
    csv_text::encode_row(&mut header, format, result.csv_header());
    let total = result.row_count();
    let mut rows = Vec::with_capacity(total);
    let mut next = 0;
    while next < total {
        pause(&state).await;
        let end = (next + RENDER_CHUNK).min(total);
        let (chunk_state, chunk_result) = (state.clone(), result.clone());
        let rendered = tokio::task::spawn_blocking(move || {
            let org = chunk_state.org();
            (next..end)
                .map(|i| {
                    let mut line = String::new();
                    csv_text::encode_row(&mut line, format, chunk_result.csv_row(&org, i));
                    line
                })
                .collect::<Vec<_>>()
        })
        .await;
        let Ok(rendered) = rendered else {
            return finish(
                &state,
                serial,
                Err("Unknown : the query stopped unexpectedly".into()),
                started,
            );
        };
        rows.extend(rendered);
        next = end;
        if !still_running(&state, serial) {
            return;
        }
        tokio::task::yield_now().await;
    }
    finish(&state, serial, Ok((header, rows)), started);
}

fn still_running(state: &AppState, serial: u64) -> bool {
    jobs(state)
        .by_serial(serial)
        .is_some_and(|job| job.state == JobState::InProgress)
}

/// Stores the result (JobComplete) or the error (Failed), unless the job was aborted.
fn finish(
    state: &AppState,
    serial: u64,
    outcome: Result<(String, Vec<String>), String>,
    started: Instant,
) {
    let mut jobs = jobs(state);
    let Some(job) = jobs
        .by_serial(serial)
        .filter(|j| j.state == JobState::InProgress)
    else {
        return;
    };
    job.total_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok((header, rows)) => {
            job.processed = rows.len() as u64;
            job.state = JobState::JobComplete;
            job.touch();
            if let JobData::Query(data) = &mut job.data {
                data.header = header;
                data.rows = rows;
            }
        }
        Err(message) => job.fail(message),
    }
}

/// `PATCH /jobs/query/{id}` with `{"state":"Aborted"}`.
async fn change_state(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    Kind::Query.check_version(version)?;
    let wanted = requested_state(&body)?;
    let mut jobs = jobs(&state);
    let job = jobs.get_mut(Kind::Query, &id)?;
    if wanted != "Aborted" {
        return Err(bulk_error(
            StatusCode::BAD_REQUEST,
            "INVALIDJOBSTATE",
            format!("Invalid state: {wanted}; a client can only set a query job to Aborted"),
        ));
    }
    Ok(axum::Json(super::abort(job)?).into_response())
}

async fn info(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    super::get_info(&state, Kind::Query, version, &id)
}

async fn remove(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    super::delete(&state, Kind::Query, version, &id)
}

async fn list(
    State(state): State<AppState>,
    version: ApiVersion,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    super::list(&state, Kind::Query, version, params)
}

/// Query string of the results resources.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageParams {
    locator: Option<String>,
    max_records: Option<String>,
}

fn encode_locator(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(offset.to_string())
}

fn decode_locator(locator: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(locator.trim_end_matches('='))
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

/// The finished job's result, for reading pages; checks state and API version.
fn finished(job: &Job, version: ApiVersion) -> Result<&QueryData, ApiError> {
    if job.state != JobState::JobComplete {
        return Err(state_conflict(format!(
            "Job {} is {}; its results can be read once it is JobComplete",
            job.id,
            job.state.name()
        )));
    }
    if job.version != version {
        return Err(bulk_error(
            StatusCode::CONFLICT,
            "INVALIDJOB",
            format!(
                "Job {} was created with API version {}; read its results with that version",
                job.id,
                job.version.number()
            ),
        ));
    }
    match &job.data {
        JobData::Query(data) => Ok(data),
        JobData::Ingest(_) => Err(ApiError::not_found()),
    }
}

/// The page size asked for.
fn page_size(params: &PageParams) -> Result<usize, ApiError> {
    match params.max_records.as_deref() {
        None | Some("") => Ok(DEFAULT_PAGE),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                client_input(format!(
                    "maxRecords must be a whole number greater than 0, not {text}"
                ))
            }),
    }
}

/// Where a page starts.
fn page_start(params: &PageParams, total: usize) -> Result<usize, ApiError> {
    match params.locator.as_deref() {
        None | Some("") => Ok(0),
        Some(locator) => decode_locator(locator)
            .filter(|at| *at <= total)
            .ok_or_else(|| {
                bulk_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_QUERY_LOCATOR",
                    format!("invalid query locator: {locator}"),
                )
            }),
    }
}

/// `GET /jobs/query/{id}/results`: one page of CSV, header row included.
async fn results(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    Kind::Query.check_version(version)?;
    let max = page_size(&params)?;
    let jobs = jobs(&state);
    let data = finished(jobs.get(Kind::Query, &id)?, version)?;
    let total = data.rows.len();
    let start = page_start(&params, total)?;
    let end = start.saturating_add(max).min(total);
    let mut body = String::with_capacity(
        data.header.len() + data.rows[start..end].iter().map(String::len).sum::<usize>(),
    );
    body.push_str(&data.header);
    for row in &data.rows[start..end] {
        body.push_str(row);
    }
    drop(jobs);
    let locator = if end < total {
        encode_locator(end)
    } else {
        "null".to_string()
    };
    let mut response = csv_response(body);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&locator) {
        headers.insert("sforce-locator", value);
    }
    headers.insert("sforce-numberofrecords", HeaderValue::from(end - start));
    Ok(response)
}

/// `GET /jobs/query/{id}/resultPages` (v58+): every page's results URL at once, for parallel
/// download.
async fn result_pages(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    if !version.at_least(58) {
        return Err(ApiError::not_found());
    }
    let max = page_size(&params)?;
    let jobs = jobs(&state);
    let job = jobs.get(Kind::Query, &id)?;
    let data = finished(job, version)?;
    let total = data.rows.len();
    let pages: Vec<Json> = (0..total.max(1))
        .step_by(max)
        .map(|start| {
            json!({"resultUrl": format!(
                "/services/data/{}/jobs/query/{}/results?locator={}&maxRecords={max}",
                version.path(),
                job.id,
                encode_locator(start)
            )})
        })
        .collect();
    Ok(
        axum::Json(json!({"resultPages": pages, "nextRecordsUrl": Json::Null, "done": true}))
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_are_base64_offsets() {
        assert_eq!(encode_locator(10_000), "MTAwMDA");
        assert_eq!(decode_locator("MTAwMDA"), Some(10_000));
        assert_eq!(decode_locator("MTAwMDA="), Some(10_000));
        assert_eq!(decode_locator("not a locator"), None);
    }

    #[test]
    fn offset_is_found_outside_string_literals_only() {
        assert!(has_offset("SELECT Id FROM Account LIMIT 5 offset 10"));
        assert!(!has_offset(
            "SELECT Id FROM Account WHERE Name = 'OFFSET \\' OFFSET'"
        ));
        assert!(!has_offset("SELECT Offset__c FROM Account"));
    }
}
