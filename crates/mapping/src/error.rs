//! The error a mapping expression or a flow declaration gives.

/// Why an expression could not be compiled or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The expression's text is not valid (syntax, unknown function).
    #[error("expression `{expr}` does not compile: {reason}")]
    Compile {
        /// The expression as written.
        expr: String,
        /// What is wrong with it, and where.
        reason: String,
    },
    /// The expression failed on this record's data (a bad country name, a non-decimal).
    #[error("expression `{expr}` failed: {reason}")]
    Eval {
        /// The expression as written.
        expr: String,
        /// What went wrong, naming the value.
        reason: String,
    },
}
