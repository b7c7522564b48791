//! Lists built from lookups: the records of a list of keys, and key tuples.

use super::call::{Call, is_blank, show, text_of};
use minijinja::Error;
use minijinja::value::{Value, ValueKind};

/// `pick(map, keys, attribute=none)`: `map[key]` for each key that has an entry (keys as text),
/// or that entry's `attribute`; keys without an entry are left out.
pub(crate) fn pick(call: &Call) -> Result<Value, Error> {
    call.arity(2, 3)?;
    let map = call.arg(0);
    if is_blank(&map) {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    if map.kind() != ValueKind::Map {
        return Err(call.error(format!(
            "the first argument must be a map, got {}",
            show(&map)
        )));
    }
    let attribute = call.arg_or_kw(2, "attribute")?;
    let attribute = call.text_of(&attribute, "the attribute")?;
    let keys = call.arg(1);
    let keys: Vec<Value> = match keys.kind() {
        ValueKind::Seq | ValueKind::Iterable => keys.try_iter()?.collect(),
        ValueKind::Undefined | ValueKind::None => Vec::new(),
        _ => vec![keys],
    };
    let mut out = Vec::new();
    for key in keys {
        let Some(Some(text)) = text_of(&key) else {
            continue;
        };
        let Ok(found) = map.get_attr(&text) else {
            continue;
        };
        if found.is_undefined() || found.is_none() {
            continue;
        }
        let value = match &attribute {
            Some(attr) => found.get_attr(attr).unwrap_or(Value::from(())),
            None => found,
        };
        if !value.is_undefined() && !value.is_none() {
            out.push(value);
        }
    }
    Ok(Value::from(out))
}

/// `pairs(first, list)`: `[[first, x] for x in list]` — the key tuples of a two-field lookup
/// (price book, product).
pub(crate) fn pairs(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let first = call.arg(0);
    let list = call.arg(1);
    if is_blank(&first) {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let items: Vec<Value> = match list.kind() {
        ValueKind::Seq | ValueKind::Iterable => list.try_iter()?.collect(),
        ValueKind::Undefined | ValueKind::None => Vec::new(),
        _ => vec![list],
    };
    Ok(Value::from(
        items
            .into_iter()
            .filter(|x| !is_blank(x))
            .map(|x| Value::from(vec![first.clone(), x]))
            .collect::<Vec<_>>(),
    ))
}
