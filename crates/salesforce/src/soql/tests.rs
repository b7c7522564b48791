use super::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn soql(query: Soql) -> String {
    query.build().unwrap().to_string()
}

#[test]
fn renders_every_condition_kind() {
    let query = Soql::select(["Id", "Name", "Account.Name", "id"])
        .from("Contact")
        .filter(Cond::eq("ExternalID__c", Value::text("O'Brien")))
        .and(Cond::ne("Email", Value::null()))
        .and(Cond::lt(
            "Amount__c",
            Value::decimal(Decimal::from_str("10.50").unwrap()),
        ))
        .and(Cond::le("Count__c", Value::int(3)))
        .and(Cond::gt(
            "SystemModstamp",
            Value::relative(DateLiteral::LastNDays(7)),
        ))
        .and(Cond::ge("Active__c", Value::bool(true)))
        .and(Cond::like("Name", Pattern::starts_with("50%_")))
        .and(Cond::is_in(
            "AccountId",
            [
                Value::id("001D000000IRFma").unwrap(),
                Value::id("0015f00002J9YYE").unwrap(),
            ],
        ))
        .and(Cond::not_in(
            "Status__c",
            [Value::text("a"), Value::text("b")],
        ))
        .and(Cond::is_null("Phone"))
        .and(Cond::any([
            Cond::eq("A__c", Value::int(1)),
            Cond::eq("B__c", Value::int(2)),
        ]))
        .and(!Cond::eq("C__c", Value::int(3)))
        .order_by("Name", Order::Asc)
        .order_by_nulls("Id", Order::Desc, Nulls::Last)
        .limit(200)
        .offset(10);
    assert_eq!(
        soql(query),
        "SELECT Id, Name, Account.Name FROM Contact WHERE ExternalID__c = 'O\\'Brien' \
         AND Email != null AND Amount__c < 10.50 AND Count__c <= 3 \
         AND SystemModstamp > LAST_N_DAYS:7 AND Active__c >= true AND Name LIKE '50\\%\\_%' \
         AND AccountId IN ('001D000000IRFma', '0015f00002J9YYE') \
         AND Status__c NOT IN ('a', 'b') AND Phone = null AND (A__c = 1 OR B__c = 2) \
         AND NOT (C__c = 3) ORDER BY Name ASC, Id DESC NULLS LAST LIMIT 200 OFFSET 10"
    );
}

#[test]
fn groups_nest_with_parentheses() {
    let cond = Cond::eq("A__c", Value::int(1))
        .or(Cond::eq("B__c", Value::int(2)).and(Cond::eq("C__c", Value::int(3))));
    assert_eq!(
        soql(Soql::count().from("Account").filter(cond)),
        "SELECT COUNT() FROM Account WHERE A__c = 1 OR (B__c = 2 AND C__c = 3)"
    );
}

#[test]
fn problems_surface_at_build_with_the_field_named() {
    let error = |query: Soql| query.build().unwrap_err().to_string();
    assert!(
        error(
            Soql::select(["Id"])
                .from("Account")
                .filter(Cond::eq("Name' OR", Value::null()))
        )
        .contains("\"Name' OR\"")
    );
    assert!(error(Soql::select(["Id", "x y"]).from("Account")).contains("field name \"x y\""));
    assert!(error(Soql::select(["Id"]).from("Account; DELETE")).contains("object name"));
    assert!(error(Soql::select(["Id"])).contains("Soql::from"));
    assert!(error(Soql::select(Vec::<&str>::new()).from("Account")).contains("Soql::select"));
    assert!(
        error(
            Soql::select(["Id"])
                .from("Account")
                .filter(Cond::lt("Amount", Value::null()))
        )
        .contains("Amount")
    );
    assert!(
        error(
            Soql::select(["Id"])
                .from("Account")
                .filter(Cond::is_in("Id", []))
        )
        .contains("IN list is empty")
    );
    assert!(error(Soql::select(["Id"]).from("Account").filter(Cond::any([]))).contains("OR"));
    assert!(error(Soql::select(["Id"]).from("Account").offset(2001)).contains("OFFSET"));
    assert!(
        error(
            Soql::select(["Id"])
                .from("Account")
                .order_by("1", Order::Asc)
        )
        .contains("ORDER BY field")
    );
}

#[test]
fn in_chunks_stay_under_the_limit_and_keep_every_value() {
    let ids: Vec<String> = (0..2_000).map(|i| format!("EXT-{i:05}")).collect();
    let base = Soql::select(["Id", "ExternalID__c"])
        .from("Account")
        .filter(Cond::not_null("Name").or(Cond::eq("Type", Value::text("x"))))
        .order_by("Id", Order::Asc);
    for limit in [
        LengthLimit::get(),
        LengthLimit::Soql(5_000),
        LengthLimit::Url(2_000),
    ] {
        let chunks = base
            .in_chunks("ExternalID__c", ids.iter().map(Value::text), limit)
            .unwrap();
        assert!(chunks.len() > 1, "{limit:?}");
        let mut seen = 0;
        for (i, chunk) in chunks.iter().enumerate() {
            let text = chunk.to_string();
            assert!(limit.measure(&text) <= limit.max(), "{limit:?}");
            assert!(text.starts_with(
                "SELECT Id, ExternalID__c FROM Account WHERE (Name != null OR Type = 'x') \
                 AND ExternalID__c IN ('"
            ));
            assert!(text.ends_with(") ORDER BY Id ASC"));
            seen += text.matches("'EXT-").count();
            // Greedy packing: the next value would not have fit.
            if let Some(next) = chunks.get(i + 1) {
                let first_next = next
                    .as_str()
                    .split("IN (")
                    .nth(1)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap();
                let grown = limit.measure(&text)
                    + limit.measure(", ")
                    + limit.measure(first_next.trim_end_matches(") ORDER BY Id ASC"));
                assert!(
                    grown > limit.max(),
                    "{limit:?} chunk {i} could take one more"
                );
            }
        }
        assert_eq!(seen, ids.len());
    }
    assert!(
        base.in_chunks("ExternalID__c", [], LengthLimit::get())
            .unwrap()
            .is_empty()
    );
    let huge = "x".repeat(20_000);
    assert!(matches!(
        base.in_chunks("ExternalID__c", [Value::text(huge)], LengthLimit::get()),
        Err(SoqlError::TooLong { .. })
    ));
}

#[test]
fn a_query_over_the_soql_limit_is_refused() {
    let values = (0..20_000).map(|i| Value::text(format!("value-{i}")));
    let query = Soql::select(["Id"])
        .from("Account")
        .filter(Cond::is_in("Name", values));
    assert!(matches!(query.build(), Err(SoqlError::TooLong { .. })));
}
