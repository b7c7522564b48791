//! Capture: sources that turn outside changes into journaled change notices.
//!
//! Every source follows the same rule: a position upstream (a replay id, a watermark) is saved
//! only in the same journal transaction as the notices it covers, so a crash at any instant
//! loses nothing and duplicates nothing.

pub mod brightpearl_poll;
pub mod salesforce_cdc;
pub mod salesforce_poll;

pub use salesforce_cdc::{CdcConfig, CdcError, CdcSource, CdcStats, Signal, Start};
