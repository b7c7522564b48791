//! The dead-letter pages in a real browser (headless Chromium through chromedriver, a
//! phone-sized window): tick every row with "select all shown", open one dead letter and read
//! its error explained, then retry two ticked rows and see exactly those leave. Saves the
//! screenshots `dead-letters` and `dead-letter` when `FERRY_SCREENSHOTS_DIR` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::browser::{browser, driver, log_in, screenshot};
use common::server::{route, serve_here, state, token};
use common::{Letter, dead_letter};
use fantoccini::Locator;
use ferry_core::{DeadLetterFilter, System};
use ferry_server::admin::Role;
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use serde_json::json;
use std::sync::Arc;

const OPERATOR: &str = "fy_browser-dead-operator";

async fn ferry(store: Arc<dyn Store>) -> String {
    let state = state(
        store.clone(),
        vec![
            route(
                "contacts_to_brightpearl",
                System::Salesforce,
                "Contact",
                120,
            ),
            route(
                "orders_to_salesforce",
                System::Brightpearl,
                "sales-order",
                120,
            ),
        ],
        vec![token("otto", Role::Operator, OPERATOR)],
    );
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
    serve_here(state).await
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
