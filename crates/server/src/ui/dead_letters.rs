//! The dead-letter pages: the list (filter by flow and error code, retry or discard one, the
//! ticked ones or every one shown), one dead letter in full (its error explained in plain
//! language with the suggested fix, every attempt, the payload, a link to the record's trace)
//! and edit-and-retry (correct the source record, then retry). Discarding asks for a
//! confirmation first; every action needs an operator, the session's CSRF token and a form
//! from this site, and is audited as `ui:<token name>`.

use super::{User, acting, flow_name, problem, render, url_encode};
use crate::ServerState;
use crate::admin::Role;
use crate::admin::edit_retry;
use crate::explain::{Explanation, Remedy, explain};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ferry_core::{DeadLetter, DeadLetterFilter};
use ferry_store::DeadSelection;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The most dead letters the list shows (the newest).
const SHOWN: u32 = 200;

/// The most dead letters one bulk action takes by id.
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
    /// Whether the list stops at [`SHOWN`] (older ones match too).
    full: bool,
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
    let letters = match state.store.list_dead(&store_filter, SHOWN).await {
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
        full: letters.len() >= SHOWN as usize,
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
    acting(
        state,
        headers,
        csrf,
        Role::Operator,
        "retrying and discarding need",
    )
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

/// What the detail page offers to correct the source record: its editable fields with their
/// current values, or why there are none.
pub(crate) async fn edit_form(state: &ServerState, dead: &DeadLetter) -> EditForm {
    let note = |text: String| EditForm {
        note: Some(text),
        fields: Vec::new(),
    };
    let Some(console) = &state.console else {
        return note(edit_retry::no_flows(dead).message);
    };
    let flow = dead.flow.as_str();
    let (system, object, record) = (&dead.source, &dead.object, &dead.record_id);
    let editable = match console.editable_fields(flow) {
        Ok(fields) => fields,
        Err(e) => {
            return note(format!(
                "{}: correct {object} {record} in {system}, then retry.",
                e.message
            ));
        }
    };
    if editable.is_empty() {
        return note(format!(
            "Flow {flow} reads {system} {object} records, which Ferry does not edit: correct \
             {object} {record} in {system}, then retry it here."
        ));
    }
    match console.source_record(flow, record).await {
        Ok(Some(current)) => EditForm {
            note: None,
            fields: editable
                .into_iter()
                .map(|name| FieldRow {
                    value: text_of(current.get(&name)),
                    name,
                })
                .collect(),
        },
        Ok(None) => note(format!(
            "{system} {object} {record} no longer exists: there is nothing to correct; discard \
             this dead letter."
        )),
        Err(e) => note(format!(
            "{}. Reload the page to try again.",
            e.message.trim_end_matches('.')
        )),
    }
}

/// A field's value as the form shows it (empty for null).
fn text_of(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The form's text for `name` as the value to write: the kind of the current value decides
/// (a number stays a number, true/false a boolean); an emptied box clears the field.
fn value_of(name: &str, text: &str, current: Option<&Value>) -> Result<Value, String> {
    let trimmed = text.trim();
    match current {
        Some(Value::Number(_)) if trimmed.is_empty() => Ok(Value::Null),
        Some(Value::Number(_)) => trimmed
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| trimmed.parse::<f64>().map(Value::from))
            .map_err(|_| format!("field {name} takes a number; {text:?} is not one")),
        Some(Value::Bool(_)) => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("field {name} takes true or false, not {text:?}")),
        },
        Some(Value::String(old)) if text.is_empty() && old.is_empty() => Ok(Value::from("")),
        _ if text.is_empty() => Ok(Value::Null),
        _ => Ok(Value::from(text)),
    }
}

