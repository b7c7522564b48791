//! The HTTP surface. Every API call enters through [`entry`]: the URI prefix
//! (`/public-api/{account}` or the legacy `/2.0.0/{account}`) is checked and stripped, then
//! faults, authentication and throttling run, then the request goes to the *inner router*,
//! whose routes are relative to the account (`/order-service/order/{ids}`), exactly the URIs
//! multi-message carries. On the way out every answer gets the common headers (`Ruid`,
//! throttle headers, cache headers) and the events the call raised go to the webhook
//! dispatcher.
//!
//! Resource modules each export `routes() -> Router<AppState>`; they lock the account with
//! [`AppState::account`] for the span of their work and never hold it across an await.

pub mod accounting;
pub mod admin;
pub mod body;
pub mod catalogue;
pub mod contacts;
pub mod goods_out;
pub mod integration;
pub mod load;
pub mod multi_message;
pub mod oauth;
pub mod orders;
pub mod params;
pub mod reply;
pub mod scenarios;

pub use reply::{ApiError, ApiResult, Reply, WithMessageType};

use super::account::{Account, Settings};
use super::auth::{Auth, Caller, Credentials};
use super::delivery::{
    DeliveryConfig, DeliveryFaults, Dispatcher, DispatcherHandle, Subscriptions,
};
use super::faults::{FaultSettings, Faults, Injected, OUTAGE_BODY};
use super::throttle::{THROTTLED_TEXT, Throttle};
use super::wire::now_ms;
use crate::serve::{ServerHandle, serve};
use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// Which data a new account starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataSet {
    /// A believable retailer: products, stock, customers, order history.
    #[default]
    Demo,
    /// Only the configuration every account has (statuses, warehouses, tax codes, ...).
    Empty,
}

/// How to run a Brightpearl sandbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The account code in every URL.
    pub account: String,
    /// Initial data when no state file exists yet.
    pub data: DataSet,
    /// Persist the account here across restarts.
    pub state_file: Option<PathBuf>,
    /// Requests per rolling minute per pool; 0 turns throttling off.
    pub requests_per_minute: u32,
    /// Simulated business events per minute (0 = none).
    pub activity_per_minute: f64,
    /// Seed of the demo data and the activity simulator.
    pub seed: u64,
    /// API faults from the start.
    pub faults: FaultSettings,
    /// Webhook delivery faults from the start.
    pub delivery_faults: DeliveryFaults,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account: Settings::default().code,
            data: DataSet::Demo,
            state_file: None,
            requests_per_minute: super::throttle::DEFAULT_LIMIT,
            activity_per_minute: 0.0,
            seed: 1,
            faults: FaultSettings::default(),
            delivery_faults: DeliveryFaults::default(),
        }
    }
}

/// What the sandbox prints on start: one JSON line with everything a client needs.
#[derive(Debug, Clone, Serialize)]
pub struct Banner {
    /// URI prefix up to and including the account: `http://127.0.0.1:PORT/public-api/ACCOUNT`.
    pub base_url: String,
    /// The account code.
    pub account: String,
    /// `brightpearl-app-ref` (also the OAuth client id).
    pub app_ref: String,
    /// `brightpearl-account-token` (private system app).
    pub account_token: String,
    /// `brightpearl-staff-token` (private staff app).
    pub staff_token: String,
    /// `brightpearl-dev-ref` (OAuth app).
    pub dev_ref: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Where to send the user to authorise (the sandbox approves at once and redirects).
    pub oauth_authorize_url: String,
    /// Where to exchange codes and refresh tokens (form-encoded POST).
    pub oauth_token_url: String,
    /// The `api_domain` token responses carry (host:port).
    pub api_domain: String,
    /// The sandbox's own control API.
    pub admin_url: String,
    /// Requests per minute per pool (0 = throttling off).
    pub requests_per_minute: u32,
}

