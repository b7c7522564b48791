//! Ferry's Brightpearl client.
//!
//! [`Client`] sends every call through a [`ferry_http::Transport`] configured with
//! [`api::BrightpearlApi`] (Brightpearl's wire rules: the `{"response": …}` envelope, throttle
//! headers, the 503 that means "too many requests"), the account's shared rate budget and one
//! of the [`auth`] schemes. On top of it: typed records ([`model`]), id sets with automatic
//! chunking ([`idset`]), a streaming resource search ([`search`]) and webhook registration sync
//! ([`webhooks`]).
//!
//! **Architecture invariant:** the client knows Brightpearl's wire format and nothing of
//! Ferry's flows, store or Salesforce. It never depends on the sandbox; tests wire them.

pub mod api;
pub mod auth;
mod client;
pub mod idset;
pub mod model;
pub mod resources;
pub mod search;
pub mod webhooks;
mod writes;

pub use client::{Client, Settings, family_of};
pub use ferry_http::Error;
