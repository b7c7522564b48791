//! Reads the recorded Brightpearl traffic in `shared/fixtures/brightpearl/`: VCR cassettes
//! (YAML), each a list of HTTP interactions with the full request and the full response.
//!
//! VCR writes bodies three ways, all present in the recordings: a plain or single-quoted string
//! (long JSON folded across lines, which YAML joins with a space), a `!binary` literal holding
//! base64 (VCR's choice for `ASCII-8BIT` bodies that are not pure ASCII), and `base64_string`
//! (VCR's `preserve_exact_body_bytes`). `yaml-rust2`'s ready-made loader drops tags, and the
//! tag is the only thing that tells base64 from text, so this file builds its own small tree
//! from the parser's events.

use base64::Engine as _;
use serde_json::Value;
use std::path::{Path, PathBuf};
use yaml_rust2::parser::{Event, EventReceiver, Parser};

/// Where the cassettes live: `shared/` beside the clone (override with `FERRY_BP_FIXTURES`).
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("FERRY_BP_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/brightpearl"
        )),
    }
}

/// Cassettes that look hand-written rather than recorded (shared/fixtures/README.md): their URLs
/// are real, their bodies are not. A cassette is hand-written when its file name starts with one
/// of these.
pub const HAND_WRITTEN: &[&str] = &[
    "brand",
    "channel",
    "contact_group",
    "contact_tag",
    "currency_search",
    "exchange_rate_",
    "lead_source",
    "nominal_code",
    "order_stock_status",
    "order_type",
    "payment_method",
    "product_category",
    "product_type",
    "shipping_method",
    "warehouse",
];

/// Whether the cassette at `relative_path` is one of the README's hand-written ones.
pub fn is_hand_written(relative_path: &str) -> bool {
    // Only top-level files are named in the README; `webhook/...` or `customer/...` never are.
    !relative_path.contains('/') && HAND_WRITTEN.iter().any(|p| relative_path.starts_with(p))
}

/// One recorded request and its response.
#[derive(Debug, Clone)]
pub struct Interaction {
    /// Upper-case HTTP method (`GET`, `OPTIONS`, …).
    pub method: String,
    /// The full URL as recorded.
    pub url: String,
    /// The host (`ws-use.brightpearl.com`, `euw1.brightpearlconnect.com`, `oauth.brightpearl.com`).
    pub host: String,
    /// The account code in the URL (`barulu`, `unimart`, or a placeholder such as `<ACCOUNT>`
    /// where the recording was sanitised).
    pub account: String,
    /// The path after `/public-api/{account}` or `/2.0.0/{account}` (e.g.
    /// `/order-service/order/1,320,321`), or the whole OAuth path (`/token/barulu`). As recorded:
    /// not percent-decoded, trailing slash kept.
    pub path: String,
    /// The query string as recorded (still percent-encoded; empty when there is none), for
    /// sending the same request to the sandbox.
    pub raw_query: String,
    /// The query's pairs, percent-decoded (`+` is a space), in order.
    pub query: Vec<(String, String)>,
    /// Request headers in recorded order (a header with several values gives several pairs).
    pub request_headers: Vec<(String, String)>,
    /// The request body; `None` when it was empty.
    pub request_body: Option<String>,
    /// The request body parsed as JSON, when its `Content-Type` is JSON.
    pub request_json: Option<Value>,
    /// The request body's pairs, when it is `application/x-www-form-urlencoded`.
    pub request_form: Option<Vec<(String, String)>>,
    /// The response status.
    pub status: u16,
    /// Response headers in recorded order.
    pub response_headers: Vec<(String, String)>,
    /// The response body, decoded (base64 undone, folded lines joined).
    pub response_body: String,
    /// The response body parsed as JSON (`None` when it is not JSON).
    pub response_json: Option<Value>,
}

