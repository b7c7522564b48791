//! Brightpearl webhooks over real sockets: the registry against the recorded cassettes, then the
//! dispatcher delivering to a small axum receiver on 127.0.0.1:0 that records every request and
//! answers as each test scripts it. Windows and backoff are milliseconds so the suite stays fast.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use ferry_sandbox::brightpearl::delivery::{
    DeliveryConfig, DeliveryFaults, Dispatcher, DispatcherHandle, EventSender, NextStep,
    RetryPolicy, registry_subscriptions,
};
use ferry_sandbox::brightpearl::events::{Event, Lifecycle};
use ferry_sandbox::brightpearl::idset::IdSet;
use ferry_sandbox::brightpearl::webhooks::{BRIGHTPEARL_VERSION, Webhooks};
use serde_json::{Value as Json, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use yaml_rust2::{Yaml, YamlLoader};

// ---------------------------------------------------------------- the recorded registry calls

fn cassette(relative: &str) -> Vec<Yaml> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/brightpearl/webhook/"
    )
    .to_string()
        + relative;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let docs = YamlLoader::load_from_str(&text).unwrap();
    docs[0]["http_interactions"].as_vec().unwrap().clone()
}

fn body(interaction: &Yaml, side: &str) -> Json {
    serde_json::from_str(interaction[side]["body"]["string"].as_str().unwrap()).unwrap()
}

#[test]
fn registry_answers_like_the_recordings() {
    // POST then GET: the GET item is the posted webhook with its id, keys in recorded order.
    let recorded = cassette("get/single.yml");
    let mut hooks = Webhooks::starting_at(122);
    let id = hooks.create(&body(&recorded[0], "request")).unwrap();
    assert_eq!(json!({ "response": id }), body(&recorded[0], "response"));
    let ids = IdSet::parse(&id.to_string(), false).unwrap();
    let listed = serde_json::to_string(&hooks.get(&ids).unwrap()).unwrap();
    let expected = serde_json::to_string(&body(&recorded[1], "response")["response"]).unwrap();
    assert_eq!(listed, expected);
    hooks.delete(id).unwrap();

    let not_found = &cassette("get/not_found.yml")[0];
    let problem = hooks
        .get(&IdSet::parse("99999", false).unwrap())
        .unwrap_err();
    assert_eq!(
        json!({"errors": [{"code": problem.code, "message": problem.message}]}),
        body(not_found, "response")
    );
    assert_eq!(
        i64::from(problem.status),
        not_found["response"]["status"]["code"].as_i64().unwrap()
    );

    let not_found = &cassette("delete/not_found.yml")[0];
    let problem = hooks.delete(99999).unwrap_err();
    assert_eq!(
        json!({"errors": [{"code": problem.code, "message": problem.message}]}),
        body(not_found, "response")
    );

    let invalid = &cassette("post/error_invalid_params.yml")[0];
    let problems = hooks.create(&body(invalid, "request")).unwrap_err();
    let errors: Vec<Json> = problems
        .iter()
        .map(|p| json!({"code": p.code, "message": p.message}))
        .collect();
    assert_eq!(json!({ "errors": errors }), body(invalid, "response"));
    assert_eq!(problems[0].status, 400);
}

// ---------------------------------------------------------------- the receiver

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    /// Path and query, as sent (still percent-encoded).
    uri: String,
    headers: HeaderMap,
    body: String,
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Waits this long before answering 200 (longer than the dispatcher's timeout).
    Hang(u64),
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Scripted answers by path; 200 once a path's script runs out.
    script: Mutex<HashMap<String, VecDeque<Answer>>>,
}

#[derive(Clone)]
struct Receiver {
    base: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, state }
    }

    fn script(&self, path: &str, answers: &[Answer]) {
        self.state
            .script
            .lock()
            .unwrap()
            .insert(path.to_string(), answers.iter().copied().collect());
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.uri.split('?').next() == Some(path))
            .collect()
    }
}

