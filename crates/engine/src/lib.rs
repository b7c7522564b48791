//! Ferry's engine: the queue workers that run flows over leased work items.
//!
//! A [`Worker`] leases batches from the store's queue, hands each item to the [`Handler`] of
//! its flow, and settles the outcome: success is acknowledged, a transient failure is retried
//! with backoff, a permanent one is dead-lettered. Flows live in [`flows`]; this issue ships the
//! self-test flow, which exercises the whole queue path end to end.
//!
//! **Architecture invariant:** the engine does no SQL and no HTTP itself; it acts through the
//! store traits (and, later, the connector clients).

pub mod alerts;
pub mod console;
pub mod flows;
pub mod housekeeping;
mod ledger;
pub mod sources;
mod worker;

pub use ledger::StoreLedger;
pub use worker::{Handler, PausedFlows, Shutdown, Worker, WorkerOptions, WorkerTotals};
