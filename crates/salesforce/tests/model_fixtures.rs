//! Every recorded Salesforce answer in shared/fixtures/salesforce decodes into the model it
//! represents (or is listed as not met, with the reason), and so do the sandbox's live answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_salesforce::describe::{DescribeGlobal, FieldType, SObjectDescribe, drift};
use ferry_salesforce::model::{
    ApiError, ApiVersion, BulkJob, DeletedRecords, JobState, Limits, OAuthError, QueryPage, Record,
    SaveResult, TokenAnswer, UpdatedIds, UpsertOutcome, latest_version, parse_datetime,
};
use secrecy::ExposeSecret;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/salesforce")
}

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body).unwrap()
}

fn api_error(body: &[u8], code: &str) -> ApiError {
    let error: ApiError = json(body);
    assert_eq!(error.code(), Some(code), "{error}");
    assert!(!error.0[0].message.is_empty());
    error
}

type Check = fn(&[u8]);

/// Recorded file (relative to the fixtures folder) → how it decodes and what it must say.
const MAPPED: &[(&str, Check)] = &[
    ("auth_error_response.json", |b| {
        let e: OAuthError = json(b);
        assert_eq!(e.error, "invalid_grant");
        assert_eq!(
            e.error_description,
            "authentication failure - Invalid Password"
        );
    }),
    ("auth_success_response.json", |b| {
        let t: TokenAnswer = json(b);
        assert_eq!(t.instance_url, "https://na1.salesforce.com");
        assert!(
            t.access_token
                .expose_secret()
                .starts_with("00Dx0000000BV7z!")
        );
        assert_eq!(
            t.org_and_user(),
            Some(("00Dx0000000BV7z", "005x00000012Q9P"))
        );
        assert_eq!(t.issued_at_time().unwrap().unix_timestamp(), 1_278_448_832);
        assert!(t.refresh_token.is_none());
    }),
    ("expired_session_response.json", |b| {
        api_error(b, "INVALID_SESSION_ID");
    }),
    ("reauth_success_response.json", |b| {
        let t: TokenAnswer = json(b);
        assert_eq!(t.access_token.expose_secret(), "new_access_token");
        assert_eq!(t.org_and_user(), Some(("foo", "bar")));
    }),
    ("refresh_error_response.json", |b| {
        let e: OAuthError = json(b);
        assert_eq!(e.to_string(), "invalid_grant: expired access/refresh token");
    }),
    ("refresh_success_response.json", |b| {
        let t: TokenAnswer = json(b);
        assert_eq!(t.access_token.expose_secret(), "refreshed_access_token");
        assert_eq!(t.signature.as_deref(), Some("sig="));
    }),
    ("services_data_success_response.json", |b| {
        let v: Vec<ApiVersion> = json(b);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].label, "Winter '11");
        assert_eq!(latest_version(&v).unwrap().url, "/services/data/v100");
    }),
    ("sobject/create_success_response.json", |b| {
        let r: SaveResult = json(b);
        assert!(r.success && r.errors.is_empty());
        assert_eq!(r.id.as_deref(), Some("some_id"));
        assert_eq!(r.created, None);
    }),
    ("sobject/delete_error_response.json", |b| {
        api_error(b, "NOT_FOUND");
    }),
    ("sobject/describe_sobjects_success_response.json", |b| {
        let g: DescribeGlobal = json(b);
        assert_eq!(g.max_batch_size, Some(200));
        let account = g.object("account").unwrap();
        assert_eq!(account.key_prefix.as_deref(), Some("001"));
        assert!(account.queryable && account.createable && !account.custom);
        assert_eq!(
            account.urls["describe"],
            "/services/data/v23.0/sobjects/Account/describe"
        );
    }),
    ("sobject/get_deleted_success_response.json", |b| {
        let d: DeletedRecords = json(b);
        assert_eq!(d.deleted_records.len(), 1);
        assert_eq!(d.deleted_records[0].id, "a00D0000008pQRAIA2");
        let at = parse_datetime(&d.deleted_records[0].deleted_date).unwrap();
        assert_eq!(at.to_string(), "2013-05-07 22:07:19.0 +00:00:00");
        assert!(parse_datetime(d.latest_date_covered.as_deref().unwrap()).is_some());
    }),
    ("sobject/get_updated_success_response.json", |b| {
        let u: UpdatedIds = json(b);
        assert_eq!(u.ids.len(), 7);
        assert_eq!(u.ids[0], "003q000000KvQ1tAAF");
        assert!(parse_datetime(u.latest_date_covered.as_deref().unwrap()).is_some());
    }),
    ("sobject/list_sobjects_success_response.json", |b| {
        let g: DescribeGlobal = json(b);
        assert_eq!(g.encoding.as_deref(), Some("UTF-8"));
        assert_eq!(g.sobjects.len(), 1);
    }),
    ("sobject/org_query_response.json", |b| {
        let p: QueryPage = json(b);
        assert_eq!((p.total_size, p.done), (1, true));
        assert_eq!(p.records[0].object_type(), Some("Organization"));
        assert_eq!(p.records[0].id(), Some("00Dx0000000BV7z"));
    }),
    ("sobject/query_aggregate_success_response.json", |b| {
        let p: QueryPage = json(b);
        assert_eq!(p.records.len(), 3);
        let first = &p.records[0];
        assert_eq!(first.object_type(), Some("AggregateResult"));
        assert_eq!(first.attributes.as_ref().unwrap().url, None);
        assert_eq!(first.decimal("expr0").unwrap().to_string(), "300.0");
        assert_eq!(p.records[2].decimal("expr0").unwrap().to_string(), "400");
        assert!(p.records[2].get("CampaignId").unwrap().is_null());
    }),
    ("sobject/query_empty_response.json", |b| {
        let p: QueryPage = json(b);
        assert_eq!((p.total_size, p.done, p.records.len()), (0, true, 0));
        assert!(!p.has_more());
    }),
    ("sobject/query_error_response.json", |b| {
        api_error(b, "INVALID_FIELD");
    }),
    ("sobject/query_paginated_first_page_response.json", |b| {
        let p: QueryPage = json(b);
        assert!(p.has_more());
        assert_eq!(p.next_locator(), Some("01gD"));
        assert_eq!(p.records[0].text("Text_Label"), Some("First Page"));
    }),
    ("sobject/query_paginated_last_page_response.json", |b| {
        let p: QueryPage = json(b);
        assert!(!p.has_more() && p.next_records_url.is_none());
        assert_eq!(p.records[0].text("text_label"), Some("Last Page"));
    }),
    ("sobject/query_success_response.json", |b| {
        let p: QueryPage = json(b);
        let r = &p.records[0];
        assert_eq!(
            r.get("Checkbox_Label"),
            Some(&serde_json::Value::Bool(false))
        );
        assert_eq!(
            r.datetime("DateTime_Label").unwrap().unix_timestamp(),
            1_309_999_020
        );
        assert_eq!(
            r.get_path("ParentWhizbang__r.Name").unwrap(),
            "Parent Whizbang"
        );
        assert_eq!(
            r.parent("ParentWhizbang__r").unwrap().object_type(),
            Some("Whizbang")
        );
        let children = r.children("Whizbangs__r").unwrap();
        assert_eq!(children.records[0].text("Name"), Some("Child Whizbang"));
        assert_eq!(children.records[0].object_type(), Some("Whizbang__c"));
    }),
    ("sobject/search_error_response.json", |b| {
        // Search is not supported (see NOT_MET), but its error is the common error shape.
        api_error(b, "MALFORMED_SEARCH");
    }),
    ("sobject/sobject_describe_error_response.json", |b| {
        let e = api_error(b, "NOT_FOUND");
        assert_eq!(
            e.to_string(),
            "NOT_FOUND: The requested resource does not exist"
        );
    }),
    ("sobject/sobject_describe_success_response.json", |b| {
        let d: SObjectDescribe = json(b);
        assert_eq!(d.name, "Whizbang");
        assert_eq!(d.fields.len(), 30);
        assert_eq!(d.child_relationships.len(), 12);
        assert_eq!(d.child_relationships[0].child_sobject, "Attachment");
        let id = d.field("id").unwrap();
        assert_eq!(
            (id.field_type.clone(), id.length, id.id_lookup),
            (FieldType::Id, 18, true)
        );
        let owner = d.field("OwnerId").unwrap();
        assert_eq!(owner.relationship_name.as_deref(), Some("Owner"));
        assert!(!owner.reference_to.is_empty());
        let picklist = d.field("Picklist_Field").unwrap();
        assert_eq!(picklist.field_type, FieldType::Picklist);
        assert!(picklist.active_values().count() > 0);
        let currency = d.field("Currency_Field").unwrap();
        assert_eq!(currency.field_type, FieldType::Currency);
        let create_only = d.field("CreateableButNotUpdateableField").unwrap();
        assert!(create_only.createable && !create_only.updateable);
        // A reordered copy has the same fingerprint and no drift.
        let mut reordered = d.clone();
        reordered.fields.reverse();
        assert_eq!(reordered.fingerprint(), d.fingerprint());
        assert!(drift(&d, &reordered).is_empty());
    }),
    ("sobject/sobject_find_error_response.json", |b| {
        api_error(b, "NOT_FOUND");
    }),
    ("sobject/sobject_find_success_response.json", |b| {
        let r: Record = json(b);
        assert_eq!(r.id(), Some("23foo"));
        assert_eq!(r.decimal("Currency_Label").unwrap().to_string(), "23.0");
        assert_eq!(r.text("Picklist_Multiselect_Label"), Some("four;six"));
        assert!(r.datetime("OtherDateTime_Label").is_none());
        assert!(r.datetime("DateTime_Label").is_some());
    }),
    ("sobject/sobject_select_success_response.json", |b| {
        let r: Record = json(b);
        assert_eq!(r.text("External_Field__c"), Some("1234"));
        assert_eq!(r.fields.len(), 2);
    }),
    ("sobject/upsert_created_success_response.json", |b| {
        let outcome = UpsertOutcome::from_answer(201, b).unwrap();
        assert_eq!(outcome, UpsertOutcome::Created { id: "foo".into() });
    }),
    ("sobject/upsert_error_response.json", |b| {
        let UpsertOutcome::Failed(e) = UpsertOutcome::from_answer(404, b).unwrap() else {
            panic!("not a failure");
        };
        assert_eq!(e.code(), Some("NOT_FOUND"));
    }),
    ("sobject/upsert_multiple_error_response.json", |b| {
        let UpsertOutcome::MultipleMatches { urls } = UpsertOutcome::from_answer(300, b).unwrap()
        else {
            panic!("not multiple matches");
        };
        assert_eq!(urls.len(), 2);
        assert!(urls[1].ends_with("/Whizbang/bar"));
    }),
    ("sobject/upsert_updated_success_response.json", |b| {
        // The recording of a 204: no body at all.
        assert!(b.iter().all(u8::is_ascii_whitespace));
        assert_eq!(
            UpsertOutcome::from_answer(204, b).unwrap(),
            UpsertOutcome::Updated { id: None }
        );
    }),
    ("sobject/write_error_response.json", |b| {
        let e = api_error(b, "INVALID_FIELD");
        assert!(e.to_string().contains("No such column 'foo'"));
    }),
];

