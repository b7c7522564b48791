//! Ferry's configuration: `ferry.toml` plus `FERRY_*` environment overrides.
//!
//! Strict by design: an unknown or misspelled key, a wrong type, or a missing required value is
//! an error naming the file, line and column (or the environment variable) and the closest valid
//! key. Secrets are never literals in the config: a secret field holds a reference,
//! `"vault:NAME"` (sealed in Ferry's vault) or `"env:VAR"` (an environment variable).
//!
//! **Architecture invariant:** this crate only reads text; it opens no database, resolves no
//! secret and touches the file system only to read the config file. Naming rules (tenants,
//! secret names) come from `ferry-core`, so the config accepts exactly what the store does.

mod error;
mod model;
mod overrides;
mod secret;

pub use error::{ConfigError, Location};
pub use model::*;
pub use secret::SecretRef;

use std::path::{Path, PathBuf};

/// The starter `ferry.toml` that `ferry init` writes: every section, commented.
pub const STARTER_TOML: &str = include_str!("starter.toml");

/// Environment variables with the `FERRY_` prefix that are not config overrides.
pub const RESERVED_ENV: &[&str] = &["FERRY_CONFIG", "FERRY_MASTER_KEY", "FERRY_LOG"];

/// Reads and validates a config file, applying `FERRY_*` overrides from `env`.
pub fn load(path: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
        location: None,
        message: if err.kind() == std::io::ErrorKind::NotFound {
            format!("config file {shown} does not exist; create one with `ferry init` or pass --config FILE")
        } else {
            format!("cannot read config file {shown}: {err}")
        },
    })?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&text, &shown, &base_dir, env)
}

/// Validates config text. `file` names it in errors; relative paths resolve against `base_dir`.
pub fn parse(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: &[(String, String)],
) -> Result<Config, ConfigError> {
    toml::from_str::<toml::Table>(text)
        .map_err(|err| ConfigError::from_syntax(&err, text, file))?;
    let mut config: Config =
        toml::from_str(text).map_err(|err| ConfigError::from_toml(&err, text, file))?;
    overrides::apply(&mut config, env)?;
    config.base_dir = base_dir.to_path_buf();
    config.validate(text, file)?;
    Ok(config)
}

/// The current process's environment, as `load` wants it.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

impl Config {
    /// Resolves a path from the config against the config file's directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let path = Path::new(path);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The store URL with a relative SQLite path resolved against the config's directory.
    pub fn store_url(&self) -> String {
        let url = self.store.url.as_deref().unwrap_or_default();
        for prefix in ["sqlite://", "sqlite:"] {
            if let Some(path) = url.strip_prefix(prefix) {
                return format!("sqlite://{}", self.resolve(path).display());
            }
        }
        url.to_owned()
    }
}

#[cfg(test)]
mod tests;
