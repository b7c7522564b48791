//! Salesforce's wire rules for the transport: what each answer means (reference §2.8, §5) and
//! what `Sforce-Limit-Info` says about the org's daily allocation.

use crate::model::{ApiError, OAuthError};
use ferry_http::budget::Reading;
use ferry_http::{Api, HeaderMap, Verdict};
use std::time::Duration;

/// The header carrying `api-usage=USED/MAX`.
pub const LIMIT_INFO: &str = "sforce-limit-info";

/// Salesforce's classification of answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SalesforceApi;

/// Error codes that mean "try again shortly": the request was not applied.
const RETRYABLE_CODES: &[&str] = &["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"];

impl Api for SalesforceApi {
    fn name(&self) -> &'static str {
        "salesforce"
    }

    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict {
        let error = || first_error(body);
        match status {
            200..=299 => Verdict::Ok,
            401 => Verdict::Reauthenticate {
                message: error()
                    .map(|(code, message)| format!("{code}: {message}"))
                    .unwrap_or_else(|| "the session was refused".into()),
            },
            429 => Verdict::Throttled {
                wait: ferry_http::retry_after(headers).unwrap_or(Duration::from_secs(5)),
            },
            502..=504 => {
                let (code, message) = error().unwrap_or_else(|| {
                    (
                        "SERVER_UNAVAILABLE".into(),
                        "Salesforce is unavailable or overloaded".into(),
                    )
                });
                Verdict::Transient {
                    code,
                    message,
                    retry_after: ferry_http::retry_after(headers),
                    not_applied: true,
                }
            }
            _ => {
                let (code, message) = error().unwrap_or_else(|| {
                    (
                        format!("HTTP_{status}"),
                        String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
                    )
                });
                if RETRYABLE_CODES.contains(&code.as_str()) {
                    Verdict::Transient {
                        code,
                        message,
                        retry_after: ferry_http::retry_after(headers),
                        not_applied: true,
                    }
                } else if status >= 500 {
                    Verdict::Transient {
                        code,
                        message,
                        retry_after: ferry_http::retry_after(headers),
                        not_applied: false,
                    }
                } else {
                    Verdict::Permanent { code, message }
                }
            }
        }
    }

    fn reading(&self, headers: &HeaderMap) -> Option<Reading> {
        let text = headers.get(LIMIT_INFO)?.to_str().ok()?;
        let (used, max) = parse_api_usage(text)?;
        Some(Reading::Daily { used, max })
    }
}

/// Parses `api-usage=USED/MAX` out of `Sforce-Limit-Info` (which may carry more parts, such
/// as `per-app-api-usage=…`).
pub fn parse_api_usage(text: &str) -> Option<(u64, u64)> {
    text.split([';', ','])
        .map(str::trim)
        .find_map(|part| part.strip_prefix("api-usage="))
        .and_then(|usage| {
            let (used, max) = usage.split_once('/')?;
            let max: String = max.chars().take_while(char::is_ascii_digit).collect();
            Some((used.trim().parse().ok()?, max.parse().ok()?))
        })
}

/// The first error's code with every error joined (`message (fields: …)`), from a REST error
/// array (`[{"message","errorCode","fields"}]`) or an OAuth-style `{"error","error_description"}`.
pub fn first_error(body: &[u8]) -> Option<(String, String)> {
    if let Ok(errors) = serde_json::from_slice::<ApiError>(body) {
        let code = errors.code().filter(|c| !c.is_empty())?.to_owned();
        let messages: Vec<String> = errors
            .0
            .iter()
            .map(|e| match e.fields.is_empty() {
                true => e.message.clone(),
                false => format!("{} (fields: {})", e.message, e.fields.join(", ")),
            })
            .collect();
        return Some((code, messages.join("; ")));
    }
    let oauth: OAuthError = serde_json::from_slice(body).ok()?;
    (!oauth.error.is_empty()).then_some((oauth.error, oauth.error_description))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_info_is_read_with_or_without_per_app_usage() {
        assert_eq!(
            parse_api_usage("api-usage=10018/100000"),
            Some((10018, 100_000))
        );
        assert_eq!(
            parse_api_usage("api-usage=25/15000; per-app-api-usage=17/250(appName=sample)"),
            Some((25, 15000))
        );
        assert_eq!(parse_api_usage("per-app-api-usage=17/250"), None);
        assert_eq!(parse_api_usage("api-usage=x/1"), None);
    }

    #[test]
    fn answers_are_classified_by_status_and_code() {
        let api = SalesforceApi;
        let none = HeaderMap::new();
        let expired =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(
            matches!(api.classify(401, &none, expired), Verdict::Reauthenticate { message } if message.contains("INVALID_SESSION_ID"))
        );
        let locked = br#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#;
        assert!(matches!(
            api.classify(400, &none, locked),
            Verdict::Transient {
                not_applied: true,
                ..
            }
        ));
        let invalid = br#"[{"message":"No such column 'Foo' on sobject of type Account","errorCode":"INVALID_FIELD","fields":["Foo"]}]"#;
        assert_eq!(
            api.classify(400, &none, invalid),
            Verdict::Permanent {
                code: "INVALID_FIELD".into(),
                message: "No such column 'Foo' on sobject of type Account (fields: Foo)".into()
            }
        );
        assert!(matches!(
            api.classify(503, &none, b""),
            Verdict::Transient {
                not_applied: true,
                ..
            }
        ));
        assert!(matches!(
            api.classify(500, &none, b"oops"),
            Verdict::Transient {
                not_applied: false,
                ..
            }
        ));
        let limit = br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(
            matches!(api.classify(403, &none, limit), Verdict::Permanent { code, .. } if code == "REQUEST_LIMIT_EXCEEDED")
        );
    }
}
