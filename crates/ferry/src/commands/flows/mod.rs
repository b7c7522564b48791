//! `ferry flows list` and `ferry flows check`: which flows run, and whether their declarations
//! fit the connected systems. The console commands (pause, resume, mapping versions, save,
//! rollback, preview) are in [`console`].
//!
//! `check` runs the static checks of [`ferry_engine::flows::defaults`] first; then, unless
//! `--offline`, it compares every flow with the live systems: each Salesforce object's
//! describe (fields exist, can be written, literal and lookup-table values fit the field's
//! type, picklist and length, keys are external ids) and Brightpearl's custom-field metadata
//! (`PCF_*` codes named in expressions or written). One line per finding:
//! `flow target.field: problem — what to do`; the exit code is 1 when any finding is an error.

use crate::cli::{FlowsCheckArgs, FlowsCommand, FlowsListArgs};
use crate::context::Context;
use crate::output::{self, Format};
use anyhow::{Context as _, Result};
use ferry_core::System;
use ferry_engine::flows::defaults::{self, LoadedFlow};
use ferry_mapping::FlowSpec;
use ferry_salesforce::describe::SObjectDescribe;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::ExitCode;

mod console;
mod live;
use live::{check_brightpearl, check_salesforce, custom_fields, salesforce_objects};

/// Runs a `ferry flows …` command.
pub async fn run(ctx: &Context, command: FlowsCommand) -> Result<ExitCode> {
    match command {
        FlowsCommand::List(args) => output::quiet_on_closed_pipe(list(ctx, &args)),
        FlowsCommand::Check(args) => output::quiet_on_closed_pipe(check(ctx, &args).await),
        FlowsCommand::Pause(args) => console::pause(ctx, &args, true).await,
        FlowsCommand::Resume(args) => console::pause(ctx, &args, false).await,
        FlowsCommand::Versions(args) => {
            output::quiet_on_closed_pipe(console::versions(ctx, &args).await)
        }
        FlowsCommand::Show(args) => output::quiet_on_closed_pipe(console::show(ctx, &args).await),
        FlowsCommand::Diff(args) => output::quiet_on_closed_pipe(console::diff(ctx, &args).await),
        FlowsCommand::Save(args) => console::save(ctx, &args).await,
        FlowsCommand::Rollback(args) => console::rollback(ctx, &args).await,
        FlowsCommand::Preview(args) => {
            output::quiet_on_closed_pipe(console::preview(ctx, &args).await)
        }
    }
}

/// The flows, or the static errors printed one per line.
fn load(ctx: &Context) -> Result<std::result::Result<Vec<LoadedFlow>, usize>> {
    match defaults::load_detailed(&ctx.config, &ctx.config.base_dir) {
        Ok(flows) => Ok(Ok(flows)),
        Err(errors) => {
            let mut out = std::io::stdout().lock();
            for error in &errors {
                writeln!(out, "{error}").context("writing the output")?;
            }
            Ok(Err(errors.len()))
        }
    }
}

