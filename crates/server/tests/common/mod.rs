//! What the server's socket tests share: dead letters made through the real queue, and the
//! server they run (`server`).
#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod server;

use ferry_core::{
    ChangeNotice, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, RoutedNotice, Store};
use serde_json::json;
use std::time::Duration;

/// A dead letter to make.
pub struct Letter<'a> {
    pub flow: &'a str,
    pub source: System,
    pub object: &'a str,
    pub record: &'a str,
    pub payload: serde_json::Value,
    pub code: &'a str,
    pub message: &'a str,
}

/// Journals the letter's notice, leases it and refuses it for good with its code.
pub async fn dead_letter(store: &dyn Store, letter: Letter<'_>) {
    let Letter {
        flow,
        source,
        object,
        record,
        payload,
        code,
        message,
    } = letter;
    let flow = FlowName::new(flow.to_owned()).unwrap();
    store
        .append(AppendBatch {
            notices: vec![RoutedNotice {
                notice: ChangeNotice {
                    tenant: TenantId::default_tenant(),
                    source,
                    object: object.into(),
                    record_id: record.into(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: None,
                    payload,
                },
                flows: vec![flow.clone()],
            }],
            checkpoints: vec![],
        })
        .await
        .unwrap();
    refuse_pending(store, flow, code, message).await;
}

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
    refuse_pending(store, flow, code, message).await;
}

/// Leases what `flow` has pending (up to 100) and refuses each for good.
async fn refuse_pending(store: &dyn Store, flow: FlowName, code: &str, message: &str) {
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
