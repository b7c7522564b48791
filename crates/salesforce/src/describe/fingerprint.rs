//! A stable hash of the parts of an object's schema that a sync relies on. Two describes with
//! the same fields, types, sizes, write flags and active picklist values have the same fingerprint
//! whatever order Salesforce lists them in; labels, help text and other cosmetic properties
//! are left out so that renaming a label does not look like schema drift.

use super::SObjectDescribe;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 over a canonical form of an object's fields (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchemaFingerprint([u8; 32]);

impl SchemaFingerprint {
    /// The fingerprint of `describe`.
    pub fn of(describe: &SObjectDescribe) -> SchemaFingerprint {
        let mut hasher = Sha256::new();
        // Every string is length-prefixed, so no value can imitate a separator.
        let mut put = |text: &str| {
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        };
        put("ferry-schema-v1");
        put(&describe.name.to_ascii_lowercase());
        let mut fields: Vec<_> = describe.fields.iter().collect();
        fields.sort_by_key(|f| f.name.to_ascii_lowercase());
        for field in fields {
            put(&field.name.to_ascii_lowercase());
            put(field.field_type.as_str());
            put(&field.length.to_string());
            put(&field.precision.to_string());
            put(&field.scale.to_string());
            let flags = [
                field.nillable,
                field.createable,
                field.updateable,
                field.defaulted_on_create,
            ];
            put(&flags
                .map(|f| if f { '1' } else { '0' })
                .iter()
                .collect::<String>());
            // Only active values: an inactive one cannot be written, so it is not schema a
            // sync depends on.
            let mut values: Vec<&str> = field.active_values().collect();
            values.sort_unstable();
            values.dedup();
            put(&values.len().to_string());
            for value in values {
                put(value);
            }
        }
        SchemaFingerprint(hasher.finalize().into())
    }

    /// The raw hash.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for SchemaFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Why a text is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a schema fingerprint: expected 64 hexadecimal characters")]
pub struct FingerprintError(String);

impl std::str::FromStr for SchemaFingerprint {
    type Err = FingerprintError;

    fn from_str(text: &str) -> Result<SchemaFingerprint, FingerprintError> {
        let refuse = || FingerprintError(text.to_string());
        if text.len() != 64 || !text.is_ascii() {
            return Err(refuse());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| refuse())?;
        }
        Ok(SchemaFingerprint(bytes))
    }
}

impl TryFrom<String> for SchemaFingerprint {
    type Error = FingerprintError;

    fn try_from(text: String) -> Result<SchemaFingerprint, FingerprintError> {
        text.parse()
    }
}

impl From<SchemaFingerprint> for String {
    fn from(fingerprint: SchemaFingerprint) -> String {
        fingerprint.to_string()
    }
}
