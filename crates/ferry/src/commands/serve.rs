//! `ferry serve`: everything a running deployment does, in one process, until Ctrl-C or
//! SIGTERM:
//!
//! - the HTTP server (`ferry_server`): webhook intake, `/healthz`, `/readyz`, `/status`,
//!   `/metrics`;
//! - a queue worker running every enabled flow;
//! - the Brightpearl polling safety net: one poller per Brightpearl source object whose routes
//!   have `poll_seconds > 0` (polling every shortest such period);
//! - Salesforce capture per source object: change data capture over the Pub/Sub API
//!   (`/data/<Object>ChangeEvent`) when `[salesforce] cdc = true` (the default), or SOQL
//!   polling on `SystemModstamp` when it is false.
//!
//! Stopping is graceful: the server stops accepting and answers the requests in hand, the
//! worker finishes its batch, pollers finish their poll; everything resumes from the store.

use super::worker::init_logging;
use crate::cli::ServeArgs;
use crate::connectors;
use crate::context::Context;
use anyhow::{Context as _, Result, anyhow};
use ferry_core::{FlowName, RetryPolicy, System, TenantId};
use ferry_engine::console::Console;
use ferry_engine::flows::runtime::{FlowSet, Route};
use ferry_engine::sources::brightpearl_poll::{
    BrightpearlPollConfig, BrightpearlPoller, checkpoint_name,
};
use ferry_engine::sources::salesforce_cdc::{CdcConfig, CdcSource, CdcStats};
use ferry_engine::sources::salesforce_poll::{PollConfig, PollStart, SalesforcePoller};
use ferry_engine::{Shutdown, Worker, WorkerOptions, housekeeping};
use ferry_server::{ServerState, SourceBoard};
use ferry_store::Store;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often Salesforce objects are polled when SOQL polling replaces CDC and the flow names
/// no period of its own.
const DEFAULT_SALESFORCE_POLL: Duration = Duration::from_secs(60);

pub async fn run(
    context: &Context,
    config_file: &std::path::Path,
    args: &ServeArgs,
) -> Result<ExitCode> {
    init_logging(context);
    let config = &context.config;
    let store = context.store().await?;
    let tenant = context.tenant(None)?;
    if let Some(changed) =
        super::audit::record_config(context, store.as_ref(), &config_file.display().to_string())
            .await?
    {
        tracing::info!(
            ?changed,
            "configuration changed since the last start; audited"
        );
    }
    let built = crate::flows_setup::build(context, store.clone(), tenant.clone())
        .await
        .context("ferry serve cannot start its flows")?;
    let console = built.console(store.clone(), tenant.clone()).await?;
    let flows = built.set;
    let listen = match args.listen {
        Some(addr) => addr,
        None => config.server.listen_addr().map_err(|e| anyhow!(e))?,
    };
    let listener = bind(listen, "ferry serve").await?;
    let mut engine = Engine::start(context, &flows, &console, &store, &tenant, listener).await?;
    engine.start_worker(&console, worker_options(context, args.workers));
    let bound = engine.bound;
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "ferry serve: listening on http://{bound} (status http://{bound}/status, metrics \
             http://{bound}/metrics); {} flows, Ctrl-C stops",
            flows.flows().len()
        )?;
        out.flush()?;
    }
    tokio::select! {
        () = super::wait_for_signal() => {
            tracing::info!("stop requested; finishing the work in hand");
        }
        error = engine.failed() => {
            engine.stop().await;
            return Err(error);
        }
    }
    engine.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Binds Ferry's HTTP listener; `who` names the command in the error.
pub(crate) async fn bind(listen: SocketAddr, who: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| {
            format!(
                "{who} cannot listen on {listen}: another process may use the port; pick another \
             with --listen (or server.listen)"
            )
        })
}

