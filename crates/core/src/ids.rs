//! Identifiers that appear on every row: tenants and flow names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a tenant or flow name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} is not valid: {rule}")]
pub struct IdError {
    /// What was being named ("tenant", "flow").
    pub kind: &'static str,
    /// The refused text.
    pub value: String,
    /// The rule it broke, phrased for a user.
    pub rule: &'static str,
}

const NAME_RULE: &str =
    "use 1 to 64 characters from a-z, 0-9, '-', '_' and '.', starting with a letter or digit";

fn check_name(kind: &'static str, value: &str) -> Result<(), IdError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.as_bytes()[0].is_ascii_alphanumeric()
        && value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    if ok {
        Ok(())
    } else {
        Err(IdError {
            kind,
            value: value.to_owned(),
            rule: NAME_RULE,
        })
    }
}

/// True when `name` may name a secret in the vault: 1 to 128 characters from a-z, 0-9, '.',
/// '_' and '-' (`salesforce.client_secret`). One rule for the vault and for `vault:` references.
pub fn is_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps a name.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_name($kind, &value)?;
                Ok(Self(value))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }
    };
}

name_type!(
    /// One Brightpearl ⇄ Salesforce connection pair. Every stored row carries one, so a single
    /// deployment can serve many pairs.
    TenantId,
    "tenant"
);

name_type!(
    /// The name of a sync flow (`customers`, `inventory`, ...): the unit work items are routed to.
    FlowName,
    "flow"
);

impl TenantId {
    /// The tenant a single-pair deployment uses when none is configured.
    pub fn default_tenant() -> Self {
        Self("default".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for good in ["default", "acme-uk", "t1", "a.b_c"] {
            assert!(TenantId::new(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "Acme", "a b", "ä", &"x".repeat(65)] {
            let err = TenantId::new(bad).unwrap_err();
            assert_eq!(err.kind, "tenant");
            assert!(err.to_string().contains("1 to 64 characters"), "{err}");
        }
    }
}
