//! What Salesforce says about its objects: describeGlobal (`/sobjects`) and describe
//! (`/sobjects/{Object}/describe`), a [`SchemaFingerprint`] that changes exactly when the parts
//! of a schema that a sync depends on change, [`drift`] to say what changed in words, and a
//! [`DescribeCache`] that remembers the last describe of each object.
//!
//! Every type tolerates missing and unknown keys: Salesforce adds describe properties in most
//! releases, and a new key must never stop a sync.

mod cache;
mod drift;
mod fingerprint;

pub use cache::{CachedDescribe, DescribeCache};
pub use drift::{Drift, DriftKind, drift};
pub use fingerprint::{FingerprintError, SchemaFingerprint};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The answer of describeGlobal, `GET /services/data/vXX.X/sobjects`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DescribeGlobal {
    /// The character set of the org, `UTF-8`.
    pub encoding: Option<String>,
    /// The most records a single create/update call takes (200).
    pub max_batch_size: Option<u32>,
    /// One summary per object the user can see.
    pub sobjects: Vec<SObjectSummary>,
}

impl DescribeGlobal {
    /// The summary of `name`, matched case-insensitively like Salesforce does.
    pub fn object(&self, name: &str) -> Option<&SObjectSummary> {
        self.sobjects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }
}

/// One object in describeGlobal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SObjectSummary {
    /// API name (`Account`, `Payment__c`).
    pub name: String,
    /// Label shown to users.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// The 3-character id prefix of its records (`001`); absent for some system objects.
    pub key_prefix: Option<String>,
    /// A custom object (`__c`).
    pub custom: bool,
    /// Records can be created.
    pub createable: bool,
    /// Records can be updated.
    pub updateable: bool,
    /// Records can be deleted.
    pub deletable: bool,
    /// SOQL can read it.
    pub queryable: bool,
    /// Records can be retrieved by id.
    pub retrieveable: bool,
    /// SOSL can search it.
    pub searchable: bool,
    /// `updated`/`deleted` resources (replication) are available.
    pub replicateable: bool,
    /// Resource links (`sobject`, `describe`, `rowTemplate`).
    pub urls: BTreeMap<String, String>,
}

/// The answer of `GET /services/data/vXX.X/sobjects/{Object}/describe`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SObjectDescribe {
    /// API name.
    pub name: String,
    /// Label shown to users.
    pub label: String,
    /// The 3-character id prefix of its records.
    pub key_prefix: Option<String>,
    /// A custom object.
    pub custom: bool,
    /// Records can be created.
    pub createable: bool,
    /// Records can be updated.
    pub updateable: bool,
    /// Records can be deleted.
    pub deletable: bool,
    /// SOQL can read it.
    pub queryable: bool,
    /// Its fields, in Salesforce's order.
    pub fields: Vec<FieldDescribe>,
    /// Relationships from other objects to this one.
    pub child_relationships: Vec<ChildRelationship>,
    /// Record types (only the master one in an org without record types).
    pub record_type_infos: Vec<RecordTypeInfo>,
    /// Resource links (`sobject`, `describe`, `rowTemplate` ...).
    pub urls: BTreeMap<String, String>,
}

impl SObjectDescribe {
    /// The field called `name`, matched case-insensitively like Salesforce does.
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The fields that can serve as an upsert key (external ids and id lookups on create).
    pub fn external_id_fields(&self) -> impl Iterator<Item = &FieldDescribe> {
        self.fields.iter().filter(|f| f.external_id)
    }

    /// The fields a create must set (see [`FieldDescribe::is_required`]).
    pub fn required_fields(&self) -> impl Iterator<Item = &FieldDescribe> {
        self.fields.iter().filter(|f| f.is_required())
    }

    /// The fingerprint of this describe (see [`SchemaFingerprint`]).
    pub fn fingerprint(&self) -> SchemaFingerprint {
        SchemaFingerprint::of(self)
    }
}

/// One field of a describe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldDescribe {
    /// API name.
    pub name: String,
    /// Label shown to users.
    pub label: String,
    /// Data type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Most characters for text fields (0 for others).
    pub length: u32,
    /// Total digits for numbers.
    pub precision: u32,
    /// Digits after the decimal point for numbers.
    pub scale: u32,
    /// Can be empty.
    pub nillable: bool,
    /// Can be set on create.
    pub createable: bool,
    /// Can be changed on update.
    pub updateable: bool,
    /// An external id: usable as an upsert key.
    pub external_id: bool,
    /// Identifies a record on its own (usable in upsert URLs).
    pub id_lookup: bool,
    /// Values are unique across records.
    pub unique: bool,
    /// For reference fields: the object types it can point at.
    pub reference_to: Vec<String>,
    /// For reference fields: the name used in relationship paths (`Owner`, `Parent__r`).
    pub relationship_name: Option<String>,
    /// For picklists: the allowed values.
    pub picklist_values: Vec<PicklistValue>,
    /// Salesforce fills it when a create leaves it out.
    pub defaulted_on_create: bool,
    /// A formula or roll-up: read-only.
    pub calculated: bool,
    /// A custom field (`__c`).
    pub custom: bool,
    /// Only these picklist values are accepted.
    pub restricted_picklist: bool,
}

