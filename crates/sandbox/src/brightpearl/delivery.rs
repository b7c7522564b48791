//! Webhook delivery: a task fed [`Event`]s by the account's writes, which finds the matching
//! webhooks, batches ids for `idSetAccepted` webhooks, renders the templates and calls the
//! subscribers over real HTTP with Brightpearl's retry rules (reference §8.4): QoS 0 retries only
//! after a 503, QoS 1 after any failure but a 4xx. No signature header is sent.
//!
//! Shape: the dispatcher task owns batching and the reorder buffer and never touches the account
//! lock across an await (it asks [`Subscriptions`], a synchronous closure, for clones). Each
//! webhook gets a *lane*, a task that sends that webhook's calls one at a time in the order they
//! were raised and interleaves due retries; so order changes only when a retry or an injected
//! fault says so, and the `reorder` fault is observable.
//!
//! INFERRED (Brightpearl does not document them): the batch window (200 ms) and size (200 ids,
//! the id-set GET cap, so one GET fetches a whole batch); the backoff (1 s doubling to 60 s, 10
//! attempts, then the call is given up and logged); redirects are not followed; `${raised-on}`
//! of a batch is its earliest event's time. A receiver that hangs slows only its own webhook's
//! lane, by the timeout per attempt.
//!
//! Files: `faults` (the injectable knobs), `lane` (sending and the retry rules), `log` (the
//! attempt log and counters), `simulate` (checking `testData`).

mod faults;
mod lane;
mod log;
mod simulate;

pub use faults::DeliveryFaults;
pub use log::{DeliveryAttempt, DeliveryCounters, NextStep};

use super::events::Event;
use super::idset;
use super::webhooks::{ApiProblem, Webhook, Webhooks};
use lane::{Call, LaneContext, sleep_until};
use log::Shared;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// The most resource ids one simulate call may name (reference §8.1).
pub const SIMULATE_MAX_IDS: usize = 10;

/// How many calls the reorder fault holds before it releases them shuffled.
const REORDER_MAX_HELD: usize = 16;

/// When failed calls are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait before the second attempt; it doubles for each further attempt.
    pub first_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// Attempts in all (the first included) before the call is given up.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// The wait after `attempts_made` failed attempts: first, 2×first, 4×first, ... capped.
    pub fn backoff(&self, attempts_made: u32) -> Duration {
        let doublings = attempts_made.saturating_sub(1).min(20);
        self.first_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// How the dispatcher runs. Tests shrink the windows and backoff to milliseconds.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// `${account-code}`.
    pub account_code: String,
    /// The whole of one attempt: connecting, sending and reading the answer.
    pub timeout: Duration,
    /// How long ids for an `idSetAccepted` webhook gather before their call goes out.
    pub batch_window: Duration,
    /// A batch goes out at once when it reaches this many ids.
    pub batch_max_ids: usize,
    /// How long the `reorder` fault holds calls before releasing them shuffled.
    pub reorder_window: Duration,
    /// Backoff and attempt limit.
    pub retry: RetryPolicy,
    /// Attempts kept in the delivery log (the oldest go first).
    pub log_capacity: usize,
    /// Faults in force from the start.
    pub faults: DeliveryFaults,
}

impl DeliveryConfig {
    /// The defaults for `account_code`: 10 s timeout, 200 ms / 200-id batches, 1000 log entries.
    pub fn new(account_code: &str) -> DeliveryConfig {
        DeliveryConfig {
            account_code: account_code.to_string(),
            timeout: Duration::from_secs(10),
            batch_window: Duration::from_millis(200),
            batch_max_ids: 200,
            reorder_window: Duration::from_millis(300),
            retry: RetryPolicy::default(),
            log_capacity: 1000,
            faults: DeliveryFaults::default(),
        }
    }
}

/// Why the dispatcher could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The initial faults are out of range.
    #[error("webhook delivery faults: {0}")]
    Faults(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("the webhook HTTP client could not be built: {0}")]
    Client(String),
}

/// Gives the webhooks that receive an event, as clones, so the caller's lock is held only for
/// the look-up and never across an await.
pub type Subscriptions = Arc<dyn Fn(&Event) -> Vec<Webhook> + Send + Sync>;

/// [`Subscriptions`] over a shared registry.
pub fn registry_subscriptions(registry: Arc<Mutex<Webhooks>>) -> Subscriptions {
    Arc::new(move |event: &Event| {
        let hooks = registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        hooks.matching(event).cloned().collect()
    })
}

