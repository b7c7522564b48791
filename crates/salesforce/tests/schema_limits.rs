//! Describes cached and refreshed with drift reported (the sandbox restarted on the same
//! state with an extended schema), and `/limits` beside the client's budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_http::Error;
use ferry_http::budget::Budgets;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::describe::DriftKind;
use ferry_salesforce::schema::Schema;
use ferry_salesforce::{Client, Settings, limits};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

const EXTENSION: &str = "[objects.Account]\nfields = [{ name = \"LoyaltyTier__c\", type = \"picklist\", values = [\"Gold\", \"Silver\"], restricted = true }]\n";

#[tokio::test]
async fn describes_are_cached_and_a_refresh_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("org.json");
    let schema_file = dir.path().join("extension.toml");
    std::fs::write(&schema_file, EXTENSION).unwrap();
    let options = Options {
        data: DataSet::Empty,
        state_file: Some(state_file.clone()),
        access_token: Some("00D000000000001!ferry-schema-test".into()),
        ..Options::default()
    };
    let first = Sandbox::start(options.clone()).await.unwrap();
    let address = first.local_addr;
    let session = Arc::new(FixedSession::new(
        first.banner.instance_url.clone(),
        SecretString::from("00D000000000001!ferry-schema-test"),
    ));
    let client = Client::new(
        Settings::default(),
        session,
        &Budgets::default(),
        common::fast_transport(),
    )
    .unwrap();
    let schema = Schema::new(&client, Duration::from_secs(3600));
    let account = schema.describe("Account").await.unwrap();
    assert_eq!(account.name, "Account");
    assert!(account.field("LoyaltyTier__c").is_none());
    let calls = client.transport().stats().requests;
    // Cached: no second call, in any case.
    schema.describe("account").await.unwrap();
    assert_eq!(client.transport().stats().requests, calls);
    assert_eq!(schema.objects(), vec!["Account".to_string()]);
    first.stop().await.unwrap();

    // The same org, on the same address, now with a custom field on Account.
    let second = Sandbox::start(Options {
        listen: address,
        schema_file: Some(schema_file),
        ..options
    })
    .await
    .unwrap();
    // Still cached: the drift is only seen on refresh.
    assert!(
        schema
            .describe("Account")
            .await
            .unwrap()
            .field("LoyaltyTier__c")
            .is_none()
    );
    let refreshed = schema.refresh("Account").await.unwrap();
    assert!(refreshed.describe.field("LoyaltyTier__c").is_some());
    assert_eq!(refreshed.drift.len(), 1, "{:?}", refreshed.drift);
    let change = &refreshed.drift[0];
    assert_eq!(change.object, "Account");
    assert_eq!(change.field, "LoyaltyTier__c");
    assert!(matches!(change.kind, DriftKind::FieldAdded { .. }));
    // Refreshing an unchanged schema finds nothing.
    assert!(schema.refresh_all().await.unwrap().is_empty());

    // Past the maximum age, describe refetches on its own and keeps the drift for the caller.
    let eager = Schema::new(&client, Duration::ZERO);
    eager.describe("Account").await.unwrap();
    let before = client.transport().stats().requests;
    eager.describe("Account").await.unwrap();
    assert_eq!(client.transport().stats().requests, before + 1);
    assert!(eager.take_drift().is_empty());

    let error = schema.describe("Account/../../limits").await.unwrap_err();
    assert!(matches!(error, Error::Config { ref message } if message.contains("API name")));
    let error = schema.describe("NoSuchObject__c").await.unwrap_err();
    assert_eq!(error.code(), "NOT_FOUND");
    second.stop().await.unwrap();
}

#[tokio::test]
async fn limits_sit_beside_the_budget() {
    let (sandbox, client) = common::sandbox(Options {
        daily_api_limit: 1000,
        ..Options::default()
    })
    .await;
    for _ in 0..4 {
        let _: serde_json::Value = client.get_json("/limits").await.unwrap();
    }
    let summary = limits::summary(&client).await.unwrap();
    let daily = summary.daily_api_requests.unwrap();
    assert_eq!(daily.max, 1000);
    assert_eq!(daily.used(), 5);
    assert_eq!(summary.ceiling_percent, 80);
    assert_eq!(summary.ceiling_calls, Some(800));
    assert_eq!(summary.left_below_ceiling, Some(795));
    assert_eq!(summary.budget.used_by_run, 5);
    assert_eq!(summary.budget.limit, Some(1000));
    let text = summary.to_string();
    assert!(
        text.contains("5 of 1000 used") && text.contains("795 left"),
        "{text}"
    );
    sandbox.stop().await.unwrap();
}
