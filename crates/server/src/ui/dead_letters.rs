//! The dead-letter pages: the list (filter by flow and error code, retry or discard one, the
//! ticked ones or every one shown), one dead letter in full (its error explained in plain
//! language with the suggested fix, every attempt, the payload, a link to the record's trace)
//! and edit-and-retry (correct the source record, then retry). Discarding asks for a
//! confirmation first; every action needs an operator, the session's CSRF token and a form
//! from this site, and is audited as `ui:<token name>`.

use super::{User, flow_name, problem, render, same_origin, url_encode};
use crate::ServerState;
use crate::admin::Role;
use crate::explain::{Explanation, Remedy, explain};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ferry_core::{DeadLetter, DeadLetterFilter};
use ferry_store::DeadSelection;
use serde::Deserialize;

/// The most dead letters one bulk action takes by id (the page shows at most 200).
const MAX_SELECTED: usize = 1000;

struct DeadRow {
    id: i64,
    flow: String,
    source: String,
    object: String,
    record_id: String,
    error_code: String,
    error_message: String,
    attempts: usize,
    failed_at: String,
}

impl DeadRow {
    fn of(d: &DeadLetter) -> Self {
        Self {
            id: d.id,
            flow: d.flow.as_str().to_owned(),
            source: d.source.to_string(),
            object: d.object.clone(),
            record_id: d.record_id.clone(),
            error_code: d.error_code.clone(),
            error_message: d.error_message.clone(),
            attempts: d.history.len(),
            failed_at: d.failed_at.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "dead_letters.html")]
struct DeadLettersPage {
    user: Option<User>,
    notice: Option<String>,
    flow_names: Vec<String>,
    flow: String,
    code: String,
    letters: Vec<DeadRow>,
    can_act: bool,
    csrf: String,
}

#[derive(Template)]
#[template(path = "dead_letters_confirm.html")]
struct ConfirmDiscardPage {
    user: Option<User>,
    notice: Option<String>,
    csrf: String,
    flow: String,
    code: String,
    letters: Vec<DeadRow>,
    back: String,
}

struct AttemptRow {
    number: i64,
    at: String,
    code: String,
    message: String,
}

/// One field of the source record, as the edit form shows it.
pub(crate) struct FieldRow {
    pub name: String,
    pub value: String,
}

/// What the detail page can offer to correct the source record.
pub(crate) struct EditForm {
    /// Why there is no form (no flows here, a Brightpearl source, the record is gone, ...).
    pub note: Option<String>,
    /// The editable fields with their current values.
    pub fields: Vec<FieldRow>,
}

#[derive(Template)]
#[template(path = "dead_letter.html")]
struct DeadLetterPage {
    user: Option<User>,
    notice: Option<String>,
    can_act: bool,
    csrf: String,
    d: DeadRow,
    operation: String,
    notices: i64,
    enqueued_at: String,
    explanation: Explanation,
    remedy: &'static str,
    attempts: Vec<AttemptRow>,
    payload: String,
    trace_href: String,
    edit: EditForm,
}

fn remedy_label(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::EditAndRetry => "Likely fix: correct the source record, then retry.",
        Remedy::Retry => "Likely fix: retry once the cause has passed.",
        Remedy::FixElsewhere => "Likely fix: change something outside the record, then retry.",
    }
}

fn store_problem(e: impl std::fmt::Display) -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("the store did not answer: {e}; nothing was changed, reload in a moment"),
    )
}

/// The dead-letter page's filter (and the notice after an action).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeadFilter {
    #[serde(default)]
    flow: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    done: String,
}

/// `GET /ui/dead-letters?flow=&code=`.
pub(crate) async fn list(
    State(state): State<ServerState>,
    headers: HeaderMap,
    filter: Result<Query<DeadFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    let Query(filter) = filter.unwrap_or_default();
    let flow = match flow_name(&filter.flow) {
        Ok(flow) => flow,
        Err(response) => return *response,
    };
    let store_filter = DeadLetterFilter {
        tenant: Some(state.tenant.clone()),
        flow,
        error_code: Some(filter.code.trim().to_owned()).filter(|c| !c.is_empty()),
        ..Default::default()
    };
    let letters = match state.store.list_dead(&store_filter, 200).await {
        Ok(list) => list,
        Err(e) => return store_problem(e),
    };
    let notice = (!filter.done.is_empty()).then(|| filter.done.clone());
    render(&DeadLettersPage {
        can_act: user.role >= Role::Operator,
        csrf: user.csrf.clone(),
        user: Some(user),
        notice,
        flow_names: state
            .routes
            .iter()
            .map(|r| r.flow.as_str().to_owned())
            .collect(),
        flow: filter.flow.trim().to_owned(),
        code: filter.code.trim().to_owned(),
        letters: letters.iter().map(DeadRow::of).collect(),
    })
}

