//! Checking a webhook POST body the way Brightpearl does: every problem reported at once, in
//! the `errors` list. INTC-064 and CMNC-010 are Brightpearl's; the other INTC codes are INFERRED.

use super::template::{BRIGHTPEARL_VERSION, TemplateValues, render};
use super::{ApiProblem, HttpMethod, Webhook};
use crate::brightpearl::events::is_subscribable;
use crate::brightpearl::wire;
use serde_json::Value as Json;

/// Checks a POST body and builds the webhook (id 0 until the registry gives it one).
pub(super) fn parse_webhook(body: &Json) -> Result<Webhook, Vec<ApiProblem>> {
    let Some(fields) = body.as_object() else {
        return Err(vec![ApiProblem::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request",
        )]);
    };
    // `null` is treated as absent: that is what a client serialising an unset field sends.
    let field = |name: &str| fields.get(name).filter(|value| !value.is_null());
    let mut problems = Vec::new();

    let subscribe_to = match field("subscribeTo") {
        None => {
            problems.push(ApiProblem::bad_request(
                "INTC-060",
                "subscribeTo is required: name an event (goods-out-note.created), a lifecycle \
                 event (product.modified) or a resource type (product)",
            ));
            String::new()
        }
        Some(Json::String(text)) if is_subscribable(text.trim()) => text.trim().to_string(),
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string);
            problems.push(ApiProblem::bad_request(
                "INTC-064",
                format!("{shown} either does not exist or cannot be subscribed too"),
            ));
            String::new()
        }
    };

    let http_method = match field("httpMethod") {
        None => {
            problems.push(ApiProblem::bad_request(
                "INTC-061",
                "httpMethod is required: send GET, POST, PUT or DELETE",
            ));
            None
        }
        Some(value) => {
            let parsed = value.as_str().and_then(HttpMethod::parse);
            if parsed.is_none() {
                problems.push(ApiProblem::bad_request(
                    "INTC-061",
                    format!("httpMethod {value} is not supported: send GET, POST, PUT or DELETE"),
                ));
            }
            parsed
        }
    };

    let text_field = |name: &str, problems: &mut Vec<ApiProblem>| match field(name) {
        None => None,
        Some(Json::String(text)) => Some(text.clone()),
        Some(other) => {
            problems.push(ApiProblem::bad_request(
                "INTC-063",
                format!("{name} must be a string, not {other}"),
            ));
            None
        }
    };
    let uri_template = text_field("uriTemplate", &mut problems);
    let body_template = text_field("bodyTemplate", &mut problems);
    let content_type = text_field("contentType", &mut problems);

    match &uri_template {
        None if field("uriTemplate").is_none() => problems.push(ApiProblem::bad_request(
            "INTC-062",
            "uriTemplate is required: give the http(s) URL Brightpearl should call, e.g. \
             https://example.com/hook?id=${resource-id}",
        )),
        None => {}
        Some(template) => {
            if let Err(why) = check_uri_template(template) {
                problems.push(ApiProblem::bad_request(
                    "INTC-062",
                    format!("uriTemplate {template} {why}"),
                ));
            }
        }
    }

    if let Some(method) = http_method.filter(|method| method.has_body()) {
        for (name, value) in [
            ("bodyTemplate", &body_template),
            ("contentType", &content_type),
        ] {
            if value.as_deref().is_none_or(|text| text.trim().is_empty())
                && field(name).is_none_or(Json::is_string)
            {
                problems.push(ApiProblem::bad_request(
                    "INTC-063",
                    format!(
                        "{name} is required when httpMethod is {}: send the body to deliver \
                         and its content type (e.g. application/json), or use GET",
                        method.as_str()
                    ),
                ));
            }
        }
    }

    let id_set_accepted = match field("idSetAccepted") {
        None => false,
        Some(value) => match flexible_bool(value) {
            Some(flag) => flag,
            None => {
                problems.push(ApiProblem::bad_request(
                    "INTC-065",
                    format!("idSetAccepted {value} is not a boolean: send true or false"),
                ));
                false
            }
        },
    };

    let quality_of_service = match field("qualityOfService") {
        None => 0,
        Some(value) => match flexible_qos(value) {
            Some(level) => level,
            None => {
                problems.push(ApiProblem::bad_request(
                    "INTC-066",
                    format!(
                        "qualityOfService {value} is not supported: send 0 (retried only after \
                         a 503) or 1 (retried after any failure but a 4xx)"
                    ),
                ));
                0
            }
        },
    };

    match (problems.is_empty(), http_method, uri_template) {
        (true, Some(http_method), Some(uri_template)) => Ok(Webhook {
            id: 0,
            subscribe_to,
            http_method,
            uri_template,
            body_template,
            content_type,
            id_set_accepted,
            quality_of_service,
        }),
        _ => Err(problems),
    }
}