/// Recorded files the client deliberately does not model, and why.
const NOT_MET: &[(&str, &str)] = &[
    (
        "sobject/list_view_results_success_response.json",
        "list views are a UI feature; the sync reads records with SOQL, never through list views",
    ),
    (
        "sobject/recent_success_response.json",
        "recently viewed items (/recent) depend on a person's clicks; the sync has no use for them",
    ),
    (
        "sobject/search_success_response.json",
        "SOSL search (/search) is not used: lookups go by external id or SOQL, which are exact",
    ),
];

fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, root, out);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            out.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_recorded_answer_decodes_or_is_explicitly_not_met() {
    let root = fixtures();
    let mut files = BTreeSet::new();
    walk(&root, &root, &mut files);
    assert!(
        files.len() >= 30,
        "fixtures found under {}: {files:?}",
        root.display()
    );
    for file in &files {
        let mapped = MAPPED.iter().find(|(name, _)| name == file);
        let skipped = NOT_MET.iter().any(|(name, _)| name == file);
        match (mapped, skipped) {
            (Some((_, check)), false) => {
                let body = std::fs::read(root.join(file)).unwrap();
                check(&body);
            }
            (None, true) => {}
            (Some(_), true) => panic!("{file} is both mapped and listed as not met"),
            (None, false) => panic!(
                "{file} is a recorded Salesforce answer that no model decodes: map it in \
                 MAPPED or explain in NOT_MET why the client does not need it"
            ),
        }
    }
    for name in MAPPED
        .iter()
        .map(|(n, _)| *n)
        .chain(NOT_MET.iter().map(|(n, _)| *n))
    {
        assert!(
            files.contains(name),
            "{name} is listed but no longer recorded"
        );
    }
}

