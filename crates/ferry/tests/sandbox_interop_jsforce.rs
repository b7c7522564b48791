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

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the sandbox may take to print its banner.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the whole Node suite may run (it polls Bulk jobs; normally a few seconds).
const NODE_TIMEOUT: Duration = Duration::from_secs(600);

/// A child process that is killed when the test ends, passed or not.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

/// Starts `ferry sandbox salesforce --tls` on a free port; returns it, its banner line and the
/// parsed banner.
fn start_sandbox(dir: &Path) -> (KillOnDrop, String, serde_json::Value) {
    let stderr_path = dir.join("sandbox.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0", "--tls"])
        .arg("--cert-out")
        .arg(dir.join("ca.pem"))
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
    (sandbox, line, banner)
}

/// Runs `node --test` on the jsforce files, one file at a time; returns (success, combined
/// output).
fn run_node(modules: &Path, line: &str, ca_cert: &Path, dir: &Path) -> (bool, String) {
    let output_path = dir.join("node.out");
    let output = std::fs::File::create(&output_path).unwrap();
    let child = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .args(test_files())
        .env("FERRY_SF_BANNER", line)
        .env("NODE_PATH", modules)
        .env("NODE_EXTRA_CA_CERTS", ca_cert)
        // The calls stay local, and no colour codes end up in the failure message.
        .env("NO_PROXY", "*")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .expect("run node (Node.js 20 or later must be on PATH; scripts/node-env installs it)");
    let mut node = KillOnDrop(child);
    let deadline = Instant::now() + NODE_TIMEOUT;
    let status = loop {
        if let Some(status) = node.0.try_wait().unwrap() {
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
        None => (
            false,
            format!("node --test ran over {NODE_TIMEOUT:?}\n{text}"),
        ),
    }
}

#[test]
fn jsforce_works_against_the_sandbox() {
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, line, banner) = start_sandbox(dir.path());
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
