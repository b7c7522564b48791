//! One module per command group.

mod config;
mod dlq;
mod init;
mod queue;
mod vault;
mod worker;

use crate::cli::{Cli, Command, StoreCommand};
use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Config(command) => config::run(&cli.config, command).await,
        Command::Store(StoreCommand::Migrate) => {
            let context = Context::load(&cli.config)?;
            let applied = context.migrate().await?;
            let location = ferry_store::redact_url(&context.config.store_url());
            if applied.is_empty() {
                println!("store {location} is up to date");
            } else {
                let list: Vec<String> = applied.iter().map(i64::to_string).collect();
                println!("store {location}: applied migration(s) {}", list.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Queue(command) => queue::run(&Context::load(&cli.config)?, command).await,
        Command::Dlq(command) => dlq::run(&Context::load(&cli.config)?, command).await,
        Command::Vault(command) => vault::run(&cli.config, command).await,
        Command::Worker(args) => worker::run(&Context::load(&cli.config)?, &args).await,
    }
}
