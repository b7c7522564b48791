//! Users, the connected app, and the tokens the sandbox has issued.
//!
//! Tokens look like real ones: `<15-char org id>!<opaque>`. Access tokens expire a fixed
//! session lifetime after they are issued (use does not extend them), or when revoked, or when
//! an admin expires every session; refresh tokens live until revoked, and revoking one ends the
//! sessions obtained with it. Authorization codes are single-use and live 15 minutes. Tokens are
//! kept in memory only: a restarted sandbox forgets them (clients re-authenticate on the 401,
//! as they must against Salesforce).
//!
//! Both users log in with their password followed by their security token (OAuth password
//! flow, SOAP `login()`); client credentials run as the integration user (the connected app's
//! "Run As" user); JWT bearer runs as the user the assertion names.

use super::ids::SfId;
use super::org::Org;
use super::value::{self, Value};
use rand::Rng;
use std::collections::HashMap;
use std::path::Path;

/// A user who can log in.
#[derive(Debug, Clone)]
pub struct User {
    /// 18-character user id.
    pub user_id: SfId,
    /// Login name.
    pub username: String,
    /// Password (without the security token).
    pub password: String,
    /// Security token, appended to the password by SOAP and password-flow clients.
    pub security_token: String,
    /// Display name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
}

/// The connected app (OAuth client).
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret.
    pub client_secret: String,
}

/// An authenticated session, attached to every data request.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user_id: SfId,
    /// The user's login name.
    pub username: String,
    /// The token presented.
    pub token: String,
    /// The connected app that obtained it (empty for SOAP logins and static tokens).
    pub client_id: String,
    /// When it was issued (ms since the epoch).
    pub issued_ms: i64,
    /// When it stops working (ms since the epoch); `None` for static tokens.
    pub expires_ms: Option<i64>,
}

/// How long an authorization code can be exchanged (Salesforce: 15 minutes).
pub const CODE_LIFETIME_MS: i64 = 15 * 60 * 1000;

/// The scopes of a token that came with a refresh token (web-server flow).
pub const SCOPE_WITH_REFRESH: &str = "api id refresh_token";
/// The scopes of every other token.
pub const SCOPE_API: &str = "api id";

/// Users, the connected app and issued tokens.
#[derive(Debug)]
pub struct Auth {
    org_id: SfId,
    admin: User,
    integration: User,
    client: ConnectedApp,
    /// Access token → session.
    sessions: HashMap<String, Issued>,
    /// Refresh token → what it grants.
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// Authorization code → what exchanging it grants. Removed on first use.
    codes: HashMap<String, AuthorizationCode>,
    /// Expired sessions are swept when the table reaches this size, so memory stays
    /// proportional to the live sessions however many tokens clients ask for.
    sweep_at: usize,
    session_seconds: u64,
    /// Public key (PKCS#1 DER) verifying JWT bearer assertions.
    jwt_key: Option<Vec<u8>>,
}

/// An issued access token and what the session table needs to know about it.
#[derive(Debug, Clone)]
struct Issued {
    session: Session,
    scope: String,
}

/// What a refresh token grants.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// The user.
    pub user_id: SfId,
    /// The client it was issued to; only that client may use it.
    pub client_id: String,
    /// The scopes it carries.
    pub scope: String,
    /// Access tokens obtained with it: revoking the refresh token revokes them too.
    access_tokens: Vec<String>,
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    /// The user it was issued for.
    pub user_id: SfId,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued with (must match at exchange).
    pub redirect_uri: String,
    /// PKCE `(challenge, method)`, method `S256` or `plain`, if the client sent one.
    pub code_challenge: Option<(String, String)>,
    /// The scopes requested at the authorize step.
    pub scope: String,
    /// When it was issued (ms); codes live [`CODE_LIFETIME_MS`].
    pub issued_ms: i64,
}

/// Why a client failed to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientError {
    /// No connected app has this consumer key.
    UnknownClient,
    /// The consumer secret is missing or wrong.
    BadSecret,
}

/// What introspection reports about a token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Whether it is a refresh token (else an access token).
    pub refresh: bool,
    /// The user.
    pub user_id: SfId,
    /// The client it was issued to (empty for SOAP logins and static tokens).
    pub client_id: String,
    /// Its scopes.
    pub scope: String,
    /// When it was issued (ms), for access tokens.
    pub issued_ms: Option<i64>,
    /// When it expires (ms), for expiring access tokens.
    pub expires_ms: Option<i64>,
}

