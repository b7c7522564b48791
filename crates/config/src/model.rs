//! The shape of `ferry.toml`.

use crate::{ConfigError, Location, SecretRef};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

mod alerts;
mod connectors;
mod flows;
mod server;

pub use alerts::*;
pub use connectors::*;
pub use flows::*;
pub use server::*;

/// A whole Ferry configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The connection pair this process serves (every stored row carries it).
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// Where Ferry keeps its state.
    #[serde(default)]
    pub store: StoreConfig,
    /// Where the vault's master key comes from.
    #[serde(default)]
    pub vault: VaultConfig,
    /// Queue workers.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// The Brightpearl account, when connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightpearl: Option<BrightpearlConfig>,
    /// The Salesforce org, when connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce: Option<SalesforceConfig>,
    /// Which sync flows run, and the folder of the user's own flow files.
    #[serde(default)]
    pub flows: FlowsConfig,
    /// Ferry's HTTP server: webhook intake, status and metrics (`ferry serve`).
    #[serde(default)]
    pub server: ServerConfig,
    /// Alert rules and where their notices go; none when the section is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertsConfig>,
    /// The directory relative paths resolve against (the config file's directory).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

fn default_tenant() -> String {
    "default".to_owned()
}

/// `[store]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://PATH` (embedded, one machine) or `postgres://USER@HOST:PORT/DB` (many workers).
    /// Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The PostgreSQL password, as a secret reference (`env:VAR`). Never in the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// Connections per process (PostgreSQL).
    #[serde(default = "default_connections")]
    pub max_connections: u32,
    /// Seconds to wait for the database before failing with a clear error.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_seconds: u64,
    /// Days to keep finished journal entries and applied effects; workers prune older ones.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
}

fn default_retention_days() -> u32 {
    14
}

fn default_connections() -> u32 {
    8
}
fn default_connect_timeout() -> u64 {
    5
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: None,
            password: None,
            max_connections: default_connections(),
            connect_timeout_seconds: default_connect_timeout(),
            retention_days: default_retention_days(),
        }
    }
}

/// `[vault]`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// A file holding the master key (mode 600). `FERRY_MASTER_KEY` wins when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
}

/// `[worker]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Handler calls running at once in one worker process (each with a batch of items).
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Items leased per trip to the store.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// Seconds a lease lasts; a crashed worker's items return to the queue after this.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u64,
    /// Milliseconds to wait before asking again when the queue is empty.
    #[serde(default = "default_idle_poll_ms")]
    pub idle_poll_ms: u64,
    /// Seconds one handler call may take before its items fail with `HANDLER_TIMEOUT`.
    #[serde(default = "default_handler_timeout")]
    pub handler_timeout_seconds: u64,
    /// `ferry serve` micro-batching: milliseconds to wait for more items when a lease brings
    /// fewer than a flow call takes (0 runs each lease at once).
    #[serde(default = "default_batch_window_ms")]
    pub batch_window_ms: u64,
    /// Attempts before an item is dead-lettered.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Backoff ceiling after the first failure, in milliseconds (doubles per attempt).
    #[serde(default = "default_backoff_base_ms")]
    pub backoff_base_ms: u64,
    /// The largest backoff ceiling, in seconds.
    #[serde(default = "default_backoff_max_seconds")]
    pub backoff_max_seconds: u64,
}

fn default_concurrency() -> u32 {
    8
}
fn default_batch_size() -> u32 {
    // Two full flow calls (200 records each: a Collections call, an id-set read) per trip.
    400
}
fn default_lease_seconds() -> u64 {
    60
}
fn default_idle_poll_ms() -> u64 {
    250
}
fn default_handler_timeout() -> u64 {
    300
}
fn default_batch_window_ms() -> u64 {
    50
}
fn default_max_attempts() -> u32 {
    10
}
fn default_backoff_base_ms() -> u64 {
    1000
}
fn default_backoff_max_seconds() -> u64 {
    900
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: default_concurrency(),
            batch_size: default_batch_size(),
            lease_seconds: default_lease_seconds(),
            idle_poll_ms: default_idle_poll_ms(),
            handler_timeout_seconds: default_handler_timeout(),
            batch_window_ms: default_batch_window_ms(),
            max_attempts: default_max_attempts(),
            backoff_base_ms: default_backoff_base_ms(),
            backoff_max_seconds: default_backoff_max_seconds(),
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    #[serde(default)]
    pub format: LogFormat,
    /// A tracing filter: `info`, `debug`, `ferry_engine=debug,info`, ...
    #[serde(default = "default_level")]
    pub level: String,
}

fn default_level() -> String {
    "info".to_owned()
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::default(),
            level: default_level(),
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Finds where `[section]` and `key = ` appear in the file, for errors about values that parsed
/// but are not acceptable.
fn locate(text: &str, file: &str, section: Option<&str>, key: &str) -> Location {
    let mut current: Option<String> = None;
    let mut section_line = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            current = Some(name.trim().to_owned());
            if current.as_deref() == section {
                section_line = Some(n + 1);
            }
            continue;
        }
        let key_here = trimmed
            .split_once('=')
            .map(|(k, _)| k.trim() == key)
            .unwrap_or(false);
        if key_here && current.as_deref() == section {
            let column = line.len() - line.trim_start().len() + 1;
            return Location {
                file: file.to_owned(),
                line: Some(n + 1),
                column: Some(column),
            };
        }
    }
    Location {
        file: file.to_owned(),
        line: section_line,
        column: section_line.map(|_| 1),
    }
}

