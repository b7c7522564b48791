//! The function library's data-driven cases: every `tests/cases/*.toml` file holds
//! `[[case]]` tables with a `name`, an `expr`, an optional `context` (JSON text), and either
//! `expect` (the result as JSON text) or `error` (a substring of the error message). Every
//! failing case is reported by file and name, not just the first. A compile error counts as
//! an error of the case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_mapping::Env;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    expr: String,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn run(case: &Case) -> Result<(), String> {
    let env = Env::new();
    let ctx: Value = match &case.context {
        Some(text) => serde_json::from_str(text).map_err(|e| format!("bad context JSON: {e}"))?,
        None => serde_json::json!({}),
    };
    let got = env.compile(&case.expr).and_then(|expr| expr.eval(&ctx));
    match (&case.expect, &case.error, got) {
        (Some(expect), None, Ok(value)) => {
            let want: Value =
                serde_json::from_str(expect).map_err(|e| format!("bad expect JSON: {e}"))?;
            if value == want {
                Ok(())
            } else {
                Err(format!("expected {want}, got {value}"))
            }
        }
        (Some(_), None, Err(e)) => Err(format!("expected a value, got error: {e}")),
        (None, Some(want), Err(e)) => {
            let text = e.to_string();
            if text.contains(want.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "expected an error containing {want:?}, got: {text}"
                ))
            }
        }
        (None, Some(want), Ok(value)) => Err(format!(
            "expected an error containing {want:?}, got {value}"
        )),
        _ => Err("a case needs exactly one of `expect` and `error`".to_string()),
    }
}

#[test]
fn every_case_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let (mut total, mut failures) = (0, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let file: File = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a case file: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for case in &file.case {
            total += 1;
            if let Err(why) = run(case) {
                failures.push(format!("{stem} / {}: `{}`: {why}", case.name, case.expr));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
