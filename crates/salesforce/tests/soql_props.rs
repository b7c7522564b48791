//! Property tests for the SOQL builder: any text survives escaping exactly and can never end
//! its literal early; names are accepted exactly when they follow Salesforce's API-name rule;
//! and, end to end, the sandbox's SOQL parser finds a record by a hostile name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_salesforce::soql::{Cond, Ident, Pattern, Soql, Value, escape_text};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Text built to break a naive escaper: quotes, backslashes, control characters, SOQL
/// fragments, and arbitrary Unicode.
fn hostile() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("'".to_string()),
        Just("\\".to_string()),
        Just("\\'".to_string()),
        Just("\"".to_string()),
        Just("' OR Id != null --".to_string()),
        Just("') OR (Name LIKE '%".to_string()),
        Just("\n\r\t\u{8}\u{c}".to_string()),
        Just("\u{0}\u{1}\u{7f}\u{2028}".to_string()),
        Just("%_".to_string()),
        Just("\\u0027".to_string()),
        Just("é😀".to_string()),
        any::<char>().prop_map(String::from),
        "[ -~]{0,6}",
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat()),
    ]
}

/// An independent reading of a SOQL string literal's body (the quotes stripped), following
/// Salesforce's documented escape sequences. With `like`, `\_` and `\%` are accepted too, and
/// the second value says whether a bare (live) wildcard was seen.
fn unescape(body: &str, like: bool) -> Result<(String, bool), String> {
    let mut out = String::new();
    let mut wildcard = false;
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some('r' | 'R') => out.push('\r'),
                Some('t' | 'T') => out.push('\t'),
                Some('b' | 'B') => out.push('\u{8}'),
                Some('f' | 'F') => out.push('\u{c}'),
                Some(c @ ('\'' | '"' | '\\')) => out.push(c),
                Some(c @ ('_' | '%')) if like => out.push(c),
                other => return Err(format!("illegal escape \\{other:?}")),
            },
            '\'' => return Err("unescaped quote inside the literal".into()),
            '_' | '%' if like => {
                wildcard = true;
                out.push(c);
            }
            other => out.push(other),
        }
    }
    Ok((out, wildcard))
}

/// Splits a query into its string literals the way a SOQL lexer would: a quote opens, a
/// backslash takes the next character, the next bare quote closes. Returns the byte spans of
/// the literal bodies; an unterminated literal is an error.
fn literals(query: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut spans = Vec::new();
    let mut chars = query.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\'' {
            continue;
        }
        let start = at + 1;
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '\'' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        match end {
            Some(end) => spans.push((start, end)),
            None => return Err(format!("unterminated literal from byte {at}")),
        }
    }
    Ok(spans)
}

/// The one literal of `query`, which must be the whole tail after `prefix`.
fn only_literal<'a>(query: &'a str, prefix: &str) -> &'a str {
    let spans = literals(query).unwrap();
    assert_eq!(spans.len(), 1, "exactly one literal in {query:?}");
    let (start, end) = spans[0];
    assert_eq!(
        &query[..start],
        format!("{prefix}'"),
        "nothing before the literal moved"
    );
    assert_eq!(
        end,
        query.len() - 1,
        "the literal closes at the very end of {query:?}"
    );
    &query[start..end]
}

proptest! {
    #![proptest_config(Config { cases: 2_000, ..Config::default() })]

    #[test]
    fn text_round_trips_through_one_literal(s in hostile()) {
        let query = Soql::select(["Id"]).from("Account")
            .filter(Cond::eq("Name", Value::text(s.clone())))
            .build().unwrap().to_string();
        let body = only_literal(&query, "SELECT Id FROM Account WHERE Name = ");
        prop_assert_eq!(body, escape_text(&s));
        let (decoded, _) = unescape(body, false).unwrap();
        prop_assert_eq!(decoded, s);
    }

    #[test]
    fn exact_like_patterns_have_no_live_wildcards(s in hostile()) {
        let query = Soql::select(["Id"]).from("Account")
            .filter(Cond::like("Name", Pattern::exact(&s)))
            .build().unwrap().to_string();
        let body = only_literal(&query, "SELECT Id FROM Account WHERE Name LIKE ");
        let (decoded, wildcard) = unescape(body, true).unwrap();
        prop_assert!(!wildcard, "an unescaped wildcard in {body:?}");
        prop_assert_eq!(decoded, s);
    }

    #[test]
    fn in_lists_keep_every_value_in_its_own_literal(values in prop::collection::vec(hostile(), 1..8)) {
        let query = Soql::select(["Id"]).from("Account")
            .filter(Cond::is_in("Name", values.iter().map(Value::text)))
            .build().unwrap().to_string();
        let spans = literals(&query).unwrap();
        prop_assert_eq!(spans.len(), values.len());
        for ((start, end), value) in spans.into_iter().zip(&values) {
            prop_assert_eq!(&unescape(&query[start..end], false).unwrap().0, value);
        }
        prop_assert!(query.ends_with("')"));
    }

    #[test]
    fn valid_generated_names_are_accepted(path in valid_path()) {
        prop_assert!(Ident::field(&path).is_ok(), "{path:?} refused: {:?}", Ident::field(&path));
        let query = Soql::select([path.as_str()]).from("Account").build().unwrap();
        prop_assert_eq!(query.to_string(), format!("SELECT {path} FROM Account"));
    }

    #[test]
    fn broken_names_are_refused(path in broken_path()) {
        prop_assert!(Ident::field(&path).is_err(), "{path:?} accepted");
        let query = Soql::select(["Id"]).from("Account").filter(Cond::is_null(&path));
        prop_assert!(query.build().is_err());
    }

    #[test]
    fn any_accepted_name_is_made_of_name_characters_only(s in any::<String>()) {
        if Ident::field(&s).is_ok() {
            prop_assert!(!s.is_empty());
            prop_assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'));
            prop_assert!(s.split('.').all(|seg| seg.starts_with(|c: char| c.is_ascii_alphabetic())));
        }
    }
}

