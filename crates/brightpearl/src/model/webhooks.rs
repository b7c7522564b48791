//! Webhook subscriptions (`/integration-service/webhook`) and the thin notice Brightpearl
//! delivers: the rendered `bodyTemplate`, ids only.

use super::common::Stamp;
use serde::{Deserialize, Serialize};

/// A subscription as GET `/integration-service/webhook[/{ids}]` lists it (every integration's
/// subscriptions on the account, so match on both event and URI).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// The subscription id.
    pub id: u64,
    /// The event (`product.modified.on-hand-modified`), lifecycle event or resource type.
    #[serde(default)]
    pub subscribe_to: String,
    /// GET, POST, PUT or DELETE.
    #[serde(default)]
    pub http_method: String,
    /// Where it calls, with template variables.
    #[serde(default)]
    pub uri_template: String,
    /// The body, with template variables (POST/PUT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_template: Option<String>,
    /// Content type of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Whether one call carries an id set.
    #[serde(default)]
    pub id_set_accepted: bool,
    /// 0 at-most-once, 1 at-least-once.
    #[serde(default)]
    pub quality_of_service: u8,
}

/// POST `/integration-service/webhook` → the subscription id (400 INTC-064 for an unknown
/// event).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewWebhook {
    /// The event.
    pub subscribe_to: String,
    /// GET, POST, PUT or DELETE.
    pub http_method: String,
    /// Where to call (Ferry puts its intake secret in the query).
    pub uri_template: String,
    /// Required for POST/PUT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_template: Option<String>,
    /// Required for POST/PUT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Deliver id sets (recommended).
    pub id_set_accepted: bool,
    /// 1 = at-least-once (recommended).
    pub quality_of_service: u8,
}

impl NewWebhook {
    /// The body template that renders every variable into [`WebhookNotice`]'s shape.
    pub const STANDARD_BODY: &'static str = "{ \"accountCode\": \"${account-code}\", \
        \"resourceType\": \"${resource-type}\", \"id\": \"${resource-id}\", \
        \"lifecycleEvent\": \"${lifecycle-event}\", \"fullEvent\": \"${full-event}\", \
        \"raisedOn\": \"${raised-on}\", \"brightpearlVersion\": \"${brightpearl-version}\" }";

    /// A POST subscription with the standard JSON body, id sets and at-least-once delivery.
    pub fn standard(event: impl Into<String>, uri: impl Into<String>) -> NewWebhook {
        NewWebhook {
            subscribe_to: event.into(),
            http_method: "POST".into(),
            uri_template: uri.into(),
            body_template: Some(Self::STANDARD_BODY.into()),
            content_type: Some("application/json".into()),
            id_set_accepted: true,
            quality_of_service: 1,
        }
    }
}

/// What a subscription with [`NewWebhook::STANDARD_BODY`] delivers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookNotice {
    /// The account.
    #[serde(default)]
    pub account_code: String,
    /// `order`, `product`, `goods-out-note` ….
    #[serde(default)]
    pub resource_type: String,
    /// An id set (`"1-5,99"`) when `idSetAccepted`, else one id.
    #[serde(default)]
    pub id: String,
    /// `created`, `modified`, `destroyed`.
    #[serde(default)]
    pub lifecycle_event: String,
    /// `order.modified.order-status`.
    #[serde(default)]
    pub full_event: String,
    /// When it was raised (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised_on: Option<Stamp>,
    /// Brightpearl's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightpearl_version: Option<String>,
}
