//! `ferry vault set|list|rotate|keygen`.

use crate::cli::VaultCommand;
use crate::context::{Context, actor};
use anyhow::{Context as _, Result, anyhow, bail};
use ferry_vault::{MasterKey, SecretString};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

pub async fn run(config_file: &Path, command: VaultCommand) -> Result<ExitCode> {
    if let VaultCommand::Keygen = command {
        println!("{}", MasterKey::generate().to_base64().as_str());
        return Ok(ExitCode::SUCCESS);
    }
    let context = Context::load(config_file)?;
    match command {
        VaultCommand::Keygen => unreachable!("handled above"),
        VaultCommand::Set(args) => {
            let tenant = context.tenant(args.tenant.as_deref())?;
            let value = read_value(&args.name, args.from_env.as_deref())?;
            let vault = context.vault().await?;
            vault.set(&tenant, &args.name, &value, &actor()).await?;
            println!(
                "stored {} for tenant {tenant} (key id {}); refer to it as \"vault:{}\"",
                args.name,
                vault.key_id(),
                args.name
            );
        }
        VaultCommand::List(args) => {
            let tenant = args
                .tenant
                .as_deref()
                .map(|t| context.tenant(Some(t)))
                .transpose()?;
            let vault = context.vault().await?;
            let secrets = vault.list(tenant.as_ref()).await?;
            let foreign: Vec<&ferry_vault::SecretInfo> = secrets
                .iter()
                .filter(|s| s.key_id != vault.key_id())
                .collect();
            if secrets.is_empty() {
                println!("the vault is empty; add a secret with `ferry vault set NAME`");
            } else {
                println!("{:<16} {:<40} {:<18} UPDATED", "TENANT", "NAME", "KEY ID");
                for s in &secrets {
                    let marker = if s.key_id == vault.key_id() {
                        ""
                    } else {
                        "  (sealed by another key)"
                    };
                    println!(
                        "{:<16} {:<40} {:<18} {}{marker}",
                        s.tenant.as_str(),
                        s.name,
                        s.key_id,
                        s.updated_at
                    );
                }
            }
            if let Some(first) = foreign.first() {
                bail!(
                    "{} secret(s) were sealed by master key id {}, not by the key in use (id {}), \
                     so they cannot be opened: set FERRY_MASTER_KEY or vault.key_file to the key \
                     the vault was last rotated to",
                    foreign.len(),
                    first.key_id,
                    vault.key_id()
                );
            }
        }
        VaultCommand::Rotate(args) => {
            let new_key = if args.new_key_file.exists() {
                MasterKey::from_file(&args.new_key_file)?
            } else {
                let key = MasterKey::generate();
                super::init::write_private(&args.new_key_file, key.to_base64().as_bytes())?;
                println!("wrote a new master key to {}", args.new_key_file.display());
                key
            };
            let vault = context.vault().await?;
            if vault.key_id() == new_key.id() {
                bail!(
                    "the new key is the key already in use (key id {}); generate another with `ferry vault keygen`",
                    new_key.id()
                );
            }
            let (rotated, count) = vault.rotate(new_key, &actor()).await?;
            println!(
                "re-encrypted {count} secret(s) under key id {}",
                rotated.key_id()
            );
            println!(
                "now point vault.key_file (or FERRY_MASTER_KEY) at {}; the old key no longer opens the vault",
                args.new_key_file.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_value(name: &str, from_env: Option<&str>) -> Result<SecretString> {
    if let Some(var) = from_env {
        let value = std::env::var(var)
            .map_err(|_| anyhow!("--from-env {var}: that environment variable is not set"))?;
        return Ok(SecretString::from(value));
    }
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("value for {name} (input hidden): "))
            .context("cannot read the secret from the terminal")?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the secret from stdin")?;
        // A trailing newline from `echo` is not part of the secret.
        text.truncate(text.trim_end_matches(['\n', '\r']).len());
        text
    };
    Ok(SecretString::from(text))
}
