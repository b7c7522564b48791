//! The last describe seen for each object. Pure data: whoever fetches describes puts them
//! here and learns what drifted; this module never does I/O.

use super::{Drift, SObjectDescribe, SchemaFingerprint, drift};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// One remembered describe.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedDescribe {
    /// The describe as fetched.
    pub describe: SObjectDescribe,
    /// Its fingerprint, computed once.
    pub fingerprint: SchemaFingerprint,
    /// When it was fetched (UTC).
    pub fetched_at: OffsetDateTime,
}

/// Describes by object name (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct DescribeCache {
    /// Keyed by the lower-cased object name, as Salesforce names match in any case.
    entries: HashMap<String, CachedDescribe>,
}

impl DescribeCache {
    /// An empty cache.
    pub fn new() -> DescribeCache {
        DescribeCache::default()
    }

    /// Remembers `describe` (fetched at `fetched_at`) and returns how it differs from the one
    /// it replaces: empty for the first describe of an object or an unchanged schema.
    pub fn insert(&mut self, describe: SObjectDescribe, fetched_at: OffsetDateTime) -> Vec<Drift> {
        let key = describe.name.to_ascii_lowercase();
        let fingerprint = describe.fingerprint();
        let changes = match self.entries.get(&key) {
            Some(previous) if previous.fingerprint != fingerprint => {
                drift(&previous.describe, &describe)
            }
            _ => Vec::new(),
        };
        self.entries.insert(
            key,
            CachedDescribe {
                describe,
                fingerprint,
                fetched_at,
            },
        );
        changes
    }

    /// The remembered describe of `object`.
    pub fn get(&self, object: &str) -> Option<&CachedDescribe> {
        self.entries.get(&object.to_ascii_lowercase())
    }

    /// True when `object` has no describe, or one older than `max_age` at `now`.
    pub fn is_stale(&self, object: &str, now: OffsetDateTime, max_age: Duration) -> bool {
        self.get(object)
            .is_none_or(|entry| now - entry.fetched_at > max_age)
    }

    /// Forgets `object` (e.g. after Salesforce said it no longer exists).
    pub fn remove(&mut self, object: &str) -> Option<CachedDescribe> {
        self.entries.remove(&object.to_ascii_lowercase())
    }

    /// How many objects are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
