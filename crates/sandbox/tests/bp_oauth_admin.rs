//! OAuth (authorize → code → tokens → bearer calls → rotating refresh → expiry with the real
//! 401 body), multi-message (one throttle count, 200/207, inner bodies as strings), the state
//! file surviving a restart, and the admin API. Over real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;

use bp_common::{send, start_with};
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use reqwest::Method;
use serde_json::{Value as Json, json};

fn empty(requests_per_minute: u32) -> Options {
    Options {
        data: DataSet::Empty,
        requests_per_minute,
        ..Options::default()
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        })
    })
}

#[tokio::test]
async fn oauth_code_grant_bearer_calls_rotating_refresh_and_expiry() {
    let account = start_with(empty(0)).await;
    let banner = account.sandbox.banner.clone();
    let redirect = "https://example.test/brightpearl_oauth_redirect";
    let client = no_redirects();
    let authorize = client
        .get(&banner.oauth_authorize_url)
        .query(&[
            ("response_type", "code"),
            ("client_id", &banner.client_id),
            ("redirect_uri", redirect),
            ("state", "xyz 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        authorize.status().as_u16(),
        303,
        "the sandbox approves and redirects"
    );
    let location = authorize.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.starts_with(redirect), "{location}");
    assert_eq!(query_value(&location, "state").as_deref(), Some("xyz 1"));
    let code = query_value(&location, "code").unwrap();

    let token = |form: Vec<(&'static str, String)>| {
        let url = banner.oauth_token_url.clone();
        async move { send(reqwest::Client::new().post(url).form(&form)).await }
    };
    let mismatch = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("client_id", banner.client_id.clone()),
        ("redirect_uri", "https://elsewhere.test/cb".into()),
    ])
    .await;
    assert_eq!(mismatch.status, 400);
    assert_eq!(
        mismatch.body,
        json!({"error_description": "Redirect uri does not match that used to request auth token", "error": "invalid_grant"})
    );
    let wrong_client = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("client_id", "someone-else".into()),
        ("redirect_uri", redirect.into()),
    ])
    .await;
    assert_eq!(wrong_client.body, json!({"error": "invalid_client"}));
    let granted = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("client_id", banner.client_id.clone()),
        ("client_secret", banner.client_secret.clone()),
        ("redirect_uri", redirect.into()),
    ])
    .await;
    assert_eq!(granted.status, 200, "{:?}", granted.body);
    let keys: Vec<&str> = granted
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "refresh_token",
            "installation_instance_id",
            "api_domain",
            "token_type",
            "expires_in"
        ]
    );
    assert_eq!(granted.body["expires_in"], 604_800);
    assert_eq!(granted.body["api_domain"], banner.api_domain.as_str());
    let reused = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("client_id", banner.client_id.clone()),
        ("redirect_uri", redirect.into()),
    ])
    .await;
    assert_eq!(
        reused.body,
        json!({"error_description": "The auth token has either expired or does not exist", "error": "invalid_grant"})
    );

    let access = granted.body["access_token"].as_str().unwrap().to_string();
    let call = |token: String| {
        let url = format!(
            "http://{}/public-api/{}/integration-service/webhook",
            banner.api_domain, banner.account
        );
        let banner = banner.clone();
        async move {
            send(
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .header("brightpearl-app-ref", &banner.app_ref)
                    .header("brightpearl-dev-ref", &banner.dev_ref),
            )
            .await
        }
    };
    let ok = call(access.clone()).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(
        ok.header("brightpearl-installed-integration-instance-id"),
        granted.body["installation_instance_id"].as_str()
    );

    let refreshed = token(vec![
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            granted.body["refresh_token"].as_str().unwrap().into(),
        ),
        ("client_id", banner.client_id.clone()),
    ])
    .await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    assert_ne!(
        refreshed.body["refresh_token"], granted.body["refresh_token"],
        "refresh tokens rotate"
    );
    assert!(
        refreshed.body.get("installation_instance_id").is_none(),
        "as recorded for the refresh grant"
    );

    let expired = account.admin(Method::POST, "/tokens/expire", None).await;
    assert_eq!(expired.status, 200);
    let refused = call(refreshed.body["access_token"].as_str().unwrap().into()).await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.body,
        json!({"response": "Authorization token expired"})
    );
    assert_eq!(refused.header("message-type"), Some("api-proxy"));

    let json_body = send(
        reqwest::Client::new()
            .post(&banner.oauth_token_url)
            .json(&json!({"grant_type": "refresh_token"})),
    )
    .await;
    assert_eq!(json_body.status, 400);
    assert_eq!(json_body.body["error"], "invalid_request");
}

fn webhook(url: &str) -> Json {
    json!({"subscribeTo": "product", "httpMethod": "POST", "uriTemplate": url,
           "bodyTemplate": "{}", "contentType": "application/json", "idSetAccepted": true, "qualityOfService": 1})
}

