//! The transport against a scripted HTTP server on a real socket: retries, renewals, the
//! breaker, throttling and the "never repeat a write that may have landed" rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap as AxumHeaders, StatusCode};
use axum::response::IntoResponse;
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::{Budget, BudgetSpec, MemoryLedger, Reading};
use ferry_http::{
    Api, Auth, Call, Error, HeaderMap, HeaderValue, Method, Transport, TransportConfig, Verdict,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One scripted answer: status, extra header, body. `None` status drops the connection.
#[derive(Clone)]
struct Answer(
    Option<u16>,
    Option<(&'static str, &'static str)>,
    &'static str,
);

#[derive(Clone, Default)]
struct Script {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn answer(
    State(script): State<Script>,
    headers: AxumHeaders,
    _body: Bytes,
) -> axum::response::Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    script.seen.lock().unwrap().push(token);
    let next = script.answers.lock().unwrap().pop_front();
    match next {
        Some(Answer(Some(status), header, body)) => {
            let mut response =
                (StatusCode::from_u16(status).unwrap(), body.to_owned()).into_response();
            if let Some((k, v)) = header {
                response.headers_mut().insert(k, v.parse().unwrap());
            }
            response
        }
        // A handler cannot drop a connection; a panic in axum closes it without an answer.
        Some(Answer(None, _, _)) => panic!("drop the connection"),
        None => (StatusCode::OK, "done").into_response(),
    }
}

async fn server(answers: Vec<Answer>) -> (String, Script) {
    let script = Script {
        answers: Arc::new(Mutex::new(answers.into())),
        seen: Arc::default(),
    };
    let app = Router::new().fallback(answer).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/thing", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (url, script)
}

/// A minimal API: 2xx ok, 401 renew, 429 throttled (Retry-After ms in `x-wait-ms`),
/// 503 transient not applied, other 5xx transient maybe applied, 4xx permanent.
struct TestApi;

impl Api for TestApi {
    fn name(&self) -> &'static str {
        "test"
    }
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict {
        let message = String::from_utf8_lossy(body).into_owned();
        match status {
            200..=299 => Verdict::Ok,
            401 => Verdict::Reauthenticate { message },
            429 => Verdict::Throttled {
                wait: Duration::from_millis(
                    headers
                        .get("x-wait-ms")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(10),
                ),
            },
            503 => Verdict::Transient {
                code: "UNAVAILABLE".into(),
                message,
                retry_after: ferry_http::retry_after(headers),
                not_applied: true,
            },
            500..=599 => Verdict::Transient {
                code: "INTERNAL".into(),
                message,
                retry_after: None,
                not_applied: false,
            },
            _ => Verdict::Permanent {
                code: format!("HTTP_{status}"),
                message,
            },
        }
    }
    fn reading(&self, headers: &HeaderMap) -> Option<Reading> {
        let remaining = headers.get("x-remaining")?.to_str().ok()?.parse().ok()?;
        Some(Reading::Window {
            remaining,
            resets_in: Duration::from_secs(60),
        })
    }
}

/// Tokens `token-0`, `token-1`, … : renew moves to the next.
#[derive(Default)]
struct CountingAuth {
    generation: AtomicU64,
}

#[async_trait]
impl Auth for CountingAuth {
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error> {
        let generation = self.generation.load(Ordering::SeqCst);
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("token-{generation}")).unwrap(),
        );
        Ok(generation)
    }
    async fn renew(&self, generation: u64) -> Result<(), Error> {
        let _ = self.generation.compare_exchange(
            generation,
            generation + 1,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        Ok(())
    }
}

fn config() -> TransportConfig {
    TransportConfig {
        timeout: Duration::from_secs(5),
        retry: ferry_core::RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
        patience: Duration::from_secs(10),
        breaker: BreakerConfig {
            threshold: 3,
            open_for: Duration::from_millis(150),
            max_open_for: Duration::from_millis(300),
        },
    }
}

