//! Bulk API 2.0 over HTTP: ingest jobs (insert, update, upsert, delete; multipart; failures;
//! result CSVs), query jobs with `Sforce-Locator` paging, and the errors of each rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestOrg;
use ferry_sandbox::salesforce::faults::FaultSettings;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::time::Duration;

const V: &str = "59.0";

/// A CSV body: header, rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

fn parse_csv(text: &str, delimiter: u8) -> Csv {
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
fn maps((header, rows): &Csv) -> Vec<HashMap<String, String>> {
    rows.iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

async fn call(org: &TestOrg, method: Method, path: &str, body: Option<Json>) -> (u16, Json) {
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
async fn create(org: &TestOrg, body: Json) -> String {
    let (status, job) = call(org, Method::POST, "/jobs/ingest/", Some(body)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "Open");
    job["id"].as_str().unwrap().to_string()
}

async fn upload(org: &TestOrg, id: &str, csv: &str) -> reqwest::Response {
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

async fn set_state(org: &TestOrg, kind: &str, id: &str, state: &str) -> (u16, Json) {
    let path = format!("/jobs/{kind}/{id}");
    call(org, Method::PATCH, &path, Some(json!({"state": state}))).await
}

/// Polls a job until it is JobComplete, Failed or Aborted.
async fn wait(org: &TestOrg, kind: &str, id: &str) -> Json {
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
async fn ingest(org: &TestOrg, body: Json, csv: &str) -> (String, Json) {
    let id = create(org, body).await;
    assert_eq!(upload(org, &id, csv).await.status(), 201);
    let (status, closed) = set_state(org, "ingest", &id, "UploadComplete").await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "UploadComplete");
    let job = wait(org, "ingest", &id).await;
    (id, job)
}

async fn results(org: &TestOrg, id: &str, which: &str) -> Csv {
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
async fn bulk_query(org: &TestOrg, soql: &str, operation: &str) -> Vec<HashMap<String, String>> {
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

async fn page(org: &TestOrg, path: String, version: &str) -> reqwest::Response {
    org.get(&org.data_url(version, &path)).send().await.unwrap()
}

fn assert_error(status: u16, body: &Json, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body[0]["errorCode"], code, "{body}");
    assert!(body[0]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn five_thousand_accounts_go_in_by_csv_and_come_back_in_five_pages() {
    let org = common::start_empty().await;
    let mut csv = String::from("Name,ExternalID__c,NumberOfEmployees\n");
    for i in 0..5_000 {
        csv.push_str(&format!("\"Account {i}, Ltd\",B-{i},{i}\n"));
    }
    let (id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert", "lineEnding": "LF"}),
        &csv,
    )
    .await;
    assert_eq!(job["state"], "JobComplete", "{job}");
    assert_eq!(job["numberRecordsProcessed"], 5_000);
    assert_eq!(job["numberRecordsFailed"], 0);
    assert_eq!(job["jobType"], "V2Ingest");
    assert_eq!(job["apiVersion"], json!(59.0));
    assert!(job["apiVersion"].is_f64());
    assert_eq!(
        job["contentUrl"],
        format!("services/data/v59.0/jobs/ingest/{id}/batches")
    );
    let success = results(&org, &id, "successfulResults").await;
    assert_eq!(
        success.0,
        [
            "sf__Id",
            "sf__Created",
            "Name",
            "ExternalID__c",
            "NumberOfEmployees"
        ]
    );
    assert_eq!(success.1.len(), 5_000);
    assert!(
        success
            .1
            .iter()
            .all(|row| row[1] == "true" && row[0].starts_with("001"))
    );
    assert_eq!(results(&org, &id, "failedResults").await.1.len(), 0);
    assert_eq!(results(&org, &id, "unprocessedrecords").await.1.len(), 0);

    let (status, job) = call(&org, Method::POST, "/jobs/query", Some(json!({
        "operation": "query", "query": "SELECT Id, Name, ExternalID__c FROM Account ORDER BY NumberOfEmployees"
    }))).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "UploadComplete");
    assert_eq!(job["object"], "Account");
    let query_id = job["id"].as_str().unwrap().to_string();
    let done = wait(&org, "query", &query_id).await;
    assert_eq!(done["state"], "JobComplete");
    assert_eq!(done["jobType"], "V2Query");
    assert_eq!(done["numberRecordsProcessed"], 5_000);
    let mut locator = None::<String>;
    let mut pages = 0;
    let mut ids = Vec::new();
    loop {
        let mut url = org.data_url(
            V,
            &format!("/jobs/query/{query_id}/results?maxRecords=1000"),
        );
        if let Some(locator) = &locator {
            url.push_str(&format!("&locator={locator}"));
        }
        let response = org
            .get(&url)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["sforce-numberofrecords"], "1000");
        let next = response.headers()["sforce-locator"]
            .to_str()
            .unwrap()
            .to_string();
        let text = response.text().await.unwrap();
        assert!(
            text.starts_with("\"Id\",\"Name\",\"ExternalID__c\"\n"),
            "{}",
            &text[..60]
        );
        let page = parse_csv(&text, b',');
        assert_eq!(page.0, ["Id", "Name", "ExternalID__c"]);
        assert_eq!(page.1[0][1], format!("Account {}, Ltd", pages * 1000));
        ids.extend(page.1.into_iter().map(|row| row[0].clone()));
        pages += 1;
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(pages, 5);
    let created: Vec<String> = success.1.iter().map(|row| row[0].clone()).collect();
    assert_eq!(ids, created);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn upsert_by_external_id_reports_created_and_updated_rows() {
    let org = common::start_empty().await;
    let (_, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name,ExternalID__c\nFirst,U-1\n",
    )
    .await;
    assert_eq!(job["state"], "JobComplete");
    let body =
        json!({"object": "Account", "operation": "upsert", "externalIdFieldName": "ExternalID__c"});
    let (id, job) = ingest(
        &org,
        body,
        "ExternalID__c,Name\nU-1,First renamed\nU-2,Second\n",
    )
    .await;
    assert_eq!(job["externalIdFieldName"], "ExternalID__c");
    assert_eq!(job["numberRecordsProcessed"], 2);
    let rows = maps(&results(&org, &id, "successfulResults").await);
    let by_key: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r["ExternalID__c"].as_str(), r["sf__Created"].as_str()))
        .collect();
    assert_eq!(by_key, HashMap::from([("U-1", "false"), ("U-2", "true")]));
    let names: Vec<String> = bulk_query(
        &org,
        "SELECT Name FROM Account ORDER BY ExternalID__c",
        "query",
    )
    .await
    .into_iter()
    .map(|r| r["Name"].clone())
    .collect();
    assert_eq!(names, ["First renamed", "Second"]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_bad_row_fails_alone_with_sf_error() {
    let org = common::start_empty().await;
    let csv = "FirstName,LastName,Email\nAda,Lovelace,ada@example.com\nNo,,nolast@example.com\nAlan,Turing,alan@example.com\n";
    let (id, job) = ingest(
        &org,
        json!({"object": "Contact", "operation": "insert"}),
        csv,
    )
    .await;
    assert_eq!(job["state"], "JobComplete");
    assert_eq!(job["numberRecordsProcessed"], 3);
    assert_eq!(job["numberRecordsFailed"], 1);
    let failed = results(&org, &id, "failedResults").await;
    assert_eq!(
        failed.0,
        ["sf__Id", "sf__Error", "FirstName", "LastName", "Email"]
    );
    assert_eq!(
        failed.1,
        [[
            "",
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
            "No",
            "",
            "nolast@example.com"
        ]]
    );
    assert_eq!(results(&org, &id, "successfulResults").await.1.len(), 2);
    let last_names: Vec<String> = bulk_query(
        &org,
        "SELECT LastName FROM Contact ORDER BY LastName",
        "query",
    )
    .await
    .into_iter()
    .map(|r| r["LastName"].clone())
    .collect();
    assert_eq!(last_names, ["Lovelace", "Turing"]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn update_ignores_blank_cells_and_nulls_na() {
    let org = common::start_empty().await;
    let (id, _) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name,Phone,Website\nKeep,555-0100,example.com\n",
    )
    .await;
    let account = results(&org, &id, "successfulResults").await.1[0][0].clone();
    let csv = format!("Id,Name,Phone,Website\n{account},Kept,,#N/A\n");
    let (update_id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "update"}),
        &csv,
    )
    .await;
    assert_eq!(job["numberRecordsFailed"], 0, "{job}");
    let success = maps(&results(&org, &update_id, "successfulResults").await);
    assert_eq!(success[0]["sf__Id"], account);
    assert_eq!(success[0]["sf__Created"], "false");
    let rows = bulk_query(&org, "SELECT Name, Phone, Website FROM Account", "query").await;
    assert_eq!(rows[0]["Name"], "Kept");
    assert_eq!(rows[0]["Phone"], "555-0100");
    assert_eq!(rows[0]["Website"], "");

    // A row without an Id, and one whose Id is not an Account's, fail with the real codes.
    let csv = format!("Id,Name\n,Nobody\n003000000000001AAA,Wrong\n{account},Fine\n");
    let (update_id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "update"}),
        &csv,
    )
    .await;
    assert_eq!(job["numberRecordsFailed"], 2);
    let failed = maps(&results(&org, &update_id, "failedResults").await);
    assert!(
        failed[0]["sf__Error"]
            .starts_with("MISSING_ARGUMENT:Id not specified in an update call:Id --"),
        "{failed:?}"
    );
    assert!(
        failed[1]["sf__Error"].starts_with("MALFORMED_ID:Account ID: id value of incorrect type"),
        "{failed:?}"
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn delete_moves_rows_to_the_recycle_bin_and_refuses_them_twice() {
    let org = common::start_empty().await;
    let (id, _) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name\nA\nB\nC\n",
    )
    .await;
    let ids: Vec<String> = results(&org, &id, "successfulResults")
        .await
        .1
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let csv = format!("Id\n{}\n{}\n", ids[0], ids[1]);
    let (delete_id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "delete"}),
        &csv,
    )
    .await;
    assert_eq!(job["numberRecordsProcessed"], 2);
    assert_eq!(
        maps(&results(&org, &delete_id, "successfulResults").await)[0]["sf__Id"],
        ids[0]
    );
    let live = bulk_query(&org, "SELECT Name FROM Account", "query").await;
    assert_eq!(live.len(), 1);
    let all = bulk_query(
        &org,
        "SELECT Name, IsDeleted FROM Account ORDER BY Name",
        "queryAll",
    )
    .await;
    let deleted: Vec<&str> = all.iter().map(|r| r["IsDeleted"].as_str()).collect();
    assert_eq!(deleted, ["true", "true", "false"]);

    let (again, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "delete"}),
        &csv,
    )
    .await;
    assert_eq!(job["numberRecordsFailed"], 2);
    let failed = maps(&results(&org, &again, "failedResults").await);
    assert_eq!(
        failed[0]["sf__Error"],
        "ENTITY_IS_DELETED:entity is deleted:--"
    );
    assert_eq!(failed[0]["sf__Id"], ids[0]);

    // A delete job's data is ids only.
    let (_, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "delete"}),
        &format!("Id,Name\n{},C\n", ids[2]),
    )
    .await;
    assert_eq!(job["state"], "Failed");
    assert_eq!(
        job["errorMessage"],
        "InvalidBatch : The 'delete' batch must contain only ids"
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn parent_columns_resolve_by_external_id_and_writes_carry_the_bulk_origin() {
    let org = common::start_empty().await;
    ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name,ExternalID__c\nParent Co,P-1\n",
    )
    .await;
    let response = org
        .request(Method::POST, &org.data_url(V, "/jobs/ingest"))
        .header("sforce-call-options", "client=ferry-test")
        .json(&json!({"object": "Contact", "operation": "insert"}))
        .send()
        .await
        .unwrap();
    let id = response.json::<Json>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    upload(
        &org,
        &id,
        "LastName,Account.ExternalID__c\nChild,P-1\nOrphan,P-404\n",
    )
    .await;
    set_state(&org, "ingest", &id, "UploadComplete").await;
    let job = wait(&org, "ingest", &id).await;
    assert_eq!(job["numberRecordsFailed"], 1, "{job}");
    let failed = maps(&results(&org, &id, "failedResults").await);
    assert!(
        failed[0]["sf__Error"]
            .starts_with("INVALID_FIELD:Foreign key external ID: P-404 not found"),
        "{failed:?}"
    );
    let rows = bulk_query(&org, "SELECT LastName, Account.Name FROM Contact", "query").await;
    assert_eq!(rows[0]["Account.Name"], "Parent Co");
    let origin = org
        .sandbox
        .state()
        .org()
        .changes
        .iter()
        .last()
        .map(|c| c.change_origin.clone())
        .unwrap();
    assert_eq!(origin, "com/salesforce/api/bulkapi/59.0;client=ferry-test");
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
async fn a_multipart_create_carries_the_data_and_starts_at_once() {
    let org = common::start_empty().await;
    let body = "--BOUNDARY\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\n{\"object\":\"Account\",\"contentType\":\"CSV\",\"operation\":\"insert\",\"lineEnding\":\"LF\"}\r\n--BOUNDARY\r\nContent-Type: text/csv\r\nContent-Disposition: form-data; name=\"content\"; filename=\"content\"\r\n\r\nName,Industry\nMulti One,Retail\nMulti Two,Media\n\r\n--BOUNDARY--\r\n";
    let response = org
        .request(Method::POST, &org.data_url(V, "/jobs/ingest"))
        .header("content-type", "multipart/form-data; boundary=BOUNDARY")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let job: Json = response.json().await.unwrap();
    assert_eq!(job["state"], "UploadComplete");
    let id = job["id"].as_str().unwrap();
    let done = wait(&org, "ingest", id).await;
    assert_eq!(done["state"], "JobComplete");
    assert_eq!(done["numberRecordsProcessed"], 2);

    let response = org
        .request(Method::POST, &org.data_url(V, "/jobs/ingest"))
        .header("content-type", "multipart/form-data; boundary=BOUNDARY")
        .body("--BOUNDARY\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\n{\"object\":\"Account\",\"operation\":\"insert\"}\r\n--BOUNDARY--\r\n")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_error(
        status,
        &response.json().await.unwrap(),
        400,
        "CLIENTINPUTERROR",
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn unreadable_data_fails_the_job_with_an_error_message() {
    let org = common::start_empty().await;
    let (id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name,Foo\nA,1\n",
    )
    .await;
    assert_eq!(job["state"], "Failed");
    assert_eq!(
        job["errorMessage"],
        "InvalidBatch : Field name not found : Foo"
    );
    assert_eq!(job["numberRecordsProcessed"], 0);
    let unprocessed = results(&org, &id, "unprocessedRecords").await;
    assert_eq!(unprocessed.1, [["A", "1"]]);

    let (_, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name\r\nA\r\n",
    )
    .await;
    assert_eq!(job["state"], "Failed");
    assert_eq!(
        job["errorMessage"],
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn tab_delimited_crlf_data_is_read_and_answered_in_kind() {
    let org = common::start_empty().await;
    let body = json!({"object": "Account", "operation": "insert", "columnDelimiter": "TAB", "lineEnding": "CRLF"});
    let (id, job) = ingest(
        &org,
        body,
        "Name\tDescription\r\n\"Tab, Co\"\t\"two\r\nlines\"\r\nPlain\t\r\n",
    )
    .await;
    assert_eq!(job["columnDelimiter"], "TAB");
    assert_eq!(job["lineEnding"], "CRLF");
    assert_eq!(job["numberRecordsProcessed"], 2, "{job}");
    let text = org
        .get(&org.data_url(V, &format!("/jobs/ingest/{id}/successfulResults")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("\"sf__Id\"\t\"sf__Created\"\t\"Name\"\t\"Description\"\r\n"),
        "{text}"
    );
    let rows = maps(&parse_csv(&text, b'\t'));
    assert_eq!(rows[0]["Name"], "Tab, Co");
    assert_eq!(rows[0]["Description"], "two\r\nlines");
    let rows = bulk_query(
        &org,
        "SELECT Name, Description FROM Account ORDER BY Name",
        "query",
    )
    .await;
    assert_eq!(rows[1]["Description"], "two\r\nlines");
    org.sandbox.stop().await.unwrap();
}

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
async fn query_jobs_refuse_what_bulk_cannot_stream() {
    let org = common::start_empty().await;
    for (soql, code) in [
        ("SELECT COUNT() FROM Account", "API_ERROR"),
        (
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
            "API_ERROR",
        ),
        ("SELECT Id FROM Account LIMIT 10 OFFSET 5", "API_ERROR"),
        (
            "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
            "API_ERROR",
        ),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
    ] {
        let (status, body) = call(
            &org,
            Method::POST,
            "/jobs/query",
            Some(json!({"operation": "query", "query": soql})),
        )
        .await;
        assert_error(status, &body, 400, code);
    }
    let (status, body) = call(
        &org,
        Method::POST,
        "/jobs/query",
        Some(json!({"operation": "insert", "query": "SELECT Id FROM Account"})),
    )
    .await;
    assert_error(status, &body, 400, "INVALIDJOB");
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn query_results_check_locator_page_size_and_version() {
    let org = common::start_empty().await;
    ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name\nA\nB\nC\n",
    )
    .await;
    let (_, job) = call(
        &org,
        Method::POST,
        "/jobs/query",
        Some(json!({"operation": "query", "query": "SELECT Name FROM Account ORDER BY Name"})),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    wait(&org, "query", &id).await;
    // jsforce asks for later pages with a doubled slash.
    let response = page(&org, format!("/jobs/query//{id}/results?maxRecords=2"), V).await;
    assert_eq!(response.status(), 200);
    let locator = response.headers()["sforce-locator"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(response.headers()["sforce-numberofrecords"], "2");
    let response = page(
        &org,
        format!("/jobs/query/{id}/results?locator={locator}&maxRecords=2"),
        V,
    )
    .await;
    assert_eq!(response.headers()["sforce-locator"], "null");
    assert_eq!(response.headers()["sforce-numberofrecords"], "1");
    assert_eq!(response.text().await.unwrap(), "\"Name\"\n\"C\"\n");
    for (path, status, code) in [
        (
            format!("/jobs/query/{id}/results?locator=bogus"),
            400,
            "INVALID_QUERY_LOCATOR",
        ),
        (
            format!("/jobs/query/{id}/results?maxRecords=0"),
            400,
            "CLIENTINPUTERROR",
        ),
    ] {
        let response = page(&org, path, V).await;
        assert_eq!(response.status(), status);
        assert_eq!(response.json::<Json>().await.unwrap()[0]["errorCode"], code);
    }
    let response = page(&org, format!("/jobs/query/{id}/results"), "60.0").await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.json::<Json>().await.unwrap()[0]["errorCode"],
        "INVALIDJOB"
    );
    let response = page(
        &org,
        format!("/jobs/query/{id}/resultPages?maxRecords=2"),
        V,
    )
    .await;
    let pages: Json = response.json().await.unwrap();
    assert_eq!(pages["resultPages"].as_array().unwrap().len(), 2, "{pages}");
    assert_eq!(pages["done"], true);
    assert_eq!(
        page(&org, format!("/jobs/query/{id}/resultPages"), "57.0")
            .await
            .status(),
        404
    );
    let response = org
        .request(
            Method::DELETE,
            &org.data_url(V, &format!("/jobs/query/{id}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
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
async fn lock_faults_fail_rows_with_unable_to_lock_row() {
    let org = common::start_empty().await;
    org.sandbox.state().faults.set(FaultSettings {
        lock_rate: 1.0,
        ..FaultSettings::default()
    });
    let (id, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "insert"}),
        "Name\nA\nB\n",
    )
    .await;
    assert_eq!(job["state"], "JobComplete");
    assert_eq!(job["numberRecordsFailed"], 2);
    let failed = maps(&results(&org, &id, "failedResults").await);
    assert!(
        failed
            .iter()
            .all(|r| r["sf__Error"].starts_with("UNABLE_TO_LOCK_ROW:")),
        "{failed:?}"
    );
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
