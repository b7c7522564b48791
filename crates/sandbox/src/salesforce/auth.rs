//! Users, the connected app, and the tokens the sandbox has issued.
//!
//! Tokens look like real ones: `<15-char org id>!<opaque>`. Access tokens expire after the
//! session lifetime (or when revoked, or when an admin expires every session); refresh tokens
//! live until revoked. Tokens are kept in memory only: a restarted sandbox forgets them
//! (clients re-authenticate on the 401, as they must against Salesforce).

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

/// Users, the connected app and issued tokens.
#[derive(Debug)]
pub struct Auth {
    org_id: SfId,
    admin: User,
    integration: User,
    client: ConnectedApp,
    /// Access token → session.
    sessions: HashMap<String, Session>,
    /// Refresh token → (user, client id).
    refresh_tokens: HashMap<String, (SfId, String)>,
    /// Authorization codes → (user, redirect_uri, code_challenge, issued ms).
    pub codes: HashMap<String, AuthorizationCode>,
    session_seconds: u64,
    /// Public key (PKCS#1 DER) verifying JWT bearer assertions.
    jwt_key: Option<Vec<u8>>,
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
    /// PKCE challenge (S256 or plain), if any.
    pub code_challenge: Option<(String, String)>,
    /// When it was issued (ms); codes live 15 minutes.
    pub issued_ms: i64,
}

/// Random URL-safe characters.
pub fn random_token(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

impl Auth {
    /// Creates the admin and integration users in the org and a connected app.
    pub fn new(org: &mut Org) -> Auth {
        let users = org.schema().object("User").unwrap_or(0);
        let mut make = |username: &str, first: &str, last: &str| {
            let email = username.to_string();
            let user_id = org.insert_system(
                users,
                &[
                    ("Username", Value::Text(username.to_string())),
                    ("FirstName", Value::Text(first.to_string())),
                    ("LastName", Value::Text(last.to_string())),
                    ("Name", Value::Text(format!("{first} {last}"))),
                    ("Email", Value::Text(email.clone())),
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
            session_seconds: 7200,
            jwt_key: None,
        }
    }

    /// The admin user (password and SOAP logins, static tokens).
    pub fn admin(&self) -> &User {
        &self.admin
    }

    /// The integration user (client credentials and JWT bearer run as it).
    pub fn integration(&self) -> &User {
        &self.integration
    }

    /// The connected app.
    pub fn client(&self) -> &ConnectedApp {
        &self.client
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
            anyhow::anyhow!("cannot read the JWT certificate {}: {err}; check --jwt-cert", path.display())
        })?;
        self.jwt_key = Some(public_key_der(&pem).map_err(|msg| {
            anyhow::anyhow!("JWT certificate {}: {msg}", path.display())
        })?);
        Ok(())
    }

    /// The configured JWT verification key (PKCS#1 RSA public key, DER).
    pub fn jwt_key(&self) -> Option<&[u8]> {
        self.jwt_key.as_deref()
    }

    /// Issues an access token for `user`.
    pub fn issue(&mut self, user_id: SfId, client_id: &str) -> Session {
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
            expires_ms: Some(now + self.session_seconds as i64 * 1000),
        };
        self.sessions.insert(token, session.clone());
        session
    }

    /// Issues a refresh token for `user`.
    pub fn issue_refresh(&mut self, user_id: SfId, client_id: &str) -> String {
        let token = format!("5Aep{}", random_token(80));
        self.refresh_tokens
            .insert(token.clone(), (user_id, client_id.to_string()));
        token
    }

    /// The user and client a refresh token belongs to.
    pub fn refresh(&self, token: &str) -> Option<(SfId, String)> {
        self.refresh_tokens.get(token).cloned()
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
        self.sessions.insert(token.to_string(), session);
    }

    /// The live session of an access token.
    pub fn session(&self, token: &str) -> Option<Session> {
        let session = self.sessions.get(token)?;
        match session.expires_ms {
            Some(expires) if expires <= value::now_ms() => None,
            _ => Some(session.clone()),
        }
    }

    /// Revokes an access or refresh token; true when it existed.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.sessions.remove(token).is_some() | self.refresh_tokens.remove(token).is_some()
    }

    /// Expires every issued access token (static ones too), as an admin action.
    pub fn expire_all(&mut self) -> usize {
        let count = self.sessions.len();
        self.sessions.clear();
        count
    }
}

/// The RSA public key (PKCS#1 DER) inside a PEM certificate or public key.
fn public_key_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "not a PEM file".to_string())?;
    let (label, der) = pem_block(text).ok_or("no PEM block found; expected a CERTIFICATE or PUBLIC KEY")?;
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
        other => Err(format!("PEM block {other} is not a certificate or public key")),
    }
}

fn pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let body: String = rest[body_start..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).ok()?;
    Some((label, der))
}
