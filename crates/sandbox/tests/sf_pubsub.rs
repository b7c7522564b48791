//! The Salesforce sandbox's Pub/Sub API (eventbus.v1 over gRPC) over real sockets, with the
//! generated tonic client: authentication and its error trailer, GetTopic / GetSchema,
//! Subscribe (LATEST, EARLIEST, CUSTOM, flow control, keepalives, corrupted replay ids),
//! Publish / PublishStream of platform events, and TLS with the generated CA.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use apache_avro::types::Value;
use common::TestOrg;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_sfproto::pub_sub_client::PubSubClient;
use ferry_sfproto::{
    FetchRequest, FetchResponse, ProducerEvent, PublishRequest, ReplayPreset, SchemaRequest,
    TopicRequest,
};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::transport::Channel;
use tonic::{Code, Request, Status, Streaming};

const AUTH_ERROR: &str = "sfdc.platform.eventbus.grpc.service.auth.error";
const REPLAY_CORRUPTED: &str = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
const TOPIC_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.subscription.topic.notfound";
const ACCOUNTS: &str = "/data/AccountChangeEvent";

/// An empty org serving the Pub/Sub API, with this keepalive interval.
async fn start(keepalive_ms: Option<u64>, tls: bool) -> TestOrg {
    common::start_with(Options {
        data: DataSet::Empty,
        tls,
        grpc_listen: Some(([127, 0, 0, 1], 0).into()),
        pubsub_keepalive_ms: keepalive_ms,
        ..Options::default()
    })
    .await
}

async fn client(org: &TestOrg) -> PubSubClient<Channel> {
    let url = org
        .sandbox
        .banner
        .grpc_url
        .clone()
        .expect("grpc_url in the banner");
    let channel = Channel::from_shared(url)
        .unwrap()
        .connect()
        .await
        .expect("gRPC connects");
    PubSubClient::new(channel)
}

/// A request with the auth metadata a real client sends.
fn authed<T>(org: &TestOrg, message: T) -> Request<T> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("accesstoken", org.token.parse().unwrap());
    metadata.insert("instanceurl", org.base.parse().unwrap());
    metadata.insert("tenantid", org.sandbox.banner.org_id.parse().unwrap());
    request
}

fn error_code(status: &Status) -> Option<String> {
    status
        .metadata()
        .get("error-code")
        .map(|v| v.to_str().unwrap().to_string())
}

/// An open Subscribe call: send more FetchRequests, read responses.
struct Sub {
    requests: mpsc::Sender<FetchRequest>,
    responses: Streaming<FetchResponse>,
}

impl Sub {
    async fn open(
        org: &TestOrg,
        client: &mut PubSubClient<Channel>,
        first: FetchRequest,
    ) -> Result<Sub, Status> {
        let (requests, rx) = mpsc::channel(16);
        requests.send(first).await.unwrap();
        let stream =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|r| (r, rx)) },
            );
        let responses = client.subscribe(authed(org, stream)).await?.into_inner();
        Ok(Sub {
            requests,
            responses,
        })
    }

    async fn more(&self, topic: &str, n: i32) {
        self.requests
            .send(FetchRequest {
                topic_name: topic.to_string(),
                num_requested: n,
                ..FetchRequest::default()
            })
            .await
            .unwrap();
    }

    /// The next response, or `None` when nothing arrives within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Result<FetchResponse, Status>> {
        match tokio::time::timeout(wait, self.responses.message()).await {
            Ok(Ok(Some(response))) => Some(Ok(response)),
            Ok(Ok(None)) => panic!("the subscription ended"),
            Ok(Err(status)) => Some(Err(status)),
            Err(_) => None,
        }
    }

    /// Reads responses until `n` events came (failing after `wait`).
    async fn events(
        &mut self,
        n: usize,
        wait: Duration,
    ) -> (Vec<ferry_sfproto::ConsumerEvent>, i32) {
        let deadline = tokio::time::Instant::now() + wait;
        let mut events = Vec::new();
        let mut pending = -1;
        while events.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let response = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("only {} of {n} events within {wait:?}", events.len()))
                .expect("no error");
            pending = response.pending_num_requested;
            events.extend(response.events);
        }
        (events, pending)
    }
}

fn fetch(topic: &str, preset: ReplayPreset, replay_id: Vec<u8>, n: i32) -> FetchRequest {
    FetchRequest {
        topic_name: topic.to_string(),
        replay_preset: preset as i32,
        replay_id,
        num_requested: n,
        auth_refresh: String::new(),
    }
}

