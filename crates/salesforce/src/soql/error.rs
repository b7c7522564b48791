//! Why a query could not be built. Every message names the field or object, the rule it broke
//! and what to do instead, because these errors reach the person who wrote a mapping.

/// A query that was refused while it was being built (nothing was sent anywhere).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoqlError {
    /// An object or field name that is not a Salesforce API name.
    #[error(
        "{role} name {name:?} is not a Salesforce API name: {reason}. Use the API name shown \
         by describe (for example `Account`, `ExternalID__c` or `Account.Name`)"
    )]
    InvalidIdentifier {
        /// What the name was for: "object", "field" or "ORDER BY field".
        role: &'static str,
        /// The refused text.
        name: String,
        /// The rule it broke.
        reason: String,
    },
    /// A record id that is not 15 or 18 alphanumeric characters (or whose checksum is wrong).
    #[error(
        "{value:?} is not a Salesforce record id: {reason}. Pass the 15- or 18-character id \
         exactly as Salesforce returned it"
    )]
    InvalidId {
        /// The refused text.
        value: String,
        /// The rule it broke.
        reason: String,
    },
    /// A date or datetime outside what Salesforce stores (1700-01-01 to 4000-12-31).
    #[error(
        "{value} is outside the dates Salesforce accepts (1700-01-01 to 4000-12-31): check \
         the source value"
    )]
    DateOutOfRange {
        /// The refused value, as text.
        value: String,
    },
    /// A condition that cannot be written in SOQL (e.g. `Amount < null`).
    #[error("condition on field {field}: {reason}")]
    InvalidCondition {
        /// The field the condition tests.
        field: String,
        /// What is wrong and what to do instead.
        reason: String,
    },
    /// `AND`/`OR` with no conditions inside.
    #[error("an empty {0} group has no meaning in SOQL: leave the group out or add a condition")]
    EmptyGroup(&'static str),
    /// A query without `FROM` or without selected fields.
    #[error("the query has no {0}: call {1} before building it")]
    Incomplete(&'static str, &'static str),
    /// `LIMIT`/`OFFSET` values Salesforce refuses.
    #[error("{0}")]
    Bounds(String),
    /// The rendered query is longer than allowed.
    #[error(
        "the query is {length} characters long and the limit is {max}: split the IN list \
         with Soql::in_chunks or select fewer fields"
    )]
    TooLong {
        /// Measured length.
        length: usize,
        /// The limit it broke.
        max: usize,
    },
}
