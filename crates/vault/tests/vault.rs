//! The vault against real stores: round trips, wrong keys, tampering, rotation, and the
//! guarantee that a secret's plaintext never reaches the database file.

#![allow(clippy::unwrap_used)]

use ferry_core::TenantId;
use ferry_store::testing::{fresh_postgres_store, fresh_sqlite_store};
use ferry_store::{SealedSecret, Store};
use ferry_vault::{ExposeSecret, MasterKey, SecretString, Vault, VaultError};
use std::sync::Arc;

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

async fn round_trip_rotation_and_errors(store: Arc<dyn Store>) {
    let key = MasterKey::generate();
    let vault = Vault::new(
        store.clone(),
        MasterKey::parse(&key.to_base64(), "test").unwrap(),
    );
    vault
        .set(
            &tenant(),
            "salesforce.client_secret",
            &secret("s3cr3t-value"),
            "test",
        )
        .await
        .unwrap();
    vault
        .set(
            &tenant(),
            "brightpearl.account_token",
            &secret("tok"),
            "test",
        )
        .await
        .unwrap();
    assert_eq!(
        vault
            .get(&tenant(), "salesforce.client_secret")
            .await
            .unwrap()
            .expose_secret(),
        "s3cr3t-value"
    );

    let missing = vault.get(&tenant(), "nope").await.unwrap_err();
    assert!(matches!(missing, VaultError::NotFound { .. }), "{missing}");
    assert!(missing.to_string().contains("ferry vault set nope"));
    assert!(matches!(
        vault.set(&tenant(), "Bad Name", &secret("x"), "t").await,
        Err(VaultError::BadName { .. })
    ));
    assert!(matches!(
        vault.set(&tenant(), "empty", &secret(""), "t").await,
        Err(VaultError::Empty { .. })
    ));

    // A different key is named as the wrong key, not as corruption.
    let wrong = Vault::new(store.clone(), MasterKey::generate());
    let err = wrong
        .get(&tenant(), "salesforce.client_secret")
        .await
        .unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }), "{err}");
    assert!(err.to_string().contains("FERRY_MASTER_KEY"), "{err}");

    // A ciphertext moved to another secret's row fails authentication.
    let sealed = store
        .secret(&tenant(), "salesforce.client_secret")
        .await
        .unwrap()
        .unwrap();
    store
        .put_secret(&SealedSecret {
            name: "brightpearl.account_token".into(),
            ..sealed.clone()
        })
        .await
        .unwrap();
    let err = vault
        .get(&tenant(), "brightpearl.account_token")
        .await
        .unwrap_err();
    assert!(matches!(err, VaultError::Tampered { .. }), "{err}");
    vault
        .set(
            &tenant(),
            "brightpearl.account_token",
            &secret("tok"),
            "test",
        )
        .await
        .unwrap();

    // Rotation: every secret moves to the new key; the old key no longer opens them.
    let listed = vault.list(None).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| s.key_id == key.id()));
    let new_key = MasterKey::generate();
    let new_id = new_key.id().to_owned();
    let (rotated, moved) = vault.rotate(new_key, "test").await.unwrap();
    assert_eq!(moved, 2);
    assert_eq!(
        rotated
            .get(&tenant(), "brightpearl.account_token")
            .await
            .unwrap()
            .expose_secret(),
        "tok"
    );
    assert!(
        rotated
            .list(None)
            .await
            .unwrap()
            .iter()
            .all(|s| s.key_id == new_id)
    );
    let old = Vault::new(store.clone(), key);
    assert!(matches!(
        old.get(&tenant(), "brightpearl.account_token").await,
        Err(VaultError::WrongKey { .. })
    ));

    // Rotating with the wrong current key changes nothing.
    let err = old.rotate(MasterKey::generate(), "test").await.unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }));
    assert_eq!(
        rotated
            .get(&tenant(), "salesforce.client_secret")
            .await
            .unwrap()
            .expose_secret(),
        "s3cr3t-value"
    );

    let actions: Vec<String> = store
        .audit_entries(None, None, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"vault.rotate".to_owned()) && actions.contains(&"vault.set".to_owned())
    );
}

#[tokio::test]
async fn vault_on_sqlite() {
    let (store, _dir) = fresh_sqlite_store().await;
    round_trip_rotation_and_errors(store).await;
}

#[tokio::test]
async fn vault_on_postgres() {
    round_trip_rotation_and_errors(fresh_postgres_store().await).await;
}

#[tokio::test]
async fn the_sqlite_file_never_holds_a_plaintext_secret() {
    let (store, dir) = fresh_sqlite_store().await;
    let marker = "PLAINTEXT-MARKER-7f3a9c-do-not-store";
    let vault = Vault::new(store.clone(), MasterKey::generate());
    vault
        .set(
            &tenant(),
            "salesforce.client_secret",
            &secret(marker),
            "test",
        )
        .await
        .unwrap();
    let rotated = vault.rotate(MasterKey::generate(), "test").await.unwrap().0;
    assert_eq!(
        rotated
            .get(&tenant(), "salesforce.client_secret")
            .await
            .unwrap()
            .expose_secret(),
        marker
    );
    drop(rotated);
    store.pool().close().await;

    // Every file SQLite wrote: the database, its WAL and shared-memory index.
    let mut searched = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        searched += bytes.len();
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "a database file contains the plaintext secret"
        );
    }
    assert!(
        searched > 4096,
        "the search covered the database ({searched} bytes)"
    );
    // The search can find things: the secret's name is stored in the clear.
    let db = std::fs::read(dir.path().join("ferry.db")).unwrap();
    let name = b"salesforce.client_secret";
    assert!(db.windows(name.len()).any(|w| w == name));
}
