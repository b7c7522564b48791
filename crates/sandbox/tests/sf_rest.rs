//! The REST sObject API over HTTP: versions, describe, CRUD, upsert by external id across API
//! versions, ids, updated/deleted windows, limits headers and the change origin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use serde_json::{Value, json};

#[tokio::test]
async fn versions_list_needs_no_session_and_carries_no_limit_header() {
    let org = common::start_empty().await;
    let response = org
        .http
        .get(format!("{}/services/data/", org.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("sforce-limit-info").is_none());
    let body: Value = response.json().await.unwrap();
    let list = body.as_array().unwrap();
    assert_eq!(
        list[0],
        json!({"label": "Winter '11", "url": "/services/data/v20.0", "version": "20.0"})
    );
    assert_eq!(list.last().unwrap()["version"], "67.0");

    let response = org.get(&org.data_url("59.0", "/")).send().await.unwrap();
    let limit = response
        .headers()
        .get("sforce-limit-info")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(limit.starts_with("api-usage="), "{limit}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["sobjects"], "/services/data/v59.0/sobjects");
    assert!(body["identity"].as_str().unwrap().ends_with(&format!(
        "/id/{}/{}",
        org.sandbox.banner.org_id, org.sandbox.banner.user_id
    )));

    let (status, _) = org.call_version("19.0", "GET", "/sobjects", None).await;
    assert_eq!(status, 404);
    for path in [
        "/limits",
        "/sobjects/Account/updated",
        "/sobjects/Account/deleted",
    ] {
        let (status, _) = org.call_version("68.0", "GET", path, None).await;
        assert_eq!(status, 404, "{path} at an unknown version");
    }
}

#[tokio::test]
async fn describe_reports_field_metadata() {
    let org = common::start_empty().await;
    let (status, body) = org.call("GET", "/sobjects/Account/describe/", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["keyPrefix"], "001");
    let field = |name: &str| {
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap()
    };
    let id = field("Id");
    assert_eq!(
        (
            id["type"].clone(),
            id["length"].clone(),
            id["idLookup"].clone()
        ),
        (json!("id"), json!(18), json!(true))
    );
    let name = field("Name");
    assert_eq!(
        (
            name["nillable"].clone(),
            name["createable"].clone(),
            name["length"].clone()
        ),
        (json!(false), json!(true), json!(255))
    );
    let key = field("ExternalID__c");
    assert_eq!(
        (
            key["externalId"].clone(),
            key["unique"].clone(),
            key["custom"].clone()
        ),
        (json!(true), json!(true), json!(true))
    );
    let kind = field("Type");
    assert_eq!(kind["type"], "picklist");
    assert_eq!(kind["picklistValues"][0]["value"], "Prospect");
    let parent = field("ParentId");
    assert_eq!(
        (
            parent["referenceTo"].clone(),
            parent["relationshipName"].clone()
        ),
        (json!(["Account"]), json!("Parent"))
    );
    let address = field("BillingAddress");
    assert_eq!(
        (address["type"].clone(), address["createable"].clone()),
        (json!("address"), json!(false))
    );
    assert_eq!(field("BillingCity")["compoundFieldName"], "BillingAddress");
    assert!(
        body["childRelationships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["relationshipName"] == "Contacts")
    );

    let (status, global) = org.call("GET", "/sobjects", None).await;
    assert_eq!(status, 200);
    assert_eq!(global["maxBatchSize"], 200);
    assert!(
        global["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Payment__c" && o["custom"] == true)
    );

    let (status, body) = org.call("GET", "/sobjects/Nope/describe", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
    );
}

#[tokio::test]
async fn crud_returns_the_real_statuses_and_bodies() {
    let org = common::start_empty().await;
    let (status, body) = org
        .call(
            "POST",
            "/sobjects/Account/",
            Some(json!({"Name": "Acme", "BillingCity": "Leeds", "AnnualRevenue": 23})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["success"], true);
    assert_eq!(body["errors"], json!([]));
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("001"));

    let (status, record) = org
        .call("GET", &format!("/sobjects/Account/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        record["attributes"],
        json!({"type": "Account", "url": format!("/services/data/v59.0/sobjects/Account/{id}")})
    );
    assert_eq!(record["AnnualRevenue"], json!(23.0));
    assert_eq!(record["BillingAddress"]["city"], "Leeds");
    assert_eq!(record["IsDeleted"], false);
    let created = record["CreatedDate"].as_str().unwrap();
    assert_eq!(created.len(), 28, "{created}");
    assert!(created.ends_with("+0000"));

    // The 15-character form works too; fields= picks fields in order.
    let (status, record) = org
        .call(
            "GET",
            &format!("/sobjects/Account/{}?fields=Name,Id", &id[..15]),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["attributes", "Name", "Id"]);
    let (_, record) = org
        .call("GET", &format!("/sobjects/Account/{id}?fields=Phone"), None)
        .await;
    let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["attributes", "Phone", "Id"],
        "the Id always comes back"
    );

    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Account/{id}"),
            Some(json!({"Phone": "1"})),
        )
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = org
        .call("DELETE", &format!("/sobjects/Account/{id}"), None)
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = org
        .call(
            "PATCH",
            &format!("/sobjects/Account/{id}"),
            Some(json!({"Phone": "2"})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "ENTITY_IS_DELETED");

    // POST addressed to the Id "external id" creates and says so (API 46.0+).
    let (status, body) = org
        .call(
            "POST",
            "/sobjects/Account/Id",
            Some(json!({"Name": "By Id"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["created"], true);
    let (status, _) = org
        .call(
            "POST",
            "/sobjects/Account/001000000000000AAA",
            Some(json!({"Name": "x"})),
        )
        .await;
    assert_eq!(status, 405);

    let (status, body) = org
        .call("GET", "/sobjects/Account/001000000000000AAA", None)
        .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        )
    );
    let (status, body) = org.call("GET", "/sobjects/Account/rid", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body[0]["message"],
        "Provided external ID field does not exist or is not accessible: rid"
    );
    let contact_id = "003000000000000AAA";
    let (status, body) = org
        .call("GET", &format!("/sobjects/Account/{contact_id}"), None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MALFORMED_ID");

    let bad = org
        .request(
            reqwest::Method::POST,
            &org.data_url("59.0", "/sobjects/Account"),
        )
        .header("content-type", "application/json")
        .body("{\"Name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn upsert_by_external_id_answers_per_api_version() {
    let org = common::start_empty().await;
    let (status, body) = org
        .call(
            "PATCH",
            "/sobjects/Account/ExternalID__c/X-1",
            Some(json!({"Name": "Created"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["created"], true);
    let id = body["id"].as_str().unwrap().to_string();
    let (status, body) = org
        .call(
            "PATCH",
            "/sobjects/Account/ExternalID__c/X-1",
            Some(json!({"Name": "Updated"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": id, "success": true, "errors": [], "created": false})
    );

    let (status, body) = org
        .call_version(
            "45.0",
            "PATCH",
            "/sobjects/Account/ExternalID__c/X-1",
            Some(json!({"Name": "Old API"})),
        )
        .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = org
        .call_version(
            "45.0",
            "PATCH",
            "/sobjects/Account/ExternalID__c/X-2",
            Some(json!({"Name": "Old API"})),
        )
        .await;
    assert_eq!(status, 201);
    assert!(body.get("created").is_none());

    // Space in a key (simple-salesforce sends quote_plus-encoded values).
    let (status, _) = org
        .call(
            "PATCH",
            "/sobjects/Account/ExternalID__c/With%20Space",
            Some(json!({"Name": "S"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = org
        .call("GET", "/sobjects/Account/ExternalID__c/With%20Space", None)
        .await;
    assert_eq!((status, body["Name"].clone()), (200, json!("S")));

    let (status, body) = org
        .call(
            "PATCH",
            "/sobjects/Account/Namez/X",
            Some(json!({"Name": "N"})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!([{"message": "Provided external ID field does not exist or is not accessible: Namez", "errorCode": "NOT_FOUND"}])
        )
    );

    let (status, _) = org
        .call(
            "PATCH",
            "/sobjects/Account/ExternalID__c/NOPE?updateOnly=true",
            Some(json!({"Name": "N"})),
        )
        .await;
    assert_eq!(status, 404);

    // A non-unique external id matching two records answers 300 with their URLs.
    org.create("Opportunity", json!({"Name": "A", "StageName": "Prospecting", "CloseDate": "2025-01-01", "BrightpearlOrderId__c": "SO-1"})).await;
    org.create("Opportunity", json!({"Name": "B", "StageName": "Prospecting", "CloseDate": "2025-01-01", "BrightpearlOrderId__c": "SO-1"})).await;
    let (status, body) = org
        .call(
            "PATCH",
            "/sobjects/Opportunity/BrightpearlOrderId__c/SO-1",
            Some(json!({"Name": "C"})),
        )
        .await;
    assert_eq!(status, 300);
    let urls = body.as_array().unwrap();
    assert_eq!(urls.len(), 2);
    assert!(
        urls[0]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v59.0/sobjects/Opportunity/006")
    );
    let (status, _) = org
        .call(
            "GET",
            "/sobjects/Opportunity/BrightpearlOrderId__c/SO-1",
            None,
        )
        .await;
    assert_eq!(status, 300);
}

#[tokio::test]
async fn updated_and_deleted_windows() {
    let org = common::start_empty().await;
    let start = "2000-01-01T00:00:00Z";
    let end = "2100-01-01T00:00:00+00:00";
    let kept = org.create("Account", json!({"Name": "Kept"})).await;
    let gone = org.create("Account", json!({"Name": "Gone"})).await;
    org.call("DELETE", &format!("/sobjects/Account/{gone}"), None)
        .await;
    let (status, body) = org
        .call(
            "GET",
            &format!(
                "/sobjects/Account/updated/?start={start}&end={}",
                end.replace('+', "%2B")
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["ids"], json!([kept]));
    assert!(
        body["latestDateCovered"]
            .as_str()
            .unwrap()
            .ends_with(":00.000+0000")
    );
    let (status, body) = org
        .call(
            "GET",
            &format!("/sobjects/Account/deleted/?start={start}&end={end}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deletedRecords"][0]["id"], gone.as_str());
    assert!(body["earliestDateAvailable"].is_string());
    let (status, body) = org.call("GET", "/sobjects/Account/updated/", None).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MISSING_ARGUMENT");
}

#[tokio::test]
async fn writes_record_their_change_origin_and_user() {
    let org = common::start_empty().await;
    let response = org
        .request(
            reqwest::Method::POST,
            &org.data_url("59.0", "/sobjects/Account"),
        )
        .header(
            "Sforce-Call-Options",
            "client=ferry-test, defaultNamespace=x",
        )
        .json(&json!({"Name": "Tagged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    org.create("Account", json!({"Name": "Untagged"})).await;
    let state = org.sandbox.state().org();
    let changes: Vec<_> = state.changes.iter().collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0].change_origin,
        "com/salesforce/api/rest/59.0;client=ferry-test"
    );
    assert_eq!(changes[1].change_origin, "com/salesforce/api/rest/59.0");
    assert_eq!(
        changes[0].commit_user.to_string(),
        org.sandbox.banner.user_id
    );
    assert!(changes[0].changed_fields.iter().any(|f| &**f == "Name"));
    assert!(changes[1].seq > changes[0].seq);
}

#[tokio::test]
async fn limits_count_calls() {
    let org = common::start_empty().await;
    let (status, body) = org.call("GET", "/limits/", None).await;
    assert_eq!(status, 200);
    let daily = &body["DailyApiRequests"];
    assert_eq!(daily["Max"], 100_000);
    assert_eq!(daily["Remaining"], 99_999);
    for key in [
        "DailyBulkApiBatches",
        "DailyBulkV2QueryJobs",
        "DataStorageMB",
        "DailyStreamingApiEvents",
    ] {
        assert!(body[key]["Max"].is_number(), "{key}");
    }
}
