//! The dashboard's record trace and audit log pages over a real socket: a record found by its
//! Brightpearl id and by its Salesforce id with its timeline in order (payload changes, the
//! failed attempt, the write, the partner's notice), a helpful page for an unknown id, the
//! login redirect; the audit log filtered, paged and with secrets masked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod trace_scenario;

use ferry_core::TenantId;
use ferry_store::{DeadSelection, NewAuditEntry};
use serde_json::json;
use trace_scenario::{SF_ID, Ui, VIEWER};

fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_page_finds_a_record_by_either_id_and_shows_its_timeline_in_order() {
    let ui = Ui::start().await;
    ui.scenario().await;

    // No session: to the login page.
    let page = ui.get("/ui/trace?q=207", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login"));

    let session = ui.login(VIEWER).await;
    let empty = ui.get("/ui/trace", Some(&session)).await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("name=\"q\""), "{}", empty.body);
    assert!(empty.body.contains("Brightpearl contact"), "{}", empty.body);
    assert!(
        empty.body.contains("href=\"/ui/trace\""),
        "nav link: {}",
        empty.body
    );
    assert!(
        empty.body.contains("href=\"/ui/audit\""),
        "nav link: {}",
        empty.body
    );

    for q in ["207", SF_ID, "001A0000006Vm9r"] {
        let page = ui.get(&format!("/ui/trace?q={q}"), Some(&session)).await;
        assert_eq!(page.status, 200, "{q}: {}", page.body);
        let body = &page.body;
        // The cross-reference, linking both sides' traces.
        assert!(body.contains("href=\"/ui/trace?q=207\""), "{body}");
        assert!(
            body.contains(&format!("href=\"/ui/trace?q={SF_ID}\"")),
            "{body}"
        );
        // What was written through the link.
        assert!(body.contains("Ada Lovelace"), "{body}");
        // The waiting item with its failed attempt.
        assert!(body.contains("Waiting work"), "{body}");
        // The timeline, oldest first: the first notice, the failed attempt, the second notice
        // with what changed, the write, the partner's notice.
        let timeline = &body[position(body, "<ol class=\"timeline\">")..];
        let created = position(timeline, "Brightpearl contact 207 update");
        let failed = position(timeline, "SF_UNAVAILABLE");
        let modified = position(timeline, "contact.created → contact.modified");
        let written = position(timeline, "customer Brightpearl 207 ↔ Salesforce");
        let partner = position(timeline, &format!("Salesforce Account {SF_ID} update"));
        assert!(
            created < failed && failed < modified && modified < written && written < partner,
            "out of order: {created} {failed} {modified} {written} {partner}\n{timeline}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_malformed_id_gets_a_helpful_page() {
    let ui = Ui::start().await;
    let session = ui.login(VIEWER).await;
    let page = ui.get("/ui/trace?q=99999", Some(&session)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Ferry knows no record with id &#34;99999&#34;")
            && page.body.contains("Check the id"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("class=\"timeline\""));

    let long = "9".repeat(200);
    let page = ui.get(&format!("/ui/trace?q={long}"), Some(&session)).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("send one record id"), "{}", page.body);

    // Markup in the query is shown as text.
    let page = ui
        .get("/ui/trace?q=%3Cscript%3Ex%3C%2Fscript%3E", Some(&session))
        .await;
    assert!(!page.body.contains("<script>x"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_filters_pages_and_masks_secrets() {
    let ui = Ui::start().await;
    let tenant = TenantId::default_tenant();
    common::dead_letters(ui.store.as_ref(), 500, 1, "LOOKUP_MISSING", "no product").await;
    let dead = ui.store.list_dead(&Default::default(), 10).await.unwrap();
    ui.store
        .retry_dead(&DeadSelection::Ids(vec![dead[0].id]), "ui:otto")
        .await
        .unwrap();
    ui.store
        .audit(&NewAuditEntry {
            tenant: tenant.clone(),
            actor: "cli:root@host".into(),
            action: "config.change".into(),
            subject: "ferry.toml".into(),
            detail: json!({"first": false, "config": {
                "server": {"api_tokens": [{"name": "ana", "role": "admin", "sha256": "deadbeefcafe"}]},
                "alerts": {"slack_webhook_url": "https://hooks.slack.com/services/T0/B0/s3cr3tpath"},
                "store": {"password": "env:PGPASSWORD"},
            }}),
        })
        .await
        .unwrap();
    for i in 0..60 {
        ui.store
            .audit(&NewAuditEntry {
                tenant: tenant.clone(),
                actor: "api:bot".into(),
                action: "flow.pause".into(),
                subject: format!("flow-{i}"),
                detail: json!({"paused": true}),
            })
            .await
            .unwrap();
    }

    let page = ui.get("/ui/audit", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login"));

    let session = ui.login(VIEWER).await;
    // The newest 50, an "older" link to the rest.
    let first = ui.get("/ui/audit", Some(&session)).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("flow-59") && !first.body.contains("flow-9<"));
    let at = position(&first.body, "rel=\"next\"");
    let href_start = first.body[..at].rfind("href=\"").unwrap() + 6;
    let href = first.body[href_start..at]
        .trim_end_matches("\" ")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let older = ui.get(&href, Some(&session)).await;
    assert_eq!(older.status, 200, "{href}");
    assert!(older.body.contains("flow-9<"), "{}", older.body);
    assert!(older.body.contains("dlq.retry") && older.body.contains("config.change"));
    assert!(!older.body.contains("rel=\"next\""));

    // Filters: actor, action, since.
    let by_actor = ui.get("/ui/audit?actor=ui%3Aotto", Some(&session)).await;
    assert!(by_actor.body.contains("dlq.retry"));
    assert!(!by_actor.body.contains("flow.pause</strong>"));
    let by_action = ui
        .get("/ui/audit?action=config.change", Some(&session))
        .await;
    assert!(by_action.body.contains("ferry.toml"));
    assert!(!by_action.body.contains("dlq.retry</strong>"));
    // Secrets masked, references and names kept.
    assert!(
        !by_action.body.contains("deadbeefcafe"),
        "{}",
        by_action.body
    );
    assert!(!by_action.body.contains("s3cr3tpath"), "{}", by_action.body);
    assert!(by_action.body.contains("(masked)"));
    assert!(by_action.body.contains("env:PGPASSWORD"));
    assert!(by_action.body.contains("ana"));
    let later = ui.get("/ui/audit?since=2999-01-01", Some(&session)).await;
    assert!(later.body.contains("No audit entries match the filter"));
    let bad = ui.get("/ui/audit?since=yesterday", Some(&session)).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("pick a date"), "{}", bad.body);

    // The admin API masks the same way.
    let api = ui
        .http
        .get(format!("{}/api/audit?action=config.change", ui.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !api.contains("deadbeefcafe") && api.contains("(masked)"),
        "{api}"
    );
    // And filters and pages the same way.
    let get = |path: String| {
        let request = ui
            .http
            .get(format!("{}{path}", ui.base))
            .bearer_auth(VIEWER);
        async move {
            let text = request.send().await.unwrap().text().await.unwrap();
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        }
    };
    let page = get("/api/audit?actor=api%3Abot&limit=50".into()).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 50);
    let before = page["older_before"].as_i64().expect("a next page");
    let rest = get(format!(
        "/api/audit?actor=api%3Abot&limit=50&before={before}"
    ))
    .await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 10, "{rest}");
    assert!(rest["older_before"].is_null());
}
