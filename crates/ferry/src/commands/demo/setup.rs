//! The demo's world: both emulators in this process, the "Wholesale" price book the default
//! product flow maps the Brightpearl trade price list to, and a working deployment directory
//! (ferry.toml, a master key, the secrets sealed in the vault).

use crate::context::Context;
use anyhow::{Context as _, Result, anyhow, bail};
use ferry_sandbox::brightpearl::api as bp;
use ferry_sandbox::salesforce as sf;
use ferry_vault::MasterKey;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Vault names of the demo's secrets (ferry.toml refers to them as `vault:NAME`).
const BP_TOKEN: &str = "brightpearl.account_token";
const SF_SECRET: &str = "salesforce.client_secret";
const INTAKE_TOKEN: &str = "server.intake_token";

/// Both emulators, running.
pub struct Sandboxes {
    /// The Brightpearl account (demo retailer, live activity once started).
    pub brightpearl: bp::Sandbox,
    /// The Salesforce org (empty but for the price books, with the Pub/Sub API).
    pub salesforce: sf::Sandbox,
}

impl Sandboxes {
    /// Starts Brightpearl with the demo retailer (still until [`Sandboxes::start_activity`])
    /// and an empty Salesforce org with its Pub/Sub listener and a "Wholesale" price book.
    pub async fn start(requests_per_minute: u32) -> Result<Sandboxes> {
        let brightpearl = bp::Sandbox::start(bp::Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: bp::DataSet::Demo,
            requests_per_minute,
            ..bp::Options::default()
        })
        .await
        .context("the Brightpearl sandbox cannot start")?;
        let salesforce = sf::Sandbox::start(sf::api::Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: sf::api::DataSet::Empty,
            grpc_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..sf::api::Options::default()
        })
        .await
        .context("the Salesforce sandbox cannot start")?;
        let sandboxes = Sandboxes {
            brightpearl,
            salesforce,
        };
        sandboxes.create_price_book().await?;
        Ok(sandboxes)
    }

    /// The default product flow maps Brightpearl's trade price list to a Salesforce price
    /// book named "Wholesale"; a real org would have it, so the demo org gets it, created
    /// over the REST API like an administrator would.
    async fn create_price_book(&self) -> Result<()> {
        let banner = &self.salesforce.banner;
        let http = ferry_http::client_builder(None)?.build()?;
        let url = format!(
            "{}/services/data/v{}/sobjects/Pricebook2",
            banner.instance_url, banner.api_version
        );
        let response = http
            .post(&url)
            .bearer_auth(&banner.access_token)
            .header("content-type", "application/json")
            .body(serde_json::json!({"Name": "Wholesale", "IsActive": true}).to_string())
            .send()
            .await
            .context("creating the Wholesale price book in the Salesforce sandbox failed")?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            bail!("the Salesforce sandbox refused the Wholesale price book ({status}): {body}");
        }
        Ok(())
    }

    /// Starts Brightpearl's business activity at `per_minute` events a minute (0: still).
    pub fn set_activity(&self, per_minute: u32) {
        self.brightpearl
            .state()
            .activity
            .set_rate(f64::from(per_minute));
    }

    /// Stops both emulators.
    pub async fn stop(self) {
        if let Err(error) = self.brightpearl.stop().await {
            tracing::warn!(%error, "the Brightpearl sandbox stopped with an error");
        }
        if let Err(error) = self.salesforce.stop().await {
            tracing::warn!(%error, "the Salesforce sandbox stopped with an error");
        }
    }
}

/// The demo's directory: the one asked for, or a new one under the temporary directory. A
/// directory already holding a ferry.toml is refused: the demo never overwrites a deployment.
pub fn directory(asked: Option<&Path>) -> Result<PathBuf> {
    let dir = match asked {
        Some(dir) => dir.to_path_buf(),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default();
            std::env::temp_dir().join(format!("ferry-sandbox-{}-{nanos:08x}", std::process::id()))
        }
    };
    if dir.join("ferry.toml").exists() {
        bail!(
            "--dir {}: it already holds a ferry.toml; the demo writes its own, so give an empty \
             or new directory (or leave --dir out for a fresh one)",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("--dir {}: the directory cannot be created", dir.display()))?;
    Ok(dir)
}

