//! Shared by the Salesforce client's network tests: start a Salesforce sandbox on
//! 127.0.0.1:0 and build a [`Client`] for it, with a transport whose backoff and breaker are
//! short enough for tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_http::TransportConfig;
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_salesforce::auth::FixedSession;
use ferry_salesforce::{Client, Settings};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::Options;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// Starts a sandbox with `options` and a client for it, authenticated with the banner's
/// access token (a [`FixedSession`]) and using [`fast_transport`]. Over TLS the client trusts
/// the sandbox's CA.
pub async fn sandbox(options: Options) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let client = client_for(&sandbox, Settings::default(), fast_transport());
    (sandbox, client)
}

/// A client for a running sandbox with these settings and transport (banner token, CA
/// trusted when TLS is on).
pub fn client_for(sandbox: &Sandbox, settings: Settings, config: TransportConfig) -> Client {
    let session = Arc::new(FixedSession::new(
        sandbox.banner.instance_url.clone(),
        SecretString::from(sandbox.banner.access_token.clone()),
    ));
    Client::new(
        settings_for(sandbox, settings),
        session,
        &Budgets::default(),
        config,
    )
    .expect("client builds")
}

/// `settings` with the sandbox's CA (when TLS is on) filled in.
pub fn settings_for(sandbox: &Sandbox, settings: Settings) -> Settings {
    let ca_pem = sandbox
        .banner
        .ca_cert
        .as_ref()
        .map(|path| std::fs::read_to_string(path).expect("CA file readable"));
    Settings {
        ca_pem: ca_pem.or(settings.ca_pem),
        ..settings
    }
}

/// A transport for tests: 10 ms base backoff (capped at 100 ms), 8 attempts, 30 s patience,
/// and a breaker that opens after 5 failures in a row for 200 ms.
pub fn fast_transport() -> TransportConfig {
    TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        },
        patience: Duration::from_secs(30),
        breaker: BreakerConfig {
            threshold: 5,
            open_for: Duration::from_millis(200),
            max_open_for: Duration::from_millis(400),
        },
    }
}

/// A plain reqwest client (redirects not followed) that trusts the sandbox, for test set-up
/// and for driving the browser side of the authorization-code flow.
pub fn plain_http(sandbox: &Sandbox) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &sandbox.banner.ca_cert {
        let pem = std::fs::read(path).expect("CA file readable");
        let cert = reqwest::Certificate::from_pem(&pem).expect("CA certificate");
        builder = builder.add_root_certificate(cert);
    }
    builder.build().expect("client")
}