/// The live engine of one deployment, running: Ferry's HTTP server (intake, status,
/// metrics), the capture sources (Brightpearl pollers, Salesforce CDC or polling),
/// housekeeping and, once [`Engine::start_worker`] is called, the queue worker. `ferry serve`
/// runs it until a signal; the sandbox demo runs it between its initial load and its report.
pub(crate) struct Engine {
    /// The address the server listens on (the real port when port 0 was asked for).
    pub bound: SocketAddr,
    /// Set to true to stop every task; the server, pollers and worker watch it.
    stop: watch::Sender<bool>,
    /// The worker's and subscribers' view of `stop`.
    shutdown: Shutdown,
    /// Pollers, subscribers, housekeeping and the worker: awaited on stop.
    tasks: JoinSet<()>,
    /// The HTTP server; `None` once it ended (see [`Engine::failed`]).
    server: Option<tokio::task::JoinHandle<Result<(), ferry_server::ServerError>>>,
    /// The store the worker takes its items from.
    store: Arc<dyn Store>,
}

impl Engine {
    /// Starts the HTTP server on `listener` and the capture sources of `flows`: from here on
    /// every change notice is journaled, and waits in the queue until a worker runs.
    pub(crate) async fn start(
        context: &Context,
        flows: &FlowSet,
        console: &Arc<Console>,
        store: &Arc<dyn Store>,
        tenant: &TenantId,
        listener: tokio::net::TcpListener,
    ) -> Result<Engine> {
        let config = &context.config;
        let metrics = ferry_server::install_metrics();
        let routes = flows.routes();
        let intake_token = intake_token(context, store, tenant).await?;
        let bound = listener.local_addr()?;
        let alerting = crate::alerting::Alerting::from_config(context, store, tenant).await?;

        let board = SourceBoard::default();
        let mut state =
            ServerState::new(store.clone(), tenant.clone(), routes.clone(), intake_token);
        state.max_body_bytes = usize::try_from(config.server.max_body_bytes).unwrap_or(usize::MAX);
        state.account = config.brightpearl.as_ref().map(|bp| bp.account.clone());
        state.metrics = metrics;
        state.sources = board.clone();
        state.api_tokens = Arc::new(api_tokens(&config.server.api_tokens));
        state.console = Some(console.clone());
        state.secure_cookies = config
            .server
            .public_url
            .as_deref()
            .is_some_and(|url| url.trim().starts_with("https://"));

        let (stop, shutdown) = Shutdown::new();
        let mut tasks: JoinSet<()> = JoinSet::new();
        spawn_brightpearl_pollers(&mut tasks, flows, &routes, store, tenant, &board, &stop);
        if let Err(error) = spawn_salesforce_capture(
            context, &mut tasks, &routes, store, tenant, &board, &shutdown, &stop,
        )
        .await
        {
            let _ = stop.send(true);
            while tasks.join_next().await.is_some() {}
            return Err(error);
        }
        let retention = Duration::from_secs(u64::from(config.store.retention_days) * 86_400);
        tasks.spawn(housekeeping::run(
            store.clone(),
            retention,
            Duration::from_secs(3600),
            shutdown.clone(),
        ));
        if let Some(alerting) = alerting {
            let metrics = state.metrics.clone();
            let text = move || metrics.as_ref().map(|m| m.render()).unwrap_or_default();
            tasks.spawn(alerting.run(board.clone(), Box::new(text), stop.subscribe()));
        }
        // Versions saved by another process (`ferry flows rollback`, another `ferry serve`)
        // reach this one within seconds (pauses made elsewhere: the worker re-reads them).
        {
            let console = console.clone();
            let mut stopped = stop.subscribe();
            tasks.spawn(async move {
                while pause(&mut stopped, Duration::from_secs(5)).await {
                    if let Err(error) = console.refresh_versions().await {
                        tracing::warn!(%error, "could not read the saved flow versions");
                    }
                }
            });
        }
        // Reconciliation with repair on a schedule: what events missed is found and fixed.
        let every = config.flows.reconcile_every_minutes;
        if every > 0 {
            tasks.spawn(ferry_engine::flows::reconcile::run_scheduled(
                console.slots().to_vec(),
                Some(console.paused()),
                store.clone(),
                tenant.clone(),
                Duration::from_secs(every * 60),
                shutdown.clone(),
            ));
        }

        let mut server_stop = stop.subscribe();
        let server = tokio::spawn(ferry_server::serve(listener, state, async move {
            let _ = server_stop.wait_for(|stopped| *stopped).await;
        }));
        if config.server.intake_token.is_none() {
            tracing::warn!(
                "server.intake_token is not set: the webhook intake refuses every call (404); \
                 set it to \"vault:server.intake_token\" to take Brightpearl webhooks"
            );
        }
        Ok(Engine {
            bound,
            stop,
            shutdown,
            tasks,
            server: Some(server),
            store: store.clone(),
        })
    }

