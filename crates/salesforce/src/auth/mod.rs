//! Sessions: how the client proves who it is and where the org lives.
//!
//! A [`Session`] is a [`ferry_http::Auth`] that also knows the org's `instance_url`. The
//! OAuth flows (JWT bearer, client credentials, refresh token, authorization code with PKCE)
//! each produce one; [`FixedSession`] wraps a token someone else obtained.

mod callback;
mod oauth;
pub mod pkce;
mod token;

pub use callback::{CALLBACK_PATH, LocalCallback};
pub use oauth::{ForgetTokens, Grant, OAuthSession, TokenStore, jwt_assertion};
pub use token::Tokens;

use async_trait::async_trait;
use ferry_http::{Auth, Error, HeaderMap, HeaderValue, reqwest};
use secrecy::{ExposeSecret, SecretString};

/// Credentials plus the org's address.
pub trait Session: Auth {
    /// The org's `instance_url`, used exactly as given (http or https, any port).
    fn instance_url(&self) -> String;
}

/// `Authorization: Bearer …` as a sensitive header value.
pub fn bearer(token: &SecretString) -> Result<HeaderValue, Error> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::Config {
                message: "the Salesforce access token holds characters a header cannot carry; \
                      obtain a new one"
                    .into(),
            }
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A token obtained elsewhere (a sandbox's banner, a token pasted into a tool). It cannot be
/// renewed: when Salesforce refuses it, calls fail with [`Error::Unauthorized`].
#[derive(Debug)]
pub struct FixedSession {
    instance_url: String,
    token: SecretString,
}

impl FixedSession {
    /// A session for `instance_url` with `token`.
    pub fn new(instance_url: impl Into<String>, token: SecretString) -> Self {
        Self {
            instance_url: instance_url.into().trim_end_matches('/').to_owned(),
            token,
        }
    }
}

#[async_trait]
impl Auth for FixedSession {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        headers.insert(reqwest::header::AUTHORIZATION, bearer(&self.token)?);
        Ok(0)
    }

    async fn renew(&self, _generation: u64) -> Result<(), Error> {
        Ok(())
    }

    fn renewable(&self) -> bool {
        false
    }
}

impl Session for FixedSession {
    fn instance_url(&self) -> String {
        self.instance_url.clone()
    }
}
