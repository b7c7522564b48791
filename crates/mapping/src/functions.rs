//! The function library mapping expressions call (registered into [`crate::Env`]).

use minijinja::Environment;

/// Registers every function and filter of the library.
pub fn register(_env: &mut Environment<'static>) {}
