//! The HTTP surface: one module per API family, sharing [`AppState`], the request guard
//! (faults → session → API limit, and `Sforce-Limit-Info` on the way out), the
//! [`ApiVersion`] extractor and the error type.

pub mod admin;
pub mod bulk;
pub mod cdc_admin;
pub mod collections;
pub mod composite;
pub mod describe;
pub mod error;
pub mod oauth;
pub mod query;
pub mod rest;
pub mod soap;

pub use error::{ApiError, RecordError};

use super::auth::{Auth, Session};
use super::faults::{FaultSettings, Faults};
use super::limits::Limits;
use super::org::Org;
use super::schema::Schema;
use super::{persist, seed};
use crate::serve::{ServerHandle, serve};
use anyhow::Context as _;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;

/// Which data a new org starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataSet {
    /// Realistic retail data: accounts, contacts, products with prices, opportunities, orders.
    #[default]
    Demo,
    /// Only what every org has: the users and the standard price book.
    Empty,
}

/// How to run a Salesforce sandbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Serve HTTPS with a freshly generated CA.
    pub tls: bool,
    /// Where to write the CA certificate (PEM) when TLS is on; a temporary file otherwise.
    pub cert_out: Option<PathBuf>,
    /// An access token that is always valid (for the sandbox's admin user).
    pub access_token: Option<String>,
    /// Initial data when no state file exists yet.
    pub data: DataSet,
    /// Persist the org here across restarts.
    pub state_file: Option<PathBuf>,
    /// Daily API request allocation (`DailyApiRequests.Max`).
    pub daily_api_limit: u64,
    /// A schema file extending the built-in one.
    pub schema_file: Option<PathBuf>,
    /// A PEM certificate (or public key) that verifies JWT bearer assertions.
    pub jwt_cert: Option<PathBuf>,
    /// Faults to inject from the start.
    pub faults: FaultSettings,
    /// Lifetime of issued access tokens, in seconds.
    pub session_seconds: u64,
    /// Serve the Pub/Sub API (gRPC) on this address too; port 0 picks a free port. TLS when
    /// `tls` is on, with the same certificate as HTTPS.
    pub grpc_listen: Option<SocketAddr>,
    /// Keepalive interval of idle Pub/Sub subscriptions in milliseconds (Salesforce: 270 s,
    /// the default).
    pub pubsub_keepalive_ms: Option<u64>,
    /// How long change and platform events are kept for replay (Salesforce: 72 hours).
    pub event_retention_hours: u64,
    /// A transaction with more changes than this sends this many change events, then one
    /// `GAP_OVERFLOW` per object (Salesforce: 100,000; lower it in tests).
    pub event_overflow_threshold: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            cert_out: None,
            access_token: None,
            data: DataSet::Demo,
            state_file: None,
            daily_api_limit: 100_000,
            schema_file: None,
            jwt_cert: None,
            faults: FaultSettings::default(),
            session_seconds: 7200,
            grpc_listen: None,
            pubsub_keepalive_ms: None,
            event_retention_hours: 72,
            event_overflow_threshold: 100_000,
        }
    }
}

/// What the sandbox prints on start: one JSON line with everything a client needs.
#[derive(Debug, Clone, Serialize)]
pub struct Banner {
    /// Base URL of every API (`https://127.0.0.1:PORT`).
    pub instance_url: String,
    /// OAuth token endpoint base (the same server).
    pub login_url: String,
    /// A valid access token for the admin user.
    pub access_token: String,
    /// The admin user's username.
    pub username: String,
    /// The admin user's password.
    pub password: String,
    /// The admin user's security token (appended to the password for SOAP / password flows).
    pub security_token: String,
    /// Connected app consumer key.
    pub client_id: String,
    /// Connected app consumer secret.
    pub client_secret: String,
    /// 18-character org id.
    pub org_id: String,
    /// 18-character id of the admin user.
    pub user_id: String,
    /// 18-character id of the integration user (client credentials run as it).
    pub integration_user_id: String,
    /// Path of the CA certificate to trust (TLS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
    /// Default API version clients should use.
    pub api_version: String,
    /// The Pub/Sub API's address (`https://127.0.0.1:PORT`, `http://` without TLS), when it
    /// is served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_url: Option<String>,
}

