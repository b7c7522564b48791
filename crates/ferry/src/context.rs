//! What most commands need: the validated config, the store, the master key, the tenant.

use anyhow::{Context as _, Result, anyhow, bail};
use ferry_config::{Config, SecretRef};
use ferry_core::TenantId;
use ferry_store::{OpenOptions, Store};
use ferry_vault::{MasterKey, Vault};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A loaded configuration and the things derived from it.
pub struct Context {
    pub config: Config,
}

impl Context {
    /// Loads and validates the config file with the process's FERRY_* overrides.
    pub fn load(path: &Path) -> Result<Self> {
        let config = ferry_config::load(path, &ferry_config::process_env())?;
        Ok(Self { config })
    }

    /// The configured tenant, or an explicit one.
    pub fn tenant(&self, explicit: Option<&str>) -> Result<TenantId> {
        let name = explicit.unwrap_or(&self.config.tenant);
        TenantId::new(name).map_err(|err| anyhow!("--tenant: {err}"))
    }

    fn open_options(&self, migrate: bool) -> Result<OpenOptions> {
        let password = match &self.config.store.password {
            None => None,
            Some(SecretRef::Env(var)) => Some(std::env::var(var).map_err(|_| {
                anyhow!(
                    "store.password refers to environment variable {var}, which is not set; \
                     export it before running ferry"
                )
            })?),
            Some(SecretRef::Vault(_)) => bail!("store.password must be an env: reference"),
        };
        Ok(OpenOptions {
            max_connections: self.config.store.max_connections,
            connect_timeout: Duration::from_secs(self.config.store.connect_timeout_seconds),
            migrate,
            password,
        })
    }

    /// Opens the store, applying pending migrations.
    pub async fn store(&self) -> Result<Arc<dyn Store>> {
        Ok(ferry_store::open(&self.config.store_url(), &self.open_options(true)?).await?)
    }

    /// Applies pending migrations; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        Ok(ferry_store::migrate(&self.config.store_url(), &self.open_options(false)?).await?)
    }

    /// The master key: FERRY_MASTER_KEY if set, else vault.key_file.
    pub fn master_key(&self) -> Result<MasterKey> {
        if let Ok(text) = std::env::var("FERRY_MASTER_KEY") {
            return Ok(MasterKey::parse(&text, "FERRY_MASTER_KEY")?);
        }
        match &self.config.vault.key_file {
            Some(file) => Ok(MasterKey::from_file(&self.config.resolve(file))?),
            None => Err(ferry_vault::KeyError::Missing.into()),
        }
    }

    /// The vault over the store, with the master key.
    pub async fn vault(&self) -> Result<Vault> {
        let key = self.master_key()?;
        Ok(Vault::new(self.store().await?, key))
    }

    /// The key file path, when one is configured.
    pub fn key_file(&self) -> Option<PathBuf> {
        self.config
            .vault
            .key_file
            .as_deref()
            .map(|f| self.config.resolve(f))
    }
}

/// Who is acting, for the audit log: `cli:USER@HOST`.
pub fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .or_else(user_from_uid)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    format!("cli:{user}@{host}")
}

/// The account name of this process's user, from /proc and /etc/passwd (services often run
/// without USER set).
fn user_from_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    })
}

/// Parses an RFC 3339 time given on the command line.
pub fn parse_time(flag: &str, text: &str) -> Result<ferry_core::Timestamp> {
    let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .with_context(|| {
            format!("{flag} {text:?} is not an RFC 3339 time such as 2026-11-27T09:00:00Z")
        })?;
    Ok(ferry_core::Timestamp::from_datetime(at))
}
