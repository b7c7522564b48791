//! Avro schemas of change events and platform events (reference §9.4), generated from the
//! sandbox's own schema in describe order so that a field added to the schema file shows up in
//! the event schema, under a new schema id.
//!
//! Layout of a change event schema: record `<Obj>ChangeEvent` (namespace `com.sforce.eventbus`),
//! field 0 `ChangeEventHeader`, then every published field of the object as `["null", T]` with
//! `default null`. Address components are not top-level fields: they are the children of their
//! compound field, a nested `Address` record at the compound field's position.

use super::super::schema::{FieldType, ObjectDef, sys};
use base64::Engine as _;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The Avro namespace of every event schema.
pub const NAMESPACE: &str = "com.sforce.eventbus";

/// The `ChangeType` enum's symbols, in schema order.
pub const CHANGE_TYPES: [&str; 9] = [
    "CREATE",
    "UPDATE",
    "DELETE",
    "UNDELETE",
    "GAP_CREATE",
    "GAP_UPDATE",
    "GAP_DELETE",
    "GAP_UNDELETE",
    "GAP_OVERFLOW",
];

/// Fields Salesforce leaves out of change events (§9.2): `Id` travels in the header's
/// `recordIds`, `IsDeleted` and `SystemModstamp` are not published, nor derived values.
const NOT_PUBLISHED: [&str; 4] = [
    "IsDeleted",
    "SystemModstamp",
    "LastActivityDate",
    "PhotoUrl",
];

/// The Avro type of one scalar field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `string` (text, ids, picklists).
    String,
    /// `boolean`.
    Boolean,
    /// `int`.
    Int,
    /// `double` (numbers, currency, percent).
    Double,
    /// `long`: dates and date-times as ms since the epoch.
    Long,
}

impl Scalar {
    fn of(field_type: FieldType) -> Scalar {
        match field_type {
            FieldType::Boolean => Scalar::Boolean,
            FieldType::Int => Scalar::Int,
            FieldType::Double | FieldType::Currency | FieldType::Percent => Scalar::Double,
            FieldType::Date | FieldType::DateTime => Scalar::Long,
            _ => Scalar::String,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::Boolean => "boolean",
            Scalar::Int => "int",
            Scalar::Double => "double",
            Scalar::Long => "long",
        }
    }
}

/// One top-level field of a change event schema (after the header).
#[derive(Debug, Clone)]
pub enum Slot {
    /// A plain field: the org field's index and its Avro type.
    Field {
        /// Avro field name (the API name).
        name: String,
        /// Index of the field in the object's describe order.
        field: usize,
        /// Avro type.
        scalar: Scalar,
    },
    /// A compound address: its components in order (org field index, child name, type).
    Address {
        /// Avro field name (`BillingAddress`).
        name: String,
        /// The components.
        children: Vec<(usize, String, Scalar)>,
    },
}

impl Slot {
    /// The Avro field name.
    pub fn name(&self) -> &str {
        match self {
            Slot::Field { name, .. } | Slot::Address { name, .. } => name,
        }
    }
}

/// A change event schema and how the object's fields map onto it.
#[derive(Debug)]
pub struct ChangeSchema {
    /// The object's API name.
    pub entity: String,
    /// The schema JSON GetSchema returns (with its `uuid`).
    pub json: String,
    /// 22-character base64url schema id.
    pub id: String,
    /// The parsed schema (encodes payloads).
    pub avro: apache_avro::Schema,
    /// Top-level fields after the header: `slots[i]` is Avro field `i + 1`.
    pub slots: Vec<Slot>,
    /// Org field name → (Avro top-level index, child index for address components).
    pub positions: HashMap<Arc<str>, (usize, Option<usize>)>,
}

/// A platform event's schema.
#[derive(Debug)]
pub struct PlatformSchema {
    /// `Order_Shipped__e`.
    pub name: String,
    /// The schema JSON (with its `uuid`).
    pub json: String,
    /// 22-character base64url schema id.
    pub id: String,
    /// The parsed schema.
    pub avro: apache_avro::Schema,
}

