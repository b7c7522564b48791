//! The Pub/Sub client against the Salesforce sandbox's gRPC server over real sockets: topics,
//! cached schemas, typed errors from `error-code` trailers, one session renewal on an auth
//! error, and a subscription that decodes a REST write into a typed change event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use ferry_http::{Auth, Error, HeaderMap};
use ferry_salesforce::auth::{FixedSession, Session, bearer};
use ferry_salesforce::pubsub::{
    ChangeType, PubSub, PubSubError, PubSubSettings, Received, Replay, ReplayId,
};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

async fn org(tls: bool) -> Sandbox {
    Sandbox::start(Options {
        data: DataSet::Empty,
        tls,
        grpc_listen: Some(([127, 0, 0, 1], 0).into()),
        pubsub_keepalive_ms: Some(200),
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn pubsub(sandbox: &Sandbox, session: Arc<dyn Session>) -> PubSub {
    let mut settings = PubSubSettings::new(
        sandbox.banner.grpc_url.clone().unwrap(),
        sandbox.banner.org_id.clone(),
    );
    settings.ca_pem = sandbox
        .banner
        .ca_cert
        .as_ref()
        .map(|p| std::fs::read_to_string(p).unwrap());
    settings.retry.max_attempts = 3;
    PubSub::new(settings, session).unwrap()
}

fn fixed(sandbox: &Sandbox, token: &str) -> Arc<dyn Session> {
    Arc::new(FixedSession::new(
        sandbox.banner.instance_url.clone(),
        SecretString::from(token.to_owned()),
    ))
}

/// A session whose first token is stale; renewing it hands out the good one.
struct Renewing {
    instance_url: String,
    good: String,
    generation: AtomicU64,
    renewals: AtomicU64,
}

#[async_trait]
impl Auth for Renewing {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        let generation = self.generation.load(Ordering::SeqCst);
        let token = if generation == 0 {
            "stale".to_owned()
        } else {
            self.good.clone()
        };
        headers.insert(
            ferry_http::reqwest::header::AUTHORIZATION,
            bearer(&SecretString::from(token))?,
        );
        Ok(generation)
    }

    async fn renew(&self, generation: u64) -> Result<(), Error> {
        self.renewals.fetch_add(1, Ordering::SeqCst);
        let _ = self.generation.compare_exchange(
            generation,
            generation + 1,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        Ok(())
    }
}

impl Session for Renewing {
    fn instance_url(&self) -> String {
        self.instance_url.clone()
    }
}

#[tokio::test]
async fn topics_schemas_and_typed_errors() {
    let sandbox = org(true).await;
    let client = pubsub(&sandbox, fixed(&sandbox, &sandbox.banner.access_token));
    let topic = client.get_topic("/data/AccountChangeEvent").await.unwrap();
    assert!(topic.can_subscribe);
    assert!(!topic.can_publish);
    let schema = client.get_schema(&topic.schema_id).await.unwrap();
    assert_eq!(schema.fields()[0].name, "ChangeEventHeader");
    let again = client.get_schema(&topic.schema_id).await.unwrap();
    assert!(Arc::ptr_eq(&schema, &again), "schemas are cached by id");

    let err = client
        .get_topic("/data/NoSuchChangeEvent")
        .await
        .unwrap_err();
    assert!(matches!(err, PubSubError::TopicNotFound { .. }), "{err:?}");

    // The stream opens; the refusal arrives as its first answer (status + error-code).
    let refused = client
        .subscribe(
            "/data/AccountChangeEvent",
            Replay::After(ReplayId(vec![0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff])),
        )
        .await;
    let err = match refused {
        Err(err) => err,
        Ok(mut subscription) => subscription.next().await.unwrap_err(),
    };
    assert!(matches!(err, PubSubError::ReplayInvalid { .. }), "{err:?}");

    let bad = pubsub(&sandbox, fixed(&sandbox, "not-a-token"));
    let err = bad.get_topic("/data/AccountChangeEvent").await.unwrap_err();
    assert!(matches!(err, PubSubError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn an_auth_error_renews_the_session_once() {
    let sandbox = org(false).await;
    let session = Arc::new(Renewing {
        instance_url: sandbox.banner.instance_url.clone(),
        good: sandbox.banner.access_token.clone(),
        generation: AtomicU64::new(0),
        renewals: AtomicU64::new(0),
    });
    let client = pubsub(&sandbox, session.clone());
    let mut subscription = client
        .subscribe("/data/AccountChangeEvent", Replay::Latest)
        .await
        .unwrap();
    assert_eq!(session.renewals.load(Ordering::SeqCst), 1);
    let received = tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(received, Received::Keepalive { .. }),
        "{received:?}"
    );
}

#[tokio::test]
async fn a_rest_write_arrives_as_a_typed_change_event() {
    let sandbox = org(false).await;
    let client = pubsub(&sandbox, fixed(&sandbox, &sandbox.banner.access_token));
    let mut subscription = client
        .subscribe("/data/AccountChangeEvent", Replay::Earliest)
        .await
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let response = http
        .post(format!(
            "{}/services/data/v62.0/sobjects/Account",
            sandbox.banner.instance_url
        ))
        .bearer_auth(&sandbox.banner.access_token)
        .header("Sforce-Call-Options", "client=tester")
        .json(&json!({"Name": "Acme", "Industry": "Retail"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = loop {
        match tokio::time::timeout(Duration::from_secs(5), subscription.next())
            .await
            .unwrap()
            .unwrap()
        {
            Received::Events { events, .. } => break events,
            Received::Keepalive { .. } => continue,
        }
    };
    let event = &events[0];
    let header = event.header.as_ref().unwrap();
    assert_eq!(header.entity_name, "Account");
    assert_eq!(header.record_ids, [id]);
    assert_eq!(header.change_type, ChangeType::Create);
    assert!(
        header.change_origin.ends_with("client=tester"),
        "{}",
        header.change_origin
    );
    assert_eq!(event.fields["Name"], "Acme");
    assert!(!event.replay_id.is_empty());
    assert_eq!(
        subscription.position(),
        &Replay::After(event.replay_id.clone())
    );
}
