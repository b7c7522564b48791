//! The org's data model: objects, their fields and what each field accepts. Loaded from
//! `schema/salesforce.toml` (built in) plus an optional user file that extends it.
//!
//! Field order is stable (it is the describe order and, later, the change-event schema order):
//! `Id`, `IsDeleted`, the declared fields with each address group in place of its declaration,
//! then `OwnerId`, `CreatedDate`, `CreatedById`, `LastModifiedDate`, `LastModifiedById`,
//! `SystemModstamp`.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The built-in schema file.
pub const BUILT_IN: &str = include_str!("../../schema/salesforce.toml");

/// A field's data type, as describe reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// A record id (only the `Id` field).
    Id,
    /// Text up to `length`.
    String,
    /// Long text up to `length`.
    TextArea,
    /// true / false.
    Boolean,
    /// Whole number.
    Int,
    /// Floating-point number.
    Double,
    /// Money (a JSON number on the wire).
    Currency,
    /// Percentage.
    Percent,
    /// Calendar date, `yyyy-MM-dd`.
    Date,
    /// Instant, `yyyy-MM-ddTHH:mm:ss.SSS+0000`.
    DateTime,
    /// One value from a list.
    Picklist,
    /// Several values from a list, joined with `;`.
    MultiPicklist,
    /// The id of another record.
    Reference,
    /// Phone number (text).
    Phone,
    /// Email address (text, checked).
    Email,
    /// URL (text).
    Url,
    /// Compound address (read-only, computed from its component fields).
    Address,
}

impl FieldType {
    /// The name describe reports.
    pub fn describe_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Reference => "reference",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Address => "address",
        }
    }

    /// The SOAP type describe reports.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Int => "xsd:int",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::Address => "urn:address",
            _ => "xsd:string",
        }
    }

    /// Whether values are text (length-checked, LIKE-able).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Phone
                | FieldType::Email
                | FieldType::Url
        )
    }

    /// Whether values are numbers.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }
}

/// What deleting a parent record does to the records that refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// The reference is cleared (a lookup).
    #[default]
    Clear,
    /// The child is deleted with the parent (master-detail).
    Cascade,
    /// The parent cannot be deleted while children exist.
    Restrict,
}

/// One field of an object.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// API name, canonical casing.
    pub name: String,
    /// Label shown in describe.
    pub label: String,
    /// Data type.
    pub field_type: FieldType,
    /// Maximum characters for text types (0 otherwise).
    pub length: u32,
    /// Digits for numbers.
    pub precision: u32,
    /// Digits after the point for numbers.
    pub scale: u32,
    /// Must have a value on create (unless defaulted).
    pub required: bool,
    /// Can be set on create.
    pub createable: bool,
    /// Can be changed on update.
    pub updateable: bool,
    /// Values are unique across the object.
    pub unique: bool,
    /// Usable as an upsert key.
    pub external_id: bool,
    /// Uniqueness and equality respect case (ids do; text keys do not by default).
    pub case_sensitive: bool,
    /// Picklist values, in order.
    pub values: Vec<String>,
    /// Only listed values are accepted.
    pub restricted: bool,
    /// Value used on create when none is given.
    pub default: Option<toml::Value>,
    /// Target object of a reference.
    pub reference_to: Option<String>,
    /// Name of the parent relationship (`Account` for `AccountId`).
    pub relationship: Option<String>,
    /// Name of the relationship from the parent's side (`Contacts`).
    pub child_relationship: Option<String>,
    /// Auto-number display format, e.g. `{00000100}` or `PAY-{000000}`.
    pub auto_number: Option<String>,
    /// What deleting the referenced parent does to this record.
    pub on_delete: OnDelete,
    /// The object's name field.
    pub name_field: bool,
    /// A custom field (`__c`).
    pub custom: bool,
    /// For a compound address: the prefix of its component fields (`Billing`).
    pub address_prefix: Option<String>,
    /// For a component of a compound address: the compound field's index and the component's
    /// lowerCamel key in it.
    pub compound_of: Option<(usize, &'static str)>,
    /// A system field the org maintains (Id, audit fields).
    pub system: bool,
}

impl FieldDef {
    fn new(name: &str, field_type: FieldType) -> FieldDef {
        FieldDef {
            name: name.to_string(),
            label: label_for(name),
            field_type,
            length: 0,
            precision: 0,
            scale: 0,
            required: false,
            createable: true,
            updateable: true,
            unique: false,
            external_id: false,
            case_sensitive: false,
            values: Vec::new(),
            restricted: false,
            default: None,
            reference_to: None,
            relationship: None,
            child_relationship: None,
            auto_number: None,
            on_delete: OnDelete::Clear,
            name_field: false,
            custom: name.ends_with("__c"),
            address_prefix: None,
            compound_of: None,
            system: false,
        }
    }

