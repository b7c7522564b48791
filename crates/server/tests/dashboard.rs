//! The dashboard over a real socket: login with a token, the session cookie's flags, the
//! overview, the dead-letter page, CSRF and roles on its actions, logout, static files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{Ui, csrf_of};

const VIEWER: &str = "fy_dashboard-viewer";
const OPERATOR: &str = "fy_dashboard-operator";

impl Ui {
    async fn start() -> Ui {
        Ui::orders(VIEWER, OPERATOR, |state| state.secure_cookies = true).await
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
