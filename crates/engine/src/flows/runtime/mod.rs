//! The declarative flow runtime: compiles [`FlowSpec`]s and runs them.
//!
//! One record goes through `read → map → validate → identify → compare → write → link`:
//! - **read**: the current source record ([`Source::read`], a batch at a time; absent = deleted);
//! - **map** (pure, [`plan`]): each target's fields from the flow's expressions;
//! - **validate** (pure): the target's rules; a violation holds the record with the reason;
//! - **identify**: the target record that stands for it: the cross-reference link, else the
//!   key (an external id or a natural key such as price book + product), else the match rules
//!   (duplicate detection before a create);
//! - **compare** (pure): the mapped fields against the target's current values, field by field,
//!   under the ownership policy; nothing differs → no write (this is what ends echo loops);
//! - **write**: one [`Target::write`] per target per batch (Collections, Bulk or Brightpearl);
//! - **link**: the cross-reference link and the content hash.
//!
//! Targets are written in declaration order for the whole batch, so a later target reads
//! what an earlier one wrote (`targets.account.Id`) and every target is one batched call.

mod compare;
mod connect;
mod exec;
mod handler;
mod lookups;
mod plan;

pub use exec::{Change, Drift, Preview, RecordOutcome};
pub use handler::FlowHandler;

use crate::Handler;
use crate::flows::adapters::{Source, Target};
use ferry_core::{FlowName, System, TenantId};
use ferry_mapping::{Env, Expr, FlowSpec, SpecError, TargetSpec};
use ferry_store::Store;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where a flow's notices come from: the intake and the pollers route by these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The flow that wants the notices.
    pub flow: FlowName,
    /// The source system.
    pub system: System,
    /// The source object (`contact`, `product-availability`, `Contact`).
    pub object: String,
    /// Event filter (prefixes of Brightpearl's `fullEvent`, or Salesforce change types);
    /// empty: every event.
    pub events: Vec<String>,
    /// The polling safety net's period (0: none).
    pub poll_seconds: u64,
}

impl Route {
    /// Whether a Brightpearl `fullEvent` (or a Salesforce change type) is wanted. A filter entry
    /// matches the event and its refinements (`product.modified` takes
    /// `product.modified.on-hand-modified`); an entry starting with `!` excludes what it
    /// matches (`!product.modified.on-hand-modified`: stock moves are the inventory flow's).
    pub fn accepts(&self, event: &str) -> bool {
        let matches = |wanted: &str| {
            event == wanted
                || event
                    .strip_prefix(wanted)
                    .is_some_and(|rest| rest.starts_with('.'))
        };
        if self
            .events
            .iter()
            .filter_map(|e| e.strip_prefix('!'))
            .any(matches)
        {
            return false;
        }
        let mut wanted = self
            .events
            .iter()
            .filter(|e| !e.starts_with('!'))
            .peekable();
        wanted.peek().is_none() || wanted.any(|e| matches(e))
    }

    /// The events to subscribe to for this route (the filter without its exclusions).
    pub fn subscriptions(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| !e.starts_with('!'))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(events: &[&str]) -> Route {
        Route {
            flow: FlowName::new("products_to_salesforce").unwrap_or_else(|_| unreachable!()),
            system: System::Brightpearl,
            object: "product".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            poll_seconds: 0,
        }
    }

    #[test]
    fn event_filters_take_refinements_and_honour_exclusions() {
        let all = route(&[]);
        assert!(all.accepts("product.modified.on-hand-modified"));
        let products = route(&["product", "!product.modified.on-hand-modified"]);
        assert!(products.accepts("product.created"));
        assert!(products.accepts("product.modified"));
        assert!(products.accepts("product.modified.price-changed"));
        assert!(!products.accepts("product.modified.on-hand-modified"));
        assert!(!products.accepts("productx.created"));
        assert_eq!(products.subscriptions(), ["product"]);
        let only_excluded = route(&["!product.destroyed"]);
        assert!(only_excluded.accepts("product.created"));
        assert!(!only_excluded.accepts("product.destroyed"));
    }
}

