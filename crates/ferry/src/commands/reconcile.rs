//! `ferry reconcile`: compare every source record of the flows with its targets.
//!
//! Exit code: 0 when every flow is in step, 2 when drift was found (with or without
//! `--repair`: the repairs are only enqueued), 1 on error.

use crate::cli::{ReconcileArgs, ReportFormat};
use crate::context::Context;
use crate::flows_setup;
use crate::output::{write_pretty, write_table};
use anyhow::{Result, bail};
use ferry_engine::flows::reconcile::{ReconcileReport, reconcile};
use std::process::ExitCode;

/// The exit code when drift was found.
const DRIFT_FOUND: u8 = 2;

pub async fn run(ctx: &Context, args: &ReconcileArgs) -> Result<ExitCode> {
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let set = flows_setup::build_flowset_on(ctx, store.clone(), tenant.clone()).await?;
    let flows = flows_setup::select(&set, &args.flows)?;
    if flows.is_empty() {
        bail!("no flow is enabled: enable one in ferry.toml ([flows] enabled) and run it again");
    }
    let page = usize::try_from(args.page).unwrap_or(2000);
    let mut reports = Vec::new();
    for flow in &flows {
        reports.push(reconcile(flow, store.as_ref(), &tenant, args.repair, page).await?);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ReportFormat::Json => write_pretty(&mut out, &serde_json::to_value(&reports)?)?,
        ReportFormat::Table => write_report(&mut out, &reports, args.repair)?,
    }
    Ok(if reports.iter().any(ReconcileReport::has_drift) {
        ExitCode::from(DRIFT_FOUND)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_report(
    out: &mut impl std::io::Write,
    reports: &[ReconcileReport],
    repair: bool,
) -> Result<()> {
    let columns: Vec<String> = [
        "flow",
        "source records",
        "compared",
        "in step",
        "drifted",
        "unmappable",
        "not compared",
        "skipped",
        "repairs enqueued",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            vec![
                r.flow.clone(),
                r.source_records.to_string(),
                r.compared.to_string(),
                r.in_step.to_string(),
                r.drifted_records.to_string(),
                (r.unmappable.len() as u64 + r.unmappable_omitted).to_string(),
                r.not_compared.len().to_string(),
                r.skipped.to_string(),
                r.repaired_enqueued.to_string(),
            ]
        })
        .collect();
    write_table(out, &columns, &rows)?;
    for report in reports {
        if !report.drift.is_empty() {
            writeln!(out, "\n{}: drift", report.flow)?;
            let columns: Vec<String> = ["record", "target", "object", "target id", "drift"]
                .iter()
                .map(|c| c.to_string())
                .collect();
            let rows: Vec<Vec<String>> = report
                .drift
                .iter()
                .map(|d| {
                    vec![
                        d.record.clone(),
                        d.target.clone(),
                        d.object.clone(),
                        d.target_id.clone().unwrap_or_default(),
                        if d.missing {
                            "missing".to_string()
                        } else {
                            format!("different: {}", d.fields.join(", "))
                        },
                    ]
                })
                .collect();
            write_table(out, &columns, &rows)?;
            if report.drift_omitted > 0 {
                writeln!(
                    out,
                    "... and {} more (use --format json, or --flow to narrow)",
                    report.drift_omitted
                )?;
            }
        }
        let trouble: Vec<(&str, &ferry_engine::flows::reconcile::Unmappable)> = report
            .unmappable
            .iter()
            .map(|u| ("unmappable", u))
            .chain(report.not_compared.iter().map(|u| ("not compared", u)))
            .collect();
        if !trouble.is_empty() {
            writeln!(out, "\n{}: records not compared", report.flow)?;
            let columns: Vec<String> = ["record", "why", "reason"]
                .iter()
                .map(|c| c.to_string())
                .collect();
            let rows: Vec<Vec<String>> = trouble
                .iter()
                .map(|(why, u)| vec![u.id.clone(), why.to_string(), u.reason.clone()])
                .collect();
            write_table(out, &columns, &rows)?;
            if report.unmappable_omitted > 0 {
                writeln!(out, "... and {} more unmappable", report.unmappable_omitted)?;
            }
        }
    }
    let drifted: u64 = reports.iter().map(|r| r.drifted_records).sum();
    if drifted > 0 {
        if repair {
            writeln!(
                out,
                "\n{drifted} drifted record(s): repairs enqueued; `ferry worker` (or `ferry \
                 serve`) applies them"
            )?;
        } else {
            writeln!(
                out,
                "\n{drifted} drifted record(s): run `ferry reconcile --repair` to enqueue the \
                 fixes"
            )?;
        }
    }
    Ok(())
}
