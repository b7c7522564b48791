//! Authentication over real sockets: every OAuth grant and its failures, authorize with PKCE,
//! refresh, revoke, introspect, userinfo and identity, SOAP login/logout, and session expiry.
//! Bodies are compared with the recorded responses in `shared/fixtures/salesforce/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "sf_auth/jwt.rs"]
mod jwt;
#[path = "sf_auth/soap.rs"]
mod soap;
#[path = "sf_auth/support.rs"]
mod support;
#[path = "sf_auth/web_server.rs"]
mod web_server;

use ferry_sandbox::salesforce::api::Options;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};
use support::{
    assert_session_rejected, assert_shape, borrow, data_status, fixture, oauth_error,
    password_params, post_token, userinfo,
};

#[tokio::test]
async fn password_grant_answers_like_salesforce_and_its_token_works() {
    for tls in [false, true] {
        let org = common::start_with(Options {
            tls,
            ..Options::default()
        })
        .await;
        let b = org.sandbox.banner.clone();
        let params = password_params(&org);
        let (status, body) = post_token(&org, &borrow(&params)).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(
            &body,
            &fixture("auth_success_response.json"),
            &["scope", "token_type"],
        );
        assert_eq!(body["instance_url"], json!(org.base));
        assert_eq!(body["token_type"], "Bearer");
        assert!(body.get("expires_in").is_none() && body.get("refresh_token").is_none());
        let issued_at = body["issued_at"].as_str().unwrap();
        assert!(issued_at.len() >= 13 && issued_at.bytes().all(|c| c.is_ascii_digit()));
        let id = body["id"].as_str().unwrap();
        assert_eq!(id, format!("{}/id/{}/{}", org.base, b.org_id, b.user_id));
        let token = body["access_token"].as_str().unwrap();
        assert!(token.starts_with(&format!("{}!", &b.org_id[..15])));
        // signature = base64(HMAC-SHA256(id + issued_at)) keyed with the consumer secret.
        use base64::Engine as _;
        use hmac::Mac as _;
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(b.client_secret.as_bytes()).unwrap();
        mac.update(format!("{id}{issued_at}").as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(body["signature"], json!(expected));
        assert_eq!(data_status(&org, token).await, 200);
        assert_eq!(userinfo(&org, token).await.0, 200);
        org.sandbox.stop().await.unwrap();
    }
}

#[tokio::test]
async fn password_grant_failures_use_salesforce_codes() {
    let org = common::start().await;
    let params = password_params(&org);
    let with = |key: &str, value: &'static str| {
        let mut changed = borrow(&params);
        changed
            .iter_mut()
            .filter(|(k, _)| *k == key)
            .for_each(|p| p.1 = value);
        changed
    };
    let (status, body) = post_token(&org, &with("password", "wrong")).await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::BAD_REQUEST,
            &oauth_error("invalid_grant", "authentication failure")
        )
    );
    assert_shape(&body, &fixture("auth_error_response.json"), &[]);
    let (status, body) = post_token(&org, &with("username", "nobody@example.com")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_grant", "authentication failure")
        )
    );
    // The password alone, without the security token, is not enough.
    let bare = org.sandbox.banner.password.clone();
    let mut no_token = borrow(&params);
    no_token[4].1 = &bare;
    assert_eq!(
        post_token(&org, &no_token).await.1,
        oauth_error("invalid_grant", "authentication failure")
    );
    let (status, body) = post_token(&org, &with("client_id", "3MVG9nope")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_client_id", "client identifier invalid")
        )
    );
    let (status, body) = post_token(&org, &with("client_secret", "nope")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_client", "invalid client credentials")
        )
    );
    let (status, body) = post_token(&org, &with("username", "")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_request", "missing required parameter: username")
        )
    );
    for grant in ["implicit", ""] {
        let (status, body) = post_token(&org, &with("grant_type", grant)).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::BAD_REQUEST,
                oauth_error("unsupported_grant_type", "grant type not supported")
            )
        );
    }
    // Parameters in the query string work too.
    let url = format!("{}/services/oauth2/token", org.base);
    let response = org
        .http
        .post(url)
        .query(&borrow(&params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn client_credentials_run_as_the_integration_user() {
    let org = common::start().await;
    let b = org.sandbox.banner.clone();
    let url = format!("{}/services/oauth2/token", org.base);
    let response = org
        .http
        .post(&url)
        .basic_auth(&b.client_id, Some(&b.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Json = response.json().await.unwrap();
    assert!(body.get("refresh_token").is_none());
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with(&b.integration_user_id)
    );
    let (status, info) = userinfo(&org, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Json>(&info).unwrap()["user_id"],
        json!(b.integration_user_id)
    );

    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &b.client_id),
        ("client_secret", &b.client_secret),
    ];
    assert_eq!(post_token(&org, &form).await.0, 200);
    let wrong = [form[0], form[1], ("client_secret", "nope")];
    assert_eq!(
        post_token(&org, &wrong).await,
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_client", "invalid client credentials")
        )
    );
    let response = org
        .http
        .post(&url)
        .basic_auth(&b.client_id, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Json>().await.unwrap(),
        oauth_error("invalid_client", "invalid client credentials")
    );
    let (status, body) = post_token(&org, &[("grant_type", "client_credentials")]).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_client_id", "client identifier invalid")
        )
    );
}

