//! sObject Collections, Composite, Composite Batch and Composite Graph over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{Value, json};

fn account(name: &str, key: &str) -> Value {
    json!({"attributes": {"type": "Account"}, "Name": name, "ExternalID__c": key})
}

#[tokio::test]
async fn collections_create_update_retrieve_delete_in_request_order() {
    let org = common::start_empty().await;
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"allOrNone": false, "records": [
                account("A", "K-1"),
                {"attributes": {"type": "Account"}, "Phone": "no name"},
                {"attributes": {"type": "Contact"}, "LastName": "Mixed types are fine"},
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    let items = body.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["success"], true);
    assert_eq!(items[0]["errors"], json!([]));
    assert_eq!(items[1]["success"], false);
    assert_eq!(
        items[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(items[1]["errors"][0]["fields"], json!(["Name"]));
    assert!(items[1]["errors"][0].get("errorCode").is_none());
    assert_eq!(items[2]["success"], true);
    let a = items[0]["id"].as_str().unwrap().to_string();
    let c = items[2]["id"].as_str().unwrap().to_string();

    let (status, body) = org
        .call(
            "PATCH",
            "/composite/sobjects",
            Some(json!({"records": [
                {"attributes": {"type": "Account"}, "id": a, "Phone": "555"},
                {"attributes": {"type": "Account"}, "Phone": "no id"},
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(body[1]["errors"][0]["statusCode"], "MISSING_ARGUMENT");

    let (status, body) = org
        .call(
            "GET",
            &format!("/composite/sobjects/Account?ids={a},001000000000000AAA&fields=Id,Phone"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["Phone"], "555");
    assert_eq!(body[0]["attributes"]["type"], "Account");
    assert_eq!(body[1], Value::Null);

    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects/Contact",
            Some(json!({"ids": [c], "fields": ["LastName"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["LastName"], "Mixed types are fine");

    let (status, body) = org
        .call("DELETE", &format!("/composite/sobjects?ids={a},{c}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["success"] == true)
            .count(),
        2
    );
}

#[tokio::test]
async fn all_or_none_rolls_every_record_back() {
    let org = common::start_empty().await;
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"allOrNone": true, "records": [account("A", "R-1"), {"attributes": {"type": "Account"}}]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["success"], false);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(
        body[0]["errors"][0]["message"],
        "Record rolled back because not all records were valid and the request was using AllOrNone header"
    );
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let (_, body) = org
        .call("GET", "/query?q=SELECT+Id+FROM+Account", None)
        .await;
    assert_eq!(body["totalSize"], 0, "nothing was kept");
    assert!(
        org.sandbox.state().org().changes.is_empty(),
        "nothing reached the change log"
    );
}

#[tokio::test]
async fn upsert_collections_report_created_and_refuse_duplicate_keys() {
    let org = common::start_empty().await;
    org.create("Account", json!({"Name": "Old", "ExternalID__c": "U-1"}))
        .await;
    let (status, body) = org
        .call(
            "PATCH",
            "/composite/sobjects/Account/ExternalID__c",
            Some(json!({"allOrNone": false, "records": [
                account("Updated", "U-1"),
                account("New", "U-2"),
                account("Twice", "U-3"),
                account("Twice again", "u-3"),
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["created"], false);
    assert_eq!(body[1]["created"], true);
    assert_eq!(body[2]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(body[3]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
    let (_, body) = org
        .call("GET", "/sobjects/Account/ExternalID__c/U-1", None)
        .await;
    assert_eq!(body["Name"], "Updated");

    let (status, body) = org
        .call(
            "PATCH",
            "/composite/sobjects/Account/Name",
            Some(json!({"records": [account("x", "y")]})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");

    // Older API versions have no upsert collection.
    let (status, _) = org
        .call_version(
            "45.0",
            "PATCH",
            "/composite/sobjects/Account/ExternalID__c",
            Some(json!({"records": []})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn collections_refuse_more_than_200_records() {
    let org = common::start_empty().await;
    let records: Vec<Value> = (0..201).map(|i| account("A", &format!("K{i}"))).collect();
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"records": records})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
}

#[tokio::test]
async fn injected_lock_errors_fail_single_records() {
    let org = common::start_empty().await;
    let mut faults = org.sandbox.state().faults.get();
    faults.lock_rate = 1.0;
    org.sandbox.state().faults.set(faults);
    let (status, body) = org
        .call(
            "POST",
            "/composite/sobjects",
            Some(json!({"records": [account("A", "L-1")]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
}

#[tokio::test]
async fn composite_resolves_references_and_rolls_back_all_or_none() {
    let org = common::start_empty().await;
    let request = |all_or_none: bool, last_name: Value| {
        json!({"allOrNone": all_or_none, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "refAccount", "body": {"Name": "Graph Co"}},
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "refContact",
             "body": {"LastName": last_name, "AccountId": "@{refAccount.id}"}},
            {"method": "GET", "url": "/services/data/v59.0/sobjects/Account/@{refAccount.id}?fields=Name", "referenceId": "refRead"},
            {"method": "GET", "url": "/services/data/v59.0/query?q=SELECT+Id,Name+FROM+Account", "referenceId": "refQuery"},
        ]})
    };
    let (status, body) = org
        .call("POST", "/composite", Some(request(true, json!("Smith"))))
        .await;
    assert_eq!(status, 200);
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert!(
        responses[0]["httpHeaders"]["Location"]
            .as_str()
            .unwrap()
            .contains("/sobjects/Account/001")
    );
    assert_eq!(responses[1]["httpStatusCode"], 201);
    assert_eq!(responses[2]["body"]["Name"], "Graph Co");
    assert_eq!(responses[3]["body"]["totalSize"], 1);
    let account = responses[0]["body"]["id"].as_str().unwrap();
    let (_, contact) = org
        .call(
            "GET",
            &format!(
                "/sobjects/Contact/{}",
                responses[1]["body"]["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(contact["AccountId"], account);

    // allOrNone: a failing subrequest rolls back the account created before it.
    let (status, body) = org
        .call("POST", "/composite", Some(request(true, Value::Null)))
        .await;
    assert_eq!(status, 200);
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 400);
    assert_eq!(responses[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        responses[1]["body"][0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let (_, count) = org
        .call("GET", "/query?q=SELECT+COUNT()+FROM+Account", None)
        .await;
    assert_eq!(count["totalSize"], 1);

    // Without allOrNone the account stays; dependants of the failure are not run.
    let (_, body) = org
        .call(
            "POST",
            "/composite",
            Some(json!({"compositeRequest": [
                {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "bad", "body": {}},
                {"method": "PATCH", "url": "/services/data/v59.0/sobjects/Contact/@{bad.id}", "referenceId": "after", "body": {"LastName": "x"}},
                {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "fine", "body": {"Name": "Kept"}},
            ]})),
        )
        .await;
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(
        responses[0]["body"][0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(responses[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(responses[2]["httpStatusCode"], 201);

    let many: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": format!("r{i}")}))
        .collect();
    let (status, body) = org
        .call(
            "POST",
            "/composite",
            Some(json!({"compositeRequest": many})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn batch_runs_independent_requests_and_halts_on_error_when_asked() {
    let org = common::start_empty().await;
    let id = org.create("Account", json!({"Name": "Batch"})).await;
    let (status, body) = org
        .call(
            "POST",
            "/composite/batch",
            Some(json!({"haltOnError": true, "batchRequests": [
                {"method": "PATCH", "url": format!("v59.0/sobjects/Account/{id}"), "richInput": {"Name": "Renamed"}},
                {"method": "GET", "url": format!("v59.0/sobjects/Account/{id}?fields=Name")},
                {"method": "PATCH", "url": format!("v59.0/sobjects/Account/{id}"), "richInput": {"Name": null}},
                {"method": "GET", "url": format!("v59.0/sobjects/Account/{id}")},
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["hasErrors"], true);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["statusCode"], 204);
    assert_eq!(results[1]["result"]["Name"], "Renamed");
    assert_eq!(results[2]["statusCode"], 400);
    assert_eq!(results[3]["statusCode"], 412);
    assert_eq!(
        results[3]["result"][0]["errorCode"],
        "BATCH_PROCESSING_HALTED"
    );
}

#[tokio::test]
async fn graphs_are_each_all_or_nothing() {
    let org = common::start_empty().await;
    let node = |reference: &str, body: Value| json!({"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": reference, "body": body});
    let (status, body) = org
        .call(
            "POST",
            "/composite/graph",
            Some(json!({"graphs": [
                {"graphId": "good", "compositeRequest": [node("a", json!({"Name": "G1"})), node("b", json!({"Name": "G2", "ParentId": "@{a.id}"}))]},
                {"graphId": "bad", "compositeRequest": [node("c", json!({"Name": "G3"})), node("d", json!({}))]},
            ]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["graphs"][0]["isSuccessful"], true);
    assert_eq!(body["graphs"][1]["isSuccessful"], false);
    let (_, count) = org
        .call("GET", "/query?q=SELECT+COUNT()+FROM+Account", None)
        .await;
    assert_eq!(
        count["totalSize"], 2,
        "the failed graph left nothing behind"
    );
}
