//! `[brightpearl]` and `[salesforce]`: the two accounts Ferry connects, and the rules their
//! values must follow.

use crate::{ConfigError, SecretRef};
use serde::{Deserialize, Deserializer, Serialize};

/// `[brightpearl]`: the account Ferry connects to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrightpearlConfig {
    /// The account code (the path segment after `/public-api/`).
    pub account: String,
    /// The datacenter's base URL, e.g. `https://use1.brightpearlconnect.com`, or the
    /// `api_domain` an OAuth token answer gave, as a host (`ws-use.brightpearl.com`) or a URL.
    /// Read it through [`BrightpearlConfig::api_url`], which adds the scheme to a bare host.
    pub base_url: String,
    /// The app reference sent as `brightpearl-app-ref` (and the OAuth `client_id` unless
    /// `client_id` says otherwise).
    pub app_ref: String,
    /// How Ferry authenticates. When absent it follows from the token that is set; read it
    /// through [`BrightpearlConfig::auth_mode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<BrightpearlAuth>,
    /// The account token (`brightpearl-account-token`) of a private system app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_token: Option<SecretRef>,
    /// A staff token (`brightpearl-staff-token`) of a private staff app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_token: Option<SecretRef>,
    /// The developer reference sent as `brightpearl-dev-ref`: required for OAuth, sent with a
    /// staff token too when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_ref: Option<String>,
    /// The OAuth client id, when it differs from `app_ref`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth client secret, for apps with "confidential OAuth" on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// The OAuth token endpoint, when the default ([`BrightpearlConfig::token_url`]) is wrong for
    /// the account, e.g. `https://oauth.brightpearlapp.com/token/myshop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The OAuth refresh token, normally `"vault:brightpearl.refresh_token"`: Brightpearl rotates
    /// it on every refresh, so only the vault can keep the latest one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretRef>,
    /// The account's request allowance per minute (200 unless Brightpearl raised it).
    #[serde(default = "default_requests_per_minute")]
    pub requests_per_minute: u32,
    /// Seconds one call may take before it is abandoned (and retried).
    #[serde(default = "default_brightpearl_timeout")]
    pub timeout_seconds: u64,
    /// The public URL of Ferry's webhook intake, which `ferry brightpearl webhooks sync` points
    /// the account's subscriptions at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_url: Option<String>,
}

/// How Ferry authenticates to Brightpearl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrightpearlAuth {
    /// A private system app: `brightpearl-account-token`.
    #[serde(rename = "account-token")]
    AccountToken,
    /// A private staff app: `brightpearl-staff-token`.
    #[serde(rename = "staff-token")]
    StaffToken,
    /// An OAuth instance app: a bearer token renewed with the refresh token.
    #[serde(rename = "oauth")]
    OAuth,
}

fn default_requests_per_minute() -> u32 {
    200
}
fn default_brightpearl_timeout() -> u64 {
    60
}

impl BrightpearlConfig {
    /// The auth mode: `auth` when set, else the one whose token is set. Fails when no token is
    /// set or both are (a config that `load` accepted always has one).
    pub fn auth_mode(&self) -> Result<BrightpearlAuth, String> {
        match (self.auth, &self.account_token, &self.staff_token) {
            (Some(mode), _, _) => Ok(mode),
            (None, Some(_), None) => Ok(BrightpearlAuth::AccountToken),
            (None, None, Some(_)) => Ok(BrightpearlAuth::StaffToken),
            (None, Some(_), Some(_)) => Err(
                "[brightpearl] sets both account_token and staff_token: say which to use with \
                 auth = \"account-token\" or auth = \"staff-token\""
                    .to_owned(),
            ),
            (None, None, None) => Err("[brightpearl] has no credentials: set account_token = \
                 \"vault:brightpearl.account_token\" (private system app), staff_token = \
                 \"vault:brightpearl.staff_token\" (private staff app), or auth = \"oauth\" with \
                 dev_ref and refresh_token (OAuth instance app)"
                .to_owned()),
        }
    }

