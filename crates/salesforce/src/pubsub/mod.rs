//! Salesforce's Pub/Sub API (reference §9.5, §9.6): change data capture and platform events
//! over gRPC.
//!
//! [`PubSub`] holds one HTTP/2 channel to the endpoint (TLS with the system roots plus an
//! optional extra CA, or plaintext for `http://` URLs such as a local sandbox), puts the auth
//! metadata (`accesstoken`, `instanceurl`, `tenantid`) on every call, and caches event schemas
//! by id. [`Subscription`] is one `Subscribe` stream with flow control: it asks for at most
//! [`PubSubSettings::batch_size`] events, tops the credit up only when the caller comes back
//! for more (so a caller that journals a batch before calling [`Subscription::next`] again
//! never has more than one batch in memory), decodes each payload, and reconnects with backoff
//! after the newest event it handed out.
//!
//! **Architecture invariant:** this module knows the wire (gRPC, Avro, bitmaps), not Ferry's
//! journal: the engine's CDC source decides what an event means and when it is durable.

mod avro;
mod error;
mod event;
mod subscription;

pub use avro::{EventSchema, SchemaField, to_json};
pub use error::{AUTH_ERROR, AUTH_REFRESH_INVALID, PubSubError, REPLAY_CORRUPTED, TOPIC_NOT_FOUND};
pub use event::{
    ChangeEventHeader, ChangeType, Event, ReplayId, decode_bitmap, is_echo, origin_client,
};
pub use subscription::{Received, Replay, Subscription};

use crate::auth::Session;
use error::{Failure, classify, error_code};
use ferry_core::RetryPolicy;
use ferry_http::HeaderMap;
use ferry_sfproto::pub_sub_client::PubSubClient;
use ferry_sfproto::{SchemaRequest, TopicInfo, TopicRequest};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};

/// Salesforce's global Pub/Sub endpoint.
pub const DEFAULT_URL: &str = "https://api.pubsub.salesforce.com:7443";
/// The most events one Subscribe stream may have outstanding (the server caps larger requests).
pub const MAX_BATCH: u16 = 100;

