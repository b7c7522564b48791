//! The transport: one place where every outside call is admitted, metered, authenticated,
//! timed, classified and retried.

use crate::breaker::{Admit, BreakerConfig, BreakerState, Breakers};
use crate::budget::{Budget, Reading};
use crate::call::snippet;
use crate::stats::{Recorder, Stats};
use crate::{Call, Error, Rejection, Reply};
use async_trait::async_trait;
use ferry_core::RetryPolicy;
use reqwest::header::HeaderMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// What an answer means, as the API that sent it defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A usable answer.
    Ok,
    /// Too many requests: wait this long, then send the same call again. Says nothing about the
    /// endpoint's health and is never an error by itself.
    Throttled {
        /// How long to wait.
        wait: Duration,
    },
    /// A failure that may pass (5xx, lock contention, gateway pages).
    Transient {
        /// The API's error code, or `HTTP_<status>`.
        code: String,
        /// The API's message.
        message: String,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
        /// True when the server surely did not act on the request (a gateway refused it, a
        /// lock was not obtained), so even a create may be sent again.
        not_applied: bool,
    },
    /// The session or token was refused: renew the credentials and try once more.
    Reauthenticate {
        /// The server's message.
        message: String,
    },
    /// A refusal that repeating will not change.
    Permanent {
        /// The API's error code.
        code: String,
        /// The API's message.
        message: String,
    },
}

/// The wire facts of one API that the transport needs.
pub trait Api: Send + Sync + 'static {
    /// `brightpearl` or `salesforce`: the label of metrics, spans and errors.
    fn name(&self) -> &'static str;
    /// What an answer means.
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict;
    /// What the answer's headers say about the rate budget, if anything.
    fn reading(&self, headers: &HeaderMap) -> Option<Reading>;
}

/// Credentials that are added to every attempt and renewed when refused.
#[async_trait]
pub trait Auth: Send + Sync {
    /// Adds the credentials to `headers`; returns their generation (bumped by each renewal).
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<u64, Error>;
    /// The server refused the credentials of `generation`. Renew them unless a concurrent
    /// caller already has (the generation moved on).
    async fn renew(&self, generation: u64) -> Result<(), Error>;
    /// False for fixed credentials (an account token) that renewing cannot change: a refusal
    /// then fails the call at once instead of after a second, identical request.
    fn renewable(&self) -> bool {
        true
    }
}

/// No credentials (token endpoints, public resources).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Auth for NoAuth {
    async fn authorize(&self, _headers: &mut HeaderMap) -> Result<u64, Error> {
        Ok(0)
    }
    async fn renew(&self, _generation: u64) -> Result<(), Error> {
        Ok(())
    }
    fn renewable(&self) -> bool {
        false
    }
}

/// How patient the transport is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportConfig {
    /// One request's timeout (connect + send + whole answer).
    pub timeout: Duration,
    /// Attempts and backoff for transient failures.
    pub retry: RetryPolicy,
    /// The longest one call may take in all, waits included; past it the call fails with
    /// [`Error::GaveUp`] or [`Error::CircuitOpen`] and the engine retries the work later.
    pub patience: Duration,
    /// The circuit breakers' settings.
    pub breaker: BreakerConfig,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            retry: RetryPolicy {
                max_attempts: 8,
                base_delay: Duration::from_millis(250),
                max_delay: Duration::from_secs(30),
            },
            patience: Duration::from_secs(300),
            breaker: BreakerConfig::default(),
        }
    }
}

/// Sends calls for one API account. Cheap to share (`Arc`); all fields are thread-safe.
pub struct Transport {
    /// The API's wire rules.
    api: Arc<dyn Api>,
    /// The pooled HTTP client.
    client: reqwest::Client,
    /// The account's budget, shared with every other transport of the account.
    budget: Arc<Budget>,
    /// Credentials for every attempt.
    auth: Arc<dyn Auth>,
    /// One breaker per endpoint family.
    breakers: Breakers,
    config: TransportConfig,
    stats: Recorder,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("api", &self.api.name())
            .field("budget", &self.budget.key())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport for `api` over `client`.
    pub fn new(
        api: Arc<dyn Api>,
        client: reqwest::Client,
        budget: Arc<Budget>,
        auth: Arc<dyn Auth>,
        config: TransportConfig,
    ) -> Self {
        Self {
            api,
            client,
            budget,
            auth,
            breakers: Breakers::new(config.breaker),
            config,
            stats: Recorder::default(),
        }
    }

