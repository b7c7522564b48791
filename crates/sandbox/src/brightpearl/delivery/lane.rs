//! A lane: one webhook's calls, sent one at a time in the order released, with due retries
//! interleaved. Keeping each webhook sequential is what makes order a deliberate property (only
//! retries and the reorder fault change it) rather than an accident of task scheduling.

use super::RetryPolicy;
use super::faults::roll;
use super::log::{DeliveryAttempt, NextStep, Shared};
use crate::brightpearl::webhooks::{HttpMethod, RenderedCall, Webhook};
use crate::brightpearl::wire;
use std::collections::BTreeMap;
use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// At most this much of a receiver's answer is read (and thrown away) so the connection can be
/// reused; a receiver that streams more is not waited for.
const ANSWER_READ_LIMIT: usize = 64 * 1024;

/// One rendered call and its progress.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// Unique per dispatcher, ascending in the order calls were made.
    pub(super) id: u64,
    pub(super) webhook_id: u64,
    /// 0 or 1 (reference §8.4).
    quality_of_service: u8,
    request: RenderedCall,
    /// Attempts made so far.
    attempts: u32,
    simulated: bool,
}

impl Call {
    pub(super) fn new(
        shared: &Shared,
        webhook: &Webhook,
        request: RenderedCall,
        simulated: bool,
    ) -> Call {
        Call {
            id: shared.next_call.fetch_add(1, Ordering::Relaxed),
            webhook_id: webhook.id,
            quality_of_service: webhook.quality_of_service,
            request,
            attempts: 0,
            simulated,
        }
    }
}

/// What every lane needs.
pub(super) struct LaneContext {
    pub(super) client: reqwest::Client,
    pub(super) shared: Arc<Shared>,
    pub(super) retry: RetryPolicy,
    pub(super) timeout: Duration,
}

/// How one attempt ended.
enum Outcome {
    /// The receiver answered.
    Status(u16),
    /// No answer: connection refused or reset, timeout.
    Failed(String),
    /// The `fail_rate` fault lost it.
    Lost,
    /// The rendered request cannot be sent at all (a bad URL or header); never retried.
    Unsendable(String),
}

