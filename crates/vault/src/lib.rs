//! Ferry's credential vault.
//!
//! Secrets (API tokens, client secrets, refresh tokens) are sealed with AES-256-GCM under a
//! master key before they reach the store, so the database, its backups and its WAL never hold
//! a plaintext secret. The master key comes from `FERRY_MASTER_KEY` or a key file and is never
//! stored. Each sealed secret records the id (a fingerprint, not the key) of the key that sealed
//! it, so a wrong key is reported as such instead of as corruption.
//!
//! **Architecture invariant:** plaintext exists only in memory, inside [`SecretString`] values
//! that are wiped on drop and print as `[REDACTED]`.

mod key;
mod seal;

pub use key::{KeyError, MasterKey};
pub use secrecy::{ExposeSecret, SecretString};

use ferry_core::{TenantId, Timestamp};
use ferry_store::{NewAuditEntry, SealedSecret, Store, StoreError};
use std::sync::Arc;

/// Why a vault operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The secret does not exist.
    #[error(
        "no secret named {name:?} in the vault of tenant {tenant}; store it with \
         `ferry vault set {name}`"
    )]
    NotFound {
        /// The tenant.
        tenant: String,
        /// The secret's name.
        name: String,
    },
    /// The master key in use did not seal this secret.
    #[error(
        "the master key in use (key id {current}) is not the key that sealed secret {name:?} \
         (key id {sealed_with}). Set FERRY_MASTER_KEY or vault.key_file to the key the vault \
         was last rotated to"
    )]
    WrongKey {
        /// The secret's name.
        name: String,
        /// The id of the key that sealed it.
        sealed_with: String,
        /// The id of the key in use.
        current: String,
    },
    /// The ciphertext failed authentication: it was altered or moved from another row.
    #[error(
        "secret {name:?} failed its integrity check: the stored ciphertext was altered or copied \
         from another secret. Set it again with `ferry vault set {name}`"
    )]
    Tampered {
        /// The secret's name.
        name: String,
    },
    /// The secret's name breaks the naming rule.
    #[error(
        "secret name {name:?} is not valid: use 1 to 128 characters from a-z, 0-9, '.', '_' \
         and '-' (for example salesforce.client_secret)"
    )]
    BadName {
        /// The refused name.
        name: String,
    },
    /// The secret is empty.
    #[error("secret {name:?} is empty; nothing was stored")]
    Empty {
        /// The secret's name.
        name: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `ferry vault list` shows about a secret: never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The tenant.
    pub tenant: TenantId,
    /// The secret's name.
    pub name: String,
    /// The id of the key that sealed it.
    pub key_id: String,
    /// When it was last set.
    pub updated_at: Timestamp,
}

/// The vault: seals secrets into the store and unseals them for use.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn Store>,
    key: Arc<MasterKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.key.id())
            .finish_non_exhaustive()
    }
}

fn check_name(name: &str) -> Result<(), VaultError> {
    if ferry_core::is_secret_name(name) {
        Ok(())
    } else {
        Err(VaultError::BadName {
            name: name.to_owned(),
        })
    }
}

impl Vault {
    /// A vault over a store, with the master key in use.
    pub fn new(store: Arc<dyn Store>, key: MasterKey) -> Self {
        Self {
            store,
            key: Arc::new(key),
        }
    }

    /// The id of the master key in use.
    pub fn key_id(&self) -> &str {
        self.key.id()
    }

    /// Seals and stores a secret (replacing any earlier value) and audits the change.
    pub async fn set(
        &self,
        tenant: &TenantId,
        name: &str,
        value: &SecretString,
        actor: &str,
    ) -> Result<(), VaultError> {
        check_name(name)?;
        if value.expose_secret().is_empty() {
            return Err(VaultError::Empty {
                name: name.to_owned(),
            });
        }
        let sealed = seal::seal(&self.key, tenant, name, value.expose_secret().as_bytes());
        self.store.put_secret(&sealed).await?;
        self.store
            .audit(&NewAuditEntry {
                tenant: tenant.clone(),
                actor: actor.to_owned(),
                action: "vault.set".to_owned(),
                subject: name.to_owned(),
                detail: serde_json::json!({ "key_id": self.key.id() }),
            })
            .await?;
        Ok(())
    }

    /// Unseals a secret.
    pub async fn get(&self, tenant: &TenantId, name: &str) -> Result<SecretString, VaultError> {
        let sealed =
            self.store
                .secret(tenant, name)
                .await?
                .ok_or_else(|| VaultError::NotFound {
                    tenant: tenant.to_string(),
                    name: name.to_owned(),
                })?;
        seal::unseal(&self.key, &sealed)
    }

    /// The secrets of a tenant (or of all tenants), without their values.
    pub async fn list(&self, tenant: Option<&TenantId>) -> Result<Vec<SecretInfo>, VaultError> {
        Ok(self
            .store
            .secrets(tenant)
            .await?
            .into_iter()
            .map(|s| SecretInfo {
                tenant: s.tenant,
                name: s.name,
                key_id: s.key_id,
                updated_at: s.updated_at,
            })
            .collect())
    }

    /// Re-seals every secret of every tenant under `new_key`, all or nothing, and audits it.
    /// Every secret must unseal under the current key first, so a rotation never half-happens
    /// with a wrong key. Returns the vault under the new key and the number of secrets moved.
    pub async fn rotate(
        self,
        new_key: MasterKey,
        actor: &str,
    ) -> Result<(Vault, usize), VaultError> {
        // A secret set while this runs (a worker saving a refreshed token) makes the store
        // refuse the swap as a whole; read again and retry a few times.
        let mut tries = 0;
        let (sealed, resealed) = loop {
            let sealed = self.store.secrets(None).await?;
            let mut swaps: Vec<(SealedSecret, SealedSecret)> = Vec::with_capacity(sealed.len());
            for secret in &sealed {
                let plain = seal::unseal(&self.key, secret)?;
                let mut again = seal::seal(
                    &new_key,
                    &secret.tenant,
                    &secret.name,
                    plain.expose_secret().as_bytes(),
                );
                again.updated_at = secret.updated_at;
                swaps.push((secret.clone(), again));
            }
            match self.store.reseal_secrets(&swaps, new_key.id()).await {
                Ok(()) => {
                    break (
                        sealed,
                        swaps.into_iter().map(|(_, new)| new).collect::<Vec<_>>(),
                    );
                }
                Err(StoreError::ConcurrentChange { .. }) if tries < 5 => tries += 1,
                Err(err) => return Err(err.into()),
            }
        };
        let mut tenants: Vec<&TenantId> = sealed.iter().map(|s| &s.tenant).collect();
        tenants.dedup();
        if tenants.is_empty() {
            tenants.push(&DEFAULT_TENANT);
        }
        for tenant in tenants {
            self.store
                .audit(&NewAuditEntry {
                    tenant: tenant.clone(),
                    actor: actor.to_owned(),
                    action: "vault.rotate".to_owned(),
                    subject: "master key".to_owned(),
                    detail: serde_json::json!({
                        "from_key_id": self.key.id(),
                        "to_key_id": new_key.id(),
                        "secrets": resealed.iter().filter(|s| &s.tenant == tenant).count(),
                    }),
                })
                .await?;
        }
        let count = resealed.len();
        Ok((Vault::new(self.store, new_key), count))
    }
}

static DEFAULT_TENANT: std::sync::LazyLock<TenantId> =
    std::sync::LazyLock::new(TenantId::default_tenant);
