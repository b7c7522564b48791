//! `FERRY_*` environment overrides: `FERRY_<SECTION>_<KEY>` sets `[section] key`, `FERRY_<KEY>`
//! a top-level key. The set of valid variables is derived from the config's own shape, so it
//! can never drift from the keys the file accepts.

use crate::error::closest;
use crate::{Config, ConfigError, RESERVED_ENV, SecretRef};

/// Every settable key path (`store.url`) with the TOML type its value must have.
fn settable_keys() -> Vec<(String, toml::Value)> {
    let secret = || Some(SecretRef::Env("X".into()));
    let mut example = Config {
        store: crate::StoreConfig {
            url: Some(String::new()),
            password: secret(),
            ..Default::default()
        },
        vault: crate::VaultConfig {
            key_file: Some(String::new()),
        },
        // Every optional key set, so that every key appears in the serialised example.
        brightpearl: Some(crate::BrightpearlConfig {
            account: String::new(),
            base_url: String::new(),
            app_ref: String::new(),
            auth: Some(crate::BrightpearlAuth::AccountToken),
            account_token: secret(),
            staff_token: secret(),
            dev_ref: Some(String::new()),
            client_id: Some(String::new()),
            client_secret: secret(),
            token_url: Some(String::new()),
            refresh_token: secret(),
            requests_per_minute: 0,
            timeout_seconds: 0,
            intake_url: Some(String::new()),
        }),
        salesforce: Some(crate::SalesforceConfig {
            login_url: String::new(),
            client_id: String::new(),
            auth: Some(crate::SalesforceAuth::Jwt),
            client_secret: secret(),
            username: Some(String::new()),
            private_key: secret(),
            refresh_token: secret(),
            instance_url: Some(String::new()),
            ca_file: Some(String::new()),
            daily_api_percent: 0,
            run_api_calls: Some(0),
            bulk_threshold: 0,
            client_name: String::new(),
            timeout_seconds: 0,
            callback_port: 0,
            api_version: String::new(),
            pubsub_url: Some(String::new()),
            cdc: true,
        }),
        flows: crate::FlowsConfig {
            dir: Some(String::new()),
            ..Default::default()
        },
        server: crate::ServerConfig {
            intake_token: secret(),
            public_url: Some(String::new()),
            ..Default::default()
        },
        tenant: String::new(),
        worker: Default::default(),
        log: Default::default(),
        alerts: None,
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
/// variable that caused it. A section missing from the file may be given whole by variables
/// (`FERRY_SALESFORCE_LOGIN_URL`, `FERRY_SALESFORCE_CLIENT_ID`, ...): its required keys are
/// checked once every variable is in.
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
    if vars.is_empty() {
        return Ok(());
    }
    vars.sort();
    let file_table = match toml::Value::try_from(&*config) {
        Ok(toml::Value::Table(table)) => table,
        _ => {
            return Err(ConfigError {
                location: None,
                message: "the configuration could not be re-read to apply FERRY_* variables"
                    .to_owned(),
            });
        }
    };
    let mut table = file_table.clone();
    // Variables that set a key of a section the file does not have, by section.
    let mut new_sections: Vec<NewSection<'_>> = Vec::new();
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
        let value = typed(path, example, raw).map_err(env_error)?;
        set(&mut table, path, value.clone());
        if let Some((section, key)) = path.split_once('.')
            && !file_table.contains_key(section)
        {
            match new_sections.iter_mut().find(|(s, _)| s == section) {
                Some((_, set)) => set.push((name, key, value)),
                None => new_sections.push((section.to_owned(), vec![(name, key, value)])),
            }
        }
        match read(&table) {
            Ok(_) => {}
            // A section given only by variables lacks its other keys until they are all in.
            Err(err) if err.message().starts_with("missing field") => {}
            Err(err) => {
                let detail = err.message().to_owned();
                return Err(env_error(
                    if detail.contains(crate::secret::LITERAL_SECRET) {
                        detail
                    } else {
                        format!("cannot set {path}: {detail}")
                    },
                ));
            }
        }
    }
    let base_dir = std::mem::take(&mut config.base_dir);
    *config = match read(&table) {
        Ok(config) => config,
        Err(err) => return Err(incomplete_section(&file_table, &new_sections, &err)),
    };
    config.base_dir = base_dir;
    Ok(())
}

/// A section the file lacks, with the variables (name, key, value) that set its keys.
type NewSection<'a> = (String, Vec<(&'a str, &'a str, toml::Value)>);

/// The value of variable `raw` as the TOML type of the key's `example` value.
fn typed(path: &str, example: &toml::Value, raw: &str) -> Result<toml::Value, String> {
    Ok(match example {
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| format!("{path} needs a whole number, not {raw:?}"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(format!("{path} needs true or false, not {raw:?}")),
        }),
        // Lists (`FERRY_FLOWS_DISABLED=inventory_to_salesforce,products_to_salesforce`):
        // comma-separated, blanks dropped, so an empty variable is an empty list.
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ),
        _ => toml::Value::String(raw.to_owned()),
    })
}

/// Sets `section.key` (or a top-level key) in a config table, creating the section if needed.
fn set(table: &mut toml::Table, path: &str, value: toml::Value) {
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
            table.insert(path.to_owned(), value);
        }
    }
}

fn read(table: &toml::Table) -> Result<Config, toml::de::Error> {
    toml::Value::Table(table.clone()).try_into()
}

/// The error for a section that variables started but did not complete: names the section,
/// the variables that set it, and the variable for the missing key.
fn incomplete_section(
    file_table: &toml::Table,
    new_sections: &[NewSection<'_>],
    err: &toml::de::Error,
) -> ConfigError {
    let detail = err.message().to_owned();
    let missing = detail.split('`').nth(1).unwrap_or_default();
    for (section, vars) in new_sections {
        let mut alone = file_table.clone();
        for (_, key, value) in vars {
            set(&mut alone, &format!("{section}.{key}"), value.clone());
        }
        if read(&alone).is_ok() {
            continue;
        }
        let names: Vec<&str> = vars.iter().map(|(name, _, _)| *name).collect();
        return ConfigError {
            location: None,
            message: format!(
                "environment variable{} {} set{} [{section}], which the config file does not \
                 have, but not its required key {missing}: set {} too, or add [{section}] to \
                 the file",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                if names.len() == 1 { "s" } else { "" },
                env_name(&format!("{section}.{missing}")),
            ),
        };
    }
    ConfigError {
        location: None,
        message: format!("the FERRY_* variables leave the config incomplete: {detail}"),
    }
}

#[cfg(test)]
pub(crate) fn all_env_names() -> Vec<String> {
    settable_keys().iter().map(|(p, _)| env_name(p)).collect()
}