impl Interaction {
    /// The first request header called `name`, compared without regard to case.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request_headers, name)
    }

    /// The first response header called `name`, compared without regard to case.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        find_header(&self.response_headers, name)
    }

    /// `Message-Type`: Brightpearl's name for the operation (`get-order`, `api-proxy`, …).
    pub fn message_type(&self) -> Option<&str> {
        self.response_header("Message-Type")
    }

    /// `Brightpearl-Requests-Remaining` as a number.
    pub fn requests_remaining(&self) -> Option<u32> {
        self.response_header("Brightpearl-Requests-Remaining")?
            .parse()
            .ok()
    }

    /// `Brightpearl-Next-Throttle-Period` (milliseconds) as a number.
    pub fn next_throttle_period_ms(&self) -> Option<u64> {
        self.response_header("Brightpearl-Next-Throttle-Period")?
            .parse()
            .ok()
    }

    /// Whether this is a call to the OAuth token endpoint rather than the API.
    pub fn is_oauth(&self) -> bool {
        self.path.starts_with("/token/")
    }

    /// The path after the account plus the recorded query: append it to the sandbox's
    /// `base_url` to send the same request.
    pub fn target(&self) -> String {
        if self.raw_query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.raw_query)
        }
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Loads the cassette at `relative_path` under [`fixtures_dir`] (e.g. `order_get_one.yml` or
/// `webhook/get/single.yml`). Panics naming the file and the part it could not understand.
pub fn load(relative_path: &str) -> Vec<Interaction> {
    let path = fixtures_dir().join(relative_path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the cassette {} ({e}); shared/ must sit beside the clone",
            path.display()
        )
    });
    parse_cassette(&text).unwrap_or_else(|e| panic!("{relative_path}: {e}"))
}

/// Every cassette under [`fixtures_dir`], by path relative to it (with `/`), sorted.
pub fn all() -> Vec<(String, Vec<Interaction>)> {
    let root = fixtures_dir();
    let mut paths = Vec::new();
    collect_yaml(&root, &mut paths);
    let mut relative: Vec<String> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    relative.sort();
    relative
        .into_iter()
        .map(|rel| {
            let interactions = load(&rel);
            (rel, interactions)
        })
        .collect()
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot list {} ({e}); shared/ must sit beside the clone",
            dir.display()
        )
    });
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

/// Parses a whole cassette.
pub fn parse_cassette(text: &str) -> Result<Vec<Interaction>, String> {
    let root = parse_yaml(text)?;
    let list = root
        .get("http_interactions")
        .ok_or("no `http_interactions`")?
        .seq()
        .ok_or("`http_interactions` is not a list")?;
    list.iter()
        .enumerate()
        .map(|(n, node)| interaction(node).map_err(|e| format!("interaction {}: {e}", n + 1)))
        .collect()
}

fn interaction(node: &Node) -> Result<Interaction, String> {
    let request = node.get("request").ok_or("no `request`")?;
    let response = node.get("response").ok_or("no `response`")?;
    let method = request.text_at("method")?.to_ascii_uppercase();
    let url = request.text_at("uri")?.to_string();
    let (host, account, path, raw_query) = split_url(&url)?;
    let query = decode_pairs(&raw_query)?;
    let request_headers = headers(request)?;
    let request_body = Some(body(request)?).filter(|b| !b.is_empty());
    let content_type = find_header(&request_headers, "Content-Type").unwrap_or("");
    let request_json = match &request_body {
        Some(b) if content_type.starts_with("application/json") => Some(
            serde_json::from_str(b).map_err(|e| format!("request body is not JSON ({e}): {b}"))?,
        ),
        _ => None,
    };
    let request_form = match &request_body {
        Some(b) if content_type.starts_with("application/x-www-form-urlencoded") => {
            Some(decode_pairs(b)?)
        }
        _ => None,
    };
    let status = response
        .get("status")
        .ok_or("no `response.status`")?
        .text_at("code")?;
    let status = status
        .parse()
        .map_err(|_| format!("status code {status:?} is not a number"))?;
    let response_headers = headers(response)?;
    let response_body = body(response)?;
    let response_json = serde_json::from_str(&response_body).ok();
    Ok(Interaction {
        method,
        url,
        host,
        account,
        path,
        raw_query,
        query,
        request_headers,
        request_body,
        request_json,
        request_form,
        status,
        response_headers,
        response_body,
        response_json,
    })
}

/// `(host, account, path after the account, raw query)`.
fn split_url(url: &str) -> Result<(String, String, String, String), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("{url}: not an http(s) URL"))?;
    let (host, path_and_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (full_path, raw_query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let segments: Vec<&str> = full_path.splitn(4, '/').collect();
    // `["", "public-api", account, rest]` or `["", "token", account]`.
    let (account, path) = match segments.as_slice() {
        ["", "public-api" | "2.0.0", account, rest @ ..] if !account.is_empty() => {
            (account.to_string(), format!("/{}", rest.join("/")))
        }
        ["", "token", account] if !account.is_empty() => {
            (account.to_string(), full_path.to_string())
        }
        _ => {
            return Err(format!(
                "{url}: the path is neither /public-api/{{account}}/…, /2.0.0/{{account}}/… nor /token/{{account}}"
            ));
        }
    };
    Ok((host.to_string(), account, path, raw_query.to_string()))
}

/// `a=1&b=x%20y` → pairs, percent-decoded, `+` as a space (form encoding).
fn decode_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            Ok((percent_decode(key)?, percent_decode(value)?))
        })
        .collect()
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("{text}: a `%` not followed by two hex digits"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("{text}: percent-decodes to invalid UTF-8"))
}

