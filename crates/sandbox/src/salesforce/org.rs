//! The org: every record of every object, with the indexes Salesforce keeps (ids, unique and
//! external-id fields, references to parents), and transactions that write them.
//!
//! A write is always a [`Txn`]: it records an undo entry for every record it touches, so a
//! failed record (allOrNone=false: back to the savepoint) or a failed request (allOrNone=true,
//! Composite, a dropped transaction) restores exactly what was there. Committing appends the
//! transaction's changes to the [`ChangeLog`] in commit order.

use super::api::RecordError;
use super::changes::{Change, ChangeLog, ChangeType};
use super::ids::SfId;
use super::rules;
use super::schema::{FieldDef, FieldType, ObjectDef, OnDelete, Schema, sys};
use super::value::{self, Value};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// One record: a value per field of its object, in the object's field order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `values[0]` is the Id, `values[1]` IsDeleted.
    pub values: Vec<Value>,
}

impl Record {
    /// The record's id.
    pub fn id(&self) -> SfId {
        self.values[sys::ID]
            .as_id()
            .unwrap_or_else(|| SfId::mint("000", 0))
    }

    /// Whether the record is in the recycle bin.
    pub fn is_deleted(&self) -> bool {
        self.values[sys::IS_DELETED] == Value::Bool(true)
    }

    /// The value of field `index`.
    pub fn get(&self, index: usize) -> &Value {
        self.values.get(index).unwrap_or(&Value::Null)
    }
}

/// The records of one object and their indexes.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Records in creation order (deleted ones stay, flagged IsDeleted).
    records: Vec<Record>,
    /// Id → slot.
    by_id: HashMap<SfId, usize>,
    /// Per unique field: normalised value → slot of the live record holding it.
    unique: Vec<(usize, HashMap<String, usize>)>,
    /// Per indexed reference field: parent id → slots of live children.
    children: Vec<(usize, HashMap<SfId, Vec<usize>>)>,
    /// Last auto-number handed out.
    auto_number: u64,
}

