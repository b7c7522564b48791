//! The contact service over real sockets: contacts (POST, GET by id set with its cap and
//! not-found form, OPTIONS, PATCH), postal addresses and countries, custom fields, contact-search,
//! the reference lists, and the plain-Rust operations other areas call.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
#[allow(dead_code)]
mod cassette;
#[path = "bp_fixtures/shape.rs"]
#[allow(dead_code)]
mod shape;

use bp_common::{TestAccount, start_empty};
use ferry_sandbox::brightpearl::account::contacts::{
    self, AddressKind, Contact, CustomFieldKind, PartyAddress, countries,
};
use ferry_sandbox::brightpearl::account::{Account, Settings};
use ferry_sandbox::brightpearl::idset;
use reqwest::Method;
use serde_json::{Value as Json, json};

/// The recorded response body of a cassette's first interaction.
fn recorded(path: &str) -> Json {
    cassette::load(path)[0].response_json.clone().unwrap()
}

/// A postal address in Sheffield → its id.
async fn address(t: &TestAccount, line1: &str) -> u64 {
    t.create(
        "/contact-service/postal-address",
        json!({"addressLine1": line1, "addressLine2": "Barton", "addressLine3": "Sheffield",
               "addressLine4": "South Yorkshire", "postalCode": "S1 4RT", "countryIsoCode": "GBR"}),
    )
    .await
}

/// A customer with its own address → its id.
async fn customer(t: &TestAccount, first: &str, last: &str, email: &str) -> u64 {
    let home = address(t, "34 Lime St").await;
    t.create(
        "/contact-service/contact",
        json!({"salutation": "", "firstName": first, "lastName": last,
               "postAddressIds": {"DEF": home, "BIL": home, "DEL": home},
               "communication": {"emails": {"PRI": {"email": email}},
                                 "telephones": {"PRI": "+44 1245 845632"}},
               "marketingDetails": {"isReceiveEmailNewsletter": true}}),
    )
    .await
}

async fn patch(t: &TestAccount, path: &str, ops: Json) -> bp_common::Answer {
    t.call(Method::PATCH, path, Some(ops)).await
}