/// Builds a source or target adapter for a system and object.
pub trait AdapterFactory: Send + Sync {
    /// The reader of `object` in `system`.
    fn source(&self, system: System, object: &str) -> Result<Arc<dyn Source>, String>;
    /// The writer of `system`.
    fn target(&self, system: System) -> Result<Arc<dyn Target>, String>;
}

/// The adapters of both systems, as the configured clients allow.
#[derive(Clone)]
pub struct Adapters {
    factory: Arc<dyn AdapterFactory>,
}

impl Adapters {
    /// Adapters over any factory (the connectors' or a test's).
    pub fn from_factory(factory: Arc<dyn AdapterFactory>) -> Self {
        Self { factory }
    }

    /// The reader of `object` in `system`.
    pub fn source(&self, system: System, object: &str) -> Result<Arc<dyn Source>, SpecError> {
        self.factory
            .source(system, object)
            .map_err(|message| SpecError {
                origin: format!("source {system} {object}"),
                message,
            })
    }

    /// The writer of `system`.
    pub fn target(&self, system: System) -> Result<Arc<dyn Target>, SpecError> {
        self.factory.target(system).map_err(|message| SpecError {
            origin: format!("target {system}"),
            message,
        })
    }
}

/// A compiled target of a flow.
pub(crate) struct CompiledTarget {
    pub(crate) spec: TargetSpec,
    pub(crate) system: System,
    pub(crate) writer: Arc<dyn Target>,
    pub(crate) fields: Vec<(String, Expr)>,
    pub(crate) when: Option<Expr>,
    pub(crate) each: Option<Expr>,
    pub(crate) xref: Option<String>,
    /// Field → the expression (over `value`) both sides are compared through.
    pub(crate) compare: Vec<(String, Expr)>,
    /// Fields whose value is a list of mapped objects.
    pub(crate) lists: Vec<CompiledList>,
    /// The lock's condition (its `open` fields are in `spec.lock`).
    pub(crate) lock: Option<Expr>,
}

/// A compiled list field of a target.
pub(crate) struct CompiledList {
    pub(crate) field: String,
    pub(crate) each: Expr,
    pub(crate) fields: Vec<(String, Expr)>,
}

/// One compiled, runnable flow.
pub struct Flow {
    name: FlowName,
    spec: FlowSpec,
    source: Arc<dyn Source>,
    /// The writer of the source's own system, for write-backs.
    source_writer: Option<Arc<dyn Target>>,
    when: Option<Expr>,
    targets: Vec<CompiledTarget>,
    write_back: Vec<(String, Expr)>,
    source_fields: Vec<String>,
    store: Arc<dyn Store>,
    tenant: TenantId,
    reference: Mutex<Option<(Instant, Value)>>,
    stats: Arc<FlowStats>,
    lookups: Vec<lookups::CompiledLookup>,
    notify: Vec<lookups::CompiledNotify>,
    /// The source (system, object) of every flow of the set, for work handed to them.
    peers: std::sync::OnceLock<BTreeMap<String, (System, String)>>,
}

/// Running totals of one flow's records in this process (the live summary, the report).
#[derive(Debug, Default)]
pub struct FlowStats {
    counts: [AtomicU64; 5],
}

/// A snapshot of [`FlowStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlowTotals {
    /// Records for which a target record was created.
    pub created: u64,
    /// Records whose target records were updated.
    pub updated: u64,
    /// Records whose targets already held the mapped values.
    pub unchanged: u64,
    /// Records that failed (retried or dead-lettered).
    pub failed: u64,
    /// Records the flow does not apply to.
    pub skipped: u64,
}