impl Table {
    fn new(object: &ObjectDef) -> Table {
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
    fn put(&mut self, object: &ObjectDef, slot: usize, record: Option<Record>) {
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

    fn index(&mut self, object: &ObjectDef, slot: usize, record: &Record) {
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

    fn unindex(&mut self, object: &ObjectDef, slot: usize, record: &Record) {
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
    fn purge(&mut self, object: &ObjectDef, slot: usize) {
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

/// How a unique field's values compare: ids and case-sensitive fields exactly, others ignoring
/// case.
fn unique_key(field: &FieldDef, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Text(text) if !field.case_sensitive => Some(text.to_lowercase()),
        other => Some(other.to_csv()),
    }
}

/// Who writes, and through which API (for the change log's `changeOrigin` and the audit
/// fields).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user the session belongs to.
    pub user: SfId,
    /// `rest`, `soap`, `bulkapi` ...
    pub api: &'static str,
    /// API version, e.g. `59.0`.
    pub version: String,
    /// `client=` of `Sforce-Call-Options`.
    pub client: Option<String>,
}

impl Actor {
    /// The change origin Salesforce reports for this caller.
    pub fn change_origin(&self) -> String {
        match &self.client {
            Some(client) => format!(
                "com/salesforce/api/{}/{};client={client}",
                self.api, self.version
            ),
            None => format!("com/salesforce/api/{}/{}", self.api, self.version),
        }
    }
}

/// The whole org.
#[derive(Debug, Clone)]
pub struct Org {
    schema: Arc<Schema>,
    org_id: SfId,
    tables: Vec<Table>,
    /// Next serial for minted ids (shared by every object).
    next_serial: u64,
    /// Every committed change.
    pub changes: ChangeLog,
    /// The standard price book's id, once seeded.
    standard_pricebook: Option<SfId>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    /// The record.
    pub id: SfId,
    /// Created (true) or updated (false).
    pub created: bool,
}

/// Why an upsert did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum UpsertError {
    /// The external id matched several records (HTTP 300).
    Multiple(Vec<SfId>),
    /// The field is not an external id (HTTP 404 NOT_FOUND).
    NotExternalId(String),
    /// The record failed a rule.
    Record(RecordError),
}

impl From<RecordError> for UpsertError {
    fn from(error: RecordError) -> UpsertError {
        UpsertError::Record(error)
    }
}

impl Org {
    /// An org with no records at all (not even users).
    pub fn new(schema: Arc<Schema>) -> Org {
        let tables = schema.objects.iter().map(Table::new).collect();
        Org {
            org_id: SfId::mint("00D", 1),
            schema,
            tables,
            next_serial: 1,
            changes: ChangeLog::default(),
            standard_pricebook: None,
        }
    }

    /// The org's id.
    pub fn org_id(&self) -> SfId {
        self.org_id
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The records of an object.
    pub fn table(&self, object: usize) -> &Table {
        &self.tables[object]
    }

    /// Every record of an object, deleted ones included, in creation order.
    pub fn records(&self, object: usize) -> &[Record] {
        self.tables[object].records()
    }

    /// The record with this id (deleted ones included) and its object.
    pub fn get(&self, id: SfId) -> Option<(usize, &Record)> {
        let object = self.schema.object_by_prefix(id.prefix())?;
        let slot = *self.tables[object].by_id.get(&id)?;
        Some((object, &self.tables[object].records[slot]))
    }

    /// The live record with this id.
    pub fn get_live(&self, id: SfId) -> Option<(usize, &Record)> {
        self.get(id).filter(|(_, r)| !r.is_deleted())
    }

    /// The standard price book, if seeded.
    pub fn standard_pricebook(&self) -> Option<SfId> {
        self.standard_pricebook
    }

    /// Live records of `object` whose `field` equals `value` (external-id look-ups).
    pub fn find_by_field(&self, object: usize, field: usize, value: &Value) -> Vec<SfId> {
        let def = self.schema.def(object);
        let table = &self.tables[object];
        if def.def(field).unique {
            return table
                .find_unique(def, field, value)
                .map(|slot| vec![table.records[slot].id()])
                .unwrap_or_default();
        }
        let key = unique_key(def.def(field), value);
        table
            .records
            .iter()
            .filter(|r| !r.is_deleted() && unique_key(def.def(field), r.get(field)) == key)
            .map(Record::id)
            .collect()
    }

    /// Live children of `parent` through the reference `field` of `child_object`.
    pub fn children(&self, child_object: usize, field: usize, parent: SfId) -> Vec<&Record> {
        let table = &self.tables[child_object];
        match table.children_of(field, parent) {
            Some(slots) => slots.iter().map(|s| &table.records[*s]).collect(),
            None => table
                .records
                .iter()
                .filter(|r| !r.is_deleted() && r.get(field).as_id() == Some(parent))
                .collect(),
        }
    }

    /// A field's value as JSON, including computed compound addresses.
    pub fn field_json(&self, object: usize, record: &Record, field: usize) -> Json {
        let def = self.schema.def(object);
        let field_def = def.def(field);
        if field_def.field_type == FieldType::Address {
            let mut address = Map::new();
            let mut any = false;
            for (index, f) in def.fields.iter().enumerate() {
                if let Some((compound, key)) = f.compound_of
                    && compound == field
                {
                    let v = record.get(index);
                    any |= !v.is_null();
                    address.insert(key.to_string(), v.to_json());
                }
            }
            return if any {
                Json::Object(address)
            } else {
                Json::Null
            };
        }
        record.get(field).to_json()
    }

    /// `{"type": "Account", "url": "/services/data/v59.0/sobjects/Account/001..."}`.
    pub fn attributes(&self, object: usize, id: Option<SfId>, version_path: &str) -> Json {
        let name = &self.schema.def(object).name;
        let mut map = Map::new();
        map.insert("type".into(), Json::String(name.clone()));
        if let Some(id) = id {
            map.insert(
                "url".into(),
                Json::String(format!(
                    "/services/data/{version_path}/sobjects/{name}/{id}"
                )),
            );
        }
        Json::Object(map)
    }

    /// A record as the REST API returns it: `attributes` then the chosen fields (all when
    /// `fields` is `None`).
    pub fn render(
        &self,
        object: usize,
        record: &Record,
        fields: Option<&[usize]>,
        version_path: &str,
    ) -> Json {
        let def = self.schema.def(object);
        let mut map = Map::with_capacity(fields.map_or(def.fields.len(), <[usize]>::len) + 1);
        map.insert(
            "attributes".into(),
            self.attributes(object, Some(record.id()), version_path),
        );
        let mut put = |index: usize| {
            map.insert(
                def.fields[index].name.clone(),
                self.field_json(object, record, index),
            );
        };
        match fields {
            Some(fields) => fields.iter().copied().for_each(&mut put),
            None => (0..def.fields.len()).for_each(&mut put),
        }
        Json::Object(map)
    }

    /// Inserts a record without rules or change log (seeding users and the standard price
    /// book). Values are given by field name.
    pub fn insert_system(&mut self, object: usize, values: &[(&str, Value)]) -> SfId {
        let def = self.schema.def(object).clone();
        let mut record = Record {
            values: vec![Value::Null; def.fields.len()],
        };
        let id = self.mint(object);
        record.values[sys::ID] = Value::Id(id);
        record.values[sys::IS_DELETED] = Value::Bool(false);
        let now = value::now_ms();
        for name in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            record.values[def.system_field(name)] = Value::DateTime(now);
        }
        for (name, value) in values {
            if let Some(index) = def.field(name) {
                record.values[index] = value.clone();
            }
        }
        let slot = self.tables[object].records.len();
        self.tables[object].put(&def, slot, Some(record));
        if def.name == "Pricebook2"
            && values
                .iter()
                .any(|(n, v)| *n == "IsStandard" && *v == Value::Bool(true))
        {
            self.standard_pricebook = Some(id);
        }
        id
    }

    /// Seeds the Organization record (id = the org id) that `SELECT ... FROM Organization`
    /// reads.
    pub fn seed_organization(&mut self) {
        let Some(object) = self.schema.object("Organization") else {
            return;
        };
        if self.tables[object].by_id.contains_key(&self.org_id) {
            return;
        }
        let def = self.schema.def(object).clone();
        let mut record = Record {
            values: vec![Value::Null; def.fields.len()],
        };
        record.values[sys::ID] = Value::Id(self.org_id);
        record.values[sys::IS_DELETED] = Value::Bool(false);
        let now = value::now_ms();
        for (name, value) in [
            ("Name", Value::Text("Ferry Sandbox".into())),
            ("IsSandbox", Value::Bool(true)),
            ("OrganizationType", Value::Text("Developer Edition".into())),
            ("InstanceName", Value::Text("FERRY".into())),
            ("DefaultLocaleSidKey", Value::Text("en_US".into())),
            ("TimeZoneSidKey", Value::Text("America/Los_Angeles".into())),
            ("CreatedDate", Value::DateTime(now)),
            ("LastModifiedDate", Value::DateTime(now)),
            ("SystemModstamp", Value::DateTime(now)),
        ] {
            if let Some(index) = def.field(name) {
                record.values[index] = value;
            }
        }
        let slot = self.tables[object].records.len();
        self.tables[object].put(&def, slot, Some(record));
    }

    /// Seeds the standard price book every org has (active, `IsStandard`), created by `by`.
    pub fn seed_standard_pricebook(&mut self, by: SfId) -> SfId {
        if let Some(id) = self.standard_pricebook {
            return id;
        }
        let Some(object) = self.schema.object("Pricebook2") else {
            return SfId::mint("01s", 0);
        };
        let id = self.insert_system(
            object,
            &[
                ("Name", Value::Text("Standard Price Book".into())),
                ("IsActive", Value::Bool(true)),
                ("IsStandard", Value::Bool(true)),
            ],
        );
        self.set_system_value(id, "CreatedById", Value::Id(by));
        self.set_system_value(id, "LastModifiedById", Value::Id(by));
        id
    }

    /// Sets audit user fields on system-inserted records once users exist.
    pub fn set_system_value(&mut self, id: SfId, field: &str, value: Value) {
        let Some(object) = self.schema.object_by_prefix(id.prefix()) else {
            return;
        };
        let def = self.schema.def(object).clone();
        let Some(index) = def.field(field) else {
            return;
        };
        let table = &mut self.tables[object];
        if let Some(&slot) = table.by_id.get(&id) {
            let mut record = table.records[slot].clone();
            record.values[index] = value;
            table.put(&def, slot, Some(record));
        }
    }

    fn mint(&mut self, object: usize) -> SfId {
        let serial = self.next_serial;
        self.next_serial += 1;
        SfId::mint(&self.schema.def(object).key_prefix, serial)
    }

    /// Empties the recycle bin of these records (Bulk API `hardDelete`): they disappear from
    /// `queryAll` and id look-ups. Only deleted records are purged; others are left alone.
    /// Storage order of the remaining records may change.
    pub fn purge(&mut self, ids: &[SfId]) -> usize {
        let schema = self.schema.clone();
        let mut purged = 0;
        for id in ids {
            let Some(object) = schema.object_by_prefix(id.prefix()) else {
                continue;
            };
            let table = &mut self.tables[object];
            let Some(&slot) = table.by_id.get(id) else {
                continue;
            };
            if table.records[slot].is_deleted() {
                table.purge(schema.def(object), slot);
                purged += 1;
            }
        }
        purged
    }

    /// Starts a transaction.
    pub fn begin(&mut self, actor: Actor) -> Txn<'_> {
        Txn {
            now: value::now_ms(),
            org: self,
            actor,
            undo: Vec::new(),
            touched: Vec::new(),
            committed: false,
            deleting: Vec::new(),
        }
    }

    /// Everything needed to write the org to disk.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            org_id: self.org_id,
            next_serial: self.next_serial,
            standard_pricebook: self.standard_pricebook,
            objects: self
                .schema
                .objects
                .iter()
                .zip(&self.tables)
                .map(|(def, table)| ObjectSnapshot {
                    name: def.name.clone(),
                    fields: def.fields.iter().map(|f| f.name.clone()).collect(),
                    records: table.records.clone(),
                    auto_number: table.auto_number,
                })
                .collect(),
            changes: self.changes.clone(),
        }
    }

