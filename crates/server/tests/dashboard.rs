//! The dashboard over a real socket: login with a token, the session cookie's flags, the
//! overview, the dead-letter page, CSRF and roles on its actions, logout, static files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_core::{FlowName, System, TenantId};
use ferry_http::reqwest;
use ferry_server::admin::{ApiToken, Role};
use ferry_server::{ServerState, serve};
use ferry_store::Store;
use ferry_store::testing::fresh_sqlite_store;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use std::sync::Arc;

const VIEWER: &str = "fy_dashboard-viewer";
const OPERATOR: &str = "fy_dashboard-operator";

struct Ui {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

struct Page {
    status: u16,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

impl Ui {
    async fn start() -> Ui {
        let (store, dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let mut state = ServerState::new(
            store.clone(),
            TenantId::default_tenant(),
            vec![ferry_engine::flows::runtime::Route {
                flow: FlowName::new("orders_to_salesforce").unwrap(),
                system: System::Brightpearl,
                object: "sales-order".into(),
                events: vec![],
                poll_seconds: 120,
            }],
            SecretString::from(String::new()),
        );
        let token = |name: &str, role, text: &str| ApiToken {
            name: name.into(),
            role,
            sha256: Sha256::digest(text.as_bytes()).into(),
        };
        state.api_tokens = Arc::new(vec![
            token("vera", Role::Viewer, VIEWER),
            token("otto", Role::Operator, OPERATOR),
        ]);
        state.secure_cookies = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = serve(listener, state, std::future::pending()).await;
        });
        let http = ferry_http::client_builder(None)
            .unwrap()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Ui {
            base,
            http,
            store,
            _dir: dir,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
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
        let status = response.status().as_u16();
        Page {
            status,
            location,
            cookie,
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str, session: Option<&str>) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(session) = session {
            request = request.header("cookie", session);
        }
        self.send(request).await
    }

    async fn post(&self, path: &str, session: Option<&str>, form: &[(&str, &str)]) -> Page {
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

    /// Logs in; returns the `name=value` of the session cookie.
    async fn login(&self, token: &str) -> String {
        let page = self.post("/ui/login", None, &[("token", token)]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let cookie = page.cookie.expect("a session cookie");
        cookie.split(';').next().unwrap().trim().to_owned()
    }

    async fn dead_letters(&self, n: usize) {
        common::dead_letters(
            self.store.as_ref(),
            500,
            n,
            "LOOKUP_MISSING",
            "a product of the order is not in Salesforce <b>yet</b>",
        )
        .await;
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    body[at..at + 64].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_see_the_flows_and_retry_a_dead_letter_with_csrf_and_roles() {
    let ui = Ui::start().await;
    ui.dead_letters(2).await;

    // Not logged in: sent to the login page.
    let page = ui.get("/ui/", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login"));
    let login = ui.get("/ui/login", None).await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("name=\"token\""), "{}", login.body);

    // A wrong token: 401 and the reason, no cookie.
    let wrong = ui.post("/ui/login", None, &[("token", "fy_nope")]).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.cookie.is_none());
    assert!(wrong.body.contains("not one of [[server.api_tokens]]"));

    // The cookie's flags.
    let page = ui.post("/ui/login", None, &[("token", OPERATOR)]).await;
    let flags = page.cookie.unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/ui", "Secure"] {
        assert!(flags.contains(flag), "{flags}");
    }

    // A viewer sees the flows and the dead letters (escaped), but no buttons, and a forged
    // action is refused.
    let viewer = ui.login(VIEWER).await;
    let overview = ui.get("/ui/", Some(&viewer)).await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("orders_to_salesforce"));
    assert!(overview.body.contains("vera · viewer"));
    let dead = ui
        .get("/ui/dead-letters?flow=orders_to_salesforce", Some(&viewer))
        .await;
    assert_eq!(dead.status, 200);
    assert!(dead.body.contains("LOOKUP_MISSING"));
    assert!(
        dead.body.contains("&#60;b&#62;yet&#60;/b&#62;") && !dead.body.contains("<b>yet"),
        "escaped: {}",
        dead.body
    );
    assert!(
        !dead.body.contains("value=\"retry\""),
        "no buttons for a viewer"
    );
    let csrf = csrf_of(&overview.body);
    let refused = ui
        .post(
            "/ui/dead-letters/act",
            Some(&viewer),
            &[
                ("csrf", &csrf),
                ("action", "retry-all"),
                ("flow", "orders_to_salesforce"),
                ("code", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("need an operator token"),
        "{}",
        refused.body
    );

    // An operator retries one: without the session's CSRF token it is refused.
    let operator = ui.login(OPERATOR).await;
    let dead = ui.get("/ui/dead-letters", Some(&operator)).await;
    assert!(dead.body.contains("value=\"retry\""));
    let at = dead.body.find("name=\"id\" value=\"").unwrap() + 17;
    let id: String = dead.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let forged = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[("csrf", &csrf), ("action", "retry"), ("id", &id)],
        )
        .await;
    assert_eq!(forged.status, 403, "another session's CSRF token");
    let token = csrf_of(&dead.body);
    let done = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[
                ("csrf", &token),
                ("action", "retry"),
                ("id", &id),
                ("flow", ""),
                ("code", ""),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = ui
        .get(done.location.as_deref().unwrap(), Some(&operator))
        .await;
    assert!(
        back.body.contains("1 dead letter(s) retried."),
        "{}",
        back.body
    );
    let stats = ui.store.stats(None).await.unwrap();
    assert_eq!(stats[0].dead, 1);
    assert_eq!(stats[0].pending, 1);

    // Log out: the session is gone.
    let out = ui
        .post("/ui/logout", Some(&operator), &[("csrf", &token)])
        .await;
    assert_eq!(out.status, 303);
    assert!(out.cookie.unwrap().contains("Max-Age=0"));
    let after = ui.get("/ui/", Some(&operator)).await;
    assert_eq!(after.status, 303);

    // The static files are embedded.
    let js = ui.get("/ui/static/htmx.min.js", None).await;
    assert_eq!(js.status, 200);
    assert!(js.body.contains("htmx"));
    assert_eq!(ui.get("/ui/static/nope.js", None).await.status, 404);
}