/// What the handle asks of the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopMode {
    Running,
    /// Send what is pending, then wait this long for lanes (retries included) to finish.
    Drain(Duration),
    /// Drop everything pending now.
    Abort,
}

/// Where writes send the events they raise: cheap to clone, never blocks. Sending fails once
/// the dispatcher has stopped (the event is dropped: a stopped sandbox delivers nothing).
pub type EventSender = mpsc::UnboundedSender<Event>;

/// Controls a running dispatcher: faults, the log, simulate, stopping. Dropping it stops the
/// dispatcher and drops pending calls.
pub struct DispatcherHandle {
    /// Faults, log and counters, shared with the task and the lanes.
    shared: Arc<Shared>,
    /// The task's event inbox, for [`DispatcherHandle::sender`].
    events: EventSender,
    /// Simulated calls, for the task to release like any other.
    simulated: mpsc::UnboundedSender<Vec<Call>>,
    /// Tells the task to stop; dropped with the handle, which the task takes as Abort.
    stop: watch::Sender<StopMode>,
    /// The task, taken by the first stop.
    task: Mutex<Option<JoinHandle<()>>>,
    /// `${account-code}` for simulate.
    account_code: String,
}

/// The dispatcher task's state.
pub struct Dispatcher {
    config: DeliveryConfig,
    subscriptions: Subscriptions,
    shared: Arc<Shared>,
    lane_context: Arc<LaneContext>,
    /// One queue per webhook id; dropping the senders lets the lanes finish.
    lanes: HashMap<u64, mpsc::UnboundedSender<Call>>,
    /// The lane tasks; dropping the set aborts them.
    lane_tasks: JoinSet<()>,
    /// Ids gathering for `idSetAccepted` webhooks, by (webhook id, full event).
    batches: HashMap<(u64, String), Batch>,
    /// Calls held by the reorder fault, and when they go out.
    held: Vec<Call>,
    held_until: Option<Instant>,
    /// Set when aborting: calls still reaching a lane are counted as pending, never sent.
    stopping: bool,
}

/// Ids gathering for one webhook and one full event.
struct Batch {
    webhook: Webhook,
    /// The earliest event: type, lifecycle, specifier and `${raised-on}` come from it.
    first: Event,
    ids: Vec<u64>,
    due: Instant,
}

