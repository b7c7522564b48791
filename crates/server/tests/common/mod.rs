//! What the server's socket tests share: dead letters made through the real queue.
#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;

use ferry_core::{
    ChangeNotice, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice, Store};
use serde_json::json;
use std::time::Duration;

/// Dead letters of `orders_to_salesforce` for sales orders `first..first + n`: journaled,
/// leased and refused for good with `code` and `message`.
pub async fn dead_letters(store: &dyn Store, first: usize, n: usize, code: &str, message: &str) {
    let flow = FlowName::new("orders_to_salesforce").unwrap();
    let notices = (first..first + n)
        .map(|id| RoutedNotice {
            notice: ChangeNotice {
                tenant: TenantId::default_tenant(),
                source: System::Brightpearl,
                object: "sales-order".into(),
                record_id: id.to_string(),
                operation: Operation::Update,
                observed_at: Timestamp::now(),
                origin: None,
                payload: json!({"id": id}),
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
    let leased = store
        .lease(&LeaseRequest {
            worker: "test".into(),
            limit: 100,
            lease_for: Duration::from_secs(60),
            flows: vec![flow],
            tenant: None,
            max_attempts: 5,
        })
        .await
        .unwrap();
    for item in &leased {
        store
            .fail(
                &LeaseRef::from(item),
                &Failure::permanent(code, message),
                &RetryPolicy::default(),
            )
            .await
            .unwrap();
    }
}