async fn record(
    State(state): State<Arc<ReceiverState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let answer = state
        .script
        .lock()
        .unwrap()
        .get_mut(uri.path())
        .and_then(VecDeque::pop_front)
        .unwrap_or(Answer::Status(200));
    state.received.lock().unwrap().push(Received {
        method,
        uri: uri.to_string(),
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    match answer {
        Answer::Status(code) => StatusCode::from_u16(code).unwrap(),
        Answer::Hang(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            StatusCode::OK
        }
    }
}

/// A port nothing listens on: bound, then released.
async fn closed_port_url(path: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}{path}")
}

// ---------------------------------------------------------------- the dispatcher under test

struct Harness {
    registry: Arc<Mutex<Webhooks>>,
    handle: DispatcherHandle,
    events: EventSender,
}

fn fast_config() -> DeliveryConfig {
    DeliveryConfig {
        timeout: Duration::from_millis(400),
        // Long enough that a loaded machine still gathers a test's ids in one batch.
        batch_window: Duration::from_millis(250),
        reorder_window: Duration::from_millis(60),
        retry: RetryPolicy {
            first_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            max_attempts: 4,
        },
        ..DeliveryConfig::new("acme")
    }
}

fn start(config: DeliveryConfig) -> Harness {
    let registry = Arc::new(Mutex::new(Webhooks::new()));
    let (handle, events) =
        Dispatcher::start(config, registry_subscriptions(registry.clone())).unwrap();
    Harness {
        registry,
        handle,
        events,
    }
}

impl Harness {
    fn hook(&self, body: Json) -> u64 {
        self.registry.lock().unwrap().create(&body).unwrap()
    }

    fn raise(&self, resource: &str, lifecycle: Lifecycle, specifier: Option<&str>, ids: &[u64]) {
        for &id in ids {
            let event = match specifier {
                Some(spec) => Event::specific(resource, lifecycle, spec, id, 1_663_582_841_691),
                None => Event::new(resource, lifecycle, id, 1_663_582_841_691),
            };
            self.events.send(event).unwrap();
        }
    }
}

/// A POST webhook whose body carries the id and the event.
fn post_hook(subscribe_to: &str, url: &str, id_set: bool, qos: u8) -> Json {
    json!({"subscribeTo": subscribe_to, "httpMethod": "POST", "uriTemplate": url,
        "bodyTemplate": "{\"id\": \"${resource-id}\", \"fullEvent\": \"${full-event}\"}",
        "contentType": "application/json", "idSetAccepted": id_set, "qualityOfService": qos})
}

/// Polls `done` every 10 ms for up to 5 s.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn json_bodies(received: &[Received]) -> Vec<Json> {
    received
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect()
}

/// Waits for `done`, then a little longer, so a wrongly made extra call would show up.
async fn settle(what: &str, done: impl FnMut() -> bool) {
    wait_until(what, done).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
}

// ---------------------------------------------------------------- delivery

#[tokio::test]
async fn id_sets_batch_per_full_event_and_plain_webhooks_get_one_call_per_id() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.hook(post_hook(
        "product",
        &format!("{}/batched", receiver.base),
        true,
        1,
    ));
    h.hook(
        json!({"subscribeTo": "product.modified", "httpMethod": "GET",
        "uriTemplate": format!("{}/single/${{resource-id}}", receiver.base)}),
    );
    h.raise(
        "product",
        Lifecycle::Modified,
        None,
        &[3, 1, 2, 99, 5, 4, 3],
    );
    h.raise("product", Lifecycle::Created, None, &[7]);
    settle("deliveries", || {
        receiver.at("/batched").len() >= 2 && receiver.received().len() >= 9
    })
    .await;

    let mut batched = json_bodies(&receiver.at("/batched"));
    batched.sort_by_key(|b| b["fullEvent"].as_str().unwrap().to_string());
    assert_eq!(
        batched,
        [
            json!({"id": "7", "fullEvent": "product.created"}),
            json!({"id": "1-5,99", "fullEvent": "product.modified"}),
        ]
    );
    let singles: Vec<String> = receiver
        .received()
        .into_iter()
        .filter(|r| r.uri.starts_with("/single/"))
        .map(|r| r.uri)
        .collect();
    // Each raised event is one call, in the order raised (the repeated 3 too).
    assert_eq!(
        singles,
        [
            "/single/3",
            "/single/1",
            "/single/2",
            "/single/99",
            "/single/5",
            "/single/4",
            "/single/3"
        ]
    );
    let counters = h.handle.counters();
    assert_eq!((counters.sent, counters.delivered), (9, 9));
}

