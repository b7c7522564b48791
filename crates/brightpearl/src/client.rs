//! The Brightpearl client: URLs, the envelope, and one transport per account.

use crate::api::BrightpearlApi;
use bytes::Bytes;
use ferry_http::budget::{BudgetSpec, Budgets};
use ferry_http::{Auth, Call, Error, Method, Reply, Transport, TransportConfig};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Where the account lives and how hard Ferry may call it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The host: a datacenter (`https://use1.brightpearlconnect.com`), an OAuth `api_domain`
    /// (`ws-use.brightpearl.com`, https assumed) or a sandbox (`http://127.0.0.1:PORT`). A full
    /// URI prefix ending in `/public-api/{account}` is accepted too.
    pub base_url: String,
    /// The account code.
    pub account: String,
    /// Requests per minute the account allows (200 unless Brightpearl raised it).
    pub requests_per_minute: u32,
    /// A request's timeout.
    pub timeout: Duration,
    /// Extra CA certificate (PEM text) to trust.
    pub ca_pem: Option<String>,
}

impl Settings {
    /// Settings with Brightpearl's defaults: 200 requests a minute, 60 s timeout.
    pub fn new(base_url: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            account: account.into(),
            requests_per_minute: 200,
            timeout: Duration::from_secs(60),
            ca_pem: None,
        }
    }

    /// `{scheme}://{host}/public-api/{account}`: what every resource path is appended to.
    pub fn prefix(&self) -> Result<String, Error> {
        let account = self.account.trim();
        if account.is_empty()
            || !account
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::Config {
                message: format!(
                    "brightpearl.account {:?} is not an account code: use the code from your \
                     Brightpearl URL (letters, digits, '_' and '-')",
                    self.account
                ),
            });
        }
        let mut base = self.base_url.trim().trim_end_matches('/').to_owned();
        if base.is_empty() {
            return Err(Error::Config {
                message: "brightpearl.base_url is empty: give the datacenter URL, e.g. \
                          https://use1.brightpearlconnect.com"
                    .into(),
            });
        }
        if !base.contains("://") {
            base = format!("https://{base}");
        }
        for suffix in [
            format!("/public-api/{account}"),
            format!("/2.0.0/{account}"),
            "/public-api".to_owned(),
        ] {
            if let Some(stripped) = base.strip_suffix(&suffix) {
                base = stripped.to_owned();
                break;
            }
        }
        if !(base.starts_with("https://") || base.starts_with("http://"))
            || base["https://".len().min(base.len())..].is_empty()
        {
            return Err(Error::Config {
                message: format!(
                    "brightpearl.base_url {:?} is not an http(s) URL: give e.g. \
                     https://use1.brightpearlconnect.com",
                    self.base_url
                ),
            });
        }
        Ok(format!("{base}/public-api/{account}"))
    }
}

/// One Brightpearl account. Cheap to clone; clones share the transport (and so the budget,
/// breakers and counters).
#[derive(Debug, Clone)]
pub struct Client {
    transport: Arc<Transport>,
    prefix: Arc<str>,
}

impl Client {
    /// A client for `settings`, authenticating with `auth` and spending the account's budget
    /// from `budgets` (one per account per process: share `budgets` between clients).
    pub fn new(
        settings: &Settings,
        auth: Arc<dyn Auth>,
        budgets: &Budgets,
        config: TransportConfig,
    ) -> Result<Self, Error> {
        let prefix = settings.prefix()?;
        let http = ferry_http::client_builder(settings.ca_pem.as_deref())?
            .build()
            .map_err(|e| Error::Config {
                message: format!("the HTTP client could not be built: {e}"),
            })?;
        let budget = budgets.get(
            &format!("brightpearl:{prefix}"),
            BudgetSpec::Window {
                limit: settings.requests_per_minute.max(1),
                window: Duration::from_secs(60),
            },
        );
        let config = TransportConfig {
            timeout: settings.timeout,
            ..config
        };
        let transport = Transport::new(Arc::new(BrightpearlApi), http, budget, auth, config);
        Ok(Self {
            transport: Arc::new(transport),
            prefix: prefix.into(),
        })
    }

