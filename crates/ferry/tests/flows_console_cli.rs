//! The operations console from the command line (`ferry flows pause|resume|versions|show|diff|
//! save|rollback|preview`), run as an operator scripts it: the real binary. Pausing and
//! reading versions need only the store (tested with no systems configured); saving, rolling
//! back and previewing compile the flows over Brightpearl and Salesforce sandboxes started in
//! this process. Also `ferry dlq show`'s explanation and `ferry audit list`'s masking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::systems::Systems;
use common::{Deployment, ferry, output};
use serde_json::Value;
use std::process::Output;

const FLOW: &str = "customers_to_salesforce";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Expects exit code 1 with no panic; returns stderr.
fn refused(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {stderr}",
        text(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn run(deployment: &Deployment, args: &[&str]) -> Output {
    output(ferry(deployment.path()).args(args))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_versions_work_from_the_store_alone() {
    // The starter configuration: no Brightpearl or Salesforce section at all.
    let deployment = Deployment::sqlite("");
    let paused = ok(&run(&deployment, &["flows", "pause", FLOW]));
    assert!(
        paused.contains(&format!("flow {FLOW} paused"))
            && paused.contains(&format!("ferry flows resume {FLOW}")),
        "{paused}"
    );
    let store = deployment.store().await;
    let tenant = ferry_core::TenantId::new("default").unwrap();
    let states = store.flow_states(&tenant).await.unwrap();
    assert!(
        states
            .iter()
            .any(|s| s.flow == FLOW && s.paused && s.changed_by.starts_with("cli:")),
        "{states:?}"
    );
    let again = ok(&run(&deployment, &["flows", "pause", FLOW]));
    assert!(
        again.contains("already paused") && again.contains("nothing changed"),
        "{again}"
    );
    let resumed = ok(&run(&deployment, &["flows", "resume", FLOW]));
    assert!(
        resumed.contains(&format!("flow {FLOW} resumed")),
        "{resumed}"
    );
    let states = store.flow_states(&tenant).await.unwrap();
    assert!(states.iter().any(|s| s.flow == FLOW && !s.paused));
    let audit = ok(&run(&deployment, &["audit", "list", "--json"]));
    let entries: Value = serde_json::from_str(&audit).unwrap();
    let actions: Vec<(&str, &str)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(
        actions
            .iter()
            .any(|(a, who)| *a == "flow.pause" && who.starts_with("cli:")),
        "{actions:?}"
    );
    assert!(actions.iter().any(|(a, _)| *a == "flow.resume"));

    // Refusals name the flow and what to do; usage errors are clap's exit 2.
    let unknown = refused(&run(&deployment, &["flows", "pause", "no_such_flow"]));
    assert!(
        unknown.contains("no flow \"no_such_flow\"")
            && unknown.contains(FLOW)
            && unknown.contains("ferry flows list"),
        "{unknown}"
    );
    let disabled = refused(&run(
        &deployment,
        &["flows", "pause", "products_to_brightpearl"],
    ));
    assert!(
        disabled.contains("products_to_brightpearl is not enabled")
            && disabled.contains("[flows] enabled"),
        "{disabled}"
    );
    assert_eq!(
        run(&deployment, &["flows", "show", FLOW, "--version", "x"])
            .status
            .code(),
        Some(2)
    );

    // Versions: only the file so far.
    let versions = ok(&run(
        &deployment,
        &["flows", "versions", FLOW, "--format", "json"],
    ));
    let versions: Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(versions["running"], 0);
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    assert_eq!(versions["versions"][0]["author"], "file");
    let table = ok(&run(&deployment, &["flows", "versions", FLOW]));
    assert!(
        table.lines().nth(2).is_some_and(|l| l.starts_with("0 ")
            && l.contains("yes")
            && l.contains(&format!("default flow {FLOW}"))),
        "{table}"
    );
    let shown = ok(&run(&deployment, &["flows", "show", FLOW]));
    assert!(
        shown.contains(&format!("name = \"{FLOW}\"")) && shown.contains("[[targets]]"),
        "{shown}"
    );
    assert_eq!(
        shown,
        ok(&run(
            &deployment,
            &["flows", "show", FLOW, "--version", "0"]
        ))
    );
    let missing = refused(&run(
        &deployment,
        &["flows", "show", FLOW, "--version", "3"],
    ));
    assert!(
        missing.contains(&format!("flow {FLOW} has no version 3"))
            && missing.contains("ferry flows versions"),
        "{missing}"
    );
    let same = ok(&run(&deployment, &["flows", "diff", FLOW, "--from", "0"]));
    assert!(same.contains("the two versions are the same"), "{same}");

    // Saving compiles over the systems: without them it says so, and what still works.
    std::fs::write(deployment.path().join("edited.toml"), &shown).unwrap();
    let offline = refused(&run(
        &deployment,
        &["flows", "save", FLOW, "--file", "edited.toml"],
    ));
    assert!(
        offline.contains("pausing and reading versions work without them")
            && offline.contains("[salesforce] section")
            && offline.matches("[salesforce] section").count() == 1,
        "{offline}"
    );

    // A saved version that no longer reads (as after an upgrade that changed the language)
    // stops the flows from being built; rolling back to the file still works.
    store
        .save_flow_version(&tenant, FLOW, "name = [", "cli:test", "broken", None)
        .await
        .unwrap();
    let back = ok(&run(&deployment, &["flows", "rollback", FLOW, "--to", "0"]));
    assert!(
        back.contains("version 2 saved (rollback to the file)"),
        "{back}"
    );
    let versions = store.flow_versions(&tenant, FLOW).await.unwrap();
    assert_eq!(
        versions[0].spec,
        shown.trim_end_matches('\n').to_owned() + "\n"
    );
}

#[test]
fn dlq_show_explains_the_error_and_audit_json_masks_secrets() {
    let deployment = Deployment::sqlite("");
    ok(&run(
        &deployment,
        &[
            "queue",
            "selftest",
            "enqueue",
            "--notices",
            "10",
            "--records",
            "5",
            "--fail-every",
            "5",
        ],
    ));
    ok(&run(&deployment, &["worker", "--exit-when-idle", "300"]));
    let list: Value =
        serde_json::from_str(&ok(&run(&deployment, &["dlq", "list", "--json"]))).unwrap();
    let id = list[0]["id"].as_i64().expect("a dead letter").to_string();
    let show = ok(&run(&deployment, &["dlq", "show", &id]));
    let what = ferry_server::explain::explain("SELFTEST_REJECTED");
    assert!(
        show.contains(&format!("meaning:    {}", what.what))
            && show.contains(&format!("fix:        {}", what.fix)),
        "{show}"
    );
    let json: Value =
        serde_json::from_str(&ok(&run(&deployment, &["dlq", "show", &id, "--json"]))).unwrap();
    assert_eq!(json["explanation"]["what"], what.what);
    assert_eq!(json["error_code"], "SELFTEST_REJECTED");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = deployment.store().await;
        store
            .audit(&ferry_store::NewAuditEntry {
                tenant: ferry_core::TenantId::new("default").unwrap(),
                actor: "test".into(),
                action: "config.test".into(),
                subject: "masking".into(),
                detail: serde_json::json!({
                    "client_secret": "hunter2",
                    "token_name": "ci",
                    "url": "postgres://ferry:s3cret@db/ferry",
                    "nested": { "api_key": 12345, "ref": "env:SF_SECRET" },
                }),
            })
            .await
            .unwrap();
    });
    for args in [
        &["audit", "list", "--json"][..],
        &["audit", "list", "--action", "config.test"][..],
    ] {
        let shown = ok(&run(&deployment, args));
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret") && !shown.contains("12345"),
            "{shown}"
        );
        assert!(shown.contains("ci"), "names are kept: {shown}");
    }
}