/// One valid name segment: standard (`Billing_City`), custom (`Ext_Id__c`), relationship
/// (`Parent__r`) or namespaced (`ns__Field__c`).
fn valid_segment() -> impl Strategy<Value = String> {
    let base = "[A-Za-z][A-Za-z0-9]{0,10}(_[A-Za-z0-9]{1,5}){0,2}";
    (
        proptest::option::of("[a-z][a-z0-9]{1,7}"),
        base,
        prop_oneof![
            Just(""),
            Just("__c"),
            Just("__r"),
            Just("__C"),
            Just("__mdt")
        ],
    )
        .prop_map(|(namespace, base, suffix)| match namespace {
            Some(ns) if !suffix.is_empty() => format!("{ns}__{base}{suffix}"),
            _ => format!("{base}{suffix}"),
        })
}

fn valid_path() -> impl Strategy<Value = String> {
    prop::collection::vec(valid_segment(), 1..=4).prop_map(|segments| segments.join("."))
}

/// A valid path with one rule broken.
fn broken_path() -> impl Strategy<Value = String> {
    let bad_char = prop_oneof![
        Just(' '),
        Just('\''),
        Just('"'),
        Just('\\'),
        Just('-'),
        Just(';'),
        Just('('),
        Just(','),
        Just('\n'),
        Just('\u{0}'),
        Just('é'),
        Just('$'),
        Just('*'),
    ];
    (
        valid_path(),
        bad_char,
        any::<prop::sample::Index>(),
        0..7usize,
    )
        .prop_map(|(path, bad, index, kind)| match kind {
            0 => {
                let at = index.index(path.len() + 1);
                format!("{}{bad}{}", &path[..at], &path[at..])
            }
            1 => format!("{}{path}", index.index(10)),
            2 => format!("_{path}"),
            3 => format!("{path}_"),
            4 => match path.find('.') {
                Some(at) => format!("{}..{}", &path[..at], &path[at + 1..]),
                None => format!(".{path}"),
            },
            5 => format!("{path}___x"),
            _ => format!("{path}__zz9"),
        })
}

/// End to end: the sandbox's own SOQL parser must find a record by a hostile name through a
/// query this builder wrote, and find only that record.
#[test]
fn the_sandbox_finds_a_record_by_any_name() {
    use ferry_sandbox::salesforce::Sandbox;
    use ferry_sandbox::salesforce::api::{DataSet, Options};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = runtime
        .block_on(Sandbox::start(Options {
            data: DataSet::Empty,
            ..Options::default()
        }))
        .unwrap();
    let base = format!("{}/services/data/v62.0", sandbox.banner.instance_url);
    let token = sandbox.banner.access_token.clone();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    // Salesforce requires a Name that is not blank and at most 255 characters.
    let names = hostile().prop_filter("a valid Account Name", |s| {
        !s.trim().is_empty() && s.chars().count() <= 255
    });
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&names, |name| {
            runtime.block_on(async {
                let created = http
                    .post(format!("{base}/sobjects/Account"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "Name": name }))
                    .send()
                    .await
                    .unwrap();
                let status = created.status();
                let body: serde_json::Value = created.json().await.unwrap();
                prop_assert_eq!(status.as_u16(), 201, "create {:?}: {}", name, body);
                let id = body["id"].as_str().unwrap().to_string();

                let soql = Soql::select(["Id", "Name"])
                    .from("Account")
                    .filter(Cond::eq("Name", Value::text(name.clone())))
                    .build()
                    .unwrap()
                    .to_string();
                let answer = http
                    .get(format!("{base}/query"))
                    .bearer_auth(&token)
                    .query(&[("q", &soql)])
                    .send()
                    .await
                    .unwrap();
                let status = answer.status();
                let page: serde_json::Value = answer.json().await.unwrap();
                // Delete first, so a failing case leaves nothing behind for the next one.
                let deleted = http
                    .delete(format!("{base}/sobjects/Account/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                prop_assert_eq!(deleted.status().as_u16(), 204);
                prop_assert_eq!(status.as_u16(), 200, "query {:?}: {}", soql, page);
                let records = page["records"].as_array().unwrap();
                prop_assert_eq!(records.len(), 1, "query {:?}: {}", soql, page);
                prop_assert_eq!(records[0]["Id"].as_str(), Some(id.as_str()));
                prop_assert_eq!(records[0]["Name"].as_str(), Some(name.as_str()));
                Ok(())
            })
        })
        .unwrap();
    drop(sandbox);
}
