//! The Brightpearl client recovering from injected faults, over real sockets: server
//! throttling (and the budget that avoids it), 503 storms, an outage that opens and closes the
//! breaker, expired tokens under concurrency, and dropped connections (GETs retried, creates
//! never repeated). Every call ends in a usable answer or an explicit, counted error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Bp, breaker_state, fast_transport, options, start};
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::webhooks::NewWebhook;
use ferry_brightpearl::search::Search;
use ferry_brightpearl::webhooks;
use ferry_brightpearl::{Client, Error};
use ferry_http::breaker::{BreakerConfig, BreakerState};
use ferry_http::{Method, TransportConfig};
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use std::time::{Duration, Instant};

const WAREHOUSES: &str = "warehouse-service/warehouse";

/// `n` warehouse reads at once; returns how many succeeded.
async fn reads(client: &Client, n: usize) -> usize {
    let results: Vec<_> = futures_util::future::join_all((0..n).map(|_| client.warehouses())).await;
    for result in &results {
        if let Err(e) = result {
            panic!("a read failed: {e}");
        }
    }
    results.len()
}

/// The sandbox's throttle window is a fixed 60 s (`throttle::WINDOW_MS`, not configurable), so
/// a test that crosses a window waits about a minute. This is the one such test: both
/// scenarios run side by side against their own sandboxes and take one window wait together
/// (≈ 60 s in all).
#[tokio::test]
async fn throttling_is_honoured_and_a_budget_at_the_servers_rate_avoids_it() {
    let limited = |rate| Options {
        data: DataSet::Empty,
        requests_per_minute: rate,
        ..Options::default()
    };
    let (server_only, both) = tokio::join!(start(limited(5)), start(limited(5)));
    // The client believes in 200 a minute; the server allows 5: it must honour the 503s.
    let patient = TransportConfig {
        patience: Duration::from_secs(90),
        ..fast_transport()
    };
    let eager = server_only.account_client(200, patient);
    // The client knows the rate: its budget paces it and the server never refuses.
    let paced = both.account_client(5, patient);

    let started = Instant::now();
    let (eager_done, paced_done) = tokio::join!(reads(&eager, 8), reads(&paced, 8));
    let took = started.elapsed();
    assert_eq!((eager_done, paced_done), (8, 8), "no call lost");

    let eager_stats = eager.transport().stats();
    assert!(eager_stats.throttled > 0, "{eager_stats:?}");
    assert_eq!(eager_stats.succeeded, 8);
    assert_eq!(
        eager_stats.requests,
        8 + eager_stats.throttled,
        "each throttled request was sent again once its window came"
    );
    let paced_stats = paced.transport().stats();
    // The budget holds the three calls past the limit until the server's window has ended
    // (it keeps the later of its own and the server's window end), so none is refused.
    assert_eq!(paced_stats.throttled, 0, "{paced_stats:?}");
    assert_eq!(paced_stats.requests, 8 + paced_stats.throttled);
    assert_eq!(paced_stats.succeeded, 8);
    assert!(
        took >= Duration::from_secs(50),
        "the three calls past the limit waited for the next window ({took:?})"
    );
    // Nothing here is an endpoint failure.
    assert_eq!(
        eager_stats.breaker_openings + paced_stats.breaker_openings,
        0
    );
}

