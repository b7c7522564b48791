//! Builds the deployment's flows from the configuration, the same way for every command that
//! runs them (`ferry serve`, `ferry sync initial`, `ferry reconcile`, the sandbox demo).

use crate::connectors;
use crate::context::Context;
use anyhow::{Result, anyhow, bail};
use ferry_core::{System, TenantId};
use ferry_engine::console::mapping::apply_saved;
use ferry_engine::console::{Console, KnownFlow};
use ferry_engine::flows::runtime::{Adapters, Flow, FlowSet};
use ferry_mapping::{FlowSpec, SpecError};
use ferry_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The enabled flows of the configured deployment, compiled over the configured clients, in
/// dependency order (a flow after the flows its `depends_on` names).
#[allow(
    dead_code,
    reason = "ferry serve and the sandbox demo build their flows with it"
)]
pub async fn build_flowset(ctx: &Context) -> Result<FlowSet> {
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    build_flowset_on(ctx, store, tenant).await
}

/// [`build_flowset`] over a store already open, for one tenant.
pub async fn build_flowset_on(
    ctx: &Context,
    store: Arc<dyn Store>,
    tenant: TenantId,
) -> Result<FlowSet> {
    build_flowset_with_clients(ctx, store, tenant)
        .await
        .map(|(set, _)| set)
}

/// The connector clients a flow set was built over: their transports count the API calls
/// the flows spend (the sandbox demo's report).
#[derive(Clone, Default)]
pub struct FlowClients {
    /// The Brightpearl client, when a flow uses Brightpearl and it is configured.
    pub brightpearl: Option<ferry_brightpearl::Client>,
    /// The Salesforce client, when a flow uses Salesforce and it is configured.
    pub salesforce: Option<ferry_salesforce::Client>,
}

/// [`build_flowset_on`], also handing back the clients the flows use.
pub async fn build_flowset_with_clients(
    ctx: &Context,
    store: Arc<dyn Store>,
    tenant: TenantId,
) -> Result<(FlowSet, FlowClients)> {
    let built = build(ctx, store, tenant).await?;
    Ok((built.set, built.clients))
}

/// A deployment's flows, built: the compiled set and what the console needs besides.
pub struct BuiltFlows {
    /// The enabled flows, compiled (saved versions applied).
    pub set: FlowSet,
    /// The clients they use.
    pub clients: FlowClients,
    /// The adapters they were compiled with (the console compiles edited versions with them).
    pub adapters: Adapters,
    /// Every flow of the deployment with its file.
    pub known: Vec<KnownFlow>,
    /// The saved version each flow runs.
    pub versions: BTreeMap<String, i64>,
}

impl BuiltFlows {
    /// The operations console over these flows.
    pub async fn console(&self, store: Arc<dyn Store>, tenant: TenantId) -> Result<Arc<Console>> {
        Console::new(
            &self.set,
            self.adapters.clone(),
            self.known.clone(),
            self.versions.clone(),
            store,
            tenant,
        )
        .await
        .map_err(|e| anyhow!("the operations console cannot start: {e}"))
    }
}

/// Builds the deployment's flows: the files (defaults, `[flows] dir`), each replaced by its
/// newest version saved from the console, compiled over the configured clients.
pub async fn build(ctx: &Context, store: Arc<dyn Store>, tenant: TenantId) -> Result<BuiltFlows> {
    let loaded = ferry_engine::flows::defaults::load_detailed(&ctx.config, &ctx.config.base_dir)
        .map_err(|errors| spec_errors("the flow definitions are invalid", &errors))?;
    let known: Vec<KnownFlow> = loaded
        .iter()
        .map(|f| KnownFlow {
            name: f.spec.name.clone(),
            text: f.text.clone(),
            origin: f.origin_label(),
            enabled: f.spec.enabled,
            source: (f.spec.source.system, f.spec.source.object.clone()),
            description: f.spec.description.clone(),
        })
        .collect();
    let mut specs: Vec<FlowSpec> = loaded.into_iter().map(|f| f.spec).collect();
    let versions = apply_saved(&mut specs, store.as_ref(), &tenant)
        .await
        .map_err(|e| anyhow!(e))?;
    let specs = dependency_order(specs.into_iter().filter(|s| s.enabled).collect())?;
    let uses = |system: System| {
        specs.iter().any(|s| {
            s.source.system == system
                || s.targets
                    .iter()
                    .any(|t| t.system_for(s.source.system) == system)
        })
    };
    // A client is built only when a flow needs it and it is configured; a flow that needs a
    // missing one fails to compile with the section to add.
    let brightpearl = if uses(System::Brightpearl) && ctx.config.brightpearl.is_some() {
        Some(connectors::brightpearl(ctx).await?)
    } else {
        None
    };
    let salesforce = if uses(System::Salesforce) && ctx.config.salesforce.is_some() {
        Some((
            connectors::salesforce(ctx).await?,
            ferry_salesforce::write::WriteOptions::default(),
        ))
    } else {
        None
    };
    let clients = FlowClients {
        brightpearl: brightpearl.clone(),
        salesforce: salesforce.as_ref().map(|(client, _)| client.clone()),
    };
    let adapters = Adapters::new(brightpearl, salesforce);
    let set = FlowSet::build(specs, &adapters, store, tenant)
        .map_err(|errors| spec_errors("the flows cannot be built", &errors))?;
    Ok(BuiltFlows {
        set,
        clients,
        adapters,
        known,
        versions,
    })
}

