//! The grant types of the token endpoint. Each checks the client first, then its own
//! parameters, and answers with a new session or the error Salesforce gives.

use super::{Granted, OAuthError, Params};
use crate::salesforce::api::AppState;
use crate::salesforce::auth::{ClientError, SCOPE_API};
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

fn client_error(error: ClientError) -> OAuthError {
    match error {
        ClientError::UnknownClient => OAuthError::invalid_client_id(),
        ClientError::BadSecret => OAuthError::invalid_client(),
    }
}

/// The consumer key, or `invalid_client_id` when it is missing.
fn client_id(params: &Params) -> Result<&str, OAuthError> {
    params
        .value("client_id")
        .ok_or_else(OAuthError::invalid_client_id)
}

/// `grant_type=password`: the user's password followed by the security token.
pub fn password(state: &AppState, params: &Params) -> Result<Granted, OAuthError> {
    let client_id = client_id(params)?;
    let secret = params
        .get("client_secret")
        .ok_or_else(OAuthError::invalid_client)?;
    let mut auth = state.auth();
    auth.check_client(client_id, Some(secret))
        .map_err(client_error)?;
    let username = params.required("username")?;
    let password = params.required("password")?;
    let user_id = auth
        .check_password(username, password)
        .map(|user| user.user_id)
        .ok_or_else(|| OAuthError::invalid_grant("authentication failure"))?;
    let session = auth.issue_scoped(user_id, client_id, SCOPE_API);
    Ok(Granted {
        session,
        refresh_token: None,
        scope: SCOPE_API.to_string(),
    })
}

/// `grant_type=client_credentials`: the connected app's own credentials (HTTP Basic, as
/// simple-salesforce sends them, or form fields); runs as the integration user.
pub fn client_credentials(
    state: &AppState,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Granted, OAuthError> {
    let (client_id, secret) = match basic_credentials(headers) {
        Some((id, secret)) => (id, Some(secret)),
        None => (
            client_id(params)?.to_string(),
            params.get("client_secret").map(str::to_string),
        ),
    };
    let secret = secret.ok_or_else(OAuthError::invalid_client)?;
    let mut auth = state.auth();
    auth.check_client(&client_id, Some(&secret))
        .map_err(client_error)?;
    let user_id = auth.integration().user_id;
    let session = auth.issue_scoped(user_id, &client_id, SCOPE_API);
    Ok(Granted {
        session,
        refresh_token: None,
        scope: SCOPE_API.to_string(),
    })
}

/// `Authorization: Basic base64(client_id:client_secret)`.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// `grant_type=authorization_code`: exchanges a code from `/authorize`.
pub fn authorization_code(state: &AppState, params: &Params) -> Result<Granted, OAuthError> {
    let client_id = client_id(params)?;
    let secret = params.get("client_secret");
    let mut auth = state.auth();
    auth.check_client(client_id, secret).map_err(client_error)?;
    let code = params.required("code")?;
    let redirect_uri = params.required("redirect_uri")?;
    let code = auth
        .take_code(code)
        .filter(|code| code.client_id == client_id)
        .ok_or_else(|| OAuthError::invalid_grant("expired authorization code"))?;
    if code.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri must match configuration",
        ));
    }
    match &code.code_challenge {
        Some((challenge, method)) => {
            let verifier = params.value("code_verifier").unwrap_or_default();
            if !pkce_matches(challenge, method, verifier) {
                return Err(OAuthError::invalid_grant("invalid code verifier"));
            }
        }
        // Without PKCE only the secret proves who is exchanging the code.
        None if secret.is_none() => return Err(OAuthError::invalid_client()),
        None => {}
    }
    let offline = code
        .scope
        .split_whitespace()
        .any(|scope| matches!(scope, "refresh_token" | "offline_access" | "full"));
    if offline {
        let refresh = auth.issue_refresh_scoped(code.user_id, client_id, &code.scope);
        let session = auth
            .issue_from_refresh(&refresh)
            .ok_or_else(|| OAuthError::invalid_grant("expired authorization code"))?;
        Ok(Granted {
            session,
            refresh_token: Some(refresh),
            scope: code.scope,
        })
    } else {
        let session = auth.issue_scoped(code.user_id, client_id, &code.scope);
        Ok(Granted {
            session,
            refresh_token: None,
            scope: code.scope,
        })
    }
}

/// RFC 7636: `S256` compares base64url(SHA-256(verifier)), `plain` the verifier itself.
pub fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    if verifier.is_empty() {
        return false;
    }
    match method {
        "plain" => verifier == challenge,
        _ => {
            let digest = Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
                == challenge.trim_end_matches('=')
        }
    }
}

/// `grant_type=refresh_token`: a new session; no rotation, so no new refresh token.
pub fn refresh_token(state: &AppState, params: &Params) -> Result<Granted, OAuthError> {
    let client_id = client_id(params)?;
    let mut auth = state.auth();
    auth.check_client(client_id, params.get("client_secret"))
        .map_err(client_error)?;
    let token = params.required("refresh_token")?;
    let scope = auth
        .refresh_grant(token)
        .filter(|grant| grant.client_id == client_id)
        .map(|grant| grant.scope.clone());
    let expired = || OAuthError::invalid_grant("expired access/refresh token");
    let scope = scope.ok_or_else(expired)?;
    let session = auth.issue_from_refresh(token).ok_or_else(expired)?;
    Ok(Granted {
        session,
        refresh_token: None,
        scope,
    })
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: an RS256 assertion signed with
/// the key of the `--jwt-cert` certificate; runs as the `sub` user.
pub fn jwt_bearer(state: &AppState, params: &Params) -> Result<Granted, OAuthError> {
    let assertion = params.required("assertion")?;
    let invalid = || OAuthError::invalid_grant("invalid assertion");
    let Some(key) = state.auth().jwt_key().map(<[u8]>::to_vec) else {
        tracing::warn!(
            "JWT bearer assertion refused: the sandbox was started without --jwt-cert, so it has no key to verify it"
        );
        return Err(invalid());
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Salesforce's own rules follow: `exp` may be a string, `aud` is not checked here.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Json>(
        assertion,
        &jsonwebtoken::DecodingKey::from_rsa_der(&key),
        &validation,
    )
    .map_err(|_| invalid())?
    .claims;
    let issuer = claims.get("iss").and_then(Json::as_str).unwrap_or_default();
    let mut auth = state.auth();
    auth.check_client(issuer, None).map_err(client_error)?;
    let now_seconds = crate::salesforce::value::now_ms() as f64 / 1000.0;
    if expiry_seconds(claims.get("exp")).is_none_or(|exp| exp <= now_seconds) {
        return Err(OAuthError::invalid_grant("expired authorization code"));
    }
    let subject = claims.get("sub").and_then(Json::as_str).unwrap_or_default();
    let user_id = auth
        .user_by_name(subject)
        .map(|user| user.user_id)
        .ok_or_else(|| OAuthError::invalid_grant("user hasn't approved this consumer"))?;
    let session = auth.issue_scoped(user_id, issuer, SCOPE_API);
    Ok(Granted {
        session,
        refresh_token: None,
        scope: SCOPE_API.to_string(),
    })
}

/// `exp` as epoch seconds, from a number or a numeric string.
fn expiry_seconds(exp: Option<&Json>) -> Option<f64> {
    match exp? {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
