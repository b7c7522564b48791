//! The operations console's engine side: what the dashboard and the admin API do to running
//! flows, in one place, for `ferry serve` (and the sandbox demo) to hand to the server.
//!
//! - **Pause / resume** a flow ([`Console::set_paused`]): its notices keep being journaled and
//!   queued; workers leave its items until it is resumed (kept in the store, so a restart and
//!   other worker processes honour it).
//! - **Jobs** ([`Console::start_job`]): an initial load or a reconciliation (with repair) of
//!   one flow, in the background, with progress.
//! - **Mappings** ([`mapping`]): a flow's declaration as text, validated as it is typed,
//!   previewed on a real record read from the source (nothing written), saved as a new
//!   version that the workers run from their next batch, rolled back by saving an older text
//!   again. A saved version must keep the flow's name and source (system and object): what
//!   captures the flow's changes is set up at start.
//! - **Records** ([`Console::find`], [`Console::source_record`], [`Console::edit_source`]):
//!   find records by an SKU, an email or an order number in either system; read the record a
//!   dead letter is about and correct it in its own system before retrying it.

mod jobs;
pub mod mapping;
mod records;

pub use jobs::{JobKind, JobView};
pub use mapping::{DiffLine, MappingView, PreviewView, VersionView, text_diff};
pub use records::FoundRecord;

use crate::flows::runtime::{Adapters, Flow, FlowSet, FlowSlot, FlowTotals, slot_handlers};
use crate::{Handler, PausedFlows};
use ferry_core::{FlowName, System, TenantId};
use ferry_store::Store;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What kind of refusal a [`ConsoleError`] is (the API's status code follows from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No such flow, version, record or job (404).
    NotFound,
    /// The request cannot be done as asked (422): the message says what to change.
    Invalid,
    /// Something changed meanwhile or is already running (409).
    Conflict,
    /// A system or the store did not answer (503): try again.
    Unavailable,
}

/// Why a console action was refused: a stable code and a message naming what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ConsoleError {
    /// What kind of refusal.
    pub kind: ErrorKind,
    /// Stable, machine-readable (`UNKNOWN_FLOW`, `INVALID_MAPPING`, ...).
    pub code: &'static str,
    /// For a person: what went wrong and what to do.
    pub message: String,
    /// Every problem found, for validation errors (one line each).
    pub problems: Vec<String>,
}

impl ConsoleError {
    pub(crate) fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    pub(crate) fn store(e: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "STORE_UNAVAILABLE",
            format!("the store did not answer: {e}; try again"),
        )
    }
}

/// A flow as the console shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FlowView {
    /// The flow's name.
    pub name: String,
    /// What it does, from its declaration.
    pub description: String,
    /// The source system.
    pub system: System,
    /// The source object.
    pub object: String,
    /// Whether it runs in this deployment (enabled in `ferry.toml` or by its file).
    pub enabled: bool,
    /// Paused from the console: notices queue, workers wait.
    pub paused: bool,
    /// The saved version running (`None`: the flow file as shipped or configured).
    pub version: Option<i64>,
    /// Where the file came from (`default flow NAME`, a path).
    pub origin: String,
    /// This process's totals for the flow since it started.
    pub totals: FlowTotals,
}

/// A flow known to the deployment, enabled or not, with the file it came from.
#[derive(Debug, Clone)]
pub struct KnownFlow {
    /// The flow's name.
    pub name: String,
    /// The file's text (version 0).
    pub text: String,
    /// Where the file came from.
    pub origin: String,
    /// Enabled in this deployment.
    pub enabled: bool,
    /// The source system and object.
    pub source: (System, String),
    /// The declaration's description.
    pub description: String,
}

/// The console over a running deployment's flows.
pub struct Console {
    store: Arc<dyn Store>,
    tenant: TenantId,
    adapters: Adapters,
    slots: Vec<Arc<FlowSlot>>,
    known: Vec<KnownFlow>,
    paused: Arc<PausedFlows>,
    /// The saved version each flow runs.
    versions: Mutex<BTreeMap<String, i64>>,
    jobs: jobs::Jobs,
    /// One save at a time (the store refuses stale saves between processes).
    saving: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("tenant", &self.tenant)
            .field("flows", &self.slots)
            .finish_non_exhaustive()
    }
}

