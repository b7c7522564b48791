//! The Brightpearl webhook intake: `POST /hooks/brightpearl/{token}`.
//!
//! A call goes through, in this order (each step answers before the next runs):
//!
//! 1. **Token** — the path segment is compared with the configured token in constant time:
//!    both are hashed with SHA-256 and the digests compared with `subtle`'s `ct_eq`. Hashing
//!    first makes the comparison's length fixed, so neither the token's length nor the
//!    position of the first wrong byte shows in the response time. A wrong token (or an
//!    intake with no token configured) answers 404 with no body, exactly like a path that does
//!    not exist, whatever the method or body: nothing is revealed, not even that the route
//!    exists. The token check comes before the body is read.
//! 2. **Method** — only POST (405 otherwise; the caller knows the token by now).
//! 3. **Size** — a declared `Content-Length` above the limit is refused before reading; a body
//!    that grows past it while streaming is cut off: both 413.
//! 4. **Parse** — strict JSON of the standard body ([`NewWebhook::STANDARD_BODY`]):
//!    `accountCode`, `resourceType`, `id`, `lifecycleEvent` and `fullEvent` must be present as
//!    text (`raisedOn` and `brightpearlVersion` may be absent); fields Ferry does not know are
//!    ignored. The lifecycle must be `created`, `modified` or `destroyed`. The id set is read
//!    with the client's parser and may expand to at most [`MAX_IDS_PER_NOTICE`] ids (413
//!    beyond). Every refusal is a 400 whose JSON names the field.
//! 5. **Route** — every flow whose route takes this resource and event (see [`routes_for`]).
//!    No flow wants it: 200 with nothing journaled (counted as `unrouted`).
//! 6. **Journal** — one [`Journal::append`] with one notice per id and object; 200 only after
//!    it returned. A store error or timeout answers 503, so Brightpearl delivers again.
//!
//! [`NewWebhook::STANDARD_BODY`]: ferry_brightpearl::model::webhooks::NewWebhook::STANDARD_BODY
//! [`Journal::append`]: ferry_store::Journal::append

use crate::{MAX_IDS_PER_NOTICE, ServerState};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::common::Stamp;
use ferry_brightpearl::model::webhooks::WebhookNotice;
use ferry_core::{ChangeNotice, FlowName, Operation, System, TenantId, Timestamp};
use ferry_engine::flows::runtime::Route;
use ferry_store::{AppendBatch, RoutedNotice};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The Brightpearl event whose notices also feed `product-availability` routes.
pub const ON_HAND_MODIFIED: &str = "product.modified.on-hand-modified";

/// Whether `given` is the intake token, compared in constant time over SHA-256 digests (see
/// the module doc). An empty configured token matches nothing.
pub fn token_matches(given: &str, expected: &SecretString) -> bool {
    let expected = expected.expose_secret();
    if expected.is_empty() {
        return false;
    }
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    given.ct_eq(&expected).into()
}

/// A refused call: the status and the JSON that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400, 405, 413 or 503.
    pub status: StatusCode,
    /// The metric outcome.
    pub outcome: &'static str,
    /// Stable code (`BAD_JSON`, `MISSING_FIELD`, `BAD_FIELD`, `BAD_ID_SET`, `TOO_MANY_IDS`,
    /// `BODY_TOO_LARGE`, `WRONG_ACCOUNT`, `STORE_UNAVAILABLE`, `METHOD_NOT_ALLOWED`).
    pub code: &'static str,
    /// The field at fault, when one is.
    pub field: Option<&'static str>,
    /// What is wrong and what to do.
    pub message: String,
}

impl Refusal {
    fn bad(code: &'static str, field: Option<&'static str>, message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            outcome: "bad_request",
            code,
            field,
            message,
        }
    }

    fn too_large(code: &'static str, field: Option<&'static str>, message: String) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            outcome: "too_large",
            code,
            field,
            message,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "field": self.field, "message": self.message}});
        (self.status, axum::Json(body)).into_response()
    }
}

