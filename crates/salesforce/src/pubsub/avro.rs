//! Event schemas (reference §9.4): the Avro schema `GetSchema` returns, parsed once, and the
//! decoding of raw Avro payloads (no container, no fingerprint prefix) into JSON field maps.

use apache_avro::Schema;
use apache_avro::schema::{Name, ResolvedSchema};
use apache_avro::types::Value as Avro;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One top-level field of an event schema, with the child names when it is a compound field
/// (an address): bitmap fields (§9.3) index into both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaField {
    /// The field's name (`BillingAddress`).
    pub name: String,
    /// The nested record's field names in schema order (`Street`, `City`, …); empty for
    /// scalar fields.
    pub children: Vec<String>,
}

/// A parsed event schema.
#[derive(Debug, Clone)]
pub struct EventSchema {
    /// The schema id (22-character base64url, the `uuid` of the schema).
    pub id: String,
    /// The schema JSON as the server sent it.
    pub json: String,
    schema: Schema,
    fields: Vec<SchemaField>,
}

impl EventSchema {
    /// Parses the schema JSON that `GetSchema` returned for `id`.
    pub fn parse(id: &str, json: &str) -> Result<Self, String> {
        let schema = Schema::parse_str(json)
            .map_err(|e| format!("the Avro schema {id} does not parse: {e}"))?;
        let fields =
            top_fields(&schema).map_err(|e| format!("the Avro schema {id} cannot be used: {e}"))?;
        Ok(Self {
            id: id.to_owned(),
            json: json.to_owned(),
            schema,
            fields,
        })
    }

    /// The top-level fields in schema order (index 0 is `ChangeEventHeader` for change events).
    pub fn fields(&self) -> &[SchemaField] {
        &self.fields
    }

    /// The parsed Avro schema.
    pub fn avro(&self) -> &Schema {
        &self.schema
    }

    /// Decodes one raw Avro payload into its fields, in schema order. Unions are unwrapped,
    /// enums become their symbol, bytes become base64 text.
    pub fn decode(&self, payload: &[u8]) -> Result<Map<String, Value>, String> {
        let mut reader = payload;
        let value = apache_avro::from_avro_datum(&self.schema, &mut reader, None).map_err(|e| {
            format!(
                "the payload ({} bytes) does not decode with schema {}: {e}",
                payload.len(),
                self.id
            )
        })?;
        match to_json(value) {
            Value::Object(map) => Ok(map),
            other => Err(format!(
                "schema {} decodes to {} instead of a record",
                self.id,
                kind(&other)
            )),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn top_fields(schema: &Schema) -> Result<Vec<SchemaField>, String> {
    let Schema::Record(record) = schema else {
        return Err("the top-level type is not a record".into());
    };
    let resolved = ResolvedSchema::try_from(schema).map_err(|e| e.to_string())?;
    let names = resolved.get_names();
    Ok(record
        .fields
        .iter()
        .map(|field| SchemaField {
            name: field.name.clone(),
            children: children(&field.schema, names, record.name.namespace.as_deref(), 0),
        })
        .collect())
}

/// The field names of the record `schema` is (directly, through a nullable union or through a
/// reference to a named type defined earlier).
fn children(
    schema: &Schema,
    names: &HashMap<Name, &Schema>,
    namespace: Option<&str>,
    depth: u8,
) -> Vec<String> {
    if depth > 4 {
        return Vec::new();
    }
    match schema {
        Schema::Record(record) => record.fields.iter().map(|f| f.name.clone()).collect(),
        Schema::Union(union) => union
            .variants()
            .iter()
            .map(|v| children(v, names, namespace, depth + 1))
            .find(|c| !c.is_empty())
            .unwrap_or_default(),
        Schema::Ref { name } => {
            let full = Name {
                name: name.name.clone(),
                namespace: name.namespace.clone().or(namespace.map(str::to_owned)),
            };
            names
                .get(&full)
                .or_else(|| names.get(name))
                .map(|s| children(s, names, namespace, depth + 1))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Converts a decoded Avro value to JSON the way Salesforce's own samples print events.
pub fn to_json(value: Avro) -> Value {
    use base64::Engine as _;
    match value {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(b),
        Avro::Int(i) | Avro::Date(i) | Avro::TimeMillis(i) => Value::from(i),
        Avro::Long(i)
        | Avro::TimeMicros(i)
        | Avro::TimestampMillis(i)
        | Avro::TimestampMicros(i)
        | Avro::TimestampNanos(i)
        | Avro::LocalTimestampMillis(i)
        | Avro::LocalTimestampMicros(i)
        | Avro::LocalTimestampNanos(i) => Value::from(i),
        Avro::Float(f) => {
            serde_json::Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number)
        }
        Avro::Double(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Avro::Bytes(b) | Avro::Fixed(_, b) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Avro::String(s) | Avro::Enum(_, s) => Value::String(s),
        Avro::Union(_, inner) => to_json(*inner),
        Avro::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Avro::Map(map) => Value::Object(map.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
        Avro::Record(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
        Avro::Uuid(u) => Value::String(u.to_string()),
        // Decimal logical types carry exact digits; keep them as text so no float touches money.
        other => Value::String(format!("{other:?}")),
    }
}