/// A schema could not be built (a bug or a hostile definition; the message says which).
#[derive(Debug, thiserror::Error)]
#[error("event schema {name}: {message}")]
pub struct SchemaBuildError {
    /// The event or object.
    pub name: String,
    /// What went wrong.
    pub message: String,
}

/// The schema id of a schema JSON: the first 16 bytes of its SHA-256, base64url without
/// padding (22 characters, like Salesforce's). Any change to the JSON gives a new id.
pub fn schema_id(json: &str) -> String {
    let digest = Sha256::digest(json.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Adds `"uuid": <id>` to a schema JSON object, parses it, and returns (json, id, schema).
fn finish(
    name: &str,
    mut schema: Json,
) -> Result<(String, String, apache_avro::Schema), SchemaBuildError> {
    let id = schema_id(&schema.to_string());
    if let Json::Object(map) = &mut schema {
        map.insert("uuid".into(), Json::String(id.clone()));
    }
    let json = schema.to_string();
    let avro = apache_avro::Schema::parse_str(&json).map_err(|err| SchemaBuildError {
        name: name.to_string(),
        message: format!("the generated Avro schema does not parse: {err}"),
    })?;
    Ok((json, id, avro))
}

fn nullable(field_type: Json) -> Json {
    json!(["null", field_type])
}

/// The `ChangeEventHeader` record type.
fn header() -> Json {
    let strings = json!({"type": "array", "items": "string"});
    json!({
        "type": "record",
        "name": "ChangeEventHeader",
        "namespace": NAMESPACE,
        "fields": [
            {"name": "entityName", "type": "string"},
            {"name": "recordIds", "type": strings},
            {"name": "changeType", "type": {"type": "enum", "name": "ChangeType", "namespace": NAMESPACE, "symbols": CHANGE_TYPES}},
            {"name": "changeOrigin", "type": "string"},
            {"name": "transactionKey", "type": "string"},
            {"name": "sequenceNumber", "type": "int"},
            {"name": "commitTimestamp", "type": "long"},
            {"name": "commitNumber", "type": "long"},
            {"name": "commitUser", "type": "string"},
            {"name": "nulledFields", "type": strings},
            {"name": "diffFields", "type": strings},
            {"name": "changedFields", "type": strings},
        ]
    })
}

/// The change event channel of an object: `Account` → `AccountChangeEvent`, `Foo__c` →
/// `Foo__ChangeEvent`.
pub fn event_name(entity: &str) -> String {
    match entity.strip_suffix("__c") {
        Some(base) => format!("{base}__ChangeEvent"),
        None => format!("{entity}ChangeEvent"),
    }
}

/// Builds the change event schema of one object.
pub fn change_schema(object: &ObjectDef) -> Result<ChangeSchema, SchemaBuildError> {
    let mut slots = Vec::new();
    let mut address_children: HashMap<usize, Vec<(usize, String, Scalar)>> = HashMap::new();
    for (index, field) in object.fields.iter().enumerate() {
        if let Some((compound, _)) = field.compound_of {
            let prefix = object
                .fields
                .get(compound)
                .and_then(|c| c.address_prefix.clone())
                .unwrap_or_default();
            let child = field
                .name
                .strip_prefix(&prefix)
                .unwrap_or(&field.name)
                .to_string();
            address_children.entry(compound).or_default().push((
                index,
                child,
                Scalar::of(field.field_type),
            ));
        }
    }
    for (index, field) in object.fields.iter().enumerate() {
        if index == sys::ID
            || field.compound_of.is_some()
            || NOT_PUBLISHED.contains(&field.name.as_str())
        {
            continue;
        }
        if field.field_type == FieldType::Address {
            slots.push(Slot::Address {
                name: field.name.clone(),
                children: address_children.remove(&index).unwrap_or_default(),
            });
        } else {
            slots.push(Slot::Field {
                name: field.name.clone(),
                field: index,
                scalar: Scalar::of(field.field_type),
            });
        }
    }
    let mut fields = vec![json!({"name": "ChangeEventHeader", "type": header()})];
    let mut address_defined = false;
    let mut positions = HashMap::new();
    for (n, slot) in slots.iter().enumerate() {
        let top = n + 1;
        match slot {
            Slot::Field {
                name,
                field,
                scalar,
            } => {
                positions.insert(object.names[*field].clone(), (top, None));
                fields.push(
                    json!({"name": name, "type": nullable(json!(scalar.name())), "default": null}),
                );
            }
            Slot::Address { name, children } => {
                for (child, (field, _, _)) in children.iter().enumerate() {
                    positions.insert(object.names[*field].clone(), (top, Some(child)));
                }
                // Avro defines a named type once; later addresses refer to it by name.
                let record = if address_defined {
                    json!("Address")
                } else {
                    address_defined = true;
                    json!({
                        "type": "record",
                        "name": "Address",
                        "namespace": NAMESPACE,
                        "fields": children.iter().map(|(_, child, scalar)| {
                            json!({"name": child, "type": nullable(json!(scalar.name())), "default": null})
                        }).collect::<Vec<_>>(),
                    })
                };
                fields.push(json!({"name": name, "type": nullable(record), "default": null}));
            }
        }
    }
    let name = event_name(&object.name);
    let schema = json!({
        "type": "record",
        "name": name,
        "namespace": NAMESPACE,
        "fields": fields,
    });
    let (json, id, avro) = finish(&name, schema)?;
    Ok(ChangeSchema {
        entity: object.name.clone(),
        json,
        id,
        avro,
        slots,
        positions,
    })
}

/// One field of a platform event definition.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlatformField {
    /// API name, e.g. `OrderId__c`.
    pub name: String,
    /// `string`, `boolean`, `int`, `long`, `double`, `date` or `datetime`.
    #[serde(rename = "type")]
    pub field_type: String,
}

/// Builds a platform event's schema: `CreatedDate` (long), `CreatedById` (string), then each
/// field as `["null", T]` (reference §9.4, the captured `CM_Test_Event_Two__e`).
pub fn platform_schema(
    name: &str,
    fields: &[PlatformField],
) -> Result<PlatformSchema, SchemaBuildError> {
    let error = |message: String| SchemaBuildError {
        name: name.to_string(),
        message,
    };
    if !name.ends_with("__e") || !valid_name(name.trim_end_matches("__e")) {
        return Err(error(
            "a platform event name is letters, digits and underscores ending in __e (Order_Shipped__e)".into(),
        ));
    }
    let mut avro_fields = vec![
        json!({"name": "CreatedDate", "type": "long", "doc": "CreatedDate:DateTime"}),
        json!({"name": "CreatedById", "type": "string", "doc": "CreatedBy:EntityId"}),
    ];
    let mut seen = std::collections::HashSet::new();
    for field in fields {
        if !valid_name(&field.name) || ["CreatedDate", "CreatedById"].contains(&field.name.as_str())
        {
            return Err(error(format!(
                "field {:?} is not a usable field name (letters, digits, underscores; not CreatedDate/CreatedById)",
                field.name
            )));
        }
        if !seen.insert(field.name.to_ascii_lowercase()) {
            return Err(error(format!("field {} is defined twice", field.name)));
        }
        let scalar = match field.field_type.to_ascii_lowercase().as_str() {
            "string" | "text" | "textarea" | "id" | "reference" | "picklist" => "string",
            "boolean" | "checkbox" => "boolean",
            "int" => "int",
            "long" | "date" | "datetime" => "long",
            "double" | "number" | "currency" | "percent" => "double",
            other => {
                return Err(error(format!(
                    "field {} has type {other:?}; use string, boolean, int, long, double, date or datetime",
                    field.name
                )));
            }
        };
        avro_fields
            .push(json!({"name": field.name, "type": nullable(json!(scalar)), "default": null}));
    }
    let schema = json!({
        "name": name,
        "namespace": NAMESPACE,
        "type": "record",
        "fields": avro_fields,
    });
    let (json, id, avro) = finish(name, schema)?;
    Ok(PlatformSchema {
        name: name.to_string(),
        json,
        id,
        avro,
    })
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 80
}
