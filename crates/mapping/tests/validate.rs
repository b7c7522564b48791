//! Validation rules: each rule passes good values, fails bad ones with a message that names
//! the field, the value and what to do; only `required` fails on a missing value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_mapping::spec::{Rule, RuleSpec};
use ferry_mapping::validate::{Violation, check, compile_rules};
use serde_json::{Map, Value, json};

fn rule(field: &str, rule: Rule) -> RuleSpec {
    RuleSpec {
        field: field.to_string(),
        rule,
        message: None,
    }
}

fn record(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn one(r: Rule, value: Value) -> Vec<Violation> {
    check(&[rule("F", r)], &record(json!({ "F": value })))
}

#[test]
fn email_message_names_field_value_and_fix() {
    let v = check(
        &[rule("Email", Rule::Email)],
        &record(json!({"Email": "bob@"})),
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].field, "Email");
    assert_eq!(v[0].rule, "email");
    assert_eq!(v[0].value, json!("bob@"));
    assert_eq!(
        v[0].message,
        "Email \"bob@\" is not an email address: fix it in the source record or change the mapping"
    );
}

#[test]
fn emails() {
    for good in [
        "a@b.co",
        "first.last+tag@example.co.uk",
        "o'neil@xn--bcher-kva.de",
        "zoë@exämple.de",
    ] {
        assert!(one(Rule::Email, json!(good)).is_empty(), "{good}");
    }
    for bad in [
        "bob@",
        "@example.com",
        "a b@example.com",
        "a@example",
        "a@@example.com",
        "a@-x.com",
        "a..b@example.com",
        "a@example.123",
        "a@exa mple.com",
    ] {
        assert_eq!(one(Rule::Email, json!(bad)).len(), 1, "{bad}");
    }
}

#[test]
fn required_fails_on_missing_blank_and_empty_list_only() {
    let rules = [rule("LastName", Rule::Required)];
    for bad in [
        json!({}),
        json!({"LastName": null}),
        json!({"LastName": "  "}),
        json!({"LastName": []}),
    ] {
        let v = check(&rules, &record(bad.clone()));
        assert_eq!(v.len(), 1, "{bad}");
    }
    let v = check(&rules, &record(json!({})));
    assert_eq!(
        v[0].message,
        "LastName is required but empty: fix it in the source record or change the mapping"
    );
    for good in [
        json!({"LastName": "x"}),
        json!({"LastName": 0}),
        json!({"LastName": false}),
    ] {
        assert!(check(&rules, &record(good.clone())).is_empty(), "{good}");
    }
}

#[test]
fn other_rules_skip_missing_values() {
    for r in [
        Rule::Email,
        Rule::E164,
        Rule::Country,
        Rule::MaxLength(1),
        Rule::Pattern("x".into()),
        Rule::OneOf(vec!["a".into()]),
        Rule::NonNegative,
    ] {
        assert!(one(r.clone(), Value::Null).is_empty(), "{r:?}");
        assert!(
            check(&[rule("F", r.clone())], &record(json!({}))).is_empty(),
            "{r:?}"
        );
    }
}

#[test]
fn e164() {
    assert!(one(Rule::E164, json!("+441632960123")).is_empty());
    assert!(one(Rule::E164, json!("+12025550123")).is_empty());
    for bad in [
        "01632 960123",
        "+44 1632 960123",
        "+4416",
        "+999123456789",
        "441632960123",
        "+44163296012345678",
    ] {
        assert_eq!(one(Rule::E164, json!(bad)).len(), 1, "{bad}");
    }
}

#[test]
fn country() {
    assert!(one(Rule::Country, json!("GB")).is_empty());
    for bad in ["gb", "GBR", "United Kingdom", "XX", "UK"] {
        let v = one(Rule::Country, json!(bad));
        assert_eq!(v.len(), 1, "{bad}");
        assert!(
            v[0].message.contains("ISO 3166-1 alpha-2"),
            "{}",
            v[0].message
        );
    }
}

#[test]
fn max_length_counts_characters() {
    assert!(one(Rule::MaxLength(3), json!("Zoë")).is_empty());
    let v = one(Rule::MaxLength(3), json!("Zoë!"));
    assert_eq!(v[0].rule, "max_length(3)");
    assert!(
        v[0].message
            .contains("is 4 characters long, more than the 3 allowed"),
        "{}",
        v[0].message
    );
    assert_eq!(one(Rule::MaxLength(2), json!(12345)).len(), 1);
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "x".repeat(100_000);
    let v = one(Rule::MaxLength(10), json!(long));
    assert!(v[0].message.chars().count() < 250, "{}", v[0].message);
    assert!(v[0].message.contains('…'));
    assert_eq!(
        v[0].value,
        json!(long),
        "the violation keeps the whole value"
    );
}

