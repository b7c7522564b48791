//! Ferry's HTTP server: the webhook intake, health checks, status and Prometheus metrics.
//!
//! | route | what |
//! |---|---|
//! | `POST /hooks/brightpearl/{token}` | Brightpearl webhook intake ([`intake`]): journal, then 200 |
//! | `GET /healthz` | the process is up |
//! | `GET /readyz` | the store answers |
//! | `GET /status` | per flow: queue counts, dead letters, intake notices; per source: last poll |
//! | `GET /metrics` | Prometheus text (when a recorder was installed, [`install_metrics`]) |
//!
//! **Architecture invariant:** the server acknowledges a webhook only after
//! [`ferry_store::Journal::append`] returned: a 200 means the notices are durable. It does no
//! sync work itself; workers pick the journaled items up from the queue.

pub mod admin;
mod console_api;
pub mod explain;
pub mod intake;
pub mod overview;
mod status;
pub mod throughput;
pub mod trace;
pub mod ui;

pub use status::{SourceBoard, SourceStatus};
/// Audit details with secret-looking values masked, as the dashboard and `/api/audit` show
/// them (`ferry audit list --json` too).
pub use ui::audit::masked as masked_audit_detail;

use axum::Router;
use axum::routing::{any, get, post};
use ferry_core::TenantId;
use ferry_engine::flows::runtime::Route;
use ferry_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The most ids one webhook's id set may expand to. A larger set is refused (413): it cannot
/// come from one ordinary change, and expanding it would let one request fill the journal.
/// Changes a refused set named are still found by the polling safety net and reconciliation.
pub const MAX_IDS_PER_NOTICE: u64 = 10_000;

/// How long a request may take in all (reading the body, journaling) before it fails with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler reads.
#[derive(Clone)]
pub struct ServerState {
    /// Where notices are journaled and status is read.
    pub store: Arc<dyn Store>,
    /// The connection pair every notice belongs to.
    pub tenant: TenantId,
    /// What triggers each enabled flow: the intake routes notices by these.
    pub routes: Vec<Route>,
    /// The secret path segment of the intake; an empty one turns the intake off (every call 404).
    pub intake_token: SecretString,
    /// The largest webhook body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// The Brightpearl account whose webhooks are accepted; `None` accepts any `accountCode`
    /// (the token alone authenticates).
    pub account: Option<String>,
    /// Rendered at `GET /metrics`; `None` answers 404 there.
    pub metrics: Option<PrometheusHandle>,
    /// The capture sources (pollers, subscribers) and what they last did, for `/status`.
    pub sources: SourceBoard,
    /// Counters since start, for `/status` (the same numbers go to the metrics recorder).
    pub intake_counts: Arc<IntakeCounts>,
    /// How long a journal append may take before the intake answers 503 (Brightpearl retries).
    pub append_timeout: Duration,
    /// The tokens of the admin API (`/api/...`); none: every call is 401.
    pub api_tokens: Arc<Vec<admin::ApiToken>>,
    /// The dashboard's live sessions.
    pub ui_sessions: Arc<ui::Sessions>,
    /// Mark the dashboard's cookies `Secure` (the server is reached over https).
    pub secure_cookies: bool,
    /// The running flows' console (pause, jobs, mappings, record search and edits); `None`
    /// when this server runs no flows (those pages and calls then say so).
    pub console: Option<Arc<ferry_engine::console::Console>>,
    /// Throughput per flow over the last hour, sampled from the metrics recorder while
    /// [`serve`] runs (the overview's chart).
    pub throughput: throughput::Sampler,
    /// When the server state was made (`uptime_seconds`).
    started: Instant,
}

impl std::fmt::Debug for ServerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerState")
            .field("tenant", &self.tenant)
            .field("routes", &self.routes)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl ServerState {
    /// A state with the default body limit (1 MiB), no account check, no metrics recorder and
    /// a ten-second journal timeout.
    pub fn new(
        store: Arc<dyn Store>,
        tenant: TenantId,
        routes: Vec<Route>,
        intake_token: SecretString,
    ) -> Self {
        Self {
            store,
            tenant,
            routes,
            intake_token,
            max_body_bytes: 1024 * 1024,
            account: None,
            metrics: None,
            sources: SourceBoard::default(),
            intake_counts: Arc::default(),
            append_timeout: Duration::from_secs(10),
            api_tokens: Arc::default(),
            ui_sessions: Arc::default(),
            secure_cookies: false,
            console: None,
            throughput: throughput::Sampler::default(),
            started: Instant::now(),
        }
    }
}

/// Intake counters since the server started: requests by outcome and notices by flow.
#[derive(Debug, Default)]
pub struct IntakeCounts {
    /// Requests by outcome (`journaled`, `unrouted`, `not_found`, `too_large`, ...).
    outcomes: Mutex<BTreeMap<&'static str, u64>>,
    /// Notices journaled, by flow.
    notices: Mutex<BTreeMap<String, u64>>,
    /// Notices journaled in all.
    total_notices: AtomicU64,
}

