//! The change log: every committed write, once, in commit order. Change data capture (the
//! Pub/Sub API and CometD emulation) reads it; so can tests and `/__sandbox/changes`.
//!
//! One entry per record per transaction, as Salesforce's change events are: several writes to
//! the same record in one transaction merge into one entry with the first change type and the
//! union of the changed fields; `values` holds the record's values for those fields at commit.

use super::ids::SfId;
use super::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeType {
    /// Inserted.
    Create,
    /// Fields changed (or a no-op write: system fields still move).
    Update,
    /// Moved to the recycle bin.
    Delete,
    /// Restored from the recycle bin.
    Undelete,
}

/// One committed change to one record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    /// Position in the log: 1, 2, 3, ... (never reused; the Pub/Sub replay id).
    pub seq: u64,
    /// Object API name.
    pub entity: String,
    /// The record.
    pub record_id: SfId,
    /// What happened.
    pub change_type: ChangeType,
    /// Same for every change committed together.
    pub transaction_key: String,
    /// 1-based position within the transaction.
    pub sequence_number: u32,
    /// Commit time, ms since the epoch.
    pub commit_timestamp: i64,
    /// Commit number, increasing with every transaction.
    pub commit_number: u64,
    /// The user whose session made the change.
    pub commit_user: SfId,
    /// `com/salesforce/api/rest/59.0;client=ferry` (empty for changes the sandbox itself made).
    pub change_origin: String,
    /// Fields given a value (for a create: every field with a value). Field API names, shared
    /// with the schema (a change log of a million entries holds no copies of them).
    pub changed_fields: Vec<Arc<str>>,
    /// Fields set to null by this change.
    pub nulled_fields: Vec<Arc<str>>,
    /// The values of `changed_fields` at commit, in the same order.
    pub values: Vec<Value>,
}

/// The log, bounded by count (oldest entries fall off, like Salesforce's 72-hour retention).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeLog {
    entries: VecDeque<Change>,
    /// Sequence number the next change gets.
    next_seq: u64,
    /// Commit number the next transaction gets.
    next_commit: u64,
    /// Most entries kept.
    capacity: usize,
}

impl Default for ChangeLog {
    fn default() -> ChangeLog {
        ChangeLog::with_capacity(1_000_000)
    }
}

impl ChangeLog {
    /// An empty log that keeps at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> ChangeLog {
        ChangeLog {
            entries: VecDeque::new(),
            next_seq: 1,
            next_commit: 1_000_000,
            capacity: capacity.max(1),
        }
    }

    /// Appends one transaction's changes, numbering them.
    pub fn commit(&mut self, mut changes: Vec<Change>) -> u64 {
        let commit_number = self.next_commit;
        self.next_commit += 1;
        for (n, mut change) in changes.drain(..).enumerate() {
            change.seq = self.next_seq;
            change.sequence_number = n as u32 + 1;
            change.commit_number = commit_number;
            self.next_seq += 1;
            if self.entries.len() == self.capacity {
                self.entries.pop_front();
            }
            self.entries.push_back(change);
        }
        self.last_seq()
    }

    /// The newest sequence number (0 when nothing was ever committed).
    pub fn last_seq(&self) -> u64 {
        // `next_seq` comes from the state file too: 0 there must not underflow.
        self.next_seq.saturating_sub(1)
    }

    /// The oldest sequence number still held (`last_seq() + 1` when empty).
    pub fn first_seq(&self) -> u64 {
        self.entries.front().map_or(self.next_seq, |c| c.seq)
    }

    /// Changes with a sequence number greater than `after`, at most `limit` of them.
    pub fn after(&self, after: u64, limit: usize) -> impl Iterator<Item = &Change> {
        let first = self.first_seq();
        let skip = after.saturating_sub(first.saturating_sub(1)) as usize;
        self.entries.iter().skip(skip).take(limit)
    }

    /// Every change held, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Change> {
        self.entries.iter()
    }

    /// Number of changes held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no change is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_with_next_seq_zero_does_not_underflow() {
        let log: ChangeLog = serde_json::from_value(serde_json::json!({
            "entries": [], "next_seq": 0, "next_commit": 1, "capacity": 10
        }))
        .unwrap();
        assert_eq!(log.last_seq(), 0);
        assert_eq!(log.after(0, 10).count(), 0);
    }
}
