//! `ferry store migrate|prune`.

use crate::cli::StoreCommand;
use crate::context::{Context, actor};
use anyhow::{Result, bail};
use ferry_store::NewAuditEntry;
use std::process::ExitCode;
use std::time::Duration;

pub async fn run(context: &Context, command: StoreCommand) -> Result<ExitCode> {
    let location = ferry_store::redact_url(&context.config.store_url());
    match command {
        StoreCommand::Migrate => {
            let applied = context.migrate().await?;
            if applied.is_empty() {
                println!("store {location} is up to date");
            } else {
                let list: Vec<String> = applied.iter().map(i64::to_string).collect();
                println!("store {location}: applied migration(s) {}", list.join(", "));
            }
        }
        StoreCommand::Prune(args) => {
            let days = args
                .older_than_days
                .unwrap_or(context.config.store.retention_days);
            if days == 0 {
                bail!(
                    "--older-than-days must be at least 1: redelivered work is recognised through the last day's effects"
                );
            }
            let store = context.store().await?;
            let retention = Duration::from_secs(u64::from(days) * 86_400);
            let pruned = ferry_engine::housekeeping::prune(store.as_ref(), retention).await?;
            store
                .audit(&NewAuditEntry {
                    tenant: context.tenant(None)?,
                    actor: actor(),
                    action: "store.prune".to_owned(),
                    subject: format!("older than {days} days"),
                    detail: serde_json::json!({ "journal": pruned.journal, "effects": pruned.effects }),
                })
                .await?;
            println!(
                "removed {} finished journal entries and {} applied effects older than {days} days from {location}",
                pruned.journal, pruned.effects
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
