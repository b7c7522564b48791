//! The client against the Salesforce sandbox's injected faults: expired sessions, 503 storms,
//! lock contention, outages (breaker), dropped connections and the daily API ceiling. Every
//! test counts its calls: successes plus explicit errors equal the calls made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_http::breaker::{BreakerConfig, BreakerState};
use ferry_http::budget::Budgets;
use ferry_http::{Error, Method, TransportConfig};
use ferry_salesforce::auth::{Grant, OAuthSession};
use ferry_salesforce::{Client, Settings, http_client};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use ferry_sandbox::salesforce::faults::FaultSettings;
use secrecy::SecretString;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Tallies outcomes by error code (`OK` for successes), so a test can show that every call
/// it made either succeeded or failed with an explicit error.
#[derive(Debug, Default)]
struct Tally {
    made: usize,
    outcomes: BTreeMap<String, usize>,
}

impl Tally {
    fn record<T>(&mut self, outcome: &Result<T, Error>) {
        self.made += 1;
        let key = match outcome {
            Ok(_) => "OK".to_owned(),
            Err(e) => e.code(),
        };
        *self.outcomes.entry(key).or_default() += 1;
    }

    fn count(&self, code: &str) -> usize {
        self.outcomes.get(code).copied().unwrap_or_default()
    }

    /// Nothing silently dropped: every call is a success or a named error.
    fn assert_accounted(&self) {
        assert_eq!(self.outcomes.values().sum::<usize>(), self.made, "{self:?}");
    }
}

async fn admin(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let http = common::plain_http(sandbox);
    let answer = http
        .request(
            method,
            format!("{}/__sandbox/{path}", sandbox.banner.instance_url),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "admin {path}");
    answer.json().await.unwrap()
}

fn client_with(sandbox: &Sandbox, settings: Settings, config: TransportConfig) -> Client {
    common::client_for(sandbox, settings, config)
}

async fn count_accounts(client: &Client) -> u64 {
    let answer: serde_json::Value = client
        .get_json("/query?q=SELECT+COUNT()+FROM+Account")
        .await
        .unwrap();
    answer["totalSize"].as_u64().unwrap()
}