/// Everything the handlers share.
pub struct Shared {
    /// The records. One lock: each request's work runs under it without awaiting.
    pub account: Mutex<Account>,
    /// Credentials and issued OAuth tokens.
    pub auth: Mutex<Auth>,
    /// Per-pool request windows.
    pub throttle: Throttle,
    /// API fault injection.
    pub faults: Faults,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// `127.0.0.1:PORT`, the OAuth `api_domain`.
    pub api_domain: String,
    /// Where the account is persisted, if anywhere.
    pub state_file: Option<PathBuf>,
    /// The options the sandbox started with (an admin reset rebuilds from them).
    pub options: Options,
    /// Set by writes; the autosave clears it.
    pub dirty: AtomicBool,
    /// The inner (account-relative) router, for multi-message. Set once at start.
    pub inner: OnceLock<Router>,
    /// The webhook dispatcher (faults, log, simulate). Set once at start.
    pub deliveries: OnceLock<DispatcherHandle>,
    /// The activity simulator's rate and counters (the admin API and the simulator share it).
    pub activity: Arc<super::activity::Control>,
    /// Where flushed events go: the webhook dispatcher's inbox.
    pub event_sink: Mutex<Option<tokio::sync::mpsc::UnboundedSender<super::events::Event>>>,
}

/// Handle to the shared state, cloned into every handler.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Locks the account. A poisoned lock is recovered: writes validate before they change
    /// anything, so a panic mid-request leaves consistent data.
    pub fn account(&self) -> MutexGuard<'_, Account> {
        self.0.account.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the auth tables.
    pub fn auth(&self) -> MutexGuard<'_, Auth> {
        self.0.auth.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands the account's raised events to the webhook dispatcher and marks the account
    /// changed when there were any (every write raises or calls [`AppState::touch`]).
    pub fn flush_events(&self) {
        let events = self.account().take_events();
        if events.is_empty() {
            return;
        }
        self.touch();
        let sink = self.event_sink.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sink) = sink.as_ref() {
            for event in events {
                let _ = sink.send(event);
            }
        }
    }

    /// Marks the account changed (for the autosave).
    pub fn touch(&self) {
        self.dirty.store(true, Ordering::Relaxed);
    }
}

/// The largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// A running sandbox.
pub struct Sandbox {
    /// The bound address.
    pub local_addr: SocketAddr,
    /// The start-up line.
    pub banner: Banner,
    state: AppState,
    server: ServerHandle,
    /// Tells the activity simulator to stop, and its task.
    activity: (
        tokio::sync::watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    ),
}

impl Sandbox {
    /// Loads or seeds the account, binds the listener and starts serving.
    pub async fn start(options: Options) -> anyhow::Result<Sandbox> {
        let listener = TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let local_addr = listener.local_addr()?;
        let host = match local_addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let api_domain = format!("{host}:{}", local_addr.port());
        let origin = format!("http://{api_domain}");
        let account = match options.state_file.as_deref().filter(|p| p.exists()) {
            Some(path) => super::persist::load(path)?,
            None => new_account(&options)?,
        };
        let code = account.settings.code.clone();
        let credentials = Credentials::generate(&code);
        let banner = Banner {
            base_url: format!("{origin}/public-api/{code}"),
            account: code.clone(),
            app_ref: credentials.app_ref.clone(),
            account_token: credentials.account_token.clone(),
            staff_token: credentials.staff_token.clone(),
            dev_ref: credentials.dev_ref.clone(),
            client_id: credentials.app_ref.clone(),
            client_secret: credentials.client_secret.clone(),
            oauth_authorize_url: format!("{origin}/oauth/authorize/{code}"),
            oauth_token_url: format!("{origin}/oauth/token/{code}"),
            api_domain: api_domain.clone(),
            admin_url: format!("{origin}/__sandbox"),
            requests_per_minute: options.requests_per_minute,
        };
        let state = AppState(Arc::new(Shared {
            account: Mutex::new(account),
            auth: Mutex::new(Auth::new(credentials)),
            throttle: Throttle::new(options.requests_per_minute),
            faults: Faults::new(options.faults.clone()),
            origin,
            api_domain,
            state_file: options.state_file.clone(),
            options: options.clone(),
            dirty: AtomicBool::new(false),
            inner: OnceLock::new(),
            event_sink: Mutex::new(None),
            deliveries: OnceLock::new(),
            activity: Arc::new(super::activity::Control::new(options.activity_per_minute)),
        }));
        start_deliveries(&state, &code, options.delivery_faults.clone())?;
        let _ = state.inner.set(inner_router(state.clone()));
        let app = router(state.clone());
        let server = serve(listener, None, app);
        super::persist::spawn_autosave(state.clone(), server.shutdown_signal());
        // Always running, idle at rate 0, so `PUT /__sandbox/activity` can start it later.
        let (stop_activity, activity_stopped) = tokio::sync::watch::channel(false);
        let simulator = super::activity::spawn(
            state.clone(),
            options.activity_per_minute,
            options.seed,
            activity_stopped,
        );
        Ok(Sandbox {
            local_addr,
            banner,
            state,
            server,
            activity: (stop_activity, simulator),
        })
    }