fn error_code(answer: &bp_common::Answer) -> (&str, &str) {
    let entry = &answer.body["errors"][0];
    (
        entry["code"].as_str().unwrap_or(""),
        entry["message"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn a_created_contact_reads_back_in_the_recorded_shape() {
    let t = start_empty().await;
    let id = customer(&t, "john", "Doe", "test@gmail.com").await;
    let answer = t.get(&format!("/contact-service/contact/{id}")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("get-contact"));
    shape::assert_same_shape(
        &recorded("customer/get/simple_get.yml"),
        &answer.body,
        "GET one contact",
    );
    let contact = &answer.body["response"][0];
    assert_eq!(contact["contactId"], id);
    assert_eq!(
        contact["communication"]["emails"]["PRI"]["email"],
        "test@gmail.com"
    );
    assert_eq!(contact["createdByid"], 4, "the API user made it");
    assert_eq!(contact["organisation"]["organisationId"], id);
    assert_eq!(contact["updatedOn"], contact["createdOn"]);
    assert_eq!(
        answer.body["pagination"],
        json!({"morePagesAvailable": false, "resultsReturned": 1, "firstResult": 1, "lastResult": 1})
    );
    assert_eq!(
        answer.body["sorting"],
        json!([{"field": "contactId", "direction": "ASC"}])
    );
}

#[test]
fn recorded_contacts_load_and_render_as_recorded() {
    for (path, list) in [
        ("customer/get/simple_get.yml", true),
        ("customer/get/multiple_get.yml", true),
        ("customer/patch/simple_patch.yml", false),
    ] {
        let body = recorded(path);
        let items = if list {
            body["response"].as_array().unwrap().clone()
        } else {
            vec![body["response"].clone()]
        };
        for item in items {
            let contact: Contact = serde_json::from_value(item.clone()).unwrap();
            let mut back = serde_json::to_value(&contact).unwrap();
            // The recording writes 0.00; serde_json writes the same number as 0.0.
            assert_eq!(back["financialDetails"]["discountPercentage"], json!(0.0));
            back["financialDetails"]["discountPercentage"] =
                item["financialDetails"]["discountPercentage"].clone();
            assert_eq!(
                serde_json::to_string(&back).unwrap(),
                serde_json::to_string(&item).unwrap(),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn multi_get_is_sorted_capped_and_404s_when_nothing_exists() {
    let t = start_empty().await;
    let a = customer(&t, "Ann", "Able", "ann@example.com").await;
    let b = customer(&t, "Bob", "Baker", "bob@example.com").await;
    let answer = t
        .get(&format!("/contact-service/contact/{b},999999,{a}"))
        .await;
    assert_eq!(answer.status, 200);
    let ids: Vec<u64> = (answer.body["response"].as_array().unwrap().iter())
        .map(|c| c["contactId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(answer.body["pagination"]["lastResult"], 2);
    shape::assert_same_shape(
        &recorded("customer/get/multiple_get.yml"),
        &answer.body,
        "GET two contacts",
    );

    let answer = t.get("/contact-service/contact/1-200").await;
    assert_eq!(answer.status, 200, "200 ids is the cap, not over it");
    let answer = t.get("/contact-service/contact/1-201").await;
    assert_eq!(answer.status, 400);
    let (code, message) = error_code(&answer);
    assert_eq!(code, "CMNC-400");
    assert!(
        message.contains("at most 200") && message.contains("201"),
        "{message}"
    );
    assert_eq!(answer.header("message-type"), Some("get-contact"));

    let answer = t.get("/contact-service/contact/1").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("message-type"), Some("get-contact"));
    assert_eq!(answer.body, recorded("customer/get/empty_not_found.yml"));

    let answer = t.get("/contact-service/contact/5-3").await;
    assert_eq!(answer.status, 400, "a downward range is not an id set");
}

#[tokio::test]
async fn options_lists_existing_ids_in_chunks_of_200() {
    let t = start_empty().await;
    let a = customer(&t, "Ann", "Able", "ann@example.com").await;
    let b = customer(&t, "Bob", "Baker", "bob@example.com").await;
    let answer = t
        .call(
            Method::OPTIONS,
            &format!("/contact-service/contact/{a},{b},999999"),
            None,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("message-type"), Some("options-contact"));
    assert_eq!(
        answer.body,
        json!({"response": {"getUris": [format!("/contact/{a}-{b}")]}})
    );
    let answer = t
        .call(Method::OPTIONS, "/contact-service/contact/5000-6000", None)
        .await;
    assert_eq!(answer.body, json!({"response": {"getUris": []}}));

    // Without an id set: every contact (the standard staff and the customers), 200 per URI.
    let all: Vec<u64> = {
        let mut account = t.sandbox.state().account();
        for n in 0..250 {
            let body = json!({"firstName": format!("Bulk{n}"), "lastName": "Customer"});
            contacts::create_contact(&mut account, &body).unwrap();
        }
        account.contacts.contacts.keys().copied().collect()
    };
    assert_eq!(all.len(), 255);
    let answer = t
        .call(Method::OPTIONS, "/contact-service/contact", None)
        .await;
    let uris = answer.body["response"]["getUris"].as_array().unwrap();
    assert_eq!(uris.len(), 2, "{uris:?}");
    assert_eq!(
        uris[0],
        format!("/contact/{}", idset::format(all[..200].iter().copied()))
    );
    assert!(
        uris[0].as_str().unwrap().starts_with("/contact/4,"),
        "{uris:?}"
    );
    let second = t
        .get(
            &uris[1]
                .as_str()
                .unwrap()
                .replace("/contact/", "/contact-service/contact/"),
        )
        .await;
    assert_eq!(second.body["response"].as_array().unwrap().len(), 55);
}

#[tokio::test]
async fn patch_returns_the_object_and_refuses_what_brightpearl_refuses() {
    let t = start_empty().await;
    let id = customer(&t, "john", "Doe", "test@gmail.com").await;
    let path = format!("/contact-service/contact/{id}");
    let before = t.get(&path).await.body["response"][0].clone();
    {
        let mut account = t.sandbox.state().account();
        let later = account.now_ms() + 60_000;
        account.frozen_now_ms = Some(later);
    }
    let answer = patch(
        &t,
        &path,
        json!([{"op": "replace", "path": "/firstName", "value": "Jane"},
               {"op": "replace", "path": "/lastName", "value": "Smith"}]),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("patch-contact"));
    shape::assert_same_shape(
        &recorded("customer/patch/simple_patch.yml"),
        &answer.body,
        "PATCH contact",
    );
    assert_eq!(answer.body["response"]["firstName"], "Jane");
    assert_ne!(answer.body["response"]["updatedOn"], before["updatedOn"]);
    assert_eq!(answer.body["response"]["createdOn"], before["createdOn"]);

    // add on a field every contact has: refused like the recorded order PATCH.
    let answer = patch(
        &t,
        &path,
        json!([{"op": "add", "path": "/firstName", "value": "X"}]),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        error_code(&answer),
        (
            "CMNC-044",
            "Invalid patch operation (add) for given path (/firstName)"
        )
    );
    for (op, at) in [
        ("replace", "/contactId"),
        ("replace", "/createdOn"),
        ("remove", "/lastName"),
    ] {
        let answer = patch(&t, &path, json!([{"op": op, "path": at, "value": 1}])).await;
        assert_eq!(answer.status, 500, "{op} {at}");
        assert_eq!(error_code(&answer).0, "CMNC-044");
    }
    // Optional entries take add and remove.
    let answer = patch(
        &t,
        &path,
        json!([{"op": "add", "path": "/communication/emails/SEC", "value": {"email": "jane@work.example.com"}},
               {"op": "add", "path": "/communication/telephones/MOB", "value": "07700 900123"},
               {"op": "add", "path": "/assignment/current/staffOwnerContactId", "value": 206}]),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let c = &answer.body["response"];
    assert_eq!(
        c["communication"]["emails"]["SEC"]["email"],
        "jane@work.example.com"
    );
    assert_eq!(
        c["assignment"]["current"],
        json!({"staffOwnerContactId": 206})
    );
    let answer = patch(
        &t,
        &path,
        json!([{"op": "remove", "path": "/communication/emails/SEC"}]),
    )
    .await;
    assert!(
        answer.body["response"]["communication"]["emails"]
            .get("SEC")
            .is_none()
    );
    // Values are checked as on POST; nothing changes when one fails.
    let answer = patch(
        &t,
        &path,
        json!([{"op": "replace", "path": "/lastName", "value": "Q".repeat(33)},
               {"op": "replace", "path": "/communication/emails/PRI/email", "value": "not-an-email"},
               {"op": "replace", "path": "/assignment/current/staffOwnerContactId", "value": id}]),
    )
    .await;
    assert_eq!(answer.status, 400);
    let codes: Vec<&str> = (answer.body["errors"].as_array().unwrap().iter())
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CONC-001", "CONC-003", "CONC-005"]);
    assert_eq!(t.get(&path).await.body["response"][0]["lastName"], "Smith");

    let answer = patch(
        &t,
        "/contact-service/contact/999999",
        json!([{"op": "replace", "path": "/firstName", "value": "X"}]),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(error_code(&answer).0, "CMNC-404");
}

#[tokio::test]
async fn creation_is_validated_field_by_field() {
    let t = start_empty().await;
    let home = address(&t, "1 High St").await;
    let answer = t
        .post(
            "/contact-service/contact",
            json!({"firstName": "A".repeat(33), "lastName": "Ok",
                   "postAddressIds": {"DEF": 987654},
                   "communication": {"emails": {"PRI": "nobody@nowhere"}, "telephones": {"XYZ": "1"}},
                   "contactId": 5}),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.header("message-type"), Some("post-contact"));
    let errors: Vec<(String, String)> = (answer.body["errors"].as_array().unwrap().iter())
        .map(|e| {
            (
                e["code"].as_str().unwrap().into(),
                e["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let codes: Vec<&str> = errors.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        ["CONC-004", "CONC-001", "CONC-002", "CONC-003", "CONC-004"],
        "{errors:?}"
    );
    assert!(
        errors[1]
            .1
            .contains("firstName may have at most 32 characters")
    );
    assert!(errors[2].1.contains("987654"));
    assert!(errors[4].1.contains("communication.telephones.XYZ"));

    let answer = t
        .post("/contact-service/contact", json!({"salutation": "Mr"}))
        .await;
    assert_eq!(error_code(&answer).0, "CONC-006");
    let answer = t.call(Method::POST, "/contact-service/contact", None).await;
    assert_eq!(error_code(&answer).0, "CMNC-010");

    // The documented body works, a 2-letter country and a company included.
    let id = t
        .create(
            "/contact-service/contact",
            json!({"salutation": "Mr", "firstName": "Demo", "lastName": "Customer",
                   "postAddressIds": {"DEF": home},
                   "communication": {"emails": {"PRI": {"email": "demo@test.com"}},
                                     "telephones": {"PRI": "01245 845632", "MOB": "07700 900000"}},
                   "organisation": {"name": "Customer Company Ltd."},
                   "relationshipToAccount": {"isSupplier": false, "isStaff": false},
                   "financialDetails": {"creditLimit": "1500.50", "creditTermDays": 30}}),
        )
        .await;
    let c = &t.get(&format!("/contact-service/contact/{id}")).await.body["response"][0];
    assert_eq!(
        c["postAddressIds"],
        json!({"DEF": home, "BIL": home, "DEL": home})
    );
    assert_eq!(c["organisation"]["name"], "Customer Company Ltd.");
    assert_eq!(c["companyId"], c["organisation"]["organisationId"]);
    assert_eq!(c["financialDetails"]["creditLimit"], json!(1500.5));
    assert_eq!(c["financialDetails"]["priceListId"], 2);
    let address = &t
        .get(&format!("/contact-service/postal-address/{home}"))
        .await
        .body["response"][0];
    assert_eq!(address["contactId"], id, "the address is the contact's now");

    // A second contact of the same company joins it; another may not take the address.
    let other = t
        .create(
            "/contact-service/contact",
            json!({"firstName": "Second", "organisation": {"name": "customer company ltd."}}),
        )
        .await;
    let o = &t
        .get(&format!("/contact-service/contact/{other}"))
        .await
        .body["response"][0];
    assert_eq!(o["companyId"], c["companyId"]);
    let answer = t
        .post(
            "/contact-service/contact",
            json!({"lastName": "Thief", "postAddressIds": {"DEF": home}}),
        )
        .await;
    assert_eq!(error_code(&answer).0, "CONC-004");
}

#[tokio::test]
async fn postal_addresses_take_any_country_form() {
    let t = start_empty().await;
    let gb = t
        .create(
            "/contact-service/postal-address",
            json!({"addressLine1": "1 A St", "countryIsoCode": "gb"}),
        )
        .await;
    let us = t
        .create(
            "/contact-service/postal-address",
            json!({"addressLine1": "2 B St", "countryId": "223"}),
        )
        .await;
    let none = t
        .create(
            "/contact-service/postal-address",
            json!({"addressLine1": "3 C St"}),
        )
        .await;
    let answer = t
        .get(&format!("/contact-service/postal-address/{none},{us},{gb}"))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("message-type"), Some("get-postal-address"));
    let list = answer.body["response"].as_array().unwrap();
    assert_eq!(
        list[0],
        json!({"addressId": gb, "contactId": 0, "addressLine1": "1 A St", "addressLine2": "",
               "addressLine3": "", "addressLine4": "", "postalCode": "", "countryIsoCode": "GBR",
               "countryIsoCode2": "GB", "countryId": 222})
    );
    assert_eq!(list[1]["countryIsoCode"], "USA");
    assert_eq!(list[2]["countryId"], 0);
    assert!(list[2].get("countryIsoCode").is_none());

    for (body, code) in [
        (
            json!({"addressLine1": "x", "countryIsoCode": "XX"}),
            "CONC-007",
        ),
        (
            json!({"addressLine1": "x", "countryIsoCode": "GBR", "countryId": 223}),
            "CONC-007",
        ),
        (json!({"addressLine2": "no street"}), "CONC-006"),
        (json!({"addressLine1": "x", "street": "y"}), "CONC-004"),
    ] {
        let answer = t
            .post("/contact-service/postal-address", body.clone())
            .await;
        assert_eq!(
            (answer.status, error_code(&answer).0),
            (400, code),
            "{body}"
        );
    }
    assert_eq!(
        t.get("/contact-service/postal-address/424242").await.status,
        404
    );
    assert_eq!(t.get("/contact-service/postal-address").await.status, 400);

    // PUT moves the contact's delivery address.
    let id = customer(&t, "Put", "Tester", "put@example.com").await;
    let answer = t
        .call(
            Method::PUT,
            &format!("/contact-service/contact/{id}/postal-address"),
            Some(json!([{"postalAddressId": us, "type": "DEL"}, {"postalAddressId": none}])),
        )
        .await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    let c = &t.get(&format!("/contact-service/contact/{id}")).await.body["response"][0];
    assert_eq!(c["postAddressIds"]["DEL"], us);
    let answer = t
        .call(
            Method::PUT,
            &format!("/contact-service/contact/{id}/postal-address"),
            Some(json!([{"postalAddressId": us, "type": "HOME"}])),
        )
        .await;
    assert_eq!(error_code(&answer).0, "CONC-004");
}

#[tokio::test]
async fn custom_fields_follow_the_recorded_patch_rules() {
    let t = start_empty().await;
    let id = customer(&t, "Cus", "Tom", "cf@example.com").await;
    let path = format!("/contact-service/contact/{id}/custom-field");
    let answer = t.get(&path).await;
    assert_eq!(
        (answer.status, &answer.body),
        (200, &json!({"response": {}}))
    );
    assert_eq!(answer.header("message-type"), Some("get-custom-fields"));

    // The recorded field: numeric, written as a string, read back as a number.
    {
        let mut account = t.sandbox.state().account();
        let kind = CustomFieldKind::Customer;
        contacts::add_custom_field(&mut account, kind, "PCF_CODAE", "Codigo", "INTEGER", &[])
            .unwrap();
        let again =
            contacts::add_custom_field(&mut account, kind, "PCF_CODAE", "Again", "TEXT", &[]);
        assert!(again.is_err(), "codes are unique");
    }
    let answer = patch(
        &t,
        &path,
        json!([{"op": "add", "path": "/PCF_CODAE", "value": "1234567890"}]),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("message-type"), Some("patch-custom-fields"));
    assert_eq!(
        answer.body,
        recorded("customer/custom_field/patch/simple_patch.yml")
    );
    assert_eq!(
        t.get(&path).await.body,
        recorded("customer/custom_field/get/simple_get.yml")
    );
    let answer = patch(
        &t,
        &path,
        json!([{"op": "remove", "path": "/PCF_CODAE"},
               {"op": "add", "path": "/PCF_ACCTNO", "value": "1234567890"}]),
    )
    .await;
    assert_eq!(answer.body["response"], json!({"PCF_ACCTNO": 1234567890}));
    let answer = patch(
        &t,
        &path,
        json!([{"op": "add", "path": "/PCF_SEGMENT", "value": {"id": 2}},
               {"op": "add", "path": "/PCF_BIRTHDAY", "value": "1990-06-19"},
               {"op": "add", "path": "/PCF_TAXEXMT", "value": "true"},
               {"op": "replace", "path": "/PCF_ACCTNO", "value": 77}]),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body["response"],
        json!({"PCF_ACCTNO": 77, "PCF_SEGMENT": {"id": 2, "value": "Trade"},
               "PCF_BIRTHDAY": "1990-06-18T18:00:00.000-06:00", "PCF_TAXEXMT": true})
    );
    // replace of an empty field fails; so does an unknown code or a supplier field.
    for at in ["/PCF_LOYALTY", "/PCF_NOPE", "/PCF_LEADDAYS"] {
        let answer = patch(
            &t,
            &path,
            json!([{"op": "replace", "path": at, "value": "x"}]),
        )
        .await;
        assert_eq!(answer.status, 500, "{at}");
        assert_eq!(
            error_code(&answer),
            (
                "CMNC-044",
                format!("Invalid patch operation (replace) for given path ({at})").as_str()
            )
        );
    }
    for (at, value) in [
        ("/PCF_ACCTNO", json!("twelve")),
        ("/PCF_SEGMENT", json!({"id": 99})),
        ("/PCF_LOYALTY", json!(5)),
    ] {
        let answer = patch(
            &t,
            &path,
            json!([{"op": "add", "path": at, "value": value}]),
        )
        .await;
        assert_eq!(
            (answer.status, error_code(&answer).0),
            (400, "CONC-008"),
            "{at}"
        );
    }
    let answer = patch(&t, &path, json!([{"op": "remove", "path": "/PCF_ACCTNO"}])).await;
    assert!(answer.body["response"].get("PCF_ACCTNO").is_none());
    let answer = patch(&t, &path, json!([{"op": "remove", "path": "/PCF_ACCTNO"}])).await;
    assert_eq!(error_code(&answer).0, "CMNC-044", "nothing to remove");
    assert_eq!(
        t.get("/contact-service/contact/999999/custom-field")
            .await
            .status,
        404
    );

    let answer = t
        .get("/contact-service/customer/custom-field-meta-data")
        .await;
    assert_eq!(
        answer.header("message-type"),
        Some("get-custom-fields-metadata")
    );
    let segment = &answer.body["response"][2];
    assert_eq!(segment["code"], "PCF_SEGMENT");
    assert_eq!(segment["options"]["2"], json!({"id": 2, "value": "Trade"}));
    let answer = t
        .get("/contact-service/supplier/custom-field-meta-data/7")
        .await;
    assert_eq!(answer.body["response"][0]["code"], "PCF_LEADDAYS");
    assert_eq!(
        t.get("/contact-service/supplier/custom-field-meta-data/1")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn contact_search_has_the_recorded_catalogue_and_filters() {
    let t = start_empty().await;
    let a = customer(&t, "TEST", "Factura Business", "foo@business.com").await;
    let b = customer(&t, "Other", "Person", "someone@else.org").await;
    let answer = t
        .get("/contact-service/contact-search?primaryEmail=foo@business.com")
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("message-type"), Some("bulk-data-search"));
    let recording = recorded("customer/search/simple_search.yml");
    assert_eq!(
        serde_json::to_string(&answer.body["response"]["metaData"]["columns"]).unwrap(),
        serde_json::to_string(&recording["response"]["metaData"]["columns"]).unwrap()
    );
    shape::assert_same_shape(&recording, &answer.body, "contact-search");
    let row = &answer.body["response"]["results"][0];
    assert_eq!(row[0], a);
    assert_eq!(row[9], true, "isCustomer");
    assert_eq!(row[16], "+44 1245 845632", "pri");

    let ids = |answer: &bp_common::Answer| -> Vec<u64> {
        (answer.body["response"]["results"]
            .as_array()
            .unwrap()
            .iter())
        .map(|r| r[0].as_u64().unwrap())
        .collect()
    };
    assert_eq!(
        ids(&t
            .get("/contact-service/contact-search?lastName=factura")
            .await),
        [a]
    );
    assert_eq!(
        ids(&t.get("/contact-service/contact-search?isStaff=true").await),
        [4, 203, 206]
    );
    assert_eq!(
        ids(&t
            .get("/contact-service/contact-search?isCustomer=true")
            .await),
        [a, b]
    );
    assert_eq!(
        ids(&t
            .get("/contact-service/contact-search?allEmail=ELSE.ORG")
            .await),
        [b]
    );
    assert_eq!(
        ids(&t
            .get("/contact-service/contact-search?allPhone=%2B44%201245%20845632")
            .await),
        [a, b]
    );

    // PERIOD on updatedOn: a later edit is found by a window that starts after creation.
    let later = {
        let mut account = t.sandbox.state().account();
        let later = account.now_ms() + 3_600_000;
        account.frozen_now_ms = Some(later);
        later
    };
    let answer = patch(
        &t,
        &format!("/contact-service/contact/{b}"),
        json!([{"op": "replace", "path": "/firstName", "value": "Edited"}]),
    )
    .await;
    assert_eq!(answer.status, 200);
    let since = ferry_sandbox::brightpearl::wire::format_utc(later - 1000);
    let answer = t
        .get(&format!(
            "/contact-service/contact-search?updatedOn={since}/"
        ))
        .await;
    assert_eq!(ids(&answer), [b]);
    let until = ferry_sandbox::brightpearl::wire::format_utc(later - 1000);
    let answer = t
        .get(&format!(
            "/contact-service/contact-search?isCustomer=true&updatedOn=/{until}"
        ))
        .await;
    assert_eq!(ids(&answer), [a]);

    // Tags and companies as extra filters.
    let answer = t
        .call(
            Method::POST,
            &format!("/contact-service/contact/{a}/tag/1"),
            None,
        )
        .await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    assert_eq!(
        ids(&t.get("/contact-service/contact-search?tagIds=1,2").await),
        [a]
    );
    assert_eq!(
        ids(&t.get("/contact-service/contact-search?companyIds=1").await),
        [4, 203, 206]
    );

    let answer = t
        .get("/contact-service/contact-search?isCustomer=maybe")
        .await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        error_code(&answer),
        (
            "CMNC-018",
            "The filter isCustomer=maybe cannot be parsed as: BOOLEAN"
        )
    );
}

#[tokio::test]
async fn reference_lists_answer_in_their_shapes() {
    let t = start_empty().await;
    let answer = t.get("/contact-service/tag").await;
    assert_eq!(answer.header("message-type"), Some("get-tag"));
    assert_eq!(
        answer.body["response"]["1"],
        json!({"tagId": 1, "tagName": "VIP", "tagParentId": 0, "tagColor": "#e74c3c"})
    );
    let id = t
        .create(
            "/contact-service/tag",
            json!({"tagName": "Gold", "tagColor": "#ffd700"}),
        )
        .await;
    let answer = t.get(&format!("/contact-service/tag/{id}")).await;
    assert_eq!(answer.body["response"][id.to_string()]["tagName"], "Gold");
    let answer = t
        .post("/contact-service/tag", json!({"tagName": "gold"}))
        .await;
    assert_eq!(answer.status, 400, "names are unique");
    assert_eq!(t.get("/contact-service/tag/999").await.status, 404);

    let answer = t.get("/contact-service/contact-group/1").await;
    assert_eq!(answer.header("message-type"), Some("get-contact-group"));
    assert_eq!(answer.body["response"][0]["name"], "Retail Customers");
    let answer = t.get("/contact-service/lead-source").await;
    assert_eq!(answer.header("message-type"), Some("get-lead-source"));
    assert_eq!(
        answer.body["response"][0],
        json!({"id": 1, "ownerId": 0, "parentId": 0, "name": "Website", "isActive": true})
    );
    let answer = t.get("/contact-service/company").await;
    assert_eq!(answer.body["response"][0]["id"], 1);
    let answer = t.get("/contact-service/company-search?name=retail").await;
    assert_eq!(answer.body["response"]["results"][0][0], 1);
    let answer = t
        .get("/contact-service/contact-group-search?name=wholesale")
        .await;
    assert_eq!(
        answer.body["response"]["results"][0],
        json!([
            2,
            "Wholesale Customers",
            "Trade accounts on the wholesale price list",
            0
        ])
    );
}

#[test]
fn the_order_party_block_has_the_recorded_shape() {
    let mut account = Account::new(Settings::default());
    account.contacts = contacts::Contacts::standard(&account.settings);
    account.contacts.observe_sequences(&mut account.sequences);
    let home = contacts::create_postal_address(
        &mut account,
        &json!({"addressLine1": "34 Lime St", "addressLine2": "Barton", "addressLine3": "Sheffield",
                "addressLine4": "South Yorkshire", "postalCode": "S1 4RT", "countryIsoCode": "GBR"}),
    )
    .unwrap();
    let id = contacts::create_contact(
        &mut account,
        &json!({"firstName": "Demo", "lastName": "Customer", "postAddressIds": {"DEF": home},
                "organisation": {"name": "Customer Company Ltd."},
                "communication": {"emails": {"PRI": {"email": "demo@test.com"}},
                                  "telephones": {"PRI": "01245 845632"}}}),
    )
    .unwrap();
    assert!(id >= 207, "after the standard staff: {id}");
    let party = account.contacts.party(id, AddressKind::Billing).unwrap();
    let order = recorded("order_get_one.yml");
    let customer = &order["response"][0]["parties"]["customer"];
    let ours = serde_json::to_value(&party).unwrap();
    shape::assert_same_shape(customer, &ours, "parties.customer");
    assert_eq!(ours["countryIsoCode"], "GB");
    assert_eq!(ours["countryIsoCode3"], "GBR");
    assert_eq!(ours["country"], "United Kingdom");
    assert_eq!(ours["addressFullName"], "Demo Customer");
    // A recorded party deserialises; one without a country has no country keys.
    let loaded: PartyAddress = serde_json::from_value(customer.clone()).unwrap();
    assert_eq!(loaded.country_id, 222);
    let supplier = &recorded("order_get_one_po.yml")["response"][0]["parties"]["supplier"];
    let loaded: PartyAddress = serde_json::from_value(supplier.clone()).unwrap();
    assert_eq!(serde_json::to_value(&loaded).unwrap(), *supplier);

    // Contacts raise no webhook events; writes stamp updatedOn.
    assert!(account.take_events().is_empty());
    assert_eq!(
        countries::by_code_or_name("United Kingdom").unwrap().id,
        222
    );
}

#[test]
fn new_ids_skip_the_standard_records_even_unobserved() {
    // The account's sequences were never told of the standard ids (4, 203, 206, tag 1, ...).
    let mut account = Account::new(Settings::default());
    account.contacts = contacts::Contacts::standard(&account.settings);
    let ids: Vec<u64> = (0..8)
        .map(|n| {
            let body = json!({"firstName": format!("New{n}")});
            contacts::create_contact(&mut account, &body).unwrap()
        })
        .collect();
    assert_eq!(ids, [200, 201, 202, 204, 205, 207, 208, 209]);
    for staff in [4, 203, 206] {
        assert!(account.contacts.is_staff(staff), "staff {staff} kept");
    }
    let tag = contacts::create_tag(&mut account, "Gold", "#ffd700", 0).unwrap();
    assert_eq!(tag, 6);
    assert_eq!(account.contacts.tags[&1].tag_name, "VIP");
    let group = contacts::create_contact_group(&mut account, "Press", "Journalists");
    assert_eq!(group, 4);
    let source = contacts::create_lead_source(&mut account, "Podcast", 0);
    assert_eq!(source, 6);
    let kind = CustomFieldKind::Supplier;
    let field = contacts::add_custom_field(
        &mut account,
        kind,
        "PCF_GRADE",
        "Grade",
        "SELECT",
        &["A", "B"],
    )
    .unwrap();
    assert_eq!(field, 10);
    let options = account.contacts.supplier_fields[&field]
        .options
        .clone()
        .unwrap();
    assert_eq!(options.0.iter().map(|o| o.id).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(
        contacts::create_company(&mut account, "ferrydemo retail"),
        1
    );
    assert_eq!(contacts::create_company(&mut account, "Acme Ltd"), 2);
}