    /// Nillable as describe says: booleans never are; required fields are not.
    pub fn nillable(&self) -> bool {
        !(self.required
            || self.field_type == FieldType::Boolean
            || self.field_type == FieldType::Id)
    }

    /// Read-only for API callers (neither createable nor updateable).
    pub fn read_only(&self) -> bool {
        !self.createable && !self.updateable
    }
}

/// A child relationship as seen from the parent: `Account.Contacts` → Contact.AccountId.
#[derive(Debug, Clone)]
pub struct ChildRelationship {
    /// Relationship name (`Contacts`).
    pub name: String,
    /// Child object index.
    pub child: usize,
    /// Field index of the reference on the child.
    pub field: usize,
}

/// One object (sObject type).
#[derive(Debug, Clone)]
pub struct ObjectDef {
    /// API name, canonical casing.
    pub name: String,
    /// Label.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// Three-character id prefix.
    pub key_prefix: String,
    /// A custom object (`__c`).
    pub custom: bool,
    /// Records can be created through the API.
    pub createable: bool,
    /// Fields in describe order; index 0 is always `Id`.
    pub fields: Vec<FieldDef>,
    /// Lower-cased name → field index.
    by_name: HashMap<String, usize>,
    /// Lower-cased parent relationship name → reference field index.
    relationships: HashMap<String, usize>,
    /// Child relationships, filled in once every object is known.
    pub children: Vec<ChildRelationship>,
    /// Order only: status value → status category (`Draft` or `Activated`).
    pub status_categories: BTreeMap<String, String>,
    /// Index of the name field, if any.
    pub name_field: Option<usize>,
}

/// Well-known field positions every object has.
pub mod sys {
    /// `Id` is always field 0.
    pub const ID: usize = 0;
    /// `IsDeleted` is always field 1.
    pub const IS_DELETED: usize = 1;
}

impl ObjectDef {
    /// The field with this name (any case).
    pub fn field(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// The field definition at an index.
    pub fn def(&self, index: usize) -> &FieldDef {
        &self.fields[index]
    }

    /// The reference field whose parent relationship has this name (any case).
    pub fn relationship(&self, name: &str) -> Option<usize> {
        self.relationships.get(&name.to_ascii_lowercase()).copied()
    }

    /// The child relationship with this name (any case).
    pub fn child_relationship(&self, name: &str) -> Option<&ChildRelationship> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The index of a system field that every object has.
    pub fn system_field(&self, name: &str) -> usize {
        // Every object gets the audit fields in `build_object`, so this is an invariant, not
        // input: a missing one is a bug in this file.
        self.field(name).unwrap_or(sys::ID)
    }
}

/// All objects of the org.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Objects in declaration order.
    pub objects: Vec<ObjectDef>,
    by_name: HashMap<String, usize>,
    by_prefix: HashMap<String, usize>,
}

/// A schema file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("schema {source_name}: {message}")]
pub struct SchemaError {
    /// Which file (or "built-in").
    pub source_name: String,
    /// What is wrong and what to do.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    #[serde(default)]
    objects: BTreeMap<String, ObjectSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectSpec {
    prefix: Option<String>,
    label: Option<String>,
    #[serde(default = "yes")]
    createable: bool,
    #[serde(default = "yes")]
    owned: bool,
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    fields: Vec<FieldSpec>,
    #[serde(default)]
    status_categories: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSpec {
    name: String,
    #[serde(rename = "type")]
    field_type: FieldType,
    label: Option<String>,
    length: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    readonly: bool,
    #[serde(default)]
    create_only: bool,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    external_id: bool,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    restricted: bool,
    default: Option<toml::Value>,
    reference_to: Option<String>,
    relationship: Option<String>,
    child_relationship: Option<String>,
    auto_number: Option<String>,
    #[serde(default)]
    on_delete: OnDelete,
    #[serde(default)]
    name_field: bool,
}

impl Schema {
    /// The built-in schema.
    pub fn built_in() -> Result<Schema, SchemaError> {
        Schema::from_sources(&[("built-in", BUILT_IN)])
    }

    /// The built-in schema extended by a user file.
    pub fn with_extension(path: &Path) -> Result<Schema, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|err| SchemaError {
            source_name: path.display().to_string(),
            message: format!("cannot read it ({err}); check the --schema path"),
        })?;
        let name = path.display().to_string();
        Schema::from_sources(&[("built-in", BUILT_IN), (&name, &text)])
    }

