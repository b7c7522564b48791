//! The versions list, describe, and records: create, retrieve, upsert, delete, updated and
//! deleted ids.

use super::*;

#[tokio::test]
async fn services_data_lists_versions() {
    let org = common::start_empty().await;
    let reply = send(org.http.get(format!("{}/services/data/", org.base))).await;
    check(&reply, 200, "services_data_success_response.json", PLAIN);
}

#[tokio::test]
async fn describe_global() {
    let org = common::start_empty().await;
    let reply = call(&org, Method::GET, "/sobjects", None).await;
    check(
        &reply,
        200,
        "sobject/describe_sobjects_success_response.json",
        PLAIN,
    );
    check(
        &reply,
        200,
        "sobject/list_sobjects_success_response.json",
        PLAIN,
    );
}

/// The recording is from API 23.0; later versions added these keys (and more the emulator
/// leaves out).
const DESCRIBE: Shape = Shape {
    extra: &[
        "fields[].aggregatable",
        "fields[].compoundFieldName",
        "recordTypeInfos[].master",
    ],
    ..PLAIN
};

#[tokio::test]
async fn sobject_describe_success_and_error() {
    let org = common::start_empty().await;
    let reply = call(&org, Method::GET, "/sobjects/Account/describe", None).await;
    check(
        &reply,
        200,
        "sobject/sobject_describe_success_response.json",
        DESCRIBE,
    );
    let reply = call(&org, Method::GET, "/sobjects/Nope__c/describe", None).await;
    check(
        &reply,
        404,
        "sobject/sobject_describe_error_response.json",
        ERROR_EXACT,
    );
}

#[tokio::test]
async fn create_success() {
    let org = common::start_empty().await;
    let reply = call(
        &org,
        Method::POST,
        "/sobjects/Account",
        Some(json!({"Name": "Fixture"})),
    )
    .await;
    check(&reply, 201, "sobject/create_success_response.json", PLAIN);
}

#[tokio::test]
async fn write_error() {
    let org = common::start_empty().await;
    let id = create(&org, "Account", json!({"Name": "Fixture"})).await;
    let reply = call(
        &org,
        Method::PATCH,
        &format!("/sobjects/Account/{id}"),
        Some(json!({"foo": 1})),
    )
    .await;
    check(&reply, 400, "sobject/write_error_response.json", ERROR_CODE);
    assert_eq!(
        reply.body[0]["message"],
        "No such column 'foo' on sobject of type Account"
    );
}

/// A path segment that is neither an id nor a sub-resource is read as an external id field.
#[tokio::test]
async fn find_and_delete_errors() {
    let org = common::start_empty().await;
    let reply = call(&org, Method::GET, "/sobjects/Account/23foo", None).await;
    check(
        &reply,
        404,
        "sobject/sobject_find_error_response.json",
        ERROR_EXACT,
    );
    let reply = call(&org, Method::DELETE, "/sobjects/Account/rid", None).await;
    check(
        &reply,
        404,
        "sobject/delete_error_response.json",
        ERROR_EXACT,
    );
}

/// Whizbang's fields on Opportunity (every JSON type a field can have: boolean, number, date,
/// datetime, picklist, text).
const OPPORTUNITY_RECORD: Shape = Shape {
    rename: &[
        ("Checkbox_Label", "IsWon"),
        ("Currency_Label", "Amount"),
        ("Date_Label", "CloseDate"),
        ("DateTime_Label", "CreatedDate"),
        ("OtherDateTime_Label", "LastModifiedDate"),
        ("Percent_Label", "Probability"),
        ("Picklist_Label", "StageName"),
        ("Text_Label", "NextStep"),
        ("TextArea_Label", "Description"),
    ],
    // No auto-number, e-mail, phone, plain number, multi-select picklist, long or rich text
    // area, or URL field on Opportunity (Contact's e-mail and phone are checked below).
    absent: &[
        "Auto_Number",
        "Email_Label",
        "Phone_Label",
        "Number_Label",
        "Picklist_Multiselect_Label",
        "TextAreaLong_Label",
        "TextAreaRich_Label",
        "URL_Label",
    ],
    // A retrieved record carries every field of its object.
    open: &[""],
    ..PLAIN
};

/// Whizbang's fields on Contact.
const CONTACT_RECORD: Shape = Shape {
    rename: &[
        ("Date_Label", "Birthdate"),
        ("DateTime_Label", "CreatedDate"),
        ("OtherDateTime_Label", "LastModifiedDate"),
        ("Email_Label", "Email"),
        ("Phone_Label", "Phone"),
        ("Picklist_Label", "LeadSource"),
        ("Text_Label", "Title"),
        ("TextArea_Label", "Description"),
    ],
    absent: &[
        "Auto_Number",
        "Checkbox_Label",
        "Currency_Label",
        "Number_Label",
        "Percent_Label",
        "Picklist_Multiselect_Label",
        "TextAreaLong_Label",
        "TextAreaRich_Label",
        "URL_Label",
    ],
    open: &[""],
    ..PLAIN
};

