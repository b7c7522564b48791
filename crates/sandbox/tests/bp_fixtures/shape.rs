//! The shape comparison behind the Brightpearl conformance cases: a recorded response body
//! against the sandbox's, key by key and type by type, with Brightpearl's habits built in.
//!
//! Why not `sf_fixtures/shape.rs`: that one reads a fixture file by name and compares against
//! the first array element, with per-case rename/absent lists for Salesforce's fictional
//! objects. Brightpearl's bodies come out of cassettes (already parsed), key many maps by record
//! id (`orderRows`, goods-out notes, availability, `quantityPrice`, custom-field options), write
//! search rows as positional arrays, and omit empty fields, so the rules differ:
//!
//! - **Objects** have the same keys as the recording, in the same relative order (the order
//!   check can be turned off). A key present in only some elements of a recorded array is
//!   optional.
//! - **Id maps** (objects whose keys are all numeric) compare their values' shapes; the keys are
//!   data. `{}` is both an empty object and an empty id map.
//! - **Arrays** compare every element with the merged shape of the recorded elements, and must
//!   not be empty when the recording is not: the sandbox is seeded with the same records, so an
//!   empty answer means the seeding or the code is wrong. A recorded `[]` says nothing.
//! - **Tuples**: an array whose elements have different types (a search row) compares position
//!   by position; it must have the same length, and any cell may be `null` (whether a column has
//!   a value is data).
//! - **Numbers**: a recorded whole number (an id, a count) must stay whole; a recorded decimal
//!   (`10.0000`, `0.0`) accepts any number, since `10` is a decimal too.
//! - **null**: a recorded `null` accepts anything. The sandbox's `null` is accepted only where
//!   the recording has one (Brightpearl omits empty fields rather than sending `null`).

use serde_json::Value;
use std::fmt;

/// The shape of a JSON value as Brightpearl writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// Only `null` was seen: any value may stand here.
    Null,
    /// `true` / `false`.
    Bool,
    /// A whole number.
    Integer,
    /// A number written with a fraction at least once (a whole number is a decimal too).
    Decimal,
    /// A string.
    String,
    /// Elements sharing one shape; `element` is `None` when only empty arrays were seen.
    Array {
        /// The merged shape of every element seen.
        element: Option<Box<Shape>>,
        /// Whether an empty array was seen here.
        may_be_empty: bool,
    },
    /// A positional array (a search row): one shape per position.
    Tuple(Vec<Shape>),
    /// Named keys, in recorded order.
    Object(Vec<Field>),
    /// An object keyed by record ids (`"1007"`); the keys are data, the values share a shape.
    IdMap {
        /// The merged shape of every value seen.
        value: Box<Shape>,
        /// Whether an empty map (`{}`) was seen here.
        may_be_empty: bool,
    },
    /// `null` seen here as well as values of this shape.
    Nullable(Box<Shape>),
    /// Several incompatible shapes seen at one place; a value must match one of them.
    OneOf(Vec<Shape>),
}

/// A key of an [`Shape::Object`].
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The key as recorded.
    pub key: String,
    /// Its value's shape.
    pub shape: Shape,
    /// False when some recorded objects at this place lack the key.
    pub required: bool,
}

/// Whether the comparison also checks the relative order of keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrder {
    /// Shared keys must come in the recorded order.
    Checked,
    /// Only the set of keys matters.
    Ignored,
}

/// The shape of `value`.
pub fn shape_of(value: &Value) -> Shape {
    match value {
        Value::Null => Shape::Null,
        Value::Bool(_) => Shape::Bool,
        Value::Number(n) if n.is_f64() => Shape::Decimal,
        Value::Number(_) => Shape::Integer,
        Value::String(_) => Shape::String,
        Value::Array(items) if items.is_empty() => Shape::Array {
            element: None,
            may_be_empty: true,
        },
        Value::Array(items) => {
            let shapes: Vec<Shape> = items.iter().map(shape_of).collect();
            if is_tuple(&shapes) {
                Shape::Tuple(shapes)
            } else {
                let element = shapes.into_iter().reduce(merge).map(Box::new);
                Shape::Array {
                    element,
                    may_be_empty: false,
                }
            }
        }
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| is_id(k)) => {
            let value = map.values().map(shape_of).reduce(merge).map(Box::new);
            match value {
                Some(value) => Shape::IdMap {
                    value,
                    may_be_empty: false,
                },
                None => Shape::Object(Vec::new()),
            }
        }
        Value::Object(map) => Shape::Object(
            map.iter()
                .map(|(key, value)| Field {
                    key: key.clone(),
                    shape: shape_of(value),
                    required: true,
                })
                .collect(),
        ),
    }
}

