//! The dashboard in a real browser: headless Chromium driven through chromedriver (Debian's
//! `chromium` and `chromium-driver`; `scripts/browser-env`, which the test command runs, installs
//! them). Log in with a token, see the flows, find a failed record among the dead letters, retry
//! it and see it back in the queue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::browser::{browser, driver, log_in, screenshot};
use common::server::{route, serve_here, state, token};
use common::{Letter, dead_letter};
use fantoccini::Locator;
use ferry_core::System;
use ferry_server::admin::Role;
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use serde_json::json;
use std::sync::Arc;

const OPERATOR: &str = "fy_browser-operator";

async fn ferry_with_dead_letters(store: Arc<dyn Store>) -> String {
    let state = state(
        store.clone(),
        vec![route(
            "orders_to_salesforce",
            System::Brightpearl,
            "sales-order",
            120,
        )],
        vec![token("otto", Role::Operator, OPERATOR)],
    );
    dead_letter(
        store.as_ref(),
        Letter {
            flow: "orders_to_salesforce",
            source: System::Brightpearl,
            object: "sales-order",
            record: "4242",
            payload: json!({}),
            code: "DEPENDENCY_HELD",
            message: "the order's customer is held in customers_to_salesforce: fix it there",
        },
    )
    .await;
    serve_here(state).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_log_in_find_a_dead_letter_and_retry_it() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let base = ferry_with_dead_letters(store.clone()).await;
    let driver = driver();
    let browser = browser(&driver).await;

    // Not logged in: the login page. A phone-sized window (420 px wide).
    browser.goto(&format!("{base}/ui/")).await.unwrap();
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/ui/login")
    );
    screenshot(&browser, "login").await;
    log_in(&browser, &base, OPERATOR).await;
    let overview = browser.find(Locator::Css("table.flows")).await.unwrap();
    let text = overview.text().await.unwrap();
    assert!(text.contains("orders_to_salesforce"), "{text}");

    // The dead letters, from the overview's count.
    browser
        .find(Locator::LinkText("1"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = browser
        .wait()
        .for_element(Locator::Css("table.dead"))
        .await
        .unwrap();
    let text = table.text().await.unwrap();
    assert!(
        text.contains("DEPENDENCY_HELD") && text.contains("4242"),
        "{text}"
    );
    browser
        .find(Locator::Css("button[value=retry]"))
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
    assert_eq!(notice.text().await.unwrap(), "1 dead letter(s) retried.");
    let stats = store.stats(None).await.unwrap();
    assert_eq!(
        (stats[0].dead, stats[0].pending),
        (0, 1),
        "back in the queue"
    );
    browser.close().await.unwrap();
}