/// Runs until the dispatcher drops the queue's sender and no retry is waiting.
pub(super) async fn run(mut queue: mpsc::UnboundedReceiver<Call>, context: Arc<LaneContext>) {
    // Retries by due time; the call id keeps equal times apart and in order.
    let mut retries: BTreeMap<(Instant, u64), Call> = BTreeMap::new();
    let mut open = true;
    loop {
        let next_due = retries.keys().next().map(|(due, _)| *due);
        if !open && next_due.is_none() {
            break;
        }
        let call = tokio::select! {
            biased;
            () = sleep_until(next_due), if next_due.is_some() => {
                match retries.pop_first() {
                    Some((_, call)) => call,
                    None => continue,
                }
            }
            received = queue.recv(), if open => match received {
                Some(call) => call,
                None => {
                    open = false;
                    continue;
                }
            },
        };
        let mut call = call;
        match attempt(&context, &mut call).await {
            Some(after) => {
                retries.insert((Instant::now() + after, call.id), call);
            }
            None => {
                context.shared.pending.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one (a `select!` branch that never fires).
pub(super) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Makes one attempt (and the injected repeat); `Some` is the wait before the next attempt.
async fn attempt(context: &LaneContext, call: &mut Call) -> Option<Duration> {
    let faults = context.shared.faults();
    if faults.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    }
    call.attempts += 1;
    let outcome = if roll(faults.fail_rate) {
        Outcome::Lost
    } else {
        send(context, &call.request).await
    };
    let next = judge(call, &outcome, &context.retry);
    let delivered = matches!(outcome, Outcome::Status(status) if is_success(status));
    context.shared.count(|c| {
        c.sent += 1;
        if call.attempts > 1 {
            c.retried += 1;
        }
        if delivered {
            c.delivered += 1;
        } else {
            c.failed += 1;
        }
        if matches!(next, NextStep::GiveUp { .. }) {
            c.given_up += 1;
        }
    });
    let retry = match &next {
        NextStep::Retry { after_ms } => Some(Duration::from_millis(*after_ms)),
        _ => None,
    };
    record(context, call, &outcome, next, false);
    if delivered && roll(faults.repeat_rate) {
        let again = send(context, &call.request).await;
        context.shared.count(|c| c.repeated += 1);
        record(context, call, &again, NextStep::Done, true);
    }
    retry
}

/// Brightpearl's rules (reference §8.4): QoS 0 retries only after a 503; QoS 1 after anything
/// but a 4xx; both stop after the policy's attempts.
fn judge(call: &Call, outcome: &Outcome, policy: &RetryPolicy) -> NextStep {
    let give_up = |reason: String| NextStep::GiveUp { reason };
    let allowed = match outcome {
        Outcome::Status(status) if is_success(*status) => return NextStep::Done,
        Outcome::Unsendable(why) => return give_up(format!("the call cannot be sent: {why}")),
        Outcome::Status(503) => Ok(()),
        Outcome::Status(status) if (400..500).contains(status) => {
            Err(format!("{status} is a 4xx answer, which is never retried"))
        }
        _ if call.quality_of_service == 0 => {
            Err("qualityOfService 0 retries only after a 503 answer".to_string())
        }
        _ => Ok(()),
    };
    match allowed {
        Err(reason) => give_up(reason),
        Ok(()) if call.attempts >= policy.max_attempts => {
            give_up(format!("{} attempts made, none delivered", call.attempts))
        }
        Ok(()) => NextStep::Retry {
            after_ms: u64::try_from(policy.backoff(call.attempts).as_millis()).unwrap_or(u64::MAX),
        },
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn record(context: &LaneContext, call: &Call, outcome: &Outcome, next: NextStep, repeat: bool) {
    let (status, error) = match outcome {
        Outcome::Status(status) => (Some(*status), None),
        Outcome::Failed(why) | Outcome::Unsendable(why) => (None, Some(why.clone())),
        Outcome::Lost => (
            None,
            Some("injected fault (fail_rate): the call was lost on the way".to_string()),
        ),
    };
    context.shared.record(DeliveryAttempt {
        call: call.id,
        webhook_id: call.webhook_id,
        simulated: call.simulated,
        method: call.request.method,
        url: call.request.url.clone(),
        body: call.request.body.clone(),
        attempt: call.attempts,
        repeat,
        status,
        error,
        next,
        at: wire::format_utc(wire::now_ms()),
    });
}

/// Sends the call over HTTP: GET/DELETE without a body, POST/PUT with the rendered body and the
/// webhook's content type.
async fn send(context: &LaneContext, request: &RenderedCall) -> Outcome {
    let method = match request.method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Delete => reqwest::Method::DELETE,
    };
    let mut builder = context.client.request(method, &request.url);
    if let Some(body) = &request.body {
        if let Some(content_type) = &request.content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        builder = builder.body(body.clone());
    }
    let mut response = match builder.send().await {
        Ok(response) => response,
        Err(failure) if failure.is_builder() => return Outcome::Unsendable(describe(&failure)),
        Err(failure) => return Outcome::Failed(describe_failure(&failure, context.timeout)),
    };
    let status = response.status().as_u16();
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > ANSWER_READ_LIMIT {
            break;
        }
    }
    Outcome::Status(status)
}

fn describe_failure(failure: &reqwest::Error, timeout: Duration) -> String {
    if failure.is_timeout() {
        format!("no answer within {timeout:?}: {}", describe(failure))
    } else if failure.is_connect() {
        format!("could not connect: {}", describe(failure))
    } else {
        describe(failure)
    }
}

/// The error and its causes on one line ("error sending request: ...: Connection refused").
fn describe(failure: &reqwest::Error) -> String {
    let mut text = failure.to_string();
    let mut cause = failure.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