fn transport(config: TransportConfig) -> Transport {
    let budget = Arc::new(Budget::new(
        "test",
        BudgetSpec::Window {
            limit: 1000,
            window: Duration::from_secs(60),
        },
        Arc::new(MemoryLedger::default()),
    ));
    Transport::new(
        Arc::new(TestApi),
        reqwest_client(),
        budget,
        Arc::new(CountingAuth::default()),
        config,
    )
}

fn reqwest_client() -> ferry_http::reqwest::Client {
    ferry_http::client_builder(None).unwrap().build().unwrap()
}

fn ok(body: &'static str) -> Answer {
    Answer(Some(200), None, body)
}

#[tokio::test]
async fn transient_failures_are_retried_until_an_answer_comes() {
    let (url, script) = server(vec![
        Answer(Some(503), None, "busy"),
        Answer(Some(500), None, "oops"),
        ok("fine"),
    ])
    .await;
    let t = transport(config());
    let reply = t.send(&Call::get(&url, "thing")).await.unwrap();
    assert_eq!(&reply.body[..], b"fine");
    assert_eq!(reply.attempts, 3);
    let stats = t.stats();
    assert_eq!((stats.requests, stats.retries, stats.succeeded), (3, 2, 1));
    assert_eq!(stats.errors.get("UNAVAILABLE"), Some(&1));
    assert_eq!(script.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_write_that_may_have_landed_is_not_repeated() {
    let (url, script) = server(vec![Answer(Some(500), None, "oops"), ok("created")]).await;
    let t = transport(config());
    let call = Call::new(Method::POST, &url, "thing").body("application/json", "{}");
    let err = t.send(&call).await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err}");
    assert_eq!(err.code(), "OUTCOME_UNKNOWN");
    assert!(err.to_string().contains("look the record up"), "{err}");
    assert_eq!(
        script.seen.lock().unwrap().len(),
        1,
        "the create must not be sent twice"
    );

    // A 503 from a gateway means the request never landed: even a create is repeated.
    let (url, script) = server(vec![Answer(Some(503), None, "busy"), ok("created")]).await;
    let call = Call::new(Method::POST, &url, "thing").body("application/json", "{}");
    assert_eq!(&t.send(&call).await.unwrap().body[..], b"created");
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_dropped_connection_on_a_write_is_ambiguous_and_on_a_read_is_retried() {
    let (url, script) = server(vec![Answer(None, None, ""), ok("read")]).await;
    let t = transport(config());
    assert_eq!(
        &t.send(&Call::get(&url, "thing")).await.unwrap().body[..],
        b"read"
    );
    assert_eq!(script.seen.lock().unwrap().len(), 2);

    let (url, _script) = server(vec![Answer(None, None, ""), ok("created")]).await;
    let call = Call::new(Method::POST, &url, "thing").body("application/json", "{}");
    let err = t.send(&call).await.unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err}");
}

#[tokio::test]
async fn a_refused_session_is_renewed_once() {
    let (url, script) = server(vec![Answer(Some(401), None, "expired"), ok("fine")]).await;
    let t = transport(config());
    t.send(&Call::get(&url, "thing")).await.unwrap();
    assert_eq!(*script.seen.lock().unwrap(), ["token-0", "token-1"]);
    assert_eq!(t.stats().renewals, 1);

    let (url, script) = server(vec![
        Answer(Some(401), None, "expired"),
        Answer(Some(401), None, "still refused"),
        ok("never"),
    ])
    .await;
    let err = t.send(&Call::get(&url, "thing")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message, .. } if message == "still refused"),
        "{err}"
    );
    assert!(!err.is_transient());
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn permanent_refusals_keep_the_body_and_are_not_retried() {
    let (url, script) = server(vec![Answer(Some(400), None, "bad field"), ok("never")]).await;
    let t = transport(config());
    let err = t.send(&Call::get(&url, "thing")).await.unwrap_err();
    let rejection = err.rejection().expect("a rejection");
    assert_eq!(
        (rejection.status, rejection.code.as_str()),
        (400, "HTTP_400")
    );
    assert_eq!(&rejection.body[..], b"bad field");
    assert_eq!(script.seen.lock().unwrap().len(), 1);
    // A refusal says the endpoint is healthy.
    assert_eq!(t.breakers()[0].1.name(), "closed");
}

