//! Webhook registration sync (reference §8): make the account's subscriptions that point at
//! Ferry's intake exactly the ones the enabled flows need, and leave every other
//! integration's subscriptions alone.
//!
//! [`desired_for`] builds the standard subscription per event; [`plan`] (pure) compares them
//! with what the account lists; [`apply`] lists, plans and carries the plan out. Brightpearl
//! has no update, so a subscription of ours that differs from the wanted one is replaced:
//! created first, then the old one deleted, so no event falls in a gap (a duplicate notice in
//! that instant is harmless: intake is idempotent).

use crate::Client;
use crate::client::response_of;
use crate::model::webhooks::{NewWebhook, Webhook};
use ferry_http::{Error, Method};

/// The subscriptions list's path.
pub const PATH: &str = "/integration-service/webhook";

/// The standard subscription of each event: POST to `intake_base_url`, id sets, at-least-once
/// delivery, and a JSON body carrying the account code, resource type, id set, lifecycle and
/// full event, when it was raised and Brightpearl's version
/// ([`NewWebhook::STANDARD_BODY`]). Duplicate events are listed once.
pub fn desired_for(intake_base_url: &str, events: &[&str]) -> Vec<NewWebhook> {
    let uri = intake_base_url.trim();
    let mut seen = std::collections::BTreeSet::new();
    events
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty() && seen.insert(*e))
        .map(|event| NewWebhook::standard(event, uri))
        .collect()
}

/// What [`apply`] will do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Wanted subscriptions the account lacks.
    pub create: Vec<NewWebhook>,
    /// Subscriptions of ours that are no longer wanted, differ from the wanted ones, or repeat
    /// another one of ours.
    pub delete: Vec<Webhook>,
    /// Subscriptions of ours that are exactly as wanted.
    pub keep: Vec<Webhook>,
    /// Subscriptions pointing elsewhere: never touched.
    pub foreign: Vec<Webhook>,
}

impl Plan {
    /// True when the account already matches.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.delete.is_empty()
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Created subscriptions: (id, event).
    pub created: Vec<(u64, String)>,
    /// Deleted subscriptions (already gone ones included).
    pub deleted: Vec<Webhook>,
    /// Subscriptions of ours left as they were.
    pub kept: Vec<Webhook>,
    /// Other integrations' subscriptions, left alone.
    pub foreign: Vec<Webhook>,
}

impl SyncReport {
    /// True when nothing was created or deleted.
    pub fn unchanged(&self) -> bool {
        self.created.is_empty() && self.deleted.is_empty()
    }
}

/// Whether `uri` points at the intake at `intake_base_url`: the same text, or it continues
/// with a path, query or fragment (so `…/brightpearl-other` is not ours when the base is
/// `…/brightpearl`).
pub fn is_ours(uri: &str, intake_base_url: &str) -> bool {
    let base = intake_base_url.trim();
    if base.is_empty() {
        return false;
    }
    match uri.trim().strip_prefix(base) {
        Some(rest) => {
            rest.is_empty()
                || base.ends_with(['/', '?', '&'])
                || rest.starts_with(['/', '?', '#', '&'])
        }
        None => false,
    }
}

/// Whether an existing subscription is exactly a wanted one (methods compare without case; a
/// missing content type or body equals none).
fn same(existing: &Webhook, wanted: &NewWebhook) -> bool {
    existing.subscribe_to == wanted.subscribe_to
        && existing
            .http_method
            .eq_ignore_ascii_case(&wanted.http_method)
        && existing.uri_template == wanted.uri_template
        && existing.body_template == wanted.body_template
        && existing
            .content_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            == wanted.content_type.as_deref().map(str::to_ascii_lowercase)
        && existing.id_set_accepted == wanted.id_set_accepted
        && existing.quality_of_service == wanted.quality_of_service
}

/// Compares the account's subscriptions with the wanted ones. Pure: no I/O.
pub fn plan(existing: &[Webhook], desired: &[NewWebhook], intake_base_url: &str) -> Plan {
    let mut plan = Plan::default();
    // Which wanted subscriptions an existing one already satisfies.
    let mut satisfied = vec![false; desired.len()];
    for hook in existing {
        if !is_ours(&hook.uri_template, intake_base_url) {
            plan.foreign.push(hook.clone());
            continue;
        }
        match desired
            .iter()
            .enumerate()
            .position(|(i, want)| !satisfied[i] && same(hook, want))
        {
            Some(i) => {
                satisfied[i] = true;
                plan.keep.push(hook.clone());
            }
            None => plan.delete.push(hook.clone()),
        }
    }
    for (i, want) in desired.iter().enumerate() {
        // A wanted subscription listed twice is created once.
        let listed_before = desired[..i].iter().any(|w| w == want);
        if !satisfied[i] && !listed_before {
            plan.create.push(want.clone());
        }
    }
    plan
}

