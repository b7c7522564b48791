//! Bulk API 2.0 over HTTP: ingest jobs (insert, update, upsert, delete; multipart; failures;
//! result CSVs), query jobs with `Sforce-Locator` paging, and the errors of each rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "sf_bulk/lifecycle.rs"]
mod lifecycle;
#[path = "sf_bulk/query_jobs.rs"]
mod query_jobs;
#[path = "sf_bulk/support.rs"]
mod support;

use ferry_sandbox::salesforce::faults::FaultSettings;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use support::*;

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

    // hardDelete removes the row from the live data like delete.
    let (hard, job) = ingest(
        &org,
        json!({"object": "Account", "operation": "hardDelete"}),
        &format!("Id\n{}\n", ids[2]),
    )
    .await;
    assert_eq!(job["operation"], "hardDelete");
    assert_eq!(job["numberRecordsFailed"], 0, "{job}");
    assert_eq!(
        results(&org, &hard, "successfulResults").await.1[0][0],
        ids[2]
    );
    assert!(
        bulk_query(&org, "SELECT Id FROM Account", "query")
            .await
            .is_empty()
    );
    // Hard-deleted rows skip the recycle bin: queryAll no longer sees them either.
    assert_eq!(
        bulk_query(&org, "SELECT Id FROM Account", "queryAll")
            .await
            .len(),
        2
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
