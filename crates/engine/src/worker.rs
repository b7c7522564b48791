//! The queue worker loop: lease, process concurrently, settle.

use async_trait::async_trait;
use ferry_core::{Failure, FlowName, LeasedItem, RetryPolicy, TenantId};
use ferry_store::{FailOutcome, LeaseRef, LeaseRequest, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Runs one flow's work for batches of leased items.
///
/// Batches, not single items, because the targets reward them: Salesforce writes up to 200
/// records per Collections call, Brightpearl reads up to 200 ids per call, and the store records
/// a batch of effects in one transaction. A handler that can only do one record at a time says
/// so with [`Handler::max_batch`] returning 1, and the worker runs several at once.
#[async_trait]
pub trait Handler: Send + Sync {
    /// The flow this handler runs.
    fn flow(&self) -> &FlowName;

    /// The most items one [`Handler::handle`] call may receive.
    fn max_batch(&self) -> usize {
        100
    }

    /// Processes items of distinct records and returns one outcome per item, in the order
    /// given. Must be idempotent: an item may be delivered again after a crash or a lost
    /// acknowledgement (use `item.idempotency_key()`).
    async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>>;
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Names this worker on its leases (host and process id by default).
    pub worker_id: String,
    /// Items leased per trip to the store.
    pub batch_size: u32,
    /// Handler calls in flight at once (each with up to the flow's `max_batch` items).
    pub concurrency: u32,
    /// How long a lease lasts; leases of slow items are extended while they run.
    pub lease_for: Duration,
    /// How long to wait when the queue is empty.
    pub idle_poll: Duration,
    /// Retry and dead-letter policy.
    pub retry: RetryPolicy,
    /// Only this tenant's items; `None` serves every tenant.
    pub tenant: Option<TenantId>,
    /// Stop once the queue has been empty this long (scripts and tests); `None` runs forever.
    pub exit_when_idle: Option<Duration>,
    /// The longest one handler call may take before its items fail with `HANDLER_TIMEOUT`.
    pub handler_timeout: Duration,
    /// Micro-batching: when a lease brings fewer items than a handler call could take, wait up
    /// to this long for more to arrive, leasing again, before running the handlers. A burst of
    /// single-record notices (inventory webhooks) then becomes a few id-set reads and
    /// Collections writes of up to 200 records instead of many small ones. Zero (the default)
    /// runs whatever one lease brings at once; a full batch never waits. Keep it far below
    /// `lease_for`: the items in hand wait with it.
    pub batch_window: Duration,
}

impl WorkerOptions {
    /// Options with this process's identity and the given policy.
    pub fn new(retry: RetryPolicy) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned());
        Self {
            worker_id: format!("{host}:{}", std::process::id()),
            batch_size: 100,
            concurrency: 8,
            lease_for: Duration::from_secs(60),
            idle_poll: Duration::from_millis(250),
            retry,
            tenant: None,
            exit_when_idle: None,
            handler_timeout: Duration::from_secs(300),
            batch_window: Duration::ZERO,
        }
    }
}

/// Running totals since the worker started.
#[derive(Debug, Default)]
pub struct WorkerTotals {
    /// Items processed and acknowledged.
    pub succeeded: AtomicU64,
    /// Items that failed and will be retried.
    pub retried: AtomicU64,
    /// Items moved to the dead-letter queue.
    pub dead_lettered: AtomicU64,
    /// Items whose lease was lost before they were settled (another worker has them now).
    pub lost: AtomicU64,
}

