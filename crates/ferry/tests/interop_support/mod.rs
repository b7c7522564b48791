//! What both third-party interop drivers need: `ferry sandbox salesforce --tls` started as a
//! user would start it, its banner line, and a client test suite run with a deadline. Every
//! child process is killed when the test ends, passed or not.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the sandbox may take to print its banner.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process that is killed when the test ends, passed or not.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `ferry sandbox salesforce --tls --data empty` on a free port, its CA written to
/// `dir/ca.pem` and its stderr to `dir/sandbox.stderr`, with `extra` flags; returns it with
/// its banner line (checked to have every documented key) and the parsed banner.
pub fn start_sandbox(dir: &Path, extra: &[&OsStr]) -> (KillOnDrop, String, serde_json::Value) {
    let stderr_path = dir.join("sandbox.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0", "--tls"])
        .arg("--cert-out")
        .arg(dir.join("ca.pem"))
        .args(["--data", "empty"])
        .args(extra)
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

/// Runs `command` (a client test suite) with its output in `dir/NAME.out`, for at most
/// `timeout`; returns (success, output).
pub fn run_suite(
    mut command: Command,
    name: &str,
    dir: &Path,
    timeout: Duration,
) -> (bool, String) {
    let output_path = dir.join(format!("{name}.out"));
    let output = std::fs::File::create(&output_path).unwrap();
    let child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let mut suite = KillOnDrop(child);
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = suite.0.try_wait().unwrap() {
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
        None => (false, format!("{name} ran over {timeout:?}\n{text}")),
    }
}
