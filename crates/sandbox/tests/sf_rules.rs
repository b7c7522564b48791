//! Each Salesforce rule the sandbox enforces, shown over HTTP with the real status, error code
//! and message shape (`[{"message","errorCode","fields"}]`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestOrg;
use serde_json::{Value, json};

/// Asserts a single-error REST response: status, code, fields, and a message containing `text`.
fn assert_error(response: &(u16, Value), status: u16, code: &str, fields: &[&str], text: &str) {
    let (actual, body) = response;
    assert_eq!(*actual, status, "status for {body}");
    let errors = body.as_array().expect("error array");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["errorCode"], code, "{body}");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(message.contains(text), "message {message:?} lacks {text:?}");
    if fields.is_empty() {
        assert!(
            errors[0]
                .get("fields")
                .is_none_or(|f| f.as_array().is_some_and(Vec::is_empty)),
            "{body}"
        );
    } else {
        let got: Vec<&str> = errors[0]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("no fields in {body}"))
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
}

async fn product_with_standard_price(org: &TestOrg, code: &str, price: f64) -> (String, String) {
    let product = org
        .create(
            "Product2",
            json!({"Name": format!("Product {code}"), "ProductCode": code, "IsActive": true}),
        )
        .await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();
    let entry = org
        .create(
            "PricebookEntry",
            json!({"Pricebook2Id": standard, "Product2Id": product, "UnitPrice": price, "IsActive": true}),
        )
        .await;
    (product, entry)
}

