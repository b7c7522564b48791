//! Conformance cases: OAuth token endpoint and the gateway's 401s.

use super::cassette;
use super::replay::{Env, REDIRECT_URI, Token, check_oauth};

#[tokio::test]
async fn auth_request_token() {
    let path = "auth_request_token.yml";
    let env = Env::start().await;
    let code = env.authorize(REDIRECT_URI).await;
    let banner = &env.account.sandbox.banner;
    let ours = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    check_oauth(path, &cassette::load(path)[0], &ours);
}

#[tokio::test]
async fn auth_request_token_error_invalid_client() {
    let path = "auth_request_token_error_invalid_client.yml";
    let env = Env::start().await;
    let code = env.authorize(REDIRECT_URI).await;
    let banner = &env.account.sandbox.banner;
    let ours = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &banner.client_id),
            ("client_secret", "not-the-secret"),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    check_oauth(path, &cassette::load(path)[0], &ours);
}

#[tokio::test]
async fn auth_request_token_error_invalid_code() {
    let path = "auth_request_token_error_invalid_code.yml";
    let env = Env::start().await;
    let banner = &env.account.sandbox.banner;
    let ours = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("code", "SANDBOX-AUTH-CODE"),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    check_oauth(path, &cassette::load(path)[0], &ours);
}

#[tokio::test]
async fn auth_request_token_error_redirect_uri_mismatch() {
    let path = "auth_request_token_error_redirect_uri_mismatch.yml";
    let env = Env::start().await;
    let code = env.authorize("https://other.example.test/callback").await;
    let banner = &env.account.sandbox.banner;
    let ours = env
        .token_call(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    check_oauth(path, &cassette::load(path)[0], &ours);
}

#[tokio::test]
async fn auth_use_refresh_token() {
    let path = "auth_use_refresh_token.yml";
    let env = Env::start().await;
    let banner = &env.account.sandbox.banner;
    // As recorded: the refresh grant with a client id and no secret.
    let ours = env
        .token_call(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &env.refresh_token),
            ("client_id", &banner.client_id),
        ])
        .await;
    check_oauth(path, &cassette::load(path)[0], &ours);
}

#[tokio::test]
async fn client_search_error() {
    let mut env = Env::start().await;
    env.use_token(Token::Unknown("XXX-NEVER-ISSUED".into()))
        .await;
    env.conform("client/search_error.yml").await;
}

#[tokio::test]
async fn client_error_expired() {
    let mut env = Env::start().await;
    env.use_token(Token::Expired).await;
    env.conform("client_error_expired.yml").await;
}

#[tokio::test]
async fn client_error_invalid() {
    let mut env = Env::start().await;
    env.use_token(Token::Unknown("INVALID_STUFF".into())).await;
    let answers = env.conform("client_error_invalid.yml").await;
    for answer in answers {
        assert_eq!(
            answer.body["response"], "Invalid instance token: INVALID_STUFF",
            "the 401 names the token as sent"
        );
    }
}
