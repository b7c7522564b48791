//! Bulk API 2.0 job information (`/jobs/ingest`, `/jobs/query`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Bulk 2.0 job's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JobState {
    /// Accepting data (ingest).
    #[default]
    Open,
    /// Data is in; waiting to run.
    UploadComplete,
    /// Running.
    InProgress,
    /// Finished; results are ready.
    JobComplete,
    /// Failed as a whole (see `errorMessage`).
    Failed,
    /// Stopped by a client.
    Aborted,
    /// A state this client does not know, as Salesforce named it.
    Other(String),
}

impl JobState {
    /// No further change will happen.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Failed | JobState::Aborted
        )
    }

    /// Salesforce's name for it.
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Open => "Open",
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Failed => "Failed",
            JobState::Aborted => "Aborted",
            JobState::Other(name) => name,
        }
    }
}

impl From<String> for JobState {
    fn from(name: String) -> JobState {
        match name.as_str() {
            "Open" => JobState::Open,
            "UploadComplete" => JobState::UploadComplete,
            "InProgress" => JobState::InProgress,
            "JobComplete" => JobState::JobComplete,
            "Failed" => JobState::Failed,
            "Aborted" => JobState::Aborted,
            _ => JobState::Other(name),
        }
    }
}

impl From<JobState> for String {
    fn from(state: JobState) -> String {
        state.as_str().to_string()
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Bulk 2.0 ingest or query job, as create, poll and list answer it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BulkJob {
    /// Job id (`750...`).
    pub id: String,
    /// `insert`, `update`, `upsert`, `delete`, `hardDelete`, `query` or `queryAll`.
    pub operation: String,
    /// The object.
    pub object: String,
    /// Where the job is.
    pub state: JobState,
    /// The upsert key (upsert jobs).
    pub external_id_field_name: Option<String>,
    /// Records processed so far.
    pub number_records_processed: u64,
    /// Records that failed (ingest).
    pub number_records_failed: u64,
    /// Why the whole job failed.
    pub error_message: Option<String>,
    /// `CSV`.
    pub content_type: Option<String>,
    /// `LF` or `CRLF`.
    pub line_ending: Option<String>,
    /// `COMMA`, `TAB`, `PIPE` ...
    pub column_delimiter: Option<String>,
    /// When it was created (Salesforce's timestamp text; see [`super::parse_datetime`]).
    pub created_date: Option<String>,
    /// When it last changed.
    pub system_modstamp: Option<String>,
    /// Who created it.
    pub created_by_id: Option<String>,
    /// `V2Ingest` or `V2Query`.
    pub job_type: Option<String>,
    /// Where to PUT the CSV (ingest; no leading slash).
    pub content_url: Option<String>,
    /// The SOQL (query jobs).
    pub query: Option<String>,
    /// Times Salesforce retried a batch.
    pub retries: u64,
    /// Milliseconds spent processing.
    pub total_processing_time: u64,
    /// `Parallel`.
    pub concurrency_mode: Option<String>,
}

/// `GET /jobs/ingest` or `/jobs/query`: one page of jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkJobList {
    /// No more pages.
    #[serde(default)]
    pub done: bool,
    /// The jobs.
    #[serde(default)]
    pub records: Vec<BulkJob>,
    /// The next page.
    #[serde(default)]
    pub next_records_url: Option<String>,
}
