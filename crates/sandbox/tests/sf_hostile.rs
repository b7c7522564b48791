//! Hostile input over HTTP: text that could be sliced inside a character, bodies over the
//! size limit, undecodable URLs. Each gets a 4xx with Salesforce's error array, never a
//! dropped connection (a panicking handler) or a plain-text answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use reqwest::Method;
use serde_json::{Value as Json, json};

/// `[{"message": "...", "errorCode": code}]`.
fn assert_error_array(status: u16, body: &Json, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    let errors = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["errorCode"], code, "{body}");
    assert!(errors[0]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn a_datetime_ending_in_multibyte_characters_is_refused_not_sliced() {
    let org = common::start_empty().await;
    // "€€€": the 5-byte offset cut of `+0000`-style datetimes falls inside a character.
    for start in [
        "%E2%82%AC%E2%82%AC%E2%82%AC",
        "2024-01-01T00:00:00%C3%A9%C3%A9%C3%A9",
    ] {
        let path = format!("/sobjects/Account/updated?start={start}&end=2024-01-02T00:00:00Z");
        let (status, body) = org.call("GET", &path, None).await;
        assert_error_array(status, &body, 400, "INVALID_REPLICATION_DATE");
    }
    // The server is still up.
    let (status, _) = org.call("GET", "/sobjects/Account/describe", None).await;
    assert_eq!(status, 200);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn oversize_and_undecodable_requests_get_the_error_array() {
    let org = common::start_empty().await;
    // 200 records of 32,000-character descriptions (6 MB) are fine; past 50 MB is not.
    let long = "d".repeat(32_000);
    let records: Vec<_> = (0..200)
        .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("A{i}"), "Description": long}))
        .collect();
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"records": records})),
        )
        .await;
    assert_eq!(
        status,
        200,
        "{}",
        &body.to_string()[..200.min(body.to_string().len())]
    );
    let big = "x".repeat(ferry_sandbox::salesforce::api::MAX_JSON_BODY + 1);
    let (status, body) = org
        .call("POST", "/sobjects/Account", Some(json!({"Name": big})))
        .await;
    assert_error_array(status, &body, 413, "EXCEEDED_MAX_SIZE_REQUEST");
    assert!(
        body[0]["message"]
            .as_str()
            .unwrap()
            .contains("larger than 50 MB"),
        "{body}"
    );
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"records": [{"attributes": {"type": "Account"}, "Description": big}]})),
        )
        .await;
    assert_error_array(status, &body, 413, "EXCEEDED_MAX_SIZE_REQUEST");
    let (status, body) = org.call("GET", "/sobjects/Account/%FF%FE", None).await;
    assert_error_array(status, &body, 400, "INVALID_INPUT");
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn bulk_uploads_may_exceed_the_json_body_limit() {
    let org = common::start_empty().await;
    let (status, job) = org
        .call(
            "POST",
            "/jobs/ingest",
            Some(json!({"object": "Account", "operation": "insert"})),
        )
        .await;
    assert_eq!(status, 200, "{job}");
    let id = job["id"].as_str().unwrap();
    let mut csv = String::from("Name,Description\n");
    let description = "d".repeat(1000);
    while csv.len() < 3 * 1024 * 1024 {
        csv.push_str(&format!("Big,{description}\n"));
    }
    let response = org
        .request(
            Method::PUT,
            &org.data_url("59.0", &format!("/jobs/ingest/{id}/batches")),
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    org.sandbox.stop().await.unwrap();
}
