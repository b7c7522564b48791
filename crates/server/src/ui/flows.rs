//! The flows page (pause, resume, initial load, reconciliation, with the jobs' progress) and
//! the mapping editor (the flow's declaration checked as it is typed, previewed on a real
//! source record next to the running version, saved as a new version, earlier versions shown
//! as a diff and rolled back). Pausing and jobs need an operator; previews an operator; saving
//! and rolling back an admin. Every form carries the session's CSRF token.

use super::{User, acting, escape, problem, render, session, url_encode};
use crate::ServerState;
use crate::admin::Role;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use ferry_engine::console::{Console, ConsoleError, DiffLine, JobKind, JobView, text_diff};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

struct FlowRow {
    name: String,
    description: String,
    source: String,
    state: &'static str,
    enabled: bool,
    paused: bool,
    version: String,
    created: u64,
    updated: u64,
    unchanged: u64,
    failed: u64,
}

struct JobRow {
    id: u64,
    flow: String,
    kind: &'static str,
    state: &'static str,
    summary: String,
    error: String,
    started: String,
    started_by: String,
}

impl JobRow {
    fn of(j: &JobView) -> Self {
        Self {
            id: j.id,
            flow: j.flow.clone(),
            kind: match j.kind {
                JobKind::InitialLoad => "initial load",
                JobKind::Reconcile => "reconciliation",
            },
            state: j.state,
            summary: j.summary.clone(),
            error: j.error.clone().unwrap_or_default(),
            started: j.started_at.to_string(),
            started_by: j.started_by.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "flows.html")]
struct FlowsPage {
    user: Option<User>,
    notice: Option<String>,
    csrf: String,
    can_act: bool,
    flows: Vec<FlowRow>,
    jobs: Vec<JobRow>,
}

#[derive(Template)]
#[template(path = "jobs_table.html")]
struct JobsFragment {
    jobs: Vec<JobRow>,
}

#[derive(Template)]
#[template(path = "mapping.html")]
struct MappingPage {
    user: Option<User>,
    notice: Option<String>,
    csrf: String,
    flow: String,
    origin: String,
    text: String,
    version: String,
    based_on: String,
    can_preview: bool,
    can_save: bool,
    versions: Vec<VersionRow>,
}

struct VersionRow {
    version: i64,
    author: String,
    note: String,
    created: String,
    running: bool,
}

#[derive(Template)]
#[template(path = "mapping_check.html")]
struct CheckFragment {
    problems: Vec<String>,
    diff: Vec<DiffLine>,
    changed: bool,
}

#[derive(Template)]
#[template(path = "mapping_preview.html")]
struct PreviewFragment {
    record: String,
    outcome: String,
    outcome_ok: bool,
    running_outcome: String,
    targets: Vec<PreviewTarget>,
    differences: usize,
}

struct PreviewTarget {
    name: String,
    object: String,
    id: String,
    note: String,
    rows: Vec<PreviewRow>,
}

struct PreviewRow {
    field: String,
    current: String,
    edited: String,
    running: String,
    differs: bool,
    writes: bool,
}

#[derive(Template)]
#[template(path = "mapping_version.html")]
struct VersionPage {
    user: Option<User>,
    notice: Option<String>,
    csrf: String,
    flow: String,
    version: i64,
    author: String,
    note: String,
    text: String,
    diff: Vec<DiffLine>,
    can_save: bool,
}

fn no_console(state: &ServerState) -> Result<Arc<Console>, Box<Response>> {
    state.console.clone().ok_or_else(|| {
        Box::new(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "this server runs no flows: open the dashboard of `ferry serve`",
        ))
    })
}

/// A form that carries the session's CSRF token.
trait Posted {
    fn csrf(&self) -> &str;
}

/// A page's user and the console.
fn viewing(
    state: &ServerState,
    headers: &HeaderMap,
) -> Result<(User, Arc<Console>), Box<Response>> {
    Ok((session(state, headers)?, no_console(state)?))
}