fn replay(event: &ferry_sfproto::ConsumerEvent) -> u64 {
    u64::from_be_bytes(
        event
            .replay_id
            .as_slice()
            .try_into()
            .expect("8-byte replay id"),
    )
}

/// Decodes an event's payload with the schema GetSchema returns.
async fn decode(
    org: &TestOrg,
    client: &mut PubSubClient<Channel>,
    event: &ferry_sfproto::ConsumerEvent,
) -> Value {
    let producer = event.event.as_ref().expect("event");
    let schema = client
        .get_schema(authed(
            org,
            SchemaRequest {
                schema_id: producer.schema_id.clone(),
            },
        ))
        .await
        .expect("GetSchema")
        .into_inner();
    let schema = apache_avro::Schema::parse_str(&schema.schema_json).expect("schema parses");
    apache_avro::from_avro_datum(&schema, &mut producer.payload.as_slice(), None)
        .expect("payload decodes")
}

fn field<'a>(record: &'a Value, name: &str) -> &'a Value {
    let Value::Record(fields) = record else {
        panic!("not a record: {record:?}")
    };
    let value = &fields
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .1;
    match value {
        Value::Union(_, inner) => inner,
        other => other,
    }
}

fn string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Enum(_, s) => s.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

async fn create_account(org: &TestOrg, name: &str) -> String {
    org.create("Account", json!({ "Name": name })).await
}

#[tokio::test]
async fn calls_without_valid_auth_metadata_fail_with_the_auth_error_trailer() {
    let org = start(None, false).await;
    let mut client = client(&org).await;

    let status = client
        .get_topic(Request::new(TopicRequest {
            topic_name: ACCOUNTS.into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(error_code(&status).as_deref(), Some(AUTH_ERROR));
    assert!(status.message().contains("rpcId: "), "{}", status.message());

    for (key, value) in [
        ("accesstoken", "not-a-token"),
        ("tenantid", "00D000000000000AAA"),
        ("instanceurl", "https://elsewhere.example.com"),
    ] {
        let mut request = authed(
            &org,
            TopicRequest {
                topic_name: ACCOUNTS.into(),
            },
        );
        request.metadata_mut().insert(key, value.parse().unwrap());
        let status = client.get_topic(request).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{key}");
        assert_eq!(error_code(&status).as_deref(), Some(AUTH_ERROR), "{key}");
    }

    // Subscribe is checked too, before anything is read.
    let (tx, rx) = mpsc::channel(1);
    tx.send(fetch(ACCOUNTS, ReplayPreset::Earliest, vec![], 1))
        .await
        .unwrap();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|r| (r, rx)) });
    let mut request = Request::new(stream);
    request
        .metadata_mut()
        .insert("accesstoken", "expired".parse().unwrap());
    let status = client.subscribe(request).await.unwrap_err();
    assert_eq!(error_code(&status).as_deref(), Some(AUTH_ERROR));
}