#[test]
fn pattern_matches_the_whole_value() {
    let r = Rule::Pattern("[A-Z]{3}".into());
    assert!(one(r.clone(), json!("GBP")).is_empty());
    assert_eq!(one(r.clone(), json!("GBPX")).len(), 1);
    assert_eq!(one(r.clone(), json!("xGBP")).len(), 1);
    let alternation = Rule::Pattern("a|b".into());
    assert_eq!(
        one(alternation, json!("ab")).len(),
        1,
        "alternation is grouped before anchoring"
    );
}

#[test]
fn invalid_pattern_is_reported_as_the_rule_being_wrong() {
    let r = Rule::Pattern("[unclosed".into());
    let v = one(r.clone(), json!("anything"));
    assert_eq!(v.len(), 1);
    assert!(
        v[0].message.contains("not a valid regular expression"),
        "{}",
        v[0].message
    );
    assert!(
        v[0].message.contains("fix the rule in the flow file"),
        "{}",
        v[0].message
    );
    let err = compile_rules(&[rule("Code", r)]).unwrap_err();
    assert!(
        err.contains("field Code") && err.contains("[unclosed"),
        "{err}"
    );
}

#[test]
fn compile_rules_accepts_good_rules_and_rejects_useless_ones() {
    let good = [
        rule("A", Rule::Pattern("\\d+".into())),
        rule("B", Rule::OneOf(vec!["x".into()])),
        rule("C", Rule::MaxLength(5)),
    ];
    assert_eq!(compile_rules(&good), Ok(()));
    let bad = [
        rule("B", Rule::OneOf(vec![])),
        rule("C", Rule::MaxLength(0)),
    ];
    let err = compile_rules(&bad).unwrap_err();
    assert!(err.contains("field B") && err.contains("field C"), "{err}");
}

#[test]
fn one_of() {
    let r = Rule::OneOf(vec![
        "Customer - Direct".into(),
        "Customer - Channel".into(),
    ]);
    assert!(one(r.clone(), json!("Customer - Direct")).is_empty());
    let v = one(r, json!("customer - direct"));
    assert!(
        v[0].message
            .contains("is not one of Customer - Direct, Customer - Channel"),
        "{}",
        v[0].message
    );
}

#[test]
fn non_negative() {
    for good in [
        json!("0"),
        json!("-0.00"),
        json!(5),
        json!("12.50"),
        json!(0.5),
    ] {
        assert!(one(Rule::NonNegative, good.clone()).is_empty(), "{good}");
    }
    for bad in [json!("-0.01"), json!(-3), json!("abc")] {
        assert_eq!(one(Rule::NonNegative, bad.clone()).len(), 1, "{bad}");
    }
}

#[test]
fn maps_and_lists_are_not_text() {
    let v = one(Rule::Email, json!({"a": 1}));
    assert!(
        v[0].message.contains("is a map where email expects text"),
        "{}",
        v[0].message
    );
}

#[test]
fn custom_message_keeps_field_and_value() {
    let spec = RuleSpec {
        field: "Type".into(),
        rule: Rule::OneOf(vec!["A".into()]),
        message: Some("add the customer group to tables.account_types".into()),
    };
    let v = check(&[spec], &record(json!({"Type": "Trade"})));
    assert_eq!(
        v[0].message,
        "Type \"Trade\": add the customer group to tables.account_types"
    );
}

#[test]
fn every_failing_rule_is_reported() {
    let rules = [
        rule("Email", Rule::Email),
        rule("LastName", Rule::Required),
        rule("Phone", Rule::E164),
    ];
    let v = check(&rules, &record(json!({"Email": "x", "Phone": "123"})));
    let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["Email", "LastName", "Phone"]);
}

#[test]
fn rules_parse_from_toml_as_flow_authors_write_them() {
    #[derive(serde::Deserialize)]
    struct T {
        rules: Vec<RuleSpec>,
    }
    let t: T = toml::from_str(
        r#"
        rules = [
          { field = "Email", rule = "email" },
          { field = "Name", rule = { max_length = 80 } },
          { field = "Code", rule = { pattern = "[A-Z]+" }, message = "upper case only" },
        ]
        "#,
    )
    .unwrap();
    assert_eq!(t.rules[1].rule, Rule::MaxLength(80));
    let v = check(
        &t.rules,
        &record(json!({"Email": "a@b.co", "Name": "n", "Code": "abc"})),
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule, "pattern(\"[A-Z]+\")");
}