/// A record id used as a map key.
fn is_id(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// An array is a tuple when its non-null elements are of more than one kind (a search row mixes
/// ids, strings and booleans); arrays of one kind are lists.
fn is_tuple(shapes: &[Shape]) -> bool {
    let mut kinds = shapes.iter().filter_map(kind);
    match kinds.next() {
        Some(first) => kinds.any(|k| k != first),
        None => false,
    }
}

/// The broad JSON type of a shape (numbers are one kind), `None` for `null`.
fn kind(shape: &Shape) -> Option<&'static str> {
    match shape {
        Shape::Null => None,
        Shape::Bool => Some("boolean"),
        Shape::Integer | Shape::Decimal => Some("number"),
        Shape::String => Some("string"),
        Shape::Array { .. } | Shape::Tuple(_) => Some("array"),
        Shape::Object(_) | Shape::IdMap { .. } => Some("object"),
        Shape::Nullable(inner) => kind(inner),
        Shape::OneOf(_) => Some("one of several types"),
    }
}

/// One shape covering both `a` and `b` (the recorded elements of one array, or the values of
/// one id map).
pub fn merge(a: Shape, b: Shape) -> Shape {
    use Shape as S;
    match (a, b) {
        (a, b) if a == b => a,
        (S::Null, other) | (other, S::Null) => nullable(other),
        (S::Nullable(a), b) | (b, S::Nullable(a)) => nullable(merge(*a, b)),
        (S::Integer, S::Decimal) | (S::Decimal, S::Integer) => S::Decimal,
        (
            S::Array {
                element: a,
                may_be_empty: ea,
            },
            S::Array {
                element: b,
                may_be_empty: eb,
            },
        ) => S::Array {
            element: match (a, b) {
                (Some(a), Some(b)) => Some(Box::new(merge(*a, *b))),
                (a, b) => a.or(b),
            },
            may_be_empty: ea || eb,
        },
        (S::Tuple(a), S::Tuple(b)) if a.len() == b.len() => {
            S::Tuple(a.into_iter().zip(b).map(|(a, b)| merge(a, b)).collect())
        }
        (S::Object(a), S::IdMap { value, .. }) | (S::IdMap { value, .. }, S::Object(a))
            if a.is_empty() =>
        {
            S::IdMap {
                value,
                may_be_empty: true,
            }
        }
        (S::Object(a), S::Object(b)) => S::Object(merge_fields(a, b)),
        (
            S::IdMap {
                value: a,
                may_be_empty: ea,
            },
            S::IdMap {
                value: b,
                may_be_empty: eb,
            },
        ) => S::IdMap {
            value: Box::new(merge(*a, *b)),
            may_be_empty: ea || eb,
        },
        (S::OneOf(mut options), other) | (other, S::OneOf(mut options)) => {
            add_option(&mut options, other);
            S::OneOf(options)
        }
        (a, b) => {
            let mut options = vec![a];
            add_option(&mut options, b);
            S::OneOf(options)
        }
    }
}

fn nullable(shape: Shape) -> Shape {
    match shape {
        Shape::Null | Shape::Nullable(_) => shape,
        other => Shape::Nullable(Box::new(other)),
    }
}

/// Adds `shape` to a set of alternatives, merging it into an alternative of the same kind.
fn add_option(options: &mut Vec<Shape>, shape: Shape) {
    match options.iter().position(|o| kind(o) == kind(&shape)) {
        Some(i) => {
            let existing = options.remove(i);
            let merged = merge(existing, shape);
            options.insert(i, merged);
        }
        None => options.push(shape),
    }
}