#[tokio::test]
async fn get_topic_and_get_schema_describe_change_event_channels() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    let topic = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: ACCOUNTS.into(),
            },
        ))
        .await
        .expect("GetTopic")
        .into_inner();
    assert_eq!(topic.topic_name, ACCOUNTS);
    assert!(!topic.can_publish, "change events cannot be published");
    assert!(topic.can_subscribe);
    assert_eq!(topic.tenant_guid, org.sandbox.banner.org_id);
    assert!(!topic.rpc_id.is_empty());
    let schema = client
        .get_schema(authed(
            &org,
            SchemaRequest {
                schema_id: topic.schema_id.clone(),
            },
        ))
        .await
        .expect("GetSchema")
        .into_inner();
    assert_eq!(schema.schema_id, topic.schema_id);
    let parsed: serde_json::Value = serde_json::from_str(&schema.schema_json).unwrap();
    assert_eq!(parsed["name"], "AccountChangeEvent");
    assert_eq!(parsed["fields"][0]["name"], "ChangeEventHeader");
    apache_avro::Schema::parse_str(&schema.schema_json).expect("a valid Avro schema");

    let status = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: "/data/accountchangeevent".into(),
            },
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        status.code(),
        Code::NotFound | Code::InvalidArgument
    ));
    assert_eq!(error_code(&status).as_deref(), Some(TOPIC_NOT_FOUND));
    assert!(status.message().contains("rpcId: "));

    let status = client
        .get_schema(authed(
            &org,
            SchemaRequest {
                schema_id: "nope".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn a_latest_subscription_gets_a_rest_write_within_a_second() {
    let org = start(Some(100), false).await;
    let mut client = client(&org).await;
    create_account(&org, "Before").await;
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Latest, vec![], 10),
    )
    .await
    .expect("subscribed");
    // The first keepalive says the subscription is in place (and sends nothing older).
    let keepalive = sub
        .next(Duration::from_secs(5))
        .await
        .expect("keepalive")
        .unwrap();
    assert!(keepalive.events.is_empty());
    assert_eq!(keepalive.pending_num_requested, 10);

    let id = create_account(&org, "Acme Pub/Sub").await;
    let (events, pending) = sub.events(1, Duration::from_secs(1)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(pending, 9);
    let value = decode(&org, &mut client, &events[0]).await;
    let header = field(&value, "ChangeEventHeader");
    assert_eq!(string(field(header, "changeType")), "CREATE");
    assert_eq!(string(field(header, "entityName")), "Account");
    let Value::Array(ids) = field(header, "recordIds") else {
        panic!("recordIds")
    };
    assert_eq!(ids.iter().map(string).collect::<Vec<_>>(), vec![id]);
    assert_eq!(string(field(&value, "Name")), "Acme Pub/Sub");
}

#[tokio::test]
async fn earliest_replays_everything_and_custom_starts_strictly_after_the_id() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    let mut ids = Vec::new();
    for name in ["One", "Two", "Three"] {
        ids.push(create_account(&org, name).await);
    }
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Earliest, vec![], 50),
    )
    .await
    .unwrap();
    let (events, pending) = sub.events(3, Duration::from_secs(5)).await;
    assert_eq!(events.len(), 3);
    assert_eq!(pending, 47);
    let replays: Vec<u64> = events.iter().map(replay).collect();
    assert!(replays.windows(2).all(|w| w[0] < w[1]), "{replays:?}");
    assert!(
        sub.next(Duration::from_millis(300)).await.is_none(),
        "nothing more"
    );

    let first = events[0].replay_id.clone();
    let mut custom = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Custom, first, 50),
    )
    .await
    .unwrap();
    let (after, _) = custom.events(2, Duration::from_secs(5)).await;
    assert_eq!(
        after.iter().map(replay).collect::<Vec<_>>(),
        replays[1..].to_vec()
    );
    let mut names = Vec::new();
    for event in &after {
        names.push(string(field(
            &decode(&org, &mut client, event).await,
            "Name",
        )));
    }
    assert_eq!(names, ["Two", "Three"]);
    assert!(custom.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn flow_control_sends_exactly_the_credit_and_no_more() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    for i in 0..5 {
        create_account(&org, &format!("Credit {i}")).await;
    }
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Earliest, vec![], 2),
    )
    .await
    .unwrap();
    let (events, pending) = sub.events(2, Duration::from_secs(5)).await;
    assert_eq!((events.len(), pending), (2, 0));
    assert!(
        sub.next(Duration::from_millis(500)).await.is_none(),
        "no events without credit"
    );

    // Later requests only add credit; their replay fields are ignored.
    sub.requests
        .send(fetch(ACCOUNTS, ReplayPreset::Earliest, vec![], 10))
        .await
        .unwrap();
    let (rest, pending) = sub.events(3, Duration::from_secs(5)).await;
    assert_eq!((rest.len(), pending), (3, 7));
    assert!(replay(&rest[0]) > replay(&events[1]));

    // Credit beyond 100 outstanding is capped.
    sub.more(ACCOUNTS, 500).await;
    // The credit request and the write travel separately: give the server the moment it needs
    // to take the credit in first, or the event goes out against the 7 still pending.
    tokio::time::sleep(Duration::from_millis(300)).await;
    create_account(&org, "Capped").await;
    let (_, pending) = sub.events(1, Duration::from_secs(5)).await;
    assert_eq!(pending, 99);

    // A later request for another topic is refused.
    sub.more("/data/ContactChangeEvent", 1).await;
    let status = loop {
        match sub.next(Duration::from_secs(5)).await.expect("an answer") {
            Err(status) => break status,
            Ok(response) => assert!(response.events.is_empty()),
        }
    };
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn an_idle_subscription_gets_keepalives_with_the_latest_replay_id() {
    let org = start(Some(150), false).await;
    let mut client = client(&org).await;
    create_account(&org, "Old").await;
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Earliest, vec![], 5),
    )
    .await
    .unwrap();
    let (events, _) = sub.events(1, Duration::from_secs(5)).await;
    let started = std::time::Instant::now();
    let keepalive = sub
        .next(Duration::from_secs(5))
        .await
        .expect("a keepalive")
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(keepalive.events.is_empty());
    assert_eq!(keepalive.pending_num_requested, 4);
    assert_eq!(keepalive.latest_replay_id.len(), 8);
    assert!(
        u64::from_be_bytes(keepalive.latest_replay_id.as_slice().try_into().unwrap())
            >= replay(&events[0])
    );
    // And another one, as long as the stream is idle.
    let again = sub
        .next(Duration::from_secs(5))
        .await
        .expect("another keepalive")
        .unwrap();
    assert!(again.events.is_empty());
}

