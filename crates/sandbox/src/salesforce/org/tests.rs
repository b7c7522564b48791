//! Unit tests of the org: indexes against rebuilds, rollbacks, purges, cascades.

use super::txn::{MAX_CASCADE_DEPTH, auto_number};
use super::*;
use std::collections::HashMap;

#[test]
fn auto_numbers_follow_their_format() {
    assert_eq!(auto_number("{00000100}", 1), "00000100");
    assert_eq!(auto_number("{00000100}", 2), "00000101");
    assert_eq!(auto_number("PAY-{000000}", 7), "PAY-000007");
}

/// Every index of every table, rebuilt from the records, equals the one kept incrementally.
fn assert_indexes_match_records(org: &Org, context: &str) {
    for (object, table) in org.tables.iter().enumerate() {
        let def = org.schema.def(object);
        assert_eq!(
            table.by_id.len(),
            table.records.len(),
            "{context}: by_id size"
        );
        for (slot, record) in table.records.iter().enumerate() {
            assert_eq!(
                table.by_id.get(&record.id()),
                Some(&slot),
                "{context}: by_id"
            );
        }
        for (field, index) in &table.unique {
            let mut expected = HashMap::new();
            for (slot, record) in table.records.iter().enumerate() {
                if record.is_deleted() {
                    continue;
                }
                if let Some(key) = unique_key(def.def(*field), record.get(*field)) {
                    assert!(
                        expected.insert(key, slot).is_none(),
                        "{context}: two live {} records share a unique value",
                        def.name
                    );
                }
            }
            assert_eq!(index, &expected, "{context}: unique index of {}", def.name);
        }
        for (field, index) in &table.children {
            let mut expected: HashMap<SfId, Vec<usize>> = HashMap::new();
            for (slot, record) in table.records.iter().enumerate() {
                if let (false, Some(parent)) = (record.is_deleted(), record.get(*field).as_id()) {
                    expected.entry(parent).or_default().push(slot);
                }
            }
            let mut actual = index.clone();
            actual.values_mut().for_each(|slots| slots.sort_unstable());
            assert_eq!(
                actual, expected,
                "{context}: children index of {}",
                def.name
            );
        }
    }
}

/// Everything a rollback must restore.
fn contents(org: &Org) -> (Vec<Vec<Record>>, u64, Vec<u64>) {
    (
        org.tables.iter().map(|t| t.records.clone()).collect(),
        org.next_serial,
        org.tables.iter().map(|t| t.auto_number).collect(),
    )
}