    /// The base URL calls go to, without a trailing `/`: `base_url` as given, or `https://`
    /// before a bare host.
    pub fn api_url(&self) -> String {
        let url = self.base_url.trim().trim_end_matches('/');
        if url.contains("://") {
            url.to_owned()
        } else {
            format!("https://{url}")
        }
    }

    /// The OAuth token endpoint: `token_url`, else the datacenter's `{api_url}/{account}/oauth/token`
    /// (the form Brightpearl documents next to the datacenter hosts).
    pub fn token_url(&self) -> String {
        match &self.token_url {
            Some(url) => url.clone(),
            None => format!("{}/{}/oauth/token", self.api_url(), self.account),
        }
    }

    /// The OAuth client id: `client_id`, else `app_ref`.
    pub fn oauth_client_id(&self) -> &str {
        self.client_id.as_deref().unwrap_or(&self.app_ref)
    }

    /// Checks what types alone cannot. `at(key, message)` locates an error at `key`.
    pub(crate) fn validate(
        &self,
        at: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        if self.account.is_empty()
            || !self
                .account
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(at(
                "account",
                format!(
                    "brightpearl.account {:?} is not an account code: use the letters, digits, \
                     '-' and '_' that follow /public-api/ in the account's API URLs",
                    self.account
                ),
            ));
        }
        check_base_url(&self.base_url).map_err(|r| at("base_url", r))?;
        if !is_header_value(&self.app_ref) {
            return Err(at(
                "app_ref",
                "brightpearl.app_ref must not be empty or contain spaces: write the app \
                 reference shown in Brightpearl, e.g. \"myshop_ferry\""
                    .to_owned(),
            ));
        }
        let mode = self.auth_mode().map_err(|r| at("auth", r))?;
        let (key, needed, example) = match mode {
            BrightpearlAuth::AccountToken => (
                "account_token",
                self.account_token.is_some(),
                "account_token = \"vault:brightpearl.account_token\"",
            ),
            BrightpearlAuth::StaffToken => (
                "staff_token",
                self.staff_token.is_some(),
                "staff_token = \"vault:brightpearl.staff_token\"",
            ),
            BrightpearlAuth::OAuth => (
                "refresh_token",
                self.refresh_token.is_some(),
                "refresh_token = \"vault:brightpearl.refresh_token\" (`ferry connect brightpearl` \
                 stores it)",
            ),
        };
        if !needed {
            return Err(at(
                "auth",
                format!(
                    "brightpearl.auth = \"{}\" needs brightpearl.{key}: add {example}",
                    auth_name(mode)
                ),
            ));
        }
        if mode == BrightpearlAuth::OAuth && self.dev_ref.is_none() {
            return Err(at(
                "auth",
                "brightpearl.auth = \"oauth\" needs brightpearl.dev_ref, the developer \
                 reference sent as brightpearl-dev-ref: add dev_ref = \"...\" from the app's \
                 developer account"
                    .to_owned(),
            ));
        }
        for (key, value) in [("dev_ref", &self.dev_ref), ("client_id", &self.client_id)] {
            if let Some(value) = value
                && !is_header_value(value)
            {
                return Err(at(
                    key,
                    format!("brightpearl.{key} must not be empty or contain spaces"),
                ));
            }
        }
        for (key, value) in [
            ("token_url", &self.token_url),
            ("intake_url", &self.intake_url),
        ] {
            if let Some(url) = value {
                check_http_url(url).map_err(|r| at(key, format!("brightpearl.{key} {r}")))?;
            }
        }
        if !(1..=10_000).contains(&self.requests_per_minute) {
            return Err(at(
                "requests_per_minute",
                format!(
                    "brightpearl.requests_per_minute must be from 1 to 10000, not {}: use the \
                     account's allowance (200 unless Brightpearl raised it)",
                    self.requests_per_minute
                ),
            ));
        }
        if self.timeout_seconds == 0 {
            return Err(at(
                "timeout_seconds",
                "brightpearl.timeout_seconds must be at least 1 (the default is 60)".to_owned(),
            ));
        }
        Ok(())
    }

    /// Every secret reference in the section, with the key that holds it.
    pub(crate) fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        [
            ("brightpearl.account_token", &self.account_token),
            ("brightpearl.staff_token", &self.staff_token),
            ("brightpearl.client_secret", &self.client_secret),
            ("brightpearl.refresh_token", &self.refresh_token),
        ]
        .into_iter()
        .filter_map(|(key, r)| r.as_ref().map(|r| (key, r)))
        .collect()
    }
}

