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
    /// Run Ferry: the HTTP server (webhook intake, /status, /metrics), the flows' workers,
    /// the Brightpearl polling safety net and the Salesforce change capture, until Ctrl-C or
    /// SIGTERM.
    Serve(ServeArgs),
    /// Read the audit log of manual actions and configuration changes.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Everything Ferry knows about one record, found by a Brightpearl or Salesforce id: its
    /// notices, failed attempts, dead letters, cross-reference links and audit entries, in
    /// time order (what `GET /api/trace` and the dashboard's trace page show).
    Trace(TraceArgs),
    /// Run a local emulator of an API Ferry talks to, for trying Ferry and for tests (needs
    /// no ferry.toml).
    Sandbox(Box<SandboxArgs>),
    /// Salesforce tools on the configured org: run SOQL, describe an object, read its limits.
    #[command(subcommand, visible_alias = "sf")]
    Salesforce(SalesforceCommand),
    /// Brightpearl tools on the configured account: read any resource, search, sync webhooks.
    #[command(subcommand, visible_alias = "bp")]
    Brightpearl(BrightpearlCommand),
    /// Connect Ferry to an account interactively and keep its tokens in the vault.
    #[command(subcommand)]
    Connect(ConnectCommand),
    /// List the sync flows and check their definitions against the connected systems; pause
    /// and resume them; check, preview, save and roll back their mappings.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Move records through the flows in bulk (the initial load).
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Compare every source record of the flows with its target records and report the
    /// drift; --repair enqueues the fixes. Exit code: 0 in step, 2 drift found, 1 error.
    Reconcile(ReconcileArgs),
    /// Tokens of the admin API (`/api/...` of `ferry serve`).
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
}

/// `ferry api-token ...`
#[derive(Debug, Subcommand)]
pub enum ApiTokenCommand {
    /// Make a new random token: prints it once, and the `[[server.api_tokens]]` entry (its
    /// SHA-256, never the token) to add to ferry.toml. Needs no ferry.toml.
    New(ApiTokenNewArgs),
}

/// `ferry api-token new`
#[derive(Debug, Args)]
pub struct ApiTokenNewArgs {
    /// Who or what will use it (the audit log names it as the actor).
    #[arg(long)]
    pub name: String,
    /// viewer (reads), operator (also retries and discards dead letters) or admin.
    #[arg(long)]
    pub role: String,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Load every record of each flow's source into its targets, page by page, with
    /// progress; resumes where an interrupted load stopped. Flows run in dependency order.
    Initial(SyncInitialArgs),
}

