//! Bulk API 2.0: ingest jobs (CSV uploads applied in 10,000-record transactions, with
//! `successfulResults`, `failedResults` and `unprocessedrecords` CSVs) and query jobs (a
//! snapshot of a SOQL result paged by `Sforce-Locator`).
//!
//! Jobs live in [`Jobs`], beside the org and under their own lock. Processing runs on a tokio
//! task per job: the org lock is taken for one chunk at a time, inside `spawn_blocking`, and
//! never across an await, so polling sees `UploadComplete`, `InProgress` and then a final state.
//!
//! Error answers. Salesforce lists Bulk API 2.0's codes in CamelCase (`InvalidJobState`) and
//! sends them upper-cased in the REST error array, e.g.
//! `[{"errorCode":"INVALIDJOBSTATE","message":"Aborting already Completed Job not allowed"}]`.
//! Where no recorded response pins the answer down, the sandbox answers:
//! - an unknown job id: 404 `NOT_FOUND` "The requested resource does not exist" (confirmed);
//! - unreadable JSON: 400 `JSON_PARSER_ERROR`;
//! - a job body naming an unknown object, operation, content type, line ending or column
//!   delimiter, or an upsert without a usable external id field: 400 `INVALIDJOB`;
//! - a state change the job's state does not allow (uploading to a closed job, closing twice,
//!   aborting a finished job, deleting a running job, reading results of an unfinished job):
//!   409 `INVALIDJOBSTATE`; a PATCH asking for a state a client cannot set: 400 `INVALIDJOBSTATE`;
//! - an upload whose header row differs from the job's first upload: 400 `INVALIDBATCH`;
//! - a malformed multipart body, upload over 150 MB, bad `maxRecords`: 400 `CLIENTINPUTERROR`;
//! - a query Bulk 2.0 cannot run (aggregates, GROUP BY, OFFSET, parent-child subqueries):
//!   400 `API_ERROR`; SOQL syntax and field errors as the REST query answers them;
//! - a bad `locator`: 400 `INVALID_QUERY_LOCATOR`; query results read with another API version
//!   than the job's: 409 `INVALIDJOB`.
//!
//! Problems found while processing (a CSV that cannot be read, an unknown column) fail the job
//! with `errorMessage` in Salesforce's `Code : message` form, e.g.
//! `InvalidBatch : Field name not found : Foo`.

mod csv_text;
mod ingest;
mod multipart;
mod process;
mod query;

use super::{ApiError, ApiVersion, AppState};
use crate::salesforce::ids::SfId;
use crate::salesforce::value::format_datetime;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use csv_text::Format;
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::sync::MutexGuard;

/// Jobs kept at most; beyond it the oldest finished jobs (and their results) are dropped.
const MAX_JOBS: usize = 1_000;
/// Jobs listed per page of `GET /jobs/ingest` and `GET /jobs/query`.
const LIST_PAGE: usize = 1_000;
/// The largest upload Salesforce accepts (150 MB).
pub(crate) const MAX_UPLOAD_BYTES: usize = 150 * 1024 * 1024;

/// Routes of Bulk API 2.0, relative to `/services/data/vNN.N`.
pub fn routes() -> Router<AppState> {
    Router::new().merge(ingest::routes()).merge(query::routes())
}

/// The Bulk API 2.0 jobs of the sandbox, in creation order.
#[derive(Debug, Default)]
pub struct Jobs {
    /// Every job kept, by serial number (creation order).
    jobs: BTreeMap<u64, Job>,
    /// Serial of the newest job.
    last_serial: u64,
    /// Milliseconds a job waits before it starts and before each 10,000-record chunk; the
    /// admin API sets it so tests can watch `UploadComplete` and `InProgress`. 0 by default:
    /// jobs run as fast as they can.
    pub processing_delay_ms: u64,
}

impl Jobs {
    /// Number of jobs kept.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether no job is kept.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Drops every job and its data (running jobs stop at their next chunk).
    pub fn clear(&mut self) {
        self.jobs.clear();
    }

    /// Adds a job, dropping the oldest finished jobs beyond [`MAX_JOBS`].
    fn insert(&mut self, job: Job) {
        self.jobs.insert(job.serial, job);
        while self.jobs.len() > MAX_JOBS {
            let oldest_finished = self
                .jobs
                .iter()
                .find(|(_, job)| job.state.is_final())
                .map(|(serial, _)| *serial);
            match oldest_finished {
                Some(serial) => self.jobs.remove(&serial),
                None => break,
            };
        }
    }