fn list(ctx: &Context, args: &FlowsListArgs) -> Result<ExitCode> {
    let flows = match load(ctx)? {
        Ok(flows) => flows,
        Err(count) => {
            eprintln!(
                "{count} problem{} in the flow definitions; fix them (`ferry flows check` \
                 says the same)",
                if count == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let rows: Vec<Value> = flows
        .iter()
        .map(|flow| {
            let spec = &flow.spec;
            json!({
                "name": spec.name,
                "enabled": spec.enabled,
                "source": format!("{} {}", spec.source.system, spec.source.object),
                "targets": spec.targets.iter().map(|t| t.object.clone()).collect::<Vec<_>>(),
                "entity": spec.entity,
                "depends_on": spec.depends_on,
                "origin": flow.origin.to_string(),
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => output::write_pretty(&mut out, &Value::Array(rows))?,
        Format::Table | Format::Csv => {
            let columns: Vec<String> = [
                "name",
                "enabled",
                "source",
                "targets",
                "entity",
                "depends_on",
                "origin",
            ]
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| match &row[c] {
                            Value::Array(items) => items
                                .iter()
                                .map(|i| output::cell_text(i, false))
                                .collect::<Vec<_>>()
                                .join(", "),
                            other => output::cell_text(other, false),
                        })
                        .collect()
                })
                .collect();
            output::write_table(&mut out, &columns, &cells)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One problem `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    /// Errors fail the check; warnings are printed and pass.
    error: bool,
    flow: String,
    /// `target.Field`, `source.Field` or `target`.
    place: String,
    problem: String,
    fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.error {
            f.write_str("warning: ")?;
        }
        write!(
            f,
            "{} {}: {} — {}",
            self.flow, self.place, self.problem, self.fix
        )
    }
}

async fn check(ctx: &Context, args: &FlowsCheckArgs) -> Result<ExitCode> {
    let flows = match load(ctx)? {
        Ok(flows) => flows,
        Err(count) => {
            eprintln!(
                "{count} problem{} in the flow definitions",
                if count == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut findings = Vec::new();
    if !args.offline {
        let specs: Vec<&FlowSpec> = flows.iter().map(|f| &f.spec).collect();
        let uses = |system: System| {
            specs.iter().any(|s| {
                s.source.system == system
                    || s.targets
                        .iter()
                        .any(|t| t.system_for(s.source.system) == system)
            })
        };
        if uses(System::Salesforce) {
            let client = crate::connectors::salesforce(ctx).await.context(
                "cannot reach Salesforce for the live checks (run `ferry flows check --offline` \
                 for the static checks alone)",
            )?;
            let schema =
                ferry_salesforce::schema::Schema::new(&client, std::time::Duration::from_secs(60));
            let mut describes: BTreeMap<String, Option<SObjectDescribe>> = BTreeMap::new();
            for spec in &specs {
                for object in salesforce_objects(spec) {
                    if describes.contains_key(&object) {
                        continue;
                    }
                    let describe = match schema.describe(&object).await {
                        Ok(d) => Some(d),
                        Err(e)
                            if e.code().contains("NOT_FOUND")
                                || e.code().contains("INVALID_TYPE") =>
                        {
                            None
                        }
                        Err(e) => {
                            return Err(anyhow::Error::new(e)
                                .context(format!("describing Salesforce object {object}")));
                        }
                    };
                    describes.insert(object, describe);
                }
            }
            for spec in &specs {
                findings.extend(check_salesforce(spec, &describes));
            }
        }
        if uses(System::Brightpearl) && specs.iter().any(|s| !custom_fields(s).is_empty()) {
            let client = crate::connectors::brightpearl(ctx).await.context(
                "cannot reach Brightpearl for the live checks (run `ferry flows check --offline` \
                 for the static checks alone)",
            )?;
            let mut known: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
            for (object, path) in [
                (
                    "contact",
                    "/contact-service/customer/custom-field-meta-data",
                ),
                ("product", "/product-service/product/custom-field-meta-data"),
            ] {
                let meta: Vec<ferry_brightpearl::model::common::CustomFieldMeta> = client
                    .get(path)
                    .await
                    .with_context(|| format!("reading Brightpearl's {object} custom fields"))?;
                known.insert(object, meta.into_iter().map(|m| m.code).collect());
            }
            for spec in &specs {
                findings.extend(check_brightpearl(spec, &known));
            }
        }
    }
    let mut out = std::io::stdout().lock();
    for finding in &findings {
        writeln!(out, "{finding}").context("writing the output")?;
    }
    let errors = findings.iter().filter(|f| f.error).count();
    let warnings = findings.len() - errors;
    let checked = if args.offline {
        "static checks only (--offline)"
    } else {
        "static and live checks"
    };
    eprintln!(
        "{} flows, {checked}: {errors} error{}, {warnings} warning{}",
        flows.len(),
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
