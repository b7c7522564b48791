//! `ferry sandbox` with no subcommand: the product demo.
//!
//! 1. Starts both emulators in this process: Brightpearl with a retailer's demo data (and,
//!    once Ferry listens, live business activity firing webhooks), Salesforce as an empty org
//!    with the "Wholesale" price book and its Pub/Sub API, so change data capture runs.
//! 2. Writes a working deployment into `--dir`: ferry.toml, a master key (mode 600), the
//!    secrets sealed in the vault of a SQLite store.
//! 3. Starts Ferry's live engine exactly as `ferry serve` does ([`Engine`]): the HTTP server
//!    (intake, `/status`, `/metrics`) and every capture source first, so nothing that happens
//!    during the load is lost; registers the Brightpearl webhooks at the intake; runs the
//!    initial load of every enabled flow in dependency order; then starts the worker.
//! 4. Prints where to look and one line per flow every few seconds.
//! 5. On Ctrl-C, SIGTERM or `--exit-after`: pauses both systems' activity, lets the queue
//!    drain (bounded), stops the engine gracefully and, with `--report`, reconciles every
//!    flow (no repair) and writes the JSON report. Drift is data, not an error: exit 0.

mod salesforce_activity;
mod setup;
mod summary;

use super::serve::{Engine, bind, worker_options};
use crate::cli::SandboxArgs;
use crate::flows_setup::{self, FlowClients};
use anyhow::{Context as _, Result, anyhow};
use ferry_core::{System, TenantId, Timestamp};
use ferry_engine::flows::load::{LoadError, LoadOptions, initial_load};
use ferry_engine::flows::reconcile::reconcile;
use ferry_engine::flows::runtime::FlowSet;
use ferry_store::Store;
use secrecy::ExposeSecret as _;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the live summary is printed.
const SUMMARY_EVERY: Duration = Duration::from_secs(5);

/// The longest the demo waits, on stopping, for the queue to run dry before it stops the
/// engine anyway (what is left stays journaled in the store).
const DRAIN_PATIENCE: Duration = Duration::from_secs(30);

/// Source records per initial-load page.
const LOAD_PAGE: usize = 500;

