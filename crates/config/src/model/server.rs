//! `[server]`: Ferry's own HTTP server (`ferry serve`): where it listens, the secret in the
//! webhook intake's path, how large a webhook body may be, and the public address Brightpearl
//! calls.

use super::connectors::check_http_url;
use crate::{ConfigError, SecretRef};
use serde::{Deserialize, Serialize};

/// `[server]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The address `ferry serve` listens on (`127.0.0.1:8080`; `0.0.0.0:8080` for every
    /// interface). `--listen` overrides it.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The secret path segment of the webhook intake (`/hooks/brightpearl/<token>`), as a
    /// secret reference. Required for intake: without it `ferry serve` accepts no webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_token: Option<SecretRef>,
    /// The largest webhook body accepted, in bytes; larger ones are refused with 413.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// Where the outside world reaches this server (`https://ferry.example.com`): webhooks
    /// are registered at `<public_url>/hooks/brightpearl/<token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Tokens of the admin API (`/api/...`): `[[server.api_tokens]]` with `name`, `role` and
    /// the token's `sha256` (`ferry api-token new` prints one). None: the API refuses every
    /// call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_tokens: Vec<ApiTokenConfig>,
}

/// One `[[server.api_tokens]]` entry. The token itself is never stored: only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenConfig {
    /// Who or what uses it (recorded in the audit log as the actor).
    pub name: String,
    /// What it may do.
    pub role: ApiRole,
    /// The SHA-256 of the token text, 64 hexadecimal digits.
    pub sha256: String,
}

/// What an admin API token may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiRole {
    /// Reads flows, queues, dead letters and the audit log.
    Viewer,
    /// Also retries and discards dead letters.
    Operator,
    /// Also changes configuration.
    Admin,
}

/// The default listen address: this machine only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default webhook body limit: 1 MiB (Brightpearl's id-set notices are a few hundred bytes).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;
/// The largest body limit accepted: beyond it a hostile client could make the intake buffer
/// more than a webhook ever needs.
const MAX_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

fn default_listen() -> String {
    DEFAULT_LISTEN.to_owned()
}

fn default_max_body_bytes() -> u64 {
    DEFAULT_MAX_BODY_BYTES
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            intake_token: None,
            max_body_bytes: default_max_body_bytes(),
            public_url: None,
            api_tokens: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// The listen address as a socket address.
    pub fn listen_addr(&self) -> Result<std::net::SocketAddr, String> {
        self.listen.trim().parse().map_err(|_| {
            format!(
                "server.listen {:?} is not an address and port: write e.g. \"127.0.0.1:8080\" \
                 (this machine only) or \"0.0.0.0:8080\" (every interface)",
                self.listen
            )
        })
    }

    /// The webhook URL Brightpearl should call for `token`: `<public_url>/hooks/brightpearl/<token>`.
    pub fn brightpearl_hook_url(&self, token: &str) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|base| format!("{}/hooks/brightpearl/{token}", base.trim_end_matches('/')))
    }

    /// Values that parse but are not acceptable.
    pub(crate) fn validate(
        &self,
        at: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<(), ConfigError> {
        self.listen_addr().map_err(|reason| at("listen", reason))?;
        if !(1024..=MAX_MAX_BODY_BYTES).contains(&self.max_body_bytes) {
            return Err(at(
                "max_body_bytes",
                format!(
                    "server.max_body_bytes must be from 1024 to {MAX_MAX_BODY_BYTES}, not {}: \
                     Brightpearl's webhook bodies are a few hundred bytes (the default is \
                     {DEFAULT_MAX_BODY_BYTES})",
                    self.max_body_bytes
                ),
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        for token in &self.api_tokens {
            let name = token.name.trim();
            if name.is_empty() {
                return Err(at(
                    "api_tokens",
                    "server.api_tokens: a token has an empty name: name who uses it".to_owned(),
                ));
            }
            if names.contains(&name) {
                return Err(at(
                    "api_tokens",
                    format!("server.api_tokens: two tokens are named {name:?}: names must differ"),
                ));
            }
            names.push(name);
            let hex = token.sha256.trim();
            if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(at(
                    "api_tokens",
                    format!(
                        "server.api_tokens {name:?}: sha256 must be the token's SHA-256 as 64 \
                         hexadecimal digits (`ferry api-token new` prints the entry), not the \
                         token itself"
                    ),
                ));
            }
        }
        if let Some(url) = &self.public_url {
            check_http_url(url).map_err(|r| at("public_url", format!("server.public_url {r}")))?;
            if url.contains('?') || url.contains('#') {
                return Err(at(
                    "public_url",
                    format!(
                        "server.public_url {url:?} must be a plain address without a query or \
                         fragment: Ferry adds /hooks/brightpearl/<token> to it"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The secret references of the section, with the key that holds each.
    pub(crate) fn secret_refs(&self) -> Vec<(&'static str, &SecretRef)> {
        self.intake_token
            .iter()
            .map(|r| ("server.intake_token", r))
            .collect()
    }
}