#[derive(Debug, Args)]
pub struct SyncInitialArgs {
    /// Only these flows (default: every enabled flow). Repeatable.
    #[arg(long = "flow", value_name = "NAME")]
    pub flows: Vec<String>,
    /// Source records per page (one checkpoint per page).
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page: u32,
    /// Load every record again from the first, even after a finished or interrupted load
    /// (records already in step cost no write).
    #[arg(long)]
    pub restart: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Only these flows (default: every enabled flow). Repeatable.
    #[arg(long = "flow", value_name = "NAME")]
    pub flows: Vec<String>,
    /// Enqueue a repair for every drifted record (run by `ferry worker` or `ferry serve`).
    #[arg(long)]
    pub repair: bool,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Source records compared per page.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page: u32,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for reading.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum SalesforceCommand {
    /// Run a SOQL query and print every record, page by page.
    Query(SfQueryArgs),
    /// The fields of an object: type, length, nillable, createable/updateable, external id,
    /// references and picklist values.
    Describe(SfDescribeArgs),
    /// The org's API limits and Ferry's own share of the daily allocation.
    Limits(SfLimitsArgs),
}

#[derive(Debug, Args)]
pub struct SfQueryArgs {
    /// The SOQL statement, e.g. "SELECT Id, Name FROM Account WHERE Name LIKE 'A%'".
    pub soql: String,
    /// table (up to 1000 rows), json (one record per line) or csv.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::output::Format,
    /// Include deleted and archived records (queryAll).
    #[arg(long)]
    pub all: bool,
    /// Stop after this many records (no further pages are fetched).
    #[arg(long, value_name = "N")]
    pub limit_rows: Option<u64>,
}

#[derive(Debug, Args)]
pub struct SfDescribeArgs {
    /// The object's API name, e.g. Account or Payment__c.
    pub object: String,
    /// table or json (the whole describe).
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::output::Format,
}

#[derive(Debug, Args)]
pub struct SfLimitsArgs {
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::output::Format,
}

#[derive(Debug, Subcommand)]
pub enum BrightpearlCommand {
    /// GET a resource path and print its `response`, e.g. /product-service/product/1001-1010.
    Get(BpGetArgs),
    /// Run a resource search with filters and print every row, page by page.
    Search(BpSearchArgs),
    /// The account's webhook subscriptions.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

#[derive(Debug, Args)]
pub struct BpGetArgs {
    /// The path after /public-api/ACCOUNT, e.g. /product-service/product/1001 (the leading /
    /// is optional).
    pub path: String,
    /// json (the whole response, indented) or table (when the response is a list of objects).
    #[arg(long, value_enum, default_value = "json")]
    pub format: crate::output::Format,
}

#[derive(Debug, Args)]
pub struct BpSearchArgs {
    /// The search resource, e.g. order-service/order-search, or a short name: orders,
    /// products, contacts, goods-out-notes, payments.
    pub resource: String,
    /// A filter COLUMN=VALUE, e.g. orderStatusId=2 or updatedOn=2026-01-01T00:00:00Z/.
    /// Repeatable.
    #[arg(long = "filter", value_name = "COLUMN=VALUE")]
    pub filters: Vec<String>,
    /// Only these columns, comma-separated (default: every column).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Sort by COLUMN, optionally COLUMN.ASC or COLUMN.DESC.
    #[arg(long, value_name = "COLUMN[.ASC|.DESC]")]
    pub sort: Option<String>,
    /// Rows per page (1 to 500; default 500).
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Stop after this many rows (no further pages are fetched).
    #[arg(long, value_name = "N")]
    pub limit_rows: Option<u64>,
    /// table (up to 1000 rows), json (one row per line) or csv.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::output::Format,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Make the account's subscriptions match what the flows need, pointing at Ferry's intake
    /// URL: create the missing ones, delete Ferry's stale ones, leave other apps' alone.
    Sync(WebhooksSyncArgs),
}

#[derive(Debug, Args)]
pub struct WebhooksSyncArgs {
    /// Print the plan without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these enabled flows that read Brightpearl (default: all of them). Repeatable.
    #[arg(long = "flow", value_name = "NAME")]
    pub flows: Vec<String>,
    /// The URL to point at (default: brightpearl.intake_url if set, else Ferry's intake route
    /// <server.public_url>/hooks/brightpearl/<server.intake_token>).
    #[arg(long, value_name = "URL")]
    pub intake_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConnectCommand {
    /// Authorize Ferry in the browser (authorization code with PKCE) and store the refresh
    /// token in the vault as salesforce.refresh_token.
    Salesforce(ConnectSalesforceArgs),
}

#[derive(Debug, Args)]
pub struct ConnectSalesforceArgs {
    /// The local port the callback arrives on (default: salesforce.callback_port); the
    /// connected app's callback URL must be http://127.0.0.1:PORT/callback.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Do not open a browser: only print the URL to open.
    #[arg(long)]
    pub no_browser: bool,
}

/// `ferry sandbox`: with no subcommand, the whole demo (both emulators with a retailer's data
/// and live activity, Ferry syncing them, a live summary); with one, a single emulator.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SandboxArgs {
    /// Run one emulator on its own instead of the demo.
    #[command(subcommand)]
    pub command: Option<SandboxCommand>,
    /// The demo: the address of Ferry's HTTP server (webhook intake, /status, /metrics).
    /// Port 0 picks a free port; the start-up lines print the real one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The demo: stop by itself after this many seconds of live sync (default: run until
    /// Ctrl-C).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub exit_after: Option<u64>,
    /// The demo: on stopping, reconcile every flow and write a JSON report here (per flow:
    /// records synced, drift, dead letters; API calls per system).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The demo: where ferry.toml, the master key and the SQLite store go (default: a new
    /// directory under the system's temporary directory; printed at start). A directory
    /// that already holds a ferry.toml is refused, so nothing of yours is overwritten.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The demo: Brightpearl business events per minute (orders, stock received, products
    /// repriced, ...), each firing webhooks. 0 keeps the account still.
    #[arg(long, value_name = "EVENTS_PER_MINUTE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=6000))]
    pub activity: u32,
    /// The demo: Salesforce "sales rep" actions per minute, in turn a Contact's mobile number
    /// changed, a deal won (an Opportunity with two products, then Closed Won) and a card
    /// payment taken on an Order, which flow to Brightpearl. 0 turns them off.
    #[arg(long, value_name = "ACTIONS_PER_MINUTE", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=600))]
    pub salesforce_activity: u32,
    /// The demo: Brightpearl requests per minute (Brightpearl's real allowance is 200); 0
    /// turns throttling off.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub requests_per_minute: u32,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// A wire-compatible Salesforce org: OAuth, SOAP login, REST, SOQL, Collections, Composite
    /// and Bulk API 2.0, plus an admin API under /__sandbox/.
    ///
    /// Prints one JSON line on stdout with everything a client needs (instance_url,
    /// access_token, username, password, security_token, client_id, client_secret, org_id,
    /// user_id, and ca_cert with --tls), then serves until Ctrl-C or SIGTERM. Every flag
    /// value is checked before anything starts.
    Salesforce(SalesforceSandboxArgs),
    /// A wire-compatible Brightpearl account: the public API (contacts, products, prices,
    /// stock, orders, goods-out notes, payments, journals, webhooks, multi-message) with
    /// Brightpearl's authentication, OAuth, throttling and envelopes, plus an admin API under
    /// /__sandbox/.
    ///
    /// Prints one JSON line on stdout with everything a client needs (base_url, account,
    /// app_ref, account_token, staff_token, dev_ref, client_id, client_secret,
    /// oauth_authorize_url, oauth_token_url), then serves until Ctrl-C or SIGTERM. Every flag
    /// value is checked before anything starts.
    Brightpearl(BrightpearlSandboxArgs),
}

#[derive(Debug, Args)]
pub struct BrightpearlSandboxArgs {
    /// Address to listen on, HOST:PORT. Port 0 (the default) picks a free port; the JSON line
    /// says which.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// The account code in every URL (/public-api/ACCOUNT/...): lower-case letters, digits
    /// and hyphens.
    #[arg(long, value_name = "ACCOUNT", default_value = "ferrydemo")]
    pub account: String,
    /// Data a new account starts with: demo (a retailer with products, stock, customers and
    /// order history) or empty (only the configuration every account has). Ignored when
    /// --state-file exists.
    #[arg(long, value_name = "demo|empty", default_value = "demo")]
    pub data: String,
    /// Keep the account in this file: loaded at start if it exists, saved every second while
    /// it changes and on exit.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    /// Requests per minute per account (Brightpearl's default is 200); 0 turns throttling off.
    #[arg(
        long,
        value_name = "N",
        default_value = "200",
        allow_hyphen_values = true
    )]
    pub requests_per_minute: String,
    /// Simulated business events per minute: orders placed and paid, stock received, goods
    /// shipped, products repriced, credits raised, each firing webhooks. 0 (the default) is
    /// a still account.
    #[arg(
        long,
        value_name = "EVENTS_PER_MINUTE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub activity: String,
    /// Seed of the demo data and the activity simulator: the same seed gives the same data.
    #[arg(
        long,
        value_name = "N",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub seed: String,
    /// Delay added to every API call, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub latency_ms: String,
    /// Share of API calls answered 503 as in an outage (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub error_rate: String,
    /// Share of API calls whose connection is dropped mid-response (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub reset_rate: String,
    /// An outage window AFTER:SECONDS (seconds after start : length); every API call in it
    /// gets 503. Repeatable.
    #[arg(long, value_name = "AFTER:SECONDS")]
    pub outage: Vec<String>,
    /// Share of webhook delivery attempts lost on the way (0 to 1); QoS 1 webhooks retry them.
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub webhook_fail_rate: String,
    /// Share of webhook calls delivered twice (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub webhook_repeat_rate: String,
    /// Deliver webhook calls out of order.
    #[arg(long)]
    pub webhook_reorder: bool,
    /// Delay before every webhook delivery attempt, in milliseconds (at most 60000).
    #[arg(
        long,
        value_name = "MS",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub webhook_delay_ms: String,
}

