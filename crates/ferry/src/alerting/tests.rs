//! Alerts over real sockets: a local HTTP receiver stands in for Slack, a tiny SMTP server
//! written here receives the email, and the queue is a real SQLite store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use base64::Engine as _;
use ferry_core::{ChangeNotice, FlowName, Operation, System, Timestamp};
use ferry_store::testing::fresh_sqlite_store;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice};
use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

type Inbox = Arc<Mutex<Vec<String>>>;

/// An HTTP server on 127.0.0.1 that records each request body and answers `status`.
async fn receiver(status: Arc<Mutex<u16>>) -> (String, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/T0/B0/secret",
        listener.local_addr().unwrap()
    );
    let inbox: Inbox = Arc::default();
    let bodies = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (bodies, status) = (bodies.clone(), status.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                // Keep-alive: several requests may come over one connection.
                loop {
                    let mut length = 0usize;
                    let mut request_line = String::new();
                    if read.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    assert!(
                        request_line.starts_with("POST /services/T0/B0/secret "),
                        "{request_line}"
                    );
                    loop {
                        let mut line = String::new();
                        read.read_line(&mut line).await.unwrap();
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    read.read_exact(&mut body).await.unwrap();
                    let code = *status.lock().unwrap();
                    if code == 200 {
                        bodies
                            .lock()
                            .unwrap()
                            .push(String::from_utf8(body).unwrap());
                    }
                    let reply = format!("HTTP/1.1 {code} X\r\ncontent-length: 2\r\n\r\nok");
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (url, inbox)
}

/// How a test SMTP server protects its conversation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Offer {
    /// Plain SMTP, no STARTTLS.
    Plain,
    /// Plain at first, STARTTLS offered.
    StartTls,
    /// TLS from the first byte.
    Implicit,
}

/// A test SMTP server: the messages it accepted (each with the `AUTH` and envelope lines that
/// came before it) and every command it read, marked `plain` or `tls`.
struct MailServer {
    port: u16,
    inbox: Inbox,
    commands: Inbox,
    /// The PEM of the CA that signed its certificate (for localhost, 127.0.0.1 and ::1).
    ca_pem: String,
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

/// A minimal SMTP server on 127.0.0.1 speaking `offer`, offering the `AUTH` mechanisms `auth`
/// (before TLS too, to tempt a careless client).
async fn smtp_server(offer: Offer, auth: &'static str) -> MailServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let certificate = ferry_sandbox::tls::SelfSigned::generate(None).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(certificate.server_config.clone());
    let (inbox, commands): (Inbox, Inbox) = (Arc::default(), Arc::default());
    let (log, seen) = (inbox.clone(), commands.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (log, seen, acceptor) = (log.clone(), seen.clone(), acceptor.clone());
            tokio::spawn(async move {
                let mut encrypted = offer == Offer::Implicit;
                let io: Box<dyn Io> = if encrypted {
                    // A client that does not trust the certificate hangs up here.
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    Box::new(tls)
                } else {
                    Box::new(stream)
                };
                let mut io = BufReader::new(io);
                io.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut transcript = String::new();
                loop {
                    let mut line = String::new();
                    if io.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let phase = if encrypted { "tls" } else { "plain" };
                    let command = line.trim_end().to_owned();
                    let upper = command.to_ascii_uppercase();
                    let mut note = command.clone();
                    let answer: Vec<u8> = if upper.starts_with("EHLO") {
                        let starttls = if offer == Offer::StartTls && !encrypted {
                            "250-STARTTLS\r\n"
                        } else {
                            ""
                        };
                        format!("250-test\r\n{starttls}250 AUTH {auth}\r\n").into_bytes()
                    } else if upper == "STARTTLS" && offer == Offer::StartTls && !encrypted {
                        seen.lock().unwrap().push(format!("{phase} {command}"));
                        io.write_all(b"220 go ahead\r\n").await.unwrap();
                        let Ok(tls) = acceptor.accept(io.into_inner()).await else {
                            return;
                        };
                        io = BufReader::new(Box::new(tls));
                        encrypted = true;
                        continue;
                    } else if let Some(token) = command.strip_prefix("AUTH PLAIN ") {
                        let decoded = decode(token);
                        note = format!("AUTH PLAIN {}", decoded.trim_start_matches('|'));
                        transcript.push_str(&format!("AUTH {decoded}\n"));
                        b"235 ok\r\n".to_vec()
                    } else if upper == "AUTH LOGIN" {
                        io.write_all(b"334 VXNlcm5hbWU6\r\n").await.unwrap();
                        let mut user = String::new();
                        io.read_line(&mut user).await.unwrap();
                        io.write_all(b"334 UGFzc3dvcmQ6\r\n").await.unwrap();
                        let mut password = String::new();
                        io.read_line(&mut password).await.unwrap();
                        let login = format!("{}|{}", decode(user.trim()), decode(password.trim()));
                        note = format!("AUTH LOGIN {login}");
                        transcript.push_str(&format!("AUTH LOGIN {login}\n"));
                        b"235 ok\r\n".to_vec()
                    } else if upper.starts_with("MAIL FROM:") || upper.starts_with("RCPT TO:") {
                        transcript.push_str(&command);
                        transcript.push('\n');
                        b"250 ok\r\n".to_vec()
                    } else if upper == "DATA" {
                        io.write_all(b"354 go on\r\n").await.unwrap();
                        loop {
                            let mut data = String::new();
                            io.read_line(&mut data).await.unwrap();
                            if data == ".\r\n" {
                                break;
                            }
                            transcript.push_str(&data);
                        }
                        log.lock().unwrap().push(std::mem::take(&mut transcript));
                        b"250 queued\r\n".to_vec()
                    } else if upper == "QUIT" {
                        seen.lock().unwrap().push(format!("{phase} {command}"));
                        io.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"500 what\r\n".to_vec()
                    };
                    seen.lock().unwrap().push(format!("{phase} {note}"));
                    io.write_all(&answer).await.unwrap();
                }
            });
        }
    });
    MailServer {
        port,
        inbox,
        commands,
        ca_pem: certificate.ca_pem,
    }
}