/// Signals a worker (and its housekeeping) to stop: it finishes and settles the batch in hand,
/// then returns.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// A shutdown signal and the sender that triggers it.
    pub fn new() -> (watch::Sender<bool>, Self) {
        let (sender, receiver) = watch::channel(false);
        (sender, Self(receiver))
    }

    fn requested(&self) -> bool {
        *self.0.borrow()
    }

    pub(crate) async fn wait(&mut self) {
        while !*self.0.borrow() {
            if self.0.changed().await.is_err() {
                // The sender is gone: nobody can ask us to stop any more; run on.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Logs a progress line about once a minute while the worker is busy.
struct Progress {
    last: std::time::Instant,
    succeeded: u64,
    failed: u64,
}

impl Progress {
    const EVERY: Duration = Duration::from_secs(60);

    fn new(totals: &WorkerTotals) -> Self {
        let (succeeded, failed) = Self::read(totals);
        Self {
            last: std::time::Instant::now(),
            succeeded,
            failed,
        }
    }

    fn read(totals: &WorkerTotals) -> (u64, u64) {
        let failed =
            totals.retried.load(Ordering::Relaxed) + totals.dead_lettered.load(Ordering::Relaxed);
        (totals.succeeded.load(Ordering::Relaxed), failed)
    }

    fn maybe_report(&mut self, totals: &WorkerTotals) {
        let elapsed = self.last.elapsed();
        if elapsed < Self::EVERY {
            return;
        }
        let (succeeded, failed) = Self::read(totals);
        let (done, errors) = (succeeded - self.succeeded, failed - self.failed);
        if done + errors > 0 {
            tracing::info!(
                succeeded = done,
                failed = errors,
                per_second = format!("{:.1}", done as f64 / elapsed.as_secs_f64()),
                "progress over the last {}s",
                elapsed.as_secs()
            );
        }
        *self = Self {
            last: std::time::Instant::now(),
            succeeded,
            failed,
        };
    }
}

/// Flows paused from the console (`ferry flows pause`): a worker leaves their items in the
/// queue until they are resumed. Shared by the console (which changes it at once in its own
/// process) and every worker, which also reads the store's copy every few seconds so that a
/// pause made by another process reaches it.
#[derive(Debug)]
pub struct PausedFlows {
    tenant: TenantId,
    paused: std::sync::RwLock<std::collections::BTreeSet<FlowName>>,
}

impl PausedFlows {
    /// None paused yet, for `tenant`.
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            paused: std::sync::RwLock::default(),
        }
    }

    /// Whether `flow` is paused.
    pub fn is_paused(&self, flow: &FlowName) -> bool {
        self.paused
            .read()
            .map(|p| p.contains(flow))
            .unwrap_or(false)
    }

    /// Marks `flow` paused or running in this process (the store is the caller's).
    pub fn set(&self, flow: &FlowName, paused: bool) {
        if let Ok(mut set) = self.paused.write() {
            if paused {
                set.insert(flow.clone());
            } else {
                set.remove(flow);
            }
        }
    }

    /// The paused flows.
    pub fn paused(&self) -> Vec<FlowName> {
        self.paused
            .read()
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Reads the paused flows from the store.
    pub async fn refresh(&self, store: &dyn Store) -> ferry_store::Result<()> {
        let states = store.flow_states(&self.tenant).await?;
        let paused: std::collections::BTreeSet<FlowName> = states
            .into_iter()
            .filter(|s| s.paused)
            .filter_map(|s| FlowName::new(s.flow).ok())
            .collect();
        if let Ok(mut set) = self.paused.write() {
            *set = paused;
        }
        Ok(())
    }
}

/// How often a worker re-reads the paused flows from the store.
const PAUSE_REFRESH: Duration = Duration::from_secs(3);

/// A queue worker.
pub struct Worker {
    /// The store the queue lives in.
    store: Arc<dyn Store>,
    /// Handlers by flow name; the worker leases only these flows.
    handlers: HashMap<FlowName, Arc<dyn Handler>>,
    options: WorkerOptions,
    /// What every trip to the queue asks for (built once from the options and handlers).
    lease: LeaseRequest,
    /// Shared with whoever wants to report progress.
    totals: Arc<WorkerTotals>,
    /// Flows whose items stay in the queue for now.
    paused: Option<Arc<PausedFlows>>,
}

impl Worker {
    /// A worker for the given flows.
    pub fn new(
        store: Arc<dyn Store>,
        handlers: Vec<Arc<dyn Handler>>,
        options: WorkerOptions,
    ) -> Self {
        let handlers: HashMap<FlowName, Arc<dyn Handler>> = handlers
            .into_iter()
            .map(|h| (h.flow().clone(), h))
            .collect();
        let mut flows: Vec<FlowName> = handlers.keys().cloned().collect();
        flows.sort();
        let lease = LeaseRequest {
            worker: options.worker_id.clone(),
            limit: options.batch_size,
            lease_for: options.lease_for,
            flows,
            tenant: options.tenant.clone(),
            max_attempts: options.retry.max_attempts,
        };
        Self {
            store,
            handlers,
            options,
            lease,
            totals: Arc::default(),
            paused: None,
        }
    }

    /// Leaves the items of the flows `paused` names in the queue while they are paused.
    #[must_use]
    pub fn with_paused(mut self, paused: Arc<PausedFlows>) -> Self {
        self.paused = Some(paused);
        self
    }

    /// What one trip to the queue asks for: the worker's flows less the paused ones.
    fn lease_request(&self) -> LeaseRequest {
        match &self.paused {
            Some(paused) => {
                let mut request = self.lease.clone();
                request.flows.retain(|f| !paused.is_paused(f));
                request
            }
            None => self.lease.clone(),
        }
    }

    /// The worker's running totals.
    pub fn totals(&self) -> Arc<WorkerTotals> {
        self.totals.clone()
    }

    /// The flows this worker runs.
    pub fn flows(&self) -> &[FlowName] {
        &self.lease.flows
    }

    /// Runs until `shutdown` fires. Store errors (a database restart, a network blip) are
    /// logged and retried with backoff; they never end the loop.
    pub async fn run(&self, mut shutdown: Shutdown) {
        let mut store_backoff = Duration::from_millis(100);
        let mut idle_since: Option<std::time::Instant> = None;
        let mut progress = Progress::new(&self.totals);
        tracing::info!(worker = %self.options.worker_id, flows = ?self.flows(), "worker started");
        let mut pauses_read: Option<std::time::Instant> = None;
        while !shutdown.requested() {
            progress.maybe_report(&self.totals);
            if let Some(paused) = &self.paused
                && pauses_read.is_none_or(|at| at.elapsed() >= PAUSE_REFRESH)
            {
                if let Err(error) = paused.refresh(self.store.as_ref()).await {
                    tracing::warn!(%error, "could not read the paused flows; keeping the last known");
                }
                pauses_read = Some(std::time::Instant::now());
            }
            match self.run_once().await {
                Ok(0) => {
                    let since = *idle_since.get_or_insert_with(std::time::Instant::now);
                    if self
                        .options
                        .exit_when_idle
                        .is_some_and(|limit| since.elapsed() >= limit)
                    {
                        tracing::info!("queue idle; exiting as asked");
                        break;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(self.options.idle_poll) => {}
                        () = shutdown.wait() => {}
                    }
                }
                Ok(_) => {
                    idle_since = None;
                    store_backoff = Duration::from_millis(100);
                }
                Err(err) => {
                    tracing::warn!(error = %err, retry_in = ?store_backoff, "queue unavailable; will retry");
                    tokio::select! {
                        () = tokio::time::sleep(store_backoff) => {}
                        () = shutdown.wait() => {}
                    }
                    store_backoff = (store_backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
        tracing::info!(worker = %self.options.worker_id, "worker stopped");
    }

    /// Leases one batch, processes it and settles every item. Returns how many were leased.
    pub async fn run_once(&self) -> ferry_store::Result<usize> {
        let request = self.lease_request();
        if self.handlers.is_empty() || request.flows.is_empty() {
            return Ok(0);
        }
        let mut items = self.store.lease(&request).await?;
        if items.is_empty() {
            return Ok(0);
        }
        if !self.options.batch_window.is_zero() {
            let more = items.len() >= self.lease.limit as usize;
            self.top_up(&mut items, more, &request).await;
        }
        let leased = items.len();
        let flows: HashMap<i64, String> = items
            .iter()
            .map(|item| (item.id, item.flow.as_str().to_owned()))
            .collect();
        let outcomes = self.process(items).await;
        self.settle(outcomes, &flows).await?;
        Ok(leased)
    }

    /// Micro-batching (see [`WorkerOptions::batch_window`]): leases more items until one
    /// handler call is full, the batch holds as much as the largest handler call (or one
    /// lease) takes, or the window has passed. A lease that came back full means more is
    /// waiting, so the next trip goes at once; otherwise the worker pauses a fraction of the
    /// window first. A store error ends the top-up: the items in hand run as they are.
    async fn top_up(
        &self,
        items: &mut Vec<LeasedItem>,
        mut more_waiting: bool,
        lease: &LeaseRequest,
    ) {
        let window = self.options.batch_window;
        let deadline = tokio::time::Instant::now() + window;
        // Five looks per window: late arrivals join without a trip to the store per millisecond.
        let step = (window / 5).max(Duration::from_millis(1));
        let cap = self
            .handlers
            .values()
            .map(|h| h.max_batch().max(1))
            .max()
            .unwrap_or(1)
            .max(self.lease.limit as usize);
        while !self.batch_is_full(items, cap) {
            if !more_waiting {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    break;
                }
                tokio::time::sleep(step.min(deadline - now)).await;
            }
            let room = u32::try_from(cap - items.len()).unwrap_or(u32::MAX);
            let request = LeaseRequest {
                limit: room.min(lease.limit),
                ..lease.clone()
            };
            match self.store.lease(&request).await {
                Ok(leased) => {
                    more_waiting = leased.len() >= request.limit as usize;
                    items.extend(leased);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not lease more items for the batch; running the items in hand");
                    break;
                }
            }
        }
    }

    /// True when waiting longer cannot make a handler call bigger: some flow's items fill its
    /// handler's batch, or the batch holds `cap` items.
    fn batch_is_full(&self, items: &[LeasedItem], cap: usize) -> bool {
        if items.len() >= cap {
            return true;
        }
        let mut per_flow: HashMap<&FlowName, usize> = HashMap::new();
        for item in items {
            *per_flow.entry(&item.flow).or_default() += 1;
        }
        per_flow.into_iter().any(|(flow, count)| {
            self.handlers
                .get(flow)
                .is_some_and(|h| count >= h.max_batch().max(1))
        })
    }

    /// Runs the handlers (at most `concurrency` calls at once, each with up to the flow's
    /// `max_batch` items), extending the batch's leases while they run so a slow batch is not
    /// taken over by another worker. Returns one outcome per item.
    async fn process(&self, items: Vec<LeasedItem>) -> Vec<(LeaseRef, Result<(), Failure>)> {
        let refs: Vec<LeaseRef> = items.iter().map(LeaseRef::from).collect();
        let heartbeat = {
            let store = self.store.clone();
            let lease_for = self.options.lease_for;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease_for / 3).await;
                    if let Err(err) = store.extend(&refs, lease_for).await {
                        tracing::warn!(error = %err, "could not extend leases");
                    }
                }
            })
        };

        let mut outcomes = Vec::new();
        // Group by flow, cut into the flows' batch sizes, run up to `concurrency` at once.
        let mut by_flow: HashMap<FlowName, Vec<LeasedItem>> = HashMap::new();
        for item in items {
            by_flow.entry(item.flow.clone()).or_default().push(item);
        }
        let permits = Arc::new(Semaphore::new(self.options.concurrency.max(1) as usize));
        let mut tasks = JoinSet::new();
        let mut in_task: HashMap<tokio::task::Id, Vec<LeaseRef>> = HashMap::new();
        for (flow, mut items) in by_flow {
            let Some(handler) = self.handlers.get(&flow).cloned() else {
                // Unreachable while leases are filtered by flow; fail loudly rather than strand.
                let failure = Failure::transient(
                    "NO_HANDLER",
                    format!(
                        "this worker has no handler for flow {flow}; another worker will take it"
                    ),
                );
                outcomes.extend(
                    items
                        .iter()
                        .map(|item| (LeaseRef::from(item), Err(failure.clone()))),
                );
                continue;
            };
            let size = handler.max_batch().max(1);
            while !items.is_empty() {
                let chunk: Vec<LeasedItem> = items.drain(..size.min(items.len())).collect();
                let leases: Vec<LeaseRef> = chunk.iter().map(LeaseRef::from).collect();
                let (handler, permits) = (handler.clone(), permits.clone());
                let limit = self.options.handler_timeout;
                let task = tasks.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    // A call that never returns (a hung connection) must not hold its records
                    // forever: the heartbeat would keep extending their leases.
                    match tokio::time::timeout(limit, handler.handle(&chunk)).await {
                        Ok(results) => results,
                        Err(_) => vec![
                            Err(Failure::transient(
                                "HANDLER_TIMEOUT",
                                format!(
                                    "the flow did not finish this item within {} s \
                                     (worker.handler_timeout_seconds); it will be retried",
                                    limit.as_secs()
                                ),
                            ));
                            chunk.len()
                        ],
                    }
                });
                in_task.insert(task.id(), leases);
            }
        }
        while let Some(joined) = tasks.join_next_with_id().await {
            let (id, results) = match joined {
                Ok((id, results)) => (id, Ok(results)),
                Err(err) => (
                    err.id(),
                    Err(if err.is_panic() {
                        "panicked"
                    } else {
                        "was cancelled"
                    }),
                ),
            };
            let Some(leases) = in_task.remove(&id) else {
                continue;
            };
            let mut results = match results {
                Ok(results) => results,
                Err(reason) => vec![
                    Err(Failure::transient(
                        "HANDLER_PANIC",
                        format!(
                            "the flow's handler {reason} while processing this item; this is a \
                             bug in Ferry, please report it with the item's payload"
                        ),
                    ));
                    leases.len()
                ],
            }
            .into_iter();
            for lease in leases {
                let result = results.next().unwrap_or_else(|| {
                    Err(Failure::transient(
                        "HANDLER_NO_OUTCOME",
                        "the flow's handler returned no outcome for this item; this is a bug in \
                         Ferry, please report it",
                    ))
                });
                outcomes.push((lease, result));
            }
        }
        heartbeat.abort();
        outcomes
    }

    /// Acks the successes and records the failures. `flows` names each item's flow, for
    /// `ferry_worker_items_total` [flow, outcome]: `succeeded`, `retried`, `dead_lettered`,
    /// `lost` (the lease had passed to another worker).
    async fn settle(
        &self,
        outcomes: Vec<(LeaseRef, Result<(), Failure>)>,
        flows: &HashMap<i64, String>,
    ) -> ferry_store::Result<()> {
        let count = |id: i64, outcome: &'static str| {
            let flow = flows.get(&id).cloned().unwrap_or_default();
            metrics::counter!("ferry_worker_items_total", "flow" => flow, "outcome" => outcome)
                .increment(1);
        };
        let mut done = Vec::with_capacity(outcomes.len());
        let mut failed = Vec::new();
        for (lease, result) in outcomes {
            match result {
                Ok(()) => done.push(lease),
                Err(failure) => failed.push((lease, failure)),
            }
        }
        // Settle every item even when the store errors on one of them: whatever is left
        // unsettled only comes back after its lease expires, charged as a crash.
        let mut first_error = None;
        match self.store.ack(&done).await {
            Ok(acked) => {
                for lease in &done {
                    let lost = acked.lost.contains(&lease.id);
                    count(lease.id, if lost { "lost" } else { "succeeded" });
                }
                self.totals
                    .succeeded
                    .fetch_add(acked.acked, Ordering::Relaxed);
                self.totals
                    .lost
                    .fetch_add(acked.lost.len() as u64, Ordering::Relaxed);
            }
            Err(err) => first_error = Some(err),
        }
        for (lease, failure) in failed {
            let outcome = match self.store.fail(&lease, &failure, &self.options.retry).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    tracing::warn!(item = lease.id, error = %err, "could not record a failure; the item returns when its lease expires");
                    first_error.get_or_insert(err);
                    continue;
                }
            };
            match outcome {
                FailOutcome::Retrying { due_at } => {
                    count(lease.id, "retried");
                    self.totals.retried.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(item = lease.id, code = %failure.code, %due_at, "item failed; will retry");
                }
                FailOutcome::DeadLettered { dead_letter_id } => {
                    count(lease.id, "dead_lettered");
                    self.totals.dead_lettered.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(item = lease.id, dead_letter_id, code = %failure.code, message = %failure.message, "item dead-lettered");
                }
                FailOutcome::LeaseLost => {
                    count(lease.id, "lost");
                    self.totals.lost.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{ChangeNotice, Operation, System, Timestamp};
    use ferry_store::testing::fresh_sqlite_store;
    use ferry_store::{AppendBatch, DeadLetters, Journal, RoutedNotice};

    /// Panics on record "boom", reports nothing for record "mute", never returns for "hang",
    /// succeeds otherwise.
    struct Faulty(FlowName);

    #[async_trait]
    impl Handler for Faulty {
        fn flow(&self) -> &FlowName {
            &self.0
        }
        fn max_batch(&self) -> usize {
            1
        }
        async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
            match items[0].record_id.as_str() {
                "boom" => panic!("handler bug"),
                "mute" => Vec::new(),
                "hang" => std::future::pending().await,
                _ => vec![Ok(())],
            }
        }
    }

    #[tokio::test]
    async fn handler_bugs_fail_their_items_and_never_stop_the_worker() {
        let (store, _dir) = fresh_sqlite_store().await;
        let flow = FlowName::new("faulty").unwrap();
        let notices = ["boom", "mute", "hang", "fine"]
            .into_iter()
            .map(|record| RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source: System::Brightpearl,
                    object: "contact".into(),
                    record_id: record.into(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload: serde_json::json!({}),
                },
                flows: vec![flow.clone()],
            })
            .collect();
        store
            .append(AppendBatch {
                notices,
                checkpoints: vec![],
            })
            .await
            .unwrap();
        let retry = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        let mut options = WorkerOptions::new(retry);
        options.handler_timeout = Duration::from_millis(100);
        let worker = Worker::new(store.clone(), vec![Arc::new(Faulty(flow))], options);
        assert_eq!(worker.run_once().await.unwrap(), 4);
        assert_eq!(worker.totals().succeeded.load(Ordering::Relaxed), 1);
        let mut codes: Vec<String> = store
            .list_dead(&Default::default(), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|d| format!("{}={}", d.record_id, d.error_code))
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            vec![
                "boom=HANDLER_PANIC",
                "hang=HANDLER_TIMEOUT",
                "mute=HANDLER_NO_OUTCOME"
            ]
        );
    }
}

