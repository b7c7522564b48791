//! AES-256-GCM sealing. The tenant and secret name are bound in as associated data, so a
//! ciphertext copied onto another secret's row fails authentication instead of decrypting.

use crate::{MasterKey, VaultError};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use ferry_core::{TenantId, Timestamp};
use ferry_store::SealedSecret;
use secrecy::SecretString;
use zeroize::Zeroizing;

fn associated_data(tenant: &TenantId, name: &str) -> Vec<u8> {
    format!("ferry-vault:v1\0{tenant}\0{name}").into_bytes()
}

fn cipher(key: &MasterKey) -> Aes256Gcm {
    Aes256Gcm::new(key.bytes().into())
}

/// Seals a plaintext under the key with a fresh random nonce.
pub(crate) fn seal(
    key: &MasterKey,
    tenant: &TenantId,
    name: &str,
    plaintext: &[u8],
) -> SealedSecret {
    let mut nonce = [0u8; 12];
    // See MasterKey::generate: an OS random failure is not recoverable.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut nonce).expect("the operating system's random source failed");
    let aad = associated_data(tenant, name);
    // Encryption with a valid key and a 12-byte nonce cannot fail for inputs under 64 GiB.
    #[allow(clippy::expect_used)]
    let ciphertext = cipher(key)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .expect("AES-GCM encryption of a small secret");
    SealedSecret {
        tenant: tenant.clone(),
        name: name.to_owned(),
        key_id: key.id().to_owned(),
        nonce: nonce.to_vec(),
        ciphertext,
        updated_at: Timestamp::now(),
    }
}

/// Unseals a stored secret.
pub(crate) fn unseal(key: &MasterKey, sealed: &SealedSecret) -> Result<SecretString, VaultError> {
    if sealed.key_id != key.id() {
        return Err(VaultError::WrongKey {
            name: sealed.name.clone(),
            sealed_with: sealed.key_id.clone(),
            current: key.id().to_owned(),
        });
    }
    let tampered = || VaultError::Tampered {
        name: sealed.name.clone(),
    };
    if sealed.nonce.len() != 12 {
        return Err(tampered());
    }
    let aad = associated_data(&sealed.tenant, &sealed.name);
    let plain = Zeroizing::new(
        cipher(key)
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| tampered())?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| tampered())?;
    Ok(SecretString::from(text.to_owned()))
}
