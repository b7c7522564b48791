//! The token endpoint (`POST {login_url}/services/oauth2/token`, reference §2.1): one request,
//! its answer, and errors that say which grant failed and what to change.

use ferry_http::{Error, reqwest};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How long a token request may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the token endpoint hands out.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The bearer token for data calls.
    pub access_token: SecretString,
    /// A refresh token: only the web-server (authorization code) flow issues one, and a
    /// refresh answer carries a new one only when the connected app rotates them.
    pub refresh_token: Option<SecretString>,
    /// The org's address, used exactly as given (http or https, any port).
    pub instance_url: String,
    /// The identity URL (`…/id/{orgId}/{userId}`).
    pub id: Option<String>,
    /// The granted scopes, space separated.
    pub scope: Option<String>,
    /// Epoch milliseconds, as Salesforce sends them (a string).
    pub issued_at: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    instance_url: String,
    id: Option<String>,
    scope: Option<String>,
    issued_at: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct TokenError {
    error: String,
    error_description: Option<String>,
}

/// `{login_url}/services/oauth2/token`.
pub(crate) fn token_url(login_url: &str) -> String {
    format!("{}/services/oauth2/token", login_url.trim_end_matches('/'))
}

/// One token request for `grant` (a name for messages: `JWT bearer`, `refresh token`, …).
/// `basic` sends the client's id and secret as HTTP Basic instead of in the form.
pub(crate) async fn request(
    http: &reqwest::Client,
    login_url: &str,
    grant: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &SecretString)>,
) -> Result<Tokens, Error> {
    let url = token_url(login_url);
    let label = "POST /services/oauth2/token".to_owned();
    let network = |e: reqwest::Error| Error::GaveUp {
        api: "salesforce",
        label: label.clone(),
        attempts: 1,
        elapsed: Duration::ZERO,
        last: format!(
            "the token endpoint {url} could not be reached for the {grant} grant ({e}); check \
             salesforce.login_url and the network, then try again"
        ),
    };
    let mut builder = http.post(&url).form(form).timeout(TOKEN_TIMEOUT);
    if let Some((id, secret)) = basic {
        builder = builder.basic_auth(id, Some(secret.expose_secret()));
    }
    let response = builder.send().await.map_err(network)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(network)?;
    if status != 200 {
        let (code, description) = match serde_json::from_slice::<TokenError>(&body) {
            Ok(e) => (e.error, e.error_description.unwrap_or_default()),
            Err(_) => (
                format!("HTTP_{status}"),
                String::from_utf8_lossy(&body).chars().take(200).collect(),
            ),
        };
        if status >= 500 {
            return Err(Error::GaveUp {
                api: "salesforce",
                label,
                attempts: 1,
                elapsed: Duration::ZERO,
                last: format!(
                    "the token endpoint failed (HTTP {status} {code}: {description}); the \
                     {grant} grant is retried with the work later"
                ),
            });
        }
        return Err(Error::Unauthorized {
            api: "salesforce",
            label,
            message: refusal(grant, &code, &description),
        });
    }
    let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| Error::Decode {
        api: "salesforce",
        label,
        message: format!("the token answer is not Salesforce's shape: {e}"),
        // The body may hold a token: never quote it.
        snippet: "(token answer withheld)".into(),
    })?;
    Ok(Tokens {
        access_token: SecretString::from(answer.access_token),
        refresh_token: answer.refresh_token.map(SecretString::from),
        instance_url: answer.instance_url.trim_end_matches('/').to_owned(),
        id: answer.id,
        scope: answer.scope,
        issued_at: answer.issued_at,
    })
}

/// The refusal of `grant` in words a user can act on.
fn refusal(grant: &str, code: &str, description: &str) -> String {
    let lower = description.to_ascii_lowercase();
    let fix = match code {
        "invalid_client_id" => {
            "copy the connected app's Consumer Key into salesforce.client_id (Setup → App \
             Manager → the app → View → Manage Consumer Details)"
        }
        "invalid_client" => {
            "copy the connected app's Consumer Secret into the vault again; it does not match \
             the Consumer Key"
        }
        "unsupported_grant_type" => {
            "enable this flow on the connected app (Setup → App Manager → the app → Edit → \
             OAuth settings)"
        }
        "invalid_grant" if lower.contains("approved this consumer") => {
            "pre-authorize the user: on the connected app choose Manage → Edit Policies → \
             Permitted Users: \"Admin approved users are pre-authorized\", then add the user's \
             profile or a permission set holding the user (or have the user approve the app \
             once through `ferry connect salesforce`)"
        }
        "invalid_grant" if lower.contains("invalid assertion") => {
            "the JWT signature did not verify: upload the certificate matching \
             salesforce.private_key to the connected app (Use digital signatures)"
        }
        "invalid_grant"
            if lower.contains("expired authorization code") && grant == "JWT bearer" =>
        {
            "the assertion was refused as expired: check this machine's clock (the assertion \
             is valid for 3 minutes)"
        }
        "invalid_grant" if lower.contains("expired authorization code") => {
            "the authorization code was used or is older than 15 minutes: run `ferry connect \
             salesforce` again"
        }
        "invalid_grant" if lower.contains("refresh token") => {
            "the refresh token was revoked or expired: run `ferry connect salesforce` again to \
             obtain a new one"
        }
        "invalid_grant" if lower.contains("code verifier") => {
            "the PKCE verifier does not match the challenge: start `ferry connect salesforce` \
             again"
        }
        "invalid_grant" if lower.contains("redirect_uri") => {
            "the redirect URI differs from the one used at authorization; add it to the \
             connected app's callback URLs and start again"
        }
        "invalid_grant" if grant == "client credentials" => {
            "enable the Client Credentials Flow on the connected app and set its Run As user"
        }
        "invalid_grant" => "check the username and that the user may use the connected app",
        _ => "check the connected app's OAuth settings and the credentials in the vault",
    };
    let description = if description.is_empty() {
        String::new()
    } else {
        format!(" ({description})")
    };
    format!("Salesforce refused the {grant} grant: {code}{description}; {fix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_grant_and_the_fix() {
        let m = refusal(
            "JWT bearer",
            "invalid_grant",
            "user hasn't approved this consumer",
        );
        assert!(
            m.contains("JWT bearer") && m.contains("pre-authorize"),
            "{m}"
        );
        let m = refusal(
            "refresh token",
            "invalid_grant",
            "expired access/refresh token",
        );
        assert!(m.contains("ferry connect salesforce"), "{m}");
        let m = refusal(
            "client credentials",
            "invalid_client",
            "invalid client credentials",
        );
        assert!(m.contains("Consumer Secret"), "{m}");
    }
}
