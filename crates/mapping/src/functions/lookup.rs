//! Lookup tables: the flow's `[tables]` or any map in the context.

use super::call::{Call, is_blank, quote, show, text_of};
use minijinja::Error;
use minijinja::value::{Value, ValueKind};

pub(crate) fn lookup(call: &Call) -> Result<Value, Error> {
    call.arity(2, 3)?;
    let table_arg = call.arg(0);
    let default = call.arg_or_kw(2, "default")?;
    let default = if default.is_undefined() {
        Value::from(())
    } else {
        default
    };
    let table = match table_arg.kind() {
        ValueKind::Map => table_arg,
        ValueKind::String => {
            // lookup("account_types", ...) names a table of the flow's [tables].
            let name = table_arg.as_str().unwrap_or_default();
            let table = call
                .state
                .lookup("tables")
                .and_then(|t| t.get_attr(name).ok())
                .filter(|t| t.kind() == ValueKind::Map);
            table.ok_or_else(|| {
                call.error(format!(
                    "the flow has no table {}: add it under [tables] in the flow file",
                    quote(name)
                ))
            })?
        }
        _ => {
            return Err(call.error(format!(
                "the table must be a map or the name of one of the flow's tables, got {}",
                show(&table_arg)
            )));
        }
    };
    let key = call.arg(1);
    if is_blank(&key) {
        return Ok(default);
    }
    let key = text_of(&key)
        .flatten()
        .ok_or_else(|| call.error(format!("the key must be text, got {}", show(&key))))?;
    if let Ok(v) = table.get_attr(&key)
        && !v.is_undefined()
    {
        return Ok(v);
    }
    let wanted = key.trim().to_lowercase();
    for k in table.try_iter()? {
        if k.as_str()
            .is_some_and(|s| s.trim().to_lowercase() == wanted)
        {
            return Ok(table.get_item(&k).unwrap_or(Value::from(())));
        }
    }
    Ok(default)
}
