//! The three ways an app authenticates to Brightpearl (reference §2): a private system app's
//! account token, a private staff app's staff token, and an OAuth instance app's bearer token
//! (renewed with its refresh token, which rotates: every renewal is saved before it is used).

use async_trait::async_trait;
use ferry_http::{Auth, Error, HeaderMap, HeaderName, HeaderValue, reqwest};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// `brightpearl-app-ref`.
pub const APP_REF: &str = "brightpearl-app-ref";
/// `brightpearl-dev-ref`.
pub const DEV_REF: &str = "brightpearl-dev-ref";
/// `brightpearl-account-token`.
pub const ACCOUNT_TOKEN: &str = "brightpearl-account-token";
/// `brightpearl-staff-token`.
pub const STAFF_TOKEN: &str = "brightpearl-staff-token";

fn header_value(what: &str, text: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(text).map_err(|_| Error::Config {
        message: format!(
            "the Brightpearl {what} holds characters a header cannot carry; copy it again \
             without spaces or line breaks"
        ),
    })
}

fn secret_value(what: &str, secret: &SecretString) -> Result<HeaderValue, Error> {
    let mut value = header_value(what, secret.expose_secret())?;
    // Keeps the token out of debug output and lets HTTP/2 avoid indexing it.
    value.set_sensitive(true);
    Ok(value)
}

/// A fixed token: the account token of a private system app, or a staff token.
#[derive(Debug)]
pub struct StaticToken {
    header: HeaderName,
    app_ref: HeaderValue,
    dev_ref: Option<HeaderValue>,
    token: HeaderValue,
}

impl StaticToken {
    /// `brightpearl-app-ref` + `brightpearl-account-token`.
    pub fn account(app_ref: &str, token: &SecretString) -> Result<Self, Error> {
        Ok(Self {
            header: HeaderName::from_static(ACCOUNT_TOKEN),
            app_ref: header_value("app reference", app_ref)?,
            dev_ref: None,
            token: secret_value("account token", token)?,
        })
    }

    /// `brightpearl-app-ref` + `brightpearl-staff-token` (+ `brightpearl-dev-ref` when given).
    pub fn staff(
        app_ref: &str,
        dev_ref: Option<&str>,
        token: &SecretString,
    ) -> Result<Self, Error> {
        Ok(Self {
            header: HeaderName::from_static(STAFF_TOKEN),
            app_ref: header_value("app reference", app_ref)?,
            dev_ref: dev_ref
                .map(|d| header_value("developer reference", d))
                .transpose()?,
            token: secret_value("staff token", token)?,
        })
    }
}

#[async_trait]
impl Auth for StaticToken {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        headers.insert(APP_REF, self.app_ref.clone());
        if let Some(dev_ref) = &self.dev_ref {
            headers.insert(DEV_REF, dev_ref.clone());
        }
        headers.insert(self.header.clone(), self.token.clone());
        Ok(0)
    }

    async fn renew(&self, _generation: u64) -> Result<(), Error> {
        Ok(())
    }

    fn renewable(&self) -> bool {
        false
    }
}

/// An OAuth token pair.
#[derive(Debug, Clone)]
pub struct OAuthTokens {
    /// The bearer token.
    pub access_token: SecretString,
    /// The refresh token (rotates on every refresh).
    pub refresh_token: SecretString,
    /// The host to call, from the token answer (`api_domain`), if it came with one.
    pub api_domain: Option<String>,
    /// `installation_instance_id`, on the code grant.
    pub installation_instance_id: Option<String>,
    /// Seconds the access token lives.
    pub expires_in: Option<u64>,
}

/// Where renewed tokens are kept (the vault, in the binary). A refresh token rotates, so the
/// new one must be saved before the old one is forgotten, or a restart would lock Ferry out.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Saves a renewed pair.
    async fn save(&self, tokens: &OAuthTokens) -> Result<(), String>;
}

/// A token store that keeps nothing (tests, one-off tools that are handed a fresh pair).
#[derive(Debug, Default)]
pub struct ForgetTokens;

#[async_trait]
impl TokenStore for ForgetTokens {
    async fn save(&self, _tokens: &OAuthTokens) -> Result<(), String> {
        Ok(())
    }
}

/// The OAuth app's identity and token endpoint.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The app reference (`client_id` in token requests, `brightpearl-app-ref` on calls).
    pub app_ref: String,
    /// The developer reference (`brightpearl-dev-ref`).
    pub dev_ref: String,
    /// The client secret, for apps with "confidential OAuth" on.
    pub client_secret: Option<SecretString>,
    /// The token endpoint, e.g. `https://oauth.brightpearl.com/token/{account}`.
    pub token_url: String,
}

/// The answer of the token endpoint.
#[derive(Debug, serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    api_domain: Option<String>,
    installation_instance_id: Option<String>,
    expires_in: Option<u64>,
}