fn auth_name(mode: BrightpearlAuth) -> &'static str {
    match mode {
        BrightpearlAuth::AccountToken => "account-token",
        BrightpearlAuth::StaffToken => "staff-token",
        BrightpearlAuth::OAuth => "oauth",
    }
}

/// `[salesforce]`: the org Ferry connects to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceConfig {
    /// The login host, e.g. `https://login.salesforce.com` or `https://test.salesforce.com`.
    pub login_url: String,
    /// The connected app's consumer key.
    pub client_id: String,
    /// How Ferry gets its access token. When absent it follows from the credentials that are
    /// set; read it through [`SalesforceConfig::auth_mode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<SalesforceAuth>,
    /// The connected app's consumer secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<SecretRef>,
    /// The integration user's username (JWT bearer flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The PEM private key for the JWT bearer flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<SecretRef>,
    /// The refresh token of the refresh-token flow, normally
    /// `"vault:salesforce.refresh_token"` (`ferry connect salesforce` stores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretRef>,
    /// The org's API host. When set it is used exactly as given (http or https); otherwise the
    /// token answer's `instance_url` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    /// A PEM file of CA certificates to trust besides the system's (e.g. the sandbox's);
    /// relative to the config file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Percent of the org's daily API allocation Ferry may use (1–100), leaving the rest to the
    /// org's other integrations.
    #[serde(
        default = "default_daily_api_percent",
        deserialize_with = "daily_api_percent"
    )]
    pub daily_api_percent: u8,
    /// API calls one run (one process) may make, when limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_api_calls: Option<u64>,
    /// Batches of at least this many records go through Bulk API 2.0 instead of sObject
    /// Collections. Above 200, because one Collections call carries 200 records.
    #[serde(default = "default_bulk_threshold")]
    pub bulk_threshold: u32,
    /// Sent on every call as `Sforce-Call-Options: client=<client_name>`; change events whose
    /// origin carries it are Ferry's own and are dropped (echo suppression).
    #[serde(default = "default_client_name")]
    pub client_name: String,
    /// Seconds one call may take before it is abandoned (and retried).
    #[serde(default = "default_salesforce_timeout")]
    pub timeout_seconds: u64,
    /// The local port `ferry connect salesforce` receives the OAuth callback on; the connected
    /// app's callback URL must be `http://127.0.0.1:<callback_port>/callback`.
    #[serde(default = "default_callback_port")]
    pub callback_port: u16,
    /// The REST API version, e.g. `62.0`.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// The Pub/Sub API endpoint for change data capture (a sandbox's `grpc_url`); absent:
    /// Salesforce's global endpoint, `https://api.pubsub.salesforce.com:7443`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pubsub_url: Option<String>,
    /// Whether `ferry serve` takes Salesforce changes from change data capture (the Pub/Sub
    /// API, true) or polls with SOQL on `SystemModstamp` (false: orgs without CDC).
    #[serde(default = "default_cdc")]
    pub cdc: bool,
}

fn default_cdc() -> bool {
    true
}

/// How Ferry gets a Salesforce access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SalesforceAuth {
    /// OAuth JWT bearer: `username` and `private_key`.
    Jwt,
    /// OAuth client credentials: `client_secret` (the app's run-as user).
    ClientCredentials,
    /// OAuth refresh token: `refresh_token`, from `ferry connect salesforce`.
    RefreshToken,
}

