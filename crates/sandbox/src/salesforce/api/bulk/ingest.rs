//! Ingest jobs over HTTP: create (JSON, or multipart with the data), upload, close, abort,
//! poll, list, delete, and the three result CSVs.

use super::csv_text::{self, Delimiter, Format, LineEnding, Table, Writer};
use super::process::{self, Outcome};
use super::{
    Detail, Job, JobData, JobPath, JobState, Kind, ListParams, Operation, bulk_error, client_input,
    jobs, json_object, multipart, not_allowed, read_body, requested_state, state_conflict,
};
use crate::salesforce::api::{ApiError, ApiVersion, AppState, Caller};
use crate::salesforce::schema::sys;
use crate::salesforce::value::now_ms;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// Routes of ingest jobs.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/jobs/ingest",
            get(list).post(create).fallback(not_allowed("GET, POST")),
        )
        .route(
            "/jobs/ingest/{id}",
            get(info)
                .patch(change_state)
                .delete(remove)
                .fallback(not_allowed("GET, PATCH, DELETE")),
        )
        .route(
            "/jobs/ingest/{id}/batches",
            put(upload).fallback(not_allowed("PUT")),
        )
        .route(
            "/jobs/ingest/{id}/successfulResults",
            get(successful_results).fallback(not_allowed("GET")),
        )
        .route(
            "/jobs/ingest/{id}/failedResults",
            get(failed_results).fallback(not_allowed("GET")),
        )
        .route(
            "/jobs/ingest/{id}/unprocessedrecords",
            get(unprocessed).fallback(not_allowed("GET")),
        )
        // simple-salesforce spells it with a capital R.
        .route(
            "/jobs/ingest/{id}/unprocessedRecords",
            get(unprocessed).fallback(not_allowed("GET")),
        )
}

/// What an ingest job holds besides its description.
#[derive(Debug, Default)]
pub(super) struct IngestData {
    /// Upsert: the external id field (as the schema spells it).
    pub(super) external_id_field: Option<String>,
    /// Uploaded CSV, as sent, until the job is read.
    pub(super) uploads: Vec<Bytes>,
    /// The header row of the first upload.
    pub(super) header: Option<Vec<String>>,
    /// The rows, once the job has been read.
    pub(super) table: Option<Arc<Table>>,
    /// One outcome per processed row, in row order; rows past the end were not processed.
    pub(super) outcomes: Vec<Outcome>,
}

/// A validated job description.
struct Spec {
    object: String,
    operation: Operation,
    external_id_field: Option<String>,
    format: Format,
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    bulk_error(StatusCode::BAD_REQUEST, "INVALIDJOB", message)
}

/// A string property of the job body, if present.
fn text<'a>(body: &'a Map<String, Json>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(text)) => Ok(Some(text)),
        Some(other) => Err(invalid_job(format!("{key} must be a string, not {other}"))),
    }
}

