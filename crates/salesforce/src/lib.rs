//! Salesforce client.

pub mod describe;
pub mod model;
pub mod soql;