fn default_daily_api_percent() -> u8 {
    80
}
fn default_bulk_threshold() -> u32 {
    2000
}
fn default_client_name() -> String {
    "ferry".to_owned()
}
fn default_salesforce_timeout() -> u64 {
    120
}
fn default_callback_port() -> u16 {
    1717
}
fn default_api_version() -> String {
    "62.0".to_owned()
}

/// Reads `daily_api_percent`, refusing values outside 1–100 with a message naming the key (a
/// plain `u8` would answer 300 with "expected u8").
fn daily_api_percent<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    let value = i64::deserialize(deserializer)?;
    u8::try_from(value)
        .ok()
        .filter(|percent| (1..=100).contains(percent))
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "salesforce.daily_api_percent must be from 1 to 100, not {value}: it is the \
                 share of the org's daily API allocation Ferry may use (default 80)"
            ))
        })
}

impl SalesforceConfig {
    /// The auth mode: `auth` when set, else JWT when `private_key` and `username` are set, else
    /// client credentials when `client_secret` is set, else refresh token when `refresh_token`
    /// is set. Fails when none is (a config that `load` accepted always has one).
    pub fn auth_mode(&self) -> Result<SalesforceAuth, String> {
        if let Some(mode) = self.auth {
            return Ok(mode);
        }
        if self.private_key.is_some() && self.username.is_some() {
            Ok(SalesforceAuth::Jwt)
        } else if self.client_secret.is_some() {
            Ok(SalesforceAuth::ClientCredentials)
        } else if self.refresh_token.is_some() {
            Ok(SalesforceAuth::RefreshToken)
        } else {
            Err(
                "[salesforce] has no credentials: set private_key and username (JWT bearer), \
                 client_secret = \"vault:salesforce.client_secret\" (client credentials), or \
                 refresh_token = \"vault:salesforce.refresh_token\" (run `ferry connect \
                 salesforce`)"
                    .to_owned(),
            )
        }
    }

