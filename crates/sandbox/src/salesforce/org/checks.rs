//! What a write must pass before it touches the org: input parsing (unknown and read-only
//! fields, values, parents named by external id) and the schema checks (required fields,
//! references, uniqueness).

use super::{Mode, Record, Txn};
use crate::salesforce::api::RecordError;
use crate::salesforce::ids::SfId;
use crate::salesforce::schema::{FieldType, ObjectDef, sys};
use crate::salesforce::value::{self, Value};
use serde_json::{Map, Value as Json};

impl<'o> Txn<'o> {
    /// Turns input JSON into field assignments: unknown and read-only fields, bad values and
    /// parent references by external id are reported as Salesforce does.
    pub fn parse_input(
        &self,
        object: usize,
        input: &Map<String, Json>,
        mode: Mode<'_>,
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
            if index == sys::ID && matches!(mode, Mode::Update(_)) {
                // The id of the record being updated may be repeated in the body.
                continue;
            }
            let writable = match mode {
                Mode::Create => field.createable,
                Mode::Update(_) => field.updateable,
            };
            if !writable {
                if let Mode::Update(current) = mode
                    && field.createable
                    && value::from_json(field, raw).ok().as_ref() == Some(current.get(index))
                {
                    continue;
                }
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

    pub(super) fn resolve_parent(
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

    pub(super) fn check_required(
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

    pub(super) fn check_references(
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

    pub(super) fn check_unique(
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
}
