//! The flows Ferry ships. Each is a [`Handler`](crate::Handler) for one flow name.

pub mod adapters;
pub mod brightpearl;
pub mod defaults;
pub mod load;
pub mod reconcile;
pub mod runtime;
pub mod salesforce;
pub mod selftest;

use crate::Handler;
use ferry_store::Store;
use std::sync::Arc;

/// Every built-in flow's handler, for `ferry worker`.
pub fn builtin(store: Arc<dyn Store>, worker_id: &str) -> Vec<Arc<dyn Handler>> {
    vec![Arc::new(selftest::SelfTest::new(store, worker_id))]
}