/// Base64 to text, NULs shown as `|`.
fn decode(token: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .unwrap();
    String::from_utf8(bytes).unwrap().replace('\0', "|")
}

fn lag_rules() -> Rules {
    Rules {
        window_seconds: 600,
        dead_letters_growth: None,
        lag_seconds: Some(60),
        error_rate: None,
        error_rate_min_records: 20,
        outage_minutes: None,
        api_budget_below: None,
        breaker_open_minutes: None,
    }
}

/// One waiting item of flow `orders`, enqueued now.
async fn enqueue_one(store: &Arc<dyn Store>) {
    store
        .append(AppendBatch {
            notices: vec![RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source: System::Brightpearl,
                    object: "order".into(),
                    record_id: "1001".into(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload: serde_json::json!({}),
                },
                flows: vec![FlowName::new("orders").unwrap()],
            }],
            checkpoints: vec![],
        })
        .await
        .unwrap();
}

/// Leases and acknowledges everything waiting: the queue is empty afterwards.
async fn drain(store: &Arc<dyn Store>) {
    let leased = store
        .lease(&LeaseRequest {
            worker: "test".into(),
            limit: 100,
            lease_for: Duration::from_secs(60),
            flows: vec![],
            tenant: None,
            max_attempts: 10,
        })
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    let refs: Vec<LeaseRef> = leased.iter().map(LeaseRef::from).collect();
    store.ack(&refs).await.unwrap();
}

fn no_metrics() -> MetricsText {
    Box::new(String::new)
}

fn now() -> i64 {
    Timestamp::now().to_datetime().unix_timestamp()
}

