//! The browser's return from Salesforce's `/authorize`: a one-shot HTTP listener on
//! `127.0.0.1:PORT` that takes `GET /callback?code=…&state=…`, answers the browser with a
//! short page, and hands the code to `ferry connect salesforce`.
//!
//! Only the request line is needed, so a minimal HTTP/1.1 reader suffices: no web framework.

use ferry_http::Error;
use percent_encoding::percent_decode_str;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The path Salesforce redirects to.
pub const CALLBACK_PATH: &str = "/callback";

/// A listener waiting for the authorization code.
#[derive(Debug)]
pub struct LocalCallback {
    listener: TcpListener,
    addr: SocketAddr,
}

/// What the browser brought back.
enum Outcome {
    /// Not the callback (a favicon, a stray request): keep waiting.
    Ignore,
    /// The code.
    Code(String),
    /// A refusal or a forged return.
    Failed(String),
}

impl LocalCallback {
    /// Listens on `127.0.0.1:port` (0 picks a free port). The connected app's callback URL
    /// must be [`LocalCallback::redirect_uri`].
    pub async fn bind(port: u16) -> Result<Self, Error> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| Error::Config {
                message: format!(
                    "cannot listen on 127.0.0.1:{port} for the OAuth callback ({e}); free the \
                     port or set salesforce.callback_port to another one (and add its callback \
                     URL to the connected app)"
                ),
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Config {
            message: format!("the OAuth callback listener has no address: {e}"),
        })?;
        Ok(Self { listener, addr })
    }

    /// `http://127.0.0.1:PORT/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.addr.port())
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits up to `timeout` for the browser to return with `state`, and returns the code.
    /// A return with another state, or with `error=…`, fails: the browser is told why.
    pub async fn wait(self, state: &str, timeout: Duration) -> Result<String, Error> {
        let refused = |message: String| Error::Unauthorized {
            api: "salesforce",
            label: format!("GET {CALLBACK_PATH}"),
            message,
        };
        let waiting = async {
            loop {
                let (stream, _) = match self.listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::debug!(error = %e, "OAuth callback accept failed");
                        continue;
                    }
                };
                match handle(stream, state).await {
                    Outcome::Ignore => continue,
                    Outcome::Code(code) => return Ok(code),
                    Outcome::Failed(message) => return Err(refused(message)),
                }
            }
        };
        tokio::time::timeout(timeout, waiting)
            .await
            .unwrap_or_else(|_| {
                Err(refused(format!(
                    "the browser did not return to {} within {}s; run `ferry connect \
                     salesforce` again and approve the app in the browser",
                    self.redirect_uri(),
                    timeout.as_secs()
                )))
            })
    }
}

/// Reads one request, answers it, and says what it brought.
async fn handle(mut stream: TcpStream, state: &str) -> Outcome {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => return Outcome::Ignore,
    };
    let outcome = interpret(&head, state);
    let (status, title, text) = match &outcome {
        Outcome::Ignore => ("404 Not Found", "Not found", String::new()),
        Outcome::Code(_) => (
            "200 OK",
            "Ferry is connected to Salesforce",
            "You can close this window and return to the terminal.".to_owned(),
        ),
        Outcome::Failed(message) => (
            "400 Bad Request",
            "Ferry could not connect",
            message.clone(),
        ),
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{}</p></body></html>",
        escape_html(&text)
    );
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser's page is a courtesy: failing to write it does not change the outcome.
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
    outcome
}

/// The request head up to the blank line, or `None` if the peer sent too much or nothing.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if buffer.windows(4).any(|w| w == b"\r\n\r\n") || buffer.windows(2).any(|w| w == b"\n\n") {
            return Some(String::from_utf8_lossy(&buffer).into_owned());
        }
        if buffer.len() > MAX_HEAD {
            return None;
        }
    }
}

/// What the request line `GET /callback?… HTTP/1.1` says.
fn interpret(head: &str, expected_state: &str) -> Outcome {
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Outcome::Ignore;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != CALLBACK_PATH {
        return Outcome::Ignore;
    }
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("state") != Some(expected_state) {
        return Outcome::Failed(
            "the browser returned with a state this attempt did not send (an old tab, or a \
             forged link); run `ferry connect salesforce` again and use the link it prints"
                .into(),
        );
    }
    if let Some(error) = get("error") {
        let description = get("error_description").unwrap_or_default();
        let fix = if error == "access_denied" {
            "approve the app in the browser when asked"
        } else {
            "check the connected app's OAuth settings (callback URL, scopes, PKCE)"
        };
        return Outcome::Failed(format!(
            "Salesforce refused the authorization: {error} ({description}); {fix}, then run \
             `ferry connect salesforce` again"
        ));
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => Outcome::Code(code.to_owned()),
        None => Outcome::Failed(
            "the browser returned without an authorization code; run `ferry connect \
             salesforce` again"
                .into(),
        ),
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(line: &str) -> Result<String, String> {
        match interpret(&format!("{line}\r\nhost: x\r\n\r\n"), "st8") {
            Outcome::Ignore => Err("ignored".into()),
            Outcome::Code(code) => Ok(code),
            Outcome::Failed(message) => Err(message),
        }
    }

    #[test]
    fn the_request_line_gives_the_code_only_with_the_right_state() {
        assert_eq!(
            outcome("GET /callback?code=aPrx%3D%3D&state=st8 HTTP/1.1"),
            Ok("aPrx==".into())
        );
        assert!(
            outcome("GET /callback?code=a&state=other HTTP/1.1")
                .unwrap_err()
                .contains("state")
        );
        assert!(
            outcome("GET /callback?code=a HTTP/1.1")
                .unwrap_err()
                .contains("state")
        );
        assert_eq!(outcome("GET /favicon.ico HTTP/1.1"), Err("ignored".into()));
        let denied = outcome(
            "GET /callback?error=access_denied&error_description=end-user+denied+authorization&state=st8 HTTP/1.1",
        )
        .unwrap_err();
        assert!(
            denied.contains("access_denied") && denied.contains("end-user denied"),
            "{denied}"
        );
        assert!(escape_html("<script>").contains("&lt;script&gt;"));
    }
}