/// A webhook body that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNotice {
    /// The body as Brightpearl sent it.
    pub notice: WebhookNotice,
    /// The id set, parsed.
    pub ids: IdSet,
    /// What happened.
    pub operation: Operation,
}

/// A text cut to `max` characters for an error message (bodies are hostile input).
fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Reads and checks a webhook body (steps 4 of the module doc). Pure.
pub fn parse_notice(body: &[u8]) -> Result<ParsedNotice, Refusal> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Refusal::bad(
            "BAD_JSON",
            None,
            format!(
                "the webhook body is not valid JSON ({e}); Brightpearl subscriptions made by \
                 Ferry send the standard JSON body — re-run `ferry brightpearl webhooks sync`"
            ),
        )
    })?;
    let Value::Object(object) = &value else {
        return Err(Refusal::bad(
            "BAD_JSON",
            None,
            "the webhook body must be a JSON object with accountCode, resourceType, id, \
             lifecycleEvent and fullEvent"
                .into(),
        ));
    };
    let text = |field: &'static str, required: bool| -> Result<Option<&str>, Refusal> {
        match object.get(field) {
            Some(Value::String(s)) if required && s.trim().is_empty() => Err(Refusal::bad(
                "BAD_FIELD",
                Some(field),
                format!(
                    "the webhook body's {field} is empty; it must name the {}",
                    what(field)
                ),
            )),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            None | Some(Value::Null) if required => Err(Refusal::bad(
                "MISSING_FIELD",
                Some(field),
                format!(
                    "the webhook body has no {field} (the {}); the subscription's body template \
                     must be Ferry's standard one — re-run `ferry brightpearl webhooks sync`",
                    what(field)
                ),
            )),
            None | Some(Value::Null) => Ok(None),
            Some(other) => Err(Refusal::bad(
                "BAD_FIELD",
                Some(field),
                format!(
                    "the webhook body's {field} must be text, not {}",
                    kind_of(other)
                ),
            )),
        }
    };
    let account_code = text("accountCode", true)?.unwrap_or_default();
    let resource_type = text("resourceType", true)?.unwrap_or_default();
    let id = text("id", true)?.unwrap_or_default();
    let lifecycle = text("lifecycleEvent", true)?.unwrap_or_default();
    let full_event = text("fullEvent", true)?.unwrap_or_default();
    let raised_on = text("raisedOn", false)?;
    let version = text("brightpearlVersion", false)?;
    let operation = match lifecycle {
        "created" => Operation::Create,
        "modified" => Operation::Update,
        "destroyed" => Operation::Delete,
        other => {
            return Err(Refusal::bad(
                "BAD_FIELD",
                Some("lifecycleEvent"),
                format!(
                    "the webhook body's lifecycleEvent {:?} is not one of created, modified, \
                     destroyed",
                    cut(other, 40)
                ),
            ));
        }
    };
    let ids = IdSet::parse(id).map_err(|e| {
        Refusal::bad(
            "BAD_ID_SET",
            Some("id"),
            format!("the webhook body's id is not an id set: {e}"),
        )
    })?;
    if ids.len() > MAX_IDS_PER_NOTICE {
        return Err(Refusal::too_large(
            "TOO_MANY_IDS",
            Some("id"),
            format!(
                "the webhook body's id set names {} ids, more than the {MAX_IDS_PER_NOTICE} one \
                 notice may carry; nothing was journaled — the polling safety net and \
                 reconciliation pick such bulk changes up",
                ids.len()
            ),
        ));
    }
    let notice = WebhookNotice {
        account_code: account_code.to_owned(),
        resource_type: resource_type.to_owned(),
        id: id.to_owned(),
        lifecycle_event: lifecycle.to_owned(),
        full_event: full_event.to_owned(),
        raised_on: raised_on.map(Stamp::parse),
        brightpearl_version: version.map(str::to_owned),
    };
    Ok(ParsedNotice {
        notice,
        ids,
        operation,
    })
}