/// Random URL-safe characters.
pub fn random_token(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

const SWEEP_MIN: usize = 1024;

impl Auth {
    /// Creates the admin and integration users in the org and a connected app.
    pub fn new(org: &mut Org) -> Auth {
        let users = org.schema().object("User").unwrap_or(0);
        let mut make = |username: &str, first: &str, last: &str| {
            let email = username.to_string();
            let user_id = org.insert_system(
                users,
                &[
                    ("Username", Value::text(username.to_string())),
                    ("FirstName", Value::text(first.to_string())),
                    ("LastName", Value::text(last.to_string())),
                    ("Name", Value::text(format!("{first} {last}"))),
                    ("Email", Value::text(email.clone())),
                    ("Alias", Value::Text(last.chars().take(8).collect())),
                    ("IsActive", Value::Bool(true)),
                ],
            );
            User {
                user_id,
                username: username.to_string(),
                password: random_token(16),
                security_token: random_token(24),
                full_name: format!("{first} {last}"),
                email,
            }
        };
        let admin = make("admin@ferry.sandbox", "Sandbox", "Admin");
        let integration = make("integration@ferry.sandbox", "Ferry", "Integration");
        for user in [&admin, &integration] {
            org.set_system_value(user.user_id, "CreatedById", Value::Id(admin.user_id));
            org.set_system_value(user.user_id, "LastModifiedById", Value::Id(admin.user_id));
        }
        Auth::with_users(org.org_id(), admin, integration)
    }

    /// Auth tables for existing users (a restored state file).
    pub fn with_users(org_id: SfId, admin: User, integration: User) -> Auth {
        Auth {
            org_id,
            admin,
            integration,
            client: ConnectedApp {
                client_id: format!("3MVG9{}", random_token(80)),
                client_secret: random_token(64),
            },
            sessions: HashMap::new(),
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            sweep_at: SWEEP_MIN,
            session_seconds: 7200,
            jwt_key: None,
        }
    }

    /// The admin user (password and SOAP logins, static tokens).
    pub fn admin(&self) -> &User {
        &self.admin
    }

    /// The integration user (the connected app's "Run As" user for client credentials).
    pub fn integration(&self) -> &User {
        &self.integration
    }

    /// The connected app.
    pub fn client(&self) -> &ConnectedApp {
        &self.client
    }

    /// Replaces the connected app (a restored state file keeps its consumer key and secret).
    pub fn set_client(&mut self, client: ConnectedApp) {
        self.client = client;
    }

    /// The org id.
    pub fn org_id(&self) -> SfId {
        self.org_id
    }

    /// The user with this username (case-insensitive).
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        [&self.admin, &self.integration]
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// The user with this id.
    pub fn user_by_id(&self, id: SfId) -> Option<&User> {
        [&self.admin, &self.integration]
            .into_iter()
            .find(|u| u.user_id == id)
    }

    /// The user whose password followed by security token is `password` (what the OAuth
    /// password flow and SOAP `login()` send).
    pub fn check_password(&self, username: &str, password: &str) -> Option<&User> {
        let user = self.user_by_name(username.trim())?;
        let expected = format!("{}{}", user.password, user.security_token);
        (password == expected).then_some(user)
    }

    /// Authenticates a connected app: its consumer key, and its secret when `secret` is given
    /// (`Some("")` counts as a wrong secret).
    pub fn check_client(&self, client_id: &str, secret: Option<&str>) -> Result<(), ClientError> {
        if client_id != self.client.client_id {
            return Err(ClientError::UnknownClient);
        }
        match secret {
            Some(secret) if secret != self.client.client_secret => Err(ClientError::BadSecret),
            _ => Ok(()),
        }
    }

    /// Sets the access-token lifetime.
    pub fn set_session_seconds(&mut self, seconds: u64) {
        self.session_seconds = seconds.max(1);
    }

    /// Session lifetime in seconds (reported by SOAP login as `sessionSecondsValid`).
    pub fn session_seconds(&self) -> u64 {
        self.session_seconds
    }

    /// Loads the certificate (or public key) that verifies JWT bearer assertions.
    pub fn set_jwt_certificate(&mut self, path: &Path) -> anyhow::Result<()> {
        let pem = std::fs::read(path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read the JWT certificate {}: {err}; check --jwt-cert",
                path.display()
            )
        })?;
        self.jwt_key = Some(
            public_key_der(&pem)
                .map_err(|msg| anyhow::anyhow!("JWT certificate {}: {msg}", path.display()))?,
        );
        Ok(())
    }

    /// The configured JWT verification key (PKCS#1 RSA public key, DER).
    pub fn jwt_key(&self) -> Option<&[u8]> {
        self.jwt_key.as_deref()
    }

    /// Issues an access token for `user` with the default scopes.
    pub fn issue(&mut self, user_id: SfId, client_id: &str) -> Session {
        self.issue_scoped(user_id, client_id, SCOPE_API)
    }

    /// Issues an access token for `user` carrying `scope`.
    pub fn issue_scoped(&mut self, user_id: SfId, client_id: &str, scope: &str) -> Session {
        self.sweep_expired();
        let token = format!("{}!{}", self.org_id.short(), random_token(96));
        let now = value::now_ms();
        let username = self
            .user_by_id(user_id)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let session = Session {
            user_id,
            username,
            token: token.clone(),
            client_id: client_id.to_string(),
            issued_ms: now,
            // `--session-seconds` is user input: a huge value must not overflow.
            expires_ms: Some(
                now.saturating_add(
                    i64::try_from(self.session_seconds)
                        .unwrap_or(i64::MAX)
                        .saturating_mul(1000),
                ),
            ),
        };
        self.sessions.insert(
            token,
            Issued {
                session: session.clone(),
                scope: scope.to_string(),
            },
        );
        session
    }

    /// Issues a refresh token for `user` (scopes [`SCOPE_WITH_REFRESH`]).
    pub fn issue_refresh(&mut self, user_id: SfId, client_id: &str) -> String {
        self.issue_refresh_scoped(user_id, client_id, SCOPE_WITH_REFRESH)
    }

    /// Issues a refresh token for `user` whose sessions carry `scope`.
    pub fn issue_refresh_scoped(&mut self, user_id: SfId, client_id: &str, scope: &str) -> String {
        let token = format!("5Aep{}", random_token(80));
        self.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                user_id,
                client_id: client_id.to_string(),
                scope: scope.to_string(),
                access_tokens: Vec::new(),
            },
        );
        token
    }

    /// The user and client a refresh token belongs to.
    pub fn refresh(&self, token: &str) -> Option<(SfId, String)> {
        self.refresh_tokens
            .get(token)
            .map(|grant| (grant.user_id, grant.client_id.clone()))
    }

    /// What a refresh token grants, while it is not revoked.
    pub fn refresh_grant(&self, token: &str) -> Option<&RefreshGrant> {
        self.refresh_tokens.get(token)
    }

    /// Issues an access token with a refresh token: the new session is revoked with it.
    /// `None` when the refresh token is unknown or revoked.
    pub fn issue_from_refresh(&mut self, refresh_token: &str) -> Option<Session> {
        let grant = self.refresh_tokens.get(refresh_token)?.clone();
        let session = self.issue_scoped(grant.user_id, &grant.client_id, &grant.scope);
        if let Some(grant) = self.refresh_tokens.get_mut(refresh_token) {
            // Forget tokens that are gone so the list stays as long as the live sessions.
            let sessions = &self.sessions;
            grant.access_tokens.retain(|t| sessions.contains_key(t));
            grant.access_tokens.push(session.token.clone());
        }
        Some(session)
    }

    /// Remembers an authorization code for later exchange and returns it.
    pub fn issue_code(&mut self, code: AuthorizationCode) -> String {
        let now = value::now_ms();
        self.codes
            .retain(|_, c| now - c.issued_ms < CODE_LIFETIME_MS);
        let text = format!("aPrx{}", random_token(60));
        self.codes.insert(text.clone(), code);
        text
    }

    /// Takes an authorization code (codes are single-use); `None` when it is unknown, used
    /// or older than [`CODE_LIFETIME_MS`].
    pub fn take_code(&mut self, code: &str) -> Option<AuthorizationCode> {
        let found = self.codes.remove(code)?;
        (value::now_ms() - found.issued_ms < CODE_LIFETIME_MS).then_some(found)
    }

    /// Issues an access token for the admin user and returns it.
    pub fn issue_admin_token(&mut self) -> String {
        let admin = self.admin.user_id;
        self.issue(admin, "").token
    }

    /// Accepts `token` as a non-expiring admin session.
    pub fn add_static_token(&mut self, token: &str) {
        let session = Session {
            user_id: self.admin.user_id,
            username: self.admin.username.clone(),
            token: token.to_string(),
            client_id: String::new(),
            issued_ms: value::now_ms(),
            expires_ms: None,
        };
        self.sessions.insert(
            token.to_string(),
            Issued {
                session,
                scope: SCOPE_API.to_string(),
            },
        );
    }

    /// The live session of an access token.
    pub fn session(&self, token: &str) -> Option<Session> {
        let issued = self.sessions.get(token)?;
        is_live(&issued.session).then(|| issued.session.clone())
    }

    /// What introspection says about a live access token or a refresh token.
    pub fn token_info(&self, token: &str) -> Option<TokenInfo> {
        if let Some(issued) = self.sessions.get(token).filter(|i| is_live(&i.session)) {
            return Some(TokenInfo {
                refresh: false,
                user_id: issued.session.user_id,
                client_id: issued.session.client_id.clone(),
                scope: issued.scope.clone(),
                issued_ms: Some(issued.session.issued_ms),
                expires_ms: issued.session.expires_ms,
            });
        }
        self.refresh_tokens.get(token).map(|grant| TokenInfo {
            refresh: true,
            user_id: grant.user_id,
            client_id: grant.client_id.clone(),
            scope: grant.scope.clone(),
            issued_ms: None,
            expires_ms: None,
        })
    }

    /// Revokes an access or refresh token; true when it existed. Revoking a refresh token
    /// also revokes the access tokens obtained with it, as Salesforce does.
    pub fn revoke(&mut self, token: &str) -> bool {
        if self.sessions.remove(token).is_some() {
            return true;
        }
        match self.refresh_tokens.remove(token) {
            Some(grant) => {
                for access in &grant.access_tokens {
                    self.sessions.remove(access);
                }
                true
            }
            None => false,
        }
    }

    /// Expires every issued access token (static ones too), as an admin action. Refresh
    /// tokens keep working, so OAuth clients can get new sessions.
    pub fn expire_all(&mut self) -> usize {
        let count = self.sessions.len();
        self.sessions.clear();
        count
    }

    fn sweep_expired(&mut self) {
        if self.sessions.len() < self.sweep_at {
            return;
        }
        self.sessions.retain(|_, issued| is_live(&issued.session));
        self.sweep_at = (self.sessions.len() * 2).max(SWEEP_MIN);
    }
}

