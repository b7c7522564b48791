//! Brightpearl's wire rules for the transport: what each answer means and what the throttle
//! headers say (reference §3 and §4).

use crate::model::common::ApiErrors;
use ferry_http::budget::Reading;
use ferry_http::{Api, HeaderMap, Verdict};
use std::time::Duration;

/// The header with the requests left in the current throttle window.
pub const REQUESTS_REMAINING: &str = "brightpearl-requests-remaining";
/// The header with the milliseconds until the next throttle window.
pub const NEXT_THROTTLE_PERIOD: &str = "brightpearl-next-throttle-period";

/// Brightpearl's classification of answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrightpearlApi;

/// Error codes Brightpearl answers with HTTP 500 that are really refusals of the request
/// (reference §4.3): retrying them cannot help.
const REFUSALS_AS_500: &[&str] = &["CMNC-018", "CMNC-044", "CMNC-010"];

impl Api for BrightpearlApi {
    fn name(&self) -> &'static str {
        "brightpearl"
    }

    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict {
        match status {
            200..=299 => Verdict::Ok,
            401 => Verdict::Reauthenticate {
                message: envelope_message(body)
                    .unwrap_or_else(|| "the token was refused".to_owned()),
            },
            429 => Verdict::Throttled {
                wait: ferry_http::retry_after(headers)
                    .or_else(|| throttle_period(headers))
                    .unwrap_or(Duration::from_secs(1)),
            },
            503 if is_throttle_body(body) => Verdict::Throttled {
                // The period runs to the end of the window; a missing header means "soon".
                wait: throttle_period(headers).unwrap_or(Duration::from_secs(1)),
            },
            502..=504 => Verdict::Transient {
                code: format!("HTTP_{status}"),
                message: first_error(body)
                    .map(|(_, m)| m)
                    .unwrap_or_else(|| "the service is unavailable".to_owned()),
                retry_after: ferry_http::retry_after(headers),
                // Gateway answers: the request did not reach the application.
                not_applied: true,
            },
            _ => {
                let (code, message) = first_error(body).unwrap_or_else(|| {
                    (
                        format!("HTTP_{status}"),
                        envelope_message(body).unwrap_or_else(|| "no error message".to_owned()),
                    )
                });
                if status >= 500 && !REFUSALS_AS_500.contains(&code.as_str()) {
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
        let remaining = header_number(headers, REQUESTS_REMAINING)?;
        let resets_in = throttle_period(headers)?;
        Some(Reading::Window {
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            resets_in,
        })
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `brightpearl-next-throttle-period`, capped at a minute (the window's length) so that a
/// wrong header cannot stall a call for long.
fn throttle_period(headers: &HeaderMap) -> Option<Duration> {
    header_number(headers, NEXT_THROTTLE_PERIOD).map(|ms| Duration::from_millis(ms.min(60_000)))
}

/// The throttle refusal is told apart from other 503s by its message (reference §3).
fn is_throttle_body(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    text.contains("too many requests")
}

/// The error envelope, when the body is one.
fn errors(body: &[u8]) -> Option<ApiErrors> {
    serde_json::from_slice(body).ok()
}

/// The first entry's code, with every entry's message joined.
fn first_error(body: &[u8]) -> Option<(String, String)> {
    let errors = errors(body)?;
    let first = errors.errors.first()?;
    let messages: Vec<&str> = errors.errors.iter().map(|e| e.message.as_str()).collect();
    Some((first.code.clone(), messages.join("; ")))
}

/// A message carried as `{"response": "…"}` (401s and throttling put it there).
fn envelope_message(body: &[u8]) -> Option<String> {
    errors(body)?.response_message().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn the_throttle_503_waits_for_the_window_and_other_503s_are_transient() {
        let api = BrightpearlApi;
        let h = headers(&[(NEXT_THROTTLE_PERIOD, "2500"), (REQUESTS_REMAINING, "0")]);
        let body = br#"{"response":"You have sent too many requests. Please wait before sending another request"}"#;
        assert_eq!(
            api.classify(503, &h, body),
            Verdict::Throttled {
                wait: Duration::from_millis(2500)
            }
        );
        let outage = api.classify(503, &h, b"<html>Service Unavailable</html>");
        assert!(matches!(
            outage,
            Verdict::Transient {
                not_applied: true,
                ..
            }
        ));
        assert_eq!(
            api.reading(&h),
            Some(Reading::Window {
                remaining: 0,
                resets_in: Duration::from_millis(2500)
            })
        );
    }

    #[test]
    fn errors_carry_brightpearl_codes_and_bad_filters_are_not_retried() {
        let api = BrightpearlApi;
        let body = br#"{"errors":[{"code":"CMNC-018","message":"The filter orderStatusId=BAD PARAM cannot be parsed as: INTEGER"}]}"#;
        assert_eq!(
            api.classify(500, &HeaderMap::new(), body),
            Verdict::Permanent {
                code: "CMNC-018".into(),
                message: "The filter orderStatusId=BAD PARAM cannot be parsed as: INTEGER".into()
            }
        );
        let unknown = api.classify(
            500,
            &HeaderMap::new(),
            br#"{"errors":[{"code":"CMNU-003","message":"Internal Server Error"}]}"#,
        );
        assert!(matches!(
            unknown,
            Verdict::Transient {
                not_applied: false,
                ..
            }
        ));
        let expired = api.classify(
            401,
            &HeaderMap::new(),
            br#"{"response":"Authorization token expired"}"#,
        );
        assert_eq!(
            expired,
            Verdict::Reauthenticate {
                message: "Authorization token expired".into()
            }
        );
        let missing = api.classify(
            404,
            &HeaderMap::new(),
            br#"{"errors":[{"code":"CMNC-404","message":"No Contact Found"}]}"#,
        );
        assert!(matches!(missing, Verdict::Permanent { code, .. } if code == "CMNC-404"));
    }
}
