//! The web-server (authorization code) flow with PKCE (reference §2.4), for `ferry connect
//! salesforce`: a verifier and its S256 challenge, the authorize URL, and the code exchange.

use super::token::{self, Tokens};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ferry_http::{Error, reqwest};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// RFC 7636's unreserved characters, from which a verifier is drawn.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
/// The verifier's length (RFC 7636 allows 43–128).
const VERIFIER_LEN: usize = 64;
/// What a query value keeps unencoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A PKCE verifier and its S256 challenge.
#[derive(Clone)]
pub struct Challenge {
    verifier: SecretString,
    challenge: String,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl Default for Challenge {
    fn default() -> Self {
        Self::new()
    }
}

impl Challenge {
    /// A fresh random verifier (64 unreserved characters) and its challenge.
    pub fn new() -> Self {
        let mut rng = rand::rng();
        let verifier: String = (0..VERIFIER_LEN)
            .map(|_| char::from(UNRESERVED[rng.random_range(0..UNRESERVED.len())]))
            .collect();
        Self::from_verifier(verifier)
    }

    /// The challenge of a given verifier (tests, RFC 7636 Appendix B).
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }

    /// The verifier, sent with the code exchange.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// `BASE64URL(SHA256(verifier))` without padding, sent to `/authorize`.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// A random `state` value that ties the browser's return to this attempt.
pub fn random_state() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(UNRESERVED[rng.random_range(0..62)]))
        .collect()
}

/// `{login_url}/services/oauth2/authorize?response_type=code&…` with the PKCE challenge and
/// the `api refresh_token` scopes (a refresh token is what Ferry keeps).
pub fn authorize_url(
    login_url: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &Challenge,
) -> String {
    let enc = |v: &str| utf8_percent_encode(v, QUERY_VALUE).to_string();
    format!(
        "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}\
         &scope={}&state={}&code_challenge={}&code_challenge_method=S256",
        login_url.trim_end_matches('/'),
        enc(client_id),
        enc(redirect_uri),
        enc("api refresh_token"),
        enc(state),
        enc(challenge.challenge()),
    )
}

/// The connected app that runs the web-server flow.
#[derive(Clone)]
pub struct WebServerApp {
    /// `https://login.salesforce.com`, `https://test.salesforce.com` or a My Domain.
    pub login_url: String,
    /// The consumer key.
    pub client_id: String,
    /// The consumer secret, when the app requires it at exchange.
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for WebServerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebServerApp")
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl WebServerApp {
    /// Where to send the user's browser.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, challenge: &Challenge) -> String {
        authorize_url(
            &self.login_url,
            &self.client_id,
            redirect_uri,
            state,
            challenge,
        )
    }

    /// Exchanges the code from the callback for tokens (a refresh token included when the
    /// app grants the `refresh_token` scope). `redirect_uri` must repeat the authorize one.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        verifier: &SecretString,
        redirect_uri: &str,
    ) -> Result<Tokens, Error> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier.expose_secret()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        token::request(http, &self.login_url, "authorization code", &form, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_s256() {
        // RFC 7636 Appendix B.
        let c = Challenge::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(c.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifiers_are_long_unreserved_and_fresh() {
        let a = Challenge::new();
        let b = Challenge::new();
        let v = a.verifier().expose_secret();
        assert!((43..=128).contains(&v.len()));
        assert!(v.bytes().all(|c| UNRESERVED.contains(&c)));
        assert_ne!(v, b.verifier().expose_secret());
        assert!(!a.challenge().contains('='));
    }

    #[test]
    fn the_authorize_url_encodes_every_value() {
        let c = Challenge::from_verifier("x".repeat(43));
        let url = authorize_url(
            "https://login.salesforce.com/",
            "3MVG9&x",
            "http://127.0.0.1:1717/callback",
            "s t",
            &c,
        );
        assert!(url.starts_with("https://login.salesforce.com/services/oauth2/authorize?"));
        assert!(url.contains("client_id=3MVG9%26x"));
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A1717%2Fcallback"));
        assert!(url.contains("state=s%20t"));
        assert!(url.contains("code_challenge_method=S256"));
    }
}
