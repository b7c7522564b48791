//! A minimal SMTP client over tokio TCP for alert email: `EHLO`, `AUTH PLAIN` when the URL
//! carries a user, `MAIL FROM`, `RCPT TO`, `DATA`, `QUIT`. Plain SMTP only (no STARTTLS, no
//! implicit TLS): meant for a relay on this machine or a private network.

use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one SMTP conversation may take before it is abandoned.
const PATIENCE: Duration = Duration::from_secs(30);

/// Where and how to send: from `smtp://USER:PASSWORD@HOST:PORT`.
pub(crate) struct SmtpServer {
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<SecretString>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "smtp://{}:{}", self.host, self.port)
    }
}

impl SmtpServer {
    /// Parses `smtp://[USER[:PASSWORD]@]HOST[:PORT]` (port 25 by default; user and password
    /// percent-decoded). The error never repeats the URL: it may hold a password.
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let Some(rest) = url.trim().strip_prefix("smtp://") else {
            bail!(
                "alerts.email.smtp_url must start with smtp:// (plain SMTP to a relay; TLS is \
                 not supported), e.g. \"smtp://user:password@mail.example.com:587\""
            );
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>().map_err(|_| {
                    anyhow!("alerts.email.smtp_url has a port that is not a number from 1 to 65535")
                })?,
            ),
            None => (hostport, 25),
        };
        if host.is_empty() || host.contains(['/', ' ', '?']) || port == 0 {
            bail!("alerts.email.smtp_url names no usable host: write smtp://HOST:PORT");
        }
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
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            user,
            password,
        })
    }

    /// Sends one plain-text message to every recipient.
    pub(crate) async fn send(
        &self,
        from: &str,
        to: &[String],
        subject: &str,
        body: &str,
    ) -> Result<()> {
        tokio::time::timeout(PATIENCE, self.converse(from, to, subject, body))
            .await
            .map_err(|_| {
                anyhow!(
                    "the SMTP server {}:{} did not finish within {} s",
                    self.host,
                    self.port,
                    PATIENCE.as_secs()
                )
            })?
    }

    async fn converse(&self, from: &str, to: &[String], subject: &str, body: &str) -> Result<()> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .with_context(|| {
                format!(
                    "cannot connect to the SMTP server {}:{} (alerts.email.smtp_url)",
                    self.host, self.port
                )
            })?;
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        expect(&mut read, 220, "the greeting").await?;
        command(&mut write, &mut read, "EHLO ferry", 250, "EHLO").await?;
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            let token = base64::engine::general_purpose::STANDARD
                .encode(format!("\0{user}\0{}", password.expose_secret()));
            command(
                &mut write,
                &mut read,
                &format!("AUTH PLAIN {token}"),
                235,
                "AUTH PLAIN (check the user and password in alerts.email.smtp_url)",
            )
            .await?;
        }
        command(
            &mut write,
            &mut read,
            &format!("MAIL FROM:<{from}>"),
            250,
            "MAIL FROM",
        )
        .await?;
        for rcpt in to {
            let reply = send_line(&mut write, &mut read, &format!("RCPT TO:<{rcpt}>")).await?;
            if reply.0 != 250 && reply.0 != 251 {
                bail!(
                    "the SMTP server refused recipient {rcpt}: {} {}",
                    reply.0,
                    reply.1
                );
            }
        }
        command(&mut write, &mut read, "DATA", 354, "DATA").await?;
        let message = message(from, to, subject, body);
        write.write_all(message.as_bytes()).await?;
        write.write_all(b".\r\n").await?;
        write.flush().await?;
        expect(&mut read, 250, "the message").await?;
        // The message is accepted; a server that hangs up before answering QUIT is no failure.
        let _ = send_line(&mut write, &mut read, "QUIT").await;
        Ok(())
    }
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

async fn command<R, W>(write: &mut W, read: &mut R, line: &str, code: u16, what: &str) -> Result<()>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let (got, text) = send_line(write, read, line).await?;
    if got != code {
        bail!("the SMTP server refused {what}: {got} {text}");
    }
    Ok(())
}

async fn send_line<R, W>(write: &mut W, read: &mut R, line: &str) -> Result<(u16, String)>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    write.write_all(line.as_bytes()).await?;
    write.write_all(b"\r\n").await?;
    write.flush().await?;
    reply(read).await
}

async fn expect<R: AsyncBufReadExt + Unpin>(read: &mut R, code: u16, what: &str) -> Result<()> {
    let (got, text) = reply(read).await?;
    if got != code {
        bail!("the SMTP server refused {what}: {got} {text}");
    }
    Ok(())
}

/// One reply, possibly multi-line (`250-...` lines then `250 ...`): its code and last text.
async fn reply<R: AsyncBufReadExt + Unpin>(read: &mut R) -> Result<(u16, String)> {
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await? == 0 {
            bail!("the SMTP server closed the connection");
        }
        let line = line.trim_end();
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| anyhow!("the SMTP server answered something that is not SMTP"))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, line.get(4..).unwrap_or_default().to_owned()));
        }
    }
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

    #[test]
    fn urls_parse_and_errors_never_echo_the_password() {
        let s = SmtpServer::parse("smtp://ops%40x:p%3Ass@mail.example.com:587").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("mail.example.com", 587));
        assert_eq!(s.user.as_deref(), Some("ops@x"));
        assert_eq!(s.password.as_ref().map(|p| p.expose_secret()), Some("p:ss"));
        let s = SmtpServer::parse("smtp://127.0.0.1").unwrap();
        assert_eq!((s.port, s.user.is_none()), (25, true));
        for bad in [
            "smtps://u:hunter2@h",
            "smtp://u:hunter2@h:99999",
            "smtp://u:hunter2@",
        ] {
            let err = SmtpServer::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("alerts.email.smtp_url"), "{err}");
        }
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