/// The flows `names` asks for (all when empty), in the set's (dependency) order; an unknown
/// name is an error listing the enabled flows.
pub fn select(set: &FlowSet, names: &[String]) -> Result<Vec<Arc<Flow>>> {
    let known: Vec<&str> = set.flows().iter().map(|f| f.name().as_str()).collect();
    for name in names {
        if !known.contains(&name.as_str()) {
            bail!(
                "--flow {name}: no enabled flow has this name; enabled flows: {}. Enable it in \
                 ferry.toml ([flows] enabled) or check the spelling",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    Ok(set
        .flows()
        .iter()
        .filter(|f| names.is_empty() || names.iter().any(|n| n == f.name().as_str()))
        .cloned()
        .collect())
}

/// Orders flows so that each comes after the enabled flows it depends on (declaration order
/// otherwise). A dependency on a flow that is not enabled is left to `ferry flows check`; a
/// cycle is an error naming its flows.
fn dependency_order(specs: Vec<FlowSpec>) -> Result<Vec<FlowSpec>> {
    let names: BTreeSet<String> = specs.iter().map(|s| s.name.clone()).collect();
    let mut pending: BTreeMap<usize, FlowSpec> = specs.into_iter().enumerate().collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().find_map(|(&i, spec)| {
            spec.depends_on
                .iter()
                .all(|d| placed.contains(d) || !names.contains(d))
                .then_some(i)
        });
        let Some(i) = ready else {
            let stuck: Vec<&str> = pending.values().map(|s| s.name.as_str()).collect();
            bail!(
                "the flows {} depend on each other in a cycle (depends_on): remove one of the \
                 dependencies",
                stuck.join(", ")
            );
        };
        if let Some(spec) = pending.remove(&i) {
            placed.insert(spec.name.clone());
            ordered.push(spec);
        }
    }
    Ok(ordered)
}

fn spec_errors(what: &str, errors: &[SpecError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    anyhow!("{what}: {}", lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, depends_on: &[&str]) -> FlowSpec {
        let text = format!(
            r#"
name = "{name}"
entity = "product"
depends_on = [{}]
[source]
system = "brightpearl"
object = "product"
[[targets]]
name = "product"
object = "Product2"
key = ["ExternalID__c"]
[targets.fields]
ExternalID__c = "source.productId"
"#,
            depends_on
                .iter()
                .map(|d| format!("{d:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        match FlowSpec::parse(&text, name) {
            Ok(spec) => spec,
            Err(e) => unreachable!("test spec {name}: {e}"),
        }
    }

    fn names(specs: &[FlowSpec]) -> Vec<&str> {
        specs.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn flows_come_after_their_dependencies() {
        let ordered = dependency_order(vec![
            spec("inventory", &["products"]),
            spec("customers", &[]),
            spec("products", &["unknown_flow"]),
        ]);
        let ordered = ordered.map_err(|e| e.to_string());
        assert_eq!(
            ordered.as_deref().map(names),
            Ok(vec!["customers", "products", "inventory"])
        );
    }

    #[test]
    fn a_cycle_is_an_error_naming_the_flows() {
        let result = dependency_order(vec![spec("a", &["b"]), spec("b", &["a"])]);
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("a, b"), "{message}");
    }
}
