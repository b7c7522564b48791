//! The write planner against the Salesforce sandbox over real sockets: lane choice by batch
//! size, per-record failures, the Bulk → Collections fall back, resubmission of locked rows
//! only, idempotent upserts, and dependent records through Composite and Graph. Every test
//! checks that each input record got exactly one outcome.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_salesforce::Client;
use ferry_salesforce::write::{
    Dependency, Lane, PollPolicy, RecordWrite, WriteOp, WriteOptions, WriteOutcome, WritePlanner,
    WriteReport,
};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_sandbox::salesforce::faults::FaultSettings;
use serde_json::{Map, Value, json};
use std::time::Duration;

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// `n` Account upserts by ExternalID__c, keys `{prefix}-{i}`.
fn accounts(prefix: &str, n: usize) -> Vec<RecordWrite> {
    (0..n)
        .map(|i| {
            let key = format!("{prefix}-{i}");
            RecordWrite::upsert(
                key.clone(),
                "Account",
                "ExternalID__c",
                key.clone(),
                fields(json!({"Name": format!("Account {key}"), "NumberOfEmployees": i})),
            )
        })
        .collect()
}

/// Options for tests: Bulk jobs polled every few milliseconds, resubmissions without delay.
fn options() -> WriteOptions {
    WriteOptions {
        poll: PollPolicy {
            first: Duration::from_millis(10),
            max: Duration::from_millis(100),
            give_up_after: Duration::from_secs(120),
        },
        resubmit_delay: Duration::from_millis(5),
        ..WriteOptions::default()
    }
}

async fn start(faults: FaultSettings) -> (Sandbox, Client) {
    common::sandbox(Options {
        data: DataSet::Empty,
        faults,
        daily_api_limit: 10_000_000,
        ..Options::default()
    })
    .await
}

/// Writes and checks the one-outcome-per-record invariant.
async fn write(planner: &WritePlanner, batch: &[RecordWrite]) -> WriteReport {
    let report = planner.write(batch).await;
    assert_eq!(report.outcomes.len(), batch.len(), "one outcome per record");
    report
}

fn assert_all_ok(report: &WriteReport, created: bool) {
    for (i, outcome) in report.outcomes.iter().enumerate() {
        match outcome {
            WriteOutcome::Ok { id, created: c } => {
                assert_eq!(id.len(), 18, "record {i}: {id}");
                assert_eq!(*c, created, "record {i}");
            }
            failed => panic!("record {i} failed: {failed:?}"),
        }
    }
}

async fn count(client: &Client, object: &str) -> u64 {
    let answer: Value = client
        .get_json(&format!("/query?q=SELECT+COUNT()+FROM+{object}"))
        .await
        .unwrap();
    answer["totalSize"].as_u64().unwrap()
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[tokio::test]
async fn one_record_is_one_rest_call_with_an_encoded_external_id() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    let key = "BP/C 1?x#y%z";
    let batch = vec![RecordWrite::upsert(
        "one",
        "Account",
        "ExternalID__c",
        key,
        fields(json!({"Name": "Hostile key"})),
    )];
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    assert_eq!(report.plan.lanes(), vec![Lane::Single]);
    assert_eq!(report.plan.calls.len(), 1);
    let WriteOutcome::Ok { id, .. } = &report.outcomes[0] else {
        unreachable!()
    };
    let record: Value = client
        .get_json(&format!("/sobjects/Account/{id}"))
        .await
        .unwrap();
    assert_eq!(record["ExternalID__c"], key);

    // Update, create and delete of one record each take one call too.
    let batch = vec![RecordWrite::new(
        "upd",
        "Account",
        WriteOp::Update { id: id.clone() },
        fields(json!({"Phone": "0123"})),
    )];
    let report = write(&planner, &batch).await;
    assert_eq!(
        report.outcomes,
        vec![WriteOutcome::Ok {
            id: id.clone(),
            created: false
        }]
    );
    let batch = vec![RecordWrite::new(
        "del",
        "Account",
        WriteOp::Delete { id: id.clone() },
        Map::new(),
    )];
    let report = write(&planner, &batch).await;
    assert!(report.outcomes[0].is_ok(), "{:?}", report.outcomes);
    assert_eq!(report.plan.lanes(), vec![Lane::Single]);
    assert_eq!(count(&client, "Account").await, 0);
}