/// Keys of both; a key is required only when both had it as required. A key only `b` has goes
/// right after the key that precedes it in `b`, so a key missing from the first recorded element
/// (`closedOn` on an open order) still lands where Brightpearl writes it.
fn merge_fields(a: Vec<Field>, b: Vec<Field>) -> Vec<Field> {
    let mut out = a;
    for field in &mut out {
        if !b.iter().any(|f| f.key == field.key) {
            field.required = false;
        }
    }
    let mut previous: Option<usize> = None;
    for field in b {
        match out.iter().position(|f| f.key == field.key) {
            Some(i) => {
                let existing = std::mem::replace(&mut out[i].shape, Shape::Null);
                out[i].shape = merge(existing, field.shape);
                out[i].required &= field.required;
                previous = Some(i);
            }
            None => {
                let at = previous.map_or(0, |p| p + 1);
                out.insert(
                    at,
                    Field {
                        required: false,
                        ..field
                    },
                );
                previous = Some(at);
            }
        }
    }
    out
}

/// Every way `ours` differs in shape from `recorded`, one line each, with its path
/// (`response[].orderRows.<id>.quantity.magnitude`; `[3]` is a tuple position).
pub fn differences(recorded: &Value, ours: &Value, order: KeyOrder) -> Vec<String> {
    let mut out = Vec::new();
    compare(&shape_of(recorded), ours, "", order, false, &mut out);
    out
}

/// Panics listing every difference between the recorded body and ours, key order included.
/// `context` names the case (cassette and interaction) in the message.
pub fn assert_same_shape(recorded: &Value, ours: &Value, context: &str) {
    assert_no_differences(recorded, ours, context, KeyOrder::Checked);
}

/// [`assert_same_shape`] without the key-order check.
pub fn assert_same_shape_any_order(recorded: &Value, ours: &Value, context: &str) {
    assert_no_differences(recorded, ours, context, KeyOrder::Ignored);
}

