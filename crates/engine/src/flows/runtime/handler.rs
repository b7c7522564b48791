//! The worker's view of a flow: a leased batch of work items in, one outcome per item out.

use super::{Change, Flow};
use crate::Handler;
use crate::sources::salesforce_cdc::ALL_RECORDS;
use async_trait::async_trait;
use ferry_core::{Failure, FlowName, LeasedItem};
use std::collections::HashMap;
use std::sync::Arc;

/// Runs a compiled flow for the queue's work items.
pub struct FlowHandler {
    flow: Arc<Flow>,
}

impl FlowHandler {
    /// The handler of `flow`.
    pub fn new(flow: Arc<Flow>) -> Self {
        Self { flow }
    }
}

#[async_trait]
impl Handler for FlowHandler {
    fn flow(&self) -> &FlowName {
        self.flow.name()
    }

    fn max_batch(&self) -> usize {
        // One Salesforce Collections call, one Brightpearl id-set GET.
        200
    }

    async fn handle(&self, items: &[LeasedItem]) -> Vec<Result<(), Failure>> {
        // A whole-object signal (a change-event gap too large to name its records, or a lost
        // replay position) is answered by reconciling the flow with repair: every drifted
        // record is journaled and comes back through this handler as an ordinary item.
        let mut whole = None;
        if items.iter().any(|i| i.record_id == ALL_RECORDS) {
            let flow = &self.flow;
            whole = Some(
                match crate::flows::reconcile::reconcile(
                    flow,
                    flow.store.as_ref(),
                    &flow.tenant,
                    true,
                    crate::flows::load::DEFAULT_PAGE,
                )
                .await
                {
                    Ok(report) => {
                        tracing::info!(
                            flow = %flow.name(),
                            drifted = report.drifted_records,
                            "a whole-object signal reconciled the flow"
                        );
                        Ok(())
                    }
                    Err(e) => Err(Failure::transient(
                        "RECONCILE_FAILED",
                        format!(
                            "flow {}: a change-capture gap asked for a full comparison, which                              failed: {e}; it is retried",
                            flow.name()
                        ),
                    )),
                },
            );
        }
        let ids: Vec<String> = items
            .iter()
            .filter(|i| i.record_id != ALL_RECORDS)
            .map(|i| i.record_id.clone())
            .collect();
        let outcomes = if ids.is_empty() {
            Vec::new()
        } else {
            self.flow.sync_ids(&ids).await
        };
        let mut by_id: HashMap<String, Result<Change, Failure>> =
            outcomes.into_iter().map(|o| (o.id, o.result)).collect();
        items
            .iter()
            .map(|item| {
                if item.record_id == ALL_RECORDS {
                    return whole.clone().unwrap_or(Ok(()));
                }
                match by_id.remove(&item.record_id) {
                    Some(Ok(_)) => Ok(()),
                    Some(Err(failure)) => Err(failure),
                    None => Err(Failure::transient(
                        "HANDLER_NO_OUTCOME",
                        format!(
                            "flow {} gave no outcome for record {}; it is retried",
                            self.flow.name(),
                            item.record_id
                        ),
                    )),
                }
            })
            .collect()
    }
}