#[tokio::test]
async fn collections_take_200_records_a_call() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());

    let batch = accounts("C150", 150);
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    assert_eq!(report.plan.lanes(), vec![Lane::Collections]);
    assert_eq!(
        report.plan.records_per_call_in(Lane::Collections),
        vec![150]
    );

    let batch = accounts("C450", 450);
    let before = client.transport().stats();
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    assert_eq!(
        sorted(report.plan.records_per_call_in(Lane::Collections)),
        vec![50, 200, 200]
    );
    let after = client.transport().stats();
    assert_eq!(
        after.requests - before.requests,
        3,
        "three calls on the wire"
    );
    assert_eq!(count(&client, "Account").await, 600);

    // Updates and deletes by id go the same way.
    let ids: Vec<String> = report
        .outcomes
        .iter()
        .map(|o| match o {
            WriteOutcome::Ok { id, .. } => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let updates: Vec<RecordWrite> = ids
        .iter()
        .map(|id| {
            RecordWrite::new(
                id.clone(),
                "Account",
                WriteOp::Update { id: id.clone() },
                fields(json!({"Industry": "Retail"})),
            )
        })
        .collect();
    let report = write(&planner, &updates).await;
    assert_all_ok(&report, false);
    assert_eq!(report.plan.calls_in(Lane::Collections), 3);
    let deletes: Vec<RecordWrite> = ids
        .iter()
        .take(250)
        .map(|id| {
            RecordWrite::new(
                id.clone(),
                "Account",
                WriteOp::Delete { id: id.clone() },
                Map::new(),
            )
        })
        .collect();
    let report = write(&planner, &deletes).await;
    assert_all_ok(&report, false);
    assert_eq!(
        sorted(report.plan.records_per_call_in(Lane::Collections)),
        vec![50, 200]
    );
    assert_eq!(count(&client, "Account").await, 350);
}

#[tokio::test]
async fn more_than_the_bulk_threshold_goes_through_one_bulk_job() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    let batch = accounts("B", 2500);
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    assert_eq!(report.plan.lanes(), vec![Lane::Bulk]);
    assert_eq!(report.plan.bulk_jobs, 1);
    assert_eq!(report.plan.bulk_fallbacks, 0);
    assert_eq!(
        report
            .plan
            .records_per_call_in(Lane::Bulk)
            .iter()
            .sum::<usize>(),
        2500
    );
    assert_eq!(count(&client, "Account").await, 2500);
    // Each id is the record with that key.
    let WriteOutcome::Ok { id, .. } = &report.outcomes[1234] else {
        unreachable!()
    };
    let record: Value = client
        .get_json(&format!("/sobjects/Account/{id}"))
        .await
        .unwrap();
    assert_eq!(record["ExternalID__c"], "B-1234");
}

#[tokio::test]
async fn a_failed_bulk_job_falls_back_to_collections() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    // A column Salesforce does not know fails the whole job ("InvalidBatch : Field name not
    // found"); through Collections only the records carrying it fail.
    let mut batch = accounts("F", 2500);
    for i in [7, 1500, 2499] {
        batch[i]
            .fields
            .insert("Bogus__c".into(), Value::String("x".into()));
    }
    let report = write(&planner, &batch).await;
    assert_eq!(report.plan.bulk_jobs, 1);
    assert_eq!(report.plan.bulk_fallbacks, 2500);
    assert_eq!(report.plan.calls_in(Lane::Collections), 13);
    for (i, outcome) in report.outcomes.iter().enumerate() {
        if [7, 1500, 2499].contains(&i) {
            assert!(
                matches!(outcome, WriteOutcome::Failed { code, transient: false, .. } if code == "INVALID_FIELD"),
                "record {i}: {outcome:?}"
            );
        } else {
            assert_eq!(outcome.code(), None, "record {i}: {outcome:?}");
        }
    }
    assert_eq!(count(&client, "Account").await, 2497);

    // A job Salesforce refuses to create (no such external id field) falls back too; there
    // every record fails with the reason.
    let batch: Vec<RecordWrite> = (0..2100)
        .map(|i| {
            RecordWrite::upsert(
                format!("N{i}"),
                "Account",
                "Nope__c",
                format!("N{i}"),
                fields(json!({"Name": "x"})),
            )
        })
        .collect();
    let report = write(&planner, &batch).await;
    assert_eq!(report.plan.bulk_jobs, 0);
    assert_eq!(report.plan.bulk_fallbacks, 2100);
    assert!(report.outcomes.iter().all(|o| matches!(
        o,
        WriteOutcome::Failed {
            transient: false,
            ..
        }
    )));
}

