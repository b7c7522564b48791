//! The record trace and the audit log in a real browser (headless Chromium, a phone-sized
//! window): log in, search a record by its Brightpearl id, follow the cross-reference to its
//! Salesforce partner, and read the audit log. Screenshots "trace" and "audit".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod trace_scenario;

use common::browser::{browser, driver, log_in, screenshot};
use fantoccini::Locator;
use ferry_core::TenantId;
use ferry_store::{DeadSelection, NewAuditEntry};
use serde_json::json;
use trace_scenario::{SF_ID, Ui, VIEWER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_a_record_follow_its_link_and_read_the_audit_log() {
    let ui = Ui::start().await;
    ui.scenario().await;
    common::dead_letters(ui.store.as_ref(), 500, 1, "LOOKUP_MISSING", "no product").await;
    let dead = ui.store.list_dead(&Default::default(), 10).await.unwrap();
    ui.store
        .retry_dead(&DeadSelection::Ids(vec![dead[0].id]), "ui:otto")
        .await
        .unwrap();
    ui.store
        .audit(&NewAuditEntry {
            tenant: TenantId::default_tenant(),
            actor: "cli:root@ops-1".into(),
            action: "vault.set".into(),
            subject: "salesforce.client_secret".into(),
            detail: json!({"key_id": "k-2026"}),
        })
        .await
        .unwrap();

    let driver = driver();
    let browser = browser(&driver).await;
    log_in(&browser, &ui.base, VIEWER).await;

    // Search from the nav.
    browser
        .find(Locator::LinkText("Trace"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let search = browser
        .wait()
        .for_element(Locator::Css("input[name=q]"))
        .await
        .unwrap();
    search.send_keys("207").await.unwrap();
    browser
        .find(Locator::Css("form.filter button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("ol.timeline"))
        .await
        .unwrap();
    let events = browser
        .find_all(Locator::Css("ol.timeline li.event"))
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        5,
        "two notices, an attempt, a write, the partner's notice"
    );
    let first = events[0].text().await.unwrap();
    assert!(first.contains("Brightpearl contact 207"), "{first}");
    let changed = events[2].text().await.unwrap();
    assert!(
        changed.contains("contact.created → contact.modified"),
        "{changed}"
    );
    // The timeline is what the screenshot shows.
    browser
        .execute(
            "document.querySelector('ol.timeline').previousElementSibling.scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "trace").await;

    // The cross-reference leads to the partner's trace, the same record.
    browser
        .find(Locator::LinkText(SF_ID))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("ol.timeline"))
        .await
        .unwrap();
    let url = browser.current_url().await.unwrap();
    assert!(url.as_str().ends_with(&format!("q={SF_ID}")), "{url}");

    // The audit log from the nav.
    browser
        .find(Locator::LinkText("Audit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("table.audit"))
        .await
        .unwrap();
    let table = browser
        .find(Locator::Css("table.audit"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains("vault.set") && table.contains("dlq.retry"),
        "{table}"
    );
    screenshot(&browser, "audit").await;
    browser.close().await.unwrap();
}
