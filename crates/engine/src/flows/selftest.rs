//! The self-test flow: synthetic notices that travel the whole queue path (journal, lease,
//! handler, idempotent effect, ack) so an operator can prove a deployment works, and tests can
//! prove ordering, exactly-once effects and crash safety with real worker processes.
//!
//! `ferry queue selftest enqueue` journals notices for object `selftest`; any `ferry worker`
//! processes them by recording one effect per item in the idempotency ledger;
//! `ferry queue selftest verify` checks that every notice is covered by exactly one effect, in
//! per-record order, and that no effect was applied twice.

use crate::Handler;
use async_trait::async_trait;
use ferry_core::{
    ChangeNotice, Failure, FlowName, LeasedItem, Operation, System, TenantId, Timestamp,
};
use ferry_store::{AppendBatch, EffectOutcome, NewEffect, RoutedNotice, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The flow's name.
pub const FLOW: &str = "selftest";
/// The source object its notices use.
pub const OBJECT: &str = "selftest";

/// The self-test flow's name as a value.
pub fn flow_name() -> FlowName {
    // The constant satisfies the naming rule; checked by a unit test.
    FlowName::new(FLOW).unwrap_or_else(|_| unreachable!("{FLOW} is a valid flow name"))
}

/// The self-test handler.
pub struct SelfTest {
    store: Arc<dyn Store>,
    flow: FlowName,
    worker_id: String,
}

impl SelfTest {
    /// A handler that records effects in `store`.
    pub fn new(store: Arc<dyn Store>, worker_id: &str) -> Self {
        Self {
            store,
            flow: flow_name(),
            worker_id: worker_id.to_owned(),
        }
    }
}

#[async_trait]
impl Handler for SelfTest {
    fn flow(&self) -> &FlowName {
        &self.flow
    }

    fn max_batch(&self) -> usize {
        50
    }

    async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
        // Simulated work happens once per batch, as a batched API call would.
        let simulated = |field: &str| {
            let ms = items
                .iter()
                .filter_map(|i| i.payload.get(field).and_then(|v| v.as_u64()))
                .max();
            Duration::from_millis(ms.unwrap_or(0).min(60_000))
        };
        tokio::time::sleep(simulated("work_ms")).await;
        let mut outcomes: Vec<Result<(), Failure>> = Vec::with_capacity(items.len());
        let mut effects = Vec::with_capacity(items.len());
        for item in items {
            if item.payload.get("fail").and_then(|v| v.as_str()) == Some("permanent") {
                outcomes.push(Err(Failure::permanent(
                    "SELFTEST_REJECTED",
                    format!(
                        "self-test record {} was enqueued with --fail-every, so it is rejected \
                         on purpose; retry it with `ferry dlq retry` or discard it",
                        item.record_id
                    ),
                )));
                continue;
            }
            outcomes.push(Ok(()));
            effects.push(NewEffect {
                tenant: item.tenant.clone(),
                key: item.idempotency_key(),
                flow: self.flow.clone(),
                record_id: item.record_id.clone(),
                detail: serde_json::json!({
                    "journal_id": item.journal_id,
                    "notices": item.notices,
                    "attempt": item.attempt,
                    "worker": self.worker_id,
                }),
            });
        }
        match self.store.apply_effects(&effects).await {
            Ok(applied) => {
                let repeats = applied
                    .iter()
                    .filter(|o| matches!(o, EffectOutcome::AlreadyApplied(_)))
                    .count();
                if repeats > 0 {
                    tracing::debug!(
                        repeats,
                        "self-test effects already applied; not repeating them"
                    );
                }
                tokio::time::sleep(simulated("after_ms")).await;
                outcomes
            }
            Err(err) => {
                let failure = Failure::transient("STORE_UNAVAILABLE", err.to_string());
                outcomes
                    .into_iter()
                    .map(|o| o.and(Err(failure.clone())))
                    .collect()
            }
        }
    }
}

