//! Salesforce change data capture: one Pub/Sub topic into the journal.
//!
//! [`CdcSource::run`] reads the topic's checkpoint (`cdc:<topic>`), subscribes after it (or
//! from the configured [`Start`] when there is none), and for each batch journals the notices
//! **and** the batch's last replay id in one [`Journal::append`]; only then does it come back
//! for more events (and so grants more credit). A crash at any instant therefore resumes after
//! the last journaled batch: nothing missed, nothing journaled twice.
//!
//! * Echoes (`changeOrigin` carrying `client=<client_name>`) are dropped and counted
//!   (`ferry_cdc_echoes_dropped_total`); their replay ids still advance the checkpoint.
//! * GAP_* events become [`Signal::Reread`] notices, GAP_OVERFLOW a [`Signal::Resync`].
//! * An expired or corrupted replay id journals a [`Signal::Reconcile`] for the affected
//!   objects, then resubscribes from the configured fallback.
//! * A keepalive moves the checkpoint to its `latest_replay_id` only while the server still
//!   holds credit for us (`pending_num_requested > 0`): the server withholds events only when
//!   credit is exhausted, and responses arrive in order, so with credit outstanding every event
//!   up to `latest_replay_id` was already delivered and journaled. This keeps the checkpoint of
//!   a quiet topic inside the retention window.

mod notices;
#[cfg(test)]
mod tests;

pub use notices::{ALL_RECORDS, Mapped, Signal, channel_object, map_event};

use crate::Shutdown;
use ferry_core::{FlowName, RetryPolicy, System, TenantId, Timestamp};
use ferry_salesforce::pubsub::{PubSub, PubSubError, Received, Replay, ReplayId, Subscription};
use ferry_store::{AppendBatch, CheckpointUpdate, RoutedNotice, Store};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where to start when there is no usable checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The oldest retained event (catch up on up to three days).
    Earliest,
    /// New events only.
    Latest,
}

impl Start {
    fn replay(self) -> Replay {
        match self {
            Self::Earliest => Replay::Earliest,
            Self::Latest => Replay::Latest,
        }
    }
}

/// One CDC source's configuration.
#[derive(Debug, Clone)]
pub struct CdcConfig {
    /// The connection pair.
    pub tenant: TenantId,
    /// The channel (`/data/ChangeEvents`, `/data/AccountChangeEvent`).
    pub topic: String,
    /// The flows that get one work item per notice.
    pub flows: Vec<FlowName>,
    /// Ferry's `Sforce-Call-Options` client id: events carrying it are echoes.
    pub client_name: String,
    /// Where to start when no checkpoint exists.
    pub start: Start,
    /// Where to restart when the checkpoint's replay id is invalid or expired.
    pub fallback: Start,
    /// The objects to reconcile when events may have been missed. Empty: the topic's own
    /// object (`/data/AccountChangeEvent` → `Account`).
    pub objects: Vec<String>,
    /// Backoff between resubscriptions after the subscription gave up.
    pub retry: RetryPolicy,
}

impl CdcConfig {
    /// A configuration for `topic` feeding `flows`, starting at the newest event and falling
    /// back to the oldest retained one.
    pub fn new(tenant: TenantId, topic: impl Into<String>, flows: Vec<FlowName>) -> Self {
        Self {
            tenant,
            topic: topic.into(),
            flows,
            client_name: "ferry".into(),
            start: Start::Latest,
            fallback: Start::Earliest,
            objects: Vec::new(),
            retry: RetryPolicy {
                max_attempts: u32::MAX,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(60),
            },
        }
    }

    /// The checkpoint name: `cdc:<topic>`.
    pub fn checkpoint_name(&self) -> String {
        format!("cdc:{}", self.topic)
    }

    fn reconcile_objects(&self) -> Vec<String> {
        if self.objects.is_empty() {
            channel_object(&self.topic).into_iter().collect()
        } else {
            self.objects.clone()
        }
    }
}

/// Counters of one source, readable while it runs.
#[derive(Debug, Default)]
pub struct CdcStats {
    /// Events received.
    pub events: AtomicU64,
    /// Notices journaled (signals included).
    pub notices: AtomicU64,
    /// Events dropped as echoes of Ferry's own writes.
    pub echoes_dropped: AtomicU64,
    /// Signals journaled (reread, resync, reconcile).
    pub signals: AtomicU64,
    /// Times the replay id was invalid and the source fell back.
    pub fallbacks: AtomicU64,
    /// Journal transactions committed.
    pub batches: AtomicU64,
}