    /// The API's name.
    pub fn api(&self) -> &'static str {
        self.api.name()
    }

    /// The account's budget.
    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// The underlying HTTP client (for calls that must bypass the budget, such as token
    /// requests to a login host).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats.snapshot()
    }

    /// Every endpoint family's breaker state.
    pub fn breakers(&self) -> Vec<(String, BreakerState)> {
        self.breakers.states()
    }

    /// Sends `call`, retrying transient failures, and returns the first usable answer.
    pub async fn send(&self, call: &Call) -> Result<Reply, Error> {
        let span = tracing::debug_span!(
            "api_call",
            api = self.api.name(),
            family = %call.family,
            call = %call.label(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.send_inner(call).instrument(span).await
    }

    async fn send_inner(&self, call: &Call) -> Result<Reply, Error> {
        let api = self.api.name();
        let label = call.label();
        let started = Instant::now();
        let breaker = self.breakers.get(&call.family);
        let mut failed_attempts = 0u32;
        let mut renewed = false;
        loop {
            match breaker.admit() {
                Admit::Go | Admit::Probe => {}
                Admit::Wait {
                    retry_in,
                    last_failure,
                } => {
                    if started.elapsed() + retry_in > self.config.patience {
                        return Err(Error::CircuitOpen {
                            api,
                            family: call.family.clone(),
                            retry_in,
                            last_failure,
                        });
                    }
                    tokio::time::sleep(retry_in).await;
                    continue;
                }
            }
            if let Err(source) = self.budget.acquire(call.cost).await {
                breaker.neutral();
                return Err(Error::Budget { api, label, source });
            }
            let mut headers = call.headers.clone();
            let generation = match self.auth.authorize(&mut headers).await {
                Ok(generation) => generation,
                Err(e) => {
                    breaker.neutral();
                    return Err(e);
                }
            };
            let mut request = self
                .client
                .request(call.method.clone(), &call.url)
                .headers(headers)
                .timeout(call.timeout.unwrap_or(self.config.timeout));
            if let Some(body) = &call.body {
                request = request.body(body.clone());
            }
            let sent_at = Instant::now();
            let outcome = async {
                let response = request.send().await?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, headers, body))
            }
            .await;
            let took = sent_at.elapsed();

            // Why this attempt failed transiently, and the server's hint for when to retry.
            let (failure, retry_after) = match outcome {
                Err(e) => {
                    // A refused connection never reached the server; anything later may have.
                    let reached_server = !e.is_connect();
                    let (code, what) = describe_network_error(&e, call, &self.config);
                    self.stats
                        .request(api, &call.family, "network", Some(code), took);
                    self.note_failure(&breaker, &call.family, &what);
                    if reached_server && !call.idempotent {
                        return Err(Error::Ambiguous {
                            api,
                            label,
                            cause: what,
                        });
                    }
                    (what, None)
                }
                Ok((status, headers, body)) => {
                    tracing::Span::current().record("status", status);
                    if let Some(reading) = self.api.reading(&headers) {
                        self.budget.observe(reading).await;
                    }
                    match self.api.classify(status, &headers, &body) {
                        Verdict::Ok => {
                            self.note_success(&breaker, &call.family);
                            self.stats.request(api, &call.family, "ok", None, took);
                            self.stats.with(|s| s.succeeded += 1);
                            tracing::Span::current().record("attempts", failed_attempts + 1);
                            return Ok(Reply {
                                status,
                                headers,
                                body,
                                attempts: failed_attempts + 1,
                                label,
                            });
                        }
                        Verdict::Permanent { code, message } => {
                            self.note_success(&breaker, &call.family);
                            self.stats
                                .request(api, &call.family, "rejected", Some(&code), took);
                            return Err(Error::Rejected(Box::new(Rejection {
                                api,
                                label,
                                status,
                                code,
                                message,
                                body,
                            })));
                        }
                        Verdict::Reauthenticate { message } => {
                            self.note_success(&breaker, &call.family);
                            self.stats.request(
                                api,
                                &call.family,
                                "unauthorized",
                                Some("UNAUTHORIZED"),
                                took,
                            );
                            if renewed || !self.auth.renewable() {
                                return Err(Error::Unauthorized {
                                    api,
                                    label,
                                    message,
                                });
                            }
                            renewed = true;
                            self.auth.renew(generation).await?;
                            self.stats.with(|s| s.renewals += 1);
                            continue;
                        }
                        Verdict::Throttled { wait } => {
                            breaker.neutral();
                            self.stats.request(
                                api,
                                &call.family,
                                "throttled",
                                Some("THROTTLED"),
                                took,
                            );
                            if started.elapsed() + wait > self.config.patience {
                                return Err(Error::GaveUp {
                                    api,
                                    label,
                                    attempts: failed_attempts + 1,
                                    elapsed: started.elapsed(),
                                    last: format!("throttled by the server for {wait:?}"),
                                });
                            }
                            tracing::info!(api, family = %call.family, ?wait, "throttled; waiting for the next window");
                            // A little jitter so that many waiting callers do not return at
                            // the same instant.
                            let jitter = Duration::from_millis(rand::random_range(0..50));
                            tokio::time::sleep(wait + jitter).await;
                            continue;
                        }
                        Verdict::Transient {
                            code,
                            message,
                            retry_after,
                            not_applied,
                        } => {
                            self.stats
                                .request(api, &call.family, "transient", Some(&code), took);
                            let what = format!("HTTP {status} {code}: {message}");
                            self.note_failure(&breaker, &call.family, &what);
                            if !call.idempotent && !not_applied {
                                return Err(Error::Ambiguous {
                                    api,
                                    label,
                                    cause: what,
                                });
                            }
                            if what.len() > 400 {
                                (format!("{}…", snippet(what.as_bytes())), retry_after)
                            } else {
                                (what, retry_after)
                            }
                        }
                    }
                }
            };

            failed_attempts += 1;
            let give_up = |last: String| Error::GaveUp {
                api,
                label: label.clone(),
                attempts: failed_attempts,
                elapsed: started.elapsed(),
                last,
            };
            if !self.config.retry.allows_another(i64::from(failed_attempts)) {
                return Err(give_up(failure));
            }
            let backoff = self
                .config
                .retry
                .backoff(i64::from(failed_attempts), rand::random::<f64>());
            let delay = retry_after.map_or(backoff, |hint| hint.max(backoff));
            if started.elapsed() + delay > self.config.patience {
                return Err(give_up(failure));
            }
            tracing::debug!(api, family = %call.family, attempt = failed_attempts, ?delay, %failure, "retrying");
            self.stats.with(|s| s.retries += 1);
            tokio::time::sleep(delay).await;
        }
    }

    /// A healthy answer closes the family's breaker; `ferry_api_breaker_open` goes back to 0.
    fn note_success(&self, breaker: &crate::breaker::Breaker, family: &str) {
        breaker.success();
        metrics::gauge!("ferry_api_breaker_open", "api" => self.api.name(), "family" => family.to_owned())
            .set(0.0);
    }

    fn note_failure(&self, breaker: &crate::breaker::Breaker, family: &str, what: &str) {
        if breaker.failure(what) {
            self.stats.with(|s| s.breaker_openings += 1);
            metrics::gauge!("ferry_api_breaker_open", "api" => self.api.name(), "family" => family.to_owned())
                .set(1.0);
            tracing::warn!(
                api = self.api.name(),
                family,
                failure = what,
                "circuit breaker opened"
            );
        }
    }
}

/// A stable code and a sentence for a failure below HTTP.
fn describe_network_error(
    e: &reqwest::Error,
    call: &Call,
    config: &TransportConfig,
) -> (&'static str, String) {
    if e.is_timeout() {
        let limit = call.timeout.unwrap_or(config.timeout);
        ("TIMEOUT", format!("no complete answer within {limit:?}"))
    } else if e.is_connect() {
        ("CONNECT", format!("could not connect: {}", root_cause(e)))
    } else {
        (
            "NETWORK",
            format!("the connection failed: {}", root_cause(e)),
        )
    }
}

/// The innermost cause of an error (reqwest's own message is generic).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Parses `Retry-After` (seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds.min(3600)));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .min(Duration::from_secs(3600)),
    )
}