/// A dead-letter action from the pages, read from the form's fields (ids repeat: one `id`
/// per ticked box).
#[derive(Debug, Default)]
struct Action {
    csrf: String,
    action: String,
    ids: Vec<i64>,
    flow: String,
    code: String,
    confirmed: bool,
    /// An `id` that is not a number (refused after the CSRF and role checks).
    bad_id: Option<String>,
}

impl Action {
    fn parse(fields: Vec<(String, String)>) -> Self {
        let mut action = Action::default();
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => action.csrf = value,
                "action" => action.action = value,
                "flow" => action.flow = value,
                "code" => action.code = value,
                "confirm" => action.confirmed = value == "yes",
                "id" => match value.trim().parse() {
                    Ok(id) => action.ids.push(id),
                    Err(_) => action.bad_id = Some(value),
                },
                _ => {}
            }
        }
        action
    }

    /// Where to go back to: the list with the same filter.
    fn back(&self, done: &str) -> String {
        let mut back = format!(
            "/ui/dead-letters?flow={}&code={}",
            url_encode(&self.flow),
            url_encode(&self.code)
        );
        if !done.is_empty() {
            back.push_str("&done=");
            back.push_str(&url_encode(done));
        }
        back
    }
}

/// The session's user if the form may change something: logged in, the session's CSRF token,
/// sent from this site, an operator.
pub(crate) fn operator(
    state: &ServerState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<User, Box<Response>> {
    let Some(user) = state.ui_sessions.user(headers) else {
        return Err(Box::new(Redirect::to("/ui/login").into_response()));
    };
    if !user.csrf_matches(csrf) || !same_origin(headers) {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            "the form is stale: reload the page",
        )));
    }
    if user.role < Role::Operator {
        return Err(Box::new(problem(
            StatusCode::FORBIDDEN,
            &format!(
                "{} is a {}: retrying and discarding need an operator token",
                user.name,
                user.role.as_str()
            ),
        )));
    }
    Ok(user)
}

/// `POST /ui/dead-letters/act` (operator): `retry` or `discard` the dead letters named by
/// `id` (one, or every ticked one), or `retry-all` every one the filter shows. A discard first
/// shows what it will delete and goes ahead with `confirm=yes`.
pub(crate) async fn act(
    State(state): State<ServerState>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(fields)) = form else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the form is incomplete: reload the page",
        );
    };
    let form = Action::parse(fields);
    let user = match operator(&state, &headers, &form.csrf) {
        Ok(user) => user,
        Err(response) => return *response,
    };
    if let Some(bad) = &form.bad_id {
        return problem(
            StatusCode::BAD_REQUEST,
            &format!("{bad:?} is not a dead-letter id: reload the page and tick again"),
        );
    }
    let flow = match flow_name(&form.flow) {
        Ok(flow) => flow,
        Err(response) => return *response,
    };
    let actor = format!("ui:{}", user.name);
    let verb = form
        .action
        .strip_suffix("-selected")
        .unwrap_or(&form.action);
    let selection = match verb {
        "retry-all" => DeadSelection::Filter(DeadLetterFilter {
            tenant: Some(state.tenant.clone()),
            flow,
            error_code: Some(form.code.trim().to_owned()).filter(|c| !c.is_empty()),
            ..Default::default()
        }),
        "retry" | "discard" if form.ids.is_empty() => {
            return problem(
                StatusCode::BAD_REQUEST,
                "no dead letter was selected: tick the ones to act on (or use \"Retry all shown\")",
            );
        }
        "retry" | "discard" if form.ids.len() > MAX_SELECTED => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "{} dead letters were selected; act on at most {MAX_SELECTED} at a time",
                    form.ids.len()
                ),
            );
        }
        "retry" | "discard" => DeadSelection::Ids(form.ids.clone()),
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "unknown action: use the page's buttons",
            );
        }
    };
    if verb == "discard" && !form.confirmed {
        return confirm_discard(&state, user, &form).await;
    }
    let (done, what) = if verb == "discard" {
        (
            state.store.discard_dead(&selection, &actor).await,
            "discarded",
        )
    } else {
        (state.store.retry_dead(&selection, &actor).await, "retried")
    };
    match done {
        Ok(count) => {
            Redirect::to(&form.back(&format!("{count} dead letter(s) {what}."))).into_response()
        }
        Err(e) => store_problem(e),
    }
}

