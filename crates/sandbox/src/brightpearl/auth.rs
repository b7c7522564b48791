//! Who may call: the three header schemes of reference §2.1 (app reference with an account
//! token, app reference with a staff token, OAuth bearer token with app and developer
//! references), and the OAuth authorization-code grant with rotating refresh tokens (§2.3).
//! Tokens live in memory only: a restarted sandbox prints new ones.

use base64::Engine as _;
use rand::RngCore as _;
use std::collections::HashMap;

/// How long an OAuth access token lives: 7 days, as `expires_in` says.
pub const ACCESS_TOKEN_SECONDS: i64 = 604_800;
/// How long an authorization code may wait to be exchanged.
const CODE_SECONDS: i64 = 600;

/// The credentials the sandbox accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `brightpearl-app-ref` (`{account}_{suffix}`); also the OAuth `client_id`.
    pub app_ref: String,
    /// `brightpearl-account-token` of the private system app.
    pub account_token: String,
    /// `brightpearl-staff-token` of the private staff app.
    pub staff_token: String,
    /// `brightpearl-dev-ref` of the OAuth app.
    pub dev_ref: String,
    /// OAuth client secret (needed only when sent; "confidential OAuth").
    pub client_secret: String,
}

/// A random token in the alphabet Brightpearl's tokens use (base64, with `+ / =`).
pub fn random_token(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

impl Credentials {
    /// Fresh random credentials for `account`.
    pub fn generate(account: &str) -> Credentials {
        Credentials {
            app_ref: format!("{account}_ferry"),
            account_token: random_token(24),
            staff_token: random_token(24),
            dev_ref: "ferrydev".into(),
            client_secret: random_token(24),
        }
    }
}

/// The caller as authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Private system app (account token).
    System,
    /// Private staff app (staff token).
    Staff,
    /// OAuth instance app (bearer token); throttled in its own pool.
    OAuth,
}

/// The client part of a token request: `client_id` and, for confidential apps, `client_secret`.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// `client_id` as sent.
    pub id: Option<&'a str>,
    /// `client_secret` as sent, if any.
    pub secret: Option<&'a str>,
}

/// Why a call is refused: the text goes into `{"response": …}` with 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

#[derive(Debug, Clone)]
struct Grant {
    redirect_uri: String,
    expires_ms: i64,
}

#[derive(Debug, Clone)]
struct AccessToken {
    expires_ms: i64,
}

/// Credentials plus issued OAuth codes and tokens.
#[derive(Debug)]
pub struct Auth {
    /// The accepted credentials.
    pub credentials: Credentials,
    codes: HashMap<String, Grant>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, ()>,
}

/// A token response body (reference §2.3, keys in snake_case as recorded).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// The (rotating) refresh token.
    pub refresh_token: String,
    /// Only on the code grant, as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installation_instance_id: Option<String>,
    /// Host (and port) to call.
    pub api_domain: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds left.
    pub expires_in: i64,
}

/// An OAuth error: 400 with `{"error", "error_description"?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// `invalid_client`, `invalid_grant`, `invalid_request`, `unsupported_grant_type`.
    pub error: &'static str,
    /// Brightpearl's description, when it gives one.
    pub description: Option<String>,
}

