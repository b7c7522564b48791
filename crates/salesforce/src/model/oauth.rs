//! The OAuth token endpoint's answers (`/services/oauth2/token`).

use super::parse_datetime_ms;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use std::fmt;
use time::OffsetDateTime;

/// A successful token answer. The tokens are secrets: `Debug` does not show them.
#[derive(Clone, Deserialize)]
pub struct TokenAnswer {
    /// The bearer token for data calls.
    #[serde(deserialize_with = "secret")]
    pub access_token: SecretString,
    /// The org's base URL; every data call goes there (use it as given: scheme and port too).
    pub instance_url: String,
    /// The identity URL, ending `/id/<org id>/<user id>`.
    #[serde(default)]
    pub id: Option<String>,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// When the token was issued, as epoch milliseconds in a string.
    #[serde(default)]
    pub issued_at: Option<String>,
    /// HMAC of `id + issued_at` keyed with the client secret.
    #[serde(default)]
    pub signature: Option<String>,
    /// Only from flows that grant one (web server; refresh with rotation).
    #[serde(default, deserialize_with = "optional_secret")]
    pub refresh_token: Option<SecretString>,
    /// Granted scopes, space-separated.
    #[serde(default)]
    pub scope: Option<String>,
}

impl TokenAnswer {
    /// `issued_at` as a time, when it is a number of milliseconds.
    pub fn issued_at_time(&self) -> Option<OffsetDateTime> {
        self.issued_at.as_deref().and_then(parse_datetime_ms)
    }

    /// The org id and user id from the identity URL's last two segments.
    pub fn org_and_user(&self) -> Option<(&str, &str)> {
        let mut segments = self.id.as_deref()?.trim_end_matches('/').rsplit('/');
        let user = segments.next()?;
        let org = segments.next()?;
        Some((org, user))
    }
}

impl fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("access_token", &"[redacted]")
            .field("instance_url", &self.instance_url)
            .field("id", &self.id)
            .field("token_type", &self.token_type)
            .field("issued_at", &self.issued_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl PartialEq for TokenAnswer {
    fn eq(&self, other: &Self) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
            && self.instance_url == other.instance_url
            && self.id == other.id
            && self.issued_at == other.issued_at
    }
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

fn optional_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
}

/// A refused token request: `{"error":"invalid_grant","error_description":"..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct OAuthError {
    /// The code (`invalid_grant`, `invalid_client_id` ...).
    pub error: String,
    /// Salesforce's explanation.
    pub error_description: String,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.error_description)
    }
}

impl std::error::Error for OAuthError {}