#[tokio::test]
async fn a_503_storm_is_ridden_out_by_retries() {
    let (sandbox, client) = common::sandbox(Options {
        faults: FaultSettings {
            error_rate: 0.3,
            ..FaultSettings::default()
        },
        ..Options::default()
    })
    .await;
    let mut tally = Tally::default();
    for _ in 0..40 {
        tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    }
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 40, "{tally:?}");
    let stats = client.transport().stats();
    assert_eq!(stats.succeeded, 40);
    assert!(
        stats.retries > 0,
        "a 30% error rate must have caused retries: {stats:?}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_succeeds() {
    let sandbox = Sandbox::start(Options {
        session_seconds: 1,
        ..Options::default()
    })
    .await
    .unwrap();
    let settings = common::settings_for(&sandbox, Settings::default());
    let grant = Grant::ClientCredentials {
        client_id: sandbox.banner.client_id.clone(),
        client_secret: SecretString::from(sandbox.banner.client_secret.clone()),
        basic_auth: false,
    };
    let session = Arc::new(
        OAuthSession::connect(
            &sandbox.banner.login_url,
            grant,
            http_client(&settings).unwrap(),
        )
        .await
        .unwrap(),
    );
    let client = Client::new(
        settings,
        session.clone(),
        &Budgets::default(),
        common::fast_transport(),
    )
    .unwrap();
    let mut tally = Tally::default();
    tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 2, "{tally:?}");
    let stats = client.transport().stats();
    assert_eq!(stats.renewals, 1);
    assert_eq!(session.generation(), 1);

    // A session that cannot be renewed (a fixed token) fails at once with Unauthorized.
    let fixed = common::client_for(&sandbox, Settings::default(), common::fast_transport());
    admin(&sandbox, Method::POST, "sessions/expire", json!({})).await;
    let error = fixed
        .get_json::<serde_json::Value>("/limits")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(fixed.transport().stats().requests, 1);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn lock_errors_are_retried_and_nothing_is_created_twice() {
    let (sandbox, client) = common::sandbox(Options {
        data: DataSet::Empty,
        faults: FaultSettings {
            lock_rate: 0.3,
            ..FaultSettings::default()
        },
        ..Options::default()
    })
    .await;
    let mut tally = Tally::default();
    for i in 0..30 {
        // A create is not idempotent, yet UNABLE_TO_LOCK_ROW means it was not applied.
        let call = client
            .call(Method::POST, "/sobjects/Account")
            .json(&json!({"Name": format!("Locked {i}")}))
            .unwrap();
        tally.record(&client.send(&call).await);
    }
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 30, "{tally:?}");
    let stats = client.transport().stats();
    assert!(stats.retries > 0, "{stats:?}");
    assert!(
        stats
            .errors
            .keys()
            .any(|k| k.contains("UNABLE_TO_LOCK_ROW")),
        "{stats:?}"
    );
    sandbox.state().faults.set(FaultSettings::default());
    assert_eq!(count_accounts(&client).await, 30);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn an_outage_opens_the_breaker_then_it_half_opens_and_closes() {
    let sandbox = Sandbox::start(Options::default()).await.unwrap();
    let impatient = TransportConfig {
        patience: Duration::from_millis(100),
        retry: ferry_core::RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        },
        breaker: BreakerConfig {
            threshold: 5,
            open_for: Duration::from_millis(200),
            max_open_for: Duration::from_millis(200),
        },
        ..common::fast_transport()
    };
    let client = client_with(&sandbox, Settings::default(), impatient);
    let mut tally = Tally::default();
    tally.record(&client.get_json::<serde_json::Value>("/limits").await);

    let started = Instant::now();
    admin(&sandbox, Method::POST, "outage", json!({"seconds": 1})).await;
    let mut saw_open = false;
    while started.elapsed() < Duration::from_millis(800) {
        let outcome = client.get_json::<serde_json::Value>("/limits").await;
        if let Err(Error::CircuitOpen { family, .. }) = &outcome {
            assert_eq!(family, "limits");
        }
        tally.record(&outcome);
        if client
            .transport()
            .breakers()
            .iter()
            .any(|(family, state)| family == "limits" && matches!(state, BreakerState::Open { .. }))
        {
            saw_open = true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(saw_open, "the breaker opened during the outage");
    assert!(tally.count("CIRCUIT_OPEN") > 0, "{tally:?}");
    assert!(tally.count("RETRIES_EXHAUSTED") > 0, "{tally:?}");
    let fast_failures = tally.count("CIRCUIT_OPEN");

    // After the outage, the breaker lets a probe through, which closes it.
    tokio::time::sleep(
        Duration::from_millis(1_000).saturating_sub(started.elapsed()) + Duration::from_millis(250),
    )
    .await;
    let states = client.transport().breakers();
    assert!(
        states
            .iter()
            .any(|(family, state)| family == "limits" && *state == BreakerState::HalfOpen),
        "the pause is over: a probe may go ({states:?})"
    );
    let mut recovered = 0;
    for _ in 0..5 {
        let outcome = client.get_json::<serde_json::Value>("/limits").await;
        if outcome.is_ok() {
            recovered += 1;
        }
        tally.record(&outcome);
    }
    assert_eq!(recovered, 5, "{tally:?}");
    let states = client.transport().breakers();
    assert!(
        states.iter().any(|(family, state)| family == "limits"
            && matches!(state, BreakerState::Closed { failures: 0 })),
        "{states:?}"
    );
    tally.assert_accounted();
    assert_eq!(
        tally.count("OK") + tally.count("CIRCUIT_OPEN") + tally.count("RETRIES_EXHAUSTED"),
        tally.made,
        "{tally:?}"
    );
    assert!(client.transport().stats().breaker_openings >= 1);
    assert!(fast_failures > 0);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_create_on_a_dropped_connection_is_ambiguous_and_never_resent() {
    let (sandbox, client) = common::sandbox(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await;
    sandbox.state().faults.set(FaultSettings {
        reset_rate: 1.0,
        ..FaultSettings::default()
    });
    let mut tally = Tally::default();
    for i in 0..3 {
        let call = client
            .call(Method::POST, "/sobjects/Account")
            .json(&json!({"Name": format!("Maybe {i}")}))
            .unwrap();
        let outcome = client.send(&call).await;
        assert!(
            matches!(outcome, Err(Error::Ambiguous { .. })),
            "{outcome:?}"
        );
        tally.record(&outcome);
    }
    tally.assert_accounted();
    assert_eq!(tally.count("OUTCOME_UNKNOWN"), 3);
    // One attempt each: an ambiguous create is handed back, never silently sent again.
    assert_eq!(client.transport().stats().requests, 3);
    assert_eq!(client.transport().stats().retries, 0);

    // Reads are idempotent: the same faults are retried through.
    sandbox.state().faults.set(FaultSettings {
        reset_rate: 0.3,
        ..FaultSettings::default()
    });
    let mut reads = Tally::default();
    for _ in 0..20 {
        reads.record(&client.get_json::<serde_json::Value>("/limits").await);
    }
    reads.assert_accounted();
    assert_eq!(reads.count("OK"), 20, "{reads:?}");
    sandbox.state().faults.set(FaultSettings::default());
    assert_eq!(
        count_accounts(&client).await,
        0,
        "the sandbox dropped those calls unrun"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_daily_ceiling_stops_the_client_before_the_org_limit() {
    let (sandbox, client) = common::sandbox(Options {
        daily_api_limit: 50,
        ..Options::default()
    })
    .await;
    assert_eq!(client.settings().daily_api_percent, 80);
    let mut tally = Tally::default();
    for _ in 0..45 {
        tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    }
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 40, "{tally:?}");
    assert_eq!(tally.count("DAILY_API_CEILING"), 5, "{tally:?}");
    let error = client
        .get_json::<serde_json::Value>("/limits")
        .await
        .unwrap_err();
    assert!(
        error.is_transient(),
        "the ceiling lifts as the 24-hour count falls"
    );
    assert!(error.to_string().contains("daily_api_percent"), "{error}");
    let usage = admin(&sandbox, Method::GET, "limits", json!({})).await;
    assert_eq!(usage["used"], 40, "the org never saw the refused calls");
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_org_limit_reached_elsewhere_is_an_explicit_error_then_the_budget_holds() {
    let (sandbox, client) = common::sandbox(Options {
        daily_api_limit: 100,
        ..Options::default()
    })
    .await;
    let mut tally = Tally::default();
    tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    // Another integration spends the rest of the org's allocation.
    admin(&sandbox, Method::PUT, "limits", json!({"used": 100})).await;
    let outcome = client.get_json::<serde_json::Value>("/limits").await;
    let rejection = outcome
        .as_ref()
        .unwrap_err()
        .rejection()
        .expect("refused by the org");
    assert_eq!(rejection.code, "REQUEST_LIMIT_EXCEEDED");
    assert!(outcome.as_ref().unwrap_err().is_transient());
    tally.record(&outcome);
    // The refusal's Sforce-Limit-Info told the budget: the next call does not go out.
    let requests = client.transport().stats().requests;
    let outcome = client.get_json::<serde_json::Value>("/limits").await;
    tally.record(&outcome);
    assert_eq!(client.transport().stats().requests, requests);
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 1);
    assert_eq!(tally.count("REQUEST_LIMIT_EXCEEDED"), 1);
    assert_eq!(tally.count("DAILY_API_CEILING"), 1, "{tally:?}");
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn the_run_ceiling_stops_a_run() {
    let sandbox = Sandbox::start(Options::default()).await.unwrap();
    let client = client_with(
        &sandbox,
        Settings {
            run_api_calls: Some(10),
            ..Settings::default()
        },
        common::fast_transport(),
    );
    let mut tally = Tally::default();
    for _ in 0..12 {
        tally.record(&client.get_json::<serde_json::Value>("/limits").await);
    }
    tally.assert_accounted();
    assert_eq!(tally.count("OK"), 10, "{tally:?}");
    assert_eq!(tally.count("RUN_API_CEILING"), 2, "{tally:?}");
    let error = client
        .get_json::<serde_json::Value>("/limits")
        .await
        .unwrap_err();
    assert!(
        !error.is_transient(),
        "a run ceiling needs a new run or a setting"
    );
    assert!(error.to_string().contains("run_api_calls"), "{error}");
    sandbox.stop().await.unwrap();
}
