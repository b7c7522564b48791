//! Describe output: `GET /sobjects` (describeGlobal), `GET /sobjects/X` (basic info) and
//! `GET /sobjects/X/describe` (full field metadata), built from the schema.

use crate::salesforce::schema::{FieldDef, FieldType, ObjectDef, Schema};
use serde_json::{Map, Value as Json, json};

fn urls(object: &ObjectDef, version: &str) -> Map<String, Json> {
    let base = format!("/services/data/{version}/sobjects/{}", object.name);
    let mut urls = Map::new();
    urls.insert("sobject".into(), Json::String(base.clone()));
    urls.insert("describe".into(), Json::String(format!("{base}/describe")));
    urls.insert("rowTemplate".into(), Json::String(format!("{base}/{{ID}}")));
    urls
}

/// The flags every object summary carries.
fn summary(object: &ObjectDef, version: &str) -> Map<String, Json> {
    let writable = object.createable;
    let mut map = Map::new();
    let mut put = |k: &str, v: Json| {
        map.insert(k.to_string(), v);
    };
    put("activateable", Json::Bool(object.name == "Order"));
    put("createable", Json::Bool(writable));
    put("custom", Json::Bool(object.custom));
    put("customSetting", Json::Bool(false));
    put("deletable", Json::Bool(writable));
    put("deprecatedAndHidden", Json::Bool(false));
    put("feedEnabled", Json::Bool(writable));
    put("keyPrefix", Json::String(object.key_prefix.clone()));
    put("label", Json::String(object.label.clone()));
    put("labelPlural", Json::String(object.label_plural.clone()));
    put("layoutable", Json::Bool(true));
    put(
        "mergeable",
        Json::Bool(matches!(
            object.name.as_str(),
            "Account" | "Contact" | "Lead"
        )),
    );
    put("name", Json::String(object.name.clone()));
    put("queryable", Json::Bool(true));
    put("replicateable", Json::Bool(true));
    put("retrieveable", Json::Bool(true));
    put("searchable", Json::Bool(writable));
    put("triggerable", Json::Bool(true));
    put("undeletable", Json::Bool(writable));
    put("updateable", Json::Bool(writable));
    put("urls", Json::Object(urls(object, version)));
    map
}

/// `GET /sobjects`.
pub fn global(schema: &Schema, version: &str) -> Json {
    let sobjects: Vec<Json> = schema
        .objects
        .iter()
        .map(|o| Json::Object(summary(o, version)))
        .collect();
    json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})
}

/// `GET /sobjects/X`: the summary and no recent items (the sandbox has no UI).
pub fn basic(object: &ObjectDef, version: &str) -> Json {
    json!({"objectDescribe": Json::Object(summary(object, version)), "recentItems": []})
}

/// `GET /sobjects/X/describe`.
pub fn full(schema: &Schema, object: &ObjectDef, version: &str) -> Json {
    let mut map = summary(object, version);
    let children: Vec<Json> = object
        .children
        .iter()
        .map(|c| {
            let child = schema.def(c.child);
            json!({
                "cascadeDelete": child.def(c.field).on_delete == crate::salesforce::schema::OnDelete::Cascade,
                "childSObject": child.name,
                "deprecatedAndHidden": false,
                "field": child.def(c.field).name,
                "relationshipName": c.name,
            })
        })
        .collect();
    map.insert("childRelationships".into(), Json::Array(children));
    map.insert(
        "fields".into(),
        Json::Array(object.fields.iter().map(|f| field(object, f)).collect()),
    );
    map.insert("listviewable".into(), Json::Bool(true));
    map.insert("lookupLayoutable".into(), Json::Bool(true));
    map.insert(
        "recordTypeInfos".into(),
        json!([{"available": true, "defaultRecordTypeMapping": true, "master": true, "name": "Master", "recordTypeId": "012000000000000AAA"}]),
    );
    map.insert("searchLayoutable".into(), Json::Bool(true));
    if let Some(Json::Object(urls)) = map.get_mut("urls") {
        urls.insert("uiDetailTemplate".into(), Json::String("/{ID}".into()));
        urls.insert("uiEditTemplate".into(), Json::String("/{ID}/e".into()));
        urls.insert(
            "uiNewRecord".into(),
            Json::String(format!("/{}/e", object.key_prefix)),
        );
    }
    Json::Object(map)
}

/// One field's metadata.
pub fn field(object: &ObjectDef, field: &FieldDef) -> Json {
    let text = field.field_type.is_text()
        || field.field_type == FieldType::Id
        || field.field_type == FieldType::Reference;
    let length = if text { field.length } else { 0 };
    let picklist: Vec<Json> = field
        .values
        .iter()
        .map(|v| {
            let is_default = field.default.as_ref().and_then(|d| d.as_str()) == Some(v.as_str());
            json!({"active": true, "defaultValue": is_default, "label": v, "validFor": null, "value": v})
        })
        .collect();
    let compound = field.compound_of.map_or(Json::Null, |(index, _)| {
        Json::String(object.def(index).name.clone())
    });
    let is_id = field.field_type == FieldType::Id;
    let default_value = field.default.as_ref().map_or(Json::Null, |d| match d {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        _ => Json::Null,
    });
    let defaulted = field.default.is_some()
        || field.field_type == FieldType::Boolean
        || field.system
        || field.auto_number.is_some()
        || field.name == "OwnerId";
    json!({
        "aggregatable": !matches!(field.field_type, FieldType::TextArea | FieldType::Address),
        "autoNumber": field.auto_number.is_some(),
        "byteLength": length * 3,
        "calculated": field.field_type == FieldType::Address || (field.read_only() && !field.system && field.auto_number.is_none() && field.name.ends_with("Name")),
        "calculatedFormula": null,
        "caseSensitive": field.case_sensitive,
        "compoundFieldName": compound,
        "controllerName": null,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": default_value,
        "defaultValueFormula": null,
        "defaultedOnCreate": defaulted,
        "dependentPicklist": false,
        "deprecatedAndHidden": false,
        "digits": if field.field_type == FieldType::Int { field.precision } else { 0 },
        "externalId": field.external_id,
        "filterable": field.field_type != FieldType::TextArea,
        "groupable": !matches!(field.field_type, FieldType::TextArea | FieldType::Double | FieldType::Currency | FieldType::Percent | FieldType::DateTime | FieldType::Address),
        "htmlFormatted": false,
        "idLookup": is_id || field.external_id || (field.unique && field.field_type.is_text()),
        "inlineHelpText": null,
        "label": field.label,
        "length": length,
        "name": field.name,
        "nameField": field.name_field,
        "namePointing": false,
        "nillable": field.nillable(),
        "picklistValues": picklist,
        "precision": if matches!(field.field_type, FieldType::Double | FieldType::Currency | FieldType::Percent) { field.precision } else { 0 },
        "referenceTo": field.reference_to.iter().cloned().collect::<Vec<_>>(),
        "relationshipName": field.relationship,
        "relationshipOrder": null,
        "restrictedPicklist": field.restricted,
        "scale": if matches!(field.field_type, FieldType::Double | FieldType::Currency | FieldType::Percent) { field.scale } else { 0 },
        "soapType": field.field_type.soap_type(),
        "sortable": !matches!(field.field_type, FieldType::TextArea | FieldType::Address),
        "type": field.field_type.describe_name(),
        "unique": field.unique,
        "updateable": field.updateable,
        "writeRequiresMasterRead": false,
    })
}
