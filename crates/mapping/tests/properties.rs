//! Properties of the function library over generated input: decimal arithmetic is exact (no
//! float on the way), normalisers are idempotent on their own output, and no input — huge,
//! Unicode, control characters — makes a function panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_mapping::Env;
use ferry_mapping::functions::countries::COUNTRIES;
use ferry_mapping::functions::{address, phone};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::str::FromStr;

fn eval(expr: &str, ctx: Value) -> Result<Value, String> {
    Env::new()
        .compile(expr)
        .and_then(|e| e.eval(&ctx))
        .map_err(|e| e.to_string())
}

/// Decimal text with up to 12 integer and 10 fraction digits, either sign.
fn decimal_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        0u64..1_000_000_000_000,
        0u64..10_000_000_000,
        0usize..=10,
    )
        .prop_map(|(neg, int, frac, places)| {
            let frac = format!("{frac:010}");
            let sign = if neg { "-" } else { "" };
            if places == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{}", &frac[..places])
            }
        })
}

proptest! {
    #[test]
    fn dec_round_trips_text_exactly(text in decimal_text()) {
        let got = eval("dec(source.x)", json!({"source": {"x": text}})).unwrap();
        prop_assert_eq!(
            Decimal::from_str(got.as_str().unwrap()).unwrap(),
            Decimal::from_str(&text).unwrap()
        );
        prop_assert_eq!(got.as_str().unwrap().trim_start_matches('-'), text.trim_start_matches('-'));
    }

    #[test]
    fn add_then_sub_is_exact(a in decimal_text(), b in decimal_text()) {
        let got = eval("dec_sub(dec_add(source.a, source.b), source.b)", json!({"source": {"a": a, "b": b}})).unwrap();
        prop_assert_eq!(Decimal::from_str(got.as_str().unwrap()).unwrap(), Decimal::from_str(&a).unwrap());
    }

    #[test]
    fn mul_matches_decimal(a in decimal_text(), b in decimal_text()) {
        let got = eval("dec_mul(source.a, source.b)", json!({"source": {"a": a, "b": b}})).unwrap();
        let want = Decimal::from_str(&a).unwrap() * Decimal::from_str(&b).unwrap();
        prop_assert_eq!(Decimal::from_str(got.as_str().unwrap()).unwrap(), want);
    }

    #[test]
    fn json_floats_read_as_their_shortest_text(f in -1.0e9f64..1.0e9) {
        let got = eval("dec(source.x)", json!({"source": {"x": f}})).unwrap();
        let text = got.as_str().unwrap();
        // The decimal is the float's shortest round-trip text: reading it back gives the float.
        prop_assert_eq!(f64::from_str(text).unwrap(), f);
    }

    #[test]
    fn dec_round_is_idempotent_and_has_exact_places(text in decimal_text(), places in 0u32..6) {
        let once = eval(&format!("dec_round(source.x, {places})"), json!({"source": {"x": text}})).unwrap();
        let twice = eval(&format!("dec_round(source.x, {places})"), json!({"source": {"x": once}})).unwrap();
        prop_assert_eq!(&once, &twice);
        let s = once.as_str().unwrap();
        let frac = s.split_once('.').map_or(0, |(_, f)| f.len());
        prop_assert_eq!(frac, places as usize);
    }

    #[test]
    fn sum_over_equals_the_decimal_sum(values in proptest::collection::vec(decimal_text(), 0..20)) {
        let map: serde_json::Map<String, Value> = values.iter().enumerate()
            .map(|(i, v)| (i.to_string(), json!({"available": v}))).collect();
        let got = eval("sum_over(source.w, none, \"available\")", json!({"source": {"w": map}})).unwrap();
        let want: Decimal = values.iter().map(|v| Decimal::from_str(v).unwrap()).sum();
        prop_assert_eq!(Decimal::from_str(got.as_str().unwrap()).unwrap(), want);
    }

    #[test]
    fn phone_e164_is_idempotent(country in proptest::sample::select(vec!["GB", "US", "DE", "FR", "IT", "ES", "NL", "BE", "AU", "NZ", "IE", "ZA", "IN", "PL", "JP"]),
                                digits in "[0-9]{6,14}", seps in "[ -.()]{0,3}") {
        let input = format!("{}{seps}{}", &digits[..3], &digits[3..]);
        if let Ok(once) = phone::e164(&input, Some(country)) {
            prop_assert!(phone::is_e164(&once), "{} is not E.164 by is_e164", once);
            prop_assert_eq!(phone::e164(&once, None).unwrap(), once.clone());
            prop_assert_eq!(phone::e164(&once, Some("US")).unwrap(), once);
        }
    }

    #[test]
    fn postal_code_is_idempotent(code in "[A-Za-z0-9 -]{0,12}",
                                 country in proptest::sample::select(vec!["GB", "US", "CA", "NL", "IE", "DE", "FR", "AU", "JP"])) {
        let once = address::postal(&code, Some(country));
        prop_assert_eq!(address::postal(&once, Some(country)), once.clone());
        prop_assert_eq!(address::normalize(&address::normalize(&once)), address::normalize(&once));
    }

    #[test]
    fn no_function_panics_on_hostile_text(text in "\\PC{0,40}|[\\x00-\\x1f\\u{202e}\\u{feff}+0-9 ]{0,40}") {
        let ctx = json!({"source": {"x": text}, "tables": {"t": {"a": "b"}}});
        for expr in HOSTILE_EXPRS {
            // Errors are fine; a panic fails the test.
            let _ = eval(expr, ctx.clone());
        }
    }
}