/// The file's text with every Account name prefixed.
fn prefixed(file: &str, prefix: &str) -> String {
    let edited = file
        .replace(
            "Name = \"trim(source.companyName)\"",
            &format!("Name = \"'{prefix}' ~ trim(source.companyName)\""),
        )
        .replace(
            "Name = \"join_name(source.firstName, source.lastName)\"",
            &format!("Name = \"'{prefix}' ~ join_name(source.firstName, source.lastName)\""),
        );
    assert_ne!(edited, file, "the default flow has the Name fields edited");
    edited
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mappings_are_checked_previewed_saved_diffed_and_rolled_back() {
    let systems = Systems::start("").await;
    let file = ok(&systems.run(&["flows", "show", FLOW]).await);
    let edited = prefixed(&file, "[CLI] ");
    systems.write("edited.toml", &edited);

    // Preview: the edit and the running version on one real record, nothing written.
    let first = ok(&systems
        .run(&[
            "flows",
            "preview",
            FLOW,
            "--file",
            "edited.toml",
            "--format",
            "json",
        ])
        .await);
    let first: Value = serde_json::from_str(&first).unwrap();
    assert!(
        first["record"].is_string(),
        "the source's first record: {first:#}"
    );
    let record = {
        let account = systems.sandboxes.account.state().account();
        let (id, _) = account
            .contacts
            .contacts
            .iter()
            .find(|(_, c)| c.is_customer)
            .expect("a customer in the demo account");
        id.to_string()
    };
    let preview: Value = serde_json::from_str(&ok(&systems
        .run(&[
            "flows",
            "preview",
            FLOW,
            "--file",
            "edited.toml",
            "--record",
            &record,
            "--format",
            "json",
        ])
        .await))
    .unwrap();
    assert_eq!(preview["record"], record.as_str());
    assert!(
        preview["differences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().is_some_and(|d| d.ends_with(".Name"))),
        "{preview:#}"
    );
    let table = ok(&systems
        .run(&[
            "flows",
            "preview",
            FLOW,
            "--file",
            "edited.toml",
            "--record",
            &record,
        ])
        .await);
    assert!(
        table.contains(&format!("record {record}"))
            && table.contains("Nothing was written")
            && table.contains("[CLI] "),
        "{table}"
    );
    let no_record = refused(
        &systems
            .run(&[
                "flows",
                "preview",
                FLOW,
                "--file",
                "edited.toml",
                "--record",
                "987654321",
            ])
            .await,
    );
    assert!(
        no_record.contains("987654321") && no_record.contains("existing record"),
        "{no_record}"
    );

    // Check only, then save.
    let dry = ok(&systems
        .run(&["flows", "save", FLOW, "--file", "edited.toml", "--dry-run"])
        .await);
    assert!(dry.contains("is valid; nothing saved"), "{dry}");
    let saved = ok(&systems
        .run(&[
            "flows",
            "save",
            FLOW,
            "--file",
            "edited.toml",
            "--note",
            "prefix the names",
        ])
        .await);
    assert!(
        saved.contains(&format!("flow {FLOW} version 1 saved"))
            && saved.contains(&format!("ferry flows rollback {FLOW} --to 0")),
        "{saved}"
    );
    let again = ok(&systems
        .run(&["flows", "save", FLOW, "--file", "edited.toml"])
        .await);
    assert!(again.contains("nothing saved"), "{again}");
    assert_eq!(ok(&systems.run(&["flows", "show", FLOW]).await), edited);
    let versions: Value = serde_json::from_str(&ok(&systems
        .run(&["flows", "versions", FLOW, "--format", "json"])
        .await))
    .unwrap();
    assert_eq!(versions["running"], 1);
    assert_eq!(versions["versions"][0]["note"], "prefix the names");
    assert!(
        versions["versions"][0]["author"]
            .as_str()
            .unwrap()
            .starts_with("cli:")
    );
    let diff = ok(&systems.run(&["flows", "diff", FLOW, "--from", "0"]).await);
    assert!(
        diff.contains("+++ flow customers_to_salesforce version 1")
            && diff.contains("[running]")
            && diff.contains("\n-Name = \"trim(source.companyName)\"\n")
            && diff.contains("\n+Name = \"'[CLI] ' ~ trim(source.companyName)\"\n"),
        "{diff}"
    );

    // Invalid edits: every problem with its fix, exit 1, nothing saved.
    systems.write(
        "invalid.toml",
        &edited
            .replace(
                &format!("name = \"{FLOW}\""),
                "name = \"customers_renamed\"",
            )
            .replace("object = \"contact\"", "object = \"product\""),
    );
    let invalid = refused(
        &systems
            .run(&["flows", "save", FLOW, "--file", "invalid.toml"])
            .await,
    );
    assert!(
        invalid.contains("problem(s); nothing was saved")
            && invalid.contains("a flow keeps its name")
            && invalid.contains("restart Ferry")
            && invalid.contains("fix them in invalid.toml"),
        "{invalid}"
    );
    systems.write(
        "broken.toml",
        "name = \"customers_to_salesforce\"\n[source\n",
    );
    let broken = refused(
        &systems
            .run(&["flows", "save", FLOW, "--file", "broken.toml"])
            .await,
    );
    assert!(
        broken.contains("line 2") || broken.contains(":2:"),
        "{broken}"
    );
    let missing = refused(
        &systems
            .run(&["flows", "save", FLOW, "--file", "nowhere.toml"])
            .await,
    );
    assert!(
        missing.contains("--file nowhere.toml") && missing.contains("ferry flows show"),
        "{missing}"
    );

    // A save based on an older version than the running one is refused, naming the version.
    systems.write("stale.toml", &prefixed(&file, "[OLD] "));
    let stale = refused(
        &systems
            .run(&[
                "flows",
                "save",
                FLOW,
                "--file",
                "stale.toml",
                "--based-on",
                "0",
            ])
            .await,
    );
    assert!(
        stale.contains("version 1 (by cli:")
            && stale.contains("saved after version 0")
            && stale.contains(&format!("ferry flows diff {FLOW} --from 0"))
            && stale.contains("--based-on 1"),
        "{stale}"
    );
    let versions: Value = serde_json::from_str(&ok(&systems
        .run(&["flows", "versions", FLOW, "--format", "json"])
        .await))
    .unwrap();
    assert_eq!(versions["running"], 1, "nothing was saved by the refusals");

    // Rollback to the file: a new version with the file's text.
    let rolled = ok(&systems.run(&["flows", "rollback", FLOW, "--to", "0"]).await);
    assert!(
        rolled.contains(&format!(
            "flow {FLOW} version 2 saved (rollback to the file)"
        )),
        "{rolled}"
    );
    assert_eq!(ok(&systems.run(&["flows", "show", FLOW]).await), file);
    let unknown = refused(&systems.run(&["flows", "rollback", FLOW, "--to", "9"]).await);
    assert!(
        unknown.contains(&format!("flow {FLOW} has no version 9"))
            && unknown.contains("0 (the file), 1, 2"),
        "{unknown}"
    );
    let audit = ok(&systems
        .run(&["audit", "list", "--action", "flow.version.save", "--json"])
        .await);
    let audit: Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit:#}");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"].as_str().unwrap().starts_with("cli:") && e["subject"] == FLOW)
    );
}
