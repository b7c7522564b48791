//! Write transactions: every write records an undo entry, so a record (savepoint) or the whole
//! transaction can be rolled back exactly; commit turns the writes into change-log entries.

use super::{Actor, Org, Record, UpsertError, Upserted, unique_key};
use crate::salesforce::api::RecordError;
use crate::salesforce::changes::{Change, ChangeType};
use crate::salesforce::ids::SfId;
use crate::salesforce::rules;
use crate::salesforce::schema::{FieldType, OnDelete, sys};
use crate::salesforce::value::{self, Value};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashMap};

pub(super) enum Undo {
    /// Slot `slot` of `object` held `old` (`None`: the slot was appended).
    Put {
        object: usize,
        slot: usize,
        old: Option<Record>,
    },
    AutoNumber {
        object: usize,
        old: u64,
    },
    Serial(u64),
}

/// One write to one record, as the change log will see it.
pub(super) struct Touch {
    object: usize,
    id: SfId,
    change_type: ChangeType,
    changed: Vec<usize>,
}

/// A place to roll back to.
#[derive(Debug, Clone, Copy)]
pub struct Savepoint {
    undo: usize,
    touched: usize,
}

/// A write transaction. Dropped without [`Txn::commit`], it rolls back.
pub struct Txn<'o> {
    pub(super) org: &'o mut Org,
    pub(super) actor: Actor,
    pub(super) now: i64,
    pub(super) undo: Vec<Undo>,
    pub(super) touched: Vec<Touch>,
    pub(super) committed: bool,
    /// Records whose delete is in progress (outermost first): a cascade never comes back to
    /// one of them, so cascade cycles in a user's schema end, and chains are bounded.
    pub(super) deleting: Vec<SfId>,
}

/// How a write names the fields it sets.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'r> {
    /// A new record.
    Create,
    /// An existing record, as it stands (create-only fields repeated with their current value
    /// are accepted, as clients send whole records back).
    Update(&'r Record),
}

impl<'o> Txn<'o> {
    /// The org as it stands inside the transaction.
    pub fn org(&self) -> &Org {
        self.org
    }