const HOSTILE_EXPRS: &[&str] = &[
    "country_code(source.x)",
    "country_code3(source.x)",
    "country_name(source.x)",
    "state_code(\"US\", source.x)",
    "state_code(source.x, source.x)",
    "postal_code(source.x, \"GB\")",
    "postal_code(source.x, \"CA\")",
    "postal_code(source.x, \"IE\")",
    "postal_code(source.x, \"DE\")",
    "normalize_postal(source.x)",
    "join_lines(source.x, source.x, sep=source.x)",
    "split_lines(source.x, 3)",
    "phone_e164(source.x, \"GB\")",
    "phone_e164(source.x)",
    "phone_e164(\"01632 960123\", source.x)",
    "split_name(source.x)",
    "join_name(source.x, source.x)",
    "trim(source.x)",
    "coalesce(source.x)",
    "truncate_to(source.x, 3)",
    "title_case(source.x)",
    "slug(source.x)",
    "dec(source.x)",
    "dec_add(source.x, 1)",
    "dec_div(1, source.x)",
    "dec_round(source.x)",
    "convert(source.x, \"GBP\", \"EUR\", {\"EUR\": source.x}, \"GBP\")",
    "sum_over({\"1\": {\"a\": source.x}}, none, \"a\")",
    "to_utc(source.x)",
    "sf_datetime(source.x)",
    "date_only(source.x, source.x)",
    "format_date(\"2026-01-01\", source.x)",
    "newer(source.x, source.x)",
    "lookup(\"t\", source.x)",
    "lookup(source.x, \"a\")",
];

#[test]
fn huge_inputs_do_not_panic_and_errors_stay_short() {
    let huge = "9".repeat(1_000_000);
    let ctx = json!({"source": {"x": huge}, "tables": {"t": {}}});
    for expr in HOSTILE_EXPRS {
        if let Err(e) = eval(expr, ctx.clone()) {
            assert!(e.len() < 600, "{expr}: error of {} bytes", e.len());
        }
    }
    let letters = "a".repeat(1_000_000);
    let ctx = json!({"source": {"x": letters}});
    assert_eq!(
        eval("truncate_to(source.x, 3)", ctx.clone()).unwrap(),
        json!("aaa")
    );
    assert!(eval("phone_e164(source.x, \"GB\")", ctx).is_err());
}