impl FieldDescribe {
    /// A create fails without it: not nillable, createable, and not filled by Salesforce.
    pub fn is_required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }

    /// Neither create nor update can set it.
    pub fn is_read_only(&self) -> bool {
        !self.createable && !self.updateable
    }

    /// The active picklist values.
    pub fn active_values(&self) -> impl Iterator<Item = &str> {
        self.picklist_values
            .iter()
            .filter(|v| v.active)
            .map(|v| v.value.as_str())
    }
}

/// One picklist entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PicklistValue {
    /// The stored value (what the API reads and writes).
    pub value: String,
    /// The label shown to users.
    pub label: Option<String>,
    /// Offered for new records.
    pub active: bool,
    /// The default for new records.
    pub default_value: bool,
}

/// A relationship from another object to this one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChildRelationship {
    /// The child's field that points here.
    pub field: String,
    /// The child object.
    #[serde(rename = "childSObject")]
    pub child_sobject: String,
    /// The name for subqueries (`Contacts`), if the relationship can be queried.
    pub relationship_name: Option<String>,
    /// Deleting the parent deletes the children.
    pub cascade_delete: bool,
}

/// One record type of an object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordTypeInfo {
    /// Label.
    pub name: String,
    /// Usable by the user.
    pub available: bool,
    /// Its id (`012...`).
    pub record_type_id: Option<String>,
    /// The user's default.
    pub default_record_type_mapping: bool,
}

/// A field's data type. Types this client does not know are kept by name, so a new type in a
/// later API version is reported, not refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FieldType {
    /// `id`
    Id,
    /// `string`
    #[default]
    String,
    /// `textarea`
    TextArea,
    /// `boolean`
    Boolean,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `double`
    Double,
    /// `currency`
    Currency,
    /// `percent`
    Percent,
    /// `date`
    Date,
    /// `datetime`
    DateTime,
    /// `time`
    Time,
    /// `picklist`
    Picklist,
    /// `multipicklist`
    MultiPicklist,
    /// `combobox`
    Combobox,
    /// `reference`
    Reference,
    /// `phone`
    Phone,
    /// `email`
    Email,
    /// `url`
    Url,
    /// `base64`
    Base64,
    /// `address` (compound, read-only)
    Address,
    /// `location` (compound)
    Location,
    /// `encryptedstring`
    EncryptedString,
    /// `anyType`
    AnyType,
    /// A type this client does not know, as Salesforce named it.
    Other(String),
}

const TYPE_NAMES: &[(&str, FieldType)] = &[
    ("id", FieldType::Id),
    ("string", FieldType::String),
    ("textarea", FieldType::TextArea),
    ("boolean", FieldType::Boolean),
    ("int", FieldType::Int),
    ("long", FieldType::Long),
    ("double", FieldType::Double),
    ("currency", FieldType::Currency),
    ("percent", FieldType::Percent),
    ("date", FieldType::Date),
    ("datetime", FieldType::DateTime),
    ("time", FieldType::Time),
    ("picklist", FieldType::Picklist),
    ("multipicklist", FieldType::MultiPicklist),
    ("combobox", FieldType::Combobox),
    ("reference", FieldType::Reference),
    ("phone", FieldType::Phone),
    ("email", FieldType::Email),
    ("url", FieldType::Url),
    ("base64", FieldType::Base64),
    ("address", FieldType::Address),
    ("location", FieldType::Location),
    ("encryptedstring", FieldType::EncryptedString),
    ("anyType", FieldType::AnyType),
];

impl FieldType {
    /// The name Salesforce uses (`datetime`, `anyType`).
    pub fn as_str(&self) -> &str {
        match self {
            FieldType::Other(name) => name,
            known => TYPE_NAMES
                .iter()
                .find(|(_, t)| t == known)
                .map_or("", |(name, _)| name),
        }
    }
}

impl From<String> for FieldType {
    fn from(name: String) -> FieldType {
        TYPE_NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(&name))
            .map_or(FieldType::Other(name), |(_, t)| t.clone())
    }
}

impl From<FieldType> for String {
    fn from(t: FieldType) -> String {
        t.as_str().to_string()
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