/// Everything the handlers share. Locks are taken for the span of one request's work and never
/// held across an await.
pub struct Shared {
    /// The records, schema and change log. One lock: writes are transactions over it.
    pub org: Mutex<Org>,
    /// Users, connected apps and issued tokens.
    pub auth: Mutex<Auth>,
    /// API usage counters.
    pub limits: Limits,
    /// Fault injection settings.
    pub faults: Faults,
    /// Base URL clients use.
    pub instance_url: String,
    /// Bulk API 2.0 jobs.
    pub bulk: Mutex<bulk::Jobs>,
    /// Open query cursors.
    pub cursors: Mutex<query::Cursors>,
    /// Where the org is persisted, if anywhere.
    pub state_file: Option<PathBuf>,
    /// Bumped each time the org is replaced (admin reset), whose change log starts again at 1:
    /// the autosave compares (generation, last sequence number), not the number alone.
    pub generation: std::sync::atomic::AtomicU64,
    /// The event bus: change events, platform events, replay.
    pub cdc: Arc<super::cdc::Bus>,
}

/// Handle to the shared state, cloned into every handler.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl AppState {
    /// Locks the org. A poisoned lock (a handler panicked mid-write) is recovered: every write
    /// is a transaction that rolls back on drop, so the data is consistent.
    pub fn org(&self) -> MutexGuard<'_, Org> {
        self.0.org.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the auth tables.
    pub fn auth(&self) -> MutexGuard<'_, Auth> {
        self.0.auth.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A running sandbox.
pub struct Sandbox {
    /// The bound address.
    pub local_addr: SocketAddr,
    /// The start-up line.
    pub banner: Banner,
    state: AppState,
    server: ServerHandle,
    grpc: Option<super::pubsub::Server>,
}

impl Sandbox {
    /// Loads or seeds the org, binds the listener and starts serving.
    pub async fn start(options: Options) -> anyhow::Result<Sandbox> {
        let schema = match &options.schema_file {
            Some(path) => Schema::with_extension(path)?,
            None => Schema::built_in()?,
        };
        let schema = Arc::new(schema);
        let listener = TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let local_addr = listener.local_addr()?;
        let scheme = if options.tls { "https" } else { "http" };
        let host = match local_addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let instance_url = format!("{scheme}://{host}:{}", local_addr.port());
        let grpc_listener = match options.grpc_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for the Pub/Sub API on {addr}"))?,
            ),
            None => None,
        };
        let grpc_url = match &grpc_listener {
            Some(listener) => {
                let addr = listener.local_addr()?;
                let host = match addr.ip() {
                    ip if ip.is_unspecified() => "127.0.0.1".to_string(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    ip => ip.to_string(),
                };
                Some(format!("{scheme}://{host}:{}", addr.port()))
            }
            None => None,
        };

        let tls = if options.tls {
            let generated = crate::tls::SelfSigned::generate(Some(local_addr.ip()))?;
            let path = match &options.cert_out {
                Some(path) => path.clone(),
                None => {
                    std::env::temp_dir().join(format!("ferry-sandbox-ca-{}.pem", local_addr.port()))
                }
            };
            std::fs::write(&path, &generated.ca_pem).with_context(|| {
                format!("cannot write the CA certificate to {}", path.display())
            })?;
            Some((generated.server_config, path))
        } else {
            None
        };

        let (org, auth) = match options.state_file.as_deref().filter(|p| p.exists()) {
            Some(path) => persist::load(path, schema.clone())?,
            None => seed::fresh_org(schema.clone(), options.data)?,
        };
        let mut auth = auth;
        auth.set_session_seconds(options.session_seconds);
        if let Some(path) = &options.jwt_cert {
            auth.set_jwt_certificate(path)?;
        }
        let access_token = match &options.access_token {
            Some(token) => {
                auth.add_static_token(token);
                token.clone()
            }
            None => auth.issue_admin_token(),
        };
        let banner = Banner {
            instance_url: instance_url.clone(),
            login_url: instance_url.clone(),
            access_token,
            username: auth.admin().username.clone(),
            password: auth.admin().password.clone(),
            security_token: auth.admin().security_token.clone(),
            client_id: auth.client().client_id.clone(),
            client_secret: auth.client().client_secret.clone(),
            org_id: org.org_id().to_string(),
            user_id: auth.admin().user_id.to_string(),
            integration_user_id: auth.integration().user_id.to_string(),
            ca_cert: tls.as_ref().map(|(_, path)| path.display().to_string()),
            api_version: LATEST_VERSION.to_string(),
            grpc_url,
        };
        let cdc = Arc::new(super::cdc::Bus::new(
            &schema,
            super::cdc::BusSettings {
                retention: std::time::Duration::from_secs(
                    options.event_retention_hours.saturating_mul(3600),
                ),
                overflow_threshold: options.event_overflow_threshold,
            },
        )?);
        let mut org = org;
        cdc.attach(&mut org);
        let state = AppState(Arc::new_cyclic(|shared| {
            cdc.bind(shared.clone());
            Shared {
                org: Mutex::new(org),
                auth: Mutex::new(auth),
                limits: Limits::new(options.daily_api_limit),
                faults: Faults::new(options.faults.clone()),
                instance_url,
                bulk: Mutex::new(bulk::Jobs::default()),
                cursors: Mutex::new(query::Cursors::default()),
                state_file: options.state_file.clone(),
                generation: std::sync::atomic::AtomicU64::new(0),
                cdc,
            }
        }));
        let app = router(state.clone());
        let tls = tls.map(|(config, _)| config);
        let grpc = grpc_listener.map(|listener| {
            let keepalive = options.pubsub_keepalive_ms.map_or(
                super::pubsub::DEFAULT_KEEPALIVE,
                std::time::Duration::from_millis,
            );
            super::pubsub::start(listener, tls.clone(), state.clone(), keepalive)
        });
        let server = serve(listener, tls, app);
        if state.state_file.is_some() {
            persist::spawn_autosave(state.clone(), server.shutdown_signal());
        }
        Ok(Sandbox {
            local_addr,
            banner,
            state,
            server,
            grpc,
        })
    }

    /// The shared state (for tests and the demo).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops serving and writes the state file (if any).
    pub async fn stop(self) -> anyhow::Result<()> {
        if let Some(grpc) = self.grpc {
            grpc.shutdown().await;
        }
        self.server.shutdown().await;
        if let Some(path) = &self.state.state_file {
            persist::save(&self.state, path)?;
        }
        Ok(())
    }
}