#[tokio::test]
async fn a_full_batch_goes_out_at_once_and_drain_sends_the_rest() {
    let receiver = Receiver::start().await;
    let h = start(DeliveryConfig {
        batch_window: Duration::from_secs(30),
        batch_max_ids: 3,
        ..fast_config()
    });
    h.hook(post_hook(
        "order.modified.order-status",
        &format!("{}/b", receiver.base),
        true,
        0,
    ));
    h.raise(
        "order",
        Lifecycle::Modified,
        Some("order-status"),
        &[1, 2, 3, 4, 5, 6, 7],
    );
    h.raise("order", Lifecycle::Modified, None, &[8]); // not subscribed
    wait_until("two full batches", || receiver.at("/b").len() == 2).await;
    let ids: Vec<Json> = json_bodies(&receiver.at("/b"))
        .iter()
        .map(|b| b["id"].clone())
        .collect();
    assert_eq!(ids, ["1-3", "4-6"]);
    h.handle.drain(Duration::from_secs(2)).await;
    let bodies = json_bodies(&receiver.at("/b"));
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[2]["id"], "7");
    assert_eq!(h.handle.counters().dropped_on_stop, 0);
    assert!(
        h.events
            .send(Event::new("order", Lifecycle::Modified, 9, 0))
            .is_err()
    );
}

#[tokio::test]
async fn templates_render_raw_into_bodies_and_url_encoded_into_uris() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.hook(json!({"subscribeTo": "goods-out-note.modified.shipped", "httpMethod": "PUT",
        "uriTemplate": format!("{}/hook/${{account-code}}?ids=${{resource-id}}&at=${{raised-on}}&e=${{full-event}}&token=s3cret", receiver.base),
        "bodyTemplate": "{ \"accountCode\": \"${account-code}\", \"resourceType\": \"${resource-type}\", \"id\": \"${resource-id}\", \"lifecycleEvent\": \"${lifecycle-event}\", \"resourceSpecifier\": \"${resource-specifier}\", \"fullEvent\": \"${full-event}\", \"raisedOn\": \"${raised-on}\", \"brightpearlVersion\": \"${brightpearl-version}\" }",
        "contentType": "application/vnd.acme+json", "idSetAccepted": "true"}));
    h.hook(
        json!({"subscribeTo": "goods-out-note", "httpMethod": "DELETE",
        "uriTemplate": format!("{}/gone/${{resource-id}}", receiver.base),
        "bodyTemplate": "never sent", "contentType": "text/plain"}),
    );
    h.raise(
        "goods-out-note",
        Lifecycle::Modified,
        Some("shipped"),
        &[10, 11, 12, 20],
    );
    settle("deliveries", || receiver.received().len() >= 5).await;

    let put = receiver.at("/hook/acme");
    assert_eq!(put.len(), 1);
    let put = &put[0];
    assert_eq!(put.method, Method::PUT);
    assert_eq!(
        put.uri,
        "/hook/acme?ids=10-12%2C20&at=2022-09-19T10%3A20%3A41.691Z&e=goods-out-note.modified.shipped&token=s3cret"
    );
    assert_eq!(put.headers["content-type"], "application/vnd.acme+json");
    assert_eq!(
        serde_json::from_str::<Json>(&put.body).unwrap(),
        json!({"accountCode": "acme", "resourceType": "goods-out-note", "id": "10-12,20",
            "lifecycleEvent": "modified", "resourceSpecifier": "shipped",
            "fullEvent": "goods-out-note.modified.shipped", "raisedOn": "2022-09-19T10:20:41.691Z",
            "brightpearlVersion": BRIGHTPEARL_VERSION})
    );
    // No signature of any kind (reference §8.4).
    for (name, _) in put.headers.iter() {
        let name = name.as_str();
        assert!(
            !name.contains("signature")
                && !name.contains("hmac")
                && !name.starts_with("brightpearl"),
            "unexpected header {name}"
        );
    }
    let deletes = receiver
        .received()
        .into_iter()
        .filter(|r| r.method == Method::DELETE)
        .collect::<Vec<_>>();
    assert_eq!(deletes.len(), 4);
    for delete in deletes {
        assert!(delete.body.is_empty(), "{delete:?}");
        assert!(delete.headers.get("content-type").is_none(), "{delete:?}");
    }
}

