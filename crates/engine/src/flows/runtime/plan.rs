//! The pure half of a flow: context, mapping, validation. No I/O.

use super::CompiledTarget;
use ferry_mapping::validate;
use serde_json::{Map, Value, json};

/// The evaluation context of one record (see the brief in `ferry_mapping::Expr`).
pub(crate) fn context(
    source: &Value,
    targets: &Map<String, Value>,
    base: &Value,
    link: Option<&Value>,
    lookups: &Map<String, Value>,
) -> Value {
    let mut ctx = match base {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    ctx.insert("source".into(), source.clone());
    ctx.insert("targets".into(), Value::Object(targets.clone()));
    ctx.insert("link".into(), link.cloned().unwrap_or(Value::Null));
    ctx.insert("lookups".into(), Value::Object(lookups.clone()));
    Value::Object(ctx)
}

/// The mapped records of one target for one source record: none (its `when` is false), one,
/// or one per element of `each`.
pub(crate) fn map_target(
    target: &CompiledTarget,
    ctx: &Value,
    record_id: &str,
    flow: &str,
) -> Result<Vec<Map<String, Value>>, String> {
    if let Some(when) = &target.when {
        let go = when.truthy(ctx).map_err(|e| {
            format!(
                "flow {flow}, record {record_id}, target {}: its `when` failed: {e}",
                target.spec.name
            )
        })?;
        if !go {
            return Ok(Vec::new());
        }
    }
    let items = match &target.each {
        None => vec![None],
        Some(each) => match each.eval(ctx).map_err(|e| {
            format!(
                "flow {flow}, record {record_id}, target {}: its `each` failed: {e}",
                target.spec.name
            )
        })? {
            Value::Null => Vec::new(),
            Value::Array(items) => items.into_iter().map(Some).collect(),
            other => vec![Some(other)],
        },
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let scoped;
        let ctx = match item {
            None => ctx,
            Some(item) => {
                let mut map = ctx.as_object().cloned().unwrap_or_default();
                map.insert("item".into(), item);
                scoped = Value::Object(map);
                &scoped
            }
        };
        let mut fields = Map::new();
        for (field, expr) in &target.fields {
            let value = expr.eval_field(ctx).map_err(|e| {
                format!(
                    "flow {flow}, record {record_id}, field {}.{field}: {e} — fix the source \
                     record or the flow's mapping",
                    target.spec.name
                )
            })?;
            if let Some(value) = value {
                fields.insert(field.clone(), value);
            }
        }
        for list in &target.lists {
            let items = match list.each.eval(ctx).map_err(|e| {
                format!(
                    "flow {flow}, record {record_id}, field {}.{}: its `each` failed: {e}",
                    target.spec.name, list.field
                )
            })? {
                Value::Null => Vec::new(),
                Value::Array(items) => items,
                other => vec![other],
            };
            let mut out = Vec::with_capacity(items.len());
            for (n, item) in items.into_iter().enumerate() {
                let mut map = ctx.as_object().cloned().unwrap_or_default();
                map.insert("item".into(), item);
                map.insert("index".into(), Value::from(n));
                let scoped = Value::Object(map);
                let mut object = Map::new();
                for (key, expr) in &list.fields {
                    let value = expr.eval_field(&scoped).map_err(|e| {
                        format!(
                            "flow {flow}, record {record_id}, field {}.{}[{n}].{key}: {e} — fix \
                             the source record or the flow's mapping",
                            target.spec.name, list.field
                        )
                    })?;
                    if let Some(value) = value {
                        object.insert(key.clone(), value);
                    }
                }
                out.push(Value::Object(object));
            }
            fields.insert(list.field.clone(), Value::Array(out));
        }
        let violations = validate::check(&target.spec.rules, &fields);
        if !violations.is_empty() {
            let reasons: Vec<String> = violations.into_iter().map(|v| v.message).collect();
            return Err(format!(
                "flow {flow}, record {record_id}, target {} ({}): {}",
                target.spec.name,
                target.spec.object,
                reasons.join("; ")
            ));
        }
        out.push(fields);
    }
    Ok(out)
}

/// The values of the `fields` of a mapped record, in order (`null` for a missing one).
pub(crate) fn key_values(fields: &Map<String, Value>, keys: &[String]) -> Vec<Value> {
    keys.iter()
        .map(|k| fields.get(k).cloned().unwrap_or(Value::Null))
        .collect()
}

/// A stable hash of what a flow wrote for one record (sorted keys: `serde_json` maps are
/// ordered), for the cross-reference.
pub(crate) fn content_hash(written: &Map<String, Value>) -> String {
    use sha2::{Digest, Sha256};
    let text = Value::Object(written.clone()).to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The `link` value of the context.
pub(crate) fn link_value(brightpearl_id: &str, salesforce_id: &str) -> Value {
    json!({ "brightpearl_id": brightpearl_id, "salesforce_id": salesforce_id })
}
