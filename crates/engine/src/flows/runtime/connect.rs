//! The adapter factory over the configured clients.

use super::{AdapterFactory, Adapters};
use crate::flows::adapters::{Source, Target};
use crate::flows::brightpearl::{BrightpearlSource, BrightpearlTarget};
use crate::flows::salesforce::{SalesforceSource, SalesforceTarget};
use ferry_core::System;
use ferry_salesforce::write::WriteOptions;
use std::sync::{Arc, OnceLock};

/// Builds adapters from the clients `ferry.toml` configures; a system without a client is an
/// error naming the section to add.
struct Clients {
    brightpearl: Option<ferry_brightpearl::Client>,
    salesforce: Option<(ferry_salesforce::Client, WriteOptions)>,
    integration_user: Option<String>,
    bp_target: OnceLock<Arc<dyn Target>>,
    sf_target: OnceLock<Arc<dyn Target>>,
}

impl AdapterFactory for Clients {
    fn source(&self, system: System, object: &str) -> Result<Arc<dyn Source>, String> {
        match system {
            System::Brightpearl => {
                let client = self.brightpearl.clone().ok_or_else(missing_bp)?;
                BrightpearlSource::new(client, object)
                    .map(|s| Arc::new(s) as Arc<dyn Source>)
                    .map_err(|e| e.message)
            }
            System::Salesforce => {
                let (client, _) = self.salesforce.clone().ok_or_else(missing_sf)?;
                SalesforceSource::new(client, object)
                    .map(|s| {
                        Arc::new(s.with_integration_user(self.integration_user.clone()))
                            as Arc<dyn Source>
                    })
                    .map_err(|e| e.message)
            }
        }
    }

    fn target(&self, system: System) -> Result<Arc<dyn Target>, String> {
        match system {
            System::Brightpearl => {
                let client = self.brightpearl.clone().ok_or_else(missing_bp)?;
                Ok(self
                    .bp_target
                    .get_or_init(|| Arc::new(BrightpearlTarget::new(client)))
                    .clone())
            }
            System::Salesforce => {
                let (client, options) = self.salesforce.clone().ok_or_else(missing_sf)?;
                let user = self.integration_user.clone();
                Ok(self
                    .sf_target
                    .get_or_init(|| {
                        Arc::new(SalesforceTarget::new(client, options).with_integration_user(user))
                    })
                    .clone())
            }
        }
    }
}

fn missing_bp() -> String {
    "no Brightpearl connection is configured: add a [brightpearl] section to ferry.toml \
     (see docs/connectors.md) or disable the flows that use Brightpearl"
        .into()
}

fn missing_sf() -> String {
    "no Salesforce connection is configured: add a [salesforce] section to ferry.toml \
     (see docs/connectors.md) or disable the flows that use Salesforce"
        .into()
}

impl Adapters {
    /// Adapters over the configured clients. Targets are shared by every flow, so one
    /// Salesforce write planner (and its budget) serves them all.
    pub fn new(
        brightpearl: Option<ferry_brightpearl::Client>,
        salesforce: Option<(ferry_salesforce::Client, WriteOptions)>,
    ) -> Self {
        Self::with_integration_user(brightpearl, salesforce, None)
    }

    /// As [`Adapters::new`], telling the Salesforce adapters which user Ferry writes as, so a
    /// record last changed by it counts as Ferry's own change (ownership, `review`).
    pub fn with_integration_user(
        brightpearl: Option<ferry_brightpearl::Client>,
        salesforce: Option<(ferry_salesforce::Client, WriteOptions)>,
        integration_user: Option<String>,
    ) -> Self {
        Self::from_factory(Arc::new(Clients {
            brightpearl,
            salesforce,
            integration_user,
            bp_target: OnceLock::new(),
            sf_target: OnceLock::new(),
        }))
    }
}
