//! The dead-letter pages in a real browser (headless Chromium through chromedriver, a
//! phone-sized window): tick every row with "select all shown", open one dead letter and read
//! its error explained, then retry two ticked rows and see exactly those leave. Saves the
//! screenshots `dead-letters` and `dead-letter` when `FERRY_SCREENSHOTS_DIR` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::browser::{browser, driver, log_in, screenshot};
use fantoccini::Locator;
use ferry_core::{
    ChangeNotice, DeadLetterFilter, Failure, FlowName, Operation, RetryPolicy, System, TenantId,
    Timestamp,
};
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice, Store};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const OPERATOR: &str = "fy_browser-dead-operator";

/// A dead letter to make.
struct Letter<'a> {
    flow: &'a str,
    source: System,
    object: &'a str,
    record: &'a str,
    payload: Value,
    code: &'a str,
    message: &'a str,
}

/// Journals the letter's notice, leases it and refuses it for good with its code.
async fn dead_letter(store: &dyn Store, letter: Letter<'_>) {
    let Letter {
        flow,
        source,
        object,
        record,
        payload,
        code,
        message,
    } = letter;
    let flow = FlowName::new(flow.to_owned()).unwrap();
    store
        .append(AppendBatch {
            notices: vec![RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source,
                    object: object.into(),
                    record_id: record.into(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload,
                },
                flows: vec![flow.clone()],
            }],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let leased = store
        .lease(&LeaseRequest {
            worker: "test".into(),
            limit: 10,
            lease_for: Duration::from_secs(60),
            flows: vec![flow],
            tenant: None,
            max_attempts: 5,
        })
        .await
        .unwrap();
    for item in &leased {
        store
            .fail(
                &LeaseRef::from(item),
                &Failure::permanent(code, message),
                &RetryPolicy::default(),
            )
            .await
            .unwrap();
    }
}

async fn ferry(store: Arc<dyn Store>) -> String {
    let route = |flow: &str, system, object: &str| ferry_engine::flows::runtime::Route {
        flow: FlowName::new(flow.to_owned()).unwrap(),
        system,
        object: object.into(),
        events: vec![],
        poll_seconds: 120,
    };
    let mut state = ServerState::new(
        store.clone(),
        TenantId::default_tenant(),
        vec![
            route("contacts_to_brightpearl", System::Salesforce, "Contact"),
            route("orders_to_salesforce", System::Brightpearl, "sales-order"),
        ],
        SecretString::from(String::new()),
    );
    state.api_tokens = Arc::new(vec![ApiToken {
        name: "otto".into(),
        role: Role::Operator,
        sha256: Sha256::digest(OPERATOR.as_bytes()).into(),
    }]);
    dead_letter(
        store.as_ref(),
        Letter {
            flow: "orders_to_salesforce",
            source: System::Brightpearl,
            object: "sales-order",
            record: "4711",
            payload: json!({"id": 4711, "orderTypeCode": "SO", "reference": "WEB-4711"}),
            code: "LOOKUP_MISSING",
            message: "flow orders_to_salesforce, record 4711: no Product2 with ProductCode \"TSHIRT-RD-XL\": \
                 row 2's SKU is not in Salesforce; fix it in the source or create the missing record, \
                 then retry",
        },
    )
    .await;
    dead_letter(
        store.as_ref(),
        Letter {
            flow: "orders_to_salesforce",
            source: System::Brightpearl,
            object: "sales-order",
            record: "4712",
            payload: json!({"id": 4712}),
            code: "DEPENDENCY_HELD",
            message: "flow orders_to_salesforce, record 4712: no Account: contact 207 is held in \
                 customers_to_salesforce (dead letter, SF_DUPLICATE_VALUE); fix it there, then retry this",
        },
    )
    .await;
    dead_letter(
        store.as_ref(),
        Letter {
            flow: "contacts_to_brightpearl",
            source: System::Salesforce,
            object: "Contact",
            record: "003000000000042AAA",
            payload: json!({"Id": "003000000000042AAA", "Email": "ann@example", "LastName": "Smith"}),
            code: "BP_CONC-003",
            message: "Brightpearl refused contact 003000000000042AAA: Email \"ann@example\" is not a valid \
                 email address (HTTP 400 CONC-003); correct the field it names in the source record or \
                 in the flow's mapping, then retry the record",
        },
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = serve(listener, state, std::future::pending()).await;
    });
    base
}

async fn dead_records(store: &dyn Store) -> Vec<String> {
    let mut records: Vec<String> = store
        .list_dead(&DeadLetterFilter::default(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.record_id)
        .collect();
    records.sort();
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_select_read_an_explanation_and_retry_the_ticked_dead_letters() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let base = ferry(store.clone()).await;
    let driver = driver();
    let browser = browser(&driver).await;
    log_in(&browser, &base, OPERATOR).await;

    // The list: "select all shown" ticks every row (the page's only script).
    browser
        .goto(&format!("{base}/ui/dead-letters"))
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("table.dead"))
        .await
        .unwrap();
    browser
        .find(Locator::Css("#select-all"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let boxes = browser
        .find_all(Locator::Css("input[name=id][form=bulk]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 3);
    for tick in &boxes {
        assert_eq!(tick.prop("checked").await.unwrap().as_deref(), Some("true"));
    }
    screenshot(&browser, "dead-letters").await;
    browser
        .find(Locator::Css("#select-all"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // One dead letter: the error explained, the payload, the trace link.
    browser
        .find(Locator::XPath("//a[contains(., '003000000000042AAA')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let what = browser
        .wait()
        .for_element(Locator::Css(".explain-what"))
        .await
        .unwrap();
    assert_eq!(
        what.text().await.unwrap(),
        "The contact's email address is not a valid address."
    );
    let fix = browser
        .find(Locator::Css(".explain-fix"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fix.contains("Correct the email"), "{fix}");
    let payload = browser
        .find(Locator::Css("pre.payload"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(payload.contains("\"Email\": \"ann@example\""), "{payload}");
    let trace = browser
        .find(Locator::XPath(
            "//a[contains(., 'Everything that happened')]",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(trace.as_deref(), Some("/ui/trace?q=003000000000042AAA"));
    screenshot(&browser, "dead-letter").await;

    // Back to the list: tick the two orders and retry them; the contact stays.
    browser
        .goto(&format!("{base}/ui/dead-letters"))
        .await
        .unwrap();
    for record in ["4711", "4712"] {
        let row = browser
            .find(Locator::XPath(&format!(
                "//tr[td/a[contains(., '{record}')]]//input[@name='id']"
            )))
            .await
            .unwrap();
        row.click().await.unwrap();
    }
    browser
        .find(Locator::Css("button[value=retry-selected]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = browser
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    assert_eq!(notice.text().await.unwrap(), "2 dead letter(s) retried.");
    assert_eq!(
        dead_records(store.as_ref()).await,
        vec!["003000000000042AAA".to_owned()]
    );
    browser.close().await.unwrap();
}
