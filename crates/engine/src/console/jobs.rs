//! Background jobs started from the console: an initial load or a reconciliation of one flow,
//! with progress. Jobs live in this process (a restart ends a running job; the initial load
//! resumes from its checkpoint when started again, a reconciliation starts over).

use super::{Console, ConsoleError, ErrorKind};
use crate::flows::load::{DEFAULT_PAGE, LoadError, LoadOptions, initial_load};
use crate::flows::reconcile::reconcile_with_progress;
use ferry_core::Timestamp;
use ferry_store::NewAuditEntry;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Every source record through the flow (resuming an interrupted load; a finished one is
    /// read again from the start, writing only what differs).
    InitialLoad,
    /// Every source record compared with its targets; drifted records are queued for repair.
    Reconcile,
}

impl JobKind {
    /// How the job is named in the audit log and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::InitialLoad => "initial_load",
            JobKind::Reconcile => "reconcile",
        }
    }
}

/// A job and how far it got.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobView {
    /// 1, 2, 3, ... in this process.
    pub id: u64,
    /// The flow.
    pub flow: String,
    /// What it does.
    pub kind: JobKind,
    /// Who started it.
    pub started_by: String,
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    /// Source records read so far.
    pub read: u64,
    /// A line saying what it did or found so far.
    pub summary: String,
    /// Why it failed, and what to do.
    pub error: Option<String>,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub(super) struct Jobs {
    list: Mutex<Vec<JobView>>,
}

impl Jobs {
    fn update(&self, id: u64, change: impl FnOnce(&mut JobView)) {
        if let Ok(mut list) = self.list.lock()
            && let Some(job) = list.iter_mut().find(|j| j.id == id)
        {
            change(job);
        }
    }
}

/// How many finished jobs are kept for the page.
const KEPT: usize = 50;

impl Console {
    /// The jobs of this process, newest first.
    pub fn jobs(&self) -> Vec<JobView> {
        let mut jobs = self.jobs.list.lock().map(|l| l.clone()).unwrap_or_default();
        jobs.reverse();
        jobs
    }

    /// One job by id.
    pub fn job(&self, id: u64) -> Option<JobView> {
        self.jobs
            .list
            .lock()
            .ok()
            .and_then(|l| l.iter().find(|j| j.id == id).cloned())
    }

    /// Starts `kind` for `flow` in the background; one job per flow at a time.
    pub async fn start_job(
        self: &Arc<Self>,
        flow: &str,
        kind: JobKind,
        actor: &str,
    ) -> Result<JobView, ConsoleError> {
        let running = self.flow(flow)?;
        let job = {
            let mut list = self
                .jobs
                .list
                .lock()
                .map_err(|_| ConsoleError::store("the job list is unusable"))?;
            if let Some(busy) = list.iter().find(|j| j.flow == flow && j.state == "running") {
                return Err(ConsoleError::new(
                    ErrorKind::Conflict,
                    "JOB_RUNNING",
                    format!(
                        "flow {flow} already has job {} ({}) running; wait for it to finish",
                        busy.id,
                        busy.kind.as_str()
                    ),
                ));
            }
            let id = list.last().map_or(1, |j| j.id + 1);
            let job = JobView {
                id,
                flow: flow.to_owned(),
                kind,
                started_by: actor.to_owned(),
                state: "running",
                read: 0,
                summary: "starting".into(),
                error: None,
                started_at: Timestamp::now(),
                finished_at: None,
            };
            list.push(job.clone());
            let finished = list.iter().filter(|j| j.state != "running").count();
            if finished > KEPT {
                let mut drop = finished - KEPT;
                list.retain(|j| {
                    if drop > 0 && j.state != "running" {
                        drop -= 1;
                        false
                    } else {
                        true
                    }
                });
            }
            job
        };
        self.store
            .audit(&NewAuditEntry {
                tenant: self.tenant.clone(),
                actor: actor.to_owned(),
                action: format!("flow.{}", kind.as_str()),
                subject: flow.to_owned(),
                detail: json!({"job": job.id}),
            })
            .await
            .map_err(ConsoleError::store)?;
        let console = self.clone();
        let id = job.id;
        tokio::spawn(async move {
            let store = console.store.clone();
            let tenant = console.tenant.clone();
            let result = match kind {
                JobKind::InitialLoad => {
                    let progress = |p: &crate::flows::load::LoadProgress| {
                        console.jobs.update(id, |j| {
                            j.read = p.read;
                            j.summary = format!(
                                "{} read: {} created, {} updated, {} unchanged, {} skipped, {} failed",
                                p.read, p.created, p.updated, p.unchanged, p.skipped, p.failed
                            );
                        });
                    };
                    let mut outcome = initial_load(
                        &running,
                        store.as_ref(),
                        &tenant,
                        LoadOptions::default(),
                        progress,
                    )
                    .await;
                    if matches!(outcome, Err(LoadError::AlreadyLoaded { .. })) {
                        outcome = initial_load(
                            &running,
                            store.as_ref(),
                            &tenant,
                            LoadOptions {
                                restart: true,
                                ..LoadOptions::default()
                            },
                            progress,
                        )
                        .await;
                    }
                    outcome.map(|_| ()).map_err(|e| e.to_string())
                }
                JobKind::Reconcile => {
                    let progress = |r: &crate::flows::reconcile::ReconcileReport| {
                        console.jobs.update(id, |j| {
                            j.read = r.source_records;
                            j.summary = reconcile_summary(r);
                        });
                    };
                    match reconcile_with_progress(
                        &running,
                        store.as_ref(),
                        &tenant,
                        true,
                        DEFAULT_PAGE,
                        progress,
                    )
                    .await
                    {
                        Ok(report) => {
                            console.jobs.update(id, |j| {
                                j.read = report.source_records;
                                j.summary = reconcile_summary(&report);
                            });
                            Ok(())
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
            console.jobs.update(id, |j| {
                j.finished_at = Some(Timestamp::now());
                match result {
                    Ok(()) => j.state = "done",
                    Err(error) => {
                        j.state = "failed";
                        j.error = Some(error);
                    }
                }
            });
        });
        Ok(job)
    }
}

fn reconcile_summary(r: &crate::flows::reconcile::ReconcileReport) -> String {
    format!(
        "{} read: {} in step, {} drifted ({} queued for repair), {} cannot be mapped, {} skipped",
        r.source_records,
        r.in_step,
        r.drifted_records,
        r.repaired_enqueued,
        r.unmappable.len() as u64 + r.unmappable_omitted,
        r.skipped
    )
}
