//! OAuth token responses and expired sessions.

use super::*;

/// Token responses: newer orgs add `token_type` and `scope` to what the recording has.
const TOKEN: Shape = Shape {
    extra: &["token_type", "scope"],
    ..PLAIN
};

async fn token(org: &TestOrg, form: &[(&str, &str)]) -> Reply {
    send(
        org.http
            .post(format!("{}/services/oauth2/token", org.base))
            .form(form),
    )
    .await
}

async fn password_flow(org: &TestOrg, password: &str) -> Reply {
    let banner = &org.sandbox.banner;
    token(
        org,
        &[
            ("grant_type", "password"),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
            ("username", &banner.username),
            ("password", password),
        ],
    )
    .await
}

async fn refresh_flow(org: &TestOrg, refresh_token: &str) -> Reply {
    let banner = &org.sandbox.banner;
    token(
        org,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
        ],
    )
    .await
}

#[tokio::test]
async fn auth_success_and_error() {
    let org = common::start_empty().await;
    let banner = org.sandbox.banner.clone();
    let good = format!("{}{}", banner.password, banner.security_token);
    let reply = password_flow(&org, &good).await;
    check(&reply, 200, "auth_success_response.json", TOKEN);
    let id = reply.body["id"].as_str().unwrap_or_default();
    assert!(
        id.ends_with(&format!("/id/{}/{}", banner.org_id, banner.user_id)),
        "{id}"
    );
    assert_eq!(reply.body["instance_url"], json!(org.base));

    let reply = password_flow(&org, "not-the-password").await;
    check(
        &reply,
        400,
        "auth_error_response.json",
        Shape {
            exact: &["error"],
            ..TOKEN
        },
    );
}

#[tokio::test]
async fn refresh_success_and_error() {
    let org = common::start_empty().await;
    let banner = org.sandbox.banner.clone();
    let redirect_uri = "http://localhost:1717/callback";
    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = no_redirects
        .get(format!("{}/services/oauth2/authorize", org.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", banner.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(authorize.status(), 302);
    let location = authorize.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let location = reqwest::Url::parse(&location).unwrap();
    let code = location
        .query_pairs()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.into_owned())
        .expect("code in the redirect");
    let exchanged = token(
        &org,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &banner.client_id),
            ("client_secret", &banner.client_secret),
            ("redirect_uri", redirect_uri),
        ],
    )
    .await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.body);
    let refresh_token = exchanged.body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string();

    let reply = refresh_flow(&org, &refresh_token).await;
    check(&reply, 200, "refresh_success_response.json", TOKEN);

    let reply = refresh_flow(&org, "5AepNotARefreshToken").await;
    check(
        &reply,
        400,
        "refresh_error_response.json",
        Shape {
            exact: &["error", "error_description"],
            ..TOKEN
        },
    );
}

#[tokio::test]
async fn expired_session_and_reauth() {
    let org = common::start_empty().await;
    let reply = send(
        org.http
            .get(org.data_url("59.0", "/sobjects"))
            .bearer_auth(format!("{}!NotAToken", &org.sandbox.banner.org_id[..15])),
    )
    .await;
    check(&reply, 401, "expired_session_response.json", ERROR_EXACT);

    // A real expiry: the admin ends every session, the old token gets the same 401, and the
    // client logs in again.
    let expire = send(
        org.http
            .post(format!("{}/__sandbox/sessions/expire", org.base))
            .bearer_auth(&org.token),
    )
    .await;
    assert_eq!(expire.status, 200, "{}", expire.body);
    let reply = call(&org, Method::GET, "/sobjects", None).await;
    check(&reply, 401, "expired_session_response.json", ERROR_EXACT);
    let banner = org.sandbox.banner.clone();
    let reply = password_flow(
        &org,
        &format!("{}{}", banner.password, banner.security_token),
    )
    .await;
    check(&reply, 200, "reauth_success_response.json", TOKEN);
}
