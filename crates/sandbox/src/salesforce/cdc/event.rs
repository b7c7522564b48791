//! One change event's Avro payload (reference §9.2): the `ChangeEventHeader`, then the body —
//! CREATE and UNDELETE carry every field, UPDATE only the changed ones (the rest null, told
//! apart by `changedFields` / `nulledFields`), DELETE and gap events nothing.

use super::super::changes::{Change, ChangeType};
use super::super::value::{self, Value};
use super::avro::{CHANGE_TYPES, ChangeSchema, Scalar, Slot};
use super::bitmap::Bits;
use apache_avro::types::Value as Avro;
use std::sync::Arc;

/// The header of one event, in the schema's field order.
#[derive(Debug, Clone)]
pub struct Header {
    /// Object API name.
    pub entity: String,
    /// The records (one for ordinary events; `000000000000000AAA` for an overflow).
    pub record_ids: Vec<String>,
    /// One of [`CHANGE_TYPES`].
    pub change_type: &'static str,
    /// `com/salesforce/api/rest/59.0;client=ferry`, or empty.
    pub change_origin: String,
    /// Shared by every change of one transaction.
    pub transaction_key: String,
    /// 1-based position in the transaction.
    pub sequence_number: u32,
    /// Commit time, ms since the epoch.
    pub commit_timestamp: i64,
    /// Commit number (diagnostic).
    pub commit_number: u64,
    /// The user who committed.
    pub commit_user: String,
}

impl Header {
    /// The header of a logged change.
    pub fn of(change: &Change) -> Header {
        Header {
            entity: change.entity.clone(),
            record_ids: vec![change.record_id.to_string()],
            change_type: change_type_name(change.change_type),
            change_origin: change.change_origin.clone(),
            transaction_key: change.transaction_key.clone(),
            sequence_number: change.sequence_number,
            commit_timestamp: change.commit_timestamp,
            commit_number: change.commit_number,
            commit_user: change.commit_user.to_string(),
        }
    }
}

/// The wire name of a change type.
pub fn change_type_name(change_type: ChangeType) -> &'static str {
    match change_type {
        ChangeType::Create => "CREATE",
        ChangeType::Update => "UPDATE",
        ChangeType::Delete => "DELETE",
        ChangeType::Undelete => "UNDELETE",
    }
}

/// Where the body's values come from.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// Named values (a change's `changed_fields` and `values`); unnamed fields are null.
    Named(&'a [Arc<str>], &'a [Value]),
    /// A whole record, by field index (an UNDELETE carries every field).
    Record(&'a [Value]),
    /// Every field null (DELETE, gap and overflow events).
    Empty,
}

