//! The operations console as people use it: Ferry's HTTP server over a real engine (both
//! sandboxes on sockets, the default flows, a worker running them), driven through the admin
//! API and, in headless Chromium, through the dashboard: log in, load a flow and see its
//! throughput, fix a failed record with edit-and-retry and see it succeed in the trace, edit a
//! mapping with a preview, save it and roll it back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../server/tests/common/browser.rs"]
mod browser;
mod common;

use browser::{browser, driver, screenshot};
use common::{Pair, console, journal, pair, sf_create};
use fantoccini::{Client, Locator};
use ferry_core::{System, TenantId};
use ferry_engine::console::Console;
use ferry_engine::{Worker, WorkerOptions};
use ferry_http::reqwest;
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::{DeadLetters, FlowConfigs, Store};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

const VIEWER: &str = "fy_console-viewer";
const OPERATOR: &str = "fy_console-operator";
const ADMIN: &str = "fy_console-admin";

struct Running {
    p: Pair,
    console: Arc<Console>,
    base: String,
    _stop: tokio::sync::watch::Sender<bool>,
}

fn token(name: &str, role: Role, text: &str) -> ApiToken {
    ApiToken {
        name: name.into(),
        role,
        sha256: Sha256::digest(text.as_bytes()).into(),
    }
}

/// The engine as `ferry serve` runs it: the server (with the metrics recorder, so the
/// throughput sampler runs), the console, and a worker over the console's flows.
async fn running() -> Running {
    let p = pair().await;
    let console = console(&p).await;
    let store = p.store.clone() as Arc<dyn Store>;
    let mut state = ServerState::new(
        store.clone(),
        TenantId::default_tenant(),
        p.flows.routes(),
        SecretString::from(String::new()),
    );
    state.api_tokens = Arc::new(vec![
        token("vera", Role::Viewer, VIEWER),
        token("otto", Role::Operator, OPERATOR),
        token("ada", Role::Admin, ADMIN),
    ]);
    state.console = Some(console.clone());
    state.metrics = ferry_server::install_metrics();
    state.throughput = ferry_server::throughput::Sampler::new(Duration::from_millis(500), 720);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = serve(listener, state, std::future::pending()).await;
    });
    let (stop, shutdown) = ferry_engine::Shutdown::new();
    let mut options = WorkerOptions::new(ferry_core::RetryPolicy::default());
    options.idle_poll = Duration::from_millis(100);
    let worker = Worker::new(store, console.handlers(), options).with_paused(console.paused());
    tokio::spawn(async move { worker.run(shutdown).await });
    Running {
        p,
        console,
        base,
        _stop: stop,
    }
}

