//! The state file: the org (records, counters, change log), its users' credentials and the
//! connected app's, so that a restarted sandbox is the same org and clients configured with
//! those credentials keep working. Access tokens are not kept: clients log in again on the
//! 401, as they must against Salesforce.
//!
//! Format (JSON): `{"version": 1, "org": <Org::snapshot>, "users": [{"role": "admin"|
//! "integration", "user_id", "username", "password", "security_token", "full_name",
//! "email"}], "client": {"client_id", "client_secret"}}`.
//!
//! Writes are atomic: the file is written to `FILE.tmp`, synced and renamed over `FILE`, so a
//! crash leaves either the old state or the new one, never half of one. The file holds
//! passwords, so on Unix only its owner may read it (mode 600).

use super::api::AppState;
use super::auth::{Auth, ConnectedApp, User};
use super::ids::SfId;
use super::org::{Org, Snapshot};
use super::schema::Schema;
use anyhow::{Context as _, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The format version this sandbox writes and reads.
pub const VERSION: u32 = 1;

/// How often autosave looks for changes.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(1);

/// One save at a time per process: a save snapshots and writes under this lock, so the last
/// save to finish wrote the newest state, and two saves never share the temporary file.
static SAVING: Mutex<()> = Mutex::new(());

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile<O> {
    version: u32,
    org: O,
    users: Vec<SavedUser>,
    client: SavedClient,
}

/// Only the version, read first so a newer file is refused with a clear message.
#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedUser {
    role: Role,
    user_id: SfId,
    username: String,
    password: String,
    security_token: String,
    full_name: String,
    email: String,
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Role {
    Admin,
    Integration,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedClient {
    client_id: String,
    client_secret: String,
}

impl SavedUser {
    fn new(role: Role, user: &User) -> SavedUser {
        SavedUser {
            role,
            user_id: user.user_id,
            username: user.username.clone(),
            password: user.password.clone(),
            security_token: user.security_token.clone(),
            full_name: user.full_name.clone(),
            email: user.email.clone(),
        }
    }

    fn into_user(self) -> User {
        User {
            user_id: self.user_id,
            username: self.username,
            password: self.password,
            security_token: self.security_token,
            full_name: self.full_name,
            email: self.email,
        }
    }
}

/// What to tell the user about a state file that cannot be used.
fn remedy(path: &Path) -> String {
    format!(
        "fix it, or move it away to start a fresh org (mv {0} {0}.bad)",
        path.display()
    )
}

/// Loads an org and its users from a state file. A file that cannot be read or is not a
/// state file of this version is an error naming the file and what to do; it never silently
/// gives an empty org.
pub fn load(path: &Path, schema: Arc<Schema>) -> anyhow::Result<(Org, Auth)> {
    let text = std::fs::read(path).map_err(|err| {
        anyhow!(
            "cannot read the state file {}: {err}; check its permissions, or {}",
            path.display(),
            remedy(path)
        )
    })?;
    let version: VersionOnly = serde_json::from_slice(&text).map_err(|err| {
        anyhow!(
            "{} is not a sandbox state file ({err}); {}",
            path.display(),
            remedy(path)
        )
    })?;
    if version.version != VERSION {
        bail!(
            "the state file {} has format version {}, this sandbox reads version {VERSION}; use the Ferry release that wrote it, or {}",
            path.display(),
            version.version,
            remedy(path)
        );
    }
    let state: StateFile<Snapshot> = serde_json::from_slice(&text).map_err(|err| {
        anyhow!(
            "the state file {} is damaged ({err}); {}",
            path.display(),
            remedy(path)
        )
    })?;
    let mut admin = None;
    let mut integration = None;
    for user in state.users {
        let slot = match user.role {
            Role::Admin => &mut admin,
            Role::Integration => &mut integration,
        };
        if slot.is_some() {
            bail!(
                "the state file {} lists two {} users; {}",
                path.display(),
                role_name(user.role),
                remedy(path)
            );
        }
        *slot = Some(user.into_user());
    }
    let (Some(admin), Some(integration)) = (admin, integration) else {
        bail!(
            "the state file {} lacks the admin or the integration user; {}",
            path.display(),
            remedy(path)
        );
    };
    let org = Org::restore(schema, state.org);
    for user in [&admin, &integration] {
        if org.get_live(user.user_id).is_none() {
            bail!(
                "the state file {} has no User record {} for {}; {}",
                path.display(),
                user.user_id,
                user.username,
                remedy(path)
            );
        }
    }
    let mut auth = Auth::with_users(org.org_id(), admin, integration);
    auth.set_client(ConnectedApp {
        client_id: state.client.client_id,
        client_secret: state.client.client_secret,
    });
    Ok((org, auth))
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Integration => "integration",
    }
}

/// Writes the state file atomically (`FILE.tmp`, fsync, rename).
pub fn save(state: &AppState, path: &Path) -> anyhow::Result<()> {
    let _saving = SAVING.lock().unwrap_or_else(|p| p.into_inner());
    // Snapshot under the locks, serialise and write without them: handlers wait only for
    // the copy.
    let snapshot = state.org().snapshot();
    let (users, client) = {
        let auth = state.auth();
        (
            vec![
                SavedUser::new(Role::Admin, auth.admin()),
                SavedUser::new(Role::Integration, auth.integration()),
            ],
            SavedClient {
                client_id: auth.client().client_id.clone(),
                client_secret: auth.client().client_secret.clone(),
            },
        )
    };
    let file = StateFile {
        version: VERSION,
        org: snapshot,
        users,
        client,
    };
    let bytes = serde_json::to_vec(&file).context("cannot serialise the org")?;
    write_atomically(path, &bytes)
        .with_context(|| format!("cannot write the state file {}", path.display()))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut temporary = PathBuf::from(path);
    temporary.as_mut_os_string().push(".tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // The file holds the users' passwords: only the owner may read it.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path).with_context(|| {
        format!(
            "cannot rename {} to {}",
            temporary.display(),
            path.display()
        )
    })?;
    // Make the rename itself durable. Not every platform can open a directory: best effort.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Saves at most once a second while the org changes (the change log moved), until `stop`
/// turns true or its sender goes away. The final save on shutdown is
/// [`Sandbox::stop`](super::api::Sandbox::stop)'s.
pub fn spawn_autosave(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(path) = state.state_file.clone() else {
        return;
    };
    tokio::spawn(async move {
        // (generation, last sequence number): a reset starts sequence numbers again at 1.
        let position = |state: &AppState| {
            (
                state.generation.load(std::sync::atomic::Ordering::SeqCst),
                state.org().changes.last_seq(),
            )
        };
        let mut saved_seq = position(&state);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(AUTOSAVE_EVERY) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
            let seq = position(&state);
            if seq == saved_seq {
                continue;
            }
            let (state, path) = (state.clone(), path.clone());
            let outcome = tokio::task::spawn_blocking(move || save(&state, &path)).await;
            match outcome {
                Ok(Ok(())) => saved_seq = seq,
                Ok(Err(err)) => tracing::warn!("autosave failed: {err:#}"),
                Err(err) => tracing::warn!("autosave stopped unexpectedly: {err}"),
            }
        }
    });
}