impl FlowStats {
    /// Counts outcomes by index: created, updated, unchanged, failed, skipped.
    pub(crate) fn count(&self, outcomes: impl Iterator<Item = usize>) {
        for i in outcomes {
            if let Some(c) = self.counts.get(i) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The totals so far.
    pub fn totals(&self) -> FlowTotals {
        let get = |i: usize| self.counts[i].load(Ordering::Relaxed);
        FlowTotals {
            created: get(0),
            updated: get(1),
            unchanged: get(2),
            failed: get(3),
            skipped: get(4),
        }
    }
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow").field("name", &self.name).finish()
    }
}

impl Flow {
    /// Compiles one flow: every expression, every adapter. All problems are reported at once.
    pub fn compile(
        spec: FlowSpec,
        adapters: &Adapters,
        store: Arc<dyn Store>,
        tenant: TenantId,
    ) -> Result<Flow, Vec<SpecError>> {
        let origin = format!("flow {}", spec.name);
        let mut errors = Vec::new();
        let env = Env::new();
        let mut compile = |what: &str, text: &str| match env.compile(text) {
            Ok(expr) => Some(expr),
            Err(e) => {
                errors.push(SpecError {
                    origin: origin.clone(),
                    message: format!("{what}: {e}"),
                });
                None
            }
        };
        let when = spec
            .source
            .when
            .as_deref()
            .and_then(|w| compile("source.when", w));
        let mut targets = Vec::new();
        let mut compiled_fields = Vec::new();
        for target in &spec.targets {
            let mut fields = Vec::new();
            for (field, text) in &target.fields {
                if let Some(expr) = compile(&format!("{}.{field}", target.name), text) {
                    fields.push((field.clone(), expr));
                }
            }
            let when = target
                .when
                .as_deref()
                .and_then(|w| compile(&format!("{}.when", target.name), w));
            let each = target
                .each
                .as_deref()
                .and_then(|w| compile(&format!("{}.each", target.name), w));
            let mut compare = Vec::new();
            for (field, text) in &target.compare {
                if let Some(expr) = compile(&format!("{}.compare.{field}", target.name), text) {
                    compare.push((field.clone(), expr));
                }
            }
            let mut lists = Vec::new();
            for (field, list) in &target.lists {
                let each = compile(&format!("{}.lists.{field}.each", target.name), &list.each);
                let mut item_fields = Vec::new();
                for (key, text) in &list.fields {
                    if let Some(expr) =
                        compile(&format!("{}.lists.{field}.{key}", target.name), text)
                    {
                        item_fields.push((key.clone(), expr));
                    }
                }
                if let Some(each) = each {
                    lists.push(CompiledList {
                        field: field.clone(),
                        each,
                        fields: item_fields,
                    });
                }
            }
            let lock = target
                .lock
                .as_ref()
                .and_then(|l| compile(&format!("{}.lock.when", target.name), &l.when));
            compiled_fields.push((fields, when, each, compare, lists, lock));
        }
        let mut compiled_lookups = Vec::new();
        for lookup in &spec.lookups {
            let values = compile(&format!("lookups.{}.values", lookup.name), &lookup.values);
            let ensure_ids = lookup
                .ensure
                .as_ref()
                .and_then(|e| compile(&format!("lookups.{}.ensure.ids", lookup.name), &e.ids));
            let require = lookup
                .require
                .as_ref()
                .and_then(|r| compile(&format!("lookups.{}.require", lookup.name), r));
            let system = lookup.system.unwrap_or(match spec.source.system {
                System::Brightpearl => System::Salesforce,
                System::Salesforce => System::Brightpearl,
            });
            if let Some(values) = values {
                compiled_lookups.push((lookup.clone(), system, values, ensure_ids, require));
            }
        }
        let notify: Vec<lookups::CompiledNotify> = spec
            .notify
            .iter()
            .filter_map(|n| {
                compile(&format!("notify.{}.ids", n.flow), &n.ids).map(|ids| {
                    lookups::CompiledNotify {
                        flow: n.flow.clone(),
                        ids,
                    }
                })
            })
            .collect();
        let write_back: Vec<(String, Expr)> = spec
            .write_back
            .iter()
            .filter_map(|(field, text)| {
                compile(&format!("write_back.{field}"), text).map(|e| (field.clone(), e))
            })
            .collect();
        let name = match FlowName::new(spec.name.clone()) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(SpecError {
                    origin: origin.clone(),
                    message: format!("name: {e}"),
                });
                None
            }
        };
        let source = match adapters.source(spec.source.system, &spec.source.object) {
            Ok(source) => Some(source),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        for (index, (target, (fields, when, each, compare, lists, lock))) in
            spec.targets.iter().zip(compiled_fields).enumerate()
        {
            let system = target.system_for(spec.source.system);
            match adapters.target(system) {
                Ok(writer) => targets.push(CompiledTarget {
                    spec: target.clone(),
                    system,
                    writer,
                    fields,
                    when,
                    each,
                    xref: spec.xref_entity(index),
                    compare,
                    lists,
                    lock,
                }),
                Err(e) => errors.push(e),
            }
        }
        let mut lookups = Vec::new();
        for (lookup, system, values, ensure_ids, require) in compiled_lookups {
            match adapters.target(system) {
                Ok(reader) => lookups.push(lookups::CompiledLookup {
                    spec: lookup,
                    system,
                    reader,
                    values,
                    ensure_ids,
                    require,
                }),
                Err(e) => errors.push(e),
            }
        }
        let status_fields = spec.status.synced_at.is_some() || spec.status.error.is_some();
        let source_writer = if write_back.is_empty() && !status_fields {
            None
        } else {
            match adapters.target(spec.source.system) {
                Ok(writer) => Some(writer),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
        let (Some(name), Some(source), true) = (name, source, errors.is_empty()) else {
            return Err(errors);
        };
        let mut source_fields = std::collections::BTreeSet::new();
        let mut note = |expr: &Expr| {
            for path in expr.paths() {
                if let Some(rest) = path.strip_prefix("source.") {
                    source_fields.insert(rest.to_string());
                }
            }
        };
        when.iter().for_each(&mut note);
        for target in &targets {
            target.fields.iter().for_each(|(_, e)| note(e));
            target.when.iter().for_each(&mut note);
            target.each.iter().for_each(&mut note);
        }
        write_back.iter().for_each(|(_, e)| note(e));
        for target in &targets {
            for list in &target.lists {
                note(&list.each);
                list.fields.iter().for_each(|(_, e)| note(e));
            }
            target.lock.iter().for_each(&mut note);
        }
        for lookup in &lookups {
            note(&lookup.values);
            lookup.ensure_ids.iter().for_each(&mut note);
        }
        notify.iter().for_each(|n| note(&n.ids));
        source_fields.extend(spec.source.fields.iter().cloned());
        source_fields.extend(spec.status.synced_at.iter().cloned());
        source_fields.extend(spec.status.error.iter().cloned());
        Ok(Flow {
            name,
            source,
            source_writer,
            when,
            targets,
            write_back,
            source_fields: source_fields.into_iter().collect(),
            store,
            tenant,
            reference: Mutex::new(None),
            stats: Arc::default(),
            lookups,
            notify,
            peers: std::sync::OnceLock::new(),
            spec,
        })
    }

    /// The flow's name.
    pub fn name(&self) -> &FlowName {
        &self.name
    }

    /// The declaration it was compiled from.
    pub fn spec(&self) -> &FlowSpec {
        &self.spec
    }

    /// The reader of its source object.
    pub fn source(&self) -> &Arc<dyn Source> {
        &self.source
    }

    /// The source fields the expressions read (what a Salesforce source selects).
    pub fn source_fields(&self) -> &[String] {
        &self.source_fields
    }

    /// This process's running totals for the flow.
    pub fn totals(&self) -> FlowTotals {
        self.stats.totals()
    }

    /// Takes over what a running flow of the same name had: its totals and the flows it may
    /// hand work to. A new version of a flow replaces the old one with this.
    pub fn succeed(&mut self, old: &Flow) {
        self.stats = old.stats.clone();
        if let Some(peers) = old.peers.get() {
            let _ = self.peers.set(peers.clone());
        }
    }

    /// The flow's route (what triggers it).
    pub fn route(&self) -> Route {
        Route {
            flow: self.name.clone(),
            system: self.spec.source.system,
            object: self.spec.source.object.clone(),
            events: self.spec.source.events.clone(),
            poll_seconds: self.spec.source.poll_seconds,
        }
    }
}

/// The running version of one flow: workers take the current one per batch, so a new
/// version (the console's mapping editor) takes effect at the next batch without a restart.
pub struct FlowSlot {
    name: FlowName,
    current: std::sync::RwLock<Arc<Flow>>,
}

impl FlowSlot {
    /// A slot running `flow`.
    pub fn new(flow: Arc<Flow>) -> Self {
        Self {
            name: flow.name.clone(),
            current: std::sync::RwLock::new(flow),
        }
    }

    /// The flow's name.
    pub fn name(&self) -> &FlowName {
        &self.name
    }

    /// The version running now.
    pub fn get(&self) -> Arc<Flow> {
        match self.current.read() {
            Ok(flow) => flow.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Runs `flow` from the next batch on; it takes over the old version's totals and peers.
    pub fn replace(&self, mut flow: Flow) {
        let old = self.get();
        flow.succeed(&old);
        let flow = Arc::new(flow);
        match self.current.write() {
            Ok(mut current) => *current = flow,
            Err(poisoned) => *poisoned.into_inner() = flow,
        }
    }
}

impl std::fmt::Debug for FlowSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowSlot")
            .field("name", &self.name)
            .finish()
    }
}

/// A worker handler that runs whatever version of its flow the slot holds.
struct SlotHandler(Arc<FlowSlot>);

#[async_trait::async_trait]
impl Handler for SlotHandler {
    fn flow(&self) -> &FlowName {
        &self.0.name
    }

    fn max_batch(&self) -> usize {
        FlowHandler::new(self.0.get()).max_batch()
    }

    async fn handle(
        &self,
        items: &[ferry_core::LeasedItem],
    ) -> Vec<Result<(), ferry_core::Failure>> {
        FlowHandler::new(self.0.get()).handle(items).await
    }
}

/// One worker handler per slot.
pub fn slot_handlers(slots: &[Arc<FlowSlot>]) -> Vec<Arc<dyn Handler>> {
    slots
        .iter()
        .map(|slot| Arc::new(SlotHandler(slot.clone())) as Arc<dyn Handler>)
        .collect()
}

/// The enabled flows, compiled.
pub struct FlowSet {
    flows: Vec<Arc<Flow>>,
}

impl FlowSet {
    /// Compiles every enabled spec; every problem of every flow is reported at once.
    pub fn build(
        specs: Vec<FlowSpec>,
        adapters: &Adapters,
        store: Arc<dyn Store>,
        tenant: TenantId,
    ) -> Result<FlowSet, Vec<SpecError>> {
        let mut flows = Vec::new();
        let mut errors = Vec::new();
        let mut names = BTreeMap::new();
        for spec in specs.into_iter().filter(|s| s.enabled) {
            if names.insert(spec.name.clone(), ()).is_some() {
                errors.push(SpecError {
                    origin: format!("flow {}", spec.name),
                    message: "two enabled flows have this name: rename or disable one".into(),
                });
                continue;
            }
            match Flow::compile(spec, adapters, store.clone(), tenant.clone()) {
                Ok(flow) => flows.push(Arc::new(flow)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let peers: BTreeMap<String, (System, String)> = flows
            .iter()
            .map(|f| {
                (
                    f.name.as_str().to_string(),
                    (f.spec.source.system, f.spec.source.object.clone()),
                )
            })
            .collect();
        for flow in &flows {
            let _ = flow.peers.set(peers.clone());
            for wanted in flow
                .spec
                .lookups
                .iter()
                .filter_map(|l| l.ensure.as_ref().map(|e| &e.flow))
                .chain(flow.spec.notify.iter().map(|n| &n.flow))
            {
                if !peers.contains_key(wanted) {
                    errors.push(SpecError {
                        origin: format!("flow {}", flow.name),
                        message: format!(
                            "it hands work to flow {wanted}, which is not enabled: enable \
                             {wanted} (or remove it from this flow's lookups/notify)"
                        ),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(FlowSet { flows })
        } else {
            Err(errors)
        }
    }

    /// The compiled flows.
    pub fn flows(&self) -> &[Arc<Flow>] {
        &self.flows
    }

    /// A flow by name.
    pub fn get(&self, name: &str) -> Option<&Arc<Flow>> {
        self.flows.iter().find(|f| f.name.as_str() == name)
    }

    /// One worker handler per flow.
    pub fn handlers(&self) -> Vec<Arc<dyn Handler>> {
        self.flows
            .iter()
            .map(|f| Arc::new(FlowHandler::new(f.clone())) as Arc<dyn Handler>)
            .collect()
    }

    /// What triggers each flow.
    pub fn routes(&self) -> Vec<Route> {
        self.flows.iter().map(|f| f.route()).collect()
    }
}