/// What to enqueue.
#[derive(Debug, Clone)]
pub struct EnqueuePlan {
    /// The tenant.
    pub tenant: TenantId,
    /// Sequence number of the first notice: notice `n` goes to record `n % records`, so a run
    /// can be journaled in several calls that continue where the last one stopped.
    pub start: u64,
    /// Notices to journal.
    pub notices: u64,
    /// Distinct records they are spread over (round robin), so records get several notices.
    pub records: u64,
    /// Simulated work per batch before the effect (a read, a call), in milliseconds.
    pub work_ms: u64,
    /// Simulated work per batch after the effect and before the acknowledgement (a write-back),
    /// in milliseconds: the window in which a crash makes the queue redeliver work whose effect
    /// is already applied.
    pub after_ms: u64,
    /// Every n-th record is rejected permanently (0 = none), to exercise the dead-letter queue.
    pub fail_every: u64,
    /// Notices per append transaction.
    pub batch: usize,
}

impl EnqueuePlan {
    /// `notices` notices spread over `records` records of `tenant`, without simulated work or
    /// rejections, journaled 500 per transaction.
    pub fn new(tenant: TenantId, notices: u64, records: u64) -> Self {
        Self {
            tenant,
            start: 0,
            notices,
            records,
            work_ms: 0,
            after_ms: 0,
            fail_every: 0,
            batch: 500,
        }
    }
}

/// Runs a worker with the built-in flows until the queue has nothing due (for tests).
#[cfg(test)]
pub(crate) async fn run_until_idle(store: Arc<dyn Store>) -> crate::Worker {
    let handlers = crate::flows::builtin(store.clone(), "test");
    let worker = crate::Worker::new(
        store,
        handlers,
        crate::WorkerOptions::new(Default::default()),
    );
    while worker.run_once().await.unwrap_or(0) > 0 {}
    worker
}

/// Journals the plan's notices. Returns how many were journaled.
pub async fn enqueue(store: &dyn Store, plan: &EnqueuePlan) -> ferry_store::Result<u64> {
    let records = plan.records.max(1);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut sent = 0;
    while sent < plan.notices {
        let take = (plan.notices - sent).min(plan.batch.max(1) as u64);
        let first = plan.start + sent;
        let notices = (first..first + take)
            .map(|n| {
                let record = n % records;
                let mut payload = serde_json::json!({ "seq": n, "run": run });
                if plan.work_ms > 0 {
                    payload["work_ms"] = plan.work_ms.into();
                }
                if plan.after_ms > 0 {
                    payload["after_ms"] = plan.after_ms.into();
                }
                if plan.fail_every > 0 && record.is_multiple_of(plan.fail_every) {
                    payload["fail"] = "permanent".into();
                }
                RoutedNotice {
                    notice: ChangeNotice {
                        tenant: plan.tenant.clone(),
                        source: System::Brightpearl,
                        object: OBJECT.to_owned(),
                        record_id: format!("st-{record}"),
                        operation: if n < records {
                            Operation::Create
                        } else {
                            Operation::Update
                        },
                        observed_at: Timestamp::now(),
                        origin: Some("ferry-selftest".to_owned()),
                        payload,
                    },
                    flows: vec![flow_name()],
                }
            })
            .collect();
        store
            .append(AppendBatch {
                notices,
                checkpoints: vec![],
            })
            .await?;
        sent += take;
    }
    Ok(sent)
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Records with journaled notices.
    pub records: usize,
    /// Notices journaled.
    pub notices: i64,
    /// Effects recorded.
    pub effects: usize,
    /// Times a piece of work came back after its effect was applied (crash or lost ack) and was
    /// recognised instead of repeated.
    pub repeats: i64,
    /// Records whose newest notice has no effect yet (still queued, dead-lettered or lost).
    pub incomplete: Vec<String>,
    /// Records whose effects did not follow journal order.
    pub out_of_order: Vec<String>,
    /// Records whose effects cover a different number of notices than were journaled
    /// (a notice lost or counted twice).
    pub miscounted: Vec<String>,
}

impl Verification {
    /// True when every notice is covered exactly once, in order.
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_empty() && self.out_of_order.is_empty() && self.miscounted.is_empty()
    }
}