    /// Rebuilds an org from a snapshot, mapping fields by name (so a schema that gained
    /// fields still loads an older state file).
    pub fn restore(schema: Arc<Schema>, snapshot: Snapshot) -> Org {
        let mut org = Org::new(schema.clone());
        org.org_id = snapshot.org_id;
        org.next_serial = snapshot.next_serial;
        org.standard_pricebook = snapshot.standard_pricebook;
        org.changes = snapshot.changes;
        for saved in snapshot.objects {
            let Some(object) = schema.object(&saved.name) else {
                continue;
            };
            let def = schema.def(object);
            let map: Vec<Option<usize>> = saved.fields.iter().map(|f| def.field(f)).collect();
            let table = &mut org.tables[object];
            table.auto_number = saved.auto_number;
            for old in saved.records {
                let mut record = Record {
                    values: vec![Value::Null; def.fields.len()],
                };
                for (value, index) in old.values.into_iter().zip(&map) {
                    if let Some(index) = index {
                        record.values[*index] = value;
                    }
                }
                let slot = table.records.len();
                table.put(def, slot, Some(record));
            }
        }
        org
    }
}

/// The org as written to a state file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    org_id: SfId,
    next_serial: u64,
    standard_pricebook: Option<SfId>,
    objects: Vec<ObjectSnapshot>,
    changes: ChangeLog,
}