#[tokio::test]
async fn one_slack_notice_while_the_lag_holds_and_one_recovery_after() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let (url, inbox) = receiver(Arc::new(Mutex::new(200))).await;
    let slack = Slack::new(SecretString::from(url)).unwrap();
    let mut alerting = Alerting::new(
        lag_rules(),
        store.clone(),
        TenantId::default_tenant(),
        Some(slack),
        None,
    );
    let (board, metrics) = (SourceBoard::default(), no_metrics());
    enqueue_one(&store).await;
    let start = now();
    // Below the threshold: nothing.
    assert_eq!(
        alerting
            .check_at(start + 10, &board, &metrics)
            .await
            .unwrap(),
        0
    );
    assert!(inbox.lock().unwrap().is_empty());
    // Above it, across several checks: exactly one notice.
    for offset in [70, 100, 130, 160] {
        alerting
            .check_at(start + offset, &board, &metrics)
            .await
            .unwrap();
    }
    {
        let got = inbox.lock().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        let body: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with("[FIRING] lag_seconds: orders"), "{text}");
        assert!(text.contains("oldest of 1 waiting items"), "{text}");
    }
    // The item is processed: one recovery, then silence.
    drain(&store).await;
    for offset in [190, 220, 250] {
        alerting
            .check_at(start + offset, &board, &metrics)
            .await
            .unwrap();
    }
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].contains("[RECOVERED] lag_seconds: orders"),
        "{}",
        got[1]
    );
}

#[tokio::test]
async fn an_undelivered_notice_is_sent_at_the_next_check() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let status = Arc::new(Mutex::new(503));
    let (url, inbox) = receiver(status.clone()).await;
    let slack = Slack::new(SecretString::from(url)).unwrap();
    let mut alerting = Alerting::new(
        lag_rules(),
        store.clone(),
        TenantId::default_tenant(),
        Some(slack),
        None,
    );
    let (board, metrics) = (SourceBoard::default(), no_metrics());
    enqueue_one(&store).await;
    let start = now();
    assert_eq!(
        alerting
            .check_at(start + 70, &board, &metrics)
            .await
            .unwrap(),
        0
    );
    assert!(inbox.lock().unwrap().is_empty());
    *status.lock().unwrap() = 200;
    assert_eq!(
        alerting
            .check_at(start + 100, &board, &metrics)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        alerting
            .check_at(start + 130, &board, &metrics)
            .await
            .unwrap(),
        0
    );
    assert_eq!(inbox.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn email_goes_out_over_smtp_with_auth_and_every_recipient() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    // A relay on this machine: plain SMTP, with a password, is allowed.
    let MailServer { port, inbox, .. } = smtp_server(Offer::Plain, "PLAIN").await;
    let server = SmtpServer::parse(
        &format!("smtp://alerts:p%40ss@127.0.0.1:{port}"),
        SmtpOptions::default(),
    )
    .unwrap();
    let email = Email::new(
        server,
        "ferry@example.com".into(),
        vec!["ops@example.com".into(), "oncall@example.org".into()],
    );
    let mut alerting = Alerting::new(
        lag_rules(),
        store.clone(),
        TenantId::default_tenant(),
        None,
        Some(email),
    );
    let (board, metrics) = (SourceBoard::default(), no_metrics());
    enqueue_one(&store).await;
    let start = now();
    for offset in [70, 100] {
        alerting
            .check_at(start + offset, &board, &metrics)
            .await
            .unwrap();
    }
    drain(&store).await;
    alerting
        .check_at(start + 130, &board, &metrics)
        .await
        .unwrap();
    let mails = inbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let first = &mails[0];
    assert!(first.contains("AUTH |alerts|p@ss\n"), "{first}");
    assert!(first.contains("MAIL FROM:<ferry@example.com>\n"), "{first}");
    assert!(
        first.contains("RCPT TO:<ops@example.com>\nRCPT TO:<oncall@example.org>\n"),
        "{first}"
    );
    assert!(
        first.contains("Subject: Ferry [FIRING] lag_seconds: orders\r\n"),
        "{first}"
    );
    assert!(
        first.contains("To: ops@example.com, oncall@example.org\r\n"),
        "{first}"
    );
    assert!(first.contains("oldest of 1 waiting items"), "{first}");
    assert!(
        mails[1].contains("Subject: Ferry [RECOVERED] lag_seconds: orders"),
        "{}",
        mails[1]
    );
}