impl Auth {
    /// An authority over `credentials` with nothing issued.
    pub fn new(credentials: Credentials) -> Auth {
        Auth {
            credentials,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// Checks a data call's headers (names lower-case). `now_ms` decides expiry.
    pub fn check(
        &self,
        header: &dyn Fn(&str) -> Option<String>,
        now_ms: i64,
    ) -> Result<Caller, Refusal> {
        let app_ref = header("brightpearl-app-ref");
        if let Some(bearer) = header("authorization") {
            let token = bearer
                .strip_prefix("Bearer ")
                .or_else(|| bearer.strip_prefix("bearer "))
                .unwrap_or(&bearer)
                .trim()
                .to_string();
            return match self.access.get(&token) {
                Some(issued) if issued.expires_ms <= now_ms => {
                    Err(Refusal("Authorization token expired".into()))
                }
                Some(_)
                    if app_ref.as_deref() == Some(self.credentials.app_ref.as_str())
                        && header("brightpearl-dev-ref").as_deref()
                            == Some(self.credentials.dev_ref.as_str()) =>
                {
                    Ok(Caller::OAuth)
                }
                _ => Err(Refusal(format!("Invalid instance token: {token}"))),
            };
        }
        let app_matches = app_ref.as_deref() == Some(self.credentials.app_ref.as_str());
        if let Some(token) = header("brightpearl-staff-token") {
            return if app_matches && token == self.credentials.staff_token {
                Ok(Caller::Staff)
            } else {
                Err(Refusal(format!("Invalid instance token: {token}")))
            };
        }
        if let Some(token) = header("brightpearl-account-token") {
            return if app_matches && token == self.credentials.account_token {
                Ok(Caller::System)
            } else {
                Err(Refusal(format!("Invalid instance token: {token}")))
            };
        }
        Err(Refusal(
            "Not authenticated. You must provide a valid authentication token.".into(),
        ))
    }

    /// The authorize step: the sandbox's one staff user approves at once; the code goes back to
    /// `redirect_uri`. Refuses an unknown client.
    pub fn authorize(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        now_ms: i64,
    ) -> Result<String, OAuthError> {
        if client_id != self.credentials.app_ref {
            return Err(OAuthError {
                error: "invalid_client",
                description: None,
            });
        }
        let code = random_token(18);
        self.codes.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect_uri.to_string(),
                expires_ms: now_ms + CODE_SECONDS * 1000,
            },
        );
        Ok(code)
    }

    fn check_client(&self, client: Client<'_>) -> Result<(), OAuthError> {
        let (client_id, client_secret) = (client.id, client.secret);
        let invalid = OAuthError {
            error: "invalid_client",
            description: None,
        };
        if client_id != Some(self.credentials.app_ref.as_str()) {
            return Err(invalid);
        }
        match client_secret {
            Some(secret) if secret != self.credentials.client_secret => Err(invalid),
            _ => Ok(()),
        }
    }

