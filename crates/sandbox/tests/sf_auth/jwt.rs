//! The JWT bearer flow, with an RSA key made for this test binary: as a bare public key and
//! as a self-signed certificate.

use crate::common;
use crate::support::{data_status, oauth_error, post_token};
use ferry_sandbox::salesforce::api::Options;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};

use std::path::PathBuf;
use std::sync::OnceLock;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// One RSA key per test binary (key generation is slow in debug builds).
struct Keys {
    private_pem: String,
    public_key_file: PathBuf,
    certificate_file: PathBuf,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let private_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("ferry-sf-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let public_key_file = dir.join("jwt-public-key.pem");
        std::fs::write(&public_key_file, public_pem).unwrap();
        let key_pair = rcgen::KeyPair::from_pem(&private_pem).unwrap();
        let certificate = rcgen::CertificateParams::new(vec!["ferry-jwt".to_string()])
            .unwrap()
            .self_signed(&key_pair)
            .unwrap();
        let certificate_file = dir.join("jwt-certificate.pem");
        std::fs::write(&certificate_file, certificate.pem()).unwrap();
        Keys {
            private_pem,
            public_key_file,
            certificate_file,
        }
    })
}

fn sign(claims: &Json) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(keys().private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        claims,
        &key,
    )
    .unwrap()
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn jwt_bearer_verifies_signature_issuer_subject_and_expiry() {
    let org = common::start_with(Options {
        jwt_cert: Some(keys().public_key_file.clone()),
        ..Options::default()
    })
    .await;
    let b = org.sandbox.banner.clone();
    let claims = |iss: &str, sub: &str, exp: Json| json!({"iss": iss, "sub": sub, "aud": "https://login.salesforce.com", "exp": exp});
    let org_ref = &org;
    let grant = |assertion: String| async move {
        post_token(
            org_ref,
            &[("grant_type", JWT_GRANT), ("assertion", &assertion)],
        )
        .await
    };
    // `exp` as simple-salesforce sends it (a string) and as a number.
    for exp in [
        json!((now_seconds() + 180).to_string()),
        json!(now_seconds() + 180),
    ] {
        let (status, body) = grant(sign(&claims(
            &b.client_id,
            "integration@ferry.sandbox",
            exp,
        )))
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none());
        assert!(
            body["id"]
                .as_str()
                .unwrap()
                .ends_with(&b.integration_user_id)
        );
        assert_eq!(
            data_status(&org, body["access_token"].as_str().unwrap()).await,
            200
        );
    }
    let valid = sign(&claims(
        &b.client_id,
        &b.username,
        json!(now_seconds() + 180),
    ));
    // Another payload under the same signature.
    let forged_payload = sign(&claims(
        &b.client_id,
        "integration@ferry.sandbox",
        json!(now_seconds() + 999),
    ));
    let parts: Vec<&str> = valid.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        forged_payload.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_eq!(
        grant(forged).await,
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_grant", "invalid assertion")
        )
    );
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(&b.client_id, &b.username, json!(now_seconds() + 180)),
        &jsonwebtoken::EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_eq!(
        grant(hmac).await.1,
        oauth_error("invalid_grant", "invalid assertion")
    );
    assert_eq!(
        grant("not-a-jwt".into()).await.1,
        oauth_error("invalid_grant", "invalid assertion")
    );
    let expired = sign(&claims(
        &b.client_id,
        &b.username,
        json!(now_seconds() - 10),
    ));
    assert_eq!(
        grant(expired).await,
        (
            StatusCode::BAD_REQUEST,
            oauth_error("invalid_grant", "expired authorization code")
        )
    );
    let stranger = sign(&claims(
        &b.client_id,
        "nobody@example.com",
        json!(now_seconds() + 180),
    ));
    assert_eq!(
        grant(stranger).await.1,
        oauth_error("invalid_grant", "user hasn't approved this consumer")
    );
    let wrong_issuer = sign(&claims(
        "3MVG9someoneelse",
        &b.username,
        json!(now_seconds() + 180),
    ));
    assert_eq!(
        grant(wrong_issuer).await.1,
        oauth_error("invalid_client_id", "client identifier invalid")
    );
    assert_eq!(
        post_token(&org, &[("grant_type", JWT_GRANT)]).await.1,
        oauth_error("invalid_request", "missing required parameter: assertion")
    );
}

#[tokio::test]
async fn jwt_bearer_with_a_certificate_over_https_and_without_one() {
    let org = common::start_with(Options {
        tls: true,
        jwt_cert: Some(keys().certificate_file.clone()),
        ..Options::default()
    })
    .await;
    let b = org.sandbox.banner.clone();
    let assertion = sign(
        &json!({"iss": b.client_id, "sub": b.username, "aud": "https://test.salesforce.com", "exp": now_seconds() + 60}),
    );
    let (status, body) = post_token(
        &org,
        &[("grant_type", JWT_GRANT), ("assertion", &assertion)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["id"],
        json!(format!("{}/id/{}/{}", org.base, b.org_id, b.user_id))
    );

    let plain = common::start().await;
    let assertion = sign(
        &json!({"iss": plain.sandbox.banner.client_id, "sub": b.username, "exp": now_seconds() + 60}),
    );
    assert_eq!(
        post_token(
            &plain,
            &[("grant_type", JWT_GRANT), ("assertion", &assertion)]
        )
        .await
        .1,
        oauth_error("invalid_grant", "invalid assertion")
    );
}