    /// Starts the queue worker running every flow of the console (each flow's current
    /// version; paused flows' items are left in the queue).
    pub(crate) fn start_worker(&mut self, console: &Console, options: WorkerOptions) {
        let worker = Worker::new(self.store.clone(), console.handlers(), options)
            .with_paused(console.paused());
        let shutdown = self.shutdown.clone();
        self.tasks.spawn(async move { worker.run(shutdown).await });
    }

    /// Resolves only if the HTTP server stops on its own (a failure), with the reason.
    pub(crate) async fn failed(&mut self) -> anyhow::Error {
        let Some(server) = self.server.as_mut() else {
            return std::future::pending().await;
        };
        let result = server.await;
        self.server = None;
        match result {
            Ok(Err(error)) => anyhow!(error),
            Ok(Ok(())) => anyhow!("Ferry's HTTP server stopped unexpectedly"),
            Err(error) => anyhow!("Ferry's HTTP server failed: {error}"),
        }
    }

    /// Stops gracefully: the server answers the requests in hand, the worker finishes its
    /// batch, pollers finish their poll; everything resumes from the store next time.
    pub(crate) async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            match server.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "the HTTP server stopped with an error"),
                Err(error) => tracing::warn!(%error, "the HTTP server task failed"),
            }
        }
        while self.tasks.join_next().await.is_some() {}
    }
}

/// The admin API's tokens from `[[server.api_tokens]]` (validated when the configuration was
/// loaded: 64 hexadecimal digits each).
fn api_tokens(config: &[ferry_config::ApiTokenConfig]) -> Vec<ferry_server::admin::ApiToken> {
    config
        .iter()
        .filter_map(|t| {
            let bytes = hex::decode(t.sha256.trim()).ok()?;
            Some(ferry_server::admin::ApiToken {
                name: t.name.trim().to_owned(),
                role: match t.role {
                    ferry_config::ApiRole::Viewer => ferry_server::admin::Role::Viewer,
                    ferry_config::ApiRole::Operator => ferry_server::admin::Role::Operator,
                    ferry_config::ApiRole::Admin => ferry_server::admin::Role::Admin,
                },
                sha256: bytes.try_into().ok()?,
            })
        })
        .collect()
}

/// The intake token from `server.intake_token`, or an empty one (intake off).
async fn intake_token(
    context: &Context,
    store: &Arc<dyn Store>,
    tenant: &TenantId,
) -> Result<SecretString> {
    match &context.config.server.intake_token {
        Some(reference) => {
            connectors::Secrets::new(context, store.clone(), tenant.clone())
                .get("server.intake_token", Some(reference))
                .await
        }
        None => Ok(SecretString::from(String::new())),
    }
}

