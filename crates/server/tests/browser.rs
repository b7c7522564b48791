//! The dashboard in a real browser: headless Chromium driven through chromedriver (Debian's
//! `chromium` and `chromium-driver`; `scripts/browser-env`, which the test command runs, installs
//! them). Log in with a token, see the flows, find a failed record among the dead letters, retry
//! it and see it back in the queue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::browser::{browser, driver, log_in, screenshot};
use fantoccini::Locator;
use ferry_core::{
    ChangeNotice, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice, Store};
use secrecy::SecretString;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const OPERATOR: &str = "fy_browser-operator";

async fn ferry_with_dead_letters(store: Arc<dyn Store>) -> String {
    let flow = FlowName::new("orders_to_salesforce").unwrap();
    let mut state = ServerState::new(
        store.clone(),
        TenantId::default_tenant(),
        vec![ferry_engine::flows::runtime::Route {
            flow: flow.clone(),
            system: System::Brightpearl,
            object: "sales-order".into(),
            events: vec![],
            poll_seconds: 120,
        }],
        SecretString::from(String::new()),
    );
    state.api_tokens = Arc::new(vec![ApiToken {
        name: "otto".into(),
        role: Role::Operator,
        sha256: Sha256::digest(OPERATOR.as_bytes()).into(),
    }]);
    store
        .append(AppendBatch {
            notices: vec![RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source: System::Brightpearl,
                    object: "sales-order".into(),
                    record_id: "4242".into(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload: json!({}),
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
    store
        .fail(
            &LeaseRef::from(&leased[0]),
            &Failure::permanent(
                "DEPENDENCY_HELD",
                "the order's customer is held in customers_to_salesforce: fix it there",
            ),
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = serve(listener, state, std::future::pending()).await;
    });
    base
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
