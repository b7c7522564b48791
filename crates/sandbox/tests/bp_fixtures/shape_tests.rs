//! Unit tests of the shape comparison, on small hand-made bodies.

use super::*;
use serde_json::json;

fn diffs(recorded: Value, ours: Value) -> Vec<String> {
    differences(&recorded, &ours, KeyOrder::Checked)
}

fn has(found: &[String], needle: &str) -> bool {
    found.iter().any(|d| d.contains(needle))
}

#[test]
fn identical_shapes_with_other_values_pass() {
    let recorded = json!({"response": [{"id": 1, "reference": "#1", "closed": false}]});
    let ours = json!({"response": [{"id": 7, "reference": "", "closed": true}]});
    assert!(diffs(recorded, ours).is_empty());
}

#[test]
fn a_missing_key_an_extra_key_and_a_type_change_are_each_reported() {
    let recorded = json!({"response": {"id": 1, "name": "x", "total": "9.09"}});
    let found = diffs(
        recorded.clone(),
        json!({"response": {"id": 1, "total": "9.09"}}),
    );
    assert_eq!(found, ["response.name: missing"]);
    let found = diffs(
        recorded.clone(),
        json!({"response": {"id": 1, "name": "x", "total": "9.09", "extra": 1}}),
    );
    assert_eq!(found, ["response.extra: not in the recording"]);
    let found = diffs(
        recorded,
        json!({"response": {"id": 1, "name": "x", "total": 9.09}}),
    );
    assert_eq!(
        found,
        ["response.total: decimal where the recording has string"]
    );
}

#[test]
fn key_order_is_checked_unless_turned_off() {
    let recorded = json!({"id": 1, "name": "x"});
    let ours = json!({"name": "x", "id": 1});
    let found = differences(&recorded, &ours, KeyOrder::Checked);
    assert_eq!(
        found,
        ["(root): keys in the order name, id; the recording has id, name"]
    );
    assert!(differences(&recorded, &ours, KeyOrder::Ignored).is_empty());
}

#[test]
fn id_maps_compare_values_not_keys() {
    let recorded =
        json!({"orderRows": {"1": {"productId": 1007, "quantity": {"magnitude": "1.0000"}}}});
    let ours = json!({"orderRows": {"52": {"productId": 3, "quantity": {"magnitude": "2.0000"}},
                                    "53": {"productId": 4, "quantity": {"magnitude": "1.0000"}}}});
    assert!(diffs(recorded.clone(), ours).is_empty());
    let found = diffs(
        recorded.clone(),
        json!({"orderRows": {"52": {"productId": 3, "quantity": {}}}}),
    );
    assert_eq!(found, ["orderRows.<id>.quantity.magnitude: missing"]);
    let found = diffs(
        recorded.clone(),
        json!({"orderRows": {"row-1": {"productId": 3, "quantity": {"magnitude": "1"}}}}),
    );
    assert!(
        has(&found, "keyed by record ids has the key \"row-1\""),
        "{found:?}"
    );
    let found = diffs(recorded, json!({"orderRows": {}}));
    assert!(has(&found, "orderRows: empty"), "{found:?}");
}

#[test]
fn a_recorded_empty_object_accepts_an_id_map_but_not_named_keys() {
    let recorded = json!({"orderRows": {}});
    assert!(
        diffs(
            recorded.clone(),
            json!({"orderRows": {"5": {"productId": 1}}})
        )
        .is_empty()
    );
    let found = diffs(recorded, json!({"orderRows": {"productId": 1}}));
    assert_eq!(found, ["orderRows.productId: not in the recording"]);
}

#[test]
fn arrays_must_not_be_empty_when_the_recording_is_not() {
    let recorded = json!({"response": [{"id": 1}]});
    let found = diffs(recorded.clone(), json!({"response": []}));
    assert_eq!(
        found,
        ["response: empty, but the recording has elements (are the records seeded?)"]
    );
    let found = diffs(recorded, json!({"response": [{"id": 1}, {"id": "2"}]}));
    assert_eq!(found, ["response[].id: string where the recording has int"]);
    assert!(diffs(json!({"errors": []}), json!({"errors": [{"code": "X"}]})).is_empty());
}

#[test]
fn keys_missing_from_some_recorded_elements_are_optional() {
    // tax codes: `rate` is omitted when zero.
    let recorded = json!([{"id": 1, "code": "Z"}, {"id": 2, "code": "T", "rate": 10.0}]);
    assert!(
        diffs(
            recorded.clone(),
            json!([{"id": 5, "code": "T", "rate": 13}])
        )
        .is_empty()
    );
    assert!(diffs(recorded.clone(), json!([{"id": 5, "code": "Z"}])).is_empty());
    let found = diffs(recorded, json!([{"id": 5}]));
    assert_eq!(found, ["[].code: missing"]);
}

