//! The operations console from the command line, where an operator would script it:
//! `ferry flows pause|resume|versions|show|diff|save|rollback|preview`.
//!
//! Pausing, resuming and reading versions need only the store and the flow files, so they work
//! while Brightpearl or Salesforce is down (pausing a flow is what one does then). Saving,
//! rolling back and previewing compile the mapping over the connected systems, as `ferry
//! serve` does, through [`ferry_engine::console::Console`]. A running `ferry serve` picks up
//! pauses and saved versions from the store within five seconds. Every change is audited with
//! the actor `cli:<user>@<host>`.
//!
//! Exit codes: 0 done, 1 refused or invalid (the message says what to do), 2 usage.

use crate::cli::{
    FlowsDiffArgs, FlowsNameArgs, FlowsPreviewArgs, FlowsRollbackArgs, FlowsSaveArgs,
    FlowsShowArgs, FlowsVersionsArgs, TableOrJson,
};
use crate::context::{Context, actor};
use crate::output;
use anyhow::{Context as _, Result, anyhow, bail};
use ferry_core::TenantId;
use ferry_engine::console::{Console, ConsoleError, PreviewView, text_diff};
use ferry_engine::flows::defaults::{self, LoadedFlow};
use ferry_engine::flows::runtime::Preview;
use ferry_store::{FlowVersion, Store};
use serde_json::{Value, json};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

/// The flow named `name` among the deployment's flow files, or an error listing them.
fn known_flow(ctx: &Context, name: &str) -> Result<LoadedFlow> {
    let flows = defaults::load_detailed(&ctx.config, &ctx.config.base_dir).map_err(|errors| {
        anyhow!(
            "the flow definitions have {} problem(s), the first: {}; see them all with `ferry \
             flows check --offline`",
            errors.len(),
            errors.first().map(ToString::to_string).unwrap_or_default()
        )
    })?;
    let names: Vec<String> = flows.iter().map(|f| f.spec.name.clone()).collect();
    flows
        .into_iter()
        .find(|f| f.spec.name == name)
        .ok_or_else(|| {
            anyhow!(
                "there is no flow {name:?}; the flows are {} (see `ferry flows list`)",
                names.join(", ")
            )
        })
}

/// Refuses a flow that does not run in this deployment.
fn require_enabled(flow: &LoadedFlow) -> Result<()> {
    if !flow.spec.enabled {
        bail!(
            "flow {} is not enabled in this deployment: add it to [flows] enabled in ferry.toml \
             and restart Ferry ({})",
            flow.spec.name,
            flow.origin_label()
        );
    }
    Ok(())
}

/// A flow's saved versions, newest first.
async fn saved_versions(
    store: &dyn Store,
    tenant: &TenantId,
    flow: &str,
) -> Result<Vec<FlowVersion>> {
    store
        .flow_versions(tenant, flow)
        .await
        .with_context(|| format!("reading the versions of flow {flow} from the store"))
}

/// One version's text and a label naming it (`version 2 (by cli:ann@host: fix the name)`).
fn version_text(
    flow: &LoadedFlow,
    saved: &[FlowVersion],
    version: i64,
) -> Result<(String, String)> {
    if version == 0 {
        return Ok((
            flow.text.clone(),
            format!("version 0 (the file: {})", flow.origin_label()),
        ));
    }
    let found = saved.iter().find(|v| v.version == version).ok_or_else(|| {
        anyhow!(
            "flow {} has no version {version}; its versions are {} (see `ferry flows versions \
             {}`)",
            flow.spec.name,
            version_list(saved),
            flow.spec.name
        )
    })?;
    Ok((found.spec.clone(), label(found)))
}

fn label(v: &FlowVersion) -> String {
    if v.note.is_empty() {
        format!("version {} (by {}, {})", v.version, v.author, v.created_at)
    } else {
        format!(
            "version {} (by {}, {}: {})",
            v.version, v.author, v.created_at, v.note
        )
    }
}

fn version_list(saved: &[FlowVersion]) -> String {
    let mut numbers: Vec<String> = saved.iter().rev().map(|v| v.version.to_string()).collect();
    numbers.insert(0, "0 (the file)".into());
    numbers.join(", ")
}

/// The version that runs: the newest saved, else the file (0).
fn running_version(saved: &[FlowVersion]) -> i64 {
    saved.first().map_or(0, |v| v.version)
}