    /// The shared state (for tests and the demo).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops serving, gives webhook calls in flight a moment to finish, and writes the state
    /// file (if any).
    pub async fn stop(self) -> anyhow::Result<()> {
        let (stop_activity, simulator) = self.activity;
        let _ = stop_activity.send(true);
        let _ = simulator.await;
        self.server.shutdown().await;
        if let Some(deliveries) = self.state.deliveries.get() {
            deliveries.drain(std::time::Duration::from_secs(2)).await;
        }
        if let Some(path) = &self.state.state_file {
            super::persist::save(&self.state, path)?;
        }
        Ok(())
    }
}

/// Starts the webhook dispatcher: it looks subscriptions up in the account (holding the lock
/// only for the look-up) and receives every flushed event.
fn start_deliveries(state: &AppState, code: &str, faults: DeliveryFaults) -> anyhow::Result<()> {
    // A weak handle: the dispatcher lives inside the shared state it reads from.
    let weak = Arc::downgrade(&state.0);
    let subscriptions: Subscriptions = Arc::new(move |event| match weak.upgrade() {
        Some(shared) => AppState(shared)
            .account()
            .webhooks
            .matching(event)
            .cloned()
            .collect(),
        None => Vec::new(),
    });
    let mut config = DeliveryConfig::new(code);
    config.faults = faults;
    let (handle, sender) = Dispatcher::start(config, subscriptions)?;
    *state.event_sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sender);
    let _ = state.deliveries.set(handle);
    Ok(())
}

/// The account the sandbox starts with.
pub fn new_account(options: &Options) -> anyhow::Result<Account> {
    let settings = Settings {
        code: options.account.clone(),
        ..Settings::default()
    };
    let mut account = Account::standard(settings);
    match options.data {
        DataSet::Empty => Ok(account),
        DataSet::Demo => {
            super::seed::demo(&mut account, options.seed)?;
            Ok(account)
        }
    }
}

/// The account-relative routes of every resource.
fn inner_router(state: AppState) -> Router {
    let app = Router::new()
        .merge(contacts::routes())
        .merge(catalogue::routes())
        .merge(orders::routes())
        .merge(goods_out::routes())
        .merge(accounting::routes())
        .merge(integration::routes())
        .merge(multi_message::routes())
        .fallback(unknown_resource)
        .with_state(state);
    let app = tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        app,
    );
    Router::new().fallback_service(app)
}

async fn unknown_resource(uri: Uri) -> ApiError {
    ApiError::not_found(format!("Cannot find the resource {}", uri.path()))
}

/// The whole router: the API entry, OAuth and the admin API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(admin::routes())
        .merge(scenarios::routes())
        .merge(load::routes())
        .fallback(entry)
        .with_state(state)
}

/// Splits `/public-api/{account}/rest` (or `/2.0.0/{account}/rest`) into the account and the
/// account-relative rest (`/` when nothing follows).
pub fn split_prefix(path: &str) -> Option<(&str, &str)> {
    let rest = path
        .strip_prefix("/public-api/")
        .or_else(|| path.strip_prefix("/2.0.0/"))?;
    match rest.find('/') {
        Some(at) => Some((&rest[..at], &rest[at..])),
        None => Some((rest, "/")),
    }
}

