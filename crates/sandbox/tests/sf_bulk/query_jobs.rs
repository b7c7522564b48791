//! Query jobs: paging by `Sforce-Locator`, what Bulk refuses, and the results resources.

use crate::common;
use crate::support::*;
use reqwest::Method;
use serde_json::{Value as Json, json};

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
        ("SELECT Id, BillingAddress FROM Account", "API_ERROR"),
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