/// `ferry flows pause NAME` and `ferry flows resume NAME`.
pub(super) async fn pause(ctx: &Context, args: &FlowsNameArgs, paused: bool) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    require_enabled(&flow)?;
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let name = &flow.spec.name;
    let states = store
        .flow_states(&tenant)
        .await
        .context("reading the paused flows from the store")?;
    if let Some(state) = states
        .iter()
        .find(|s| &s.flow == name && s.paused == paused)
    {
        writeln!(
            std::io::stdout(),
            "flow {name} is already {} (by {} at {}); nothing changed",
            if paused { "paused" } else { "running" },
            state.changed_by,
            state.changed_at
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if !paused && !states.iter().any(|s| &s.flow == name) {
        writeln!(
            std::io::stdout(),
            "flow {name} is not paused; nothing changed"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    store
        .set_flow_paused(&tenant, name, paused, &actor())
        .await
        .with_context(|| format!("recording flow {name} as paused or resumed in the store"))?;
    let mut out = std::io::stdout().lock();
    if paused {
        writeln!(
            out,
            "flow {name} paused: its notices keep queuing and workers leave them (a running \
             ferry serve within 5 seconds); resume it with `ferry flows resume {name}`"
        )?;
    } else {
        writeln!(
            out,
            "flow {name} resumed: workers take its queued items again (a running ferry serve \
             within 5 seconds)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `ferry flows versions NAME`.
pub(super) async fn versions(ctx: &Context, args: &FlowsVersionsArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let saved = saved_versions(store.as_ref(), &tenant, &flow.spec.name).await?;
    let running = running_version(&saved);
    let mut rows: Vec<Value> = saved
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "running": v.version == running,
                "author": v.author,
                "saved_at": v.created_at.to_string(),
                "note": v.note,
            })
        })
        .collect();
    rows.push(json!({
        "version": 0,
        "running": running == 0,
        "author": "file",
        "saved_at": Value::Null,
        "note": flow.origin_label(),
    }));
    let mut out = std::io::stdout().lock();
    match args.format {
        TableOrJson::Json => output::write_pretty(
            &mut out,
            &json!({ "flow": flow.spec.name, "running": running, "versions": rows }),
        )?,
        TableOrJson::Table => {
            let columns: Vec<String> = ["version", "running", "author", "saved_at", "note"]
                .iter()
                .map(|c| (*c).to_owned())
                .collect();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| match (c.as_str(), &row[c]) {
                            ("running", Value::Bool(true)) => "yes".to_owned(),
                            ("running", _) => String::new(),
                            (_, Value::Null) => String::new(),
                            (_, other) => output::cell_text(other, true),
                        })
                        .collect()
                })
                .collect();
            output::write_table(&mut out, &columns, &cells)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ferry flows show NAME [--version N]`.
pub(super) async fn show(ctx: &Context, args: &FlowsShowArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let saved = saved_versions(store.as_ref(), &tenant, &flow.spec.name).await?;
    let version = args.version.unwrap_or_else(|| running_version(&saved));
    let (text, _) = version_text(&flow, &saved, version)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `ferry flows diff NAME --from A [--to B]`.
pub(super) async fn diff(ctx: &Context, args: &FlowsDiffArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let saved = saved_versions(store.as_ref(), &tenant, &flow.spec.name).await?;
    let to = args.to.unwrap_or_else(|| running_version(&saved));
    let (old, old_label) = version_text(&flow, &saved, args.from)?;
    let (new, new_label) = version_text(&flow, &saved, to)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "--- flow {} {old_label}", flow.spec.name)?;
    writeln!(
        out,
        "+++ flow {} {new_label}{}",
        flow.spec.name,
        if to == running_version(&saved) {
            " [running]"
        } else {
            ""
        }
    )?;
    let lines = text_diff(&old, &new);
    if lines.iter().all(|l| l.op == " ") {
        writeln!(out, "(the two versions are the same)")?;
    } else {
        for line in lines {
            writeln!(out, "{}{}", line.op, line.text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The console over the deployment's flows, built as `ferry serve` builds it (connecting to
/// the systems the flows use).
async fn console(ctx: &Context, what: &str) -> Result<Arc<Console>> {
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let built = crate::flows_setup::build(ctx, store.clone(), tenant.clone())
        .await
        .map_err(|e| {
            anyhow!(
                "{what} compiles the flows over the connected systems, which failed (pausing and \
                 reading versions work without them): {}",
                distinct_problems(&format!("{e:#}"))
            )
        })?;
    built.console(store, tenant).await
}

/// `"a: x; b: x; c: y"` → `"a: x; c: y"`: one line per distinct problem (every flow of a
/// deployment without a `[salesforce]` section reports the same missing section).
fn distinct_problems(message: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    message
        .split("; ")
        .filter(|part| seen.insert(part.split_once(": ").map_or(*part, |(_, rest)| rest)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A console refusal as one line naming what to do.
fn refusal(e: ConsoleError) -> anyhow::Error {
    anyhow!("{} [{}]", e.message, e.code)
}

/// Reads an edited mapping file.
fn read_mapping(path: &std::path::Path, flow: &str) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "--file {}: the edited mapping of flow {flow} cannot be read (start from `ferry \
             flows show {flow} > {}`)",
            path.display(),
            path.display()
        )
    })?;
    if text.trim().is_empty() {
        bail!(
            "--file {} is empty: write flow {flow}'s declaration in it (start from `ferry flows \
             show {flow}`)",
            path.display()
        );
    }
    Ok(text)
}

/// Prints an invalid mapping's problems, one per line on stderr.
fn print_problems(flow: &str, file: &std::path::Path, problems: &[String]) {
    eprintln!(
        "error: flow {flow}: {} has {} problem(s); nothing was saved:",
        file.display(),
        problems.len()
    );
    for problem in problems {
        eprintln!("  - {}", problem.trim_end().replace('\n', "\n    "));
    }
    eprintln!("fix them in {} and run the command again", file.display());
}

/// `ferry flows save NAME --file PATH [--note TEXT] [--based-on N] [--dry-run]`.
pub(super) async fn save(ctx: &Context, args: &FlowsSaveArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    require_enabled(&flow)?;
    let name = flow.spec.name.clone();
    let text = read_mapping(&args.file, &name)?;
    let console = console(ctx, &format!("saving flow {name}")).await?;
    let problems = console.check(&name, &text).map_err(refusal)?;
    if !problems.is_empty() {
        print_problems(&name, &args.file, &problems);
        return Ok(ExitCode::FAILURE);
    }
    let saved = saved_versions(console.store(), console.tenant(), &name).await?;
    let latest = saved.first().map(|v| v.version);
    let running = running_version(&saved);
    if let Some(base) = args.based_on
        && base != running
    {
        let newer: Vec<String> = saved
            .iter()
            .take_while(|v| v.version > base)
            .map(label)
            .collect();
        if base > running {
            bail!(
                "--based-on {base}: flow {name} has no version {base}; its versions are {} (see \
                 `ferry flows versions {name}`)",
                version_list(&saved)
            );
        }
        bail!(
            "flow {name}: {} saved after version {base} you edited, so saving would undo it; \
             nothing was saved. See the change with `ferry flows diff {name} --from {base}`, \
             apply your edit to `ferry flows show {name}` and save again with --based-on \
             {running}",
            newer.join(", ")
        );
    }
    if args.dry_run {
        writeln!(
            std::io::stdout(),
            "flow {name}: {} is valid; nothing saved (--dry-run)",
            args.file.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let (current, _) = version_text(&flow, &saved, running)?;
    if current == text {
        writeln!(
            std::io::stdout(),
            "flow {name}: {} is the running version {running} already; nothing saved",
            args.file.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let view = match console
        .save(&name, &text, latest, &args.note, &actor())
        .await
    {
        Ok(view) => view,
        Err(e) if !e.problems.is_empty() => {
            print_problems(&name, &args.file, &e.problems);
            return Ok(ExitCode::FAILURE);
        }
        Err(e) if e.code == "STALE_VERSION" => bail!(
            "{}; nothing was saved: see `ferry flows versions {name}` and `ferry flows diff \
             {name} --from {running}` [STALE_VERSION]",
            e.message
        ),
        Err(e) => return Err(refusal(e)),
    };
    writeln!(
        std::io::stdout(),
        "flow {name} version {} saved; a running ferry serve runs it from its next batch (within \
         5 seconds). Undo with `ferry flows rollback {name} --to {running}`",
        view.version
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `ferry flows rollback NAME --to N`.
pub(super) async fn rollback(ctx: &Context, args: &FlowsRollbackArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    require_enabled(&flow)?;
    let name = flow.spec.name.clone();
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let saved = saved_versions(store.as_ref(), &tenant, &name).await?;
    // Refuse an unknown version before connecting to anything.
    version_text(&flow, &saved, args.to)?;
    let running = running_version(&saved);
    if running == args.to {
        writeln!(
            std::io::stdout(),
            "flow {name} runs version {running} already; nothing changed"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let console = match console(ctx, &format!("rolling back flow {name}")).await {
        Ok(console) => console,
        // The way out when a saved version stops the flows from being built (a Ferry upgrade
        // changed the language): the file parsed when it was loaded, so it is saved as the
        // next version without compiling anything.
        Err(error) if args.to == 0 => {
            let saved = store
                .save_flow_version(
                    &tenant,
                    &name,
                    &flow.text,
                    &actor(),
                    "rollback to the file",
                    (running > 0).then_some(running),
                )
                .await
                .map_err(|e| anyhow!("flow {name}: saving the rollback failed: {e}"))?;
            writeln!(
                std::io::stdout(),
                "flow {name} version {} saved (rollback to the file) without building the flows,                  which failed: {error:#}",
                saved.version
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(error),
    };
    let view = match console.rollback(&name, args.to, &actor()).await {
        Ok(view) => view,
        Err(e) if !e.problems.is_empty() => bail!(
            "flow {name}: version {} no longer compiles here, so it cannot run again: {}; save \
             a corrected text with `ferry flows save` [{}]",
            args.to,
            e.problems.join("; "),
            e.code
        ),
        Err(e) => return Err(refusal(e)),
    };
    writeln!(
        std::io::stdout(),
        "flow {name} version {} saved ({}); a running ferry serve runs it from its next batch \
         (within 5 seconds)",
        view.version,
        view.note
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `ferry flows preview NAME --file PATH [--record ID]`.
pub(super) async fn preview(ctx: &Context, args: &FlowsPreviewArgs) -> Result<ExitCode> {
    let flow = known_flow(ctx, &args.name)?;
    require_enabled(&flow)?;
    let name = flow.spec.name.clone();
    let text = read_mapping(&args.file, &name)?;
    let console = console(ctx, &format!("previewing flow {name}")).await?;
    let view = match console.preview(&name, &text, args.record.as_deref()).await {
        Ok(view) => view,
        Err(e) if !e.problems.is_empty() => {
            print_problems(&name, &args.file, &e.problems);
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(refusal(e)),
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        TableOrJson::Json => {
            output::write_pretty(&mut out, &serde_json::to_value(&view)?)?;
        }
        TableOrJson::Table => write_preview(&mut out, &name, &view)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome(preview: &Preview) -> String {
    match &preview.outcome.result {
        Ok(change) => format!("{change:?}"),
        Err(f) => format!("{}: {}", f.code, f.message),
    }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None => "-".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(v) => output::cell_text(v, true),
    }
}

/// The preview as the mapping editor shows it: the outcomes, then per target a table of the
/// mapped fields (in the target now, with the edit, with the running version).
fn write_preview(out: &mut impl std::io::Write, flow: &str, view: &PreviewView) -> Result<()> {
    writeln!(
        out,
        "flow {flow}, record {}: with the edit → {}; the running version → {}. {} Nothing was \
         written.",
        view.record,
        outcome(&view.edited),
        outcome(&view.running),
        if view.differences.is_empty() {
            "The mapped values are the same.".to_owned()
        } else {
            format!(
                "Mapped values that differ: {}.",
                view.differences.join(", ")
            )
        }
    )?;
    for (i, target) in view.edited.targets.iter().enumerate() {
        let running = view.running.targets.get(i);
        writeln!(out)?;
        writeln!(
            out,
            "{} → {}{}{}",
            target["target"].as_str().unwrap_or_default(),
            target["object"].as_str().unwrap_or_default(),
            target["id"]
                .as_str()
                .map(|id| format!(" {id}"))
                .unwrap_or_default(),
            target["note"]
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )?;
        let mut names: Vec<String> = target["fields"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(r) = running.and_then(|r| r["fields"].as_object()) {
            for k in r.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        let changed: Vec<&str> = target["changed"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let columns: Vec<String> = ["field", "now", "edited", "running", "differs", "written"]
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        let rows: Vec<Vec<String>> = names
            .iter()
            .map(|field| {
                let edited = target["fields"].get(field);
                let before = running.and_then(|r| r["fields"].get(field));
                let mark = |yes: bool| if yes { "*" } else { "" }.to_owned();
                vec![
                    field.clone(),
                    shown(target["current"].get(field)),
                    shown(edited),
                    shown(before),
                    mark(edited != before),
                    mark(changed.contains(&field.as_str())),
                ]
            })
            .collect();
        output::write_table(out, &columns, &rows)?;
    }
    Ok(())
}