    /// Builds a schema from TOML texts, later ones extending earlier ones.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Schema, SchemaError> {
        let mut specs: Vec<(String, ObjectSpec)> = Vec::new();
        for (source_name, text) in sources {
            let err = |message: String| SchemaError {
                source_name: source_name.to_string(),
                message,
            };
            let file: SchemaFile = toml::from_str(text).map_err(|e| {
                let at = e
                    .span()
                    .map(|span| {
                        let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
                        format!(" at line {line}")
                    })
                    .unwrap_or_default();
                err(format!(
                    "{}{at}; fix the file (its format is described in docs/sandbox.md, \"The data model\")",
                    e.message()
                ))
            })?;
            for (name, spec) in file.objects {
                if let Some((_, existing)) = specs.iter_mut().find(|(n, _)| n == &name) {
                    for field in spec.fields {
                        if existing
                            .fields
                            .iter()
                            .any(|f| f.name.eq_ignore_ascii_case(&field.name))
                        {
                            return Err(err(format!(
                                "field {name}.{} is already defined; rename it or remove it from this file",
                                field.name
                            )));
                        }
                        existing.fields.push(field);
                    }
                    existing.addresses.extend(spec.addresses);
                    existing.status_categories.extend(spec.status_categories);
                } else {
                    specs.push((name, spec));
                }
            }
        }
        let mut objects = Vec::with_capacity(specs.len());
        let mut custom_prefix = 0u32;
        for (name, spec) in specs {
            let prefix = match &spec.prefix {
                Some(prefix) => prefix.clone(),
                None => {
                    let prefix = format!("a{custom_prefix:02}");
                    custom_prefix += 1;
                    prefix
                }
            };
            objects.push(
                build_object(&name, spec, prefix).map_err(|message| SchemaError {
                    source_name: "schema".into(),
                    message,
                })?,
            );
        }
        let mut schema = Schema {
            by_name: HashMap::new(),
            by_prefix: HashMap::new(),
            objects,
        };
        schema.link().map_err(|message| SchemaError {
            source_name: "schema".into(),
            message,
        })?;
        Ok(schema)
    }

    fn link(&mut self) -> Result<(), String> {
        for (index, object) in self.objects.iter().enumerate() {
            if !is_valid_prefix(&object.key_prefix) {
                return Err(format!(
                    "object {} has key prefix {:?}; a prefix is three letters or digits",
                    object.name, object.key_prefix
                ));
            }
            if let Some(other) = self.by_prefix.insert(object.key_prefix.clone(), index) {
                return Err(format!(
                    "objects {} and {} share key prefix {}; give one another prefix",
                    self.objects[other].name, object.name, object.key_prefix
                ));
            }
            self.by_name.insert(object.name.to_ascii_lowercase(), index);
        }
        let mut children: Vec<(usize, ChildRelationship)> = Vec::new();
        for (child_index, object) in self.objects.iter().enumerate() {
            for (field_index, field) in object.fields.iter().enumerate() {
                let Some(target) = &field.reference_to else {
                    continue;
                };
                let Some(&parent) = self.by_name.get(&target.to_ascii_lowercase()) else {
                    return Err(format!(
                        "field {}.{} refers to object {target}, which the schema does not define",
                        object.name, field.name
                    ));
                };
                if let Some(name) = &field.child_relationship {
                    children.push((
                        parent,
                        ChildRelationship {
                            name: name.clone(),
                            child: child_index,
                            field: field_index,
                        },
                    ));
                }
            }
        }
        for (parent, child) in children {
            self.objects[parent].children.push(child);
        }
        Ok(())
    }

    /// The object with this name (any case).
    pub fn object(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// The object whose ids start with this prefix.
    pub fn object_by_prefix(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix).copied()
    }

    /// The definition of an object.
    pub fn def(&self, index: usize) -> &ObjectDef {
        &self.objects[index]
    }
}

fn is_valid_prefix(prefix: &str) -> bool {
    prefix.len() == 3 && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `BillingPostalCode` → `Billing Postal Code`; `ExternalID__c` → `ExternalID`.
fn label_for(name: &str) -> String {
    let base = name.strip_suffix("__c").unwrap_or(name);
    let base = base
        .strip_suffix("Id")
        .filter(|b| !b.is_empty())
        .unwrap_or(base);
    let mut label = String::new();
    let chars: Vec<char> = base.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            label.push(' ');
        }
        label.push(*c);
    }
    label
}