#[test]
fn countries_are_complete() {
    assert_eq!(COUNTRIES.len(), 249, "ISO 3166-1 has 249 entries");
    let mut a2 = HashSet::new();
    let mut a3 = HashSet::new();
    for c in COUNTRIES {
        assert!(
            c.alpha2.len() == 2 && c.alpha2.chars().all(|c| c.is_ascii_uppercase()),
            "{c:?}"
        );
        assert!(
            c.alpha3.len() == 3 && c.alpha3.chars().all(|c| c.is_ascii_uppercase()),
            "{c:?}"
        );
        assert!(
            c.calling_code.chars().all(|c| c.is_ascii_digit()) && c.calling_code.len() <= 3,
            "{c:?}"
        );
        assert!(a2.insert(c.alpha2), "duplicate {}", c.alpha2);
        assert!(a3.insert(c.alpha3), "duplicate {}", c.alpha3);
        // Every name, alpha-2 and alpha-3 finds its own country.
        for text in [c.alpha2, c.alpha3, c.name] {
            assert_eq!(
                address::country(text).map(|x| x.alpha2),
                Some(c.alpha2),
                "{text}"
            );
        }
    }
    let mut sorted: Vec<_> = COUNTRIES.iter().map(|c| c.alpha2).collect();
    sorted.sort();
    assert_eq!(
        sorted,
        COUNTRIES.iter().map(|c| c.alpha2).collect::<Vec<_>>(),
        "kept in alpha-2 order"
    );
}

#[test]
fn calling_codes_are_a_prefix_code() {
    let codes: HashSet<&str> = COUNTRIES
        .iter()
        .map(|c| c.calling_code)
        .filter(|c| !c.is_empty())
        .collect();
    for a in &codes {
        for b in &codes {
            assert!(a == b || !b.starts_with(a), "{a} is a prefix of {b}");
        }
    }
}

#[test]
fn paths_leave_out_function_names() {
    let expr = Env::new()
        .compile("lookup(\"t\", trim(source.x), default=vars.d) | dec_round(2)")
        .unwrap();
    let paths: Vec<String> = expr.paths().into_iter().collect();
    assert_eq!(paths, ["source.x", "vars.d"]);
}

#[test]
fn odd_decimal_text_gives_errors_not_panics() {
    for text in [
        "1e999999999",
        "1e-99999",
        "9e28",
        "9e29",
        "-e",
        "1e",
        "e5",
        ".5",
        "5.",
        "--5",
        "1-2",
        "+-1",
        "1e+",
        "1E5",
        "79228162514264337593543950335",
        "79228162514264337593543950336",
        "0.0000000000000000000000000000001",
        "1,000,000",
        ",100",
        "1,00",
        "١٢٣",
        "１２３",
        "NaN",
        "inf",
        "-0",
    ] {
        let _ = eval("dec(source.x)", json!({"source": {"x": text}}));
        let _ = eval("dec_round(source.x, 28)", json!({"source": {"x": text}}));
        let _ = eval("dec_div(\"1\", source.x)", json!({"source": {"x": text}}));
        let _ = eval(
            "convert(source.x, \"A\", \"B\", {\"A\": source.x, \"B\": \"3\"})",
            json!({"source": {"x": text}}),
        );
    }
    assert_eq!(eval("dec(\".5\")", json!({})).unwrap(), json!("0.5"));
    assert!(eval("dec(\"NaN\")", json!({})).is_err());
    assert!(eval("dec(\"١٢٣\")", json!({})).is_err());
}

#[test]
fn every_function_is_documented_for_users() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping-functions.md"),
    )
    .unwrap();
    for name in ferry_mapping::functions::names() {
        assert!(
            docs.contains(&format!("`{name}(")),
            "{name} has no section in docs/mapping-functions.md"
        );
    }
}