/// Writes ferry.toml and the master key into `dir` for the running sandboxes and Ferry's
/// server at `bound`, opens the deployment and seals the secrets in its vault. Returns the
/// loaded context and the intake token.
pub async fn deployment(
    dir: &Path,
    sandboxes: &Sandboxes,
    bound: SocketAddr,
    requests_per_minute: u32,
) -> Result<(Context, SecretString)> {
    let bpb = &sandboxes.brightpearl.banner;
    let sfb = &sandboxes.salesforce.banner;
    let origin = bpb
        .base_url
        .split("/public-api/")
        .next()
        .unwrap_or(&bpb.base_url);
    let pubsub_url = sfb
        .grpc_url
        .clone()
        .ok_or_else(|| anyhow!("the Salesforce sandbox started without its Pub/Sub listener"))?;
    // Ferry's own budget follows the sandbox's throttle; with throttling off it is generous.
    let budget = if requests_per_minute == 0 {
        100_000
    } else {
        requests_per_minute
    };
    // The dashboard's admin token: its text goes to a private file, only its hash to the config.
    let (dashboard_token, dashboard_digest) = super::super::api_token::generate()?;
    super::super::init::write_private(&dir.join(DASHBOARD_TOKEN_FILE), dashboard_token.as_bytes())?;
    let toml = format!(
        r#"# Written by `ferry sandbox` for its demo: both systems are emulators in that process,
# so this file works only while the demo runs. Secrets are in the vault (ferry.db), sealed
# with ferry-master.key.
tenant = "default"

[store]
url = "sqlite://ferry.db"

[vault]
key_file = "ferry-master.key"

[log]
# FERRY_LOG=info shows the engine's log lines on stderr.
level = "warn"

[server]
listen = "{bound}"
intake_token = "vault:{INTAKE_TOKEN}"

# The dashboard (http://{bound}/ui/): log in with the token in the file {DASHBOARD_TOKEN_FILE}.
[[server.api_tokens]]
name = "demo"
role = "admin"
sha256 = "{dashboard_digest}"

[brightpearl]
account = "{account}"
base_url = "{origin}"
app_ref = "{app_ref}"
account_token = "vault:{BP_TOKEN}"
requests_per_minute = {budget}

[salesforce]
login_url = "{login_url}"
client_id = "{client_id}"
client_secret = "vault:{SF_SECRET}"
pubsub_url = "{pubsub_url}"
"#,
        account = bpb.account,
        app_ref = bpb.app_ref,
        login_url = sfb.login_url,
        client_id = sfb.client_id,
    );
    let config_file = dir.join("ferry.toml");
    std::fs::write(&config_file, toml)
        .with_context(|| format!("cannot write {}", config_file.display()))?;
    let key_file = dir.join("ferry-master.key");
    if !key_file.exists() {
        super::super::init::write_private(&key_file, MasterKey::generate().to_base64().as_bytes())?;
    }
    let context = Context::load(&config_file)?;
    let tenant = context.tenant(None)?;
    let vault = context.vault().await?;
    let intake_token = SecretString::from(random_token());
    let actor = "ferry:sandbox-demo";
    for (name, value) in [
        (BP_TOKEN, SecretString::from(bpb.account_token.clone())),
        (SF_SECRET, SecretString::from(sfb.client_secret.clone())),
        (INTAKE_TOKEN, intake_token.clone()),
    ] {
        vault
            .set(&tenant, name, &value, actor)
            .await
            .with_context(|| format!("sealing {name} in the demo's vault failed"))?;
    }
    Ok((context, intake_token))
}

/// The file of the demo's deployment directory holding the dashboard's admin token.
pub const DASHBOARD_TOKEN_FILE: &str = "dashboard-token";

/// A random token for the intake path: 32 characters of a fresh master key's base64 text (192
/// bits from the operating system's generator), hex-encoded so that it is URL-safe; the
/// vault's key generator is the one random source the binary already trusts.
fn random_token() -> String {
    let key = MasterKey::generate();
    key.to_base64()
        .bytes()
        .take(32)
        .map(|b| format!("{b:02x}"))
        .collect()
}
