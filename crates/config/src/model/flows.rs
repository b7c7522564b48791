//! `[flows]`: which sync flows run and where the user's own flow files are.
//!
//! The flows themselves (their mappings, rules and targets) are flow files, not config keys:
//! Ferry ships defaults and `dir` names a folder of the user's own. This section only says
//! where those files are and overrides each flow's own `enabled`. The names are checked
//! against the known flows by the engine (this crate does not know them).

use serde::{Deserialize, Serialize};

/// `[flows]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowsConfig {
    /// A folder of `*.toml` flow files, relative to `ferry.toml`'s folder. A file whose `name`
    /// is a default flow's replaces that flow; any other name adds a flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// Flows to run even though their file says `enabled = false`.
    #[serde(default)]
    pub enabled: Vec<String>,
    /// Flows not to run even though their file says `enabled = true` (the default).
    #[serde(default)]
    pub disabled: Vec<String>,
    /// `ferry serve` reconciles every enabled flow with repair this often (minutes), to find
    /// and fix what events missed; 0 turns the schedule off. Default: every 6 hours.
    #[serde(default = "default_reconcile_minutes")]
    pub reconcile_every_minutes: u64,
}

fn default_reconcile_minutes() -> u64 {
    360
}

impl Default for FlowsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            enabled: Vec::new(),
            disabled: Vec::new(),
            reconcile_every_minutes: default_reconcile_minutes(),
        }
    }
}

impl FlowsConfig {
    /// Names in both lists, or written twice, are mistakes the user must resolve.
    pub(crate) fn validate(
        &self,
        at: &dyn Fn(&str, String) -> crate::ConfigError,
    ) -> Result<(), crate::ConfigError> {
        if let Some(dir) = &self.dir
            && dir.trim().is_empty()
        {
            return Err(at(
                "dir",
                "flows.dir is empty: name a folder of flow files (e.g. \"flows\") or remove the key"
                    .to_owned(),
            ));
        }
        for (key, names) in [("enabled", &self.enabled), ("disabled", &self.disabled)] {
            for (i, name) in names.iter().enumerate() {
                if name.trim().is_empty() {
                    return Err(at(
                        key,
                        format!("flows.{key} has an empty flow name: remove it"),
                    ));
                }
                if names[..i].contains(name) {
                    return Err(at(
                        key,
                        format!("flows.{key} names {name:?} twice: remove one"),
                    ));
                }
            }
        }
        if self.reconcile_every_minutes > 10_080 {
            return Err(at(
                "reconcile_every_minutes",
                format!(
                    "flows.reconcile_every_minutes is {}: use at most 10080 (a week), or 0 to \
                     turn the schedule off",
                    self.reconcile_every_minutes
                ),
            ));
        }
        if let Some(name) = self.enabled.iter().find(|n| self.disabled.contains(n)) {
            return Err(at(
                "disabled",
                format!(
                    "flow {name:?} is in both flows.enabled and flows.disabled: keep it in one \
                     of them"
                ),
            ));
        }
        Ok(())
    }
}
