//! The CLI as a new user meets it: a working start, and one clear error line for bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Deployment, ferry, output};
use std::io::Write;
use std::process::Stdio;

/// Runs ferry and expects failure with exactly one stderr line that starts with `error: ` and
/// contains every fragment.
fn fails_with(command: &mut std::process::Command, fragments: &[&str]) {
    let out = output(command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    for fragment in fragments {
        assert!(
            lines[0].contains(fragment),
            "missing {fragment:?} in: {stderr}"
        );
    }
}

fn succeeds(command: &mut std::process::Command) -> String {
    let out = output(command);
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn version_init_check_and_migrate_work_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let version = succeeds(ferry(dir.path()).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("ferry {}", env!("CARGO_PKG_VERSION"))
    );
    let init = succeeds(ferry(dir.path()).arg("init"));
    assert!(
        init.contains("ferry.toml") && init.contains("ferry-master.key"),
        "{init}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ferry-master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let check = succeeds(ferry(dir.path()).args(["config", "check"]));
    assert!(
        check.contains("ferry.toml: ok") && check.contains("sqlite"),
        "{check}"
    );
    assert!(
        succeeds(ferry(dir.path()).args(["store", "migrate"])).contains("applied migration(s) 1")
    );
    assert!(succeeds(ferry(dir.path()).args(["store", "migrate"])).contains("up to date"));
    assert!(succeeds(ferry(dir.path()).args(["queue", "stats"])).contains("empty"));
    // init refuses to clobber, and says how to override.
    fails_with(
        ferry(dir.path()).arg("init"),
        &["already exists", "--force"],
    );
}

#[test]
fn broken_and_misspelled_config_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.toml"), "[store\nurl = 1\n").unwrap();
    fails_with(
        ferry(dir.path()).args(["config", "check", "broken.toml"]),
        &["broken.toml:1:", "invalid TOML"],
    );
    std::fs::write(
        dir.path().join("typo.toml"),
        "[store]\nurl = \"sqlite://x.db\"\n[worker]\nbatch_sise = 5\n",
    )
    .unwrap();
    fails_with(
        ferry(dir.path()).args(["config", "check", "typo.toml"]),
        &["typo.toml:4:1", "did you mean \"batch_size\""],
    );
    std::fs::write(
        dir.path().join("secret.toml"),
        "[store]\nurl = \"postgres://ferry:hunter2@db/ferry\"\n",
    )
    .unwrap();
    let out = output(ferry(dir.path()).args(["config", "check", "secret.toml"]));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
    fails_with(
        ferry(dir.path()).args(["config", "check", "secret.toml"]),
        &["secret.toml:2:1", "store.password"],
    );
    fails_with(
        ferry(dir.path()).args(["queue", "stats"]),
        &["ferry.toml does not exist", "ferry init"],
    );
    std::fs::write(
        dir.path().join("ferry.toml"),
        "[store]\nurl = \"sqlite://x.db\"\n",
    )
    .unwrap();
    fails_with(
        ferry(dir.path())
            .args(["config", "check"])
            .env("FERRY_WORKER_CONCURENCY", "2"),
        &[
            "FERRY_WORKER_CONCURENCY",
            "did you mean FERRY_WORKER_CONCURRENCY",
        ],
    );
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ferry.toml"),
        "[store]\nurl = \"postgres://ferry@127.0.0.1:9/ferry\"\nconnect_timeout_seconds = 2\n",
    )
    .unwrap();
    fails_with(
        ferry(dir.path()).args(["queue", "stats"]),
        &[
            "cannot open the postgres store",
            "127.0.0.1:9",
            "Check that PostgreSQL is running",
        ],
    );
    std::fs::write(
        dir.path().join("ferry.toml"),
        "[store]\nurl = \"sqlite:///nonexistent-dir/x/ferry.db\"\n",
    )
    .unwrap();
    fails_with(
        ferry(dir.path()).args(["store", "migrate"]),
        &["cannot open the sqlite store", "directory exists"],
    );
}

#[test]
fn the_vault_round_trip_and_a_wrong_master_key() {
    let deployment = Deployment::sqlite("");
    let dir = deployment.path();
    let mut set = ferry(dir)
        .args(["vault", "set", "salesforce.client_secret"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    set.stdin
        .take()
        .unwrap()
        .write_all(b"s3cret-from-stdin\n")
        .unwrap();
    let out = set.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    succeeds(
        ferry(dir)
            .args([
                "vault",
                "set",
                "brightpearl.account_token",
                "--from-env",
                "BP_TOKEN",
            ])
            .env("BP_TOKEN", "tok"),
    );
    let list = succeeds(ferry(dir).args(["vault", "list"]));
    assert!(
        list.contains("salesforce.client_secret") && list.contains("brightpearl.account_token"),
        "{list}"
    );
    assert!(!list.contains("s3cret"), "values are never listed");

    // The config may now reference it, and --connect proves it opens.
    let config = std::fs::read_to_string(deployment.config()).unwrap()
        + "\n[salesforce]\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"abc\"\nclient_secret = \"vault:salesforce.client_secret\"\n";
    std::fs::write(deployment.config(), config).unwrap();
    let check = succeeds(ferry(dir).args(["config", "check", "--connect"]));
    assert!(
        check.contains("vault secret salesforce.client_secret opens"),
        "{check}"
    );

    let other_key = succeeds(ferry(dir).args(["vault", "keygen"]));
    fails_with(
        ferry(dir)
            .args(["config", "check", "--connect"])
            .env("FERRY_MASTER_KEY", other_key.trim()),
        &["not the key that sealed", "FERRY_MASTER_KEY"],
    );
    fails_with(
        ferry(dir)
            .args(["vault", "list"])
            .env("FERRY_MASTER_KEY", "not-a-key"),
        &["FERRY_MASTER_KEY is not valid", "ferry vault keygen"],
    );

    // Rotation moves every secret to the new key; the old key file then no longer opens them.
    let rotated = succeeds(ferry(dir).args(["vault", "rotate", "--new-key-file", "next.key"]));
    assert!(rotated.contains("re-encrypted 2 secret(s)"), "{rotated}");
    fails_with(
        ferry(dir).args(["config", "check", "--connect"]),
        &["not the key that sealed"],
    );
    let check = succeeds(
        ferry(dir)
            .args(["config", "check", "--connect"])
            .env("FERRY_VAULT_KEY_FILE", "next.key"),
    );
    assert!(check.contains("opens"), "{check}");
}

#[test]
fn dead_letters_can_be_listed_shown_retried_and_discarded() {
    let deployment = Deployment::sqlite("");
    let dir = deployment.path();
    succeeds(ferry(dir).args([
        "queue",
        "selftest",
        "enqueue",
        "--notices",
        "40",
        "--records",
        "20",
        "--fail-every",
        "5",
    ]));
    let status = output(ferry(dir).args(["worker", "--exit-when-idle", "300"]));
    assert!(status.status.success());
    let list = succeeds(ferry(dir).args(["dlq", "list"]));
    assert_eq!(
        list.lines()
            .filter(|l| l.contains("SELFTEST_REJECTED"))
            .count(),
        4,
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&succeeds(ferry(dir).args(["dlq", "list", "--json"]))).unwrap();
    let ids: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let show = succeeds(ferry(dir).args(["dlq", "show", &ids[0].to_string()]));
    assert!(
        show.contains("attempts:")
            && show.contains("payload:")
            && show.contains("\"fail\": \"permanent\""),
        "{show}"
    );
    fails_with(
        ferry(dir).args(["dlq", "show", "999"]),
        &["no dead letter with id 999"],
    );
    fails_with(ferry(dir).args(["dlq", "discard", "--filter"]), &["--all"]);
    fails_with(
        ferry(dir).args(["dlq", "discard"]),
        &["say which dead letters to discard"],
    );
    fails_with(
        ferry(dir).args(["dlq", "retry", "1", "--code", "X"]),
        &["not both"],
    );

    assert!(
        succeeds(ferry(dir).args(["dlq", "retry", &ids[0].to_string()]))
            .contains("1 dead letter(s) put back")
    );
    let stats = succeeds(ferry(dir).args(["queue", "stats"]));
    assert!(
        stats
            .lines()
            .any(|l| l.contains("selftest") && l.split_whitespace().nth(2) == Some("1")),
        "{stats}"
    );
    let second_record = json[1]["record_id"].as_str().unwrap();
    assert!(
        succeeds(ferry(dir).args([
            "dlq",
            "discard",
            "--code",
            "SELFTEST_REJECTED",
            "--record",
            second_record
        ]))
        .contains("1 dead letter(s) discarded")
    );
    assert!(
        succeeds(ferry(dir).args(["dlq", "discard", "--all"]))
            .contains("2 dead letter(s) discarded")
    );
    assert!(succeeds(ferry(dir).args(["dlq", "list"])).contains("no dead letters"));
}

#[test]
fn worker_starts_record_configuration_changes_and_prune_is_audited() {
    let deployment = Deployment::sqlite("");
    let dir = deployment.path();
    let run_worker = |extra: &[(&str, &str)]| {
        let mut command = ferry(dir);
        command.args(["worker", "--exit-when-idle", "100"]);
        for (k, v) in extra {
            command.env(k, v);
        }
        assert!(output(&mut command).status.success());
    };
    run_worker(&[]);
    run_worker(&[]);
    run_worker(&[("FERRY_WORKER_CONCURRENCY", "3")]);
    let entries: serde_json::Value = serde_json::from_str(&succeeds(ferry(dir).args([
        "audit",
        "list",
        "--action",
        "config.change",
        "--json",
    ])))
    .unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(
        entries.len(),
        2,
        "an unchanged config is not recorded twice: {entries:?}"
    );
    assert_eq!(
        entries[0]["detail"]["changed"],
        serde_json::json!(["worker.concurrency"])
    );
    assert_eq!(entries[0]["detail"]["config"]["worker"]["concurrency"], 3);
    assert_eq!(entries[1]["detail"]["first"], true);
    assert_eq!(entries[1]["detail"]["changed"], serde_json::json!([]));

    let pruned = succeeds(ferry(dir).args(["store", "prune", "--older-than-days", "1"]));
    assert!(
        pruned.contains("removed 0 finished journal entries and 0 applied effects"),
        "{pruned}"
    );
    fails_with(
        ferry(dir).args(["store", "prune", "--older-than-days", "0"]),
        &["at least 1"],
    );
    let table = succeeds(ferry(dir).args(["audit", "list"]));
    assert!(
        table.contains("store.prune") && table.contains("config.change"),
        "{table}"
    );
}

#[test]
fn api_token_new_prints_a_token_once_and_only_its_hash_for_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = ferry(dir.path())
        .args(["api-token", "new", "--name", "ci", "--role", "operator"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("fy_") && token.len() > 40, "{token}");
    let told = String::from_utf8_lossy(&out.stderr).to_string();
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    assert!(told.contains(&format!("sha256 = \"{digest}\"")), "{told}");
    assert!(
        told.contains("role = \"operator\"") && told.contains("name = \"ci\""),
        "{told}"
    );
    assert!(
        !told.contains(&token),
        "the token is printed once, on stdout: {told}"
    );
    // Two tokens differ.
    let again = ferry(dir.path())
        .args(["api-token", "new", "--name", "ci", "--role", "viewer"])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&again.stdout).trim(), token);
    fails_with(
        ferry(dir.path()).args(["api-token", "new", "--name", "ci", "--role", "root"]),
        &["root"],
    );
}

#[test]
fn trace_shows_a_records_dead_letter_and_says_when_nothing_is_known() {
    let deployment = Deployment::sqlite("");
    let dir = deployment.path();
    succeeds(ferry(dir).args([
        "queue",
        "selftest",
        "enqueue",
        "--notices",
        "10",
        "--records",
        "5",
        "--fail-every",
        "5",
    ]));
    assert!(
        output(ferry(dir).args(["worker", "--exit-when-idle", "300"]))
            .status
            .success()
    );
    let dead: Vec<serde_json::Value> =
        serde_json::from_str(&succeeds(ferry(dir).args(["dlq", "list", "--json"]))).unwrap();
    let record = dead[0]["record_id"].as_str().unwrap().to_owned();
    let id = dead[0]["id"].as_i64().unwrap();

    let text = succeeds(ferry(dir).args(["trace", &record]));
    assert!(text.contains(&format!("trace of {record}")), "{text}");
    assert!(text.contains("dead letters:"), "{text}");
    assert!(text.contains("SELFTEST_REJECTED"), "{text}");
    assert!(text.contains(&format!("ferry dlq show {id}")), "{text}");
    assert!(text.contains("timeline (oldest first):"), "{text}");

    let json: serde_json::Value =
        serde_json::from_str(&succeeds(ferry(dir).args(["trace", &record, "--json"]))).unwrap();
    assert_eq!(json["q"], record.as_str());
    assert_eq!(json["dead_letters"][0]["id"], id);
    assert!(json["timeline"].as_array().is_some_and(|t| !t.is_empty()));

    // Nothing known: a sentence and exit code 2; a malformed query: one error line.
    let unknown = output(ferry(dir).args(["trace", "no-such-record-42"]));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stdout).contains("Ferry knows no record"));
    fails_with(
        ferry(dir).args(["trace", &"9".repeat(200)]),
        &["QUERY_TOO_LONG", "send one record id"],
    );
}