const ADDRESS_PARTS: [(&str, FieldType, u32, &str); 10] = [
    ("Street", FieldType::TextArea, 255, "street"),
    ("City", FieldType::String, 40, "city"),
    ("State", FieldType::String, 80, "state"),
    ("PostalCode", FieldType::String, 20, "postalCode"),
    ("Country", FieldType::String, 80, "country"),
    ("StateCode", FieldType::Picklist, 10, "stateCode"),
    ("CountryCode", FieldType::Picklist, 10, "countryCode"),
    ("Latitude", FieldType::Double, 0, "latitude"),
    ("Longitude", FieldType::Double, 0, "longitude"),
    (
        "GeocodeAccuracy",
        FieldType::Picklist,
        40,
        "geocodeAccuracy",
    ),
];

fn build_object(name: &str, spec: ObjectSpec, key_prefix: String) -> Result<ObjectDef, String> {
    let mut fields = Vec::new();
    let mut id = FieldDef::new("Id", FieldType::Id);
    id.length = 18;
    id.createable = false;
    id.updateable = false;
    id.case_sensitive = true;
    id.system = true;
    id.label = format!(
        "{} ID",
        spec.label.clone().unwrap_or_else(|| name.to_string())
    );
    fields.push(id);
    let mut deleted = FieldDef::new("IsDeleted", FieldType::Boolean);
    deleted.createable = false;
    deleted.updateable = false;
    deleted.system = true;
    deleted.label = "Deleted".into();
    fields.push(deleted);

    for field in spec.fields {
        fields.push(field_from_spec(name, field)?);
    }
    for prefix in &spec.addresses {
        let compound_index = fields.len() + ADDRESS_PARTS.len();
        for (part, field_type, length, key) in ADDRESS_PARTS {
            let mut def = FieldDef::new(&format!("{prefix}{part}"), field_type);
            def.length = length;
            if field_type == FieldType::Double {
                def.precision = 18;
                def.scale = 15;
            }
            if part == "GeocodeAccuracy" {
                def.values = [
                    "Address",
                    "NearAddress",
                    "Block",
                    "Street",
                    "ExtendedZip",
                    "Zip",
                    "Neighborhood",
                    "City",
                    "County",
                    "State",
                    "Unknown",
                ]
                .iter()
                .map(|v| v.to_string())
                .collect();
                def.restricted = true;
            }
            def.compound_of = Some((compound_index, key));
            fields.push(def);
        }
        let compound_name = format!("{prefix}Address");
        let mut compound = FieldDef::new(&compound_name, FieldType::Address);
        compound.createable = false;
        compound.updateable = false;
        compound.address_prefix = Some(prefix.clone());
        fields.push(compound);
    }

    let user_ref = |field: &str, relationship: &str| {
        let mut def = FieldDef::new(field, FieldType::Reference);
        def.reference_to = Some("User".into());
        def.relationship = Some(relationship.into());
        def.length = 18;
        def.createable = false;
        def.updateable = false;
        def.system = true;
        def
    };
    if spec.owned {
        let mut owner = user_ref("OwnerId", "Owner");
        owner.createable = true;
        owner.updateable = true;
        owner.system = false;
        fields.push(owner);
    }
    let mut created = FieldDef::new("CreatedDate", FieldType::DateTime);
    created.createable = false;
    created.updateable = false;
    created.system = true;
    fields.push(created);
    fields.push(user_ref("CreatedById", "CreatedBy"));
    let mut modified = FieldDef::new("LastModifiedDate", FieldType::DateTime);
    modified.createable = false;
    modified.updateable = false;
    modified.system = true;
    fields.push(modified);
    fields.push(user_ref("LastModifiedById", "LastModifiedBy"));
    let mut stamp = FieldDef::new("SystemModstamp", FieldType::DateTime);
    stamp.createable = false;
    stamp.updateable = false;
    stamp.system = true;
    fields.push(stamp);

    let mut by_name = HashMap::new();
    let mut relationships = HashMap::new();
    let mut name_field = None;
    for (index, field) in fields.iter().enumerate() {
        if by_name
            .insert(field.name.to_ascii_lowercase(), index)
            .is_some()
        {
            return Err(format!(
                "field {name}.{} is defined twice; remove one",
                field.name
            ));
        }
        if let Some(rel) = &field.relationship {
            relationships.insert(rel.to_ascii_lowercase(), index);
        }
        if field.name_field {
            name_field = Some(index);
        }
    }
    let label = spec.label.clone().unwrap_or_else(|| label_for(name));
    Ok(ObjectDef {
        name: name.to_string(),
        label_plural: format!("{label}s"),
        label,
        key_prefix,
        custom: name.ends_with("__c"),
        createable: spec.createable,
        fields,
        by_name,
        relationships,
        children: Vec::new(),
        status_categories: spec.status_categories,
        name_field,
    })
}