/// A posted form, its user (signed in, CSRF, this site, at least `needed`) and the console.
fn accept<T: Posted>(
    state: &ServerState,
    headers: &HeaderMap,
    form: Result<Form<T>, axum::extract::rejection::FormRejection>,
    needed: Role,
    what: &str,
) -> Result<(T, User, Arc<Console>), Box<Response>> {
    let Ok(Form(form)) = form else {
        return Err(Box::new(problem(
            StatusCode::BAD_REQUEST,
            "the form is incomplete: reload the page",
        )));
    };
    let user = acting(state, headers, form.csrf(), needed, what)?;
    Ok((form, user, no_console(state)?))
}

fn refused(e: &ConsoleError) -> Response {
    let mut text = e.message.clone();
    if !e.problems.is_empty() {
        text = format!("{}:\n- {}", e.code, e.problems.join("\n- "));
    }
    problem(crate::console_api::status_of(e.kind), &text)
}

/// The `notice` query parameter of a page shown after an action.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

fn jobs_of(console: &Console) -> Vec<JobRow> {
    console.jobs().iter().map(JobRow::of).collect()
}

/// `GET /ui/flows`.
pub(crate) async fn flows_page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let (user, console) = match viewing(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let flows = console
        .flows()
        .into_iter()
        .map(|f| FlowRow {
            state: match (f.enabled, f.paused) {
                (false, _) => "off",
                (true, true) => "paused",
                (true, false) => "running",
            },
            enabled: f.enabled,
            paused: f.paused,
            source: format!("{} {}", f.system, f.object),
            version: f
                .version
                .map_or_else(|| "file".to_owned(), |v| format!("v{v}")),
            created: f.totals.created,
            updated: f.totals.updated,
            unchanged: f.totals.unchanged,
            failed: f.totals.failed,
            description: f.description,
            name: f.name,
        })
        .collect();
    render(&FlowsPage {
        can_act: user.role >= Role::Operator,
        csrf: user.csrf.clone(),
        notice: (!query.notice.is_empty()).then_some(query.notice),
        user: Some(user),
        flows,
        jobs: jobs_of(&console),
    })
}

/// `GET /ui/fragments/jobs`: the jobs table, refreshed while a job runs.
pub(crate) async fn jobs_fragment(
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = session(&state, &headers) {
        return *r;
    }
    match no_console(&state) {
        Ok(console) => render(&JobsFragment {
            jobs: jobs_of(&console),
        }),
        Err(r) => *r,
    }
}

/// The form of the flows page's buttons.
#[derive(Debug, Deserialize)]
pub(crate) struct FlowAction {
    csrf: String,
    flow: String,
    action: String,
}

/// `POST /ui/flows/act`: pause, resume, initial_load or reconcile one flow.
pub(crate) async fn flow_action(
    State(state): State<ServerState>,
    headers: HeaderMap,
    form: Result<Form<FlowAction>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (form, user, console) = match accept(
        &state,
        &headers,
        form,
        Role::Operator,
        "acting on a flow needs",
    ) {
        Ok(accepted) => accepted,
        Err(r) => return *r,
    };
    let actor = format!("ui:{}", user.name);
    let flow = form.flow.trim();
    let result = match form.action.as_str() {
        "pause" => console
            .set_paused(flow, true, &actor)
            .await
            .map(|()| format!("{flow} paused: its changes wait in the queue until you resume it.")),
        "resume" => console
            .set_paused(flow, false, &actor)
            .await
            .map(|()| format!("{flow} resumed.")),
        "initial_load" | "reconcile" => {
            let kind = if form.action == "reconcile" {
                JobKind::Reconcile
            } else {
                JobKind::InitialLoad
            };
            console.start_job(flow, kind, &actor).await.map(|job| {
                format!(
                    "Job {} started: {} of {flow}; its progress is below.",
                    job.id,
                    JobRow::of(&job).kind
                )
            })
        }
        other => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("{other:?} is not an action: use the page's buttons"),
            );
        }
    };
    match result {
        Ok(notice) => {
            Redirect::to(&format!("/ui/flows?notice={}", url_encode(&notice))).into_response()
        }
        Err(e) => refused(&e),
    }
}

