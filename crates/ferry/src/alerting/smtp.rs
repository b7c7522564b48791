//! A small SMTP client over tokio for alert email: `EHLO`, TLS (implicit for `smtps://`,
//! `STARTTLS` for `smtp://` when the server offers it), `AUTH PLAIN` or `AUTH LOGIN` when the
//! URL carries a user, `MAIL FROM`, `RCPT TO`, `DATA`, `QUIT`.
//!
//! What it will not do: send mail in clear to a host other than this machine unless
//! `alerts.email.require_tls = false` says the network is trusted, and send credentials in
//! clear to a host other than this machine at all. After `STARTTLS` it forgets what the server
//! said before the handshake and asks for its capabilities again (RFC 3207).

use super::session::Session;
use super::tls::{Trust, server_name};
use anyhow::{Result, anyhow, bail};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How long one SMTP conversation may take before it is abandoned.
const PATIENCE: Duration = Duration::from_secs(30);

/// How the conversation is protected, from the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// `smtp://`: plain at first, `STARTTLS` when the server offers it.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

/// The settings of `[alerts.email]` besides the URL.
#[derive(Default)]
pub(crate) struct SmtpOptions {
    /// `require_tls`; unset means required unless the host is this machine.
    pub(crate) require_tls: Option<bool>,
    /// The PEM text of `ca_file`.
    pub(crate) ca_pem: Option<String>,
}

/// Where and how to send: from `smtp[s]://USER:PASSWORD@HOST:PORT` and [`SmtpOptions`].
pub(crate) struct SmtpServer {
    host: String,
    port: u16,
    security: Security,
    user: Option<String>,
    password: Option<SecretString>,
    require_tls: bool,
    trust: Trust,
    /// Where to connect instead of resolving `host` (tests: a server on 127.0.0.1 that looks
    /// remote by name).
    connect_to: Option<SocketAddr>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = match self.security {
            Security::StartTls => "smtp",
            Security::Implicit => "smtps",
        };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// A relay on this machine: the only hosts Ferry speaks plain SMTP to unless told otherwise.
fn is_local(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "::1"
}

/// Why a `STARTTLS` handshake failed; with TLS not required the message goes again in clear.
#[derive(Debug)]
struct HandshakeFailed(String);

impl std::fmt::Display for HandshakeFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HandshakeFailed {}

impl SmtpServer {
    /// Parses `smtp://[USER[:PASSWORD]@]HOST[:PORT]` (port 25 for localhost, 127.0.0.1 and
    /// ::1, 587 otherwise) or `smtps://...` (port 465); user and password percent-decoded,
    /// an IPv6 host in brackets. The error never repeats the URL: it may hold a password.
    pub(crate) fn parse(url: &str, options: SmtpOptions) -> Result<Self> {
        let url = url.trim();
        let scheme_is = |scheme: &str| {
            url.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        };
        let (security, rest) = if scheme_is("smtps://") {
            (Security::Implicit, &url[8..])
        } else if scheme_is("smtp://") {
            (Security::StartTls, &url[7..])
        } else {
            bail!(
                "alerts.email.smtp_url must start with smtps:// (implicit TLS, port 465) or \
                 smtp:// (STARTTLS when the server offers it, port 587), e.g. \
                 \"smtps://user:password@mail.example.com\""
            );
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() || host.contains(['/', ' ', '?', '[', ']']) || port == Some(0) {
            bail!(
                "alerts.email.smtp_url names no usable host: write smtps://HOST or smtp://HOST:PORT"
            );
        }
        let port = port.unwrap_or(match security {
            Security::Implicit => 465,
            Security::StartTls if is_local(host) => 25,
            Security::StartTls => 587,
        });
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                (
                    Some(percent_decode(user)?),
                    Some(SecretString::from(percent_decode(password)?)),
                )
            }
        };
        Ok(Self {
            require_tls: options.require_tls.unwrap_or(!is_local(host)),
            trust: Trust::new(options.ca_pem.as_deref())?,
            host: host.to_owned(),
            port,
            security,
            user,
            password,
            connect_to: None,
        })
    }

    /// Connects to `address` instead of resolving the host (the name is still what the
    /// certificate is checked against and what decides whether the host is local).
    #[cfg(test)]
    pub(crate) fn connecting_to(mut self, address: SocketAddr) -> Self {
        self.connect_to = Some(address);
        self
    }

    /// Sends one plain-text message to every recipient.
    pub(crate) async fn send(
        &self,
        from: &str,
        to: &[String],
        subject: &str,
        body: &str,
    ) -> Result<()> {
        let message = message(from, to, subject, body);
        tokio::time::timeout(PATIENCE, self.deliver(from, to, &message))
            .await
            .map_err(|_| {
                let hint = if self.security == Security::StartTls && self.port == 465 {
                    " (port 465 speaks TLS from the first byte: write smtps:// for it)"
                } else {
                    ""
                };
                anyhow!(
                    "the SMTP server {} did not finish within {} s{hint}",
                    self.server(),
                    PATIENCE.as_secs()
                )
            })?
    }