impl Config {
    /// Checks what types alone cannot: required values, value ranges, URL shapes, names.
    pub(crate) fn validate(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let at = |section: Option<&str>, key: &str, message: String| ConfigError {
            location: Some(locate(text, file, section, key)),
            message,
        };
        if ferry_core::TenantId::new(self.tenant.as_str()).is_err() {
            return Err(at(
                None,
                "tenant",
                format!(
                    "tenant {:?} is not valid: use 1 to 64 characters from a-z, 0-9, '-', '_' and '.' \
                 (FERRY_TENANT overrides it)",
                    self.tenant
                ),
            ));
        }
        let Some(url) = self.store.url.as_deref() else {
            return Err(at(
                Some("store"),
                "url",
                "store.url is required: add `url = \"sqlite://ferry.db\"` \
                 under [store] (or a postgres:// URL), or set FERRY_STORE_URL"
                    .to_owned(),
            ));
        };
        check_store_url(url).map_err(|reason| at(Some("store"), "url", reason))?;
        if url.starts_with("sqlite") && self.store.password.is_some() {
            return Err(at(
                Some("store"),
                "password",
                "store.password is set but store.url is a \
                 SQLite file, which has no password; remove store.password"
                    .to_owned(),
            ));
        }
        if let Some(SecretRef::Vault(_)) = &self.store.password {
            return Err(at(
                Some("store"),
                "password",
                "store.password cannot come from the vault, \
                 which is kept in the store itself; use store.password = \"env:VAR\""
                    .to_owned(),
            ));
        }
        if self.store.retention_days == 0 {
            return Err(at(Some("store"), "retention_days", "store.retention_days must be at least 1: \
                 workers need the journal and effect ledger of the last day to recognise redelivered work".to_owned()));
        }
        if self.store.max_connections == 0 {
            return Err(at(
                Some("store"),
                "max_connections",
                "store.max_connections must be at least 1".to_owned(),
            ));
        }
        let w = &self.worker;
        for (key, value, min) in [
            ("concurrency", u64::from(w.concurrency), 1),
            ("batch_size", u64::from(w.batch_size), 1),
            ("lease_seconds", w.lease_seconds, 1),
            ("idle_poll_ms", w.idle_poll_ms, 10),
            ("handler_timeout_seconds", w.handler_timeout_seconds, 1),
            ("max_attempts", u64::from(w.max_attempts), 1),
            ("backoff_base_ms", w.backoff_base_ms, 1),
        ] {
            if value < min {
                return Err(at(
                    Some("worker"),
                    key,
                    format!("worker.{key} must be at least {min}, not {value}"),
                ));
            }
        }
        if w.batch_size > 1000 {
            return Err(at(
                Some("worker"),
                "batch_size",
                format!(
                    "worker.batch_size must be at most 1000, not {}",
                    w.batch_size
                ),
            ));
        }
        if w.batch_window_ms > 5000 {
            return Err(at(
                Some("worker"),
                "batch_window_ms",
                format!(
                    "worker.batch_window_ms must be at most 5000, not {}: every change waits up \
                     to this long, and the items in hand keep their leases meanwhile",
                    w.batch_window_ms
                ),
            ));
        }
        if w.backoff_max_seconds.saturating_mul(1000) < w.backoff_base_ms {
            return Err(at(
                Some("worker"),
                "backoff_max_seconds",
                "worker.backoff_max_seconds must not be \
                 shorter than worker.backoff_base_ms"
                    .to_owned(),
            ));
        }
        if let Some(bp) = &self.brightpearl {
            bp.validate(&|key, message| at(Some("brightpearl"), key, message))?;
        }
        if let Some(sf) = &self.salesforce {
            sf.validate(&|key, message| at(Some("salesforce"), key, message))?;
        }
        self.flows
            .validate(&|key, message| at(Some("flows"), key, message))?;
        self.server
            .validate(&|key, message| at(Some("server"), key, message))?;
        if let Some(alerts) = &self.alerts {
            alerts.validate(&|section, key, message| at(Some(section), key, message))?;
        }
        Ok(())
    }

    /// Every secret reference in the config, with the key that holds it.
    pub fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        let mut refs = Vec::new();
        if let Some(password) = &self.store.password {
            refs.push(("store.password", password));
        }
        if let Some(bp) = &self.brightpearl {
            refs.extend(bp.secret_refs());
        }
        if let Some(sf) = &self.salesforce {
            refs.extend(sf.secret_refs());
        }
        refs.extend(self.server.secret_refs());
        if let Some(alerts) = &self.alerts {
            refs.extend(alerts.secret_refs());
        }
        refs
    }
}

fn check_store_url(url: &str) -> Result<(), String> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            return Err(
                "store.url names no SQLite file; write e.g. \"sqlite://ferry.db\"".to_owned(),
            );
        }
        return Ok(());
    }
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Err(format!(
            "store.url must start with sqlite:// (embedded) or postgres:// (shared), not {:?}",
            url.split("://").next().unwrap_or(url)
        ));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    {
        return Err(
            "store.url contains a password, and secrets must not be written in the \
            config: remove it from the URL and set store.password = \"env:VAR\" naming an \
            environment variable that holds it"
                .to_owned(),
        );
    }
    if rest.contains("password=") {
        return Err(
            "store.url carries a password parameter; set store.password = \"env:VAR\" \
            instead"
                .to_owned(),
        );
    }
    Ok(())
}