impl Console {
    /// The console over `set`'s flows (compiled with `adapters`), knowing every flow of the
    /// deployment (`known`, enabled or not) and the saved version each runs (`versions`, see
    /// [`mapping::apply_saved`]). Reads the paused flows from the store.
    pub async fn new(
        set: &FlowSet,
        adapters: Adapters,
        known: Vec<KnownFlow>,
        versions: BTreeMap<String, i64>,
        store: Arc<dyn Store>,
        tenant: TenantId,
    ) -> Result<Arc<Console>, ConsoleError> {
        let paused = Arc::new(PausedFlows::new(tenant.clone()));
        paused
            .refresh(store.as_ref())
            .await
            .map_err(ConsoleError::store)?;
        let slots = set
            .flows()
            .iter()
            .map(|f| Arc::new(FlowSlot::new(f.clone())))
            .collect();
        Ok(Arc::new(Console {
            store,
            tenant,
            adapters,
            slots,
            known,
            paused,
            versions: Mutex::new(versions),
            jobs: jobs::Jobs::default(),
            saving: tokio::sync::Mutex::new(()),
        }))
    }

    /// The worker handlers of the running flows: each runs the flow's current version.
    pub fn handlers(&self) -> Vec<Arc<dyn Handler>> {
        slot_handlers(&self.slots)
    }

    /// The running flows' slots (scheduled reconciliation takes the current version from them).
    pub fn slots(&self) -> &[Arc<FlowSlot>] {
        &self.slots
    }

    /// The paused flows, for the worker ([`crate::Worker::with_paused`]).
    pub fn paused(&self) -> Arc<PausedFlows> {
        self.paused.clone()
    }

    /// The store the console acts on.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The tenant the console acts for.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The running version of a flow.
    pub fn flow(&self, name: &str) -> Result<Arc<Flow>, ConsoleError> {
        self.slot(name).map(|s| s.get())
    }

    fn slot(&self, name: &str) -> Result<&Arc<FlowSlot>, ConsoleError> {
        self.slots
            .iter()
            .find(|s| s.name().as_str() == name)
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> ConsoleError {
        let known = self.known.iter().find(|k| k.name == name);
        match known {
            Some(k) if !k.enabled => ConsoleError::new(
                ErrorKind::Invalid,
                "FLOW_NOT_ENABLED",
                format!(
                    "flow {name} is not enabled in this deployment: add it to [flows] enabled \
                     in ferry.toml and restart Ferry ({})",
                    k.origin
                ),
            ),
            _ => ConsoleError::new(
                ErrorKind::NotFound,
                "UNKNOWN_FLOW",
                format!(
                    "there is no flow {name:?}; the flows are {}",
                    self.known
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }

    /// Every flow of the deployment: the running ones first (in dependency order), then the
    /// ones not enabled.
    pub fn flows(&self) -> Vec<FlowView> {
        let versions = self.versions.lock().map(|v| v.clone()).unwrap_or_default();
        let mut out: Vec<FlowView> = self
            .slots
            .iter()
            .map(|slot| {
                let flow = slot.get();
                let spec = flow.spec();
                let known = self.known.iter().find(|k| k.name == slot.name().as_str());
                FlowView {
                    name: slot.name().to_string(),
                    description: spec.description.clone(),
                    system: spec.source.system,
                    object: spec.source.object.clone(),
                    enabled: true,
                    paused: self.paused.is_paused(slot.name()),
                    version: versions.get(slot.name().as_str()).copied(),
                    origin: known.map(|k| k.origin.clone()).unwrap_or_default(),
                    totals: flow.totals(),
                }
            })
            .collect();
        for known in self.known.iter().filter(|k| !k.enabled) {
            out.push(FlowView {
                name: known.name.clone(),
                description: known.description.clone(),
                system: known.source.0,
                object: known.source.1.clone(),
                enabled: false,
                paused: false,
                version: versions.get(&known.name).copied(),
                origin: known.origin.clone(),
                totals: FlowTotals::default(),
            });
        }
        out
    }

    /// Pauses (`true`) or resumes a running flow, audited as `actor`.
    pub async fn set_paused(
        &self,
        flow: &str,
        paused: bool,
        actor: &str,
    ) -> Result<(), ConsoleError> {
        let slot = self.slot(flow)?;
        self.store
            .set_flow_paused(&self.tenant, flow, paused, actor)
            .await
            .map_err(ConsoleError::store)?;
        self.paused.set(slot.name(), paused);
        tracing::info!(%flow, paused, %actor, "flow paused or resumed from the console");
        Ok(())
    }

    /// Whether a flow is paused.
    pub fn is_paused(&self, flow: &FlowName) -> bool {
        self.paused.is_paused(flow)
    }
}