/// How to reach the Pub/Sub API.
#[derive(Debug, Clone)]
pub struct PubSubSettings {
    /// The endpoint: [`DEFAULT_URL`], or a sandbox's `grpc_url`. `http://` means plaintext.
    pub url: String,
    /// The org id (`tenantid` metadata), the `/id/<ORG>/…` part of the token answer's `id`.
    pub tenant_id: String,
    /// An extra CA certificate (PEM) to trust besides the system roots (a sandbox's).
    pub ca_pem: Option<String>,
    /// Events requested per FetchRequest (1..=100).
    pub batch_size: u16,
    /// Backoff between reconnects; `max_attempts` consecutive failures end the subscription.
    pub retry: RetryPolicy,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl PubSubSettings {
    /// Settings for `url` and the org `tenant_id`, with the defaults for the rest.
    pub fn new(url: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            tenant_id: tenant_id.into(),
            ca_pem: None,
            batch_size: MAX_BATCH,
            retry: RetryPolicy {
                max_attempts: 12,
                base_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(30),
            },
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The org id in an identity URL (`https://login.salesforce.com/id/00D…/005…`).
pub fn org_id_from_identity(id_url: &str) -> Option<&str> {
    let mut parts = id_url.trim_end_matches('/').rsplit('/');
    let _user = parts.next()?;
    let org = parts.next()?;
    (parts.next()? == "id" && !org.is_empty()).then_some(org)
}

/// One org's Pub/Sub API. Cheap to clone: clones share the channel and the schema cache.
#[derive(Clone)]
pub struct PubSub {
    grpc: PubSubClient<Channel>,
    session: Arc<dyn Session>,
    settings: Arc<PubSubSettings>,
    /// Parsed schemas by id; a schema id names one immutable schema, so entries never go stale.
    schemas: Arc<Mutex<HashMap<String, Arc<EventSchema>>>>,
}

impl std::fmt::Debug for PubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSub")
            .field("url", &self.settings.url)
            .field("tenant_id", &self.settings.tenant_id)
            .finish_non_exhaustive()
    }
}

impl PubSub {
    /// A client for `settings.url` acting as `session`. The channel connects on first use.
    pub fn new(settings: PubSubSettings, session: Arc<dyn Session>) -> Result<Self, PubSubError> {
        let config = |message: String| PubSubError::Config { message };
        if settings.tenant_id.trim().is_empty() {
            return Err(config(
                "salesforce.tenant_id (the org id, 00D…) is empty; the Pub/Sub API needs it in \
                 the tenantid metadata"
                    .into(),
            ));
        }
        let mut endpoint = Endpoint::from_shared(settings.url.clone())
            .map_err(|e| {
                config(format!(
                    "the Pub/Sub URL {:?} is not a URL ({e}); use {DEFAULT_URL} or the \
                     sandbox's grpc_url",
                    settings.url
                ))
            })?
            .connect_timeout(settings.connect_timeout)
            .http2_keep_alive_interval(Duration::from_secs(60))
            .keep_alive_while_idle(true);
        if settings.url.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_native_roots();
            if let Some(pem) = &settings.ca_pem {
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            endpoint = endpoint.tls_config(tls).map_err(|e| {
                config(format!(
                    "TLS for the Pub/Sub URL {} cannot be set up: {e}",
                    settings.url
                ))
            })?;
        } else if !settings.url.starts_with("http://") {
            return Err(config(format!(
                "the Pub/Sub URL {:?} must start with https:// (or http:// for a local sandbox)",
                settings.url
            )));
        }
        let channel = endpoint.connect_lazy();
        Ok(Self {
            grpc: PubSubClient::new(channel),
            session,
            settings: Arc::new(settings),
            schemas: Arc::default(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &PubSubSettings {
        &self.settings
    }

    /// The session.
    pub fn session(&self) -> &Arc<dyn Session> {
        &self.session
    }

    /// Wraps `message` with the auth metadata; returns the credentials' generation too (to
    /// renew exactly those when the server refuses them).
    pub(crate) async fn request<T>(&self, message: T) -> Result<(Request<T>, u64), PubSubError> {
        let mut headers = HeaderMap::new();
        let generation = self.session.authorize(&mut headers).await?;
        let token = headers
            .get(ferry_http::reqwest::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).to_owned())
            .ok_or_else(|| PubSubError::Config {
                message: "the Salesforce session produced no bearer token".into(),
            })?;
        let value = |name: &str, text: &str| {
            MetadataValue::try_from(text).map_err(|_| PubSubError::Config {
                message: format!("the {name} metadata cannot carry {} characters", text.len()),
            })
        };
        let mut request = Request::new(message);
        let metadata = request.metadata_mut();
        let mut token = value("accesstoken", &token)?;
        token.set_sensitive(true);
        metadata.insert("accesstoken", token);
        metadata.insert(
            "instanceurl",
            value("instanceurl", &self.session.instance_url())?,
        );
        metadata.insert("tenantid", value("tenantid", &self.settings.tenant_id)?);
        Ok((request, generation))
    }

    /// Calls a unary RPC, renewing the session once when the server refuses it and retrying
    /// transient failures with backoff.
    async fn unary<T, R, F, Fut>(&self, what: &str, message: T, call: F) -> Result<R, PubSubError>
    where
        T: Clone,
        F: Fn(PubSubClient<Channel>, Request<T>) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<R>, Status>>,
    {
        let mut renewed = false;
        let mut attempt: u32 = 0;
        loop {
            let (request, generation) = self.request(message.clone()).await?;
            let status = match call(self.grpc.clone(), request).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) => status,
            };
            match classify(&status) {
                Failure::Auth if !renewed && self.session.renewable() => {
                    renewed = true;
                    self.session.renew(generation).await?;
                }
                Failure::Transient => {
                    attempt += 1;
                    if attempt >= self.settings.retry.max_attempts {
                        return Err(PubSubError::GaveUp {
                            what: what.to_owned(),
                            attempts: attempt,
                            last: status.message().to_owned(),
                        });
                    }
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                failure => return Err(status_error(failure, what, what, None, &status)),
            }
        }
    }

    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        self.settings
            .retry
            .backoff(i64::from(attempt), rand::random::<f64>())
            .max(Duration::from_millis(20))
    }

    /// `GetTopic`: whether the topic exists, its schema id and what the user may do with it.
    pub async fn get_topic(&self, topic: &str) -> Result<TopicInfo, PubSubError> {
        let message = TopicRequest {
            topic_name: topic.to_owned(),
        };
        self.unary(
            &format!("GetTopic {topic}"),
            message,
            |mut grpc, request| async move { grpc.get_topic(request).await },
        )
        .await
        .map_err(|e| match e {
            PubSubError::Rejected { message, .. } if topic_missing(&message) => {
                PubSubError::TopicNotFound {
                    topic: topic.to_owned(),
                    message,
                }
            }
            other => other,
        })
    }

    /// `GetSchema`, cached by schema id.
    pub async fn get_schema(&self, schema_id: &str) -> Result<Arc<EventSchema>, PubSubError> {
        if let Some(schema) = self.cached(schema_id) {
            return Ok(schema);
        }
        let message = SchemaRequest {
            schema_id: schema_id.to_owned(),
        };
        let info = self
            .unary(
                &format!("GetSchema {schema_id}"),
                message,
                |mut grpc, request| async move { grpc.get_schema(request).await },
            )
            .await?;
        let schema = EventSchema::parse(schema_id, &info.schema_json).map_err(|message| {
            PubSubError::Rejected {
                what: format!("GetSchema {schema_id}"),
                code: tonic::Code::DataLoss,
                error_code: None,
                message,
            }
        })?;
        let schema = Arc::new(schema);
        if let Ok(mut cache) = self.schemas.lock() {
            cache.insert(schema_id.to_owned(), schema.clone());
        }
        Ok(schema)
    }

    fn cached(&self, schema_id: &str) -> Option<Arc<EventSchema>> {
        self.schemas.lock().ok()?.get(schema_id).cloned()
    }

    /// Opens a subscription to `topic` from `start`.
    pub async fn subscribe(&self, topic: &str, start: Replay) -> Result<Subscription, PubSubError> {
        Subscription::open(self.clone(), topic.to_owned(), start).await
    }
}

fn topic_missing(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("not found") || lower.contains("notfound")
}

/// Turns a classified failure into the caller's error.
pub(crate) fn status_error(
    failure: Failure,
    what: &str,
    topic: &str,
    replay_id: Option<ReplayId>,
    status: &Status,
) -> PubSubError {
    let message = status.message().to_owned();
    match failure {
        Failure::Auth => PubSubError::Unauthorized {
            topic: topic.to_owned(),
            message,
        },
        Failure::ReplayInvalid => PubSubError::ReplayInvalid {
            topic: topic.to_owned(),
            replay_id,
            message,
        },
        Failure::TopicNotFound => PubSubError::TopicNotFound {
            topic: topic.to_owned(),
            message,
        },
        Failure::Transient | Failure::Permanent => PubSubError::Rejected {
            what: what.to_owned(),
            code: status.code(),
            error_code: error_code(status),
            message,
        },
    }
}

#[cfg(test)]
mod tests;
