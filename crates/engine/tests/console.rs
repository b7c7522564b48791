//! The operations console over both sandboxes on sockets: pausing a flow keeps its work
//! queued, a mapping is checked, previewed on a real record, saved, run, rolled back; jobs
//! report progress; records are found by email and SKU and corrected for a retry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Pair, a_customer, console as console_of, journal, pair, sf_create};
use ferry_core::FlowName;
use ferry_engine::console::{Console, ErrorKind, JobKind};
use ferry_engine::{Worker, WorkerOptions};
use ferry_store::{AuditLog, DeadLetters, Queue, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Runs the console's workers until the queue has been idle for half a second.
async fn drain(p: &Pair, console: &Console) {
    let mut options = WorkerOptions::new(ferry_core::RetryPolicy::default());
    options.exit_when_idle = Some(Duration::from_millis(500));
    let worker = Worker::new(
        p.store.clone() as Arc<dyn Store>,
        console.handlers(),
        options,
    )
    .with_paused(console.paused());
    let (_stop, shutdown) = ferry_engine::Shutdown::new();
    worker.run(shutdown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_flow_keeps_its_work_queued_until_it_is_resumed() {
    let p = pair().await;
    let console = console_of(&p).await;
    let customer = a_customer(&p).await;
    console
        .set_paused("customers_to_salesforce", true, "ui:ann")
        .await
        .unwrap();
    journal(
        &p,
        "customers_to_salesforce",
        ferry_core::System::Brightpearl,
        "contact",
        std::slice::from_ref(&customer),
    )
    .await;
    drain(&p, &console).await;
    let stats = p.store.stats(None).await.unwrap();
    let queued = stats
        .iter()
        .find(|s| s.flow.as_str() == "customers_to_salesforce")
        .unwrap();
    assert_eq!(queued.pending, 1, "left in the queue while paused");
    assert!(
        console
            .flows()
            .iter()
            .any(|f| f.name == "customers_to_salesforce" && f.paused)
    );
    // Another process (a fresh console over the same store) sees the pause too.
    let other = console_of(&p).await;
    assert!(other.is_paused(&FlowName::new("customers_to_salesforce").unwrap()));

    console
        .set_paused("customers_to_salesforce", false, "ui:ann")
        .await
        .unwrap();
    drain(&p, &console).await;
    let stats = p.store.stats(None).await.unwrap();
    assert!(
        stats
            .iter()
            .filter(|s| s.flow.as_str() == "customers_to_salesforce")
            .all(|s| s.pending == 0 && s.dead == 0),
        "{stats:?}"
    );
    let contact = p
        .soql(&format!(
            "SELECT Id FROM Contact WHERE ExternalID__c = '{customer}'"
        ))
        .await;
    assert_eq!(contact.len(), 1, "synced once resumed");
    let audit = p
        .store
        .audit_entries(None, Some("flow.pause"), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].actor, "ui:ann");
    // A flow that is not running cannot be paused; the message says how to turn it on.
    let off = console
        .set_paused("products_to_brightpearl", true, "ui:ann")
        .await
        .unwrap_err();
    assert_eq!(off.code, "FLOW_NOT_ENABLED");
    assert!(off.message.contains("[flows] enabled"), "{}", off.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_is_checked_previewed_saved_run_and_rolled_back() {
    let p = pair().await;
    let console = console_of(&p).await;
    let flow = "customers_to_salesforce";
    let customer = a_customer(&p).await;
    let view = console.mapping(flow).await.unwrap();
    assert_eq!(view.version, None);
    assert!(view.versions.is_empty());
    assert!(console.check(flow, &view.text).unwrap().is_empty());

    // Problems are named as they are typed.
    let broken = view.text.replace("[source]", "[source");
    let problems = console.check(flow, &broken).unwrap();
    assert!(
        problems[0].contains("line"),
        "a syntax error gives its line: {problems:?}"
    );
    let moved = view
        .text
        .replace("object = \"contact\"", "object = \"product\"");
    let problems = console.check(flow, &moved).unwrap();
    assert!(
        problems.iter().any(|p| p.contains("restart")),
        "{problems:?}"
    );
    let bad_expr = view.text.replace(
        "Email = \"blank_to_none(trim(source.email))\"",
        "Email = \"blank_to_none(trim(source.email)\"",
    );
    let problems = console.check(flow, &bad_expr).unwrap();
    assert!(problems.iter().any(|p| p.contains("Email")), "{problems:?}");

    // The edit: a Description on every Contact.
    let edited = view.text.replace(
        "Email = \"blank_to_none(trim(source.email))\"",
        "Email = \"blank_to_none(trim(source.email))\"\nDescription = \"'Customer since ' ~ source.contactId\"",
    );
    assert!(console.check(flow, &edited).unwrap().is_empty());
    let preview = console
        .preview(flow, &edited, Some(&customer))
        .await
        .unwrap();
    assert_eq!(preview.record, customer);
    assert_eq!(preview.differences, ["contact.Description"]);
    let contact = preview
        .edited
        .targets
        .iter()
        .find(|t| t["target"] == "contact")
        .unwrap();
    assert_eq!(
        contact["fields"]["Description"],
        format!("Customer since {customer}")
    );
    assert_eq!(contact["note"], "create", "nothing synced yet: {contact}");
    assert!(
        p.soql(&format!(
            "SELECT Id FROM Contact WHERE ExternalID__c = '{customer}'"
        ))
        .await
        .is_empty(),
        "a preview writes nothing"
    );
    // An unknown record is named.
    let missing = console
        .preview(flow, &edited, Some("999999"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);

    // Saved, it runs from the next batch.
    let v1 = console
        .save(flow, &edited, None, "describe customers", "ui:ada")
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    journal(
        &p,
        flow,
        ferry_core::System::Brightpearl,
        "contact",
        std::slice::from_ref(&customer),
    )
    .await;
    drain(&p, &console).await;
    let synced = p
        .soql(&format!(
            "SELECT Description FROM Contact WHERE ExternalID__c = '{customer}'"
        ))
        .await;
    assert_eq!(
        synced[0]["Description"],
        format!("Customer since {customer}")
    );
    // A save from the file while version 1 exists is refused (someone else saved first).
    let stale = console
        .save(flow, &view.text, None, "stale", "ui:bob")
        .await
        .unwrap_err();
    assert_eq!(stale.code, "STALE_VERSION");
    // An invalid text is never saved.
    let invalid = console
        .save(flow, &broken, Some(1), "broken", "ui:ada")
        .await
        .unwrap_err();
    assert_eq!(invalid.code, "INVALID_MAPPING");
    assert!(!invalid.problems.is_empty());

    // Rolled back to the file: a new version with the file's text.
    let v2 = console.rollback(flow, 0, "ui:ada").await.unwrap();
    assert_eq!((v2.version, v2.note.as_str()), (2, "rollback to the file"));
    let now = console.mapping(flow).await.unwrap();
    assert_eq!(now.text, view.text);
    assert_eq!(now.version, Some(2));
    assert_eq!(
        now.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(
        console.version(flow, 1).await.unwrap().text.as_deref(),
        Some(edited.as_str())
    );
    // The file's version maps no Description; the earlier value stays as it was written.
    let preview = console
        .preview(flow, &now.text, Some(&customer))
        .await
        .unwrap();
    assert!(preview.differences.is_empty());
    let audited = p
        .store
        .audit_entries(None, Some("flow.version.save"), 10)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);

    // A version saved by another process (`ferry flows rollback`, a second server) runs here
    // after a refresh.
    let elsewhere = console_of(&p).await;
    elsewhere
        .save(flow, &edited, Some(2), "from the CLI", "cli:root")
        .await
        .unwrap();
    assert_eq!(console.mapping(flow).await.unwrap().version, Some(2));
    assert_eq!(console.refresh_versions().await.unwrap(), [flow]);
    assert_eq!(console.mapping(flow).await.unwrap().version, Some(3));
    assert!(console.refresh_versions().await.unwrap().is_empty());
    let preview = console
        .preview(flow, &view.text, Some(&customer))
        .await
        .unwrap();
    assert_eq!(
        preview.differences,
        ["contact.Description"],
        "version 3 runs: the file differs from it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_load_and_reconcile_a_flow_with_progress() {
    let p = pair().await;
    let console = console_of(&p).await;
    let job = console
        .start_job("customers_to_salesforce", JobKind::InitialLoad, "ui:ann")
        .await
        .unwrap();
    assert_eq!(job.state, "running");
    let again = console
        .start_job("customers_to_salesforce", JobKind::Reconcile, "ui:ann")
        .await;
    assert_eq!(again.unwrap_err().code, "JOB_RUNNING");
    let done = wait_for_job(&console, job.id).await;
    assert_eq!(done.state, "done", "{done:?}");
    assert!(done.read > 50, "{done:?}");
    assert!(done.summary.contains("created"), "{}", done.summary);
    // A reconciliation right after finds nothing to repair.
    let job = console
        .start_job("customers_to_salesforce", JobKind::Reconcile, "ui:ann")
        .await
        .unwrap();
    let done = wait_for_job(&console, job.id).await;
    assert_eq!(done.state, "done", "{done:?}");
    assert!(done.summary.contains(" 0 drifted"), "{}", done.summary);
    // Loading again reads everything from the start and writes nothing new.
    let job = console
        .start_job("customers_to_salesforce", JobKind::InitialLoad, "ui:ann")
        .await
        .unwrap();
    let done = wait_for_job(&console, job.id).await;
    assert_eq!(done.state, "done", "{done:?}");
    assert!(done.summary.contains(" 0 created"), "{}", done.summary);
    assert_eq!(console.jobs().len(), 3);
}

async fn wait_for_job(console: &Console, id: u64) -> ferry_engine::console::JobView {
    let started = std::time::Instant::now();
    loop {
        let job = console.job(id).unwrap();
        if job.state != "running" {
            return job;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{job:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_found_by_email_and_sku_and_corrected_for_a_retry() {
    let p = pair().await;
    let console = console_of(&p).await;
    // An SKU of the demo catalogue is found in Brightpearl.
    let product = p.flow("products_to_salesforce");
    let first = product
        .source()
        .scan(None, 1, product.source_fields())
        .await
        .unwrap();
    let sku = first[0].data["sku"].as_str().unwrap().to_owned();
    let found = console.find(&sku).await.unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.object == "product" && f.id == first[0].id),
        "{found:?}"
    );
    // A Salesforce Contact whose last name Brightpearl cannot take.
    let account = sf_create(&p, "Account", json!({"Name": "Long Names Ltd"})).await;
    let long = "Featherstonehaugh-Cholmondeley-Marjoribanks";
    let id = sf_create(
        &p,
        "Contact",
        json!({"LastName": long, "FirstName": "Ann", "Email": "ann.long@example.com", "AccountId": account}),
    )
    .await;
    let found = console.find("ann.long@example.com").await.unwrap();
    assert!(
        found.iter().any(|f| f.object == "Contact" && f.id == id),
        "{found:?}"
    );
    let flow = "customers_to_brightpearl";
    journal(
        &p,
        flow,
        ferry_core::System::Salesforce,
        "Contact",
        std::slice::from_ref(&id),
    )
    .await;
    drain(&p, &console).await;
    let dead = p
        .store
        .list_dead(&ferry_core::DeadLetterFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].error_message.contains("32"), "{dead:?}");

    let fields = console.editable_fields(flow).unwrap();
    assert!(fields.contains(&"LastName".to_owned()), "{fields:?}");
    assert!(!fields.contains(&"Id".to_owned()));
    let record = console.source_record(flow, &id).await.unwrap().unwrap();
    assert_eq!(record["LastName"], long);
    // Fields that are not the flow's, and Brightpearl-sourced flows, are refused by name.
    let refused = console
        .edit_source(
            flow,
            &id,
            json!({"OwnerId": "005"}).as_object().unwrap().clone(),
            "ui:ann",
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, "FIELD_NOT_EDITABLE");
    assert!(
        console
            .editable_fields("customers_to_salesforce")
            .unwrap()
            .is_empty()
    );
    console
        .edit_source(
            flow,
            &id,
            json!({"LastName": "Featherstonehaugh"})
                .as_object()
                .unwrap()
                .clone(),
            "ui:ann",
        )
        .await
        .unwrap();
    let audit = p
        .store
        .audit_entries(None, Some("record.edit"), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].detail["before"]["LastName"], long);
    assert_eq!(audit[0].detail["after"]["LastName"], "Featherstonehaugh");
    // Retried, the record goes through.
    p.store
        .retry_dead(&ferry_store::DeadSelection::Ids(vec![dead[0].id]), "ui:ann")
        .await
        .unwrap();
    drain(&p, &console).await;
    assert!(
        p.store
            .list_dead(&ferry_core::DeadLetterFilter::default(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let linked = p
        .soql(&format!(
            "SELECT ExternalID__c FROM Contact WHERE Id = '{id}'"
        ))
        .await;
    assert!(
        linked[0]["ExternalID__c"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "the Brightpearl id is written back: {linked:?}"
    );
}
