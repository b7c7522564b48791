//! `ferry sandbox salesforce|brightpearl`: one local emulator for trying Ferry and for tests.
//! Prints one JSON line with the credentials on stdout, logs on stderr, serves until Ctrl-C
//! or SIGTERM, then saves the state file (if any). Needs no ferry.toml. `ferry sandbox` on
//! its own runs the whole demo ([`super::demo`]).

use crate::cli::{BrightpearlSandboxArgs, SalesforceSandboxArgs, SandboxArgs, SandboxCommand};
use anyhow::{Context as _, Result, anyhow, bail};
use ferry_sandbox::salesforce::Sandbox;

/// The Brightpearl sandbox's option types.
mod bp {
    pub use ferry_sandbox::brightpearl::api::{DataSet, Options};
    pub use ferry_sandbox::brightpearl::delivery::DeliveryFaults;
    pub use ferry_sandbox::brightpearl::faults::{FaultSettings, Outage};
}
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_sandbox::salesforce::faults::{FaultSettings, Outage};
use ferry_sandbox::salesforce::value::now_ms;
use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::process::ExitCode;

pub async fn run(args: SandboxArgs) -> Result<ExitCode> {
    match args.command {
        Some(SandboxCommand::Salesforce(args)) => salesforce(&args).await,
        Some(SandboxCommand::Brightpearl(args)) => brightpearl(&args).await,
        None => super::demo::run(&args).await,
    }
}

async fn salesforce(args: &SalesforceSandboxArgs) -> Result<ExitCode> {
    let options = options(args)?;
    init_logging();
    let sandbox = Sandbox::start(options).await?;
    {
        let line =
            serde_json::to_string(&sandbox.banner).context("cannot encode the start-up line")?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .context("cannot write the start-up line to stdout")?;
    }
    tracing::info!(instance_url = %sandbox.banner.instance_url, "Salesforce sandbox serving");
    super::wait_for_signal().await;
    tracing::info!("stop requested");
    sandbox.stop().await?;
    Ok(ExitCode::SUCCESS)
}

async fn brightpearl(args: &BrightpearlSandboxArgs) -> Result<ExitCode> {
    let options = brightpearl_options(args)?;
    init_logging();
    let sandbox = ferry_sandbox::brightpearl::Sandbox::start(options).await?;
    {
        let line =
            serde_json::to_string(&sandbox.banner).context("cannot encode the start-up line")?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .context("cannot write the start-up line to stdout")?;
    }
    tracing::info!(base_url = %sandbox.banner.base_url, "Brightpearl sandbox serving");
    super::wait_for_signal().await;
    tracing::info!("stop requested");
    sandbox.stop().await?;
    Ok(ExitCode::SUCCESS)
}

/// The Brightpearl sandbox's options from the flags, every value checked first.
fn brightpearl_options(args: &BrightpearlSandboxArgs) -> Result<bp::Options> {
    let listen = listen_address(&args.listen)?;
    let account = args.account.trim();
    if account.is_empty()
        || account.len() > 64
        || !account
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        bail!(
            "--account {account:?} is not an account code; use lower-case letters, digits and hyphens (at most 64), e.g. --account acmeretail"
        );
    }
    let data = match args.data.trim() {
        "demo" => bp::DataSet::Demo,
        "empty" => bp::DataSet::Empty,
        other => bail!("--data {other:?} is not a data set; give --data demo or --data empty"),
    };
    let requests_per_minute = whole_number("--requests-per-minute", &args.requests_per_minute, 0)?;
    let requests_per_minute = u32::try_from(requests_per_minute).map_err(|_| {
        anyhow!(
            "--requests-per-minute {requests_per_minute} is too large; give at most {}",
            u32::MAX
        )
    })?;
    let activity_per_minute = match args.activity.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.0..=600_000.0).contains(&rate) => rate,
        _ => bail!(
            "--activity {:?} is not a number of events per minute from 0 to 600000; e.g. --activity 60",
            args.activity
        ),
    };
    let seed = whole_number("--seed", &args.seed, 0)?;
    let faults = bp::FaultSettings {
        latency_ms: whole_number("--latency-ms", &args.latency_ms, 0)?,
        error_rate: rate("--error-rate", &args.error_rate)?,
        reset_rate: rate("--reset-rate", &args.reset_rate)?,
        outages: args
            .outage
            .iter()
            .map(|text| {
                outage(text).map(|o| bp::Outage {
                    start_ms: o.start_ms,
                    end_ms: o.end_ms,
                })
            })
            .collect::<Result<_>>()?,
    };
    let delivery_faults = bp::DeliveryFaults {
        fail_rate: rate("--webhook-fail-rate", &args.webhook_fail_rate)?,
        repeat_rate: rate("--webhook-repeat-rate", &args.webhook_repeat_rate)?,
        reorder: args.webhook_reorder,
        delay_ms: whole_number("--webhook-delay-ms", &args.webhook_delay_ms, 0)?,
    };
    delivery_faults
        .validate()
        .map_err(|e| anyhow!("--webhook-delay-ms: {e}"))?;
    Ok(bp::Options {
        listen,
        delivery_faults,
        account: account.to_string(),
        data,
        state_file: args.state_file.clone(),
        requests_per_minute,
        activity_per_minute,
        seed,
        faults,
    })
}