#[tokio::test]
async fn only_invalid_records_fail_with_their_codes() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    let long_name = "N".repeat(300);
    let bad = [3usize, 77, 149];
    for (n, prefix) in [(150usize, "M"), (2200, "MB")] {
        let mut batch = accounts(prefix, n);
        batch[bad[0]].fields.insert("Name".into(), json!(long_name));
        batch[bad[1]].fields.remove("Name");
        batch[bad[2]]
            .fields
            .insert("Website".into(), json!("w".repeat(300)));
        let report = write(&planner, &batch).await;
        let expected_lane = if n > 2000 {
            Lane::Bulk
        } else {
            Lane::Collections
        };
        assert_eq!(report.plan.lanes(), vec![expected_lane]);
        for (i, outcome) in report.outcomes.iter().enumerate() {
            let expected = match i {
                3 => Some(("STRING_TOO_LONG", "Name")),
                77 => Some(("REQUIRED_FIELD_MISSING", "Name")),
                149 => Some(("STRING_TOO_LONG", "Website")),
                _ => None,
            };
            match (expected, outcome) {
                (None, WriteOutcome::Ok { created: true, .. }) => {}
                (
                    Some((code, field)),
                    WriteOutcome::Failed {
                        code: c,
                        fields,
                        transient: false,
                        message,
                    },
                ) => {
                    assert_eq!(c, code, "{prefix} record {i}: {message}");
                    assert_eq!(fields, &vec![field.to_owned()], "{prefix} record {i}");
                    assert!(!message.is_empty());
                }
                (expected, outcome) => {
                    panic!("{prefix} record {i}: expected {expected:?}, got {outcome:?}")
                }
            }
        }
        assert_eq!(report.failed(), 3);
    }
    assert_eq!(count(&client, "Account").await, 147 + 2197);
}

#[tokio::test]
async fn locked_rows_are_resubmitted_alone_until_written() {
    let (_sandbox, client) = start(FaultSettings {
        lock_rate: 0.2,
        ..FaultSettings::default()
    })
    .await;
    let planner = WritePlanner::new(
        client.clone(),
        WriteOptions {
            max_resubmits: 12,
            ..options()
        },
    );
    let batch = accounts("L", 450);
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    let plan = &report.plan;
    assert!(
        plan.resubmitted > 0,
        "a 20% lock rate locks some of 450 rows"
    );
    assert!(
        plan.resubmitted < 450,
        "only the locked rows are sent again ({} resent)",
        plan.resubmitted
    );
    // Every record was sent once, plus once per resubmission: nothing else was resent.
    let sent: usize = plan.calls.iter().map(|c| c.records).sum();
    assert_eq!(sent, 450 + plan.resubmitted);
    assert!(plan.resubmit_rounds >= 1);
    // The first round took three Collections calls; later rounds only the locked rows.
    let first_round: Vec<usize> = plan.calls.iter().take(3).map(|c| c.records).collect();
    assert_eq!(sorted(first_round), vec![50, 200, 200]);
    let stats = client.transport().stats();
    assert_eq!(
        stats
            .by_family
            .get("composite/sobjects")
            .copied()
            .unwrap_or(0),
        plan.calls_in(Lane::Collections) as u64
    );
    assert_eq!(count(&client, "Account").await, 450);

    // Bulk rows that hit a lock are resent through Collections (or one call each).
    let batch = accounts("LB", 2100);
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    assert_eq!(report.plan.lanes()[0], Lane::Bulk);
    assert!(report.plan.resubmitted > 0 && report.plan.resubmitted < 2100);
    assert_eq!(count(&client, "Account").await, 450 + 2100);
}