fn is_live(session: &Session) -> bool {
    match session.expires_ms {
        Some(expires) => expires > value::now_ms(),
        None => true,
    }
}

/// The RSA public key (PKCS#1 DER) inside a PEM certificate or public key.
fn public_key_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "not a PEM file".to_string())?;
    let (label, der) =
        pem_block(text).ok_or("no PEM block found; expected a CERTIFICATE or PUBLIC KEY")?;
    match label.as_str() {
        "CERTIFICATE" => {
            let (_, cert) = x509_parser::parse_x509_certificate(&der)
                .map_err(|e| format!("not a readable X.509 certificate ({e})"))?;
            Ok(cert.public_key().subject_public_key.data.to_vec())
        }
        "PUBLIC KEY" => {
            use x509_parser::prelude::FromDer as _;
            let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der)
                .map_err(|e| format!("not a readable public key ({e})"))?;
            Ok(spki.subject_public_key.data.to_vec())
        }
        "RSA PUBLIC KEY" => Ok(der),
        other => Err(format!(
            "PEM block {other} is not a certificate or public key"
        )),
    }
}

fn pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    // The END line is looked for after the BEGIN line only: `-----BEGIN -----END -----`
    // must not slice backwards.
    let body_and_end = rest.get(label_end + 5..)?;
    let end = body_and_end.find(&format!("-----END {label}-----"))?;
    let body: String = body_and_end[..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    Some((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_session_lifetime_does_not_overflow() {
        let mut org = Org::new(std::sync::Arc::new(
            crate::salesforce::schema::Schema::built_in().unwrap(),
        ));
        let mut auth = Auth::new(&mut org);
        auth.set_session_seconds(u64::MAX);
        let user = auth.admin().user_id;
        let session = auth.issue(user, "");
        assert_eq!(session.expires_ms, Some(i64::MAX));
        assert!(auth.session(&session.token).is_some());
    }

    #[test]
    fn pem_blocks_with_the_end_before_the_body_are_refused_not_sliced() {
        assert_eq!(pem_block("-----BEGIN -----END -----"), None);
        assert_eq!(pem_block("-----BEGIN X-----END X-----"), None);
        assert!(public_key_der(b"-----BEGIN -----END -----").is_err());
        assert_eq!(
            pem_block("-----BEGIN X-----\nAAEC\n-----END X-----\n"),
            Some(("X".to_string(), vec![0, 1, 2]))
        );
    }
}