/// Every API call: prefix, body, faults, auth, throttle, the inner router, common headers.
async fn entry(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some((account, rest)) = split_prefix(&path) else {
        return unknown_resource(request.uri().clone())
            .await
            .into_response();
    };
    if account != state.account().settings.code {
        return ApiError::not_found(format!(
            "Cannot find the resource {path}: no account {account} here"
        ))
        .into_response();
    }
    let rest = rest.to_string();
    // Read the whole body before anything answers, so a refused call never leaves bytes on a
    // kept-alive connection.
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "CMNC-010",
                format!(
                    "The request body is larger than {} MB; send fewer records per call",
                    MAX_BODY / 1024 / 1024
                ),
            )
            .into_response();
        }
    };
    let now = now_ms();
    match state.faults.roll(now).await {
        Injected::Nothing => {}
        Injected::Unavailable => {
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, OUTAGE_BODY).into_response();
            response
                .headers_mut()
                .insert("content-type", HeaderValue::from_static("text/html"));
            return response;
        }
        Injected::Reset => return crate::serve::dropped_connection(),
    }
    let caller = {
        let headers = &parts.headers;
        let lookup = |name: &str| header(headers, name);
        state.auth().check(&lookup, now)
    };
    let pool = match &caller {
        Ok(Caller::OAuth) => format!("{account}/{}", state.auth().credentials.dev_ref),
        _ => account.to_string(),
    };
    let verdict = state.throttle.take(&pool, now);
    let mut response = match caller {
        Err(refusal) => ApiError::gateway(StatusCode::UNAUTHORIZED, refusal.0).into_response(),
        Ok(_) if !verdict.allowed => {
            ApiError::gateway(StatusCode::SERVICE_UNAVAILABLE, THROTTLED_TEXT).into_response()
        }
        Ok(caller) => {
            let query = parts
                .uri
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            parts.uri = match format!("{rest}{query}").parse() {
                Ok(uri) => uri,
                Err(_) => return unknown_resource(parts.uri).await.into_response(),
            };
            parts.extensions.insert(caller.clone());
            let request = Request::from_parts(parts, Body::from(bytes));
            let response = dispatch(&state, request).await;
            if caller == Caller::OAuth {
                let id = state.account().settings.integration_instance_id;
                let mut response = response;
                if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                    response
                        .headers_mut()
                        .insert("brightpearl-installed-integration-instance-id", value);
                }
                response
            } else {
                response
            }
        }
    };
    state.flush_events();
    let headers = response.headers_mut();
    headers.insert(
        "cache-control",
        HeaderValue::from_static("no-cache, must-revalidate"),
    );
    headers.insert(
        "expires",
        HeaderValue::from_static("Mon, 20 Dec 1998 01:00:00 GMT"),
    );
    headers.insert("pragma", HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("ruid", value);
    }
    headers.insert(
        "brightpearl-next-throttle-period",
        HeaderValue::from(verdict.next_period_ms),
    );
    headers.insert(
        "brightpearl-requests-remaining",
        HeaderValue::from(verdict.remaining),
    );
    headers.insert(
        "strict-transport-security",
        HeaderValue::from_static("max-age=15724800"),
    );
    response
}

/// Runs an account-relative request through the inner router, turning the framework's
/// plain-text rejections (bad path parameters, wrong method) into Brightpearl's envelope.
pub async fn dispatch(state: &AppState, request: Request) -> Response {
    let Some(inner) = state.inner.get() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "CMNU-003",
            "The sandbox is starting",
        )
        .into_response();
    };
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = match inner.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || response.status().is_success() {
        return response;
    }
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return ApiError::not_found(format!("Cannot find the resource {method} {path}"))
            .into_response();
    }
    let status = response.status();
    let detail = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    ApiError::new(status, "CMNC-400", format!("{path}: {detail}")).into_response()
}

/// A request header as text (names are case-insensitive).
pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}
