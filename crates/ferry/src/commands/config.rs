//! `ferry config check`.

use crate::cli::{ConfigCheckArgs, ConfigCommand};
use crate::context::Context;
use anyhow::{Result, bail};
use ferry_config::SecretRef;
use ferry_vault::ExposeSecret;
use std::path::Path;
use std::process::ExitCode;

pub async fn run(default_file: &Path, command: ConfigCommand) -> Result<ExitCode> {
    let ConfigCommand::Check(args) = command;
    check(default_file, &args).await
}

async fn check(default_file: &Path, args: &ConfigCheckArgs) -> Result<ExitCode> {
    let file = args.file.as_deref().unwrap_or(default_file);
    let context = Context::load(file)?;
    let config = &context.config;
    let backend = match ferry_store::StoreLocation::parse(&config.store_url())? {
        ferry_store::StoreLocation::Sqlite(_) => "sqlite",
        ferry_store::StoreLocation::Postgres(_) => "postgres",
    };
    println!("{}: ok", file.display());
    println!("  tenant: {}", config.tenant);
    println!(
        "  store: {backend} at {}",
        ferry_store::redact_url(&config.store_url())
    );
    match (
        std::env::var_os("FERRY_MASTER_KEY").is_some(),
        context.key_file(),
    ) {
        (true, _) => println!("  master key: from FERRY_MASTER_KEY"),
        (false, Some(path)) => println!("  master key: {}", path.display()),
        (false, None) => println!("  master key: none configured (the vault cannot be used)"),
    }
    let mut problems = Vec::new();
    for (key, reference) in config.secret_refs() {
        match reference {
            SecretRef::Env(var) if std::env::var_os(var).is_none() => {
                problems.push(format!(
                    "{key} refers to environment variable {var}, which is not set"
                ));
            }
            _ => println!("  secret {key}: {reference}"),
        }
    }
    if args.connect {
        let vault = context.vault().await?;
        println!("  store reachable; vault key id {}", vault.key_id());
        let tenant = context.tenant(None)?;
        for (key, reference) in config.secret_refs() {
            if let SecretRef::Vault(name) = reference {
                match vault.get(&tenant, name).await {
                    Ok(value) if !value.expose_secret().is_empty() => {
                        println!("  {key}: vault secret {name} opens")
                    }
                    Ok(_) => problems.push(format!("{key}: vault secret {name} is empty")),
                    Err(err) => problems.push(format!("{key}: {err}")),
                }
            }
        }
    }
    match problems.len() {
        0 => Ok(ExitCode::SUCCESS),
        1 => bail!("{}", problems[0]),
        _ => bail!("{} problems: {}", problems.len(), problems.join("; ")),
    }
}