#[tokio::test]
async fn throttling_waits_as_told_and_is_not_a_failure() {
    let (url, _script) = server(vec![
        Answer(Some(429), Some(("x-wait-ms", "120")), "slow down"),
        Answer(Some(429), Some(("x-wait-ms", "120")), "slow down"),
        ok("fine"),
    ])
    .await;
    let t = transport(config());
    let started = Instant::now();
    t.send(&Call::get(&url, "thing")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
    let stats = t.stats();
    assert_eq!(
        (stats.throttled, stats.retries, stats.breaker_openings),
        (2, 0, 0)
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (url, _script) = server(vec![
        Answer(Some(503), Some(("retry-after", "1")), "busy"),
        ok("fine"),
    ])
    .await;
    let t = transport(config());
    let started = Instant::now();
    t.send(&Call::get(&url, "thing")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_then_probes_and_closes() {
    let failures: Vec<Answer> = (0..3).map(|_| Answer(Some(503), None, "down")).collect();
    let (url, script) = server(failures).await;
    let impatient = TransportConfig {
        retry: ferry_core::RetryPolicy {
            max_attempts: 3,
            ..config().retry
        },
        patience: Duration::from_millis(100),
        ..config()
    };
    let t = transport(impatient);
    // Three transient failures in a row: the call gives up and the breaker opens.
    let err = t.send(&Call::get(&url, "thing")).await.unwrap_err();
    assert!(matches!(err, Error::GaveUp { attempts: 3, .. }), "{err}");
    assert!(err.is_transient());
    assert_eq!(t.breakers()[0].1.name(), "open");
    assert_eq!(t.stats().breaker_openings, 1);
    // While open, a call with little patience fails at once, without a request.
    let err = t.send(&Call::get(&url, "thing")).await.unwrap_err();
    assert!(matches!(err, Error::CircuitOpen { .. }), "{err}");
    assert!(err.to_string().contains("calls are paused"), "{err}");
    assert_eq!(script.seen.lock().unwrap().len(), 3);
    // After the pause, one probe goes through; its success closes the breaker.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t.breakers()[0].1.name(), "half-open");
    t.send(&Call::get(&url, "thing")).await.unwrap();
    assert_eq!(t.breakers()[0].1.name(), "closed");
}

#[tokio::test]
async fn a_patient_call_rides_out_an_open_breaker() {
    let mut answers: Vec<Answer> = (0..3).map(|_| Answer(Some(503), None, "down")).collect();
    answers.push(ok("back"));
    let (url, _script) = server(answers).await;
    let t = transport(config());
    let reply = t.send(&Call::get(&url, "thing")).await.unwrap();
    assert_eq!(&reply.body[..], b"back");
    assert_eq!(t.stats().breaker_openings, 1);
    assert_eq!(t.breakers()[0].1.name(), "closed");
}

#[tokio::test]
async fn an_unreachable_server_gives_up_with_a_reason() {
    // Bind and drop a listener: nothing answers on that port now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    drop(listener);
    let t = transport(config());
    let err = t.send(&Call::get(&url, "thing")).await.unwrap_err();
    assert!(
        matches!(&err, Error::GaveUp { last, .. } if last.contains("could not connect")),
        "{err}"
    );
    assert_eq!(t.stats().errors.get("CONNECT"), Some(&5));
}

#[tokio::test]
async fn budget_readings_reach_the_budget() {
    let (url, _script) = server(vec![Answer(Some(200), Some(("x-remaining", "42")), "ok")]).await;
    let t = transport(config());
    t.send(&Call::get(&url, "thing")).await.unwrap();
    assert_eq!(t.budget().snapshot().remaining, Some(42));
    assert_eq!(t.budget().snapshot().used_by_run, 1);
}
