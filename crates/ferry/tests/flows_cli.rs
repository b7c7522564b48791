//! `ferry flows list` and `ferry flows check` as a person runs them: the real binary with a
//! ferry.toml pointing at Brightpearl and Salesforce sandboxes started in this process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::systems::Systems;
use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_default_flows_fit_both_sandboxes() {
    let systems = Systems::start("").await;
    let checked = systems.run(&["flows", "check"]).await;
    assert!(
        checked.status.success(),
        "stdout: {}\nstderr: {}",
        text(&checked.stdout),
        text(&checked.stderr)
    );
    assert_eq!(text(&checked.stdout), "", "no findings");
    assert_eq!(
        text(&checked.stderr).trim(),
        "13 flows, static and live checks: 0 errors, 0 warnings"
    );

    let listed = systems.run(&["flows", "list", "--format", "json"]).await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let flows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let inventory = &flows[4];
    assert_eq!(inventory["name"], "inventory_to_salesforce");
    assert_eq!(inventory["enabled"], true);
    assert_eq!(inventory["source"], "brightpearl product-availability");
    assert_eq!(inventory["targets"], serde_json::json!(["Product2"]));
    assert_eq!(
        inventory["depends_on"],
        serde_json::json!(["products_to_salesforce"])
    );
    assert_eq!(flows[3]["enabled"], false);
    let table = systems.run(&["flows", "list"]).await;
    let row = text(&table.stdout)
        .lines()
        .find(|l| l.starts_with("products_to_brightpearl "))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
    assert_eq!(row.as_deref(), Some("products_to_brightpearl false"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_fields_bad_picklist_values_and_long_literals_fail_with_what_to_do() {
    let systems = Systems::start("[flows]\ndir = \"flows\"").await;
    let flows = systems.dir.path().join("flows");
    std::fs::create_dir(&flows).unwrap();
    let long = "x".repeat(45);
    std::fs::write(
        flows.join("accounts.toml"),
        format!(
            "name = \"accounts_extra\"\nentity = \"account_extra\"\n[source]\nsystem = \
             \"brightpearl\"\nobject = \"contact\"\n\n[[targets]]\nname = \"account\"\n\
             object = \"Account\"\nkey = [\"ExternalID__c\"]\n[targets.fields]\n\
             ExternalID__c = \"'x-' ~ source.contactId\"\nName = \"source.lastName\"\n\
             Loyalty_Tier__c = \"source.customFields.PCF_LOYALTY\"\n\
             BillingGeocodeAccuracy = \"'Precise'\"\nBillingCity = \"'{long}'\"\n\
             Description = \"source.customFields.PCF_NOPE\"\n"
        ),
    )
    .unwrap();
    let checked = systems.run(&["flows", "check"]).await;
    let out = text(&checked.stdout);
    assert_eq!(
        checked.status.code(),
        Some(1),
        "{out}\n{}",
        text(&checked.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    for expected in [
        "accounts_extra account.Loyalty_Tier__c: Account has no field Loyalty_Tier__c — fix the field name, or create Loyalty_Tier__c on Account in Salesforce and give the integration user access to it".to_owned(),
        "accounts_extra account.BillingGeocodeAccuracy: \"Precise\" is not a value of the restricted picklist Account.BillingGeocodeAccuracy (Address, NearAddress, Block, Street, ExtendedZip, Zip, Neighborhood, City, County, State, Unknown) — use one of its values, or add the value to the picklist in Salesforce".to_owned(),
        format!("accounts_extra account.BillingCity: \"{long}\" is 45 characters, and Account.BillingCity holds at most 40 — shorten the value"),
    ] {
        assert!(lines.contains(&expected.as_str()), "missing {expected:?} in:\n{out}");
    }
    let custom = lines
        .iter()
        .find(|l| l.starts_with("accounts_extra source.customFields.PCF_NOPE: Brightpearl has no contact custom field PCF_NOPE"))
        .unwrap_or_else(|| panic!("no custom-field finding in:\n{out}"));
    assert!(
        custom.contains("PCF_LOYALTY"),
        "lists the fields there are: {custom}"
    );
    assert!(
        !out.contains("PCF_LOYALTY:"),
        "an existing custom field is not a finding:\n{out}"
    );
    assert!(
        text(&checked.stderr).contains("14 flows, static and live checks: 4 errors"),
        "{}",
        text(&checked.stderr)
    );

    let offline = systems.run(&["flows", "check", "--offline"]).await;
    assert!(offline.status.success(), "{}", text(&offline.stdout));
}