#[tokio::test]
async fn qos_0_retries_only_after_a_503() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    let path = |p: &str| format!("{}{p}", receiver.base);
    receiver.script(
        "/busy",
        &[
            Answer::Status(503),
            Answer::Status(503),
            Answer::Status(200),
        ],
    );
    receiver.script("/broken", &[Answer::Status(500), Answer::Status(200)]);
    receiver.script("/slow", &[Answer::Hang(1500)]);
    h.hook(post_hook("product.created", &path("/busy"), false, 0));
    h.hook(post_hook("product.created", &path("/broken"), false, 0));
    h.hook(post_hook("product.created", &path("/slow"), false, 0));
    let refused = closed_port_url("/refused").await;
    let refused_hook = h.hook(post_hook("product.created", &refused, false, 0));
    h.raise("product", Lifecycle::Created, None, &[1]);
    settle("deliveries", || {
        receiver.at("/busy").len() == 3 && h.handle.counters().given_up == 3
    })
    .await;

    assert_eq!(
        receiver.at("/busy").len(),
        3,
        "503 is retried until delivered"
    );
    assert_eq!(
        receiver.at("/broken").len(),
        1,
        "500 is not retried at QoS 0"
    );
    assert_eq!(
        receiver.at("/slow").len(),
        1,
        "a timeout is not retried at QoS 0"
    );
    let log = h.handle.log();
    let refused_attempts: Vec<_> = log
        .iter()
        .filter(|a| a.webhook_id == refused_hook)
        .collect();
    assert_eq!(refused_attempts.len(), 1, "{refused_attempts:?}");
    assert!(
        refused_attempts[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("could not connect")
    );
    assert!(matches!(
        &refused_attempts[0].next,
        NextStep::GiveUp { reason } if reason.contains("only after a 503")
    ));
    let counters = h.handle.counters();
    assert_eq!(
        (
            counters.sent,
            counters.delivered,
            counters.retried,
            counters.given_up
        ),
        (6, 1, 2, 3)
    );
}

#[tokio::test]
async fn qos_1_retries_every_failure_but_a_4xx() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    let path = |p: &str| format!("{}{p}", receiver.base);
    receiver.script("/broken", &[Answer::Status(500), Answer::Status(502)]);
    receiver.script("/slow", &[Answer::Hang(1500)]);
    receiver.script("/missing", &[Answer::Status(404)]);
    h.hook(post_hook("product.created", &path("/broken"), false, 1));
    h.hook(post_hook("product.created", &path("/slow"), false, 1));
    h.hook(post_hook("product.created", &path("/missing"), false, 1));
    let refused_hook = h.hook(post_hook(
        "product.created",
        &closed_port_url("/refused").await,
        false,
        1,
    ));
    h.raise("product", Lifecycle::Created, None, &[1]);
    settle("deliveries", || {
        let c = h.handle.counters();
        c.delivered == 2 && c.given_up == 2
    })
    .await;

    assert_eq!(receiver.at("/broken").len(), 3, "500 and 502 are retried");
    assert_eq!(receiver.at("/slow").len(), 2, "a timeout is retried");
    assert_eq!(receiver.at("/missing").len(), 1, "a 4xx is never retried");
    let refused: Vec<_> = h
        .handle
        .log()
        .into_iter()
        .filter(|a| a.webhook_id == refused_hook)
        .collect();
    let attempts: Vec<u32> = refused.iter().map(|a| a.attempt).collect();
    assert_eq!(
        attempts,
        [1, 2, 3, 4],
        "connection failures retried up to max_attempts"
    );
    let waits: Vec<&NextStep> = refused.iter().map(|a| &a.next).collect();
    assert_eq!(
        waits[..3],
        [
            &NextStep::Retry { after_ms: 20 },
            &NextStep::Retry { after_ms: 40 },
            &NextStep::Retry { after_ms: 80 }
        ]
    );
    assert!(matches!(waits[3], NextStep::GiveUp { reason } if reason.contains("4 attempts")));
}

