//! Builds the connector clients from the configuration: secrets from the vault or the
//! environment, the auth scheme the config names, and one rate budget per account whose count
//! lives in the store, so that every Ferry process of a deployment spends from one allowance.

use crate::context::Context;
use anyhow::{Context as _, Result, anyhow};
use async_trait::async_trait;
use ferry_config::SecretRef;
use ferry_core::TenantId;
pub use ferry_engine::StoreLedger;
use ferry_http::budget::Budgets;
use ferry_http::{Auth, TransportConfig};
use ferry_store::Store;
use ferry_vault::Vault;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// Resolves secret references for one tenant, opening the vault only when one is needed.
pub struct Secrets<'a> {
    ctx: &'a Context,
    store: Arc<dyn Store>,
    tenant: TenantId,
    vault: tokio::sync::OnceCell<Arc<Vault>>,
}

impl<'a> Secrets<'a> {
    /// Secrets of `tenant`.
    pub fn new(ctx: &'a Context, store: Arc<dyn Store>, tenant: TenantId) -> Self {
        Self {
            ctx,
            store,
            tenant,
            vault: tokio::sync::OnceCell::new(),
        }
    }

    /// The vault (opened on first use).
    pub async fn vault(&self) -> Result<Arc<Vault>> {
        self.vault
            .get_or_try_init(|| async {
                let key = self.ctx.master_key()?;
                Ok::<_, anyhow::Error>(Arc::new(Vault::new(self.store.clone(), key)))
            })
            .await
            .cloned()
    }

    /// The secret `key` (a config key such as `brightpearl.account_token`) refers to.
    pub async fn get(&self, key: &str, reference: Option<&SecretRef>) -> Result<SecretString> {
        let reference = reference.ok_or_else(|| {
            anyhow!("{key} is not set in ferry.toml: add it as \"vault:NAME\" or \"env:VAR\"")
        })?;
        match reference {
            SecretRef::Env(var) => match std::env::var(var) {
                Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
                _ => Err(anyhow!(
                    "{key} refers to environment variable {var}, which is not set: export it \
                     before running ferry"
                )),
            },
            SecretRef::Vault(name) => self
                .vault()
                .await?
                .get(&self.tenant, name)
                .await
                .with_context(|| format!("{key} refers to vault secret {name:?}")),
        }
    }