impl Dispatcher {
    /// Starts the dispatcher on the current tokio runtime.
    pub fn start(
        config: DeliveryConfig,
        subscriptions: Subscriptions,
    ) -> Result<(DispatcherHandle, EventSender), DeliveryError> {
        config.faults.validate().map_err(DeliveryError::Faults)?;
        // reqwest is built without a bundled crypto provider; the sandbox uses ring everywhere.
        // Installing it is idempotent (an error only means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "ferry-sandbox/",
                env!("CARGO_PKG_VERSION"),
                " webhooks"
            ))
            .build()
            .map_err(|e| DeliveryError::Client(e.to_string()))?;
        let shared = Arc::new(Shared::new(config.faults.clone(), config.log_capacity));
        let lane_context = Arc::new(LaneContext {
            client,
            shared: shared.clone(),
            retry: config.retry,
            timeout: config.timeout,
        });
        let (events, event_inbox) = mpsc::unbounded_channel();
        let (simulated, simulated_inbox) = mpsc::unbounded_channel();
        let (stop, stop_watch) = watch::channel(StopMode::Running);
        let account_code = config.account_code.clone();
        let dispatcher = Dispatcher {
            config,
            subscriptions,
            shared: shared.clone(),
            lane_context,
            lanes: HashMap::new(),
            lane_tasks: JoinSet::new(),
            batches: HashMap::new(),
            held: Vec::new(),
            held_until: None,
            stopping: false,
        };
        let task = tokio::spawn(dispatcher.run(event_inbox, simulated_inbox, stop_watch));
        let handle = DispatcherHandle {
            shared,
            events: events.clone(),
            simulated,
            stop,
            task: Mutex::new(Some(task)),
            account_code,
        };
        Ok((handle, events))
    }

    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        mut simulated: mpsc::UnboundedReceiver<Vec<Call>>,
        mut stop: watch::Receiver<StopMode>,
    ) {
        // Both inboxes close only when the handle is gone, which the stop watch reports too.
        let mode = loop {
            let deadline = self.next_deadline();
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => self.on_event(event),
                    None => break StopMode::Abort,
                },
                calls = simulated.recv() => match calls {
                    Some(calls) => calls.into_iter().for_each(|c| self.release(c)),
                    None => break StopMode::Abort,
                },
                () = sleep_until(deadline), if deadline.is_some() => self.flush_due(),
                changed = stop.changed() => match changed.map(|()| *stop.borrow()) {
                    Ok(StopMode::Running) => {}
                    Ok(mode) => break mode,
                    Err(_) => break StopMode::Abort,
                },
            }
        };
        // What was raised before the stop still counts: it is delivered by a drain and counted
        // as dropped by an abort.
        events.close();
        simulated.close();
        self.stopping = mode == StopMode::Abort;
        while let Ok(event) = events.try_recv() {
            self.on_event(event);
        }
        while let Ok(calls) = simulated.try_recv() {
            calls.into_iter().for_each(|c| self.release(c));
        }
        match mode {
            StopMode::Drain(within) => self.drain(within).await,
            _ => self.abort(),
        }
    }

    /// The earliest batch or reorder deadline.
    fn next_deadline(&self) -> Option<Instant> {
        self.batches
            .values()
            .map(|batch| batch.due)
            .chain(self.held_until)
            .min()
    }

    fn on_event(&mut self, event: Event) {
        for webhook in (self.subscriptions)(&event) {
            if !webhook.id_set_accepted {
                let call = self.render(&webhook, &event, event.id.to_string());
                self.release(call);
                continue;
            }
            let key = (webhook.id, event.full_event());
            let window = self.config.batch_window;
            let batch = self.batches.entry(key.clone()).or_insert_with(|| Batch {
                webhook,
                first: event.clone(),
                ids: Vec::new(),
                due: Instant::now() + window,
            });
            if event.raised_on_ms < batch.first.raised_on_ms {
                batch.first.raised_on_ms = event.raised_on_ms;
            }
            if !batch.ids.contains(&event.id) {
                batch.ids.push(event.id);
            }
            if batch.ids.len() >= self.config.batch_max_ids.max(1)
                && let Some(batch) = self.batches.remove(&key)
            {
                self.send_batch(batch);
            }
        }
    }

    fn render(&self, webhook: &Webhook, event: &Event, resource_id: String) -> Call {
        let values = super::webhooks::TemplateValues::for_event(
            event,
            resource_id,
            &self.config.account_code,
        );
        Call::new(&self.shared, webhook, webhook.render(&values), false)
    }

    fn send_batch(&mut self, batch: Batch) {
        let ids = idset::format(batch.ids.iter().copied());
        let call = self.render(&batch.webhook, &batch.first, ids);
        self.release(call);
    }

    fn flush_due(&mut self) {
        let now = Instant::now();
        let due: Vec<(u64, String)> = self
            .batches
            .iter()
            .filter(|(_, batch)| batch.due <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in due {
            if let Some(batch) = self.batches.remove(&key) {
                self.send_batch(batch);
            }
        }
        if self.held_until.is_some_and(|until| until <= now) {
            self.release_held();
        }
    }

    /// Hands a call to its lane, or holds it while the reorder fault is on.
    fn release(&mut self, call: Call) {
        if !self.shared.faults().reorder {
            self.enqueue(call);
            return;
        }
        self.held.push(call);
        if self.held_until.is_none() {
            self.held_until = Some(Instant::now() + self.config.reorder_window);
        }
        if self.held.len() >= REORDER_MAX_HELD {
            self.release_held();
        }
    }

    /// Releases the held calls, each webhook's share in a shuffled order that is never the order
    /// they were raised in (when there are two or more).
    fn release_held(&mut self) {
        self.held_until = None;
        let mut groups: Vec<(u64, Vec<Call>)> = Vec::new();
        for call in std::mem::take(&mut self.held) {
            match groups.iter_mut().find(|(id, _)| *id == call.webhook_id) {
                Some((_, calls)) => calls.push(call),
                None => groups.push((call.webhook_id, vec![call])),
            }
        }
        for (_, mut calls) in groups {
            faults::scramble(&mut calls);
            calls.into_iter().for_each(|call| self.enqueue(call));
        }
    }

    fn enqueue(&mut self, call: Call) {
        self.shared.pending.fetch_add(1, Ordering::Relaxed);
        if self.stopping {
            return;
        }
        let lane = self.lanes.entry(call.webhook_id).or_insert_with(|| {
            let (sender, queue) = mpsc::unbounded_channel();
            self.lane_tasks
                .spawn(lane::run(queue, self.lane_context.clone()));
            sender
        });
        if let Err(unsent) = lane.send(call) {
            // Lanes only end when their sender is dropped, so this is unreachable in practice;
            // still, a call must not vanish without a trace.
            self.shared.pending.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(call = unsent.0.id, "webhook lane closed; call dropped");
        }
    }

    /// Sends everything pending and waits (up to `within`) for the lanes to finish.
    async fn drain(mut self, within: Duration) {
        let keys: Vec<(u64, String)> = self.batches.keys().cloned().collect();
        for key in keys {
            if let Some(batch) = self.batches.remove(&key) {
                self.send_batch(batch);
            }
        }
        let held = std::mem::take(&mut self.held);
        held.into_iter().for_each(|call| self.enqueue(call));
        self.lanes.clear();
        let mut lanes = std::mem::take(&mut self.lane_tasks);
        let finished =
            tokio::time::timeout(within, async { while lanes.join_next().await.is_some() {} })
                .await;
        if finished.is_err() {
            let dropped = self.shared.pending.swap(0, Ordering::Relaxed);
            self.shared.count(|c| c.dropped_on_stop += dropped as u64);
            lanes.abort_all();
            tracing::info!(
                dropped,
                "webhook dispatcher stopped after draining for {within:?}; {dropped} calls were \
                 still being retried and are dropped undelivered"
            );
        } else {
            tracing::info!("webhook dispatcher drained and stopped; nothing left undelivered");
        }
    }

    /// Drops everything pending.
    fn abort(mut self) {
        self.lane_tasks.abort_all();
        let dropped =
            self.shared.pending.swap(0, Ordering::Relaxed) + self.held.len() + self.batches.len();
        self.shared.count(|c| c.dropped_on_stop += dropped as u64);
        tracing::info!(
            dropped,
            "webhook dispatcher stopped; {dropped} pending calls are dropped undelivered"
        );
    }
}

