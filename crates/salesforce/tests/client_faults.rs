//! The client against the Salesforce sandbox's injected faults: expired sessions, 503 storms,
//! lock contention, outages (breaker), dropped connections and the daily API ceiling. Every
//! test counts its calls: successes plus explicit errors equal the calls made.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_sandbox::salesforce::api::Options;
use ferry_sandbox::salesforce::faults::FaultSettings;

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
    let calls = 40;
    let mut ok = 0;
    for _ in 0..calls {
        let _: serde_json::Value = client
            .get_json("/limits")
            .await
            .expect("retried to success");
        ok += 1;
    }
    assert_eq!(ok, calls);
    let stats = client.transport().stats();
    assert_eq!(stats.succeeded, calls);
    assert!(
        stats.retries > 0,
        "a 30% error rate must have caused retries: {stats:?}"
    );
    sandbox.stop().await.unwrap();
}
