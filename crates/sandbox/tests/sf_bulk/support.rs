//! Helpers of the Bulk API 2.0 tests: jobs over HTTP, polling, and CSV read back with the
//! `csv` crate.

use crate::common::TestOrg;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::time::Duration;

pub const V: &str = "59.0";

/// A CSV body: header, rows.
pub type Csv = (Vec<String>, Vec<Vec<String>>);

pub fn parse_csv(text: &str, delimiter: u8) -> Csv {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Rows as maps from column to cell.
pub fn maps((header, rows): &Csv) -> Vec<HashMap<String, String>> {
    rows.iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

pub async fn call(org: &TestOrg, method: Method, path: &str, body: Option<Json>) -> (u16, Json) {
    let mut request = org.request(method, &org.data_url(V, path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Json::String(text)),
    )
}

/// Creates an ingest job and answers its id.
pub async fn create(org: &TestOrg, body: Json) -> String {
    let (status, job) = call(org, Method::POST, "/jobs/ingest/", Some(body)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "Open");
    job["id"].as_str().unwrap().to_string()
}

pub async fn upload(org: &TestOrg, id: &str, csv: &str) -> reqwest::Response {
    org.request(
        Method::PUT,
        &org.data_url(V, &format!("/jobs/ingest/{id}/batches")),
    )
    .header("content-type", "text/csv")
    .body(csv.to_string())
    .send()
    .await
    .unwrap()
}

pub async fn set_state(org: &TestOrg, kind: &str, id: &str, state: &str) -> (u16, Json) {
    let path = format!("/jobs/{kind}/{id}");
    call(org, Method::PATCH, &path, Some(json!({"state": state}))).await
}

/// Polls a job until it is JobComplete, Failed or Aborted.
pub async fn wait(org: &TestOrg, kind: &str, id: &str) -> Json {
    for _ in 0..2_000 {
        let (status, job) = call(org, Method::GET, &format!("/jobs/{kind}/{id}"), None).await;
        assert_eq!(status, 200, "{job}");
        if ["JobComplete", "Failed", "Aborted"].contains(&job["state"].as_str().unwrap()) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("job {id} did not finish");
}

/// Creates, fills, closes and waits for an ingest job.
pub async fn ingest(org: &TestOrg, body: Json, csv: &str) -> (String, Json) {
    let id = create(org, body).await;
    assert_eq!(upload(org, &id, csv).await.status(), 201);
    let (status, closed) = set_state(org, "ingest", &id, "UploadComplete").await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "UploadComplete");
    let job = wait(org, "ingest", &id).await;
    (id, job)
}

pub async fn results(org: &TestOrg, id: &str, which: &str) -> Csv {
    let response = org
        .get(&org.data_url(V, &format!("/jobs/ingest/{id}/{which}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    parse_csv(&response.text().await.unwrap(), b',')
}

/// Runs a query job and reads every page of its result.
pub async fn bulk_query(
    org: &TestOrg,
    soql: &str,
    operation: &str,
) -> Vec<HashMap<String, String>> {
    let (status, job) = call(
        org,
        Method::POST,
        "/jobs/query",
        Some(json!({"operation": operation, "query": soql})),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(wait(org, "query", &id).await["state"], "JobComplete");
    let mut rows = Vec::new();
    let mut locator = String::new();
    loop {
        let mut url = org.data_url(V, &format!("/jobs/query/{id}/results"));
        if !locator.is_empty() {
            url = format!("{url}?locator={locator}");
        }
        let response = org.get(&url).send().await.unwrap();
        locator = response.headers()["sforce-locator"]
            .to_str()
            .unwrap()
            .to_string();
        rows.extend(maps(&parse_csv(&response.text().await.unwrap(), b',')));
        if locator == "null" {
            return rows;
        }
    }
}

pub async fn page(org: &TestOrg, path: String, version: &str) -> reqwest::Response {
    org.get(&org.data_url(version, &path)).send().await.unwrap()
}

pub fn assert_error(status: u16, body: &Json, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body[0]["errorCode"], code, "{body}");
    assert!(body[0]["message"].is_string(), "{body}");
}
