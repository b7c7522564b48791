//! Shared helpers for tests that run the real `ferry` binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod systems;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

/// A `ferry` command with a clean environment (no FERRY_* settings leak in from the caller).
pub fn ferry(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("FERRY_") {
            command.env_remove(name);
        }
    }
    command.env("FERRY_LOG", "warn");
    command
}

/// Runs a command to completion with no stdin.
pub fn output(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().expect("run ferry")
}

/// A directory with a ferry.toml and a master key, pointing at a store.
pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Deployment {
    fn write(url: String, worker: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let status = output(ferry(dir.path()).arg("init"));
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let config = ferry_config::STARTER_TOML
            .replace("url = \"sqlite://ferry.db\"", &format!("url = \"{url}\""))
            .replace("[worker]\n", &format!("[worker]\n{worker}\n"));
        std::fs::write(dir.path().join("ferry.toml"), config).unwrap();
        Self { dir, url }
    }

    /// A SQLite deployment with the given `[worker]` settings.
    pub fn sqlite(worker: &str) -> Self {
        Self::write("sqlite://ferry.db".to_owned(), worker)
    }

    /// A PostgreSQL deployment on a fresh database.
    pub async fn postgres(worker: &str) -> Self {
        let url = ferry_store::testing::fresh_postgres_database().await;
        Self::write(url, worker)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("ferry.toml")
    }

    /// The store, opened in-process.
    pub async fn store(&self) -> Arc<dyn ferry_store::Store> {
        let url = if self.url.starts_with("sqlite://") {
            format!("sqlite://{}", self.dir.path().join("ferry.db").display())
        } else {
            self.url.clone()
        };
        ferry_store::open(&url, &ferry_store::OpenOptions::default())
            .await
            .unwrap()
    }

    /// Starts a `ferry worker` process.
    pub fn spawn_worker(&self, args: &[&str]) -> Child {
        ferry(self.path())
            .arg("worker")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ferry worker")
    }
}

/// Waits for a child to exit, killing it and failing the test after `limit`.
pub fn wait_with_limit(child: &mut Child, limit: std::time::Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("a worker did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Asserts the self-test verification found every notice covered exactly once, in order.
pub fn assert_every_notice_once(report: &ferry_engine::flows::selftest::Verification) {
    assert!(
        report.incomplete.is_empty(),
        "unprocessed records: {:?}",
        report.incomplete
    );
    assert!(
        report.out_of_order.is_empty(),
        "records out of order: {:?}",
        report.out_of_order
    );
    assert!(
        report.miscounted.is_empty(),
        "notices lost or doubled: {:?}",
        report.miscounted
    );
}