/// The worker's options from `[worker]`; `workers` overrides its concurrency.
pub(crate) fn worker_options(context: &Context, workers: Option<u32>) -> WorkerOptions {
    let w = &context.config.worker;
    let retry = RetryPolicy {
        max_attempts: w.max_attempts,
        base_delay: Duration::from_millis(w.backoff_base_ms),
        max_delay: Duration::from_secs(w.backoff_max_seconds),
    };
    let mut options = WorkerOptions::new(retry);
    options.concurrency = workers.unwrap_or(w.concurrency).max(1);
    options.batch_size = w.batch_size.clamp(1, 1000);
    options.lease_for = Duration::from_secs(w.lease_seconds);
    options.idle_poll = Duration::from_millis(w.idle_poll_ms);
    options.handler_timeout = Duration::from_secs(w.handler_timeout_seconds);
    options.batch_window = Duration::from_millis(w.batch_window_ms);
    options
}

/// The routes of `system`, by source object: the flows and the shortest poll period > 0.
fn by_object(routes: &[Route], system: System) -> BTreeMap<String, (Vec<FlowName>, u64)> {
    let mut objects: BTreeMap<String, (Vec<FlowName>, u64)> = BTreeMap::new();
    for route in routes.iter().filter(|r| r.system == system) {
        let entry = objects.entry(route.object.clone()).or_default();
        entry.0.push(route.flow.clone());
        if route.poll_seconds > 0 && (entry.1 == 0 || route.poll_seconds < entry.1) {
            entry.1 = route.poll_seconds;
        }
    }
    objects
}

fn names(flows: &[FlowName]) -> Vec<String> {
    flows.iter().map(|f| f.as_str().to_owned()).collect()
}

/// Sleeps `interval`; false when a stop was asked for meanwhile.
async fn pause(stopped: &mut watch::Receiver<bool>, interval: Duration) -> bool {
    let slept = tokio::select! {
        () = tokio::time::sleep(interval) => true,
        _ = stopped.wait_for(|s| *s) => false,
    };
    slept && !*stopped.borrow()
}

fn spawn_brightpearl_pollers(
    tasks: &mut JoinSet<()>,
    flows: &FlowSet,
    routes: &[Route],
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    board: &SourceBoard,
    stop: &watch::Sender<bool>,
) {
    for (object, (flow_names, seconds)) in by_object(routes, System::Brightpearl) {
        if seconds == 0 {
            continue;
        }
        // Every flow of the object reads it through an equal source; any one serves the poll.
        let Some(source) = flow_names
            .first()
            .and_then(|f| flows.get(f.as_str()))
            .map(|f| f.source().clone())
        else {
            continue;
        };
        let name = checkpoint_name(&object);
        let interval = Duration::from_secs(seconds);
        let config = BrightpearlPollConfig::new(tenant.clone(), flow_names.clone(), interval);
        let poller = BrightpearlPoller::new(source, store.clone(), config);
        board.register(&name, "poll", names(&flow_names));
        let board = board.clone();
        let mut stopped = stop.subscribe();
        tasks.spawn(async move {
            tracing::info!(%object, ?interval, "brightpearl poller started");
            loop {
                match poller.poll_once().await {
                    Ok(report) => board.record(&name, Ok(report.journaled)),
                    Err(error) => {
                        tracing::warn!(%object, %error, "brightpearl poll failed");
                        board.record(&name, Err(error.to_string()));
                    }
                }
                if !pause(&mut stopped, interval).await {
                    break;
                }
            }
        });
    }
}

