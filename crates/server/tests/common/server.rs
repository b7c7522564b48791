//! The socket tests' server: a fresh SQLite store served on a free local port with the given
//! routes and API tokens, and a client that follows no redirects, for the dashboard's pages.

use ferry_core::{FlowName, System, TenantId};
use ferry_engine::flows::runtime::Route;
use ferry_http::reqwest;
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The API token `text` (stored as its SHA-256) of `name`, with `role`.
pub fn token(name: &str, role: Role, text: &str) -> ApiToken {
    ApiToken {
        name: name.into(),
        role,
        sha256: Sha256::digest(text.as_bytes()).into(),
    }
}

/// A route of `flow` from `system`'s `object`, with no webhook events.
pub fn route(flow: &str, system: System, object: &str, poll_seconds: u64) -> Route {
    Route {
        flow: FlowName::new(flow).unwrap(),
        system,
        object: object.into(),
        events: vec![],
        poll_seconds,
    }
}

/// The server's state over `store` for the default tenant, with `routes` and `tokens` and no
/// intake token.
pub fn state(store: Arc<dyn Store>, routes: Vec<Route>, tokens: Vec<ApiToken>) -> ServerState {
    let mut state = ServerState::new(
        store,
        TenantId::default_tenant(),
        routes,
        SecretString::from(String::new()),
    );
    state.api_tokens = Arc::new(tokens);
    state
}

/// Serves `state` on a free local port in the background; returns `http://host:port`.
pub async fn serve_here(state: ServerState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = serve(listener, state, std::future::pending()).await;
    });
    base
}

/// A client that follows no redirects (so that the tests see them).
pub fn client() -> reqwest::Client {
    ferry_http::client_builder(None)
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A server on a fresh SQLite store, and a client that follows no redirects.
pub struct Ui {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

/// An answer: its status, `Location` and `Set-Cookie` headers and its body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub cookie: Option<String>,
    pub body: String,
}

impl Ui {
    /// Serves a fresh SQLite store with `routes` and `tokens`, once `configure` has set what
    /// else the test needs in the state.
    pub async fn serve(
        routes: Vec<Route>,
        tokens: Vec<ApiToken>,
        configure: impl FnOnce(&mut ServerState),
    ) -> Ui {
        let (store, dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let mut state = state(store.clone(), routes, tokens);
        configure(&mut state);
        Ui {
            base: serve_here(state).await,
            http: client(),
            store,
            _dir: dir,
        }
    }

    /// [`Ui::serve`] with the orders flow (Brightpearl sales orders, polled every 120 s) and
    /// two tokens: `viewer`'s, named vera, and `operator`'s, named otto.
    pub async fn orders(
        viewer: &str,
        operator: &str,
        configure: impl FnOnce(&mut ServerState),
    ) -> Ui {
        Ui::serve(
            vec![route(
                "orders_to_salesforce",
                System::Brightpearl,
                "sales-order",
                120,
            )],
            vec![
                token("vera", Role::Viewer, viewer),
                token("otto", Role::Operator, operator),
            ],
            configure,
        )
        .await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(reqwest::header::LOCATION);
        let cookie = header(reqwest::header::SET_COOKIE);
        Page {
            status: response.status().as_u16(),
            location,
            cookie,
            body: response.text().await.unwrap(),
        }
    }

    /// `GET path`, with the session cookie (`name=value`) if any.
    pub async fn get(&self, path: &str, session: Option<&str>) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(session) = session {
            request = request.header("cookie", session);
        }
        self.send(request).await
    }

    /// `POST path` with `form` URL-encoded, with the session cookie if any.
    pub async fn post(&self, path: &str, session: Option<&str>, form: &[(&str, &str)]) -> Page {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(session) = session {
            request = request.header("cookie", session);
        }
        self.send(request).await
    }

    /// Logs in with `token`; returns the `name=value` of the session cookie.
    pub async fn login(&self, token: &str) -> String {
        let page = self.post("/ui/login", None, &[("token", token)]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let cookie = page.cookie.expect("a session cookie");
        cookie.split(';').next().unwrap().trim().to_owned()
    }
}

/// `text` percent-encoded for a form.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token of a page's forms.
pub fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    body[at..at + 64].to_owned()
}