/// `GET /ui/flows/{name}/mapping`.
pub(crate) async fn mapping_page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let (user, console) = match viewing(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let view = match console.mapping(&name).await {
        Ok(v) => v,
        Err(e) => return refused(&e),
    };
    let running = console.flow(&name).is_ok();
    render(&MappingPage {
        can_preview: running && user.role >= Role::Operator,
        can_save: running && user.role >= Role::Admin,
        csrf: user.csrf.clone(),
        notice: (!query.notice.is_empty()).then_some(query.notice),
        user: Some(user),
        flow: view.flow,
        origin: view.origin,
        text: view.text,
        version: view.version.map_or_else(
            || "the file (no saved version)".to_owned(),
            |v| format!("version {v}"),
        ),
        based_on: view.version.map(|v| v.to_string()).unwrap_or_default(),
        versions: view
            .versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                author: v.author.clone(),
                note: v.note.clone(),
                created: v.created_at.to_string(),
                running: Some(v.version) == view.version,
            })
            .collect(),
    })
}

/// The editor's form.
#[derive(Debug, Deserialize)]
pub(crate) struct MappingForm {
    csrf: String,
    text: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    based_on: String,
    #[serde(default)]
    note: String,
}

/// `POST /ui/flows/{name}/mapping/check`: the problems and the diff, as the text is typed.
pub(crate) async fn mapping_check(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    form: Result<Form<MappingForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (form, _user, console) =
        match accept(&state, &headers, form, Role::Viewer, "checking needs") {
            Ok(accepted) => accepted,
            Err(r) => return *r,
        };
    let running = match console.mapping(&name).await {
        Ok(v) => v.text,
        Err(e) => return refused(&e),
    };
    let problems = match console.check(&name, &form.text) {
        Ok(p) => p,
        Err(e) => vec![e.message],
    };
    let diff = text_diff(&running, &form.text);
    let changed = diff.iter().any(|d| d.op != " ");
    render(&CheckFragment {
        problems,
        diff: diff_context(diff),
        changed,
    })
}

