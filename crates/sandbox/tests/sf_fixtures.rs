//! The emulator's answers have the shape of real Salesforce answers: for each recorded response
//! in `shared/fixtures/salesforce/` that the emulator can produce, the equivalent request over
//! HTTP gets the status Salesforce answers with (reference salesforce-api.md) and a body of the
//! same shape (keys and JSON types, see `shape::assert_same_shape`).
//!
//! Fixtures the emulator does not serve, because the issue does not ask for the resource:
//! - `sobject/recent_success_response.json`: recently viewed items (`/recent`).
//! - `sobject/search_success_response.json`, `sobject/search_error_response.json`: SOSL search.
//! - `sobject/list_view_results_success_response.json`: list views.
//!
//! The recorded org's object `Whizbang` is fictional; each case maps its fields to fields of a
//! real object with the same JSON type (`rename`), and names the ones no object here has
//! (`absent`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "sf_fixtures/auth.rs"]
mod auth;
mod common;
#[path = "sf_fixtures/rest.rs"]
mod rest;
#[path = "sf_fixtures/shape.rs"]
mod shape;
#[path = "sf_fixtures/soql.rs"]
mod soql;

use common::TestOrg;
use reqwest::Method;
use serde_json::{Value as Json, json};
use shape::{PLAIN, Shape, assert_same_shape};
use std::collections::BTreeSet;

/// A status and a body (`Null` when empty, a JSON string when not JSON).
struct Reply {
    status: u16,
    body: Json,
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    let body = if text.is_empty() {
        Json::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Json::String(text))
    };
    Reply { status, body }
}

/// Sends a data API call at API version 59.0.
async fn call(org: &TestOrg, method: Method, path: &str, body: Option<Json>) -> Reply {
    call_at(org, "59.0", method, path, body).await
}

async fn call_at(
    org: &TestOrg,
    version: &str,
    method: Method,
    path: &str,
    body: Option<Json>,
) -> Reply {
    let mut request = org.request(method, &org.data_url(version, path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

/// A SOQL query (with `Sforce-Query-Options` when a batch size is given).
async fn query(org: &TestOrg, soql: &str, batch_size: Option<u32>) -> Reply {
    let mut request = org
        .get(&org.data_url("59.0", "/query"))
        .query(&[("q", soql)]);
    if let Some(size) = batch_size {
        request = request.header("Sforce-Query-Options", format!("batchSize={size}"));
    }
    send(request).await
}

/// Creates a record for setting up a case, and returns its id.
async fn create(org: &TestOrg, object: &str, fields: Json) -> String {
    let reply = call(
        org,
        Method::POST,
        &format!("/sobjects/{object}"),
        Some(fields),
    )
    .await;
    assert_eq!(reply.status, 201, "creating {object}: {}", reply.body);
    reply.body["id"].as_str().expect("id").to_string()
}

/// Asserts the status first (with the body, to see why), then the shape.
fn check(reply: &Reply, status: u16, fixture: &str, shape: Shape) {
    assert_eq!(
        reply.status, status,
        "{fixture}: status; body {}",
        reply.body
    );
    assert_same_shape(fixture, &reply.body, shape);
}

/// Same error code and message as recorded.
const ERROR_EXACT: Shape = Shape {
    exact: &["[].errorCode", "[].message"],
    ..PLAIN
};

/// Same error code; the message names the org's own objects.
const ERROR_CODE: Shape = Shape {
    exact: &["[].errorCode"],
    ..ERROR_EXACT
};