#[tokio::test]
async fn fail_rate_loses_attempts_which_only_qos_1_retries() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.handle
        .set_faults(DeliveryFaults {
            fail_rate: 1.0,
            ..DeliveryFaults::default()
        })
        .unwrap();
    let qos0 = h.hook(post_hook(
        "product.created",
        &format!("{}/q0", receiver.base),
        false,
        0,
    ));
    let qos1 = h.hook(post_hook(
        "product.created",
        &format!("{}/q1", receiver.base),
        false,
        1,
    ));
    h.raise("product", Lifecycle::Created, None, &[1]);
    settle("give-ups", || h.handle.counters().given_up == 2).await;
    assert!(receiver.received().is_empty(), "lost calls must not arrive");
    let log = h.handle.log();
    assert_eq!(log.iter().filter(|a| a.webhook_id == qos0).count(), 1);
    assert_eq!(log.iter().filter(|a| a.webhook_id == qos1).count(), 4);
    assert!(
        log.iter()
            .all(|a| a.error.as_deref().unwrap().contains("fail_rate"))
    );

    h.handle.set_faults(DeliveryFaults::default()).unwrap();
    h.raise("product", Lifecycle::Created, None, &[2]);
    wait_until("delivery after the fault is lifted", || {
        receiver.received().len() == 2
    })
    .await;
}

#[tokio::test]
async fn repeat_rate_delivers_the_same_call_twice() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.handle
        .set_faults(DeliveryFaults {
            repeat_rate: 1.0,
            ..DeliveryFaults::default()
        })
        .unwrap();
    h.hook(post_hook(
        "product.created",
        &format!("{}/r", receiver.base),
        false,
        0,
    ));
    h.raise("product", Lifecycle::Created, None, &[1, 2]);
    settle("repeats", || receiver.received().len() >= 4).await;
    let bodies: Vec<Json> = json_bodies(&receiver.received())
        .iter()
        .map(|b| b["id"].clone())
        .collect();
    assert_eq!(bodies, ["1", "1", "2", "2"]);
    let counters = h.handle.counters();
    assert_eq!((counters.delivered, counters.repeated), (2, 2));
    assert_eq!(h.handle.log().iter().filter(|a| a.repeat).count(), 2);
}

#[tokio::test]
async fn reorder_releases_calls_out_of_the_order_raised() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.hook(
        json!({"subscribeTo": "product.created", "httpMethod": "GET",
        "uriTemplate": format!("{}/o/${{resource-id}}", receiver.base)}),
    );
    let ids: Vec<u64> = (1..=8).collect();
    let arrived = |receiver: &Receiver| -> Vec<u64> {
        receiver
            .received()
            .iter()
            .map(|r| r.uri.trim_start_matches("/o/").parse().unwrap())
            .collect()
    };

    h.raise("product", Lifecycle::Created, None, &ids);
    wait_until("in-order deliveries", || receiver.received().len() == 8).await;
    assert_eq!(
        arrived(&receiver),
        ids,
        "without the fault calls keep their order"
    );

    h.handle
        .set_faults(DeliveryFaults {
            reorder: true,
            ..DeliveryFaults::default()
        })
        .unwrap();
    receiver.state.received.lock().unwrap().clear();
    h.raise("product", Lifecycle::Created, None, &ids);
    settle("reordered deliveries", || receiver.received().len() == 8).await;
    let mut got = arrived(&receiver);
    assert_ne!(got, ids, "reorder must change the order");
    got.sort_unstable();
    assert_eq!(got, ids, "reorder must deliver every call once");
}

#[tokio::test]
async fn delay_ms_holds_every_attempt_back() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    h.handle
        .set_faults(DeliveryFaults {
            delay_ms: 400,
            ..DeliveryFaults::default()
        })
        .unwrap();
    h.hook(post_hook(
        "product.created",
        &format!("{}/d", receiver.base),
        false,
        0,
    ));
    let raised = Instant::now();
    h.raise("product", Lifecycle::Created, None, &[1]);
    wait_until("the delayed call", || receiver.received().len() == 1).await;
    assert!(raised.elapsed() >= Duration::from_millis(400));
    assert!(
        h.handle
            .set_faults(DeliveryFaults {
                repeat_rate: -0.1,
                ..DeliveryFaults::default()
            })
            .is_err()
    );
}

