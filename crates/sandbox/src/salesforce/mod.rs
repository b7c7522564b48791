//! The Salesforce sandbox: an in-memory org behind Salesforce's OAuth, SOAP login, REST, SOQL,
//! sObject Collections, Composite and Bulk API 2.0 endpoints.
//!
//! Layout: `schema` (objects and fields), `ids`, `value` (typed field values and wire formats),
//! `org` (records, transactions, the change log), `rules` (Salesforce's validation and derived
//! fields), `soql` (parser and evaluator), `auth` (users, connected apps, tokens), `limits`,
//! `faults`, `persist` (the state file) and `api` (one module per HTTP surface).

pub mod api;
pub mod auth;
pub mod cdc;
pub mod changes;
pub mod faults;
pub mod ids;
pub mod limits;
pub mod org;
pub mod persist;
pub mod pubsub;
pub mod rules;
pub mod schema;
pub mod seed;
pub mod soql;
pub mod value;

pub use api::Sandbox;
