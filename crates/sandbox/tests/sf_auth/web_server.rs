//! The web-server flow: `/authorize`, the code exchange with PKCE, refresh and revoke.

use crate::common::{self, TestOrg};
use crate::support::{
    assert_session_rejected, assert_shape, borrow, data_status, fixture, oauth_error, post_token,
    userinfo,
};
use reqwest::StatusCode;
use serde_json::Value as Json;

/// Calls `/authorize` and returns the redirect's `Location`.
async fn authorize(org: &TestOrg, params: &[(&str, &str)]) -> (StatusCode, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("{}/services/oauth2/authorize", org.base);
    let response = client.get(url).query(params).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let status = response.status();
    (status, location.unwrap_or(response.text().await.unwrap()))
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let (_, query) = location.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
}

const REDIRECT: &str = "http://localhost:1717/OauthRedirect";

#[tokio::test]
async fn authorization_code_with_pkce_then_refresh_then_revoke() {
    let org = common::start().await;
    let b = org.sandbox.banner.clone();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 appendix B
    let (status, location) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", &b.client_id),
            ("redirect_uri", REDIRECT),
            ("state", "xyz123"),
            ("code_challenge", challenge),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz123"));
    let code = query_param(&location, "code").unwrap();
    let exchange = |code: String, verifier: &'static str, redirect: &'static str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("client_id", b.client_id.clone()),
            ("redirect_uri", redirect.to_string()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    // A wrong verifier fails, and uses the code up.
    let wrong = exchange(
        code.clone(),
        "not-the-verifier-not-the-verifier-not-the-ver",
        REDIRECT,
    );
    assert_eq!(
        post_token(&org, &borrow(&wrong)).await,
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_grant", "invalid code verifier")
        )
    );
    let right = exchange(code, verifier, REDIRECT);
    assert_eq!(
        post_token(&org, &borrow(&right)).await.1,
        oauth_error("invalid_grant", "expired authorization code")
    );

    let fresh_code = |org: &TestOrg| {
        let b = b.clone();
        let org_base = org.base.clone();
        async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap();
            let response = client
                .get(format!("{org_base}/services/oauth2/authorize"))
                .query(&[
                    ("response_type", "code"),
                    ("client_id", &b.client_id),
                    ("redirect_uri", REDIRECT),
                    ("code_challenge", challenge),
                    ("code_challenge_method", "S256"),
                ])
                .send()
                .await
                .unwrap();
            query_param(response.headers()["location"].to_str().unwrap(), "code").unwrap()
        }
    };
    let mismatch = exchange(
        fresh_code(&org).await,
        verifier,
        "http://localhost:1717/other",
    );
    assert_eq!(
        post_token(&org, &borrow(&mismatch)).await.1,
        oauth_error("invalid_grant", "redirect_uri must match configuration")
    );

    let code = fresh_code(&org).await;
    let (status, body) =
        post_token(&org, &borrow(&exchange(code.clone(), verifier, REDIRECT))).await;
    assert_eq!(status, 200, "{body}");
    assert_shape(
        &body,
        &fixture("auth_success_response.json"),
        &["scope", "token_type", "refresh_token"],
    );
    assert_eq!(body["scope"], "api id refresh_token");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(data_status(&org, &access).await, 200);
    // Codes are single-use.
    assert_eq!(
        post_token(&org, &borrow(&exchange(code, verifier, REDIRECT)))
            .await
            .1,
        oauth_error("invalid_grant", "expired authorization code")
    );

    // Refresh: a new access token, no rotation.
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", &b.client_id),
    ];
    let (status, refreshed) = post_token(&org, &refresh_form).await;
    assert_eq!(status, 200);
    assert_shape(
        &refreshed,
        &fixture("refresh_success_response.json"),
        &["scope", "token_type"],
    );
    let second = refreshed["access_token"].as_str().unwrap().to_string();
    assert_ne!(second, access);
    assert_eq!(userinfo(&org, &second).await.0, 200);
    let with_secret = [
        refresh_form[0],
        refresh_form[1],
        refresh_form[2],
        ("client_secret", &b.client_secret),
    ];
    assert_eq!(post_token(&org, &with_secret).await.0, 200);
    let bad_secret = [
        refresh_form[0],
        refresh_form[1],
        refresh_form[2],
        ("client_secret", "nope"),
    ];
    assert_eq!(
        post_token(&org, &bad_secret).await.1,
        oauth_error("invalid_client", "invalid client credentials")
    );

    // Revoking the refresh token ends it and every session obtained with it.
    let revoke = org
        .http
        .post(format!("{}/services/oauth2/revoke", org.base))
        .form(&[("token", &refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert_eq!(revoke.text().await.unwrap(), "");
    let (status, body) = post_token(&org, &refresh_form).await;
    assert_eq!(status, 400);
    assert_eq!(body, fixture("refresh_error_response.json"));
    assert_session_rejected(&org, &access).await;
    assert_session_rejected(&org, &second).await;
}

#[tokio::test]
async fn authorize_refusals_and_plain_pkce() {
    let org = common::start().await;
    let b = org.sandbox.banner.clone();
    let (status, body) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, serde_json::from_str::<Json>(&body).unwrap()),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_client_id", "client identifier invalid")
        )
    );
    let (status, body) = authorize(
        &org,
        &[("response_type", "code"), ("client_id", &b.client_id)],
    )
    .await;
    assert_eq!(
        (status, serde_json::from_str::<Json>(&body).unwrap()),
        (
            StatusCode::BAD_REQUEST,
            oauth_error(
                "redirect_uri_mismatch",
                "redirect_uri must match configuration"
            )
        )
    );
    let (status, location) = authorize(
        &org,
        &[
            ("response_type", "token"),
            ("client_id", &b.client_id),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        location,
        format!(
            "{REDIRECT}?error=unsupported_response_type&error_description=response%20type%20not%20supported&state=s1"
        )
    );

    let (_, location) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", &b.client_id),
            ("redirect_uri", REDIRECT),
            (
                "code_challenge",
                "plain-verifier-plain-verifier-plain-verifier",
            ),
            ("code_challenge_method", "plain"),
            ("scope", "api id"),
        ],
    )
    .await;
    let code = query_param(&location, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_id", &b.client_id),
        ("redirect_uri", REDIRECT),
        (
            "code_verifier",
            "plain-verifier-plain-verifier-plain-verifier",
        ),
    ];
    let (status, body) = post_token(&org, &form).await;
    assert_eq!(status, 200, "{body}");
    // No refresh_token scope requested: no refresh token.
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "api id");

    // Without PKCE the secret is required.
    let (_, location) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", &b.client_id),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    let code = query_param(&location, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_id", &b.client_id),
        ("redirect_uri", REDIRECT),
    ];
    assert_eq!(
        post_token(&org, &form).await.1,
        oauth_error("invalid_client", "invalid client credentials")
    );
    let (_, location) = authorize(
        &org,
        &[
            ("response_type", "code"),
            ("client_id", &b.client_id),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    let code = query_param(&location, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_id", &b.client_id),
        ("redirect_uri", REDIRECT),
        ("client_secret", &b.client_secret),
    ];
    assert_eq!(post_token(&org, &form).await.0, 200);
    let missing = [
        ("grant_type", "authorization_code"),
        ("client_id", &b.client_id),
        ("redirect_uri", REDIRECT),
    ];
    assert_eq!(
        post_token(&org, &missing).await.1,
        oauth_error("invalid_request", "missing required parameter: code")
    );
}