#[allow(clippy::too_many_arguments, reason = "the pieces serve wires together")]
async fn spawn_salesforce_capture(
    context: &Context,
    tasks: &mut JoinSet<()>,
    routes: &[Route],
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    board: &SourceBoard,
    shutdown: &Shutdown,
    stop: &watch::Sender<bool>,
) -> Result<()> {
    let objects = by_object(routes, System::Salesforce);
    if objects.is_empty() {
        return Ok(());
    }
    let sf_config = connectors::salesforce_config(context)?;
    let client = connectors::salesforce(context).await?;
    if sf_config.cdc {
        let url = sf_config
            .pubsub_url
            .clone()
            .unwrap_or_else(|| ferry_salesforce::pubsub::DEFAULT_URL.to_owned());
        let org_id = org_id(&client).await?;
        let mut settings = ferry_salesforce::pubsub::PubSubSettings::new(url, org_id);
        settings.ca_pem = connectors::salesforce_settings(sf_config, context)?.ca_pem;
        let pubsub = ferry_salesforce::pubsub::PubSub::new(settings, client.session().clone())
            .map_err(|e| anyhow!("salesforce.pubsub_url: {e}"))?;
        for (object, (flow_names, _)) in objects {
            // Custom objects drop the `c` of `__c`: `/data/Payment__ChangeEvent`.
            let topic = match object.strip_suffix("__c") {
                Some(custom) => format!("/data/{custom}__ChangeEvent"),
                None => format!("/data/{object}ChangeEvent"),
            };
            let config = CdcConfig {
                client_name: sf_config.client_name.clone(),
                ..CdcConfig::new(tenant.clone(), topic, flow_names.clone())
            };
            let name = config.checkpoint_name();
            board.register(&name, "cdc", names(&flow_names));
            let source = CdcSource::new(config, pubsub.clone(), store.clone());
            let stats: Arc<CdcStats> = source.stats().clone();
            let source_shutdown = shutdown.clone();
            let failed = board.clone();
            let failed_name = name.clone();
            tasks.spawn(async move {
                if let Err(error) = source.run(source_shutdown).await {
                    tracing::error!(%error, "salesforce change data capture stopped");
                    failed.record(&failed_name, Err(error.to_string()));
                }
            });
            // The subscriber counts for itself; the board shows its count.
            let board = board.clone();
            let mut stopped = stop.subscribe();
            tasks.spawn(async move {
                while pause(&mut stopped, Duration::from_secs(1)).await {
                    board.set_notices(&name, CdcStats::get(&stats.notices));
                }
            });
        }
    } else {
        for (object, (flow_names, seconds)) in objects {
            let interval = if seconds == 0 {
                DEFAULT_SALESFORCE_POLL
            } else {
                Duration::from_secs(seconds)
            };
            let config = PollConfig {
                flows: flow_names.clone(),
                start: PollStart::At(time::OffsetDateTime::now_utc()),
                ..PollConfig::new(tenant.clone(), object.clone())
            };
            let poller = SalesforcePoller::new(client.clone(), store.clone(), config)
                .map_err(|e| anyhow!(e))?;
            let name = poller.checkpoint_name().to_owned();
            board.register(&name, "poll", names(&flow_names));
            let board = board.clone();
            let mut stopped = stop.subscribe();
            tasks.spawn(async move {
                loop {
                    match poller.poll_once().await {
                        Ok(report) => board.record(&name, Ok(report.journaled())),
                        Err(error) => {
                            tracing::warn!(%object, %error, "salesforce poll failed");
                            board.record(&name, Err(error.to_string()));
                        }
                    }
                    if !pause(&mut stopped, interval).await {
                        break;
                    }
                }
            });
        }
    }
    Ok(())
}

/// The org id (the Pub/Sub API's `tenantid`), from the org's one Organization record: it
/// works with every session, whichever OAuth flow made it.
async fn org_id(client: &ferry_salesforce::Client) -> Result<String> {
    let mut query = ferry_salesforce::query::Query::new(client, "SELECT Id FROM Organization");
    let page = query
        .next_page()
        .await
        .context("reading the Salesforce org id (SELECT Id FROM Organization) failed")?
        .unwrap_or_default();
    page.first()
        .and_then(|record| record.id())
        .map(str::to_owned)
        .ok_or_else(|| {
            anyhow!(
                "Salesforce returned no Organization record, so the org id for change data \
                 capture is unknown; check the integration user's access, or set \
                 [salesforce] cdc = false to poll instead"
            )
        })
}
