//! Third-party interop: the real jsforce client (Node.js, from npm) against
//! `ferry sandbox salesforce`. The sandbox runs as the user would run it, over HTTPS; the tests in
//! `crates/sandbox/tests/interop/jsforce` make the calls with Node's built-in test runner, one
//! file after another (the last one expires every session).
//!
//! `scripts/node-env` installs the pinned jsforce and prints `FERRY_TEST_NODE_MODULES`;
//! `scripts/test` (and so CI) exports it. Without it the test is skipped locally, and fails under
//! CI. Node trusts the sandbox's CA through `NODE_EXTRA_CA_CERTS` and finds jsforce through
//! `NODE_PATH`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod interop_support;

use interop_support::{run_suite, start_sandbox};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long the whole Node suite may run (it polls Bulk jobs; normally a few seconds).
const NODE_TIMEOUT: Duration = Duration::from_secs(600);

/// The modules folder from `scripts/node-env`, or `None` to skip (never under CI).
fn node_modules() -> Option<PathBuf> {
    match std::env::var_os("FERRY_TEST_NODE_MODULES") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            assert!(
                path.join("jsforce").join("package.json").is_file(),
                "FERRY_TEST_NODE_MODULES={} holds no jsforce; run `eval \"$(scripts/node-env)\"`",
                path.display()
            );
            Some(path)
        }
        _ if std::env::var_os("CI").is_some() => panic!(
            "FERRY_TEST_NODE_MODULES is not set under CI: scripts/test must run \
             `eval \"$(scripts/node-env)\"` before the tests"
        ),
        _ => {
            eprintln!(
                "SKIPPED sandbox_interop_jsforce: FERRY_TEST_NODE_MODULES is not set; run \
                 `eval \"$(scripts/node-env)\"` first (scripts/test does)"
            );
            None
        }
    }
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sandbox/tests/interop/jsforce")
}

/// The test files, in the order they run: by name, except that the session-expiry file (which
/// ends every token) comes last.
fn test_files() -> Vec<PathBuf> {
    const LAST: &str = "session_expiry.test.js";
    let mut files: Vec<PathBuf> = std::fs::read_dir(tests_dir())
        .expect("read the jsforce tests folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.js"))
        .collect();
    files.sort_by_key(|path| (path.ends_with(LAST), path.clone()));
    assert!(
        files.len() > 1 && files.last().unwrap().ends_with(LAST),
        "expected several *.test.js files and {LAST} in {}",
        tests_dir().display()
    );
    files
}

/// Runs `node --test` on the jsforce files, one file at a time; returns (success, combined
/// output).
fn run_node(modules: &Path, line: &str, ca_cert: &Path, dir: &Path) -> (bool, String) {
    let mut command = Command::new("node");
    command
        // --test-force-exit: a file whose tests have all finished ends even if jsforce left a
        // poll timer or kept-alive socket behind; under load one such handle kept a run
        // waiting for the whole timeout after every test had passed.
        .args([
            "--test",
            "--test-reporter=spec",
            "--test-concurrency=1",
            "--test-force-exit",
        ])
        .args(test_files())
        .env("FERRY_SF_BANNER", line)
        .env("NODE_PATH", modules)
        .env("NODE_EXTRA_CA_CERTS", ca_cert)
        // The calls stay local, and no colour codes end up in the failure message.
        .env("NO_PROXY", "*")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("NO_COLOR", "1");
    run_suite(command, "node", dir, NODE_TIMEOUT)
}

#[test]
fn jsforce_works_against_the_sandbox() {
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, line, banner) = start_sandbox(dir.path(), &[]);
    let ca_cert = PathBuf::from(banner["ca_cert"].as_str().expect("ca_cert is a path"));
    assert!(ca_cert.is_file(), "the banner's ca_cert is no file: {line}");
    let (passed, output) = run_node(&modules, &line, &ca_cert, dir.path());
    drop(sandbox);
    assert!(
        passed,
        "jsforce interop tests failed:\n{output}\nsandbox stderr:\n{}",
        std::fs::read_to_string(dir.path().join("sandbox.stderr")).unwrap_or_default()
    );
    // A run that made no call at all (say, a file that defined no tests) is no pass.
    let passed_tests = summary_count(&output, "pass");
    assert!(
        passed_tests.is_some_and(|n| n > 0) && summary_count(&output, "fail") == Some(0),
        "node --test ran no test:\n{output}"
    );
}

/// A count from the spec reporter's summary (`ℹ pass 24`).
fn summary_count(output: &str, name: &str) -> Option<u64> {
    output.lines().find_map(|line| {
        let rest = line.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        rest.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}
