//! Secret references: where a secret lives, never the secret itself.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where to find a secret: sealed in Ferry's vault, or in an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// `vault:NAME`: a secret stored with `ferry vault set NAME`.
    Vault(String),
    /// `env:VAR`: the value of an environment variable.
    Env(String),
}

/// Marks errors about literal secrets so the error printer never echoes the offending line.
pub(crate) const LITERAL_SECRET: &str = "holds a literal secret";

impl SecretRef {
    /// Parses `vault:NAME` or `env:VAR`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(name) = text.strip_prefix("vault:") {
            return if ferry_core::is_secret_name(name) {
                Ok(Self::Vault(name.to_owned()))
            } else {
                Err(format!(
                    "vault secret name {name:?} is not valid: use a-z, 0-9, '.', '_' and '-', \
                     e.g. \"vault:salesforce.client_secret\""
                ))
            };
        }
        if let Some(var) = text.strip_prefix("env:") {
            let ok = !var.is_empty()
                && !var.as_bytes()[0].is_ascii_digit()
                && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return if ok {
                Ok(Self::Env(var.to_owned()))
            } else {
                Err(format!(
                    "environment variable name {var:?} is not valid: use A-Z, 0-9 and '_', \
                     e.g. \"env:SF_CLIENT_SECRET\""
                ))
            };
        }
        Err(literal_refusal())
    }
}

/// The refusal of a literal secret. The value itself never appears in it: it is probably real.
fn literal_refusal() -> String {
    format!(
        "this field {LITERAL_SECRET}, which Ferry refuses so that config files can be shared \
         and versioned safely: store it with `ferry vault set NAME` and write \"vault:NAME\", \
         or put it in an environment variable and write \"env:VAR\""
    )
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vault(name) => write!(f, "vault:{name}"),
            Self::Env(var) => write!(f, "env:{var}"),
        }
    }
}

impl Serialize for SecretRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SecretRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret reference such as \"vault:NAME\" or \"env:VAR\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<SecretRef, E> {
                SecretRef::parse(text).map_err(E::custom)
            }
            // A number or boolean in a secret field is a literal secret too (a numeric PIN or
            // token); serde's default message would quote it, so refuse it without echoing.
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<SecretRef, E> {
                Err(E::custom(literal_refusal()))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<SecretRef, E> {
                Err(E::custom(literal_refusal()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<SecretRef, E> {
                Err(E::custom(literal_refusal()))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<SecretRef, E> {
                Err(E::custom(literal_refusal()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
