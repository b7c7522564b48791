//! Ferry's flow declarations and mapping language — pure, no I/O.
//!
//! - [`spec`]: a flow as a declaration ([`FlowSpec`]): its trigger, its targets and their field
//!   mappings, validation rules, field ownership and write-backs, read from TOML.
//! - [`Env`] / [`Expr`]: mapping expressions (minijinja expression syntax) with the function
//!   library for this domain (addresses, phones, names, decimals, currencies, dates, lookups).
//! - [`validate`]: the validation rules a mapped record must pass before it is written.
//!
//! **Architecture invariant:** pure. Nothing here reads a file, the clock (callers pass `now`
//! in the context), the network or a database; the engine hands in the source record and the
//! reference data (exchange rates, price books) as plain values.

mod error;
mod expr;
pub mod functions;
pub mod spec;
pub mod validate;

pub use error::MappingError;
pub use expr::{Env, Expr};
pub use spec::{FlowSpec, Policy, SpecError, TargetSpec, WriteMode};