    /// A fresh job id.
    fn mint(&mut self) -> (u64, SfId) {
        self.last_serial += 1;
        (self.last_serial, SfId::mint(JOB_PREFIX, self.last_serial))
    }

    /// The serial of the job with this id and kind, or 404 `NOT_FOUND`.
    fn serial_of(&self, kind: Kind, id: &str) -> Result<u64, ApiError> {
        SfId::parse(id)
            .ok()
            .filter(|id| id.prefix() == JOB_PREFIX)
            .and_then(|id| {
                id.serial()
                    .filter(|s| self.jobs.get(s).is_some_and(|j| j.id == id))
            })
            .filter(|serial| self.jobs.get(serial).is_some_and(|j| j.kind() == kind))
            .ok_or_else(ApiError::not_found)
    }

    /// The job with this id and kind, or 404 `NOT_FOUND`.
    fn get(&self, kind: Kind, id: &str) -> Result<&Job, ApiError> {
        let serial = self.serial_of(kind, id)?;
        self.jobs.get(&serial).ok_or_else(ApiError::not_found)
    }

    /// The job with this id and kind, for a change, or 404 `NOT_FOUND`.
    fn get_mut(&mut self, kind: Kind, id: &str) -> Result<&mut Job, ApiError> {
        let serial = self.serial_of(kind, id)?;
        self.jobs.get_mut(&serial).ok_or_else(ApiError::not_found)
    }

    /// The job with this serial (a running job looks itself up this way; `None` once deleted).
    fn by_serial(&mut self, serial: u64) -> Option<&mut Job> {
        self.jobs.get_mut(&serial)
    }
}

/// Key prefix of Bulk API job ids (`750...`).
const JOB_PREFIX: &str = "750";

/// Locks the jobs. A poisoned lock is recovered: job bookkeeping has no invariant a panic
/// mid-update could break badly enough to refuse service.
fn jobs(state: &AppState) -> MutexGuard<'_, Jobs> {
    state.bulk.lock().unwrap_or_else(|p| p.into_inner())
}

/// Ingest or query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ingest,
    Query,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Ingest => "ingest",
            Kind::Query => "query",
        }
    }

    fn job_type(self) -> &'static str {
        match self {
            Kind::Ingest => "V2Ingest",
            Kind::Query => "V2Query",
        }
    }

    /// The first API version that has this kind of job.
    fn since(self) -> u32 {
        match self {
            Kind::Ingest => 41,
            Kind::Query => 47,
        }
    }

    /// 404 for API versions before Bulk API 2.0 had this kind of job.
    fn check_version(self, version: ApiVersion) -> Result<(), ApiError> {
        if version.at_least(self.since()) {
            Ok(())
        } else {
            Err(ApiError::not_found())
        }
    }
}

/// A job's state, as Salesforce names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobState {
    Open,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

impl JobState {
    fn name(self) -> &'static str {
        match self {
            JobState::Open => "Open",
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Failed => "Failed",
            JobState::Aborted => "Aborted",
        }
    }

    /// How Salesforce's state-change errors name the state ("Aborting already Completed Job").
    fn label(self) -> &'static str {
        match self {
            JobState::JobComplete => "Completed",
            other => other.name(),
        }
    }

    /// JobComplete, Failed or Aborted: nothing more will happen to the job.
    fn is_final(self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Failed | JobState::Aborted
        )
    }

    /// Salesforce deletes jobs only in these states.
    fn deletable(self) -> bool {
        self == JobState::UploadComplete || self.is_final()
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
    Query,
    QueryAll,
}

impl Operation {
    fn parse(name: &str) -> Option<Operation> {
        Some(match name {
            "insert" => Operation::Insert,
            "update" => Operation::Update,
            "upsert" => Operation::Upsert,
            "delete" => Operation::Delete,
            "hardDelete" => Operation::HardDelete,
            "query" => Operation::Query,
            "queryAll" => Operation::QueryAll,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Delete => "delete",
            Operation::HardDelete => "hardDelete",
            Operation::Query => "query",
            Operation::QueryAll => "queryAll",
        }
    }
}

/// One Bulk API 2.0 job.
#[derive(Debug)]
struct Job {
    serial: u64,
    id: SfId,
    operation: Operation,
    /// The object's API name as the schema spells it.
    object: String,
    created_by: SfId,
    /// `client=` of the creating request's `Sforce-Call-Options` (the writes' change origin).
    client: Option<String>,
    created_ms: i64,
    modstamp_ms: i64,
    state: JobState,
    version: ApiVersion,
    format: Format,
    error_message: Option<String>,
    processed: u64,
    failed: u64,
    total_ms: u64,
    active_ms: u64,
    data: JobData,
}

#[derive(Debug)]
enum JobData {
    Ingest(ingest::IngestData),
    Query(query::QueryData),
}

/// Which fields a job description carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Answer to create, close and abort.
    Brief,
    /// An entry of the job list.
    Listed,
    /// `GET /jobs/{kind}/{id}`: everything, counters included.
    Full,
}

