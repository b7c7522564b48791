//! The Pub/Sub API (`eventbus.v1.PubSub` over gRPC): the surface real Salesforce clients use to
//! read change events and platform events, served from the sandbox's event [`Bus`].
//!
//! Every call is authenticated by the `accesstoken` / `instanceurl` / `tenantid` metadata, as
//! the real service does; every error is a gRPC status whose message carries `rpcId: <uuid>`
//! and, where Salesforce sends one, an `error-code` trailer (reference §9.5, §9.6).
//!
//! The server runs on its own listener ([`start`]), plain HTTP/2 or TLS with the certificate
//! the HTTPS server uses, through the same accept loop as the REST surface.

mod publish;
mod subscribe;

use super::api::AppState;
use super::cdc::{Bus, BusError};
use crate::serve::{ServerHandle, serve};
use ferry_sfproto::pub_sub_server::{PubSub, PubSubServer};
use ferry_sfproto::{
    FetchResponse, ManagedFetchRequest, ManagedFetchResponse, PublishRequest, PublishResponse,
    SchemaInfo, SchemaRequest, TopicInfo, TopicRequest,
};
use futures_util::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Code, Request, Response, Status, Streaming};

/// The `error-code` of a missing, invalid or expired token (or a wrong org / instance).
pub const AUTH_ERROR: &str = "sfdc.platform.eventbus.grpc.service.auth.error";
/// The `error-code` of a replay id that is malformed, expired (older than the retention
/// window) or beyond the newest event.
pub const REPLAY_CORRUPTED: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
/// The `error-code` of a topic that does not exist (or is not enabled for change events).
pub const TOPIC_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.subscription.topic.notfound";
/// The `error-code` of a schema id the org does not know.
pub const SCHEMA_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.schema.notfound";

/// Salesforce's keepalive interval: an idle subscription gets an empty `FetchResponse`
/// carrying `latest_replay_id` within 270 s.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(270);

/// A running Pub/Sub API server.
pub struct Server {
    handle: ServerHandle,
    /// Tells open subscriptions to end, so that shutdown does not wait on long-lived streams.
    stop: watch::Sender<bool>,
}

impl Server {
    /// Ends open streams (UNAVAILABLE), stops accepting and waits for the connections.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.handle.shutdown().await;
    }
}

/// Serves the Pub/Sub API on `listener` (TLS when `tls` is given) until shut down.
pub fn start(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: AppState,
    keepalive: Duration,
) -> Server {
    let (stop, stopped) = watch::channel(false);
    let service = Service {
        state,
        keepalive,
        stopped,
    };
    let router = tonic::service::Routes::new(PubSubServer::new(service)).into_axum_router();
    Server {
        handle: serve(listener, tls, router),
        stop,
    }
}

/// The gRPC service: shares the sandbox's state with the HTTP surface.
#[derive(Clone)]
pub struct Service {
    state: AppState,
    keepalive: Duration,
    stopped: watch::Receiver<bool>,
}

/// A boxed response stream.
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A new rpc id: every call has one, and every error message names it (`rpcId: ...`), as
/// Salesforce's do, so that a user can quote it.
fn rpc_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A status with Salesforce's `error-code` trailer (when given) and `rpcId` in the message.
pub(crate) fn status(
    code: Code,
    error_code: Option<&'static str>,
    message: &str,
    rpc_id: &str,
) -> Status {
    let mut metadata = MetadataMap::new();
    if let Some(error_code) = error_code {
        metadata.insert("error-code", MetadataValue::from_static(error_code));
    }
    Status::with_metadata(code, format!("{message} rpcId: {rpc_id}"), metadata)
}

/// The wire form of a replay id: the u64 as 8 big-endian bytes.
pub fn replay_bytes(replay_id: u64) -> Vec<u8> {
    replay_id.to_be_bytes().to_vec()
}

/// Reads a replay id sent by a client; `None` unless it is exactly 8 bytes (the form this
/// server hands out).
pub fn parse_replay(bytes: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(bytes).ok().map(u64::from_be_bytes)
}

/// The status a bus error becomes.
fn bus_status(error: BusError, rpc_id: &str) -> Status {
    match error {
        BusError::UnknownTopic(topic) => topic_not_found(&topic, rpc_id),
        BusError::ReplayInvalid { replay_id, reason } => status(
            Code::InvalidArgument,
            Some(REPLAY_CORRUPTED),
            &format!(
                "The replay ID {replay_id} is not valid: {reason}. Subscribe again with the LATEST or EARLIEST replay preset."
            ),
            rpc_id,
        ),
        BusError::Publish(message) => status(
            Code::InvalidArgument,
            None,
            &format!("The events could not be published: {message}."),
            rpc_id,
        ),
    }
}

fn topic_not_found(topic: &str, rpc_id: &str) -> Status {
    status(
        Code::NotFound,
        Some(TOPIC_NOT_FOUND),
        &format!(
            "The topic {topic:?} does not exist. Topic names are case-sensitive: /data/ChangeEvents, /data/<Object>ChangeEvent (e.g. /data/AccountChangeEvent, /data/Employee__ChangeEvent) or /event/<Name>__e for a defined platform event."
        ),
        rpc_id,
    )
}

