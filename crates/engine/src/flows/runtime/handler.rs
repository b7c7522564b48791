//! The worker's view of a flow: a leased batch of work items in, one outcome per item out.

use super::{Change, Flow};
use crate::Handler;
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
        let ids: Vec<String> = items.iter().map(|i| i.record_id.clone()).collect();
        let outcomes = self.flow.sync_ids(&ids).await;
        let mut by_id: HashMap<String, Result<Change, Failure>> =
            outcomes.into_iter().map(|o| (o.id, o.result)).collect();
        items
            .iter()
            .map(|item| match by_id.remove(&item.record_id) {
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
            })
            .collect()
    }
}