#[tokio::test]
async fn sobject_find_success() {
    let org = common::start_empty().await;
    let opportunity = create(
        &org,
        "Opportunity",
        json!({"Name": "Big deal", "StageName": "Prospecting", "CloseDate": "2030-01-31",
               "Amount": 23.5, "Probability": 33, "NextStep": "Call", "Description": "Long text"}),
    )
    .await;
    let reply = call(
        &org,
        Method::GET,
        &format!("/sobjects/Opportunity/{opportunity}"),
        None,
    )
    .await;
    check(
        &reply,
        200,
        "sobject/sobject_find_success_response.json",
        OPPORTUNITY_RECORD,
    );

    let contact = create(
        &org,
        "Contact",
        json!({"LastName": "Lovelace", "Birthdate": "1815-12-10", "Email": "ada@example.com",
               "Phone": "(415) 555-1212", "LeadSource": "Web", "Title": "Countess",
               "Description": "Notes"}),
    )
    .await;
    let reply = call(
        &org,
        Method::GET,
        &format!("/sobjects/Contact/{contact}"),
        None,
    )
    .await;
    check(
        &reply,
        200,
        "sobject/sobject_find_success_response.json",
        CONTACT_RECORD,
    );
}

#[tokio::test]
async fn sobject_select_success() {
    let org = common::start_empty().await;
    let id = create(
        &org,
        "Account",
        json!({"Name": "Fixture", "ExternalID__c": "1234"}),
    )
    .await;
    let reply = call(
        &org,
        Method::GET,
        &format!("/sobjects/Account/{id}?fields=ExternalID__c"),
        None,
    )
    .await;
    check(
        &reply,
        200,
        "sobject/sobject_select_success_response.json",
        Shape {
            rename: &[("External_Field__c", "ExternalID__c")],
            ..PLAIN
        },
    );
}

/// API 45.0, as recorded: no `created` key, and 204 for an update.
#[tokio::test]
async fn upsert_created_and_updated() {
    let org = common::start_empty().await;
    let path = "/sobjects/Account/ExternalID__c/UP-1";
    let reply = call_at(
        &org,
        "45.0",
        Method::PATCH,
        path,
        Some(json!({"Name": "Created"})),
    )
    .await;
    check(
        &reply,
        201,
        "sobject/upsert_created_success_response.json",
        PLAIN,
    );
    let reply = call_at(
        &org,
        "45.0",
        Method::PATCH,
        path,
        Some(json!({"Name": "Updated"})),
    )
    .await;
    check(
        &reply,
        204,
        "sobject/upsert_updated_success_response.json",
        PLAIN,
    );
}

#[tokio::test]
async fn upsert_errors() {
    let org = common::start_empty().await;
    let reply = call(
        &org,
        Method::PATCH,
        "/sobjects/Account/Namez/x",
        Some(json!({"Name": "X"})),
    )
    .await;
    check(
        &reply,
        404,
        "sobject/upsert_error_response.json",
        ERROR_EXACT,
    );

    // BrightpearlOrderId__c is an external id that is not unique.
    let mut ids = Vec::new();
    for name in ["First", "Second"] {
        let fields = json!({"Name": name, "StageName": "Prospecting", "CloseDate": "2030-01-31",
                            "BrightpearlOrderId__c": "BP-7"});
        ids.push(create(&org, "Opportunity", fields).await);
    }
    let reply = call(
        &org,
        Method::PATCH,
        "/sobjects/Opportunity/BrightpearlOrderId__c/BP-7",
        Some(json!({"Name": "Which?"})),
    )
    .await;
    check(
        &reply,
        300,
        "sobject/upsert_multiple_error_response.json",
        PLAIN,
    );
    let urls: BTreeSet<_> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<_> = ids
        .iter()
        .map(|id| format!("/services/data/v59.0/sobjects/Opportunity/{id}"))
        .collect();
    assert_eq!(urls, expected);
}

/// `start` and `end` for the updated and deleted resources: the last day up to the next minute.
fn window() -> [(&'static str, String); 2] {
    let format = |t: time::OffsetDateTime| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:00+00:00",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    };
    let now = time::OffsetDateTime::now_utc();
    [
        ("start", format(now - time::Duration::days(1))),
        ("end", format(now + time::Duration::minutes(1))),
    ]
}

#[tokio::test]
async fn get_updated_and_deleted() {
    let org = common::start_empty().await;
    let kept = create(&org, "Account", json!({"Name": "Kept"})).await;
    let gone = create(&org, "Account", json!({"Name": "Gone"})).await;
    let reply = call(
        &org,
        Method::DELETE,
        &format!("/sobjects/Account/{gone}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.body);

    let updated = send(
        org.get(&org.data_url("59.0", "/sobjects/Account/updated/"))
            .query(&window()),
    )
    .await;
    check(
        &updated,
        200,
        "sobject/get_updated_success_response.json",
        PLAIN,
    );
    let deleted = send(
        org.get(&org.data_url("59.0", "/sobjects/Account/deleted/"))
            .query(&window()),
    )
    .await;
    check(
        &deleted,
        200,
        "sobject/get_deleted_success_response.json",
        PLAIN,
    );
    // Salesforce covers whole minutes up to latestDateCovered; the ids it lists are ours.
    for id in updated.body["ids"].as_array().unwrap() {
        assert!(id == kept.as_str() || id == gone.as_str(), "{id}");
    }
    for record in deleted.body["deletedRecords"].as_array().unwrap() {
        assert_eq!(record["id"], json!(gone));
    }
}