/// The changed lines of a diff with two lines of context around each change.
fn diff_context(diff: Vec<DiffLine>) -> Vec<DiffLine> {
    let keep: Vec<bool> = (0..diff.len())
        .map(|i| {
            let lo = i.saturating_sub(2);
            let hi = (i + 3).min(diff.len());
            diff[lo..hi].iter().any(|d| d.op != " ")
        })
        .collect();
    let mut out = Vec::new();
    let mut gap = false;
    for (line, keep) in diff.into_iter().zip(keep) {
        if keep {
            if gap && !out.is_empty() {
                out.push(DiffLine {
                    op: "…",
                    text: String::new(),
                });
            }
            gap = false;
            out.push(line);
        } else {
            gap = true;
        }
    }
    out
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `POST /ui/flows/{name}/mapping/preview`: the edited and the running mapping on one record.
pub(crate) async fn mapping_preview(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    form: Result<Form<MappingForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (form, _user, console) =
        match accept(&state, &headers, form, Role::Operator, "a preview needs") {
            Ok(accepted) => accepted,
            Err(r) => return *r,
        };
    let record = Some(form.record.trim()).filter(|r| !r.is_empty());
    let view = match console.preview(&name, &form.text, record).await {
        Ok(v) => v,
        Err(e) => {
            let mut text = format!("<p class=\"error\">{}</p>", escape(&e.message));
            if !e.problems.is_empty() {
                text = format!(
                    "<ul class=\"problems\">{}</ul>",
                    e.problems
                        .iter()
                        .map(|p| format!("<li>{}</li>", escape(p)))
                        .collect::<String>()
                );
            }
            return Html(format!("<div id=\"preview-result\">{text}</div>")).into_response();
        }
    };
    let outcome = |p: &ferry_engine::flows::runtime::Preview| match &p.outcome.result {
        Ok(change) => (format!("{change:?}"), true),
        Err(f) => (format!("{}: {}", f.code, f.message), false),
    };
    let (edited_outcome, ok) = outcome(&view.edited);
    let (running_outcome, _) = outcome(&view.running);
    let targets = view
        .edited
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let running = view.running.targets.get(i);
            let fields = t["fields"].as_object().cloned().unwrap_or_default();
            let changed: Vec<&str> = t["changed"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut names: Vec<String> = fields.keys().cloned().collect();
            if let Some(r) = running.and_then(|r| r["fields"].as_object()) {
                for k in r.keys() {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
            let rows = names
                .into_iter()
                .map(|field| {
                    let edited = fields.get(&field).cloned();
                    let before = running.and_then(|r| r["fields"].get(&field)).cloned();
                    PreviewRow {
                        current: show(&t["current"].get(&field).cloned().unwrap_or(Value::Null)),
                        differs: edited != before,
                        writes: changed.contains(&field.as_str()),
                        edited: edited
                            .as_ref()
                            .map_or_else(|| "(not mapped)".to_owned(), show),
                        running: before
                            .as_ref()
                            .map_or_else(|| "(not mapped)".to_owned(), show),
                        field,
                    }
                })
                .collect();
            PreviewTarget {
                name: t["target"].as_str().unwrap_or_default().to_owned(),
                object: t["object"].as_str().unwrap_or_default().to_owned(),
                id: t["id"].as_str().unwrap_or("(new)").to_owned(),
                note: t["note"].as_str().unwrap_or_default().to_owned(),
                rows,
            }
        })
        .collect();
    render(&PreviewFragment {
        record: view.record,
        outcome: edited_outcome,
        outcome_ok: ok,
        running_outcome,
        targets,
        differences: view.differences.len(),
    })
}

/// `POST /ui/flows/{name}/mapping/save`.
pub(crate) async fn mapping_save(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    form: Result<Form<MappingForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (form, user, console) = match accept(
        &state,
        &headers,
        form,
        Role::Admin,
        "saving a mapping needs",
    ) {
        Ok(accepted) => accepted,
        Err(r) => return *r,
    };
    let based_on = form.based_on.trim().parse::<i64>().ok();
    let text = form.text.replace("\r\n", "\n");
    match console
        .save(
            &name,
            &text,
            based_on,
            &form.note,
            &format!("ui:{}", user.name),
        )
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/ui/flows/{name}/mapping?notice={}",
            url_encode(&format!(
                "Saved as version {}: the workers run it from their next batch.",
                v.version
            ))
        ))
        .into_response(),
        Err(e) => refused(&e),
    }
}

/// `GET /ui/flows/{name}/mapping/versions/{version}`: one version and its diff from the
/// running text.
pub(crate) async fn version_page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, i64)>,
) -> Response {
    let (user, console) = match viewing(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let running = match console.mapping(&name).await {
        Ok(v) => v.text,
        Err(e) => return refused(&e),
    };
    let v = match console.version(&name, version).await {
        Ok(v) => v,
        Err(e) => return refused(&e),
    };
    let text = v.text.unwrap_or_default();
    render(&VersionPage {
        can_save: user.role >= Role::Admin && console.flow(&name).is_ok(),
        csrf: user.csrf.clone(),
        user: Some(user),
        notice: None,
        diff: text_diff(&running, &text),
        flow: name,
        version: v.version,
        author: v.author,
        note: v.note,
        text,
    })
}

/// The rollback form.
#[derive(Debug, Deserialize)]
pub(crate) struct RollbackForm {
    csrf: String,
    to: i64,
}

/// `POST /ui/flows/{name}/mapping/rollback`.
pub(crate) async fn mapping_rollback(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    form: Result<Form<RollbackForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (form, user, console) =
        match accept(&state, &headers, form, Role::Admin, "a rollback needs") {
            Ok(accepted) => accepted,
            Err(r) => return *r,
        };
    match console
        .rollback(&name, form.to, &format!("ui:{}", user.name))
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/ui/flows/{name}/mapping?notice={}",
            url_encode(&format!(
                "Rolled back: version {} ({}) runs now.",
                v.version, v.note
            ))
        ))
        .into_response(),
        Err(e) => refused(&e),
    }
}

impl Posted for FlowAction {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl Posted for MappingForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl Posted for RollbackForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
