//! `ferry brightpearl webhooks sync`: make the account's webhook subscriptions match what
//! Ferry's flows need.

use crate::cli::{WebhooksCommand, WebhooksSyncArgs};
use crate::context::Context;
use anyhow::{Context as _, Result, anyhow, bail};
use ferry_brightpearl::model::webhooks::Webhook;
use ferry_brightpearl::webhooks;
use ferry_core::System;
use ferry_mapping::FlowSpec;
use secrecy::ExposeSecret;
use std::io::Write;
use std::process::ExitCode;

/// Brightpearl resource types that raise webhooks (reference §8.5). Flows reading anything else
/// (contacts, payments) learn of changes by polling their searches (`updatedOn` windows).
const WEBHOOK_RESOURCES: &[&str] = &[
    "product",
    "order",
    "sales-order",
    "goods-out-note",
    "goods-in-note",
    "drop-ship-note",
    "quarantine-release",
];

/// The webhook events one enabled Brightpearl-sourced flow needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEvents {
    /// The flow's name.
    pub flow: String,
    /// Its Brightpearl source object.
    pub object: String,
    /// The events to subscribe to for it (empty: Brightpearl raises none; the flow polls).
    pub events: Vec<String>,
}

/// The events a flow reading `object` with the event filter `filter` needs: the filter itself
/// (the intake routes by it, so subscribing to exactly it delivers exactly what the flow
/// takes); without a filter, every event of the object. Stock lives on products:
/// `product-availability` listens to `product.modified.on-hand-modified`.
/// Exclusions in the filter (`!product.modified.on-hand-modified`) narrow what the intake takes,
/// not what Brightpearl sends: they subscribe to nothing.
fn events_of(object: &str, filter: &[String]) -> Vec<String> {
    let wanted: Vec<String> = filter
        .iter()
        .filter(|e| !e.starts_with('!'))
        .cloned()
        .collect();
    if !wanted.is_empty() {
        return wanted;
    }
    if object == "product-availability" {
        vec![ferry_server::intake::ON_HAND_MODIFIED.to_owned()]
    } else if WEBHOOK_RESOURCES.contains(&object) {
        vec![object.to_owned()]
    } else {
        Vec::new()
    }
}

