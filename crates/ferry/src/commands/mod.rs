//! One module per command group.

mod api_token;
mod audit;
mod bp;
mod config;
mod connect;
mod demo;
mod dlq;
mod flows;
mod init;
mod queue;
mod reconcile;
mod sandbox;
mod serve;
mod sf;
mod store;
mod sync;
mod trace;
mod vault;
mod webhooks;
mod worker;

use crate::cli::{Cli, Command};
use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Config(command) => config::run(&cli.config, command).await,
        Command::Store(command) => store::run(&Context::load(&cli.config)?, command).await,
        Command::Queue(command) => queue::run(&Context::load(&cli.config)?, command).await,
        Command::Dlq(command) => dlq::run(&Context::load(&cli.config)?, command).await,
        Command::Vault(command) => vault::run(&cli.config, command).await,
        Command::Worker(args) => {
            worker::run(&Context::load(&cli.config)?, &cli.config, &args).await
        }
        Command::Serve(args) => serve::run(&Context::load(&cli.config)?, &cli.config, &args).await,
        Command::Audit(command) => audit::run(&Context::load(&cli.config)?, command).await,
        Command::Trace(args) => trace::run(&Context::load(&cli.config)?, &args).await,
        Command::ApiToken(command) => api_token::run(command),
        Command::Sandbox(args) => sandbox::run(*args).await,
        Command::Salesforce(command) => sf::run(&Context::load(&cli.config)?, command).await,
        Command::Brightpearl(command) => bp::run(&Context::load(&cli.config)?, command).await,
        Command::Connect(command) => connect::run(&Context::load(&cli.config)?, command).await,
        Command::Flows(command) => flows::run(&Context::load(&cli.config)?, command).await,
        Command::Sync(command) => sync::run(&Context::load(&cli.config)?, command).await,
        Command::Reconcile(args) => reconcile::run(&Context::load(&cli.config)?, &args).await,
    }
}

/// Returns on Ctrl-C or SIGTERM (the ways a service manager or a terminal stops Ferry).
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
