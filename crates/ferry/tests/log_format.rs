//! Structured logs from the real binary: `[log] format = "json"` or `FERRY_LOG_FORMAT=json`
//! makes `ferry worker` write one JSON object per line to stderr (timestamp, level, target,
//! fields.message); the default stays human-readable text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Deployment, ferry, output};
use serde_json::Value;

/// Runs `ferry worker` until it is idle, with `FERRY_LOG=info` and the given extra variables,
/// and returns its stderr.
fn worker_stderr(deployment: &Deployment, env: &[(&str, &str)]) -> String {
    let mut command = ferry(deployment.path());
    command
        .env("FERRY_LOG", "info")
        .args(["worker", "--exit-when-idle", "100"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let run = output(&mut command);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "ferry worker failed: {stderr}");
    stderr
}

/// Every non-empty line is a JSON object with the fields log collectors index; returns them.
fn json_lines(stderr: &str) -> Vec<Value> {
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\nall:\n{stderr}"));
            assert!(value.is_object(), "{line}");
            for key in ["timestamp", "level", "target"] {
                assert!(value[key].is_string(), "no {key} in {line}");
            }
            assert!(
                value["fields"]["message"].is_string(),
                "no message in {line}"
            );
            value
        })
        .collect();
    assert!(!lines.is_empty(), "no log lines at all");
    lines
}

/// The worker's closing line, with its counters as JSON numbers.
fn assert_totals_line(lines: &[Value]) {
    let totals = lines
        .iter()
        .find(|l| l["fields"]["message"] == "worker totals")
        .unwrap_or_else(|| panic!("no `worker totals` line in {lines:?}"));
    assert_eq!(totals["level"], "INFO", "{totals}");
    assert_eq!(totals["fields"]["succeeded"], 0, "{totals}");
    assert_eq!(totals["fields"]["dead_lettered"], 0, "{totals}");
}

#[test]
fn ferry_log_format_json_prints_json_lines() {
    let deployment = Deployment::sqlite("");
    let text = worker_stderr(&deployment, &[]);
    assert!(text.contains("worker totals"), "{text}");
    assert!(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| serde_json::from_str::<Value>(l).is_err()),
        "the default format is text, not JSON:\n{text}"
    );

    let lines = json_lines(&worker_stderr(&deployment, &[("FERRY_LOG_FORMAT", "json")]));
    assert_totals_line(&lines);
}

#[test]
fn log_format_json_in_ferry_toml_prints_json_lines() {
    let deployment = Deployment::sqlite("");
    let config = std::fs::read_to_string(deployment.config()).unwrap();
    let config = config.replacen("[log]\n", "[log]\nformat = \"json\"\n", 1);
    assert!(config.contains("[log]\nformat = \"json\"\n"), "{config}");
    std::fs::write(deployment.config(), config).unwrap();
    let lines = json_lines(&worker_stderr(&deployment, &[]));
    assert_totals_line(&lines);

    // A wrong value is refused with the choices, before anything runs.
    let run = output(
        ferry(deployment.path())
            .env("FERRY_LOG_FORMAT", "xml")
            .args(["worker", "--exit-when-idle", "100"]),
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("FERRY_LOG_FORMAT") && stderr.contains("`json`"),
        "{stderr}"
    );
}
