//! SOQL query results: records with relationships, empty, errors, aggregates, pages.

use super::*;

#[tokio::test]
async fn query_success_with_relationships() {
    let org = common::start_empty().await;
    let parent = create(
        &org,
        "Account",
        json!({"Name": "Parent", "AccountNumber": "P-1"}),
    )
    .await;
    let account = create(
        &org,
        "Account",
        json!({"Name": "Child", "ParentId": parent}),
    )
    .await;
    create(
        &org,
        "Payment__c",
        json!({"Account__c": account, "Amount__c": 10}),
    )
    .await;
    let soql = format!(
        "SELECT IsDeleted, Name, CreatedDate, Parent.Name, Parent.AccountNumber, \
         (SELECT Name FROM Payments__r) FROM Account WHERE Id = '{account}'"
    );
    let reply = query(&org, &soql, None).await;
    let shape = Shape {
        rename: &[
            ("records[].Checkbox_Label", "IsDeleted"),
            ("records[].Text_Label", "Name"),
            ("records[].DateTime_Label", "CreatedDate"),
            ("records[].ParentWhizbang__r", "Parent"),
            ("records[].ParentWhizbang__r.Text_Label", "AccountNumber"),
            ("records[].Whizbangs__r", "Payments__r"),
        ],
        // Account has no date or multi-select picklist field (dates: sobject_find_success).
        absent: &[
            "records[].Date_Label",
            "records[].Picklist_Multiselect_Label",
        ],
        ..PLAIN
    };
    check(&reply, 200, "sobject/query_success_response.json", shape);
}

#[tokio::test]
async fn query_empty_and_error() {
    let org = common::start_empty().await;
    let reply = query(&org, "SELECT Id FROM Account WHERE Name = 'nobody'", None).await;
    check(&reply, 200, "sobject/query_empty_response.json", PLAIN);
    let reply = query(&org, "SELECT Nope__c FROM Account", None).await;
    check(&reply, 400, "sobject/query_error_response.json", ERROR_CODE);
}

#[tokio::test]
async fn query_aggregate() {
    let org = common::start_empty().await;
    let account = create(&org, "Account", json!({"Name": "Buyer"})).await;
    for (amount, account) in [
        (100.0, Some(&account)),
        (200.0, Some(&account)),
        (400.0, None),
    ] {
        let mut fields = json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-31",
                                "Amount": amount});
        if let Some(account) = account {
            fields["AccountId"] = json!(account);
        }
        create(&org, "Opportunity", fields).await;
    }
    let reply = query(
        &org,
        "SELECT AccountId, SUM(Amount) FROM Opportunity GROUP BY AccountId",
        None,
    )
    .await;
    check(
        &reply,
        200,
        "sobject/query_aggregate_success_response.json",
        Shape {
            rename: &[("records[].CampaignId", "AccountId")],
            ..PLAIN
        },
    );
}

#[tokio::test]
async fn query_paginated_first_and_last_page() {
    let org = common::start_empty().await;
    for n in 0..201 {
        create(
            &org,
            "Account",
            json!({"Name": format!("Paged {n:03}"), "AccountNumber": "PAGED"}),
        )
        .await;
    }
    let shape = Shape {
        rename: &[("records[].Text_Label", "Name")],
        ..PLAIN
    };
    let first = query(
        &org,
        "SELECT Name FROM Account WHERE AccountNumber = 'PAGED'",
        Some(200),
    )
    .await;
    check(
        &first,
        200,
        "sobject/query_paginated_first_page_response.json",
        shape,
    );
    let next = first.body["nextRecordsUrl"]
        .as_str()
        .expect("nextRecordsUrl")
        .to_string();
    let last = send(org.get(&format!("{}{next}", org.base))).await;
    check(
        &last,
        200,
        "sobject/query_paginated_last_page_response.json",
        shape,
    );
}

#[tokio::test]
async fn org_query() {
    let org = common::start_empty().await;
    let reply = query(&org, "SELECT Id FROM Organization", None).await;
    check(&reply, 200, "sobject/org_query_response.json", PLAIN);
    assert_eq!(
        reply.body["records"][0]["Id"],
        json!(org.sandbox.banner.org_id)
    );
}
