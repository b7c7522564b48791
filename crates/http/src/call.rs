//! One request as the transport sends it, and the answer it returns.

use crate::Error;
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// A request, kept whole so that the transport can send it again after a failure.
#[derive(Debug, Clone)]
pub struct Call {
    /// The HTTP method.
    pub method: Method,
    /// The full URL.
    pub url: String,
    /// The endpoint family: the circuit breaker's key and a metrics label (for example
    /// `product`, `order-search`, `sobjects`, `bulk`).
    pub family: String,
    /// Headers besides authentication (which [`crate::Auth`] adds on every attempt).
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<Bytes>,
    /// True when sending the call twice has the same effect as once (reads, upserts by
    /// external id, updates by id). A call that is not idempotent is repeated only when the
    /// server surely did not act on it.
    pub idempotent: bool,
    /// Budget units this call spends (1 for one request).
    pub cost: u32,
    /// A per-call timeout instead of the transport's.
    pub timeout: Option<Duration>,
}

impl Call {
    /// A call with no body. GET, HEAD and OPTIONS are idempotent; others are not until
    /// [`Call::idempotent`] says so.
    pub fn new(method: Method, url: impl Into<String>, family: impl Into<String>) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        Self {
            method,
            url: url.into(),
            family: family.into(),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            cost: 1,
            timeout: None,
        }
    }

    /// A GET.
    pub fn get(url: impl Into<String>, family: impl Into<String>) -> Self {
        Self::new(Method::GET, url, family)
    }

    /// Sets a JSON body (and its content type).
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Config {
            message: format!(
                "the request body for {} could not be encoded: {e}",
                self.url
            ),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self.header(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self.header(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Declares whether repeating the call is harmless.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sets a timeout for this call only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `METHOD path` without the query string (query strings can carry record data): the label
    /// errors and logs use.
    pub fn label(&self) -> String {
        let without_query = self.url.split('?').next().unwrap_or_default();
        let path = without_query
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(without_query);
        format!("{} {path}", self.method)
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// Attempts it took (1 when the first try succeeded).
    pub attempts: u32,
    /// The label of the call it answers (`METHOD path`).
    pub label: String,
}

impl Reply {
    /// Decodes the body as JSON, naming the call and showing the start of the body on failure.
    pub fn json<T: serde::de::DeserializeOwned>(&self, api: &'static str) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            api,
            label: self.label.clone(),
            message: e.to_string(),
            snippet: snippet(&self.body),
        })
    }

    /// One header as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The first 200 characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_drop_host_and_query() {
        let call = Call::get("https://x.example/public-api/acme/product/1?a=b", "product");
        assert_eq!(call.label(), "GET /public-api/acme/product/1");
        assert!(call.idempotent);
        assert!(!Call::new(Method::POST, "http://h/p", "f").idempotent);
    }
}
