//! Webhook templates: the `${...}` variables, their values for an event, and rendering into
//! the URI (values percent-encoded) and the body (values inserted as they are: the template
//! author quotes them, as in Brightpearl's own example).

use super::HttpMethod;
use crate::brightpearl::events::Event;
use crate::brightpearl::wire;

/// The `${brightpearl-version}` the sandbox reports (real payloads carried `4.95.2647` in 2022;
/// any version-shaped string will do for receivers, which only log it).
pub const BRIGHTPEARL_VERSION: &str = "5.3.0";

/// The values of the template variables for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateValues {
    /// `${account-code}`.
    pub account_code: String,
    /// `${resource-type}`: `order`, `product`, `goods-out-note`, ...
    pub resource_type: String,
    /// `${resource-id}`: one id, or an id set when the webhook accepts them.
    pub resource_id: String,
    /// `${lifecycle-event}`: `created`, `modified` or `destroyed`.
    pub lifecycle_event: String,
    /// `${resource-specifier}`: `order-status`, `shipped`, ... or empty.
    pub resource_specifier: String,
    /// `${full-event}`: `order.modified.order-status`.
    pub full_event: String,
    /// `${raised-on}`: UTC with milliseconds and `Z`.
    pub raised_on: String,
    /// `${brightpearl-version}`.
    pub brightpearl_version: String,
}

/// Every template variable, as written in templates and in simulate's `testData`.
pub const TEMPLATE_VARIABLES: &[&str] = &[
    "${account-code}",
    "${resource-type}",
    "${resource-id}",
    "${lifecycle-event}",
    "${resource-specifier}",
    "${full-event}",
    "${raised-on}",
    "${brightpearl-version}",
];

impl TemplateValues {
    /// The values for `event` (or a batch of events of the same full event, whose ids are
    /// `resource_id`).
    pub fn for_event(event: &Event, resource_id: String, account_code: &str) -> TemplateValues {
        TemplateValues {
            account_code: account_code.to_string(),
            resource_type: event.resource_type.clone(),
            resource_id,
            lifecycle_event: event.lifecycle.as_str().to_string(),
            resource_specifier: event.specifier.clone().unwrap_or_default(),
            full_event: event.full_event(),
            raised_on: wire::format_utc(event.raised_on_ms),
            brightpearl_version: BRIGHTPEARL_VERSION.to_string(),
        }
    }

    /// The value of `variable` (`${resource-id}`), if it is one of [`TEMPLATE_VARIABLES`].
    pub fn get(&self, variable: &str) -> Option<&str> {
        Some(match variable {
            "${account-code}" => &self.account_code,
            "${resource-type}" => &self.resource_type,
            "${resource-id}" => &self.resource_id,
            "${lifecycle-event}" => &self.lifecycle_event,
            "${resource-specifier}" => &self.resource_specifier,
            "${full-event}" => &self.full_event,
            "${raised-on}" => &self.raised_on,
            "${brightpearl-version}" => &self.brightpearl_version,
            _ => return None,
        })
    }

    /// Sets `variable`; false when it is not a template variable.
    pub fn set(&mut self, variable: &str, value: String) -> bool {
        let slot = match variable {
            "${account-code}" => &mut self.account_code,
            "${resource-type}" => &mut self.resource_type,
            "${resource-id}" => &mut self.resource_id,
            "${lifecycle-event}" => &mut self.lifecycle_event,
            "${resource-specifier}" => &mut self.resource_specifier,
            "${full-event}" => &mut self.full_event,
            "${raised-on}" => &mut self.raised_on,
            "${brightpearl-version}" => &mut self.brightpearl_version,
            _ => return false,
        };
        *slot = value;
        true
    }
}

/// Replaces every known `${...}` in `template`; `url_encode` percent-encodes the values (for the
/// URI). Unknown `${...}` stay as written, as a template author would see them arrive.
pub fn render(template: &str, values: &TemplateValues, url_encode: bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let known = tail
            .find('}')
            .map(|end| &tail[..=end])
            .and_then(|variable| values.get(variable).map(|value| (variable, value)));
        match known {
            Some((variable, value)) => {
                if url_encode {
                    percent_encode(value, &mut out);
                } else {
                    out.push_str(value);
                }
                rest = &tail[variable.len()..];
            }
            None => {
                out.push_str("${");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// RFC 3986 percent-encoding of everything but the unreserved characters, so an id set's commas
/// and a timestamp's colons survive inside a path segment or a query value.
fn percent_encode(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// One call a webhook makes, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedCall {
    /// The method.
    pub method: HttpMethod,
    /// The rendered `uriTemplate`.
    pub url: String,
    /// The rendered `bodyTemplate` (POST/PUT only).
    pub body: Option<String>,
    /// The `Content-Type` (POST/PUT only).
    pub content_type: Option<String>,
}

/// `type.lifecycle[.specifier]`.
pub fn full_event(resource_type: &str, lifecycle: &str, specifier: &str) -> String {
    if specifier.is_empty() {
        format!("{resource_type}.{lifecycle}")
    } else {
        format!("{resource_type}.{lifecycle}.{specifier}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::brightpearl::events::Lifecycle;
    use crate::brightpearl::webhooks::Webhooks;
    use serde_json::{Value as Json, json};

    #[test]
    fn rendering_encodes_the_uri_and_not_the_body() {
        let mut hooks = Webhooks::new();
        let id = hooks
            .create(&json!({"subscribeTo": "order", "httpMethod": "POST",
                "uriTemplate": "https://example.com/${account-code}/${full-event}?ids=${resource-id}&at=${raised-on}&x=${unknown}",
                "bodyTemplate": "{\"id\": \"${resource-id}\", \"type\": \"${resource-type}\", \"l\": \"${lifecycle-event}\", \"s\": \"${resource-specifier}\", \"at\": \"${raised-on}\", \"v\": \"${brightpearl-version}\", \"e\": \"${full-event}\"}",
                "contentType": "application/json"}))
            .unwrap();
        let event = Event::specific(
            "order",
            Lifecycle::Modified,
            "order-status",
            5,
            1_663_582_841_691,
        );
        let values = TemplateValues::for_event(&event, "1-5,99".into(), "my acct");
        let call = hooks.find(id).unwrap().render(&values);
        assert_eq!(
            call.url,
            "https://example.com/my%20acct/order.modified.order-status?ids=1-5%2C99&at=2022-09-19T10%3A20%3A41.691Z&x=${unknown}"
        );
        let body: Json = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"id": "1-5,99", "type": "order", "l": "modified", "s": "order-status",
                "at": "2022-09-19T10:20:41.691Z", "v": BRIGHTPEARL_VERSION,
                "e": "order.modified.order-status"})
        );
        assert_eq!(call.content_type.as_deref(), Some("application/json"));
        assert_eq!(render("${", &values, false), "${");
        assert_eq!(render("a${resource-id", &values, false), "a${resource-id");
    }
}
