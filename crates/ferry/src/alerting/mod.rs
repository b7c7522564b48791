//! Alerts for `ferry serve`: every `alerts.check_every_seconds` a snapshot of the queue (per
//! flow from the store), the record counters, API budgets and circuit breakers (from the
//! metrics recorder) and the capture sources (from the source board) is judged by [`ferry_engine::alerts::evaluate`]; the notices
//! go to a Slack-compatible webhook and by email over SMTP (TLS required beyond this machine). A notice that cannot be delivered
//! is tried again at the next check (at most [`OUTBOX`] wait per destination).

mod session;
mod smtp;
mod tls;

use crate::connectors::Secrets;
use crate::context::Context;
use anyhow::{Result, anyhow};
use ferry_config::AlertsConfig;
use ferry_core::TenantId;
use ferry_engine::alerts::{AlertState, FlowSample, Notice, Rules, Snapshot, SourceSample};
use ferry_server::SourceBoard;
use ferry_store::Store;
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub(crate) use smtp::{SmtpOptions, SmtpServer};

/// Undelivered notices kept per destination; older ones are dropped (and logged) beyond it.
const OUTBOX: usize = 100;

/// The Prometheus text of this process's metrics (for the record counters).
pub(crate) type MetricsText = Box<dyn Fn() -> String + Send + Sync>;

/// A Slack-compatible incoming webhook.
pub(crate) struct Slack {
    client: ferry_http::reqwest::Client,
    url: SecretString,
}

impl Slack {
    /// A sender to `url` (a secret: it is never logged).
    pub(crate) fn new(url: SecretString) -> Result<Self> {
        let client = ferry_http::client_builder(None)
            .map_err(|e| anyhow!("alerts: {e}"))?
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| anyhow!("alerts: cannot build the HTTP client: {e}"))?;
        Ok(Self { client, url })
    }

    /// POSTs `{"text": text}`.
    pub(crate) async fn send(&self, text: &str) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({ "text": text }))?;
        let response = self
            .client
            .post(self.url.expose_secret())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            // The URL is the credential: keep it out of the message.
            .map_err(|e| anyhow!("the Slack webhook did not answer: {}", e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let text: String = text.chars().take(200).collect();
            return Err(anyhow!(
                "the Slack webhook answered {status}: {text} (check alerts.slack_webhook_url)"
            ));
        }
        Ok(())
    }
}

/// Email over SMTP.
pub(crate) struct Email {
    server: SmtpServer,
    from: String,
    to: Vec<String>,
}

impl Email {
    /// A sender through `server` from `from` to `to`.
    pub(crate) fn new(server: SmtpServer, from: String, to: Vec<String>) -> Self {
        Self { server, from, to }
    }

    async fn send(&self, notice: &Notice) -> Result<()> {
        let body = format!(
            "{}\n\nSent by Ferry's alerts ([alerts] in ferry.toml).\n",
            notice.text
        );
        self.server
            .send(
                &self.from,
                &self.to,
                &format!("Ferry {}", notice.subject()),
                &body,
            )
            .await
    }
}

/// The alert task of one deployment.
pub(crate) struct Alerting {
    rules: Rules,
    every: Duration,
    store: Arc<dyn Store>,
    tenant: TenantId,
    slack: Option<(Slack, VecDeque<Notice>)>,
    email: Option<(Email, VecDeque<Notice>)>,
    state: AlertState,
}

/// The rules of `[alerts]`.
pub(crate) fn rules(config: &AlertsConfig) -> Rules {
    Rules {
        window_seconds: i64::try_from(config.window_minutes.saturating_mul(60)).unwrap_or(86_400),
        dead_letters_growth: config.dead_letters_growth,
        lag_seconds: config.lag_seconds,
        error_rate: config.error_rate,
        error_rate_min_records: config.error_rate_min_records,
        outage_minutes: config.outage_minutes,
        api_budget_below: config.api_budget_below,
        breaker_open_minutes: config.breaker_open_minutes,
    }
}

impl Alerting {
    /// The task `[alerts]` asks for, with its secrets resolved; `None` without `[alerts]`.
    pub(crate) async fn from_config(
        context: &Context,
        store: &Arc<dyn Store>,
        tenant: &TenantId,
    ) -> Result<Option<Self>> {
        let Some(config) = &context.config.alerts else {
            return Ok(None);
        };
        let secrets = Secrets::new(context, store.clone(), tenant.clone());
        let slack = match &config.slack_webhook_url {
            Some(reference) => Some(Slack::new(
                secrets
                    .get("alerts.slack_webhook_url", Some(reference))
                    .await?,
            )?),
            None => None,
        };
        let email = match &config.email {
            Some(mail) => {
                let url = secrets
                    .get("alerts.email.smtp_url", Some(&mail.smtp_url))
                    .await?;
                let ca_pem = match &mail.ca_file {
                    Some(file) => {
                        let path = context.config.resolve(file);
                        Some(std::fs::read_to_string(&path).map_err(|e| {
                            anyhow!(
                                "alerts.email.ca_file {}: the certificate authority file \
                                 cannot be read ({e})",
                                path.display()
                            )
                        })?)
                    }
                    None => None,
                };
                let options = SmtpOptions {
                    require_tls: mail.require_tls,
                    ca_pem,
                };
                let server = SmtpServer::parse(url.expose_secret(), options)?;
                Some(Email::new(server, mail.from.clone(), mail.to.clone()))
            }
            None => None,
        };
        let mut alerting = Self::new(rules(config), store.clone(), tenant.clone(), slack, email);
        alerting.every = Duration::from_secs(config.check_every_seconds.max(1));
        Ok(Some(alerting))
    }