#[tokio::test]
async fn simulate_fires_once_per_id_set_or_once_per_id() {
    let receiver = Receiver::start().await;
    let h = start(fast_config());
    let batched = h.hook(json!({"subscribeTo": "product.modified.on-hand-modified",
        "httpMethod": "POST", "uriTemplate": format!("{}/sim/${{resource-type}}", receiver.base),
        "bodyTemplate": "{ \"accountCode\": \"${account-code}\", \"resourceType\": \"${resource-type}\", \"id\": \"${resource-id}\", \"lifecycleEvent\": \"${lifecycle-event}\", \"fullEvent\": \"${full-event}\", \"raisedOn\": \"${raised-on}\", \"brightpearlVersion\": \"${brightpearl-version}\" }",
        "contentType": "application/json", "idSetAccepted": true}));
    let single = h.hook(json!({"subscribeTo": "order.modified", "httpMethod": "GET",
        "uriTemplate": format!("{}/one/${{account-code}}/${{resource-id}}", receiver.base)}));
    let (batched, single) = {
        let registry = h.registry.lock().unwrap();
        (
            registry.find(batched).unwrap().clone(),
            registry.find(single).unwrap().clone(),
        )
    };
    // The documented example (reference §8.1).
    let test_data = json!({"${account-code}":"myAccount","${resource-type}":"product",
        "${resource-id}":"1-5,99,202","${lifecycle-event}":"modified",
        "${resource-specifier}":"on-hand-modified","${raised-on}":"2012-01-01T01:01:01Z",
        "${brightpearl-version}":"4.23.1"});
    assert_eq!(h.handle.simulate(&batched, &test_data).unwrap(), 1);
    assert_eq!(
        h.handle
            .simulate(&single, &json!({"${resource-id}": "7-9,12"}))
            .unwrap(),
        4
    );
    settle("simulated calls", || receiver.received().len() >= 5).await;
    assert_eq!(
        json_bodies(&receiver.at("/sim/product")),
        [
            json!({"accountCode": "myAccount", "resourceType": "product", "id": "1-5,99,202",
            "lifecycleEvent": "modified", "fullEvent": "product.modified.on-hand-modified",
            "raisedOn": "2012-01-01T01:01:01Z", "brightpearlVersion": "4.23.1"})
        ]
    );
    let singles: Vec<String> = receiver
        .received()
        .into_iter()
        .filter(|r| r.uri.starts_with("/one/"))
        .map(|r| r.uri)
        .collect();
    assert_eq!(
        singles,
        ["/one/acme/7", "/one/acme/8", "/one/acme/9", "/one/acme/12"]
    );
    assert!(h.handle.log().iter().all(|a| a.simulated));
    assert_eq!(h.handle.counters().simulated, 5);

    for (bad, says) in [
        (json!({"${resource-id}": "1-11"}), "at most 10"),
        (json!({"${resource-type}": "order"}), "needs ${resource-id}"),
        (json!({"resource-id": "1"}), "not a template variable"),
        (json!({"${resource-id}": "5-1"}), "runs downwards"),
        (json!({"${resource-id}": ["1"]}), "must be a string"),
        (json!("1"), "must be an object"),
    ] {
        let problem = h.handle.simulate(&single, &bad).unwrap_err();
        assert_eq!((problem.status, problem.code), (400, "INTC-067"), "{bad}");
        assert!(problem.message.contains(says), "{bad}: {}", problem.message);
    }
}

#[tokio::test]
async fn stop_drops_what_is_pending_and_says_so() {
    let receiver = Receiver::start().await;
    let h = start(DeliveryConfig {
        batch_window: Duration::from_secs(30),
        ..fast_config()
    });
    h.hook(post_hook(
        "product.created",
        &format!("{}/s", receiver.base),
        true,
        1,
    ));
    h.hook(post_hook(
        "product.created",
        &format!("{}/p", receiver.base),
        false,
        1,
    ));
    // The per-id calls wait in their lane (or in the inbox) when the stop comes.
    h.handle
        .set_faults(DeliveryFaults {
            delay_ms: 1000,
            ..DeliveryFaults::default()
        })
        .unwrap();
    h.raise("product", Lifecycle::Created, None, &[1, 2]);
    h.handle.stop().await;
    // One batch, and two per-id calls that never reached the receiver.
    assert_eq!(h.handle.counters().dropped_on_stop, 3);
    assert!(
        h.events
            .send(Event::new("product", Lifecycle::Created, 3, 0))
            .is_err()
    );
    let hook = h.registry.lock().unwrap().all()[0].clone();
    let problem = h
        .handle
        .simulate(&hook, &json!({"${resource-id}": "1"}))
        .unwrap_err();
    assert_eq!(problem.status, 500);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(receiver.received().is_empty());
}
