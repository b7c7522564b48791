//! Third-party interop: the real simple-salesforce client (Python, from PyPI) against
//! `ferry sandbox salesforce`. The sandbox runs as the user would run it, over HTTPS (the client
//! only speaks `https://`); the Python tests in `crates/sandbox/tests/interop` make the calls.
//!
//! `scripts/python-env` prepares the interpreter and prints `FERRY_TEST_PYTHON`; `scripts/test`
//! (and so CI) exports it. Without it the test is skipped locally, and fails under CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod interop_support;

use interop_support::{run_suite, start_sandbox};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the whole Python suite may run (it polls Bulk jobs; normally a few seconds).
const PYTEST_TIMEOUT: Duration = Duration::from_secs(600);

/// The interpreter from `scripts/python-env`, or `None` to skip (never under CI).
fn python() -> Option<PathBuf> {
    match std::env::var_os("FERRY_TEST_PYTHON") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ if std::env::var_os("CI").is_some() => panic!(
            "FERRY_TEST_PYTHON is not set under CI: scripts/test must run \
             `eval \"$(scripts/python-env)\"` before the tests"
        ),
        _ => {
            eprintln!(
                "SKIPPED sandbox_interop: FERRY_TEST_PYTHON is not set; run \
                 `eval \"$(scripts/python-env)\"` first (scripts/test does)"
            );
            None
        }
    }
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sandbox/tests/interop")
}

/// Writes `jwt_key.pem` and `jwt_cert.pem` into `dir` (the connected app's JWT signing pair).
fn make_jwt_keys(python: &Path, dir: &Path) {
    let output = Command::new(python)
        .arg(interop_dir().join("jwt_keys.py"))
        .arg(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run jwt_keys.py");
    assert!(
        output.status.success(),
        "jwt_keys.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs pytest on the interop folder; returns (success, combined output).
fn run_pytest(python: &Path, banner: &str, dir: &Path) -> (bool, String) {
    let mut command = Command::new(python);
    command
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"])
        .arg(interop_dir())
        .env("FERRY_SF_BANNER", banner)
        .env("FERRY_SF_JWT_KEY", dir.join("jwt_key.pem"))
        // Keep the source folder clean and the calls local.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "*");
    run_suite(command, "pytest", dir, PYTEST_TIMEOUT)
}

#[test]
fn simple_salesforce_works_against_the_sandbox() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_jwt_keys(&python, dir.path());
    let jwt_cert = dir.path().join("jwt_cert.pem");
    let (sandbox, banner, _) = start_sandbox(
        dir.path(),
        &[OsStr::new("--jwt-cert"), jwt_cert.as_os_str()],
    );
    let (passed, output) = run_pytest(&python, &banner, dir.path());
    drop(sandbox);
    assert!(
        passed,
        "simple-salesforce interop tests failed:\n{output}\nsandbox stderr:\n{}",
        std::fs::read_to_string(dir.path().join("sandbox.stderr")).unwrap_or_default()
    );
}
