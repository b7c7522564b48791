//! The state file: the whole account as JSON (the records in their GET shapes), loaded at start
//! when it exists and saved at most once a second while the account changes, and on stop.
//! Saving writes a temporary file and renames it over the old one, so a crash mid-save never
//! leaves a half-written state.

use super::account::Account;
use super::api::AppState;
use anyhow::Context as _;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Reads an account from `path`.
pub fn load(path: &Path) -> anyhow::Result<Account> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the state file {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the state file {} is not a Brightpearl sandbox state (move it away to start afresh)",
            path.display()
        )
    })
}

/// Writes the account to `path` (atomically: temporary file, then rename).
pub fn save(state: &AppState, path: &Path) -> anyhow::Result<()> {
    let bytes = {
        let account = state.account();
        serde_json::to_vec(&*account).context("cannot encode the account")?
    };
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, &bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot replace the state file {}", path.display()))?;
    Ok(())
}

/// Saves every second while the account is marked changed, until `stop` turns true.
pub fn spawn_autosave(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(path) = state.state_file.clone() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => break,
            }
            if state.dirty.swap(false, Ordering::Relaxed)
                && let Err(e) = save(&state, &path)
            {
                state.touch();
                tracing::warn!(error = %e, "cannot save the Brightpearl sandbox state");
            }
        }
    });
}
