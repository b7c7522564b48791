//! Replaying a cassette against a running sandbox and comparing what comes back with what
//! Brightpearl answered: the driver behind every conformance case in `bp_cassettes.rs`.
//!
//! A case: `let env = Env::start().await;` (an empty account, throttling on so the throttle
//! headers are real, an OAuth token obtained through the real authorize → token flow), then
//! `env.load(kind, records)` for what the recording ran against, then
//! `env.conform("path.yml").await`. `conform` sends every recorded request in order (the
//! account in the path rewritten to the sandbox's; method, path, query and body as recorded;
//! the OAuth headers the recording used, with the sandbox's values), maps the ids a write
//! answered to the recorded ones so later requests of the cassette name the sandbox's records,
//! and fails listing every difference at once.

#![allow(dead_code)]

use super::cassette::{self, Interaction, is_hand_written};
use super::shape;
use crate::bp_common::{Answer, TestAccount, send, start_with};
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use reqwest::Method;
use serde_json::{Value, json};

/// The redirect URI the recorded OAuth exchanges used.
pub const REDIRECT_URI: &str = "https://example.test/brightpearl_oauth_redirect";

/// Which credentials the replayed API calls carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// The OAuth access token of the flow [`Env::start`] ran (what every recording used).
    Valid,
    /// The same token after the admin API expired it (`client_error_expired.yml`).
    Expired,
    /// A bearer token the sandbox never issued (`client_error_invalid.yml`).
    Unknown(String),
}

/// A sandbox for one case, with an OAuth token.
pub struct Env {
    /// The sandbox and its HTTP client.
    pub account: TestAccount,
    /// The OAuth access token.
    pub access_token: String,
    /// The refresh token issued with it.
    pub refresh_token: String,
    /// What the API calls carry.
    pub token: Token,
}

/// An OAuth token-endpoint answer.
pub struct TokenAnswer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The JSON body.
    pub body: Value,
}