/// An error answer of the token endpoint.
#[derive(Debug, serde::Deserialize)]
struct TokenError {
    error: String,
    error_description: Option<String>,
}

impl OAuthApp {
    /// Exchanges an authorization code for a token pair (the code grant).
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
    ) -> Result<OAuthTokens, Error> {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("client_id", self.app_ref.clone()),
            ("redirect_uri", redirect_uri.to_owned()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret().to_owned()));
        }
        self.token_request(http, &form, None).await
    }

    /// Exchanges a refresh token for a new pair.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &SecretString,
    ) -> Result<OAuthTokens, Error> {
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
            ("client_id", self.app_ref.clone()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret().to_owned()));
        }
        self.token_request(http, &form, Some(refresh_token)).await
    }

    async fn token_request(
        &self,
        http: &reqwest::Client,
        form: &[(&str, String)],
        previous_refresh: Option<&SecretString>,
    ) -> Result<OAuthTokens, Error> {
        let label = format!("POST {}", path_of(&self.token_url));
        let network = |e: reqwest::Error| Error::GaveUp {
            api: "brightpearl",
            label: label.clone(),
            attempts: 1,
            elapsed: Duration::ZERO,
            last: format!("the token endpoint could not be reached: {e}"),
        };
        let response = http
            .post(&self.token_url)
            .form(form)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(network)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(network)?;
        if status != 200 {
            let (code, message) = match serde_json::from_slice::<TokenError>(&body) {
                Ok(e) => (e.error.clone(), e.error_description.unwrap_or(e.error)),
                Err(_) => (
                    format!("HTTP_{status}"),
                    String::from_utf8_lossy(&body).chars().take(200).collect(),
                ),
            };
            return Err(Error::Unauthorized {
                api: "brightpearl",
                label,
                message: format!("the token endpoint refused the grant: {code}: {message}"),
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| Error::Decode {
            api: "brightpearl",
            label,
            message: e.to_string(),
            snippet: "(token answer withheld)".into(),
        })?;
        let refresh_token = match (answer.refresh_token, previous_refresh) {
            (Some(token), _) => SecretString::from(token),
            // An answer without a new refresh token leaves the old one valid.
            (None, Some(previous)) => previous.clone(),
            (None, None) => SecretString::from(String::new()),
        };
        Ok(OAuthTokens {
            access_token: SecretString::from(answer.access_token),
            refresh_token,
            api_domain: answer.api_domain,
            installation_instance_id: answer.installation_instance_id,
            expires_in: answer.expires_in,
        })
    }
}

fn path_of(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(url)
}

/// An OAuth instance app's session: the bearer token, renewed through the refresh token when
/// Brightpearl refuses it (`Authorization token expired`).
pub struct OAuthSession {
    app: OAuthApp,
    app_ref: HeaderValue,
    dev_ref: HeaderValue,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    /// (generation, tokens): read by every call, replaced by a renewal.
    current: RwLock<(u64, OAuthTokens)>,
    /// Serialises renewals so that concurrent refusals renew once.
    renewing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("app_ref", &self.app.app_ref)
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    /// A session starting from `tokens` (an access token may be empty: the first call then
    /// renews it from the refresh token).
    pub fn new(
        app: OAuthApp,
        tokens: OAuthTokens,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, Error> {
        Ok(Self {
            app_ref: header_value("app reference", &app.app_ref)?,
            dev_ref: header_value("developer reference", &app.dev_ref)?,
            app,
            http,
            store,
            current: RwLock::new((0, tokens)),
            renewing: tokio::sync::Mutex::new(()),
        })
    }

    /// The tokens in use now.
    pub fn tokens(&self) -> OAuthTokens {
        self.read().1.clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (u64, OAuthTokens)> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Auth for OAuthSession {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        let (generation, bearer) = {
            let current = self.read();
            (current.0, current.1.access_token.clone())
        };
        headers.insert(APP_REF, self.app_ref.clone());
        headers.insert(DEV_REF, self.dev_ref.clone());
        let bearer = format!("Bearer {}", bearer.expose_secret());
        headers.insert(
            reqwest::header::AUTHORIZATION,
            secret_value("access token", &SecretString::from(bearer))?,
        );
        Ok(generation)
    }

    async fn renew(&self, generation: u64) -> Result<(), Error> {
        let _one_at_a_time = self.renewing.lock().await;
        let refresh = {
            let current = self.read();
            if current.0 != generation {
                return Ok(());
            }
            current.1.refresh_token.clone()
        };
        let tokens = self.app.refresh(&self.http, &refresh).await?;
        self.store.save(&tokens).await.map_err(|e| Error::Config {
            message: format!(
                "Brightpearl issued a new refresh token but it could not be saved ({e}); fix \
                 the vault, then reconnect the account"
            ),
        })?;
        let mut current = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *current = (generation + 1, tokens);
        tracing::info!("renewed the Brightpearl OAuth token");
        Ok(())
    }
}
