//! The default flows end to end, over real sockets: a Brightpearl sandbox with the demo
//! retailer, an empty Salesforce sandbox org, a fresh SQLite store. Initial load, zero drift,
//! live changes both ways, convergence without loops, duplicate linking, faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Pair, failures, pair, unexpected};
use ferry_core::TenantId;
use ferry_engine::flows::adapters::{Target, Write};
use ferry_engine::flows::brightpearl::BrightpearlTarget;
use ferry_engine::flows::defaults::DEFAULTS;
use ferry_engine::flows::runtime::{Adapters, Change, FlowSet};
use ferry_http::Method;
use ferry_mapping::FlowSpec;
use ferry_salesforce::query::Query;
use ferry_salesforce::write::WriteOptions;
use ferry_store::Store;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const LOAD_ORDER: &[&str] = &[
    "customers_to_salesforce",
    "customers_to_brightpearl",
    "products_to_salesforce",
    "inventory_to_salesforce",
];

impl Pair {
    /// Loads every enabled default flow in dependency order; asserts nothing failed
    /// unexpectedly and returns how many records each flow held.
    async fn load_all(&self) -> Vec<(String, usize)> {
        let mut held = Vec::new();
        for name in LOAD_ORDER {
            let outcomes = self.load(name).await;
            let bad = unexpected(&outcomes);
            assert!(
                bad.is_empty(),
                "{name}: {} failed: {:#?}",
                bad.len(),
                &bad[..bad.len().min(5)]
            );
            let n = failures(&outcomes).len();
            assert!(
                n * 50 <= outcomes.len(),
                "{name}: {n} of {} held",
                outcomes.len()
            );
            held.push((name.to_string(), n));
        }
        held
    }

    async fn assert_no_drift(&self) {
        for name in LOAD_ORDER {
            let drift = self.drift(name).await;
            assert!(
                drift.is_empty(),
                "{name}: {} drifts: {:#?}",
                drift.len(),
                &drift[..drift.len().min(5)]
            );
        }
    }

    async fn count(&self, soql: &str) -> u64 {
        let mut query = Query::new(&self.sf_client, soql);
        let _ = query.next_page().await.expect("count query");
        query.total_size().unwrap_or(0)
    }

    async fn sf_patch(&self, object: &str, id: &str, body: Value) {
        let call = self
            .sf_client
            .call(Method::PATCH, &format!("sobjects/{object}/{id}"))
            .json(&body)
            .unwrap();
        // Written as a person would: not tagged as Ferry, so change capture would keep it.
        self.sf_client.send(&call).await.expect("patch");
    }

    async fn bp_contact(&self, id: &str) -> Value {
        let target = BrightpearlTarget::new(self.bp_client.clone());
        let rows = target
            .read("contact", &[id.to_string()], &[])
            .await
            .expect("read contact");
        rows.into_iter().next().expect("contact exists").data
    }

    async fn bp_write_contact(&self, id: &str, fields: Value) {
        let target = BrightpearlTarget::new(self.bp_client.clone());
        let write = Write {
            id: Some(id.to_string()),
            upsert_key: None,
            fields: fields.as_object().unwrap().clone(),
            marker: None,
        };
        let result = target.write("contact", &[write]).await;
        result[0].as_ref().expect("contact written");
    }

    /// The Salesforce Contact linked to a Brightpearl contact.
    async fn sf_contact_of(&self, bp_id: &str) -> Value {
        let rows = self
            .soql(&format!(
                "SELECT Id, FirstName, LastName, Email, Phone, MailingCity FROM Contact \
                 WHERE ExternalID__c = '{bp_id}'"
            ))
            .await;
        assert_eq!(rows.len(), 1, "one Contact for {bp_id}: {rows:?}");
        rows[0].clone()
    }

    /// Runs both customer flows for one pair of records until neither writes anything;
    /// returns the number of rounds that wrote.
    async fn settle_customer(&self, bp_id: &str, sf_id: &str) -> usize {
        for writing_rounds in 0..10 {
            let a = self
                .flow("customers_to_salesforce")
                .sync_ids(&[bp_id.to_string()])
                .await;
            let b = self
                .flow("customers_to_brightpearl")
                .sync_ids(&[sf_id.to_string()])
                .await;
            for o in a.iter().chain(&b) {
                assert!(o.result.is_ok(), "{o:?}");
            }
            let wrote = a
                .iter()
                .chain(&b)
                .any(|o| !matches!(o.result, Ok(Change::Unchanged) | Ok(Change::Skipped(_))));
            if !wrote {
                return writing_rounds;
            }
        }
        panic!("the customer flows kept writing: a loop");
    }
}