/// The page that asks whether to discard the selected dead letters for good.
async fn confirm_discard(state: &ServerState, user: User, form: &Action) -> Response {
    let mut letters = Vec::with_capacity(form.ids.len());
    for id in &form.ids {
        match state.store.dead_letter(*id).await {
            Ok(Some(d)) if d.tenant == state.tenant => letters.push(DeadRow::of(&d)),
            Ok(_) => {}
            Err(e) => return store_problem(e),
        }
    }
    if letters.is_empty() {
        return Redirect::to(&form.back(
            "Nothing to discard: the selected dead letters were already retried or discarded.",
        ))
        .into_response();
    }
    render(&ConfirmDiscardPage {
        csrf: user.csrf.clone(),
        user: Some(user),
        notice: None,
        flow: form.flow.clone(),
        code: form.code.clone(),
        letters,
        back: form.back(""),
    })
}

/// The dead letter `id` of this server's tenant, or the page that says why not.
pub(crate) async fn load(state: &ServerState, id: &str) -> Result<DeadLetter, Box<Response>> {
    let Ok(number) = id.parse::<i64>() else {
        return Err(Box::new(problem(
            StatusCode::BAD_REQUEST,
            &format!("{id:?} is not a dead-letter id: pick one from the list"),
        )));
    };
    match state.store.dead_letter(number).await {
        Ok(Some(d)) if d.tenant == state.tenant => Ok(d),
        Ok(_) => Err(Box::new(problem(
            StatusCode::NOT_FOUND,
            &format!(
                "there is no dead letter {number}: it was retried, discarded or never existed; \
                 see the record's trace for what happened to it"
            ),
        ))),
        Err(e) => Err(Box::new(store_problem(e))),
    }
}

/// The notice after an edit-and-retry that could not go ahead.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DetailQuery {
    #[serde(default)]
    done: String,
}

/// `GET /ui/dead-letters/{id}`: one dead letter in full.
pub(crate) async fn detail(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<DetailQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    let dead = match load(&state, &id).await {
        Ok(d) => d,
        Err(response) => return *response,
    };
    let Query(query) = query.unwrap_or_default();
    let notice = (!query.done.is_empty()).then_some(query.done);
    let edit = edit_form(&state, &dead).await;
    detail_page(user, notice, &dead, edit)
}

pub(crate) fn detail_page(
    user: User,
    notice: Option<String>,
    dead: &DeadLetter,
    edit: EditForm,
) -> Response {
    let explanation = explain(&dead.error_code);
    render(&DeadLetterPage {
        can_act: user.role >= Role::Operator,
        csrf: user.csrf.clone(),
        user: Some(user),
        notice,
        d: DeadRow::of(dead),
        operation: format!("{:?}", dead.operation).to_lowercase(),
        notices: dead.notices,
        enqueued_at: dead.enqueued_at.to_string(),
        remedy: remedy_label(explanation.remedy),
        explanation,
        attempts: dead
            .history
            .iter()
            .map(|a| AttemptRow {
                number: a.number,
                at: a.at.to_string(),
                code: a.code.clone(),
                message: a.message.clone(),
            })
            .collect(),
        payload: serde_json::to_string_pretty(&dead.payload)
            .unwrap_or_else(|_| dead.payload.to_string()),
        trace_href: format!("/ui/trace?q={}", url_encode(&dead.record_id)),
        edit,
    })
}

/// What the detail page offers to correct the source record.
pub(crate) async fn edit_form(_state: &ServerState, _dead: &DeadLetter) -> EditForm {
    EditForm {
        note: Some(
            "This server runs no flows, so the source record cannot be read or corrected here: \
             correct it in its own system, then retry."
                .into(),
        ),
        fields: Vec::new(),
    }
}