#[derive(Debug, Args)]
pub struct SalesforceSandboxArgs {
    /// Address to listen on, HOST:PORT. Port 0 (the default) picks a free port; the JSON line
    /// says which.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Serve HTTPS with a freshly generated certificate authority.
    #[arg(long)]
    pub tls: bool,
    /// With --tls: write the CA certificate (PEM) here (default: a file in the temporary
    /// directory). The JSON line's ca_cert names it.
    #[arg(long, value_name = "FILE")]
    pub cert_out: Option<PathBuf>,
    /// Also accept this access token, for the admin user, without expiry.
    #[arg(long, value_name = "TOKEN")]
    pub access_token: Option<String>,
    /// Data a new org starts with: demo (a small retail business) or empty (users and the
    /// standard price book only). Ignored when --state-file exists.
    #[arg(long, value_name = "demo|empty", default_value = "demo")]
    pub data: String,
    /// Keep the org in this file: loaded at start if it exists, saved every second while
    /// it changes and on exit.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    /// Daily API request allocation; data calls beyond it get 403 REQUEST_LIMIT_EXCEEDED.
    #[arg(
        long,
        value_name = "N",
        default_value = "100000",
        allow_hyphen_values = true
    )]
    pub daily_api_limit: String,
    /// A schema file adding objects and fields to the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// A PEM certificate (or public key) that verifies JWT bearer assertions.
    #[arg(long, value_name = "FILE")]
    pub jwt_cert: Option<PathBuf>,
    /// Delay added to every data call, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub latency_ms: String,
    /// Share of data calls answered 503 SERVER_UNAVAILABLE (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub error_rate: String,
    /// Share of record writes failing with UNABLE_TO_LOCK_ROW (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub lock_rate: String,
    /// Share of data calls whose connection is dropped mid-response (0 to 1).
    #[arg(
        long,
        value_name = "RATE",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub reset_rate: String,
    /// An outage window: AFTER:SECONDS, counted from start-up (e.g. 60:600 is down from the
    /// first minute for ten minutes); every data call in it answers 503. Repeatable.
    #[arg(long, value_name = "AFTER:SECONDS")]
    pub outage: Vec<String>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "7200",
        allow_hyphen_values = true
    )]
    pub session_seconds: String,
    /// Also serve the Pub/Sub API (gRPC, eventbus.v1) on HOST:PORT; port 0 picks a free port
    /// (the JSON line's grpc_url says which). TLS with the same certificate when --tls.
    #[arg(long, value_name = "HOST:PORT")]
    pub grpc_listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A record id of either system: a Brightpearl id (207) or a Salesforce id (15 or 18
    /// characters).
    pub query: String,
    /// The tenant (default: the configured one).
    #[arg(long)]
    pub tenant: Option<String>,
    /// The most notices shown per record (1 to 1000).
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    /// Print the trace as JSON (the document of `GET /api/trace`).
    #[arg(long)]
    pub json: bool,
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
pub struct ServeArgs {
    /// The address to listen on (overrides server.listen; port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Handler calls running at once in the worker (overrides worker.concurrency).
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
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

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// Every flow (defaults and [flows] dir files): enabled, source, targets, dependencies.
    List(FlowsListArgs),
    /// Check the flow definitions: statically, then against the live Salesforce describe and
    /// Brightpearl custom fields. One line per problem; exits 1 on any error.
    Check(FlowsCheckArgs),
    /// Pause a flow: its notices keep queuing, workers leave them until it is resumed (a
    /// running `ferry serve` stops taking its items within 5 seconds). Needs only the store.
    Pause(FlowsNameArgs),
    /// Resume a paused flow: workers take its queued items again.
    Resume(FlowsNameArgs),
    /// The saved versions of a flow's mapping, newest first, and which one runs (0 is the file).
    Versions(FlowsVersionsArgs),
    /// Print a version of a flow's mapping as TOML (default: the running one). Needs only the
    /// store.
    #[command(disable_version_flag = true)]
    Show(FlowsShowArgs),
    /// The line diff between two versions of a flow's mapping (default --to: the running one).
    Diff(FlowsDiffArgs),
    /// Check an edited mapping (a TOML file) and save it as the flow's next version; a running
    /// `ferry serve` runs it within 5 seconds. Prints every problem and exits 1 when invalid.
    Save(FlowsSaveArgs),
    /// Run an earlier version of a flow's mapping again (saved as a new version; 0: the file).
    Rollback(FlowsRollbackArgs),
    /// Run an edited mapping and the running one over one real source record, side by side.
    /// Reads both systems, writes nothing.
    Preview(FlowsPreviewArgs),
}

/// How the console commands print: an aligned table for reading, or JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableOrJson {
    /// An aligned table (or text) for reading.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct FlowsNameArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
}