fn field_from_spec(object: &str, spec: FieldSpec) -> Result<FieldDef, String> {
    let mut def = FieldDef::new(&spec.name, spec.field_type);
    if matches!(spec.field_type, FieldType::Id | FieldType::Address) {
        return Err(format!(
            "field {object}.{} has type {}, which only the sandbox itself declares; use string or addresses = [..]",
            spec.name,
            spec.field_type.describe_name()
        ));
    }
    if let Some(label) = spec.label {
        def.label = label;
    }
    def.length = spec.length.unwrap_or(match spec.field_type {
        FieldType::String | FieldType::Phone | FieldType::Url | FieldType::Email => 255,
        FieldType::TextArea => 32000,
        FieldType::Picklist | FieldType::MultiPicklist => 255,
        FieldType::Reference => 18,
        _ => 0,
    });
    def.precision = spec.precision.unwrap_or(match spec.field_type {
        FieldType::Int => 9,
        FieldType::Double | FieldType::Currency | FieldType::Percent => 18,
        _ => 0,
    });
    def.scale = spec.scale.unwrap_or(match spec.field_type {
        FieldType::Currency => 2,
        _ => 0,
    });
    def.required = spec.required;
    if spec.readonly || spec.auto_number.is_some() {
        def.createable = false;
        def.updateable = false;
    }
    if spec.create_only {
        def.updateable = false;
    }
    def.unique = spec.unique;
    def.external_id = spec.external_id;
    def.case_sensitive = spec.case_sensitive;
    def.values = spec.values;
    def.restricted = spec.restricted;
    def.default = spec.default;
    if spec.field_type == FieldType::Reference && spec.reference_to.is_none() {
        return Err(format!(
            "field {object}.{} is a reference without reference_to; name the object it points at",
            spec.name
        ));
    }
    def.reference_to = spec.reference_to;
    def.relationship = spec.relationship;
    def.child_relationship = spec.child_relationship;
    def.auto_number = spec.auto_number;
    def.on_delete = spec.on_delete;
    def.name_field = spec.name_field;
    Ok(def)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_schema_loads_with_system_fields_in_order() {
        let schema = Schema::built_in().unwrap();
        let account = schema.def(schema.object("account").unwrap());
        assert_eq!(account.key_prefix, "001");
        assert_eq!(account.fields[0].name, "Id");
        assert_eq!(account.fields[1].name, "IsDeleted");
        assert_eq!(account.fields.last().unwrap().name, "SystemModstamp");
        let billing = account.field("BillingAddress").unwrap();
        assert_eq!(account.def(billing).field_type, FieldType::Address);
        let city = account.field("billingcity").unwrap();
        assert_eq!(account.def(city).compound_of, Some((billing, "city")));
        assert!(account.child_relationship("contacts").is_some());
        let payment = schema.def(schema.object("Payment__c").unwrap());
        assert_eq!(payment.key_prefix, "a00");
        assert!(payment.custom);
    }

    #[test]
    fn extension_appends_fields_and_refuses_duplicates() {
        let extra = "[objects.Account]\nfields = [{ name = \"Loyalty__c\", type = \"int\" }]\n";
        let schema = Schema::from_sources(&[("built-in", BUILT_IN), ("extra", extra)]).unwrap();
        let account = schema.def(schema.object("Account").unwrap());
        assert!(account.field("Loyalty__c").is_some());
        let dup = "[objects.Account]\nfields = [{ name = \"name\", type = \"string\" }]\n";
        let err = Schema::from_sources(&[("built-in", BUILT_IN), ("extra", dup)]).unwrap_err();
        assert!(err.to_string().contains("already defined"), "{err}");
        let bad = "[objects.Thing__c]\nfields = [{ name = \"Ref__c\", type = \"reference\", reference_to = \"Nope\" }]\n";
        let err = Schema::from_sources(&[("built-in", BUILT_IN), ("extra", bad)]).unwrap_err();
        assert!(err.to_string().contains("does not define"), "{err}");
    }

    #[test]
    fn labels_read_like_salesforce() {
        assert_eq!(label_for("BillingPostalCode"), "Billing Postal Code");
        assert_eq!(label_for("AccountId"), "Account");
        assert_eq!(label_for("ExternalID__c"), "External ID");
    }
}
