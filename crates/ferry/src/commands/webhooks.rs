//! `ferry brightpearl webhooks sync`: make the account's webhook subscriptions match what
//! Ferry's flows need.

use crate::cli::{WebhooksCommand, WebhooksSyncArgs};
use crate::context::Context;
use anyhow::{Context as _, Result, bail};
use ferry_brightpearl::model::webhooks::Webhook;
use ferry_brightpearl::webhooks;
use std::io::Write;
use std::process::ExitCode;

/// The Brightpearl events each flow listens to: the one place that says so.
///
/// Names are Brightpearl's subscribable events (reference §8.5). A lifecycle subscription
/// such as `goods-out-note.modified` also receives its refinements (`…modified.shipped`).
/// Brightpearl offers no contact or payment events, so `customers` and `payments` have none:
/// those flows notice changes by polling their searches (`updatedOn` windows) instead.
///
/// Today every flow is listed and `sync` subscribes for all of them (or those named with
/// `--flow`). Once flows can be switched on and off in ferry.toml (issue 7), the events come
/// from the enabled flows instead of this whole table.
pub const FLOW_EVENTS: &[(&str, &[&str])] = &[
    ("customers", &[]),
    (
        "products",
        &["product.created", "product.modified", "product.destroyed"],
    ),
    ("inventory", &["product.modified.on-hand-modified"]),
    // `order.modified` fires on creation too; `sales-order.created` is kept because it
    // arrives for web-store orders before their first modification.
    ("orders", &["sales-order.created", "order.modified"]),
    (
        "shipments",
        &[
            "goods-out-note.created",
            "goods-out-note.modified",
            "goods-out-note.destroyed",
        ],
    ),
    // Sales credits are orders of type SC: their changes arrive as order events.
    ("returns", &["order.modified"]),
    ("payments", &[]),
];

/// The distinct events `flows` need (every flow when `flows` is empty), in table order.
/// Unknown flow names are refused with the list of known ones.
pub fn events_for(flows: &[String]) -> Result<Vec<&'static str>> {
    for flow in flows {
        if !FLOW_EVENTS.iter().any(|(name, _)| name == flow) {
            let known: Vec<&str> = FLOW_EVENTS.iter().map(|(name, _)| *name).collect();
            bail!(
                "--flow {flow:?} is not a flow: use one of {}",
                known.join(", ")
            );
        }
    }
    let mut events = Vec::new();
    for (name, flow_events) in FLOW_EVENTS {
        if flows.is_empty() || flows.iter().any(|f| f == name) {
            for event in *flow_events {
                if !events.contains(event) {
                    events.push(*event);
                }
            }
        }
    }
    Ok(events)
}

/// Runs a `ferry brightpearl webhooks …` command.
pub async fn run(ctx: &Context, command: WebhooksCommand) -> Result<ExitCode> {
    match command {
        WebhooksCommand::Sync(args) => sync(ctx, &args).await,
    }
}

async fn sync(ctx: &Context, args: &WebhooksSyncArgs) -> Result<ExitCode> {
    let events = events_for(&args.flows)?;
    let client = crate::connectors::brightpearl(ctx).await?;
    let configured = ctx
        .config
        .brightpearl
        .as_ref()
        .and_then(|bp| bp.intake_url.clone());
    let Some(intake) = args.intake_url.clone().or(configured) else {
        bail!(
            "no intake URL to point the webhooks at: set brightpearl.intake_url in ferry.toml \
             to Ferry's public webhook address (e.g. https://ferry.example.com/webhooks/brightpearl) \
             or pass --intake-url"
        );
    };
    if !(intake.starts_with("https://") || intake.starts_with("http://"))
        || intake.contains(char::is_whitespace)
    {
        bail!(
            "the intake URL {intake:?} is not an http(s) address: give Ferry's public webhook \
             address, e.g. https://ferry.example.com/webhooks/brightpearl"
        );
    }
    let desired = webhooks::desired_for(&intake, &events);
    let mut out = std::io::stdout().lock();
    writeln!(out, "intake: {}", without_query(&intake))?;
    for (flow, flow_events) in FLOW_EVENTS {
        if !args.flows.is_empty() && !args.flows.iter().any(|f| f == flow) {
            continue;
        }
        if flow_events.is_empty() {
            writeln!(
                out,
                "flow {flow}: Brightpearl has no events for it; it polls its search instead"
            )?;
        } else {
            writeln!(out, "flow {flow}: {}", flow_events.join(", "))?;
        }
    }
    let failed = || {
        "syncing the Brightpearl webhooks failed; run the sync again (it only \
                     does what is still missing)"
    };
    if args.dry_run {
        let existing = webhooks::list(&client).await.with_context(failed)?;
        let plan = webhooks::plan(&existing, &desired, &intake);
        writeln!(out, "plan (dry run, nothing is changed):")?;
        for want in &plan.create {
            writeln!(out, "  create   {}", want.subscribe_to)?;
        }
        for hook in &plan.delete {
            writeln!(out, "  delete   #{} {}", hook.id, hook.subscribe_to)?;
        }
        for hook in &plan.keep {
            writeln!(out, "  keep     #{} {}", hook.id, hook.subscribe_to)?;
        }
        print_foreign(&mut out, &plan.foreign)?;
        writeln!(
            out,
            "would create {}, delete {}, keep {}; foreign {} left alone",
            plan.create.len(),
            plan.delete.len(),
            plan.keep.len(),
            plan.foreign.len()
        )?;
    } else {
        let report = webhooks::apply(&client, &desired, &intake)
            .await
            .with_context(failed)?;
        for (id, event) in &report.created {
            writeln!(out, "  created  #{id} {event}")?;
        }
        for hook in &report.deleted {
            writeln!(out, "  deleted  #{} {}", hook.id, hook.subscribe_to)?;
        }
        for hook in &report.kept {
            writeln!(out, "  kept     #{} {}", hook.id, hook.subscribe_to)?;
        }
        print_foreign(&mut out, &report.foreign)?;
        writeln!(
            out,
            "created {}, deleted {}, kept {}; foreign {} left alone",
            report.created.len(),
            report.deleted.len(),
            report.kept.len(),
            report.foreign.len()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Other integrations' subscriptions, which sync never touches.
fn print_foreign(out: &mut impl Write, foreign: &[Webhook]) -> Result<()> {
    for hook in foreign {
        writeln!(
            out,
            "  foreign  #{} {} -> {}",
            hook.id,
            hook.subscribe_to,
            without_query(&hook.uri_template)
        )?;
    }
    Ok(())
}

/// A URL without its query string, which often carries a shared secret (Ferry's intake token,
/// other apps' tokens): the terminal does not need it.
fn without_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flows_name_distinct_events() {
        let all = events_for(&[]).unwrap();
        assert_eq!(all.iter().filter(|e| **e == "order.modified").count(), 1);
        assert!(all.contains(&"product.modified.on-hand-modified"));
        assert_eq!(
            events_for(&["inventory".into()]).unwrap(),
            ["product.modified.on-hand-modified"]
        );
        assert!(events_for(&["customers".into()]).unwrap().is_empty());
        // The sandbox knows Brightpearl's list of subscribable events (reference §8.5).
        for event in all {
            assert!(
                ferry_sandbox::brightpearl::events::is_subscribable(event),
                "{event}"
            );
        }
        let err = events_for(&["stock".into()]).unwrap_err().to_string();
        assert!(err.contains("customers, products, inventory"), "{err}");
    }
}
