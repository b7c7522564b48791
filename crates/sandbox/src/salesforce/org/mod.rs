//! The org: every record of every object, with the indexes Salesforce keeps (ids, unique and
//! external-id fields, references to parents), and transactions that write them.
//!
//! A write is always a [`Txn`]: it records an undo entry for every record it touches, so a
//! failed record (allOrNone=false: back to the savepoint) or a failed request (allOrNone=true,
//! Composite, a dropped transaction) restores exactly what was there. Committing appends the
//! transaction's changes to the [`ChangeLog`] in commit order.

mod checks;
mod table;
#[cfg(test)]
mod tests;
mod txn;

pub use table::Table;
pub use txn::{Mode, Savepoint, Txn};

use super::api::RecordError;
use super::changes::ChangeLog;
use super::ids::SfId;
use super::schema::{FieldDef, FieldType, Schema, sys};
use super::value::{self, Value};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
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

/// How a unique field's values compare: ids and case-sensitive fields exactly, others ignoring
/// case.
pub(crate) fn unique_key(field: &FieldDef, value: &Value) -> Option<String> {
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

/// Called after every commit with the change log and the transaction's first sequence number
/// (the event bus turns the new entries into change events and wakes subscribers).
#[derive(Clone)]
pub struct CommitHook(Arc<CommitFn>);

/// What a [`CommitHook`] runs: the change log and the transaction's first sequence number.
type CommitFn = dyn Fn(&ChangeLog, u64) + Send + Sync;

impl CommitHook {
    /// A hook running `f`.
    pub fn new(f: impl Fn(&ChangeLog, u64) + Send + Sync + 'static) -> CommitHook {
        CommitHook(Arc::new(f))
    }
}

impl std::fmt::Debug for CommitHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommitHook")
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
    /// Told about every commit (the event bus).
    commit_hook: Option<CommitHook>,
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
            commit_hook: None,
        }
    }

    /// Sets the hook told about every commit.
    pub fn set_commit_hook(&mut self, hook: Option<CommitHook>) {
        self.commit_hook = hook;
    }

    /// Runs the commit hook for a transaction whose changes start at `first_seq`.
    pub(crate) fn committed(&self, first_seq: u64) {
        if let Some(hook) = &self.commit_hook {
            (hook.0)(&self.changes, first_seq);
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
