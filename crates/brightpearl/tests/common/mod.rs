//! Shared by the Brightpearl client's network tests: start a Brightpearl sandbox on
//! 127.0.0.1:0, build a [`Client`] from its banner (account token, staff token or an OAuth
//! session) with a transport whose backoff and breaker are short enough for tests, and drive
//! the sandbox's admin API (faults, limits, token expiry).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::{Client, Settings};
use ferry_http::breaker::{BreakerConfig, BreakerState};
use ferry_http::budget::Budgets;
use ferry_http::{Auth, TransportConfig, reqwest};
use ferry_sandbox::brightpearl::api::{Banner, DataSet, Options, Sandbox};
use secrecy::SecretString;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

/// A running sandbox and its banner.
pub struct Bp {
    /// The sandbox (stops when dropped with the test's runtime).
    pub sandbox: Sandbox,
    /// What it printed on start.
    pub banner: Banner,
    /// A plain HTTP client for the admin API and the OAuth authorize step.
    pub http: reqwest::Client,
}

/// Options for a sandbox with `data`, throttling off and no faults.
pub fn options(data: DataSet) -> Options {
    Options {
        data,
        requests_per_minute: 0,
        ..Options::default()
    }
}

/// Starts a sandbox with `options` (listening on 127.0.0.1:0).
pub async fn start(mut options: Options) -> Bp {
    options.listen = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let banner = sandbox.banner.clone();
    let http = ferry_http::client_builder(None).unwrap().build().unwrap();
    Bp {
        sandbox,
        banner,
        http,
    }
}

/// The demo account, throttling off.
pub async fn demo() -> Bp {
    start(options(DataSet::Demo)).await
}

/// A transport for tests: 20 ms base backoff (capped at 200 ms), 10 attempts, 30 s patience,
/// and a breaker that opens after 5 failures in a row for 300 ms.
pub fn fast_transport() -> TransportConfig {
    TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
        patience: Duration::from_secs(30),
        breaker: BreakerConfig {
            threshold: 5,
            open_for: Duration::from_millis(300),
            max_open_for: Duration::from_millis(600),
        },
    }
}

impl Bp {
    /// Settings for this sandbox: its base URL and account, `requests_per_minute` for the
    /// client's own budget.
    pub fn settings(&self, requests_per_minute: u32) -> Settings {
        Settings {
            requests_per_minute,
            timeout: Duration::from_secs(30),
            ..Settings::new(&self.banner.base_url, &self.banner.account)
        }
    }

    /// A client authenticated as the private system app (account token).
    pub fn account_client(&self, requests_per_minute: u32, config: TransportConfig) -> Client {
        let auth = StaticToken::account(&self.banner.app_ref, &secret(&self.banner.account_token))
            .unwrap();
        self.client_with(Arc::new(auth), requests_per_minute, config)
    }

    /// A client with the account token, Brightpearl's default rate and [`fast_transport`].
    pub fn client(&self) -> Client {
        self.account_client(200, fast_transport())
    }

    /// A client authenticated as the private staff app (staff token + dev ref).
    pub fn staff_client(&self) -> Client {
        let auth = StaticToken::staff(
            &self.banner.app_ref,
            Some(&self.banner.dev_ref),
            &secret(&self.banner.staff_token),
        )
        .unwrap();
        self.client_with(Arc::new(auth), 200, fast_transport())
    }

    /// A client with `auth`, its own budgets (so tests never share a count).
    pub fn client_with(
        &self,
        auth: Arc<dyn Auth>,
        requests_per_minute: u32,
        config: TransportConfig,
    ) -> Client {
        Client::new(
            &self.settings(requests_per_minute),
            auth,
            &Budgets::default(),
            config,
        )
        .unwrap()
    }

