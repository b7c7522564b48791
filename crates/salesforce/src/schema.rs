//! Describes fetched over the client and remembered: `GET /sobjects/{Object}/describe` once
//! per object, again when the remembered one is older than the maximum age or on demand, and
//! what changed reported as [`Drift`] (a mapping may need attention).

use crate::Client;
use crate::describe::{DescribeCache, Drift, SObjectDescribe};
use ferry_http::Error;
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// A fetched describe and what changed since the one it replaced.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The describe now remembered.
    pub describe: SObjectDescribe,
    /// How it differs from the previous one (empty on first fetch or no change).
    pub drift: Vec<Drift>,
}

/// The cache and the names it holds (the cache keys by lower-cased name).
#[derive(Debug, Default)]
struct Remembered {
    describes: DescribeCache,
    names: BTreeSet<String>,
}

/// Describes of one org, cached for `max_age`.
#[derive(Debug)]
pub struct Schema {
    client: Client,
    max_age: time::Duration,
    /// The remembered describes; a std mutex, never held across an await.
    cache: Mutex<Remembered>,
    /// Drift found by refreshes that [`Schema::describe`] made on its own, until taken.
    unreported: Mutex<Vec<Drift>>,
}

impl Schema {
    /// Describes of `client`'s org, each refetched once older than `max_age`.
    pub fn new(client: &Client, max_age: Duration) -> Self {
        Self {
            client: client.clone(),
            max_age: time::Duration::try_from(max_age).unwrap_or(time::Duration::MAX),
            cache: Mutex::new(Remembered::default()),
            unreported: Mutex::new(Vec::new()),
        }
    }

    /// The describe of `object`: the remembered one while younger than the maximum age,
    /// otherwise fetched. Drift found by such a refetch is logged and kept for
    /// [`Schema::take_drift`].
    pub async fn describe(&self, object: &str) -> Result<SObjectDescribe, Error> {
        let now = OffsetDateTime::now_utc();
        {
            let cache = self.lock_cache();
            if !cache.describes.is_stale(object, now, self.max_age)
                && let Some(entry) = cache.describes.get(object)
            {
                return Ok(entry.describe.clone());
            }
        }
        let refreshed = self.refresh(object).await?;
        if !refreshed.drift.is_empty() {
            self.unreported
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend(refreshed.drift.iter().cloned());
        }
        Ok(refreshed.describe)
    }

    /// Fetches `object`'s describe now, remembers it, and says what changed.
    pub async fn refresh(&self, object: &str) -> Result<Refreshed, Error> {
        check_name(object)?;
        let describe: SObjectDescribe = self
            .client
            .get_json(&format!("/sobjects/{object}/describe"))
            .await?;
        let drift = {
            let mut cache = self.lock_cache();
            cache.names.insert(describe.name.clone());
            cache
                .describes
                .insert(describe.clone(), OffsetDateTime::now_utc())
        };
        for change in &drift {
            tracing::warn!(object = %change.object, field = %change.field, change = %change, breaking = change.is_breaking(), "Salesforce schema drift");
        }
        Ok(Refreshed { describe, drift })
    }

    /// Refetches every remembered object; returns all drift found.
    pub async fn refresh_all(&self) -> Result<Vec<Drift>, Error> {
        let objects = self.objects();
        let mut drift = Vec::new();
        for object in objects {
            drift.extend(self.refresh(&object).await?.drift);
        }
        Ok(drift)
    }

    /// Drift found by [`Schema::describe`]'s own refetches since the last call.
    pub fn take_drift(&self) -> Vec<Drift> {
        std::mem::take(
            &mut *self
                .unreported
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The names of the remembered objects.
    pub fn objects(&self) -> Vec<String> {
        self.lock_cache().names.iter().cloned().collect()
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Remembered> {
        // The cache holds whole describes; a panic elsewhere cannot leave one half-written.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Object names go into the URL path: only API names (letters, digits, underscores).
fn check_name(object: &str) -> Result<(), Error> {
    let ok = object
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && object
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && object.len() <= 80;
    if ok {
        Ok(())
    } else {
        Err(Error::Config {
            message: format!(
                "{object:?} is not a Salesforce object API name (letters, digits and \
                 underscores, such as Account or Payment__c); fix the object name in the \
                 mapping"
            ),
        })
    }
}
