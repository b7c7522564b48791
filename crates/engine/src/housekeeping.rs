//! Housekeeping: bounded growth of the journal and the idempotency ledger.

use ferry_core::Timestamp;
use ferry_store::Store;
use std::time::Duration;

/// What one pruning pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Journal entries no queued item or dead letter refers to any more.
    pub journal: u64,
    /// Applied effects no dead letter can bring back.
    pub effects: u64,
}

/// Removes finished journal entries and applied effects older than `retention`.
pub async fn prune(store: &dyn Store, retention: Duration) -> ferry_store::Result<Pruned> {
    let before = Timestamp::from_micros(
        Timestamp::now().as_micros() - i64::try_from(retention.as_micros()).unwrap_or(i64::MAX),
    );
    Ok(Pruned {
        journal: store.prune_journal(before).await?,
        effects: store.prune_effects(before).await?,
    })
}

/// Prunes now and then every `every` until `shutdown` fires. Failures are logged and retried
/// at the next pass: pruning is never urgent.
pub async fn run(
    store: std::sync::Arc<dyn Store>,
    retention: Duration,
    every: Duration,
    mut shutdown: crate::Shutdown,
) {
    loop {
        match prune(store.as_ref(), retention).await {
            Ok(pruned) if pruned != Pruned::default() => tracing::info!(
                journal = pruned.journal,
                effects = pruned.effects,
                "pruned finished journal entries and effects"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "pruning failed; will try again later"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::selftest::{EnqueuePlan, enqueue, run_until_idle, verify};
    use ferry_core::TenantId;
    use ferry_store::testing::fresh_sqlite_store;

    #[tokio::test]
    async fn pruning_removes_finished_history_only_past_retention() {
        let (store, _dir) = fresh_sqlite_store().await;
        let tenant = TenantId::default_tenant();
        let plan = EnqueuePlan::new(tenant.clone(), 30, 10);
        enqueue(store.as_ref(), &plan).await.unwrap();
        run_until_idle(store.clone()).await;
        // Queued work keeps its journal entries.
        enqueue(store.as_ref(), &EnqueuePlan { notices: 2, ..plan })
            .await
            .unwrap();

        let kept = prune(store.as_ref(), Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(kept, Pruned::default(), "nothing is old enough yet");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let pruned = prune(store.as_ref(), Duration::ZERO).await.unwrap();
        assert_eq!(pruned.journal, 30, "finished entries go, the 2 queued stay");
        assert_eq!(pruned.effects, 10);
        let report = verify(store.as_ref(), &tenant).await.unwrap();
        assert_eq!((report.records, report.notices), (2, 2));
    }
}