    async fn deliver(&self, from: &str, to: &[String], message: &str) -> Result<()> {
        match self.converse(from, to, message, true).await {
            // TLS is not required here, and no password would go out in clear: the handshake
            // failed before any mail was sent, so send it again without STARTTLS.
            Err(error)
                if error.downcast_ref::<HandshakeFailed>().is_some()
                    && !self.require_tls
                    && (self.user.is_none() || is_local(&self.host)) =>
            {
                if is_local(&self.host) {
                    tracing::debug!(%error, "STARTTLS with the local relay failed; sending in clear on this machine");
                } else {
                    tracing::warn!(%error, "STARTTLS failed; sending the alert in clear as alerts.email.require_tls = false allows");
                }
                self.converse(from, to, message, false).await
            }
            other => other,
        }
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    async fn converse(
        &self,
        from: &str,
        to: &[String],
        message: &str,
        starttls: bool,
    ) -> Result<()> {
        let connected = match self.connect_to {
            Some(address) => TcpStream::connect(address).await,
            None => TcpStream::connect((self.host.as_str(), self.port)).await,
        };
        let stream = connected.map_err(|e| {
            anyhow!(
                "cannot connect to the SMTP server {} ({e}); check the host and port of \
                 alerts.email.smtp_url",
                self.server()
            )
        })?;
        let mut session = Session::new(Box::new(stream), self.server());
        let mut encrypted = false;
        if self.security == Security::Implicit {
            session = self.handshake(session).await?;
            encrypted = true;
        }
        session.expect(220, "the greeting").await?;
        let mut offers = session.ehlo().await?;
        if !encrypted {
            if offers.starttls && starttls {
                session.command("STARTTLS", 220, "STARTTLS").await?;
                if !session.io.buffer().is_empty() {
                    bail!(
                        "the SMTP server {} sent data after agreeing to STARTTLS, before the \
                         TLS handshake; Ferry hangs up on that (someone may be injecting \
                         commands between Ferry and the server)",
                        session.server
                    );
                }
                session = self
                    .handshake(session)
                    .await
                    .map_err(|e| anyhow!(HandshakeFailed(e.to_string())))?;
                encrypted = true;
                offers = session.ehlo().await?;
            } else if self.require_tls {
                bail!("{}", self.no_tls_refusal());
            }
        }
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            if !encrypted && !is_local(&self.host) {
                bail!(
                    "the SMTP server {} offers no STARTTLS, so the user and password of \
                     alerts.email.smtp_url would cross the network in clear, which Ferry never \
                     does to a host other than this machine: use smtps:// if the server takes \
                     implicit TLS (usually port 465), turn STARTTLS on at the server, or take \
                     the user and password out of the URL if the relay accepts mail without",
                    session.server
                );
            }
            session.authenticate(&offers.auth, user, password).await?;
        }
        session
            .command(&format!("MAIL FROM:<{from}>"), 250, "MAIL FROM")
            .await?;
        for rcpt in to {
            let (code, text) = session.send_line(&format!("RCPT TO:<{rcpt}>")).await?;
            if code != 250 && code != 251 {
                bail!(
                    "the SMTP server {} refused recipient {rcpt} of alerts.email.to: {code} {}",
                    session.server,
                    text.join(" ")
                );
            }
        }
        session.command("DATA", 354, "DATA").await?;
        session.io.write_all(message.as_bytes()).await?;
        session.io.write_all(b".\r\n").await?;
        session.io.flush().await?;
        session.expect(250, "the message").await?;
        // The message is accepted; a server that hangs up before answering QUIT is no failure.
        let _ = session.send_line("QUIT").await;
        Ok(())
    }

    /// Why a conversation without TLS is refused.
    fn no_tls_refusal(&self) -> String {
        let why = format!("the SMTP server {} does not offer STARTTLS", self.server());
        if is_local(&self.host) {
            format!(
                "{why}, and alerts.email.require_tls = true asks for TLS: turn STARTTLS on at \
                 the relay, use smtps://, or remove require_tls (mail to a relay on this machine \
                 does not leave it)"
            )
        } else {
            format!(
                "{why}, and Ferry sends mail in clear only to a relay on this machine \
                 (localhost, 127.0.0.1 or ::1): use smtps:// if the server takes implicit TLS \
                 (usually port 465), turn STARTTLS on at the server, or send through a relay on \
                 this machine; for a relay on a trusted private network, \
                 alerts.email.require_tls = false sends mail in clear (but never a password)"
            )
        }
    }

