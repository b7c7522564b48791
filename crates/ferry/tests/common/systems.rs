//! Brightpearl and Salesforce sandboxes (demo data) started in the test's process, and a
//! deployment directory whose ferry.toml points at them, for tests that run the real binary.

use super::{ferry, output};
use ferry_sandbox::brightpearl::api as bp;
use ferry_sandbox::salesforce as sf;
use std::path::Path;
use std::process::{Command, Output};

/// The master key the deployments' vault is opened with.
pub const MASTER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Both sandboxes, with their demo data and no Brightpearl rate limit.
pub struct Sandboxes {
    pub org: sf::Sandbox,
    pub account: bp::Sandbox,
}

impl Sandboxes {
    /// Starts both; with `pubsub`, Salesforce also serves its Pub/Sub API (gRPC).
    pub async fn start(pubsub: bool) -> Sandboxes {
        let org = sf::Sandbox::start(sf::api::Options {
            data: sf::api::DataSet::Demo,
            grpc_listen: pubsub.then(|| ([127, 0, 0, 1], 0).into()),
            ..sf::api::Options::default()
        })
        .await
        .expect("salesforce sandbox starts");
        let account = bp::Sandbox::start(bp::Options {
            data: bp::DataSet::Demo,
            requests_per_minute: 0,
            ..bp::Options::default()
        })
        .await
        .expect("brightpearl sandbox starts");
        Sandboxes { org, account }
    }

    /// ferry.toml's `[salesforce]` and `[brightpearl]` sections pointing at the sandboxes (with
    /// `pubsub_url` when Salesforce serves gRPC), the secrets read from the environment that
    /// [`Sandboxes::command`] sets.
    pub fn sections(&self) -> String {
        let sf = &self.org.banner;
        let bpb = &self.account.banner;
        let origin = bpb.base_url.split("/public-api/").next().unwrap();
        let pubsub = sf
            .grpc_url
            .as_ref()
            .map(|url| format!("pubsub_url = \"{url}\"\n"))
            .unwrap_or_default();
        format!(
            "[salesforce]\nlogin_url = \"{}\"\nclient_id = \"{}\"\n\
             client_secret = \"env:TEST_SF_CLIENT_SECRET\"\n{pubsub}\n[brightpearl]\n\
             account = \"{}\"\nbase_url = \"{origin}\"\napp_ref = \"{}\"\n\
             account_token = \"env:TEST_BP_ACCOUNT_TOKEN\"\n",
            sf.login_url, sf.client_id, bpb.account, bpb.app_ref
        )
    }

    /// A `ferry` command in `dir` with the master key and the sandboxes' secrets set.
    pub fn command(&self, dir: &Path) -> Command {
        let mut command = ferry(dir);
        command
            .env("FERRY_MASTER_KEY", MASTER_KEY)
            .env("TEST_SF_CLIENT_SECRET", &self.org.banner.client_secret)
            .env("TEST_BP_ACCOUNT_TOKEN", &self.account.banner.account_token);
        command
    }
}

/// A deployment pointing at both sandboxes: a directory with a ferry.toml whose store is
/// `sqlite://ferry.db`.
pub struct Systems {
    pub sandboxes: Sandboxes,
    pub dir: tempfile::TempDir,
}

impl Systems {
    /// Starts the sandboxes and writes ferry.toml, with `extra` (more sections, such as
    /// `[flows]`) after `[store]`.
    pub async fn start(extra: &str) -> Systems {
        let sandboxes = Sandboxes::start(false).await;
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "[store]\nurl = \"sqlite://ferry.db\"\n\n{extra}\n\n{}",
            sandboxes.sections()
        );
        std::fs::write(dir.path().join("ferry.toml"), toml).unwrap();
        Systems { sandboxes, dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `ferry args` to completion (off the async runtime, which serves the sandboxes).
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.sandboxes.command(self.dir.path());
        command.args(args);
        tokio::task::spawn_blocking(move || output(&mut command))
            .await
            .unwrap()
    }

    /// Writes `content` to the file `name` of the deployment.
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.path().join(name), content).unwrap();
    }
}