/// The newest API version the sandbox serves.
pub const LATEST_VERSION: &str = "67.0";
/// The oldest API version the sandbox serves.
pub const OLDEST_VERSION: (u32, u32) = (20, 0);

/// The largest JSON body a data call takes (Salesforce's REST limit).
pub const MAX_JSON_BODY: usize = 50 * 1024 * 1024;

/// The whole router.
pub fn router(state: AppState) -> Router {
    let data = Router::new()
        .merge(rest::routes())
        .merge(query::routes())
        .merge(collections::routes())
        .merge(composite::routes())
        .merge(bulk::routes())
        // `guard` reads every body first and enforces the limits (MAX_JSON_BODY, Bulk uploads'
        // larger one); extractors need not limit it again.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard));
    let app = Router::new()
        .nest("/services/data/{version}", data)
        .merge(rest::public_routes())
        .merge(oauth::routes())
        .merge(soap::routes())
        .merge(admin::routes())
        .fallback(|| async { ApiError::not_found() })
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(tower_http::decompression::RequestDecompressionLayer::new().gzip(true))
        .with_state(state);
    // Clients use `/x` and `/x/` interchangeably; route both.
    let app = tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        app,
    );
    Router::new().fallback_service(app)
}

/// The guard in front of every data API call: the body read whole (and size-checked), injected
/// faults, the session, then the daily API allocation; `Sforce-Limit-Info` on every call it
/// counts.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Read the whole body before anything can answer: a handler (or this guard) that answers
    // without reading it would leave bytes on the connection, hyper would close it, and a
    // client reusing the kept-alive connection would fail its next request (EPIPE).
    let limit = if request.uri().path().starts_with("/jobs/") {
        bulk::MAX_UPLOAD_BYTES
    } else {
        MAX_JSON_BODY
    };
    let (parts, body) = request.into_parts();
    let mut request = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Request::from_parts(parts, axum::body::Body::from(bytes)),
        Err(_) => {
            return ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "EXCEEDED_MAX_SIZE_REQUEST",
                format!(
                    "The request body is larger than {} MB, the most this resource accepts; send fewer records per call, or load large data through the Bulk API",
                    limit / 1024 / 1024
                ),
            )
            .into_response();
        }
    };
    if let Some(response) = state.faults.before_request().await {
        return response;
    }
    let token = bearer_token(request.headers());
    let session = token.and_then(|token| state.auth().session(&token));
    let Some(session) = session else {
        return ApiError::invalid_session().into_response();
    };
    let (used, max, allowed) = state.limits.count_call();
    let mut response = if allowed {
        let caller = Caller::new(&session, request.headers());
        request.extensions_mut().insert(session);
        request.extensions_mut().insert(caller);
        as_error_array(next.run(request).await).await
    } else {
        ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
        .into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{max}")) {
        response.headers_mut().insert("sforce-limit-info", value);
    }
    response
}

