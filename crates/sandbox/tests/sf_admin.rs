//! The admin API under `/__sandbox/`, fault injection and the API allocation as clients see
//! them, and the state file across restarts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestOrg;
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{Banner, DataSet, Options};
use ferry_sandbox::salesforce::seed::DEMO_COUNTS;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::time::{Duration, Instant};

fn admin(org: &TestOrg, path: &str) -> String {
    format!("{}/__sandbox/{path}", org.base)
}

async fn admin_get(org: &TestOrg, path: &str) -> Json {
    let response = org.http.get(admin(org, path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Sends a JSON body to an admin endpoint; returns the status and the body.
async fn admin_send(org: &TestOrg, method: Method, path: &str, body: Json) -> (u16, Json) {
    let response = org
        .http
        .request(method, admin(org, path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Asserts a 400 whose `{"error"}` mentions every fragment.
fn assert_admin_error(status: u16, body: &Json, fragments: &[&str]) {
    assert_eq!(status, 400, "{body}");
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {body}"));
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{fragment:?} missing in {message:?}"
        );
    }
}

/// A data call that counts against the allocation.
async fn data_call(org: &TestOrg) -> reqwest::Response {
    org.get(&org.data_url("59.0", "/limits"))
        .send()
        .await
        .unwrap()
}

async fn create_account(org: &TestOrg, fields: Json) -> String {
    let response = org
        .request(Method::POST, &org.data_url("59.0", "/sobjects/Account"))
        .header("Sforce-Call-Options", "client=admin-test")
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Json = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

fn live(state: &Json, object: &str) -> u64 {
    state["objects"][object]["live"].as_u64().unwrap()
}

#[tokio::test]
async fn state_counts_records_changes_usage_and_faults() {
    let org = common::start().await;
    let state = admin_get(&org, "state").await;
    for (object, count) in DEMO_COUNTS {
        assert_eq!(live(&state, object), *count as u64, "{object}");
        assert_eq!(state["objects"][object]["deleted"], 0);
    }
    assert_eq!(live(&state, "User"), 2);
    assert_eq!(state["org_id"], json!(org.sandbox.banner.org_id));
    assert!(
        state["changes"]["last_seq"].as_u64().unwrap() > 300,
        "{}",
        state["changes"]
    );
    assert_eq!(state["changes"]["first_seq"], 1);
    assert_eq!(
        state["api_usage"],
        json!({"used": 0, "daily_api_limit": 100_000})
    );
    assert_eq!(state["faults"]["error_rate"], 0.0);
    assert_eq!(state["state_file"], Json::Null);

    assert_eq!(data_call(&org).await.status(), 200);
    let state = admin_get(&org, "state").await;
    // Admin calls are not counted; the data call is.
    assert_eq!(state["api_usage"]["used"], 1);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn reset_replaces_the_records_and_keeps_clients_logged_in() {
    let org = common::start().await;
    create_account(&org, json!({"Name": "Gone after the reset"})).await;
    assert_eq!(data_call(&org).await.status(), 200);

    let (status, state) = admin_send(&org, Method::POST, "reset", json!({"data": "empty"})).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(live(&state, "Account"), 0);
    assert_eq!(live(&state, "User"), 2);
    // Only the standard price book.
    assert_eq!(live(&state, "Pricebook2"), 1);
    assert_eq!(state["changes"]["last_seq"], 0);
    assert_eq!(state["api_usage"]["used"], 0);

    // The token from before the reset still works, for the same user.
    let response = org
        .get(&org.data_url(
            "59.0",
            &format!("/sobjects/User/{}", org.sandbox.banner.user_id),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, state) = admin_send(&org, Method::POST, "reset", json!({"data": "demo"})).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(live(&state, "Account"), 50);
    assert_eq!(live(&state, "Order"), 8);

    // No body at all means an empty org.
    let response = org.http.post(admin(&org, "reset")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let state: Json = response.json().await.unwrap();
    assert_eq!(live(&state, "Account"), 0);

    let (status, body) = admin_send(&org, Method::POST, "reset", json!({"data": "full"})).await;
    assert_admin_error(status, &body, &["\"full\"", "\"empty\" or \"demo\""]);
    let (status, body) = admin_send(&org, Method::POST, "reset", json!({"date": "demo"})).await;
    assert_admin_error(status, &body, &["date", "send e.g."]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn dump_renders_every_record_including_deleted_ones() {
    let org = common::start_empty().await;
    let kept = create_account(&org, json!({"Name": "Kept", "ExternalID__c": "BP-C-1"})).await;
    let deleted = create_account(&org, json!({"Name": "Deleted"})).await;
    let response = org
        .request(
            Method::DELETE,
            &org.data_url("59.0", &format!("/sobjects/Account/{deleted}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let dump = admin_get(&org, "dump?object=account").await;
    let object = dump.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["Account"]);
    let records = dump["Account"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["Id"], json!(kept));
    assert_eq!(records[0]["ExternalID__c"], "BP-C-1");
    assert_eq!(records[0]["IsDeleted"], false);
    assert_eq!(records[0]["attributes"]["type"], "Account");
    assert_eq!(
        records[0]["attributes"]["url"],
        json!(format!("/services/data/v67.0/sobjects/Account/{kept}"))
    );
    assert_eq!(records[1]["Id"], json!(deleted));
    assert_eq!(records[1]["IsDeleted"], true);

    let everything = admin_get(&org, "dump").await;
    assert_eq!(everything["User"].as_array().unwrap().len(), 2);
    assert_eq!(everything["Pricebook2"][0]["IsStandard"], true);
    assert!(everything.get("Payment__c").is_some());

    let response = org
        .http
        .get(admin(&org, "dump?object=Widget"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_admin_error(
        status,
        &response.json().await.unwrap(),
        &["\"Widget\"", "/__sandbox/state"],
    );
    let response = org
        .http
        .get(admin(&org, "dump?objects=Account"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_admin_error(
        status,
        &response.json().await.unwrap(),
        &["\"objects\"", "object"],
    );
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn changes_lists_committed_writes_after_a_sequence_number() {
    let org = common::start_empty().await;
    let before = admin_get(&org, "changes").await["last_seq"]
        .as_u64()
        .unwrap();
    let id = create_account(&org, json!({"Name": "Watched", "Phone": "0113 496 0000"})).await;

    let feed = admin_get(&org, &format!("changes?after={before}")).await;
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{feed}");
    let change = &changes[0];
    assert_eq!(change["seq"], json!(before + 1));
    assert_eq!(feed["last_seq"], json!(before + 1));
    assert_eq!(change["entity"], "Account");
    assert_eq!(change["record_id"], json!(id));
    assert_eq!(change["change_type"], "CREATE");
    assert_eq!(change["commit_user"], json!(org.sandbox.banner.user_id));
    assert!(
        change["change_origin"]
            .as_str()
            .unwrap()
            .ends_with(";client=admin-test"),
        "{change}"
    );
    let fields = change["changed_fields"].as_array().unwrap();
    assert!(
        fields.contains(&json!("Name")) && fields.contains(&json!("Phone")),
        "{change}"
    );

    let limited = admin_get(&org, "changes?after=0&limit=1").await;
    assert_eq!(limited["changes"].as_array().unwrap().len(), 1);
    assert_eq!(limited["changes"][0]["seq"], 1);
    let none = admin_get(&org, &format!("changes?after={}", before + 1)).await;
    assert_eq!(none["changes"], json!([]));

    for (query, fragments) in [
        ("changes?limit=0", &["limit=0", "1 to 100000"][..]),
        (
            "changes?after=soon",
            &["after=\"soon\"", "whole number"][..],
        ),
        ("changes?since=3", &["\"since\"", "after, limit"][..]),
    ] {
        let response = org.http.get(admin(&org, query)).send().await.unwrap();
        let status = response.status().as_u16();
        assert_admin_error(status, &response.json().await.unwrap(), fragments);
    }
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn injected_errors_latency_and_outages_reach_data_calls() {
    let org = common::start_empty().await;
    let (status, faults) =
        admin_send(&org, Method::PUT, "faults", json!({"error_rate": 1.0})).await;
    assert_eq!(status, 200);
    assert_eq!(faults["error_rate"], 1.0);
    assert_eq!(admin_get(&org, "faults").await, faults);
    for _ in 0..3 {
        let response = data_call(&org).await;
        assert_eq!(response.status(), 503);
        let body: Json = response.json().await.unwrap();
        assert_eq!(
            body,
            json!([{"message": "Server is temporarily unavailable, please try again later", "errorCode": "SERVER_UNAVAILABLE"}])
        );
    }
    // The admin API itself is never faulted.
    assert_eq!(admin_get(&org, "state").await["faults"]["error_rate"], 1.0);

    let (status, body) = admin_send(&org, Method::PUT, "faults", json!({"error_rate": 2})).await;
    assert_admin_error(status, &body, &["error_rate is 2", "between 0 and 1"]);
    let (status, body) = admin_send(&org, Method::PUT, "faults", json!({"errors": 1})).await;
    assert_admin_error(status, &body, &["errors", "send e.g."]);
    let response = org.http.put(admin(&org, "faults")).send().await.unwrap();
    let status = response.status().as_u16();
    assert_admin_error(
        status,
        &response.json().await.unwrap(),
        &["needs a JSON body"],
    );

    let (status, _) = admin_send(&org, Method::PUT, "faults", json!({"latency_ms": 300})).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    assert_eq!(data_call(&org).await.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );

    let (status, _) = admin_send(&org, Method::PUT, "faults", json!({})).await;
    assert_eq!(status, 200);
    let (status, faults) = admin_send(&org, Method::POST, "outage", json!({"seconds": 0.6})).await;
    assert_eq!(status, 200);
    assert_eq!(faults["outages"].as_array().unwrap().len(), 1);
    let outage = &faults["outages"][0];
    let length = outage["end_ms"].as_i64().unwrap() - outage["start_ms"].as_i64().unwrap();
    assert_eq!(length, 600);
    let response = data_call(&org).await;
    assert_eq!(response.status(), 503);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(data_call(&org).await.status(), 200);

    let (status, body) = admin_send(&org, Method::POST, "outage", json!({"seconds": 0})).await;
    assert_admin_error(status, &body, &["seconds is 0", "above 0"]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_reset_rate_of_one_drops_every_connection() {
    let org = common::start_empty().await;
    let (status, _) = admin_send(&org, Method::PUT, "faults", json!({"reset_rate": 1.0})).await;
    assert_eq!(status, 200);
    let outcome = match org.get(&org.data_url("59.0", "/limits")).send().await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(err) => Err(err),
    };
    assert!(
        outcome.is_err(),
        "the call should fail on a dropped connection"
    );
    let (status, _) = admin_send(&org, Method::PUT, "faults", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(data_call(&org).await.status(), 200);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_daily_allocation_refuses_calls_once_spent() {
    let org = common::start_empty().await;
    let (status, limits) = admin_send(
        &org,
        Method::PUT,
        "limits",
        json!({"daily_api_limit": 3, "used": 0}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(limits, json!({"daily_api_limit": 3, "used": 0}));
    for n in 1..=3 {
        let response = data_call(&org).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["sforce-limit-info"],
            format!("api-usage={n}/3").as_str()
        );
    }
    let refused = data_call(&org).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.headers()["sforce-limit-info"], "api-usage=3/3");
    let body: Json = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    assert_eq!(
        admin_get(&org, "limits").await,
        json!({"daily_api_limit": 3, "used": 3})
    );

    // Raising the allocation lets calls through again.
    let (status, _) = admin_send(&org, Method::PUT, "limits", json!({"daily_api_limit": 10})).await;
    assert_eq!(status, 200);
    let response = data_call(&org).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["sforce-limit-info"], "api-usage=4/10");

    let (status, body) = admin_send(&org, Method::PUT, "limits", json!({})).await;
    assert_admin_error(status, &body, &["daily_api_limit, used or both"]);
    let (status, body) = admin_send(&org, Method::PUT, "limits", json!({"used": -1})).await;
    assert_admin_error(status, &body, &["used", "send e.g."]);
    org.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn expired_sessions_get_invalid_session_id_until_clients_log_in_again() {
    let org = common::start_empty().await;
    assert_eq!(data_call(&org).await.status(), 200);
    let (status, body) = admin_send(&org, Method::POST, "sessions/expire", json!({})).await;
    assert_eq!(status, 200);
    assert!(body["expired"].as_u64().unwrap() >= 1, "{body}");

    let response = data_call(&org).await;
    assert_eq!(response.status(), 401);
    let body: Json = response.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );

    // The username-password flow gives a working token again.
    let token = password_login(&org, &org.sandbox.banner).await;
    let response = org
        .http
        .get(org.data_url("59.0", "/limits"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    org.sandbox.stop().await.unwrap();
}

/// Logs in with the OAuth username-password flow using `banner`'s credentials; returns the
/// access token.
async fn password_login(org: &TestOrg, banner: &Banner) -> String {
    let password = format!("{}{}", banner.password, banner.security_token);
    let response = org
        .http
        .post(format!("{}/services/oauth2/token", org.base))
        .form(&[
            ("grant_type", "password"),
            ("client_id", banner.client_id.as_str()),
            ("client_secret", banner.client_secret.as_str()),
            ("username", banner.username.as_str()),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token: Json = response.json().await.unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn bulk_processing_delay_holds_jobs_and_reset_drops_them() {
    let org = common::start().await;
    let (status, bulk) = admin_send(
        &org,
        Method::PUT,
        "bulk",
        json!({"processing_delay_ms": 2000}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(bulk, json!({"jobs": 0, "processing_delay_ms": 2000}));

    let response = org
        .request(Method::POST, &org.data_url("59.0", "/jobs/query"))
        .json(&json!({"operation": "query", "query": "SELECT Id FROM Account"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let job: Json = response.json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    // Held by the delay: not run yet.
    let info: Json = org
        .get(&org.data_url("59.0", &format!("/jobs/query/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["state"], "UploadComplete", "{info}");
    assert_eq!(
        admin_get(&org, "state").await["bulk"],
        json!({"jobs": 1, "processing_delay_ms": 2000})
    );

    let (status, state) = admin_send(&org, Method::POST, "reset", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        state["bulk"],
        json!({"jobs": 0, "processing_delay_ms": 2000})
    );
    let response = org
        .get(&org.data_url("59.0", &format!("/jobs/query/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let (status, body) = admin_send(
        &org,
        Method::PUT,
        "bulk",
        json!({"processing_delay_ms": 3_600_000}),
    )
    .await;
    assert_admin_error(
        status,
        &body,
        &["processing_delay_ms is 3600000", "at most 60000"],
    );
    let (status, body) = admin_send(&org, Method::PUT, "bulk", json!({"delay": 5})).await;
    assert_admin_error(status, &body, &["delay", "processing_delay_ms"]);
    assert_eq!(admin_get(&org, "bulk").await["processing_delay_ms"], 2000);
    org.sandbox.stop().await.unwrap();
}

fn with_state_file(path: &std::path::Path, data: DataSet) -> Options {
    Options {
        data,
        state_file: Some(path.to_path_buf()),
        ..Options::default()
    }
}

#[tokio::test]
async fn the_state_file_keeps_records_users_and_the_connected_app_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let first = common::start_with(with_state_file(&path, DataSet::Empty)).await;
    assert_eq!(
        admin_get(&first, "state").await["state_file"],
        json!(path.display().to_string())
    );
    let id = create_account(
        &first,
        json!({"Name": "Survives", "ExternalID__c": "BP-C-77"}),
    )
    .await;

    // Autosave writes the change within about a second, while the sandbox runs.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains(&id) {
            break;
        }
        assert!(Instant::now() < deadline, "autosave did not write {id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let last_seq = admin_get(&first, "state").await["changes"]["last_seq"].clone();
    let before = first.sandbox.banner.clone();
    first.sandbox.stop().await.unwrap();
    assert!(!dir.path().join("org.json.tmp").exists());
    let saved: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
    #[cfg(unix)]
    {
        // It holds passwords.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The demo data set is ignored: the file wins.
    let second = common::start_with(with_state_file(&path, DataSet::Demo)).await;
    let after = &second.sandbox.banner;
    assert_eq!(after.org_id, before.org_id);
    assert_eq!(after.user_id, before.user_id);
    assert_eq!(after.integration_user_id, before.integration_user_id);
    assert_eq!(after.username, before.username);
    assert_eq!(after.password, before.password);
    assert_eq!(after.security_token, before.security_token);
    assert_eq!(after.client_id, before.client_id);
    assert_eq!(after.client_secret, before.client_secret);
    assert_ne!(after.access_token, before.access_token);
    // A client configured with the first run's credentials logs in to the second.
    let token = password_login(&second, &before).await;
    let response = second
        .http
        .get(second.data_url("59.0", "/limits"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let state = admin_get(&second, "state").await;
    assert_eq!(live(&state, "Account"), 1);
    assert_eq!(state["changes"]["last_seq"], last_seq);
    let record: Json = second
        .get(&second.data_url("59.0", &format!("/sobjects/Account/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["Name"], "Survives");
    assert_eq!(record["ExternalID__c"], "BP-C-77");
    // The external-id index is rebuilt too: a duplicate is still refused.
    let response = second
        .request(Method::POST, &second.data_url("59.0", "/sobjects/Account"))
        .json(&json!({"Name": "Copy", "ExternalID__c": "BP-C-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // A reset is written at once.
    let (status, _) = admin_send(&second, Method::POST, "reset", json!({})).await;
    assert_eq!(status, 200);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains(&id));
    second.sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn an_unusable_state_file_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    for (content, fragment) in [
        ("{\"version\": 1, \"org\": ", "is not a sandbox state file"),
        ("", "is not a sandbox state file"),
        ("{\"version\": 7}", "format version 7"),
        (
            "{\"version\": 1, \"org\": {}, \"users\": [], \"client\": {}}",
            "is damaged",
        ),
    ] {
        std::fs::write(&path, content).unwrap();
        let error = match Sandbox::start(with_state_file(&path, DataSet::Demo)).await {
            Ok(sandbox) => {
                sandbox.stop().await.unwrap();
                panic!("a sandbox started from {content:?}");
            }
            Err(error) => format!("{error:#}"),
        };
        assert!(error.contains(fragment), "{fragment:?} missing in {error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("move it away"), "{error}");
        // The file is left as it was, for the user to look at.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
}

#[tokio::test]
async fn autosave_keeps_writes_made_after_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let org = common::start_with(with_state_file(&path, DataSet::Empty)).await;
    create_account(&org, json!({"Name": "Before the reset"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let (status, _) = admin_send(&org, Method::POST, "reset", json!({})).await;
    assert_eq!(status, 200);
    // The change log starts again at 1: the same sequence number as the write saved above.
    create_account(&org, json!({"Name": "After the reset"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    // Read the file the autosave wrote, without stopping (a crash would leave just this).
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("After the reset"),
        "the autosave missed the write after a reset"
    );
    assert!(!saved.contains("Before the reset"));
    org.sandbox.stop().await.unwrap();
}