#[test]
fn search_rows_compare_position_by_position_and_cells_may_be_null() {
    let recorded =
        json!({"results": [[322, "#0001", null, true], [323, "#0002", "2022-02-02", false]]});
    assert!(
        diffs(
            recorded.clone(),
            json!({"results": [[9, "#9", null, false]]})
        )
        .is_empty()
    );
    assert!(
        diffs(
            recorded.clone(),
            json!({"results": [[9, null, "x", false]]})
        )
        .is_empty()
    );
    let found = diffs(
        recorded.clone(),
        json!({"results": [["9", "#9", null, false]]}),
    );
    assert_eq!(found, ["results[][0]: string where the recording has int"]);
    let found = diffs(recorded, json!({"results": [[9, "#9", null]]}));
    assert_eq!(found, ["results[]: 3 positions where the recording has 4"]);
}

#[test]
fn whole_numbers_stay_whole_and_decimals_accept_any_number() {
    let found = diffs(json!({"id": 1}), json!({"id": 1.0}));
    assert_eq!(
        found,
        ["id: the decimal 1.0 where Brightpearl writes a whole number"]
    );
    assert!(diffs(json!({"rate": 10.0}), json!({"rate": 10})).is_empty());
    assert!(diffs(json!({"rate": 10.0}), json!({"rate": 2.5})).is_empty());
}

#[test]
fn null_is_accepted_only_where_the_recording_has_one() {
    let found = diffs(json!({"closedOn": "2020-03-31"}), json!({"closedOn": null}));
    assert!(
        has(&found, "closedOn: null where the recording has string"),
        "{found:?}"
    );
    assert!(diffs(json!({"isCanceled": null}), json!({"isCanceled": true})).is_empty());
    let recorded = json!([{"brandId": 1}, {"brandId": null}]);
    assert!(diffs(recorded, json!([{"brandId": null}])).is_empty());
}

#[test]
fn a_different_envelope_is_reported_at_the_root() {
    let found = diffs(json!({"response": 329}), json!({}));
    assert_eq!(found, ["response: missing"]);
    let found = diffs(json!({}), json!({"response": 329}));
    assert_eq!(found, ["response: not in the recording"]);
    let found = diffs(json!({"response": [1]}), json!({"response": {"1": 1}}));
    assert_eq!(found, ["response: object where the recording has [int]"]);
}

#[test]
fn a_key_only_later_elements_have_keeps_its_recorded_place() {
    let recorded = json!([{"id": 1, "createdOn": "a", "createdById": 4},
                          {"id": 2, "createdOn": "a", "closedOn": "b", "createdById": 4}]);
    let Shape::Array {
        element: Some(element),
        ..
    } = shape_of(&recorded)
    else {
        panic!("an array of objects");
    };
    assert_eq!(
        element.to_string(),
        "{id: int, createdOn: string, closedOn?: string, createdById: int}"
    );
    let ours = json!([{"id": 3, "createdOn": "a", "closedOn": "b", "createdById": 1}]);
    assert!(diffs(recorded.clone(), ours).is_empty());
    let ours = json!([{"id": 3, "createdOn": "a", "createdById": 1, "closedOn": "b"}]);
    let found = diffs(recorded, ours);
    assert!(
        has(
            &found,
            "keys in the order id, createdOn, createdById, closedOn"
        ),
        "{found:?}"
    );
}

#[test]
fn merged_shapes_render_compactly() {
    let shape = shape_of(&json!({"rows": [{"id": 1, "rate": 1.5}, {"id": 2}],
                                 "map": {"7": [1, "a"]}, "none": null}));
    assert_eq!(
        shape.to_string(),
        "{rows: [{id: int, rate?: decimal}], map: {<id>: [int, string]}, none: null}"
    );
}

#[test]
fn assert_same_shape_panics_naming_the_case() {
    let outcome = std::panic::catch_unwind(|| {
        assert_same_shape(
            &json!({"id": 1}),
            &json!({"id": "1"}),
            "order_get_one.yml #1",
        );
    });
    let message = *outcome
        .expect_err("a difference panics")
        .downcast::<String>()
        .unwrap();
    assert!(message.starts_with("order_get_one.yml #1: "), "{message}");
    assert!(
        message.contains("id: string where the recording has int"),
        "{message}"
    );
    assert_same_shape_any_order(&json!({"a": 1, "b": 2}), &json!({"b": 3, "a": 4}), "x");
}
