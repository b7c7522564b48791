//! Webhook subscriptions (`/integration-service/webhook`): the registry the account persists
//! (here), the validation Brightpearl applies on POST (`validate`) and template rendering
//! (`template`). Plain data: the HTTP layer turns [`ApiProblem`]s into the `errors` envelope and
//! `delivery` sends the rendered calls.
//!
//! Error codes: INTC-064, CMNC-404 and CMNC-010 are Brightpearl's own (reference §4.3). The
//! other INTC codes are INFERRED: Brightpearl's codes for those checks were never recorded, so
//! they sit in the same family with messages that say what to send instead.

mod template;
mod validate;

pub use template::{
    BRIGHTPEARL_VERSION, RenderedCall, TEMPLATE_VARIABLES, TemplateValues, full_event, render,
};

use super::events::Event;
use super::idset::{self, IdSet};
use super::wire;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One error entry of a failed call: the HTTP layer renders it as
/// `{"errors":[{"code","message"}]}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiProblem {
    /// HTTP status of the response.
    pub status: u16,
    /// Brightpearl's error code (`INTC-064`, `CMNC-404`, ...).
    pub code: &'static str,
    /// The message, verbatim where Brightpearl's is known.
    pub message: String,
}

impl ApiProblem {
    /// A 400 validation problem.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiProblem {
        ApiProblem {
            status: 400,
            code,
            message: message.into(),
        }
    }

    /// A 404 `CMNC-404`.
    pub fn not_found(message: impl Into<String>) -> ApiProblem {
        ApiProblem {
            status: 404,
            code: "CMNC-404",
            message: message.into(),
        }
    }
}

/// The HTTP method a webhook is called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// No body.
    Get,
    /// The rendered body template.
    Post,
    /// The rendered body template.
    Put,
    /// No body.
    Delete,
}

impl HttpMethod {
    /// The method name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether calls with this method carry the rendered body (only POST and PUT do).
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put)
    }

    fn parse(text: &str) -> Option<HttpMethod> {
        match text.trim().to_ascii_uppercase().as_str() {
            "GET" => Some(HttpMethod::Get),
            "POST" => Some(HttpMethod::Post),
            "PUT" => Some(HttpMethod::Put),
            "DELETE" => Some(HttpMethod::Delete),
            _ => None,
        }
    }
}

/// One subscription. Serialised with Brightpearl's GET keys in the recorded order, so the same
/// shape serves the API and the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Allocated by the account, never reused.
    pub id: u64,
    /// A full event, a lifecycle event or a bare resource type.
    pub subscribe_to: String,
    /// How the call is made.
    pub http_method: HttpMethod,
    /// Where the call goes; template variables are URL-encoded into it.
    pub uri_template: String,
    /// The body of POST/PUT calls; template variables are inserted as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_template: Option<String>,
    /// The `Content-Type` of POST/PUT calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Whether one call may carry an id set of several resources.
    pub id_set_accepted: bool,
    /// 0: retried only after a 503; 1: retried after any failure but a 4xx.
    pub quality_of_service: u8,
}

impl Webhook {
    /// Renders the call this webhook makes for `values`.
    pub fn render(&self, values: &TemplateValues) -> RenderedCall {
        let with_body = self.http_method.has_body();
        RenderedCall {
            method: self.http_method,
            url: render(&self.uri_template, values, true),
            body: self
                .body_template
                .as_deref()
                .filter(|_| with_body)
                .map(|template| render(template, values, false)),
            content_type: self.content_type.clone().filter(|_| with_body),
        }
    }

    /// Whether `event` is one this webhook subscribed to.
    pub fn receives(&self, event: &Event) -> bool {
        event.matches(&self.subscribe_to)
    }

    /// Template values for a call not raised by a write (simulate): taken from the subscription
    /// (`product.modified.on-hand-modified` gives type, lifecycle and specifier), the account
    /// and now; the caller overrides them with `testData`. A bare resource type defaults the
    /// lifecycle to `modified` (INFERRED).
    pub fn default_values(&self, account_code: &str, resource_id: String) -> TemplateValues {
        let mut parts = self.subscribe_to.splitn(3, '.');
        let resource_type = parts.next().unwrap_or_default().to_string();
        let lifecycle_event = parts.next().unwrap_or("modified").to_string();
        let resource_specifier = parts.next().unwrap_or_default().to_string();
        TemplateValues {
            account_code: account_code.to_string(),
            full_event: full_event(&resource_type, &lifecycle_event, &resource_specifier),
            resource_type,
            resource_id,
            lifecycle_event,
            resource_specifier,
            raised_on: wire::format_utc(wire::now_ms()),
            brightpearl_version: BRIGHTPEARL_VERSION.to_string(),
        }
    }
}

/// The account's webhooks: ids are sequential and never reused, even after a delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Webhooks {
    /// The id the next webhook gets (the largest ever given plus one).
    next_id: u64,
    /// Registered webhooks, in id order.
    hooks: Vec<Webhook>,
}

impl Webhooks {
    /// An empty registry whose first webhook gets id 1.
    pub fn new() -> Webhooks {
        Webhooks::default()
    }

    /// An empty registry whose first webhook gets `first_id` (the recorded account was at 121).
    pub fn starting_at(first_id: u64) -> Webhooks {
        Webhooks {
            next_id: first_id.max(1),
            hooks: Vec::new(),
        }
    }

    /// Validates a POST body and registers the webhook; returns its id. All problems are
    /// reported at once (an error response may carry several entries).
    pub fn create(&mut self, body: &Json) -> Result<u64, Vec<ApiProblem>> {
        let draft = validate::parse_webhook(body)?;
        let id = self
            .next_id
            .max(self.hooks.last().map_or(1, |hook| hook.id + 1))
            .max(1);
        self.next_id = id + 1;
        self.hooks.push(Webhook { id, ..draft });
        Ok(id)
    }

