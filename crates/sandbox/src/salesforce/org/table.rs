//! One object's records and the indexes Salesforce keeps on them: ids, unique and external-id
//! values, and parent → children references.

use super::{Record, unique_key};
use crate::salesforce::ids::SfId;
use crate::salesforce::schema::{FieldType, ObjectDef, OnDelete};
use crate::salesforce::value::Value;
use std::collections::HashMap;

/// The records of one object and their indexes.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Records in creation order (deleted ones stay, flagged IsDeleted).
    pub(super) records: Vec<Record>,
    /// Id → slot.
    pub(super) by_id: HashMap<SfId, usize>,
    /// Per unique field: normalised value → slot of the live record holding it.
    pub(super) unique: Vec<(usize, HashMap<String, usize>)>,
    /// Per indexed reference field: parent id → slots of live children.
    pub(super) children: Vec<(usize, HashMap<SfId, Vec<usize>>)>,
    /// Last auto-number handed out.
    pub(super) auto_number: u64,
}

impl Table {
    pub(super) fn new(object: &ObjectDef) -> Table {
        let unique = object
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.unique)
            .map(|(i, _)| (i, HashMap::new()))
            .collect();
        let children = object
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.field_type == FieldType::Reference
                    && (f.child_relationship.is_some() || f.on_delete != OnDelete::Clear)
            })
            .map(|(i, _)| (i, HashMap::new()))
            .collect();
        Table {
            unique,
            children,
            ..Table::default()
        }
    }

    /// Every record, deleted ones included, in creation order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Number of live records.
    pub fn live_count(&self) -> usize {
        self.records.iter().filter(|r| !r.is_deleted()).count()
    }

    /// Replaces slot `slot` with `record` (or appends when `slot == len`), keeping indexes.
    pub(super) fn put(&mut self, object: &ObjectDef, slot: usize, record: Option<Record>) {
        if let Some(old) = self.records.get(slot).cloned() {
            self.unindex(object, slot, &old);
        }
        match record {
            Some(record) => {
                self.index(object, slot, &record);
                if slot == self.records.len() {
                    self.records.push(record);
                } else {
                    self.records[slot] = record;
                }
            }
            None => {
                // Only the newest slot is ever removed (undo of an insert).
                if slot + 1 == self.records.len()
                    && let Some(old) = self.records.pop()
                {
                    self.by_id.remove(&old.id());
                }
            }
        }
    }

    pub(super) fn index(&mut self, object: &ObjectDef, slot: usize, record: &Record) {
        self.by_id.insert(record.id(), slot);
        if record.is_deleted() {
            return;
        }
        for (field, index) in &mut self.unique {
            if let Some(key) = unique_key(object.def(*field), record.get(*field)) {
                index.insert(key, slot);
            }
        }
        for (field, index) in &mut self.children {
            if let Some(parent) = record.get(*field).as_id() {
                index.entry(parent).or_default().push(slot);
            }
        }
    }

    pub(super) fn unindex(&mut self, object: &ObjectDef, slot: usize, record: &Record) {
        if record.is_deleted() {
            return;
        }
        for (field, index) in &mut self.unique {
            if let Some(key) = unique_key(object.def(*field), record.get(*field))
                && index.get(&key) == Some(&slot)
            {
                index.remove(&key);
            }
        }
        for (field, index) in &mut self.children {
            if let Some(parent) = record.get(*field).as_id()
                && let Some(slots) = index.get_mut(&parent)
            {
                if let Some(at) = slots.iter().position(|s| *s == slot) {
                    slots.swap_remove(at);
                }
                if slots.is_empty() {
                    index.remove(&parent);
                }
            }
        }
    }

    /// Removes a deleted record for good (hard delete), moving the last record into its slot.
    pub(super) fn purge(&mut self, object: &ObjectDef, slot: usize) {
        let last = self.records.len() - 1;
        if let Some(gone) = self.records.get(slot).cloned() {
            self.unindex(object, slot, &gone);
            self.by_id.remove(&gone.id());
        }
        if slot != last
            && let Some(moved) = self.records.get(last).cloned()
        {
            self.unindex(object, last, &moved);
            self.records.swap_remove(slot);
            self.index(object, slot, &moved);
        } else {
            self.records.truncate(last);
        }
    }

    /// The live record whose unique `field` has this value.
    pub fn find_unique(&self, object: &ObjectDef, field: usize, value: &Value) -> Option<usize> {
        let key = unique_key(object.def(field), value)?;
        self.unique
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, index)| index.get(&key).copied())
    }

    /// Slots of live children referring to `parent` through `field`, if that field is indexed.
    pub fn children_of(&self, field: usize, parent: SfId) -> Option<&[usize]> {
        let (_, index) = self.children.iter().find(|(f, _)| *f == field)?;
        Some(index.get(&parent).map_or(&[][..], |v| v.as_slice()))
    }
}