impl DispatcherHandle {
    /// A sender for writes to raise events with.
    pub fn sender(&self) -> EventSender {
        self.events.clone()
    }

    /// The delivery faults in force.
    pub fn faults(&self) -> DeliveryFaults {
        self.shared.faults()
    }

    /// Replaces the delivery faults; `Err` says which value is out of range.
    pub fn set_faults(&self, faults: DeliveryFaults) -> Result<(), String> {
        faults.validate()?;
        *self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
        Ok(())
    }

    /// The delivery log, oldest first.
    pub fn log(&self) -> Vec<DeliveryAttempt> {
        self.shared.log()
    }

    /// The counters since start (or the last [`DispatcherHandle::clear_log`]).
    pub fn counters(&self) -> DeliveryCounters {
        self.shared.counters()
    }

    /// Empties the log and zeroes the counters (the admin reset).
    pub fn clear_log(&self) {
        self.shared.clear();
    }

    /// Fires `webhook` with `test_data` (simulate's `testData`: template variables to values):
    /// once with the id set when the webhook accepts id sets, once per id otherwise, at most
    /// [`SIMULATE_MAX_IDS`] ids. Variables not given come from the subscription, the account
    /// and now. Returns how many calls were queued.
    pub fn simulate(&self, webhook: &Webhook, test_data: &Json) -> Result<usize, ApiProblem> {
        let renders = simulate::calls(webhook, test_data, &self.account_code)?;
        let count = renders.len();
        let calls = renders
            .into_iter()
            .map(|render| Call::new(&self.shared, webhook, render, true))
            .collect();
        self.shared.count(|c| c.simulated += count as u64);
        self.simulated.send(calls).map_err(|_| ApiProblem {
            status: 500,
            code: "CMNU-003",
            message: "Internal Server Error: webhook delivery has stopped, so the \
                          simulated call cannot be sent; restart the sandbox"
                .to_string(),
        })?;
        Ok(count)
    }

    /// Stops now: pending batches, held calls and retries are dropped (counted in
    /// `dropped_on_stop` and logged). Waits for the task to end.
    pub async fn stop(&self) {
        self.finish(StopMode::Abort).await;
    }

    /// Sends pending batches and held calls, then waits up to `within` for every lane,
    /// retries included, before dropping what is left.
    pub async fn drain(&self, within: Duration) {
        self.finish(StopMode::Drain(within)).await;
    }

    async fn finish(&self, mode: StopMode) {
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(task) = task else { return };
        let _ = self.stop.send(mode);
        if let Err(failure) = task.await {
            tracing::warn!("webhook dispatcher task ended abnormally: {failure}");
        }
    }
}