    /// The writer.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The transaction's clock (ms since the epoch).
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Marks a point to roll back to.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint {
            undo: self.undo.len(),
            touched: self.touched.len(),
        }
    }

    /// Undoes everything after `savepoint`.
    pub fn rollback_to(&mut self, savepoint: Savepoint) {
        while self.undo.len() > savepoint.undo {
            let Some(undo) = self.undo.pop() else { break };
            match undo {
                Undo::Put { object, slot, old } => {
                    let def = self.org.schema.def(object).clone();
                    self.org.tables[object].put(&def, slot, old);
                }
                Undo::AutoNumber { object, old } => self.org.tables[object].auto_number = old,
                Undo::Serial(old) => self.org.next_serial = old,
            }
        }
        self.touched.truncate(savepoint.touched);
    }

    /// Creates a record from input JSON.
    pub fn create(
        &mut self,
        object: usize,
        input: &Map<String, Json>,
    ) -> Result<SfId, RecordError> {
        let def = self.org.schema.def(object);
        if !def.createable {
            return Err(RecordError::new(
                "INVALID_TYPE_FOR_OPERATION",
                format!("entity type cannot be inserted: {}", def.name),
            ));
        }
        let assigned = self.parse_input(object, input, Mode::Create)?;
        self.create_assigned(object, assigned)
    }

    /// Creates a record from already-parsed assignments.
    pub fn create_assigned(
        &mut self,
        object: usize,
        assigned: Vec<(usize, Value)>,
    ) -> Result<SfId, RecordError> {
        let schema = self.org.schema.clone();
        let def = schema.def(object);
        let mut record = Record {
            values: vec![Value::Null; def.fields.len()],
        };
        for (index, field) in def.fields.iter().enumerate() {
            if let Some(default) = &field.default {
                record.values[index] = value::from_default(field, default);
            } else if field.field_type == FieldType::Boolean {
                record.values[index] = Value::Bool(false);
            }
        }
        let mut set: Vec<usize> = Vec::with_capacity(assigned.len());
        for (index, value) in assigned {
            record.values[index] = value;
            set.push(index);
        }
        if let Some(owner) = def.field("OwnerId")
            && record.values[owner].is_null()
        {
            record.values[owner] = Value::Id(self.actor.user);
        }
        rules::before_write(self, object, None, &mut record, &set)?;
        self.check_required(def, &record, None)?;
        self.check_references(def, &record, None)?;
        self.check_unique(object, def, &record, None)?;

        let old_serial = self.org.next_serial;
        let id = self.org.mint(object);
        self.undo.push(Undo::Serial(old_serial));
        record.values[sys::ID] = Value::Id(id);
        record.values[sys::IS_DELETED] = Value::Bool(false);
        for name in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            record.values[def.system_field(name)] = Value::DateTime(self.now);
        }
        for name in ["CreatedById", "LastModifiedById"] {
            record.values[def.system_field(name)] = Value::Id(self.actor.user);
        }
        for (index, field) in def.fields.iter().enumerate() {
            if let Some(format) = &field.auto_number {
                let table = &mut self.org.tables[object];
                self.undo.push(Undo::AutoNumber {
                    object,
                    old: table.auto_number,
                });
                table.auto_number += 1;
                record.values[index] = Value::text(auto_number(format, table.auto_number));
            }
        }
        let changed: Vec<usize> = (0..def.fields.len())
            .filter(|i| !record.values[*i].is_null() && *i != sys::IS_DELETED)
            .collect();
        let slot = self.org.tables[object].records.len();
        self.org.tables[object].put(def, slot, Some(record));
        self.undo.push(Undo::Put {
            object,
            slot,
            old: None,
        });
        self.touched.push(Touch {
            object,
            id,
            change_type: ChangeType::Create,
            changed,
        });
        rules::after_write(self, object, id)?;
        Ok(id)
    }

    /// Updates a record from input JSON.
    pub fn update(
        &mut self,
        object: usize,
        id: SfId,
        input: &Map<String, Json>,
    ) -> Result<(), RecordError> {
        let (current_object, current) = self.live_for_write(id)?;
        if current_object != object {
            let def = self.org.schema.def(object);
            return Err(RecordError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {id}", def.label),
            )
            .with_fields(&["Id"]));
        }
        let assigned = self.parse_input(object, input, Mode::Update(current))?;
        self.update_assigned(object, id, assigned).map(|_| ())
    }

    /// The live record a write addresses (deleted and unknown ids refused as Salesforce does).
    fn live_for_write(&self, id: SfId) -> Result<(usize, &Record), RecordError> {
        match self.org.get(id) {
            Some((_, record)) if record.is_deleted() => {
                Err(RecordError::new("ENTITY_IS_DELETED", "entity is deleted"))
            }
            Some(found) => Ok(found),
            None => Err(RecordError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )),
        }
    }

    /// Updates a record from parsed assignments. Returns the fields whose value changed.
    pub fn update_assigned(
        &mut self,
        object: usize,
        id: SfId,
        assigned: Vec<(usize, Value)>,
    ) -> Result<Vec<usize>, RecordError> {
        let schema = self.org.schema.clone();
        let def = schema.def(object);
        let old = self.live_for_write(id)?.1.clone();
        let mut record = old.clone();
        let mut set = Vec::with_capacity(assigned.len());
        for (index, value) in assigned {
            record.values[index] = value;
            set.push(index);
        }
        rules::before_write(self, object, Some(&old), &mut record, &set)?;
        self.check_required(def, &record, Some(&old))?;
        self.check_references(def, &record, Some(&old))?;
        self.check_unique(object, def, &record, Some(id))?;
        self.write_existing(object, id, old, record, ChangeType::Update)
    }

    /// Stores a changed record, bumps the audit fields and notes the change.
    fn write_existing(
        &mut self,
        object: usize,
        id: SfId,
        old: Record,
        mut record: Record,
        change_type: ChangeType,
    ) -> Result<Vec<usize>, RecordError> {
        let schema = self.org.schema.clone();
        let def = schema.def(object);
        let modified = def.system_field("LastModifiedDate");
        record.values[modified] = Value::DateTime(self.now);
        record.values[def.system_field("SystemModstamp")] = Value::DateTime(self.now);
        record.values[def.system_field("LastModifiedById")] = Value::Id(self.actor.user);
        let mut changed: Vec<usize> = (0..def.fields.len())
            .filter(|i| record.values[*i] != old.values[*i])
            .filter(|i| def.fields[*i].name != "SystemModstamp")
            .collect();
        if !changed.contains(&modified) {
            changed.push(modified);
        }
        let slot = self.org.tables[object].by_id[&id];
        self.org.tables[object].put(def, slot, Some(record));
        self.undo.push(Undo::Put {
            object,
            slot,
            old: Some(old),
        });
        self.touched.push(Touch {
            object,
            id,
            change_type,
            changed: changed.clone(),
        });
        if change_type == ChangeType::Update {
            rules::after_write(self, object, id)?;
        }
        Ok(changed)
    }

    /// Upserts by an external id field: creates when nothing matches, updates one match,
    /// refuses several.
    pub fn upsert(
        &mut self,
        object: usize,
        field_name: &str,
        key: &str,
        input: &Map<String, Json>,
    ) -> Result<Upserted, UpsertError> {
        let def = self.org.schema.def(object);
        let Some(field) = def
            .field(field_name)
            .filter(|i| def.def(*i).external_id || *i == sys::ID)
        else {
            return Err(UpsertError::NotExternalId(format!(
                "Provided external ID field does not exist or is not accessible: {field_name}"
            )));
        };
        let field_def = def.def(field);
        let key_value = value::from_text(field_def, key)
            .map_err(|e| RecordError::new(e.code, e.message).with_fields(&[&field_def.name]))?;
        if key_value.is_null() {
            return Err(UpsertError::Record(RecordError::new(
                "MISSING_ARGUMENT",
                format!("{} not specified", field_def.name),
            )));
        }
        // The key may be repeated in the body, but only with the same value.
        if let Some((_, raw)) = input
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&field_def.name))
        {
            let same = value::from_json(field_def, raw)
                .map(|v| unique_key(field_def, &v) == unique_key(field_def, &key_value))
                .unwrap_or(false);
            if !same {
                return Err(UpsertError::Record(
                    RecordError::new(
                        "INVALID_FIELD",
                        format!(
                            "The external ID field {} in the request body does not match the value in the URL",
                            field_def.name
                        ),
                    )
                    .with_fields(&[&field_def.name]),
                ));
            }
        }
        if field == sys::ID {
            let id = key_value.as_id().ok_or_else(|| {
                RecordError::new(
                    "MALFORMED_ID",
                    format!("Id: id value of incorrect type: {key}"),
                )
            })?;
            let mut body = input.clone();
            body.retain(|k, _| !k.eq_ignore_ascii_case("Id"));
            self.update(object, id, &body)?;
            return Ok(Upserted { id, created: false });
        }
        let matches = self.org.find_by_field(object, field, &key_value);
        match matches.as_slice() {
            [] => {
                let mut body = input.clone();
                body.retain(|k, _| !k.eq_ignore_ascii_case(&field_def.name));
                let def = self.org.schema.def(object);
                if !def.createable {
                    return Err(UpsertError::Record(RecordError::new(
                        "INVALID_TYPE_FOR_OPERATION",
                        format!("entity type cannot be inserted: {}", def.name),
                    )));
                }
                let mut assigned = self.parse_input(object, &body, Mode::Create)?;
                assigned.push((field, key_value));
                let id = self.create_assigned(object, assigned)?;
                Ok(Upserted { id, created: true })
            }
            [id] => {
                let id = *id;
                let mut body = input.clone();
                body.retain(|k, _| !k.eq_ignore_ascii_case(&field_def.name));
                self.update(object, id, &body)?;
                Ok(Upserted { id, created: false })
            }
            many => Err(UpsertError::Multiple(many.to_vec())),
        }
    }

    /// Moves a record (and its cascade children) to the recycle bin.
    pub fn delete(&mut self, id: SfId) -> Result<(), RecordError> {
        let (object, record) = match self.org.get(id) {
            Some((_, r)) if r.is_deleted() => {
                return Err(RecordError::new("ENTITY_IS_DELETED", "entity is deleted"));
            }
            Some((object, r)) => (object, r.clone()),
            None => {
                return Err(RecordError::new(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                ));
            }
        };
        rules::before_delete(self, object, &record)?;
        if self.deleting.len() >= MAX_CASCADE_DEPTH {
            return Err(RecordError::new(
                "DELETE_FAILED",
                format!(
                    "deleting {id} cascades more than {MAX_CASCADE_DEPTH} levels deep; check the schema's on_delete = \"cascade\" fields"
                ),
            ));
        }
        self.deleting.push(id);
        let outcome = self.delete_children_then(id, object, record);
        self.deleting.pop();
        outcome
    }

    /// The rest of [`Txn::delete`]: children first (cascade, restrict or clear), then the
    /// record itself.
    fn delete_children_then(
        &mut self,
        id: SfId,
        object: usize,
        record: Record,
    ) -> Result<(), RecordError> {
        let schema = self.org.schema.clone();
        // Children first: cascade, restrict, or clear the reference.
        for child in &schema.def(object).children {
            let child_def = schema.def(child.child);
            let field = child_def.def(child.field);
            let ids: Vec<SfId> = self
                .org
                .children(child.child, child.field, id)
                .iter()
                .map(|r| r.id())
                .collect();
            if ids.is_empty() {
                continue;
            }
            match field.on_delete {
                OnDelete::Cascade => {
                    for child_id in ids {
                        if !self.deleting.contains(&child_id) {
                            self.delete(child_id)?;
                        }
                    }
                }
                OnDelete::Restrict => {
                    return Err(RecordError::new(
                        "DELETE_FAILED",
                        format!(
                            "Your attempt to delete {} could not be completed because it is associated with the following {}: {}",
                            schema.def(object).label,
                            child_def.label_plural.to_lowercase(),
                            ids.iter()
                                .take(5)
                                .map(SfId::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                OnDelete::Clear => {
                    for child_id in ids {
                        self.update_assigned(
                            child.child,
                            child_id,
                            vec![(child.field, Value::Null)],
                        )?;
                    }
                }
            }
        }
        let mut deleted = record.clone();
        deleted.values[sys::IS_DELETED] = Value::Bool(true);
        let def = schema.def(object);
        deleted.values[def.system_field("LastModifiedDate")] = Value::DateTime(self.now);
        deleted.values[def.system_field("SystemModstamp")] = Value::DateTime(self.now);
        deleted.values[def.system_field("LastModifiedById")] = Value::Id(self.actor.user);
        let slot = self.org.tables[object].by_id[&id];
        self.org.tables[object].put(def, slot, Some(deleted));
        self.undo.push(Undo::Put {
            object,
            slot,
            old: Some(record),
        });
        self.touched.push(Touch {
            object,
            id,
            change_type: ChangeType::Delete,
            changed: Vec::new(),
        });
        rules::after_write(self, object, id)?;
        Ok(())
    }

    /// Restores a deleted record.
    pub fn undelete(&mut self, id: SfId) -> Result<(), RecordError> {
        let Some((object, record)) = self.org.get(id).map(|(o, r)| (o, r.clone())) else {
            return Err(RecordError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
            ));
        };
        if !record.is_deleted() {
            return Err(RecordError::new(
                "UNDELETE_FAILED",
                "Entity is not in the recycle bin",
            ));
        }
        let schema = self.org.schema.clone();
        let def = schema.def(object);
        let mut restored = record.clone();
        restored.values[sys::IS_DELETED] = Value::Bool(false);
        self.check_unique(object, def, &restored, Some(id))?;
        self.write_existing(object, id, record, restored, ChangeType::Undelete)?;
        rules::after_write(self, object, id)?;
        Ok(())
    }

    /// A write the org makes itself (roll-ups, derived values on a parent): no input checks.
    pub fn system_update(
        &mut self,
        object: usize,
        id: SfId,
        values: Vec<(usize, Value)>,
    ) -> Result<(), RecordError> {
        let Some((_, old)) = self.org.get_live(id).map(|(o, r)| (o, r.clone())) else {
            return Ok(());
        };
        let mut record = old.clone();
        let mut any = false;
        for (index, value) in values {
            if record.values[index] != value {
                record.values[index] = value;
                any = true;
            }
        }
        if any {
            self.write_existing(object, id, old, record, ChangeType::Update)?;
        }
        Ok(())
    }

    /// Commits: the changes join the change log as one transaction. Returns the newest
    /// sequence number.
    pub fn commit(mut self) -> u64 {
        self.committed = true;
        let touched = std::mem::take(&mut self.touched);
        if touched.is_empty() {
            return self.org.changes.last_seq();
        }
        // One entry per record: the first change type, the union of changed fields.
        let mut order: Vec<SfId> = Vec::new();
        let mut merged: HashMap<SfId, (usize, ChangeType, BTreeSet<usize>)> = HashMap::new();
        for touch in touched {
            match merged.get_mut(&touch.id) {
                Some((_, _, fields)) => fields.extend(touch.changed),
                None => {
                    order.push(touch.id);
                    merged.insert(
                        touch.id,
                        (
                            touch.object,
                            touch.change_type,
                            touch.changed.into_iter().collect(),
                        ),
                    );
                }
            }
        }
        let transaction_key = uuid::Uuid::new_v4().to_string();
        let origin = self.actor.change_origin();
        let mut changes = Vec::with_capacity(order.len());
        for id in order {
            let Some((object, change_type, fields)) = merged.remove(&id) else {
                continue;
            };
            let def = self.org.schema.def(object);
            let record = self.org.get(id).map(|(_, r)| r);
            let (mut changed_fields, mut nulled_fields, mut values) =
                (Vec::new(), Vec::new(), Vec::new());
            if change_type != ChangeType::Delete
                && let Some(record) = record
            {
                for index in fields {
                    let value = record.get(index).clone();
                    if value.is_null() {
                        nulled_fields.push(def.names[index].clone());
                    } else {
                        changed_fields.push(def.names[index].clone());
                        values.push(value);
                    }
                }
            }
            changes.push(Change {
                seq: 0,
                entity: def.name.clone(),
                record_id: id,
                change_type,
                transaction_key: transaction_key.clone(),
                sequence_number: 0,
                commit_timestamp: self.now,
                commit_number: 0,
                commit_user: self.actor.user,
                change_origin: origin.clone(),
                changed_fields,
                nulled_fields,
                values,
            });
        }
        self.undo.clear();
        let first_seq = self.org.changes.last_seq() + 1;
        let last_seq = self.org.changes.commit(changes);
        self.org.committed(first_seq);
        last_seq
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.rollback_to(Savepoint {
                undo: 0,
                touched: 0,
            });
        }
    }
}

/// How deep deletes may cascade.
pub(super) const MAX_CASCADE_DEPTH: usize = 64;

/// `{00000100}` with counter 1 → `00000100`; `PAY-{000000}` with 7 → `PAY-000007`.
/// The format comes from the schema file: a `}` before the `{`, or a start number near
/// `u64::MAX`, must not panic.
pub(super) fn auto_number(format: &str, counter: u64) -> String {
    let braces = format
        .find('{')
        .and_then(|open| Some((open, open + 1 + format.get(open + 1..)?.find('}')?)));
    let Some((open, close)) = braces else {
        return format!("{format}{counter}");
    };
    let digits = &format[open + 1..close];
    let start: u64 = digits.parse().unwrap_or(0).max(1);
    let width = digits.len();
    format!(
        "{}{:0width$}{}",
        &format[..open],
        start.saturating_add(counter.saturating_sub(1)),
        &format[close + 1..]
    )
}
