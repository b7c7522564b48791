//! From the schema file's text to object definitions: the file's shape, the system fields
//! every object gets, address groups, and per-field defaults.

use super::{FieldDef, FieldType, ObjectDef, OnDelete};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchemaFile {
    #[serde(default)]
    pub(super) objects: BTreeMap<String, ObjectSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ObjectSpec {
    pub(super) prefix: Option<String>,
    pub(super) label: Option<String>,
    #[serde(default = "yes")]
    pub(super) createable: bool,
    #[serde(default = "yes")]
    pub(super) owned: bool,
    #[serde(default)]
    pub(super) addresses: Vec<String>,
    #[serde(default)]
    pub(super) fields: Vec<FieldSpec>,
    #[serde(default)]
    pub(super) status_categories: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldSpec {
    pub(super) name: String,
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

pub(super) fn is_valid_prefix(prefix: &str) -> bool {
    prefix.len() == 3 && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `BillingPostalCode` → `Billing Postal Code`; `ExternalID__c` → `ExternalID`.
pub(super) fn label_for(name: &str) -> String {
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

pub(super) fn build_object(
    name: &str,
    spec: ObjectSpec,
    key_prefix: String,
) -> Result<ObjectDef, String> {
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
        names: fields
            .iter()
            .map(|f| std::sync::Arc::from(f.name.as_str()))
            .collect(),
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
