//! `FERRY_*` environment overrides: `FERRY_<SECTION>_<KEY>` sets `[section] key`, `FERRY_<KEY>`
//! a top-level key. The set of valid variables is derived from the config's own shape, so it
//! can never drift from the keys the file accepts.

use crate::error::closest;
use crate::{Config, ConfigError, RESERVED_ENV, SecretRef};

/// Every settable key path (`store.url`) with the TOML type its value must have.
fn settable_keys() -> Vec<(String, toml::Value)> {
    let mut example = Config {
        store: crate::StoreConfig {
            url: Some(String::new()),
            password: Some(SecretRef::Env("X".into())),
            ..Default::default()
        },
        vault: crate::VaultConfig {
            key_file: Some(String::new()),
        },
        brightpearl: Some(crate::BrightpearlConfig {
            account: String::new(),
            base_url: String::new(),
            app_ref: String::new(),
            account_token: Some(SecretRef::Env("X".into())),
            staff_token: Some(SecretRef::Env("X".into())),
        }),
        salesforce: Some(crate::SalesforceConfig {
            login_url: String::new(),
            client_id: String::new(),
            client_secret: Some(SecretRef::Env("X".into())),
            username: Some(String::new()),
            private_key: Some(SecretRef::Env("X".into())),
            api_version: String::new(),
        }),
        tenant: String::new(),
        worker: Default::default(),
        log: Default::default(),
        base_dir: Default::default(),
    };
    example.base_dir.clear();
    let mut keys = Vec::new();
    if let Ok(toml::Value::Table(table)) = toml::Value::try_from(&example) {
        for (key, value) in table {
            match value {
                toml::Value::Table(section) => {
                    for (inner, value) in section {
                        keys.push((format!("{key}.{inner}"), value));
                    }
                }
                other => keys.push((key, other)),
            }
        }
    }
    keys
}

fn env_name(path: &str) -> String {
    format!("FERRY_{}", path.replace('.', "_").to_ascii_uppercase())
}

/// Applies every `FERRY_*` variable in `env` to `config`, one at a time so an error names the
/// variable that caused it.
pub(crate) fn apply(config: &mut Config, env: &[(String, String)]) -> Result<(), ConfigError> {
    let keys = settable_keys();
    let referenced: Vec<String> = config
        .secret_refs()
        .into_iter()
        .filter_map(|(_, r)| match r {
            SecretRef::Env(var) => Some(var.clone()),
            SecretRef::Vault(_) => None,
        })
        .collect();
    let mut vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(name, _)| name.starts_with("FERRY_"))
        .filter(|(name, _)| {
            !RESERVED_ENV.contains(&name.as_str()) && !name.starts_with("FERRY_TEST_")
        })
        .filter(|(name, _)| !referenced.contains(name))
        .collect();
    vars.sort();
    for (name, raw) in vars {
        let env_error = |message: String| ConfigError {
            location: None,
            message: format!("environment variable {name}: {message}"),
        };
        let Some((path, example)) = keys.iter().find(|(path, _)| &env_name(path) == name) else {
            let names: Vec<String> = keys.iter().map(|(p, _)| env_name(p)).collect();
            let hint = match closest(name, names.iter().map(String::as_str)) {
                Some(best) => format!("did you mean {best}?"),
                None => {
                    "unset it, or see `ferry config check --help` for the variables Ferry reads"
                        .to_owned()
                }
            };
            return Err(env_error(format!("not a Ferry setting; {hint}")));
        };
        let value = match example {
            toml::Value::Integer(_) => toml::Value::Integer(
                raw.trim()
                    .parse()
                    .map_err(|_| env_error(format!("{path} needs a whole number, not {raw:?}")))?,
            ),
            toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(env_error(format!(
                        "{path} needs true or false, not {raw:?}"
                    )));
                }
            }),
            _ => toml::Value::String(raw.clone()),
        };
        let mut table = match toml::Value::try_from(&*config) {
            Ok(toml::Value::Table(table)) => table,
            _ => {
                return Err(env_error(
                    "the configuration could not be re-read".to_owned(),
                ));
            }
        };
        match path.split_once('.') {
            Some((section, key)) => {
                let entry = table
                    .entry(section.to_owned())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(inner) = entry {
                    inner.insert(key.to_owned(), value);
                }
            }
            None => {
                table.insert(path.clone(), value);
            }
        }
        let base_dir = std::mem::take(&mut config.base_dir);
        *config = toml::Value::Table(table)
            .try_into()
            .map_err(|err: toml::de::Error| {
                let detail = err.message().to_owned();
                // A partly set section (say FERRY_SALESFORCE_CLIENT_ID alone) lacks its other keys.
                env_error(if detail.contains(crate::secret::LITERAL_SECRET) {
                    detail
                } else {
                    format!("cannot set {path}: {detail}")
                })
            })?;
        config.base_dir = base_dir;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn all_env_names() -> Vec<String> {
    settable_keys().iter().map(|(p, _)| env_name(p)).collect()
}
