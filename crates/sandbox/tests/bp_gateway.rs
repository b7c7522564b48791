//! The gateway every call passes: URI prefixes, authentication schemes and their 401 bodies,
//! throttling (the 201st request in a minute gets the real 503), the common headers, and the
//! envelope of unknown resources. Over real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;

use bp_common::{send, start_with};
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn throttling_refuses_the_201st_request_of_a_minute_with_the_real_503() {
    let account = start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 200,
        ..Options::default()
    })
    .await;
    let mut last_remaining = 200;
    for i in 1..=200u32 {
        let answer = account.get("/integration-service/webhook").await;
        let remaining: u32 = answer
            .header("brightpearl-requests-remaining")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(remaining, 200 - i, "request {i}");
        assert!(remaining < last_remaining);
        last_remaining = remaining;
        let period: i64 = answer
            .header("brightpearl-next-throttle-period")
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60_000).contains(&period), "period {period}");
    }
    let refused = account.get("/integration-service/webhook").await;
    assert_eq!(refused.status, 503);
    assert_eq!(
        refused.body,
        json!({"response": "You have sent too many requests. Please wait before sending another request"})
    );
    assert_eq!(refused.header("brightpearl-requests-remaining"), Some("0"));
    assert!(refused.header("brightpearl-next-throttle-period").is_some());
    assert!(
        refused
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn every_auth_scheme_and_the_recorded_401_bodies() {
    let account = start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await;
    let banner = account.sandbox.banner.clone();
    let url = format!("{}/integration-service/webhook", account.base);
    let staff = send(
        account
            .http
            .get(&url)
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-staff-token", &banner.staff_token),
    )
    .await;
    assert_eq!(staff.status, 200, "{:?}", staff.body);
    let wrong = send(
        account
            .http
            .get(&url)
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-account-token", "not-the-token"),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.body,
        json!({"response": "Invalid instance token: not-the-token"})
    );
    assert_eq!(wrong.header("message-type"), Some("api-proxy"));
    assert!(
        wrong.header("brightpearl-requests-remaining").is_some(),
        "throttle headers on a 401 too"
    );
    let bearer = send(
        account
            .http
            .get(&url)
            .bearer_auth("made-up")
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-dev-ref", &banner.dev_ref),
    )
    .await;
    assert_eq!(
        bearer.body,
        json!({"response": "Invalid instance token: made-up"})
    );
    let none = send(account.http.get(&url)).await;
    assert_eq!(none.status, 401);
}

#[tokio::test]
async fn prefixes_trailing_slashes_and_common_headers() {
    let account = start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await;
    let banner = account.sandbox.banner.clone();
    for url in [
        format!(
            "{}/public-api/{}/integration-service/webhook",
            account.origin, banner.account
        ),
        format!(
            "{}/public-api/{}/integration-service/webhook/",
            account.origin, banner.account
        ),
        format!(
            "{}/2.0.0/{}/integration-service/webhook",
            account.origin, banner.account
        ),
    ] {
        let answer = send(
            account
                .http
                .get(&url)
                .header("brightpearl-app-ref", &banner.app_ref)
                .header("brightpearl-account-token", &banner.account_token),
        )
        .await;
        assert_eq!(answer.status, 200, "{url}: {:?}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/json;charset=UTF-8")
        );
        assert_eq!(
            answer.header("cache-control"),
            Some("no-cache, must-revalidate")
        );
        assert_eq!(answer.header("pragma"), Some("no-cache"));
        assert_eq!(answer.header("ruid").map(str::len), Some(36));
        assert!(answer.header("message-type").is_some());
    }
    let missing = account
        .call(Method::GET, "/order-service/no-such-thing", None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["errors"][0]["code"], "CMNC-404");
    let other_account = send(
        account
            .http
            .get(format!(
                "{}/public-api/someoneelse/integration-service/webhook",
                account.origin
            ))
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-account-token", &banner.account_token),
    )
    .await;
    assert_eq!(other_account.status, 404);
}