impl Service {
    fn bus(&self) -> &Bus {
        &self.state.cdc
    }

    /// Checks the auth metadata of a call: a live access token of this org, the org id as
    /// `tenantid` and the sandbox's own URL as `instanceurl`.
    fn authenticate(&self, metadata: &MetadataMap, rpc_id: &str) -> Result<(), Status> {
        let get = |key: &str| {
            metadata
                .get(key)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
                .filter(|value| !value.is_empty())
        };
        let fail = |message: String| {
            Err(status(
                Code::Unauthenticated,
                Some(AUTH_ERROR),
                &message,
                rpc_id,
            ))
        };
        let Some(token) = get("accesstoken") else {
            return fail("The accesstoken metadata is missing: send a Salesforce access token with every call (metadata keys accesstoken, instanceurl, tenantid).".to_string());
        };
        if self.state.auth().session(token).is_none() {
            return fail(
                "The access token is invalid or has expired: log in again and subscribe again."
                    .to_string(),
            );
        }
        let Some(instance_url) = get("instanceurl") else {
            return fail(format!(
                "The instanceurl metadata is missing: send the org's instance URL ({}).",
                self.state.instance_url
            ));
        };
        let expected = self.state.instance_url.trim_end_matches('/');
        if !instance_url
            .trim_end_matches('/')
            .eq_ignore_ascii_case(expected)
        {
            return fail(format!(
                "The instanceurl {instance_url:?} is not this org's instance URL ({expected})."
            ));
        }
        let org_id = self.state.auth().org_id().to_string();
        let Some(tenant) = get("tenantid") else {
            return fail(format!(
                "The tenantid metadata is missing: send the org id ({org_id})."
            ));
        };
        // Salesforce accepts the 15- and the 18-character form of an id.
        let matches = tenant == org_id || (tenant.len() == 15 && org_id.starts_with(tenant));
        if !matches {
            return fail(format!(
                "The tenantid {tenant:?} is not this org's id ({org_id})."
            ));
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl PubSub for Service {
    type SubscribeStream = BoxStream<FetchResponse>;
    type PublishStreamStream = BoxStream<PublishResponse>;
    type ManagedSubscribeStream = BoxStream<ManagedFetchResponse>;

    async fn subscribe(
        &self,
        request: Request<Streaming<ferry_sfproto::FetchRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let subscription = subscribe::Subscription::new(
            self.state.cdc.clone(),
            request.into_inner(),
            rpc_id,
            self.keepalive,
            self.stopped.clone(),
        );
        Ok(Response::new(subscription.run()))
    }

    async fn get_schema(
        &self,
        request: Request<SchemaRequest>,
    ) -> Result<Response<SchemaInfo>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let schema_id = request.into_inner().schema_id;
        let Some(schema_json) = self.bus().schema(&schema_id) else {
            return Err(status(
                Code::NotFound,
                Some(SCHEMA_NOT_FOUND),
                &format!(
                    "The schema id {schema_id:?} is unknown: take schema ids from GetTopic or from an event's schema_id."
                ),
                &rpc_id,
            ));
        };
        Ok(Response::new(SchemaInfo {
            schema_json,
            schema_id,
            rpc_id,
        }))
    }

    async fn get_topic(
        &self,
        request: Request<TopicRequest>,
    ) -> Result<Response<TopicInfo>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        let topic_name = request.into_inner().topic_name;
        let Some(topic) = self.bus().topic(&topic_name) else {
            return Err(topic_not_found(&topic_name, &rpc_id));
        };
        Ok(Response::new(TopicInfo {
            topic_name: topic.name,
            tenant_guid: self.state.auth().org_id().to_string(),
            can_publish: topic.can_publish,
            can_subscribe: topic.can_subscribe,
            schema_id: topic.schema_id,
            rpc_id,
        }))
    }

    async fn publish(
        &self,
        request: Request<PublishRequest>,
    ) -> Result<Response<PublishResponse>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        publish::publish(self.bus(), request.into_inner(), rpc_id).map(Response::new)
    }

    async fn publish_stream(
        &self,
        request: Request<Streaming<PublishRequest>>,
    ) -> Result<Response<Self::PublishStreamStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        Ok(Response::new(publish::stream(
            self.state.cdc.clone(),
            request.into_inner(),
            rpc_id,
            self.stopped.clone(),
        )))
    }

    async fn managed_subscribe(
        &self,
        request: Request<Streaming<ManagedFetchRequest>>,
    ) -> Result<Response<Self::ManagedSubscribeStream>, Status> {
        let rpc_id = rpc_id();
        self.authenticate(request.metadata(), &rpc_id)?;
        // Managed subscriptions (beta) need subscriptions defined in Setup (Tooling API),
        // which the sandbox does not have; say so rather than pretend.
        Err(status(
            Code::Unimplemented,
            None,
            "ManagedSubscribe is not available in the Ferry sandbox: use Subscribe with a replay preset and keep the replay id yourself.",
            &rpc_id,
        ))
    }
}
