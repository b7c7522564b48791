//! The dead-letter pages over a real socket: one dead letter in full with its error explained,
//! bulk retry and discard of the ticked ones (discard after a confirmation), and the refusals:
//! a viewer, a missing or foreign CSRF token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{Ui, csrf_of};
use ferry_core::DeadLetterFilter;

const VIEWER: &str = "fy_dead-viewer";
const OPERATOR: &str = "fy_dead-operator";

impl Ui {
    async fn start() -> Ui {
        Ui::orders(VIEWER, OPERATOR, |_| {}).await
    }

    /// Logs in; returns the session cookie and the session's CSRF token.
    async fn login_with_csrf(&self, token: &str) -> (String, String) {
        let session = self.login(token).await;
        let overview = self.get("/ui/", Some(&session)).await;
        (session, csrf_of(&overview.body))
    }

    /// The ids of the dead letters left, oldest first.
    async fn dead_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .store
            .list_dead(&DeadLetterFilter::default(), 100)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        ids.sort_unstable();
        ids
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_page_explains_the_error_and_shows_attempts_payload_and_trace() {
    let ui = Ui::start().await;
    common::dead_letters(
        ui.store.as_ref(),
        700,
        1,
        "SF_REQUIRED_FIELD_MISSING",
        "Salesforce did not write Contact 700: REQUIRED_FIELD_MISSING: LastName <missing>",
    )
    .await;
    let id = ui.dead_ids().await[0];
    let (operator, _) = ui.login_with_csrf(OPERATOR).await;

    // The list links each record to its page.
    let list = ui.get("/ui/dead-letters", Some(&operator)).await;
    assert!(
        list.body
            .contains(&format!("href=\"/ui/dead-letters/{id}\"")),
        "{}",
        list.body
    );

    let page = ui
        .get(&format!("/ui/dead-letters/{id}"), Some(&operator))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let explained = ferry_server::explain::explain("SF_REQUIRED_FIELD_MISSING");
    for text in [
        "SF_REQUIRED_FIELD_MISSING",
        "LastName &#60;missing&#62;",
        "Salesforce requires a field that the record left empty.",
        "Likely fix: correct the source record, then retry.",
        "href=\"/ui/trace?q=700\"",
        "&#34;id&#34;: 700",
        "orders_to_salesforce",
        "value=\"retry\"",
    ] {
        assert!(page.body.contains(text), "{text:?} in {}", page.body);
    }
    assert!(explained.fix.starts_with("Give the source record a value"));
    assert!(
        page.body
            .contains("Give the source record a value for the field"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<missing>"),
        "the message is escaped: {}",
        page.body
    );
    // No flows run in this server: it says so instead of offering a form.
    assert!(
        page.body
            .contains("this server runs no flows, so brightpearl sales-order 700 cannot be read"),
        "{}",
        page.body
    );

    // A viewer reads it all but gets no buttons.
    let (viewer, _) = ui.login_with_csrf(VIEWER).await;
    let page = ui
        .get(&format!("/ui/dead-letters/{id}"), Some(&viewer))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Salesforce requires a field"));
    assert!(!page.body.contains("value=\"retry\""), "{}", page.body);

    // Unknown and malformed ids.
    let gone = ui.get("/ui/dead-letters/999999", Some(&operator)).await;
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains("retried, discarded or never existed"));
    assert_eq!(
        ui.get("/ui/dead-letters/abc", Some(&operator)).await.status,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_retry_moves_exactly_the_ticked_dead_letters() {
    let ui = Ui::start().await;
    common::dead_letters(ui.store.as_ref(), 800, 4, "LOOKUP_MISSING", "no product").await;
    let ids = ui.dead_ids().await;
    assert_eq!(ids.len(), 4);
    let (operator, csrf) = ui.login_with_csrf(OPERATOR).await;
    let list = ui.get("/ui/dead-letters", Some(&operator)).await;
    assert!(list.body.contains("id=\"select-all\""), "{}", list.body);
    assert!(list.body.contains("value=\"retry-selected\""));

    let (first, second) = (ids[0].to_string(), ids[2].to_string());
    let done = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[
                ("csrf", &csrf),
                ("flow", ""),
                ("code", "LOOKUP_MISSING"),
                ("id", &first),
                ("id", &second),
                ("action", "retry-selected"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = done.location.unwrap();
    assert!(back.contains("code=LOOKUP_MISSING"), "{back}");
    let page = ui.get(&back, Some(&operator)).await;
    assert!(
        page.body.contains("2 dead letter(s) retried."),
        "{}",
        page.body
    );
    assert_eq!(ui.dead_ids().await, vec![ids[1], ids[3]]);
    let stats = ui.store.stats(None).await.unwrap();
    assert_eq!((stats[0].dead, stats[0].pending), (2, 2));

    // Nothing ticked: said so, nothing moved.
    let none = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[("csrf", &csrf), ("action", "retry-selected")],
        )
        .await;
    assert_eq!(none.status, 400);
    assert!(
        none.body.contains("tick the ones to act on"),
        "{}",
        none.body
    );
    assert_eq!(ui.dead_ids().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_discard_asks_first_then_deletes_exactly_the_ticked_ones() {
    let ui = Ui::start().await;
    common::dead_letters(ui.store.as_ref(), 900, 3, "POSSIBLE_DUPLICATE", "twice").await;
    let ids = ui.dead_ids().await;
    let (operator, csrf) = ui.login_with_csrf(OPERATOR).await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let ask = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[
                ("csrf", &csrf),
                ("action", "discard-selected"),
                ("id", &a),
                ("id", &b),
            ],
        )
        .await;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(
        ask.body.contains("Discard 2 dead letter(s) for good?"),
        "{}",
        ask.body
    );
    assert!(ask.body.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(ui.dead_ids().await.len(), 3, "nothing discarded yet");

    let done = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[
                ("csrf", &csrf),
                ("action", "discard"),
                ("confirm", "yes"),
                ("id", &a),
                ("id", &b),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(ui.dead_ids().await, vec![ids[2]]);
    let audit = ui.store.audit_entries(None, None, 10).await.unwrap();
    assert!(
        audit.iter().any(|e| e.actor == "ui:otto"),
        "audited as the session's token: {audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_or_a_form_without_the_sessions_csrf_token_cannot_act() {
    let ui = Ui::start().await;
    common::dead_letters(ui.store.as_ref(), 950, 2, "LOOKUP_MISSING", "no product").await;
    let ids = ui.dead_ids().await;
    let (one, two) = (ids[0].to_string(), ids[1].to_string());

    let (viewer, viewer_csrf) = ui.login_with_csrf(VIEWER).await;
    let list = ui.get("/ui/dead-letters", Some(&viewer)).await;
    assert!(
        !list.body.contains("select-all"),
        "no bulk form for a viewer"
    );
    for action in ["retry-selected", "discard-selected", "retry-all"] {
        let refused = ui
            .post(
                "/ui/dead-letters/act",
                Some(&viewer),
                &[
                    ("csrf", &viewer_csrf),
                    ("action", action),
                    ("id", &one),
                    ("id", &two),
                    ("confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{action}");
        assert!(refused.body.contains("need an operator token"));
    }

    let (operator, _) = ui.login_with_csrf(OPERATOR).await;
    let missing = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[("action", "retry-selected"), ("id", &one)],
        )
        .await;
    assert_eq!(missing.status, 403, "no CSRF token");
    assert!(missing.body.contains("the form is stale"));
    let foreign = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[
                ("csrf", &viewer_csrf),
                ("action", "discard"),
                ("confirm", "yes"),
                ("id", &one),
            ],
        )
        .await;
    assert_eq!(foreign.status, 403, "another session's CSRF token");
    // A malformed id: a viewer is refused for the role first; an operator is told the value.
    let forged = ui
        .post(
            "/ui/dead-letters/act",
            Some(&viewer),
            &[
                ("csrf", &viewer_csrf),
                ("action", "retry"),
                ("id", "1 OR 1"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let (operator, csrf) = ui.login_with_csrf(OPERATOR).await;
    let malformed = ui
        .post(
            "/ui/dead-letters/act",
            Some(&operator),
            &[("csrf", &csrf), ("action", "retry"), ("id", "1 OR 1")],
        )
        .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed
            .body
            .contains("&quot;1 OR 1&quot; is not a dead-letter id"),
        "{}",
        malformed.body
    );
    assert_eq!(ui.dead_ids().await, ids, "nothing moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_and_retry_is_refused_by_role_csrf_and_when_no_flows_run_here() {
    let ui = Ui::start().await;
    common::dead_letters(
        ui.store.as_ref(),
        990,
        1,
        "SF_INVALID_EMAIL_ADDRESS",
        "Salesforce did not write Contact 990: INVALID_EMAIL_ADDRESS: Email: invalid email address: ann@",
    )
    .await;
    let id = ui.dead_ids().await[0];
    let api = |token: Option<&str>, path: String, body: &str| {
        let mut request = ui
            .http
            .post(format!("{}{path}", ui.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request
    };
    let edit_path = format!("/api/dead-letters/{id}/edit-and-retry");
    let body = r#"{"fields": {"Email": "ann@example.com"}}"#;

    // The API: no token, a viewer, a malformed id or body, an unknown dead letter.
    let page = ui.send(api(None, edit_path.clone(), body)).await;
    assert_eq!(page.status, 401);
    let page = ui.send(api(Some(VIEWER), edit_path.clone(), body)).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("ROLE_TOO_LOW"));
    let page = ui
        .send(api(
            Some(OPERATOR),
            "/api/dead-letters/x/edit-and-retry".into(),
            body,
        ))
        .await;
    assert_eq!(page.status, 400);
    let page = ui
        .send(api(Some(OPERATOR), edit_path.clone(), r#"{"Email": "a"}"#))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("BAD_BODY") && page.body.contains("fields"));
    let page = ui
        .send(api(
            Some(OPERATOR),
            "/api/dead-letters/424242/edit-and-retry".into(),
            body,
        ))
        .await;
    assert_eq!(page.status, 404);
    // This server runs no flows: said so, naming the record; nothing retried.
    let page = ui.send(api(Some(OPERATOR), edit_path.clone(), body)).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("NO_FLOWS"), "{}", page.body);
    assert!(
        page.body.contains("brightpearl sales-order 990"),
        "{}",
        page.body
    );
    assert_eq!(ui.dead_ids().await, vec![id]);

    // The dead letter over the API carries the explanation.
    let read = ui
        .send(
            ui.http
                .get(format!("{}/api/dead-letters/{id}", ui.base))
                .header("authorization", format!("Bearer {VIEWER}")),
        )
        .await;
    let read: serde_json::Value = serde_json::from_str(&read.body).unwrap();
    assert_eq!(read["explanation"]["remedy"], "edit_and_retry");
    assert_eq!(
        read["explanation"]["what"],
        "The email address is not a valid address."
    );

    // The page's form: CSRF and role first, then the same refusal.
    let path = format!("/ui/dead-letters/{id}/edit");
    let (viewer, viewer_csrf) = ui.login_with_csrf(VIEWER).await;
    let page = ui
        .post(
            &path,
            Some(&viewer),
            &[("csrf", &viewer_csrf), ("field.Email", "ann@example.com")],
        )
        .await;
    assert_eq!(page.status, 403);
    let (operator, csrf) = ui.login_with_csrf(OPERATOR).await;
    let page = ui
        .post(
            &path,
            Some(&operator),
            &[("field.Email", "ann@example.com")],
        )
        .await;
    assert_eq!(page.status, 403, "no CSRF token");
    let page = ui
        .post(
            &path,
            Some(&operator),
            &[("csrf", &csrf), ("field.Email", "ann@example.com")],
        )
        .await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("this server runs no flows"),
        "{}",
        page.body
    );
    assert_eq!(ui.dead_ids().await, vec![id]);
}