    /// The transport (budget, breakers, counters).
    pub fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }

    /// `{prefix}{path}`; `path` starts with `/` (`/product-service/product/1001`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.prefix)
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    /// A call to `path` with this client's URL and the endpoint family taken from the path.
    pub fn call(&self, method: Method, path: &str) -> Call {
        Call::new(method, self.url(path), family_of(path))
    }

    /// Sends a prepared call.
    pub async fn send(&self, call: &Call) -> Result<Reply, Error> {
        self.transport.send(call).await
    }

    /// GETs `path` and decodes the `response` member of the envelope.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let reply = self.send(&self.call(Method::GET, path)).await?;
        response_of(&reply)
    }

    /// Sends a JSON body and decodes the `response` member (creates answer a bare id; some
    /// writes answer `{}`, which decodes as `None`).
    pub async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl serde::Serialize,
        idempotent: bool,
    ) -> Result<Option<T>, Error> {
        let call = self.call(method, path).json(body)?.idempotent(idempotent);
        let reply = self.send(&call).await?;
        optional_response_of(&reply)
    }

    /// Sends a raw body (for JSON-Patch documents and other prepared bodies).
    pub async fn write_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &'static str,
        body: impl Into<Bytes>,
        idempotent: bool,
    ) -> Result<Reply, Error> {
        let call = self
            .call(method, path)
            .body(content_type, body)
            .idempotent(idempotent);
        self.send(&call).await
    }

    /// DELETEs `path` (deleting twice is harmless: the second answers 404, which callers
    /// that retry may treat as done).
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        let call = self.call(Method::DELETE, path).idempotent(true);
        self.send(&call).await.map(|_| ())
    }
}

/// Decodes the `response` member of an envelope.
pub(crate) fn response_of<T: DeserializeOwned>(reply: &Reply) -> Result<T, Error> {
    optional_response_of(reply)?.ok_or_else(|| Error::Decode {
        api: "brightpearl",
        label: reply.label.clone(),
        message: "the answer has no `response` member".into(),
        snippet: String::from_utf8_lossy(&reply.body)
            .chars()
            .take(200)
            .collect(),
    })
}

/// Decodes the `response` member, `None` for `{}` or an empty body.
pub(crate) fn optional_response_of<T: DeserializeOwned>(reply: &Reply) -> Result<Option<T>, Error> {
    #[derive(serde::Deserialize)]
    struct Envelope<T> {
        response: Option<T>,
    }
    if reply.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let envelope: Envelope<T> = reply.json("brightpearl")?;
    Ok(envelope.response)
}

/// The endpoint family of a path: its service and resource (`product-service/product`,
/// `order-service/order-search`), the key of its circuit breaker and metrics. Ids and id sets
/// are left out so all calls to one resource share one breaker.
pub fn family_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(service), Some(resource)) if service.ends_with("-service") => {
            format!("{service}/{resource}")
        }
        (Some(first), _) => first.to_owned(),
        _ => "root".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_accept_hosts_domains_and_full_prefixes() {
        let cases = [
            (
                "https://use1.brightpearlconnect.com",
                "https://use1.brightpearlconnect.com/public-api/acme",
            ),
            (
                "ws-use.brightpearl.com",
                "https://ws-use.brightpearl.com/public-api/acme",
            ),
            (
                "http://127.0.0.1:9000/public-api/acme/",
                "http://127.0.0.1:9000/public-api/acme",
            ),
            (
                "https://ws-eu1.brightpearl.com/2.0.0/acme",
                "https://ws-eu1.brightpearl.com/public-api/acme",
            ),
        ];
        for (base, want) in cases {
            assert_eq!(
                Settings::new(base, "acme").prefix().ok().as_deref(),
                Some(want),
                "{base}"
            );
        }
        let bad = Settings::new("ftp://x", "acme").prefix().err();
        assert!(bad.is_some_and(|e| e.to_string().contains("not an http(s) URL")));
        let bad = Settings::new("https://x", "a b").prefix().err();
        assert!(bad.is_some_and(|e| e.to_string().contains("not an account code")));
    }

    #[test]
    fn families_name_service_and_resource() {
        assert_eq!(
            family_of("/product-service/product/1001-1200"),
            "product-service/product"
        );
        assert_eq!(
            family_of("/order-service/order-search?pageSize=500"),
            "order-service/order-search"
        );
        assert_eq!(family_of("/multi-message"), "multi-message");
    }
}