/// Encodes one event. `changed` and `nulled` are org field names for the bitmaps.
pub fn encode(
    schema: &ChangeSchema,
    header: &Header,
    body: Body<'_>,
    changed: &[Arc<str>],
    nulled: &[Arc<str>],
) -> Result<Vec<u8>, String> {
    let mut changed_bits = Bits::default();
    let mut nulled_bits = Bits::default();
    for name in changed {
        if let Some(&(top, child)) = schema.positions.get(name) {
            changed_bits.set(top, child);
        }
    }
    for name in nulled {
        if let Some(&(top, child)) = schema.positions.get(name) {
            nulled_bits.set(top, child);
            changed_bits.set(top, child);
        }
    }
    let strings = |items: Vec<String>| Avro::Array(items.into_iter().map(Avro::String).collect());
    let change_type_index = CHANGE_TYPES
        .iter()
        .position(|t| *t == header.change_type)
        .ok_or_else(|| format!("{} is not a change type", header.change_type))?;
    let header_value = Avro::Record(vec![
        ("entityName".into(), Avro::String(header.entity.clone())),
        ("recordIds".into(), strings(header.record_ids.clone())),
        (
            "changeType".into(),
            Avro::Enum(change_type_index as u32, header.change_type.to_string()),
        ),
        (
            "changeOrigin".into(),
            Avro::String(header.change_origin.clone()),
        ),
        (
            "transactionKey".into(),
            Avro::String(header.transaction_key.clone()),
        ),
        (
            "sequenceNumber".into(),
            Avro::Int(i32::try_from(header.sequence_number).unwrap_or(i32::MAX)),
        ),
        (
            "commitTimestamp".into(),
            Avro::Long(header.commit_timestamp),
        ),
        (
            "commitNumber".into(),
            Avro::Long(i64::try_from(header.commit_number).unwrap_or(i64::MAX)),
        ),
        (
            "commitUser".into(),
            Avro::String(header.commit_user.clone()),
        ),
        ("nulledFields".into(), strings(nulled_bits.encode())),
        ("diffFields".into(), Avro::Array(Vec::new())),
        ("changedFields".into(), strings(changed_bits.encode())),
    ]);

    // Values by top-level slot (and child), looked up once.
    let named: std::collections::HashMap<&str, &Value> = match body {
        Body::Named(names, values) => names.iter().map(|n| &**n).zip(values.iter()).collect(),
        _ => Default::default(),
    };
    let value_of = |field: usize, name: &str| -> Option<&Value> {
        match body {
            Body::Named(..) => named.get(name).copied(),
            Body::Record(values) => values.get(field),
            Body::Empty => None,
        }
    };
    let mut fields = Vec::with_capacity(schema.slots.len() + 1);
    fields.push(("ChangeEventHeader".to_string(), header_value));
    for slot in &schema.slots {
        let value = match slot {
            Slot::Field {
                name,
                field,
                scalar,
            } => nullable(value_of(*field, name).and_then(|v| avro_value(v, *scalar))),
            Slot::Address { children, .. } => {
                let mut any = false;
                let children: Vec<(String, Avro)> = children
                    .iter()
                    .map(|(field, child, scalar)| {
                        let name = format!("{}{child}", address_prefix(slot.name()));
                        let value = value_of(*field, &name).and_then(|v| avro_value(v, *scalar));
                        any |= value.is_some();
                        (child.clone(), nullable(value))
                    })
                    .collect();
                if any {
                    Avro::Union(1, Box::new(Avro::Record(children)))
                } else {
                    Avro::Union(0, Box::new(Avro::Null))
                }
            }
        };
        fields.push((slot.name().to_string(), value));
    }
    apache_avro::to_avro_datum(&schema.avro, Avro::Record(fields))
        .map_err(|err| format!("encoding a {} change event failed: {err}", header.entity))
}

/// `BillingAddress` → `Billing`: component fields are named prefix + child.
fn address_prefix(compound: &str) -> &str {
    compound.strip_suffix("Address").unwrap_or(compound)
}

fn nullable(value: Option<Avro>) -> Avro {
    match value {
        Some(value) => Avro::Union(1, Box::new(value)),
        None => Avro::Union(0, Box::new(Avro::Null)),
    }
}

/// A stored value as the schema's Avro type (`None`: null, or a value that does not fit).
fn avro_value(value: &Value, scalar: Scalar) -> Option<Avro> {
    const DAY_MS: i64 = 86_400_000;
    Some(match (scalar, value) {
        (_, Value::Null) => return None,
        (Scalar::String, Value::Text(text)) => Avro::String(text.to_string()),
        (Scalar::String, Value::Id(id)) => Avro::String(id.to_string()),
        (Scalar::String, Value::Date(days)) => Avro::String(value::format_date(*days)),
        (Scalar::String, Value::DateTime(ms)) => Avro::String(value::format_datetime(*ms)),
        (Scalar::String, other) => Avro::String(other.to_csv()),
        (Scalar::Boolean, Value::Bool(b)) => Avro::Boolean(*b),
        (Scalar::Int, Value::Int(n)) => Avro::Int(i32::try_from(*n).ok()?),
        (Scalar::Int, Value::Number(n)) if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) => {
            Avro::Int(*n as i32)
        }
        (Scalar::Double, Value::Number(n)) => Avro::Double(*n),
        (Scalar::Double, Value::Int(n)) => Avro::Double(*n as f64),
        (Scalar::Long, Value::Date(days)) => Avro::Long(i64::from(*days) * DAY_MS),
        (Scalar::Long, Value::DateTime(ms)) => Avro::Long(*ms),
        (Scalar::Long, Value::Int(n)) => Avro::Long(*n),
        _ => return None,
    })
}