impl CdcStats {
    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Why the source stopped.
#[derive(Debug, thiserror::Error)]
pub enum CdcError {
    /// The Pub/Sub API refused for a reason waiting will not fix.
    #[error("change data capture on {topic} stopped: {source}")]
    PubSub {
        /// The topic.
        topic: String,
        /// The cause.
        source: PubSubError,
    },
    /// The journal could not be written or read; nothing was acknowledged.
    #[error("change data capture on {topic} could not use the journal: {source}")]
    Store {
        /// The topic.
        topic: String,
        /// The cause.
        source: ferry_store::StoreError,
    },
}

/// One topic's subscriber.
pub struct CdcSource {
    config: CdcConfig,
    pubsub: PubSub,
    store: Arc<dyn Store>,
    stats: Arc<CdcStats>,
}

impl std::fmt::Debug for CdcSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CdcSource")
            .field("topic", &self.config.topic)
            .field("tenant", &self.config.tenant)
            .finish_non_exhaustive()
    }
}

impl CdcSource {
    /// A source reading `config.topic` through `pubsub` into `store`.
    pub fn new(config: CdcConfig, pubsub: PubSub, store: Arc<dyn Store>) -> Self {
        Self {
            config,
            pubsub,
            store,
            stats: Arc::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> &Arc<CdcStats> {
        &self.stats
    }

    /// The configuration.
    pub fn config(&self) -> &CdcConfig {
        &self.config
    }

    /// Runs until `shutdown`, or until a failure retrying cannot fix. Transient outages are
    /// ridden out with backoff, resuming from the checkpoint each time.
    pub async fn run(&self, mut shutdown: Shutdown) -> Result<(), CdcError> {
        let mut failures: i64 = 0;
        loop {
            match self.session(&mut shutdown).await {
                Ok(()) => return Ok(()),
                Err(CdcError::PubSub {
                    source: source @ PubSubError::GaveUp { .. },
                    ..
                }) => {
                    failures += 1;
                    let wait = self.config.retry.backoff(failures, rand_unit());
                    tracing::warn!(topic = %self.config.topic, error = %source, ?wait,
                        "the subscription gave up; resubscribing from the checkpoint");
                    tokio::select! {
                        () = shutdown.wait() => return Ok(()),
                        () = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// One subscription from the checkpoint until shutdown or failure.
    async fn session(&self, shutdown: &mut Shutdown) -> Result<(), CdcError> {
        let mut subscription = tokio::select! {
            () = shutdown.wait() => return Ok(()),
            subscription = self.subscribe() => subscription?,
        };
        // The keepalive position last written, so a quiet topic is not rewritten every time.
        let mut kept: Option<ReplayId> = None;
        loop {
            let received = tokio::select! {
                () = shutdown.wait() => return Ok(()),
                received = subscription.next() => received,
            };
            match received {
                Ok(Received::Events { events, .. }) => {
                    self.journal(&events).await?;
                    kept = None;
                }
                Ok(Received::Keepalive {
                    latest_replay_id,
                    pending_num_requested,
                }) => {
                    if pending_num_requested > 0
                        && !latest_replay_id.is_empty()
                        && kept.as_ref() != Some(&latest_replay_id)
                    {
                        self.checkpoint_only(&latest_replay_id).await?;
                        kept = Some(latest_replay_id);
                    }
                }
                Err(PubSubError::ReplayInvalid {
                    replay_id, message, ..
                }) => {
                    subscription = self.fall_back(replay_id.as_ref(), &message).await?;
                }
                Err(source) => return Err(self.pubsub_error(source)),
            }
        }
    }

    /// Subscribes after the checkpoint, falling back when Salesforce refuses it.
    async fn subscribe(&self) -> Result<Subscription, CdcError> {
        let saved = self
            .store
            .checkpoint(
                &self.config.tenant,
                System::Salesforce,
                &self.config.checkpoint_name(),
            )
            .await
            .map_err(|source| self.store_error(source))?;
        let start = match saved
            .as_deref()
            .map(|text| (text, ReplayId::from_hex(text)))
        {
            None => self.config.start.replay(),
            Some((_, Some(id))) => Replay::After(id),
            Some((text, None)) => {
                let reason = format!("the checkpoint {text:?} is not a replay id");
                return self.fall_back(None, &reason).await;
            }
        };
        match self.pubsub.subscribe(&self.config.topic, start).await {
            Ok(subscription) => Ok(subscription),
            Err(PubSubError::ReplayInvalid {
                replay_id, message, ..
            }) => self.fall_back(replay_id.as_ref(), &message).await,
            Err(source) => Err(self.pubsub_error(source)),
        }
    }

    /// Journals reconciliation signals for the topic's objects, then subscribes from the
    /// fallback. The checkpoint is left alone here: the next batch replaces it, and a crash
    /// before then only repeats the (coalescing) signal.
    async fn fall_back(
        &self,
        replay_id: Option<&ReplayId>,
        reason: &str,
    ) -> Result<Subscription, CdcError> {
        self.stats.fallbacks.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(topic = %self.config.topic, replay_id = ?replay_id, reason,
            fallback = ?self.config.fallback, "replay id refused; reconciling and falling back");
        let detail = json!({
            "reason": reason,
            "topic": self.config.topic,
            "replayId": replay_id.map(ReplayId::to_hex),
        });
        let now = Timestamp::now();
        let notices: Vec<RoutedNotice> = self
            .config
            .reconcile_objects()
            .into_iter()
            .flat_map(|object| {
                Signal::Reconcile { object }.notices(&self.config.tenant, now, detail.clone())
            })
            .map(|notice| self.route(notice))
            .collect();
        let signals = notices.len() as u64;
        if signals > 0 {
            self.store
                .append(AppendBatch {
                    notices,
                    checkpoints: vec![],
                })
                .await
                .map_err(|source| self.store_error(source))?;
            self.stats.signals.fetch_add(signals, Ordering::Relaxed);
            self.stats.notices.fetch_add(signals, Ordering::Relaxed);
            self.stats.batches.fetch_add(1, Ordering::Relaxed);
        } else {
            tracing::error!(topic = %self.config.topic,
                "events may have been missed but no object is configured to reconcile; list \
                 the channel's objects in the CDC source configuration");
        }
        self.pubsub
            .subscribe(&self.config.topic, self.config.fallback.replay())
            .await
            .map_err(|source| self.pubsub_error(source))
    }

    /// Journals one batch's notices and its last replay id together.
    async fn journal(&self, events: &[ferry_salesforce::pubsub::Event]) -> Result<(), CdcError> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut notices = Vec::new();
        let mut echoes = 0u64;
        let mut signals = 0u64;
        for event in events {
            match map_event(event, &self.config.tenant, &self.config.client_name) {
                Mapped::Echo => echoes += 1,
                Mapped::NotAChange => {
                    tracing::debug!(topic = %self.config.topic, replay_id = %event.replay_id,
                        "an event without a ChangeEventHeader was skipped");
                }
                Mapped::Notices(list, signal) => {
                    if signal.is_some() {
                        signals += list.len() as u64;
                    }
                    notices.extend(list.into_iter().map(|n| self.route(n)));
                }
            }
        }
        let journaled = notices.len() as u64;
        self.store
            .append(AppendBatch {
                notices,
                checkpoints: vec![self.checkpoint(&last.replay_id)],
            })
            .await
            .map_err(|source| self.store_error(source))?;
        // Counted after the commit: a batch that failed to journal will be received again.
        self.stats
            .events
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        self.stats.notices.fetch_add(journaled, Ordering::Relaxed);
        self.stats.signals.fetch_add(signals, Ordering::Relaxed);
        self.stats.batches.fetch_add(1, Ordering::Relaxed);
        if echoes > 0 {
            self.stats
                .echoes_dropped
                .fetch_add(echoes, Ordering::Relaxed);
            metrics::counter!("ferry_cdc_echoes_dropped_total", "topic" => self.config.topic.clone())
                .increment(echoes);
        }
        metrics::counter!("ferry_cdc_events_total", "topic" => self.config.topic.clone())
            .increment(events.len() as u64);
        Ok(())
    }

    async fn checkpoint_only(&self, replay_id: &ReplayId) -> Result<(), CdcError> {
        self.store
            .append(AppendBatch {
                notices: vec![],
                checkpoints: vec![self.checkpoint(replay_id)],
            })
            .await
            .map_err(|source| self.store_error(source))?;
        self.stats.batches.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn checkpoint(&self, replay_id: &ReplayId) -> CheckpointUpdate {
        CheckpointUpdate {
            tenant: self.config.tenant.clone(),
            source: System::Salesforce,
            name: self.config.checkpoint_name(),
            value: replay_id.to_hex(),
        }
    }

    fn route(&self, notice: ferry_core::ChangeNotice) -> RoutedNotice {
        RoutedNotice {
            notice,
            flows: self.config.flows.clone(),
        }
    }

    fn store_error(&self, source: ferry_store::StoreError) -> CdcError {
        CdcError::Store {
            topic: self.config.topic.clone(),
            source,
        }
    }

    fn pubsub_error(&self, source: PubSubError) -> CdcError {
        CdcError::PubSub {
            topic: self.config.topic.clone(),
            source,
        }
    }
}

fn rand_unit() -> f64 {
    // Jitter only; uuid's randomness avoids another dependency.
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
