//! Shared by the sandbox's black-box tests: start a sandbox on 127.0.0.1:0 and get an HTTP
//! client that trusts it (over HTTPS when asked).
#![allow(dead_code)]

use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use std::sync::Arc;

/// A running sandbox and a client for it.
pub struct TestOrg {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// A client that trusts the sandbox's CA (when TLS is on).
    pub http: reqwest::Client,
    /// `instance_url` from the banner.
    pub base: String,
    /// A valid access token.
    pub token: String,
}

impl TestOrg {
    /// `{base}/services/data/v{version}{path}`.
    pub fn data_url(&self, version: &str, path: &str) -> String {
        format!("{}/services/data/v{version}{path}", self.base)
    }

    /// A GET with the bearer token.
    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.get(url).bearer_auth(&self.token)
    }

    /// Sends `method` to `/services/data/v59.0{path}` with a JSON body (or none) and returns
    /// the status and the body parsed as JSON (`Null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.call_version("59.0", method, path, body).await
    }

    /// [`TestOrg::call`] at another API version.
    pub async fn call_version(
        &self,
        version: &str,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.request(method, &self.data_url(version, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body read");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }

    /// Creates a record through REST and returns its id (panics on failure: setup only).
    pub async fn create(&self, object: &str, body: serde_json::Value) -> String {
        let (status, json) = self
            .call("POST", &format!("/sobjects/{object}"), Some(body))
            .await;
        assert_eq!(status, 201, "creating {object}: {json}");
        json["id"].as_str().expect("id").to_string()
    }

    /// A request with the bearer token.
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).bearer_auth(&self.token)
    }
}

/// Starts a sandbox with the demo data over plain HTTP.
pub async fn start() -> TestOrg {
    start_with(Options::default()).await
}

/// Starts an empty org over plain HTTP.
pub async fn start_empty() -> TestOrg {
    start_with(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await
}

/// Starts a sandbox with these options and a client that trusts it.
pub async fn start_with(options: Options) -> TestOrg {
    // reqwest is built without a default crypto provider (ring is the workspace's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = options.tls;
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let mut builder = reqwest::Client::builder().no_proxy();
    if tls {
        let ca = std::fs::read(sandbox.banner.ca_cert.as_ref().expect("ca_cert in banner"))
            .expect("CA file readable");
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut ca.as_slice()) {
            roots.add(cert.expect("PEM cert")).expect("CA accepted");
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        builder = builder.tls_backend_preconfigured(config);
    }
    let http = builder.build().expect("client");
    TestOrg {
        base: sandbox.banner.instance_url.clone(),
        token: sandbox.banner.access_token.clone(),
        sandbox,
        http,
    }
}
