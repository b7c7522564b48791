//! Third-party interop: the real simple-salesforce client (Python, from PyPI) against
//! `ferry sandbox salesforce`. The sandbox runs as the user would run it, over HTTPS (the client
//! only speaks `https://`); the Python tests in `crates/sandbox/tests/interop` make the calls.
//!
//! `scripts/python-env` prepares the interpreter and prints `FERRY_TEST_PYTHON`; `scripts/test`
//! (and so CI) exports it. Without it the test is skipped locally, and fails under CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the sandbox may take to print its banner.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the whole Python suite may run (it polls Bulk jobs; normally a few seconds).
const PYTEST_TIMEOUT: Duration = Duration::from_secs(600);

/// A child process that is killed when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

/// Starts `ferry sandbox salesforce --tls` on a free port and returns it with its banner line.
fn start_sandbox(dir: &Path) -> (KillOnDrop, String) {
    let stderr_path = dir.join("sandbox.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0", "--tls"])
        .arg("--cert-out")
        .arg(dir.join("ca.pem"))
        .arg("--jwt-cert")
        .arg(dir.join("jwt_cert.pem"))
        .args(["--data", "empty"])
        .env("FERRY_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start ferry sandbox salesforce");
    let mut sandbox = KillOnDrop(child);

    // Read the banner on a thread so a sandbox that never prints cannot hang the test; the
    // thread then drains stdout so the sandbox never blocks on a full pipe.
    let stdout = sandbox.0.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = match receiver.recv_timeout(START_TIMEOUT) {
        Ok(Ok(line)) if !line.trim().is_empty() => line.trim().to_string(),
        outcome => {
            drop(sandbox);
            panic!(
                "the sandbox printed no banner line ({outcome:?}); its stderr:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
    };
    let banner: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the banner is not one JSON object ({e}): {line}"));
    for key in [
        "instance_url",
        "access_token",
        "username",
        "password",
        "security_token",
        "client_id",
        "client_secret",
        "org_id",
        "user_id",
        "ca_cert",
    ] {
        assert!(banner.get(key).is_some(), "the banner has no {key}: {line}");
    }
    assert!(
        banner["instance_url"]
            .as_str()
            .unwrap()
            .starts_with("https://127.0.0.1:"),
        "{line}"
    );
    (sandbox, line)
}

/// Runs pytest on the interop folder; returns (success, combined output).
fn run_pytest(python: &Path, banner: &str, dir: &Path) -> (bool, String) {
    let output_path = dir.join("pytest.out");
    let output = std::fs::File::create(&output_path).unwrap();
    let child = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"])
        .arg(interop_dir())
        .env("FERRY_SF_BANNER", banner)
        .env("FERRY_SF_JWT_KEY", dir.join("jwt_key.pem"))
        // Keep the source folder clean and the calls local.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "*")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .expect("run pytest");
    let mut pytest = KillOnDrop(child);
    let deadline = Instant::now() + PYTEST_TIMEOUT;
    let status = loop {
        if let Some(status) = pytest.0.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut text = String::new();
    std::fs::File::open(&output_path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    match status {
        Some(status) => (status.success(), text),
        None => (false, format!("pytest ran over {PYTEST_TIMEOUT:?}\n{text}")),
    }
}

#[test]
fn simple_salesforce_works_against_the_sandbox() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_jwt_keys(&python, dir.path());
    let (sandbox, banner) = start_sandbox(dir.path());
    let (passed, output) = run_pytest(&python, &banner, dir.path());
    drop(sandbox);
    assert!(
        passed,
        "simple-salesforce interop tests failed:\n{output}\nsandbox stderr:\n{}",
        std::fs::read_to_string(dir.path().join("sandbox.stderr")).unwrap_or_default()
    );
}