/// The sandbox's options from the flags, every value checked before anything starts.
fn options(args: &SalesforceSandboxArgs) -> Result<Options> {
    let listen = listen_address(&args.listen)?;
    if args.cert_out.is_some() && !args.tls {
        bail!(
            "--cert-out writes the CA certificate of an HTTPS sandbox; add --tls, or drop --cert-out"
        );
    }
    if let Some(token) = &args.access_token
        && (token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        bail!(
            "--access-token must be a non-empty token without spaces; e.g. --access-token sandbox-token"
        );
    }
    let data = match args.data.trim() {
        "demo" => DataSet::Demo,
        "empty" => DataSet::Empty,
        other => bail!("--data {other:?} is not a data set; give --data demo or --data empty"),
    };
    let daily_api_limit = whole_number("--daily-api-limit", &args.daily_api_limit, 1)?;
    let session_seconds = whole_number("--session-seconds", &args.session_seconds, 1)?;
    let grpc_listen = args
        .grpc_listen
        .as_deref()
        .map(|text| {
            listen_address(text).map_err(|_| {
                anyhow!(
                    "--grpc-listen {text:?} is not an address to listen on; give HOST:PORT, e.g. --grpc-listen 127.0.0.1:7011 (port 0 picks a free one)"
                )
            })
        })
        .transpose()?;
    let faults = FaultSettings {
        latency_ms: whole_number("--latency-ms", &args.latency_ms, 0)?,
        error_rate: rate("--error-rate", &args.error_rate)?,
        lock_rate: rate("--lock-rate", &args.lock_rate)?,
        reset_rate: rate("--reset-rate", &args.reset_rate)?,
        outages: args
            .outage
            .iter()
            .map(|text| outage(text))
            .collect::<Result<_>>()?,
    };
    for (flag, file) in [("--schema", &args.schema), ("--jwt-cert", &args.jwt_cert)] {
        if let Some(file) = file
            && !file.is_file()
        {
            bail!(
                "{flag} {}: no such file; give the path of an existing file",
                file.display()
            );
        }
    }
    Ok(Options {
        listen,
        tls: args.tls,
        cert_out: args.cert_out.clone(),
        access_token: args.access_token.clone(),
        data,
        state_file: args.state_file.clone(),
        daily_api_limit,
        schema_file: args.schema.clone(),
        jwt_cert: args.jwt_cert.clone(),
        faults,
        session_seconds,
        grpc_listen,
        ..Options::default()
    })
}

/// `--outage AFTER:SECONDS` → the window from AFTER seconds after now, SECONDS long.
fn outage(text: &str) -> Result<Outage> {
    let invalid = || {
        anyhow!(
            "--outage {text:?} is not AFTER:SECONDS; e.g. --outage 60:600 is down from one minute after start for ten minutes"
        )
    };
    let (after, seconds) = text.trim().split_once(':').ok_or_else(invalid)?;
    let after: f64 = after.trim().parse().map_err(|_| invalid())?;
    let seconds: f64 = seconds.trim().parse().map_err(|_| invalid())?;
    if !(after.is_finite() && seconds.is_finite() && after >= 0.0 && seconds > 0.0) {
        return Err(invalid());
    }
    let start_ms = now_ms() + (after * 1000.0) as i64;
    Ok(Outage {
        start_ms,
        end_ms: start_ms + (seconds * 1000.0) as i64,
    })
}

/// `127.0.0.1:8443`, `[::1]:0` or `localhost:8443`.
pub(super) fn listen_address(text: &str) -> Result<SocketAddr> {
    let invalid = || {
        anyhow!(
            "--listen {text:?} is not an address to listen on; give HOST:PORT, e.g. --listen 127.0.0.1:7443 (port 0 picks a free one)"
        )
    };
    if let Ok(address) = text.trim().parse::<SocketAddr>() {
        return Ok(address);
    }
    // Host names (localhost) resolve; anything without a port does not.
    text.trim()
        .to_socket_addrs()
        .map_err(|_| invalid())?
        .next()
        .ok_or_else(invalid)
}

fn whole_number(flag: &str, text: &str, min: u64) -> Result<u64> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= min => Ok(n),
        _ => bail!(
            "{flag} {text:?} is not a whole number of at least {min}; e.g. {flag} {}",
            min.max(100)
        ),
    }
}

fn rate(flag: &str, text: &str) -> Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => bail!(
            "{flag} {text:?} is not a rate; a rate is a share of calls from 0 to 1, e.g. {flag} 0.05 for 5%"
        ),
    }
}

/// Logs go to stderr (stdout carries only the start-up line); FERRY_LOG sets the level.
fn init_logging() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let level = std::env::var("FERRY_LOG").unwrap_or_else(|_| "info".to_string());
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
