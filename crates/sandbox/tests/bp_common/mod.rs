//! Starting a Brightpearl sandbox on 127.0.0.1:0 and calling it over a real socket, for the
//! Brightpearl integration tests. Include with `mod bp_common;`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use reqwest::Method;
use serde_json::Value as Json;

/// A running sandbox and a client authenticated as the private system app.
pub struct TestAccount {
    /// The sandbox (stopped on drop of the runtime).
    pub sandbox: Sandbox,
    /// `http://127.0.0.1:PORT/public-api/ACCOUNT`.
    pub base: String,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The HTTP client.
    pub http: reqwest::Client,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when empty, a string when not JSON).
    pub body: Json,
}

impl Answer {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Starts a sandbox with `options` (listen address forced to 127.0.0.1:0).
pub async fn start_with(mut options: Options) -> TestAccount {
    let _ = rustls::crypto::ring::default_provider().install_default();
    options.listen = "127.0.0.1:0".parse().unwrap();
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let base = sandbox.banner.base_url.clone();
    let origin = base.split("/public-api/").next().unwrap().to_string();
    TestAccount {
        sandbox,
        base,
        origin,
        http: reqwest::Client::new(),
    }
}

/// An account with only the standard configuration, throttling off.
pub async fn start_empty() -> TestAccount {
    start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await
}

/// An account with the demo data, throttling off.
pub async fn start_demo() -> TestAccount {
    start_with(Options {
        data: DataSet::Demo,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await
}

impl TestAccount {
    /// A request to `path` (relative to the account, e.g. `/order-service/order/1`) with the
    /// private system app's headers.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let banner = &self.sandbox.banner;
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-account-token", &banner.account_token)
    }

    /// Sends a call with an optional JSON body and reads the answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<Json>) -> Answer {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Json) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    /// POST that must succeed with `{"response": id}`; returns the id.
    pub async fn create(&self, path: &str, body: Json) -> u64 {
        let answer = self.post(path, body.clone()).await;
        assert_eq!(answer.status, 200, "POST {path} {body}: {:?}", answer.body);
        answer.body["response"]
            .as_u64()
            .unwrap_or_else(|| panic!("POST {path}: no id in {:?}", answer.body))
    }

    /// A call to the admin API (`/__sandbox/...`).
    pub async fn admin(&self, method: Method, path: &str, body: Option<Json>) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/__sandbox{path}", self.origin));
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }
}

/// Sends and reads a request.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    let body = if text.is_empty() {
        Json::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Json::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}
