//! The OAuth flows against the Salesforce sandbox: JWT bearer (over TLS), client credentials
//! (form and Basic), the web-server flow with PKCE through the local callback, refresh tokens,
//! one renewal for many concurrent refusals, and refusals that say what to fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_http::Error;
use ferry_http::budget::Budgets;
use ferry_salesforce::auth::pkce::{self, Challenge, WebServerApp};
use ferry_salesforce::auth::{Grant, LocalCallback, OAuthSession, Session, TokenStore};
use ferry_salesforce::{Client, Settings, http_client};
use ferry_sandbox::salesforce::Sandbox;
use ferry_sandbox::salesforce::api::Options;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A key made for these tests only (trusted by nothing but the sandboxes they start).
const TEST_PRIVATE_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCxtGPIF9kFcN9e
gH8Jb0E9kXjC6wIjaLaxYGgkoR2lkcZDc9RfFbxJHWpSa4pv+XsE5GELOg3CNj06
jrMwOOB9cm0weAok/mIe3UqN0QeUsIW0Mu6njTIz9F2Rx6XGOQL4L6xw27su/G/h
pPTzfhHgIAmcMVaqUOR1/euRXHLPux6WIn5Is2Tnxdqa5tSLtvds5luk1aEp6a9o
Tfn8QdlvDVE7Rr9s/qBTSJINlPEzyCxKUomCTu/pUMpwfMSDQXlL05NaThryi1C5
xYV/AsWPbzRgOHIdPyO5Mdx4M7Ajw/E+WC80ZY2hOUWt0wt14RRs/RZicxYSvthY
Ba4eq1NHAgMBAAECggEAAgmnAULgvrK6JPvFOSb48QtLfrSyLBTFz4fi+dSNIfpn
cxuPal218IKxVuubxUfvlLFHuZi7UqhLkHHVdS6ZyGZ5AQ7HUwBFwMPZ2IF2nEpf
5h6VZP91/WmGbycCbCD4Oz9Us2CZp2LGp6g8FNSzwMWtRoi8TSyrSf0U5/BO8rnW
KDhwGPbD76OhwZJqMTEKIzO7Ubyl+/eiHnzrI5ygRA51tfiYo4PqZHPqumir2go1
zwDygKOuZvqY6CX175XJovX1fyCLM4Aw+2My3fI3yyXow/ZWQ+6mfU7UgR0aor06
nd1qTjhp3bZrOGGuu1AZ2YijfJ3zSFZGTc6YyCQkeQKBgQDrMaKd4TJ4eFmtsfw7
u9yk7oZcFwR5+5JgoBhO2S6HTicXUN2eKfLC19NJsCoBpHT7D1Emcg3eYYE7+IXk
NOeJ83fAws5KJTo5dPjwGkYiai2nc9Si0+ZmcMfryTHr7X2TPasYeOY6nMyXJ6Wd
TiCWi2O3S73Z2aTnlUYN6kZWeQKBgQDBbNApgfNqrei4KsY6Pqf2xqNFDsPK0y01
MR4exy3u78TAU5FKGiZMEZSPnttuuLFvKAMWjr5qC6SsXMHgSluQDFxZHrlxvrSR
MgByQcqFuYp6vga78q3t1wnFGWx51TwyXgEAX530Gkyu7spuqvW/lMk53tzI/Brq
Fxf+p4+HvwKBgDkCqRZ4FhHZqnNOJ4QbP5rDLtJ3yd//uTWu2PWT85FcwmEGexHx
vSS5yD+ecjA/uxN4XQVitDXpkLgGv/3XTSDFYYvaLMMQTxLKZeVdmQ6SikqC61Ik
5z6BrBRdirpTsRLV6flepQAkLfud4qlE3OVhGGS/+V8rQKvaJUcOOMqRAoGAZvoS
fPa1bEc4TcxgCqRO8f/g7qQksvfo6pfCzGoIV1wJaMdU45m2Z+s4J5pQgssLk/0+
X6URVQ3r1uPvSATuaGtcQworepYoNeDkAfBq7PTR9/TxSuCxnp1Mk0WszdQrnzkS
2WsOgeX6i2uQFIkqGpwQ4aF38/zcK2KuIKJ+tKsCgYBs5G5LTrS29KgwbS4IzMnN
yJHIbwwrgZXUzlISMlXyTDlODm/TtBHMs1jkOEIi1ZNhRLAGVOI/TAuKebFE1RGJ
NdwigpXsSMdoQnXOpBvPoPfutN5td8xLUbAZXxeXqAUVvxV0ikauTPQcOnrDwuY0
xY0hi4JnAAtn/j2QPVpNHA==
-----END PRIVATE KEY-----
";