/// A `headers:` map of name → list of values, flattened to pairs.
fn headers(node: &Node) -> Result<Vec<(String, String)>, String> {
    let Some(map) = node.get("headers") else {
        return Ok(Vec::new());
    };
    let Node::Map(entries) = map else {
        return Err("`headers` is not a map".into());
    };
    let mut out = Vec::new();
    for (name, values) in entries {
        match values {
            Node::Seq(list) => {
                for value in list {
                    let value = value
                        .text()
                        .ok_or_else(|| format!("header {name}: a value is not text"))?;
                    out.push((name.clone(), value.to_string()));
                }
            }
            Node::Scalar { text, .. } => out.push((name.clone(), text.clone())),
            Node::Map(_) => return Err(format!("header {name}: a map, not a list of values")),
        }
    }
    Ok(out)
}

/// A `body:` of `{encoding, string}` (text or `!binary` base64) or `{encoding, base64_string}`.
fn body(node: &Node) -> Result<String, String> {
    let Some(body) = node.get("body") else {
        return Ok(String::new());
    };
    let bytes = if let Some(encoded) = body.get("base64_string") {
        base64_bytes(encoded.text().ok_or("`base64_string` is not text")?)?
    } else {
        match body.get("string") {
            None => return Ok(String::new()),
            Some(Node::Scalar { text, binary: true }) => base64_bytes(text)?,
            Some(Node::Scalar {
                text,
                binary: false,
            }) => return Ok(text.clone()),
            Some(_) => return Err("`body.string` is not text".into()),
        }
    };
    String::from_utf8(bytes).map_err(|_| "the base64 body is not UTF-8".to_string())
}

fn base64_bytes(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| format!("body is not valid base64: {e}"))
}

/// The part of YAML a cassette uses: scalars (with whether they were tagged `!binary`), lists
/// and maps with text keys, in document order.
#[derive(Debug, Clone)]
enum Node {
    Scalar { text: String, binary: bool },
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    fn seq(&self) -> Option<&[Node]> {
        match self {
            Node::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn text_at(&self, key: &str) -> Result<&str, String> {
        self.get(key)
            .and_then(Node::text)
            .ok_or_else(|| format!("no text `{key}`"))
    }
}

fn parse_yaml(text: &str) -> Result<Node, String> {
    let mut builder = TreeBuilder::default();
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| format!("not YAML: {e}"))?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    builder.root.ok_or_else(|| "an empty document".to_string())
}

/// Turns parser events into a [`Node`] tree. A map under construction keeps its pending key.
#[derive(Default)]
struct TreeBuilder {
    stack: Vec<(Node, Option<String>)>,
    root: Option<Node>,
    error: Option<String>,
}

impl TreeBuilder {
    fn finish(&mut self, node: Node) {
        let Some((parent, pending_key)) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        match parent {
            Node::Seq(items) => items.push(node),
            Node::Map(entries) => match pending_key.take() {
                Some(key) => entries.push((key, node)),
                None => match node {
                    Node::Scalar { text, .. } => *pending_key = Some(text),
                    _ => self.fail("a map key that is not text"),
                },
            },
            Node::Scalar { .. } => self.fail("a value inside a scalar"),
        }
    }

    fn fail(&mut self, what: &str) {
        self.error.get_or_insert_with(|| what.to_string());
    }
}

impl EventReceiver for TreeBuilder {
    fn on_event(&mut self, event: Event) {
        match event {
            Event::Scalar(text, _style, _anchor, tag) => {
                let binary = tag.is_some_and(|t| t.suffix == "binary");
                self.finish(Node::Scalar { text, binary });
            }
            Event::SequenceStart(..) => self.stack.push((Node::Seq(Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some((node, _)) => self.finish(node),
                None => self.fail("a collection closed that was never opened"),
            },
            Event::Alias(_) => self.fail("a YAML alias (VCR never writes them)"),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}
