//! OAuth sessions (reference §2.2–2.4): the JWT bearer, client credentials and refresh token
//! grants, re-run once when Salesforce refuses the session (there is no `expires_in`: a 401 is
//! the only sign of expiry).

use super::token::{self, Tokens};
use super::{Session, bearer};
use async_trait::async_trait;
use ferry_http::{Auth, Error, HeaderMap, reqwest};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, RwLock};

/// How long a JWT assertion is valid (simple-salesforce's choice; Salesforce allows a few
/// minutes).
const ASSERTION_SECONDS: u64 = 180;

/// How Ferry obtains a session.
#[derive(Clone)]
pub enum Grant {
    /// The JWT bearer flow: an RS256 assertion signed with the connected app's key. No
    /// refresh token; each renewal signs a new assertion.
    JwtBearer {
        /// The connected app's consumer key (`iss`).
        client_id: String,
        /// The user to act as (`sub`).
        username: String,
        /// The private key (PEM, PKCS#1 or PKCS#8) matching the app's certificate.
        private_key: SecretString,
        /// `aud`; the login URL when `None` (set `https://login.salesforce.com` when the
        /// token is requested from a My Domain host).
        audience: Option<String>,
    },
    /// The client credentials flow: runs as the connected app's Run As user.
    ClientCredentials {
        /// The consumer key.
        client_id: String,
        /// The consumer secret.
        client_secret: SecretString,
        /// Send the pair as HTTP Basic instead of form fields.
        basic_auth: bool,
    },
    /// A refresh token obtained once through `ferry connect salesforce`.
    RefreshToken {
        /// The consumer key.
        client_id: String,
        /// The consumer secret, if the app requires it for refresh.
        client_secret: Option<SecretString>,
        /// The refresh token.
        refresh_token: SecretString,
    },
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs: only the kind and the public identifiers.
        match self {
            Grant::JwtBearer {
                client_id,
                username,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("client_id", client_id)
                .field("username", username)
                .finish_non_exhaustive(),
            Grant::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            Grant::RefreshToken { client_id, .. } => f
                .debug_struct("RefreshToken")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

impl Grant {
    /// The grant's name in messages.
    pub fn name(&self) -> &'static str {
        match self {
            Grant::JwtBearer { .. } => "JWT bearer",
            Grant::ClientCredentials { .. } => "client credentials",
            Grant::RefreshToken { .. } => "refresh token",
        }
    }

    /// Runs the grant once against `login_url`.
    pub async fn fetch(&self, http: &reqwest::Client, login_url: &str) -> Result<Tokens, Error> {
        let name = self.name();
        match self {
            Grant::JwtBearer {
                client_id,
                username,
                private_key,
                audience,
            } => {
                let assertion = jwt_assertion(
                    client_id,
                    username,
                    audience.as_deref().unwrap_or(login_url),
                    private_key,
                )?;
                let form = [
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", assertion.as_str()),
                ];
                token::request(http, login_url, name, &form, None).await
            }
            Grant::ClientCredentials {
                client_id,
                client_secret,
                basic_auth,
            } => {
                if *basic_auth {
                    let form = [("grant_type", "client_credentials")];
                    token::request(
                        http,
                        login_url,
                        name,
                        &form,
                        Some((client_id, client_secret)),
                    )
                    .await
                } else {
                    let form = [
                        ("grant_type", "client_credentials"),
                        ("client_id", client_id.as_str()),
                        ("client_secret", client_secret.expose_secret()),
                    ];
                    token::request(http, login_url, name, &form, None).await
                }
            }
            Grant::RefreshToken {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose_secret()),
                    ("client_id", client_id.as_str()),
                ];
                if let Some(secret) = client_secret {
                    form.push(("client_secret", secret.expose_secret()));
                }
                token::request(http, login_url, name, &form, None).await
            }
        }
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

/// Signs the JWT bearer assertion: RS256, `iss` = client id, `sub` = username, `aud`,
/// `exp` = now + 3 minutes.
pub fn jwt_assertion(
    client_id: &str,
    username: &str,
    audience: &str,
    private_key: &SecretString,
) -> Result<String, Error> {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose_secret().as_bytes())
        .map_err(|e| Error::Config {
            message: format!(
                "salesforce.private_key is not an RSA private key in PEM ({e}); give the key \
                 whose certificate is uploaded to the connected app (-----BEGIN PRIVATE KEY-----)"
            ),
        })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        iss: client_id,
        sub: username,
        aud: audience,
        exp: u64::try_from(now).unwrap_or_default() + ASSERTION_SECONDS,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .map_err(|e| Error::Config {
        message: format!(
            "the JWT assertion could not be signed with salesforce.private_key ({e}); give an \
             RSA key of at least 2048 bits"
        ),
    })
}

/// Where a refresh token is kept (the vault, in the binary). Salesforce rotates refresh
/// tokens only when the connected app asks for it; when it does, the new one must be saved
/// before the old one is forgotten, or a restart would lock Ferry out.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Saves a newly issued refresh token.
    async fn save_refresh_token(&self, refresh_token: &SecretString) -> Result<(), String>;
}