/// The events of the enabled flows whose source is Brightpearl, in flow order; only those named
/// in `only` when it is not empty. A name that is not an enabled Brightpearl flow is refused
/// with the names that are.
pub fn flow_events(specs: &[FlowSpec], only: &[String]) -> Result<Vec<FlowEvents>> {
    let enabled: Vec<&FlowSpec> = specs.iter().filter(|s| s.enabled).collect();
    let from_brightpearl: Vec<&FlowSpec> = enabled
        .iter()
        .copied()
        .filter(|s| s.source.system == System::Brightpearl)
        .collect();
    for name in only {
        if from_brightpearl.iter().any(|s| &s.name == name) {
            continue;
        }
        let known: Vec<&str> = from_brightpearl.iter().map(|s| s.name.as_str()).collect();
        let why = if enabled.iter().any(|s| &s.name == name) {
            "reads Salesforce, so it needs no Brightpearl webhooks"
        } else if specs.iter().any(|s| &s.name == name) {
            "is disabled: enable it in [flows] enabled first"
        } else {
            "is not a flow (ferry flows list shows them)"
        };
        bail!(
            "--flow {name:?} {why}; the enabled flows that read Brightpearl are: {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(from_brightpearl
        .into_iter()
        .filter(|s| only.is_empty() || only.contains(&s.name))
        .map(|s| FlowEvents {
            flow: s.name.clone(),
            object: s.source.object.clone(),
            events: events_of(&s.source.object, &s.source.events),
        })
        .collect())
}

/// Whether a subscription to `wanted` also delivers `event` (a lifecycle or resource
/// subscription receives its refinements: `product` receives `product.modified.…`).
fn covers(wanted: &str, event: &str) -> bool {
    event == wanted
        || event
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The distinct subscriptions for `flows`, in flow order, leaving out an event another wanted
/// one already delivers: two subscriptions would send each change twice.
pub fn subscriptions(flows: &[FlowEvents]) -> Vec<String> {
    let all: Vec<&String> = flows.iter().flat_map(|f| &f.events).collect();
    let mut events: Vec<String> = Vec::new();
    for event in &all {
        let covered = all
            .iter()
            .any(|other| other != event && covers(other, event));
        if !covered && !events.contains(event) {
            events.push((*event).clone());
        }
    }
    events
}

/// Where the subscriptions point.
struct Intake {
    /// The URL registered with Brightpearl (may carry the secret token).
    url: String,
    /// What every subscription of Ferry's starts with, so that subscriptions with an older
    /// token are recognised as Ferry's and replaced, not left behind as foreign.
    ours: String,
    /// The URL as printed: without the token or query string.
    shown: String,
}

/// The intake URL: `--intake-url` or `brightpearl.intake_url` when set (an explicit override,
/// e.g. behind a proxy that rewrites paths); otherwise Ferry's own route,
/// `<server.public_url or http://server.listen>/hooks/brightpearl/<server.intake_token>`.
async fn intake(ctx: &Context, args: &WebhooksSyncArgs) -> Result<Intake> {
    let explicit = args.intake_url.clone().or_else(|| {
        ctx.config
            .brightpearl
            .as_ref()
            .and_then(|bp| bp.intake_url.clone())
    });
    if let Some(url) = explicit {
        check_http(&url)?;
        return Ok(Intake {
            shown: without_query(&url),
            ours: url.clone(),
            url,
        });
    }
    let server = &ctx.config.server;
    let Some(reference) = server.intake_token.as_ref() else {
        bail!(
            "server.intake_token is not set, so ferry serve's webhook intake accepts nothing and \
             there is no URL to register: set [server] intake_token = \"vault:server.intake_token\" \
             and store a long random token (openssl rand -hex 32) with `ferry vault set \
             server.intake_token`, or set brightpearl.intake_url to register another address"
        );
    };
    let store = ctx.store().await?;
    let tenant = ctx.tenant(None)?;
    let token = crate::connectors::Secrets::new(ctx, store, tenant)
        .get("server.intake_token", Some(reference))
        .await?;
    let token = token.expose_secret();
    if token.is_empty()
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    {
        bail!(
            "server.intake_token must be non-empty and made of letters, digits and - . _ ~ only \
             (it is a URL path segment); make a new one with openssl rand -hex 32"
        );
    }
    let root = match &server.public_url {
        Some(public) => public.trim().trim_end_matches('/').to_owned(),
        None => {
            let listen = server.listen_addr().map_err(|e| anyhow!(e))?;
            if listen.ip().is_unspecified() {
                bail!(
                    "server.listen is {listen}, which Brightpearl cannot call: set \
                     server.public_url to the address Brightpearl reaches Ferry at \
                     (e.g. https://ferry.example.com)"
                );
            }
            format!("http://{listen}")
        }
    };
    check_http(&root)?;
    let ours = format!("{root}/hooks/brightpearl");
    Ok(Intake {
        url: format!("{ours}/{token}"),
        shown: format!("{ours}/…"),
        ours,
    })
}

fn check_http(url: &str) -> Result<()> {
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        bail!(
            "the intake URL {:?} is not an http(s) address: set server.public_url (or \
             brightpearl.intake_url) to the address Brightpearl reaches Ferry at, e.g. \
             https://ferry.example.com",
            without_query(url)
        );
    }
    Ok(())
}

/// Runs a `ferry brightpearl webhooks …` command.
pub async fn run(ctx: &Context, command: WebhooksCommand) -> Result<ExitCode> {
    match command {
        WebhooksCommand::Sync(args) => sync(ctx, &args).await,
    }
}

async fn sync(ctx: &Context, args: &WebhooksSyncArgs) -> Result<ExitCode> {
    let specs = ferry_engine::flows::defaults::load(&ctx.config, &ctx.config.base_dir).map_err(
        |errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow!(
                "the flow definitions are invalid, so the webhooks they need are unknown: {}",
                lines.join("; ")
            )
        },
    )?;
    let flows = flow_events(&specs, &args.flows)?;
    let events = subscriptions(&flows);
    let intake = intake(ctx, args).await?;
    let client = crate::connectors::brightpearl(ctx).await?;
    let event_refs: Vec<&str> = events.iter().map(String::as_str).collect();
    let desired = webhooks::desired_for(&intake.url, &event_refs);
    let mut out = std::io::stdout().lock();
    writeln!(out, "intake: {}", intake.shown)?;
    for flow in &flows {
        if flow.events.is_empty() {
            writeln!(
                out,
                "flow {}: Brightpearl raises no events for {}; the flow polls its search instead",
                flow.flow, flow.object
            )?;
        } else {
            writeln!(out, "flow {}: {}", flow.flow, flow.events.join(", "))?;
        }
    }
    if flows.is_empty() {
        writeln!(
            out,
            "no enabled flow reads Brightpearl: Ferry's subscriptions are removed"
        )?;
    }
    let failed = || {
        "syncing the Brightpearl webhooks failed; run the sync again (it only \
                     does what is still missing)"
    };
    if args.dry_run {
        let existing = webhooks::list(&client).await.with_context(failed)?;
        let plan = webhooks::plan(&existing, &desired, &intake.ours);
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
        let report = webhooks::apply(&client, &desired, &intake.ours)
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

    fn defaults() -> Vec<FlowSpec> {
        let dir = std::path::Path::new("/nowhere");
        let config =
            ferry_config::parse("[store]\nurl = \"sqlite://x.db\"\n", "ferry.toml", dir, &[])
                .unwrap();
        ferry_engine::flows::defaults::load(&config, dir).unwrap()
    }

    #[test]
    fn the_enabled_default_flows_need_product_order_and_note_events() {
        let specs = defaults();
        let flows = flow_events(&specs, &[]).unwrap();
        let by_flow: Vec<(&str, Vec<&str>)> = flows
            .iter()
            .map(|f| {
                (
                    f.flow.as_str(),
                    f.events.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            by_flow,
            vec![
                ("customers_to_salesforce", vec![]),
                ("products_to_salesforce", vec!["product"]),
                (
                    "inventory_to_salesforce",
                    vec!["product.modified.on-hand-modified"]
                ),
                ("orders_to_salesforce", vec!["order", "sales-order"]),
                ("shipments_to_salesforce", vec!["goods-out-note"]),
                ("credits_to_salesforce", vec!["order", "sales-order"]),
                ("payments_to_salesforce", vec![]),
            ]
        );
        // `product` already delivers the on-hand refinement: one subscription, not two; the
        // order and credit flows share theirs.
        assert_eq!(
            subscriptions(&flows),
            ["product", "order", "sales-order", "goods-out-note"]
        );
        let inventory = flow_events(&specs, &["inventory_to_salesforce".into()]).unwrap();
        assert_eq!(
            subscriptions(&inventory),
            ["product.modified.on-hand-modified"]
        );
        // The sandbox knows Brightpearl's list of subscribable events (reference §8.5).
        for event in subscriptions(&flows)
            .iter()
            .chain(&subscriptions(&inventory))
        {
            assert!(
                ferry_sandbox::brightpearl::events::is_subscribable(event),
                "{event}"
            );
        }
    }

    #[test]
    fn events_follow_the_source_and_its_filter() {
        assert_eq!(
            events_of("product-availability", &[]),
            [ferry_server::intake::ON_HAND_MODIFIED]
        );
        assert_eq!(events_of("goods-out-note", &[]), ["goods-out-note"]);
        assert!(events_of("contact", &[]).is_empty());
        assert_eq!(
            events_of("product", &["product.created".into()]),
            ["product.created"]
        );
        assert_eq!(
            events_of(
                "product",
                &[
                    "product".into(),
                    "!product.modified.on-hand-modified".into()
                ]
            ),
            ["product"]
        );
        assert_eq!(
            events_of("product", &["!product.destroyed".into()]),
            ["product"]
        );
    }

    #[test]
    fn named_flows_must_be_enabled_and_read_brightpearl() {
        let specs = defaults();
        let err = |name: &str| {
            flow_events(&specs, &[name.to_owned()])
                .unwrap_err()
                .to_string()
        };
        let unknown = err("inventory");
        assert!(unknown.contains("is not a flow"), "{unknown}");
        assert!(unknown.contains("inventory_to_salesforce"), "{unknown}");
        let salesforce = err("customers_to_brightpearl");
        assert!(salesforce.contains("reads Salesforce"), "{salesforce}");
        let disabled = err("products_to_brightpearl");
        assert!(disabled.contains("disabled"), "{disabled}");
    }
}