/// Checks a create-job body the way Salesforce does.
fn validate(state: &AppState, body: &Map<String, Json>) -> Result<Spec, ApiError> {
    let operation = match text(body, "operation")? {
        None => return Err(invalid_job("operation is required: insert, update, upsert, delete or hardDelete")),
        Some(name) => Operation::parse(name)
            .filter(|op| !matches!(op, Operation::Query | Operation::QueryAll))
            .ok_or_else(|| {
                invalid_job(format!(
                    "Invalid operation: {name}; an ingest job's operation is insert, update, upsert, delete or hardDelete"
                ))
            })?,
    };
    let Some(object_name) = text(body, "object")? else {
        return Err(invalid_job(
            "object is required: name the sObject to load, e.g. Account",
        ));
    };
    let org = state.org();
    let schema = org.schema();
    let object = schema
        .object(object_name)
        .ok_or_else(|| invalid_job(format!("Unable to find object: {object_name}")))?;
    let def = schema.def(object);
    let external_id_field = match (operation, text(body, "externalIdFieldName")?) {
        (Operation::Upsert, None) => {
            return Err(invalid_job(format!(
                "External ID was blank for {}. An External ID must be specified for upsert.",
                def.name
            )));
        }
        (Operation::Upsert, Some(name)) => {
            let field = def
                .field(name)
                .filter(|i| *i == sys::ID || def.def(*i).external_id)
                .ok_or_else(|| {
                    invalid_job(format!(
                        "Field name provided, {name} is not an External ID or indexed field for {}",
                        def.name
                    ))
                })?;
            Some(def.def(field).name.clone())
        }
        (_, _) => None,
    };
    let content_type = text(body, "contentType")?.unwrap_or("CSV");
    if content_type != "CSV" {
        return Err(invalid_job(format!(
            "Invalid contentType: {content_type}; Bulk API 2.0 reads CSV only"
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
    Ok(Spec {
        object: def.name.clone(),
        operation,
        external_id_field,
        format: Format {
            delimiter,
            line_ending,
        },
    })
}

/// `POST /jobs/ingest`: an Open job, or with a multipart body (`job` + `content`) a job
/// already holding its data, UploadComplete and processing.
async fn create(
    State(state): State<AppState>,
    version: ApiVersion,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    Kind::Ingest.check_version(version)?;
    let body = read_body(body).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (job_body, content) = match multipart::boundary(content_type) {
        Some(boundary) => {
            let parts = multipart::parse(&boundary, &body)
                .map_err(|e| client_input(format!("The multipart body cannot be read: {e}")))?;
            let part = |name: &str| {
                parts
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.data.clone())
            };
            let job = part("job").ok_or_else(|| {
                client_input("The multipart body has no part named job; send the job's JSON in it")
            })?;
            let content = part("content").ok_or_else(|| {
                client_input(
                    "The multipart body has no part named content; send the CSV data in it",
                )
            })?;
            (json_object(&job)?, Some(Bytes::from(content)))
        }
        None => (json_object(&body)?, None),
    };
    let spec = validate(&state, &job_body)?;
    let header = match &content {
        Some(content) => csv_text::header(content, spec.format)
            .map_err(|message| bulk_error(StatusCode::BAD_REQUEST, "INVALIDBATCH", message))?,
        None => None,
    };
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
        state: if content.is_some() {
            JobState::UploadComplete
        } else {
            JobState::Open
        },
        version,
        format: spec.format,
        error_message: None,
        processed: 0,
        failed: 0,
        total_ms: 0,
        active_ms: 0,
        data: JobData::Ingest(IngestData {
            external_id_field: spec.external_id_field,
            uploads: content.into_iter().collect(),
            header,
            ..IngestData::default()
        }),
    };
    let info = job.info(Detail::Brief);
    let start = job.state == JobState::UploadComplete;
    jobs.insert(job);
    drop(jobs);
    if start {
        process::spawn(state.clone(), serial);
    }
    Ok(axum::Json(info).into_response())
}

/// `PUT /jobs/ingest/{id}/batches`: adds CSV data to an Open job; 201 with no body.
async fn upload(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
    body: Body,
) -> Result<Response, ApiError> {
    Kind::Ingest.check_version(version)?;
    let format = open_job(&state, &id)?;
    let body = read_body(body).await?;
    let header = csv_text::header(&body, format)
        .map_err(|message| bulk_error(StatusCode::BAD_REQUEST, "INVALIDBATCH", message))?;
    let mut jobs = jobs(&state);
    let job = jobs.get_mut(Kind::Ingest, &id)?;
    check_open(job)?;
    let JobData::Ingest(data) = &mut job.data else {
        return Err(ApiError::not_found());
    };
    if let Some(header) = header {
        match &data.header {
            Some(first) if *first != header => {
                return Err(bulk_error(
                    StatusCode::BAD_REQUEST,
                    "INVALIDBATCH",
                    format!(
                        "The header row of this upload [{}] differs from the job's first upload [{}]; every upload to a job starts with the same header row",
                        header.join(", "),
                        first.join(", ")
                    ),
                ));
            }
            Some(_) => {}
            None => data.header = Some(header),
        }
        data.uploads.push(body);
    }
    job.touch();
    Ok(StatusCode::CREATED.into_response())
}

/// The format of an Open job, checked before its upload is read.
fn open_job(state: &AppState, id: &str) -> Result<Format, ApiError> {
    let jobs = jobs(state);
    let job = jobs.get(Kind::Ingest, id)?;
    check_open(job)?;
    Ok(job.format)
}

fn check_open(job: &Job) -> Result<(), ApiError> {
    if job.state == JobState::Open {
        Ok(())
    } else {
        Err(state_conflict(format!(
            "Uploading data to {} Job not allowed: job {} no longer takes data; create a new job",
            job.state.label(),
            job.id
        )))
    }
}

/// `PATCH /jobs/ingest/{id}`: `{"state":"UploadComplete"}` closes an Open job and starts it;
/// `{"state":"Aborted"}` aborts a job that has not finished.
async fn change_state(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    Kind::Ingest.check_version(version)?;
    let wanted = requested_state(&body)?;
    let mut jobs = jobs(&state);
    let job = jobs.get_mut(Kind::Ingest, &id)?;
    let info = match wanted.as_str() {
        "UploadComplete" => {
            if job.state != JobState::Open {
                return Err(state_conflict(format!(
                    "Closing already {} Job not allowed",
                    job.state.label()
                )));
            }
            job.state = JobState::UploadComplete;
            job.touch();
            let (serial, info) = (job.serial, job.info(Detail::Brief));
            drop(jobs);
            process::spawn(state.clone(), serial);
            info
        }
        "Aborted" => super::abort(job)?,
        other => {
            return Err(bulk_error(
                StatusCode::BAD_REQUEST,
                "INVALIDJOBSTATE",
                format!(
                    "Invalid state: {other}; a client sets an ingest job to UploadComplete or Aborted"
                ),
            ));
        }
    };
    Ok(axum::Json(info).into_response())
}

async fn info(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    super::get_info(&state, Kind::Ingest, version, &id)
}

async fn remove(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    super::delete(&state, Kind::Ingest, version, &id)
}

async fn list(
    State(state): State<AppState>,
    version: ApiVersion,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    super::list(&state, Kind::Ingest, version, params)
}

/// Which result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Results {
    Successful,
    Failed,
    Unprocessed,
}

async fn successful_results(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(&state, version, &id, Results::Successful)
}

async fn failed_results(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(&state, version, &id, Results::Failed)
}

async fn unprocessed(
    State(state): State<AppState>,
    version: ApiVersion,
    Path(JobPath { id }): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(&state, version, &id, Results::Unprocessed)
}

/// A CSV answer.
pub(super) fn csv_response(body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=UTF-8"),
    );
    response
}