#[tokio::test]
async fn an_outage_on_the_source_board_and_the_error_rate_from_metrics_are_seen() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let (url, inbox) = receiver(Arc::new(Mutex::new(200))).await;
    let rules = Rules {
        window_seconds: 600,
        dead_letters_growth: None,
        lag_seconds: None,
        error_rate: Some(0.5),
        error_rate_min_records: 2,
        outage_minutes: Some(1),
        api_budget_below: None,
        breaker_open_minutes: None,
    };
    let mut alerting = Alerting::new(
        rules,
        store,
        TenantId::default_tenant(),
        Some(Slack::new(SecretString::from(url)).unwrap()),
        None,
    );
    let board = SourceBoard::default();
    board.register("poll:brightpearl:product", "poll", vec!["products".into()]);
    board.record(
        "poll:brightpearl:product",
        Err("503 Service Unavailable".into()),
    );
    let counts = Arc::new(Mutex::new((0u64, 0u64)));
    let shared = counts.clone();
    let metrics: MetricsText = Box::new(move || {
        let (ok, failed) = *shared.lock().unwrap();
        format!(
            "ferry_flow_records_total{{flow=\"products\",outcome=\"updated\"}} {ok}\n\
             ferry_flow_records_total{{flow=\"products\",outcome=\"failed\"}} {failed}\n"
        )
    });
    let start = now();
    alerting.check_at(start, &board, &metrics).await.unwrap();
    *counts.lock().unwrap() = (1, 3);
    alerting
        .check_at(start + 61, &board, &metrics)
        .await
        .unwrap();
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got.iter()
            .any(|b| b.contains("[FIRING] error_rate: products")),
        "{got:?}"
    );
    assert!(
        got.iter().any(
            |b| b.contains("[FIRING] outage_minutes: poll:brightpearl:product")
                && b.contains("503 Service Unavailable")
        ),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_low_api_budget_and_an_open_breaker_from_metrics_are_sent_once_and_recover() {
    let (store, _dir) = fresh_sqlite_store().await;
    let store: Arc<dyn Store> = store;
    let (url, inbox) = receiver(Arc::new(Mutex::new(200))).await;
    let rules = Rules {
        window_seconds: 600,
        dead_letters_growth: None,
        lag_seconds: None,
        error_rate: None,
        error_rate_min_records: 20,
        outage_minutes: None,
        api_budget_below: Some(0.1),
        breaker_open_minutes: Some(1),
    };
    let mut alerting = Alerting::new(
        rules,
        store,
        TenantId::default_tenant(),
        Some(Slack::new(SecretString::from(url)).unwrap()),
        None,
    );
    let board = SourceBoard::default();
    // (calls left of 200, breaker open)
    let reading = Arc::new(Mutex::new((150u64, 0u8)));
    let shared = reading.clone();
    let metrics: MetricsText = Box::new(move || {
        let (left, open) = *shared.lock().unwrap();
        format!(
            "ferry_api_budget_remaining{{budget=\"brightpearl:acme\"}} {left}\n\
             ferry_api_budget_limit{{budget=\"brightpearl:acme\"}} 200\n\
             ferry_api_breaker_open{{api=\"brightpearl\",family=\"product\"}} {open}\n"
        )
    });
    let start = now();
    alerting.check_at(start, &board, &metrics).await.unwrap();
    *reading.lock().unwrap() = (12, 1);
    alerting
        .check_at(start + 30, &board, &metrics)
        .await
        .unwrap();
    alerting
        .check_at(start + 90, &board, &metrics)
        .await
        .unwrap();
    alerting
        .check_at(start + 120, &board, &metrics)
        .await
        .unwrap();
    *reading.lock().unwrap() = (180, 0);
    alerting
        .check_at(start + 150, &board, &metrics)
        .await
        .unwrap();
    let got = inbox.lock().unwrap().clone();
    let tags: Vec<&str> = got
        .iter()
        .map(|b| {
            if b.contains("[FIRING] api_budget_below: brightpearl:acme") {
                "budget firing"
            } else if b.contains("[RECOVERED] api_budget_below: brightpearl:acme") {
                "budget recovered"
            } else if b.contains("[FIRING] breaker_open_minutes: brightpearl/product") {
                "breaker firing"
            } else if b.contains("[RECOVERED] breaker_open_minutes: brightpearl/product") {
                "breaker recovered"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(
        tags,
        vec![
            "budget firing",
            "breaker firing",
            "budget recovered",
            "breaker recovered"
        ],
        "{got:?}"
    );
    assert!(got[0].contains("12 of 200 calls left"), "{got:?}");
}

fn trusting(ca_pem: &str, require_tls: Option<bool>) -> SmtpOptions {
    SmtpOptions {
        require_tls,
        ca_pem: Some(ca_pem.to_owned()),
    }
}

async fn send_one(server: &SmtpServer) -> Result<()> {
    server
        .send(
            "ferry@example.com",
            &["ops@example.com".to_owned()],
            "Ferry [FIRING] lag_seconds: orders",
            "the oldest of 1 waiting items has waited 2 min",
        )
        .await
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[tokio::test]
async fn starttls_with_the_ca_file_delivers_and_credentials_wait_for_the_handshake() {
    let mail = smtp_server(Offer::StartTls, "PLAIN LOGIN").await;
    let server = SmtpServer::parse(
        &format!("smtp://alerts:s3cret@localhost:{}", mail.port),
        trusting(&mail.ca_pem, Some(true)),
    )
    .unwrap();
    send_one(&server).await.unwrap();
    let commands = mail.commands.lock().unwrap().clone();
    assert_eq!(
        commands,
        vec![
            "plain EHLO ferry",
            "plain STARTTLS",
            "tls EHLO ferry",
            "tls AUTH PLAIN alerts|s3cret",
            "tls MAIL FROM:<ferry@example.com>",
            "tls RCPT TO:<ops@example.com>",
            "tls DATA",
            "tls QUIT",
        ]
    );
    let inbox = mail.inbox.lock().unwrap().clone();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert!(
        inbox[0].contains("Subject: Ferry [FIRING] lag_seconds: orders\r\n"),
        "{}",
        inbox[0]
    );
}

#[tokio::test]
async fn smtps_speaks_tls_from_the_first_byte_and_logs_in_when_only_login_is_offered() {
    let mail = smtp_server(Offer::Implicit, "LOGIN").await;
    let server = SmtpServer::parse(
        &format!("smtps://alerts:s3cret@127.0.0.1:{}", mail.port),
        trusting(&mail.ca_pem, None),
    )
    .unwrap();
    send_one(&server).await.unwrap();
    let commands = mail.commands.lock().unwrap().clone();
    assert_eq!(
        commands[..3],
        [
            "tls EHLO ferry",
            "tls AUTH LOGIN alerts|s3cret",
            "tls MAIL FROM:<ferry@example.com>",
        ],
        "{commands:?}"
    );
    assert_eq!(mail.inbox.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_remote_server_without_starttls_is_refused_and_never_sees_the_password() {
    let mail = smtp_server(Offer::Plain, "PLAIN").await;
    // By name a remote host (the connection goes to the test server on 127.0.0.1).
    let url = "smtp://alerts:s3cret@mail.example.com:2525";
    let server = SmtpServer::parse(url, SmtpOptions::default())
        .unwrap()
        .connecting_to(local(mail.port));
    let err = send_one(&server).await.unwrap_err().to_string();
    assert_eq!(
        err,
        "the SMTP server mail.example.com:2525 does not offer STARTTLS, and Ferry sends mail \
         in clear only to a relay on this machine (localhost, 127.0.0.1 or ::1): use smtps:// \
         if the server takes implicit TLS (usually port 465), turn STARTTLS on at the server, \
         or send through a relay on this machine; for a relay on a trusted private network, \
         alerts.email.require_tls = false sends mail in clear (but never a password)"
    );
    // require_tls = false: mail may go in clear on a trusted network, the password never.
    let server = SmtpServer::parse(
        url,
        SmtpOptions {
            require_tls: Some(false),
            ca_pem: None,
        },
    )
    .unwrap()
    .connecting_to(local(mail.port));
    let err = send_one(&server).await.unwrap_err().to_string();
    assert!(
        err.contains("would cross the network in clear, which Ferry never does"),
        "{err}"
    );
    let commands = mail.commands.lock().unwrap().clone();
    assert!(
        commands
            .iter()
            .all(|c| !c.contains("AUTH") && !c.contains("MAIL")),
        "{commands:?}"
    );
    assert!(mail.inbox.lock().unwrap().is_empty());
    // Without credentials the trusted-network relay takes the mail.
    let server = SmtpServer::parse(
        "smtp://mail.example.com:2525",
        SmtpOptions {
            require_tls: Some(false),
            ca_pem: None,
        },
    )
    .unwrap()
    .connecting_to(local(mail.port));
    send_one(&server).await.unwrap();
    assert_eq!(mail.inbox.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_certificate_for_another_name_or_from_an_unknown_ca_is_refused() {
    let mail = smtp_server(Offer::StartTls, "PLAIN").await;
    // The test certificate is made out to localhost, not mail.example.com.
    let server = SmtpServer::parse(
        "smtp://alerts:s3cret@mail.example.com:587",
        trusting(&mail.ca_pem, None),
    )
    .unwrap()
    .connecting_to(local(mail.port));
    let err = send_one(&server).await.unwrap_err().to_string();
    assert!(
        err.starts_with("the TLS handshake with the SMTP server mail.example.com:587 failed")
            && err.contains("not valid for name")
            && err.contains("\"mail.example.com\", the host of alerts.email.smtp_url"),
        "{err}"
    );
    // The system's CAs do not know the test CA.
    let mail_tls = smtp_server(Offer::Implicit, "PLAIN").await;
    let server = SmtpServer::parse(
        &format!("smtps://localhost:{}", mail_tls.port),
        SmtpOptions::default(),
    )
    .unwrap();
    let err = send_one(&server).await.unwrap_err().to_string();
    assert!(err.contains("alerts.email.ca_file"), "{err}");
    let commands = mail.commands.lock().unwrap().clone();
    assert!(
        commands
            .iter()
            .all(|c| !c.contains("AUTH") && !c.contains("MAIL")),
        "{commands:?}"
    );
    assert!(mail.inbox.lock().unwrap().is_empty() && mail_tls.inbox.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_local_relay_whose_starttls_certificate_is_not_trusted_still_gets_the_mail() {
    // Like a Postfix on this machine with its self-signed "snakeoil" certificate.
    let mail = smtp_server(Offer::StartTls, "PLAIN").await;
    let server = SmtpServer::parse(
        &format!("smtp://alerts:s3cret@127.0.0.1:{}", mail.port),
        SmtpOptions::default(),
    )
    .unwrap();
    send_one(&server).await.unwrap();
    let commands = mail.commands.lock().unwrap().clone();
    assert_eq!(
        commands[..4],
        [
            "plain EHLO ferry",
            "plain STARTTLS",
            "plain EHLO ferry",
            "plain AUTH PLAIN alerts|s3cret",
        ],
        "{commands:?}"
    );
    assert_eq!(mail.inbox.lock().unwrap().len(), 1);
}
