//! Dashboard sessions: random ids in an `HttpOnly`, `SameSite=Strict` cookie, held in memory
//! (a restart logs everyone out), each with its user's role and a CSRF token.

use crate::admin::Role;
use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long a session lasts.
const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// The cookie's name.
const COOKIE: &str = "ferry_session";

/// The person behind a session, as the pages see them.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// The token's name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl User {
    /// Whether a form's CSRF token is this session's (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        !presented.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes()))
    }
}

struct Session {
    user: User,
    expires: Instant,
}

/// The live sessions.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

/// A new session's cookie.
pub(crate) struct NewCookie {
    id: String,
}

impl NewCookie {
    /// The `Set-Cookie` value.
    pub fn header(&self, secure: bool) -> String {
        format!(
            "{COOKIE}={}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={}{}",
            self.id,
            LIFETIME.as_secs(),
            if secure { "; Secure" } else { "" }
        )
    }
}

/// The `Set-Cookie` value that ends a session in the browser.
pub(crate) fn expired_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    // Without randomness no session can be safe: fail closed with an id nobody can present.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    hex::encode(bytes)
}

fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| v.len() == 64)
}

impl Sessions {
    /// Starts a session for a token's holder.
    pub(crate) fn start(&self, name: &str, role: Role) -> NewCookie {
        let id = random_hex();
        let csrf = random_hex();
        if let Ok(mut live) = self.live.lock() {
            let now = Instant::now();
            live.retain(|_, s| s.expires > now);
            if !id.is_empty() && !csrf.is_empty() {
                live.insert(
                    id.clone(),
                    Session {
                        user: User {
                            name: name.to_owned(),
                            role,
                            csrf,
                        },
                        expires: now + LIFETIME,
                    },
                );
            }
        }
        NewCookie { id }
    }

    /// The user of the request's session, if it is live.
    pub(crate) fn user(&self, headers: &HeaderMap) -> Option<User> {
        let id = cookie_id(headers)?;
        let live = self.live.lock().ok()?;
        live.get(&id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.user.clone())
    }

    /// Ends the request's session.
    pub(crate) fn end(&self, headers: &HeaderMap) {
        if let (Some(id), Ok(mut live)) = (cookie_id(headers), self.live.lock()) {
            live.remove(&id);
        }
    }
}