    /// Checks what types alone cannot. `at(key, message)` locates an error at `key`.
    pub(crate) fn validate(
        &self,
        at: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        check_http_url(&self.login_url)
            .map_err(|r| at("login_url", format!("salesforce.login_url {r}")))?;
        if let Some(url) = &self.instance_url {
            check_http_url(url)
                .map_err(|r| at("instance_url", format!("salesforce.instance_url {r}")))?;
        }
        if let Some(url) = &self.pubsub_url {
            check_http_url(url)
                .map_err(|r| at("pubsub_url", format!("salesforce.pubsub_url {r}")))?;
        }
        if !is_header_value(&self.client_id) {
            return Err(at(
                "client_id",
                "salesforce.client_id must not be empty or contain spaces: write the connected \
                 app's consumer key"
                    .to_owned(),
            ));
        }
        if self.private_key.is_some() && self.username.is_none() {
            return Err(at(
                "private_key",
                "salesforce.private_key (JWT bearer) also needs salesforce.username, the \
                 integration user to act as"
                    .to_owned(),
            ));
        }
        let mode = self.auth_mode().map_err(|r| at("client_secret", r))?;
        let missing = match mode {
            SalesforceAuth::Jwt if self.private_key.is_none() => Some((
                "private_key",
                "private_key = \"vault:salesforce.private_key\" and username = \"...\"",
            )),
            SalesforceAuth::Jwt if self.username.is_none() => {
                Some(("username", "username = \"integration@example.com\""))
            }
            SalesforceAuth::ClientCredentials if self.client_secret.is_none() => Some((
                "client_secret",
                "client_secret = \"vault:salesforce.client_secret\"",
            )),
            SalesforceAuth::RefreshToken if self.refresh_token.is_none() => Some((
                "refresh_token",
                "refresh_token = \"vault:salesforce.refresh_token\" (run `ferry connect \
                 salesforce` to get one)",
            )),
            _ => None,
        };
        if let Some((key, example)) = missing {
            let name = match mode {
                SalesforceAuth::Jwt => "jwt",
                SalesforceAuth::ClientCredentials => "client-credentials",
                SalesforceAuth::RefreshToken => "refresh-token",
            };
            return Err(at(
                "auth",
                format!("salesforce.auth = \"{name}\" needs salesforce.{key}: add {example}"),
            ));
        }
        if self.ca_file.as_deref().is_some_and(|f| f.trim().is_empty()) {
            return Err(at(
                "ca_file",
                "salesforce.ca_file is empty: name a PEM file of CA certificates, or remove the \
                 key to trust the system's CAs only"
                    .to_owned(),
            ));
        }
        if self.run_api_calls == Some(0) {
            return Err(at(
                "run_api_calls",
                "salesforce.run_api_calls must be at least 1: remove the key for no per-run \
                 ceiling"
                    .to_owned(),
            ));
        }
        if self.bulk_threshold <= 200 {
            return Err(at(
                "bulk_threshold",
                format!(
                    "salesforce.bulk_threshold must be at least 201, not {}: batches of up to 200 \
                     records always go through sObject Collections (the default is 2000)",
                    self.bulk_threshold
                ),
            ));
        }
        let name_ok = (1..=40).contains(&self.client_name.len())
            && self
                .client_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(at(
                "client_name",
                format!(
                    "salesforce.client_name {:?} must be 1 to 40 characters from A-Z, a-z, 0-9, \
                     '_' and '-' (it is sent as Sforce-Call-Options: client=<client_name>)",
                    self.client_name
                ),
            ));
        }
        if self.timeout_seconds == 0 {
            return Err(at(
                "timeout_seconds",
                "salesforce.timeout_seconds must be at least 1 (the default is 120)".to_owned(),
            ));
        }
        if self.callback_port == 0 {
            return Err(at(
                "callback_port",
                "salesforce.callback_port must be from 1 to 65535 (the default is 1717)".to_owned(),
            ));
        }
        let version_ok = self
            .api_version
            .split_once('.')
            .is_some_and(|(major, minor)| {
                !major.is_empty()
                    && !minor.is_empty()
                    && major.bytes().all(|b| b.is_ascii_digit())
                    && minor.bytes().all(|b| b.is_ascii_digit())
            });
        if !version_ok {
            return Err(at(
                "api_version",
                format!(
                    "salesforce.api_version {:?} is not an API version: write it like \"62.0\"",
                    self.api_version
                ),
            ));
        }
        Ok(())
    }

    /// Every secret reference in the section, with the key that holds it.
    pub(crate) fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        [
            ("salesforce.client_secret", &self.client_secret),
            ("salesforce.private_key", &self.private_key),
            ("salesforce.refresh_token", &self.refresh_token),
        ]
        .into_iter()
        .filter_map(|(key, r)| r.as_ref().map(|r| (key, r)))
        .collect()
    }
}

/// True for a non-empty value without spaces or control characters (it goes into a header).
fn is_header_value(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

/// An absolute http(s) URL with a host.
pub(crate) fn check_http_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        None => Err(format!(
            "must start with https:// (or http:// for the sandbox), not {url:?}"
        )),
        Some(rest)
            if rest
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default()
                .is_empty()
                || rest.contains(char::is_whitespace) =>
        {
            Err(format!(
                "must name a host after the scheme and contain no spaces, not {url:?}"
            ))
        }
        Some(_) => Ok(()),
    }
}

/// A Brightpearl base URL: an http(s) URL, or a bare host as an OAuth `api_domain` gives it.
fn check_base_url(url: &str) -> Result<(), String> {
    let host_ok = |host: &str| {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':')
    };
    let fine = if url.contains("://") {
        check_http_url(url).is_ok()
    } else {
        host_ok(url.trim_end_matches('/'))
    };
    if fine {
        Ok(())
    } else {
        Err(format!(
            "brightpearl.base_url must be the datacenter's URL, e.g. \
             \"https://use1.brightpearlconnect.com\" (http:// for the sandbox), or the OAuth \
             api_domain host, e.g. \"ws-use.brightpearl.com\"; not {url:?}"
        ))
    }
}