/// A Brightpearl customer that the customer flows carry (has a last name and a valid email).
async fn some_customer(p: &Pair) -> (String, String) {
    let rows = p
        .soql(
            "SELECT Id, ExternalID__c FROM Contact WHERE Email != null \
             ORDER BY ExternalID__c LIMIT 1",
        )
        .await;
    let row = &rows[0];
    (
        row["ExternalID__c"].as_str().unwrap().to_string(),
        row["Id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_load_of_the_demo_data_leaves_no_drift() {
    let p = pair().await;
    p.load_all().await;
    p.assert_no_drift().await;
    // Every Brightpearl product is in Salesforce once, with a standard price.
    let products = p.flow("products_to_salesforce");
    let bp_products = p.scan_all(products).await.len() as u64;
    assert_eq!(p.count("SELECT COUNT() FROM Product2").await, bp_products);
    let standard = p
        .count("SELECT COUNT() FROM PricebookEntry WHERE Pricebook2.IsStandard = true")
        .await;
    assert!(
        standard * 10 >= bp_products * 9,
        "{standard} standard prices of {bp_products}"
    );
    // Stock arrived.
    assert!(
        p.count("SELECT COUNT() FROM Product2 WHERE AvailableStock__c > 0")
            .await
            > 0
    );
    // A second load writes nothing.
    for name in LOAD_ORDER {
        let again = p.load(name).await;
        let wrote: Vec<_> = again
            .iter()
            .filter(|o| matches!(o.result, Ok(Change::Created) | Ok(Change::Updated)))
            .collect();
        assert!(
            wrote.is_empty(),
            "{name} wrote again: {:?}",
            &wrote[..wrote.len().min(3)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_changes_on_either_side_arrive_and_converge_without_a_loop() {
    let p = pair().await;
    p.load_all().await;
    let (bp_id, sf_id) = some_customer(&p).await;
    // Brightpearl → Salesforce.
    p.bp_write_contact(&bp_id, json!({"addressLine3": "Kendal"}))
        .await;
    let out = p
        .flow("customers_to_salesforce")
        .sync_ids(std::slice::from_ref(&bp_id))
        .await;
    assert_eq!(out[0].result, Ok(Change::Updated), "{out:?}");
    assert_eq!(p.sf_contact_of(&bp_id).await["MailingCity"], "Kendal");
    // Salesforce → Brightpearl.
    p.sf_patch("Contact", &sf_id, json!({"FirstName": "Wilhelmina"}))
        .await;
    let out = p
        .flow("customers_to_brightpearl")
        .sync_ids(std::slice::from_ref(&sf_id))
        .await;
    assert_eq!(out[0].result, Ok(Change::Updated), "{out:?}");
    assert_eq!(p.bp_contact(&bp_id).await["firstName"], "Wilhelmina");
    // Both flows again: nothing left to write (the echo ends at the content comparison).
    assert_eq!(p.settle_customer(&bp_id, &sf_id).await, 0);
    // Edits to the same customer on both sides converge in a bounded number of writes.
    p.bp_write_contact(&bp_id, json!({"lastName": "Brightside"}))
        .await;
    p.sf_patch(
        "Contact",
        &sf_id,
        json!({"LastName": "Forceworth", "Phone": "+441632960999"}),
    )
    .await;
    let rounds = p.settle_customer(&bp_id, &sf_id).await;
    assert!(rounds <= 3, "{rounds} writing rounds");
    let sf = p.sf_contact_of(&bp_id).await;
    let bp = p.bp_contact(&bp_id).await;
    assert_eq!(sf["LastName"], bp["lastName"], "{sf} / {bp}");
    assert_eq!(sf["Phone"], "+441632960999");
    assert_eq!(bp["phone"], "+441632960999");
    p.assert_no_drift().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_near_duplicate_customer_is_linked_not_created_again() {
    let p = pair().await;
    // Before Ferry ever ran, someone typed a customer into Salesforce by hand, with the
    // email in another case.
    let flow = p.flow("customers_to_salesforce");
    let rows = p.scan_all(flow).await;
    let customer = rows
        .iter()
        .find(|r| {
            r.data["isCustomer"] == true
                && r.data["email"]
                    .as_str()
                    .is_some_and(|e| e.contains('@') && !e.starts_with('.'))
                && r.data["lastName"]
                    .as_str()
                    .is_some_and(|l| !l.trim().is_empty())
        })
        .expect("a customer with an email");
    let email = customer.data["email"].as_str().unwrap().to_uppercase();
    let call = p
        .sf_client
        .call(Method::POST, "sobjects/Contact")
        .json(&json!({"LastName": customer.data["lastName"], "Email": email}))
        .unwrap();
    let made: Value = p.sf_client.send(&call).await.unwrap().json("test").unwrap();
    let existing = made["id"].as_str().unwrap().to_string();
    let out = flow.sync_rows(vec![customer.clone()]).await;
    assert!(out[0].result.is_ok(), "{out:?}");
    let linked = p.sf_contact_of(&customer.id).await;
    assert_eq!(
        linked["Id"],
        existing.as_str(),
        "linked to the existing Contact"
    );
    assert_eq!(
        p.count(&format!(
            "SELECT COUNT() FROM Contact WHERE LastName = '{}'",
            customer.data["lastName"]
                .as_str()
                .unwrap()
                .trim()
                .replace('\'', "\\'")
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_faults_injected_everything_still_converges() {
    let p = pair().await;
    // 20 % of Salesforce calls answer 503, and Brightpearl throttles.
    let http = ferry_http::client_builder(None).unwrap().build().unwrap();
    http.put(format!("{}/__sandbox/faults", p.sf.banner.instance_url))
        .header("content-type", "application/json")
        .body(json!({"error_rate": 0.2}).to_string())
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let mut held = 0;
    for _round in 0..3 {
        held = 0;
        for name in LOAD_ORDER {
            let outcomes = p.load(name).await;
            held += unexpected(&outcomes).len();
        }
        if held == 0 {
            break;
        }
    }
    assert_eq!(held, 0, "records still failing after retries");
    http.put(format!("{}/__sandbox/faults", p.sf.banner.instance_url))
        .header("content-type", "application/json")
        .body(json!({"error_rate": 0.0}).to_string())
        .send()
        .await
        .unwrap();
    p.assert_no_drift().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_capture_gap_for_a_whole_object_reconciles_and_repairs_the_flow() {
    use ferry_core::{ChangeNotice, FlowName, Operation, System, Timestamp};
    use ferry_engine::{Worker, WorkerOptions};
    use ferry_store::{AppendBatch, Journal, RoutedNotice};
    let p = pair().await;
    p.load_all().await;
    // Someone renames a product in Salesforce; no event for it ever reaches Ferry.
    let rows = p
        .soql("SELECT Id, Name, ExternalID__c FROM Product2 ORDER BY ExternalID__c LIMIT 1")
        .await;
    let id = rows[0]["Id"].as_str().unwrap().to_string();
    let name = rows[0]["Name"].as_str().unwrap().to_string();
    p.sf_patch("Product2", &id, json!({"Name": "Renamed by hand"}))
        .await;
    assert_eq!(p.drift("products_to_salesforce").await.len(), 1);
    // The source then reports a gap for the whole object: one `*` notice.
    let flow = FlowName::new("products_to_salesforce").unwrap();
    let notice = ChangeNotice {
        tenant: TenantId::default_tenant(),
        source: System::Brightpearl,
        object: "product".into(),
        record_id: "*".into(),
        operation: Operation::Update,
        observed_at: Timestamp::now(),
        origin: None,
        payload: json!({"signal": "resync"}),
    };
    p.store
        .append(AppendBatch {
            notices: vec![RoutedNotice {
                notice,
                flows: vec![flow.clone()],
            }],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    let mut options = WorkerOptions::new(ferry_core::RetryPolicy::default());
    options.exit_when_idle = Some(Duration::from_millis(500));
    let handlers = vec![
        p.flows
            .handlers()
            .into_iter()
            .find(|h| h.flow() == &flow)
            .unwrap(),
    ];
    let worker = Worker::new(p.store.clone() as Arc<dyn Store>, handlers, options);
    let (_stop, shutdown) = ferry_engine::Shutdown::new();
    worker.run(shutdown).await;
    // The reconciliation journaled the drifted product and the worker repaired it.
    let now = p
        .soql(&format!("SELECT Name FROM Product2 WHERE Id = '{id}'"))
        .await;
    assert_eq!(now[0]["Name"], name.as_str());
    assert!(p.drift("products_to_salesforce").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_mastered_in_salesforce_flows_to_brightpearl_when_enabled() {
    let p = pair().await;
    let mut spec = DEFAULTS
        .iter()
        .find(|(name, _)| *name == "products_to_brightpearl")
        .map(|(name, text)| FlowSpec::parse(text, name).unwrap())
        .unwrap();
    spec.enabled = true;
    let adapters = Adapters::new(
        Some(p.bp_client.clone()),
        Some((p.sf_client.clone(), WriteOptions::default())),
    );
    let set = FlowSet::build(
        vec![spec],
        &adapters,
        p.store.clone() as Arc<dyn Store>,
        TenantId::default_tenant(),
    )
    .unwrap();
    let flow = set.get("products_to_brightpearl").unwrap();
    let call = p
        .sf_client
        .call(Method::POST, "sobjects/Product2")
        .json(
            &json!({"Name": "Summit Trail Runner", "ProductCode": "PIM-00042",
                      "IsActive": true, "Family": "Footwear"}),
        )
        .unwrap();
    let made: Value = p.sf_client.send(&call).await.unwrap().json("test").unwrap();
    let sf_id = made["id"].as_str().unwrap().to_string();
    let out = flow.sync_ids(std::slice::from_ref(&sf_id)).await;
    assert_eq!(out[0].result, Ok(Change::Created), "{out:?}");
    let target = BrightpearlTarget::new(p.bp_client.clone());
    let found = target
        .find(
            "product",
            &["sku".to_string()],
            &[vec![json!("PIM-00042")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one Brightpearl product with the SKU");
    assert_eq!(found[0].data["name"], "Summit Trail Runner");
    assert_eq!(found[0].data["brandName"], "Tidewater");
    // The Brightpearl id was written back to Salesforce; a second run writes nothing.
    let back = p
        .soql(&format!(
            "SELECT ExternalID__c FROM Product2 WHERE Id = '{sf_id}'"
        ))
        .await;
    assert_eq!(back[0]["ExternalID__c"], found[0].id.as_str());
    let again = flow.sync_ids(&[sf_id]).await;
    assert_eq!(again[0].result, Ok(Change::Unchanged), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_entered_twice_in_brightpearl_is_held_not_linked_twice() {
    let p = pair().await;
    let flow = p.flow("customers_to_salesforce");
    let rows = p.scan_all(flow).await;
    let first = rows
        .iter()
        .find(|r| {
            r.data["isCustomer"] == true
                && r.data["email"]
                    .as_str()
                    .is_some_and(|e| e.contains('@') && !e.starts_with('.'))
                && r.data["lastName"]
                    .as_str()
                    .is_some_and(|l| !l.trim().is_empty())
        })
        .expect("a customer with an email")
        .clone();
    let out = flow.sync_rows(vec![first.clone()]).await;
    assert!(out[0].result.is_ok(), "{out:?}");
    // The same person typed in again in Brightpearl, email in capitals.
    let target = BrightpearlTarget::new(p.bp_client.clone());
    let email = first.data["email"].as_str().unwrap().to_uppercase();
    let made = target
        .write(
            "contact",
            &[Write {
                id: None,
                upsert_key: None,
                fields:
                    json!({"firstName": first.data["firstName"], "lastName": first.data["lastName"],
                               "email": email, "addressLine1": "1 High St", "postalCode": "LA9 4AA",
                               "countryIsoCode": "GBR"})
                    .as_object()
                    .unwrap()
                    .clone(),
                marker: None,
            }],
        )
        .await;
    let second = made[0].clone().expect("second contact created");
    let out = flow.sync_ids(std::slice::from_ref(&second)).await;
    let failure = out[0].result.clone().expect_err("held");
    assert_eq!(failure.code, "POSSIBLE_DUPLICATE", "{failure:?}");
    assert!(failure.message.contains(&first.id), "{}", failure.message);
    // The Salesforce Contact still belongs to the first record, and a re-sync changes nothing.
    p.sf_contact_of(&first.id).await;
    let again = flow.sync_ids(std::slice::from_ref(&first.id)).await;
    assert_eq!(again[0].result, Ok(Change::Unchanged), "{again:?}");
}