    /// The webhooks named by `ids`, in id order; `*` gives all of them. None found is 404
    /// `CMNC-404 "No webhooks available in ID Set <ids>"`, the id set written as Brightpearl
    /// formats id sets.
    pub fn get(&self, ids: &IdSet) -> Result<Vec<&Webhook>, ApiProblem> {
        let found: Vec<&Webhook> = self.hooks.iter().filter(|h| ids.contains(h.id)).collect();
        if found.is_empty() && !matches!(ids, IdSet::All) {
            return Err(ApiProblem::not_found(format!(
                "No webhooks available in ID Set {}",
                idset::format(ids.ids().iter().copied())
            )));
        }
        Ok(found)
    }

    /// Removes webhook `id`; unknown is 404 `CMNC-404 "Cannot find webhook: <id>"`.
    pub fn delete(&mut self, id: u64) -> Result<Webhook, ApiProblem> {
        match self.hooks.iter().position(|hook| hook.id == id) {
            Some(at) => Ok(self.hooks.remove(at)),
            None => Err(ApiProblem::not_found(format!("Cannot find webhook: {id}"))),
        }
    }

    /// Every webhook, in id order (GET without an id set lists them all, whoever made them).
    pub fn all(&self) -> &[Webhook] {
        &self.hooks
    }

    /// The webhook with `id`.
    pub fn find(&self, id: u64) -> Option<&Webhook> {
        self.hooks.iter().find(|hook| hook.id == id)
    }

    /// The webhooks that receive `event`.
    pub fn matching<'a>(&'a self, event: &'a Event) -> impl Iterator<Item = &'a Webhook> + 'a {
        self.hooks.iter().filter(move |hook| hook.receives(event))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::brightpearl::events::Lifecycle;
    use serde_json::json;

    fn recorded_body() -> Json {
        json!({"subscribeTo":"goods-in-note.created","httpMethod":"POST",
            "uriTemplate":"https://example.com/endpoint/to/receive/webhooks",
            "contentType":"application/json","idSetAccepted":true,"qualityOfService":1,
            "bodyTemplate":"{ \"id\": \"${resource-id}\", \"fullEvent\": \"${full-event}\" }"})
    }

    #[test]
    fn ids_are_sequential_and_never_reused() {
        let mut hooks = Webhooks::starting_at(121);
        assert_eq!(hooks.create(&recorded_body()).unwrap(), 121);
        assert_eq!(hooks.create(&recorded_body()).unwrap(), 122);
        hooks.delete(122).unwrap();
        assert_eq!(hooks.create(&recorded_body()).unwrap(), 123);
        let restored: Webhooks =
            serde_json::from_value(serde_json::to_value(&hooks).unwrap()).unwrap();
        assert_eq!(restored, hooks);
        let mut restored = restored;
        restored.delete(123).unwrap();
        assert_eq!(restored.create(&recorded_body()).unwrap(), 124);
    }

    #[test]
    fn get_and_delete_answer_like_brightpearl() {
        let mut hooks = Webhooks::new();
        let id = hooks.create(&recorded_body()).unwrap();
        let all = IdSet::parse("*", true).unwrap();
        assert_eq!(hooks.get(&all).unwrap().len(), 1);
        let some = IdSet::parse(&format!("{id},99999"), false).unwrap();
        assert_eq!(hooks.get(&some).unwrap()[0].id, id);
        let missing = hooks
            .get(&IdSet::parse("99999", false).unwrap())
            .unwrap_err();
        assert_eq!(
            (missing.status, missing.code, missing.message.as_str()),
            (404, "CMNC-404", "No webhooks available in ID Set 99999")
        );
        let gone = hooks.delete(99999).unwrap_err();
        assert_eq!(
            (gone.status, gone.code, gone.message.as_str()),
            (404, "CMNC-404", "Cannot find webhook: 99999")
        );
        assert_eq!(hooks.delete(id).unwrap().id, id);
        assert!(hooks.get(&all).unwrap().is_empty());
    }

    #[test]
    fn matching_follows_the_subscription() {
        let mut hooks = Webhooks::new();
        let mut add = |to: &str| {
            let mut body = recorded_body();
            body["subscribeTo"] = json!(to);
            hooks.create(&body).unwrap()
        };
        let product = add("product");
        let modified = add("product.modified");
        let on_hand = add("product.modified.on-hand-modified");
        let _order = add("order.modified");
        let event = Event::new("product", Lifecycle::Modified, 1, 0);
        let ids: Vec<u64> = hooks.matching(&event).map(|h| h.id).collect();
        assert_eq!(ids, [product, modified]);
        let event = Event::specific("product", Lifecycle::Modified, "on-hand-modified", 1, 0);
        let ids: Vec<u64> = hooks.matching(&event).map(|h| h.id).collect();
        assert_eq!(ids, [product, modified, on_hand]);
    }

    #[test]
    fn simulate_defaults_come_from_the_subscription() {
        let mut hooks = Webhooks::new();
        let mut body = recorded_body();
        body["subscribeTo"] = json!("product.modified.on-hand-modified");
        let id = hooks.create(&body).unwrap();
        let values = hooks.find(id).unwrap().default_values("acme", "7".into());
        assert_eq!(values.full_event, "product.modified.on-hand-modified");
        assert_eq!(values.resource_specifier, "on-hand-modified");
        assert_eq!(values.account_code, "acme");
        assert!(values.raised_on.ends_with('Z'));
    }
}
