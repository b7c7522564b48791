//! The recorded Salesforce query responses and the emulator's answers have the same keys and
//! JSON types. The recording's object (`Whizbang`) is fictional: its fields are renamed to
//! fields of the same type before comparing.

use super::common;
use super::support::{Query, insert, query};
use serde_json::{Value as Json, json};

fn fixture(name: &str) -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/salesforce/sobject/"
    );
    let text = std::fs::read_to_string(format!("{path}{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}; shared/ must sit beside the clone"));
    serde_json::from_str(&text).unwrap()
}

/// Keys kept, values reduced to their JSON type; an array to its first element's shape.
fn shape(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Json::Array(items) => Json::Array(items.first().map(shape).into_iter().collect()),
        Json::String(_) => json!("string"),
        Json::Number(_) => json!("number"),
        Json::Bool(_) => json!("boolean"),
        Json::Null => json!("null"),
    }
}

/// Renames key `from` of the object at JSON pointer `at`.
fn rename(value: &mut Json, at: &str, from: &str, to: &str) {
    let object = value
        .pointer_mut(at)
        .and_then(Json::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {at}"));
    let moved = object
        .remove(from)
        .unwrap_or_else(|| panic!("no {from} at {at}"));
    object.insert(to.to_string(), moved);
}

#[tokio::test]
async fn a_query_with_parent_and_child_relationships_has_the_recorded_shape() {
    let org = common::start_empty().await;
    let account = insert(
        &org,
        "Account",
        json!({"Name": "Parent", "AccountNumber": "A-1"}),
    );
    let contact = insert(
        &org,
        "Contact",
        json!({"LastName": "Doe", "Birthdate": "1990-04-01", "Title": "Buyer", "AccountId": account}),
    );
    insert(
        &org,
        "Case",
        json!({"Subject": "Child", "ContactId": contact}),
    );
    let ours = query(
        &org,
        "SELECT IsDeleted, LastName, Birthdate, CreatedDate, Title, Account.Name, Account.AccountNumber, \
         (SELECT Subject FROM Cases) FROM Contact",
    )
    .await
    .ok();
    let mut recorded = fixture("query_success_response.json");
    rename(
        &mut recorded,
        "/records/0/Whizbangs__r/records/0",
        "Name",
        "Subject",
    );
    rename(
        &mut recorded,
        "/records/0/ParentWhizbang__r",
        "Text_Label",
        "AccountNumber",
    );
    for (from, to) in [
        ("Checkbox_Label", "IsDeleted"),
        ("Text_Label", "LastName"),
        ("Date_Label", "Birthdate"),
        ("DateTime_Label", "CreatedDate"),
        ("Picklist_Multiselect_Label", "Title"),
        ("ParentWhizbang__r", "Account"),
        ("Whizbangs__r", "Cases"),
    ] {
        rename(&mut recorded, "/records/0", from, to);
    }
    assert_eq!(shape(&ours), shape(&recorded), "ours: {ours}");
    // The formats inside the strings, too.
    let record = &ours["records"][0];
    assert_eq!(record["Birthdate"], "1990-04-01");
    let created = record["CreatedDate"].as_str().unwrap();
    assert_eq!(
        created.len(),
        "2011-07-07T00:37:00.000+0000".len(),
        "{created}"
    );
    assert!(created.ends_with("+0000"), "{created}");
}

#[tokio::test]
async fn a_first_page_has_the_recorded_shape() {
    let org = common::start_empty().await;
    super::support::insert_accounts(&org, 201, |n| json!({"Name": format!("Page {n}")}));
    let ours = Query::new("SELECT Name FROM Account")
        .batch_size(200)
        .run(&org)
        .await
        .ok();
    let mut recorded = fixture("query_paginated_first_page_response.json");
    rename(&mut recorded, "/records/0", "Text_Label", "Name");
    assert_eq!(shape(&ours), shape(&recorded), "ours: {ours}");
    let aggregate = query(&org, "SELECT COUNT(Id) FROM Account").await.ok();
    let mut recorded = fixture("query_aggregate_success_response.json");
    recorded["records"][0]
        .as_object_mut()
        .unwrap()
        .remove("CampaignId");
    assert_eq!(shape(&aggregate), shape(&recorded), "ours: {aggregate}");
    let empty = query(&org, "SELECT Id FROM Account WHERE Name = 'nobody'")
        .await
        .ok();
    assert_eq!(empty, fixture("query_empty_response.json"));
}