fn assert_no_differences(recorded: &Value, ours: &Value, context: &str, order: KeyOrder) {
    let found = differences(recorded, ours, order);
    assert!(
        found.is_empty(),
        "{context}: the sandbox's body differs in shape from the recording:\n  {}\nrecorded shape: {}\nsandbox's body: {}",
        found.join("\n  "),
        shape_of(recorded),
        serde_json::to_string(ours).unwrap_or_default()
    );
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "decimal",
        Value::Number(_) => "whole number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares `ours` with `shape` at `path`; `in_tuple` says a `null` is acceptable here.
fn compare(
    shape: &Shape,
    ours: &Value,
    path: &str,
    order: KeyOrder,
    in_tuple: bool,
    out: &mut Vec<String>,
) {
    let here = shown(path);
    match (shape, ours) {
        (Shape::Null, _) => {}
        (Shape::Nullable(_), Value::Null) => {}
        (Shape::Nullable(inner), _) => compare(inner, ours, path, order, in_tuple, out),
        (_, Value::Null) if in_tuple => {}
        (_, Value::Null) => out.push(format!(
            "{here}: null where the recording has {shape}; Brightpearl omits empty fields instead"
        )),
        (Shape::Bool, Value::Bool(_)) | (Shape::String, Value::String(_)) => {}
        (Shape::Decimal, Value::Number(_)) => {}
        (Shape::Integer, Value::Number(n)) if !n.is_f64() => {}
        (
            Shape::Array {
                element,
                may_be_empty,
            },
            Value::Array(items),
        ) => {
            if items.is_empty() && !may_be_empty {
                out.push(format!(
                    "{here}: empty, but the recording has elements (are the records seeded?)"
                ));
            }
            if let Some(element) = element {
                let element_path = format!("{path}[]");
                for item in items {
                    compare(element, item, &element_path, order, false, out);
                }
            }
        }
        (Shape::Tuple(cells), Value::Array(items)) => {
            if cells.len() != items.len() {
                out.push(format!(
                    "{here}: {} positions where the recording has {}",
                    items.len(),
                    cells.len()
                ));
            }
            for (i, (cell, item)) in cells.iter().zip(items).enumerate() {
                compare(cell, item, &format!("{path}[{i}]"), order, true, out);
            }
        }
        (Shape::Object(fields), Value::Object(map)) => {
            if fields.is_empty() && map.keys().all(|k| is_id(k)) {
                return; // `{}` recorded: an empty object or an empty id map; ours is one.
            }
            for field in fields {
                let key_path = child(path, &field.key);
                match map.get(&field.key) {
                    Some(value) => compare(&field.shape, value, &key_path, order, false, out),
                    None if field.required => out.push(format!("{key_path}: missing")),
                    None => {}
                }
            }
            for key in map.keys() {
                if !fields.iter().any(|f| &f.key == key) {
                    out.push(format!("{}: not in the recording", child(path, key)));
                }
            }
            if order == KeyOrder::Checked {
                let recorded: Vec<&str> = fields
                    .iter()
                    .map(|f| f.key.as_str())
                    .filter(|k| map.contains_key(*k))
                    .collect();
                let ours: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| fields.iter().any(|f| f.key == *k))
                    .collect();
                if recorded != ours {
                    out.push(format!(
                        "{here}: keys in the order {}; the recording has {}",
                        ours.join(", "),
                        recorded.join(", ")
                    ));
                }
            }
        }
        (
            Shape::IdMap {
                value,
                may_be_empty,
            },
            Value::Object(map),
        ) => {
            if map.is_empty() && !may_be_empty {
                out.push(format!(
                    "{here}: empty, but the recording has entries (are the records seeded?)"
                ));
            }
            let entry_path = child(path, "<id>");
            for (key, entry) in map {
                if !is_id(key) {
                    out.push(format!(
                        "{}: a map keyed by record ids has the key {key:?}",
                        shown(path)
                    ));
                }
                compare(value, entry, &entry_path, order, false, out);
            }
        }
        (Shape::OneOf(options), _) => {
            let fits = options.iter().any(|option| {
                let mut found = Vec::new();
                compare(option, ours, path, order, in_tuple, &mut found);
                found.is_empty()
            });
            if !fits {
                out.push(format!(
                    "{here}: {ours} matches none of the recorded {shape}"
                ));
            }
        }
        (Shape::Integer, Value::Number(n)) => out.push(format!(
            "{here}: the decimal {n} where Brightpearl writes a whole number"
        )),
        (shape, ours) => out.push(format!(
            "{here}: {} where the recording has {shape}",
            json_type(ours)
        )),
    }
}

/// A compact rendering: `{id: int, name?: string, orderRows: {<id>: {…}}, results: [[int, string]]}`
/// (`?` marks an optional key; whether an array or id map may be empty is not shown).
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Null => write!(f, "null"),
            Shape::Bool => write!(f, "bool"),
            Shape::Integer => write!(f, "int"),
            Shape::Decimal => write!(f, "decimal"),
            Shape::String => write!(f, "string"),
            Shape::Array { element: None, .. } => write!(f, "[]"),
            Shape::Array {
                element: Some(element),
                ..
            } => write!(f, "[{element}]"),
            Shape::Tuple(cells) => {
                write!(f, "[")?;
                for (i, cell) in cells.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{cell}")?;
                }
                write!(f, "]")
            }
            Shape::Object(fields) => {
                write!(f, "{{")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    let optional = if field.required { "" } else { "?" };
                    write!(f, "{}{optional}: {}", field.key, field.shape)?;
                }
                write!(f, "}}")
            }
            Shape::IdMap { value, .. } => write!(f, "{{<id>: {value}}}"),
            Shape::Nullable(inner) => write!(f, "{inner} or null"),
            Shape::OneOf(options) => {
                write!(f, "(")?;
                for (i, option) in options.iter().enumerate() {
                    if i > 0 {
                        write!(f, " | ")?;
                    }
                    write!(f, "{option}")?;
                }
                write!(f, ")")
            }
        }
    }
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
