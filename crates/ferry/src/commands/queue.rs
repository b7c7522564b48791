//! `ferry queue stats` and `ferry queue selftest`.

use crate::cli::{QueueCommand, SelftestCommand};
use crate::context::Context;
use anyhow::Result;
use ferry_engine::flows::selftest;
use std::process::ExitCode;

pub async fn run(context: &Context, command: QueueCommand) -> Result<ExitCode> {
    match command {
        QueueCommand::Stats(args) => {
            let tenant = args
                .tenant
                .as_deref()
                .map(|t| context.tenant(Some(t)))
                .transpose()?;
            let store = context.store().await?;
            let stats = store.stats(tenant.as_ref()).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(ExitCode::SUCCESS);
            }
            if stats.is_empty() {
                println!("the queue is empty and there are no dead letters");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<16} {:<16} {:>9} {:>9} {:>9} {:>9}  oldest waiting since",
                "TENANT", "FLOW", "PENDING", "RETRYING", "IN FLIGHT", "DEAD"
            );
            for s in stats {
                let oldest = s
                    .oldest_enqueued_at
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<16} {:<16} {:>9} {:>9} {:>9} {:>9}  {oldest}",
                    s.tenant.as_str(),
                    s.flow.as_str(),
                    s.pending,
                    s.retrying,
                    s.in_flight,
                    s.dead
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Selftest(SelftestCommand::Enqueue(args)) => {
            let store = context.store().await?;
            let plan = selftest::EnqueuePlan {
                tenant: context.tenant(None)?,
                start: args.start,
                notices: args.notices,
                records: args.records,
                work_ms: args.work_ms,
                after_ms: args.after_ms,
                fail_every: args.fail_every,
                batch: args.batch,
            };
            let started = std::time::Instant::now();
            let sent = selftest::enqueue(store.as_ref(), &plan).await?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "journaled {sent} self-test notices over {} records in {secs:.2}s ({:.0}/s); run `ferry worker`, then `ferry queue selftest verify`",
                args.records.min(args.notices),
                sent as f64 / secs.max(1e-9)
            );
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Selftest(SelftestCommand::Verify(args)) => {
            let store = context.store().await?;
            let report = selftest::verify(store.as_ref(), &context.tenant(None)?).await?;
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "records": report.records,
                        "notices": report.notices,
                        "effects": report.effects,
                        "repeats": report.repeats,
                        "incomplete": report.incomplete,
                        "out_of_order": report.out_of_order,
                        "miscounted": report.miscounted,
                        "complete": report.is_complete(),
                    })
                );
            } else {
                println!(
                    "{} notices over {} records; {} effects applied; {} redeliveries recognised and not repeated",
                    report.notices, report.records, report.effects, report.repeats
                );
                let sample =
                    |v: &[String]| v.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                if !report.incomplete.is_empty() {
                    println!(
                        "{} records not processed yet (queued or dead-lettered): {} ...",
                        report.incomplete.len(),
                        sample(&report.incomplete)
                    );
                }
                if !report.out_of_order.is_empty() {
                    println!(
                        "{} records processed out of order: {}",
                        report.out_of_order.len(),
                        sample(&report.out_of_order)
                    );
                }
                if !report.miscounted.is_empty() {
                    println!(
                        "{} records with notices lost or counted twice: {}",
                        report.miscounted.len(),
                        sample(&report.miscounted)
                    );
                }
                if report.is_complete() {
                    println!("self-test passed: every notice covered exactly once, in order");
                }
            }
            Ok(if report.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