#[derive(Debug, Serialize, Deserialize)]
struct ObjectSnapshot {
    name: String,
    fields: Vec<String>,
    records: Vec<Record>,
    auto_number: u64,
}

enum Undo {
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
struct Touch {
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
    org: &'o mut Org,
    actor: Actor,
    now: i64,
    undo: Vec<Undo>,
    touched: Vec<Touch>,
    committed: bool,
    /// Records whose delete is in progress (outermost first): a cascade never comes back to
    /// one of them, so cascade cycles in a user's schema end, and chains are bounded.
    deleting: Vec<SfId>,
}

/// How a write names the fields it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new record.
    Create,
    /// An existing record.
    Update,
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

    /// Turns input JSON into field assignments: unknown and read-only fields, bad values and
    /// parent references by external id are reported as Salesforce does.
    pub fn parse_input(
        &self,
        object: usize,
        input: &Map<String, Json>,
        mode: Mode,
    ) -> Result<Vec<(usize, Value)>, RecordError> {
        let def = self.org.schema.def(object);
        let mut assigned = Vec::with_capacity(input.len());
        for (key, raw) in input {
            if key == "attributes" {
                continue;
            }
            let Some(index) = def.field(key) else {
                // `"Account": {"ExternalID__c": "A-1"}` sets AccountId by the parent's key.
                if let Some(reference) = def.relationship(key)
                    && let Json::Object(lookup) = raw
                {
                    let id = self.resolve_parent(def, reference, lookup)?;
                    assigned.push((reference, Value::Id(id)));
                    continue;
                }
                // Salesforce names no `fields` for an unknown column.
                return Err(RecordError::new(
                    "INVALID_FIELD",
                    format!("No such column '{key}' on sobject of type {}", def.name),
                ));
            };
            let field = def.def(index);
            if index == sys::ID && mode == Mode::Update {
                // The id of the record being updated may be repeated in the body.
                continue;
            }
            let writable = match mode {
                Mode::Create => field.createable,
                Mode::Update => field.updateable,
            };
            if !writable {
                return Err(RecordError::new(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    format!(
                        "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                        field.name
                    ),
                )
                .with_fields(&[&field.name]));
            }
            let value = value::from_json(field, raw)
                .map_err(|e| RecordError::new(e.code, e.message).with_fields(&[&field.name]))?;
            assigned.push((index, value));
        }
        Ok(assigned)
    }