    /// Calls the admin API; the answer must be 200.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Json>) -> Json {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.banner.admin_url));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body: Json = serde_json::from_slice(&bytes).unwrap_or(Json::Null);
        assert_eq!(status, 200, "admin {path}: {body}");
        body
    }

    /// Sets the API faults (`{"error_rate":0.3}`, `{"reset_rate":0.5}`, …; unspecified knobs
    /// are off).
    pub async fn set_faults(&self, faults: Json) {
        self.admin(reqwest::Method::PUT, "/faults", Some(faults))
            .await;
    }

    /// Turns every fault off.
    pub async fn clear_faults(&self) {
        self.set_faults(json!({})).await;
    }

    /// Makes the whole API answer 503 from now for `length`.
    pub async fn outage(&self, length: Duration) {
        let now = ferry_http::budget::now_ms();
        let end = now + i64::try_from(length.as_millis()).unwrap();
        self.set_faults(json!({"outages": [{"start_ms": now - 1, "end_ms": end}]}))
            .await;
    }

    /// Expires every OAuth access token; returns how many.
    pub async fn expire_tokens(&self) -> u64 {
        let body = self
            .admin(reqwest::Method::POST, "/tokens/expire", None)
            .await;
        body["expired"].as_u64().unwrap()
    }

    /// The record counts (`/__sandbox/state` `counts`).
    pub async fn counts(&self) -> Json {
        self.admin(reqwest::Method::GET, "/state", None).await["counts"].clone()
    }
}

/// A secret from banner text.
pub fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// The state name of `family`'s breaker (`closed` when it never ran).
pub fn breaker_state(client: &Client, family: &str) -> BreakerState {
    client
        .transport()
        .breakers()
        .into_iter()
        .find(|(f, _)| f == family)
        .map(|(_, state)| state)
        .unwrap_or(BreakerState::Closed { failures: 0 })
}

/// A token store that remembers every pair it is handed.
#[derive(Default)]
pub struct RecordingStore {
    /// The refresh tokens saved, in order.
    pub saved: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl ferry_brightpearl::auth::TokenStore for RecordingStore {
    async fn save(&self, tokens: &ferry_brightpearl::auth::OAuthTokens) -> Result<(), String> {
        use secrecy::ExposeSecret;
        self.saved
            .lock()
            .unwrap()
            .push(tokens.refresh_token.expose_secret().to_owned());
        Ok(())
    }
}

/// An OAuth instance app's connection, made through the sandbox's code grant.
pub struct OAuth {
    /// The client calling with the session's bearer token.
    pub client: Client,
    /// The session (to read its current tokens).
    pub session: Arc<ferry_brightpearl::auth::OAuthSession>,
    /// Where renewed tokens went.
    pub store: Arc<RecordingStore>,
    /// The refresh token the code grant gave.
    pub first_refresh: String,
}

impl Bp {
    /// Runs the code grant (authorize → redirect with a code → token exchange) and builds an
    /// OAuth client from the answer.
    pub async fn oauth_client(&self) -> OAuth {
        use ferry_brightpearl::auth::{OAuthApp, OAuthSession};
        use secrecy::ExposeSecret;
        let redirect = "https://ferry.example.test/oauth/brightpearl";
        let encode = |text: &str| {
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        };
        let url = format!(
            "{}?response_type=code&client_id={}&redirect_uri={}&state=st-1",
            self.banner.oauth_authorize_url,
            encode(&self.banner.client_id),
            encode(redirect)
        );
        let authorize = self.http.get(url).send().await.unwrap();
        assert!(
            authorize.status().is_redirection(),
            "authorize answered {}",
            authorize.status()
        );
        let location = authorize.headers()["location"].to_str().unwrap().to_owned();
        let query = location.split_once('?').unwrap().1;
        let code = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("code="))
            .map(|c| {
                percent_encoding::percent_decode_str(c)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
            .expect("the redirect carries a code");
        let app = OAuthApp {
            app_ref: self.banner.client_id.clone(),
            dev_ref: self.banner.dev_ref.clone(),
            client_secret: Some(secret(&self.banner.client_secret)),
            token_url: self.banner.oauth_token_url.clone(),
        };
        let tokens = app
            .exchange_code(&self.http, &code, redirect)
            .await
            .unwrap();
        let first_refresh = tokens.refresh_token.expose_secret().to_owned();
        let store = Arc::new(RecordingStore::default());
        let session =
            Arc::new(OAuthSession::new(app, tokens, self.http.clone(), store.clone()).unwrap());
        let client = self.client_with(session.clone(), 200, fast_transport());
        OAuth {
            client,
            session,
            store,
            first_refresh,
        }
    }
}