async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_api_is_guarded_by_role() {
    let r = running().await;
    let flow = "customers_to_salesforce";
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let path = format!("/api/flows/{flow}/mapping");
    // No token, no access.
    assert_eq!(call(&r.base, get.clone(), &path, None, None).await.0, 401);
    assert_eq!(
        call(
            &r.base,
            post.clone(),
            &format!("/api/flows/{flow}/pause"),
            None,
            None
        )
        .await
        .0,
        401
    );
    // A viewer reads the mapping and checks an edit, but cannot pause or preview.
    let (status, view) = call(&r.base, get.clone(), &path, Some(VIEWER), None).await;
    assert_eq!(status, 200, "{view}");
    let text = view["text"].as_str().unwrap().to_owned();
    let edited = text.replace(
        "Email = \"blank_to_none(trim(source.email))\"",
        "Email = \"blank_to_none(trim(source.email))\"\nDescription = \"'From Brightpearl'\"",
    );
    let (status, check) = call(
        &r.base,
        post.clone(),
        &format!("{path}/check"),
        Some(VIEWER),
        Some(json!({"text": edited})),
    )
    .await;
    assert_eq!((status, &check["valid"]), (200, &json!(true)), "{check}");
    assert!(
        check["diff_from_running"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["op"] == "+" && d["text"].as_str().unwrap().contains("Description")),
        "{check}"
    );
    for (path, body) in [
        (format!("/api/flows/{flow}/pause"), None),
        (
            format!("/api/flows/{flow}/jobs"),
            Some(json!({"kind": "reconcile"})),
        ),
        (format!("{path}/preview"), Some(json!({"text": edited}))),
    ] {
        let (status, body) = call(&r.base, post.clone(), &path, Some(VIEWER), body).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "ROLE_TOO_LOW");
    }
    // An operator pauses, resumes and previews, but cannot change mappings.
    for action in ["pause", "resume"] {
        let (status, body) = call(
            &r.base,
            post.clone(),
            &format!("/api/flows/{flow}/{action}"),
            Some(OPERATOR),
            None,
        )
        .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let customer = common::a_customer(&r.p).await;
    let (status, preview) = call(
        &r.base,
        post.clone(),
        &format!("{path}/preview"),
        Some(OPERATOR),
        Some(json!({"text": edited, "record": customer})),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["differences"], json!(["contact.Description"]));
    for (path, body) in [
        (path.clone(), json!({"text": edited, "note": "try"})),
        (format!("{path}/rollback"), json!({"to": 0})),
    ] {
        let (status, body) = call(&r.base, post.clone(), &path, Some(OPERATOR), Some(body)).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("admin"),
            "{body}"
        );
    }
    assert!(
        r.p.store
            .flow_versions(&TenantId::default_tenant(), flow)
            .await
            .unwrap()
            .is_empty(),
        "nothing saved by the refused calls"
    );
    // An admin saves; an invalid text is refused with every problem listed.
    let (status, saved) = call(
        &r.base,
        post.clone(),
        &path,
        Some(ADMIN),
        Some(json!({"text": edited, "note": "describe"})),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["version"]["version"], 1);
    let (status, refused) = call(
        &r.base,
        post.clone(),
        &path,
        Some(ADMIN),
        Some(json!({"text": "name = [", "based_on": 1})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "INVALID_MAPPING");
    assert!(!refused["error"]["problems"].as_array().unwrap().is_empty());
    let (status, stale) = call(
        &r.base,
        post.clone(),
        &path,
        Some(ADMIN),
        Some(json!({"text": edited})),
    )
    .await;
    assert_eq!(
        (status, &stale["error"]["code"]),
        (409, &json!("STALE_VERSION"))
    );
    let (status, back) = call(
        &r.base,
        post.clone(),
        &format!("{path}/rollback"),
        Some(ADMIN),
        Some(json!({"to": 0})),
    )
    .await;
    assert_eq!(status, 201, "{back}");
    let (_, view) = call(&r.base, get.clone(), &path, Some(VIEWER), None).await;
    assert_eq!(view["version"], 2);
    assert_eq!(view["text"], text.as_str());
    // Jobs: an operator starts one; everyone can follow it.
    let (status, job) = call(
        &r.base,
        post.clone(),
        &format!("/api/flows/{flow}/jobs"),
        Some(OPERATOR),
        Some(json!({"kind": "initial_load"})),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let id = job["job"]["id"].as_u64().unwrap();
    let started = Instant::now();
    loop {
        let (status, job) = call(
            &r.base,
            get.clone(),
            &format!("/api/jobs/{id}"),
            Some(VIEWER),
            None,
        )
        .await;
        assert_eq!(status, 200);
        if job["job"]["state"] != "running" {
            assert_eq!(job["job"]["state"], "done", "{job}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, flows) = call(&r.base, get, "/api/flows", Some(VIEWER), None).await;
    let listed = flows["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == flow)
        .unwrap()
        .clone();
    assert_eq!(listed["version"], 2);
    assert_eq!(listed["paused"], false);
    assert!(
        flows["flows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "products_to_brightpearl" && f["enabled"] == false),
        "flows that do not run are listed as off"
    );
    let _ = r.console;
}

/// Waits for `css` on the page, reloading it every half second (for state that changes
/// behind the page), up to a minute.
async fn wait_for_text(browser: &Client, url: &str, css: &str, wanted: &str) -> String {
    let started = Instant::now();
    loop {
        browser.goto(url).await.unwrap();
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            let text = element.text().await.unwrap_or_default();
            if text.contains(wanted) {
                return text;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{url}: no {css} with {wanted:?} in time"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn click(browser: &Client, css: &str) {
    browser
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_sync_fix_a_record_and_edit_a_mapping() {
    let r = running().await;
    let base = r.base.clone();
    let driver = driver();
    let browser = browser(&driver).await;
    browser::log_in(&browser, &base, ADMIN).await;

    // Flows: run the initial load of the customers and follow its progress to the end.
    browser.goto(&format!("{base}/ui/flows")).await.unwrap();
    click(
        &browser,
        "tr#flow-customers_to_salesforce button[value=initial_load]",
    )
    .await;
    let notice = browser
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    assert!(notice.text().await.unwrap().contains("started"));
    let done = browser
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("tr.job-done"))
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("created"));
    screenshot(&browser, "flows").await;

    // Live changes through the worker: throughput on the overview.
    let flow = r.p.flow("customers_to_salesforce");
    let rows = flow
        .source()
        .scan(None, 40, flow.source_fields())
        .await
        .unwrap();
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    journal(
        &r.p,
        "customers_to_salesforce",
        System::Brightpearl,
        "contact",
        &ids,
    )
    .await;
    let chart = "#throughput-customers_to_salesforce";
    let started = Instant::now();
    loop {
        browser.goto(&format!("{base}/ui/")).await.unwrap();
        let bars = browser
            .find_all(Locator::Css(&format!("{chart} svg rect.done")))
            .await
            .unwrap();
        if !bars.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no throughput bar for customers_to_salesforce"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    screenshot(&browser, "overview-live").await;

    // A Salesforce Contact Brightpearl cannot take (its last name is too long) fails...
    let account = sf_create(&r.p, "Account", json!({"Name": "Long Names Ltd"})).await;
    let long = "Featherstonehaugh-Cholmondeley-Marjoribanks";
    let contact = sf_create(
        &r.p,
        "Contact",
        json!({"LastName": long, "FirstName": "Ann", "Email": "ann.long@example.com", "AccountId": account}),
    )
    .await;
    journal(
        &r.p,
        "customers_to_brightpearl",
        System::Salesforce,
        "Contact",
        std::slice::from_ref(&contact),
    )
    .await;
    // ... and is found among the dead letters, explained, corrected and retried.
    wait_for_text(
        &browser,
        &format!("{base}/ui/dead-letters?flow=customers_to_brightpearl"),
        "table.dead",
        &contact,
    )
    .await;
    browser
        .find(Locator::LinkText(&format!("salesforce Contact {contact}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let explained = browser
        .wait()
        .for_element(Locator::Css(".explain-fix"))
        .await
        .unwrap();
    assert!(!explained.text().await.unwrap().is_empty());
    let last_name = browser
        .find(Locator::Css("input[name='field.LastName']"))
        .await
        .unwrap();
    assert_eq!(
        last_name.prop("value").await.unwrap().as_deref(),
        Some(long)
    );
    last_name.clear().await.unwrap();
    last_name.send_keys("Featherstonehaugh").await.unwrap();
    screenshot(&browser, "edit-and-retry").await;
    click(&browser, "form.edit button[type=submit]").await;
    let notice = browser
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    assert!(
        notice.text().await.unwrap().to_lowercase().contains("retr"),
        "{}",
        notice.text().await.unwrap()
    );
    // The trace shows it went through: the Brightpearl contact linked to the Contact.
    let links = wait_for_text(
        &browser,
        &format!("{base}/ui/trace?q={contact}"),
        "table.links",
        &contact,
    )
    .await;
    assert!(links.contains("customer"), "{links}");
    let timeline = browser
        .find(Locator::Css("ol.timeline"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        timeline.contains("Brightpearl") && timeline.contains(&contact),
        "the write is in the timeline: {timeline}"
    );
    // Every sync is there in order: the refusal, then the write with the fields sent.
    let failed = timeline
        .find("customers_to_brightpearl · failed")
        .expect("the failed sync");
    let created = timeline
        .find("customers_to_brightpearl · created")
        .expect("the successful sync");
    assert!(failed < created, "{timeline}");
    assert!(
        timeline.contains("contact.lastName: Featherstonehaugh"),
        "{timeline}"
    );
    let edited = timeline
        .find("record.edit by ui:ada")
        .expect("the correction is audited");
    assert!(failed < edited && edited < created, "{timeline}");
    browser
        .execute(
            "document.querySelector('ol.timeline').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "trace-after-fix").await;
    let left =
        r.p.store
            .list_dead(&ferry_core::DeadLetterFilter::default(), 100)
            .await
            .unwrap();
    assert!(
        !left.iter().any(|d| d.record_id == contact),
        "the corrected record left the dead letters: {left:?}"
    );

    // The mapping editor: a typo is reported as it is typed, then a real edit is previewed
    // on a real record next to the running version, saved, and rolled back.
    let customer = ids
        .iter()
        .find(|id| {
            rows.iter()
                .any(|r| &r.id == *id && r.data["isCustomer"] == json!(true))
        })
        .unwrap()
        .clone();
    browser
        .goto(&format!("{base}/ui/flows/customers_to_salesforce/mapping"))
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("#check-result.valid"))
        .await
        .unwrap();
    let editor = browser.find(Locator::Css("#mapping-text")).await.unwrap();
    editor.send_keys("\n[oops").await.unwrap();
    let invalid = browser
        .wait()
        .for_element(Locator::Css("#check-result.invalid"))
        .await
        .unwrap();
    assert!(
        invalid.text().await.unwrap().contains("line"),
        "{}",
        invalid.text().await.unwrap()
    );
    let file_text = r
        .console
        .mapping("customers_to_salesforce")
        .await
        .unwrap()
        .text;
    let edited = file_text.replace(
        "Email = \"blank_to_none(trim(source.email))\"",
        "Email = \"blank_to_none(trim(source.email))\"\nDescription = \"'Customer since ' ~ source.contactId\"",
    );
    // Typing a whole file key by key is slow in WebDriver: the new text is put in place and
    // an input event fired, as a paste would.
    browser
        .execute(
            "const t = document.getElementById('mapping-text'); t.value = arguments[0]; \
             t.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(edited)],
        )
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("#check-result.valid"))
        .await
        .unwrap();
    let diff = browser.find(Locator::Css("pre.diff")).await.unwrap();
    assert!(diff.text().await.unwrap().contains("+ Description"));
    browser
        .find(Locator::Css("#preview-record"))
        .await
        .unwrap()
        .send_keys(&customer)
        .await
        .unwrap();
    click(&browser, "#preview-button").await;
    let preview = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#preview-result table.preview tr.differs"))
        .await
        .unwrap();
    let row = preview.text().await.unwrap();
    assert!(
        row.contains("Description") && row.contains(&format!("Customer since {customer}")),
        "{row}"
    );
    screenshot(&browser, "mapping-preview").await;
    browser
        .find(Locator::Css("#save-note"))
        .await
        .unwrap()
        .send_keys("describe customers")
        .await
        .unwrap();
    click(&browser, "#save-button").await;
    let notice = browser
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    assert!(
        notice.text().await.unwrap().contains("version 1"),
        "{}",
        notice.text().await.unwrap()
    );
    // Synced with the new version.
    journal(
        &r.p,
        "customers_to_salesforce",
        System::Brightpearl,
        "contact",
        std::slice::from_ref(&customer),
    )
    .await;
    let started = Instant::now();
    loop {
        let rows =
            r.p.soql(&format!(
                "SELECT Description FROM Contact WHERE ExternalID__c = '{customer}'"
            ))
            .await;
        if rows
            .first()
            .is_some_and(|c| c["Description"] == format!("Customer since {customer}").as_str())
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let dead =
                r.p.store
                    .list_dead(&ferry_core::DeadLetterFilter::default(), 100)
                    .await
                    .unwrap();
            let stats = ferry_store::Queue::stats(r.p.store.as_ref(), None)
                .await
                .unwrap();
            let view = r.console.flows();
            panic!("{rows:?}\n{dead:#?}\n{stats:#?}\n{view:#?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Rolled back to the file from its version page.
    browser
        .goto(&format!(
            "{base}/ui/flows/customers_to_salesforce/mapping/versions/0"
        ))
        .await
        .unwrap();
    let diff = browser.find(Locator::Css("pre.diff")).await.unwrap();
    assert!(diff.text().await.unwrap().contains("- Description"));
    screenshot(&browser, "mapping-version").await;
    click(&browser, "#rollback-button").await;
    let notice = browser
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    assert!(
        notice.text().await.unwrap().contains("version 2"),
        "{}",
        notice.text().await.unwrap()
    );
    let running = r.console.mapping("customers_to_salesforce").await.unwrap();
    assert_eq!((running.version, running.text), (Some(2), file_text));
    let versions = browser
        .find(Locator::Css("table.versions"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        versions.contains("rollback to the file") && versions.contains("describe customers"),
        "{versions}"
    );
    browser.close().await.unwrap();
}
