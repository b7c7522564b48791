//! Data-driven checks of what users see: each case is a config text, an environment, and the
//! exact error line (or success).

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use std::path::Path;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn check(text: &str, vars: &[(&str, &str)]) -> Result<Config, String> {
    parse(text, "ferry.toml", Path::new("/etc/ferry"), &env(vars)).map_err(|e| e.to_string())
}

fn check_err(text: &str, vars: &[(&str, &str)], expect: &str) {
    match check(text, vars) {
        Ok(config) => panic!("expected error {expect:?}, got {config:?}"),
        Err(err) => assert_eq!(err, expect, "\nfor config:\n{text}"),
    }
}

const MINIMAL: &str = "[store]\nurl = \"sqlite://ferry.db\"\n";

#[test]
fn the_starter_file_is_valid_and_uses_defaults() {
    let config = check(STARTER_TOML, &[]).unwrap();
    assert_eq!(config.tenant, "default");
    assert_eq!(config.store_url(), "sqlite:///etc/ferry/ferry.db");
    assert_eq!(config.vault.key_file.as_deref(), Some("ferry-master.key"));
    assert_eq!(
        config.resolve("ferry-master.key"),
        Path::new("/etc/ferry/ferry-master.key")
    );
    assert_eq!(config.worker, WorkerConfig::default());
    assert!(config.brightpearl.is_none() && config.salesforce.is_none());
}

#[test]
fn unknown_keys_name_file_line_column_and_the_closest_key() {
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n\n[worker]\nconcurency = 4\n",
        &[],
        "ferry.toml:5:1: unknown key \"concurency\" in [worker]: did you mean \"concurrency\"?",
    );
    check_err(
        "tennant = \"a\"\n[store]\nurl = \"sqlite://x.db\"\n",
        &[],
        "ferry.toml:1:1: unknown key \"tennant\" at the top level: did you mean \"tenant\"?",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[wrker]\n",
        &[],
        "ferry.toml:3:2: unknown section [wrker]: did you mean [worker]?",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\nflavour = 1\n",
        &[],
        "ferry.toml:3:1: unknown key \"flavour\" in [store]: valid keys here: url, password, \
         max_connections, connect_timeout_seconds, retention_days",
    );
}

#[test]
fn wrong_types_and_values_are_located() {
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[worker]\nbatch_size = \"lots\"\n",
        &[],
        "ferry.toml:4:14: wrong type in [worker]: invalid type: string \"lots\", expected u32",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[log]\nformat = \"jsn\"\n",
        &[],
        "ferry.toml:4:10: \"jsn\" is not a valid value in [log]: did you mean \"json\"?",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[worker]\nbatch_size = 5000\n",
        &[],
        "ferry.toml:4:1: worker.batch_size must be at most 1000, not 5000",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[worker]\nbatch_window_ms = 60000\n",
        &[],
        "ferry.toml:4:1: worker.batch_window_ms must be at most 5000, not 60000: every change \
         waits up to this long, and the items in hand keep their leases meanwhile",
    );
    check_err(
        "[store]\nurl = \"mysql://db\"\n",
        &[],
        "ferry.toml:2:1: store.url must start with sqlite:// (embedded) or postgres:// (shared), not \"mysql\"",
    );
}