#[tokio::test]
async fn upserting_the_same_batch_twice_creates_nothing_the_second_time() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    for n in [1usize, 300, 2100] {
        let prefix = format!("I{n}");
        let batch = accounts(&prefix, n);
        let first = write(&planner, &batch).await;
        assert_all_ok(&first, true);
        let second = write(&planner, &batch).await;
        assert_all_ok(&second, false);
        let ids = |r: &WriteReport| -> Vec<String> {
            r.outcomes
                .iter()
                .map(|o| match o {
                    WriteOutcome::Ok { id, .. } => id.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(ids(&first), ids(&second), "the same records were updated");
    }
    assert_eq!(count(&client, "Account").await, 1 + 300 + 2100);
}

/// An Account upsert and `contacts` Contact creates pointing at it.
fn family(n: usize, contacts: usize) -> Vec<RecordWrite> {
    let account = format!("A{n}");
    let mut batch = vec![RecordWrite::upsert(
        account.clone(),
        "Account",
        "ExternalID__c",
        account.clone(),
        fields(json!({"Name": format!("Family {n}")})),
    )];
    for c in 0..contacts {
        batch.push(
            RecordWrite::new(
                format!("{account}-C{c}"),
                "Contact",
                WriteOp::Create,
                fields(json!({"LastName": format!("Member {c} of {n}")})),
            )
            .depending_on(Dependency::IdOf {
                field: "AccountId".into(),
                target: account.clone(),
            }),
        );
    }
    batch
}

async fn contacts_by_account(client: &Client) -> std::collections::HashMap<String, usize> {
    let answer: Value = client
        .get_json("/query?q=SELECT+Id,AccountId+FROM+Contact")
        .await
        .unwrap();
    let mut by_account = std::collections::HashMap::new();
    for record in answer["records"].as_array().unwrap() {
        *by_account
            .entry(record["AccountId"].as_str().unwrap_or("none").to_owned())
            .or_insert(0) += 1;
    }
    by_account
}

#[tokio::test]
async fn accounts_and_their_contacts_resolve_through_composite_and_graph() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());

    // Small: one Composite call with @{ref.id} references.
    let batch = family(0, 3);
    let report = write(&planner, &batch).await;
    assert!(
        report.outcomes.iter().all(WriteOutcome::is_ok),
        "{:?}",
        report.outcomes
    );
    assert_eq!(report.plan.lanes(), vec![Lane::Composite]);
    assert_eq!(report.plan.calls.len(), 1);
    let WriteOutcome::Ok {
        id: account,
        created: true,
    } = &report.outcomes[0]
    else {
        panic!("{:?}", report.outcomes[0])
    };
    assert_eq!(contacts_by_account(&client).await.get(account), Some(&3));

    // Bigger: one graph per family, in one Graph call (10 × 6 = 60 nodes), mixed with
    // independent records that take their own lane, and a contact naming its account by
    // external id (written after it).
    let mut batch: Vec<RecordWrite> = (1..=10).flat_map(|n| family(n, 5)).collect();
    batch.extend(accounts("Solo", 3));
    batch.push(
        RecordWrite::new(
            "by-external-id",
            "Contact",
            WriteOp::Create,
            fields(json!({"LastName": "Linked by key", "Account": {"ExternalID__c": "A1"}})),
        )
        .depending_on(Dependency::After {
            target: "A1".into(),
        }),
    );
    let report = write(&planner, &batch).await;
    assert!(
        report.outcomes.iter().all(WriteOutcome::is_ok),
        "{:?}",
        report.outcomes
    );
    assert_eq!(report.plan.calls_in(Lane::Graph), 1);
    assert_eq!(report.plan.records_per_call_in(Lane::Graph), vec![61]);
    assert_eq!(report.plan.records_per_call_in(Lane::Collections), vec![3]);
    let by_account = contacts_by_account(&client).await;
    for n in 1..=10 {
        let WriteOutcome::Ok { id, .. } = &report.outcomes[(n - 1) * 6] else {
            unreachable!()
        };
        let expected = if n == 1 { 6 } else { 5 };
        assert_eq!(by_account.get(id), Some(&expected), "family {n}");
    }
}

#[tokio::test]
async fn a_bad_record_in_a_graph_fails_alone_and_its_siblings_are_written() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(client.clone(), options());
    let mut batch: Vec<RecordWrite> = (0..6).flat_map(|n| family(n, 4)).collect();
    // Family 2's third contact is invalid; family 4's account is invalid.
    batch[2 * 5 + 3]
        .fields
        .insert("LastName".into(), json!("L".repeat(100)));
    batch[4 * 5]
        .fields
        .insert("Name".into(), json!("N".repeat(300)));
    let report = write(&planner, &batch).await;
    for (i, outcome) in report.outcomes.iter().enumerate() {
        let expected = match i {
            13 => Some("STRING_TOO_LONG"),
            20 => Some("STRING_TOO_LONG"),
            21..=24 => Some("DEPENDENCY_FAILED"),
            _ => None,
        };
        assert_eq!(outcome.code(), expected, "record {i}: {outcome:?}");
        if expected.is_some() {
            assert!(
                matches!(
                    outcome,
                    WriteOutcome::Failed {
                        transient: false,
                        ..
                    }
                ),
                "record {i}: {outcome:?}"
            );
        }
    }
    // The rolled-back members of families 2 and 4 were sent again without the bad record.
    assert!(report.plan.resubmitted >= 4, "{:?}", report.plan);
    assert_eq!(count(&client, "Contact").await, 6 * 4 - 1 - 4);
    assert_eq!(count(&client, "Account").await, 5);
}

#[tokio::test]
async fn a_group_over_the_upload_size_is_split_into_several_bulk_jobs() {
    let (_sandbox, client) = start(FaultSettings::default()).await;
    let planner = WritePlanner::new(
        client.clone(),
        WriteOptions {
            max_upload_bytes: 20_000,
            ..options()
        },
    );
    let batch = accounts("S", 2500);
    let report = write(&planner, &batch).await;
    assert_all_ok(&report, true);
    let uploads = report
        .plan
        .records_per_call_in(Lane::Bulk)
        .into_iter()
        .filter(|&n| n > 0)
        .collect::<Vec<_>>();
    assert!(report.plan.bulk_jobs >= 3, "{:?}", report.plan);
    assert_eq!(uploads.len(), report.plan.bulk_jobs);
    assert_eq!(uploads.iter().sum::<usize>(), 2500);
    assert_eq!(count(&client, "Account").await, 2500);
}
