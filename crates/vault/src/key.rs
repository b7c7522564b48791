//! The master key: 32 random bytes, from the environment or a key file, never stored.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::Path;
use zeroize::Zeroizing;

/// Why a master key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Neither source was configured.
    #[error(
        "no master key: set FERRY_MASTER_KEY or vault.key_file in ferry.toml \
         (`ferry init` writes a key file; `ferry vault keygen` prints a new key)"
    )]
    Missing,
    /// The text is not a base64 or hex encoding of 32 bytes.
    #[error(
        "the master key from {source_name} is not valid: {reason}. A key is 32 random bytes \
         written as 44 base64 characters or 64 hex digits (`ferry vault keygen` prints one)"
    )]
    Malformed {
        /// Where it came from.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// The key file could not be read.
    #[error("cannot read the master key file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The key file can be read by other users.
    #[error(
        "the master key file {path} can be read by other users (mode {mode:o}); \
         run `chmod 600 {path}`"
    )]
    TooOpen {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
}

/// An AES-256 key, wiped from memory on drop.
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        // The OS random source failing is not recoverable and never happens on Linux after boot.
        #[allow(clippy::expect_used)]
        getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"ferry-vault-key-id:v1:");
        hasher.update(bytes.as_ref());
        let id = hex::encode(&hasher.finalize()[..8]);
        Self { bytes, id }
    }

    /// Parses a key written as base64 (44 characters) or hex (64 digits).
    pub fn parse(text: &str, source_name: &str) -> Result<Self, KeyError> {
        let text = Zeroizing::new(text.trim().to_owned());
        let malformed = |reason: &str| KeyError::Malformed {
            source_name: source_name.to_owned(),
            reason: reason.to_owned(),
        };
        if text.is_empty() {
            return Err(malformed("it is empty"));
        }
        let decoded = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text.as_bytes()).map_err(|_| malformed("invalid hex"))?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|_| malformed("it is neither base64 nor 64 hex digits"))?
        };
        let decoded = Zeroizing::new(decoded);
        if decoded.len() != 32 {
            return Err(malformed(&format!(
                "it decodes to {} bytes, not 32",
                decoded.len()
            )));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&decoded);
        Ok(Self::from_bytes(bytes))
    }

    /// Reads a key file (the key's text on one line). Refuses files other users can read.
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        let unreadable = |err: std::io::Error| KeyError::Unreadable {
            path: shown.clone(),
            reason: err.to_string(),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(unreadable)?
                .permissions()
                .mode()
                & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen { path: shown, mode });
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(unreadable)?);
        Self::parse(&text, &shown)
    }

    /// The key as base64, for writing a key file or printing once.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.bytes.as_ref()))
    }

    /// A fingerprint that identifies the key without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_base64_and_hex_to_the_same_key() {
        let key = MasterKey::generate();
        let b64 = key.to_base64();
        let again = MasterKey::parse(&b64, "test").unwrap();
        assert_eq!(again.id(), key.id());
        let hex_text = hex::encode(key.bytes());
        assert_eq!(MasterKey::parse(&hex_text, "test").unwrap().id(), key.id());
        assert_ne!(MasterKey::generate().id(), key.id());
    }

    #[test]
    fn malformed_keys_say_what_a_key_looks_like() {
        for (text, why) in [("", "empty"), ("abc", "neither"), ("AAAA", "3 bytes")] {
            let err = MasterKey::parse(text, "FERRY_MASTER_KEY")
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{err}");
            assert!(
                err.contains("FERRY_MASTER_KEY") && err.contains("ferry vault keygen"),
                "{err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn key_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, MasterKey::generate().to_base64().as_bytes()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = MasterKey::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        MasterKey::from_file(&path).unwrap();
        let missing = MasterKey::from_file(&dir.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("cannot read the master key file"),
            "{missing}"
        );
    }
}