/// The public half of [`TEST_PRIVATE_KEY`], which the sandbox verifies assertions with.
const TEST_PUBLIC_KEY: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsbRjyBfZBXDfXoB/CW9B
PZF4wusCI2i2sWBoJKEdpZHGQ3PUXxW8SR1qUmuKb/l7BORhCzoNwjY9Oo6zMDjg
fXJtMHgKJP5iHt1KjdEHlLCFtDLup40yM/RdkcelxjkC+C+scNu7Lvxv4aT0834R
4CAJnDFWqlDkdf3rkVxyz7seliJ+SLNk58XamubUi7b3bOZbpNWhKemvaE35/EHZ
bw1RO0a/bP6gU0iSDZTxM8gsSlKJgk7v6VDKcHzEg0F5S9OTWk4a8otQucWFfwLF
j280YDhyHT8juTHceDOwI8PxPlgvNGWNoTlFrdMLdeEUbP0WYnMWEr7YWAWuHqtT
RwIDAQAB
-----END PUBLIC KEY-----
";

fn public_key_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("ferry-sf-client-jwt-{}.pem", std::process::id()));
    std::fs::write(&path, TEST_PUBLIC_KEY).unwrap();
    path
}

fn settings(sandbox: &Sandbox) -> Settings {
    common::settings_for(sandbox, Settings::default())
}

fn client(sandbox: &Sandbox, session: Arc<dyn Session>) -> Client {
    Client::new(
        settings(sandbox),
        session,
        &Budgets::default(),
        common::fast_transport(),
    )
    .unwrap()
}

