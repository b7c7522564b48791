use super::*;
use serde_json::json;
use time::macros::datetime;

#[test]
fn timestamps_in_every_salesforce_spelling() {
    let at = datetime!(2011-07-07 00:37:00 UTC);
    assert_eq!(parse_datetime("2011-07-07T00:37:00.000+0000"), Some(at));
    assert_eq!(parse_datetime("2011-07-07T00:37:00Z"), Some(at));
    assert_eq!(parse_datetime("2011-07-07T02:37:00+02:00"), Some(at));
    assert_eq!(parse_datetime("2011-07-06T19:37:00.000-0500"), Some(at));
    assert_eq!(parse_datetime("2011-07-07"), None);
    assert_eq!(parse_datetime(""), None);
    assert_eq!(parse_datetime("é+0000"), None);
}

#[test]
fn upsert_outcomes_by_status() {
    let created = br#"{"id":"001000000000001AAA","success":true,"errors":[],"created":true}"#;
    assert_eq!(
        UpsertOutcome::from_answer(201, created).unwrap(),
        UpsertOutcome::Created {
            id: "001000000000001AAA".into()
        }
    );
    let updated = br#"{"id":"001000000000001AAA","success":true,"errors":[],"created":false}"#;
    assert!(matches!(
        UpsertOutcome::from_answer(200, updated).unwrap(),
        UpsertOutcome::Updated { id: Some(_) }
    ));
    assert_eq!(
        UpsertOutcome::from_answer(204, b"").unwrap(),
        UpsertOutcome::Updated { id: None }
    );
    let failed = UpsertOutcome::from_answer(
        400,
        br#"[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]}]"#,
    )
    .unwrap();
    let UpsertOutcome::Failed(error) = failed else {
        panic!("{failed:?}")
    };
    assert_eq!(
        error.to_string(),
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (fields: Name)"
    );
    let html = UpsertOutcome::from_answer(503, b"<html>down</html>").unwrap_err();
    assert!(html.to_string().contains("HTTP 503"), "{html}");
    assert!(html.to_string().contains("<html>down"), "{html}");
    assert!(UpsertOutcome::from_answer(201, br#"{"success":false,"errors":[]}"#).is_err());
}

#[test]
fn collection_items_read_status_code_and_rollbacks() {
    let items: Vec<SaveResult> = serde_json::from_value(json!([
        {"id": null, "success": false, "errors": [
            {"statusCode": "DUPLICATE_VALUE", "message": "duplicate value found", "fields": ["ExternalID__c"]}]},
        {"success": false, "errors": [
            {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back"}]},
        {"id": "001000000000001AAA", "success": true, "errors": [], "created": true, "extra": 1}
    ]))
    .unwrap();
    assert_eq!(
        items[0].error_text(),
        "DUPLICATE_VALUE: duplicate value found (fields: ExternalID__c)"
    );
    assert!(!items[0].only_rolled_back());
    assert!(items[1].only_rolled_back());
    assert_eq!(items[2].created, Some(true));
}

#[test]
fn records_navigate_paths_children_and_money() {
    let record: Record = serde_json::from_value(json!({
        "attributes": {"type": "Contact", "url": "/x"},
        "Id": "003000000000001AAA",
        "Amount__c": 23.1,
        "Account": {"attributes": {"type": "Account"}, "Name": "Acme", "Owner": null},
        "Cases": {"totalSize": 1, "done": true, "records": [{"attributes": {"type": "Case"}, "Id": "500"}]},
        "Notes": null
    }))
    .unwrap();
    assert_eq!(record.object_type(), Some("Contact"));
    assert_eq!(record.id(), Some("003000000000001AAA"));
    assert_eq!(record.decimal("amount__c").unwrap().to_string(), "23.1");
    assert_eq!(record.get_path("Account.Name").unwrap(), "Acme");
    assert!(record.get_path("Account.Owner.Name").is_none());
    assert_eq!(record.parent("Account").unwrap().text("Name"), Some("Acme"));
    assert_eq!(
        record.children("Cases").unwrap().records[0].id(),
        Some("500")
    );
    assert!(record.children("Notes").is_none());
    // The record writes back out with its attributes.
    let again: Record = serde_json::from_value(serde_json::to_value(&record).unwrap()).unwrap();
    assert_eq!(again, record);
}

#[test]
fn token_answers_hide_their_secrets() {
    let answer: TokenAnswer = serde_json::from_value(json!({
        "access_token": "00D!secret", "refresh_token": "5Aep-secret",
        "instance_url": "http://127.0.0.1:1234", "id": "https://login/id/00Dx/005x",
        "issued_at": "1278448832702", "token_type": "Bearer"
    }))
    .unwrap();
    let shown = format!("{answer:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert_eq!(answer.org_and_user(), Some(("00Dx", "005x")));
    assert_eq!(
        answer.issued_at_time().unwrap().unix_timestamp(),
        1_278_448_832
    );
}

#[test]
fn versions_and_jobs() {
    let versions: Vec<ApiVersion> = serde_json::from_value(json!([
        {"version": "9.0", "url": "/a", "label": "x"},
        {"version": "62.0", "url": "/b", "label": "y"},
        {"version": "bogus"}
    ]))
    .unwrap();
    assert_eq!(latest_version(&versions).unwrap().version, "62.0");
    let job: BulkJob = serde_json::from_value(json!({
        "id": "7506g00000DhRA2AAN", "operation": "insert", "object": "Account",
        "state": "Exploding", "apiVersion": 66.0, "numberRecordsProcessed": 5
    }))
    .unwrap();
    assert_eq!(job.state, JobState::Other("Exploding".into()));
    assert!(!job.state.is_terminal());
    assert_eq!(job.number_records_processed, 5);
}
