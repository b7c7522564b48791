//! The Brightpearl sandbox: an emulated Brightpearl account behind the public API's routing,
//! authentication, throttling, envelopes, id sets, searches, resources and webhooks.
//!
//! Layout: `idset` (id-set grammar), `wire` (time and money formats), `events` (what writes
//! raise), `search` (the resource-search engine), `webhooks` (subscriptions) and `delivery`
//! (sending them).

pub mod account;
pub mod activity;
pub mod api;
pub mod auth;
pub mod delivery;
pub mod events;
pub mod faults;
pub mod idset;
pub mod persist;
pub mod search;
pub mod seed;
pub mod throttle;
pub mod webhooks;
pub mod wire;

pub use api::Sandbox;
