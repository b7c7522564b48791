//! `ferry connect salesforce`: the web-server OAuth flow with PKCE. Ferry prints (and opens)
//! the authorize URL, receives the browser's return on a local port, exchanges the code,
//! checks the token with one API call and keeps the refresh token in the vault.

use crate::cli::{ConnectCommand, ConnectSalesforceArgs};
use crate::connectors::{self, Secrets, StoreLedger};
use crate::context::{Context, actor};
use anyhow::{Context as _, Result, anyhow};
use ferry_http::budget::Budgets;
use ferry_salesforce::auth::pkce::{Challenge, WebServerApp, random_state};
use ferry_salesforce::auth::{FixedSession, LocalCallback};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The vault name the refresh token is kept under (`refresh_token = "vault:…"`).
pub const SALESFORCE_REFRESH_TOKEN: &str = "salesforce.refresh_token";

/// How long Ferry waits for the browser to come back.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs a `ferry connect …` command.
pub async fn run(ctx: &Context, command: ConnectCommand) -> Result<ExitCode> {
    match command {
        ConnectCommand::Salesforce(args) => salesforce(ctx, &args).await,
    }
}

async fn salesforce(ctx: &Context, args: &ConnectSalesforceArgs) -> Result<ExitCode> {
    let config = connectors::salesforce_config(ctx)?;
    let settings = connectors::salesforce_settings(config, ctx)?;
    let tenant = ctx.tenant(None)?;
    let store = ctx.store().await?;
    let secrets = Secrets::new(ctx, store.clone(), tenant.clone());
    // Open the vault before the browser step, so a missing master key fails now and not
    // after the user has approved the app.
    let vault = secrets.vault().await?;
    let client_secret = match &config.client_secret {
        Some(reference) => Some(
            secrets
                .get("salesforce.client_secret", Some(reference))
                .await?,
        ),
        None => None,
    };
    let app = WebServerApp {
        login_url: config.login_url.clone(),
        client_id: config.client_id.clone(),
        client_secret,
    };
    let port = args.port.unwrap_or(config.callback_port);
    let callback = LocalCallback::bind(port).await?;
    let redirect_uri = callback.redirect_uri();
    let challenge = Challenge::new();
    let state = random_state();
    let url = app.authorize_url(&redirect_uri, &state, &challenge);

    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "Open this address in a browser and approve Ferry:")?;
        writeln!(out, "  {url}")?;
        writeln!(
            out,
            "Waiting for Salesforce to send the browser back to {redirect_uri} (the connected \
             app's callback URL must be exactly that)…"
        )?;
        out.flush()?;
    }
    if !args.no_browser && !open_browser(&url) {
        eprintln!("note: no browser could be opened here; open the address above yourself");
    }

    let code = callback.wait(&state, CALLBACK_TIMEOUT).await?;
    let http = ferry_salesforce::http_client(&settings)?;
    let tokens = app
        .exchange_code(&http, &code, challenge.verifier(), &redirect_uri)
        .await?;
    let refresh = tokens.refresh_token.clone().ok_or_else(|| {
        anyhow!(
            "Salesforce approved Ferry but issued no refresh token: give the connected app the \
             \"Perform requests at any time (refresh_token, offline_access)\" scope and run \
             `ferry connect salesforce` again"
        )
    })?;

    // One API call with the new session proves the token and the instance URL work before
    // anything is stored.
    let instance_url = config
        .instance_url
        .clone()
        .unwrap_or_else(|| tokens.instance_url.clone());
    let session = Arc::new(FixedSession::new(
        instance_url.clone(),
        tokens.access_token.clone(),
    ));
    let budgets = Budgets::new(Arc::new(StoreLedger::new(store, tenant.clone())));
    let client =
        ferry_salesforce::Client::new(settings, session, &budgets, connectors::transport_config())?;
    let _: serde_json::Value = client.get_json("/limits").await.with_context(|| {
        format!(
            "the new session could not call {instance_url}; check the connected app's API \
             scope and salesforce.instance_url"
        )
    })?;

    vault
        .set(&tenant, SALESFORCE_REFRESH_TOKEN, &refresh, &actor())
        .await
        .context("storing the refresh token in the vault")?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "Connected to {instance_url}.")?;
    writeln!(
        out,
        "The refresh token is in the vault as {SALESFORCE_REFRESH_TOKEN} (tenant {tenant})."
    )?;
    writeln!(
        out,
        "Put these lines in the [salesforce] section of ferry.toml:"
    )?;
    writeln!(out, "  auth = \"refresh-token\"")?;
    writeln!(
        out,
        "  refresh_token = \"vault:{SALESFORCE_REFRESH_TOKEN}\""
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Asks the desktop to open `url`; false when no opener could be started.
fn open_browser(url: &str) -> bool {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["cmd", "/C", "start", ""]
    } else {
        &["xdg-open"]
    };
    let Some((program, rest)) = opener.split_first() else {
        return false;
    };
    std::process::Command::new(program)
        .args(rest)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