/// The sandbox's live answers decode too (demo data).
#[tokio::test]
async fn the_sandboxs_answers_decode() {
    use ferry_sandbox::salesforce::Sandbox;
    use ferry_sandbox::salesforce::api::Options;

    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(Options::default()).await.unwrap();
    let root = sandbox.banner.instance_url.clone();
    let base = format!("{root}/services/data/v62.0");
    let token = sandbox.banner.access_token.clone();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |url: String| http.get(url).bearer_auth(&token);

    let versions: Vec<ApiVersion> = get(format!("{root}/services/data/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(latest_version(&versions).unwrap().number().unwrap() >= (62, 0));

    let global: DescribeGlobal = get(format!("{base}/sobjects"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for object in [
        "Account",
        "Contact",
        "Product2",
        "PricebookEntry",
        "Order",
        "OrderItem",
    ] {
        let summary = global
            .object(object)
            .unwrap_or_else(|| panic!("{object} in describeGlobal"));
        let answer = get(format!("{base}/sobjects/{object}/describe"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{object}");
        let describe: SObjectDescribe = answer.json().await.unwrap();
        assert_eq!(describe.name, object);
        assert_eq!(describe.key_prefix, summary.key_prefix);
        let id = describe.field("Id").unwrap();
        assert_eq!(
            (id.field_type.clone(), id.length),
            (FieldType::Id, 18),
            "{object}.Id"
        );
        assert!(!id.createable && !id.updateable, "{object}.Id is read-only");
        assert!(describe.fields.len() > 5, "{object} has fields");
        assert!(
            describe
                .fields
                .iter()
                .all(|f| !matches!(f.field_type, FieldType::Other(_))),
            "{object}: every type is known: {:?}",
            describe
                .fields
                .iter()
                .filter(|f| matches!(f.field_type, FieldType::Other(_)))
                .map(|f| (&f.name, &f.field_type))
                .collect::<Vec<_>>()
        );
        // Describing twice gives the same fingerprint.
        let again: SObjectDescribe = get(format!("{base}/sobjects/{object}/describe"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again.fingerprint(), describe.fingerprint(), "{object}");
        match object {
            "Account" | "Contact" => {
                let key = describe.field("externalid__c").unwrap();
                assert!(key.external_id, "{object}.ExternalID__c is an external id");
            }
            "Product2" => assert!(describe.field("ProductCode").is_some()),
            "PricebookEntry" => {
                let product = describe.field("Product2Id").unwrap();
                assert_eq!(product.field_type, FieldType::Reference);
                assert_eq!(product.reference_to, ["Product2"]);
                assert_eq!(
                    describe.field("UnitPrice").unwrap().field_type,
                    FieldType::Currency
                );
            }
            "Order" => {
                let status = describe.field("Status").unwrap();
                assert!(
                    status.active_values().count() > 0,
                    "Order.Status has picklist values"
                );
            }
            _ => {}
        }
    }

    // Enough Accounts for two pages: 50 demo ones plus 250 through sObject Collections.
    for batch in [200, 50] {
        let records: Vec<_> = (0..batch)
            .map(|i| serde_json::json!({"attributes": {"type": "Account"}, "Name": format!("Paging {batch}-{i}")}))
            .collect();
        let answer = http
            .post(format!("{base}/composite/sobjects"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"allOrNone": false, "records": records}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let results: Vec<SaveResult> = answer.json().await.unwrap();
        assert_eq!(results.len(), batch);
        assert!(
            results.iter().all(|r| r.success && r.id.is_some()),
            "{:?}",
            results[0]
        );
    }
    let query = ferry_salesforce::soql::Soql::select(["Id", "Name", "CreatedDate"])
        .from("Account")
        .build()
        .unwrap()
        .to_string();
    let mut page: QueryPage = get(format!("{base}/query"))
        .query(&[("q", &query)])
        .header("Sforce-Query-Options", "batchSize=200")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.total_size, 300);
    assert!(
        page.has_more(),
        "a first page of 200 out of 300 has a next page"
    );
    let mut ids = BTreeSet::new();
    let mut pages = 1;
    loop {
        for record in &page.records {
            assert_eq!(record.object_type(), Some("Account"));
            assert!(record.datetime("CreatedDate").is_some(), "{record:?}");
            ids.insert(record.id().unwrap().to_string());
        }
        let Some(next) = page.next_records_url.clone() else {
            break;
        };
        assert!(!page.done);
        page = get(format!("{root}{next}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
    }
    assert_eq!((ids.len(), pages), (300, 2));

    let limits: Limits = get(format!("{base}/limits"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let daily = limits.daily_api_requests().unwrap();
    assert_eq!(daily.max, 100_000);
    assert!(daily.remaining < daily.max && daily.used() > 0);

    // Errors: an unknown field in a query, an unknown object's describe.
    let answer = get(format!("{base}/query"))
        .query(&[("q", "SELECT Nope__c FROM Account")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let error: ApiError = answer.json().await.unwrap();
    assert_eq!(error.code(), Some("INVALID_FIELD"));
    assert!(error.to_string().contains("Nope__c"), "{error}");
    let answer = get(format!("{base}/sobjects/Nope__c/describe"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let error: ApiError = answer.json().await.unwrap();
    assert_eq!(error.code(), Some("NOT_FOUND"));

    // Upsert by external id: create, then update, through the outcome reader.
    let mut outcomes = Vec::new();
    for name in ["Upserted", "Upserted again"] {
        let answer = http
            .patch(format!("{base}/sobjects/Account/ExternalID__c/MODEL-1"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"Name": name}))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body = answer.bytes().await.unwrap();
        outcomes.push(UpsertOutcome::from_answer(status, &body).unwrap());
    }
    let UpsertOutcome::Created { id } = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        outcomes[1],
        UpsertOutcome::Updated {
            id: Some(id.clone())
        }
    );

    // A Bulk 2.0 query job.
    let job: BulkJob = http
        .post(format!("{base}/jobs/query"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"operation": "query", "query": "SELECT Id FROM Account"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (job.operation.as_str(), job.object.as_str()),
        ("query", "Account")
    );
    assert!(
        matches!(
            job.state,
            JobState::UploadComplete | JobState::InProgress | JobState::JobComplete
        ),
        "{job:?}"
    );
    assert!(
        parse_datetime(job.created_date.as_deref().unwrap()).is_some(),
        "{job:?}"
    );
    drop(sandbox);
}