/// Checks the self-test's effects against its journal.
pub async fn verify(store: &dyn Store, tenant: &TenantId) -> ferry_store::Result<Verification> {
    let summary = store
        .journal_summary(tenant, System::Brightpearl, OBJECT)
        .await?;
    let mut per_record: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    let mut report = Verification::default();
    let mut after = 0;
    loop {
        let page = store.effects(tenant, &flow_name(), after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for effect in &page {
            report.effects += 1;
            report.repeats += effect.repeats;
            let journal_id = effect
                .detail
                .get("journal_id")
                .and_then(|v| v.as_i64())
                .unwrap_or(-1);
            let notices = effect
                .detail
                .get("notices")
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            per_record
                .entry(effect.record_id.clone())
                .or_default()
                .push((journal_id, notices));
        }
    }
    report.records = summary.len();
    for record in summary {
        report.notices += record.notices;
        let effects = per_record.remove(&record.record_id).unwrap_or_default();
        if !effects.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            report.out_of_order.push(record.record_id.clone());
        }
        if effects.last().map(|e| e.0) != Some(record.latest_journal_id) {
            report.incomplete.push(record.record_id.clone());
        } else if effects.iter().map(|e| e.1).sum::<i64>() != record.notices {
            report.miscounted.push(record.record_id.clone());
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ferry_store::DeadLetters;
    use ferry_store::testing::fresh_sqlite_store;

    #[test]
    fn the_flow_name_is_valid() {
        assert_eq!(flow_name().as_str(), FLOW);
    }

    #[tokio::test]
    async fn a_worker_covers_every_notice_once_and_verify_notices_gaps() {
        let (store, _dir) = fresh_sqlite_store().await;
        let tenant = TenantId::default_tenant();
        let plan = EnqueuePlan {
            batch: 64,
            ..EnqueuePlan::new(tenant.clone(), 500, 40)
        };
        assert_eq!(enqueue(store.as_ref(), &plan).await.unwrap(), 500);

        let before = verify(store.as_ref(), &tenant).await.unwrap();
        assert_eq!(
            (before.records, before.notices, before.effects),
            (40, 500, 0)
        );
        assert_eq!(before.incomplete.len(), 40, "nothing processed yet");

        let worker = run_until_idle(store.clone()).await;
        let after = verify(store.as_ref(), &tenant).await.unwrap();
        assert!(after.is_complete(), "{after:?}");
        assert_eq!(after.repeats, 0);
        assert!(after.effects >= 40 && after.effects <= 500, "{after:?}");

        // Notices that arrive later show up as incomplete until processed.
        enqueue(
            store.as_ref(),
            &EnqueuePlan {
                notices: 3,
                ..plan.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            verify(store.as_ref(), &tenant)
                .await
                .unwrap()
                .incomplete
                .len(),
            3
        );
        while worker.run_once().await.unwrap() > 0 {}
        assert!(verify(store.as_ref(), &tenant).await.unwrap().is_complete());
    }

    #[tokio::test]
    async fn rejected_records_are_dead_lettered_with_a_reason() {
        let (store, _dir) = fresh_sqlite_store().await;
        let tenant = TenantId::default_tenant();
        let plan = EnqueuePlan {
            fail_every: 5,
            ..EnqueuePlan::new(tenant.clone(), 20, 10)
        };
        enqueue(store.as_ref(), &plan).await.unwrap();
        let worker = run_until_idle(store.clone()).await;
        let dead = store.list_dead(&Default::default(), 100).await.unwrap();
        let mut records: Vec<&str> = dead.iter().map(|d| d.record_id.as_str()).collect();
        records.sort();
        assert_eq!(records, vec!["st-0", "st-5"]);
        assert!(
            dead.iter().all(|d| d.error_code == "SELFTEST_REJECTED"
                && d.error_message.contains("ferry dlq retry"))
        );
        let report = verify(store.as_ref(), &tenant).await.unwrap();
        assert_eq!(
            report.incomplete,
            vec!["st-0".to_owned(), "st-5".to_owned()]
        );
        assert_eq!(
            worker
                .totals()
                .dead_lettered
                .load(std::sync::atomic::Ordering::Relaxed),
            2
        );
    }
}