#[test]
fn broken_toml_is_located() {
    let err = check("[store\nurl = 1\n", &[]).unwrap_err();
    assert!(err.starts_with("ferry.toml:1:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
    let err = check("[store]\nurl = \"unterminated\n", &[]).unwrap_err();
    assert!(err.starts_with("ferry.toml:2:"), "{err}");
}

#[test]
fn missing_required_values_say_how_to_supply_them() {
    check_err(
        "[worker]\nconcurrency = 2\n",
        &[],
        "ferry.toml: store.url is required: add `url = \"sqlite://ferry.db\"` under [store] (or a \
         postgres:// URL), or set FERRY_STORE_URL",
    );
    check_err(
        "[store]\nurl = \"sqlite://x.db\"\n[brightpearl]\naccount = \"shop\"\n",
        &[],
        "ferry.toml:3:1: required key \"base_url\" is missing in [brightpearl]; add `base_url = ...`",
    );
}

#[test]
fn literal_secrets_are_refused_without_being_echoed() {
    let text = "[store]\nurl = \"sqlite://x.db\"\n[salesforce]\nlogin_url = \"https://login.salesforce.com\"\n\
                client_id = \"abc\"\nclient_secret = \"hunter2-REAL\"\n";
    let err = check(text, &[]).unwrap_err();
    assert!(err.starts_with("ferry.toml:6:17: "), "{err}");
    assert!(
        err.contains("literal secret") && err.contains("ferry vault set"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2"),
        "the secret must not be echoed: {err}"
    );

    for number in ["123456", "98765.5", "true"] {
        let text = format!(
            "[store]\nurl = \"sqlite://x.db\"\n[brightpearl]\naccount = \"s\"\nbase_url = \"https://x\"\n\
             app_ref = \"a\"\naccount_token = {number}\n"
        );
        let err = check(&text, &[]).unwrap_err();
        assert!(
            err.contains("literal secret") && err.starts_with("ferry.toml:7:17"),
            "{err}"
        );
        assert!(
            !err.contains(number),
            "a numeric secret must not be echoed: {err}"
        );
    }

    let err = check("[store]\nurl = \"postgres://ferry:pw@db/ferry\"\n", &[]).unwrap_err();
    assert!(
        err.starts_with("ferry.toml:2:1: store.url contains a password"),
        "{err}"
    );
    assert!(!err.contains("pw@"), "{err}");

    check_err(
        "[store]\nurl = \"postgres://ferry@db/ferry\"\npassword = \"vault:pg\"\n",
        &[],
        "ferry.toml:3:1: store.password cannot come from the vault, which is kept in the store \
         itself; use store.password = \"env:VAR\"",
    );
    let err = check(
        "[store]\nurl = \"sqlite://x.db\"\n",
        &[("FERRY_STORE_PASSWORD", "hunter2")],
    )
    .unwrap_err();
    assert!(
        err.starts_with(
            "environment variable FERRY_STORE_PASSWORD: this field holds a literal secret"
        ),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn secret_references_are_accepted_and_listed() {
    let config = check(
        "[store]\nurl = \"postgres://ferry@db:5432/ferry\"\npassword = \"env:PGPASS\"\n\
         [salesforce]\nlogin_url = \"https://test.salesforce.com\"\nclient_id = \"abc\"\n\
         client_secret = \"vault:salesforce.client_secret\"\n",
        &[],
    )
    .unwrap();
    let refs: Vec<String> = config
        .secret_refs()
        .iter()
        .map(|(k, r)| format!("{k}={r}"))
        .collect();
    assert_eq!(
        refs,
        [
            "store.password=env:PGPASS",
            "salesforce.client_secret=vault:salesforce.client_secret"
        ]
    );
    check_err(
        "[store]\nurl = \"postgres://ferry@db/ferry\"\npassword = \"env:1BAD\"\n",
        &[],
        "ferry.toml:3:12: environment variable name \"1BAD\" is not valid: use A-Z, 0-9 and '_', e.g. \"env:SF_CLIENT_SECRET\"",
    );
}

#[test]
fn environment_overrides_win_and_are_checked() {
    let config = check(
        MINIMAL,
        &[
            ("FERRY_WORKER_CONCURRENCY", "3"),
            ("FERRY_STORE_URL", "postgres://ferry@db/ferry"),
            ("FERRY_TENANT", "acme-uk"),
            ("FERRY_MASTER_KEY", "not a config key"),
            ("FERRY_TEST_POSTGRES_URL", "ignored"),
            ("HOME", "/root"),
        ],
    )
    .unwrap();
    assert_eq!(config.worker.concurrency, 3);
    assert_eq!(
        config.store.url.as_deref(),
        Some("postgres://ferry@db/ferry")
    );
    assert_eq!(config.tenant, "acme-uk");

    // A required value may come from the environment alone.
    let config = check("", &[("FERRY_STORE_URL", "sqlite://env.db")]).unwrap();
    assert_eq!(config.store_url(), "sqlite:///etc/ferry/env.db");

    check_err(
        MINIMAL,
        &[("FERRY_WORKER_CONCURENCY", "3")],
        "environment variable FERRY_WORKER_CONCURENCY: not a Ferry setting; did you mean FERRY_WORKER_CONCURRENCY?",
    );
    check_err(
        MINIMAL,
        &[("FERRY_WORKER_BATCH_SIZE", "many")],
        "environment variable FERRY_WORKER_BATCH_SIZE: worker.batch_size needs a whole number, not \"many\"",
    );
    check_err(
        MINIMAL,
        &[("FERRY_LOG_FORMAT", "xml")],
        "environment variable FERRY_LOG_FORMAT: cannot set log.format: unknown variant `xml`, expected `text` or `json`",
    );
    check_err(
        MINIMAL,
        &[("FERRY_TENANT", "Bad Tenant")],
        "ferry.toml: tenant \"Bad Tenant\" is not valid: use 1 to 64 characters from a-z, 0-9, '-', '_' and '.' (FERRY_TENANT overrides it)",
    );
    // Variables named by env: secret references are not mistaken for settings.
    check(
        "[store]\nurl = \"postgres://f@db/f\"\npassword = \"env:FERRY_PG_PASSWORD\"\n",
        &[("FERRY_PG_PASSWORD", "x")],
    )
    .unwrap();
}

#[test]
fn every_key_has_an_environment_variable() {
    let names = overrides::all_env_names();
    for expected in [
        "FERRY_TENANT",
        "FERRY_STORE_URL",
        "FERRY_WORKER_BATCH_SIZE",
        "FERRY_VAULT_KEY_FILE",
        "FERRY_LOG_LEVEL",
        "FERRY_SALESFORCE_CLIENT_SECRET",
        "FERRY_BRIGHTPEARL_ACCOUNT_TOKEN",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} missing from {names:?}"
        );
    }
}

mod alerts;
mod connectors;
mod flows;
mod server;
