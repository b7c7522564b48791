//! `[alerts]`: rules that watch the queue, the dead letters, the capture sources, the API
//! budgets and the circuit breakers, and
//! where their notices go (a Slack-compatible webhook, email over SMTP).

use crate::{ConfigError, SecretRef};
use serde::{Deserialize, Serialize};

/// `[alerts]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// A Slack-compatible incoming webhook URL, as a secret reference (the URL is the
    /// credential): notices are POSTed as `{"text": "..."}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_webhook_url: Option<SecretRef>,
    /// Email over SMTP (`[alerts.email]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<AlertEmailConfig>,
    /// Seconds between two checks of the rules.
    #[serde(default = "default_check_every")]
    pub check_every_seconds: u64,
    /// The window `dead_letters_growth` and `error_rate` look back over, in minutes.
    #[serde(default = "default_window_minutes")]
    pub window_minutes: u64,
    /// Fires when a flow gains at least this many dead letters within the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letters_growth: Option<u64>,
    /// Fires when a flow's oldest waiting item is at least this many seconds old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<u64>,
    /// Fires when failed records / processed records over the window reach this fraction
    /// (0.05 = 5 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// The fewest records processed within the window before `error_rate` is judged (one
    /// failure out of one is not a trend).
    #[serde(default = "default_error_rate_min_records")]
    pub error_rate_min_records: u64,
    /// Fires when a capture source (a poller, a change-event subscriber) has been failing for
    /// at least this many minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_minutes: Option<u64>,
    /// Fires when what is left of an API budget (a Brightpearl window, the Salesforce daily
    /// allocation) falls below this fraction of its size (0.1 = 10 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_budget_below: Option<f64>,
    /// Fires when an endpoint family's circuit breaker has been open for at least this many
    /// minutes (0: as soon as a check sees it open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker_open_minutes: Option<u64>,
}

/// `[alerts.email]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertEmailConfig {
    /// The SMTP server as a secret reference whose value is `smtp://USER:PASSWORD@HOST:PORT`
    /// (STARTTLS when the server offers it; port 25 for a relay on this machine, 587 otherwise)
    /// or `smtps://USER:PASSWORD@HOST:PORT` (implicit TLS, port 465 by default). User and
    /// password are optional.
    pub smtp_url: SecretRef,
    /// The sender address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// Whether the mail must go over TLS (implicit or STARTTLS, the server's certificate
    /// verified). Unset: required for every host except `localhost`, `127.0.0.1` and `::1`.
    /// `false` lets a relay on a trusted private network take mail in clear, but never
    /// credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    /// A PEM file of CA certificates to trust besides the system's (a private relay's CA);
    /// relative to the config file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

fn default_check_every() -> u64 {
    30
}
fn default_window_minutes() -> u64 {
    15
}
fn default_error_rate_min_records() -> u64 {
    20
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            slack_webhook_url: None,
            email: None,
            check_every_seconds: default_check_every(),
            window_minutes: default_window_minutes(),
            dead_letters_growth: None,
            lag_seconds: None,
            error_rate: None,
            error_rate_min_records: default_error_rate_min_records(),
            outage_minutes: None,
            api_budget_below: None,
            breaker_open_minutes: None,
        }
    }
}

impl AlertsConfig {
    /// True when at least one rule is set.
    pub fn has_rules(&self) -> bool {
        self.dead_letters_growth.is_some()
            || self.lag_seconds.is_some()
            || self.error_rate.is_some()
            || self.outage_minutes.is_some()
            || self.api_budget_below.is_some()
            || self.breaker_open_minutes.is_some()
    }