    /// The TLS handshake over the session's connection, the certificate checked against the
    /// host's name.
    async fn handshake(&self, session: Session) -> Result<Session> {
        let connector = self.trust.connector()?;
        let name = server_name(&self.host)?;
        let Session { io, server } = session;
        let tls = connector
            .connect(name, io.into_inner())
            .await
            .map_err(|e| {
                anyhow!(
                    "the TLS handshake with the SMTP server {server} failed: {e}; if the server's \
                 certificate is signed by a private CA, name that CA's PEM file in \
                 alerts.email.ca_file; the certificate must be made out to {:?}, the host of \
                 alerts.email.smtp_url",
                    self.host
                )
            })?;
        Ok(Session::new(Box::new(tls), server))
    }
}

/// `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`.
fn split_host_port(text: &str) -> Result<(&str, Option<u16>)> {
    let bad_port =
        || anyhow!("alerts.email.smtp_url has a port that is not a number from 1 to 65535");
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| anyhow!("alerts.email.smtp_url has an IPv6 host without its ]"))?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => bail!("alerts.email.smtp_url has text after its IPv6 host; write [HOST]:PORT"),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| bad_port()))
        .transpose()?;
    Ok((host, port))
}

/// The message text: headers, a blank line, the body with CRLF line ends and dot-stuffing.
fn message(from: &str, to: &[String], subject: &str, body: &str) -> String {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    // Header values must be one line.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut text = format!(
        "From: {from}\r\nTo: {}\r\nSubject: {subject}\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        to.join(", ")
    );
    for line in body.lines() {
        if line.starts_with('.') {
            text.push('.');
        }
        text.push_str(line.trim_end_matches('\r'));
        text.push_str("\r\n");
    }
    text
}

fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    anyhow!("alerts.email.smtp_url has a bad %-escape in its user or password")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| anyhow!("alerts.email.smtp_url has a user or password that is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    fn parse(url: &str) -> Result<SmtpServer> {
        SmtpServer::parse(url, SmtpOptions::default())
    }

    #[test]
    fn urls_parse_and_errors_never_echo_the_password() {
        let s = parse("smtp://ops%40x:p%3Ass@mail.example.com:2525").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("mail.example.com", 2525));
        assert_eq!(s.user.as_deref(), Some("ops@x"));
        assert_eq!(s.password.as_ref().map(|p| p.expose_secret()), Some("p:ss"));
        for bad in [
            "smtpx://u:hunter2@h",
            "http://u:hunter2@h",
            "smtp://u:hunter2@h:99999",
            "smtp://u:hunter2@",
            "smtps://u:hunter2@[::1",
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("alerts.email.smtp_url"), "{err}");
        }
    }

    #[test]
    fn the_scheme_and_the_host_decide_the_port_and_whether_tls_is_required() {
        // (url, security, port, TLS required)
        for (url, security, port, required) in [
            ("smtp://127.0.0.1", Security::StartTls, 25, false),
            ("smtp://LOCALHOST", Security::StartTls, 25, false),
            ("smtp://[::1]", Security::StartTls, 25, false),
            ("smtp://[::1]:2525", Security::StartTls, 2525, false),
            ("smtp://mail.example.com", Security::StartTls, 587, true),
            ("smtp://10.0.0.7:25", Security::StartTls, 25, true),
            ("smtps://mail.example.com", Security::Implicit, 465, true),
            ("SMTPS://u:p@localhost/", Security::Implicit, 465, false),
        ] {
            let s = parse(url).unwrap();
            assert_eq!(
                (s.security, s.port, s.require_tls),
                (security, port, required),
                "{url}"
            );
        }
        let forced = SmtpServer::parse(
            "smtp://127.0.0.1",
            SmtpOptions {
                require_tls: Some(true),
                ca_pem: None,
            },
        )
        .unwrap();
        assert!(forced.require_tls);
        let relaxed = SmtpServer::parse(
            "smtp://relay.internal",
            SmtpOptions {
                require_tls: Some(false),
                ca_pem: None,
            },
        )
        .unwrap();
        assert!(!relaxed.require_tls);
        assert_eq!(format!("{relaxed:?}"), "smtp://relay.internal:587");
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused_with_a_reason() {
        let err = SmtpServer::parse(
            "smtps://mail.example.com",
            SmtpOptions {
                require_tls: None,
                ca_pem: Some("not a certificate".into()),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("alerts.email.ca_file holds no certificate"),
            "{err}"
        );
    }

    #[test]
    fn bodies_are_dot_stuffed_with_crlf_and_subjects_stay_on_one_line() {
        let text = message(
            "a@b.c",
            &["d@e.f".to_owned()],
            "x\r\nBcc: evil@x.y",
            "one\n.two\n",
        );
        assert!(text.contains("Subject: x  Bcc: evil@x.y\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\none\r\n..two\r\n"), "{text}");
    }
}