/// One of the result files of a finished job: `sf__Id`,`sf__Created` or `sf__Id`,`sf__Error`
/// before the uploaded columns, or the uploaded columns alone for rows never processed.
fn results(
    state: &AppState,
    version: ApiVersion,
    id: &str,
    which: Results,
) -> Result<Response, ApiError> {
    Kind::Ingest.check_version(version)?;
    let jobs = jobs(state);
    let job = jobs.get(Kind::Ingest, id)?;
    if !job.state.is_final() {
        return Err(state_conflict(format!(
            "Job {} is {}; its results are ready once it is JobComplete, Failed or Aborted",
            job.id,
            job.state.name()
        )));
    }
    let JobData::Ingest(data) = &job.data else {
        return Err(ApiError::not_found());
    };
    let Some(table) = &data.table else {
        // Never read (aborted before processing, or the data could not be parsed).
        return Ok(csv_response(match which {
            Results::Unprocessed => csv_text::concat(&data.uploads),
            Results::Successful | Results::Failed => {
                let mut writer = Writer::new(job.format);
                let first = if which == Results::Successful {
                    "sf__Created"
                } else {
                    "sf__Error"
                };
                let columns = data.header.iter().flatten().map(String::as_str);
                writer.row(["sf__Id", first].into_iter().chain(columns));
                writer.finish().into_bytes()
            }
        }));
    };
    let mut writer = Writer::new(job.format);
    let header = table.header.iter().map(String::as_str);
    match which {
        Results::Successful => writer.row(["sf__Id", "sf__Created"].into_iter().chain(header)),
        Results::Failed => writer.row(["sf__Id", "sf__Error"].into_iter().chain(header)),
        Results::Unprocessed => writer.row(header),
    }
    for (row, outcome) in table.rows.iter().zip(&data.outcomes) {
        let cells = row.iter().map(String::as_str);
        match (which, outcome) {
            (Results::Successful, Outcome::Done { id, created }) => {
                let created = if *created { "true" } else { "false" };
                writer.row([id.as_str(), created].into_iter().chain(cells));
            }
            (Results::Failed, Outcome::Failed { id, error }) => {
                let id = id.as_ref().map_or("", |id| id.as_str());
                writer.row([id, error.as_str()].into_iter().chain(cells));
            }
            _ => {}
        }
    }
    if which == Results::Unprocessed {
        for row in table.rows.iter().skip(data.outcomes.len()) {
            writer.row(row);
        }
    }
    Ok(csv_response(writer.finish()))
}