    /// Exchanges an authorization code (single use, same redirect URI) for tokens.
    pub fn exchange_code(
        &mut self,
        client: Client<'_>,
        code: &str,
        redirect_uri: Option<&str>,
        now_ms: i64,
        api_domain: &str,
        instance_id: u64,
    ) -> Result<TokenResponse, OAuthError> {
        self.check_client(client)?;
        let grant = match self.codes.get(code) {
            Some(grant) if grant.expires_ms > now_ms => grant.clone(),
            _ => {
                return Err(OAuthError {
                    error: "invalid_grant",
                    description: Some("The auth token has either expired or does not exist".into()),
                });
            }
        };
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(OAuthError {
                error: "invalid_grant",
                description: Some(
                    "Redirect uri does not match that used to request auth token".into(),
                ),
            });
        }
        self.codes.remove(code);
        let mut response = self.issue(now_ms, api_domain);
        response.installation_instance_id = Some(instance_id.to_string());
        Ok(response)
    }

    /// Exchanges a refresh token for new tokens; the old refresh token stops working (rotation).
    pub fn refresh(
        &mut self,
        client: Client<'_>,
        refresh_token: &str,
        now_ms: i64,
        api_domain: &str,
    ) -> Result<TokenResponse, OAuthError> {
        self.check_client(client)?;
        if self.refresh.remove(refresh_token).is_none() {
            return Err(OAuthError {
                error: "invalid_grant",
                description: Some("The auth token has either expired or does not exist".into()),
            });
        }
        Ok(self.issue(now_ms, api_domain))
    }

    fn issue(&mut self, now_ms: i64, api_domain: &str) -> TokenResponse {
        let access_token = random_token(48);
        let refresh_token = random_token(48);
        self.access.insert(
            access_token.clone(),
            AccessToken {
                expires_ms: now_ms + ACCESS_TOKEN_SECONDS * 1000,
            },
        );
        self.refresh.insert(refresh_token.clone(), ());
        TokenResponse {
            access_token,
            refresh_token,
            installation_instance_id: None,
            api_domain: api_domain.to_string(),
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_SECONDS,
        }
    }

    /// Issues an access token directly (the admin API and tests), valid for `seconds`.
    pub fn issue_access_token(&mut self, now_ms: i64, seconds: i64) -> String {
        let token = random_token(48);
        self.access.insert(
            token.clone(),
            AccessToken {
                expires_ms: now_ms + seconds * 1000,
            },
        );
        token
    }

    /// Makes every issued access token expired (to test refresh handling); returns how many.
    pub fn expire_access_tokens(&mut self, now_ms: i64) -> usize {
        for token in self.access.values_mut() {
            token.expires_ms = now_ms;
        }
        self.access.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn every_scheme_and_its_refusals() {
        let mut auth = Auth::new(Credentials::generate("acme"));
        let c = auth.credentials.clone();
        let system = headers(&[
            ("brightpearl-app-ref", &c.app_ref),
            ("brightpearl-account-token", &c.account_token),
        ]);
        assert_eq!(auth.check(&system, 0), Ok(Caller::System));
        let staff = headers(&[
            ("brightpearl-app-ref", &c.app_ref),
            ("brightpearl-staff-token", &c.staff_token),
        ]);
        assert_eq!(auth.check(&staff, 0), Ok(Caller::Staff));
        let wrong = headers(&[
            ("brightpearl-app-ref", &c.app_ref),
            ("brightpearl-account-token", "nope"),
        ]);
        assert_eq!(
            auth.check(&wrong, 0),
            Err(Refusal("Invalid instance token: nope".into()))
        );
        assert!(
            auth.check(&headers(&[]), 0)
                .unwrap_err()
                .0
                .starts_with("Not authenticated")
        );

        let code = auth.authorize(&c.app_ref, "https://app/cb", 0).unwrap();
        let err = auth
            .exchange_code(
                Client {
                    id: Some(&c.app_ref),
                    secret: None,
                },
                &code,
                Some("https://other/cb"),
                0,
                "h",
                13,
            )
            .unwrap_err();
        assert_eq!(
            err.description.as_deref(),
            Some("Redirect uri does not match that used to request auth token")
        );
        let tokens = auth
            .exchange_code(
                Client {
                    id: Some(&c.app_ref),
                    secret: None,
                },
                &code,
                Some("https://app/cb"),
                0,
                "h",
                13,
            )
            .unwrap();
        assert_eq!(tokens.expires_in, 604_800);
        assert_eq!(tokens.installation_instance_id.as_deref(), Some("13"));
        assert!(
            auth.exchange_code(
                Client {
                    id: Some(&c.app_ref),
                    secret: None
                },
                &code,
                Some("https://app/cb"),
                0,
                "h",
                13
            )
            .is_err(),
            "codes are single use"
        );
        let bearer = format!("Bearer {}", tokens.access_token);
        let oauth = headers(&[
            ("authorization", &bearer),
            ("brightpearl-app-ref", &c.app_ref),
            ("brightpearl-dev-ref", &c.dev_ref),
        ]);
        assert_eq!(auth.check(&oauth, 1), Ok(Caller::OAuth));
        assert_eq!(
            auth.check(&oauth, ACCESS_TOKEN_SECONDS * 1000 + 1),
            Err(Refusal("Authorization token expired".into()))
        );
        let refreshed = auth
            .refresh(
                Client {
                    id: Some(&c.app_ref),
                    secret: None,
                },
                &tokens.refresh_token,
                5,
                "h",
            )
            .unwrap();
        assert_ne!(refreshed.refresh_token, tokens.refresh_token);
        assert!(
            auth.refresh(
                Client {
                    id: Some(&c.app_ref),
                    secret: None
                },
                &tokens.refresh_token,
                5,
                "h"
            )
            .is_err(),
            "refresh tokens rotate"
        );
        assert_eq!(
            auth.refresh(
                Client {
                    id: Some("other"),
                    secret: None
                },
                &refreshed.refresh_token,
                5,
                "h"
            )
            .unwrap_err()
            .error,
            "invalid_client"
        );
    }
}