#[tokio::test]
async fn a_503_storm_loses_no_read() {
    // Throttling off: the sandbox reports a window that ends at once, so the budget, which
    // trusts the server, never holds the ~300 requests back.
    let bp = start(Options {
        requests_per_minute: 0,
        ..options(DataSet::Demo)
    })
    .await;
    let client = bp.account_client(100_000, fast_transport());
    let rows: Vec<_> = Search::new(&client, "product-service/product-search")
        .columns(&["productId"])
        .stable_by("productId")
        .rows()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = rows
        .iter()
        .map(|row| row["productId"].as_u64().unwrap())
        .collect();
    assert!(ids.len() >= 400);

    bp.set_faults(json!({"error_rate": 0.3})).await;
    let results: Vec<Result<Vec<u64>, Error>> = futures_util::stream::iter(0..200)
        .map(|i| {
            let client = client.clone();
            let set = IdSet::from_ids([ids[i * 2], ids[i * 2 + 1]]);
            async move {
                let products = client.products(&set).await?;
                Ok(products.iter().map(|p| p.id).collect())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    bp.clear_faults().await;

    let mut got: Vec<u64> = Vec::new();
    for result in results {
        got.extend(result.unwrap());
    }
    got.sort_unstable();
    let mut want = ids[..400].to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "every record of every read, once");
    let stats = client.transport().stats();
    assert!(stats.retries > 0, "{stats:?}");
    assert!(
        stats.errors.get("HTTP_503").copied().unwrap_or(0) > 0,
        "{stats:?}"
    );
}

fn with_patience(patience: Duration, open_for: Duration) -> TransportConfig {
    TransportConfig {
        patience,
        breaker: BreakerConfig {
            threshold: 5,
            open_for,
            max_open_for: open_for * 2,
        },
        ..fast_transport()
    }
}

#[tokio::test]
async fn an_outage_opens_the_breaker_and_it_closes_after() {
    let bp: Bp = start(options(DataSet::Empty)).await;
    // Short patience: calls during the outage fail fast with an explicit error.
    let hasty = bp.account_client(
        200,
        with_patience(Duration::from_millis(600), Duration::from_secs(1)),
    );
    // Long patience: calls wait out the outage and succeed.
    let patient = bp.account_client(
        200,
        with_patience(Duration::from_secs(30), Duration::from_millis(500)),
    );
    hasty.warehouses().await.unwrap();
    patient.warehouses().await.unwrap();

    let outage = Duration::from_millis(2500);
    let outage_started = Instant::now();
    bp.outage(outage).await;

    let waiting = tokio::spawn({
        let patient = patient.clone();
        async move { patient.warehouses().await.map(|w| w.len()) }
    });

    // The first call fails its way to the threshold and gives up once the breaker is open.
    let first = hasty.warehouses().await.unwrap_err();
    assert!(
        matches!(first, Error::CircuitOpen { .. } | Error::GaveUp { .. }),
        "{first}"
    );
    assert_eq!(breaker_state(&hasty, WAREHOUSES).name(), "open");
    assert!(matches!(
        breaker_state(&hasty, WAREHOUSES),
        BreakerState::Open { .. }
    ));

    // While it is open, calls fail fast without reaching the server.
    let sent = hasty.transport().stats().requests;
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let at = Instant::now();
        let result = hasty.warehouses().await;
        assert!(at.elapsed() < Duration::from_millis(100), "failed fast");
        outcomes.push(result);
    }
    assert!(
        outcomes
            .iter()
            .all(|r| matches!(r, Err(Error::CircuitOpen { .. }))),
        "every call during the pause is an explicit CircuitOpen"
    );
    assert_eq!(hasty.transport().stats().requests, sent, "nothing was sent");
    let message = outcomes[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("calls are paused"), "{message}");

    // The patient call rides the outage out.
    let waited = waiting.await.unwrap().unwrap();
    assert!(waited > 0);
    assert!(
        outage_started.elapsed() >= outage,
        "it succeeded only after the outage"
    );
    let patient_stats = patient.transport().stats();
    assert!(patient_stats.breaker_openings >= 1, "{patient_stats:?}");
    assert_eq!(breaker_state(&patient, WAREHOUSES).name(), "closed");

    // After the outage, the failed work is retried: the probe closes the hasty breaker too.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut retried = 0;
    for result in outcomes.iter().chain([Err(first)].iter()) {
        assert!(result.is_err());
        hasty.warehouses().await.unwrap();
        retried += 1;
    }
    assert_eq!(retried, 21, "every failed call, retried, succeeded");
    assert_eq!(breaker_state(&hasty, WAREHOUSES).name(), "closed");
    let stats = hasty.transport().stats();
    assert!(stats.breaker_openings >= 1);
    assert!(
        stats.errors.get("HTTP_503").copied().unwrap_or(0) >= 5,
        "{stats:?}"
    );
}

#[tokio::test]
async fn expired_tokens_are_renewed_once_under_concurrent_calls() {
    let bp = start(options(DataSet::Empty)).await;
    let oauth = bp.oauth_client().await;
    oauth.client.warehouses().await.unwrap();
    bp.expire_tokens().await;
    assert_eq!(reads(&oauth.client, 20).await, 20);
    assert_eq!(
        oauth.store.saved.lock().unwrap().len(),
        1,
        "twenty refused calls, one refresh"
    );
    assert_eq!(oauth.client.transport().stats().succeeded, 21);
}

#[tokio::test]
async fn dropped_connections_are_retried_for_reads_and_never_for_creates() {
    let bp = start(options(DataSet::Empty)).await;
    let client = bp.client();

    bp.set_faults(json!({"reset_rate": 0.3})).await;
    assert_eq!(reads(&client, 50).await, 50);
    let stats = client.transport().stats();
    assert!(
        stats.errors.get("NETWORK").copied().unwrap_or(0) > 0,
        "{stats:?}"
    );
    assert!(stats.retries > 0);

    // A create whose connection drops may or may not have landed: the caller is told, and
    // the request is not sent again.
    bp.set_faults(json!({"reset_rate": 1.0})).await;
    let before = client.transport().stats().requests;
    let hook = NewWebhook::standard("order.modified", "http://127.0.0.1:9/ferry/intake");
    let err = client
        .write::<u64>(Method::POST, webhooks::PATH, &hook, false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous { .. }), "{err}");
    assert!(err.to_string().contains("look the record up"), "{err}");
    assert_eq!(client.transport().stats().requests - before, 1, "sent once");
    bp.clear_faults().await;
    // Looking it up, as the error says: this time the server had not acted.
    assert!(webhooks::list(&client).await.unwrap().is_empty());
}
