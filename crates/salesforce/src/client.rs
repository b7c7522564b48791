//! The Salesforce client: URLs relative to the instance, the call-options header that tags
//! Ferry's writes, and one transport per org.

use crate::api::SalesforceApi;
use crate::auth::Session;
use ferry_http::budget::{BudgetSpec, Budgets};
use ferry_http::{Call, Error, HeaderName, HeaderValue, Method, Reply, Transport, TransportConfig};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// `Sforce-Call-Options`.
pub const CALL_OPTIONS: &str = "sforce-call-options";

/// How the client talks to one org.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The REST API version without the `v` (`62.0`).
    pub api_version: String,
    /// The client id sent as `Sforce-Call-Options: client=…` on every call, so that change
    /// events caused by Ferry carry it in `changeOrigin` and can be dropped (echo suppression).
    pub client_name: String,
    /// Percent of the org's daily allocation Ferry may use.
    pub daily_api_percent: u8,
    /// Calls one run may make, if limited.
    pub run_api_calls: Option<u64>,
    /// Records above which a write goes through Bulk API 2.0 instead of Collections.
    pub bulk_threshold: usize,
    /// A request's timeout.
    pub timeout: Duration,
    /// Extra CA certificate (PEM text) to trust.
    pub ca_pem: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            api_version: "62.0".into(),
            client_name: "ferry".into(),
            daily_api_percent: 80,
            run_api_calls: None,
            bulk_threshold: 2000,
            timeout: Duration::from_secs(120),
            ca_pem: None,
        }
    }
}

/// One org. Cheap to clone; clones share the transport (budget, breakers, counters) and the
/// session.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    session: Arc<dyn Session>,
    settings: Arc<Settings>,
    call_options: HeaderValue,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("instance_url", &self.session.instance_url())
            .field("api_version", &self.settings.api_version)
            .finish_non_exhaustive()
    }
}

/// Builds the HTTP client every Salesforce call uses (also for token requests).
pub fn http_client(settings: &Settings) -> Result<ferry_http::reqwest::Client, Error> {
    ferry_http::client_builder(settings.ca_pem.as_deref())?
        .build()
        .map_err(|e| Error::Config {
            message: format!("the HTTP client could not be built: {e}"),
        })
}

impl Client {
    /// A client for the org behind `session`, spending its budget from `budgets`.
    pub fn new(
        settings: Settings,
        session: Arc<dyn Session>,
        budgets: &Budgets,
        config: TransportConfig,
    ) -> Result<Self, Error> {
        validate_version(&settings.api_version)?;
        let call_options = HeaderValue::from_str(&format!("client={}", settings.client_name))
            .map_err(|_| Error::Config {
                message: format!(
                    "salesforce.client_name {:?} cannot be sent in a header; use letters, \
                     digits, '-' and '_'",
                    settings.client_name
                ),
            })?;
        let http = http_client(&settings)?;
        let budget = budgets.get(
            &format!("salesforce:{}", session.instance_url()),
            BudgetSpec::Daily {
                percent: settings.daily_api_percent.clamp(1, 100),
                run_limit: settings.run_api_calls,
            },
        );
        let config = TransportConfig {
            timeout: settings.timeout,
            ..config
        };
        let auth: Arc<dyn ferry_http::Auth> = session.clone();
        let transport = Transport::new(Arc::new(SalesforceApi), http, budget, auth, config);
        Ok(Self {
            transport: Arc::new(transport),
            session,
            settings: Arc::new(settings),
            call_options,
        })
    }

    /// The transport (budget, breakers, counters).
    pub fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The session.
    pub fn session(&self) -> &Arc<dyn Session> {
        &self.session
    }

    /// `{instance_url}/services/data/v{version}{path}`.
    pub fn data_url(&self, path: &str) -> String {
        format!(
            "{}/services/data/v{}{}",
            self.session.instance_url().trim_end_matches('/'),
            self.settings.api_version,
            if path.starts_with('/') || path.is_empty() {
                path.to_owned()
            } else {
                format!("/{path}")
            }
        )
    }

    /// `{instance_url}{path}` for paths Salesforce hands out whole (`nextRecordsUrl`,
    /// `contentUrl`, record `url`s).
    pub fn root_url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.session.instance_url().trim_end_matches('/'),
            path
        )
    }

    /// A call to a data path (`/sobjects/Account/describe`), tagged with the call options.
    pub fn call(&self, method: Method, path: &str) -> Call {
        self.tag(Call::new(method, self.data_url(path), family_of(path)))
    }

    /// A call to a root-relative path (`/services/data/v62.0/query/01g…-2000`).
    pub fn call_root(&self, method: Method, path: &str) -> Call {
        let data_path = path
            .split_once("/services/data/")
            .and_then(|(_, rest)| rest.split_once('/').map(|(_, p)| p))
            .unwrap_or(path);
        self.tag(Call::new(method, self.root_url(path), family_of(data_path)))
    }

    /// Adds `Sforce-Call-Options` to a call built elsewhere.
    pub fn tag(&self, call: Call) -> Call {
        call.header(
            HeaderName::from_static(CALL_OPTIONS),
            self.call_options.clone(),
        )
    }

    /// Sends a call.
    pub async fn send(&self, call: &Call) -> Result<Reply, Error> {
        self.transport.send(call).await
    }

    /// GETs a data path and decodes the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let reply = self.send(&self.call(Method::GET, path)).await?;
        reply.json("salesforce")
    }
}

fn validate_version(version: &str) -> Result<(), Error> {
    let ok = version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.chars().all(|c| c.is_ascii_digit())
            && minor.chars().all(|c| c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Config {
            message: format!(
                "salesforce.api_version {version:?} is not a version: write it like 62.0 \
                 (without the v)"
            ),
        })
    }
}

/// The endpoint family of a data path: `sobjects/Account`, `composite/sobjects`,
/// `jobs/ingest`, `query`, `limits` — the key of its circuit breaker and metrics.
pub fn family_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => "versions".into(),
        [first @ ("sobjects" | "composite" | "jobs"), second, ..] => format!("{first}/{second}"),
        [first, ..] => (*first).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_group_calls_by_resource() {
        assert_eq!(
            family_of("/sobjects/Account/001000000000001AAA"),
            "sobjects/Account"
        );
        assert_eq!(
            family_of("/composite/sobjects/Account/ExternalID__c"),
            "composite/sobjects"
        );
        assert_eq!(family_of("/jobs/ingest/750x/batches"), "jobs/ingest");
        assert_eq!(family_of("/query?q=SELECT+Id+FROM+Account"), "query");
        assert_eq!(family_of("/query/01gx-2000"), "query");
    }

    #[test]
    fn versions_are_checked() {
        assert!(validate_version("62.0").is_ok());
        assert!(validate_version("v62.0").is_err());
        assert!(validate_version("62").is_err());
    }
}
