//! Ferry's shared client plumbing, used by the Brightpearl and Salesforce connectors.
//!
//! Every outside call goes through one [`Transport`], which brings, in this order:
//! the endpoint family's [`breaker::Breaker`] (fail fast while an endpoint is down, probe it
//! when it may be back), the account's [`budget::Budget`] (never spend more than the API
//! allows, shared by every flow of the process and, through a [`budget::Ledger`], by every
//! process of a deployment), the caller's [`Auth`] (with one renewal when the server says the
//! session expired), a timeout, and the retry loop (exponential backoff with full jitter that
//! honours `Retry-After` and throttle periods). What a response *means* is the API's business:
//! each connector implements [`Api`] to classify answers and read its budget headers.
//!
//! **Architecture invariant:** this crate knows HTTP, not Brightpearl or Salesforce. Wire
//! facts of one API live in that API's crate, behind [`Api`].

pub mod breaker;
pub mod budget;
mod call;
mod error;
pub mod stats;
mod tls;
mod transport;

pub use call::{Call, Reply};
pub use error::{Error, Rejection};
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use reqwest::{self, Method};
pub use tls::client_builder;
pub use transport::{Api, Auth, NoAuth, Transport, TransportConfig, Verdict, retry_after};