#[cfg(test)]
mod batch_window_tests {
    use super::*;
    use ferry_core::{ChangeNotice, Operation, System, Timestamp};
    use ferry_store::testing::fresh_sqlite_store;
    use ferry_store::{AppendBatch, RoutedNotice};
    use std::sync::Mutex;

    /// Records the size of every batch it is handed.
    struct Sizes {
        flow: FlowName,
        max_batch: usize,
        calls: Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl Handler for Sizes {
        fn flow(&self) -> &FlowName {
            &self.flow
        }
        fn max_batch(&self) -> usize {
            self.max_batch
        }
        async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
            self.calls.lock().unwrap().push(items.len());
            vec![Ok(()); items.len()]
        }
    }

    async fn append(store: &Arc<dyn Store>, flow: &FlowName, records: std::ops::Range<u32>) {
        let notices = records
            .map(|record| RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source: System::Brightpearl,
                    object: "product".into(),
                    record_id: record.to_string(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload: serde_json::json!({}),
                },
                flows: vec![flow.clone()],
            })
            .collect();
        store
            .append(AppendBatch {
                notices,
                checkpoints: vec![],
            })
            .await
            .unwrap();
    }

    fn worker(store: &Arc<dyn Store>, window: Duration, max_batch: usize) -> (Worker, Arc<Sizes>) {
        let handler = Arc::new(Sizes {
            flow: FlowName::new("inventory").unwrap(),
            max_batch,
            calls: Mutex::default(),
        });
        let mut options = WorkerOptions::new(RetryPolicy::default());
        options.batch_window = window;
        let worker = Worker::new(
            store.clone(),
            vec![handler.clone() as Arc<dyn Handler>],
            options,
        );
        (worker, handler)
    }

    #[tokio::test]
    async fn three_trickles_within_the_window_make_one_batch() {
        let (store, _dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let (worker, sizes) = worker(&store, Duration::from_millis(100), 200);
        let flow = sizes.flow.clone();
        append(&store, &flow, 0..3).await;
        let producer = {
            let (store, flow) = (store.clone(), flow.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(25)).await;
                append(&store, &flow, 3..7).await;
                tokio::time::sleep(Duration::from_millis(25)).await;
                append(&store, &flow, 7..12).await;
            })
        };
        assert_eq!(worker.run_once().await.unwrap(), 12);
        producer.await.unwrap();
        assert_eq!(*sizes.calls.lock().unwrap(), vec![12]);
    }

    #[tokio::test]
    async fn without_a_window_each_lease_runs_at_once() {
        let (store, _dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        let (worker, sizes) = worker(&store, Duration::ZERO, 200);
        let flow = sizes.flow.clone();
        append(&store, &flow, 0..3).await;
        let producer = {
            let (store, flow) = (store.clone(), flow.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                append(&store, &flow, 3..7).await;
            })
        };
        assert_eq!(worker.run_once().await.unwrap(), 3);
        producer.await.unwrap();
        assert_eq!(worker.run_once().await.unwrap(), 4);
        assert_eq!(*sizes.calls.lock().unwrap(), vec![3, 4]);
    }

    #[tokio::test]
    async fn a_full_batch_never_waits_and_a_burst_fills_the_handlers_batch() {
        let (store, _dir) = fresh_sqlite_store().await;
        let store: Arc<dyn Store> = store;
        // The lease takes 100 a trip; the handler takes 200: a burst of 450 goes 200, 200, 50.
        let (worker, sizes) = worker(&store, Duration::from_secs(10), 200);
        append(&store, &sizes.flow.clone(), 0..450).await;
        let started = std::time::Instant::now();
        assert_eq!(worker.run_once().await.unwrap(), 200);
        assert_eq!(worker.run_once().await.unwrap(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "full batches waited for the window: {:?}",
            started.elapsed()
        );
        assert_eq!(*sizes.calls.lock().unwrap(), vec![200, 200]);
        // The last 50 wait out the window (nothing else arrives) and then run together.
        let mut options = WorkerOptions::new(RetryPolicy::default());
        options.batch_window = Duration::from_millis(100);
        let short = Worker::new(
            store.clone(),
            vec![sizes.clone() as Arc<dyn Handler>],
            options,
        );
        let started = std::time::Instant::now();
        assert_eq!(short.run_once().await.unwrap(), 50);
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(*sizes.calls.lock().unwrap(), vec![200, 200, 50]);
    }
}