    /// A vault secret that may be missing.
    pub async fn optional(&self, name: &str) -> Result<Option<SecretString>> {
        match self.vault().await?.get(&self.tenant, name).await {
            Ok(secret) => Ok(Some(secret)),
            Err(ferry_vault::VaultError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Saves rotated Brightpearl OAuth tokens in the vault.
struct VaultTokens {
    vault: Arc<Vault>,
    tenant: TenantId,
    /// Where the refresh token lives (`None`: an `env:` reference, which cannot be written).
    refresh_name: Option<String>,
}

/// The vault name under which Ferry keeps the current Brightpearl access token.
pub const BRIGHTPEARL_ACCESS_TOKEN: &str = "brightpearl.access_token";

#[async_trait]
impl ferry_brightpearl::auth::TokenStore for VaultTokens {
    async fn save(&self, tokens: &ferry_brightpearl::auth::OAuthTokens) -> Result<(), String> {
        let actor = "ferry:brightpearl-oauth";
        match &self.refresh_name {
            Some(name) if !tokens.refresh_token.expose_secret().is_empty() => self
                .vault
                .set(&self.tenant, name, &tokens.refresh_token, actor)
                .await
                .map_err(|e| e.to_string())?,
            Some(_) => {}
            None => tracing::warn!(
                "brightpearl.refresh_token is an env: reference, so the rotated refresh token \
                 cannot be saved; store it in the vault (`ferry vault set \
                 brightpearl.refresh_token`) to survive restarts"
            ),
        }
        self.vault
            .set(
                &self.tenant,
                BRIGHTPEARL_ACCESS_TOKEN,
                &tokens.access_token,
                actor,
            )
            .await
            .map_err(|e| e.to_string())
    }
}

/// The transport settings every connector uses (timeouts come from each section).
pub fn transport_config() -> TransportConfig {
    TransportConfig::default()
}

/// The Brightpearl client of the configured account.
pub async fn brightpearl(ctx: &Context) -> Result<ferry_brightpearl::Client> {
    use ferry_brightpearl::auth::{OAuthApp, OAuthSession, OAuthTokens, StaticToken};
    use ferry_config::BrightpearlAuth;

    let config = ctx.config.brightpearl.as_ref().ok_or_else(|| {
        anyhow!(
            "ferry.toml has no [brightpearl] section: add account, base_url, app_ref and a \
             token (see docs/connectors.md)"
        )
    })?;
    let tenant = ctx.tenant(None)?;
    let store = ctx.store().await?;
    let secrets = Secrets::new(ctx, store.clone(), tenant.clone());
    let mode = config.auth_mode().map_err(|e| anyhow!(e))?;
    let settings = ferry_brightpearl::Settings {
        requests_per_minute: config.requests_per_minute,
        timeout: Duration::from_secs(config.timeout_seconds),
        ..ferry_brightpearl::Settings::new(config.api_url(), config.account.clone())
    };
    let auth: Arc<dyn Auth> = match mode {
        BrightpearlAuth::AccountToken => {
            let token = secrets
                .get("brightpearl.account_token", config.account_token.as_ref())
                .await?;
            Arc::new(StaticToken::account(&config.app_ref, &token)?)
        }
        BrightpearlAuth::StaffToken => {
            let token = secrets
                .get("brightpearl.staff_token", config.staff_token.as_ref())
                .await?;
            Arc::new(StaticToken::staff(
                &config.app_ref,
                config.dev_ref.as_deref(),
                &token,
            )?)
        }
        BrightpearlAuth::OAuth => {
            let refresh = secrets
                .get("brightpearl.refresh_token", config.refresh_token.as_ref())
                .await?;
            let client_secret = match &config.client_secret {
                Some(reference) => Some(
                    secrets
                        .get("brightpearl.client_secret", Some(reference))
                        .await?,
                ),
                None => None,
            };
            let access = secrets
                .optional(BRIGHTPEARL_ACCESS_TOKEN)
                .await?
                .unwrap_or_else(|| SecretString::from(String::new()));
            let app = OAuthApp {
                app_ref: config.oauth_client_id().to_owned(),
                dev_ref: config.dev_ref.clone().unwrap_or_default(),
                client_secret,
                token_url: config.token_url(),
            };
            let http = ferry_http::client_builder(None)?.build()?;
            let tokens = OAuthTokens {
                access_token: access,
                refresh_token: refresh,
                api_domain: None,
                installation_instance_id: None,
                expires_in: None,
            };
            let store = Arc::new(VaultTokens {
                vault: secrets.vault().await?,
                tenant: tenant.clone(),
                refresh_name: match &config.refresh_token {
                    Some(SecretRef::Vault(name)) => Some(name.clone()),
                    _ => None,
                },
            });
            Arc::new(OAuthSession::new(app, tokens, http, store)?)
        }
    };
    let budgets = Budgets::new(Arc::new(StoreLedger::new(store, tenant)));
    Ok(ferry_brightpearl::Client::new(
        &settings,
        auth,
        &budgets,
        transport_config(),
    )?)
}

/// Saves a rotated Salesforce refresh token in the vault.
struct SalesforceVaultTokens {
    vault: Arc<Vault>,
    tenant: TenantId,
    name: String,
}

#[async_trait]
impl ferry_salesforce::auth::TokenStore for SalesforceVaultTokens {
    async fn save_refresh_token(&self, refresh_token: &SecretString) -> Result<(), String> {
        self.vault
            .set(
                &self.tenant,
                &self.name,
                refresh_token,
                "ferry:salesforce-oauth",
            )
            .await
            .map_err(|e| e.to_string())
    }
}

/// The Salesforce client settings of the configured org (no network).
pub fn salesforce_settings(
    config: &ferry_config::SalesforceConfig,
    ctx: &Context,
) -> Result<ferry_salesforce::Settings> {
    let ca_pem = match &config.ca_file {
        Some(file) => {
            let path = ctx.config.resolve(file);
            Some(std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "salesforce.ca_file {}: the certificate authority file cannot be read",
                    path.display()
                )
            })?)
        }
        None => None,
    };
    Ok(ferry_salesforce::Settings {
        api_version: config.api_version.clone(),
        client_name: config.client_name.clone(),
        daily_api_percent: config.daily_api_percent,
        run_api_calls: config.run_api_calls,
        bulk_threshold: usize::try_from(config.bulk_threshold).unwrap_or(usize::MAX),
        timeout: Duration::from_secs(config.timeout_seconds),
        ca_pem,
    })
}

/// The Salesforce section, or an error saying how to add it.
pub fn salesforce_config(ctx: &Context) -> Result<&ferry_config::SalesforceConfig> {
    ctx.config.salesforce.as_ref().ok_or_else(|| {
        anyhow!(
            "ferry.toml has no [salesforce] section: add login_url, client_id and credentials \
             (see docs/connectors.md)"
        )
    })
}

/// The Salesforce client of the configured org: runs the configured OAuth grant once (so
/// that bad credentials fail here, with the server's reason) and renews it when Salesforce
/// refuses the session.
pub async fn salesforce(ctx: &Context) -> Result<ferry_salesforce::Client> {
    use ferry_config::SalesforceAuth;
    use ferry_salesforce::auth::{ForgetTokens, Grant, OAuthSession, TokenStore};

    let config = salesforce_config(ctx)?;
    let settings = salesforce_settings(config, ctx)?;
    let tenant = ctx.tenant(None)?;
    let store = ctx.store().await?;
    let secrets = Secrets::new(ctx, store.clone(), tenant.clone());
    let mode = config.auth_mode().map_err(|e| anyhow!(e))?;
    let client_secret = match &config.client_secret {
        Some(reference) => Some(
            secrets
                .get("salesforce.client_secret", Some(reference))
                .await?,
        ),
        None => None,
    };
    let mut tokens: Arc<dyn TokenStore> = Arc::new(ForgetTokens);
    let grant = match mode {
        SalesforceAuth::Jwt => Grant::JwtBearer {
            client_id: config.client_id.clone(),
            username: config.username.clone().unwrap_or_default(),
            private_key: secrets
                .get("salesforce.private_key", config.private_key.as_ref())
                .await?,
            audience: None,
        },
        SalesforceAuth::ClientCredentials => Grant::ClientCredentials {
            client_id: config.client_id.clone(),
            client_secret: client_secret.ok_or_else(|| {
                anyhow!("salesforce.client_secret is needed for auth = \"client-credentials\"")
            })?,
            basic_auth: false,
        },
        SalesforceAuth::RefreshToken => {
            if let Some(SecretRef::Vault(name)) = &config.refresh_token {
                tokens = Arc::new(SalesforceVaultTokens {
                    vault: secrets.vault().await?,
                    tenant: tenant.clone(),
                    name: name.clone(),
                });
            }
            Grant::RefreshToken {
                client_id: config.client_id.clone(),
                client_secret,
                refresh_token: secrets
                    .get("salesforce.refresh_token", config.refresh_token.as_ref())
                    .await?,
            }
        }
    };
    let http = ferry_salesforce::http_client(&settings)?;
    let mut session =
        OAuthSession::connect_with_store(&config.login_url, grant, http, tokens).await?;
    if let Some(instance_url) = &config.instance_url {
        session = session.with_instance_url(instance_url.clone());
    }
    let budgets = Budgets::new(Arc::new(StoreLedger::new(store, tenant)));
    Ok(ferry_salesforce::Client::new(
        settings,
        Arc::new(session),
        &budgets,
        transport_config(),
    )?)
}
