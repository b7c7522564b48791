//! The planner's pure choices: validation, links, groups, waves and lanes.

use super::*;
use serde_json::json;

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn account(reference: &str) -> RecordWrite {
    RecordWrite::upsert(
        reference,
        "Account",
        "ExternalID__c",
        reference,
        fields(json!({"Name": reference})),
    )
}

fn contact(reference: &str, account: &str) -> RecordWrite {
    RecordWrite::new(
        reference,
        "Contact",
        WriteOp::Create,
        fields(json!({"LastName": reference})),
    )
    .depending_on(Dependency::IdOf {
        field: "AccountId".into(),
        target: account.into(),
    })
}

fn items<'a>(batch: &'a [RecordWrite], deps: &[Deps]) -> Vec<Item<'a>> {
    let waiting: BTreeSet<usize> = (0..batch.len()).collect();
    let outcomes = vec![None; batch.len()];
    (0..batch.len())
        .map(|i| item(batch, deps, &waiting, &outcomes, i))
        .collect()
}

fn linked(batch: &[RecordWrite]) -> Vec<Deps> {
    link_batch(batch)
        .into_iter()
        .map(|d| d.unwrap_or_default())
        .collect()
}

#[test]
fn lanes_follow_group_size_unless_forced() {
    assert_eq!(lane_for(LaneChoice::Auto, false, 1, 2000), Lane::Single);
    assert_eq!(
        lane_for(LaneChoice::Auto, false, 2, 2000),
        Lane::Collections
    );
    assert_eq!(
        lane_for(LaneChoice::Auto, false, 2000, 2000),
        Lane::Collections
    );
    assert_eq!(lane_for(LaneChoice::Auto, false, 2001, 2000), Lane::Bulk);
    let bulk = LaneChoice::Force(Lane::Bulk);
    assert_eq!(lane_for(bulk, false, 5, 2000), Lane::Bulk);
    assert_eq!(lane_for(bulk, true, 5, 2000), Lane::Collections);
    let graph = LaneChoice::Force(Lane::Graph);
    assert_eq!(lane_for(graph, false, 5, 2000), Lane::Collections);
}

#[test]
fn bad_names_ids_and_references_fail_before_any_call() {
    let mut bad_object = account("a");
    bad_object.object = "Account/../x".into();
    let bad_id = RecordWrite::new(
        "u",
        "Account",
        WriteOp::Update { id: "001x".into() },
        Map::new(),
    );
    let orphan = contact("c", "nobody");
    let twin_a = account("t");
    let twin_b = account("t");
    let child_of_twin = contact("d", "t");
    let batch = vec![bad_object, bad_id, orphan, twin_a, twin_b, child_of_twin];
    let codes: Vec<Option<String>> = link_batch(&batch)
        .into_iter()
        .map(|r| r.err().and_then(|o| o.code().map(str::to_owned)))
        .collect();
    assert_eq!(
        codes,
        vec![
            Some("INVALID_TYPE".into()),
            Some("MALFORMED_ID".into()),
            Some("UNKNOWN_REFERENCE".into()),
            None,
            None,
            Some("AMBIGUOUS_REFERENCE".into()),
        ]
    );
}

#[test]
fn links_to_records_with_known_ids_are_filled_in_at_once() {
    let parent = RecordWrite::new(
        "p",
        "Account",
        WriteOp::Update {
            id: "001000000000001AAA".into(),
        },
        Map::new(),
    );
    let batch = vec![parent, contact("c", "p")];
    let deps = linked(&batch);
    assert!(deps[1].links.is_empty());
    let items = items(&batch, &deps);
    assert_eq!(items[1].fields["AccountId"], json!("001000000000001AAA"));
}

#[test]
fn linked_records_form_ordered_groups_and_the_rest_stays_independent() {
    let batch = vec![
        contact("c1", "a1"),
        account("a1"),
        account("solo"),
        contact("c2", "a1"),
        account("a2"),
        contact("c3", "a2"),
    ];
    let deps = linked(&batch);
    let wave = split_wave(items(&batch, &deps));
    let independent: Vec<usize> = wave.independent.iter().map(|i| i.index).collect();
    assert_eq!(independent, vec![2]);
    let dependent: Vec<Vec<usize>> = wave
        .dependent
        .iter()
        .map(|g| g.iter().map(|i| i.index).collect())
        .collect();
    assert_eq!(dependent, vec![vec![1, 0, 3], vec![4, 5]]);
    assert!(wave.cyclic.is_empty() && wave.later.is_empty());
}

#[test]
fn cycles_are_found() {
    let a = account("a").depending_on(Dependency::After { target: "b".into() });
    let b = account("b").depending_on(Dependency::After { target: "a".into() });
    let batch = vec![a, b, account("c")];
    let deps = linked(&batch);
    let wave = split_wave(items(&batch, &deps));
    assert_eq!(wave.cyclic, vec![0, 1]);
    assert_eq!(wave.independent.len(), 1);
}

#[test]
fn groups_too_big_for_a_graph_go_in_waves() {
    let mut batch = vec![account("a")];
    for n in 0..MAX_GRAPH_NODES {
        batch.push(contact(&format!("c{n}"), "a"));
    }
    let deps = linked(&batch);
    let wave = split_wave(items(&batch, &deps));
    assert_eq!(wave.independent.len(), 1);
    assert_eq!(wave.independent[0].index, 0);
    assert_eq!(wave.later.len(), MAX_GRAPH_NODES);
    assert!(wave.dependent.is_empty());
}

#[test]
fn groups_share_operation_object_and_external_id_field() {
    let batch = vec![
        account("a"),
        RecordWrite::new("x", "Account", WriteOp::Create, Map::new()),
        account("b"),
        RecordWrite::upsert("y", "Account", "Other__c", "1", Map::new()),
    ];
    let deps = linked(&batch);
    let sizes: Vec<Vec<usize>> = groups(items(&batch, &deps))
        .iter()
        .map(|g| g.iter().map(|i| i.index).collect())
        .collect();
    assert_eq!(sizes, vec![vec![0, 2], vec![1], vec![3]]);
}