/// Turns a plain-text rejection from the HTTP framework (a path or query that cannot be
/// decoded) into Salesforce's error array, which clients expect from every data call.
async fn as_error_array(response: Response) -> Response {
    let plain_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(response.status().is_client_error() && plain_text) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    ApiError::new(parts.status, "INVALID_INPUT", detail).into_response()
}

/// The access token of a request: `Authorization: Bearer|OAuth <token>` or `X-SFDC-Session`.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        for scheme in ["Bearer ", "OAuth ", "bearer ", "oauth "] {
            if let Some(token) = value.strip_prefix(scheme) {
                return Some(token.trim().to_string());
            }
        }
    }
    headers
        .get("x-sfdc-session")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// Who is calling and how: the session's user, and the client id from `Sforce-Call-Options`
/// (recorded in the change log as the change origin).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The session.
    pub session: Session,
    /// `client=` from `Sforce-Call-Options`, if given.
    pub client: Option<String>,
}

impl Caller {
    fn new(session: &Session, headers: &axum::http::HeaderMap) -> Caller {
        let client = headers
            .get("sforce-call-options")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_call_options_client);
        Caller {
            session: session.clone(),
            client,
        }
    }
}

/// `client=ferry, defaultNamespace=x` or `client=ferry; defaultNamespace=x` → `ferry`.
pub fn parse_call_options_client(header: &str) -> Option<String> {
    header
        .split([',', ';'])
        .filter_map(|part| part.trim().split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("client"))
        .map(|(_, value)| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::invalid_session)
    }
}

/// The API version of a `/services/data/vNN.N/...` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    /// Major version (59 in 59.0).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl ApiVersion {
    /// Parses `v59.0` (or `59.0`).
    pub fn parse(text: &str) -> Option<ApiVersion> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let (major, minor) = text.split_once('.')?;
        let version = ApiVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        };
        let latest = ApiVersion::parse_plain(LATEST_VERSION)?;
        let oldest = ApiVersion {
            major: OLDEST_VERSION.0,
            minor: OLDEST_VERSION.1,
        };
        (version >= oldest && version <= latest).then_some(version)
    }

    fn parse_plain(text: &str) -> Option<ApiVersion> {
        let (major, minor) = text.split_once('.')?;
        Some(ApiVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    /// At least this major version.
    pub fn at_least(&self, major: u32) -> bool {
        self.major >= major
    }

    /// `v59.0`, as URLs spell it.
    pub fn path(&self) -> String {
        format!("v{}.{}", self.major, self.minor)
    }

    /// `59.0`.
    pub fn number(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ApiVersion, ApiError> {
        // Inside the `/services/data/{version}` nest the URI is stripped; the original keeps
        // the version segment.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(
                || parts.uri.path().to_string(),
                |uri| uri.0.path().to_string(),
            );
        let rest = path
            .strip_prefix("/services/data/")
            .ok_or_else(ApiError::not_found)?;
        let segment = rest.split('/').next().unwrap_or_default();
        if !segment.starts_with('v') {
            return Err(ApiError::not_found());
        }
        ApiVersion::parse(segment).ok_or_else(ApiError::not_found)
    }
}