impl Job {
    fn kind(&self) -> Kind {
        match self.data {
            JobData::Ingest(_) => Kind::Ingest,
            JobData::Query(_) => Kind::Query,
        }
    }

    fn touch(&mut self) {
        self.modstamp_ms = crate::salesforce::value::now_ms();
    }

    /// The job as Salesforce describes it (`jobInfo`).
    fn info(&self, detail: Detail) -> Json {
        let kind = self.kind();
        let mut info = Map::new();
        info.insert("id".into(), json!(self.id));
        info.insert("operation".into(), json!(self.operation.name()));
        info.insert("object".into(), json!(self.object));
        info.insert("createdById".into(), json!(self.created_by));
        info.insert(
            "createdDate".into(),
            json!(format_datetime(self.created_ms)),
        );
        info.insert(
            "systemModstamp".into(),
            json!(format_datetime(self.modstamp_ms)),
        );
        info.insert("state".into(), json!(self.state.name()));
        if let JobData::Ingest(data) = &self.data
            && let Some(field) = &data.external_id_field
        {
            info.insert("externalIdFieldName".into(), json!(field));
        }
        info.insert("concurrencyMode".into(), json!("Parallel"));
        info.insert("contentType".into(), json!("CSV"));
        let api_version: f64 = self.version.number().parse().unwrap_or(0.0);
        info.insert("apiVersion".into(), json!(api_version));
        if kind == Kind::Ingest || detail != Detail::Brief {
            info.insert("jobType".into(), json!(kind.job_type()));
        }
        if kind == Kind::Ingest {
            info.insert(
                "contentUrl".into(),
                json!(format!(
                    "services/data/{}/jobs/ingest/{}/batches",
                    self.version.path(),
                    self.id
                )),
            );
        }
        info.insert("lineEnding".into(), json!(self.format.line_ending.name()));
        info.insert(
            "columnDelimiter".into(),
            json!(self.format.delimiter.name()),
        );
        if detail == Detail::Full {
            info.insert("numberRecordsProcessed".into(), json!(self.processed));
            if kind == Kind::Ingest {
                info.insert("numberRecordsFailed".into(), json!(self.failed));
            }
        }
        if detail == Detail::Full || (detail == Detail::Brief && kind == Kind::Ingest) {
            info.insert("retries".into(), json!(0));
            info.insert("totalProcessingTime".into(), json!(self.total_ms));
            if kind == Kind::Ingest {
                info.insert("apiActiveProcessingTime".into(), json!(self.active_ms));
                info.insert("apexProcessingTime".into(), json!(0));
            }
        }
        if detail == Detail::Full && kind == Kind::Query {
            info.insert("isPkChunkingSupported".into(), json!(true));
        }
        if detail == Detail::Full
            && let Some(message) = &self.error_message
        {
            info.insert("errorMessage".into(), json!(message));
        }
        Json::Object(info)
    }

    /// Marks the job Failed with Salesforce's `Code : message` error.
    fn fail(&mut self, message: String) {
        self.state = JobState::Failed;
        self.error_message = Some(message);
        self.touch();
    }
}

/// 400/409 with one Bulk API error.
fn bulk_error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// 409 `INVALIDJOBSTATE`.
fn state_conflict(message: impl Into<String>) -> ApiError {
    bulk_error(StatusCode::CONFLICT, "INVALIDJOBSTATE", message)
}

/// 400 `CLIENTINPUTERROR`.
fn client_input(message: impl Into<String>) -> ApiError {
    bulk_error(StatusCode::BAD_REQUEST, "CLIENTINPUTERROR", message)
}

/// Reads a request body up to Salesforce's upload limit.
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_UPLOAD_BYTES).await.map_err(|_| {
        client_input(format!(
            "The request body is larger than {} MB, the most one upload may carry; split the data over several uploads or jobs",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ))
    })
}

/// Parses a JSON request body into an object.
fn json_object(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::json_parser(format!(
            "Expected a JSON object for the job, found {}",
            match other {
                Json::Array(_) => "an array",
                Json::String(_) => "a string",
                Json::Number(_) => "a number",
                Json::Bool(_) => "a boolean",
                _ => "null",
            }
        ))),
        Err(error) => Err(ApiError::json_parser(error)),
    }
}

