//! The org's data model: objects, their fields and what each field accepts. Loaded from
//! `schema/salesforce.toml` (built in) plus an optional user file that extends it.
//!
//! Field order is stable (it is the describe order and, later, the change-event schema order):
//! `Id`, `IsDeleted`, the declared fields with each address group in place of its declaration,
//! then `OwnerId`, `CreatedDate`, `CreatedById`, `LastModifiedDate`, `LastModifiedById`,
//! `SystemModstamp`.

mod build;
mod field;

pub use field::{FieldDef, FieldType, OnDelete};

use build::{ObjectSpec, SchemaFile, build_object, is_valid_prefix};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The built-in schema file.
pub const BUILT_IN: &str = include_str!("../../../schema/salesforce.toml");

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
    /// The fields' API names, shared (by index, as `fields`).
    pub names: Vec<std::sync::Arc<str>>,
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

#[cfg(test)]
mod tests {
    use super::build::label_for;
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
