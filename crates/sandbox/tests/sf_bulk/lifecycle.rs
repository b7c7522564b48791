//! Job states and their rules: close, abort, delete, lists, unknown jobs, bad job bodies,
//! and the processing delay.

use crate::common;
use crate::support::*;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::time::Duration;

#[tokio::test]
async fn state_rules_answer_invalidjobstate() {
    let org = common::start_empty().await;
    let id = create(&org, json!({"object": "Account", "operation": "insert"})).await;
    // An Open job can be neither deleted nor read for results.
    let (status, body) = call(&org, Method::DELETE, &format!("/jobs/ingest/{id}"), None).await;
    assert_error(status, &body, 409, "INVALIDJOBSTATE");
    let (status, body) = call(
        &org,
        Method::GET,
        &format!("/jobs/ingest/{id}/successfulResults"),
        None,
    )
    .await;
    assert_error(status, &body, 409, "INVALIDJOBSTATE");
    // Only UploadComplete and Aborted can be asked for.
    let (status, body) = set_state(&org, "ingest", &id, "JobComplete").await;
    assert_error(status, &body, 400, "INVALIDJOBSTATE");
    // Every upload starts with the same header row.
    assert_eq!(upload(&org, &id, "Name\nA\n").await.status(), 201);
    let response = upload(&org, &id, "Name,Phone\nB,1\n").await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Json>().await.unwrap()[0]["errorCode"],
        "INVALIDBATCH"
    );
    let (status, _) = set_state(&org, "ingest", &id, "UploadComplete").await;
    assert_eq!(status, 200);
    // Closed: no more data, no second close.
    let response = upload(&org, &id, "Name\nC\n").await;
    assert_eq!(response.status(), 409);
    let (status, body) = set_state(&org, "ingest", &id, "UploadComplete").await;
    assert_error(status, &body, 409, "INVALIDJOBSTATE");
    wait(&org, "ingest", &id).await;
    let response = org
        .request(
            Method::DELETE,
            &org.data_url(V, &format!("/jobs/ingest/{id}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = call(&org, Method::GET, &format!("/jobs/ingest/{id}"), None).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_jobs_and_bad_job_bodies_get_real_errors() {
    let org = common::start_empty().await;
    let missing = "7500000000000zzAAA";
    for (method, path) in [
        (Method::GET, format!("/jobs/ingest/{missing}")),
        (Method::PATCH, format!("/jobs/ingest/{missing}")),
        (Method::DELETE, format!("/jobs/ingest/{missing}")),
        (Method::GET, format!("/jobs/ingest/{missing}/failedResults")),
        (Method::GET, "/jobs/ingest/not-an-id".to_string()),
        (Method::GET, format!("/jobs/query/{missing}/results")),
    ] {
        let (status, body) = call(&org, method, &path, Some(json!({"state": "Aborted"}))).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            body,
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        );
    }
    let response = upload(&org, missing, "Name\nA\n").await;
    assert_eq!(response.status(), 404);
    // An ingest job is not a query job.
    let ingest_id = create(&org, json!({"object": "Account", "operation": "insert"})).await;
    let (status, _) = call(&org, Method::GET, &format!("/jobs/query/{ingest_id}"), None).await;
    assert_eq!(status, 404);
    // Bulk API 2.0 ingest arrived in v41.0.
    let response = org
        .get(&org.data_url("40.0", "/jobs/ingest"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    for (body, message) in [
        (
            json!({"object": "Nope", "operation": "insert"}),
            "Unable to find object: Nope",
        ),
        (
            json!({"object": "Account", "operation": "upsert"}),
            "External ID was blank for Account. An External ID must be specified for upsert.",
        ),
        (
            json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"}),
            "Field name provided, Name is not an External ID or indexed field for Account",
        ),
    ] {
        let (status, error) = call(&org, Method::POST, "/jobs/ingest", Some(body)).await;
        assert_error(status, &error, 400, "INVALIDJOB");
        assert_eq!(error[0]["message"], message);
    }
    for body in [
        json!({"object": "Account", "operation": "merge"}),
        json!({"object": "Account", "operation": "insert", "columnDelimiter": "COLON"}),
        json!({"object": "Account", "operation": "insert", "lineEnding": "CR"}),
        json!({"object": "Account", "operation": "insert", "contentType": "JSON"}),
    ] {
        let (status, error) = call(&org, Method::POST, "/jobs/ingest", Some(body)).await;
        assert_error(status, &error, 400, "INVALIDJOB");
    }
    let response = org
        .request(Method::POST, &org.data_url(V, "/jobs/ingest"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_error(
        status,
        &response.json().await.unwrap(),
        400,
        "JSON_PARSER_ERROR",
    );
    let (status, error) = call(&org, Method::PUT, "/jobs/ingest", None).await;
    assert_error(status, &error, 405, "METHOD_NOT_ALLOWED");
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn abort_stops_a_job_and_keeps_its_data_unprocessed() {
    let org = common::start_empty().await;
    let id = create(&org, json!({"object": "Account", "operation": "insert"})).await;
    assert_eq!(upload(&org, &id, "Name\nOne\n").await.status(), 201);
    assert_eq!(upload(&org, &id, "Name\nTwo\n").await.status(), 201);
    let (status, job) = set_state(&org, "ingest", &id, "Aborted").await;
    assert_eq!(status, 200);
    assert_eq!(job["state"], "Aborted");
    let response = upload(&org, &id, "Name\nThree\n").await;
    assert_eq!(response.status(), 409);
    let body: Json = response.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "INVALIDJOBSTATE");
    let (status, body) = set_state(&org, "ingest", &id, "Aborted").await;
    assert_error(status, &body, 409, "INVALIDJOBSTATE");
    assert_eq!(
        body[0]["message"],
        "Aborting already Aborted Job not allowed"
    );
    let unprocessed = results(&org, &id, "unprocessedrecords").await;
    assert_eq!(
        unprocessed,
        (
            vec!["Name".to_string()],
            vec![vec!["One".to_string()], vec!["Two".to_string()]]
        )
    );
    assert!(
        bulk_query(&org, "SELECT Id FROM Account", "query")
            .await
            .is_empty()
    );

    // Aborting a finished job is refused the way Salesforce words it.
    let (done, _) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name\nX\n",
    )
    .await;
    let (status, body) = set_state(&org, "ingest", &done, "Aborted").await;
    assert_error(status, &body, 409, "INVALIDJOBSTATE");
    assert_eq!(
        body[0]["message"],
        "Aborting already Completed Job not allowed"
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_processing_delay_shows_upload_complete_then_in_progress() {
    let org = common::start_empty().await;
    org.sandbox.state().bulk.lock().unwrap().processing_delay_ms = 300;
    let id = create(&org, json!({"object": "Account", "operation": "insert"})).await;
    upload(&org, &id, "Name\nSlow\n").await;
    set_state(&org, "ingest", &id, "UploadComplete").await;
    let mut seen = Vec::new();
    for _ in 0..200 {
        let (_, job) = call(&org, Method::GET, &format!("/jobs/ingest/{id}"), None).await;
        let state = job["state"].as_str().unwrap().to_string();
        if seen.last() != Some(&state) {
            seen.push(state.clone());
        }
        if state == "JobComplete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, ["UploadComplete", "InProgress", "JobComplete"]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn job_lists_page_by_a_thousand_and_keep_kinds_apart() {
    let org = common::start_empty().await;
    let mut ids = Vec::new();
    for _ in 0..1_001 {
        ids.push(create(&org, json!({"object": "Account", "operation": "insert"})).await);
    }
    call(
        &org,
        Method::POST,
        "/jobs/query",
        Some(json!({"operation": "query", "query": "SELECT Id FROM Account"})),
    )
    .await;
    let (status, first) = call(&org, Method::GET, "/jobs/ingest", None).await;
    assert_eq!(status, 200);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 1_000);
    assert_eq!(first["records"][0]["id"], ids[0]);
    let next = first["nextRecordsUrl"].as_str().unwrap();
    assert!(
        next.starts_with("/services/data/v59.0/jobs/ingest?queryLocator="),
        "{next}"
    );
    let (_, second) = call(
        &org,
        Method::GET,
        next.trim_start_matches("/services/data/v59.0"),
        None,
    )
    .await;
    assert_eq!(second["done"], true);
    assert_eq!(second["nextRecordsUrl"], Json::Null);
    assert_eq!(second["records"].as_array().unwrap().len(), 1);
    assert_eq!(second["records"][0]["id"], ids[1_000]);
    let (_, queries) = call(&org, Method::GET, "/jobs/query", None).await;
    assert_eq!(queries["records"].as_array().unwrap().len(), 1);
    assert_eq!(queries["records"][0]["jobType"], "V2Query");
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_oldest_finished_jobs_make_room_beyond_a_thousand() {
    let org = common::start_empty().await;
    let open = create(&org, json!({"object": "Account", "operation": "insert"})).await;
    let mut aborted = Vec::new();
    for _ in 0..1_000 {
        let id = create(&org, json!({"object": "Account", "operation": "insert"})).await;
        let (status, _) = set_state(&org, "ingest", &id, "Aborted").await;
        assert_eq!(status, 200);
        aborted.push(id);
    }
    assert_eq!(org.sandbox.state().bulk.lock().unwrap().len(), 1_000);
    // The open job stays; the oldest aborted one, and its data, are gone.
    let (status, _) = call(&org, Method::GET, &format!("/jobs/ingest/{open}"), None).await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &org,
        Method::GET,
        &format!("/jobs/ingest/{}", aborted[0]),
        None,
    )
    .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, _) = call(
        &org,
        Method::GET,
        &format!("/jobs/ingest/{}", aborted[1]),
        None,
    )
    .await;
    assert_eq!(status, 200);
    org.sandbox.stop().await.unwrap();
}