impl Env {
    /// An empty account (the standard configuration only) with the default throttle, and an
    /// OAuth token from the authorize → token flow.
    pub async fn start() -> Env {
        let account = start_with(Options {
            data: DataSet::Empty,
            requests_per_minute: 200,
            ..Options::default()
        })
        .await;
        let mut env = Env {
            account,
            access_token: String::new(),
            refresh_token: String::new(),
            token: Token::Valid,
        };
        let code = env.authorize(REDIRECT_URI).await;
        let banner = env.account.sandbox.banner.clone();
        let tokens = env
            .token_call(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &banner.client_id),
                ("client_secret", &banner.client_secret),
                ("redirect_uri", REDIRECT_URI),
            ])
            .await;
        assert_eq!(
            tokens.status, 200,
            "the OAuth code exchange: {}",
            tokens.body
        );
        env.access_token = tokens.body["access_token"].as_str().unwrap().to_string();
        env.refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
        env
    }

    /// The authorize step: the sandbox approves at once and redirects to `redirect_uri` with a
    /// code; the redirect is read, not followed.
    pub async fn authorize(&self, redirect_uri: &str) -> String {
        let banner = &self.account.sandbox.banner;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .get(&banner.oauth_authorize_url)
            .query(&[
                ("response_type", "code"),
                ("client_id", banner.client_id.as_str()),
                ("redirect_uri", redirect_uri),
                ("state", "conformance"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "authorize answered {} instead of redirecting",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
        let code = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("code="))
            .unwrap_or_else(|| panic!("no code in the redirect {location}"));
        percent_decode(code)
    }

    /// A form POST to the sandbox's token endpoint.
    pub async fn token_call(&self, form: &[(&str, &str)]) -> TokenAnswer {
        let response = self
            .account
            .http
            .post(&self.account.sandbox.banner.oauth_token_url)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        TokenAnswer {
            status,
            content_type,
            body,
        }
    }

    /// Loads `records` of `kind` through `POST /__sandbox/load`; all must go in.
    pub async fn load(&self, kind: &str, records: Value) {
        let count = match &records {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            _ => 0,
        };
        let answer = self
            .account
            .admin(
                Method::POST,
                "/load",
                Some(json!({"kind": kind, "records": records})),
            )
            .await;
        assert_eq!(
            (answer.status, &answer.body),
            (200, &json!({ "loaded": count })),
            "loading {count} {kind} records"
        );
    }

    /// Loads the `response` of interaction `n` (0-based) of `cassette`: the records a GET
    /// recording ran against.
    pub async fn load_recorded(&self, kind: &str, cassette: &str, n: usize) {
        self.load(kind, recorded_response(cassette, n)).await;
    }

    /// Sends one recorded API request with `target` (path after the account, and query).
    pub async fn send(&self, i: &Interaction, target: &str) -> Answer {
        let banner = &self.account.sandbox.banner;
        let method = Method::from_bytes(i.method.as_bytes()).unwrap();
        let token = match &self.token {
            Token::Valid | Token::Expired => self.access_token.clone(),
            Token::Unknown(token) => token.clone(),
        };
        let mut request = self
            .account
            .http
            .request(method, format!("{}{target}", self.account.base))
            .header("authorization", format!("Bearer {token}"))
            .header("brightpearl-app-ref", &banner.app_ref)
            .header("brightpearl-dev-ref", &banner.dev_ref);
        if let Some(body) = &i.request_body {
            let content_type = i
                .request_header("content-type")
                .unwrap_or("application/json");
            request = request
                .header("content-type", content_type)
                .body(body.clone());
        }
        send(request).await
    }

    /// Switches the API calls to `token` (expiring the real one through the admin API when
    /// asked).
    pub async fn use_token(&mut self, token: Token) {
        if token == Token::Expired {
            let answer = self
                .account
                .admin(Method::POST, "/tokens/expire", None)
                .await;
            assert_eq!(answer.status, 200, "expiring tokens: {:?}", answer.body);
        }
        self.token = token;
    }

    /// Replays every interaction of the API cassette `path` and asserts the sandbox answers
    /// like Brightpearl did (see [`check`]). Returns the sandbox's answers.
    pub async fn conform(&self, path: &str) -> Vec<Answer> {
        self.conform_with(path, shape::KeyOrder::Checked).await
    }

    /// [`Env::conform`] without the key-order check on bodies, for cassettes whose body is a
    /// map keyed by data that is not a record id (custom-field codes): Brightpearl's order there
    /// follows no rule the recordings show, so any order is as faithful as another.
    pub async fn conform_any_key_order(&self, path: &str) -> Vec<Answer> {
        self.conform_with(path, shape::KeyOrder::Ignored).await
    }

    async fn conform_with(&self, path: &str, order: shape::KeyOrder) -> Vec<Answer> {
        let recorded = cassette::load(path);
        let mut ids = IdMap::default();
        let mut problems = Vec::new();
        let mut answers = Vec::new();
        for (n, i) in recorded.iter().enumerate() {
            assert!(
                !i.is_oauth(),
                "{path}: OAuth cassettes have their own cases"
            );
            let target = ids.rewrite(&i.target());
            let answer = self.send(i, &target).await;
            let context = format!("{path} #{} {} {target}", n + 1, i.method);
            problems.extend(
                check_with(path, i, &answer, order)
                    .into_iter()
                    .map(|p| format!("{context}: {p}")),
            );
            ids.learn(i, &answer);
            answers.push(answer);
        }
        assert!(
            problems.is_empty(),
            "{path}: the sandbox differs from the recording:\n  {}",
            problems.join("\n  ")
        );
        answers
    }
}

/// The `response` value of interaction `n` of `cassette`.
pub fn recorded_response(cassette: &str, n: usize) -> Value {
    let interactions = cassette::load(cassette);
    let body = interactions[n]
        .response_json
        .clone()
        .unwrap_or_else(|| panic!("{cassette} #{}: no JSON body", n + 1));
    body["response"].clone()
}

/// The recorded request body of interaction `n` of `cassette`, as JSON.
pub fn recorded_request(cassette: &str, n: usize) -> Value {
    cassette::load(cassette)[n]
        .request_json
        .clone()
        .unwrap_or_else(|| panic!("{cassette} #{}: no JSON request body", n + 1))
}

/// Recorded ids → the sandbox's, learnt from the writes of one cassette (`{"response": 329}`
/// recorded, `{"response": 3}` ours).
#[derive(Default)]
pub struct IdMap(Vec<(String, String)>);

impl IdMap {
    /// Records what a write answered.
    pub fn learn(&mut self, i: &Interaction, ours: &Answer) {
        let recorded = i.response_json.as_ref().map(|b| &b["response"]);
        if let (Some(Value::Number(recorded)), Value::Number(ours)) =
            (recorded, &ours.body["response"])
        {
            self.0.push((recorded.to_string(), ours.to_string()));
        }
    }

    /// `target` with every path segment (or id in a comma list) that is a recorded id
    /// replaced by the sandbox's.
    pub fn rewrite(&self, target: &str) -> String {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let path = path
            .split('/')
            .map(|segment| {
                segment
                    .split(',')
                    .map(|id| {
                        self.0
                            .iter()
                            .find(|(recorded, _)| recorded == id)
                            .map_or(id, |(_, ours)| ours.as_str())
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("/");
        match query {
            Some(query) => format!("{path}?{query}"),
            None => path,
        }
    }
}

/// Everything in which `ours` differs from the recorded response `i` of cassette `path`:
/// status; `Content-Type`; `Message-Type`; both throttle headers present and in range; the
/// installed-integration header when recorded; the body's shape (hand-written cassettes: only
/// the envelope, as their bodies are invented).
pub fn check(path: &str, i: &Interaction, ours: &Answer) -> Vec<String> {
    check_with(path, i, ours, shape::KeyOrder::Checked)
}

/// [`check`], with or without the key-order check on the body.
pub fn check_with(
    path: &str,
    i: &Interaction,
    ours: &Answer,
    order: shape::KeyOrder,
) -> Vec<String> {
    let mut problems = Vec::new();
    if ours.status != i.status {
        problems.push(format!(
            "status {} where Brightpearl answered {}",
            ours.status, i.status
        ));
    }
    let header_equal = |problems: &mut Vec<String>, name: &str| {
        let recorded = i.response_header(name);
        let sandbox = ours.header(name);
        if recorded != sandbox {
            problems.push(format!(
                "{name} {sandbox:?} where Brightpearl sent {recorded:?}"
            ));
        }
    };
    header_equal(&mut problems, "Content-Type");
    header_equal(&mut problems, "Message-Type");
    let number = |name: &str| ours.header(name).and_then(|v| v.parse::<u64>().ok());
    match number("Brightpearl-Requests-Remaining") {
        Some(remaining) if remaining <= 199 => {}
        other => problems.push(format!(
            "Brightpearl-Requests-Remaining {other:?}: must be a number from 0 to 199 (Brightpearl sent {:?})",
            i.requests_remaining()
        )),
    }
    match number("Brightpearl-Next-Throttle-Period") {
        Some(period) if period <= 60_000 => {}
        other => problems.push(format!(
            "Brightpearl-Next-Throttle-Period {other:?}: must be milliseconds up to 60000 (Brightpearl sent {:?})",
            i.next_throttle_period_ms()
        )),
    }
    let instance = "Brightpearl-Installed-Integration-Instance-Id";
    if i.response_header(instance).is_some() && ours.header(instance).is_none() {
        problems.push(format!("no {instance} header; Brightpearl sent one"));
    }
    let Some(recorded) = &i.response_json else {
        problems.push("the recording has no JSON body".into());
        return problems;
    };
    if is_hand_written(path) {
        let search = i.path.ends_with("-search");
        problems.extend(envelope_differences(recorded, &ours.body, search));
    } else {
        problems.extend(shape::differences(recorded, &ours.body, order));
    }
    problems
}

/// For hand-written cassettes: the same top-level keys, and `response` of the same JSON type.
/// A search may add `reference`: every real recorded search answers with it (`order_search`,
/// `customer/search/simple_search`), so the hand-written ones leaving it out is their error.
fn envelope_differences(recorded: &Value, ours: &Value, search: bool) -> Vec<String> {
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| !(search && *k == "reference"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    if keys(recorded) != keys(ours) {
        problems.push(format!(
            "top-level keys {:?} where the (hand-written) recording has {:?}; body {ours}",
            keys(ours),
            keys(recorded)
        ));
    }
    let kind = |v: &Value| match v {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    };
    if recorded.get("response").map(kind) != ours.get("response").map(kind) {
        problems.push(format!(
            "response is {:?} where the (hand-written) recording has {:?}",
            ours.get("response").map(kind),
            recorded.get("response").map(kind)
        ));
    }
    problems
}

/// Checks a token-endpoint answer against the recorded one: status, `Content-Type` and the
/// body's shape.
pub fn check_oauth(path: &str, i: &Interaction, ours: &TokenAnswer) {
    let mut problems = Vec::new();
    if ours.status != i.status {
        problems.push(format!(
            "status {} where Brightpearl answered {}",
            ours.status, i.status
        ));
    }
    if ours.content_type.as_deref() != i.response_header("content-type") {
        problems.push(format!(
            "Content-Type {:?} where Brightpearl sent {:?}",
            ours.content_type,
            i.response_header("content-type")
        ));
    }
    let recorded = i.response_json.as_ref().unwrap();
    problems.extend(shape::differences(
        recorded,
        &ours.body,
        shape::KeyOrder::Checked,
    ));
    assert!(
        problems.is_empty(),
        "{path}: the sandbox's token endpoint differs from the recording:\n  {}\nsandbox's body: {}",
        problems.join("\n  "),
        ours.body
    );
}

/// Undoes the percent-encoding of a query value (the code in the authorize redirect).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