fn what(field: &str) -> &'static str {
    match field {
        "accountCode" => "Brightpearl account",
        "resourceType" => "resource type, e.g. product",
        "id" => "id set of the changed records, e.g. 1-5,9",
        "lifecycleEvent" => "lifecycle event: created, modified or destroyed",
        "fullEvent" => "full event, e.g. product.modified.on-hand-modified",
        "raisedOn" => "time the event was raised",
        _ => "value",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The flows a Brightpearl notice goes to, grouped by the object their notices carry, in route
/// order. A route takes the notice when its system is Brightpearl, its object is the
/// `resourceType` — or it is `sales-order`/`sales-credit` and the resource an `order`, or it
/// is `product-availability` and the event is
/// [`ON_HAND_MODIFIED`] (or a refinement of it) on a `product` — and its event filter accepts
/// `fullEvent` ([`Route::accepts`]: prefixes at a dot, empty = all).
pub fn routes_for(
    routes: &[Route],
    resource_type: &str,
    full_event: &str,
) -> Vec<(String, Vec<FlowName>)> {
    let on_hand = full_event == ON_HAND_MODIFIED
        || full_event
            .strip_prefix(ON_HAND_MODIFIED)
            .is_some_and(|rest| rest.starts_with('.'));
    let mut groups: Vec<(String, Vec<FlowName>)> = Vec::new();
    for route in routes {
        if route.system != System::Brightpearl || !route.accepts(full_event) {
            continue;
        }
        // Sales orders and sales credits are both `order` resources (`sales-order.created` fires
        // for orders made through the sales-order resource): each flow reads the ids and skips
        // the other kind.
        let order_resource = matches!(resource_type, "order" | "sales-order" | "sales-credit")
            && matches!(route.object.as_str(), "sales-order" | "sales-credit");
        let takes = route.object == resource_type
            || order_resource
            || (resource_type == "product" && route.object == "product-availability" && on_hand);
        if !takes {
            continue;
        }
        match groups
            .iter_mut()
            .find(|(object, _)| *object == route.object)
        {
            Some((_, flows)) => {
                if !flows.contains(&route.flow) {
                    flows.push(route.flow.clone());
                }
            }
            None => groups.push((route.object.clone(), vec![route.flow.clone()])),
        }
    }
    groups
}

/// The journal batch for a parsed notice: one notice per id and routed object.
pub fn batch_for(
    tenant: &TenantId,
    parsed: &ParsedNotice,
    groups: &[(String, Vec<FlowName>)],
) -> AppendBatch {
    let observed_at = parsed
        .notice
        .raised_on
        .as_ref()
        .and_then(Stamp::utc)
        .map_or_else(Timestamp::now, Timestamp::from_datetime);
    let payload = json!({
        "captured_by": "webhook",
        "event": parsed.notice.full_event,
        "raised_on": parsed.notice.raised_on.as_ref().map(Stamp::raw),
    });
    let mut notices = Vec::new();
    for id in parsed.ids.iter() {
        for (object, flows) in groups {
            notices.push(RoutedNotice {
                notice: ChangeNotice {
                    tenant: tenant.clone(),
                    source: System::Brightpearl,
                    object: object.clone(),
                    record_id: id.to_string(),
                    operation: parsed.operation,
                    observed_at,
                    origin: None,
                    payload: payload.clone(),
                },
                flows: flows.clone(),
            });
        }
    }
    AppendBatch {
        notices,
        checkpoints: Vec::new(),
    }
}

/// 404 with no body: what any unknown path answers.
fn not_found(state: &ServerState) -> Response {
    state.intake_counts.outcome("not_found");
    StatusCode::NOT_FOUND.into_response()
}

/// `POST /hooks/brightpearl/{token}`.
pub(crate) async fn brightpearl(
    State(state): State<ServerState>,
    token: Result<Path<String>, PathRejection>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(Path(token)) = token else {
        return not_found(&state);
    };
    if !token_matches(&token, &state.intake_token) {
        return not_found(&state);
    }
    match accept(&state, &method, &headers, body).await {
        Ok(response) => response,
        Err(refusal) => {
            state.intake_counts.outcome(refusal.outcome);
            tracing::warn!(
                status = refusal.status.as_u16(),
                code = refusal.code,
                field = refusal.field,
                message = %refusal.message,
                "webhook refused"
            );
            refusal.into_response()
        }
    }
}

/// Steps 2–6 of the module doc, after the token matched.
async fn accept(
    state: &ServerState,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    if method != Method::POST {
        return Err(Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            outcome: "method_not_allowed",
            code: "METHOD_NOT_ALLOWED",
            field: None,
            message: format!("the intake takes POST, not {method}"),
        });
    }
    let limit = state.max_body_bytes;
    let too_large = || {
        Refusal::too_large(
            "BODY_TOO_LARGE",
            None,
            format!(
                "the webhook body is larger than {limit} bytes (server.max_body_bytes); \
                 Brightpearl's notices are a few hundred bytes"
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(too_large());
        }
        Err(error) => {
            return Err(Refusal::bad(
                "BAD_BODY",
                None,
                format!("the webhook body could not be read: {error}"),
            ));
        }
    };
    let parsed = parse_notice(&bytes)?;
    if let Some(account) = &state.account
        && !parsed.notice.account_code.eq_ignore_ascii_case(account)
    {
        return Err(Refusal::bad(
            "WRONG_ACCOUNT",
            Some("accountCode"),
            format!(
                "the webhook's accountCode {:?} is not the Brightpearl account this Ferry \
                 serves ({account:?}); remove the subscription from the other account or point \
                 it at its own Ferry",
                cut(&parsed.notice.account_code, 60)
            ),
        ));
    }
    let groups = routes_for(
        &state.routes,
        &parsed.notice.resource_type,
        &parsed.notice.full_event,
    );
    if groups.is_empty() {
        state.intake_counts.outcome("unrouted");
        tracing::debug!(
            event = %parsed.notice.full_event,
            "webhook for no enabled flow: acknowledged, nothing journaled"
        );
        return Ok(axum::Json(json!({"journaled": 0, "flows": []})).into_response());
    }
    let batch = batch_for(&state.tenant, &parsed, &groups);
    let count = batch.notices.len();
    let appended = tokio::time::timeout(state.append_timeout, state.store.append(batch)).await;
    let unavailable = |reason: String| Refusal {
        status: StatusCode::SERVICE_UNAVAILABLE,
        outcome: "unavailable",
        code: "STORE_UNAVAILABLE",
        field: None,
        message: format!(
            "the notice could not be journaled ({reason}); nothing was accepted — deliver it \
             again later"
        ),
    };
    match appended {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => return Err(unavailable(error.to_string())),
        Err(_) => {
            return Err(unavailable(format!(
                "the store did not answer within {} s",
                state.append_timeout.as_secs()
            )));
        }
    }
    state.intake_counts.outcome("journaled");
    let ids = parsed.ids.len();
    let mut flows = Vec::new();
    for (_, group) in &groups {
        for flow in group {
            state.intake_counts.notices(flow.as_str(), ids);
            flows.push(flow.as_str().to_owned());
        }
    }
    tracing::debug!(event = %parsed.notice.full_event, notices = count, "webhook journaled");
    Ok(axum::Json(json!({"journaled": count, "flows": flows})).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn route(flow: &str, object: &str, events: &[&str]) -> Route {
        Route {
            flow: FlowName::new(flow).unwrap(),
            system: System::Brightpearl,
            object: object.into(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            poll_seconds: 0,
        }
    }

    #[test]
    fn tokens_compare_whole() {
        let token = SecretString::from("s3cret-token".to_owned());
        assert!(token_matches("s3cret-token", &token));
        for wrong in [
            "",
            "s3cret",
            "s3cret-token ",
            "S3CRET-TOKEN",
            "s3cret-tokeN",
        ] {
            assert!(!token_matches(wrong, &token), "{wrong:?}");
        }
        assert!(!token_matches("", &SecretString::from(String::new())));
    }

    #[test]
    fn products_feed_availability_routes_only_on_hand_changes() {
        let routes = vec![
            route("products_to_salesforce", "product", &[]),
            route(
                "inventory_to_salesforce",
                "product-availability",
                &[ON_HAND_MODIFIED],
            ),
            route("customers_to_salesforce", "contact", &[]),
            route("created_only", "product", &["product.created"]),
        ];
        let names = |groups: Vec<(String, Vec<FlowName>)>| -> Vec<(String, Vec<String>)> {
            groups
                .into_iter()
                .map(|(o, f)| (o, f.iter().map(|f| f.as_str().to_owned()).collect()))
                .collect()
        };
        assert_eq!(
            names(routes_for(&routes, "product", ON_HAND_MODIFIED)),
            vec![
                (
                    "product".to_owned(),
                    vec!["products_to_salesforce".to_owned()]
                ),
                (
                    "product-availability".to_owned(),
                    vec!["inventory_to_salesforce".to_owned()]
                ),
            ]
        );
        assert_eq!(
            names(routes_for(&routes, "product", "product.created")),
            vec![(
                "product".to_owned(),
                vec![
                    "products_to_salesforce".to_owned(),
                    "created_only".to_owned()
                ]
            )]
        );
        assert!(routes_for(&routes, "order", "order.modified").is_empty());
        // `product.modified.on-hand-modifiedX` is not a refinement of the event.
        assert_eq!(
            routes_for(&routes, "product", "product.modified.on-hand-modifiedX").len(),
            1
        );
    }

    #[test]
    fn bodies_are_refused_naming_the_field() {
        let ok = br#"{"accountCode":"shop","resourceType":"product","id":"1-3,9","lifecycleEvent":"modified","fullEvent":"product.modified","raisedOn":"2026-01-02T03:04:05.000Z","brightpearlVersion":"7"}"#;
        let parsed = parse_notice(ok).unwrap();
        assert_eq!(parsed.ids.iter().collect::<Vec<_>>(), vec![1, 2, 3, 9]);
        assert_eq!(parsed.operation, Operation::Update);
        for (body, code, field) in [
            (&b"not json"[..], "BAD_JSON", None),
            (b"[1]", "BAD_JSON", None),
            (
                br#"{"accountCode":"s","resourceType":"product","lifecycleEvent":"modified","fullEvent":"x"}"#,
                "MISSING_FIELD",
                Some("id"),
            ),
            (
                br#"{"accountCode":"s","resourceType":"product","id":5,"lifecycleEvent":"modified","fullEvent":"x"}"#,
                "BAD_FIELD",
                Some("id"),
            ),
            (
                br#"{"accountCode":"s","resourceType":"product","id":"5-1","lifecycleEvent":"modified","fullEvent":"x"}"#,
                "BAD_ID_SET",
                Some("id"),
            ),
            (
                br#"{"accountCode":"s","resourceType":"product","id":"5","lifecycleEvent":"exploded","fullEvent":"x"}"#,
                "BAD_FIELD",
                Some("lifecycleEvent"),
            ),
            (
                br#"{"accountCode":"s","resourceType":"","id":"5","lifecycleEvent":"created","fullEvent":"x"}"#,
                "BAD_FIELD",
                Some("resourceType"),
            ),
            (
                br#"{"accountCode":"s","resourceType":"product","id":"1-20000","lifecycleEvent":"created","fullEvent":"x"}"#,
                "TOO_MANY_IDS",
                Some("id"),
            ),
        ] {
            let refusal = parse_notice(body).unwrap_err();
            assert_eq!(
                (refusal.code, refusal.field),
                (code, field),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
