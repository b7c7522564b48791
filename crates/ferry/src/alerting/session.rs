//! One SMTP conversation on the wire: commands, multi-line replies, what `EHLO` offers, and
//! `AUTH`. Which connection it runs over (TCP, TLS) and when it may log in is decided by
//! [`super::smtp`].

use anyhow::{Result, anyhow, bail};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The longest reply line read at once; SMTP allows 512 octets.
const LONGEST_LINE: u64 = 2048;

/// Any connection the conversation runs over: TCP, or TLS over TCP.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What `EHLO` answered that matters here.
#[derive(Debug, Default)]
pub(super) struct Offers {
    pub(super) starttls: bool,
    /// The `AUTH` mechanisms, upper case.
    pub(super) auth: Vec<String>,
}

/// One SMTP conversation over one connection.
pub(super) struct Session {
    pub(super) io: BufReader<Box<dyn Io>>,
    /// `host:port`, for messages.
    pub(super) server: String,
}

impl Session {
    /// A conversation over `io` with `server` (`host:port`, named in every error).
    pub(super) fn new(io: Box<dyn Io>, server: String) -> Self {
        Self {
            io: BufReader::new(io),
            server,
        }
    }

    /// `EHLO`, and what the server offers.
    pub(super) async fn ehlo(&mut self) -> Result<Offers> {
        let (code, lines) = self.send_line("EHLO ferry").await?;
        if code != 250 {
            bail!(
                "the SMTP server {} refused EHLO: {code} {}",
                self.server,
                lines.join(" ")
            );
        }
        let mut offers = Offers::default();
        // The first line is the server's name; each further line is one extension.
        for line in lines.iter().skip(1) {
            let upper = line.to_ascii_uppercase();
            let mut words = upper.split([' ', '=']);
            match words.next() {
                Some("STARTTLS") => offers.starttls = true,
                Some("AUTH") => offers.auth.extend(words.map(str::to_owned)),
                _ => {}
            }
        }
        Ok(offers)
    }

    /// `AUTH PLAIN`, or `AUTH LOGIN` when the server offers only that.
    pub(super) async fn authenticate(
        &mut self,
        offered: &[String],
        user: &str,
        password: &SecretString,
    ) -> Result<()> {
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let check = "check the user and password in alerts.email.smtp_url";
        let offers = |m: &str| offered.iter().any(|o| o == m);
        if offered.is_empty() || offers("PLAIN") {
            let token = b64(&format!("\0{user}\0{}", password.expose_secret()));
            self.command(
                &format!("AUTH PLAIN {token}"),
                235,
                &format!("AUTH PLAIN ({check})"),
            )
            .await
        } else if offers("LOGIN") {
            self.command("AUTH LOGIN", 334, "AUTH LOGIN").await?;
            self.command(
                &b64(user),
                334,
                &format!("the user of AUTH LOGIN ({check})"),
            )
            .await?;
            self.command(
                &b64(password.expose_secret()),
                235,
                &format!("AUTH LOGIN ({check})"),
            )
            .await
        } else {
            bail!(
                "the SMTP server {} offers AUTH {} but Ferry speaks only PLAIN and LOGIN: \
                 allow one of them at the server for this user",
                self.server,
                offered.join(" ")
            )
        }
    }

    /// Sends `line` and fails unless the reply is `code`; `what` names the step in the error.
    pub(super) async fn command(&mut self, line: &str, code: u16, what: &str) -> Result<()> {
        let (got, text) = self.send_line(line).await?;
        if got != code {
            bail!(
                "the SMTP server {} refused {what}: {got} {}",
                self.server,
                text.join(" ")
            );
        }
        Ok(())
    }

    /// Sends `line` and reads the reply.
    pub(super) async fn send_line(&mut self, line: &str) -> Result<(u16, Vec<String>)> {
        self.io.write_all(line.as_bytes()).await?;
        self.io.write_all(b"\r\n").await?;
        self.io.flush().await?;
        self.reply().await
    }

    /// Reads a reply and fails unless it is `code`.
    pub(super) async fn expect(&mut self, code: u16, what: &str) -> Result<()> {
        let (got, text) = self.reply().await?;
        if got != code {
            bail!(
                "the SMTP server {} refused {what}: {got} {}",
                self.server,
                text.join(" ")
            );
        }
        Ok(())
    }

    /// One reply, possibly multi-line (`250-...` lines then `250 ...`): its code and the text
    /// of each line.
    pub(super) async fn reply(&mut self) -> Result<(u16, Vec<String>)> {
        let mut texts = Vec::new();
        loop {
            let mut line = String::new();
            if (&mut self.io)
                .take(LONGEST_LINE)
                .read_line(&mut line)
                .await?
                == 0
            {
                bail!("the SMTP server {} closed the connection", self.server);
            }
            let line = line.trim_end();
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| {
                    anyhow!(
                        "the SMTP server {} answered something that is not SMTP",
                        self.server
                    )
                })?;
            texts.push(line.get(4..).unwrap_or_default().to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, texts));
            }
        }
    }
}
