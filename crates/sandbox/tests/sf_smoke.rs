//! The sandbox starts, serves HTTP and HTTPS, and guards data calls with a session.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_sandbox::salesforce::api::Options;

#[tokio::test]
async fn data_calls_need_a_session_over_http_and_https() {
    for tls in [false, true] {
        let org = common::start_with(Options {
            tls,
            ..Options::default()
        })
        .await;
        assert_eq!(org.base.starts_with("https://"), tls);
        let url = org.data_url("59.0", "/sobjects/Account/describe");
        let anonymous = org.http.get(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        let body: serde_json::Value = anonymous.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        );
        org.sandbox.stop().await.unwrap();
    }
}
