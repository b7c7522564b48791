//! `ferry sandbox salesforce` as a user runs it: one JSON line with the credentials on
//! stdout, a working org behind it, a clean exit on SIGTERM with the state saved, and one
//! `error:` line for a bad flag.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ferry, output, wait_with_limit};
use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BANNER_KEYS: [&str; 9] = [
    "instance_url",
    "access_token",
    "username",
    "password",
    "security_token",
    "client_id",
    "client_secret",
    "org_id",
    "user_id",
];

/// A running `ferry sandbox salesforce` and its start-up line.
struct Running {
    child: Child,
    banner: Json,
    /// Everything printed on stdout after the start-up line (collected until exit).
    rest: mpsc::Receiver<String>,
}

fn start(dir: &Path, args: &[&str]) -> Running {
    let mut child = ferry(dir)
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ferry sandbox salesforce");
    let stdout = child.stdout.take().unwrap();
    let (first_tx, first_rx) = mpsc::channel();
    let (rest_tx, rest_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = first_tx.send(line);
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        let _ = rest_tx.send(rest);
    });
    let line = match first_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("no start-up line within 30 s");
        }
    };
    assert!(
        line.ends_with('\n'),
        "the start-up line is one whole line: {line:?}"
    );
    let banner: Json = serde_json::from_str(&line).expect("the start-up line is JSON");
    Running {
        child,
        banner,
        rest: rest_rx,
    }
}

impl Running {
    fn text(&self, key: &str) -> &str {
        self.banner[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {}", self.banner))
    }

    /// SIGTERM, then the exit status and whatever else went to stdout.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = wait_with_limit(&mut self.child, Duration::from_secs(30));
        let rest = self
            .rest
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_default();
        (exit, rest)
    }
}

/// A plain HTTP/1.1 GET; returns the status code and the body.
fn http_get(instance_url: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let address = instance_url
        .strip_prefix("http://")
        .expect("an http:// instance_url");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Accept: application/json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn prints_one_json_line_serves_and_saves_its_state_on_sigterm() {
    // No ferry.toml anywhere: the sandbox does not need one.
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("org.json");
    let running = start(
        dir.path(),
        &[
            "--data",
            "empty",
            "--state-file",
            state_file.to_str().unwrap(),
        ],
    );
    for key in BANNER_KEYS {
        assert!(
            !running.text(key).is_empty(),
            "{key} empty in {}",
            running.banner
        );
    }
    assert!(
        running.banner.get("ca_cert").is_none(),
        "{}",
        running.banner
    );
    let instance_url = running.text("instance_url").to_string();
    assert!(
        instance_url.starts_with("http://127.0.0.1:"),
        "{instance_url}"
    );
    assert!(
        !instance_url.ends_with(":0"),
        "port 0 is replaced by the real port: {instance_url}"
    );

    let token = running.text("access_token").to_string();
    let (status, body) = http_get(&instance_url, "/services/data/v59.0/limits", Some(&token));
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(&instance_url, "/services/data/v59.0/limits", None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("INVALID_SESSION_ID"), "{body}");

    let (exit, rest) = running.terminate();
    assert_eq!(exit.code(), Some(0));
    assert_eq!(rest, "", "nothing but the start-up line on stdout");
    let saved: Json = serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
}

#[test]
fn an_outage_flag_takes_the_data_api_down_for_its_window() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), &["--data", "empty", "--outage", "0:600"]);
    let instance_url = running.text("instance_url").to_string();
    let token = running.text("access_token").to_string();
    let (status, body) = http_get(&instance_url, "/services/data/v59.0/limits", Some(&token));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("SERVER_UNAVAILABLE"), "{body}");
    // The versions list is not a data call and stays up.
    let (status, _) = http_get(&instance_url, "/services/data/", None);
    assert_eq!(status, 200);
    let (exit, _) = running.terminate();
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn access_token_flag_is_accepted_and_tls_writes_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("sandbox-ca.pem");
    let running = start(
        dir.path(),
        &[
            "--data",
            "empty",
            "--tls",
            "--cert-out",
            ca.to_str().unwrap(),
            "--access-token",
            "fixed-test-token",
        ],
    );
    assert!(
        running
            .text("instance_url")
            .starts_with("https://127.0.0.1:")
    );
    assert_eq!(running.text("access_token"), "fixed-test-token");
    assert_eq!(running.text("ca_cert"), ca.to_str().unwrap());
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let (exit, _) = running.terminate();
    assert_eq!(exit.code(), Some(0));
}

/// Exit code 1 and exactly one `error:` line containing every fragment.
fn fails_with(args: &[&str], fragments: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = output(ferry(dir.path()).args(args));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code of {args:?}; stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one line expected for {args:?}, got: {stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for fragment in fragments {
        assert!(
            lines[0].contains(fragment),
            "{fragment:?} missing in: {stderr}"
        );
    }
}

#[test]
fn bad_flags_are_one_error_line_naming_the_flag_and_the_fix() {
    fn sf<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["sandbox", "salesforce"];
        args.extend_from_slice(extra);
        args
    }
    fails_with(
        &sf(&["--error-rate", "2"]),
        &["--error-rate", "from 0 to 1"],
    );
    fails_with(
        &sf(&["--reset-rate", "often"]),
        &["--reset-rate", "from 0 to 1"],
    );
    fails_with(&sf(&["--listen", "nonsense"]), &["--listen", "HOST:PORT"]);
    fails_with(&sf(&["--data", "foo"]), &["--data", "demo", "empty"]);
    fails_with(
        &sf(&["--daily-api-limit", "-5"]),
        &["--daily-api-limit", "whole number"],
    );
    fails_with(&sf(&["--cert-out", "ca.pem"]), &["--cert-out", "--tls"]);
    fails_with(
        &sf(&["--schema", "missing.toml"]),
        &["--schema", "missing.toml"],
    );
    fails_with(&sf(&["--outage", "600"]), &["--outage", "AFTER:SECONDS"]);
    fails_with(&sf(&["--outage", "10:-1"]), &["--outage", "AFTER:SECONDS"]);
    // `ferry sandbox` alone is the demo: its flags are checked before anything starts.
    fails_with(
        &["sandbox", "--listen", "nonsense"],
        &["--listen", "HOST:PORT"],
    );

    // A corrupt state file is refused, named, with the way out.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("org.json");
    std::fs::write(&state, "not json").unwrap();
    fails_with(
        &sf(&["--state-file", state.to_str().unwrap()]),
        &[state.to_str().unwrap(), "move it away"],
    );
}