#[tokio::test]
async fn revoke_ends_a_session_and_reports_failures_form_encoded() {
    let org = common::start().await;
    let params = password_params(&org);
    let token = post_token(&org, &borrow(&params)).await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(data_status(&org, &token).await, 200);
    let url = format!("{}/services/oauth2/revoke", org.base);
    let response = org
        .http
        .post(&url)
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status(), response.text().await.unwrap()),
        (StatusCode::OK, String::new())
    );
    assert_session_rejected(&org, &token).await;
    let again = org
        .http
        .post(&url)
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (again.status(), again.text().await.unwrap()),
        (
            StatusCode::BAD_REQUEST,
            "error=invalid_token&error_description=invalid%20token".to_string()
        )
    );
    let garbage = org
        .http
        .post(&url)
        .form(&[("token", "garbage")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        garbage.text().await.unwrap(),
        "error=unsupported_token_type&error_description=this%20token%20type%20is%20not%20supported"
    );
    let missing = org.http.post(&url).send().await.unwrap();
    assert_eq!(
        (missing.status(), missing.text().await.unwrap()),
        (
            StatusCode::BAD_REQUEST,
            "error=invalid_request&error_description=missing%20required%20parameter%3A%20token"
                .to_string()
        )
    );
    // GET ?token= revokes too (the banner's token).
    let response = org
        .http
        .get(&url)
        .query(&[("token", &org.token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_session_rejected(&org, &org.token).await;
}

#[tokio::test]
async fn introspect_userinfo_and_identity() {
    let org = common::start().await;
    let b = org.sandbox.banner.clone();
    let introspect = |token: String, secret: String| {
        let (http, url, id) = (
            org.http.clone(),
            format!("{}/services/oauth2/introspect", org.base),
            b.client_id.clone(),
        );
        async move {
            let response = http
                .post(url)
                .form(&[
                    ("token", token.as_str()),
                    ("token_type_hint", "access_token"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ])
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Json>().await.unwrap())
        }
    };
    let (status, info) = introspect(org.token.clone(), b.client_secret.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            info["active"].clone(),
            info["username"].clone(),
            info["token_type"].clone()
        ),
        (json!(true), json!(b.username), json!("access_token"))
    );
    assert_eq!(
        info["sub"],
        json!(format!("{}/id/{}/{}", org.base, b.org_id, b.user_id))
    );
    assert!(info["exp"].as_i64().unwrap() > info["iat"].as_i64().unwrap());
    assert_eq!(
        introspect("00Dnope!nope".into(), b.client_secret.clone()).await,
        (StatusCode::OK, json!({"active": false}))
    );
    assert_eq!(
        introspect(org.token.clone(), "wrong".into()).await,
        (
            StatusCode::UNAUTHORIZED,
            oauth_error("invalid_client", "invalid client credentials")
        )
    );

    let (status, text) = userinfo(&org, &org.token).await;
    assert_eq!(status, 200);
    let info: Json = serde_json::from_str(&text).unwrap();
    for (key, value) in [
        ("user_id", &b.user_id),
        ("organization_id", &b.org_id),
        ("preferred_username", &b.username),
    ] {
        assert_eq!(info[key], json!(value), "{key}");
    }
    assert!(info["email"].is_string() && info["name"].is_string() && info["sub"].is_string());
    assert_eq!(
        userinfo(&org, "00Dnope!nope").await,
        (StatusCode::FORBIDDEN, "Bad_OAuth_Token".to_string())
    );
    let anonymous = org
        .http
        .get(format!("{}/services/oauth2/userinfo", org.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (anonymous.status(), anonymous.text().await.unwrap()),
        (StatusCode::FORBIDDEN, "Missing_OAuth_Token".to_string())
    );

    // The identity URL, with a Bearer header, then with ?oauth_token= and a version.
    let id_url = format!("{}/id/{}/{}", org.base, b.org_id, b.user_id);
    let identity: Json = org.get(&id_url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (
            identity["id"].as_str(),
            identity["user_id"].as_str(),
            identity["organization_id"].as_str()
        ),
        (
            Some(id_url.as_str()),
            Some(b.user_id.as_str()),
            Some(b.org_id.as_str())
        )
    );
    assert_eq!(identity["username"], json!(b.username));
    assert!(identity["display_name"].is_string() && identity["email"].is_string());
    assert_eq!(
        identity["urls"]["rest"],
        json!(format!("{}/services/data/v{{version}}/", org.base))
    );
    assert_eq!(
        identity["urls"]["partner"],
        json!(format!(
            "{}/services/Soap/u/{{version}}/{}",
            org.base,
            &b.org_id[..15]
        ))
    );
    for key in ["sobjects", "query", "enterprise"] {
        assert!(
            identity["urls"][key]
                .as_str()
                .unwrap()
                .contains("{version}"),
            "{key}"
        );
    }
    let short = format!("{}/id/{}/{}", org.base, &b.org_id[..15], &b.user_id[..15]);
    let response = org
        .http
        .get(&short)
        .query(&[("oauth_token", org.token.as_str()), ("version", "59.0")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let identity: Json = response.json().await.unwrap();
    assert_eq!(
        identity["urls"]["query"],
        json!(format!("{}/services/data/v59.0/query/", org.base))
    );
    let other = format!("{}/id/{}/{}", org.base, b.org_id, b.integration_user_id);
    let response = org.get(&other).send().await.unwrap();
    assert_eq!(
        (response.status(), response.text().await.unwrap()),
        (StatusCode::NOT_FOUND, "Bad_Id".to_string())
    );
}

#[tokio::test]
async fn a_session_past_its_lifetime_gets_invalid_session_id() {
    let org = common::start_with(Options {
        session_seconds: 1,
        ..Options::default()
    })
    .await;
    let params = password_params(&org);
    let token = post_token(&org, &borrow(&params)).await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(data_status(&org, &token).await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_session_rejected(&org, &token).await;
    assert_session_rejected(&org, &org.token).await;
    assert_eq!(userinfo(&org, &token).await.0, 403);
}