#[tokio::test]
async fn multi_message_counts_once_and_reports_each_message() {
    let account = start_with(empty(200)).await;
    let first = account.get("/integration-service/webhook").await;
    assert_eq!(first.header("brightpearl-requests-remaining"), Some("199"));
    let batch = account
        .post(
            "/multi-message",
            json!({"processingMode": "SEQUENTIAL", "onFail": "CONTINUE", "messages": [
                {"label": "good", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": webhook("http://127.0.0.1:9/hook")},
                {"label": "bad", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": {"subscribeTo": "invalid-resource"}},
                {"label": "third", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": webhook("http://127.0.0.1:9/other")}
            ]}),
        )
        .await;
    assert_eq!(batch.status, 207, "{:?}", batch.body);
    assert_eq!(
        batch.header("brightpearl-requests-remaining"),
        Some("198"),
        "one request for the whole batch"
    );
    let processed = batch.body["response"]["processedMessages"]
        .as_array()
        .unwrap();
    assert_eq!(processed.len(), 3);
    assert_eq!(processed[0]["label"], "good");
    assert_eq!(processed[0]["statusCode"], 200);
    let content: Json =
        serde_json::from_str(processed[0]["body"]["content"].as_str().unwrap()).unwrap();
    assert!(content["response"].as_u64().is_some(), "{content}");
    assert_eq!(processed[1]["statusCode"], 400);
    assert!(
        processed[1]["body"]["content"]
            .as_str()
            .unwrap()
            .contains("INTC-064")
    );

    let stopped = account
        .post(
            "/multi-message",
            json!({"processingMode": "SEQUENTIAL", "onFail": "STOP", "messages": [
                {"label": "a", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": {"subscribeTo": "nope"}},
                {"label": "b", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": webhook("http://127.0.0.1:9/b")}
            ]}),
        )
        .await;
    assert_eq!(stopped.status, 207);
    assert_eq!(
        stopped.body["response"]["unprocessedMessages"],
        json!(["b"])
    );
    let listed = account.get("/integration-service/webhook").await;
    assert_eq!(
        listed.body["response"].as_array().unwrap().len(),
        2,
        "b never ran"
    );

    for (body, why) in [
        (
            json!({"messages": [{"label": "x", "uri": "/integration-service/webhook", "httpMethod": "POST", "body": {}}]}),
            "one message",
        ),
        (
            json!({"messages": [{"label": "x", "uri": "/a", "httpMethod": "GET"}, {"label": "y", "uri": "/b", "httpMethod": "POST"}]}),
            "a GET",
        ),
        (
            json!({"messages": [{"label": "x", "uri": "/a", "httpMethod": "POST"}, {"label": "x", "uri": "/b", "httpMethod": "POST"}]}),
            "a repeated label",
        ),
    ] {
        let refused = account.post("/multi-message", body).await;
        assert_eq!(refused.status, 400, "{why}: {:?}", refused.body);
        assert!(refused.body["errors"][0]["message"].as_str().is_some());
    }
}

#[tokio::test]
async fn the_state_file_survives_a_restart_and_reset_empties_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bp.json");
    let options = Options {
        state_file: Some(path.clone()),
        ..empty(0)
    };
    let account = start_with(options.clone()).await;
    let id = account
        .create(
            "/integration-service/webhook",
            webhook("http://127.0.0.1:9/keep"),
        )
        .await;
    account.sandbox.stop().await.unwrap();
    assert!(path.exists());

    let again = start_with(options).await;
    let listed = again
        .get(&format!("/integration-service/webhook/{id}"))
        .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(
        listed.body["response"][0]["uriTemplate"],
        "http://127.0.0.1:9/keep"
    );
    let next = again
        .create(
            "/integration-service/webhook",
            webhook("http://127.0.0.1:9/next"),
        )
        .await;
    assert!(next > id, "ids are never reused across restarts");

    let state = again.admin(Method::GET, "/state", None).await;
    assert_eq!(state.status, 200);
    assert_eq!(state.body["account"], again.sandbox.banner.account.as_str());
    let reset = again
        .admin(Method::POST, "/reset", Some(json!({"data": "empty"})))
        .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    let listed = again.get("/integration-service/webhook").await;
    assert_eq!(listed.body["response"], json!([]));
    let bad = again
        .admin(Method::POST, "/reset", Some(json!({"data": "lots"})))
        .await;
    assert_eq!(bad.status, 400);

    let limits = again
        .admin(
            Method::PUT,
            "/limits",
            Some(json!({"requests_per_minute": 1})),
        )
        .await;
    assert_eq!(limits.status, 200);
    assert_eq!(again.get("/integration-service/webhook").await.status, 200);
    assert_eq!(again.get("/integration-service/webhook").await.status, 503);

    std::fs::write(&path, b"{ not a state").unwrap();
    let broken = Sandbox::start(Options {
        state_file: Some(path.clone()),
        ..empty(0)
    })
    .await;
    let message = format!("{:#}", broken.err().unwrap());
    assert!(
        message.contains("not a Brightpearl sandbox state"),
        "{message}"
    );
}