#[derive(Debug, Args)]
pub struct FlowsVersionsArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct FlowsShowArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// The version to print (0: the flow file; default: the running version).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub version: Option<i64>,
}

#[derive(Debug, Args)]
pub struct FlowsDiffArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// The older version (0: the flow file).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub from: i64,
    /// The newer version (default: the running version).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub to: Option<i64>,
}

#[derive(Debug, Args)]
pub struct FlowsSaveArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// The edited mapping: a flow declaration in TOML (start from `ferry flows show NAME`).
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
    /// Why: shown in the version list and the audit log.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// The version the file was edited from: the save is refused if another version was saved
    /// since (default: whatever runs now, overwriting it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub based_on: Option<i64>,
    /// Only check the file; save nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct FlowsRollbackArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// The version to run again (0: the flow file).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
    pub to: i64,
}

#[derive(Debug, Args)]
pub struct FlowsPreviewArgs {
    /// The flow (see `ferry flows list`).
    pub name: String,
    /// The edited mapping (TOML).
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
    /// The source record's id (default: the first record of the flow's source).
    #[arg(long, value_name = "ID")]
    pub record: Option<String>,
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: TableOrJson,
}

#[derive(Debug, Args)]
pub struct FlowsListArgs {
    /// table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::output::Format,
}

#[derive(Debug, Args)]
pub struct FlowsCheckArgs {
    /// Only the static checks: no connection to Salesforce or Brightpearl.
    #[arg(long)]
    pub offline: bool,
}