/// A token store that keeps nothing (grants without refresh tokens, tests, one-off tools).
#[derive(Debug, Default, Clone, Copy)]
pub struct ForgetTokens;

#[async_trait]
impl TokenStore for ForgetTokens {
    async fn save_refresh_token(&self, _refresh_token: &SecretString) -> Result<(), String> {
        Ok(())
    }
}

/// A session obtained through a [`Grant`], renewed by running the grant again when
/// Salesforce refuses it.
pub struct OAuthSession {
    login_url: String,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    /// The configured `instance_url`, which wins over the token answer's.
    instance_override: Option<String>,
    /// The grant; its refresh token is replaced when Salesforce rotates it.
    grant: RwLock<Grant>,
    /// (generation, tokens): read by every call, replaced by a renewal.
    current: RwLock<(u64, Tokens)>,
    /// Serialises renewals so that concurrent refusals renew once.
    renewing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("login_url", &self.login_url)
            .field("instance_url", &self.instance_url())
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    /// Runs `grant` against `login_url` (`https://login.salesforce.com`, a My Domain, or a
    /// sandbox's URL) and returns the session.
    pub async fn connect(
        login_url: &str,
        grant: Grant,
        http: reqwest::Client,
    ) -> Result<Self, Error> {
        Self::connect_with_store(login_url, grant, http, Arc::new(ForgetTokens)).await
    }

    /// [`OAuthSession::connect`], saving rotated refresh tokens in `store`.
    pub async fn connect_with_store(
        login_url: &str,
        grant: Grant,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, Error> {
        let tokens = grant.fetch(&http, login_url).await?;
        let session = Self::from_tokens(login_url, grant, tokens.clone(), http, store);
        session.keep_refresh_token(&tokens).await?;
        Ok(session)
    }

    /// A session starting from tokens obtained elsewhere (the authorization-code exchange),
    /// renewed through `grant`.
    pub fn from_tokens(
        login_url: &str,
        grant: Grant,
        tokens: Tokens,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Self {
        Self {
            login_url: login_url.trim_end_matches('/').to_owned(),
            http,
            store,
            instance_override: None,
            grant: RwLock::new(grant),
            current: RwLock::new((0, tokens)),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    /// Calls go to `instance_url` instead of the token answer's (`salesforce.instance_url`
    /// in the config: a proxy, or a pinned My Domain).
    pub fn with_instance_url(mut self, instance_url: impl Into<String>) -> Self {
        self.instance_override = Some(instance_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The tokens in use now.
    pub fn tokens(&self) -> Tokens {
        self.read().1.clone()
    }

    /// Bumped by each renewal.
    pub fn generation(&self) -> u64 {
        self.read().0
    }

    /// The grant's name (`JWT bearer`, …).
    pub fn grant_name(&self) -> &'static str {
        self.grant
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .name()
    }

    /// Saves and adopts a rotated refresh token.
    async fn keep_refresh_token(&self, tokens: &Tokens) -> Result<(), Error> {
        let Some(new) = &tokens.refresh_token else {
            return Ok(());
        };
        let rotated = match &*self
            .grant
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Grant::RefreshToken { refresh_token, .. } => {
                refresh_token.expose_secret() != new.expose_secret()
            }
            _ => false,
        };
        if !rotated {
            return Ok(());
        }
        self.store
            .save_refresh_token(new)
            .await
            .map_err(|e| Error::Config {
                message: format!(
                    "Salesforce issued a new refresh token but it could not be saved ({e}); \
                     fix the vault, then run `ferry connect salesforce` again"
                ),
            })?;
        if let Grant::RefreshToken { refresh_token, .. } = &mut *self
            .grant
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            *refresh_token = new.clone();
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (u64, Tokens)> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Auth for OAuthSession {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        let (generation, token) = {
            let current = self.read();
            (current.0, current.1.access_token.clone())
        };
        headers.insert(reqwest::header::AUTHORIZATION, bearer(&token)?);
        Ok(generation)
    }

    async fn renew(&self, generation: u64) -> Result<(), Error> {
        let _one_at_a_time = self.renewing.lock().await;
        if self.generation() != generation {
            // A concurrent caller renewed while this one waited.
            return Ok(());
        }
        let grant = self
            .grant
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut tokens = grant.fetch(&self.http, &self.login_url).await?;
        self.keep_refresh_token(&tokens).await?;
        if tokens.refresh_token.is_none() {
            // A refresh answer without a new refresh token leaves the old one valid.
            tokens.refresh_token = self.read().1.refresh_token.clone();
        }
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = (generation + 1, tokens);
        tracing::info!(grant = grant.name(), "renewed the Salesforce session");
        Ok(())
    }
}

impl Session for OAuthSession {
    fn instance_url(&self) -> String {
        match &self.instance_override {
            Some(url) => url.clone(),
            None => self.read().1.instance_url.clone(),
        }
    }
}
