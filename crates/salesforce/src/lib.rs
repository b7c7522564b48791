//! Ferry's Salesforce client.
//!
//! [`Client`] sends every call through a [`ferry_http::Transport`] configured with
//! [`api::SalesforceApi`] (error arrays, `Sforce-Limit-Info`, `INVALID_SESSION_ID`), the org's
//! daily budget and a [`auth::Session`] (renewed once when Salesforce refuses it). Every call
//! carries `Sforce-Call-Options: client=<client_name>` so that Ferry's own changes can be
//! recognised in change events. On top of it: SOQL built without injection ([`soql`]), a
//! streaming query ([`query`]), describes with drift detection ([`describe`]), and the write
//! planner ([`write`]) that picks single calls, Collections, Composite/Graph or Bulk API 2.0.
//!
//! **Architecture invariant:** the client knows Salesforce's wire format and nothing of
//! Ferry's flows, store or Brightpearl. It never depends on the sandbox; tests wire them.

pub mod api;
pub mod auth;
mod client;
pub mod describe;
pub mod limits;
pub mod model;
pub mod pubsub;
pub mod query;
pub mod schema;
pub mod soql;
pub mod write;

pub use client::{CALL_OPTIONS, Client, Settings, family_of, http_client};
pub use ferry_http::Error;
