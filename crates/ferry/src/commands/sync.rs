//! `ferry sync initial`: the initial load of the flows, with a progress bar per flow.

use crate::cli::{SyncCommand, SyncInitialArgs};
use crate::context::Context;
use crate::flows_setup;
use anyhow::{Result, bail};
use ferry_engine::flows::load::{LoadError, LoadOptions, LoadProgress, initial_load};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::time::Duration;

pub async fn run(ctx: &Context, command: SyncCommand) -> Result<ExitCode> {
    match command {
        SyncCommand::Initial(args) => initial(ctx, &args).await,
    }
}

async fn initial(ctx: &Context, args: &SyncInitialArgs) -> Result<ExitCode> {
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let set = flows_setup::build_flowset_on(ctx, store.clone(), tenant.clone()).await?;
    let flows = flows_setup::select(&set, &args.flows)?;
    if flows.is_empty() {
        bail!("no flow is enabled: enable one in ferry.toml ([flows] enabled) and run it again");
    }
    let mut queued = 0;
    for flow in flows {
        let bar = progress_bar(flow.name().as_str());
        let options = LoadOptions {
            page: usize::try_from(args.page).unwrap_or(2000),
            restart: args.restart,
            estimated_total: None,
        };
        let load = initial_load(&flow, store.as_ref(), &tenant, options, |p| {
            if let Some(total) = p.estimated_total
                && bar.length() != Some(total)
            {
                bar.set_length(total);
                bar.set_style(style(true));
            }
            bar.set_position(p.read);
            bar.set_message(counts(p));
        });
        let result = tokio::select! {
            result = load => result,
            () = super::wait_for_signal() => {
                bar.abandon_with_message("interrupted");
                bail!(
                    "flow {}: interrupted; the pages already journaled are kept: run `ferry sync \
                     initial` again to resume after them",
                    flow.name()
                );
            }
        };
        match result {
            Ok(progress) => {
                bar.finish_and_clear();
                queued += progress.queued_for_retry;
                println!("{}", summary(&progress));
            }
            Err(LoadError::AlreadyLoaded { flow, last }) => {
                bar.finish_and_clear();
                let last = if last.is_empty() {
                    "the source was empty".to_string()
                } else {
                    format!("last record {last}")
                };
                println!("{flow}: already loaded ({last}); use --restart to load it again");
            }
            Err(error) => {
                bar.abandon_with_message("stopped");
                // Later flows may depend on this one: stop here.
                return Err(error.into());
            }
        }
    }
    if queued > 0 {
        println!(
            "{queued} record(s) failed and are queued for retry: `ferry worker` (or `ferry \
             serve`) retries them; those that cannot succeed end in `ferry dlq list` with the \
             reason"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(flow: &str) -> ProgressBar {
    // With a known total: a bar with the rate and the time left; otherwise the count and the
    // rate. indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::no_length()
        .with_style(style(false))
        .with_prefix(flow.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn style(known_total: bool) -> ProgressStyle {
    let template = if known_total {
        "{prefix:.bold} {wide_bar} {pos}/{len} records, {per_sec}, eta {eta} {msg}"
    } else {
        "{prefix:.bold} {spinner} {pos} records, {per_sec} {msg}"
    };
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn counts(p: &LoadProgress) -> String {
    format!(
        "created {}, updated {}, unchanged {}, skipped {}, failed {}",
        p.created, p.updated, p.unchanged, p.skipped, p.failed
    )
}

fn summary(p: &LoadProgress) -> String {
    let elapsed = ferry_core::Timestamp::now().to_datetime() - p.started_at.to_datetime();
    let seconds = elapsed.as_seconds_f64().max(0.001);
    let rate = p.read as f64 / seconds;
    format!(
        "{}: {} records in {:.1}s ({:.0}/s): {}; {} queued for retry",
        p.flow,
        p.read,
        seconds,
        rate,
        counts(p),
        p.queued_for_retry
    )
}