/// Renders `template` with sample values and checks the result is an absolute http(s) URL with
/// a host; `Err` says what is wrong.
fn check_uri_template(template: &str) -> Result<(), String> {
    let sample = TemplateValues {
        account_code: "account".into(),
        resource_type: "product".into(),
        resource_id: "1".into(),
        lifecycle_event: "modified".into(),
        resource_specifier: "on-hand-modified".into(),
        full_event: "product.modified.on-hand-modified".into(),
        raised_on: wire::format_utc(0),
        brightpearl_version: BRIGHTPEARL_VERSION.into(),
    };
    let rendered = render(template, &sample, true);
    match reqwest::Url::parse(&rendered) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Err(format!(
            "uses the {} scheme; webhooks are called over http or https",
            url.scheme()
        )),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            Err("has no host name; give a full URL such as https://example.com/hook".into())
        }
        Ok(_) => Ok(()),
        Err(why) => Err(format!(
            "is not a URL ({why}); give a full URL such as https://example.com/hook"
        )),
    }
}

/// `true`/`false`, or the strings `"true"`/`"false"` that old PHP clients send.
fn flexible_bool(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(flag) => Some(*flag),
        Json::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `0`/`1`, also as strings (INFERRED: tolerated like the string booleans).
fn flexible_qos(value: &Json) -> Option<u8> {
    let level = match value {
        Json::Number(n) => n.as_u64()?,
        Json::String(text) => text.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    u8::try_from(level).ok().filter(|level| *level <= 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::Webhooks;
    use super::*;
    use serde_json::json;

    fn recorded_body() -> Json {
        json!({"subscribeTo":"goods-in-note.created","httpMethod":"POST",
            "uriTemplate":"https://example.com/endpoint/to/receive/webhooks",
            "contentType":"application/json","idSetAccepted":true,"qualityOfService":1,
            "bodyTemplate":"{ \"id\": \"${resource-id}\" }"})
    }

    fn problems(body: Json) -> Vec<(&'static str, String)> {
        Webhooks::new()
            .create(&body)
            .unwrap_err()
            .into_iter()
            .map(|p| {
                assert_eq!(p.status, 400);
                (p.code, p.message)
            })
            .collect()
    }

    #[test]
    fn validation_names_every_problem() {
        let mut body = recorded_body();
        body["subscribeTo"] = json!("invalid-resource");
        assert_eq!(
            problems(body),
            [(
                "INTC-064",
                "invalid-resource either does not exist or cannot be subscribed too".to_string()
            )]
        );
        let found = problems(json!({"httpMethod": "PATCH", "uriTemplate": "ftp://x/y",
            "idSetAccepted": "yes", "qualityOfService": 2}));
        let codes: Vec<_> = found.iter().map(|(code, _)| *code).collect();
        assert_eq!(
            codes,
            ["INTC-060", "INTC-061", "INTC-062", "INTC-065", "INTC-066"]
        );
        assert!(found[2].1.contains("ftp scheme"), "{found:?}");
        let found = problems(json!({"subscribeTo": "product", "httpMethod": "PUT",
            "uriTemplate": "https://example.com/${resource-id}"}));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0]
                .1
                .starts_with("bodyTemplate is required when httpMethod is PUT")
        );
        assert!(found[1].1.starts_with("contentType is required"));
        assert_eq!(problems(json!([1]))[0].0, "CMNC-010");
        assert_eq!(
            problems(json!({"subscribeTo": "order", "httpMethod": "GET"}))[0].0,
            "INTC-062"
        );
        assert_eq!(
            problems(json!({"subscribeTo": "order", "httpMethod": "GET",
                "uriTemplate": "${resource-id}/x"}))[0]
                .0,
            "INTC-062"
        );
    }

    #[test]
    fn defaults_and_string_booleans() {
        let mut hooks = Webhooks::new();
        let id = hooks
            .create(
                &json!({"subscribeTo": " order.modified ", "httpMethod": "get",
                "uriTemplate": "http://127.0.0.1:9/hook/${resource-id}", "contentType": null}),
            )
            .unwrap();
        let hook = hooks.find(id).unwrap();
        assert_eq!(hook.http_method, HttpMethod::Get);
        assert_eq!(hook.subscribe_to, "order.modified");
        assert!(!hook.id_set_accepted);
        assert_eq!(hook.quality_of_service, 0);
        assert_eq!(
            serde_json::to_string(hook).unwrap(),
            format!(
                r#"{{"id":{id},"subscribeTo":"order.modified","httpMethod":"GET","uriTemplate":"http://127.0.0.1:9/hook/${{resource-id}}","idSetAccepted":false,"qualityOfService":0}}"#
            )
        );
        let mut body = recorded_body();
        body["idSetAccepted"] = json!("false");
        body["qualityOfService"] = json!("1");
        let id = hooks.create(&body).unwrap();
        let hook = hooks.find(id).unwrap();
        assert!(!hook.id_set_accepted);
        assert_eq!(hook.quality_of_service, 1);
    }
}
