//! The rate ledger kept in the store: every process on one database spends one account's
//! window budget together.

use async_trait::async_trait;
use ferry_core::TenantId;
use ferry_http::budget::{Ledger, Take, millis};
use ferry_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// A [`Ledger`] kept in the store (`RateWindows`): one window count per account shared by
/// every process on the same database.
pub struct StoreLedger {
    store: Arc<dyn Store>,
    tenant: TenantId,
}

impl StoreLedger {
    /// A ledger over `store` for `tenant`'s accounts.
    pub fn new(store: Arc<dyn Store>, tenant: TenantId) -> Self {
        Self { store, tenant }
    }
}

#[async_trait]
impl Ledger for StoreLedger {
    async fn take(
        &self,
        key: &str,
        cost: u32,
        limit: u32,
        window: Duration,
    ) -> Result<Take, String> {
        let take = self
            .store
            .take_rate(&self.tenant, key, cost, limit, millis(window))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Take::from(take))
    }

    async fn observe(&self, key: &str, remaining: u32, resets_in: Duration) -> Result<(), String> {
        self.store
            .observe_rate(&self.tenant, key, remaining, millis(resets_in))
            .await
            .map_err(|e| e.to_string())
    }
}