#[tokio::test]
async fn corrupted_and_unknown_replay_ids_fail_with_the_replay_trailer() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    create_account(&org, "Only").await;
    for bad in [vec![1, 2, 3], u64::MAX.to_be_bytes().to_vec()] {
        let result = Sub::open(
            &org,
            &mut client,
            fetch(ACCOUNTS, ReplayPreset::Custom, bad.clone(), 5),
        )
        .await;
        let status = match result {
            Err(status) => status,
            Ok(mut sub) => sub
                .next(Duration::from_secs(5))
                .await
                .expect("an answer")
                .unwrap_err(),
        };
        assert_eq!(
            error_code(&status).as_deref(),
            Some(REPLAY_CORRUPTED),
            "{bad:?}: {status:?}"
        );
        assert!(status.message().contains("rpcId: "));
    }
}

#[tokio::test]
async fn platform_events_are_published_and_read_back() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    let response = org
        .http
        .post(format!("{}/__sandbox/cdc/platform-events", org.base))
        .bearer_auth(&org.token)
        .json(&json!({"name": "Order_Shipped__e", "fields": [{"name": "Message__c", "type": "string"}]}))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
    let topic_name = "/event/Order_Shipped__e";
    let topic = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: topic_name.into(),
            },
        ))
        .await
        .expect("GetTopic")
        .into_inner();
    assert!(topic.can_publish && topic.can_subscribe);
    let schema_json = client
        .get_schema(authed(
            &org,
            SchemaRequest {
                schema_id: topic.schema_id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .schema_json;
    let schema = apache_avro::Schema::parse_str(&schema_json).unwrap();
    let payload = |message: &str| {
        let record = Value::Record(vec![
            ("CreatedDate".into(), Value::Long(1_712_693_965_000)),
            (
                "CreatedById".into(),
                Value::String(org.sandbox.banner.user_id.clone()),
            ),
            (
                "Message__c".into(),
                Value::Union(1, Box::new(Value::String(message.into()))),
            ),
        ]);
        apache_avro::to_avro_datum(&schema, record).unwrap()
    };
    let event = |id: &str, message: &str| ProducerEvent {
        id: id.into(),
        schema_id: topic.schema_id.clone(),
        payload: payload(message),
        headers: vec![],
    };
    let published = client
        .publish(authed(
            &org,
            PublishRequest {
                topic_name: topic_name.into(),
                events: vec![event("e-1", "shipped 1"), event("e-2", "shipped 2")],
                auth_refresh: String::new(),
            },
        ))
        .await
        .expect("Publish")
        .into_inner();
    assert_eq!(published.schema_id, topic.schema_id);
    assert_eq!(published.results.len(), 2);
    for (result, key) in published.results.iter().zip(["e-1", "e-2"]) {
        assert_eq!(result.correlation_key, key);
        assert!(result.error.is_none(), "{result:?}");
        assert_eq!(result.replay_id.len(), 8);
    }

    // PublishStream: one response per request.
    let requests = futures_util::stream::iter(vec![
        PublishRequest {
            topic_name: topic_name.into(),
            events: vec![event("s-1", "stream 1")],
            auth_refresh: String::new(),
        },
        PublishRequest {
            topic_name: topic_name.into(),
            events: vec![event("s-2", "stream 2")],
            auth_refresh: String::new(),
        },
    ]);
    let mut responses = client
        .publish_stream(authed(&org, requests))
        .await
        .expect("PublishStream")
        .into_inner();
    let mut keys = Vec::new();
    while let Some(response) = responses.message().await.expect("stream answer") {
        keys.extend(response.results.into_iter().map(|r| r.correlation_key));
    }
    assert_eq!(keys, ["s-1", "s-2"]);

    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(topic_name, ReplayPreset::Earliest, vec![], 10),
    )
    .await
    .unwrap();
    let (events, _) = sub.events(4, Duration::from_secs(5)).await;
    let mut messages = Vec::new();
    for event in &events {
        messages.push(string(field(
            &decode(&org, &mut client, event).await,
            "Message__c",
        )));
    }
    assert_eq!(messages, ["shipped 1", "shipped 2", "stream 1", "stream 2"]);
    assert_eq!(events[0].event.as_ref().unwrap().id, "e-1");

    // Change event channels cannot be published to.
    let status = client
        .publish(authed(
            &org,
            PublishRequest {
                topic_name: ACCOUNTS.into(),
                events: vec![event("x", "no")],
                auth_refresh: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert!(status.message().contains("rpcId: "));
    assert_ne!(status.code(), Code::Ok);
}

#[tokio::test]
async fn tls_mode_serves_grpc_with_the_generated_ca() {
    let org = start(Some(100), true).await;
    let url = org.sandbox.banner.grpc_url.clone().unwrap();
    assert!(url.starts_with("https://"), "{url}");
    let ca = std::fs::read_to_string(org.sandbox.banner.ca_cert.as_ref().unwrap()).unwrap();
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(ca));
    let channel = Channel::from_shared(url.clone())
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .expect("TLS gRPC connects");
    let mut client = PubSubClient::new(channel);
    let topic = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: ACCOUNTS.into(),
            },
        ))
        .await
        .expect("GetTopic over TLS")
        .into_inner();
    assert_eq!(topic.topic_name, ACCOUNTS);
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Latest, vec![], 3),
    )
    .await
    .unwrap();
    sub.next(Duration::from_secs(5))
        .await
        .expect("keepalive")
        .unwrap();
    create_account(&org, "Secure").await;
    let (events, _) = sub.events(1, Duration::from_secs(2)).await;
    assert_eq!(events.len(), 1);

    // A client that does not trust the CA is refused.
    let untrusted = Channel::from_shared(url)
        .unwrap()
        .tls_config(tonic::transport::ClientTlsConfig::new())
        .unwrap()
        .connect()
        .await;
    if let Ok(channel) = untrusted {
        let mut client = PubSubClient::new(channel);
        assert!(
            client
                .get_topic(authed(
                    &org,
                    TopicRequest {
                        topic_name: ACCOUNTS.into()
                    }
                ))
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn an_oversized_event_gets_its_own_error_and_the_others_are_published() {
    let org = start(None, false).await;
    let mut client = client(&org).await;
    let response = org
        .http
        .post(format!("{}/__sandbox/cdc/platform-events", org.base))
        .json(&json!({"name": "Big__e", "fields": [{"name": "Body__c", "type": "string"}]}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let topic = client
        .get_topic(authed(
            &org,
            TopicRequest {
                topic_name: "/event/Big__e".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let event = |id: &str, size: usize| ProducerEvent {
        id: id.into(),
        schema_id: topic.schema_id.clone(),
        payload: vec![0; size],
        headers: vec![],
    };
    let answer = client
        .publish(authed(
            &org,
            PublishRequest {
                topic_name: "/event/Big__e".into(),
                events: vec![
                    event("small", 10),
                    event("big", 1024 * 1024 + 1),
                    event("", 10),
                ],
                auth_refresh: String::new(),
            },
        ))
        .await
        .expect("Publish")
        .into_inner();
    let results = &answer.results;
    assert_eq!(results.len(), 3);
    assert!(results[0].error.is_none() && results[0].replay_id.len() == 8);
    assert_eq!(results[1].correlation_key, "big");
    assert!(results[1].replay_id.is_empty());
    assert!(results[1].error.as_ref().unwrap().msg.contains("1 MB"));
    // An event without an id gets one.
    assert_eq!(results[2].correlation_key.len(), 36, "{:?}", results[2]);
    assert!(results[2].error.is_none());
}

#[tokio::test]
async fn stopping_the_sandbox_ends_open_subscriptions_with_unavailable() {
    let org = start(Some(100), false).await;
    let mut client = client(&org).await;
    let mut sub = Sub::open(
        &org,
        &mut client,
        fetch(ACCOUNTS, ReplayPreset::Latest, vec![], 5),
    )
    .await
    .unwrap();
    sub.next(Duration::from_secs(5))
        .await
        .expect("keepalive")
        .unwrap();
    let started = std::time::Instant::now();
    org.sandbox.stop().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stop waited on the stream"
    );
    let status = loop {
        match tokio::time::timeout(Duration::from_secs(5), sub.responses.message()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => panic!("ended without a status"),
            Ok(Err(status)) => break status,
            Err(_) => panic!("the stream stayed open"),
        }
    };
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}
