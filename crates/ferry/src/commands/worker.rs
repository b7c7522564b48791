//! `ferry worker`: run queue workers until interrupted.

use crate::cli::WorkerArgs;
use crate::context::Context;
use anyhow::Result;
use ferry_core::RetryPolicy;
use ferry_engine::{Shutdown, Worker, WorkerOptions, flows, housekeeping};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub async fn run(
    context: &Context,
    config_file: &std::path::Path,
    args: &WorkerArgs,
) -> Result<ExitCode> {
    init_logging(context);
    let w = &context.config.worker;
    let retry = RetryPolicy {
        max_attempts: w.max_attempts,
        base_delay: Duration::from_millis(w.backoff_base_ms),
        max_delay: Duration::from_secs(w.backoff_max_seconds),
    };
    let mut options = WorkerOptions::new(retry);
    options.concurrency = args.concurrency.unwrap_or(w.concurrency).max(1);
    options.batch_size = args.batch_size.unwrap_or(w.batch_size).clamp(1, 1000);
    options.lease_for = Duration::from_secs(w.lease_seconds);
    options.idle_poll = Duration::from_millis(w.idle_poll_ms);
    options.handler_timeout = Duration::from_secs(w.handler_timeout_seconds);
    options.tenant = args
        .tenant
        .as_deref()
        .map(|t| context.tenant(Some(t)))
        .transpose()?;
    options.exit_when_idle = args.exit_when_idle.map(Duration::from_millis);

    let store = context.store().await?;
    if let Some(changed) =
        super::audit::record_config(context, store.as_ref(), &config_file.display().to_string())
            .await?
    {
        tracing::info!(
            ?changed,
            "configuration changed since the last worker start; recorded in the audit log"
        );
    }
    let handlers = flows::builtin(store.clone(), &options.worker_id);
    let worker = Worker::new(store.clone(), handlers, options);
    let totals = worker.totals();

    let (stop, shutdown) = Shutdown::new();
    let retention = Duration::from_secs(u64::from(context.config.store.retention_days) * 86_400);
    let housekeeping = tokio::spawn(housekeeping::run(
        store.clone(),
        retention,
        Duration::from_secs(3600),
        shutdown.clone(),
    ));
    tokio::spawn(async move {
        super::wait_for_signal().await;
        tracing::info!("stop requested; finishing the batch in hand");
        let _ = stop.send(true);
    });
    worker.run(shutdown).await;
    housekeeping.abort();
    tracing::info!(
        succeeded = totals.succeeded.load(Ordering::Relaxed),
        retried = totals.retried.load(Ordering::Relaxed),
        dead_lettered = totals.dead_lettered.load(Ordering::Relaxed),
        lost_leases = totals.lost.load(Ordering::Relaxed),
        "worker totals"
    );
    Ok(ExitCode::SUCCESS)
}

/// Logging as `[log]` (or FERRY_LOG) says; shared by `ferry serve`.
pub(super) fn init_logging(context: &Context) {
    use tracing_subscriber::EnvFilter;
    let level = std::env::var("FERRY_LOG").unwrap_or_else(|_| context.config.log.level.clone());
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match context.config.log.format {
        ferry_config::LogFormat::Json => builder.json().try_init(),
        ferry_config::LogFormat::Text => builder.try_init(),
    };
}