    /// Values that parse but are not acceptable. `at(section, key, message)` locates the key.
    pub(crate) fn validate(
        &self,
        at: &dyn Fn(&str, &str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        let here = |key: &str, message: String| at("alerts", key, message);
        if !(5..=3600).contains(&self.check_every_seconds) {
            return Err(here(
                "check_every_seconds",
                format!(
                    "alerts.check_every_seconds must be from 5 to 3600, not {}: the rules are \
                     checked this often (the default is 30)",
                    self.check_every_seconds
                ),
            ));
        }
        if !(1..=1440).contains(&self.window_minutes) {
            return Err(here(
                "window_minutes",
                format!(
                    "alerts.window_minutes must be from 1 to 1440 (a day), not {}: \
                     dead_letters_growth and error_rate look back this far (the default is 15)",
                    self.window_minutes
                ),
            ));
        }
        for (key, value) in [
            ("dead_letters_growth", self.dead_letters_growth),
            ("lag_seconds", self.lag_seconds),
            ("outage_minutes", self.outage_minutes),
        ] {
            if value == Some(0) {
                return Err(here(
                    key,
                    format!(
                        "alerts.{key} must be at least 1: 0 would fire all the time; remove \
                         the key to turn the rule off"
                    ),
                ));
            }
        }
        if let Some(rate) = self.error_rate
            && !(rate > 0.0 && rate <= 1.0)
        {
            return Err(here(
                "error_rate",
                format!(
                    "alerts.error_rate must be a fraction above 0 and at most 1 (0.05 is 5 %), \
                     not {rate}"
                ),
            ));
        }
        if let Some(fraction) = self.api_budget_below
            && !(fraction > 0.0 && fraction < 1.0)
        {
            return Err(here(
                "api_budget_below",
                format!(
                    "alerts.api_budget_below must be a fraction above 0 and below 1 (0.1 fires \
                     when less than 10 % of a budget is left), not {fraction}"
                ),
            ));
        }
        if !self.has_rules() {
            return Err(here(
                "dead_letters_growth",
                "[alerts] sets no rule, so it would never alert: set at least one of \
                 dead_letters_growth, lag_seconds, error_rate, outage_minutes, \
                 api_budget_below or breaker_open_minutes (or remove the section)"
                    .to_owned(),
            ));
        }
        if self.slack_webhook_url.is_none() && self.email.is_none() {
            return Err(here(
                "slack_webhook_url",
                "[alerts] has rules but nowhere to send their notices: set \
                 slack_webhook_url = \"vault:alerts.slack_webhook_url\" or add [alerts.email] \
                 with smtp_url, from and to"
                    .to_owned(),
            ));
        }
        if let Some(email) = &self.email {
            let mail_at = |key: &str, message: String| at("alerts.email", key, message);
            if !is_address(&email.from) {
                return Err(mail_at(
                    "from",
                    format!(
                        "alerts.email.from {:?} is not an email address: write e.g. \
                         \"ferry@example.com\"",
                        email.from
                    ),
                ));
            }
            if email.to.is_empty() {
                return Err(mail_at(
                    "to",
                    "alerts.email.to names no recipient: write e.g. to = [\"ops@example.com\"]"
                        .to_owned(),
                ));
            }
            if email
                .ca_file
                .as_deref()
                .is_some_and(|f| f.trim().is_empty())
            {
                return Err(mail_at(
                    "ca_file",
                    "alerts.email.ca_file is empty: name a PEM file of CA certificates, or \
                     remove the key to trust the system's CAs only"
                        .to_owned(),
                ));
            }
            if let Some(bad) = email.to.iter().find(|a| !is_address(a)) {
                return Err(mail_at(
                    "to",
                    format!(
                        "alerts.email.to: {bad:?} is not an email address: write e.g. \
                         \"ops@example.com\""
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The secret references of the section, with the key that holds each.
    pub(crate) fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        let mut refs = Vec::new();
        if let Some(url) = &self.slack_webhook_url {
            refs.push(("alerts.slack_webhook_url", url));
        }
        if let Some(email) = &self.email {
            refs.push(("alerts.email.smtp_url", &email.smtp_url));
        }
        refs
    }
}

/// A plain `local@domain` address: no spaces, no angle brackets or line breaks (which would
/// let a value inject SMTP commands or headers).
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"'))
}