/// Runs the demo (see the module documentation).
pub async fn run(args: &SandboxArgs) -> Result<ExitCode> {
    let started_at = Timestamp::now();
    let clock = Instant::now();
    let listen = super::sandbox::listen_address(&args.listen)?;
    let dir = setup::directory(args.dir.as_deref())?;
    let signal = super::wait_for_signal();
    tokio::pin!(signal);

    say(&format!(
        "ferry sandbox: starting the Brightpearl and Salesforce emulators (deployment in {})",
        dir.display()
    ));
    let sandboxes = setup::Sandboxes::start(args.requests_per_minute).await?;
    let listener = bind(listen, "ferry sandbox").await?;
    let bound = listener.local_addr()?;
    let (context, intake_token) =
        setup::deployment(&dir, &sandboxes, bound, args.requests_per_minute).await?;
    super::worker::init_logging(&context);
    let store = context.store().await?;
    let tenant = context.tenant(None)?;
    let built = flows_setup::build(&context, store.clone(), tenant.clone())
        .await
        .context("the demo's flows cannot be built")?;
    let console = built.console(store.clone(), tenant.clone()).await?;
    let (flows, clients) = (built.set, built.clients);
    let mut engine = Engine::start(&context, &flows, &console, &store, &tenant, listener).await?;
    let intake = format!(
        "http://{bound}/hooks/brightpearl/{}",
        intake_token.expose_secret()
    );
    register_webhooks(&clients, &flows, &intake).await?;
    sandboxes.set_activity(args.activity);

    say(&format!(
        "ferry sandbox: Ferry listens on http://{bound}; Brightpearl {} ({} events/min), \
         Salesforce {}",
        sandboxes.brightpearl.banner.base_url,
        args.activity,
        sandboxes.salesforce.banner.instance_url
    ));
    say("initial load (every enabled flow, in dependency order):");
    let mut first_record: Option<f64> = None;
    let loaded = tokio::select! {
        result = load_all(&flows, &store, &tenant, clock, &mut first_record) => Some(result),
        () = &mut signal => None,
    };
    let interrupted = match loaded {
        Some(Ok(())) => false,
        Some(Err(error)) => {
            engine.stop().await;
            sandboxes.stop().await;
            return Err(error);
        }
        None => {
            say(
                "interrupted during the initial load; stopping (the load resumes from its last page next time)",
            );
            true
        }
    };

    let mut reps = salesforce_activity::Reps::idle();
    if !interrupted {
        engine.start_worker(&console, worker_options(&context, None));
        reps = salesforce_activity::Reps::start(
            &sandboxes.salesforce.banner,
            args.salesforce_activity,
        );
        where_to_look(bound, &sandboxes, &dir, args);
        let live = live(
            &flows,
            &store,
            &tenant,
            args.exit_after,
            clock,
            &mut first_record,
        );
        tokio::select! {
            () = live => say("ferry sandbox: --exit-after reached; stopping"),
            () = &mut signal => say("ferry sandbox: stop requested; finishing the work in hand"),
            error = engine.failed() => {
                reps.stop().await;
                engine.stop().await;
                sandboxes.stop().await;
                return Err(error);
            }
        }
    }

    // Quiet both systems, let the journaled work finish, then stop the engine.
    sandboxes.set_activity(0);
    reps.stop().await;
    if !interrupted {
        catch_up(&flows, &store, &tenant).await;
        drain(&store, &tenant).await;
    }
    engine.stop().await;
    for line in summary::lines(&flows, store.as_ref(), &tenant).await {
        say(&line);
    }

    if let Some(path) = &args.report {
        let report =
            final_report(&flows, &store, &tenant, &clients, started_at, first_record).await;
        report.write(path)?;
        say(&format!(
            "ferry sandbox: report written to {}",
            path.display()
        ));
    }
    sandboxes.stop().await;
    say(&format!(
        "ferry sandbox: stopped. The deployment stays in {} (its ferry.toml works only while a \
         demo runs)",
        dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// One line on stdout, flushed (the demo is watched live, often through a pipe).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// Subscribes Ferry's intake to the Brightpearl events the enabled flows listen to, as
/// `ferry brightpearl webhooks sync` would (Brightpearl has no contact events: the customer
/// flow polls instead).
async fn register_webhooks(clients: &FlowClients, flows: &FlowSet, intake: &str) -> Result<()> {
    let Some(client) = &clients.brightpearl else {
        return Ok(());
    };
    let specs: Vec<ferry_mapping::FlowSpec> =
        flows.flows().iter().map(|f| f.spec().clone()).collect();
    let events = super::webhooks::subscriptions(&super::webhooks::flow_events(&specs, &[])?);
    if events.is_empty() {
        return Ok(());
    }
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    let desired = ferry_brightpearl::webhooks::desired_for(intake, &events);
    let report = ferry_brightpearl::webhooks::apply(client, &desired, intake)
        .await
        .context("registering the Brightpearl webhooks at Ferry's intake failed")?;
    say(&format!(
        "ferry sandbox: Brightpearl webhooks registered at Ferry's intake: {}",
        events.join(", ")
    ));
    tracing::debug!(created = report.created.len(), "webhooks registered");
    Ok(())
}

/// The initial load of every flow in dependency order, one line per page.
async fn load_all(
    flows: &FlowSet,
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    clock: Instant,
    first_record: &mut Option<f64>,
) -> Result<()> {
    // The demo's data starts in Brightpearl (the Salesforce org is empty), so the flows
    // reading Brightpearl load first; the flows reading Salesforce then compare every record
    // those created with Brightpearl and write only what the mapping changes (a whole name
    // typed as a first name, split), so both directions end in step. Dependency order is
    // kept within each group.
    let (first, rest): (Vec<_>, Vec<_>) = flows
        .flows()
        .iter()
        .partition(|f| f.spec().source.system == System::Brightpearl);
    for flow in first.into_iter().chain(rest) {
        let options = LoadOptions {
            page: LOAD_PAGE,
            ..LoadOptions::default()
        };
        let to_salesforce = flow.spec().source.system == System::Brightpearl;
        let result = initial_load(flow, store.as_ref(), tenant, options, |p| {
            if to_salesforce && p.created > 0 && first_record.is_none() {
                *first_record = Some(clock.elapsed().as_secs_f64());
            }
            if p.done {
                return;
            }
            say(&format!(
                "  {:<26} {:>6} read  created {}, updated {}, unchanged {}, skipped {}, failed {}  ({:.0}s)",
                p.flow,
                p.read,
                p.created,
                p.updated,
                p.unchanged,
                p.skipped,
                p.failed,
                clock.elapsed().as_secs_f64()
            ));
        })
        .await;
        match result {
            Ok(p) => say(&format!(
                "  {:<26} done: {} records, created {}, updated {}, unchanged {}, skipped {}, \
                 failed {} ({} queued for retry)  ({:.0}s)",
                p.flow,
                p.read,
                p.created,
                p.updated,
                p.unchanged,
                p.skipped,
                p.failed,
                p.queued_for_retry,
                clock.elapsed().as_secs_f64()
            )),
            Err(LoadError::AlreadyLoaded { flow, .. }) => {
                say(&format!("  {flow}: already loaded"));
            }
            Err(error) => return Err(anyhow!(error)),
        }
    }
    Ok(())
}

/// Where to look while the demo runs.
fn where_to_look(
    bound: std::net::SocketAddr,
    sandboxes: &setup::Sandboxes,
    dir: &std::path::Path,
    args: &SandboxArgs,
) {
    let bp = &sandboxes.brightpearl.banner;
    let sf = &sandboxes.salesforce.banner;
    let stop = match args.exit_after {
        Some(seconds) => format!("stops by itself after {seconds}s of live sync, or Ctrl-C"),
        None => "Ctrl-C stops".to_owned(),
    };
    say(&format!(
        "\nlive sync running ({stop}). Where to look:\n  \
         dashboard    http://{bound}/ui/ (log in with the token in {}/{})\n  \
         status       http://{bound}/status\n  \
         metrics      http://{bound}/metrics\n  \
         Brightpearl  {} (account token in the vault; admin API {})\n  \
         Salesforce   {} (client id {}; admin API {}/__sandbox)\n  \
         deployment   {} (try: ferry --config {}/ferry.toml reconcile)\n",
        dir.display(),
        setup::DASHBOARD_TOKEN_FILE,
        bp.base_url,
        bp.admin_url,
        sf.instance_url,
        sf.client_id,
        sf.instance_url,
        dir.display(),
        dir.display(),
    ));
}

/// Prints the summary every few seconds; returns after `exit_after` seconds (never without).
async fn live(
    flows: &FlowSet,
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    exit_after: Option<u64>,
    clock: Instant,
    first_record: &mut Option<f64>,
) {
    let deadline = exit_after.map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    loop {
        let next = tokio::time::Instant::now() + SUMMARY_EVERY;
        let wake = match deadline {
            Some(deadline) if deadline < next => deadline,
            _ => next,
        };
        tokio::time::sleep_until(wake).await;
        if first_record.is_none()
            && flows
                .flows()
                .iter()
                .any(|f| f.spec().source.system == System::Brightpearl && f.totals().created > 0)
        {
            *first_record = Some(clock.elapsed().as_secs_f64());
        }
        say(&format!("[{:>5.0}s]", clock.elapsed().as_secs_f64()));
        for line in summary::lines(flows, store.as_ref(), tenant).await {
            say(&line);
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            return;
        }
    }
}

/// Waits (at most [`DRAIN_PATIENCE`]) until no queue item is ready or in flight: webhooks
/// still on their way get two seconds to land first. Items waiting for a retry later are not
/// waited for; they stay in the store.
/// One last poll of every polled Brightpearl object (contacts have no webhooks, so a contact
/// the activity changed since the last poll would otherwise be left out of the final
/// reconciliation's picture). It continues from the running pollers' checkpoints.
async fn catch_up(flows: &FlowSet, store: &Arc<dyn Store>, tenant: &TenantId) {
    use ferry_engine::sources::brightpearl_poll::{BrightpearlPollConfig, BrightpearlPoller};
    let mut seen = Vec::new();
    for flow in flows.flows() {
        let route = flow.route();
        if route.system == System::Brightpearl && route.poll_seconds == 0 {
            // Nothing to poll (stock moves): a webhook still in flight when the activity paused
            // would be missed, so one reconciliation queues whatever drifted.
            if let Err(error) = ferry_engine::flows::reconcile::reconcile(
                flow,
                store.as_ref(),
                tenant,
                true,
                ferry_engine::flows::load::DEFAULT_PAGE,
            )
            .await
            {
                tracing::warn!(flow = %route.flow, %error, "the last reconciliation before stopping failed");
            }
            continue;
        }
        if route.system != System::Brightpearl || seen.contains(&route.object) {
            continue;
        }
        seen.push(route.object.clone());
        let names = flows
            .routes()
            .into_iter()
            .filter(|r| r.system == System::Brightpearl && r.object == route.object)
            .map(|r| r.flow)
            .collect();
        let poller = BrightpearlPoller::new(
            flow.source().clone(),
            store.clone(),
            BrightpearlPollConfig::new(
                tenant.clone(),
                names,
                Duration::from_secs(route.poll_seconds),
            ),
        );
        if let Err(error) = poller.poll_once().await {
            tracing::warn!(object = %route.object, %error, "the last poll before stopping failed");
        }
    }
}

async fn drain(store: &Arc<dyn Store>, tenant: &TenantId) {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let until = Instant::now() + DRAIN_PATIENCE;
    loop {
        let stats = summary::queue_stats(store.as_ref(), tenant).await;
        let busy: i64 = stats
            .values()
            .map(|q| (q.pending - q.retrying).max(0) + q.in_flight)
            .sum();
        if busy == 0 {
            return;
        }
        if Instant::now() >= until {
            say(&format!(
                "ferry sandbox: {busy} item(s) still queued after {}s; they stay journaled",
                DRAIN_PATIENCE.as_secs()
            ));
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Reconciles every flow (no repair) and gathers the report.
async fn final_report(
    flows: &FlowSet,
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    clients: &FlowClients,
    started_at: Timestamp,
    first_record: Option<f64>,
) -> summary::Report {
    say("ferry sandbox: final reconciliation of every flow (no repair):");
    let dead = summary::dead_letters(store, tenant).await;
    let mut entries = Vec::new();
    let mut errors = BTreeMap::new();
    for flow in flows.flows() {
        let name = flow.name().as_str().to_owned();
        let reconciled = match reconcile(flow, store.as_ref(), tenant, false, 2000).await {
            Ok(report) => {
                say(&format!(
                    "  {:<26} {} source records, {} in step, {} drifted",
                    name, report.source_records, report.in_step, report.drifted_records
                ));
                Some(report)
            }
            Err(error) => {
                say(&format!("  {name}: reconciliation failed: {error}"));
                errors.insert(name.clone(), error.to_string());
                None
            }
        };
        let dead = dead.get(&name).copied().unwrap_or(0);
        entries.push((name, summary::flow_entry(flow, reconciled.as_ref(), dead)));
    }
    let calls = |stats: Option<ferry_http::stats::Stats>| stats.map_or(0, |s| s.requests);
    summary::Report {
        started_at,
        flows: entries,
        reconcile_errors: errors,
        api_calls: (
            calls(clients.brightpearl.as_ref().map(|c| c.transport().stats())),
            calls(clients.salesforce.as_ref().map(|c| c.transport().stats())),
        ),
        first_record_seconds: first_record,
    }
}
