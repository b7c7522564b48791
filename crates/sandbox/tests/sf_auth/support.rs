//! What every authentication test needs: the recorded responses, token requests, and the
//! checks that a session works or is refused.

use crate::common::TestOrg;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};

/// The recorded responses: `shared/` beside the clone.
pub const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/salesforce"
);

pub fn fixture(name: &str) -> Json {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| {
        panic!("cannot read fixture {name} ({e}); shared/ must sit beside the clone")
    });
    serde_json::from_str(&text).unwrap()
}

/// Same keys with the same JSON types as the recorded response; the sandbox may add only
/// `extra` keys (newer Salesforce releases answer with `scope` and `token_type` too).
pub fn assert_shape(actual: &Json, recorded: &Json, extra: &[&str]) {
    let (actual, recorded) = (actual.as_object().unwrap(), recorded.as_object().unwrap());
    for (key, value) in recorded {
        let got = actual
            .get(key)
            .unwrap_or_else(|| panic!("missing {key} in {actual:?}"));
        assert_eq!(
            std::mem::discriminant(got),
            std::mem::discriminant(value),
            "type of {key}"
        );
    }
    for key in actual.keys() {
        assert!(
            recorded.contains_key(key) || extra.contains(&key.as_str()),
            "unexpected {key}"
        );
    }
}

pub async fn post_token(org: &TestOrg, params: &[(&str, &str)]) -> (StatusCode, Json) {
    let url = format!("{}/services/oauth2/token", org.base);
    let response = org.http.post(url).form(params).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

pub fn oauth_error(error: &str, description: &str) -> Json {
    json!({"error": error, "error_description": description})
}

/// The status of a data API call (`/limits`) made with `token`.
pub async fn data_status(org: &TestOrg, token: &str) -> StatusCode {
    let url = org.data_url("59.0", "/limits");
    org.http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

pub async fn assert_session_rejected(org: &TestOrg, token: &str) {
    let url = org.data_url("59.0", "/limits");
    let response = org.http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Json = response.json().await.unwrap();
    assert_eq!(body, fixture("expired_session_response.json"));
}

pub async fn userinfo(org: &TestOrg, token: &str) -> (StatusCode, String) {
    let url = format!("{}/services/oauth2/userinfo", org.base);
    let response = org.http.get(url).bearer_auth(token).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

pub fn password_params(org: &TestOrg) -> Vec<(&'static str, String)> {
    let b = &org.sandbox.banner;
    vec![
        ("grant_type", "password".into()),
        ("client_id", b.client_id.clone()),
        ("client_secret", b.client_secret.clone()),
        ("username", b.username.clone()),
        ("password", format!("{}{}", b.password, b.security_token)),
    ]
}

pub fn borrow<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