/// Every subscription on the account (every integration's).
pub async fn list(client: &Client) -> Result<Vec<Webhook>, Error> {
    match client.get::<Vec<Webhook>>(PATH).await {
        Ok(hooks) => Ok(hooks),
        // An account with no subscriptions may answer "none found".
        Err(e) if is_not_found(&e) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Lists the account's subscriptions, plans against `desired` and carries the plan out:
/// creates first, then deletes. A create whose outcome is unknown (the connection dropped
/// after sending) is looked up before anything else happens, so a re-run never doubles it.
pub async fn apply(
    client: &Client,
    desired: &[NewWebhook],
    intake_base_url: &str,
) -> Result<SyncReport, Error> {
    let existing = list(client).await?;
    let plan = plan(&existing, desired, intake_base_url);
    let mut report = SyncReport {
        kept: plan.keep,
        foreign: plan.foreign,
        ..SyncReport::default()
    };
    for want in &plan.create {
        let id = create(client, want).await?;
        tracing::info!(event = %want.subscribe_to, id, "registered a Brightpearl webhook");
        report.created.push((id, want.subscribe_to.clone()));
    }
    for hook in plan.delete {
        match client.delete(&format!("{PATH}/{}", hook.id)).await {
            Ok(()) => {}
            // Deleted by someone else meanwhile: the goal is met.
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
        tracing::info!(event = %hook.subscribe_to, id = hook.id, "removed a Brightpearl webhook");
        report.deleted.push(hook);
    }
    Ok(report)
}

/// POSTs one subscription; on an unknown outcome, looks for it and returns its id if it was
/// made, or the original error if not (the next sync creates it).
async fn create(client: &Client, want: &NewWebhook) -> Result<u64, Error> {
    let call = client
        .call(Method::POST, PATH)
        .json(want)?
        .idempotent(false);
    match client.send(&call).await {
        Ok(reply) => response_of(&reply),
        Err(e @ Error::Ambiguous { .. }) => {
            let existing = list(client).await?;
            let made = existing.iter().find(|hook| same(hook, want)).map(|h| h.id);
            made.ok_or(e)
        }
        Err(e) => Err(e),
    }
}

fn is_not_found(error: &Error) -> bool {
    error
        .rejection()
        .is_some_and(|r| r.status == 404 && r.code == "CMNC-404")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://ferry.example.com/webhooks/brightpearl?token=s3cret";

    fn existing(id: u64, want: &NewWebhook) -> Webhook {
        Webhook {
            id,
            subscribe_to: want.subscribe_to.clone(),
            http_method: want.http_method.to_ascii_lowercase(),
            uri_template: want.uri_template.clone(),
            body_template: want.body_template.clone(),
            content_type: want.content_type.clone(),
            id_set_accepted: want.id_set_accepted,
            quality_of_service: want.quality_of_service,
        }
    }

    #[test]
    fn desired_subscriptions_use_the_standard_template_once_per_event() {
        let desired = desired_for(
            BASE,
            &[
                "product.modified.on-hand-modified",
                "order.modified",
                "order.modified",
            ],
        );
        assert_eq!(desired.len(), 2);
        let first = &desired[0];
        assert_eq!(first.http_method, "POST");
        assert!(first.id_set_accepted);
        assert_eq!(first.quality_of_service, 1);
        assert_eq!(first.uri_template, BASE);
        let body = first.body_template.as_deref().unwrap_or_default();
        for var in [
            "${account-code}",
            "${resource-type}",
            "${resource-id}",
            "${lifecycle-event}",
            "${full-event}",
        ] {
            assert!(body.contains(var), "{var} in {body}");
        }
    }

    #[test]
    fn plan_creates_missing_keeps_equal_replaces_changed_and_ignores_foreign() {
        let desired = desired_for(
            BASE,
            &["order.modified", "product.modified", "goods-out-note"],
        );
        let mut changed = existing(11, &desired[1]);
        changed.quality_of_service = 0;
        let stale = existing(
            12,
            &NewWebhook::standard("goods-in-note.created", format!("{BASE}&v=1")),
        );
        let duplicate = existing(13, &desired[0]);
        let foreign = existing(
            14,
            &NewWebhook::standard("order.modified", "https://other.example/hook"),
        );
        let lookalike = existing(
            15,
            &NewWebhook::standard(
                "order.modified",
                "https://ferry.example.com/webhooks/brightpearl-other",
            ),
        );
        let hooks = vec![
            existing(10, &desired[0]),
            changed.clone(),
            stale.clone(),
            duplicate.clone(),
            foreign.clone(),
        ];
        let plan = plan(
            &hooks,
            &desired,
            "https://ferry.example.com/webhooks/brightpearl",
        );
        assert_eq!(plan.keep.iter().map(|h| h.id).collect::<Vec<_>>(), [10]);
        assert_eq!(
            plan.delete.iter().map(|h| h.id).collect::<Vec<_>>(),
            [11, 12, 13]
        );
        assert_eq!(plan.create, vec![desired[1].clone(), desired[2].clone()]);
        assert_eq!(plan.foreign, vec![foreign]);
        assert!(!is_ours(
            &lookalike.uri_template,
            "https://ferry.example.com/webhooks/brightpearl"
        ));
    }

    #[test]
    fn a_matching_account_plans_nothing_and_no_base_owns_nothing() {
        let desired = desired_for(BASE, &["order.modified"]);
        let hooks = vec![existing(1, &desired[0])];
        let again = plan(&hooks, &desired, BASE);
        assert!(again.is_empty());
        assert_eq!(again.keep.len(), 1);
        let nothing_ours = plan(&hooks, &[], "");
        assert!(nothing_ours.is_empty());
        assert_eq!(nothing_ours.foreign.len(), 1);
        let unwanted = plan(&hooks, &[], BASE);
        assert_eq!(unwanted.delete.len(), 1);
    }
}