/// The 405 answer for a method a Bulk resource does not have.
fn not_allowed(allowed: &'static str) -> impl Fn(Method) -> std::future::Ready<Response> + Clone {
    move |method: Method| {
        std::future::ready(ApiError::method_not_allowed(method.as_str(), allowed).into_response())
    }
}

/// The job id in a URL (the nest's `{version}` is the other path parameter).
#[derive(Debug, Deserialize)]
struct JobPath {
    id: String,
}

/// Query string of the job lists.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    query_locator: Option<String>,
    job_type: Option<String>,
    concurrency_mode: Option<String>,
    is_pk_chunking_enabled: Option<String>,
}

/// `GET /jobs/{ingest|query}`: the jobs of one kind, oldest first, 1,000 a page; the locator
/// is the id of the last job of the previous page, so paging survives jobs being dropped.
fn list(
    state: &AppState,
    kind: Kind,
    version: ApiVersion,
    params: ListParams,
) -> Result<Response, ApiError> {
    kind.check_version(version)?;
    let after = match &params.query_locator {
        Some(locator) => SfId::parse(locator)
            .ok()
            .filter(|id| id.prefix() == JOB_PREFIX)
            .and_then(|id| id.serial())
            .ok_or_else(|| {
                bulk_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_QUERY_LOCATOR",
                    format!("invalid query locator: {locator}"),
                )
            })?,
        None => 0,
    };
    let wanted = |job: &Job| {
        job.kind() == kind
            && params
                .job_type
                .as_deref()
                .is_none_or(|t| t == kind.job_type())
            && params
                .concurrency_mode
                .as_deref()
                .is_none_or(|m| m == "Parallel")
            && params
                .is_pk_chunking_enabled
                .as_deref()
                .is_none_or(|p| p != "true")
    };
    let jobs = jobs(state);
    let mut selected = jobs
        .jobs
        .range(after + 1..)
        .map(|(_, job)| job)
        .filter(|job| wanted(job));
    let records: Vec<Json> = selected
        .by_ref()
        .take(LIST_PAGE)
        .map(|j| j.info(Detail::Listed))
        .collect();
    let more = selected.next().is_some();
    let next = match (more, records.last()) {
        (true, Some(last)) => json!(format!(
            "/services/data/{}/jobs/{}?queryLocator={}",
            version.path(),
            kind.path(),
            last["id"].as_str().unwrap_or_default()
        )),
        _ => Json::Null,
    };
    Ok(
        axum::Json(json!({"done": !more, "records": records, "nextRecordsUrl": next}))
            .into_response(),
    )
}

/// `GET /jobs/{kind}/{id}`.
fn get_info(
    state: &AppState,
    kind: Kind,
    version: ApiVersion,
    id: &str,
) -> Result<Response, ApiError> {
    kind.check_version(version)?;
    let jobs = jobs(state);
    let job = jobs.get(kind, id)?;
    Ok(axum::Json(job.info(Detail::Full)).into_response())
}

/// `DELETE /jobs/{kind}/{id}`: 204, only once the job is closed or finished; its data and
/// results go with it.
fn delete(
    state: &AppState,
    kind: Kind,
    version: ApiVersion,
    id: &str,
) -> Result<Response, ApiError> {
    kind.check_version(version)?;
    let mut jobs = jobs(state);
    let job = jobs.get(kind, id)?;
    if !job.state.deletable() {
        return Err(state_conflict(format!(
            "Deleting {} Job not allowed: job {} must be UploadComplete, JobComplete, Aborted or Failed; abort it first",
            job.state.label(),
            job.id
        )));
    }
    let serial = job.serial;
    jobs.jobs.remove(&serial);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Reads `{"state": "..."}` from a PATCH body.
fn requested_state(body: &[u8]) -> Result<String, ApiError> {
    let map = json_object(body)?;
    match map.get("state") {
        Some(Json::String(state)) => Ok(state.clone()),
        _ => Err(bulk_error(
            StatusCode::BAD_REQUEST,
            "INVALIDJOBSTATE",
            "The job update has no state; send {\"state\":\"UploadComplete\"} or {\"state\":\"Aborted\"}",
        )),
    }
}

/// Aborts a job that has not finished; answers its brief description.
fn abort(job: &mut Job) -> Result<Json, ApiError> {
    if job.state.is_final() {
        return Err(state_conflict(format!(
            "Aborting already {} Job not allowed",
            job.state.label()
        )));
    }
    job.state = JobState::Aborted;
    job.touch();
    Ok(job.info(Detail::Brief))
}