impl IntakeCounts {
    pub(crate) fn outcome(&self, outcome: &'static str) {
        metrics::counter!("ferry_intake_requests_total", "outcome" => outcome).increment(1);
        if let Ok(mut map) = self.outcomes.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    pub(crate) fn notices(&self, flow: &str, count: u64) {
        metrics::counter!("ferry_intake_notices_total", "flow" => flow.to_owned()).increment(count);
        self.total_notices.fetch_add(count, Ordering::Relaxed);
        if let Ok(mut map) = self.notices.lock() {
            *map.entry(flow.to_owned()).or_default() += count;
        }
    }

    /// Requests with this outcome so far.
    pub fn requests(&self, outcome: &str) -> u64 {
        self.outcomes
            .lock()
            .map(|m| m.get(outcome).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Notices journaled for `flow` so far.
    pub fn notices_for(&self, flow: &str) -> u64 {
        self.notices
            .lock()
            .map(|m| m.get(flow).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Notices journaled in all.
    pub fn total_notices(&self) -> u64 {
        self.total_notices.load(Ordering::Relaxed)
    }

    fn snapshot(&self) -> (BTreeMap<&'static str, u64>, BTreeMap<String, u64>) {
        (
            self.outcomes.lock().map(|m| m.clone()).unwrap_or_default(),
            self.notices.lock().map(|m| m.clone()).unwrap_or_default(),
        )
    }
}

/// Every route of the server over `state`.
pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/hooks/brightpearl/{token}", any(intake::brightpearl))
        .route("/healthz", get(status::healthz))
        .route("/readyz", get(status::readyz))
        .route("/status", get(status::status))
        .route("/metrics", get(status::metrics))
        .route("/api/openapi.json", get(admin::openapi))
        .route("/api/flows", get(admin::flows))
        .route("/api/dead-letters", get(admin::dead_letters))
        .route("/api/dead-letters/retry", axum::routing::post(admin::retry))
        .route(
            "/api/dead-letters/discard",
            axum::routing::post(admin::discard),
        )
        .route("/api/dead-letters/{id}", get(admin::dead_letter))
        .route(
            "/api/dead-letters/{id}/edit-and-retry",
            axum::routing::post(admin::edit_retry::api),
        )
        .route("/api/audit", get(admin::audit))
        .route("/api/overview", get(overview::api_overview))
        .route("/api/trace", get(trace::trace))
        .route(
            "/ui",
            get(|| async { axum::response::Redirect::to("/ui/") }),
        )
        .route("/ui/", get(ui::overview))
        .route("/ui/login", get(ui::login_page).post(ui::login))
        .route("/ui/logout", axum::routing::post(ui::logout))
        .route("/ui/fragments/flows", get(ui::flows_fragment))
        .route("/ui/dead-letters", get(ui::dead_letters::list))
        .route(
            "/ui/dead-letters/act",
            axum::routing::post(ui::dead_letters::act),
        )
        .route("/ui/dead-letters/{id}", get(ui::dead_letters::detail))
        .route(
            "/ui/dead-letters/{id}/edit",
            axum::routing::post(ui::dead_letters::edit),
        )
        .route("/ui/trace", get(ui::trace::page))
        .route("/ui/audit", get(ui::audit::page))
        .route("/api/flows/{name}/pause", post(console_api::pause))
        .route("/api/flows/{name}/resume", post(console_api::resume))
        .route("/api/flows/{name}/jobs", post(console_api::start_job))
        .route("/api/jobs", get(console_api::jobs))
        .route("/api/jobs/{id}", get(console_api::job))
        .route(
            "/api/flows/{name}/mapping",
            get(console_api::mapping).post(console_api::save),
        )
        .route(
            "/api/flows/{name}/mapping/versions/{version}",
            get(console_api::version),
        )
        .route("/api/flows/{name}/mapping/check", post(console_api::check))
        .route(
            "/api/flows/{name}/mapping/preview",
            post(console_api::preview),
        )
        .route(
            "/api/flows/{name}/mapping/rollback",
            post(console_api::rollback),
        )
        .route("/ui/flows", get(ui::flows::flows_page))
        .route("/ui/flows/act", post(ui::flows::flow_action))
        .route("/ui/fragments/jobs", get(ui::flows::jobs_fragment))
        .route("/ui/flows/{name}/mapping", get(ui::flows::mapping_page))
        .route(
            "/ui/flows/{name}/mapping/check",
            post(ui::flows::mapping_check),
        )
        .route(
            "/ui/flows/{name}/mapping/preview",
            post(ui::flows::mapping_preview),
        )
        .route(
            "/ui/flows/{name}/mapping/save",
            post(ui::flows::mapping_save),
        )
        .route(
            "/ui/flows/{name}/mapping/rollback",
            post(ui::flows::mapping_rollback),
        )
        .route(
            "/ui/flows/{name}/mapping/versions/{version}",
            get(ui::flows::version_page),
        )
        .route("/ui/static/{file}", get(ui::asset))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Accepting connections failed.
    #[error("Ferry's HTTP server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves [`router`] on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in progress finish (a webhook being journaled is answered). While it serves, the
/// throughput sampler reads the metrics recorder (when there is one).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ServerState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let sampling = state
        .metrics
        .clone()
        .map(|handle| state.throughput.start(handle));
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = sampling {
        task.abort();
    }
    served?;
    Ok(())
}

/// Installs the process's Prometheus recorder (once; later calls return the same handle), so
/// every `metrics::counter!` in Ferry (API calls, budgets, CDC, intake) is rendered at
/// `GET /metrics`. `None` when another recorder was installed first.
pub fn install_metrics() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .map_err(|error| {
                    tracing::warn!(%error, "no Prometheus recorder: /metrics will answer 404");
                })
                .ok()
        })
        .clone()
}
