//! Ferry's sandboxes: wire-compatible emulators of the APIs Ferry talks to, for tests, demos and
//! CI. They speak real HTTP(S) on real sockets so that unmodified third-party client libraries
//! work against them.
//!
//! **Architecture invariant:** the sandboxes depend on no Ferry client or engine crate; the
//! clients never depend on the sandboxes. Tests wire the two together over sockets.

pub mod brightpearl;
pub mod salesforce;
pub mod serve;
pub mod tls;