/// `POST /ui/dead-letters/{id}/edit` (operator): writes the changed fields (`field.<name>`) to
/// the source record, retries the dead letter and goes back to the list with a notice; a
/// refusal shows the page again with the values as typed and the reason.
pub(crate) async fn edit(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the form is incomplete: reload the page",
        );
    };
    let csrf = form
        .iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let user = match operator(&state, &headers, csrf) {
        Ok(user) => user,
        Err(response) => return *response,
    };
    let dead = match load(&state, &id).await {
        Ok(d) => d,
        Err(response) => return *response,
    };
    let typed: Vec<(String, String)> = form
        .into_iter()
        .filter_map(|(name, value)| Some((name.strip_prefix("field.")?.to_owned(), value)))
        .collect();
    let refused = |user: User, status: StatusCode, message: String| {
        let edit = EditForm {
            note: None,
            fields: typed
                .iter()
                .map(|(name, value)| FieldRow {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
        };
        let mut page = detail_page(user, Some(message), &dead, edit);
        *page.status_mut() = status;
        page
    };
    let Some(console) = &state.console else {
        let message = edit_retry::no_flows(&dead).message;
        return refused(user, StatusCode::SERVICE_UNAVAILABLE, message);
    };
    // The kinds of the current values decide how the typed text is read.
    let current = match console
        .source_record(dead.flow.as_str(), &dead.record_id)
        .await
    {
        Ok(record) => record.unwrap_or(Value::Null),
        Err(e) => return refused(user, StatusCode::SERVICE_UNAVAILABLE, e.message),
    };
    let mut fields = Map::new();
    for (name, text) in &typed {
        match value_of(name, text, current.get(name)) {
            Ok(value) => {
                fields.insert(name.clone(), value);
            }
            Err(message) => {
                let message = format!(
                    "{} {} {}: {message}. Correct it and save again.",
                    dead.source, dead.object, dead.record_id
                );
                return refused(user, StatusCode::UNPROCESSABLE_ENTITY, message);
            }
        }
    }
    let actor = format!("ui:{}", user.name);
    match edit_retry::edit_and_retry(&state, &dead, fields, &actor).await {
        Ok(edited) => {
            let done = format!(
                "Corrected {} of {} {} {} and retried its dead letter; follow it in the trace.",
                edited.changed.join(", "),
                dead.source,
                dead.object,
                dead.record_id
            );
            let back = format!(
                "/ui/dead-letters?flow={}&done={}",
                url_encode(dead.flow.as_str()),
                url_encode(&done)
            );
            Redirect::to(&back).into_response()
        }
        Err(e) => refused(
            user,
            e.status,
            format!("Not saved, not retried: {}", e.message),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_text_keeps_the_kind_of_the_current_value() {
        let number = json!(3);
        assert_eq!(value_of("Qty", " 4 ", Some(&number)), Ok(json!(4)));
        assert_eq!(value_of("Qty", "4.5", Some(&number)), Ok(json!(4.5)));
        assert_eq!(value_of("Qty", "", Some(&number)), Ok(Value::Null));
        assert_eq!(
            value_of("Qty", "four", Some(&number)),
            Err("field Qty takes a number; \"four\" is not one".into())
        );
        let flag = json!(false);
        assert_eq!(value_of("Active", "TRUE", Some(&flag)), Ok(json!(true)));
        assert!(value_of("Active", "yes", Some(&flag)).is_err());
        let text = json!("ann@");
        assert_eq!(
            value_of("Email", "ann@example.com", Some(&text)),
            Ok(json!("ann@example.com"))
        );
        assert_eq!(value_of("Email", "", Some(&text)), Ok(Value::Null));
        assert_eq!(value_of("Email", "", Some(&json!(""))), Ok(json!("")));
        assert_eq!(value_of("Phone", "", None), Ok(Value::Null));
        assert_eq!(value_of("Phone", " 12 ", None), Ok(json!(" 12 ")));
    }

    fn a_dead_letter() -> DeadLetter {
        DeadLetter {
            id: 7,
            tenant: ferry_core::TenantId::default_tenant(),
            flow: ferry_core::FlowName::new("contacts_to_brightpearl").unwrap(),
            source: ferry_core::System::Salesforce,
            object: "Contact".into(),
            record_id: "003000000000042AAA".into(),
            operation: ferry_core::Operation::Update,
            journal_id: 1,
            notices: 1,
            payload: json!({"Email": "ann@example"}),
            error_code: "BP_CONC-003".into(),
            error_message: "Email is not a valid email address".into(),
            history: Vec::new(),
            enqueued_at: ferry_core::Timestamp::now(),
            failed_at: ferry_core::Timestamp::now(),
        }
    }

    async fn body_of(response: Response) -> String {
        use http_body_util::BodyExt;
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_edit_form_shows_the_current_values_to_an_operator_only() {
        let fields = || EditForm {
            note: None,
            fields: vec![
                FieldRow {
                    name: "Email".into(),
                    value: "ann@example".into(),
                },
                FieldRow {
                    name: "Title".into(),
                    value: "\"Chief\" <b>".into(),
                },
            ],
        };
        let user = |role| User {
            name: "otto".into(),
            role,
            csrf: "c".repeat(64),
        };
        let page = body_of(detail_page(
            user(Role::Operator),
            None,
            &a_dead_letter(),
            fields(),
        ))
        .await;
        assert!(
            page.contains("action=\"/ui/dead-letters/7/edit\""),
            "{page}"
        );
        assert!(
            page.contains("name=\"field.Email\" value=\"ann@example\""),
            "{page}"
        );
        assert!(!page.contains("<b>\""), "values are escaped: {page}");
        assert!(page.contains("Save in salesforce and retry"), "{page}");
        let page = body_of(detail_page(
            user(Role::Viewer),
            None,
            &a_dead_letter(),
            fields(),
        ))
        .await;
        assert!(!page.contains("/edit\""), "no form for a viewer: {page}");
        assert!(page.contains("<dd>ann@example</dd>"), "{page}");
        assert!(page.contains("needs an operator token"));
    }

    #[test]
    fn values_show_as_text_and_null_as_an_empty_box() {
        assert_eq!(text_of(None), "");
        assert_eq!(text_of(Some(&Value::Null)), "");
        assert_eq!(text_of(Some(&json!("x"))), "x");
        assert_eq!(text_of(Some(&json!(2.5))), "2.5");
        assert_eq!(text_of(Some(&json!(true))), "true");
    }
}
