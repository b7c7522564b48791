//! `ferry dlq list|show|retry|discard`.

use crate::cli::{DlqActArgs, DlqCommand, DlqFilterArgs};
use crate::context::{Context, actor, parse_time};
use anyhow::{Result, anyhow, bail};
use ferry_core::{DeadLetter, DeadLetterFilter, FlowName};
use ferry_store::DeadSelection;
use std::process::ExitCode;

fn filter(context: &Context, args: &DlqFilterArgs) -> Result<DeadLetterFilter> {
    let tenant = match args.tenant.as_deref() {
        Some("*") => None,
        other => Some(context.tenant(other)?),
    };
    Ok(DeadLetterFilter {
        tenant,
        flow: args
            .flow
            .as_deref()
            .map(FlowName::new)
            .transpose()
            .map_err(|e| anyhow!("--flow: {e}"))?,
        error_code: args.code.clone(),
        record_id: args.record.clone(),
        failed_before: args
            .before
            .as_deref()
            .map(|t| parse_time("--before", t))
            .transpose()?,
    })
}

fn has_filter_flags(args: &DlqFilterArgs) -> bool {
    args.flow.is_some() || args.code.is_some() || args.record.is_some() || args.before.is_some()
}

fn selection(context: &Context, args: &DlqActArgs, verb: &str) -> Result<DeadSelection> {
    // Any filter flag, or --all, means "by filter"; --filter alone says so explicitly.
    let by_filter = args.filter || args.all || has_filter_flags(&args.filters);
    match (args.ids.is_empty(), by_filter) {
        (false, false) => {
            let mut ids = args.ids.clone();
            ids.sort_unstable();
            ids.dedup();
            Ok(DeadSelection::Ids(ids))
        }
        (true, true) => {
            if !has_filter_flags(&args.filters) && !args.all {
                bail!(
                    "--filter with no --flow, --code, --record or --before would {verb} every dead \
                     letter of the tenant; add a filter, or --all if that is what you mean"
                );
            }
            Ok(DeadSelection::Filter(filter(context, &args.filters)?))
        }
        (false, true) => bail!("give dead letter ids or filters, not both"),
        (true, false) => bail!(
            "say which dead letters to {verb}: ids (see `ferry dlq list`), or filters \
             (--flow, --code, --record, --before), or --all"
        ),
    }
}

fn summary_line(d: &DeadLetter) -> String {
    let mut message = d.error_message.replace('\n', " ");
    if message.chars().count() > 90 {
        message = message.chars().take(89).collect::<String>() + "…";
    }
    format!(
        "{:>6}  {}  {:<12} {:<16} {:<20} {:<24} {message}",
        d.id,
        d.failed_at,
        d.flow.as_str(),
        d.tenant.as_str(),
        format!("{}/{}", d.object, d.record_id),
        d.error_code,
    )
}

pub async fn run(context: &Context, command: DlqCommand) -> Result<ExitCode> {
    let store = context.store().await?;
    match command {
        DlqCommand::List(args) => {
            let dead = store
                .list_dead(&filter(context, &args.filter)?, args.limit)
                .await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&dead)?);
            } else if dead.is_empty() {
                println!("no dead letters match");
            } else {
                println!(
                    "{:>6}  {:<27} {:<12} {:<16} {:<20} {:<24} MESSAGE",
                    "ID", "FAILED AT", "FLOW", "TENANT", "RECORD", "CODE"
                );
                for d in &dead {
                    println!("{}", summary_line(d));
                }
            }
        }
        DlqCommand::Show(args) => {
            let Some(d) = store.dead_letter(args.id).await? else {
                bail!(
                    "no dead letter with id {}; list them with `ferry dlq list`",
                    args.id
                );
            };
            // What the code means and what to do, as the dashboard and the admin API show it.
            let explanation = ferry_server::explain::explain(&d.error_code);
            if args.json {
                let mut body = serde_json::to_value(&d)?;
                body["explanation"] = explanation.to_json();
                println!("{}", serde_json::to_string_pretty(&body)?);
            } else {
                println!("dead letter {} ({} tenant {})", d.id, d.flow, d.tenant);
                println!(
                    "  record:     {} {}/{} ({}, {} notice(s), journal #{})",
                    d.source, d.object, d.record_id, d.operation, d.notices, d.journal_id
                );
                println!("  enqueued:   {}", d.enqueued_at);
                println!("  failed:     {}", d.failed_at);
                println!("  error:      {} — {}", d.error_code, d.error_message);
                println!("  meaning:    {}", explanation.what);
                println!("  fix:        {}", explanation.fix);
                println!("  attempts:");
                for a in &d.history {
                    println!("    #{:<3} {}  {} — {}", a.number, a.at, a.code, a.message);
                }
                println!(
                    "  payload:    {}",
                    serde_json::to_string_pretty(&d.payload)?.replace('\n', "\n              ")
                );
                match explanation.remedy {
                    ferry_server::explain::Remedy::EditAndRetry => println!(
                        "correct {} {} in {} (or on the dashboard's dead-letter page), then \
                         retry with `ferry dlq retry {}`; or discard with `ferry dlq discard {}`",
                        d.object, d.record_id, d.source, d.id, d.id
                    ),
                    ferry_server::explain::Remedy::Retry => println!(
                        "retry with `ferry dlq retry {}` once the cause has passed, or discard \
                         with `ferry dlq discard {}`",
                        d.id, d.id
                    ),
                    ferry_server::explain::Remedy::FixElsewhere => println!(
                        "apply the fix above, then retry with `ferry dlq retry {}`; or discard \
                         with `ferry dlq discard {}`",
                        d.id, d.id
                    ),
                }
            }
        }
        DlqCommand::Retry(args) => {
            let selection = selection(context, &args, "retry")?;
            let moved = store.retry_dead(&selection, &actor()).await?;
            report(&selection, moved, "put back into the queue")?;
        }
        DlqCommand::Discard(args) => {
            let selection = selection(context, &args, "discard")?;
            let removed = store.discard_dead(&selection, &actor()).await?;
            report(&selection, removed, "discarded")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(selection: &DeadSelection, count: u64, done: &str) -> Result<()> {
    println!("{count} dead letter(s) {done}");
    match selection {
        DeadSelection::Ids(ids) if count < ids.len() as u64 => bail!(
            "{} of the given ids are not dead letters (already retried or discarded?); see `ferry dlq list`",
            ids.len() as u64 - count
        ),
        _ => Ok(()),
    }
}
