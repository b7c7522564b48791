//! The command-line interface: every command and flag.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Ferry keeps Brightpearl and Salesforce in step.
#[derive(Debug, Parser)]
#[command(name = "ferry", version, about, propagate_version = true)]
pub struct Cli {
    /// The config file.
    #[arg(
        long,
        short,
        global = true,
        env = "FERRY_CONFIG",
        default_value = "ferry.toml"
    )]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented starter ferry.toml and a new master key file.
    Init(InitArgs),
    /// Validate configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the store (the database Ferry keeps its state in).
    #[command(subcommand)]
    Store(StoreCommand),
    /// Inspect the work queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Inspect, retry and discard dead letters (items that will not be retried automatically).
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Manage secrets in the encrypted vault.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Run queue workers until interrupted (Ctrl-C or SIGTERM finishes the batch in hand).
    Worker(WorkerArgs),
    /// Read the audit log of manual actions and configuration changes.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The newest entries first.
    List(AuditListArgs),
}

#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only this tenant (default: all).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only this action (dlq.retry, dlq.discard, vault.set, vault.rotate, config.change, store.prune).
    #[arg(long)]
    pub action: Option<String>,
    /// The most to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to write ferry.toml and ferry-master.key into.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing ferry.toml (an existing key file is never overwritten).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a config file (default: --config) and the FERRY_* environment.
    ///
    /// Every key may be overridden by FERRY_<SECTION>_<KEY> (FERRY_STORE_URL,
    /// FERRY_WORKER_CONCURRENCY, ...) or FERRY_<KEY> for top-level keys (FERRY_TENANT).
    Check(ConfigCheckArgs),
}

#[derive(Debug, Args)]
pub struct ConfigCheckArgs {
    /// The file to check (defaults to --config).
    pub file: Option<PathBuf>,
    /// Also connect to the store and check that vault references resolve with the master key.
    #[arg(long)]
    pub connect: bool,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the store if needed and apply pending schema migrations.
    Migrate,
    /// Delete finished journal entries and applied effects older than the retention period
    /// (workers do this hourly by themselves).
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep this many days (default: store.retention_days).
    #[arg(long, value_name = "DAYS")]
    pub older_than_days: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Items pending, retrying, in flight and dead, per tenant and flow.
    Stats(StatsArgs),
    /// The self-test flow: prove the queue path works end to end on this deployment.
    #[command(subcommand)]
    Selftest(SelftestCommand),
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only this tenant (default: all).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SelftestCommand {
    /// Journal synthetic notices for the selftest flow; any `ferry worker` will process them.
    Enqueue(SelftestEnqueueArgs),
    /// Check that every self-test notice was covered by exactly one effect, in order.
    Verify(SelftestVerifyArgs),
}

#[derive(Debug, Args)]
pub struct SelftestEnqueueArgs {
    /// Sequence number of the first notice (continue an earlier run where it stopped).
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Notices to journal.
    #[arg(long, default_value_t = 1000)]
    pub notices: u64,
    /// Records to spread them over.
    #[arg(long, default_value_t = 100)]
    pub records: u64,
    /// Simulated work per batch before its effects, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub work_ms: u64,
    /// Simulated work per batch after its effects and before the acknowledgement.
    #[arg(long, default_value_t = 0)]
    pub after_ms: u64,
    /// Reject every n-th record permanently, to see the dead-letter queue at work.
    #[arg(long, default_value_t = 0)]
    pub fail_every: u64,
    /// Notices per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
}

#[derive(Debug, Args)]
pub struct SelftestVerifyArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead letters, newest first.
    List(DlqListArgs),
    /// Show one dead letter: its error, attempt history and payload.
    Show(DlqShowArgs),
    /// Put dead letters back into the queue (by id, or every one matching a filter).
    Retry(DlqActArgs),
    /// Delete dead letters for good (by id, or every one matching a filter).
    Discard(DlqActArgs),
}

#[derive(Debug, Args, Clone, Default)]
pub struct DlqFilterArgs {
    /// Only this flow.
    #[arg(long)]
    pub flow: Option<String>,
    /// Only this error code.
    #[arg(long)]
    pub code: Option<String>,
    /// Only this source record id.
    #[arg(long)]
    pub record: Option<String>,
    /// Only this tenant (default: the configured tenant; `--tenant '*'` for all).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only dead letters that failed before this RFC 3339 time (e.g. 2026-11-27T09:00:00Z).
    #[arg(long)]
    pub before: Option<String>,
}

#[derive(Debug, Args)]
pub struct DlqListArgs {
    #[command(flatten)]
    pub filter: DlqFilterArgs,
    /// The most to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DlqShowArgs {
    /// The dead letter's id.
    pub id: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DlqActArgs {
    /// Dead letter ids.
    pub ids: Vec<i64>,
    /// Act on every dead letter matching the filter flags instead of on ids (implied by any
    /// filter flag).
    #[arg(long)]
    pub filter: bool,
    #[command(flatten)]
    pub filters: DlqFilterArgs,
    /// Act on every dead letter of the tenant (`--tenant '*'`: of every tenant).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Store a secret (read from the terminal without echo, from stdin, or from --from-env).
    Set(VaultSetArgs),
    /// List stored secrets (names and key ids, never values).
    List(VaultListArgs),
    /// Re-encrypt every secret under a new master key.
    Rotate(VaultRotateArgs),
    /// Print a new random master key (base64), for FERRY_MASTER_KEY or a key file.
    Keygen,
}

#[derive(Debug, Args)]
pub struct VaultSetArgs {
    /// The secret's name, e.g. salesforce.client_secret (refer to it as "vault:NAME").
    pub name: String,
    /// Read the value from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pub from_env: Option<String>,
    /// The tenant (default: the configured tenant).
    #[arg(long)]
    pub tenant: Option<String>,
}

#[derive(Debug, Args)]
pub struct VaultListArgs {
    /// Only this tenant (default: all).
    #[arg(long)]
    pub tenant: Option<String>,
}

#[derive(Debug, Args)]
pub struct VaultRotateArgs {
    /// The file holding the new key; created with a fresh random key (mode 600) if missing.
    #[arg(long, value_name = "FILE")]
    pub new_key_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Handler calls running at once (overrides worker.concurrency).
    #[arg(long)]
    pub concurrency: Option<u32>,
    /// Items leased per trip (overrides worker.batch_size).
    #[arg(long)]
    pub batch_size: Option<u32>,
    /// Serve only this tenant (default: every tenant in the store).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Stop once the queue has been empty for this many milliseconds (for scripts and tests).
    #[arg(long, value_name = "MS")]
    pub exit_when_idle: Option<u64>,
}