    fn resolve_parent(
        &self,
        def: &ObjectDef,
        reference: usize,
        lookup: &Map<String, Json>,
    ) -> Result<SfId, RecordError> {
        let field = def.def(reference);
        let relationship = field.relationship.clone().unwrap_or_default();
        let target = field
            .reference_to
            .as_deref()
            .and_then(|t| self.org.schema.object(t));
        let Some(target) = target else {
            return Err(RecordError::new(
                "INVALID_FIELD",
                format!("No such relationship {relationship}"),
            ));
        };
        let parent = self.org.schema.def(target);
        let pairs: Vec<(&String, &Json)> =
            lookup.iter().filter(|(k, _)| *k != "attributes").collect();
        let [(key, raw)] = pairs.as_slice() else {
            return Err(RecordError::new(
                "INVALID_FIELD",
                format!(
                    "{relationship}: a relationship must name exactly one external id field of {}",
                    parent.name
                ),
            )
            .with_fields(&[&relationship]));
        };
        let Some(key_index) = parent.field(key).filter(|i| {
            let f = parent.def(*i);
            f.external_id || *i == sys::ID
        }) else {
            return Err(RecordError::new(
                "INVALID_FIELD",
                format!(
                    "Field name provided, {key} is not an External ID or indexed field for {}",
                    parent.name
                ),
            )
            .with_fields(&[&relationship]));
        };
        let key_value = value::from_json(parent.def(key_index), raw)
            .map_err(|e| RecordError::new(e.code, e.message).with_fields(&[&relationship]))?;
        let found = self.org.find_by_field(target, key_index, &key_value);
        match found.as_slice() {
            [id] => Ok(*id),
            [] => Err(RecordError::new(
                "INVALID_FIELD",
                format!(
                    "Foreign key external ID: {} not found for field {} in entity {}",
                    key_value.to_csv(),
                    parent.def(key_index).name,
                    parent.name
                ),
            )
            .with_fields(&[&relationship])),
            _ => Err(RecordError::new(
                "INVALID_FIELD",
                format!(
                    "More than 1 record found for external id field {} with value {}",
                    parent.def(key_index).name,
                    key_value.to_csv()
                ),
            )
            .with_fields(&[&relationship])),
        }
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
                record.values[index] = Value::Text(auto_number(format, table.auto_number));
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
        let (current_object, current) = self.lookup_for_write(id)?;
        if current_object != object {
            let def = self.org.schema.def(object);
            return Err(RecordError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {id}", def.label),
            )
            .with_fields(&["Id"]));
        }
        let assigned = self.parse_input_for_update(object, &current, input)?;
        self.update_assigned(object, id, assigned).map(|_| ())
    }

    fn parse_input_for_update(
        &self,
        object: usize,
        current: &Record,
        input: &Map<String, Json>,
    ) -> Result<Vec<(usize, Value)>, RecordError> {
        let def = self.org.schema.def(object);
        // Create-only fields repeated with their current value are accepted, as clients send
        // whole records back.
        let mut trimmed = Map::with_capacity(input.len());
        for (key, raw) in input {
            if let Some(index) = def.field(key) {
                let field = def.def(index);
                if !field.updateable
                    && field.createable
                    && value::from_json(field, raw).ok().as_ref() == Some(current.get(index))
                {
                    continue;
                }
            }
            trimmed.insert(key.clone(), raw.clone());
        }
        self.parse_input(object, &trimmed, Mode::Update)
    }

    fn lookup_for_write(&self, id: SfId) -> Result<(usize, Record), RecordError> {
        match self.org.get(id) {
            Some((_, record)) if record.is_deleted() => {
                Err(RecordError::new("ENTITY_IS_DELETED", "entity is deleted"))
            }
            Some((object, record)) => Ok((object, record.clone())),
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
        let (_, old) = self.lookup_for_write(id)?;
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

    fn check_required(
        &self,
        def: &ObjectDef,
        record: &Record,
        old: Option<&Record>,
    ) -> Result<(), RecordError> {
        let missing: Vec<&str> = def
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| f.required && record.get(*i).is_null())
            .filter(|(i, f)| match old {
                None => f.createable,
                // On update only a field the write emptied counts.
                Some(old) => !old.get(*i).is_null(),
            })
            .map(|(_, f)| f.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(RecordError::new(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
        )
        .with_fields(&missing))
    }

    fn check_references(
        &self,
        def: &ObjectDef,
        record: &Record,
        old: Option<&Record>,
    ) -> Result<(), RecordError> {
        for (index, field) in def.fields.iter().enumerate() {
            if field.field_type != FieldType::Reference || field.system {
                continue;
            }
            let Some(target) = record.get(index).as_id() else {
                continue;
            };
            if old.is_some_and(|o| o.get(index).as_id() == Some(target)) {
                continue;
            }
            let expected = field.reference_to.as_deref().unwrap_or_default();
            let ok = self
                .org
                .get_live(target)
                .is_some_and(|(object, _)| self.org.schema.def(object).name == expected);
            if !ok {
                let label = self
                    .org
                    .schema
                    .object(expected)
                    .map_or(expected.to_string(), |o| {
                        self.org.schema.def(o).label.clone()
                    });
                let message = if self.org.schema.object_by_prefix(target.prefix())
                    != self.org.schema.object(expected)
                {
                    format!("{}: id value of incorrect type: {target}", label)
                } else {
                    "invalid cross reference id".to_string()
                };
                return Err(RecordError::new("INVALID_CROSS_REFERENCE_KEY", message)
                    .with_fields(&[&field.name]));
            }
        }
        Ok(())
    }

    fn check_unique(
        &self,
        object: usize,
        def: &ObjectDef,
        record: &Record,
        own: Option<SfId>,
    ) -> Result<(), RecordError> {
        let table = &self.org.tables[object];
        for (field, _) in &table.unique {
            let value = record.get(*field);
            if let Some(slot) = table.find_unique(def, *field, value) {
                let holder = table.records[slot].id();
                if Some(holder) != own {
                    let name = &def.def(*field).name;
                    return Err(RecordError::new(
                        "DUPLICATE_VALUE",
                        format!("duplicate value found: {name} duplicates value on record with id: {holder}"),
                    )
                    .with_fields(&[name]));
                }
            }
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
                        nulled_fields.push(def.fields[index].name.clone());
                    } else {
                        changed_fields.push(def.fields[index].name.clone());
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
        self.org.changes.commit(changes)
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
const MAX_CASCADE_DEPTH: usize = 64;

/// `{00000100}` with counter 1 → `00000100`; `PAY-{000000}` with 7 → `PAY-000007`.
/// The format comes from the schema file: a `}` before the `{`, or a start number near
/// `u64::MAX`, must not panic.
fn auto_number(format: &str, counter: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_numbers_follow_their_format() {
        assert_eq!(auto_number("{00000100}", 1), "00000100");
        assert_eq!(auto_number("{00000100}", 2), "00000101");
        assert_eq!(auto_number("PAY-{000000}", 7), "PAY-000007");
    }

    /// Every index of every table, rebuilt from the records, equals the one kept incrementally.
    fn assert_indexes_match_records(org: &Org, context: &str) {
        for (object, table) in org.tables.iter().enumerate() {
            let def = org.schema.def(object);
            assert_eq!(
                table.by_id.len(),
                table.records.len(),
                "{context}: by_id size"
            );
            for (slot, record) in table.records.iter().enumerate() {
                assert_eq!(
                    table.by_id.get(&record.id()),
                    Some(&slot),
                    "{context}: by_id"
                );
            }
            for (field, index) in &table.unique {
                let mut expected = HashMap::new();
                for (slot, record) in table.records.iter().enumerate() {
                    if record.is_deleted() {
                        continue;
                    }
                    if let Some(key) = unique_key(def.def(*field), record.get(*field)) {
                        assert!(
                            expected.insert(key, slot).is_none(),
                            "{context}: two live {} records share a unique value",
                            def.name
                        );
                    }
                }
                assert_eq!(index, &expected, "{context}: unique index of {}", def.name);
            }
            for (field, index) in &table.children {
                let mut expected: HashMap<SfId, Vec<usize>> = HashMap::new();
                for (slot, record) in table.records.iter().enumerate() {
                    if let (false, Some(parent)) = (record.is_deleted(), record.get(*field).as_id())
                    {
                        expected.entry(parent).or_default().push(slot);
                    }
                }
                let mut actual = index.clone();
                actual.values_mut().for_each(|slots| slots.sort_unstable());
                assert_eq!(
                    actual, expected,
                    "{context}: children index of {}",
                    def.name
                );
            }
        }
    }

    /// Everything a rollback must restore.
    fn contents(org: &Org) -> (Vec<Vec<Record>>, u64, Vec<u64>) {
        (
            org.tables.iter().map(|t| t.records.clone()).collect(),
            org.next_serial,
            org.tables.iter().map(|t| t.auto_number).collect(),
        )
    }

    /// Random creates, updates, upserts, deletes (with cascades), undeletes, savepoint
    /// rollbacks, dropped transactions and hard-delete purges: after each step every index
    /// agrees with a rebuild from the records, and every rollback restores the records exactly.
    #[test]
    fn indexes_survive_random_writes_rollbacks_and_purges() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        use serde_json::json;

        let schema = Arc::new(Schema::built_in().unwrap());
        let (mut org, auth) = crate::salesforce::seed::fresh_org(
            schema.clone(),
            crate::salesforce::api::DataSet::Empty,
        )
        .unwrap();
        let account = schema.object("Account").unwrap();
        let contact = schema.object("Contact").unwrap();
        let actor = Actor {
            user: auth.admin().user_id,
            api: "rest",
            version: "59.0".into(),
            client: None,
        };
        let ids_of = |org: &Org, object: usize, deleted: bool| -> Vec<SfId> {
            org.records(object)
                .iter()
                .filter(|r| r.is_deleted() == deleted)
                .map(Record::id)
                .collect()
        };
        for seed in 0..12u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            for round in 0..25 {
                let at_begin = contents(&org);
                let mut txn = org.begin(actor.clone());
                let mut savepoints = Vec::new();
                for step in 0..12 {
                    let context = format!("seed {seed} round {round} step {step}");
                    let before = contents(txn.org());
                    let savepoint = txn.savepoint();
                    let key = |rng: &mut StdRng| {
                        if rng.random_bool(0.2) {
                            Json::Null
                        } else {
                            json!(format!("K{}", rng.random_range(0..6)))
                        }
                    };
                    let pick = |rng: &mut StdRng, ids: &[SfId]| -> Json {
                        match ids.len() {
                            0 => Json::Null,
                            n if rng.random_bool(0.8) => json!(ids[rng.random_range(0..n)]),
                            _ => Json::Null,
                        }
                    };
                    let live_accounts = ids_of(txn.org(), account, false);
                    let live_contacts = ids_of(txn.org(), contact, false);
                    let result: Result<(), String> = match rng.random_range(0..9) {
                        0 | 1 => {
                            let input = json!({"Name": "A", "ExternalID__c": key(&mut rng), "ParentId": pick(&mut rng, &live_accounts)});
                            let input = input.as_object().cloned().unwrap_or_default();
                            txn.create(account, &input)
                                .map(|_| ())
                                .map_err(|e| e.message)
                        }
                        2 => {
                            let input = json!({"LastName": "C", "ExternalID__c": key(&mut rng), "AccountId": pick(&mut rng, &live_accounts)});
                            let input = input.as_object().cloned().unwrap_or_default();
                            txn.create(contact, &input)
                                .map(|_| ())
                                .map_err(|e| e.message)
                        }
                        3 if !live_accounts.is_empty() => {
                            let id = live_accounts[rng.random_range(0..live_accounts.len())];
                            let input = json!({"ExternalID__c": key(&mut rng), "ParentId": pick(&mut rng, &live_accounts)});
                            let input = input.as_object().cloned().unwrap_or_default();
                            txn.update(account, id, &input).map_err(|e| e.message)
                        }
                        4 if !live_contacts.is_empty() => {
                            let id = live_contacts[rng.random_range(0..live_contacts.len())];
                            let input = json!({"ExternalID__c": key(&mut rng), "AccountId": pick(&mut rng, &live_accounts)});
                            let input = input.as_object().cloned().unwrap_or_default();
                            txn.update(contact, id, &input).map_err(|e| e.message)
                        }
                        5 => {
                            let external = format!("K{}", rng.random_range(0..6));
                            let input =
                                json!({"Name": "U", "ParentId": pick(&mut rng, &live_accounts)});
                            let input = input.as_object().cloned().unwrap_or_default();
                            txn.upsert(account, "ExternalID__c", &external, &input)
                                .map(|_| ())
                                .map_err(|e| format!("{e:?}"))
                        }
                        6 => {
                            let all: Vec<SfId> = live_accounts
                                .iter()
                                .chain(&live_contacts)
                                .copied()
                                .collect();
                            match pick(&mut rng, &all).as_str().map(SfId::parse) {
                                Some(Ok(id)) => txn.delete(id).map_err(|e| e.message),
                                _ => Ok(()),
                            }
                        }
                        7 => {
                            let mut dead = ids_of(txn.org(), account, true);
                            dead.extend(ids_of(txn.org(), contact, true));
                            match pick(&mut rng, &dead).as_str().map(SfId::parse) {
                                Some(Ok(id)) => txn.undelete(id).map_err(|e| e.message),
                                _ => Ok(()),
                            }
                        }
                        _ => {
                            if let Some((point, expected)) = savepoints.pop() {
                                txn.rollback_to(point);
                                assert_eq!(contents(txn.org()), expected, "{context}: rollback_to");
                            }
                            Ok(())
                        }
                    };
                    if result.is_err() {
                        // A failed write is undone alone, as the APIs do.
                        txn.rollback_to(savepoint);
                        assert_eq!(
                            contents(txn.org()),
                            before,
                            "{context}: failed write undone"
                        );
                    } else if rng.random_bool(0.3) {
                        savepoints.push((txn.savepoint(), contents(txn.org())));
                    }
                    assert_indexes_match_records(txn.org(), &context);
                }
                let context = format!("seed {seed} round {round}");
                if rng.random_bool(0.25) {
                    drop(txn);
                    assert_eq!(
                        contents(&org),
                        at_begin,
                        "{context}: dropped transaction undone"
                    );
                } else {
                    txn.commit();
                }
                assert_indexes_match_records(&org, &context);
                if rng.random_bool(0.3) {
                    let mut dead = ids_of(&org, account, true);
                    dead.extend(ids_of(&org, contact, true));
                    let chosen: Vec<SfId> =
                        dead.into_iter().filter(|_| rng.random_bool(0.5)).collect();
                    org.purge(&chosen);
                    for id in &chosen {
                        assert!(org.get(*id).is_none(), "{context}: purged {id} still found");
                    }
                    assert_indexes_match_records(&org, &format!("{context} purge"));
                }
            }
        }
    }

    #[test]
    fn odd_auto_number_formats_from_a_schema_file_do_not_panic() {
        assert_eq!(auto_number("}x{0}", 3), "}x3");
        assert_eq!(auto_number("x{", 3), "x{3");
        assert_eq!(auto_number("}{", 3), "}{3");
        assert_eq!(
            auto_number("{18446744073709551615}", 5),
            "18446744073709551615"
        );
    }

    #[test]
    fn cascade_cycles_end_and_long_chains_are_refused() {
        use serde_json::json;
        let extra = r#"
[objects.Thing__c]
fields = [{ name = "Parent__c", type = "reference", reference_to = "Thing__c", relationship = "Parent__r", child_relationship = "Children__r", on_delete = "cascade" }]
"#;
        let schema = Arc::new(
            Schema::from_sources(&[
                ("built-in", crate::salesforce::schema::BUILT_IN),
                ("extra", extra),
            ])
            .unwrap(),
        );
        let (mut org, auth) = crate::salesforce::seed::fresh_org(
            schema.clone(),
            crate::salesforce::api::DataSet::Empty,
        )
        .unwrap();
        let thing = schema.object("Thing__c").unwrap();
        let actor = Actor {
            user: auth.admin().user_id,
            api: "rest",
            version: "59.0".into(),
            client: None,
        };
        let mut txn = org.begin(actor.clone());
        let a = txn.create(thing, json!({}).as_object().unwrap()).unwrap();
        let b = txn
            .create(thing, json!({"Parent__c": a}).as_object().unwrap())
            .unwrap();
        txn.update(thing, a, json!({"Parent__c": b}).as_object().unwrap())
            .unwrap();
        // A and B cascade to each other: deleting one deletes both and ends.
        txn.delete(a).unwrap();
        assert!(txn.org().get(b).unwrap().1.is_deleted());
        txn.commit();

        let mut txn = org.begin(actor);
        let mut parent = txn.create(thing, json!({}).as_object().unwrap()).unwrap();
        let root = parent;
        for _ in 0..MAX_CASCADE_DEPTH + 1 {
            parent = txn
                .create(thing, json!({"Parent__c": parent}).as_object().unwrap())
                .unwrap();
        }
        let error = txn.delete(root).unwrap_err();
        assert_eq!(error.code, "DELETE_FAILED");
        assert!(
            error.message.contains("cascades more than"),
            "{}",
            error.message
        );
    }
}
