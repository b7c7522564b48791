//! The store conformance suite: the behaviour every backend must show, written once.
//!
//! Each case takes a fresh, empty store and panics (via `assert!`) on a violation. Backends run
//! the suite through [`store_conformance!`](crate::store_conformance), which makes one test per
//! case, so a failure names the case and the backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod dead;
mod journal;
mod queue;
mod rate;
mod records;

pub use dead::*;
pub use journal::*;
pub use queue::*;
pub use rate::*;
pub use records::*;

use crate::*;
use ferry_core::*;
use std::sync::Arc;
use std::time::Duration;

/// A store under test.
pub type TestStore = Arc<dyn Store>;

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

fn flow(name: &str) -> FlowName {
    FlowName::new(name).unwrap()
}

/// A notice for `record` in tenant `t1`, object `contact`.
pub fn notice(record: &str, operation: Operation, seq: i64) -> ChangeNotice {
    ChangeNotice {
        tenant: tenant("t1"),
        source: System::Brightpearl,
        object: "contact".into(),
        record_id: record.into(),
        operation,
        observed_at: Timestamp::from_micros(1_700_000_000_000_000 + seq),
        origin: None,
        payload: serde_json::json!({ "seq": seq }),
    }
}

/// Routes a notice to the `customers` flow.
pub fn routed(notice: ChangeNotice) -> RoutedNotice {
    RoutedNotice {
        notice,
        flows: vec![flow("customers")],
    }
}

fn batch(notices: Vec<ChangeNotice>) -> AppendBatch {
    AppendBatch {
        notices: notices.into_iter().map(routed).collect(),
        checkpoints: vec![],
    }
}

/// A lease request for any flow, 30 s leases.
pub fn lease_request(limit: u32) -> LeaseRequest {
    LeaseRequest {
        worker: "conformance".into(),
        limit,
        lease_for: Duration::from_secs(30),
        flows: vec![],
        tenant: None,
        max_attempts: 5,
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    }
}

async fn lease_all(store: &TestStore) -> Vec<LeasedItem> {
    store.lease(&lease_request(1000)).await.unwrap()
}

async fn ack(store: &TestStore, items: &[LeasedItem]) {
    let refs: Vec<LeaseRef> = items.iter().map(LeaseRef::from).collect();
    let outcome = store.ack(&refs).await.unwrap();
    assert_eq!(
        outcome.acked,
        items.len() as u64,
        "every held lease acks: {outcome:?}"
    );
}

async fn dead_all(store: &TestStore) -> Vec<DeadLetter> {
    store
        .list_dead(&DeadLetterFilter::default(), 1000)
        .await
        .unwrap()
}

/// Generates one `#[tokio::test]` per conformance case. `$make` is an async expression that
/// yields a fresh `TestStore`.
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        $crate::store_conformance!(@cases $make;
            journals_notices_and_enqueues_one_item_per_flow,
            checkpoints_commit_with_their_notices,
            coalesces_notices_for_a_waiting_record,
            coalesced_operations_match_the_domain_rule,
            one_item_per_record_in_flight_in_arrival_order,
            leases_are_disjoint_and_limited,
            lease_filters_by_flow_and_tenant,
            expired_leases_come_back_and_stale_acks_are_refused,
            heartbeats_extend_leases,
            a_record_that_keeps_killing_workers_is_dead_lettered,
            transient_failures_back_off_then_retry,
            a_retry_absorbs_notices_that_arrived_meanwhile,
            permanent_failures_and_exhausted_retries_are_dead_lettered,
            dead_letters_filter_retry_and_discard_with_audit,
            retrying_a_dead_letter_merges_with_a_waiting_item,
            links_are_unique_both_ways,
            concurrent_links_never_link_one_record_twice,
            audit_log_keeps_entries_per_tenant,
            sealed_secrets_round_trip_and_replace_atomically,
            pruning_keeps_journal_entries_still_referenced,
            concurrent_workers_never_share_an_item,
            effects_are_applied_once_per_key,
            pruning_effects_keeps_those_a_dead_letter_may_bring_back,
            audit_entries_filter_by_action,
            concurrent_appends_to_the_same_records_never_deadlock,
            effect_batches_apply_each_key_once_in_order,
            a_retried_dead_letter_is_older_than_the_waiting_item,
            deeply_nested_payloads_are_refused_with_the_record_named,
            record_history_shows_notices_attempts_and_dead_letters,
            a_fresh_rate_window_grants_its_limit_then_says_how_long_to_wait,
            a_rate_window_reopens_when_it_ends,
            concurrent_rate_takers_never_share_a_unit,
            observing_the_server_count_corrects_the_rate_window,
            rate_windows_are_isolated_by_key_and_tenant,
            flow_versions_and_pauses_are_kept,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = $make.await;
                $crate::conformance::$case(store).await;
            }
        )*
    };
}