async fn expire_sessions(sandbox: &Sandbox) {
    let http = common::plain_http(sandbox);
    let url = format!("{}/__sandbox/sessions/expire", sandbox.banner.instance_url);
    let answer = http.post(url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
}

fn jwt_grant(sandbox: &Sandbox, username: &str) -> Grant {
    Grant::JwtBearer {
        client_id: sandbox.banner.client_id.clone(),
        username: username.to_owned(),
        private_key: SecretString::from(TEST_PRIVATE_KEY),
        audience: Some("https://login.salesforce.com".into()),
    }
}

fn unauthorized_message(error: Error) -> String {
    match error {
        Error::Unauthorized { message, .. } => message,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn jwt_bearer_over_tls_connects_and_renews_once_after_expiry() {
    let sandbox = Sandbox::start(Options {
        tls: true,
        jwt_cert: Some(public_key_file()),
        ..Options::default()
    })
    .await
    .unwrap();
    let http = http_client(&settings(&sandbox)).unwrap();
    let grant = jwt_grant(&sandbox, &sandbox.banner.username);
    let session = Arc::new(
        OAuthSession::connect(&sandbox.banner.login_url, grant, http)
            .await
            .unwrap(),
    );
    // The instance URL is used exactly as the token answer gives it: https, a high port.
    assert_eq!(session.instance_url(), sandbox.banner.instance_url);
    assert!(session.instance_url().starts_with("https://127.0.0.1:"));
    let client = client(&sandbox, session.clone());
    let _: serde_json::Value = client.get_json("/limits").await.unwrap();

    expire_sessions(&sandbox).await;
    let _: serde_json::Value = client.get_json("/limits").await.unwrap();
    assert_eq!(client.transport().stats().renewals, 1);
    assert_eq!(session.generation(), 1);
    assert_eq!(session.grant_name(), "JWT bearer");
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn many_concurrent_refusals_renew_the_session_once() {
    let sandbox = Sandbox::start(Options {
        jwt_cert: Some(public_key_file()),
        ..Options::default()
    })
    .await
    .unwrap();
    let http = http_client(&settings(&sandbox)).unwrap();
    let grant = jwt_grant(&sandbox, &sandbox.banner.username);
    let session = Arc::new(
        OAuthSession::connect(&sandbox.banner.login_url, grant, http)
            .await
            .unwrap(),
    );
    let client = client(&sandbox, session.clone());
    let _: serde_json::Value = client.get_json("/limits").await.unwrap();
    expire_sessions(&sandbox).await;
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_json::<serde_json::Value>("/limits").await })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        call.await.unwrap().unwrap();
        ok += 1;
    }
    assert_eq!(ok, 16);
    // Every refused caller asked for a renewal; only the first ran the grant.
    assert_eq!(session.generation(), 1);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn jwt_refusals_say_what_to_fix() {
    let sandbox = Sandbox::start(Options {
        jwt_cert: Some(public_key_file()),
        ..Options::default()
    })
    .await
    .unwrap();
    let http = http_client(&settings(&sandbox)).unwrap();
    let login = sandbox.banner.login_url.clone();

    let unknown_user = jwt_grant(&sandbox, "nobody@example.invalid");
    let error = OAuthSession::connect(&login, unknown_user, http.clone())
        .await
        .unwrap_err();
    let message = unauthorized_message(error);
    assert!(
        message.contains("JWT bearer")
            && message.contains("user hasn't approved this consumer")
            && message.contains("pre-authorize"),
        "{message}"
    );

    let wrong_app = Grant::JwtBearer {
        client_id: "3MVG9notTheApp".into(),
        username: sandbox.banner.username.clone(),
        private_key: SecretString::from(TEST_PRIVATE_KEY),
        audience: None,
    };
    let message = unauthorized_message(
        OAuthSession::connect(&login, wrong_app, http.clone())
            .await
            .unwrap_err(),
    );
    assert!(message.contains("Consumer Key"), "{message}");

    let not_a_key = Grant::JwtBearer {
        client_id: sandbox.banner.client_id.clone(),
        username: sandbox.banner.username.clone(),
        private_key: SecretString::from(
            "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
        ),
        audience: None,
    };
    let error = OAuthSession::connect(&login, not_a_key, http)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Config { message } if message.contains("salesforce.private_key")),
        "{error:?}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn client_credentials_work_as_form_fields_and_as_basic_auth() {
    let (sandbox, _) = common::sandbox(Options::default()).await;
    let http = http_client(&settings(&sandbox)).unwrap();
    for basic_auth in [false, true] {
        let grant = Grant::ClientCredentials {
            client_id: sandbox.banner.client_id.clone(),
            client_secret: SecretString::from(sandbox.banner.client_secret.clone()),
            basic_auth,
        };
        let session = Arc::new(
            OAuthSession::connect(&sandbox.banner.login_url, grant, http.clone())
                .await
                .unwrap(),
        );
        let client = client(&sandbox, session.clone());
        // Client credentials run as the integration user.
        let answer: serde_json::Value = client
            .get_json("/query?q=SELECT+Id+FROM+User+LIMIT+1")
            .await
            .unwrap();
        assert!(answer["totalSize"].as_u64().is_some());
        expire_sessions(&sandbox).await;
        let _: serde_json::Value = client.get_json("/limits").await.unwrap();
        assert_eq!(
            client.transport().stats().renewals,
            1,
            "basic_auth={basic_auth}"
        );
    }
    let wrong = Grant::ClientCredentials {
        client_id: sandbox.banner.client_id.clone(),
        client_secret: SecretString::from("not-the-secret"),
        basic_auth: false,
    };
    let message = unauthorized_message(
        OAuthSession::connect(&sandbox.banner.login_url, wrong, http)
            .await
            .unwrap_err(),
    );
    assert!(
        message.contains("client credentials") && message.contains("Consumer Secret"),
        "{message}"
    );
    sandbox.stop().await.unwrap();
}

/// Records what a session saves.
#[derive(Default)]
struct Saved(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl TokenStore for Saved {
    async fn save_refresh_token(&self, refresh_token: &SecretString) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push(refresh_token.expose_secret().to_owned());
        Ok(())
    }
}

/// Drives the browser side: GET the authorize URL, then follow its redirect to wherever it
/// points (the local callback).
async fn browse(http: &reqwest::Client, url: &str) -> reqwest::StatusCode {
    let answer = http.get(url).send().await.unwrap();
    assert_eq!(answer.status(), 302, "authorize redirects");
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    http.get(location).send().await.unwrap().status()
}

#[tokio::test]
async fn the_web_server_flow_with_pkce_lands_on_the_local_callback_and_refreshes() {
    let (sandbox, _) = common::sandbox(Options::default()).await;
    let http = http_client(&settings(&sandbox)).unwrap();
    let browser = common::plain_http(&sandbox);
    let app = WebServerApp {
        login_url: sandbox.banner.login_url.clone(),
        client_id: sandbox.banner.client_id.clone(),
        client_secret: None,
    };
    let callback = LocalCallback::bind(0).await.unwrap();
    let redirect_uri = callback.redirect_uri();
    let challenge = Challenge::new();
    let state = pkce::random_state();
    let url = app.authorize_url(&redirect_uri, &state, &challenge);
    let expected_state = state.clone();
    let waiting = tokio::spawn(async move {
        callback
            .wait(&expected_state, Duration::from_secs(10))
            .await
    });
    assert_eq!(
        browse(&browser, &url).await,
        200,
        "the browser sees the success page"
    );
    let code = waiting.await.unwrap().unwrap();

    let tokens = app
        .exchange_code(&http, &code, challenge.verifier(), &redirect_uri)
        .await
        .unwrap();
    let refresh_token = tokens.refresh_token.clone().expect("a refresh token");
    assert_eq!(tokens.instance_url, sandbox.banner.instance_url);

    let saved = Arc::new(Saved::default());
    let grant = Grant::RefreshToken {
        client_id: app.client_id.clone(),
        client_secret: None,
        refresh_token: refresh_token.clone(),
    };
    let session = Arc::new(OAuthSession::from_tokens(
        &app.login_url,
        grant.clone(),
        tokens,
        http.clone(),
        saved.clone(),
    ));
    let client = client(&sandbox, session.clone());
    let _: serde_json::Value = client.get_json("/sobjects/Account/describe").await.unwrap();
    expire_sessions(&sandbox).await;
    let _: serde_json::Value = client.get_json("/sobjects/Account/describe").await.unwrap();
    assert_eq!(client.transport().stats().renewals, 1);
    assert_eq!(session.generation(), 1);
    // Salesforce does not rotate refresh tokens by default: the old one stays, nothing to save.
    assert!(saved.0.lock().unwrap().is_empty());
    assert_eq!(
        session.tokens().refresh_token.unwrap().expose_secret(),
        refresh_token.expose_secret()
    );

    // A refresh-token grant also connects on its own (a restart with the vault's token).
    let again = OAuthSession::connect(&app.login_url, grant.clone(), http.clone())
        .await
        .unwrap();
    assert_eq!(again.instance_url(), sandbox.banner.instance_url);

    // Revoked: the refusal says to connect again.
    let revoked = browser
        .post(format!(
            "{}/services/oauth2/revoke",
            sandbox.banner.login_url
        ))
        .form(&[("token", refresh_token.expose_secret())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let message = unauthorized_message(
        OAuthSession::connect(&app.login_url, grant, http)
            .await
            .unwrap_err(),
    );
    assert!(
        message.contains("refresh token") && message.contains("ferry connect salesforce"),
        "{message}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn a_callback_with_another_state_or_an_error_fails_clearly() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let browser = reqwest::Client::builder().no_proxy().build().unwrap();

    let callback = LocalCallback::bind(0).await.unwrap();
    let uri = callback.redirect_uri();
    let waiting =
        tokio::spawn(async move { callback.wait("expected", Duration::from_secs(10)).await });
    // A stray request is answered 404 and the listener keeps waiting.
    let stray = browser
        .get(uri.replace("/callback", "/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), 404);
    let forged = browser
        .get(format!("{uri}?code=abc&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let message = unauthorized_message(waiting.await.unwrap().unwrap_err());
    assert!(message.contains("state"), "{message}");

    let callback = LocalCallback::bind(0).await.unwrap();
    let uri = callback.redirect_uri();
    let waiting = tokio::spawn(async move { callback.wait("s1", Duration::from_secs(10)).await });
    let denied = browser
        .get(format!(
            "{uri}?error=access_denied&error_description=end-user%20denied%20authorization&state=s1"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 400);
    assert!(denied.text().await.unwrap().contains("access_denied"));
    let message = unauthorized_message(waiting.await.unwrap().unwrap_err());
    assert!(
        message.contains("end-user denied authorization"),
        "{message}"
    );

    let callback = LocalCallback::bind(0).await.unwrap();
    let message = unauthorized_message(
        callback
            .wait("s2", Duration::from_millis(100))
            .await
            .unwrap_err(),
    );
    assert!(message.contains("did not return"), "{message}");
}

#[tokio::test]
async fn a_configured_instance_url_wins_over_the_token_answer() {
    let (sandbox, _) = common::sandbox(Options::default()).await;
    let http = http_client(&settings(&sandbox)).unwrap();
    let grant = Grant::ClientCredentials {
        client_id: sandbox.banner.client_id.clone(),
        client_secret: SecretString::from(sandbox.banner.client_secret.clone()),
        basic_auth: true,
    };
    // The same server under another name: `localhost` instead of the answer's 127.0.0.1.
    let pinned = sandbox
        .banner
        .instance_url
        .replace("127.0.0.1", "localhost");
    let session = OAuthSession::connect(&sandbox.banner.login_url, grant, http)
        .await
        .unwrap()
        .with_instance_url(format!("{pinned}/"));
    assert_eq!(session.instance_url(), pinned);
    let client = client(&sandbox, Arc::new(session));
    assert!(client.data_url("/limits").starts_with(&pinned));
    let _: serde_json::Value = client.get_json("/limits").await.unwrap();
    sandbox.stop().await.unwrap();
}
