//! Ferry's declaration of Salesforce's Pub/Sub API (`eventbus.v1.PubSub`): the messages and
//! the tonic client and server, generated at build time from `proto/pubsub_api.proto`.
//!
//! **Architecture invariant:** the wire contract only; both the Salesforce client (subscriber)
//! and the sandbox (server) depend on it, and neither on the other.

#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod generated {
    tonic::include_proto!("eventbus.v1");
}

pub use generated::*;

/// The gRPC path prefix of the service.
pub const SERVICE: &str = "eventbus.v1.PubSub";
