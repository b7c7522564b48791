//! `ferry audit list`, and recording configuration changes when a worker starts.

use crate::cli::{AuditCommand, AuditListArgs};
use crate::context::{Context, actor};
use anyhow::Result;
use ferry_store::{NewAuditEntry, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

pub async fn run(context: &Context, command: AuditCommand) -> Result<ExitCode> {
    let AuditCommand::List(args) = command;
    crate::output::quiet_on_closed_pipe(list(context, &args).await)
}

async fn list(context: &Context, args: &AuditListArgs) -> Result<ExitCode> {
    let tenant = args
        .tenant
        .as_deref()
        .map(|t| context.tenant(Some(t)))
        .transpose()?;
    let store = context.store().await?;
    let entries = store
        .audit_entries(tenant.as_ref(), args.action.as_deref(), args.limit)
        .await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        // Secrets never reach the log, but anything secret-looking is masked all the same, as
        // the dashboard and the admin API do.
        let mut shown = serde_json::to_value(&entries)?;
        if let Value::Array(items) = &mut shown {
            for item in items {
                if let Some(detail) = item.get_mut("detail") {
                    *detail = ferry_server::masked_audit_detail(detail);
                }
            }
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&shown)?)?;
    } else if entries.is_empty() {
        writeln!(out, "no audit entries match")?;
    } else {
        for e in entries {
            let detail = match e.action.as_str() {
                // The whole applied config is in the JSON output; the table shows what changed.
                "config.change" if e.detail["first"] == Value::Bool(true) => {
                    "first configuration recorded".to_owned()
                }
                "config.change" => e
                    .detail
                    .get("changed")
                    .cloned()
                    .unwrap_or(Value::Null)
                    .to_string(),
                _ => ferry_server::masked_audit_detail(&e.detail).to_string(),
            };
            writeln!(
                out,
                "{:>5}  {}  {:<16} {:<22} {:<16} {:<28} {detail}",
                e.id,
                e.at,
                e.tenant.as_str(),
                e.actor,
                e.action,
                e.subject
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Flattens a JSON object into `section.key → value`.
fn flatten(value: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(inner, &path, out);
            }
        }
        // Nothing recorded yet: every key of the other side counts as changed.
        Value::Null if prefix.is_empty() => {}
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

/// The keys whose values differ between two configurations.
fn changed_keys(before: &Value, after: &Value) -> Vec<String> {
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    flatten(before, "", &mut old);
    flatten(after, "", &mut new);
    let keys: std::collections::BTreeSet<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .collect();
    keys.into_iter().cloned().collect()
}

/// Writes a `config.change` entry when the effective configuration (file plus FERRY_*
/// overrides; secrets appear only as references) differs from the last one recorded for the
/// tenant. Returns the keys that changed, or `None` when nothing did.
pub async fn record_config(
    context: &Context,
    store: &dyn Store,
    file: &str,
) -> Result<Option<Vec<String>>> {
    let tenant = context.tenant(None)?;
    let current = serde_json::to_value(&context.config)?;
    let last = store
        .audit_entries(Some(&tenant), Some("config.change"), 1)
        .await?;
    let previous = last
        .first()
        .and_then(|e| e.detail.get("config"))
        .cloned()
        .unwrap_or(Value::Null);
    if previous == current {
        return Ok(None);
    }
    let first = previous.is_null();
    let changed = if first {
        Vec::new()
    } else {
        changed_keys(&previous, &current)
    };
    store
        .audit(&NewAuditEntry {
            tenant,
            actor: actor(),
            action: "config.change".to_owned(),
            subject: file.to_owned(),
            detail: serde_json::json!({ "first": first, "changed": changed, "config": current }),
        })
        .await?;
    Ok(Some(changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_keys_lists_added_removed_and_modified_paths() {
        let before =
            serde_json::json!({ "tenant": "a", "worker": { "concurrency": 8, "batch_size": 100 } });
        let after = serde_json::json!({ "tenant": "a", "worker": { "concurrency": 4, "batch_size": 100 }, "log": { "level": "debug" } });
        assert_eq!(
            changed_keys(&before, &after),
            vec!["log.level", "worker.concurrency"]
        );
        assert_eq!(
            changed_keys(&Value::Null, &serde_json::json!({ "tenant": "a" })),
            vec!["tenant"]
        );
    }
}