/// Random creates, updates, upserts, deletes (with cascades), undeletes, savepoint
/// rollbacks, dropped transactions and hard-delete purges: after each step every index
/// agrees with a rebuild from the records, and every rollback restores the records exactly.
#[test]
fn indexes_survive_random_writes_rollbacks_and_purges() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    let schema = Arc::new(Schema::built_in().unwrap());
    let (mut org, auth) =
        crate::salesforce::seed::fresh_org(schema.clone(), crate::salesforce::api::DataSet::Empty)
            .unwrap();
    let account = schema.object("Account").unwrap();
    let contact = schema.object("Contact").unwrap();
    let actor = Actor {
        user: auth.admin().user_id,
        api: "rest",
        version: "59.0".into(),
        client: None,
    };
    let ids_of = |org: &Org, object: usize, deleted: bool| -> Vec<SfId> {
        org.records(object)
            .iter()
            .filter(|r| r.is_deleted() == deleted)
            .map(Record::id)
            .collect()
    };
    for seed in 0..12u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        for round in 0..25 {
            let at_begin = contents(&org);
            let mut txn = org.begin(actor.clone());
            let mut savepoints = Vec::new();
            for step in 0..12 {
                let context = format!("seed {seed} round {round} step {step}");
                let before = contents(txn.org());
                let savepoint = txn.savepoint();
                let key = |rng: &mut StdRng| {
                    if rng.random_bool(0.2) {
                        Json::Null
                    } else {
                        json!(format!("K{}", rng.random_range(0..6)))
                    }
                };
                let pick = |rng: &mut StdRng, ids: &[SfId]| -> Json {
                    match ids.len() {
                        0 => Json::Null,
                        n if rng.random_bool(0.8) => json!(ids[rng.random_range(0..n)]),
                        _ => Json::Null,
                    }
                };
                let live_accounts = ids_of(txn.org(), account, false);
                let live_contacts = ids_of(txn.org(), contact, false);
                let result: Result<(), String> = match rng.random_range(0..9) {
                    0 | 1 => {
                        let input = json!({"Name": "A", "ExternalID__c": key(&mut rng), "ParentId": pick(&mut rng, &live_accounts)});
                        let input = input.as_object().cloned().unwrap_or_default();
                        txn.create(account, &input)
                            .map(|_| ())
                            .map_err(|e| e.message)
                    }
                    2 => {
                        let input = json!({"LastName": "C", "ExternalID__c": key(&mut rng), "AccountId": pick(&mut rng, &live_accounts)});
                        let input = input.as_object().cloned().unwrap_or_default();
                        txn.create(contact, &input)
                            .map(|_| ())
                            .map_err(|e| e.message)
                    }
                    3 if !live_accounts.is_empty() => {
                        let id = live_accounts[rng.random_range(0..live_accounts.len())];
                        let input = json!({"ExternalID__c": key(&mut rng), "ParentId": pick(&mut rng, &live_accounts)});
                        let input = input.as_object().cloned().unwrap_or_default();
                        txn.update(account, id, &input).map_err(|e| e.message)
                    }
                    4 if !live_contacts.is_empty() => {
                        let id = live_contacts[rng.random_range(0..live_contacts.len())];
                        let input = json!({"ExternalID__c": key(&mut rng), "AccountId": pick(&mut rng, &live_accounts)});
                        let input = input.as_object().cloned().unwrap_or_default();
                        txn.update(contact, id, &input).map_err(|e| e.message)
                    }
                    5 => {
                        let external = format!("K{}", rng.random_range(0..6));
                        let input =
                            json!({"Name": "U", "ParentId": pick(&mut rng, &live_accounts)});
                        let input = input.as_object().cloned().unwrap_or_default();
                        txn.upsert(account, "ExternalID__c", &external, &input)
                            .map(|_| ())
                            .map_err(|e| format!("{e:?}"))
                    }
                    6 => {
                        let all: Vec<SfId> = live_accounts
                            .iter()
                            .chain(&live_contacts)
                            .copied()
                            .collect();
                        match pick(&mut rng, &all).as_str().map(SfId::parse) {
                            Some(Ok(id)) => txn.delete(id).map_err(|e| e.message),
                            _ => Ok(()),
                        }
                    }
                    7 => {
                        let mut dead = ids_of(txn.org(), account, true);
                        dead.extend(ids_of(txn.org(), contact, true));
                        match pick(&mut rng, &dead).as_str().map(SfId::parse) {
                            Some(Ok(id)) => txn.undelete(id).map_err(|e| e.message),
                            _ => Ok(()),
                        }
                    }
                    _ => {
                        if let Some((point, expected)) = savepoints.pop() {
                            txn.rollback_to(point);
                            assert_eq!(contents(txn.org()), expected, "{context}: rollback_to");
                        }
                        Ok(())
                    }
                };
                if result.is_err() {
                    // A failed write is undone alone, as the APIs do.
                    txn.rollback_to(savepoint);
                    assert_eq!(
                        contents(txn.org()),
                        before,
                        "{context}: failed write undone"
                    );
                } else if rng.random_bool(0.3) {
                    savepoints.push((txn.savepoint(), contents(txn.org())));
                }
                assert_indexes_match_records(txn.org(), &context);
            }
            let context = format!("seed {seed} round {round}");
            if rng.random_bool(0.25) {
                drop(txn);
                assert_eq!(
                    contents(&org),
                    at_begin,
                    "{context}: dropped transaction undone"
                );
            } else {
                txn.commit();
            }
            assert_indexes_match_records(&org, &context);
            if rng.random_bool(0.3) {
                let mut dead = ids_of(&org, account, true);
                dead.extend(ids_of(&org, contact, true));
                let chosen: Vec<SfId> = dead.into_iter().filter(|_| rng.random_bool(0.5)).collect();
                org.purge(&chosen);
                for id in &chosen {
                    assert!(org.get(*id).is_none(), "{context}: purged {id} still found");
                }
                assert_indexes_match_records(&org, &format!("{context} purge"));
            }
        }
    }
}

#[test]
fn odd_auto_number_formats_from_a_schema_file_do_not_panic() {
    assert_eq!(auto_number("}x{0}", 3), "}x3");
    assert_eq!(auto_number("x{", 3), "x{3");
    assert_eq!(auto_number("}{", 3), "}{3");
    assert_eq!(
        auto_number("{18446744073709551615}", 5),
        "18446744073709551615"
    );
}

#[test]
fn cascade_cycles_end_and_long_chains_are_refused() {
    use serde_json::json;
    let extra = r#"
[objects.Thing__c]
fields = [{ name = "Parent__c", type = "reference", reference_to = "Thing__c", relationship = "Parent__r", child_relationship = "Children__r", on_delete = "cascade" }]
"#;
    let schema = Arc::new(
        Schema::from_sources(&[
            ("built-in", crate::salesforce::schema::BUILT_IN),
            ("extra", extra),
        ])
        .unwrap(),
    );
    let (mut org, auth) =
        crate::salesforce::seed::fresh_org(schema.clone(), crate::salesforce::api::DataSet::Empty)
            .unwrap();
    let thing = schema.object("Thing__c").unwrap();
    let actor = Actor {
        user: auth.admin().user_id,
        api: "rest",
        version: "59.0".into(),
        client: None,
    };
    let mut txn = org.begin(actor.clone());
    let a = txn.create(thing, json!({}).as_object().unwrap()).unwrap();
    let b = txn
        .create(thing, json!({"Parent__c": a}).as_object().unwrap())
        .unwrap();
    txn.update(thing, a, json!({"Parent__c": b}).as_object().unwrap())
        .unwrap();
    // A and B cascade to each other: deleting one deletes both and ends.
    txn.delete(a).unwrap();
    assert!(txn.org().get(b).unwrap().1.is_deleted());
    txn.commit();

    let mut txn = org.begin(actor);
    let mut parent = txn.create(thing, json!({}).as_object().unwrap()).unwrap();
    let root = parent;
    for _ in 0..MAX_CASCADE_DEPTH + 1 {
        parent = txn
            .create(thing, json!({"Parent__c": parent}).as_object().unwrap())
            .unwrap();
    }
    let error = txn.delete(root).unwrap_err();
    assert_eq!(error.code, "DELETE_FAILED");
    assert!(
        error.message.contains("cascades more than"),
        "{}",
        error.message
    );
}
