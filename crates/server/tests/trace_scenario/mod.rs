//! The record-trace tests' server and scenario (socket tests and the browser test share them).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub use crate::common::server::Ui;
use crate::common::server::{route, token};
use ferry_core::{
    ChangeNotice, Direction, Failure, FlowName, Operation, RetryPolicy, System, TenantId, Timestamp,
};
use ferry_server::admin::Role;
use ferry_store::{AppendBatch, LeaseRef, LeaseRequest, LinkWrite, NewLink, RoutedNotice};
use serde_json::json;
use std::time::Duration;

pub const VIEWER: &str = "fy_trace-ui-viewer";
pub const SF_ID: &str = "001A0000006Vm9rIAC";

impl Ui {
    /// A server with the customer, account and order flows and one viewer, `VIEWER`.
    pub async fn start() -> Ui {
        Ui::serve(
            vec![
                route("customers_to_salesforce", System::Brightpearl, "contact", 0),
                route("accounts_to_brightpearl", System::Salesforce, "Account", 0),
                route(
                    "orders_to_salesforce",
                    System::Brightpearl,
                    "sales-order",
                    0,
                ),
            ],
            vec![token("vera", Role::Viewer, VIEWER)],
            |_| {},
        )
        .await
    }

    pub async fn journal(&self, system: System, object: &str, id: &str, flow: &str, event: &str) {
        self.store
            .append(AppendBatch {
                notices: vec![RoutedNotice {
                    notice: ChangeNotice {
                        tenant: TenantId::default_tenant(),
                        source: system,
                        object: object.into(),
                        record_id: id.into(),
                        operation: Operation::Update,
                        observed_at: Timestamp::now(),
                        origin: None,
                        payload: json!({"captured_by": "webhook", "event": event}),
                    },
                    flows: vec![FlowName::new(flow).unwrap()],
                }],
                checkpoints: vec![],
            })
            .await
            .unwrap();
    }

    /// Brightpearl contact 207: created, its sync failed once (retrying), modified, written
    /// to Salesforce account SF_ID, whose change came back.
    pub async fn scenario(&self) {
        let flow = "customers_to_salesforce";
        self.journal(
            System::Brightpearl,
            "contact",
            "207",
            flow,
            "contact.created",
        )
        .await;
        let leased = self
            .store
            .lease(&LeaseRequest {
                worker: "worker-1".into(),
                limit: 10,
                lease_for: Duration::from_secs(60),
                flows: vec![],
                tenant: None,
                max_attempts: 5,
            })
            .await
            .unwrap();
        self.store
            .fail(
                &LeaseRef::from(&leased[0]),
                &Failure::transient("SF_UNAVAILABLE", "Salesforce answered 503; retrying"),
                &RetryPolicy::default(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.journal(
            System::Brightpearl,
            "contact",
            "207",
            flow,
            "contact.modified",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.store
            .link(&NewLink {
                tenant: TenantId::default_tenant(),
                entity: "customer".into(),
                brightpearl_id: "207".into(),
                salesforce_id: SF_ID.into(),
            })
            .await
            .unwrap();
        self.store
            .record_write(&LinkWrite {
                tenant: TenantId::default_tenant(),
                entity: "customer".into(),
                brightpearl_id: "207".into(),
                direction: Direction::ToSalesforce,
                content_hash: "h-to-sf".into(),
                source_version: Some("2026-11-01T10:00:00Z".into()),
                base: Some(json!({"Name": "Ada Lovelace"}).to_string()),
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.journal(
            System::Salesforce,
            "Account",
            SF_ID,
            "accounts_to_brightpearl",
            "UPDATE",
        )
        .await;
    }
}