#[tokio::test]
async fn required_fields_types_lengths_and_picklists() {
    let org = common::start_empty().await;
    let r = org
        .call("POST", "/sobjects/Account", Some(json!({"Phone": "1"})))
        .await;
    assert_error(
        &r,
        400,
        "REQUIRED_FIELD_MISSING",
        &["Name"],
        "Required fields are missing: [Name]",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Opportunity",
            Some(json!({"Name": "Deal"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "REQUIRED_FIELD_MISSING",
        &["StageName", "CloseDate"],
        "Required fields are missing: [StageName, CloseDate]",
    );

    let long = "x".repeat(256);
    let r = org
        .call("POST", "/sobjects/Account", Some(json!({"Name": long})))
        .await;
    assert_error(
        &r,
        400,
        "STRING_TOO_LONG",
        &["Name"],
        "data value too large",
    );
    assert!(
        r.1[0]["message"]
            .as_str()
            .unwrap()
            .contains("(max length=255)")
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Account",
            Some(json!({"Name": "A", "AnnualRevenue": "lots"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "JSON_PARSER_ERROR",
        &["AnnualRevenue"],
        "Cannot deserialize instance of currency",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Account",
            Some(json!({"Name": "A", "NumberOfEmployees": [1]})),
        )
        .await;
    assert_error(
        &r,
        400,
        "JSON_PARSER_ERROR",
        &["NumberOfEmployees"],
        "START_ARRAY",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Account",
            Some(json!({"Name": "A", "NumberOfEmployees": 99_999_999_999_i64})),
        )
        .await;
    assert_error(
        &r,
        400,
        "NUMBER_OUTSIDE_VALID_RANGE",
        &["NumberOfEmployees"],
        "value outside of valid range on numeric field",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Lead",
            Some(json!({"LastName": "L", "Company": "C", "Status": "Maybe"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        &["Status"],
        "bad value for restricted picklist field: Maybe",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Contact",
            Some(json!({"LastName": "L", "Email": "not-an-email"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_EMAIL_ADDRESS",
        &["Email"],
        "invalid email address",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Account",
            Some(json!({"Name": "A", "Nope__c": 1})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_FIELD",
        &[],
        "No such column 'Nope__c' on sobject of type Account",
    );

    // An unrestricted picklist takes other values; the default applies when none is given.
    let lead = org
        .create(
            "Lead",
            json!({"LastName": "L", "Company": "C", "LeadSource": "Trade Show"}),
        )
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Lead/{lead}"), None)
        .await;
    assert_eq!(body["Status"], "Open - Not Contacted");
    assert_eq!(body["Name"], "L");
}

#[tokio::test]
async fn references_must_point_at_live_records_of_the_right_type() {
    let org = common::start_empty().await;
    let account = org.create("Account", json!({"Name": "Acme"})).await;
    let contact = org
        .create(
            "Contact",
            json!({"LastName": "Smith", "AccountId": account}),
        )
        .await;

    let r = org
        .call(
            "POST",
            "/sobjects/Contact",
            Some(json!({"LastName": "X", "AccountId": contact})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_CROSS_REFERENCE_KEY",
        &["AccountId"],
        "id value of incorrect type",
    );

    let missing = "001000000000000AAA";
    let r = org
        .call(
            "POST",
            "/sobjects/Contact",
            Some(json!({"LastName": "X", "AccountId": missing})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_CROSS_REFERENCE_KEY",
        &["AccountId"],
        "invalid cross reference id",
    );

    let r = org
        .call(
            "POST",
            "/sobjects/Contact",
            Some(json!({"LastName": "X", "AccountId": "garbage"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "MALFORMED_ID",
        &["AccountId"],
        "id value of incorrect type: garbage",
    );

    // A parent named by its external id.
    org.call(
        "PATCH",
        &format!("/sobjects/Account/{account}"),
        Some(json!({"ExternalID__c": "BP-1"})),
    )
    .await;
    let child = org
        .create(
            "Contact",
            json!({"LastName": "Y", "Account": {"ExternalID__c": "bp-1"}}),
        )
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Contact/{child}"), None)
        .await;
    assert_eq!(body["AccountId"], account.as_str());
    let r = org
        .call(
            "POST",
            "/sobjects/Contact",
            Some(json!({"LastName": "Z", "Account": {"ExternalID__c": "BP-404"}})),
        )
        .await;
    assert_error(
        &r,
        400,
        "INVALID_FIELD",
        &["Account"],
        "Foreign key external ID: BP-404 not found",
    );
}

#[tokio::test]
async fn unique_and_external_ids_refuse_duplicates_ignoring_case() {
    let org = common::start_empty().await;
    let first = org
        .create("Account", json!({"Name": "A", "ExternalID__c": "C-1"}))
        .await;
    let r = org
        .call(
            "POST",
            "/sobjects/Account",
            Some(json!({"Name": "B", "ExternalID__c": "c-1"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "DUPLICATE_VALUE",
        &["ExternalID__c"],
        &format!(
            "duplicate value found: ExternalID__c duplicates value on record with id: {first}"
        ),
    );
    // Deleting the holder frees the value.
    assert_eq!(
        org.call("DELETE", &format!("/sobjects/Account/{first}"), None)
            .await
            .0,
        204
    );
    org.create("Account", json!({"Name": "B", "ExternalID__c": "C-1"}))
        .await;
}

#[tokio::test]
async fn read_only_and_compound_fields_are_refused() {
    let org = common::start_empty().await;
    for (object, body, field) in [
        (
            "Account",
            json!({"Name": "A", "CreatedDate": "2020-01-01T00:00:00Z"}),
            "CreatedDate",
        ),
        (
            "Account",
            json!({"Name": "A", "BillingAddress": {"city": "X"}}),
            "BillingAddress",
        ),
        (
            "Contact",
            json!({"LastName": "A", "Name": "Full Name"}),
            "Name",
        ),
        (
            "Opportunity",
            json!({"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01", "IsWon": true}),
            "IsWon",
        ),
        (
            "Account",
            json!({"Name": "A", "Id": "001000000000001AAA"}),
            "Id",
        ),
    ] {
        let r = org
            .call("POST", &format!("/sobjects/{object}"), Some(body))
            .await;
        assert_error(
            &r,
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            &[field],
            &format!("Unable to create/update fields: {field}."),
        );
    }
    // Create-only fields can be set once, not changed.
    let (product, _) = product_with_standard_price(&org, "SKU-1", 10.0).await;
    let (other, _) = product_with_standard_price(&org, "SKU-2", 10.0).await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();
    let entries = org
        .call(
            "GET",
            &format!("/query?q=SELECT+Id+FROM+PricebookEntry+WHERE+Product2Id='{product}'"),
            None,
        )
        .await;
    let entry = entries.1["records"][0]["Id"].as_str().map(str::to_string);
    if let Some(entry) = entry {
        let r = org
            .call(
                "PATCH",
                &format!("/sobjects/PricebookEntry/{entry}"),
                Some(json!({"Product2Id": other})),
            )
            .await;
        assert_error(
            &r,
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            &["Product2Id"],
            "Unable to create/update fields: Product2Id.",
        );
        // Repeating the current value is accepted (clients send whole records back).
        let r = org
            .call(
                "PATCH",
                &format!("/sobjects/PricebookEntry/{entry}"),
                Some(json!({"Product2Id": product, "Pricebook2Id": standard, "UnitPrice": 12})),
            )
            .await;
        assert_eq!(r.0, 204, "{}", r.1);
    }
}

#[tokio::test]
async fn system_fields_move_on_every_write_even_a_no_op() {
    let org = common::start_empty().await;
    let id = org.create("Account", json!({"Name": "Same"})).await;
    let (_, before) = org
        .call("GET", &format!("/sobjects/Account/{id}"), None)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(
        org.call(
            "PATCH",
            &format!("/sobjects/Account/{id}"),
            Some(json!({"Name": "Same"}))
        )
        .await
        .0,
        204
    );
    let (_, after) = org
        .call("GET", &format!("/sobjects/Account/{id}"), None)
        .await;
    assert!(after["LastModifiedDate"].as_str() > before["LastModifiedDate"].as_str());
    assert!(after["SystemModstamp"].as_str() > before["SystemModstamp"].as_str());
    assert_eq!(after["CreatedDate"], before["CreatedDate"]);
    assert_eq!(
        after["LastModifiedById"],
        org.sandbox.banner.user_id.as_str()
    );
    // The change log has the create and the no-op update, which names LastModifiedDate.
    let state = org.sandbox.state().org();
    let changes: Vec<_> = state
        .changes
        .iter()
        .filter(|c| c.record_id.to_string() == id)
        .collect();
    assert_eq!(changes.len(), 2);
    let fields: Vec<&str> = changes[1].changed_fields.iter().map(|f| &**f).collect();
    assert_eq!(fields, ["LastModifiedDate"]);
}

#[tokio::test]
async fn opportunity_flags_follow_the_stage() {
    let org = common::start_empty().await;
    let id = org
        .create(
            "Opportunity",
            json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2025-06-30"}),
        )
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Opportunity/{id}"), None)
        .await;
    assert_eq!(
        (body["IsClosed"].clone(), body["IsWon"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(body["Probability"], json!(10.0));
    org.call(
        "PATCH",
        &format!("/sobjects/Opportunity/{id}"),
        Some(json!({"StageName": "Closed Won"})),
    )
    .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Opportunity/{id}"), None)
        .await;
    assert_eq!(
        (body["IsClosed"].clone(), body["IsWon"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(body["ForecastCategoryName"], "Closed");
    org.call(
        "PATCH",
        &format!("/sobjects/Opportunity/{id}"),
        Some(json!({"StageName": "Closed Lost"})),
    )
    .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Opportunity/{id}"), None)
        .await;
    assert_eq!(
        (body["IsClosed"].clone(), body["IsWon"].clone()),
        (json!(true), json!(false))
    );
}

#[tokio::test]
async fn standard_price_comes_first_and_entries_are_unique_per_book() {
    let org = common::start_empty().await;
    let product = org
        .create("Product2", json!({"Name": "Boot", "ProductCode": "BOOT"}))
        .await;
    let wholesale = org
        .create("Pricebook2", json!({"Name": "Wholesale", "IsActive": true}))
        .await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();

    let r = org
        .call(
            "POST",
            "/sobjects/PricebookEntry",
            Some(json!({"Pricebook2Id": wholesale, "Product2Id": product, "UnitPrice": 5})),
        )
        .await;
    assert_error(
        &r,
        400,
        "STANDARD_PRICE_NOT_DEFINED",
        &["Product2Id"],
        "No standard price defined for this product",
    );

    let r = org
        .call("POST", "/sobjects/PricebookEntry", Some(json!({"Pricebook2Id": standard, "Product2Id": product, "UnitPrice": 8, "UseStandardPrice": true})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["UseStandardPrice"],
        "field integrity exception",
    );

    let entry = org
        .create("PricebookEntry", json!({"Pricebook2Id": standard, "Product2Id": product, "UnitPrice": 8, "IsActive": true}))
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/PricebookEntry/{entry}"), None)
        .await;
    assert_eq!(body["Name"], "Boot");
    assert_eq!(body["ProductCode"], "BOOT");

    let r = org
        .call(
            "POST",
            "/sobjects/PricebookEntry",
            Some(json!({"Pricebook2Id": standard, "Product2Id": product, "UnitPrice": 9})),
        )
        .await;
    assert_error(
        &r,
        400,
        "DUPLICATE_VALUE",
        &["Pricebook2Id", "Product2Id"],
        "This price definition already exists in this price book",
    );

    let r = org
        .call("POST", "/sobjects/PricebookEntry", Some(json!({"Pricebook2Id": wholesale, "Product2Id": product, "UnitPrice": 5, "UseStandardPrice": true})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["UnitPrice"],
        "field integrity exception",
    );
    let custom = org
        .create(
            "PricebookEntry",
            json!({"Pricebook2Id": wholesale, "Product2Id": product, "UseStandardPrice": true}),
        )
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/PricebookEntry/{custom}"), None)
        .await;
    assert_eq!(body["UnitPrice"], json!(8.0));
}

#[tokio::test]
async fn line_items_use_entries_of_their_parents_price_book() {
    let org = common::start_empty().await;
    let (product, standard_entry) = product_with_standard_price(&org, "TEE", 20.0).await;
    let wholesale = org
        .create("Pricebook2", json!({"Name": "Wholesale", "IsActive": true}))
        .await;
    let wholesale_entry = org
        .create("PricebookEntry", json!({"Pricebook2Id": wholesale, "Product2Id": product, "UnitPrice": 12, "IsActive": true}))
        .await;
    let account = org.create("Account", json!({"Name": "Shop"})).await;
    let opp = org
        .create("Opportunity", json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2025-06-30", "AccountId": account}))
        .await;

    let r = org
        .call(
            "POST",
            "/sobjects/OpportunityLineItem",
            Some(json!({"OpportunityId": opp, "Quantity": 2, "UnitPrice": 20})),
        )
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["PricebookEntryId"],
        "field integrity exception: PricebookEntryId, unknown",
    );

    // The first line sets the opportunity's price book; the amount rolls up.
    org.create("OpportunityLineItem", json!({"OpportunityId": opp, "PricebookEntryId": standard_entry, "Quantity": 2, "UnitPrice": 19.5}))
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Opportunity/{opp}"), None)
        .await;
    assert_eq!(body["Amount"], json!(39.0));
    assert_eq!(body["HasOpportunityLineItem"], json!(true));
    assert!(body["Pricebook2Id"].is_string());

    let r = org
        .call("POST", "/sobjects/OpportunityLineItem", Some(json!({"OpportunityId": opp, "PricebookEntryId": wholesale_entry, "Quantity": 1, "UnitPrice": 12})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["PricebookEntryId"],
        "different pricebook than the one assigned to the opportunity",
    );

    let r = org
        .call("POST", "/sobjects/OpportunityLineItem", Some(json!({"OpportunityId": opp, "PricebookEntryId": standard_entry, "Quantity": 1, "UnitPrice": 1, "TotalPrice": 1})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["TotalPrice"],
        "you can't specify both unit price and total price",
    );

    // Orders: a price book is required before products, and it must match.
    let order = org
        .create(
            "Order",
            json!({"AccountId": account, "EffectiveDate": "2025-01-01", "Status": "Draft"}),
        )
        .await;
    let r = org
        .call("POST", "/sobjects/OrderItem", Some(json!({"OrderId": order, "PricebookEntryId": standard_entry, "Quantity": 1, "UnitPrice": 20})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["PricebookEntryId"],
        "Order has no pricebook assigned",
    );
    org.call(
        "PATCH",
        &format!("/sobjects/Order/{order}"),
        Some(json!({"Pricebook2Id": wholesale})),
    )
    .await;
    let r = org
        .call("POST", "/sobjects/OrderItem", Some(json!({"OrderId": order, "PricebookEntryId": standard_entry, "Quantity": 1, "UnitPrice": 20})))
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["PricebookEntryId"],
        "different pricebook than the one assigned to the order",
    );
    org.create("OrderItem", json!({"OrderId": order, "PricebookEntryId": wholesale_entry, "Quantity": 3, "UnitPrice": 12}))
        .await;
    let (_, body) = org
        .call("GET", &format!("/sobjects/Order/{order}"), None)
        .await;
    assert_eq!(body["TotalAmount"], json!(36.0));
}

#[tokio::test]
async fn orders_start_in_draft_activate_with_items_and_then_lock() {
    let org = common::start_empty().await;
    let (_product, entry) = product_with_standard_price(&org, "CAP", 15.0).await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();
    let account = org.create("Account", json!({"Name": "Shop"})).await;

    let r = org
        .call(
            "POST",
            "/sobjects/Order",
            Some(
                json!({"AccountId": account, "EffectiveDate": "2025-01-01", "Status": "Activated"}),
            ),
        )
        .await;
    assert_error(&r, 400, "FIELD_INTEGRITY_EXCEPTION", &["Status"], "Draft");

    let r = org
        .call(
            "POST",
            "/sobjects/Order",
            Some(json!({"EffectiveDate": "2025-01-01", "Status": "Draft"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "REQUIRED_FIELD_MISSING",
        &["AccountId"],
        "Required fields are missing: [AccountId]",
    );

    let order = org
        .create("Order", json!({"AccountId": account, "EffectiveDate": "2025-01-01", "Status": "Draft", "Pricebook2Id": standard}))
        .await;
    let r = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"Status": "Activated"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["Status"],
        "no order products",
    );

    let item = org
        .create(
            "OrderItem",
            json!({"OrderId": order, "PricebookEntryId": entry, "Quantity": 1, "UnitPrice": 15}),
        )
        .await;
    let r = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"Status": "Activated", "PoNumber": "PO-1"})),
        )
        .await;
    assert_error(
        &r,
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        &["PoNumber"],
        "Status is the only field you can update",
    );

    assert_eq!(
        org.call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"Status": "Activated"}))
        )
        .await
        .0,
        204
    );
    let (_, body) = org
        .call("GET", &format!("/sobjects/Order/{order}"), None)
        .await;
    assert_eq!(body["StatusCode"], "Activated");
    assert!(body["ActivatedDate"].is_string());

    let r = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"EffectiveDate": "2025-02-01"})),
        )
        .await;
    assert_error(&r, 400, "ENTITY_IS_LOCKED", &["EffectiveDate"], "activated");
    let r = org
        .call(
            "PATCH",
            &format!("/sobjects/OrderItem/{item}"),
            Some(json!({"Quantity": 2})),
        )
        .await;
    assert_error(&r, 400, "ENTITY_IS_LOCKED", &[], "activated");
    let r = org
        .call("DELETE", &format!("/sobjects/Order/{order}"), None)
        .await;
    assert_error(&r, 400, "DELETE_FAILED", &[], "activated order");
    // Custom fields (tracking) stay editable; a fulfilment status is another activated value.
    let r = org
        .call(
            "PATCH",
            &format!("/sobjects/Order/{order}"),
            Some(json!({"TrackingNumber__c": "1Z999", "Status": "Fulfilled"})),
        )
        .await;
    assert_eq!(r.0, 204, "{}", r.1);
}

#[tokio::test]
async fn deletes_cascade_restrict_and_the_standard_book_stays() {
    let org = common::start_empty().await;
    let account = org.create("Account", json!({"Name": "Parent"})).await;
    let contact = org
        .create(
            "Contact",
            json!({"LastName": "Child", "AccountId": account}),
        )
        .await;
    let standard = org
        .sandbox
        .state()
        .org()
        .standard_pricebook()
        .unwrap()
        .to_string();
    let r = org
        .call("DELETE", &format!("/sobjects/Pricebook2/{standard}"), None)
        .await;
    assert_error(&r, 400, "DELETE_FAILED", &[], "standard price book");

    assert_eq!(
        org.call("DELETE", &format!("/sobjects/Account/{account}"), None)
            .await
            .0,
        204
    );
    let r = org
        .call("GET", &format!("/sobjects/Contact/{contact}"), None)
        .await;
    assert_error(&r, 404, "ENTITY_IS_DELETED", &[], "entity is deleted");
    let r = org
        .call("DELETE", &format!("/sobjects/Account/{account}"), None)
        .await;
    assert_error(&r, 404, "ENTITY_IS_DELETED", &[], "entity is deleted");

    // An account with orders cannot go.
    let (_, entry) = product_with_standard_price(&org, "HAT", 5.0).await;
    let _ = entry;
    let shop = org.create("Account", json!({"Name": "Shop"})).await;
    org.create(
        "Order",
        json!({"AccountId": shop, "EffectiveDate": "2025-01-01", "Status": "Draft"}),
    )
    .await;
    let r = org
        .call("DELETE", &format!("/sobjects/Account/{shop}"), None)
        .await;
    assert_error(
        &r,
        400,
        "DELETE_FAILED",
        &[],
        "associated with the following orders",
    );
}