    /// A task judging `rules` over `tenant`'s queue, sending to `slack` and `email`.
    pub(crate) fn new(
        rules: Rules,
        store: Arc<dyn Store>,
        tenant: TenantId,
        slack: Option<Slack>,
        email: Option<Email>,
    ) -> Self {
        Self {
            rules,
            every: Duration::from_secs(30),
            store,
            tenant,
            slack: slack.map(|s| (s, VecDeque::new())),
            email: email.map(|e| (e, VecDeque::new())),
            state: AlertState::default(),
        }
    }

    /// Checks every `check_every_seconds` until `stopped` turns true.
    pub(crate) async fn run(
        mut self,
        board: SourceBoard,
        metrics: MetricsText,
        mut stopped: watch::Receiver<bool>,
    ) {
        tracing::info!(every = ?self.every, "alerts started");
        loop {
            let now = ferry_core::Timestamp::now().to_datetime().unix_timestamp();
            match self.check_at(now, &board, &metrics).await {
                Ok(notices) if notices > 0 => tracing::info!(notices, "alert notices sent"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "alert check failed; trying again next time"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                _ = stopped.wait_for(|s| *s) => break,
            }
            if *stopped.borrow() {
                break;
            }
        }
    }

    /// One check at `now` (Unix seconds): snapshot, judge, deliver. Returns how many notices
    /// were delivered (to at least one destination).
    pub(crate) async fn check_at(
        &mut self,
        now: i64,
        board: &SourceBoard,
        metrics: &MetricsText,
    ) -> Result<usize> {
        let snapshot = self.snapshot(now, board, metrics).await?;
        let notices = ferry_engine::alerts::evaluate(&self.rules, &mut self.state, &snapshot);
        for notice in &notices {
            tracing::warn!(alert = %notice, "alert");
        }
        let mut delivered = 0;
        if let Some((slack, outbox)) = &mut self.slack {
            enqueue(outbox, &notices, "Slack");
            while let Some(notice) = outbox.front() {
                match slack.send(&notice.to_string()).await {
                    Ok(()) => {
                        outbox.pop_front();
                        delivered += 1;
                    }
                    Err(error) => {
                        tracing::warn!(%error, waiting = outbox.len(), "alert not delivered to Slack; will retry");
                        break;
                    }
                }
            }
        }
        if let Some((email, outbox)) = &mut self.email {
            enqueue(outbox, &notices, "email");
            while let Some(notice) = outbox.front() {
                match email.send(notice).await {
                    Ok(()) => {
                        outbox.pop_front();
                        delivered += 1;
                    }
                    Err(error) => {
                        tracing::warn!(%error, waiting = outbox.len(), "alert not delivered by email; will retry");
                        break;
                    }
                }
            }
        }
        Ok(delivered)
    }

    async fn snapshot(
        &self,
        now: i64,
        board: &SourceBoard,
        metrics: &MetricsText,
    ) -> Result<Snapshot> {
        let stats = self
            .store
            .stats(Some(&self.tenant))
            .await
            .map_err(|e| anyhow!("alerts cannot read the queue counts: {e}"))?;
        let text = metrics();
        let counters = ferry_engine::alerts::flow_counters_from_prometheus(&text);
        let (budgets, breakers) = ferry_engine::alerts::api_from_prometheus(&text);
        let mut flows: BTreeMap<String, FlowSample> = BTreeMap::new();
        for s in stats {
            let sample = flows.entry(s.flow.as_str().to_owned()).or_default();
            sample.pending += s.pending;
            sample.dead += s.dead;
            let oldest = s
                .oldest_enqueued_at
                .map(|t| t.to_datetime().unix_timestamp());
            sample.oldest_pending_at = match (sample.oldest_pending_at, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for (flow, (processed, failed)) in counters {
            let sample = flows.entry(flow).or_default();
            sample.processed = processed;
            sample.failed = failed;
        }
        let flows = flows
            .into_iter()
            .map(|(flow, mut sample)| {
                sample.flow = flow;
                sample
            })
            .collect();
        let sources = board
            .all()
            .into_iter()
            .map(|(name, status)| SourceSample {
                name,
                error: status.last_error,
                last_success_at: status
                    .last_success_at
                    .map(|t| t.to_datetime().unix_timestamp()),
            })
            .collect();
        Ok(Snapshot {
            at: now,
            flows,
            sources,
            budgets,
            breakers,
        })
    }
}

fn enqueue(outbox: &mut VecDeque<Notice>, notices: &[Notice], to: &str) {
    outbox.extend(notices.iter().cloned());
    while outbox.len() > OUTBOX {
        if let Some(dropped) = outbox.pop_front() {
            tracing::error!(alert = %dropped, "alert dropped: {to} has been unreachable too long");
        }
    }
}

#[cfg(test)]
mod tests;
